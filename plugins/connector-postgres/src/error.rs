//! Turning the server's `ErrorResponse` and socket failures into the WIT's errors.

use std::io;

use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend::ErrorResponseBody;
use tessera_plugin_sdk::{Error, ErrorKind};

/// The error the server reported, classified by its SQLSTATE so the host can answer
/// with Superset's matching error type. The message is the server's own.
pub fn server_error(body: &ErrorResponseBody) -> Error {
    let mut code = String::new();
    let mut message = String::new();
    let mut fields = body.fields();
    while let Ok(Some(field)) = fields.next() {
        let value = String::from_utf8_lossy(field.value_bytes());
        match field.type_() {
            b'C' => code = value.into_owned(),
            b'M' => message = value.into_owned(),
            _ => {}
        }
    }
    if message.is_empty() {
        message = format!("PostgreSQL error {code}");
    }
    Error::new(kind_of(&code), message)
}

fn kind_of(sqlstate: &str) -> ErrorKind {
    match sqlstate {
        "28P01" | "28000" => ErrorKind::AccessDenied,
        "3D000" => ErrorKind::UnknownDatabase,
        "42601" => ErrorKind::Syntax,
        "42P01" | "3F000" => ErrorKind::NotFound,
        // read_only_sql_transaction: the session is read-only because DML is not
        // allowed, and the WIT asks for `unsupported` then.
        "25006" => ErrorKind::Unsupported,
        "57014" => ErrorKind::Timeout,
        _ => ErrorKind::QueryFailed,
    }
}

/// A socket failure after connecting, or a message the server should not have sent.
pub fn io_error(err: io::Error) -> Error {
    let kind = match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
        _ => ErrorKind::Internal,
    };
    Error::new(kind, format!("PostgreSQL connection: {err}"))
}

/// The server sent something the protocol does not allow at this point.
pub fn unexpected(what: &str) -> Error {
    Error::internal(format!("unexpected {what} from the PostgreSQL server"))
}
