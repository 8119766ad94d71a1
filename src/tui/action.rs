//! The TUI's boundary as data: [`Action`]s flow into [`App::update`](super::App::update),
//! [`Effect`]s flow out to the runtime, which performs them and answers with more actions.
//!
//! Intents are imperative (`RunQuery`, `CancelQuery`), results past tense (`BatchArrived`,
//! `QueryFinished`).

use std::time::{Duration, Instant};

use ratatui::crossterm::event::KeyEvent;

use super::keymap::Command;
pub use super::panes::system::SystemView;

/// Identifies one query run from the TUI; each has its own result tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryId(pub u64);

impl std::fmt::Display for QueryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Options a query is run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryOptions {
    /// Run with `profile: true`.
    pub profile: bool,
}

pub use crate::shell::catalog::{DbEntry, TableEntry};

/// TLS facts of the live connection, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// For example `TLSv1.3`.
    pub version: String,
    /// False when verification was turned off (`--tls-verify none`).
    pub verified: bool,
}

/// State of the one session the TUI talks through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Connected {
        tls: Option<TlsInfo>,
        /// `host:port` of the server the connection is on, when known.
        server: Option<String>,
    },
    Reconnecting {
        attempt: u32,
    },
    Lost {
        reason: String,
    },
}

/// Something for [`App::update`](super::App::update) to act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // ---- from the terminal ----
    /// A key press not bound in the keymap: typed into the focused input.
    Input(KeyEvent),
    /// Bracketed paste.
    Paste(String),
    /// The terminal was resized (columns, rows).
    Resize(u16, u16),
    /// Clock tick: drives spinners, elapsed times and the syntax-check debounce.
    Tick(Instant),
    /// A keymap command.
    Command(Command),
    /// SIGTERM / SIGHUP: leave now, running queries are stopped.
    Terminate,

    // ---- intents ----
    /// Run `text` as one query; `offset` is its byte offset in the editor (for error spans).
    RunQuery {
        text: String,
        offset: usize,
    },
    /// Send STOP for a running query.
    CancelQuery(QueryId),
    /// Ask for the next batch of a query.
    FetchMore(QueryId),
    /// Leave (asks first when a query is running).
    Quit,
    FocusNext,
    FocusPrev,
    /// Answer to a yes/no prompt (quit with running queries).
    Confirm(bool),

    // ---- results, past tense ----
    /// The runtime accepted a query; `feed` when the server said it is a changefeed.
    QueryStarted {
        id: QueryId,
        feed: bool,
    },
    /// A batch of rows; `more` when the server holds more (a partial response).
    BatchArrived {
        id: QueryId,
        rows: Vec<crate::nesting::Doc>,
        more: bool,
    },
    /// The query completed (or was stopped); `elapsed` is the server round-trip time.
    QueryFinished {
        id: QueryId,
        elapsed: Duration,
        /// The profile, when run with `profile: true`.
        profile: Option<crate::nesting::Doc>,
    },
    /// The query failed; `span` is a byte range in the query text (from the backtrace).
    QueryFailed {
        id: QueryId,
        message: String,
        span: Option<(usize, usize)>,
    },
    /// Result of [`Effect::CheckSyntax`]: `None` when the text compiles.
    SyntaxChecked {
        revision: u64,
        error: Option<SyntaxError>,
    },
    /// Answer to [`Effect::Complete`]: candidates replacing the byte range `replace` of the
    /// text as it was at `revision`.
    CompletionsArrived {
        revision: u64,
        replace: (usize, usize),
        items: Vec<Completion>,
    },
    /// The browser's tree.
    CatalogLoaded(Vec<DbEntry>),
    /// The catalog query failed.
    CatalogFailed(String),
    /// A table's document count.
    CountLoaded {
        db: String,
        table: String,
        count: u64,
    },
    /// Counting a table failed or timed out.
    CountFailed {
        db: String,
        table: String,
        message: String,
    },
    /// Answer to [`Effect::CountDocuments`]: how many documents the write waiting for a
    /// y / n may touch (`None`: not counted in time).
    DocumentsCounted {
        text: String,
        documents: Option<u64>,
    },
    ConnectionStateChanged(ConnectionState),
    /// A query or a load failed because the connection went away. The connection watcher
    /// says what happens next; until it does the state is `lost`, but a reconnection under
    /// way stays shown.
    ConnectionDropped {
        reason: String,
    },
    /// Answer to [`Effect::LoadSystem`]: the system table's rows, or why they could not be read.
    SystemLoaded {
        view: SystemView,
        result: Result<Vec<serde_json::Value>, String>,
    },
    /// `$EDITOR` closed; `Ok(text)` is the new editor content.
    ExternalEditorClosed(Result<String, String>),
    /// Answer to [`Effect::Connect`]: queries now go to this profile.
    Connected(Box<super::panes::status::ConnectionInfo>),
    /// An error of the runtime itself (clipboard, history file...), shown on the message line.
    Failed(String),
    /// Answer to [`Effect::NamedQuery`] for `.run`: the text to run, parameters bound.
    NamedQueryBound(String),
    /// Answer to [`Effect::NamedQuery`] for `.save` and `.queries`: one line to show.
    NamedQueryInfo(String),
    /// Answer to [`Effect::ClusterStatus`]: the text of `rdbsh status`, or why there is none.
    ClusterStatus(Result<String, String>),
    /// Answer to [`Effect::LoadCluster`].
    ClusterLoaded(Result<super::cluster::Picture, String>),
    /// Answer to [`Effect::DryRunReconfigure`]: what the reconfiguration would do, one line
    /// per shard.
    ReconfigurePreview {
        db: String,
        table: String,
        shards: u64,
        replicas: u64,
        result: Result<Vec<String>, String>,
    },
    /// Answer to [`Effect::ExportRows`] and [`Effect::ExportQuery`]: what was written where.
    Exported(Result<String, String>),
}

