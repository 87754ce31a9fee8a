//! Decoding `AnyRow` columns into domain values.

use crate::{Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{ColumnIndex, Decode, Row, Type};
use std::collections::HashMap;
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

/// The audit columns of a row aliased `t`. The users they name are resolved through a
/// [`Users`] directory loaded once per page (see `Store::page_users`): joining four user
/// rows into every object multiplied the cells the driver decodes, which is what a page
/// of objects costs.
pub(crate) const AUDIT_COLUMNS: &str =
    "t.created_on, t.changed_on, t.created_by_fk, t.changed_by_fk";

pub(crate) fn audit(row: &AnyRow, users: &Users) -> Result<tessera_model::Audit> {
    Ok(tessera_model::Audit {
        created_on: time(row, "created_on")?,
        changed_on: time(row, "changed_on")?,
        created_by: users.get(get(row, "created_by_fk")?),
        changed_by: users.get(get(row, "changed_by_fk")?),
    })
}

/// The users a page of objects refers to, by id.
#[derive(Default)]
pub(crate) struct Users(pub(crate) HashMap<i64, UserRef>);

impl Users {
    pub(crate) fn get(&self, id: Option<i64>) -> Option<UserRef> {
        id.and_then(|id| self.0.get(&id).cloned())
    }

    /// The users of `ids` that exist, in the order given.
    pub(crate) fn all(&self, ids: Option<&Vec<i64>>) -> Vec<UserRef> {
        ids.map(|ids| {
            ids.iter()
                .filter_map(|id| self.0.get(id).cloned())
                .collect()
        })
        .unwrap_or_default()
    }
}
