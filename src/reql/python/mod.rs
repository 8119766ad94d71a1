//! ReQL in Python syntax → the wire term the official Python driver (2.4.10) builds.
//!
//! A second front end to the compiler: its own [`lexer`] and [`parser`] for the Python that
//! queries use, and an evaluator that builds into the same term store, so queries carry the
//! same spans, diagnostics, write analysis and read-only guard as JavaScript ones.

mod eval;
pub mod lexer;
pub mod parser;
mod plain;
mod table;
mod time;

use std::collections::HashMap;

use super::diagnostic::Diagnostic;
use super::span::Span;
use super::term::{FlatChunk, FlatTerm};
use super::{Binding, Env, Query, Statement};

pub use lexer::is_complete;
pub use plain::float_repr;
pub use table::completion_names;

pub(crate) use eval::V;

use crate::protocol::TermType;

/// The Python method building term type `tt` on a receiver of term type `receiver`.
pub(crate) fn method_name(tt: TermType, receiver: Option<TermType>) -> Option<&'static str> {
    table::method_name(tt, receiver)
}

/// The `r` function or constant building term type `tt`.
pub(crate) fn r_name(tt: TermType) -> Option<&'static str> {
    table::r_name(tt)
}

/// True for `r.minval`, `r.monday`...: written without a call.
pub(crate) fn is_r_constant(name: &str) -> bool {
    table::r_constant(name).is_some()
}

/// Which of `n` positional arguments of the method (or `r` function) `name` the driver
/// passes through `func_wrap`.
pub(crate) fn wrapped_args(
    name: &str,
    r_function: bool,
    n: usize,
) -> impl Fn(usize, &serde_json::Value) -> bool {
    use table::PyWrap;
    let wrap = table::wrap_of(name, r_function);
    move |i, arg| match wrap {
        PyWrap::All => true,
        PyWrap::Last | PyWrap::LastAndKeywords => i + 1 == n,
        PyWrap::AllExceptOrdering => !matches!(
            arg.get(0)
                .and_then(serde_json::Value::as_i64)
                .and_then(TermType::from_i64),
            Some(TermType::Asc | TermType::Desc)
        ),
        PyWrap::AfterFirst => i > 0 && n > 1,
        PyWrap::None | PyWrap::Keywords | PyWrap::Do => false,
    }
}

/// The keyword arguments (`index=`, `return_changes=`...) the method `name` is known to take,
/// for completion: the optargs of the JavaScript table, in their wire (snake_case) spelling.
pub fn keyword_names(name: &str) -> Vec<String> {
    let camel: String = name
        .split('_')
        .enumerate()
        .map(|(i, part)| {
            let mut chars = part.chars();
            match chars.next() {
                Some(c) if i > 0 => c.to_uppercase().chain(chars).collect(),
                _ => part.to_string(),
            }
        })
        .collect();
    let method = super::methods::term_method(&camel).or_else(|| super::methods::r_function(&camel));
    method
        .map(|m| {
            m.optarg_names
                .iter()
                .map(|o| format!("{}=", eval::camel_to_snake(o)))
                .collect()
        })
        .unwrap_or_default()
}

/// True when the driver wraps the keyword arguments of `name` too (`fold`, `union`).
pub(crate) fn keywords_wrapped(name: &str, r_function: bool) -> bool {
    use table::PyWrap;
    matches!(
        table::wrap_of(name, r_function),
        PyWrap::Keywords | PyWrap::LastAndKeywords
    )
}

/// Names bound by earlier Python statements of a session.
pub(crate) type Globals = HashMap<String, V>;

