//! Export: every selected table to `DIR/DB/TABLE.{json,ndjson,csv}` and `DIR/DB/TABLE.info`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::format::{CsvWriter, FileFormat, JsonWriter};
use super::term;
use super::{Progress, Selector, TableName, TransferError, interrupted, selected};
use crate::net::{BatchKind, Link, RawBatch};
use crate::protocol::GlobalOptargs;

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub selectors: Vec<Selector>,
    pub format: FileFormat,
    /// Only these fields (required for CSV, as with RethinkDB's export).
    pub fields: Option<Vec<String>>,
    pub delimiter: u8,
    /// Tables exported at once.
    pub clients: usize,
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub tables: u64,
    pub rows: u64,
    pub indexes: u64,
    pub hooks: u64,
}

/// Times and binary values as their `$reql_type$` objects, which import sends back as they are.
pub fn raw_optargs() -> GlobalOptargs {
    let mut optargs = GlobalOptargs::new();
    optargs.insert("time_format".into(), json!("raw"));
    optargs.insert("binary_format".into(), json!("raw"));
    optargs
}

/// Runs a term and returns its values: the rows of a stream, the elements of an array.
pub async fn values(link: &Link, t: &Value, what: &str) -> Result<Vec<Value>, TransferError> {
    let run = async {
        let mut cursor = link.run_value(t, &raw_optargs()).await?;
        let rows = cursor.collect_rows().await?;
        Ok::<_, crate::net::Error>(rows)
    };
    let rows = run.await.map_err(|e| TransferError::net(what, e))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let value: Value = serde_json::from_str(row.get())
            .map_err(|e| TransferError::Usage(format!("{what}: malformed answer: {e}")))?;
        out.push(value);
    }
    Ok(out)
}

/// Runs a term that answers with one value.
pub async fn atom(link: &Link, t: &Value, what: &str) -> Result<Value, TransferError> {
    let mut rows = values(link, t, what).await?;
    Ok(if rows.len() == 1 {
        rows.remove(0)
    } else {
        Value::Array(rows)
    })
}

/// The tables the selectors name (every user table when there are none), sorted.
pub async fn list_tables(
    link: &Link,
    selectors: &[Selector],
) -> Result<Vec<TableName>, TransferError> {
    let rows = values(link, &term::table_list(), "listing the tables").await?;
    let mut tables: Vec<TableName> = rows
        .iter()
        .filter_map(|r| {
            Some(TableName {
                db: r.get("db")?.as_str()?.to_owned(),
                table: r.get("name")?.as_str()?.to_owned(),
            })
        })
        .collect();
    tables.sort();
    for s in selectors {
        if s.db == "rethinkdb" {
            return Err(TransferError::Usage(
                "the system database `rethinkdb` cannot be exported; name user databases".into(),
            ));
        }
        if !tables.iter().any(|t| s.matches(&t.db, &t.table)) {
            let name = s
                .table
                .as_ref()
                .map_or(s.db.clone(), |t| format!("{}.{t}", s.db));
            return Err(TransferError::Usage(format!(
                "no table `{name}` on the server; check the name with `rdbsh -e \"r.tableList()\"`"
            )));
        }
    }
    tables.retain(|t| selected(selectors, &t.db, &t.table));
    Ok(tables)
}

/// The `.info` document of a table: its `info()`, with `indexes` replaced by `indexStatus()`
/// (functions as BINARY) and its `write_hook`, as RethinkDB's export writes it.
pub async fn table_info(link: &Link, t: &TableName) -> Result<Map<String, Value>, TransferError> {
    let table = term::table(&t.db, &t.table);
    let info = atom(link, &term::info(table.clone()), &format!("info of {t}")).await?;
    let Value::Object(mut info) = info else {
        return Err(TransferError::Usage(format!("info of {t}: not an object")));
    };
    let indexes = values(
        link,
        &term::index_status(table.clone()),
        &format!("indexes of {t}"),
    )
    .await?;
    info.insert("indexes".into(), Value::Array(flatten(indexes)));
    let hook = atom(
        link,
        &term::get_write_hook(table),
        &format!("write hook of {t}"),
    )
    .await?;
    info.insert("write_hook".into(), hook);
    Ok(info)
}

/// An array answer may come as one atom holding the array.
fn flatten(mut rows: Vec<Value>) -> Vec<Value> {
    if let [Value::Array(inner)] = rows.as_mut_slice() {
        return std::mem::take(inner);
    }
    rows
}

