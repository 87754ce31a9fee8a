//! `apply` end to end: each operation against values computed with Superset's own
//! functions on pandas 2.1, Superset's recorded response, and hostile input.

mod common;
mod golden;
mod pivot;
mod resample;
mod reshape;
mod robustness;
mod window;
