//! Embedded dashboards: `/dashboard/{id_or_slug}/embedded` turns embedding on, changes
//! or reads its allowed domains, or turns it off; `/embedded_dashboard/{uuid}` is what
//! the embed SDK reads.

use super::dashboard::visible_dashboard;
use crate::body::{Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::principal::Caller;
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_model::EmbeddedDashboard;
use uuid::Uuid;

pub fn routes(r: Routes) -> Routes {
    let set = perm("can_set_embedded", "Dashboard");
    r.guarded(
        Method::GET,
        "/api/v1/dashboard/{pk}/embedded",
        perm("can_read", "Dashboard"),
        "A dashboard's embedding configuration",
        get,
    )
    .guarded(
        Method::POST,
        "/api/v1/dashboard/{pk}/embedded",
        set,
        "Embed a dashboard or change its allowed domains",
        set_embedded,
    )
    .guarded(
        Method::PUT,
        "/api/v1/dashboard/{pk}/embedded",
        set,
        "Embed a dashboard or change its allowed domains",
        set_embedded,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/dashboard/{pk}/embedded",
        set,
        "Stop embedding a dashboard",
        delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/embedded_dashboard/{uuid}",
        perm("can_read", "EmbeddedDashboard"),
        "An embedded dashboard by its uuid",
        by_uuid,
    )
}

const FIELDS: &[Field] = &[Field::new("allowed_domains", FieldType::StrList)
    .required()
    .not_null()];

fn result(e: &EmbeddedDashboard) -> Value {
    let changed_by = e.audit.changed_by.as_ref().map(|u| {
        json!({"first_name": u.first_name, "id": u.id, "last_name": u.last_name, "username": u.username})
    });
    json!({"result": {
        "allowed_domains": e.allowed_domains,
        "changed_by": changed_by,
        "changed_on": e.audit.changed_on.iso(),
        // A string in Superset's schema.
        "dashboard_id": e.dashboard_id.to_string(),
        "uuid": e.uuid,
    }})
}

async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Response> {
    let dashboard = visible_dashboard(&state, &caller, &pk).await?;
    Ok(
        match state.store.embedded_of_dashboard(dashboard.id).await? {
            Some(embedded) => crate::response::json(&result(&embedded)).into_response(),
            // FAB's bare `response(404)`: an empty object.
            None => (StatusCode::NOT_FOUND, crate::response::json(&json!({}))).into_response(),
        },
    )
}

async fn set_embedded(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    validate(&body, FIELDS, StatusCode::BAD_REQUEST)?;
    let dashboard = visible_dashboard(&state, &caller, &pk).await?;
    let domains: Vec<String> = body["allowed_domains"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let embedded = state
        .store
        .upsert_embedded(dashboard.id, &domains, caller.id())
        .await?;
    ok(result(&embedded))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    let dashboard = visible_dashboard(&state, &caller, &pk).await?;
    state.store.delete_embedded(dashboard.id).await?;
    ok(json!({"message": "OK"}))
}

async fn by_uuid(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json> {
    let uuid = Uuid::parse_str(&uuid).map_err(|_| ApiError::not_found())?;
    let embedded = state
        .store
        .embedded_by_uuid(&uuid)
        .await?
        .ok_or_else(ApiError::not_found)?;
    ok(result(&embedded))
}