/// Compiles Python source (one or many statements) in the session `env`.
pub fn compile(src: &str, env: &mut Env) -> Result<Vec<Statement>, Vec<Diagnostic>> {
    let tokens = lexer::lex(src)?;
    let stmts = parser::parse(&tokens, src.len())?;
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let (mut chunk, mut refs) = (FlatChunk::for_source(src.len()), Vec::new());
    for (stmt, span) in &stmts {
        let mark = env.store.mark();
        let mut bound = Vec::new();
        let result = {
            let globals = &env.py_globals;
            let mut ev = eval::Eval::new(&mut env.store, globals, &mut env.next_var);
            run_statement(&mut ev, stmt, &mut bound)
        };
        match result {
            Err(d) => diags.push(*d),
            Ok(Some((id, global_optargs))) if diags.is_empty() => {
                refs.push(env.store.flatten(id, mark, &mut chunk));
                out.push(Statement::Query(Query {
                    term: FlatTerm::default(),
                    global_optargs,
                    span: *span,
                }));
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                let names = bound.iter().map(|(n, _)| n.clone()).collect();
                for (n, val) in bound.drain(..) {
                    env.py_globals.insert(n, val);
                }
                out.push(Statement::Binding(Binding { names, span: *span }));
                // The bound values may hold terms built by this statement: keep them.
                continue;
            }
        }
        env.store.truncate(mark);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    super::attach_terms(&mut out, chunk, refs);
    Ok(out)
}

type Compiled = Option<(
    super::term::TermId,
    serde_json::Map<String, serde_json::Value>,
)>;

/// Evaluates one statement: a query (its term and pasted run options), or `None` after a
/// binding, whose names and values are left in `bound`.
fn run_statement(
    ev: &mut eval::Eval<'_>,
    stmt: &parser::Stmt,
    bound: &mut Vec<(String, V)>,
) -> Result<Compiled, Box<Diagnostic>> {
    match stmt {
        parser::Stmt::Import => Ok(None),
        parser::Stmt::Assign(targets, value) => {
            let x = ev.eval(value)?;
            for (name, _) in targets {
                bound.push((name.clone(), x.clone()));
            }
            Ok(None)
        }
        parser::Stmt::Expr(e) => {
            let (query, opts) = strip_run(e);
            let global_optargs = match opts {
                Some(kw) => ev.run_optargs(kw)?,
                None => serde_json::Map::new(),
            };
            let x = ev.eval(query)?;
            // A plain value is sent as `r.expr(value)`, as the driver's run would.
            let id = ev.expr(&x, 20)?;
            Ok(Some((id, global_optargs)))
        }
    }
}

/// A pasted `query.run(conn, key=value)`: the query and the run's keyword arguments (the
/// connection is the shell's own, so positional arguments are not evaluated).
fn strip_run(e: &parser::PyExpr) -> (&parser::PyExpr, Option<&[parser::Keyword]>) {
    if let parser::Kind::Call(callee, _, kwargs) = &e.kind
        && let parser::Kind::Attr(inner, name, _) = &callee.kind
        && name == "run"
    {
        return (inner, Some(kwargs));
    }
    (e, None)
}

/// The statements of `src` (logical lines and `;`), as byte ranges; a text that does not
/// lex is one statement, so that its errors are reported when it is compiled.
pub fn split_statements(src: &str) -> Vec<Span> {
    let Ok(tokens) = lexer::lex(src) else {
        let trimmed = src.trim();
        if trimmed.is_empty() {
            return Vec::new();
        }
        let start = src.len() - src.trim_start().len();
        return vec![Span::new(start, start + trimmed.len())];
    };
    let mut out = Vec::new();
    let mut current: Option<Span> = None;
    for (tok, span) in tokens {
        if tok == lexer::Tok::End {
            out.extend(current.take());
        } else {
            current = Some(current.map_or(span, |c| c.to(span)));
        }
    }
    out.extend(current);
    out
}

/// Compiles a text that must hold exactly one Python query, in a fresh session.
pub fn compile_query(src: &str) -> Result<Query, Vec<Diagnostic>> {
    super::compile_query_in(src, super::Lang::Python)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first error's message and hint, or the term.
    fn run(src: &str) -> String {
        match compile_query(src) {
            Ok(q) => q.term().to_string(),
            Err(d) => format!(
                "error: {} / {}",
                d[0].message,
                d[0].help.clone().unwrap_or_default()
            ),
        }
    }

    #[test]
    fn the_drivers_traps_are_refused_with_the_reql_way() {
        for (src, says) in [
            // The driver sends only `b < c` (a query is truthy).
            (
                "r.table('t').filter(lambda d: 1 < d['a'] < 5)",
                &["chained comparison", "(a < b) & (b < c)"][..],
            ),
            // `and` / `or` / `not`: Python's truthiness, one side sent.
            (
                "r.table('t').filter(lambda d: d['a'] and d['b'])",
                &["`and` on a query", ".and_"],
            ),
            (
                "r.table('t').filter(lambda d: d['a'] == 1 or d['b'] == 2)",
                &["`or` on a query", "|"],
            ),
            (
                "r.table('t').filter(lambda d: not d['a'])",
                &["`not` on a query", "~x"],
            ),
            // `in`: the driver raises; `x in [..]` would test Python equality.
            (
                "r.table('t').filter(lambda d: 'x' in d['tags'])",
                &["`in`", "contains"],
            ),
            (
                "r.table('t').filter(lambda d: d['k'] in ['a', 'b'])",
                &["`in`"],
            ),
            (
                "r.table('t').map(lambda d: 1 if d['a'] else 2)",
                &["r.branch"],
            ),
            (
                "r.table('t').filter(lambda d: d['a'] is None)",
                &["`is`", ".eq(None)"],
            ),
        ] {
            let got = run(src);
            assert!(says.iter().all(|s| got.contains(s)), "{src}: {got}");
        }
    }

    #[test]
    fn operators_the_driver_raises_on_are_refused() {
        for (src, hint) in [
            ("-r.expr(1)", "r.expr(0) - x"),
            ("+r.expr(1)", "drop the"),
            ("r.expr(7) // 2", ".floor()"),
            ("r.expr(2) ** 3", "no power operator"),
            ("r.expr(6) ^ 3", "bit_xor"),
            ("r.expr(1) << 2", "bit_sal"),
            ("r.expr(8) >> 2", "bit_sar"),
        ] {
            let got = run(src);
            assert!(
                got.starts_with("error:") && got.contains(hint),
                "{src}: {got}"
            );
        }
        // On plain numbers they are Python's own.
        assert_eq!(run("r.expr(-(7 // 2) + 2 ** 3 + (6 ^ 3) + (1 << 2))"), "14");
    }

    #[test]
    fn comparisons_reflect_and_arithmetic_keeps_its_order() {
        assert_eq!(run("'zzz' > r.expr('a')"), r#"[19,["a","zzz"]]"#);
        assert_eq!(run("1 == r.expr(1)"), "[17,[1,1]]");
        assert_eq!(run("1 - r.expr(2)"), "[25,[1,2]]");
        assert_eq!(run("True & r.expr(False)"), "[67,[true,false]]");
        let precedence = run("r.expr(1) == 1 | r.expr(2) == 2");
        assert!(precedence.contains("(x == 1) | (y == 2)"), "{precedence}");
    }

    #[test]
    fn brackets_slices_and_literals() {
        assert_eq!(run("r.expr([1, 2])[0]"), "[170,[[2,[1,2]],0]]");
        assert_eq!(run("r.expr([1, 2])[1:3]"), "[30,[[2,[1,2]],1,3]]");
        assert_eq!(
            run("r.expr([1, 2])[1:]"),
            r#"[30,[[2,[1,2]],1,-1],{"right_bound":"closed"}]"#
        );
        assert_eq!(run("r.expr((1, None, True, 1.0))"), "[2,[1,null,true,1.0]]");
        assert_eq!(
            run("r.expr(b'ab')"),
            r#"{"$reql_type$":"BINARY","data":"YWI="}"#
        );
        assert_eq!(run("r.expr('''a\nb''' r'\\n')"), r#""a\nb\\n""#);
    }

    #[test]
    fn sessions_bind_names_and_read_pasted_runs() {
        let mut env = Env::with_lang(super::super::Lang::Python);
        let stmts = compile("import rethinkdb as r\nt = r.table('t')\n", &mut env);
        assert!(stmts.is_ok());
        assert_eq!(env.names(), ["t"]);
        let stmts = compile(
            "t.filter(lambda d: \\\n  d['a'] > 1).count().run(conn, time_format='raw', db='x')",
            &mut env,
        );
        let Ok(stmts) = stmts else {
            panic!("{stmts:?}");
        };
        let Some(Statement::Query(q)) = stmts.first() else {
            panic!("no query");
        };
        assert_eq!(q.global_optargs["time_format"], "raw");
        assert_eq!(q.global_optargs["db"].to_string(), r#"[14,["x"]]"#);
        assert_eq!(q.term()[0], 43);
        // An open bracket and a trailing backslash continue the statement.
        assert!(!is_complete("r.table('t').filter(\n"));
        assert!(!is_complete("r.table('t') \\\n"));
        assert!(is_complete("r.table('t')\n"));
        assert_eq!(split_statements("a = 1\nr.expr(a); r.expr(2)\n").len(), 3);
    }

    #[test]
    fn hostile_nesting_is_a_clean_error() {
        for src in [
            format!("r.expr({}1{})", "(".repeat(100_000), ")".repeat(100_000)),
            format!("r.expr({}1{})", "[".repeat(100_000), "]".repeat(100_000)),
            format!("r.expr({}1)", "-".repeat(100_000)),
            format!("r.expr({}1)", "~".repeat(100_000)),
            format!("r.expr(2{})", " ** 2".repeat(100_000)),
            format!("r.expr({}1)", "lambda: ".repeat(10_000)),
            format!("r.expr(1){}", ".add(1)".repeat(5_000)),
            format!("r.expr(1){}", " + 1".repeat(50_000)),
        ] {
            let got = run(&src);
            assert!(
                got.starts_with("error:") || got.starts_with('['),
                "{}",
                &got[..80.min(got.len())]
            );
        }
    }

    #[test]
    fn plain_data_is_bounded_by_the_compile_budget() {
        let got = run("r.expr(['x' * 1000000 for i in range(1000)])");
        assert!(
            got.contains("too much data"),
            "{}",
            &got[..80.min(got.len())]
        );
        let got = run("r.expr(len([i for i in range(100000)]))");
        assert_eq!(got, "100000");
    }

    #[test]
    fn keyword_names_come_from_the_method_table() {
        assert!(keyword_names("get_all").contains(&"index=".to_string()));
        assert!(keyword_names("insert").contains(&"return_changes=".to_string()));
        assert!(keyword_names("nope").is_empty());
    }

    #[test]
    fn datetimes_need_a_timezone() {
        assert_eq!(
            run("r.expr(datetime.datetime(2024, 5, 17, 10, 30, tzinfo=datetime.timezone.utc))"),
            r#"[99,["2024-05-17T10:30:00+00:00"]]"#
        );
        let naive = run("r.expr(datetime.datetime(2024, 5, 17))");
        assert!(
            naive.contains("without a timezone") && naive.contains("tzinfo="),
            "{naive}"
        );
        let now = run("r.expr(datetime.datetime.now())");
        assert!(now.contains("r.now()"), "{now}");
    }

    #[test]
    fn names_suggest_the_python_spelling() {
        let got = run("r.table('t').orderBy('a')");
        assert!(got.contains("order_by"), "{got}");
        let got = run("r.table('t').between(1, 2).get_all(1)");
        assert!(got.contains("only on a table"), "{got}");
        let got = run("r.expr(true)");
        assert!(got.contains("True, False and None"), "{got}");
        let got = run("r.row('a')");
        assert!(got.contains("r.row['field']"), "{got}");
    }
}
