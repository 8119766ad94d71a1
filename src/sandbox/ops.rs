//! Datum operations: comparison, math, logic, arrays, objects, strings, types.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::datum::{self, as_arr, as_int, as_num, as_str, from_f64, type_name};
use super::error::{RResult, ReqlError};
use super::eval::{Call, Ctx, Env, Opts, Seq, Val, get_field_as, parts, val_type};
use crate::protocol::TermType as T;

/// A per-row transformation: Some(row) keeps it, None drops it.
pub type RowFn = Arc<dyn Fn(&Ctx, Value) -> RResult<Option<Value>> + Send + Sync>;

impl Ctx {
    /// Applies a row function to a sequence, an array, grouped data or a single datum.
    pub fn rowwise(
        &self,
        a0: Val,
        f: RowFn,
        keeps_selection: bool,
        on_single: bool,
    ) -> RResult<Val> {
        match a0 {
            Val::Datum(Value::Array(a)) => {
                let mut out = Vec::new();
                for x in a {
                    if let Some(y) = f(self, x)? {
                        out.push(y);
                    }
                }
                Ok(Val::Datum(Value::Array(out)))
            }
            Val::Grouped(g) => {
                let mut out = Vec::new();
                for (k, v) in g {
                    let r = self.rowwise(Val::Datum(v), f.clone(), keeps_selection, on_single)?;
                    out.push((k, self.to_datum(r)?));
                }
                Ok(Val::Grouped(out))
            }
            Val::Datum(d) if on_single => Ok(Val::Datum(f(self, d)?.unwrap_or(Value::Null))),
            Val::Single(_, _, doc) if on_single => {
                let d = doc.map(|d| (*d).clone()).unwrap_or(Value::Null);
                Ok(Val::Datum(f(self, d)?.unwrap_or(Value::Null)))
            }
            Val::Datum(d) => Err(ReqlError::logic(format!(
                "Cannot convert {} to SEQUENCE",
                type_name(&d)
            ))),
            other => {
                let seq = self.to_seq(other)?;
                let ctx = self.clone();
                let it = seq.iter.filter_map(move |r| match r {
                    Ok(v) => f(&ctx, v).transpose(),
                    Err(e) => Some(Err(e)),
                });
                let s = Seq::rebuild(seq.stream, seq.table, Box::new(it), keeps_selection);
                Ok(Val::Seq(s))
            }
        }
    }

    /// Datum-level terms; None when `tt` is not one of them.
    pub fn eval_datum_op(&self, call: Call<'_>) -> RResult<Option<Val>> {
        if let Some(v) = self.eval_math(call)? {
            return Ok(Some(v));
        }
        if let Some(v) = self.eval_array_op(call)? {
            return Ok(Some(v));
        }
        self.eval_object_op(call)
    }

