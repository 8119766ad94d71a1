//! The full-screen TUI: browser, editor, results and status bar on one event loop.
//!
//! # Boundary with the spine
//!
//! The TUI never touches the network. [`App`] is pure state; [`App::update`] takes an
//! [`Action`] and returns [`Effect`]s as data. [`run`] owns the terminal and performs the
//! terminal effects itself (quit, suspend, clipboard, `$EDITOR`, saving history); every other
//! effect goes to a [`Backend`], which must not block: it spawns the work and sends the
//! outcome back as actions on the channel it is given.
//!
//! | effect                               | backend answers with                                  |
//! |--------------------------------------|-------------------------------------------------------|
//! | `StartQuery { id, text, options }`   | `QueryStarted { id, feed }`, then `BatchArrived { id, rows, more }`…, then `QueryFinished` or `QueryFailed` |
//! | `FetchMore(id)` (CONTINUE)           | `BatchArrived` (feeds are continued by the backend on its own) |
//! | `Stop(id)` (STOP)                    | `QueryFinished { id, .. }`                            |
//! | `CheckSyntax { revision, text }`     | `SyntaxChecked { revision, error }`                   |
//! | `Complete { revision, text, cursor }`| `CompletionsArrived { revision, replace, items }`     |
//! | `LoadCatalog`                        | `CatalogLoaded(dbs)` or `CatalogFailed(message)`      |
//! | `CountTable { db, table }`           | `CountLoaded { db, table, count }` or `CountFailed`   |
//! | `LoadSystem(view)`                   | `SystemLoaded { view, result }`                       |
//! | `CountDocuments { text }`            | `DocumentsCounted { text, documents }`                |
//!
//! and, unprompted, `ConnectionStateChanged(state)` ([`SessionBackend`] watches its connection:
//! connected, lost, reconnecting attempt by attempt, connected again). Spans in `QueryFailed`
//! and `SyntaxChecked` are byte ranges of the text sent.
//!
//! [`run`] reads terminal input before the backend's actions and applies those at most
//! [`ACTIONS_PER_TURN`] per turn ([`apply_backend_actions`]), so a key is handled while a feed
//! pours in, never after the whole backlog.
//!
//! The texts to run are built here: [`shell::catalog::CATALOG_QUERY`](crate::shell::catalog::CATALOG_QUERY)
//! (its result converted by `catalog_from_value`), [`app::count_query`], [`app::table_query`].
//!
//! [`SessionBackend`] is the real backend: it owns a [`shell::Session`](crate::shell::Session),
//! compiles in `handle` (diagnostics and read-only refusals come back as `QueryFailed` with a
//! span), and runs each query in a task that reads one batch per `FetchMore` (feeds read on by
//! themselves) and sends STOP on the one connection for `Stop`.
//!
//! Start-up, as `main`'s `run_tui` does it: `History::load`, `Keymap::with_overrides(&config.keys)`,
//! `theme::load_theme([ui] theme)`, `App::new(AppConfig { .. }, Instant::now())`, then
//! `run(app, &mut SessionBackend::new(session), options).await`.
//!
//! The spine supplies what the foundation once stood in for: statements are split by
//! [`reql::split_statements`](crate::reql::split_statements), rows are styled by
//! [`render::pretty_window`](crate::render::pretty_window) and `render::table` (only the rows
//! on screen), colours come from [`render::Theme`](crate::render::Theme), and DDL, live
//! toggling and destructive-query confirmation read the compiled term.

pub mod action;
pub mod app;
pub mod backend;
pub mod cluster;
pub mod event;
pub mod keymap;
pub mod panes;
pub mod screen;
pub mod terminal;
pub mod theme;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub use action::{Action, Effect, QueryId};
pub use app::{App, AppConfig, Pane};
pub use backend::SessionBackend;
pub use keymap::Keymap;

use crate::shell::{editor, history};
use event::{Event, Events};

/// Performs the effects that need the database (or anything slow) without blocking.
pub trait Backend {
    /// Starts `effect`; results come back later as actions sent on `tx`.
    fn handle(&mut self, effect: Effect, tx: &UnboundedSender<Action>);
}

/// Backend actions applied per turn of the event loop. Terminal input is looked at before each
/// turn, so a key pressed while a feed pours in waits for at most this many actions, never
/// for the whole backlog.
pub const ACTIONS_PER_TURN: usize = 64;

/// Applies up to `limit` actions already waiting on `rx`, without waiting for more; returns
/// their effects in order. The event loop calls it once per turn, between looks at the
/// terminal.
pub fn apply_backend_actions(
    app: &mut App,
    rx: &mut UnboundedReceiver<Action>,
    limit: usize,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    for _ in 0..limit {
        match rx.try_recv() {
            Ok(action) => effects.extend(app.update(action)),
            Err(_) => break,
        }
    }
    effects
}

/// How the loop runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where history is saved after each run; `None` keeps it in memory.
    pub history_path: Option<PathBuf>,
    /// Clock tick (spinners, debounce).
    pub tick: Duration,
    /// Render tick: at most one frame per period.
    pub frame: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            history_path: None,
            tick: Duration::from_millis(100),
            frame: Duration::from_millis(16),
        }
    }
}

/// A failure of the terminal itself.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal error: {0}; run with a terminal, or use `rdbsh repl` or batch mode")]
    Terminal(#[from] std::io::Error),
    #[error("{0}")]
    Input(String),
}

