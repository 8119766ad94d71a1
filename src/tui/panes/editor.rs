//! The query editor: ratatui-textarea does the editing; this pane adds auto-indent, syntax
//! highlighting, bracket matching, the compile-error underline and the statement to run, and
//! draws the text itself (textarea's widget has no syntax colours).

use std::ops::Range;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::{CursorMove, TextArea};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, HighlightState, Theme};

use crate::reql::Lang;
use syntect::parsing::{ParseState, SyntaxSet};

use crate::tui::action::{Completion, SyntaxError};
use crate::tui::theme::Palette;

/// Spaces per indentation level.
const INDENT: &str = "  ";

/// One highlighted line: (style, text) runs.
type StyledLine = Vec<(Style, String)>;

/// The completion popup's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionPopup {
    /// Byte offset where the word being completed starts.
    pub start: usize,
    pub items: Vec<Completion>,
    /// Index into the filtered items.
    pub selected: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// State of the editor pane.
pub struct EditorPane {
    textarea: TextArea<'static>,
    /// Bumped on every change; a syntax check answers for one revision.
    revision: u64,
    highlighted: Highlight,
    theme: Theme,
    /// First visible line and column (in chars).
    top: usize,
    left: usize,
    error: Option<SyntaxError>,
    /// Where the last run failed (a server error's sub-term), with the revision of the text it was
    /// found in: shown until the text changes (the syntax check does not clear it).
    run_error: Option<(u64, SyntaxError)>,
    /// When the text last changed without a syntax check since.
    dirty_since: Option<Instant>,
    /// Position while walking the history (index into it) and the text being written before.
    history_pos: Option<usize>,
    draft: String,
    /// Shown while the editor is empty.
    placeholder: String,
    completion: Option<CompletionPopup>,
    /// The revision at which the popup was last closed on purpose (Esc, a run): answers asked
    /// for at or before it come too late and are dropped.
    completion_closed: Option<u64>,
}

impl EditorPane {
    /// An empty editor highlighting with `theme`.
    pub fn new(theme: Theme) -> Self {
        let mut pane = EditorPane {
            textarea: TextArea::default(),
            revision: 0,
            highlighted: Highlight::default(),
            theme,
            top: 0,
            left: 0,
            error: None,
            run_error: None,
            completion_closed: None,
            dirty_since: None,
            history_pos: None,
            draft: String::new(),
            placeholder: String::new(),
            completion: None,
        };
        pane.rehighlight();
        pane
    }

    /// The open completion popup.
    pub fn completion(&self) -> Option<&CompletionPopup> {
        self.completion.as_ref()
    }

    /// What to ask the completer: (revision, text, cursor byte offset).
    pub fn completion_request(&self) -> (u64, String, usize) {
        (self.revision, self.text(), self.cursor_offset())
    }

    /// Opens the popup with candidates for `replace` (a byte range of the text at `revision`);
    /// ignored when the cursor has since left that word.
    pub fn show_completions(
        &mut self,
        revision: u64,
        replace: (usize, usize),
        items: Vec<Completion>,
    ) {
        let text = self.text();
        let cursor = self.cursor_offset();
        let dismissed = self
            .completion_closed
            .is_some_and(|closed| revision <= closed);
        let same_word = !dismissed
            && revision <= self.revision
            && replace.0 <= cursor
            && text
                .get(replace.0..cursor)
                .is_some_and(|w| w.chars().all(is_word_char));
        if !same_word || items.is_empty() {
            self.completion = None;
            return;
        }
        self.completion = Some(CompletionPopup {
            start: replace.0,
            items,
            selected: 0,
        });
    }

    /// The candidates matching what was typed since the popup opened.
    pub fn visible_completions(&self) -> Vec<&Completion> {
        let Some(popup) = &self.completion else {
            return Vec::new();
        };
        let typed = self.typed().unwrap_or_default().to_lowercase();
        popup
            .items
            .iter()
            .filter(|c| c.label.to_lowercase().starts_with(&typed))
            .collect()
    }

    /// Moves the popup's selection.
    pub fn completion_move(&mut self, delta: isize) {
        let n = self.visible_completions().len();
        if let Some(popup) = &mut self.completion {
            popup.selected = popup
                .selected
                .saturating_add_signed(delta)
                .min(n.saturating_sub(1));
        }
    }

