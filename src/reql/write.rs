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

/// The table a query reads from through its chain of receivers (`changes`, `limit`,
/// `orderBy`, `filter`... down to `table`): its database when named as a literal, and its name.
pub fn table_of(term: &Value) -> Option<(Option<String>, String)> {
    let mut cur = term;
    for _ in 0..64 {
        let items = cur.as_array()?;
        let args = items.get(1)?.as_array()?;
        if items.first()?.as_u64()? == TT_TABLE {
            let name = args.last()?.as_str()?.to_owned();
            let db = (args.len() == 2)
                .then(|| args.first())
                .flatten()
                .filter(|db| db.get(0).and_then(Value::as_u64) == Some(TT_DB))
                .and_then(|db| db.get(1)?.get(0)?.as_str())
                .map(str::to_owned);
            return Some((db, name));
        }
        cur = args.first()?;
    }
    None
}

/// Why a query needs confirmation before it runs: it deletes every document of a table,
/// drops a database, table or index, or reconfigures or rebalances; `None` for anything else
/// (reads, filtered deletes, inserts, updates). The TUI and the REPL ask before running it.
pub fn destructive(term: &Value) -> Option<String> {
    // Only terms that write at all are looked at further.
    writes(term)?;
    let name = |t: &Value| -> String {
        t.get(1)
            .and_then(|args| args.get(0))
            .and_then(Value::as_str)
            .map_or_else(|| "(computed)".to_owned(), |n| format!("`{n}`"))
    };
    let mut stack = vec![term];
    while let Some(t) = stack.pop() {
        let Value::Array(items) = t else {
            if let Value::Object(map) = t {
                stack.extend(map.values());
            }
            continue;
        };
        let args = items.get(1).and_then(Value::as_array);
        let first = args.and_then(|a| a.first());
        let table_of = |t: Option<&Value>| {
            t.filter(|t| t.get(0).and_then(Value::as_u64) == Some(TT_TABLE))
                .and_then(|t| t.get(1))
                .and_then(|a| a.as_array())
                .and_then(|a| a.last())
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        match items.first().and_then(Value::as_u64) {
            Some(TT_DELETE) => {
                if let Some(table) = table_of(first) {
                    return Some(format!("deletes every document of table `{table}`"));
                }
            }
            Some(TT_DB_DROP) => return Some(format!("drops database {}", name(t))),
            Some(TT_TABLE_DROP) => {
                let table = args.and_then(|a| a.last()).and_then(Value::as_str);
                return Some(match table {
                    Some(n) => format!("drops table `{n}`"),
                    None => "drops a table".to_owned(),
                });
            }
            Some(TT_INDEX_DROP) => return Some("drops an index".to_owned()),
            Some(TT_RECONFIGURE) => return Some("reconfigures shards and replicas".to_owned()),
            Some(TT_REBALANCE) => return Some("rebalances shards".to_owned()),
            _ => {}
        }
        if let Some(args) = args {
            stack.extend(args);
        }
        if let Some(Value::Object(opts)) = items.get(2) {
            stack.extend(opts.values());
        }
    }
    None
}

const TT_DELETE: u64 = 54;
const TT_DB_DROP: u64 = 58;
const TT_TABLE_DROP: u64 = 61;
const TT_INDEX_DROP: u64 = 76;
const TT_RECONFIGURE: u64 = 176;
const TT_REBALANCE: u64 = 179;

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
    fn the_table_is_found_under_the_receivers() {
        let feed = json!([152, [[71, [[41, [[15, [[14, ["demo"]], "t"]]], {"index": "id"}], 3]]]]);
        assert_eq!(table_of(&feed), Some((Some("demo".into()), "t".into())));
        assert_eq!(table_of(&json!([15, ["t"]])), Some((None, "t".into())));
        assert_eq!(table_of(&json!([2, [1, 2]])), None);
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
