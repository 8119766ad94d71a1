//! ReQL in JavaScript syntax → the wire term the official JavaScript driver (2.4.2) builds.
//!
//! Text goes through [`lexer`] (tokens, matched brackets), [`parser`] (statements and
//! expressions with spans, [`prec`] for operators), then `compile`, which evaluates the
//! JavaScript with ReQL terms as values following the driver's rules ([`methods`]).
//! Errors are [`Diagnostic`]s; [`write::writes`] tells reads from writes.

pub mod ast;
mod clock;
mod compile;
pub mod diagnostic;
pub mod lexer;
pub mod methods;
pub mod parser;
pub mod prec;
pub mod program;
pub mod python;
pub mod source;
pub mod span;
mod term;
pub mod wire;
pub mod write;

use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::protocol::{QueryType, TermType};

pub use clock::Clock;
pub use compile::COMPILE_BUDGET;
pub use diagnostic::Diagnostic;
pub use program::{MAX_ELEMENTS, is_complete, split_statements};
pub use source::{changes_toggled, quoted, to_source};
pub use span::{Span, SpanMap};
pub use wire::to_wire_json;
pub use write::{WriteInfo, destructive, is_bounded, selection_count, table_of, writes};

use compile::{Eval, Reuse, Scope, snake};
use term::{FlatChunk, FlatTerm, TermStore};

/// Session state carried across statements and calls to [`compile`]: variables bound with
/// `var/let/const`, the terms they hold, the counter that numbers function parameters, and
/// the names of the session's source texts.
///
/// An `Env` is neither `Send` nor `Sync`: the JavaScript it evaluates runs on one thread, so
/// its values and scopes are `Rc`s and `RefCell`s, with no locks or atomics on the way of
/// each variable lookup. It stays where it was made (the TUI compiles on its UI loop and
/// hands only [`Statement`]s, which are `Send`, to its network tasks).
#[derive(Default)]
pub struct Env {
    root: Rc<Scope>,
    /// Every distinct identifier, key and string literal compiled in the session: the syntax
    /// trees of the functions bound in `root` refer to them.
    names: ast::Names,
    /// Methods found by name, and what evaluating reuses from one statement to the next.
    reuse: Reuse,
    next_var: u64,
    /// Terms built by statements that may have left them reachable from `root`; each other
    /// statement gives back what it built.
    store: TermStore,
    /// The syntax statements are read in.
    lang: Lang,
    /// Names bound by Python statements (JavaScript ones live in `root`).
    py_globals: python::Globals,
    /// The clock and time zone statements read (`Date.now()`, local times).
    clock: Clock,
}

/// The syntax of the queries a session reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// JavaScript, as the official JavaScript driver reads it.
    #[default]
    Js,
    /// Python, as the official Python driver reads it.
    Python,
}

impl Lang {
    /// The language named `js`, `javascript`, `py` or `python`.
    pub fn parse(name: &str) -> Option<Lang> {
        match name.trim().to_ascii_lowercase().as_str() {
            "js" | "javascript" => Some(Lang::Js),
            "py" | "python" => Some(Lang::Python),
            _ => None,
        }
    }

    /// Its short name, as `--lang` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Js => "js",
            Lang::Python => "python",
        }
    }
}

impl Env {
    /// An empty session reading `lang`.
    pub fn with_lang(lang: Lang) -> Self {
        Env {
            lang,
            ..Env::default()
        }
    }

    /// The syntax statements are read in.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Reads the next statements in `lang`; names bound so far stay bound.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// An empty session.
    pub fn new() -> Self {
        Env::default()
    }

    /// A session reading the clock `now` (milliseconds since the epoch) in the time zone
    /// whose offset from UTC at an instant is `offset` (seconds east), instead of the
    /// machine's: a compile is then a pure function of the text and the session.
    pub fn with_clock(
        now: impl Fn() -> i64 + Send + Sync + 'static,
        offset: impl Fn(i64) -> i32 + Send + Sync + 'static,
    ) -> Self {
        Env {
            clock: Clock::new(now, offset),
            ..Env::default()
        }
    }

    /// Reads `clock` from now on instead of the one it had.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// A session in which unknown names stand for opaque terms, so that a statement referring
    /// to names bound elsewhere still compiles (to read its meaning, as history redaction does).
    pub fn with_opaque_names() -> Self {
        let mut env = Env::default();
        env.reuse.opaque_names = true;
        env
    }

