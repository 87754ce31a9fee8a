use arrow_array::RecordBatch;
use serde_json::json;

use crate::common::{batch, column, days, fail, floats, ints, names, run, string_column, strings};

const NAN: Option<f64> = None;

fn scores() -> RecordBatch {
    batch(vec![
        ("name", strings(&[Some("a"), Some("b"), Some("c")])),
        ("x", floats(&[Some(1.0), None, Some(3.0)])),
        ("y", ints(&[Some(2), Some(2), Some(4)])),
        ("y__1 year ago", ints(&[Some(1), Some(3), Some(0)])),
    ])
}

fn texts(values: Vec<Option<String>>) -> Vec<String> {
    values.into_iter().map(|v| v.unwrap_or_default()).collect()
}

#[test]
fn rename_flat_columns_and_refuse_taken_names() {
    let out = run(
        scores(),
        json!([{"operation": "rename", "options": {"columns": {"x": "ex", "y": "why"}}}]),
    );
    assert_eq!(names(&out), ["name", "ex", "why", "y__1 year ago"]);
    let error = fail(
        scores(),
        json!([{"operation": "rename", "options": {"columns": {"x": "y"}}}]),
    );
    assert_eq!(error, "Label already exists");
    let error = fail(
        scores(),
        json!([{"operation": "rename", "options": {"columns": {"nope": "z"}}}]),
    );
    assert_eq!(error, "Referenced columns not available in DataFrame: nope");
    let error = fail(
        scores(),
        json!([{"operation": "rename", "options": {"columns": {"x": "z"}, "level": 3}}]),
    );
    assert!(error.starts_with("Too many levels"), "{error}");
}

#[test]
fn flatten_escapes_commas_and_can_drop_levels() {
    let input = batch(vec![
        ("day", days(&["2024-01-01", "2024-01-02"])),
        ("series", strings(&[Some("a,b"), Some("c")])),
        ("v", floats(&[Some(1.0), Some(2.0)])),
    ]);
    let pivot = json!({"operation": "pivot", "options": {
        "index": ["day"], "columns": ["series"], "aggregates": {"v": {"operator": "sum"}}}});
    let out = run(input.clone(), json!([pivot, {"operation": "flatten"}]));
    assert_eq!(names(&out), ["day", "v, a\\,b", "v, c"]);
    // Down to one level, labels are kept as they are.
    let out = run(
        input.clone(),
        json!([pivot, {"operation": "flatten", "options": {"drop_levels": [0]}}]),
    );
    assert_eq!(names(&out), ["day", "a,b", "c"]);
    let out = run(
        input.clone(),
        json!([pivot, {"operation": "flatten", "options": {"reset_index": false}}]),
    );
    assert_eq!(names(&out), ["v, a\\,b", "v, c"]);
    let error = fail(
        input,
        json!([pivot, {"operation": "flatten", "options": {"drop_levels": [0, 1]}}]),
    );
    assert!(error.starts_with("Cannot remove 2 levels"), "{error}");
}

#[test]
fn sort_by_values_with_missing_last() {
    let out = run(
        scores(),
        json!([{"operation": "sort", "options": {"by": ["y", "x"], "ascending": [false, true]}}]),
    );
    assert_eq!(texts(string_column(&out, "name")), ["c", "a", "b"]);
    let out = run(
        scores(),
        json!([{"operation": "sort", "options": {"by": "x", "ascending": false}}]),
    );
    assert_eq!(column(&out, "x"), [Some(3.0), Some(1.0), NAN]);
    let out = run(
        scores(),
        json!([{"operation": "sort", "options": {"by": "x"}}]),
    );
    assert_eq!(column(&out, "x"), [Some(1.0), Some(3.0), NAN]);
    // Nothing to sort by: unchanged.
    let out = run(scores(), json!([{"operation": "sort"}]));
    assert_eq!(texts(string_column(&out, "name")), ["a", "b", "c"]);
    let error = fail(
        scores(),
        json!([{"operation": "sort", "options": {"by": ["x"], "ascending": [true, false]}}]),
    );
    assert_eq!(error, "Length of ascending (2) != length of by (1)");
    let error = fail(
        scores(),
        json!([{"operation": "sort", "options": {"by": ["z"]}}]),
    );
    assert_eq!(error, "Referenced columns not available in DataFrame: z");
}

#[test]
fn sort_by_index_after_pivot() {
    let input = batch(vec![
        ("day", days(&["2024-01-02", "2024-01-01", "2024-01-03"])),
        ("v", floats(&[Some(2.0), Some(1.0), Some(3.0)])),
    ]);
    let out = run(
        input,
        json!([
            {"operation": "pivot", "options": {"index": ["day"], "aggregates": {"v": {"operator": "sum"}}}},
            {"operation": "sort", "options": {"is_sort_index": true, "ascending": false}},
            {"operation": "flatten"}
        ]),
    );
    assert_eq!(
        crate::common::day_column(&out, "day"),
        ["2024-01-03", "2024-01-02", "2024-01-01"]
    );
    assert_eq!(column(&out, "v"), [Some(3.0), Some(2.0), Some(1.0)]);
}

