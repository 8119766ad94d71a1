//! Evaluates Python with ReQL query objects as values, following the Python driver 2.4.10:
//! its operator overloads, `expr` conversion, `func_wrap` and the classes its methods live
//! on. Plain Python (literal arithmetic, `range`, comprehensions) is folded as Python would.
//! Where the driver would silently send something other than what was written (truthiness
//! of a query, chained comparisons), the evaluator refuses and names the ReQL way.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::super::diagnostic::Diagnostic;
use super::super::span::Span;
use super::super::term::{
    BuildError, Kind as TKind, MAX_TERM_DEPTH, TermId, TermStore, is_comparison,
};
use super::parser::{Kind, PyExpr};
use super::plain;
use super::table::{self, On, PyMethod, PyWrap};
use crate::protocol::TermType;
use crate::reql::COMPILE_BUDGET;

/// `r.expr`'s default nesting depth.
const EXPR_DEPTH: i128 = 20;
/// Evaluation steps allowed per statement (a comprehension over a huge range stops here).
const MAX_STEPS: u64 = 2_000_000;
/// Lambda calls nested in Python code (not in the query) before refusing.
const MAX_CALLS: u32 = 200;

/// The driver class of a query object, where it changes what the driver does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cls {
    /// Any other query.
    Plain,
    /// `r.table(...)`: has `insert`, `get`, `index_create`...
    Table,
    /// `r.db(...)`: has `table`, `table_create`...
    Db,
    /// `r.asc(...)` / `r.desc(...)`: not wrapped by `order_by`.
    Ordering,
    /// The result of `&` or `|`: a comparison on it is refused, as the driver does.
    Infix,
    /// `r.row`: not callable.
    Row,
}

/// A Python value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    List(Vec<V>),
    Tuple(Vec<V>),
    Dict(Vec<(V, V)>),
    /// A query object.
    Term(TermId, Cls),
    /// The `r` namespace.
    R,
    Lambda(Rc<Lambda>),
    /// A Python builtin function (`range`, `float`...).
    Builtin(&'static str),
    /// A function of `r` not called (`default(r.error)`): the driver makes it a FUNC.
    RFunc(&'static str),
    /// The `datetime` module.
    DatetimeModule,
    /// A `datetime.datetime` or `datetime.date`.
    Time(Box<super::time::PyTime>),
    /// A `datetime.timezone`: its UTC offset in seconds.
    Tz(i64),
    /// A `datetime.timedelta`, in seconds.
    Delta(f64),
}

/// A value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct V {
    pub v: Val,
    pub span: Span,
}

fn v(v: Val, span: Span) -> V {
    V { v, span }
}

/// A `lambda` and the local names it closes over.
#[derive(Debug)]
pub(crate) struct Lambda {
    params: Vec<String>,
    /// Default values of the last parameters.
    defaults: Vec<V>,
    body: PyExpr,
    captured: Vec<(String, V)>,
}

pub(crate) type Fail = Box<Diagnostic>;
type Res<T> = Result<T, Fail>;
/// Keyword arguments: each name, its span and its value.
type Kwargs = Vec<(String, Span, V)>;

pub(crate) fn fail(span: Span, msg: impl Into<String>, help: impl Into<String>) -> Fail {
    let help: String = help.into();
    let d = Diagnostic::new(span, msg);
    Box::new(if help.is_empty() {
        d
    } else {
        d.with_help(help)
    })
}

/// Ok while `count` is at most `max`; past it, the error `msg` (with `help`) at `span`: the
/// shell's limits on evaluating a statement.
fn within<N: PartialOrd>(count: N, max: N, span: Span, msg: &str, help: &str) -> Res<()> {
    if count > max {
        return Err(fail(span, msg, help));
    }
    Ok(())
}

const BUILTINS: &[&str] = &[
    "range",
    "list",
    "tuple",
    "set",
    "str",
    "float",
    "int",
    "len",
    "bool",
    "abs",
    "dict",
    "bytes",
    "frozenset",
    "sorted",
    "reversed",
];

/// The evaluator of one statement.
pub(crate) struct Eval<'a> {
    pub store: &'a mut TermStore,
    globals: &'a HashMap<String, V>,
    next_var: &'a mut u64,
    locals: Vec<(String, V)>,
    steps: u64,
    calls: u32,
    /// Bytes of plain strings and lists built so far, against [`COMPILE_BUDGET`].
    bytes: usize,
}

/// A call by name, `r.name(...)` or `query.name(...)`: the name and where it stands, the
/// positional and keyword arguments, and the whole call's span.
struct PyCall<'a> {
    name: &'a str,
    name_span: Span,
    args: Vec<V>,
    kw: Kwargs,
    span: Span,
}

impl<'a> PyCall<'a> {
    fn into_parts(self) -> (&'a str, Span, Vec<V>, Kwargs, Span) {
        (self.name, self.name_span, self.args, self.kw, self.span)
    }
}

impl<'a> Eval<'a> {
    pub(crate) fn new(
        store: &'a mut TermStore,
        globals: &'a HashMap<String, V>,
        next_var: &'a mut u64,
    ) -> Self {
        Eval {
            store,
            globals,
            next_var,
            locals: Vec::new(),
            steps: 0,
            calls: 0,
            bytes: 0,
        }
    }

    fn built(&self, r: Result<TermId, BuildError>, span: Span) -> Res<TermId> {
        r.map_err(|e| match e {
            BuildError::TooDeep => fail(
                span,
                format!("query nested too deeply (more than {MAX_TERM_DEPTH} levels)"),
                "build it in smaller pieces",
            ),
            BuildError::Full => fail(span, "query too large", "split it into several queries"),
        })
    }

