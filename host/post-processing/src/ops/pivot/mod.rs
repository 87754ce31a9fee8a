//! `pivot`: Superset's `pandas.pivot_table` call. The result keeps the index columns
//! as the row index and labels columns `(metric, series values...)`; `rename` and
//! `flatten` usually follow.

mod keys;

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::UInt32Array;
use serde::Deserialize;

use crate::aggregates::{Aggregate, AggregateSpec, resolve};
use crate::error::{PostProcessingError, Result};
use crate::frame::{Column, Frame, IndexLevel, Label, RowIndex};
use crate::options::Pairs;
use crate::values::float_array;
use keys::Key;

/// What Superset fills missing series values with.
const NULL_STRING: &str = "<NULL>";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PivotOptions {
    #[serde(default)]
    index: Vec<String>,
    #[serde(default)]
    aggregates: Pairs<AggregateSpec>,
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default)]
    metric_fill_value: Option<f64>,
    #[serde(default = "null_string")]
    column_fill_value: Option<String>,
    #[serde(default = "drop_by_default")]
    drop_missing_columns: Option<bool>,
    #[serde(default)]
    combine_value_with_metric: bool,
    #[serde(default)]
    marginal_distributions: Option<bool>,
    #[serde(default)]
    marginal_distribution_name: Option<String>,
}

fn null_string() -> Option<String> {
    Some(NULL_STRING.to_string())
}

fn drop_by_default() -> Option<bool> {
    Some(true)
}

/// A cell of the table: the ranks of its index values and of its series values.
type CellKey = (Vec<u32>, Vec<u32>);

/// Each cell's value of each metric; `None` is NaN.
type Cells = BTreeMap<CellKey, Vec<Option<f64>>>;

pub(crate) fn pivot(frame: Frame, options: PivotOptions) -> Result<Frame> {
    if options.index.is_empty() {
        return Err(PostProcessingError::new(
            "Pivot operation requires at least one index",
        ));
    }
    if options.aggregates.is_empty() {
        return Err(PostProcessingError::new(
            "Pivot operation must include at least one aggregate",
        ));
    }
    if options.marginal_distributions == Some(true) || options.marginal_distribution_name.is_some()
    {
        return Err(PostProcessingError::new(
            "Pivot marginal distributions are not supported",
        ));
    }
    let series = options.columns.unwrap_or_default();
    frame.require_names(options.index.iter().chain(&series).map(String::as_str))?;
    // `drop_missing_columns: null` is falsy in Superset too.
    let dropna = options.drop_missing_columns.unwrap_or(false);
    let fill = options
        .column_fill_value
        .as_deref()
        .filter(|f| !f.is_empty());

    let index_keys = options
        .index
        .iter()
        .map(|name| Key::index(&frame, name))
        .collect::<Result<Vec<_>>>()?;
    let series_keys = series
        .iter()
        .map(|name| Key::series(&frame, name, fill))
        .collect::<Result<Vec<_>>>()?;
    let metrics = value_columns(&frame, options.aggregates)?;
    let cells = cells(&frame, &index_keys, &series_keys, &metrics, dropna)?;
    let rows = row_keys(&cells, index_keys.len(), dropna);

    let table = Table {
        cells: &cells,
        rows: &rows,
        series_keys: &series_keys,
        fill: options.metric_fill_value,
    };
    let mut columns = table.columns(&metrics, options.combine_value_with_metric, dropna);
    let mut level_names: Vec<Option<String>> = series.into_iter().map(Some).collect();
    if options.combine_value_with_metric {
        // pandas' stack/unstack: the metric becomes the last level, sorted after the series.
        columns.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        level_names.push(None);
    } else {
        level_names.insert(0, None);
    }
    Ok(Frame {
        rows: rows.len(),
        index: RowIndex::Levels(index_levels(&index_keys, options.index, &rows)?),
        level_names,
        columns: columns.into_iter().map(|(_, _, column)| column).collect(),
    })
}

/// pivot_table aggregates each value column once (the last aggregate naming it
/// wins), names the result after the column, and sorts by that name.
fn value_columns(
    frame: &Frame,
    aggregates: Pairs<AggregateSpec>,
) -> Result<Vec<(Aggregate, Vec<Option<f64>>)>> {
    let mut metrics = resolve(frame, aggregates)?;
    metrics.reverse();
    let mut seen = BTreeSet::new();
    metrics.retain(|m| seen.insert(m.column.clone()));
    metrics.sort_by(|a, b| a.column.cmp(&b.column));
    metrics
        .into_iter()
        .map(|m| {
            let inputs = m.inputs(frame)?;
            Ok((m, inputs))
        })
        .collect()
}

