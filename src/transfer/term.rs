//! The wire terms the transfers send, built as JSON (ql2 term numbers, no compiler needed).

use serde_json::{Value, json};

use crate::protocol::TermType as T;

fn tt(t: T) -> i64 {
    t.as_i64()
}

/// `r.db(db)`.
pub fn db(db: &str) -> Value {
    json!([tt(T::Db), [db]])
}

/// `r.db(db).table(table)`.
pub fn table(db_name: &str, table: &str) -> Value {
    json!([tt(T::Table), [db(db_name), table]])
}

/// `r.db("rethinkdb").table("table_config").pluck("db", "name")`.
pub fn table_list() -> Value {
    json!([
        tt(T::Pluck),
        [table("rethinkdb", "table_config"), "db", "name"]
    ])
}

/// `r.db(db).tableList()`.
pub fn db_table_list(db_name: &str) -> Value {
    json!([tt(T::TableList), [db(db_name)]])
}

/// `r.dbList()`.
pub fn db_list() -> Value {
    json!([tt(T::DbList), []])
}

/// `r.dbCreate(db)`.
pub fn db_create(name: &str) -> Value {
    json!([tt(T::DbCreate), [name]])
}

/// `r.db(db).tableCreate(table, {primary_key, shards, replicas})`.
pub fn table_create(db_name: &str, table: &str, options: &serde_json::Map<String, Value>) -> Value {
    json!([tt(T::TableCreate), [db(db_name), table], options])
}

/// `TABLE.wait()`.
pub fn wait(t: Value) -> Value {
    json!([tt(T::Wait), [t]])
}

/// `TABLE.info()`.
pub fn info(t: Value) -> Value {
    json!([tt(T::Info), [t]])
}

/// `TABLE.info()("doc_count_estimates").sum()`.
pub fn count_estimate(t: Value) -> Value {
    json!([
        tt(T::Sum),
        [[tt(T::Bracket), [info(t), "doc_count_estimates"]]]
    ])
}

/// `TABLE.indexStatus()`.
pub fn index_status(t: Value) -> Value {
    json!([tt(T::IndexStatus), [t]])
}

/// `TABLE.indexList()`.
pub fn index_list(t: Value) -> Value {
    json!([tt(T::IndexList), [t]])
}

/// `TABLE.indexDrop(name)`.
pub fn index_drop(t: Value, name: &str) -> Value {
    json!([tt(T::IndexDrop), [t, name]])
}

/// `TABLE.indexCreate(name, function)`: the function as `indexStatus()` gave it (a BINARY).
pub fn index_create(t: Value, name: &str, function: &Value) -> Value {
    json!([tt(T::IndexCreate), [t, name, function]])
}

/// `TABLE.indexWait(names...)`.
pub fn index_wait(t: Value, names: &[String]) -> Value {
    let mut args = vec![t];
    args.extend(names.iter().map(|n| Value::from(n.as_str())));
    json!([tt(T::IndexWait), args])
}

/// `TABLE.getWriteHook()`.
pub fn get_write_hook(t: Value) -> Value {
    json!([tt(T::GetWriteHook), [t]])
}

/// `TABLE.setWriteHook(function)` (a BINARY from `getWriteHook()`, or null to drop it).
pub fn set_write_hook(t: Value, function: &Value) -> Value {
    json!([tt(T::SetWriteHook), [t, function]])
}

/// `TABLE.orderBy({index: key})`: every document, in primary key order, as a stream.
pub fn ordered(t: Value, primary_key: &str) -> Value {
    json!([tt(T::OrderBy), [t], {"index": primary_key}])
}

/// The text of `TABLE.insert([docs...], {conflict, durability})`, the documents given as wire
/// text already (see [`crate::transfer::format::wire_document`]); the answer holds the counts
/// and the first error only. The server does about a fifth less work than with
/// `return_changes` (see [`insert_changes_text`]).
pub fn insert_text(t: &Value, docs: &str, conflict: &str, durability: &str) -> String {
    format!(
        "[{},[{t},[{},[{docs}]]],{{\"conflict\":{},\"durability\":{}}}]",
        tt(T::Insert),
        tt(T::MakeArray),
        Value::from(conflict),
        Value::from(durability)
    )
}

/// The text of `[docs...].map(d => d.hasFields(pk) ? TABLE.get(d(pk)).ne(d) : null)`: for
/// each document, whether the table holds something else under its key (so that, with
/// `conflict: "error"`, its insert failed), or null when it has no key of its own. With
/// `only_missing`, whether the table holds nothing under its key (`.eq(null)`): for a table
/// whose write hook changes what it stores.
pub fn stored_differs_text(t: &Value, docs: &str, primary_key: &str, only_missing: bool) -> String {
    let doc = || json!([tt(T::Var), [1]]);
    let key = json!([tt(T::Bracket), [doc(), primary_key]]);
    let stored = json!([tt(T::Get), [t, key]]);
    let differs = if only_missing {
        json!([tt(T::Eq), [stored, null]])
    } else {
        json!([tt(T::Ne), [stored, doc()]])
    };
    let has_key = json!([tt(T::HasFields), [doc(), primary_key]]);
    let body = json!([tt(T::Branch), [has_key, differs, null]]);
    let func = json!([tt(T::Func), [[tt(T::MakeArray), [1]], body]]);
    format!("[{},[[{},[{docs}]],{func}]]", tt(T::Map), tt(T::MakeArray))
}

/// The text of `TABLE.insert([docs...], {conflict, durability, return_changes: "always"})`;
/// when documents fail, the answer's `changes` holds, for each document in order, the
/// server's message or null.
pub fn insert_changes_text(t: &Value, docs: &str, conflict: &str, durability: &str) -> String {
    let insert = format!(
        "[{},[{t},[{},[{docs}]]],{{\"conflict\":{},\"durability\":{},\"return_changes\":\"always\"}}]",
        tt(T::Insert),
        tt(T::MakeArray),
        Value::from(conflict),
        Value::from(durability)
    );
    // `.do(res => r.branch(res("errors").eq(0), res.without("changes"),
    //   res.merge({changes: res("changes").map(c => c("error").default(null))})))`:
    // the server keeps the changes to itself unless a document failed, and then sends one
    // message or null per document, in the order of the documents.
    let res = || json!([tt(T::Var), [1]]);
    let change = json!([tt(T::Var), [2]]);
    let errors = json!([
        tt(T::Map),
        [
            [tt(T::Bracket), [res(), "changes"]],
            [
                tt(T::Func),
                [
                    [tt(T::MakeArray), [2]],
                    [tt(T::Default), [[tt(T::Bracket), [change, "error"]], null]]
                ]
            ]
        ]
    ]);
    let body = json!([
        tt(T::Branch),
        [
            [tt(T::Eq), [[tt(T::Bracket), [res(), "errors"]], 0]],
            [tt(T::Without), [res(), "changes"]],
            [tt(T::Merge), [res(), {"changes": errors}]]
        ]
    ]);
    let func = json!([tt(T::Func), [[tt(T::MakeArray), [1]], body]]);
    format!("[{},[{func},{insert}]]", tt(T::Funcall))
}
