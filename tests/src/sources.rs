//! The same small `orders` table in every kind of source Tessera reads — PostgreSQL,
//! MariaDB and SQLite through their connectors, Parquet through DataFusion — and a
//! direct line to each, so a test can compare Tessera's answer with the database's own.

use datafusion::prelude::{ParquetReadOptions, SessionContext};
use serde_json::Value;
use sqlx::{AnyConnection, Column, Connection, Row};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Postgres,
    MariaDb,
    Sqlite,
    Parquet,
}

/// `orders` in one source.
pub struct OrdersSource {
    pub kind: SourceKind,
    /// The URI Tessera's database gets.
    pub uri: String,
    /// The table's name there.
    pub table: String,
    /// The schema Tessera sees it in.
    pub schema: String,
    direct: String,
    dir: PathBuf,
}

pub const REGIONS: [&str; 4] = ["North", "South", "East", "West"];
pub const PRODUCTS: [&str; 3] = ["Widget", "Gadget", "Gizmo"];
const NOTES: [&str; 4] = ["alpha", "Beta", "GAMMA", "delta"];
pub const ORDER_ROWS: usize = 240;

/// One deterministic row as SQL literals: id, ds, region, product, amount, qty, flag, note.
fn row(i: usize, kind: SourceKind) -> String {
    let day = (i * 3) % 365;
    let ds = chrono_free_date(day);
    let amount = ((i * 37) % 1000) as f64 / 10.0 + 0.25;
    let qty = (i % 7 + 1) as f64;
    let flag = match (kind, i.is_multiple_of(5)) {
        (SourceKind::Sqlite, f) => (f as u8).to_string(),
        (_, true) => "TRUE".into(),
        (_, false) => "FALSE".into(),
    };
    let note = if i.is_multiple_of(6) {
        "NULL".to_owned()
    } else {
        format!("'{}'", NOTES[i % 4])
    };
    let ds = match kind {
        SourceKind::Parquet => format!("CAST('{ds}' AS DATE)"),
        _ => format!("'{ds}'"),
    };
    format!(
        "({i}, {ds}, '{}', '{}', {amount}, {qty}, {flag}, {note})",
        REGIONS[i % 4],
        PRODUCTS[(i * 7 / 3) % 3]
    )
}

/// 2024-01-01 plus `day` days (2024 is a leap year), without a date library.
fn chrono_free_date(day: usize) -> String {
    const MONTHS: [usize; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut rest = day;
    for (m, len) in MONTHS.iter().enumerate() {
        if rest < *len {
            return format!("2024-{:02}-{:02}", m + 1, rest + 1);
        }
        rest -= len;
    }
    unreachable!("day within 2024")
}

fn values(kind: SourceKind) -> String {
    (0..ORDER_ROWS)
        .map(|i| row(i, kind))
        .collect::<Vec<_>>()
        .join(", ")
}

impl OrdersSource {
    /// Creates a fresh `orders` table in `kind`; `dir` is this test's own directory.
    pub async fn create(kind: SourceKind, dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let table = format!(
            "orders_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let (uri, direct, schema) = match kind {
            SourceKind::Postgres => (
                "postgresql://postgres@127.0.0.1:5432/test".to_owned(),
                "postgres://postgres@127.0.0.1:5432/test".to_owned(),
                "public",
            ),
            SourceKind::MariaDb => (
                "mysql://root@127.0.0.1:3306/test".to_owned(),
                "mysql://root@127.0.0.1:3306/test".to_owned(),
                "test",
            ),
            SourceKind::Sqlite => {
                let path = dir.join("orders.db");
                (
                    format!("sqlite://{}", path.display()),
                    format!("sqlite://{}?mode=rwc", path.display()),
                    "main",
                )
            }
            SourceKind::Parquet => (
                format!("datafusion://{}", dir.display()),
                String::new(),
                "main",
            ),
        };
        let source = OrdersSource {
            kind,
            uri,
            table,
            schema: schema.to_owned(),
            direct,
            dir: dir.to_path_buf(),
        };
        source.load().await;
        source
    }

    async fn load(&self) {
        let t = &self.table;
        if self.kind == SourceKind::Parquet {
            let ctx = SessionContext::new();
            let select = format!(
                "SELECT CAST(column1 AS BIGINT) AS id, column2 AS ds, column3 AS region, column4 AS product, \
                 CAST(column5 AS DOUBLE) AS amount, CAST(column6 AS DOUBLE) AS qty, column7 AS flag, column8 AS note \
                 FROM (VALUES {})",
                values(self.kind)
            );
            let frame = ctx.sql(&select).await.unwrap();
            let path = self.dir.join(format!("{t}.parquet"));
            frame
                .write_parquet(
                    path.to_str().unwrap(),
                    datafusion::dataframe::DataFrameWriteOptions::new()
                        .with_single_file_output(true),
                    None,
                )
                .await
                .unwrap();
            return;
        }
        let (double, text, boolean) = match self.kind {
            SourceKind::Postgres => ("DOUBLE PRECISION", "VARCHAR(20)", "BOOLEAN"),
            SourceKind::MariaDb => ("DOUBLE", "VARCHAR(20)", "BOOLEAN"),
            _ => ("REAL", "TEXT", "BOOLEAN"),
        };
        let mut conn = self.connect().await;
        for statement in [
            format!(
                "CREATE TABLE {t} (id INTEGER, ds DATE, region {text}, product {text}, amount {double}, \
                 qty {double}, flag {boolean}, note {text})"
            ),
            format!("INSERT INTO {t} VALUES {}", values(self.kind)),
        ] {
            sqlx::query(&statement).execute(&mut conn).await.unwrap();
        }
    }

    async fn connect(&self) -> AnyConnection {
        sqlx::any::install_default_drivers();
        AnyConnection::connect(&self.direct)
            .await
            .unwrap_or_else(|e| panic!("{:?} must be reachable: {e}", self.kind))
    }

    /// Runs `sql` (with `{t}` standing for the table) on the source itself and returns
    /// its rows, each cell as JSON.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        let sql = sql.replace("{t}", &self.table);
        if self.kind == SourceKind::Parquet {
            let ctx = SessionContext::new();
            let path = self.dir.join(format!("{}.parquet", self.table));
            ctx.register_parquet(
                &self.table,
                path.to_str().unwrap(),
                ParquetReadOptions::default(),
            )
            .await
            .unwrap();
            let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            return batches
                .iter()
                .flat_map(|batch| {
                    (0..batch.num_rows()).map(move |row| {
                        batch
                            .columns()
                            .iter()
                            .map(|column| tessera_engine::records::cell(column.as_ref(), row))
                            .collect()
                    })
                })
                .collect();
        }
        let mut conn = self.connect().await;
        let rows = sqlx::query(&sql)
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.iter()
            .map(|row| (0..row.columns().len()).map(|i| any_cell(row, i)).collect())
            .collect()
    }

    /// Removes the table.
    pub async fn drop(self) {
        if self.kind != SourceKind::Parquet {
            let mut conn = self.connect().await;
            let _ = sqlx::query(&format!("DROP TABLE {}", self.table))
                .execute(&mut conn)
                .await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn any_cell(row: &sqlx::any::AnyRow, i: usize) -> Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    panic!(
        "column {i} has a type the test cannot read: {:?}",
        row.columns()[i].name()
    )
}
