//! Superset's chart post-processing (`post_processing: [{"operation", "options"}]`,
//! run in pandas by `superset/utils/pandas_postprocessing`) over Arrow.
//!
//! Steps run in order on a frame that models what pandas keeps beside the data:
//! multi-level column labels (a pivot's `(metric, series...)`) and a labelled row
//! index (a pivot's x-axis). [`apply`] returns the flat table Superset's JSON shows:
//! multi-level labels joined with ", " and the row index left out, as
//! `DataFrame.to_dict("records")` leaves it out.
//!
//! Supported: `pivot`, `rename`, `flatten`, `sort`, `aggregate`, `rolling`, `cum`,
//! `resample`, `contribution`, `diff`, `select`. Computed columns are Float64 with
//! null where pandas has NaN. Not supported: pivot margins, scipy window types,
//! rolling `corr`/`cov`, and the numpy functions `argmin`, `argmax`, `cumsum`,
//! `cumprod` as aggregates.

mod aggregates;
mod error;
mod frame;
mod ops;
mod options;
mod rank;
mod values;

use arrow_array::RecordBatch;
use serde::Deserialize;
use serde_json::Value;

pub use error::PostProcessingError;
use frame::Frame;
use options::parse;

/// One entry of a query object's `post_processing` list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PostProcessingStep {
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub options: Value,
}

/// Runs the steps in order over `batch`.
pub fn apply(
    batch: RecordBatch,
    steps: &[PostProcessingStep],
) -> Result<RecordBatch, PostProcessingError> {
    let mut frame = Frame::from_batch(&batch);
    for step in steps {
        frame = run(frame, step)?;
    }
    frame.into_batch()
}

fn run(frame: Frame, step: &PostProcessingStep) -> error::Result<Frame> {
    let operation = step.operation.as_str();
    let options = &step.options;
    match operation {
        "" => Err(PostProcessingError::new(
            "`operation` property of post processing object undefined",
        )),
        "aggregate" => ops::aggregate::aggregate(frame, parse(operation, options)?),
        "contribution" => ops::contribution::contribution(frame, parse(operation, options)?),
        "cum" => ops::cum::cum(frame, parse(operation, options)?),
        "diff" => ops::diff::diff(frame, parse(operation, options)?),
        "flatten" => ops::flatten::flatten(frame, parse(operation, options)?),
        "pivot" => ops::pivot::pivot(frame, parse(operation, options)?),
        "rename" => ops::rename::rename(frame, parse(operation, options)?),
        "resample" => ops::resample::resample(frame, parse(operation, options)?),
        "rolling" => ops::rolling::rolling(frame, parse(operation, options)?),
        "select" => ops::select::select(frame, parse(operation, options)?),
        "sort" => ops::sort::sort(frame, parse(operation, options)?),
        other => Err(PostProcessingError::new(format!(
            "Unsupported post processing operation: {other}"
        ))),
    }
}
