//! The `export`, `import`, `dump` and `restore` subcommands: flags to options, a run, the
//! summary lines and how it ended.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::archive;
use super::export::{self, ExportOptions, ExportSummary};
use super::format::{CsvOptions, FileFormat};
use super::import::{self, Conflict, ImportOptions, ImportSummary, Source};
use super::{Progress, ProgressKind, TableName, TransferError, interrupted};
use crate::cli::{
    DumpArgs, ExportArgs, ImportArgs, InsertArgs, OnError, RestoreArgs, TransferCommand,
};
use crate::net::Link;

/// How a transfer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything moved.
    Ok,
    /// Something failed (reported on stderr); what moved before it stays.
    Failed,
    /// Ctrl-C.
    Interrupted,
}

/// Runs a transfer subcommand on a connected link.
pub fn run(
    runtime: &Runtime,
    link: &Link,
    command: TransferCommand,
    kind: ProgressKind,
) -> Result<Outcome, TransferError> {
    let progress: Arc<dyn Progress> = Arc::from(kind.reporter());
    match command {
        TransferCommand::Export(args) => run_export(runtime, link, &args, progress),
        TransferCommand::Dump(args) => run_dump(runtime, link, &args, progress),
        TransferCommand::Import(args) => run_import(runtime, link, &args, &progress),
        TransferCommand::Restore(args) => run_restore(runtime, link, &args, &progress),
    }
}

/// True when the command asked for no progress output.
pub fn quiet(command: &TransferCommand) -> bool {
    match command {
        TransferCommand::Export(a) => a.quiet,
        TransferCommand::Dump(a) => a.quiet,
        TransferCommand::Import(a) => a.insert.quiet,
        TransferCommand::Restore(a) => a.insert.quiet,
    }
}

fn delimiter(text: Option<&str>) -> Result<u8, TransferError> {
    match text {
        None => Ok(b','),
        Some("\\t") => Ok(b'\t'),
        Some(s) if s.len() == 1 => Ok(s.as_bytes()[0]),
        Some(s) => Err(TransferError::Usage(format!(
            "--delimiter {s:?}: give exactly one ASCII character, or '\\t' for tab"
        ))),
    }
}

fn export_options(args: &ExportArgs) -> Result<ExportOptions, TransferError> {
    let fields: Option<Vec<String>> = args
        .fields
        .as_deref()
        .map(|f| f.split(',').map(str::to_owned).collect());
    if args.format == FileFormat::Csv && fields.is_none() {
        return Err(TransferError::Usage(
            "csv needs the columns: give --fields a,b,... (as RethinkDB's export does)".into(),
        ));
    }
    if args.delimiter.is_some() && args.format != FileFormat::Csv {
        return Err(TransferError::Usage(
            "--delimiter applies to --format csv only".into(),
        ));
    }
    Ok(ExportOptions {
        selectors: args.export.clone(),
        format: args.format,
        fields,
        delimiter: delimiter(args.delimiter.as_deref())?,
        clients: args.clients,
    })
}

fn ended(e: TransferError, out: &Path) -> Result<Outcome, TransferError> {
    match e {
        TransferError::Interrupted => {
            eprintln!("rdbsh: interrupted; nothing was left at {}", out.display());
            Ok(Outcome::Interrupted)
        }
        other => Err(other),
    }
}

fn exported_line(s: &ExportSummary, to: &Path) -> String {
    format!(
        "{} rows exported from {} tables, with {} secondary indexes and {} write hooks, to {}",
        s.rows,
        s.tables,
        s.indexes,
        s.hooks,
        to.display()
    )
}

fn run_export(
    runtime: &Runtime,
    link: &Link,
    args: &ExportArgs,
    progress: Arc<dyn Progress>,
) -> Result<Outcome, TransferError> {
    let options = export_options(args)?;
    let dir = args.directory.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "rethinkdb_export_{}",
            chrono::Local::now().format("%Y-%m-%dT%H:%M:%S")
        ))
    });
    match runtime.block_on(export::export(link, &options, &dir, progress)) {
        Ok(summary) => {
            eprintln!("{}", exported_line(&summary, &dir));
            Ok(Outcome::Ok)
        }
        Err(e) => ended(e, &dir),
    }
}

