//! The real [`Backend`]: effects performed on a [`shell::Session`](crate::shell::Session).
//!
//! Compiling, the read-only check and completion are quick and pure, so they run right in
//! [`Backend::handle`]; everything that touches the network runs in a spawned task that
//! reports back as actions. Each query's task reads one batch per `FetchMore` (a feed reads
//! on by itself), so nothing is read ahead of what the results pane asked for beyond the
//! cursor's one prefetched batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::Backend;
use super::action::{
    Action, Completion, ConnectionState, Effect, QueryId, QueryOptions, SyntaxError, SystemView,
    TlsInfo,
};
use super::app::{count_query, reconfigure_query};
use super::cluster::{self, Picture};
use super::panes::status::ConnectionInfo;
use crate::config::Verify;
use crate::nesting::Doc;
use crate::net::{self, Cursor, Kind};
use crate::protocol::Row;
use crate::reql::{self, Env, Query, Statement};
use crate::shell::catalog::{self, DbEntry};
use crate::shell::completion;
use crate::shell::export::Export;
use crate::shell::session::{count_documents, needs_confirmation};
use crate::shell::{QueryDeadline, Session};

/// How long a background count may take before the browser shows it as failed.
pub const COUNT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a stopped query's end of stream is waited for.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// Wait before the first reconnection attempt; it doubles with each failed attempt.
const RECONNECT_FIRST: Duration = Duration::from_millis(250);

/// Longest wait between reconnection attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// Instructions from the UI to one query's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    /// Read the next batch.
    More,
    /// Send STOP and end.
    Stop,
}

/// Performs the TUI's effects on one session.
pub struct SessionBackend {
    session: Session,
    /// Controls of the queries whose tasks still run.
    queries: HashMap<QueryId, UnboundedSender<Control>>,
    /// The last catalog loaded, for completion of names.
    catalog: Arc<Mutex<Vec<DbEntry>>>,
    /// How long a count may take.
    pub count_timeout: Duration,
    /// The connection watcher runs (started with the first effect).
    watching: bool,
    watcher: Option<tokio::task::JoinHandle<()>>,
    /// Resolves the profile of `.connect NAME`; without one `.connect` says it is unavailable.
    connector: Option<Connector>,
    /// The connection `.connect` made and connected, taken over (as a new session) at the
    /// next effect.
    switched: Arc<Mutex<Option<net::Link>>>,
}

/// Resolves the profile of `.connect NAME` (the config file is read again).
pub type Connector = Box<dyn Fn(&str) -> Result<crate::config::Profile, String> + Send>;

impl std::fmt::Debug for SessionBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBackend")
            .field("session", &self.session)
            .field("queries", &self.queries.len())
            .finish_non_exhaustive()
    }
}

impl SessionBackend {
    /// A backend around `session` (which may not be connected yet).
    pub fn new(session: Session) -> Self {
        SessionBackend {
            session,
            queries: HashMap::new(),
            catalog: Arc::new(Mutex::new(Vec::new())),
            count_timeout: COUNT_TIMEOUT,
            watching: false,
            watcher: None,
            connector: None,
            switched: Arc::new(Mutex::new(None)),
        }
    }

    /// `.connect NAME` resolves profiles with `connector`.
    pub fn with_connector(mut self, connector: Connector) -> Self {
        self.connector = Some(connector);
        self
    }

    /// The session queries run on.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Connects now and keeps the status bar told, inside the runtime: connected; lost when the
    /// connection drops; then reconnecting (attempt 1, 2, ... backing off up to 5 s) until
    /// connected again. Runs until `tx`'s receiver is dropped; the first effect handled starts
    /// it too, and calling it again does nothing.
    pub fn connect(&mut self, tx: &UnboundedSender<Action>) {
        if self.watching {
            return;
        }
        self.watching = true;
        let watch = watch_connection(self.session.net().clone(), tx.clone());
        self.watcher = Some(tokio::spawn(watch));
    }

