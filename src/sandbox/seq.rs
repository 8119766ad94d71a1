//! Sequence terms: transformations, ordering, aggregation, grouping and joins.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::datum::{self, as_int, as_num, as_str};
use super::error::{RResult, ReqlError};
use super::eval::{Call, Ctx, Env, FeedSpec, Func, Opts, Seq, Val, get_field, parts, table_scan};
use super::ops::{check_args, check_min, is_func_term, nth, num_result};
use super::store::Table;
use crate::protocol::TermType as T;

thread_local! {
    /// Set while a field reduction runs for one group of grouped data.
    static GROUP_SKIP_EMPTY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Internal marker of a group that a field reduction drops.
const SKIP_GROUP: &str = "\u{0}skip group";

/// How many rows an infinite `r.range()` yields before it is treated as runaway.
const INFINITE_CAP: i64 = 10_000_000;

/// Terms that apply per group on grouped data.
const GROUPABLE: &[T] = &[
    T::Map,
    T::Filter,
    T::ConcatMap,
    T::OrderBy,
    T::Distinct,
    T::Count,
    T::Nth,
    T::Skip,
    T::Limit,
    T::Slice,
    T::Reduce,
    T::Fold,
    T::Sum,
    T::Avg,
    T::Min,
    T::Max,
    T::Contains,
    T::IsEmpty,
    T::OffsetsOf,
    T::Zip,
];

/// Whether a term contains a write or meta operation.
fn has_write(t: &Value) -> bool {
    match t {
        Value::Array(_) => match super::eval::any_parts(t) {
            Some((tt, args, opts)) => {
                matches!(
                    tt,
                    Some(
                        T::Update
                            | T::Delete
                            | T::Replace
                            | T::Insert
                            | T::DbCreate
                            | T::DbDrop
                            | T::DbList
                            | T::TableCreate
                            | T::TableDrop
                            | T::IndexCreate
                            | T::IndexDrop
                            | T::IndexRename
                            | T::Config
                            | T::Status
                            | T::Reconfigure
                            | T::Wait
                            | T::SetWriteHook
                    )
                ) || args.iter().any(has_write)
                    || opts.is_some_and(|o| o.values().any(has_write))
            }
            None => false,
        },
        Value::Object(m) => m.values().any(has_write),
        _ => false,
    }
}

/// A row predicate.
type Pred = Arc<dyn Fn(&Ctx, &Value) -> RResult<bool> + Send + Sync>;
/// A row value extractor.
type Extractor = Arc<dyn Fn(&Ctx, &Value) -> RResult<Value> + Send + Sync>;

/// A sort key: a field name or function, ascending or descending.
enum SortKey {
    Field(String, bool),
    Func(Func, bool),
}

impl Ctx {
    /// Sequence terms; None when `tt` is not one of them.
    pub fn eval_seq_op(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, opts, env) = call.parts();
        let known = matches!(
            tt,
            T::Map
                | T::Filter
                | T::ForEach
                | T::ConcatMap
                | T::OrderBy
                | T::Distinct
                | T::Count
                | T::Union
                | T::Nth
                | T::Skip
                | T::Limit
                | T::Slice
                | T::Reduce
                | T::Fold
                | T::Sum
                | T::Avg
                | T::Min
                | T::Max
                | T::Contains
                | T::IsEmpty
                | T::OffsetsOf
                | T::Zip
                | T::Group
                | T::Ungroup
                | T::InnerJoin
                | T::OuterJoin
                | T::EqJoin
                | T::Range
                | T::Sample
        );
        if !known {
            return Ok(None);
        }
        if tt == T::Range {
            return self.range(args, env).map(Some);
        }
        if tt == T::Union {
            return self.union(args, opts, env).map(Some);
        }
        check_min(args.len(), 1)?;
        let a0 = self.arg(args, 0, env)?;
        if let Val::Grouped(g) = a0 {
            if tt == T::Ungroup {
                let rows: Vec<Value> = g
                    .into_iter()
                    .map(|(k, v)| json!({"group": k, "reduction": v}))
                    .collect();
                return Ok(Some(Val::Datum(Value::Array(rows))));
            }
            if tt == T::Fold {
                return Err(ReqlError::logic(
                    "Cannot treat the output of `group` as a stream (did you mean to `ungroup`?).",
                )
                .at(json!(0)));
            }
            if !GROUPABLE.contains(&tt) {
                return Err(ReqlError::logic(
                    "Cannot call this term on grouped data.  Call `ungroup` first.",
                ));
            }
            let mut out = Vec::new();
            // Field reductions drop the groups where no row had the field, as the server does.
            let skip_empty = matches!(tt, T::Sum | T::Avg | T::Min | T::Max) && args.len() > 1;
            for (k, v) in g {
                GROUP_SKIP_EMPTY.with(|c| c.set(skip_empty));
                let r = self.seq_op(tt, Val::Datum(v), args, opts, env);
                GROUP_SKIP_EMPTY.with(|c| c.set(false));
                match r {
                    Ok(r) => out.push((k, self.to_datum(r)?)),
                    Err(e) if skip_empty && e.message == SKIP_GROUP => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(Some(Val::Grouped(out)));
        }
        if tt == T::Ungroup {
            let found = match a0 {
                Val::Datum(d) => format!("DATUM:\n{}", datum::print(&d)),
                other => format!("{}.", super::eval::val_type(&other)),
            };
            return Err(
                ReqlError::logic(format!("Expected type GROUPED_DATA but found {found}"))
                    .at(json!(0)),
            );
        }
        self.seq_op(tt, a0, args, opts, env).map(Some)
    }

    fn seq_op(&self, tt: T, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let n = args.len();
        if tt != T::ForEach && args.iter().skip(1).any(has_write) {
            return Err(ReqlError::compile(
                "Cannot nest writes or meta ops in stream operations.  Use FOR_EACH instead.",
            ));
        }
        match tt {
            T::Map if n > 2 => self.map_many(a0, args, env),
            T::Map | T::ConcatMap => self.map_rows(tt, a0, args, env),
            T::Filter => self.filter_rows(a0, args, opts, env),
            T::OrderBy => self.order_by(a0, args, opts, env),
            T::Distinct => self.distinct_rows(a0, opts, env),
            T::Count => self.count_rows(a0, args, env),
            T::Nth => self.nth_row(a0, args, env),
            T::Slice if matches!(&a0, Val::Datum(b) if datum::pseudo_type(b) == Some("BINARY")) => {
                self.slice_binary(a0, args, env)
            }
            T::Skip | T::Limit | T::Slice => self.slice_rows(tt, a0, args, opts, env),
            T::Reduce => self.reduce_rows(a0, args, env),
            T::Fold => self.fold_rows(a0, args, opts, env),
            T::Sum | T::Avg | T::Min | T::Max => self.aggregate(tt, a0, args, opts, env),
            T::Contains => self.contains_rows(a0, args, env),
            T::IsEmpty => {
                let mut seq = self.to_seq(a0)?;
                Ok(Val::Datum(Value::Bool(
                    seq.iter.next().transpose()?.is_none(),
                )))
            }
            T::OffsetsOf => self.offsets_of(a0, args, env),
            T::Zip => self.zip_rows(a0),
            T::Group => self.group(a0, args, opts, env),
            T::Sample => self.sample_rows(a0, args, env),
            T::ForEach => self.for_each(a0, args, env),
            T::InnerJoin | T::OuterJoin => self.join_rows(tt, a0, args, env),
            T::EqJoin => self.eq_join(a0, args, opts, env),
            _ => Err(super::eval::unsupported(tt)),
        }
    }

    fn map_many(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        let f = self.farg(args, n - 1, env)?;
        if !f.params.is_empty() && f.params.len() != n - 1 {
            let k = f.params.len();
            return Err(ReqlError::logic(format!(
                "The function passed to `map` expects {k} argument{}, but {} sequence{} found.",
                if k == 1 { "" } else { "s" },
                n - 1,
                if n - 1 == 1 { " was" } else { "s were" }
            )));
        }
        let mut iters = vec![self.to_seq(a0)?];
        for i in 1..n - 1 {
            iters.push(self.sarg(args, i, env)?);
        }
        let stream = iters.iter().any(|s| s.stream);
        let mut its: Vec<super::eval::RowIter> = iters.into_iter().map(|s| s.iter).collect();
        let ctx = self.clone();
        let last = n - 1;
        let it = std::iter::from_fn(move || {
            let mut row = Vec::with_capacity(its.len());
            for it in its.iter_mut() {
                match it.next()? {
                    Ok(v) => row.push(v),
                    Err(e) => return Some(Err(e)),
                }
            }
            Some(ctx.call(&f, row).map_err(|e| e.at(json!(last))))
        });
        Ok(Val::Seq(seq_like(stream, Box::new(it))))
    }

    fn map_rows(&self, tt: T, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        let f = self.farg(args, 1, env)?;
        if !f.params.is_empty() && f.params.len() != 1 && tt == T::Map {
            let k = f.params.len();
            return Err(ReqlError::logic(format!(
                "The function passed to `map` expects {k} arguments, but 1 sequence was found."
            )));
        }
        let seq = self.to_seq(a0)?;
        let ctx = self.clone();
        if tt == T::Map {
            let it = seq_map(seq.iter, move |r| {
                ctx.call(&f, vec![r]).map_err(|e| e.at(json!(1)))
            });
            return Ok(Val::Seq(seq_like(seq.stream, Box::new(it))));
        }
        let stream = seq.stream;
        let it = seq.iter.flat_map(
            move |r| -> Box<dyn Iterator<Item = RResult<Value>> + Send> {
                match r.and_then(|row| ctx.call(&f, vec![row]).map_err(|e| e.at(json!(1)))) {
                    Ok(Value::Array(a)) => Box::new(a.into_iter().map(Ok)),
                    // The function's result is not a sequence: its fault (frame 1).
                    Ok(other) => Box::new(std::iter::once(Err(ReqlError::logic(format!(
                        "Cannot convert {} to SEQUENCE",
                        datum::type_name(&other)
                    ))
                    .at(json!(1))))),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                }
            },
        );
        Ok(Val::Seq(seq_like(stream, Box::new(it))))
    }

    fn filter_rows(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        let seq = self.to_seq(a0)?;
        let dflt = opts.and_then(|o| o.get("default")).cloned();
        let pred: Pred = if is_func_term(&args[1]) {
            let f = self.farg(args, 1, env)?;
            let pattern = body_is_object(&f);
            Arc::new(move |c, row| {
                c.call(&f, vec![row.clone()])
                    .map(|v| predicate_result(row, &v, pattern))
            })
        } else {
            let spec = self.darg(args, 1, env)?;
            match spec {
                Value::Object(_) => Arc::new(move |_, row| Ok(matches_object(row, &spec))),
                other => {
                    let t = datum::truthy(&other);
                    Arc::new(move |_, _| Ok(t))
                }
            }
        };
        let ctx = self.clone();
        let env = env.clone();
        let Seq {
            iter: src,
            stream,
            table,
            ..
        } = seq;
        let it = src.filter_map(move |r| {
            let row = match r {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            let keep = match pred(&ctx, &row) {
                Ok(k) => k,
                Err(e) if e.is_non_existence() => match &dflt {
                    Some(t) => match ctx.filter_default(t, &env, e) {
                        Ok(keep) => keep,
                        Err(e) => return Some(Err(e)),
                    },
                    None => false,
                },
                Err(e) => return Some(Err(e.at(json!(1)))),
            };
            keep.then_some(Ok(row))
        });
        Ok(Val::Seq(Seq::rebuild(stream, table, Box::new(it), true)))
    }

    fn distinct_rows(&self, a0: Val, opts: Opts<'_>, env: &Env) -> RResult<Val> {
        if let (Val::Table(t), Some(ix)) = (&a0, self.opt(opts, "index", env)?) {
            let ix = as_str(&ix)?.to_string();
            let keys = self.index_entries(t, &ix)?;
            let uniq = super::eval::sorted_unique(keys.into_iter().map(|(k, _)| k).collect());
            return Ok(Val::Seq(Seq::stream(Box::new(uniq.into_iter().map(Ok)))));
        }
        let seq = self.to_seq(a0)?;
        let stream = seq.stream;
        let all = super::eval::sorted_unique(seq.collect()?);
        Ok(Val::Seq(seq_like(
            stream,
            Box::new(all.into_iter().map(Ok)),
        )))
    }

    fn count_rows(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        let seq = match a0 {
            Val::Datum(Value::String(s)) if n == 1 => {
                return Ok(Val::Datum(json!(s.chars().count())));
            }
            Val::Datum(Value::Object(m))
                if n == 1 && datum::pseudo_type(&Value::Object(m.clone())).is_none() =>
            {
                return Ok(Val::Datum(json!(m.len())));
            }
            Val::Datum(b) if n == 1 && datum::pseudo_type(&b) == Some("BINARY") => {
                use base64::Engine;
                let s = b.get("data").and_then(Value::as_str).unwrap_or_default();
                let len = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map(|v| v.len())
                    .unwrap_or(0);
                return Ok(Val::Datum(json!(len)));
            }
            Val::Table(t) if n == 1 => return Ok(Val::Datum(json!(t.len()))),
            Val::Single(_, _, Some(d)) if n == 1 => {
                return Ok(Val::Datum(json!(
                    d.as_object().map(|m| m.len()).unwrap_or(0)
                )));
            }
            other => self.to_seq(other)?,
        };
        let pred = if n > 1 {
            Some(self.pred_arg(args, 1, env)?)
        } else {
            None
        };
        let mut count = 0u64;
        for r in seq.iter {
            let row = r?;
            if let Some(p) = &pred
                && !p(self, &row)?
            {
                continue;
            }
            count += 1;
        }
        Ok(Val::Datum(json!(count)))
    }

    fn nth_row(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        let i = self.targ(args, 1, env, as_int)?;
        let table = match &a0 {
            Val::Seq(s) => s.table.clone(),
            Val::Table(t) => Some(t.clone()),
            _ => None,
        };
        let seq = self.to_seq(a0)?;
        let v = nth(seq, i)?;
        if let Some(t) = table {
            let key = v.get(&t.primary_key).cloned().unwrap_or(Value::Null);
            let doc = t.get(&key);
            return Ok(Val::Single(t, key, doc));
        }
        Ok(Val::Datum(v))
    }

    fn slice_binary(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        use base64::Engine;
        let Val::Datum(b) = a0 else {
            return Err(ReqlError::logic("Expected type BINARY"));
        };
        let engine = base64::engine::general_purpose::STANDARD;
        let bytes = engine
            .decode(b.get("data").and_then(Value::as_str).unwrap_or_default())
            .unwrap_or_default();
        let len = bytes.len() as i64;
        let st = self.targ(args, 1, env, as_int)?;
        let en = if n > 2 {
            self.targ(args, 2, env, as_int)?
        } else {
            len
        };
        let st = if st < 0 {
            (len + st).max(0)
        } else {
            st.min(len)
        } as usize;
        let en = if en < 0 {
            (len + en).max(0)
        } else {
            en.min(len)
        } as usize;
        let part = if st < en { &bytes[st..en] } else { &[][..] };
        Ok(Val::Datum(
            json!({"$reql_type$": "BINARY", "data": engine.encode(part)}),
        ))
    }

    fn slice_rows(
        &self,
        tt: T,
        a0: Val,
        args: &[Value],
        opts: Opts<'_>,
        env: &Env,
    ) -> RResult<Val> {
        let seq = match a0 {
            Val::Datum(Value::String(s)) if tt == T::Slice => {
                return self.slice_str(&s, args, opts, env);
            }
            Val::Datum(d) if tt == T::Slice && !d.is_array() => {
                return Err(ReqlError::logic(format!(
                    "Expected ARRAY, BINARY, or STRING, but found {}.",
                    datum::type_name(&d)
                ))
                .at(json!(0)));
            }
            other => self.to_seq(other)?,
        };
        // A selection is paged like a stream, also when it is an array.
        let paged = seq.stream || seq.table.is_some();
        let mut closed_minus_one = false;
        let (start, end, stream) = match tt {
            T::Skip => (self.targ(args, 1, env, as_int)?, None, seq.stream),
            T::Limit => (0, Some(self.targ(args, 1, env, as_int)?), seq.stream),
            _ => {
                let (s, e, minus_one) = self.slice_bounds(args, opts, env)?;
                closed_minus_one = minus_one;
                (s, e, seq.stream)
            }
        };
        if tt == T::Limit && end.is_some_and(|e| e < 0) {
            return Err(ReqlError::logic(
                "LIMIT takes a non-negative argument (got -1)",
            ));
        }
        // An array skips from its end; a stream cannot.
        if tt == T::Skip && start < 0 && paged {
            return Err(ReqlError::logic(
                "Cannot use a negative left index on a stream.",
            ));
        }
        if paged && tt == T::Slice {
            if start < 0 {
                return Err(ReqlError::logic(
                    "Cannot use a negative left index on a stream.",
                ));
            }
            match end {
                Some(e) if e < -1 => {
                    return Err(ReqlError::logic(
                        "Cannot use a right index < -1 on a stream.",
                    ));
                }
                Some(-1) => {
                    return Err(ReqlError::logic(
                        "Cannot slice to an open right index of -1 on a stream.",
                    ));
                }
                _ => {}
            }
        }
        let end = if end == Some(0) && tt == T::Slice && closed_minus_one {
            None
        } else {
            end
        };
        if start < 0 || end.is_some_and(|e| e < 0) {
            let out = slice_from_end(seq.collect()?, start, end);
            return Ok(Val::Seq(seq_like(
                stream,
                Box::new(out.into_iter().map(Ok)),
            )));
        }
        let start = start as usize;
        let feed = match (&seq.feed, tt) {
            (Some(FeedSpec::Ordered { table, index, desc }), T::Limit) => {
                Some(FeedSpec::OrderByLimit {
                    table: table.clone(),
                    index: index.clone(),
                    desc: *desc,
                    limit: end.unwrap_or(0) as usize,
                })
            }
            _ => None,
        };
        let take = end
            .map(|e| (e as usize).saturating_sub(start))
            .unwrap_or(usize::MAX);
        let Seq {
            iter: src,
            stream: st,
            table,
            ..
        } = seq;
        let it = src.skip(start).take(take);
        let mut s = Seq::rebuild(st, table, Box::new(it), true);
        s.feed = feed;
        Ok(Val::Seq(s))
    }

    /// `slice(start, end, {left_bound, right_bound})` as a half-open `[start, end)`, and
    /// whether the end was a closed `-1` (to the last element).
    fn slice_bounds(
        &self,
        args: &[Value],
        opts: Opts<'_>,
        env: &Env,
    ) -> RResult<(i64, Option<i64>, bool)> {
        let s = self.targ(args, 1, env, as_int)?;
        let e = if args.len() > 2 {
            Some(self.targ(args, 2, env, as_int)?)
        } else {
            None
        };
        let s = if self.bound_closed(opts, "left_bound", env, true)? {
            s
        } else {
            s + 1
        };
        let closed = self.bound_closed(opts, "right_bound", env, false)?;
        let closed_minus_one = closed && e == Some(-1);
        let e = match e {
            Some(-1) if closed => None,
            Some(e) if closed => Some(e + 1),
            e => e,
        };
        Ok((s, e, closed_minus_one))
    }

    fn reduce_rows(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        let f = self.farg(args, 1, env)?;
        let seq = self.to_seq(a0)?;
        let mut acc: Option<Value> = None;
        for r in seq.iter {
            let row = r?;
            acc = Some(match acc {
                None => row,
                Some(a) => self.call(&f, vec![a, row]).map_err(|e| e.at(json!(1)))?,
            });
        }
        // The server reports this from inside the reduction function's body.
        acc.map(Val::Datum).ok_or_else(|| {
            ReqlError::non_existence("Cannot reduce over an empty stream.")
                .at(json!(1))
                .at(json!(1))
        })
    }

    fn fold_rows(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 3)?;
        if opts.is_some_and(|o| o.contains_key("emit")) {
            return Err(ReqlError::unsupported("FOLD with emit"));
        }
        let mut acc = self.darg(args, 1, env)?;
        let f = self.farg(args, 2, env)?;
        let seq = self.to_seq(a0)?;
        for r in seq.iter {
            acc = self.call(&f, vec![acc, r?]).map_err(|e| e.at(json!(2)))?;
        }
        if let Some(t) = opts.and_then(|o| o.get("final_emit")) {
            let fe = match self.eval(t, env).map_err(|e| e.at(json!("final_emit")))? {
                Val::Func(f) => f,
                _ => {
                    return Err(ReqlError::logic("Expected type FUNCTION but found DATUM:"));
                }
            };
            acc = self
                .call(&fe, vec![acc])
                .map_err(|e| e.at(json!("final_emit")))?;
        }
        Ok(Val::Datum(acc))
    }

    fn contains_rows(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        let seq = self.to_seq(a0)?;
        let rows = seq.collect()?;
        for i in 1..n {
            let p = self.pred_arg(args, i, env)?;
            let mut found = false;
            for r in &rows {
                if p(self, r)? {
                    found = true;
                    break;
                }
            }
            if !found {
                return Ok(Val::Datum(Value::Bool(false)));
            }
        }
        Ok(Val::Datum(Value::Bool(true)))
    }

    fn offsets_of(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        let p = self.pred_arg(args, 1, env)?;
        let seq = self.to_seq(a0)?;
        let mut out = Vec::new();
        for (i, r) in seq.iter.enumerate() {
            if p(self, &r?)? {
                out.push(json!(i));
            }
        }
        Ok(Val::Datum(Value::Array(out)))
    }

    fn zip_rows(&self, a0: Val) -> RResult<Val> {
        let seq = self.to_seq(a0)?;
        let stream = seq.stream;
        let it = seq_map(seq.iter, |row| {
            if !row.is_object() {
                return Err(datum::expected("OBJECT", &row));
            }
            let l = get_field(&row, "left")
                .map_err(|_| ReqlError::logic("ZIP can only be called on the result of a join."))?;
            match row.get("right") {
                Some(r) => Ok(super::ops::merge_values(l, r.clone())),
                None => Ok(l),
            }
        });
        Ok(Val::Seq(seq_like(stream, Box::new(it))))
    }

    fn sample_rows(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let k = self.targ(args, 1, env, as_int)?;
        if k < 0 {
            return Err(ReqlError::logic(format!(
                "Number of items to sample must be non-negative, got `{k}`."
            )));
        }
        let seq = self.to_seq(a0)?;
        // Reservoir sampling keeps memory at k rows.
        let k = k as usize;
        let mut res: Vec<Value> = Vec::with_capacity(k.min(1024));
        for (i, r) in seq.iter.enumerate() {
            let row = r?;
            if res.len() < k {
                res.push(row);
            } else {
                let j = (super::ops::random_u64() % (i as u64 + 1)) as usize;
                if j < k {
                    res[j] = row;
                }
            }
        }
        Ok(Val::Datum(Value::Array(res)))
    }

    fn for_each(&self, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 2)?;
        // A write term that is not a function is run once per row.
        let f = self.func_or_term(args, 1, env)?;
        let seq = self.to_seq(a0)?;
        let mut acc = Map::new();
        const NOT_WRITE: &str = "FOR_EACH expects one or more basic write queries.";
        for r in seq.iter {
            let res = match self.call_val(&f, vec![r?]).map_err(|e| e.at(json!(1)))? {
                Val::Datum(d) => d,
                _ => return Err(ReqlError::logic(NOT_WRITE).at(json!(1)).at(json!(1))),
            };
            let parts = match res {
                Value::Array(a) => a,
                Value::Object(m) => vec![Value::Object(m)],
                other => {
                    return Err(ReqlError::logic(format!(
                        "{NOT_WRITE}  Expected type ARRAY but found {}.",
                        datum::type_name(&other)
                    ))
                    .at(json!(1))
                    .at(json!(1)));
                }
            };
            for p in parts {
                let Value::Object(m) = p else {
                    return Err(ReqlError::logic(format!(
                        "{NOT_WRITE}  Expected type OBJECT but found {}.",
                        datum::type_name(&p)
                    ))
                    .at(json!(1))
                    .at(json!(1)));
                };
                merge_write_results(&mut acc, m);
            }
        }
        Ok(Val::Datum(Value::Object(acc)))
    }

    fn join_rows(&self, tt: T, a0: Val, args: &[Value], env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 3)?;
        let left = self.to_seq(a0)?;
        let stream = left.stream;
        let right = self.sarg(args, 1, env)?.collect()?;
        let f = self.farg(args, 2, env)?;
        let mut out = Vec::new();
        for l in left.iter {
            let l = l?;
            let mut matched = false;
            for r in &right {
                if datum::truthy(
                    &self
                        .call(&f, vec![l.clone(), r.clone()])
                        .map_err(|e| e.at(json!(2)))?,
                ) {
                    matched = true;
                    out.push(json!({"left": l.clone(), "right": r.clone()}));
                }
            }
            if !matched && tt == T::OuterJoin {
                out.push(json!({"left": l}));
            }
        }
        Ok(Val::Seq(seq_like(
            stream,
            Box::new(out.into_iter().map(Ok)),
        )))
    }

    fn eq_join(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let n = args.len();
        check_args(n, 3)?;
        let left = self.to_seq(a0)?;
        let stream = left.stream;
        let key_f: Result<Func, String> = if is_func_term(&args[1]) {
            Ok(self.farg(args, 1, env)?)
        } else {
            Err(self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?)
        };
        let table = match self.arg(args, 2, env)? {
            Val::Table(t) => t,
            other => {
                return Err(ReqlError::logic(format!(
                    "Expected type TABLE but found {}.",
                    super::eval::val_type(&other)
                ))
                .at(json!(2)));
            }
        };
        let index = match self.opt(opts, "index", env)? {
            Some(v) => as_str(&v)?.to_string(),
            None => table.primary_key.clone(),
        };
        let ctx = self.clone();
        let it = iter_flat(left.iter, move |l| {
            let key = match &key_f {
                Ok(f) => match ctx.call(f, vec![l.clone()]) {
                    Err(e) if e.is_non_existence() => return Ok(Vec::new()),
                    other => other,
                },
                Err(field) => match get_field(&l, field) {
                    Ok(v) => Ok(v),
                    Err(e) if e.is_non_existence() => return Ok(Vec::new()),
                    Err(e) => Err(e),
                },
            }?;
            let rights = ctx.lookup_index(&table, &index, &[key])?;
            Ok(rights
                .into_iter()
                .map(|r| json!({"left": l.clone(), "right": r}))
                .collect())
        });
        Ok(Val::Seq(seq_like(stream, it)))
    }

    /// Whether a row whose predicate found nothing is kept: the `default` optarg, evaluated
    /// only when needed (as the server does); `r.error()` in it re-raises what was missing.
    fn filter_default(&self, t: &Value, env: &Env, missing: ReqlError) -> RResult<bool> {
        let v = match self.eval(t, env) {
            Ok(Val::Func(f)) => self.call(&f, vec![Value::String(missing.message.clone())]),
            Ok(v) => self.to_datum(v),
            Err(e) => Err(e),
        };
        match v {
            Ok(d) => Ok(datum::truthy(&d)),
            Err(e) if e.message == super::eval::EMPTY_ERROR => Err(missing.at(json!(1))),
            Err(e) => Err(e.at(json!("default"))),
        }
    }

    /// A `left_bound`/`right_bound` optarg: true for "closed", false for "open".
    fn bound_closed(&self, opts: Opts<'_>, key: &str, env: &Env, dflt: bool) -> RResult<bool> {
        match self.opt(opts, key, env)? {
            None => Ok(dflt),
            Some(v) => match v.as_str() {
                Some("closed") => Ok(true),
                Some("open") => Ok(false),
                _ => Err(ReqlError::logic(format!(
                    "Expected `open` or `closed` for optarg `{key}` (got `{}`).",
                    datum::print(&v)
                ))),
            },
        }
    }

    fn slice_str(&self, s: &str, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let chars: Vec<char> = s.chars().collect();
        let len = chars.len() as i64;
        let st = self.targ(args, 1, env, as_int)?;
        let en = if args.len() > 2 {
            self.targ(args, 2, env, as_int)?
        } else {
            len
        };
        let left_open = !self.bound_closed(opts, "left_bound", env, true)?;
        let right_closed = self.bound_closed(opts, "right_bound", env, false)?;
        let st = if st < 0 { len + st } else { st } + i64::from(left_open);
        let en = if en < 0 { len + en } else { en } + i64::from(right_closed);
        let st = st.clamp(0, len) as usize;
        let en = en.clamp(0, len) as usize;
        Ok(Val::Datum(Value::String(if st < en {
            chars[st..en].iter().collect()
        } else {
            String::new()
        })))
    }

    /// A predicate argument: a function, or a value compared for equality.
    fn pred_arg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Pred> {
        if is_func_term(&args[i]) {
            let f = self.farg(args, i, env)?;
            // Errors of the function are framed by its argument position, as everywhere.
            Ok(Arc::new(move |c, row| {
                let pattern = body_is_object(&f);
                c.call(&f, vec![row.clone()])
                    .map(|v| predicate_result(row, &v, pattern))
                    .map_err(|e| e.at(json!(i)))
            }))
        } else {
            let v = self.darg(args, i, env)?;
            Ok(Arc::new(move |_, row| Ok(datum::eq(row, &v))))
        }
    }

    /// A value-extractor argument: a field name or a function.
    fn extractor(&self, args: &[Value], i: usize, env: &Env) -> RResult<Extractor> {
        if is_func_term(&args[i]) {
            let f = self.farg(args, i, env)?;
            Ok(Arc::new(move |c, row| {
                c.call(&f, vec![row.clone()]).map_err(|e| e.at(json!(i)))
            }))
        } else {
            let k = self.targ(args, i, env, |v| as_str(v).map(str::to_string))?;
            Ok(Arc::new(move |_, row| get_field(row, &k)))
        }
    }

    fn aggregate(&self, tt: T, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let name = match tt {
            T::Sum => "sum",
            T::Avg => "avg",
            T::Min => "min",
            _ => "max",
        };
        if let (Val::Table(t), Some(ix)) = (&a0, self.opt(opts, "index", env)?) {
            let ix = as_str(&ix)?.to_string();
            let mut entries = self.index_entries(t, &ix)?;
            entries.sort_by(|a, b| datum::cmp(&a.0, &b.0));
            let pick = if tt == T::Min {
                entries.into_iter().next()
            } else {
                entries.into_iter().last()
            };
            return pick
                .map(|(_, d)| Val::Datum((*d).clone()))
                .ok_or_else(|| empty_agg(name));
        }
        let seq = self.to_seq(a0)?;
        let ex = if args.len() > 1 {
            Some(self.extractor(args, 1, env)?)
        } else {
            None
        };
        let mut sum = 0.0;
        let mut count = 0usize;
        let mut best: Option<(Value, Value)> = None;
        for r in seq.iter {
            let row = r?;
            let v = match &ex {
                Some(f) => match f(self, &row) {
                    Ok(v) => v,
                    Err(e) if e.is_non_existence() => continue,
                    Err(e) => return Err(e),
                },
                None => row.clone(),
            };
            match tt {
                // The server leaves nulls out of sums and averages.
                T::Sum | T::Avg if v.is_null() => {}
                T::Sum | T::Avg => {
                    sum += as_num(&v)?;
                    count += 1;
                }
                _ => {
                    let better = match &best {
                        None => true,
                        Some((b, _)) => {
                            let c = datum::cmp(&v, b);
                            if tt == T::Min {
                                c == Ordering::Less
                            } else {
                                c == Ordering::Greater
                            }
                        }
                    };
                    if better {
                        best = Some((v, row));
                    }
                }
            }
        }
        if GROUP_SKIP_EMPTY.with(|c| c.get()) && ex.is_some() && count == 0 && best.is_none() {
            return Err(ReqlError::non_existence(SKIP_GROUP));
        }
        match tt {
            T::Sum => Ok(Val::Datum(num_result(sum)?)),
            T::Avg => {
                if count == 0 {
                    return Err(empty_agg(name));
                }
                Ok(Val::Datum(num_result(sum / count as f64)?))
            }
            _ => best
                .map(|(_, row)| Val::Datum(row))
                .ok_or_else(|| empty_agg(name)),
        }
    }

    fn group(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let multi = self.opt_bool(opts, "multi", env, false)?;
        let index = self.opt(opts, "index", env)?;
        let mut exs = Vec::new();
        for i in 1..args.len() {
            if !is_func_term(&args[i]) {
                let d = self.darg(args, i, env)?;
                if !d.is_string() {
                    // A non-field datum groups every row under that constant.
                    exs.push(Arc::new(move |_: &Ctx, _: &Value| Ok(d.clone())) as Extractor);
                    continue;
                }
            }
            exs.push(self.extractor(args, i, env)?);
        }
        if exs.is_empty() && index.is_none() {
            return Err(ReqlError::logic("Cannot group by nothing."));
        }
        let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
        let mut push =
            |k: Value, row: Value| match groups.binary_search_by(|(g, _)| datum::cmp(g, &k)) {
                Ok(i) => groups[i].1.push(row),
                Err(i) => groups.insert(i, (k, vec![row])),
            };
        let rows: Vec<(Option<Value>, Value)> = match (&a0, index) {
            (Val::Table(t), Some(ix)) => {
                let ix = as_str(&ix)?.to_string();
                self.index_entries(t, &ix)?
                    .into_iter()
                    .map(|(k, d)| (Some(k), (*d).clone()))
                    .collect()
            }
            _ => {
                let seq = self.to_seq(a0)?;
                seq.collect()?.into_iter().map(|r| (None, r)).collect()
            }
        };
        for (ixkey, row) in rows {
            let mut keys = Vec::new();
            for f in &exs {
                keys.push(match f(self, &row) {
                    Ok(v) => v,
                    Err(e) if e.is_non_existence() => Value::Null,
                    Err(e) => return Err(e),
                });
            }
            // The index value comes after the fields in a compound group key.
            if let Some(k) = ixkey {
                keys.push(k);
            }
            if !multi {
                let key = if keys.len() == 1 {
                    keys.pop().unwrap_or(Value::Null)
                } else {
                    Value::Array(keys)
                };
                push(key, row);
                continue;
            }
            // Multi grouping: an array value stands for each of its elements (an empty
            // array for null), combined across the group fields.
            let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
            for k in &keys {
                let choices = match k {
                    Value::Array(a) if a.is_empty() => vec![Value::Null],
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                let mut next = Vec::with_capacity(combos.len() * choices.len());
                for c in &combos {
                    for ch in &choices {
                        let mut c2 = c.clone();
                        c2.push(ch.clone());
                        next.push(c2);
                    }
                }
                combos = next;
            }
            // A value repeated in the array puts the row in its group once per repeat.
            for mut c in combos {
                let key = if c.len() == 1 {
                    c.pop().unwrap_or(Value::Null)
                } else {
                    Value::Array(c)
                };
                push(key, row.clone());
            }
        }
        Ok(Val::Grouped(
            groups
                .into_iter()
                .map(|(k, v)| (k, Value::Array(v)))
                .collect(),
        ))
    }

    /// The sort keys of `orderBy(key, r.desc(key), ...)`: field names or functions.
    fn sort_keys(&self, args: &[Value], env: &Env) -> RResult<Vec<SortKey>> {
        let mut keys = Vec::new();
        for (i, t) in args.iter().enumerate().skip(1) {
            let (inner, desc) = asc_desc(t);
            if is_func_term(&inner) {
                let f = self
                    .farg(std::slice::from_ref(&inner), 0, env)
                    .map_err(|e| e.at(json!(i)))?;
                keys.push(SortKey::Func(f, desc));
            } else {
                let d = self.datum(&inner, env).map_err(|e| e.at(json!(i)))?;
                match d {
                    Value::String(s) => keys.push(SortKey::Field(s, desc)),
                    other => {
                        return Err(ReqlError::logic(format!(
                            "Expected type STRING but found {}.",
                            datum::type_name(&other)
                        ))
                        .at(json!(i)));
                    }
                }
            }
        }
        Ok(keys)
    }

    /// `orderBy({index})`, on a table or a table slice, with more keys after the index's.
    fn indexed_order_by(&self, a0: Val, keys: &[SortKey], ix: String, desc: bool) -> RResult<Val> {
        const NOT_SLICE: &str = "Indexed order_by can only be performed on a TABLE or TABLE_SLICE. Make sure order_by comes before any transformations (such as map) or filters.";
        let table = match &a0 {
            Val::Table(t) => t.clone(),
            Val::Seq(s) if s.type_name == "TABLE_SLICE" => {
                if matches!(s.feed, Some(FeedSpec::Ordered { .. })) {
                    return Err(ReqlError::logic(
                        "Cannot perform multiple indexed ORDER_BYs on the same table.",
                    )
                    .at(json!(0)));
                }
                match &s.table {
                    Some(t) => t.clone(),
                    None => return Err(ReqlError::logic(NOT_SLICE)),
                }
            }
            _ => return Err(ReqlError::logic(NOT_SLICE)),
        };
        if let (Val::Table(_), true, true) = (&a0, ix == table.primary_key, keys.is_empty()) {
            let mut s = table_scan(table.clone());
            if desc {
                let snap = table.snapshot();
                s.iter = Box::new(snap.into_iter().rev().map(|d| Ok((*d).clone())));
            }
            s.type_name = "TABLE_SLICE";
            s.feed = Some(FeedSpec::Ordered {
                table,
                index: ix,
                desc,
            });
            return Ok(Val::Seq(s));
        }
        // Rows stay shared with the table until they are sent.
        let entries: Vec<(Value, Arc<Value>)> = if let Val::Seq(s) = a0 {
            let mut entries = Vec::new();
            for r in s.iter {
                let d = Arc::new(r?);
                for k in self.index_keys(&table, &ix, &d)? {
                    entries.push((k, d.clone()));
                }
            }
            entries
        } else {
            self.index_entries(&table, &ix)?
        };
        let pk = table.primary_key.clone();
        let mut keyed = Vec::with_capacity(entries.len());
        for (k, d) in entries {
            let mut ks = vec![k];
            ks.extend(self.sort_values(&d, keys)?);
            ks.push(d.get(&pk).cloned().unwrap_or(Value::Null));
            keyed.push((ks, d));
        }
        let mut dirs = vec![desc];
        dirs.extend(
            keys.iter()
                .map(|k| matches!(k, SortKey::Field(_, true) | SortKey::Func(_, true))),
        );
        dirs.push(desc);
        let rows = sort_keyed(keyed, &dirs);
        let mut s = Seq::stream(Box::new(rows.into_iter().map(|d| Ok((*d).clone()))));
        s.type_name = "TABLE_SLICE";
        s.table = Some(table.clone());
        s.feed = Some(FeedSpec::Ordered {
            table,
            index: ix,
            desc,
        });
        Ok(Val::Seq(s))
    }

    fn order_by(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        let keys = self.sort_keys(args, env)?;
        let index = match opts.and_then(|o| o.get("index")) {
            Some(t) => {
                let (inner, desc) = asc_desc(t);
                let name = self.datum(&inner, env).map_err(|e| e.at(json!("index")))?;
                Some((
                    as_str(&name).map_err(|e| e.at(json!("index")))?.to_string(),
                    desc,
                ))
            }
            None => None,
        };
        if let Some((ix, desc)) = index {
            return self.indexed_order_by(a0, &keys, ix, desc);
        }
        if keys.is_empty() {
            return Err(ReqlError::compile(
                "Expected 2 or more arguments but found 1.",
            ));
        }
        let seq = self.to_seq(a0)?;
        let table = seq.table.clone();
        let rows = match self.to_datum(Val::Seq(seq))? {
            Value::Array(a) => a,
            _ => Vec::new(),
        };
        let rows = self.sort_rows(rows, &keys)?;
        let mut s = Seq::array(rows);
        s.table = table;
        s.type_name = if s.table.is_some() {
            "SELECTION<ARRAY>"
        } else {
            "ARRAY"
        };
        Ok(Val::Seq(s))
    }

    /// The sort values of a row; a missing field sorts first (as `r.minval`).
    fn sort_values(&self, r: &Value, keys: &[SortKey]) -> RResult<Vec<Value>> {
        let mut ks = Vec::with_capacity(keys.len());
        for k in keys {
            let v = match k {
                SortKey::Field(f, _) => get_field(r, f),
                SortKey::Func(f, _) => self.call(f, vec![r.clone()]),
            };
            ks.push(match v {
                Ok(v) => v,
                Err(e) if e.is_non_existence() => super::eval::minval(),
                Err(e) => return Err(e),
            });
        }
        Ok(ks)
    }

    fn sort_rows(&self, rows: Vec<Value>, keys: &[SortKey]) -> RResult<Vec<Value>> {
        self.check_array(rows.len())?;
        // The server computes keys while comparing: fewer than two rows compute none.
        if keys.is_empty() || rows.len() < 2 {
            return Ok(rows);
        }
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            keyed.push((self.sort_values(&r, keys)?, r));
        }
        let dirs: Vec<bool> = keys
            .iter()
            .map(|k| matches!(k, SortKey::Field(_, true) | SortKey::Func(_, true)))
            .collect();
        Ok(sort_keyed(keyed, &dirs))
    }

    fn union(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Val> {
        if opts.is_some_and(|o| o.contains_key("interleave")) {
            return Err(ReqlError::unsupported("UNION with interleave"));
        }
        let mut seqs = Vec::new();
        let mut stream = false;
        for i in 0..args.len() {
            let s = self.sarg(args, i, env)?;
            stream |= s.stream;
            seqs.push(s.iter);
        }
        let it = seqs.into_iter().flatten();
        Ok(Val::Seq(seq_like(stream, Box::new(it))))
    }

    fn range(&self, args: &[Value], env: &Env) -> RResult<Val> {
        let (start, end) = match args.len() {
            0 => (0, None),
            1 => (0, Some(self.targ(args, 0, env, as_int)?)),
            2 => (
                self.targ(args, 0, env, as_int)?,
                Some(self.targ(args, 1, env, as_int)?),
            ),
            n => {
                return Err(ReqlError::compile(format!(
                    "Expected between 0 and 2 arguments but found {n}."
                )));
            }
        };
        // A long range may be consumed without evaluating a term per row (`count`): it looks
        // at the interrupt itself.
        let stop = self.interrupt.clone();
        let it: super::eval::RowIter = match end {
            Some(e) => Box::new((start..e.max(start)).map(move |i| {
                stop.check()?;
                Ok(json!(i))
            })),
            // An infinite range cannot be tracked through aggregations here, so an endless
            // consumer is stopped with the server's message after a very long run.
            None => Box::new((start..).map(move |i| {
                stop.check()?;
                if i - start >= INFINITE_CAP {
                    Err(ReqlError::logic(
                        "Cannot use an infinite stream with an aggregation function (`reduce`, `count`, etc.) or coerce it to an array.",
                    ))
                } else {
                    Ok(json!(i))
                }
            })),
        };
        Ok(Val::Seq(Seq::stream(it)))
    }

    /// Index keys of a document for an index (empty when the document is not indexed).
    pub fn index_keys(&self, t: &Table, index: &str, doc: &Value) -> RResult<Vec<Value>> {
        if index == t.primary_key {
            return Ok(doc.get(index).cloned().into_iter().collect());
        }
        let def = super::store::read(&t.data)
            .indexes
            .get(index)
            .cloned()
            .ok_or_else(|| {
                ReqlError::op_failed(format!(
                    "Index `{index}` was not found on table `{}`.",
                    t.display()
                ))
                .unframed()
            })?;
        let f = match self.eval(&def.function, &None)? {
            Val::Func(f) => f,
            _ => return Ok(Vec::new()),
        };
        let v = match self.call(&f, vec![doc.clone()]) {
            Ok(v) => v,
            Err(_) => return Ok(Vec::new()),
        };
        let keys = match v {
            Value::Array(a) if def.multi => a,
            v => vec![v],
        };
        // The server indexes no key that holds a null, also inside a compound key.
        Ok(keys.into_iter().filter(|k| !holds_null(k)).collect())
    }

    /// Every (index key, document) pair of a table for an index.
    pub fn index_entries(&self, t: &Table, index: &str) -> RResult<Vec<(Value, Arc<Value>)>> {
        let mut out = Vec::new();
        if index != t.primary_key && !super::store::read(&t.data).indexes.contains_key(index) {
            return Err(ReqlError::op_failed(format!(
                "Index `{index}` was not found on table `{}`.",
                t.display()
            ))
            .unframed());
        }
        for d in t.snapshot() {
            for k in self.index_keys(t, index, &d)? {
                out.push((k, d.clone()));
            }
        }
        Ok(out)
    }

    /// Documents whose index value equals one of the keys, in key order.
    pub fn lookup_index(&self, t: &Table, index: &str, keys: &[Value]) -> RResult<Vec<Value>> {
        // r.minval / r.maxval are bounds, never stored keys.
        let keys: Vec<Value> = keys
            .iter()
            .filter(|k| !datum::contains_bound(k))
            .cloned()
            .collect();
        if index == t.primary_key {
            return Ok(keys
                .iter()
                .filter_map(|k| t.get(k))
                .map(|d| (*d).clone())
                .collect());
        }
        let entries = self.index_entries(t, index)?;
        let mut out = Vec::new();
        for k in &keys {
            for (ik, d) in &entries {
                if datum::eq(ik, k) {
                    out.push((**d).clone());
                }
            }
        }
        Ok(out)
    }
}

/// Sums two write results as `forEach` does: numbers add, arrays concatenate, the first
/// error wins.
pub fn merge_write_results(acc: &mut Map<String, Value>, m: Map<String, Value>) {
    for (k, v) in m {
        let merged = match (acc.remove(&k), v) {
            (Some(Value::Number(a)), Value::Number(b)) => {
                datum::from_f64(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0))
            }
            (Some(Value::Array(mut a)), Value::Array(b)) => {
                a.extend(b);
                Value::Array(a)
            }
            (Some(old), _) => old,
            (None, v) => v,
        };
        acc.insert(k, merged);
    }
}

