//! `/api/v1/dataset`: list, get, create, update, delete, `_info`, related, distinct,
//! column/metric deletion, refresh and related objects.

use super::{dedup, deleted_message, owners_with_caller, user_brief, user_name};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListSpec, Q, info_filters, related_args, related_ids};
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashSet};
use tessera_model::{Dataset, DatasetColumn, DatasetMetric, DatasetValues, Timestamp, UserRef};
use tessera_store::{CHARTS, DATABASES, DATASETS, Filter, FilterOp, FilterValue, ListQuery, Page};
use uuid::Uuid;

const VIEW: &str = "Dataset";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/dataset",
        perm("can_read", VIEW),
        "List datasets",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/dataset",
        perm("can_write", VIEW),
        "Create a dataset",
        create,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dataset",
        perm("can_write", VIEW),
        "Delete datasets in bulk",
        bulk_delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/dataset/_info",
        perm("can_read", VIEW),
        "Dataset metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/dataset/related/{column}",
        perm("can_read", VIEW),
        "Related users and databases of datasets",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/dataset/distinct/{column}",
        perm("can_read", VIEW),
        "Distinct schemas or catalogs of datasets",
        distinct,
    )
    .guarded(
        Method::GET,
        "/api/v1/dataset/{pk}",
        perm("can_read", VIEW),
        "Get a dataset",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/dataset/{pk}",
        perm("can_write", VIEW),
        "Update a dataset",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dataset/{pk}",
        perm("can_write", VIEW),
        "Delete a dataset",
        delete,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dataset/{pk}/column/{column_id}",
        perm("can_write", VIEW),
        "Delete a dataset column",
        delete_column,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dataset/{pk}/metric/{metric_id}",
        perm("can_write", VIEW),
        "Delete a dataset metric",
        delete_metric,
    )
    .guarded(
        Method::PUT,
        "/api/v1/dataset/{pk}/refresh",
        perm("can_write", VIEW),
        "Refresh a dataset's columns",
        refresh,
    )
    .guarded(
        Method::GET,
        "/api/v1/dataset/{pk}/related_objects",
        perm("can_read", VIEW),
        "Charts and dashboards using a dataset",
        related_objects,
    )
}

const TEXT: FieldType = FieldType::Str {
    min: 0,
    max: usize::MAX,
};

