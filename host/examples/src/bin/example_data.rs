//! `tessera-example-data`: puts the example tables where a benchmark needs them.

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "tessera-example-data",
    about = "Writes Tessera's example tables (sales, birth_names); existing tables are replaced"
)]
enum Target {
    /// Into a SQLite file (created if missing).
    Sqlite { file: PathBuf },
    /// Into a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test.
    Postgres {
        url: String,
        #[arg(long, default_value = "public")]
        schema: String,
    },
    /// As `<table>.parquet` files in a directory (kept when already up to date).
    Parquet { dir: PathBuf },
}

#[tokio::main]
async fn main() -> Result<()> {
    match Target::parse() {
        Target::Sqlite { file } => tessera_examples::load_sqlite(&file)
            .await
            .with_context(|| format!("loading {}", file.display()))?,
        Target::Postgres { url, schema } => tessera_examples::load_postgres(&url, &schema)
            .await
            .context("loading PostgreSQL")?,
        Target::Parquet { dir } => {
            for path in tessera_examples::write_parquet(&dir)? {
                println!("{}", path.display());
            }
        }
    }
    Ok(())
}