    /// Comparison, arithmetic, bit and rounding terms; None for other terms.
    fn eval_math(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, opts, env) = call.parts();
        let n = args.len();
        let v = match tt {
            T::Eq | T::Ne | T::Lt | T::Le | T::Gt | T::Ge => {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    vals.push(self.darg(args, i, env)?);
                }
                let ok = match tt {
                    T::Eq => vals.windows(2).all(|w| datum::eq(&w[0], &w[1])),
                    T::Ne => !vals.windows(2).all(|w| datum::eq(&w[0], &w[1])),
                    T::Lt => vals.windows(2).all(|w| datum::cmp(&w[0], &w[1]).is_lt()),
                    T::Le => vals.windows(2).all(|w| datum::cmp(&w[0], &w[1]).is_le()),
                    T::Gt => vals.windows(2).all(|w| datum::cmp(&w[0], &w[1]).is_gt()),
                    _ => vals.windows(2).all(|w| datum::cmp(&w[0], &w[1]).is_ge()),
                };
                Value::Bool(ok)
            }
            T::Not => {
                check_args(n, 1)?;
                Value::Bool(!datum::truthy(&self.darg(args, 0, env)?))
            }
            T::Add => self.add(args, env)?,
            // Arithmetic checks its operands' values, so the server blames the operation
            // itself, not the operand (mod's integer checks excepted).
            T::Sub | T::Mul | T::Div => return self.arith(tt, args, env),
            T::Mod => {
                check_args(n, 2)?;
                let a = self.targ(args, 0, env, as_int)?;
                let b = self.targ(args, 1, env, as_int)?;
                if b == 0 {
                    return Err(ReqlError::logic("Cannot take a number modulo 0."));
                }
                json!(a % b)
            }
            T::Random => return self.random(tt, args, opts, env),
            T::BitAnd | T::BitOr | T::BitXor | T::BitNot => {
                let mut acc = bit_int(&self.darg(args, 0, env)?).map_err(|e| e.at(json!(0)))?;
                if tt == T::BitNot {
                    return Ok(Some(Val::Datum(json!(!acc))));
                }
                for i in 1..n {
                    let rhs = bit_int(&self.darg(args, i, env)?).map_err(|e| e.at(json!(i)))?;
                    acc = match tt {
                        T::BitAnd => acc & rhs,
                        T::BitOr => acc | rhs,
                        _ => acc ^ rhs,
                    };
                }
                json!(acc)
            }
            T::BitSal | T::BitSar => {
                let lhs = bit_int(&self.darg(args, 0, env)?).map_err(|e| e.at(json!(0)))?;
                let rhs = self.targ(args, 1, env, as_int)?;
                if rhs < 0 {
                    return Err(ReqlError::logic("Cannot bit-shift by a negative value"));
                }
                if tt == T::BitSal {
                    let r = if lhs == 0 {
                        0.0
                    } else if rhs < 4096 {
                        (lhs as f64) * 2f64.powi(rhs as i32)
                    } else {
                        f64::INFINITY
                    };
                    num_result(r)?
                } else if rhs > 63 {
                    json!(if lhs < 0 { -1 } else { 0 })
                } else {
                    json!(lhs >> rhs)
                }
            }
            T::Floor | T::Ceil | T::Round => {
                check_args(n, 1)?;
                let x = self.targ(args, 0, env, as_num)?;
                from_f64(match tt {
                    T::Floor => x.floor(),
                    T::Ceil => x.ceil(),
                    _ => x.round(),
                })
            }
            _ => return Ok(None),
        };
        self.datum_result(tt, v)
    }

    fn arith(&self, tt: T, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let v = {
            check_min(n, 1)?;
            let first = self.darg(args, 0, env)?;
            grouped_arith(&first)?;
            if tt == T::Sub && datum::pseudo_type(&first) == Some("TIME") {
                return Ok(Some(Val::Datum(self.time_sub(first, args, env)?)));
            }
            if tt == T::Mul {
                // Multiplying an array by integers repeats it.
                let mut vals = vec![first.clone()];
                for i in 1..n {
                    vals.push(self.darg(args, i, env)?);
                }
                if let Some(pos) = vals.iter().position(Value::is_array) {
                    let arr = vals[pos].as_array().cloned().unwrap_or_default();
                    let mut out = arr;
                    for (i, v) in vals.iter().enumerate() {
                        if i == pos {
                            continue;
                        }
                        let k = as_int(v)?;
                        self.check_array(out.len().saturating_mul(k.max(0) as usize))?;
                        let base = out.clone();
                        out = Vec::new();
                        for _ in 0..k.max(0) {
                            out.extend(base.iter().cloned());
                        }
                    }
                    return Ok(Some(Val::Datum(Value::Array(out))));
                }
                let mut acc = 1.0;
                for v in &vals {
                    acc *= as_num(v)?;
                }
                return Ok(Some(Val::Datum(num_result(acc)?)));
            }
            let mut acc = as_num(&first)?;
            for i in 1..n {
                let x = as_num(&self.darg(args, i, env)?)?;
                acc = match tt {
                    T::Sub => acc - x,
                    T::Mul => acc * x,
                    _ => {
                        if x == 0.0 {
                            return Err(ReqlError::logic("Cannot divide by zero."));
                        }
                        acc / x
                    }
                };
            }
            num_result(acc)?
        };
        self.datum_result(tt, v)
    }

    fn random(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let v = {
            let float = self.opt_bool(opts, "float", env, false)?;
            let (lo, hi) = match n {
                0 if opts.is_some_and(|o| o.contains_key("float")) && !float => {
                    return Err(ReqlError::logic(
                        "Generating a random integer requires one or two bounds.",
                    ));
                }
                0 => return Ok(Some(Val::Datum(from_f64(random_unit())))),
                1 => (0.0, self.targ(args, 0, env, as_num)?),
                _ => (
                    self.targ(args, 0, env, as_num)?,
                    self.targ(args, 1, env, as_num)?,
                ),
            };
            if float {
                if lo > hi {
                    return Err(ReqlError::logic(format!(
                        "Lower bound ({}) is not less than upper bound ({}).",
                        datum::format_num(lo),
                        datum::format_num(hi)
                    )));
                }
                from_f64(lo + random_unit() * (hi - lo))
            } else {
                let whole = |x: f64, which: &str| {
                    if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 {
                        Ok(x as i64)
                    } else {
                        Err(ReqlError::logic(format!(
                            "{which} bound ({}) could not be safely converted to an integer.",
                            datum::format_num(x)
                        )))
                    }
                };
                let lo_i = whole(lo, "Lower")?;
                let hi_i = whole(hi, "Upper")?;
                if lo_i >= hi_i {
                    return Err(ReqlError::logic(format!(
                        "Lower bound ({lo_i}) is not less than upper bound ({hi_i})."
                    )));
                }
                let span = (hi_i - lo_i) as u64;
                json!(lo_i + (random_u64() % span) as i64)
            }
        };
        self.datum_result(tt, v)
    }

    /// Array terms: append, prepend, set operations, insert/delete/change/splice at; None for other terms.
    fn eval_array_op(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, _, env) = call.parts();
        let n = args.len();
        let v = match tt {
            T::Append | T::Prepend => {
                check_args(n, 2)?;
                let mut a = self.targ(args, 0, env, |v| as_arr(v).cloned())?;
                let x = self.darg(args, 1, env)?;
                if tt == T::Append {
                    a.push(x)
                } else {
                    a.insert(0, x)
                }
                Value::Array(a)
            }
            T::Difference | T::SetInsert | T::SetIntersection | T::SetUnion | T::SetDifference => {
                check_args(n, 2)?;
                let a = self.targ(args, 0, env, |v| as_arr(v).cloned())?;
                let b = if tt == T::SetInsert {
                    vec![self.darg(args, 1, env)?]
                } else {
                    self.targ(args, 1, env, |v| as_arr(v).cloned())?
                };
                let has = |set: &[Value], x: &Value| set.iter().any(|y| datum::eq(x, y));
                let mut out: Vec<Value> = Vec::new();
                match tt {
                    T::Difference => out = a.into_iter().filter(|x| !has(&b, x)).collect(),
                    T::SetInsert | T::SetUnion => {
                        for x in a.into_iter().chain(b) {
                            if !has(&out, &x) {
                                out.push(x);
                            }
                        }
                    }
                    T::SetIntersection => {
                        for x in a {
                            if has(&b, &x) && !has(&out, &x) {
                                out.push(x);
                            }
                        }
                    }
                    _ => {
                        for x in a {
                            if !has(&b, &x) && !has(&out, &x) {
                                out.push(x);
                            }
                        }
                    }
                }
                Value::Array(out)
            }
            T::InsertAt | T::DeleteAt | T::ChangeAt | T::SpliceAt => {
                self.array_at(tt, args, env)?
            }
            _ => return Ok(None),
        };
        self.datum_result(tt, v)
    }

    /// Object, string and conversion terms; None for other terms.
    fn eval_object_op(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, _, env) = call.parts();
        let n = args.len();
        let v = match tt {
            T::Keys | T::Values => {
                check_args(n, 1)?;
                let name = if tt == T::Keys { "keys" } else { "values" };
                let o = self.targ(args, 0, env, |v| plain_obj(v, name).cloned())?;
                let mut keys: Vec<(String, Value)> = o.into_iter().collect();
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Array(if tt == T::Keys {
                    keys.into_iter().map(|(k, _)| Value::String(k)).collect()
                } else {
                    keys.into_iter().map(|(_, v)| v).collect()
                })
            }
            T::Object => return self.object_term(tt, args, env),
            T::Literal => {
                let mut m = Map::new();
                m.insert("$reql_type$".into(), json!("LITERAL"));
                if n > 0 {
                    let inner = self.darg(args, 0, env)?;
                    if literal_path(&inner).is_some() {
                        return Err(ReqlError::logic(STRAY_LITERAL).at(json!(0)));
                    }
                    m.insert("value".into(), inner);
                }
                Value::Object(m)
            }
            T::GetField | T::Bracket => return self.bracket(tt, args, env).map(Some),
            T::HasFields | T::WithFields | T::Pluck | T::Without => {
                return self.paths_op(tt, args, env).map(Some);
            }
            T::Merge => return self.merge(args, env).map(Some),
            T::TypeOf => {
                check_args(n, 1)?;
                let v = self.arg(args, 0, env)?;
                if let Val::Grouped(_) = v {
                    // GROUPED_STREAM or GROUPED_DATA depends on how the groups were read.
                    return Err(ReqlError::unsupported("TYPE_OF on grouped data"));
                }
                Value::String(match &v {
                    Val::Seq(s) => s.type_name.to_string(),
                    other => val_type(other),
                })
            }
            T::CoerceTo => return self.coerce(args, env).map(Some),
            T::Match => {
                check_args(n, 2)?;
                let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
                let p = self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?;
                regex_match(&s, &p)?
            }
            T::Upcase | T::Downcase => {
                check_args(n, 1)?;
                let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
                // The server changes the case of ASCII letters only.
                Value::String(if tt == T::Upcase {
                    s.to_ascii_uppercase()
                } else {
                    s.to_ascii_lowercase()
                })
            }
            T::Split => return self.split_term(tt, args, env),
            T::Json => {
                let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
                parse_json(&s)?
            }
            T::ToJsonString => {
                let v = self.darg(args, 0, env)?;
                no_bounds(&v)?;
                Value::String(datum::server_json(&datum::canonical(v))?)
            }
            T::Uuid => match n {
                0 => Value::String(uuid::Uuid::new_v4().to_string()),
                _ => {
                    let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
                    let ns = uuid::Uuid::parse_str("91461c99-f89d-49d2-af96-d8e2e14e9b58")
                        .unwrap_or_default();
                    Value::String(uuid::Uuid::new_v5(&ns, s.as_bytes()).to_string())
                }
            },
            T::Binary => {
                let v = self.darg(args, 0, env)?;
                match &v {
                    Value::String(s) => {
                        use base64::Engine;
                        json!({"$reql_type$": "BINARY", "data": base64::engine::general_purpose::STANDARD.encode(s.as_bytes())})
                    }
                    _ if datum::pseudo_type(&v) == Some("BINARY") => v,
                    _ => return Err(datum::expected("STRING", &v).at(json!(0))),
                }
            }
            _ => return Ok(None),
        };
        self.datum_result(tt, v)
    }

    fn object_term(&self, tt: T, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let v = {
            if !n.is_multiple_of(2) {
                return Err(ReqlError::logic(format!(
                    "OBJECT expects an even number of arguments (but found {n})."
                )));
            }
            let mut m = Map::new();
            for i in (0..n).step_by(2) {
                let k = self.targ(args, i, env, |v| as_str(v).map(str::to_string))?;
                let v = self.darg(args, i + 1, env)?;
                if let Some(old) = m.get(&k) {
                    return Err(ReqlError::logic(format!(
                        "Duplicate key {} in object.  (got {} and {} as values)",
                        Value::String(k.clone()),
                        datum::print(old),
                        datum::print(&v)
                    )));
                }
                m.insert(k, v);
            }
            Value::Object(m)
        };
        self.datum_result(tt, v)
    }

    fn split_term(&self, tt: T, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let v = {
            let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
            let sep = if n > 1 {
                self.darg(args, 1, env)?
            } else {
                Value::Null
            };
            let max = if n > 2 {
                Some(self.targ(args, 2, env, as_int)?)
            } else {
                None
            };
            let sep = match sep {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => return Err(datum::expected("STRING", &other).at(json!(1))),
            };
            split(&s, sep.as_deref(), max)
        };
        self.datum_result(tt, v)
    }

    /// A datum term's value, checked for depth (when it can nest) and the array limit.
    fn datum_result(&self, tt: T, v: Value) -> RResult<Option<Val>> {
        if matches!(
            tt,
            T::Append
                | T::Prepend
                | T::InsertAt
                | T::DeleteAt
                | T::ChangeAt
                | T::SpliceAt
                | T::Object
        ) {
            datum::check_depth(&v)?;
        }
        if let Value::Array(a) = &v {
            self.check_array(a.len())?;
        }
        Ok(Some(Val::Datum(v)))
    }

    fn add(&self, args: &[Value], env: &Env) -> RResult<Value> {
        check_min(args.len(), 1)?;
        let first = self.darg(args, 0, env)?;
        grouped_arith(&first)?;
        match first {
            Value::String(mut s) => {
                for i in 1..args.len() {
                    s.push_str(as_str(&self.darg(args, i, env)?)?);
                }
                Ok(Value::String(s))
            }
            Value::Array(mut a) => {
                for i in 1..args.len() {
                    a.extend(as_arr(&self.darg(args, i, env)?)?.iter().cloned());
                    self.check_array(a.len())?;
                }
                Ok(Value::Array(a))
            }
            ref t if datum::pseudo_type(t) == Some("TIME") => {
                let mut secs = 0.0;
                for i in 1..args.len() {
                    secs += as_num(&self.darg(args, i, env)?)?;
                }
                Ok(super::time::shift(t, secs))
            }
            Value::Number(_) => {
                let mut acc = first.as_f64().unwrap_or(0.0);
                for i in 1..args.len() {
                    acc += as_num(&self.darg(args, i, env)?)?;
                }
                num_result(acc)
            }
            other => Err(datum::expected("NUMBER", &other)),
        }
    }

    fn array_at(&self, tt: T, args: &[Value], env: &Env) -> RResult<Value> {
        let mut a = self.targ(args, 0, env, |v| as_arr(v).cloned())?;
        let len = a.len() as i64;
        let idx = self.targ(args, 1, env, as_int)?;
        // insert_at/splice_at index the spaces between elements, the others the elements.
        let spaces = tt == T::InsertAt || tt == T::SpliceAt;
        let size = if spaces { len + 1 } else { len };
        let canon = |i: i64| -> RResult<i64> {
            if i >= 0 {
                Ok(i)
            } else if -i > size {
                Err(ReqlError::non_existence(format!(
                    "Index out of bounds: {i}"
                )))
            } else {
                Ok(size + i)
            }
        };
        let p = canon(idx)?;
        let oob = |p: i64| {
            ReqlError::non_existence(format!(
                "Index `{p}` out of bounds for array of size: `{len}`."
            ))
        };
        match tt {
            T::InsertAt | T::SpliceAt => {
                if p > len {
                    return Err(oob(p));
                }
                let p = p as usize;
                if tt == T::InsertAt {
                    a.insert(p, self.darg(args, 2, env)?);
                } else {
                    let ins = self.targ(args, 2, env, |v| as_arr(v).cloned())?;
                    a.splice(p..p, ins);
                }
            }
            T::ChangeAt => {
                if p >= len {
                    return Err(oob(p));
                }
                a[p as usize] = self.darg(args, 2, env)?;
            }
            _ => {
                if args.len() > 2 {
                    let e = self.targ(args, 2, env, as_int)?;
                    let e = if e < 0 { canon(e)? } else { e };
                    if e < p {
                        return Err(ReqlError::logic(format!(
                            "Start index `{p}` is greater than end index `{e}`."
                        )));
                    }
                    if p > len || e > len {
                        return Err(oob(if p > len { p } else { e }));
                    }
                    a.drain(p as usize..e as usize);
                } else {
                    if p >= len {
                        return Err(oob(p));
                    }
                    a.remove(p as usize);
                }
            }
        }
        Ok(Value::Array(a))
    }

    fn bracket(&self, tt: T, args: &[Value], env: &Env) -> RResult<Val> {
        check_args(args.len(), 2)?;
        let a0 = self.arg(args, 0, env)?;
        let key = self.darg(args, 1, env)?;
        let op = if tt == T::Bracket {
            "bracket"
        } else {
            "get_field"
        };
        if let Val::Grouped(g) = a0 {
            let mut out = Vec::new();
            for (k, v) in g {
                let r = self.bracket_on(tt, Val::Datum(v), &key, op)?;
                out.push((k, self.to_datum(r)?));
            }
            return Ok(Val::Grouped(out));
        }
        self.bracket_on(tt, a0, &key, op)
    }

    fn bracket_on(&self, tt: T, a0: Val, key: &Value, op: &'static str) -> RResult<Val> {
        match (&key, tt) {
            (Value::Number(_), T::Bracket) => {
                let i = as_int(key).map_err(|e| e.at(json!(1)))?;
                let seq = self.to_seq(a0)?;
                Ok(Val::Datum(nth(seq, i)?))
            }
            (Value::String(k), _) => {
                let k = k.clone();
                let on_single = !matches!(a0, Val::Datum(Value::Array(_)));
                let f: RowFn = Arc::new(move |_, row| match get_field_as(&row, &k, op) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if e.is_non_existence() => Ok(None),
                    Err(e) => Err(e),
                });
                let field = |d: &Value| {
                    // A value that is not an object is the operand's fault (frame 0); a
                    // missing field is the lookup's.
                    let at = if d.is_object() { None } else { Some(json!(0)) };
                    get_field_as(d, key.as_str().unwrap_or_default(), op)
                        .map(Val::Datum)
                        .map_err(|e| match at {
                            Some(f) => e.at(f),
                            None => e,
                        })
                };
                match a0 {
                    Val::Datum(Value::Object(_)) | Val::Single(..) => field(&self.to_datum(a0)?),
                    Val::Datum(ref d) if !d.is_array() => field(d),
                    other => self.rowwise(other, f, false, on_single),
                }
            }
            _ => Err(ReqlError::logic(format!(
                "Expected NUMBER or STRING as second argument to `bracket` but found {}.",
                type_name(key)
            ))
            .at(json!(1))),
        }
    }

    fn paths_op(&self, tt: T, args: &[Value], env: &Env) -> RResult<Val> {
        check_min(args.len(), 1)?;
        let a0 = self.arg(args, 0, env)?;
        let mut specs = Vec::new();
        for i in 1..args.len() {
            specs.push(self.darg(args, i, env)?);
        }
        let specs = Arc::new(specs);
        let is_obj = matches!(&a0, Val::Datum(Value::Object(_)) | Val::Single(..));
        match tt {
            T::HasFields => {
                if is_obj {
                    let d = self.to_datum(a0)?;
                    return Ok(Val::Datum(Value::Bool(has_fields(&d, &specs)?)));
                }
                let f: RowFn = Arc::new(move |_, row| Ok(has_fields(&row, &specs)?.then_some(row)));
                self.rowwise(a0, f, true, false)
            }
            T::WithFields => {
                let f: RowFn = Arc::new(move |_, row| {
                    Ok(if has_fields(&row, &specs)? {
                        Some(pluck(&row, &specs)?)
                    } else {
                        None
                    })
                });
                self.rowwise(a0, f, false, false)
            }
            T::Pluck => {
                let f: RowFn = Arc::new(move |_, row| pluck(&row, &specs).map(Some));
                self.rowwise(a0, f, false, true)
            }
            _ => {
                let f: RowFn = Arc::new(move |_, row| without(&row, &specs).map(Some));
                self.rowwise(a0, f, false, true)
            }
        }
    }

    fn merge(&self, args: &[Value], env: &Env) -> RResult<Val> {
        check_min(args.len(), 1)?;
        let a0 = self.arg(args, 0, env)?;
        let mut others = Vec::new();
        for i in 1..args.len() {
            others.push(match self.arg(args, i, env)? {
                Val::Func(f) => Err(f),
                v => Ok(self.to_datum(v)?),
            });
        }
        let others = Arc::new(others);
        let f: RowFn = Arc::new(move |ctx, row| {
            if !row.is_object() {
                return Err(ReqlError::logic(format!(
                    "Cannot perform merge on a non-object non-sequence `{}`.",
                    datum::trunc_print(&row)
                )));
            }
            plain_obj(&row, "merge").map_err(|e| e.at(json!(0)))?;
            let mut acc = row.clone();
            for (i, o) in others.iter().enumerate() {
                let patch = match o {
                    Ok(d) => d.clone(),
                    Err(f) => ctx
                        .call(f, vec![row.clone()])
                        .map_err(|e| e.at(json!(i + 1)))?,
                };
                if patch.is_object() && datum::pseudo_type(&patch).is_some_and(|p| p != "LITERAL") {
                    return Err(ReqlError::logic(format!(
                        "Cannot merge objects of type `{}`.",
                        type_name(&patch)
                    )));
                }
                acc = merge_values(acc, patch);
            }
            Ok(Some(acc))
        });
        self.rowwise(a0, f, false, true)
    }

    fn coerce(&self, args: &[Value], env: &Env) -> RResult<Val> {
        check_args(args.len(), 2)?;
        let a0 = self.arg(args, 0, env)?;
        let to = self.targ(args, 1, env, |v| as_str(v).map(str::to_uppercase))?;
        if let Val::Grouped(g) = a0 {
            if to == "ARRAY" {
                // Each group's value must itself be an array (a reduction is not).
                if let Some((_, v)) = g.iter().find(|(_, v)| !v.is_array()) {
                    return Err(ReqlError::logic(format!(
                        "Cannot coerce {} to ARRAY.",
                        type_name(v)
                    )));
                }
                return Ok(Val::Grouped(g));
            }
            return Err(ReqlError::logic(format!(
                "Cannot coerce GROUPED_DATA to {to}."
            )));
        }
        let from_name = match &a0 {
            Val::Seq(s) => s.type_name.to_string(),
            // A time is an object to coerceTo, as the server names it.
            Val::Datum(d) if datum::pseudo_type(d) == Some("TIME") => "OBJECT".to_string(),
            other => val_type(other),
        };
        let v = self.to_datum(a0)?;
        const TYPES: [&str; 10] = [
            "ARRAY", "OBJECT", "STRING", "NUMBER", "BOOL", "NULL", "BINARY", "DATUM", "FUNCTION",
            "SEQUENCE",
        ];
        if !TYPES.contains(&to.as_str()) {
            return Err(ReqlError::logic(format!("Unknown Type: {to}")));
        }
        // The server blames the value that cannot be converted.
        let fail = || ReqlError::logic(format!("Cannot coerce {from_name} to {to}.")).at(json!(0));
        let out = match (to.as_str(), &v) {
            ("ARRAY", Value::Array(_)) => v,
            ("ARRAY", Value::Object(m)) if datum::pseudo_type(&v).is_none() => {
                Value::Array(m.iter().map(|(k, x)| json!([k, x])).collect())
            }
            ("OBJECT", Value::Object(_)) if datum::pseudo_type(&v).is_none() => v,
            ("OBJECT", Value::Array(a)) => {
                let mut m = Map::new();
                for pair in a {
                    let items = as_arr(pair)?;
                    match items.as_slice() {
                        [Value::String(k), x] => {
                            m.insert(k.clone(), x.clone());
                        }
                        [k, _] => return Err(datum::expected("STRING", k)),
                        _ => {
                            return Err(ReqlError::logic(format!(
                                "Expected array of size 2, but got size {}.",
                                pair.as_array().map(Vec::len).unwrap_or(0)
                            )));
                        }
                    }
                }
                Value::Object(m)
            }
            ("STRING", Value::String(_)) => v,
            ("STRING", Value::Number(_)) => Value::String(datum::server_json(&v)?),
            ("STRING", _) if datum::pseudo_type(&v) == Some("BINARY") => {
                let b = v.get("data").and_then(Value::as_str).unwrap_or_default();
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .unwrap_or_default();
                match String::from_utf8(bytes) {
                    Ok(s) => Value::String(s),
                    Err(e) => return Err(not_utf8(e.as_bytes())),
                }
            }
            ("STRING", _) => {
                no_bounds(&v)?;
                Value::String(datum::server_json(&datum::canonical(v))?)
            }
            ("NUMBER", Value::Number(_)) => v,
            ("NUMBER", Value::String(s)) => {
                // No whitespace around the number: the server refuses ` 12 `.
                let t = s.as_str();
                let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(h) => i64::from_str_radix(h, 16).ok().map(|i| i as f64),
                    None => t.parse::<f64>().ok(),
                };
                let f = parsed.ok_or_else(|| {
                    ReqlError::logic(format!("Could not coerce `{s}` to NUMBER."))
                })?;
                num_result(f)?
            }
            ("BOOL", _) => Value::Bool(datum::truthy(&v)),
            ("NULL", Value::Null) => v,
            ("BINARY", Value::String(s)) => {
                use base64::Engine;
                json!({"$reql_type$": "BINARY", "data": base64::engine::general_purpose::STANDARD.encode(s.as_bytes())})
            }
            ("BINARY", _) if datum::pseudo_type(&v) == Some("BINARY") => v,
            (t, _) if t == type_name(&v) => v,
            _ => return Err(fail()),
        };
        Ok(Val::Datum(out))
    }
}

