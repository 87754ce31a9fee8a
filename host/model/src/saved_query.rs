//! Saved queries: SQL a user kept from SQL Lab under a label.

use crate::{Audit, Timestamp};
use uuid::Uuid;

/// The columns of a saved query a client may write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedQueryValues {
    pub db_id: Option<i64>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub sql: Option<String>,
    /// Jinja parameters, a JSON string.
    pub template_parameters: Option<String>,
    /// A JSON object as text; `{}` when nothing was set.
    pub extra_json: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SavedQuery {
    pub id: i64,
    pub uuid: Uuid,
    pub values: SavedQueryValues,
    /// The database's name; `None` when the saved query names no database.
    pub database_name: Option<String>,
    /// The user the query was last saved by (Superset's `user_id`).
    pub user_id: Option<i64>,
    pub rows: Option<i64>,
    pub last_run: Option<Timestamp>,
    pub audit: Audit,
}
