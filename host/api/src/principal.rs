//! Who is calling and what they may do: authentication (Bearer JWT or session cookie),
//! CSRF for cookie sessions, and the permission check every route declares.

use crate::error::{ApiError, ApiResult};
use crate::routes::Perm;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tessera_auth::{GuestResource, GuestRlsRule, Session, TokenError, TokenType, bearer_token};
use tessera_model::User;
use tessera_store::list::Restriction;
use tessera_store::{PermissionView, Visibility};
use uuid::Uuid;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Bearer,
    Session,
    /// An embedded dashboard's guest token (`X-GuestToken`).
    Guest,
}

/// The caller of one request: who they are and how they proved it.
#[derive(Debug)]
pub struct Principal {
    identity: Arc<Identity>,
    pub via: AuthVia,
}

impl std::ops::Deref for Principal {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.identity
    }
}

/// A user with everything their roles grant.
#[derive(Debug)]
pub struct Identity {
    pub user: User,
    /// `(role name, permission-view)` for every grant of every role.
    pub grants: Vec<(String, PermissionView)>,
    perms: HashSet<(String, String)>,
    /// The datasets in the schemas their `schema_access` grants name, resolved when
    /// the identity is loaded.
    schema_datasets: Vec<i64>,
    /// Set when the caller is an embedded dashboard's guest.
    pub guest: Option<Guest>,
}

/// What a guest token opens: its dashboards, and the clauses its queries carry.
#[derive(Debug)]
pub struct Guest {
    pub dashboard_ids: Vec<i64>,
    pub rls_rules: Vec<GuestRlsRule>,
    /// The id of the role guests act as, for the RLS filters of that role.
    pub role_id: Option<i64>,
}

/// Identities loaded in the last moment. Loading one takes two metadata queries, which
/// would otherwise run on every request; the price is that a change of roles or a
/// deactivation takes up to [`IDENTITY_TTL`] to apply.
#[derive(Default)]
pub struct IdentityCache(Mutex<HashMap<i64, (Instant, Arc<Identity>)>>);

pub const IDENTITY_TTL: Duration = Duration::from_secs(2);

impl IdentityCache {
    fn get(&self, user_id: i64) -> Option<Arc<Identity>> {
        let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&user_id)
            .filter(|(loaded, _)| loaded.elapsed() < IDENTITY_TTL)
            .map(|(_, identity)| identity.clone())
    }

    /// Drops every cached identity: roles or grants just changed.
    pub fn forget_all(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn put(&self, user_id: i64, identity: Arc<Identity>) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded by the number of active users; drop stale entries as we go.
        cache.retain(|_, (loaded, _)| loaded.elapsed() < IDENTITY_TTL);
        cache.insert(user_id, (Instant::now(), identity));
    }
}

impl Identity {
    pub fn can(&self, permission: &str, view: &str) -> bool {
        self.perms
            .contains(&(permission.to_string(), view.to_string()))
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.is_admin()
    }

    /// The `(database name, schema)` pairs the caller's `schema_access` grants open.
    pub fn granted_schemas(&self) -> Vec<(String, String)> {
        granted_schemas(&self.grants)
    }

    /// Which objects the caller may see: a guest only its token's dashboards; others
    /// everything with `all_datasource_access`, otherwise what they own plus the
    /// datasets and databases granted to them.
    pub fn visibility(&self) -> Visibility {
        if let Some(guest) = &self.guest {
            return Visibility::Restricted(Restriction {
                user_id: self.user.id,
                dashboard_ids: guest.dashboard_ids.clone(),
                ..Restriction::default()
            });
        }
        if self.can("all_datasource_access", "all_datasource_access") {
            return Visibility::All;
        }
        let ids = |permission: &str| -> Vec<i64> {
            self.grants
                .iter()
                .filter(|(_, pv)| pv.permission == permission)
                .filter_map(|(_, pv)| object_id(&pv.view_menu))
                .collect()
        };
        let mut dataset_ids = ids("datasource_access");
        dataset_ids.extend(&self.schema_datasets);
        Visibility::Restricted(Restriction {
            user_id: self.user.id,
            dataset_ids,
            database_ids: ids("database_access"),
            dashboard_ids: vec![],
        })
    }
}

/// The `(database, schema)` pairs of `schema_access` grants, whose view names read
/// `[db].[schema]` or `[db].[catalog].[schema]`.
fn granted_schemas(grants: &[(String, PermissionView)]) -> Vec<(String, String)> {
    grants
        .iter()
        .filter(|(_, pv)| pv.permission == "schema_access")
        .filter_map(|(_, pv)| {
            let inner = pv.view_menu.strip_prefix('[')?.strip_suffix(']')?;
            let parts: Vec<&str> = inner.split("].[").collect();
            match parts.as_slice() {
                [db, schema] | [db, _, schema] => Some((db.to_string(), schema.to_string())),
                _ => None,
            }
        })
        .collect()
}

/// The `N` of a data-access view name such as `[db].[table](id:N)`.
fn object_id(view_menu: &str) -> Option<i64> {
    let start = view_menu.rfind("(id:")? + 4;
    view_menu[start..].strip_suffix(')')?.parse().ok()
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Principal> {
    let (user_id, via) = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let token = bearer_token(value.to_str().unwrap_or_default())?;
            (
                state.tokens.user_id(token, TokenType::Access)?,
                AuthVia::Bearer,
            )
        }
        None => {
            if let Some(guest) = guest(state, headers).await? {
                return Ok(guest);
            }
            match session(state, headers).and_then(|s| s.user_id) {
                Some(id) => (id, AuthVia::Session),
                None => return Err(TokenError::MissingHeader.into()),
            }
        }
    };
    if let Some(identity) = state.identities.get(user_id) {
        return Ok(Principal { identity, via });
    }
    let user = state
        .store
        .active_user(user_id)
        .await?
        .ok_or_else(|| TokenError::UserLookup(user_id.to_string()))?;
    let grants = state.store.user_permissions(user_id).await?;
    let schemas = granted_schemas(&grants);
    let schema_datasets = if schemas.is_empty() {
        vec![]
    } else {
        state.store.dataset_ids_in_schemas(&schemas).await?
    };
    let identity = Arc::new(Identity::new(user, grants, schema_datasets, None));
    state.identities.put(user_id, identity.clone());
    Ok(Principal { identity, via })
}

