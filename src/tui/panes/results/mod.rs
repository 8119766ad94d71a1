//! Result tabs: rows retained up to a cap, tree / table / raw views, lazy fetching near the end,
//! changefeed mode. Only the visible window is ever formatted.

mod feed;
mod profile_panel;
mod rows;
mod viewport;

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use serde_json::Value;

pub use feed::{Feed, split_change};
use profile_panel::ProfilePanel;
use rows::{Rows, Shown};
use viewport::Viewport;

use super::profile::ProfileTree;
use crate::nesting::{self, Doc};
use crate::render::{self, duration_text};
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

/// One query's results: its rows, how they are shown, its feed and profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultTab {
    pub id: QueryId,
    /// The query text as run.
    pub query: String,
    /// Byte offset of the query in the editor (to place error spans).
    pub offset: usize,
    state: TabState,
    rows: Rows,
    viewport: Viewport,
    /// The server holds more rows.
    more: bool,
    /// A batch was asked for and has not arrived.
    waiting: bool,
    /// STOP sent, waiting for the end.
    stopping: bool,
    started: Instant,
    /// Time to the first batch.
    first_batch: Option<Duration>,
    feed: Option<Feed>,
    profile: ProfilePanel,
    /// A feed cut by a lost connection, to be re-opened once connected again.
    interrupted: bool,
    /// A re-opened feed not yet confirmed by the server: attempts made, and when the next is
    /// due after the server refused one (a restarted server's tables take a moment to be
    /// ready).
    reopening: Option<(u32, Option<Instant>)>,
}

/// Attempts at re-opening a feed (half a second apart) before its failure is shown.
pub const REOPEN_ATTEMPTS: u32 = 40;

/// Pause between attempts at re-opening a feed.
pub const REOPEN_PAUSE: Duration = Duration::from_millis(500);

impl ResultTab {
    /// A tab for a query just sent.
    pub fn new(id: QueryId, query: String, offset: usize, started: Instant, cap: usize) -> Self {
        ResultTab {
            id,
            query,
            offset,
            state: TabState::Pending,
            rows: Rows::new(cap),
            viewport: Viewport::default(),
            more: false,
            waiting: true,
            stopping: false,
            started,
            first_batch: None,
            feed: None,
            profile: ProfilePanel::default(),
            interrupted: false,
            reopening: None,
        }
    }