/// A random 64-bit number (from the OS-seeded generator behind UUID v4).
pub fn random_u64() -> u64 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[7], b[9]])
}

/// A random number in [0, 1).
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// An integer in the range the bitwise terms accept.
fn bit_int(v: &Value) -> RResult<i64> {
    let i = as_int(v)?;
    if !(-(1i64 << 53)..(1i64 << 53)).contains(&i) {
        return Err(ReqlError::logic(format!("Integer too large: {i}")));
    }
    Ok(i)
}

/// Fails on `r.minval` / `r.maxval`, which have no JSON form.
fn no_bounds(v: &Value) -> RResult<()> {
    match datum::pseudo_type(v) {
        Some("MINVAL") => Err(ReqlError::logic("Cannot convert `r.minval` to JSON.")),
        Some("MAXVAL") => Err(ReqlError::logic("Cannot convert `r.maxval` to JSON.")),
        _ => Ok(()),
    }
}

/// The n-th row of a sequence (negative counts from the end).
pub fn nth(seq: Seq, i: i64) -> RResult<Value> {
    if i >= 0 {
        let mut it = seq.iter;
        for _ in 0..i {
            match it.next() {
                Some(r) => {
                    r?;
                }
                None => {
                    return Err(ReqlError::non_existence(format!(
                        "Index out of bounds: {i}"
                    )));
                }
            }
        }
        it.next()
            .transpose()?
            .ok_or_else(|| ReqlError::non_existence(format!("Index out of bounds: {i}")))
    } else {
        let all = seq.collect()?;
        let p = all.len() as i64 + i;
        if p < 0 {
            return Err(ReqlError::non_existence(format!(
                "Index out of bounds: {i}"
            )));
        }
        Ok(all[p as usize].clone())
    }
}

