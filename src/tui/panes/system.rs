//! System views: `rethinkdb.jobs`, `current_issues` and `server_status`, each re-read on an
//! interval while it is shown (and only then).
//!
//! The pane is pure state driven by the app's clock: [`SystemPane::show`] asks for a load at
//! once, [`SystemPane::tick`] asks again when the interval has passed since the last request
//! and no answer is outstanding, [`SystemPane::hide`] stops it. Loads run in the backend as
//! [`Effect::LoadSystem`] and come back as `SystemLoaded`.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use serde_json::Value;

use crate::render::secs_text;
use crate::tui::action::Effect;
use crate::tui::theme::Palette;

/// How often a shown view is re-read unless `[ui] system_refresh_ms` says otherwise.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(2);

/// One of the system views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemView {
    Jobs,
    CurrentIssues,
    ServerStatus,
}

impl SystemView {
    /// Every view, in the order the view key cycles through them.
    pub const ALL: [SystemView; 3] = [
        SystemView::Jobs,
        SystemView::CurrentIssues,
        SystemView::ServerStatus,
    ];

    /// The system table it shows.
    pub fn table(self) -> &'static str {
        match self {
            SystemView::Jobs => "jobs",
            SystemView::CurrentIssues => "current_issues",
            SystemView::ServerStatus => "server_status",
        }
    }

    /// The view of a `rethinkdb` table, if it has one.
    pub fn of_table(table: &str) -> Option<SystemView> {
        SystemView::ALL.into_iter().find(|v| v.table() == table)
    }

    /// The ReQL the backend runs to load it. `server_status` adds each server's uptime in
    /// seconds, computed on the server's clock.
    pub fn query(self) -> String {
        match self {
            SystemView::ServerStatus => "r.db('rethinkdb').table('server_status').merge(function(s) { return {uptime_sec: r.now().sub(s('process')('time_started'))}; })".to_owned(),
            v => format!("r.db('rethinkdb').table('{}')", v.table()),
        }
    }

    fn next(self, forward: bool) -> SystemView {
        let i = SystemView::ALL.iter().position(|v| *v == self).unwrap_or(0);
        let n = SystemView::ALL.len();
        SystemView::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// A row of `rethinkdb.jobs` as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The primary key, `["query", "<uuid>"]`.
    pub id: Value,
    /// `query`, `index_construction`, `backfill`, `disk_compaction`.
    pub kind: String,
    /// Seconds; `None` when the server gives none (disk compaction).
    pub duration_sec: Option<f64>,
    /// `address:port` of the client for query jobs, else empty.
    pub client: String,
    /// The query's text for query jobs, else what the job works on (`db.table`, index).
    pub what: String,
}

impl Job {
    /// Reads a `rethinkdb.jobs` row.
    pub fn from_row(row: &Value) -> Job {
        let info = &row["info"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let client = match (
            info["client_address"].as_str(),
            info["client_port"].as_u64(),
        ) {
            (Some(a), Some(p)) => format!("{a}:{p}"),
            (Some(a), None) => a.to_owned(),
            _ => String::new(),
        };
        let what = match info["query"].as_str() {
            Some(q) => q.split_whitespace().collect::<Vec<_>>().join(" "),
            None => {
                let mut parts = Vec::new();
                if let (Some(d), Some(t)) = (info["db"].as_str(), info["table"].as_str()) {
                    parts.push(format!("{d}.{t}"));
                }
                if let Some(i) = info["index"].as_str() {
                    parts.push(format!("index {i}"));
                }
                if let Some(p) = info["progress"].as_f64() {
                    parts.push(format!("{:.0} %", p * 100.0));
                }
                parts.join(" ")
            }
        };
        Job {
            id: row["id"].clone(),
            kind: text(&row["type"]),
            duration_sec: row["duration_sec"].as_f64(),
            client,
            what,
        }
    }

    /// True for jobs the server lets one interrupt (queries).
    pub fn killable(&self) -> bool {
        self.kind == "query"
    }

    /// The query that kills it: `r.db('rethinkdb').table('jobs').get([...]).delete()`.
    pub fn kill_query(&self) -> String {
        format!(
            "r.db('rethinkdb').table('jobs').get({}).delete()",
            serde_json::to_string(&self.id).unwrap_or_else(|_| "null".into())
        )
    }
}

/// What the last load brought.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loaded {
    /// Nothing yet.
    #[default]
    Nothing,
    /// The table's rows.
    Rows(Vec<Value>),
    /// The load failed; the message says why.
    Failed(String),
}

/// The state of the system views.
#[derive(Debug, Clone)]
pub struct SystemPane {
    view: Option<SystemView>,
    /// Time between loads while a view is shown.
    pub interval: Duration,
    last_request: Option<Instant>,
    loading: bool,
    /// The last answer for the shown view.
    pub loaded: Loaded,
    /// Jobs sorted longest-running first (for the jobs view).
    jobs: Vec<Job>,
    selected: usize,
}

impl Default for SystemPane {
    fn default() -> Self {
        SystemPane::new(DEFAULT_REFRESH)
    }
}

