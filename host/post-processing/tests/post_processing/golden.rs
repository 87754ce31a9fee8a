//! Superset 6.1's recorded timeseries chart (golden 048): pivot -> rename -> flatten.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMicrosecondArray};
use serde_json::Value;
use tessera_post_processing::{PostProcessingStep, apply};

use crate::common::{batch, column, names};

const GOLDEN: &str = "shared/reference/golden/048_chart_data_timeseries_postprocessing.json";

/// The golden file, found beside the checkout or any folder above it.
fn golden() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(GOLDEN))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("{GOLDEN} beside the checkout"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn pivot_rename_flatten_matches_superset() {
    let golden = golden();
    let query = &golden["request"]["json"]["queries"][0];
    let steps: Vec<PostProcessingStep> =
        serde_json::from_value(query["post_processing"].clone()).unwrap();
    let result = &golden["response"]["json"]["result"][0];
    let colnames: Vec<String> = serde_json::from_value(result["colnames"].clone()).unwrap();
    let records = result["data"].as_array().unwrap();

    // The query's rows (week, product, revenue), in its order: revenue descending.
    let mut rows: Vec<(i64, &str, f64)> = Vec::new();
    for record in records {
        let week = record["order_date"].as_f64().unwrap() as i64 * 1_000;
        for product in &colnames[1..] {
            if let Some(revenue) = record[product].as_f64() {
                rows.push((week, product, revenue));
            }
        }
    }
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    let input = batch(vec![
        (
            "order_date",
            Arc::new(TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.0),
            )) as ArrayRef,
        ),
        (
            "product",
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
        ),
        (
            "revenue",
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
        ),
    ]);

    let out = apply(input, &steps).unwrap();

    assert_eq!(names(&out), colnames);
    assert_eq!(out.num_rows(), records.len());
    let weeks: Vec<Option<f64>> = column(&out, "order_date")
        .iter()
        .map(|us| us.map(|us| us / 1_000.0))
        .collect();
    let expected_weeks: Vec<Option<f64>> =
        records.iter().map(|r| r["order_date"].as_f64()).collect();
    assert_eq!(
        weeks, expected_weeks,
        "weeks ascending, as pivot sorts its index"
    );
    for product in &colnames[1..] {
        let expected: Vec<Option<f64>> = records.iter().map(|r| r[product].as_f64()).collect();
        assert_eq!(column(&out, product), expected, "{product}");
    }
}
