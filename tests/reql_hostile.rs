//! Hostile input to the compiler: every statement costs bounded work and memory, and what is
//! refused says which limit it met.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use rdbsh::reql::{COMPILE_BUDGET, Diagnostic, Env, compile, split_statements};

fn diagnostics(src: &str) -> Vec<Diagnostic> {
    match compile(src, &mut Env::new()) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

#[track_caller]
fn refused_by_budget(src: &str) {
    let d = diagnostics(src);
    let mib = format!("{} MiB", COMPILE_BUDGET >> 20);
    // One string meets its own limit (16 MiB) first, and library calls on huge values the
    // step limit (they cost what the loop doing them would); each message names its limit.
    assert!(
        d.iter().any(|d| (d.message.contains("compile budget")
            && (d.message.contains(&mib) || d.message.contains("16 MiB")))
            || d.message.contains("runs too long")),
        "{src}: not refused by the compile budget: {d:?}"
    );
}

/// Doubling a value 40 times would build terabytes; each way of building is counted.
const DOUBLINGS: &[&str] = &[
    "s = s + s",
    "s += s",
    "s = `${s}${s}`",
    "s = [s, s].join('')",
    "s = s.concat(s)",
    "a = [...a, ...a]",
    "a = a.concat(a)",
    "a.push(...a)",
    "o = {...o, [String(Object.keys(o).length)]: JSON.stringify(o) + JSON.stringify(o)}",
    "a = a.map(x => x).concat(a.slice())",
];

#[test]
fn every_way_of_doubling_meets_the_compile_budget() {
    for body in DOUBLINGS {
        let src = format!(
            "var s = 'ab', a = [1, 2], o = {{k: 'v'}}; \
             for (const i of Array.from({{length: 40}})) {{ {body} }}; r.expr(1)"
        );
        refused_by_budget(&src);
    }
}

#[test]
fn values_under_the_budget_still_compile() {
    let src =
        "var s = 'ab'; for (const i of Array.from({length: 20})) { s = s + s }; r.expr(s.length)";
    assert!(diagnostics(src).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any mix of the doubling steps ends under the budget or is refused by it: nothing else.
    #[test]
    fn mixed_doublings_are_bounded(steps in prop::collection::vec(0..DOUBLINGS.len(), 30..40)) {
        let body: Vec<&str> = steps.iter().map(|&i| DOUBLINGS[i]).collect();
        let src = format!(
            "var s = 'ab', a = [1, 2], o = {{k: 'v'}}; {}; r.expr(1)",
            body.join("; ")
        );
        let d = diagnostics(&src);
        prop_assert!(d.iter().all(|d| d.message.contains("compile budget")
            || d.message.contains("too long")), "{src}: {d:?}");
    }
}

// ---- brackets and comments ----

/// Diagnostics of a whole text as `rdbsh compile` reports them (statement by statement).
fn file_diagnostics(src: &str) -> Vec<Diagnostic> {
    let mut env = Env::new();
    split_statements(src)
        .into_iter()
        .flat_map(|s| match compile(s.text(src), &mut env) {
            Ok(_) => Vec::new(),
            Err(d) => d,
        })
        .collect()
}

#[test]
fn unclosed_brackets_give_a_few_diagnostics_however_many() {
    for src in [
        "[".repeat(100_000),
        "[".repeat(1_000_000),
        "r.expr(".repeat(30_000),
        "{a: ".repeat(50_000),
        ")".repeat(50_000),
        "(]".repeat(50_000),
        "[\n".repeat(50_000),
    ] {
        let d = file_diagnostics(&src);
        assert!(
            !d.is_empty() && d.len() <= 5,
            "{}…: {} diagnostics",
            &src[..8],
            d.len()
        );
    }
}

#[test]
fn the_first_unclosed_bracket_is_the_one_reported() {
    let d = diagnostics("r.table('a').filter(function (x) { return x");
    assert_eq!(d[0].message, "unclosed `(`");
    assert_eq!(d[0].span.start, 19);
}

#[test]
fn a_comment_or_string_open_at_the_end_is_an_error() {
    for src in [
        "r.expr(1) /* never closed",
        "r.expr(1)\n/* x",
        "r.expr(1); /*",
    ] {
        let d = file_diagnostics(src);
        assert!(
            d.iter().any(|d| d.message == "unterminated comment"),
            "{src:?}: {d:?}"
        );
    }
    assert!(file_diagnostics("r.expr(1) // a line comment").is_empty());
    assert!(file_diagnostics("r.expr(1) /* closed */").is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any soup of brackets is reported in a few diagnostics: three stray or mismatched
    /// brackets, and the outermost and innermost left open.
    #[test]
    fn bracket_soup_gives_few_diagnostics(src in "[\\[\\](){}a,\n]{0,4000}") {
        let d = file_diagnostics(&src);
        let statements = split_statements(&src).len().max(1);
        prop_assert!(d.len() <= 5 * statements, "{} diagnostics for {} statements", d.len(), statements);
    }
}

/// A literal of a million elements took 310 MB to compile; past `MAX_ELEMENTS` a statement is
/// refused before it is lexed, with its count and what to do, while one just under compiles.
#[test]
fn huge_literals_are_refused_before_lexing() {
    use rdbsh::reql::MAX_ELEMENTS;
    let many = format!("r.expr([{}])", vec!["1"; MAX_ELEMENTS + 2].join(","));
    let err = rdbsh::reql::compile_query(&many).unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(
        err[0].message.contains(&format!("{}", MAX_ELEMENTS + 1)),
        "{}",
        err[0]
    );
    assert!(
        err[0].help.as_deref().is_some_and(|h| h.contains("split")),
        "{}",
        err[0]
    );
    // The statement splitter does not lex it either: one item, refused as a whole.
    assert_eq!(rdbsh::shell::items(&many).len(), 1);
    // Commas inside strings are not elements.
    let text = format!("r.expr('{}')", ",".repeat(MAX_ELEMENTS * 2));
    assert!(rdbsh::reql::compile_query(&text).is_ok());
    let under = format!("r.expr([{}])", vec!["1"; 1000].join(","));
    assert!(rdbsh::reql::compile_query(&under).is_ok());
}

/// A function that returns the object holding it nests FUNCs without end: it meets the call
/// limit with one error, not the end of the stack (which aborted the process).
#[test]
fn a_function_returning_its_own_object_meets_the_limit() {
    for src in [
        "var o = {x: 1}; o.y = function () { return o }; r.expr(o)",
        "var o = {x: 1}; Object.assign(o, {y: () => o}); Object.keys(o)",
    ] {
        let d = diagnostics(src);
        assert_eq!(d.len(), 1, "{src}: {d:?}");
        assert!(d[0].message.contains("nested too deeply"), "{src}: {d:?}");
    }
}

/// An array that holds itself twice has 2^20 paths to the depth limit: reported once, at once.
#[test]
fn a_value_holding_itself_is_one_depth_error() {
    let d = diagnostics("r.expr((function () { var a = [1, 2]; a.fill(a); return a })())");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.contains("nesting depth"), "{d:?}");
}
