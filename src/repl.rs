//! The plain line REPL on rustyline: a prompt per statement, `... ` while it is open, results
//! printed with the renderer and paged like mongosh (`it` for more).
//!
//! Thin on `shell`: statements and meta-commands from [`crate::shell::items`], the session,
//! history, completion and error reports are the ones the TUI and batch mode use. rustyline
//! owns the terminal only while a line is read; queries run in between on the tokio runtime,
//! with Ctrl-C (a SIGINT then, the terminal being in cooked mode) sending STOP.

mod helper;
mod password;

pub use password::read_password;

use std::collections::VecDeque;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use crate::cli::Exit;
use crate::config::Profile;
use crate::net::{self, BatchKind};
use crate::protocol::Row;
use crate::render::{Format, Kind, RenderError, RenderOptions, Renderer, Styles, Theme};
use crate::reql::{self, Query, Statement, is_complete};
use crate::shell::catalog::{self, DbEntry};
use crate::shell::history::{self, History};
use crate::shell::report::{self, Source};
use crate::shell::session::Confirmation;
use crate::shell::{Item, Meta, QueryDeadline, Running, Session, StartError, items_in, meta};

use helper::ReplHelper;

/// Rows shown before `Type "it" for more`, as mongosh does.
pub const DEFAULT_PAGE_ROWS: usize = 20;

/// Resolves the profile of `.connect NAME`.
pub type Connector = Box<dyn Fn(&str) -> Result<Profile, String>>;

/// How the REPL prints.
#[derive(Debug, Clone)]
pub struct Options {
    /// Result format (`.format` changes it).
    pub format: Format,
    /// Colours: results, errors, input highlighting, hints.
    pub color: bool,
    /// Table lines are cut to this many cells (`--max-width`); `None`: values are never cut.
    pub max_width: Option<usize>,
    /// `N rows · 12 ms` after each result (`.timing` changes it).
    pub timing: bool,
    /// Rows per page of a sequence.
    pub page_rows: usize,
    /// The history file; `None` keeps history in memory only.
    pub history_path: Option<PathBuf>,
    /// What history never keeps (`[history] redact`).
    pub redactor: history::Redactor,
    /// `[repl] edit_mode`.
    pub edit_mode: crate::config::EditMode,
    /// `--quiet`: no notices on stderr (a query that ran on another server).
    pub quiet: bool,
}

/// Why the REPL could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplError {
    /// rustyline could not set up the terminal.
    #[error("cannot start the line editor: {0}; try `rdbsh -f -` for plain input")]
    Editor(#[from] ReadlineError),
    /// Reading a line failed (the terminal went away).
    #[error("cannot read input: {0}")]
    Read(ReadlineError),
}

/// A sequence shown page by page, waiting for `it`.
struct Paged {
    running: Running,
    /// Rows of the last server batch not printed yet.
    rows: VecDeque<Row>,
    /// The server sent the last batch.
    exhausted: bool,
    kind: Kind,
    /// The statement, for error reports of later batches.
    text: String,
    at: usize,
    query: Query,
    /// `--query-timeout` for the waits of this page.
    deadline: QueryDeadline,
}

/// How a page ended.
enum PageEnd {
    /// More rows wait for `it`.
    More,
    Done,
    Interrupted,
    /// The server kept the page waiting past `--query-timeout`; STOP was sent.
    TimedOut,
    Failed(net::Error),
    Output(RenderError),
}

/// Why the first batch did not come.
enum NoBatch {
    Interrupted,
    TimedOut,
}

/// The REPL state.
struct Repl<'r> {
    runtime: &'r tokio::runtime::Runtime,
    session: Session,
    options: Options,
    connect: Connector,
    history: History,
    catalog: Arc<Mutex<Option<Vec<DbEntry>>>>,
    paged: Option<Paged>,
    /// The last statement run, for `.edit` on an empty buffer.
    last: String,
    /// The term of the last query compiled, for `.show js|python`.
    last_term: Option<serde_json::Value>,
    /// The first failure's exit code: a REPL fed from a pipe exits with it, as a script would.
    failure: std::cell::Cell<Option<Exit>>,
    /// `.export FILE`: where the next statement's result goes.
    export: Option<crate::shell::export::Export>,
    /// The last statement run (not a meta-command), for `.save`.
    last_statement: String,
}

