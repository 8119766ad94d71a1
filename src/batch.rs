//! Batch mode: query files, stdin and `-e`, printed for pipes, with exit codes.
//!
//! Each statement runs on the one session, in order; each batch is printed as it arrives and
//! dropped, so memory stays flat for any result size. Ctrl-C sends STOP and exits 130; a
//! closed stdout (`| head`) ends quietly.

use std::io::{self, Write};
use std::time::Instant;

use crate::cli::{Exit, OnError};
use crate::net::{self, BatchKind};
use crate::render::table::DEFAULT_SAMPLE_ROWS;
use crate::render::{Format, Kind, RenderError, RenderOptions, Renderer, Styles};
use crate::reql::{Query, Statement};
use crate::shell::report::{self, Source};
use crate::shell::session::Confirmation;
use crate::shell::{Chunks, Item, Meta, QueryDeadline, Session, StartError, items_in, meta};

/// One source text to run.
pub struct Input {
    /// A file name for error locations (`None` for `-e`).
    pub name: Option<String>,
    /// The statements, read as a stream of chunks (see [`Chunks`]).
    pub reader: Box<dyn io::BufRead>,
}

impl Input {
    /// A text given whole (`-e`).
    pub fn text(name: Option<String>, text: String) -> Input {
        Input {
            name,
            reader: Box::new(io::Cursor::new(text.into_bytes())),
        }
    }
}

/// How batch mode prints.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output format.
    pub format: Format,
    /// Styles for results (plain when colour is off).
    pub styles: Styles,
    /// Colour in error reports.
    pub color: bool,
    /// Table lines are cut to this many cells (`--max-width`); `None`: values are never cut.
    pub max_width: Option<usize>,
    /// Stdout is a terminal: a table shows its rows as they come, after a sample, instead of
    /// holding the whole result for one header and exact widths.
    pub terminal: bool,
    /// Rows and elapsed time per statement on stderr.
    pub timing: bool,
    /// Stop or go on after a failed statement.
    pub on_error: OnError,
    /// At most this many rows per result (then STOP).
    pub limit: Option<u64>,
    /// Stdin is a terminal: a destructive query asks y/N there before it runs.
    pub confirm: bool,
    /// `.export FILE`: where the next statement's result goes instead of stdout.
    pub export: Option<crate::shell::export::Export>,
    /// The named queries' file (`.save`, `.run`, `.queries`).
    pub queries_path: Option<std::path::PathBuf>,
    /// The last statement run, for `.save`.
    pub last_statement: String,
    /// `--quiet`: no notices on stderr (a query that ran on another server).
    pub quiet: bool,
}

/// What happened to one statement.
enum Outcome {
    Done,
    Failed(Exit),
    /// Ctrl-C, or stdout closed: stop everything.
    End(Exit),
}

/// Runs every input in order; the exit code of the first failure, or of the interruption.
/// Inputs are read a chunk of statements at a time, so memory does not grow with their size.
pub async fn run(session: &mut Session, inputs: Vec<Input>, options: &Options) -> Exit {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut options = options.clone();
    let mut exit = Exit::Ok;
    for input in inputs {
        let mut chunks = Chunks::new(input.reader);
        loop {
            chunks.set_lang(session.lang());
            let chunk = match chunks.next_readable(input.name.as_deref()) {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(message) => {
                    eprint!("{}", report::plain(&message, options.color));
                    return finish(&mut out, Exit::Usage);
                }
            };
            let mut source = Source::new(&chunk.text, input.name.as_deref());
            source.line_offset = chunk.line_offset;
            let run = Run {
                session: &mut *session,
                options: &mut options,
                out: &mut out,
                exit: &mut exit,
            };
            if let Some(code) = run.text(source).await {
                return code;
            }
        }
    }
    finish(&mut out, exit)
}

/// What running a chunk of statements changes.
struct Run<'a, W: Write> {
    session: &'a mut Session,
    options: &'a mut Options,
    out: &'a mut W,
    exit: &'a mut Exit,
}

