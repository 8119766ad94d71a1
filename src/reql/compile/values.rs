//! JavaScript values: conversions and comparisons as JavaScript does them.

use super::*;

/// Sets the field `k` of an object's fields: in its place if it is there, else last.
pub(super) fn set_field(fields: &mut Fields, k: Str, val: V, names: &Names) {
    match fields.iter().position(|(f, _)| f.same(&k, names)) {
        Some(i) => fields[i].1 = val,
        None => fields.push((k, val)),
    }
}

/// A value whose conversion to a term runs no JavaScript (so it may be converted while the
/// array or object holding it stays borrowed).
pub(super) fn is_plain_leaf(v: &Val) -> bool {
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

pub(super) fn is_array_index(k: &str) -> bool {
    !k.is_empty()
        && k.bytes().all(|b| b.is_ascii_digit())
        && (k == "0" || !k.starts_with('0'))
        && k.parse::<u64>().is_ok_and(|n| n < u64::from(u32::MAX))
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn type_name(v: &Val) -> &'static str {
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

pub(super) fn to_number(names: &Names, v: &Val) -> Option<f64> {
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

pub(super) fn to_js_string(names: &Names, v: &Val) -> Option<String> {
    Some(match v {
        Val::Undef => "undefined".into(),
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Num(n) => js_number_string(*n),
        Val::Str(s) => s.text(names).to_string(),
        _ => return None,
    })
}

pub(super) fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4_294_967_296.0);
    (m as u64 as u32) as i32
}

pub(super) fn truthy(names: &Names, v: &Val) -> bool {
    match v {
        Val::Undef | Val::Null | Val::Poison => false,
        Val::Bool(b) => *b,
        Val::Num(n) => *n != 0.0 && !n.is_nan(),
        Val::Str(s) => !s.text(names).is_empty(),
        _ => true,
    }
}

pub(super) fn strict_eq(names: &Names, a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Undef, Val::Undef) | (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x.same(y, names),
        (Val::Arr(x), Val::Arr(y)) => Rc::ptr_eq(x, y),
        (Val::Obj(x), Val::Obj(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

pub(super) fn loose_eq(names: &Names, a: &Val, b: &Val) -> bool {
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
