//! rdbsh: a terminal shell for RethinkDB.
//!
//! The spine (see README, "Architecture"): `reql` compiles text to wire terms, `net` carries
//! them over one persistent session built on the sans-IO `protocol`, `render` turns rows into
//! text, `shell` holds what the front ends share, and `tui`, `repl` and `batch` are the faces.
//! `sandbox` is an in-memory, wire-compatible server used by `--sandbox` and by the tests.

pub mod batch;
pub mod cli;
pub mod config;
pub mod exit;
pub mod nesting;
pub mod net;
pub mod protocol;
pub mod render;
pub mod repl;
pub mod reql;
pub mod sandbox;
pub mod shell;
pub mod transfer;
pub mod tui;
