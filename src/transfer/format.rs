//! File formats as streams: a JSON reader for one array or concatenated documents (NDJSON is
//! the latter), a CSV reader, and the writers export uses.

use std::io::{BufRead, Write};

use serde_json::{Map, Value};

/// The formats of export and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// One JSON array of documents (what RethinkDB's export writes by default).
    Json,
    /// One document per line.
    Ndjson,
    /// A header line, then one document per line.
    Csv,
}

impl FileFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Json => "json",
            FileFormat::Ndjson => "ndjson",
            FileFormat::Csv => "csv",
        }
    }

    /// The format a file name's extension says, if any.
    pub fn from_extension(ext: &str) -> Option<FileFormat> {
        match ext {
            "json" => Some(FileFormat::Json),
            "ndjson" => Some(FileFormat::Ndjson),
            "csv" => Some(FileFormat::Csv),
            _ => None,
        }
    }
}

/// One document read from a file: its wire text and the line it starts on.
#[derive(Debug)]
pub struct Doc {
    pub line: u64,
    pub wire: String,
}

/// A bad spot in a file: the line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    pub line: u64,
    pub message: String,
    /// True when nothing after it can be read (a cut file, a broken stream).
    pub fatal: bool,
}

/// The wire form of a document's JSON text: arrays become `[2, [...]]` (MAKE_ARRAY); objects,
/// including `$reql_type$` pseudo-types (times, binary), stay literal as drivers send them.
pub fn wire_document(json: &[u8], out: &mut String) {
    // Bytes are copied through; only `[` and `]` outside strings change.
    let mut start = 0;
    for (i, b) in crate::nesting::structural(json) {
        let replacement = match b {
            b'[' => "[2,[",
            b']' => "]]",
            _ => continue,
        };
        out.push_str(&String::from_utf8_lossy(&json[start..i]));
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&String::from_utf8_lossy(&json[start..]));
}

/// Rewrites compact JSON (as the server sends it) the way Python's `json.dumps` writes it,
/// which is what RethinkDB's export puts in its files: `", "` and `": "` between items and
/// every non-ASCII character as a lower-case `\uXXXX` escape. Files then match byte for byte.
pub fn python_style(json: &str, out: &mut String) {
    let b = json.as_bytes();
    // Text is copied in runs: `json[copied..i]` is not in `out` yet.
    let mut copied = 0;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                let (end, plain) = scan_string(b, i);
                if !plain {
                    out.push_str(&json[copied..i]);
                    python_string(&json[i..end], out);
                    copied = end;
                }
                i = end;
            }
            b',' | b':' => {
                out.push_str(&json[copied..=i]);
                out.push(' ');
                i += 1;
                copied = i;
            }
            b'-' | b'0'..=b'9' => {
                let end = crate::nesting::scalar_end(b, i);
                let number = &json[i..end];
                if number.contains(['.', 'e', 'E']) {
                    out.push_str(&json[copied..i]);
                    push_number(number, out);
                    copied = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&json[copied..]);
}

/// Where the string opening at `start` ends (after its closing quote), and whether Python
/// writes it as it is (only ASCII, `\u` escapes in lower case). Runs between escapes are
/// found with `memchr` and checked for ASCII a word at a time: strings are most of a row.
fn scan_string(b: &[u8], start: usize) -> (usize, bool) {
    let mut plain = true;
    let mut i = start + 1;
    loop {
        let rest = b.get(i..).unwrap_or_default();
        let Some(k) = memchr::memchr2(b'"', b'\\', rest) else {
            return (b.len(), plain && rest.is_ascii());
        };
        plain &= rest[..k].is_ascii();
        let at = i + k;
        if b[at] == b'"' {
            return (at + 1, plain);
        }
        if b.get(at + 1) == Some(&b'u') {
            let hex = b.get(at + 2..at + 6).unwrap_or_default();
            plain &= !hex.iter().any(u8::is_ascii_uppercase);
            i = at + 6;
        } else {
            i = at + 2;
        }
    }
}

/// A JSON string (quotes included) as Python's `json.dumps` writes it: non-ASCII characters
/// as lower-case `\uXXXX` escapes (surrogate pairs beyond the BMP), escapes in lower case.
fn python_string(text: &str, out: &mut String) {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                let Some(next) = chars.next() else { break };
                out.push(next);
                if next == 'u' {
                    // The server may write hex digits in upper case; Python writes lower.
                    for _ in 0..4 {
                        if let Some(h) = chars.next() {
                            out.push(h.to_ascii_lowercase());
                        }
                    }
                }
            }
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
}

