//! Tessera's MySQL/MariaDB connector: the client/server protocol over a plain TCP
//! socket, with packets encoded by `mysql_common` and rows decoded into Arrow.
//!
//! Results use the text protocol (COM_QUERY): it runs every statement the server
//! accepts in one round trip, where prepared statements need three.

mod catalog;
mod decode;
mod error;
mod guard;
mod handshake;
mod rows;
mod session;
mod types;
mod wire;

use std::cell::RefCell;
use std::rc::Rc;

use tessera_plugin_sdk::{
    ConnectOptions, Description, Error, ErrorKind, NetworkUri, Pushdown, RecordBatchSource, Result,
    SqlDialect, TableColumns, TableInfo, Transport,
};

use crate::rows::RowStream;
use crate::session::{Outcome, Session};

const DEFAULT_PORT: u16 = 3306;

const PARAMETER_SCHEMA: &str = r#"{"type":"object","required":["database","host","port","username"],"additionalProperties":false,"properties":{"database":{"type":"string","description":"Database name"},"encryption":{"type":"boolean","description":"Use an encrypted connection to the database"},"host":{"type":"string","description":"Hostname or IP address"},"password":{"type":"string","nullable":true,"description":"Password"},"port":{"type":"integer","minimum":0,"maximum":65536,"description":"Database port"},"query":{"type":"object","additionalProperties":{},"description":"Additional parameters"},"username":{"type":"string","nullable":true,"description":"Username"}}}"#;

pub struct MySql;

impl tessera_plugin_sdk::Connector for MySql {
    type Connection = MySqlConnection;

    fn describe() -> Description {
        Description {
            name: "connector-mysql".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            engine: "mysql".into(),
            engine_name: "MySQL".into(),
            driver: "mysqldb".into(),
            schemes: vec!["mysql".into(), "mariadb".into()],
            default_port: Some(DEFAULT_PORT),
            transport: Transport::Tcp,
            parameter_schema: PARAMETER_SCHEMA.into(),
            uri_placeholder: "mysql://user:password@host:port/dbname[?key=value&key=value...]"
                .into(),
            dialect: SqlDialect::Mysql,
            pushdown: Pushdown::all(),
        }
    }
}

tessera_plugin_sdk::export_connector!(MySql);

/// A session with one MySQL database.
pub struct MySqlConnection {
    /// Shared with the row streams `execute` returns, which read from the socket.
    session: Rc<RefCell<Session>>,
    allow_dml: bool,
}

impl tessera_plugin_sdk::Connection for MySqlConnection {
    fn open(options: ConnectOptions) -> Result<Self> {
        let uri = NetworkUri::parse(&options.uri, DEFAULT_PORT)?;
        if !matches!(uri.scheme.as_str(), "mysql" | "mariadb") {
            return Err(Error::new(
                ErrorKind::InvalidUri,
                format!("Unsupported URI scheme '{}'", uri.scheme),
            ));
        }
        refuse_tls(&uri)?;
        let mut session = Session::open(&uri)?;
        // TIMESTAMP values then arrive in UTC, matching their Arrow type.
        session.exec("SET time_zone = '+00:00'")?;
        if !options.allow_dml {
            session.exec("SET SESSION TRANSACTION READ ONLY")?;
        }
        Ok(Self {
            session: Rc::new(RefCell::new(session)),
            allow_dml: options.allow_dml,
        })
    }

    fn test(&self) -> Result<()> {
        self.session.borrow_mut().exec("SELECT 1")
    }

    fn list_schemas(&self) -> Result<Vec<String>> {
        catalog::list_schemas(&mut self.session.borrow_mut())
    }

    fn list_tables(&self, schema: &str) -> Result<Vec<TableInfo>> {
        catalog::list_tables(&mut self.session.borrow_mut(), schema)
    }

    fn table_schema(&self, schema: Option<&str>, table: &str) -> Result<TableColumns> {
        catalog::table_schema(&mut self.session.borrow_mut(), schema, table)
    }

    fn execute(&self, sql: &str) -> Result<Box<dyn RecordBatchSource>> {
        if !self.allow_dml && !guard::is_read_only(sql) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "DML is not allowed on this database",
            ));
        }
        let outcome = self.session.borrow_mut().query(sql)?;
        let session = Rc::clone(&self.session);
        Ok(Box::new(match outcome {
            Outcome::NoRows => RowStream::empty(session),
            Outcome::Rows(columns) => RowStream::new(session, &columns),
        }))
    }
}

/// This client has no TLS; refuse rather than silently connect in clear text
/// when the URI demands encryption.
fn refuse_tls(uri: &NetworkUri) -> Result<()> {
    let flag = |key: &str| {
        uri.param(key)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true"))
    };
    let mode = uri
        .param("ssl_mode")
        .or_else(|| uri.param("ssl-mode"))
        .map(str::to_ascii_uppercase);
    let required = matches!(
        mode.as_deref(),
        Some("REQUIRED" | "VERIFY_CA" | "VERIFY_IDENTITY")
    );
    if flag("ssl") || required {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "Encrypted (TLS) connections are not supported by this connector",
        ));
    }
    Ok(())
}