    /// `.connect NAME`: the new connection is made in the background and taken over only
    /// once connected, so a failed connect leaves the working session as it was.
    ///
    /// Only the [`net::Link`] goes to the task, not a [`Session`]: a session holds the
    /// compile state (its [`reql::Env`]), which is single-threaded (`Rc`, `RefCell`) and so
    /// stays on the UI's side; [`SessionBackend::take_switched`] builds the session there.
    /// Queries are compiled on the UI side too (`start_query`): only their statements go to
    /// tasks.
    fn connect_profile(&mut self, name: String, tx: &UnboundedSender<Action>) {
        let Some(connector) = &self.connector else {
            let _ = tx.send(Action::Failed(
                ".connect is not available here; restart with -p PROFILE".into(),
            ));
            return;
        };
        let profile = match connector(&name) {
            Ok(profile) => profile,
            Err(message) => {
                let _ = tx.send(Action::Failed(message));
                return;
            }
        };
        let next = net::Link::new(profile);
        let slot = Arc::clone(&self.switched);
        let tx = tx.clone();
        tokio::spawn(async move {
            let action = match next.client().await {
                Ok(_) => {
                    let info = ConnectionInfo::from_profile(next.profile());
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(next);
                    }
                    Action::Connected(Box::new(info))
                }
                // The kept connection first: the message line cuts long errors.
                Err(e) => Action::Failed(format!(
                    "cannot connect to `{name}`, still on the previous connection: {e}"
                )),
            };
            let _ = tx.send(action);
        });
    }

    /// Takes over the connection `.connect` made, if there is one waiting, as a new session.
    fn take_switched(&mut self) {
        let next = self.switched.lock().ok().and_then(|mut slot| slot.take());
        if let Some(next) = next {
            self.session = Session::over(next);
            if let Some(watcher) = self.watcher.take() {
                watcher.abort();
            }
            self.watching = false;
        }
    }

    fn start_query(
        &mut self,
        id: QueryId,
        text: &str,
        options: QueryOptions,
        tx: &UnboundedSender<Action>,
    ) {
        let fail = |message: String, span: Option<(usize, usize)>| {
            let _ = tx.send(Action::QueryFailed { id, message, span });
        };
        let statements = match self.session.compile(text) {
            Ok(s) => s,
            Err(diagnostics) => {
                let first = diagnostics.first();
                let message = first.map_or_else(
                    || "the query does not compile".to_owned(),
                    |d| match &d.help {
                        Some(help) => format!("{}; {help}", d.message),
                        None => d.message.clone(),
                    },
                );
                return fail(message, first.map(|d| (d.span.start, d.span.end)));
            }
        };
        let queries: Vec<Query> = statements
            .into_iter()
            .filter_map(|s| match s {
                Statement::Query(q) => Some(q),
                Statement::Binding(_) => None,
            })
            .collect();
        if queries.is_empty() {
            // `var x = ...` binds a name for later queries and has nothing to show.
            let _ = tx.send(Action::QueryFinished {
                id,
                elapsed: Duration::ZERO,
                profile: None,
            });
            return;
        }
        let mut messages = Vec::with_capacity(queries.len());
        for query in queries {
            let (term, mut optargs) = match self.session.prepare(&query) {
                Ok(prepared) => prepared,
                Err(refusal) => {
                    let span = Some((query.span.start, query.span.end));
                    return fail(refusal.to_string(), span);
                }
            };
            if options.profile {
                optargs.insert("profile".into(), Value::Bool(true));
            }
            messages.push((query, term, optargs));
        }
        let (control, rx) = mpsc::unbounded_channel();
        self.queries.retain(|_, c| !c.is_closed());
        self.queries.insert(id, control);
        let net = self.session.net().clone();
        let tx = tx.clone();
        let limit = self.session.profile().query_timeout;
        tokio::spawn(run_queries(id, net, messages, limit, rx, tx));
    }

    fn check_syntax(revision: u64, text: &str, bindings: &[String], lang: reql::Lang) -> Action {
        let mut env = Env::with_lang(lang);
        // Names bound by earlier runs are known to the session; declare them so a query using
        // them is not flagged.
        let prelude: String = bindings
            .iter()
            .map(|n| match lang {
                reql::Lang::Js => format!("var {n} = 0;\n"),
                reql::Lang::Python => format!("{n} = 0\n"),
            })
            .collect();
        let source = format!("{prelude}{}", blank_meta_lines(text));
        let error = reql::compile(&source, &mut env).err().and_then(|ds| {
            ds.into_iter().next().map(|d| SyntaxError {
                span: (
                    d.span.start.saturating_sub(prelude.len()),
                    d.span.end.saturating_sub(prelude.len()),
                ),
                message: match d.help {
                    Some(help) => format!("{}; {help}", d.message),
                    None => d.message,
                },
            })
        });
        Action::SyntaxChecked { revision, error }
    }

    fn load_catalog(&self, tx: &UnboundedSender<Action>) {
        let net = self.session.net().clone();
        let tx = tx.clone();
        let shared = Arc::clone(&self.catalog);
        tokio::spawn(async move {
            let result = catalog::load(&net).await.map_err(|e| {
                if e.connection_failed() {
                    let _ = tx.send(Action::ConnectionDropped {
                        reason: e.to_string(),
                    });
                }
                e.to_string()
            });
            // The catalog is the first query of a session: say how it is connected.
            if let Some(client) = net.current().await {
                let _ = tx.send(Action::ConnectionStateChanged(connected(&net, &client)));
            }
            let action = match result {
                Ok(dbs) => {
                    if let Ok(mut slot) = shared.lock() {
                        slot.clone_from(&dbs);
                    }
                    Action::CatalogLoaded(dbs)
                }
                Err(message) => Action::CatalogFailed(message),
            };
            let _ = tx.send(action);
        });
    }

    fn count(&self, db: String, table: String, tx: &UnboundedSender<Action>) {
        let term = match reql::compile_query(&count_query(&db, &table)) {
            Ok(q) => q.term(),
            Err(_) => {
                let _ = tx.send(Action::CountFailed {
                    db,
                    table,
                    message: "the table name cannot be quoted".into(),
                });
                return;
            }
        };
        let net = self.session.net().clone();
        let tx = tx.clone();
        let limit = self.count_timeout;
        tokio::spawn(async move {
            let outcome = tokio::time::timeout(limit, run_to_value(&net, &term)).await;
            let action = match outcome {
                Ok(Ok(value)) => match value.as_u64() {
                    Some(count) => Action::CountLoaded { db, table, count },
                    None => Action::CountFailed {
                        db,
                        table,
                        message: format!("count returned {value}"),
                    },
                },
                Ok(Err(e)) => Action::CountFailed {
                    db,
                    table,
                    message: e.to_string(),
                },
                // Dropping the cursor on timeout sent STOP.
                Err(_) => Action::CountFailed {
                    db,
                    table,
                    message: format!("no answer in {} s", limit.as_secs()),
                },
            };
            let _ = tx.send(action);
        });
    }
}