impl SystemPane {
    /// Hidden, refreshing every `interval` once shown.
    pub fn new(interval: Duration) -> Self {
        SystemPane {
            view: None,
            interval,
            last_request: None,
            loading: false,
            loaded: Loaded::Nothing,
            jobs: Vec::new(),
            selected: 0,
        }
    }

    /// How often a shown view is re-read (the cluster node in the browser too).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The view on screen, if any.
    pub fn shown(&self) -> Option<SystemView> {
        self.view
    }

    /// True while a load is outstanding.
    pub fn loading(&self) -> bool {
        self.loading
    }

    /// Shows `view` and loads it now.
    pub fn show(&mut self, view: SystemView, now: Instant) -> Vec<Effect> {
        if self.view != Some(view) {
            self.loaded = Loaded::Nothing;
            self.jobs.clear();
            self.selected = 0;
        }
        self.view = Some(view);
        self.request(view, now)
    }

    /// The next (or previous) view, or the jobs view when none is shown.
    pub fn cycle(&mut self, forward: bool, now: Instant) -> Vec<Effect> {
        let view = self.view.map_or(SystemView::Jobs, |v| v.next(forward));
        self.show(view, now)
    }

    /// Hides the view: no more loads until one is shown again.
    pub fn hide(&mut self) {
        self.view = None;
    }

    fn request(&mut self, view: SystemView, now: Instant) -> Vec<Effect> {
        self.loading = true;
        self.last_request = Some(now);
        vec![Effect::LoadSystem(view)]
    }

    /// A load when the shown view is due (the interval passed since the last request and the
    /// last answer is in).
    pub fn tick(&mut self, now: Instant) -> Vec<Effect> {
        let Some(view) = self.view else {
            return Vec::new();
        };
        let due = self
            .last_request
            .is_none_or(|t| now.saturating_duration_since(t) >= self.interval);
        if due && !self.loading {
            self.request(view, now)
        } else {
            Vec::new()
        }
    }

    /// Loads now, unless one is outstanding (after a query of ours ended, say).
    pub fn reload(&mut self, now: Instant) -> Vec<Effect> {
        match self.view {
            Some(view) if !self.loading => self.request(view, now),
            _ => Vec::new(),
        }
    }

    /// The answer to a load; answers for a view no longer shown are dropped.
    pub fn loaded(&mut self, view: SystemView, result: Result<Vec<Value>, String>) {
        if self.view != Some(view) {
            return;
        }
        self.loading = false;
        match result {
            Ok(rows) => {
                if view == SystemView::Jobs {
                    let keep = self.selected_job().map(|j| j.id.clone());
                    let mut jobs: Vec<Job> = rows.iter().map(Job::from_row).collect();
                    jobs.sort_by(|a, b| {
                        b.duration_sec
                            .unwrap_or(0.0)
                            .total_cmp(&a.duration_sec.unwrap_or(0.0))
                    });
                    // The selection follows its job while it still runs.
                    self.selected = keep
                        .and_then(|id| jobs.iter().position(|j| j.id == id))
                        .unwrap_or(self.selected)
                        .min(jobs.len().saturating_sub(1));
                    self.jobs = jobs;
                }
                self.loaded = Loaded::Rows(rows);
            }
            Err(message) => self.loaded = Loaded::Failed(message),
        }
    }

    /// The jobs, longest-running first.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// The job under the cursor in the jobs view.
    pub fn selected_job(&self) -> Option<&Job> {
        (self.view == Some(SystemView::Jobs))
            .then(|| self.jobs.get(self.selected))
            .flatten()
    }

    /// Moves the cursor by `step` jobs (clamped).
    pub fn move_selection(&mut self, step: isize) {
        let last = self.jobs.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(step).min(last);
    }

    /// First or last job.
    pub fn jump(&mut self, end: bool) {
        self.selected = if end {
            self.jobs.len().saturating_sub(1)
        } else {
            0
        };
    }

    /// Draws the shown view into `area` (nothing when hidden); `hints` is the key line.
    pub fn draw(&self, frame: &mut Frame, area: Rect, hints: &str, p: &Palette) {
        let Some(view) = self.view else {
            return;
        };
        frame.render_widget(Clear, area);
        let secs = self.interval.as_secs_f64();
        let every = if secs.fract() == 0.0 {
            format!("{secs:.0} s")
        } else {
            format!("{secs:.1} s")
        };
        let title = format!(" rethinkdb.{} · every {every} ", view.table());
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .title(title)
            .border_style(Style::default().fg(p.accent));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let mut lines = vec![self.tabs_line(view, p)];
        let body_height = usize::from(inner.height).saturating_sub(2);
        match &self.loaded {
            Loaded::Nothing => lines.push(Line::styled("loading…", Style::default().fg(p.dim))),
            Loaded::Failed(message) => {
                lines.push(Line::styled(message.clone(), Style::default().fg(p.error)))
            }
            Loaded::Rows(rows) => match view {
                SystemView::Jobs => lines.extend(self.job_lines(inner.width, body_height, p)),
                SystemView::CurrentIssues => lines.extend(issue_lines(rows, p)),
                SystemView::ServerStatus => lines.extend(server_lines(rows, p)),
            },
        }
        lines.truncate(usize::from(inner.height).saturating_sub(1));
        while lines.len() + 1 < usize::from(inner.height) {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(hints.to_owned(), Style::default().fg(p.dim)));
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn tabs_line(&self, shown: SystemView, p: &Palette) -> Line<'static> {
        let mut spans = Vec::new();
        for v in SystemView::ALL {
            let style = if v == shown {
                Style::default()
                    .fg(p.accent)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED)
            } else {
                Style::default().fg(p.dim)
            };
            spans.push(Span::styled(format!(" {} ", v.table()), style));
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    }

