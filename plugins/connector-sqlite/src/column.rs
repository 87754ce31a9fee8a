//! Arrow arrays built one SQLite value at a time.

use std::sync::Arc;

use rusqlite::types::ValueRef;
use tessera_plugin_sdk::arrow_array::ArrayRef;
use tessera_plugin_sdk::arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use tessera_plugin_sdk::{DataType, Error, Result};

use crate::coerce;

/// A builder for one of the Arrow types [`crate::types`] produces.
pub enum ColumnBuilder {
    Int64(Int64Builder),
    Float64(Float64Builder),
    Boolean(BooleanBuilder),
    Utf8(StringBuilder),
    Binary(BinaryBuilder),
    Date32(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
}

impl ColumnBuilder {
    pub fn new(data_type: &DataType) -> Result<Self> {
        Ok(match data_type {
            DataType::Int64 => Self::Int64(Int64Builder::new()),
            DataType::Float64 => Self::Float64(Float64Builder::new()),
            DataType::Boolean => Self::Boolean(BooleanBuilder::new()),
            DataType::Utf8 => Self::Utf8(StringBuilder::new()),
            DataType::Binary => Self::Binary(BinaryBuilder::new()),
            DataType::Date32 => Self::Date32(Date32Builder::new()),
            DataType::Timestamp(..) => Self::Timestamp(TimestampMicrosecondBuilder::new()),
            other => return Err(Error::internal(format!("no builder for {other}"))),
        })
    }

    /// Appends `value` converted to the column's type (NULL when it has no meaning there).
    pub fn append(&mut self, value: ValueRef<'_>) {
        match self {
            Self::Int64(b) => b.append_option(coerce::to_i64(value)),
            Self::Float64(b) => b.append_option(coerce::to_f64(value)),
            Self::Boolean(b) => b.append_option(coerce::to_bool(value)),
            Self::Utf8(b) => b.append_option(coerce::to_text(value)),
            Self::Binary(b) => b.append_option(coerce::to_bytes(value)),
            Self::Date32(b) => b.append_option(coerce::to_date(value)),
            Self::Timestamp(b) => b.append_option(coerce::to_timestamp(value)),
        }
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Int64(b) => Arc::new(b.finish()),
            Self::Float64(b) => Arc::new(b.finish()),
            Self::Boolean(b) => Arc::new(b.finish()),
            Self::Utf8(b) => Arc::new(b.finish()),
            Self::Binary(b) => Arc::new(b.finish()),
            Self::Date32(b) => Arc::new(b.finish()),
            Self::Timestamp(b) => Arc::new(b.finish()),
        }
    }
}