    /// Names bound so far (for completion).
    pub fn names(&self) -> Vec<String> {
        if self.lang == Lang::Python {
            let mut names: Vec<String> = self.py_globals.keys().cloned().collect();
            names.sort_unstable();
            return names;
        }
        self.root.names(&self.names)
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.names())
            .field("next_var", &self.next_var)
            .field("distinct_names", &self.names.len())
            .field("terms", &self.store.len())
            .finish()
    }
}

/// One compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A query to run.
    Query(Query),
    /// A binding or other statement that produced no query (`var x = ...`).
    Binding(Binding),
}

/// A statement that bound names instead of producing a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// Names bound by it (empty for other statements such as assignments or loops).
    pub names: Vec<String>,
    /// The statement in the source.
    pub span: Span,
}

/// A compiled query.
#[derive(Clone)]
pub struct Query {
    /// The compiled term, flat; the wire JSON and the span tree are built from it on demand.
    term: FlatTerm,
    /// Global optargs from a pasted `.run(conn, {opts})` (snake_case keys, values as terms).
    pub global_optargs: Map<String, Value>,
    /// The statement in the source.
    pub span: Span,
}

impl PartialEq for Query {
    fn eq(&self, other: &Self) -> bool {
        self.term() == other.term()
            && self.global_optargs == other.global_optargs
            && self.span == other.span
    }
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("term", &self.term())
            .field("global_optargs", &self.global_optargs)
            .field("span", &self.span)
            .finish()
    }
}

impl Query {
    /// The wire term as JSON (built on each call).
    pub fn term(&self) -> Value {
        self.term.to_json()
    }

    /// The source span of the sub-term a server backtrace points at. Frames: a number indexes
    /// the positional arguments of the wire term (FUNCALL's function is 0), a string names an
    /// optarg or an object-literal key. Unknown frames stop at the deepest node reached.
    pub fn span_of(&self, backtrace: &[Value]) -> Span {
        self.term.resolve(backtrace)
    }

    /// The span tree of the term, mirroring the wire JSON (built on demand).
    pub fn spans(&self) -> SpanMap {
        self.term.span_map()
    }

    /// The START message `[1, term, global_optargs]`. `extra` holds session run options
    /// (camelCase or snake_case keys, plain JSON values; `db` a name); options pasted with
    /// `.run(conn, {...})` win over them. The third element is left out when empty.
    pub fn start_message(&self, extra: &Map<String, Value>) -> Value {
        let mut opts = Map::new();
        for (k, v) in extra {
            let key = snake(k);
            let value = match (key.as_str(), v) {
                ("db", Value::String(name)) => Value::Array(vec![
                    Value::from(TermType::Db.as_i64()),
                    Value::Array(vec![Value::from(name.clone())]),
                ]),
                ("noreply" | "profile", v) => Value::Bool(json_truthy(v)),
                _ => datum_term(v),
            };
            opts.insert(key, value);
        }
        for (k, v) in &self.global_optargs {
            opts.insert(k.clone(), v.clone());
        }
        let mut msg = vec![Value::from(QueryType::Start.as_i64()), self.term()];
        if !opts.is_empty() {
            msg.push(Value::Object(opts));
        }
        Value::Array(msg)
    }
}

fn json_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Plain JSON as a term: arrays become MAKE_ARRAY, objects keep their shape.
fn datum_term(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(vec![
            Value::from(TermType::MakeArray.as_i64()),
            Value::Array(items.iter().map(datum_term).collect()),
        ]),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), datum_term(v))).collect())
        }
        other => other.clone(),
    }
}

