//! Charts ("slices" in Superset's schema).

use crate::{Audit, Timestamp, UserRef};
use uuid::Uuid;

/// The columns of a chart a client may write.
#[derive(Debug, Clone, Default)]
pub struct ChartValues {
    pub slice_name: String,
    pub viz_type: Option<String>,
    pub datasource_id: Option<i64>,
    pub datasource_type: Option<String>,
    pub datasource_name: Option<String>,
    /// The Explore form data, a JSON string.
    pub params: Option<String>,
    /// The saved QueryContext, a JSON string.
    pub query_context: Option<String>,
    pub description: Option<String>,
    pub cache_timeout: Option<i64>,
    pub certified_by: Option<String>,
    pub certification_details: Option<String>,
    pub is_managed_externally: bool,
    pub external_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub id: i64,
    pub uuid: Uuid,
    pub values: ChartValues,
    pub owners: Vec<UserRef>,
    pub dashboards: Vec<DashboardRef>,
    /// The dataset behind the chart; `None` when it was deleted.
    pub dataset: Option<DatasetRef>,
    pub last_saved_at: Option<Timestamp>,
    pub last_saved_by: Option<UserRef>,
    pub audit: Audit,
}

#[derive(Debug, Clone)]
pub struct DashboardRef {
    pub id: i64,
    pub dashboard_title: Option<String>,
    pub json_metadata: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DatasetRef {
    pub id: i64,
    pub uuid: Uuid,
    pub table_name: String,
    pub schema: Option<String>,
    pub default_endpoint: Option<String>,
}

impl DatasetRef {
    /// `datasource_name_text`: "schema.table" (just the table without a schema).
    pub fn name_text(&self) -> String {
        match &self.schema {
            Some(schema) if !schema.is_empty() => format!("{schema}.{}", self.table_name),
            _ => self.table_name.clone(),
        }
    }
}
