//! `POST /api/v1/chart/data` and `GET /api/v1/chart/{pk}/data`: chart queries answered
//! by the engine, as JSON or as a file rendered by an exporter plugin.

use std::collections::HashMap;
use std::io::Write;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};
use tessera_engine::query_object::MetricRef;
use tessera_engine::records::{GenericType, to_records};
use tessera_engine::{
    ChartAnswer, ChartQuery, PlanKind, QueryContext, QueryObject, QueryResult, grain,
};
use tessera_model::{Chart, Database, Dataset};
use tessera_store::DATASETS;

use super::guest_access::{check_guest_query, datasource_denied};
use crate::connections::source_of;
use crate::error::{ApiError, ApiResult};
use crate::principal::{Caller, Principal};
use crate::routes::{Perm, Routes, perm};
use crate::state::AppState;

/// `POST /chart/data` is CSRF-exempt in Superset, so HTML form posts can download CSV.
const DATA: Perm = Perm {
    permission: "can_read",
    view: "Chart",
    csrf_exempt: true,
};

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::POST,
        "/api/v1/chart/data",
        DATA,
        "Run chart queries",
        data,
    )
    .guarded(
        Method::GET,
        "/api/v1/chart/{pk}/data",
        perm("can_read", "Chart"),
        "Run a saved chart's queries",
        saved_data,
    )
}

async fn data(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let context = parse_context(&headers, &body)?;
    answer(&state, &caller, context, None).await
}

/// The body as JSON, or the `form_data` field of an HTML form post.
fn parse_context(headers: &HeaderMap, body: &[u8]) -> ApiResult<QueryContext> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let json: Value = if is_form {
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        let text = form
            .get("form_data")
            .ok_or_else(|| ApiError::bad_request("Request is not JSON"))?;
        serde_json::from_str(text).map_err(|_| ApiError::bad_request("Request is not JSON"))?
    } else {
        serde_json::from_slice(body).map_err(|_| ApiError::bad_request("Request is not JSON"))?
    };
    context_from(json)
}

fn context_from(json: Value) -> ApiResult<QueryContext> {
    let Value::Object(object) = &json else {
        return Err(ApiError::bad_request("Request is not JSON"));
    };
    for field in ["datasource", "queries"] {
        if !object.contains_key(field) {
            return Err(ApiError::bad_request(format!(
                "Request is incorrect: {{'{field}': ['Missing data for required field.']}}"
            )));
        }
    }
    serde_json::from_value(json)
        .map_err(|e| ApiError::bad_request(format!("Request is incorrect: {e}")))
}

async fn saved_data(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let chart = super::chart::visible_chart(&state, &caller, &pk).await?;
    let saved = chart
        .values
        .query_context
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .ok_or_else(|| {
            ApiError::bad_request("Chart has no query context saved. Please save the chart again.")
        })?;
    let mut context = context_from(saved)?;
    context.result_format = Some(
        params
            .get("format")
            .cloned()
            .unwrap_or_else(|| "json".into()),
    );
    context.result_type = Some(params.get("type").cloned().unwrap_or_else(|| "full".into()));
    context.force = params.get("force").is_some_and(|f| f == "true" || f == "1");
    answer(&state, &caller, context, Some(&chart)).await
}

/// The dataset of a query context, if it exists and the caller may query it: a guest
/// only through a chart of its dashboards, anyone else by their data access.
async fn queried_dataset(
    state: &AppState,
    caller: &Principal,
    context: &QueryContext,
) -> ApiResult<Dataset> {
    let id = context.datasource.id;
    let dataset = state.store.dataset(id).await?;
    match &caller.guest {
        Some(guest) => check_guest_query(state, guest, &dataset, context).await?,
        None if !crate::listing::is_visible(state, &DATASETS, caller, id).await? => {
            return Err(datasource_denied(&dataset));
        }
        None => {}
    }
    Ok(dataset)
}

/// Custom, then chart, dataset, database, then the default: Superset's order.
fn cache_timeout(
    state: &AppState,
    context: &QueryContext,
    chart: Option<&Chart>,
    dataset: &Dataset,
    database: &Database,
) -> u64 {
    let timeout = context
        .custom_cache_timeout
        .or(chart.and_then(|c| c.values.cache_timeout))
        .or(dataset.values.cache_timeout)
        .or(database.values.cache_timeout);
    match timeout {
        Some(t) if t >= 0 => t as u64,
        _ => state.engine.default_cache_timeout.as_secs(),
    }
}

