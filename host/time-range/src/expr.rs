//! The parsed form of one side of a range, and its evaluation against `now`.

use chrono::{Datelike, NaiveDateTime};

use crate::TimeRangeError;
use crate::calendar::{add, last_day, truncate};
use crate::human::parse_human_datetime;
use crate::unit::Unit;

/// A point in time: Superset's DATETIME / DATEADD / DATETRUNC / LASTDAY functions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DateExpr {
    /// DATETIME("...") and plain text: parsed by `parse_human_datetime`.
    Human(String),
    Add {
        base: Box<DateExpr>,
        amount: IntExpr,
        unit: Unit,
    },
    Trunc {
        base: Box<DateExpr>,
        unit: Unit,
    },
    LastDay {
        base: Box<DateExpr>,
        unit: Unit,
    },
}

/// DATEADD's amount: a literal or DATEDIFF(from, to[, day|year]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IntExpr {
    Literal(i64),
    DateDiff {
        from: Box<DateExpr>,
        to: Box<DateExpr>,
        in_years: bool,
    },
}

impl DateExpr {
    pub(crate) fn human(text: &str) -> DateExpr {
        DateExpr::Human(text.to_string())
    }

    pub(crate) fn plus(self, amount: i64, unit: Unit) -> DateExpr {
        DateExpr::Add {
            base: Box::new(self),
            amount: IntExpr::Literal(amount),
            unit,
        }
    }

    pub(crate) fn truncated(self, unit: Unit) -> DateExpr {
        DateExpr::Trunc {
            base: Box::new(self),
            unit,
        }
    }

    pub(crate) fn last_day(self, unit: Unit) -> DateExpr {
        DateExpr::LastDay {
            base: Box::new(self),
            unit,
        }
    }

    pub(crate) fn eval(&self, now: NaiveDateTime) -> Result<NaiveDateTime, TimeRangeError> {
        match self {
            DateExpr::Human(text) => parse_human_datetime(text, now),
            DateExpr::Add { base, amount, unit } => add(base.eval(now)?, amount.eval(now)?, *unit),
            DateExpr::Trunc { base, unit } => truncate(base.eval(now)?, *unit),
            DateExpr::LastDay { base, unit } => last_day(base.eval(now)?, *unit),
        }
    }
}

impl IntExpr {
    fn eval(&self, now: NaiveDateTime) -> Result<i64, TimeRangeError> {
        match self {
            IntExpr::Literal(value) => Ok(*value),
            IntExpr::DateDiff { from, to, in_years } => {
                let (from, to) = (from.eval(now)?, to.eval(now)?);
                Ok(if *in_years {
                    i64::from(to.year()) - i64::from(from.year())
                } else {
                    // Python's timedelta.days rounds towards the past.
                    (to - from).num_seconds().div_euclid(86_400)
                })
            }
        }
    }
}
