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

/// Splits a URI into the text that may be shown and stored, with [`PASSWORD_MASK`] in
/// place of its password, and the password itself (percent-decoded). `None` when the
/// text is not a URI.
pub fn mask_password(uri: &str) -> Option<(String, Option<String>)> {
    let mut url = url::Url::parse(uri).ok()?;
    let Some(encoded) = url.password().map(str::to_string) else {
        // Nothing to hide: keep the client's spelling of the URI.
        return Some((uri.to_string(), None));
    };
    let password =
        url::form_urlencoded::parse(format!("p={}", encoded.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or(encoded);
    url.set_password(Some(PASSWORD_MASK)).ok()?;
    Some((url.to_string(), Some(password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_and_decodes_the_real_one() {
        let (masked, password) = mask_password("postgresql://u:p%40ss@h:5432/db").unwrap();
        assert_eq!(masked, "postgresql://u:XXXXXXXXXX@h:5432/db");
        assert_eq!(password.as_deref(), Some("p@ss"));
        let (kept, none) = mask_password("sqlite:////srv/data/examples.db").unwrap();
        assert_eq!(kept, "sqlite:////srv/data/examples.db");
        assert_eq!(none, None);
        assert_eq!(mask_password("not a uri"), None);
    }
}
