//! The evaluator core: values, environments, functions, and the term dispatch.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::datum::{self, as_arr, as_str};
use super::error::{ErrorType, RResult, ReqlError};
use super::store::{Store, Table};
use crate::protocol::TermType as T;

/// Variable id used for the implicit variable (`r.row`).
const IMPLICIT: u64 = u64::MAX;

/// A lexical environment: a persistent linked list of bound variables.
pub type Env = Option<Arc<EnvNode>>;

/// One binding of an environment.
#[derive(Debug)]
pub struct EnvNode {
    id: u64,
    val: Value,
    next: Env,
}

fn bind(env: &Env, id: u64, val: Value) -> Env {
    Some(Arc::new(EnvNode {
        id,
        val,
        next: env.clone(),
    }))
}

fn lookup(env: &Env, id: u64) -> Option<&Value> {
    let mut cur = env.as_ref();
    while let Some(n) = cur {
        if n.id == id {
            return Some(&n.val);
        }
        cur = n.next.as_ref();
    }
    None
}

/// A ReQL function: parameter ids, body term and captured environment.
#[derive(Debug, Clone)]
pub struct Func {
    /// Parameter variable ids.
    pub params: Vec<u64>,
    /// The body, a wire term.
    pub body: Arc<Value>,
    /// Captured environment.
    pub env: Env,
}

/// A row iterator.
pub type RowIter = Box<dyn Iterator<Item = RResult<Value>> + Send>;

/// How a `changes()` call can follow a sequence.
#[derive(Debug, Clone)]
pub enum FeedSpec {
    /// Every change of the table.
    Table(Arc<Table>),
    /// The first `limit` rows of the table in index order.
    OrderByLimit {
        /// Table.
        table: Arc<Table>,
        /// Index name.
        index: String,
        /// Descending order.
        desc: bool,
        /// Limit.
        limit: usize,
    },
    /// An ordered table slice without a limit yet.
    Ordered {
        /// Table.
        table: Arc<Table>,
        /// Index name.
        index: String,
        /// Descending order.
        desc: bool,
    },
}

/// A sequence: lazily produced rows.
pub struct Seq {
    /// The rows.
    pub iter: RowIter,
    /// True for streams (sent as SUCCESS_SEQUENCE/PARTIAL); false for arrays.
    pub stream: bool,
    /// When every row is a whole document of this table (a selection).
    pub table: Option<Arc<Table>>,
    /// What `changes()` would follow.
    pub feed: Option<FeedSpec>,
    /// Type name for `typeOf`.
    pub type_name: &'static str,
}

impl Seq {
    /// A sequence over an array.
    pub fn array(items: Vec<Value>) -> Seq {
        Seq {
            iter: Box::new(items.into_iter().map(Ok)),
            stream: false,
            table: None,
            feed: None,
            type_name: "ARRAY",
        }
    }
    /// A stream of rows.
    pub fn stream(iter: RowIter) -> Seq {
        Seq {
            iter,
            stream: true,
            table: None,
            feed: None,
            type_name: "STREAM",
        }
    }
    /// Collects every row.
    pub fn collect(self) -> RResult<Vec<Value>> {
        self.iter.collect()
    }
    /// Keeps the kind of this sequence but replaces its rows (selection lost).
    pub fn with_iter(self, iter: RowIter, keeps_selection: bool) -> Seq {
        Seq::rebuild(self.stream, self.table, iter, keeps_selection)
    }
    /// A sequence of the given kind, keeping the selection's table when asked.
    pub fn rebuild(
        stream: bool,
        table: Option<Arc<Table>>,
        iter: RowIter,
        keeps_selection: bool,
    ) -> Seq {
        let table = if keeps_selection { table } else { None };
        let type_name = match (stream, table.is_some()) {
            (true, true) => "SELECTION<STREAM>",
            (true, false) => "STREAM",
            (false, true) => "SELECTION<ARRAY>",
            (false, false) => "ARRAY",
        };
        Seq {
            iter,
            stream,
            table,
            feed: None,
            type_name,
        }
    }
}

/// A value during evaluation.
pub enum Val {
    /// A datum.
    Datum(Value),
    /// A sequence.
    Seq(Seq),
    /// A table.
    Table(Arc<Table>),
    /// A single selection: table, key and the document if it exists.
    Single(Arc<Table>, Value, Option<Arc<Value>>),
    /// A database.
    Db(String),
    /// A function.
    Func(Func),
    /// Grouped data: group → array of rows or reduction.
    Grouped(Vec<(Value, Value)>),
}

