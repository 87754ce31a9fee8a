use arrow_array::RecordBatch;
use serde_json::json;

use crate::common::{batch, column, days, fail, floats, ints, names, run, string_column, strings};

fn sales() -> RecordBatch {
    batch(vec![
        (
            "order_date",
            days(&[
                "2024-01-01",
                "2024-01-01",
                "2024-01-02",
                "2024-01-02",
                "2024-01-03",
                "2024-01-03",
            ]),
        ),
        (
            "product",
            strings(&[Some("A"), Some("B"), Some("A"), Some("A"), Some("B"), None]),
        ),
        (
            "region",
            strings(&[
                Some("north"),
                Some("north"),
                Some("south"),
                Some("north"),
                Some("south"),
                Some("north"),
            ]),
        ),
        (
            "revenue",
            floats(&[
                Some(10.0),
                Some(20.0),
                Some(30.0),
                Some(5.0),
                None,
                Some(7.0),
            ]),
        ),
        (
            "quantity",
            ints(&[Some(1), Some(2), Some(3), None, Some(4), Some(1)]),
        ),
    ])
}

const NAN: Option<f64> = None;

#[test]
fn metrics_and_series_flatten_into_joined_names() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["order_date"], "columns": ["product"],
                "aggregates": {"revenue": {"operator": "sum"}, "quantity": {"operator": "sum"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(
        names(&out),
        [
            "order_date",
            "quantity, <NULL>",
            "quantity, A",
            "quantity, B",
            "revenue, <NULL>",
            "revenue, A",
            "revenue, B"
        ]
    );
    assert_eq!(
        crate::common::day_column(&out, "order_date"),
        ["2024-01-01", "2024-01-02", "2024-01-03"]
    );
    assert_eq!(column(&out, "quantity, <NULL>"), [NAN, NAN, Some(1.0)]);
    assert_eq!(column(&out, "quantity, A"), [Some(1.0), Some(3.0), NAN]);
    assert_eq!(column(&out, "quantity, B"), [Some(2.0), NAN, Some(4.0)]);
    // B on the 3rd has only a missing revenue: its sum is 0, as numpy's.
    assert_eq!(column(&out, "revenue, B"), [Some(20.0), NAN, Some(0.0)]);
    assert_eq!(column(&out, "revenue, A"), [Some(10.0), Some(35.0), NAN]);
}

#[test]
fn rename_level_zero_to_null_leaves_series_names() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["order_date"], "columns": ["product"], "metric_fill_value": 0,
                "aggregates": {"revenue": {"operator": "sum"}}}},
            {"operation": "rename", "options": {"columns": {"revenue": null}, "level": 0, "inplace": true}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(names(&out), ["order_date", "<NULL>", "A", "B"]);
    assert_eq!(column(&out, "<NULL>"), [Some(0.0), Some(0.0), Some(7.0)]);
    assert_eq!(column(&out, "A"), [Some(10.0), Some(35.0), Some(0.0)]);
    assert_eq!(column(&out, "B"), [Some(20.0), Some(0.0), Some(0.0)]);
}

#[test]
fn mean_of_only_missing_values_is_missing_either_way() {
    for drop in [true, false] {
        let out = run(
            sales(),
            json!([
                {"operation": "pivot", "options": {
                    "index": ["order_date"], "columns": ["product"], "drop_missing_columns": drop,
                    "aggregates": {"revenue": {"operator": "mean"}}}},
                {"operation": "flatten"}
            ]),
        );
        assert_eq!(
            names(&out),
            ["order_date", "revenue, <NULL>", "revenue, A", "revenue, B"]
        );
        assert_eq!(column(&out, "revenue, A"), [Some(10.0), Some(17.5), NAN]);
        assert_eq!(column(&out, "revenue, B"), [Some(20.0), NAN, NAN]);
    }
}

#[test]
fn combine_value_with_metric_puts_the_metric_last() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["order_date"], "columns": ["product"], "combine_value_with_metric": true,
                "aggregates": {"revenue": {"operator": "sum"}, "quantity": {"operator": "max"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(
        names(&out),
        [
            "order_date",
            "<NULL>, quantity",
            "<NULL>, revenue",
            "A, quantity",
            "A, revenue",
            "B, quantity",
            "B, revenue"
        ]
    );
    assert_eq!(column(&out, "B, quantity"), [Some(2.0), NAN, Some(4.0)]);
}

#[test]
fn several_index_and_series_columns() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["region", "order_date"], "columns": ["product", "region"],
                "aggregates": {"revenue": {"operator": "count"}}}},
            {"operation": "flatten"}
        ]),
    );
    // flatten resets only the first index level, like pandas' reset_index(level=0).
    assert_eq!(
        names(&out),
        [
            "region",
            "revenue, <NULL>, north",
            "revenue, A, north",
            "revenue, A, south",
            "revenue, B, north",
            "revenue, B, south"
        ]
    );
    let region: Vec<_> = string_column(&out, "region")
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(region, ["north", "north", "north", "south", "south"]);
    // numpy's count counts the missing revenue too.
    assert_eq!(
        column(&out, "revenue, B, south"),
        [NAN, NAN, NAN, NAN, Some(1.0)]
    );
    assert_eq!(
        column(&out, "revenue, A, north"),
        [Some(1.0), Some(1.0), NAN, NAN, NAN]
    );
}

