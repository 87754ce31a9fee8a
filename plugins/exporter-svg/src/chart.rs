//! Bar and line charts: a title, a legend, a value axis with grid lines, categories
//! along x, one colour per series.

use tessera_plugin_sdk::exporter::pytext;

use crate::axis::{ValueAxis, short_number};
use crate::canvas::{Canvas, PADDING};
use crate::data::ChartData;
use crate::svg::{Anchor, FONT_SIZE, Svg, TextStyle, fit, text_width};

/// Superset's default categorical palette (`supersetColors`).
const PALETTE: [&str; 10] = [
    "#1FA8C9", "#454E7C", "#5AC189", "#FF7F44", "#666666", "#E04355", "#FCC700", "#A868B7",
    "#3CCCCB", "#A38F79",
];
const LINE_HEIGHT: f64 = 18.0;
const GRID: &str = "#E0E0E0";
const AXIS: &str = "#999999";
/// Legend rows drawn at most; further series are counted instead.
const LEGEND_ROWS: usize = 3;
/// Lines get a dot per point up to this many categories (and always for a lone point).
const DOTTED_POINTS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bar,
    Line,
}

pub fn draw(mut canvas: Canvas, kind: Kind, data: &ChartData) -> String {
    if data.categories.len() < data.total_rows {
        canvas.note(&format!(
            "First {} of {} rows",
            data.categories.len(),
            data.total_rows
        ));
    }
    let legend_bottom = legend(&mut canvas, data);

    let axis = ValueAxis::new(
        data.series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied()),
        5,
    );
    let tick_labels: Vec<String> = axis.ticks.iter().map(|t| short_number(*t)).collect();
    let label_width = tick_labels
        .iter()
        .map(|l| text_width(l, FONT_SIZE))
        .fold(0.0, f64::max);
    let x_axis_height = LINE_HEIGHT
        + if data.x_name.is_some() {
            LINE_HEIGHT
        } else {
            0.0
        };
    let plot = Plot {
        left: PADDING + label_width + 8.0,
        right: canvas.width - PADDING,
        top: legend_bottom + 8.0,
        bottom: (canvas.height - PADDING - x_axis_height).max(legend_bottom + 16.0),
    };

    let svg = &mut canvas.svg;
    svg.group("y-axis", None);
    for (tick, label) in axis.ticks.iter().zip(&tick_labels) {
        let y = axis.position(*tick, plot.bottom, plot.top);
        let stroke = if *tick == 0.0 { AXIS } else { GRID };
        svg.line((plot.left, y), (plot.right, y), stroke);
        svg.text(
            (plot.left - 6.0, y + 4.0),
            Anchor::End,
            TextStyle::Muted,
            label,
        );
    }
    svg.end_group();

    if data.categories.is_empty() {
        canvas.message(
            (
                (plot.left + plot.right) / 2.0,
                (plot.top + plot.bottom) / 2.0,
            ),
            "No data",
        );
        return canvas.svg.finish();
    }
    x_axis(svg, &plot, data);
    match kind {
        Kind::Bar => bars(svg, &plot, &axis, data),
        Kind::Line => lines(svg, &plot, &axis, data),
    }
    canvas.svg.finish()
}

/// The plotting area.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Plot {
    fn band(&self, count: usize) -> f64 {
        (self.right - self.left) / count as f64
    }
}

/// One swatch and name per series, wrapped into rows; returns where it ends.
fn legend(canvas: &mut Canvas, data: &ChartData) -> f64 {
    let max_width = canvas.width - 2.0 * PADDING;
    let (mut x, mut row) = (PADDING, 0);
    let top = canvas.top;
    canvas.svg.group("legend", None);
    for (index, series) in data.series.iter().enumerate() {
        let name = fit(&series.name, max_width - 16.0, FONT_SIZE);
        let width = 16.0 + text_width(&name, FONT_SIZE) + 16.0;
        if x > PADDING && x + width > PADDING + max_width {
            row += 1;
            x = PADDING;
        }
        let y = top + row as f64 * LINE_HEIGHT;
        if row == LEGEND_ROWS {
            let rest = data.series.len() - index;
            let more = format!("and {rest} more");
            canvas
                .svg
                .text((x, y + 10.0), Anchor::Start, TextStyle::Muted, &more);
            break;
        }
        canvas.svg.rect(x, y, 12.0, 12.0, color(index), None);
        canvas
            .svg
            .text((x + 16.0, y + 10.0), Anchor::Start, TextStyle::Plain, &name);
        x += width;
    }
    canvas.svg.end_group();
    top + (row.min(LEGEND_ROWS) + 1) as f64 * LINE_HEIGHT
}

