//! `rename`: relabel columns, on one level of a multi-level frame or on all.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, renamed};
use crate::options::{LevelRef, Pairs};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenameOptions {
    columns: Pairs<Option<String>>,
    /// Python's in-place flag: accepted, and the result is the same either way.
    #[serde(default, rename = "inplace")]
    _inplace: IgnoredAny,
    #[serde(default)]
    level: Option<LevelRef>,
}

pub(crate) fn rename(mut frame: Frame, options: RenameOptions) -> Result<Frame> {
    frame.require_names(options.columns.keys())?;
    if options.columns.is_empty() {
        return Ok(frame);
    }
    let level = options
        .level
        .as_ref()
        .map(|l| frame.level_position(l))
        .transpose()?;
    let checked = level.unwrap_or(0);
    let taken = |name: &Option<String>| frame.columns.iter().any(|c| &c.label[checked] == name);
    if options.columns.0.iter().all(|(_, new)| taken(new)) {
        return Err(PostProcessingError::new("Label already exists"));
    }
    for column in &mut frame.columns {
        column.label = match level {
            Some(level) => {
                let mut label = column.label.clone();
                label[level] = renamed(&vec![label[level].clone()], &options.columns).remove(0);
                label
            }
            None => renamed(&column.label, &options.columns),
        };
    }
    Ok(frame)
}
