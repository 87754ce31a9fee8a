//! Superset's time grains (ISO-8601 durations) as DataFusion expressions.

use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::{date_bin, date_trunc};
use datafusion::logical_expr::{Expr, lit};
use serde_json::{Value, json};

use crate::error::{EngineError, Result};

/// Every grain a chart may ask for: (ISO duration, Superset's name).
pub const GRAINS: &[(&str, &str)] = &[
    ("PT1S", "Second"),
    ("PT5S", "5 second"),
    ("PT30S", "30 second"),
    ("PT1M", "Minute"),
    ("PT5M", "5 minute"),
    ("PT10M", "10 minute"),
    ("PT15M", "15 minute"),
    ("PT30M", "30 minute"),
    ("PT1H", "Hour"),
    ("PT6H", "6 hour"),
    ("P1D", "Day"),
    ("P1W", "Week"),
    ("P1M", "Month"),
    ("P3M", "Quarter"),
    ("P1Y", "Year"),
    ("P1W/1970-01-03T00:00:00Z", "Week ending Saturday"),
    ("P1W/1970-01-04T00:00:00Z", "Week ending Sunday"),
    ("1969-12-28T00:00:00Z/P1W", "Week starting Sunday"),
    ("1969-12-29T00:00:00Z/P1W", "Week starting Monday"),
];

/// `column` truncated to `grain`. Calendar units use `date_trunc` (which each source
/// dialect knows how to write); fixed-width bins use `date_bin` from an origin.
pub fn truncate(grain: &str, column: Expr) -> Result<Expr> {
    let unit = match grain {
        "PT1S" => "second",
        "PT1M" => "minute",
        "PT1H" => "hour",
        "P1D" => "day",
        "P1W" | "1969-12-29T00:00:00Z/P1W" => "week",
        "P1M" => "month",
        "P3M" => "quarter",
        "P1Y" => "year",
        _ => return binned(grain, column),
    };
    Ok(date_trunc(lit(unit), column))
}

fn binned(grain: &str, column: Expr) -> Result<Expr> {
    const DAY: i64 = 86_400_000_000_000;
    let (width_ns, origin_days) = match grain {
        "PT5S" => (5_000_000_000, 0),
        "PT30S" => (30_000_000_000, 0),
        "PT5M" => (300_000_000_000, 0),
        "PT10M" => (600_000_000_000, 0),
        "PT15M" => (900_000_000_000, 0),
        "PT30M" => (1_800_000_000_000, 0),
        "PT6H" => (21_600_000_000_000, 0),
        // Weeks starting Sunday: 1969-12-28 was one.
        "1969-12-28T00:00:00Z/P1W" => (7 * DAY, -4),
        // Weeks ending Saturday/Sunday are labelled by their last day.
        "P1W/1970-01-03T00:00:00Z" => (7 * DAY, -4),
        "P1W/1970-01-04T00:00:00Z" => (7 * DAY, -3),
        _ => {
            return Err(EngineError::InvalidRequest(format!(
                "Unsupported time grain: {grain}"
            )));
        }
    };
    let width = lit(ScalarValue::new_interval_mdn(0, 0, width_ns));
    let origin = lit(ScalarValue::TimestampNanosecond(
        Some(origin_days * DAY),
        None,
    ));
    let start = date_bin(width, column, origin);
    Ok(if grain.starts_with("P1W/") {
        start + lit(ScalarValue::new_interval_mdn(0, 6, 0))
    } else {
        start
    })
}

/// `result_type: timegrains`.
pub fn grains_json() -> Vec<Value> {
    GRAINS
        .iter()
        .map(|(duration, name)| {
            let function = match truncate(duration, datafusion::prelude::col("col")) {
                Ok(expr) => expr.to_string().replace("col", "{col}"),
                Err(_) => String::new(),
            };
            json!({"name": name, "function": function, "duration": duration})
        })
        .collect()
}
