//! Reading Arrow columns as pandas sees them: numbers as f64 with NaN as missing,
//! temporal values as microseconds, and values as `str()` renders them in labels.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::{
    Date32Type, Date64Type, Float64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, Float64Array, TimestampMicrosecondArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, NaiveDateTime};

use crate::error::{PostProcessingError, Result};

/// Types pandas computes with: integers, floats, decimals, and all-null columns.
pub(crate) fn is_numeric(data_type: &DataType) -> bool {
    data_type.is_numeric() || matches!(data_type, DataType::Null)
}

/// The values as f64, `None` where missing (null or NaN); `None` if not numeric.
pub(crate) fn numbers(values: &ArrayRef) -> Option<Vec<Option<f64>>> {
    if !is_numeric(values.data_type()) {
        return None;
    }
    let floats = arrow_cast::cast(values, &DataType::Float64).ok()?;
    let floats = floats.as_primitive::<Float64Type>();
    Some(floats.iter().map(|v| v.filter(|x| !x.is_nan())).collect())
}

/// Like [`numbers`], but a non-numeric column is an error naming it.
pub(crate) fn require_numbers(values: &ArrayRef, name: &str) -> Result<Vec<Option<f64>>> {
    numbers(values).ok_or_else(|| {
        PostProcessingError::new(format!(
            "Column \"{name}\" is not numeric ({})",
            values.data_type()
        ))
    })
}

/// A Float64 column; NaN (pandas' missing value) becomes null.
pub(crate) fn float_array(values: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    let values: Float64Array = values
        .into_iter()
        .map(|v| v.filter(|x| !x.is_nan()))
        .collect();
    Arc::new(values)
}

/// Temporal values as microseconds since the epoch; `None` if the type is not temporal.
pub(crate) fn micros(values: &ArrayRef) -> Option<Vec<Option<i64>>> {
    let scaled = |factor: i64| move |v: Option<i64>| v.and_then(|v| v.checked_mul(factor));
    Some(match values.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => values
            .as_primitive::<TimestampSecondType>()
            .iter()
            .map(scaled(1_000_000))
            .collect(),
        DataType::Timestamp(TimeUnit::Millisecond, _) => values
            .as_primitive::<TimestampMillisecondType>()
            .iter()
            .map(scaled(1_000))
            .collect(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => values
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .collect(),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => values
            .as_primitive::<TimestampNanosecondType>()
            .iter()
            .map(|v| v.map(|v| v.div_euclid(1_000)))
            .collect(),
        DataType::Date32 => values
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.and_then(|days| i64::from(days).checked_mul(86_400_000_000)))
            .collect(),
        DataType::Date64 => values
            .as_primitive::<Date64Type>()
            .iter()
            .map(scaled(1_000))
            .collect(),
        _ => return None,
    })
}

/// The time zone of a timestamp type.
pub(crate) fn timezone(data_type: &DataType) -> Option<Arc<str>> {
    match data_type {
        DataType::Timestamp(_, tz) => tz.clone(),
        _ => None,
    }
}

pub(crate) fn timestamp_array(values: Vec<Option<i64>>, tz: Option<Arc<str>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values).with_timezone_opt(tz))
}

/// The value at `row` as Python's `str()` shows it in a pandas column label.
pub(crate) fn label_text(values: &ArrayRef, row: usize) -> Option<String> {
    if values.is_null(row) {
        return None;
    }
    Some(match values.data_type() {
        DataType::Utf8 => values.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => values.as_string::<i64>().value(row).to_string(),
        DataType::Utf8View => values.as_string_view().value(row).to_string(),
        DataType::Boolean => if values.as_boolean().value(row) {
            "True"
        } else {
            "False"
        }
        .to_string(),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            python_float(numbers(&values.slice(row, 1))?[0]?)
        }
        DataType::Timestamp(..) => timestamp_text(
            micros(&values.slice(row, 1))?[0]?,
            timezone(values.data_type()),
        )?,
        _ => ArrayFormatter::try_new(values.as_ref(), &FormatOptions::default())
            .ok()?
            .value(row)
            .to_string(),
    })
}

/// `repr(float)`: integral values keep a ".0".
fn python_float(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

/// `str(pd.Timestamp)`: "2024-01-01 00:00:00", microseconds when present, the
/// offset when the type has a zone.
fn timestamp_text(micros: i64, tz: Option<Arc<str>>) -> Option<String> {
    let utc = DateTime::from_timestamp_micros(micros)?;
    let format = |at: NaiveDateTime| {
        let fraction = if at.and_utc().timestamp_subsec_micros() == 0 {
            ""
        } else {
            "%.6f"
        };
        at.format(&format!("%Y-%m-%d %H:%M:%S{fraction}"))
            .to_string()
    };
    Some(match tz.and_then(|tz| tz.parse::<Tz>().ok()) {
        Some(tz) => {
            let local = utc.with_timezone(&tz);
            format!("{}{}", format(local.naive_local()), local.format("%:z"))
        }
        None => format(utc.naive_utc()),
    })
}
