//! Datum helpers: RethinkDB's type names, total order, number output and printing.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::{RResult, ReqlError};

/// Key of the pseudo-type marker field.
pub const REQL_TYPE: &str = "$reql_type$";

/// The `$reql_type$` of an object, if it is a pseudo-type.
pub fn pseudo_type(v: &Value) -> Option<&str> {
    v.as_object()?.get(REQL_TYPE)?.as_str()
}

/// The type name RethinkDB uses in messages (`NUMBER`, `PTYPE<TIME>`...).
pub fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(_) => "BOOL".into(),
        Value::Number(_) => "NUMBER".into(),
        Value::String(_) => "STRING".into(),
        Value::Array(_) => "ARRAY".into(),
        Value::Object(_) => match pseudo_type(v) {
            Some(p) if p != "GROUPED_DATA" => format!("PTYPE<{p}>"),
            _ => "OBJECT".into(),
        },
    }
}

/// The name `typeOf` returns.
pub fn type_of(v: &Value) -> String {
    type_name(v)
}

/// A number as f64 (JSON numbers are doubles in ReQL).
pub fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Makes a JSON number from a double, integral values within 2^53 as integers.
pub fn from_f64(f: f64) -> Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
        if f == 0.0 && f.is_sign_negative() {
            // The server keeps the sign of zero (`-0.0` on the wire).
            return serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null);
        }
        return Value::from(f as i64);
    }
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn sort_rank(v: &Value) -> (u8, String) {
    // Non-pseudo types order by their enum (alphabetical); pseudo-types compare with
    // others by the name "PTYPE<...>", which falls between OBJECT and STRING.
    match v {
        Value::Array(_) => (1, String::new()),
        Value::Bool(_) => (2, String::new()),
        Value::Null => (3, String::new()),
        Value::Number(_) => (4, String::new()),
        Value::Object(_) => match pseudo_type(v) {
            Some(p) if p != "GROUPED_DATA" => (6, p.to_string()),
            _ => (5, String::new()),
        },
        Value::String(_) => (7, String::new()),
    }
}

/// Whether a value is `r.minval` / `r.maxval` (internal markers).
fn bound_marker(v: &Value) -> Option<i8> {
    match pseudo_type(v) {
        Some("MINVAL") => Some(-1),
        Some("MAXVAL") => Some(1),
        _ => None,
    }
}

/// RethinkDB's total order on datums (`datum_t::cmp`).
pub fn cmp(a: &Value, b: &Value) -> Ordering {
    crate::nesting::grow(|| cmp_level(a, b))
}

