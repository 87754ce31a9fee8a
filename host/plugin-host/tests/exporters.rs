//! The first-party exporters, run as components by the real plugin host: a real Arrow
//! IPC stream in, a file out, checked by reading it back (CSV bytes exactly, the XLSX
//! as a zip of sheet XML, JSON as records, SVG as XML with its series). Malformed input
//! is an error, never a trap, and a large result renders within the memory cap.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Field, Schema};
use serde_json::{Value, json};
use tessera_plugin_host::{ExportOutput, Limits, PluginConfig, PluginError, PluginHost};

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn host() -> PluginHost {
    PluginHost::load(&PluginConfig {
        plugin_dir: None,
        cache_dir: std::env::temp_dir().join("tessera-test-plugin-cache"),
        limits: Limits::default(),
    })
    .await
    .unwrap()
}

async fn export(
    host: &PluginHost,
    format: &str,
    stream: &[u8],
    options: &str,
) -> Result<ExportOutput, PluginError> {
    host.exporter(format)
        .unwrap_or_else(|| panic!("no exporter for {format}"))
        .render(stream, options)
        .await
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

/// The Arrow IPC stream of `batches` (which share a schema), as the host sends it.
fn ipc(batches: &[RecordBatch]) -> Vec<u8> {
    let mut writer = StreamWriter::try_new(Vec::new(), &batches[0].schema()).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.into_inner().unwrap()
}

/// Three sales rows: text with quotes and a line break, a NULL, a negative number,
/// dates and zoned timestamps.
fn sales() -> RecordBatch {
    batch(vec![
        (
            "region",
            Arc::new(StringArray::from(vec![
                Some("North"),
                Some("Say \"hi\",\nthen leave"),
                None,
            ])),
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![
                Some(8885896.150000023),
                None,
                Some(-35.5),
            ])),
        ),
        ("orders", Arc::new(Int64Array::from(vec![7980, 12, 3]))),
        ("day", Arc::new(Date32Array::from(vec![19782, 0, 1]))),
        (
            "at",
            Arc::new(
                TimestampMicrosecondArray::from(vec![1_709_210_096_789_000, 0, 1_000_000])
                    .with_timezone("UTC"),
            ),
        ),
    ])
}

#[tokio::test]
async fn every_first_party_format_is_served() {
    let host = host().await;
    for (format, mime, extension) in [
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("xlsx", XLSX_MIME, "xlsx"),
        ("json", "application/json", "json"),
        ("svg", "image/svg+xml", "svg"),
    ] {
        let exporter = host.exporter(format).unwrap();
        let description = exporter.description();
        assert_eq!(description.name, format!("exporter-{format}"));
        assert_eq!(
            (
                description.mime_type.as_str(),
                description.file_extension.as_str()
            ),
            (mime, extension)
        );
        let output = export(&host, format, &ipc(&[sales()]), "{}").await.unwrap();
        assert_eq!(
            (output.mime_type.as_str(), output.file_extension.as_str()),
            (mime, extension)
        );
    }
    assert!(
        host.exporter("CSV").is_some(),
        "formats match case-insensitively"
    );
}

