//! `POST /api/v1/security/guest_token/`: a token that lets an embedding application's
//! user open the named embedded dashboards, with RLS clauses on every query.

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::principal::guest_dashboards;
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::State;
use axum::http::Method;
use serde_json::{Map, Value, json};
use tessera_auth::{GuestResource, GuestRlsRule, GuestUser};

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::POST,
        "/api/v1/security/guest_token",
        perm("can_grant_guest_token", "SecurityRestApi"),
        "Issue a guest token for embedded dashboards",
        issue,
    )
}

async fn issue(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Json> {
    let (user, resources, rls) = parse(&body)?;
    // Every resource must name a dashboard that exists (Superset checks each one).
    for resource in &resources {
        if guest_dashboards(&state, std::slice::from_ref(resource))
            .await?
            .is_empty()
        {
            return Err(ApiError::bad_request("EmbeddedDashboard not found."));
        }
    }
    ok(json!({"token": state.guests.issue(user, resources, rls)}))
}

/// Validates the body as Superset's `GuestTokenCreateSchema` does: every problem in
/// one per-field map, unknown keys ignored.
fn parse(
    body: &Map<String, Value>,
) -> ApiResult<(GuestUser, Vec<GuestResource>, Vec<GuestRlsRule>)> {
    let mut errors = Map::new();
    let user = match body.get("user") {
        None | Some(Value::Null) => serde_json::from_value(json!({})).ok(),
        Some(value) => {
            let user = serde_json::from_value::<GuestUser>(value.clone()).ok();
            if user.is_none() {
                errors.insert("user".into(), json!({"_schema": ["Invalid input type."]}));
            }
            user
        }
    };
    let resources = items(body, "resources", &mut errors, |item| {
        let mut problems = Map::new();
        let kind = item.get("type").and_then(Value::as_str);
        if kind != Some("dashboard") {
            problems.insert("type".into(), json!(["Must be one of: dashboard."]));
        }
        let id = match item.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            None => {
                problems.insert("id".into(), json!(["Missing data for required field."]));
                None
            }
            Some(_) => {
                problems.insert("id".into(), json!(["Not a valid string."]));
                None
            }
        };
        match (problems.is_empty(), id) {
            (true, Some(id)) => Ok(GuestResource {
                r#type: "dashboard".into(),
                id,
            }),
            _ => Err(problems),
        }
    });
    let rls = items(body, "rls", &mut errors, |item| {
        let mut problems = Map::new();
        let clause = match item.get("clause") {
            Some(Value::String(s)) => Some(s.clone()),
            None => {
                problems.insert("clause".into(), json!(["Missing data for required field."]));
                None
            }
            Some(_) => {
                problems.insert("clause".into(), json!(["Not a valid string."]));
                None
            }
        };
        let dataset = match item.get("dataset") {
            None | Some(Value::Null) => None,
            Some(value) => {
                if value.as_i64().is_none() {
                    problems.insert("dataset".into(), json!(["Not a valid integer."]));
                }
                value.as_i64()
            }
        };
        match (problems.is_empty(), clause) {
            (true, Some(clause)) => Ok(GuestRlsRule { dataset, clause }),
            _ => Err(problems),
        }
    });
    match (errors.is_empty(), user) {
        (true, Some(user)) => Ok((user, resources, rls)),
        _ => Err(ApiError::bad_request(Value::Object(errors))),
    }
}

/// A required list field whose items `parse` reads; problems are filed by item index.
fn items<T>(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut Map<String, Value>,
    parse: impl Fn(&Map<String, Value>) -> Result<T, Map<String, Value>>,
) -> Vec<T> {
    let Some(value) = body.get(key) else {
        errors.insert(key.into(), json!(["Missing data for required field."]));
        return vec![];
    };
    let Some(list) = value.as_array() else {
        errors.insert(key.into(), json!(["Not a valid list."]));
        return vec![];
    };
    let mut parsed = Vec::new();
    let mut problems = Map::new();
    for (i, item) in list.iter().enumerate() {
        let result = match item.as_object() {
            Some(object) => parse(object),
            None => Err(Map::from_iter([(
                "_schema".to_string(),
                json!(["Invalid input type."]),
            )])),
        };
        match result {
            Ok(value) => parsed.push(value),
            Err(p) => {
                problems.insert(i.to_string(), Value::Object(p));
            }
        }
    }
    if !problems.is_empty() {
        errors.insert(key.into(), Value::Object(problems));
    }
    parsed
}
