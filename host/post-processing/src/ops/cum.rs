//! `cum`: cumulative sum, product, minimum or maximum down the rows.

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, flat_name};
use crate::options::Pairs;
use crate::values::{float_array, require_numbers};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CumOptions {
    operator: String,
    #[serde(default)]
    columns: Pairs<String>,
}

pub(crate) fn cum(frame: Frame, options: CumOptions) -> Result<Frame> {
    let step: fn(f64, f64) -> f64 = match options.operator.as_str() {
        "sum" => |a, b| a + b,
        "prod" => |a, b| a * b,
        "min" => f64::min,
        "max" => f64::max,
        other => {
            return Err(PostProcessingError::new(format!(
                "Invalid cumulative operator: {other}"
            )));
        }
    };
    frame.derive(&options.columns, |sources| {
        sources
            .iter()
            .map(|column| {
                // Superset fills missing values with 0 before accumulating.
                let values = require_numbers(&column.values, &flat_name(&column.label))?;
                let mut total = None;
                Ok(float_array(values.into_iter().map(|v| {
                    let v = v.unwrap_or(0.0);
                    total = Some(total.map_or(v, |t| step(t, v)));
                    total
                })))
            })
            .collect()
    })
}