/// Per-query evaluation context (cheap to clone, shared by lazy streams).
#[derive(Clone)]
pub struct Ctx {
    /// The store.
    pub store: Arc<Store>,
    /// `r.now()` for this query.
    pub now: Value,
    /// Default database name.
    pub default_db: String,
    /// Largest array a query may build (`array_limit`).
    pub array_limit: usize,
    /// The running queries (`rethinkdb.jobs`).
    pub jobs: Arc<super::job::Jobs>,
    /// This query's key in `rethinkdb.jobs`, when it is listed there.
    pub job: Option<Value>,
    /// Times each term's evaluation when the query asked for `profile: true`.
    pub profiler: Option<Arc<Profiler>>,
    /// Set when the query's answer is no longer wanted: evaluation stops.
    pub interrupt: super::job::Interrupt,
    /// The query's `changefeed_queue_size` (run option), for feeds without their own.
    pub feed_queue_size: usize,
}

/// The profile of one query: each term's evaluation is a task (`Evaluating filter.`) with
/// its duration and the tasks of the terms it evaluated, shaped like RethinkDB's profiles.
/// Work done later by a lazy stream (while paging) is not counted, as the profile is sent
/// with the first batch.
#[derive(Debug, Default)]
pub struct Profiler {
    state: std::sync::Mutex<ProfileState>,
}

#[derive(Debug, Default)]
struct ProfileState {
    /// Open tasks, outermost first: description, start, finished sub-tasks.
    open: Vec<(String, std::time::Instant, Vec<Value>)>,
    /// Finished top-level tasks.
    done: Vec<Value>,
    /// Set once the profile is taken: later (lazy) evaluation is not recorded.
    closed: bool,
}

impl Profiler {
    /// Opens a task; [`leave`](Self::leave) closes it.
    pub fn enter(&self, description: String) {
        if let Ok(mut st) = self.state.lock()
            && !st.closed
        {
            st.open
                .push((description, std::time::Instant::now(), Vec::new()));
        }
    }

    /// Closes the innermost open task.
    pub fn leave(&self) {
        if let Ok(mut st) = self.state.lock()
            && !st.closed
            && let Some((description, started, sub_tasks)) = st.open.pop()
        {
            let task = json!({
                "description": description,
                "duration(ms)": started.elapsed().as_secs_f64() * 1000.0,
                "sub_tasks": sub_tasks,
            });
            match st.open.last_mut() {
                Some(parent) => parent.2.push(task),
                None => st.done.push(task),
            }
        }
    }

    /// The profile so far (the `p` field of the response); later evaluation is ignored.
    pub fn take(&self) -> Value {
        match self.state.lock() {
            Ok(mut st) => {
                st.closed = true;
                Value::Array(std::mem::take(&mut st.done))
            }
            Err(_) => Value::Array(Vec::new()),
        }
    }
}

/// The server's default `array_limit`.
pub const DEFAULT_ARRAY_LIMIT: usize = 100_000;

/// Named pseudo-marker for `r.minval`.
pub fn minval() -> Value {
    json!({"$reql_type$": "MINVAL"})
}
/// Named pseudo-marker for `r.maxval`.
pub fn maxval() -> Value {
    json!({"$reql_type$": "MAXVAL"})
}

/// One term to evaluate: its type, positional args and optargs, and its environment.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// The term type.
    pub tt: T,
    /// Positional arguments (wire terms).
    pub args: &'a [Value],
    /// Optional arguments (wire terms).
    pub opts: Option<&'a Map<String, Value>>,
    /// The environment the term is evaluated in.
    pub env: &'a Env,
}

impl<'a> Call<'a> {
    /// (type, args, optargs, environment).
    pub fn parts(self) -> (T, &'a [Value], Opts<'a>, &'a Env) {
        (self.tt, self.args, self.opts, self.env)
    }
}

/// A term's optional arguments (wire terms), when it has any.
pub type Opts<'a> = Option<&'a Map<String, Value>>;

/// A term's type, positional args and optargs.
pub type TermParts<'a> = Parts<'a, T>;