const POST_FIELDS: &[Field] = &[
    Field::new("database", FieldType::Int).required(),
    Field::new("catalog", FieldType::Str { min: 0, max: 250 }),
    Field::new("schema", FieldType::Str { min: 0, max: 250 }),
    Field::new("table_name", FieldType::Str { min: 1, max: 250 }).required(),
    Field::new("sql", TEXT),
    Field::new("owners", FieldType::IntList),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new("external_url", TEXT),
    Field::new("normalize_columns", FieldType::Bool),
    Field::new("always_filter_main_dttm", FieldType::Bool),
    Field::new("template_params", TEXT),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

const PUT_FIELDS: &[Field] = &[
    Field::new("table_name", FieldType::Str { min: 1, max: 250 }).not_null(),
    Field::new("database_id", FieldType::Int).not_null(),
    Field::new("sql", TEXT),
    Field::new("filter_select_enabled", FieldType::Bool),
    Field::new(
        "fetch_values_predicate",
        FieldType::Str { min: 0, max: 1000 },
    ),
    Field::new("catalog", FieldType::Str { min: 0, max: 250 }),
    Field::new("schema", FieldType::Str { min: 0, max: 255 }),
    Field::new("description", TEXT),
    Field::new("main_dttm_col", TEXT),
    Field::new("normalize_columns", FieldType::Bool),
    Field::new("always_filter_main_dttm", FieldType::Bool),
    Field::new("offset", FieldType::Int),
    Field::new("default_endpoint", TEXT),
    Field::new("cache_timeout", FieldType::Int),
    Field::new("is_sqllab_view", FieldType::Bool),
    Field::new("template_params", TEXT),
    Field::new("owners", FieldType::IntList),
    Field::new("columns", FieldType::Any),
    Field::new("metrics", FieldType::Any),
    Field::new("folders", FieldType::Any),
    Field::new("extra", TEXT),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new("external_url", TEXT),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

/// `DatasetColumnsPutSchema`.
const COLUMN_FIELDS: &[Field] = &[
    Field::new("id", FieldType::Int),
    Field::new("column_name", FieldType::Str { min: 1, max: 255 }).required(),
    Field::new("type", TEXT),
    Field::new("advanced_data_type", FieldType::Str { min: 0, max: 255 }),
    Field::new("verbose_name", TEXT),
    Field::new("description", TEXT),
    Field::new("expression", TEXT),
    Field::new("extra", TEXT),
    Field::new("filterable", FieldType::Bool),
    Field::new("groupby", FieldType::Bool),
    Field::new("is_active", FieldType::Bool),
    Field::new("is_dttm", FieldType::Bool),
    Field::new("python_date_format", FieldType::Str { min: 1, max: 255 }),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

/// `DatasetMetricsPutSchema`.
const METRIC_FIELDS: &[Field] = &[
    Field::new("id", FieldType::Int),
    Field::new("metric_name", FieldType::Str { min: 1, max: 255 }).required(),
    Field::new(
        "expression",
        FieldType::Str {
            min: 1,
            max: usize::MAX,
        },
    )
    .required(),
    Field::new("description", TEXT),
    Field::new("extra", TEXT),
    Field::new("metric_type", FieldType::Str { min: 1, max: 32 }),
    Field::new("d3format", FieldType::Str { min: 1, max: 128 }),
    Field::new("currency", FieldType::Any),
    Field::new("verbose_name", TEXT),
    Field::new("warning_text", TEXT),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

static LIST: ListSpec = ListSpec {
    resource: &DATASETS,
    list_columns: &[
        "id",
        "uuid",
        "database.id",
        "database.database_name",
        "database.uuid",
        "changed_by_name",
        "changed_by.first_name",
        "changed_by.last_name",
        "changed_by.id",
        "changed_on_utc",
        "changed_on_delta_humanized",
        "default_endpoint",
        "description",
        "datasource_type",
        "explore_url",
        "extra",
        "kind",
        "owners.id",
        "owners.first_name",
        "owners.last_name",
        "catalog",
        "schema",
        "sql",
        "table_name",
        "uuid",
    ],
    title: "List Sqla Table",
    max_page_size: Some(100),
};

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let load = async |ids: &[i64]| state.store.datasets(ids).await;
    crate::listing::list_page(&state, &caller, &q, &LIST, load, list_row).await
}

/// `[{"first_name", "id", "last_name"}]`: datasets show owners without their email.
fn owners_brief(owners: &[UserRef]) -> Value {
    owners
        .iter()
        .map(|u| json!({"first_name": u.first_name, "id": u.id, "last_name": u.last_name}))
        .collect()
}

/// `{"first_name", "last_name"}` as the single-item response embeds audit users.
fn user_names(user: &Option<UserRef>) -> Value {
    match user {
        Some(u) => json!({"first_name": u.first_name, "last_name": u.last_name}),
        None => Value::Null,
    }
}

/// Every default list column of one dataset; `ListArgs::response` projects it.
fn list_row(d: &Dataset, now: Timestamp) -> Map<String, Value> {
    let v = &d.values;
    let a = &d.audit;
    let mut row = json!({
        "catalog": v.catalog,
        "changed_by": user_brief(&a.changed_by),
        "changed_by_name": user_name(&a.changed_by),
        "changed_on_delta_humanized": a.changed_on.humanize(now),
        "changed_on_utc": a.changed_on.utc(),
        "database": {"database_name": d.database.database_name, "id": d.database.id, "uuid": d.database.uuid},
        "datasource_type": "table",
        "default_endpoint": v.default_endpoint,
        "description": v.description,
        "explore_url": explore_url(d),
        "extra": v.extra,
        "id": d.id,
        "kind": d.kind(),
        "owners": owners_brief(&d.owners),
        "schema": v.schema,
        "sql": v.sql,
        "table_name": v.table_name,
        "uuid": d.uuid,
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

fn explore_url(d: &Dataset) -> String {
    match &d.values.default_endpoint {
        Some(endpoint) if !endpoint.is_empty() => endpoint.clone(),
        _ => format!("/explore/?datasource_type=table&datasource_id={}", d.id),
    }
}

/// Superset's `SqlaTable.name`: `schema.table`, or the bare table name.
fn full_name(v: &DatasetValues) -> String {
    match v.schema.as_deref() {
        Some(schema) if !schema.is_empty() => format!("{schema}.{}", v.table_name),
        _ => v.table_name.clone(),
    }
}

/// An identifier as sqlglot prints it: bare when simple, double-quoted otherwise.
fn quote_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if simple {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn select_star(v: &DatasetValues) -> String {
    let mut table = quote_ident(&v.table_name);
    if let Some(schema) = v.schema.as_deref().filter(|s| !s.is_empty()) {
        table = format!("{}.{table}", quote_ident(schema));
    }
    format!("SELECT\n  *\nFROM {table}\nLIMIT 100\nOFFSET 0")
}

/// A JSON-string column (`currency`) as the object it holds; the raw text if it is not JSON.
fn json_text(text: &Option<String>) -> Value {
    match text.as_deref() {
        None => Value::Null,
        Some(t) => serde_json::from_str(t).unwrap_or_else(|_| json!(t)),
    }
}

fn column_json(c: &DatasetColumn) -> Value {
    json!({
        "advanced_data_type": c.advanced_data_type,
        "changed_on": c.changed_on.map(Timestamp::iso),
        "column_name": c.column_name,
        "created_on": c.created_on.map(Timestamp::iso),
        "description": c.description,
        "expression": c.expression,
        "extra": c.extra,
        "filterable": c.filterable,
        "groupby": c.groupby,
        "id": c.id,
        "is_active": c.is_active,
        "is_dttm": c.is_dttm,
        "python_date_format": c.python_date_format,
        "type": c.r#type,
        "type_generic": c.type_generic(),
        "uuid": c.uuid,
        "verbose_name": c.verbose_name,
    })
}

fn metric_json(m: &DatasetMetric) -> Value {
    json!({
        "changed_on": m.changed_on.map(Timestamp::iso),
        "created_on": m.created_on.map(Timestamp::iso),
        "currency": json_text(&m.currency),
        "d3format": m.d3format,
        "description": m.description,
        "expression": m.expression,
        "extra": m.extra,
        "id": m.id,
        "metric_name": m.metric_name,
        "metric_type": m.metric_type,
        "uuid": m.uuid,
        "verbose_name": m.verbose_name,
        "warning_text": m.warning_text,
    })
}

/// `GET /dataset/{pk}`'s `result` (`DatasetShowSchema` plus the model's computed keys).
/// `time_grain_sqla` depends on the engine spec and arrives with the connectors.
fn show(d: &Dataset, now: Timestamp) -> Value {
    let v = &d.values;
    let a = &d.audit;
    let mut verbose_map = Map::new();
    verbose_map.insert("__timestamp".into(), json!("Time"));
    for m in &d.metrics {
        let label = m
            .verbose_name
            .clone()
            .unwrap_or_else(|| m.metric_name.clone());
        verbose_map.insert(m.metric_name.clone(), json!(label));
    }
    for c in &d.columns {
        let label = c
            .verbose_name
            .clone()
            .unwrap_or_else(|| c.column_name.clone());
        verbose_map.insert(c.column_name.clone(), json!(label));
    }
    let column_formats: Map<String, Value> = d
        .metrics
        .iter()
        .filter_map(|m| Some((m.metric_name.clone(), json!(m.d3format.as_ref()?))))
        .collect();
    let mut names: Vec<&str> = d.columns.iter().map(|c| c.column_name.as_str()).collect();
    names.sort_unstable();
    let order_by_choices: Vec<Value> = names
        .iter()
        .flat_map(|name| {
            let quoted = json!(name).to_string();
            [
                json!([format!("[{quoted}, true]"), format!("{name} [asc]")]),
                json!([format!("[{quoted}, false]"), format!("{name} [desc]")]),
            ]
        })
        .collect();
    let granularity_sqla: Vec<Value> = d
        .columns
        .iter()
        .filter(|c| c.is_dttm)
        .map(|c| {
            json!([
                c.column_name,
                c.verbose_name.as_ref().unwrap_or(&c.column_name)
            ])
        })
        .collect();
    json!({
        "always_filter_main_dttm": v.always_filter_main_dttm,
        "cache_timeout": v.cache_timeout,
        "catalog": v.catalog,
        "changed_by": user_names(&a.changed_by),
        "changed_on": a.changed_on.iso(),
        "changed_on_humanized": a.changed_on.humanize(now),
        "column_formats": column_formats,
        "columns": d.columns.iter().map(column_json).collect::<Vec<_>>(),
        "created_by": user_names(&a.created_by),
        "created_on": a.created_on.iso(),
        "created_on_humanized": a.created_on.humanize(now),
        "currency_code_column": null,
        "database": {
            "allow_multi_catalog": false,
            "backend": d.database.backend,
            "database_name": d.database.database_name,
            "id": d.database.id,
            "uuid": d.database.uuid,
        },
        "datasource_name": v.table_name,
        "datasource_type": "table",
        "default_endpoint": v.default_endpoint,
        "description": v.description,
        "extra": v.extra,
        "fetch_values_predicate": v.fetch_values_predicate,
        "filter_select_enabled": v.filter_select_enabled,
        "granularity_sqla": granularity_sqla,
        "id": d.id,
        "is_managed_externally": v.is_managed_externally,
        "is_sqllab_view": v.is_sqllab_view,
        "kind": d.kind(),
        "main_dttm_col": v.main_dttm_col,
        "metrics": d.metrics.iter().map(metric_json).collect::<Vec<_>>(),
        "name": full_name(v),
        "normalize_columns": v.normalize_columns,
        "offset": v.offset,
        "order_by_choices": order_by_choices,
        "owners": owners_brief(&d.owners),
        "schema": v.schema,
        "select_star": select_star(v),
        "sql": v.sql,
        "table_name": v.table_name,
        "template_params": v.template_params,
        "uid": format!("{}__table", d.id),
        "url": format!("/tablemodelview/edit/{}", d.id),
        "uuid": d.uuid,
        "verbose_map": verbose_map,
    })
}

/// Loads a dataset the caller may see; 404 otherwise.
async fn visible_dataset(state: &AppState, caller: &Principal, id: i64) -> ApiResult<Dataset> {
    if !crate::listing::is_visible(state, &DATASETS, caller, id).await? {
        return Err(ApiError::not_found());
    }
    Ok(state.store.dataset(id).await?)
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    q: Q,
) -> ApiResult<Json> {
    let id = pk.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let d = visible_dataset(&state, &caller, id).await?;
    let mut result = show(&d, Timestamp::now());
    // `q=(columns:!(...))` narrows the result, as FAB's `show_select_columns` does.
    if let Some(columns) = q.object()?.get("columns").and_then(Value::as_array) {
        let columns: Vec<String> = columns
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if let Value::Object(full) = result {
            result = crate::listing::project(full, &columns);
        }
    }
    ok(json!({"id": d.id, "result": result}))
}

/// Applies the top-level fields present in a validated body to `values`.
fn apply(body: &Map<String, Value>, values: &mut DatasetValues) {
    let text = |key: &str| body.str_of(key);
    if let Some(name) = text("table_name") {
        values.table_name = name;
    }
    if let Some(id) = body.int_of("database").or(body.int_of("database_id")) {
        values.database_id = id;
    }
    macro_rules! set {
        ($($field:ident => $read:expr),* $(,)?) => {
            $(if body.has(stringify!($field)) { values.$field = $read(stringify!($field)); })*
        };
    }
    set!(
        catalog => text,
        schema => text,
        sql => text,
        description => text,
        main_dttm_col => text,
        default_endpoint => text,
        template_params => text,
        extra => text,
        fetch_values_predicate => text,
        external_url => text,
        cache_timeout => |k| body.int_of(k),
    );
    if body.has("offset") {
        values.offset = body.int_of("offset").unwrap_or(0);
    }
    macro_rules! flags {
        ($($field:ident),* $(,)?) => {
            $(if let Some(b) = body.bool_of(stringify!($field)) { values.$field = b; })*
        };
    }
    flags!(
        is_sqllab_view,
        filter_select_enabled,
        normalize_columns,
        always_filter_main_dttm,
        is_managed_externally,
    );
}

/// Business-rule errors, collected into one 422 field map as Superset's commands do.
#[derive(Default)]
struct Invalid(Map<String, Value>);

impl Invalid {
    fn add(&mut self, field: &str, message: &str) {
        self.0.insert(field.into(), json!([message]));
    }

    fn into_result(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Message(
                StatusCode::UNPROCESSABLE_ENTITY,
                Value::Object(self.0),
            ))
        }
    }
}

/// Checks owners, the database and the (database, catalog, schema, table) identity;
/// `own_id` is the dataset being updated, which may keep its own identity.
async fn check_links(
    state: &AppState,
    body: &Map<String, Value>,
    values: &DatasetValues,
    own_id: Option<i64>,
    errors: &mut Invalid,
) -> ApiResult<()> {
    if let Some(owners) = body.ints_of("owners")
        && state.store.existing_user_ids(&owners).await?.len() != dedup(&owners).len()
    {
        errors.add("owners", "Owners are invalid");
    }
    if !state.store.database_exists(values.database_id).await? {
        errors.add("database", "Database does not exist");
        return Ok(());
    }
    let existing = state
        .store
        .dataset_id_by_identity(
            values.database_id,
            values.catalog.as_deref(),
            values.schema.as_deref(),
            &values.table_name,
        )
        .await?;
    if existing.is_some_and(|id| Some(id) != own_id) {
        errors.add("table", &already_exists(values));
    }
    Ok(())
}

/// The store's duplicate text, `Dataset main.sales already exists`.
fn already_exists(v: &DatasetValues) -> String {
    let name = [
        v.catalog.as_deref(),
        v.schema.as_deref(),
        Some(&v.table_name),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(".");
    format!("Dataset {name} already exists")
}

/// Turns the store's conflicts into Superset's field errors.
fn conflict_as_field(err: tessera_store::StoreError) -> ApiError {
    match err {
        tessera_store::StoreError::Conflict(text) => {
            let (field, message) = if text.starts_with("Dataset ") {
                ("table", text.as_str())
            } else if text.starts_with("Duplicate column") {
                ("columns", "One or more columns already exist")
            } else if text.starts_with("Duplicate metric") {
                ("metrics", "One or more metrics already exist")
            } else if text.starts_with("column id") {
                ("columns", "One or more columns do not exist")
            } else if text.starts_with("metric id") {
                ("metrics", "One or more metrics do not exist")
            } else {
                return ApiError::unprocessable(text);
            };
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, message)
        }
        other => other.into(),
    }
}

fn parse_uuid(body: &Map<String, Value>) -> Option<Uuid> {
    body.str_of("uuid").and_then(|t| Uuid::parse_str(&t).ok())
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    validate(&body, POST_FIELDS, StatusCode::BAD_REQUEST)?;
    let uuid = match body.str_of("uuid") {
        Some(text) => Uuid::parse_str(&text)
            .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "uuid", "Not a valid UUID."))?,
        None => Uuid::new_v4(),
    };
    let mut values = DatasetValues {
        filter_select_enabled: true,
        ..DatasetValues::default()
    };
    apply(&body, &mut values);
    let mut errors = Invalid::default();
    check_links(&state, &body, &values, None, &mut errors).await?;
    errors.into_result()?;
    let columns = if is_virtual(&values) {
        // A virtual dataset's columns come from running its SQL (the query engine).
        Vec::new()
    } else {
        physical_columns(&state, &values).await?
    };
    let count = DatasetMetric {
        metric_name: "count".into(),
        expression: "COUNT(*)".into(),
        verbose_name: Some("COUNT(*)".into()),
        metric_type: Some("count".into()),
        ..DatasetMetric::default()
    };
    let owners = owners_with_caller(body.ints_of("owners"), &caller);
    let id = state
        .store
        .insert_dataset(uuid, &values, &owners, &columns, &[count], caller.id())
        .await
        .map_err(conflict_as_field)?;
    let mut result = body;
    for key in ["always_filter_main_dttm", "normalize_columns"] {
        result.entry(key).or_insert(json!(false));
    }
    let data = show(&state.store.dataset(id).await?, Timestamp::now());
    Ok((
        StatusCode::CREATED,
        crate::response::json(&json!({"data": data, "id": id, "result": result})),
    ))
}

/// Loads a dataset the caller may change: 404 if they cannot see it, 403 if they do not own it.
async fn owned_dataset(state: &AppState, caller: &Principal, id: i64) -> ApiResult<Dataset> {
    let dataset = visible_dataset(state, caller, id).await?;
    super::require_owner(caller, &dataset.owners)?;
    Ok(dataset)
}

/// Dataset PUT answers schema errors in SIP-40 form with status 422 (contract §4.4).
fn marshmallow_error(messages: Value, payload: &Map<String, Value>) -> ApiError {
    ApiError::Errors(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![json!({
            "message": "The schema of the submitted payload is invalid.",
            "error_type": "MARSHMALLOW_ERROR",
            "level": "error",
            "extra": {
                "messages": messages,
                "payload": payload,
                "issue_codes": [{"code": 1040, "message": "Issue 1040 - The submitted payload failed validation."}],
            },
        })],
    )
}

/// Validates a nested list (`columns`, `metrics`) against `fields`; errors are keyed by
/// the item's index, as marshmallow reports `List(Nested(...))`.
fn check_items(value: &Value, fields: &[Field]) -> Option<Value> {
    let Some(items) = value.as_array() else {
        return Some(json!(["Not a valid list."]));
    };
    let mut errors = Map::new();
    for (index, item) in items.iter().enumerate() {
        let message = match item.as_object() {
            None => json!({"_schema": ["Invalid input type."]}),
            Some(obj) => match validate(obj, fields, StatusCode::UNPROCESSABLE_ENTITY) {
                Ok(()) => match obj.get("currency") {
                    Some(c) if !c.is_null() && !c.is_object() => {
                        json!({"currency": {"_schema": ["Invalid input type."]}})
                    }
                    _ => continue,
                },
                Err(ApiError::Message(_, e)) => e,
                Err(_) => json!({"_schema": ["Invalid input type."]}),
            },
        };
        errors.insert(index.to_string(), message);
    }
    (!errors.is_empty()).then_some(Value::Object(errors))
}

fn put_schema(body: &Map<String, Value>) -> ApiResult<()> {
    let mut messages = match validate(body, PUT_FIELDS, StatusCode::UNPROCESSABLE_ENTITY) {
        Ok(()) => Map::new(),
        Err(ApiError::Message(_, Value::Object(m))) => m,
        Err(other) => return Err(other),
    };
    for (key, fields) in [("columns", COLUMN_FIELDS), ("metrics", METRIC_FIELDS)] {
        if let Some(value) = body.get(key).filter(|v| !v.is_null())
            && let Some(e) = check_items(value, fields)
        {
            messages.insert(key.into(), e);
        }
    }
    if let Some(text) = body.str_of("uuid")
        && Uuid::parse_str(&text).is_err()
    {
        messages.insert("uuid".into(), json!(["Not a valid UUID."]));
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(marshmallow_error(Value::Object(messages), body))
    }
}

/// One `columns` item over the stored column it names (or Superset's defaults for a new
/// one): only the keys sent change.
fn merge_column(item: &Map<String, Value>, stored: Option<&DatasetColumn>) -> DatasetColumn {
    let mut c = stored.cloned().unwrap_or(DatasetColumn {
        is_active: true,
        groupby: true,
        filterable: true,
        ..DatasetColumn::default()
    });
    c.id = item.int_of("id");
    if let Some(name) = item.str_of("column_name") {
        c.column_name = name;
    }
    if let Some(uuid) = parse_uuid(item) {
        c.uuid = Some(uuid);
    }
    let text = |key: &str| item.str_of(key);
    macro_rules! set {
        ($($field:ident => $key:literal),* $(,)?) => {
            $(if item.has($key) { c.$field = text($key); })*
        };
    }
    set!(
        r#type => "type",
        advanced_data_type => "advanced_data_type",
        verbose_name => "verbose_name",
        description => "description",
        expression => "expression",
        extra => "extra",
        python_date_format => "python_date_format",
    );
    macro_rules! flags {
        ($($field:ident),* $(,)?) => {
            $(if let Some(b) = item.bool_of(stringify!($field)) { c.$field = b; })*
        };
    }
    flags!(filterable, groupby, is_active, is_dttm);
    c
}

fn merge_metric(item: &Map<String, Value>, stored: Option<&DatasetMetric>) -> DatasetMetric {
    let mut m = stored.cloned().unwrap_or_default();
    m.id = item.int_of("id");
    if let Some(name) = item.str_of("metric_name") {
        m.metric_name = name;
    }
    if let Some(expression) = item.str_of("expression") {
        m.expression = expression;
    }
    if let Some(uuid) = parse_uuid(item) {
        m.uuid = Some(uuid);
    }
    if item.has("currency") {
        m.currency = item
            .get("currency")
            .filter(|c| c.is_object())
            .map(Value::to_string);
    }
    let text = |key: &str| item.str_of(key);
    macro_rules! set {
        ($($field:ident),* $(,)?) => {
            $(if item.has(stringify!($field)) { m.$field = text(stringify!($field)); })*
        };
    }
    set!(
        verbose_name,
        metric_type,
        description,
        d3format,
        warning_text,
        extra
    );
    m
}

/// Superset's `_validate_columns`/`_validate_metrics`: ids must be the dataset's, names
/// unique in the list, and new names (unless overriding) not already taken.
fn check_children<'a>(
    errors: &mut Invalid,
    field: &str,
    noun: &str,
    items: &[Map<String, Value>],
    name_key: &str,
    existing: impl Iterator<Item = (Option<i64>, &'a str)> + Clone,
    override_names: bool,
) {
    let ids: HashSet<i64> = existing.clone().filter_map(|(id, _)| id).collect();
    let names: HashSet<&str> = existing.map(|(_, name)| name).collect();
    if items
        .iter()
        .filter_map(|i| i.int_of("id"))
        .any(|id| !ids.contains(&id))
    {
        errors.add(field, &format!("One or more {noun} do not exist"));
        return;
    }
    if !override_names
        && items
            .iter()
            .filter(|i| i.int_of("id").is_none())
            .filter_map(|i| i.get(name_key).and_then(Value::as_str))
            .any(|n| names.contains(n))
    {
        errors.add(field, &format!("One or more {noun} already exist"));
        return;
    }
    let mut seen = HashSet::new();
    if items
        .iter()
        .filter_map(|i| i.get(name_key).and_then(Value::as_str))
        .any(|n| !seen.insert(n))
    {
        errors.add(field, &format!("One or more {noun} are duplicated"));
    }
}

fn objects(body: &Map<String, Value>, key: &str) -> Option<Vec<Map<String, Value>>> {
    body.get(key).and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|i| i.as_object().cloned())
            .collect()
    })
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    put_schema(&body)?;
    let dataset = owned_dataset(&state, &caller, pk).await?;
    // `?override_columns=true` would also re-sync columns from the database; that needs
    // the connectors, so here it only relaxes the "already exist" check as Superset does.
    let override_columns = query.as_deref().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .any(|(k, v)| k == "override_columns" && v.eq_ignore_ascii_case("true"))
    });
    let mut values = dataset.values.clone();
    apply(&body, &mut values);
    let mut errors = Invalid::default();
    check_links(&state, &body, &values, Some(pk), &mut errors).await?;
    let column_items = objects(&body, "columns");
    let metric_items = objects(&body, "metrics");
    if let Some(items) = &column_items {
        let existing = dataset
            .columns
            .iter()
            .map(|c| (c.id, c.column_name.as_str()));
        check_children(
            &mut errors,
            "columns",
            "columns",
            items,
            "column_name",
            existing,
            override_columns,
        );
    }
    if let Some(items) = &metric_items {
        let existing = dataset
            .metrics
            .iter()
            .map(|m| (m.id, m.metric_name.as_str()));
        check_children(
            &mut errors,
            "metrics",
            "metrics",
            items,
            "metric_name",
            existing,
            false,
        );
    }
    errors.into_result()?;
    let columns: Option<Vec<DatasetColumn>> = column_items.map(|items| {
        items
            .iter()
            .map(|item| {
                let stored = item
                    .int_of("id")
                    .and_then(|id| dataset.columns.iter().find(|c| c.id == Some(id)));
                merge_column(item, stored)
            })
            .collect()
    });
    let metrics: Option<Vec<DatasetMetric>> = metric_items.map(|items| {
        items
            .iter()
            .map(|item| {
                let stored = item
                    .int_of("id")
                    .and_then(|id| dataset.metrics.iter().find(|m| m.id == Some(id)));
                merge_metric(item, stored)
            })
            .collect()
    });
    let owners = body
        .has("owners")
        .then(|| owners_with_caller(body.ints_of("owners"), &caller));
    state
        .store
        .update_dataset(
            pk,
            &values,
            owners.as_deref(),
            columns.as_deref(),
            metrics.as_deref(),
            caller.id(),
        )
        .await
        .map_err(conflict_as_field)?;
    ok(json!({"id": pk, "result": body}))
}

