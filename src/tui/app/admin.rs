//! The cluster node's reading, the cluster administration keys (reconfigure, rebalance,
//! wait) and the results' export key: what the browser and results panes ask of the app
//! beyond their own state.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Overlay, Pane, Prompt, table_query};
use crate::shell::export::Export;
use crate::tui::action::{Effect, QueryId};
use crate::tui::cluster::Picture;
use crate::tui::panes::results::marker_text;

/// Most shards RethinkDB allows a table.
const MAX_SHARDS: u64 = 64;

impl App {
    /// Asks for the cluster when its node is shown and due (the system views' interval);
    /// a hidden node is not read.
    pub(super) fn poll_cluster(&mut self, fx: &mut Vec<Effect>) {
        if self.browser_visible() && self.browser.cluster_due(self.now, self.system.interval()) {
            fx.push(Effect::LoadCluster);
        }
    }

    /// One read of the cluster outside the refreshing (after the catalog loads): the status
    /// bar learns the current issues' count.
    pub(super) fn read_cluster_once(&mut self, fx: &mut Vec<Effect>) {
        if !self.browser.cluster_loading() {
            self.browser.cluster_asked(self.now);
            fx.push(Effect::LoadCluster);
        }
    }

    pub(super) fn cluster_loaded(&mut self, result: Result<Picture, String>) {
        if let Ok(picture) = &result {
            self.status.issues = picture.cluster.issues.len();
        }
        self.browser.set_cluster(result);
    }

    /// The refusal of a read-only profile for the query `text`, shown; true when refused.
    pub(super) fn refused(&mut self, text: &str) -> bool {
        if !self.status.info.read_only {
            return false;
        }
        let refusal = crate::reql::compile_query(text).ok().and_then(|compiled| {
            crate::shell::session::read_only_refusal(
                &compiled.term(),
                self.status.info.profile.as_deref(),
            )
        });
        match refusal {
            Some(refusal) => {
                self.status.error(refusal.to_string());
                true
            }
            None => false,
        }
    }

    /// The browser's reconfigure, rebalance and wait keys on the selected table.
    pub(super) fn admin_command(&mut self, c: crate::tui::keymap::Command, fx: &mut Vec<Effect>) {
        use crate::tui::keymap::Command;
        let Some((db, table)) = self.browser.selected_table() else {
            self.status
                .info("select a table first (in its database or the cluster node)");
            return;
        };
        match c {
            Command::Reconfigure => {
                // Read-only profiles are refused before anything is typed.
                if self.refused(&reconfigure_query(&db, &table, 1, 1, false)) {
                    return;
                }
                let facts = self
                    .browser
                    .catalog()
                    .iter()
                    .find(|d| d.name == db)
                    .and_then(|d| d.tables.iter().find(|t| t.name == table));
                let typed = match facts.map(|t| (t.shards, t.replicas)) {
                    Some((Some(s), Some(r))) => format!("{s} {r}"),
                    _ => String::new(),
                };
                self.overlay = Some(Overlay::Prompt {
                    prompt: Prompt::Reconfigure { db, table },
                    typed,
                });
            }
            Command::Rebalance => {
                let text = format!("{}.rebalance()", table_query(&db, &table));
                if self.refused(&text) {
                    return;
                }
                self.overlay = Some(Overlay::ConfirmWrite {
                    text,
                    offset: usize::MAX,
                    what: format!("rebalances the shards of `{db}.{table}`"),
                    preview: Vec::new(),
                });
            }
            _ => {
                // `.wait()` runs in a results tab; the cluster node shows the replicas meanwhile.
                let text = format!("{}.wait()", table_query(&db, &table));
                self.browser.reveal_cluster_table(&db, &table);
                self.poll_cluster(fx);
                self.start_query(text, usize::MAX, fx);
            }
        }
    }

    /// The results' export key: asks for the file.
    pub(super) fn export_asked(&mut self) {
        match self.results.current() {
            Some(tab) => {
                self.overlay = Some(Overlay::Prompt {
                    prompt: Prompt::Export { id: tab.id },
                    typed: String::new(),
                });
            }
            None => self
                .status
                .info("run a query first, then export its result"),
        }
    }

