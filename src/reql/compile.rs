//! Evaluates the parsed JavaScript the way the driver's JavaScript would run, with ReQL terms
//! as one kind of value: literal arithmetic folds, functions become FUNC terms by running their
//! body once with VAR terms, and every method call follows the driver's rules (arity checks,
//! optargs detection, `r.row` wrapping, FUNCALL order, nesting depth).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::ast::{Expr, ExprKind, FuncBody, FuncDef, Name, Names, Prop, Stmt, StmtKind};
use super::clock::Clock;
use super::diagnostic::Diagnostic;
use super::methods::{self, Arity, Method, Optargs, Wrap};
use super::parser::{NameHasher, is_after_run, is_hidden, is_program_tail, js_number_string};
use super::prec::{BinOp, UnaryOp};
use super::span::Span;
use crate::protocol::RUN_OPTARGS;

use super::term::{BuildError, Kind, MAX_TERM_DEPTH, TermId, TermStore};
use crate::protocol::TermType;
/// Evaluation steps allowed per statement (loops in pasted JavaScript must end).
const MAX_STEPS: u64 = 2_000_000;
/// Bytes of strings, arrays and objects the JavaScript of one statement may build: the compile
/// budget (doubling a string in a loop must fail, not take the machine's memory).
pub const COMPILE_BUDGET: usize = 64 << 20;
/// Nested JavaScript calls allowed (recursion in pasted JavaScript must end).
const MAX_CALLS: u32 = 200;
/// The driver's default `r.expr` nesting depth.
const EXPR_DEPTH: i64 = 20;

mod calls;
mod dates;
mod jslib;
mod math;
mod operators;
mod scope;
mod statements;
mod terms;
mod values;

use calls::called_term_method;
use dates::{date_from_parts, iso_from_ms, parse_date};
use math::{MathFn, js_pow};
pub(crate) use scope::{Closure, Scope};
use values::{
    is_array_index, is_plain_leaf, loose_eq, plural, set_field, strict_eq, to_int32, to_js_string,
    to_number, truthy, type_name,
};

/// A JavaScript value during evaluation, with the span of the expression that produced it.
#[derive(Debug, Clone)]
pub(crate) struct V {
    v: Val,
    span: Span,
}

/// Fields of a JavaScript object, in insertion order.
type Fields = Vec<(Str, V)>;

/// A JavaScript string: a literal of the source, interned (copied without a reference
/// count), or one computed while evaluating.
#[derive(Debug, Clone)]
enum Str {
    Lit(Name),
    Own(Rc<str>),
}

impl Str {
    fn own(text: &str) -> Self {
        Str::Own(Rc::from(text))
    }

    fn text<'s>(&'s self, names: &'s Names) -> &'s str {
        match self {
            Str::Lit(name) => names.get(*name),
            Str::Own(text) => text,
        }
    }

    /// Whether the texts are equal (two literals are equal when their names are).
    fn same(&self, other: &Str, names: &Names) -> bool {
        match (self, other) {
            (Str::Lit(a), Str::Lit(b)) => a == b,
            _ => self.text(names) == other.text(names),
        }
    }
}

