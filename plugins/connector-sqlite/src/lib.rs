//! Tessera's SQLite connector: SQLite itself compiled into the component, reading the
//! database file the host lets the sandbox see.
//!
//! The host preopens only the file's directory, at the same absolute path, and
//! read-only unless DML is allowed; [`open`] says how the file is opened there.

mod catalog;
mod coerce;
mod column;
mod datetime;
mod error;
mod open;
mod stmt;
mod stream;
mod types;
mod uri;

use std::rc::Rc;

use tessera_plugin_sdk::{
    ConnectOptions, Description, Pushdown, RecordBatchSource, Result, SqlDialect, TableColumns,
    TableInfo, Transport,
};

use crate::error::from_rusqlite;

/// The plugin.
pub struct Sqlite;

impl tessera_plugin_sdk::Connector for Sqlite {
    type Connection = Session;

    fn describe() -> Description {
        Description {
            name: "connector-sqlite".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            engine: "sqlite".into(),
            engine_name: "SQLite".into(),
            driver: "pysqlite".into(),
            schemes: vec!["sqlite".into()],
            default_port: None,
            transport: Transport::File,
            parameter_schema: "{}".into(),
            uri_placeholder: "sqlite:///path/to/file.db".into(),
            dialect: SqlDialect::Sqlite,
            pushdown: Pushdown::all(),
        }
    }
}

/// An open database file.
pub struct Session {
    /// Shared with the streams of running statements, which outlive `execute`.
    conn: Rc<rusqlite::Connection>,
    allow_dml: bool,
}

impl tessera_plugin_sdk::Connection for Session {
    fn open(options: ConnectOptions) -> Result<Self> {
        let path = uri::database_path(&options.uri)?;
        let conn = open::open(&path, options.allow_dml)?;
        let session = Session {
            conn: Rc::new(conn),
            allow_dml: options.allow_dml,
        };
        session.check_database()?;
        Ok(session)
    }

    fn test(&self) -> Result<()> {
        self.conn
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(from_rusqlite)?;
        self.check_database()
    }

    fn list_schemas(&self) -> Result<Vec<String>> {
        catalog::schemas(&self.conn)
    }

    fn list_tables(&self, schema: &str) -> Result<Vec<TableInfo>> {
        catalog::tables(&self.conn, schema)
    }

    fn table_schema(&self, schema: Option<&str>, table: &str) -> Result<TableColumns> {
        catalog::table_columns(&self.conn, schema, table)
    }

    fn execute(&self, sql: &str) -> Result<Box<dyn RecordBatchSource>> {
        let stream = stream::RowStream::start(&self.conn, sql, self.allow_dml)?;
        Ok(Box::new(stream))
    }
}

impl Session {
    /// Reads the file's header, which SQLite otherwise defers to the first query
    /// touching a table: a file that is not a database fails here.
    fn check_database(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA schema_version", [], |_| Ok(()))
            .map_err(from_rusqlite)
    }
}

tessera_plugin_sdk::export_connector!(Sqlite);
