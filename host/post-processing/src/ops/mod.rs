//! One module per Superset operation (`superset/utils/pandas_postprocessing/*.py`).

pub(crate) mod aggregate;
pub(crate) mod contribution;
pub(crate) mod cum;
pub(crate) mod diff;
pub(crate) mod flatten;
pub(crate) mod pivot;
pub(crate) mod rename;
pub(crate) mod resample;
pub(crate) mod rolling;
pub(crate) mod select;
pub(crate) mod sort;
