//! `/api/v1/dashboard`: list, get, charts, datasets, create, update, delete, `_info`,
//! related, favourites.

use super::{
    dedup, deleted_message, markdown, owners_json, owners_with_caller, thumbnail_digest,
    user_brief, user_name,
};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListSpec, Q, info_filters};
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use tessera_model::{Dashboard, DashboardValues, Dataset, Timestamp};
use tessera_store::{DASHBOARDS, FavoriteClass, StoreError};
use uuid::Uuid;

const VIEW: &str = "Dashboard";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/dashboard",
        perm("can_read", VIEW),
        "List dashboards",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/dashboard",
        perm("can_write", VIEW),
        "Create a dashboard",
        create,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dashboard",
        perm("can_write", VIEW),
        "Delete dashboards in bulk",
        bulk_delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/_info",
        perm("can_read", VIEW),
        "Dashboard metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/favorite_status",
        perm("can_read", VIEW),
        "Favourite status of dashboards",
        favorite_status,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/related/{column}",
        perm("can_read", VIEW),
        "Related users of dashboards",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/{pk}",
        perm("can_read", VIEW),
        "Get a dashboard by id or slug",
        get,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/{pk}/charts",
        perm("can_read", VIEW),
        "The charts of a dashboard",
        charts,
    )
    .guarded(
        Method::GET,
        "/api/v1/dashboard/{pk}/datasets",
        perm("can_read", VIEW),
        "The datasets of a dashboard",
        datasets,
    )
    .guarded(
        Method::PUT,
        "/api/v1/dashboard/{pk}",
        perm("can_write", VIEW),
        "Update a dashboard",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dashboard/{pk}",
        perm("can_write", VIEW),
        "Delete a dashboard",
        delete,
    )
    .guarded(
        Method::POST,
        "/api/v1/dashboard/{pk}/favorites",
        perm("can_read", VIEW),
        "Star a dashboard",
        add_favorite,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dashboard/{pk}/favorites",
        perm("can_read", VIEW),
        "Unstar a dashboard",
        remove_favorite,
    )
}

const ANY_TEXT: FieldType = FieldType::Str {
    min: 0,
    max: usize::MAX,
};

