//! Result tabs: rows retained up to a cap, tree / table / raw views, lazy fetching near the end,
//! changefeed mode. Only the visible window is ever formatted.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

use super::profile::ProfileTree;
use crate::nesting::{self, Doc};
use crate::render;
use crate::tui::action::QueryId;
use crate::tui::theme::Palette;

/// Rows kept per tab when the caller does not say.
pub const DEFAULT_ROW_CAP: usize = 100_000;

/// Result tabs kept; past it the oldest finished tab is closed.
pub const MAX_TABS: usize = 12;

/// All tabs together keep at most this many times a tab's row cap (`[ui] max_rows`).
pub const TOTAL_ROW_CAPS: usize = 3;

/// Width of a tab's body (inside the pane) from which the profile goes beside the rows rather
/// than under them.
pub const SIDE_BY_SIDE_WIDTH: u16 = 80;

/// Where a tab's body goes: the rows, and the profile panel (title line included) beside them
/// on a wide pane or under them on a narrow one; `None` when there is no profile or no room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    pub rows: Rect,
    pub profile: Option<Rect>,
}

/// How a tab shows its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewMode {
    #[default]
    Tree,
    Table,
    Raw,
}

impl ViewMode {
    /// The next mode in the cycle tree → table → raw.
    pub fn next(self) -> ViewMode {
        match self {
            ViewMode::Tree => ViewMode::Table,
            ViewMode::Table => ViewMode::Raw,
            ViewMode::Raw => ViewMode::Tree,
        }
    }

    /// Its name in the header (`tree`, `table`, `raw`).
    pub fn label(self) -> &'static str {
        match self {
            ViewMode::Tree => "tree",
            ViewMode::Table => "table",
            ViewMode::Raw => "raw",
        }
    }
}

/// Where a tab's query is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabState {
    /// Sent, waiting for the runtime to accept it.
    Pending,
    /// Accepted; rows may be arriving.
    Open,
    /// The server said it is complete.
    Done {
        elapsed: Duration,
    },
    /// Stopped on request (STOP sent).
    Stopped {
        elapsed: Duration,
    },
    Failed {
        message: String,
    },
}

/// Changefeed display state.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Newest change at the top (else tail: newest at the bottom).
    pub newest_first: bool,
    pub paused: bool,
    /// Changes received while paused, oldest first.
    pub held: VecDeque<Doc>,
    /// The primary key of the table the feed watches: a change between two documents is a
    /// removal plus an addition.
    pub key: String,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            newest_first: false,
            paused: false,
            held: VecDeque::new(),
            key: "id".to_owned(),
        }
    }
}

/// A feed message whose `old_val` and `new_val` are different documents (by primary `key`), as
/// `orderBy({index}).limit(n)` feeds send when one document leaves the window and another
/// enters it, as the removal and the addition it is; any other row as it is.
pub fn split_change(row: Doc, key: &str) -> Vec<Doc> {
    let moved = match (row.get("old_val"), row.get("new_val")) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            matches!((old.get(key), new.get(key)), (Some(a), Some(b)) if a != b)
        }
        _ => false,
    };
    if !moved {
        return vec![row];
    }
    let Value::Object(mut map) = row.into_inner() else {
        return Vec::new();
    };
    let old = map.remove("old_val").unwrap_or(Value::Null);
    let new = map.remove("new_val").unwrap_or(Value::Null);
    let change = |old_val: Value, new_val: Value| {
        let mut m = map.clone();
        m.insert("old_val".to_owned(), old_val);
        m.insert("new_val".to_owned(), new_val);
        Doc(Value::Object(m))
    };
    vec![change(old, Value::Null), change(Value::Null, new)]
}

/// One query's results.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultTab {
    pub id: QueryId,
    /// The query text as run.
    pub query: String,
    /// Byte offset of the query in the editor (to place error spans).
    pub offset: usize,
    pub state: TabState,
    pub view: ViewMode,
    rows: VecDeque<Doc>,
    /// Rows (and held changes) discarded from the front because of the cap.
    dropped: u64,
    /// Approximate JSON size of the rows and held changes retained.
    bytes: usize,
    /// The server holds more rows.
    pub more: bool,
    /// A batch was asked for and has not arrived.
    pub waiting: bool,
    /// STOP sent, waiting for the end.
    pub stopping: bool,
    started: Instant,
    /// Time to the first batch.
    first_batch: Option<Duration>,
    /// Selected row, in display order.
    selected: usize,
    /// First visible row, in display order.
    top: usize,
    /// Table view: first visible column.
    column: usize,
    /// Tree and raw views: cells scrolled off on the left.
    hscroll: usize,
    /// Raw view: long rows wrap instead of scrolling sideways.
    pub wrap: bool,
    /// Expanded rows in tree view, by absolute row number (survives drops).
    expanded: HashSet<u64>,
    pub feed: Option<Feed>,
    pub profile: Option<Doc>,
    /// The profile as a collapsible tree, beside the rows.
    pub profile_tree: Option<ProfileTree>,
    /// The keys go to the profile panel rather than the rows.
    pub profile_focus: bool,
    cap: usize,
}

