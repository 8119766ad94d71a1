//! Completion candidates shared by the TUI editor and the REPL.
//!
//! CONTRACT (the REPL work fills in the body; the TUI calls it as it is):
//! `complete(text, cursor, catalog, bindings)` looks at the text before `cursor` (a byte
//! offset) and returns what may be written there and which byte range it replaces: methods
//! after `.` (only those valid on the receiver where that is known), `r.` functions, optarg
//! names inside a method's `{...}`, database, table and index names inside `r.db('`,
//! `.table('`, `{index: '`, and names bound earlier.

use super::catalog::DbEntry;

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What the popup shows and what is inserted.
    pub label: String,
    /// A one-line signature, e.g. `filter(predicate, {default})`.
    pub signature: String,
    /// One line of help.
    pub help: String,
}

/// The candidates and the byte range of `text` they replace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completions {
    /// Start and end (byte offsets) of the word being completed.
    pub replace: (usize, usize),
    /// Best first.
    pub items: Vec<Candidate>,
}

/// Candidates for the text before `cursor`.
pub fn complete(
    text: &str,
    cursor: usize,
    catalog: &[DbEntry],
    bindings: &[String],
) -> Completions {
    let _ = (text, catalog, bindings);
    Completions {
        replace: (cursor, cursor),
        items: Vec::new(),
    }
}
