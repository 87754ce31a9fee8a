//! The pandas DataFrame the operations work on, made explicit: columns with
//! multi-level labels (after a pivot) and an optional labelled row index.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::{Field, Schema};

use crate::error::{PostProcessingError, Result};
use crate::options::{LevelRef, Pairs};

/// A column label: one part per column level. `None` is a NaN label (a level
/// renamed to null), which flattening leaves out.
pub(crate) type Label = Vec<Option<String>>;

/// Superset's separator between the parts of a flattened label.
const SEPARATOR: &str = ", ";

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) label: Label,
    pub(crate) values: ArrayRef,
}

/// One level of a labelled row index, e.g. the x-axis after a pivot.
#[derive(Debug, Clone)]
pub(crate) struct IndexLevel {
    pub(crate) name: Option<String>,
    pub(crate) values: ArrayRef,
}

/// pandas' row index: the default positions, or labelled levels.
#[derive(Debug, Clone)]
pub(crate) enum RowIndex {
    Range,
    Levels(Vec<IndexLevel>),
}

#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) rows: usize,
    pub(crate) index: RowIndex,
    /// pandas' `columns.names`: one per label part.
    pub(crate) level_names: Vec<Option<String>>,
    pub(crate) columns: Vec<Column>,
}

impl Frame {
    pub(crate) fn from_batch(batch: &RecordBatch) -> Frame {
        let columns = batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, values)| Column {
                label: vec![Some(field.name().clone())],
                values: values.clone(),
            })
            .collect();
        Frame {
            rows: batch.num_rows(),
            index: RowIndex::Range,
            level_names: vec![None],
            columns,
        }
    }

    /// The table Superset's JSON shows: the columns with flat names; the row index,
    /// which `DataFrame.to_dict("records")` leaves out, is dropped.
    pub(crate) fn into_batch(self) -> Result<RecordBatch> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(flat_name(&c.label), c.values.data_type().clone(), true))
            .collect();
        let arrays = self.columns.into_iter().map(|c| c.values).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(self.rows));
        Ok(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &options,
        )?)
    }

    pub(crate) fn levels(&self) -> usize {
        self.level_names.len()
    }

    /// Superset's `validate_column_args`: each name must be a column (its first level).
    pub(crate) fn require_names<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let missing: Vec<&str> = names
            .into_iter()
            .filter(|name| self.positions(name).is_empty())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(PostProcessingError::new(format!(
                "Referenced columns not available in DataFrame: {}",
                missing.join(", ")
            )))
        }
    }

    /// The columns whose first label part is `name`, in frame order.
    pub(crate) fn positions(&self, name: &str) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].label[0].as_deref() == Some(name))
            .collect()
    }

    /// The single column called `name`, for keys such as group-by and sort columns.
    pub(crate) fn column(&self, name: &str) -> Result<&ArrayRef> {
        match self.positions(name).as_slice() {
            [position] => Ok(&self.columns[*position].values),
            [] => Err(PostProcessingError::new(format!(
                "Referenced columns not available in DataFrame: {name}"
            ))),
            _ => Err(PostProcessingError::new(format!(
                "Column label \"{name}\" is not unique"
            ))),
        }
    }

    /// The frame with its rows in the order of `rows` (positions into this frame).
    pub(crate) fn reorder(self, rows: &[u32]) -> Result<Frame> {
        let indices = UInt32Array::from(rows.to_vec());
        let take = |values: &ArrayRef| arrow_select::take::take(values.as_ref(), &indices, None);
        let index = match self.index {
            RowIndex::Range => RowIndex::Range,
            RowIndex::Levels(levels) => RowIndex::Levels(
                levels
                    .into_iter()
                    .map(|l| {
                        Ok(IndexLevel {
                            values: take(&l.values)?,
                            name: l.name,
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let columns = self
            .columns
            .into_iter()
            .map(|c| {
                Ok(Column {
                    values: take(&c.values)?,
                    label: c.label,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Frame {
            rows: rows.len(),
            index,
            level_names: self.level_names,
            columns,
        })
    }

    /// The frame without its first `count` rows.
    pub(crate) fn skip_rows(self, count: usize) -> Frame {
        let count = count.min(self.rows);
        let length = self.rows - count;
        let index = match self.index {
            RowIndex::Range => RowIndex::Range,
            RowIndex::Levels(levels) => RowIndex::Levels(
                levels
                    .into_iter()
                    .map(|l| IndexLevel {
                        values: l.values.slice(count, length),
                        name: l.name,
                    })
                    .collect(),
            ),
        };
        let columns = self
            .columns
            .into_iter()
            .map(|c| Column {
                values: c.values.slice(count, length),
                label: c.label,
            })
            .collect();
        Frame {
            rows: length,
            index,
            level_names: self.level_names,
            columns,
        }
    }

    /// Sets the column labelled `label` in place, or appends it (pandas `df[label] = values`).
    pub(crate) fn assign(&mut self, label: Label, values: ArrayRef) {
        match self.columns.iter_mut().find(|c| c.label == label) {
            Some(column) => column.values = values,
            None => self.columns.push(Column { label, values }),
        }
    }

    /// A label for a new column given by a plain name: padded with empty parts on a
    /// multi-level frame, as pandas does.
    pub(crate) fn label_for(&self, name: &str) -> Label {
        let mut label = vec![Some(name.to_string())];
        label.resize(self.levels(), Some(String::new()));
        label
    }

    /// Superset's `_append_columns`: `compute` derives new values for the columns named
    /// by `mapping`'s keys (all columns under each name). A mapping onto the same names
    /// replaces them in place; otherwise the results are renamed and appended.
    pub(crate) fn derive(
        mut self,
        mapping: &Pairs<String>,
        compute: impl FnOnce(&[&Column]) -> Result<Vec<ArrayRef>>,
    ) -> Result<Frame> {
        self.require_names(mapping.keys())?;
        let positions: Vec<usize> = mapping
            .keys()
            .flat_map(|name| self.positions(name))
            .collect();
        let sources: Vec<&Column> = positions.iter().map(|&p| &self.columns[p]).collect();
        let derived = compute(&sources)?;
        if mapping.0.iter().all(|(from, to)| from == to) {
            for (position, values) in positions.into_iter().zip(derived) {
                self.columns[position].values = values;
            }
        } else {
            let renamed: Vec<Column> = positions
                .into_iter()
                .zip(derived)
                .map(|(p, values)| Column {
                    label: renamed(&self.columns[p].label, mapping),
                    values,
                })
                .collect();
            self.columns.extend(renamed);
        }
        Ok(self)
    }

    /// The position of a column level, given by number (negative from the end) or name.
    pub(crate) fn level_position(&self, level: &LevelRef) -> Result<usize> {
        let levels = self.levels();
        let found = match level {
            LevelRef::Position(position) => {
                let position = if *position < 0 {
                    *position + levels as i64
                } else {
                    *position
                };
                usize::try_from(position).ok().filter(|&p| p < levels)
            }
            LevelRef::Name(name) => self
                .level_names
                .iter()
                .position(|n| n.as_deref() == Some(name)),
        };
        found.ok_or_else(|| match level {
            LevelRef::Position(position) => PostProcessingError::new(format!(
                "Too many levels: the columns have {levels} level(s), not {position}"
            )),
            LevelRef::Name(name) => PostProcessingError::new(format!("Level {name} not found")),
        })
    }
}

/// `label` with every part named in `mapping` replaced (pandas `rename(columns=...)`).
pub(crate) fn renamed<T: Clone + Into<Option<String>>>(label: &Label, mapping: &Pairs<T>) -> Label {
    label
        .iter()
        .map(|part| {
            match mapping
                .0
                .iter()
                .find(|(from, _)| part.as_deref() == Some(from))
            {
                Some((_, to)) => to.clone().into(),
                None => part.clone(),
            }
        })
        .collect()
}

/// A label as one name: the single part of a flat label (a NaN label shows as
/// "None"), or Superset's `flatten` join of a multi-level one.
pub(crate) fn flat_name(label: &Label) -> String {
    match label.as_slice() {
        [single] => single.clone().unwrap_or_else(|| "None".to_string()),
        parts => join_parts(parts),
    }
}

/// The parts that are not NaN, each with its commas escaped, joined by ", ".
pub(crate) fn join_parts(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|part| part.replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(SEPARATOR)
}