impl<W: Write> Run<'_, W> {
    /// Runs the items of one chunk; `Some(code)` when the run must end now.
    async fn text(self, source: Source<'_>) -> Option<Exit> {
        for item in items_in(source.text, self.session.lang()) {
            let outcome = match item {
                Item::Meta(_, Err(message)) => {
                    eprint!("{}", report::plain(&message, self.options.color));
                    Outcome::Failed(Exit::Usage)
                }
                Item::Meta(_, Ok(Meta::Run(name, args))) => {
                    let path = self.options.queries_path.as_deref();
                    match crate::shell::queries::resolve(path, &name, &args, self.session.lang()) {
                        Ok(text) => {
                            let source = Source::new(&text, None);
                            run_statement(self.session, source, 0, &text, self.options, self.out)
                                .await
                        }
                        Err(message) => {
                            eprint!("{}", report::plain(&message, self.options.color));
                            Outcome::Failed(Exit::Usage)
                        }
                    }
                }
                Item::Meta(_, Ok(command)) => {
                    match apply_meta(self.session, self.options, command).await {
                        Ok(true) => Outcome::Done,
                        Ok(false) => return Some(finish(self.out, *self.exit)),
                        Err(outcome) => outcome,
                    }
                }
                Item::Code(span) if self.options.export.is_some() => {
                    let export = self.options.export.take();
                    let text = span.text(source.text);
                    exported(self.session, text, export, self.options.color).await
                }
                Item::Code(span) => {
                    let text = span.text(source.text);
                    self.options.last_statement = text.to_owned();
                    run_statement(
                        self.session,
                        source,
                        span.start,
                        text,
                        self.options,
                        self.out,
                    )
                    .await
                }
            };
            match outcome {
                Outcome::Done => {}
                Outcome::End(code) => {
                    let _ = self.out.flush();
                    return Some(code);
                }
                Outcome::Failed(code) => {
                    if *self.exit == Exit::Ok {
                        *self.exit = code;
                    }
                    if self.options.on_error == OnError::Stop {
                        return Some(finish(self.out, *self.exit));
                    }
                }
            }
        }
        None
    }
}

fn finish(out: &mut impl Write, exit: Exit) -> Exit {
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("rdbsh: cannot write output: {e}");
            Exit::QueryFailed
        }
        _ => exit,
    }
}

/// `.export`: runs the statement into the file; says on stderr how many rows went there.
async fn exported(
    session: &mut Session,
    text: &str,
    export: Option<crate::shell::export::Export>,
    color: bool,
) -> Outcome {
    let Some(export) = export else {
        return Outcome::Done;
    };
    match crate::shell::export::run(session, text, &export).await {
        Ok(rows) => {
            eprintln!("{rows} rows exported to {}", export.path.display());
            Outcome::Done
        }
        Err(message) => {
            eprint!("{}", report::plain(&message, color));
            Outcome::Failed(Exit::QueryFailed)
        }
    }
}

/// Applies a meta-command; `Ok(false)` means quit.
async fn apply_meta(
    session: &mut Session,
    options: &mut Options,
    command: Meta,
) -> Result<bool, Outcome> {
    match command {
        Meta::Use(db) => session.db = db,
        Meta::Format(format) => options.format = format,
        Meta::Timing(on) => options.timing = on,
        Meta::Lang(lang) => session.set_lang(lang),
        // Reports go to stderr: stdout holds only results, so a pipe gets clean data.
        Meta::Help => eprint!("{}", meta::help_text()),
        Meta::Quit => return Ok(false),
        Meta::Ping => match crate::shell::ping::ping(session.net()).await {
            Ok(ping) => eprint!("{}", ping.report()),
            Err(e) => {
                eprint!("{}", report::plain(&e.to_string(), options.color));
                return Err(Outcome::Failed(Exit::from(&e)));
            }
        },
        Meta::Status => match crate::shell::cluster::status(session.net()).await {
            Ok(status) => eprint!("{}", status.text()),
            Err(e) => {
                eprint!("{}", report::plain(&e.to_string(), options.color));
                return Err(Outcome::Failed(e.exit()));
            }
        },
        Meta::Export(export) => options.export = Some(export),
        Meta::Save(..) | Meta::Queries | Meta::Run(..) => return queries_meta(options, command),
        Meta::Connect(_) | Meta::Edit | Meta::History | Meta::Show(_) => {
            eprint!(
                "{}",
                report::plain(
                    "this meta-command works in the REPL and the TUI, not in batch mode",
                    options.color
                )
            );
            return Err(Outcome::Failed(Exit::Usage));
        }
    }
    Ok(true)
}

