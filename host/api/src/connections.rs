//! Reaching a stored database through its connector plugin, and Superset's error
//! bodies for what can go wrong on the way.

use std::sync::Arc;

use arrow_schema::DataType;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tessera_engine::EngineError;
use tessera_engine::records::GenericType;
use tessera_engine::{ConnectorSource, FileSource, Source};
use tessera_model::database::PASSWORD_MASK;
use tessera_model::{Database, DatasetColumn};
use tessera_plugin_host::{
    CancelHandle, ColumnInfo, ConnectTarget, ErrorKind, PluginError, Session, SqlDialect,
    TableInfo, TableKind, TableSchema,
};

use crate::error::ApiError;
use crate::state::AppState;

/// The URI to hand the connector: the stored (masked) URI with the real password put
/// back. The result is never shown or logged.
pub fn real_uri(masked: &str, password: Option<&str>) -> String {
    let Some(password) = password else {
        return masked.to_owned();
    };
    match url::Url::parse(masked) {
        Ok(mut url) if url.password() == Some(PASSWORD_MASK) => {
            // `set_password` percent-encodes what the URI syntax needs.
            if url.set_password(Some(password)).is_ok() {
                return url.into();
            }
            masked.to_owned()
        }
        _ => masked.to_owned(),
    }
}

/// How to connect to a stored database.
pub fn target_of(database: &Database) -> ConnectTarget {
    ConnectTarget {
        uri: real_uri(
            &database.values.sqlalchemy_uri,
            database.password.as_deref(),
        ),
        allow_dml: database.values.allow_dml,
        engine_params: engine_params(database.values.extra.as_deref().unwrap_or_default()),
    }
}

/// `extra.engine_params` as JSON text, `{}` when absent or unreadable.
pub fn engine_params(extra: &str) -> String {
    serde_json::from_str::<Value>(extra)
        .ok()
        .and_then(|v| v.get("engine_params").cloned())
        .filter(Value::is_object)
        .map_or_else(|| "{}".to_owned(), |v| v.to_string())
}

/// A session with one database, knowing its engine (for error bodies) and dialect.
pub struct DatabaseSession {
    reach: Reach,
    engine_name: String,
    pub dialect: SqlDialect,
}

/// How a database is reached: a connector plugin, or DataFusion's own file engine.
enum Reach {
    Plugin(Box<Session>),
    Files(FileSource),
}

/// The one schema of a `datafusion:///dir` database.
const FILES_SCHEMA: &str = "main";

impl DatabaseSession {
    /// Opens a session with `target` through the connector for its scheme, or over
    /// the directory of a `datafusion:///dir` URI.
    pub async fn open(state: &AppState, target: &ConnectTarget) -> Result<Self, DatabaseError> {
        if let Some(files) = FileSource::from_uri(&target.uri) {
            return Ok(Self {
                reach: Reach::Files(files),
                engine_name: "DataFusion".into(),
                dialect: SqlDialect::Generic,
            });
        }
        let connector = state
            .plugins
            .connector_for(&target.uri)
            .map_err(DatabaseError::new)?;
        let description = connector.description();
        let engine_name = description.engine_name.clone();
        let session = connector
            .connect(target, CancelHandle::default())
            .await
            .map_err(|err| DatabaseError::with_engine(err, &engine_name))?;
        Ok(Self {
            reach: Reach::Plugin(Box::new(session)),
            engine_name,
            dialect: description.dialect,
        })
    }

    fn failed(&self, err: PluginError) -> DatabaseError {
        DatabaseError::with_engine(err, &self.engine_name)
    }

    fn files_failed(&self, err: EngineError) -> DatabaseError {
        let kind = match err {
            EngineError::InvalidRequest(_) => ErrorKind::NotFound,
            _ => ErrorKind::QueryFailed,
        };
        self.failed(PluginError::Connector {
            kind,
            message: err.to_string(),
        })
    }

    pub async fn test(&mut self) -> Result<(), DatabaseError> {
        let outcome = match &mut self.reach {
            Reach::Plugin(session) => session.test().await,
            Reach::Files(files) => match files.table_names() {
                Ok(_) => Ok(()),
                Err(e) => return Err(self.files_failed(e)),
            },
        };
        outcome.map_err(|e| self.failed(e))
    }

    pub async fn list_schemas(&mut self) -> Result<Vec<String>, DatabaseError> {
        let outcome = match &mut self.reach {
            Reach::Plugin(session) => session.list_schemas().await,
            Reach::Files(_) => Ok(vec![FILES_SCHEMA.to_owned()]),
        };
        outcome.map_err(|e| self.failed(e))
    }

    pub async fn list_tables(&mut self, schema: &str) -> Result<Vec<TableInfo>, DatabaseError> {
        let outcome = match &mut self.reach {
            Reach::Plugin(session) => session.list_tables(schema).await,
            Reach::Files(files) => {
                let names = match files.table_names() {
                    Ok(names) if schema == FILES_SCHEMA => names,
                    Ok(_) => Vec::new(),
                    Err(e) => return Err(self.files_failed(e)),
                };
                Ok(names
                    .into_iter()
                    .map(|name| TableInfo {
                        name,
                        kind: TableKind::Table,
                    })
                    .collect())
            }
        };
        outcome.map_err(|e| self.failed(e))
    }