/// How `.lang` names a language to the user.
fn lang_label(lang: crate::reql::Lang) -> &'static str {
    match lang {
        crate::reql::Lang::Js => "JavaScript",
        crate::reql::Lang::Python => "Python",
    }
}

/// Runs the REPL until Ctrl-D or `.quit`.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    session: Session,
    mut options: Options,
    connect: Connector,
) -> Result<Exit, ReplError> {
    #[cfg(unix)]
    runtime.block_on(async {
        // Installs the SIGINT handler for good, so Ctrl-C between reads never kills the shell.
        let _ = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    });
    let theme = options.color.then(Theme::dark);
    if theme.is_some() {
        std::thread::spawn(crate::render::preload_syntaxes);
    }
    let (history, history_path, unreadable) =
        history::open_for_session(options.history_path.take(), options.redactor.clone());
    options.history_path = history_path;
    if let Some(e) = unreadable {
        eprint!("{}", report::plain(&e.to_string(), options.color));
    }
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .edit_mode(match options.edit_mode {
            crate::config::EditMode::Emacs => rustyline::EditMode::Emacs,
            crate::config::EditMode::Vi => rustyline::EditMode::Vi,
        })
        .max_history_size(history::DEFAULT_CAP)?
        .build();
    let catalog = Arc::new(Mutex::new(None));
    let mut helper = ReplHelper::new(catalog.clone(), theme);
    helper.set_loader(runtime.handle().clone(), session.net().clone());
    let mut editor: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(helper));
    for entry in history.iter() {
        let _ = editor.add_history_entry(entry);
    }
    let mut repl = Repl {
        runtime,
        session,
        options,
        connect,
        history,
        catalog,
        paged: None,
        last: String::new(),
        last_term: None,
        failure: std::cell::Cell::new(None),
        export: None,
        last_statement: String::new(),
    };
    repl.connect_first(&mut editor);
    repl.refresh_catalog();
    repl.run_loop(&mut editor)
}