const POST_FIELDS: &[Field] = &[
    Field::new("dashboard_title", FieldType::Str { min: 0, max: 500 }),
    Field::new("slug", FieldType::Str { min: 1, max: 255 }),
    Field::new("owners", FieldType::IntList),
    Field::new("roles", FieldType::IntList),
    Field::new("position_json", FieldType::JsonStr),
    Field::new("css", ANY_TEXT),
    Field::new("theme_id", FieldType::Int),
    Field::new("json_metadata", FieldType::JsonStr),
    Field::new("published", FieldType::Bool),
    Field::new("certified_by", ANY_TEXT),
    Field::new("certification_details", ANY_TEXT),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new("external_url", ANY_TEXT),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

const PUT_FIELDS: &[Field] = &[
    Field::new("dashboard_title", FieldType::Str { min: 0, max: 500 }),
    Field::new("slug", FieldType::Str { min: 0, max: 255 }),
    Field::new("owners", FieldType::IntList),
    Field::new("roles", FieldType::IntList),
    Field::new("position_json", FieldType::JsonStr),
    Field::new("css", ANY_TEXT),
    Field::new("theme_id", FieldType::Int),
    Field::new("json_metadata", FieldType::JsonStr),
    Field::new("published", FieldType::Bool),
    Field::new("certified_by", ANY_TEXT),
    Field::new("certification_details", ANY_TEXT),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new("external_url", ANY_TEXT),
    Field::new("tags", FieldType::IntList),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

/// `DashboardJSONMetadataSchema`'s keys; any other key in `json_metadata` is refused.
/// (`show_native_filters` is a legacy key Superset accepts and drops.)
const METADATA_KEYS: &[&str] = &[
    "native_filter_configuration",
    "chart_configuration",
    "global_chart_configuration",
    "timed_refresh_immune_slices",
    "filter_scopes",
    "expanded_slices",
    "refresh_frequency",
    "default_filters",
    "stagger_refresh",
    "stagger_time",
    "color_scheme",
    "color_namespace",
    "positions",
    "label_colors",
    "shared_label_colors",
    "map_label_colors",
    "color_scheme_domain",
    "cross_filters_enabled",
    "import_time",
    "remote_id",
    "filter_bar_orientation",
    "native_filter_migration",
    "show_native_filters",
];

static LIST: ListSpec = ListSpec {
    resource: &DASHBOARDS,
    list_columns: &[
        "id",
        "uuid",
        "published",
        "status",
        "slug",
        "url",
        "thumbnail_url",
        "certified_by",
        "certification_details",
        "changed_by.first_name",
        "changed_by.last_name",
        "changed_by.id",
        "changed_by_name",
        "changed_on_utc",
        "changed_on_delta_humanized",
        "created_on_delta_humanized",
        "created_by.first_name",
        "created_by.id",
        "created_by.last_name",
        "dashboard_title",
        "owners.id",
        "owners.first_name",
        "owners.last_name",
        "owners.email",
        "roles.id",
        "roles.name",
        "is_managed_externally",
        "uuid",
        "tags.id",
        "tags.name",
        "tags.type",
    ],
    title: "List Dashboard",
    max_page_size: Some(100),
};

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let load = async |ids: &[i64]| state.store.dashboards(ids).await;
    crate::listing::list_page(&state, &caller, &q, &LIST, load, list_row).await
}

fn roles_json(d: &Dashboard) -> Value {
    d.roles
        .iter()
        .map(|r| json!({"id": r.id, "name": r.name}))
        .collect()
}

/// Every default list column of one dashboard; `ListArgs::response` projects it.
fn list_row(d: &Dashboard, now: Timestamp) -> Map<String, Value> {
    let v = &d.values;
    let a = &d.audit;
    let mut row = json!({
        "certification_details": v.certification_details,
        "certified_by": v.certified_by,
        "changed_by": user_brief(&a.changed_by),
        "changed_by_name": user_name(&a.changed_by),
        "changed_on_delta_humanized": a.changed_on.humanize(now),
        "changed_on_utc": a.changed_on.utc(),
        "created_by": user_brief(&a.created_by),
        "created_on_delta_humanized": a.created_on.humanize(now),
        "dashboard_title": v.dashboard_title,
        "id": d.id,
        "is_managed_externally": v.is_managed_externally,
        "owners": owners_json(&d.owners),
        "published": v.published,
        "roles": roles_json(d),
        "slug": v.slug,
        "status": if v.published { "published" } else { "draft" },
        "tags": [],
        "thumbnail_url": thumbnail_url(d),
        "url": d.url(),
        "uuid": d.uuid,
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

fn thumbnail_url(d: &Dashboard) -> String {
    format!(
        "/api/v1/dashboard/{}/thumbnail/{}/",
        d.id,
        thumbnail_digest(&d.uuid, d.audit.changed_on)
    )
}

/// Resolves `{id_or_slug}` to a dashboard the caller may see.
pub(super) async fn visible_dashboard(
    state: &AppState,
    caller: &Principal,
    id_or_slug: &str,
) -> ApiResult<Dashboard> {
    let id = match id_or_slug.parse::<i64>() {
        Ok(id) => id,
        Err(_) => state
            .store
            .dashboard_id_by_slug(id_or_slug)
            .await?
            .ok_or_else(ApiError::not_found)?,
    };
    if !crate::listing::is_visible(state, &DASHBOARDS, caller, id).await? {
        return Err(ApiError::not_found());
    }
    Ok(state.store.dashboard(id).await?)
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Json> {
    let d = visible_dashboard(&state, &caller, &id_or_slug).await?;
    let v = &d.values;
    let a = &d.audit;
    let now = Timestamp::now();
    let owners: Vec<Value> = d
        .owners
        .iter()
        .map(|u| json!({"first_name": u.first_name, "id": u.id, "last_name": u.last_name}))
        .collect();
    let mut result = json!({
        "certification_details": v.certification_details,
        "certified_by": v.certified_by,
        "changed_by": user_brief(&a.changed_by),
        "changed_by_name": user_name(&a.changed_by),
        "changed_on": a.changed_on.iso(),
        "changed_on_delta_humanized": a.changed_on.humanize(now),
        "charts": d.charts.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>(),
        "created_by": user_brief(&a.created_by),
        "created_on_delta_humanized": a.created_on.humanize(now),
        "css": v.css,
        "dashboard_title": v.dashboard_title,
        "id": d.id,
        "is_managed_externally": v.is_managed_externally,
        "json_metadata": v.json_metadata,
        "owners": owners,
        "position_json": v.position_json,
        "published": v.published,
        "roles": roles_json(&d),
        "slug": v.slug,
        "tags": [],
        "theme": null,
        "thumbnail_url": thumbnail_url(&d),
        "url": d.url(),
        "uuid": d.uuid,
    });
    // A guest does not learn who owns or edits the dashboard.
    if caller.guest.is_some()
        && let Some(fields) = result.as_object_mut()
    {
        for key in ["owners", "changed_by", "changed_by_name"] {
            fields.remove(key);
        }
    }
    ok(json!({ "result": result }))
}

async fn charts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Json> {
    let d = visible_dashboard(&state, &caller, &id_or_slug).await?;
    let ids = state.store.dashboard_chart_ids(d.id).await?;
    let result: Vec<Value> = state
        .store
        .charts(&ids)
        .await?
        .iter()
        .map(|c| {
            let v = &c.values;
            json!({
                "cache_timeout": v.cache_timeout,
                "certification_details": v.certification_details,
                "certified_by": v.certified_by,
                "changed_on": c.audit.changed_on.iso(),
                "description": v.description,
                "description_markeddown": markdown(&v.description),
                "form_data": super::chart::form_data(c),
                "id": c.id,
                "slice_name": v.slice_name,
                "slice_url": format!(
                    "/explore/?slice_id={id}&form_data=%7B%22slice_id%22%3A%20{id}%7D",
                    id = c.id
                ),
            })
        })
        .collect();
    ok(json!({ "result": result }))
}

async fn datasets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Json> {
    let d = visible_dashboard(&state, &caller, &id_or_slug).await?;
    let chart_ids = state.store.dashboard_chart_ids(d.id).await?;
    let mut dataset_ids = vec![];
    for chart in state.store.charts(&chart_ids).await? {
        if let Some(dataset) = &chart.dataset
            && !dataset_ids.contains(&dataset.id)
        {
            dataset_ids.push(dataset.id);
        }
    }
    let result: Vec<Value> = state
        .store
        .datasets(&dataset_ids)
        .await?
        .iter()
        .map(dataset_json)
        .collect();
    ok(json!({ "result": result }))
}

/// One dataset of `GET /dashboard/{id_or_slug}/datasets` (`DashboardDatasetSchema`).
fn dataset_json(ds: &Dataset) -> Value {
    let v = &ds.values;
    let mut columns = ds.columns.clone();
    columns.sort_by(|a, b| a.column_name.cmp(&b.column_name));
    let qualified = match v.schema.as_deref() {
        Some(schema) if !schema.is_empty() => format!("{schema}.{}", v.table_name),
        _ => v.table_name.clone(),
    };
    let mut verbose_map = Map::new();
    verbose_map.insert("__timestamp".into(), json!("Time"));
    for c in &columns {
        let label = c
            .verbose_name
            .clone()
            .unwrap_or_else(|| c.column_name.clone());
        verbose_map.insert(c.column_name.clone(), json!(label));
    }
    for m in &ds.metrics {
        let label = m
            .verbose_name
            .clone()
            .unwrap_or_else(|| m.metric_name.clone());
        verbose_map.insert(m.metric_name.clone(), json!(label));
    }
    let mut column_types: Vec<i64> = columns.iter().filter_map(|c| c.type_generic()).collect();
    column_types.sort_unstable();
    column_types.dedup();
    let column_formats: Map<String, Value> = ds
        .metrics
        .iter()
        .filter_map(|m| {
            m.d3format
                .as_ref()
                .map(|f| (m.metric_name.clone(), json!(f)))
        })
        .collect();
    let order_by_choices: Vec<Value> = columns
        .iter()
        .flat_map(|c| {
            let name = &c.column_name;
            [
                json!([format!("[\"{name}\", true]"), format!("{name} [asc]")]),
                json!([format!("[\"{name}\", false]"), format!("{name} [desc]")]),
            ]
        })
        .collect();
    let column_json: Vec<Value> = columns
        .iter()
        .map(|c| {
            json!({
                "advanced_data_type": c.advanced_data_type,
                "certification_details": null,
                "certified_by": null,
                "column_name": c.column_name,
                "description": c.description,
                "expression": c.expression,
                "filterable": c.filterable,
                "groupby": c.groupby,
                "id": c.id,
                "is_certified": false,
                "is_dttm": c.is_dttm,
                "python_date_format": c.python_date_format,
                "type": c.r#type,
                "type_generic": c.type_generic(),
                "uuid": c.uuid,
                "verbose_name": c.verbose_name,
                "warning_markdown": null,
            })
        })
        .collect();
    let metric_json: Vec<Value> = ds
        .metrics
        .iter()
        .map(|m| {
            json!({
                "certification_details": null,
                "certified_by": null,
                "currency": m.currency,
                "d3format": m.d3format,
                "description": m.description,
                "expression": m.expression,
                "id": m.id,
                "is_certified": false,
                "metric_name": m.metric_name,
                "uuid": m.uuid,
                "verbose_name": m.verbose_name,
                "warning_markdown": null,
                "warning_text": m.warning_text,
            })
        })
        .collect();
    let owners: Vec<Value> = ds
        .owners
        .iter()
        .map(|u| json!({"email": u.email, "first_name": u.first_name, "id": u.id, "last_name": u.last_name, "username": u.username}))
        .collect();
    json!({
        "always_filter_main_dttm": v.always_filter_main_dttm,
        "cache_timeout": v.cache_timeout,
        "column_formats": column_formats,
        "column_names": columns.iter().map(|c| c.column_name.clone()).collect::<Vec<_>>(),
        "column_types": column_types,
        "columns": column_json,
        "currency_code_column": null,
        "database": {
            "allow_multi_catalog": false,
            "allows_cost_estimate": false,
            "allows_subquery": true,
            "allows_virtual_table_explore": true,
            "backend": ds.database.backend,
            "disable_data_preview": false,
            "disable_drill_to_detail": false,
            "explore_database_id": ds.database.id,
            "id": ds.database.id,
            "name": ds.database.database_name,
        },
        "datasource_name": v.table_name,
        "default_endpoint": v.default_endpoint,
        "edit_url": format!("/tablemodelview/edit/{}", ds.id),
        "fetch_values_predicate": v.fetch_values_predicate,
        "filter_select": v.filter_select_enabled,
        "filter_select_enabled": v.filter_select_enabled,
        "granularity_sqla": columns.iter().filter(|c| c.is_dttm).map(|c| json!([c.column_name, c.column_name])).collect::<Vec<_>>(),
        "health_check_message": null,
        "id": ds.id,
        "is_sqllab_view": v.is_sqllab_view,
        "main_dttm_col": v.main_dttm_col,
        "metrics": metric_json,
        "name": qualified,
        "normalize_columns": v.normalize_columns,
        "offset": v.offset,
        "order_by_choices": order_by_choices,
        "owners": owners,
        "params": null,
        "perm": ds.perm(),
        "schema": v.schema,
        "select_star": format!("SELECT\n  *\nFROM {qualified}\nLIMIT 100\nOFFSET 0"),
        "sql": v.sql,
        "table_name": v.table_name,
        "template_params": v.template_params,
        "time_grain_sqla": tessera_engine::grain::GRAINS.iter().map(|(k, l)| json!([k, l])).collect::<Vec<_>>(),
        "type": "table",
        "uid": format!("{}__table", ds.id),
        "verbose_map": verbose_map,
    })
}

/// Superset's slug `pre_load`: trim, spaces to dashes, drop everything but `[\w-]`.
/// Only non-empty strings are touched; one that normalises to nothing becomes null.
fn normalize_slug(body: &mut Map<String, Value>) {
    let Some(Value::String(slug)) = body.get("slug") else {
        return;
    };
    if slug.is_empty() {
        return;
    }
    let normalized: String = slug
        .trim()
        .replace(' ', "-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let value = if normalized.is_empty() {
        Value::Null
    } else {
        json!(normalized)
    };
    body.insert("slug".into(), value);
}

/// `DashboardJSONMetadataSchema`: unknown keys of `json_metadata` are a 400.
fn check_metadata(body: &Map<String, Value>) -> ApiResult<()> {
    let Some(text) = body.str_of("json_metadata") else {
        return Ok(());
    };
    // Syntax errors were reported by `validate`; a non-object is marshmallow's
    // "Invalid input type." for the nested schema.
    let metadata = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(metadata)) => metadata,
        Ok(_) => {
            return Err(ApiError::bad_request(
                json!({"json_metadata": [{"_schema": ["Invalid input type."]}]}),
            ));
        }
        Err(_) => return Ok(()),
    };
    let unknown: Map<String, Value> = metadata
        .keys()
        .filter(|k| !METADATA_KEYS.contains(&k.as_str()))
        .map(|k| (k.clone(), json!(["Unknown field."])))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            json!({"json_metadata": [Value::Object(unknown)]}),
        ))
    }
}

