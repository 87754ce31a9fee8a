//! Export and import bundles (contract §2.6, §3.6-3.8): `GET /<resource>/export/?q=!(ids)`
//! answers a ZIP, `POST /<resource>/import/` takes one as a multipart upload, for
//! dashboards, charts, datasets, databases, saved queries and all of them (`assets`).

use super::dedup;
use super::query::own_rows_unless_all_queries;
use crate::error::{ApiError, ApiResult};
use crate::listing::Q;
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use tessera_bundle::{BundleKind, Limits, read_bundle, write_bundle};
use tessera_model::bundle::ObjectKind;
use tessera_store::{CHARTS, DASHBOARDS, DATABASES, DATASETS, ImportOptions, SAVED_QUERIES};

/// The largest upload an import takes: a bundle may inflate to 64 MiB, and a stored
/// ZIP is no smaller than what it holds.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

struct Endpoint {
    kind: BundleKind,
    export: &'static str,
    import: &'static str,
    view: &'static str,
}

const ENDPOINTS: [Endpoint; 6] = [
    Endpoint {
        kind: BundleKind::Dashboard,
        export: "/api/v1/dashboard/export",
        import: "/api/v1/dashboard/import",
        view: "Dashboard",
    },
    Endpoint {
        kind: BundleKind::Chart,
        export: "/api/v1/chart/export",
        import: "/api/v1/chart/import",
        view: "Chart",
    },
    Endpoint {
        kind: BundleKind::Dataset,
        export: "/api/v1/dataset/export",
        import: "/api/v1/dataset/import",
        view: "Dataset",
    },
    Endpoint {
        kind: BundleKind::Database,
        export: "/api/v1/database/export",
        import: "/api/v1/database/import",
        view: "Database",
    },
    Endpoint {
        kind: BundleKind::SavedQuery,
        export: "/api/v1/saved_query/export",
        import: "/api/v1/saved_query/import",
        view: "SavedQuery",
    },
    Endpoint {
        kind: BundleKind::Assets,
        export: "/api/v1/assets/export",
        import: "/api/v1/assets/import",
        view: "ImportExportRestApi",
    },
];

pub fn routes(mut r: Routes) -> Routes {
    for endpoint in ENDPOINTS {
        let kind = endpoint.kind;
        r = r
            .guarded(
                Method::GET,
                endpoint.export,
                perm("can_export", endpoint.view),
                "Export as a ZIP bundle",
                move |state: State<AppState>, caller: Caller, q: Q, query: RawQuery| {
                    export(state, caller, q, query, kind)
                },
            )
            .guarded_upload(
                Method::POST,
                endpoint.import,
                perm("can_write", endpoint.view),
                "Import a ZIP bundle",
                UPLOAD_LIMIT,
                move |state: State<AppState>, caller: Caller, form: ImportForm| {
                    import(state, caller, form, kind)
                },
            );
    }
    r
}

/// The view-menu whose `can_write` lets a caller create and change objects of `kind`.
fn view_of(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Database => "Database",
        ObjectKind::Dataset => "Dataset",
        ObjectKind::Chart => "Chart",
        ObjectKind::Dashboard => "Dashboard",
        ObjectKind::SavedQuery => "SavedQuery",
    }
}