impl Identity {
    fn new(
        user: User,
        grants: Vec<(String, PermissionView)>,
        schema_datasets: Vec<i64>,
        guest: Option<Guest>,
    ) -> Self {
        let perms = grants
            .iter()
            .map(|(_, pv)| (pv.permission.clone(), pv.view_menu.clone()))
            .collect();
        Identity {
            user,
            grants,
            perms,
            schema_datasets,
            guest,
        }
    }
}

/// The guest a valid `X-GuestToken` names. Like Superset, an invalid guest token is
/// ignored, so the request goes on as anonymous.
async fn guest(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Principal>> {
    let Some(token) = headers
        .get(GUEST_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Ok(claims) = state.guests.verify(token) else {
        return Ok(None);
    };
    let dashboard_ids = guest_dashboards(state, &claims.resources).await?;
    let grants = state.store.role_permissions(&state.guest_role).await?;
    let user = User {
        id: GUEST_USER_ID,
        username: claims.user.username,
        first_name: claims.user.first_name,
        last_name: claims.user.last_name,
        email: String::new(),
        active: true,
        login_count: 0,
        created_on: tessera_model::Timestamp::now(),
        roles: vec![],
    };
    let guest = Guest {
        dashboard_ids,
        rls_rules: claims.rls_rules,
        role_id: state.store.role_id(&state.guest_role).await?,
    };
    Ok(Some(Principal {
        identity: Arc::new(Identity::new(user, grants, vec![], Some(guest))),
        via: AuthVia::Guest,
    }))
}

/// The dashboards a token's resources name: embedded uuids, or (as Superset still
/// accepts) dashboard ids.
pub async fn guest_dashboards(
    state: &AppState,
    resources: &[GuestResource],
) -> ApiResult<Vec<i64>> {
    let dashboards = resources.iter().filter(|r| r.r#type == "dashboard");
    let uuids: Vec<Uuid> = dashboards
        .clone()
        .filter_map(|r| Uuid::parse_str(&r.id).ok())
        .collect();
    let ids: Vec<i64> = dashboards.filter_map(|r| r.id.parse().ok()).collect();
    let mut found = state.store.embedded_dashboard_ids(&uuids).await?;
    found.extend(state.store.existing_dashboard_ids(&ids).await?);
    Ok(found)
}

/// The header guest tokens travel in (Superset's `GUEST_TOKEN_HEADER_NAME`).
const GUEST_TOKEN_HEADER: &str = "X-GuestToken";

/// Guests are nobody in `ab_user`: no object is theirs.
const GUEST_USER_ID: i64 = 0;

/// The signed `session` cookie, when the request carries a valid one.
pub fn session(state: &AppState, headers: &HeaderMap) -> Option<Session> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| state.sessions.from_cookie_header(cookies))
}

/// Route middleware: authenticate, check CSRF for cookie sessions, check `perm`, and
/// hand the [`Principal`] to the handler.
pub async fn guard(
    State((state, perm)): State<(AppState, Perm)>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = authenticate(&state, req.headers()).await?;
    // A Bearer token cannot be sent by a browser on its own, so only cookie sessions
    // need the CSRF token.
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if principal.via == AuthVia::Session && unsafe_method && !perm.csrf_exempt {
        let session = session(&state, req.headers());
        let token = req
            .headers()
            .get("X-CSRFToken")
            .and_then(|v| v.to_str().ok());
        state.csrf.verify(session.as_ref(), token)?;
    }
    // Guests read: whatever their role holds, they never write.
    let guest_writing = principal.guest.is_some() && perm.permission != "can_read";
    if guest_writing || !principal.can(perm.permission, perm.view) {
        return Err(ApiError::forbidden());
    }
    req.extensions_mut().insert(Arc::new(principal));
    Ok(next.run(req).await)
}

/// The authenticated caller, put in place by [`guard`].
pub struct Caller(pub Arc<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Principal>>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| ApiError::Internal("route has no permission guard".into()))
    }
}

impl std::ops::Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// For routes that authenticate themselves (e.g. `/me/`, `/security/refresh`).
pub async fn optional_principal(state: &AppState, headers: &HeaderMap) -> ApiResult<Principal> {
    authenticate(state, headers).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_object_ids_from_view_names() {
        assert_eq!(super::object_id("[examples].[sales](id:12)"), Some(12));
        assert_eq!(super::object_id("[examples].(id:3)"), Some(3));
        assert_eq!(super::object_id("all_datasource_access"), None);
    }

    #[test]
    fn schema_grants_name_a_database_and_schema() {
        let grant = |view: &str| {
            (
                "r".to_string(),
                super::PermissionView {
                    permission: "schema_access".into(),
                    view_menu: view.into(),
                },
            )
        };
        let grants = [
            grant("[examples].[main]"),
            grant("[warehouse].[cat].[sales]"),
            grant("no brackets"),
        ];
        assert_eq!(
            super::granted_schemas(&grants),
            [
                ("examples".to_string(), "main".to_string()),
                ("warehouse".to_string(), "sales".to_string())
            ]
        );
    }
}