async fn answer(
    state: &AppState,
    caller: &Principal,
    context: QueryContext,
    chart: Option<&Chart>,
) -> ApiResult<Response> {
    if context.queries.is_empty() {
        return Err(ApiError::bad_request("Empty query result"));
    }
    let result_format = context
        .result_format
        .as_deref()
        .unwrap_or("json")
        .to_lowercase();
    if !["json", "csv", "xlsx"].contains(&result_format.as_str()) {
        return Err(ApiError::bad_request(
            "Request is incorrect: {'result_format': ['Must be one of: csv, json, xlsx.']}",
        ));
    }
    if result_format != "json" && !caller.can("can_csv", "Superset") {
        return Err(ApiError::forbidden());
    }
    let dataset = queried_dataset(state, caller, &context).await?;
    let row_filter = super::row_level_security::row_filter(state, caller, dataset.id).await?;
    let database = state.store.database(dataset.values.database_id).await?;
    let source = source_of(state, &database)?;
    let timeout = cache_timeout(state, &context, chart, &dataset, &database);
    let mut entries = Vec::with_capacity(context.queries.len());
    for query in &context.queries {
        let query = query.clone().normalised();
        let result_type = query
            .result_type
            .clone()
            .or_else(|| context.result_type.clone())
            .unwrap_or_else(|| "full".into());
        let run = |kind| ChartQuery {
            dataset: &dataset,
            source: &source,
            query: &query,
            kind,
            force: context.force,
            cache_timeout: std::time::Duration::from_secs(timeout),
            row_filter: row_filter.as_deref(),
        };
        let entry = match result_type.as_str() {
            "columns" => Entry::Json(json!({"data": columns_entry(&dataset)})),
            "timegrains" => Entry::Json(json!({"data": grain::grains_json()})),
            "query" if caller.guest.is_some() => return Err(ApiError::forbidden()),
            "query" => {
                let sql = state.engine.chart_sql(run(PlanKind::Chart)).await?;
                Entry::Json(json!({"language": "sql", "query": sql}))
            }
            "samples" | "drill_detail" => Entry::Rows {
                answer: state.engine.chart_data(run(PlanKind::Samples)).await?,
                result_type,
            },
            "full" | "results" | "post_processed" => Entry::Rows {
                answer: state.engine.chart_data(run(PlanKind::Chart)).await?,
                result_type,
            },
            other => {
                return Err(ApiError::bad_request(format!(
                    "Request is incorrect: {{'result_type': ['Must be one of: columns, full, query, results, samples, timegrains, post_processed, drill_detail.']}} (got {other})"
                )));
            }
        };
        entries.push((query, entry));
    }
    if result_format == "json" {
        let result: Vec<Value> = entries
            .iter()
            .map(|(_, entry)| match entry {
                Entry::Json(value) => value.clone(),
                Entry::Rows {
                    answer,
                    result_type,
                } => {
                    let mut entry = rows_entry(answer, result_type, timeout, &result_format);
                    // A guest does not see the SQL behind its dashboard.
                    if caller.guest.is_some()
                        && let Some(fields) = entry.as_object_mut()
                    {
                        fields.remove("query");
                    }
                    entry
                }
            })
            .collect();
        return Ok(crate::response::json(&json!({ "result": result })).into_response());
    }
    export(state, &result_format, &dataset, entries).await
}

enum Entry {
    Json(Value),
    Rows {
        answer: ChartAnswer,
        result_type: String,
    },
}