impl Repl<'_> {
    /// `name:db> `; with several hosts, `name@server:db> ` says which one it is on.
    fn prompt(&self) -> String {
        let profile = self.session.profile();
        let mut label = profile.name.clone().unwrap_or_else(|| profile.host.clone());
        if (profile.hosts.len() > 1 || profile.discover)
            && let Some(server) = self.session.whereabouts()
        {
            label = format!("{label}@{server}");
        }
        format!("{label}:{}> ", self.session.db)
    }

    fn run_loop(
        &mut self,
        editor: &mut Editor<ReplHelper, DefaultHistory>,
    ) -> Result<Exit, ReplError> {
        let mut pending = String::new();
        loop {
            let prompt = if pending.is_empty() {
                self.prompt()
            } else {
                "... ".to_owned()
            };
            if let Some(h) = editor.helper_mut() {
                h.pending.clone_from(&pending);
                h.db.clone_from(&self.session.db);
                h.bindings = self.session.bindings();
                h.bindings
                    .retain(|b| !crate::shell::queries::is_generated(b));
                h.lang = self.session.lang();
                h.queries_path = self.queries_path();
            }
            let line = match editor.readline(&prompt) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => {
                    // Ctrl-C at the prompt clears the line and any statement left open.
                    pending.clear();
                    continue;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(ReplError::Read(e)),
            };
            if pending.is_empty() {
                let trimmed = line.trim();
                if let Some(paged) = self.paged.take() {
                    if trimmed == "it" || trimmed.is_empty() {
                        self.next_page(paged);
                        continue;
                    }
                    // Anything else abandons the cursor: dropping it sends STOP.
                    drop(paged);
                } else if trimmed == "it" {
                    self.error("no cursor to iterate; run a query that returns a sequence first");
                    continue;
                }
                if trimmed.is_empty() {
                    continue;
                }
                if let Some(parsed) = meta::parse(&line) {
                    self.remember(editor, trimmed);
                    match parsed {
                        Ok(command) => {
                            if !self.apply_meta(command, editor, &pending) {
                                break;
                            }
                        }
                        Err(message) => self.error(&message),
                    }
                    continue;
                }
                if let Some(word) = unknown_command(trimmed) {
                    // Nothing is open for a `.word` line to continue: a mistyped command.
                    self.remember(editor, trimmed);
                    self.error(&format!(
                        "unknown command `.{word}`; .help lists the commands"
                    ));
                    continue;
                }
            }
            if !pending.is_empty() && meta::parse(&line) == Some(Ok(Meta::Edit)) {
                // `.edit` at the `... ` prompt opens the statement written so far.
                let buffer = std::mem::take(&mut pending);
                self.edit(editor, &buffer);
                continue;
            }
            pending.push_str(&line);
            if !self.complete(&pending) {
                pending.push('\n');
                continue;
            }
            let text = std::mem::take(&mut pending);
            self.remember(editor, &text);
            if !self.run_text(&text, editor) {
                break;
            }
        }
        // Leaving with a paged cursor: dropping it sends STOP.
        self.paged = None;
        if io::stdin().is_terminal() {
            // Mistakes typed at a prompt are not the session's outcome.
            return Ok(Exit::Ok);
        }
        Ok(self.failure.get().unwrap_or(Exit::Ok))
    }

    fn failed(&self, exit: Exit) {
        if self.failure.get().is_none() {
            self.failure.set(Some(exit));
        }
    }

    /// Adds a run to the history (redacted) and saves the file.
    fn remember(&mut self, editor: &mut Editor<ReplHelper, DefaultHistory>, text: &str) {
        if !self.history.push(text) {
            return;
        }
        if let Some(entry) = self.history.get(self.history.len() - 1) {
            let _ = editor.add_history_entry(entry);
        }
        if let Some(path) = &self.options.history_path
            && let Some(entry) = self.history.last()
            && let Err(e) = history::append(path, entry)
        {
            // A warning, not a failed statement.
            eprint!("{}", report::plain(&e.to_string(), self.options.color));
        }
    }

    /// Runs `report` until it answers or Ctrl-C; prints its text on stdout, or its error.
    fn print_report<T, E: std::fmt::Display>(
        &self,
        report: impl std::future::Future<Output = Result<T, E>>,
        text: impl FnOnce(&T) -> String,
    ) {
        match self.runtime.block_on(interruptible(report)) {
            Some(Ok(answer)) => print!("{}", text(&answer)),
            Some(Err(e)) => self.error(&e.to_string()),
            None => eprintln!("interrupted"),
        }
    }

    fn error(&self, message: &str) {
        self.failed(Exit::QueryFailed);
        eprint!("{}", report::plain(message, self.options.color));
    }

    /// `.export`: the statement's whole result into the file, streamed.
    fn export_statement(&mut self, text: &str, export: Option<crate::shell::export::Export>) {
        let Some(export) = export else { return };
        let run = crate::shell::export::run(&mut self.session, text, &export);
        match self.runtime.block_on(run) {
            Ok(rows) => println!("{rows} rows exported to {}", export.path.display()),
            Err(message) => self.error(&message),
        }
    }

    /// Runs statements and meta-command lines; false means quit.
    fn run_text(&mut self, text: &str, editor: &mut Editor<ReplHelper, DefaultHistory>) -> bool {
        self.last = text.trim_end().to_owned();
        for item in items_in(text, self.session.lang()) {
            match item {
                Item::Meta(_, Err(message)) => self.error(&message),
                Item::Meta(_, Ok(command)) => {
                    if !self.apply_meta(command, editor, "") {
                        return false;
                    }
                }
                Item::Code(span) if self.export.is_some() => {
                    let export = self.export.take();
                    self.export_statement(span.text(text), export);
                }
                Item::Code(span) => {
                    self.last_statement = span.text(text).trim().to_owned();
                    if !self.run_statement(text, span.start, span.text(text), editor) {
                        break;
                    }
                }
            }
        }
        true
    }

    /// The named queries' file: the profile's `queries`, else the data directory's.
    fn queries_path(&self) -> Option<PathBuf> {
        self.session
            .profile()
            .queries
            .clone()
            .or_else(crate::shell::queries::default_path)
    }

    /// `.run NAME k=v ...`; false when Ctrl-C stopped it.
    fn run_named(
        &mut self,
        name: &str,
        args: &[(String, String)],
        editor: &mut Editor<ReplHelper, DefaultHistory>,
    ) -> bool {
        let path = self.queries_path();
        match crate::shell::queries::resolve(path.as_deref(), name, args, self.session.lang()) {
            Ok(bound) => self.run_statement(&bound, 0, &bound, editor),
            Err(message) => {
                self.error(&message);
                true
            }
        }
    }

    /// `.save NAME` and `.queries`.
    fn queries_meta(&mut self, command: Meta) {
        let path = self.queries_path();
        let result = match command {
            Meta::Save(name, text) => {
                let text = text.as_deref().unwrap_or(&self.last_statement);
                crate::shell::queries::save(path.as_deref(), &name, text).map(|m| format!("{m}\n"))
            }
            _ => crate::shell::queries::listing(path.as_deref()),
        };
        match result {
            Ok(text) => print!("{text}"),
            Err(message) => self.error(&message),
        }
    }

    /// Applies a meta-command; false means quit.
    fn apply_meta(
        &mut self,
        command: Meta,
        editor: &mut Editor<ReplHelper, DefaultHistory>,
        buffer: &str,
    ) -> bool {
        match command {
            Meta::Help => {
                print!("{}", meta::help_text());
                println!("  {:<16}  more rows of the last result (also Enter)", "it");
                println!(
                    "  {:<16}  stop a running query, or clear the line",
                    "Ctrl-C"
                );
            }
            Meta::Use(db) => {
                let known = self.database_exists(&db);
                if known == Some(false) {
                    // A warning, not a failure: the database may be created next.
                    eprint!(
                        "{}",
                        report::plain(
                            &format!(
                                "database `{db}` does not exist; queries will fail until \
                                 r.dbCreate('{db}') creates it"
                            ),
                            self.options.color
                        )
                    );
                }
                self.session.db = db;
            }
            Meta::Format(format) => self.options.format = format,
            Meta::Timing(on) => self.options.timing = on,
            Meta::Quit => return false,
            Meta::Ping => {
                let net = self.session.net().clone();
                let ping = crate::shell::ping::ping(&net);
                self.print_report(ping, |p| p.report());
            }
            Meta::Status => {
                let net = self.session.net().clone();
                let status = crate::shell::cluster::status(&net);
                self.print_report(status, |s| s.text());
            }
            Meta::Connect(name) => match (self.connect)(&name) {
                Ok(profile) => self.switch_session(Session::new(profile), &name, editor),
                Err(message) => self.error(&message),
            },
            Meta::History => {
                let width = self.history.len().to_string().len();
                for (i, entry) in self.history.iter().enumerate() {
                    let entry = entry.replace('\n', &format!("\n{:width$}  ", ""));
                    println!("{:>width$}  {entry}", i + 1);
                }
            }
            Meta::Edit => self.edit(editor, buffer),
            Meta::Export(export) => {
                println!(
                    "the next statement's result goes to {}",
                    export.path.display()
                );
                self.export = Some(export);
            }
            Meta::Lang(lang) => {
                self.session.set_lang(lang);
                println!("reading {}", lang_label(lang));
            }
            Meta::Run(name, args) => {
                // Ctrl-C during the query stops only it: there is nothing after it to skip.
                let _ = self.run_named(&name, &args, editor);
            }
            Meta::Save(..) | Meta::Queries => self.queries_meta(command),
            Meta::Show(lang) => match &self.last_term {
                None => self.error("no query yet: run one, then .show js or .show python"),
                Some(term) => match crate::reql::to_source(term, lang) {
                    Ok(source) => println!("{source}"),
                    Err(why) => self.error(&format!(
                        "cannot write the query as {}: {why}",
                        lang_label(lang)
                    )),
                },
            },
        }
        let _ = io::stdout().flush();
        true
    }

    /// Connects before the first prompt and says what failed, as psql does; on a terminal,
    /// a profile without a secret that the server refuses gets a password prompt.
    fn connect_first(&mut self, editor: &mut Editor<ReplHelper, DefaultHistory>) {
        loop {
            let net = self.session.net().clone();
            let label = self.prompt().trim_end_matches("> ").to_owned();
            let connecting = async {
                let client = net.client();
                tokio::pin!(client);
                match tokio::time::timeout(std::time::Duration::from_secs(1), &mut client).await {
                    Ok(done) => done,
                    Err(_) => {
                        // A silent server would hold a blank screen for the whole timeout.
                        eprintln!("connecting to {label}... (Ctrl-C stops waiting)");
                        client.await
                    }
                }
            };
            let error = match self.runtime.block_on(interruptible(connecting)) {
                Some(Ok(_)) => return self.note_first_server(),
                Some(Err(e)) => e,
                None => {
                    eprintln!("interrupted; not connected yet (the first query connects)");
                    return;
                }
            };
            let profile = self.session.profile().clone();
            if Exit::from(&error) == Exit::Auth
                && profile.secret.is_none()
                && io::stdin().is_terminal()
            {
                eprint!("{}", report::plain(&error.to_string(), self.options.color));
                match read_password(&format!("password for {}@{label}: ", profile.user)) {
                    Ok(Some(secret)) => {
                        let mut profile = profile;
                        profile.secret = Some(crate::config::Secret::new(secret));
                        self.session = Session::new(profile);
                        if let Some(h) = editor.helper_mut() {
                            let net = self.session.net().clone();
                            h.set_loader(self.runtime.handle().clone(), net);
                        }
                        continue;
                    }
                    Ok(None) => return,
                    Err(e) => {
                        self.error(&format!("cannot read a password: {e}"));
                        return;
                    }
                }
            }
            self.failed(Exit::from(&error));
            eprint!(
                "{}",
                report::plain(
                    &format!(
                        "cannot connect to {label}: {error}; queries try again, \
                         .connect NAME switches profile"
                    ),
                    self.options.color
                )
            );
            return;
        }
    }

    /// Remembers the server of the first connection (a later query elsewhere is announced);
    /// with several hosts, learns its name for the prompt.
    fn note_first_server(&self) {
        let profile = self.session.profile();
        let several = profile.hosts.len() > 1 || profile.discover;
        self.runtime.block_on(async {
            if several {
                let wait = std::time::Duration::from_secs(2);
                let _ = tokio::time::timeout(wait, self.session.net().identify()).await;
            }
            self.session.server_change().await
        });
    }

    /// `.connect NAME`: connects `next` first and only then drops the working session, as
    /// psql's `\c` does; a failed connect leaves everything as it was.
    fn switch_session(
        &mut self,
        next: Session,
        name: &str,
        editor: &mut Editor<ReplHelper, DefaultHistory>,
    ) {
        let net = next.net().clone();
        match self.runtime.block_on(interruptible(net.client())) {
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                let kept = self.prompt();
                self.failed(Exit::from(&e));
                self.error(&format!(
                    "cannot connect to `{name}`: {e}; still on {}",
                    kept.trim_end_matches("> ")
                ));
                return;
            }
            None => {
                eprintln!("interrupted; still on the previous connection");
                return;
            }
        }
        self.paged = None;
        self.session = next;
        if let Ok(mut slot) = self.catalog.lock() {
            *slot = None;
        }
        if let Some(h) = editor.helper_mut() {
            h.set_loader(self.runtime.handle().clone(), self.session.net().clone());
        }
        self.note_first_server();
        println!("connected to {}", self.prompt().trim_end_matches("> "));
        self.refresh_catalog();
    }

    /// `.edit`: the buffer (or the last statement) in `$EDITOR`; what is saved runs.
    fn edit(&mut self, editor: &mut Editor<ReplHelper, DefaultHistory>, buffer: &str) {
        let initial = if buffer.trim().is_empty() {
            self.last.clone()
        } else {
            buffer.to_owned()
        };
        match crate::shell::editor::edit(&initial).map_err(|e| e.to_string()) {
            Ok(text) if text.trim() == initial.trim() && !initial.trim().is_empty() => {
                // Quitting the editor without saving must not run the old text again.
                eprintln!("unchanged; nothing run (Up brings it back from the history)");
            }
            Ok(text) if !text.trim().is_empty() => {
                let text = text.trim_end().to_owned();
                println!("{text}");
                self.remember(editor, &text);
                self.run_text(&text, editor);
            }
            Ok(_) => {}
            Err(message) => self.error(&message),
        }
    }

    /// Compiles and runs one statement; false stops the rest of the text (Ctrl-C).
    fn run_statement(
        &mut self,
        text: &str,
        at: usize,
        statement: &str,
        editor: &mut Editor<ReplHelper, DefaultHistory>,
    ) -> bool {
        let source = Source::new(text, None);
        let statements = match self.session.compile(statement) {
            Ok(s) => s,
            Err(diagnostics) => {
                self.failed(Exit::QueryFailed);
                eprint!(
                    "{}",
                    report::compile_errors(source, at, &diagnostics, self.options.color)
                );
                return true;
            }
        };
        for statement in statements {
            let Statement::Query(query) = statement else {
                continue;
            };
            self.last_term = Some(query.term());
            if !self.confirmed(&query, editor) {
                eprintln!("not run");
                continue;
            }
            let ddl = catalog::changes_catalog(&query.term());
            let go_on = self.run_query(text, at, query);
            if ddl {
                self.refresh_catalog();
            }
            if !go_on {
                return false;
            }
        }
        true
    }

    /// True when `query` may run: it is not destructive (a write no get, getAll or filter
    /// bounds, a drop, reconfigure, rebalance; the TUI's rule), or the user said yes. Asked
    /// only on a terminal: piped input is a script, and its next line is no answer.
    fn confirmed(&self, query: &Query, editor: &mut Editor<ReplHelper, DefaultHistory>) -> bool {
        if !io::stdin().is_terminal() {
            return true;
        }
        // Decided on the compiled term, so a name bound earlier (`var t = ...`) is seen through.
        let Some(confirmation) = Confirmation::of(&query.term()) else {
            return true;
        };
        let documents = self.runtime.block_on(self.session.count_for(&confirmation));
        let what = confirmation.reason(documents);
        match editor.readline(&format!("this query {what}; run it? [y/N] ")) {
            Ok(answer) => matches!(answer.trim(), "y" | "Y" | "yes"),
            Err(_) => false,
        }
    }

    /// Starts a query and prints its first page; false when interrupted.
    fn run_query(&mut self, text: &str, at: usize, query: Query) -> bool {
        self.paged = None;
        let started = Instant::now();
        let source = Source::new(text, None);
        let deadline = QueryDeadline::start(self.session.profile().query_timeout);
        let first = self.runtime.block_on(async {
            let mut interrupt = Interrupt::new();
            // Connecting may wait for the whole timeout on a silent server: Ctrl-C ends it too.
            let mut running = tokio::select! {
                running = self.session.start(&query) => running?,
                () = interrupt.recv() => return Ok(Err(NoBatch::Interrupted)),
                () = deadline.passed() => return Ok(Err(NoBatch::TimedOut)),
            };
            // A query on another server than the last one: the link failed over.
            if !self.options.quiet
                && let Some(notice) = self.session.server_change().await
            {
                eprintln!("rdbsh: {notice}");
            }
            let end = tokio::select! {
                batch = running.cursor.next_batch() => return Ok(Ok((running, batch))),
                () = interrupt.recv() => NoBatch::Interrupted,
                () = deadline.passed() => NoBatch::TimedOut,
            };
            let _ = running.cursor.stop_handle().stop();
            Ok(Err(end))
        });
        let (running, batch) = match first {
            Ok(Ok(pair)) => pair,
            Ok(Err(NoBatch::Interrupted)) => {
                eprintln!("interrupted; the query was stopped");
                return false;
            }
            Ok(Err(NoBatch::TimedOut)) => {
                self.error(&deadline.message());
                return true;
            }
            Err(StartError::Refused(refusal)) => {
                self.error(&refusal.to_string());
                return true;
            }
            Err(StartError::Net(e)) => {
                self.net_error(source, at, &query, &e);
                return true;
            }
        };
        let batch = match batch {
            Ok(Some(batch)) => batch,
            Ok(None) => {
                self.timing(0, false, started);
                return true;
            }
            Err(e) => {
                self.net_error(source, at, &query, &e);
                return true;
            }
        };
        let kind = match batch.kind {
            BatchKind::Atom => Kind::Atom,
            _ if running.cursor.is_feed() => Kind::Feed,
            _ => Kind::Sequence,
        };
        let paged = Paged {
            running,
            exhausted: batch.kind != BatchKind::Partial,
            rows: batch.rows.into(),
            kind,
            text: text.to_owned(),
            at,
            query,
            deadline,
        };
        self.show_page(paged, started)
    }

    /// `it`: the next page of the paged cursor.
    fn next_page(&mut self, mut paged: Paged) {
        // The wait for the user was not the server's: the timeout counts from `it`.
        paged.deadline.restart();
        self.show_page(paged, Instant::now());
    }

    /// Prints one page (a whole atom, a feed until Ctrl-C); false when interrupted.
    fn show_page(&mut self, mut paged: Paged, started: Instant) -> bool {
        let mut renderer = Renderer::new(RenderOptions {
            format: self.options.format,
            styles: if self.options.color {
                Theme::dark().styles()
            } else {
                Styles::plain()
            },
            max_width: self.options.max_width,
            // A page is short: held whole, it prints under one header with exact widths.
            table_sample_rows: None,
        });
        let page_rows = self.options.page_rows.max(1);
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let end = self
            .runtime
            .block_on(print_page(&mut paged, &mut renderer, &mut out, page_rows));
        let _ = out.flush();
        drop(out);
        let rows = renderer.rows_rendered();
        match end {
            PageEnd::More => {
                self.timing(rows, true, started);
                println!("Type \"it\" for more");
                self.paged = Some(paged);
                true
            }
            PageEnd::Done => {
                self.timing(rows, false, started);
                true
            }
            PageEnd::Interrupted => {
                eprintln!("interrupted; the query was stopped");
                false
            }
            PageEnd::TimedOut => {
                self.error(&paged.deadline.message());
                true
            }
            PageEnd::Failed(e) => {
                let source = Source::new(&paged.text, None);
                self.net_error(source, paged.at, &paged.query, &e);
                true
            }
            PageEnd::Output(e) => {
                self.error(&e.to_string());
                true
            }
        }
    }

    fn timing(&self, rows: u64, more: bool, started: Instant) {
        if !self.options.timing {
            return;
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let noun = if rows == 1 { "row" } else { "rows" };
        let more = if more { " · more available" } else { "" };
        let line = format!("{rows} {noun}{more} · {ms:.0} ms");
        if self.options.color {
            println!("\x1b[2m{line}\x1b[0m");
        } else {
            println!("{line}");
        }
    }

    fn net_error(&self, source: Source<'_>, at: usize, query: &Query, e: &net::Error) {
        self.failed(Exit::from(e));
        match e.server_error() {
            Some(server) => eprint!(
                "{}",
                report::server_error(source, at, query, server, self.options.color)
            ),
            None => self.error(&e.to_string()),
        }
    }

    /// Whether the server has database `db`, from the catalog (read now when it has not
    /// arrived yet); `None` when that cannot be told.
    fn database_exists(&self, db: &str) -> Option<bool> {
        let loaded = self.catalog.lock().ok().and_then(|c| c.clone());
        let dbs = match loaded {
            Some(dbs) => dbs,
            None => {
                let net = self.session.net().clone();
                let wait = std::time::Duration::from_secs(2);
                // The timer is made inside the runtime: made outside it panics.
                let read = self
                    .runtime
                    .block_on(async { tokio::time::timeout(wait, catalog::load(&net)).await });
                let dbs = read.ok()?.ok()?;
                if let Ok(mut slot) = self.catalog.lock() {
                    *slot = Some(dbs.clone());
                }
                dbs
            }
        };
        Some(dbs.iter().any(|d| d.name == db))
    }

    /// Loads the catalog for completion in the background.
    fn refresh_catalog(&self) {
        let net = self.session.net().clone();
        let catalog = self.catalog.clone();
        self.runtime.spawn(async move {
            if let Ok(entries) = catalog::load(&net).await
                && let Ok(mut slot) = catalog.lock()
            {
                *slot = Some(entries);
            }
        });
    }
}

