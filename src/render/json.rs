//! JSON text from values: pretty (as scoped tokens), compact, and windows of pretty lines.

use serde_json::{Map, Value};

use super::number::write_json_number;
use super::pseudo::{self, Pseudo};
use super::style::{Painter, Scope, Styles};
use crate::nesting;

/// A run of text with one token scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// What the text is, for styling.
    pub scope: Scope,
    /// The text; never contains a newline.
    pub text: String,
}

/// One rendered line: spans in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    /// The spans, left to right.
    pub spans: Vec<Span>,
}

impl Line {
    /// The line's text without styling.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Receives the tokens of a rendering; lets one walker feed ANSI text, span lines or counters.
trait TokenSink {
    fn token(&mut self, scope: Scope, text: &str);
    fn newline(&mut self);
}

const INDENT: &str = "                                                                ";

/// Deepest level that indents further: below it lines keep this indentation, so a document
/// nested 100,000 levels prints in megabytes, not in the gigabytes full indentation would take.
pub const MAX_INDENT_DEPTH: usize = 64;

fn indent(sink: &mut impl TokenSink, depth: usize) {
    let mut n = depth.min(MAX_INDENT_DEPTH) * 2;
    while n > 0 {
        let take = n.min(INDENT.len());
        sink.token(Scope::Plain, &INDENT[..take]);
        n -= take;
    }
}

fn emit(v: &Value, depth: usize, sink: &mut impl TokenSink, scratch: &mut String) {
    // Rows nest as deep as the server allows (100,000 levels and more).
    nesting::grow(|| emit_level(v, depth, sink, scratch));
}

fn emit_level(v: &Value, depth: usize, sink: &mut impl TokenSink, scratch: &mut String) {
    match v {
        Value::Null => sink.token(Scope::Constant, "null"),
        Value::Bool(b) => sink.token(Scope::Constant, if *b { "true" } else { "false" }),
        Value::Number(n) => {
            scratch.clear();
            write_json_number(scratch, n);
            sink.token(Scope::Number, scratch);
        }
        Value::String(s) => {
            scratch.clear();
            write_json_string(s, scratch);
            sink.token(Scope::String, scratch);
        }
        Value::Array(items) => emit_array(items, depth, sink, scratch),
        Value::Object(map) => match pseudo::classify(map) {
            Some(Pseudo::Text(t)) => sink.token(Scope::Pseudo, &t),
            Some(Pseudo::Grouped(pairs)) => {
                let objects = pseudo::grouped_as_objects(&pairs);
                emit_level(&objects, depth, sink, scratch);
            }
            None => emit_object(map, depth, sink, scratch),
        },
    }
}

/// The brackets of a container: opening, closing, and both together for an empty one.
struct Brackets(&'static str, &'static str, &'static str);

const ARRAY: Brackets = Brackets("[", "]", "[]");
const OBJECT: Brackets = Brackets("{", "}", "{}");

fn emit_array(items: &[Value], depth: usize, sink: &mut impl TokenSink, scratch: &mut String) {
    emit_members(
        ARRAY,
        items.iter(),
        depth,
        sink,
        scratch,
        |item, sink, scratch| {
            emit(item, depth + 1, sink, scratch);
        },
    );
}

fn emit_object(
    map: &Map<String, Value>,
    depth: usize,
    sink: &mut impl TokenSink,
    scratch: &mut String,
) {
    emit_members(
        OBJECT,
        map.iter(),
        depth,
        sink,
        scratch,
        |(k, item), sink, scratch| {
            scratch.clear();
            write_json_string(k, scratch);
            sink.token(Scope::Key, scratch);
            sink.token(Scope::Punctuation, ":");
            sink.token(Scope::Plain, " ");
            emit(item, depth + 1, sink, scratch);
        },
    );
}

/// A container's members, one a line indented one level under `depth`, separated by commas:
/// `member` writes each after its indentation.
fn emit_members<T, S: TokenSink>(
    Brackets(open, close, empty): Brackets,
    members: impl ExactSizeIterator<Item = T>,
    depth: usize,
    sink: &mut S,
    scratch: &mut String,
    mut member: impl FnMut(T, &mut S, &mut String),
) {
    let len = members.len();
    if len == 0 {
        sink.token(Scope::Punctuation, empty);
        return;
    }
    sink.token(Scope::Punctuation, open);
    for (i, m) in members.enumerate() {
        sink.newline();
        indent(sink, depth + 1);
        member(m, sink, scratch);
        if i + 1 < len {
            sink.token(Scope::Punctuation, ",");
        }
    }
    sink.newline();
    indent(sink, depth);
    sink.token(Scope::Punctuation, close);
}

struct AnsiSink<'a> {
    out: &'a mut String,
    painter: &'a Painter,
}

impl TokenSink for AnsiSink<'_> {
    fn token(&mut self, scope: Scope, text: &str) {
        self.painter.paint(scope, text, self.out);
    }
    fn newline(&mut self) {
        self.out.push('\n');
    }
}

