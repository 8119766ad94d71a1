//! Compiles every expression of the Python conformance corpus with the Python front end and
//! compares the term with the official Python driver's, after the README's normalization.
//! The corpus lives in `../shared`; without it the test is skipped with a notice, unless CI
//! requires the judges (`RDBSH_REQUIRE_JUDGES=1`).
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use rdbsh::reql::python::compile_query;
use serde_json::Value;

use common::term::{normalize, same, shared_dir};

#[test]
fn python_corpus_matches_the_driver() {
    let path = shared_dir().join("conformance/polyglot_py.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var("RDBSH_REQUIRE_JUDGES").as_deref() != Ok("1"),
            "cannot read {} with RDBSH_REQUIRE_JUDGES=1; set RDBSH_SHARED",
            path.display()
        );
        println!("notice: no corpus at {}, test skipped", path.display());
        return;
    };
    let (mut terms, mut term_ok, mut errors, mut error_ok) = (0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let rec: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let py = rec["py"].as_str().unwrap_or_default();
        let id = &rec["id"];
        let got = compile_query(py);
        if let Some(expected) = rec.get("term") {
            terms += 1;
            match got {
                Ok(q) if same(&normalize(&q.term()), &normalize(expected)) => term_ok += 1,
                Ok(q) => misses.push(format!(
                    "#{id} term differs: {py}\n   want {}\n   got  {}",
                    normalize(expected),
                    normalize(&q.term())
                )),
                Err(d) => misses.push(format!("#{id} refused: {py}\n   {}", d[0])),
            }
        } else {
            errors += 1;
            match got {
                Err(_) => error_ok += 1,
                Ok(q) => misses.push(format!(
                    "#{id} accepted but the driver refuses it ({}): {py}\n   got {}",
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
    assert_eq!(term_ok, terms, "every term case must match");
    assert_eq!(error_ok, errors, "every error case must be refused");
}
