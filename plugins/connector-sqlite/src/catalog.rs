//! Schemas, tables and columns, read from SQLite's catalog and pragmas.

use rusqlite::Connection;
use tessera_plugin_sdk::{
    Column, DataType, Error, ErrorKind, Result, TableColumns, TableInfo, TableKind,
};

use crate::error::from_rusqlite;
use crate::types;

/// The schema SQLite opens the database file as.
pub const MAIN: &str = "main";

/// `main` and the attached databases, sorted. `temp` is left out: it holds only what
/// this connection created and vanishes with it.
pub fn schemas(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_database_list WHERE name <> 'temp' ORDER BY name")
        .map_err(from_rusqlite)?;
    let names = stmt
        .query_map([], |row| row.get(0))
        .and_then(Iterator::collect)
        .map_err(from_rusqlite)?;
    Ok(names)
}

/// The tables and views of `schema`, sorted by name, without SQLite's own tables.
pub fn tables(conn: &Connection, schema: &str) -> Result<Vec<TableInfo>> {
    let schema = existing_schema(conn, schema)?;
    // A schema name cannot be a bind parameter; it is quoted as an identifier.
    let sql = format!(
        "SELECT name, type FROM {}.sqlite_master \
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY name",
        quote_identifier(&schema)
    );
    let mut stmt = conn.prepare(&sql).map_err(from_rusqlite)?;
    let tables = stmt
        .query_map([], |row| {
            let kind: String = row.get(1)?;
            Ok(TableInfo {
                name: row.get(0)?,
                kind: if kind == "view" {
                    TableKind::View
                } else {
                    TableKind::Table
                },
            })
        })
        .and_then(Iterator::collect)
        .map_err(from_rusqlite)?;
    Ok(tables)
}

/// The columns of `schema.table` (of `main` when no schema is given).
pub fn table_columns(conn: &Connection, schema: Option<&str>, table: &str) -> Result<TableColumns> {
    let schema = existing_schema(conn, schema.unwrap_or(MAIN))?;
    // table_xinfo also lists generated columns; hidden = 1 marks a virtual table's
    // hidden columns, which `SELECT *` does not return.
    let mut stmt = conn
        .prepare(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?1, ?2) \
             WHERE hidden <> 1 ORDER BY cid",
        )
        .map_err(from_rusqlite)?;
    let rows: Vec<(String, String, bool, i64)> = stmt
        .query_map([table, schema.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .and_then(Iterator::collect)
        .map_err(from_rusqlite)?;
    if rows.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("Table [{schema}.{table}] could not be found"),
        ));
    }
    let mut key: Vec<(i64, String)> = rows
        .iter()
        .filter(|(_, _, _, pk)| *pk > 0)
        .map(|(name, _, _, pk)| (*pk, name.clone()))
        .collect();
    key.sort();
    let columns = rows
        .into_iter()
        .map(|(name, declared, not_null, pk)| Column {
            name,
            // An untyped column holds any value; text can show them all.
            data_type: types::from_declared(&declared).unwrap_or(DataType::Utf8),
            type_name: declared.to_ascii_uppercase(),
            nullable: !not_null && pk == 0,
            comment: None,
        })
        .collect();
    Ok(TableColumns {
        columns,
        primary_key: key.into_iter().map(|(_, name)| name).collect(),
        comment: None,
    })
}

/// `schema` as SQLite spells it, or not-found when no such database is attached.
fn existing_schema(conn: &Connection, schema: &str) -> Result<String> {
    let found = conn
        .query_row(
            "SELECT name FROM pragma_database_list WHERE name = ?1 COLLATE NOCASE",
            [schema],
            |row| row.get(0),
        )
        .map_err(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => Error::new(
                ErrorKind::NotFound,
                format!("Schema [{schema}] could not be found"),
            ),
            other => from_rusqlite(other),
        })?;
    Ok(found)
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