fn run_dump(
    runtime: &Runtime,
    link: &Link,
    args: &DumpArgs,
    progress: Arc<dyn Progress>,
) -> Result<Outcome, TransferError> {
    let out = args
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.tar.gz", archive::dump_name())));
    match runtime.block_on(archive::dump(link, &args.export, &out, progress)) {
        Ok(summary) => {
            eprintln!("{}", exported_line(&summary, &out));
            Ok(Outcome::Ok)
        }
        Err(e) => ended(e, &out),
    }
}

fn import_options(insert: &InsertArgs, csv: CsvOptions) -> ImportOptions {
    ImportOptions {
        conflict: insert.conflict.unwrap_or(if insert.force {
            Conflict::Replace
        } else {
            Conflict::Error
        }),
        clients: insert.clients,
        batch_size: insert.batch_size,
        indexes: !insert.no_secondary_indexes,
        shards: insert.shards,
        replicas: insert.replicas,
        force: insert.force,
        stop_on_error: insert.on_error == OnError::Stop,
        csv,
    }
}

/// Prints the errors and the summary; how the import ended.
fn finish(summary: &ImportSummary, errors: &[TransferError], progress: &dyn Progress) -> Outcome {
    for e in errors {
        if !matches!(e, TransferError::Interrupted) {
            progress.note(&format!("rdbsh: {e}"));
        }
    }
    let interrupted = interrupted()
        || errors
            .iter()
            .any(|e| matches!(e, TransferError::Interrupted));
    let head = if interrupted { "interrupted: " } else { "" };
    eprintln!("{head}{}", summary.line());
    if interrupted {
        Outcome::Interrupted
    } else if summary.ok() && errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Failed
    }
}

fn run_import(
    runtime: &Runtime,
    link: &Link,
    args: &ImportArgs,
    progress: &Arc<dyn Progress>,
) -> Result<Outcome, TransferError> {
    let csv = CsvOptions {
        delimiter: delimiter(args.delimiter.as_deref())?,
        custom_header: args
            .custom_header
            .as_deref()
            .map(|h| h.split(',').map(str::to_owned).collect()),
        no_header: args.no_header,
        types: args.csv_types,
    };
    let options = import_options(&args.insert, csv);
    let (sources, mut errors) = match (&args.directory, &args.file, &args.table) {
        (Some(dir), _, _) => import::directory_sources(dir, &args.import)?,
        (None, Some(file), Some(table)) => (vec![file_source(file, table, args)?], Vec::new()),
        _ => {
            return Err(TransferError::Usage(
                "give -d DIR, or -f FILE with --table DB.TABLE".into(),
            ));
        }
    };
    let mut summary = ImportSummary::default();
    for source in &sources {
        if interrupted() {
            break;
        }
        let path = Path::new(&source.label);
        let input = std::fs::File::open(path).map_err(|e| TransferError::io(path, e))?;
        let one = import::import_table(runtime.handle(), link, source, input, &options, progress);
        summary.add(&one.summary);
        errors.extend(one.error);
    }
    Ok(finish(&summary, &errors, progress.as_ref()))
}

fn file_source(
    file: &Path,
    table: &super::Selector,
    args: &ImportArgs,
) -> Result<Source, TransferError> {
    let Some(name) = &table.table else {
        return Err(TransferError::Usage(
            "--table needs DB.TABLE, for example --table test.users".into(),
        ));
    };
    let by_name = file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(FileFormat::from_extension);
    Ok(Source {
        table: TableName {
            db: table.db.clone(),
            table: name.clone(),
        },
        label: file.display().to_string(),
        format: args.format.or(by_name).unwrap_or(FileFormat::Json),
        info: None,
        pkey: args.pkey.clone(),
    })
}

fn run_restore(
    runtime: &Runtime,
    link: &Link,
    args: &RestoreArgs,
    progress: &Arc<dyn Progress>,
) -> Result<Outcome, TransferError> {
    let csv = CsvOptions {
        delimiter: b',',
        ..CsvOptions::default()
    };
    let options = import_options(&args.insert, csv);
    let o = archive::restore(
        runtime.handle(),
        link,
        &args.archive,
        &args.import,
        &options,
        progress,
    );
    Ok(finish(&o.summary, &o.errors, progress.as_ref()))
}