/// One query's answer in the shape of golden 042 (`full`) or 047 (`results`).
fn rows_entry(
    answer: &ChartAnswer,
    result_type: &str,
    cache_timeout: u64,
    result_format: &str,
) -> Value {
    let result: &QueryResult = &answer.result;
    let colnames: Vec<&str> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let coltypes: Vec<u8> = result
        .schema
        .fields()
        .iter()
        .map(|f| GenericType::of(f.data_type()) as u8)
        .collect();
    let rowcount = result.row_count();
    let data = to_records(&result.batches);
    if result_type == "results" {
        return json!({
            "data": data, "colnames": colnames, "coltypes": coltypes, "detected_currency": null,
            "rowcount": rowcount, "sql_rowcount": result.meta.sql_rowcount,
        });
    }
    let meta = &result.meta;
    let mut label_map = meta.label_map.clone();
    for name in &colnames {
        label_map
            .entry(name.to_string())
            .or_insert_with(|| json!([name]));
    }
    json!({
        "cache_key": answer.cache_key,
        "cached_dttm": answer.is_cached.then(|| meta.queried_at.format("%Y-%m-%dT%H:%M:%S").to_string()),
        "queried_dttm": meta.queried_at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        "cache_timeout": cache_timeout,
        "applied_template_filters": [],
        "annotation_data": {},
        "error": null,
        "is_cached": answer.is_cached.then_some(true),
        "query": meta.sql,
        "status": "success",
        "stacktrace": null,
        "rowcount": rowcount,
        "sql_rowcount": meta.sql_rowcount,
        "from_dttm": meta.from_dttm,
        "to_dttm": meta.to_dttm,
        "label_map": label_map,
        "colnames": colnames,
        "indexnames": (0..rowcount).collect::<Vec<_>>(),
        "coltypes": coltypes,
        "data": data,
        "result_format": result_format,
        "detected_currency": null,
        "applied_filters": meta.applied_filters,
        "rejected_filters": [],
    })
}

/// `result_type: columns`.
fn columns_entry(dataset: &Dataset) -> Vec<Value> {
    dataset
        .columns
        .iter()
        .map(|c| json!({"column_name": c.column_name, "verbose_name": c.verbose_name, "dtype": c.type_generic()}))
        .collect()
}

/// Header labels for files: verbose names where the dataset has them, as Superset's
/// CSV shows `COUNT(*)` for the `count` metric.
fn verbose_labels(dataset: &Dataset, query: &QueryObject) -> Map<String, Value> {
    let mut labels = Map::new();
    for column in &dataset.columns {
        if let Some(verbose) = column.verbose_name.as_deref().filter(|v| !v.is_empty()) {
            labels.insert(column.column_name.clone(), json!(verbose));
        }
    }
    for metric in query.metrics.iter().flatten() {
        if let MetricRef::Name(name) = metric
            && let Some(verbose) = dataset
                .metrics
                .iter()
                .find(|m| &m.metric_name == name)
                .and_then(|m| m.verbose_name.as_deref())
                .filter(|v| !v.is_empty())
        {
            labels.insert(name.clone(), json!(verbose));
        }
    }
    labels
}

/// CSV or XLSX through the exporter plugin; several queries come as a ZIP.
async fn export(
    state: &AppState,
    format: &str,
    dataset: &Dataset,
    entries: Vec<(QueryObject, Entry)>,
) -> ApiResult<Response> {
    let exporter = state
        .plugins
        .exporter(format)
        .ok_or_else(|| ApiError::bad_request(format!("No exporter renders the format {format}")))?;
    // Superset sends one query's CSV without a BOM (golden 044) and the CSVs zipped
    // for several queries with one.
    let include_bom = entries.len() > 1;
    let mut files = Vec::new();
    for (query, entry) in &entries {
        let Entry::Rows { answer, .. } = entry else {
            return Err(ApiError::bad_request(format!(
                "This result type cannot be exported as {format}"
            )));
        };
        let stream =
            tessera_engine::records::to_ipc(&answer.result.schema, &answer.result.batches)?;
        let options = json!({"labels": verbose_labels(dataset, query), "include_bom": include_bom})
            .to_string();
        let output = exporter
            .render(&stream, &options)
            .await
            .map_err(|e| ApiError::from(crate::connections::DatabaseError::new(e)))?;
        files.push(output);
    }
    let stamp = Utc::now().format("%Y%m%d_%H%M%S");
    if files.len() == 1 {
        let file = files.pop().expect("one file");
        return Ok(attachment(
            file.bytes,
            &file.mime_type,
            &format!("{stamp}.{}", file.file_extension),
        ));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, file) in files.iter().enumerate() {
        let name = format!("query_{}.{}", i + 1, file.file_extension);
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .and_then(|()| zip.write_all(&file.bytes).map_err(Into::into))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .into_inner();
    Ok(attachment(
        bytes,
        "application/zip",
        &format!("{stamp}.zip"),
    ))
}

pub fn attachment(bytes: Vec<u8>, mime: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename={filename}"),
            ),
        ],
        bytes,
    )
        .into_response()
}