/// Stable sort of rows by their key vectors, each key with its direction.
fn sort_keyed<T>(mut keyed: Vec<(Vec<Value>, T)>, desc: &[bool]) -> Vec<T> {
    keyed.sort_by(|a, b| {
        for (i, d) in desc.iter().enumerate() {
            let c = datum::cmp(&a.0[i], &b.0[i]);
            let c = if *d { c.reverse() } else { c };
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

fn holds_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(holds_null),
        _ => false,
    }
}

fn empty_agg(name: &str) -> ReqlError {
    let what = if name == "avg" { "average" } else { name };
    ReqlError::non_existence(format!(
        "Cannot take the {what} of an empty stream.  (If you passed `{name}` a field name, it may be that no elements of the stream had that field.)"
    ))
}

/// Rows `[start, end)` of an array where a negative index counts from its end.
fn slice_from_end(all: Vec<Value>, start: i64, end: Option<i64>) -> Vec<Value> {
    let len = all.len() as i64;
    let s = if start < 0 {
        (len + start).max(0)
    } else {
        start.min(len)
    } as usize;
    let e = match end {
        Some(e) if e < 0 => (len + e).max(0),
        Some(e) => e.min(len),
        None => len,
    } as usize;
    if s < e {
        all[s..e].to_vec()
    } else {
        Vec::new()
    }
}

/// The key inside `r.asc(key)` / `r.desc(key)` and whether it is descending.
fn asc_desc(t: &Value) -> (Value, bool) {
    match parts(t) {
        Some((T::Asc, a, _)) => (a.first().cloned().unwrap_or(Value::Null), false),
        Some((T::Desc, a, _)) => (a.first().cloned().unwrap_or(Value::Null), true),
        _ => (t.clone(), false),
    }
}

/// Whether a function's body is an object literal or a datum: then an object result is
/// a pattern to match, as the server decides from the body's term type.
fn body_is_object(f: &Func) -> bool {
    super::ops::is_datum_term(&f.body)
}

/// A predicate function's result: an object is matched against the row, anything else
/// counts by truthiness.
fn predicate_result(row: &Value, v: &Value, pattern: bool) -> bool {
    if pattern && v.is_object() && datum::pseudo_type(v).is_none() {
        matches_object(row, v)
    } else {
        datum::truthy(v)
    }
}

/// Whether a row matches an object predicate (nested objects match recursively).
pub fn matches_object(row: &Value, spec: &Value) -> bool {
    match (row, spec) {
        _ if datum::pseudo_type(spec) == Some("LITERAL") => {
            datum::eq(row, spec.get("value").unwrap_or(&Value::Null))
        }
        (Value::Object(r), Value::Object(s)) if datum::pseudo_type(spec).is_none() => s
            .iter()
            .all(|(k, v)| r.get(k).is_some_and(|rv| matches_object(rv, v))),
        _ => datum::eq(row, spec),
    }
}

fn seq_map(
    it: super::eval::RowIter,
    f: impl Fn(Value) -> RResult<Value> + Send + 'static,
) -> impl Iterator<Item = RResult<Value>> + Send {
    it.map(move |r| r.and_then(&f))
}

/// A sequence of the given kind (stream or array) without selection.
pub fn seq_like(stream: bool, iter: super::eval::RowIter) -> Seq {
    if stream {
        Seq::stream(iter)
    } else {
        Seq {
            iter,
            ..Seq::array(Vec::new())
        }
    }
}

fn iter_flat(
    it: super::eval::RowIter,
    f: impl Fn(Value) -> RResult<Vec<Value>> + Send + 'static,
) -> super::eval::RowIter {
    Box::new(it.flat_map(
        move |r| -> Box<dyn Iterator<Item = RResult<Value>> + Send> {
            match r.and_then(&f) {
                Ok(v) => Box::new(v.into_iter().map(Ok)),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    ))
}
