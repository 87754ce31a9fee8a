use arrow_array::RecordBatch;
use serde_json::json;

use crate::common::{batch, column, days, fail, floats, ints, names, run};

const NAN: Option<f64> = None;

fn series() -> RecordBatch {
    batch(vec![
        (
            "t",
            days(&[
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
                "2024-01-04",
                "2024-01-05",
            ]),
        ),
        (
            "x",
            floats(&[Some(1.0), None, Some(3.0), Some(4.0), Some(10.0)]),
        ),
        ("y", ints(&[Some(2), Some(4), Some(6), Some(8), Some(10)])),
    ])
}

fn rolling(options: serde_json::Value) -> RecordBatch {
    run(
        series(),
        json!([{"operation": "rolling", "options": options}]),
    )
}

fn close(actual: Vec<Option<f64>>, expected: &[Option<f64>]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-9, "{actual:?} vs {expected:?}"),
            _ => assert_eq!(a, e, "{actual:?} vs {expected:?}"),
        }
    }
}

#[test]
fn rolling_sum_as_the_ui_sends_it() {
    let out = rolling(
        json!({"rolling_type": "sum", "window": 2, "min_periods": 0, "columns": {"x": "x", "y": "y"}}),
    );
    assert_eq!(
        column(&out, "x"),
        [Some(1.0), Some(1.0), Some(3.0), Some(7.0), Some(14.0)]
    );
    assert_eq!(
        column(&out, "y"),
        [Some(2.0), Some(6.0), Some(10.0), Some(14.0), Some(18.0)]
    );
}

#[test]
fn rolling_into_a_new_column_drops_rows_before_min_periods() {
    let out = rolling(
        json!({"rolling_type": "mean", "window": 3, "min_periods": 2, "columns": {"x": "x_mean"}}),
    );
    assert_eq!(names(&out), ["t", "x", "y", "x_mean"]);
    assert_eq!(
        crate::common::day_column(&out, "t"),
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    );
    close(
        column(&out, "x_mean"),
        &[NAN, Some(2.0), Some(3.5), Some(17.0 / 3.0)],
    );
}

#[test]
fn rolling_defaults_min_periods_to_the_window() {
    let out = rolling(json!({"rolling_type": "std", "window": 3, "columns": {"y": "y"}}));
    assert_eq!(
        column(&out, "y"),
        [NAN, NAN, Some(2.0), Some(2.0), Some(2.0)]
    );
    let out = rolling(
        json!({"rolling_type": "max", "window": 3, "center": true, "min_periods": 1, "columns": {"x": "x"}}),
    );
    assert_eq!(
        column(&out, "x"),
        [Some(1.0), Some(3.0), Some(4.0), Some(10.0), Some(10.0)]
    );
}

