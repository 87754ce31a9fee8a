//! Calendar arithmetic behind DATEADD, DATETRUNC and LASTDAY, as Superset evaluates
//! them (python-dateutil / parsedatetime semantics: month steps clamp to the month's
//! last day, weeks start on Monday).

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::TimeRangeError;
use crate::unit::Unit;

/// `at` moved by `amount` units (negative goes back).
pub(crate) fn add(
    at: NaiveDateTime,
    amount: i64,
    unit: Unit,
) -> Result<NaiveDateTime, TimeRangeError> {
    let moved = match unit {
        Unit::Second => add_seconds(at, amount, 1),
        Unit::Minute => add_seconds(at, amount, 60),
        Unit::Hour => add_seconds(at, amount, 3_600),
        Unit::Day => add_seconds(at, amount, 86_400),
        Unit::Week => add_seconds(at, amount, 604_800),
        Unit::Month => add_months(at, amount, 1),
        Unit::Quarter => add_months(at, amount, 3),
        Unit::Year => add_months(at, amount, 12),
    };
    moved.ok_or_else(|| TimeRangeError::OutOfRange(format!("{at} moved by {amount} {unit:?}")))
}

fn add_seconds(at: NaiveDateTime, amount: i64, seconds_per_unit: i64) -> Option<NaiveDateTime> {
    let delta = Duration::try_seconds(amount.checked_mul(seconds_per_unit)?)?;
    at.checked_add_signed(delta)
}

fn add_months(at: NaiveDateTime, amount: i64, months_per_unit: i64) -> Option<NaiveDateTime> {
    let months = amount.checked_mul(months_per_unit)?;
    let step = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        at.checked_add_months(step)
    } else {
        at.checked_sub_months(step)
    }
}

/// The start of the unit that contains `at` (DATETRUNC).
pub(crate) fn truncate(at: NaiveDateTime, unit: Unit) -> Result<NaiveDateTime, TimeRangeError> {
    let date = at.date();
    let start = match unit {
        Unit::Year => first_of_month(date.year(), 1).map(midnight),
        Unit::Quarter => {
            first_of_month(date.year(), quarter_first_month(date.month())).map(midnight)
        }
        Unit::Month => first_of_month(date.year(), date.month()).map(midnight),
        Unit::Week => monday_of(date).map(midnight),
        Unit::Day => Some(midnight(date)),
        Unit::Hour => NaiveTime::from_hms_opt(at.hour(), 0, 0).map(|t| date.and_time(t)),
        Unit::Minute => {
            NaiveTime::from_hms_opt(at.hour(), at.minute(), 0).map(|t| date.and_time(t))
        }
        Unit::Second => at.with_nanosecond(0),
    };
    start.ok_or_else(|| TimeRangeError::OutOfRange(format!("start of the {unit:?} of {at}")))
}

/// Midnight of the last day of the unit that contains `at` (LASTDAY). The grammar
/// only allows day or longer; a shorter unit ends, like a day, at that day's midnight.
pub(crate) fn last_day(at: NaiveDateTime, unit: Unit) -> Result<NaiveDateTime, TimeRangeError> {
    let date = at.date();
    let last = match unit {
        Unit::Year => last_of_month(date.year(), 12),
        Unit::Quarter => last_of_month(date.year(), quarter_first_month(date.month()) + 2),
        Unit::Month => last_of_month(date.year(), date.month()),
        Unit::Week => {
            monday_of(date).and_then(|monday| monday.checked_add_signed(Duration::days(6)))
        }
        Unit::Day | Unit::Hour | Unit::Minute | Unit::Second => Some(date),
    };
    last.map(midnight)
        .ok_or_else(|| TimeRangeError::OutOfRange(format!("last day of the {unit:?} of {at}")))
}

pub(crate) fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

fn quarter_first_month(month: u32) -> u32 {
    (month - 1) / 3 * 3 + 1
}

fn monday_of(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_signed(Duration::days(i64::from(
        date.weekday().num_days_from_monday(),
    )))
}

fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    first_of_month(year, month)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}
