//! The sandbox: an in-memory RethinkDB-compatible evaluator over wire terms.
//!
//! `Sandbox::start(term, global_optargs)` evaluates a START query's term and returns a
//! `Response` (an `Outcome` plus an optional profile) or a `ReqlError` shaped like the
//! server's error responses. How a server maps them onto the wire:
//!
//! - `Outcome::Atom(v)` → SUCCESS_ATOM with `r: [v]`.
//! - `Outcome::Sequence(s)` → `s.next_batch(n)` per START/CONTINUE: SUCCESS_PARTIAL while
//!   not finished, SUCCESS_SEQUENCE with the last rows; an `Err` mid-stream is sent as the
//!   error response for that token.
//! - `Outcome::Feed(f)` → SUCCESS_PARTIAL batches with `n: f.notes`: first `f.ready_rows()`,
//!   then rows from `f.next().await` (cancel-safe, so it can race a STOP in `select!`)
//!   topped up with `f.drain_ready()`; dropping the feed ends it.
//! - `Err(e)` → `t: e.kind.response_type()`, `r: [e.message]`, `b: e.backtrace`, and for
//!   runtime errors `e: ErrorType::code()`.
//! - `Response::profile` → `p` when the query set `profile: true`.
//!
//! Evaluation is synchronous and takes short std locks, so a server runs `start` and
//! `next_batch` on a blocking thread (`spawn_blocking`); `Sandbox` is a cheap `Clone`
//! shared by every connection. Anything the sandbox does not implement is a RUNTIME_ERROR
//! (QUERY_LOGIC) that says so, never an approximate answer.

pub mod admin;
pub mod cluster;
pub mod datum;
pub mod demo;
pub mod error;
pub mod eval;
pub mod feed;
pub mod job;
pub mod ops;
pub mod printer;
pub mod seq;
pub mod server;
pub mod signature;
pub mod store;
pub mod time;
pub mod write;

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::protocol::RUN_OPTARGS;
use crate::protocol::TermType as T;

pub use error::{ErrorKind, ErrorType, ReqlError};
pub use feed::Feed;
pub use store::Store;

use eval::{Ctx, Val, parts};

/// Refuses `r.row` inside more than one single-parameter function, as the server does when
/// it compiles the query, naming the path to it.
fn check_implicit(term: &Value, depth: usize, path: &mut Vec<Value>) -> Result<(), ReqlError> {
    let mut visit = |child: &Value, frame: Value, depth: usize| {
        path.push(frame);
        let r = check_implicit(child, depth, path);
        path.pop();
        r
    };
    match term {
        Value::Object(m) => {
            for (k, v) in m {
                visit(v, json!(k), depth)?;
            }
        }
        Value::Array(_) => match eval::any_parts(term) {
            Some((Some(T::Datum), ..)) | None => {}
            Some((Some(T::ImplicitVar), ..)) if depth > 1 => {
                let mut e = ReqlError::compile(
                    "Cannot use r.row in nested queries.  Use functions instead.",
                );
                e.backtrace = path.clone();
                return Err(e);
            }
            Some((tt, args, opts)) => {
                let one_param = tt == Some(T::Func)
                    && args
                        .first()
                        .and_then(parts)
                        .is_some_and(|(_, ids, _)| ids.len() == 1);
                for (i, a) in args.iter().enumerate() {
                    let d = if one_param && i == 1 {
                        depth + 1
                    } else {
                        depth
                    };
                    visit(a, json!(i), d)?;
                }
                for (k, v) in opts.into_iter().flatten() {
                    visit(v, json!(k), depth)?;
                }
            }
        },
        _ => {}
    }
    Ok(())
}

/// A `squash` value, checked as the server checks it: true or a number of seconds squashes.
fn squash_option(v: &Value) -> Result<bool, ReqlError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_f64().is_some_and(|f| f < 0.0) => Err(ReqlError::logic(
            "Expected BOOL or a positive NUMBER but found a negative NUMBER.",
        )),
        // Changes already wait in the feed's queue until the reader asks; the seconds
        // the server would wait on top are not waited.
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f > 0.0)),
        other => Err(ReqlError::logic(format!(
            "Expected BOOL or NUMBER but found {}.",
            datum::type_name(other)
        ))),
    }
}

