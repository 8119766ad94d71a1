//! Replays the polyglot conformance corpus through the sandbox (developer tool, ignored by
//! default): `SANDBOX_CORPUS_IN=in.jsonl SANDBOX_CORPUS_OUT=out.jsonl cargo test --test
//! sandbox_conformance -- --ignored`. Each input line is `{id, file, tables, term}`; lines of one
//! file share a fresh sandbox whose `test` db holds the listed tables.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use rdbsh::sandbox::{ErrorKind, Outcome, Sandbox};
use serde_json::{Map, Value, json};

fn eval(sb: &Sandbox, term: &Value) -> Value {
    match sb.start(term, &Map::new()) {
        Err(e) => {
            let kind = match e.kind {
                ErrorKind::Compile => "compile".to_string(),
                ErrorKind::Client => "client".to_string(),
                ErrorKind::Runtime(t) => format!("{t:?}"),
            };
            json!({"err": {"kind": kind, "msg": e.message, "bt": e.backtrace}})
        }
        Ok(r) => match r.outcome {
            Outcome::Atom(v) => json!({"ok": v}),
            Outcome::Sequence(mut s) => match s.next_batch(2000) {
                Ok((rows, _)) => json!({"ok": rows}),
                Err(e) => json!({"err": {"kind": "stream", "msg": e.message}}),
            },
            Outcome::Feed(mut f) => json!({"feed": f.ready_rows()}),
        },
    }
}

#[test]
#[ignore]
fn replay_corpus() {
    let (Ok(inp), Ok(outp)) = (
        std::env::var("SANDBOX_CORPUS_IN"),
        std::env::var("SANDBOX_CORPUS_OUT"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(inp).unwrap();
    let mut out = std::fs::File::create(outp).unwrap();
    let mut current = String::new();
    let mut sb = Sandbox::new();
    for line in text.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        let file = rec["file"].as_str().unwrap_or_default().to_string();
        if file != current {
            current = file;
            sb = Sandbox::new();
            for t in rec["tables"].as_array().cloned().unwrap_or_default() {
                let _ = sb.start(&json!([60, [[14, ["test"]], t]]), &Map::new());
            }
        }
        let res = eval(&sb, &rec["term"]);
        writeln!(out, "{}", json!({"id": rec["id"], "res": res})).unwrap();
    }
}
