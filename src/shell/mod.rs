//! What the three front ends share: statements and meta-commands, the session that compiles
//! and starts queries, and error reports with carets.

pub mod meta;
pub mod report;
pub mod session;
pub mod statement;

pub use meta::Meta;
pub use session::{Refusal, Running, Session, StartError};
pub use statement::{Item, items, line_of};
