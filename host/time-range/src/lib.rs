//! Superset's chart `time_range` grammar (`get_since_until` in
//! `superset/utils/date_parser.py`): a range string becomes optional bounds
//! `[since, until)`.
//!
//! Accepted: `No filter` (or nothing); `Last day|week|month|quarter|year` and
//! `Last|Next N units`; `previous calendar week|month|quarter|year`;
//! `Current day|week|month|quarter|year`; `first week|month|quarter of [this|last|next|prior] unit`;
//! and `A : B`, where each side is empty (open), an ISO date or datetime, `now`,
//! `today`, `yesterday`, `tomorrow`, `N units ago|later`, a phrase such as `last 2
//! weeks`, `start of next month`, `first day of this year`, or an expression such as
//! `DATEADD(DATETIME("today"), -7, day)`.
//!
//! Deliberate differences from Superset: a separator-less range that is none of the
//! shorthands is an error (Superset silently answers "until today"); text after a
//! complete expression is an error (pyparsing ignores it); `HOLIDAY()` is not supported.

mod calendar;
mod error;
mod expr;
mod human;
mod parser;
mod phrase;
mod unit;

use chrono::NaiveDateTime;

pub use error::TimeRangeError;
use expr::DateExpr;

/// What Superset's UI and API send for "no time filter".
pub const NO_FILTER: &str = "No filter";

/// Splits a range into its since and until sides.
const SEPARATOR: &str = " : ";

/// The bounds of a range: `since <= t < until`; `None` is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeBounds {
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// The anchor of relative ranges (`extras.relative_start` / `relative_end`); Superset's
/// default for both is `Today` (midnight).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Relative {
    #[default]
    Today,
    Now,
}

impl Relative {
    fn phrase(self) -> &'static str {
        match self {
            Relative::Today => "today",
            Relative::Now => "now",
        }
    }
}

/// The bounds `range` denotes at `now` (the server's wall clock, naive like Superset's).
pub fn parse_time_range(
    range: &str,
    now: NaiveDateTime,
    relative_start: Relative,
    relative_end: Relative,
) -> Result<TimeBounds, TimeRangeError> {
    if range.trim().is_empty() || range.trim().eq_ignore_ascii_case(NO_FILTER) {
        return Ok(TimeBounds::default());
    }
    let (since, until) = sides(range, relative_start, relative_end)?;
    let since = since.map(|expr| expr.eval(now)).transpose()?;
    let until = until.map(|expr| expr.eval(now)).transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(TimeRangeError::SinceAfterUntil);
    }
    Ok(TimeBounds { since, until })
}

type Sides = (Option<DateExpr>, Option<DateExpr>);

fn sides(
    range: &str,
    relative_start: Relative,
    relative_end: Relative,
) -> Result<Sides, TimeRangeError> {
    let start = relative_start.phrase();
    if let Some((since, until)) = range.split_once(SEPARATOR) {
        return Ok((side(since, start)?, side(until, start)?));
    }
    let range = range.trim();
    // "Last 7 days" runs until the relative end, "Next 7 days" from the relative start.
    if starts_with_word(range, "last") {
        return Ok((
            side(range, start)?,
            Some(DateExpr::human(relative_end.phrase())),
        ));
    }
    if starts_with_word(range, "next") {
        return Ok((Some(DateExpr::human(start)), side(range, start)?));
    }
    phrase::calendar_shorthand(range)
        .or_else(|| phrase::first_period_of(range, start))
        .map(|(since, until)| (Some(since), Some(until)))
        .ok_or_else(|| TimeRangeError::Unparseable(range.to_string()))
}

/// One side of `A : B`: open when empty, else a phrase, a function or human text.
fn side(text: &str, relative_start: &str) -> Result<Option<DateExpr>, TimeRangeError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(expr) = phrase::side(text, relative_start) {
        return Ok(Some(expr));
    }
    const FUNCTIONS: [&str; 5] = ["datetime", "dateadd", "datetrunc", "lastday", "holiday"];
    if FUNCTIONS.iter().any(|f| starts_with_ignore_case(text, f)) {
        return parser::parse_expression(text).map(Some);
    }
    Ok(Some(DateExpr::human(text)))
}

/// `text` begins with the word `word` (any case), e.g. "Last" but not "LASTDAY(".
fn starts_with_word(text: &str, word: &str) -> bool {
    starts_with_ignore_case(text, word)
        && text[word.len()..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests;
