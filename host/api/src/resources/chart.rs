//! `/api/v1/chart`: list, get, create, update, delete, `_info`, related, favourites.

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
use tessera_model::{Chart, ChartValues, Timestamp};
use tessera_store::{CHARTS, FavoriteClass};
use uuid::Uuid;

const VIEW: &str = "Chart";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/chart",
        perm("can_read", VIEW),
        "List charts",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/chart",
        perm("can_write", VIEW),
        "Create a chart",
        create,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/chart",
        perm("can_write", VIEW),
        "Delete charts in bulk",
        bulk_delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/chart/_info",
        perm("can_read", VIEW),
        "Chart metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/chart/favorite_status",
        perm("can_read", VIEW),
        "Favourite status of charts",
        favorite_status,
    )
    .guarded(
        Method::GET,
        "/api/v1/chart/related/{column}",
        perm("can_read", VIEW),
        "Related users of charts",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/chart/{pk}",
        perm("can_read", VIEW),
        "Get a chart by id or uuid",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/chart/{pk}",
        perm("can_write", VIEW),
        "Update a chart",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/chart/{pk}",
        perm("can_write", VIEW),
        "Delete a chart",
        delete,
    )
    .guarded(
        Method::POST,
        "/api/v1/chart/{pk}/favorites",
        perm("can_read", VIEW),
        "Star a chart",
        add_favorite,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/chart/{pk}/favorites",
        perm("can_read", VIEW),
        "Unstar a chart",
        remove_favorite,
    )
}

const DATASOURCE_TYPES: &[&str] = &["table", "dataset", "query", "saved_query", "view"];