impl SessionBackend {
    /// Counts what a write waiting for confirmation may touch, in the session's database.
    fn count_documents(&self, text: String, tx: &UnboundedSender<Action>) {
        let count = needs_confirmation(&text).and_then(|c| c.count);
        let net = self.session.net().clone();
        let db = self.session.db.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let documents = match count {
                Some(count) => count_documents(&net, &db, &count).await,
                None => None,
            };
            let _ = tx.send(Action::DocumentsCounted { text, documents });
        });
    }

    /// Reads a system view's table on the session's connection, within the count timeout.
    fn load_system(&self, view: SystemView, tx: &UnboundedSender<Action>) {
        let term = match reql::compile_query(&view.query()) {
            Ok(q) => q.term(),
            Err(_) => {
                let _ = tx.send(Action::SystemLoaded {
                    view,
                    result: Err(
                        "the system view's query does not compile; this is a bug in rdbsh".into(),
                    ),
                });
                return;
            }
        };
        let net = self.session.net().clone();
        let tx = tx.clone();
        let limit = self.count_timeout;
        tokio::spawn(async move {
            let result = match tokio::time::timeout(limit, run_to_value(&net, &term)).await {
                Ok(Ok(Value::Array(rows))) => Ok(rows),
                Ok(Ok(other)) => Ok(vec![other]),
                Ok(Err(e)) => Err(format!("cannot read rethinkdb.{}: {e}", view.table())),
                // Dropping the cursor on timeout sent STOP.
                Err(_) => Err(format!(
                    "rethinkdb.{} gave no answer in {} s",
                    view.table(),
                    limit.as_secs()
                )),
            };
            let _ = tx.send(Action::SystemLoaded { view, result });
        });
    }
}

impl SessionBackend {
    /// Reads the cluster picture for the browser's cluster node, with the name of the server
    /// the connection is on.
    fn load_cluster(&self, tx: &UnboundedSender<Action>) {
        self.read_cluster(tx, |status| {
            Action::ClusterLoaded(status.map(|s| Picture {
                cluster: s.cluster,
                here: s.here.and_then(|e| e.server),
            }))
        });
    }

