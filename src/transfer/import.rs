//! Import: documents from JSON, NDJSON or CSV files into tables, in batches with several
//! insert queries in flight on the one connection; then secondary indexes and the write hook.
//!
//! Files are read on a blocking thread (parsing is CPU work) that hands batches to the
//! inserting task through a bounded channel: memory stays flat whatever the file size.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::export::{atom, primary_key, values};
use super::format::{BadInput, CsvOptions, CsvReader, Doc, FileFormat, JsonReader};
use super::term;
use super::{Progress, TableName, TransferError, interrupted};
use crate::net::Link;
use crate::protocol::Frame;

/// What `--conflict` does with a document whose primary key is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Conflict {
    /// Count it as failed (the default).
    #[default]
    Error,
    /// Replace the stored document.
    Replace,
    /// Merge into the stored document.
    Update,
}

impl Conflict {
    fn name(self) -> &'static str {
        match self {
            Conflict::Error => "error",
            Conflict::Replace => "replace",
            Conflict::Update => "update",
        }
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub conflict: Conflict,
    /// Insert queries in flight at once.
    pub clients: usize,
    /// Documents per insert.
    pub batch_size: usize,
    /// Create the secondary indexes and the write hook named in `.info`.
    pub indexes: bool,
    pub shards: Option<u64>,
    pub replicas: Option<u64>,
    /// Import into tables that exist already.
    pub force: bool,
    /// Stop at the first bad row (`--on-error stop`).
    pub stop_on_error: bool,
    pub csv: CsvOptions,
}

/// One file to import and where to.
#[derive(Debug, Clone)]
pub struct Source {
    pub table: TableName,
    /// The file's name in messages (`DIR/db/t.json`, or a path inside an archive).
    pub label: String,
    pub format: FileFormat,
    /// The `.info` document, when there is one.
    pub info: Option<Map<String, Value>>,
    /// `--pkey`, which wins over `.info`.
    pub pkey: Option<String>,
}

/// What an import did; every field counts documents except `tables` and `index_errors`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub tables: u64,
    pub inserted: u64,
    pub replaced: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Secondary indexes or write hooks that could not be created.
    pub index_errors: u64,
}

impl ImportSummary {
    /// Adds another summary's counts.
    pub fn add(&mut self, other: &ImportSummary) {
        self.tables += other.tables;
        self.inserted += other.inserted;
        self.replaced += other.replaced;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.index_errors += other.index_errors;
    }

    /// The documents that went in (inserted, replaced, unchanged or skipped).
    pub fn written(&self) -> u64 {
        self.inserted + self.replaced + self.unchanged + self.skipped
    }

    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.index_errors == 0
    }

    /// The closing line.
    pub fn line(&self) -> String {
        format!(
            "{} inserted, {} replaced, {} unchanged, {} skipped, {} failed ({} tables{})",
            self.inserted,
            self.replaced,
            self.unchanged,
            self.skipped,
            self.failed,
            self.tables,
            if self.index_errors > 0 {
                format!(", {} index or hook errors", self.index_errors)
            } else {
                String::new()
            }
        )
    }
}

/// A table's import: its counts, and the error that cut it short if one did (the rows
/// before it stay imported and counted).
#[derive(Debug)]
pub struct TableOutcome {
    pub summary: ImportSummary,
    pub error: Option<TransferError>,
}

/// Documents of one insert.
struct Chunk {
    text: String,
    count: u64,
    /// The line each document starts on, in order.
    lines: Vec<u64>,
    /// Where each document starts in `text`.
    starts: Vec<usize>,
}

