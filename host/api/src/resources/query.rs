//! `/api/v1/query`: SQL Lab's query history (list, get, distinct status, related
//! databases and users, `updated_since`), and [`query_to_dict`], the `query` object
//! SQL Lab's own responses carry. `POST /query/stop` lives with SQL Lab.

use super::user_brief;
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListArgs, ListSpec, Q, labels, project, related_args, schema_error};
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::Method;
use serde_json::{Map, Value, json};
use tessera_model::query::{sql_tables, user_label};
use tessera_model::{Query, Timestamp};
use tessera_store::list::Restriction;
use tessera_store::{DistinctColumn, FilterOp, QUERIES, QUERY_DISTINCT, Resource, Visibility};

const VIEW: &str = "Query";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/query",
        perm("can_read", VIEW),
        "List queries",
        list,
    )
    .guarded(
        Method::GET,
        "/api/v1/query/distinct/{column}",
        perm("can_read", VIEW),
        "Distinct values of a query column",
        distinct,
    )
    .guarded(
        Method::GET,
        "/api/v1/query/related/{column}",
        perm("can_read", VIEW),
        "Related databases and users of queries",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/query/updated_since",
        perm("can_read", VIEW),
        "The caller's queries changed since a time",
        updated_since,
    )
    .guarded(
        Method::GET,
        "/api/v1/query/{pk}",
        perm("can_read", VIEW),
        "Get a query",
        get,
    )
}

/// How [`query_to_dict`] renders epoch-millisecond times. SQL Lab's own responses carry
/// floats; through Flask's encoder Superset's `Numeric` columns become decimal strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dttm {
    Float,
    Text,
}

/// An epoch-millisecond time as `format` renders it.
fn millis(time: Option<Timestamp>, format: Dttm) -> Value {
    match (time, format) {
        (None, _) => Value::Null,
        (Some(t), Dttm::Float) => json!(t.epoch_millis()),
        // `Numeric(20, 6)`: six decimals of a millisecond.
        (Some(t), Dttm::Text) => json!(format!(
            "{}.{:06}",
            t.0.div_euclid(1000),
            t.0.rem_euclid(1000) * 1000
        )),
    }
}

/// Superset's `Query.to_dict()`: the `query` object of SQL Lab's responses and of
/// `GET /query/updated_since`.
pub fn query_to_dict(q: &Query, times: Dttm) -> Value {
    json!({
        "changed_on": q.changed_on.iso(),
        "dbId": q.database_id,
        "db": q.database_name,
        "endDttm": millis(q.end_time, times),
        "errorMessage": q.error_message,
        "executedSql": q.executed_sql,
        "id": q.client_id,
        "queryId": q.id,
        "limit": q.limit,
        "limitingFactor": q.limiting_factor.as_str(),
        "progress": q.progress,
        "rows": q.rows,
        "catalog": q.catalog,
        "schema": q.schema,
        "ctas": q.select_as_cta,
        "serverId": q.id,
        "sql": q.sql,
        "sqlEditorId": q.sql_editor_id,
        "startDttm": millis(q.start_time, times),
        "state": q.status.as_str(),
        "tab": q.tab_name,
        "tempSchema": q.tmp_schema_name,
        "tempTable": q.tmp_table_name,
        "userId": q.user_id,
        "user": q.user.as_ref().map(user_label),
        "resultsKey": q.results_key,
        "trackingUrl": q.tracking_url,
        "extra": q.extra(),
    })
}

/// Superset's `QueryFilter` and `SavedQueryFilter`: a caller with `all_query_access`
/// reads everyone's rows; otherwise (and for every write) only their own.
pub(super) fn own_rows_unless_all_queries(caller: &Principal, reading: bool) -> Visibility {
    if reading && caller.can("all_query_access", "all_query_access") {
        Visibility::All
    } else {
        Visibility::Restricted(Restriction {
            user_id: caller.id(),
            ..Default::default()
        })
    }
}

/// A FAB `<int:pk>`: anything else names no object.
pub(super) fn parse_pk(pk: &str) -> ApiResult<i64> {
    pk.parse().map_err(|_| ApiError::not_found())
}

