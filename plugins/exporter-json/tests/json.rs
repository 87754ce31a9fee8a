//! The exporter through the host's path: an Arrow IPC stream in, JSON text out.

use std::sync::Arc;

use exporter_json::Json;
use serde_json::{Value, json};
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

fn json_text(table: &Table) -> String {
    let output = render::<Json>(&table.encode().unwrap(), "{}").unwrap();
    assert_eq!(output.mime_type, "application/json");
    assert_eq!(output.file_extension, "json");
    String::from_utf8(output.bytes).unwrap()
}

fn json_of(table: &Table) -> Value {
    serde_json::from_str(&json_text(table)).unwrap()
}

#[test]
fn rows_are_objects_in_column_order() {
    let t = table(vec![
        (
            "region",
            Arc::new(StringArray::from(vec![Some("North"), None])),
        ),
        ("n", Arc::new(Int64Array::from(vec![Some(88950), None]))),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![Some(8885896.150000023), None])),
        ),
        ("ok", Arc::new(BooleanArray::from(vec![Some(true), None]))),
    ]);
    assert_eq!(
        json_text(&t),
        r#"[{"region":"North","n":88950,"revenue":8885896.150000023,"ok":true},{"region":null,"n":null,"revenue":null,"ok":null}]"#
    );
}

#[test]
fn temporal_values_are_epoch_milliseconds() {
    let t = table(vec![
        ("d", Arc::new(Date32Array::from(vec![19782, -1]))),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![
                1_709_210_096_789_123,
                -1,
            ])),
        ),
        (
            "tz",
            Arc::new(TimestampSecondArray::from(vec![1_709_210_096, 0]).with_timezone("+02:00")),
        ),
        ("t", Arc::new(Time32SecondArray::from(vec![3723, 0]))),
    ]);
    assert_eq!(
        json_of(&t),
        json!([
            {"d": 1709164800000.0, "ts": 1709210096789.123, "tz": 1709210096000.0, "t": "01:02:03"},
            {"d": -86400000.0, "ts": -0.001, "tz": 0.0, "t": "00:00:00"},
        ])
    );
}

#[test]
fn decimals_nan_infinity_binary_and_unicode() {
    let t = table(vec![
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![1234, -5, 0])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "f",
            Arc::new(Float64Array::from(vec![f64::NAN, f64::INFINITY, 1e300])),
        ),
        (
            "f32",
            Arc::new(Float32Array::from(vec![1.1, f32::NEG_INFINITY, 0.0])),
        ),
        (
            "bin",
            Arc::new(BinaryArray::from(vec![
                &b"text"[..],
                &b"\xff\x00"[..],
                &b""[..],
            ])),
        ),
        (
            "s",
            Arc::new(StringArray::from(vec![
                "quote \" and \\",
                "日本語 🦀",
                "line\nbreak\u{0}",
            ])),
        ),
    ]);
    assert_eq!(
        json_of(&t),
        json!([
            {"dec": 12.34, "f": null, "f32": 1.1, "bin": "text", "s": "quote \" and \\"},
            {"dec": -0.05, "f": null, "f32": null, "bin": "/wA=", "s": "日本語 🦀"},
            {"dec": 0.0, "f": 1e300, "f32": 0.0, "bin": "", "s": "line\nbreak\u{0}"},
        ])
    );
    assert!(json_text(&t).contains(r#""f32":1.1,"#));
}

#[test]
fn repeated_names_and_empty_results() {
    let t = table(vec![
        ("a", Arc::new(Int32Array::from(vec![1]))),
        ("a", Arc::new(Int32Array::from(vec![2]))),
    ]);
    assert_eq!(json_text(&t), r#"[{"a":1,"a__1":2}]"#);
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
    assert_eq!(json_text(&Table::new(schema, vec![])), "[]");
}

#[test]
fn many_batches_and_wide_strings() {
    let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
    let wide = "w".repeat(1 << 20);
    let batches = (0..3)
        .map(|i| {
            let values = StringArray::from(vec![format!("{i}"), wide.clone()]);
            RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap()
        })
        .collect();
    let value = json_of(&Table::new(schema, batches));
    let rows = value.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2], json!({"s": "1"}));
    assert_eq!(rows[5]["s"].as_str().unwrap().len(), 1 << 20);
}