/// One completion candidate (from the shell's completer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Text inserted in place of the word being completed.
    pub label: String,
    /// For example `table(name, {readMode, identifierFormat})`.
    pub signature: Option<String>,
    /// One line of help.
    pub help: Option<String>,
}

/// A compile error: a byte span in the checked text and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: (usize, usize),
    pub message: String,
}

/// Work for the runtime, returned by [`App::update`](super::App::update) as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Compile and run `text`; report back with `QueryStarted`, `BatchArrived`,
    /// `QueryFinished` or `QueryFailed` carrying `id`.
    StartQuery {
        id: QueryId,
        text: String,
        options: QueryOptions,
    },
    /// Send STOP for `id`; the runtime answers with `QueryFinished`.
    Stop(QueryId),
    /// Compile later queries and syntax checks in this syntax.
    SetLang(crate::reql::Lang),
    /// Send CONTINUE for `id` (not needed for feeds: the runtime keeps reading them).
    FetchMore(QueryId),
    /// Compile `text` without running it; answer with `SyntaxChecked { revision, .. }`.
    CheckSyntax { revision: u64, text: String },
    /// Completion candidates at byte `cursor` of `text`; answer with `CompletionsArrived`.
    Complete {
        revision: u64,
        text: String,
        cursor: usize,
    },
    /// Load databases, tables and indexes; answer with `CatalogLoaded` or `CatalogFailed`
    /// ([`shell::catalog::load`](crate::shell::catalog::load)).
    LoadCatalog,
    /// Count a table's documents in the background ([`count_query`](super::app::count_query),
    /// with a timeout); answer with `CountLoaded` or `CountFailed`.
    CountTable { db: String, table: String },
    /// Count the documents the write `text` may touch (it waits for a y / n); answer with
    /// `DocumentsCounted`.
    CountDocuments { text: String },
    /// Read the system table of `view` ([`SystemView::query`], with a timeout); answer with
    /// `SystemLoaded`.
    LoadSystem(SystemView),
    /// Put `text` on the clipboard (the terminal runtime writes OSC 52).
    CopyToClipboard(String),
    /// Edit `text` in `$EDITOR`; answer with `ExternalEditorClosed`.
    OpenExternalEditor(String),
    /// An entry was added to the history: append it to the file (off the event loop).
    AppendHistory(String),
    /// `.use DB`: later queries run against database `db`.
    UseDatabase(String),
    /// `.connect PROFILE`: connect with another profile and, once connected, switch to it;
    /// answer with `Connected` or `Failed` (the working session is kept then).
    Connect(String),
    /// `.save`, `.run` or `.queries` on the named queries' file; `last` is the last statement
    /// run, what `.save NAME` saves. Answer with `NamedQueryBound`, `NamedQueryInfo` or `Failed`.
    NamedQuery {
        command: crate::shell::Meta,
        last: String,
    },
    /// Read the cluster's servers, tables' placement and health, and current issues
    /// ([`cluster::CLUSTER_QUERY`](crate::shell::cluster::CLUSTER_QUERY), with a timeout); answer
    /// with `ClusterLoaded`.
    LoadCluster,
    /// `.status`: the cluster picture as `rdbsh status` prints it
    /// ([`shell::cluster::status`](crate::shell::cluster::status), with a timeout); answer
    /// with `ClusterStatus`.
    ClusterStatus,
    /// Run `reconfigure({shards, replicas, dryRun: true})` on `db.table`; answer with
    /// `ReconfigurePreview`.
    DryRunReconfigure {
        db: String,
        table: String,
        shards: u64,
        replicas: u64,
    },
    /// Write `rows` (a tab's rows as shown) into a file; answer with `Exported`.
    ExportRows {
        rows: Vec<crate::nesting::Doc>,
        export: crate::shell::export::Export,
    },
    /// Run `text` again and stream its whole result into a file; answer with `Exported`.
    ExportQuery {
        text: String,
        export: crate::shell::export::Export,
    },
    /// Stop the process until `fg` (Ctrl-Z).
    Suspend,
    /// Leave the TUI.
    Quit,
}