#[test]
fn rolling_statistics_match_pandas() {
    let cases = [
        (
            "median",
            json!({}),
            vec![Some(1.0), Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
            vec![2.0, 3.0, 4.0, 5.0, 7.0],
        ),
        (
            "count",
            json!({}),
            vec![Some(1.0), Some(1.0), Some(2.0), Some(3.0), Some(3.0)],
            vec![1.0, 2.0, 3.0, 4.0, 4.0],
        ),
        (
            "quantile",
            json!({"q": 0.25}),
            vec![Some(1.0), Some(1.0), Some(1.5), Some(2.0), Some(3.5)],
            vec![2.0, 2.5, 3.0, 3.5, 5.5],
        ),
        (
            "var",
            json!({"ddof": 0}),
            vec![
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(1.5555555555555556),
                Some(9.555555555555557),
            ],
            vec![0.0, 1.0, 2.6666666666666665, 5.0, 5.0],
        ),
    ];
    for (statistic, options, x, y) in cases {
        let out = rolling(json!({
            "rolling_type": statistic, "window": 4, "min_periods": 1,
            "rolling_type_options": options, "columns": {"x": "x", "y": "y"}}));
        close(column(&out, "x"), &x);
        close(
            column(&out, "y"),
            &y.into_iter().map(Some).collect::<Vec<_>>(),
        );
    }
    let out = rolling(
        json!({"rolling_type": "skew", "window": 4, "min_periods": 1, "columns": {"x": "x", "y": "y"}}),
    );
    close(
        column(&out, "x"),
        &[
            NAN,
            NAN,
            NAN,
            Some(-0.9352195295828276),
            Some(1.597096992869736),
        ],
    );
    close(
        column(&out, "y"),
        &[NAN, NAN, Some(0.0), Some(0.0), Some(0.0)],
    );
    let out = rolling(
        json!({"rolling_type": "kurt", "window": 4, "min_periods": 1, "columns": {"y": "y"}}),
    );
    close(column(&out, "y"), &[NAN, NAN, NAN, Some(-1.2), Some(-1.2)]);
}

#[test]
fn invalid_rolling_windows() {
    let cases = [
        (
            json!({"rolling_type": "sum", "columns": {"x": "x"}}),
            "Undefined window for rolling operation",
        ),
        (
            json!({"rolling_type": "sum", "window": 0, "columns": {"x": "x"}}),
            "Window must be > 0",
        ),
        (
            json!({"rolling_type": "sum", "window": 2, "min_periods": 3, "columns": {"x": "x"}}),
            "min_periods 3 must be <= window 2",
        ),
        (
            json!({"rolling_type": "ewm", "window": 2, "columns": {"x": "x"}}),
            "Invalid rolling_type: ewm",
        ),
        (
            json!({"rolling_type": "sum", "window": 2, "columns": {"z": "z"}}),
            "Referenced columns not available in DataFrame: z",
        ),
        (
            json!({"rolling_type": "sum", "window": 2, "win_type": "triang", "columns": {"x": "x"}}),
            "Rolling window type triang is not supported",
        ),
        (
            json!({"rolling_type": "sum", "window": 2, "columns": {"t": "t"}}),
            "Column \"t\" is not numeric",
        ),
    ];
    for (options, message) in cases {
        let error = fail(
            series(),
            json!([{"operation": "rolling", "options": options}]),
        );
        assert!(error.starts_with(message), "{error}");
    }
}

#[test]
fn cumulative_operators_fill_missing_with_zero() {
    let out = run(
        series(),
        json!([{"operation": "cum", "options": {"operator": "sum", "columns": {"x": "x", "y": "y2"}}}]),
    );
    // Not all in place: the results are appended, as Superset's _append_columns does.
    assert_eq!(names(&out), ["t", "x", "y", "x", "y2"]);
    assert_eq!(
        column(&out, "y2"),
        [Some(2.0), Some(6.0), Some(12.0), Some(20.0), Some(30.0)]
    );
    let cum = |operator: &str| {
        let out = run(
            series(),
            json!([{"operation": "cum", "options": {"operator": operator, "columns": {"x": "x"}}}]),
        );
        column(&out, "x")
    };
    assert_eq!(
        cum("sum"),
        [Some(1.0), Some(1.0), Some(4.0), Some(8.0), Some(18.0)]
    );
    assert_eq!(
        cum("prod"),
        [Some(1.0), Some(0.0), Some(0.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        cum("min"),
        [Some(1.0), Some(0.0), Some(0.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        cum("max"),
        [Some(1.0), Some(1.0), Some(3.0), Some(4.0), Some(10.0)]
    );
    let error = fail(
        series(),
        json!([{"operation": "cum", "options": {"operator": "avg", "columns": {"x": "x"}}}]),
    );
    assert_eq!(error, "Invalid cumulative operator: avg");
}

#[test]
fn differences_down_rows_and_across_columns() {
    let out = run(
        series(),
        json!([{"operation": "diff", "options": {"columns": {"x": "dx"}}}]),
    );
    assert_eq!(column(&out, "dx"), [NAN, NAN, NAN, Some(1.0), Some(6.0)]);
    let out = run(
        series(),
        json!([{"operation": "diff", "options": {"columns": {"y": "y"}, "periods": -2}}]),
    );
    assert_eq!(
        column(&out, "y"),
        [Some(-4.0), Some(-4.0), Some(-4.0), NAN, NAN]
    );
    let out = run(
        series(),
        json!([{"operation": "diff", "options": {"columns": {"x": "x", "y": "y"}, "axis": 1}}]),
    );
    assert_eq!(column(&out, "x"), [NAN; 5]);
    assert_eq!(
        column(&out, "y"),
        [Some(1.0), NAN, Some(3.0), Some(4.0), Some(0.0)]
    );
}
