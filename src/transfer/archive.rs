//! Dump and restore: an export directory as a tar.gz (`rethinkdb_dump_DATE/DB/TABLE.json` and
//! `.info`), written and read as streams.
//!
//! A tar header holds its file's size, so each table's rows are spooled to one temporary file
//! beside the archive before they are appended: the disk needed is the largest table, not the
//! dump. Restore reads entries in order and imports each while it is decompressed; only a data
//! file whose `.info` comes later in the archive is spooled until its `.info` arrives.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use serde_json::{Map, Value};
use tokio::runtime::Handle;

use super::export::{
    ExportOptions, ExportSummary, estimate, list_tables, primary_key, table_info, write_rows,
};
use super::format::FileFormat;
use super::gzip::{Member, Piece, PieceWriter};
use super::import::{ImportOptions, ImportSummary, Source, import_table, parse_info};
use super::{Progress, Selector, TableName, TransferError, interrupted, selected};
use crate::net::Link;

/// The top directory of a dump made now, as RethinkDB's dump names it.
pub fn dump_name() -> String {
    format!(
        "rethinkdb_dump_{}",
        chrono::Local::now().format("%Y-%m-%dT%H:%M:%S")
    )
}

/// A path with a suffix added to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn header(path: &str, size: u64) -> Result<tar::Header, std::io::Error> {
    let mut header = tar::Header::new_gnu();
    header.set_path(path)?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    Ok(header)
}

