//! The exporter through the host's path; every drawing is parsed back as XML.

use std::sync::Arc;

use exporter_svg::SvgChart;
use tessera_plugin_sdk::arrow_array::*;
use tessera_plugin_sdk::arrow_schema::{DataType, Field, Schema};
use tessera_plugin_sdk::exporter::{Table, render};

fn table(columns: Vec<(&str, ArrayRef)>) -> Table {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    Table::new(schema, vec![batch])
}

fn sales() -> Table {
    table(vec![
        (
            "region",
            Arc::new(StringArray::from(vec!["North", "South", "East"])),
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![Some(120.5), None, Some(-35.0)])),
        ),
        ("orders", Arc::new(Int64Array::from(vec![10, 20, 30]))),
    ])
}

fn svg(table: &Table, options: &str) -> String {
    let output = render::<SvgChart>(&table.encode().unwrap(), options).unwrap();
    assert_eq!(output.mime_type, "image/svg+xml");
    assert_eq!(output.file_extension, "svg");
    let text = String::from_utf8(output.bytes).unwrap();
    roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    text
}

fn error(table: &Table, options: &str) -> String {
    render::<SvgChart>(&table.encode().unwrap(), options).unwrap_err()
}

/// Each series group's name and how many marks (bars or dots) it holds.
fn series(svg: &str) -> Vec<(String, usize)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("series"))
        .map(|g| {
            let marks = g
                .children()
                .filter(|n| n.has_tag_name("rect") || n.has_tag_name("circle"))
                .count();
            (g.attribute("data-name").unwrap().to_owned(), marks)
        })
        .collect()
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

/// The rectangles of one series as (y, height).
fn bars(svg: &str, name: &str) -> Vec<(f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let group = doc
        .descendants()
        .find(|n| n.attribute("data-name") == Some(name))
        .unwrap();
    group
        .children()
        .filter(|n| n.has_tag_name("rect"))
        .map(|r| {
            let y = r.attribute("y").unwrap().parse().unwrap();
            let h = r.attribute("height").unwrap().parse().unwrap();
            (y, h)
        })
        .collect()
}

#[test]
fn bar_chart_with_default_columns() {
    let out = svg(&sales(), r#"{"viz_type": "dist_bar", "title": "Sales"}"#);
    assert!(
        out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"450\"")
    );
    assert_eq!(series(&out), [("revenue".into(), 2), ("orders".into(), 3)]);
    let texts = texts(&out);
    for expected in [
        "Sales", "North", "South", "East", "region", "revenue", "orders", "0",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected} in {texts:?}"
        );
    }
    // The negative bar hangs below zero, the positive one stands on it.
    let revenue = bars(&out, "revenue");
    let (north, east) = (revenue[0], revenue[1]);
    assert!((north.0 + north.1 - east.0).abs() < 0.02, "{revenue:?}");
    assert!(out.contains("<title>East · revenue: -35</title>"), "{out}");
}

#[test]
fn line_chart_with_chosen_columns_and_labels() {
    let options = r#"{"viz_type": "echarts_timeseries_line", "x": "region",
        "metrics": ["orders"], "labels": {"orders": "Orders <all>"}}"#;
    let out = svg(&sales(), options);
    assert_eq!(series(&out), [("Orders <all>".into(), 3)]);
    assert!(out.contains("<path d=\"M"), "{out}");
    assert!(out.contains("Orders &lt;all&gt;"));
}