/// `.save` and `.queries` (`.run` runs in [`Run::text`]); messages go to stderr.
fn queries_meta(options: &Options, command: Meta) -> Result<bool, Outcome> {
    let path = options.queries_path.as_deref();
    let result = match command {
        Meta::Save(name, text) => {
            let text = text.as_deref().unwrap_or(&options.last_statement);
            crate::shell::queries::save(path, &name, text).map(|m| format!("{m}\n"))
        }
        _ => crate::shell::queries::listing(path),
    };
    match result {
        Ok(message) => {
            eprint!("{message}");
            Ok(true)
        }
        Err(message) => {
            eprint!("{}", report::plain(&message, options.color));
            Err(Outcome::Failed(Exit::Usage))
        }
    }
}

async fn run_statement(
    session: &mut Session,
    source: Source<'_>,
    at: usize,
    text: &str,
    options: &Options,
    out: &mut impl Write,
) -> Outcome {
    let statements = match session.compile(text) {
        Ok(s) => s,
        Err(diagnostics) => {
            eprint!(
                "{}",
                report::compile_errors(source, at, &diagnostics, options.color)
            );
            return Outcome::Failed(Exit::QueryFailed);
        }
    };
    for statement in statements {
        if let Statement::Query(query) = statement {
            match run_query(session, source, at, &query, options, out).await {
                Outcome::Done => {}
                other => return other,
            }
        }
    }
    Outcome::Done
}

/// The statement ran past `--query-timeout`: it was stopped and fails (exit 1).
fn query_timed_out(deadline: &QueryDeadline, options: &Options) -> Outcome {
    eprint!("{}", report::plain(&deadline.message(), options.color));
    Outcome::Failed(Exit::QueryFailed)
}

/// Confirms (when asked) and starts a query; the outcome to report when it did not start.
async fn start_query(
    session: &Session,
    source: Source<'_>,
    at: usize,
    query: &Query,
    options: &Options,
    deadline: &QueryDeadline,
) -> Result<crate::shell::Running, Outcome> {
    if options.confirm && !confirmed(session, query).await {
        eprint!(
            "{}",
            report::plain("not run: the answer was not yes", options.color)
        );
        return Err(Outcome::Failed(Exit::QueryFailed));
    }
    let start = tokio::select! {
        start = session.start(query) => start,
        // The query may have reached the server; the connection's own STOP for it goes
        // out when its cursor is dropped, which never came to be here.
        () = deadline.passed() => return Err(query_timed_out(deadline, options)),
    };
    match start {
        Ok(running) => {
            // A query on another server than the last one: the link failed over.
            if !options.quiet
                && let Some(notice) = session.server_change().await
            {
                eprintln!("rdbsh: {notice}");
            }
            Ok(running)
        }
        Err(StartError::Refused(refusal)) => {
            eprint!("{}", report::plain(&refusal.to_string(), options.color));
            Err(Outcome::Failed(Exit::QueryFailed))
        }
        Err(StartError::Net(e)) => Err(net_failure(source, at, query, &e, options)),
    }
}

