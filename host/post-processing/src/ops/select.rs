//! `select`: keep, reorder, drop and rename columns.

use serde::Deserialize;

use crate::error::{PostProcessingError, Result};
use crate::frame::{Frame, renamed};
use crate::options::Pairs;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SelectOptions {
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default)]
    exclude: Option<Vec<String>>,
    #[serde(default)]
    rename: Option<Pairs<String>>,
}

pub(crate) fn select(mut frame: Frame, options: SelectOptions) -> Result<Frame> {
    let columns = options.columns.unwrap_or_default();
    let exclude = options.exclude.unwrap_or_default();
    let rename_keys = options.rename.iter().flat_map(Pairs::keys);
    frame.require_names(
        columns
            .iter()
            .chain(&exclude)
            .map(String::as_str)
            .chain(rename_keys),
    )?;

    if !columns.is_empty() {
        let picked: Vec<_> = columns
            .iter()
            .flat_map(|name| frame.positions(name))
            .collect();
        frame.columns = picked
            .into_iter()
            .map(|p| frame.columns[p].clone())
            .collect();
    }
    let missing: Vec<&str> = exclude
        .iter()
        .map(String::as_str)
        .filter(|name| frame.positions(name).is_empty())
        .collect();
    if !missing.is_empty() {
        return Err(PostProcessingError::new(format!(
            "Referenced columns not available in DataFrame: {}",
            missing.join(", ")
        )));
    }
    frame.columns.retain(|c| {
        !exclude
            .iter()
            .any(|name| c.label[0].as_deref() == Some(name))
    });
    if let Some(mapping) = &options.rename {
        for column in &mut frame.columns {
            column.label = renamed(&column.label, mapping);
        }
    }
    Ok(frame)
}
