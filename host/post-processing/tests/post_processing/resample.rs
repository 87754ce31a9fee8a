use std::sync::Arc;

use arrow_array::{Date32Array, RecordBatch, TimestampMicrosecondArray};
use serde_json::{Value, json};

use crate::common::{
    batch, column, day_column, days, fail, floats, ints, micros, names, run, time_column, times,
};

const NAN: Option<f64> = None;

/// A daily series with gaps, pivoted so its day is the row index.
fn gappy() -> RecordBatch {
    batch(vec![
        (
            "t",
            days(&[
                "2024-01-01",
                "2024-01-02",
                "2024-01-04",
                "2024-01-08",
                "2024-01-16",
            ]),
        ),
        (
            "x",
            floats(&[Some(1.0), Some(2.0), None, Some(8.0), Some(16.0)]),
        ),
        ("y", ints(&[Some(1), Some(2), Some(3), Some(4), Some(5)])),
    ])
}

fn pivot_by_t(metrics: &[&str]) -> Value {
    let aggregates: serde_json::Map<String, Value> = metrics
        .iter()
        .map(|m| (m.to_string(), json!({"operator": "mean"})))
        .collect();
    json!({"operation": "pivot", "options": {"index": ["t"], "aggregates": aggregates}})
}

fn resample(input: RecordBatch, metrics: &[&str], options: Value) -> RecordBatch {
    run(
        input,
        json!([pivot_by_t(metrics), {"operation": "resample", "options": options}, {"operation": "flatten"}]),
    )
}

fn some(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().copied().map(Some).collect()
}

fn zeros_except(len: usize, values: &[(usize, f64)]) -> Vec<Option<f64>> {
    let mut out = vec![Some(0.0); len];
    for &(i, v) in values {
        out[i] = Some(v);
    }
    out
}

#[test]
fn zero_filling_daily() {
    let out = resample(
        gappy(),
        &["x", "y"],
        json!({"rule": "1D", "method": "asfreq", "fill_value": 0}),
    );
    assert_eq!(names(&out), ["t", "x", "y"]);
    assert_eq!(out.num_rows(), 16);
    assert_eq!(day_column(&out, "t")[2], "2024-01-03");
    assert_eq!(
        column(&out, "x"),
        zeros_except(16, &[(0, 1.0), (1, 2.0), (7, 8.0), (15, 16.0)])
    );
    assert_eq!(
        column(&out, "y"),
        zeros_except(16, &[(0, 1.0), (1, 2.0), (3, 3.0), (7, 4.0), (15, 5.0)])
    );
}

#[test]
fn zero_filling_spans_the_query_time_range() {
    let out = resample(
        gappy(),
        &["x"],
        json!({"rule": "1D", "method": "asfreq", "fill_value": 0,
               "time_range_start": "2023-12-30", "time_range_end": "2024-01-18T00:00:00"}),
    );
    let labels = day_column(&out, "t");
    assert_eq!(
        (
            labels.first().unwrap().as_str(),
            labels.last().unwrap().as_str()
        ),
        ("2023-12-30", "2024-01-17")
    );
    assert_eq!(
        column(&out, "x")[..4],
        [Some(0.0), Some(0.0), Some(1.0), Some(2.0)]
    );
}

#[test]
fn filling_forward_backward_and_linearly() {
    let x = |method: &str| {
        column(
            &resample(
                gappy(),
                &["x", "y"],
                json!({"rule": "1D", "method": method}),
            ),
            "x",
        )
    };
    let y = |method: &str| {
        column(
            &resample(
                gappy(),
                &["x", "y"],
                json!({"rule": "1D", "method": method}),
            ),
            "y",
        )
    };
    let mut expected = some(&[1.0, 2.0]);
    expected.extend(
        [Some(2.0); 5]
            .into_iter()
            .chain([Some(8.0); 8])
            .chain([Some(16.0)]),
    );
    assert_eq!(x("ffill"), expected);
    assert_eq!(
        y("ffill")[..8],
        some(&[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 4.0])
    );
    let mut expected = some(&[1.0, 2.0]);
    expected.extend([Some(8.0); 6].into_iter().chain([Some(16.0); 8]));
    assert_eq!(x("bfill"), expected);
    assert_eq!(y("bfill")[..6], some(&[1.0, 2.0, 3.0, 3.0, 4.0, 4.0]));
    assert_eq!(
        x("linear"),
        some(&(1..=16).map(f64::from).collect::<Vec<_>>())
    );
    assert_eq!(y("linear")[..5], some(&[1.0, 2.0, 2.5, 3.0, 3.25]));
    let asfreq = x("asfreq");
    assert_eq!(asfreq.iter().filter(|v| v.is_some()).count(), 4);
}