async fn run_query(
    session: &Session,
    source: Source<'_>,
    at: usize,
    query: &Query,
    options: &Options,
    out: &mut impl Write,
) -> Outcome {
    let started = Instant::now();
    let deadline = QueryDeadline::start(session.profile().query_timeout);
    let mut running = match start_query(session, source, at, query, options, &deadline).await {
        Ok(running) => running,
        Err(outcome) => return outcome,
    };
    let mut renderer = Renderer::new(RenderOptions {
        format: options.format,
        styles: options.styles,
        max_width: options.max_width,
        table_sample_rows: options.terminal.then_some(DEFAULT_SAMPLE_ROWS),
    });
    let mut begun = false;
    let mut rows: u64 = 0;
    // Only a write's own result counts: a read may well return a document with `errors`.
    let is_write = crate::reql::writes(&query.term()).is_some();
    let mut write_errors = WriteErrors::default();
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        let batch = tokio::select! {
            batch = running.cursor.next_raw_batch() => batch,
            () = deadline.passed() => {
                let _ = running.cursor.stop_handle().stop();
                end_output(&mut renderer, out, begun);
                return query_timed_out(&deadline, options);
            }
            _ = &mut interrupt => {
                let _ = running.cursor.stop_handle().stop();
                end_output(&mut renderer, out, begun);
                eprintln!("rdbsh: interrupted; the query was stopped");
                return Outcome::End(Exit::Interrupted);
            }
        };
        let mut batch = match batch {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(e) => {
                end_output(&mut renderer, out, begun);
                return net_failure(source, at, query, &e, options);
            }
        };
        if !begun {
            let kind = match batch.kind {
                BatchKind::Atom => Kind::Atom,
                _ if running.cursor.is_feed() => Kind::Feed,
                _ => Kind::Sequence,
            };
            if let Err(e) = renderer.begin(out, kind) {
                return write_failure(&e);
            }
            begun = true;
        }
        if is_write && batch.kind == BatchKind::Atom {
            batch.rows().for_each(|row| write_errors.add(row));
        }
        match write_batch(&mut renderer, out, &mut batch, options, &mut rows) {
            Ok(false) => {}
            Ok(true) => break,
            Err(e) => {
                if matches!(e, RenderError::Json(_)) {
                    // The rows before the bad one are kept: a table writes its sample.
                    end_output(&mut renderer, out, true);
                }
                return write_failure(&e);
            }
        }
    }
    // Dropping an unfinished cursor (after --limit) sends STOP.
    drop(running.cursor);
    if begun
        && let Err(e) = renderer
            .end(out)
            .and_then(|()| out.flush().map_err(RenderError::Io))
    {
        return write_failure(&e);
    }
    if options.timing {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        // Atom arrays print (and count) as rows, as the drivers turn them into cursors.
        let rows = renderer.rows_rendered();
        let noun = if rows == 1 { "row" } else { "rows" };
        eprintln!("{rows} {noun} · {ms:.0} ms");
    }
    match write_errors.report() {
        Some(message) => {
            eprint!("{}", report::plain(&message, options.color));
            Outcome::Failed(Exit::QueryFailed)
        }
        None => Outcome::Done,
    }
}

/// Ends a result that began printing (its closing bracket, a table's sample) and flushes.
fn end_output(renderer: &mut Renderer, out: &mut impl Write, begun: bool) {
    if begun {
        let _ = renderer.end(out);
    }
    let _ = out.flush();
}

/// Prints one batch, cut at `--limit`; true when the limit was reached.
fn write_batch(
    renderer: &mut Renderer,
    out: &mut impl Write,
    batch: &mut net::RawBatch,
    options: &Options,
    rows: &mut u64,
) -> Result<bool, RenderError> {
    let mut limited = false;
    if let Some(limit) = options.limit {
        let room = limit.saturating_sub(*rows);
        if (batch.len() as u64) >= room && batch.kind != BatchKind::Atom {
            batch.truncate(room as usize);
            limited = true;
        }
    }
    let count = batch.len() as u64;
    *rows += count;
    // An atom array prints as rows, so --limit cuts it like a sequence.
    let cut_atom = options
        .limit
        .filter(|_| batch.kind == BatchKind::Atom)
        .and_then(|limit| {
            batch
                .rows()
                .next()
                .and_then(|row| first_elements(row, limit))
        });
    if let Some(text) = cut_atom {
        renderer.raw_rows(out, std::iter::once(text.as_str()), false)
    } else if options.format == Format::Ndjson && batch.kind != BatchKind::Atom {
        // Rows become lines in the response body itself: no copy on the way to stdout.
        match batch.take_lines() {
            Some((bytes, range)) => {
                renderer.ndjson_lines(out, bytes.get(range).unwrap_or_default(), count)
            }
            None => renderer.raw_rows(out, batch.rows(), !batch.has_line_breaks()),
        }
    } else {
        renderer.raw_rows(out, batch.rows(), !batch.has_line_breaks())
    }
    .and_then(|()| out.flush().map_err(RenderError::Io))?;
    Ok(limited)
}

