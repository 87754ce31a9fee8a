//! The time zone of a timestamp column: a fixed offset (`+02:00`) or an IANA name
//! (`UTC`, `Europe/Paris`), as Arrow allows in `Timestamp(unit, Some(tz))`.

use chrono::{FixedOffset, NaiveDateTime, Offset, TimeZone};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Zone {
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

impl Zone {
    /// The zone named `name`, or `None` when it is neither an offset nor a known name.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        fixed_offset(name)
            .map(Zone::Fixed)
            .or_else(|| name.parse().ok().map(Zone::Named))
    }

    /// The offset from UTC in force at the UTC time `utc`.
    pub(crate) fn offset_at(&self, utc: &NaiveDateTime) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => tz.offset_from_utc_datetime(utc).fix(),
        }
    }
}

/// `+HH:MM`, `+HHMM` or `+HH` (and `-`).
fn fixed_offset(name: &str) -> Option<FixedOffset> {
    let (sign, digits) = match name.as_bytes().first()? {
        b'+' => (1, &name[1..]),
        b'-' => (-1, &name[1..]),
        _ => return None,
    };
    let digits: String = match digits.len() {
        5 if digits.as_bytes()[2] == b':' => digits.replace(':', ""),
        4 => digits.to_owned(),
        2 => format!("{digits}00"),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(name: &str, utc: &str) -> Option<i32> {
        let utc = NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M").unwrap();
        Zone::parse(name).map(|z| z.offset_at(&utc).local_minus_utc())
    }

    #[test]
    fn fixed_offsets_and_names() {
        let winter = "2024-01-15 12:00";
        assert_eq!(offset("+02:00", winter), Some(7200));
        assert_eq!(offset("-0530", winter), Some(-19800));
        assert_eq!(offset("+09", winter), Some(32400));
        assert_eq!(offset("UTC", winter), Some(0));
        assert_eq!(offset("Europe/Paris", winter), Some(3600));
        assert_eq!(offset("Europe/Paris", "2024-07-15 12:00"), Some(7200));
        assert_eq!(offset("Mars/Olympus", winter), None);
        assert_eq!(offset("+2:00", winter), None);
        assert_eq!(offset("", winter), None);
    }
}
