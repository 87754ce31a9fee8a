//! The example tables in PostgreSQL, streamed in with `COPY ... FROM STDIN` (text format).

use crate::columns::{Cell, ColumnKind, columns_of, create_table};
use crate::{ExamplesError, quote_ident, tables};
use arrow_array::RecordBatch;
use sqlx::{Connection, PgConnection};
use std::fmt::Write;

/// Creates `schema` if needed and replaces its `sales` and `birth_names` tables, each in
/// one transaction (`public` is the usual schema; tests use one of their own).
pub async fn load_postgres(url: &str, schema: &str) -> Result<(), ExamplesError> {
    let mut conn = PgConnection::connect(url).await?;
    let schema = quote_ident(schema);
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .execute(&mut conn)
        .await?;
    for table in tables() {
        let columns = table.columns()?;
        let name = format!("{schema}.{}", quote_ident(table.name));
        let mut tx = conn.begin().await?;
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&create_table(&name, &columns, ColumnKind::postgres_type))
            .execute(&mut *tx)
            .await?;
        let mut copy = tx.copy_in_raw(&format!("COPY {name} FROM STDIN")).await?;
        for batch in table.batches() {
            copy.send(copy_text(&batch)?.into_bytes()).await?;
        }
        copy.finish().await?;
        tx.commit().await?;
    }
    conn.close().await?;
    Ok(())
}

/// The batch in COPY's text format: one line per row, tab-separated.
fn copy_text(batch: &RecordBatch) -> Result<String, ExamplesError> {
    let cells = columns_of(batch)?;
    let mut text = String::with_capacity(batch.num_rows() * 48);
    for row in 0..batch.num_rows() {
        for (i, column) in cells.iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            // Writing to a String cannot fail.
            match column.cell(row) {
                Cell::Date(d) => _ = write!(text, "{d}"),
                Cell::Text(s) => push_escaped(&mut text, s),
                Cell::Integer(v) => _ = write!(text, "{v}"),
                Cell::Real(v) => _ = write!(text, "{v}"),
            }
        }
        text.push('\n');
    }
    Ok(text)
}

/// Escapes the characters COPY's text format gives a meaning to.
fn push_escaped(text: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => text.push_str("\\\\"),
            '\t' => text.push_str("\\t"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            c => text.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_its_separators() {
        let mut text = String::new();
        push_escaped(&mut text, "a\tb\\c\nd");
        assert_eq!(text, "a\\tb\\\\c\\nd");
    }
}