impl ResultTab {
    /// A tab for a query just sent.
    pub fn new(id: QueryId, query: String, offset: usize, started: Instant, cap: usize) -> Self {
        ResultTab {
            id,
            query,
            offset,
            state: TabState::Pending,
            view: ViewMode::default(),
            rows: VecDeque::new(),
            dropped: 0,
            bytes: 0,
            more: false,
            waiting: true,
            stopping: false,
            started,
            first_batch: None,
            selected: 0,
            top: 0,
            column: 0,
            hscroll: 0,
            wrap: false,
            expanded: HashSet::new(),
            feed: None,
            profile: None,
            profile_tree: None,
            profile_focus: false,
            cap: cap.max(1),
        }
    }

    /// Rows retained.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no rows are retained.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows (and held changes) discarded because of the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Most rows (or changes) this tab retains; older ones are discarded and counted.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Approximate JSON size in bytes of the rows and held changes retained: what the tab's
    /// memory grows with, bounded by the cap.
    pub fn retained_bytes(&self) -> usize {
        self.bytes
    }

    /// Changes held while the feed is paused.
    pub fn held(&self) -> usize {
        self.feed.as_ref().map_or(0, |f| f.held.len())
    }

    /// Selected row index in display order.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// First visible row in display order.
    pub fn top(&self) -> usize {
        self.top
    }

    /// True while the query can still deliver rows or is being waited on.
    pub fn is_running(&self) -> bool {
        matches!(self.state, TabState::Pending | TabState::Open)
    }

    /// The row shown at display position `i`.
    pub fn row(&self, i: usize) -> Option<&Value> {
        if self.newest_first() {
            self.rows
                .len()
                .checked_sub(i + 1)
                .and_then(|j| self.rows.get(j))
                .map(|d| &**d)
        } else {
            self.rows.get(i).map(|d| &**d)
        }
    }

    fn newest_first(&self) -> bool {
        self.feed.as_ref().is_some_and(|f| f.newest_first)
    }

    fn absolute(&self, display: usize) -> u64 {
        let index = if self.newest_first() {
            self.rows.len().saturating_sub(display + 1)
        } else {
            display
        };
        self.dropped + index as u64
    }

    /// Appends a batch (or holds it while a feed is paused).
    pub fn push_rows(&mut self, rows: Vec<Doc>, more: bool, now: Instant) {
        self.more = more;
        self.waiting = false;
        if self.first_batch.is_none() {
            self.first_batch = Some(now.saturating_duration_since(self.started));
        }
        let rows = match &self.feed {
            Some(feed) => rows
                .into_iter()
                .flat_map(|row| split_change(row, &feed.key))
                .collect(),
            None => rows,
        };
        if let Some(feed) = &mut self.feed
            && feed.paused
        {
            self.bytes += rows.iter().map(|d| approx_size(d)).sum::<usize>();
            feed.held.extend(rows);
            while feed.held.len() > self.cap {
                if let Some(v) = feed.held.pop_front() {
                    self.bytes = self.bytes.saturating_sub(approx_size(&v));
                }
                self.dropped += 1;
            }
            return;
        }
        self.append(rows);
    }

    fn append(&mut self, rows: Vec<Doc>) {
        let n = rows.len();
        let at_end = self.selected + 1 >= self.rows.len();
        let first = self.rows.is_empty();
        self.bytes += rows.iter().map(|d| approx_size(d)).sum::<usize>();
        self.rows.extend(rows);
        let excess = self.rows.len().saturating_sub(self.cap);
        let freed: usize = self.rows.drain(..excess).map(|v| approx_size(&v)).sum();
        self.bytes = self.bytes.saturating_sub(freed);
        self.dropped += excess as u64;
        // A single value opens expanded; a feed's first change is a diff line like the others.
        if first && self.rows.len() == 1 && self.feed.is_none() {
            self.expanded.insert(self.dropped);
        }
        if self.newest_first() {
            // Keep the same row selected unless following the head.
            if self.selected > 0 {
                self.selected = (self.selected + n).min(self.rows.len().saturating_sub(1));
                self.top = (self.top + n).min(self.selected);
            }
        } else if self.feed.is_some() && at_end && !first {
            // Tail mode follows new changes.
            self.selected = self.rows.len().saturating_sub(1);
        } else {
            self.selected = self.selected.saturating_sub(excess);
            self.top = self.top.saturating_sub(excess);
        }
    }

