//! `/api/v1/security/users/`: FAB's user administration. Passwords are hashed with
//! Argon2 like every other password here and never shown or echoed.

use super::dedup;
use super::query::{parse_pk, show_response};
use super::security_catalog::{delete_on, get_on, info_on, integrity_as_422, post_on, put_on};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate, validate_partial};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListSpec, Q, info_filters, info_response, list_page};
use crate::principal::Caller;
use crate::response::{Json, json, ok};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value};
use tessera_model::{UserAccount, UserAccountValues};
use tessera_store::USERS;

const VIEW: &str = "User";

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::GET,
        "/api/v1/security/users",
        get_on(VIEW),
        "List users",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/security/users",
        post_on(VIEW),
        "Create a user",
        create,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/users/_info",
        info_on(VIEW),
        "User metadata",
        info,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/users/{pk}",
        get_on(VIEW),
        "Get a user",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/security/users/{pk}",
        put_on(VIEW),
        "Update a user",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/security/users/{pk}",
        delete_on(VIEW),
        "Delete a user",
        delete,
    )
}

const COLUMNS: &[&str] = &[
    "id",
    "roles.id",
    "roles.name",
    "first_name",
    "last_name",
    "username",
    "active",
    "email",
    "last_login",
    "login_count",
    "fail_login_count",
    "created_on",
    "changed_on",
    "created_by.id",
    "changed_by.id",
    "groups",
];

static LIST: ListSpec = ListSpec {
    resource: &USERS,
    list_columns: COLUMNS,
    title: "List User",
    max_page_size: Some(100),
};

const TEXT: FieldType = FieldType::Str {
    min: 0,
    max: usize::MAX,
};

/// `UserPostSchema`; `UserPutSchema` is the same with nothing required.
const FIELDS: &[Field] = &[
    Field::new("active", FieldType::Bool),
    Field::new("email", TEXT).required(),
    Field::new("first_name", TEXT).required(),
    Field::new("last_name", TEXT).required(),
    Field::new("password", TEXT).required(),
    Field::new("roles", FieldType::IntList).required(),
    Field::new("username", FieldType::Str { min: 1, max: 250 }).required(),
    Field::new("groups", FieldType::IntList),
];

fn row(u: &UserAccount) -> Map<String, Value> {
    let v = &u.values;
    let by = |id: Option<i64>| id.map(|id| serde_json::json!({ "id": id }));
    let row = serde_json::json!({
        "active": v.active,
        "changed_by": by(u.changed_by),
        "changed_on": u.changed_on.iso(),
        "created_by": by(u.created_by),
        "created_on": u.created_on.iso(),
        "email": v.email,
        "fail_login_count": u.fail_login_count,
        "first_name": v.first_name,
        "groups": [],
        "id": u.id,
        "last_login": u.last_login.map(|t| t.iso()),
        "last_name": v.last_name,
        "login_count": u.login_count,
        "roles": u.roles.iter().map(|r| serde_json::json!({"id": r.id, "name": r.name})).collect::<Vec<_>>(),
        "username": v.username,
    });
    match row {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    list_page(
        &state,
        &caller,
        &q,
        &LIST,
        async |ids| state.store.user_accounts(ids).await,
        |u, _| row(u),
    )
    .await
}

async fn info(caller: Caller, q: Q) -> ApiResult<Json> {
    info_response(
        &q,
        &caller,
        VIEW,
        info_filters(&USERS),
        FIELDS,
        FIELDS,
        "User",
    )
}

async fn get(State(state): State<AppState>, q: Q, Path(pk): Path<String>) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let user = state
        .store
        .user_accounts(&[id])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    show_response(&q, id, COLUMNS, "Show User", row(&user))
}

/// Applies a validated body to `values` and returns the new password's hash, if one
/// was sent. Roles must exist (FAB answers unknown ones 400 on create, 404 on update)
/// and there must be at least one: Tessera has no groups to grant anything else.
async fn load(
    state: &AppState,
    body: &Map<String, Value>,
    values: &mut UserAccountValues,
    creating: bool,
) -> ApiResult<Option<String>> {
    if creating {
        validate(body, FIELDS, StatusCode::BAD_REQUEST)?;
    } else {
        validate_partial(body, FIELDS, StatusCode::BAD_REQUEST)?;
    }
    if let Some(groups) = body.ints_of("groups").filter(|g| !g.is_empty()) {
        let message = format!("Group(s) with ID(s) {:?} not found.", dedup(&groups));
        return Err(ApiError::field(StatusCode::BAD_REQUEST, "groups", &message));
    }
    if let Some(roles) = body.ints_of("roles") {
        if roles.is_empty() {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "roles",
                "Shorter than minimum length 1.",
            ));
        }
        let wanted = dedup(&roles);
        let found = state.store.existing_role_ids(&wanted).await?;
        let missing: Vec<i64> = wanted
            .iter()
            .filter(|id| !found.contains(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            let status = if creating {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::NOT_FOUND
            };
            let message = format!("Role(s) with ID(s) {missing:?} not found.");
            return Err(ApiError::field(status, "roles", &message));
        }
        values.role_ids = wanted;
    }
    for (key, slot) in [
        ("username", &mut values.username),
        ("first_name", &mut values.first_name),
        ("last_name", &mut values.last_name),
        ("email", &mut values.email),
    ] {
        if let Some(text) = body.str_of(key) {
            *slot = text;
        }
    }
    if let Some(active) = body.bool_of("active") {
        values.active = active;
    }
    let Some(password) = body.str_of("password").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    // Argon2 is deliberately slow: keep it off the async workers.
    let hash = tokio::task::spawn_blocking(move || tessera_auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some(hash))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    let mut values = UserAccountValues {
        username: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        active: true,
        role_ids: vec![],
    };
    let Some(hash) = load(&state, &body, &mut values, true).await? else {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "password",
            "Shorter than minimum length 1.",
        ));
    };
    let id = state
        .store
        .save_user_account(None, &values, Some(&hash), caller.id())
        .await
        .map_err(integrity_as_422)?;
    Ok((StatusCode::CREATED, json(&serde_json::json!({ "id": id }))))
}

/// FAB echoes the body it applied; the password is left out of the echo.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    JsonBody(mut body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let mut values = state
        .store
        .user_accounts(&[id])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?
        .values;
    let hash = load(&state, &body, &mut values, false).await?;
    let saved = state
        .store
        .save_user_account(Some(id), &values, hash.as_deref(), caller.id())
        .await;
    state.identities.forget_all();
    saved.map_err(integrity_as_422)?;
    body.remove("password");
    ok(serde_json::json!({ "result": body }))
}

async fn delete(State(state): State<AppState>, Path(pk): Path<String>) -> ApiResult<Json> {
    state.store.delete_user(parse_pk(&pk)?).await?;
    state.identities.forget_all();
    ok(serde_json::json!({"message": "OK"}))
}
