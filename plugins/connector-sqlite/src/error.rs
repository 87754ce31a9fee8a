//! SQLite failures as connector errors, keeping SQLite's own message.

use rusqlite::ErrorCode;
use tessera_plugin_sdk::{Error, ErrorKind};

/// The connector error for a SQLite result code and message.
pub fn from_sqlite(code: ErrorCode, message: &str) -> Error {
    Error::new(kind_of(code, message), message)
}

/// Converts rusqlite's error, which carries SQLite's code when SQLite produced it.
pub fn from_rusqlite(err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(code) => from_sqlite(code, &err.to_string()),
        None => Error::new(ErrorKind::QueryFailed, err.to_string()),
    }
}

fn kind_of(code: ErrorCode, message: &str) -> ErrorKind {
    match code {
        // Superset reports both as "unable to open database file".
        ErrorCode::CannotOpen | ErrorCode::NotADatabase => ErrorKind::UnknownDatabase,
        // SQLite's parser has no code of its own: SQLITE_ERROR and the message tell.
        _ if is_parse_error(message) => ErrorKind::Syntax,
        _ if message.starts_with("no such table") => ErrorKind::NotFound,
        _ => ErrorKind::QueryFailed,
    }
}

fn is_parse_error(message: &str) -> bool {
    message.contains("syntax error")
        || message.starts_with("incomplete input")
        || message.starts_with("unrecognized token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let kind = |code, msg| from_sqlite(code, msg).kind;
        assert_eq!(
            kind(ErrorCode::Unknown, "near \"SELEC\": syntax error"),
            ErrorKind::Syntax
        );
        assert_eq!(
            kind(ErrorCode::Unknown, "incomplete input"),
            ErrorKind::Syntax
        );
        assert_eq!(
            kind(ErrorCode::Unknown, "no such table: t"),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(ErrorCode::NotADatabase, "file is not a database"),
            ErrorKind::UnknownDatabase
        );
        assert_eq!(
            kind(ErrorCode::Unknown, "no such column: x"),
            ErrorKind::QueryFailed
        );
    }
}
