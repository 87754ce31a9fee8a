//! Decoding `AnyRow` columns into domain values.

use crate::{Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{ColumnIndex, Decode, Row, Type};
use tessera_model::{Timestamp, UserRef};
use uuid::Uuid;

pub(crate) fn get<'r, T>(row: &'r AnyRow, index: impl ColumnIndex<AnyRow>) -> Result<T>
where
    T: Decode<'r, sqlx::Any> + Type<sqlx::Any>,
{
    Ok(row.try_get(index)?)
}

pub(crate) fn uuid(row: &AnyRow, index: &str) -> Result<Uuid> {
    let text: String = get(row, index)?;
    Uuid::parse_str(&text).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

pub(crate) fn time(row: &AnyRow, index: &str) -> Result<Timestamp> {
    Ok(Timestamp(get(row, index)?))
}

pub(crate) fn opt_time(row: &AnyRow, index: &str) -> Result<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, index)?.map(Timestamp))
}

/// Selects a boolean column for [`flag`]. sqlx's `Any` driver cannot decode SQLite's
/// BOOLEAN, so booleans travel as integers on both backends.
pub(crate) fn flag_column(expr: &str, alias: &str) -> String {
    format!("CAST({expr} AS INTEGER) AS {alias}")
}

/// Reads a column selected with [`flag_column`].
pub(crate) fn flag(row: &AnyRow, name: &str) -> Result<bool> {
    Ok(get::<i64>(row, name)? != 0)
}

/// The columns [`user_ref`] reads, prefixed by a table alias.
pub(crate) fn user_ref_columns(alias: &str) -> String {
    let mut columns: Vec<String> = ["id", "first_name", "last_name", "email", "username"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {alias}_{c}"))
        .collect();
    columns.push(flag_column(
        &format!("{alias}.active"),
        &format!("{alias}_active"),
    ));
    columns.join(", ")
}

/// Reads a user selected with [`user_ref_columns`]; `None` when the join found nobody.
pub(crate) fn user_ref(row: &AnyRow, alias: &str) -> Result<Option<UserRef>> {
    let Some(id) = get::<Option<i64>>(row, format!("{alias}_id").as_str())? else {
        return Ok(None);
    };
    let col = |c: &str| format!("{alias}_{c}");
    Ok(Some(UserRef {
        id,
        first_name: get(row, col("first_name").as_str())?,
        last_name: get(row, col("last_name").as_str())?,
        email: get(row, col("email").as_str())?,
        username: get(row, col("username").as_str())?,
        active: flag(row, &col("active"))?,
    }))
}

/// Selected columns and joins that [`audit`] reads for a row aliased `t`.
pub(crate) fn audit_select() -> (String, &'static str) {
    (
        format!(
            "t.created_on, t.changed_on, {}, {}",
            user_ref_columns("cb"),
            user_ref_columns("chb")
        ),
        " LEFT JOIN ab_user cb ON cb.id = t.created_by_fk LEFT JOIN ab_user chb ON chb.id = t.changed_by_fk",
    )
}

pub(crate) fn audit(row: &AnyRow) -> Result<tessera_model::Audit> {
    Ok(tessera_model::Audit {
        created_on: time(row, "created_on")?,
        changed_on: time(row, "changed_on")?,
        created_by: user_ref(row, "cb")?,
        changed_by: user_ref(row, "chb")?,
    })
}

/// Reads the JSON array of users selected by `Store::owners_select`.
pub(crate) fn users_json(row: &AnyRow, index: &str) -> Result<Vec<UserRef>> {
    let text: Option<String> = get(row, index)?;
    let parsed: serde_json::Value = serde_json::from_str(text.as_deref().unwrap_or("[]"))
        .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?;
    let users = parsed.as_array().map(Vec::as_slice).unwrap_or_default();
    Ok(users
        .iter()
        .map(|u| {
            let text = |k: &str| u[k].as_str().unwrap_or_default().to_string();
            UserRef {
                id: u["id"].as_i64().unwrap_or_default(),
                first_name: text("first_name"),
                last_name: text("last_name"),
                email: text("email"),
                username: text("username"),
                // SQLite's JSON has 1/0 for booleans, PostgreSQL's true/false.
                active: u["active"]
                    .as_bool()
                    .unwrap_or_else(|| u["active"].as_i64() == Some(1)),
            }
        })
        .collect())
}