/// Dumps the selected tables into `out` (a tar.gz), written as `OUT.partial` and renamed when
/// complete; on failure or Ctrl-C nothing is left behind.
pub async fn dump(
    link: &Link,
    selectors: &[Selector],
    out: &Path,
    progress: Arc<dyn Progress>,
) -> Result<ExportSummary, TransferError> {
    if out.exists() {
        return Err(TransferError::Usage(format!(
            "{} already exists; choose another file with -f or remove it",
            out.display()
        )));
    }
    let tables = list_tables(link, selectors).await?;
    let partial = with_suffix(out, ".partial");
    let result = write_dump(link, &tables, &partial, progress).await;
    let result = result.and_then(|s| {
        std::fs::rename(&partial, out).map_err(|e| TransferError::io(out, e))?;
        Ok(s)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(with_suffix(out, ".spool"));
    }
    result
}

/// The archive as it is written: one gzip member (see [`super::gzip`]) of tar entries; plain
/// tar bytes (headers, padding) wait in `pending` until the next piece.
struct ArchiveWriter {
    member: Member<BufWriter<File>>,
    pending: Vec<u8>,
}

impl ArchiveWriter {
    fn new(file: File) -> std::io::Result<ArchiveWriter> {
        Ok(ArchiveWriter {
            member: Member::new(BufWriter::with_capacity(1 << 18, file))?,
            pending: Vec::new(),
        })
    }

    /// A whole entry: header, contents, padding.
    fn entry(&mut self, path: &str, contents: &[u8]) -> std::io::Result<()> {
        self.header(path, contents.len() as u64)?;
        self.pending.extend_from_slice(contents);
        self.pad(contents.len() as u64);
        Ok(())
    }

    fn header(&mut self, path: &str, size: u64) -> std::io::Result<()> {
        self.pending
            .extend_from_slice(header(path, size)?.as_bytes());
        Ok(())
    }

    /// Zeros up to the end of the 512-byte block where contents of `size` bytes end.
    fn pad(&mut self, size: u64) {
        let rest = (512 - size % 512) % 512;
        self.pending.resize(self.pending.len() + rest as usize, 0);
    }

    /// A data entry whose contents are the deflated piece in `spool`.
    fn spooled_entry(&mut self, path: &str, piece: &Piece, spool: &Path) -> std::io::Result<()> {
        self.header(path, piece.size())?;
        self.member.plain(&std::mem::take(&mut self.pending))?;
        self.member.piece(&mut File::open(spool)?, piece)?;
        self.pad(piece.size());
        Ok(())
    }

    /// The end-of-archive blocks, and the gzip trailer.
    fn finish(mut self) -> std::io::Result<()> {
        self.pending.resize(self.pending.len() + 1024, 0);
        self.member.plain(&self.pending)?;
        self.member.finish()?;
        Ok(())
    }
}

async fn write_dump(
    link: &Link,
    tables: &[TableName],
    partial: &Path,
    progress: Arc<dyn Progress>,
) -> Result<ExportSummary, TransferError> {
    let file = File::create(partial).map_err(|e| TransferError::io(partial, e))?;
    let io = |e| TransferError::io(partial, e);
    let mut archive = ArchiveWriter::new(file).map_err(io)?;
    let top = dump_name();
    let spool = with_suffix(&partial.with_extension(""), ".spool");
    let options = ExportOptions {
        selectors: Vec::new(),
        format: FileFormat::Json,
        fields: None,
        delimiter: b',',
        clients: 1,
    };
    let mut summary = ExportSummary::default();
    for t in tables {
        if interrupted() {
            return Err(TransferError::Interrupted);
        }
        let info = table_info(link, t).await?;
        let name = format!("{top}/{}/{}", t.db, t.table);
        let info_text = super::export::info_text(&info);
        archive
            .entry(&format!("{name}.info"), info_text.as_bytes())
            .map_err(io)?;
        progress.start(&t.to_string(), estimate(link, t).await);
        let spool_file = File::create(&spool).map_err(|e| TransferError::io(&spool, e))?;
        // Deflated while it streams in; copied into the archive once its size is known.
        // Rows are gathered before they reach the compressor: one call per row costs double.
        let out = BufWriter::with_capacity(
            1 << 18,
            PieceWriter::new(BufWriter::with_capacity(1 << 18, spool_file)),
        );
        let (out, rows) = write_rows(
            link,
            t,
            primary_key(&info),
            &options,
            out,
            progress.as_ref(),
            &spool,
        )
        .await?;
        let (_, piece) = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(PieceWriter::finish)
            .map_err(|e| TransferError::io(&spool, e))?;
        archive
            .spooled_entry(&format!("{name}.json"), &piece, &spool)
            .map_err(io)?;
        let _ = std::fs::remove_file(&spool);
        progress.finish(&t.to_string(), rows);
        summary.tables += 1;
        summary.rows += rows;
        summary.indexes += info
            .get("indexes")
            .and_then(Value::as_array)
            .map_or(0, |a| a.len() as u64);
        summary.hooks += u64::from(info.get("write_hook").is_some_and(|h| !h.is_null()));
    }
    archive.finish().map_err(io)?;
    Ok(summary)
}

/// What a restore did: the counts, and the errors of tables that did not make it.
#[derive(Debug, Default)]
pub struct RestoreOutcome {
    pub summary: ImportSummary,
    pub errors: Vec<TransferError>,
}

/// A data entry held back until its `.info` shows up.
struct Waiting {
    spool: PathBuf,
    label: String,
    format: FileFormat,
}

/// Restores the selected tables of a dump archive. Call from a blocking thread. An archive cut
/// short stops the restore with an error; the tables before the cut stay restored and counted.
pub fn restore(
    handle: &Handle,
    link: &Link,
    archive: &Path,
    selectors: &[Selector],
    options: &ImportOptions,
    progress: &Arc<dyn Progress>,
) -> RestoreOutcome {
    let mut outcome = RestoreOutcome::default();
    let run = Restore {
        handle,
        link,
        options,
        progress,
    };
    if let Err(e) = run.entries(archive, selectors, &mut outcome) {
        outcome.errors.push(e);
    }
    outcome
}

/// What every table of a restore shares.
struct Restore<'a> {
    handle: &'a Handle,
    link: &'a Link,
    options: &'a ImportOptions,
    progress: &'a Arc<dyn Progress>,
}

