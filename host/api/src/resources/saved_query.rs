//! `/api/v1/saved_query`: list, get, create, update, delete (one or in bulk), `_info`,
//! related, distinct. Superset serves these through FAB's generic `ModelRestApi`, so
//! schema errors are 422 and a write echoes every editable column.

use super::query::{
    distinct_response, own_rows_unless_all_queries, parse_pk, show_response, sql_tables_json,
};
use super::{dedup, user_brief};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListArgs, ListSpec, Q, info_filters};
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use tessera_model::query::json_object;
use tessera_model::{SavedQuery, SavedQueryValues, Timestamp};
use tessera_store::{DATABASES, FilterOp, SAVED_QUERIES, SAVED_QUERY_DISTINCT};
use uuid::Uuid;

const VIEW: &str = "SavedQuery";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/saved_query",
        perm("can_read", VIEW),
        "List saved queries",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/saved_query",
        perm("can_write", VIEW),
        "Save a query",
        create,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/saved_query",
        perm("can_write", VIEW),
        "Delete saved queries in bulk",
        bulk_delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/saved_query/_info",
        perm("can_read", VIEW),
        "Saved query metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/saved_query/distinct/{column}",
        perm("can_read", VIEW),
        "Distinct values of a saved query column",
        distinct,
    )
    .guarded(
        Method::GET,
        "/api/v1/saved_query/related/{column}",
        perm("can_read", VIEW),
        "Related databases and users of saved queries",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/saved_query/{pk}",
        perm("can_read", VIEW),
        "Get a saved query",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/saved_query/{pk}",
        perm("can_write", VIEW),
        "Update a saved query",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/saved_query/{pk}",
        perm("can_write", VIEW),
        "Delete a saved query",
        delete,
    )
}

const ANY_TEXT: FieldType = FieldType::Str {
    min: 0,
    max: usize::MAX,
};

/// The add and edit columns, with the limits of their database columns.
const FIELDS: &[Field] = &[
    Field::new("catalog", FieldType::Str { min: 0, max: 256 }),
    Field::new("db_id", FieldType::Int),
    Field::new("description", ANY_TEXT),
    Field::new("extra_json", ANY_TEXT),
    Field::new("label", FieldType::Str { min: 0, max: 256 }),
    Field::new("schema", FieldType::Str { min: 0, max: 128 }),
    Field::new("sql", ANY_TEXT),
    Field::new("template_parameters", ANY_TEXT),
];

static LIST: ListSpec = ListSpec {
    resource: &SAVED_QUERIES,
    list_columns: &[
        "changed_on",
        "changed_on_delta_humanized",
        "changed_by.first_name",
        "changed_by.id",
        "changed_by.last_name",
        "created_on",
        "created_by.first_name",
        "created_by.id",
        "created_by.last_name",
        "database.database_name",
        "database.id",
        "db_id",
        "description",
        "extra",
        "id",
        "label",
        "last_run_delta_humanized",
        "rows",
        "catalog",
        "schema",
        "sql",
        "sql_tables",
        "tags.id",
        "tags.name",
        "tags.type",
    ],
    title: "List Saved Query",
    max_page_size: Some(100),
};

const SHOW_COLUMNS: &[&str] = &[
    "changed_on",
    "changed_on_delta_humanized",
    "changed_by.first_name",
    "changed_by.id",
    "changed_by.last_name",
    "created_by.first_name",
    "created_by.id",
    "created_by.last_name",
    "database.database_name",
    "database.id",
    "description",
    "id",
    "label",
    "catalog",
    "schema",
    "sql",
    "sql_tables",
    "template_parameters",
];