    /// The term `tt` over `args` and keyword `opts`.
    fn build(
        &mut self,
        tt: TermType,
        args: &[TermId],
        opts: &[(String, TermId)],
        span: Span,
    ) -> Res<TermId> {
        let open = self.store.open();
        for a in args {
            self.store.arg(*a);
        }
        for (k, t) in opts {
            if let Err(e) = self.store.keyed(k, *t) {
                self.store.discard(open);
                return self.built(Err(e), span);
            }
        }
        let r = self.store.close(open, TKind::Op(tt), args.len(), span);
        self.built(r, span)
    }

    fn leaf(&mut self, kind: TKind, span: Span) -> Res<TermId> {
        let r = self.store.leaf(kind, span);
        self.built(r, span)
    }

    /// Counts what a plain string or list costs; the shell's memory is not the server's.
    fn spend(&mut self, val: &Val, span: Span) -> Res<()> {
        self.bytes += match val {
            Val::Str(s) => s.len(),
            Val::Bytes(b) => b.len(),
            Val::List(items) | Val::Tuple(items) => items.len() * std::mem::size_of::<V>(),
            _ => 0,
        };
        within(
            self.bytes,
            COMPILE_BUDGET,
            span,
            "the statement builds too much data in the shell",
            "build large values on the server: r.range(...), .map(...)",
        )
    }

    fn tick(&mut self, span: Span) -> Res<()> {
        self.steps += 1;
        within(
            self.steps,
            MAX_STEPS,
            span,
            "the statement takes too long to evaluate",
            "make it smaller",
        )
    }

    // ---- conversion to terms ------------------------------------------------------------

    /// The driver's `expr(value, nesting_depth)`.
    pub(crate) fn expr(&mut self, x: &V, depth: i128) -> Res<TermId> {
        if depth <= 0 {
            return Err(fail(
                x.span,
                "nesting depth limit exceeded",
                "pass a larger depth: r.expr(value, 100)",
            ));
        }
        let span = x.span;
        match &x.v {
            Val::None => self.leaf(TKind::Null, span),
            Val::Bool(b) => self.leaf(TKind::Bool(*b), span),
            Val::Int(n) => self.leaf(int_kind(*n), span),
            Val::Float(f) if !f.is_finite() => Err(fail(
                span,
                format!(
                    "{} cannot be sent to RethinkDB (the driver raises ValueError)",
                    plain::float_repr(*f)
                ),
                "use a finite number",
            )),
            Val::Float(f) => self.leaf(TKind::Float(*f), span),
            Val::Str(s) => {
                let r = self.store.string(s, span);
                self.built(r, span)
            }
            Val::Bytes(b) => self.binary_datum(b, span),
            Val::List(items) | Val::Tuple(items) => {
                let ids = items
                    .iter()
                    .map(|i| self.expr(i, depth - 1))
                    .collect::<Res<Vec<_>>>()?;
                self.build(TermType::MakeArray, &ids, &[], span)
            }
            Val::Dict(pairs) => self.object(pairs, depth, span),
            Val::Term(id, _) => {
                let r = self.store.used_at(*id, span);
                self.built(r, span)
            }
            Val::Lambda(l) => self.func_term(&l.clone(), span),
            Val::Time(t) if t.offset.is_some() => {
                let iso = self.store.string(&t.iso, span);
                let iso = self.built(iso, span)?;
                self.build(TermType::Iso8601, &[iso], &[], span)
            }
            Val::Time(_) => Err(fail(
                span,
                "a datetime without a timezone cannot be sent (the driver raises)",
                "add tzinfo=datetime.timezone.utc, or build it in ReQL: r.time(...), r.iso8601(...)",
            )),
            Val::DatetimeModule | Val::Tz(_) | Val::Delta(_) => Err(fail(
                span,
                "this Python value cannot be sent to RethinkDB",
                "send a datetime with its tzinfo, or a number",
            )),
            Val::RFunc(name) => self.r_func_term(name, span),
            Val::R => Err(fail(
                span,
                "`r` itself is not a value",
                "call one of its functions: r.expr(...)",
            )),
            Val::Builtin(b) => Err(fail(
                span,
                format!("the Python builtin `{b}` cannot be sent to RethinkDB"),
                "pass a lambda instead",
            )),
        }
    }

    fn object(&mut self, pairs: &[(V, V)], depth: i128, span: Span) -> Res<TermId> {
        let mut fields = Vec::with_capacity(pairs.len());
        for (k, val) in pairs {
            let Val::Str(key) = &k.v else {
                return Err(fail(
                    k.span,
                    "object keys must be strings",
                    "quote the key: {'12': ...}",
                ));
            };
            fields.push((key.to_string(), self.expr(val, depth - 1)?));
        }
        let open = self.store.open();
        for (k, t) in &fields {
            if let Err(e) = self.store.keyed(k, *t) {
                self.store.discard(open);
                return self.built(Err(e), span);
            }
        }
        let r = self.store.close(open, TKind::Obj, 0, span);
        self.built(r, span)
    }

    fn binary_datum(&mut self, bytes: &[u8], span: Span) -> Res<TermId> {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let kind = self.store.string("BINARY", span);
        let kind = self.built(kind, span)?;
        let data = self.store.string(&data, span);
        let data = self.built(data, span)?;
        let open = self.store.open();
        let keyed = self
            .store
            .keyed("$reql_type$", kind)
            .and_then(|()| self.store.keyed("data", data));
        if let Err(e) = keyed {
            self.store.discard(open);
            return self.built(Err(e), span);
        }
        let r = self.store.close(open, TKind::Obj, 0, span);
        self.built(r, span)
    }

    fn new_var(&mut self) -> u64 {
        *self.next_var += 1;
        *self.next_var
    }

    fn var_term(&mut self, id: u64, span: Span) -> Res<TermId> {
        let leaf = self.leaf(TKind::UInt(id), span)?;
        self.build(TermType::Var, &[leaf], &[], span)
    }

