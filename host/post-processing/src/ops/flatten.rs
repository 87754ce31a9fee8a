//! `flatten`: multi-level labels joined into one ("revenue, Widget") and the first
//! index level turned back into a column.

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Column, Frame, RowIndex, join_parts};
use crate::options::{LevelRef, yes};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlattenOptions {
    #[serde(default = "yes")]
    reset_index: bool,
    #[serde(default)]
    drop_levels: Vec<LevelRef>,
}

pub(crate) fn flatten(mut frame: Frame, options: FlattenOptions) -> Result<Frame> {
    if frame.levels() > 1 {
        drop_levels(&mut frame, &options.drop_levels)?;
    }
    if frame.levels() > 1 {
        for column in &mut frame.columns {
            column.label = vec![Some(join_parts(&column.label))];
        }
        frame.level_names = vec![None];
    }
    if options.reset_index {
        reset_first_level(&mut frame)?;
    }
    Ok(frame)
}

fn drop_levels(frame: &mut Frame, levels: &[LevelRef]) -> Result<()> {
    let mut dropped = levels
        .iter()
        .map(|l| frame.level_position(l))
        .collect::<Result<Vec<_>>>()?;
    dropped.sort_unstable();
    dropped.dedup();
    if dropped.len() >= frame.levels() {
        return Err(PostProcessingError::new(format!(
            "Cannot remove {} levels from an index with {} levels: at least one level must be left.",
            dropped.len(),
            frame.levels()
        )));
    }
    let keep = |i: &usize| !dropped.contains(i);
    frame.level_names = frame
        .level_names
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(i))
        .map(|(_, n)| n.clone())
        .collect();
    for column in &mut frame.columns {
        column.label = column
            .label
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(i))
            .map(|(_, p)| p.clone())
            .collect();
    }
    Ok(())
}

/// pandas' `reset_index(level=0)`: the first index level becomes the first column.
fn reset_first_level(frame: &mut Frame) -> Result<()> {
    let RowIndex::Levels(levels) = &mut frame.index else {
        return Ok(());
    };
    if levels.is_empty() {
        frame.index = RowIndex::Range;
        return Ok(());
    }
    let first = levels.remove(0);
    let name = first.name.unwrap_or_else(|| {
        if levels.is_empty() {
            "index"
        } else {
            "level_0"
        }
        .to_string()
    });
    if levels.is_empty() {
        frame.index = RowIndex::Range;
    }
    let label = frame.label_for(&name);
    if frame.columns.iter().any(|c| c.label == label) {
        return Err(PostProcessingError::new(format!(
            "cannot insert {name}, already exists"
        )));
    }
    frame.columns.insert(
        0,
        Column {
            label,
            values: first.values,
        },
    );
    Ok(())
}
