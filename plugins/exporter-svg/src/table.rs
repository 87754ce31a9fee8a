//! A table drawn as SVG: a header row and as many rows as fit the canvas, columns
//! sized to their content and cut with an ellipsis, numbers aligned right.

use std::collections::HashMap;

use tessera_plugin_sdk::exporter::pytext::NaiveDatetimeFormat;
use tessera_plugin_sdk::exporter::{CellColumn, Table};

use crate::canvas::{Canvas, PADDING};
use crate::data::display;
use crate::svg::{Anchor, FONT_SIZE, TextStyle, fit, text_width};

const ROW_HEIGHT: f64 = 24.0;
const CELL_PADDING: f64 = 8.0;
const MIN_COLUMN: f64 = 48.0;
const MAX_COLUMN: f64 = 320.0;
const HEADER_FILL: &str = "#F5F5F5";
const RULE: &str = "#E0E0E0";
/// The line under the table that says what was left out.
const FOOTER_HEIGHT: f64 = 20.0;

pub fn draw(mut canvas: Canvas, table: &Table, labels: &HashMap<String, String>) -> String {
    let fields = table.schema.fields();
    if fields.is_empty() {
        let middle = (canvas.width / 2.0, (canvas.top + canvas.height) / 2.0);
        canvas.message(middle, "No data");
        return canvas.svg.finish();
    }

    let total_rows = table.num_rows();
    let fitting =
        ((canvas.height - canvas.top - PADDING - FOOTER_HEIGHT) / ROW_HEIGHT).floor() as usize;
    let shown = total_rows.min(fitting.saturating_sub(1));

    let headers: Vec<&String> = fields
        .iter()
        .map(|f| labels.get(f.name()).unwrap_or(f.name()))
        .collect();
    let numeric: Vec<bool> = fields.iter().map(|f| f.data_type().is_numeric()).collect();
    let rows = cell_texts(table, shown);

    let available = canvas.width - 2.0 * PADDING;
    let widths = column_widths(&headers, &rows, available);
    let drawn_columns = widths.len();

    let svg = &mut canvas.svg;
    let mut y = canvas.top;
    svg.group("table", None);
    svg.rect(
        PADDING,
        y,
        widths.iter().sum(),
        ROW_HEIGHT,
        HEADER_FILL,
        None,
    );
    let mut x = PADDING;
    for (header, width) in headers.iter().zip(&widths) {
        let text = fit(header, width - 2.0 * CELL_PADDING, FONT_SIZE * 1.1);
        svg.text(
            (x + CELL_PADDING, y + 16.0),
            Anchor::Start,
            TextStyle::Bold,
            &text,
        );
        x += width;
    }
    y += ROW_HEIGHT;
    for row in &rows {
        let mut x = PADDING;
        for ((text, width), numeric) in row.iter().zip(&widths).zip(&numeric) {
            let text = fit(text, width - 2.0 * CELL_PADDING, FONT_SIZE);
            let (at, anchor) = if *numeric {
                (x + width - CELL_PADDING, Anchor::End)
            } else {
                (x + CELL_PADDING, Anchor::Start)
            };
            svg.text((at, y + 16.0), anchor, TextStyle::Plain, &text);
            x += width;
        }
        y += ROW_HEIGHT;
        svg.line(
            (PADDING, y),
            (PADDING + widths.iter().sum::<f64>(), y),
            RULE,
        );
    }
    svg.end_group();

    let mut notes = Vec::new();
    if total_rows == 0 {
        notes.push("No data".to_owned());
    } else if shown < total_rows {
        notes.push(format!("First {shown} of {total_rows} rows"));
    }
    if drawn_columns < fields.len() {
        notes.push(format!("{} more columns", fields.len() - drawn_columns));
    }
    if !notes.is_empty() {
        svg.text(
            (PADDING, y + 16.0),
            Anchor::Start,
            TextStyle::Muted,
            &notes.join(" · "),
        );
    }
    canvas.svg.finish()
}

/// The text of the first `rows` rows, a timestamp column printed with one format.
fn cell_texts(table: &Table, rows: usize) -> Vec<Vec<String>> {
    let formats: Vec<NaiveDatetimeFormat> = (0..table.schema.fields().len())
        .map(|index| NaiveDatetimeFormat::for_column(table, index))
        .collect();
    let mut out = Vec::with_capacity(rows);
    for batch in &table.batches {
        let columns: Vec<CellColumn> = batch
            .columns()
            .iter()
            .map(|c| CellColumn::new(c.as_ref()))
            .collect();
        for row in 0..batch.num_rows() {
            if out.len() == rows {
                return out;
            }
            out.push(
                columns
                    .iter()
                    .zip(&formats)
                    .map(|(column, format)| display(&column.get(row), format).into_owned())
                    .collect(),
            );
        }
    }
    out
}

/// Each column as wide as its widest text (within bounds), shrunk together to fit
/// `available`; the columns that still do not fit are left out.
fn column_widths(headers: &[&String], rows: &[Vec<String>], available: f64) -> Vec<f64> {
    let wanted: Vec<f64> = headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let widest = rows
                .iter()
                .map(|row| text_width(&row[index], FONT_SIZE))
                .fold(text_width(header, FONT_SIZE * 1.1), f64::max);
            (widest + 2.0 * CELL_PADDING).clamp(MIN_COLUMN, MAX_COLUMN)
        })
        .collect();
    let total: f64 = wanted.iter().sum();
    if total <= available {
        return wanted;
    }
    let scale = (available / total).max(MIN_COLUMN / MAX_COLUMN);
    let mut widths = Vec::new();
    let mut used = 0.0;
    for width in wanted {
        let width = (width * scale).max(MIN_COLUMN);
        if used + width > available {
            break;
        }
        used += width;
        widths.push(width);
    }
    widths
}