    fn func_of(&mut self, ids: &[u64], body: TermId, span: Span) -> Res<TermId> {
        let leaves = ids
            .iter()
            .map(|id| self.leaf(TKind::UInt(*id), span))
            .collect::<Res<Vec<_>>>()?;
        let params = self.build(TermType::MakeArray, &leaves, &[], span)?;
        self.build(TermType::Func, &[params, body], &[], span)
    }

    /// `Func(lambda)`: the body evaluated once with a VAR per parameter (defaults count).
    fn func_term(&mut self, l: &Rc<Lambda>, span: Span) -> Res<TermId> {
        let ids: Vec<u64> = l.params.iter().map(|_| self.new_var()).collect();
        let mut args = Vec::with_capacity(ids.len());
        for id in &ids {
            let t = self.var_term(*id, span)?;
            args.push(v(Val::Term(t, Cls::Plain), span));
        }
        let result = self.call_lambda(l, args, span)?;
        let body = self.expr(&result, EXPR_DEPTH)?;
        self.func_of(&ids, body, span)
    }

    /// `Func(r.name)`: as many parameters as the Python function has positional ones.
    fn r_func_term(&mut self, name: &str, span: Span) -> Res<TermId> {
        let count = match name {
            "expr" => 2,
            "binary" | "http" => 1,
            _ => 0,
        };
        let ids: Vec<u64> = (0..count).map(|_| self.new_var()).collect();
        let mut args = Vec::with_capacity(count);
        for id in &ids {
            let t = self.var_term(*id, span)?;
            args.push(v(Val::Term(t, Cls::Plain), span));
        }
        let call = PyCall {
            name,
            name_span: span,
            args,
            kw: Vec::new(),
            span,
        };
        let result = self.r_call(call)?;
        let body = self.expr(&result, EXPR_DEPTH)?;
        self.func_of(&ids, body, span)
    }

    /// The driver's `func_wrap`: a value containing `r.row` becomes a one-parameter function.
    fn func_wrap(&mut self, x: &V) -> Res<V> {
        let t = self.expr(x, EXPR_DEPTH)?;
        if !self.store.ivar(t) {
            return Ok(v(Val::Term(t, cls_of(self.store.tt(t))), x.span));
        }
        let id = self.new_var();
        let f = self.func_of(&[id], t, x.span)?;
        Ok(v(Val::Term(f, Cls::Plain), x.span))
    }

    // ---- expressions ----------------------------------------------------------------------

