//! Arrow results in Superset's JSON terms: row objects, generic column types, and
//! datetimes as epoch milliseconds (Superset's `json_int_dttm_ser`).

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, SchemaRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use datafusion::arrow::error::ArrowError;
use serde_json::{Map, Number, Value};

/// Superset's `GenericDataType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenericType {
    Numeric = 0,
    String = 1,
    Temporal = 2,
    Boolean = 3,
}

impl GenericType {
    pub fn of(data_type: &DataType) -> Self {
        match data_type {
            t if t.is_numeric() => GenericType::Numeric,
            DataType::Boolean => GenericType::Boolean,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => GenericType::Temporal,
            _ => GenericType::String,
        }
    }

    /// The type name SQL Lab shows for a column.
    pub fn sql_type_name(data_type: &DataType) -> &'static str {
        match data_type {
            DataType::Boolean => "BOOLEAN",
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "INTEGER",
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => "INTEGER",
            DataType::Decimal128(..) | DataType::Decimal256(..) => "DECIMAL",
            t if t.is_floating() => "FLOAT",
            DataType::Date32 | DataType::Date64 => "DATE",
            DataType::Timestamp(..) => "DATETIME",
            DataType::Time32(_) | DataType::Time64(_) => "TIME",
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BINARY",
            _ => "STRING",
        }
    }
}

/// How datetimes are written: chart data sends epoch milliseconds, SQL Lab ISO text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datetimes {
    EpochMs,
    Iso,
}

/// Every row of `batches` as a JSON object keyed by column name, datetimes as epoch
/// milliseconds.
pub fn to_records(batches: &[RecordBatch]) -> Vec<Value> {
    to_records_with(batches, Datetimes::EpochMs)
}

/// Every row of `batches` as a JSON object keyed by column name.
pub fn to_records_with(batches: &[RecordBatch], datetimes: Datetimes) -> Vec<Value> {
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        for row in 0..batch.num_rows() {
            let mut object = Map::with_capacity(names.len());
            for (name, column) in names.iter().zip(batch.columns()) {
                let value = match datetimes {
                    Datetimes::Iso
                        if GenericType::of(column.data_type()) == GenericType::Temporal =>
                    {
                        iso_cell(column.as_ref(), row)
                    }
                    _ => cell(column.as_ref(), row),
                };
                object.insert((*name).to_owned(), value);
            }
            rows.push(Value::Object(object));
        }
    }
    rows
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// One cell as JSON.
pub fn cell(column: &dyn Array, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    match column.data_type() {
        DataType::Boolean => Value::Bool(column.as_boolean().value(row)),
        DataType::Int8 => column.as_primitive::<Int8Type>().value(row).into(),
        DataType::Int16 => column.as_primitive::<Int16Type>().value(row).into(),
        DataType::Int32 => column.as_primitive::<Int32Type>().value(row).into(),
        DataType::Int64 => column.as_primitive::<Int64Type>().value(row).into(),
        DataType::UInt8 => column.as_primitive::<UInt8Type>().value(row).into(),
        DataType::UInt16 => column.as_primitive::<UInt16Type>().value(row).into(),
        DataType::UInt32 => column.as_primitive::<UInt32Type>().value(row).into(),
        DataType::UInt64 => column.as_primitive::<UInt64Type>().value(row).into(),
        DataType::Float32 => float(column.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => float(column.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => {
            let raw = column.as_primitive::<Decimal128Type>().value(row);
            float(raw as f64 / 10f64.powi(*scale as i32))
        }
        DataType::Utf8 => Value::String(column.as_string::<i32>().value(row).to_owned()),
        DataType::LargeUtf8 => Value::String(column.as_string::<i64>().value(row).to_owned()),
        DataType::Utf8View => Value::String(column.as_string_view().value(row).to_owned()),
        DataType::Date32 => {
            float(column.as_primitive::<Date32Type>().value(row) as f64 * 86_400_000.0)
        }
        DataType::Date64 => float(column.as_primitive::<Date64Type>().value(row) as f64),
        DataType::Timestamp(unit, _) => float(epoch_ms(column, *unit, row)),
        _ => match cast_with_options(
            &column.slice(row, 1),
            &DataType::Utf8,
            &CastOptions::default(),
        ) {
            Ok(text) => Value::String(text.as_string::<i32>().value(0).to_owned()),
            Err(_) => Value::Null,
        },
    }
}

/// A date or datetime cell as ISO text (`2024-01-05`, `2024-01-05T10:00:00`).
fn iso_cell(column: &dyn Array, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    match cast_with_options(
        &column.slice(row, 1),
        &DataType::Utf8,
        &CastOptions::default(),
    ) {
        Ok(text) => Value::String(text.as_string::<i32>().value(0).to_owned()),
        Err(_) => cell(column, row),
    }
}

fn epoch_ms(column: &dyn Array, unit: TimeUnit, row: usize) -> f64 {
    match unit {
        TimeUnit::Second => column.as_primitive::<TimestampSecondType>().value(row) as f64 * 1e3,
        TimeUnit::Millisecond => {
            column.as_primitive::<TimestampMillisecondType>().value(row) as f64
        }
        TimeUnit::Microsecond => {
            column.as_primitive::<TimestampMicrosecondType>().value(row) as f64 / 1e3
        }
        TimeUnit::Nanosecond => {
            column.as_primitive::<TimestampNanosecondType>().value(row) as f64 / 1e6
        }
    }
}

/// `batch` with `schema`'s names and types: a database may return a widened integer
/// or a date as text where the plan declared otherwise.
pub fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    if batch.schema_ref().fields().len() != schema.fields().len() {
        return Err(ArrowError::SchemaError(format!(
            "the database returned {} columns where {} were expected",
            batch.num_columns(),
            schema.fields().len()
        )));
    }
    if batch.schema_ref() == schema {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                cast_with_options(column, field.data_type(), &CastOptions::default())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

/// A whole result as one Arrow IPC stream, as exporter plugins take it.
pub fn to_ipc(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>, crate::EngineError> {
    let failed = |e: ArrowError| crate::EngineError::Execution(e.to_string());
    let mut out = Vec::new();
    let mut writer =
        datafusion::arrow::ipc::writer::StreamWriter::try_new(&mut out, schema).map_err(failed)?;
    for batch in batches {
        writer.write(batch).map_err(failed)?;
    }
    writer.finish().map_err(failed)?;
    drop(writer);
    Ok(out)
}
