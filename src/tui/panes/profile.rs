//! The profile panel: a query's profile (`profile: true`) as a collapsible tree of tasks with
//! their durations, drawn beside the rows of its result tab (under them on a narrow screen).
//!
//! RethinkDB's profile is an array of tasks `{description, "duration(ms)", sub_tasks}`;
//! sampled tasks carry `"mean_duration(ms)"` and `n_samples`, and work done on several shards
//! at once is an entry `{parallel_tasks: [[task...], ...]}`, one array per branch. Shard reads
//! show up as tasks of their own (`Perform read on shard.`).

use std::collections::HashSet;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::results::{compact, row_line_count, row_lines};
use crate::tui::theme::Palette;

/// Width of the duration column ("123.456 ms").
const DURATION_WIDTH: usize = 10;

/// What one line of the tree stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A task with its duration (or mean duration over `samples`).
    Task {
        description: String,
        duration_ms: Option<f64>,
        samples: Option<u64>,
    },
    /// Work split over `branches` (usually one per shard).
    Parallel { branches: usize },
    /// Branch `index` (from 1) of a parallel group.
    Branch { index: usize },
}

/// One task of the profile, in pre-order.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub depth: usize,
    pub kind: NodeKind,
    /// Index one past the last node of this node's subtree.
    pub end: usize,
}

impl Node {
    /// True when the node has sub-tasks (it can be collapsed).
    pub fn has_children(&self, index: usize) -> bool {
        self.end > index + 1
    }
}

/// A profile ready to draw: its tasks flattened, which of them are collapsed, the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileTree {
    nodes: Vec<Node>,
    /// A profile that is not a task tree, shown as pretty JSON.
    other: Option<Value>,
    collapsed: HashSet<usize>,
    /// Selected line, among the visible ones.
    selected: usize,
    /// First line shown.
    top: usize,
}

impl ProfileTree {
    /// The tree of `profile`, every task expanded.
    pub fn new(profile: &Value) -> ProfileTree {
        let mut nodes = Vec::new();
        let other = match profile {
            Value::Array(tasks) if tasks.iter().all(is_entry) => {
                flatten(tasks, 0, &mut nodes);
                None
            }
            other => Some(other.clone()),
        };
        ProfileTree {
            nodes,
            other,
            collapsed: HashSet::new(),
            selected: 0,
            top: 0,
        }
    }

    /// Every task, in pre-order (collapsed ones included).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Indices of the nodes shown, in order (the sub-tasks of collapsed nodes left out).
    pub fn visible(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(node) = self.nodes.get(i) {
            out.push(i);
            i = if self.collapsed.contains(&i) {
                node.end.max(i + 1)
            } else {
                i + 1
            };
        }
        out
    }

    /// Lines the panel needs to show everything.
    pub fn line_count(&self) -> usize {
        match &self.other {
            Some(v) => row_line_count(v),
            None => self.visible().len(),
        }
    }

    /// The selected line (among the visible ones).
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// True when node `index` is collapsed.
    pub fn is_collapsed(&self, index: usize) -> bool {
        self.collapsed.contains(&index)
    }

    /// The sum of the top-level tasks' durations, in milliseconds.
    pub fn total_ms(&self) -> Option<f64> {
        let mut total = None;
        for node in self.nodes.iter().filter(|n| n.depth == 0) {
            if let NodeKind::Task {
                duration_ms: Some(ms),
                ..
            } = node.kind
            {
                *total.get_or_insert(0.0) += ms;
            }
        }
        total
    }

    /// How many shard reads the profile records.
    pub fn shard_reads(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| {
                matches!(&n.kind, NodeKind::Task { description, .. }
                    if description.to_ascii_lowercase().contains("on shard"))
            })
            .count()
    }

    /// Moves the selection by `delta` lines, keeping it in a viewport of `height` lines.
    pub fn move_selection(&mut self, delta: isize, height: usize) {
        if self.other.is_some() {
            // Pretty JSON has no tasks to select: scroll it.
            let last = self.line_count().saturating_sub(height.max(1));
            self.top = self.top.saturating_add_signed(delta).min(last);
            return;
        }
        let last = self.visible().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    /// Selects the first (`false`) or last (`true`) line.
    pub fn jump(&mut self, to_end: bool, height: usize) {
        let delta = if to_end { isize::MAX } else { isize::MIN };
        self.move_selection(delta, height);
    }

    /// Collapses the selected task, or expands it when it is collapsed.
    pub fn toggle(&mut self, height: usize) {
        if let Some(&i) = self.visible().get(self.selected) {
            let open = self.collapsed.contains(&i);
            self.set_open(i, open);
        }
        self.scroll_into_view(height);
    }

    /// Expands (`true`) or collapses (`false`) the selected task.
    pub fn set_selected_open(&mut self, open: bool, height: usize) {
        if let Some(&i) = self.visible().get(self.selected) {
            self.set_open(i, open);
        }
        self.scroll_into_view(height);
    }

    fn set_open(&mut self, index: usize, open: bool) {
        let has_children = self.nodes.get(index).is_some_and(|n| n.has_children(index));
        if open {
            self.collapsed.remove(&index);
        } else if has_children {
            self.collapsed.insert(index);
        }
    }

    fn scroll_into_view(&mut self, height: usize) {
        self.top = super::top_showing(self.selected, self.top, height);
    }

    /// The lines of the viewport of `height` lines; the selection is marked when `focused`.
    pub fn lines(&self, height: usize, focused: bool, palette: &Palette) -> Vec<Line<'static>> {
        if let Some(other) = &self.other {
            return row_lines(other, self.top, height, palette);
        }
        let dim = Style::default().fg(palette.dim);
        let accent = Style::default().fg(palette.accent);
        let selected = Style::default()
            .bg(palette.selection)
            .add_modifier(Modifier::BOLD);
        self.visible()
            .into_iter()
            .enumerate()
            .skip(self.top)
            .take(height)
            .filter_map(|(line, i)| self.nodes.get(i).map(|node| (line, i, node)))
            .map(|(line, i, node)| {
                let marker = match (node.has_children(i), self.collapsed.contains(&i)) {
                    (false, _) => "  ",
                    (true, false) => "▾ ",
                    (true, true) => "▸ ",
                };
                // Durations first, in a column of their own, so a deep task never pushes its
                // duration off a narrow panel.
                let duration = match &node.kind {
                    NodeKind::Task {
                        duration_ms: Some(ms),
                        ..
                    } => format!("{ms:.3} ms"),
                    _ => String::new(),
                };
                let mut spans = vec![
                    Span::styled(format!("{duration:>DURATION_WIDTH$} "), accent),
                    Span::styled(format!("{}{marker}", "  ".repeat(node.depth)), dim),
                ];
                match &node.kind {
                    NodeKind::Task {
                        description,
                        samples,
                        ..
                    } => {
                        spans.push(Span::raw(description.clone()));
                        if let Some(n) = samples {
                            spans.push(Span::styled(format!(" (mean of {n})"), dim));
                        }
                    }
                    NodeKind::Parallel { branches } => spans.push(Span::styled(
                        format!(
                            "in parallel, {branches} branch{}",
                            if *branches == 1 { "" } else { "es" }
                        ),
                        dim,
                    )),
                    NodeKind::Branch { index } => {
                        spans.push(Span::styled(format!("branch {index}"), dim))
                    }
                }
                if focused && line == self.selected {
                    spans = spans.into_iter().map(|s| s.patch_style(selected)).collect();
                }
                Line::from(spans)
            })
            .collect()
    }
}

