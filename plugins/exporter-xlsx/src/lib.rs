//! Tessera's XLSX exporter: one sheet, `Sheet1`, with a header row and typed cells, as
//! Superset's `result_format=xlsx` (pandas' `to_excel` through xlsxwriter, after
//! `superset/utils/excel.py`):
//!
//! - the header in bold with thin borders, centred, as pandas styles it;
//! - numbers as numbers, except that beyond 10^15 (more digits than Excel keeps) they
//!   are written as text; NaN as a blank, infinities as the text `inf`/`-inf`;
//! - dates, naive timestamps and times as Excel dates with the formats `YYYY-MM-DD`,
//!   `YYYY-MM-DD HH:MM:SS`, `HH:MM:SS`; zoned timestamps as text with their offset
//!   (Excel has no time zones);
//! - booleans as booleans, NULL as a blank cell;
//! - text as text, with a `'` before a leading `=`, `+`, `-` or `@` so no spreadsheet
//!   runs it as a formula, and cut at Excel's 32,767 characters.
//!
//! Options (JSON, optional): `labels` maps column names to header labels.

mod cells;

use std::collections::HashMap;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Deserialize;
use tessera_plugin_sdk::exporter::{CellColumn, Exporter, ExporterDescription, RenderError, Table};

use crate::cells::{CellWriter, text};

/// Excel's sheet size.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;

/// The plugin.
pub struct Xlsx;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct XlsxOptions {
    /// Header labels by column name; columns not named keep their name.
    pub labels: HashMap<String, String>,
}

impl Exporter for Xlsx {
    type Options = XlsxOptions;

    fn describe() -> ExporterDescription {
        ExporterDescription {
            name: "exporter-xlsx".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            format: "xlsx".into(),
            mime_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            file_extension: "xlsx".into(),
        }
    }

    fn render(table: &Table, options: XlsxOptions) -> Result<Vec<u8>, RenderError> {
        let columns = table.schema.fields().len();
        if columns > MAX_COLUMNS {
            return Err(RenderError::new(format!(
                "The result has {columns} columns; an Excel sheet holds at most {MAX_COLUMNS}"
            )));
        }
        let rows = table.num_rows();
        if rows >= MAX_ROWS {
            return Err(RenderError::new(format!(
                "The result has {rows} rows; an Excel sheet holds at most {} below its header",
                MAX_ROWS - 1
            )));
        }

        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let header = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::Top);
        for (col, field) in (0u16..).zip(table.schema.fields()) {
            let name = field.name();
            let label = options.labels.get(name).unwrap_or(name);
            sheet
                .write_string_with_format(0, col, text(label), &header)
                .map_err(xlsx_error)?;
        }

        let mut writer = CellWriter::new(sheet);
        let mut row = 1u32;
        for batch in &table.batches {
            let columns: Vec<CellColumn> = batch
                .columns()
                .iter()
                .map(|c| CellColumn::new(c.as_ref()))
                .collect();
            for index in 0..batch.num_rows() {
                for (col, column) in (0u16..).zip(&columns) {
                    writer
                        .write(row, col, column.get(index))
                        .map_err(xlsx_error)?;
                }
                row += 1;
            }
        }
        workbook.save_to_buffer().map_err(xlsx_error)
    }
}

tessera_plugin_sdk::export_exporter!(Xlsx);

fn xlsx_error(err: XlsxError) -> RenderError {
    RenderError::new(format!("Could not write the workbook: {err}"))
}