/// Prints rows until the page is full, the sequence ends, or Ctrl-C (a feed: until Ctrl-C).
async fn print_page(
    paged: &mut Paged,
    renderer: &mut Renderer,
    out: &mut dyn Write,
    page_rows: usize,
) -> PageEnd {
    let mut interrupt = Interrupt::new();
    if let Err(e) = renderer.begin(out, paged.kind) {
        return PageEnd::Output(e);
    }
    let mut printed = 0usize;
    let end = loop {
        let room = if paged.kind == Kind::Feed {
            usize::MAX
        } else {
            page_rows - printed
        };
        if room == 0 {
            break if paged.rows.is_empty() && paged.exhausted {
                PageEnd::Done
            } else {
                PageEnd::More
            };
        }
        if !paged.rows.is_empty() {
            let take = room.min(paged.rows.len());
            let rows: Vec<Row> = paged.rows.drain(..take).collect();
            printed += rows.len();
            let written = renderer
                .rows(out, &rows)
                .and_then(|()| out.flush().map_err(RenderError::Io));
            if let Err(e) = written {
                break PageEnd::Output(e);
            }
            continue;
        }
        if paged.exhausted {
            break PageEnd::Done;
        }
        let batch = tokio::select! {
            batch = paged.running.cursor.next_batch() => batch,
            () = interrupt.recv() => {
                let _ = paged.running.cursor.stop_handle().stop();
                break PageEnd::Interrupted;
            }
            () = paged.deadline.passed() => {
                let _ = paged.running.cursor.stop_handle().stop();
                break PageEnd::TimedOut;
            }
        };
        match batch {
            Ok(Some(batch)) => {
                paged.exhausted = batch.kind != BatchKind::Partial;
                paged.rows.extend(batch.rows);
            }
            Ok(None) => paged.exhausted = true,
            Err(e) => break PageEnd::Failed(e),
        }
    };
    if let Err(e) = renderer.end(out)
        && matches!(end, PageEnd::More | PageEnd::Done)
    {
        return PageEnd::Output(e);
    }
    end
}

