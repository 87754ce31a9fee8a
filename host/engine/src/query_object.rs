//! Superset's chart-data request: a QueryContext holding query objects, as the
//! frontend sends it (contract §2.4). Unknown keys are ignored, as Superset does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/v1/chart/data`'s body.
#[derive(Debug, Clone, Deserialize)]
pub struct QueryContext {
    pub datasource: DatasourceRef,
    #[serde(default)]
    pub queries: Vec<QueryObject>,
    #[serde(default)]
    pub result_format: Option<String>,
    #[serde(default)]
    pub result_type: Option<String>,
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub custom_cache_timeout: Option<i64>,
    #[serde(default)]
    pub form_data: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatasourceRef {
    pub id: i64,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// One query of a chart. Field names are Superset's; deprecated aliases are folded
/// in by [`QueryObject::normalised`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct QueryObject {
    #[serde(default)]
    pub columns: Vec<ColumnRef>,
    #[serde(default)]
    pub groupby: Vec<ColumnRef>,
    #[serde(default)]
    pub metrics: Option<Vec<MetricRef>>,
    #[serde(default)]
    pub filters: Vec<QueryFilter>,
    #[serde(default)]
    pub extras: Extras,
    #[serde(default)]
    pub orderby: Vec<(MetricRef, bool)>,
    #[serde(default)]
    pub row_limit: Option<i64>,
    #[serde(default)]
    pub row_offset: Option<i64>,
    #[serde(default)]
    pub time_range: Option<String>,
    #[serde(default, alias = "granularity_sqla")]
    pub granularity: Option<String>,
    #[serde(default)]
    pub is_timeseries: Option<bool>,
    #[serde(default)]
    pub series_columns: Vec<ColumnRef>,
    #[serde(default, alias = "timeseries_limit")]
    pub series_limit: Option<i64>,
    #[serde(default, alias = "timeseries_limit_metric")]
    pub series_limit_metric: Option<MetricRef>,
    #[serde(default)]
    pub order_desc: Option<bool>,
    #[serde(default)]
    pub post_processing: Vec<Value>,
    #[serde(default)]
    pub result_type: Option<String>,
    #[serde(default, rename = "where")]
    pub legacy_where: Option<String>,
    #[serde(default, rename = "having")]
    pub legacy_having: Option<String>,
}

impl QueryObject {
    /// Folds deprecated aliases (`groupby`, top-level `where`/`having`) into their
    /// current places, so the rest of the engine sees one form.
    pub fn normalised(mut self) -> Self {
        if self.columns.is_empty() {
            self.columns = std::mem::take(&mut self.groupby);
        }
        if let Some(w) = self.legacy_where.take().filter(|w| !w.trim().is_empty()) {
            self.extras.r#where.get_or_insert(w);
        }
        if let Some(h) = self.legacy_having.take().filter(|h| !h.trim().is_empty()) {
            self.extras.having.get_or_insert(h);
        }
        self
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Extras {
    #[serde(default, rename = "where")]
    pub r#where: Option<String>,
    #[serde(default)]
    pub having: Option<String>,
    #[serde(default)]
    pub time_grain_sqla: Option<String>,
    #[serde(default)]
    pub relative_start: Option<String>,
    #[serde(default)]
    pub relative_end: Option<String>,
}

/// A group-by/select column: a dataset column's name or an ad-hoc SQL column.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ColumnRef {
    Name(String),
    Adhoc(AdhocColumn),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AdhocColumn {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(rename = "sqlExpression")]
    pub sql_expression: String,
    #[serde(default, rename = "columnType")]
    pub column_type: Option<String>,
    #[serde(default, rename = "timeGrain")]
    pub time_grain: Option<String>,
}

impl ColumnRef {
    /// The output column name.
    pub fn label(&self) -> &str {
        match self {
            ColumnRef::Name(name) => name,
            ColumnRef::Adhoc(adhoc) => adhoc.label.as_deref().unwrap_or(&adhoc.sql_expression),
        }
    }
}

/// A metric: a saved metric's name or an ad-hoc metric.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum MetricRef {
    Name(String),
    Adhoc(AdhocMetric),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AdhocMetric {
    #[serde(rename = "expressionType")]
    pub expression_type: String,
    #[serde(default)]
    pub column: Option<MetricColumn>,
    #[serde(default)]
    pub aggregate: Option<String>,
    #[serde(default, rename = "sqlExpression")]
    pub sql_expression: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MetricColumn {
    pub column_name: String,
}

impl MetricRef {
    /// The output column name, as Superset labels metrics.
    pub fn label(&self) -> String {
        match self {
            MetricRef::Name(name) => name.clone(),
            MetricRef::Adhoc(m) => match (&m.label, m.expression_type.as_str()) {
                (Some(label), _) => label.clone(),
                (None, "SIMPLE") => format!(
                    "{}({})",
                    m.aggregate.as_deref().unwrap_or_default(),
                    m.column
                        .as_ref()
                        .map(|c| c.column_name.as_str())
                        .unwrap_or_default()
                ),
                (None, _) => m.sql_expression.clone().unwrap_or_default(),
            },
        }
    }
}

/// A filter; `col` may also be an ad-hoc column.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct QueryFilter {
    pub col: ColumnRef,
    pub op: String,
    #[serde(default)]
    pub val: Option<Value>,
}
