//! Tessera's SVG exporter: draws a query result as a chart image without a browser.
//!
//! Options (JSON, all optional):
//!
//! - `viz_type`: `dist_bar`, `bar` and `echarts_timeseries_bar` draw bars;
//!   `line`, `echarts_timeseries_line` and `echarts_timeseries` draw lines; anything
//!   else (`table` included, and the default) draws a table.
//! - `x`: the column along the x axis; by default the first non-numeric column (text,
//!   dates, timestamps...), or the row number when every column is numeric.
//! - `metrics`: the numeric columns drawn as series; by default every numeric column
//!   but `x`. A chart with nothing numeric to draw falls back to a table.
//! - `title`, `width` (default 800) and `height` (default 450), in pixels.
//! - `labels`: display names by column name, for the legend, axis and header.
//!
//! Categories keep the result's order. The value axis always includes zero. Charts
//! draw at most 5,000 rows and tables as many as fit the canvas; a note says so. The
//! same input always gives the same bytes.

mod axis;
mod canvas;
mod chart;
mod data;
mod svg;
mod table;

use std::collections::HashMap;

use serde::Deserialize;
use tessera_plugin_sdk::exporter::{Exporter, ExporterDescription, RenderError, Table};

use crate::canvas::Canvas;
use crate::chart::Kind;
use crate::data::{ChartData, Selection};

/// The most rows a chart draws.
const CHART_ROWS: usize = 5_000;
/// Canvas bounds, in pixels.
const MIN_SIZE: u32 = 150;
const MAX_SIZE: u32 = 10_000;

/// The plugin.
pub struct SvgChart;

#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct SvgOptions {
    pub viz_type: String,
    pub x: Option<String>,
    pub metrics: Vec<String>,
    pub title: Option<String>,
    pub width: u32,
    pub height: u32,
    pub labels: HashMap<String, String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        Self {
            viz_type: "table".into(),
            x: None,
            metrics: Vec::new(),
            title: None,
            width: 800,
            height: 450,
            labels: HashMap::new(),
        }
    }
}

impl Exporter for SvgChart {
    type Options = SvgOptions;

    fn describe() -> ExporterDescription {
        ExporterDescription {
            name: "exporter-svg".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            format: "svg".into(),
            mime_type: "image/svg+xml".into(),
            file_extension: "svg".into(),
        }
    }

    fn render(table: &Table, options: SvgOptions) -> Result<Vec<u8>, RenderError> {
        for (name, value) in [("width", options.width), ("height", options.height)] {
            if !(MIN_SIZE..=MAX_SIZE).contains(&value) {
                return Err(RenderError::new(format!(
                    "The {name} must be between {MIN_SIZE} and {MAX_SIZE} pixels, not {value}"
                )));
            }
        }
        let canvas = Canvas::new(
            f64::from(options.width),
            f64::from(options.height),
            options.title.as_deref(),
        );
        let svg = match chart_kind(&options.viz_type) {
            Some(kind) => {
                let selection = Selection {
                    x: options.x.as_deref(),
                    metrics: &options.metrics,
                    labels: &options.labels,
                    max_rows: CHART_ROWS,
                };
                match ChartData::from_table(table, &selection)? {
                    Some(data) => chart::draw(canvas, kind, &data),
                    None => table::draw(canvas, table, &options.labels),
                }
            }
            None => table::draw(canvas, table, &options.labels),
        };
        Ok(svg.into_bytes())
    }
}

tessera_plugin_sdk::export_exporter!(SvgChart);

fn chart_kind(viz_type: &str) -> Option<Kind> {
    match viz_type {
        "dist_bar" | "bar" | "echarts_timeseries_bar" => Some(Kind::Bar),
        "line" | "echarts_timeseries_line" | "echarts_timeseries" => Some(Kind::Line),
        _ => None,
    }
}
