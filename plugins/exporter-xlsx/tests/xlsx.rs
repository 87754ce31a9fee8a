//! The exporter through the host's path, the workbook read back from its zip.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use exporter_xlsx::Xlsx;
use tessera_plugin_sdk::arrow_array::*;
use tessera_plugin_sdk::arrow_schema::{DataType, Field, Schema};
use tessera_plugin_sdk::exporter::{Table, render};

/// A cell as the sheet stores it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
}

struct Sheet {
    cells: HashMap<String, (Value, Option<String>)>,
    styles: String,
}

impl Sheet {
    fn value(&self, at: &str) -> Option<Value> {
        self.cells.get(at).map(|(v, _)| v.clone())
    }

    /// The number format of a cell's style, found through `cellXfs`.
    fn number_format(&self, at: &str) -> Option<String> {
        let style: usize = self.cells.get(at)?.1.as_ref()?.parse().ok()?;
        let doc = roxmltree::Document::parse(&self.styles).unwrap();
        let xf = doc
            .descendants()
            .find(|n| n.has_tag_name("cellXfs"))?
            .children()
            .filter(|n| n.is_element())
            .nth(style)?;
        let id = xf.attribute("numFmtId")?;
        doc.descendants()
            .find(|n| n.has_tag_name("numFmt") && n.attribute("numFmtId") == Some(id))
            .and_then(|n| n.attribute("formatCode"))
            .map(str::to_owned)
    }
}

fn read_sheet(xlsx: &[u8]) -> Sheet {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut file = |name: &str| {
        let mut text = String::new();
        if let Ok(mut entry) = archive.by_name(name) {
            entry.read_to_string(&mut text).unwrap();
        }
        text
    };
    let sheet = file("xl/worksheets/sheet1.xml");
    let shared = file("xl/sharedStrings.xml");
    let styles = file("xl/styles.xml");
    let strings: Vec<String> = if shared.is_empty() {
        vec![]
    } else {
        roxmltree::Document::parse(&shared)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("si"))
            .map(|si| {
                si.descendants()
                    .filter(|n| n.has_tag_name("t"))
                    .filter_map(|t| t.text())
                    .collect()
            })
            .collect()
    };
    let doc = roxmltree::Document::parse(&sheet).unwrap();
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("c"))
        .filter_map(|c| {
            let at = c.attribute("r")?.to_owned();
            let v = c.children().find(|n| n.has_tag_name("v"))?.text()?;
            let value = match c.attribute("t") {
                Some("s") => Value::Text(strings[v.parse::<usize>().unwrap()].clone()),
                Some("b") => Value::Bool(v == "1"),
                _ => Value::Number(v.parse().unwrap()),
            };
            Some((at, (value, c.attribute("s").map(str::to_owned))))
        })
        .collect();
    Sheet { cells, styles }
}

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