impl Restore<'_> {
    fn one(&self, source: &Source, input: impl Read, outcome: &mut RestoreOutcome) {
        let one = import_table(
            self.handle,
            self.link,
            source,
            input,
            self.options,
            self.progress,
        );
        outcome.summary.add(&one.summary);
        outcome.errors.extend(one.error);
    }

    fn entries(
        &self,
        archive: &Path,
        selectors: &[Selector],
        outcome: &mut RestoreOutcome,
    ) -> Result<(), TransferError> {
        let file = File::open(archive).map_err(|e| TransferError::io(archive, e))?;
        let input = std::io::BufReader::with_capacity(1 << 18, file);
        let mut tar = tar::Archive::new(MultiGzDecoder::new(input));
        let mut seen = Seen {
            archive: archive.to_path_buf(),
            infos: HashMap::new(),
            waiting: HashMap::new(),
        };
        let entries = tar.entries().map_err(|e| seen.cut(e, ""))?;
        let mut last = String::new();
        for entry in entries {
            if interrupted() {
                return Err(TransferError::Interrupted);
            }
            let after = if last.is_empty() {
                String::new()
            } else {
                format!(" after {last}")
            };
            let entry = entry.map_err(|e| seen.cut(e, &after))?;
            let path = entry.path().map_err(|e| seen.cut(e, &after))?.into_owned();
            last = path.display().to_string();
            let Some((table, ext)) = entry_table(&path) else {
                continue;
            };
            if !entry.header().entry_type().is_file()
                || !selected(selectors, &table.db, &table.table)
            {
                continue;
            }
            let label = format!("{}:{last}", archive.display());
            if ext == "info" {
                self.info_entry(&mut seen, table, &label, entry, outcome)?;
            } else if let Some(format) = FileFormat::from_extension(&ext) {
                self.data_entry(&mut seen, table, label, format, entry, outcome)?;
            }
        }
        seen.finish(outcome);
        Ok(())
    }

    /// A `.info`: kept for its data file, which is imported now if it came first.
    fn info_entry(
        &self,
        seen: &mut Seen,
        table: TableName,
        label: &str,
        entry: impl Read,
        outcome: &mut RestoreOutcome,
    ) -> Result<(), TransferError> {
        let mut text = String::new();
        entry
            .take(64 << 20)
            .read_to_string(&mut text)
            .map_err(|e| seen.cut(e, &format!(" in {label}")))?;
        let info = match parse_info(&text, label) {
            Ok(info) => info,
            Err(e) => {
                outcome.errors.push(e);
                return Ok(());
            }
        };
        if let Some(w) = seen.waiting.remove(&table) {
            let input = File::open(&w.spool).map_err(|e| TransferError::io(&w.spool, e))?;
            let source = source(&table, w.label, w.format, Some(info.clone()));
            self.one(&source, input, outcome);
            let _ = std::fs::remove_file(&w.spool);
        }
        seen.infos.insert(table, info);
        Ok(())
    }

    /// A data file: imported as it is decompressed when its `.info` is known, else spooled.
    fn data_entry(
        &self,
        seen: &mut Seen,
        table: TableName,
        label: String,
        format: FileFormat,
        mut entry: impl Read,
        outcome: &mut RestoreOutcome,
    ) -> Result<(), TransferError> {
        if let Some(info) = seen.infos.get(&table) {
            let source = source(&table, label, format, Some(info.clone()));
            self.one(&source, entry, outcome);
            return Ok(());
        }
        let name = format!(".{}.{}.spool", table.db, table.table);
        let spool = with_suffix(&seen.archive, &name);
        let mut out = File::create(&spool).map_err(|e| TransferError::io(&spool, e))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| seen.cut(e, &format!(" in {label}")))?;
        let waiting = Waiting {
            spool,
            label,
            format,
        };
        seen.waiting.insert(table, waiting);
        Ok(())
    }
}

/// What a restore has read of its archive so far.
struct Seen {
    archive: PathBuf,
    infos: HashMap<TableName, Map<String, Value>>,
    /// Data files spooled until their `.info` shows up.
    waiting: HashMap<TableName, Waiting>,
}

impl Seen {
    /// The archive cannot be read on (cut short, corrupt).
    fn cut(&self, e: std::io::Error, after: &str) -> TransferError {
        TransferError::Missing {
            file: self.archive.display().to_string(),
            message: format!("cannot read the archive{after}: {e} (is it cut short?)"),
        }
    }

    /// Data files whose `.info` never came are errors; their spools go.
    fn finish(self, outcome: &mut RestoreOutcome) {
        for (_, w) in self.waiting {
            let _ = std::fs::remove_file(&w.spool);
            outcome.errors.push(TransferError::Missing {
                file: w.label,
                message: "no .info for this table in the archive; its primary key and indexes \
                          are unknown, so it was not restored"
                    .into(),
            });
        }
    }
}

fn source(
    table: &TableName,
    label: String,
    format: FileFormat,
    info: Option<Map<String, Value>>,
) -> Source {
    Source {
        table: table.clone(),
        label,
        format,
        info,
        pkey: None,
    }
}

/// `TOP/DB/TABLE.EXT` → the table and the extension; other paths are not ours.
fn entry_table(path: &Path) -> Option<(TableName, String)> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let [_, db, file] = parts.as_slice() else {
        return None;
    };
    let (table, ext) = file.rsplit_once('.')?;
    Some((
        TableName {
            db: (*db).to_owned(),
            table: table.to_owned(),
        },
        ext.to_owned(),
    ))
}
