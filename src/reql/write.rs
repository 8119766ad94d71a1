//! Write analysis: does a compiled term change data or cluster state? Used by read-only profiles.

use serde_json::Value;

/// The first write or admin term found in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteInfo {
    /// Term type number (ql2.proto).
    pub term_type: u32,
    /// The JavaScript method name, e.g. `insert`, `tableCreate`.
    pub name: &'static str,
    /// The write targets a table of the `rethinkdb` system database.
    pub system_table: Option<String>,
}

const WRITES: &[(u32, &str)] = &[
    (53, "update"),
    (54, "delete"),
    (55, "replace"),
    (56, "insert"),
    (57, "dbCreate"),
    (58, "dbDrop"),
    (60, "tableCreate"),
    (61, "tableDrop"),
    (68, "forEach"),
    (75, "indexCreate"),
    (76, "indexDrop"),
    (138, "sync"),
    (156, "indexRename"),
    (176, "reconfigure"),
    (179, "rebalance"),
    (188, "grant"),
    (189, "setWriteHook"),
];

const TT_DB: u64 = 14;
const TT_TABLE: u64 = 15;

/// The first write or admin term of `term` in document pre-order, or `None` for a read.
pub fn writes(term: &Value) -> Option<WriteInfo> {
    let mut stack = vec![term];
    while let Some(t) = stack.pop() {
        match t {
            Value::Array(items) => {
                let tt = items.first().and_then(Value::as_u64);
                if let Some(tt) = tt
                    && let Some((_, name)) = WRITES.iter().find(|(w, _)| u64::from(*w) == tt)
                {
                    let system_table = if matches!(tt, 53..=56) {
                        items
                            .get(1)
                            .and_then(|a| a.as_array())
                            .and_then(|a| a.first())
                            .and_then(system_table)
                    } else {
                        None
                    };
                    return Some(WriteInfo {
                        term_type: u32::try_from(tt).unwrap_or(0),
                        name,
                        system_table,
                    });
                }
                // Push in reverse so that the first argument is visited first.
                if tt.is_some() {
                    if let Some(Value::Object(o)) = items.get(2) {
                        stack.extend(o.values().rev());
                    }
                    if let Some(Value::Array(args)) = items.get(1) {
                        stack.extend(args.iter().rev());
                    }
                } else {
                    stack.extend(items.iter().rev());
                }
            }
            Value::Object(o) => stack.extend(o.values().rev()),
            _ => {}
        }
    }
    None
}

/// If `t` selects from a table of the `rethinkdb` database (directly or through
/// get/filter/between...), its name.
fn system_table(t: &Value) -> Option<String> {
    let mut cur = t;
    for _ in 0..64 {
        let items = cur.as_array()?;
        let tt = items.first()?.as_u64()?;
        let args = items.get(1)?.as_array()?;
        if tt == TT_TABLE {
            let db = args.first()?.as_array()?;
            let is_sys = db.first()?.as_u64()? == TT_DB
                && db.get(1)?.as_array()?.first()?.as_str()? == "rethinkdb";
            return if is_sys {
                args.get(1)?.as_str().map(str::to_string)
            } else {
                None
            };
        }
        cur = args.first()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_are_not_writes() {
        assert_eq!(
            writes(&json!([39, [[15, ["t"]], [69, [[2, [0]], true]]]])),
            None
        );
        assert_eq!(writes(&json!({"a": [2, [1]]})), None);
    }

    #[test]
    fn finds_the_first_write() {
        let w = writes(&json!([68, [[173, [3]], [69, [[2, [0]], [56, [[15, ["t"]], {"a": 1}]]]]]]))
            .unwrap();
        assert_eq!((w.term_type, w.name), (68, "forEach"));
        let w = writes(
            &json!([170, [[56, [[15, ["t"]], {"a": 1}], {"return_changes": true}], "changes"]]),
        )
        .unwrap();
        assert_eq!(w.name, "insert");
        assert_eq!(
            writes(&json!([60, [[14, ["d"]], "t"]])).unwrap().name,
            "tableCreate"
        );
    }

    #[test]
    fn system_table_writes_are_named() {
        let t =
            json!([53, [[16, [[15, [[14, ["rethinkdb"]], "users"]], "bob"]], {"password": "x"}]]);
        assert_eq!(writes(&t).unwrap().system_table.as_deref(), Some("users"));
        let t = json!([53, [[15, [[14, ["test"]], "users"]], {"a": 1}]]);
        assert_eq!(writes(&t).unwrap().system_table, None);
    }
}
