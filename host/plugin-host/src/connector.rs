//! Connector plugins: sessions with a database, run inside a sandboxed component.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_buffer::Buffer;
use arrow_ipc::reader::{StreamDecoder, StreamReader};
use arrow_schema::SchemaRef;
use url::Url;
use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Engine, Store};

use crate::bindings::connector::exports::tessera::connector::connector::Guest;
use crate::bindings::connector::tessera::connector::types;
use crate::bindings::connector::{ConnectorPlugin, ConnectorPluginPre};
use crate::sandbox::{Access, CallState, CancelHandle, Limits, Watchdog, new_store};
use crate::{PluginError, settle};

pub use types::{
    ColumnInfo, Description, ErrorKind, Pushdown, SqlDialect, TableInfo, TableKind, Transport,
};

/// Where and how to connect: the stored database, as the server knows it.
#[derive(Debug, Clone)]
pub struct ConnectTarget {
    /// The full URI, password included.
    pub uri: String,
    pub allow_dml: bool,
    /// `extra.engine_params` as JSON text.
    pub engine_params: String,
}

/// A loaded connector component, ready to open sessions.
pub struct Connector {
    description: Description,
    engine: Engine,
    pre: ConnectorPluginPre<CallState>,
    limits: Limits,
}

impl Connector {
    /// Prepares `component` for instantiation and asks it to describe itself.
    pub(crate) async fn load(
        engine: &Engine,
        linker: &Linker<CallState>,
        component: &Component,
        limits: Limits,
    ) -> Result<Self, String> {
        let instance_pre = linker
            .instantiate_pre(component)
            .map_err(|e| format!("{e:#}"))?;
        let pre = ConnectorPluginPre::new(instance_pre).map_err(|e| format!("{e:#}"))?;
        let description = describe(engine, &pre, limits, "connector")
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            description,
            engine: engine.clone(),
            pre,
            limits,
        })
    }

    /// Instantiates the component in a fresh store and asks it to describe itself: the
    /// fixed cost every session pays before it connects (measured by the benchmark).
    pub async fn ping(&self) -> Result<(), PluginError> {
        describe(&self.engine, &self.pre, self.limits, &self.description.name)
            .await
            .map(drop)
    }

    pub fn description(&self) -> &Description {
        &self.description
    }

    /// Whether this connector handles `uri` (by scheme, ignoring a `+driver` suffix).
    pub fn accepts(&self, uri: &str) -> bool {
        uri_scheme(uri).is_some_and(|scheme| self.description.schemes.iter().any(|s| *s == scheme))
    }

    /// Opens a session with the database of `target`, in a fresh sandboxed store.
    pub async fn connect(
        &self,
        target: &ConnectTarget,
        cancel: CancelHandle,
    ) -> Result<Session, PluginError> {
        let (access, uri) = self.sandbox_for(target).await?;
        let plugin_name: Arc<str> = self.description.name.as_str().into();
        let watchdog = Watchdog::new(self.limits, cancel);
        let mut store = new_store(&self.engine, &access, self.limits.memory_bytes, &watchdog)?;
        let bindings = settle(
            &plugin_name,
            watchdog
                .run(self.pre.instantiate_async(&mut store))
                .await
                .map(|r| r.map(Ok::<_, PluginError>)),
        )?;
        let options = types::ConnectOptions {
            uri,
            allow_dml: target.allow_dml,
            engine_params: target.engine_params.clone(),
        };
        let open = async {
            let guest = bindings.tessera_connector_connector();
            guest.connection().call_open(&mut store, &options).await
        };
        let connection = settle(&plugin_name, watchdog.run(open).await)?;
        Ok(Session {
            plugin: plugin_name,
            store,
            bindings,
            connection,
            watchdog,
        })
    }

    /// What the sandbox must allow for `uri`, and the URI the guest gets (with the host
    /// name already resolved, since the guest may not look names up itself).
    async fn sandbox_for(&self, target: &ConnectTarget) -> Result<(Access, String), PluginError> {
        let uri = target.uri.as_str();
        match self.description.transport {
            Transport::Tcp => {
                let mut url =
                    Url::parse(uri).map_err(|e| PluginError::InvalidUri(e.to_string()))?;
                let host = url
                    .host_str()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| PluginError::InvalidUri("the URI names no host".into()))?
                    .trim_matches(['[', ']'])
                    .to_owned();
                let port = url
                    .port()
                    .or(self.description.default_port)
                    .ok_or_else(|| PluginError::InvalidUri("the URI names no port".into()))?;
                let unresolved = || PluginError::Connector {
                    kind: ErrorKind::HostUnreachable,
                    message: format!("The hostname \"{host}\" cannot be resolved."),
                };
                let mut addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|_| unresolved())?
                    .collect();
                addresses.sort_by_key(|a| a.is_ipv6());
                let first = addresses.first().ok_or_else(unresolved)?;
                url.set_ip_host(first.ip())
                    .map_err(|()| PluginError::InvalidUri("the URI cannot carry a host".into()))?;
                if url.port().is_none() {
                    let _ = url.set_port(Some(port));
                }
                let allowed: HashSet<SocketAddr> = addresses.into_iter().collect();
                Ok((Access::Tcp(allowed), url.into()))
            }
            Transport::File => {
                let path = file_path(uri)?;
                let dir = path
                    .parent()
                    .filter(|d| d.is_dir())
                    .ok_or_else(|| PluginError::Connector {
                        kind: ErrorKind::UnknownDatabase,
                        message: "unable to open database file".into(),
                    })?
                    .to_path_buf();
                let access = Access::Directory {
                    path: dir,
                    writable: target.allow_dml,
                };
                Ok((access, uri.to_owned()))
            }
        }
    }
}

