//! The TUI's state and its one `update` function. Nothing else changes `App`.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::reql::Lang;
use crate::reql::quoted as js_string;

use super::action::{Action, ConnectionState, Effect, QueryId, QueryOptions, SyntaxError};
use super::keymap::{Command, Keymap};
use super::panes::browser::{BrowserPane, Count, NodeId};
use super::panes::editor::EditorPane;
use super::panes::results::ViewMode;
use super::panes::results::{DEFAULT_ROW_CAP, ResultTab, ResultsPane};
use super::panes::status::{ConnectionInfo, StatusBar};
use super::panes::system::{DEFAULT_REFRESH, SystemPane, SystemView};
use super::screen::Areas;
use super::theme::Palette;
use crate::render::{Format, Theme};
use crate::shell::Meta;
use crate::shell::catalog::DbEntry;
use crate::shell::history::History;

mod admin;

pub use admin::reconfigure_query;

/// A pane that can have the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Browser,
    Editor,
    Results,
}

impl Pane {
    fn next(self) -> Pane {
        match self {
            Pane::Browser => Pane::Editor,
            Pane::Editor => Pane::Results,
            Pane::Results => Pane::Browser,
        }
    }

    fn prev(self) -> Pane {
        match self {
            Pane::Browser => Pane::Results,
            Pane::Editor => Pane::Browser,
            Pane::Results => Pane::Editor,
        }
    }
}

/// A popup over the panes; it takes the keys while open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The keymap, scrolled by `scroll` lines.
    Help { scroll: usize },
    /// "Quit with running queries?"
    ConfirmQuit,
    /// Ctrl-R: `query` typed, `selected` index into the matches.
    HistorySearch { query: String, selected: usize },
    /// A destructive query (`what` says why) waits for y / n before it is run; `preview`
    /// lines say what it would do (a reconfiguration's dry run).
    ConfirmWrite {
        text: String,
        offset: usize,
        what: String,
        preview: Vec<String>,
    },
    /// A line of text asked for (`typed` so far), Enter submits, Esc cancels.
    Prompt { prompt: Prompt, typed: String },
    /// A value whole, pretty-printed: its lines, scrolled down `scroll` lines and right
    /// `hscroll` cells.
    Value {
        /// `row 3`, or `` `items` of row 3 `` for a table cell.
        what: String,
        lines: Vec<String>,
        scroll: usize,
        hscroll: usize,
    },
    /// Dropping a table: its name must be typed to confirm.
    ConfirmDrop {
        db: String,
        table: String,
        typed: String,
    },
}

/// What a [`Overlay::Prompt`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Shards and replicas for `reconfigure` of `db.table` (`2 3`).
    Reconfigure { db: String, table: String },
    /// A file name (and optionally a format) to export the result of query `id` to.
    Export { id: QueryId },
}

impl Prompt {
    /// The question, for the popup's title.
    pub fn question(&self) -> String {
        match self {
            Prompt::Reconfigure { db, table } => {
                format!("reconfigure {db}.{table}: shards replicas (e.g. 2 3)")
            }
            Prompt::Export { .. } => {
                "export the result to FILE.json | FILE.ndjson | FILE.csv".to_owned()
            }
        }
    }
}

/// What the TUI is started with.
pub struct AppConfig {
    pub keymap: Keymap,
    /// Highlighting, result token styles and the UI palette (`[ui] theme`).
    pub theme: Theme,
    pub info: ConnectionInfo,
    pub history: History,
    /// Rows kept per result tab.
    pub row_cap: usize,
    /// Quiet time after an edit before the text is compiled for errors.
    pub check_delay: Duration,
    /// How often a shown system view is re-read (`[ui] system_refresh_ms`).
    pub system_refresh: Duration,
}

impl AppConfig {
    /// Defaults around a keymap and the connection facts.
    pub fn new(keymap: Keymap, info: ConnectionInfo) -> Self {
        AppConfig {
            keymap,
            theme: Theme::dark(),
            info,
            history: History::default(),
            row_cap: DEFAULT_ROW_CAP,
            check_delay: Duration::from_millis(300),
            system_refresh: DEFAULT_REFRESH,
        }
    }

    /// Takes the `[ui]` settings of the config file; an unusable theme is the error.
    pub fn apply_ui(&mut self, ui: &crate::config::Ui) -> Result<(), crate::render::ThemeError> {
        self.theme = super::theme::load_theme(ui.theme_name())?;
        if let Some(cap) = ui.row_cap() {
            self.row_cap = cap;
        }
        if let Some(every) = ui.system_refresh() {
            self.system_refresh = every;
        }
        Ok(())
    }
}

/// The whole TUI state. Its parts are read through the accessors below and changed only by
/// [`App::update`].
pub struct App {
    focus: Pane,
    browser: BrowserPane,
    editor: EditorPane,
    results: ResultsPane,
    status: StatusBar,
    /// The system views (jobs, current issues, server status), over the editor and results.
    system: SystemPane,
    keymap: Keymap,
    history: History,
    palette: Palette,
    overlay: Option<Overlay>,
    /// Terminal size (columns, rows).
    size: (u16, u16),
    /// The clock as of the last tick.
    now: Instant,
    /// Run queries with `profile: true`.
    profile: bool,
    /// Something changed since the last draw.
    dirty: bool,
    quitting: bool,
    check_delay: Duration,
    next_id: u64,
}

impl App {
    /// The pane with the keys.
    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn browser(&self) -> &BrowserPane {
        &self.browser
    }

    pub fn editor(&self) -> &EditorPane {
        &self.editor
    }

    pub fn results(&self) -> &ResultsPane {
        &self.results
    }

    pub fn status(&self) -> &StatusBar {
        &self.status
    }

    pub fn system(&self) -> &SystemPane {
        &self.system
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn palette(&self) -> &Palette {
        &self.palette
    }

    /// The popup over the panes, if any.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    /// Terminal size (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The clock as of the last tick.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// True when queries run with `profile: true`.
    pub fn profiling(&self) -> bool {
        self.profile
    }

    /// True when something changed since the last draw.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// True when something changed since the last call (a frame is due); the next call says
    /// false until something changes again.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::replace(&mut self.dirty, false)
    }

    /// True once the app has asked to quit.
    pub fn is_quitting(&self) -> bool {
        self.quitting
    }

    /// A fresh app at time `now` on an 80×24 screen until told otherwise.
    pub fn new(config: AppConfig, now: Instant) -> Self {
        let palette = Palette::from_render(&config.theme);
        let mut editor = EditorPane::new(config.theme.syntect().clone());
        editor.set_lang(config.info.lang);
        if let Some(run) = config.keymap.keys(Command::Run).first() {
            editor.set_placeholder(format!("type ReQL, e.g. r.dbList(); {run} runs it"));
        }
        App {
            focus: Pane::Editor,
            browser: BrowserPane::default(),
            editor,
            results: ResultsPane::new(config.row_cap),
            status: StatusBar {
                lang: config.info.lang,
                info: config.info,
                ..StatusBar::default()
            },
            system: SystemPane::new(config.system_refresh),
            keymap: config.keymap,
            history: config.history,
            palette,
            overlay: None,
            size: (80, 24),
            now,
            profile: false,
            dirty: true,
            quitting: false,
            check_delay: config.check_delay,
            next_id: 1,
        }
    }

