//! Schemas, tables and columns from the system catalogs. Names are always bind
//! parameters, never spliced into the SQL.

use tessera_plugin_sdk::{Column, Error, ErrorKind, Result, TableColumns, TableInfo, TableKind};

use crate::session::Session;
use crate::types::Kind;

const SCHEMAS: &str = "SELECT nspname FROM pg_catalog.pg_namespace \
     WHERE nspname NOT IN ('pg_catalog', 'information_schema') \
       AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%' \
     ORDER BY nspname";

/// Tables (ordinary, partitioned, foreign) and views (plain, materialised).
const TABLES: &str = "SELECT c.relname, c.relkind IN ('v', 'm') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm') \
     ORDER BY c.relname";

const RELATION: &str = "SELECT c.oid, pg_catalog.obj_description(c.oid, 'pg_class') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'v', 'm')";

/// A domain column is sent as its base type, so its Arrow type is the base type's.
const COLUMNS: &str = "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), \
       NOT a.attnotnull, pg_catalog.col_description(a.attrelid, a.attnum), \
       CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, \
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END \
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
     WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attnum";

const PRIMARY_KEY: &str = "SELECT a.attname \
     FROM pg_catalog.pg_index i \
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
     WHERE i.indrelid = $1::oid AND i.indisprimary \
     ORDER BY k.ord";

pub fn list_schemas(session: &mut Session) -> Result<Vec<String>> {
    let rows = session.query(SCHEMAS, &[])?;
    rows.into_iter().map(|row| text(&row, 0)).collect()
}

pub fn list_tables(session: &mut Session, schema: &str) -> Result<Vec<TableInfo>> {
    let rows = session.query(TABLES, &[Some(schema)])?;
    rows.into_iter()
        .map(|row| {
            Ok(TableInfo {
                name: text(&row, 0)?,
                kind: if flag(&row, 1)? {
                    TableKind::View
                } else {
                    TableKind::Table
                },
            })
        })
        .collect()
}

pub fn table_schema(
    session: &mut Session,
    schema: Option<&str>,
    table: &str,
) -> Result<TableColumns> {
    let schema = match schema {
        Some(schema) => schema.to_owned(),
        None => current_schema(session)?,
    };
    let relation = session.query(RELATION, &[Some(&schema), Some(table)])?;
    let Some(relation) = relation.first() else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("Table [{schema}.{table}] could not be found"),
        ));
    };
    let oid = text(relation, 0)?;
    let comment = optional(relation, 1);

    let columns = session
        .query(COLUMNS, &[Some(&oid)])?
        .into_iter()
        .map(|row| {
            let type_oid = number(&row, 4)?;
            let typmod = number(&row, 5)?;
            Ok(Column {
                name: text(&row, 0)?,
                type_name: text(&row, 1)?,
                data_type: Kind::of(type_oid, typmod).data_type(),
                nullable: flag(&row, 2)?,
                comment: optional(&row, 3),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let primary_key = session
        .query(PRIMARY_KEY, &[Some(&oid)])?
        .into_iter()
        .map(|row| text(&row, 0))
        .collect::<Result<Vec<_>>>()?;
    Ok(TableColumns {
        columns,
        primary_key,
        comment,
    })
}

/// The schema unqualified names resolve to; "public" when the search path names
/// no existing schema.
fn current_schema(session: &mut Session) -> Result<String> {
    let rows = session.query("SELECT current_schema()", &[])?;
    Ok(rows
        .first()
        .and_then(|row| optional(row, 0))
        .unwrap_or_else(|| "public".to_owned()))
}

type Row = Vec<Option<String>>;

fn optional(row: &Row, i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

fn text(row: &Row, i: usize) -> Result<String> {
    optional(row, i).ok_or_else(|| Error::internal("unexpected NULL in the PostgreSQL catalog"))
}

/// A boolean in text format.
fn flag(row: &Row, i: usize) -> Result<bool> {
    Ok(text(row, i)? == "t")
}

fn number<T: std::str::FromStr>(row: &Row, i: usize) -> Result<T> {
    text(row, i)?
        .parse()
        .map_err(|_| Error::internal("unexpected number in the PostgreSQL catalog"))
}