/// A term's type (as `K`), positional args and optargs.
pub type Parts<'a, K> = (K, &'a [Value], Option<&'a Map<String, Value>>);

/// Splits a wire term into (type, args, optargs); None when it is not a term or its type
/// number is not a known term type.
pub fn parts(term: &Value) -> Option<TermParts<'_>> {
    let (tt, args, opts) = any_parts(term)?;
    Some((tt?, args, opts))
}

/// Splits a wire term whose type number may be unknown (then the type is None).
pub fn any_parts(term: &Value) -> Option<Parts<'_, Option<T>>> {
    let (n, args, opts) = raw_parts(term)?;
    Some((term_type(n), args, opts))
}

/// The term type of a wire number.
pub fn term_type(n: u64) -> Option<T> {
    i64::try_from(n).ok().and_then(T::from_i64)
}

/// Splits a wire term into (type number, args, optargs).
pub fn raw_parts(term: &Value) -> Option<Parts<'_, u64>> {
    let a = term.as_array()?;
    let tt = a.first()?.as_u64()?;
    static EMPTY: [Value; 0] = [];
    let (args, opts): (&[Value], Option<&Map<String, Value>>) = match (a.get(1), a.get(2)) {
        (None, _) => (&EMPTY, None),
        (Some(Value::Array(x)), o) => (x.as_slice(), o.and_then(Value::as_object)),
        (Some(Value::Object(o)), None) => (&EMPTY, Some(o)),
        _ => return None,
    };
    Some((tt, args, opts))
}

/// Type name of a value for messages.
pub fn val_type(v: &Val) -> String {
    match v {
        Val::Datum(d) => datum::type_name(d),
        Val::Seq(s) => s.type_name.to_string(),
        Val::Table(_) => "TABLE".into(),
        Val::Single(..) => "SELECTION<OBJECT>".into(),
        Val::Db(_) => "DATABASE".into(),
        Val::Func(_) => "FUNCTION".into(),
        Val::Grouped(_) => "GROUPED_DATA".into(),
    }
}

