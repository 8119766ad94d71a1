//! The database browser: the cluster (servers, shards, replicas) above the databases →
//! tables → primary key and indexes, filter as you type.
//!
//! The tree is pure state (expanded set, selection, scroll) flattened on demand, so it is
//! tested without a terminal and drawn from state alone.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::action::DbEntry;
use crate::tui::cluster::{self, Picture, Readiness, ReplicaState};
use crate::tui::theme::Palette;

pub use crate::shell::catalog::{
    CATALOG_QUERY, CatalogError, SYSTEM_DB, SYSTEM_TABLES, catalog_from_value,
};

/// A node of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// The cluster, above the databases.
    Cluster,
    /// A line under the cluster that is no server nor table: loading, or why it failed.
    ClusterNote,
    Server(String),
    /// A table's placement under the cluster node.
    ClusterTable {
        db: String,
        table: String,
    },
    /// Shard `shard` (from 0) of a table, under the cluster node.
    Shard {
        db: String,
        table: String,
        shard: usize,
    },
    Replica {
        db: String,
        table: String,
        shard: usize,
        server: String,
    },
    Db(String),
    Table {
        db: String,
        table: String,
    },
    PrimaryKey {
        db: String,
        table: String,
    },
    /// Shards, replicas and readiness of a table.
    Info {
        db: String,
        table: String,
    },
    Index {
        db: String,
        table: String,
        index: String,
    },
}

/// One visible line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: NodeId,
    pub depth: usize,
    pub label: String,
    pub expandable: bool,
    pub expanded: bool,
    /// How the line is coloured.
    pub tone: Tone,
}

/// How a line of the tree is coloured: health in the cluster node, dim for the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    Dim,
    Good,
    Warn,
    Bad,
}

/// The cluster node's picture and its refreshing.
#[derive(Debug, Clone, PartialEq, Default)]
struct ClusterNode {
    picture: Option<Picture>,
    error: Option<String>,
    /// A read is on its way.
    loading: bool,
    /// When the last read was asked for.
    asked: Option<Instant>,
    /// Read at once, whatever the interval (the node was just opened).
    stale: bool,
}

/// Whether the catalog is there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CatalogState {
    #[default]
    NotLoaded,
    Loading,
    Loaded,
    Failed(String),
}

/// A table's document count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Loading,
    Done(u64),
}

/// State of the browser pane.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BrowserPane {
    catalog: Vec<DbEntry>,
    state: CatalogState,
    /// Text typed to filter tables and databases by name.
    filter: String,
    /// Keys type into the filter.
    filtering: bool,
    expanded: HashSet<NodeId>,
    selected: usize,
    top: usize,
    counts: HashMap<(String, String), Count>,
    cluster: ClusterNode,
}