    /// A key typed into the prompt; Enter submits it.
    pub(super) fn prompt_input(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(Overlay::Prompt { typed, .. }) = &mut self.overlay else {
            return;
        };
        if key.code != KeyCode::Enter {
            type_into(typed, key);
            return;
        }
        if let Some(Overlay::Prompt { prompt, typed }) = self.overlay.take() {
            match prompt {
                Prompt::Reconfigure { db, table } => self.reconfigure_typed(db, table, &typed, fx),
                Prompt::Export { id } => self.export_typed(id, &typed, fx),
            }
        }
    }

    fn reconfigure_typed(&mut self, db: String, table: String, typed: &str, fx: &mut Vec<Effect>) {
        let numbers: Vec<Option<u64>> = typed.split_whitespace().map(|w| w.parse().ok()).collect();
        let (shards, replicas) = match numbers[..] {
            [Some(s), Some(r)] if (1..=MAX_SHARDS).contains(&s) && r >= 1 => (s, r),
            _ => {
                self.status.error(format!(
                    "type two numbers, shards (1 to {MAX_SHARDS}) then replicas, e.g. 2 3"
                ));
                return;
            }
        };
        self.status.info(format!(
            "dry run: {db}.{table} with {}…",
            shape(shards, replicas)
        ));
        fx.push(Effect::DryRunReconfigure {
            db,
            table,
            shards,
            replicas,
        });
    }

    /// The dry run's answer: the reconfiguration waits for y / n with what it would do.
    pub(super) fn reconfigure_previewed(
        &mut self,
        (db, table): (String, String),
        (shards, replicas): (u64, u64),
        result: Result<Vec<String>, String>,
    ) {
        match result {
            Ok(preview) => {
                self.overlay = Some(Overlay::ConfirmWrite {
                    text: reconfigure_query(&db, &table, shards, replicas, false),
                    offset: usize::MAX,
                    what: format!("reconfigures `{db}.{table}` to {}", shape(shards, replicas)),
                    preview,
                });
            }
            Err(message) => self.status.error(format!(
                "the dry run of the reconfiguration failed: {message}"
            )),
        }
    }

    fn export_typed(&mut self, id: QueryId, typed: &str, fx: &mut Vec<Effect>) {
        let words: Vec<&str> = typed.split_whitespace().collect();
        let export = match Export::parse(&words) {
            Ok(e) => e,
            Err(_) if words.is_empty() => {
                return self.status.info("not exported: no file name given");
            }
            Err(message) => return self.status.error(message),
        };
        let Some(tab) = self.results.tabs().iter().find(|t| t.id == id) else {
            return self.status.error("not exported: the tab was closed");
        };
        // Everything retained, or a feed (it never ends): the rows shown; else the query runs
        // again and its whole result streams into the file.
        let whole = !tab.has_more() && tab.dropped() == 0 && !tab.is_running();
        if whole || tab.feed().is_some() {
            let rows = (0..tab.len())
                .filter_map(|i| tab.row(i))
                .filter(|v| marker_text(v).is_none())
                .map(|v| crate::nesting::Doc(v.clone()))
                .collect();
            self.status.info(format!(
                "exporting the rows shown to {}…",
                export.path.display()
            ));
            fx.push(Effect::ExportRows { rows, export });
        } else {
            self.status.info(format!(
                "running the query again to export its whole result to {}…",
                export.path.display()
            ));
            fx.push(Effect::ExportQuery {
                text: tab.query.clone(),
                export,
            });
        }
        self.focus = Pane::Results;
    }
}

/// `2 shards × 1 replica`.
fn shape(shards: u64, replicas: u64) -> String {
    let s = |n: u64| if n == 1 { "" } else { "s" };
    format!(
        "{shards} shard{} × {replicas} replica{}",
        s(shards),
        s(replicas)
    )
}

/// `r.db('d').table('t').reconfigure({shards: S, replicas: R})`, a dry run when `dry`.
pub fn reconfigure_query(db: &str, table: &str, shards: u64, replicas: u64, dry: bool) -> String {
    let dry = if dry { ", dryRun: true" } else { "" };
    format!(
        "{}.reconfigure({{shards: {shards}, replicas: {replicas}{dry}}})",
        table_query(db, table)
    )
}

/// A key typed into a line of text: characters added, Backspace deletes; true when the text
/// changed.
pub(super) fn type_into(text: &mut String, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => text.pop().is_some(),
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            text.push(c);
            true
        }
        _ => false,
    }
}