    fn job_lines(&self, width: u16, height: usize, p: &Palette) -> Vec<Line<'static>> {
        if self.jobs.is_empty() {
            return vec![Line::styled("no jobs", Style::default().fg(p.dim))];
        }
        // Columns as wide as their widest value, so the query text gets the rest.
        let widest = |cell: fn(&Job) -> usize, header: usize| {
            self.jobs.iter().map(cell).max().unwrap_or(0).max(header)
        };
        let kind_w = widest(|j| j.kind.len(), 4);
        let client_w = widest(|j| j.client.len(), 6);
        let header = format!(
            "{:<kind_w$}  {:>9}  {:<client_w$}  query",
            "type", "duration", "client"
        );
        let mut lines = vec![Line::styled(
            header,
            Style::default().fg(p.dim).add_modifier(Modifier::BOLD),
        )];
        let room = height.saturating_sub(1).max(1);
        let first = self.selected.saturating_sub(room - 1);
        for (i, job) in self.jobs.iter().enumerate().skip(first).take(room) {
            let duration = job.duration_sec.map_or_else(|| "-".to_owned(), secs_text);
            let text = format!(
                "{:<kind_w$}  {:>9}  {:<client_w$}  {}",
                job.kind, duration, job.client, job.what
            );
            let text: String = text.chars().take(usize::from(width)).collect();
            let style = if i == self.selected {
                Style::default()
                    .bg(p.selection)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            lines.push(Line::styled(text, style));
        }
        lines
    }
}

fn issue_lines(rows: &[Value], p: &Palette) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return vec![Line::styled("no issues", Style::default().fg(p.ok))];
    }
    let mut lines = Vec::new();
    for issue in rows {
        let critical = issue["critical"].as_bool().unwrap_or(false);
        let kind = issue["type"].as_str().unwrap_or("issue").to_owned();
        let (label, colour) = if critical {
            ("critical", p.error)
        } else {
            ("warning", p.warn)
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{label:<9}"),
                Style::default().fg(colour).add_modifier(Modifier::BOLD),
            ),
            Span::styled(kind, Style::default().add_modifier(Modifier::BOLD)),
        ]));
        let description = issue["description"].as_str().unwrap_or_default();
        for text in description.lines().filter(|l| !l.trim().is_empty()) {
            lines.push(Line::raw(format!("         {}", text.trim())));
        }
    }
    lines
}

fn server_lines(rows: &[Value], p: &Palette) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return vec![Line::styled("no servers", Style::default().fg(p.dim))];
    }
    let mut lines = Vec::new();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    for server in rows {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => "-".to_owned(),
            other => other.to_string(),
        };
        lines.push(Line::styled(text(&server["name"]), bold.fg(p.accent)));
        let process = &server["process"];
        let network = &server["network"];
        let uptime = server["uptime_sec"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), secs_text);
        let mut addresses: Vec<String> = network["canonical_addresses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| format!("{}:{}", text(&x["host"]), text(&x["port"])))
                    .collect()
            })
            .unwrap_or_default();
        if addresses.is_empty() {
            addresses.push("-".to_owned());
        }
        let ports = format!(
            "reql {} · cluster {} · http {}",
            text(&network["reql_port"]),
            text(&network["cluster_port"]),
            text(&network["http_admin_port"])
        );
        for (label, value) in [
            ("version", text(&process["version"])),
            ("pid", text(&process["pid"])),
            ("uptime", uptime),
            ("addresses", addresses.join(", ")),
            ("ports", ports),
            ("hostname", text(&network["hostname"])),
        ] {
            lines.push(Line::from(vec![
                Span::styled(format!("  {label:<10}"), Style::default().fg(p.dim)),
                Span::raw(value),
            ]));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_job_row_reads_as_one_line_and_kills_by_its_key() {
        let job = Job::from_row(&json!({
            "duration_sec": 1.5, "id": ["query", "4a4f..."], "type": "query",
            "info": {"client_address": "127.0.0.1", "client_port": 4000,
                     "query": "r.table(\"t\")\n  .changes()", "user": "admin"},
            "servers": ["s"]
        }));
        assert_eq!(job.client, "127.0.0.1:4000");
        assert_eq!(job.what, "r.table(\"t\") .changes()");
        assert!(job.killable());
        assert_eq!(
            job.kill_query(),
            r#"r.db('rethinkdb').table('jobs').get(["query","4a4f..."]).delete()"#
        );
    }
}