    /// Replaces the word with the selected candidate and closes the popup.
    pub fn accept_completion(&mut self, now: Instant) {
        let label = {
            let visible = self.visible_completions();
            let selected = self.completion.as_ref().map_or(0, |p| p.selected);
            visible.get(selected).map(|c| c.label.clone())
        };
        let typed = self.typed().map_or(0, |w| w.chars().count());
        if self.completion.take().is_none() {
            return;
        }
        let Some(label) = label else { return };
        for _ in 0..typed {
            self.textarea.delete_char();
        }
        self.textarea.insert_str(&label);
        self.changed(now);
    }

    /// Closes the popup.
    pub fn close_completion(&mut self) {
        self.completion = None;
        self.completion_closed = Some(self.revision);
    }

    /// First visible line and column.
    pub fn scroll(&self) -> (usize, usize) {
        (self.top, self.left)
    }

    /// Sets the text shown while the editor is empty.
    pub fn set_placeholder(&mut self, text: impl Into<String>) {
        self.placeholder = text.into();
    }

    /// The whole text, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// The lines of the text.
    pub fn lines(&self) -> &[String] {
        self.textarea.lines()
    }

    /// Replaces the text, cursor at its end.
    pub fn set_text(&mut self, text: &str, now: Instant) {
        let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        self.textarea = TextArea::new(lines);
        self.textarea.move_cursor(CursorMove::Bottom);
        self.textarea.move_cursor(CursorMove::End);
        self.changed(now);
    }

    /// Puts `statement` on a new line after the text (not at the cursor, so it never runs
    /// into the statement there), the cursor at its end; returns its byte offset. When the
    /// last statement already is `statement`, only the cursor moves there.
    pub fn append_statement(&mut self, statement: &str, now: Instant) -> usize {
        let text = self.text();
        self.textarea.move_cursor(CursorMove::Bottom);
        self.textarea.move_cursor(CursorMove::End);
        if let Some(last) = split_statements(&text).last()
            && text.get(last.clone()).map(str::trim) == Some(statement)
            && text
                .get(last.end..)
                .is_some_and(|rest| rest.trim().is_empty())
        {
            return last.start;
        }
        if text.trim().is_empty() {
            self.set_text(statement, now);
            return 0;
        }
        // One blank line apart from the text above.
        let lead = if text.ends_with("\n\n") {
            ""
        } else if text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        self.insert(&format!("{lead}{statement}"), now);
        text.len() + lead.len()
    }

    /// Inserts `text` at the cursor.
    pub fn insert(&mut self, text: &str, now: Instant) {
        if self.textarea.insert_str(text) {
            self.changed(now);
        }
    }