    /// True for a feed cut by a lost connection, waiting to be re-opened.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted
    }

    /// The connection this feed ran on went away: it is re-opened when connected again.
    pub fn interrupt(&mut self) {
        self.interrupted = self.feed.is_some();
    }

    /// Sends the feed again as query `id` (another attempt at re-opening it).
    pub fn retry(&mut self, id: QueryId, now: Instant) {
        self.id = id;
        self.state = TabState::Pending;
        self.waiting = true;
        self.stopping = false;
        self.more = false;
        self.started = now;
        self.first_batch = None;
        if let Some((attempts, due)) = &mut self.reopening {
            *attempts += 1;
            *due = None;
        }
    }

    /// The server refused a re-opened feed: true when another attempt is due at
    /// `now + REOPEN_PAUSE` (the tab keeps waiting), false when the attempts are used up.
    pub fn retry_later(&mut self, now: Instant) -> bool {
        match &mut self.reopening {
            Some((attempts, due)) if *attempts < REOPEN_ATTEMPTS && !self.stopping => {
                *due = Some(now + REOPEN_PAUSE);
                true
            }
            _ => {
                self.reopening = None;
                false
            }
        }
    }

    /// True when a refused re-open is due to be tried again at `now`.
    pub fn retry_due(&self, now: Instant) -> bool {
        matches!(self.reopening, Some((_, Some(due))) if due <= now)
    }

    /// Runs the interrupted feed again as query `id` in this tab, its changes kept, after a
    /// marker line saying that the changes meanwhile may be missing.
    pub fn reopen(&mut self, id: QueryId, server: &str, now: Instant) {
        self.interrupted = false;
        self.reopening = Some((0, None));
        self.retry(id, now);
        let text = format!("feed re-opened on {server} — changes between may be missing");
        let marker = Doc(serde_json::json!({ MARKER_KEY: text }));
        if let Some(held) = self.feed.as_mut().and_then(Feed::holding) {
            return self.rows.hold(held, vec![marker]);
        }
        self.append(vec![marker]);
    }

    /// Where the query is.
    pub fn state(&self) -> &TabState {
        &self.state
    }

    /// The runtime accepted the query; `feed` (the primary key of the watched table) when it
    /// is a changefeed. True when that was a feed being re-opened.
    pub fn opened(&mut self, feed: Option<String>) -> bool {
        self.state = TabState::Open;
        let reopened = self.reopening.take().is_some();
        if let Some(key) = feed
            && self.feed.is_none()
        {
            self.feed = Some(Feed::keyed(key));
        }
        reopened
    }

    /// How the rows are shown.
    pub fn view(&self) -> ViewMode {
        self.viewport.view
    }

    pub fn set_view(&mut self, view: ViewMode) {
        self.viewport.view = view;
    }

    /// True when the raw view wraps long rows.
    pub fn wraps(&self) -> bool {
        self.viewport.wrap
    }

    /// Wraps long rows (or stops), in the raw view; true when they wrap now.
    pub fn toggle_wrap(&mut self) -> bool {
        self.viewport.wrap = !self.viewport.wrap;
        self.viewport.view = ViewMode::Raw;
        self.viewport.wrap
    }

    /// The changefeed state, for a feed.
    pub fn feed(&self) -> Option<&Feed> {
        self.feed.as_ref()
    }

    /// True while a batch was asked for and has not arrived.
    pub fn is_waiting(&self) -> bool {
        self.waiting
    }

    /// True while the server holds more rows.
    pub fn has_more(&self) -> bool {
        self.more
    }

    /// The server's profile of the finished query.
    pub fn profile(&self) -> Option<&Doc> {
        self.profile.doc()
    }

    /// The profile as a tree.
    pub fn profile_tree(&self) -> Option<&ProfileTree> {
        self.profile.tree()
    }

    /// True when the keys go to the profile panel rather than the rows.
    pub fn profile_focused(&self) -> bool {
        self.profile.focused()
    }

    pub fn set_profile_focus(&mut self, focus: bool) {
        self.profile.set_focus(focus);
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
        self.rows.dropped()
    }

    /// Most rows (or changes) this tab retains; older ones are discarded and counted.
    pub fn cap(&self) -> usize {
        self.rows.cap()
    }

    /// Approximate JSON size in bytes of the rows and held changes retained: what the tab's
    /// memory grows with, bounded by the cap.
    pub fn retained_bytes(&self) -> usize {
        self.rows.bytes()
    }

    /// Changes held while the feed is paused.
    pub fn held(&self) -> usize {
        self.feed.as_ref().map_or(0, Feed::held)
    }

    /// Selected row index in display order.
    pub fn selected(&self) -> usize {
        self.viewport.selected()
    }

    /// First visible row in display order.
    pub fn top(&self) -> usize {
        self.viewport.top()
    }

    /// True while the query can still deliver rows or is being waited on.
    pub fn is_running(&self) -> bool {
        matches!(self.state, TabState::Pending | TabState::Open)
    }

    /// The rows in display order.
    fn shown(&self) -> Shown<'_> {
        shown(&self.rows, self.feed.as_ref())
    }

    /// The row shown at display position `i`.
    pub fn row(&self, i: usize) -> Option<&Value> {
        self.shown().get(i)
    }

    /// Appends a batch (or holds it while a feed is paused).
    pub fn push_rows(&mut self, rows: Vec<Doc>, more: bool, now: Instant) {
        self.more = more;
        self.waiting = false;
        if self.first_batch.is_none() {
            self.first_batch = Some(now.saturating_duration_since(self.started));
        }
        let rows = match &self.feed {
            Some(feed) => feed.split(rows),
            None => rows,
        };
        if let Some(held) = self.feed.as_mut().and_then(Feed::holding) {
            return self.rows.hold(held, rows);
        }
        self.append(rows);
    }

    fn append(&mut self, rows: Vec<Doc>) {
        let n = rows.len();
        let at_end = self.viewport.selected() + 1 >= self.rows.len();
        let first = self.rows.is_empty();
        let excess = self.rows.extend(rows);
        // A single value opens expanded; a feed's first change is a diff line like the others.
        if first && self.rows.len() == 1 && self.feed.is_none() {
            self.viewport.expand(self.rows.dropped());
        }
        // Tail mode follows new changes.
        let tail = self.feed.is_some() && at_end && !first;
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.appended(shown, n, excess, tail);
    }

    /// Pauses or resumes a feed; resuming delivers the held changes in order.
    pub fn toggle_pause(&mut self) {
        let Some(feed) = &mut self.feed else { return };
        if let Some(held) = feed.toggle_pause() {
            // `append` counts them again as rows.
            let held = self.rows.release(held);
            self.append(held);
        }
    }

    /// Feed order: newest first or tail.
    pub fn toggle_order(&mut self) {
        if let Some(feed) = &mut self.feed {
            feed.toggle_order();
            self.viewport.home();
        }
    }

    /// Moves the selection by `delta` rows and keeps it in a viewport of `height` lines.
    pub fn move_selection(&mut self, delta: isize, height: usize) {
        if let Some(tree) = self.profile.focused_tree() {
            return tree.move_selection(delta, height);
        }
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.move_selection(shown, delta, height);
    }

    /// Selects the first (`false`) or last (`true`) row.
    pub fn jump(&mut self, to_end: bool, height: usize) {
        if let Some(tree) = self.profile.focused_tree() {
            return tree.jump(to_end, height);
        }
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.jump(shown, to_end, height);
    }

    /// Shows the next view mode.
    pub fn cycle_view(&mut self, height: usize) {
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.cycle_view(shown, height);
    }

    /// Scrolls the table view by columns.
    pub fn scroll_columns(&mut self, delta: isize) {
        if let Some(tree) = self.profile.focused_tree() {
            // Left and right close and open the selected task.
            return tree.set_selected_open(delta > 0, usize::MAX);
        }
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.scroll_columns(shown, delta);
    }

    /// For the value viewer: what is selected, named, and pretty-printed whole. In the table
    /// view (rows area `height` lines) that is the cell of the first column shown, else the
    /// row.
    pub fn selected_pretty(&self, height: usize) -> Option<(String, String)> {
        self.viewport.selected_pretty(self.shown(), height)
    }

    /// True when the selected row opens in the tree (a non-empty object or array).
    pub fn selected_opens(&self) -> bool {
        self.viewport.selected_opens(self.shown())
    }

    /// Toggles the selected row open or closed in the tree view.
    pub fn toggle_expanded(&mut self, height: usize) {
        if let Some(tree) = self.profile.focused_tree() {
            return tree.toggle(height);
        }
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.toggle_expanded(shown, height);
    }

    /// Keeps the selected row inside a viewport of `height` lines.
    pub fn scroll_into_view(&mut self, height: usize) {
        let shown = shown(&self.rows, self.feed.as_ref());
        self.viewport.scroll_into_view(shown, height);
    }

    /// True when the viewport is within one screen of the end and more rows can be fetched.
    pub fn wants_more(&self, height: usize) -> bool {
        self.more
            && !self.waiting
            && !self.stopping
            && self.feed.is_none()
            && self.is_running()
            && self.viewport.top() + 2 * height.max(1) >= self.rows.len()
    }

    /// Asks to stop the query: true when it runs and was not asked already (then STOP goes
    /// out).
    pub fn request_stop(&mut self) -> bool {
        if self.reopening.is_some_and(|(_, due)| due.is_some()) {
            // Between attempts nothing runs on the server: the feed just ends.
            self.reopening = None;
            self.state = TabState::Stopped {
                elapsed: Duration::ZERO,
            };
            return false;
        }
        let ask = self.is_running() && !self.stopping;
        self.stopping |= ask;
        ask
    }

    /// True once STOP was sent for the query.
    pub fn is_stopping(&self) -> bool {
        self.stopping
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
        self.profile.set(profile);
        self.state = if self.stopping {
            TabState::Stopped { elapsed }
        } else {
            TabState::Done { elapsed }
        };
    }

    /// The header line: "N rows · more available · 12 ms" or a spinner while waiting.
    pub fn header(&self, now: Instant) -> String {
        let mut parts = Vec::new();
        let view = self.viewport.view.label();
        if let TabState::Failed { .. } = self.state {
            return format!("failed · {view}");
        }
        let n = self.rows.len();
        let noun = if self.feed.is_some() { "change" } else { "row" };
        parts.push(format!("{n} {noun}{}", if n == 1 { "" } else { "s" }));
        if self.rows.dropped() > 0 {
            parts.push(format!("{} older discarded", self.rows.dropped()));
        }
        if let Some(feed) = &self.feed {
            parts.push(
                if feed.newest_first() {
                    "newest first"
                } else {
                    "tail"
                }
                .to_owned(),
            );
            if feed.paused() {
                parts.push(format!("paused, {} held", feed.held()));
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
                parts.push(format!("{frame} {what} {}", duration_text(since)));
            }
            TabState::Pending | TabState::Open => {
                if let Some(t) = self.first_batch {
                    parts.push(duration_text(t));
                }
            }
            TabState::Done { elapsed } => parts.push(duration_text(*elapsed)),
            TabState::Stopped { elapsed } => {
                parts.push(format!("stopped · {}", duration_text(*elapsed)))
            }
            TabState::Failed { .. } => {}
        }
        parts.push(view.to_owned());
        parts.join(" · ")
    }

    /// Splits the tab's body `area` between the rows and the profile panel (none for a
    /// failed query).
    pub fn body(&self, area: Rect) -> Body {
        if matches!(self.state, TabState::Failed { .. }) {
            return Body {
                rows: area,
                profile: None,
            };
        }
        self.profile.body(area)
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
        if let Some(rect) = body.profile {
            let active = focused && self.profile.focused();
            self.profile.draw(frame, rect, area, active, palette);
        }
    }

    /// Draws the rows of this tab into `area` (no frame).
    pub fn draw_rows(&self, frame: &mut Frame, area: Rect, palette: &Palette) {
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
            _ => self.viewport.lines(
                self.shown(),
                (usize::from(area.height), usize::from(area.width)),
                self.feed.is_some(),
                palette,
            ),
        };
        if self.viewport.wrap && self.viewport.view == ViewMode::Raw {
            let wrapped = Paragraph::new(lines).wrap(Wrap { trim: false });
            frame.render_widget(wrapped, area);
            return;
        }
        let shift = u16::try_from(self.viewport.shift()).unwrap_or(u16::MAX);
        frame.render_widget(Paragraph::new(lines).scroll((0, shift)), area);
    }
}