/// The rows grouped into cells and each metric aggregated per cell. With `dropna`,
/// rows with a missing key and cells with only missing results are left out.
fn cells(
    frame: &Frame,
    index_keys: &[Key],
    series_keys: &[Key],
    metrics: &[(Aggregate, Vec<Option<f64>>)],
    dropna: bool,
) -> Result<Cells> {
    let mut members: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
    for row in 0..frame.rows {
        if dropna && index_keys.iter().chain(series_keys).any(|k| k.drops(row)) {
            continue;
        }
        let ranks = |keys: &[Key]| keys.iter().map(|k| k.ranks.of_row[row]).collect::<Vec<_>>();
        members
            .entry((ranks(index_keys), ranks(series_keys)))
            .or_default()
            .push(row);
    }
    let mut cells: Cells = members
        .into_iter()
        .map(|(key, rows)| {
            let values = metrics
                .iter()
                .map(|(metric, inputs)| {
                    metric
                        .function
                        .apply(&rows.iter().map(|&r| inputs[r]).collect::<Vec<_>>())
                })
                .collect();
            (key, values)
        })
        .collect();
    if dropna {
        cells.retain(|_, values| values.iter().any(Option::is_some));
    }
    Ok(cells)
}

/// The result's rows: the index values seen, sorted; without `dropna`, pandas
/// spans every combination of several index levels' values.
fn row_keys(cells: &Cells, levels: usize, dropna: bool) -> Vec<Vec<u32>> {
    let seen: BTreeSet<&Vec<u32>> = cells.keys().map(|(r, _)| r).collect();
    if dropna || levels < 2 {
        return seen.into_iter().cloned().collect();
    }
    let per_level: Vec<BTreeSet<u32>> = (0..levels)
        .map(|l| seen.iter().map(|key| key[l]).collect())
        .collect();
    per_level.iter().fold(vec![Vec::new()], |keys, values| {
        keys.iter()
            .flat_map(|key| values.iter().map(move |&v| [key.as_slice(), &[v]].concat()))
            .collect()
    })
}

/// The pivoted table being laid out as columns.
struct Table<'a> {
    cells: &'a Cells,
    rows: &'a [Vec<u32>],
    series_keys: &'a [Key],
    fill: Option<f64>,
}

impl Table<'_> {
    /// One column per metric and series combination seen, in pandas' label order
    /// `(metric, series...)`, each with its series ranks and metric position for
    /// reordering. With `dropna`, columns left without any value are dropped.
    fn columns(
        &self,
        metrics: &[(Aggregate, Vec<Option<f64>>)],
        metric_last: bool,
        dropna: bool,
    ) -> Vec<(Vec<u32>, usize, Column)> {
        let combos: BTreeSet<&Vec<u32>> = self.cells.keys().map(|(_, s)| s).collect();
        let mut columns = Vec::new();
        for (m, (metric, _)) in metrics.iter().enumerate() {
            for &combo in &combos {
                let values: Vec<Option<f64>> = self
                    .rows
                    .iter()
                    .map(|row| {
                        self.cells
                            .get(&(row.clone(), combo.clone()))
                            .and_then(|v| v[m])
                            .or(self.fill)
                    })
                    .collect();
                if dropna && values.iter().all(Option::is_none) {
                    continue;
                }
                let label = self.label(&metric.column, combo, metric_last);
                columns.push((
                    combo.clone(),
                    m,
                    Column {
                        label,
                        values: float_array(values),
                    },
                ));
            }
        }
        columns
    }

    fn label(&self, metric: &str, combo: &[u32], metric_last: bool) -> Label {
        let series = combo
            .iter()
            .zip(self.series_keys)
            .map(|(&rank, key)| key.label(rank));
        let metric = Some(metric.to_string());
        if metric_last {
            series.chain([metric]).collect()
        } else {
            [metric].into_iter().chain(series).collect()
        }
    }
}

/// The row index: each index column's value for each result row.
fn index_levels(keys: &[Key], names: Vec<String>, rows: &[Vec<u32>]) -> Result<Vec<IndexLevel>> {
    keys.iter()
        .zip(names)
        .enumerate()
        .map(|(level, (key, name))| {
            let positions: UInt32Array = rows
                .iter()
                .map(|row| key.ranks.row_of(row[level]) as u32)
                .collect();
            let values = arrow_select::take::take(key.values.as_ref(), &positions, None)?;
            Ok(IndexLevel {
                name: Some(name),
                values,
            })
        })
        .collect()
}
