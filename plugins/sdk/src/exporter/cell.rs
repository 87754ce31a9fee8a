//! One value of any Arrow column, as the handful of kinds a file format cares about.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type,
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::pytext;
use super::zone::Zone;

/// A value read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// Kept apart from `Float64` so that it prints with `f32`'s shortest digits.
    Float32(f32),
    Float64(f64),
    Decimal(Decimal),
    Text(&'a str),
    Binary(&'a [u8]),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(Timestamp),
    /// Anything else (lists, structs, intervals, out-of-range values), as text.
    Other(String),
}

impl Cell<'_> {
    /// The value as a number, for the numeric kinds.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(v) => Some(*v as f64),
            Cell::UInt(v) => Some(*v as f64),
            Cell::Float32(v) => Some(f64::from(*v)),
            Cell::Float64(v) => Some(*v),
            Cell::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }
}

/// A fixed-point number: `value × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub value: i128,
    pub scale: i8,
}

impl Decimal {
    /// The nearest `f64`, as Python's `float(Decimal)`.
    pub fn to_f64(self) -> f64 {
        pytext::decimal(self).parse().unwrap_or(f64::NAN)
    }
}

/// A point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// The wall-clock time: in the column's time zone when it has one.
    pub local: NaiveDateTime,
    /// The zone's offset from UTC at that instant; `None` for a timestamp without a
    /// time zone.
    pub offset: Option<FixedOffset>,
}

impl Timestamp {
    /// The time in UTC (a timestamp without a time zone is taken as UTC).
    pub fn utc(&self) -> NaiveDateTime {
        let offset = self.offset.map_or(0, |o| o.local_minus_utc());
        self.local - TimeDelta::seconds(i64::from(offset))
    }

    /// Milliseconds since the epoch with microsecond precision, as Superset's JSON
    /// (`json_int_dttm_ser`) sends timestamps.
    pub fn epoch_millis(&self) -> f64 {
        let micros = self.utc().and_utc().timestamp_micros();
        micros as f64 / 1e6 * 1000.0
    }
}

/// Reads the cells of one column (of one batch).
pub struct CellColumn<'a> {
    array: &'a dyn Array,
    reader: Reader<'a>,
}

/// What reading a column needs beyond its array, worked out once per column.
enum Reader<'a> {
    /// Every value is read straight from the array.
    Plain,
    /// Timestamps in a time zone.
    Zoned(Zone),
    /// Timestamps in a zone this SDK does not know: printed in UTC with its name.
    UnknownZone(String),
    Dictionary {
        keys: Vec<usize>,
        values: Box<CellColumn<'a>>,
    },
    /// Types without a kind of their own, printed by Arrow.
    Formatted(ArrayFormatter<'a>),
    Unsupported,
}

impl<'a> CellColumn<'a> {
    pub fn new(array: &'a dyn Array) -> Self {
        let reader = match array.data_type() {
            DataType::Timestamp(_, Some(name)) => match Zone::parse(name) {
                Some(zone) => Reader::Zoned(zone),
                None => Reader::UnknownZone(name.to_string()),
            },
            DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
                Some(dictionary) => Reader::Dictionary {
                    keys: dictionary.normalized_keys(),
                    values: Box::new(CellColumn::new(dictionary.values().as_ref())),
                },
                None => Reader::Unsupported,
            },
            data_type if is_plain(data_type) => Reader::Plain,
            _ => {
                let options = FormatOptions::new().with_null("");
                ArrayFormatter::try_new(array, &options)
                    .map_or(Reader::Unsupported, Reader::Formatted)
            }
        };
        Self { array, reader }
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The value at `row` (`row < len()`).
    pub fn get(&self, row: usize) -> Cell<'a> {
        if self.array.is_null(row) {
            return Cell::Null;
        }
        match &self.reader {
            Reader::Plain => plain(self.array, row),
            Reader::Zoned(zone) => match utc_timestamp(self.array, row) {
                Some(utc) => {
                    let offset = zone.offset_at(&utc);
                    Cell::Timestamp(Timestamp {
                        local: utc + TimeDelta::seconds(i64::from(offset.local_minus_utc())),
                        offset: Some(offset),
                    })
                }
                None => Cell::Other(raw_timestamp(self.array, row)),
            },
            Reader::UnknownZone(name) => match utc_timestamp(self.array, row) {
                Some(utc) => Cell::Other(format!("{utc} {name}")),
                None => Cell::Other(raw_timestamp(self.array, row)),
            },
            Reader::Dictionary { keys, values } => values.get(keys[row]),
            Reader::Formatted(formatter) => Cell::Other(formatter.value(row).to_string()),
            Reader::Unsupported => Cell::Other(format!("<{}>", self.array.data_type())),
        }
    }
}

