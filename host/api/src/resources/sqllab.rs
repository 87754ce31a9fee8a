//! SQL Lab: `POST /sqllab/execute` (synchronous and `runAsync`), `GET /sqllab/results`,
//! `GET /sqllab/export/{client_id}` and `POST /query/stop`. Every query is recorded in
//! the query history; results are kept in the result cache under a `resultsKey`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};
use tessera_engine::arrow::datatypes::SchemaRef;
use tessera_engine::arrow::record_batch::RecordBatch;
use tessera_engine::records::{Datetimes, GenericType, to_records_with};
use tessera_engine::sqllab::SqlLabQuery;
use tessera_engine::{EngineError, QueryResult, ResultMeta};
use tessera_model::query::{LimitingFactor, NewQuery, Query, QueryStatus, QueryUpdate};
use tessera_model::{Database, Dataset, Timestamp};
use tessera_store::Visibility;

use crate::body::{Field, FieldType, JsonBody, validate};
use crate::connections::{DatabaseError, source_of};
use crate::error::{ApiError, ApiResult};
use crate::listing::Q;
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;

const VIEW: &str = "SQLLab";

/// Superset's `DISPLAY_MAX_ROW`: more rows are kept but not sent to the browser.
const DISPLAY_MAX_ROW: usize = 10_000;

/// How long a query's rows stay retrievable by `resultsKey`.
const RESULTS_TTL: Duration = Duration::from_secs(24 * 3600);

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::POST,
        "/api/v1/sqllab/execute",
        perm("can_execute_sql_query", VIEW),
        "Run SQL in a database",
        execute,
    )
    .guarded(
        Method::GET,
        "/api/v1/sqllab/results",
        perm("can_get_results", VIEW),
        "Rows of a finished query",
        results,
    )
    .guarded(
        Method::GET,
        "/api/v1/sqllab/export/{client_id}",
        perm("can_export_csv", VIEW),
        "A query's rows as CSV",
        export_csv,
    )
    .guarded(
        Method::POST,
        "/api/v1/query/stop",
        perm("can_read", "Query"),
        "Stop a running query",
        stop,
    )
}