const POST_FIELDS: &[Field] = &[
    Field::new("slice_name", FieldType::Str { min: 1, max: 250 }).required(),
    Field::new(
        "description",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("viz_type", FieldType::Str { min: 0, max: 250 }),
    Field::new("owners", FieldType::IntList),
    Field::new("params", FieldType::JsonStr),
    Field::new("query_context", FieldType::JsonStr),
    Field::new("query_context_generation", FieldType::Bool),
    Field::new("cache_timeout", FieldType::Int),
    Field::new("datasource_id", FieldType::Int).required(),
    Field::new("datasource_type", FieldType::OneOf(DATASOURCE_TYPES)).required(),
    Field::new(
        "datasource_name",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("dashboards", FieldType::IntList),
    Field::new(
        "certified_by",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "certification_details",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new(
        "external_url",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

const PUT_FIELDS: &[Field] = &[
    Field::new("slice_name", FieldType::Str { min: 0, max: 250 }),
    Field::new(
        "description",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("viz_type", FieldType::Str { min: 0, max: 250 }),
    Field::new("owners", FieldType::IntList),
    Field::new("params", FieldType::JsonStr),
    Field::new("query_context", FieldType::JsonStr),
    Field::new("query_context_generation", FieldType::Bool),
    Field::new("cache_timeout", FieldType::Int),
    Field::new("datasource_id", FieldType::Int),
    Field::new("datasource_type", FieldType::OneOf(DATASOURCE_TYPES)),
    Field::new("dashboards", FieldType::IntList),
    Field::new(
        "certified_by",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new(
        "certification_details",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("is_managed_externally", FieldType::Bool),
    Field::new(
        "external_url",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    ),
    Field::new("tags", FieldType::IntList),
    Field::new("uuid", FieldType::Str { min: 36, max: 36 }),
];

static LIST: ListSpec = ListSpec {
    resource: &CHARTS,
    list_columns: &[
        "is_managed_externally",
        "certified_by",
        "certification_details",
        "cache_timeout",
        "changed_by.first_name",
        "changed_by.last_name",
        "changed_by.id",
        "changed_by_name",
        "changed_on_delta_humanized",
        "changed_on_dttm",
        "changed_on_utc",
        "created_by.first_name",
        "created_by.id",
        "created_by.last_name",
        "created_by_name",
        "created_on_delta_humanized",
        "datasource_id",
        "datasource_name_text",
        "datasource_type",
        "datasource_url",
        "description",
        "description_markeddown",
        "edit_url",
        "form_data",
        "id",
        "last_saved_at",
        "last_saved_by.id",
        "last_saved_by.first_name",
        "last_saved_by.last_name",
        "owners.first_name",
        "owners.id",
        "owners.last_name",
        "owners.email",
        "dashboards.id",
        "dashboards.dashboard_title",
        "params",
        "slice_name",
        "slice_url",
        "table.default_endpoint",
        "table.table_name",
        "thumbnail_url",
        "url",
        "viz_type",
        "tags.id",
        "tags.name",
        "tags.type",
        "uuid",
    ],
    title: "List Slice",
    max_page_size: Some(100),
};

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let load = async |ids: &[i64]| state.store.charts(ids).await;
    crate::listing::list_page(&state, &caller, &q, &LIST, load, list_row).await
}

fn datasource_id(chart: &Chart) -> Value {
    json!(chart.dataset.as_ref().map(|d| d.id))
}

/// Every default list column of one chart; `ListArgs::response` projects it.
fn list_row(c: &Chart, now: Timestamp) -> Map<String, Value> {
    let v = &c.values;
    let a = &c.audit;
    let mut row = json!({
        "cache_timeout": v.cache_timeout,
        "certification_details": v.certification_details,
        "certified_by": v.certified_by,
        "changed_by": user_brief(&a.changed_by),
        "changed_by_name": user_name(&a.changed_by),
        "changed_on_delta_humanized": a.changed_on.humanize(now),
        "changed_on_dttm": a.changed_on.epoch_millis(),
        "changed_on_utc": a.changed_on.utc(),
        "created_by": user_brief(&a.created_by),
        "created_by_name": user_name(&a.created_by),
        "created_on_delta_humanized": a.created_on.humanize(now),
        "dashboards": c.dashboards.iter().map(|d| json!({"dashboard_title": d.dashboard_title, "id": d.id})).collect::<Vec<_>>(),
        "datasource_id": datasource_id(c),
        "datasource_name_text": c.dataset.as_ref().map(|d| d.name_text()),
        "datasource_type": v.datasource_type,
        "datasource_url": datasource_url(c),
        "description": v.description,
        "description_markeddown": markdown(&v.description),
        "edit_url": format!("/chart/edit/{}", c.id),
        "form_data": form_data(c),
        "id": c.id,
        "is_managed_externally": v.is_managed_externally,
        "last_saved_at": c.last_saved_at.map(Timestamp::iso),
        "last_saved_by": user_brief(&c.last_saved_by),
        "owners": owners_json(&c.owners),
        "params": v.params,
        "slice_name": v.slice_name,
        "slice_url": slice_url(c.id),
        "table": c.dataset.as_ref().map(|d| json!({"default_endpoint": d.default_endpoint, "table_name": d.table_name})),
        "tags": [],
        "thumbnail_url": thumbnail_url(c),
        "url": format!("/explore/?slice_id={}", c.id),
        "uuid": c.uuid,
        "viz_type": v.viz_type,
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

fn slice_url(id: i64) -> String {
    format!("/explore/?slice_id={id}&form_data=%7B%22slice_id%22%3A%20{id}%7D")
}

fn thumbnail_url(c: &Chart) -> String {
    format!(
        "/api/v1/chart/{}/thumbnail/{}/",
        c.id,
        thumbnail_digest(&c.uuid, c.audit.changed_on)
    )
}

fn datasource_url(c: &Chart) -> Option<String> {
    let dataset = c.dataset.as_ref()?;
    let kind = c.values.datasource_type.as_deref().unwrap_or("table");
    Some(format!(
        "/explore/?datasource_type={kind}&datasource_id={}",
        dataset.id
    ))
}

/// Superset's `Slice.form_data`: the saved params plus the chart's identity.
pub fn form_data(c: &Chart) -> Value {
    let v = &c.values;
    let mut data = v
        .params
        .as_deref()
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    data["slice_id"] = json!(c.id);
    data["viz_type"] = json!(v.viz_type);
    if let (Some(id), Some(kind)) = (v.datasource_id, &v.datasource_type) {
        data["datasource"] = json!(format!("{id}__{kind}"));
    }
    if let Some(timeout) = v.cache_timeout {
        data["cache_timeout"] = json!(timeout);
    }
    data
}

/// Resolves `{id_or_uuid}` to a chart the caller may see.
pub(super) async fn visible_chart(
    state: &AppState,
    caller: &Principal,
    id_or_uuid: &str,
) -> ApiResult<Chart> {
    let id = match id_or_uuid.parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            let uuid = Uuid::parse_str(id_or_uuid).map_err(|_| ApiError::not_found())?;
            state
                .store
                .chart_id_by_uuid(&uuid)
                .await?
                .ok_or_else(ApiError::not_found)?
        }
    };
    if !crate::listing::is_visible(state, &CHARTS, caller, id).await? {
        return Err(ApiError::not_found());
    }
    Ok(state.store.chart(id).await?)
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id_or_uuid): Path<String>,
) -> ApiResult<Json> {
    let c = visible_chart(&state, &caller, &id_or_uuid).await?;
    let v = &c.values;
    let now = Timestamp::now();
    let mut result = json!({
        // ChartGetResponseSchema declares cache_timeout a String.
        "cache_timeout": v.cache_timeout.map(|t| t.to_string()),
        "certification_details": v.certification_details,
        "certified_by": v.certified_by,
        "changed_on_delta_humanized": c.audit.changed_on.humanize(now),
        "dashboards": c.dashboards.iter().map(|d| json!({"dashboard_title": d.dashboard_title, "id": d.id, "json_metadata": d.json_metadata})).collect::<Vec<_>>(),
        "datasource_id": datasource_id(&c),
        "datasource_name_text": c.dataset.as_ref().map(|d| d.name_text()),
        "datasource_type": v.datasource_type,
        "datasource_url": datasource_url(&c),
        "description": v.description,
        "id": c.id,
        "is_managed_externally": v.is_managed_externally,
        "owners": owners_json(&c.owners),
        "params": v.params,
        "query_context": v.query_context,
        "slice_name": v.slice_name,
        "tags": [],
        "thumbnail_url": thumbnail_url(&c),
        "url": format!("/explore/?slice_id={}", c.id),
        "uuid": c.uuid,
        "viz_type": v.viz_type,
    });
    // Superset leaves the key out, rather than null, once the dataset is gone.
    if let Some(dataset) = &c.dataset {
        result["datasource_uuid"] = json!(dataset.uuid);
    }
    ok(json!({ "result": result }))
}

/// Applies the fields present in a validated body to `values`.
fn apply(body: &Map<String, Value>, values: &mut ChartValues) {
    let text = |key: &str| body.str_of(key);
    if body.has("slice_name") {
        values.slice_name = text("slice_name").unwrap_or_default();
    }
    macro_rules! set {
        ($($field:ident => $read:expr),* $(,)?) => {
            $(if body.has(stringify!($field)) { values.$field = $read(stringify!($field)); })*
        };
    }
    set!(
        viz_type => text,
        datasource_type => text,
        datasource_name => text,
        params => text,
        query_context => text,
        description => text,
        certified_by => text,
        certification_details => text,
        external_url => text,
        datasource_id => |k| body.int_of(k),
        cache_timeout => |k| body.int_of(k),
    );
    if let Some(managed) = body.bool_of("is_managed_externally") {
        values.is_managed_externally = managed;
    }
}

/// Business rules shared by create and update; errors are 422 field maps.
async fn check_links(state: &AppState, body: &Map<String, Value>) -> ApiResult<()> {
    let mut errors = Map::new();
    if let Some(owners) = body.ints_of("owners")
        && state.store.existing_user_ids(&owners).await?.len() != dedup(&owners).len()
    {
        errors.insert("owners".into(), json!(["Owners are invalid"]));
    }
    if let Some(id) = body.int_of("datasource_id")
        && !state.store.dataset_exists(id).await?
    {
        errors.insert("datasource_id".into(), json!(["Datasource does not exist"]));
    }
    if let Some(dashboards) = body.ints_of("dashboards")
        && state.store.existing_dashboard_ids(&dashboards).await?.len() != dedup(&dashboards).len()
    {
        errors.insert("dashboards".into(), json!(["Dashboards do not exist"]));
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

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    validate(&body, POST_FIELDS, StatusCode::BAD_REQUEST)?;
    check_links(&state, &body).await?;
    let mut values = ChartValues::default();
    apply(&body, &mut values);
    let uuid = match body.str_of("uuid") {
        Some(text) => Uuid::parse_str(&text)
            .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "uuid", "Not a valid UUID."))?,
        None => Uuid::new_v4(),
    };
    let owners = owners_with_caller(body.ints_of("owners"), &caller);
    let dashboards = body.ints_of("dashboards").unwrap_or_default();
    let id = state
        .store
        .insert_chart(uuid, &values, &owners, &dashboards, caller.id())
        .await?;
    Ok((
        StatusCode::CREATED,
        crate::response::json(&json!({"id": id, "result": body})),
    ))
}

/// Loads a chart the caller may change: 404 if they cannot see it, 403 if they do not own it.
async fn owned_chart(state: &AppState, caller: &Principal, id: i64) -> ApiResult<Chart> {
    let chart = visible_chart(state, caller, &id.to_string()).await?;
    super::require_owner(caller, &chart.owners)?;
    Ok(chart)
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    validate(&body, PUT_FIELDS, StatusCode::BAD_REQUEST)?;
    let chart = owned_chart(&state, &caller, pk).await?;
    check_links(&state, &body).await?;
    let mut values = chart.values.clone();
    apply(&body, &mut values);
    if values.slice_name.is_empty() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "slice_name",
            "Length must be between 1 and 250.",
        ));
    }
    let owners = body
        .has("owners")
        .then(|| owners_with_caller(body.ints_of("owners"), &caller));
    let dashboards = body.ints_of("dashboards");
    state
        .store
        .update_chart(
            pk,
            &values,
            owners.as_deref(),
            dashboards.as_deref(),
            caller.id(),
        )
        .await?;
    ok(json!({"id": pk, "result": body}))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    owned_chart(&state, &caller, pk).await?;
    state.store.delete_charts(&[pk]).await?;
    ok(json!({"message": "OK"}))
}

async fn bulk_delete(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let ids = dedup(&q.ids()?);
    for id in &ids {
        owned_chart(&state, &caller, *id).await?;
    }
    state.store.delete_charts(&ids).await?;
    ok(deleted_message(ids.len(), "chart"))
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    crate::listing::info_response(
        &q,
        &caller,
        VIEW,
        info_filters(&CHARTS),
        POST_FIELDS,
        PUT_FIELDS,
        "Slice",
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
    crate::listing::favorite_status(&state, &caller, FavoriteClass::Chart, &q).await
}

async fn add_favorite(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    crate::listing::set_favorite(&state, &caller, &CHARTS, FavoriteClass::Chart, pk, true).await
}

async fn remove_favorite(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<i64>,
) -> ApiResult<Json> {
    crate::listing::set_favorite(&state, &caller, &CHARTS, FavoriteClass::Chart, pk, false).await
}
