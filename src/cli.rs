//! placeholder; see README architecture.