#[test]
fn lines_break_at_nulls_and_show_lone_points() {
    let t = table(vec![
        (
            "day",
            Arc::new(Date32Array::from((19_000..19_100).collect::<Vec<i32>>())),
        ),
        (
            "v",
            Arc::new(Float64Array::from(
                (0..100)
                    .map(|i| (i % 10 != 5).then_some(i as f64))
                    .collect::<Vec<_>>(),
            )),
        ),
    ]);
    let out = svg(&t, r#"{"viz_type": "line"}"#);
    // Beyond 60 points there are no dots, so no marks; ten gaps make eleven strokes.
    assert_eq!(series(&out), [("v".into(), 0)]);
    assert_eq!(path_runs(&out), 11);
    assert!(
        texts(&out).contains(&"2022-01-08".to_owned()),
        "dates label the axis"
    );

    let lone = table(vec![
        ("x", Arc::new(StringArray::from(vec!["a"; 100]))),
        (
            "v",
            Arc::new(Float64Array::from(
                (0..100)
                    .map(|i| (i == 50).then_some(1.0))
                    .collect::<Vec<_>>(),
            )),
        ),
    ]);
    assert_eq!(
        series(&svg(&lone, r#"{"viz_type": "line"}"#)),
        [("v".into(), 1)]
    );
}

/// How many strokes the paths draw (one `M` command each).
fn path_runs(svg: &str) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("path"))
        .map(|p| p.attribute("d").unwrap().matches('M').count())
        .sum()
}

#[test]
fn timestamps_along_x_print_with_one_format() {
    let day = 86_400_000_000_i64;
    let t = table(vec![
        (
            "__timestamp",
            Arc::new(TimestampMicrosecondArray::from(vec![0, day, 2 * day]).with_timezone("UTC")),
        ),
        ("count", Arc::new(Int32Array::from(vec![3, 1, 2]))),
    ]);
    let out = svg(&t, r#"{"viz_type": "echarts_timeseries_bar"}"#);
    let texts = texts(&out);
    assert!(texts.contains(&"1970-01-02".to_owned()), "{texts:?}");
    assert_eq!(series(&out), [("count".into(), 3)]);
}

#[test]
fn all_null_single_row_and_empty_results() {
    let nulls = table(vec![
        ("x", Arc::new(StringArray::from(vec!["a", "b"]))),
        (
            "v",
            Arc::new(Float64Array::from(vec![None, Some(f64::NAN)])),
        ),
    ]);
    assert_eq!(
        series(&svg(&nulls, r#"{"viz_type": "bar"}"#)),
        [("v".into(), 0)]
    );

    let single = table(vec![
        ("x", Arc::new(StringArray::from(vec!["only"]))),
        ("v", Arc::new(Int32Array::from(vec![7]))),
    ]);
    assert_eq!(
        series(&svg(&single, r#"{"viz_type": "bar"}"#)),
        [("v".into(), 1)]
    );
    assert_eq!(
        series(&svg(&single, r#"{"viz_type": "line"}"#)),
        [("v".into(), 1)]
    );

    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Utf8, true),
        Field::new("v", DataType::Float64, true),
    ]));
    let empty = Table::new(schema, vec![]);
    for viz in ["bar", "line", "table"] {
        let out = svg(&empty, &format!(r#"{{"viz_type": "{viz}"}}"#));
        assert!(texts(&out).contains(&"No data".to_owned()), "{viz}: {out}");
    }
}

#[test]
fn tables_fit_the_canvas() {
    let n = 1000;
    let t = table(vec![
        (
            "name",
            Arc::new(StringArray::from(
                (0..n)
                    .map(|i| format!("row {i} {}", "long ".repeat(i % 50)))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "value",
            Arc::new(Int64Array::from((0..n as i64).collect::<Vec<_>>())),
        ),
    ]);
    let out = svg(&t, r#"{"title": "A table", "labels": {"value": "Value"}}"#);
    let drawn = texts(&out);
    assert!(drawn.contains(&"Value".to_owned()));
    assert!(drawn.iter().any(|t| t.starts_with("row 0")));
    assert!(
        drawn.contains(&"First 14 of 1000 rows".to_owned()),
        "{drawn:?}"
    );
    let wide: Vec<(String, ArrayRef)> = (0..40)
        .map(|i| {
            (
                format!("column_{i}"),
                Arc::new(Int32Array::from(vec![i])) as ArrayRef,
            )
        })
        .collect();
    let wide = table(wide.iter().map(|(n, a)| (n.as_str(), a.clone())).collect());
    let out = svg(&wide, "{}");
    assert!(texts(&out).iter().any(|t| t.ends_with("more columns")));
}

#[test]
fn charts_without_numbers_fall_back_to_a_table() {
    let t = table(vec![("name", Arc::new(StringArray::from(vec!["a", "b"])))]);
    let out = svg(&t, r#"{"viz_type": "bar"}"#);
    assert!(series(&out).is_empty());
    assert!(out.contains(r#"class="table""#));
}

#[test]
fn many_rows_are_capped() {
    let n = 12_000;
    let t = table(vec![(
        "v",
        Arc::new(Int64Array::from((0..n).collect::<Vec<i64>>())),
    )]);
    let out = svg(&t, r#"{"viz_type": "bar"}"#);
    assert_eq!(series(&out), [("v".into(), 5_000)]);
    assert!(texts(&out).contains(&"First 5000 of 12000 rows".to_owned()));
}

#[test]
fn hostile_text_is_escaped() {
    let t = table(vec![
        (
            "x<y",
            Arc::new(StringArray::from(vec![
                "<script>&amp;",
                "nul\u{0}\u{1b}",
                "日本語 🦀",
                "\"'",
            ])),
        ),
        ("v", Arc::new(Int32Array::from(vec![1, 2, 3, 4]))),
    ]);
    let out = svg(&t, r#"{"viz_type": "bar", "title": "</svg><b>&"}"#);
    assert!(out.contains("&lt;/svg&gt;&lt;b&gt;&amp;"));
    assert!(!out.contains('\u{0}'));
    let table_view = svg(&t, r#"{"title": "t"}"#);
    assert!(table_view.contains("&lt;script&gt;&amp;amp;"));
}

#[test]
fn output_is_deterministic() {
    let options = r#"{"viz_type": "bar", "width": 640, "height": 320}"#;
    let first = svg(&sales(), options);
    assert_eq!(first, svg(&sales(), options));
    assert!(first.contains(r#"width="640" height="320""#));
}

#[test]
fn bad_options_are_clear_errors() {
    assert_eq!(
        error(&sales(), r#"{"viz_type": "bar", "x": "nope"}"#),
        r#"The result has no column "nope" to use as x"#
    );
    assert_eq!(
        error(&sales(), r#"{"viz_type": "bar", "metrics": ["region"]}"#),
        r#"The metric column "region" holds Utf8, not numbers"#
    );
    assert_eq!(
        error(&sales(), r#"{"width": 5}"#),
        "The width must be between 150 and 10000 pixels, not 5"
    );
    assert!(error(&sales(), r#"{"metrics": "revenue"}"#).starts_with("Invalid options"));
}