#[tokio::test]
async fn csv_is_byte_for_byte_what_superset_sends() {
    let host = host().await;
    let stream = ipc(&[sales()]);
    let rows = "region,revenue,COUNT(*),day,at\n\
                North,8885896.150000023,7980,2024-02-29,2024-02-29 12:34:56.789000+00:00\n\
                \"Say \"\"hi\"\",\nthen leave\",,12,1970-01-01,1970-01-01 00:00:00+00:00\n\
                ,-35.5,3,1970-01-02,1970-01-01 00:00:01+00:00\n";
    let labels = r#""labels": {"orders": "COUNT(*)"}"#;

    let with_bom = export(&host, "csv", &stream, &format!("{{{labels}}}"))
        .await
        .unwrap();
    assert_eq!(with_bom.bytes[..3], [0xEF, 0xBB, 0xBF]);
    assert_eq!(
        String::from_utf8(with_bom.bytes[3..].to_vec()).unwrap(),
        rows
    );

    let options = format!(r#"{{{labels}, "include_bom": false}}"#);
    let without = export(&host, "csv", &stream, &options).await.unwrap();
    assert_eq!(String::from_utf8(without.bytes).unwrap(), rows);

    let formulas = ipc(&[batch(vec![(
        "=x",
        Arc::new(StringArray::from(vec!["=1+1", "-2", "@a|b"])),
    )])]);
    let escaped = export(&host, "csv", &formulas, r#"{"include_bom": false}"#)
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(escaped.bytes).unwrap(),
        "'=x\n'=1+1\n-2\n'@a\\\\|b\n"
    );
}

/// The cells of the first sheet by reference (`B2`), shared strings resolved.
fn sheet_cells(xlsx: &[u8]) -> HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let shared = read("xl/sharedStrings.xml");
    let shared = roxmltree::Document::parse(&shared).unwrap();
    let strings: Vec<String> = shared
        .descendants()
        .filter(|n| n.has_tag_name("si"))
        .map(|si| {
            si.descendants()
                .filter(|n| n.has_tag_name("t"))
                .filter_map(|t| t.text())
                .collect()
        })
        .collect();
    let sheet = roxmltree::Document::parse(&sheet).unwrap();
    sheet
        .descendants()
        .filter(|n| n.has_tag_name("c"))
        .filter_map(|c| {
            let value = c.children().find(|n| n.has_tag_name("v"))?.text()?;
            let value = match c.attribute("t") {
                Some("s") => strings[value.parse::<usize>().unwrap()].clone(),
                _ => value.to_owned(),
            };
            Some((c.attribute("r")?.to_owned(), value))
        })
        .collect()
}

#[tokio::test]
async fn xlsx_is_a_workbook_with_typed_cells() {
    let host = host().await;
    let output = export(
        &host,
        "xlsx",
        &ipc(&[sales()]),
        r#"{"labels": {"orders": "COUNT(*)"}}"#,
    )
    .await
    .unwrap();
    assert_eq!(&output.bytes[..2], b"PK", "a zip archive");
    let cells = sheet_cells(&output.bytes);
    let cell = |at: &str| cells.get(at).map(String::as_str);
    assert_eq!(cell("A1"), Some("region"));
    assert_eq!(cell("C1"), Some("COUNT(*)"));
    assert_eq!(cell("A2"), Some("North"));
    assert_eq!(cell("A3"), Some("Say \"hi\",\nthen leave"));
    assert_eq!(cell("A4"), None, "NULL is a blank cell");
    assert_eq!(cell("B2"), Some("8885896.150000023"));
    assert_eq!(cell("B3"), None);
    assert_eq!(cell("B4"), Some("-35.5"));
    assert_eq!(cell("C2"), Some("7980"));
    assert_eq!(cell("D2"), Some("45351"), "a date is an Excel serial");
    assert_eq!(cell("E2"), Some("2024-02-29 12:34:56.789000+00:00"));
}

#[tokio::test]
async fn json_is_one_record_per_row() {
    let host = host().await;
    let output = export(&host, "json", &ipc(&[sales(), sales()]), "")
        .await
        .unwrap();
    let records: Value = serde_json::from_slice(&output.bytes).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 6);
    assert_eq!(
        records[0],
        json!({"region": "North", "revenue": 8885896.150000023, "orders": 7980,
               "day": 1709164800000.0, "at": 1709210096789.0})
    );
    assert_eq!(
        records[2],
        json!({"region": null, "revenue": -35.5, "orders": 3,
               "day": 86400000.0, "at": 1000.0})
    );
    assert_eq!(records[3], records[0]);
}

#[tokio::test]
async fn svg_draws_the_series() {
    let host = host().await;
    let options = r#"{"viz_type": "echarts_timeseries_bar", "x": "day",
        "metrics": ["revenue", "orders"], "title": "Sales <2024>"}"#;
    let output = export(&host, "svg", &ipc(&[sales()]), options)
        .await
        .unwrap();
    let text = String::from_utf8(output.bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("800"));
    let series: Vec<(&str, usize)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("series"))
        .map(|g| {
            let bars = g.children().filter(|n| n.has_tag_name("rect")).count();
            (g.attribute("data-name").unwrap(), bars)
        })
        .collect();
    assert_eq!(series, [("revenue", 2), ("orders", 3)]);
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for expected in ["Sales <2024>", "2024-02-29", "revenue", "orders"] {
        assert!(texts.contains(&expected), "{expected} in {texts:?}");
    }

    let table = export(&host, "svg", &ipc(&[sales()]), r#"{"viz_type": "table"}"#)
        .await
        .unwrap();
    let table = String::from_utf8(table.bytes).unwrap();
    roxmltree::Document::parse(&table).unwrap();
    assert!(table.contains("North"), "{table}");
}