fn cmp_level(a: &Value, b: &Value) -> Ordering {
    match (bound_marker(a), bound_marker(b)) {
        (Some(x), Some(y)) => return x.cmp(&y),
        (Some(x), None) => {
            return if x < 0 {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        (None, Some(y)) => {
            return if y < 0 {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        _ => {}
    }
    let (ra, pa) = sort_rank(a);
    let (rb, pb) = sort_rank(b);
    if ra != rb {
        return ra.cmp(&rb);
    }
    if ra == 6 && pa != pb {
        return pa.cmp(&pb);
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(_), Value::Number(_)) => {
            let x = a.as_f64().unwrap_or(0.0);
            let y = b.as_f64().unwrap_or(0.0);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let c = cmp(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            if ra == 6 {
                return pseudo_cmp(&pa, x, y);
            }
            let mut kx: Vec<_> = x.iter().collect();
            let mut ky: Vec<_> = y.iter().collect();
            kx.sort_by(|p, q| p.0.cmp(q.0));
            ky.sort_by(|p, q| p.0.cmp(q.0));
            for ((k1, v1), (k2, v2)) in kx.iter().zip(ky.iter()) {
                let c = k1.as_bytes().cmp(k2.as_bytes());
                if c != Ordering::Equal {
                    return c;
                }
                let c = cmp(v1, v2);
                if c != Ordering::Equal {
                    return c;
                }
            }
            kx.len().cmp(&ky.len())
        }
        _ => Ordering::Equal,
    }
}

fn pseudo_cmp(kind: &str, x: &Map<String, Value>, y: &Map<String, Value>) -> Ordering {
    match kind {
        "TIME" => {
            let a = x.get("epoch_time").and_then(Value::as_f64).unwrap_or(0.0);
            let b = y.get("epoch_time").and_then(Value::as_f64).unwrap_or(0.0);
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
        "BINARY" => {
            let a = x
                .get("data")
                .and_then(Value::as_str)
                .map(decode_b64)
                .unwrap_or_default();
            let b = y
                .get("data")
                .and_then(Value::as_str)
                .map(decode_b64)
                .unwrap_or_default();
            a.cmp(&b)
        }
        _ => cmp(&Value::Object(strip(x)), &Value::Object(strip(y))),
    }
}

fn strip(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, _)| k.as_str() != REQL_TYPE)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn decode_b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

/// Whether `r.minval` or `r.maxval` occurs anywhere in a value.
pub fn contains_bound(v: &Value) -> bool {
    crate::nesting::grow(|| contains_bound_level(v))
}

fn contains_bound_level(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(contains_bound),
        Value::Object(m) => bound_marker(v).is_some() || m.values().any(contains_bound),
        _ => false,
    }
}

/// Datum equality (numbers by value, objects as maps).
pub fn eq(a: &Value, b: &Value) -> bool {
    cmp(a, b) == Ordering::Equal
}

/// Deepest nesting of arrays and objects the sandbox keeps: deeper values would exhaust
/// the stack of the recursive comparisons and printers.
pub const MAX_DEPTH: usize = 100;

/// Fails when a value nests deeper than `MAX_DEPTH`.
pub fn check_depth(v: &Value) -> RResult<()> {
    fn deeper(v: &Value, left: usize) -> bool {
        match v {
            Value::Array(a) => left == 0 || a.iter().any(|x| deeper(x, left - 1)),
            Value::Object(m) => left == 0 || m.values().any(|x| deeper(x, left - 1)),
            _ => false,
        }
    }
    if deeper(v, MAX_DEPTH) {
        return Err(ReqlError::runtime(
            super::error::ErrorType::ResourceLimit,
            format!(
                "Nesting depth limit exceeded: the sandbox keeps values at most {MAX_DEPTH} levels deep"
            ),
        ));
    }
    Ok(())
}

/// Canonical output form: object keys sorted (as the server stores them) and
/// integral numbers without a fraction.
pub fn canonical(v: Value) -> Value {
    crate::nesting::grow(|| canonical_level(v))
}

fn canonical_level(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            // Every number is a double on the server: integers past 2^53 lose precision.
            Some(f) if (!n.is_i64() && !n.is_u64()) || beyond_2_53(&n) => from_f64(f),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(canonical).collect()),
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        other => other,
    }
}

/// Whether an integer is past 2^53, where doubles (the server's numbers) lose precision.
fn beyond_2_53(n: &serde_json::Number) -> bool {
    const LIMIT: u64 = 1 << 53;
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i.unsigned_abs() > LIMIT,
        (None, Some(u)) => u > LIMIT,
        _ => false,
    }
}

/// Prints a datum the way the server does in messages (pretty, tab indented).
pub fn print(v: &Value) -> String {
    let mut out = String::new();
    write_pretty(&canonical(v.clone()), 0, &mut out);
    out
}