/// The types [`plain`] reads.
fn is_plain(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Null | Boolean
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float16
            | Float32
            | Float64
            | Decimal32(_, _)
            | Decimal64(_, _)
            | Decimal128(_, _)
            | Decimal256(_, _)
            | Utf8
            | LargeUtf8
            | Utf8View
            | Binary
            | LargeBinary
            | BinaryView
            | FixedSizeBinary(_)
            | Date32
            | Date64
            | Time32(_)
            | Time64(_)
            | Timestamp(_, None)
    )
}

fn plain(array: &dyn Array, row: usize) -> Cell<'_> {
    fn value<T: ArrowPrimitiveType>(array: &dyn Array, row: usize) -> T::Native {
        array.as_primitive::<T>().value(row)
    }
    let decimal = |value: i128, scale: &i8| {
        Cell::Decimal(Decimal {
            value,
            scale: *scale,
        })
    };
    match array.data_type() {
        // A null array has no validity buffer: `is_null` does not see its nulls.
        DataType::Null => Cell::Null,
        DataType::Boolean => Cell::Bool(array.as_boolean().value(row)),
        DataType::Int8 => Cell::Int(value::<Int8Type>(array, row).into()),
        DataType::Int16 => Cell::Int(value::<Int16Type>(array, row).into()),
        DataType::Int32 => Cell::Int(value::<Int32Type>(array, row).into()),
        DataType::Int64 => Cell::Int(value::<Int64Type>(array, row)),
        DataType::UInt8 => Cell::UInt(value::<UInt8Type>(array, row).into()),
        DataType::UInt16 => Cell::UInt(value::<UInt16Type>(array, row).into()),
        DataType::UInt32 => Cell::UInt(value::<UInt32Type>(array, row).into()),
        DataType::UInt64 => Cell::UInt(value::<UInt64Type>(array, row)),
        DataType::Float16 => Cell::Float32(value::<Float16Type>(array, row).to_f32()),
        DataType::Float32 => Cell::Float32(value::<Float32Type>(array, row)),
        DataType::Float64 => Cell::Float64(value::<Float64Type>(array, row)),
        DataType::Decimal32(_, scale) => decimal(value::<Decimal32Type>(array, row).into(), scale),
        DataType::Decimal64(_, scale) => decimal(value::<Decimal64Type>(array, row).into(), scale),
        DataType::Decimal128(_, scale) => decimal(value::<Decimal128Type>(array, row), scale),
        DataType::Decimal256(_, scale) => {
            let wide = value::<Decimal256Type>(array, row);
            match wide.to_i128() {
                Some(narrow) => decimal(narrow, scale),
                None => Cell::Other(pytext::decimal_digits(&wide.to_string(), *scale)),
            }
        }
        DataType::Utf8 => Cell::Text(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Cell::Text(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Cell::Text(array.as_string_view().value(row)),
        DataType::Binary => Cell::Binary(array.as_binary::<i32>().value(row)),
        DataType::LargeBinary => Cell::Binary(array.as_binary::<i64>().value(row)),
        DataType::BinaryView => Cell::Binary(array.as_binary_view().value(row)),
        DataType::FixedSizeBinary(_) => Cell::Binary(array.as_fixed_size_binary().value(row)),
        DataType::Date32 => {
            let days = value::<Date32Type>(array, row);
            from_epoch(i64::from(days) * 86_400, 0)
                .map_or_else(|| Cell::Other(days.to_string()), |d| Cell::Date(d.date()))
        }
        DataType::Date64 => {
            let millis = value::<Date64Type>(array, row);
            from_unit(millis, TimeUnit::Millisecond)
                .map_or_else(|| Cell::Other(millis.to_string()), |d| Cell::Date(d.date()))
        }
        DataType::Time32(TimeUnit::Second) => time(
            value::<Time32SecondType>(array, row).into(),
            TimeUnit::Second,
        ),
        DataType::Time32(_) => time(
            value::<Time32MillisecondType>(array, row).into(),
            TimeUnit::Millisecond,
        ),
        DataType::Time64(TimeUnit::Microsecond) => time(
            value::<Time64MicrosecondType>(array, row),
            TimeUnit::Microsecond,
        ),
        DataType::Time64(_) => time(
            value::<Time64NanosecondType>(array, row),
            TimeUnit::Nanosecond,
        ),
        DataType::Timestamp(_, None) => match utc_timestamp(array, row) {
            Some(local) => Cell::Timestamp(Timestamp {
                local,
                offset: None,
            }),
            None => Cell::Other(raw_timestamp(array, row)),
        },
        other => Cell::Other(format!("<{other}>")),
    }
}

fn time(value: i64, unit: TimeUnit) -> Cell<'static> {
    let (secs, nanos) = split(value, unit);
    u32::try_from(secs)
        .ok()
        .and_then(|secs| NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos))
        .map_or_else(|| Cell::Other(value.to_string()), Cell::Time)
}