/// A `changefeed_queue_size` value, checked as the server checks it.
fn feed_queue_size(v: &Value) -> Result<usize, ReqlError> {
    let n = datum::as_int(v)?;
    if n < 1 {
        return Err(ReqlError::logic(format!(
            "Illegal changefeed queue size `{n}`.  (Must be >= 1.)"
        )));
    }
    Ok(n as usize)
}

/// A stream of result rows, pulled in batches by the server.
pub struct RowStream {
    iter: eval::RowIter,
}

impl RowStream {
    /// Up to `max` next rows, and whether the stream is finished.
    pub fn next_batch(&mut self, max: usize) -> Result<(Vec<Value>, bool), ReqlError> {
        let mut out = Vec::new();
        while out.len() < max {
            match self.iter.next() {
                Some(r) => out.push(datum::canonical(r?)),
                None => return Ok((out, true)),
            }
        }
        Ok((out, false))
    }
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowStream")
    }
}

/// What a query produced.
pub enum Outcome {
    /// A single datum (SUCCESS_ATOM).
    Atom(Value),
    /// A stream (SUCCESS_SEQUENCE / SUCCESS_PARTIAL).
    Sequence(RowStream),
    /// A changefeed (SUCCESS_PARTIAL until STOP), with its response notes.
    Feed(Box<Feed>),
}

/// The result of `start`: the outcome and, with `profile: true`, a profile value.
pub struct Response {
    /// Atom, stream or feed.
    pub outcome: Outcome,
    /// Profile (sent as `p`) when the query asked for it.
    pub profile: Option<Value>,
}

/// The in-memory server state shared by all connections.
#[derive(Clone, Default)]
pub struct Sandbox {
    store: Arc<Store>,
    jobs: Arc<job::Jobs>,
}

impl Sandbox {
    /// A sandbox with only the empty `test` database.
    pub fn new() -> Self {
        Sandbox {
            store: Arc::new(Store::new()),
            jobs: Arc::default(),
        }
    }

    /// A sandbox seeded with the `demo` database.
    pub fn with_demo() -> Self {
        let s = Self::new();
        demo::seed(&s);
        s
    }

    /// The store (for seeding and inspection).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The running queries, listed by `rethinkdb.jobs` (the server registers them).
    pub fn jobs(&self) -> &Arc<job::Jobs> {
        &self.jobs
    }

    /// The server name reported by SERVER_INFO.
    pub fn server_info(&self) -> Value {
        json!({"id": self.store.server_id, "name": self.store.server_name, "proxy": false})
    }

    /// Evaluates the term of a START query with its global optargs.
    pub fn start(
        &self,
        term: &Value,
        global_optargs: &Map<String, Value>,
    ) -> Result<Response, ReqlError> {
        self.start_job(None, job::Interrupt::default(), term, global_optargs)
    }

    /// [`Sandbox::start`] for the query listed in `rethinkdb.jobs` under `job` (its key): a
    /// delete on the jobs table that matches its own row counts it but does not interrupt it.
    /// Setting `interrupt` stops the evaluation (and the paging of its stream).
    pub fn start_job(
        &self,
        job: Option<Value>,
        interrupt: job::Interrupt,
        term: &Value,
        global_optargs: &Map<String, Value>,
    ) -> Result<Response, ReqlError> {
        for k in global_optargs.keys() {
            // The run options, and two more the server's list holds (`use_outdated` gets its
            // own message below).
            if !RUN_OPTARGS.contains(&k.as_str())
                && !matches!(k.as_str(), "use_outdated" | "right_bound")
            {
                return Err(ReqlError::compile(format!(
                    "Unrecognized global optional argument `{k}`."
                )));
            }
        }
        if global_optargs.contains_key("use_outdated") {
            return Err(ReqlError::logic(
                "The `use_outdated` optarg is no longer supported.  Use the `read_mode` optarg instead.",
            ));
        }
        let now = time::epoch_to_time(chrono::Utc::now().timestamp_millis() as f64 / 1000.0);
        let mut ctx = Ctx {
            store: self.store.clone(),
            now,
            default_db: "test".to_string(),
            array_limit: eval::DEFAULT_ARRAY_LIMIT,
            jobs: self.jobs.clone(),
            job,
            profiler: None,
            interrupt,
            feed_queue_size: store::DEFAULT_FEED_QUEUE,
        };
        if let Some(q) = global_optargs.get("changefeed_queue_size") {
            ctx.feed_queue_size = feed_queue_size(&ctx.datum(q, &None)?)?;
        }
        if let Some(l) = global_optargs.get("array_limit") {
            let l = datum::as_num(&ctx.datum(l, &None)?)?;
            if l < 1.0 {
                return Err(ReqlError::logic(format!(
                    "Illegal array size limit `{}`.  (Must be >= 1.)",
                    datum::format_num(l)
                )));
            }
            ctx.array_limit = l as usize;
        }
        if let Some(db) = global_optargs.get("db") {
            match ctx.eval(db, &None).map_err(|e| e.at(json!("db")))? {
                Val::Db(name) => ctx.default_db = name,
                Val::Datum(Value::String(name)) => ctx.default_db = name,
                _ => {
                    return Err(ReqlError::logic(
                        "Expected type DATABASE for the `db` global optarg.",
                    ));
                }
            }
        }
        let profile = match global_optargs.get("profile") {
            Some(p) => datum::truthy(&ctx.datum(p, &None)?),
            None => false,
        };
        let datum = profile && !term.is_array();
        if profile {
            let profiler = Arc::new(eval::Profiler::default());
            if datum {
                // A bare value is one task, as the server reports it.
                profiler.enter("Evaluating datum.".into());
            }
            ctx.profiler = Some(profiler);
        }
        let outcome = self.run(&ctx, term);
        if datum && let Some(p) = &ctx.profiler {
            p.leave();
        }
        let outcome = outcome?;
        let profile = ctx.profiler.as_ref().map(|p| p.take());
        Ok(Response { outcome, profile })
    }

