//! Tables: columns from the rows' keys, cells as readable text, widths that fit a terminal.
//!
//! Streaming: [`TableWriter`] buffers the first rows (the sample, or the whole result) to choose
//! columns and widths, then writes every later row at once. Values are cut only to fit an
//! explicit maximum width; without one, a later row that is wider than its column or brings a
//! key not seen before widens or adds the column and the header is printed again above that
//! row, so the output never has to be rewritten and memory stays bounded by the sample.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::json::write_compact;
use super::number::write_json_number;
use super::pseudo::{self, Pseudo};
use super::style::{Painter, Scope, Styles};
use crate::nesting::Doc;

/// Rows buffered to choose column widths before streaming starts.
pub const DEFAULT_SAMPLE_ROWS: usize = 200;
/// Narrowest a column is squeezed to when the terminal is too narrow.
pub const MIN_COLUMN_WIDTH: usize = 6;
/// Spaces between columns.
pub const COLUMN_GAP: usize = 2;
/// Header of the column that holds rows that are not objects.
pub const VALUE_COLUMN: &str = "value";

/// A column: an object key, or the column for rows that are not objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnKey {
    /// Values of this key in object rows.
    Key(String),
    /// Whole rows that are not objects (numbers, strings, arrays, pseudo-types).
    Value,
}

impl ColumnKey {
    /// The header text, on one line (control characters in keys escaped).
    pub fn header(&self) -> Cow<'_, str> {
        match self {
            ColumnKey::Key(k) if k.chars().any(char::is_control) => {
                let mut out = String::new();
                one_line(k, &mut out);
                Cow::Owned(out)
            }
            ColumnKey::Key(k) => Cow::Borrowed(k),
            ColumnKey::Value => Cow::Borrowed(VALUE_COLUMN),
        }
    }
}

/// One table cell as text on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The text (control characters escaped so it stays on one line).
    pub text: String,
    /// Its token scope, for styling.
    pub scope: Scope,
    /// Numbers are right-aligned.
    pub right_align: bool,
}

/// True when a row goes into the [`ColumnKey::Value`] column rather than key columns.
fn is_record(row: &Value) -> bool {
    // `{}` has no keys to make columns of: it shows as a value, not as an empty line.
    row.as_object()
        .is_some_and(|m| !m.is_empty() && pseudo::classify(m).is_none())
}

/// The columns a row contributes, in its key order.
pub fn row_columns(row: &Value) -> Vec<ColumnKey> {
    match row {
        Value::Object(m) if is_record(row) => m.keys().cloned().map(ColumnKey::Key).collect(),
        _ => vec![ColumnKey::Value],
    }
}

/// The cell of `row` in `column`; `None` when the row has no such key.
pub fn cell_for(row: &Value, column: &ColumnKey) -> Option<Cell> {
    match (column, row) {
        (ColumnKey::Key(k), Value::Object(m)) if is_record(row) => m.get(k).map(cell),
        (ColumnKey::Value, _) if !is_record(row) => Some(cell(row)),
        _ => None,
    }
}

/// A value as a readable cell: strings unquoted, pseudo-types readable, nesting compact.
pub fn cell(value: &Value) -> Cell {
    let mut text = String::new();
    let (scope, right_align) = match value {
        Value::Null => {
            text.push_str("null");
            (Scope::Constant, false)
        }
        Value::Bool(b) => {
            text.push_str(if *b { "true" } else { "false" });
            (Scope::Constant, false)
        }
        Value::Number(n) => {
            write_json_number(&mut text, n);
            (Scope::Number, true)
        }
        Value::String(s) => {
            one_line(s, &mut text);
            (Scope::String, false)
        }
        Value::Object(m) => match pseudo::classify(m) {
            Some(Pseudo::Text(t)) => {
                text = t;
                (Scope::Pseudo, false)
            }
            _ => {
                write_compact(value, true, &mut text);
                (Scope::Plain, false)
            }
        },
        Value::Array(_) => {
            write_compact(value, true, &mut text);
            (Scope::Plain, false)
        }
    };
    Cell {
        text,
        scope,
        right_align,
    }
}