/// A float as Python prints it after reading it: by `repr` (the shortest digits that read
/// back, exponent outside 1e-4..1e16); what does not read as a finite number stays as it is.
fn push_number(number: &str, out: &mut String) {
    if repr_as_is(number) {
        out.push_str(number);
        return;
    }
    match number.parse::<f64>() {
        Ok(f) if f.is_finite() => out.push_str(&python_float(f)),
        _ => out.push_str(number),
    }
}

/// Whether Python's `repr` of the number `number` reads as is `number` itself, without
/// parsing it: fixed notation in Python's fixed range (1e-4 ≤ |x| < 1e16), no superfluous
/// zeros, and at most 15 significant digits. Two decimals of 15 digits or fewer never read as
/// the same double, so no shorter text reads back as it: these are `repr`'s digits. Most
/// numbers the server writes pass, and skip the parse and the shortest-digits search.
fn repr_as_is(number: &str) -> bool {
    let unsigned = number.strip_prefix('-').unwrap_or(number);
    let Some((int, frac)) = unsigned.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.len() > 1 && int.starts_with('0')) {
        return false;
    }
    if frac == "0" {
        // An integral value: `18.0`, `0.0`, `-0.0`.
        return int.len() <= 16 && int.trim_end_matches('0').len() <= 15;
    }
    if frac.ends_with('0') {
        return false;
    }
    let significant = if int == "0" {
        let leading = frac.len() - frac.trim_start_matches('0').len();
        if leading > 3 {
            // Below 1e-4 Python writes an exponent.
            return false;
        }
        frac.len() - leading
    } else {
        int.len() + frac.len()
    };
    int.len() <= 16 && significant <= 15
}