/// The word of a `.word [args]` line that is no meta-command and no method call (`.count()`
/// continues a chain; `.conect prod` is a typo).
fn unknown_command(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('.')?;
    let end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (word, tail) = rest.split_at(end);
    let plain = tail.is_empty() || tail.starts_with(char::is_whitespace);
    (!word.is_empty() && plain && !tail.contains('(')).then_some(word)
}

/// `future`'s output, or `None` when Ctrl-C came first (a connect to a silent server would
/// otherwise hold the prompt for the whole timeout).
async fn interruptible<T>(future: impl std::future::Future<Output = T>) -> Option<T> {
    let mut interrupt = Interrupt::new();
    tokio::select! {
        out = future => Some(out),
        () = interrupt.recv() => None,
    }
}

/// Ctrl-C while a query runs. One listener per query, so a Ctrl-C pressed while rows are
/// being printed is seen at the next wait instead of lost.
struct Interrupt {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    /// Starts listening; call inside the runtime.
    fn new() -> Interrupt {
        Interrupt {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// Resolves at the next Ctrl-C.
    async fn recv(&mut self) {
        #[cfg(unix)]
        match &mut self.signal {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// True when more lines cannot complete the text (a string left open at a line end, a stray
/// bracket): it is run at once so that the compiler reports the mistake.
impl Repl<'_> {
    /// True when `pending` is ready to run: complete in the session's syntax, or broken
    /// beyond what more lines could mend.
    fn complete(&self, pending: &str) -> bool {
        match self.session.lang() {
            reql::Lang::Js => is_complete(pending) || is_broken(pending),
            reql::Lang::Python => reql::python::is_complete(pending),
        }
    }
}

fn is_broken(text: &str) -> bool {
    let source = format!("{text}\n");
    let lexed = reql::lexer::lex(&source);
    // Unclosed brackets are reported at the outermost and the innermost; more lines may
    // still close them.
    let unclosed = lexed.unclosed.len().min(2);
    !lexed.unterminated && lexed.errors.len() > unclosed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_wait_but_a_string_open_at_a_line_end_is_broken() {
        assert!(!is_broken("r.expr([1,"));
        assert!(!is_broken("r.expr(`a"));
        assert!(is_broken("r.dbCreate('x"));
        assert!(is_broken("r.expr(1))"));
    }

    #[test]
    fn ddl_terms_are_found_anywhere_in_the_query() {
        let q = |s: &str| reql::compile_query(s).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(catalog::changes_catalog(
            &q("r.db('demo').tableCreate('x')").term()
        ));
        assert!(catalog::changes_catalog(
            &q("r.expr(['a']).forEach(function(n) { return r.dbCreate(n) })").term()
        ));
        assert!(catalog::changes_catalog(
            &q("r.table('t').indexCreate('i')").term()
        ));
        assert!(!catalog::changes_catalog(&q("r.table('t').count()").term()));
    }
}
