//! Request bodies validated the way Superset's marshmallow schemas do it: every problem
//! is collected into a per-field map (`{"field": ["Unknown field."]}`) and answered 400.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value, json};

/// A JSON object body. Non-JSON requests and other JSON values are refused with 400.
pub struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            let error = ApiError::superset_error(
                "Request is not JSON",
                "INVALID_PAYLOAD_FORMAT_ERROR",
                "error",
            );
            return Err(ApiError::Errors(StatusCode::BAD_REQUEST, vec![error]));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(ApiError::bad_request(
                json!({"_schema": ["Invalid input type."]}),
            )),
            Err(_) => Err(ApiError::bad_request("Request payload is not JSON")),
        }
    }
}

/// What a field accepts.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// A string of `min..=max` characters.
    Str {
        min: usize,
        max: usize,
    },
    /// A string that must itself parse as JSON (`params`, `query_context`, ...).
    JsonStr,
    Int,
    Bool,
    IntList,
    StrList,
    OneOf(&'static [&'static str]),
    /// Any JSON value, checked by the handler.
    Any,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub nullable: bool,
}

impl Field {
    pub const fn new(name: &'static str, ty: FieldType) -> Self {
        Field {
            name,
            ty,
            required: false,
            nullable: true,
        }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self.nullable = false;
        self
    }

    pub const fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
}

/// Checks `body` against `fields` and returns it unchanged when it is valid (the echo
/// Superset sends back). All errors are reported at once with `status`.
pub fn validate(body: &Map<String, Value>, fields: &[Field], status: StatusCode) -> ApiResult<()> {
    let mut errors = Map::new();
    for (key, value) in body {
        let Some(field) = fields.iter().find(|f| f.name == key) else {
            errors.insert(key.clone(), json!(["Unknown field."]));
            continue;
        };
        if let Some(message) = check(field, value) {
            errors.insert(key.clone(), json!([message]));
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if !body.contains_key(field.name) {
            errors.insert(
                field.name.to_string(),
                json!(["Missing data for required field."]),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Message(status, Value::Object(errors)))
    }
}

/// [`validate`] for an update: the same fields, none of them required.
pub fn validate_partial(
    body: &Map<String, Value>,
    fields: &[Field],
    status: StatusCode,
) -> ApiResult<()> {
    let optional: Vec<Field> = fields
        .iter()
        .map(|f| Field {
            required: false,
            ..*f
        })
        .collect();
    validate(body, &optional, status)
}

fn check(field: &Field, value: &Value) -> Option<String> {
    if value.is_null() {
        return (!field.nullable).then(|| "Field may not be null.".to_string());
    }
    match field.ty {
        FieldType::Str { min, max } => match value.as_str() {
            None => Some("Not a valid string.".into()),
            Some(s) => {
                let n = s.chars().count();
                (n < min || n > max).then(|| match (min, max) {
                    (0, max) => format!("Longer than maximum length {max}."),
                    (min, usize::MAX) => format!("Shorter than minimum length {min}."),
                    (min, max) => format!("Length must be between {min} and {max}."),
                })
            }
        },
        FieldType::JsonStr => match value.as_str() {
            None => Some("Not a valid string.".into()),
            Some(s) => serde_json::from_str::<Value>(s)
                .is_err()
                .then(|| "JSON not valid".to_string()),
        },
        FieldType::Int => (!value.is_i64()).then(|| "Not a valid integer.".to_string()),
        FieldType::Bool => (!value.is_boolean()).then(|| "Not a valid boolean.".to_string()),
        FieldType::IntList => match value.as_array() {
            None => Some("Not a valid list.".into()),
            Some(items) => items
                .iter()
                .any(|i| !i.is_i64())
                .then(|| "Not a valid integer.".to_string()),
        },
        FieldType::StrList => match value.as_array() {
            None => Some("Not a valid list.".into()),
            Some(items) => items
                .iter()
                .any(|i| !i.is_string())
                .then(|| "Not a valid string.".to_string()),
        },
        FieldType::OneOf(choices) => match value.as_str() {
            Some(s) if choices.contains(&s) => None,
            _ => Some(format!("Must be one of: {}.", choices.join(", "))),
        },
        FieldType::Any => None,
    }
}

/// Typed readers over a validated body.
pub trait BodyExt {
    fn str_of(&self, key: &str) -> Option<String>;
    fn int_of(&self, key: &str) -> Option<i64>;
    fn bool_of(&self, key: &str) -> Option<bool>;
    fn ints_of(&self, key: &str) -> Option<Vec<i64>>;
    /// `Some(value)` when the key is present (value may be null), `None` when absent.
    fn has(&self, key: &str) -> bool;
}

impl BodyExt for Map<String, Value> {
    fn str_of(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Value::as_str).map(str::to_string)
    }

    fn int_of(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_i64)
    }

    fn bool_of(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    fn ints_of(&self, key: &str) -> Option<Vec<i64>> {
        self.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
    }

    fn has(&self, key: &str) -> bool {
        self.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::new("slice_name", FieldType::Str { min: 1, max: 250 }).required(),
        Field::new("datasource_type", FieldType::OneOf(&["table", "dataset"])).required(),
        Field::new("params", FieldType::JsonStr),
        Field::new("owners", FieldType::IntList),
    ];

    fn errors(body: Value) -> Value {
        let body = body.as_object().unwrap().clone();
        match validate(&body, FIELDS, StatusCode::BAD_REQUEST) {
            Err(ApiError::Message(_, v)) => v,
            other => panic!("expected errors, got {other:?}"),
        }
    }

    #[test]
    fn reports_every_problem_like_marshmallow() {
        let e = errors(
            json!({"slice_name": "", "bogus": 1, "params": "{not json", "owners": [1, "x"]}),
        );
        assert_eq!(e["bogus"], json!(["Unknown field."]));
        assert_eq!(
            e["slice_name"],
            json!(["Length must be between 1 and 250."])
        );
        assert_eq!(e["params"], json!(["JSON not valid"]));
        assert_eq!(e["owners"], json!(["Not a valid integer."]));
        assert_eq!(
            e["datasource_type"],
            json!(["Missing data for required field."])
        );
    }

    #[test]
    fn enum_and_null_checks() {
        let e = errors(json!({"slice_name": null, "datasource_type": "view"}));
        assert_eq!(e["slice_name"], json!(["Field may not be null."]));
        assert_eq!(
            e["datasource_type"],
            json!(["Must be one of: table, dataset."])
        );
    }
}
