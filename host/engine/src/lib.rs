//! Tessera's query engine. Chart-data queries are planned in DataFusion from
//! Superset query objects and pushed down to the source as SQL in its own dialect
//! (what cannot be pushed runs in DataFusion); SQL Lab runs a user's SQL on the
//! source. Results are cached under a key of everything that changes the answer.

pub mod cache;
pub mod dialect;
pub mod error;
pub mod grain;
mod planner;
pub mod query_object;
pub mod records;
pub mod source;
mod sql;
pub mod sqllab;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::dataframe::DataFrame;
use datafusion::datasource::provider_as_source;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::LogicalPlanBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use tessera_model::Dataset;
use tessera_plugin_host::CancelHandle;
use tessera_post_processing::PostProcessingStep;

pub use cache::{QueryResult, ResultCache, ResultMeta};
/// The Arrow the engine speaks, for callers that handle its results.
pub use datafusion::arrow;
pub use error::{EngineError, Result};
pub use planner::{PlanKind, RowLimits};
pub use query_object::{QueryContext, QueryObject};
pub use source::{ConnectorSource, FileSource, Relation, Source};

use crate::planner::{Planned, Planner};
use crate::source::ConnectorTable;
use crate::sql::plan_to_source_sql;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub limits: RowLimits,
    /// Results are cached in this Redis when set, in process otherwise.
    pub redis_url: Option<String>,
    /// Size of the in-process result cache.
    pub memory_cache_bytes: u64,
    /// How long results live when neither chart, dataset nor database says
    /// (Superset's `CACHE_DEFAULT_TIMEOUT`).
    pub default_cache_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            limits: RowLimits::default(),
            redis_url: None,
            memory_cache_bytes: 256 << 20,
            default_cache_timeout: Duration::from_secs(86_400),
        }
    }
}

pub struct Engine {
    /// Plans are built without a catalog (each names its one table directly), so one
    /// context serves every query.
    ctx: SessionContext,
    cache: ResultCache,
    /// Table schemas, so a query does not ask the database for them every time.
    schemas: moka::future::Cache<String, SchemaRef>,
    pub limits: RowLimits,
    pub default_cache_timeout: Duration,
    pub running: sqllab::RunningQueries,
}

/// One chart-data query to answer.
pub struct ChartQuery<'a> {
    pub dataset: &'a Dataset,
    pub source: &'a Source,
    pub query: &'a QueryObject,
    pub kind: PlanKind,
    pub force: bool,
    pub cache_timeout: Duration,
    /// Row-level security: a predicate every row must pass (part of the cache key).
    pub row_filter: Option<&'a str>,
}

/// A chart-data answer and where it came from.
pub struct ChartAnswer {
    pub result: Arc<QueryResult>,
    pub cache_key: String,
    pub is_cached: bool,
}

impl Engine {
    pub async fn new(config: EngineConfig) -> Result<Self> {
        let cache = match &config.redis_url {
            Some(url) => ResultCache::redis(url).await?,
            None => ResultCache::memory(config.memory_cache_bytes),
        };
        Ok(Self {
            ctx: new_context(),
            cache,
            schemas: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            limits: config.limits,
            default_cache_timeout: config.default_cache_timeout,
            running: sqllab::RunningQueries::default(),
        })
    }

    /// Answers a chart query from the cache or the source.
    pub async fn chart_data(&self, q: ChartQuery<'_>) -> Result<ChartAnswer> {
        let cache_key = cache_key(&q)?;
        if !q.force
            && let Some(result) = self.cache.get(&cache_key).await?
        {
            return Ok(ChartAnswer {
                result,
                cache_key,
                is_cached: true,
            });
        }
        let (planned, base) = self.plan(&q).await?;
        let (schema, batches, sql) = self.execute(&planned.frame, &base).await?;
        let sql_rowcount = batches.iter().map(RecordBatch::num_rows).sum();
        let (schema, batches) = post_process(schema, batches, &q.query.post_processing)?;
        let result = Arc::new(QueryResult {
            schema,
            batches,
            meta: ResultMeta {
                sql,
                sql_rowcount,
                from_dttm: planned.from_dttm,
                to_dttm: planned.to_dttm,
                applied_filters: planned.applied_filters,
                label_map: planned.label_map,
                queried_at: Utc::now(),
            },
        });
        self.cache
            .put(&cache_key, Arc::clone(&result), q.cache_timeout)
            .await?;
        Ok(ChartAnswer {
            result,
            cache_key,
            is_cached: false,
        })
    }