/// Deleting a dataset that charts still use is allowed; they keep a dangling reference.
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    owned_dataset(&state, &caller, pk).await?;
    state.store.delete_datasets(&[pk]).await?;
    ok(json!({"message": "OK"}))
}

async fn bulk_delete(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let ids = dedup(&q.ids()?);
    for id in &ids {
        owned_dataset(&state, &caller, *id).await?;
    }
    state.store.delete_datasets(&ids).await?;
    ok(deleted_message(ids.len(), "dataset"))
}

async fn delete_column(
    State(state): State<AppState>,
    caller: Caller,
    Path((pk, column_id)): Path<(i64, i64)>,
) -> ApiResult<Json> {
    owned_dataset(&state, &caller, pk).await?;
    state.store.delete_dataset_column(pk, column_id).await?;
    ok(json!({"message": "OK"}))
}

async fn delete_metric(
    State(state): State<AppState>,
    caller: Caller,
    Path((pk, metric_id)): Path<(i64, i64)>,
) -> ApiResult<Json> {
    owned_dataset(&state, &caller, pk).await?;
    state.store.delete_dataset_metric(pk, metric_id).await?;
    ok(json!({"message": "OK"}))
}

/// Re-syncing columns from the database needs the connectors (a later issue); until then
/// refresh only checks access and answers as Superset does.
async fn refresh(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    let dataset = owned_dataset(&state, &caller, pk).await?;
    if is_virtual(&dataset.values) {
        return ok(json!({"message": "OK"}));
    }
    let found = physical_columns(&state, &dataset.values).await?;
    let columns = refreshed_columns(&dataset.columns, found);
    state
        .store
        .update_dataset(pk, &dataset.values, None, Some(&columns), None, caller.id())
        .await?;
    ok(json!({"message": "OK"}))
}

