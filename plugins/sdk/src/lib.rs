//! Write a Tessera plugin in a few hundred lines: a connector or an exporter.
//!
//! A connector implements [`Connector`] (who you are) and [`Connection`] (what a
//! session with your database can do), then calls [`export_connector!`]. The SDK turns
//! that into the `tessera:connector@0.1.0` component exports: it encodes results as
//! Arrow IPC, one record batch per message, and carries your [`Error`]s across the
//! boundary.
//!
//! ```ignore
//! struct MyDb;
//! impl tessera_plugin_sdk::Connector for MyDb { type Connection = MySession; fn describe() -> Description { ... } }
//! impl tessera_plugin_sdk::Connection for MySession { ... }
//! tessera_plugin_sdk::export_connector!(MyDb);
//! ```
//!
//! An exporter implements [`exporter::Exporter`] and calls [`export_exporter!`]; see
//! the [`exporter`] module.
//!
//! Build with `cargo build --release --target wasm32-wasip2`; the output `.wasm` is a
//! component the host loads from its plugin directory.

mod adapter;
pub mod exporter;
mod uri;

pub use adapter::{BatchStreamAdapter, ConnectionAdapter};
pub use arrow_array::{self, RecordBatch};
pub use arrow_schema::{self, DataType, Field, Schema, SchemaRef, TimeUnit};
pub use uri::NetworkUri;

/// The bindings generated from the WIT packages, one module per world; the export
/// macros use them. Each world's exports are only declared where its macro is called,
/// so a connector does not claim to be an exporter nor the other way round.
pub mod bindings {
    /// `wit/connector`, used by [`export_connector!`](crate::export_connector).
    pub mod connector {
        wit_bindgen::generate!({
            path: "../../wit/connector",
            world: "connector-plugin",
            pub_export_macro: true,
            export_macro_name: "export_bindings",
            default_bindings_module: "tessera_plugin_sdk::bindings::connector",
        });
    }

    /// `wit/exporter`, used by [`export_exporter!`](crate::export_exporter).
    pub mod exporter {
        wit_bindgen::generate!({
            path: "../../wit/exporter",
            world: "exporter-plugin",
            pub_export_macro: true,
            export_macro_name: "export_bindings",
            default_bindings_module: "tessera_plugin_sdk::bindings::exporter",
        });
    }
}

pub use bindings::connector::tessera::connector::types::{
    ColumnInfo, ConnectOptions, Description, Error, ErrorKind, Pushdown, SqlDialect, TableInfo,
    TableKind, Transport,
};

/// The result of every connector function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Rows a connector should put in one record batch: large enough that Arrow IPC's
/// per-message cost vanishes, small enough to keep guest memory modest.
pub const BATCH_ROWS: usize = 65_536;

impl Error {
    /// An error of `kind` with a message for the user.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// A connector bug or an unexpected answer from the database.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(err: arrow_schema::ArrowError) -> Self {
        Error::internal(format!("Arrow: {err}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        let kind = match err.kind() {
            Io::ConnectionRefused | Io::PermissionDenied => ErrorKind::ConnectionRefused,
            Io::TimedOut | Io::WouldBlock => ErrorKind::Timeout,
            Io::NotFound => ErrorKind::UnknownDatabase,
            Io::HostUnreachable | Io::NetworkUnreachable | Io::AddrNotAvailable => {
                ErrorKind::HostUnreachable
            }
            _ => ErrorKind::Internal,
        };
        Error::new(kind, err.to_string())
    }
}

/// A column of a table as the database describes it, with its Arrow type.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The database's own type name, e.g. `character varying(20)`.
    pub type_name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub comment: Option<String>,
}

/// What [`Connection::table_schema`] returns.
#[derive(Debug, Clone, Default)]
pub struct TableColumns {
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub comment: Option<String>,
}

/// The plugin: its description and the session type it opens.
pub trait Connector: 'static {
    type Connection: Connection;

    /// Who the plugin is; called once when the host loads it.
    fn describe() -> Description;
}

/// A session with the database. The host calls methods one at a time.
pub trait Connection: Sized + 'static {
    /// Connects and authenticates.
    fn open(options: ConnectOptions) -> Result<Self>;

    /// Checks that the database answers.
    fn test(&self) -> Result<()>;

    /// Schema names, sorted.
    fn list_schemas(&self) -> Result<Vec<String>>;

    /// Tables and views of `schema`, sorted by name.
    fn list_tables(&self, schema: &str) -> Result<Vec<TableInfo>>;

    /// The columns of one table; `ErrorKind::NotFound` when it does not exist.
    fn table_schema(&self, schema: Option<&str>, table: &str) -> Result<TableColumns>;

    /// Runs a statement. The returned source may outlive the call and share the
    /// session (keep the socket in an `Rc`), because the host reads it batch by batch.
    fn execute(&self, sql: &str) -> Result<Box<dyn RecordBatchSource>>;
}

/// The rows of an executed statement, produced a batch at a time.
pub trait RecordBatchSource {
    /// The result's schema, known before the first row.
    fn schema(&self) -> SchemaRef;

    /// The next batch (at most about [`BATCH_ROWS`] rows), or `None` at the end.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>>;
}

/// Exports a [`Connector`] as the component's `tessera:connector/connector` interface.
#[macro_export]
macro_rules! export_connector {
    ($connector:ty) => {
        #[allow(dead_code)]
        struct __TesseraConnectorExport;

        impl $crate::bindings::connector::exports::tessera::connector::connector::Guest
            for __TesseraConnectorExport
        {
            type Connection =
                $crate::ConnectionAdapter<<$connector as $crate::Connector>::Connection>;
            type BatchStream = $crate::BatchStreamAdapter;

            fn describe() -> $crate::Description {
                <$connector as $crate::Connector>::describe()
            }
        }

        // Only a component exports these symbols; a native build (the crate's own
        // tests) cannot link names such as `cabi_post_tessera:connector/...`.
        #[cfg(target_family = "wasm")]
        $crate::bindings::connector::export_bindings!(__TesseraConnectorExport);

        // Natively nothing is exported; naming the entry points keeps them live.
        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            let _ = <$connector as $crate::Connector>::describe;
            let _ = <<$connector as $crate::Connector>::Connection as $crate::Connection>::open;
        };
    };
}