    /// Keeps a SQL Lab result for `ttl` under `key` (Superset's results backend).
    pub async fn store_result(
        &self,
        key: &str,
        result: Arc<QueryResult>,
        ttl: Duration,
    ) -> Result<()> {
        self.cache.put(&format!("sqllab:{key}"), result, ttl).await
    }

    /// A SQL Lab result kept by [`Engine::store_result`], if it has not expired.
    pub async fn stored_result(&self, key: &str) -> Result<Option<Arc<QueryResult>>> {
        self.cache.get(&format!("sqllab:{key}")).await
    }

    /// The SQL a chart query would send, without running it (`result_type: query`).
    pub async fn chart_sql(&self, q: ChartQuery<'_>) -> Result<String> {
        let (planned, base) = self.plan(&q).await?;
        let plan = planned.frame.logical_plan();
        match &base {
            Base::Connector {
                source, relation, ..
            } => plan_to_source_sql(plan, &source.dialect, relation),
            Base::Files { relation } => {
                plan_to_source_sql(plan, &dialect::datafusion_dialect(), relation)
            }
        }
    }

    async fn plan(&self, q: &ChartQuery<'_>) -> Result<(Planned, Base)> {
        let relation = relation_of(q.dataset);
        let (provider, base): (Arc<dyn TableProvider>, Base) = match q.source {
            Source::Connector(source) => {
                let schema = self.schema_of(source, &relation, q.dataset).await?;
                let sent = Arc::new(Mutex::new(Vec::new()));
                let table = ConnectorTable {
                    source: Arc::clone(source),
                    relation: relation.clone(),
                    schema,
                    cancel: CancelHandle::default(),
                    sent: Arc::clone(&sent),
                };
                let base = Base::Connector {
                    source: Arc::clone(source),
                    relation: relation.clone(),
                    sent,
                };
                (Arc::new(table), base)
            }
            Source::Files(files) => {
                let provider = match &relation {
                    Relation::Table { table, .. } => files.table(&self.ctx, table).await?,
                    Relation::Query(sql) => sqllab::files_view(files, sql).await?,
                };
                (
                    provider,
                    Base::Files {
                        relation: relation.clone(),
                    },
                )
            }
        };
        let plan =
            LogicalPlanBuilder::scan(relation.reference(), provider_as_source(provider), None)?
                .build()?;
        let frame = DataFrame::new(self.ctx.state(), plan);
        let text_temporals = matches!(q.source, Source::Connector(c) if c.dialect_kind() == tessera_plugin_host::SqlDialect::Sqlite);
        let planner = Planner::new(
            frame,
            q.dataset,
            Utc::now().naive_utc(),
            self.limits,
            text_temporals,
        )
        .restrict_rows(q.row_filter)?;
        Ok((planner.plan(q.query, q.kind)?, base))
    }