/// Validates a body the way Superset's schemas load it: slug normalised first.
fn load(mut body: Map<String, Value>, fields: &[Field]) -> ApiResult<Map<String, Value>> {
    normalize_slug(&mut body);
    validate(&body, fields, StatusCode::BAD_REQUEST)?;
    check_metadata(&body)?;
    Ok(body)
}

/// Superset rewrites `json_metadata` on update, adding the colour keys it manages.
fn with_color_keys(text: &str) -> String {
    let Ok(Value::Object(metadata)) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let mut extra = vec![];
    if !metadata.contains_key("map_label_colors") {
        extra.push("\"map_label_colors\": {}");
    }
    if !metadata.contains_key("color_scheme_domain") {
        extra.push("\"color_scheme_domain\": []");
    }
    let trimmed = text.trim_end();
    let Some(head) = trimmed.strip_suffix('}') else {
        return text.to_string();
    };
    if extra.is_empty() {
        return text.to_string();
    }
    let separator = if metadata.is_empty() { "" } else { ", " };
    format!("{}{separator}{}}}", head.trim_end(), extra.join(", "))
}

/// Applies the fields present in a validated body to `values`.
fn apply(body: &Map<String, Value>, values: &mut DashboardValues) {
    let text = |key: &str| body.str_of(key);
    macro_rules! set {
        ($($field:ident),* $(,)?) => {
            $(if body.has(stringify!($field)) { values.$field = text(stringify!($field)); })*
        };
    }
    set!(
        dashboard_title,
        slug,
        position_json,
        json_metadata,
        css,
        certified_by,
        certification_details,
        external_url,
    );
    if let Some(published) = body.bool_of("published") {
        values.published = published;
    }
    if let Some(managed) = body.bool_of("is_managed_externally") {
        values.is_managed_externally = managed;
    }
}

