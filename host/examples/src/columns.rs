//! The four column kinds the example tables use, their type names in each place they are
//! written to, and typed access to a batch's cells for the SQL loaders.

use crate::{ExamplesError, date_of};
use arrow_array::{Array, Date32Array, Float64Array, Int64Array, StringArray};
use arrow_schema::DataType;
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Date,
    Text,
    Integer,
    Real,
}

impl ColumnKind {
    pub fn of(data_type: &DataType) -> Result<ColumnKind, ExamplesError> {
        match data_type {
            DataType::Date32 => Ok(ColumnKind::Date),
            DataType::Utf8 => Ok(ColumnKind::Text),
            DataType::Int64 => Ok(ColumnKind::Integer),
            DataType::Float64 => Ok(ColumnKind::Real),
            other => Err(ExamplesError::UnsupportedType(other.clone())),
        }
    }

    /// The type Superset shows for a dataset column of this kind.
    pub fn superset_type(self) -> &'static str {
        match self {
            ColumnKind::Date => "DATE",
            ColumnKind::Text => "VARCHAR",
            ColumnKind::Integer => "BIGINT",
            ColumnKind::Real => "DOUBLE",
        }
    }

    /// The declared type in SQLite, as Superset's SQLite examples declare it.
    pub fn sqlite_type(self) -> &'static str {
        match self {
            ColumnKind::Date => "DATE",
            ColumnKind::Text => "TEXT",
            ColumnKind::Integer => "INTEGER",
            ColumnKind::Real => "REAL",
        }
    }

    pub fn postgres_type(self) -> &'static str {
        match self {
            ColumnKind::Date => "DATE",
            ColumnKind::Text => "TEXT",
            ColumnKind::Integer => "BIGINT",
            ColumnKind::Real => "DOUBLE PRECISION",
        }
    }
}

/// One value of an example table.
pub(crate) enum Cell<'a> {
    Date(NaiveDate),
    Text(&'a str),
    Integer(i64),
    Real(f64),
}

/// A batch column downcast once, so rows can be read cell by cell.
pub(crate) enum Column<'a> {
    Date(&'a Date32Array),
    Text(&'a StringArray),
    Integer(&'a Int64Array),
    Real(&'a Float64Array),
}

impl<'a> Column<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> Result<Column<'a>, ExamplesError> {
        let any = array.as_any();
        let column = match ColumnKind::of(array.data_type())? {
            ColumnKind::Date => any.downcast_ref().map(Column::Date),
            ColumnKind::Text => any.downcast_ref().map(Column::Text),
            ColumnKind::Integer => any.downcast_ref().map(Column::Integer),
            ColumnKind::Real => any.downcast_ref().map(Column::Real),
        };
        column.ok_or_else(|| ExamplesError::UnsupportedType(array.data_type().clone()))
    }

    pub(crate) fn cell(&self, row: usize) -> Cell<'a> {
        match self {
            Column::Date(a) => Cell::Date(date_of(a.value(row))),
            Column::Text(a) => Cell::Text(a.value(row)),
            Column::Integer(a) => Cell::Integer(a.value(row)),
            Column::Real(a) => Cell::Real(a.value(row)),
        }
    }
}

/// Every column of `batch`, downcast.
pub(crate) fn columns_of(
    batch: &arrow_array::RecordBatch,
) -> Result<Vec<Column<'_>>, ExamplesError> {
    batch
        .columns()
        .iter()
        .map(|c| Column::of(c.as_ref()))
        .collect()
}

/// `CREATE TABLE name (column type, ...)` with each kind's type from `type_name`.
pub(crate) fn create_table(
    name: &str,
    columns: &[(&str, ColumnKind)],
    type_name: fn(ColumnKind) -> &'static str,
) -> String {
    let columns: Vec<String> = columns
        .iter()
        .map(|&(column, kind)| format!("{} {}", crate::quote_ident(column), type_name(kind)))
        .collect();
    format!("CREATE TABLE {name} ({})", columns.join(", "))
}
