//! Domain types shared by every Tessera crate. Nothing here knows about HTTP or SQL.

pub mod bundle;
pub mod chart;
pub mod dashboard;
pub mod database;
pub mod dataset;
pub mod embedded;
pub mod query;
pub mod saved_query;
pub mod time;
pub mod user;

pub use chart::{Chart, ChartValues};
pub use dashboard::{Dashboard, DashboardValues};
pub use database::{Database, DatabaseValues};
pub use dataset::{Dataset, DatasetColumn, DatasetMetric, DatasetValues};
pub use embedded::{
    EmbeddedDashboard, RlsClause, RlsFilter, RlsFilterType, RlsFilterValues, RlsTable,
    rls_predicate,
};
pub use query::{LimitingFactor, NewQuery, Query, QueryStatus, QueryUpdate};
pub use saved_query::{SavedQuery, SavedQueryValues};
pub use time::Timestamp;
pub use user::{Named, PermissionResource, Role, User, UserAccount, UserAccountValues, UserRef};

/// Who made and last changed an object, and when.
#[derive(Debug, Clone)]
pub struct Audit {
    pub created_on: Timestamp,
    pub changed_on: Timestamp,
    pub created_by: Option<UserRef>,
    pub changed_by: Option<UserRef>,
}
