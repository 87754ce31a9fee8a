//! `diff`: the difference to the value `periods` rows (or columns) earlier.

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, flat_name};
use crate::options::Pairs;
use crate::values::{float_array, require_numbers};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffOptions {
    columns: Pairs<String>,
    #[serde(default = "one")]
    periods: i64,
    /// 0: down the rows; 1: across the selected columns.
    #[serde(default)]
    axis: i64,
}

fn one() -> i64 {
    1
}

pub(crate) fn diff(frame: Frame, options: DiffOptions) -> Result<Frame> {
    let periods = options.periods;
    let across_columns = match options.axis {
        0 => false,
        1 => true,
        other => return Err(PostProcessingError::new(format!("No axis named {other}"))),
    };
    frame.derive(&options.columns, |sources| {
        let values = sources
            .iter()
            .map(|c| require_numbers(&c.values, &flat_name(&c.label)))
            .collect::<Result<Vec<_>>>()?;
        let differences = if across_columns {
            (0..values.len())
                .map(|j| {
                    let earlier = earlier(j, periods, values.len()).map(|e| &values[e]);
                    (0..values[j].len())
                        .map(|row| minus(values[j][row], earlier.and_then(|e| e[row])))
                        .collect()
                })
                .collect()
        } else {
            values
                .iter()
                .map(|column| {
                    (0..column.len())
                        .map(|row| {
                            minus(
                                column[row],
                                earlier(row, periods, column.len()).and_then(|e| column[e]),
                            )
                        })
                        .collect()
                })
                .collect::<Vec<Vec<_>>>()
        };
        Ok(differences.into_iter().map(float_array).collect())
    })
}

/// The position `periods` before `at` (after it when negative), if inside `0..len`.
fn earlier(at: usize, periods: i64, len: usize) -> Option<usize> {
    let position = i64::try_from(at).ok()?.checked_sub(periods)?;
    usize::try_from(position).ok().filter(|&p| p < len)
}

fn minus(value: Option<f64>, earlier: Option<f64>) -> Option<f64> {
    Some(value? - earlier?)
}
