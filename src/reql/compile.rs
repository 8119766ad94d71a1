//! Evaluates the parsed JavaScript the way the driver's JavaScript would run, with ReQL terms
//! as one kind of value: literal arithmetic folds, functions become FUNC terms by running their
//! body once with VAR terms, and every method call follows the driver's rules (arity checks,
//! optargs detection, `r.row` wrapping, FUNCALL order, nesting depth).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use serde_json::{Map, Value};

use super::ast::{Expr, ExprKind, FuncBody, FuncDef, Name, Names, Stmt, StmtKind};
use super::diagnostic::Diagnostic;
use super::methods::{self, Arity, Method, Optargs, Wrap};
use super::parser::{NameHasher, is_after_run, is_hidden, is_program_tail, js_number_string};
use super::prec::BinOp;
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

mod dates;
mod jslib;
mod math;

use dates::{date_from_parts, iso_from_ms, parse_date};
use math::{MathFn, js_pow};

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
    Own(Arc<str>),
}

impl Str {
    fn own(text: &str) -> Self {
        Str::Own(Arc::from(text))
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
    Arr(Arc<Mutex<Vec<V>>>),
    Obj(Arc<Mutex<Fields>>),
    Term(TermId),
    Func(Arc<Closure>),
    /// The `r` namespace.
    R,
    /// A method not yet called: on a term, or of `r` (receiver `None`).
    Method(Option<TermId>, &'static Method),
    Native(Native),
    Buffer(Arc<Vec<u8>>),
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
    Push(Arc<Mutex<Vec<V>>>),
    /// A function or namespace of the standard library (`parseInt`, `JSON`, `JSON.parse`).
    Lib(&'static str),
    /// A standard-library method bound to a plain value (`'a'.toUpperCase`), boxed so a
    /// value stays small.
    Bound(Box<(Val, &'static str)>),
}

/// A JavaScript function value: its literal and the scope it closes over.
#[derive(Debug)]
pub(crate) struct Closure {
    def: Arc<FuncDef>,
    scope: Arc<Scope>,
}

/// Variables of one function activation (or the session, at the root).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    vars: Mutex<Vars>,
    /// A summary of the names bound here: bit `id % 64` of each. A lookup passes a scope
    /// whose summary lacks its bit without locking it, so `r` (rarely bound) and names of
    /// outer scopes are found with no lock on the way. Written only with `vars` locked.
    bound: AtomicU64,
    parent: Option<Arc<Scope>>,
}

/// The bit of `name` in [`Scope::bound`].
fn name_bit(name: Name) -> u64 {
    1 << (name.index() % 64)
}

/// Names bound in one scope. A function activation binds one or two, found fastest by a
/// scan; the session may bind many, found through a light hash.
#[derive(Debug)]
enum Vars {
    Few(Vec<(Name, V)>),
    Many(HashMap<Name, V, BuildHasherDefault<NameHasher>>),
}

/// Bindings a scope holds before it switches to a hash table.
const FEW_VARS: usize = 8;

impl Default for Vars {
    fn default() -> Self {
        Vars::Few(Vec::new())
    }
}

impl Vars {
    fn get(&self, name: Name) -> Option<&V> {
        match self {
            Vars::Few(list) => list.iter().find(|(k, _)| *k == name).map(|(_, v)| v),
            Vars::Many(map) => map.get(&name),
        }
    }

    fn get_mut(&mut self, name: Name) -> Option<&mut V> {
        match self {
            Vars::Few(list) => list.iter_mut().find(|(k, _)| *k == name).map(|(_, v)| v),
            Vars::Many(map) => map.get_mut(&name),
        }
    }

    fn insert(&mut self, name: Name, v: V) {
        if let Some(slot) = self.get_mut(name) {
            *slot = v;
            return;
        }
        match self {
            Vars::Few(list) if list.len() < FEW_VARS => list.push((name, v)),
            Vars::Few(list) => {
                let mut map: HashMap<Name, V, BuildHasherDefault<NameHasher>> =
                    std::mem::take(list).into_iter().collect();
                map.insert(name, v);
                *self = Vars::Many(map);
            }
            Vars::Many(map) => {
                map.insert(name, v);
            }
        }
    }

    fn names(&self, names: &Names) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Vars::Few(list) => list
                .iter()
                .map(|(k, _)| names.get(*k).to_string())
                .collect(),
            Vars::Many(map) => map.keys().map(|k| names.get(*k).to_string()).collect(),
        };
        // Destructuring's hidden variables are no names of the user's.
        v.retain(|n| !is_hidden(n));
        v.sort();
        v
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Scope {
    /// Whether this is the session's scope, which outlives the statement.
    fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    /// Whether `name` may be bound here (false: surely not).
    fn may_bind(&self, name: Name) -> bool {
        self.bound.load(Ordering::Relaxed) & name_bit(name) != 0
    }

    fn get(&self, name: Name) -> Option<V> {
        let mut s = self;
        loop {
            if s.may_bind(name)
                && let Some(v) = lock(&s.vars).get(name)
            {
                return Some(v.clone());
            }
            s = s.parent.as_deref()?;
        }
    }

    fn declare(&self, name: Name, v: V) {
        let mut vars = lock(&self.vars);
        vars.insert(name, v);
        // Under the lock, so a plain load and store suffice.
        let bound = self.bound.load(Ordering::Relaxed) | name_bit(name);
        self.bound.store(bound, Ordering::Relaxed);
    }

    /// Assigns to the nearest scope that has the name; sloppy JavaScript creates a global.
    fn set(&self, name: Name, v: V) {
        let mut s = self;
        loop {
            if s.may_bind(name) {
                let mut vars = lock(&s.vars);
                if let Some(slot) = vars.get_mut(name) {
                    *slot = v;
                    return;
                }
            }
            match &s.parent {
                Some(p) => s = p,
                None => {
                    s.declare(name, v);
                    return;
                }
            }
        }
    }

    /// The names bound in this scope, as text.
    pub(crate) fn names(&self, names: &Names) -> Vec<String> {
        lock(&self.vars).names(names)
    }
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

/// True if `e` is `... .run(...)` possibly followed by `.then(...)`-style calls.
fn ends_with_run(e: &Expr, names: &Names) -> bool {
    match &e.kind {
        ExprKind::MethodCall { name, .. } if names.get(*name) == "run" => true,
        ExprKind::MethodCall { operands, name, .. } if is_after_run(names.get(*name)) => {
            Expr::receiver_args(operands).is_some_and(|(obj, _)| ends_with_run(obj, names))
        }
        ExprKind::Call { callee, .. } => match &callee.kind {
            ExprKind::Member { name, .. } if names.get(*name) == "run" => true,
            ExprKind::Member { obj, name, .. } if is_after_run(names.get(*name)) => {
                ends_with_run(obj, names)
            }
            _ => false,
        },
        _ => false,
    }
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
    pub(crate) diags: Vec<Diagnostic>,
    steps: u64,
    /// Bytes built so far against [`COMPILE_BUDGET`].
    built: usize,
    calls: u32,
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
    spare_scopes: Vec<Arc<Scope>>,
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

/// The term method called by `.name(...)` on a term, if any: `run` and the promise and
/// cursor methods after it are none ([`is_program_tail`]; [`Eval::member`] refuses them).
fn called_term_method(name: &str) -> Option<&'static Method> {
    if is_program_tail(name) {
        None
    } else {
        methods::term_method(name)
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

/// Sets the field `k` of an object's fields: in its place if it is there, else last.
fn set_field(fields: &mut Fields, k: Str, val: V, names: &Names) {
    match fields.iter().position(|(f, _)| f.same(&k, names)) {
        Some(i) => fields[i].1 = val,
        None => fields.push((k, val)),
    }
}

/// A value whose conversion to a term runs no JavaScript (so it may be converted while the
/// array or object holding it stays locked).
fn is_plain_leaf(v: &Val) -> bool {
    matches!(
        v,
        Val::Undef
            | Val::Null
            | Val::Bool(_)
            | Val::Num(_)
            | Val::Str(_)
            | Val::Term(_)
            | Val::Buffer(_)
            | Val::Date(_)
            | Val::Poison
    )
}

fn is_array_index(k: &str) -> bool {
    !k.is_empty()
        && k.bytes().all(|b| b.is_ascii_digit())
        && (k == "0" || !k.starts_with('0'))
        && k.parse::<u64>().is_ok_and(|n| n < u64::from(u32::MAX))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Undef => "undefined",
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Num(_) => "a number",
        Val::Str(_) => "a string",
        Val::Arr(_) => "an array",
        Val::Obj(_) => "an object",
        Val::Term(_) => "a ReQL term",
        Val::Func(_) | Val::Method(..) | Val::Native(_) | Val::R => "a function",
        Val::Buffer(_) => "a Buffer",
        Val::Date(_) => "a Date",
        Val::Poison => "an invalid value",
    }
}

/// The ReQL method to use instead of a JavaScript operator on a term.
fn method_for_op(op: BinOp) -> Option<&'static str> {
    Some(match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::Div => "div",
        BinOp::Rem => "mod",
        BinOp::Eq | BinOp::StrictEq => "eq",
        BinOp::Ne | BinOp::StrictNe => "ne",
        BinOp::Lt => "lt",
        BinOp::Le => "le",
        BinOp::Gt => "gt",
        BinOp::Ge => "ge",
        BinOp::And => "and",
        BinOp::Or => "or",
        BinOp::BitAnd => "bitAnd",
        BinOp::BitOr => "bitOr",
        BinOp::BitXor => "bitXor",
        BinOp::Shl => "bitSal",
        BinOp::Shr => "bitSar",
        BinOp::Nullish => "default",
        BinOp::UShr | BinOp::Pow | BinOp::In | BinOp::Instanceof => return None,
    })
}

fn to_number(names: &Names, v: &Val) -> Option<f64> {
    Some(match v {
        Val::Undef => f64::NAN,
        Val::Null => 0.0,
        Val::Bool(b) => f64::from(u8::from(*b)),
        Val::Num(n) => *n,
        Val::Str(s) => {
            let t = s.text(names).trim();
            if t.is_empty() {
                0.0
            } else if let Some((radix, digits)) = t
                .strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .map(|d| (16, d))
                .or_else(|| {
                    t.strip_prefix("0o")
                        .or_else(|| t.strip_prefix("0O"))
                        .map(|d| (8, d))
                })
                .or_else(|| {
                    t.strip_prefix("0b")
                        .or_else(|| t.strip_prefix("0B"))
                        .map(|d| (2, d))
                })
            {
                if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                    f64::NAN
                } else {
                    digits
                        .chars()
                        .filter_map(|c| c.to_digit(radix))
                        .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d))
                }
            } else if t == "Infinity" || t == "+Infinity" {
                f64::INFINITY
            } else if t == "-Infinity" {
                f64::NEG_INFINITY
            } else if t
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            {
                t.parse::<f64>().unwrap_or(f64::NAN)
            } else {
                f64::NAN
            }
        }
        Val::Date(ms) => *ms,
        _ => return None,
    })
}

fn to_js_string(names: &Names, v: &Val) -> Option<String> {
    Some(match v {
        Val::Undef => "undefined".into(),
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(n) => js_number_string(*n),
        Val::Str(s) => s.text(names).to_string(),
        _ => return None,
    })
}

fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4_294_967_296.0);
    (m as u64 as u32) as i32
}