/// Imports one source read from `input`. Call from a blocking thread (not inside the runtime).
pub fn import_table(
    handle: &Handle,
    link: &Link,
    source: &Source,
    input: impl Read,
    options: &ImportOptions,
    progress: &Arc<dyn Progress>,
) -> TableOutcome {
    let mut summary = ImportSummary::default();
    let target = match handle.block_on(setup_table(link, source, options)) {
        Ok(target) => target,
        Err(error) => {
            return TableOutcome {
                summary,
                error: Some(error),
            };
        }
    };
    let label = source.table.to_string();
    progress.start(&label, None);
    let (tx, rx) = mpsc::channel::<Chunk>(options.clients.max(1) * 2);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let t = term::table(&source.table.db, &source.table.table);
    let writer = handle.spawn(insert_all(
        link.clone(),
        t,
        rx,
        options.clone(),
        Inserting {
            label: source.label.clone(),
            table: label.clone(),
            target,
            stop: stop.clone(),
            done,
            progress: progress.clone(),
        },
    ));
    let read = read_docs(source, input, options, &tx, &stop, progress.as_ref());
    drop(tx);
    match handle.block_on(writer) {
        Ok(s) => summary.add(&s),
        Err(e) => progress.note(&format!("{}: the inserting task failed: {e}", source.label)),
    }
    let error = match read {
        Ok(bad) => {
            summary.failed += bad;
            None
        }
        Err((bad, e)) => {
            summary.failed += bad;
            Some(e)
        }
    };
    let rows = summary.inserted + summary.replaced + summary.unchanged;
    progress.finish(&label, rows);
    summary.tables = 1;
    if error.is_none()
        && options.indexes
        && !interrupted()
        && let Some(info) = &source.info
    {
        let restored = restore_indexes(link, &source.table, info, progress.as_ref());
        summary.index_errors += handle.block_on(restored);
    }
    TableOutcome { summary, error }
}

/// What an import must know of its table.
struct Target {
    primary_key: String,
    /// The table has a write hook, so a stored document may differ from the one inserted.
    hooked: bool,
}

/// Creates the database and the table when missing, checks the primary key, waits for it.
async fn setup_table(
    link: &Link,
    source: &Source,
    options: &ImportOptions,
) -> Result<Target, TransferError> {
    let t = &source.table;
    let dbs = atom(link, &term::db_list(), "listing the databases").await?;
    if !dbs
        .as_array()
        .is_some_and(|a| a.iter().any(|d| d == t.db.as_str()))
    {
        atom(
            link,
            &term::db_create(&t.db),
            &format!("creating database {}", t.db),
        )
        .await?;
    }
    let tables = atom(
        link,
        &term::db_table_list(&t.db),
        &format!("listing the tables of {}", t.db),
    )
    .await?;
    let exists = tables
        .as_array()
        .is_some_and(|a| a.iter().any(|n| n == t.table.as_str()));
    let wanted_pk = source
        .pkey
        .clone()
        .or_else(|| source.info.as_ref().map(|i| primary_key(i).to_owned()));
    if exists && !options.force {
        return Err(TransferError::Usage(format!(
            "table {t} already exists; add --force to import into it"
        )));
    }
    if !exists {
        let mut create = Map::new();
        if let Some(pk) = &wanted_pk {
            create.insert("primary_key".into(), Value::from(pk.as_str()));
        }
        if let Some(n) = options.shards {
            create.insert("shards".into(), Value::from(n));
        }
        if let Some(n) = options.replicas {
            create.insert("replicas".into(), Value::from(n));
        }
        let what = format!("creating table {t}");
        atom(link, &term::table_create(&t.db, &t.table, &create), &what).await?;
    }
    let table = term::table(&t.db, &t.table);
    atom(
        link,
        &term::wait(table.clone()),
        &format!("waiting for {t}"),
    )
    .await?;
    let info = atom(link, &term::info(table.clone()), &format!("info of {t}")).await?;
    let actual = info
        .get("primary_key")
        .and_then(Value::as_str)
        .unwrap_or("id");
    if let Some(pk) = wanted_pk.filter(|pk| pk != actual) {
        return Err(TransferError::Usage(format!(
            "table {t} has the primary key `{actual}`, the import expects `{pk}`; import into another table"
        )));
    }
    let hook = atom(
        link,
        &term::get_write_hook(table),
        &format!("write hook of {t}"),
    )
    .await?;
    Ok(Target {
        primary_key: actual.to_owned(),
        hooked: !hook.is_null(),
    })
}

