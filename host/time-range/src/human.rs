//! `parse_human_datetime`: the text inside DATETIME("...") and any side of a range
//! that is not a phrase or a function. Superset tries python-dateutil first, then
//! parsedatetime; this covers what its UI produces: ISO dates and datetimes, `now`,
//! `today`, `yesterday`, `tomorrow` and "N units ago/later".

use chrono::{NaiveDate, NaiveDateTime, Timelike};

use crate::TimeRangeError;
use crate::calendar::{add, midnight};
use crate::unit::Unit;

const DATETIME_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];
const DATE_FORMATS: [&str; 2] = ["%Y-%m-%d", "%Y/%m/%d"];

pub(crate) fn parse_human_datetime(
    text: &str,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, TimeRangeError> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    if is_bare_period(&words) {
        return Err(TimeRangeError::Ambiguous(text.to_string()));
    }
    if let Some(at) = parse_iso(text.trim()) {
        return Ok(at);
    }
    match relative_to_now(&words, now) {
        Some(result) => result,
        None => Err(TimeRangeError::Unparseable(text.to_string())),
    }
}

/// "7 days": a distance without a direction.
fn is_bare_period(words: &[String]) -> bool {
    matches!(words, [count, unit] if is_digits(count) && Unit::parse(unit).is_some())
}

fn parse_iso(text: &str) -> Option<NaiveDateTime> {
    DATETIME_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            let date = pad_partial_date(text);
            DATE_FORMATS
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(&date, f).ok())
                .map(midnight)
        })
}

/// dateutil fills a missing month or day with 1: "2024-03", "2024".
fn pad_partial_date(text: &str) -> String {
    let year_digits = text.bytes().take_while(u8::is_ascii_digit).count();
    match text.split('-').count() {
        1 if year_digits == 4 && text.len() == 4 => format!("{text}-01-01"),
        2 if year_digits == 4 => format!("{text}-01"),
        _ => text.to_string(),
    }
}

/// parsedatetime's relative forms. `None` when the words are none of them.
fn relative_to_now(
    words: &[String],
    now: NaiveDateTime,
) -> Option<Result<NaiveDateTime, TimeRangeError>> {
    // parsedatetime drops sub-second precision.
    let now = now.with_nanosecond(0).unwrap_or(now);
    let today = midnight(now.date());
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let (amount, unit) = match words.as_slice() {
        ["now"] => return Some(Ok(now)),
        ["today"] => return Some(Ok(today)),
        ["yesterday"] => return Some(add(today, -1, Unit::Day)),
        ["tomorrow"] => return Some(add(today, 1, Unit::Day)),
        [count, unit, "ago"] => (-unsigned(count)?, Unit::parse(unit)?),
        [count, unit, "later"] | [count, unit, "from", "now"] | ["in", count, unit] => {
            (unsigned(count)?, Unit::parse(unit)?)
        }
        [count, unit] if count.starts_with(['+', '-']) => (count.parse().ok()?, Unit::parse(unit)?),
        _ => return None,
    };
    let moved = add(now, amount, unit);
    // Without a time of day in the phrase parsedatetime answers midnight.
    Some(if unit.is_calendar() {
        moved.map(|at| midnight(at.date()))
    } else {
        moved
    })
}

fn unsigned(count: &str) -> Option<i64> {
    if is_digits(count) {
        count.parse().ok()
    } else {
        None
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}