fn python_float(f: f64) -> String {
    // Rust's `{:e}` gives the shortest round-trip digits: `1.4285714285714285e-1`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (head, tail) = digits.split_at(1);
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!(".{tail}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{head}{tail}e{esign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = exp as usize + 1;
    if digits.len() <= point {
        format!("{sign}{digits}{}.0", "0".repeat(point - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

/// Reads documents from JSON text that is one array of objects or objects one after another
/// (whitespace or newlines between them), without holding more than one document.
pub struct JsonReader<R> {
    input: R,
    line: u64,
    /// `Some(true)` inside a top-level array, `Some(false)` for concatenated documents.
    array: Option<bool>,
    done: bool,
    buf: Vec<u8>,
}

impl<R: BufRead> JsonReader<R> {
    /// A reader over `input`, counting lines from 1.
    pub fn new(input: R) -> JsonReader<R> {
        JsonReader {
            input,
            line: 1,
            array: None,
            done: false,
            buf: Vec::new(),
        }
    }

    /// The next byte that is not whitespace, without consuming it.
    fn peek_significant(&mut self) -> Result<Option<u8>, BadInput> {
        loop {
            let line = self.line;
            let chunk = self
                .input
                .fill_buf()
                .map_err(|e| fatal(line, e.to_string()))?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let mut used = 0;
            for &b in chunk {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => {
                        self.input.consume(used);
                        return Ok(Some(b));
                    }
                }
                used += 1;
            }
            self.input.consume(used);
        }
    }

    /// The next document, `Ok(None)` at the end. A document that is not valid JSON is an
    /// error that the reader can go on after; a file cut short is fatal.
    pub fn next_doc(&mut self) -> Result<Option<Doc>, BadInput> {
        if self.done {
            return Ok(None);
        }
        let mut first = self.peek_significant()?;
        if self.array.is_none() {
            self.array = Some(first == Some(b'['));
            if first == Some(b'[') {
                self.input.consume(1);
                first = self.peek_significant()?;
            }
        }
        if self.array == Some(true) {
            if first == Some(b',') {
                self.input.consume(1);
                first = self.peek_significant()?;
            }
            if first == Some(b']') {
                self.input.consume(1);
                self.done = true;
                return self.expect_end();
            }
        }
        match first {
            None if self.array == Some(true) => {
                self.done = true;
                Err(fatal(
                    self.line,
                    "the file ends inside the array (no closing `]`)",
                ))
            }
            None => {
                self.done = true;
                Ok(None)
            }
            Some(b'{') => self.read_object().map(Some),
            Some(other) => {
                self.done = true;
                Err(fatal(
                    self.line,
                    format!(
                        "expected a document (a JSON object), found `{}`",
                        other as char
                    ),
                ))
            }
        }
    }

    /// After the closing `]` only whitespace may follow.
    fn expect_end(&mut self) -> Result<Option<Doc>, BadInput> {
        match self.peek_significant()? {
            None => Ok(None),
            Some(b) => Err(fatal(
                self.line,
                format!("unexpected `{}` after the closing `]`", b as char),
            )),
        }
    }

    /// Copies one object's bytes (brackets balanced outside strings), then checks it is JSON.
    fn read_object(&mut self) -> Result<Doc, BadInput> {
        let start_line = self.line;
        self.buf.clear();
        let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
        loop {
            let chunk = self
                .input
                .fill_buf()
                .map_err(|e| fatal(start_line, e.to_string()))?;
            if chunk.is_empty() {
                self.done = true;
                return Err(fatal(
                    start_line,
                    "the file ends inside this document (cut short?)",
                ));
            }
            let mut used = 0;
            let mut end = false;
            for &b in chunk {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if in_string {
                    match (escaped, b) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.buf.extend_from_slice(&chunk[..used]);
            self.input.consume(used);
            if end {
                break;
            }
        }
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&self.buf) {
            let line = start_line + e.line().saturating_sub(1) as u64;
            return Err(BadInput {
                line,
                message: format!("invalid JSON: {e}"),
                fatal: false,
            });
        }
        let mut wire = String::with_capacity(self.buf.len() + 16);
        wire_document(&self.buf, &mut wire);
        Ok(Doc {
            line: start_line,
            wire,
        })
    }
}

fn fatal(line: u64, message: impl Into<String>) -> BadInput {
    BadInput {
        line,
        message: message.into(),
        fatal: true,
    }
}

/// How CSV cells become fields.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    pub delimiter: u8,
    /// Column names to use instead of the header line (which is then skipped, as RethinkDB's
    /// import does).
    pub custom_header: Option<Vec<String>>,
    /// The file has no header line (needs `custom_header`).
    pub no_header: bool,
    /// Cells that read as JSON numbers, booleans, null, objects or arrays take that value.
    pub types: bool,
}

/// Reads documents from CSV: one per record, empty cells left out (as RethinkDB's import does).
pub struct CsvReader<R: std::io::Read> {
    reader: csv::Reader<R>,
    columns: Vec<String>,
    types: bool,
    record: csv::StringRecord,
}

impl<R: std::io::Read> CsvReader<R> {
    /// A reader over `input`; reads the header line unless told there is none.
    pub fn new(input: R, options: &CsvOptions) -> Result<CsvReader<R>, BadInput> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(options.delimiter)
            .has_headers(!options.no_header)
            .flexible(false)
            .from_reader(input);
        let header: Vec<String> = if options.no_header {
            Vec::new()
        } else {
            reader
                .headers()
                .map_err(|e| fatal(1, format!("cannot read the header line: {e}")))?
                .iter()
                .map(str::to_owned)
                .collect()
        };
        let columns = match &options.custom_header {
            Some(names) => names.clone(),
            None if options.no_header => {
                return Err(fatal(1, "no column names: give --custom-header a,b,..."));
            }
            None => header,
        };
        Ok(CsvReader {
            reader,
            columns,
            types: options.types,
            record: csv::StringRecord::new(),
        })
    }

    /// The next document, `Ok(None)` at the end; a ragged line is an error to go on after.
    pub fn next_doc(&mut self) -> Result<Option<Doc>, BadInput> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, csv::Position::line);
                if self.record.len() != self.columns.len() {
                    return Err(BadInput {
                        line,
                        message: format!(
                            "{} fields where the header has {}",
                            self.record.len(),
                            self.columns.len()
                        ),
                        fatal: false,
                    });
                }
                let mut doc = Map::new();
                for (name, cell) in self.columns.iter().zip(self.record.iter()) {
                    if !cell.is_empty() {
                        doc.insert(name.clone(), cell_value(cell, self.types));
                    }
                }
                let json = Value::Object(doc).to_string();
                let mut wire = String::with_capacity(json.len() + 8);
                wire_document(json.as_bytes(), &mut wire);
                Ok(Some(Doc { line, wire }))
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                // The csv crate reports a ragged record as UnequalLengths and can go on.
                let fatal = !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. });
                Err(BadInput {
                    line,
                    message: e.to_string(),
                    fatal,
                })
            }
        }
    }
}

fn cell_value(cell: &str, types: bool) -> Value {
    if types
        && let Ok(v) = serde_json::from_str::<Value>(cell)
        && !v.is_string()
    {
        return v;
    }
    Value::String(cell.to_owned())
}

/// Writes rows as a JSON array or NDJSON in the layout of RethinkDB's export: `[`, rows
/// separated by `,` and a newline, `]`.
pub struct JsonWriter<W: Write> {
    out: W,
    ndjson: bool,
    first: bool,
    /// Reused for each row.
    line: String,
}