/// The one key of a marker line among a tab's rows (a feed re-opened): not data from the
/// server, drawn as a line of its own.
pub const MARKER_KEY: &str = "$rdbsh_marker$";

/// The text of a marker line, when `value` is one.
pub fn marker_text(value: &Value) -> Option<&str> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get(MARKER_KEY)?.as_str()
}

/// A marker line as drawn: across the pane, in the warning colour.
pub fn marker_line(text: &str, style: Style, palette: &Palette) -> Line<'static> {
    Line::styled(
        format!("── {text} ──"),
        Style::default()
            .fg(palette.warn)
            .add_modifier(Modifier::BOLD)
            .patch(style),
    )
}

/// `rows` in the order a tab with `feed` shows them.
fn shown<'a>(rows: &'a Rows, feed: Option<&Feed>) -> Shown<'a> {
    rows.shown(feed.is_some_and(Feed::newest_first))
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

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
    tabs: Vec<ResultTab>,
    active: usize,
    /// Rows kept per tab.
    cap: usize,
    /// The view new tabs open in (`.format`).
    default_view: ViewMode,
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

    /// The tabs, oldest first.
    pub fn tabs(&self) -> &[ResultTab] {
        &self.tabs
    }

    /// The tabs, to act on each.
    pub fn tabs_mut(&mut self) -> impl Iterator<Item = &mut ResultTab> {
        self.tabs.iter_mut()
    }

    /// The index of the tab shown.
    pub fn active(&self) -> usize {
        self.active
    }

    /// New tabs (and the shown one) show their rows as `view` (`.format`).
    pub fn set_default_view(&mut self, view: ViewMode) {
        self.default_view = view;
        if let Some(tab) = self.current_mut() {
            tab.set_view(view);
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
        tab.set_view(self.default_view);
        // Re-running a statement whose tab is done reuses that tab (its rows are let go).
        let done = self
            .tabs
            .iter()
            .position(|t| t.query == tab.query && !t.is_running());
        match done.and_then(|i| self.tabs.get_mut(i).map(|t| (i, t))) {
            Some((i, old)) => {
                tab.set_view(old.view());
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
        assert!(
            t.viewport.none_expanded(),
            "the first change is a diff line"
        );
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
}
