//! Compiles every expression of the polyglot conformance corpus and compares the term with
//! the official JavaScript driver's, after the README's normalization.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use rdbsh::reql::compile_query;
use serde_json::Value;

use common::term::{normalize, same, shared_dir};

fn corpus_path() -> PathBuf {
    shared_dir().join("conformance/polyglot_js.jsonl")
}

#[test]
fn polyglot_corpus_matches_the_driver() {
    let path = corpus_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!(
            "cannot read the corpus at {} ({e}); set RDBSH_SHARED to the shared/ directory",
            path.display()
        ),
    };
    let (mut terms, mut term_ok, mut errors, mut error_ok) = (0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let rec: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let js = rec["js"].as_str().unwrap_or_default();
        let id = &rec["id"];
        let got = compile_query(js);
        // `r(null)` and `r.expr(null)` carry `"error": null`: the corpus recorded the driver's
        // term, `null`, in the error field (the driver builds `null`; checked with js_oracle).
        let expected = rec
            .get("term")
            .or_else(|| rec.get("error").filter(|e| e.is_null()));
        if let Some(expected) = expected {
            terms += 1;
            match got {
                Ok(q) => {
                    if same(&normalize(&q.term()), &normalize(expected)) {
                        term_ok += 1;
                    } else {
                        misses.push(format!(
                            "#{id} term differs: {js}\n   want {}\n   got  {}",
                            normalize(expected),
                            normalize(&q.term())
                        ));
                    }
                }
                Err(d) => misses.push(format!(
                    "#{id} refused: {js}\n   {}",
                    d.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            }
        } else {
            errors += 1;
            match got {
                Err(_) => error_ok += 1,
                Ok(q) => misses.push(format!(
                    "#{id} accepted but the driver refuses it ({}): {js}\n   got {}",
                    rec["error"],
                    q.term()
                )),
            }
        }
    }
    for m in &misses {
        println!("{m}");
    }
    println!("terms: {term_ok}/{terms} equal; errors: {error_ok}/{errors} refused");
    assert!(
        term_ok * 100 >= terms * 99,
        "fewer than 99% of the term cases match"
    );
    assert_eq!(error_ok, errors, "every error case must be refused");
}
