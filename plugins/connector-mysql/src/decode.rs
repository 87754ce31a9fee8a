//! Text-protocol values decoded straight into Arrow builders.

use std::str::FromStr;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    ArrayBuilder, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int8Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder, UInt8Builder, UInt16Builder,
    UInt32Builder, UInt64Builder,
};
use tessera_plugin_sdk::{DataType, Error, Result};

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// One result column: its builder, chosen by the column's Arrow type.
pub enum Decoder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    /// BIT(n): the text protocol sends the bits as big-endian bytes.
    Bit(UInt64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Decimal(Decimal128Builder, u32),
    Utf8(StringBuilder),
    Binary(BinaryBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Time(Time64MicrosecondBuilder),
}

impl Decoder {
    /// A decoder producing `data_type` (as chosen by `types::of_column`).
    pub fn new(data_type: &DataType, bit: bool) -> Self {
        match data_type {
            DataType::Boolean => Self::Bool(BooleanBuilder::new()),
            DataType::Int8 => Self::I8(Int8Builder::new()),
            DataType::Int16 => Self::I16(Int16Builder::new()),
            DataType::Int32 => Self::I32(Int32Builder::new()),
            DataType::Int64 => Self::I64(Int64Builder::new()),
            DataType::UInt8 => Self::U8(UInt8Builder::new()),
            DataType::UInt16 => Self::U16(UInt16Builder::new()),
            DataType::UInt32 => Self::U32(UInt32Builder::new()),
            DataType::UInt64 if bit => Self::Bit(UInt64Builder::new()),
            DataType::UInt64 => Self::U64(UInt64Builder::new()),
            DataType::Float32 => Self::F32(Float32Builder::new()),
            DataType::Float64 => Self::F64(Float64Builder::new()),
            DataType::Decimal128(_, scale) => Self::Decimal(
                Decimal128Builder::new().with_data_type(data_type.clone()),
                u32::try_from(*scale).unwrap_or(0),
            ),
            DataType::Binary => Self::Binary(BinaryBuilder::new()),
            DataType::Date32 => Self::Date(Date32Builder::new()),
            DataType::Timestamp(_, _) => Self::Timestamp(
                TimestampMicrosecondBuilder::new().with_data_type(data_type.clone()),
            ),
            DataType::Time64(_) => Self::Time(Time64MicrosecondBuilder::new()),
            _ => Self::Utf8(StringBuilder::new()),
        }
    }

    /// Appends one value; `None` is SQL NULL. Zero dates and times outside a day
    /// become NULL, as Arrow cannot hold them.
    pub fn append(&mut self, value: Option<&[u8]>) -> Result<()> {
        let Some(v) = value else {
            self.append_null();
            return Ok(());
        };
        match self {
            Self::Bool(b) => b.append_value(number::<i64>(v)? != 0),
            Self::I8(b) => b.append_value(number(v)?),
            Self::I16(b) => b.append_value(number(v)?),
            Self::I32(b) => b.append_value(number(v)?),
            Self::I64(b) => b.append_value(number(v)?),
            Self::U8(b) => b.append_value(number(v)?),
            Self::U16(b) => b.append_value(number(v)?),
            Self::U32(b) => b.append_value(number(v)?),
            Self::U64(b) => b.append_value(number(v)?),
            Self::Bit(b) => b.append_value(bits(v)?),
            Self::F32(b) => b.append_value(number(v)?),
            Self::F64(b) => b.append_value(number(v)?),
            Self::Decimal(b, scale) => b.append_value(decimal(v, *scale)?),
            Self::Utf8(b) => b.append_value(String::from_utf8_lossy(v)),
            Self::Binary(b) => b.append_value(v),
            Self::Date(b) => b.append_option(date(v)?),
            Self::Timestamp(b) => b.append_option(datetime(v)?),
            Self::Time(b) => b.append_option(time(v)?),
        }
        Ok(())
    }

    fn append_null(&mut self) {
        match self {
            Self::Bool(b) => b.append_null(),
            Self::I8(b) => b.append_null(),
            Self::I16(b) => b.append_null(),
            Self::I32(b) => b.append_null(),
            Self::I64(b) => b.append_null(),
            Self::U8(b) => b.append_null(),
            Self::U16(b) => b.append_null(),
            Self::U32(b) => b.append_null(),
            Self::U64(b) | Self::Bit(b) => b.append_null(),
            Self::F32(b) => b.append_null(),
            Self::F64(b) => b.append_null(),
            Self::Decimal(b, _) => b.append_null(),
            Self::Utf8(b) => b.append_null(),
            Self::Binary(b) => b.append_null(),
            Self::Date(b) => b.append_null(),
            Self::Timestamp(b) => b.append_null(),
            Self::Time(b) => b.append_null(),
        }
    }

    /// The values appended since the last call, as an array; the builder starts over.
    pub fn finish(&mut self) -> ArrayRef {
        let builder: &mut dyn ArrayBuilder = match self {
            Self::Bool(b) => b,
            Self::I8(b) => b,
            Self::I16(b) => b,
            Self::I32(b) => b,
            Self::I64(b) => b,
            Self::U8(b) => b,
            Self::U16(b) => b,
            Self::U32(b) => b,
            Self::U64(b) | Self::Bit(b) => b,
            Self::F32(b) => b,
            Self::F64(b) => b,
            Self::Decimal(b, _) => b,
            Self::Utf8(b) => b,
            Self::Binary(b) => b,
            Self::Date(b) => b,
            Self::Timestamp(b) => b,
            Self::Time(b) => b,
        };
        builder.finish()
    }
}

fn bad(kind: &str, v: &[u8]) -> Error {
    Error::internal(format!(
        "cannot read {kind} value '{}'",
        String::from_utf8_lossy(v)
    ))
}

fn number<T: FromStr>(v: &[u8]) -> Result<T> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("numeric", v))
}

