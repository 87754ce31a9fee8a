//! SQL Lab: a user's own SQL, run on the source in its dialect, with the database's
//! DML rule and a row limit applied by the engine.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::TryStreamExt;
use tessera_model::query::LimitingFactor;
use tessera_plugin_host::{CancelHandle, SqlDialect};

use crate::dialect::SourceDialect;
use crate::error::{EngineError, Result};
use crate::source::{FileSource, Source};
use crate::sql::{apply_limit, is_read_only, parse_statements, referenced_tables};

/// What to run.
pub struct SqlLabQuery<'a> {
    pub source: &'a Source,
    pub sql: &'a str,
    /// Rows to return at most; one more is fetched to tell whether there were more.
    pub limit: u64,
    pub allow_dml: bool,
    pub cancel: CancelHandle,
}

pub struct SqlLabResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// The statements as sent, `;`-separated.
    pub executed_sql: String,
    pub limiting_factor: LimitingFactor,
}

impl SqlLabResult {
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Runs every statement in order and returns the last one's rows. Stopping `cancel`
/// interrupts whatever is running, in the plugin or in DataFusion.
pub async fn run(q: SqlLabQuery<'_>) -> Result<SqlLabResult> {
    let cancel = q.cancel.clone();
    tokio::select! {
        result = run_statements(q) => result,
        () = cancel.cancelled() => Err(EngineError::Stopped),
    }
}

/// The tables SQL Lab's `sql` names, each as its name parts (outermost first). SQL
/// the parser cannot read is an error here: what it reads cannot be known.
pub fn tables_of(source: &Source, sql: &str) -> Result<Vec<Vec<String>>> {
    Ok(referenced_tables(&parse_statements(
        sql,
        &dialect_of(source),
    )?))
}

fn dialect_of(source: &Source) -> SourceDialect {
    match source {
        Source::Connector(c) => SourceDialect::new(c.dialect_kind()),
        Source::Files(_) => SourceDialect::new(SqlDialect::Generic),
    }
}

async fn run_statements(q: SqlLabQuery<'_>) -> Result<SqlLabResult> {
    let dialect = dialect_of(q.source);
    // SQL the parser cannot read may still be valid for the database (vendor syntax):
    // it runs as written, the connector's read-only session still refuses writes,
    // and the rows are cut at the limit as they stream.
    let (texts, capped) = match (parse_statements(q.sql, &dialect), q.source) {
        (Ok(mut statements), _) => {
            if !q.allow_dml && !statements.iter().all(is_read_only) {
                return Err(EngineError::DmlNotAllowed);
            }
            let last = statements.last_mut().expect("at least one statement");
            let capped = apply_limit(last, q.limit + 1);
            (
                statements
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                capped,
            )
        }
        (Err(EngineError::InvalidSql(_)), Source::Connector(_)) => (vec![q.sql.to_owned()], false),
        (Err(e), _) => return Err(e),
    };
    let keep = q.limit as usize + 1;
    let (schema, mut batches) = match q.source {
        Source::Connector(source) => {
            let mut outcome = None;
            for text in &texts {
                let (schema, rows) = source.stream(text, q.cancel.clone()).await?;
                outcome = Some((schema, take_rows(rows, keep).await?));
            }
            outcome.expect("at least one statement")
        }
        Source::Files(files) => {
            let ctx = files_context(files).await?;
            let mut outcome = None;
            for text in &texts {
                let frame = ctx.sql_with_options(text, read_only()).await?;
                let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
                let rows = frame.execute_stream().await?.map_err(EngineError::from);
                outcome = Some((schema, take_rows(rows, keep).await?));
            }
            outcome.expect("at least one statement")
        }
    };
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let limiting_factor = if rows as u64 > q.limit {
        truncate(&mut batches, q.limit as usize);
        LimitingFactor::Dropdown
    } else if !capped && rows as u64 == q.limit {
        LimitingFactor::Query
    } else {
        LimitingFactor::NotLimited
    };
    Ok(SqlLabResult {
        schema,
        batches,
        executed_sql: texts.join(";\n"),
        limiting_factor,
    })
}

/// Reads batches until `keep` rows have arrived, then drops the rest of the stream.
async fn take_rows(
    rows: impl futures::Stream<Item = Result<RecordBatch>>,
    keep: usize,
) -> Result<Vec<RecordBatch>> {
    let mut rows = std::pin::pin!(rows);
    let mut batches = Vec::new();
    let mut count = 0;
    while count < keep {
        let Some(batch) = rows.try_next().await? else {
            break;
        };
        count += batch.num_rows();
        batches.push(batch);
    }
    Ok(batches)
}

/// Keeps the first `limit` rows.
pub fn truncate(batches: &mut Vec<RecordBatch>, limit: usize) {
    let mut kept = 0;
    batches.retain_mut(|batch| {
        if kept >= limit {
            return false;
        }
        if kept + batch.num_rows() > limit {
            *batch = batch.slice(0, limit - kept);
        }
        kept += batch.num_rows();
        true
    });
}

fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// A context whose schema `main` holds every Parquet table of the directory.
async fn files_context(files: &FileSource) -> Result<SessionContext> {
    let config = SessionConfig::new().with_default_catalog_and_schema("datafusion", "main");
    let ctx = SessionContext::new_with_state(
        SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .build(),
    );
    for table in files.table_names()? {
        let provider = files.table(&ctx, &table).await?;
        ctx.register_table(table.as_str(), provider)?;
    }
    Ok(ctx)
}

/// A virtual dataset over Parquet tables: its SQL, planned by DataFusion, as a view.
pub async fn files_view(files: &FileSource, sql: &str) -> Result<Arc<dyn TableProvider>> {
    let ctx = files_context(files).await?;
    let frame = ctx.sql_with_options(sql, read_only()).await?;
    Ok(frame.into_view())
}

/// SQL Lab queries running in this process, by client id, so `POST /query/stop` can
/// interrupt them.
#[derive(Default)]
pub struct RunningQueries(std::sync::Mutex<std::collections::HashMap<String, CancelHandle>>);

impl RunningQueries {
    /// Registers a query and returns the switch that stops it.
    pub fn start(&self, client_id: &str) -> CancelHandle {
        let cancel = CancelHandle::default();
        self.lock().insert(client_id.to_owned(), cancel.clone());
        cancel
    }

    pub fn finish(&self, client_id: &str) {
        self.lock().remove(client_id);
    }

    /// Stops the query if it runs here; whether it did.
    pub fn stop(&self, client_id: &str) -> bool {
        match self.lock().remove(client_id) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, CancelHandle>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