    fn run(&self, ctx: &Ctx, term: &Value) -> Result<Outcome, ReqlError> {
        check_implicit(term, 0, &mut Vec::new())?;
        if let Some((T::Changes, args, opts)) = parts(term) {
            eval::check_optargs(T::Changes, opts)?;
            let queue_size = match ctx.opt(opts, "changefeed_queue_size", &None)? {
                Some(v) => feed_queue_size(&v)?,
                None => ctx.feed_queue_size,
            };
            let squash = match ctx.opt(opts, "squash", &None)? {
                Some(v) => squash_option(&v).map_err(|e| e.at(json!("squash")))?,
                None => false,
            };
            let o = feed::FeedOptions {
                queue_size,
                squash,
                include_initial: ctx.opt_bool(opts, "include_initial", &None, false)?,
                include_states: ctx.opt_bool(opts, "include_states", &None, false)?,
                include_types: ctx.opt_bool(opts, "include_types", &None, false)?,
            };
            if ctx.opt_bool(opts, "include_offsets", &None, false)? {
                return Err(ReqlError::unsupported("CHANGES with include_offsets"));
            }
            if let Some((table, chain)) = args.first().and_then(feed::split_chain)
                && !chain.is_empty()
            {
                let t = ctx.eval(&table, &None).map_err(|e| e.at(json!(0)))?;
                return Ok(Outcome::Feed(Box::new(Feed::open_chain(ctx, t, chain, o)?)));
            }
            let target = ctx.arg(args, 0, &None)?;
            return Ok(Outcome::Feed(Box::new(Feed::open(ctx, target, o)?)));
        }
        let v = ctx.eval(term, &None)?;
        Ok(match v {
            Val::Seq(s) if s.stream => Outcome::Sequence(RowStream { iter: s.iter }),
            Val::Table(t) => Outcome::Sequence(RowStream {
                iter: eval::table_scan(t).iter,
            }),
            Val::Db(_) => {
                return Err(ReqlError::logic(
                    "Query result must be of type DATUM, GROUPED_DATA, or STREAM (got DATABASE).",
                ));
            }
            Val::Func(_) => {
                return Err(ReqlError::logic(
                    "Query result must be of type DATUM, GROUPED_DATA, or STREAM (got FUNCTION).",
                ));
            }
            other => {
                let v = ctx.to_datum(other)?;
                if let Some(frames) = ops::literal_path(&v) {
                    let mut e = ReqlError::logic(ops::STRAY_LITERAL);
                    e.backtrace = frames;
                    return Err(e);
                }
                if datum::contains_bound(&v) {
                    let which = if datum::print(&v).contains("MINVAL") {
                        "minval"
                    } else {
                        "maxval"
                    };
                    return Err(ReqlError::logic(format!(
                        "Cannot convert `r.{which}` to JSON."
                    )));
                }
                Outcome::Atom(datum::canonical(v))
            }
        })
    }
}