static LIST: ListSpec = ListSpec {
    resource: &QUERIES,
    list_columns: &[
        "id",
        "changed_on",
        "client_id",
        "database.id",
        "database.database_name",
        "executed_sql",
        "error_message",
        "limit",
        "limiting_factor",
        "progress",
        "rows",
        "schema",
        "select_as_cta",
        "sql",
        "sql_editor_id",
        "sql_tables",
        "status",
        "tab_name",
        "user.first_name",
        "user.id",
        "user.last_name",
        "start_time",
        "start_running_time",
        "end_time",
        "tmp_table_name",
        "tracking_url",
        "results_key",
    ],
    title: "List Query",
    max_page_size: Some(100),
};

const SHOW_COLUMNS: &[&str] = &[
    "id",
    "changed_on",
    "client_id",
    "database.id",
    "end_result_backend_time",
    "end_time",
    "error_message",
    "executed_sql",
    "limit",
    "progress",
    "results_key",
    "rows",
    "schema",
    "select_as_cta",
    "select_as_cta_used",
    "select_sql",
    "sql",
    "sql_editor_id",
    "start_running_time",
    "start_time",
    "status",
    "tab_name",
    "tmp_schema_name",
    "tmp_table_name",
    "tracking_url",
];

pub(super) fn sql_tables_json(sql: Option<&str>) -> Value {
    sql_tables(sql.unwrap_or_default())
        .into_iter()
        .map(|t| json!({"catalog": t.catalog, "schema": t.schema, "table": t.table}))
        .collect()
}

/// A list row in Superset's fixed `QuerySchema` (times as float milliseconds), which
/// the list uses unless the client picks its columns.
fn schema_row(q: &Query) -> Value {
    json!({
        "changed_on": q.changed_on.iso(),
        "database": {"database_name": q.database_name},
        "end_time": millis(q.end_time, Dttm::Float),
        "executed_sql": q.executed_sql,
        "id": q.id,
        "rows": q.rows,
        "schema": q.schema,
        "sql": q.sql,
        "sql_tables": sql_tables_json(Some(&q.sql)),
        "start_running_time": millis(q.start_running_time, Dttm::Float),
        "start_time": millis(q.start_time, Dttm::Float),
        "status": q.status.as_str(),
        "tab_name": q.tab_name,
        "tmp_table_name": q.tmp_table_name,
        "tracking_url": q.tracking_url,
        "user": user_brief(&q.user),
    })
}

