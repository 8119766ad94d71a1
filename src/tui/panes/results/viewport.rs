//! What part of a tab's rows is on screen and how: the view mode, the selection, the first
//! row shown, sideways scrolling, the rows opened in the tree; and the lines of that window.

use std::collections::HashSet;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::rows::Shown;
use super::{ViewMode, change_spans, compact, marker_line, marker_text, row_line_count, row_lines};
use crate::render;
use crate::tui::theme::Palette;

/// Selection and scrolling over a tab's rows (in display order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Viewport {
    pub(super) view: ViewMode,
    /// Selected row, in display order.
    selected: usize,
    /// First visible row, in display order.
    top: usize,
    /// Table view: first visible column.
    column: usize,
    /// Tree and raw views: cells scrolled off on the left.
    hscroll: usize,
    /// Raw view: long rows wrap instead of scrolling sideways.
    pub(super) wrap: bool,
    /// Expanded rows in tree view, by absolute row number (survives drops).
    expanded: HashSet<u64>,
}

impl Viewport {
    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn top(&self) -> usize {
        self.top
    }

    /// True when no row is opened in the tree.
    #[cfg(test)]
    pub fn none_expanded(&self) -> bool {
        self.expanded.is_empty()
    }

    /// Opens the row at absolute number `row` in the tree.
    pub fn expand(&mut self, row: u64) {
        self.expanded.insert(row);
    }

    /// After `added` rows were appended and `excess` discarded from the front: keeps the
    /// same row selected, or follows the tail of a feed (`tail`) when the selection was at
    /// the end (`at_end`) before.
    pub fn appended(&mut self, shown: Shown, added: usize, excess: usize, tail: bool) {
        let last = shown.len().saturating_sub(1);
        if shown.newest_first() {
            // Keep the same row selected unless following the head.
            if self.selected > 0 {
                self.selected = (self.selected + added).min(last);
                self.top = (self.top + added).min(self.selected);
            }
        } else if tail {
            self.selected = last;
        } else {
            self.selected = self.selected.saturating_sub(excess);
            self.top = self.top.saturating_sub(excess);
        }
    }

    /// Back to the first row (the display order changed).
    pub fn home(&mut self) {
        self.selected = 0;
        self.top = 0;
    }

    /// Moves the selection by `delta` rows and keeps it in a viewport of `height` lines.
    pub fn move_selection(&mut self, shown: Shown, delta: isize, height: usize) {
        let last = shown.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(shown, height);
    }

    /// Selects the first (`false`) or last (`true`) row.
    pub fn jump(&mut self, shown: Shown, to_end: bool, height: usize) {
        self.selected = if to_end {
            shown.len().saturating_sub(1)
        } else {
            0
        };
        self.scroll_into_view(shown, height);
    }

    /// Shows the next view mode.
    pub fn cycle_view(&mut self, shown: Shown, height: usize) {
        self.view = self.view.next();
        self.scroll_into_view(shown, height);
    }

    /// Scrolls the table view by columns, the others by eight cells a step.
    pub fn scroll_columns(&mut self, shown: Shown, delta: isize) {
        if self.view != ViewMode::Table {
            // Bounded by the selected row's one-line form.
            let widest = shown
                .get(self.selected)
                .map_or(0, |v| compact(v).chars().count());
            self.hscroll = self
                .hscroll
                .saturating_add_signed(delta.saturating_mul(8))
                .min(widest.saturating_sub(8));
            return;
        }
        // The selected row's keys bound the scroll, so Left answers at once after many Rights.
        let columns = match shown.get(self.selected) {
            Some(Value::Object(map)) => map.len(),
            _ => 1,
        };
        self.column = self
            .column
            .saturating_add_signed(delta)
            .min(columns.saturating_sub(1));
    }

    /// For the value viewer: what is selected, named, and pretty-printed whole. In the table
    /// view (rows area `height` lines) that is the cell of the first column shown, else the
    /// row.
    pub fn selected_pretty(&self, shown: Shown, height: usize) -> Option<(String, String)> {
        let row = shown.get(self.selected)?;
        let (what, value) = match self.shown_column(shown, height) {
            Some(key) if self.view == ViewMode::Table => match row.get(&key) {
                Some(cell) => (format!("`{key}` of row {}", self.selected + 1), cell),
                None => (format!("row {}", self.selected + 1), row),
            },
            _ => (format!("row {}", self.selected + 1), row),
        };
        let mut out = String::new();
        render::write_pretty(value, &render::Styles::plain(), &mut out);
        Some((what, out))
    }