/// The `.info` file's text: one line of JSON as RethinkDB's export writes it.
pub fn info_text(info: &Map<String, Value>) -> String {
    let mut text = String::new();
    super::format::python_style(&Value::Object(info.clone()).to_string(), &mut text);
    text.push('\n');
    text
}

/// The primary key named in an `.info` document.
pub fn primary_key(info: &Map<String, Value>) -> &str {
    info.get("primary_key")
        .and_then(Value::as_str)
        .unwrap_or("id")
}

/// A file format writer over any sink.
enum RowWriter<W: Write> {
    Json(JsonWriter<W>, Option<Vec<String>>),
    Csv(Box<CsvWriter<W>>),
}

impl<W: Write> RowWriter<W> {
    fn new(out: W, options: &ExportOptions) -> std::io::Result<RowWriter<W>> {
        let fields = options.fields.clone();
        Ok(match options.format {
            FileFormat::Csv => RowWriter::Csv(Box::new(
                CsvWriter::new(out, fields.unwrap_or_default(), options.delimiter)
                    .map_err(std::io::Error::other)?,
            )),
            f => RowWriter::Json(JsonWriter::new(out, f == FileFormat::Ndjson)?, fields),
        })
    }

    fn row(&mut self, row: &str) -> std::io::Result<()> {
        match self {
            RowWriter::Json(w, None) => w.row(row),
            RowWriter::Json(w, Some(fields)) => {
                let Ok(Value::Object(mut doc)) = serde_json::from_str(row) else {
                    return w.row(row);
                };
                doc.retain(|k, _| fields.contains(k));
                w.row(&Value::Object(doc).to_string())
            }
            RowWriter::Csv(w) => w.row(row).map_err(std::io::Error::other),
        }
    }

    fn finish(self) -> std::io::Result<W> {
        match self {
            RowWriter::Json(w, _) => w.finish(),
            RowWriter::Csv(w) => w.finish(),
        }
    }
}

/// Batches handed from the network side to the writing thread, at most this many waiting.
const BATCHES_AHEAD: usize = 4;

/// Streams a table's rows in primary key order into `out` in the chosen format. The rows
/// are formatted, compressed and written on a thread of their own while the next batches
/// arrive, so the server never waits for the disk.
pub async fn write_rows<W: Write + Send + 'static>(
    link: &Link,
    t: &TableName,
    primary_key: &str,
    options: &ExportOptions,
    out: W,
    progress: &dyn Progress,
    path: &Path,
) -> Result<(W, u64), TransferError> {
    let what = || format!("reading {t}");
    let (tx, rx) = tokio::sync::mpsc::channel::<RawBatch>(BATCHES_AHEAD);
    let writing = {
        let options = options.clone();
        tokio::task::spawn_blocking(move || write_batches(out, &options, rx))
    };
    let ordered = term::ordered(term::table(&t.db, &t.table), primary_key);
    let reading = async {
        let mut cursor = link.run_value(&ordered, &raw_optargs()).await?;
        let label = t.to_string();
        let mut rows = 0u64;
        while let Some(batch) = cursor.next_raw_batch().await? {
            if interrupted() {
                return Ok(false);
            }
            rows += batch.len() as u64;
            if tx.send(batch).await.is_err() {
                // The writer stopped on an error, which it reports.
                break;
            }
            progress.advance(&label, rows);
        }
        Ok::<_, crate::net::Error>(true)
    };
    let read = reading.await;
    drop(tx);
    let written = writing
        .await
        .map_err(|e| TransferError::io(path, std::io::Error::other(e)))?
        .map_err(|e| TransferError::io(path, e))?;
    match read {
        Ok(true) => Ok(written),
        Ok(false) => Err(TransferError::Interrupted),
        Err(e) => Err(TransferError::net(what(), e)),
    }
}

/// The writing side of [`write_rows`]: every batch received, then the end of the file.
fn write_batches<W: Write>(
    out: W,
    options: &ExportOptions,
    mut rx: tokio::sync::mpsc::Receiver<RawBatch>,
) -> std::io::Result<(W, u64)> {
    let mut writer = RowWriter::new(out, options)?;
    let mut rows = 0u64;
    while let Some(batch) = rx.blocking_recv() {
        if batch.kind == BatchKind::Atom {
            // An empty table may answer with an empty array as one atom.
            for r in batch.rows() {
                if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(r) {
                    for item in items {
                        writer.row(&item.to_string())?;
                        rows += 1;
                    }
                }
            }
            continue;
        }
        for r in batch.rows() {
            writer.row(r)?;
        }
        rows += batch.len() as u64;
    }
    Ok((writer.finish()?, rows))
}