    /// Cursor as (line, column in chars).
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.textarea.cursor();
        (c.0, c.1)
    }

    /// Moves the cursor to a (line, column in chars), clamped to the text.
    pub fn set_cursor(&mut self, row: usize, col: usize) {
        let row = row.min(self.lines().len().saturating_sub(1));
        let col = col.min(self.lines().get(row).map_or(0, |l| l.chars().count()));
        self.textarea
            .move_cursor(CursorMove::Jump(clamp_u16(row), clamp_u16(col)));
    }

    /// The cursor as a byte offset in [`text`](Self::text).
    pub fn cursor_offset(&self) -> usize {
        let (row, col) = self.cursor();
        position_to_offset(self.lines(), row, col)
    }

    /// Revision of the text (changes on every edit).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The compile error shown as an underline, if any.
    pub fn error(&self) -> Option<&SyntaxError> {
        self.error.as_ref()
    }

    /// Sets or clears the compile error (span is a byte range in the whole text).
    pub fn set_error(&mut self, error: Option<SyntaxError>) {
        self.error = error;
    }

    /// Underlines `error`'s span (where a run failed: the sub-term a server error's backtrace
    /// names, or the compile error) until the text changes or the next run.
    pub fn set_run_error(&mut self, error: Option<SyntaxError>) {
        self.run_error = error.map(|e| (self.revision, e));
    }

    /// The run's error underlined while the text is as it was run.
    pub fn run_error(&self) -> Option<&SyntaxError> {
        self.run_error
            .as_ref()
            .filter(|(revision, _)| *revision == self.revision)
            .map(|(_, e)| e)
    }

    /// The underlined error: the syntax check's first, else the run's while the text is as
    /// it was run.
    fn shown_error(&self) -> Option<&SyntaxError> {
        self.error.as_ref().or_else(|| self.run_error())
    }

    /// Types one key; returns true when the text changed.
    pub fn input(&mut self, key: KeyEvent, now: Instant) -> bool {
        let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
        let changed = match key.code {
            KeyCode::Enter if plain => {
                self.newline_with_indent();
                true
            }
            KeyCode::Char(c @ (')' | ']' | '}')) if plain => {
                self.dedent_before_closing();
                self.textarea.insert_char(c);
                true
            }
            _ => self.textarea.input(key),
        };
        if changed {
            self.history_pos = None;
            self.changed(now);
        }
        self.validate_completion();
        changed
    }

    /// Closes the popup once the cursor is no longer in the word it completes.
    fn validate_completion(&mut self) {
        if self.completion.is_some() && self.typed().is_none() {
            self.completion = None;
        }
    }

    /// The part of the word typed since the popup opened (None when the cursor left it).
    pub fn typed(&self) -> Option<String> {
        let popup = self.completion.as_ref()?;
        let text = self.text();
        text.get(popup.start..self.cursor_offset())
            .filter(|w| w.chars().all(is_word_char))
            .map(str::to_owned)
    }

    fn newline_with_indent(&mut self) {
        let (row, col) = self.cursor();
        let line = self.lines().get(row).cloned().unwrap_or_default();
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        let before: String = line.chars().take(col).collect();
        let after: String = line.chars().skip(col).collect();
        let opens = matches!(before.trim_end().chars().last(), Some('(' | '[' | '{'));
        let closes = matches!(after.trim_start().chars().next(), Some(')' | ']' | '}'));
        self.textarea.insert_newline();
        // Drop the blanks the cursor was followed by: they would sit before the new indent.
        let trailing = after.chars().take_while(|c| *c == ' ').count();
        for _ in 0..trailing {
            self.textarea.delete_next_char();
        }
        if opens {
            let inner = format!("{indent}{INDENT}");
            self.textarea.insert_str(&inner);
            if closes {
                // `{|}` + Enter puts the closing bracket on its own line under the opener.
                self.textarea.insert_newline();
                self.textarea.insert_str(&indent);
                self.textarea.move_cursor(CursorMove::Up);
                self.textarea.move_cursor(CursorMove::End);
            }
        } else {
            self.textarea.insert_str(&indent);
        }
    }

    fn dedent_before_closing(&mut self) {
        let (row, col) = self.cursor();
        let line = self.lines().get(row).cloned().unwrap_or_default();
        let before: String = line.chars().take(col).collect();
        if !before.is_empty() && before.chars().all(|c| c == ' ') && before.len() >= INDENT.len() {
            for _ in 0..INDENT.len() {
                self.textarea.delete_char();
            }
        }
    }

    fn changed(&mut self, now: Instant) {
        self.revision += 1;
        self.dirty_since = Some(now);
        self.rehighlight();
        self.validate_completion();
    }

    /// Highlights the text as `lang` from now on.
    pub fn set_lang(&mut self, lang: Lang) {
        if self.highlighted.lang != lang {
            self.highlighted = Highlight {
                lang,
                ..Highlight::default()
            };
            self.rehighlight();
        }
    }

    fn rehighlight(&mut self) {
        self.highlighted.update(self.textarea.lines(), &self.theme);
    }

    /// Changes the syntax theme.
    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
        self.highlighted = Highlight::default();
        self.rehighlight();
    }

    /// After `debounce` of quiet, the text to check (once per change).
    pub fn due_for_check(&mut self, now: Instant, debounce: Duration) -> Option<(u64, String)> {
        let since = self.dirty_since?;
        if now.saturating_duration_since(since) < debounce {
            return None;
        }
        self.dirty_since = None;
        Some((self.revision, self.text()))
    }

    /// What the run key runs: the selection, else the statement under the cursor, with its
    /// byte offset in the text.
    pub fn statement_to_run(&self) -> Option<(String, usize)> {
        let text = self.text();
        if let Some(((r0, c0), (r1, c1))) = self.textarea.selection_range() {
            let start = position_to_offset(self.lines(), r0, c0);
            let end = position_to_offset(self.lines(), r1, c1);
            let selected = text.get(start..end)?;
            let lead = selected.len() - selected.trim_start().len();
            let trimmed = selected.trim();
            return (!trimmed.is_empty()).then(|| (trimmed.to_owned(), start + lead));
        }
        let range = statement_at(&text, self.cursor_offset())?;
        Some((text[range.clone()].to_owned(), range.start))
    }

    /// Every statement of the text with its byte offset.
    pub fn all_statements(&self) -> Vec<(String, usize)> {
        let text = self.text();
        split_statements(&text)
            .into_iter()
            .map(|r| (text[r.clone()].to_owned(), r.start))
            .collect()
    }

    /// The selected text, if any.
    pub fn selection(&self) -> Option<String> {
        let ((r0, c0), (r1, c1)) = self.textarea.selection_range()?;
        let text = self.text();
        let start = position_to_offset(self.lines(), r0, c0);
        let end = position_to_offset(self.lines(), r1, c1);
        text.get(start..end).map(str::to_owned)
    }

    /// Drops the selection.
    pub fn cancel_selection(&mut self) {
        self.textarea.cancel_selection();
    }

    /// Walks the history one step older (`older`) or newer; `entries` oldest first.
    pub fn walk_history<'h>(
        &mut self,
        entries: impl Iterator<Item = &'h str>,
        older: bool,
        now: Instant,
    ) {
        let entries: Vec<&str> = entries.collect();
        if entries.is_empty() {
            return;
        }
        let next = match (self.history_pos, older) {
            (None, true) => {
                self.draft = self.text();
                // The query just run is the newest entry: showing it again would look like
                // nothing happened, so the first step skips what the editor already holds.
                let shown = self.draft.trim();
                let older = entries.iter().rposition(|e| e.trim() != shown);
                if older.is_none() {
                    return;
                }
                older
            }
            (None, false) => return,
            (Some(0), true) => Some(0),
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i + 1 < entries.len() => Some(i + 1),
            (Some(_), false) => None,
        };
        let text = match next {
            Some(i) => entries[i].to_owned(),
            None => std::mem::take(&mut self.draft),
        };
        self.set_text(&text, now);
        self.history_pos = next;
    }

    /// Keeps the cursor inside a viewport of `height` lines and `width` columns.
    pub fn scroll_into_view(&mut self, height: usize, width: usize) {
        let (row, col) = self.cursor();
        let height = height.max(1);
        let width = width.max(1);
        if row < self.top {
            self.top = row;
        } else if row >= self.top + height {
            self.top = row + 1 - height;
        }
        if col < self.left {
            self.left = col;
        } else {
            // Columns are chars but wide ones (CJK, emoji) take two cells: move `left` on
            // until the chars from it through the cursor's cell fit the width.
            let widths: Vec<usize> = self
                .lines()
                .get(row)
                .map(|l| l.chars().map(cell_width).collect())
                .unwrap_or_default();
            let cell = |i: usize| widths.get(i).copied().unwrap_or(1);
            if (0..=col).map(cell).sum::<usize>() <= width {
                // The line up to the cursor fits (after typing back or a wider window).
                self.left = 0;
            }
            let mut used: usize = (self.left..=col).map(cell).sum();
            while used > width && self.left < col {
                used -= cell(self.left);
                self.left += 1;
            }
        }
    }

    /// Terminal cells taken by the chars `from..to` of line `row` (wide ones count two).
    pub fn cells_between(&self, row: usize, from: usize, to: usize) -> usize {
        self.lines().get(row).map_or(0, |line| {
            line.chars()
                .skip(from)
                .take(to.saturating_sub(from))
                .map(cell_width)
                .sum()
        })
    }

    /// Draws the editor into `area` (borders included).
    pub fn draw(&self, frame: &mut Frame, area: Rect, focused: bool, palette: &Palette) {
        let block = palette.pane_block(" Query ", focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let gutter = gutter_width(self.lines().len());
        let text_width = usize::from(inner.width).saturating_sub(gutter);
        let lines = self.lines();
        let (cur_row, cur_col) = self.cursor();
        let brackets = matching_bracket(lines, (cur_row, cur_col));
        let selection = self.textarea.selection_range();
        let error_range = self.shown_error().map(|e| {
            (
                offset_to_position(lines, e.span.0),
                offset_to_position(lines, e.span.1.max(e.span.0 + 1)),
            )
        });
        let mut out = Vec::with_capacity(usize::from(inner.height));
        for row in self.top..(self.top + usize::from(inner.height)).min(lines.len()) {
            let mut cells: Vec<(char, Style)> = Vec::new();
            if let Some(runs) = self.highlighted.styled.get(row) {
                for (style, text) in runs {
                    cells.extend(text.chars().map(|c| (c, *style)));
                }
            }
            // One cell past the end so the cursor can sit there.
            cells.push((' ', Style::default()));
            for (col, cell) in cells.iter_mut().enumerate() {
                let pos = (row, col);
                if let Some((a, b)) = selection
                    && pos >= a
                    && pos < b
                {
                    cell.1 = cell.1.bg(palette.selection);
                }
                if let Some((a, b)) = error_range
                    && pos >= a
                    && pos < b
                {
                    cell.1 = cell
                        .1
                        .add_modifier(Modifier::UNDERLINED)
                        .underline_color(palette.error);
                }
                if brackets.is_some_and(|(x, y)| x == pos || y == pos) {
                    cell.1 = cell.1.add_modifier(Modifier::BOLD).bg(palette.bracket);
                }
                if focused && pos == (cur_row, cur_col) {
                    cell.1 = cell.1.add_modifier(Modifier::REVERSED);
                }
            }
            let number = format!("{:>w$} ", row + 1, w = gutter.saturating_sub(1));
            let mut spans = vec![Span::styled(number, Style::default().fg(palette.dim))];
            let mut room = text_width;
            spans.extend(merge_cells(cells.into_iter().skip(self.left).take_while(
                |(c, _)| match room.checked_sub(cell_width(*c)) {
                    Some(left) => {
                        room = left;
                        true
                    }
                    None => false,
                },
            )));
            out.push(Line::from(spans));
        }
        if lines.len() == 1 && lines[0].is_empty() {
            // An empty editor says what to do; `hint` comes from the keymap.
            if let Some(first) = out.first_mut() {
                first.spans.push(Span::styled(
                    self.placeholder.clone(),
                    Style::default().fg(palette.dim),
                ));
            }
        }
        frame.render_widget(Paragraph::new(out), inner);
    }
}