fn is_virtual(values: &DatasetValues) -> bool {
    values
        .sql
        .as_deref()
        .is_some_and(|sql| !sql.trim().is_empty())
}

/// The table's columns from its database; a missing table is golden 025's 422.
async fn physical_columns(state: &AppState, v: &DatasetValues) -> ApiResult<Vec<DatasetColumn>> {
    let database = state.store.database(v.database_id).await?;
    crate::connections::table_columns(state, &database, v.schema.as_deref(), &v.table_name)
        .await
        .map_err(|err| {
            if err.is_not_found() {
                let name = match v.schema.as_deref() {
                    Some(schema) if !schema.is_empty() => format!("{schema}.{}", v.table_name),
                    _ => v.table_name.clone(),
                };
                ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "table",
                    &format!(
                        "Table [{name}] could not be found, please double check your database connection, schema, and table name"
                    ),
                )
            } else {
                err.into()
            }
        })
}

/// Superset's metadata refresh: physical columns take the database's types (keeping
/// what users set on them), new ones are added, vanished ones dropped; calculated
/// columns stay.
fn refreshed_columns(stored: &[DatasetColumn], found: Vec<DatasetColumn>) -> Vec<DatasetColumn> {
    let mut columns: Vec<DatasetColumn> = found
        .into_iter()
        .map(|fresh| {
            match stored.iter().find(|c| {
                c.expression.as_deref().is_none_or(str::is_empty)
                    && c.column_name == fresh.column_name
            }) {
                Some(old) => DatasetColumn {
                    r#type: fresh.r#type,
                    is_dttm: old.is_dttm || fresh.is_dttm,
                    ..old.clone()
                },
                None => fresh,
            }
        })
        .collect();
    columns.extend(
        stored
            .iter()
            .filter(|c| c.expression.as_deref().is_some_and(|e| !e.is_empty()))
            .cloned(),
    );
    columns
}

