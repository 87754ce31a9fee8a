//! Turning server error packets and protocol surprises into connector errors.

use mysql_common::constants::CapabilityFlags;
use mysql_common::io::ParseBuf;
use mysql_common::packets::ErrPacket;
use tessera_plugin_sdk::{Error, ErrorKind};

/// The error an ERR packet (payload starting with 0xFF) describes.
pub fn server_error(payload: &[u8], capabilities: CapabilityFlags) -> Error {
    match ParseBuf(payload).parse::<ErrPacket<'_>>(capabilities) {
        Ok(ErrPacket::Error(err)) => {
            Error::new(kind_of(err.error_code()), err.message_str().into_owned())
        }
        Ok(ErrPacket::Progress(_)) | Err(_) => protocol("malformed error packet"),
    }
}

/// The kind Superset expects for a MySQL error code.
fn kind_of(code: u16) -> ErrorKind {
    match code {
        // ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
        1044 | 1045 | 1698 => ErrorKind::AccessDenied,
        // ER_BAD_DB_ERROR
        1049 => ErrorKind::UnknownDatabase,
        // ER_PARSE_ERROR
        1064 => ErrorKind::Syntax,
        // ER_NO_SUCH_TABLE
        1146 => ErrorKind::NotFound,
        // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: DML refused by the read-only session.
        1792 => ErrorKind::Unsupported,
        _ => ErrorKind::QueryFailed,
    }
}

/// The server sent something this client does not understand.
pub fn protocol(what: &str) -> Error {
    Error::internal(format!("MySQL protocol error: {what}"))
}
