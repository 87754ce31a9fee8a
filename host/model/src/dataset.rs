//! Datasets ("tables" in Superset's schema): a physical table or a virtual SQL query, with
//! its columns and metrics.

use crate::{Audit, Timestamp, UserRef};
use uuid::Uuid;

/// The columns of a dataset a client may write.
#[derive(Debug, Clone, Default)]
pub struct DatasetValues {
    pub table_name: String,
    pub database_id: i64,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub sql: Option<String>,
    pub description: Option<String>,
    pub main_dttm_col: Option<String>,
    pub default_endpoint: Option<String>,
    pub offset: i64,
    pub cache_timeout: Option<i64>,
    pub is_sqllab_view: bool,
    pub template_params: Option<String>,
    pub extra: Option<String>,
    pub filter_select_enabled: bool,
    pub fetch_values_predicate: Option<String>,
    pub normalize_columns: bool,
    pub always_filter_main_dttm: bool,
    pub is_managed_externally: bool,
    pub external_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: i64,
    pub uuid: Uuid,
    pub values: DatasetValues,
    pub database: DatabaseRef,
    pub owners: Vec<UserRef>,
    pub columns: Vec<DatasetColumn>,
    pub metrics: Vec<DatasetMetric>,
    pub audit: Audit,
}

impl Dataset {
    /// "physical" for a table, "virtual" for a SQL query.
    pub fn kind(&self) -> &'static str {
        match &self.values.sql {
            Some(sql) if !sql.trim().is_empty() => "virtual",
            _ => "physical",
        }
    }

    /// The data-access permission's view name, `[db].[table](id:N)`.
    pub fn perm(&self) -> String {
        format!(
            "[{}].[{}](id:{})",
            self.database.database_name, self.values.table_name, self.id
        )
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseRef {
    pub id: i64,
    pub uuid: Uuid,
    pub database_name: String,
    pub backend: String,
}

#[derive(Debug, Clone, Default)]
pub struct DatasetColumn {
    pub id: Option<i64>,
    pub uuid: Option<Uuid>,
    pub column_name: String,
    pub verbose_name: Option<String>,
    pub r#type: Option<String>,
    pub is_dttm: bool,
    pub is_active: bool,
    pub groupby: bool,
    pub filterable: bool,
    pub expression: Option<String>,
    pub description: Option<String>,
    pub python_date_format: Option<String>,
    pub advanced_data_type: Option<String>,
    pub extra: Option<String>,
    pub created_on: Option<Timestamp>,
    pub changed_on: Option<Timestamp>,
}

impl DatasetColumn {
    /// Superset's GenericDataType: 0 numeric, 1 string, 2 temporal, 3 boolean.
    pub fn type_generic(&self) -> Option<i64> {
        if self.is_dttm {
            return Some(2);
        }
        let t = self.r#type.as_deref()?.to_ascii_uppercase();
        let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
        Some(if any(&["BOOL"]) {
            3
        } else if any(&["DATE", "TIME"]) {
            2
        } else if any(&[
            "INT", "REAL", "FLOAT", "DOUBLE", "NUMERIC", "DECIMAL", "NUMBER",
        ]) {
            0
        } else {
            1
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct DatasetMetric {
    pub id: Option<i64>,
    pub uuid: Option<Uuid>,
    pub metric_name: String,
    pub verbose_name: Option<String>,
    pub metric_type: Option<String>,
    pub expression: String,
    pub description: Option<String>,
    pub d3format: Option<String>,
    /// `{"symbol": ..., "symbolPosition": ...}` as a JSON string.
    pub currency: Option<String>,
    pub warning_text: Option<String>,
    pub extra: Option<String>,
    pub created_on: Option<Timestamp>,
    pub changed_on: Option<Timestamp>,
}
