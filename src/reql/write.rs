//! Write analysis: does a compiled term change data or cluster state? Used by read-only profiles.

use serde_json::Value;

use crate::protocol::TermType;

/// The first write or admin term found in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteInfo {
    /// Its term type.
    pub term_type: TermType,
    /// The JavaScript method name, e.g. `insert`, `tableCreate`.
    pub name: &'static str,
    /// The write targets a table of the `rethinkdb` system database.
    pub system_table: Option<String>,
}

const WRITES: &[(TermType, &str)] = &[
    (TermType::Update, "update"),
    (TermType::Delete, "delete"),
    (TermType::Replace, "replace"),
    (TermType::Insert, "insert"),
    (TermType::DbCreate, "dbCreate"),
    (TermType::DbDrop, "dbDrop"),
    (TermType::TableCreate, "tableCreate"),
    (TermType::TableDrop, "tableDrop"),
    (TermType::ForEach, "forEach"),
    (TermType::IndexCreate, "indexCreate"),
    (TermType::IndexDrop, "indexDrop"),
    (TermType::Sync, "sync"),
    (TermType::IndexRename, "indexRename"),
    (TermType::Reconfigure, "reconfigure"),
    (TermType::Rebalance, "rebalance"),
    (TermType::Grant, "grant"),
    (TermType::SetWriteHook, "setWriteHook"),
];

/// The type of the wire term `[type, [args...], {optargs}]`, when `v` is one.
fn type_of(v: &Value) -> Option<TermType> {
    TermType::from_i64(v.get(0)?.as_i64()?)
}