impl Ctx {
    /// Evaluates a wire term.
    pub fn eval(&self, term: &Value, env: &Env) -> RResult<Val> {
        self.interrupt.check()?;
        match term {
            Value::Array(_) => {
                let (tt, args, opts) = any_parts(term).ok_or_else(|| {
                    ReqlError::compile(format!("Expected a term but found `{}`.", term))
                })?;
                let Some(profiler) = &self.profiler else {
                    return self.eval_any(tt, args, opts, env);
                };
                let name = tt.map_or("term", T::name);
                profiler.enter(format!("Evaluating {}.", name.to_lowercase()));
                let result = self.eval_any(tt, args, opts, env);
                profiler.leave();
                result
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let d = self
                        .datum(v, env)
                        .map_err(|e| e.at(Value::String(k.clone())))?;
                    out.insert(k.clone(), d);
                }
                check_pseudo(&mut out)?;
                let v = Value::Object(out);
                datum::check_depth(&v)?;
                Ok(Val::Datum(v))
            }
            other => Ok(Val::Datum(other.clone())),
        }
    }

    /// Evaluates a term to a datum (sequences are collected into arrays).
    pub fn datum(&self, term: &Value, env: &Env) -> RResult<Value> {
        let v = self.eval(term, env)?;
        self.to_datum(v)
    }

    /// Turns a value into a datum.
    pub fn to_datum(&self, v: Val) -> RResult<Value> {
        match v {
            Val::Datum(d) => Ok(d),
            Val::Seq(s) => {
                let mut out = Vec::new();
                for r in s.iter {
                    out.push(r?);
                    self.check_array(out.len())?;
                }
                Ok(Value::Array(out))
            }
            Val::Table(t) => Ok(Value::Array(
                t.snapshot().iter().map(|d| (**d).clone()).collect(),
            )),
            Val::Single(_, _, d) => Ok(d.map(|d| (*d).clone()).unwrap_or(Value::Null)),
            Val::Grouped(g) => Ok(grouped_datum(g)),
            other => Err(ReqlError::logic(format!(
                "Expected type DATUM but found {}:",
                val_type(&other)
            ))),
        }
    }

    /// Fails when an array grows past the query's `array_limit`.
    pub fn check_array(&self, len: usize) -> RResult<()> {
        if len > self.array_limit {
            // The server reports the limit without a backtrace.
            return Err(ReqlError::runtime(
                ErrorType::ResourceLimit,
                format!(
                    "Array over size limit `{}`.  To raise the number of allowed elements, modify the `array_limit` option to `.run` (not available in the Data Explorer), or use an index.",
                    self.array_limit
                ),
            )
            .unframed());
        }
        Ok(())
    }

    /// Evaluates a positional argument, marking errors with its index.
    pub fn arg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Val> {
        match args.get(i) {
            Some(t) => self
                .eval(t, env)
                .map(|v| framed(v, json!(i)))
                .map_err(|e| e.at(json!(i))),
            None => Err(ReqlError::compile("missing argument")),
        }
    }

    /// Evaluates a positional argument to a datum.
    pub fn darg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Value> {
        let v = self.arg(args, i, env)?;
        // A lazy sequence's rows carry their frames already (see `framed`).
        let lazy = matches!(v, Val::Seq(_));
        self.to_datum(v)
            .map_err(|e| if lazy { e } else { e.at(json!(i)) })
    }

    /// Evaluates a positional argument and checks its type with `f`.
    pub fn targ<T>(
        &self,
        args: &[Value],
        i: usize,
        env: &Env,
        f: impl Fn(&Value) -> RResult<T>,
    ) -> RResult<T> {
        let d = self.darg(args, i, env)?;
        f(&d).map_err(|e| e.at(json!(i)))
    }

    /// Evaluates an optarg to a datum, if present.
    pub fn opt(&self, opts: Opts<'_>, key: &str, env: &Env) -> RResult<Option<Value>> {
        match opts.and_then(|o| o.get(key)) {
            Some(t) => self
                .datum(t, env)
                .map(Some)
                .map_err(|e| e.at(Value::String(key.to_string()))),
            None => Ok(None),
        }
    }

    /// An optarg as a bool with a default.
    pub fn opt_bool(&self, opts: Opts<'_>, key: &str, env: &Env, dflt: bool) -> RResult<bool> {
        match self.opt(opts, key, env)? {
            Some(v) => datum::as_bool(&v).map_err(|e| e.at(Value::String(key.to_string()))),
            None => Ok(dflt),
        }
    }

    /// Whether the bound optarg `key` (`left_bound`, `right_bound`) is `want`; any other
    /// value counts as the default, as `between` and `during` read it.
    pub fn bound_is(&self, opts: Opts<'_>, key: &str, env: &Env, want: &str) -> RResult<bool> {
        Ok(self.opt(opts, key, env)?.as_ref().and_then(Value::as_str) == Some(want))
    }

    /// Evaluates a positional argument as a function (a datum becomes a constant function).
    pub fn farg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Func> {
        match self.arg(args, i, env)? {
            Val::Func(f) => Ok(f),
            _ => Err(ReqlError::logic("Expected type FUNCTION but found DATUM:").at(json!(i))),
        }
    }

    /// Argument `i` as a function, or, when it is not a FUNC term, as a function of no
    /// parameters whose body is that term (evaluated again for each row).
    pub fn func_or_term(&self, args: &[Value], i: usize, env: &Env) -> RResult<Func> {
        match args.get(i) {
            Some(t) if !super::ops::is_func_term(t) => Ok(Func {
                params: Vec::new(),
                body: Arc::new(t.clone()),
                env: env.clone(),
            }),
            _ => self.farg(args, i, env),
        }
    }

    /// Calls a function with datum arguments.
    pub fn call(&self, f: &Func, args: Vec<Value>) -> RResult<Value> {
        let v = self.call_val(f, args)?;
        self.to_datum(v)
    }

    /// Calls a function, returning any value.
    pub fn call_val(&self, f: &Func, args: Vec<Value>) -> RResult<Val> {
        if !f.params.is_empty() && f.params.len() != args.len() {
            // Blamed on the function's body (frame 1), as the server does.
            return Err(ReqlError::logic(format!(
                "Expected function with {} argument{} but found function with {} argument{}.",
                args.len(),
                if args.len() == 1 { "" } else { "s" },
                f.params.len(),
                if f.params.len() == 1 { "" } else { "s" }
            ))
            .at(json!(1)));
        }
        let mut env = f.env.clone();
        if args.len() == 1 {
            if lookup(&env, IMPLICIT).is_some() && uses_implicit(&f.body) {
                return Err(ReqlError::compile(
                    "Cannot use r.row in nested queries.  Use functions instead.",
                ));
            }
            env = bind(&env, IMPLICIT, args[0].clone());
        }
        for (p, a) in f.params.iter().zip(args) {
            env = bind(&env, *p, a);
        }
        // The body is argument 1 of the FUNC term, as the server's backtraces show.
        self.eval(&f.body, &env)
            .map(|v| framed(v, json!(1)))
            .map_err(|e| e.at(json!(1)))
    }

    /// Evaluates a term that must be a sequence (arrays and tables included).
    pub fn to_seq(&self, v: Val) -> RResult<Seq> {
        match v {
            Val::Seq(s) => Ok(s),
            Val::Table(t) => Ok(table_scan(t)),
            Val::Datum(Value::Array(a)) => Ok(Seq::array(a)),
            Val::Datum(d) => Err(ReqlError::logic(format!(
                "Cannot convert {} to SEQUENCE",
                datum::type_name(&d)
            ))),
            other => Err(ReqlError::logic(format!(
                "Cannot convert {} to SEQUENCE",
                val_type(&other)
            ))),
        }
    }

    /// Evaluates a positional argument as a sequence.
    pub fn sarg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Seq> {
        // The server blames the term that needed a sequence, not the operand.
        let v = self.arg(args, i, env)?;
        self.to_seq(v)
    }

    /// Expands `r.args` among positional arguments.
    fn splice_args(&self, args: &[Value], env: &Env) -> RResult<Option<Vec<Value>>> {
        if !args.iter().any(|a| parts(a).map(|p| p.0) == Some(T::Args)) {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (i, a) in args.iter().enumerate() {
            match parts(a) {
                Some((T::Args, inner, _)) => {
                    // A non-array is blamed on the `r.args` term itself.
                    let d = self.darg(inner, 0, env).map_err(|e| e.at(json!(i)))?;
                    let arr = as_arr(&d).map_err(|e| e.at(json!(i)))?.clone();
                    out.extend(arr.into_iter().map(|d| json!([T::Datum, [d]])));
                }
                _ => out.push(a.clone()),
            }
        }
        Ok(Some(out))
    }

    /// Evaluates a term of a known type; one of an unknown type fails as unsupported once
    /// its `r.args` are expanded, as before the type was looked at.
    fn eval_any(&self, tt: Option<T>, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        match tt {
            Some(tt) => self.eval_term(tt, args, opts, env),
            None => {
                self.splice_args(args, env)?;
                Err(ReqlError::unsupported("UNKNOWN_TERM"))
            }
        }
    }

    /// Evaluates one term by type.
    pub fn eval_term(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        if let Some(spliced) = self.splice_args(args, env)? {
            return self.eval_term(tt, &spliced, opts, env);
        }
        check_optargs(tt, opts)?;
        if let Some((min, max)) = super::signature::arity(tt) {
            let n = args.len();
            if n < min || max.is_some_and(|m| n > m) {
                return Err(ReqlError::compile(super::signature::arity_message(
                    min, max, n,
                )));
            }
        }
        let d = |v: Value| Ok(Val::Datum(v));
        match tt {
            T::Datum => d(args.first().cloned().unwrap_or(Value::Null)),
            T::MakeArray => {
                let mut out = Vec::with_capacity(args.len());
                for i in 0..args.len() {
                    out.push(self.darg(args, i, env)?);
                }
                self.check_array(out.len())?;
                let v = Value::Array(out);
                datum::check_depth(&v)?;
                d(v)
            }
            T::MakeObj => self.eval(&Value::Object(opts.cloned().unwrap_or_default()), env),
            T::Var => {
                let id = args
                    .first()
                    .and_then(Value::as_u64)
                    .ok_or_else(|| ReqlError::compile("Variable name not found."))?;
                lookup(env, id)
                    .cloned()
                    .map(Val::Datum)
                    .ok_or_else(|| ReqlError::compile("Variable name not found."))
            }
            T::ImplicitVar => lookup(env, IMPLICIT)
                .cloned()
                .map(Val::Datum)
                .ok_or_else(|| ReqlError::compile("r.row is not defined in this context.")),
            T::Func => self.func_term(args, env),
            T::Funcall => self.funcall(args, env),
            T::Branch => self.branch(args, env),
            T::Or | T::And => {
                let is_or = tt == T::Or;
                let mut last = Value::Bool(!is_or);
                for i in 0..args.len() {
                    last = self.darg(args, i, env)?;
                    if datum::truthy(&last) == is_or {
                        return d(last);
                    }
                }
                d(last)
            }
            T::Error => self.error_term(args, env),
            T::Default => self.eval_default(args, env),
            T::Minval => d(minval()),
            T::Maxval => d(maxval()),
            _ if super::time::calendar_number(tt).is_some() => {
                d(json!(super::time::calendar_number(tt)))
            }
            T::Asc | T::Desc => Err(ReqlError::logic(
                "ASC may only be used as an argument to ORDER_BY or UNION.",
            )),
            _ => self.eval_more(tt, args, opts, env),
        }
    }

    fn func_term(&self, args: &[Value], env: &Env) -> RResult<Val> {
        let params = args
            .first()
            .and_then(|p| parts(p))
            .and_then(|(_, ids, _)| ids.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            .ok_or_else(|| ReqlError::compile("Expected a list of parameters in FUNC."))?;
        let body = args.get(1).cloned().unwrap_or(Value::Null);
        Ok(Val::Func(Func {
            params,
            body: Arc::new(body),
            env: env.clone(),
        }))
    }

    fn funcall(&self, args: &[Value], env: &Env) -> RResult<Val> {
        let f = self.arg(args, 0, env)?;
        // A function applied to grouped data runs once per group.
        if let (Val::Func(func), 2) = (&f, args.len()) {
            let a = self.arg(args, 1, env)?;
            if let Val::Grouped(g) = a {
                let mut out = Vec::new();
                for (k, v) in g {
                    let r = self.call(func, vec![v]).map_err(|e| e.at(json!(0)))?;
                    out.push((k, r));
                }
                return Ok(Val::Grouped(out));
            }
            let lazy = matches!(a, Val::Seq(_));
            let d = self
                .to_datum(a)
                .map_err(|e| if lazy { e } else { e.at(json!(1)) })?;
            return self
                .call_val(func, vec![d])
                .map(|v| framed(v, json!(0)))
                .map_err(|e| e.at(json!(0)));
        }
        let mut vals = Vec::new();
        for i in 1..args.len() {
            vals.push(self.darg(args, i, env)?);
        }
        match f {
            Val::Func(f) => self
                .call_val(&f, vals)
                .map(|v| framed(v, json!(0)))
                .map_err(|e| e.at(json!(0))),
            other => Ok(other),
        }
    }

    fn branch(&self, args: &[Value], env: &Env) -> RResult<Val> {
        if args.len() < 3 {
            return Err(ReqlError::compile(format!(
                "Expected 3 or more arguments but found {}.",
                args.len()
            )));
        }
        if args.len().is_multiple_of(2) {
            return Err(ReqlError::logic(
                "Cannot call `branch` term with an even number of arguments.",
            ));
        }
        let mut i = 0;
        while i + 1 < args.len() {
            if datum::truthy(&self.darg(args, i, env)?) {
                return self.arg(args, i + 1, env);
            }
            i += 2;
        }
        self.arg(args, args.len() - 1, env)
    }

    fn error_term(&self, args: &[Value], env: &Env) -> RResult<Val> {
        let msg = match args.len() {
            0 => return Err(ReqlError::logic(EMPTY_ERROR)),
            1 => self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?,
            n => {
                return Err(ReqlError::compile(format!(
                    "Expected between 0 and 1 arguments but found {n}."
                )));
            }
        };
        Err(ReqlError::runtime(ErrorType::User, msg))
    }

    fn eval_more(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let call = Call {
            tt,
            args,
            opts,
            env,
        };
        let families = [
            Ctx::eval_datum_op,
            Ctx::eval_seq_op,
            Ctx::eval_write,
            Ctx::eval_admin,
            Ctx::eval_time,
        ];
        for family in families {
            if let Some(v) = family(self, call)? {
                return Ok(v);
            }
        }
        Err(unsupported(tt))
    }

    fn eval_default(&self, args: &[Value], env: &Env) -> RResult<Val> {
        let first = self.arg(args, 0, env).and_then(|v| match v {
            Val::Datum(x) => Ok(Val::Datum(x)),
            Val::Single(t, k, doc) => Ok(Val::Single(t, k, doc)),
            other => self.to_datum(other).map(Val::Datum),
        });
        let (err_msg, original) = match first {
            Ok(Val::Datum(Value::Null)) => (Value::Null, None),
            Ok(Val::Single(_, _, None)) => (Value::Null, None),
            Ok(v) => return Ok(v),
            Err(e) if e.is_non_existence() => (Value::String(e.message.clone()), Some(e)),
            Err(e) => return Err(e),
        };
        let result = match self.arg(args, 1, env) {
            Ok(Val::Func(f)) => self.call_val(&f, vec![err_msg]).map_err(|e| e.at(json!(1))),
            other => other,
        };
        match result {
            // `r.error()` inside a default re-raises what the default caught.
            Err(e) if e.message == EMPTY_ERROR => match original {
                Some(o) => Err(o),
                None => Ok(Val::Datum(Value::Null)),
            },
            other => other,
        }
    }
}

/// Fails on an optarg the term does not take, blaming that optarg as the server does.
pub fn check_optargs(tt: T, opts: Opts<'_>) -> RResult<()> {
    if let (Some(allowed), Some(o)) = (super::signature::optargs(tt), opts)
        && let Some(k) = o
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && k.as_str() != "return_vals")
    {
        return Err(
            ReqlError::compile(format!("Unrecognized optional argument `{k}`."))
                .at(Value::String(k.clone())),
        );
    }
    Ok(())
}

