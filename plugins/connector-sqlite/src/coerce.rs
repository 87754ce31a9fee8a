//! Values converted to a column's Arrow type. SQLite lets any column hold any storage
//! class, so a value is converted when it has an exact meaning in the column's type
//! and becomes NULL when it has none: a wrong number is worse than a missing one.

use std::borrow::Cow;

use rusqlite::types::ValueRef;

use crate::datetime;

pub fn to_i64(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) => integral(f),
        ValueRef::Text(t) => {
            let text = std::str::from_utf8(t).ok()?.trim();
            text.parse().ok().or_else(|| integral(text.parse().ok()?))
        }
        ValueRef::Blob(_) | ValueRef::Null => None,
    }
}

pub fn to_f64(value: ValueRef<'_>) -> Option<f64> {
    match value {
        // Beyond 2^53 this rounds, as SQLite's own REAL affinity does.
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        ValueRef::Blob(_) | ValueRef::Null => None,
    }
}

pub fn to_bool(value: ValueRef<'_>) -> Option<bool> {
    match value {
        ValueRef::Integer(i) => Some(i != 0),
        ValueRef::Real(f) => Some(f != 0.0),
        ValueRef::Text(t) => match t.trim_ascii().to_ascii_lowercase().as_slice() {
            b"1" | b"t" | b"true" | b"y" | b"yes" => Some(true),
            b"0" | b"f" | b"false" | b"n" | b"no" => Some(false),
            _ => None,
        },
        ValueRef::Blob(_) | ValueRef::Null => None,
    }
}

/// Text as written; numbers as decimal text; bytes as UTF-8 (invalid bytes replaced,
/// since SQLite does not check that TEXT is UTF-8).
pub fn to_text(value: ValueRef<'_>) -> Option<Cow<'_, str>> {
    match value {
        ValueRef::Integer(i) => Some(Cow::Owned(i.to_string())),
        ValueRef::Real(f) => Some(Cow::Owned(format!("{f:?}"))),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t)),
        ValueRef::Null => None,
    }
}

pub fn to_bytes(value: ValueRef<'_>) -> Option<Cow<'_, [u8]>> {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(Cow::Borrowed(b)),
        other => to_text(other).map(|t| Cow::Owned(t.into_owned().into_bytes())),
    }
}

/// Microseconds since the epoch: text in SQLite's date formats, numbers as Unix seconds.
pub fn to_timestamp(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => i.checked_mul(1_000_000),
        ValueRef::Real(f) => datetime::micros_from_seconds(f),
        ValueRef::Text(t) => datetime::parse_timestamp(std::str::from_utf8(t).ok()?),
        ValueRef::Blob(_) | ValueRef::Null => None,
    }
}

/// Days since the epoch, read as [`to_timestamp`] reads instants.
pub fn to_date(value: ValueRef<'_>) -> Option<i32> {
    datetime::days_of(to_timestamp(value)?)
}

/// `f` as an integer when it is one exactly.
fn integral(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; every integral f64 below it in size fits i64.
    (f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0).then_some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(to_i64(ValueRef::Real(3.0)), Some(3));
        assert_eq!(to_i64(ValueRef::Real(3.5)), None);
        assert_eq!(to_i64(ValueRef::Text(b" 42 ")), Some(42));
        assert_eq!(to_i64(ValueRef::Text(b"4e2")), Some(400));
        assert_eq!(to_i64(ValueRef::Text(b"abc")), None);
        assert_eq!(to_i64(ValueRef::Real(f64::NAN)), None);
        assert_eq!(to_i64(ValueRef::Real(1e300)), None);
    }

    #[test]
    fn others() {
        assert_eq!(to_f64(ValueRef::Integer(2)), Some(2.0));
        assert_eq!(to_f64(ValueRef::Text(b"x")), None);
        assert_eq!(to_bool(ValueRef::Text(b"TRUE")), Some(true));
        assert_eq!(to_bool(ValueRef::Text(b"maybe")), None);
        assert_eq!(to_text(ValueRef::Real(1.0)).as_deref(), Some("1.0"));
        assert_eq!(to_bytes(ValueRef::Integer(7)).as_deref(), Some(&b"7"[..]));
        assert_eq!(to_timestamp(ValueRef::Integer(2)), Some(2_000_000));
        assert_eq!(to_date(ValueRef::Integer(86_400)), Some(1));
        assert_eq!(to_date(ValueRef::Text(b"1970-01-03")), Some(2));
        assert_eq!(to_date(ValueRef::Blob(b"1970-01-03")), None);
    }
}