/// The raw value and unit of a timestamp column's cell.
fn timestamp_value(array: &dyn Array, row: usize) -> (i64, TimeUnit) {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => (
            array.as_primitive::<TimestampSecondType>().value(row),
            TimeUnit::Second,
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => (
            array.as_primitive::<TimestampMillisecondType>().value(row),
            TimeUnit::Millisecond,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => (
            array.as_primitive::<TimestampMicrosecondType>().value(row),
            TimeUnit::Microsecond,
        ),
        _ => (
            array.as_primitive::<TimestampNanosecondType>().value(row),
            TimeUnit::Nanosecond,
        ),
    }
}

/// The cell of a timestamp column as a time since the epoch (UTC for a zoned column).
fn utc_timestamp(array: &dyn Array, row: usize) -> Option<NaiveDateTime> {
    let (value, unit) = timestamp_value(array, row);
    from_unit(value, unit)
}

fn raw_timestamp(array: &dyn Array, row: usize) -> String {
    timestamp_value(array, row).0.to_string()
}

fn from_unit(value: i64, unit: TimeUnit) -> Option<NaiveDateTime> {
    let (secs, nanos) = split(value, unit);
    from_epoch(secs, nanos)
}

fn from_epoch(secs: i64, nanos: u32) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(secs, nanos).map(|d| d.naive_utc())
}

