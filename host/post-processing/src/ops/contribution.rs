//! `contribution`: each numeric cell as a share of its column's total, or of its
//! row's total (computed separately for each time-shifted group of columns).

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, Label};
use crate::options::Pairs;
use crate::values::{float_array, is_numeric, numbers};

/// Superset's suffix separator of time-shifted columns ("revenue__1 year ago").
const TIME_COMPARISON: &str = "__";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContributionOptions {
    #[serde(default = "column")]
    orientation: Option<String>,
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default)]
    time_shifts: Option<Vec<String>>,
    #[serde(default)]
    rename_columns: Option<Vec<String>>,
    #[serde(default)]
    contribution_totals: Option<Pairs<Option<f64>>>,
}

fn column() -> Option<String> {
    Some("column".to_string())
}

pub(crate) fn contribution(mut frame: Frame, options: ContributionOptions) -> Result<Frame> {
    let by_column = match options.orientation.as_deref() {
        Some("column") => true,
        // Superset takes anything but "column", null included, as row.
        Some("row") | None => false,
        Some(other) => {
            return Err(PostProcessingError::new(format!(
                "Invalid contribution orientation: {other} (expected row or column)"
            )));
        }
    };
    let requested = options.columns.unwrap_or_default();
    frame.require_names(requested.iter().map(String::as_str))?;

    // Decimal, integer and float columns take part; others are left as they are.
    let numeric: Vec<usize> = (0..frame.columns.len())
        .filter(|&i| is_numeric(frame.columns[i].values.data_type()))
        .collect();
    let chosen: Vec<usize> = if requested.is_empty() {
        numeric
    } else {
        requested
            .iter()
            .map(|name| {
                let label = vec![Some(name.clone())];
                numeric.iter().copied().find(|&i| frame.columns[i].label == label).ok_or_else(|| {
                    PostProcessingError::new(format!(
                        "Column \"{name}\" is not numeric or does not exists in the query results."
                    ))
                })
            })
            .collect::<Result<_>>()?
    };
    let targets: Vec<Label> = match options.rename_columns {
        Some(names) if !names.is_empty() => names.iter().map(|n| frame.label_for(n)).collect(),
        _ => chosen
            .iter()
            .map(|&i| frame.columns[i].label.clone())
            .collect(),
    };
    if targets.len() != chosen.len() {
        return Err(PostProcessingError::new(
            "`rename_columns` must have the same length as `columns` + `time_shift_columns`.",
        ));
    }
    let values: Vec<Vec<Option<f64>>> = chosen
        .iter()
        .map(|&i| numbers(&frame.columns[i].values).unwrap_or_default())
        .collect();

    let shares = if by_column {
        column_shares(
            &frame,
            &chosen,
            &values,
            options.contribution_totals.as_ref(),
        )
    } else {
        let groups = time_shift_groups(&frame, &chosen, &options.time_shifts.unwrap_or_default());
        row_shares(frame.rows, &values, &groups)
    };
    for (label, share) in targets.into_iter().zip(shares) {
        frame.assign(label, float_array(share));
    }
    Ok(frame)
}

/// Each value (missing as 0) over its column's total, or over the given total.
fn column_shares(
    frame: &Frame,
    chosen: &[usize],
    values: &[Vec<Option<f64>>],
    totals: Option<&Pairs<Option<f64>>>,
) -> Vec<Vec<Option<f64>>> {
    chosen
        .iter()
        .zip(values)
        .map(|(&i, column)| {
            let filled = column.iter().map(|v| v.unwrap_or(0.0));
            let total = match totals {
                Some(totals) => {
                    let label = &frame.columns[i].label;
                    let total = totals
                        .0
                        .iter()
                        .find(|(name, _)| label == &vec![Some(name.clone())]);
                    match total.and_then(|(_, t)| *t).filter(|t| *t != 0.0) {
                        Some(total) => total,
                        // No (or a zero) total: Superset answers 0 throughout.
                        None => return vec![Some(0.0); column.len()],
                    }
                }
                None => filled.clone().sum(),
            };
            filled.map(|v| Some(v / total)).collect()
        })
        .collect()
}

/// Each value over the sum of its row within its group of columns; missing stays missing.
fn row_shares(
    rows: usize,
    values: &[Vec<Option<f64>>],
    groups: &[Vec<usize>],
) -> Vec<Vec<Option<f64>>> {
    let mut shares = vec![Vec::new(); values.len()];
    for group in groups {
        let totals: Vec<f64> = (0..rows)
            .map(|row| group.iter().filter_map(|&c| values[c][row]).sum())
            .collect();
        for &c in group {
            shares[c] = (0..rows)
                .map(|row| values[c][row].map(|v| v / totals[row]))
                .collect();
        }
    }
    shares
}

/// The chosen columns (as positions into `chosen`) grouped by time shift: first those
/// without one, then one group per shift in order of appearance.
fn time_shift_groups(frame: &Frame, chosen: &[usize], time_shifts: &[String]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = vec![(None, Vec::new())];
    for (position, &i) in chosen.iter().enumerate() {
        let first = frame.columns[i].label[0].as_deref().unwrap_or_default();
        let shift = time_shifts
            .iter()
            .find(|shift| first.ends_with(&format!("{TIME_COMPARISON}{shift}")))
            .map(String::as_str);
        match groups.iter_mut().find(|(s, _)| *s == shift) {
            Some((_, members)) => members.push(position),
            None => groups.push((shift, vec![position])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}
