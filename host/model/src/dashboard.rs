//! Dashboards.

use crate::{Audit, Role, UserRef};
use uuid::Uuid;

/// The columns of a dashboard a client may write.
#[derive(Debug, Clone, Default)]
pub struct DashboardValues {
    pub dashboard_title: Option<String>,
    pub slug: Option<String>,
    /// The layout tree, a JSON string.
    pub position_json: Option<String>,
    /// Dashboard settings, a JSON string.
    pub json_metadata: Option<String>,
    pub css: Option<String>,
    pub description: Option<String>,
    pub published: bool,
    pub certified_by: Option<String>,
    pub certification_details: Option<String>,
    pub is_managed_externally: bool,
    pub external_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub id: i64,
    pub uuid: Uuid,
    pub values: DashboardValues,
    pub owners: Vec<UserRef>,
    pub roles: Vec<Role>,
    /// The charts on the dashboard as `(chart id, slice_name)`, ordered by chart id.
    pub charts: Vec<(i64, String)>,
    pub audit: Audit,
}

impl Dashboard {
    /// `/superset/dashboard/{slug or id}/`.
    pub fn url(&self) -> String {
        match &self.values.slug {
            Some(slug) if !slug.is_empty() => format!("/superset/dashboard/{slug}/"),
            _ => format!("/superset/dashboard/{}/", self.id),
        }
    }
}