fn xlsx(table: &Table, options: &str) -> Sheet {
    let output = render::<Xlsx>(&table.encode().unwrap(), options).unwrap();
    assert_eq!(
        output.mime_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(output.file_extension, "xlsx");
    read_sheet(&output.bytes)
}

fn text(s: &str) -> Option<Value> {
    Some(Value::Text(s.into()))
}

fn number(v: f64) -> Option<Value> {
    Some(Value::Number(v))
}

#[test]
fn typed_cells_with_a_labelled_header() {
    let t = table(vec![
        (
            "name",
            Arc::new(StringArray::from(vec![Some("Zoë"), None, Some("=1+1")])),
        ),
        (
            "n",
            Arc::new(Int64Array::from(vec![Some(42), Some(-7), None])),
        ),
        (
            "x",
            Arc::new(Float64Array::from(vec![
                Some(1.5),
                Some(f64::NAN),
                Some(f64::INFINITY),
            ])),
        ),
        (
            "ok",
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        ),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![Some(1234), None, Some(-5)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
    ]);
    let sheet = xlsx(&t, r#"{"labels": {"n": "COUNT(*)"}}"#);
    assert_eq!(sheet.value("A1"), text("name"));
    assert_eq!(sheet.value("B1"), text("COUNT(*)"));
    assert_eq!(sheet.value("A2"), text("Zoë"));
    assert_eq!(sheet.value("A3"), None);
    assert_eq!(sheet.value("A4"), text("'=1+1"));
    assert_eq!(sheet.value("B2"), number(42.0));
    assert_eq!(sheet.value("B3"), number(-7.0));
    assert_eq!(sheet.value("B4"), None);
    assert_eq!(sheet.value("C2"), number(1.5));
    assert_eq!(sheet.value("C3"), None);
    assert_eq!(sheet.value("C4"), text("inf"));
    assert_eq!(sheet.value("D2"), Some(Value::Bool(true)));
    assert_eq!(sheet.value("D3"), Some(Value::Bool(false)));
    assert_eq!(sheet.value("E2"), number(12.34));
    assert_eq!(sheet.value("E4"), number(-0.05));
}

#[test]
fn dates_and_timestamps_are_excel_dates() {
    let t = table(vec![
        ("d", Arc::new(Date32Array::from(vec![Some(19782), None]))),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1_709_208_000_000_000),
                None,
            ])),
        ),
        (
            "tz",
            Arc::new(
                TimestampSecondArray::from(vec![Some(1_709_208_000), None]).with_timezone("UTC"),
            ),
        ),
        (
            "t",
            Arc::new(Time32SecondArray::from(vec![Some(43_200), None])),
        ),
        (
            "old",
            Arc::new(Date32Array::from(vec![Some(-30_000), None])),
        ),
    ]);
    let sheet = xlsx(&t, "");
    assert_eq!(sheet.value("A2"), number(45351.0));
    assert_eq!(sheet.number_format("A2").as_deref(), Some("YYYY-MM-DD"));
    assert_eq!(sheet.value("B2"), number(45351.5));
    assert_eq!(
        sheet.number_format("B2").as_deref(),
        Some("YYYY-MM-DD HH:MM:SS")
    );
    assert_eq!(sheet.value("C2"), text("2024-02-29 12:00:00+00:00"));
    assert_eq!(sheet.value("D2"), number(0.5));
    assert_eq!(sheet.number_format("D2").as_deref(), Some("HH:MM:SS"));
    assert_eq!(sheet.value("E2"), text("1887-11-12"));
    assert_eq!(sheet.value("A3"), None);
}

#[test]
fn huge_numbers_and_long_text_become_text() {
    let long = "x".repeat(40_000);
    let t = table(vec![
        (
            "big",
            Arc::new(Int64Array::from(vec![
                1_000_000_000_000_000,
                1_000_000_000_000_001,
            ])),
        ),
        ("f", Arc::new(Float64Array::from(vec![1e16, -2e15]))),
        (
            "s",
            Arc::new(StringArray::from(vec![
                long.as_str(),
                "line\nbreak \"q\" <&>",
            ])),
        ),
    ]);
    let sheet = xlsx(&t, "");
    assert_eq!(sheet.value("A2"), number(1e15));
    assert_eq!(sheet.value("A3"), text("1000000000000001"));
    assert_eq!(sheet.value("B2"), text("1e+16"));
    assert_eq!(sheet.value("B3"), text("-2000000000000000.0"));
    let Some(Value::Text(cut)) = sheet.value("C2") else {
        panic!("C2 is not text")
    };
    assert_eq!(cut.len(), 32_767);
    assert_eq!(sheet.value("C3"), text("line\nbreak \"q\" <&>"));
}

#[test]
fn empty_result_is_a_header_row() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("b", DataType::Utf8, true),
    ]));
    let sheet = xlsx(&Table::new(schema, vec![]), "");
    assert_eq!(sheet.value("A1"), text("a"));
    assert_eq!(sheet.value("B1"), text("b"));
    assert_eq!(sheet.cells.len(), 2);
}

#[test]
fn rows_continue_across_batches() {
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, true)]));
    let batch = |values: Vec<i32>| {
        RecordBatch::try_new(schema.clone(), vec![Arc::new(Int32Array::from(values))]).unwrap()
    };
    let t = Table::new(
        schema.clone(),
        vec![batch(vec![1, 2]), batch(vec![]), batch(vec![3])],
    );
    let sheet = xlsx(&t, "");
    assert_eq!(sheet.value("A4"), number(3.0));
}