async fn related_objects(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    visible_dataset(&state, &caller, pk).await?;
    let column = CHARTS
        .search_column("datasource_id")
        .ok_or_else(|| ApiError::Internal("charts have no datasource_id column".into()))?;
    let query = ListQuery {
        viewer: caller.id(),
        visibility: caller.visibility(),
        filters: vec![Filter {
            column,
            op: FilterOp::Eq,
            value: FilterValue::Int(pk),
        }],
        order: None,
        page: Page {
            index: 0,
            size: None,
        },
    };
    let (_, ids) = state.store.list_ids(&CHARTS, &query).await?;
    let charts = state.store.charts(&ids).await?;
    let dashboard_ids: BTreeSet<i64> = charts
        .iter()
        .flat_map(|c| c.dashboards.iter().map(|d| d.id))
        .collect();
    let dashboard_ids: Vec<i64> = dashboard_ids.into_iter().collect();
    let dashboards: Vec<Value> = state
        .store
        .dashboards(&dashboard_ids)
        .await?
        .iter()
        .map(|d| {
            json!({"id": d.id, "json_metadata": d.values.json_metadata, "slug": d.values.slug,
                   "title": d.values.dashboard_title})
        })
        .collect();
    let charts: Vec<Value> = charts
        .iter()
        .map(|c| json!({"id": c.id, "slice_name": c.values.slice_name, "viz_type": c.values.viz_type}))
        .collect();
    ok(json!({
        "charts": {"count": charts.len(), "result": charts},
        "dashboards": {"count": dashboards.len(), "result": dashboards},
    }))
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    crate::listing::info_response(
        &q,
        &caller,
        VIEW,
        info_filters(&DATASETS),
        POST_FIELDS,
        PUT_FIELDS,
        "Sqla Table",
    )
}