#[tokio::test]
async fn malformed_input_is_an_error_not_a_trap() {
    let host = host().await;
    let valid = ipc(&[sales()]);
    let mut huge_length = valid.clone();
    huge_length[4..8].copy_from_slice(&0x7fff_fff0_u32.to_le_bytes());
    let inputs: [(&str, &[u8]); 4] = [
        ("empty", b""),
        ("garbage", b"definitely not an Arrow IPC stream"),
        ("truncated", &valid[..valid.len() - 7]),
        ("corrupt length", &huge_length),
    ];
    for format in ["csv", "xlsx", "json", "svg"] {
        for (what, bytes) in inputs {
            match export(&host, format, bytes, "{}").await {
                Err(PluginError::Export(message)) => {
                    assert!(
                        message.starts_with("Invalid Arrow data"),
                        "{format} {what}: {message}"
                    )
                }
                other => panic!("{format} {what}: {:?}", other.map(|o| o.bytes.len())),
            }
        }
        match export(&host, format, &valid, "{not json").await {
            Err(PluginError::Export(message)) => {
                assert!(
                    message.starts_with("Invalid options"),
                    "{format}: {message}"
                )
            }
            other => panic!("{format} bad options: {:?}", other.map(|o| o.bytes.len())),
        }
    }
    // The exporter is still fine after refusing input.
    assert!(export(&host, "csv", &valid, "{}").await.is_ok());
}

#[tokio::test]
async fn a_large_result_renders_within_the_memory_cap() {
    let host = host().await;
    let rows = 200_000;
    let batches: Vec<RecordBatch> = (0..rows)
        .step_by(65_536)
        .map(|start| {
            let ids: Vec<i64> = (start..(start + 65_536).min(rows)).collect();
            batch(vec![
                ("id", Arc::new(Int64Array::from(ids.clone()))),
                (
                    "name",
                    Arc::new(StringArray::from(
                        ids.iter().map(|i| format!("name {i}")).collect::<Vec<_>>(),
                    )),
                ),
                (
                    "value",
                    Arc::new(Float64Array::from(
                        ids.iter().map(|i| *i as f64 / 7.0).collect::<Vec<_>>(),
                    )),
                ),
                (
                    "at",
                    Arc::new(TimestampMicrosecondArray::from(
                        ids.iter().map(|i| i * 1_000_000).collect::<Vec<_>>(),
                    )),
                ),
            ])
        })
        .collect();
    let stream = ipc(&batches);
    assert_eq!(Limits::default().memory_bytes, 512 << 20);

    let csv = export(&host, "csv", &stream, "{}").await.unwrap();
    let csv = String::from_utf8(csv.bytes).unwrap();
    assert_eq!(csv.lines().count(), rows as usize + 1);
    assert!(csv.ends_with("199999,name 199999,28571.285714285714,1970-01-03 07:33:19\n"));

    let json = export(&host, "json", &stream, "{}").await.unwrap();
    let json: Value = serde_json::from_slice(&json.bytes).unwrap();
    assert_eq!(json.as_array().unwrap().len(), rows as usize);

    let xlsx = export(&host, "xlsx", &stream, "{}").await.unwrap();
    let cells = sheet_cells(&xlsx.bytes);
    assert_eq!(
        cells.get(&format!("B{}", rows + 1)).map(String::as_str),
        Some("name 199999")
    );

    let svg = export(&host, "svg", &stream, r#"{"viz_type": "line", "x": "at"}"#)
        .await
        .unwrap();
    let svg = String::from_utf8(svg.bytes).unwrap();
    roxmltree::Document::parse(&svg).unwrap();
    assert!(svg.contains("First 5000 of 200000 rows"));
}
