//! Key columns as dense ranks, so grouping and sorting compare small integers in
//! pandas' order: ascending values, then the missing ones (null or NaN).

use std::cmp::Ordering;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;

use crate::error::Result;

pub(crate) struct Ranks {
    /// The rank of each row.
    pub(crate) of_row: Vec<u32>,
    /// A row holding each rank's value.
    pub(crate) rows: Vec<usize>,
    /// The rank shared by the missing values, ranked after all others.
    pub(crate) missing: Option<u32>,
}

impl Ranks {
    pub(crate) fn is_missing(&self, row: usize) -> bool {
        Some(self.of_row[row]) == self.missing
    }

    /// A row holding the value of `rank`.
    pub(crate) fn row_of(&self, rank: u32) -> usize {
        self.rows[rank as usize]
    }
}

pub(crate) fn rank(values: &ArrayRef) -> Result<Ranks> {
    let converter = RowConverter::new(vec![SortField::new(values.data_type().clone())])?;
    let encoded = converter.convert_columns(std::slice::from_ref(values))?;
    let missing = missing_rows(values);
    let mut order: Vec<usize> = (0..values.len()).filter(|&row| !missing[row]).collect();
    order.sort_by(|&a, &b| encoded.row(a).cmp(&encoded.row(b)));

    let mut of_row = vec![0; values.len()];
    let mut rows: Vec<usize> = Vec::new();
    for (i, &row) in order.iter().enumerate() {
        if i == 0 || encoded.row(order[i - 1]) != encoded.row(row) {
            rows.push(row);
        }
        of_row[row] = (rows.len() - 1) as u32;
    }
    let missing_rank = missing.iter().position(|&m| m).map(|first| {
        rows.push(first);
        (rows.len() - 1) as u32
    });
    if let Some(rank) = missing_rank {
        for (row, _) in missing.iter().enumerate().filter(|(_, m)| **m) {
            of_row[row] = rank;
        }
    }
    Ok(Ranks {
        of_row,
        rows,
        missing: missing_rank,
    })
}

/// Null, or NaN in a float column: pandas treats both as missing.
fn missing_rows(values: &ArrayRef) -> Vec<bool> {
    fn nan_rows<T: arrow_array::ArrowPrimitiveType>(
        values: &ArrayRef,
        is_nan: fn(T::Native) -> bool,
    ) -> Vec<bool> {
        values
            .as_primitive::<T>()
            .iter()
            .map(|v| v.is_none_or(is_nan))
            .collect()
    }
    match values.data_type() {
        DataType::Float16 => nan_rows::<Float16Type>(values, |v| v.is_nan()),
        DataType::Float32 => nan_rows::<Float32Type>(values, f32::is_nan),
        DataType::Float64 => nan_rows::<Float64Type>(values, f64::is_nan),
        _ => (0..values.len()).map(|row| values.is_null(row)).collect(),
    }
}

/// Compares two rows by several rank columns, each ascending or not, with missing
/// values last either way (pandas' `na_position="last"`).
pub(crate) fn compare_rows(keys: &[(Ranks, bool)], a: usize, b: usize) -> Ordering {
    keys.iter()
        .map(|(ranks, ascending)| {
            let (ra, rb) = (ranks.of_row[a], ranks.of_row[b]);
            match (ranks.is_missing(a), ranks.is_missing(b)) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) if *ascending => ra.cmp(&rb),
                (false, false) => rb.cmp(&ra),
            }
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}