    /// `.status`: the text of `rdbsh status`.
    fn cluster_status(&self, tx: &UnboundedSender<Action>) {
        self.read_cluster(tx, |status| Action::ClusterStatus(status.map(|s| s.text())));
    }

    /// [`shell::cluster::status`](crate::shell::cluster::status) on the session's connection
    /// within the count timeout, answered with `answer`.
    fn read_cluster(
        &self,
        tx: &UnboundedSender<Action>,
        answer: impl FnOnce(Result<crate::shell::cluster::Status, String>) -> Action + Send + 'static,
    ) {
        let net = self.session.net().clone();
        let tx = tx.clone();
        let limit = self.count_timeout;
        tokio::spawn(async move {
            let read = crate::shell::cluster::status(&net);
            let result = match tokio::time::timeout(limit, read).await {
                Ok(Ok(status)) => Ok(status),
                Ok(Err(e)) => Err(format!("cannot read the cluster: {e}")),
                Err(_) => Err(format!(
                    "the cluster gave no answer in {} s",
                    limit.as_secs()
                )),
            };
            let _ = tx.send(answer(result));
        });
    }

    /// Runs the reconfiguration as a dry run and answers with what it would do.
    fn dry_run_reconfigure(
        &self,
        (db, table): (String, String),
        (shards, replicas): (u64, u64),
        tx: &UnboundedSender<Action>,
    ) {
        let text = reconfigure_query(&db, &table, shards, replicas, true);
        let compiled = reql::compile_query(&text).map(|q| q.term());
        let net = self.session.net().clone();
        let tx = tx.clone();
        let limit = self.count_timeout;
        tokio::spawn(async move {
            let result = match compiled {
                Err(_) => Err("the table name cannot be quoted".to_owned()),
                Ok(term) => match tokio::time::timeout(limit, run_to_value(&net, &term)).await {
                    Ok(Ok(value)) => Ok(cluster::reconfigure_preview(&value)),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!("no answer in {} s", limit.as_secs())),
                },
            };
            let _ = tx.send(Action::ReconfigurePreview {
                db,
                table,
                shards,
                replicas,
                result,
            });
        });
    }

    /// Runs `text` again (its last query) and streams the whole result into the file.
    fn export_query(&mut self, text: &str, export: Export, tx: &UnboundedSender<Action>) {
        let query = self.session.compile(text).ok().and_then(|statements| {
            statements.into_iter().rev().find_map(|s| match s {
                Statement::Query(q) => Some(q),
                Statement::Binding(_) => None,
            })
        });
        let prepared = match query.as_ref().map(|q| self.session.prepare(q)) {
            Some(Ok(prepared)) => prepared,
            Some(Err(refusal)) => {
                let _ = tx.send(Action::Exported(Err(refusal.to_string())));
                return;
            }
            None => {
                let message = "not exported: the query no longer compiles; run it again first";
                let _ = tx.send(Action::Exported(Err(message.into())));
                return;
            }
        };
        let net = self.session.net().clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let (term, optargs) = prepared;
            let result = match net.run_value(&term, &optargs).await {
                Ok(mut cursor) => crate::shell::export::to_file(&mut cursor, &export).await,
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(Action::Exported(exported(result, &export)));
        });
    }
}

/// Writes a tab's rows into the file, off the event loop.
fn export_rows(rows: Vec<Doc>, export: Export, tx: &UnboundedSender<Action>) {
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let texts = rows.iter().map(|d| crate::nesting::to_string(d));
        let result = crate::shell::export::rows_to_file(texts, &export);
        let _ = tx.send(Action::Exported(exported(result, &export)));
    });
}

/// What an export says when done: `exported 12 rows to out.csv`.
fn exported(result: Result<u64, String>, export: &Export) -> Result<String, String> {
    result
        .map(|n| {
            let s = if n == 1 { "" } else { "s" };
            format!("exported {n} row{s} to {}", export.path.display())
        })
        .map_err(|e| format!("not exported: {e}"))
}

