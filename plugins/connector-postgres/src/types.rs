//! PostgreSQL types as Arrow types, and decoding of their binary wire format
//! straight into Arrow builders.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use tessera_plugin_sdk::{DataType, Error, Result, TimeUnit};

use crate::numeric;

/// Type OIDs, from pg_type.dat.
mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// Days and microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const EPOCH_DAYS: i32 = 10_957;
const EPOCH_MICROS: i64 = 946_684_800_000_000;

/// How one result column is transferred and decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Int16,
    Int32,
    Int64,
    Oid,
    Float32,
    Float64,
    /// `numeric(p, s)` with p <= 38.
    Decimal {
        precision: u8,
        scale: i8,
    },
    /// Unconstrained (or too wide) `numeric`, as a double.
    NumericFloat,
    Bool,
    /// Types whose binary form is their UTF-8 text: text, varchar, name, json, ...
    Text,
    Jsonb,
    Uuid,
    Date,
    Timestamp,
    TimestampTz,
    Time,
    Bytea,
    /// Any other type, transferred in text format.
    Other,
}

impl Kind {
    /// The kind of a column of type `oid` with modifier `typmod`.
    pub fn of(type_oid: u32, typmod: i32) -> Kind {
        match type_oid {
            oid::INT2 => Kind::Int16,
            oid::INT4 => Kind::Int32,
            oid::INT8 => Kind::Int64,
            oid::OID => Kind::Oid,
            oid::FLOAT4 => Kind::Float32,
            oid::FLOAT8 => Kind::Float64,
            oid::NUMERIC => numeric_kind(typmod),
            oid::BOOL => Kind::Bool,
            oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::CHAR | oid::JSON => {
                Kind::Text
            }
            oid::JSONB => Kind::Jsonb,
            oid::UUID => Kind::Uuid,
            oid::DATE => Kind::Date,
            oid::TIMESTAMP => Kind::Timestamp,
            oid::TIMESTAMPTZ => Kind::TimestampTz,
            oid::TIME => Kind::Time,
            oid::BYTEA => Kind::Bytea,
            _ => Kind::Other,
        }
    }

    pub fn data_type(self) -> DataType {
        match self {
            Kind::Int16 => DataType::Int16,
            Kind::Int32 => DataType::Int32,
            Kind::Int64 | Kind::Oid => DataType::Int64,
            Kind::Float32 => DataType::Float32,
            Kind::Float64 | Kind::NumericFloat => DataType::Float64,
            Kind::Decimal { precision, scale } => DataType::Decimal128(precision, scale),
            Kind::Bool => DataType::Boolean,
            Kind::Text | Kind::Jsonb | Kind::Uuid | Kind::Other => DataType::Utf8,
            Kind::Date => DataType::Date32,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::TimestampTz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::Bytea => DataType::Binary,
        }
    }

    /// The result format code to ask for: binary, except for types decoded as text.
    pub fn format(self) -> i16 {
        i16::from(self != Kind::Other)
    }
}

/// `numeric`'s typmod is `((precision << 16) | scale) + 4`, the scale an 11-bit
/// signed number (negative scales exist since PostgreSQL 15); -1 means unconstrained.
fn numeric_kind(typmod: i32) -> Kind {
    if typmod < 4 {
        return Kind::NumericFloat;
    }
    let bits = typmod - 4;
    let precision = (bits >> 16) & 0xffff;
    let scale = ((bits & 0x7ff) ^ 1024) - 1024;
    match (u8::try_from(precision), i8::try_from(scale)) {
        (Ok(precision @ 1..=38), Ok(scale)) => Kind::Decimal { precision, scale },
        _ => Kind::NumericFloat,
    }
}

/// One column of the batch being built.
pub enum ColumnBuilder {
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Oid(Int64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Decimal(Decimal128Builder, i8),
    /// The scratch string is reused for the rare numerics that need text parsing.
    NumericFloat(Float64Builder, String),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    Jsonb(StringBuilder),
    Uuid(StringBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder, Option<Arc<str>>),
    Time(Time64MicrosecondBuilder),
    Bytea(BinaryBuilder),
}

impl ColumnBuilder {
    /// A builder for `rows` values; `bytes` estimates the variable-length data.
    pub fn new(kind: Kind, rows: usize, bytes: usize) -> Result<Self> {
        Ok(match kind {
            Kind::Int16 => Self::Int16(Int16Builder::with_capacity(rows)),
            Kind::Int32 => Self::Int32(Int32Builder::with_capacity(rows)),
            Kind::Int64 => Self::Int64(Int64Builder::with_capacity(rows)),
            Kind::Oid => Self::Oid(Int64Builder::with_capacity(rows)),
            Kind::Float32 => Self::Float32(Float32Builder::with_capacity(rows)),
            Kind::Float64 => Self::Float64(Float64Builder::with_capacity(rows)),
            Kind::Decimal { precision, scale } => Self::Decimal(
                Decimal128Builder::with_capacity(rows)
                    .with_precision_and_scale(precision, scale)?,
                scale,
            ),
            Kind::NumericFloat => {
                Self::NumericFloat(Float64Builder::with_capacity(rows), String::new())
            }
            Kind::Bool => Self::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Text | Kind::Other => Self::Text(StringBuilder::with_capacity(rows, bytes)),
            Kind::Jsonb => Self::Jsonb(StringBuilder::with_capacity(rows, bytes)),
            Kind::Uuid => Self::Uuid(StringBuilder::with_capacity(rows, rows * 36)),
            Kind::Date => Self::Date(Date32Builder::with_capacity(rows)),
            Kind::Timestamp => {
                Self::Timestamp(TimestampMicrosecondBuilder::with_capacity(rows), None)
            }
            Kind::TimestampTz => Self::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(rows),
                Some("UTC".into()),
            ),
            Kind::Time => Self::Time(Time64MicrosecondBuilder::with_capacity(rows)),
            Kind::Bytea => Self::Bytea(BinaryBuilder::with_capacity(rows, bytes)),
        })
    }

