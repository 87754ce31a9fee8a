//! Building inputs and reading outputs of `apply` in tests.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use serde_json::Value;
use tessera_post_processing::{PostProcessingStep, apply};

pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

pub fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

pub fn floats(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

pub fn ints(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

/// Timestamps (µs, no zone) from "YYYY-MM-DD" days.
pub fn days(values: &[&str]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(
        values.iter().map(|d| Some(micros(d))).collect::<Vec<_>>(),
    ))
}

pub fn micros(day: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_micros()
}

pub fn steps(json: Value) -> Vec<PostProcessingStep> {
    serde_json::from_value(json).unwrap()
}

pub fn run(input: RecordBatch, json: Value) -> RecordBatch {
    apply(input, &steps(json)).unwrap_or_else(|e| panic!("{e}"))
}

pub fn fail(input: RecordBatch, json: Value) -> String {
    match apply(input, &steps(json)) {
        Ok(out) => panic!("expected an error, got columns {:?}", names(&out)),
        Err(error) => error.to_string(),
    }
}

pub fn names(out: &RecordBatch) -> Vec<String> {
    out.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// A numeric column of the output as f64 values.
pub fn column(out: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let values = out
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", names(out)));
    let values = arrow_cast::cast(values, &arrow_schema::DataType::Float64).unwrap();
    values.as_primitive::<Float64Type>().iter().collect()
}

/// A timestamp column of the output as "YYYY-MM-DD" days.
pub fn day_column(out: &RecordBatch, name: &str) -> Vec<String> {
    let values = out.column_by_name(name).unwrap();
    let values = values.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    values
        .iter()
        .map(|v| {
            chrono::DateTime::from_timestamp_micros(v.unwrap())
                .unwrap()
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect()
}

pub fn string_column(out: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let values = out.column_by_name(name).unwrap();
    let values = arrow_cast::cast(values, &arrow_schema::DataType::Utf8).unwrap();
    values
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// Timestamps (µs, no zone) from "YYYY-MM-DD HH:MM" texts.
pub fn times(values: &[&str]) -> ArrayRef {
    let micros = values.iter().map(|t| {
        Some(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
                .unwrap()
                .and_utc()
                .timestamp_micros(),
        )
    });
    Arc::new(TimestampMicrosecondArray::from(micros.collect::<Vec<_>>()))
}

/// A timestamp column of the output as "YYYY-MM-DD HH:MM" texts.
pub fn time_column(out: &RecordBatch, name: &str) -> Vec<String> {
    let values = out.column_by_name(name).unwrap();
    let values = values.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    values
        .iter()
        .map(|v| {
            chrono::DateTime::from_timestamp_micros(v.unwrap())
                .unwrap()
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .collect()
}