    /// Effects to run once at start (load the catalog).
    pub fn init(&mut self) -> Vec<Effect> {
        self.browser.loading();
        vec![Effect::LoadCatalog]
    }

    /// Pane rectangles for the current size.
    pub fn areas(&self) -> Areas {
        Areas::compute(self.size)
    }

    /// False when the screen is too narrow for the browser.
    pub fn browser_visible(&self) -> bool {
        self.areas().browser.width > 0
    }

    /// Tab order: browser, editor, the results' rows, then the profile panel when the shown
    /// tab has one on screen.
    fn cycle_focus(&mut self, forward: bool) {
        let shown = self.profile_shown();
        if self.focus == Pane::Results
            && shown
            && let Some(tab) = self.results.current_mut()
            && tab.profile_focused() != forward
        {
            tab.set_profile_focus(forward);
            return;
        }
        let step = |p: Pane| if forward { p.next() } else { p.prev() };
        self.focus = step(self.focus);
        if self.focus == Pane::Browser && !self.browser_visible() {
            self.focus = step(self.focus);
        }
        if let Some(tab) = self.results.current_mut() {
            // Coming back from the editor lands on the profile, from the browser on the rows.
            tab.set_profile_focus(self.focus == Pane::Results && !forward && shown);
        }
    }

    /// True when the shown tab's profile panel is on screen.
    pub fn profile_shown(&self) -> bool {
        let body = self.results.body_area(self.areas().results);
        self.results
            .current()
            .is_some_and(|t| t.body(body).profile.is_some())
    }

    /// Lines of the results' rows area.
    fn rows_height(&self) -> usize {
        let body = self.results.body_area(self.areas().results);
        match self.results.current() {
            Some(tab) => usize::from(tab.body(body).rows.height),
            None => usize::from(body.height),
        }
    }

    /// Lines of the part of the results that has the keys: the rows or the profile panel.
    fn results_height(&self) -> usize {
        match self.results.current() {
            Some(tab) if tab.profile_focused() => {
                tab.profile_height(self.results.body_area(self.areas().results))
            }
            _ => self.rows_height(),
        }
    }

    fn browser_height(&self) -> usize {
        let filter = usize::from(self.browser.filter_shown());
        usize::from(self.areas().browser.height).saturating_sub(2 + filter)
    }

    /// True while any query can still deliver rows.
    pub fn running(&self) -> bool {
        self.results.tabs().iter().any(|t| t.is_running())
    }

