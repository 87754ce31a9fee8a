//! pandas offset aliases for `resample(rule)`: fixed lengths ("1D", "15min", "6h")
//! and calendar anchors ("W", "W-MON", "ME"/"M", "MS", "QE"/"Q", "QS", "YE"/"A", "YS"/"AS").

use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};

use crate::error::{PostProcessingError, Result};

const MICROS_PER_SECOND: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rule {
    /// A fixed length in microseconds (pandas' "Tick" offsets).
    Fixed(i64),
    /// `n` steps from one calendar anchor to the next.
    Anchored { n: i64, anchor: Anchor },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Anchor {
    /// Weeks ending on a weekday (W-SUN by default).
    WeekEnd(Weekday),
    /// The last (`end`) or first day of months `period` apart, one of them `month`.
    Month { period: u32, month: u32, end: bool },
}

impl Rule {
    pub(crate) fn parse(rule: &str) -> Result<Rule> {
        let invalid = || PostProcessingError::new(format!("Invalid frequency: {rule}"));
        let digits = rule.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = if digits == 0 {
            1
        } else {
            rule[..digits].parse().map_err(|_| invalid())?
        };
        if n == 0 {
            return Err(invalid());
        }
        let (alias, suffix) = match rule[digits..].split_once('-') {
            Some((alias, suffix)) => (alias, Some(suffix)),
            None => (&rule[digits..], None),
        };
        let fixed = |micros: i64| n.checked_mul(micros).map(Rule::Fixed).ok_or_else(invalid);
        let month_of = |default: u32| match suffix {
            None => Some(default),
            Some(name) => month_number(name),
        };
        let anchor = match (alias, suffix) {
            ("D", None) => return fixed(86_400 * MICROS_PER_SECOND),
            ("h" | "H", None) => return fixed(3_600 * MICROS_PER_SECOND),
            ("min" | "T", None) => return fixed(60 * MICROS_PER_SECOND),
            ("s" | "S", None) => return fixed(MICROS_PER_SECOND),
            ("ms" | "L", None) => return fixed(1_000),
            ("us" | "U", None) => return fixed(1),
            ("W", None) => Anchor::WeekEnd(Weekday::Sun),
            ("W", Some(day)) => Anchor::WeekEnd(weekday(day).ok_or_else(invalid)?),
            ("M" | "ME", None) => Anchor::Month {
                period: 1,
                month: 1,
                end: true,
            },
            ("MS", None) => Anchor::Month {
                period: 1,
                month: 1,
                end: false,
            },
            ("Q" | "QE", _) => Anchor::Month {
                period: 3,
                month: month_of(12).ok_or_else(invalid)?,
                end: true,
            },
            ("QS", _) => Anchor::Month {
                period: 3,
                month: month_of(1).ok_or_else(invalid)?,
                end: false,
            },
            ("A" | "Y" | "YE", _) => Anchor::Month {
                period: 12,
                month: month_of(12).ok_or_else(invalid)?,
                end: true,
            },
            ("AS" | "YS", _) => Anchor::Month {
                period: 12,
                month: month_of(1).ok_or_else(invalid)?,
                end: false,
            },
            _ => return Err(invalid()),
        };
        Ok(Rule::Anchored { n, anchor })
    }
}

impl Anchor {
    /// End anchors (W, ME, QE, YE) close bins on the right and label them by their end.
    pub(crate) fn is_end(&self) -> bool {
        match self {
            Anchor::WeekEnd(_) => true,
            Anchor::Month { end, .. } => *end,
        }
    }

    pub(crate) fn is_on(&self, date: NaiveDate) -> bool {
        match *self {
            Anchor::WeekEnd(day) => date.weekday() == day,
            Anchor::Month { .. } => self.in_month(date) == Some(date),
        }
    }

    /// The first anchor on or after `date`.
    pub(crate) fn roll_forward(&self, date: NaiveDate) -> Option<NaiveDate> {
        match *self {
            Anchor::WeekEnd(day) => {
                let ahead =
                    (day.num_days_from_monday() + 7 - date.weekday().num_days_from_monday()) % 7;
                date.checked_add_signed(Duration::days(i64::from(ahead)))
            }
            Anchor::Month { .. } => (0..=12).find_map(|k| {
                let candidate = self.in_month(date.checked_add_months(Months::new(k))?)?;
                (candidate >= date).then_some(candidate)
            }),
        }
    }

    /// The last anchor on or before `date`.
    pub(crate) fn roll_back(&self, date: NaiveDate) -> Option<NaiveDate> {
        match *self {
            Anchor::WeekEnd(day) => {
                let behind =
                    (date.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
                date.checked_sub_signed(Duration::days(i64::from(behind)))
            }
            Anchor::Month { .. } => (0..=12).find_map(|k| {
                let candidate = self.in_month(date.checked_sub_months(Months::new(k))?)?;
                (candidate <= date).then_some(candidate)
            }),
        }
    }

    /// The anchor `steps` anchors away from `date`, itself an anchor.
    pub(crate) fn step(&self, date: NaiveDate, steps: i64) -> Option<NaiveDate> {
        match *self {
            Anchor::WeekEnd(_) => date.checked_add_signed(Duration::days(steps.checked_mul(7)?)),
            Anchor::Month { period, end, .. } => {
                let months = steps.checked_mul(i64::from(period))?;
                let first = date.with_day(1)?;
                let shift = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
                let first = if months >= 0 {
                    first.checked_add_months(shift)?
                } else {
                    first.checked_sub_months(shift)?
                };
                if end {
                    last_of_month(first)
                } else {
                    Some(first)
                }
            }
        }
    }

    /// pandas' `date + n * offset`: a date off the anchors counts its roll forward as a step.
    pub(crate) fn add(&self, date: NaiveDate, n: i64) -> Option<NaiveDate> {
        if self.is_on(date) {
            self.step(date, n)
        } else {
            self.step(self.roll_forward(date)?, n - 1)
        }
    }

    /// pandas' `date - n * offset`.
    pub(crate) fn sub(&self, date: NaiveDate, n: i64) -> Option<NaiveDate> {
        if self.is_on(date) {
            self.step(date, -n)
        } else {
            self.step(self.roll_back(date)?, 1 - n)
        }
    }

    /// The anchor inside `date`'s month, if that month has one.
    fn in_month(&self, date: NaiveDate) -> Option<NaiveDate> {
        let Anchor::Month { period, month, end } = *self else {
            return None;
        };
        if !(date.month() + 12 - month).is_multiple_of(period) {
            return None;
        }
        let first = date.with_day(1)?;
        if end {
            last_of_month(first)
        } else {
            Some(first)
        }
    }
}

fn last_of_month(first: NaiveDate) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(1))?.pred_opt()
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "MON" => Weekday::Mon,
        "TUE" => Weekday::Tue,
        "WED" => Weekday::Wed,
        "THU" => Weekday::Thu,
        "FRI" => Weekday::Fri,
        "SAT" => Weekday::Sat,
        "SUN" => Weekday::Sun,
        _ => return None,
    })
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    MONTHS.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}
