//! The streaming renderer: `begin`, rows batch by batch, `end`, each call writing what it can.

use std::io::Write;

use serde_json::Value;
use serde_json::value::RawValue;

use super::json::{minify_into, write_pretty_painted};
use super::pseudo::{self, Pseudo};
use super::style::{Painter, Styles};
use super::table::{DEFAULT_SAMPLE_ROWS, TableWriter};
use super::{Format, RenderError};
use crate::nesting::{self, Doc};

/// What kind of result is being rendered (from the response type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A single value (SUCCESS_ATOM).
    Atom,
    /// A finite stream of rows (SUCCESS_SEQUENCE / SUCCESS_PARTIAL).
    Sequence,
    /// A changefeed: rows until stopped.
    Feed,
}

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// The output format.
    pub format: Format,
    /// Token styles; [`Styles::plain`] for no escapes at all.
    pub styles: Styles,
    /// Lines of a table are cut to this many cells (`--max-width`); `None`: values are never cut.
    pub max_width: Option<usize>,
    /// Rows a table samples before its first line; `None`: the whole result (one header).
    pub table_sample_rows: Option<usize>,
}

impl RenderOptions {
    /// Plain (uncoloured) options for `format`, no width limit.
    pub fn new(format: Format) -> RenderOptions {
        RenderOptions {
            format,
            styles: Styles::plain(),
            max_width: None,
            table_sample_rows: Some(DEFAULT_SAMPLE_ROWS),
        }
    }
}

/// Renders one result after another into any writer, holding at most one batch (plus a
/// table's sample) in memory.
///
/// Per format:
/// - `ndjson`: one line per row, the server's raw JSON passed through (minified only if it
///   holds a line break); an atom is one line, except an atom array, which prints one line per
///   element as the drivers turn arrays into cursors.
/// - `json`: one document per result: `[`, rows as they arrive separated by `,\n`, `]`; an atom
///   is written as is.
/// - `pretty`: each row (or the atom) indented with styles; arrays inside stay whole.
/// - `table`: see [`TableWriter`]; an atom array or GROUPED_DATA becomes the table's rows.
/// - `raw`: strings unquoted, other values as compact JSON, one per line; atom arrays and
///   GROUPED_DATA (as `{group, reduction}` objects) expand.
#[derive(Debug)]
pub struct Renderer {
    options: RenderOptions,
    kind: Kind,
    rows: u64,
    buf: String,
    table: Option<TableWriter>,
    painter: Painter,
    /// Rows being pushed are known to hold no raw line break.
    single_line: bool,
}