/// Whole seconds and the nanoseconds past them, for a count of `unit`s.
fn split(value: i64, unit: TimeUnit) -> (i64, u32) {
    let per_second: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let nanos = value.rem_euclid(per_second) * (1_000_000_000 / per_second);
    (value.div_euclid(per_second), nanos as u32)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{Int32Builder, ListBuilder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type as Key;
    use arrow_array::*;
    use arrow_buffer::i256;

    use super::*;

    fn cells(array: &dyn Array) -> Vec<Cell<'_>> {
        let column = CellColumn::new(array);
        (0..column.len()).map(|row| column.get(row)).collect()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn numbers_text_and_nulls() {
        assert_eq!(
            cells(&Int16Array::from(vec![Some(-3), None])),
            [Cell::Int(-3), Cell::Null]
        );
        assert_eq!(
            cells(&UInt64Array::from(vec![u64::MAX])),
            [Cell::UInt(u64::MAX)]
        );
        assert_eq!(cells(&Float32Array::from(vec![1.1])), [Cell::Float32(1.1)]);
        assert_eq!(
            cells(&LargeStringArray::from(vec![Some("é"), None])),
            [Cell::Text("é"), Cell::Null]
        );
        assert_eq!(
            cells(&StringViewArray::from(vec![
                "a long string that is not inlined"
            ])),
            [Cell::Text("a long string that is not inlined")]
        );
        assert_eq!(
            cells(&BinaryArray::from(vec![&b"\x00\x01"[..]])),
            [Cell::Binary(b"\x00\x01")]
        );
        assert_eq!(
            cells(&BooleanArray::from(vec![Some(true), None])),
            [Cell::Bool(true), Cell::Null]
        );
        assert_eq!(cells(&NullArray::new(1)), [Cell::Null]);
    }

    #[test]
    fn decimals() {
        let array = Decimal128Array::from(vec![Some(1234), None])
            .with_precision_and_scale(10, 2)
            .unwrap();
        assert_eq!(
            cells(&array),
            [
                Cell::Decimal(Decimal {
                    value: 1234,
                    scale: 2
                }),
                Cell::Null
            ]
        );
        assert_eq!(cells(&array)[0].as_f64(), Some(12.34));
        let huge = i256::from_string("123456789012345678901234567890123456789012345").unwrap();
        let array = Decimal256Array::from(vec![huge])
            .with_precision_and_scale(50, 5)
            .unwrap();
        assert_eq!(
            cells(&array),
            [Cell::Other(
                "1234567890123456789012345678901234567890.12345".into()
            )]
        );
    }

    #[test]
    fn dates_times_and_timestamps() {
        assert_eq!(
            cells(&Date32Array::from(vec![19782, -1])),
            [
                Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
                Cell::Date(NaiveDate::from_ymd_opt(1969, 12, 31).unwrap())
            ]
        );
        assert_eq!(
            cells(&Time64NanosecondArray::from(vec![3_600_000_000_001])),
            [Cell::Time(
                NaiveTime::from_hms_nano_opt(1, 0, 0, 1).unwrap()
            )]
        );
        assert_eq!(
            cells(&TimestampMillisecondArray::from(vec![-1])),
            [Cell::Timestamp(Timestamp {
                local: at("1969-12-31 23:59:59.999"),
                offset: None
            })]
        );
        let paris = TimestampMicrosecondArray::from(vec![1_709_210_096_789_000])
            .with_timezone("Europe/Paris");
        let [Cell::Timestamp(ts)] = &cells(&paris)[..] else {
            panic!("{:?}", cells(&paris))
        };
        assert_eq!(ts.local, at("2024-02-29 13:34:56.789"));
        assert_eq!(ts.offset, FixedOffset::east_opt(3600));
        assert_eq!(ts.utc(), at("2024-02-29 12:34:56.789"));
        assert_eq!(ts.epoch_millis(), 1_709_210_096_789.0);
        let unknown = TimestampSecondArray::from(vec![0]).with_timezone("Mars/Olympus");
        assert_eq!(
            cells(&unknown),
            [Cell::Other("1970-01-01 00:00:00 Mars/Olympus".into())]
        );
        let out_of_range = TimestampSecondArray::from(vec![i64::MAX]);
        assert_eq!(cells(&out_of_range), [Cell::Other(i64::MAX.to_string())]);
    }

    #[test]
    fn dictionaries_and_nested_types() {
        let mut builder = StringDictionaryBuilder::<Key>::new();
        builder.append_value("b");
        builder.append_null();
        builder.append_value("a");
        builder.append_value("b");
        let array = builder.finish();
        assert_eq!(
            cells(&array),
            [
                Cell::Text("b"),
                Cell::Null,
                Cell::Text("a"),
                Cell::Text("b")
            ]
        );
        let mut list = ListBuilder::new(Int32Builder::new());
        list.values().append_value(1);
        list.values().append_value(2);
        list.append(true);
        list.append(false);
        let list: ArrayRef = Arc::new(list.finish());
        assert_eq!(
            cells(list.as_ref()),
            [Cell::Other("[1, 2]".into()), Cell::Null]
        );
    }
}