fn truthy(names: &Names, v: &Val) -> bool {
    match v {
        Val::Undef | Val::Null | Val::Poison => false,
        Val::Bool(b) => *b,
        Val::Num(n) => *n != 0.0 && !n.is_nan(),
        Val::Str(s) => !s.text(names).is_empty(),
        _ => true,
    }
}

fn strict_eq(names: &Names, a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Undef, Val::Undef) | (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x.same(y, names),
        (Val::Arr(x), Val::Arr(y)) => Arc::ptr_eq(x, y),
        (Val::Obj(x), Val::Obj(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

fn loose_eq(names: &Names, a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Undef | Val::Null, Val::Undef | Val::Null) => true,
        (Val::Undef | Val::Null, _) | (_, Val::Undef | Val::Null) => false,
        (Val::Num(_) | Val::Str(_) | Val::Bool(_), Val::Num(_) | Val::Str(_) | Val::Bool(_)) => {
            if let (Val::Str(x), Val::Str(y)) = (a, b) {
                return x.same(y, names);
            }
            to_number(names, a) == to_number(names, b)
        }
        _ => strict_eq(names, a, b),
    }
}

impl<'a> Eval<'a> {
    pub(crate) fn new(
        next_var: &'a mut u64,
        store: &'a mut TermStore,
        names: &'a Names,
        reuse: &'a mut Reuse,
    ) -> Self {
        Eval {
            next_var,
            store,
            names,
            reuse,
            diags: Vec::new(),
            steps: 0,
            built: 0,
            calls: 0,
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
            Val::Arr(items) => lock(items).len() * size_of::<V>(),
            Val::Obj(fields) => lock(fields).len() * size_of::<(Str, V)>(),
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
    fn scope_for(&mut self, parent: &Arc<Scope>) -> Arc<Scope> {
        if let Some(mut s) = self.reuse.spare_scopes.pop()
            && let Some(inner) = Arc::get_mut(&mut s)
        {
            inner.parent = Some(parent.clone());
            return s;
        }
        Arc::new(Scope {
            vars: Mutex::default(),
            bound: AtomicU64::new(0),
            parent: Some(parent.clone()),
        })
    }

    /// Keeps an ended activation for reuse unless a closure captured it.
    fn end_scope(&mut self, mut scope: Arc<Scope>) {
        if self.reuse.spare_scopes.len() >= 64 {
            return;
        }
        if let Some(inner) = Arc::get_mut(&mut scope) {
            inner.parent = None;
            *inner.bound.get_mut() = 0;
            match inner.vars.get_mut().unwrap_or_else(|e| e.into_inner()) {
                Vars::Few(list) => list.clear(),
                many => *many = Vars::default(),
            }
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

    /// A built term, or the error that stopped it reported at `span`.
    #[inline]
    fn built(&mut self, r: Result<TermId, BuildError>, span: Span) -> Option<TermId> {
        match r {
            Ok(id) => Some(id),
            Err(e) => {
                self.build_failed(e, span);
                None
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn build_failed(&mut self, e: BuildError, span: Span) {
        match e {
            BuildError::TooDeep => {
                self.error_help(
                    span,
                    format!("query nested too deeply (more than {MAX_TERM_DEPTH} levels)"),
                    "build it in smaller pieces",
                );
            }
            BuildError::Full => {
                self.error_help(
                    span,
                    "query too large to build",
                    "build it in smaller pieces",
                );
            }
        }
    }

    fn op(&mut self, tt: TermType, args: &[TermId], span: Span) -> Option<TermId> {
        let r = self.store.op(tt, args, span);
        self.built(r, span)
    }

    /// Ends the term whose children were collected since `open` (see [`TermStore::open`]).
    fn close(&mut self, open: usize, kind: Kind, nargs: usize, span: Span) -> Option<TermId> {
        let r = self.store.close(open, kind, nargs, span);
        self.built(r, span)
    }

    fn leaf(&mut self, kind: Kind, span: Span) -> Option<TermId> {
        let r = self.store.leaf(kind, span);
        self.built(r, span)
    }

    fn string(&mut self, s: &str, span: Span) -> Option<TermId> {
        let r = self.store.string(s, span);
        self.built(r, span)
    }

    fn datum(&mut self, value: Value, span: Span) -> Option<TermId> {
        let r = self.store.datum(value, span);
        self.built(r, span)
    }

    /// Adds a keyed child to the term being collected.
    fn keyed(&mut self, key: &str, id: TermId, span: Span) -> bool {
        let r = self.store.keyed(key, id).map(|()| id);
        self.built(r, span).is_some()
    }

    /// Options given explicitly but not as an object (`indexCreate`'s, `slice`'s third
    /// argument, `reconfigure`'s): the driver's `for (key in opts)` makes a string, an array
    /// or a Buffer optargs keyed by index ("0", "1", ...); other values have no keys. A term
    /// would send the driver's own fields, so it is refused.
    #[cold]
    #[inline(never)]
    fn indexed_optargs(&mut self, o: &V) -> bool {
        let items: Vec<V> = match &o.v {
            Val::Str(_) | Val::Arr(_) | Val::Buffer(_) => self.indexed_values(o),
            Val::Term(_) => {
                self.error_help(
                    o.span,
                    "options must be an object literal, not a term",
                    "write the options as {key: value}",
                );
                return false;
            }
            _ => return true,
        };
        let mut ok = true;
        for (i, x) in items.iter().enumerate() {
            if matches!(x.v, Val::Undef) {
                continue;
            }
            ok &= self
                .expr(x, EXPR_DEPTH)
                .is_some_and(|t| self.keyed(&i.to_string(), t, x.span));
        }
        ok
    }

    /// The values a `for (key in x)` loop or `{...x}` finds under the keys "0", "1", ... of
    /// an array, a string (one per UTF-16 unit) or a Buffer; none for other values.
    fn indexed_values(&self, x: &V) -> Vec<V> {
        match &x.v {
            Val::Arr(items) => lock(items).clone(),
            Val::Str(s) => s
                .text(self.names)
                .encode_utf16()
                .map(|u| v(Val::Str(Str::own(&String::from_utf16_lossy(&[u]))), x.span))
                .collect(),
            Val::Buffer(b) => b
                .iter()
                .map(|&n| v(Val::Num(f64::from(n)), x.span))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `r.expr(value, depth)`: converts a JavaScript value to a term.
    fn expr(&mut self, x: &V, depth: i64) -> Option<TermId> {
        if depth <= 0 {
            self.too_deep(x.span);
            return None;
        }
        match &x.v {
            Val::Poison => None,
            Val::Null => self.leaf(Kind::Null, x.span),
            Val::Bool(b) => self.leaf(Kind::Bool(*b), x.span),
            Val::Str(s) => {
                let names = self.names;
                self.string(s.text(names), x.span)
            }
            Val::Num(n) => {
                if n.is_finite() {
                    let r = self.store.number(*n, x.span);
                    self.built(r, x.span)
                } else {
                    self.non_finite(*n, x.span);
                    None
                }
            }
            Val::Arr(items) => {
                // Elements added while converting (by a function in it) are not converted.
                let n = lock(items).len();
                let open = self.store.open();
                let mut ok = true;
                for i in 0..n {
                    let t = {
                        let guard = lock(items);
                        let Some(it) = guard.get(i) else {
                            break;
                        };
                        if is_plain_leaf(&it.v) {
                            self.expr(it, depth - 1)
                        } else {
                            // No lock is held while converting the rest: an element may be
                            // the array itself.
                            let it = it.clone();
                            drop(guard);
                            self.expr(&it, depth - 1)
                        }
                    };
                    match t {
                        Some(t) => self.store.arg(t),
                        None => ok = false,
                    }
                }
                if !ok {
                    self.store.discard(open);
                    return None;
                }
                let n = self.store.collected(open);
                self.close(open, Kind::Op(TermType::MakeArray), n, x.span)
            }
            Val::Obj(fields) => {
                let names = self.names;
                let n = lock(fields).len();
                let open = self.store.open();
                let mut ok = true;
                for i in 0..n {
                    let done = {
                        let guard = lock(fields);
                        let Some((k, fv)) = guard.get(i) else {
                            break;
                        };
                        if k.text(names) == "__proto__" {
                            // The driver copies objects key by key, and assigning `__proto__`
                            // sets a prototype: an own `__proto__` (from JSON.parse or a
                            // computed key) is not sent.
                            Some(true)
                        } else if matches!(fv.v, Val::Undef) {
                            let (k, span) = (k.text(names).to_string(), fv.span);
                            drop(guard);
                            self.error_help(
                                span,
                                format!("object field '{k}' may not be undefined"),
                                "give a value, or null, or leave the field out",
                            );
                            None
                        } else if is_plain_leaf(&fv.v) {
                            let t = self.expr(fv, depth - 1);
                            t.map(|t| self.keyed(k.text(names), t, fv.span))
                        } else {
                            // Keys and values are names or shared pointers: the copy is cheap,
                            // and no lock is held while converting (a value may be the object
                            // itself).
                            let (k, fv) = (k.clone(), fv.clone());
                            drop(guard);
                            let t = self.expr(&fv, depth - 1);
                            t.map(|t| self.keyed(k.text(names), t, fv.span))
                        }
                    };
                    if done != Some(true) {
                        ok = false;
                    }
                }
                if !ok {
                    self.store.discard(open);
                    return None;
                }
                // JavaScript lists integer-like keys first, ascending.
                self.store
                    .hoist_keys(open, is_array_index, |k| k.parse::<u64>().unwrap_or(0));
                self.close(open, Kind::Obj, 0, x.span)
            }
            // Variables and datums take the span of the place they are used.
            Val::Term(t) => {
                let r = self.store.used_at(*t, x.span);
                self.built(r, x.span)
            }
            Val::Func(c) => self.func_term(c, x.span),
            _ => self.expr_rare(x),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&mut self, span: Span) {
        self.error_help(
            span,
            "nesting depth limit exceeded",
            "literals may nest at most 20 levels; pass a larger limit with r.expr(value, depth)",
        );
    }

    #[cold]
    #[inline(never)]
    fn non_finite(&mut self, n: f64, span: Span) {
        self.error_help(
            span,
            format!("illegal non-finite number `{}`", js_number_string(n)),
            "ReQL numbers must be finite",
        );
    }

    /// [`Eval::expr`] of the values rarely converted (out of line: the hot one keeps a
    /// small frame).
    #[inline(never)]
    fn expr_rare(&mut self, x: &V) -> Option<TermId> {
        match &x.v {
            Val::Undef => {
                self.error_help(
                    x.span,
                    "cannot wrap undefined with r.expr()",
                    "give a value, or null",
                );
                None
            }
            Val::Method(recv, m) => {
                // A method value is a JavaScript function of length 0 (the driver's are variadic).
                let body = self.call_method(*recv, m, Vec::new(), x.span, x.span);
                let body = self.expr(&body, EXPR_DEPTH)?;
                let params = self.op(TermType::MakeArray, &[], x.span)?;
                self.op(TermType::Func, &[params, body], x.span)
            }
            Val::Buffer(b) => {
                let mut o = Map::new();
                o.insert("$reql_type$".into(), Value::from("BINARY"));
                o.insert(
                    "data".into(),
                    Value::from(base64::engine::general_purpose::STANDARD.encode(b.as_slice())),
                );
                self.datum(Value::Object(o), x.span)
            }
            Val::Date(ms) => match iso_from_ms(*ms) {
                Some(iso) => {
                    let s = self.string(&iso, x.span)?;
                    self.op(TermType::Iso8601, &[s], x.span)
                }
                None => {
                    self.error(x.span, "invalid date");
                    None
                }
            },
            Val::R => {
                self.error_help(
                    x.span,
                    "`r` itself is not a query",
                    "call one of its functions, e.g. r.expr(...) or r.table(...)",
                );
                None
            }
            Val::Native(_) => {
                self.error(
                    x.span,
                    "a JavaScript built-in function cannot be part of a query",
                );
                None
            }
            Val::Poison
            | Val::Null
            | Val::Bool(_)
            | Val::Str(_)
            | Val::Num(_)
            | Val::Arr(_)
            | Val::Obj(_)
            | Val::Term(_)
            | Val::Func(_) => None,
        }
    }

    /// A JavaScript function → FUNC: parameters become VAR terms, the body runs once.
    fn func_term(&mut self, c: &Arc<Closure>, span: Span) -> Option<TermId> {
        if self.calls >= MAX_CALLS {
            self.error(span, "functions nested too deeply");
            return None;
        }
        self.calls += 1;
        let scope = self.scope_for(&c.scope);
        if let Some(name) = c.def.name {
            scope.declare(name, v(Val::Func(c.clone()), c.def.span));
        }
        // The parameter ids wait on the store's stack while the body runs.
        let open = self.store.open();
        for (i, (name, pspan)) in c.def.params.iter().enumerate() {
            if i < c.def.arity {
                let id = self.new_var();
                let var = self
                    .leaf(Kind::UInt(id), *pspan)
                    .and_then(|idt| self.op(TermType::Var, &[idt], *pspan).map(|var| (idt, var)));
                if let Some((idt, var)) = var {
                    self.store.arg(idt);
                    scope.declare(*name, v(Val::Term(var), *pspan));
                }
            } else {
                // The driver passes only `fn.length` arguments: defaults apply, rest is empty.
                let val = self.missing_param(c, i, *pspan, &scope, Vec::new());
                scope.declare(*name, val);
            }
        }
        let result = self.run_body(&c.def, &scope);
        self.end_scope(scope);
        self.calls -= 1;
        let body = match result.v {
            Val::Poison => None,
            Val::Undef => {
                self.error_help(
                    c.def.span,
                    "anonymous function returned `undefined`",
                    "did you forget a `return`? write `function (x) { return ...; }` or `x => ...`",
                );
                None
            }
            _ => self.expr(&result, EXPR_DEPTH),
        };
        let Some(body) = body else {
            self.store.discard(open);
            return None;
        };
        let params_span = c.def.params.first().map_or(c.def.span, |(_, s)| *s);
        let n = self.store.collected(open);
        let params = self.close(open, Kind::Op(TermType::MakeArray), n, params_span)?;
        self.op(TermType::Func, &[params, body], c.def.span)
    }

    fn run_body(&mut self, def: &FuncDef, scope: &Arc<Scope>) -> V {
        match &def.body {
            FuncBody::Expr(e) => self.eval(e, scope),
            FuncBody::Block(stmts) => match self.exec_block(stmts, scope) {
                Flow::Return(r) => r,
                _ => v(Val::Undef, def.span),
            },
        }
    }

    /// The driver's `funcWrap`: a value containing `r.row` becomes a one-parameter function.
    fn func_wrap(&mut self, x: V) -> V {
        if matches!(x.v, Val::Undef | Val::Poison) {
            return x;
        }
        let Some(t) = self.expr(&x, EXPR_DEPTH) else {
            return v(Val::Poison, x.span);
        };
        if !self.store.ivar(t) {
            return v(Val::Term(t), x.span);
        }
        let id = self.new_var();
        let wrapped = self
            .leaf(Kind::UInt(id), x.span)
            .and_then(|idt| self.op(TermType::MakeArray, &[idt], x.span))
            .and_then(|params| self.op(TermType::Func, &[params, t], x.span));
        match wrapped {
            Some(f) => v(Val::Term(f), x.span),
            None => v(Val::Poison, x.span),
        }
    }

    // ---- method calls -------------------------------------------------------------------

    fn check_arity(&mut self, m: &Method, args: &[V], span: Span) -> bool {
        let n = args.len();
        let msg = match m.arity {
            Arity::AtLeast(min) if n < usize::from(min) => {
                format!("expected {min} or more arguments but found {n}")
            }
            Arity::Between(lo, hi) if n < usize::from(lo) || n > usize::from(hi) => {
                format!("expected between {lo} and {hi} arguments but found {n}")
            }
            Arity::Exactly(k) if n != usize::from(k) => format!(
                "expected {k} argument{} but found {n}",
                plural(usize::from(k))
            ),
            Arity::Positional(p) => {
                let p = usize::from(p);
                let has_opts = args.get(p).is_some_and(|a| matches!(a.v, Val::Obj(_)));
                let npos = n - usize::from(has_opts);
                if npos == p {
                    return true;
                }
                format!(
                    "expected {p} argument{} (not including options) but found {npos}",
                    plural(p)
                )
            }
            _ => return true,
        };
        let sig = m.signature();
        self.error_help(
            span,
            format!("`{}`: {msg}", m.name),
            format!("usage: {sig}"),
        );
        false
    }

    fn call_method(
        &mut self,
        recv: Option<TermId>,
        m: &'static Method,
        mut args: Vec<V>,
        span: Span,
        site: Span,
    ) -> V {
        let out = self.call_method_on(recv, m, &mut args, span, site);
        self.recycle(args);
        out
    }

    fn call_method_on(
        &mut self,
        recv: Option<TermId>,
        m: &'static Method,
        args: &mut Vec<V>,
        span: Span,
        site: Span,
    ) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        if !self.check_arity(m, args, site) {
            return v(Val::Poison, span);
        }
        if recv.is_none() {
            match m.name {
                "expr" => return self.r_expr(args, span),
                "binary" => return self.r_binary(&args[0], span),
                _ => {}
            }
        }
        let is_plain = |a: Option<&V>| a.is_some_and(|a| matches!(a.v, Val::Obj(_)));
        let is_nullish = |a: Option<&V>| a.is_none_or(|a| matches!(a.v, Val::Undef | Val::Null));
        let mut opts: Option<V> = None;
        match m.optargs {
            Optargs::None => {}
            Optargs::Aropt(p) => {
                if is_plain(args.get(usize::from(p))) {
                    opts = args.pop();
                }
            }
            Optargs::Trailing => {
                if is_plain(args.last()) {
                    opts = args.pop();
                }
            }
            Optargs::GetAll => {
                if args.len() > 1 && is_plain(args.last()) {
                    opts = args.pop();
                }
            }
            Optargs::MinMax => {
                if args.len() == 1 && is_plain(args.first()) {
                    opts = args.pop();
                }
            }
            Optargs::Slice => {
                if !is_nullish(args.get(2)) {
                    opts = args.pop();
                } else {
                    args.truncate(2);
                    if matches!(args.get(1).map(|a| &a.v), Some(Val::Undef)) {
                        args.truncate(1);
                    } else if is_plain(args.get(1)) {
                        opts = args.pop();
                    }
                }
            }
            Optargs::IndexCreate => {
                if !is_nullish(args.get(2)) {
                    opts = args.pop();
                } else {
                    args.truncate(2);
                    if is_nullish(args.get(1)) {
                        args.truncate(1);
                    } else if is_plain(args.get(1)) {
                        opts = args.pop();
                    }
                }
            }
            Optargs::Reconfigure => {
                opts = if args.is_empty() {
                    None
                } else {
                    Some(args.remove(0))
                };
                args.clear();
            }
        }
        if m.arity == Arity::Ignored {
            args.clear();
            opts = None;
        }
        // funcWrap runs before the term's constructor converts the other arguments.
        let mut fc_first: Option<V> = None;
        match m.wrap {
            Wrap::None => {}
            Wrap::All => {
                for a in args.iter_mut() {
                    let x = std::mem::replace(a, v(Val::Undef, span));
                    *a = self.func_wrap(x);
                }
            }
            Wrap::AllExceptOrdering => {
                for a in args.iter_mut() {
                    let ordering = matches!(&a.v, Val::Term(t)
                        if matches!(self.store.tt(*t), Some(TermType::Asc | TermType::Desc)));
                    if !ordering {
                        let x = std::mem::replace(a, v(Val::Undef, span));
                        *a = self.func_wrap(x);
                    }
                }
            }
            Wrap::Last => {
                if let Some(last) = args.pop() {
                    let w = self.func_wrap(last);
                    args.push(w);
                }
            }
            Wrap::Arg(i) => {
                let i = usize::from(i);
                if i < args.len() {
                    let a = std::mem::replace(&mut args[i], v(Val::Undef, span));
                    args[i] = self.func_wrap(a);
                }
            }
            Wrap::Do => {
                let last = args.pop().unwrap_or(v(Val::Undef, span));
                fc_first = Some(self.func_wrap(last));
            }
        }
        let open = self.store.open();
        let mut ok = true;
        let mut i = 0;
        if let Some(a) = &fc_first {
            ok &= self.method_arg(m, i, a);
            i += 1;
        }
        if let Some(r) = recv {
            // The receiver keeps its own span.
            let span = self.store.span(r);
            let r = self.store.used_at(r, span);
            match self.built(r, span) {
                Some(t) => self.store.arg(t),
                None => ok = false,
            }
            i += 1;
        }
        for a in args.iter() {
            ok &= self.method_arg(m, i, a);
            i += 1;
        }
        let nargs = self.store.collected(open);
        if let Some(o) = opts
            && !self.optargs(&o)
        {
            self.store.discard(open);
            return v(Val::Poison, span);
        }
        if !ok {
            self.store.discard(open);
            return v(Val::Poison, span);
        }
        let tt = if m.name == "do" {
            TermType::Funcall
        } else {
            m.tt
        };
        match self.close(open, Kind::Op(tt), nargs, span) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }

    /// Converts argument `i` of method `m` and collects it; false if it failed.
    fn method_arg(&mut self, m: &Method, i: usize, a: &V) -> bool {
        match &a.v {
            Val::Undef => {
                self.undefined_arg(m, i, a.span);
                false
            }
            Val::Poison => false,
            _ => match self.expr(a, EXPR_DEPTH) {
                Some(t) => {
                    self.store.arg(t);
                    true
                }
                None => false,
            },
        }
    }

    #[cold]
    #[inline(never)]
    fn undefined_arg(&mut self, m: &Method, i: usize, span: Span) {
        self.error_help(
            span,
            format!("argument {i} to {} may not be `undefined`", m.name),
            "give a value, or null",
        );
    }

    /// An options object → optargs, added as keyed children to the term being collected:
    /// keys camelCase → snake_case, `undefined` values dropped. False if one failed.
    fn optargs(&mut self, o: &V) -> bool {
        let Val::Obj(fields) = &o.v else {
            return self.indexed_optargs(o);
        };
        let names = self.names;
        let n = lock(fields).len();
        let mut ok = true;
        for i in 0..n {
            let added = {
                let guard = lock(fields);
                let Some((k, fv)) = guard.get(i) else {
                    break;
                };
                if matches!(fv.v, Val::Undef) {
                    continue;
                }
                if is_plain_leaf(&fv.v) {
                    let t = self.expr(fv, EXPR_DEPTH);
                    t.map(|t| self.optarg(k.text(names), t, fv.span))
                } else {
                    // No lock is held while converting: a value may be the object itself.
                    let (k, fv) = (k.clone(), fv.clone());
                    drop(guard);
                    let t = self.expr(&fv, EXPR_DEPTH);
                    t.map(|t| self.optarg(k.text(names), t, fv.span))
                }
            };
            if added != Some(true) {
                ok = false;
            }
        }
        ok
    }

    fn optarg(&mut self, key: &str, t: TermId, span: Span) -> bool {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.keyed(&snake(key), t, span)
        } else {
            self.keyed(key, t, span)
        }
    }

    fn r_expr(&mut self, args: &[V], span: Span) -> V {
        let val = &args[0];
        if matches!(val.v, Val::Undef) {
            return self.error_help(
                val.span,
                "cannot wrap undefined with r.expr()",
                "give a value, or null",
            );
        }
        let depth = match args.get(1).map(|a| &a.v) {
            // The driver tests `nestingDepth == null`: null means the default too.
            None | Some(Val::Undef | Val::Null) => EXPR_DEPTH,
            Some(Val::Num(n)) if !n.is_nan() => {
                if *n <= 0.0 {
                    return self.error(args[1].span, "nesting depth limit exceeded");
                }
                n.ceil().min(1e6) as i64
            }
            Some(_) => {
                return self.error_help(
                    args[1].span,
                    "second argument to `r.expr` must be a number or undefined",
                    "it is the nesting depth limit, 20 by default",
                );
            }
        };
        match self.expr(val, depth) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }

    fn r_binary(&mut self, arg: &V, span: Span) -> V {
        match &arg.v {
            Val::Term(t) => match self.op(TermType::Binary, &[*t], span) {
                Some(t) => v(Val::Term(t), span),
                None => v(Val::Poison, span),
            },
            Val::Buffer(_) => match self.expr(arg, EXPR_DEPTH) {
                Some(t) => v(Val::Term(t), span),
                None => v(Val::Poison, span),
            },
            _ => self.error_help(
                arg.span,
                "parameter to `r.binary` must be a Buffer object or ReQL query",
                "write r.binary(Buffer.from('...', 'base64')) or r.expr('...').coerceTo('binary')",
            ),
        }
    }

    fn bracket(&mut self, t: TermId, tspan: Span, args: Vec<V>, span: Span) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        if args.len() != 1 {
            return self.error_help(
                span,
                format!("expected 1 argument but found {}", args.len()),
                "calling a term selects one field: x('field'); use .pluck(...) for several",
            );
        }
        if matches!(args[0].v, Val::Undef) {
            return self.error(args[0].span, "argument 1 to (...) may not be `undefined`");
        }
        let Some(key) = self.expr(&args[0], EXPR_DEPTH) else {
            return v(Val::Poison, span);
        };
        let recv = v(Val::Term(t), tspan);
        let Some(recv) = self.expr(&recv, EXPR_DEPTH) else {
            return v(Val::Poison, span);
        };
        match self.op(TermType::Bracket, &[recv, key], span) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }

    // ---- evaluation -----------------------------------------------------------------------

    pub(crate) fn eval(&mut self, e: &Expr, scope: &Arc<Scope>) -> V {
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
            ExprKind::Array(items) => {
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
                v(Val::Arr(Arc::new(Mutex::new(vals))), span)
            }
            ExprKind::Object(props) => {
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
                v(Val::Obj(Arc::new(Mutex::new(fields))), span)
            }
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
                Val::Func(Arc::new(Closure {
                    def: def.clone(),
                    scope: scope.clone(),
                })),
                span,
            ),
            ExprKind::Unary { op, expr } => {
                let x = self.eval(expr, scope);
                self.unary(op, x, span)
            }
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let l = self.eval(lhs, scope);
                if matches!(*op, BinOp::And | BinOp::Or | BinOp::Nullish)
                    && !matches!(l.v, Val::Term(_) | Val::Poison)
                {
                    let take_left = match *op {
                        BinOp::And => !truthy(self.names, &l.v),
                        BinOp::Or => truthy(self.names, &l.v),
                        _ => !matches!(l.v, Val::Undef | Val::Null),
                    };
                    if take_left {
                        return v(l.v, span);
                    }
                    let r = self.eval(rhs, scope);
                    if let Val::Term(_) = r.v {
                        return self.op_on_term(*op, *op_span);
                    }
                    return v(r.v, span);
                }
                let r = self.eval(rhs, scope);
                self.binary(*op, *op_span, l, r, span)
            }
            ExprKind::New { .. }
            | ExprKind::Cond { .. }
            | ExprKind::Assign { .. }
            | ExprKind::Update { .. }
            | ExprKind::Spread(_)
            | ExprKind::Computed { .. } => self.eval_rare(e, scope),
        }
    }

    /// [`Eval::eval`] of the expressions that ReQL rarely has (out of line: the hot one keeps a
    /// small frame).
    #[inline(never)]
    fn eval_rare(&mut self, e: &Expr, scope: &Arc<Scope>) -> V {
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
            ExprKind::Update { op, prefix, target } => {
                let cur = self.eval(target, scope);
                let n = match &cur.v {
                    Val::Term(_) => {
                        return self
                            .op_on_term(if *op == "++" { BinOp::Add } else { BinOp::Sub }, span);
                    }
                    Val::Poison => return cur,
                    other => to_number(self.names, other).unwrap_or(f64::NAN),
                };
                let new = if *op == "++" { n + 1.0 } else { n - 1.0 };
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

    fn ident(&mut self, id: Name, span: Span, scope: &Arc<Scope>) -> V {
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
                "length" => v(Val::Num(lock(items).len() as f64), span),
                "push" => v(Val::Native(Native::Push(items.clone())), span),
                _ => self.value_method(&o.v, name, name_span, span),
            },
            Val::Str(s) => match name {
                "length" => v(Val::Num(s.text(names).encode_utf16().count() as f64), span),
                _ => self.value_method(&o.v, name, name_span, span),
            },
            Val::Num(_) | Val::Bool(_) | Val::Date(_) => self.value_method(&o.v, name, name_span, span),
            Val::Obj(fields) => match lock(fields).iter().find(|(k, _)| k.text(names) == name) {
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
                let items = lock(items);
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

    #[allow(clippy::too_many_arguments)]
    fn method_call(
        &mut self,
        obj: &Expr,
        name: Name,
        name_span: Span,
        callee_span: Span,
        args: &[Expr],
        span: Span,
        scope: &Arc<Scope>,
    ) -> V {
        let recv = self.eval(obj, scope);
        if skips_nullish(obj, &recv) {
            return v(Val::Undef, span);
        }
        // Argument errors point at `.name(...)`, not at the whole chain.
        let site = Span::new(name_span.start.saturating_sub(1), span.end);
        // The common case, a ReQL method of a term or of `r`, calls it straight away: the
        // method value `member` would make has no effects of its own.
        let names = self.names;
        let direct = match recv.v {
            Val::Term(t) => self
                .reuse
                .term_methods
                .get(name, names, called_term_method)
                .map(|m| (Some(t), m)),
            Val::R => self
                .reuse
                .r_functions
                .get(name, names, methods::r_function)
                .filter(|m| m.arity != Arity::Constant)
                .map(|m| (None, m)),
            _ => None,
        };
        if let Some((recv, m)) = direct {
            let argv = self.eval_args(args, scope);
            return self.call_method(recv, m, argv, span, site);
        }
        let f = self.member(recv, Some(name), names.get(name), name_span, callee_span);
        if matches!(f.v, Val::Poison) && is_program_tail(names.get(name)) {
            // The arguments of a refused `.then(...)` are program code: no errors of theirs.
            return f;
        }
        let argv = self.eval_args(args, scope);
        self.site = Some(site);
        self.call_value(f, argv, span)
    }

    fn call_expr(&mut self, callee: &Expr, args: &[Expr], span: Span, scope: &Arc<Scope>) -> V {
        if let ExprKind::Member {
            obj,
            name,
            name_span,
        } = &callee.kind
        {
            return self.method_call(obj, *name, *name_span, callee.span, args, span, scope);
        }
        let f = self.eval(callee, scope);
        if skips_nullish(callee, &f) {
            return v(Val::Undef, span);
        }
        let argv = self.eval_args(args, scope);
        self.call_value(f, argv, span)
    }

    /// Evaluates call arguments into a vector taken from the spares (method calls give it
    /// back with [`Eval::recycle`]: one per call would otherwise be allocated and freed).
    // Kept inline in the method call paths, as it was before spreads (1% of the compile).
    #[inline(always)]
    fn eval_args(&mut self, args: &[Expr], scope: &Arc<Scope>) -> Vec<V> {
        let mut argv = self.reuse.spare_args.pop().unwrap_or_default();
        for a in args {
            if let ExprKind::Spread(inner) = &a.kind {
                self.spread_into(inner, scope, &mut argv);
                continue;
            }
            let x = self.eval(a, scope);
            argv.push(x);
        }
        argv
    }

    /// `...x` or `[key]: value` in an object literal; false if it failed.
    #[cold]
    #[inline(never)]
    fn special_prop(&mut self, e: &Expr, scope: &Arc<Scope>, fields: &mut Fields) -> bool {
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
    fn spread_props(&mut self, inner: &Expr, scope: &Arc<Scope>, fields: &mut Fields) -> bool {
        let x = self.eval(inner, scope);
        let span = x.span;
        let copied: Fields = match &x.v {
            Val::Obj(o) => lock(o).clone(),
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
    fn spread_into(&mut self, inner: &Expr, scope: &Arc<Scope>, out: &mut Vec<V>) {
        let x = self.eval(inner, scope);
        let span = x.span;
        let len = match &x.v {
            Val::Arr(items) => lock(items).len(),
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
                let items = lock(items).clone();
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

    fn recycle(&mut self, mut argv: Vec<V>) {
        // Enough for any nesting of calls that happens in practice; the rest is freed.
        if self.reuse.spare_args.len() < 64 {
            argv.clear();
            self.reuse.spare_args.push(argv);
        }
    }

    fn call_value(&mut self, f: V, args: Vec<V>, span: Span) -> V {
        let site = self.site.take().unwrap_or(span);
        match f.v {
            Val::Method(recv, m) => self.call_method(recv, m, args, span, site),
            Val::Term(t) => self.bracket(t, f.span, args, span),
            Val::R => match methods::r_function("expr") {
                Some(m) => self.call_method(None, m, args, span, span),
                None => v(Val::Poison, span),
            },
            Val::Func(c) => self.call_closure(&c, args, span),
            Val::Native(n) => self.call_native(n, args, span),
            Val::Poison => f,
            other => self.error(f.span, format!("{} is not a function", type_name(&other))),
        }
    }

    fn call_closure(&mut self, c: &Arc<Closure>, args: Vec<V>, span: Span) -> V {
        if self.calls >= MAX_CALLS {
            return self.error(span, "too much recursion");
        }
        self.calls += 1;
        let scope = self.scope_for(&c.scope);
        if let Some(name) = c.def.name {
            scope.declare(name, v(Val::Func(c.clone()), c.def.span));
        }
        let mut args = args.into_iter();
        for (i, (name, pspan)) in c.def.params.iter().enumerate() {
            let val = if c.def.rest == Some(i) {
                self.missing_param(c, i, *pspan, &scope, args.by_ref().collect())
            } else {
                match args.next() {
                    Some(a) if !matches!(a.v, Val::Undef) => a,
                    _ => self.missing_param(c, i, *pspan, &scope, Vec::new()),
                }
            };
            scope.declare(*name, val);
        }
        let r = self.run_body(&c.def, &scope);
        self.end_scope(scope);
        self.calls -= 1;
        v(r.v, span)
    }

    /// The value of parameter `i` when no argument fills it: its default, the rest array, or
    /// undefined.
    fn missing_param(
        &mut self,
        c: &Arc<Closure>,
        i: usize,
        span: Span,
        scope: &Arc<Scope>,
        rest: Vec<V>,
    ) -> V {
        if c.def.rest == Some(i) {
            return v(Val::Arr(Arc::new(Mutex::new(rest))), span);
        }
        match c.def.defaults.iter().find(|(j, _)| *j == i) {
            Some((_, e)) => self.eval(e, scope),
            None => v(Val::Undef, span),
        }
    }

    fn call_native(&mut self, n: Native, args: Vec<V>, span: Span) -> V {
        match n {
            Native::Buffer | Native::BufferFrom => self.buffer(&args, span),
            Native::Date => self.error_help(
                span,
                "`Date(...)` without `new` gives a string",
                "write new Date(...)",
            ),
            Native::DateNow => v(Val::Num(chrono::Utc::now().timestamp_millis() as f64), span),
            Native::DateUtc => self.date_utc(&args, span),
            Native::Math => self.error(span, "Math is not a function"),
            Native::Lib(name) => self.call_lib(name, args, span),
            Native::Bound(bound) => {
                let (recv, name) = *bound;
                self.call_bound(recv, name, args, span)
            }
            Native::Push(items) => {
                if !self.build(args.len() * size_of::<V>(), span) {
                    return v(Val::Poison, span);
                }
                for a in &args {
                    self.stored(&a.v);
                }
                let mut len = 0;
                let mut guard = lock(&items);
                for a in args {
                    guard.push(a);
                    len = guard.len();
                }
                if len == 0 {
                    len = guard.len();
                }
                v(Val::Num(len as f64), span)
            }
            Native::MathFn(f) => {
                let mut nums = Vec::new();
                for a in &args {
                    match &a.v {
                        Val::Term(_) => {
                            return self.error_help(
                                a.span,
                                format!(
                                    "Math.{} works on JavaScript numbers, not on ReQL terms",
                                    f.name()
                                ),
                                "use the ReQL methods: .floor(), .ceil(), .round(), r.random()...",
                            );
                        }
                        Val::Poison => return v(Val::Poison, span),
                        _ => match self.js_number(a, "Math") {
                            Some(n) => nums.push(n),
                            None => return v(Val::Poison, span),
                        },
                    }
                }
                match f.apply(&nums) {
                    Some(r) => v(Val::Num(r), span),
                    None => self.error(
                        span,
                        "Math.random() cannot read the system's random source; write the number",
                    ),
                }
            }
        }
    }

    fn buffer(&mut self, args: &[V], span: Span) -> V {
        let names = self.names;
        let bytes: Vec<u8> = match args.first().map(|a| &a.v) {
            Some(Val::Str(s)) => {
                let s = s.text(names);
                let enc = match args.get(1).map(|a| &a.v) {
                    Some(Val::Str(e)) => e.text(names).to_ascii_lowercase(),
                    _ => "utf8".into(),
                };
                match enc.as_str() {
                    "utf8" | "utf-8" => s.as_bytes().to_vec(),
                    "hex" => {
                        let digits: Vec<u8> = s.bytes().collect();
                        digits
                            .chunks_exact(2)
                            .map_while(|p| {
                                std::str::from_utf8(p)
                                    .ok()
                                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                            })
                            .collect()
                    }
                    "base64" => match base64::engine::general_purpose::STANDARD
                        .decode(s.trim().as_bytes())
                    {
                        Ok(b) => b,
                        Err(_) => return self.error(span, "invalid base64 in Buffer(...)"),
                    },
                    "binary" | "latin1" | "ascii" => {
                        s.chars().map(|c| (u32::from(c) & 0xff) as u8).collect()
                    }
                    other => {
                        return self.error(span, format!("unsupported Buffer encoding `{other}`"));
                    }
                }
            }
            Some(Val::Arr(items)) => {
                let items = lock(items).clone();
                items
                    .iter()
                    .map(|i| (to_int32(to_number(self.names, &i.v).unwrap_or(0.0)) & 0xff) as u8)
                    .collect()
            }
            Some(Val::Num(n)) if *n >= 0.0 && *n <= 1e8 => vec![0; *n as usize],
            Some(Val::Buffer(b)) => b.as_ref().clone(),
            Some(Val::Poison) => return v(Val::Poison, span),
            _ => {
                return self.error_help(
                    span,
                    "unsupported arguments to Buffer",
                    "write Buffer.from('text') or Buffer.from('...', 'base64')",
                );
            }
        };
        v(Val::Buffer(Arc::new(bytes)), span)
    }

    fn date(&mut self, args: &[V], span: Span) -> V {
        let ms = match args.iter().map(|a| &a.v).collect::<Vec<_>>().as_slice() {
            [] => chrono::Utc::now().timestamp_millis() as f64,
            [Val::Num(n)] => dates::time_clip(*n).unwrap_or(f64::NAN),
            [Val::Null | Val::Bool(_)] => to_number(self.names, &args[0].v)
                .and_then(dates::time_clip)
                .unwrap_or(f64::NAN),
            [Val::Str(s)] => match parse_date(s.text(self.names)) {
                Some(ms) => ms,
                None => {
                    return self.error_help(
                        span,
                        format!("cannot read the date `{}`", s.text(self.names)),
                        "write an ISO 8601 date: '2024-01-31T12:00:00Z'",
                    );
                }
            },
            [Val::Date(ms)] => *ms,
            parts if parts.iter().all(|p| matches!(p, Val::Num(_))) => {
                let n: Vec<f64> = parts
                    .iter()
                    .filter_map(|p| to_number(self.names, p))
                    .collect();
                match date_from_parts(&n, false) {
                    Some(ms) => ms,
                    None => return self.error(span, "invalid date"),
                }
            }
            _ => return self.error(span, "unsupported arguments to new Date(...)"),
        };
        v(Val::Date(ms), span)
    }

    /// `Date.UTC(year, month, ...)`: milliseconds since the epoch, NaN when it is no date.
    fn date_utc(&mut self, args: &[V], span: Span) -> V {
        let mut n = Vec::with_capacity(args.len());
        for a in args {
            match to_number(self.names, &a.v) {
                Some(x) => n.push(x),
                None => return self.error(a.span, "Date.UTC takes numbers"),
            }
        }
        let ms = if n.is_empty() {
            f64::NAN
        } else {
            date_from_parts(&n, true).unwrap_or(f64::NAN)
        };
        v(Val::Num(ms), span)
    }

    fn op_on_term(&mut self, op: BinOp, op_span: Span) -> V {
        // The lexer reads a template's `${` as `+ (` spanning those two characters; a `+`
        // the user wrote is one character.
        if op == BinOp::Add && op_span.end - op_span.start == 2 {
            return self.error_help(
                op_span,
                "a ReQL term cannot be put into a template string",
                "build the string with ReQL: r.expr('text').add(term)",
            );
        }
        match method_for_op(op) {
            Some(m) => self.error_help(
                op_span,
                format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                format!("use the ReQL method: a.{m}(b)"),
            ),
            None => self.error_help(
                op_span,
                format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                "use the ReQL methods (.add, .mul, .eq...)",
            ),
        }
    }

    fn unary(&mut self, op: &str, x: V, span: Span) -> V {
        if op == "await" {
            return x;
        }
        match &x.v {
            Val::Poison => return x,
            Val::Term(_) => {
                let (m, help) = match op {
                    "!" => ("not", "use .not(): x.not() or r.not(x)"),
                    "-" => ("mul", "use .mul(-1), or r.expr(0).sub(x)"),
                    "~" => ("bitNot", "use .bitNot()"),
                    _ => ("", "use the ReQL methods (.add, .not...)"),
                };
                let _ = m;
                if op == "typeof" {
                    return v(Val::Str(Str::own("function")), span);
                }
                return self.error_help(
                    span,
                    format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                    help,
                );
            }
            _ => {}
        }
        let val = match op {
            "!" => Val::Bool(!truthy(self.names, &x.v)),
            "void" => Val::Undef,
            "typeof" => Val::Str(Str::own(match &x.v {
                Val::Undef => "undefined",
                Val::Bool(_) => "boolean",
                Val::Num(_) => "number",
                Val::Str(_) => "string",
                Val::Func(_) | Val::Method(..) | Val::Native(_) | Val::R | Val::Term(_) => {
                    "function"
                }
                _ => "object",
            })),
            "delete" => return self.error(span, "`delete` is not supported"),
            _ => match to_number(self.names, &x.v) {
                Some(n) => match op {
                    "-" => Val::Num(-n),
                    "+" => Val::Num(n),
                    _ => Val::Num(f64::from(!to_int32(n))),
                },
                None => {
                    return self.error(
                        span,
                        format!("`{op}` cannot be applied to {}", type_name(&x.v)),
                    );
                }
            },
        };
        v(val, span)
    }

    fn binary(&mut self, op: BinOp, op_span: Span, l: V, r: V, span: Span) -> V {
        if matches!(l.v, Val::Poison) || matches!(r.v, Val::Poison) {
            return v(Val::Poison, span);
        }
        if matches!(l.v, Val::Term(_) | Val::R | Val::Method(..))
            || matches!(r.v, Val::Term(_) | Val::R | Val::Method(..))
        {
            return self.op_on_term(op, op_span);
        }
        let val = match op {
            BinOp::StrictEq => Val::Bool(strict_eq(self.names, &l.v, &r.v)),
            BinOp::StrictNe => Val::Bool(!strict_eq(self.names, &l.v, &r.v)),
            BinOp::Eq => Val::Bool(loose_eq(self.names, &l.v, &r.v)),
            BinOp::Ne => Val::Bool(!loose_eq(self.names, &l.v, &r.v)),
            BinOp::And | BinOp::Or | BinOp::Nullish => {
                let take_left = match op {
                    BinOp::And => !truthy(self.names, &l.v),
                    BinOp::Or => truthy(self.names, &l.v),
                    _ => !matches!(l.v, Val::Undef | Val::Null),
                };
                return v(if take_left { l.v } else { r.v }, span);
            }
            BinOp::In | BinOp::Instanceof => {
                return self.error(op_span, format!("`{op}` is not supported"));
            }
            BinOp::Add if matches!(l.v, Val::Str(_)) || matches!(r.v, Val::Str(_)) => {
                match (
                    to_js_string(self.names, &l.v),
                    to_js_string(self.names, &r.v),
                ) {
                    (Some(a), Some(b)) => {
                        if !self.build(a.len() + b.len(), span) {
                            return v(Val::Poison, span);
                        }
                        Val::Str(Str::own(&format!("{a}{b}")))
                    }
                    // An array or object joins as its text ("k=" + [1, 2] is "k=1,2").
                    _ if matches!(l.v, Val::Arr(_) | Val::Obj(_) | Val::Str(_))
                        && matches!(r.v, Val::Arr(_) | Val::Obj(_) | Val::Str(_)) =>
                    {
                        let Some(a) = self.js_string(&l, "+") else {
                            return v(Val::Poison, span);
                        };
                        let Some(b) = self.js_string(&r, "+") else {
                            return v(Val::Poison, span);
                        };
                        if !self.build(a.len() + b.len(), span) {
                            return v(Val::Poison, span);
                        }
                        Val::Str(Str::own(&format!("{a}{b}")))
                    }
                    _ => {
                        return self.error(
                            op_span,
                            format!(
                                "`+` cannot join {} and {}",
                                type_name(&l.v),
                                type_name(&r.v)
                            ),
                        );
                    }
                }
            }
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge
                if matches!((&l.v, &r.v), (Val::Str(_), Val::Str(_))) =>
            {
                let (Val::Str(a), Val::Str(b)) = (&l.v, &r.v) else {
                    return v(Val::Poison, span);
                };
                let (a, b) = (a.text(self.names), b.text(self.names));
                let (a, b): (Vec<u16>, Vec<u16>) =
                    (a.encode_utf16().collect(), b.encode_utf16().collect());
                Val::Bool(match op {
                    BinOp::Lt => a < b,
                    BinOp::Gt => a > b,
                    BinOp::Le => a <= b,
                    _ => a >= b,
                })
            }
            _ => {
                let (Some(a), Some(b)) = (to_number(self.names, &l.v), to_number(self.names, &r.v))
                else {
                    return self.error(
                        op_span,
                        format!(
                            "`{op}` cannot be applied to {} and {}",
                            type_name(&l.v),
                            type_name(&r.v)
                        ),
                    );
                };
                match op {
                    BinOp::Add => Val::Num(a + b),
                    BinOp::Sub => Val::Num(a - b),
                    BinOp::Mul => Val::Num(a * b),
                    BinOp::Div => Val::Num(a / b),
                    BinOp::Rem => Val::Num(a % b),
                    BinOp::Pow => Val::Num(js_pow(a, b)),
                    BinOp::Lt => Val::Bool(a < b),
                    BinOp::Gt => Val::Bool(a > b),
                    BinOp::Le => Val::Bool(a <= b),
                    BinOp::Ge => Val::Bool(a >= b),
                    BinOp::BitAnd => Val::Num(f64::from(to_int32(a) & to_int32(b))),
                    BinOp::BitOr => Val::Num(f64::from(to_int32(a) | to_int32(b))),
                    BinOp::BitXor => Val::Num(f64::from(to_int32(a) ^ to_int32(b))),
                    BinOp::Shl => {
                        Val::Num(f64::from(to_int32(a).wrapping_shl(to_int32(b) as u32 & 31)))
                    }
                    BinOp::Shr => {
                        Val::Num(f64::from(to_int32(a).wrapping_shr(to_int32(b) as u32 & 31)))
                    }
                    BinOp::UShr => Val::Num(f64::from(
                        (to_int32(a) as u32).wrapping_shr(to_int32(b) as u32 & 31),
                    )),
                    _ => return self.error(op_span, format!("`{op}` is not supported")),
                }
            }
        };
        v(val, span)
    }

    fn assign(&mut self, target: &Expr, val: V, scope: &Arc<Scope>) {
        match &target.kind {
            ExprKind::Ident(name) => {
                if self.names.get(*name) == "r" {
                    self.error(target.span, "`r` cannot be reassigned");
                    return;
                }
                // The scope may outlive the statement (the session's, or one a closure kept).
                self.stored(&val.v);
                scope.set(*name, val);
            }
            ExprKind::Member { obj, name, .. } => {
                let o = self.eval(obj, scope);
                let key = self.names.get(*name).to_string();
                self.set_prop(o, key, val, target.span);
            }
            ExprKind::Index { obj, index } => {
                let o = self.eval(obj, scope);
                let i = self.eval(index, scope);
                match (&o.v, &i.v) {
                    (Val::Arr(items), Val::Num(n)) if *n >= 0.0 && n.fract() == 0.0 && *n < 1e7 => {
                        let mut items = lock(items);
                        let idx = *n as usize;
                        while items.len() <= idx {
                            items.push(v(Val::Undef, target.span));
                        }
                        self.stored(&val.v);
                        items[idx] = val;
                    }
                    _ => {
                        let key = to_js_string(self.names, &i.v).unwrap_or_default();
                        self.set_prop(o, key, val, target.span);
                    }
                }
            }
            _ => {
                self.error(target.span, "cannot assign to this expression");
            }
        }
    }

    fn set_prop(&mut self, o: V, key: String, val: V, span: Span) {
        match &o.v {
            Val::Obj(fields) => {
                // The object may outlive the statement.
                self.stored(&val.v);
                let names = self.names;
                let mut f = lock(fields);
                match f.iter_mut().find(|(k, _)| k.text(names) == key) {
                    Some(slot) => slot.1 = val,
                    None => f.push((Str::Own(Arc::from(key)), val)),
                }
            }
            Val::Poison => {}
            Val::Term(_) => {
                self.error(
                    span,
                    "ReQL terms cannot be modified; use .merge({...}) to add fields",
                );
            }
            other => {
                self.error(
                    span,
                    format!("cannot set a property of {}", type_name(other)),
                );
            }
        }
    }

    // ---- statements ---------------------------------------------------------------------

    fn exec_block(&mut self, stmts: &[Stmt], scope: &Arc<Scope>) -> Flow {
        // Function declarations are hoisted, as in JavaScript.
        for s in stmts {
            if let StmtKind::Function(name, def) = &s.kind {
                let f = v(
                    Val::Func(Arc::new(Closure {
                        def: def.clone(),
                        scope: scope.clone(),
                    })),
                    s.span,
                );
                self.declare(scope, *name, f);
            }
        }
        for s in stmts {
            match self.exec(s, scope) {
                Flow::Normal => {}
                other => return other,
            }
            if self.halted {
                break;
            }
        }
        Flow::Normal
    }

    /// Evaluates a `for`/`while` condition: false ends the loop, as does a ReQL term there
    /// (reported: a term is decided on the server, not while building the query).
    fn loop_goes_on(&mut self, test: &Expr, scope: &Arc<Scope>) -> bool {
        let c = self.eval(test, scope);
        if let Val::Term(_) = c.v {
            self.error_help(
                test.span,
                "a loop condition cannot be a ReQL term",
                "loop over the data in ReQL: .forEach(...), .map(...)",
            );
            return false;
        }
        truthy(self.names, &c.v)
    }

    fn exec(&mut self, s: &Stmt, scope: &Arc<Scope>) -> Flow {
        if !self.step(s.span) {
            return Flow::Break;
        }
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(e, scope);
                Flow::Normal
            }
            StmtKind::Var(decls) => {
                for (name, span, init) in decls {
                    let val = match init {
                        Some(e) => self.eval(e, scope),
                        None => v(Val::Undef, *span),
                    };
                    self.declare(scope, *name, val);
                }
                Flow::Normal
            }
            StmtKind::Function(..) | StmtKind::Empty => Flow::Normal,
            StmtKind::Return(e) => Flow::Return(match e {
                Some(e) => self.eval(e, scope),
                None => v(Val::Undef, s.span),
            }),
            StmtKind::If(test, then, other) => {
                let t = self.eval(test, scope);
                if let Val::Term(_) = t.v {
                    self.error_help(
                        test.span,
                        "a ReQL term cannot choose between JavaScript statements",
                        "use r.branch(condition, a, b)",
                    );
                    return Flow::Normal;
                }
                if truthy(self.names, &t.v) {
                    self.exec(then, scope)
                } else if let Some(o) = other {
                    self.exec(o, scope)
                } else {
                    Flow::Normal
                }
            }
            StmtKind::For {
                init,
                test,
                update,
                body,
            } => {
                if let Some(i) = init {
                    self.exec(i, scope);
                }
                loop {
                    if self.halted {
                        break;
                    }
                    if let Some(t) = test
                        && !self.loop_goes_on(t, scope)
                    {
                        break;
                    }
                    match self.exec(body, scope) {
                        Flow::Return(r) => return Flow::Return(r),
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                    }
                    if let Some(u) = update {
                        self.eval(u, scope);
                    }
                }
                Flow::Normal
            }
            StmtKind::ForEach {
                name,
                name_span,
                keys,
                iter,
                body,
            } => {
                let it = self.eval(iter, scope);
                let Some(items) = self.iteration(it, *keys, *name_span) else {
                    return Flow::Normal;
                };
                for x in items {
                    if self.halted {
                        break;
                    }
                    self.declare(scope, *name, x);
                    match self.exec(body, scope) {
                        Flow::Return(r) => return Flow::Return(r),
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                Flow::Normal
            }
            StmtKind::While(test, body) => {
                loop {
                    if self.halted {
                        break;
                    }
                    if !self.loop_goes_on(test, scope) {
                        break;
                    }
                    match self.exec(body, scope) {
                        Flow::Return(r) => return Flow::Return(r),
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                Flow::Normal
            }
            StmtKind::Block(stmts) => self.exec_block(stmts, scope),
            StmtKind::Throw(e) => {
                self.eval(e, scope);
                self.error(
                    s.span,
                    "the JavaScript in this statement throws an exception",
                );
                Flow::Break
            }
            StmtKind::Break => Flow::Break,
            StmtKind::Continue => Flow::Continue,
        }
    }

    // ---- top level ------------------------------------------------------------------------

    /// Runs a top-level statement. Returns the query term (if the statement is a query) and
    /// the global optargs of a pasted `.run(conn, {...})`.
    pub(crate) fn top(
        &mut self,
        s: &Stmt,
        root: &Arc<Scope>,
    ) -> Option<(TermId, Map<String, Value>)> {
        let StmtKind::Expr(e) = &s.kind else {
            match &s.kind {
                StmtKind::Return(_) => {
                    self.error_help(
                        s.span,
                        "`return` outside a function",
                        "paste only the query after `return`: rdbsh runs it",
                    );
                }
                StmtKind::Function(name, def) => {
                    let f = v(
                        Val::Func(Arc::new(Closure {
                            def: def.clone(),
                            scope: root.clone(),
                        })),
                        s.span,
                    );
                    self.declare(root, *name, f);
                }
                _ => {
                    self.exec(s, root);
                }
            }
            return None;
        };
        if matches!(e.kind, ExprKind::Assign { .. } | ExprKind::Update { .. }) {
            self.eval(e, root);
            return None;
        }
        // Peel what follows a pasted `.run(...)`: `.then(...)`, `.catch(...)`, `await`.
        let names = self.names;
        let mut e = e;
        loop {
            match &e.kind {
                ExprKind::Unary { op: "await", expr } => e = expr,
                ExprKind::MethodCall { operands, name, .. } if is_after_run(names.get(*name)) => {
                    match Expr::receiver_args(operands) {
                        Some((obj, _)) if ends_with_run(obj, names) => e = obj,
                        _ => break,
                    }
                }
                ExprKind::Call { callee, .. } => match &callee.kind {
                    ExprKind::Member { obj, name, .. }
                        if is_after_run(names.get(*name)) && ends_with_run(obj, names) =>
                    {
                        e = obj
                    }
                    _ => break,
                },
                _ => break,
            }
        }
        let (base, run_args): (&Expr, Option<&[Expr]>) = match &e.kind {
            ExprKind::MethodCall { operands, name, .. } if names.get(*name) == "run" => {
                match Expr::receiver_args(operands) {
                    Some((obj, args)) => (obj, Some(args)),
                    None => (e, None),
                }
            }
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Member { obj, name, .. } if names.get(*name) == "run" => {
                    (obj, Some(args))
                }
                _ => (e, None),
            },
            _ => (e, None),
        };
        let val = self.eval(base, root);
        let mut global = Map::new();
        // `.run(conn, callback)` and `.run(conn, opts, function (err, res) {...})` as pasted
        // from the docs: a function or a name defined nowhere is the callback, not options.
        // Options are an object literal or a name bound to them; anything else there (a
        // function, `fn(x)`, `this.cb`, code rdbsh skipped) is the callback.
        let is_callback = |a: &Expr| match &a.kind {
            ExprKind::Object(_) => false,
            ExprKind::Ident(name) => root.get(*name).is_none() && names.get(*name) != "r",
            _ => true,
        };
        // rethinkdbdash's `.run({opts})` has no connection: an object literal first is options,
        // of which only those the server reads are sent (`cursor`, `stream`... are the
        // client's, and the server refuses a global optarg it does not know).
        let (opts, server_keys_only) = match run_args {
            Some([first, ..]) if matches!(first.kind, ExprKind::Object(_)) => (Some(first), true),
            Some(args) => (args.get(1).filter(|a| !is_callback(a)), false),
            None => (None, false),
        };
        if let Some(opts) = opts {
            let o = self.eval(opts, root);
            if let Val::Obj(fields) = &o.v {
                let fields: Fields = lock(fields).clone();
                for (k, fv) in fields {
                    if matches!(fv.v, Val::Undef) {
                        continue;
                    }
                    let key = snake(k.text(names));
                    if server_keys_only && !RUN_OPTARGS.contains(&key.as_str()) {
                        continue;
                    }
                    let t = match (key.as_str(), &fv.v) {
                        ("db", Val::Str(name)) => {
                            let n = self.string(name.text(names), fv.span);
                            n.and_then(|n| self.op(TermType::Db, &[n], fv.span))
                        }
                        ("noreply" | "profile", other) => {
                            self.leaf(Kind::Bool(truthy(self.names, other)), fv.span)
                        }
                        _ => self.expr(&fv, EXPR_DEPTH),
                    };
                    if let Some(t) = t {
                        global.insert(key, self.store.to_json(t));
                    }
                }
            }
        }
        let term = match &val.v {
            Val::Poison => return None,
            Val::Term(t) => Some(*t),
            Val::Undef => {
                self.error_help(
                    base.span,
                    "this statement has no value to run",
                    "write a query such as r.table('t')",
                );
                None
            }
            Val::Func(_) | Val::Method(..) | Val::Native(_) => {
                self.error_help(
                    base.span,
                    "this statement is a function, not a query",
                    "call it: add `(...)`",
                );
                None
            }
            // A bare JavaScript `null` is no query (`.run` cannot be called on it), while
            // `r.expr(null)` is one: the driver sends it and the server answers `null`.
            Val::Null => {
                self.error_help(
                    base.span,
                    "the statement is just `null`: there is nothing to run",
                    "to ask the server for null, write r.expr(null)",
                );
                None
            }
            _ => self.expr(&val, EXPR_DEPTH),
        }?;
        Some((term, global))
    }
}
