//! Property tests: lexing, parsing, compiling, splitting and rendering never panic, on
//! arbitrary text and on mutations of real queries.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use rdbsh::reql::{Env, compile, is_complete, split_statements};

const SEEDS: &[&str] = &[
    "r.table('t').filter(r.row('a').gt(1)).orderBy(r.desc('b')).limit(3)",
    "r.do(1, 2, function (a, b) { return a.add(b); })",
    "var x = {a: [1, 2, {b: `s`}]}; r.expr(x).merge({c: r.now()}).run(conn, {db: 'x'})",
    "r.table('t').insert(function(){\nvar res = []\nfor (var i = 0; i < 3; i++) {\nres.push({id:i});\n}\nreturn res;\n}())",
    "r.expr([1,2]).map(x => x.mul(2)).reduce((a, b) => { return a.add(b) })",
    "r.table('t').getAll('a', {index: 'b'}).update({n: r.row('n').add(1)}, {returnChanges: true})",
    "r.binary(Buffer.from('aGk=', 'base64')).count() /* c */ // d",
];

fn exercise(src: &str) {
    let mut env = Env::new();
    match compile(src, &mut env) {
        Ok(stmts) => {
            for s in stmts {
                if let rdbsh::reql::Statement::Query(q) = s {
                    let _ = q.span_of(&[
                        serde_json::json!(0),
                        serde_json::json!("x"),
                        serde_json::json!(1),
                    ]);
                    let _ = rdbsh::reql::writes(&q.term());
                    let _ = q.start_message(&Default::default());
                }
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            for d in diags {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= src.len(),
                    "span out of range: {d:?} in {src:?}"
                );
                let _ = rdbsh::shell::carets::render(&d, src, Some(("f", 3)), true);
            }
        }
    }
    for s in split_statements(src) {
        assert!(s.end <= src.len());
    }
    let _ = is_complete(src);
}

fn mutate(seed: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for &(pos, op, c) in edits {
        let i = if chars.is_empty() {
            0
        } else {
            pos % (chars.len() + 1)
        };
        match op % 3 {
            0 => chars.insert(i, c),
            1 if i < chars.len() => {
                chars.remove(i);
            }
            _ if i < chars.len() => chars[i] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        exercise(&src);
    }

    #[test]
    fn punctuation_soup_never_panics(src in "[rexp()\\[\\]{}.,;:'\"`=>+\\-*/!?0-9a-z \n\\\\]{0,120}") {
        exercise(&src);
    }

    #[test]
    fn mutated_queries_never_panic(
        seed in 0..SEEDS.len(),
        edits in prop::collection::vec((0usize..400, 0u8..3, prop::sample::select(vec!['(', ')', '[', ']', '{', '}', '.', ',', '\'', '"', '`', '\\', ';', '\n', 'x', '1', '-', '+', '=', '/', '*'])), 1..6),
    ) {
        exercise(&mutate(SEEDS[seed], &edits));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "(", "{a:", "r.expr(", "function(){return "] {
        let src = open.repeat(20_000);
        assert!(compile(&src, &mut Env::new()).is_err());
    }
    let chain = format!("r.expr(1){}", ".add(1)".repeat(50_000));
    assert!(compile(&chain, &mut Env::new()).is_err());
    let ops = format!("r.expr(1{})", " + 1".repeat(50_000));
    assert!(compile(&ops, &mut Env::new()).is_err());
    let unary = format!("r.expr({}1)", "-".repeat(50_000));
    assert!(compile(&unary, &mut Env::new()).is_err());
    let grow = "var x = r.expr(1);\n".to_string() + &"x = x.add(1);\n".repeat(5_000) + "x";
    assert!(compile(&grow, &mut Env::new()).is_err());
}
