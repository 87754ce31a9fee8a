//! `aggregate`: group by columns (or all rows) and reduce with numpy functions.

use std::collections::BTreeMap;

use arrow_array::UInt32Array;
use serde::Deserialize;

use crate::aggregates::{AggregateSpec, resolve};
use crate::error::Result;
use crate::frame::{Column, Frame, RowIndex};
use crate::options::Pairs;
use crate::rank::rank;
use crate::values::float_array;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AggregateOptions {
    #[serde(default)]
    groupby: Vec<String>,
    #[serde(default)]
    aggregates: Pairs<AggregateSpec>,
}

pub(crate) fn aggregate(frame: Frame, options: AggregateOptions) -> Result<Frame> {
    frame.require_names(options.groupby.iter().map(String::as_str))?;
    let aggregates = resolve(&frame, options.aggregates)?;
    let keys = options
        .groupby
        .iter()
        .map(|name| Ok((frame.column(name)?.clone(), rank(frame.column(name)?)?)))
        .collect::<Result<Vec<_>>>()?;

    // pandas' groupby sorts the groups and drops rows with a missing key.
    let mut groups: BTreeMap<Vec<u32>, Vec<usize>> = BTreeMap::new();
    for row in 0..frame.rows {
        if keys.iter().all(|(_, ranks)| !ranks.is_missing(row)) {
            let key = keys.iter().map(|(_, ranks)| ranks.of_row[row]).collect();
            groups.entry(key).or_default().push(row);
        }
    }

    let mut columns = Vec::new();
    for (level, (name, (values, ranks))) in options.groupby.into_iter().zip(&keys).enumerate() {
        let rows: UInt32Array = groups
            .keys()
            .map(|key| ranks.row_of(key[level]) as u32)
            .collect();
        let values = arrow_select::take::take(values.as_ref(), &rows, None)?;
        columns.push(Column {
            label: vec![Some(name)],
            values,
        });
    }
    for aggregate in &aggregates {
        let inputs = aggregate.inputs(&frame)?;
        let results = groups.values().map(|rows| {
            aggregate
                .function
                .apply(&rows.iter().map(|&r| inputs[r]).collect::<Vec<_>>())
        });
        columns.push(Column {
            label: vec![Some(aggregate.name.clone())],
            values: float_array(results),
        });
    }
    Ok(Frame {
        rows: groups.len(),
        index: RowIndex::Range,
        level_names: vec![None],
        columns,
    })
}