/// Category labels, thinned so they do not overlap, and the x column's name.
fn x_axis(svg: &mut Svg, plot: &Plot, data: &ChartData) {
    let count = data.categories.len();
    let band = plot.band(count);
    let widest = data
        .categories
        .iter()
        .map(|c| text_width(c, FONT_SIZE))
        .fold(0.0, f64::max)
        .min(160.0);
    let every = ((widest + 8.0) / band).ceil().max(1.0) as usize;
    svg.group("x-axis", None);
    svg.line((plot.left, plot.bottom), (plot.right, plot.bottom), AXIS);
    for (index, category) in data.categories.iter().enumerate().step_by(every) {
        let x = plot.left + (index as f64 + 0.5) * band;
        let label = fit(category, band * every as f64 - 4.0, FONT_SIZE);
        svg.text(
            (x, plot.bottom + 14.0),
            Anchor::Middle,
            TextStyle::Muted,
            &label,
        );
    }
    if let Some(name) = &data.x_name {
        let name = fit(name, plot.right - plot.left, FONT_SIZE);
        svg.text(
            (
                (plot.left + plot.right) / 2.0,
                plot.bottom + 14.0 + LINE_HEIGHT,
            ),
            Anchor::Middle,
            TextStyle::Bold,
            &name,
        );
    }
    svg.end_group();
}

fn bars(svg: &mut Svg, plot: &Plot, axis: &ValueAxis, data: &ChartData) {
    let band = plot.band(data.categories.len());
    let bar_width = band * 0.8 / data.series.len() as f64;
    let zero = axis.position(0.0, plot.bottom, plot.top);
    for (index, series) in data.series.iter().enumerate() {
        svg.group("series", Some(&series.name));
        for (i, value) in series.values.iter().enumerate() {
            let Some(value) = value else { continue };
            let x = plot.left + i as f64 * band + band * 0.1 + index as f64 * bar_width;
            let y = axis.position(*value, plot.bottom, plot.top);
            let title = tooltip(&data.categories[i], &series.name, *value);
            svg.rect(
                x,
                y.min(zero),
                bar_width,
                (y - zero).abs(),
                color(index),
                Some(&title),
            );
        }
        svg.end_group();
    }
}

fn lines(svg: &mut Svg, plot: &Plot, axis: &ValueAxis, data: &ChartData) {
    let count = data.categories.len();
    let band = plot.band(count);
    for (index, series) in data.series.iter().enumerate() {
        let points: Vec<Option<(f64, f64)>> = series
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.map(|v| {
                    let x = plot.left + (i as f64 + 0.5) * band;
                    (x, axis.position(v, plot.bottom, plot.top))
                })
            })
            .collect();
        let runs: Vec<Vec<(f64, f64)>> = points
            .split(Option::is_none)
            .map(|run| run.iter().flatten().copied().collect())
            .collect();
        svg.group("series", Some(&series.name));
        svg.path(&runs, color(index));
        for (i, point) in points.iter().enumerate() {
            let Some(point) = point else { continue };
            let lonely = i.checked_sub(1).is_none_or(|p| points[p].is_none())
                && points.get(i + 1).is_none_or(Option::is_none);
            if count <= DOTTED_POINTS || lonely {
                let value = series.values[i].unwrap_or_default();
                let title = tooltip(&data.categories[i], &series.name, value);
                svg.circle(*point, 3.0, color(index), Some(&title));
            }
        }
        svg.end_group();
    }
}

fn color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

fn tooltip(category: &str, series: &str, value: f64) -> String {
    let value = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        pytext::float64(value)
    };
    format!("{category} · {series}: {value}")
}