    /// The key of the table view's first column shown, from the rows on screen as drawn.
    fn shown_column(&self, shown: Shown, height: usize) -> Option<String> {
        let mut columns = render::table::ColumnSet::new();
        (self.top..self.top + height.saturating_sub(1).max(1))
            .map_while(|i| shown.get(i))
            .for_each(|v| {
                columns.observe(v);
            });
        let all = columns.columns();
        match all.get(self.column.min(all.len().saturating_sub(1)))? {
            render::table::ColumnKey::Key(k) => Some(k.clone()),
            render::table::ColumnKey::Value => None,
        }
    }

    /// True when the selected row opens in the tree (a non-empty object or array).
    pub fn selected_opens(&self, shown: Shown) -> bool {
        match shown.get(self.selected) {
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        }
    }

    /// Toggles the selected row open or closed in the tree view.
    pub fn toggle_expanded(&mut self, shown: Shown, height: usize) {
        let key = shown.absolute(self.selected);
        if !self.expanded.remove(&key) {
            self.expanded.insert(key);
        }
        self.scroll_into_view(shown, height);
    }

    fn row_height(&self, shown: Shown, display: usize) -> usize {
        match self.view {
            ViewMode::Tree if self.expanded.contains(&shown.absolute(display)) => {
                shown.get(display).map_or(1, |v| row_line_count(v).max(1))
            }
            _ => 1,
        }
    }

    /// Keeps the selected row inside a viewport of `height` lines.
    pub fn scroll_into_view(&mut self, shown: Shown, height: usize) {
        let height = height.max(1);
        if self.selected < self.top {
            self.top = self.selected;
            return;
        }
        // Walk up from the selection to the highest first row that still shows it whole;
        // at most `height` steps, whatever the number of rows.
        let mut used = 0;
        let mut first = self.selected;
        loop {
            used += self.row_height(shown, first);
            if used > height {
                first += 1;
                break;
            }
            if first == 0 || first <= self.top {
                break;
            }
            first -= 1;
        }
        self.top = self.top.max(first.min(self.selected));
    }

    /// Cells the tree and raw views are scrolled sideways (the table view scrolls by columns).
    pub fn shift(&self) -> usize {
        match self.view {
            ViewMode::Table => 0,
            _ => self.hscroll,
        }
    }

    fn selected_style(&self, i: usize, palette: &Palette) -> Style {
        if i == self.selected {
            Style::default()
                .bg(palette.selection)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        }
    }

