//! Everything the engine can refuse or fail at. The API turns each into Superset's
//! body once, at the HTTP edge.

use tessera_plugin_host::PluginError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request names columns the dataset does not have.
    #[error("Error: Columns missing in dataset: {}", python_list(.0))]
    UnknownColumns(Vec<String>),
    /// The request names a saved metric the dataset does not have.
    #[error("Error: Metrics missing in dataset: {}", python_list(.0))]
    UnknownMetrics(Vec<String>),
    /// The request is malformed in a way Superset's schema would refuse.
    #[error("{0}")]
    InvalidRequest(String),
    /// A user-written SQL fragment does not parse or reaches outside the dataset.
    #[error("{0}")]
    InvalidSql(String),
    /// The time range cannot be understood.
    #[error("{0}")]
    TimeRange(String),
    /// A post-processing step failed.
    #[error("{0}")]
    PostProcessing(String),
    /// SQL Lab: the statement changes data and the database forbids it.
    #[error(
        "This database does not allow for DDL/DML, but the query mutates data. Please contact your administrator for more assistance."
    )]
    DmlNotAllowed,
    /// The source database (through its connector) failed.
    #[error("{err}")]
    Database {
        err: PluginError,
        engine_name: Option<String>,
    },
    /// DataFusion failed to plan or run what was asked.
    #[error("{0}")]
    Execution(String),
    /// The query was stopped on request.
    #[error("The query was stopped")]
    Stopped,
    /// The result cache could not be read or written.
    #[error("Cache error: {0}")]
    Cache(String),
}

/// `['a', 'b']`, as Superset's messages print lists.
fn python_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", quoted.join(", "))
}

impl EngineError {
    pub fn database(err: PluginError, engine_name: &str) -> Self {
        if matches!(
            err,
            PluginError::Stopped {
                stop: tessera_plugin_host::Stop::Cancelled,
                ..
            }
        ) {
            return EngineError::Stopped;
        }
        EngineError::Database {
            err,
            engine_name: Some(engine_name.to_owned()),
        }
    }
}

impl From<datafusion::error::DataFusionError> for EngineError {
    fn from(err: datafusion::error::DataFusionError) -> Self {
        use datafusion::error::DataFusionError as E;
        match err {
            E::SQL(..) | E::Plan(..) | E::SchemaError(..) => {
                EngineError::InvalidSql(err.strip_backtrace())
            }
            E::Context(_, inner) => (*inner).into(),
            E::External(inner) => match inner.downcast::<EngineError>() {
                Ok(engine) => *engine,
                Err(other) => EngineError::Execution(other.to_string()),
            },
            other => EngineError::Execution(other.strip_backtrace()),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
