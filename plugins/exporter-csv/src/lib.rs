//! Tessera's CSV exporter: what Superset sends for `result_format=csv`, which is
//! pandas' `DataFrame.to_csv(index=False, escapechar="\\")` after Superset's formula
//! escaping (`superset/utils/csv.py`).
//!
//! Values print as pandas prints them (see `tessera_plugin_sdk::exporter::pytext`):
//! NULL and NaN as nothing, booleans as `True`/`False`, floats as Python's `repr`,
//! decimals as `str(Decimal)`, a naive timestamp column with one format for the
//! column, a zoned timestamp with its offset. Lines end in `\n`.
//!
//! Options (JSON, all optional): `labels` maps column names to header labels (Superset
//! heads columns with verbose names and metric labels); `include_bom` (default `true`)
//! starts the file with a UTF-8 byte order mark. Superset's chart data endpoint sends
//! a single query's CSV without one (pandas ignores `CSV_EXPORT`'s `utf-8-sig` when it
//! returns a string) but SQL Lab's export and the zipped multi-query CSVs have one.

mod escape;

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use tessera_plugin_sdk::arrow_schema::DataType;
use tessera_plugin_sdk::exporter::pytext::{self, NaiveDatetimeFormat};
use tessera_plugin_sdk::exporter::{
    Cell, CellColumn, Exporter, ExporterDescription, RenderError, Table,
};

use crate::escape::{escape_formula, push_field};

const BOM: &str = "\u{feff}";

/// The plugin.
pub struct Csv;

#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    /// Header labels by column name; columns not named keep their name.
    pub labels: HashMap<String, String>,
    pub include_bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            labels: HashMap::new(),
            include_bom: true,
        }
    }
}

impl Exporter for Csv {
    type Options = CsvOptions;

    fn describe() -> ExporterDescription {
        ExporterDescription {
            name: "exporter-csv".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            format: "csv".into(),
            mime_type: "text/csv; charset=utf-8".into(),
            file_extension: "csv".into(),
        }
    }

    fn render(table: &Table, options: CsvOptions) -> Result<Vec<u8>, RenderError> {
        let mut out = String::new();
        if options.include_bom {
            out.push_str(BOM);
        }
        let header = table.schema.fields().iter().map(|field| {
            let name = field.name();
            escape_formula(options.labels.get(name).unwrap_or(name))
        });
        push_record(&mut out, header);

        let datetime_formats = naive_datetime_formats(table);
        for batch in &table.batches {
            let columns: Vec<CellColumn> = batch
                .columns()
                .iter()
                .map(|c| CellColumn::new(c.as_ref()))
                .collect();
            for row in 0..batch.num_rows() {
                let fields = columns
                    .iter()
                    .zip(&datetime_formats)
                    .map(|(column, format)| field_text(column.get(row), format.as_ref()));
                push_record(&mut out, fields);
            }
        }
        Ok(out.into_bytes())
    }
}

tessera_plugin_sdk::export_exporter!(Csv);

/// The text of one value, before quoting; `datetime_format` is the column's when it
/// holds naive timestamps.
fn field_text<'a>(cell: Cell<'a>, datetime_format: Option<&NaiveDatetimeFormat>) -> Cow<'a, str> {
    match (cell, datetime_format) {
        (Cell::Float64(v), _) if v.is_nan() => Cow::Borrowed(""),
        (Cell::Float32(v), _) if v.is_nan() => Cow::Borrowed(""),
        (Cell::Text(text), _) => escape_formula(text),
        (Cell::Other(text), _) => Cow::Owned(escape_formula(&text).into_owned()),
        (Cell::Timestamp(ts), Some(format)) if ts.offset.is_none() => {
            Cow::Owned(format.format(&ts.local))
        }
        (cell, _) => pytext::cell(&cell),
    }
}

/// One line. Like Python's csv module, a line of a single empty field is written
/// `""` so that it does not read as a blank line.
fn push_record<'a>(out: &mut String, fields: impl Iterator<Item = Cow<'a, str>>) {
    let start = out.len();
    let mut count = 0;
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, &field);
        count += 1;
    }
    if count == 1 && out.len() == start {
        out.push_str("\"\"");
    }
    out.push('\n');
}

/// For each naive timestamp column, the one format pandas would print it with.
fn naive_datetime_formats(table: &Table) -> Vec<Option<NaiveDatetimeFormat>> {
    (0..table.schema.fields().len())
        .map(|index| {
            matches!(
                table.schema.field(index).data_type(),
                DataType::Timestamp(_, None)
            )
            .then(|| NaiveDatetimeFormat::for_column(table, index))
        })
        .collect()
}
