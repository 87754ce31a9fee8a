//! Tessera's HTTP edge: Superset's `/api/v1` routes over typed services. Nothing below
//! this crate knows about HTTP; every error is turned into Superset's shapes here.

mod body;
mod connections;
mod error;
mod listing;
mod login_limit;
mod observe;
mod principal;
mod resources;
mod response;
mod routes;
mod state;

pub use error::ApiError;
pub use login_limit::{LoginLimit, LoginLimiter};
pub use principal::IdentityCache;
pub use state::{AppState, Services};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use routes::Routes;

use std::sync::Arc;

/// The whole application: every resource's routes, `/health`, `/metrics`, the OpenAPI
/// document, request tracing and metrics, and Superset's 404s.
pub fn app(state: AppState) -> Router {
    let routes = Routes::new(state.clone());
    let routes = resources::security::routes(routes);
    let routes = resources::roles::routes(routes);
    let routes = resources::users::routes(routes);
    let routes = resources::security_catalog::routes(routes);
    let routes = resources::chart::routes(routes);
    let routes = resources::chart_data::routes(routes);
    let routes = resources::dashboard::routes(routes);
    let routes = resources::embedded::routes(routes);
    let routes = resources::guest_token::routes(routes);
    let routes = resources::row_level_security::routes(routes);
    let routes = resources::database::routes(routes);
    let routes = resources::database_introspection::routes(routes);
    let routes = resources::dataset::routes(routes);
    let routes = resources::sqllab::routes(routes);
    let routes = resources::query::routes(routes);
    let routes = resources::saved_query::routes(routes);
    let routes = resources::bundles::routes(routes);
    let (router, openapi) = routes.finish();
    let openapi = Arc::new(openapi);
    router
        .route("/health", get(|| async { "OK" }))
        .route("/metrics", get(metrics))
        .route(
            "/api/v1/_openapi",
            get(move || {
                let doc = openapi.clone();
                async move { response::json(&doc) }
            }),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn(observe::record))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => handle.render().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Superset answers unknown routes with JSON only when the client asks for it.
async fn not_found(req: Request) -> Response {
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let message = "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
        let error = ApiError::superset_error(message, "GENERIC_BACKEND_ERROR", "error");
        return ApiError::Errors(StatusCode::NOT_FOUND, vec![error]).into_response();
    }
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>404 Not Found</title><h1>Not Found</h1><p>The requested URL was not found on the server.</p>"),
    )
        .into_response()
}