/// An entry of a task array: a task, or a group of parallel branches.
fn is_entry(v: &Value) -> bool {
    v.get("description").is_some_and(Value::is_string)
        || v.get("parallel_tasks").is_some_and(Value::is_array)
}

fn flatten(tasks: &[Value], depth: usize, nodes: &mut Vec<Node>) {
    for task in tasks {
        let at = nodes.len();
        match task.get("description").and_then(Value::as_str) {
            Some(description) => {
                let mean = task.get("mean_duration(ms)").and_then(Value::as_f64);
                nodes.push(Node {
                    depth,
                    kind: NodeKind::Task {
                        description: description.trim_end_matches('.').to_owned(),
                        duration_ms: task.get("duration(ms)").and_then(Value::as_f64).or(mean),
                        samples: mean.and(task.get("n_samples").and_then(Value::as_u64)),
                    },
                    end: at + 1,
                });
                if let Some(sub) = task.get("sub_tasks").and_then(Value::as_array) {
                    flatten(sub, depth + 1, nodes);
                }
                if let Some(branches) = task.get("parallel_tasks").and_then(Value::as_array) {
                    parallel(branches, depth + 1, nodes);
                }
            }
            None => match task.get("parallel_tasks").and_then(Value::as_array) {
                Some(branches) => parallel(branches, depth, nodes),
                // Not a task: shown as it is, on one line.
                None => nodes.push(Node {
                    depth,
                    kind: NodeKind::Task {
                        description: compact(task),
                        duration_ms: None,
                        samples: None,
                    },
                    end: at + 1,
                }),
            },
        }
        set_end(nodes, at);
    }
}

fn parallel(branches: &[Value], depth: usize, nodes: &mut Vec<Node>) {
    let at = nodes.len();
    nodes.push(Node {
        depth,
        kind: NodeKind::Parallel {
            branches: branches.len(),
        },
        end: at + 1,
    });
    for (k, branch) in branches.iter().enumerate() {
        let b = nodes.len();
        nodes.push(Node {
            depth: depth + 1,
            kind: NodeKind::Branch { index: k + 1 },
            end: b + 1,
        });
        if let Some(tasks) = branch.as_array() {
            flatten(tasks, depth + 2, nodes);
        }
        set_end(nodes, b);
    }
    set_end(nodes, at);
}

/// Closes node `at`'s subtree at the current end of `nodes`.
fn set_end(nodes: &mut [Node], at: usize) {
    let end = nodes.len();
    if let Some(node) = nodes.get_mut(at) {
        node.end = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_profile_that_is_not_a_task_tree_scrolls_as_json() {
        let mut tree = ProfileTree::new(&json!({"odd": [1, 2, 3]}));
        assert!(tree.nodes().is_empty());
        assert_eq!(tree.line_count(), 7);
        tree.move_selection(100, 3);
        assert_eq!(tree.top, 4);
        assert_eq!(tree.total_ms(), None);
    }

    #[test]
    fn collapsing_a_leaf_does_nothing_and_subtrees_end_where_they_should() {
        let mut tree = ProfileTree::new(&json!([
            {"description": "a.", "duration(ms)": 1.0, "sub_tasks": [
                {"description": "b.", "duration(ms)": 0.5, "sub_tasks": []}
            ]},
            {"description": "c.", "duration(ms)": 2.0}
        ]));
        let ends: Vec<usize> = tree.nodes().iter().map(|n| n.end).collect();
        assert_eq!(ends, [2, 2, 3]);
        assert_eq!(tree.total_ms(), Some(3.0));
        tree.move_selection(1, 10);
        tree.toggle(10);
        assert_eq!(tree.visible(), [0, 1, 2]);
        tree.jump(false, 10);
        tree.toggle(10);
        assert_eq!(tree.visible(), [0, 2]);
    }
}
