//! The exporter through the same path the host takes (an Arrow IPC stream and JSON
//! options), checked byte for byte against what Superset 6.1 (pandas 2.1, Python
//! 3.11) writes for the same data.

use std::sync::Arc;

use exporter_csv::Csv;
use tessera_plugin_sdk::arrow_array::builder::StringDictionaryBuilder;
use tessera_plugin_sdk::arrow_array::types::Int8Type;
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

fn csv_of(table: &Table, options: &str) -> String {
    let output = render::<Csv>(&table.encode().unwrap(), options).unwrap();
    assert_eq!(output.mime_type, "text/csv; charset=utf-8");
    assert_eq!(output.file_extension, "csv");
    String::from_utf8(output.bytes).unwrap()
}

/// Without the byte order mark, as the chart data endpoint sends it.
fn csv(table: &Table) -> String {
    csv_of(table, r#"{"include_bom": false}"#)
}

fn micros(values: &[Option<&str>]) -> TimestampMicrosecondArray {
    values
        .iter()
        .map(|v| v.map(|s| chrono_parse(s).and_utc().timestamp_micros()))
        .collect()
}

fn chrono_parse(s: &str) -> tessera_plugin_sdk::exporter::chrono::NaiveDateTime {
    tessera_plugin_sdk::exporter::chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .unwrap()
}

#[test]
fn numbers_booleans_strings_and_nulls() {
    let t = table(vec![
        (
            "i",
            Arc::new(Int64Array::from(vec![Some(1), None, Some(-3)])),
        ),
        (
            "f",
            Arc::new(Float64Array::from(vec![
                Some(1.5),
                None,
                Some(8885896.150000023),
            ])),
        ),
        (
            "f32",
            Arc::new(Float32Array::from(vec![
                Some(1.1),
                None,
                Some(f32::INFINITY),
            ])),
        ),
        (
            "b",
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
        ),
        (
            "s",
            Arc::new(StringArray::from(vec![
                Some("plain"),
                None,
                Some("a,b \"q\"\nline"),
            ])),
        ),
        (
            "d",
            Arc::new(
                Decimal128Array::from(vec![Some(1230), None, Some(-5)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
    ]);
    assert_eq!(
        csv(&t),
        "i,f,f32,b,s,d\n1,1.5,1.1,True,plain,12.30\n,,,,,\n-3,8885896.150000023,inf,False,\"a,b \"\"q\"\"\nline\",-0.05\n"
    );
}

#[test]
fn dates_times_and_timestamps_with_and_without_zone() {
    let rows = [
        Some("2024-02-29 12:34:56.789"),
        None,
        Some("2024-01-01 00:00:00"),
    ];
    let midnights = [
        Some("2024-02-29 00:00:00"),
        None,
        Some("2024-01-01 00:00:00"),
    ];
    let paris = [
        Some("2024-02-29 12:34:56"),
        None,
        Some("2024-07-01 00:00:00"),
    ];
    let t = table(vec![
        (
            "date",
            Arc::new(Date32Array::from(vec![Some(19782), None, Some(0)])),
        ),
        ("ts", Arc::new(micros(&rows))),
        ("tsd", Arc::new(micros(&midnights))),
        ("tz", Arc::new(micros(&rows).with_timezone("UTC"))),
        (
            "tzp",
            Arc::new(micros(&paris).with_timezone("Europe/Paris")),
        ),
        (
            "t",
            Arc::new(Time64MicrosecondArray::from(vec![
                Some(3_723_000_000),
                None,
                Some(3_723_000_004),
            ])),
        ),
    ]);
    assert_eq!(
        csv(&t),
        "date,ts,tsd,tz,tzp,t\n\
         2024-02-29,2024-02-29 12:34:56.789,2024-02-29,2024-02-29 12:34:56.789000+00:00,2024-02-29 13:34:56+01:00,01:02:03\n\
         ,,,,,\n\
         1970-01-01,2024-01-01 00:00:00.000,2024-01-01,2024-01-01 00:00:00+00:00,2024-07-01 02:00:00+02:00,01:02:03.000004\n"
    );
}

#[test]
fn nanosecond_and_second_timestamps() {
    let t = table(vec![
        (
            "ns",
            Arc::new(TimestampNanosecondArray::from(vec![1, 1000])),
        ),
        ("sec", Arc::new(TimestampSecondArray::from(vec![86400, 0]))),
    ]);
    assert_eq!(
        csv(&t),
        "ns,sec\n1970-01-01 00:00:00.000000001,1970-01-02\n1970-01-01 00:00:00.000001000,1970-01-01\n"
    );
}

#[test]
fn formulas_are_escaped_in_headers_and_values() {
    let values = [
        "=1+1", "-2", "-1.5", "@a|b", " +x", "\"\"=y", "%z", "ok", "a\\b", "|p", "-", "-1e5",
    ];
    let t = table(vec![("=x", Arc::new(StringArray::from(values.to_vec())))]);
    assert_eq!(
        csv(&t),
        "'=x\n'=1+1\n-2\n-1.5\n'@a\\\\|b\n' +x\n\"'\"\"\"\"=y\"\n'%z\nok\na\\\\b\n'\\\\|p\n'-\n'-1e5\n"
    );
}

#[test]
fn a_lone_empty_field_is_quoted() {
    let t = table(vec![(
        "only",
        Arc::new(StringArray::from(vec![Some(""), None, Some("x")])),
    )]);
    assert_eq!(csv(&t), "only\n\"\"\n\"\"\nx\n");
    let t = table(vec![(
        "f",
        Arc::new(Float64Array::from(vec![f64::NAN, 1e16, -0.0, 1e-5])),
    )]);
    assert_eq!(csv(&t), "f\n\"\"\n1e+16\n-0.0\n1e-05\n");
}

#[test]
fn binary_and_unsigned() {
    let t = table(vec![
        (
            "bin",
            Arc::new(BinaryArray::from(vec![Some(&b"ab\x00"[..]), None])),
        ),
        ("u8", Arc::new(UInt8Array::from(vec![Some(255), None]))),
    ]);
    assert_eq!(csv(&t), "bin,u8\nb'ab\\\\x00',255\n,\n");
}

#[test]
fn all_null_columns() {
    let t = table(vec![
        ("n", Arc::new(Int64Array::from(vec![None, None]))),
        ("s", Arc::new(StringArray::from(vec![None::<&str>, None]))),
        ("ts", Arc::new(micros(&[None, None]))),
        ("null", Arc::new(NullArray::new(2))),
    ]);
    assert_eq!(csv(&t), "n,s,ts,null\n,,,\n,,,\n");
}

#[test]
fn empty_result_is_the_header_alone() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Int64, true),
        Field::new("b", DataType::Utf8, true),
    ]));
    assert_eq!(csv(&Table::new(schema, vec![])), "a,b\n");
}

