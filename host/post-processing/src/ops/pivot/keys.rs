//! The grouping columns of a pivot, ranked, with Superset's fill for missing
//! series values.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, StringArray};
use arrow_schema::DataType;

use crate::error::Result;
use crate::frame::Frame;
use crate::rank::{Ranks, rank};
use crate::values::label_text;

/// A key column: its values, their ranks, and the label its nulls get.
pub(super) struct Key {
    pub(super) values: ArrayRef,
    pub(super) ranks: Ranks,
    null_label: Option<String>,
}

impl Key {
    /// An index column: rows missing its value group together (or are dropped).
    pub(super) fn index(frame: &Frame, name: &str) -> Result<Key> {
        Key::new(frame.column(name)?.clone(), None)
    }

    /// A series column, whose missing values Superset replaces with `fill`.
    pub(super) fn series(frame: &Frame, name: &str, fill: Option<&str>) -> Result<Key> {
        let values = frame.column(name)?;
        match fill {
            // Filled strings sort among the others, as pandas sorts them.
            Some(fill) if is_string(values.data_type()) => Key::new(filled(values, fill)?, None),
            _ => Key::new(values.clone(), fill.map(str::to_string)),
        }
    }

    fn new(values: ArrayRef, null_label: Option<String>) -> Result<Key> {
        Ok(Key {
            ranks: rank(&values)?,
            values,
            null_label,
        })
    }

    /// A missing value that pandas' `dropna` drops the row for.
    pub(super) fn drops(&self, row: usize) -> bool {
        self.ranks.is_missing(row) && self.null_label.is_none()
    }

    /// The label part of a rank's value.
    pub(super) fn label(&self, rank: u32) -> Option<String> {
        if Some(rank) == self.ranks.missing {
            return self.null_label.clone();
        }
        label_text(&self.values, self.ranks.row_of(rank))
    }
}

fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// A string column with its nulls replaced by `fill` (Superset's `fillna`).
fn filled(values: &ArrayRef, fill: &str) -> Result<ArrayRef> {
    let strings = arrow_cast::cast(values, &DataType::Utf8)?;
    let filled: StringArray = strings
        .as_string::<i32>()
        .iter()
        .map(|v| Some(v.unwrap_or(fill)))
        .collect();
    Ok(Arc::new(filled))
}