fn slug_taken() -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "slug", "Must be unique")
}

/// Business rules shared by create and update; errors are 422 field maps. `own_id` is
/// the dashboard being updated, whose own slug is no conflict.
async fn check_links(
    state: &AppState,
    body: &Map<String, Value>,
    own_id: Option<i64>,
) -> ApiResult<()> {
    let mut errors = Map::new();
    if let Some(owners) = body.ints_of("owners")
        && state.store.existing_user_ids(&owners).await?.len() != dedup(&owners).len()
    {
        errors.insert("owners".into(), json!(["Owners are invalid"]));
    }
    if let Some(roles) = body.ints_of("roles")
        && state.store.existing_role_ids(&roles).await?.len() != dedup(&roles).len()
    {
        errors.insert("roles".into(), json!(["Some roles do not exist"]));
    }
    if let Some(slug) = body.str_of("slug")
        && let Some(id) = state.store.dashboard_id_by_slug(&slug).await?
        && Some(id) != own_id
    {
        errors.insert("slug".into(), json!(["Must be unique"]));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Message(
            StatusCode::UNPROCESSABLE_ENTITY,
            Value::Object(errors),
        ))
    }
}

/// A uniqueness conflict the store reports on write: the slug's is a field error.
fn write_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(what) if what.contains("slug") => slug_taken(),
        other => other.into(),
    }
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    let body = load(body, POST_FIELDS)?;
    check_links(&state, &body, None).await?;
    let mut values = DashboardValues::default();
    apply(&body, &mut values);
    let uuid = match body.str_of("uuid") {
        Some(text) => Uuid::parse_str(&text)
            .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "uuid", "Not a valid UUID."))?,
        None => Uuid::new_v4(),
    };
    let owners = owners_with_caller(body.ints_of("owners"), &caller);
    let roles = body.ints_of("roles").unwrap_or_default();
    let id = state
        .store
        .insert_dashboard(uuid, &values, &owners, &roles, caller.id())
        .await
        .map_err(write_error)?;
    Ok((
        StatusCode::CREATED,
        crate::response::json(&json!({"id": id, "result": body})),
    ))
}

