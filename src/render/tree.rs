//! A value as a tree of nodes, for the TUI's collapsible tree view.

use serde_json::Value;

use super::json::{write_compact, write_json_string};
use super::number::write_json_number;
use super::pseudo::{self, Pseudo};
use super::style::Scope;
use super::table::one_line;

/// Where a node sits in its parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TreeKey {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

impl TreeKey {
    /// The label shown before the summary: `name` or `[3]` (control characters escaped).
    pub fn label(&self) -> String {
        match self {
            TreeKey::Key(k) => {
                let mut out = String::new();
                one_line(k, &mut out);
                out
            }
            TreeKey::Index(i) => format!("[{i}]"),
        }
    }
}

/// One node: its key, a one-line summary, and its children (empty for scalars).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// `None` for the root.
    pub key: Option<TreeKey>,
    /// `{3 keys}`, `[10 items]`, or the scalar itself (`"text"`, `42`, a readable time).
    pub summary: String,
    /// The summary's token scope, for styling.
    pub scope: Scope,
    /// Members or elements, in order.
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// The tree of `value` (a root node without a key).
    pub fn from_value(value: &Value) -> TreeNode {
        build(None, value, 0)
    }

    /// True when the node can be expanded.
    pub fn has_children(&self) -> bool {
        !self.children.is_empty()
    }

    /// The nodes a tree view shows, depth first: a node's children only when
    /// `expanded(path)` says so (the root's path is empty).
    pub fn visible(&self, expanded: &dyn Fn(&[TreeKey]) -> bool) -> Vec<VisibleNode<'_>> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.collect_visible(0, &mut path, expanded, &mut out);
        out
    }

    fn collect_visible<'a>(
        &'a self,
        depth: usize,
        path: &mut Vec<TreeKey>,
        expanded: &dyn Fn(&[TreeKey]) -> bool,
        out: &mut Vec<VisibleNode<'a>>,
    ) {
        let open = self.has_children() && expanded(path);
        out.push(VisibleNode {
            depth,
            path: path.clone(),
            node: self,
            expanded: open,
        });
        if open {
            for child in &self.children {
                if let Some(key) = &child.key {
                    path.push(key.clone());
                    child.collect_visible(depth + 1, path, expanded, out);
                    path.pop();
                }
            }
        }
    }

    /// The node at `path` (keys from this node down), if any.
    pub fn find(&self, path: &[TreeKey]) -> Option<&TreeNode> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .children
                .iter()
                .find(|c| c.key.as_ref() == Some(first))?
                .find(rest),
        }
    }
}

/// A node as a tree view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleNode<'a> {
    /// 0 for the root.
    pub depth: usize,
    /// Keys from the root to this node.
    pub path: Vec<TreeKey>,
    /// The node.
    pub node: &'a TreeNode,
    /// True when its children follow in the list.
    pub expanded: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Deepest level the tree expands to; a container below it is one leaf showing the start of
/// its compact JSON (the pretty and raw views show it whole). Nodes stay few and recursions
/// over them (build, drop, find) shallow, however deep the row.
pub const MAX_TREE_DEPTH: usize = 64;

/// Characters of compact JSON a collapsed container shows.
const COLLAPSED_PREVIEW: usize = 200;

/// A container below [`MAX_TREE_DEPTH`] as one leaf.
fn collapsed(key: Option<TreeKey>, value: &Value) -> TreeNode {
    let text = write_compact_string(value);
    let mut summary: String = text.chars().take(COLLAPSED_PREVIEW).collect();
    if summary.len() < text.len() {
        summary.push('…');
    }
    TreeNode {
        key,
        summary,
        scope: Scope::Plain,
        children: Vec::new(),
    }
}

fn write_compact_string(value: &Value) -> String {
    let mut out = String::new();
    write_compact(value, true, &mut out);
    out
}