/// Reads documents, groups them into inserts and sends them; the count of bad rows, and the
/// error that stopped the reading if one did.
fn read_docs(
    source: &Source,
    input: impl Read,
    options: &ImportOptions,
    tx: &mpsc::Sender<Chunk>,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<u64, (u64, TransferError)> {
    let input = BufReader::with_capacity(1 << 18, input);
    let mut docs: Box<dyn FnMut() -> Result<Option<Doc>, BadInput>> = match source.format {
        FileFormat::Csv => match CsvReader::new(input, &options.csv) {
            Ok(mut r) => Box::new(move || r.next_doc()),
            Err(bad) => return Err((0, format_error(source, bad))),
        },
        _ => {
            let mut r = JsonReader::new(Box::new(input) as Box<dyn BufRead>);
            Box::new(move || r.next_doc())
        }
    };
    let mut bad = 0;
    let mut chunk = Chunk::new();
    let mut last_line = 0;
    loop {
        if interrupted() {
            progress.note(&format!(
                "{}: Ctrl-C: reading stopped at line {last_line}; the summary counts what is in",
                source.label
            ));
            return Err((bad, TransferError::Interrupted));
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(bad);
        }
        match docs() {
            Ok(Some(doc)) => {
                last_line = doc.line;
                chunk.push(doc);
                let full = chunk.count as usize >= options.batch_size.max(1);
                if full
                    && tx
                        .blocking_send(std::mem::replace(&mut chunk, Chunk::new()))
                        .is_err()
                {
                    return Ok(bad);
                }
            }
            Ok(None) => break,
            Err(e) if e.fatal => {
                let _ = tx.blocking_send(chunk);
                return Err((bad, format_error(source, e)));
            }
            Err(e) => {
                bad += 1;
                progress.note(&format!("{}:{}: {}", source.label, e.line, e.message));
                if options.stop_on_error {
                    let _ = tx.blocking_send(chunk);
                    return Err((bad, format_error(source, e)));
                }
            }
        }
    }
    if chunk.count > 0 {
        let _ = tx.blocking_send(chunk);
    }
    Ok(bad)
}

fn format_error(source: &Source, bad: BadInput) -> TransferError {
    TransferError::Format {
        file: source.label.clone(),
        line: bad.line,
        message: bad.message,
    }
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            text: String::new(),
            count: 0,
            lines: Vec::new(),
            starts: Vec::new(),
        }
    }

    fn push(&mut self, doc: Doc) {
        if self.count > 0 {
            self.text.push(',');
        }
        self.starts.push(self.text.len());
        self.text.push_str(&doc.wire);
        self.lines.push(doc.line);
        self.count += 1;
    }

    /// Takes out document `i` (with the comma before or after it).
    fn remove(&mut self, i: usize) {
        let Some(&start) = self.starts.get(i) else {
            return;
        };
        let (from, to) = match self.starts.get(i + 1) {
            Some(&next) => (start, next),
            None => (start.saturating_sub(1), self.text.len()),
        };
        self.text.replace_range(from..to, "");
        let cut = to - from;
        self.starts.remove(i);
        for s in &mut self.starts[i..] {
            *s -= cut;
        }
        self.lines.remove(i);
        self.count -= 1;
    }

    /// The wire text of document `i`.
    fn doc(&self, i: usize) -> &str {
        let start = self.starts.get(i).copied().unwrap_or(self.text.len());
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |next| next - 1);
        self.text.get(start..end).unwrap_or_default()
    }

    /// `FILE:LINE` or `FILE:FIRST-LAST`.
    fn lines(&self, label: &str) -> String {
        match (self.lines.first(), self.lines.last()) {
            (Some(first), Some(last)) if first != last => format!("{label}:{first}-{last}"),
            (Some(first), _) => format!("{label}:{first}"),
            _ => label.to_owned(),
        }
    }
}

