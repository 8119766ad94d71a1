//! ReQL in JavaScript syntax → the wire term the official JavaScript driver (2.4.2) builds.
//!
//! Text goes through [`lexer`] (tokens, matched brackets), [`parser`] (statements and
//! expressions with spans, [`prec`] for operators), then `compile`, which evaluates the
//! JavaScript with ReQL terms as values following the driver's rules ([`methods`]).
//! Errors are [`Diagnostic`]s; [`write::writes`] tells reads from writes.

pub mod ast;
mod compile;
pub mod diagnostic;
pub mod lexer;
pub mod methods;
pub mod parser;
pub mod prec;
pub mod program;
pub mod span;
pub mod wire;
pub mod write;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use diagnostic::Diagnostic;
pub use program::{is_complete, split_statements};
pub use span::{Span, SpanMap};
pub use wire::to_wire_json;
pub use write::{WriteInfo, writes};

use compile::{Eval, Scope, TermRef, snake};

/// Session state carried across statements and calls to [`compile`]: variables bound with
/// `var/let/const` and the counter that numbers function parameters.
#[derive(Default)]
pub struct Env {
    root: Arc<Scope>,
    next_var: u64,
}

impl Env {
    /// An empty session.
    pub fn new() -> Self {
        Env::default()
    }

    /// Names bound so far (for completion).
    pub fn names(&self) -> Vec<String> {
        self.root.names()
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.names())
            .field("next_var", &self.next_var)
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
#[derive(Debug, Clone)]
pub struct Query {
    /// The wire term.
    pub term: Value,
    /// Global optargs from a pasted `.run(conn, {opts})` (snake_case keys, values as terms).
    pub global_optargs: Map<String, Value>,
    /// The statement in the source.
    pub span: Span,
    /// The compiled tree, kept for mapping backtraces to spans.
    root: TermRef,
}

impl PartialEq for Query {
    fn eq(&self, other: &Self) -> bool {
        self.term == other.term
            && self.global_optargs == other.global_optargs
            && self.span == other.span
    }
}

impl Query {
    /// The source span of the sub-term a server backtrace points at. Frames: a number indexes
    /// the positional arguments of the wire term (FUNCALL's function is 0), a string names an
    /// optarg or an object-literal key. Unknown frames stop at the deepest node reached.
    pub fn span_of(&self, backtrace: &[Value]) -> Span {
        self.root.resolve(backtrace)
    }

    /// The span tree of the term, mirroring the wire JSON (built on demand).
    pub fn spans(&self) -> SpanMap {
        self.root.span_map()
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
                    Value::from(14),
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
        let mut msg = vec![Value::from(1), self.term.clone()];
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
            Value::from(2),
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
    let lexed = lexer::lex(src);
    if !lexed.errors.is_empty() {
        return Err(lexed.errors);
    }
    // Statements are parsed and evaluated one at a time; after a syntax error the rest is
    // only parsed, to report every syntax error.
    let mut parsed = parser::Statements::new(&lexed.tokens, src.len());
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let root = env.root.clone();
    while let Some(s) = parsed.next() {
        if !parsed.errors().is_empty() || matches!(s.kind, ast::StmtKind::Empty) {
            continue;
        }
        let mut ev = Eval::new(&mut env.next_var);
        let names: Vec<String> = match &s.kind {
            ast::StmtKind::Var(decls) => decls.iter().map(|(n, _, _)| n.clone()).collect(),
            ast::StmtKind::Function(n, _) => vec![n.clone()],
            _ => Vec::new(),
        };
        let result = ev.top(&s, &root);
        let failed = !ev.diags.is_empty();
        diags.append(&mut ev.diags);
        if failed || !diags.is_empty() {
            continue;
        }
        match result {
            Some((term, global_optargs)) => {
                let json = term.to_json();
                out.push(Statement::Query(Query {
                    term: json,
                    global_optargs,
                    span: s.span,
                    root: term,
                }));
            }
            None => out.push(Statement::Binding(Binding {
                names,
                span: s.span,
            })),
        }
    }
    let syntax = parsed.into_errors();
    if !syntax.is_empty() {
        diags.extend(syntax);
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// Compiles a text that must hold exactly one query, in a fresh session.
pub fn compile_query(src: &str) -> Result<Query, Vec<Diagnostic>> {
    let mut env = Env::new();
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