impl Renderer {
    /// A renderer with these options.
    pub fn new(options: RenderOptions) -> Renderer {
        Renderer {
            options,
            kind: Kind::Atom,
            rows: 0,
            buf: String::new(),
            table: None,
            painter: Painter::new(&options.styles),
            single_line: false,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &RenderOptions {
        &self.options
    }

    /// Rows rendered since the last `begin` (atom arrays count their elements).
    pub fn rows_rendered(&self) -> u64 {
        self.rows
    }

    /// Starts a result.
    pub fn begin(&mut self, out: &mut dyn Write, kind: Kind) -> Result<(), RenderError> {
        self.kind = kind;
        self.rows = 0;
        self.buf.clear();
        self.table = (self.options.format == Format::Table).then(|| {
            // A feed never ends, so its table cannot wait for a sample: each batch is flushed.
            TableWriter::new(
                self.options.max_width,
                self.options.table_sample_rows,
                self.options.styles,
            )
        });
        if self.options.format == Format::Json && kind != Kind::Atom {
            self.buf.push('[');
        }
        self.flush_to(out)
    }

    /// Renders one row (or the atom, for [`Kind::Atom`]).
    pub fn row(&mut self, out: &mut dyn Write, row: &RawValue) -> Result<(), RenderError> {
        self.raw_rows(out, std::iter::once(row.get()), false)
    }

    /// Renders one batch of rows and writes it out.
    pub fn rows(&mut self, out: &mut dyn Write, rows: &[Box<RawValue>]) -> Result<(), RenderError> {
        self.raw_rows(out, rows.iter().map(|r| r.get()), false)
    }

    /// Renders one batch of rows given as JSON text (slices of a response body, say).
    ///
    /// The server's JSON is trusted here: ndjson and json copy it through unchecked; the other
    /// formats parse it and report malformed rows as errors. `single_line` promises that no row
    /// holds a raw line break (the response scan knows), which spares a search per row.
    pub fn raw_rows<'a>(
        &mut self,
        out: &mut dyn Write,
        rows: impl IntoIterator<Item = &'a str>,
        single_line: bool,
    ) -> Result<(), RenderError> {
        self.single_line = single_line;
        let pushed = rows.into_iter().try_for_each(|row| self.push(row));
        self.single_line = false;
        if pushed.is_ok() {
            self.batch_done();
        }
        // The rows before a bad one are written before its error is reported.
        self.flush_to(out)?;
        pushed
    }

    /// Writes `count` ndjson rows already laid out as lines (a sequence's batch, see
    /// `RawBatch::into_lines`), straight through to `out`.
    pub fn ndjson_lines(
        &mut self,
        out: &mut dyn Write,
        lines: &[u8],
        count: u64,
    ) -> Result<(), RenderError> {
        self.flush_to(out)?;
        out.write_all(lines).map_err(RenderError::Io)?;
        self.rows += count;
        Ok(())
    }

    /// Ends the result: closes the JSON array, writes a table's remaining rows.
    pub fn end(&mut self, out: &mut dyn Write) -> Result<(), RenderError> {
        if let Some(table) = &mut self.table {
            table.finish(&mut self.buf);
        }
        if self.options.format == Format::Json && self.kind != Kind::Atom {
            self.buf
                .push_str(if self.rows == 0 { "]\n" } else { "\n]\n" });
        }
        self.flush_to(out)?;
        out.flush().map_err(RenderError::Io)
    }

    fn batch_done(&mut self) {
        if self.kind == Kind::Feed
            && let Some(table) = &mut self.table
        {
            table.flush(&mut self.buf);
        }
    }

    fn flush_to(&mut self, out: &mut dyn Write) -> Result<(), RenderError> {
        if !self.buf.is_empty() {
            out.write_all(self.buf.as_bytes())
                .map_err(RenderError::Io)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn push(&mut self, text: &str) -> Result<(), RenderError> {
        let atom = self.kind == Kind::Atom;
        match self.options.format {
            Format::Ndjson | Format::Raw if atom && text.starts_with('[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text)?;
                for item in items {
                    self.push_line(item.get())?;
                }
            }
            // Raw is for reading: grouped data becomes a `{group, reduction}` line per group,
            // as in pretty and table (ndjson keeps the server's lossless form).
            Format::Raw if atom && text.starts_with('{') && text.contains("GROUPED_DATA") => {
                let value = Doc::parse(text)?;
                match &*value {
                    Value::Object(m) => match pseudo::classify(m) {
                        Some(Pseudo::Grouped(pairs)) => {
                            if let Value::Array(groups) = &*pseudo::grouped_as_objects(&pairs) {
                                for group in groups {
                                    self.push_line(&nesting::to_string(group))?;
                                }
                            }
                        }
                        _ => self.push_line(text)?,
                    },
                    _ => self.push_line(text)?,
                }
            }
            Format::Ndjson | Format::Raw => self.push_line(text)?,
            Format::Json => {
                if !atom {
                    self.buf.push_str(if self.rows == 0 { "\n" } else { ",\n" });
                }
                push_compact_raw(text, self.single_line, &mut self.buf);
                if atom {
                    self.buf.push('\n');
                }
                self.rows += 1;
            }
            Format::Pretty => {
                let value = Doc::parse(text)?;
                write_pretty_painted(&value, &self.painter, &mut self.buf);
                self.buf.push('\n');
                self.rows += 1;
            }
            Format::Table => {
                let value = Doc::parse(text)?;
                let Some(table) = &mut self.table else {
                    return Ok(());
                };
                // An atom array or GROUPED_DATA becomes the table's rows, as drivers return them.
                let grouped = match &*value {
                    Value::Object(m) if atom => match pseudo::classify(m) {
                        Some(Pseudo::Grouped(pairs)) => Some(pseudo::grouped_as_objects(&pairs)),
                        _ => None,
                    },
                    _ => None,
                };
                let items = match (grouped.unwrap_or(value).into_inner(), atom) {
                    (Value::Array(items), true) => items,
                    (single, _) => vec![single],
                };
                for item in items {
                    table.push(item, &mut self.buf);
                    self.rows += 1;
                }
            }
        }
        Ok(())
    }

    /// One ndjson or raw line.
    fn push_line(&mut self, text: &str) -> Result<(), RenderError> {
        if self.options.format == Format::Raw && text.starts_with('"') {
            let s: String = serde_json::from_str(text)?;
            self.buf.push_str(&s);
        } else {
            push_compact_raw(text, self.single_line, &mut self.buf);
        }
        self.buf.push('\n');
        self.rows += 1;
        Ok(())
    }
}

/// Appends raw JSON as is when it is one line (always, for what the server sends), else minified.
fn push_compact_raw(text: &str, single_line: bool, out: &mut String) {
    if !single_line && (text.contains('\n') || text.contains('\r')) {
        minify_into(text, out);
    } else {
        out.push_str(text);
    }
}
