//! Database connections.

use crate::Audit;
use uuid::Uuid;

/// What replaces a password wherever a URI leaves the server.
pub const PASSWORD_MASK: &str = "XXXXXXXXXX";

/// The columns of a database connection a client may write.
#[derive(Debug, Clone, Default)]
pub struct DatabaseValues {
    pub database_name: String,
    /// The URI with its password masked.
    pub sqlalchemy_uri: String,
    pub cache_timeout: Option<i64>,
    pub expose_in_sqllab: bool,
    pub allow_run_async: bool,
    pub allow_file_upload: bool,
    pub allow_ctas: bool,
    pub allow_cvas: bool,
    pub allow_dml: bool,
    pub force_ctas_schema: Option<String>,
    pub configuration_method: String,
    pub impersonate_user: bool,
    pub extra: Option<String>,
    pub encrypted_extra: Option<String>,
    pub server_cert: Option<String>,
    pub is_managed_externally: bool,
    pub external_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Database {
    pub id: i64,
    pub uuid: Uuid,
    pub values: DatabaseValues,
    /// The real password; never serialised.
    pub password: Option<String>,
    pub audit: Audit,
}

impl Database {
    /// The URI scheme's dialect: `postgresql` for `postgresql+psycopg2://...`.
    pub fn backend(&self) -> String {
        backend_of(&self.values.sqlalchemy_uri)
    }
}

/// The dialect part of a SQLAlchemy URI's scheme (`postgresql+psycopg2` -> `postgresql`).
pub fn backend_of(uri: &str) -> String {
    let scheme = uri.split("://").next().unwrap_or_default();
    let dialect = scheme.split('+').next().unwrap_or_default();
    match dialect {
        "postgres" => "postgresql".to_string(),
        other => other.to_string(),
    }
}