fn bits(v: &[u8]) -> Result<u64> {
    if v.len() > 8 {
        return Err(bad("BIT", v));
    }
    Ok(v.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
}

/// "-123.45" at `scale` 2 → -12345.
fn decimal(v: &[u8], scale: u32) -> Result<i128> {
    let (negative, digits) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, v),
    };
    let (int_part, frac_part) = match digits.iter().position(|&c| c == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &[][..]),
    };
    let scale = scale as usize;
    if frac_part.len() > scale || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(bad("DECIMAL", v));
    }
    let padding = std::iter::repeat_n(&b'0', scale - frac_part.len());
    let mut value: i128 = 0;
    for &c in int_part.iter().chain(frac_part).chain(padding) {
        if !c.is_ascii_digit() {
            return Err(bad("DECIMAL", v));
        }
        value = value
            .checked_mul(10)
            .and_then(|x| x.checked_add(i128::from(c - b'0')))
            .ok_or_else(|| bad("DECIMAL", v))?;
    }
    Ok(if negative { -value } else { value })
}

/// An unsigned decimal number made only of ASCII digits.
fn digits(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 18 {
        return None;
    }
    v.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// "YYYY-MM-DD" → days since 1970-01-01; zero dates (month or day 0) → None.
fn date(v: &[u8]) -> Result<Option<i32>> {
    let parsed = (|| {
        if v.len() != 10 || v[4] != b'-' || v[7] != b'-' {
            return None;
        }
        Some((digits(&v[..4])?, digits(&v[5..7])?, digits(&v[8..])?))
    })();
    let (y, m, d) = parsed.ok_or_else(|| bad("DATE", v))?;
    if m == 0 || d == 0 || m > 12 || d > 31 {
        return Ok(None);
    }
    i32::try_from(days_from_civil(y, m, d))
        .map(Some)
        .map_err(|_| bad("DATE", v))
}

/// "YYYY-MM-DD HH:MM:SS[.ffffff]" → microseconds since the epoch; zero dates → None.
fn datetime(v: &[u8]) -> Result<Option<i64>> {
    if v.len() < 10 {
        return Err(bad("DATETIME", v));
    }
    let Some(days) = date(&v[..10])? else {
        return Ok(None);
    };
    let micros = match &v[10..] {
        [] => 0,
        [b' ', clock @ ..] => clock_micros(clock).ok_or_else(|| bad("DATETIME", v))?,
        _ => return Err(bad("DATETIME", v)),
    };
    Ok(Some(i64::from(days) * MICROS_PER_DAY + micros))
}

/// "[-]HHH:MM:SS[.ffffff]" → microseconds since midnight. Arrow's Time64 holds a
/// time of day, so negative durations and those of 24 hours or more become NULL.
fn time(v: &[u8]) -> Result<Option<i64>> {
    if v.first() == Some(&b'-') {
        return Ok(None);
    }
    let micros = clock_micros(v).ok_or_else(|| bad("TIME", v))?;
    Ok((micros < MICROS_PER_DAY).then_some(micros))
}

/// "H+:MM:SS[.f{1,6}]" → microseconds.
fn clock_micros(v: &[u8]) -> Option<i64> {
    let (clock, frac) = match v.iter().position(|&c| c == b'.') {
        Some(dot) => (&v[..dot], &v[dot + 1..]),
        None => (v, &[][..]),
    };
    let mut parts = clock.split(|&c| c == b':');
    let hours = digits(parts.next()?)?;
    let minutes = digits(parts.next()?)?;
    let seconds = digits(parts.next()?)?;
    if parts.next().is_some() || frac.len() > 6 {
        return None;
    }
    let fraction = if frac.is_empty() {
        0
    } else {
        digits(frac)? * 10i64.pow(6 - frac.len() as u32)
    };
    Some(((hours * 60 + minutes) * 60 + seconds) * MICROS_PER_SECOND + fraction)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_values() {
        assert_eq!(decimal(b"-123.4", 2).ok(), Some(-12340));
        assert_eq!(decimal(b"7", 0).ok(), Some(7));
        assert_eq!(date(b"1970-01-02").ok(), Some(Some(1)));
        assert_eq!(date(b"0000-00-00").ok(), Some(None));
        assert_eq!(
            datetime(b"1970-01-01 00:00:01.5").ok(),
            Some(Some(1_500_000))
        );
        assert_eq!(time(b"25:00:00").ok(), Some(None));
        assert_eq!(time(b"-01:00:00").ok(), Some(None));
        assert_eq!(time(b"01:00:00.000001").ok(), Some(Some(3_600_000_001)));
        assert_eq!(bits(&[1, 2]).ok(), Some(258));
    }
}