    pub(crate) fn eval(&mut self, e: &PyExpr) -> Res<V> {
        self.tick(e.span)?;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.eval_inner(e))
    }

    fn eval_inner(&mut self, e: &PyExpr) -> Res<V> {
        let span = e.span;
        let val = match &e.kind {
            Kind::Int(n) => Val::Int(*n),
            Kind::Float(f) => Val::Float(*f),
            Kind::Str(s) => Val::Str(s.as_str().into()),
            Kind::Bytes(b) => Val::Bytes(b.as_slice().into()),
            Kind::Bool(b) => Val::Bool(*b),
            Kind::None => Val::None,
            Kind::Name(n) => return self.name(n, span),
            Kind::List(items) => Val::List(self.eval_all(items)?),
            Kind::Tuple(items) => Val::Tuple(self.eval_all(items)?),
            Kind::Set(items) => Val::List(plain::dedup(self.eval_all(items)?)),
            Kind::Dict(pairs) => Val::Dict(self.dict(pairs)?),
            Kind::Attr(obj, name, name_span) => return self.attr(obj, name, *name_span, span),
            Kind::Call(callee, args, kwargs) => return self.call(callee, args, kwargs, span),
            Kind::Index(obj, index) => return self.index(obj, index, span),
            Kind::Slice(..) => {
                return Err(fail(
                    span,
                    "a slice is allowed only inside brackets",
                    "write x[1:3]",
                ));
            }
            Kind::Lambda(params, body) => Val::Lambda(self.lambda(params, body)?),
            Kind::Unary(op, x) => return self.unary(op, x, span),
            Kind::Not(x) => return self.not(x, span),
            Kind::Binary(op, op_span, l, r) => {
                let (l, r) = (self.eval(l)?, self.eval(r)?);
                return self.binary(op, *op_span, l, r, span);
            }
            Kind::Compare(operands, ops) => return self.compare(operands, ops, span),
            Kind::BoolOp(op, op_span, l, r) => return self.bool_op(op, *op_span, l, r),
            Kind::IfElse(test, then, other) => {
                let t = self.eval(test)?;
                if is_term(&t) {
                    return Err(fail(
                        t.span,
                        "`x if query else y` tests the Python object, not the query's value",
                        "use r.branch(test, then, else)",
                    ));
                }
                return if plain::truthy(&t.v) {
                    self.eval(then)
                } else {
                    self.eval(other)
                };
            }
            Kind::ListComp(elt, name, iter, cond) => {
                let items = Val::List(self.list_comp(elt, name, iter, cond.as_deref())?);
                self.spend(&items, span)?;
                items
            }
        };
        Ok(v(val, span))
    }

    fn eval_all(&mut self, items: &[PyExpr]) -> Res<Vec<V>> {
        items.iter().map(|i| self.eval(i)).collect()
    }

    fn dict(&mut self, pairs: &[(PyExpr, PyExpr)]) -> Res<Vec<(V, V)>> {
        let mut out: Vec<(V, V)> = Vec::with_capacity(pairs.len());
        for (k, val) in pairs {
            let (k, val) = (self.eval(k)?, self.eval(val)?);
            if is_term(&k) {
                return Err(fail(
                    k.span,
                    "a query cannot be a dict key",
                    "use r.object(key, value)",
                ));
            }
            // Python keeps the first key's place and the last value.
            match out.iter_mut().find(|(o, _)| plain::equal(&o.v, &k.v)) {
                Some(slot) => slot.1 = val,
                None => out.push((k, val)),
            }
        }
        Ok(out)
    }

    fn name(&mut self, n: &str, span: Span) -> Res<V> {
        if let Some((_, x)) = self.locals.iter().rev().find(|(name, _)| name == n) {
            return Ok(v(x.v.clone(), span));
        }
        if let Some(x) = self.globals.get(n) {
            return Ok(v(x.v.clone(), span));
        }
        if n == "r" {
            return Ok(v(Val::R, span));
        }
        if n == "datetime" {
            return Ok(v(Val::DatetimeModule, span));
        }
        if let Some(b) = BUILTINS.iter().find(|b| **b == n) {
            return Ok(v(Val::Builtin(b), span));
        }
        let help = match n {
            "true" | "false" | "null" | "none" => {
                "Python spells them True, False and None".to_string()
            }
            "datetime" => {
                "build times with r.time(...), r.iso8601(...) or r.epoch_time(...)".to_string()
            }
            _ => format!("bind it first: {n} = ..."),
        };
        Err(fail(span, format!("name `{n}` is not defined"), help))
    }

    fn lambda(&mut self, params: &[(String, Option<PyExpr>)], body: &PyExpr) -> Res<Rc<Lambda>> {
        let mut defaults = Vec::new();
        for (_, d) in params {
            if let Some(d) = d {
                defaults.push(self.eval(d)?);
            } else if !defaults.is_empty() {
                return Err(fail(
                    body.span,
                    "a parameter without a default follows one with a default",
                    "",
                ));
            }
        }
        Ok(Rc::new(Lambda {
            params: params.iter().map(|(n, _)| n.clone()).collect(),
            defaults,
            body: body.clone(),
            captured: self.locals.clone(),
        }))
    }

    fn call_lambda(&mut self, l: &Rc<Lambda>, args: Vec<V>, span: Span) -> Res<V> {
        let n = l.params.len();
        let required = n - l.defaults.len();
        if args.len() < required || args.len() > n {
            return Err(fail(
                span,
                format!("the lambda takes {n} arguments but is given {}", args.len()),
                "",
            ));
        }
        self.calls += 1;
        within(
            self.calls,
            MAX_CALLS,
            span,
            "lambdas call each other too deeply",
            "simplify the query",
        )?;
        let mut scope = l.captured.clone();
        let given = args.len();
        for (i, p) in l.params.iter().enumerate() {
            let val = match args.get(i) {
                Some(a) => a.clone(),
                None => l.defaults[i - required].clone(),
            };
            scope.push((p.clone(), val));
        }
        let _ = given;
        let saved = std::mem::replace(&mut self.locals, scope);
        let result = self.eval(&l.body);
        self.locals = saved;
        self.calls -= 1;
        result
    }

    fn list_comp(
        &mut self,
        elt: &PyExpr,
        name: &str,
        iter: &PyExpr,
        cond: Option<&PyExpr>,
    ) -> Res<Vec<V>> {
        let it = self.eval(iter)?;
        let items = self.iterate(&it)?;
        let mut out = Vec::new();
        for item in items {
            self.locals.push((name.to_string(), item));
            let keep = match cond {
                Some(c) => self.eval(c).and_then(|c| self.truth(&c, "if")),
                None => Ok(true),
            };
            let x = match keep {
                Ok(true) => self.eval(elt).map(Some),
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            };
            self.locals.pop();
            if let Some(x) = x? {
                out.push(x);
            }
        }
        Ok(out)
    }

    /// The items of a plain iterable; a query cannot be iterated (the driver raises).
    fn iterate(&self, x: &V) -> Res<Vec<V>> {
        match &x.v {
            Val::List(items) | Val::Tuple(items) => Ok(items.clone()),
            Val::Dict(pairs) => Ok(pairs.iter().map(|(k, _)| k.clone()).collect()),
            Val::Str(s) => Ok(s
                .chars()
                .map(|c| v(Val::Str(c.to_string().into()), x.span))
                .collect()),
            Val::Bytes(b) => Ok(b
                .iter()
                .map(|c| v(Val::Int(i128::from(*c)), x.span))
                .collect()),
            Val::Term(..) => Err(fail(
                x.span,
                "a query cannot be iterated in Python (the driver raises)",
                "iterate inside the query with .map(...) or .for_each(...)",
            )),
            _ => Err(fail(x.span, "this value cannot be iterated", "")),
        }
    }

    fn truth(&self, x: &V, what: &str) -> Res<bool> {
        if is_term(x) {
            return Err(fail(
                x.span,
                format!("`{what}` tests the Python object, not the query's value"),
                "use r.branch(...) or .filter(...) inside the query",
            ));
        }
        Ok(plain::truthy(&x.v))
    }

    // ---- operators ------------------------------------------------------------------------

    fn unary(&mut self, op: &str, x: &PyExpr, span: Span) -> Res<V> {
        let x = self.eval(x)?;
        if is_term(&x) {
            return match op {
                "~" => {
                    let t = self.expr(&x, EXPR_DEPTH)?;
                    let n = self.build(TermType::Not, &[t], &[], span)?;
                    Ok(v(Val::Term(n, Cls::Plain), span))
                }
                "-" => Err(fail(
                    span,
                    "unary `-` is not defined on a query (the driver raises TypeError)",
                    "write r.expr(0) - x or x.mul(-1)",
                )),
                _ => Err(fail(
                    span,
                    "unary `+` is not defined on a query (the driver raises TypeError)",
                    "drop the `+`",
                )),
            };
        }
        plain::unary(op, &x.v)
            .map(|val| v(val, span))
            .map_err(|m| fail(span, m, ""))
    }

    fn not(&mut self, x: &PyExpr, span: Span) -> Res<V> {
        let x = self.eval(x)?;
        if is_term(&x) {
            return Err(fail(
                span,
                "`not` on a query is Python's truthiness: the driver would send False",
                "use ~x or x.not_()",
            ));
        }
        Ok(v(Val::Bool(!plain::truthy(&x.v)), span))
    }

    fn bool_op(&mut self, op: &str, op_span: Span, l: &PyExpr, r: &PyExpr) -> Res<V> {
        let refuse = |this: &Self| {
            let (sym, method) = if op == "and" {
                ("&", "and_")
            } else {
                ("|", "or_")
            };
            let _ = this;
            fail(
                op_span,
                format!(
                    "`{op}` on a query is Python's truthiness: the driver would send one side only"
                ),
                format!("use `{sym}` with parentheses, (a == 1) {sym} (b == 2), or a.{method}(b)"),
            )
        };
        let lv = self.eval(l)?;
        if is_term(&lv) {
            return Err(refuse(self));
        }
        let rv = self.eval(r)?;
        if is_term(&rv) {
            return Err(refuse(self));
        }
        let pick_left = plain::truthy(&lv.v) == (op == "or");
        Ok(if pick_left { lv } else { rv })
    }

    /// `l op r` with Python's dispatch: the term's method, or the reflected one when only the
    /// right operand is a term (arithmetic keeps the order, as `__radd__` does).
    pub(crate) fn binary(&mut self, op: &str, op_span: Span, l: V, r: V, span: Span) -> Res<V> {
        if !is_term(&l) && !is_term(&r) {
            let val = plain::binary(op, &l.v, &r.v).map_err(|m| fail(op_span, m, ""))?;
            self.spend(&val, span)?;
            return Ok(v(val, span));
        }
        let tt = match op {
            "+" => TermType::Add,
            "-" => TermType::Sub,
            "*" => TermType::Mul,
            "/" => TermType::Div,
            "%" if matches!(l.v, Val::Str(_)) => {
                return Err(fail(
                    op_span,
                    "`%` formats a Python string with the query's text",
                    "build strings with r.expr('...').add(...)",
                ));
            }
            "%" => TermType::Mod,
            "&" => TermType::And,
            "|" => TermType::Or,
            _ => return Err(refuse_operator(op, op_span)),
        };
        let lt = self.expr(&l, EXPR_DEPTH)?;
        let rt = self.expr(&r, EXPR_DEPTH)?;
        let t = self.build(tt, &[lt, rt], &[], span)?;
        let cls = if tt == TermType::And || tt == TermType::Or {
            Cls::Infix
        } else {
            Cls::Plain
        };
        Ok(v(Val::Term(t, cls), span))
    }

    fn compare(&mut self, operands: &[PyExpr], ops: &[(&'static str, Span)], span: Span) -> Res<V> {
        let vals = self.eval_all(operands)?;
        if ops.len() > 1 {
            // `x == 1 | y == 2` chains through `1 | y`: the precedence mistake is the news.
            self.check_infix(&vals.iter().collect::<Vec<_>>(), span)?;
            if vals.iter().any(is_term) {
                let (_, at) = ops[1];
                return Err(fail(
                    at,
                    "a chained comparison on queries sends only its last comparison",
                    "compare one pair at a time: (a < b) & (b < c)",
                ));
            }
            for (i, (op, op_span)) in ops.iter().enumerate() {
                let ok = plain::compare(op, &vals[i].v, &vals[i + 1].v)
                    .map_err(|m| fail(*op_span, m, ""))?;
                if !ok {
                    return Ok(v(Val::Bool(false), span));
                }
            }
            return Ok(v(Val::Bool(true), span));
        }
        let (op, op_span) = ops[0];
        let (l, r) = (vals[0].clone(), vals[1].clone());
        self.compare_pair(op, op_span, l, r, span)
    }

    fn compare_pair(&mut self, op: &str, op_span: Span, l: V, r: V, span: Span) -> Res<V> {
        if !is_term(&l) && !is_term(&r) {
            return plain::compare(op, &l.v, &r.v)
                .map(|b| v(Val::Bool(b), span))
                .map_err(|m| fail(op_span, m, ""));
        }
        let tt = |o: &str| match o {
            "==" => Some(TermType::Eq),
            "!=" => Some(TermType::Ne),
            "<" => Some(TermType::Lt),
            "<=" => Some(TermType::Le),
            ">" => Some(TermType::Gt),
            ">=" => Some(TermType::Ge),
            _ => None,
        };
        let Some(_) = tt(op) else {
            let help = match op {
                "in" | "not in" => "use seq.contains(value) (negate with ~ or .not_())",
                _ => "compare with .eq(None) / .ne(None)",
            };
            return Err(fail(
                op_span,
                format!(
                    "`{op}` cannot be applied to a query (the driver raises or tests the Python object)"
                ),
                help,
            ));
        };
        // A plain value on the left: Python reflects the comparison onto the term.
        let (op, first, second) = if is_term(&l) {
            (op, l, r)
        } else {
            (mirror(op), r, l)
        };
        let tt = tt(op).unwrap_or(TermType::Eq);
        let (a, b) = (
            self.expr(&first, EXPR_DEPTH)?,
            self.expr(&second, EXPR_DEPTH)?,
        );
        self.check_infix(&[&first, &second], span)?;
        let t = self.build(tt, &[a, b], &[], span)?;
        Ok(v(Val::Term(t, Cls::Plain), span))
    }

    /// The driver refuses a comparison whose operand is the direct result of `&` / `|`.
    fn check_infix(&self, operands: &[&V], span: Span) -> Res<()> {
        if operands
            .iter()
            .any(|o| matches!(o.v, Val::Term(_, Cls::Infix)))
        {
            return Err(fail(
                span,
                "comparison applied to the result of `&` or `|`: `x == 1 | y == 2` means `x == (1 | y) == 2`",
                "parenthesize each comparison: (x == 1) | (y == 2)",
            ));
        }
        Ok(())
    }

    // ---- attributes, indexing, calls ----------------------------------------------------

    fn attr(&mut self, obj: &PyExpr, name: &str, name_span: Span, span: Span) -> Res<V> {
        let o = self.eval(obj)?;
        match &o.v {
            Val::R if name == "row" => {
                let t = self.build(TermType::ImplicitVar, &[], &[], span)?;
                Ok(v(Val::Term(t, Cls::Row), span))
            }
            Val::R => match table::r_constant(name) {
                Some(tt) => {
                    let t = self.build(tt, &[], &[], span)?;
                    Ok(v(Val::Term(t, Cls::Plain), span))
                }
                None => match table::r_function(name) {
                    Some(m) => Ok(v(Val::RFunc(m.name), span)),
                    None if name == "expr" => Ok(v(Val::RFunc("expr"), span)),
                    None => Err(self.missing_r(name, name_span)),
                },
            },
            Val::DatetimeModule => super::time::module_attr(name)
                .map(|m| v(m, span))
                .ok_or_else(|| {
                    fail(
                        name_span,
                        format!("rdbsh does not evaluate datetime.{name}"),
                        "",
                    )
                }),
            Val::Builtin(class) if class.starts_with("datetime.") => {
                super::time::class_attr(class, name)
                    .map(|m| v(m, span))
                    .map_err(|m| fail(name_span, m, ""))
            }
            Val::Term(..) => Err(fail(
                name_span,
                format!("`.{name}` without a call is a Python method object, not a query"),
                format!("call it: .{name}(...), or use ['{name}'] for a field"),
            )),
            _ => Err(fail(
                name_span,
                format!("this Python value has no attribute `{name}` rdbsh knows"),
                "",
            )),
        }
    }

    fn missing_r(&self, name: &str, span: Span) -> Fail {
        let snake = camel_to_snake(name);
        let help = if snake != name
            && (table::r_function(&snake).is_some() || table::r_constant(&snake).is_some())
        {
            format!("Python names are snake_case: r.{snake}")
        } else {
            let names = table::R_FUNCTIONS.iter().map(|m| m.name);
            match super::super::methods::nearest(name, names).first() {
                Some(n) => format!("did you mean r.{n}?"),
                None => String::new(),
            }
        };
        fail(
            span,
            format!("`r` has no attribute `{name}` in the Python driver"),
            help,
        )
    }

    fn index(&mut self, obj: &PyExpr, index: &PyExpr, span: Span) -> Res<V> {
        let o = self.eval(obj)?;
        if !is_term(&o) {
            if let Kind::Slice(lo, hi, step) = &index.kind {
                let bound = |this: &mut Self, b: &Option<Box<PyExpr>>| {
                    b.as_deref().map(|e| this.eval(e)).transpose()
                };
                let (lo, hi, step) = (bound(self, lo)?, bound(self, hi)?, bound(self, step)?);
                return plain::slice(&o.v, lo.map(|x| x.v), hi.map(|x| x.v), step.map(|x| x.v))
                    .map(|val| v(val, span))
                    .map_err(|m| fail(span, m, ""));
            }
            let i = self.eval(index)?;
            return plain::index(&o.v, &i.v)
                .map(|val| v(val, span))
                .map_err(|m| fail(index.span, m, ""));
        }
        let ot = self.expr(&o, EXPR_DEPTH)?;
        let Kind::Slice(lo, hi, _) = &index.kind else {
            let i = self.eval(index)?;
            let it = self.expr(&i, EXPR_DEPTH)?;
            let t = self.build(TermType::Bracket, &[ot, it], &[], span)?;
            return Ok(v(Val::Term(t, Cls::Plain), span));
        };
        // `index.start or 0`, and a falsy stop means "to the end, closed".
        let start = match lo {
            Some(e) => {
                let s = self.eval(e)?;
                if is_term(&s) || plain::truthy(&s.v) {
                    s
                } else {
                    v(Val::Int(0), e.span)
                }
            }
            None => v(Val::Int(0), index.span),
        };
        let stop = match hi {
            Some(e) => Some(self.eval(e)?),
            None => None,
        };
        let st = self.expr(&start, EXPR_DEPTH)?;
        let t = match stop.filter(|s| is_term(s) || plain::truthy(&s.v)) {
            Some(stop) => {
                let et = self.expr(&stop, EXPR_DEPTH)?;
                self.build(TermType::Slice, &[ot, st, et], &[], span)?
            }
            None => {
                let end = self.leaf(TKind::Int(-1), index.span)?;
                let closed = self.store.string("closed", index.span);
                let closed = self.built(closed, index.span)?;
                self.build(
                    TermType::Slice,
                    &[ot, st, end],
                    &[("right_bound".to_string(), closed)],
                    span,
                )?
            }
        };
        Ok(v(Val::Term(t, Cls::Plain), span))
    }

    fn call(
        &mut self,
        callee: &PyExpr,
        args: &[PyExpr],
        kwargs: &[(String, Span, PyExpr)],
        span: Span,
    ) -> Res<V> {
        let (recv, name, name_span) = match &callee.kind {
            Kind::Attr(obj, name, name_span) => (Some(self.eval(obj)?), name.as_str(), *name_span),
            _ => (None, "", callee.span),
        };
        let args = self.eval_all(args)?;
        let mut kw = Vec::with_capacity(kwargs.len());
        for (k, ks, e) in kwargs {
            kw.push((k.clone(), *ks, self.eval(e)?));
        }
        match recv {
            Some(V { v: Val::R, .. }) => self.r_call(PyCall {
                name,
                name_span,
                args,
                kw,
                span,
            }),
            Some(o) if is_term(&o) => self.method(
                o,
                PyCall {
                    name,
                    name_span,
                    args,
                    kw,
                    span,
                },
            ),
            Some(
                o @ V {
                    v: Val::DatetimeModule | Val::Builtin(_),
                    ..
                },
            ) => {
                let f = match &o.v {
                    Val::Builtin(class) => super::time::class_attr(class, name),
                    _ => super::time::module_attr(name)
                        .ok_or_else(|| format!("rdbsh does not evaluate datetime.{name}")),
                };
                let f = f.map_err(|m| fail(name_span, m, ""))?;
                self.call_value(v(f, callee.span), args, kw, span)
            }
            Some(o) => plain::method(&o.v, name, &args)
                .map(|val| v(val, span))
                .map_err(|m| fail(name_span, m, "")),
            None => {
                let f = self.eval(callee)?;
                self.call_value(f, args, kw, span)
            }
        }
    }

    fn call_value(&mut self, f: V, args: Vec<V>, kw: Kwargs, span: Span) -> Res<V> {
        match &f.v {
            Val::Lambda(l) => {
                if let Some((k, ks, _)) = kw.first() {
                    let _ = k;
                    return Err(fail(
                        *ks,
                        "keyword arguments to a lambda are not supported",
                        "pass them positionally",
                    ));
                }
                let l = l.clone();
                self.call_lambda(&l, args, span)
            }
            Val::RFunc(name) => self.r_call(PyCall {
                name,
                name_span: f.span,
                args,
                kw,
                span,
            }),
            Val::Builtin("str") if args.len() == 1 && is_term(&args[0]) => {
                // The driver's `str(query)` is the query printed as Python.
                let t = self.expr(&args[0], EXPR_DEPTH)?;
                let text = super::super::source::to_source(
                    &self.store.to_json(t),
                    super::super::Lang::Python,
                )
                .map_err(|m| fail(span, m, ""))?;
                Ok(v(Val::Str(text.into()), span))
            }
            Val::Builtin(b) if b.starts_with("datetime.") => super::time::construct(b, &args, &kw)
                .map(|val| v(val, span))
                .map_err(|m| fail(span, m, "")),
            Val::Builtin(b) => {
                let val = plain::builtin(b, &args, &kw).map_err(|m| fail(span, m, ""))?;
                self.spend(&val, span)?;
                Ok(v(val, span))
            }
            Val::Term(_, Cls::Row) => Err(fail(
                f.span,
                "`r.row` is not callable (the driver raises TypeError)",
                "use r.row['field']",
            )),
            Val::Term(..) => Err(fail(
                f.span,
                "a query is not callable in Python",
                "use x['field'] for a field, or x.do(...)",
            )),
            _ => Err(fail(f.span, "this value is not callable", "")),
        }
    }

    /// A method of a query object.
    fn method(&mut self, recv: V, call: PyCall<'_>) -> Res<V> {
        let (name, name_span, args, kw, span) = call.into_parts();
        let on = match recv.v {
            Val::Term(_, Cls::Table) => On::Table,
            Val::Term(_, Cls::Db) => On::Db,
            _ => On::Any,
        };
        let Some(m) = table::term_method(name, on) else {
            return Err(self.missing_method(name, name_span));
        };
        self.apply(m, Some(recv), args, kw, span, name_span)
    }

    fn missing_method(&self, name: &str, span: Span) -> Fail {
        if let Some(m) = table::any_term_method(name) {
            let class = if m.on == On::Db {
                "a database: r.db('name')"
            } else {
                "a table: r.table('name')"
            };
            return fail(
                span,
                format!("`{name}` exists only on {class} (the driver raises AttributeError)"),
                format!("call {name} on the table itself"),
            );
        }
        let snake = camel_to_snake(name);
        let help = if snake != name && table::any_term_method(&snake).is_some() {
            format!("Python names are snake_case: .{snake}(...)")
        } else {
            match super::super::methods::nearest(name, table::TERM_METHODS.iter().map(|m| m.name))
                .first()
            {
                Some(n) => format!("did you mean .{n}(...)?"),
                None => String::new(),
            }
        };
        fail(
            span,
            format!("no method `{name}` on a query in the Python driver"),
            help,
        )
    }

    /// `r.name(...)`.
    fn r_call(&mut self, call: PyCall<'_>) -> Res<V> {
        let (name, name_span, args, kw, span) = call.into_parts();
        match name {
            "expr" => return self.r_expr(args, kw, span),
            "binary" => return self.r_binary(args, kw, span),
            "row" => {
                return Err(fail(
                    name_span,
                    "`r.row` is not callable (the driver raises TypeError)",
                    "use r.row['field']",
                ));
            }
            "do" if args.is_empty() => {
                return Err(fail(
                    span,
                    "r.do needs at least a function (the driver raises)",
                    "r.do(value, lambda x: ...)",
                ));
            }
            "http" if args.len() != 1 => {
                return Err(fail(
                    span,
                    "r.http takes exactly one positional argument, the url",
                    "pass the options by keyword: r.http(url, method='POST')",
                ));
            }
            _ => {}
        }
        let Some(m) = table::r_function(name) else {
            return Err(self.missing_r(name, name_span));
        };
        self.apply(m, None, args, kw, span, name_span)
    }

    fn r_expr(&mut self, args: Vec<V>, kw: Kwargs, span: Span) -> Res<V> {
        let mut depth = None;
        for (k, ks, x) in &kw {
            if k != "nesting_depth" {
                return Err(fail(
                    *ks,
                    format!("r.expr has no argument `{k}`"),
                    "r.expr(value, nesting_depth)",
                ));
            }
            depth = Some(x.clone());
        }
        if args.is_empty() || args.len() + kw.len() > 2 {
            return Err(fail(
                span,
                "r.expr takes a value and an optional nesting depth (the driver raises TypeError)",
                "r.expr(value)",
            ));
        }
        let depth = match depth.or_else(|| args.get(1).cloned()) {
            None => EXPR_DEPTH,
            Some(V { v: Val::Int(n), .. }) => n,
            Some(V {
                v: Val::Bool(b), ..
            }) => i128::from(b),
            Some(d) => {
                return Err(fail(
                    d.span,
                    "the second argument to r.expr must be a number",
                    "r.expr(value, 100)",
                ));
            }
        };
        let t = self.expr(&args[0], depth)?;
        Ok(v(Val::Term(t, cls_of(self.store.tt(t))), span))
    }

    fn r_binary(&mut self, args: Vec<V>, kw: Kwargs, span: Span) -> Res<V> {
        if args.len() != 1 || !kw.is_empty() {
            return Err(fail(
                span,
                "r.binary takes exactly one argument (the driver raises TypeError)",
                "r.binary(b'bytes')",
            ));
        }
        let x = &args[0];
        let t = match &x.v {
            Val::Bytes(b) => self.binary_datum(b, x.span)?,
            Val::Term(..) => {
                let a = self.expr(x, EXPR_DEPTH)?;
                self.build(TermType::Binary, &[a], &[], span)?
            }
            Val::Str(_) => {
                return Err(fail(
                    x.span,
                    "r.binary needs bytes, not a str",
                    "write a bytes literal b'...' or 'text'.encode()",
                ));
            }
            _ => {
                return Err(fail(
                    x.span,
                    "r.binary needs bytes",
                    "write a bytes literal b'...'",
                ));
            }
        };
        Ok(v(Val::Term(t, Cls::Plain), span))
    }

    /// Builds the term of `m` on `recv` (a method) or on `r` (`recv` is `None`).
    fn apply(
        &mut self,
        m: &PyMethod,
        recv: Option<V>,
        args: Vec<V>,
        kw: Kwargs,
        span: Span,
        name_span: Span,
    ) -> Res<V> {
        if let Some((_, ks, _)) = kw.first().filter(|_| !m.kwargs) {
            return Err(fail(
                *ks,
                format!(
                    "`{}` takes no keyword arguments in the Python driver",
                    m.name
                ),
                "pass the value positionally",
            ));
        }
        let wrap = table::wrap_of(m.name, recv.is_none());
        let n = args.len();
        let mut wrapped = Vec::with_capacity(n + 1);
        for (i, a) in args.into_iter().enumerate() {
            let wrap_it = match wrap {
                PyWrap::All => true,
                PyWrap::Last | PyWrap::LastAndKeywords => i + 1 == n,
                PyWrap::AllExceptOrdering => !matches!(a.v, Val::Term(_, Cls::Ordering)),
                PyWrap::AfterFirst => i > 0 && n > 1,
                PyWrap::None | PyWrap::Keywords | PyWrap::Do => false,
            };
            wrapped.push(if wrap_it { self.func_wrap(&a)? } else { a });
        }
        let mut all: Vec<V> = recv.into_iter().chain(wrapped).collect();
        if wrap == PyWrap::Do {
            // FUNCALL: the function (the last argument) first.
            let Some(f) = all.pop() else {
                return Err(fail(name_span, "r.do needs at least a function", ""));
            };
            let f = self.func_wrap(&f)?;
            all.insert(0, f);
        }
        if is_comparison(m.tt) {
            self.check_infix(&all.iter().collect::<Vec<_>>(), span)?;
        }
        let ids = all
            .iter()
            .map(|a| self.expr(a, EXPR_DEPTH))
            .collect::<Res<Vec<_>>>()?;
        let mut opts = Vec::with_capacity(kw.len());
        for (k, _, x) in &kw {
            let x = if matches!(wrap, PyWrap::Keywords | PyWrap::LastAndKeywords) {
                self.func_wrap(x)?
            } else {
                x.clone()
            };
            opts.push((k.clone(), self.expr(&x, EXPR_DEPTH)?));
        }
        let tt = if m.tt == TermType::Funcall {
            TermType::Funcall
        } else {
            m.tt
        };
        let t = self.build(tt, &ids, &opts, span)?;
        Ok(v(Val::Term(t, cls_of(Some(tt))), span))
    }

    /// Global optargs of a pasted `.run(conn, key=value)`, as the driver's `_start` sends them.
    pub(crate) fn run_optargs(&mut self, kw: &[(String, Span, PyExpr)]) -> Res<Map<String, Value>> {
        let mut out = Map::new();
        for (k, _, e) in kw {
            let x = self.eval(e)?;
            let t = match (&x.v, k.as_str()) {
                (Val::Str(_), "db") => {
                    let name = self.expr(&x, EXPR_DEPTH)?;
                    self.build(TermType::Db, &[name], &[], x.span)?
                }
                _ => self.expr(&x, EXPR_DEPTH)?,
            };
            out.insert(k.clone(), self.store.to_json(t));
        }
        Ok(out)
    }
}

fn cls_of(tt: Option<TermType>) -> Cls {
    match tt {
        Some(TermType::Table) => Cls::Table,
        Some(TermType::Db) => Cls::Db,
        Some(TermType::Asc | TermType::Desc) => Cls::Ordering,
        Some(TermType::ImplicitVar) => Cls::Row,
        _ => Cls::Plain,
    }
}

pub(crate) fn is_term(x: &V) -> bool {
    matches!(x.v, Val::Term(..))
}

fn int_kind(n: i128) -> TKind {
    if let Ok(i) = i64::try_from(n) {
        TKind::Int(i)
    } else if let Ok(u) = u64::try_from(n) {
        TKind::UInt(u)
    } else {
        // Past 64 bits JSON numbers here are doubles; the server reads doubles anyway.
        TKind::Float(n as f64)
    }
}

fn mirror(op: &str) -> &str {
    match op {
        "<" => ">",
        ">" => "<",
        "<=" => ">=",
        ">=" => "<=",
        other => other,
    }
}

fn refuse_operator(op: &str, span: Span) -> Fail {
    let help = match op {
        "//" => "divide and round down: (a / b).floor()",
        "**" => "ReQL has no power operator; multiply, or compute the power in Python first",
        "^" => "use a.bit_xor(b)",
        "<<" => "use a.bit_sal(n)",
        ">>" => "use a.bit_sar(n)",
        _ => "",
    };
    fail(
        span,
        format!("`{op}` is not defined on a query (the driver raises TypeError)"),
        help,
    )
}

pub(crate) fn camel_to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