/// Collects only the lines in `start..end`; tokens outside cost a comparison.
struct WindowSink {
    lines: Vec<Line>,
    current: usize,
    start: usize,
    end: usize,
}

impl TokenSink for WindowSink {
    fn token(&mut self, scope: Scope, text: &str) {
        if self.current < self.start || self.current >= self.end {
            return;
        }
        let line = self.current - self.start;
        while self.lines.len() <= line {
            self.lines.push(Line::default());
        }
        // Adjacent tokens of one scope share a span (indentation, `":"` + `" "` stay apart).
        let spans = &mut self.lines[line].spans;
        match spans.last_mut() {
            Some(last) if last.scope == scope => last.text.push_str(text),
            _ => spans.push(Span {
                scope,
                text: text.to_owned(),
            }),
        }
    }
    fn newline(&mut self) {
        self.current += 1;
    }
}

struct CountSink(usize);

impl TokenSink for CountSink {
    fn token(&mut self, _: Scope, _: &str) {}
    fn newline(&mut self) {
        self.0 += 1;
    }
}

/// Appends the pretty (2-space indented) form of `value`, styled, without a final newline.
pub fn write_pretty(value: &Value, styles: &Styles, out: &mut String) {
    write_pretty_painted(value, &Painter::new(styles), out);
}

/// [`write_pretty`] with escapes prepared once, for many rows.
pub fn write_pretty_painted(value: &Value, painter: &Painter, out: &mut String) {
    let mut scratch = String::new();
    emit(value, 0, &mut AnsiSink { out, painter }, &mut scratch);
}

/// The pretty form of `value` as styled lines.
pub fn pretty_lines(value: &Value) -> Vec<Line> {
    pretty_window(value, 0, usize::MAX)
}

/// Lines `start..start + len` of the pretty form; other lines are walked but never built.
pub fn pretty_window(value: &Value, start: usize, len: usize) -> Vec<Line> {
    let mut sink = WindowSink {
        lines: Vec::new(),
        current: 0,
        start,
        end: start.saturating_add(len),
    };
    emit(value, 0, &mut sink, &mut String::new());
    sink.lines
}

/// How many lines the pretty form of `value` has, without building them.
pub fn pretty_line_count(value: &Value) -> usize {
    let mut sink = CountSink(1);
    emit(value, 0, &mut sink, &mut String::new());
    sink.0
}

/// [`pretty_line_count`] read straight from compact or pretty JSON text, without parsing it
/// into a value: about ten times faster, for indexing many rows as they arrive.
///
/// `None` when the text holds a `$reql_type$` object, whose readable form has its own line
/// count: parse the row and use [`pretty_line_count`] then.
pub fn pretty_line_count_raw(raw: &str) -> Option<usize> {
    if raw.contains("\"$reql_type$\"") {
        return None;
    }
    // Each comma starts a new line; each non-empty container adds its first and closing lines.
    let mut lines = 1;
    let mut just_opened = false;
    for (_, b) in crate::nesting::structural(raw.as_bytes()) {
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            b'}' | b']' if just_opened => {}
            _ if just_opened => lines += 2,
            _ => {}
        }
        just_opened = false;
        match b {
            b',' => lines += 1,
            b'{' | b'[' => just_opened = true,
            _ => {}
        }
    }
    Some(lines)
}

/// Maps a line number in a list of independently rendered rows to (row, line within the row).
///
/// Built incrementally as rows arrive (one `push` per row with its line count), so a viewer
/// can jump to any line of a huge result and style only the rows on screen.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Cumulative line counts: `ends[i]` is the first line after row `i`.
    ends: Vec<usize>,
}

impl LineIndex {
    /// An empty index.
    pub fn new() -> LineIndex {
        LineIndex::default()
    }

    /// Appends a row that takes `lines` lines.
    pub fn push(&mut self, lines: usize) {
        let last = self.total_lines();
        self.ends.push(last + lines);
    }

    /// Drops the first `rows` rows (when old rows are evicted); line numbers shift down.
    pub fn drop_front(&mut self, rows: usize) {
        let rows = rows.min(self.ends.len());
        let shift = if rows == 0 { 0 } else { self.ends[rows - 1] };
        self.ends.drain(..rows);
        for e in &mut self.ends {
            *e -= shift;
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.ends.len()
    }

    /// Number of lines in all rows.
    pub fn total_lines(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// The first line of `row`.
    pub fn first_line(&self, row: usize) -> Option<usize> {
        match row {
            0 if !self.ends.is_empty() => Some(0),
            _ => self.ends.get(row.checked_sub(1)?).copied(),
        }
    }

    /// The row holding `line` and the line's offset in that row.
    pub fn locate(&self, line: usize) -> Option<(usize, usize)> {
        if line >= self.total_lines() {
            return None;
        }
        let row = self.ends.partition_point(|&end| end <= line);
        let first = if row == 0 { 0 } else { self.ends[row - 1] };
        Some((row, line - first))
    }
}

/// Appends `s` as a JSON string literal (non-ASCII kept as is).
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain_from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain_from..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        plain_from = i + 1;
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

/// Appends compact JSON with JavaScript numbers; pseudo-types in readable form when `readable`.
pub fn write_compact(value: &Value, readable: bool, out: &mut String) {
    nesting::grow(|| write_compact_level(value, readable, out));
}

fn write_compact_level(value: &Value, readable: bool, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_json_number(out, n),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, readable, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            if readable {
                match pseudo::classify(map) {
                    Some(Pseudo::Text(t)) => {
                        out.push_str(&t);
                        return;
                    }
                    Some(Pseudo::Grouped(pairs)) => {
                        write_compact(&pseudo::grouped_as_objects(&pairs), readable, out);
                        return;
                    }
                    None => {}
                }
            }
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_compact(item, readable, out);
            }
            out.push('}');
        }
    }
}

