//! The one error type of the HTTP edge. Every failure below it is converted here, once,
//! into one of Superset's four error dialects (see the contract §1.11).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_auth::{CsrfError, TokenError};
use tessera_bundle::BundleError;
use tessera_engine::EngineError;
use tessera_model::bundle::ImportRefused;
use tessera_store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    /// FAB's `{"message": <string | object>}`.
    Message(StatusCode, Value),
    /// Flask-JWT-Extended's `{"msg": ...}`.
    Token(TokenError),
    /// Flask-WTF's CSRF failure, in the SIP-40 `errors` list.
    Csrf(CsrfError),
    /// SIP-40 `{"errors": [...]}`.
    Errors(StatusCode, Vec<Value>),
    /// Something that is our bug or the metadata database's failure: logged, 500.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<Value>) -> Self {
        ApiError::Message(StatusCode::BAD_REQUEST, message.into())
    }

    pub fn unprocessable(message: impl Into<Value>) -> Self {
        ApiError::Message(StatusCode::UNPROCESSABLE_ENTITY, message.into())
    }

    pub fn not_found() -> Self {
        ApiError::Message(StatusCode::NOT_FOUND, json!("Not found"))
    }

    pub fn forbidden() -> Self {
        ApiError::Message(StatusCode::FORBIDDEN, json!("Forbidden"))
    }

    pub fn unauthorized() -> Self {
        ApiError::Message(StatusCode::UNAUTHORIZED, json!("Not authorized"))
    }

    /// One field's errors, as marshmallow reports them: `{"field": ["..."]}`.
    pub fn field(status: StatusCode, field: &str, message: &str) -> Self {
        ApiError::Message(status, json!({ field: [message] }))
    }

    /// A SIP-40 error object with the issue codes its type carries.
    pub fn superset_error(message: &str, error_type: &str, level: &str) -> Value {
        let codes: &[(u32, &str)] = match error_type {
            "GENERIC_BACKEND_ERROR" => &[(
                1011,
                "Issue 1011 - Superset encountered an unexpected error.",
            )],
            "GENERIC_DB_ENGINE_ERROR" => &[(
                1002,
                "Issue 1002 - The database returned an unexpected error.",
            )],
            "CONNECTION_INVALID_HOSTNAME_ERROR" => &[(
                1007,
                "Issue 1007 - The hostname provided can't be resolved.",
            )],
            "CONNECTION_PORT_CLOSED_ERROR" => &[(1008, "Issue 1008 - The port is closed.")],
            "CONNECTION_DATABASE_TIMEOUT" => {
                &[(1001, "Issue 1001 - The database is under an unusual load.")]
            }
            "CONNECTION_ACCESS_DENIED_ERROR" => &[
                (
                    1014,
                    "Issue 1014 - Either the username or the password is wrong.",
                ),
                (
                    1015,
                    "Issue 1015 - Either the database is spelled incorrectly or does not exist.",
                ),
            ],
            "CONNECTION_UNKNOWN_DATABASE_ERROR" => &[(
                1015,
                "Issue 1015 - Either the database is spelled incorrectly or does not exist.",
            )],
            "TABLE_DOES_NOT_EXIST_ERROR" | "TABLE_NOT_FOUND_ERROR" => &[
                (
                    1003,
                    "Issue 1003 - There is a syntax error in the SQL query. Perhaps there was a misspelling or a typo.",
                ),
                (
                    1005,
                    "Issue 1005 - The table was deleted or renamed in the database.",
                ),
            ],
            "SYNTAX_ERROR" => &[(1030, "Issue 1030 - The query has a syntax error.")],
            "DML_NOT_ALLOWED_ERROR" => &[(
                1022,
                "Issue 1022 - Database does not allow data manipulation.",
            )],
            "RESULTS_BACKEND_ERROR" => &[(
                1011,
                "Issue 1011 - Superset encountered an unexpected error.",
            )],
            "GENERIC_COMMAND_ERROR" => &[(
                1010,
                "Issue 1010 - Superset encountered an error while running a command.",
            )],
            "DATABASE_NOT_FOUND_ERROR" => &[(
                1011,
                "Issue 1011 - Superset encountered an unexpected error.",
            )],
            "INVALID_PAYLOAD_FORMAT_ERROR" => &[(
                1019,
                "Issue 1019 - The submitted payload has the incorrect format.",
            )],
            "INVALID_PAYLOAD_SCHEMA_ERROR" | "MARSHMALLOW_ERROR" => &[(
                1020,
                "Issue 1020 - The submitted payload has the incorrect schema.",
            )],
            _ => &[],
        };
        let issue_codes: Vec<Value> = codes
            .iter()
            .map(|(code, message)| json!({"code": code, "message": message}))
            .collect();
        json!({
            "message": message,
            "error_type": error_type,
            "level": level,
            "extra": {"issue_codes": issue_codes},
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(what) => ApiError::unprocessable(what),
            StoreError::ImportRefused(refused) => refused.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ImportRefused> for ApiError {
    /// Superset's `CommandInvalidError` (golden 069): 422, each file at fault in `extra`.
    fn from(refused: ImportRefused) -> Self {
        let mut error =
            ApiError::superset_error(&refused.to_string(), "GENERIC_COMMAND_ERROR", "warning");
        for (file, problem) in refused.problems {
            error["extra"][file] = problem;
        }
        ApiError::Errors(StatusCode::UNPROCESSABLE_ENTITY, vec![error])
    }
}

impl From<BundleError> for ApiError {
    /// A bundle that cannot be read at all is refused as a command error: 422 for what
    /// is not a ZIP (the contract's chart import), 400 for an archive refused as unsafe.
    fn from(err: BundleError) -> Self {
        let status = match err {
            BundleError::Refused(refused) => return refused.into(),
            BundleError::Write(detail) => return ApiError::Internal(detail),
            BundleError::NotAZip => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        let error = ApiError::superset_error(&err.to_string(), "GENERIC_COMMAND_ERROR", "warning");
        ApiError::Errors(status, vec![error])
    }
}

impl From<EngineError> for ApiError {
    /// Chart data's shapes: what the request got wrong and what the database said are
    /// `400 {"message"}` (golden 051); a cache that cannot be read is 422.
    fn from(err: EngineError) -> Self {
        match err {
            EngineError::Cache(_) => ApiError::unprocessable(err.to_string()),
            EngineError::Stopped => ApiError::bad_request(err.to_string()),
            EngineError::Database { ref err, .. } if is_host_failure(err) => {
                ApiError::Internal(err.to_string())
            }
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

/// A plugin failure that is the server's fault, not the request's.
fn is_host_failure(err: &tessera_plugin_host::PluginError) -> bool {
    matches!(err, tessera_plugin_host::PluginError::Engine(_))
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        ApiError::Token(err)
    }
}

impl From<CsrfError> for ApiError {
    fn from(err: CsrfError) -> Self {
        ApiError::Csrf(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Message(status, message) => (
                status,
                crate::response::json(&json!({ "message": message })),
            )
                .into_response(),
            ApiError::Token(err) => {
                let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::UNAUTHORIZED);
                // Flask-JWT-Extended answers with a bare application/json.
                let mut response = (
                    status,
                    serde_json::to_string(&json!({"msg": err.msg()})).unwrap_or_default(),
                )
                    .into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            ApiError::Csrf(err) => {
                let message = format!("400 Bad Request: {}", err.msg());
                let error = ApiError::superset_error(&message, "GENERIC_BACKEND_ERROR", "error");
                ApiError::Errors(StatusCode::BAD_REQUEST, vec![error]).into_response()
            }
            ApiError::Errors(status, errors) => {
                (status, crate::response::json(&json!({ "errors": errors }))).into_response()
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    crate::response::json(&json!({"message": "Fatal error"})),
                )
                    .into_response()
            }
        }
    }
}