#[test]
fn weekly_bins_end_on_sunday() {
    let out = resample(gappy(), &["x", "y"], json!({"rule": "W", "method": "sum"}));
    assert_eq!(
        day_column(&out, "t"),
        ["2024-01-07", "2024-01-14", "2024-01-21"]
    );
    assert_eq!(column(&out, "x"), some(&[3.0, 8.0, 16.0]));
    assert_eq!(column(&out, "y"), some(&[6.0, 4.0, 5.0]));
    let out = resample(gappy(), &["x", "y"], json!({"rule": "W", "method": "mean"}));
    assert_eq!(column(&out, "x"), some(&[1.5, 8.0, 16.0]));
    let out = resample(
        gappy(),
        &["x", "y"],
        json!({"rule": "W", "method": "ffill"}),
    );
    assert_eq!(column(&out, "x"), [NAN, Some(8.0), Some(16.0)]);
    assert_eq!(column(&out, "y"), some(&[3.0, 4.0, 5.0]));
    let out = resample(
        gappy(),
        &["x"],
        json!({"rule": "W-MON", "method": "asfreq"}),
    );
    assert_eq!(
        day_column(&out, "t"),
        ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]
    );
    assert_eq!(column(&out, "x"), [Some(1.0), Some(8.0), NAN, NAN]);
}

#[test]
fn multi_day_and_calendar_rules() {
    let out = resample(gappy(), &["x", "y"], json!({"rule": "2D", "method": "sum"}));
    assert_eq!(day_column(&out, "t").len(), 8);
    assert_eq!(
        column(&out, "x"),
        some(&[3.0, 0.0, 0.0, 8.0, 0.0, 0.0, 0.0, 16.0])
    );
    assert_eq!(
        column(&out, "y"),
        some(&[3.0, 3.0, 0.0, 4.0, 0.0, 0.0, 0.0, 5.0])
    );
    for (rule, method, label, x) in [
        ("MS", "sum", "2024-01-01", 27.0),
        ("M", "median", "2024-01-31", 5.0),
        ("ME", "median", "2024-01-31", 5.0),
        ("QS", "sum", "2024-01-01", 27.0),
        ("Q", "sum", "2024-03-31", 27.0),
        ("YS", "sum", "2024-01-01", 27.0),
    ] {
        let out = resample(gappy(), &["x"], json!({"rule": rule, "method": method}));
        assert_eq!(day_column(&out, "t"), [label], "{rule}");
        assert_eq!(column(&out, "x"), [Some(x)], "{rule}");
    }
    let out = resample(
        gappy(),
        &["x"],
        json!({"rule": "12h", "method": "asfreq", "fill_value": 0}),
    );
    assert_eq!(out.num_rows(), 31);
}