    /// Maps a terminal key to an action (None for key releases).
    pub fn key_action(&self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        match &self.overlay {
            Some(Overlay::ConfirmQuit) => {
                return match key.code {
                    KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Action::Confirm(true)),
                    KeyCode::Char('q') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        Some(Action::Confirm(true))
                    }
                    _ => Some(Action::Confirm(false)),
                };
            }
            Some(Overlay::ConfirmWrite { .. }) => {
                return Some(Action::Confirm(matches!(
                    key.code,
                    KeyCode::Char('y' | 'Y')
                )));
            }
            Some(Overlay::ConfirmDrop { .. } | Overlay::Prompt { .. }) => {
                return Some(match key.code {
                    KeyCode::Esc => Action::Command(Command::Close),
                    _ => Action::Input(key),
                });
            }
            Some(Overlay::HistorySearch { .. }) => {
                return Some(match key.code {
                    KeyCode::Esc => Action::Command(Command::Close),
                    KeyCode::Up => Action::Command(Command::Up),
                    KeyCode::Down => Action::Command(Command::Down),
                    KeyCode::Char('r') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        Action::Command(Command::Down)
                    }
                    _ => Action::Input(key),
                });
            }
            Some(Overlay::Value { .. }) => {
                return Some(match self.keymap.command(&key, Pane::Results, false) {
                    Some(
                        c @ (Command::Up
                        | Command::Down
                        | Command::PageUp
                        | Command::PageDown
                        | Command::Left
                        | Command::Right
                        | Command::Top
                        | Command::Bottom
                        | Command::Copy
                        | Command::Quit),
                    ) => Action::Command(c),
                    _ => Action::Command(Command::Close),
                });
            }
            Some(Overlay::Help { .. }) => {
                return Some(match self.keymap.command(&key, Pane::Results, false) {
                    Some(
                        c @ (Command::Up | Command::Down | Command::PageUp | Command::PageDown),
                    ) => Action::Command(c),
                    Some(Command::Quit) => Action::Command(Command::Quit),
                    _ => Action::Command(Command::Close),
                });
            }
            None => {}
        }
        if self.system.shown().is_some() {
            // The view takes the keys while shown; keys it has no use for do nothing.
            return Some(match self.keymap.system_command(&key) {
                Some(c) => Action::Command(c),
                None => Action::Input(key),
            });
        }
        if self.focus == Pane::Editor
            && self.editor.completion().is_some()
            && key.modifiers.is_empty()
            && matches!(
                key.code,
                KeyCode::Up | KeyCode::Down | KeyCode::Enter | KeyCode::Tab | KeyCode::Esc
            )
        {
            return Some(Action::Input(key));
        }
        let typing =
            self.focus == Pane::Editor || (self.focus == Pane::Browser && self.browser.filtering());
        match self.keymap.command(&key, self.focus, typing) {
            Some(c) => Some(Action::Command(c)),
            None => Some(Action::Input(key)),
        }
    }

    /// Applies one action; returns the effects for the runtime.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let was_dirty = self.dirty;
        self.dirty = true;
        let mut fx = Vec::new();
        let ends_query = matches!(
            action,
            Action::QueryFinished { .. } | Action::QueryFailed { .. }
        );
        match action {
            Action::Input(key) => self.input(key, &mut fx),
            // The system views take no text; the editor underneath is out of sight.
            Action::Paste(_) if self.overlay.is_none() && self.system.shown().is_some() => {}
            Action::Paste(text) => self.paste(&text),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_editor();
                if !self.browser_visible() && self.focus == Pane::Browser {
                    self.focus = Pane::Editor;
                }
                self.follow_views(&mut fx);
            }
            Action::Tick(now) => self.tick(now, was_dirty, &mut fx),
            Action::Command(c) => self.command(c, &mut fx),
            Action::Terminate => {
                self.stop_all(&mut fx);
                self.quitting = true;
                fx.push(Effect::Quit);
            }
            Action::RunQuery { text, offset } => self.run_query(text, offset, &mut fx),
            Action::CancelQuery(id) => {
                self.ask_tab(id, ResultTab::request_stop, Effect::Stop, &mut fx)
            }
            Action::FetchMore(id) => {
                self.ask_tab(id, ResultTab::request_more, Effect::FetchMore, &mut fx)
            }
            Action::Quit => {
                if self.running() {
                    self.overlay = Some(Overlay::ConfirmQuit);
                } else {
                    self.quitting = true;
                    fx.push(Effect::Quit);
                }
            }
            Action::Confirm(yes) => self.confirm(yes, &mut fx),
            Action::DocumentsCounted { text, documents } => self.counted(&text, documents),
            Action::FocusNext => self.cycle_focus(true),
            Action::FocusPrev => self.cycle_focus(false),
            Action::QueryStarted { id, feed } => self.query_started(id, feed),
            Action::BatchArrived { id, rows, more } => {
                self.results.arrived(id, rows, more, self.now);
                self.follow_views(&mut fx);
            }
            Action::QueryFinished {
                id,
                elapsed,
                profile,
            } => self.query_finished(id, elapsed, profile, &mut fx),
            Action::QueryFailed { id, message, span } => self.query_failed(id, message, span),
            Action::SyntaxChecked { revision, error } => self.syntax_checked(revision, error),
            Action::CompletionsArrived {
                revision,
                replace,
                items,
            } => self.editor.show_completions(revision, replace, items),
            Action::CatalogLoaded(dbs) => {
                self.browser.set_catalog(dbs);
                self.read_cluster_once(&mut fx);
            }
            Action::ClusterLoaded(result) => self.cluster_loaded(result),
            Action::ClusterStatus(Ok(text)) => {
                self.overlay = Some(Overlay::Value {
                    what: "cluster status".to_owned(),
                    lines: text.lines().map(str::to_owned).collect(),
                    scroll: 0,
                    hscroll: 0,
                });
            }
            Action::ClusterStatus(Err(message)) => self.status.error(message),
            Action::ReconfigurePreview {
                db,
                table,
                shards,
                replicas,
                result,
            } => self.reconfigure_previewed((db, table), (shards, replicas), result),
            Action::Exported(Ok(what)) => self.status.info(what),
            Action::Exported(Err(message)) => self.status.error(message),
            Action::CatalogFailed(message) => {
                self.browser.failed(message.clone());
                self.status.error(message);
            }
            Action::CountLoaded { db, table, count } => {
                self.browser.set_count(&db, &table, Count::Done(count));
            }
            Action::CountFailed { db, table, message } => {
                self.browser.clear_count(&db, &table);
                self.status
                    .error(format!("cannot count {db}.{table}: {message}"));
            }
            Action::ConnectionStateChanged(state) => self.connection_changed(state, &mut fx),
            Action::ConnectionDropped { reason } => self.connection_dropped(reason, &mut fx),
            Action::ExternalEditorClosed(Ok(text)) => {
                let text = text.strip_suffix('\n').unwrap_or(&text);
                self.editor.set_text(text, self.now);
                self.focus = Pane::Editor;
            }
            Action::ExternalEditorClosed(Err(message)) => self.status.error(message),
            Action::SystemLoaded { view, result } => self.system.loaded(view, result),
            Action::Connected(info) => self.connected(*info, &mut fx),
            Action::Failed(message) => self.status.error(message),
            Action::NamedQueryBound(text) => self.run_query(text, 0, &mut fx),
            Action::NamedQueryInfo(text) => self.status.info(text),
        }
        if ends_query {
            self.query_ended(&mut fx);
        }
        // Any action may have moved the cursor or replaced the text.
        self.scroll_editor();
        fx
    }

    /// Asks the tab of query `id` (`ask`: stop, more rows) and passes the request on as
    /// `effect` when the tab says so.
    fn ask_tab(
        &mut self,
        id: QueryId,
        ask: fn(&mut ResultTab) -> bool,
        effect: fn(QueryId) -> Effect,
        fx: &mut Vec<Effect>,
    ) {
        if self.results.tab_mut(id).is_some_and(ask) {
            fx.push(effect(id));
        }
    }

    /// A query of ours ended (a kill among them): the jobs changed, show it now; and when the
    /// user asked to quit and that was the last running query, nothing is left to ask about.
    fn query_ended(&mut self, fx: &mut Vec<Effect>) {
        fx.extend(self.system.reload(self.now));
        if self.overlay == Some(Overlay::ConfirmQuit) && !self.running() {
            self.overlay = None;
            self.quitting = true;
            fx.push(Effect::Quit);
        }
    }

    /// Pasted text goes to what takes typing: the history search, the browser's filter or the
    /// editor.
    fn paste(&mut self, text: &str) {
        match (&mut self.overlay, self.focus) {
            (Some(Overlay::HistorySearch { query, selected }), _) => {
                query.push_str(text);
                *selected = 0;
            }
            (Some(Overlay::Prompt { typed, .. } | Overlay::ConfirmDrop { typed, .. }), _) => {
                typed.extend(text.chars().filter(|c| !c.is_control()))
            }
            (Some(_), _) => {}
            (None, Pane::Browser) if self.browser.filtering() => {
                let h = self.browser_height();
                text.chars()
                    .filter(|c| !c.is_control())
                    .for_each(|c| self.browser.filter_push(c, h));
            }
            (None, _) => {
                self.focus = Pane::Editor;
                self.editor
                    .insert(&text.replace("\r\n", "\n").replace('\r', "\n"), self.now);
            }
        }
    }

    fn tick(&mut self, now: Instant, was_dirty: bool, fx: &mut Vec<Effect>) {
        self.now = now;
        if let Some((revision, text)) = self.editor.due_for_check(now, self.check_delay) {
            fx.push(Effect::CheckSyntax { revision, text });
        }
        fx.extend(self.system.tick(now));
        self.retry_feeds(fx);
        self.poll_cluster(fx);
        // Only spinners move on a tick: it adds a redraw just when one is shown, and never
        // cancels one that is pending.
        self.dirty = was_dirty || self.results.spinning();
    }

    /// The answer to a y / n question: a destructive query waiting, or quitting.
    fn confirm(&mut self, yes: bool, fx: &mut Vec<Effect>) {
        match self.overlay.take() {
            Some(Overlay::ConfirmWrite { text, offset, .. }) => {
                if yes {
                    self.start_query(text, offset, fx);
                } else {
                    self.status.info("not run");
                }
            }
            Some(Overlay::ConfirmQuit) => {
                if yes {
                    self.stop_all(fx);
                    self.quitting = true;
                    fx.push(Effect::Quit);
                }
            }
            other => self.overlay = other,
        }
    }

    fn query_started(&mut self, id: QueryId, feed: bool) {
        let db = &self.status.info.db;
        let catalog = self.browser.catalog();
        if let Some(tab) = self.results.tab_mut(id) {
            let key = (feed && tab.feed().is_none()).then(|| feed_key(&tab.query, db, catalog));
            if tab.opened(key) {
                self.status.info("the feed is open again");
            }
        }
    }

    fn query_finished(
        &mut self,
        id: QueryId,
        elapsed: Duration,
        profile: Option<crate::nesting::Doc>,
        fx: &mut Vec<Effect>,
    ) {
        if let Some(tab) = self.results.tab_mut(id) {
            tab.finish(elapsed, profile);
            self.status.last_timing = Some(elapsed);
            if changes_catalog(&tab.query) {
                self.browser.loading();
                fx.push(Effect::LoadCatalog);
            }
        }
    }

    /// The number of documents a destructive query would touch joins its question.
    fn counted(&mut self, text: &str, documents: Option<u64>) {
        if let Some(Overlay::ConfirmWrite {
            text: asked, what, ..
        }) = &mut self.overlay
            && asked == text
        {
            *what = crate::shell::session::with_documents(what, documents);
        }
    }

    fn query_failed(&mut self, id: QueryId, message: String, span: Option<(usize, usize)>) {
        let lost = !matches!(self.status.connection, ConnectionState::Connected { .. });
        let now = self.now;
        if let Some(tab) = self.results.tab_mut(id) {
            if !lost && tab.retry_later(now) {
                // A restarted server's tables take a moment to be ready.
                self.status.info(format!(
                    "the feed is not re-opened yet ({message}); trying again"
                ));
                return;
            }
            tab.fail(message.clone());
            if lost {
                // A feed's connection went away: it is re-opened once connected again.
                tab.interrupt();
            }
            let (offset, query) = (tab.offset, tab.query.as_str());
            // A span inside the query text as run maps onto the editor when the text there is
            // still the same.
            if let Some((a, b)) = span
                && b <= query.len()
                && offset
                    .checked_add(query.len())
                    .and_then(|end| self.editor.text().get(offset..end).map(str::to_owned))
                    .as_deref()
                    == Some(query)
            {
                self.editor.set_run_error(Some(SyntaxError {
                    span: (offset + a, offset + b),
                    message: message.clone(),
                }));
            }
        }
        self.status.error(message);
    }

    fn syntax_checked(&mut self, revision: u64, error: Option<SyntaxError>) {
        if revision != self.editor.revision() {
            return;
        }
        match &error {
            Some(e) => self.status.error(e.message.clone()),
            None => {
                if self.editor.error().is_some() {
                    self.status.message = None;
                }
            }
        }
        self.editor.set_error(error);
    }

    fn connection_dropped(&mut self, reason: String, fx: &mut Vec<Effect>) {
        if matches!(self.status.connection, ConnectionState::Reconnecting { .. }) {
            self.status.error(format!("connection lost: {reason}"));
            return;
        }
        self.connection_changed(ConnectionState::Lost { reason }, fx);
    }

    fn connection_changed(&mut self, state: ConnectionState, fx: &mut Vec<Effect>) {
        match (&self.status.connection, &state) {
            (_, ConnectionState::Lost { reason }) => {
                self.status.error(format!("connection lost: {reason}"));
            }
            (
                ConnectionState::Lost { .. } | ConnectionState::Reconnecting { .. },
                ConnectionState::Connected { server, .. },
            ) => {
                self.status.reconnected_to.clone_from(server);
                let server = server.clone().unwrap_or_else(|| {
                    format!("{}:{}", self.status.info.host, self.status.info.port)
                });
                self.status.info(format!("reconnected to {server}"));
                self.reopen_feeds(&server, fx);
            }
            _ => {}
        }
        self.status.connection = state;
    }

    /// Sends again the re-opened feeds the server refused, when their pause is over.
    fn retry_feeds(&mut self, fx: &mut Vec<Effect>) {
        let options = QueryOptions {
            profile: self.profile,
        };
        let now = self.now;
        for tab in self.results.tabs_mut().filter(|t| t.retry_due(now)) {
            let id = QueryId(self.next_id);
            self.next_id += 1;
            tab.retry(id, now);
            fx.push(Effect::StartQuery {
                id,
                text: tab.query.clone(),
                options,
            });
        }
    }

    /// Re-opens the feeds the lost connection cut, each in its own tab, as new queries.
    fn reopen_feeds(&mut self, server: &str, fx: &mut Vec<Effect>) {
        let options = QueryOptions {
            profile: self.profile,
        };
        for tab in self.results.tabs_mut().filter(|t| t.is_interrupted()) {
            let id = QueryId(self.next_id);
            self.next_id += 1;
            tab.reopen(id, server, self.now);
            fx.push(Effect::StartQuery {
                id,
                text: tab.query.clone(),
                options,
            });
        }
    }

    fn connected(&mut self, info: ConnectionInfo, fx: &mut Vec<Effect>) {
        let label = info
            .profile
            .clone()
            .unwrap_or_else(|| format!("{}:{}", info.host, info.port));
        self.status.info = info;
        self.status.info(format!("connected to {label}"));
        self.browser.loading();
        fx.push(Effect::LoadCatalog);
    }

    /// A key the keymap left to the focused input.
    fn input(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        if let Some(Overlay::ConfirmDrop { db, table, typed }) = &mut self.overlay {
            match key.code {
                KeyCode::Enter if typed == table => {
                    let text = format!("r.db({}).tableDrop({})", js_string(db), js_string(table));
                    self.overlay = None;
                    // Typing the name was the confirmation.
                    self.start_query(text, usize::MAX, fx);
                    self.focus = Pane::Results;
                }
                _ => {
                    admin::type_into(typed, key);
                }
            }
            return;
        }
        if let Some(Overlay::Prompt { .. }) = &self.overlay {
            return self.prompt_input(key, fx);
        }
        if let Some(Overlay::HistorySearch { query, selected }) = &mut self.overlay {
            match key.code {
                KeyCode::Enter => {
                    let hits = self.history.search(query);
                    let pick = hits
                        .get(*selected)
                        .and_then(|&i| self.history.get(i))
                        .map(str::to_owned);
                    self.overlay = None;
                    if let Some(text) = pick {
                        self.editor.set_text(&text, self.now);
                        self.focus = Pane::Editor;
                    }
                }
                _ => {
                    if admin::type_into(query, key) {
                        *selected = 0;
                    }
                }
            }
            return;
        }
        if self.overlay.is_some() || self.system.shown().is_some() {
            return;
        }
        match self.focus {
            Pane::Editor => {
                if self.editor.completion().is_some() && key.modifiers.is_empty() {
                    match key.code {
                        KeyCode::Up => return self.editor.completion_move(-1),
                        KeyCode::Down => return self.editor.completion_move(1),
                        KeyCode::Enter | KeyCode::Tab => {
                            return self.editor.accept_completion(self.now);
                        }
                        KeyCode::Esc => return self.editor.close_completion(),
                        _ => {}
                    }
                }
                self.editor.input(key, self.now);
                // A dot asks for the methods that may follow.
                if key.code == KeyCode::Char('.') && !key.modifiers.contains(KeyModifiers::CONTROL)
                {
                    fx.push(self.complete_effect());
                }
            }
            Pane::Browser if self.browser.filtering() => {
                let h = self.browser_height();
                match key.code {
                    KeyCode::Char(c)
                        if !key
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                    {
                        self.browser.filter_push(c, h)
                    }
                    KeyCode::Backspace => self.browser.filter_pop(h),
                    KeyCode::Enter => self.browser.set_filtering(false),
                    KeyCode::Up => self.browser.move_selection(-1, h),
                    KeyCode::Down => self.browser.move_selection(1, h),
                    _ => {}
                }
            }
            // Lists take no text.
            Pane::Browser | Pane::Results => {}
        }
    }

    fn complete_effect(&self) -> Effect {
        let (revision, text, cursor) = self.editor.completion_request();
        Effect::Complete {
            revision,
            text,
            cursor,
        }
    }

    fn scroll_editor(&mut self) {
        let area = self.areas().editor;
        let gutter = self.editor.lines().len().to_string().len().max(2) + 1;
        self.editor.scroll_into_view(
            usize::from(area.height.saturating_sub(2)),
            usize::from(area.width.saturating_sub(2)).saturating_sub(gutter + 1),
        );
    }

    fn run_query(&mut self, text: String, offset: usize, fx: &mut Vec<Effect>) {
        if text.trim().is_empty() {
            return;
        }
        if let Some(meta) = crate::shell::meta::parse(&text) {
            return self.apply_meta(meta, fx);
        }
        if matches!(self.overlay, Some(Overlay::ConfirmWrite { .. })) {
            // Run-all stops at the first query that needs an answer.
            return;
        }
        if let Some(confirmation) = crate::shell::session::needs_confirmation(&text) {
            if confirmation.count.is_some() {
                // The question is shown at once; the number joins it when counted.
                fx.push(Effect::CountDocuments { text: text.clone() });
            }
            let what = confirmation.what;
            self.overlay = Some(Overlay::ConfirmWrite {
                text,
                offset,
                what,
                preview: Vec::new(),
            });
            return;
        }
        self.start_query(text, offset, fx);
    }

    /// Reads the editor in `lang` from now on (highlighting and the status-bar mark).
    pub fn set_lang(&mut self, lang: Lang) {
        self.status.lang = lang;
        self.editor.set_lang(lang);
    }

    /// The statement at the cursor (or the selection) written in `to`.
    fn query_as(&self, to: Lang) -> Result<String, String> {
        let text = self
            .editor
            .selection()
            .or_else(|| self.editor.statement_to_run().map(|(t, _)| t))
            .ok_or("nothing to copy: write a query first")?;
        let compiled = match self.status.lang {
            Lang::Js => crate::reql::compile_query(&text),
            Lang::Python => crate::reql::python::compile_query(&text),
        };
        let query = compiled.map_err(|d| {
            let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
            format!("the query does not compile: {first}")
        })?;
        crate::reql::to_source(&query.term(), to)
    }

    /// A meta-command line run from the editor, as the REPL runs it.
    fn apply_meta(&mut self, meta: Result<Meta, String>, fx: &mut Vec<Effect>) {
        match meta {
            Err(message) => self.status.error(message),
            Ok(Meta::Use(db)) => self.use_database(db, fx),
            Ok(Meta::Format(format)) => {
                let view = match format {
                    Format::Table => ViewMode::Table,
                    Format::Pretty => ViewMode::Tree,
                    Format::Json | Format::Ndjson | Format::Raw => ViewMode::Raw,
                };
                self.results.set_default_view(view);
                self.status
                    .info(format!("results show as {} (F2 cycles)", view.label()));
            }
            Ok(Meta::Timing(on)) => {
                self.status.hide_timing = !on;
                self.status
                    .info(if on { "timing shown" } else { "timing hidden" });
            }
            Ok(Meta::Connect(name)) => {
                self.status.info(format!("connecting to {name}..."));
                fx.push(Effect::Connect(name));
            }
            Ok(Meta::Help) => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Ok(Meta::Edit) => fx.push(Effect::OpenExternalEditor(self.editor.text())),
            Ok(Meta::History) => {
                self.overlay = Some(Overlay::HistorySearch {
                    query: String::new(),
                    selected: 0,
                });
            }
            Ok(Meta::Quit) => fx.extend(self.update(Action::Quit)),
            Ok(Meta::Ping) => self
                .status
                .info("the status bar shows the connection; `rdbsh ping` prints the details"),
            Ok(Meta::Status) => {
                self.status.info("reading the cluster...");
                fx.push(Effect::ClusterStatus);
            }
            Ok(Meta::Lang(lang)) => {
                self.set_lang(lang);
                fx.push(Effect::SetLang(lang));
                self.status.info(format!("reading {}", lang.name()));
            }
            Ok(Meta::Show(_)) => self
                .status
                .info("in the editor, Alt-J and Alt-P copy the statement as JavaScript or Python"),
            Ok(Meta::Export(_)) => self
                .status
                .error(".export works in the REPL and in batch files; here, y copies a row"),
            Ok(command @ (Meta::Save(..) | Meta::Run(..) | Meta::Queries)) => {
                let last = self.history.last().unwrap_or_default().to_owned();
                fx.push(Effect::NamedQuery { command, last });
            }
        }
    }

    /// `.use DB` or the browser's key: the default database of later queries; warns when the
    /// loaded catalog has no such database.
    fn use_database(&mut self, db: String, fx: &mut Vec<Effect>) {
        if self.browser.lacks_db(&db) {
            self.status.error(format!(
                "database `{db}` does not exist; queries will fail until r.dbCreate('{db}') creates it"
            ));
        } else {
            self.status.info(format!("default database: {db}"));
        }
        self.status.info.db.clone_from(&db);
        fx.push(Effect::UseDatabase(db));
    }

    /// Runs a query (after any confirmation).
    fn start_query(&mut self, text: String, offset: usize, fx: &mut Vec<Effect>) {
        let id = QueryId(self.next_id);
        self.next_id += 1;
        if self.history.push(&text)
            && let Some(entry) = self.history.last()
        {
            fx.push(Effect::AppendHistory(entry.to_owned()));
        }
        self.results.open(id, text.clone(), offset, self.now);
        self.editor.set_error(None);
        self.editor.set_run_error(None);
        self.status.message = None;
        fx.push(Effect::StartQuery {
            id,
            text,
            options: QueryOptions {
                profile: self.profile,
            },
        });
    }

    fn stop_all(&mut self, fx: &mut Vec<Effect>) {
        for tab in self.results.tabs_mut() {
            if tab.request_stop() {
                fx.push(Effect::Stop(tab.id));
            }
        }
    }

    /// After rows arrive or the size changes: keep followed views and fetch when near the end.
    fn follow_views(&mut self, fx: &mut Vec<Effect>) {
        if !self.profile_shown()
            && let Some(tab) = self.results.current_mut()
        {
            // No room for the profile panel any more: the keys go back to the rows.
            tab.set_profile_focus(false);
        }
        let height = self.rows_height();
        for tab in self.results.tabs_mut() {
            if tab.wants_more(height) {
                tab.mark_waiting();
                fx.push(Effect::FetchMore(tab.id));
            }
        }
        if let Some(tab) = self.results.current_mut() {
            tab.scroll_into_view(height);
        }
        self.scroll_editor();
    }

    fn command(&mut self, c: Command, fx: &mut Vec<Effect>) {
        if self.overlay.is_some() && self.overlay_command(c, fx) {
            return;
        }
        if self.system.shown().is_some() && self.system_command(c, fx) {
            return;
        }
        match c {
            Command::Run
            | Command::RunAll
            | Command::Cancel
            | Command::Quit
            | Command::FocusNext
            | Command::FocusPrev
            | Command::Help
            | Command::Suspend
            | Command::ExternalEditor
            | Command::HistoryPrev
            | Command::HistoryNext
            | Command::HistorySearch
            | Command::Complete
            | Command::Copy
            | Command::ToggleLang
            | Command::CopyAsJs
            | Command::CopyAsPython
            | Command::ToggleProfile
            | Command::SystemViews
            | Command::KillJob => self.general_command(c, fx),
            Command::Close
            | Command::Open
            | Command::Filter
            | Command::Count
            | Command::InsertSkeleton
            | Command::DropTable
            | Command::UseDatabase
            | Command::RefreshBrowser => self.browser_command(c, fx),
            Command::Reconfigure | Command::Rebalance | Command::WaitTable => {
                self.admin_command(c, fx)
            }
            Command::Export => self.export_asked(),
            Command::ToggleView
            | Command::ToggleLive
            | Command::Expand
            | Command::ViewValue
            | Command::ToggleWrap
            | Command::NextTab
            | Command::PrevTab
            | Command::CloseTab
            | Command::PauseFeed
            | Command::FeedOrder => self.results_command(c, fx),
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom
            | Command::Left
            | Command::Right => self.navigate(c, fx),
        }
    }

    /// A command while a popup is open; false when it goes on to the usual handling (quit).
    fn overlay_command(&mut self, c: Command, fx: &mut Vec<Effect>) -> bool {
        // The popup is the screen less a line above and below, less its frame.
        let help_max = match self.overlay {
            Some(Overlay::Help { .. }) => {
                super::screen::help_lines(self, super::screen::help_width(self.size.0))
                    .len()
                    .saturating_sub(usize::from(self.size.1).saturating_sub(4))
            }
            _ => 0,
        };
        // Popups first: they own navigation and closing.
        match (&mut self.overlay, c) {
            (Some(_), Command::Close | Command::Help) => self.overlay = None,
            (
                Some(Overlay::Help { scroll }),
                Command::Up | Command::Down | Command::PageUp | Command::PageDown,
            ) => {
                let delta: isize = match c {
                    Command::Up => -1,
                    Command::Down => 1,
                    Command::PageUp => -10,
                    _ => 10,
                };
                *scroll = scroll.saturating_add_signed(delta).min(help_max);
            }
            (Some(Overlay::Value { .. }), _) if c != Command::Quit => self.scroll_value(c, fx),
            (Some(Overlay::HistorySearch { query, selected }), Command::Up | Command::Down) => {
                let hits = self.history.search(query).len();
                *selected = if c == Command::Up {
                    selected.saturating_sub(1)
                } else {
                    (*selected + 1).min(hits.saturating_sub(1))
                };
            }
            (Some(_), Command::Quit) | (None, _) => return false,
            (Some(_), _) => {}
        }
        true
    }

    /// F5 (`all`: every statement): the statement at the cursor is run; a completion popup
    /// open on it closes, so Enter afterwards starts a new line.
    fn run_editor(&mut self, all: bool, fx: &mut Vec<Effect>) {
        self.editor.close_completion();
        if all {
            for (text, offset) in self.editor.all_statements() {
                self.run_query(text, offset, fx);
            }
        } else if let Some((text, offset)) = self.editor.statement_to_run() {
            self.run_query(text, offset, fx);
        } else {
            self.status.info("nothing to run: type a query first");
        }
    }

    /// Commands that work from any pane: running, quitting, focus, history, copying.
    fn general_command(&mut self, c: Command, fx: &mut Vec<Effect>) {
        match c {
            Command::SystemViews => fx.extend(self.system.cycle(true, self.now)),
            // Only meaningful in the jobs view.
            Command::KillJob => {}
            Command::Run | Command::RunAll => self.run_editor(c == Command::RunAll, fx),
            Command::Cancel => self.cancel_shown(fx),
            Command::Quit => {
                self.overlay = None;
                fx.extend(self.update(Action::Quit));
            }
            Command::FocusNext => self.cycle_focus(true),
            Command::FocusPrev => self.cycle_focus(false),
            Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Command::Suspend => fx.push(Effect::Suspend),
            Command::ExternalEditor => fx.push(Effect::OpenExternalEditor(self.editor.text())),
            Command::HistoryPrev | Command::HistoryNext => {
                self.editor
                    .walk_history(self.history.iter(), c == Command::HistoryPrev, self.now);
                self.focus = Pane::Editor;
                self.scroll_editor();
            }
            Command::HistorySearch => {
                self.overlay = Some(Overlay::HistorySearch {
                    query: String::new(),
                    selected: 0,
                });
            }
            Command::Complete => {
                self.focus = Pane::Editor;
                fx.push(self.complete_effect());
            }
            Command::Copy => {
                let text = match self.focus {
                    Pane::Editor => self
                        .editor
                        .selection()
                        .or_else(|| self.editor.statement_to_run().map(|(t, _)| t)),
                    _ => self.results.current().and_then(|t| {
                        t.row(t.selected())
                            .and_then(crate::tui::panes::results::copy_text)
                    }),
                };
                match text {
                    Some(text) => {
                        self.status.info(format!("copied {} bytes", text.len()));
                        fx.push(Effect::CopyToClipboard(text));
                    }
                    None => self.status.info("nothing to copy"),
                }
            }
            Command::ToggleLang => {
                let lang = match self.status.lang {
                    Lang::Js => Lang::Python,
                    Lang::Python => Lang::Js,
                };
                self.set_lang(lang);
                fx.push(Effect::SetLang(lang));
                self.status.info(match lang {
                    Lang::Js => "reading JavaScript",
                    Lang::Python => "reading Python",
                });
            }
            Command::CopyAsJs | Command::CopyAsPython => {
                let to = if c == Command::CopyAsJs {
                    Lang::Js
                } else {
                    Lang::Python
                };
                match self.query_as(to) {
                    Ok(text) => {
                        self.status.info(format!("copied as {}", to.name()));
                        fx.push(Effect::CopyToClipboard(text));
                    }
                    Err(why) => self.status.error(why),
                }
            }
            Command::ToggleProfile => {
                self.profile = !self.profile;
                self.status.info(if self.profile {
                    "queries now run with profile: true"
                } else {
                    "profiling off"
                });
            }
            _ => {}
        }
    }

    /// The browser's commands (and Esc, which also clears the editor's selection).
    fn browser_command(&mut self, c: Command, fx: &mut Vec<Effect>) {
        let bh = self.browser_height();
        match c {
            Command::Close => {
                if self.focus == Pane::Browser && self.browser.filter_shown() {
                    self.browser.clear_filter(bh);
                } else {
                    self.editor.cancel_selection();
                    self.status.message = None;
                }
            }
            Command::Open => self.browser_open(fx),
            Command::Filter => {
                self.browser.set_filtering(true);
            }
            Command::Count => {
                if let Some((db, table)) = self.browser.selected_table() {
                    self.browser.set_count(&db, &table, Count::Loading);
                    fx.push(Effect::CountTable { db, table });
                }
            }
            Command::InsertSkeleton => {
                if let Some((db, table)) = self.browser.selected_table() {
                    let key = self.browser.primary_key(&db, &table);
                    let text = insert_skeleton(&db, &table, &key);
                    self.editor.append_statement(&text, self.now);
                    self.focus = Pane::Editor;
                    self.scroll_editor();
                }
            }
            Command::DropTable => {
                if let Some((db, table)) = self.browser.selected_table() {
                    self.overlay = Some(Overlay::ConfirmDrop {
                        db,
                        table,
                        typed: String::new(),
                    });
                }
            }
            Command::UseDatabase => match self.browser.selected_db() {
                Some(db) => self.use_database(db, fx),
                None => self.status.info("select a database or a table first"),
            },
            Command::RefreshBrowser => {
                self.browser.loading();
                fx.push(Effect::LoadCatalog);
            }
            _ => {}
        }
    }

    /// The results' commands: views, tabs, feeds.
    fn results_command(&mut self, c: Command, fx: &mut Vec<Effect>) {
        let rh = self.results_height();
        match c {
            Command::ToggleView => {
                if let Some(tab) = self.results.current_mut() {
                    tab.cycle_view(rh);
                }
            }
            Command::ToggleLive => self.toggle_live(fx),
            Command::Expand => match self.results.current_mut() {
                // Nothing to expand (table and raw views, a single value): the viewer opens.
                Some(tab)
                    if tab.profile_focused()
                        || (tab.view() == ViewMode::Tree && tab.selected_opens()) =>
                {
                    tab.toggle_expanded(rh)
                }
                Some(_) => self.open_value_viewer(),
                None => {}
            },
            Command::ViewValue => self.open_value_viewer(),
            Command::ToggleWrap => match self.results.current_mut() {
                Some(tab) => {
                    let on = tab.toggle_wrap();
                    self.status.info(if on {
                        "raw view: long rows wrap"
                    } else {
                        "raw view: long rows scroll sideways (Left / Right)"
                    });
                }
                None => self.status.info("run a query first"),
            },
            Command::NextTab | Command::PrevTab => self.results.cycle(c == Command::NextTab),
            Command::CloseTab => {
                if let Some(id) = self.results.close_current() {
                    fx.push(Effect::Stop(id));
                }
            }
            Command::PauseFeed => {
                if let Some(tab) = self.results.current_mut() {
                    tab.toggle_pause();
                }
            }
            Command::FeedOrder => {
                if let Some(tab) = self.results.current_mut() {
                    tab.toggle_order();
                }
            }
            _ => {}
        }
    }

    /// Moving in the focused list: the browser or the results (rows or profile).
    fn navigate(&mut self, c: Command, fx: &mut Vec<Effect>) {
        let rh = self.results_height();
        let bh = self.browser_height();
        match c {
            Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                let step = match c {
                    Command::Up => -1,
                    Command::Down => 1,
                    Command::PageUp => -(rh.max(1) as isize),
                    _ => rh.max(1) as isize,
                };
                match self.focus {
                    Pane::Browser => {
                        let step = step.signum()
                            * if step.abs() > 1 {
                                bh.max(1) as isize
                            } else {
                                1
                            };
                        self.browser.move_selection(step, bh)
                    }
                    Pane::Results => {
                        if let Some(tab) = self.results.current_mut() {
                            tab.move_selection(step, rh);
                        }
                        self.follow_views(fx);
                    }
                    Pane::Editor => {}
                }
            }
            Command::Top | Command::Bottom => match self.focus {
                Pane::Browser => self.browser.jump(c == Command::Bottom, bh),
                Pane::Results => {
                    if let Some(tab) = self.results.current_mut() {
                        tab.jump(c == Command::Bottom, rh);
                    }
                    self.follow_views(fx);
                }
                Pane::Editor => {}
            },
            Command::Left | Command::Right => match self.focus {
                Pane::Browser => {
                    self.browser.expand(c == Command::Right, bh);
                    self.poll_cluster(fx);
                }
                Pane::Results => {
                    if let Some(tab) = self.results.current_mut() {
                        tab.scroll_columns(if c == Command::Right { 1 } else { -1 });
                    }
                }
                Pane::Editor => {}
            },
            _ => {}
        }
    }

    /// The selected cell (table view) or row whole, pretty-printed, in the value viewer.
    fn open_value_viewer(&mut self) {
        let height = self.rows_height();
        match self
            .results
            .current()
            .and_then(|t| t.selected_pretty(height))
        {
            Some((what, text)) => {
                self.overlay = Some(Overlay::Value {
                    what,
                    lines: text.lines().map(str::to_owned).collect(),
                    scroll: 0,
                    hscroll: 0,
                });
            }
            None => self.status.info("no value selected: run a query first"),
        }
    }

    /// A key in the value viewer: scroll, copy the value, or anything else closes it.
    fn scroll_value(&mut self, c: Command, fx: &mut Vec<Effect>) {
        let page = usize::from(self.size.1.saturating_sub(4)).max(1);
        let Some(Overlay::Value {
            lines,
            scroll,
            hscroll,
            ..
        }) = &mut self.overlay
        else {
            return;
        };
        let bottom = lines.len().saturating_sub(page);
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        match c {
            Command::Up => *scroll = scroll.saturating_sub(1),
            Command::Down => *scroll = (*scroll + 1).min(bottom),
            Command::PageUp => *scroll = scroll.saturating_sub(page),
            Command::PageDown => *scroll = (*scroll + page).min(bottom),
            Command::Top => *scroll = 0,
            Command::Bottom => *scroll = bottom,
            Command::Left => *hscroll = hscroll.saturating_sub(8),
            Command::Right => *hscroll = (*hscroll + 8).min(widest.saturating_sub(8)),
            Command::Copy => fx.push(Effect::CopyToClipboard(lines.join("\n"))),
            _ => self.overlay = None,
        }
    }

    /// Ctrl-C: stops the query of the tab in front, never one out of sight; says so when
    /// there is nothing to stop there.
    fn cancel_shown(&mut self, fx: &mut Vec<Effect>) {
        match self.results.current() {
            Some(tab) if tab.is_running() => {
                let id = tab.id;
                fx.extend(self.update(Action::CancelQuery(id)));
            }
            shown => {
                let elsewhere = self
                    .results
                    .tabs()
                    .iter()
                    .filter(|t| t.is_running() && Some(t.id) != shown.map(|s| s.id))
                    .count();
                self.status.info(match elsewhere {
                    0 => "no query is running".to_owned(),
                    n => format!(
                        "no query is running in this tab ({n} running in others: \
                         [ and ] switch tabs)"
                    ),
                });
            }
        }
    }

    fn browser_open(&mut self, fx: &mut Vec<Effect>) {
        let h = self.browser_height();
        let Some(node) = self.browser.selected_node() else {
            return;
        };
        match node.id {
            NodeId::Table { db, table }
                if db == crate::shell::catalog::SYSTEM_DB
                    && SystemView::of_table(&table).is_some() =>
            {
                if let Some(view) = SystemView::of_table(&table) {
                    fx.extend(self.system.show(view, self.now));
                }
            }
            NodeId::Table { db, table } => {
                // As the Data Explorer does: the query goes into the editor too.
                let text = table_query(&db, &table);
                let offset = self.editor.append_statement(&text, self.now);
                self.run_query(text, offset, fx);
                self.focus = Pane::Results;
            }
            _ => {
                self.browser.toggle(h);
                self.poll_cluster(fx);
            }
        }
    }

    /// A command while a system view is shown; false when it is left to the usual handling
    /// (quit, help, stop, suspend).
    fn system_command(&mut self, c: Command, fx: &mut Vec<Effect>) -> bool {
        let now = self.now;
        match c {
            Command::Quit | Command::Help | Command::Cancel | Command::Suspend => return false,
            Command::Close => self.system.hide(),
            Command::SystemViews | Command::NextTab => fx.extend(self.system.cycle(true, now)),
            Command::PrevTab => fx.extend(self.system.cycle(false, now)),
            Command::Up => self.system.move_selection(-1),
            Command::Down => self.system.move_selection(1),
            Command::PageUp => self.system.move_selection(-10),
            Command::PageDown => self.system.move_selection(10),
            Command::Top | Command::Bottom => self.system.jump(c == Command::Bottom),
            Command::KillJob => self.kill_selected_job(),
            // Everything else belongs to the panes underneath.
            _ => {}
        }
        true
    }

    /// Asks to kill the selected job (the destructive-query confirmation), or says why not:
    /// a read-only profile refuses the delete on `rethinkdb.jobs` by the same rule as any
    /// other write.
    fn kill_selected_job(&mut self) {
        let Some(job) = self.system.selected_job().cloned() else {
            self.status
                .info("no job selected: open the jobs view and pick one");
            return;
        };
        if !job.killable() {
            self.status
                .error(format!("jobs of type `{}` cannot be interrupted", job.kind));
            return;
        }
        let text = job.kill_query();
        if self.refused(&text) {
            return;
        }
        let client = if job.client.is_empty() {
            String::new()
        } else {
            format!(" from {}", job.client)
        };
        self.overlay = Some(Overlay::ConfirmWrite {
            text,
            offset: usize::MAX,
            what: format!("kills the running query{client}: {}", job.what),
            preview: Vec::new(),
        });
    }

    /// `.changes()` on or off for the shown tab's query, run as a new query. The query is
    /// compiled first: a top-level `changes` term is removed by cutting the text back to its
    /// receiver's span, anything else gets `.changes()` appended.
    fn toggle_live(&mut self, fx: &mut Vec<Effect>) {
        let Some(tab) = self.results.current() else {
            self.status.info("run a query first, then toggle it live");
            return;
        };
        let id = tab.id;
        let live = match live_toggled(&tab.query) {
            Ok(text) => text,
            Err(message) => {
                self.status.error(message);
                return;
            }
        };
        if tab.is_running() {
            fx.extend(self.update(Action::CancelQuery(id)));
        }
        self.run_query(live, usize::MAX, fx);
    }
}

