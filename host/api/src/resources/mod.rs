//! One module per Superset resource, each a set of small handlers over the store.

pub mod bundles;
pub mod chart;
pub mod chart_data;
pub mod dashboard;
pub mod database;
pub mod database_introspection;
pub mod dataset;
pub mod embedded;
pub mod guest_access;
pub mod guest_token;
pub mod query;
pub mod roles;
pub mod row_level_security;
pub mod saved_query;
pub mod security;
pub mod security_catalog;
pub mod sqllab;
pub mod users;

use crate::error::{ApiError, ApiResult};
use crate::principal::Principal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use tessera_model::{Timestamp, UserRef};

/// `{"first_name", "id", "last_name"}` as embedded in list rows.
pub fn user_brief(user: &Option<UserRef>) -> Value {
    match user {
        Some(u) => json!({"first_name": u.first_name, "id": u.id, "last_name": u.last_name}),
        None => Value::Null,
    }
}

/// Owners with their email, as chart and dashboard rows show them.
pub fn owners_json(owners: &[UserRef]) -> Value {
    owners
        .iter()
        .map(|u| json!({"email": u.email, "first_name": u.first_name, "id": u.id, "last_name": u.last_name}))
        .collect()
}

pub fn user_name(user: &Option<UserRef>) -> Value {
    user.as_ref()
        .map(|u| json!(u.full_name()))
        .unwrap_or(Value::Null)
}

/// The cache-busting digest in thumbnail URLs: changes whenever the object changes.
pub fn thumbnail_digest(uuid: &uuid::Uuid, changed_on: Timestamp) -> String {
    let mut hasher = Sha256::new();
    hasher.update(uuid.as_bytes());
    hasher.update(changed_on.0.to_le_bytes());
    let mut hex = String::with_capacity(64);
    for byte in hasher.finalize() {
        // Writing into a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Superset renders descriptions as Markdown; plain paragraphs cover what clients show.
pub fn markdown(text: &Option<String>) -> Value {
    match text.as_deref() {
        None | Some("") => json!(""),
        Some(t) => {
            let escaped = t
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            json!(format!("<p>{escaped}</p>"))
        }
    }
}

/// Superset's ownership rule for changing an object: admins may change anything, everyone
/// else only what they own (403 otherwise).
pub fn require_owner(caller: &Principal, owners: &[UserRef]) -> ApiResult<()> {
    if caller.is_admin() || owners.iter().any(|o| o.id == caller.id()) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// `Deleted 1 chart` / `Deleted 3 charts`.
pub fn deleted_message(count: usize, noun: &str) -> Value {
    let plural = if count == 1 { "" } else { "s" };
    json!({"message": format!("Deleted {count} {noun}{plural}")})
}

/// The distinct ids of `ids`, sorted.
pub fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Owners after Superset's rule: the caller owns what they create when no one else is
/// named, and a non-admin always stays an owner.
pub fn owners_with_caller(requested: Option<Vec<i64>>, caller: &Principal) -> Vec<i64> {
    let mut owners = requested.unwrap_or_default();
    if (owners.is_empty() || !caller.is_admin()) && !owners.contains(&caller.id()) {
        owners.push(caller.id());
    }
    owners
}
