//! The English phrases of Superset's `time_range_lookup` ("last 2 weeks", "start of
//! next month", "first day of this year") and the separator-less shorthands of a
//! whole range ("previous calendar week", "Current month", "first week of this year").

use crate::expr::DateExpr;
use crate::unit::Unit;

/// One side of a range written as a phrase; `base` is the relative start ("today" or
/// "now") that Superset anchors every phrase to. `None` when it is no phrase.
pub(crate) fn side(text: &str, base: &str) -> Option<DateExpr> {
    let words = words(text);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["start" | "beginning", "of", scope, rest @ ..] => {
            let (count, unit) = count_and_unit(rest, false)?;
            Some(scoped(scope, count, unit, base)?.truncated(unit))
        }
        ["end", "of", scope, rest @ ..] => {
            let (count, unit) = count_and_unit(rest, false)?;
            Some(scoped(scope, count, unit, base)?.last_day(unit))
        }
        ["first" | "1st", rest @ ..] => {
            let rest = rest.strip_prefix(&["day"]).unwrap_or(rest);
            let (scope, unit) = match rest {
                ["of", "the", unit] | ["of", unit] => ("this", period_unit(unit)?),
                ["of", scope, unit] => (*scope, calendar_unit(unit, true)?),
                _ => return None,
            };
            Some(scoped(scope, None, unit, base)?.truncated(unit))
        }
        [scope, rest @ ..] => {
            let (count, unit) = count_and_unit(rest, true)?;
            scoped(scope, count, unit, base)
        }
        [] => None,
    }
}

/// "first week of this year": the first `week|month|quarter` of a unit, as a range.
pub(crate) fn first_period_of(text: &str, base: &str) -> Option<(DateExpr, DateExpr)> {
    let words = words(text);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let ["first" | "1st", period, "of", rest @ ..] = words.as_slice() else {
        return None;
    };
    let period = match Unit::parse(period)? {
        unit @ (Unit::Week | Unit::Month | Unit::Quarter) if !period.ends_with('s') => unit,
        _ => return None,
    };
    let (scope, rest) = match rest {
        [scope @ ("this" | "last" | "next" | "prior"), rest @ ..] => (*scope, rest),
        _ => ("this", rest),
    };
    let unit = match rest {
        ["the", unit] | [unit] => period_unit(unit)?,
        _ => return None,
    };
    let start = scoped(scope, None, unit, base)?.truncated(unit);
    Some((start.clone(), start.plus(1, period)))
}

/// `previous calendar <unit>` and `Current <unit>`, anchored to today as Superset does.
pub(crate) fn calendar_shorthand(text: &str) -> Option<(DateExpr, DateExpr)> {
    let words = words(text);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let today = || DateExpr::human("today");
    match words.as_slice() {
        ["previous", "calendar", unit] => {
            let unit = period_unit(unit)?;
            Some((
                today().plus(-1, unit).truncated(unit),
                today().truncated(unit),
            ))
        }
        ["current", unit] => {
            let unit = calendar_unit(unit, false)?;
            Some((
                today().plus(0, unit).truncated(unit),
                today().plus(1, unit).truncated(unit),
            ))
        }
        _ => None,
    }
}

/// `this`: the base itself; `last`/`prior`: `count` units before; `next`: after.
fn scoped(scope: &str, count: Option<i64>, unit: Unit, base: &str) -> Option<DateExpr> {
    let count = count.unwrap_or(1);
    let base = DateExpr::human(base);
    match scope {
        "this" => Some(base),
        "last" | "prior" => Some(base.plus(count.checked_neg()?, unit)),
        "next" => Some(base.plus(count, unit)),
        _ => None,
    }
}

/// `[N] unit[s]`; `sub_day` admits hour, minute and second.
fn count_and_unit(words: &[&str], sub_day: bool) -> Option<(Option<i64>, Unit)> {
    let (count, unit) = match words {
        [unit] => (None, *unit),
        [count, unit] if count.bytes().all(|b| b.is_ascii_digit()) => {
            // Digits beyond i64 still mean "a lot": evaluation reports it out of range.
            (Some(count.parse().unwrap_or(i64::MAX)), *unit)
        }
        _ => return None,
    };
    let unit = Unit::parse(unit)?;
    (sub_day || unit.is_calendar()).then_some((count, unit))
}

/// day, week, month, quarter or year; `plural` also admits "days" ...
fn calendar_unit(word: &str, plural: bool) -> Option<Unit> {
    let unit = Unit::parse(word)?;
    (unit.is_calendar() && (plural || !word.ends_with('s'))).then_some(unit)
}

/// week, month, quarter or year, singular.
fn period_unit(word: &str) -> Option<Unit> {
    calendar_unit(word, false).filter(|unit| *unit != Unit::Day)
}

/// Lower-cased words, with a count glued to its unit ("7days") split in two.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let word = word.to_ascii_lowercase();
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && digits < word.len()
            && word.as_bytes()[digits].is_ascii_alphabetic()
            && word != "1st"
        {
            words.push(word[..digits].to_string());
            words.push(word[digits..].to_string());
        } else {
            words.push(word);
        }
    }
    words
}
