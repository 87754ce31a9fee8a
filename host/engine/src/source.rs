//! Where a dataset's rows come from, and how DataFusion reads them: a database
//! through its connector plugin, or Parquet files DataFusion reads itself.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, TableReference};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::{
    ListingTable, ListingTableConfig, ListingTableConfigExt, ListingTableUrl,
};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, TableProviderFilterPushDown};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion::prelude::SessionContext;
use datafusion::sql::unparser::Unparser;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use tessera_plugin_host::{CancelHandle, ConnectTarget, Connector, SqlDialect};

use crate::dialect::SourceDialect;
use crate::error::{EngineError, Result};
use crate::sql::plan_to_source_sql;

/// A database the engine can query.
#[derive(Clone)]
pub enum Source {
    /// A database reached through its connector plugin; plans are pushed to it as SQL.
    Connector(Arc<ConnectorSource>),
    /// `datafusion:///dir`: every `<table>.parquet` in `dir` is a table of schema `main`,
    /// read by DataFusion itself.
    Files(Arc<FileSource>),
}

impl Source {
    /// The engine name Superset reports in errors (`extra.engine_name`).
    pub fn engine_name(&self) -> &str {
        match self {
            Source::Connector(c) => &c.connector.description().engine_name,
            Source::Files(_) => "DataFusion",
        }
    }
}

/// A connector and the database it is configured for.
pub struct ConnectorSource {
    pub connector: Arc<Connector>,
    pub target: ConnectTarget,
    pub dialect: Arc<SourceDialect>,
}

impl ConnectorSource {
    pub fn new(connector: Arc<Connector>, target: ConnectTarget) -> Self {
        let dialect = Arc::new(SourceDialect::new(connector.description().dialect));
        Self {
            connector,
            target,
            dialect,
        }
    }

    pub fn dialect_kind(&self) -> SqlDialect {
        self.connector.description().dialect
    }

    fn failed(&self, err: tessera_plugin_host::PluginError) -> EngineError {
        EngineError::database(err, &self.connector.description().engine_name)
    }

    /// Runs `sql` in the database and streams its batches; `cancel` interrupts the
    /// plugin wherever it is.
    pub async fn stream(
        self: &Arc<Self>,
        sql: &str,
        cancel: CancelHandle,
    ) -> Result<(
        SchemaRef,
        impl Stream<Item = Result<RecordBatch>> + Send + use<>,
    )> {
        let session = self
            .connector
            .connect(&self.target, cancel)
            .await
            .map_err(|e| self.failed(e))?;
        let batches = session.execute(sql).await.map_err(|e| self.failed(e))?;
        let schema = batches.schema();
        let source = Arc::clone(self);
        let rows = stream::try_unfold(batches, move |mut batches| {
            let source = Arc::clone(&source);
            async move {
                match batches.next().await {
                    Ok(Some(batch)) => Ok(Some((batch, batches))),
                    Ok(None) => Ok(None),
                    Err(e) => Err(source.failed(e)),
                }
            }
        });
        Ok((schema, rows))
    }

    /// The columns `sql` returns, without fetching its rows.
    pub async fn schema_of_query(self: &Arc<Self>, sql: &str) -> Result<SchemaRef> {
        let probe = format!("SELECT * FROM ({sql}) AS virtual_table WHERE 1 = 0");
        Ok(self.stream(&probe, CancelHandle::default()).await?.0)
    }

    /// The columns of a physical table.
    pub async fn schema_of_table(&self, schema: Option<&str>, table: &str) -> Result<SchemaRef> {
        let mut session = self
            .connector
            .connect(&self.target, CancelHandle::default())
            .await
            .map_err(|e| self.failed(e))?;
        let described = session
            .table_schema(schema, table)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(described.arrow)
    }
}

/// A directory of Parquet files.
pub struct FileSource {
    pub dir: PathBuf,
}

impl FileSource {
    /// `datafusion:///abs/dir` → the directory.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let path = uri.strip_prefix("datafusion://")?;
        let path = Path::new(path);
        path.is_absolute().then(|| Self {
            dir: path.to_path_buf(),
        })
    }

    pub fn table_names(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| EngineError::Execution(format!("{}: {e}", self.dir.display())))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "parquet")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))?
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// The columns of `<dir>/<table>.parquet`.
    pub async fn table_schema(&self, table: &str) -> Result<SchemaRef> {
        Ok(self.table(&SessionContext::new(), table).await?.schema())
    }

    /// DataFusion's own reader for `<dir>/<table>.parquet`. Table names are plain
    /// identifiers, so a name cannot point outside the directory.
    pub async fn table(&self, ctx: &SessionContext, table: &str) -> Result<Arc<dyn TableProvider>> {
        let valid = !table.is_empty()
            && table
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let path = self.dir.join(format!("{table}.parquet"));
        let meta = std::fs::metadata(&path)
            .ok()
            .filter(|m| valid && m.is_file());
        let Some(meta) = meta else {
            return Err(EngineError::InvalidRequest(format!(
                "Table {table} does not exist"
            )));
        };
        let version = (path, meta.modified().ok(), meta.len());
        if let Some(provider) = PARQUET_TABLES.get(&version).await {
            return Ok(provider);
        }
        let url = ListingTableUrl::parse(version.0.to_string_lossy())?;
        let config = ListingTableConfig::new(url).infer(&ctx.state()).await?;
        let provider: Arc<dyn TableProvider> = Arc::new(ListingTable::try_new(config)?);
        PARQUET_TABLES.insert(version, Arc::clone(&provider)).await;
        Ok(provider)
    }
}

