//! placeholder; see README architecture.

pub mod history;
