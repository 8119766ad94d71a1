//! Plain Python values folded as Python evaluates them before the driver sees them: numbers,
//! strings, lists, tuples and dicts, and the few builtins queries use (`range`, `float`...).

use std::cmp::Ordering;

use super::super::span::Span;
use super::eval::{V, Val};

/// Lists longer than this are refused (a range or repetition meant for the server).
const MAX_LEN: usize = 1_000_000;

type Folded<T> = Result<T, String>;

/// Python's truthiness of a plain value (a query object is always true).
pub(crate) fn truthy(x: &Val) -> bool {
    match x {
        Val::None => false,
        Val::Bool(b) => *b,
        Val::Int(n) => *n != 0,
        Val::Float(f) => *f != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::Bytes(b) => !b.is_empty(),
        Val::List(i) | Val::Tuple(i) => !i.is_empty(),
        Val::Dict(p) => !p.is_empty(),
        _ => true,
    }
}

/// A number as Python sees it in arithmetic (`True` is 1).
#[derive(Clone, Copy)]
enum Num {
    I(i128),
    F(f64),
}

fn num(x: &Val) -> Option<Num> {
    match x {
        Val::Bool(b) => Some(Num::I(i128::from(*b))),
        Val::Int(n) => Some(Num::I(*n)),
        Val::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn as_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

/// Python's `==` on plain values.
pub(crate) fn equal(a: &Val, b: &Val) -> bool {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return match (x, y) {
            (Num::I(x), Num::I(y)) => x == y,
            _ => as_f(x) == as_f(y),
        };
    }
    match (a, b) {
        (Val::None, Val::None) => true,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Bytes(x), Val::Bytes(y)) => x == y,
        (Val::List(x), Val::List(y)) | (Val::Tuple(x), Val::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(&p.v, &q.v))
        }
        (Val::Dict(x), Val::Dict(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, val)| {
                    y.iter()
                        .any(|(k2, v2)| equal(&k.v, &k2.v) && equal(&val.v, &v2.v))
                })
        }
        _ => false,
    }
}

/// The items of a set literal, each once.
pub(crate) fn dedup(items: Vec<V>) -> Vec<V> {
    let mut out: Vec<V> = Vec::with_capacity(items.len());
    for i in items {
        if !out.iter().any(|o| equal(&o.v, &i.v)) {
            out.push(i);
        }
    }
    out
}

