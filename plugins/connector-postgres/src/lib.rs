//! Tessera's PostgreSQL connector: a plain-Rust client of the PostgreSQL wire
//! protocol (version 3) that runs inside the WebAssembly sandbox with only a TCP
//! socket. `postgres-protocol` encodes and decodes the messages; everything else —
//! session, authentication, streaming binary rows into Arrow — is here.
//!
//! TLS is not available in the sandbox: `sslmode` is ignored and sessions are
//! plaintext.

mod catalog;
mod connect;
mod error;
mod execute;
mod numeric;
mod session;
mod types;
mod wire;

use std::cell::RefCell;
use std::rc::Rc;

use tessera_plugin_sdk::{
    ConnectOptions, Connector, Description, NetworkUri, Pushdown, RecordBatchSource, Result,
    SqlDialect, TableColumns, TableInfo, Transport,
};

use crate::session::Session;

const DEFAULT_PORT: u16 = 5432;

/// The connection form Superset shows for PostgreSQL.
const PARAMETER_SCHEMA: &str = r#"{"type":"object","required":["database","host","port","username"],"additionalProperties":false,"properties":{"database":{"type":"string","description":"Database name"},"encryption":{"type":"boolean","description":"Use an encrypted connection to the database"},"host":{"type":"string","description":"Hostname or IP address"},"password":{"type":"string","nullable":true,"description":"Password"},"port":{"type":"integer","minimum":0,"maximum":65536,"description":"Database port"},"query":{"type":"object","additionalProperties":{},"description":"Additional parameters"},"ssh":{"type":"boolean","description":"Use an ssh tunnel connection to the database"},"username":{"type":"string","nullable":true,"description":"Username"}}}"#;

/// The plugin.
pub struct Postgres;

impl Connector for Postgres {
    type Connection = PgConnection;

    fn describe() -> Description {
        Description {
            name: "connector-postgres".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            engine: "postgresql".into(),
            engine_name: "PostgreSQL".into(),
            driver: "psycopg2".into(),
            schemes: vec!["postgresql".into(), "postgres".into()],
            default_port: Some(DEFAULT_PORT),
            transport: Transport::Tcp,
            parameter_schema: PARAMETER_SCHEMA.into(),
            uri_placeholder: "postgresql://user:password@host:port/dbname[?key=value&key=value...]"
                .into(),
            dialect: SqlDialect::Postgresql,
            pushdown: Pushdown::all(),
        }
    }
}

/// An open session. Result streams share it, so it sits behind `Rc<RefCell<_>>`.
pub struct PgConnection {
    session: Rc<RefCell<Session>>,
}

impl tessera_plugin_sdk::Connection for PgConnection {
    fn open(options: ConnectOptions) -> Result<Self> {
        let uri = NetworkUri::parse(&options.uri, DEFAULT_PORT)?;
        let session = connect::connect(&uri, !options.allow_dml)?;
        Ok(Self {
            session: Rc::new(RefCell::new(session)),
        })
    }

    fn test(&self) -> Result<()> {
        self.session.borrow_mut().query("SELECT 1", &[]).map(drop)
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
        execute::execute(&self.session, sql)
    }
}

tessera_plugin_sdk::export_connector!(Postgres);

#[cfg(test)]
mod tests;