    /// Appends one value as the server sent it; `None` is SQL NULL.
    #[inline]
    pub fn append(&mut self, value: Option<&[u8]>) -> Result<()> {
        let Some(v) = value else {
            self.append_null();
            return Ok(());
        };
        match self {
            Self::Int16(b) => b.append_value(i16::from_be_bytes(fixed(v)?)),
            Self::Int32(b) => b.append_value(i32::from_be_bytes(fixed(v)?)),
            Self::Int64(b) => b.append_value(i64::from_be_bytes(fixed(v)?)),
            Self::Oid(b) => b.append_value(i64::from(u32::from_be_bytes(fixed(v)?))),
            Self::Float32(b) => b.append_value(f32::from_be_bytes(fixed(v)?)),
            Self::Float64(b) => b.append_value(f64::from_be_bytes(fixed(v)?)),
            Self::Decimal(b, scale) => b.append_option(numeric::to_i128(v, *scale)?),
            Self::NumericFloat(b, scratch) => b.append_value(numeric::to_f64(v, scratch)?),
            Self::Bool(b) => b.append_value(fixed::<1>(v)?[0] != 0),
            Self::Text(b) => append_text(b, v),
            Self::Jsonb(b) => match v.split_first() {
                Some((1, json)) => append_text(b, json),
                _ => return Err(malformed("jsonb")),
            },
            Self::Uuid(b) => {
                let mut text = [0; 36];
                b.append_value(format_uuid(fixed(v)?, &mut text)?);
            }
            Self::Date(b) => {
                let days = i32::from_be_bytes(fixed(v)?);
                // ±infinity are the extreme values and have no Arrow equivalent.
                b.append_option(match days {
                    i32::MAX | i32::MIN => None,
                    _ => days.checked_add(EPOCH_DAYS),
                });
            }
            Self::Timestamp(b, _) => {
                let micros = i64::from_be_bytes(fixed(v)?);
                b.append_option(match micros {
                    i64::MAX | i64::MIN => None,
                    _ => micros.checked_add(EPOCH_MICROS),
                });
            }
            Self::Time(b) => b.append_value(i64::from_be_bytes(fixed(v)?)),
            Self::Bytea(b) => b.append_value(v),
        }
        Ok(())
    }

    fn append_null(&mut self) {
        match self {
            Self::Int16(b) => b.append_null(),
            Self::Int32(b) => b.append_null(),
            Self::Int64(b) | Self::Oid(b) => b.append_null(),
            Self::Float32(b) => b.append_null(),
            Self::Float64(b) | Self::NumericFloat(b, _) => b.append_null(),
            Self::Decimal(b, _) => b.append_null(),
            Self::Bool(b) => b.append_null(),
            Self::Text(b) | Self::Jsonb(b) | Self::Uuid(b) => b.append_null(),
            Self::Date(b) => b.append_null(),
            Self::Timestamp(b, _) => b.append_null(),
            Self::Time(b) => b.append_null(),
            Self::Bytea(b) => b.append_null(),
        }
    }

    /// Bytes of variable-length data so far, to size the next batch's builder.
    pub fn data_len(&self) -> usize {
        match self {
            Self::Text(b) | Self::Jsonb(b) => b.values_slice().len(),
            Self::Bytea(b) => b.values_slice().len(),
            _ => 0,
        }
    }

    pub fn finish(self) -> ArrayRef {
        match self {
            Self::Int16(mut b) => Arc::new(b.finish()),
            Self::Int32(mut b) => Arc::new(b.finish()),
            Self::Int64(mut b) | Self::Oid(mut b) => Arc::new(b.finish()),
            Self::Float32(mut b) => Arc::new(b.finish()),
            Self::Float64(mut b) | Self::NumericFloat(mut b, _) => Arc::new(b.finish()),
            Self::Decimal(mut b, _) => Arc::new(b.finish()),
            Self::Bool(mut b) => Arc::new(b.finish()),
            Self::Text(mut b) | Self::Jsonb(mut b) | Self::Uuid(mut b) => Arc::new(b.finish()),
            Self::Date(mut b) => Arc::new(b.finish()),
            Self::Timestamp(mut b, tz) => Arc::new(b.finish().with_timezone_opt(tz)),
            Self::Time(mut b) => Arc::new(b.finish()),
            Self::Bytea(mut b) => Arc::new(b.finish()),
        }
    }
}

/// A fixed-width value, checked for length.
#[inline]
fn fixed<const N: usize>(v: &[u8]) -> Result<[u8; N]> {
    v.try_into().map_err(|_| malformed("fixed-width"))
}

/// The session's client_encoding is UTF8, so invalid bytes only come from the
/// `"char"` type; they are replaced rather than failing the query.
#[inline]
fn append_text(b: &mut StringBuilder, v: &[u8]) {
    match std::str::from_utf8(v) {
        Ok(text) => b.append_value(text),
        Err(_) => b.append_value(String::from_utf8_lossy(v)),
    }
}

/// Lowercase and hyphenated, as PostgreSQL prints it.
fn format_uuid(bytes: [u8; 16], text: &mut [u8; 36]) -> Result<&str> {
    let mut at = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text[at] = b'-';
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 15)];
        at += 2;
    }
    std::str::from_utf8(text).map_err(|_| malformed("uuid"))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn malformed(what: &str) -> Error {
    Error::internal(format!("malformed {what} value from the PostgreSQL server"))
}