async fn related(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    match column.as_str() {
        "database" => related_databases(&state, &caller, &q, FilterOp::Contains).await,
        user_column => {
            let users = ["owners", "created_by", "changed_by"];
            crate::listing::related_users(&state, &q, user_column, &users).await
        }
    }
}

/// The databases the caller may see whose name matches the `filter` by `op` (datasets
/// match a substring, SQL Lab's resources a prefix, as Superset does), as
/// `{value, text, extra}`.
pub(super) async fn related_databases(
    state: &AppState,
    caller: &Principal,
    q: &Q,
    op: FilterOp,
) -> ApiResult<Json> {
    let (count, ids) = related_ids(state, caller, q, &DATABASES, "database_name", op).await?;
    let result: Vec<Value> = state
        .store
        .databases(&ids)
        .await?
        .iter()
        .map(|d| json!({"extra": {}, "text": d.values.database_name, "value": d.id}))
        .collect();
    ok(json!({"count": count, "result": result}))
}

/// `GET /dataset/distinct/{schema,catalog}`: the distinct non-empty values among the
/// datasets the caller may see, filtered by prefix and paged.
async fn distinct(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    let pick: fn(&DatasetValues) -> Option<&str> = match column.as_str() {
        "schema" => |v| v.schema.as_deref(),
        "catalog" => |v| v.catalog.as_deref(),
        _ => return Err(ApiError::not_found()),
    };
    let (filter, page) = related_args(&q)?;
    let query = ListQuery {
        viewer: caller.id(),
        visibility: caller.visibility(),
        filters: vec![],
        order: None,
        page: Page {
            index: 0,
            size: None,
        },
    };
    let (_, ids) = state.store.list_ids(&DATASETS, &query).await?;
    let values: BTreeSet<String> = state
        .store
        .datasets(&ids)
        .await?
        .iter()
        .filter_map(|d| pick(&d.values))
        .filter(|v| !v.is_empty() && v.starts_with(filter.as_str()))
        .map(str::to_string)
        .collect();
    let size = page.size.unwrap_or(20).max(0) as usize;
    let result: Vec<Value> = values
        .iter()
        .skip(page.index.max(0) as usize * size)
        .take(size)
        .map(|v| json!({"text": v, "value": v}))
        .collect();
    ok(json!({"count": values.len(), "result": result}))
}