/// Every column a list or show response can pick of one saved query.
fn full_row(s: &SavedQuery, now: Timestamp) -> Map<String, Value> {
    let v = &s.values;
    let a = &s.audit;
    let database = v
        .db_id
        .map(|id| json!({"database_name": s.database_name, "id": id}));
    let mut row = json!({
        "catalog": v.catalog,
        "changed_by": user_brief(&a.changed_by),
        "changed_on": a.changed_on.iso(),
        "changed_on_delta_humanized": a.changed_on.humanize(now),
        "created_by": user_brief(&a.created_by),
        "created_on": a.created_on.iso(),
        "database": database,
        "db_id": v.db_id,
        "description": v.description,
        "extra": json_object(v.extra_json.as_deref()),
        "id": s.id,
        "label": v.label,
        // Superset renders it from `changed_on`, not `last_run`.
        "last_run_delta_humanized": a.changed_on.humanize(now),
        "rows": s.rows,
        "schema": v.schema,
        "sql": v.sql,
        "sql_tables": sql_tables_json(v.sql.as_deref()),
        "tags": [],
        "template_parameters": v.template_parameters,
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

/// The editable columns, as FAB echoes them after a write.
fn values_json(v: &SavedQueryValues) -> Value {
    json!({
        "catalog": v.catalog,
        "db_id": v.db_id,
        "description": v.description,
        "extra_json": v.extra_json,
        "label": v.label,
        "schema": v.schema,
        "sql": v.sql,
        "template_parameters": v.template_parameters,
    })
}

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let mut args = ListArgs::parse(&q, &LIST, &caller)?;
    args.query.visibility = own_rows_unless_all_queries(&caller, true);
    let filters = std::mem::take(&mut args.query.filters);
    args.query.filters = state
        .store
        .resolve_saved_query_filters(filters, caller.id())
        .await?;
    let (count, ids) = state.store.list_ids(&SAVED_QUERIES, &args.query).await?;
    let now = Timestamp::now();
    let rows = state
        .store
        .saved_queries(&ids)
        .await?
        .iter()
        .map(|s| full_row(s, now))
        .collect();
    ok(args.response(&LIST, count, &ids, rows))
}

/// Loads a saved query the caller may read (`reading`) or change: 404 otherwise.
async fn visible_saved_query(
    state: &AppState,
    caller: &Principal,
    id: i64,
    reading: bool,
) -> ApiResult<SavedQuery> {
    let visibility = own_rows_unless_all_queries(caller, reading);
    if !state
        .store
        .is_visible(&SAVED_QUERIES, &visibility, caller.id(), id)
        .await?
    {
        return Err(ApiError::not_found());
    }
    Ok(state.store.saved_query(id).await?)
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let saved = visible_saved_query(&state, &caller, id, true).await?;
    let row = full_row(&saved, Timestamp::now());
    show_response(&q, id, SHOW_COLUMNS, "Show Saved Query", row)
}

/// Validates a body as FAB's generated schema does (errors are 422) and applies it to
/// `values`; a `db_id` must name a database.
async fn load(
    state: &AppState,
    body: &Map<String, Value>,
    values: &mut SavedQueryValues,
) -> ApiResult<()> {
    validate(body, FIELDS, StatusCode::UNPROCESSABLE_ENTITY)?;
    let text = |key: &str| body.str_of(key);
    macro_rules! set {
        ($($field:ident),* $(,)?) => {
            $(if body.has(stringify!($field)) { values.$field = text(stringify!($field)); })*
        };
    }
    set!(
        label,
        description,
        catalog,
        schema,
        sql,
        template_parameters,
        extra_json
    );
    if body.has("db_id") {
        values.db_id = body.int_of("db_id");
    }
    if let Some(db_id) = values.db_id
        && !state.store.object_exists(&DATABASES, db_id).await?
    {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "db_id",
            "Database does not exist",
        ));
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    // The model's default, which FAB's schema loads for a missing `extra_json`.
    let mut values = SavedQueryValues {
        extra_json: Some("{}".into()),
        ..Default::default()
    };
    load(&state, &body, &mut values).await?;
    let id = state
        .store
        .insert_saved_query(Uuid::new_v4(), &values, caller.id())
        .await?;
    Ok((
        StatusCode::CREATED,
        crate::response::json(&json!({"id": id, "result": values_json(&values)})),
    ))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let mut values = visible_saved_query(&state, &caller, id, false)
        .await?
        .values;
    load(&state, &body, &mut values).await?;
    state
        .store
        .update_saved_query(id, &values, caller.id())
        .await?;
    ok(json!({"result": values_json(&values)}))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    visible_saved_query(&state, &caller, id, false).await?;
    state.store.delete_saved_queries(&[id]).await?;
    ok(json!({"message": "OK"}))
}

/// `DELETE /saved_query/?q=!(1,2)`: all or nothing; any id the caller did not create is
/// 404.
async fn bulk_delete(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let ids = dedup(&q.ids()?);
    for id in &ids {
        visible_saved_query(&state, &caller, *id, false).await?;
    }
    state.store.delete_saved_queries(&ids).await?;
    let noun = if ids.len() == 1 {
        "saved query"
    } else {
        "saved queries"
    };
    ok(json!({"message": format!("Deleted {} {noun}", ids.len())}))
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    crate::listing::info_response(
        &q,
        &caller,
        VIEW,
        info_filters(&SAVED_QUERIES),
        FIELDS,
        FIELDS,
        "Saved Query",
    )
}

async fn distinct(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    distinct_response(
        &state,
        &caller,
        &q,
        &SAVED_QUERIES,
        SAVED_QUERY_DISTINCT,
        &column,
    )
    .await
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
        other => {
            crate::listing::related_users(&state, &q, other, &["changed_by", "created_by"]).await
        }
    }
}