impl BrowserPane {
    /// Replaces the catalog (user databases sorted, the system database last), keeping the
    /// selection on the same node when it still exists.
    pub fn set_catalog(&mut self, mut catalog: Vec<DbEntry>) {
        let selected = self.selected_node().map(|n| n.id);
        catalog.sort_by(|a, b| (a.name == SYSTEM_DB, &a.name).cmp(&(b.name == SYSTEM_DB, &b.name)));
        for db in &mut catalog {
            db.tables.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if self.catalog.is_empty() {
            // First load: user databases open, so their tables show at once.
            for db in catalog.iter().filter(|d| d.name != SYSTEM_DB) {
                self.expanded.insert(NodeId::Db(db.name.clone()));
            }
        }
        self.catalog = catalog;
        self.state = CatalogState::Loaded;
        let visible = self.visible();
        // Nothing selected yet: the first database, not the cluster above it.
        self.selected = selected
            .and_then(|id| visible.iter().position(|n| n.id == id))
            .or_else(|| visible.iter().position(|n| matches!(n.id, NodeId::Db(_))))
            .unwrap_or(0);
    }

    /// The cluster as last read.
    pub fn cluster(&self) -> Option<&Picture> {
        self.cluster.picture.as_ref()
    }

    /// True when the cluster node is open (and not hidden by a filter).
    pub fn cluster_shown(&self) -> bool {
        self.filter.is_empty() && self.expanded.contains(&NodeId::Cluster)
    }

    /// True when the cluster is to be read now: it is shown and was last asked for `every`
    /// ago (or just opened), no read being on its way. Notes the read as asked.
    pub fn cluster_due(&mut self, now: Instant, every: Duration) -> bool {
        let c = &self.cluster;
        let due = self.cluster_shown()
            && !c.loading
            && (c.stale
                || c.asked
                    .is_none_or(|t| now.saturating_duration_since(t) >= every));
        if due {
            self.cluster_asked(now);
        }
        due
    }

    /// Notes that the cluster was asked for (a read outside the refreshing).
    pub fn cluster_asked(&mut self, now: Instant) {
        self.cluster.loading = true;
        self.cluster.stale = false;
        self.cluster.asked = Some(now);
    }

    /// Opens the cluster node and table `db.table` in it (to watch its replicas).
    pub fn reveal_cluster_table(&mut self, db: &str, table: &str) {
        let selected = self.selected_node().map(|n| n.id);
        self.reselect_after(selected, |b| {
            if b.expanded.insert(NodeId::Cluster) {
                b.cluster.stale = true;
            }
            b.expanded.insert(NodeId::ClusterTable {
                db: db.to_owned(),
                table: table.to_owned(),
            });
        });
    }

    /// True while a cluster read is on its way.
    pub fn cluster_loading(&self) -> bool {
        self.cluster.loading
    }

    /// The answer to a cluster read; a failure keeps the last picture, with the reason.
    pub fn set_cluster(&mut self, result: Result<Picture, String>) {
        // The selection stays on its node when lines come and go above it.
        let selected = self.selected_node().map(|n| n.id);
        self.reselect_after(selected, |b| b.take_cluster(result));
    }

    /// Runs `change`, then selects the node `selected` again wherever it now is.
    fn reselect_after(&mut self, selected: Option<NodeId>, change: impl FnOnce(&mut Self)) {
        change(self);
        if let Some(i) = selected.and_then(|id| self.visible().iter().position(|n| n.id == id)) {
            self.selected = i;
        }
    }

    fn take_cluster(&mut self, result: Result<Picture, String>) {
        self.cluster.loading = false;
        match result {
            Ok(picture) => {
                self.cluster.picture = Some(picture);
                self.cluster.error = None;
            }
            Err(message) => self.cluster.error = Some(message),
        }
    }

    /// The cluster node and, when open, its lines.
    fn cluster_nodes(&self, out: &mut Vec<Node>) {
        let open = self.expanded.contains(&NodeId::Cluster);
        let picture = self.cluster.picture.as_ref();
        let mut label = "cluster".to_owned();
        if let Some(Picture { cluster: c, .. }) = picture {
            let n = c.servers.len();
            label.push_str(&format!(" · {n} server{}", if n == 1 { "" } else { "s" }));
            match c.issues.len() {
                0 => {}
                1 => label.push_str(" · 1 issue"),
                k => label.push_str(&format!(" · {k} issues")),
            }
        }
        let unhealthy = picture.is_some_and(|p| {
            let c = &p.cluster;
            !c.issues.is_empty()
                || c.servers.iter().any(|s| !s.connected)
                || c.tables.iter().any(|t| !t.readiness.all_replicas_ready)
        });
        out.push(Node {
            id: NodeId::Cluster,
            depth: 0,
            label,
            expandable: true,
            expanded: open,
            tone: if unhealthy { Tone::Warn } else { Tone::Plain },
        });
        if !open {
            return;
        }
        let note = |label: String, tone: Tone| Node {
            id: NodeId::ClusterNote,
            depth: 1,
            label,
            expandable: false,
            expanded: false,
            tone,
        };
        if let Some(e) = &self.cluster.error {
            out.push(note(e.clone(), Tone::Bad));
        }
        let Some(Picture { cluster: c, here }) = picture else {
            if self.cluster.error.is_none() {
                out.push(note("loading…".to_owned(), Tone::Dim));
            }
            return;
        };
        out.extend(
            c.servers
                .iter()
                .map(|s| server_node(s, here.as_deref() == Some(s.name.as_str()))),
        );
        for t in &c.tables {
            self.cluster_table_nodes(t, out);
        }
    }

    /// A table's line under the cluster node and, when open, its shards and replicas.
    fn cluster_table_nodes(&self, t: &cluster::Table, out: &mut Vec<Node>) {
        let id = NodeId::ClusterTable {
            db: t.db.clone(),
            table: t.name.clone(),
        };
        let open = self.expanded.contains(&id);
        out.push(Node {
            id,
            depth: 1,
            label: format!("{}.{} · {}", t.db, t.name, t.readiness.label()),
            expandable: !t.shards.is_empty(),
            expanded: open,
            tone: readiness_tone(t.readiness),
        });
        if !open {
            return;
        }
        for (i, shard) in t.shards.iter().enumerate() {
            out.push(Node {
                id: NodeId::Shard {
                    db: t.db.clone(),
                    table: t.name.clone(),
                    shard: i,
                },
                depth: 2,
                label: match &shard.primary {
                    Some(p) => format!("shard {} · primary {p}", i + 1),
                    None => format!("shard {} · no primary", i + 1),
                },
                expandable: false,
                expanded: false,
                tone: if shard.primary.is_some() {
                    Tone::Plain
                } else {
                    Tone::Bad
                },
            });
            for r in &shard.replicas {
                out.push(Node {
                    id: NodeId::Replica {
                        db: t.db.clone(),
                        table: t.name.clone(),
                        shard: i,
                        server: r.server.clone(),
                    },
                    depth: 3,
                    label: format!("{} {}", r.server, r.state.label()),
                    expandable: false,
                    expanded: false,
                    tone: match r.state {
                        ReplicaState::Ready => Tone::Good,
                        ReplicaState::Disconnected => Tone::Bad,
                        _ => Tone::Warn,
                    },
                });
            }
        }
    }

    /// Whether the catalog is there.
    pub fn state(&self) -> &CatalogState {
        &self.state
    }

    /// A (re)load of the catalog is on its way.
    pub fn loading(&mut self) {
        self.state = CatalogState::Loading;
    }

    /// The catalog could not be read: `message` says why.
    pub fn failed(&mut self, message: String) {
        self.state = CatalogState::Failed(message);
    }

    /// The text typed to filter by name.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// True while keys type into the filter.
    pub fn filtering(&self) -> bool {
        self.filtering
    }

    /// True when the filter takes a line (typing into it, or a filter set).
    pub fn filter_shown(&self) -> bool {
        self.filtering || !self.filter.is_empty()
    }

    /// Keys type into the filter (`true`) or move in the tree again.
    pub fn set_filtering(&mut self, on: bool) {
        self.filtering = on;
    }

    /// The catalog as loaded (sorted).
    pub fn catalog(&self) -> &[DbEntry] {
        &self.catalog
    }

    /// Records a count (or that one is loading).
    pub fn set_count(&mut self, db: &str, table: &str, count: Count) {
        self.counts.insert((db.to_owned(), table.to_owned()), count);
    }

    /// Forgets a count (it failed).
    pub fn clear_count(&mut self, db: &str, table: &str) {
        self.counts.remove(&(db.to_owned(), table.to_owned()));
    }

    /// The count of a table, if asked for.
    pub fn count(&self, db: &str, table: &str) -> Option<Count> {
        self.counts.get(&(db.to_owned(), table.to_owned())).copied()
    }

    fn matches(&self, name: &str) -> bool {
        self.filter.is_empty() || name.to_lowercase().contains(&self.filter.to_lowercase())
    }

    /// The tree as shown: filtered, flattened, expanded nodes' children included.
    pub fn visible(&self) -> Vec<Node> {
        let filtering = !self.filter.is_empty();
        let mut out = Vec::new();
        if !filtering && !self.catalog.is_empty() {
            self.cluster_nodes(&mut out);
        }
        for db in &self.catalog {
            let db_matches = self.matches(&db.name);
            let tables: Vec<_> = db
                .tables
                .iter()
                .filter(|t| db_matches || self.matches(&t.name))
                .collect();
            if filtering && !db_matches && tables.is_empty() {
                continue;
            }
            let db_id = NodeId::Db(db.name.clone());
            let open = self.expanded.contains(&db_id) || (filtering && !tables.is_empty());
            out.push(Node {
                id: db_id,
                depth: 0,
                label: db.name.clone(),
                expandable: !db.tables.is_empty(),
                expanded: open,
                tone: if db.name == SYSTEM_DB {
                    Tone::Dim
                } else {
                    Tone::Plain
                },
            });
            if !open {
                continue;
            }
            for t in tables {
                let id = NodeId::Table {
                    db: db.name.clone(),
                    table: t.name.clone(),
                };
                let open = self.expanded.contains(&id);
                let label = match self.count(&db.name, &t.name) {
                    Some(Count::Done(n)) => format!("{} ({n})", t.name),
                    Some(Count::Loading) => format!("{} (…)", t.name),
                    None => t.name.clone(),
                };
                out.push(Node {
                    id,
                    depth: 1,
                    label,
                    expandable: true,
                    expanded: open,
                    tone: Tone::Plain,
                });
                if !open {
                    continue;
                }
                out.push(Node {
                    id: NodeId::PrimaryKey {
                        db: db.name.clone(),
                        table: t.name.clone(),
                    },
                    depth: 2,
                    label: format!("pk {}", t.primary_key),
                    expandable: false,
                    expanded: false,
                    tone: Tone::Dim,
                });
                let mut facts = Vec::new();
                if let Some(n) = t.shards {
                    facts.push(format!("{n} shard{}", if n == 1 { "" } else { "s" }));
                }
                if let Some(n) = t.replicas {
                    facts.push(format!("{n} replica{}", if n == 1 { "" } else { "s" }));
                }
                if let Some(ready) = t.ready {
                    facts.push(if ready { "ready" } else { "NOT READY" }.to_owned());
                }
                if !facts.is_empty() {
                    out.push(Node {
                        id: NodeId::Info {
                            db: db.name.clone(),
                            table: t.name.clone(),
                        },
                        depth: 2,
                        label: facts.join(" · "),
                        expandable: false,
                        expanded: false,
                        tone: Tone::Dim,
                    });
                }
                for index in &t.indexes {
                    out.push(Node {
                        id: NodeId::Index {
                            db: db.name.clone(),
                            table: t.name.clone(),
                            index: index.clone(),
                        },
                        depth: 2,
                        label: format!("idx {index}"),
                        expandable: false,
                        expanded: false,
                        tone: Tone::Dim,
                    });
                }
            }
        }
        out
    }

    /// The node under the selection.
    pub fn selected_node(&self) -> Option<Node> {
        self.visible().into_iter().nth(self.selected)
    }

    /// The (db, table) of the selection, when it is a table or inside one.
    pub fn selected_table(&self) -> Option<(String, String)> {
        match self.selected_node()?.id {
            NodeId::Table { db, table }
            | NodeId::PrimaryKey { db, table }
            | NodeId::Info { db, table }
            | NodeId::Index { db, table, .. }
            | NodeId::ClusterTable { db, table }
            | NodeId::Shard { db, table, .. }
            | NodeId::Replica { db, table, .. } => Some((db, table)),
            NodeId::Db(_) | NodeId::Cluster | NodeId::ClusterNote | NodeId::Server(_) => None,
        }
    }

    /// The database of the selection: the database itself or the one its table is in.
    pub fn selected_db(&self) -> Option<String> {
        match self.selected_node()?.id {
            NodeId::Db(db) => Some(db),
            _ => self.selected_table().map(|(db, _)| db),
        }
    }

    /// The primary key of table `db.table` from the catalog; `id` when unknown.
    pub fn primary_key(&self, db: &str, table: &str) -> String {
        self.catalog
            .iter()
            .find(|d| d.name == db)
            .and_then(|d| d.tables.iter().find(|t| t.name == table))
            .map(|t| t.primary_key.clone())
            .filter(|key| !key.is_empty())
            .unwrap_or_else(|| "id".to_owned())
    }

    /// True when the catalog is loaded and has no database `name`.
    pub fn lacks_db(&self, name: &str) -> bool {
        matches!(self.state, CatalogState::Loaded) && !self.catalog.iter().any(|d| d.name == name)
    }

    /// Selected line index.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Moves the selection and keeps it inside `height` lines.
    pub fn move_selection(&mut self, delta: isize, height: usize) {
        let last = self.visible().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    /// Selects the first or last line.
    pub fn jump(&mut self, to_end: bool, height: usize) {
        self.selected = if to_end {
            self.visible().len().saturating_sub(1)
        } else {
            0
        };
        self.scroll_into_view(height);
    }

    fn scroll_into_view(&mut self, height: usize) {
        self.top = super::top_showing(self.selected, self.top, height);
    }

    /// Opens (`true`) or closes the selected node; closing a leaf selects its parent.
    pub fn expand(&mut self, open: bool, height: usize) {
        let Some(node) = self.selected_node() else {
            return;
        };
        if open {
            if node.expandable {
                // An opened cluster node is read at once.
                self.cluster.stale |= node.id == NodeId::Cluster;
                self.expanded.insert(node.id);
            }
        } else if node.expanded {
            self.expanded.remove(&node.id);
        } else if node.depth > 0 {
            let visible = self.visible();
            if let Some(parent) = visible[..self.selected]
                .iter()
                .rposition(|n| n.depth < node.depth)
            {
                self.selected = parent;
            }
        }
        self.clamp(height);
    }

    /// Toggles the selected node open or closed.
    pub fn toggle(&mut self, height: usize) {
        let open = self.selected_node().is_some_and(|n| !n.expanded);
        self.expand(open, height);
    }

    /// Types into the filter; the selection goes to the first match.
    pub fn filter_push(&mut self, c: char, height: usize) {
        self.filter.push(c);
        self.select_first_table(height);
    }

    /// Deletes the filter's last character.
    pub fn filter_pop(&mut self, height: usize) {
        self.filter.pop();
        self.select_first_table(height);
    }

    /// Clears the filter and leaves filter mode.
    pub fn clear_filter(&mut self, height: usize) {
        self.filter.clear();
        self.filtering = false;
        self.clamp(height);
    }

    fn select_first_table(&mut self, height: usize) {
        let visible = self.visible();
        self.selected = visible
            .iter()
            .position(|n| matches!(n.id, NodeId::Table { .. }))
            .unwrap_or(0);
        self.top = 0;
        self.scroll_into_view(height);
    }

    fn clamp(&mut self, height: usize) {
        self.selected = self.selected.min(self.visible().len().saturating_sub(1));
        self.scroll_into_view(height);
    }

    /// Draws the tree into `area` (frame included).
    pub fn draw(&self, frame: &mut Frame, area: Rect, focused: bool, palette: &Palette) {
        let block = palette.pane_block(" Databases ", focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let mut lines = Vec::new();
        let mut height = usize::from(inner.height);
        if self.filtering || !self.filter.is_empty() {
            let cursor = if self.filtering { "▏" } else { "" };
            lines.push(Line::from(vec![
                Span::styled("/", Style::default().fg(palette.accent)),
                Span::raw(format!("{}{cursor}", self.filter)),
            ]));
            height = height.saturating_sub(1);
        }
        match &self.state {
            CatalogState::NotLoaded | CatalogState::Loading if self.catalog.is_empty() => {
                lines.push(Line::styled("loading…", Style::default().fg(palette.dim)));
            }
            CatalogState::Failed(message) if self.catalog.is_empty() => {
                lines.push(Line::styled(
                    message.clone(),
                    Style::default().fg(palette.error),
                ));
                // The pane is narrow and the message says what to do: wrap it, whole.
                let wrapped = Paragraph::new(lines).wrap(Wrap { trim: true });
                frame.render_widget(wrapped, inner);
                return;
            }
            _ => {
                let visible = self.visible();
                if visible.is_empty() {
                    lines.push(Line::styled("no match", Style::default().fg(palette.dim)));
                }
                for (i, node) in visible.iter().enumerate().skip(self.top).take(height) {
                    let marker = match (node.expandable, node.expanded) {
                        (false, _) => "  ",
                        (true, true) => "▾ ",
                        (true, false) => "▸ ",
                    };
                    let mut style = match node.tone {
                        Tone::Plain => Style::default(),
                        Tone::Dim => Style::default().fg(palette.dim),
                        Tone::Good => Style::default().fg(palette.ok),
                        Tone::Warn => Style::default().fg(palette.warn),
                        Tone::Bad => Style::default().fg(palette.error),
                    };
                    if matches!(node.id, NodeId::Db(_) | NodeId::Cluster) && node.tone != Tone::Dim
                    {
                        style = style.add_modifier(Modifier::BOLD);
                    }
                    if i == self.selected && focused {
                        style = style.bg(palette.selection);
                    } else if i == self.selected {
                        style = style.add_modifier(Modifier::UNDERLINED);
                    }
                    lines.push(Line::styled(
                        format!("{}{marker}{}", "  ".repeat(node.depth), node.label),
                        style,
                    ));
                }
            }
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// A table's readiness as a colour: all replicas ready, readable or writable, or not at all.
fn readiness_tone(r: Readiness) -> Tone {
    if r.all_replicas_ready {
        Tone::Good
    } else if r.ready_for_writes || r.ready_for_reads || r.ready_for_outdated_reads {
        Tone::Warn
    } else {
        Tone::Bad
    }
}

/// A server's line under the cluster node.
fn server_node(s: &cluster::Server, here: bool) -> Node {
    let (label, tone) = if s.connected {
        // The pane is narrow: the mark of the server rdbsh is on comes first.
        let (dot, here) = if here {
            ("◉", " (here)")
        } else {
            ("●", "")
        };
        let address = s.address().unwrap_or_default();
        let mut label = format!("{dot} {}{here} {address}", s.name);
        if let Some(up) = s.uptime {
            label.push_str(&format!(" · up {}", crate::render::duration_text(up)));
        }
        (label, Tone::Good)
    } else {
        (format!("○ {} disconnected", s.name), Tone::Bad)
    };
    Node {
        id: NodeId::Server(s.name.clone()),
        depth: 1,
        label,
        expandable: false,
        expanded: false,
        tone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::TableEntry;
    use serde_json::json;

    #[test]
    fn catalog_is_built_from_the_system_tables() {
        let result = json!({
            "dbs": [{"name": "test"}, {"name": "empty"}],
            "tables": [{
                "id": "5c2b", "db": "test", "name": "users", "primary_key": "email",
                "indexes": ["age", "city"], "durability": "hard", "write_acks": "majority",
                "shards": [
                    {"primary_replica": "s1", "replicas": ["s1", "s2"], "nonvoting_replicas": []},
                    {"primary_replica": "s2", "replicas": ["s2", "s1"], "nonvoting_replicas": []}
                ]
            }],
            "status": [{"db": "test", "name": "users", "status": {
                "all_replicas_ready": true, "ready_for_outdated_reads": true,
                "ready_for_reads": true, "ready_for_writes": true}}]
        });
        let dbs = catalog_from_value(&result).unwrap();
        assert_eq!(dbs.len(), 3);
        assert_eq!(dbs[0].name, "test");
        let users = &dbs[0].tables[0];
        assert_eq!(users.primary_key, "email");
        assert_eq!(users.indexes, ["age", "city"]);
        assert_eq!(
            (users.shards, users.replicas, users.ready),
            (Some(2), Some(2), Some(true))
        );
        assert!(dbs[1].tables.is_empty());
        assert_eq!(dbs[2].name, SYSTEM_DB);
        assert!(dbs[2].tables.iter().any(|t| t.name == "jobs"));
        assert!(catalog_from_value(&json!([1, 2])).is_err());
    }

    fn table(name: &str, indexes: &[&str]) -> TableEntry {
        TableEntry {
            name: name.into(),
            primary_key: "id".into(),
            indexes: indexes.iter().map(|s| s.to_string()).collect(),
            ..TableEntry::default()
        }
    }

    #[test]
    fn table_facts_show_when_known() {
        let mut b = BrowserPane::default();
        let mut users = table("users", &[]);
        users.shards = Some(2);
        users.replicas = Some(1);
        users.ready = Some(false);
        b.set_catalog(vec![DbEntry {
            name: "test".into(),
            tables: vec![users],
        }]);
        b.move_selection(1, 10);
        b.expand(true, 10);
        assert_eq!(
            labels(&b),
            [
                "cluster",
                "test",
                "-users",
                "--pk id",
                "--2 shards · 1 replica · NOT READY"
            ]
        );
    }

    fn catalog() -> Vec<DbEntry> {
        vec![
            DbEntry {
                name: SYSTEM_DB.into(),
                tables: vec![table("jobs", &[])],
            },
            DbEntry {
                name: "test".into(),
                tables: vec![table("users", &["email"]), table("orders", &[])],
            },
        ]
    }

    fn labels(b: &BrowserPane) -> Vec<String> {
        b.visible()
            .into_iter()
            .map(|n| format!("{}{}", "-".repeat(n.depth), n.label))
            .collect()
    }

    #[test]
    fn user_databases_first_and_open_system_last_and_closed() {
        let mut b = BrowserPane::default();
        b.set_catalog(catalog());
        assert_eq!(
            labels(&b),
            ["cluster", "test", "-orders", "-users", "rethinkdb"]
        );
        // The first database is selected, not the cluster above it.
        assert_eq!(b.selected_node().map(|n| n.label), Some("test".into()));
    }

    #[test]
    fn expanding_a_table_shows_its_keys_and_left_goes_to_parent() {
        let mut b = BrowserPane::default();
        b.set_catalog(catalog());
        b.move_selection(2, 10);
        b.expand(true, 10);
        assert_eq!(
            labels(&b),
            [
                "cluster",
                "test",
                "-orders",
                "-users",
                "--pk id",
                "--idx email",
                "rethinkdb"
            ]
        );
        b.move_selection(2, 10);
        assert_eq!(b.selected_table(), Some(("test".into(), "users".into())));
        b.expand(false, 10);
        assert_eq!(b.selected(), 3);
        b.expand(false, 10);
        assert_eq!(
            labels(&b),
            ["cluster", "test", "-orders", "-users", "rethinkdb"]
        );
    }

    #[test]
    fn filter_keeps_matching_tables_with_their_database() {
        let mut b = BrowserPane::default();
        b.set_catalog(catalog());
        for c in "JOB".chars() {
            b.filter_push(c, 10);
        }
        assert_eq!(labels(&b), ["rethinkdb", "-jobs"]);
        assert_eq!(b.selected_table(), Some((SYSTEM_DB.into(), "jobs".into())));
        b.clear_filter(10);
        assert_eq!(labels(&b).len(), 5);
    }

    fn picture() -> Picture {
        use crate::tui::cluster::{Cluster, Issue, Replica, Server, Shard, Table};
        let server = |name: &str, connected: bool| Server {
            name: name.into(),
            connected,
            driver_addresses: if connected {
                vec![(name.to_owned(), 28015)]
            } else {
                Vec::new()
            },
            uptime: connected.then(|| Duration::from_secs(75)),
            ..Server::default()
        };
        let replica = |server: &str, state: ReplicaState| Replica {
            server: server.into(),
            state,
            nonvoting: false,
        };
        let issue = || Issue {
            kind: "server_disconnected".into(),
            critical: true,
            description: "db3 gone".into(),
        };
        Picture {
            cluster: Cluster {
                servers: vec![
                    server("db1", true),
                    server("db2", true),
                    server("db3", false),
                ],
                tables: vec![Table {
                    db: "test".into(),
                    name: "users".into(),
                    readiness: Readiness {
                        ready_for_writes: true,
                        ready_for_reads: true,
                        ready_for_outdated_reads: true,
                        ..Readiness::default()
                    },
                    shards: vec![
                        Shard {
                            primary: Some("db1".into()),
                            replicas: vec![
                                replica("db1", ReplicaState::Ready),
                                replica(
                                    "db2",
                                    ReplicaState::Backfilling {
                                        progress: Some(0.5),
                                    },
                                ),
                            ],
                            ..Shard::default()
                        },
                        Shard {
                            primary: None,
                            replicas: vec![replica("db3", ReplicaState::Disconnected)],
                            ..Shard::default()
                        },
                    ],
                    ..Table::default()
                }],
                issues: vec![issue(), issue()],
            },
            here: Some("db1".into()),
        }
    }

    #[test]
    fn the_cluster_node_shows_servers_shards_and_replica_states_when_open() {
        let t0 = Instant::now();
        let every = Duration::from_secs(5);
        let mut b = BrowserPane::default();
        b.set_catalog(catalog());
        // Closed: never read.
        assert!(!b.cluster_due(t0, every));
        b.jump(false, 20);
        b.expand(true, 20);
        assert_eq!(labels(&b)[..2], ["cluster", "-loading…"]);
        // Opened: read at once, then again after the interval, one read at a time.
        assert!(b.cluster_due(t0, every));
        assert!(!b.cluster_due(t0 + every, every));
        b.set_cluster(Ok(picture()));
        assert!(!b.cluster_due(t0 + Duration::from_secs(1), every));
        assert!(b.cluster_due(t0 + every, every));
        b.set_cluster(Ok(picture()));
        b.reveal_cluster_table("test", "users");
        let visible = b.visible();
        let shown: Vec<String> = visible
            .iter()
            .take_while(|n| n.id != NodeId::Db("test".into()))
            .map(|n| format!("{}{}", "-".repeat(n.depth), n.label))
            .collect();
        assert_eq!(
            shown,
            [
                "cluster · 3 servers · 2 issues",
                "-◉ db1 (here) db1:28015 · up 1 m 15 s",
                "-● db2 db2:28015 · up 1 m 15 s",
                "-○ db3 disconnected",
                "-test.users · ready for writes",
                "--shard 1 · primary db1",
                "---db1 ready",
                "---db2 backfilling 50%",
                "--shard 2 · no primary",
                "---db3 disconnected",
            ]
        );
        let tones: Vec<Tone> = visible.iter().take(10).map(|n| n.tone).collect();
        use Tone::*;
        assert_eq!(
            tones,
            [Warn, Good, Good, Bad, Warn, Plain, Good, Warn, Bad, Bad]
        );
        // A read that changes the lines above keeps the selection on its node.
        b.move_selection(100, 20);
        let last = b.selected_node().map(|n| n.id);
        let mut fewer = picture();
        fewer.cluster.servers.pop();
        b.set_cluster(Ok(fewer));
        assert_eq!(b.selected_node().map(|n| n.id), last);
        b.set_cluster(Ok(picture()));
        // The admin keys act on the table of any line under it.
        b.move_selection(-100, 20);
        b.move_selection(7, 20);
        assert_eq!(b.selected_table(), Some(("test".into(), "users".into())));
        // A failed read keeps the last picture and says why.
        b.set_cluster(Err("cannot read the cluster: closed".into()));
        assert_eq!(
            labels(&b)[1..3],
            [
                "-cannot read the cluster: closed",
                "-◉ db1 (here) db1:28015 · up 1 m 15 s"
            ]
        );
        // Closed again: not read any more.
        b.jump(false, 20);
        b.expand(false, 20);
        assert!(!b.cluster_due(t0 + 10 * every, every));
    }
}
