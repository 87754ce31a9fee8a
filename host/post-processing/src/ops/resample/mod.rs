//! `resample`: the rows re-spaced on a time grid over the row index (the x-axis
//! after a pivot), filled (`asfreq`, `ffill`, `bfill`, `linear`) or aggregated
//! (`sum`, `mean`, `median`). Times are binned as UTC, whatever their zone.

mod bins;
mod rule;

use arrow_array::{Array, ArrayRef, UInt32Array};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::aggregates::{mean, percentile};
use crate::error::{PostProcessingError, Result};
use crate::frame::{Column, Frame, IndexLevel, RowIndex, flat_name};
use crate::values::{float_array, micros, numbers, require_numbers, timestamp_array, timezone};
use bins::{Bins, grid};
use rule::Rule;

const METHODS: [&str; 7] = [
    "asfreq", "bfill", "ffill", "linear", "median", "mean", "sum",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResampleOptions {
    rule: String,
    method: String,
    #[serde(default)]
    fill_value: Option<f64>,
    #[serde(default)]
    time_range_start: Option<String>,
    #[serde(default)]
    time_range_end: Option<String>,
}

pub(crate) fn resample(frame: Frame, options: ResampleOptions) -> Result<Frame> {
    let RowIndex::Levels(levels) = &frame.index else {
        return Err(requires_datetime_index());
    };
    let [level] = levels.as_slice() else {
        return Err(requires_datetime_index());
    };
    let times = micros(&level.values).ok_or_else(requires_datetime_index)?;
    let tz = timezone(level.values.data_type());
    let name = level.name.clone();
    let method = options.method.as_str();
    if !METHODS.contains(&method) {
        return Err(PostProcessingError::new(format!(
            "Resample method should be in {}.",
            METHODS.join(", ")
        )));
    }
    let rule = Rule::parse(&options.rule)?;
    // Zero-filling ("asfreq" with a fill value) may span the query's whole time range.
    let fill = options.fill_value.filter(|_| method == "asfreq");
    let (range_start, range_end) = match fill {
        Some(_) => (
            bound(options.time_range_start.as_deref())?,
            bound(options.time_range_end.as_deref())?,
        ),
        None => (None, None),
    };

    let mut rows: Vec<(i64, usize)> = times
        .iter()
        .enumerate()
        .filter_map(|(row, t)| Some(((*t)?, row)))
        .collect();
    rows.sort_by_key(|&(time, _)| time);
    if rows.windows(2).any(|w| w[0].0 == w[1].0) && !matches!(method, "sum" | "mean" | "median") {
        return Err(PostProcessingError::new(
            "cannot reindex on an axis with duplicate labels",
        ));
    }
    let bins = match (rows.first(), rows.last()) {
        (Some(&(first, _)), Some(&(last, _))) => Some(Bins::new(&rule, first, last, range_start)?),
        _ => None,
    };
    let mut labels = bins.as_ref().map(|b| b.labels.clone()).unwrap_or_default();

    let columns = match method {
        "sum" | "mean" | "median" => {
            let mut members = vec![Vec::new(); labels.len()];
            for &(time, row) in &rows {
                if let Some(bin) = bins.as_ref().and_then(|b| b.bin_of(time)) {
                    members[bin].push(row);
                }
            }
            aggregate_bins(&frame, &members, method)?
        }
        _ => {
            if let (Some(start), Some(end)) = (range_start, range_end) {
                labels.extend(grid(&rule, start, end)?);
                labels.sort_unstable();
                labels.dedup();
            }
            let sources = sources(&rows, &labels, method);
            frame
                .columns
                .iter()
                .map(|column| fill_column(column, &sources, method, fill))
                .collect::<Result<_>>()?
        }
    };
    let index = IndexLevel {
        name,
        values: timestamp_array(labels.iter().map(|&t| Some(t)).collect(), tz),
    };
    Ok(Frame {
        rows: labels.len(),
        index: RowIndex::Levels(vec![index]),
        level_names: frame.level_names,
        columns,
    })
}

fn requires_datetime_index() -> PostProcessingError {
    PostProcessingError::new("Resample operation requires DatetimeIndex")
}

/// A `time_range_start`/`end` option as microseconds.
fn bound(text: Option<&str>) -> Result<Option<i64>> {
    let Some(text) = text else {
        return Ok(None);
    };
    let parsed = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        });
    match parsed {
        Some(at) => Ok(Some(at.and_utc().timestamp_micros())),
        None => Err(PostProcessingError::new(format!(
            "Invalid time range bound for resample: {text}"
        ))),
    }
}