/// The first write or admin term of `term` in document pre-order, or `None` for a read.
pub fn writes(term: &Value) -> Option<WriteInfo> {
    let mut stack = vec![term];
    while let Some(t) = stack.pop() {
        match t {
            Value::Array(items) => {
                if let Some(tt) = type_of(t)
                    && let Some(&(_, name)) = WRITES.iter().find(|(w, _)| *w == tt)
                {
                    let system_table = if matches!(
                        tt,
                        TermType::Update | TermType::Delete | TermType::Replace | TermType::Insert
                    ) {
                        items
                            .get(1)
                            .and_then(|a| a.as_array())
                            .and_then(|a| a.first())
                            .and_then(system_table)
                    } else {
                        None
                    };
                    return Some(WriteInfo {
                        term_type: tt,
                        name,
                        system_table,
                    });
                }
                // Push in reverse so that the first argument is visited first.
                if items.first().is_some_and(Value::is_u64) {
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
        let args = items.get(1)?.as_array()?;
        if type_of(cur)? == TermType::Table {
            let db = args.first()?;
            let is_sys = type_of(db)? == TermType::Db
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
        if type_of(cur)? == TermType::Table {
            let name = args.last()?.as_str()?.to_owned();
            let db = (args.len() == 2)
                .then(|| args.first())
                .flatten()
                .filter(|db| type_of(db) == Some(TermType::Db))
                .and_then(|db| db.get(1)?.get(0)?.as_str())
                .map(str::to_owned);
            return Some((db, name));
        }
        cur = args.first()?;
    }
    None
}

/// Why a query needs confirmation before it runs: an update, replace or delete whose
/// selection no `get`, `getAll` or document-dependent `filter` bounds (see [`is_bounded`]), or
/// a drop of a database, table or index, a reconfigure or a rebalance; `None` for anything
/// else (reads, bounded writes, inserts). Every front end asks before running it.
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
        match type_of(t) {
            Some(tt @ (TermType::Update | TermType::Delete | TermType::Replace)) => {
                if let Some(what) = args.and_then(|a| a.first()).and_then(|s| unbounded(tt, s)) {
                    return Some(what);
                }
            }
            Some(TermType::DbDrop) => return Some(format!("drops database {}", name(t))),
            Some(TermType::TableDrop) => {
                let table = args.and_then(|a| a.last()).and_then(Value::as_str);
                return Some(match table {
                    Some(n) => format!("drops table `{n}`"),
                    None => "drops a table".to_owned(),
                });
            }
            Some(TermType::IndexDrop) => return Some("drops an index".to_owned()),
            Some(TermType::Reconfigure) => {
                return Some("reconfigures shards and replicas".to_owned());
            }
            Some(TermType::Rebalance) => return Some("rebalances shards".to_owned()),
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

/// What a write of type `tt` to `selection` does when nothing bounds the selection.
fn unbounded(tt: TermType, selection: &Value) -> Option<String> {
    if is_bounded(selection) {
        return None;
    }
    let verb = match tt {
        TermType::Update => "updates",
        TermType::Replace => "replaces",
        _ => "deletes",
    };
    let (_, table) = table_of(selection)?;
    let whole = type_of(selection) == Some(TermType::Table);
    Some(if whole {
        format!("{verb} every document of table `{table}`")
    } else {
        let prep = if tt == TermType::Delete { "from" } else { "in" };
        format!(
            "{verb} documents {prep} table `{table}` with no get, getAll or filter to bound them"
        )
    })
}

/// True when a write's selection is bounded: somewhere between it and its table there is a
/// `get`, a `getAll`, or a `filter` whose predicate depends on the document (a function of it
/// or a field pattern, not `true` or `{}`). A selection that does not come from a table at
/// all (a variable, a literal) is not the whole of anything.
pub fn is_bounded(selection: &Value) -> bool {
    let mut cur = selection;
    for _ in 0..64 {
        let Some(items) = cur.as_array() else {
            return true;
        };
        let args = items.get(1).and_then(Value::as_array);
        match type_of(cur) {
            // `nth` picks one document (and counting it would count its fields).
            Some(TermType::Get | TermType::GetAll | TermType::Nth) => return true,
            Some(TermType::Filter) if args.and_then(|a| a.get(1)).is_some_and(picks_documents) => {
                return true;
            }
            Some(TermType::Table) => return false,
            Some(_) => {}
            None => return true,
        }
        match args.and_then(|a| a.first()) {
            Some(receiver) => cur = receiver,
            None => return true,
        }
    }
    true
}

/// A filter predicate that can tell documents apart: a non-empty field pattern, or a term that
/// reads the document (a variable, `r.row`) or runs JavaScript.
fn picks_documents(predicate: &Value) -> bool {
    match predicate {
        Value::Object(fields) => !fields.is_empty(),
        Value::Array(_) => any_term(
            predicate,
            &[TermType::Var, TermType::ImplicitVar, TermType::Javascript],
        ),
        _ => false,
    }
}

/// True when `term` holds a term of one of these types anywhere (optargs included).
fn any_term(term: &Value, types: &[TermType]) -> bool {
    match term {
        Value::Array(items) => match items.first().and_then(Value::as_u64) {
            // A term `[type, [args...], {optargs}]`: the argument list is walked as one, so
            // a number leading it is never taken for a term type.
            Some(_) => {
                type_of(term).is_some_and(|tt| types.contains(&tt))
                    || items
                        .get(1)
                        .and_then(Value::as_array)
                        .is_some_and(|args| args.iter().any(|a| any_term(a, types)))
                    || items.get(2).is_some_and(|o| any_term(o, types))
            }
            None => items.iter().any(|a| any_term(a, types)),
        },
        Value::Object(fields) => fields.values().any(|v| any_term(v, types)),
        _ => false,
    }
}

/// The `count()` of the selection of the first unbounded update, replace or delete in `term`,
/// when counting it is cheap (no function or JavaScript to run per document); `None` otherwise.
pub fn selection_count(term: &Value) -> Option<Value> {
    let mut stack = vec![term];
    while let Some(t) = stack.pop() {
        let items = t.as_array()?;
        let args = items.get(1).and_then(Value::as_array);
        let selection = args.and_then(|a| a.first());
        if let (Some(TermType::Update | TermType::Delete | TermType::Replace), Some(selection)) =
            (type_of(t), selection)
            && !is_bounded(selection)
        {
            return (!any_term(
                selection,
                &[TermType::Func, TermType::Javascript, TermType::Http],
            ))
            .then(|| serde_json::json!([TermType::Count.as_i64(), [selection]]));
        }
        stack.extend(args.into_iter().flatten().filter(|a| a.is_array()));
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
        assert_eq!((w.term_type, w.name), (TermType::ForEach, "forEach"));
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
    fn a_constant_filter_does_not_bound_a_write_even_with_numbers_first() {
        // filter(r.expr(10).eq(10)): the argument list [10, 10] is no VAR term.
        let t = json!([54, [[39, [[15, ["t"]], [17, [10, 10]]]]]]);
        assert!(destructive(&t).is_some());
        let t = json!([
            54,
            [[39, [[15, ["t"]], [69, [[2, [1]], [17, [[10, [1]], 1]]]]]]]
        ]);
        assert!(destructive(&t).is_none());
        // r.table('t').nth(0).delete(): one document.
        assert!(destructive(&json!([54, [[45, [[15, ["t"]], 0]]]])).is_none());
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