/// Every column FAB's generated schemas can show of a query (numeric times as
/// strings); list and show responses project it.
fn fab_row(q: &Query) -> Map<String, Value> {
    let mut row = json!({
        "changed_on": q.changed_on.iso(),
        "client_id": q.client_id,
        "database": {"database_name": q.database_name, "id": q.database_id},
        "end_result_backend_time": millis(q.end_result_backend_time, Dttm::Text),
        "end_time": millis(q.end_time, Dttm::Text),
        "error_message": q.error_message,
        "executed_sql": q.executed_sql,
        "id": q.id,
        "limit": q.limit,
        "limiting_factor": q.limiting_factor.as_str(),
        "progress": q.progress,
        "results_key": q.results_key,
        "rows": q.rows,
        "schema": q.schema,
        "select_as_cta": q.select_as_cta,
        "select_as_cta_used": q.select_as_cta_used,
        "select_sql": q.select_sql,
        "sql": q.sql,
        "sql_editor_id": q.sql_editor_id,
        "sql_tables": sql_tables_json(Some(&q.sql)),
        "start_running_time": millis(q.start_running_time, Dttm::Text),
        "start_time": millis(q.start_time, Dttm::Text),
        "status": q.status.as_str(),
        "tab_name": q.tab_name,
        "tmp_schema_name": q.tmp_schema_name,
        "tmp_table_name": q.tmp_table_name,
        "tracking_url": q.tracking_url,
        "user": user_brief(&q.user),
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let mut args = ListArgs::parse(&q, &LIST, &caller)?;
    args.query.visibility = own_rows_unless_all_queries(&caller, true);
    let (count, ids) = state.store.list_ids(&QUERIES, &args.query).await?;
    let queries = state.store.queries(&ids).await?;
    let chosen = q
        .object()?
        .keys()
        .any(|k| k == "columns" || k == "select_columns");
    if chosen {
        let rows = queries.iter().map(fab_row).collect();
        return ok(args.response(&LIST, count, &ids, rows));
    }
    let mut body = args.response(&LIST, count, &ids, vec![]);
    body["result"] = queries.iter().map(schema_row).collect();
    ok(body)
}

/// FAB's generic single-item envelope over `row`, narrowed by the `columns` and `keys`
/// of `q`.
pub(super) fn show_response(
    q: &Q,
    pk: i64,
    show_columns: &[&str],
    title: &str,
    row: Map<String, Value>,
) -> ApiResult<Json> {
    let args = q.object()?;
    let names = |key: &str| -> Vec<String> {
        args.get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let chosen: Vec<String> = names("columns")
        .into_iter()
        .filter(|c| show_columns.contains(&c.as_str()))
        .collect();
    let columns = if chosen.is_empty() {
        show_columns.iter().map(|c| c.to_string()).collect()
    } else {
        chosen
    };
    let keys = names("keys");
    let wants = |key: &str| {
        !keys.iter().any(|k| k == "none") && (keys.is_empty() || keys.iter().any(|k| k == key))
    };
    let mut body = Map::new();
    body.insert("id".into(), json!(pk));
    if wants("description_columns") {
        body.insert("description_columns".into(), json!({}));
    }
    if wants("label_columns") {
        body.insert("label_columns".into(), labels(&columns));
    }
    if wants("show_title") {
        body.insert("show_title".into(), json!(title));
    }
    body.insert("result".into(), project(row, &columns));
    if wants("show_columns") {
        body.insert("show_columns".into(), json!(columns));
    }
    ok(Value::Object(body))
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let visibility = own_rows_unless_all_queries(&caller, true);
    if !state
        .store
        .is_visible(&QUERIES, &visibility, caller.id(), id)
        .await?
    {
        return Err(ApiError::not_found());
    }
    let query = state.store.query(id).await?;
    show_response(&q, id, SHOW_COLUMNS, "Show Query", fab_row(&query))
}

/// FAB's `distinct/<column>` over the rows the caller may read: `{count, result:
/// [{text, value}]}`; a column not in `columns` is 404.
pub(super) async fn distinct_response(
    state: &AppState,
    caller: &Principal,
    q: &Q,
    resource: &Resource,
    columns: &[DistinctColumn],
    column: &str,
) -> ApiResult<Json> {
    let (prefix, page) = related_args(q)?;
    let visibility = own_rows_unless_all_queries(caller, true);
    let (count, values) = state
        .store
        .distinct_values(resource, columns, column, &visibility, &prefix, page)
        .await?;
    let result: Vec<Value> = values
        .iter()
        .map(|v| json!({"text": v, "value": v}))
        .collect();
    ok(json!({"count": count, "result": result}))
}

async fn distinct(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    distinct_response(&state, &caller, &q, &QUERIES, QUERY_DISTINCT, &column).await
}

async fn related(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    match column.as_str() {
        "database" => {
            super::dataset::related_databases(&state, &caller, &q, FilterOp::StartsWith).await
        }
        other => crate::listing::related_users(&state, &q, other, &["user"]).await,
    }
}

/// `GET /query/updated_since?q=(last_updated_ms:N)`: the caller's queries changed at
/// or after that epoch-millisecond time, as `to_dict` objects with string times.
async fn updated_since(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let args = q.object()?;
    let since_ms = match args.get("last_updated_ms") {
        None => return Err(schema_error("'last_updated_ms' is a required property")),
        Some(value) => value
            .as_f64()
            .ok_or_else(|| schema_error(&format!("{value} is not of type 'number'")))?,
    };
    // Float to integer casts saturate, so absurd values stay in range.
    let since = Timestamp((since_ms * 1000.0) as i64);
    let result: Vec<Value> = state
        .store
        .queries_updated_since(Some(caller.id()), since)
        .await?
        .iter()
        .map(|query| query_to_dict(query, Dttm::Text))
        .collect();
    ok(json!({ "result": result }))
}
