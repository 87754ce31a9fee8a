//! Tessera's built-in example data. Two tables, generated from a fixed seed so every run
//! on every machine yields the same rows:
//!
//! - `sales`: 1,000,000 orders over 2023-2024 (5 regions x 8 products);
//! - `birth_names`: about 100,000 rows of first names given per year, state and gender.
//!
//! The same rows can be written as Parquet ([`write_parquet`], what `tessera
//! load-examples` serves), or loaded into SQLite ([`load_sqlite`]) and PostgreSQL
//! ([`load_postgres`]) so benchmarks compare engines on identical data. [`charts`] and
//! [`dashboard`] describe the charts and the dashboard shown on top of them.

mod batches;
mod birth_names;
pub mod charts;
mod columns;
pub mod dashboard;
mod names;
mod parquet_files;
mod postgres;
mod random;
mod sales;
mod sqlite;

pub use columns::ColumnKind;
pub use parquet_files::write_parquet;
pub use postgres::load_postgres;
pub use sqlite::load_sqlite;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use chrono::NaiveDate;
use std::path::PathBuf;

/// Rows per generated [`RecordBatch`].
pub const BATCH_ROWS: usize = 64 * 1024;

/// One example table: what it is, and a way to generate its rows.
pub struct ExampleTable {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: SchemaRef,
    /// The column charts use as their time axis (`main_dttm_col`).
    pub main_dttm_col: &'static str,
    pub num_rows: usize,
    /// Saved metrics besides Superset's default `count`: name and SQL expression.
    pub metrics: &'static [(&'static str, &'static str)],
    /// Bumped whenever the generated rows or the file layout change; recorded in the
    /// Parquet file so an up-to-date file is not written again.
    pub version: u32,
    generate: fn() -> Box<dyn Iterator<Item = RecordBatch>>,
}

impl ExampleTable {
    /// The rows, in batches of [`BATCH_ROWS`] (the last one shorter). Each call starts
    /// again from the seed and yields the same batches.
    pub fn batches(&self) -> impl Iterator<Item = RecordBatch> + use<> {
        (self.generate)()
    }

    /// The table's columns with their kind.
    pub fn columns(&self) -> Result<Vec<(&str, ColumnKind)>, ExamplesError> {
        self.schema
            .fields()
            .iter()
            .map(|field| Ok((field.name().as_str(), ColumnKind::of(field.data_type())?)))
            .collect()
    }
}

/// Every example table, `sales` first.
pub fn tables() -> Vec<ExampleTable> {
    vec![sales::table(), birth_names::table()]
}

#[derive(Debug, thiserror::Error)]
pub enum ExamplesError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("column type {0} has no SQL counterpart here")]
    UnsupportedType(arrow_schema::DataType),
}

impl ExamplesError {
    fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ExamplesError {
        let path = path.into();
        move |source| ExamplesError::Io { path, source }
    }
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");

/// Arrow's `Date32`: days since 1970-01-01.
fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - EPOCH).num_days() as i32
}

fn date_of(days_since_epoch: i32) -> NaiveDate {
    EPOCH + chrono::TimeDelta::days(i64::from(days_since_epoch))
}

/// `"name"` for SQL, with embedded quotes doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