    pub async fn table_schema(
        &mut self,
        schema: Option<&str>,
        table: &str,
    ) -> Result<TableSchema, DatabaseError> {
        let outcome = match &mut self.reach {
            Reach::Plugin(session) => session.table_schema(schema, table).await,
            Reach::Files(files) => {
                let arrow = match files.table_schema(table).await {
                    Ok(arrow) => arrow,
                    Err(e) => return Err(self.files_failed(e)),
                };
                let columns = arrow
                    .fields()
                    .iter()
                    .map(|f| ColumnInfo {
                        name: f.name().clone(),
                        type_name: GenericType::sql_type_name(f.data_type()).to_owned(),
                        nullable: f.is_nullable(),
                        comment: None,
                    })
                    .collect();
                Ok(TableSchema {
                    columns,
                    arrow,
                    primary_key: Vec::new(),
                    comment: None,
                })
            }
        };
        outcome.map_err(|e| self.failed(e))
    }
}

/// A connector failure, with the engine it came from for Superset's `extra.engine_name`.
#[derive(Debug)]
pub struct DatabaseError {
    pub err: PluginError,
    pub engine_name: Option<String>,
}

impl DatabaseError {
    pub fn new(err: PluginError) -> Self {
        Self {
            err,
            engine_name: None,
        }
    }

    pub fn with_engine(err: PluginError, engine_name: &str) -> Self {
        Self {
            err,
            engine_name: Some(engine_name.to_owned()),
        }
    }

    /// Whether the database said the table or schema does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.err,
            PluginError::Connector {
                kind: ErrorKind::NotFound,
                ..
            }
        )
    }
}

impl From<DatabaseError> for ApiError {
    /// Superset's SIP-40 error for each failure: the database's own errors are 400
    /// (as `test_connection` answers), an unknown driver 422, a deadline 408, and a
    /// plugin that crashed or broke its contract 422 with the plugin named.
    fn from(DatabaseError { err, engine_name }: DatabaseError) -> Self {
        let (status, error_type, level) = match &err {
            PluginError::Connector { kind, .. } => {
                let error_type = match kind {
                    ErrorKind::HostUnreachable => "CONNECTION_INVALID_HOSTNAME_ERROR",
                    ErrorKind::ConnectionRefused => "CONNECTION_PORT_CLOSED_ERROR",
                    ErrorKind::AccessDenied => "CONNECTION_ACCESS_DENIED_ERROR",
                    ErrorKind::UnknownDatabase => "CONNECTION_UNKNOWN_DATABASE_ERROR",
                    ErrorKind::NotFound => "TABLE_DOES_NOT_EXIST_ERROR",
                    ErrorKind::Syntax => "SYNTAX_ERROR",
                    ErrorKind::Timeout => "CONNECTION_DATABASE_TIMEOUT",
                    ErrorKind::InvalidUri => "CONNECTION_INVALID_HOSTNAME_ERROR",
                    ErrorKind::QueryFailed | ErrorKind::Unsupported | ErrorKind::Internal => {
                        "GENERIC_DB_ENGINE_ERROR"
                    }
                };
                let status = if matches!(kind, ErrorKind::Timeout) {
                    StatusCode::REQUEST_TIMEOUT
                } else {
                    StatusCode::BAD_REQUEST
                };
                (status, error_type, "error")
            }
            PluginError::Stopped { stop, .. } => match stop {
                tessera_plugin_host::Stop::Deadline => (
                    StatusCode::REQUEST_TIMEOUT,
                    "CONNECTION_DATABASE_TIMEOUT",
                    "error",
                ),
                _ => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "GENERIC_DB_ENGINE_ERROR",
                    "error",
                ),
            },
            PluginError::UnknownScheme(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "GENERIC_COMMAND_ERROR",
                "warning",
            ),
            PluginError::InvalidUri(_) => (
                StatusCode::BAD_REQUEST,
                "CONNECTION_INVALID_HOSTNAME_ERROR",
                "error",
            ),
            PluginError::Trap { .. } | PluginError::Protocol { .. } | PluginError::Sandbox(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "GENERIC_DB_ENGINE_ERROR",
                "error",
            ),
            PluginError::UnknownFormat(_) | PluginError::Export(_) => {
                (StatusCode::BAD_REQUEST, "GENERIC_COMMAND_ERROR", "error")
            }
            PluginError::Engine(detail) => return ApiError::Internal(detail.clone()),
        };
        let mut error = ApiError::superset_error(&err.to_string(), error_type, level);
        if let Some(name) = engine_name {
            error["extra"]["engine_name"] = json!(name);
        }
        ApiError::Errors(status, vec![error])
    }
}

/// The physical columns of a table as a dataset stores them: the database's type name
/// and `is_dttm` for date and time types.
pub async fn table_columns(
    state: &AppState,
    database: &Database,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<DatasetColumn>, DatabaseError> {
    let mut session = DatabaseSession::open(state, &target_of(database)).await?;
    let described = session.table_schema(schema, table).await?;
    Ok(described
        .columns
        .iter()
        .zip(described.arrow.fields())
        .map(|(column, field)| DatasetColumn {
            column_name: column.name.clone(),
            r#type: Some(column.type_name.to_uppercase()),
            is_dttm: matches!(
                field.data_type(),
                DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
            ),
            is_active: true,
            groupby: true,
            filterable: true,
            ..DatasetColumn::default()
        })
        .collect())
}

/// Where the engine reads a database from: DataFusion's own file engine for
/// `datafusion:///dir`, otherwise the connector for its scheme.
pub fn source_of(state: &AppState, database: &Database) -> Result<Source, DatabaseError> {
    let uri = &database.values.sqlalchemy_uri;
    if let Some(files) = FileSource::from_uri(uri) {
        return Ok(Source::Files(Arc::new(files)));
    }
    let connector = state
        .plugins
        .connector_for(uri)
        .map_err(DatabaseError::new)?;
    Ok(Source::Connector(Arc::new(ConnectorSource::new(
        Arc::clone(connector),
        target_of(database),
    ))))
}
