//! `rolling`: a moving-window statistic, as pandas' `DataFrame.rolling(...)`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::aggregates::{mean, percentile, variance};
use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, flat_name};
use crate::options::Pairs;
use crate::values::{float_array, require_numbers};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RollingOptions {
    rolling_type: String,
    #[serde(default)]
    columns: Pairs<String>,
    #[serde(default)]
    window: Option<i64>,
    #[serde(default)]
    rolling_type_options: Option<Map<String, Value>>,
    #[serde(default)]
    center: bool,
    #[serde(default)]
    win_type: Option<String>,
    #[serde(default)]
    min_periods: Option<i64>,
}

/// The statistic computed over each window's present values.
#[derive(Debug, Clone, Copy)]
enum Statistic {
    Count,
    Sum,
    Mean,
    Median,
    Min,
    Max,
    Std { ddof: f64 },
    Var { ddof: f64 },
    Quantile { q: f64 },
    Skew,
    Kurt,
}

impl Statistic {
    fn parse(name: &str, options: &Map<String, Value>) -> Result<Statistic> {
        let number = |key: &str| options.get(key).and_then(Value::as_f64);
        let (statistic, allowed): (Statistic, &[&str]) = match name {
            "count" => (Statistic::Count, &[]),
            "sum" => (Statistic::Sum, &[]),
            "mean" => (Statistic::Mean, &[]),
            "median" => (Statistic::Median, &[]),
            "min" => (Statistic::Min, &[]),
            "max" => (Statistic::Max, &[]),
            "std" => (
                Statistic::Std {
                    ddof: number("ddof").unwrap_or(1.0),
                },
                &["ddof"],
            ),
            "var" => (
                Statistic::Var {
                    ddof: number("ddof").unwrap_or(1.0),
                },
                &["ddof"],
            ),
            "quantile" => {
                let q = number("q")
                    .or_else(|| number("quantile"))
                    .filter(|q| (0.0..=1.0).contains(q));
                let q = q.ok_or_else(|| invalid_options(name, options))?;
                (Statistic::Quantile { q }, &["q", "quantile"])
            }
            "skew" => (Statistic::Skew, &[]),
            "kurt" => (Statistic::Kurt, &[]),
            _ => {
                return Err(PostProcessingError::new(format!(
                    "Invalid rolling_type: {name}"
                )));
            }
        };
        if options.keys().any(|key| !allowed.contains(&key.as_str())) {
            return Err(invalid_options(name, options));
        }
        Ok(statistic)
    }

    /// The statistic of a window holding `present` values (pandas' thresholds:
    /// a mean needs one value, a variance more than `ddof`, skew 3, kurtosis 4).
    fn of(self, present: &[f64]) -> Option<f64> {
        let n = present.len();
        match self {
            Statistic::Count => Some(n as f64),
            Statistic::Sum => Some(present.iter().sum()),
            Statistic::Mean => mean(present),
            Statistic::Median => percentile(present.to_vec(), 50.0),
            Statistic::Min => present.iter().copied().reduce(f64::min),
            Statistic::Max => present.iter().copied().reduce(f64::max),
            Statistic::Std { ddof } => variance(present, ddof).map(f64::sqrt),
            Statistic::Var { ddof } => variance(present, ddof),
            Statistic::Quantile { q } => percentile(present.to_vec(), q * 100.0),
            Statistic::Skew => {
                let (m2, m3, _) = central_moments(present)?;
                (n >= 3).then(|| {
                    let n = n as f64;
                    (n * (n - 1.0)).sqrt() * m3 / ((n - 2.0) * m2.powf(1.5))
                })
            }
            Statistic::Kurt => {
                let (m2, _, m4) = central_moments(present)?;
                (n >= 4).then(|| {
                    let n = n as f64;
                    let k = (n * n - 1.0) * m4 / (m2 * m2) - 3.0 * (n - 1.0).powi(2);
                    k / ((n - 2.0) * (n - 3.0))
                })
            }
        }
    }
}

/// The second, third and fourth central moments over n; `None` when the values
/// do not vary (pandas answers NaN for the skew and kurtosis of a constant).
fn central_moments(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mean = mean(values)?;
    let n = values.len() as f64;
    let moment = |k: i32| values.iter().map(|v| (v - mean).powi(k)).sum::<f64>() / n;
    let m2 = moment(2);
    (m2 > 1e-14).then(|| (m2, moment(3), moment(4)))
}

fn invalid_options(name: &str, options: &Map<String, Value>) -> PostProcessingError {
    PostProcessingError::new(format!(
        "Invalid options for {name}: {}",
        Value::Object(options.clone())
    ))
}

pub(crate) fn rolling(frame: Frame, options: RollingOptions) -> Result<Frame> {
    let window = match options.window {
        None => {
            return Err(PostProcessingError::new(
                "Undefined window for rolling operation",
            ));
        }
        Some(0) => return Err(PostProcessingError::new("Window must be > 0")),
        Some(w) => usize::try_from(w)
            .map_err(|_| PostProcessingError::new("window must be an integer 0 or greater"))?,
    };
    let min_periods = match options.min_periods {
        None => window,
        Some(m) => {
            usize::try_from(m).map_err(|_| PostProcessingError::new("min_periods must be >= 0"))?
        }
    };
    if min_periods > window {
        return Err(PostProcessingError::new(format!(
            "min_periods {min_periods} must be <= window {window}"
        )));
    }
    if let Some(win_type) = &options.win_type {
        return Err(PostProcessingError::new(format!(
            "Rolling window type {win_type} is not supported"
        )));
    }
    let statistic = Statistic::parse(
        &options.rolling_type,
        &options.rolling_type_options.unwrap_or_default(),
    )?;
    // pandas puts the window's label at its centre, rounding towards the end.
    let offset = if options.center { (window - 1) / 2 } else { 0 };

    let frame = frame.derive(&options.columns, |sources| {
        sources
            .iter()
            .map(|column| {
                let values = require_numbers(&column.values, &flat_name(&column.label))?;
                let rows = values.len();
                Ok(float_array((0..rows).map(|row| {
                    let end = (row + 1 + offset).min(rows);
                    let start = (row + 1 + offset).saturating_sub(window);
                    let present: Vec<f64> = values[start..end].iter().flatten().copied().collect();
                    if present.len() < min_periods {
                        return None;
                    }
                    statistic.of(&present)
                })))
            })
            .collect()
    })?;
    // Superset drops the rows before the first full `min_periods`, when one is given.
    Ok(match options.min_periods {
        Some(_) => frame.skip_rows(min_periods.saturating_sub(1)),
        None => frame,
    })
}
