//! `sort`: by column values (`by`) or by the row index (`is_sort_index`).

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, RowIndex};
use crate::options::OneOrMany;
use crate::rank::{Ranks, compare_rows, rank};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SortOptions {
    #[serde(default)]
    is_sort_index: bool,
    #[serde(default)]
    by: Option<OneOrMany<String>>,
    #[serde(default)]
    ascending: Option<OneOrMany<bool>>,
}

pub(crate) fn sort(frame: Frame, options: SortOptions) -> Result<Frame> {
    let by = options.by.map(OneOrMany::into_vec).unwrap_or_default();
    frame.require_names(by.iter().map(String::as_str))?;
    let ascending = options
        .ascending
        .map(OneOrMany::into_vec)
        .unwrap_or_else(|| vec![true]);
    if options.is_sort_index {
        return sort_index(frame, &ascending);
    }
    if by.is_empty() {
        return Ok(frame);
    }
    let directions = directions(&ascending, by.len())?;
    let keys = by
        .iter()
        .zip(directions)
        .map(|(name, ascending)| Ok((rank(frame.column(name)?)?, ascending)))
        .collect::<Result<Vec<_>>>()?;
    reorder(frame, &keys)
}

fn sort_index(frame: Frame, ascending: &[bool]) -> Result<Frame> {
    let first_ascending = ascending.first().copied().unwrap_or(true);
    let levels = match &frame.index {
        // A default index sorts to itself, or reversed.
        RowIndex::Range if first_ascending => return Ok(frame),
        RowIndex::Range => {
            let reversed: Vec<u32> = (0..frame.rows as u32).rev().collect();
            return frame.reorder(&reversed);
        }
        RowIndex::Levels(levels) => levels,
    };
    let directions = directions(ascending, levels.len())?;
    let keys = levels
        .iter()
        .zip(directions)
        .map(|(level, ascending)| Ok((rank(&level.values)?, ascending)))
        .collect::<Result<Vec<_>>>()?;
    reorder(frame, &keys)
}

/// One direction per key: a single flag applies to all, a list must match.
fn directions(ascending: &[bool], keys: usize) -> Result<Vec<bool>> {
    match ascending {
        [single] => Ok(vec![*single; keys]),
        many if many.len() == keys => Ok(many.to_vec()),
        many => Err(PostProcessingError::new(format!(
            "Length of ascending ({}) != length of by ({keys})",
            many.len()
        ))),
    }
}

/// A stable sort of the rows by the keys, missing values last.
fn reorder(frame: Frame, keys: &[(Ranks, bool)]) -> Result<Frame> {
    let mut rows: Vec<u32> = (0..frame.rows as u32).collect();
    rows.sort_by(|&a, &b| compare_rows(keys, a as usize, b as usize));
    frame.reorder(&rows)
}
