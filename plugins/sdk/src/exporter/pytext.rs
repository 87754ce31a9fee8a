//! Values printed the way Superset prints them: Superset builds its files with Python
//! and pandas, so a float prints as Python's `repr`, a decimal as `str(Decimal)`, a
//! time-zone-aware timestamp as `str(pd.Timestamp)`, and a naive timestamp column with
//! one format for the whole column, as `DataFrame.to_csv` does.

use std::borrow::Cow;
use std::fmt::Write as _;

use arrow_schema::DataType;
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::Table;
use super::cell::{Cell, CellColumn, Decimal, Timestamp};

/// The text of any cell; NULL is empty. A naive timestamp prints whole
/// (`str(pd.Timestamp)`); use [`NaiveDatetimeFormat`] for a column of them.
pub fn cell<'a>(cell: &Cell<'a>) -> Cow<'a, str> {
    match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Bool(b) => Cow::Borrowed(boolean(*b)),
        Cell::Int(v) => Cow::Owned(v.to_string()),
        Cell::UInt(v) => Cow::Owned(v.to_string()),
        Cell::Float32(v) => Cow::Owned(float32(*v)),
        Cell::Float64(v) => Cow::Owned(float64(*v)),
        Cell::Decimal(d) => Cow::Owned(decimal(*d)),
        Cell::Text(s) => Cow::Borrowed(s),
        Cell::Binary(b) => Cow::Owned(bytes(b)),
        Cell::Date(d) => Cow::Owned(date(*d)),
        Cell::Time(t) => Cow::Owned(time(*t)),
        Cell::Timestamp(ts) => Cow::Owned(timestamp(ts)),
        Cell::Other(s) => Cow::Owned(s.clone()),
    }
}