/// Checks an object that names a `$reql_type$` as the server does when it makes the datum,
/// and puts it in the server's canonical form (time zone `Z` is `+00:00`, base64 re-padded).
fn check_pseudo(m: &mut Map<String, Value>) -> RResult<()> {
    let Some(ty) = m
        .get("$reql_type$")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(());
    };
    match ty.as_str() {
        "TIME" => check_time_object(m),
        "BINARY" => {
            if let Some(k) = m
                .keys()
                .find(|k| !matches!(k.as_str(), "$reql_type$" | "data"))
            {
                return Err(ReqlError::logic(format!(
                    "Invalid binary pseudotype: illegal `{k}` key."
                )));
            }
            let data = m.get("data").ok_or_else(|| {
                ReqlError::logic("Invalid binary pseudotype: lacking `data` key.")
            })?;
            let bytes = decode_base64(as_str(data)?)?;
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            m.insert("data".into(), Value::String(data));
            Ok(())
        }
        "GEOMETRY" => Err(ReqlError::unsupported("GEOMETRY objects")),
        "LITERAL" | "GROUPED_DATA" | "MINVAL" | "MAXVAL" => Ok(()),
        other => Err(ReqlError::logic(format!(
            "Unknown $reql_type$ `PTYPE<{other}>`."
        ))),
    }
}