async fn visible(
    state: &AppState,
    caller: &Principal,
    kind: ObjectKind,
    id: i64,
) -> ApiResult<bool> {
    let (resource, visibility) = match kind {
        ObjectKind::Dashboard => (&DASHBOARDS, caller.visibility()),
        ObjectKind::Chart => (&CHARTS, caller.visibility()),
        ObjectKind::Dataset => (&DATASETS, caller.visibility()),
        ObjectKind::Database => (&DATABASES, caller.visibility()),
        ObjectKind::SavedQuery => (&SAVED_QUERIES, own_rows_unless_all_queries(caller, true)),
    };
    Ok(state
        .store
        .is_visible(resource, &visibility, caller.id(), id)
        .await?)
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    RawQuery(query): RawQuery,
    kind: BundleKind,
) -> ApiResult<Response> {
    let set = match kind.primary() {
        None => state.store.export_everything().await?,
        Some(object) => {
            let ids = dedup(&q.ids()?);
            for id in &ids {
                if !visible(&state, &caller, object, *id).await? {
                    return Err(ApiError::not_found());
                }
            }
            state.store.export_set(object, &ids).await?
        }
    };
    let (name, zip) = write_bundle(&set, kind, chrono::Utc::now())?;
    let mut response = zip.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let disposition = format!("attachment; filename={name}");
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    // The UI passes `token` and watches for this cookie to know the download finished.
    let token = query.as_deref().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    if let Some(token) = token.filter(|t| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        let cookie = format!("{token}=done; Max-Age=600; Path=/");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// The multipart form of an import: the bundle (`formData`), `overwrite` and
/// `passwords`. Tessera has no SSH tunnels, so the `ssh_tunnel_*` fields are ignored,
/// as is anything else.
pub struct ImportForm {
    bundle: Bytes,
    overwrite: bool,
    passwords: HashMap<String, String>,
}

impl<S: Send + Sync> FromRequest<S> for ImportForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
            let error = ApiError::superset_error(
                "Request MIME type is not 'multipart/form-data'",
                "INVALID_PAYLOAD_FORMAT_ERROR",
                "error",
            );
            ApiError::Errors(StatusCode::BAD_REQUEST, vec![error])
        })?;
        let upload_failed = |e: axum::extract::multipart::MultipartError| {
            ApiError::Message(e.status(), json!(e.body_text()))
        };
        let mut form = ImportForm {
            bundle: Bytes::new(),
            overwrite: false,
            passwords: HashMap::new(),
        };
        let mut has_bundle = false;
        while let Some(field) = multipart.next_field().await.map_err(upload_failed)? {
            let name = field.name().unwrap_or_default().to_string();
            match name.as_str() {
                "formData" => {
                    form.bundle = field.bytes().await.map_err(upload_failed)?;
                    has_bundle = true;
                }
                "overwrite" => {
                    form.overwrite = field.text().await.map_err(upload_failed)? == "true";
                }
                "passwords" => {
                    let text = field.text().await.map_err(upload_failed)?;
                    if !text.trim().is_empty() {
                        form.passwords = serde_json::from_str(&text).map_err(|_| {
                            ApiError::bad_request(
                                json!({"passwords": ["Not a JSON object of file names to passwords."]}),
                            )
                        })?;
                    }
                }
                _ => {}
            }
        }
        if !has_bundle {
            return Err(ApiError::bad_request("Arguments are not correct"));
        }
        Ok(form)
    }
}

async fn import(
    State(state): State<AppState>,
    caller: Caller,
    form: ImportForm,
    kind: BundleKind,
) -> ApiResult<Json> {
    let ImportForm {
        bundle,
        overwrite,
        passwords,
    } = form;
    // Inflating and parsing is CPU work; keep it off the request threads.
    let set = tokio::task::spawn_blocking(move || {
        read_bundle(&bundle, kind, &passwords, &Limits::DEFAULT)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let writable = [
        ObjectKind::Database,
        ObjectKind::Dataset,
        ObjectKind::Chart,
        ObjectKind::Dashboard,
        ObjectKind::SavedQuery,
    ]
    .into_iter()
    .filter(|kind| caller.can("can_write", view_of(*kind)))
    .collect();
    let options = ImportOptions {
        primary: kind.primary(),
        // Superset's assets import always overwrites.
        overwrite: overwrite || kind == BundleKind::Assets,
        writable,
        actor: caller.id(),
        admin: caller.is_admin(),
    };
    state.store.import_bundle(&set, &options).await?;
    ok(json!({"message": "OK"}))
}
