//! What a chart draws, taken from the result: the categories along x and one series
//! of numbers per metric column.

use std::borrow::Cow;
use std::collections::HashMap;

use tessera_plugin_sdk::exporter::pytext::{self, NaiveDatetimeFormat};
use tessera_plugin_sdk::exporter::{Cell, CellColumn, RenderError, Table};

/// One metric's values, one per category; `None` where there is nothing to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// The x column's label, if a column gives the categories.
    pub x_name: Option<String>,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Rows in the result, of which `categories.len()` are drawn.
    pub total_rows: usize,
}

/// Which columns a chart uses.
pub struct Selection<'a> {
    pub x: Option<&'a str>,
    pub metrics: &'a [String],
    pub labels: &'a HashMap<String, String>,
    /// The most rows drawn.
    pub max_rows: usize,
}

impl ChartData {
    /// The chart's data, or `None` when there is no numeric column to draw.
    pub fn from_table(table: &Table, selection: &Selection) -> Result<Option<Self>, RenderError> {
        let x = match selection.x {
            Some(name) => Some(column_index(table, name, "x")?),
            None => table
                .schema
                .fields()
                .iter()
                .position(|f| !f.data_type().is_numeric()),
        };
        let metrics: Vec<usize> = if selection.metrics.is_empty() {
            (0..table.schema.fields().len())
                .filter(|&i| Some(i) != x && table.schema.field(i).data_type().is_numeric())
                .collect()
        } else {
            selection
                .metrics
                .iter()
                .map(|name| numeric_column(table, name))
                .collect::<Result<_, _>>()?
        };
        if metrics.is_empty() {
            return Ok(None);
        }

        let label = |index: usize| {
            let name = table.schema.field(index).name();
            selection.labels.get(name).unwrap_or(name).clone()
        };
        let total_rows = table.num_rows();
        let shown = total_rows.min(selection.max_rows);
        let categories = match x {
            Some(index) => categories(table, index, shown),
            None => (1..=shown).map(|n| n.to_string()).collect(),
        };
        let series = metrics
            .iter()
            .map(|&index| Series {
                name: label(index),
                values: column_cells(table, index, shown, |cell| {
                    cell.as_f64().filter(|v| v.is_finite())
                }),
            })
            .collect();
        Ok(Some(Self {
            x_name: x.map(label),
            categories,
            series,
            total_rows,
        }))
    }
}

/// How a value shows in a label or a table cell: NULL as nothing, a timestamp with
/// its column's format, anything else as Superset prints it.
pub fn display<'a>(cell: &Cell<'a>, datetime: &NaiveDatetimeFormat) -> Cow<'a, str> {
    match cell {
        Cell::Timestamp(ts) => Cow::Owned(datetime.format(&ts.local)),
        Cell::Float64(v) if v.is_nan() => Cow::Borrowed(""),
        Cell::Float32(v) if v.is_nan() => Cow::Borrowed(""),
        _ => pytext::cell(cell),
    }
}

fn categories(table: &Table, index: usize, rows: usize) -> Vec<String> {
    let datetime = NaiveDatetimeFormat::for_column(table, index);
    column_cells(table, index, rows, |cell| match cell {
        Cell::Null => "<NULL>".to_owned(),
        cell => display(&cell, &datetime).into_owned(),
    })
}

/// The first `rows` values of column `index`, each read through `read`.
fn column_cells<T>(
    table: &Table,
    index: usize,
    rows: usize,
    mut read: impl FnMut(Cell) -> T,
) -> Vec<T> {
    let mut out = Vec::with_capacity(rows);
    for batch in &table.batches {
        let column = CellColumn::new(batch.column(index).as_ref());
        for row in 0..column.len() {
            if out.len() == rows {
                return out;
            }
            out.push(read(column.get(row)));
        }
    }
    out
}

fn column_index(table: &Table, name: &str, role: &str) -> Result<usize, RenderError> {
    table.schema.index_of(name).map_err(|_| {
        RenderError::new(format!(
            "The result has no column {name:?} to use as {role}"
        ))
    })
}

fn numeric_column(table: &Table, name: &str) -> Result<usize, RenderError> {
    let index = column_index(table, name, "a metric")?;
    let data_type = table.schema.field(index).data_type();
    if data_type.is_numeric() {
        Ok(index)
    } else {
        Err(RenderError::new(format!(
            "The metric column {name:?} holds {data_type}, not numbers"
        )))
    }
}