/// Arity check for an exact count.
pub fn check_args(n: usize, want: usize) -> RResult<()> {
    if n != want {
        return Err(ReqlError::compile(format!(
            "Expected {want} argument{} but found {n}.",
            if want == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// Arity check for a minimum count.
pub fn check_min(n: usize, want: usize) -> RResult<()> {
    if n < want {
        return Err(ReqlError::compile(format!(
            "Expected {want} or more argument{} but found {n}.",
            if want == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// A numeric result, rejecting infinities and NaN as the server does.
pub fn num_result(f: f64) -> RResult<Value> {
    if !f.is_finite() {
        return Err(ReqlError::logic(format!("Non-finite number: {f}")));
    }
    Ok(from_f64(f))
}

/// `r.json`: the server refuses duplicate keys; its parse errors are worded by rapidjson,
/// which this parser cannot imitate, so those are refused as unsupported.
fn parse_json(s: &str) -> RResult<Value> {
    // Any depth, as the server reads it.
    let v = crate::nesting::parse(s).map_err(|_| {
        ReqlError::unsupported("JSON with a syntax error (the server words it as rapidjson)")
    })?;
    // The duplicate-key check rides on serde_json, which stops at 128 levels: deeper text
    // goes unchecked rather than refused.
    if crate::nesting::depth(&v) >= 120 {
        return Ok(v);
    }
    let unique: Result<UniqueKeys, _> = serde_json::from_str(s);
    if let Err(e) = unique {
        return Err(ReqlError::logic(
            e.to_string()
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_string(),
        ));
    }
    Ok(v)
}

/// Parses JSON only to fail on an object with a key twice (the error is the message).
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<UniqueKeys, A::Error> {
        while a.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = m.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "Duplicate key {} in JSON.",
                    Value::String(k)
                )));
            }
            m.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// The error for an `r.literal` outside the object given to merge or update.
pub const STRAY_LITERAL: &str = "Stray literal keyword found: literal is only legal inside of the object passed to merge or update and cannot nest inside other literals.";

/// Where a value holds an `r.literal` (object keys and array positions), if it does: the
/// frames the server names for a stray one built by MAKE_OBJ / MAKE_ARRAY. Values of any
/// depth reach it (`r.json`), so the recursion grows its stack.
pub fn literal_path(v: &Value) -> Option<Vec<Value>> {
    crate::nesting::grow(|| literal_path_level(v))
}

fn literal_path_level(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Object(_) if datum::pseudo_type(v) == Some("LITERAL") => Some(Vec::new()),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let mut p = literal_path(x)?;
            p.insert(0, Value::String(k.clone()));
            Some(p)
        }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            let mut p = literal_path(x)?;
            p.insert(0, json!(i));
            Some(p)
        }),
        _ => None,
    }
}

/// The server applies arithmetic to each group's value; the sandbox refuses it.
fn grouped_arith(first: &Value) -> RResult<()> {
    if datum::pseudo_type(first) == Some("GROUPED_DATA") {
        return Err(ReqlError::unsupported("arithmetic on grouped data"));
    }
    Ok(())
}

/// The error for binary data that is not UTF-8: the server's words for a bad first byte;
/// its other UTF-8 messages are not imitated.
fn not_utf8(bytes: &[u8]) -> ReqlError {
    let bad_initial = |b: u8| (0x80..0xc2).contains(&b) || b >= 0xf5;
    match bytes.first() {
        Some(&b) if bad_initial(b) => ReqlError::logic(
            "String `` (truncated) is not a UTF-8 string; Invalid initial byte seen at position 0.",
        ),
        _ => ReqlError::unsupported("BINARY that is not UTF-8 to STRING"),
    }
}

fn regex_match(s: &str, p: &str) -> RResult<Value> {
    // The server words a bad pattern as RE2 does; this regex engine words it otherwise.
    let re = regex::Regex::new(p).map_err(|_| {
        ReqlError::unsupported("MATCH with an invalid regular expression (RE2 reports it)")
    })?;
    let Some(caps) = re.captures(s) else {
        return Ok(Value::Null);
    };
    let Some(m) = caps.get(0) else {
        return Ok(Value::Null);
    };
    let groups: Vec<Value> = (1..caps.len())
        .map(|i| match caps.get(i) {
            Some(g) => json!({"str": g.as_str(), "start": g.start(), "end": g.end()}),
            None => Value::Null,
        })
        .collect();
    // Offsets count bytes of the UTF-8 string, as the server's (RE2's) do.
    Ok(json!({"str": m.as_str(), "start": m.start(), "end": m.end(), "groups": groups}))
}

fn split(s: &str, sep: Option<&str>, max: Option<i64>) -> Value {
    let max = max.filter(|m| *m >= 0).map(|m| m as usize);
    let parts: Vec<String> = match sep {
        None => {
            let mut out = Vec::new();
            let mut rest = s.trim_start();
            while !rest.is_empty() {
                if max.is_some_and(|m| out.len() == m) {
                    out.push(rest.to_string());
                    break;
                }
                match rest.find(char::is_whitespace) {
                    Some(i) => {
                        out.push(rest[..i].to_string());
                        rest = rest[i..].trim_start();
                    }
                    None => {
                        out.push(rest.to_string());
                        rest = "";
                    }
                }
            }
            out
        }
        Some("") => {
            let chars: Vec<String> = s.chars().map(|c| c.to_string()).collect();
            match max {
                Some(m) if m < chars.len() => {
                    let mut out: Vec<String> = chars[..m].to_vec();
                    out.push(chars[m..].concat());
                    out
                }
                _ => chars,
            }
        }
        Some(sep) => match max {
            Some(m) => s.splitn(m + 1, sep).map(str::to_string).collect(),
            None => s.split(sep).map(str::to_string).collect(),
        },
    };
    Value::Array(parts.into_iter().map(Value::String).collect())
}

/// A plain object, or the server's error naming the operation for other types.
pub fn plain_obj<'a>(v: &'a Value, op: &str) -> RResult<&'a Map<String, Value>> {
    match v {
        Value::Object(m) if datum::pseudo_type(v).is_none() => Ok(m),
        _ => Err(ReqlError::logic(format!(
            "Cannot call `{op}` on objects of type `{}`.",
            type_name(v)
        ))),
    }
}

/// Whether an object has every path of the specs (non-null).
pub fn has_fields(row: &Value, specs: &[Value]) -> RResult<bool> {
    let obj = plain_obj(row, "has_fields")?;
    for s in specs {
        match s {
            Value::String(k) => {
                if obj.get(k).is_none_or(Value::is_null) {
                    return Ok(false);
                }
            }
            Value::Array(a) => {
                if !has_fields(row, a)? {
                    return Ok(false);
                }
            }
            Value::Object(m) => {
                for (k, sub) in m {
                    let Some(inner) = obj.get(k).filter(|v| !v.is_null()) else {
                        return Ok(false);
                    };
                    if sub == &Value::Bool(true) {
                        continue;
                    }
                    if !inner.is_object() || !has_fields(inner, std::slice::from_ref(sub))? {
                        return Ok(false);
                    }
                }
            }
            other => {
                return Err(ReqlError::logic(format!(
                    "Invalid path argument `{}`.",
                    datum::print(other)
                )));
            }
        }
    }
    Ok(true)
}

/// Keeps only the paths of the specs.
pub fn pluck(row: &Value, specs: &[Value]) -> RResult<Value> {
    if let Value::Array(a) = row {
        return a
            .iter()
            .map(|x| pluck(x, specs))
            .collect::<RResult<Vec<_>>>()
            .map(Value::Array);
    }
    let obj = plain_obj(row, "pluck")?;
    let mut out = Map::new();
    for s in specs {
        match s {
            Value::String(k) => {
                if let Some(v) = obj.get(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Array(a) => {
                if let Value::Object(m) = pluck(row, a)? {
                    for (k, v) in m {
                        out.insert(k, v);
                    }
                }
            }
            Value::Object(m) => {
                for (k, sub) in m {
                    let Some(inner) = obj.get(k) else { continue };
                    let v = if sub == &Value::Bool(true) {
                        inner.clone()
                    } else if inner.is_object() || inner.is_array() {
                        pluck(inner, std::slice::from_ref(sub))?
                    } else {
                        continue;
                    };
                    let merged = match (out.remove(k), v) {
                        (Some(old), new) => merge_values(old, new),
                        (None, new) => new,
                    };
                    out.insert(k.clone(), merged);
                }
            }
            other => {
                return Err(ReqlError::logic(format!(
                    "Invalid path argument `{}`.",
                    datum::print(other)
                )));
            }
        }
    }
    Ok(Value::Object(out))
}

/// Removes the paths of the specs.
pub fn without(row: &Value, specs: &[Value]) -> RResult<Value> {
    if let Value::Array(a) = row {
        return a
            .iter()
            .map(|x| without(x, specs))
            .collect::<RResult<Vec<_>>>()
            .map(Value::Array);
    }
    let mut obj = plain_obj(row, "without")?.clone();
    for s in specs {
        match s {
            Value::String(k) => {
                obj.shift_remove(k);
            }
            Value::Array(a) => {
                if let Value::Object(m) = without(&Value::Object(obj.clone()), a)? {
                    obj = m;
                }
            }
            Value::Object(m) => {
                for (k, sub) in m {
                    if sub == &Value::Bool(true) {
                        obj.shift_remove(k);
                    } else if let Some(inner) = obj.get(k).cloned()
                        && (inner.is_object() || inner.is_array())
                    {
                        obj.insert(k.clone(), without(&inner, std::slice::from_ref(sub))?);
                    }
                }
            }
            other => {
                return Err(ReqlError::logic(format!(
                    "Invalid path argument `{}`.",
                    datum::print(other)
                )));
            }
        }
    }
    Ok(Value::Object(obj))
}

/// Deep merge with `r.literal` support.
pub fn merge_values(base: Value, patch: Value) -> Value {
    crate::nesting::grow(|| merge_values_level(base, patch))
}

fn merge_values_level(base: Value, patch: Value) -> Value {
    if datum::pseudo_type(&patch) == Some("LITERAL") {
        return patch.get("value").cloned().unwrap_or(Value::Null);
    }
    match (base, patch) {
        (Value::Object(mut b), Value::Object(p))
            if datum::pseudo_type(&Value::Object(p.clone())).is_none() =>
        {
            for (k, v) in p {
                if datum::pseudo_type(&v) == Some("LITERAL") && v.get("value").is_none() {
                    b.shift_remove(&k);
                    continue;
                }
                let merged = match b.remove(&k) {
                    Some(old) => merge_values(old, v),
                    None => strip_literals(v),
                };
                b.insert(k, merged);
            }
            Value::Object(b)
        }
        (_, p) => strip_literals(p),
    }
}

fn strip_literals(v: Value) -> Value {
    crate::nesting::grow(|| strip_literals_level(v))
}

fn strip_literals_level(v: Value) -> Value {
    if datum::pseudo_type(&v) == Some("LITERAL") {
        return v.get("value").cloned().unwrap_or(Value::Null);
    }
    match v {
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, strip_literals(v))).collect())
        }
        other => other,
    }
}

/// Whether a term is a plain datum (not an operation).
pub fn is_datum_term(t: &Value) -> bool {
    !t.is_array() || parts(t).map(|p| p.0) == Some(T::Datum)
}

/// Whether a term is a FUNC term.
pub fn is_func_term(t: &Value) -> bool {
    parts(t).map(|p| p.0) == Some(T::Func)
}