/// `r.db('d').table('t')` with the names quoted for JavaScript.
pub fn table_query(db: &str, table: &str) -> String {
    format!("r.db({}).table({})", js_string(db), js_string(table))
}

/// `r.db('d').table('t').insert({id: ''})`: an insert to fill in, naming the primary key.
pub fn insert_skeleton(db: &str, table: &str, primary_key: &str) -> String {
    let plain = primary_key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && primary_key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    let key = if plain {
        primary_key.to_owned()
    } else {
        js_string(primary_key)
    };
    format!("{}.insert({{{key}: ''}})", table_query(db, table))
}

/// True when a query creates, drops or renames databases, tables or indexes (or writes to the
/// system tables that hold them), so the browser reloads after it; from the compiled term.
pub fn changes_catalog(query: &str) -> bool {
    let Ok(compiled) = crate::reql::compile_query(query) else {
        return false;
    };
    let term = compiled.term();
    // The shell's DDL test, plus what changes the browser's shard, replica and readiness facts.
    crate::shell::catalog::changes_catalog(&term)
        || crate::reql::writes(&term).is_some_and(|w| {
            matches!(w.name, "reconfigure" | "rebalance")
                || matches!(
                    w.system_table.as_deref(),
                    Some("table_config" | "db_config")
                )
        })
}