/// Parquet tables already opened, by file version. Opening one reads its footer to infer
/// the schema, and the table keeps the statistics it gathers, so reusing it saves both on
/// every query. Files are replaced rather than edited, so path, modification time and
/// length tell a version apart; a replaced file's old entry ages out of the cache.
static PARQUET_TABLES: LazyLock<moka::future::Cache<FileVersion, Arc<dyn TableProvider>>> =
    LazyLock::new(|| moka::future::Cache::new(64));

type FileVersion = (PathBuf, Option<std::time::SystemTime>, u64);

/// What a dataset selects from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Relation {
    Table {
        schema: Option<String>,
        table: String,
    },
    /// A virtual dataset: SQL in the source's own dialect.
    Query(String),
}

impl Relation {
    /// The name the relation has inside plans.
    pub fn reference(&self) -> TableReference {
        match self {
            Relation::Table {
                schema: Some(schema),
                table,
            } => TableReference::partial(schema.as_str(), table.as_str()),
            Relation::Table {
                schema: None,
                table,
            } => TableReference::bare(table.as_str()),
            Relation::Query(_) => TableReference::bare(VIRTUAL_TABLE),
        }
    }
}

/// The alias a virtual dataset's SQL gets, as Superset names it.
pub const VIRTUAL_TABLE: &str = "virtual_table";

/// A connector table inside a DataFusion plan. When the whole plan cannot be sent to
/// the database, DataFusion scans it through here: projection and the filters the
/// dialect can express still run in the database.
pub struct ConnectorTable {
    pub source: Arc<ConnectorSource>,
    pub relation: Relation,
    pub schema: SchemaRef,
    pub cancel: CancelHandle,
    /// The SQL actually sent, for the response's `query`.
    pub sent: Arc<Mutex<Vec<String>>>,
}

impl fmt::Debug for ConnectorTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorTable")
            .field("relation", &self.relation)
            .finish()
    }
}

#[async_trait::async_trait]
impl TableProvider for ConnectorTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> datafusion::common::Result<Vec<TableProviderFilterPushDown>> {
        let unparser = Unparser::new(self.source.dialect.as_ref());
        Ok(filters
            .iter()
            .map(|f| match unparser.expr_to_sql(f) {
                Ok(_) => TableProviderFilterPushDown::Exact,
                Err(_) => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        let placeholder = Arc::new(PlaceholderTable(Arc::clone(&self.schema)));
        let mut scan = LogicalPlanBuilder::scan(
            self.relation.reference(),
            datafusion::datasource::provider_as_source(placeholder),
            projection.cloned(),
        )?;
        if let Some(predicate) = filters.iter().cloned().reduce(Expr::and) {
            scan = scan.filter(predicate)?;
        }
        if limit.is_some() {
            scan = scan.limit(0, limit)?;
        }
        let plan = scan.build()?;
        let sql = plan_to_source_sql(&plan, &self.source.dialect, &self.relation)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.sent.lock().expect("sent SQL").push(sql.clone());
        let projected = match projection {
            Some(columns) => Arc::new(self.schema.project(columns)?),
            None => Arc::clone(&self.schema),
        };
        let partition = Arc::new(RemoteQuery {
            source: Arc::clone(&self.source),
            sql,
            schema: Arc::clone(&projected),
            cancel: self.cancel.clone(),
        });
        Ok(Arc::new(StreamingTableExec::try_new(
            projected,
            vec![partition],
            None,
            [],
            false,
            None,
        )?))
    }
}

/// Stands for a table in a plan that is only turned back into SQL.
#[derive(Debug)]
pub struct PlaceholderTable(pub SchemaRef);

#[async_trait::async_trait]
impl TableProvider for PlaceholderTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.0)
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    async fn scan(
        &self,
        _state: &dyn Session,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        Err(DataFusionError::Internal(
            "a placeholder table is never scanned".into(),
        ))
    }
}

/// One SQL query run in the database as a DataFusion partition.
struct RemoteQuery {
    source: Arc<ConnectorSource>,
    sql: String,
    schema: SchemaRef,
    cancel: CancelHandle,
}

impl fmt::Debug for RemoteQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteQuery")
            .field("sql", &self.sql)
            .finish()
    }
}

impl PartitionStream for RemoteQuery {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let source = Arc::clone(&self.source);
        let sql = self.sql.clone();
        let cancel = self.cancel.clone();
        let schema = Arc::clone(&self.schema);
        let rows = stream::once(async move {
            let (_, rows) = source.stream(&sql, cancel).await?;
            Ok::<_, EngineError>(rows)
        })
        .try_flatten()
        .map(move |batch| {
            let batch = batch.map_err(|e| DataFusionError::External(Box::new(e)))?;
            // The database's types may differ from the declared ones (e.g. a
            // widened integer); DataFusion needs the declared schema.
            crate::records::conform(batch, &schema).map_err(DataFusionError::from)
        });
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            rows,
        ))
    }
}