pub fn boolean(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// Python's `repr(float)`: the shortest digits that read back to the same number,
/// positional from 1e-4 up to 1e16, scientific outside (`1e+16`, `1.5e-05`).
pub fn float64(value: f64) -> String {
    float_repr(value.is_finite(), value.is_nan(), format!("{value:e}"))
}

/// numpy's `repr(float32)`: as [`float64`] with `f32`'s shortest digits.
pub fn float32(value: f32) -> String {
    float_repr(value.is_finite(), value.is_nan(), format!("{value:e}"))
}

/// `scientific` is Rust's shortest `{:e}` form, such as `-1.2345e3`.
fn float_repr(finite: bool, nan: bool, scientific: String) -> String {
    if nan {
        return "nan".into();
    }
    let (sign, unsigned) = match scientific.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", scientific.as_str()),
    };
    if !finite {
        return format!("{sign}inf");
    }
    let (mantissa, exponent) = unsigned.split_once('e').unwrap_or((unsigned, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() > point {
                format!("{}.{}", &digits[..point], &digits[point..])
            } else {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            }
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{fraction}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// Python's `str(Decimal)`.
pub fn decimal(value: Decimal) -> String {
    decimal_digits(&value.value.to_string(), value.scale)
}

/// Python's `str(Decimal)` of `integer × 10^-scale`, `integer` given in decimal digits
/// with an optional `-`: positional unless the exponent is positive or the number is
/// below 1e-6, then scientific (`1E-7`, `1.2E+3`).
pub fn decimal_digits(integer: &str, scale: i8) -> String {
    let (sign, digits) = match integer.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", integer),
    };
    let exponent = -i32::from(scale);
    let adjusted = exponent + digits.len() as i32 - 1;
    let body = if exponent <= 0 && adjusted >= -6 {
        let point = digits.len() as i32 + exponent;
        if exponent == 0 {
            digits.to_owned()
        } else if point > 0 {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        } else {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{fraction}E{adjusted:+}")
    };
    format!("{sign}{body}")
}

/// Python's `repr(bytes)`: `b'a\x00'`.
pub fn bytes(value: &[u8]) -> String {
    let quote = if value.contains(&b'\'') && !value.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &byte in value {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(byte) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(quote);
    out
}

/// `str(datetime.date)`: `2024-02-29`.
pub fn date(value: NaiveDate) -> String {
    value.format("%Y-%m-%d").to_string()
}

/// `str(datetime.time)`: `12:34:56`, with `.ffffff` when there are microseconds.
pub fn time(value: NaiveTime) -> String {
    let micros = value.nanosecond() / 1_000;
    let mut out = value.format("%H:%M:%S").to_string();
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out
}

/// `str(pd.Timestamp)`: `2024-02-29 12:34:56`, then `.ffffff` (or nine digits when
/// there are nanoseconds), then the UTC offset when the timestamp has a zone.
pub fn timestamp(value: &Timestamp) -> String {
    let nanos = value.local.nanosecond();
    let mut out = value.local.format("%Y-%m-%d %H:%M:%S").to_string();
    if !nanos.is_multiple_of(1_000) {
        let _ = write!(out, ".{nanos:09}");
    } else if nanos != 0 {
        let _ = write!(out, ".{:06}", nanos / 1_000);
    }
    if let Some(offset) = value.offset {
        out.push_str(&utc_offset(offset));
    }
    out
}

/// Python's `isoformat` offset: `+02:00`, `-05:30`, with seconds only when present.
pub fn utc_offset(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let mut out = format!("{sign}{:02}:{:02}", seconds / 3600, seconds / 60 % 60);
    if !seconds.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", seconds % 60);
    }
    out
}

/// How pandas prints a column of naive timestamps: dates alone when every value is at
/// midnight, otherwise date and time with as many fraction digits (3, 6 or 9) as the
/// most precise value needs. Show it every value with [`observe`](Self::observe), then
/// [`format`](Self::format) each.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NaiveDatetimeFormat {
    with_time: bool,
    fraction_digits: usize,
}

impl NaiveDatetimeFormat {
    /// The format for column `index` of `table`, having seen every timestamp in it
    /// (by its wall-clock time, for a zoned column).
    pub fn for_column(table: &Table, index: usize) -> Self {
        let mut format = Self::default();
        if !matches!(
            table.schema.field(index).data_type(),
            DataType::Timestamp(..)
        ) {
            return format;
        }
        for batch in &table.batches {
            let column = CellColumn::new(batch.column(index).as_ref());
            for row in 0..column.len() {
                if let Cell::Timestamp(ts) = column.get(row) {
                    format.observe(&ts.local);
                }
            }
        }
        format
    }

    pub fn observe(&mut self, value: &NaiveDateTime) {
        if value.time() != NaiveTime::MIN {
            self.with_time = true;
        }
        let nanos = value.nanosecond() % 1_000_000_000;
        let digits = if !nanos.is_multiple_of(1_000) {
            9
        } else if !nanos.is_multiple_of(1_000_000) {
            6
        } else if nanos != 0 {
            3
        } else {
            0
        };
        self.fraction_digits = self.fraction_digits.max(digits);
    }

    pub fn format(&self, value: &NaiveDateTime) -> String {
        if !self.with_time {
            return date(value.date());
        }
        let mut out = value.format("%Y-%m-%d %H:%M:%S").to_string();
        if self.fraction_digits > 0 {
            let nanos = format!("{:09}", value.nanosecond() % 1_000_000_000);
            out.push('.');
            out.push_str(&nanos[..self.fraction_digits]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (1.5, "1.5"),
            (8885896.150000023, "8885896.150000023"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e300, "1e+300"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (value, expected) in cases {
            assert_eq!(float64(value), expected, "{value:?}");
        }
        assert_eq!(float32(1.1), "1.1");
        assert_eq!(float32(16777216.0), "16777216.0");
    }

    #[test]
    fn decimals_print_as_python_str() {
        let d = |value, scale| decimal(Decimal { value, scale });
        assert_eq!(d(1234, 2), "12.34");
        assert_eq!(d(-1234, 2), "-12.34");
        assert_eq!(d(1230, 2), "12.30");
        assert_eq!(d(5, 3), "0.005");
        assert_eq!(d(0, 2), "0.00");
        assert_eq!(d(42, 0), "42");
        assert_eq!(d(1, 7), "1E-7");
        assert_eq!(d(0, 7), "0E-7");
        assert_eq!(d(12, -2), "1.2E+3");
        assert_eq!(d(1, 6), "0.000001");
    }

    #[test]
    fn bytes_print_as_python_repr() {
        assert_eq!(bytes(b"ab\x00\xff"), r"b'ab\x00\xff'");
        assert_eq!(bytes(b"it's"), r#"b"it's""#);
        assert_eq!(bytes(b"'\""), r#"b'\'"'"#);
        assert_eq!(bytes(b"a\\b\n"), r"b'a\\b\n'");
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn timestamps_print_as_pandas() {
        let utc = FixedOffset::east_opt(0);
        let ts = |s, offset| {
            timestamp(&Timestamp {
                local: at(s),
                offset,
            })
        };
        assert_eq!(ts("2024-02-29 12:34:56", utc), "2024-02-29 12:34:56+00:00");
        assert_eq!(
            ts("2024-02-29 12:34:56.789", FixedOffset::east_opt(-19800)),
            "2024-02-29 12:34:56.789000-05:30"
        );
        assert_eq!(
            ts("2024-02-29 12:34:56.000000001", None),
            "2024-02-29 12:34:56.000000001"
        );
        assert_eq!(time(NaiveTime::from_hms_opt(1, 2, 3).unwrap()), "01:02:03");
        assert_eq!(
            time(NaiveTime::from_hms_micro_opt(1, 2, 3, 4).unwrap()),
            "01:02:03.000004"
        );
    }

    #[test]
    fn naive_timestamp_columns_share_one_format() {
        let format = |values: &[&str]| {
            let values: Vec<NaiveDateTime> = values.iter().map(|s| at(s)).collect();
            let mut format = NaiveDatetimeFormat::default();
            values.iter().for_each(|v| format.observe(v));
            values.iter().map(|v| format.format(v)).collect::<Vec<_>>()
        };
        assert_eq!(
            format(&["2024-01-01 00:00:00", "2024-01-02 00:00:00"]),
            ["2024-01-01", "2024-01-02"]
        );
        assert_eq!(
            format(&["2024-01-01 00:00:00", "2024-01-02 03:00:00"]),
            ["2024-01-01 00:00:00", "2024-01-02 03:00:00"]
        );
        assert_eq!(
            format(&["2024-01-01 00:00:00.5", "2024-01-02 00:00:00"]),
            ["2024-01-01 00:00:00.500", "2024-01-02 00:00:00.000"]
        );
        assert_eq!(
            format(&["2024-01-01 00:00:00.000001", "2024-01-02 00:00:00.5"]),
            ["2024-01-01 00:00:00.000001", "2024-01-02 00:00:00.500000"]
        );
    }
}