const EXECUTE_FIELDS: &[Field] = &[
    Field::new("database_id", FieldType::Int).required(),
    Field::new(
        "sql",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    )
    .required(),
    Field::new("client_id", FieldType::Str { min: 0, max: 11 }),
    Field::new(
        "catalog",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "schema",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("runAsync", FieldType::Bool),
    Field::new("queryLimit", FieldType::Int),
    Field::new("select_as_cta", FieldType::Bool),
    Field::new("ctas_method", FieldType::OneOf(&["TABLE", "VIEW"])),
    Field::new(
        "tmp_table_name",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "tab",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "sql_editor_id",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "templateParams",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("json", FieldType::Bool),
    Field::new("expand_data", FieldType::Bool),
];

fn text(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

async fn execute(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    validate(&body, EXECUTE_FIELDS, StatusCode::BAD_REQUEST)?;
    let database_id = body["database_id"].as_i64().unwrap_or_default();
    let database = super::database::visible_database(&state, &caller, database_id)
        .await
        .map_err(|_| database_not_found())?;
    check_table_access(
        &state,
        &caller,
        &database,
        body.get("sql").and_then(Value::as_str).unwrap_or_default(),
        body.get("schema").and_then(Value::as_str),
    )
    .await?;
    let max = state.engine.limits.max;
    let (limit, limiting_factor) = match body.get("queryLimit").and_then(Value::as_i64) {
        Some(n) if n > 0 => ((n as u64).min(max), LimitingFactor::Dropdown),
        _ => (max, LimitingFactor::Dropdown),
    };
    let client_id = text(&body, "client_id").unwrap_or_else(new_client_id);
    let sql = text(&body, "sql").unwrap_or_default();
    let mut new = NewQuery::new(&client_id, database.id, Some(caller.id()), &sql);
    new.schema = text(&body, "schema");
    new.catalog = text(&body, "catalog");
    new.tab_name = text(&body, "tab");
    new.sql_editor_id = text(&body, "sql_editor_id");
    new.limit = Some(limit as i64);
    new.limiting_factor = limiting_factor;
    let run_async = body
        .get("runAsync")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    new.status = if run_async {
        QueryStatus::Pending
    } else {
        QueryStatus::Running
    };
    let query = match state.store.insert_query(&new).await {
        Ok(query) => query,
        // Superset returns the existing query for a client id it has already seen.
        Err(tessera_store::StoreError::Conflict(_)) => {
            let existing = state
                .store
                .query_by_client_id(&client_id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            if existing.user_id != Some(caller.id()) {
                return Err(ApiError::bad_request(format!(
                    "A query with client_id {client_id} already exists"
                )));
            }
            return Ok(
                crate::response::json(&json!({"query": query_dict(&existing)})).into_response(),
            );
        }
        Err(e) => return Err(e.into()),
    };
    let job = Job {
        state: state.clone(),
        database,
        query,
        limit,
    };
    if run_async {
        let accepted = query_dict(&job.query);
        tokio::spawn(async move {
            let _ = job.run().await;
        });
        return Ok((
            StatusCode::ACCEPTED,
            crate::response::json(&json!({"query": accepted})),
        )
            .into_response());
    }
    job.run().await.map(IntoResponse::into_response)
}

/// Ten characters, as the SQL Lab UI makes them.
fn new_client_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

fn database_not_found() -> ApiError {
    let error = ApiError::superset_error(
        "The database referenced in this query was not found. Please contact an administrator for further assistance or try again.",
        "DATABASE_NOT_FOUND_ERROR",
        "error",
    );
    ApiError::Errors(StatusCode::NOT_FOUND, vec![error])
}

/// One accepted query, run to its end and recorded.
struct Job {
    state: AppState,
    database: Database,
    query: Query,
    limit: u64,
}

impl Job {
    async fn run(self) -> ApiResult<Json> {
        let Job {
            state,
            database,
            query,
            limit,
            ..
        } = self;
        let cancel = state.engine.running.start(&query.client_id);
        let started = Timestamp::now();
        let _ = state
            .store
            .update_query(
                query.id,
                &QueryUpdate {
                    status: Some(QueryStatus::Running),
                    start_running_time: Some(started),
                    ..Default::default()
                },
            )
            .await;
        let outcome = match source_of(&state, &database) {
            Ok(source) => {
                tessera_engine::sqllab::run(SqlLabQuery {
                    source: &source,
                    sql: &query.sql,
                    limit,
                    allow_dml: database.values.allow_dml,
                    cancel,
                })
                .await
            }
            Err(DatabaseError { err, engine_name }) => {
                Err(EngineError::Database { err, engine_name })
            }
        };
        state.engine.running.finish(&query.client_id);
        match outcome {
            Ok(result) => {
                let key = uuid::Uuid::new_v4().to_string();
                let rows = result.row_count();
                let kept = Arc::new(QueryResult {
                    schema: Arc::clone(&result.schema),
                    batches: result.batches.clone(),
                    meta: ResultMeta {
                        sql: result.executed_sql.clone(),
                        sql_rowcount: rows,
                        from_dttm: None,
                        to_dttm: None,
                        applied_filters: vec![],
                        label_map: Map::new(),
                        queried_at: Utc::now(),
                    },
                });
                let stored = state
                    .engine
                    .store_result(&key, kept, RESULTS_TTL)
                    .await
                    .is_ok();
                let update = QueryUpdate {
                    status: Some(QueryStatus::Success),
                    end_time: Some(Timestamp::now()),
                    executed_sql: Some(result.executed_sql.clone()),
                    rows: Some(rows as i64),
                    progress: Some(100),
                    limiting_factor: Some(result.limiting_factor),
                    results_key: stored.then(|| key.clone()),
                    ..Default::default()
                };
                let query = state.store.update_query(query.id, &update).await?;
                Ok(crate::response::json(&payload(
                    &query,
                    &result.schema,
                    &result.batches,
                )))
            }
            Err(err) => {
                let stopped = matches!(err, EngineError::Stopped);
                let error = sqllab_error(err);
                let (message, errors) = match &error {
                    ApiError::Errors(_, errors) => (
                        errors
                            .first()
                            .and_then(|e| e["message"].as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        errors.clone(),
                    ),
                    _ => (String::new(), vec![]),
                };
                let update = QueryUpdate {
                    status: Some(if stopped {
                        QueryStatus::Stopped
                    } else {
                        QueryStatus::Failed
                    }),
                    end_time: Some(Timestamp::now()),
                    error_message: Some(message),
                    extra_json: Some(json!({"errors": errors}).to_string()),
                    ..Default::default()
                };
                state.store.update_query(query.id, &update).await?;
                Err(error)
            }
        }
    }
}

/// Superset's `raise_for_access` for SQL Lab: without access to the whole database,
/// every table the SQL names must be in a schema of it granted to the caller, or be a
/// dataset granted to them. SQL the parser cannot read is refused then, since what it
/// reads cannot be checked.
async fn check_table_access(
    state: &AppState,
    caller: &Principal,
    database: &Database,
    sql: &str,
    schema: Option<&str>,
) -> ApiResult<()> {
    if caller.can("all_database_access", "all_database_access") {
        return Ok(());
    }
    let granted = match caller.visibility() {
        Visibility::All => return Ok(()),
        Visibility::Restricted(r) if r.database_ids.contains(&database.id) => return Ok(()),
        Visibility::Restricted(r) => state.store.datasets(&r.dataset_ids).await?,
        Visibility::Nothing => vec![],
    };
    let granted: Vec<&Dataset> = granted
        .iter()
        .filter(|d| d.values.database_id == database.id)
        .collect();
    let schemas: Vec<String> = caller
        .granted_schemas()
        .into_iter()
        .filter(|(db, _)| *db == database.values.database_name)
        .map(|(_, schema)| schema)
        .collect();
    // A table's schema is the one the SQL names, else the query's.
    let in_granted_schema = |parts: &[String]| {
        let schema = match parts {
            [.., schema, _] => Some(schema.as_str()),
            _ => schema,
        };
        schema.is_some_and(|s| schemas.iter().any(|g| g.eq_ignore_ascii_case(s)))
    };
    let named = source_of(state, database)
        .ok()
        .and_then(|source| tessera_engine::sqllab::tables_of(&source, sql).ok());
    let missing: Vec<String> = match named {
        Some(tables) => tables
            .iter()
            .filter(|parts| !in_granted_schema(parts))
            .filter(|parts| !granted.iter().any(|d| names_dataset(parts, d, schema)))
            .map(|parts| parts.join("."))
            .collect(),
        None => vec![sql.trim().chars().take(80).collect()],
    };
    if missing.is_empty() {
        return Ok(());
    }
    let message = format!(
        "You need access to the following tables: {}, `all_database_access` or `all_datasource_access` permission",
        missing.join(", ")
    );
    let error = ApiError::superset_error(&message, "TABLE_SECURITY_ACCESS_ERROR", "error");
    Err(ApiError::Errors(StatusCode::FORBIDDEN, vec![error]))
}

/// Whether a table name from SQL is dataset `d`: the same table, and the same schema
/// when the SQL names one; an unqualified name is in the query's schema (or the
/// database's default, which datasets in `main` or `public` are).
fn names_dataset(parts: &[String], d: &Dataset, query_schema: Option<&str>) -> bool {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let Some((table, qualifiers)) = parts.split_last() else {
        return false;
    };
    let dataset_schema = d.values.schema.as_deref().filter(|s| !s.is_empty());
    let schema_matches = match (qualifiers.last(), dataset_schema) {
        (_, None) => true,
        (Some(named), Some(schema)) => same(named, schema),
        (None, Some(schema)) => match query_schema.filter(|s| !s.is_empty()) {
            Some(current) => same(current, schema),
            None => ["main", "public"].iter().any(|d| same(d, schema)),
        },
    };
    d.values.sql.is_none() && same(table, &d.values.table_name) && schema_matches
}

fn sqllab_error(err: EngineError) -> ApiError {
    let message = err.to_string();
    let (status, error_type) = match err {
        EngineError::Database { err, engine_name } => {
            return DatabaseError { err, engine_name }.into();
        }
        EngineError::DmlNotAllowed => (StatusCode::BAD_REQUEST, "DML_NOT_ALLOWED_ERROR"),
        EngineError::InvalidSql(_) => (StatusCode::BAD_REQUEST, "SYNTAX_ERROR"),
        EngineError::Cache(_) => (StatusCode::UNPROCESSABLE_ENTITY, "RESULTS_BACKEND_ERROR"),
        _ => (StatusCode::BAD_REQUEST, "GENERIC_DB_ENGINE_ERROR"),
    };
    ApiError::Errors(
        status,
        vec![ApiError::superset_error(&message, error_type, "error")],
    )
}

/// The body of a finished query: rows, columns and the query record (golden 070).
fn payload(query: &Query, schema: &SchemaRef, batches: &[RecordBatch]) -> Value {
    let columns: Vec<Value> = schema
        .fields()
        .iter()
        .map(|f| {
            let generic = GenericType::of(f.data_type());
            json!({"column_name": f.name(), "name": f.name(), "type": GenericType::sql_type_name(f.data_type()),
                   "type_generic": generic as u8, "is_dttm": generic == GenericType::Temporal})
        })
        .collect();
    let mut data = to_records_with(batches, Datetimes::Iso);
    let mut body = json!({
        "query_id": query.id,
        "status": query.status.as_str(),
        "columns": columns,
        "selected_columns": columns,
        "expanded_columns": [],
        "query": query_dict(query),
    });
    if data.len() > DISPLAY_MAX_ROW {
        data.truncate(DISPLAY_MAX_ROW);
        body["displayLimitReached"] = json!(true);
    }
    body["data"] = Value::Array(data);
    body["query"]["extra"]["columns"] = body["columns"].clone();
    body["query"]["extra"]["progress"] = Value::Null;
    body
}

fn query_dict(query: &Query) -> Value {
    super::query::query_to_dict(query, super::query::Dttm::Float)
}

/// `GET /sqllab/results/?q=(key:'...',rows:N)`.
async fn results(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let args = q.object()?;
    let key = args.get("key").and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request(json!({"key": ["Missing data for required field."]}))
    })?;
    let query = state
        .store
        .query_by_results_key(key)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if query.user_id != Some(caller.id()) && !caller.can("all_query_access", "all_query_access") {
        return Err(ApiError::not_found());
    }
    let Some(result) = state
        .engine
        .stored_result(key)
        .await
        .map_err(sqllab_error)?
    else {
        let error = ApiError::superset_error(
            "Data could not be retrieved from the results backend. You need to re-run the original query.",
            "RESULTS_BACKEND_ERROR",
            "error",
        );
        return Err(ApiError::Errors(StatusCode::GONE, vec![error]));
    };
    let mut batches = result.batches.clone();
    if let Some(rows) = args.get("rows").and_then(Value::as_u64) {
        tessera_engine::sqllab::truncate(&mut batches, rows as usize);
    }
    ok(payload(&query, &result.schema, &batches))
}

/// `GET /sqllab/export/{client_id}/`: the kept rows, or the query run again.
async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(client_id): Path<String>,
) -> ApiResult<Response> {
    let query = state
        .store
        .query_by_client_id(&client_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if query.user_id != Some(caller.id()) && !caller.can("all_query_access", "all_query_access") {
        return Err(ApiError::not_found());
    }
    let kept = match query.results_key.as_deref() {
        Some(key) => state
            .engine
            .stored_result(key)
            .await
            .map_err(sqllab_error)?,
        None => None,
    };
    let (schema, batches) = match kept {
        Some(result) => (Arc::clone(&result.schema), result.batches.clone()),
        None => {
            let database = state.store.database(query.database_id).await?;
            let source = source_of(&state, &database)?;
            let result = tessera_engine::sqllab::run(SqlLabQuery {
                source: &source,
                sql: &query.sql,
                limit: query.limit.map_or(state.engine.limits.max, |l| l as u64),
                allow_dml: false,
                cancel: Default::default(),
            })
            .await
            .map_err(sqllab_error)?;
            (result.schema, result.batches)
        }
    };
    let exporter = state
        .plugins
        .exporter("csv")
        .ok_or_else(|| ApiError::bad_request("No exporter renders the format csv"))?;
    let stream = tessera_engine::records::to_ipc(&schema, &batches)?;
    let file = exporter
        .render(&stream, "{}")
        .await
        .map_err(|e| ApiError::from(DatabaseError::new(e)))?;
    let tab = query
        .tab_name
        .as_deref()
        .unwrap_or("Untitled Query")
        .replace(' ', "_");
    let name = format!("sqllab_{tab}_{}.csv", Utc::now().format("%Y%m%dT%H%M%S"));
    Ok(super::chart_data::attachment(
        file.bytes,
        &file.mime_type,
        &name,
    ))
}

/// `POST /query/stop {"client_id"}`: interrupts the query's plugin call and records it
/// as stopped.
async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let client_id = text(&body, "client_id").ok_or_else(|| {
        ApiError::bad_request(json!({"client_id": ["Missing data for required field."]}))
    })?;
    let not_found = || {
        ApiError::Message(
            StatusCode::NOT_FOUND,
            json!(format!("Query with client_id {client_id} not found")),
        )
    };
    let query = state
        .store
        .query_by_client_id(&client_id)
        .await?
        .ok_or_else(not_found)?;
    if query.user_id != Some(caller.id()) && !caller.can("all_query_access", "all_query_access") {
        return Err(not_found());
    }
    state.engine.running.stop(&client_id);
    if !query.status.is_finished() {
        let update = QueryUpdate {
            status: Some(QueryStatus::Stopped),
            end_time: Some(Timestamp::now()),
            ..Default::default()
        };
        state.store.update_query(query.id, &update).await?;
    }
    ok(json!({"result": "OK"}))
}
