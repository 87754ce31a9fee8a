//! The `aggregates` argument of pivot and aggregate: `{name: {operator, column?,
//! options?}}`, where operator names one of Superset's `NUMPY_FUNCTIONS`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{PostProcessingError, Result};
use crate::frame::Frame;
use crate::options::Pairs;
use crate::values::numbers;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AggregateSpec {
    operator: Option<String>,
    column: Option<String>,
    #[serde(default)]
    options: Map<String, Value>,
}

/// One aggregate: its output name, the column it reads and the function.
pub(crate) struct Aggregate {
    pub(crate) name: String,
    pub(crate) column: String,
    pub(crate) function: Function,
}

impl Aggregate {
    /// The aggregated column's values, as the function reads them.
    pub(crate) fn inputs(&self, frame: &Frame) -> Result<Vec<Option<f64>>> {
        let values = frame.column(&self.column)?;
        match numbers(values) {
            Some(numbers) => Ok(numbers),
            // Counting needs no numbers: only how many values there are.
            None if self.function.kind == Kind::Count => Ok(vec![None; values.len()]),
            None => Err(PostProcessingError::new(format!(
                "Column \"{}\" is not numeric ({}), so it cannot be aggregated",
                self.column,
                values.data_type()
            ))),
        }
    }
}

/// Superset's `_get_aggregate_funcs`, with its messages.
pub(crate) fn resolve(frame: &Frame, specs: Pairs<AggregateSpec>) -> Result<Vec<Aggregate>> {
    specs
        .0
        .into_iter()
        .map(|(name, spec)| {
            let column = spec.column.unwrap_or_else(|| name.clone());
            if frame.positions(&column).is_empty() {
                return Err(PostProcessingError::new(format!(
                    "Column referenced by aggregate is undefined: {column}"
                )));
            }
            let Some(operator) = spec.operator else {
                return Err(PostProcessingError::new(format!(
                    "Operator undefined for aggregator: {name}"
                )));
            };
            let function = Function::parse(&operator, &spec.options)?;
            Ok(Aggregate {
                name,
                column,
                function,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sum,
    Prod,
    Mean,
    Min,
    Max,
    Median,
    Std { ddof: f64 },
    Var { ddof: f64 },
    Count,
    CountNonzero,
    Percentile { q: f64 },
}

/// A numpy reduction as pandas applies it to a group's Series: `np.sum(series)` defers
/// to `Series.sum` and skips NaN, while `np.median` and `np.average` see a plain array
/// and answer NaN when one is present.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Function {
    kind: Kind,
    skips_missing: bool,
}

impl Function {
    fn parse(operator: &str, options: &Map<String, Value>) -> Result<Function> {
        let (kind, skips_missing) = match operator {
            "sum" | "nansum" => (Kind::Sum, true),
            "prod" | "product" => (Kind::Prod, true),
            "mean" | "nanmean" => (Kind::Mean, true),
            "average" => (Kind::Mean, false),
            "min" | "nanmin" => (Kind::Min, true),
            "max" | "nanmax" => (Kind::Max, true),
            "median" => (Kind::Median, false),
            "nanmedian" => (Kind::Median, true),
            "std" => (
                Kind::Std {
                    ddof: option(operator, options, "ddof")?.unwrap_or(0.0),
                },
                true,
            ),
            "var" => (
                Kind::Var {
                    ddof: option(operator, options, "ddof")?.unwrap_or(0.0),
                },
                true,
            ),
            "count" => (Kind::Count, true),
            "count_nonzero" => (Kind::CountNonzero, true),
            "percentile" | "nanpercentile" => {
                let q = option(operator, options, "q")?
                    .filter(|q| (0.0..=100.0).contains(q))
                    .ok_or_else(|| invalid_options(operator, options))?;
                (Kind::Percentile { q }, operator == "nanpercentile")
            }
            "argmin" | "argmax" | "cumsum" | "cumprod" => {
                return Err(PostProcessingError::new(format!(
                    "Unsupported numpy function: {operator}"
                )));
            }
            _ => {
                return Err(PostProcessingError::new(format!(
                    "Invalid numpy function: {operator}"
                )));
            }
        };
        let allowed: &[&str] = match kind {
            Kind::Std { .. } | Kind::Var { .. } => &["ddof"],
            Kind::Percentile { .. } => &["q"],
            _ => &[],
        };
        if options.keys().any(|key| !allowed.contains(&key.as_str())) {
            return Err(invalid_options(operator, options));
        }
        Ok(Function {
            kind,
            skips_missing,
        })
    }

    /// The reduction of one group; `None` is NaN.
    pub(crate) fn apply(&self, values: &[Option<f64>]) -> Option<f64> {
        match self.kind {
            Kind::Count => return Some(values.len() as f64),
            // NaN is not zero.
            Kind::CountNonzero => {
                return Some(values.iter().filter(|v| **v != Some(0.0)).count() as f64);
            }
            _ => {}
        }
        if !self.skips_missing && values.iter().any(Option::is_none) {
            return None;
        }
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        match self.kind {
            Kind::Sum => Some(present.iter().sum()),
            Kind::Prod => Some(present.iter().product()),
            Kind::Mean => mean(&present),
            Kind::Min => present.iter().copied().reduce(f64::min),
            Kind::Max => present.iter().copied().reduce(f64::max),
            Kind::Median => percentile(present, 50.0),
            Kind::Std { ddof } => variance(&present, ddof).map(f64::sqrt),
            Kind::Var { ddof } => variance(&present, ddof),
            Kind::Percentile { q } => percentile(present, q),
            Kind::Count | Kind::CountNonzero => None,
        }
    }
}

fn option(operator: &str, options: &Map<String, Value>, key: &str) -> Result<Option<f64>> {
    match options.get(key) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .map(Some)
            .ok_or_else(|| invalid_options(operator, options)),
    }
}

fn invalid_options(operator: &str, options: &Map<String, Value>) -> PostProcessingError {
    PostProcessingError::new(format!(
        "Invalid options for {operator}: {}",
        Value::Object(options.clone())
    ))
}

pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sum of squared deviations over `n - ddof`; NaN (None) when that is not positive.
pub(crate) fn variance(values: &[f64], ddof: f64) -> Option<f64> {
    let divisor = values.len() as f64 - ddof;
    if divisor <= 0.0 {
        return None;
    }
    let mean = mean(values)?;
    Some(values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / divisor)
}

/// numpy's default (linear) percentile, `q` in 0..=100.
pub(crate) fn percentile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let position = q / 100.0 * (values.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(values[low] + (values[high] - values[low]) * (position - low as f64))
}