/// The primary key of the table a feed query watches, from the catalog; `id` when unknown.
pub fn feed_key(query: &str, default_db: &str, catalog: &[DbEntry]) -> String {
    let table = crate::reql::compile_query(query)
        .ok()
        .and_then(|c| crate::reql::table_of(&c.term()));
    table
        .and_then(|(db, name)| {
            let db = db.as_deref().unwrap_or(default_db);
            catalog
                .iter()
                .find(|d| d.name == db)?
                .tables
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.primary_key.clone())
        })
        .unwrap_or_else(|| "id".to_owned())
}

/// The query with `.changes()` added, or removed when it is the outermost term.
pub fn live_toggled(query: &str) -> Result<String, String> {
    let text = query.trim_end().trim_end_matches(';').trim_end();
    crate::reql::changes_toggled(text).map_err(|ds| {
        let why = ds
            .first()
            .map_or("it does not compile", |d| d.message.as_str());
        format!("cannot toggle live mode: {why}; fix the query and run it first")
    })
}

/// `r.db('d').table('t').count()`: what the runtime runs for [`Effect::CountTable`].
pub fn count_query(db: &str, table: &str) -> String {
    format!("{}.count()", table_query(db, table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_quoted_for_javascript() {
        assert_eq!(table_query("test", "users"), "r.db('test').table('users')");
        assert_eq!(table_query("a'b", "c\\d"), r"r.db('a\'b').table('c\\d')");
        assert_eq!(count_query("t", "u"), "r.db('t').table('u').count()");
    }

    #[test]
    fn the_insert_skeleton_names_the_primary_key() {
        assert_eq!(
            insert_skeleton("demo", "orders", "id"),
            "r.db('demo').table('orders').insert({id: ''})"
        );
        assert_eq!(
            insert_skeleton("d", "t", "e-mail"),
            "r.db('d').table('t').insert({'e-mail': ''})"
        );
    }

    #[test]
    fn a_feed_compares_documents_by_the_primary_key_of_its_table() {
        let table = |name: &str, pk: &str| crate::shell::catalog::TableEntry {
            name: name.into(),
            primary_key: pk.into(),
            ..Default::default()
        };
        let catalog = [DbEntry {
            name: "d".into(),
            tables: vec![table("people", "email")],
        }];
        let feed = "r.table('people').orderBy({index: 'email'}).limit(2).changes()";
        assert_eq!(feed_key(feed, "d", &catalog), "email");
        assert_eq!(feed_key(feed, "other", &catalog), "id");
        assert_eq!(
            feed_key("r.db('d').table('people').changes()", "x", &catalog),
            "email"
        );
    }

    #[test]
    fn ddl_is_recognised() {
        assert!(changes_catalog("r.db('test').tableCreate('x')"));
        assert!(changes_catalog("r.table('x').indexCreate('a')"));
        assert!(!changes_catalog("r.table('tableCreate').count()"));
        assert!(changes_catalog(
            "r.db('rethinkdb').table('table_config').delete()"
        ));
        assert!(!changes_catalog("r.table('x').insert({a: 1})"));
    }

    #[test]
    fn live_mode_toggles_on_the_compiled_term() {
        assert_eq!(
            live_toggled("r.table('t').filter({a: 1});"),
            Ok("r.table('t').filter({a: 1}).changes()".to_owned())
        );
        assert_eq!(
            live_toggled("r.table('t').changes({squash: true})"),
            Ok("r.table('t')".to_owned())
        );
        // A `changes` inside a string or an inner term is not the outermost term.
        assert_eq!(
            live_toggled("r.expr('.changes()')"),
            Ok("r.expr('.changes()').changes()".to_owned())
        );
        assert!(live_toggled("r.table(").is_err());
    }
}