#[test]
fn without_series_columns_labels_are_the_metrics() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["product"],
                "aggregates": {"revenue": {"operator": "median"}, "quantity": {"operator": "std"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(names(&out), ["product", "quantity", "revenue"]);
    assert_eq!(
        string_column(&out, "product"),
        [Some("A".into()), Some("B".into())]
    );
    assert_eq!(column(&out, "quantity"), [Some(1.0), Some(1.0)]);
    // np.median sees the missing value and answers NaN.
    assert_eq!(column(&out, "revenue"), [Some(10.0), NAN]);
}

#[test]
fn keeping_missing_keys_sorts_them_last() {
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["product"], "drop_missing_columns": false,
                "aggregates": {"revenue": {"operator": "sum"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(
        string_column(&out, "product"),
        [Some("A".into()), Some("B".into()), None]
    );
    assert_eq!(column(&out, "revenue"), [Some(45.0), Some(20.0), Some(7.0)]);

    // Several index levels span every combination, as pandas does without dropna.
    let out = run(
        sales(),
        json!([
            {"operation": "pivot", "options": {
                "index": ["region", "product"], "drop_missing_columns": false,
                "aggregates": {"revenue": {"operator": "sum"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(
        column(&out, "revenue"),
        [
            Some(15.0),
            Some(20.0),
            Some(7.0),
            Some(30.0),
            Some(0.0),
            NAN
        ]
    );
}

#[test]
fn without_flatten_the_index_is_left_out() {
    let out = run(
        sales(),
        json!([{"operation": "pivot", "options": {
            "index": ["order_date"], "columns": ["product"], "aggregates": {"revenue": {"operator": "sum"}}}}]),
    );
    assert_eq!(names(&out), ["revenue, <NULL>", "revenue, A", "revenue, B"]);
}

#[test]
fn decimals_aggregate_as_floats() {
    let amounts = arrow_array::Decimal128Array::from(vec![Some(1050), Some(225), None])
        .with_precision_and_scale(10, 2)
        .unwrap();
    let input = batch(vec![
        ("k", strings(&[Some("x"), Some("x"), Some("y")])),
        ("amount", std::sync::Arc::new(amounts)),
    ]);
    let out = run(
        input,
        json!([
            {"operation": "pivot", "options": {"index": ["k"], "aggregates": {"amount": {"operator": "sum"}}}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(column(&out, "amount"), [Some(12.75), Some(0.0)]);
}

#[test]
fn invalid_pivots_say_why() {
    let cases = [
        (
            json!({"index": [], "aggregates": {"revenue": {"operator": "sum"}}}),
            "Pivot operation requires at least one index",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {}}),
            "Pivot operation must include at least one aggregate",
        ),
        (
            json!({"index": ["nope"], "aggregates": {"revenue": {"operator": "sum"}}}),
            "Referenced columns not available in DataFrame: nope",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {"revenue": {"operator": "first"}}}),
            "Invalid numpy function: first",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {"revenue": {}}}),
            "Operator undefined for aggregator: revenue",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {"x": {"operator": "sum", "column": "nope"}}}),
            "Column referenced by aggregate is undefined: nope",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {"product": {"operator": "sum"}}}),
            "Column \"product\" is not numeric (Utf8), so it cannot be aggregated",
        ),
        (
            json!({"index": ["order_date"], "aggregates": {"revenue": {"operator": "std", "options": {"bins": 3}}}}),
            "Invalid options for std: {\"bins\":3}",
        ),
        (
            json!({"index": ["order_date"], "fill_value": 0, "aggregates": {"revenue": {"operator": "sum"}}}),
            "Invalid options for pivot: unknown field `fill_value`",
        ),
    ];
    for (options, message) in cases {
        let error = fail(sales(), json!([{"operation": "pivot", "options": options}]));
        assert!(error.starts_with(message), "{error}");
    }
}