impl SessionBackend {
    /// `.save`, `.run` and `.queries` on the profile's named queries' file.
    fn named_query(&self, command: crate::shell::Meta, last: &str) -> Action {
        use crate::shell::{Meta, queries};
        let path = self
            .session
            .profile()
            .queries
            .clone()
            .or_else(queries::default_path);
        let path = path.as_deref();
        let answer = match command {
            Meta::Save(name, text) => queries::save(path, &name, text.as_deref().unwrap_or(last))
                .map(Action::NamedQueryInfo),
            Meta::Run(name, args) => queries::resolve(path, &name, &args, self.session.lang())
                .map(Action::NamedQueryBound),
            _ => {
                let names = queries::names(path);
                Ok(Action::NamedQueryInfo(if names.is_empty() {
                    "no saved queries: run one, then .save NAME".into()
                } else {
                    format!(
                        "saved queries: {} (.run NAME k=v runs one)",
                        names.join(", ")
                    )
                }))
            }
        };
        answer.unwrap_or_else(Action::Failed)
    }
}

impl Backend for SessionBackend {
    fn handle(&mut self, effect: Effect, tx: &UnboundedSender<Action>) {
        self.take_switched();
        self.connect(tx);
        match effect {
            Effect::StartQuery { id, text, options } => self.start_query(id, &text, options, tx),
            Effect::FetchMore(id) => {
                if let Some(control) = self.queries.get(&id) {
                    let _ = control.send(Control::More);
                }
            }
            Effect::Stop(id) => {
                // A task that already ended sent its last action before it let go of the
                // control channel, so the UI gets its answer either way.
                if let Some(control) = self.queries.remove(&id) {
                    let _ = control.send(Control::Stop);
                }
            }
            Effect::CheckSyntax { revision, text } => {
                let _ = tx.send(Self::check_syntax(
                    revision,
                    &text,
                    &self.session.bindings(),
                    self.session.lang(),
                ));
            }
            Effect::Complete {
                revision,
                text,
                cursor,
            } => {
                let catalog = self.catalog.lock().map(|c| c.clone()).unwrap_or_default();
                let found = completion::complete(&text, cursor, &catalog, &self.session.bindings());
                let items = found
                    .items
                    .into_iter()
                    .map(|c| Completion {
                        label: c.label,
                        signature: Some(c.signature).filter(|s| !s.is_empty()),
                        help: Some(c.help).filter(|s| !s.is_empty()),
                    })
                    .collect();
                let _ = tx.send(Action::CompletionsArrived {
                    revision,
                    replace: found.replace,
                    items,
                });
            }
            Effect::LoadCatalog => self.load_catalog(tx),
            Effect::SetLang(lang) => self.session.set_lang(lang),
            Effect::CountTable { db, table } => self.count(db, table, tx),
            Effect::LoadSystem(view) => self.load_system(view, tx),
            Effect::CountDocuments { text } => self.count_documents(text, tx),
            Effect::UseDatabase(db) => self.session.db = db,
            Effect::Connect(name) => self.connect_profile(name, tx),
            Effect::LoadCluster => self.load_cluster(tx),
            Effect::ClusterStatus => self.cluster_status(tx),
            Effect::DryRunReconfigure {
                db,
                table,
                shards,
                replicas,
            } => self.dry_run_reconfigure((db, table), (shards, replicas), tx),
            Effect::ExportRows { rows, export } => export_rows(rows, export, tx),
            Effect::ExportQuery { text, export } => self.export_query(&text, export, tx),
            Effect::NamedQuery { command, last } => {
                let _ = tx.send(self.named_query(command, &last));
            }
            // Terminal effects are the event loop's; nothing to do here.
            Effect::CopyToClipboard(_)
            | Effect::OpenExternalEditor(_)
            | Effect::AppendHistory(_)
            | Effect::Suspend
            | Effect::Quit => {}
        }
    }
}

/// `text` with its meta-command lines (`.use demo`) blanked, offsets kept: they are no ReQL
/// for the syntax check.
fn blank_meta_lines(text: &str) -> String {
    let mut out = text.to_owned();
    for item in crate::shell::items(text) {
        if let crate::shell::Item::Meta(span, _) = item
            && let Some(line) = text.get(span.start..span.end)
        {
            out.replace_range(span.start..span.end, &" ".repeat(line.len()));
        }
    }
    out
}

