//! Success bodies as FAB sends them: `application/json; charset=utf-8`, keys sorted
//! (serde_json's map is ordered by key, which matches Flask's `sort_keys`).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub struct Json(Vec<u8>);

pub fn json(value: &Value) -> Json {
    Json(serde_json::to_vec(value).unwrap_or_default())
}

pub fn ok(value: Value) -> crate::error::ApiResult<Json> {
    Ok(json(&value))
}

impl IntoResponse for Json {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}