fn order(a: &Val, b: &Val) -> Folded<Ordering> {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return match (x, y) {
            (Num::I(x), Num::I(y)) => Ok(x.cmp(&y)),
            _ => as_f(x)
                .partial_cmp(&as_f(y))
                .ok_or_else(|| "NaN has no order".to_string()),
        };
    }
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(x.cmp(y)),
        (Val::Bytes(x), Val::Bytes(y)) => Ok(x.cmp(y)),
        (Val::List(x), Val::List(y)) | (Val::Tuple(x), Val::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !equal(&p.v, &q.v) {
                    return order(&p.v, &q.v);
                }
            }
            Ok(x.len().cmp(&y.len()))
        }
        _ => Err(format!(
            "`<` is not supported between {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

/// A comparison of plain values.
pub(crate) fn compare(op: &str, a: &Val, b: &Val) -> Folded<bool> {
    Ok(match op {
        "==" => equal(a, b),
        "!=" => !equal(a, b),
        "<" => order(a, b)? == Ordering::Less,
        "<=" => order(a, b)? != Ordering::Greater,
        ">" => order(a, b)? == Ordering::Greater,
        ">=" => order(a, b)? != Ordering::Less,
        "is" => is(a, b),
        "is not" => !is(a, b),
        "in" => contains(b, a)?,
        "not in" => !contains(b, a)?,
        _ => return Err(format!("unknown comparison `{op}`")),
    })
}

fn is(a: &Val, b: &Val) -> bool {
    matches!((a, b), (Val::None, Val::None))
        || matches!((a, b), (Val::Bool(x), Val::Bool(y)) if x == y)
}

fn contains(seq: &Val, x: &Val) -> Folded<bool> {
    match (seq, x) {
        (Val::Str(s), Val::Str(sub)) => Ok(s.contains(&**sub)),
        (Val::List(i) | Val::Tuple(i), x) => Ok(i.iter().any(|e| equal(&e.v, x))),
        (Val::Dict(p), x) => Ok(p.iter().any(|(k, _)| equal(&k.v, x))),
        _ => Err(format!("`in` is not supported on {}", type_name(seq))),
    }
}

fn type_name(x: &Val) -> &'static str {
    match x {
        Val::None => "None",
        Val::Bool(_) => "bool",
        Val::Int(_) => "int",
        Val::Float(_) => "float",
        Val::Str(_) => "str",
        Val::Bytes(_) => "bytes",
        Val::List(_) => "list",
        Val::Tuple(_) => "tuple",
        Val::Dict(_) => "dict",
        Val::Term(..) => "query",
        Val::R => "module",
        Val::Lambda(_) => "function",
        Val::Builtin(_) | Val::RFunc(_) => "builtin function",
        Val::DatetimeModule => "module",
        Val::Time(_) => "datetime",
        Val::Tz(_) => "timezone",
        Val::Delta(_) => "timedelta",
    }
}

/// `-x`, `+x`, `~x` on a plain value.
pub(crate) fn unary(op: &str, x: &Val) -> Folded<Val> {
    match (op, num(x)) {
        ("-", Some(Num::I(n))) => n.checked_neg().map(Val::Int).ok_or_else(too_large),
        ("-", Some(Num::F(f))) => Ok(Val::Float(-f)),
        ("+", Some(Num::I(n))) => Ok(Val::Int(n)),
        ("+", Some(Num::F(f))) => Ok(Val::Float(f)),
        ("~", Some(Num::I(n))) => Ok(Val::Int(!n)),
        _ => Err(format!("bad operand type for unary {op}: {}", type_name(x))),
    }
}

fn too_large() -> String {
    "integer too large for rdbsh (more than 128 bits)".to_string()
}

fn int(r: Option<i128>) -> Folded<Val> {
    r.map(Val::Int).ok_or_else(too_large)
}

/// A binary operator on plain values.
pub(crate) fn binary(op: &str, a: &Val, b: &Val) -> Folded<Val> {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        if let (Val::Bool(p), Val::Bool(q)) = (a, b) {
            match op {
                "&" => return Ok(Val::Bool(*p && *q)),
                "|" => return Ok(Val::Bool(*p || *q)),
                "^" => return Ok(Val::Bool(p != q)),
                _ => {}
            }
        }
        return arith(op, x, y);
    }
    match (op, a, b) {
        ("+", Val::Str(x), Val::Str(y)) => Ok(Val::Str(format!("{x}{y}").into())),
        ("+", Val::Bytes(x), Val::Bytes(y)) => Ok(Val::Bytes([&x[..], &y[..]].concat().into())),
        ("+", Val::List(x), Val::List(y)) => Ok(Val::List([x.clone(), y.clone()].concat())),
        ("+", Val::Tuple(x), Val::Tuple(y)) => Ok(Val::Tuple([x.clone(), y.clone()].concat())),
        ("*", Val::Str(s), n) | ("*", n, Val::Str(s))
            if matches!(n, Val::Int(_) | Val::Bool(_)) =>
        {
            let k = repeat_count(n, s.len())?;
            Ok(Val::Str(s.repeat(k).into()))
        }
        ("*", Val::List(l), n) | ("*", n, Val::List(l))
            if matches!(n, Val::Int(_) | Val::Bool(_)) =>
        {
            let k = repeat_count(n, l.len())?;
            Ok(Val::List(
                l.iter().cloned().cycle().take(l.len() * k).collect(),
            ))
        }
        _ => Err(format!(
            "unsupported operand types for {op}: {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

fn repeat_count(n: &Val, len: usize) -> Folded<usize> {
    let k = match n {
        Val::Int(k) => (*k).max(0),
        Val::Bool(b) => i128::from(*b),
        _ => 0,
    };
    let k = usize::try_from(k).unwrap_or(usize::MAX);
    if len.saturating_mul(k) > MAX_LEN {
        return Err("the repetition is too long to build in the shell".to_string());
    }
    Ok(k)
}

fn arith(op: &str, x: Num, y: Num) -> Folded<Val> {
    if let (Num::I(a), Num::I(b)) = (x, y) {
        return match op {
            "+" => int(a.checked_add(b)),
            "-" => int(a.checked_sub(b)),
            "*" => int(a.checked_mul(b)),
            "/" if b == 0 => Err("division by zero".to_string()),
            "/" => Ok(Val::Float(a as f64 / b as f64)),
            "//" | "%" if b == 0 => Err("integer division or modulo by zero".to_string()),
            "//" => int(Some(
                a.div_euclid(b) - if b < 0 && a.rem_euclid(b) != 0 { 1 } else { 0 },
            )),
            "%" => int(Some(((a % b) + b) % b)),
            "**" if b >= 0 => int(u32::try_from(b).ok().and_then(|e| a.checked_pow(e))),
            "**" => Ok(Val::Float((a as f64).powf(b as f64))),
            "&" => Ok(Val::Int(a & b)),
            "|" => Ok(Val::Int(a | b)),
            "^" => Ok(Val::Int(a ^ b)),
            "<<" => int(u32::try_from(b)
                .ok()
                .filter(|s| *s < 127)
                .and_then(|s| a.checked_shl(s))
                .filter(|r| r >> b == a)),
            ">>" => Ok(Val::Int(a >> u32::try_from(b).unwrap_or(127).min(127))),
            _ => Err(format!("unsupported operator {op}")),
        };
    }
    let (a, b) = (as_f(x), as_f(y));
    match op {
        "+" => Ok(Val::Float(a + b)),
        "-" => Ok(Val::Float(a - b)),
        "*" => Ok(Val::Float(a * b)),
        "/" | "//" | "%" if b == 0.0 => Err("float division by zero".to_string()),
        "/" => Ok(Val::Float(a / b)),
        "//" => Ok(Val::Float((a / b).floor())),
        "%" => {
            let m = a % b;
            Ok(Val::Float(if m != 0.0 && (m < 0.0) != (b < 0.0) {
                m + b
            } else {
                m
            }))
        }
        "**" => Ok(Val::Float(a.powf(b))),
        _ => Err(format!("unsupported operand types for {op}: float")),
    }
}

fn norm_index(i: i128, len: usize) -> Option<usize> {
    let len = len as i128;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// `x[i]` on a plain value.
pub(crate) fn index(x: &Val, i: &Val) -> Folded<Val> {
    match (x, i) {
        (Val::List(items) | Val::Tuple(items), Val::Int(n)) => norm_index(*n, items.len())
            .and_then(|k| items.get(k))
            .map(|e| e.v.clone())
            .ok_or_else(|| "index out of range".to_string()),
        (Val::Str(s), Val::Int(n)) => {
            let chars: Vec<char> = s.chars().collect();
            norm_index(*n, chars.len())
                .map(|k| Val::Str(chars[k].to_string().into()))
                .ok_or_else(|| "string index out of range".to_string())
        }
        (Val::Dict(pairs), k) => pairs
            .iter()
            .find(|(key, _)| equal(&key.v, k))
            .map(|(_, val)| val.v.clone())
            .ok_or_else(|| "key not found in the dict".to_string()),
        _ => Err(format!("{} cannot be indexed here", type_name(x))),
    }
}

/// `x[lo:hi:step]` on a plain list, tuple or string.
pub(crate) fn slice(x: &Val, lo: Option<Val>, hi: Option<Val>, step: Option<Val>) -> Folded<Val> {
    let bound = |b: Option<Val>| match b {
        None | Some(Val::None) => Ok(None),
        Some(Val::Int(n)) => Ok(Some(n)),
        Some(Val::Bool(b)) => Ok(Some(i128::from(b))),
        _ => Err("slice bounds must be integers".to_string()),
    };
    let (lo, hi, step) = (bound(lo)?, bound(hi)?, bound(step)?.unwrap_or(1));
    if step != 1 {
        return Err("only slices with step 1 are folded".to_string());
    }
    let pick = |len: usize| {
        let len_i = len as i128;
        let clamp = |b: i128| (if b < 0 { b + len_i } else { b }).clamp(0, len_i) as usize;
        let (a, b) = (lo.map_or(0, clamp), hi.map_or(len, clamp));
        (a, b.max(a))
    };
    match x {
        Val::List(items) | Val::Tuple(items) => {
            let (a, b) = pick(items.len());
            let part = items[a..b].to_vec();
            Ok(if matches!(x, Val::List(_)) {
                Val::List(part)
            } else {
                Val::Tuple(part)
            })
        }
        Val::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let (a, b) = pick(chars.len());
            Ok(Val::Str(chars[a..b].iter().collect::<String>().into()))
        }
        _ => Err(format!("{} cannot be sliced here", type_name(x))),
    }
}

/// A method of a plain value (`'text'.encode()`).
pub(crate) fn method(x: &Val, name: &str, args: &[V]) -> Folded<Val> {
    match (x, name, args) {
        (Val::Str(s), "encode", []) => Ok(Val::Bytes(s.as_bytes().into())),
        (
            Val::Str(s),
            "encode",
            [
                V {
                    v: Val::Str(enc), ..
                },
                ..,
            ],
        ) => encode(s, enc).map(|b| Val::Bytes(b.into())),
        (Val::Str(s), "upper", []) => Ok(Val::Str(s.to_uppercase().into())),
        (Val::Str(s), "lower", []) => Ok(Val::Str(s.to_lowercase().into())),
        (Val::Bytes(b), "decode", _) => std::str::from_utf8(b)
            .map(|s| Val::Str(s.into()))
            .map_err(|_| "the bytes are not UTF-8".to_string()),
        (Val::Dict(p), "keys", []) => Ok(Val::List(p.iter().map(|(k, _)| k.clone()).collect())),
        (Val::Dict(p), "values", []) => Ok(Val::List(p.iter().map(|(_, v)| v.clone()).collect())),
        _ => Err(format!(
            "rdbsh does not evaluate the Python method {}.{name}()",
            type_name(x)
        )),
    }
}

/// `str.encode(encoding)` for the encodings queries use.
fn encode(s: &str, encoding: &str) -> Folded<Vec<u8>> {
    let units = || s.encode_utf16();
    match encoding.to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8" | "utf8" => Ok(s.as_bytes().to_vec()),
        // Python's utf-16 writes a byte order mark, then little-endian units.
        "utf-16" | "utf16" => Ok([0xff, 0xfe]
            .into_iter()
            .chain(units().flat_map(u16::to_le_bytes))
            .collect()),
        "utf-16-le" => Ok(units().flat_map(u16::to_le_bytes).collect()),
        "utf-16-be" => Ok(units().flat_map(u16::to_be_bytes).collect()),
        "latin-1" | "latin1" | "iso-8859-1" | "ascii" => s
            .chars()
            .map(|c| {
                let limit = if encoding.eq_ignore_ascii_case("ascii") {
                    0x80
                } else {
                    0x100
                };
                u8::try_from(u32::from(c))
                    .ok()
                    .filter(|b| u32::from(*b) < limit)
                    .ok_or_else(|| format!("{c:?} cannot be encoded in {encoding}"))
            })
            .collect(),
        _ => Err(format!(
            "rdbsh does not know the encoding {encoding:?}; use 'utf-8'"
        )),
    }
}

/// A call of a Python builtin on plain values.
pub(crate) fn builtin(name: &str, args: &[V], kw: &[(String, Span, V)]) -> Folded<Val> {
    if args.iter().any(|a| matches!(a.v, Val::Term(..))) {
        let help = match name {
            "len" => "; use .count()",
            "list" | "tuple" | "set" | "sorted" => "; use .coerce_to('array') or .map(...)",
            "str" => "; use .coerce_to('string')",
            _ => "",
        };
        return Err(format!(
            "the Python builtin `{name}` cannot take a query (the driver raises){help}"
        ));
    }
    if name == "dict" {
        return dict(args, kw);
    }
    if !kw.is_empty() {
        return Err(format!("`{name}` takes no keyword arguments here"));
    }
    let arg = |i: usize| args.get(i).map(|a| &a.v);
    match (name, arg(0)) {
        ("range", _) => range(args),
        ("list" | "sorted" | "reversed" | "set" | "frozenset", None) => Ok(Val::List(Vec::new())),
        ("tuple", None) => Ok(Val::Tuple(Vec::new())),
        ("list" | "tuple" | "set" | "frozenset" | "sorted" | "reversed", Some(x)) => {
            collection(name, x, args[0].span)
        }
        ("str", None) => Ok(Val::Str("".into())),
        ("str", Some(x)) => Ok(Val::Str(py_str(x).into())),
        ("float", Some(Val::Str(s))) => parse_float(s).map(Val::Float),
        ("float", Some(x)) => num(x)
            .map(|n| Val::Float(as_f(n)))
            .ok_or_else(|| "float() needs a number or a string".to_string()),
        ("float", None) => Ok(Val::Float(0.0)),
        ("int", Some(Val::Str(s))) => s
            .trim()
            .replace('_', "")
            .parse::<i128>()
            .map(Val::Int)
            .map_err(|_| format!("invalid literal for int(): {s:?}")),
        ("int", Some(Val::Float(f))) if f.is_finite() => Ok(Val::Int(f.trunc() as i128)),
        ("int", Some(x)) => match num(x) {
            Some(Num::I(n)) => Ok(Val::Int(n)),
            _ => Err("int() needs a number or a string".to_string()),
        },
        ("int", None) => Ok(Val::Int(0)),
        ("bool", x) => Ok(Val::Bool(x.is_some_and(truthy))),
        ("len", Some(x)) => len(x).map(|n| Val::Int(n as i128)),
        ("abs", Some(x)) => match num(x) {
            Some(Num::I(n)) => Ok(Val::Int(n.abs())),
            Some(Num::F(f)) => Ok(Val::Float(f.abs())),
            None => Err(format!("bad operand type for abs(): {}", type_name(x))),
        },
        ("bytes", Some(Val::List(items))) => items
            .iter()
            .map(|i| match i.v {
                Val::Int(n) => {
                    u8::try_from(n).map_err(|_| "bytes must be in range(0, 256)".to_string())
                }
                _ => Err("bytes() takes a list of ints here".to_string()),
            })
            .collect::<Folded<Vec<u8>>>()
            .map(|b| Val::Bytes(b.into())),
        ("bytes", None) => Ok(Val::Bytes(Vec::new().into())),
        _ => Err(format!(
            "rdbsh does not evaluate {name}() with these arguments"
        )),
    }
}

/// `dict(d, key=value)`.
fn dict(args: &[V], kw: &[(String, Span, V)]) -> Folded<Val> {
    let mut pairs: Vec<(V, V)> = match args.first().map(|a| &a.v) {
        Some(Val::Dict(p)) => p.clone(),
        None => Vec::new(),
        Some(_) => return Err("dict() takes a dict or keyword arguments here".to_string()),
    };
    for (k, ks, val) in kw {
        pairs.retain(|(key, _)| !matches!(&key.v, Val::Str(s) if **s == **k));
        let key = V {
            v: Val::Str(k.as_str().into()),
            span: *ks,
        };
        pairs.push((key, val.clone()));
    }
    Ok(Val::Dict(pairs))
}

/// `list(x)`, `tuple(x)`, `set(x)`, `sorted(x)`, `reversed(x)` of a plain iterable.
fn collection(name: &str, x: &Val, span: Span) -> Folded<Val> {
    let mut items = items_of(x, span)?;
    match name {
        "set" | "frozenset" => items = dedup(items),
        "sorted" => {
            let mut failed = None;
            items.sort_by(|a, b| {
                order(&a.v, &b.v).unwrap_or_else(|e| {
                    failed = Some(e);
                    Ordering::Equal
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
        }
        "reversed" => items.reverse(),
        _ => {}
    }
    Ok(if name == "tuple" {
        Val::Tuple(items)
    } else {
        Val::List(items)
    })
}

fn items_of(x: &Val, span: Span) -> Folded<Vec<V>> {
    match x {
        Val::List(i) | Val::Tuple(i) => Ok(i.clone()),
        Val::Dict(p) => Ok(p.iter().map(|(k, _)| k.clone()).collect()),
        Val::Str(s) => Ok(s
            .chars()
            .map(|c| V {
                v: Val::Str(c.to_string().into()),
                span,
            })
            .collect()),
        Val::Bytes(b) => Ok(b
            .iter()
            .map(|c| V {
                v: Val::Int(i128::from(*c)),
                span,
            })
            .collect()),
        _ => Err(format!("{} is not iterable", type_name(x))),
    }
}

fn len(x: &Val) -> Folded<usize> {
    match x {
        Val::List(i) | Val::Tuple(i) => Ok(i.len()),
        Val::Dict(p) => Ok(p.len()),
        Val::Str(s) => Ok(s.chars().count()),
        Val::Bytes(b) => Ok(b.len()),
        _ => Err(format!("object of type {} has no len()", type_name(x))),
    }
}

fn range(args: &[V]) -> Folded<Val> {
    let ints = args
        .iter()
        .map(|a| match a.v {
            Val::Int(n) => Ok(n),
            Val::Bool(b) => Ok(i128::from(b)),
            _ => Err("range() takes integers".to_string()),
        })
        .collect::<Folded<Vec<i128>>>()?;
    let (start, stop, step) = match ints.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] if *step != 0 => (*start, *stop, *step),
        [_, _, _] => return Err("range() step must not be zero".to_string()),
        _ => return Err("range() takes one to three arguments".to_string()),
    };
    let count = if step > 0 {
        (stop - start + step - 1) / step
    } else {
        (start - stop - step - 1) / -step
    };
    if count > MAX_LEN as i128 {
        return Err(
            "the range is too long to build in the shell; use r.range(...) on the server"
                .to_string(),
        );
    }
    let span = args.first().map(|a| a.span).unwrap_or_default();
    Ok(Val::List(
        (0..count.max(0))
            .map(|i| V {
                v: Val::Int(start + i * step),
                span,
            })
            .collect(),
    ))
}

fn parse_float(s: &str) -> Folded<f64> {
    let t = s.trim().to_ascii_lowercase();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t)),
    };
    match body {
        "nan" => Ok(f64::NAN),
        "inf" | "infinity" => Ok(sign * f64::INFINITY),
        _ => t
            .replace('_', "")
            .parse::<f64>()
            .map_err(|_| format!("could not convert string to float: {s:?}")),
    }
}

/// Python's `str()` of a plain value.
pub(crate) fn py_str(x: &Val) -> String {
    match x {
        Val::Str(s) => s.to_string(),
        other => repr(other),
    }
}

/// Python's `repr()` of a plain value.
pub(crate) fn repr(x: &Val) -> String {
    match x {
        Val::None => "None".into(),
        Val::Bool(true) => "True".into(),
        Val::Bool(false) => "False".into(),
        Val::Int(n) => n.to_string(),
        Val::Float(f) => float_repr(*f),
        Val::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Val::List(i) => format!(
            "[{}]",
            i.iter().map(|e| repr(&e.v)).collect::<Vec<_>>().join(", ")
        ),
        Val::Tuple(i) if i.len() == 1 => format!("({},)", repr(&i[0].v)),
        Val::Tuple(i) => format!(
            "({})",
            i.iter().map(|e| repr(&e.v)).collect::<Vec<_>>().join(", ")
        ),
        Val::Dict(p) => format!(
            "{{{}}}",
            p.iter()
                .map(|(k, v)| format!("{}: {}", repr(&k.v), repr(&v.v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("<{}>", type_name(other)),
    }
}

/// Python's `repr` of a float: the shortest round-trip digits, exponent form below 1e-4 and
/// from 1e16 up.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { "-" } else { "+" };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if (point as usize) >= digits.len() {
        format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{body}")
}
