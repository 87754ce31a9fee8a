//! `/api/v1/security` (login, refresh, CSRF token), `/api/v1/me`, and the browser's
//! form login that sets the session cookie.

use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::login_limit::ClientAddr;
use crate::principal::{Caller, optional_principal, session};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::IpAddr;
use tessera_auth::{Session, TokenType, bearer_token, verify_password};

pub fn routes(r: Routes) -> Routes {
    r.public(
        Method::POST,
        "/api/v1/security/login",
        "Log in for JWT tokens",
        login,
    )
    .public(
        Method::POST,
        "/api/v1/security/refresh",
        "Exchange a refresh token for an access token",
        refresh,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/csrf_token",
        perm("can_read", "SecurityRestApi"),
        "CSRF token for cookie sessions",
        csrf_token,
    )
    .public(Method::GET, "/api/v1/me", "The current user", me)
    .public(
        Method::GET,
        "/api/v1/me/roles",
        "The current user's roles and permissions",
        me_roles,
    )
    .public(
        Method::POST,
        "/login",
        "Browser form login; sets the session cookie",
        form_login,
    )
}

const LOGIN_FIELDS: &[Field] = &[
    Field::new(
        "username",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    )
    .required(),
    Field::new(
        "password",
        FieldType::Str {
            min: 0,
            max: usize::MAX,
        },
    )
    .required(),
    Field::new("provider", FieldType::OneOf(&["db", "ldap"])).required(),
    Field::new("refresh", FieldType::Bool),
];

/// Checks a username and password; `None` for any failure, so callers cannot tell an
/// unknown user from a wrong password. Refused with 429 while the user or the address
/// has failed too often.
async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
) -> ApiResult<Option<i64>> {
    state.login_limiter.check(username, address)?;
    let id = verify_credentials(state, username, password).await?;
    if id.is_none() {
        state.login_limiter.record_failure(username, address);
    }
    Ok(id)
}

async fn verify_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> ApiResult<Option<i64>> {
    let Some((id, hash, active)) = state.store.user_credentials(username).await? else {
        return Ok(None);
    };
    let password = password.to_string();
    // Argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.store.record_login(id, matches && active).await?;
    Ok((matches && active).then_some(id))
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    validate(&body, LOGIN_FIELDS, StatusCode::BAD_REQUEST)?;
    if body.str_of("provider").as_deref() != Some("db") {
        return Err(ApiError::unauthorized());
    }
    let username = body.str_of("username").unwrap_or_default();
    let password = body.str_of("password").unwrap_or_default();
    let id = check_credentials(&state, &username, &password, address)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let mut tokens = Map::new();
    tokens.insert(
        "access_token".into(),
        json!(state.tokens.issue(id, TokenType::Access, true)),
    );
    if body.bool_of("refresh") == Some(true) {
        tokens.insert(
            "refresh_token".into(),
            json!(state.tokens.issue(id, TokenType::Refresh, false)),
        );
    }
    ok(Value::Object(tokens))
}

async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let user_id = state
        .tokens
        .user_id(bearer_token(header)?, TokenType::Refresh)?;
    if state.store.active_user(user_id).await?.is_none() {
        return Err(tessera_auth::TokenError::UserLookup(user_id.to_string()).into());
    }
    ok(json!({"access_token": state.tokens.issue(user_id, TokenType::Access, false)}))
}

/// Returns a CSRF token bound to the caller's session cookie, creating the session (and
/// its cookie) when the request has none.
async fn csrf_token(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let existing = session(&state, &headers);
    let session = existing.clone().unwrap_or_else(|| Session {
        user_id: None,
        ..Session::new_anonymous()
    });
    let token = state.csrf.token(&session);
    let mut response = ok(json!({"result": token}))?.into_response();
    if existing.is_none() {
        let cookie = state.sessions.set_cookie(&session);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json> {
    let caller = optional_principal(&state, &headers)
        .await
        .map_err(|_| ApiError::unauthorized())?;
    let u = &caller.user;
    // A guest has no account: only the names its token carries (Superset's `GuestUser`).
    if caller.guest.is_some() {
        return ok(json!({"result": {
            "first_name": u.first_name, "is_active": true, "is_anonymous": false,
            "last_name": u.last_name, "username": u.username,
        }}));
    }
    ok(json!({"result": {
        "email": u.email, "first_name": u.first_name, "id": u.id, "is_active": u.active,
        "is_anonymous": false, "last_name": u.last_name, "login_count": u.login_count, "username": u.username,
    }}))
}

async fn me_roles(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json> {
    let caller = optional_principal(&state, &headers)
        .await
        .map_err(|_| ApiError::unauthorized())?;
    let u = &caller.user;
    // A guest is only who its token says (Superset's `GuestUser`).
    if caller.guest.is_some() {
        return ok(json!({"result": {
            "firstName": u.first_name, "isActive": true, "isAnonymous": false,
            "lastName": u.last_name, "username": u.username,
        }}));
    }
    let mut roles: Map<String, Value> = u
        .roles
        .iter()
        .map(|r| (r.name.clone(), json!([])))
        .collect();
    let mut data_access: HashMap<&str, Vec<String>> = HashMap::new();
    for (role, pv) in &caller.grants {
        if let Some(Value::Array(pairs)) = roles.get_mut(role) {
            pairs.push(json!([pv.permission, pv.view_menu]));
        }
        if matches!(
            pv.permission.as_str(),
            "datasource_access" | "database_access"
        ) {
            data_access
                .entry(pv.permission.as_str())
                .or_default()
                .push(pv.view_menu.clone());
        }
    }
    ok(json!({"result": {
        "createdOn": u.created_on.iso(), "email": u.email, "firstName": u.first_name, "isActive": u.active,
        "isAnonymous": false, "lastName": u.last_name, "loginCount": u.login_count, "userId": u.id,
        "username": u.username, "roles": roles, "permissions": data_access,
    }}))
}

/// `POST /login/` with `username` and `password` form fields: 302 to `/` with the session
/// cookie on success, back to `/login/` otherwise.
async fn form_login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Form(form): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    let username = form.get("username").map(String::as_str).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let Some(id) = check_credentials(&state, username, password, address).await? else {
        return Ok(redirect("/login/", None));
    };
    let session = Session {
        user_id: Some(id),
        ..Session::new_anonymous()
    };
    Ok(redirect("/", Some(state.sessions.set_cookie(&session))))
}

fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