/// Asks y/N on the terminal before a destructive query (see [`Confirmation::of`]); true when
/// it needs no answer or the answer is yes.
async fn confirmed(session: &Session, query: &Query) -> bool {
    let Some(confirmation) = Confirmation::of(&query.term()) else {
        return true;
    };
    let what = confirmation.reason(session.count_for(&confirmation).await);
    eprint!("this query {what}; run it? [y/N] ");
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    matches!(answer, Ok(Ok(line)) if matches!(line.trim(), "y" | "Y" | "yes"))
}

/// The per-document errors a write result reports (`errors`, `first_error`): the write ran
/// but not all of it was done, which a script must see in the exit code.
#[derive(Debug, Default)]
struct WriteErrors {
    count: u64,
    first: Option<String>,
}

impl WriteErrors {
    fn add(&mut self, row: &str) {
        if !row.contains("\"errors\"") {
            return;
        }
        let Ok(serde_json::Value::Object(result)) = serde_json::from_str(row) else {
            return;
        };
        let count = result.get("errors").and_then(serde_json::Value::as_u64);
        if let Some(count) = count.filter(|&n| n > 0) {
            self.count += count;
            if self.first.is_none() {
                self.first = result
                    .get("first_error")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned);
            }
        }
    }

    fn report(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let noun = if self.count == 1 { "error" } else { "errors" };
        let first = self
            .first
            .as_deref()
            .unwrap_or("the server gave no message");
        Some(format!(
            "the write reported {} {noun}; the first: {first}",
            self.count
        ))
    }
}

/// The JSON array `text` cut to its first `limit` elements; `None` when it is not an array
/// or not longer than that.
fn first_elements(text: &str, limit: u64) -> Option<String> {
    if !text.trim_start().starts_with('[') {
        return None;
    }
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).ok()?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() <= limit {
        return None;
    }
    let mut out = String::from("[");
    for (i, item) in items.iter().take(limit).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item.get());
    }
    out.push(']');
    Some(out)
}

fn write_failure(e: &RenderError) -> Outcome {
    if e.is_broken_pipe() {
        // `| head` closed the pipe: nothing more to say to anyone.
        return Outcome::End(Exit::Ok);
    }
    eprintln!("rdbsh: {e}");
    match e {
        // A row that cannot be rendered fails its query; `--on-error continue` goes on.
        RenderError::Json(_) => Outcome::Failed(Exit::QueryFailed),
        RenderError::Io(_) => Outcome::End(Exit::QueryFailed),
    }
}

fn net_failure(
    source: Source<'_>,
    at: usize,
    query: &Query,
    e: &net::Error,
    options: &Options,
) -> Outcome {
    match e.server_error() {
        Some(server) => eprint!(
            "{}",
            report::server_error(source, at, query, server, options.color)
        ),
        None => eprint!("{}", report::plain(&e.to_string(), options.color)),
    }
    let exit = Exit::from(e);
    // A query cut off by a lost connection fails alone: the next one connects again (to the
    // next live host of a cluster). No point going on when connecting itself failed.
    if exit == Exit::QueryFailed || e.kind() == net::Kind::Interrupted {
        Outcome::Failed(exit)
    } else {
        Outcome::End(exit)
    }
}
