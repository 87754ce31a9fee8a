//! `/api/v1/security/roles/`: FAB's role CRUD, the permissions and users of a role
//! (each replaced as a whole), and Superset's `roles/search/`.

use super::dedup;
use super::query::parse_pk;
use super::security_catalog::{
    ROLE_MODEL, delete_on, get_on, info_on, integrity_as_422, post_on, put_on,
};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListArgs, Q};
use crate::principal::Caller;
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use tessera_store::ROLES;

const VIEW: &str = "Role";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/security/roles",
        get_on(VIEW),
        "List roles",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/security/roles",
        post_on(VIEW),
        "Create a role",
        create,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/roles/_info",
        info_on(VIEW),
        "Role metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/roles/search",
        get_on(VIEW),
        "Search roles with their users and permissions",
        search,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/roles/{pk}",
        get_on(VIEW),
        "Get a role",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/security/roles/{pk}",
        put_on(VIEW),
        "Rename a role",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/security/roles/{pk}",
        delete_on(VIEW),
        "Delete a role",
        delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/roles/{pk}/permissions",
        perm("can_list_role_permissions", VIEW),
        "The permissions granted to a role",
        permissions,
    )
    .guarded(
        Method::POST,
        "/api/v1/security/roles/{pk}/permissions",
        perm("can_add_role_permissions", VIEW),
        "Replace the permissions granted to a role",
        set_permissions,
    )
    .guarded(
        Method::PUT,
        "/api/v1/security/roles/{pk}/users",
        perm("can_update_role_users", VIEW),
        "Replace the users of a role",
        set_users,
    )
}

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    ROLE_MODEL.list(&state, &caller, &q).await
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    ROLE_MODEL.info(&caller, &q)
}

async fn get(State(state): State<AppState>, q: Q, Path(pk): Path<String>) -> ApiResult<Json> {
    ROLE_MODEL.get(&state, &q, &pk).await
}

async fn create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    ROLE_MODEL.create(&state, body).await
}

async fn update(
    State(state): State<AppState>,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    ROLE_MODEL.update(&state, &pk, body).await
}

async fn delete(State(state): State<AppState>, Path(pk): Path<String>) -> ApiResult<Json> {
    ROLE_MODEL.remove(&state, &pk).await
}

/// `{"count", "ids", "result": [{id, name, user_ids, permission_ids, group_ids}]}`,
/// filtered by name and by the users and permission-views linked.
async fn search(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    let args = ListArgs::parse(&q, &ROLE_MODEL.list, &caller)?;
    let (count, ids) = state.store.list_ids(&ROLES, &args.query).await?;
    let roles = state.store.roles(&ids).await?;
    let mut links = state.store.role_links(&ids).await?;
    let result: Vec<Value> = roles
        .iter()
        .map(|role| {
            let linked = links.remove(&role.id).unwrap_or_default();
            json!({
                "id": role.id, "name": role.name, "user_ids": linked.user_ids,
                "permission_ids": linked.permission_ids, "group_ids": [],
            })
        })
        .collect();
    ok(json!({"count": count, "ids": ids, "result": result}))
}

async fn permissions(State(state): State<AppState>, Path(pk): Path<String>) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    if state.store.roles(&[id]).await?.is_empty() {
        return Err(ApiError::not_found());
    }
    let result: Vec<Value> = state
        .store
        .role_permission_resources(id)
        .await?
        .iter()
        .map(|pv| {
            json!({"id": pv.id, "permission_name": pv.permission.name, "view_menu_name": pv.view_menu.name})
        })
        .collect();
    ok(json!({ "result": result }))
}

const PERMISSIONS_FIELDS: &[Field] =
    &[Field::new("permission_view_menu_ids", FieldType::IntList).required()];

const USERS_FIELDS: &[Field] = &[Field::new("user_ids", FieldType::IntList).required()];

/// Replaces the role's permission-views; ids that name none are skipped, as FAB does.
async fn set_permissions(
    State(state): State<AppState>,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let ids = list_of(&body, PERMISSIONS_FIELDS)?;
    let saved = state.store.set_role_links(id, Some(&ids), None).await;
    state.identities.forget_all();
    saved.map_err(integrity_as_422)?;
    ok(json!({"result": body}))
}

/// Replaces the role's users; 404 when the role or any user does not exist.
async fn set_users(
    State(state): State<AppState>,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let ids = list_of(&body, USERS_FIELDS)?;
    if state.store.existing_user_ids(&ids).await?.len() != ids.len() {
        return Err(ApiError::not_found());
    }
    let saved = state.store.set_role_links(id, None, Some(&ids)).await;
    state.identities.forget_all();
    saved.map_err(integrity_as_422)?;
    ok(json!({"result": body}))
}

/// The one id list of a role-link body (FAB's schemas answer 400 when it is wrong).
fn list_of(body: &Map<String, Value>, fields: &[Field]) -> ApiResult<Vec<i64>> {
    validate(body, fields, StatusCode::BAD_REQUEST)?;
    Ok(dedup(&body.ints_of(fields[0].name).unwrap_or_default()))
}
