//! Arrow types for SQLite columns.
//!
//! SQLite is dynamically typed: a column's declared type only gives it an affinity.
//! The Arrow type follows SQLite's affinity rules (§3.1 of "Datatypes In SQLite"),
//! refined by the names people use for booleans, dates and timestamps, which SQLite
//! stores as integers or text. Values that do not fit are coerced when read.

use rusqlite::types::ValueRef;
use tessera_plugin_sdk::{DataType, TimeUnit};

/// The Arrow type of a column declared as `declared` (any case); `None` when the
/// declaration is empty, as for an untyped column or an expression.
pub fn from_declared(declared: &str) -> Option<DataType> {
    let t = declared.trim().to_ascii_uppercase();
    if t.is_empty() {
        return None;
    }
    // Order matters: "INT" wins over everything as in SQLite, and DATETIME before DATE.
    let data_type = if t.contains("INT") {
        DataType::Int64
    } else if t.contains("BOOL") {
        DataType::Boolean
    } else if t.starts_with("DATETIME") || t.starts_with("TIMESTAMP") {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    } else if t.starts_with("DATE") {
        DataType::Date32
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        DataType::Utf8
    } else if t.contains("BLOB") {
        DataType::Binary
    } else if ["REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL"]
        .iter()
        .any(|name| t.contains(name))
    {
        DataType::Float64
    } else {
        // TIME, JSON, UUID and other names: text can hold whatever is stored.
        DataType::Utf8
    };
    Some(data_type)
}

/// The Arrow type for values like `value`, for result columns without a declared type.
pub fn from_value(value: &ValueRef<'_>) -> DataType {
    match value {
        ValueRef::Integer(_) => DataType::Int64,
        ValueRef::Real(_) => DataType::Float64,
        ValueRef::Blob(_) => DataType::Binary,
        ValueRef::Text(_) | ValueRef::Null => DataType::Utf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
        for (declared, expected) in [
            ("INTEGER", DataType::Int64),
            ("bigint", DataType::Int64),
            ("UNSIGNED BIG INT", DataType::Int64),
            ("BOOLEAN", DataType::Boolean),
            ("VARCHAR(20)", DataType::Utf8),
            ("TEXT", DataType::Utf8),
            ("CLOB", DataType::Utf8),
            ("BLOB", DataType::Binary),
            ("REAL", DataType::Float64),
            ("DOUBLE PRECISION", DataType::Float64),
            ("FLOAT", DataType::Float64),
            ("NUMERIC", DataType::Float64),
            ("DECIMAL(10,2)", DataType::Float64),
            ("DATE", DataType::Date32),
            ("DATETIME", ts.clone()),
            ("TIMESTAMP", ts),
            ("TIME", DataType::Utf8),
            ("JSON", DataType::Utf8),
        ] {
            assert_eq!(from_declared(declared), Some(expected), "{declared}");
        }
        assert_eq!(from_declared(""), None);
    }
}
