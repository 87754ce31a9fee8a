//! Runs Tessera's plugins: WebAssembly components defined by the WIT packages in
//! `wit/`, compiled once by one shared wasmtime engine, instantiated per call from an
//! `InstancePre` into a `Store` of their own with a memory cap, a deadline and a
//! sandbox that admits only what the plugin's job needs.
//!
//! First-party plugins are built from `plugins/` by this crate's build script and
//! embedded in the binary; more are loaded from a plugin directory at start.

mod catalog;
mod connector;
mod exporter;
mod runtime;
mod sandbox;

pub use catalog::{BUILT_PLUGINS_DIR, PluginConfig, PluginHost, Rejected};
pub use connector::{
    ColumnInfo, ConnectTarget, Connector, Description, ErrorKind, Pushdown, RecordBatchStream,
    Session, SqlDialect, TableInfo, TableKind, TableSchema, Transport,
};
pub use exporter::{ExportOutput, Exporter, ExporterDescription};
pub use sandbox::{CancelHandle, Limits, Stop};

/// Bindings generated from the WIT packages, one module per world and version.
mod bindings {
    pub mod connector {
        wasmtime::component::bindgen!({
            path: "../../wit/connector",
            world: "connector-plugin",
            imports: { default: async },
            exports: { default: async },
        });
    }

    pub mod exporter {
        wasmtime::component::bindgen!({
            path: "../../wit/exporter",
            world: "exporter-plugin",
            imports: { default: async },
            exports: { default: async },
        });
    }
}

/// Why a plugin call failed.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The connector reported a failure of its database (bad password, bad SQL, ...).
    #[error("{message}")]
    Connector { kind: ErrorKind, message: String },
    /// The host stopped the plugin: deadline, cancellation or memory cap.
    #[error("The plugin {plugin} was stopped: {stop}")]
    Stopped { plugin: String, stop: Stop },
    /// The plugin trapped (a bug or a deliberate abort inside it).
    #[error("The plugin {plugin} failed: {detail}")]
    Trap { plugin: String, detail: String },
    /// The plugin broke the contract, e.g. sent Arrow data that does not decode.
    #[error("The plugin {plugin} sent malformed data: {detail}")]
    Protocol { plugin: String, detail: String },
    /// No loaded connector accepts the URI's scheme.
    #[error("Could not load database driver: {0}")]
    UnknownScheme(String),
    /// The URI cannot be used at all.
    #[error("Invalid URI: {0}")]
    InvalidUri(String),
    /// The sandbox could not be set up (e.g. a directory that cannot be opened).
    #[error("{0}")]
    Sandbox(String),
    /// No loaded exporter renders the format.
    #[error("No exporter renders the format {0}")]
    UnknownFormat(String),
    /// The exporter refused its input.
    #[error("{0}")]
    Export(String),
    /// The wasmtime engine could not be created.
    #[error("The plugin engine could not start: {0}")]
    Engine(String),
}

/// Turns the outcome of a guest call (host stop, trap, or the guest's own error) into
/// one result.
pub(crate) fn settle<T, E: Into<PluginError>>(
    plugin: &str,
    outcome: Result<wasmtime::Result<Result<T, E>>, Stop>,
) -> Result<T, PluginError> {
    match outcome {
        Err(stop) => Err(PluginError::Stopped {
            plugin: plugin.to_owned(),
            stop,
        }),
        Ok(Err(trap)) => Err(match trap.downcast_ref::<Stop>() {
            Some(stop) => PluginError::Stopped {
                plugin: plugin.to_owned(),
                stop: *stop,
            },
            None => PluginError::Trap {
                plugin: plugin.to_owned(),
                detail: trap.to_string(),
            },
        }),
        Ok(Ok(result)) => result.map_err(Into::into),
    }
}

impl From<bindings::connector::tessera::connector::types::Error> for PluginError {
    fn from(err: bindings::connector::tessera::connector::types::Error) -> Self {
        PluginError::Connector {
            kind: err.kind,
            message: err.message,
        }
    }
}

impl From<String> for PluginError {
    fn from(message: String) -> Self {
        PluginError::Export(message)
    }
}
