//! The metadata repository. One code path serves SQLite and PostgreSQL through sqlx's
//! `Any` driver: the SQL is portable (`$N` placeholders work in both, timestamps are
//! epoch microseconds, booleans are native), and the few dialect differences (ILIKE,
//! migrations) are decided by [`Backend`].

mod bundles;
mod charts;
mod dashboards;
mod databases;
mod datasets;
mod embedded;
mod favorites;
pub mod list;
mod queries;
mod rls;
mod rows;
mod saved_queries;
mod security;
mod sql;
mod users;

pub use bundles::ImportOptions;
pub use charts::CHARTS;
pub use dashboards::DASHBOARDS;
pub use databases::DATABASES;
pub use datasets::DATASETS;
pub use favorites::FavoriteClass;
pub use list::{Filter, FilterOp, FilterValue, ListQuery, Order, Page, Resource, Visibility};
pub use queries::{DistinctColumn, QUERIES, QUERY_DISTINCT};
pub use rls::RLS_FILTERS;
pub use saved_queries::{SAVED_QUERIES, SAVED_QUERY_DISTINCT};
pub use security::{PERMISSION_VIEWS, PERMISSIONS, ROLES, RoleLinks, USERS, VIEW_MENUS};
pub use users::{NewUser, PermissionView};

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::str::FromStr;
use std::time::Duration;
use tessera_model::bundle::ImportRefused;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("metadata URL must start with sqlite:// or postgres://: {0}")]
    UnsupportedUrl(String),
    #[error("metadata database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("metadata migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (e.g. a duplicate name); the text names it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An import wrote nothing; the files it named are why.
    #[error("{0}")]
    ImportRefused(ImportRefused),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A transaction on the metadata database; writes that belong together take one.
pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl FromStr for Backend {
    type Err = StoreError;

    fn from_str(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }
}

/// A handle on the metadata database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects without touching the schema; call [`Store::migrate`] before use.
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend: Backend = url.parse()?;
        let (url, max) = match backend {
            // Create the file on first start. SQLite serialises writers anyway; a few
            // connections let readers run beside the writer under WAL.
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                (format!("{url}{sep}mode=rwc"), 8)
            }
            Backend::Sqlite => (url.to_string(), 8),
            Backend::Postgres => (url.to_string(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Brings the schema up to date. On PostgreSQL sqlx holds an advisory lock while it
    /// migrates, so several processes starting at once apply each migration once.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../../migrations/postgres"),
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Turns a unique-constraint violation into [`StoreError::Conflict`]: "uuid already
/// exists" when the object's uuid clashed (every exportable table has one), otherwise
/// `what`, which names the table's own uniqueness rule.
fn conflict_on_unique(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            let on_uuid = db.constraint().is_some_and(|c| c.contains("uuid"))
                || db.message().contains("uuid");
            StoreError::Conflict(if on_uuid { "uuid already exists" } else { what }.to_string())
        }
        _ => StoreError::Database(err),
    }
}