fn check_time_object(m: &mut Map<String, Value>) -> RResult<()> {
    let invalid = |why: String, m: &Map<String, Value>| {
        ReqlError::logic(format!(
            "Invalid time object constructed ({why}):\n{}",
            datum::print(&Value::Object(m.clone()))
        ))
    };
    for field in ["epoch_time", "timezone"] {
        if !m.contains_key(field) {
            return Err(invalid(format!("no field `{field}`"), m));
        }
    }
    if let Some(e) = m.get("epoch_time").filter(|e| !e.is_number()) {
        let why = format!(
            "field `epoch_time` must be a number (got `{}` of type {})",
            datum::print(e),
            datum::type_name(e)
        );
        return Err(invalid(why, m));
    }
    let tz = as_str(m.get("timezone").unwrap_or(&Value::Null))?.to_string();
    let (_, tz) = super::time::parse_tz(&tz)?;
    m.insert("timezone".into(), Value::String(tz));
    Ok(())
}

/// Decodes base64 as the server does: whitespace skipped, padding optional.
fn decode_base64(data: &str) -> RResult<Vec<u8>> {
    let mut clean = String::with_capacity(data.len());
    for c in data.chars().filter(|c| !c.is_ascii_whitespace()) {
        if clean.ends_with('=') && c != '=' {
            return Err(ReqlError::logic(
                "Invalid base64 format, data found after padding character '='.",
            ));
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) {
            return Err(ReqlError::logic(format!(
                "Invalid base64 character found: '{c}'."
            )));
        }
        clean.push(c);
    }
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&base64::alphabet::STANDARD, config)
        .decode(clean.trim_end_matches('='))
        .map_err(|e| ReqlError::logic(format!("Invalid base64 format: {e}.")))
}

