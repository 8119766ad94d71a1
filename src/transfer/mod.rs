//! Data movement: export, import, dump and restore, in the file layout of RethinkDB's own
//! tools (`DIR/DB/TABLE.json|ndjson|csv` beside `DIR/DB/TABLE.info`; a dump is that directory
//! in a tar.gz), so either tool reads what the other wrote.
//!
//! Files and archives are read and written as streams; rows travel in batches with several
//! insert queries in flight on the one connection.

pub mod archive;
pub mod command;
pub mod export;
pub mod format;
pub mod gzip;
pub mod import;
pub mod progress;
pub mod term;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

pub use progress::{Progress, ProgressKind};

/// Everything that can stop a transfer.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The connection or a query failed.
    #[error("{what}: {source}")]
    Net {
        what: String,
        source: crate::net::Error,
    },
    /// A file does not hold what its name says.
    #[error("{file}:{line}: {message}")]
    Format {
        file: String,
        line: u64,
        message: String,
    },
    /// A file the transfer needs is not there.
    #[error("{file}: {message}")]
    Missing { file: String, message: String },
    /// The command line or the data asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
}

impl TransferError {
    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> TransferError {
        TransferError::Io {
            path: path.into(),
            source,
        }
    }

    /// A query error, with what was being done.
    pub fn net(what: impl Into<String>, source: crate::net::Error) -> TransferError {
        TransferError::Net {
            what: what.into(),
            source,
        }
    }
}

/// A `DB` or `DB.TABLE` selector (`-e`, `-i`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub db: String,
    pub table: Option<String>,
}

impl Selector {
    /// Parses `DB` or `DB.TABLE`.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let (db, table) = match text.split_once('.') {
            Some((db, table)) => (db, Some(table.to_owned())),
            None => (text, None),
        };
        if db.is_empty() || table.as_deref() == Some("") {
            return Err(format!("`{text}` is not DB or DB.TABLE"));
        }
        Ok(Selector {
            db: db.to_owned(),
            table,
        })
    }

    /// True when this selector names the table (or its whole database).
    pub fn matches(&self, db: &str, table: &str) -> bool {
        self.db == db && self.table.as_deref().is_none_or(|t| t == table)
    }
}

/// True when `(db, table)` is selected by none of `selectors` being given or one matching.
pub fn selected(selectors: &[Selector], db: &str, table: &str) -> bool {
    selectors.is_empty() || selectors.iter().any(|s| s.matches(db, table))
}

/// A table by database and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    pub db: String,
    pub table: String,
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.db, self.table)
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Marks the transfer as interrupted (Ctrl-C); readers and writers stop at their next batch.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// True after [`interrupt`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