    /// Pauses or resumes a feed; resuming delivers the held changes in order.
    pub fn toggle_pause(&mut self) {
        let Some(feed) = &mut self.feed else { return };
        feed.paused = !feed.paused;
        if !feed.paused {
            let held: Vec<Doc> = feed.held.drain(..).collect();
            // `append` counts them again as rows.
            let size: usize = held.iter().map(|d| approx_size(d)).sum();
            self.bytes = self.bytes.saturating_sub(size);
            self.append(held);
        }
    }

    /// Feed order: newest first or tail.
    pub fn toggle_order(&mut self) {
        if let Some(feed) = &mut self.feed {
            feed.newest_first = !feed.newest_first;
            self.selected = 0;
            self.top = 0;
        }
    }

    /// Moves the selection by `delta` rows and keeps it in a viewport of `height` lines.
    pub fn move_selection(&mut self, delta: isize, height: usize) {
        if let Some(tree) = self.focused_profile() {
            return tree.move_selection(delta, height);
        }
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    /// Selects the first (`false`) or last (`true`) row.
    pub fn jump(&mut self, to_end: bool, height: usize) {
        if let Some(tree) = self.focused_profile() {
            return tree.jump(to_end, height);
        }
        self.selected = if to_end {
            self.rows.len().saturating_sub(1)
        } else {
            0
        };
        self.scroll_into_view(height);
    }

    /// Shows the next view mode.
    pub fn cycle_view(&mut self, height: usize) {
        self.view = self.view.next();
        self.scroll_into_view(height);
    }

    /// Scrolls the table view by columns.
    pub fn scroll_columns(&mut self, delta: isize) {
        if let Some(tree) = self.focused_profile() {
            // Left and right close and open the selected task.
            return tree.set_selected_open(delta > 0, usize::MAX);
        }
        if self.view != ViewMode::Table {
            // Eight cells a step, bounded by the selected row's one-line form.
            let widest = self
                .row(self.selected)
                .map_or(0, |v| compact(v).chars().count());
            self.hscroll = self
                .hscroll
                .saturating_add_signed(delta.saturating_mul(8))
                .min(widest.saturating_sub(8));
            return;
        }
        // The selected row's keys bound the scroll, so Left answers at once after many Rights.
        let columns = match self.row(self.selected) {
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
    pub fn selected_pretty(&self, height: usize) -> Option<(String, String)> {
        let row = self.row(self.selected)?;
        let (what, value) = match self.shown_column(height) {
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
    fn shown_column(&self, height: usize) -> Option<String> {
        let mut columns = render::table::ColumnSet::new();
        (self.top..self.top + height.saturating_sub(1).max(1))
            .map_while(|i| self.row(i))
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
    pub fn selected_opens(&self) -> bool {
        match self.row(self.selected) {
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        }
    }

    /// Toggles the selected row open or closed in the tree view.
    pub fn toggle_expanded(&mut self, height: usize) {
        if let Some(tree) = self.focused_profile() {
            return tree.toggle(height);
        }
        let key = self.absolute(self.selected);
        if !self.expanded.remove(&key) {
            self.expanded.insert(key);
        }
        self.scroll_into_view(height);
    }

    /// The profile tree when it has the keys.
    fn focused_profile(&mut self) -> Option<&mut ProfileTree> {
        self.profile_tree.as_mut().filter(|_| self.profile_focus)
    }

    fn row_height(&self, display: usize) -> usize {
        match self.view {
            ViewMode::Tree if self.expanded.contains(&self.absolute(display)) => {
                self.row(display).map_or(1, |v| row_line_count(v).max(1))
            }
            _ => 1,
        }
    }

    /// Keeps the selected row inside a viewport of `height` lines.
    pub fn scroll_into_view(&mut self, height: usize) {
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
            used += self.row_height(first);
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

    /// True when the viewport is within one screen of the end and more rows can be fetched.
    pub fn wants_more(&self, height: usize) -> bool {
        self.more
            && !self.waiting
            && !self.stopping
            && self.feed.is_none()
            && self.is_running()
            && self.top + 2 * height.max(1) >= self.rows.len()
    }

    /// Asks to stop the query: true when it runs and was not asked already (then STOP goes
    /// out).
    pub fn request_stop(&mut self) -> bool {
        let ask = self.is_running() && !self.stopping;
        self.stopping |= ask;
        ask
    }

    /// Asks for the next batch: true when the server holds more and none is on its way.
    pub fn request_more(&mut self) -> bool {
        let ask = self.more && !self.waiting;
        self.waiting |= ask;
        ask
    }

    /// Notes that a batch was asked for.
    pub fn mark_waiting(&mut self) {
        self.waiting = true;
    }

    /// Marks the query failed with the server's (or the compiler's) `message`.
    pub fn fail(&mut self, message: String) {
        self.state = TabState::Failed { message };
        self.more = false;
        self.waiting = false;
    }

    /// Marks the end of the query.
    pub fn finish(&mut self, elapsed: Duration, profile: Option<Doc>) {
        self.more = false;
        self.waiting = false;
        self.profile_tree = profile.as_deref().map(ProfileTree::new);
        self.profile = profile;
        self.state = if self.stopping {
            TabState::Stopped { elapsed }
        } else {
            TabState::Done { elapsed }
        };
    }

    /// The header line: "N rows · more available · 12 ms" or a spinner while waiting.
    pub fn header(&self, now: Instant) -> String {
        let mut parts = Vec::new();
        if let TabState::Failed { .. } = self.state {
            return format!("failed · {}", self.view.label());
        }
        let n = self.rows.len();
        let noun = if self.feed.is_some() { "change" } else { "row" };
        parts.push(format!("{n} {noun}{}", if n == 1 { "" } else { "s" }));
        if self.dropped > 0 {
            parts.push(format!("{} older discarded", self.dropped));
        }
        if let Some(feed) = &self.feed {
            parts.push(
                if feed.newest_first {
                    "newest first"
                } else {
                    "tail"
                }
                .to_owned(),
            );
            if feed.paused {
                parts.push(format!("paused, {} held", feed.held.len()));
            }
        }
        if self.more {
            parts.push("more available".to_owned());
        }
        let since = now.saturating_duration_since(self.started);
        match &self.state {
            TabState::Pending | TabState::Open if self.waiting || self.feed.is_some() => {
                let frame = SPINNER[(since.as_millis() / 100) as usize % SPINNER.len()];
                let what = if self.stopping { "stopping" } else { "running" };
                parts.push(format!("{frame} {what} {}", format_duration(since)));
            }
            TabState::Pending | TabState::Open => {
                if let Some(t) = self.first_batch {
                    parts.push(format_duration(t));
                }
            }
            TabState::Done { elapsed } => parts.push(format_duration(*elapsed)),
            TabState::Stopped { elapsed } => {
                parts.push(format!("stopped · {}", format_duration(*elapsed)))
            }
            TabState::Failed { .. } => {}
        }
        parts.push(self.view.label().to_owned());
        parts.join(" · ")
    }

    /// Splits the tab's body `area` between the rows and the profile panel: side by side from
    /// [`SIDE_BY_SIDE_WIDTH`] columns, else the profile under the rows when there are lines
    /// enough for both.
    pub fn body(&self, area: Rect) -> Body {
        let alone = Body {
            rows: area,
            profile: None,
        };
        let Some(tree) = &self.profile_tree else {
            return alone;
        };
        if matches!(self.state, TabState::Failed { .. }) {
            return alone;
        }
        if area.width >= SIDE_BY_SIDE_WIDTH {
            let width = area.width / 2;
            let [rows, profile] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
            Body {
                rows,
                profile: Some(profile),
            }
        } else if area.height >= 6 {
            // The title line plus the tree, at most half the body.
            let wanted = u16::try_from(tree.line_count().saturating_add(1)).unwrap_or(u16::MAX);
            let height = wanted.clamp(2, area.height / 2);
            let [rows, profile] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(height)]).areas(area);
            Body {
                rows,
                profile: Some(profile),
            }
        } else {
            alone
        }
    }

    /// Lines of the profile panel's tree (its height less the title), 0 when it is not shown.
    pub fn profile_height(&self, body: Rect) -> usize {
        self.body(body)
            .profile
            .map_or(0, |p| usize::from(p.height.saturating_sub(1)))
    }

    /// Draws the tab's body into `area` (no frame): the rows, and the profile beside or under
    /// them. `focused` is the results pane's focus.
    pub fn draw_body(&self, frame: &mut Frame, area: Rect, focused: bool, palette: &Palette) {
        let body = self.body(area);
        self.draw_rows(frame, body.rows, palette);
        if let (Some(rect), Some(tree)) = (body.profile, &self.profile_tree) {
            let active = focused && self.profile_focus;
            let mut title = String::from(" Profile");
            if let Some(ms) = tree.total_ms() {
                title.push_str(&format!(" · {ms:.3} ms"));
            }
            match tree.shard_reads() {
                0 => {}
                1 => title.push_str(" · 1 shard read"),
                n => title.push_str(&format!(" · {n} shard reads")),
            }
            title.push(' ');
            let style = if active {
                Style::default()
                    .fg(palette.accent)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default().fg(palette.dim)
            };
            let borders = if rect.width < area.width {
                Borders::LEFT | Borders::TOP
            } else {
                Borders::TOP
            };
            let block = Block::new()
                .borders(borders)
                .border_style(style)
                .title(Span::styled(title, style));
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let lines = tree.lines(usize::from(inner.height), active, palette);
            frame.render_widget(Paragraph::new(lines), inner);
        }
    }

    /// Draws the rows of this tab into `area` (no frame).
    pub fn draw_rows(&self, frame: &mut Frame, area: Rect, palette: &Palette) {
        let height = usize::from(area.height);
        let lines = match &self.state {
            TabState::Failed { message } => {
                let lines: Vec<Line> = message
                    .lines()
                    // Server messages indent objects with tabs, which a terminal cell cannot show.
                    .map(|l| {
                        Line::styled(l.replace('\t', "    "), Style::default().fg(palette.error))
                    })
                    .collect();
                // A message is read whole: long ones (a long table name, a big object) wrap.
                let wrapped = Paragraph::new(lines).wrap(Wrap { trim: false });
                frame.render_widget(wrapped, area);
                return;
            }
            _ if self.rows.is_empty() => {
                let text = if self.is_running() {
                    "waiting for rows…"
                } else {
                    "no rows"
                };
                vec![Line::styled(text, Style::default().fg(palette.dim))]
            }
            _ => match self.view {
                ViewMode::Tree => self.tree_lines(height, palette),
                ViewMode::Raw => self.raw_lines(height, palette),
                ViewMode::Table => self.table_lines(height, usize::from(area.width), palette),
            },
        };
        if self.wrap && self.view == ViewMode::Raw {
            let wrapped = Paragraph::new(lines).wrap(Wrap { trim: false });
            frame.render_widget(wrapped, area);
            return;
        }
        let shift = match self.view {
            ViewMode::Table => 0,
            _ => u16::try_from(self.hscroll).unwrap_or(u16::MAX),
        };
        frame.render_widget(Paragraph::new(lines).scroll((0, shift)), area);
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

    fn tree_lines(&self, height: usize, palette: &Palette) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let mut i = self.top;
        while out.len() < height {
            let Some(value) = self.row(i) else { break };
            let style = self.selected_style(i, palette);
            // A number, string, null or empty container has nothing to open: no arrow.
            let opens = match value {
                Value::Object(o) => !o.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            };
            if self.expanded.contains(&self.absolute(i)) {
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
                match self
                    .feed
                    .as_ref()
                    .and_then(|_| change_spans(value, palette))
                {
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

    fn raw_lines(&self, height: usize, palette: &Palette) -> Vec<Line<'static>> {
        (self.top..self.top + height)
            .map_while(|i| self.row(i).map(|v| (i, v)))
            .map(|(i, v)| Line::styled(compact(v), self.selected_style(i, palette)))
            .collect()
    }

    fn table_lines(&self, height: usize, width: usize, palette: &Palette) -> Vec<Line<'static>> {
        use render::table::{self, ColumnSet};
        let body = height.saturating_sub(1);
        let visible: Vec<(usize, &Value)> = (self.top..self.top + body)
            .map_while(|i| self.row(i).map(|v| (i, v)))
            .collect();
        // Columns and widths from the rows on screen only, so a frame costs the same whatever
        // is retained.
        let mut columns = ColumnSet::new();
        for (_, v) in &visible {
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
        let gap = " │ ";
        let header_style = palette.token(render::Scope::Header);
        let muted = Style::default().fg(palette.dim);
        let cell_spans = |cells: Vec<Option<(String, Style, bool)>>, row_style: Style| {
            let mut spans = Vec::new();
            for (k, (cell, w)) in cells.into_iter().zip(&widths).enumerate() {
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

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// "12 ms", "1.2 s", "2 m 03 s".
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} m {:02} s", ms / 60_000, (ms / 1000) % 60)
    }
}

/// Lines `start..start + len` of a row's pretty form, styled with the theme's token styles;
/// only those lines are built.
pub fn row_lines(value: &Value, start: usize, len: usize, palette: &Palette) -> Vec<Line<'static>> {
    render::pretty_window(value, start, len)
        .into_iter()
        .map(|line| {
            Line::from(
                line.spans
                    .into_iter()
                    .map(|s| Span::styled(s.text, palette.token(s.scope)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// A changefeed message as a one-line diff: `+ {..}` inserted, `- {..}` deleted, and for a
/// change the fields added (`+key: v`), removed (`-key`) and changed (`key: old → new`);
/// initial values and feed states marked. `None` for rows that are not feed messages.
pub fn change_spans(value: &Value, palette: &Palette) -> Option<Vec<Span<'static>>> {
    let map = value.as_object()?;
    let added = Style::default().fg(palette.ok);
    let removed = Style::default().fg(palette.error);
    let changed = Style::default().fg(palette.warn);
    let dim = Style::default().fg(palette.dim);
    if let Some(state) = map.get("state").and_then(Value::as_str)
        && map.len() == 1
    {
        return Some(vec![Span::styled(format!("state: {state}"), dim)]);
    }
    let new = map.get("new_val")?;
    let old = map.get("old_val");
    let mut spans = Vec::new();
    match (old, new) {
        // Initial values of `includeInitial` come without `old_val`.
        (None, new) => {
            spans.push(Span::styled("initial ", dim));
            spans.push(Span::raw(compact(new)));
        }
        (Some(Value::Null), new) => {
            spans.push(Span::styled("+ ", added.add_modifier(Modifier::BOLD)));
            spans.push(Span::styled(compact(new), added));
        }
        (Some(old), Value::Null) => {
            spans.push(Span::styled("- ", removed.add_modifier(Modifier::BOLD)));
            spans.push(Span::styled(compact(old), removed));
        }
        (Some(Value::Object(o)), Value::Object(n)) => {
            spans.push(Span::styled("~ ", changed.add_modifier(Modifier::BOLD)));
            if let Some(id) = n.get("id").or_else(|| o.get("id")) {
                spans.push(Span::styled(format!("id {} ", compact(id)), dim));
            }
            let mut first = true;
            let mut sep = |spans: &mut Vec<Span<'static>>| {
                if !first {
                    spans.push(Span::styled(", ", dim));
                }
                first = false;
            };
            for (k, nv) in n {
                match o.get(k) {
                    None => {
                        sep(&mut spans);
                        spans.push(Span::styled(format!("+{k}: {}", compact(nv)), added));
                    }
                    Some(ov) if ov != nv => {
                        sep(&mut spans);
                        spans.push(Span::raw(format!("{k}: ")));
                        spans.push(Span::styled(compact(ov), removed));
                        spans.push(Span::styled(" → ", dim));
                        spans.push(Span::styled(compact(nv), added));
                    }
                    Some(_) => {}
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                sep(&mut spans);
                spans.push(Span::styled(format!("-{k}"), removed));
            }
            if first {
                spans.push(Span::styled("no field changed", dim));
            }
        }
        (Some(old), new) => {
            spans.push(Span::styled("~ ", changed.add_modifier(Modifier::BOLD)));
            spans.push(Span::styled(compact(old), removed));
            spans.push(Span::styled(" → ", dim));
            spans.push(Span::styled(compact(new), added));
        }
    }
    Some(spans)
}

/// How many lines a row's pretty form has (nothing is built).
pub fn row_line_count(value: &Value) -> usize {
    render::pretty_line_count(value)
}

/// About how many bytes `value` takes as JSON text (numbers counted as 8), computed without
/// building the text.
pub fn approx_size(value: &Value) -> usize {
    nesting::grow(|| approx_size_level(value))
}

fn approx_size_level(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|v| approx_size(v) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() + 4 + approx_size(v))
                .sum::<usize>()
        }
    }
}

/// A row as the copy command puts it on the clipboard: serde_json's pretty form, or compact
/// JSON for a row too deep for it (indenting 100,000 levels would take gigabytes).
pub fn copy_text(value: &Value) -> Option<String> {
    if nesting::depth(value) <= COPY_PRETTY_DEPTH {
        serde_json::to_string_pretty(value).ok()
    } else {
        Some(nesting::to_string(value))
    }
}

/// Deepest row copied in pretty form (within serde_json's recursion on any thread's stack).
const COPY_PRETTY_DEPTH: usize = 100;

/// One row on one line (collapsed tree rows, raw view, table cells), pseudo-types readable.
pub fn compact(value: &Value) -> String {
    render::compact(value, true)
}

/// The result tabs.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsPane {
    pub tabs: Vec<ResultTab>,
    pub active: usize,
    /// Rows kept per tab.
    pub cap: usize,
    /// The view new tabs open in (`.format`).
    pub default_view: ViewMode,
}

impl ResultsPane {
    /// No tabs; each new tab keeps at most `cap` rows.
    pub fn new(cap: usize) -> Self {
        ResultsPane {
            tabs: Vec::new(),
            active: 0,
            cap,
            default_view: ViewMode::default(),
        }
    }

    /// The tab shown.
    pub fn current(&self) -> Option<&ResultTab> {
        self.tabs.get(self.active)
    }

    /// The tab shown, mutably.
    pub fn current_mut(&mut self) -> Option<&mut ResultTab> {
        self.tabs.get_mut(self.active)
    }

    /// The tab of query `id`.
    pub fn tab_mut(&mut self, id: QueryId) -> Option<&mut ResultTab> {
        self.tabs.iter_mut().find(|t| t.id == id)
    }

    /// Opens a tab for a new query and shows it.
    pub fn open(&mut self, id: QueryId, query: String, offset: usize, now: Instant) {
        let mut tab = ResultTab::new(id, query, offset, now, self.cap);
        tab.view = self.default_view;
        // Re-running a statement whose tab is done reuses that tab (its rows are let go).
        let done = self
            .tabs
            .iter()
            .position(|t| t.query == tab.query && !t.is_running());
        match done.and_then(|i| self.tabs.get_mut(i).map(|t| (i, t))) {
            Some((i, old)) => {
                tab.view = old.view;
                *old = tab;
                self.active = i;
            }
            None => {
                self.tabs.push(tab);
                self.active = self.tabs.len() - 1;
            }
        }
        self.trim();
    }

    /// A batch for query `id`; finished tabs out of sight give way when all tabs hold too
    /// many rows.
    pub fn arrived(&mut self, id: QueryId, rows: Vec<Doc>, more: bool, now: Instant) {
        if let Some(tab) = self.tab_mut(id) {
            if tab.state == TabState::Pending {
                tab.state = TabState::Open;
            }
            tab.push_rows(rows, more, now);
        }
        self.trim();
    }

    /// Shows the next (or previous) tab, round the end.
    pub fn cycle(&mut self, forward: bool) {
        let n = self.tabs.len();
        if n > 0 {
            self.active = if forward {
                (self.active + 1) % n
            } else {
                (self.active + n - 1) % n
            };
        }
    }

    /// Closes the tab shown; its query's id when that query still runs and must be stopped.
    pub fn close_current(&mut self) -> Option<QueryId> {
        if self.active >= self.tabs.len() {
            return None;
        }
        let mut tab = self.tabs.remove(self.active);
        self.active = self.active.min(self.tabs.len().saturating_sub(1));
        tab.request_stop().then_some(tab.id)
    }

    /// True when a tab shows a spinner (waiting for rows, or a live feed).
    pub fn spinning(&self) -> bool {
        self.tabs.iter().any(|t| t.waiting || t.feed.is_some())
    }

    /// Rows held by all tabs together.
    pub fn total_rows(&self) -> usize {
        self.tabs.iter().map(ResultTab::len).sum()
    }

    /// Closes the oldest finished tabs while there are more than [`MAX_TABS`] or they hold more
    /// than [`TOTAL_ROW_CAPS`] tabs' worth of rows; never the shown tab nor a running one.
    pub fn trim(&mut self) {
        let total_cap = self.cap.saturating_mul(TOTAL_ROW_CAPS);
        while self.tabs.len() > MAX_TABS || self.total_rows() > total_cap {
            let shown = self.current().map(|t| t.id);
            let Some(i) = self
                .tabs
                .iter()
                .position(|t| !t.is_running() && Some(t.id) != shown)
            else {
                return;
            };
            self.tabs.remove(i);
            if self.active > i {
                self.active -= 1;
            }
        }
    }

    /// The area of the shown tab's body (rows and profile) inside the pane's `area`: the pane
    /// less its frame, the tab bar (when there are several tabs) and the header line.
    pub fn body_area(&self, area: Rect) -> Rect {
        let inner = Block::bordered().inner(area);
        let mut y = inner.y;
        if self.tabs.len() > 1 && inner.height > 2 {
            y += 1;
        }
        if y < inner.bottom() {
            y += 1;
        }
        Rect {
            y,
            height: inner.bottom().saturating_sub(y),
            ..inner
        }
    }

    /// The tab bar in `width` cells, scrolled so that the shown tab is on it (`‹` marks tabs
    /// cut on the left).
    fn tab_bar(&self, width: usize, palette: &Palette) -> Vec<Span<'static>> {
        let labels: Vec<String> = self
            .tabs
            .iter()
            .map(|t| {
                let mark = if t.is_running() { "●" } else { "" };
                format!(" {}{mark} ", t.id.0)
            })
            .collect();
        // Each label and its one-cell gap; `‹ ` takes two cells.
        let cells = |l: &String| unicode_width::UnicodeWidthStr::width(l.as_str()) + 1;
        let mut first = 0;
        while first < self.active
            && labels
                .get(first..=self.active)
                .map_or(0, |shown| shown.iter().map(cells).sum::<usize>())
                + if first > 0 { 2 } else { 0 }
                > width
        {
            first += 1;
        }
        let mut spans = Vec::new();
        if first > 0 {
            spans.push(Span::styled("‹ ", Style::default().fg(palette.dim)));
        }
        for (i, label) in labels.into_iter().enumerate().skip(first) {
            let style = if i == self.active {
                Style::default()
                    .fg(palette.accent)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED)
            } else {
                Style::default().fg(palette.dim)
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
        }
        spans
    }

    /// Draws the tab bar, header and rows into `area` (frame included).
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        focused: bool,
        now: Instant,
        palette: &Palette,
    ) {
        let block = palette.pane_block(" Results ", focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let Some(tab) = self.current() else {
            let hint = Paragraph::new(Line::styled(
                "run a query to see its rows here",
                Style::default().fg(palette.dim),
            ));
            frame.render_widget(hint, inner);
            return;
        };
        let mut y = inner.y;
        if self.tabs.len() > 1 && inner.height > 2 {
            let spans = self.tab_bar(usize::from(inner.width), palette);
            frame.render_widget(
                Paragraph::new(Line::from(spans)),
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
            );
            y += 1;
        }
        if y < inner.bottom() {
            let title: String = tab.query.lines().next().unwrap_or("").to_owned();
            // Figures first: at 80 columns the query text is what gets cut.
            let header = Line::from(vec![
                Span::styled(
                    tab.header(now),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw("  "),
                Span::styled(title, Style::default().fg(palette.dim)),
            ]);
            frame.render_widget(
                Paragraph::new(header),
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
            );
            y += 1;
        }
        let body = Rect {
            y,
            height: inner.bottom().saturating_sub(y),
            ..inner
        };
        tab.draw_body(frame, body, focused, palette);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tab(cap: usize) -> (ResultTab, Instant) {
        let t0 = Instant::now();
        (ResultTab::new(QueryId(1), "q".into(), 0, t0, cap), t0)
    }

    #[test]
    fn cap_drops_oldest_rows_and_counts_them() {
        let (mut t, t0) = tab(3);
        t.push_rows((0..5).map(|i| Doc(json!(i))).collect(), true, t0);
        assert_eq!(t.len(), 3);
        assert_eq!(t.dropped(), 2);
        assert_eq!(t.row(0), Some(&json!(2)));
        assert!(t.header(t0).contains("2 older discarded"));
    }

    #[test]
    fn the_selection_stays_in_view_when_it_jumps_far() {
        let (mut t, t0) = tab(1_000_000);
        t.push_rows((0..200_000).map(|i| Doc(json!(i))).collect(), false, t0);
        t.jump(true, 10);
        assert_eq!(t.top(), 200_000 - 10);
        t.move_selection(-15, 10);
        assert_eq!(t.top(), t.selected());
        t.jump(false, 10);
        assert_eq!(t.top(), 0);
    }

    #[test]
    fn approximate_sizes_match_compact_json_without_numbers() {
        let v = json!({"id": "a-1", "tags": ["x", "y"], "ok": true, "gone": null});
        let text = serde_json::to_string(&v).unwrap();
        // Each array item and object member counts a separator, the last ones included (2),
        // and `true` counts as long as `false` (1).
        assert_eq!(approx_size(&v), text.len() + 3);
    }

    #[test]
    fn paused_changes_are_held_counted_and_resumed_in_order() {
        let (mut t, t0) = tab(3);
        t.feed = Some(Feed::default());
        t.push_rows(vec![Doc(json!(1))], true, t0);
        t.toggle_pause();
        t.push_rows((2..=5).map(|i| Doc(json!(i))).collect(), true, t0);
        assert_eq!((t.len(), t.held(), t.dropped()), (1, 3, 1));
        assert!(t.header(t0).contains("paused, 3 held"));
        t.toggle_pause();
        let shown: Vec<_> = (0..t.len()).filter_map(|i| t.row(i).cloned()).collect();
        assert_eq!(shown, [json!(3), json!(4), json!(5)]);
        assert_eq!(t.dropped(), 2);
        assert_eq!(t.retained_bytes(), 3 * 8);
    }

    #[test]
    fn a_change_between_two_documents_is_a_removal_plus_an_addition() {
        let (mut t, t0) = tab(10);
        t.feed = Some(Feed::default());
        t.push_rows(
            vec![
                Doc(json!({"old_val": {"id": 15, "n": 1}, "new_val": {"id": 2, "n": 1}})),
                Doc(json!({"old_val": {"id": 2, "n": 1}, "new_val": {"id": 2, "n": 5}})),
            ],
            true,
            t0,
        );
        let shown: Vec<_> = (0..t.len()).filter_map(|i| t.row(i).cloned()).collect();
        assert_eq!(
            shown,
            [
                json!({"old_val": {"id": 15, "n": 1}, "new_val": null}),
                json!({"old_val": null, "new_val": {"id": 2, "n": 1}}),
                json!({"old_val": {"id": 2, "n": 1}, "new_val": {"id": 2, "n": 5}}),
            ]
        );
        assert!(t.expanded.is_empty(), "the first change is a diff line");
    }

    #[test]
    fn the_feed_key_decides_what_is_the_same_document() {
        let row = json!({"old_val": {"id": 1, "email": "a"}, "new_val": {"id": 2, "email": "a"}});
        assert_eq!(
            split_change(Doc(row.clone()), "email"),
            vec![Doc(row.clone())]
        );
        assert_eq!(split_change(Doc(row), "id").len(), 2);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.2 s");
        assert_eq!(format_duration(Duration::from_secs(123)), "2 m 03 s");
    }
}
