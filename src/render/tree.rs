//! A value as a tree of nodes, for the TUI's collapsible tree view.

use serde_json::Value;

use super::json::write_json_string;
use super::number::write_json_number;
use super::pseudo::{self, Pseudo};
use super::style::Scope;

/// Where a node sits in its parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TreeKey {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

impl TreeKey {
    /// The label shown before the summary: `name` or `[3]`.
    pub fn label(&self) -> String {
        match self {
            TreeKey::Key(k) => k.clone(),
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
        build(None, value)
    }

    /// True when the node can be expanded.
    pub fn has_children(&self) -> bool {
        !self.children.is_empty()
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn build(key: Option<TreeKey>, value: &Value) -> TreeNode {
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
                .map(|(i, v)| build(Some(TreeKey::Index(i)), v))
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
                let mut node = build(key, &grouped);
                node.summary = format!("[{}]", plural(pairs.len(), "group", "groups"));
                return node;
            }
            None => {
                summary = format!("{{{}}}", plural(map.len(), "key", "keys"));
                let children = map
                    .iter()
                    .map(|(k, v)| build(Some(TreeKey::Key(k.clone())), v))
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