    /// Runs a planned query: as one SQL statement in the database when the whole
    /// plan can be written in its dialect, otherwise in DataFusion over what the
    /// database can still filter and project.
    async fn execute(
        &self,
        frame: &DataFrame,
        base: &Base,
    ) -> Result<(SchemaRef, Vec<RecordBatch>, String)> {
        let plan = frame.logical_plan();
        let schema: SchemaRef = Arc::new(plan.schema().as_arrow().clone());
        if let Base::Connector {
            source, relation, ..
        } = base
        {
            // The plan as built reads back as the SQL one would write; the optimised
            // plan (used when the built one cannot be written in the dialect) may
            // nest subqueries the unparser does not alias.
            let sql = plan_to_source_sql(plan, &source.dialect, relation).or_else(|_| {
                let optimized = self.ctx.state().optimize(plan)?;
                plan_to_source_sql(&optimized, &source.dialect, relation)
            });
            if let Ok(sql) = sql {
                let (_, rows) = source.stream(&sql, CancelHandle::default()).await?;
                let batches: Vec<RecordBatch> = rows.try_collect().await?;
                let batches = batches
                    .into_iter()
                    .map(|b| records::conform(b, &schema))
                    .collect::<Result<_, _>>()
                    .map_err(|e| EngineError::Execution(e.to_string()))?;
                return Ok((schema, batches, sql));
            }
        }
        let batches = frame.clone().collect().await?;
        let sql = match base {
            Base::Connector { sent, .. } => sent.lock().expect("sent SQL").join(";\n"),
            Base::Files { relation } => {
                plan_to_source_sql(plan, &dialect::datafusion_dialect(), relation)
                    .unwrap_or_default()
            }
        };
        Ok((schema, batches, sql))
    }

    async fn schema_of(
        &self,
        source: &Arc<ConnectorSource>,
        relation: &Relation,
        dataset: &Dataset,
    ) -> Result<SchemaRef> {
        let key = format!(
            "{}\u{0}{relation:?}\u{0}{}",
            source.target.uri, dataset.audit.changed_on.0
        );
        if let Some(schema) = self.schemas.get(&key).await {
            return Ok(schema);
        }
        let schema = match relation {
            Relation::Table { schema, table } => {
                source.schema_of_table(schema.as_deref(), table).await?
            }
            Relation::Query(sql) => {
                sql::parse_select(sql, &source.dialect)?;
                source.schema_of_query(sql).await?
            }
        };
        self.schemas.insert(key, Arc::clone(&schema)).await;
        Ok(schema)
    }
}

/// What a plan's table is backed by, for running it.
enum Base {
    Connector {
        source: Arc<ConnectorSource>,
        relation: Relation,
        /// The SQL the table sent when DataFusion scanned it.
        sent: Arc<Mutex<Vec<String>>>,
    },
    Files {
        relation: Relation,
    },
}

fn new_context() -> SessionContext {
    let config = SessionConfig::new()
        .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()))
        .with_information_schema(false);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    SessionContext::new_with_state(state)
}

pub(crate) fn relation_of(dataset: &Dataset) -> Relation {
    match dataset.values.sql.as_deref().map(str::trim) {
        Some(sql) if !sql.is_empty() => Relation::Query(sql.trim_end_matches(';').to_owned()),
        _ => Relation::Table {
            schema: dataset.values.schema.clone().filter(|s| !s.is_empty()),
            table: dataset.values.table_name.clone(),
        },
    }
}

/// Everything that changes a chart query's answer: the dataset and its version, the
/// query, today's date (relative time ranges), and the caller's row-level security.
fn cache_key(q: &ChartQuery<'_>) -> Result<String> {
    let query = serde_json::to_string(q.query).map_err(|e| EngineError::Cache(e.to_string()))?;
    let mut hasher = Sha256::new();
    for part in [
        q.dataset.id.to_string(),
        q.dataset.audit.changed_on.0.to_string(),
        format!("{:?}", q.kind),
        query,
        Utc::now().date_naive().to_string(),
        q.row_filter.unwrap_or_default().to_owned(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

fn post_process(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    steps: &[serde_json::Value],
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    if steps.is_empty() {
        return Ok((schema, batches));
    }
    let steps: Vec<PostProcessingStep> = steps
        .iter()
        .map(|s| serde_json::from_value(s.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            EngineError::PostProcessing(format!("Invalid post processing operation: {e}"))
        })?;
    let batch =
        concat_batches(&schema, &batches).map_err(|e| EngineError::Execution(e.to_string()))?;
    let out = tessera_post_processing::apply(batch, &steps)
        .map_err(|e| EngineError::PostProcessing(e.to_string()))?;
    Ok((out.schema(), vec![out]))
}