/// Compiles a whole source text (one or many statements) in the session `env`. Spans are
/// byte offsets into `src`. On error, every error of every statement is returned; bindings
/// made by the statements that compiled are kept in `env`.
pub fn compile(src: &str, env: &mut Env) -> Result<Vec<Statement>, Vec<Diagnostic>> {
    if let Some(refusal) = program::too_many_elements(src) {
        return Err(vec![refusal]);
    }
    if env.lang == Lang::Python {
        return python::compile(src, env);
    }
    let lexed = lexer::lex(src);
    if !lexed.errors.is_empty() {
        return Err(lexed.errors);
    }
    // Statements are parsed and evaluated one at a time; after a syntax error the rest is
    // only parsed, to report every syntax error.
    // The parser adds to the session's names; each statement is evaluated with them.
    let mut parsed = parser::Statements::new(&lexed, src.len(), &mut env.names);
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let root = env.root.clone();
    // The queries' terms, copied out of the store one after the other, shared by them.
    let (mut chunk, mut refs) = (FlatChunk::for_source(src.len()), Vec::new());
    while let Some(s) = parsed.next() {
        if !parsed.errors().is_empty() || matches!(s.kind, ast::StmtKind::Empty) {
            continue;
        }
        let names = parsed.names();
        let mut ev = Eval::new(
            &mut env.next_var,
            &mut env.store,
            names,
            &mut env.reuse,
            &env.clock,
        );
        let mark = ev.store.mark();
        ev.start();
        let result = ev.top(&s, &root);
        let failed = !ev.diags.is_empty();
        diags.append(&mut ev.diags);
        if !failed && diags.is_empty() {
            match result {
                Some((id, global_optargs)) => {
                    refs.push(ev.store.flatten(id, mark, &mut chunk));
                    out.push(Statement::Query(Query {
                        // Set below, once the chunk is complete.
                        term: FlatTerm::default(),
                        global_optargs,
                        span: s.span,
                    }));
                }
                None => {
                    let names = match &s.kind {
                        ast::StmtKind::Var(decls) => decls
                            .iter()
                            .map(|(n, _, _)| names.get(*n).to_string())
                            .filter(|n| !parser::is_hidden(n))
                            .collect(),
                        ast::StmtKind::Function(n, _) => vec![names.get(*n).to_string()],
                        _ => Vec::new(),
                    };
                    out.push(Statement::Binding(Binding {
                        names,
                        span: s.span,
                    }));
                }
            }
        }
        // What the statement built is given back unless something that outlives it may
        // hold a term of it; the query it made was copied out above.
        if !ev.escaped() {
            ev.store.truncate(mark);
        }
    }
    let syntax = parsed.into_errors();
    if !syntax.is_empty() {
        diags.extend(syntax);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    attach_terms(&mut out, chunk, refs);
    Ok(out)
}

/// Gives each compiled query its term in the one flat chunk of the compilation (`refs` in the
/// queries' order).
fn attach_terms(out: &mut [Statement], mut chunk: FlatChunk, refs: Vec<term::FlatRef>) {
    // The queries may be kept long after: give back the room reserved for a denser text.
    chunk.shrink_to_fit();
    let chunk = Arc::new(chunk);
    let mut refs = refs.into_iter();
    for s in out {
        if let Statement::Query(q) = s
            && let Some(at) = refs.next()
        {
            q.term = FlatTerm::new(&chunk, at);
        }
    }
}

/// Compiles a text that must hold exactly one query, in a fresh session.
pub fn compile_query(src: &str) -> Result<Query, Vec<Diagnostic>> {
    compile_query_in(src, Lang::Js)
}

/// [`compile_query`] for a text in `lang`.
pub fn compile_query_in(src: &str, lang: Lang) -> Result<Query, Vec<Diagnostic>> {
    let mut env = Env::with_lang(lang);
    let stmts = compile(src, &mut env)?;
    let mut queries = stmts.into_iter().filter_map(|s| match s {
        Statement::Query(q) => Some(q),
        Statement::Binding(_) => None,
    });
    match (queries.next(), queries.next()) {
        (Some(q), None) => Ok(q),
        (None, _) => Err(vec![
            Diagnostic::new(Span::new(0, src.len()), "no query in the text")
                .with_help("write a query such as r.table('t')"),
        ]),
        (Some(_), Some(q)) => Err(vec![
            Diagnostic::new(q.span, "expected one query, found several")
                .with_help("compile them one at a time"),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_method_chains_do_not_count_as_nesting() {
        // Runs on a test thread's small stack in a debug build: the chain must still fit.
        let chain = format!("r.expr(1){}", ".add(1)".repeat(250));
        let q = compile_query(&chain).map_err(|e| e[0].message.clone());
        assert!(q.is_ok(), "{q:?}");
        let nested = format!(
            "r.expr([{}1{}], 1000){}",
            "[".repeat(100),
            "]".repeat(100),
            ".nth(0)".repeat(200)
        );
        let q = compile_query(&format!("{nested}.count()"));
        assert!(q.is_ok(), "{:?}", q.err().map(|e| e[0].message.clone()));
        // Near the worst case: deep nesting (whose calls are links too) with a chain inside.
        let worst = format!(
            "{}r.expr(1){}{}",
            "r.expr(".repeat(120),
            ".add(1)".repeat(130),
            ")".repeat(120)
        );
        let q = compile_query(&worst);
        assert!(q.is_ok(), "{:?}", q.err().map(|e| e[0].message.clone()));
    }

    #[test]
    fn overlong_chains_and_deep_nesting_are_clean_errors() {
        let chain = format!("r.expr(1){}", ".add(1)".repeat(MAX_CHAIN_FOR_TEST + 5));
        let errs = compile_query(&chain).err().unwrap_or_default();
        assert!(errs.iter().any(|d| d.message.contains("nested too deeply")));
        let deep = format!("r.expr({}1{})", "(".repeat(200), ")".repeat(200));
        let errs = compile_query(&deep).err().unwrap_or_default();
        assert!(errs.iter().any(|d| d.message.contains("nested too deeply")));
        // One error, not one more per bracket left open around the limit.
        let deep = format!("r.expr({}1{})", "[".repeat(10_000), "]".repeat(10_000));
        let errs = compile_query(&deep).err().unwrap_or_default();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].message.contains("nested too deeply"));
    }

    #[test]
    fn names_shadow_and_resolve_through_every_scope() {
        use serde_json::json;
        let mut env = Env::new();
        // A parameter named `r` hides the namespace inside its function only.
        assert_eq!(
            queries(
                "function f(r) { return r.add(1) } f(r.expr(2)); r.expr(3)",
                &mut env
            ),
            [json!([24, [2, 1]]), json!(3)]
        );
        // Many names, so that several share a bit of a scope's summary with `r` and with
        // each other: each still finds its own value, from the nearest scope that binds it.
        let decls: String = (0..150).map(|i| format!("var v{i} = {i};\n")).collect();
        queries(&decls, &mut env);
        let sum: Vec<String> = (0..150).map(|i| format!("v{i}")).collect();
        let body = format!("return r.expr([{}])", sum.join(", "));
        let got = queries(
            &format!("(function (v7, v70) {{ {body} }})(-7, -70)"),
            &mut env,
        );
        let want: Vec<i64> = (0..150)
            .map(|i| match i {
                7 => -7,
                70 => -70,
                i => i,
            })
            .collect();
        assert_eq!(got, [json!([2, want])]);
        // Assigning from inside a function reaches the session's binding.
        queries(
            "var done = (function () { v140 = 'x'; return 1 })()",
            &mut env,
        );
        assert_eq!(queries("r.expr(v140)", &mut env), [json!("x")]);
        // Rebinding `r` in the session hides it from then on.
        queries("var ns = r; var r = {t: 5}", &mut env);
        assert_eq!(queries("ns.expr(r.t)", &mut env), [json!(5)]);
    }

    /// The session stays on its thread (it is single-threaded, see [`Env`]); what a compile
    /// gives moves to another, as the TUI hands queries to its network tasks.
    #[test]
    fn statements_move_between_threads_the_env_stays() {
        fn send<T: Send>(_: &T) {}
        let mut env = Env::new();
        queries("var f = function (x) { return x.add('s') }", &mut env);
        let stmts = compile("f(r.expr('a'))", &mut env).map_err(|e| e[0].message.clone());
        let stmts = stmts.unwrap_or_else(|e| panic!("{e}"));
        send(&stmts);
        let terms = std::thread::spawn(move || {
            stmts
                .into_iter()
                .filter_map(|s| match s {
                    Statement::Query(q) => Some(q.term()),
                    Statement::Binding(_) => None,
                })
                .collect::<Vec<_>>()
        })
        .join();
        let want = queries("r.expr('a').add('s')", &mut Env::new());
        assert!(terms.is_ok_and(|t| t == want));
        assert_eq!(env.names(), ["f"]);
    }

    const MAX_CHAIN_FOR_TEST: usize = parser::MAX_CHAIN;

    /// The wire terms of the queries `src` compiles to in `env`.
    fn queries(src: &str, env: &mut Env) -> Vec<serde_json::Value> {
        let stmts = compile(src, env).map_err(|e| e[0].message.clone());
        let stmts = stmts.unwrap_or_else(|e| panic!("{src}: {e}"));
        stmts
            .into_iter()
            .filter_map(|s| match s {
                Statement::Query(q) => Some(q.term()),
                Statement::Binding(_) => None,
            })
            .collect()
    }

    #[test]
    fn terms_bound_in_the_session_survive_later_statements() {
        use serde_json::json;
        let mut env = Env::new();
        queries("var t = r.table('a')", &mut env);
        // Plain queries in between give back what they built.
        queries(
            "r.expr([1, 2, {x: 'long string here'}]).map(x => x.add(1))",
            &mut env,
        );
        queries("r.table('b').filter({y: r.row('z')}); r.now()", &mut env);
        assert_eq!(queries("t.count()", &mut env), [json!([43, [[15, ["a"]]]])]);
        // A closure that captured a term, kept across calls.
        queries(
            "var f = (function (x) { return function () { return x.add(1) } })(r.table('c'))",
            &mut env,
        );
        queries("r.expr('something else')", &mut env);
        assert_eq!(
            queries("f(); f()", &mut env),
            [json!([24, [[15, ["c"]], 1]]), json!([24, [[15, ["c"]], 1]])]
        );
        // A counter whose captured variable is assigned a new term on each call.
        queries(
            "var next = (function () { var c = r.expr(0); return function () { c = c.add(1); return c } })()",
            &mut env,
        );
        queries("next()", &mut env);
        queries("r.expr([5, 6, 7])", &mut env);
        assert_eq!(
            queries("next()", &mut env),
            [json!([24, [[24, [0, 1]], 1]])]
        );
        // Objects and arrays changed after they were bound.
        queries("var o = {}; var a = []", &mut env);
        queries("o.t = r.table('d')", &mut env);
        queries("r.expr(0)", &mut env);
        queries("a.push(r.table('e'))", &mut env);
        queries("r.expr({p: 1, q: [2, 3]})", &mut env);
        queries("a[1] = r.row('k')", &mut env);
        queries("r.expr('x').add('y')", &mut env);
        assert_eq!(
            queries("o.t.count(); r.expr(a)", &mut env),
            [
                json!([43, [[15, ["d"]]]]),
                json!([2, [[15, ["e"]], [170, [[13, []], "k"]]]])
            ]
        );
        // A variable of a function parameter, kept by a closure.
        queries(
            "var g; r.expr(1).do(x => { g = () => x; return x })",
            &mut env,
        );
        queries("r.table('f').get(2)", &mut env);
        assert_eq!(queries("r.expr([g()])", &mut env)[0][0], json!(2));
        assert_eq!(queries("r.expr([g()])", &mut env)[0][1][0][0], json!(10));
    }

    #[test]
    fn plain_queries_do_not_grow_the_session() {
        let mut env = Env::new();
        queries(
            "var t = r.table('a'); function f(x) { return x('n').gt(1) }",
            &mut env,
        );
        let before = env.store.len();
        let stmt = "t.filter(f).filter({tags: ['a', 'b'], n: r.row('n').add(1)}).orderBy(r.desc('n')).limit(10)";
        let many = vec![stmt; 200].join(";\n");
        queries(&many, &mut env);
        for _ in 0..50 {
            queries(stmt, &mut env);
        }
        assert_eq!(env.store.len(), before);
        // Nor do their names: each distinct one is stored once.
        let names = env.names.len();
        queries(&many, &mut env);
        queries(
            "t.filter({tags: ['a', 'b']}).filter(r.row('n').add(1))",
            &mut env,
        );
        assert_eq!(env.names.len(), names);
        // Loops whose counters live in the session still give back what they built.
        queries(
            "for (var i = 0; i < 100; i++) { t.filter({n: i}).count() } var n = 1; n = n + 1; i++",
            &mut env,
        );
        assert_eq!(env.store.len(), before);
        // A statement that rebinds keeps what it built, and only that.
        queries("t = t.limit(1)", &mut env);
        assert!(env.store.len() > before);
        let after = env.store.len();
        queries(&many, &mut env);
        assert_eq!(env.store.len(), after);
    }

    #[test]
    fn span_tree_agrees_with_span_of() {
        use serde_json::json;
        let src = "r.table('t').insert({x: 1, y: [2, r.now()]}, {durability: 'soft', returnChanges: true}).do(v => v('a'))";
        let q = compile_query(src).expect("compiles");
        let map = q.spans();
        assert_eq!(map.span, Span::new(0, src.len()));
        assert_eq!(map.args.len(), 2);
        let insert = &map.args[1];
        assert_eq!(insert.args.len(), 2);
        let keys: Vec<&str> = insert.optargs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["durability", "return_changes"]);
        let doc = &insert.args[1];
        let fields: Vec<&str> = doc.optargs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["x", "y"]);
        for frames in [
            json!([]),
            json!([1]),
            json!([1, 0]),
            json!([1, 1, "y", 1, 1]),
            json!([1, "return_changes"]),
            json!([1, "nope", 0]),
            json!([0, 1, 1, 7]),
            json!([1, 1, 0]),
        ] {
            let frames = frames.as_array().cloned().unwrap_or_default();
            assert_eq!(map.resolve(&frames), q.span_of(&frames), "{frames:?}");
        }
        assert_eq!(
            q.span_of(&[json!(1), json!(1), json!("y")]).text(src),
            "[2, r.now()]"
        );
    }

    /// The term of one query as compact JSON, or the first error's message.
    fn term_of(src: &str) -> String {
        match compile_query(src) {
            Ok(q) => q.term().to_string(),
            Err(e) => format!("error: {}", e[0].message),
        }
    }

    #[test]
    fn dates_read_the_sessions_clock_and_zone() {
        // 2023-11-14T22:13:20Z, in a zone five and a half hours east of UTC.
        let mut env = Env::with_clock(|| 1_700_000_000_000, |_| 19_800);
        let term = |src: &str, env: &mut Env| match compile(src, env) {
            Ok(stmts) => match stmts.into_iter().next() {
                Some(Statement::Query(q)) => q.term().to_string(),
                _ => "no query".to_owned(),
            },
            Err(e) => format!("error: {}", e[0].message),
        };
        assert_eq!(term("r.expr(Date.now())", &mut env), "1700000000000");
        assert_eq!(
            term("r.expr(new Date().getHours())", &mut env),
            "3",
            "22:13 UTC is 03:43 the next day at +05:30"
        );
        assert_eq!(
            term("r.expr(new Date(2024, 0, 1).toISOString())", &mut env),
            "\"2023-12-31T18:30:00.000Z\""
        );
        env.set_clock(Clock::fixed(0, 0));
        assert_eq!(term("r.expr(Date.now())", &mut env), "0");
    }

    #[test]
    fn rules_found_by_the_driver_differential() {
        // r.expr's depth argument: null means the default, as undefined does.
        assert_eq!(term_of("r.expr([[1]], null)"), "[2,[[2,[1]]]]");
        // Explicit options that are no object: the driver's for-in keys them by index.
        assert_eq!(
            term_of("r.table('t').indexCreate('a', r.row('x'), 'bc')"),
            r#"[75,[[15,["t"]],"a",[69,[[2,[0]],[170,[[13,[]],"x"]]]]],{"0":"b","1":"c"}]"#
        );
        assert_eq!(
            term_of("r.table('t').slice(1, 2, [5])"),
            r#"[30,[[15,["t"]],1,2],{"0":5}]"#
        );
        assert_eq!(
            term_of("r.table('t').reconfigure(3)"),
            r#"[176,[[15,["t"]]]]"#
        );
        assert!(
            term_of("r.table('t').reconfigure(r.expr({shards: 1}))")
                .starts_with("error: options must be")
        );
        // Date.UTC, with JavaScript's two-digit years.
        assert_eq!(
            term_of("r.expr(Date.UTC(2020, 0, 15, 10, 30))"),
            "1579084200000"
        );
        assert_eq!(
            term_of("r.expr(new Date(Date.UTC(99, 1, 1)))"),
            r#"[99,["1999-02-01T00:00:00.000Z"]]"#
        );
        // `__proto__: value` sets the prototype: no own property.
        assert_eq!(term_of("r.expr({__proto__: {a: 1}, b: 2})"), r#"{"b":2}"#);
        // Spread in arguments, arrays and object literals.
        assert_eq!(
            term_of("var ids = [1, 2]; r.table('t').getAll(...ids, {index: 'n'})"),
            r#"[78,[[15,["t"]],1,2],{"index":"n"}]"#
        );
        assert_eq!(
            term_of("r.expr([0, ...'ab', ...[1]])"),
            r#"[2,[0,"a","b",1]]"#
        );
        assert_eq!(
            term_of("var d = {a: 1, b: 2}; r.expr({...d, b: 3})"),
            r#"{"a":1,"b":3}"#
        );
        assert!(term_of("r.expr([...r.expr([1])])").starts_with("error: only an array"));
        // Computed keys in object literals.
        assert_eq!(
            term_of("var f = 'n'; r.expr({a: 1, [f + 1]: 2, ['a']: 3})"),
            r#"{"a":3,"n1":2}"#
        );
        assert!(
            term_of("r.expr({[r.now()]: 1})")
                .starts_with("error: a ReQL term cannot be an object key")
        );
        // Template substitutions: the pieces and values joined as JavaScript's `+` does.
        assert_eq!(
            term_of("var id = 42; r.table('u').get(`user:${id}-${'x'}`)"),
            r#"[16,[[15,["u"]],"user:42-x"]]"#
        );
    }
}
