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

/// The columns [`user_ref`] reads, prefixed by a table alias.
pub(crate) fn user_ref_columns(alias: &str) -> String {
    ["id", "first_name", "last_name", "email", "username", "active"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {alias}_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
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
        active: get(row, col("active").as_str())?,
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
