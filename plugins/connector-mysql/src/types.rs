//! MySQL types to Arrow types. Result-set metadata (execute) and
//! information_schema.columns (table-schema) must agree, as the host relies on it.

use std::sync::Arc;

use mysql_common::constants::{ColumnFlags, ColumnType};
use mysql_common::packets::Column;
use tessera_plugin_sdk::{DataType, TimeUnit};

/// Character set id of binary strings: it tells BLOB from TEXT.
const BINARY_CHARSET: u16 = 63;

fn utc() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

fn decimal(precision: u32, scale: u32) -> DataType {
    match (
        u8::try_from(precision.max(scale).max(1)),
        i8::try_from(scale),
    ) {
        (Ok(p), Ok(s)) if p <= 38 => DataType::Decimal128(p, s),
        // Wider than 128 bits: keep the exact digits as text.
        _ => DataType::Utf8,
    }
}

/// The Arrow type of a result-set column.
pub fn of_column(column: &Column) -> DataType {
    use ColumnType::*;
    let unsigned = column.flags().contains(ColumnFlags::UNSIGNED_FLAG);
    let pick = |signed: DataType, unsigned_type: DataType| {
        if unsigned { unsigned_type } else { signed }
    };
    match column.column_type() {
        MYSQL_TYPE_TINY if column.column_length() == 1 && !unsigned => DataType::Boolean,
        MYSQL_TYPE_TINY => pick(DataType::Int8, DataType::UInt8),
        MYSQL_TYPE_SHORT => pick(DataType::Int16, DataType::UInt16),
        MYSQL_TYPE_INT24 | MYSQL_TYPE_LONG => pick(DataType::Int32, DataType::UInt32),
        MYSQL_TYPE_LONGLONG => pick(DataType::Int64, DataType::UInt64),
        MYSQL_TYPE_YEAR => DataType::Int16,
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => {
            // The display length counts the sign and the decimal point.
            let scale = u32::from(column.decimals());
            let point = u32::from(scale > 0);
            let sign = u32::from(!unsigned);
            let precision = column.column_length().saturating_sub(point + sign);
            decimal(precision, scale)
        }
        MYSQL_TYPE_FLOAT => DataType::Float32,
        MYSQL_TYPE_DOUBLE => DataType::Float64,
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => DataType::Date32,
        MYSQL_TYPE_DATETIME | MYSQL_TYPE_DATETIME2 => {
            DataType::Timestamp(TimeUnit::Microsecond, None)
        }
        MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_TIMESTAMP2 => utc(),
        MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => DataType::Time64(TimeUnit::Microsecond),
        MYSQL_TYPE_BIT => DataType::UInt64,
        MYSQL_TYPE_GEOMETRY => DataType::Binary,
        MYSQL_TYPE_STRING
        | MYSQL_TYPE_VAR_STRING
        | MYSQL_TYPE_VARCHAR
        | MYSQL_TYPE_TINY_BLOB
        | MYSQL_TYPE_MEDIUM_BLOB
        | MYSQL_TYPE_LONG_BLOB
        | MYSQL_TYPE_BLOB
            if column.character_set() == BINARY_CHARSET =>
        {
            DataType::Binary
        }
        // Text, ENUM, SET, JSON and anything newer.
        _ => DataType::Utf8,
    }
}

/// The Arrow type of a column described by information_schema.columns:
/// `data_type` is DATA_TYPE (e.g. "int"), `column_type` is COLUMN_TYPE (e.g. "int(10) unsigned").
pub fn of_declared(data_type: &str, column_type: &str) -> DataType {
    let data_type = data_type.to_ascii_lowercase();
    let column_type = column_type.to_ascii_lowercase();
    let unsigned = column_type.contains("unsigned");
    let pick = |signed: DataType, unsigned_type: DataType| {
        if unsigned { unsigned_type } else { signed }
    };
    match data_type.as_str() {
        "tinyint" if column_type.starts_with("tinyint(1)") && !unsigned => DataType::Boolean,
        "bool" | "boolean" => DataType::Boolean,
        "tinyint" => pick(DataType::Int8, DataType::UInt8),
        "smallint" => pick(DataType::Int16, DataType::UInt16),
        "mediumint" | "int" | "integer" => pick(DataType::Int32, DataType::UInt32),
        "bigint" => pick(DataType::Int64, DataType::UInt64),
        "year" => DataType::Int16,
        "decimal" | "numeric" => {
            let (precision, scale) = type_args(&column_type).unwrap_or((10, 0));
            decimal(precision, scale)
        }
        "float" => DataType::Float32,
        "double" | "real" | "double precision" => DataType::Float64,
        "date" => DataType::Date32,
        "datetime" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamp" => utc(),
        "time" => DataType::Time64(TimeUnit::Microsecond),
        "bit" => DataType::UInt64,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "geometry"
        | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring"
        | "multipolygon" | "geometrycollection" | "geomcollection" => DataType::Binary,
        _ => DataType::Utf8,
    }
}

/// The `(p,s)` of a type like "decimal(10,2) unsigned"; `(p)` means scale 0.
fn type_args(column_type: &str) -> Option<(u32, u32)> {
    let inner = column_type.split_once('(')?.1.split_once(')')?.0;
    let mut parts = inner.split(',').map(|p| p.trim().parse::<u32>());
    let precision = parts.next()?.ok()?;
    let scale = parts.next().transpose().ok()?.unwrap_or(0);
    Some((precision, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        assert_eq!(of_declared("tinyint", "tinyint(1)"), DataType::Boolean);
        assert_eq!(of_declared("tinyint", "tinyint(4)"), DataType::Int8);
        assert_eq!(of_declared("int", "int(10) unsigned"), DataType::UInt32);
        assert_eq!(
            of_declared("decimal", "decimal(10,2)"),
            DataType::Decimal128(10, 2)
        );
        assert_eq!(of_declared("decimal", "decimal(65,4)"), DataType::Utf8);
        assert_eq!(of_declared("varbinary", "varbinary(8)"), DataType::Binary);
        assert_eq!(of_declared("enum", "enum('a','b')"), DataType::Utf8);
    }
}