/// A lazy sequence fails while it is read, after the term that made it has returned: its
/// rows' errors get the frame of where it was made here, so backtraces stay whole.
fn framed(v: Val, frame: Value) -> Val {
    match v {
        Val::Seq(mut s) => {
            let iter = std::mem::replace(&mut s.iter, Box::new(std::iter::empty()));
            s.iter = Box::new(iter.map(move |r| r.map_err(|e| e.at(frame.clone()))));
            Val::Seq(s)
        }
        other => other,
    }
}

/// Whether a term refers to the implicit variable (`r.row`).
fn uses_implicit(t: &Value) -> bool {
    match t {
        Value::Array(_) => match any_parts(t) {
            Some((Some(T::ImplicitVar), ..)) => true,
            Some((Some(T::Datum), ..)) => false,
            Some((_, args, opts)) => {
                args.iter().any(uses_implicit)
                    || opts.is_some_and(|o| o.values().any(uses_implicit))
            }
            None => false,
        },
        Value::Object(m) => m.values().any(uses_implicit),
        _ => false,
    }
}

/// Message of `r.error()` without a message outside `default`.
pub const EMPTY_ERROR: &str = "Empty ERROR term outside a default block.";

/// The error for a term type the sandbox does not implement.
pub fn unsupported(tt: T) -> ReqlError {
    ReqlError::unsupported(tt.name())
}