/// Appends `s` with control characters shown as escapes so a cell stays on one line.
pub fn one_line(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Display width of `s` in terminal cells.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to fit `width` cells with room for a `…` mark: (kept text, whether it was cut,
/// cells used including the mark).
pub fn truncate(s: &str, width: usize) -> (&str, bool, usize) {
    let full = display_width(s);
    if full <= width {
        return (s, false, full);
    }
    if width == 0 {
        return ("", true, 0);
    }
    let budget = width - 1;
    let mut used = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    (&s[..end], true, used + 1)
}

/// Column widths that fit `total` cells with [`COLUMN_GAP`] between columns: columns that fit
/// their share keep their natural width, the rest share what is left equally, none below
/// [`MIN_COLUMN_WIDTH`]. When even that is too wide, the rightmost columns get width 0
/// (hidden) and room is kept for a `…` mark that says so.
pub fn fit_widths(natural: &[usize], total: Option<usize>) -> Vec<usize> {
    let Some(total) = total else {
        return natural.to_vec();
    };
    let n = natural.len();
    let gaps = |k: usize| COLUMN_GAP * k.saturating_sub(1);
    if natural.iter().sum::<usize>() + gaps(n) <= total {
        return natural.to_vec();
    }
    let floor = |w: usize| MIN_COLUMN_WIDTH.min(w);
    // How many columns fit at their floor, leaving room for the hidden-columns mark.
    let mut shown = n;
    loop {
        let marker = if shown < n { COLUMN_GAP + 1 } else { 0 };
        let need: usize =
            natural[..shown].iter().map(|&w| floor(w)).sum::<usize>() + gaps(shown) + marker;
        if need <= total || shown <= 1 {
            break;
        }
        shown -= 1;
    }
    let marker = if shown < n { COLUMN_GAP + 1 } else { 0 };
    let mut order: Vec<usize> = (0..shown).collect();
    order.sort_by_key(|&i| natural[i]);
    let mut widths = vec![0; n];
    let mut remaining = total.saturating_sub(gaps(shown) + marker);
    for (done, &i) in order.iter().enumerate() {
        let share = remaining / (shown - done);
        let w = natural[i].min(share).max(floor(natural[i]));
        widths[i] = w;
        remaining = remaining.saturating_sub(w);
    }
    widths
}

/// Columns, their natural widths and alignment, learned row by row.
///
/// The table writer samples with it; a table view over retained rows can keep one up to date
/// as batches arrive instead of rescanning rows.
#[derive(Debug, Clone, Default)]
pub struct ColumnSet {
    columns: Vec<ColumnKey>,
    natural: Vec<usize>,
    numeric: Vec<bool>,
    keys: HashMap<String, usize>,
    value: Option<usize>,
}

impl ColumnSet {
    /// No columns yet.
    pub fn new() -> ColumnSet {
        ColumnSet::default()
    }

    /// Learns a row's columns and cell widths; true when it added a column.
    pub fn observe(&mut self, row: &Value) -> bool {
        let before = self.columns.len();
        match row.as_object() {
            Some(map) if is_record(row) => {
                for (k, v) in map {
                    let i = match self.keys.get(k.as_str()) {
                        Some(&i) => i,
                        None => {
                            let i = self.add(ColumnKey::Key(k.clone()));
                            self.keys.insert(k.clone(), i);
                            i
                        }
                    };
                    self.widen(i, &cell(v));
                }
            }
            _ => {
                let i = match self.value {
                    Some(i) => i,
                    None => {
                        let i = self.add(ColumnKey::Value);
                        self.value = Some(i);
                        i
                    }
                };
                self.widen(i, &cell(row));
            }
        }
        self.columns.len() > before
    }

    fn add(&mut self, key: ColumnKey) -> usize {
        self.natural.push(display_width(&key.header()));
        self.numeric.push(true);
        self.columns.push(key);
        self.columns.len() - 1
    }

    fn widen(&mut self, i: usize, cell: &Cell) {
        self.natural[i] = self.natural[i].max(display_width(&cell.text));
        self.numeric[i] &= cell.right_align;
    }

    /// The columns in first-seen order.
    pub fn columns(&self) -> &[ColumnKey] {
        &self.columns
    }

    /// Widest header or cell seen per column.
    pub fn natural_widths(&self) -> &[usize] {
        &self.natural
    }

    /// True when every cell seen in column `i` is a number (right-aligned, header too).
    pub fn is_numeric(&self, i: usize) -> bool {
        self.numeric.get(i).copied().unwrap_or(false)
    }

    /// A row's cells, one per column (`None` where the row has no value).
    pub fn cells(&self, row: &Value) -> Vec<Option<Cell>> {
        self.columns.iter().map(|c| cell_for(row, c)).collect()
    }
}

/// Writes rows as a table in a bounded amount of memory (see the module notes).
#[derive(Debug)]
pub struct TableWriter {
    max_width: Option<usize>,
    sample_rows: Option<usize>,
    painter: Painter,
    set: ColumnSet,
    widths: Vec<usize>,
    pending: Vec<Doc>,
    fixed: bool,
}

impl TableWriter {
    /// A writer cutting values to fit lines of `max_width` cells (`None`: never cut), sampling
    /// `sample_rows` rows first (`None`: every row, for one header and exact widths).
    pub fn new(
        max_width: Option<usize>,
        sample_rows: Option<usize>,
        styles: Styles,
    ) -> TableWriter {
        TableWriter {
            max_width,
            sample_rows: sample_rows.map(|n| n.max(1)),
            painter: Painter::new(&styles),
            set: ColumnSet::new(),
            widths: Vec::new(),
            pending: Vec::new(),
            fixed: false,
        }
    }

    /// Adds a row: buffered while sampling, written to `out` afterwards.
    pub fn push(&mut self, row: Value, out: &mut String) {
        let row = Doc(row);
        if self.fixed {
            self.write_streamed(&row, out);
        } else {
            self.set.observe(&row);
            self.pending.push(row);
            if self.sample_rows.is_some_and(|n| self.pending.len() >= n) {
                self.flush(out);
            }
        }
    }

    /// Ends sampling now (e.g. a changefeed batch arrived): fixes widths, writes buffered rows.
    pub fn flush(&mut self, out: &mut String) {
        if self.fixed || self.pending.is_empty() {
            return;
        }
        self.widths = fit_widths(self.set.natural_widths(), self.max_width);
        self.fixed = true;
        self.write_header(out);
        let pending = std::mem::take(&mut self.pending);
        for row in &pending {
            self.write_row(row, out);
        }
    }

    /// Writes whatever is still buffered; call at the end of the result.
    pub fn finish(&mut self, out: &mut String) {
        self.flush(out);
    }

    fn write_streamed(&mut self, row: &Value, out: &mut String) {
        let added = self.set.observe(row);
        // A column grows (up to its share of the maximum width) rather than cutting a value it
        // has room for, under a header printed again so that the rows below it line up.
        let widths = fit_widths(self.set.natural_widths(), self.max_width);
        if added || widths != self.widths {
            self.widths = widths;
            self.write_header(out);
        }
        self.write_row(row, out);
    }

    fn write_header(&self, out: &mut String) {
        let cells: Vec<Option<Cell>> = self
            .set
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Some(Cell {
                    text: c.header().into_owned(),
                    scope: Scope::Header,
                    right_align: self.set.is_numeric(i),
                })
            })
            .collect();
        // Hidden columns are announced by a `…` after the last header rather than dropped silently.
        let hidden = self.widths.contains(&0);
        self.write_cells(&cells, hidden, out);
        let rules: Vec<Option<Cell>> = self
            .widths
            .iter()
            .map(|&w| {
                Some(Cell {
                    text: "─".repeat(w),
                    scope: Scope::Muted,
                    right_align: false,
                })
            })
            .collect();
        self.write_cells(&rules, false, out);
    }

    fn write_row(&self, row: &Value, out: &mut String) {
        self.write_cells(&self.set.cells(row), false, out);
    }

    fn write_cells(&self, cells: &[Option<Cell>], hidden_mark: bool, out: &mut String) {
        // Trailing empty cells leave no trailing spaces.
        let last = cells
            .iter()
            .zip(&self.widths)
            .rposition(|(c, &w)| c.is_some() && w > 0);
        let mut pad = 0;
        for (i, (cell, &width)) in cells.iter().zip(&self.widths).enumerate() {
            if last.is_none_or(|last| i > last) {
                break;
            }
            if width == 0 {
                continue;
            }
            let Some(cell) = cell else {
                pad += width + COLUMN_GAP;
                continue;
            };
            let (text, cut, used) = truncate(&cell.text, width);
            let fill = width - used.min(width);
            if cell.right_align {
                pad += fill;
            }
            push_spaces(out, pad);
            self.painter.paint(cell.scope, text, out);
            if cut {
                self.painter.paint(Scope::Muted, "…", out);
            }
            pad = if cell.right_align { 0 } else { fill } + COLUMN_GAP;
        }
        if hidden_mark {
            push_spaces(out, pad);
            self.painter.paint(Scope::Muted, "…", out);
        }
        out.push('\n');
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(rows: &[Value], width: Option<usize>, sample: usize) -> String {
        table_sampled(rows, width, Some(sample))
    }

    fn table_sampled(rows: &[Value], width: Option<usize>, sample: Option<usize>) -> String {
        let mut w = TableWriter::new(width, sample, Styles::plain());
        let mut out = String::new();
        for r in rows {
            w.push(r.clone(), &mut out);
        }
        w.finish(&mut out);
        out
    }

    #[test]
    fn columns_are_the_union_of_keys_in_first_seen_order() {
        let rows = [
            json!({"id": 1, "name": "ann"}),
            json!({"id": 22, "tags": ["a"]}),
        ];
        assert_eq!(
            table(&rows, None, 10),
            "id  name  tags\n──  ────  ─────\n 1  ann\n22        [\"a\"]\n"
        );
    }

    #[test]
    fn non_objects_go_to_the_value_column() {
        let rows = [json!(1), json!("two\nlines"), json!({"a": true})];
        assert_eq!(
            table(&rows, None, 10),
            "value       a\n──────────  ────\n         1\ntwo\\nlines\n            true\n"
        );
    }

    #[test]
    fn widths_fit_the_terminal_with_ellipsis() {
        let rows = [json!({"id": 1, "text": "a rather long sentence that cannot fit"})];
        let out = table(&rows, Some(20), 10);
        for line in out.lines() {
            assert!(display_width(line) <= 20, "{line:?}");
        }
        assert!(out.contains(" 1  a rather long s…\n"), "{out}");
    }

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(truncate("日本語です", 5), ("日本", true, 5));
        assert_eq!(truncate("abc", 3), ("abc", false, 3));
        assert_eq!(truncate("abcd", 1), ("", true, 1));
    }

    #[test]
    fn fair_share_keeps_narrow_columns_whole() {
        assert_eq!(fit_widths(&[2, 50, 50], Some(40)), vec![2, 17, 17]);
        assert_eq!(fit_widths(&[10, 10], Some(80)), vec![10, 10]);
        assert_eq!(fit_widths(&[10, 10, 10], Some(12)), vec![9, 0, 0]);
        assert_eq!(fit_widths(&[10, 10, 10], Some(2)), vec![6, 0, 0]);
    }

    #[test]
    fn column_set_learns_widths_and_alignment() {
        let mut set = ColumnSet::new();
        assert!(set.observe(&json!({"id": 1, "name": "a"})));
        assert!(!set.observe(&json!({"id": 100, "name": null})));
        assert!(set.observe(&json!("loose")));
        assert_eq!(
            set.columns(),
            [
                ColumnKey::Key("id".into()),
                ColumnKey::Key("name".into()),
                ColumnKey::Value
            ]
        );
        assert_eq!(set.natural_widths(), [3, 4, 5]);
        assert!(set.is_numeric(0) && !set.is_numeric(1));
        let cells = set.cells(&json!({"name": "b"}));
        assert_eq!(cells[0], None);
        assert_eq!(cells[1].as_ref().map(|c| c.text.as_str()), Some("b"));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let rows = [json!({"k\u{1b}[2J": "v\u{1b}]0;x\u{7}"})];
        let out = table(&rows, None, 10);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.starts_with("k\\u001b[2J"), "{out:?}");
    }

    #[test]
    fn new_keys_after_the_sample_reprint_the_header() {
        let rows = [json!({"a": 1}), json!({"a": 2}), json!({"a": 3, "b": "x"})];
        assert_eq!(table(&rows, None, 1), "a\n─\n1\n2\na  b\n─  ─\n3  x\n");
    }

    #[test]
    fn wider_values_after_the_sample_widen_the_column_instead_of_being_cut() {
        let rows = [json!({"id": 1}), json!({"id": 1000}), json!({"id": 2})];
        assert_eq!(
            table(&rows, None, 1),
            "id\n──\n 1\n  id\n────\n1000\n   2\n"
        );
    }

    #[test]
    fn the_whole_result_as_sample_prints_one_header_with_exact_widths() {
        let rows = [json!({"id": 1}), json!({"id": 1000, "b": true})];
        assert_eq!(
            table_sampled(&rows, None, None),
            "  id  b\n────  ────\n   1\n1000  true\n"
        );
    }

    #[test]
    fn only_a_maximum_width_cuts_values_after_the_sample() {
        let rows = [json!({"id": 1}), json!({"id": 1000})];
        assert_eq!(table(&rows, Some(80), 1), "id\n──\n 1\n  id\n────\n1000\n");
        let rows = [json!({"s": "a"}), json!({"s": "0123456789"})];
        assert_eq!(table(&rows, Some(8), 1), "s\n─\na\ns\n────────\n0123456…\n");
    }
}
