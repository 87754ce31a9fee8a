//! The database file named by a `sqlite://` URI.
//!
//! Superset writes SQLite URIs SQLAlchemy's way, `sqlite:////abs/path.db`, and people
//! also write `sqlite:///abs/path.db`; both name `/abs/path.db`. The host preopens the
//! file's directory at that same absolute path, so the path is used as written (no
//! percent-decoding, query string dropped) and must be absolute: a relative path
//! would depend on a working directory the sandbox does not have. Leading slashes are
//! collapsed, as SQLite would do anyway, so the directory the host preopens must be
//! `/abs`, not `//abs`.

use tessera_plugin_sdk::{Error, ErrorKind, Result};

/// The absolute path of the database file in `uri`.
pub fn database_path(uri: &str) -> Result<String> {
    let invalid = |why: &str| Error::new(ErrorKind::InvalidUri, format!("Invalid URI: {why}"));
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| invalid("expected sqlite:///path/to/file.db"))?;
    if !matches!(scheme, "sqlite" | "sqlite+pysqlite") {
        return Err(invalid(&format!("unsupported scheme {scheme}")));
    }
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if !path.starts_with('/') {
        return Err(invalid(
            "the database must be an absolute file path, as in sqlite:///path/to/file.db",
        ));
    }
    // The host refuses these too: the directory it preopens must be the file's own.
    if path.split('/').any(|part| part == "..") {
        return Err(invalid("the database path must not contain .."));
    }
    // `sqlite:////abs` leaves `//abs`: collapse the SQLAlchemy-style extra slash.
    let path = format!("/{}", path.trim_start_matches('/'));
    let file_name = path.rsplit('/').next().unwrap_or_default();
    if file_name.is_empty() {
        return Err(invalid("no database file named"));
    }
    if file_name == ":memory:" {
        return Err(invalid("in-memory databases are not supported"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths() {
        for uri in [
            "sqlite:///srv/data/x.db",
            "sqlite:////srv/data/x.db",
            "sqlite+pysqlite:///srv/data/x.db",
            "sqlite:///srv/data/x.db?mode=ro",
        ] {
            assert_eq!(database_path(uri).unwrap(), "/srv/data/x.db", "{uri}");
        }
    }

    #[test]
    fn rejected() {
        for uri in [
            "sqlite://",
            "sqlite:///",
            "sqlite://relative.db",
            "sqlite://:memory:",
            "sqlite:///:memory:",
            "sqlite:///srv/../etc/x.db",
            "postgresql:///x.db",
            "/srv/x.db",
        ] {
            let err = database_path(uri).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUri, "{uri}");
        }
    }
}