/// Prints a datum truncated as the server's `trunc_print` (300 characters).
pub fn trunc_print(v: &Value) -> String {
    let s = print(v);
    if s.chars().count() > 300 {
        let mut t: String = s.chars().take(297).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    crate::nesting::grow(|| write_pretty_level(v, depth, out))
}

fn write_pretty_level(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            write_block(('[', ']'), a.iter().map(|x| (None, x)), depth, out);
        }
        Value::Object(m) if !m.is_empty() => {
            write_block(('{', '}'), m.iter().map(|(k, x)| (Some(k), x)), depth, out);
        }
        Value::Number(n) => out.push_str(&format_num(n.as_f64().unwrap_or(0.0))),
        other => out.push_str(&other.to_string()),
    }
}

/// An array's or object's items, one a line, indented by tabs as the server prints them.
fn write_block<'a>(
    (open, close): (char, char),
    items: impl ExactSizeIterator<Item = (Option<&'a String>, &'a Value)>,
    depth: usize,
    out: &mut String,
) {
    let indent = |d: usize, out: &mut String| {
        for _ in 0..d {
            out.push('\t');
        }
    };
    out.push(open);
    out.push('\n');
    let n = items.len();
    for (i, (key, x)) in items.enumerate() {
        indent(depth + 1, out);
        if let Some(k) = key {
            out.push_str(&Value::String(k.clone()).to_string());
            out.push_str(":\t");
        }
        write_pretty(x, depth + 1, out);
        if i + 1 < n {
            out.push(',');
        }
        out.push('\n');
    }
    indent(depth, out);
    out.push(close);
}

/// Formats a number as the server prints it (integers without a fraction).
pub fn format_num(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{}", f as i64)
    } else {
        let mut b = ryu_js::Buffer::new();
        b.format(f).to_string()
    }
}

/// JSON text of a datum as the server writes it for `toJsonString` and `coerceTo('string')`:
/// compact, numbers in rapidjson's style (`1e21`, `-0.0`, `9007199254740994.0`).
pub fn server_json(v: &Value) -> RResult<String> {
    let mut out = String::new();
    write_server_json(v, &mut out)?;
    Ok(out)
}

