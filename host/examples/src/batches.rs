//! Turns a generator's stream of rows into record batches of [`BATCH_ROWS`] rows.

use crate::BATCH_ROWS;
use arrow_array::RecordBatch;

pub(crate) fn in_batches<R>(
    mut rows: impl Iterator<Item = R>,
    build: impl Fn(&[R]) -> RecordBatch,
) -> impl Iterator<Item = RecordBatch> {
    let mut chunk = Vec::with_capacity(BATCH_ROWS);
    std::iter::from_fn(move || {
        chunk.clear();
        chunk.extend(rows.by_ref().take(BATCH_ROWS));
        (!chunk.is_empty()).then(|| build(&chunk))
    })
}
