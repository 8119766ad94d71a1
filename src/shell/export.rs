//! `.export FILE [json|ndjson|csv]`: the next statement's whole result streamed into a file,
//! in the formats of `rdbsh export` (REPL and batch files alike).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::session::{Session, StartError};
use crate::net::{BatchKind, Cursor};
use crate::reql::Statement;
use crate::transfer::format::{CsvWriter, FileFormat, JsonWriter};

/// Where the next statement's result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub path: PathBuf,
    pub format: FileFormat,
}

impl Export {
    /// `.export FILE [FORMAT]`: the format from the argument, else the file's extension, else json.
    pub fn parse(args: &[&str]) -> Result<Export, String> {
        let usage = || {
            ".export takes a file and optionally a format: .export FILE [json|ndjson|csv]"
                .to_string()
        };
        let (file, format) = match args {
            [file] => (file, None),
            [file, format] => (file, Some(*format)),
            _ => return Err(usage()),
        };
        let path = PathBuf::from(file);
        let by_name = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(FileFormat::from_extension);
        let format = match format {
            None => by_name.unwrap_or(FileFormat::Json),
            Some(f) => FileFormat::from_extension(f).ok_or_else(usage)?,
        };
        Ok(Export { path, format })
    }
}

/// Runs the statements of `text` and writes the result of the last query into the file; the
/// number of rows written. The file is written as `FILE.partial` and renamed when complete.
pub async fn run(session: &mut Session, text: &str, export: &Export) -> Result<u64, String> {
    let statements = session.compile(text).map_err(|d| {
        let first = d.first().map_or("", |d| d.message.as_str());
        format!("not exported: {first}")
    })?;
    let Some(query) = statements.into_iter().rev().find_map(|s| match s {
        Statement::Query(q) => Some(q),
        _ => None,
    }) else {
        return Err("not exported: the statement has no query to run".into());
    };
    let mut running = session.start(&query).await.map_err(|e| match e {
        StartError::Refused(r) => r.to_string(),
        StartError::Net(e) => e.to_string(),
    })?;
    to_file(&mut running.cursor, export).await
}

/// Streams a query's whole result from `cursor` into the file of `export` (written as
/// `FILE.partial`, renamed when complete); the number of rows written.
pub async fn to_file(cursor: &mut Cursor, export: &Export) -> Result<u64, String> {
    let partial = partial_path(&export.path);
    let result = write(cursor, &partial, export.format).await;
    finish_partial(result, &partial, export)
}

/// Writes `rows` (JSON texts, e.g. the rows a TUI tab shows) into the file of `export`, as
/// [`to_file`] does with a cursor; the number of rows written.
pub fn rows_to_file(
    rows: impl IntoIterator<Item = String>,
    export: &Export,
) -> Result<u64, String> {
    let partial = partial_path(&export.path);
    let result = (|| {
        let mut writer = Writer::create(&partial, export.format)?;
        let mut n = 0u64;
        for row in rows {
            writer.row(&row)?;
            n += 1;
        }
        writer.finish()?;
        Ok(n)
    })();
    finish_partial(result, &partial, export)
}

/// Renames the complete `partial` file to the export's name, or removes it on `result`'s
/// error.
fn finish_partial(
    result: Result<u64, String>,
    partial: &Path,
    export: &Export,
) -> Result<u64, String> {
    match result {
        Ok(rows) => {
            std::fs::rename(partial, &export.path)
                .map_err(|e| format!("{}: {e}", export.path.display()))?;
            Ok(rows)
        }
        Err(e) => {
            // A half-written file must not pass for a whole result.
            let _ = std::fs::remove_file(partial);
            Err(e)
        }
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

enum Writer {
    Json(JsonWriter<BufWriter<std::fs::File>>),
    /// CSV takes its columns from the first document.
    Csv(
        Option<Box<CsvWriter<BufWriter<std::fs::File>>>>,
        Option<BufWriter<std::fs::File>>,
    ),
}

impl Writer {
    /// A writer of `format` into a new file at `path`.
    fn create(path: &Path, format: FileFormat) -> Result<Writer, String> {
        let shown = |e: std::io::Error| format!("{}: {e}", path.display());
        let file = BufWriter::with_capacity(1 << 18, std::fs::File::create(path).map_err(shown)?);
        Ok(match format {
            FileFormat::Csv => Writer::Csv(None, Some(file)),
            f => Writer::Json(JsonWriter::new(file, f == FileFormat::Ndjson).map_err(shown)?),
        })
    }

    fn row(&mut self, row: &str) -> Result<(), String> {
        match self {
            Writer::Json(w) => w.row(row).map_err(|e| e.to_string()),
            Writer::Csv(w, file) => {
                if w.is_none() {
                    let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(row) else {
                        return Err(
                            "csv needs documents (objects); export as json or ndjson".into()
                        );
                    };
                    let out = file.take().ok_or("the csv file is gone")?;
                    let fields = doc.keys().cloned().collect();
                    *w = Some(Box::new(
                        CsvWriter::new(out, fields, b',').map_err(|e| e.to_string())?,
                    ));
                }
                match w {
                    Some(w) => w.row(row).map_err(|e| e.to_string()),
                    None => Ok(()),
                }
            }
        }
    }

    fn finish(self) -> Result<(), String> {
        let out = match self {
            Writer::Json(w) => w.finish(),
            Writer::Csv(Some(w), _) => w.finish(),
            Writer::Csv(None, Some(mut file)) => file.flush().map(|_| file),
            Writer::Csv(None, None) => return Ok(()),
        };
        out.map(|_| ()).map_err(|e| e.to_string())
    }
}

async fn write(cursor: &mut Cursor, path: &Path, format: FileFormat) -> Result<u64, String> {
    let mut writer = Writer::create(path, format)?;
    let mut rows = 0u64;
    loop {
        let batch = tokio::select! {
            batch = cursor.next_raw_batch() => batch.map_err(|e| e.to_string())?,
            _ = tokio::signal::ctrl_c() => {
                let _ = cursor.stop_handle().stop();
                return Err("interrupted; the query was stopped and nothing was exported".into());
            }
        };
        let Some(batch) = batch else { break };
        if cursor.is_feed() {
            let _ = cursor.stop_handle().stop();
            return Err("a changefeed never ends; export a finite query (add .limit(N))".into());
        }
        for row in batch.rows() {
            // An atom that is an array exports as its elements, like a sequence.
            if batch.kind == BatchKind::Atom
                && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(row)
            {
                for item in items {
                    writer.row(&item.to_string())?;
                    rows += 1;
                }
                continue;
            }
            writer.row(row)?;
            rows += 1;
        }
    }
    writer.finish()?;
    Ok(rows)
}