fn write_server_json(v: &Value, out: &mut String) -> RResult<()> {
    match v {
        Value::Number(n) => out.push_str(&server_num(n.as_f64().unwrap_or(0.0))?),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_server_json(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_server_json(x, out)?;
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
    Ok(())
}

/// A number as the server's JSON writer prints it: integers within 2^53 plainly, other
/// values with rapidjson's layout of the shortest digits.
fn server_num(f: f64) -> RResult<String> {
    if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 && !(f == 0.0 && f.is_sign_negative())
    {
        return Ok(format!("{}", f as i64));
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len() as i32;
    if n >= 17 {
        // rapidjson's Grisu2 may pick other 17 digits than the shortest ones.
        return Err(ReqlError::unsupported(
            "printing a number that needs 17 digits (the server's digits may differ)",
        ));
    }
    let kk = exp.parse::<i32>().unwrap_or(0) + 1;
    let k = kk - n;
    let body = if (0..=21).contains(&kk) && k >= 0 {
        format!("{digits}{}.0", "0".repeat(k as usize))
    } else if 0 < kk && kk <= 21 {
        format!("{}.{}", &digits[..kk as usize], &digits[kk as usize..])
    } else if -6 < kk && kk <= 0 {
        format!("0.{}{digits}", "0".repeat((-kk) as usize))
    } else if n == 1 {
        format!("{digits}e{}", kk - 1)
    } else {
        format!("{}.{}e{}", &digits[..1], &digits[1..], kk - 1)
    };
    Ok(if f.is_sign_negative() {
        format!("-{body}")
    } else {
        body
    })
}

/// Formats a number as C's `%.20g`, which the server's integer checks print.
pub fn format_g20(f: f64) -> String {
    let sci = format!("{f:.19e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..20).contains(&exp) {
        let decimals = (19 - exp).max(0) as usize;
        trim(&format!("{f:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

/// The error for a value of the wrong type.
pub fn expected(ty: &str, v: &Value) -> ReqlError {
    let msg = format!("Expected type {ty} but found {}.", type_name(v));
    // The server reports a missing value (NULL) as non-existence, which `default` catches.
    if v.is_null() {
        ReqlError::non_existence(msg)
    } else {
        ReqlError::logic(msg)
    }
}

/// A value as a number, or the server's type error.
pub fn as_num(v: &Value) -> RResult<f64> {
    if let Value::Number(n) = v {
        return Ok(n.as_f64().unwrap_or(0.0));
    }
    Err(expected("NUMBER", v))
}

/// A value as a string, or the server's type error.
pub fn as_str(v: &Value) -> RResult<&str> {
    v.as_str().ok_or_else(|| expected("STRING", v))
}

/// A value as an array, or the server's type error.
pub fn as_arr(v: &Value) -> RResult<&Vec<Value>> {
    v.as_array().ok_or_else(|| expected("ARRAY", v))
}

/// A value as a plain object, or the server's type error.
pub fn as_obj(v: &Value) -> RResult<&Map<String, Value>> {
    match v {
        Value::Object(m) if pseudo_type(v).is_none() => Ok(m),
        _ => Err(expected("OBJECT", v)),
    }
}

/// A value as a bool, or the server's type error.
pub fn as_bool(v: &Value) -> RResult<bool> {
    v.as_bool().ok_or_else(|| expected("BOOL", v))
}

/// A value as an integer (the server requires integral numbers in many places).
pub fn as_int(v: &Value) -> RResult<i64> {
    let f = as_num(v)?;
    if f > 9_007_199_254_740_992.0 {
        return Err(ReqlError::logic(format!(
            "Number not an integer (>2^53): {}",
            format_g20(f)
        )));
    }
    if f < -9_007_199_254_740_992.0 {
        return Err(ReqlError::logic(format!(
            "Number not an integer (<-2^53): {}",
            format_g20(f)
        )));
    }
    if f.fract() != 0.0 {
        return Err(ReqlError::logic(format!(
            "Number not an integer: {}",
            format_g20(f)
        )));
    }
    Ok(f as i64)
}

/// Truthiness: everything but `false` and `null` is true.
pub fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// A datum wrapper ordered by RethinkDB's order, for BTreeMap keys.
#[derive(Debug, Clone)]
pub struct Key(pub Value);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        cmp(&self.0, &other.0) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_order_follows_the_server() {
        let time = json!({"$reql_type$":"TIME","epoch_time":1,"timezone":"+00:00"});
        let bin = json!({"$reql_type$":"BINARY","data":""});
        let order = [
            json!([1]),
            json!(false),
            json!(null),
            json!(5),
            json!({"a":1}),
            bin,
            time,
            json!("a"),
        ];
        for w in order.windows(2) {
            assert_eq!(cmp(&w[0], &w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn integral_floats_print_as_integers() {
        assert_eq!(from_f64(3.0).to_string(), "3");
        assert_eq!(from_f64(1.5).to_string(), "1.5");
        assert_eq!(
            print(&json!({"b":1.0,"a":[1]})),
            "{\n\t\"a\":\t[\n\t\t1\n\t],\n\t\"b\":\t1\n}"
        );
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;
    use serde_json::json;

    #[test]
    /// Values at twice the accepted depth still compare, print and merge on a 2 MiB stack
    /// (a tokio worker's), so the limit keeps a margin.
    fn deep_values_fit_a_small_stack() {
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(|| {
                let mut v = json!(1);
                for _ in 0..MAX_DEPTH {
                    v = json!({"a": [v]});
                }
                let w = v.clone();
                assert_eq!(cmp(&v, &w), Ordering::Equal);
                let c = canonical(v.clone());
                assert!(!print(&c).is_empty());
                let m = super::super::ops::merge_values(v.clone(), w);
                assert!(serde_json::to_string(&m).is_ok());
                assert!(check_depth(&v).is_err());
            })
            .unwrap();
        assert!(handle.join().is_ok());
    }
}