/// Loads a dashboard the caller may change: 404 if they cannot see it, 403 if they do
/// not own it.
async fn owned_dashboard(state: &AppState, caller: &Principal, id: i64) -> ApiResult<Dashboard> {
    let dashboard = visible_dashboard(state, caller, &id.to_string()).await?;
    super::require_owner(caller, &dashboard.owners)?;
    Ok(dashboard)
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let body = load(body, PUT_FIELDS)?;
    let dashboard = owned_dashboard(&state, &caller, pk).await?;
    check_links(&state, &body, Some(pk)).await?;
    let mut values = dashboard.values.clone();
    apply(&body, &mut values);
    if let Some(metadata) = &values.json_metadata
        && body.has("json_metadata")
    {
        values.json_metadata = Some(with_color_keys(metadata));
    }
    let owners = body
        .has("owners")
        .then(|| owners_with_caller(body.ints_of("owners"), &caller));
    let roles = body
        .has("roles")
        .then(|| body.ints_of("roles").unwrap_or_default());
    state
        .store
        .update_dashboard(
            pk,
            &values,
            owners.as_deref(),
            roles.as_deref(),
            caller.id(),
        )
        .await
        .map_err(write_error)?;
    let changed_on = state.store.dashboard(pk).await?.audit.changed_on;
    // Superset drops the microseconds: `changed_on.replace(microsecond=0).timestamp()`.
    let last_modified_time = changed_on.0.div_euclid(1_000_000) as f64;
    ok(json!({"id": pk, "last_modified_time": last_modified_time, "result": body}))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    owned_dashboard(&state, &caller, pk).await?;
    state.store.delete_dashboards(&[pk]).await?;
    ok(json!({"message": "OK"}))
}

async fn bulk_delete(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let ids = dedup(&q.ids()?);
    for id in &ids {
        owned_dashboard(&state, &caller, *id).await?;
    }
    state.store.delete_dashboards(&ids).await?;
    ok(deleted_message(ids.len(), "dashboard"))
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    crate::listing::info_response(
        &q,
        &caller,
        VIEW,
        info_filters(&DASHBOARDS),
        POST_FIELDS,
        PUT_FIELDS,
        "Dashboard",
    )
}

async fn related(
    State(state): State<AppState>,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    crate::listing::related_users(&state, &q, &column, &["owners", "created_by", "changed_by"])
        .await
}

async fn favorite_status(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    crate::listing::favorite_status(&state, &caller, FavoriteClass::Dashboard, &q).await
}

async fn add_favorite(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    crate::listing::set_favorite(
        &state,
        &caller,
        &DASHBOARDS,
        FavoriteClass::Dashboard,
        pk,
        true,
    )
    .await
}

async fn remove_favorite(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    crate::listing::set_favorite(
        &state,
        &caller,
        &DASHBOARDS,
        FavoriteClass::Dashboard,
        pk,
        false,
    )
    .await
}
