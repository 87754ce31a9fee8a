//! Dates and timestamps stored as text, in the formats SQLite's own date functions
//! read: `YYYY-MM-DD`, then optionally `[ T]HH:MM[:SS[.fff]]` and `Z` or `±HH:MM`.

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Microseconds since the Unix epoch (UTC) of `text`; `None` when it is not a date.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let mut cursor = Cursor(text.trim().as_bytes());
    let year = cursor.number(4)?;
    cursor.expect(b'-')?;
    let month = cursor.number(2)?;
    cursor.expect(b'-')?;
    let day = cursor.number(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut micros = days_from_civil(year, month, day) * MICROS_PER_DAY;
    if cursor
        .expect(b' ')
        .or_else(|| cursor.expect(b'T'))
        .is_some()
    {
        micros += cursor.time_of_day()?;
        micros -= cursor.zone_offset()?;
    }
    cursor.0.is_empty().then_some(micros)
}

/// Microseconds since the epoch of `seconds` since the epoch, if representable.
pub fn micros_from_seconds(seconds: f64) -> Option<i64> {
    let micros = (seconds * MICROS_PER_SECOND as f64).round();
    // The bounds keep the cast from saturating silently.
    (micros.abs() < i64::MAX as f64).then_some(micros as i64)
}

/// The day (since the epoch) holding the instant `micros` since the epoch.
pub fn days_of(micros: i64) -> Option<i32> {
    i32::try_from(micros.div_euclid(MICROS_PER_DAY)).ok()
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn expect(&mut self, byte: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == byte).then(|| self.0 = rest)
    }

    /// Exactly `digits` decimal digits.
    fn number(&mut self, digits: usize) -> Option<i64> {
        let head = self.0.get(..digits)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = &self.0[digits..];
        Some(head.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    }

    /// `HH:MM[:SS[.fff]]` as microseconds since midnight.
    fn time_of_day(&mut self) -> Option<i64> {
        let hour = self.number(2).filter(|h| *h < 24)?;
        self.expect(b':')?;
        let minute = self.number(2).filter(|m| *m < 60)?;
        let mut second = 0;
        let mut fraction = 0;
        if self.expect(b':').is_some() {
            second = self.number(2).filter(|s| *s < 60)?;
            if self.expect(b'.').is_some() {
                fraction = self.fraction_micros()?;
            }
        }
        Some(((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + fraction)
    }

    /// The digits after a decimal point as microseconds; digits past six are dropped.
    fn fraction_micros(&mut self) -> Option<i64> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        let micros = self.0[..len]
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(6)
            .fold(0, |n, d| n * 10 + i64::from(d - b'0'));
        self.0 = &self.0[len..];
        Some(micros)
    }

    /// `Z`, `±HH:MM` or nothing, as microseconds east of UTC.
    fn zone_offset(&mut self) -> Option<i64> {
        let sign = match self.0.first() {
            None => return Some(0),
            Some(b'Z' | b'z') => {
                self.0 = &self.0[1..];
                return Some(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return None,
        };
        self.0 = &self.0[1..];
        let hours = self.number(2)?;
        self.expect(b':')?;
        let minutes = self.number(2)?;
        Some(sign * (hours * 60 + minutes) * 60 * MICROS_PER_SECOND)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_date(text: &str) -> Option<i32> {
        days_of(parse_timestamp(text)?)
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        assert_eq!(parse_date("2024-02-29 23:59:59"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-1-2"), None);
    }

    #[test]
    fn timestamps() {
        let s = |secs: i64| Some(secs * MICROS_PER_SECOND);
        assert_eq!(parse_timestamp("1970-01-02"), s(86_400));
        assert_eq!(parse_timestamp("1970-01-01 00:01"), s(60));
        assert_eq!(parse_timestamp("1970-01-01T01:00:01"), s(3_601));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(
            parse_timestamp("1970-01-01 00:00:00.1234567"),
            Some(123_456)
        );
        assert_eq!(parse_timestamp("1970-01-01 01:00:00+01:00"), s(0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:00Z"), s(0));
        assert_eq!(parse_timestamp("1970-01-01 24:00:00"), None);
        assert_eq!(parse_timestamp("1970-01-01 00:00:00 junk"), None);
        assert_eq!(parse_timestamp("1970-01-01T"), None);
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(micros_from_seconds(1.5), Some(1_500_000));
        assert_eq!(micros_from_seconds(1e30), None);
        assert_eq!(days_of(-1), Some(-1));
    }
}