/// What the inserting task shares with the rest.
struct Inserting {
    label: String,
    table: String,
    target: Target,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    progress: Arc<dyn Progress>,
}

/// Runs the inserts, at most `clients` at once, and adds up their answers.
async fn insert_all(
    link: Link,
    table: Value,
    mut rx: mpsc::Receiver<Chunk>,
    options: ImportOptions,
    ctx: Inserting,
) -> ImportSummary {
    let ctx = Arc::new(ctx);
    let mut summary = ImportSummary::default();
    let mut running = tokio::task::JoinSet::new();
    let mut closed = false;
    loop {
        // Keep `clients` inserts in flight while the reader has batches; after a failure
        // with `--on-error stop`, start no more (the batches already read are dropped).
        closed |= ctx.stop.load(Ordering::Relaxed);
        while !closed && running.len() < options.clients.max(1) {
            let Some(chunk) = rx.recv().await else {
                closed = true;
                break;
            };
            let conflict = options.conflict;
            let (link, ctx, table) = (link.clone(), ctx.clone(), table.clone());
            running.spawn(async move { insert(&link, &table, conflict, chunk, &ctx).await });
        }
        let Some(done) = running.join_next().await else {
            return summary;
        };
        if let Ok(one) = done {
            summary.add(&one);
            if !one.ok() && options.stop_on_error {
                ctx.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// One insert; its counts, each failed document reported by its line with the server's
/// message. A document that fails the whole query (an invalid pseudo-type, say: the server
/// stops before writing anything) is reported and the batch sent again without it.
///
/// With `--conflict error` or `replace` the insert asks for counts only and, when some
/// documents failed, finds them afterwards ([`find_failures`]): the server does about a fifth
/// less work than when it returns each document's outcome. `update` asks for each outcome,
/// since a document it merged cannot be told from one it refused after; except into a table
/// with a write hook, where RethinkDB 2.4 fails the whole query that asks for outcomes when
/// the hook refuses a document (after writing the others): there a failure is reported by its
/// batch.
async fn insert(
    link: &Link,
    table: &Value,
    conflict: Conflict,
    mut chunk: Chunk,
    ctx: &Inserting,
) -> ImportSummary {
    let mut summary = ImportSummary::default();
    let total = chunk.count;
    let finds_failures = matches!(conflict, Conflict::Error | Conflict::Replace);
    let with_changes = !finds_failures && !ctx.target.hooked;
    while chunk.count > 0 {
        let (text, shape) = if with_changes {
            let text = term::insert_changes_text(table, &chunk.text, conflict.name(), "soft");
            (text, InsertShape::WithChanges)
        } else {
            let text = term::insert_text(table, &chunk.text, conflict.name(), "soft");
            (text, InsertShape::Plain)
        };
        match run_insert(link, text, shape).await {
            Ok(answer) => {
                let answered = counts(&answer);
                summary.add(&answered);
                let failed = answered.failed;
                if failed > 0 && finds_failures {
                    let batch = Batch {
                        table,
                        chunk: &chunk,
                        conflict,
                    };
                    let retried = find_failures(link, &batch, &answer, failed, ctx).await;
                    summary.add(&retried);
                    summary.failed = summary.failed.saturating_sub(retried.written());
                } else if failed > 0 {
                    report_failures(&answer, &chunk, failed, ctx);
                }
                break;
            }
            Err(InsertFailure::Document(i, message)) if i < chunk.lines.len() => {
                summary.failed += 1;
                let line = chunk.lines[i];
                ctx.progress
                    .note(&format!("{}:{line}: {}", ctx.label, one_line(&message)));
                chunk.remove(i);
            }
            Err(e) => {
                summary.failed += chunk.count;
                let lines = chunk.lines(&ctx.label);
                ctx.progress
                    .note(&format!("{lines}: the insert failed: {}", e.message()));
                break;
            }
        }
    }
    let done = ctx.done.fetch_add(total, Ordering::Relaxed) + total;
    ctx.progress.advance(&ctx.table, done);
    summary
}

/// The counts of an insert's answer.
fn counts(answer: &Value) -> ImportSummary {
    let n = |k: &str| answer.get(k).and_then(Value::as_u64).unwrap_or(0);
    ImportSummary {
        inserted: n("inserted"),
        replaced: n("replaced"),
        unchanged: n("unchanged"),
        skipped: n("skipped"),
        failed: n("errors"),
        ..ImportSummary::default()
    }
}

/// An insert's documents, where they went and how.
struct Batch<'a> {
    table: &'a Value,
    chunk: &'a Chunk,
    conflict: Conflict,
}

/// After a plain insert (`conflict` error or replace) in which `failed` documents failed:
/// finds them. When all failed, the batch is sent again asking for each outcome. A document the table holds otherwise under its key failed (an insert that went
/// in stores the document as it is; with a write hook, one the table holds nothing under).
/// The others (stored exactly as written, or without a key of their own) all failed when as
/// many failed as remain; else which of them did cannot be told, and the rest is reported
/// together by the batch's lines. Returns the counts of the documents that went in on the
/// second try ([`insert_alone`]).
async fn find_failures(
    link: &Link,
    batch: &Batch<'_>,
    answer: &Value,
    failed: u64,
    ctx: &Inserting,
) -> ImportSummary {
    let chunk = batch.chunk;
    if failed == chunk.count && !ctx.target.hooked {
        // Every document failed (a file imported twice): sent again in one insert that asks
        // for each outcome, each fails again and the server says why.
        let text =
            term::insert_changes_text(batch.table, &chunk.text, batch.conflict.name(), "soft");
        if let Ok(again) = run_insert(link, text, InsertShape::WithChanges).await {
            let retried = counts(&again);
            report_failures(&again, chunk, retried.failed, ctx);
            return ImportSummary {
                failed: 0,
                ..retried
            };
        }
    }
    let flags = stored_differs(link, batch, ctx).await;
    let (differ, others): (Vec<usize>, Vec<usize>) =
        (0..flags.len()).partition(|&i| flags[i] == Some(true));
    if flags.is_empty() || differ.len() as u64 > failed {
        // The check failed, or the table changed under the import: by the batch.
        report_failures(answer, chunk, failed, ctx);
        return ImportSummary::default();
    }
    let mut retried = insert_alone(link, batch, &differ, ctx).await;
    let left = failed.saturating_sub(differ.len() as u64);
    if left > 0 && left == others.len() as u64 {
        retried.add(&insert_alone(link, batch, &others, ctx).await);
    } else if left > 0 {
        let which = match left {
            1 => "1 of these documents failed without a line of its own".to_owned(),
            n => format!("{n} of these documents failed without a line of their own"),
        };
        ctx.progress.note(&format!(
            "{}: {which} (stored already exactly as written, or without a primary key): {}",
            chunk.lines(&ctx.label),
            first_error(answer)
        ));
    }
    retried
}

/// For each document of a batch, whether the table holds something else under its key (see
/// [`term::stored_differs_text`]); none when it has no key of its own; an empty list when the
/// server could not answer. A key the server refuses (too long, an object) fails the whole
/// check, so a failed check is split in halves until the documents with such keys stand
/// alone: their inserts failed too.
async fn stored_differs(link: &Link, batch: &Batch<'_>, ctx: &Inserting) -> Vec<Option<bool>> {
    let chunk = batch.chunk;
    let n = chunk.lines.len();
    let mut flags = vec![None; n];
    // The ranges still to check, the whole batch first.
    let mut ranges = Vec::new();
    ranges.push(0..n);
    while let Some(range) = ranges.pop() {
        let docs = if range.len() == n {
            chunk.text.clone()
        } else {
            range
                .clone()
                .map(|i| chunk.doc(i))
                .collect::<Vec<_>>()
                .join(",")
        };
        let (pk, hooked) = (&ctx.target.primary_key, ctx.target.hooked);
        let check = term::stored_differs_text(batch.table, &docs, pk, hooked);
        match run_insert(link, check, InsertShape::Check).await {
            Ok(Value::Array(answer)) if answer.len() == range.len() => {
                for (i, flag) in range.zip(answer) {
                    flags[i] = flag.as_bool();
                }
            }
            Err(InsertFailure::Refused(_)) if range.len() > 1 => {
                let mid = range.start + range.len() / 2;
                ranges.extend([range.start..mid, mid..range.end]);
            }
            Err(InsertFailure::Refused(_)) => flags[range.start] = Some(true),
            // No answer (the connection, say): nothing to split.
            _ => return Vec::new(),
        }
    }
    flags
}

/// Inserts again, one at a time and as before, documents `which` of a batch that are known to
/// have failed (so they fail again, with their own message), and reports each failure by its
/// line with the server's message. Returns the counts of the documents that went in this time
/// (a failure that passed, such as a replica that was unavailable).
async fn insert_alone(
    link: &Link,
    batch: &Batch<'_>,
    which: &[usize],
    ctx: &Inserting,
) -> ImportSummary {
    let mut retried = ImportSummary::default();
    for &i in which {
        let doc = batch.chunk.doc(i);
        let text = term::insert_text(batch.table, doc, batch.conflict.name(), "soft");
        let message = match run_insert(link, text, InsertShape::Plain).await {
            Ok(again) if counts(&again).failed == 0 => {
                retried.add(&counts(&again));
                continue;
            }
            Ok(again) => first_error(&again),
            Err(e) => e.message().to_owned(),
        };
        let line = batch.chunk.lines[i];
        ctx.progress
            .note(&format!("{}:{line}: {}", ctx.label, one_line(&message)));
    }
    retried
}

/// Why an insert query failed.
enum InsertFailure {
    /// The server refused the query while reading its document at this index in the batch.
    Document(usize, String),
    /// The server refused the query otherwise.
    Refused(String),
    /// No answer from the server (the connection, a malformed response).
    Other(String),
}

impl InsertFailure {
    fn message(&self) -> &str {
        match self {
            InsertFailure::Document(_, m) | InsertFailure::Refused(m) | InsertFailure::Other(m) => {
                m
            }
        }
    }
}

/// Which of the texts of [`term`] a query is: where its documents sit in a backtrace.
#[derive(Clone, Copy)]
enum InsertShape {
    /// [`term::insert_text`]: document i of `insert(table, [docs...])` is at `[1, i]`.
    Plain,
    /// [`term::insert_changes_text`]: `r.do(insert(...), f)` puts it at `[1, 1, i]`.
    WithChanges,
    /// Not an insert ([`term::stored_differs_text`]): every error is the query's.
    Check,
}

/// Runs a query given as wire text; the server's answer (the first row).
async fn run_insert(link: &Link, text: String, shape: InsertShape) -> Result<Value, InsertFailure> {
    let other = |e: &dyn std::fmt::Display| InsertFailure::Other(e.to_string());
    let raw = RawValue::from_string(text).map_err(|e| other(&e))?;
    let client = link.client().await.map_err(|e| other(&e))?;
    let mut cursor = client
        .run(&raw, &crate::protocol::GlobalOptargs::new())
        .map_err(|e| other(&e))?;
    let rows = cursor.collect_rows().await.map_err(|e| {
        let Some(server) = e.server_error() else {
            return other(&e);
        };
        // An error whose backtrace leads into document i came from reading that document,
        // before any write.
        let i = match (shape, server.backtrace.as_slice()) {
            (InsertShape::Plain, [Frame::Pos(1), Frame::Pos(i), ..]) => Some(*i),
            (InsertShape::WithChanges, [Frame::Pos(1), Frame::Pos(1), Frame::Pos(i), ..]) => {
                Some(*i)
            }
            _ => None,
        };
        match i.and_then(|i| usize::try_from(i).ok()) {
            Some(i) => InsertFailure::Document(i, e.to_string()),
            None => InsertFailure::Refused(e.to_string()),
        }
    })?;
    let first = rows
        .first()
        .ok_or_else(|| other(&"no answer to the insert"))?;
    serde_json::from_str::<Value>(first.get()).map_err(|e| other(&e))
}

/// Reports each failed document of an insert as `FILE:LINE: message`, from the answer's
/// `changes` (a message or null per document, in order); by the batch's lines and the first
/// error when the answer does not line up with the batch.
fn report_failures(answer: &Value, chunk: &Chunk, failed: u64, ctx: &Inserting) {
    let messages = change_messages(answer).filter(|m| m.len() == chunk.lines.len());
    if let Some(messages) = messages {
        for (line, message) in chunk.lines.iter().zip(messages) {
            if let Some(message) = message {
                ctx.progress
                    .note(&format!("{}:{line}: {}", ctx.label, one_line(message)));
            }
        }
        return;
    }
    ctx.progress.note(&format!(
        "{}: {failed} of {} documents failed: {}",
        chunk.lines(&ctx.label),
        chunk.count,
        first_error(answer)
    ));
}

/// The `changes` of an answer from [`term::insert_changes_text`]: per document, the server's
/// message or none.
fn change_messages(answer: &Value) -> Option<Vec<Option<&str>>> {
    let changes = answer.get("changes").and_then(Value::as_array)?;
    Some(changes.iter().map(Value::as_str).collect())
}

/// The answer's `first_error`, on one line.
fn first_error(answer: &Value) -> String {
    one_line(
        answer
            .get("first_error")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
}

/// A server message on one line, cut at 300 characters: a duplicate key error quotes both
/// documents pretty-printed.
fn one_line(message: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

/// Recreates the secondary indexes (dropping same-named ones) and the write hook of `.info`
/// and waits for the indexes; the number that failed, each reported.
async fn restore_indexes(
    link: &Link,
    t: &TableName,
    info: &Map<String, Value>,
    progress: &dyn Progress,
) -> u64 {
    let table = term::table(&t.db, &t.table);
    let mut failed = 0;
    let mut report = |what: String, e: TransferError| {
        progress.note(&format!("{t}: {what}: {e}"));
        failed += 1;
    };
    let indexes = info
        .get("indexes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let existing = values(link, &term::index_list(table.clone()), "index list").await;
    let existing: Vec<Value> = match existing {
        Ok(v) => v
            .into_iter()
            .flat_map(|x| x.as_array().cloned().unwrap_or(vec![x]))
            .collect(),
        Err(e) => {
            report("listing indexes".into(), e);
            return failed;
        }
    };
    let mut created = Vec::new();
    for index in &indexes {
        let (Some(name), Some(function)) = (
            index.get("index").and_then(Value::as_str),
            index.get("function"),
        ) else {
            continue;
        };
        let drop = term::index_drop(table.clone(), name);
        if existing.iter().any(|e| e == name)
            && let Err(e) = atom(link, &drop, "index drop").await
        {
            report(format!("dropping index `{name}`"), e);
            continue;
        }
        match atom(
            link,
            &term::index_create(table.clone(), name, function),
            "index create",
        )
        .await
        {
            Ok(_) => created.push(name.to_owned()),
            Err(e) => report(format!("creating index `{name}`"), e),
        }
    }
    if !created.is_empty()
        && let Err(e) = atom(
            link,
            &term::index_wait(table.clone(), &created),
            "index wait",
        )
        .await
    {
        report("waiting for the indexes".into(), e);
    }
    if let Some(hook) = info.get("write_hook").filter(|h| !h.is_null()) {
        let function = hook.get("function").unwrap_or(hook);
        if let Err(e) = atom(link, &term::set_write_hook(table, function), "write hook").await {
            report("setting the write hook".into(), e);
        }
    }
    failed
}

/// The sources of an export directory: `DIR/DB/TABLE.{json,ndjson,csv}` with their `.info`.
/// A data file without its `.info` is returned as an error to report (its primary key and
/// indexes are unknown), the others are imported.
pub fn directory_sources(
    dir: &Path,
    selectors: &[super::Selector],
) -> Result<(Vec<Source>, Vec<TransferError>), TransferError> {
    let mut sources = Vec::new();
    let mut missing = Vec::new();
    let read = |p: &Path| std::fs::read_dir(p).map_err(|e| TransferError::io(p, e));
    let mut dbs: Vec<_> = read(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dbs.sort();
    for db_dir in dbs {
        let db = db_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<_> = read(&db_dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
            let Some(format) = FileFormat::from_extension(ext) else {
                continue;
            };
            let table = file
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !super::selected(selectors, &db, &table) {
                continue;
            }
            let info_path = file.with_extension("info");
            let info = match std::fs::read_to_string(&info_path) {
                Ok(text) => Some(parse_info(&text, &info_path.display().to_string())?),
                Err(_) => {
                    missing.push(TransferError::Missing {
                        file: info_path.display().to_string(),
                        message: format!("missing: {} is not imported (its primary key and indexes are unknown); restore the .info or import the file with -f and --pkey", file.display()),
                    });
                    continue;
                }
            };
            sources.push(Source {
                table: TableName {
                    db: db.clone(),
                    table,
                },
                label: file.display().to_string(),
                format,
                info,
                pkey: None,
            });
        }
    }
    Ok((sources, missing))
}

/// Parses a `.info` document.
pub fn parse_info(text: &str, label: &str) -> Result<Map<String, Value>, TransferError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TransferError::Format {
            file: label.to_owned(),
            line: 1,
            message: "not a table description (a JSON object)".into(),
        }),
        Err(e) => Err(TransferError::Format {
            file: label.to_owned(),
            line: e.line() as u64,
            message: format!("invalid JSON: {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(docs: &[&str]) -> Chunk {
        let mut c = Chunk::new();
        for (i, wire) in docs.iter().enumerate() {
            c.push(Doc {
                line: 10 + i as u64,
                wire: (*wire).to_owned(),
            });
        }
        c
    }

    #[test]
    fn removing_a_document_keeps_the_others_and_their_lines() {
        let docs = [r#"{"id":1}"#, r#"{"id":[2,[2,3]]}"#, r#"{"id":3}"#];
        for (i, (text, lines)) in [
            (r#"{"id":[2,[2,3]]},{"id":3}"#, vec![11, 12]),
            (r#"{"id":1},{"id":3}"#, vec![10, 12]),
            (r#"{"id":1},{"id":[2,[2,3]]}"#, vec![10, 11]),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = chunk(&docs);
            c.remove(i);
            assert_eq!((c.text.as_str(), &c.lines, c.count), (text, &lines, 2));
            // The offsets still point at the documents left.
            c.remove(1);
            assert_eq!(
                c.text,
                text.split_once("},")
                    .map(|(a, _)| format!("{a}}}"))
                    .unwrap()
            );
            c.remove(0);
            assert_eq!((c.text.as_str(), c.count), ("", 0));
        }
        assert_eq!(chunk(&docs).lines("f.json"), "f.json:10-12");
        assert_eq!(chunk(&docs[..1]).lines("f.json"), "f.json:10");
    }
}
