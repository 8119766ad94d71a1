//! A changefeed tab's own state: order, pause and the changes held meanwhile.

use std::collections::VecDeque;

use serde_json::Value;

use crate::nesting::Doc;

/// Changefeed display state.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Newest change at the top (else tail: newest at the bottom).
    newest_first: bool,
    paused: bool,
    /// Changes received while paused, oldest first.
    held: VecDeque<Doc>,
    /// The primary key of the table the feed watches: a change between two documents is a
    /// removal plus an addition.
    key: String,
}

impl Default for Feed {
    fn default() -> Self {
        Feed::keyed("id".to_owned())
    }
}

impl Feed {
    /// A feed on a table whose primary key is `key`, tail order, not paused.
    pub fn keyed(key: String) -> Self {
        Feed {
            newest_first: false,
            paused: false,
            held: VecDeque::new(),
            key,
        }
    }

    pub fn newest_first(&self) -> bool {
        self.newest_first
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Changes held while paused.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The primary key of the watched table.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The batch as rows: moves between documents split (see [`split_change`]).
    pub fn split(&self, rows: Vec<Doc>) -> Vec<Doc> {
        rows.into_iter()
            .flat_map(|row| split_change(row, &self.key))
            .collect()
    }

    /// The held changes, while paused (`None` when not paused).
    pub fn holding(&mut self) -> Option<&mut VecDeque<Doc>> {
        self.paused.then_some(&mut self.held)
    }

    /// Pauses or resumes; on resuming, the held changes to deliver.
    pub fn toggle_pause(&mut self) -> Option<&mut VecDeque<Doc>> {
        self.paused = !self.paused;
        (!self.paused).then_some(&mut self.held)
    }

    pub fn toggle_order(&mut self) {
        self.newest_first = !self.newest_first;
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
