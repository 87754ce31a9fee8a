//! The bins pandas' `resample` puts timestamps in (`_get_time_bins`): their labels
//! and edges, for the span of the data.

use chrono::{DateTime, NaiveDate};

use super::rule::{Anchor, Rule};
use crate::error::{PostProcessingError, Result};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Most rows a resample may produce; protects memory from "1s over ten years".
const MAX_BINS: usize = 1_000_000;

pub(crate) struct Bins {
    /// One label per bin, ascending.
    pub(crate) labels: Vec<i64>,
    /// Bin `i` lies between `edges[i]` and `edges[i + 1]`.
    edges: Vec<i64>,
    /// Whether a bin holds its right edge (end anchors) rather than its left.
    closed_right: bool,
}

impl Bins {
    /// Bins covering `first..=last` (microseconds). `origin` aligns fixed-length bins
    /// (pandas' default: midnight of the first day).
    pub(crate) fn new(rule: &Rule, first: i64, last: i64, origin: Option<i64>) -> Result<Bins> {
        match *rule {
            Rule::Fixed(length) => {
                let origin =
                    origin.unwrap_or_else(|| first.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY);
                let start = first.saturating_sub(first.saturating_sub(origin).rem_euclid(length));
                let past_last = last.saturating_sub(origin).rem_euclid(length);
                let end = last.saturating_add(if past_last > 0 {
                    length - past_last
                } else {
                    length
                });
                let edges = fixed_range(start, end, length, true)?;
                Ok(Bins {
                    labels: all_but_last(&edges),
                    edges,
                    closed_right: false,
                })
            }
            Rule::Anchored { n, anchor } if anchor.is_end() => {
                let first_day = anchor.sub(day_of(first)?, n).ok_or_else(out_of_range)?;
                let last_day = anchor.add(day_of(last)?, n).ok_or_else(out_of_range)?;
                let mut binner = anchored_range(anchor, n, first_day, last_day)?;
                // A bin ends at the last moment of its anchor day.
                let mut edges: Vec<i64> = binner.iter().map(|d| d + MICROS_PER_DAY - 1).collect();
                if edges.len() >= 2 && edges[edges.len() - 2] > last {
                    edges.pop();
                    binner.pop();
                }
                Ok(Bins {
                    labels: binner.get(1..).unwrap_or_default().to_vec(),
                    edges,
                    closed_right: true,
                })
            }
            Rule::Anchored { n, anchor } => {
                let first_day = anchor.roll_back(day_of(first)?).ok_or_else(out_of_range)?;
                let last_day = anchor.add(day_of(last)?, n).ok_or_else(out_of_range)?;
                let edges = anchored_range(anchor, n, first_day, last_day)?;
                Ok(Bins {
                    labels: all_but_last(&edges),
                    edges,
                    closed_right: false,
                })
            }
        }
    }

    /// The bin holding `time`, if any.
    pub(crate) fn bin_of(&self, time: i64) -> Option<usize> {
        let after = if self.closed_right {
            self.edges.partition_point(|&e| e < time)
        } else {
            self.edges.partition_point(|&e| e <= time)
        };
        after.checked_sub(1).filter(|&bin| bin < self.labels.len())
    }
}

/// `pd.date_range(start, end, freq=rule, inclusive="left")`: the times of the rule's
/// grid from `start` (rolled forward to an anchor, keeping its time of day) before `end`.
pub(crate) fn grid(rule: &Rule, start: i64, end: i64) -> Result<Vec<i64>> {
    match *rule {
        Rule::Fixed(length) => fixed_range(start, end, length, false),
        Rule::Anchored { n, anchor } => {
            let day = day_of(start)?;
            let time_of_day = start - micros_of(day);
            let first = anchor.roll_forward(day).ok_or_else(out_of_range)?;
            let last = day_of(end)?;
            let times = anchored_range(anchor, n, first, last)?;
            Ok(times
                .into_iter()
                .map(|t| t + time_of_day)
                .filter(|&t| t < end)
                .collect())
        }
    }
}

/// `start, start + length, ...` up to `end` (inclusive or not).
fn fixed_range(start: i64, end: i64, length: i64, inclusive: bool) -> Result<Vec<i64>> {
    let count = end.saturating_sub(start) / length + 1;
    if usize::try_from(count).is_ok_and(|c| c > MAX_BINS) {
        return Err(too_many());
    }
    Ok(
        std::iter::successors(Some(start), |t| t.checked_add(length))
            .take_while(|&t| if inclusive { t <= end } else { t < end })
            .collect(),
    )
}

/// Anchors from `first` (rolled forward) through `last`, `n` anchors apart, as midnights.
fn anchored_range(anchor: Anchor, n: i64, first: NaiveDate, last: NaiveDate) -> Result<Vec<i64>> {
    let mut days = Vec::new();
    let mut day = anchor.roll_forward(first);
    while let Some(current) = day.filter(|d| *d <= last) {
        if days.len() == MAX_BINS {
            return Err(too_many());
        }
        days.push(micros_of(current));
        day = anchor.step(current, n);
    }
    Ok(days)
}

fn all_but_last(edges: &[i64]) -> Vec<i64> {
    edges
        .split_last()
        .map(|(_, rest)| rest.to_vec())
        .unwrap_or_default()
}

fn day_of(micros: i64) -> Result<NaiveDate> {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.date_naive())
        .ok_or_else(out_of_range)
}

fn micros_of(day: NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_micros()
}

fn out_of_range() -> PostProcessingError {
    PostProcessingError::new("Resample dates are out of range")
}

fn too_many() -> PostProcessingError {
    PostProcessingError::new(format!("Resample would produce more than {MAX_BINS} rows"))
}