/// The connection watcher: reports each state change of the session's connection and, once it
/// drops, reconnects with a growing pause between attempts. A refused login is not retried
/// (the password will not change by itself); the next query tries again.
async fn watch_connection(net: net::Link, tx: UnboundedSender<Action>) {
    let report = |state: ConnectionState| tx.send(Action::ConnectionStateChanged(state)).is_ok();
    let mut attempt: u32 = 0;
    loop {
        match net.client().await {
            Ok(client) => {
                attempt = 0;
                if !report(connected(&net, &client)) {
                    return;
                }
                tokio::select! {
                    () = client.closed() => {}
                    () = tx.closed() => return,
                }
                if !report(ConnectionState::Lost {
                    reason: "the server closed the connection; reconnecting".into(),
                }) {
                    return;
                }
            }
            Err(e) if e.kind() == Kind::Auth => {
                let _ = report(ConnectionState::Lost {
                    reason: e.to_string(),
                });
                return;
            }
            // The first connection failing is news; later failures keep the reconnecting state.
            Err(e) if attempt == 0 => {
                if !report(ConnectionState::Lost {
                    reason: format!("{e}; reconnecting"),
                }) {
                    return;
                }
            }
            Err(_) => {}
        }
        let pause = RECONNECT_FIRST
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(RECONNECT_MAX);
        attempt = attempt.saturating_add(1);
        // Said before the pause, so the status bar shows `reconnecting` for as long as it is.
        if !report(ConnectionState::Reconnecting { attempt }) {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = tx.closed() => return,
        }
    }
}

/// The connection state of a live client.
fn connected(net: &net::Link, client: &net::Client) -> ConnectionState {
    let verified = net
        .profile()
        .tls
        .as_ref()
        .is_some_and(|t| t.verify != Verify::None);
    let info = client.info();
    ConnectionState::Connected {
        tls: info.tls.as_ref().map(|t| TlsInfo {
            version: t.protocol_version.replace('_', "."),
            verified,
        }),
        server: Some(format!("{}:{}", info.host, info.port)),
    }
}

/// Runs a term and collects its whole result as one value (atoms as is, sequences as arrays).
async fn run_to_value(net: &net::Link, term: &Value) -> Result<Value, net::Error> {
    let mut cursor = net.run_value(term, &Map::new()).await?;
    let mut rows = Vec::new();
    let mut atom = None;
    while let Some(batch) = cursor.next_batch().await? {
        if batch.kind == net::BatchKind::Atom {
            atom = batch.rows.into_iter().next();
        } else {
            rows.extend(batch.rows);
        }
    }
    match atom {
        Some(row) => Ok(parse_row(&row)),
        None => Ok(Value::Array(rows.iter().map(parse_row).collect())),
    }
}

/// A raw row as a value (the sandbox and RethinkDB always send valid JSON).
fn parse_row(row: &Row) -> Value {
    serde_json::from_str(row.get()).unwrap_or(Value::Null)
}

/// A row of any depth as a value (rows come validated from the cursor).
fn parse_doc(row: &Row) -> Doc {
    Doc::parse(row.get()).unwrap_or_default()
}

/// How one query's task ended.
enum End {
    Done,
    Stopped,
    Failed,
}

/// The task of one run: each query in turn, batches streamed to the UI.
async fn run_queries(
    id: QueryId,
    net: net::Link,
    queries: Vec<(Query, Value, Map<String, Value>)>,
    limit: Option<Duration>,
    mut control: UnboundedReceiver<Control>,
    tx: UnboundedSender<Action>,
) {
    let started = Instant::now();
    let mut profile = None;
    let mut announced = false;
    for (query, term, optargs) in queries {
        let mut deadline = QueryDeadline::start(limit);
        let opened = tokio::select! {
            opened = net.run_value(&term, &optargs) => opened,
            // Dropping the start ends the wait; a cursor never made sends no STOP of its own.
            () = deadline.passed() => return timed_out(id, &query, &deadline, &tx),
        };
        let cursor = match opened {
            Ok(c) => c,
            Err(e) => {
                report_failure(id, &query, &e, &tx);
                return;
            }
        };
        if let Some(client) = net.current().await {
            let _ = tx.send(Action::ConnectionStateChanged(connected(&net, &client)));
        }
        let mut run = Run {
            id,
            query: &query,
            deadline: &mut deadline,
            control: &mut control,
            tx: &tx,
            announced: &mut announced,
        };
        let (end, p) = stream(&mut run, cursor).await;
        profile = p.or(profile);
        match end {
            End::Done => {}
            End::Stopped => break,
            End::Failed => return,
        }
    }
    let _ = tx.send(Action::QueryFinished {
        id,
        elapsed: started.elapsed(),
        profile,
    });
}

/// One query of a run, as [`stream`] reads it.
struct Run<'a> {
    id: QueryId,
    query: &'a Query,
    deadline: &'a mut QueryDeadline,
    control: &'a mut UnboundedReceiver<Control>,
    tx: &'a UnboundedSender<Action>,
    announced: &'a mut bool,
}

