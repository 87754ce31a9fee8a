//! The YAML documents of a bundle, with Superset's keys in Superset's order (golden 066).
//! Keys a document does not know are ignored on import, as newer Superset versions add
//! some; keys Tessera does not store are exported as null to keep Superset's key set.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// `metadata.yaml`, as read (the export writes it by hand).
#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub version: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// `databases/<name>.yaml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DatabaseDoc {
    pub database_name: String,
    pub sqlalchemy_uri: String,
    #[serde(default)]
    pub cache_timeout: Option<i64>,
    #[serde(default = "yes")]
    pub expose_in_sqllab: bool,
    #[serde(default)]
    pub allow_run_async: bool,
    #[serde(default)]
    pub allow_ctas: bool,
    #[serde(default)]
    pub allow_cvas: bool,
    #[serde(default)]
    pub allow_dml: bool,
    /// `/database/export/` in Superset names it `allow_csv_upload`; both are read.
    #[serde(default, alias = "allow_csv_upload")]
    pub allow_file_upload: bool,
    #[serde(default)]
    pub extra: Value,
    #[serde(default)]
    pub impersonate_user: bool,
    #[serde(default)]
    pub configuration_method: Option<String>,
    pub uuid: Uuid,
    pub version: String,
    /// Only read: a bundle may carry the password; exports never do.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_managed_externally: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

/// `datasets/<database>/<table>_<id>.yaml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DatasetDoc {
    pub table_name: String,
    #[serde(default)]
    pub main_dttm_col: Option<String>,
    /// Not stored by Tessera.
    #[serde(default)]
    pub currency_code_column: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default_endpoint: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub cache_timeout: Option<i64>,
    #[serde(default)]
    pub catalog: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub sql: Option<String>,
    /// Not stored by Tessera.
    #[serde(default)]
    pub params: Value,
    #[serde(default)]
    pub template_params: Value,
    #[serde(default)]
    pub filter_select_enabled: Option<bool>,
    #[serde(default)]
    pub fetch_values_predicate: Option<String>,
    #[serde(default)]
    pub extra: Value,
    #[serde(default)]
    pub normalize_columns: Option<bool>,
    #[serde(default)]
    pub always_filter_main_dttm: Option<bool>,
    /// Not stored by Tessera.
    #[serde(default)]
    pub folders: Value,
    pub uuid: Uuid,
    #[serde(default)]
    pub metrics: Vec<MetricDoc>,
    #[serde(default)]
    pub columns: Vec<ColumnDoc>,
    pub version: String,
    pub database_uuid: Uuid,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_managed_externally: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MetricDoc {
    pub metric_name: String,
    #[serde(default)]
    pub verbose_name: Option<String>,
    #[serde(default)]
    pub metric_type: Option<String>,
    pub expression: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub d3format: Option<String>,
    #[serde(default)]
    pub currency: Value,
    #[serde(default)]
    pub extra: Value,
    #[serde(default)]
    pub warning_text: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ColumnDoc {
    pub column_name: String,
    #[serde(default)]
    pub verbose_name: Option<String>,
    #[serde(default)]
    pub is_dttm: Option<bool>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(rename = "type", default)]
    pub column_type: Option<String>,
    #[serde(default)]
    pub advanced_data_type: Option<String>,
    #[serde(default)]
    pub groupby: Option<bool>,
    #[serde(default)]
    pub filterable: Option<bool>,
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub python_date_format: Option<String>,
    /// Not stored by Tessera.
    #[serde(default)]
    pub datetime_format: Option<String>,
    #[serde(default)]
    pub extra: Value,
}

/// `charts/<name>_<id>.yaml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChartDoc {
    pub slice_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub certified_by: Option<String>,
    #[serde(default)]
    pub certification_details: Option<String>,
    pub viz_type: String,
    /// The form data as an object.
    #[serde(default)]
    pub params: Value,
    /// The query context as JSON text.
    #[serde(default)]
    pub query_context: Option<String>,
    #[serde(default)]
    pub cache_timeout: Option<i64>,
    pub uuid: Uuid,
    pub version: String,
    /// Absent when the chart's dataset is gone, as in Superset's exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_uuid: Option<Uuid>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_managed_externally: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

/// `dashboards/<title>_<id>.yaml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DashboardDoc {
    pub dashboard_title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub css: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub certified_by: Option<String>,
    #[serde(default)]
    pub certification_details: Option<String>,
    #[serde(default)]
    pub published: Option<bool>,
    pub uuid: Uuid,
    /// The layout (`position_json`) as an object.
    #[serde(default)]
    pub position: Value,
    /// `json_metadata` as an object.
    #[serde(default)]
    pub metadata: Value,
    /// Tessera has no themes.
    #[serde(default)]
    pub theme_uuid: Option<Uuid>,
    pub version: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_managed_externally: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

/// `queries/<database>/<schema>/<label>.yaml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedQueryDoc {
    #[serde(default)]
    pub catalog: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub sql: String,
    pub uuid: Uuid,
    pub version: String,
    /// Absent when the saved query names no database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_uuid: Option<Uuid>,
}

fn yes() -> bool {
    true
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The keys each document must have (marshmallow's `required=True`), checked before the
/// typed parse so a missing one is reported per field, as Superset does.
pub fn required_keys(path: &str) -> &'static [&'static str] {
    match path.split('/').next() {
        Some("databases") => &["database_name", "sqlalchemy_uri", "uuid", "version"],
        Some("datasets") => &["table_name", "uuid", "version", "database_uuid"],
        Some("charts") => &["slice_name", "viz_type", "uuid", "version", "dataset_uuid"],
        Some("dashboards") => &["dashboard_title", "uuid", "version"],
        Some("queries") => &["sql", "uuid", "version", "database_uuid"],
        _ => &["version"],
    }
}

/// A column holding JSON text, as a document shows it: parsed when it parses (Superset
/// exports `extra`, `params` and friends as objects), else the text, null when unset.
pub fn json_value(text: Option<&str>) -> Value {
    match text {
        None | Some("") => Value::Null,
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())),
    }
}

/// The reverse of [`json_value`]: text is kept, anything else is written as JSON.
pub fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
