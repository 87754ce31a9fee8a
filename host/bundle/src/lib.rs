//! Superset's export/import bundles: a ZIP holding `metadata.yaml` and one YAML document
//! per database, dataset, chart, dashboard and saved query, linked by uuid (contract
//! §3.7). [`write_bundle`] turns an export set into such a ZIP; [`read_bundle`] reads one,
//! refusing anything unsafe before it is inflated or parsed, into an import set.

mod archive;
mod documents;
mod export;
mod import;

pub use archive::Limits;
pub use export::write_bundle;
pub use import::read_bundle;

use tessera_model::bundle::{ImportRefused, ObjectKind};

/// The `version` every document of a bundle carries; the only one there is.
pub const VERSION: &str = "1.0.0";

/// What a bundle holds, as named by the endpoint that exports or imports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    Dashboard,
    Chart,
    Dataset,
    Database,
    SavedQuery,
    /// Everything (`/api/v1/assets/`).
    Assets,
}

impl BundleKind {
    /// `type` in `metadata.yaml`: Superset's model class names.
    pub fn metadata_type(self) -> &'static str {
        match self {
            BundleKind::Dashboard => "Dashboard",
            BundleKind::Chart => "Slice",
            BundleKind::Dataset => "SqlaTable",
            BundleKind::Database => "Database",
            BundleKind::SavedQuery => "SavedQuery",
            BundleKind::Assets => "assets",
        }
    }

    /// The start of the export's file and folder name: `dashboard_export_<ts>`.
    pub fn prefix(self) -> &'static str {
        match self {
            BundleKind::Dashboard => "dashboard",
            BundleKind::Chart => "chart",
            BundleKind::Dataset => "dataset",
            BundleKind::Database => "database",
            BundleKind::SavedQuery => "saved_query",
            BundleKind::Assets => "assets",
        }
    }

    /// The kind of object the bundle is about; `None` for assets, which are about all.
    pub fn primary(self) -> Option<ObjectKind> {
        match self {
            BundleKind::Dashboard => Some(ObjectKind::Dashboard),
            BundleKind::Chart => Some(ObjectKind::Chart),
            BundleKind::Dataset => Some(ObjectKind::Dataset),
            BundleKind::Database => Some(ObjectKind::Database),
            BundleKind::SavedQuery => Some(ObjectKind::SavedQuery),
            BundleKind::Assets => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("Not a ZIP file")]
    NotAZip,
    #[error("Refusing bundle entry {0:?}: its path must stay inside the bundle")]
    UnsafePath(String),
    #[error("Refusing bundle entry {0:?}: symbolic links are not allowed")]
    Symlink(String),
    #[error("Refusing bundle: more than {0} entries")]
    TooManyEntries(usize),
    #[error("Refusing bundle entry {0:?}: larger than {1} bytes uncompressed")]
    EntryTooLarge(String, u64),
    #[error("Refusing bundle: larger than {0} bytes uncompressed")]
    TooLarge(u64),
    #[error("Refusing bundle entry {0:?}: {1}")]
    Corrupt(String, String),
    #[error("Refusing bundle: {0:?} appears twice")]
    Duplicate(String),
    #[error("No valid import files were found")]
    NoFiles,
    /// The files were read but some are not valid documents.
    #[error("{0}")]
    Refused(ImportRefused),
    /// Writing YAML or a ZIP in memory failed: a bug, not the caller's doing.
    #[error("writing the bundle: {0}")]
    Write(String),
}

#[cfg(test)]
mod tests;