/// The statement waited on the server past `--query-timeout`: it fails with a message saying so.
fn timed_out(id: QueryId, query: &Query, deadline: &QueryDeadline, tx: &UnboundedSender<Action>) {
    let span = Some((query.span.start, query.span.end));
    let message = deadline.message();
    let _ = tx.send(Action::QueryFailed { id, message, span });
}

/// Streams one cursor: the first batch at once, then one per `More` (feeds read on).
async fn stream(run: &mut Run<'_>, mut cursor: Cursor) -> (End, Option<Doc>) {
    let (id, query, tx) = (run.id, run.query, run.tx);
    // Batches the UI asked for beyond the first.
    let mut credit: u32 = 1;
    loop {
        if credit == 0 && !cursor.is_feed() {
            match run.control.recv().await {
                Some(Control::More) => {
                    credit += 1;
                    // Rows fetched at the user's pace: the timeout counts from the asking.
                    run.deadline.restart();
                }
                Some(Control::Stop) | None => return (stop(cursor).await, None),
            }
            continue;
        }
        let batch = tokio::select! {
            batch = cursor.next_batch() => batch,
            c = run.control.recv() => match c {
                Some(Control::More) => { credit += 1; continue; }
                Some(Control::Stop) | None => return (stop(cursor).await, None),
            },
            () = run.deadline.passed() => {
                stop(cursor).await;
                timed_out(id, query, run.deadline, tx);
                return (End::Failed, None);
            }
        };
        match batch {
            Ok(Some(batch)) => {
                if !*run.announced {
                    *run.announced = true;
                    let _ = tx.send(Action::QueryStarted {
                        id,
                        feed: cursor.is_feed(),
                    });
                }
                let more = batch.kind == net::BatchKind::Partial;
                let rows = match batch.kind {
                    // An atom array shows as rows, as the drivers turn it into a cursor.
                    net::BatchKind::Atom => match batch.rows.first().map(parse_doc) {
                        Some(doc) => match doc.into_inner() {
                            Value::Array(items) => items.into_iter().map(Doc).collect(),
                            v => vec![Doc(v)],
                        },
                        None => Vec::new(),
                    },
                    _ => batch.rows.iter().map(parse_doc).collect(),
                };
                credit = credit.saturating_sub(1);
                if tx.send(Action::BatchArrived { id, rows, more }).is_err() {
                    return (stop(cursor).await, None);
                }
                if !more {
                    let profile = cursor.profile().map(parse_doc);
                    return (End::Done, profile);
                }
            }
            Ok(None) => return (End::Done, cursor.profile().map(parse_doc)),
            Err(e) => {
                report_failure(id, query, &e, tx);
                return (End::Failed, None);
            }
        }
    }
}

/// Sends STOP on the one connection (the session stays) and reads the stream to its end, so
/// the cursor is finished when dropped (no second STOP).
async fn stop(mut cursor: Cursor) -> End {
    let _ = cursor.stop_handle().stop();
    let drain = async { while let Ok(Some(_)) = cursor.next_batch().await {} };
    let _ = tokio::time::timeout(STOP_WAIT, drain).await;
    End::Stopped
}

fn report_failure(id: QueryId, query: &Query, e: &net::Error, tx: &UnboundedSender<Action>) {
    let (message, span) = match e.server_error() {
        Some(server) => {
            let span = query.span_of(&server.backtrace_json());
            (
                format!("{}: {}", server.class_name(), server.message),
                Some((span.start, span.end)),
            )
        }
        None => (e.to_string(), None),
    };
    if matches!(
        e.kind(),
        Kind::Closed | Kind::Interrupted | Kind::Io | Kind::Timeout
    ) {
        let _ = tx.send(Action::ConnectionDropped {
            reason: format!("{message}; reconnecting"),
        });
    }
    let _ = tx.send(Action::QueryFailed { id, message, span });
}

#[cfg(test)]
mod meta_line_tests {
    use super::*;

    #[test]
    fn meta_command_lines_are_no_syntax_error() {
        let text = ".use demo\nr.table('users').count()";
        assert_eq!(
            SessionBackend::check_syntax(1, text, &[], reql::Lang::Js),
            Action::SyntaxChecked {
                revision: 1,
                error: None
            }
        );
        assert_eq!(blank_meta_lines(text).len(), text.len());
    }
}