async fn describe(
    engine: &Engine,
    pre: &ConnectorPluginPre<CallState>,
    limits: Limits,
    plugin: &str,
) -> Result<Description, PluginError> {
    let watchdog = Watchdog::new(limits, CancelHandle::default());
    let mut store = new_store(engine, &Access::Nothing, limits.memory_bytes, &watchdog)?;
    let described = async {
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .tessera_connector_connector()
            .call_describe(&mut store)
            .await
            .map(Ok::<_, PluginError>)
    };
    settle(plugin, watchdog.run(described).await)
}

/// The scheme of `uri` without a `+driver` suffix.
pub(crate) fn uri_scheme(uri: &str) -> Option<&str> {
    let (scheme, _) = uri.split_once("://")?;
    scheme.split('+').next().filter(|s| !s.is_empty())
}

/// The absolute path of a file URI such as `sqlite:////srv/data/x.db`.
fn file_path(uri: &str) -> Result<PathBuf, PluginError> {
    let (_, rest) = uri
        .split_once("://")
        .ok_or_else(|| PluginError::InvalidUri("expected scheme:///path".into()))?;
    let path = rest.split('?').next().unwrap_or_default();
    if !path.starts_with('/') || path.split('/').any(|part| part == "..") {
        return Err(PluginError::InvalidUri(
            "the database file must be given as an absolute path".into(),
        ));
    }
    // SQLAlchemy spells absolute paths with four slashes (`sqlite:////srv/x.db`).
    Ok(Path::new(path).components().collect())
}

/// An open session with a database: one store, one instance, one connection.
pub struct Session {
    plugin: Arc<str>,
    store: Store<CallState>,
    bindings: ConnectorPlugin,
    connection: ResourceAny,
    watchdog: Watchdog,
}

impl Session {
    fn parts(&mut self) -> (&mut Store<CallState>, &Guest, ResourceAny, &Watchdog, &str) {
        (
            &mut self.store,
            self.bindings.tessera_connector_connector(),
            self.connection,
            &self.watchdog,
            &self.plugin,
        )
    }

    /// Checks that the database answers.
    pub async fn test(&mut self) -> Result<(), PluginError> {
        let (store, guest, connection, watchdog, plugin) = self.parts();
        let connection_api = guest.connection();
        settle(
            plugin,
            watchdog
                .run(connection_api.call_test(store, connection))
                .await,
        )
    }

    pub async fn list_schemas(&mut self) -> Result<Vec<String>, PluginError> {
        let (store, guest, connection, watchdog, plugin) = self.parts();
        let connection_api = guest.connection();
        settle(
            plugin,
            watchdog
                .run(connection_api.call_list_schemas(store, connection))
                .await,
        )
    }

    pub async fn list_tables(&mut self, schema: &str) -> Result<Vec<TableInfo>, PluginError> {
        let (store, guest, connection, watchdog, plugin) = self.parts();
        let connection_api = guest.connection();
        let call = connection_api.call_list_tables(store, connection, schema);
        settle(plugin, watchdog.run(call).await)
    }