#[test]
fn bom_labels_and_unicode() {
    let t = table(vec![
        (
            "name",
            Arc::new(StringArray::from(vec!["Zoë", "日本語", "🦀"])),
        ),
        ("count", Arc::new(Int32Array::from(vec![1, 2, 3]))),
    ]);
    assert_eq!(
        csv_of(&t, r#"{"labels": {"count": "COUNT(*)", "unknown": "x"}}"#),
        "\u{feff}name,COUNT(*)\nZoë,1\n日本語,2\n🦀,3\n"
    );
    assert_eq!(csv_of(&t, ""), format!("\u{feff}{}", csv(&t)));
    let labelled = csv_of(
        &t,
        r#"{"labels": {"name": "=HYPERLINK()"}, "include_bom": false}"#,
    );
    assert!(labelled.starts_with("'=HYPERLINK(),count\n"), "{labelled}");
}

#[test]
fn batches_dictionaries_and_wide_strings() {
    let wide = "x".repeat(100_000);
    let schema = Arc::new(Schema::new(vec![Field::new(
        "s",
        DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
        true,
    )]));
    let dictionary = |values: &[Option<&str>]| {
        let mut builder = StringDictionaryBuilder::<Int8Type>::new();
        for v in values {
            builder.append_option(*v);
        }
        RecordBatch::try_new(schema.clone(), vec![Arc::new(builder.finish())]).unwrap()
    };
    let t = Table::new(
        schema.clone(),
        vec![
            dictionary(&[Some("a"), None]),
            dictionary(&[Some(wide.as_str()), Some("a")]),
        ],
    );
    assert_eq!(csv(&t), format!("s\na\n\"\"\n{wide}\na\n"));
}

#[test]
fn options_must_be_well_formed() {
    let t = table(vec![("a", Arc::new(Int32Array::from(vec![1])))]);
    let err = render::<Csv>(&t.encode().unwrap(), r#"{"include_bom": "yes"}"#).unwrap_err();
    assert!(err.starts_with("Invalid options"), "{err}");
    let err = render::<Csv>(b"not arrow", "{}").unwrap_err();
    assert!(err.starts_with("Invalid Arrow data"), "{err}");
}