/// Runs the TUI until the user quits (or SIGTERM / SIGHUP); the terminal is restored on every
/// way out, panics included. Returns the final state (history and all).
pub async fn run<B: Backend>(
    mut app: App,
    backend: &mut B,
    options: RunOptions,
) -> Result<App, TuiError> {
    let _guard = terminal::RestoreGuard;
    let mut term = terminal::enter()?;
    let (tx, mut rx) = unbounded_channel::<Action>();
    let size = term.size()?;
    let mut pending: VecDeque<Effect> = app.update(Action::Resize(size.width, size.height)).into();
    pending.extend(app.init());
    let mut events = Events::start(options.tick, options.frame);
    let history = options
        .history_path
        .clone()
        .map(|path| HistoryWriter::start(path, tx.clone()));
    loop {
        while let Some(effect) = pending.pop_front() {
            match effect {
                Effect::Quit => {
                    // Let STOPs queued with the quit reach the backend first.
                    for e in pending.drain(..) {
                        match e {
                            Effect::Quit => {}
                            Effect::AppendHistory(entry) => {
                                if let Some(writer) = &history {
                                    writer.append(entry);
                                }
                            }
                            e => backend.handle(e, &tx),
                        }
                    }
                    if let Some(writer) = history {
                        writer.finish().await;
                    }
                    return Ok(app);
                }
                Effect::Suspend => {
                    drop(events);
                    term = terminal::suspend()?;
                    events = Events::start(options.tick, options.frame);
                    // The window may have changed while we were stopped.
                    let size = term.size()?;
                    pending.extend(app.update(Action::Resize(size.width, size.height)));
                }
                Effect::CopyToClipboard(text) => {
                    if let Err(e) = terminal::copy_osc52(&text) {
                        pending.extend(app.update(Action::Failed(format!("cannot copy: {e}"))));
                    }
                }
                Effect::OpenExternalEditor(text) => {
                    drop(events);
                    terminal::leave()?;
                    let editing = tokio::task::spawn_blocking(move || editor::edit(&text));
                    let (edited, effects) = while_editing(&mut app, &mut rx, editing).await;
                    let edited = match edited {
                        Ok(edited) => edited.map_err(|e| e.to_string()),
                        Err(e) => Err(format!("the editor could not be waited for: {e}")),
                    };
                    pending.extend(effects);
                    term = terminal::enter()?;
                    events = Events::start(options.tick, options.frame);
                    let size = term.size()?;
                    pending.extend(app.update(Action::Resize(size.width, size.height)));
                    pending.extend(app.update(Action::ExternalEditorClosed(edited)));
                }
                Effect::AppendHistory(entry) => {
                    if let Some(writer) = &history {
                        writer.append(entry);
                    }
                }
                other => backend.handle(other, &tx),
            }
        }
        tokio::select! {
            // Terminal input first: under a flood of backend actions a key still gets its turn
            // after at most `ACTIONS_PER_TURN` of them.
            biased;
            event = events.next() => {
                let Some(event) = event else {
                    return Err(TuiError::Input("the terminal input closed".into()));
                };
                match event {
                    Event::Key(key) => {
                        if let Some(action) = app.key_action(key) {
                            pending.extend(app.update(action));
                        }
                    }
                    Event::Paste(text) => pending.extend(app.update(Action::Paste(text))),
                    Event::Resize(w, h) => {
                        pending.extend(app.update(Action::Resize(w, h)));
                        term.autoresize()?;
                        term.draw(|f| screen::draw(&app, f))?;
                        app.take_dirty();
                    }
                    Event::Tick(now) => pending.extend(app.update(Action::Tick(now))),
                    Event::Render => {
                        if app.take_dirty() {
                            term.draw(|f| screen::draw(&app, f))?;
                        }
                    }
                    Event::Terminate => pending.extend(app.update(Action::Terminate)),
                    Event::Error(message) => return Err(TuiError::Input(message)),
                }
            }
            Some(action) = rx.recv() => {
                pending.extend(app.update(action));
                pending.extend(apply_backend_actions(&mut app, &mut rx, ACTIONS_PER_TURN - 1));
            }
        }
    }
}

/// Waits for `$EDITOR` while applying the backend's actions as they come: a busy feed is
/// drained into its tab, whose cap drops and counts the oldest changes, instead of piling up
/// in the channel for as long as the editor is open. The effects wait for the editor.
pub async fn while_editing<T>(
    app: &mut App,
    rx: &mut UnboundedReceiver<Action>,
    editing: impl std::future::Future<Output = T>,
) -> (T, Vec<Effect>) {
    tokio::pin!(editing);
    let mut effects = Vec::new();
    loop {
        tokio::select! {
            biased;
            out = &mut editing => return (out, effects),
            Some(action) = rx.recv() => effects.extend(app.update(action)),
        }
    }
}

/// Appends history entries in order on a blocking thread, so the event loop never waits on
/// the disk; a failure comes back as [`Action::Failed`].
struct HistoryWriter {
    entries: UnboundedSender<String>,
    task: tokio::task::JoinHandle<()>,
}

impl HistoryWriter {
    fn start(path: PathBuf, tx: UnboundedSender<Action>) -> HistoryWriter {
        let (entries, mut rx) = unbounded_channel::<String>();
        let task = tokio::spawn(async move {
            while let Some(entry) = rx.recv().await {
                let path = path.clone();
                let written =
                    tokio::task::spawn_blocking(move || history::append(&path, &entry)).await;
                if let Ok(Err(e)) = written {
                    let _ = tx.send(Action::Failed(e.to_string()));
                }
            }
        });
        HistoryWriter { entries, task }
    }

    fn append(&self, entry: String) {
        let _ = self.entries.send(entry);
    }

    /// Writes what is queued, then ends.
    async fn finish(self) {
        drop(self.entries);
        let _ = self.task.await;
    }
}