fn build(key: Option<TreeKey>, value: &Value, depth: usize) -> TreeNode {
    let container = match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty() && pseudo::classify(map).is_none(),
        _ => false,
    };
    if container && depth >= MAX_TREE_DEPTH {
        return collapsed(key, value);
    }
    let mut summary = String::new();
    let (scope, children) = match value {
        Value::Null => {
            summary.push_str("null");
            (Scope::Constant, Vec::new())
        }
        Value::Bool(b) => {
            summary.push_str(if *b { "true" } else { "false" });
            (Scope::Constant, Vec::new())
        }
        Value::Number(n) => {
            write_json_number(&mut summary, n);
            (Scope::Number, Vec::new())
        }
        Value::String(s) => {
            write_json_string(s, &mut summary);
            (Scope::String, Vec::new())
        }
        Value::Array(items) => {
            summary = format!("[{}]", plural(items.len(), "item", "items"));
            let children = items
                .iter()
                .enumerate()
                .map(|(i, v)| build(Some(TreeKey::Index(i)), v, depth + 1))
                .collect();
            (Scope::Punctuation, children)
        }
        Value::Object(map) => match pseudo::classify(map) {
            Some(Pseudo::Text(t)) => {
                summary = t;
                (Scope::Pseudo, Vec::new())
            }
            Some(Pseudo::Grouped(pairs)) => {
                let grouped = pseudo::grouped_as_objects(&pairs);
                let mut node = build(key, &grouped, depth);
                node.summary = format!("[{}]", plural(pairs.len(), "group", "groups"));
                return node;
            }
            None => {
                summary = format!("{{{}}}", plural(map.len(), "key", "keys"));
                let children = map
                    .iter()
                    .map(|(k, v)| build(Some(TreeKey::Key(k.clone())), v, depth + 1))
                    .collect();
                (Scope::Punctuation, children)
            }
        },
    };
    TreeNode {
        key,
        summary,
        scope,
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_summarise_and_scalars_are_leaves() {
        let v = json!({"id": 1, "tags": ["a", "b"], "one": [0], "at": {"$reql_type$": "TIME", "epoch_time": 0, "timezone": "+00:00"}});
        let t = TreeNode::from_value(&v);
        assert_eq!(t.key, None);
        assert_eq!(t.summary, "{4 keys}");
        let tags = t.find(&[TreeKey::Key("tags".into())]).unwrap();
        assert_eq!(tags.summary, "[2 items]");
        assert_eq!(tags.children[1].key, Some(TreeKey::Index(1)));
        assert_eq!(tags.children[1].summary, "\"b\"");
        assert_eq!(tags.children[1].scope, Scope::String);
        assert_eq!(
            t.find(&[TreeKey::Key("one".into())]).unwrap().summary,
            "[1 item]"
        );
        let at = t.find(&[TreeKey::Key("at".into())]).unwrap();
        assert_eq!(at.summary, "1970-01-01T00:00:00.000+00:00");
        assert!(!at.has_children());
        assert_eq!(TreeKey::Index(3).label(), "[3]");
        assert_eq!(TreeKey::Key("a\nb".into()).label(), "a\\nb");
    }

    #[test]
    fn visible_nodes_follow_expansion() {
        let t = TreeNode::from_value(&json!({"a": {"b": 1}, "c": [2]}));
        let collapsed = t.visible(&|_| false);
        assert_eq!(collapsed.len(), 1);
        assert!(!collapsed[0].expanded);
        let root_only = t.visible(&|p| p.is_empty());
        let labels: Vec<(usize, String)> = root_only
            .iter()
            .map(|v| (v.depth, v.node.summary.clone()))
            .collect();
        assert_eq!(
            labels,
            [
                (0, "{2 keys}".into()),
                (1, "{1 key}".into()),
                (1, "[1 item]".into())
            ]
        );
        let all = t.visible(&|_| true);
        assert_eq!(all.len(), 5);
        assert_eq!(
            all[2].path,
            [TreeKey::Key("a".into()), TreeKey::Key("b".into())]
        );
        assert!(!all[2].expanded, "leaves never expand");
    }

    #[test]
    fn grouped_data_becomes_group_reduction_nodes() {
        let v = json!({"$reql_type$": "GROUPED_DATA", "data": [["x", 2]]});
        let t = TreeNode::from_value(&v);
        assert_eq!(t.summary, "[1 group]");
        let red = t
            .find(&[TreeKey::Index(0), TreeKey::Key("reduction".into())])
            .unwrap();
        assert_eq!(red.summary, "2");
    }
}
