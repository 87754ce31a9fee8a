//! The route table. Each route is registered once with its method, path, permission
//! and summary; the same table builds the axum router and the OpenAPI document, so the
//! document cannot drift from what is served.

use crate::principal::guard;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, on};
use serde_json::{Map, Value, json};

/// The FAB permission a route needs: `permission` on view-menu `view`.
#[derive(Debug, Clone, Copy)]
pub struct Perm {
    pub permission: &'static str,
    pub view: &'static str,
    /// Superset's CSRF-exempt endpoints (e.g. `POST /chart/data`).
    pub csrf_exempt: bool,
}

pub const fn perm(permission: &'static str, view: &'static str) -> Perm {
    Perm {
        permission,
        view,
        csrf_exempt: false,
    }
}

struct Operation {
    method: Method,
    path: &'static str,
    summary: &'static str,
    perm: Option<Perm>,
}

pub struct Routes {
    state: AppState,
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Routes {
    pub fn new(state: AppState) -> Self {
        Routes {
            state,
            router: Router::new(),
            operations: vec![],
        }
    }

    /// A route anyone may call (login, health); it authenticates itself if it must.
    pub fn public<H, T>(
        self,
        method: Method,
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(method, path, summary, None, None, handler)
    }

    /// A route behind authentication and `perm`.
    pub fn guarded<H, T>(
        self,
        method: Method,
        path: &'static str,
        perm: Perm,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(method, path, summary, Some(perm), None, handler)
    }

    /// A guarded route whose body may be an upload of up to `limit` bytes (axum's
    /// default cap for a body is 2 MiB).
    pub fn guarded_upload<H, T>(
        self,
        method: Method,
        path: &'static str,
        perm: Perm,
        summary: &'static str,
        limit: usize,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(method, path, summary, Some(perm), Some(limit), handler)
    }

    fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        summary: &'static str,
        perm: Option<Perm>,
        body_limit: Option<usize>,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let mut route = on(filter, handler);
        if let Some(limit) = body_limit {
            route = route.layer(DefaultBodyLimit::max(limit));
        }
        if let Some(p) = perm {
            route = route.route_layer(from_fn_with_state((self.state.clone(), p), guard));
        }
        self.router = self.router.route(path, route);
        self.operations.push(Operation {
            method,
            path,
            summary,
            perm,
        });
        self
    }

    /// The router and the OpenAPI 3 document that describes it.
    pub fn finish(self) -> (Router<AppState>, Value) {
        let openapi = openapi(&self.operations);
        (self.router, openapi)
    }
}

fn openapi(operations: &[Operation]) -> Value {
    let mut paths = Map::new();
    for op in operations {
        let params: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut operation = json!({
            "summary": op.summary,
            "parameters": params,
            "responses": {"200": {"description": "Success"}, "400": {"description": "Bad request"},
                          "401": {"description": "Unauthorized"}, "404": {"description": "Not found"}},
        });
        if let Some(p) = op.perm {
            operation["security"] = json!([{"jwt": []}]);
            operation["x-permission"] = json!(format!("{} on {}", p.permission, p.view));
        }
        let item = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        item[op.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Tessera", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Apache Superset-compatible REST API"},
        "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "paths": paths,
    })
}
