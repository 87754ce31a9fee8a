//! Schemas, tables and columns from information_schema.

use tessera_plugin_sdk::{Column, Error, ErrorKind, Result, TableColumns, TableInfo, TableKind};

use crate::session::Session;
use crate::types;

/// MySQL's own schemas, hidden as Superset hides them.
const SYSTEM_SCHEMAS: &[&str] = &["information_schema", "performance_schema", "mysql", "sys"];

/// A string literal immune to sql_mode (NO_BACKSLASH_ESCAPES) and to any quoting
/// in `value`: its UTF-8 bytes in hex, read back as utf8mb4 text.
fn literal(value: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(value.len() * 2 + 32);
    out.push_str("CONVERT(X'");
    for byte in value.bytes() {
        let _ = write!(out, "{byte:02X}");
    }
    out.push_str("' USING utf8mb4)");
    out
}

/// Column `i` of a catalog row, empty when NULL or missing.
fn text(row: &mut [Option<String>], i: usize) -> String {
    row.get_mut(i).and_then(Option::take).unwrap_or_default()
}

pub fn list_schemas(session: &mut Session) -> Result<Vec<String>> {
    let rows = session.query_text("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")?;
    let mut schemas: Vec<String> = rows
        .into_iter()
        .map(|mut row| text(&mut row, 0))
        .filter(|name| !SYSTEM_SCHEMAS.contains(&name.to_ascii_lowercase().as_str()))
        .collect();
    schemas.sort();
    Ok(schemas)
}

pub fn list_tables(session: &mut Session, schema: &str) -> Result<Vec<TableInfo>> {
    let sql = format!(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = {}",
        literal(schema)
    );
    let mut tables: Vec<TableInfo> = session
        .query_text(&sql)?
        .into_iter()
        .map(|mut row| {
            let kind = match text(&mut row, 1).as_str() {
                "VIEW" | "SYSTEM VIEW" => TableKind::View,
                _ => TableKind::Table,
            };
            TableInfo {
                name: text(&mut row, 0),
                kind,
            }
        })
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// The columns, primary key and comment of `schema.table`; `schema` None means
/// the connection's database.
pub fn table_schema(
    session: &mut Session,
    schema: Option<&str>,
    table: &str,
) -> Result<TableColumns> {
    let schema_sql = schema.map_or_else(|| "DATABASE()".to_owned(), literal);
    let filter = format!(
        "TABLE_SCHEMA = {schema_sql} AND TABLE_NAME = {}",
        literal(table)
    );

    let mut tables = session.query_text(&format!(
        "SELECT TABLE_COMMENT, TABLE_TYPE FROM information_schema.TABLES WHERE {filter}"
    ))?;
    let Some(mut info) = tables.pop() else {
        let name = schema.map_or_else(|| table.to_owned(), |s| format!("{s}.{table}"));
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("Table [{name}] could not be found"),
        ));
    };
    let comment = text(&mut info, 0);
    // MySQL reports a view's comment as the word VIEW.
    let is_view_word = comment == "VIEW" && text(&mut info, 1) == "VIEW";
    let comment = (!comment.is_empty() && !is_view_word).then_some(comment);

    let columns = session
        .query_text(&format!(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_COMMENT \
             FROM information_schema.COLUMNS WHERE {filter} ORDER BY ORDINAL_POSITION"
        ))?
        .into_iter()
        .map(|mut row| {
            let column_type = text(&mut row, 2);
            let comment = Some(text(&mut row, 4)).filter(|c| !c.is_empty());
            Column {
                name: text(&mut row, 0),
                data_type: types::of_declared(&text(&mut row, 1), &column_type),
                type_name: column_type.to_ascii_uppercase(),
                nullable: text(&mut row, 3) == "YES",
                comment,
            }
        })
        .collect();

    let primary_key = session
        .query_text(&format!(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
             WHERE {filter} AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION"
        ))?
        .into_iter()
        .map(|mut row| text(&mut row, 0))
        .collect();

    Ok(TableColumns {
        columns,
        primary_key,
        comment,
    })
}