#[test]
fn select_reorders_excludes_and_renames() {
    let out = run(
        scores(),
        json!([{"operation": "select", "options": {
            "columns": ["y", "name", "x"], "exclude": ["x"], "rename": {"y": "total"}}}]),
    );
    assert_eq!(names(&out), ["total", "name"]);
    let error = fail(
        scores(),
        json!([{"operation": "select", "options": {"columns": ["y"], "exclude": ["x"]}}]),
    );
    assert_eq!(error, "Referenced columns not available in DataFrame: x");
}

#[test]
fn aggregate_by_groups_and_over_all_rows() {
    let input = batch(vec![
        (
            "k",
            strings(&[Some("b"), Some("a"), Some("b"), None, Some("a")]),
        ),
        (
            "v",
            floats(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0), None]),
        ),
    ]);
    let aggregates = json!({
        "total": {"operator": "sum", "column": "v"},
        "n": {"operator": "count", "column": "v"},
        "med": {"operator": "median", "column": "v"},
        "p": {"operator": "percentile", "column": "v", "options": {"q": 50}},
        "sd": {"operator": "std", "column": "v", "options": {"ddof": 1}}
    });
    let out = run(
        input.clone(),
        json!([{"operation": "aggregate", "options": {"groupby": ["k"], "aggregates": aggregates}}]),
    );
    assert_eq!(texts(string_column(&out, "k")), ["a", "b"]);
    assert_eq!(column(&out, "total"), [Some(2.0), Some(4.0)]);
    assert_eq!(column(&out, "n"), [Some(2.0), Some(2.0)]);
    assert_eq!(column(&out, "med"), [NAN, Some(2.0)]);
    assert_eq!(column(&out, "p"), [NAN, Some(2.0)]);
    assert_eq!(column(&out, "sd"), [NAN, Some(2f64.sqrt())]);

    let out = run(
        input,
        json!([{"operation": "aggregate", "options": {"groupby": [], "aggregates": aggregates}}]),
    );
    assert_eq!(out.num_rows(), 1);
    assert_eq!(column(&out, "total"), [Some(10.0)]);
    assert_eq!(column(&out, "n"), [Some(5.0)]);
    assert_eq!(column(&out, "sd"), [Some(1.2909944487358056)]);
}

#[test]
fn contribution_to_column_totals() {
    let out = run(scores(), json!([{"operation": "contribution"}]));
    assert_eq!(names(&out), ["name", "x", "y", "y__1 year ago"]);
    assert_eq!(column(&out, "x"), [Some(0.25), Some(0.0), Some(0.75)]);
    assert_eq!(column(&out, "y"), [Some(0.25), Some(0.25), Some(0.5)]);
    let out = run(
        scores(),
        json!([{"operation": "contribution", "options": {"columns": ["x"], "rename_columns": ["x_share"]}}]),
    );
    assert_eq!(names(&out), ["name", "x", "y", "y__1 year ago", "x_share"]);
    assert_eq!(column(&out, "x"), [Some(1.0), NAN, Some(3.0)]);
    assert_eq!(column(&out, "x_share"), [Some(0.25), Some(0.0), Some(0.75)]);
}

#[test]
fn contribution_to_row_totals_per_time_shift() {
    let out = run(
        scores(),
        json!([{"operation": "contribution", "options": {"orientation": "row", "time_shifts": ["1 year ago"]}}]),
    );
    assert_eq!(column(&out, "x"), [Some(1.0 / 3.0), NAN, Some(3.0 / 7.0)]);
    assert_eq!(
        column(&out, "y"),
        [Some(2.0 / 3.0), Some(1.0), Some(4.0 / 7.0)]
    );
    // 0 of 0 is no share.
    assert_eq!(column(&out, "y__1 year ago"), [Some(1.0), Some(1.0), NAN]);
}

#[test]
fn contribution_refuses_text_columns_and_mismatched_renames() {
    let error = fail(
        scores(),
        json!([{"operation": "contribution", "options": {"columns": ["name"]}}]),
    );
    assert_eq!(
        error,
        "Column \"name\" is not numeric or does not exists in the query results."
    );
    let error = fail(
        scores(),
        json!([{"operation": "contribution", "options": {"columns": ["x", "y"], "rename_columns": ["a"]}}]),
    );
    assert_eq!(
        error,
        "`rename_columns` must have the same length as `columns` + `time_shift_columns`."
    );
}