/// For each label, the row whose value it takes: the row at exactly that time
/// (`asfreq`, `linear`), the last at or before it (`ffill`) or the first at or after (`bfill`).
fn sources(rows: &[(i64, usize)], labels: &[i64], method: &str) -> Vec<Option<usize>> {
    labels
        .iter()
        .map(|&label| {
            let at_or_before = rows.partition_point(|&(t, _)| t <= label);
            match method {
                "ffill" => at_or_before.checked_sub(1).map(|i| rows[i].1),
                "bfill" => rows
                    .get(rows.partition_point(|&(t, _)| t < label))
                    .map(|&(_, row)| row),
                _ => at_or_before
                    .checked_sub(1)
                    .filter(|&i| rows[i].0 == label)
                    .map(|i| rows[i].1),
            }
        })
        .collect()
}

/// A column re-spaced onto the labels, then filled as the method asks.
fn fill_column(
    column: &Column,
    sources: &[Option<usize>],
    method: &str,
    fill: Option<f64>,
) -> Result<Column> {
    let values = &column.values;
    let picked: Vec<Option<usize>> = match method {
        // pandas fills again after re-spacing, from the nearest value that is present.
        "ffill" => carry(sources.iter().copied(), values),
        "bfill" => {
            let mut picked = carry(sources.iter().rev().copied(), values);
            picked.reverse();
            picked
        }
        _ => sources.to_vec(),
    };
    let indices: UInt32Array = picked.iter().map(|p| p.map(|row| row as u32)).collect();
    let mut values = arrow_select::take::take(values.as_ref(), &indices, None)?;
    if let Some(numbers) = numbers(&values) {
        if method == "linear" {
            values = float_array(interpolate(numbers));
        } else if let Some(fill) = fill {
            values = float_array(numbers.into_iter().map(|v| v.or(Some(fill))));
        }
    }
    Ok(Column {
        label: column.label.clone(),
        values,
    })
}

/// Each position's source, or else the last source before it with a value present.
fn carry(sources: impl Iterator<Item = Option<usize>>, values: &ArrayRef) -> Vec<Option<usize>> {
    let mut last = None;
    sources
        .map(|source| {
            if let Some(row) = source.filter(|&row| values.is_valid(row)) {
                last = Some(row);
            }
            last
        })
        .collect()
}

/// pandas' `interpolate()`: straight lines between present values, the last value
/// carried to the end, leading gaps left missing.
fn interpolate(values: Vec<Option<f64>>) -> Vec<Option<f64>> {
    let present: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    (0..values.len())
        .map(|i| {
            let after = present.partition_point(|&p| p < i);
            match (after.checked_sub(1).map(|b| present[b]), present.get(after)) {
                _ if values[i].is_some() => values[i],
                (Some(before), Some(&next)) => {
                    let (a, b) = (values[before]?, values[next]?);
                    Some(a + (b - a) * (i - before) as f64 / (next - before) as f64)
                }
                (Some(before), None) => values[before],
                (None, _) => None,
            }
        })
        .collect()
}

/// Each column reduced over the rows of each bin (an empty bin sums to 0).
fn aggregate_bins(frame: &Frame, members: &[Vec<usize>], method: &str) -> Result<Vec<Column>> {
    frame
        .columns
        .iter()
        .map(|column| {
            let values = require_numbers(&column.values, &flat_name(&column.label))?;
            let reduced = members.iter().map(|rows| {
                let present: Vec<f64> = rows.iter().filter_map(|&r| values[r]).collect();
                match method {
                    "sum" => Some(present.iter().sum()),
                    "mean" => mean(&present),
                    _ => percentile(present, 50.0),
                }
            });
            Ok(Column {
                label: column.label.clone(),
                values: float_array(reduced),
            })
        })
        .collect()
}