/// Terminal cells a char of the editor takes (two for wide CJK and emoji).
fn cell_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(1)
}

fn clamp_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Columns taken by the line numbers for a text of `lines` lines.
pub fn gutter_width(lines: usize) -> usize {
    lines.max(1).to_string().len().max(2) + 1
}

fn merge_cells(cells: impl Iterator<Item = (char, Style)>) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut style = None;
    for (c, s) in cells {
        if style != Some(s) {
            if let Some(prev) = style
                && !run.is_empty()
            {
                spans.push(Span::styled(std::mem::take(&mut run), prev));
            }
            style = Some(s);
        }
        run.push(if c == '\t' { ' ' } else { c });
    }
    if let Some(prev) = style
        && !run.is_empty()
    {
        spans.push(Span::styled(run, prev));
    }
    spans
}

/// Byte offset of (line, column in chars) in the lines joined with `\n`.
pub fn position_to_offset(lines: &[String], row: usize, col: usize) -> usize {
    let mut offset = 0;
    for line in lines.iter().take(row) {
        offset += line.len() + 1;
    }
    let line = lines.get(row).map_or("", String::as_str);
    offset + line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
}

/// (line, column in chars) of a byte offset in the lines joined with `\n`.
pub fn offset_to_position(lines: &[String], offset: usize) -> (usize, usize) {
    let mut rest = offset;
    for (row, line) in lines.iter().enumerate() {
        if rest <= line.len() {
            let col = line.char_indices().take_while(|(i, _)| *i < rest).count();
            return (row, col);
        }
        rest -= line.len() + 1;
    }
    let last = lines.len().saturating_sub(1);
    (last, lines.get(last).map_or(0, |l| l.chars().count()))
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Highlights lines as JavaScript with `theme`; a line syntect cannot parse stays plain.
pub fn highlight(lines: &[String], theme: &Theme) -> Vec<StyledLine> {
    let mut cache = Highlight::default();
    cache.update(lines, theme);
    cache.styled
}

type LineState = (HighlightState, ParseState);

/// Highlighted lines plus the parser state at the start of each line, so an edit re-highlights
/// from the changed line until the state and the text agree with before again.
#[derive(Default)]
struct Highlight {
    /// The syntax highlighted.
    lang: Lang,
    lines: Vec<String>,
    /// `states[i]` is the state before line `i`; one more entry than `lines`.
    states: Vec<LineState>,
    styled: Vec<StyledLine>,
}

impl Highlight {
    fn initial(theme: &Theme, lang: Lang) -> LineState {
        let set = syntax_set();
        let ext = match lang {
            Lang::Js => "js",
            Lang::Python => "py",
        };
        let syntax = set
            .find_syntax_by_extension(ext)
            .unwrap_or_else(|| set.find_syntax_plain_text());
        HighlightLines::new(syntax, theme).state()
    }

    fn update(&mut self, lines: &[String], theme: &Theme) {
        let old_len = self.lines.len();
        let first = self
            .lines
            .iter()
            .zip(lines)
            .take_while(|(a, b)| a == b)
            .count();
        let max_suffix = old_len.min(lines.len()) - first;
        let suffix = self
            .lines
            .iter()
            .rev()
            .zip(lines.iter().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        if first == old_len && first == lines.len() && !self.states.is_empty() {
            return;
        }
        let mut state = match self.states.get(first) {
            Some(s) => s.clone(),
            None => Highlight::initial(theme, self.lang),
        };
        let mut states = self.states[..first.min(self.states.len())].to_vec();
        let mut styled = self.styled[..first.min(self.styled.len())].to_vec();
        let reuse_from = lines.len() - suffix;
        let mut i = first;
        while i < lines.len() {
            if i >= reuse_from {
                let old_i = old_len - (lines.len() - i);
                if self.states.get(old_i) == Some(&state) {
                    // Same state before an unchanged tail: the rest is as it was.
                    states.extend_from_slice(&self.states[old_i..old_len]);
                    styled.extend_from_slice(&self.styled[old_i..old_len]);
                    state = self.states[old_len].clone();
                    break;
                }
            }
            states.push(state.clone());
            let (line_styled, next) = highlight_one(&lines[i], state, theme);
            styled.push(line_styled);
            state = next;
            i += 1;
        }
        states.push(state);
        self.lines = lines.to_vec();
        self.states = states;
        self.styled = styled;
    }
}

/// Lines longer than this (bytes) are shown plain: syntect costs about 10 µs per byte of
/// dense code, and every key typed on a line highlights the whole line again, so a pasted
/// 2 KB one-liner would cost a frame budget per key.
pub const MAX_HIGHLIGHTED_LINE: usize = 1024;

fn highlight_one(line: &str, state: LineState, theme: &Theme) -> (StyledLine, LineState) {
    if line.len() > MAX_HIGHLIGHTED_LINE {
        return (vec![(Style::default(), line.to_owned())], state);
    }
    let set = syntax_set();
    let (hs, ps) = state;
    let mut h = HighlightLines::from_state(theme, hs, ps);
    let with_nl = format!("{line}\n");
    let styled = match h.highlight_line(&with_nl, set) {
        Ok(runs) => runs
            .into_iter()
            .map(|(s, t)| (convert_style(s), t.trim_end_matches('\n').to_owned()))
            .filter(|(_, t)| !t.is_empty())
            .collect(),
        Err(_) => vec![(Style::default(), line.to_owned())],
    };
    (styled, h.state())
}

fn convert_style(s: syntect::highlighting::Style) -> Style {
    let mut style = Style::default().fg(Color::Rgb(s.foreground.r, s.foreground.g, s.foreground.b));
    if s.font_style.contains(FontStyle::BOLD) {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.font_style.contains(FontStyle::ITALIC) {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if s.font_style.contains(FontStyle::UNDERLINE) {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    style
}

/// What a scanner sees at each byte: code, or inside a string or comment.
fn code_mask(text: &str) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut mask = vec![true; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => {
                let (close, _) = crate::shell::completion::string_end(bytes, i, false);
                let end = (close + 1).min(bytes.len());
                mask[i..end].iter_mut().for_each(|m| *m = false);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                mask[i..end].iter_mut().for_each(|m| *m = false);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                mask[i..end].iter_mut().for_each(|m| *m = false);
                i = end;
            }
            _ => i += 1,
        }
    }
    mask
}

/// Splits text into statements with the compiler's splitter (top-level `;`, and line breaks
/// that end a complete expression unless the next line continues the chain).
pub fn split_statements(text: &str) -> Vec<Range<usize>> {
    // A meta-command line (`.use demo`) is a statement of its own, as in the REPL.
    crate::shell::items(text)
        .into_iter()
        .map(|item| item.span())
        .map(|s| s.start..s.end)
        .filter(|r| !r.is_empty())
        .collect()
}

/// The statement containing byte `offset`, or the closest one before it (cursor after `;`).
pub fn statement_at(text: &str, offset: usize) -> Option<Range<usize>> {
    let statements = split_statements(text);
    statements
        .iter()
        .find(|r| r.start <= offset && offset <= r.end)
        .or_else(|| statements.iter().rev().find(|r| r.end <= offset))
        .or_else(|| statements.first())
        .cloned()
}

/// The bracket at or just before the cursor and its partner, as (line, column) pairs.
pub fn matching_bracket(
    lines: &[String],
    cursor: (usize, usize),
) -> Option<((usize, usize), (usize, usize))> {
    let text = lines.join("\n");
    let mask = code_mask(&text);
    let at = position_to_offset(lines, cursor.0, cursor.1);
    let is_bracket =
        |i: usize| mask.get(i) == Some(&true) && b"()[]{}".contains(&text.as_bytes()[i]);
    let here = if at < text.len() && is_bracket(at) {
        at
    } else if at > 0 && is_bracket(at - 1) {
        at - 1
    } else {
        return None;
    };
    let bytes = text.as_bytes();
    let (open, close, forward) = match bytes[here] {
        b'(' => (b'(', b')', true),
        b'[' => (b'[', b']', true),
        b'{' => (b'{', b'}', true),
        b')' => (b'(', b')', false),
        b']' => (b'[', b']', false),
        _ => (b'{', b'}', false),
    };
    let mut depth = 0i32;
    let partner = if forward {
        (here..bytes.len()).find(|&i| {
            if mask[i] && bytes[i] == open {
                depth += 1;
            } else if mask[i] && bytes[i] == close {
                depth -= 1;
            }
            depth == 0
        })
    } else {
        (0..=here).rev().find(|&i| {
            if mask[i] && bytes[i] == close {
                depth += 1;
            } else if mask[i] && bytes[i] == open {
                depth -= 1;
            }
            depth == 0
        })
    }?;
    Some((
        offset_to_position(lines, here),
        offset_to_position(lines, partner),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split_statements(text)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn splits_like_the_compiler() {
        assert_eq!(pieces("r.now(); r.expr(1)"), ["r.now()", "r.expr(1)"]);
        assert_eq!(
            pieces("r.table('a')\n  .count()\n\nr.expr(';')\n"),
            ["r.table('a')\n  .count()", "r.expr(';')"]
        );
        // Inside brackets neither splits.
        assert_eq!(pieces("r.expr([1;\n\n2])"), ["r.expr([1;\n\n2])"]);
        // Comments are not part of a statement; a complete line ends one unless the next
        // line continues the chain.
        assert_eq!(pieces("r.expr(1) // a; b\n"), ["r.expr(1)"]);
        assert_eq!(pieces("r.now()\nr.expr(2)"), ["r.now()", "r.expr(2)"]);
        assert!(pieces("  ;; \n").is_empty());
    }

    #[test]
    fn statement_under_the_cursor() {
        let text = "r.expr(1);\nr.expr(2);";
        assert_eq!(&text[statement_at(text, 3).unwrap()], "r.expr(1)");
        assert_eq!(&text[statement_at(text, 14).unwrap()], "r.expr(2)");
        assert_eq!(&text[statement_at(text, text.len()).unwrap()], "r.expr(2)");
    }

    #[test]
    fn brackets_match_across_lines_and_skip_strings() {
        let lines: Vec<String> = ["r.expr({a: ')',", "  b: [1] })"].map(String::from).into();
        // Cursor on the `(` after expr.
        assert_eq!(matching_bracket(&lines, (0, 6)), Some(((0, 6), (1, 10))));
        // Cursor just after the `]`.
        assert_eq!(matching_bracket(&lines, (1, 8)), Some(((1, 7), (1, 5))));
        assert_eq!(matching_bracket(&lines, (0, 2)), None);
    }

    #[test]
    fn incremental_highlighting_matches_highlighting_from_scratch() {
        let theme = crate::tui::theme::default_syntax_theme();
        let to_lines = |t: &str| t.split('\n').map(String::from).collect::<Vec<_>>();
        let steps = [
            "r.table('a')\n  .filter({x: 1})\n  .count()",
            "r.table('a)\n  .filter({x: 1})\n  .count()",
            "r.table('a')\n  .filter({x: 1})\n  .count()",
            "/* r.table('a')\n  .filter({x: 1})\n  .count()",
            "/* r.table('a')\n  .filter({x: 1}) */\n  .count()",
            "r.expr(1)\nr.table('a')\n  .filter({x: 1})\n  .count()\n",
            "",
        ];
        let mut cache = Highlight::default();
        for text in steps {
            let lines = to_lines(text);
            cache.update(&lines, &theme);
            assert_eq!(cache.styled, highlight(&lines, &theme), "after {text:?}");
            assert_eq!(cache.states.len(), lines.len() + 1);
        }
    }

    #[test]
    fn a_wider_window_scrolls_back_to_the_line_start() {
        let mut editor = EditorPane::new(crate::tui::theme::default_syntax_theme());
        editor.set_text(&format!("r.expr('{}')", "x".repeat(60)), Instant::now());
        editor.scroll_into_view(1, 20);
        assert!(editor.scroll().1 > 0);
        editor.scroll_into_view(1, 100);
        assert_eq!(editor.scroll().1, 0);
        assert_eq!(editor.cells_between(0, 0, 3), 3);
        editor.set_text("'日本'.x", Instant::now());
        assert_eq!(editor.cells_between(0, 0, 4), 6);
        assert_eq!(editor.cells_between(0, 2, 99), 5);
    }

    #[test]
    fn the_cursor_stays_visible_at_the_end_of_a_line_of_wide_characters() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;

        let mut editor = EditorPane::new(crate::tui::theme::default_syntax_theme());
        let text = format!("r.expr('{}')", "日本語".repeat(10));
        editor.set_text(&text, Instant::now());
        // 30 cells of border, gutter (" 1 ") and 25 cells of text.
        let (width, text_width) = (30u16, 25);
        editor.scroll_into_view(1, text_width);
        let mut terminal = Terminal::new(TestBackend::new(width, 3)).unwrap();
        terminal
            .draw(|f| editor.draw(f, f.area(), true, &Palette::default()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        let row: String = (0..width).map(|x| buffer[(x, 1)].symbol()).collect();
        assert!(
            row.contains("語 ')"),
            "the line's end is on screen: {row:?}"
        );
        let cursor_cells = (0..width)
            .filter(|&x| buffer[(x, 1)].modifier.contains(Modifier::REVERSED))
            .count();
        assert_eq!(cursor_cells, 1, "the cursor is drawn: {row:?}");
    }

    #[test]
    fn offsets_and_positions_round_trip() {
        let lines: Vec<String> = ["ab", "é1", ""].map(String::from).into();
        for (row, col) in [(0, 0), (0, 2), (1, 1), (1, 2), (2, 0)] {
            let off = position_to_offset(&lines, row, col);
            assert_eq!(offset_to_position(&lines, off), (row, col));
        }
    }
}
