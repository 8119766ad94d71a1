//! Compiles every expression of the polyglot conformance corpus and compares the term with
//! the official JavaScript driver's, after the README's normalization.

use std::collections::HashMap;
use std::path::PathBuf;

use rdbsh::reql::compile_query;
use serde_json::Value;

fn corpus_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("RDBSH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // CI clones the repository with shared/ beside it; developer worktrees sit one level deeper.
            [root.join("../shared"), root.join("../../shared")]
                .into_iter()
                .find(|p| p.is_dir())
                .unwrap_or(root.join("../shared"))
        });
    shared.join("conformance/polyglot_js.jsonl")
}

/// Renames FUNC parameters to 0, 1, 2... in document pre-order; VARs follow their binder.
fn normalize(t: &Value) -> Value {
    fn walk(t: &Value, scopes: &mut Vec<HashMap<i64, i64>>, next: &mut i64) -> Value {
        match t {
            Value::Array(items) => {
                let tt = items.first().and_then(Value::as_i64);
                let args = items.get(1).and_then(Value::as_array);
                if tt == Some(69)
                    && let Some(args) = args
                    && args.len() == 2
                    && let Some(params) = args[0]
                        .as_array()
                        .filter(|p| p.first().and_then(Value::as_i64) == Some(2))
                    && let Some(ids) = params.get(1).and_then(Value::as_array)
                {
                    let mut map = HashMap::new();
                    let mut new_ids = Vec::new();
                    for id in ids {
                        let n = *next;
                        *next += 1;
                        if let Some(i) = id.as_f64() {
                            map.insert(i as i64, n);
                        }
                        new_ids.push(Value::from(n));
                    }
                    scopes.push(map);
                    let body = walk(&args[1], scopes, next);
                    scopes.pop();
                    let mut out = vec![
                        Value::from(69),
                        Value::Array(vec![
                            Value::Array(vec![Value::from(2), Value::Array(new_ids)]),
                            body,
                        ]),
                    ];
                    if let Some(o) = items.get(2) {
                        out.push(walk(o, scopes, next));
                    }
                    return Value::Array(out);
                }
                if tt == Some(10)
                    && let Some(args) = args
                    && args.len() == 1
                    && let Some(id) = args[0].as_f64()
                {
                    for s in scopes.iter().rev() {
                        if let Some(n) = s.get(&(id as i64)) {
                            let mut out =
                                vec![Value::from(10), Value::Array(vec![Value::from(*n)])];
                            if let Some(o) = items.get(2) {
                                out.push(o.clone());
                            }
                            return Value::Array(out);
                        }
                    }
                    return t.clone();
                }
                Value::Array(items.iter().map(|i| walk(i, scopes, next)).collect())
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), walk(v, scopes, next)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(t, &mut Vec::new(), &mut 0)
}

/// Equality with numbers as doubles and objects as key sets.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // serde_json's default float parser may be one unit in the last place off, so allow that.
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q || (p.to_bits() as i64 - q.to_bits() as i64).abs() <= 1,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
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
        if let Some(expected) = rec.get("term") {
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