    /// The columns of a table, with their Arrow schema decoded.
    pub async fn table_schema(
        &mut self,
        schema: Option<&str>,
        table: &str,
    ) -> Result<TableSchema, PluginError> {
        let (store, guest, connection, watchdog, plugin) = self.parts();
        let connection_api = guest.connection();
        let call = connection_api.call_table_schema(store, connection, schema, table);
        let described = settle(plugin, watchdog.run(call).await)?;
        let mut decoder = StreamDecoder::new();
        let arrow = decode_schema(&mut decoder, described.arrow_schema, plugin)?;
        if arrow.fields().len() != described.columns.len() {
            return Err(PluginError::Protocol {
                plugin: plugin.to_owned(),
                detail: "the Arrow schema does not match the column list".into(),
            });
        }
        Ok(TableSchema {
            columns: described.columns,
            arrow,
            primary_key: described.primary_key,
            comment: described.comment,
        })
    }

    /// Runs `sql` and returns its rows as a stream of record batches. The stream owns
    /// the session, so the connection lives as long as the rows are being read.
    pub async fn execute(mut self, sql: &str) -> Result<RecordBatchStream, PluginError> {
        let (store, guest, connection, watchdog, plugin) = self.parts();
        let connection_api = guest.connection();
        let stream = settle(
            plugin,
            watchdog
                .run(connection_api.call_execute(&mut *store, connection, sql))
                .await,
        )?;
        let stream_api = guest.batch_stream();
        let schema_bytes = settle(
            plugin,
            watchdog
                .run(stream_api.call_schema(store, stream))
                .await
                .map(|r| r.map(Ok::<_, PluginError>)),
        )?;
        let mut decoder = StreamDecoder::new();
        let schema = decode_schema(&mut decoder, schema_bytes, plugin)?;
        Ok(RecordBatchStream {
            session: self,
            stream,
            decoder,
            schema,
        })
    }
}

/// A table as a connector describes it.
#[derive(Debug, Clone)]
pub struct TableSchema {
    /// The columns as the database names and types them.
    pub columns: Vec<ColumnInfo>,
    /// The same columns as Arrow fields.
    pub arrow: SchemaRef,
    pub primary_key: Vec<String>,
    pub comment: Option<String>,
}

/// Reads the schema message that opens an IPC stream, and feeds it to `decoder` so the
/// batches that follow decode against it.
fn decode_schema(
    decoder: &mut StreamDecoder,
    bytes: Vec<u8>,
    plugin: &str,
) -> Result<SchemaRef, PluginError> {
    let protocol = |detail: String| PluginError::Protocol {
        plugin: plugin.to_owned(),
        detail,
    };
    // The decoder finishes a message only when the next one's bytes arrive, so the
    // schema itself is read with a reader.
    let schema = StreamReader::try_new(std::io::Cursor::new(&bytes), None)
        .map_err(|e| protocol(format!("no Arrow schema was sent: {e}")))?
        .schema();
    let mut buffer = Buffer::from_vec(bytes);
    if decoder
        .decode(&mut buffer)
        .map_err(|e| protocol(e.to_string()))?
        .is_some()
    {
        return Err(protocol(
            "a record batch arrived where a schema was expected".into(),
        ));
    }
    Ok(schema)
}

/// The rows of an executed statement, read from the plugin one batch at a time.
pub struct RecordBatchStream {
    session: Session,
    stream: ResourceAny,
    decoder: StreamDecoder,
    schema: SchemaRef,
}

impl RecordBatchStream {
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The next batch, or `None` when every row has been read.
    pub async fn next(&mut self) -> Result<Option<arrow_array::RecordBatch>, PluginError> {
        let stream = self.stream;
        let (store, guest, _, watchdog, plugin) = self.session.parts();
        let stream_api = guest.batch_stream();
        let Some(bytes) = settle(
            plugin,
            watchdog.run(stream_api.call_next(store, stream)).await,
        )?
        else {
            return Ok(None);
        };
        let plugin = plugin.to_owned();
        let protocol = |detail: String| PluginError::Protocol {
            plugin: plugin.clone(),
            detail,
        };
        let mut buffer = Buffer::from_vec(bytes);
        while !buffer.is_empty() {
            if let Some(batch) = self
                .decoder
                .decode(&mut buffer)
                .map_err(|e| protocol(e.to_string()))?
            {
                return Ok(Some(batch));
            }
        }
        Err(protocol("a message carried no record batch".into()))
    }
}
