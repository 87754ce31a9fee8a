//! The example tables in a SQLite file, as Superset's SQLite examples store them: dates
//! declared `DATE` and kept as `'YYYY-MM-DD'` text.

use crate::columns::{Cell, ColumnKind, columns_of, create_table};
use crate::{ExamplesError, quote_ident, tables};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, QueryBuilder, Sqlite};
use std::path::Path;

/// Rows per INSERT statement; seven columns stay far below SQLite's 32766 parameters.
const ROWS_PER_INSERT: usize = 1000;

/// Creates `path` if needed and replaces its `sales` and `birth_names` tables, each in one
/// transaction.
pub async fn load_sqlite(path: &Path) -> Result<(), ExamplesError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    for table in tables() {
        let columns = table.columns()?;
        let name = quote_ident(table.name);
        let mut tx = conn.begin().await?;
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&create_table(&name, &columns, ColumnKind::sqlite_type))
            .execute(&mut *tx)
            .await?;
        for batch in table.batches() {
            let cells = columns_of(&batch)?;
            for start in (0..batch.num_rows()).step_by(ROWS_PER_INSERT) {
                let rows = start..batch.num_rows().min(start + ROWS_PER_INSERT);
                let mut insert = QueryBuilder::<Sqlite>::new(format!("INSERT INTO {name} "));
                insert.push_values(rows, |mut values, row| {
                    for column in &cells {
                        match column.cell(row) {
                            Cell::Date(d) => values.push_bind(d.to_string()),
                            Cell::Text(s) => values.push_bind(s),
                            Cell::Integer(v) => values.push_bind(v),
                            Cell::Real(v) => values.push_bind(v),
                        };
                    }
                });
                insert.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
    }
    conn.close().await?;
    Ok(())
}