/// Converts grouped data into its GROUPED_DATA pseudo-type.
pub fn grouped_datum(g: Vec<(Value, Value)>) -> Value {
    let data: Vec<Value> = g.into_iter().map(|(k, v)| json!([k, v])).collect();
    json!({"$reql_type$": "GROUPED_DATA", "data": data})
}

/// Page size of table scans: the scan holds at most this many document handles.
const SCAN_PAGE: usize = 256;

/// A lazy, memory-friendly scan of a table in primary key order.
pub fn table_scan(t: Arc<Table>) -> Seq {
    let table = t.clone();
    let mut last: Option<super::datum::Key> = None;
    let mut buf: std::collections::VecDeque<Arc<Value>> = Default::default();
    let mut done = false;
    let iter = std::iter::from_fn(move || {
        if buf.is_empty() && !done {
            let page = table.page(last.as_ref(), SCAN_PAGE);
            if page.len() < SCAN_PAGE {
                done = true;
            }
            if let Some((k, _)) = page.last() {
                last = Some(k.clone());
            }
            buf.extend(page.into_iter().map(|(_, v)| v));
        }
        buf.pop_front().map(|d| Ok((*d).clone()))
    });
    Seq {
        iter: Box::new(iter),
        stream: true,
        table: Some(t.clone()),
        feed: Some(FeedSpec::Table(t)),
        type_name: "TABLE",
    }
}

/// Looks up an object field the way `get_field` does.
pub fn get_field(v: &Value, key: &str) -> RResult<Value> {
    get_field_as(v, key, "get_field")
}

/// Looks up an object field; `op` names the term in the error for pseudo-types.
pub fn get_field_as(v: &Value, key: &str, op: &str) -> RResult<Value> {
    if v.is_object() && datum::pseudo_type(v).is_some_and(|p| p != "GROUPED_DATA") {
        return Err(ReqlError::logic(format!(
            "Cannot call `{op}` on objects of type `{}`.",
            datum::type_name(v)
        )));
    }
    match v {
        Value::Object(m) if datum::pseudo_type(v).is_none() || m.contains_key(key) => {
            m.get(key).cloned().ok_or_else(|| {
                ReqlError::non_existence(format!(
                    "No attribute `{key}` in object:\n{}",
                    datum::print(v)
                ))
            })
        }
        _ => {
            let message = format!(
                "Cannot perform {op} on a non-object non-sequence `{}`.",
                datum::trunc_print(v)
            );
            // A field of nothing does not exist: `default` catches it, as on the server.
            Err(if v.is_null() {
                ReqlError::non_existence(message)
            } else {
                ReqlError::logic(message)
            })
        }
    }
}

/// Collects values into a map keyed by datum order (helper for distinct/group).
pub fn sorted_unique(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by(datum::cmp);
    v.dedup_by(|a, b| datum::eq(a, b));
    v
}