/// Compact JSON text of `value` (see [`write_compact`]).
pub fn compact(value: &Value, readable: bool) -> String {
    let mut out = String::new();
    write_compact(value, readable, &mut out);
    out
}

/// Appends `raw` JSON text with whitespace outside strings removed (lossless otherwise).
pub fn minify_into(raw: &str, out: &mut String) {
    let mut plain_from = 0;
    for (i, b) in crate::nesting::structural(raw.as_bytes()) {
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push_str(&raw[plain_from..i]);
            plain_from = i + 1;
        }
    }
    out.push_str(&raw[plain_from..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(v: &Value) -> String {
        let mut out = String::new();
        write_pretty(v, &Styles::plain(), &mut out);
        out
    }

    #[test]
    fn pretty_is_two_space_indented_in_server_order() {
        let v: Value =
            serde_json::from_str(r#"{"z":1,"a":[true,null,{}],"m":{"k":"v"},"e":[]}"#).unwrap();
        assert_eq!(
            plain(&v),
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    {}\n  ],\n  \"m\": {\n    \"k\": \"v\"\n  },\n  \"e\": []\n}"
        );
    }

    #[test]
    fn window_builds_only_requested_lines_and_matches_full_render() {
        let v = json!({"a": [1, 2, 3], "b": "x"});
        let all = pretty_lines(&v);
        let text: Vec<String> = all.iter().map(Line::text).collect();
        assert_eq!(text.join("\n"), plain(&v));
        assert_eq!(pretty_line_count(&v), all.len());
        let win = pretty_window(&v, 2, 3);
        assert_eq!(win, all[2..5].to_vec());
        assert!(pretty_window(&v, 100, 5).is_empty());
        let key = &all[1].spans[1];
        assert_eq!((key.scope, key.text.as_str()), (Scope::Key, "\"a\""));
    }

    #[test]
    fn raw_line_counts_match_parsed_ones() {
        for text in [
            "1",
            "[]",
            "{}",
            r#"{"a":[1,2,{"b":[]}],"c":"x,{[\"y"}"#,
            "[[],[[]],{\"k\":{}}]",
            "{ \"a\" : [ ] , \"b\" : [ 1 ] }",
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                pretty_line_count_raw(text),
                Some(pretty_line_count(&v)),
                "{text}"
            );
        }
        assert_eq!(
            pretty_line_count_raw(r#"{"t":{"$reql_type$":"TIME","epoch_time":0,"timezone":"Z"}}"#),
            None
        );
    }

    #[test]
    fn line_index_locates_rows() {
        let mut idx = LineIndex::new();
        for n in [3, 1, 5] {
            idx.push(n);
        }
        assert_eq!(idx.total_lines(), 9);
        assert_eq!(idx.locate(0), Some((0, 0)));
        assert_eq!(idx.locate(2), Some((0, 2)));
        assert_eq!(idx.locate(3), Some((1, 0)));
        assert_eq!(idx.locate(8), Some((2, 4)));
        assert_eq!(idx.locate(9), None);
        assert_eq!(idx.first_line(2), Some(4));
        idx.drop_front(1);
        assert_eq!(idx.rows(), 2);
        assert_eq!(idx.locate(0), Some((0, 0)));
        assert_eq!(idx.locate(1), Some((1, 0)));
    }

    #[test]
    fn strings_escape_controls_and_keep_unicode() {
        let mut out = String::new();
        write_json_string("a\"b\\c\nd\u{1}é😀", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\u0001é😀""#);
    }

    #[test]
    fn compact_uses_js_numbers_and_optional_readable_pseudo() {
        let v = json!({"n": 1.0, "t": {"$reql_type$":"BINARY","data":"AQ=="}});
        assert_eq!(
            compact(&v, false),
            r#"{"n":1,"t":{"$reql_type$":"BINARY","data":"AQ=="}}"#
        );
        assert_eq!(compact(&v, true), r#"{"n":1,"t":<binary 1 byte: 01>}"#);
    }

    #[test]
    fn minify_keeps_string_whitespace() {
        let mut out = String::new();
        minify_into("{ \"a b\" :\n [1, \"x\\\" y\"] }", &mut out);
        assert_eq!(out, r#"{"a b":[1,"x\" y"]}"#);
    }
}
