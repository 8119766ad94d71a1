//! What the three front ends share: statements and meta-commands, the session that compiles
//! and starts queries, history, ping, and error reports with carets.

pub mod carets;
pub mod catalog;
pub mod cluster;
pub mod completion;
pub mod editor;
pub mod export;
pub mod history;
pub mod meta;
pub mod ping;
pub mod queries;
pub mod redact;
pub mod report;
pub mod session;
pub mod statement;

pub use meta::Meta;
pub use session::{QueryDeadline, Refusal, Running, Session, StartError};
pub use statement::{Chunk, Chunks, Item, items, items_in, line_of};