impl<W: Write> JsonWriter<W> {
    /// A writer; the array's `[` goes out at once.
    pub fn new(mut out: W, ndjson: bool) -> std::io::Result<JsonWriter<W>> {
        if !ndjson {
            out.write_all(b"[")?;
        }
        Ok(JsonWriter {
            out,
            ndjson,
            first: true,
            line: String::new(),
        })
    }

    /// One row, given as the server's compact JSON text (one line).
    pub fn row(&mut self, json: &str) -> std::io::Result<()> {
        let sep = match (self.ndjson, self.first) {
            (true, true) => "",
            (true, false) => "\n",
            (false, true) => "\n",
            (false, false) => ",\n",
        };
        self.first = false;
        self.line.clear();
        self.line.push_str(sep);
        python_style(json, &mut self.line);
        self.out.write_all(self.line.as_bytes())
    }

    /// Ends the array (and the last line) and flushes; the writer is handed back.
    pub fn finish(mut self) -> std::io::Result<W> {
        // RethinkDB's export ends NDJSON without a final newline; byte-equal files are kept.
        if !self.ndjson {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes rows as CSV with the given fields: strings as they are, numbers as numbers, other
/// values as JSON, missing fields empty (as RethinkDB's export does).
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    fields: Vec<String>,
}

impl<W: Write> CsvWriter<W> {
    /// A writer; the header line goes out at once.
    pub fn new(out: W, fields: Vec<String>, delimiter: u8) -> csv::Result<CsvWriter<W>> {
        // Python's csv module, which RethinkDB's export uses, ends lines with CRLF.
        let mut out = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        out.write_record(&fields)?;
        Ok(CsvWriter { out, fields })
    }

    /// One row, given as the server's JSON text.
    pub fn row(&mut self, json: &str) -> csv::Result<()> {
        let doc: Value = serde_json::from_str(json)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let cells = self.fields.iter().map(|f| match doc.get(f) {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => {
                let mut text = String::new();
                python_style(&n.to_string(), &mut text);
                text
            }
            Some(other) => {
                let mut text = String::new();
                python_style(&other.to_string(), &mut text);
                text
            }
        });
        let cells: Vec<String> = cells.collect();
        self.out.write_record(&cells)
    }

    /// Flushes and hands the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Result<(u64, String), BadInput>> {
        let mut r = JsonReader::new(text.as_bytes());
        let mut out = Vec::new();
        loop {
            match r.next_doc() {
                Ok(None) => return out,
                Ok(Some(d)) => out.push(Ok((d.line, d.wire))),
                Err(e) => {
                    let fatal = e.fatal;
                    out.push(Err(e));
                    if fatal {
                        return out;
                    }
                }
            }
        }
    }

    #[test]
    fn arrays_and_concatenated_documents() {
        let want = vec![
            Ok((2, r#"{"a":[2,[1,[2,[2]]]],"s":"[x]"}"#.to_owned())),
            Ok((3, r#"{"b":"\"]"}"#.to_owned())),
        ];
        assert_eq!(
            docs("[\n{\"a\":[1,[2]],\"s\":\"[x]\"},\n{\"b\":\"\\\"]\"}\n]\n"),
            want
        );
        assert_eq!(
            docs("\n{\"a\":[1,[2]],\"s\":\"[x]\"}\n{\"b\":\"\\\"]\"}"),
            want
        );
        assert_eq!(docs("[]"), vec![]);
        assert_eq!(docs(""), vec![]);
    }

    #[test]
    fn a_cut_file_names_the_line_of_the_cut_document() {
        let out = docs("[\n{\"a\":1},\n{\"b\":\n");
        assert!(
            matches!(&out[1], Err(e) if e.line == 3 && e.fatal && e.message.contains("ends inside"))
        );
        let out = docs("[\n{\"a\":1}");
        assert!(matches!(&out[1], Err(e) if e.fatal && e.message.contains("closing")));
    }

    #[test]
    fn invalid_json_is_reported_and_skipped() {
        let out = docs("{\"a\":1}\n{\"a\":tru}\n{\"a\":3}\n");
        assert!(matches!(&out[1], Err(e) if e.line == 2 && !e.fatal));
        assert!(matches!(&out[2], Ok((3, _))));
    }

    #[test]
    fn csv_rows_are_strings_unless_typed() {
        let text = "id,n,o\n1,2,\n3,\"{\"\"a\"\": 1}\",x\n4,5\n6,7,8\n";
        let options = CsvOptions {
            delimiter: b',',
            ..CsvOptions::default()
        };
        let mut r = CsvReader::new(text.as_bytes(), &options).unwrap();
        assert_eq!(r.next_doc().unwrap().unwrap().wire, r#"{"id":"1","n":"2"}"#);
        assert_eq!(r.next_doc().unwrap().unwrap().line, 3);
        let ragged = r.next_doc().unwrap_err();
        assert_eq!((ragged.line, ragged.fatal), (4, false));
        assert_eq!(r.next_doc().unwrap().unwrap().line, 5);
        let typed = CsvOptions {
            types: true,
            ..options
        };
        let mut r = CsvReader::new(text.as_bytes(), &typed).unwrap();
        r.next_doc().unwrap();
        assert_eq!(
            r.next_doc().unwrap().unwrap().wire,
            r#"{"id":3,"n":{"a":1},"o":"x"}"#
        );
    }

    #[test]
    fn writers_use_the_official_layout() {
        let mut w = JsonWriter::new(Vec::new(), false).unwrap();
        w.row("{\"a\":1}").unwrap();
        w.row("{\"a\":[2,\"\\u001F,:\"]}").unwrap();
        let want = "[\n{\"a\": 1},\n{\"a\": [2, \"\\u001f,:\"]}\n]\n";
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), want);
        let w = JsonWriter::new(Vec::new(), false).unwrap();
        assert_eq!(w.finish().unwrap(), b"[\n]\n");
        let mut w = CsvWriter::new(Vec::new(), vec!["a".into(), "b".into()], b',').unwrap();
        w.row(r#"{"a":"x,y","b":{"c":[1]}}"#).unwrap();
        w.row(r#"{"b":2.5}"#).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(text, "a,b\r\n\"x,y\",\"{\"\"c\"\": [1]}\"\r\n,2.5\r\n");
    }

    #[test]
    fn python_style_escapes_like_json_dumps() {
        let mut out = String::new();
        python_style(r#"{"é":"名😀","k":{"a":[1,2]}}"#, &mut out);
        assert_eq!(
            out,
            r#"{"\u00e9": "\u540d\ud83d\ude00", "k": {"a": [1, 2]}}"#
        );
        let floats =
            "[0.14285714285714286,1e+16,1.5e-05,0.0001,-2.5,100.0,12,1e-7,123456789012345.6]";
        let mut out = String::new();
        python_style(floats, &mut out);
        let want = "[0.14285714285714285, 1e+16, 1.5e-05, 0.0001, -2.5, 100.0, 12, 1e-07, 123456789012345.6]";
        assert_eq!(out, want);
        // Inside strings nothing is spaced or reformatted; escapes keep their text, `\u` in
        // lower case.
        let mut out = String::new();
        python_style(
            r#"{"a,b:c":"1.50, \"x\": \u00E9\n","n":[-0.5e1,true,null]}"#,
            &mut out,
        );
        assert_eq!(
            out,
            r#"{"a,b:c": "1.50, \"x\": \u00e9\n", "n": [-5.0, true, null]}"#
        );
    }

    /// Every number the shortcut keeps as it is must be what the full path writes.
    fn check_as_is(text: &str) {
        if repr_as_is(text) {
            let full = python_float(text.parse::<f64>().unwrap());
            assert_eq!(full, text, "{text} is not repr's text");
        }
    }

    #[test]
    fn numbers_kept_as_is_are_what_repr_writes() {
        for text in [
            "18.0",
            "0.0",
            "-0.0",
            "0.37",
            "1.85",
            "0.0001",
            "123456789012345.6",
            "1000000000000000.0",
            "9999999999999998.0",
            "-2.5",
            "100.5",
            "0.123456789012345",
        ] {
            check_as_is(text);
        }
        // Passed on to the full path: superfluous zeros, exponents, out of the fixed range,
        // 16 or more digits.
        for text in [
            "1.50",
            "00.5",
            "0.00001",
            "1e5",
            "1.5e-05",
            "10000000000000000.0",
            "0.14285714285714286",
            "1234567890123456.7",
            ".5",
            "5.",
        ] {
            assert!(!repr_as_is(text), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_shortcut_agrees_with_repr(digits in "[0-9]{1,17}", point in 0usize..18, neg: bool) {
            let point = point.min(digits.len());
            let (int, frac) = digits.split_at(point);
            let int = if int.is_empty() { "0" } else { int };
            let frac = if frac.is_empty() { "0" } else { frac };
            let sign = if neg { "-" } else { "" };
            check_as_is(&format!("{sign}{int}.{frac}"));
        }

        #[test]
        fn floats_the_server_writes_agree(f in proptest::num::f64::NORMAL) {
            // The server writes the shortest digits, as Rust's `Display` does.
            check_as_is(&format!("{f:?}"));
        }
    }
}