    /// The lines of the window of `height` lines and `width` cells in the current view;
    /// `diffs` shows collapsed rows as feed changes.
    pub fn lines(
        &self,
        shown: Shown,
        (height, width): (usize, usize),
        diffs: bool,
        palette: &Palette,
    ) -> Vec<Line<'static>> {
        match self.view {
            ViewMode::Tree => self.tree_lines(shown, height, diffs, palette),
            ViewMode::Raw => self.raw_lines(shown, height, palette),
            ViewMode::Table => self.table_lines(shown, height, width, palette),
        }
    }

    fn tree_lines(
        &self,
        shown: Shown,
        height: usize,
        diffs: bool,
        palette: &Palette,
    ) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let mut i = self.top;
        while out.len() < height {
            let Some(value) = shown.get(i) else { break };
            let style = self.selected_style(i, palette);
            if let Some(text) = marker_text(value) {
                out.push(marker_line(text, style, palette));
                i += 1;
                continue;
            }
            // A number, string, null or empty container has nothing to open: no arrow.
            let opens = match value {
                Value::Object(o) => !o.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            };
            if self.expanded.contains(&shown.absolute(i)) {
                let room = height - out.len();
                for (k, line) in row_lines(value, 0, room, palette).into_iter().enumerate() {
                    let marker = if k == 0 && opens { "▾ " } else { "  " };
                    let mut spans = vec![Span::styled(marker, style.fg(palette.dim))];
                    spans.extend(line.spans.into_iter().map(|s| s.patch_style(style)));
                    out.push(Line::from(spans));
                }
            } else {
                let marker = if opens { "▸ " } else { "  " };
                let mut spans = vec![Span::styled(marker, style.fg(palette.dim))];
                match diffs.then(|| change_spans(value, palette)).flatten() {
                    Some(diff) => spans.extend(diff.into_iter().map(|s| s.patch_style(style))),
                    None => spans.push(Span::styled(compact(value), style)),
                }
                out.push(Line::from(spans));
            }
            i += 1;
        }
        out.truncate(height);
        out
    }

    fn raw_lines(&self, shown: Shown, height: usize, palette: &Palette) -> Vec<Line<'static>> {
        (self.top..self.top + height)
            .map_while(|i| shown.get(i).map(|v| (i, v)))
            .map(|(i, v)| match marker_text(v) {
                Some(text) => marker_line(text, self.selected_style(i, palette), palette),
                None => Line::styled(compact(v), self.selected_style(i, palette)),
            })
            .collect()
    }

    fn table_lines(
        &self,
        shown: Shown,
        height: usize,
        width: usize,
        palette: &Palette,
    ) -> Vec<Line<'static>> {
        use render::table::{self, ColumnSet};
        let body = height.saturating_sub(1);
        let visible: Vec<(usize, &Value)> = (self.top..self.top + body)
            .map_while(|i| shown.get(i).map(|v| (i, v)))
            .collect();
        // Columns and widths from the rows on screen only, so a frame costs the same whatever
        // is retained.
        let mut columns = ColumnSet::new();
        for (_, v) in visible.iter().filter(|(_, v)| marker_text(v).is_none()) {
            columns.observe(v);
        }
        let start = self.column.min(columns.columns().len().saturating_sub(1));
        let natural: Vec<usize> = columns
            .natural_widths()
            .iter()
            .skip(start)
            .map(|w| (*w).min(40))
            .collect();
        // fit_widths counts two cells between columns; the gap drawn here is three.
        let extra = natural.len().saturating_sub(1);
        let widths = table::fit_widths(&natural, Some(width.saturating_sub(extra)));
        let header_style = palette.token(render::Scope::Header);
        let muted = Style::default().fg(palette.dim);
        let cell_spans = |cells: Vec<Option<(String, Style, bool)>>, row_style: Style| {
            table_line(cells, &widths, muted, row_style)
        };
        let headers = columns
            .columns()
            .iter()
            .enumerate()
            .skip(start)
            .map(|(i, c)| Some((c.header().into_owned(), header_style, columns.is_numeric(i))))
            .collect();
        let mut out = vec![cell_spans(headers, Style::default())];
        for (i, v) in visible {
            if let Some(text) = marker_text(v) {
                out.push(marker_line(text, self.selected_style(i, palette), palette));
                continue;
            }
            let cells = columns
                .cells(v)
                .into_iter()
                .skip(start)
                .map(|c| c.map(|c| (c.text, palette.token(c.scope), c.right_align)))
                .collect();
            out.push(cell_spans(cells, self.selected_style(i, palette)));
        }
        out
    }
}

/// One line of the table view: `cells` (text, style, right-aligned) cut or padded to
/// `widths`, three cells between columns, `…` where the columns that do not fit start.
fn table_line(
    cells: Vec<Option<(String, Style, bool)>>,
    widths: &[usize],
    muted: Style,
    row_style: Style,
) -> Line<'static> {
    use render::table;
    let gap = " │ ";
    let mut spans = Vec::new();
    for (k, (cell, w)) in cells.into_iter().zip(widths).enumerate() {
        if *w == 0 {
            // Columns that do not fit: say so (scroll right with the keymap's right).
            spans.push(Span::styled(" …", muted.patch(row_style)));
            break;
        }
        if k > 0 {
            spans.push(Span::styled(gap, muted.patch(row_style)));
        }
        let (text, style, right) = cell.unwrap_or_default();
        let (kept, cut, used) = table::truncate(&text, *w);
        let mut shown = kept.to_owned();
        if cut {
            shown.push('…');
        }
        let pad = " ".repeat(w.saturating_sub(used));
        let shown = if right {
            format!("{pad}{shown}")
        } else {
            format!("{shown}{pad}")
        };
        spans.push(Span::styled(shown, style.patch(row_style)));
    }
    Line::from(spans)
}