#[test]
fn intraday_times_fall_in_calendar_bins() {
    let input = batch(vec![
        (
            "t",
            times(&[
                "2024-01-01 10:00",
                "2024-01-02 03:00",
                "2024-01-31 23:00",
                "2024-03-01 00:00",
            ]),
        ),
        ("x", floats(&[Some(1.0), Some(2.0), Some(4.0), Some(8.0)])),
    ]);
    let cases: [(&str, &str, &[&str], &[f64]); 6] = [
        (
            "M",
            "sum",
            &["2024-01-31", "2024-02-29", "2024-03-31"],
            &[7.0, 0.0, 8.0],
        ),
        (
            "MS",
            "sum",
            &["2024-01-01", "2024-02-01", "2024-03-01"],
            &[7.0, 0.0, 8.0],
        ),
        (
            "2W",
            "sum",
            &[
                "2024-01-07",
                "2024-01-21",
                "2024-02-04",
                "2024-02-18",
                "2024-03-03",
            ],
            &[3.0, 0.0, 4.0, 0.0, 8.0],
        ),
        ("Q-NOV", "sum", &["2024-02-29", "2024-05-31"], &[7.0, 8.0]),
        ("QS-FEB", "sum", &["2023-11-01", "2024-02-01"], &[7.0, 8.0]),
        ("A", "sum", &["2024-12-31"], &[15.0]),
    ];
    for (rule, method, labels, x) in cases {
        let out = resample(
            input.clone(),
            &["x"],
            json!({"rule": rule, "method": method}),
        );
        assert_eq!(day_column(&out, "t"), labels, "{rule}");
        assert_eq!(column(&out, "x"), some(x), "{rule}");
    }
    let out = resample(input.clone(), &["x"], json!({"rule": "W", "method": "sum"}));
    assert_eq!(
        column(&out, "x"),
        some(&[3.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 8.0])
    );
    // Six-hour bins start at a multiple of six hours after midnight.
    let out = resample(
        input.clone(),
        &["x"],
        json!({"rule": "6h", "method": "sum"}),
    );
    let labels = time_column(&out, "t");
    assert_eq!(
        (labels[0].as_str(), labels[labels.len() - 1].as_str()),
        ("2024-01-01 06:00", "2024-03-01 00:00")
    );
    assert_eq!(column(&out, "x")[..4], some(&[1.0, 0.0, 0.0, 2.0]));
    let out = resample(input, &["x"], json!({"rule": "2MS", "method": "asfreq"}));
    assert_eq!(day_column(&out, "t"), ["2024-01-01", "2024-03-01"]);
    assert_eq!(column(&out, "x"), [NAN, Some(8.0)]);
}

#[test]
fn dates_and_zoned_timestamps_resample_too() {
    let dates = Date32Array::from(vec![19723, 19725]); // 2024-01-01, 2024-01-03
    let input = batch(vec![
        ("t", Arc::new(dates)),
        ("x", floats(&[Some(1.0), Some(3.0)])),
    ]);
    let out = resample(input, &["x"], json!({"rule": "1D", "method": "linear"}));
    assert_eq!(
        day_column(&out, "t"),
        ["2024-01-01", "2024-01-02", "2024-01-03"]
    );
    assert_eq!(column(&out, "x"), some(&[1.0, 2.0, 3.0]));

    let zoned = TimestampMicrosecondArray::from(vec![micros("2024-01-01"), micros("2024-01-03")])
        .with_timezone("UTC");
    let input = batch(vec![
        ("t", Arc::new(zoned)),
        ("x", floats(&[Some(1.0), Some(3.0)])),
    ]);
    let out = resample(input, &["x"], json!({"rule": "1D", "method": "ffill"}));
    assert_eq!(
        out.schema().field(0).data_type().to_string(),
        "Timestamp(µs, \"UTC\")"
    );
    assert_eq!(column(&out, "x"), some(&[1.0, 1.0, 3.0]));
}

#[test]
fn invalid_resamples() {
    let error = fail(
        gappy(),
        json!([{"operation": "resample", "options": {"rule": "1D", "method": "asfreq"}}]),
    );
    assert_eq!(error, "Resample operation requires DatetimeIndex");
    let with_pivot = |options: Value| {
        fail(
            gappy(),
            json!([pivot_by_t(&["x"]), {"operation": "resample", "options": options}]),
        )
    };
    assert_eq!(
        with_pivot(json!({"rule": "1D", "method": "nearest"})),
        "Resample method should be in asfreq, bfill, ffill, linear, median, mean, sum."
    );
    assert_eq!(
        with_pivot(json!({"rule": "5X", "method": "sum"})),
        "Invalid frequency: 5X"
    );
    assert_eq!(
        with_pivot(json!({"rule": "0D", "method": "sum"})),
        "Invalid frequency: 0D"
    );
    assert!(
        with_pivot(json!({"rule": "1us", "method": "asfreq"}))
            .starts_with("Resample would produce more than")
    );
    assert!(
        with_pivot(json!({"method": "sum"}))
            .starts_with("Invalid options for resample: missing field `rule`")
    );
}