/// The table's estimated row count, for the progress bar.
pub async fn estimate(link: &Link, t: &TableName) -> Option<u64> {
    let count = term::count_estimate(term::table(&t.db, &t.table));
    atom(link, &count, "count")
        .await
        .ok()?
        .as_f64()
        .map(|n| n as u64)
}

/// Exports one table into `dir` (its `.info`, then its data file); how many rows, indexes, hooks.
pub async fn export_table(
    link: &Link,
    t: &TableName,
    options: &ExportOptions,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<ExportSummary, TransferError> {
    let db_dir = dir.join(&t.db);
    std::fs::create_dir_all(&db_dir).map_err(|e| TransferError::io(&db_dir, e))?;
    let info = table_info(link, t).await?;
    let info_path = db_dir.join(format!("{}.info", t.table));
    let info_text = info_text(&info);
    std::fs::write(&info_path, info_text).map_err(|e| TransferError::io(&info_path, e))?;
    let path = db_dir.join(format!("{}.{}", t.table, options.format.extension()));
    let file = std::fs::File::create(&path).map_err(|e| TransferError::io(&path, e))?;
    progress.start(&t.to_string(), estimate(link, t).await);
    let out = BufWriter::with_capacity(1 << 18, file);
    let (_, rows) = write_rows(link, t, primary_key(&info), options, out, progress, &path).await?;
    progress.finish(&t.to_string(), rows);
    Ok(ExportSummary {
        tables: 1,
        rows,
        indexes: info
            .get("indexes")
            .and_then(Value::as_array)
            .map_or(0, |a| a.len() as u64),
        hooks: u64::from(info.get("write_hook").is_some_and(|h| !h.is_null())),
    })
}

/// Where an export writes until it is complete: `DIR.partial`, renamed to `DIR` at the end.
pub fn partial_dir(dir: &Path) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Exports the selected tables into `dir`, `clients` tables at a time. Until everything is
/// written the files live in `DIR.partial`; on failure or Ctrl-C that is removed.
pub async fn export(
    link: &Link,
    options: &ExportOptions,
    dir: &Path,
    progress: Arc<dyn Progress>,
) -> Result<ExportSummary, TransferError> {
    if dir.exists() && std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(TransferError::Usage(format!(
            "{} already exists; choose another directory with -d or remove it",
            dir.display()
        )));
    }
    let tables = list_tables(link, &options.selectors).await?;
    let work = partial_dir(dir);
    std::fs::create_dir_all(&work).map_err(|e| TransferError::io(&work, e))?;
    let result = export_all(link, options, &tables, &work, progress).await;
    let finished = result.and_then(|summary| {
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(|e| TransferError::io(dir, e))?;
        }
        std::fs::rename(&work, dir).map_err(|e| TransferError::io(dir, e))?;
        Ok(summary)
    });
    if finished.is_err() {
        // A half-written export must not pass for a whole one.
        let _ = std::fs::remove_dir_all(&work);
    }
    finished
}

async fn export_all(
    link: &Link,
    options: &ExportOptions,
    tables: &[TableName],
    work: &Path,
    progress: Arc<dyn Progress>,
) -> Result<ExportSummary, TransferError> {
    let mut summary = ExportSummary::default();
    let mut running = tokio::task::JoinSet::new();
    let mut pending = tables.iter().cloned();
    loop {
        while running.len() < options.clients.max(1) {
            let Some(t) = pending.next() else { break };
            let (link, options, work, progress) = (
                link.clone(),
                options.clone(),
                work.to_path_buf(),
                progress.clone(),
            );
            running.spawn(async move {
                export_table(&link, &t, &options, &work, progress.as_ref()).await
            });
        }
        let Some(done) = running.join_next().await else {
            return Ok(summary);
        };
        let one = done.map_err(|e| TransferError::Usage(format!("export task failed: {e}")))??;
        summary.tables += one.tables;
        summary.rows += one.rows;
        summary.indexes += one.indexes;
        summary.hooks += one.hooks;
    }
}