#[derive(Debug, Clone)]
enum Val {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(Str),
    Arr(Rc<RefCell<Vec<V>>>),
    Obj(Rc<RefCell<Fields>>),
    Term(TermId),
    Func(Rc<Closure>),
    /// The `r` namespace.
    R,
    /// A method not yet called: on a term, or of `r` (receiver `None`).
    Method(Option<TermId>, &'static Method),
    Native(Native),
    Buffer(Rc<Vec<u8>>),
    /// Milliseconds since the epoch.
    Date(f64),
    /// Stands for a value whose evaluation failed (already reported).
    Poison,
}

#[derive(Debug, Clone)]
enum Native {
    Buffer,
    BufferFrom,
    Date,
    DateNow,
    DateUtc,
    Math,
    MathFn(MathFn),
    Push(Rc<RefCell<Vec<V>>>),
    /// A function or namespace of the standard library (`parseInt`, `JSON`, `JSON.parse`).
    Lib(&'static str),
    /// A standard-library method bound to a plain value (`'a'.toUpperCase`), boxed so a
    /// value stays small.
    Bound(Box<(Val, &'static str)>),
}

/// Whether `obj` is the receiver of `?.` and its value `o` is null or undefined: then the
/// access or call gives undefined.
#[inline(always)]
fn skips_nullish(obj: &Expr, o: &V) -> bool {
    matches!(obj.kind, ExprKind::Optional(_)) && matches!(o.v, Val::Undef | Val::Null)
}

/// Flow out of a statement.
enum Flow {
    Normal,
    Return(V),
    Break,
    Continue,
}

/// Evaluation of one top-level statement: builds terms into the session's store, collects
/// diagnostics and counts work.
pub(crate) struct Eval<'a> {
    next_var: &'a mut u64,
    pub(crate) store: &'a mut TermStore,
    /// The texts of the names in the statements (the session's).
    names: &'a Names,
    /// What statements reuse.
    reuse: &'a mut Reuse,
    /// The clock and time zone `Date` reads.
    clock: &'a Clock,
    pub(crate) diags: Vec<Diagnostic>,
    steps: u64,
    /// Bytes built so far against [`COMPILE_BUDGET`].
    built: usize,
    calls: u32,
    /// Depth errors reported so far: a conversion stops at the first one below it, so a
    /// cyclic value (`a.fill(a)`) is reported once, not once for each of its 2^20 branches.
    too_deep: u32,
    halted: bool,
    /// Span of `.name(...)` for the method call about to run (for argument errors).
    site: Option<Span>,
    /// Set when a term built by this statement may be reachable after it (see
    /// [`Eval::escaped`]).
    escaped: bool,
}

/// What evaluating reuses from one statement to the next, kept in the session: spare
/// vectors and activations, and the methods found by name (as long-lived as the names).
#[derive(Debug, Default)]
pub(crate) struct Reuse {
    /// Argument vectors to reuse (see [`Eval::eval_args`]).
    spare_args: Vec<Vec<V>>,
    /// Function activations to reuse (see [`Eval::scope_for`]).
    spare_scopes: Vec<Rc<Scope>>,
    /// Term methods by the names they are called by (see [`MethodCache`]).
    term_methods: MethodCache,
    /// `r` functions likewise.
    r_functions: MethodCache,
    /// Unknown names stand for an opaque term instead of being errors: history redaction
    /// compiles one entry without the session that bound its names.
    pub(crate) opaque_names: bool,
}

/// What looking a name up in a method table gave.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    NotYet,
    Missing,
    Found(&'static Method),
}

/// Methods by [`Name`]: each name is looked up in the table once, then found by its index.
#[derive(Debug, Default)]
struct MethodCache(Vec<Lookup>);

impl MethodCache {
    /// `find(names.get(name))`, remembered.
    #[inline]
    fn get(
        &mut self,
        name: Name,
        names: &Names,
        find: fn(&str) -> Option<&'static Method>,
    ) -> Option<&'static Method> {
        match self.0.get(name.index()) {
            Some(Lookup::Found(m)) => Some(m),
            Some(Lookup::Missing) => None,
            _ => self.look_up(name, names, find),
        }
    }

    #[cold]
    #[inline(never)]
    fn look_up(
        &mut self,
        name: Name,
        names: &Names,
        find: fn(&str) -> Option<&'static Method>,
    ) -> Option<&'static Method> {
        let m = find(names.get(name));
        let i = name.index();
        if self.0.len() <= i {
            self.0.resize(i + 1, Lookup::NotYet);
        }
        if let Some(slot) = self.0.get_mut(i) {
            *slot = m.map_or(Lookup::Missing, Lookup::Found);
        }
        m
    }
}

fn v(v: Val, span: Span) -> V {
    V { v, span }
}

/// `returnChanges` → `return_changes`, as the driver's `fromCamelCase`.
pub(crate) fn snake(key: &str) -> String {
    let mut s = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

impl<'a> Eval<'a> {
    pub(crate) fn new(
        next_var: &'a mut u64,
        store: &'a mut TermStore,
        names: &'a Names,
        reuse: &'a mut Reuse,
        clock: &'a Clock,
    ) -> Self {
        Eval {
            next_var,
            store,
            names,
            reuse,
            clock,
            diags: Vec::new(),
            steps: 0,
            built: 0,
            calls: 0,
            too_deep: 0,
            halted: false,
            site: None,
            escaped: false,
        }
    }

    /// Prepares for the next top-level statement: its own step and call budgets.
    pub(crate) fn start(&mut self) {
        self.steps = 0;
        self.built = 0;
        self.calls = 0;
        self.halted = false;
        self.site = None;
        self.escaped = false;
        self.store.discard(0);
    }

    /// Whether a term built by the last statement may still be reachable after it: it stored
    /// a value that may hold one (not a number or a string) in the session's scope, in any
    /// variable by assignment (a closure kept from an earlier statement may hold the scope),
    /// or in an object or an array. If not, the terms it built can be given back.
    pub(crate) fn escaped(&self) -> bool {
        self.escaped
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) -> V {
        self.diags.push(Diagnostic::new(span, msg));
        v(Val::Poison, span)
    }

    fn error_help(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) -> V {
        self.diags.push(Diagnostic::new(span, msg).with_help(help));
        v(Val::Poison, span)
    }

    #[inline]
    fn step(&mut self, span: Span) -> bool {
        self.steps += 1;
        // Only running past the limit halts.
        if self.steps > MAX_STEPS {
            return self.halt(span);
        }
        true
    }

    #[cold]
    #[inline(never)]
    fn halt(&mut self, span: Span) -> bool {
        if !self.halted {
            self.halted = true;
            self.error_help(
                span,
                "the JavaScript in this statement runs too long",
                "ReQL is built once before it is sent; keep loops short",
            );
        }
        false
    }

    /// Counts `bytes` about to be built against the compile budget; false (reported once)
    /// past it.
    fn build(&mut self, bytes: usize, span: Span) -> bool {
        self.built = self.built.saturating_add(bytes);
        if self.built <= COMPILE_BUDGET {
            return true;
        }
        if !self.halted {
            self.halted = true;
            self.error_help(
                span,
                format!(
                    "the JavaScript in this statement builds more than {} MiB of values \
                     (the compile budget)",
                    COMPILE_BUDGET >> 20
                ),
                "build large values on the server (r.range(), .map(), r.expr(...).add()) \
                 or load them from a file",
            );
        }
        false
    }

    /// Counts a value just built (its own size, not what it shares with other values).
    fn built_value(&mut self, x: &Val, span: Span) -> bool {
        let bytes = match x {
            Val::Str(Str::Own(text)) => text.len(),
            Val::Arr(items) => items.borrow().len() * size_of::<V>(),
            Val::Obj(fields) => fields.borrow().len() * size_of::<(Str, V)>(),
            _ => 0,
        };
        self.build(bytes, span)
    }

    fn new_var(&mut self) -> u64 {
        let id = *self.next_var;
        *self.next_var += 1;
        id
    }

    // ---- scopes -------------------------------------------------------------------------

    /// A fresh activation under `parent`, reusing one that ended uncaptured if there is one.
    fn scope_for(&mut self, parent: &Rc<Scope>) -> Rc<Scope> {
        if let Some(mut s) = self.reuse.spare_scopes.pop()
            && let Some(inner) = Rc::get_mut(&mut s)
        {
            inner.parent = Some(parent.clone());
            return s;
        }
        Rc::new(Scope::under(parent.clone()))
    }

    /// Keeps an ended activation for reuse unless a closure captured it.
    fn end_scope(&mut self, mut scope: Rc<Scope>) {
        if self.reuse.spare_scopes.len() >= 64 {
            return;
        }
        if let Some(inner) = Rc::get_mut(&mut scope) {
            inner.reset();
            self.reuse.spare_scopes.push(scope);
        }
    }

    /// Notes that `val` is being stored where it may outlive the statement.
    fn stored(&mut self, val: &Val) {
        // A number or a string holds no term: a loop counter leaves the terms built in the
        // loop free to be given back.
        if matches!(
            val,
            Val::Term(_)
                | Val::Method(..)
                | Val::Arr(_)
                | Val::Obj(_)
                | Val::Func(_)
                | Val::Native(_)
        ) {
            self.escaped = true;
        }
    }

    fn declare(&mut self, scope: &Scope, name: Name, val: V) {
        if scope.is_root() {
            self.stored(&val.v);
        }
        scope.declare(name, val);
    }

    // ---- terms ------------------------------------------------------------------------

    // ---- method calls -------------------------------------------------------------------

    // ---- evaluation -----------------------------------------------------------------------

    pub(crate) fn eval(&mut self, e: &Expr, scope: &Rc<Scope>) -> V {
        if !self.step(e.span) {
            return v(Val::Poison, e.span);
        }
        let span = e.span;
        match &e.kind {
            ExprKind::Num(n) => v(Val::Num(*n), span),
            ExprKind::Str(s) => v(Val::Str(Str::Lit(*s)), span),
            ExprKind::Bool(b) => v(Val::Bool(*b), span),
            ExprKind::Null => v(Val::Null, span),
            ExprKind::This => v(Val::Undef, span),
            ExprKind::Error => v(Val::Poison, span),
            ExprKind::Skipped => self.error_help(
                span,
                "rdbsh does not read this code",
                "it is skipped only as a callback of `.run(...)` or of a promise method after it",
            ),
            ExprKind::Ident(name) => self.ident(*name, span, scope),
            ExprKind::Array(items) => self.eval_array(items, scope, span),
            ExprKind::Object(props) => self.eval_object(props, scope, span),
            ExprKind::Member {
                obj,
                name,
                name_span,
            } => {
                let o = self.eval(obj, scope);
                if skips_nullish(obj, &o) {
                    return v(Val::Undef, span);
                }
                let names = self.names;
                self.member(o, Some(*name), names.get(*name), *name_span, span)
            }
            ExprKind::Index { obj, index } => {
                let o = self.eval(obj, scope);
                if skips_nullish(obj, &o) {
                    return v(Val::Undef, span);
                }
                let i = self.eval(index, scope);
                self.index(o, i, span)
            }
            ExprKind::Optional(inner) => self.eval(inner, scope),
            ExprKind::Call { callee, args } => self.call_expr(callee, args, span, scope),
            ExprKind::MethodCall {
                operands,
                name,
                name_span,
            } => match Expr::receiver_args(operands) {
                Some((obj, args)) => {
                    let callee_span = obj.span.to(*name_span);
                    self.method_call(obj, *name, *name_span, callee_span, args, span, scope)
                }
                None => v(Val::Poison, span),
            },
            ExprKind::Func(def) => v(
                Val::Func(Rc::new(Closure {
                    def: def.clone(),
                    scope: scope.clone(),
                })),
                span,
            ),
            ExprKind::Unary { op, expr } => {
                let x = self.eval(expr, scope);
                self.unary(*op, x, span)
            }
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => self.eval_binary(*op, *op_span, lhs, rhs, scope, span),
            ExprKind::New { .. }
            | ExprKind::Cond { .. }
            | ExprKind::Assign { .. }
            | ExprKind::Update { .. }
            | ExprKind::Spread(_)
            | ExprKind::Computed { .. } => self.eval_rare(e, scope),
        }
    }

    /// An array literal.
    fn eval_array(&mut self, items: &[Expr], scope: &Rc<Scope>, span: Span) -> V {
        if !self.build(items.len() * size_of::<V>(), span) {
            return v(Val::Poison, span);
        }
        let mut vals: Vec<V> = Vec::with_capacity(items.len());
        for i in items {
            if let ExprKind::Spread(inner) = &i.kind {
                self.spread_into(inner, scope, &mut vals);
            } else {
                let x = self.eval(i, scope);
                vals.push(x);
            }
        }
        v(Val::Arr(Rc::new(RefCell::new(vals))), span)
    }

    /// An object literal.
    fn eval_object(&mut self, props: &[Prop], scope: &Rc<Scope>, span: Span) -> V {
        if !self.build(props.len() * size_of::<(Str, V)>(), span) {
            return v(Val::Poison, span);
        }
        let mut fields: Fields = Vec::with_capacity(props.len());
        // A repeated key keeps its first place and takes the last value; large
        // literals find repeats through an index instead of scanning. All keys are
        // names here: the same key is the same name.
        let mut index: Option<HashMap<Name, usize, BuildHasherDefault<NameHasher>>> =
            (props.len() > 16).then(HashMap::default);
        // After a spread, keys may be texts of other objects: compared as texts.
        let mut spread = false;
        for p in props {
            if matches!(
                p.value.kind,
                ExprKind::Spread(_) | ExprKind::Computed { .. }
            ) {
                if !self.special_prop(&p.value, scope, &mut fields) {
                    return v(Val::Poison, span);
                }
                spread = true;
                index = None;
                continue;
            }
            let val = self.eval(&p.value, scope);
            let slot = match &index {
                Some(index) => index.get(&p.key).copied(),
                None if spread => {
                    let key = Str::Lit(p.key);
                    fields.iter().position(|(k, _)| k.same(&key, self.names))
                }
                None => fields
                    .iter()
                    .position(|(k, _)| matches!(k, Str::Lit(k) if *k == p.key)),
            };
            match slot {
                Some(i) => fields[i].1 = val,
                None => {
                    if let Some(index) = &mut index {
                        index.insert(p.key, fields.len());
                    }
                    fields.push((Str::Lit(p.key), val));
                }
            }
        }
        v(Val::Obj(Rc::new(RefCell::new(fields))), span)
    }

    /// `lhs op rhs`; `&&`, `||` and `??` evaluate `rhs` only when JavaScript does.
    fn eval_binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        lhs: &Expr,
        rhs: &Expr,
        scope: &Rc<Scope>,
        span: Span,
    ) -> V {
        let l = self.eval(lhs, scope);
        if matches!(op, BinOp::And | BinOp::Or | BinOp::Nullish)
            && !matches!(l.v, Val::Term(_) | Val::Poison)
        {
            let take_left = match op {
                BinOp::And => !truthy(self.names, &l.v),
                BinOp::Or => truthy(self.names, &l.v),
                _ => !matches!(l.v, Val::Undef | Val::Null),
            };
            if take_left {
                return v(l.v, span);
            }
            let r = self.eval(rhs, scope);
            if let Val::Term(_) = r.v {
                return self.op_on_term(op, op_span);
            }
            return v(r.v, span);
        }
        let r = self.eval(rhs, scope);
        self.binary(op, op_span, l, r, span)
    }

    /// [`Eval::eval`] of the expressions that ReQL rarely has (out of line: the hot one keeps a
    /// small frame).
    #[inline(never)]
    fn eval_rare(&mut self, e: &Expr, scope: &Rc<Scope>) -> V {
        let span = e.span;
        match &e.kind {
            ExprKind::New { callee, args } => {
                let f = self.eval(callee, scope);
                let argv = self.eval_args(args, scope);
                match f.v {
                    Val::Native(Native::Buffer) => self.buffer(&argv, span),
                    Val::Native(Native::Date) => self.date(&argv, span),
                    Val::Native(Native::Lib("Array")) => self.call_lib("Array", argv, span),
                    Val::Poison => f,
                    _ => self.error_help(
                        span,
                        "`new` is only supported for Date and Buffer",
                        "write ReQL terms without `new`",
                    ),
                }
            }
            ExprKind::Cond { test, then, other } => {
                let t = self.eval(test, scope);
                match t.v {
                    Val::Term(_) => self.error_help(
                        test.span,
                        "a ReQL term cannot choose between JavaScript values",
                        "use r.branch(condition, valueIfTrue, valueIfFalse)",
                    ),
                    Val::Poison => t,
                    _ if truthy(self.names, &t.v) => self.eval(then, scope),
                    _ => self.eval(other, scope),
                }
            }
            ExprKind::Assign { op, target, value } => {
                let mut val = self.eval(value, scope);
                if let Some(bop) = *op {
                    let cur = self.eval(target, scope);
                    val = self.binary(bop, span, cur, val, span);
                }
                self.assign(target, val.clone(), scope);
                val
            }
            ExprKind::Update {
                increment,
                prefix,
                target,
            } => {
                let cur = self.eval(target, scope);
                let n = match &cur.v {
                    Val::Term(_) => {
                        return self
                            .op_on_term(if *increment { BinOp::Add } else { BinOp::Sub }, span);
                    }
                    Val::Poison => return cur,
                    other => to_number(self.names, other).unwrap_or(f64::NAN),
                };
                let new = if *increment { n + 1.0 } else { n - 1.0 };
                self.assign(target, v(Val::Num(new), span), scope);
                v(Val::Num(if *prefix { new } else { n }), span)
            }
            // The parser makes spreads only where arguments and array items are read.
            ExprKind::Spread(_) => {
                self.error(span, "`...` can only spread call arguments or array items")
            }
            ExprKind::Computed { .. } => {
                self.error(span, "a computed key belongs in an object literal")
            }
            // Only the kinds above come here.
            _ => v(Val::Poison, span),
        }
    }

    fn ident(&mut self, id: Name, span: Span, scope: &Rc<Scope>) -> V {
        if let Some(x) = scope.get(id) {
            return v(x.v, span);
        }
        let names = self.names;
        let name = names.get(id);
        let val = match name {
            "r" => Val::R,
            "undefined" => Val::Undef,
            "NaN" => Val::Num(f64::NAN),
            "Infinity" => Val::Num(f64::INFINITY),
            "Buffer" => Val::Native(Native::Buffer),
            "Date" => Val::Native(Native::Date),
            "Math" => Val::Native(Native::Math),
            "True" | "False" | "None" => {
                let js = match name {
                    "True" => "true",
                    "False" => "false",
                    _ => "null",
                };
                return self.error_help(
                    span,
                    format!("`{name}` is Python"),
                    format!("write `{js}`"),
                );
            }
            _ if let Some(lib) = jslib::global(name) => lib,
            _ if self.reuse.opaque_names => {
                return match self.datum(Value::Null, span) {
                    Some(id) => v(Val::Term(id), span),
                    None => v(Val::Poison, span),
                };
            }
            _ => {
                let mut bound = scope.names(names);
                let mut s = scope.parent.clone();
                while let Some(p) = s {
                    bound.extend(p.names(names));
                    s = p.parent.clone();
                }
                let near = methods::nearest(name, bound.iter().map(String::as_str).chain(["r"]));
                let help = match near.first() {
                    Some(n) => {
                        format!("did you mean `{n}`? names are defined with `var {name} = ...`")
                    }
                    None => format!(
                        "define it first with `var {name} = ...`, or write a string: '{name}'"
                    ),
                };
                return self.error_help(span, format!("unknown name `{name}`"), help);
            }
        };
        v(val, span)
    }

    /// "unknown method `name`" (`what` = "method") or "unknown function `r.name`"
    /// (`what` = "function r."), with the nearest names of `list`.
    fn suggest_method(&mut self, name: &str, span: Span, list: &'static [Method], what: &str) -> V {
        let near = methods::nearest(name, list.iter().map(|m| m.name));
        let help = if near.is_empty() {
            "see the ReQL API reference for the list of commands".to_string()
        } else {
            format!(
                "did you mean {}?",
                near.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let message = match what.strip_suffix(" r.") {
            Some(kind) => format!("unknown {kind} `r.{name}`"),
            None => format!("unknown {what} `{name}`"),
        };
        self.error_help(span, message, help)
    }

    /// A method of `r` by its name (`id`, or only the text for a computed key).
    fn r_function(&mut self, id: Option<Name>, name: &str) -> Option<&'static Method> {
        match id {
            Some(id) => self
                .reuse
                .r_functions
                .get(id, self.names, methods::r_function),
            None => methods::r_function(name),
        }
    }

    /// A method of terms called by `name` (`id`, or only the text for a computed key).
    fn term_method(&mut self, id: Option<Name>, name: &str) -> Option<&'static Method> {
        match id {
            Some(id) => self
                .reuse
                .term_methods
                .get(id, self.names, called_term_method),
            None => called_term_method(name),
        }
    }

    /// `o.name`; `id` is the name of `name` unless it was computed (`o[key]`).
    fn member(&mut self, o: V, id: Option<Name>, name: &str, name_span: Span, span: Span) -> V {
        let names = self.names;
        match &o.v {
            Val::Poison => {
                if methods::term_method(name).is_none()
                    && methods::r_function(name).is_none()
                    && !is_program_tail(name)
                    && !jslib::is_value_member(name)
                {
                    return self.suggest_method(name, name_span, methods::term_methods(), "method");
                }
                v(Val::Poison, span)
            }
            Val::R => match self.r_function(id, name) {
                Some(m) if m.arity == Arity::Constant => match self.op(m.tt, &[], span) {
                    Some(t) => v(Val::Term(t), span),
                    None => v(Val::Poison, span),
                },
                Some(m) => v(Val::Method(None, m), span),
                None if methods::term_method(name).is_some() => self.error_help(
                    name_span,
                    format!("`r.{name}` is not a function"),
                    format!("`{name}` is a method of terms: call it on one, e.g. r.table('t').{name}(...)"),
                ),
                None if name == "connect" => self.error_help(
                    name_span,
                    "`r.connect` opens a connection in a program; rdbsh holds the connection itself",
                    "pick the server with a profile (`rdbsh -p NAME`, `.connect NAME` in the REPL) and write only the query",
                ),
                None => self.suggest_method(name, name_span, methods::r_functions(), "function r."),
            },
            Val::Term(t) => {
                if name == "run" {
                    return self.error_help(
                        name_span,
                        "`.run(...)` can only end a statement",
                        "write the query alone and rdbsh runs it: drop `.run(...)`, or keep it \
                         last, not inside `const x = await ...`",
                    );
                }
                if is_after_run(name) {
                    return self.error_help(
                        name_span,
                        format!("`.{name}` is a cursor or promise method, not ReQL"),
                        "rdbsh runs the query and prints its results; end the statement before it",
                    );
                }
                match self.term_method(id, name) {
                    Some(m) => v(Val::Method(Some(*t), m), span),
                    None if methods::r_function(name).is_some() => self.error_help(
                        name_span,
                        format!("`{name}` is not a method of terms"),
                        format!("call it on r: r.{name}(...)"),
                    ),
                    None if let Some(reql) = jslib::reql_equivalent(name) => self.error_help(
                        name_span,
                        format!("`.{name}` is JavaScript, not a ReQL method"),
                        format!("on a term, use .{reql}"),
                    ),
                    None => self.suggest_method(name, name_span, methods::term_methods(), "method"),
                }
            }
            Val::Arr(items) => match name {
                "length" => v(Val::Num(items.borrow().len() as f64), span),
                "push" => v(Val::Native(Native::Push(items.clone())), span),
                _ => self.value_method(&o.v, name, name_span, span),
            },
            Val::Str(s) => match name {
                "length" => v(Val::Num(s.text(names).encode_utf16().count() as f64), span),
                _ => self.value_method(&o.v, name, name_span, span),
            },
            Val::Num(_) | Val::Bool(_) | Val::Date(_) => self.value_method(&o.v, name, name_span, span),
            Val::Obj(fields) => match fields.borrow().iter().find(|(k, _)| k.text(names) == name) {
                Some((_, x)) => v(x.v.clone(), span),
                None if methods::term_method(name).is_some() => self.not_on_value(&o.v, name, name_span),
                None => v(Val::Undef, span),
            },
            Val::Native(Native::Buffer) if name == "from" => v(Val::Native(Native::BufferFrom), span),
            Val::Native(Native::Date) if name == "now" => v(Val::Native(Native::DateNow), span),
            Val::Native(Native::Date) if name == "UTC" => v(Val::Native(Native::DateUtc), span),
            Val::Native(Native::Date) if name == "parse" => v(Val::Native(Native::Lib("Date.parse")), span),
            Val::Native(Native::Lib(ns)) => match jslib::namespace_member(ns, name) {
                Some(x) => v(x, span),
                None => self.error(name_span, format!("`{ns}.{name}` is not supported")),
            },
            Val::Native(Native::Math) => match name {
                "PI" => v(Val::Num(std::f64::consts::PI), span),
                "E" => v(Val::Num(std::f64::consts::E), span),
                _ if let Some(f) = MathFn::named(name) => v(Val::Native(Native::MathFn(f)), span),
                _ => self.error(name_span, format!("`Math.{name}` is not supported")),
            },
            other => self.not_on_value(other, name, name_span),
        }
    }

    /// `value.name` of a plain value: its standard-library method, or an error.
    fn value_method(&mut self, o: &Val, name: &str, name_span: Span, span: Span) -> V {
        match jslib::value_method(o, name) {
            Some(m) => v(m, span),
            None if matches!(o, Val::Date(_)) && name.starts_with("to") => self.error_help(
                name_span,
                format!("rdbsh does not print a Date with `.{name}()`: its text depends on the local time zone's name and the locale"),
                "use date.toISOString(), or a ReQL time: r.now().inTimezone('+01:00')",
            ),
            None => self.not_on_value(o, name, name_span),
        }
    }

    fn not_on_value(&mut self, o: &Val, name: &str, name_span: Span) -> V {
        if methods::term_method(name).is_some() {
            self.error_help(
                name_span,
                format!(
                    "`.{name}` is a ReQL method but the value is {}, not a term",
                    type_name(o)
                ),
                "wrap the value first: r.expr(value).".to_string() + name + "(...)",
            )
        } else {
            self.error(
                name_span,
                format!("{} has no property `{name}`", type_name(o)),
            )
        }
    }

    fn index(&mut self, o: V, i: V, span: Span) -> V {
        let names = self.names;
        match (&o.v, &i.v) {
            (Val::Poison, _) | (_, Val::Poison) => v(Val::Poison, span),
            (Val::Term(_) | Val::R, Val::Str(s)) => {
                let s = s.text(names);
                self.error_help(
                    span,
                    format!("ReQL terms are not indexed with [...]: `['{s}']`"),
                    format!("call the term to get a field: x('{s}'), or use .getField('{s}')"),
                )
            }
            (Val::Term(_), Val::Num(n)) => self.error_help(
                span,
                "ReQL terms are not indexed with [...]",
                format!(
                    "use .nth({}) for an element, or x({}) ",
                    js_number_string(*n),
                    js_number_string(*n)
                ),
            ),
            (Val::Term(_), _) => self.error_help(
                span,
                "ReQL terms are not indexed with [...]",
                "call the term instead: x(key)",
            ),
            (Val::Arr(items), Val::Num(n)) => {
                let items = items.borrow();
                let x = if *n >= 0.0 && n.fract() == 0.0 {
                    items.get(*n as usize).cloned()
                } else {
                    None
                };
                v(x.map_or(Val::Undef, |x| x.v), span)
            }
            (Val::Obj(_), _) | (Val::Arr(_), _) | (Val::Str(_), _) => {
                let key = to_js_string(self.names, &i.v).unwrap_or_default();
                match (&o.v, &i.v) {
                    (Val::Str(s), Val::Num(n)) => {
                        let c = if *n >= 0.0 && n.fract() == 0.0 {
                            s.text(names).chars().nth(*n as usize)
                        } else {
                            None
                        };
                        v(
                            c.map_or(Val::Undef, |c| {
                                Val::Str(Str::own(c.encode_utf8(&mut [0; 4])))
                            }),
                            span,
                        )
                    }
                    _ => self.member(o, None, &key, i.span, span),
                }
            }
            _ => self.error(span, format!("cannot index {}", type_name(&o.v))),
        }
    }

    /// `...x` or `[key]: value` in an object literal; false if it failed.
    #[cold]
    #[inline(never)]
    fn special_prop(&mut self, e: &Expr, scope: &Rc<Scope>, fields: &mut Fields) -> bool {
        match &e.kind {
            ExprKind::Spread(inner) => self.spread_props(inner, scope, fields),
            ExprKind::Computed { key, value } => {
                let k = self.eval(key, scope);
                let text = match &k.v {
                    Val::Poison => return false,
                    Val::Term(_) => {
                        self.error_help(
                            k.span,
                            "a ReQL term cannot be an object key",
                            "use r.object(key, value) to build an object with a computed key",
                        );
                        return false;
                    }
                    other => match to_js_string(self.names, other) {
                        Some(t) => t,
                        None => {
                            self.error_help(
                                k.span,
                                "a computed key must be a string, a number, a boolean or null",
                                "use r.object(key, value) for other keys",
                            );
                            return false;
                        }
                    },
                };
                let val = self.eval(value, scope);
                set_field(fields, Str::own(&text), val, self.names);
                true
            }
            _ => true,
        }
    }

    /// `{...x}`: copies the own enumerable properties of `x` into `fields` (an object's
    /// fields, an array's or a string's items keyed by index); null, numbers, dates and
    /// functions have none. False if it failed (a term would copy the driver's fields).
    #[cold]
    #[inline(never)]
    fn spread_props(&mut self, inner: &Expr, scope: &Rc<Scope>, fields: &mut Fields) -> bool {
        let x = self.eval(inner, scope);
        let span = x.span;
        let copied: Fields = match &x.v {
            Val::Obj(o) => o.borrow().clone(),
            Val::Arr(_) | Val::Str(_) | Val::Buffer(_) => self
                .indexed_values(&x)
                .into_iter()
                .enumerate()
                .map(|(i, item)| (Str::own(&i.to_string()), item))
                .collect(),
            Val::Poison => return false,
            Val::Term(_) | Val::R | Val::Method(..) => {
                self.error_help(
                    span,
                    "a ReQL term cannot be spread into an object",
                    "use .merge(...) to combine a term with an object",
                );
                return false;
            }
            _ => Vec::new(),
        };
        for (k, val) in copied {
            set_field(fields, k, val, self.names);
        }
        true
    }

    /// `...x`: pushes the elements of `x` as JavaScript iterates them (an array's items, a
    /// string's characters, a Buffer's bytes); anything else is not iterable.
    #[cold]
    #[inline(never)]
    fn spread_into(&mut self, inner: &Expr, scope: &Rc<Scope>, out: &mut Vec<V>) {
        let x = self.eval(inner, scope);
        let span = x.span;
        let len = match &x.v {
            Val::Arr(items) => items.borrow().len(),
            Val::Str(s) => s.text(self.names).len(),
            Val::Buffer(b) => b.len(),
            _ => 0,
        };
        if !self.build(len * size_of::<V>(), span) || !self.step(span) {
            out.push(v(Val::Poison, span));
            return;
        }
        match &x.v {
            Val::Arr(items) => {
                let items = items.borrow().clone();
                out.extend(items);
            }
            Val::Str(s) => {
                let chars: Vec<V> = s
                    .text(self.names)
                    .chars()
                    .map(|c| v(Val::Str(Str::own(c.encode_utf8(&mut [0; 4]))), span))
                    .collect();
                out.extend(chars);
            }
            Val::Buffer(b) => out.extend(b.iter().map(|&n| v(Val::Num(f64::from(n)), span))),
            Val::Poison => out.push(x),
            _ => {
                let e = self.error_help(
                    span,
                    "only an array, a string or a Buffer can be spread",
                    "spread a JavaScript array: ...[a, b]; for a ReQL array use r.args(...)",
                );
                out.push(e);
            }
        }
    }

    // ---- statements ---------------------------------------------------------------------

    // ---- top level ------------------------------------------------------------------------
}
