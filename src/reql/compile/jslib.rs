//! The part of JavaScript's standard library that pasted application code applies to plain
//! values while it builds a query: `parseInt(id)`, `email.toLowerCase()`, `ids.map(...)`,
//! `JSON.parse(text)`, `Object.keys(o)`, `new Date().getTime()`... The driver evaluates
//! them as JavaScript before it builds the term, so rdbsh evaluates them the same way.
//! On a ReQL term they are errors that name the ReQL method to use instead.

use std::cell::RefCell;
use std::rc::Rc;

use crate::reql::wire::write_string;

use super::{
    Eval, Fields, Native, Span, Str, V, Val, is_array_index, iso_from_ms, js_number_string,
    parse_date, set_field, strict_eq, to_number, truthy, type_name, v,
};

/// Longest string a library call may build (pasted code never needs more; a runaway
/// `'x'.repeat(1e9)` must not take the memory).
const MAX_STRING: usize = 1 << 24;

/// Global functions and namespaces, by name.
const GLOBALS: &[&str] = &[
    "parseInt",
    "parseFloat",
    "Number",
    "String",
    "Boolean",
    "isNaN",
    "isFinite",
    "encodeURIComponent",
    "decodeURIComponent",
    "encodeURI",
    "decodeURI",
    "JSON",
    "Object",
    "Array",
];

/// Functions of the namespaces, qualified.
const NAMESPACED: &[&str] = &[
    "JSON.parse",
    "JSON.stringify",
    "Object.keys",
    "Object.values",
    "Object.entries",
    "Object.assign",
    "Object.fromEntries",
    "Array.isArray",
    "Array.of",
    "Array.from",
    "Number.isInteger",
    "Number.isSafeInteger",
    "Number.isFinite",
    "Number.isNaN",
    "Number.parseInt",
    "Number.parseFloat",
    "String.fromCharCode",
    "Date.parse",
];

const STRING_METHODS: &[&str] = &[
    "toUpperCase",
    "toLowerCase",
    "toLocaleUpperCase",
    "toLocaleLowerCase",
    "trim",
    "trimStart",
    "trimEnd",
    "trimLeft",
    "trimRight",
    "slice",
    "substring",
    "substr",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "at",
    "indexOf",
    "lastIndexOf",
    "includes",
    "startsWith",
    "endsWith",
    "split",
    "replace",
    "replaceAll",
    "repeat",
    "padStart",
    "padEnd",
    "concat",
    "toString",
    "valueOf",
];

const ARRAY_METHODS: &[&str] = &[
    "concat",
    "join",
    "indexOf",
    "lastIndexOf",
    "includes",
    "slice",
    "map",
    "filter",
    "reduce",
    "forEach",
    "some",
    "every",
    "find",
    "findIndex",
    "reverse",
    "sort",
    "pop",
    "shift",
    "unshift",
    "at",
    "flat",
    "fill",
    "toString",
];

const NUMBER_METHODS: &[&str] = &["toString", "toFixed", "valueOf"];

const BOOLEAN_METHODS: &[&str] = &["toString", "valueOf"];

const DATE_METHODS: &[&str] = &[
    "getTime",
    "valueOf",
    "toISOString",
    "toJSON",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDay",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "getUTCFullYear",
    "getUTCMonth",
    "getUTCDate",
    "getUTCDay",
    "getUTCHours",
    "getUTCMinutes",
    "getUTCSeconds",
    "getUTCMilliseconds",
    "getTimezoneOffset",
];

fn find(list: &'static [&'static str], name: &str) -> Option<&'static str> {
    list.iter().copied().find(|n| *n == name)
}

/// The library global `name` (a function or a namespace), if it is one.
pub(super) fn global(name: &str) -> Option<Val> {
    find(GLOBALS, name).map(|n| Val::Native(Native::Lib(n)))
}

/// `ns.name` of a library namespace (`JSON`, `Object`, `Number`...): a function or a constant.
pub(super) fn namespace_member(ns: &str, name: &str) -> Option<Val> {
    let constant = match (ns, name) {
        ("Number", "MAX_SAFE_INTEGER") => Some(9_007_199_254_740_991.0),
        ("Number", "MIN_SAFE_INTEGER") => Some(-9_007_199_254_740_991.0),
        ("Number", "MAX_VALUE") => Some(f64::MAX),
        ("Number", "MIN_VALUE") => Some(5e-324),
        ("Number", "EPSILON") => Some(f64::EPSILON),
        ("Number", "POSITIVE_INFINITY") => Some(f64::INFINITY),
        ("Number", "NEGATIVE_INFINITY") => Some(f64::NEG_INFINITY),
        ("Number", "NaN") => Some(f64::NAN),
        _ => None,
    };
    if let Some(n) = constant {
        return Some(Val::Num(n));
    }
    NAMESPACED
        .iter()
        .copied()
        .find(|q| q.strip_prefix(ns).and_then(|r| r.strip_prefix('.')) == Some(name))
        .map(|q| Val::Native(Native::Lib(q)))
}

/// The library method `name` of a plain value, bound to it.
pub(super) fn value_method(recv: &Val, name: &str) -> Option<Val> {
    let list = match recv {
        Val::Str(_) => STRING_METHODS,
        Val::Arr(_) => ARRAY_METHODS,
        Val::Num(_) => NUMBER_METHODS,
        Val::Bool(_) => BOOLEAN_METHODS,
        Val::Date(_) => DATE_METHODS,
        _ => return None,
    };
    find(list, name).map(|m| Val::Native(Native::Bound(Box::new((recv.clone(), m)))))
}

/// Whether `name` is a method of some plain value in the library (or `length`, `push`).
pub(super) fn is_value_member(name: &str) -> bool {
    matches!(name, "length" | "push")
        || [
            STRING_METHODS,
            ARRAY_METHODS,
            NUMBER_METHODS,
            BOOLEAN_METHODS,
            DATE_METHODS,
        ]
        .iter()
        .any(|list| list.contains(&name))
}

/// The ReQL method that does on a term what the JavaScript method `name` does on a value.
pub(super) fn reql_equivalent(name: &str) -> Option<&'static str> {
    Some(match name {
        "toUpperCase" | "toLocaleUpperCase" => "upcase()",
        "toLowerCase" | "toLocaleLowerCase" => "downcase()",
        "length" => "count()",
        "includes" => "contains(x)",
        "indexOf" => "offsetsOf(x)",
        "push" => "append(x)",
        "unshift" => "prepend(x)",
        "concat" => "union(other)",
        "substring" | "substr" => "slice(start, end)",
        "startsWith" | "endsWith" => "match('^...') or .match('...$')",
        "toString" => "coerceTo('string')",
        "getTime" | "valueOf" => "toEpochTime()",
        "toISOString" | "toJSON" => "toISO8601()",
        "getFullYear" | "getUTCFullYear" => "year()",
        "getMonth" | "getUTCMonth" => "month() (1 to 12)",
        "getDate" | "getUTCDate" => "day()",
        "getDay" | "getUTCDay" => "dayOfWeek() (1 to 7)",
        "getHours" | "getUTCHours" => "hours()",
        "getMinutes" | "getUTCMinutes" => "minutes()",
        "getSeconds" | "getUTCSeconds" => "seconds()",
        "find" => "filter(f).nth(0)",
        "some" => "contains(f)",
        "trim" => "match(...) or r.js",
        _ => return None,
    })
}

/// The ReQL spelling of a library function applied to a term.
fn reql_for_function(name: &str) -> &'static str {
    match name {
        "parseInt" | "parseFloat" | "Number" | "Number.parseInt" | "Number.parseFloat" => {
            "term.coerceTo('number')"
        }
        "String" => "term.coerceTo('string')",
        "JSON.stringify" => "term.toJsonString()",
        "JSON.parse" => "r.json(term)",
        "Object.keys" => "term.keys()",
        "Object.values" => "term.values()",
        "Array.isArray" => "term.typeOf().eq('ARRAY')",
        _ => "the ReQL methods of the term",
    }
}

/// A standard-library method called on a plain value: its name, arguments and span, and the
/// name errors give it (`String.prototype.split`).
struct LibCall<'a> {
    name: &'a str,
    args: &'a [V],
    span: Span,
    what: String,
}

impl<'a> LibCall<'a> {
    fn new(class: &str, name: &'a str, args: &'a [V], span: Span) -> LibCall<'a> {
        LibCall {
            name,
            args,
            span,
            what: format!("{class}.prototype.{name}"),
        }
    }
}

/// ToUint32: a number modulo 2^32 (NaN and infinities are 0).
fn to_uint32(n: f64) -> u32 {
    super::to_int32(n) as u32
}

/// ToIntegerOrInfinity: NaN is 0, fractions are cut toward zero.
fn to_integer(n: f64) -> f64 {
    if n.is_nan() { 0.0 } else { n.trunc() + 0.0 }
}

/// JavaScript's white space and line terminators (what `trim` removes).
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// The UTF-16 units of `s` from `a` to `b` (clamped), as a string.
fn units(s: &[u16], a: usize, b: usize) -> String {
    let b = b.min(s.len());
    let a = a.min(b);
    String::from_utf16_lossy(&s[a..b])
}

/// A relative index (`slice`, `at`) resolved against `len`: negative counts from the end.
fn relative(n: f64, len: usize) -> usize {
    let len_f = len as f64;
    let n = if n.is_nan() { 0.0 } else { n.trunc() };
    if n < 0.0 {
        (len_f + n).max(0.0) as usize
    } else {
        n.min(len_f) as usize
    }
}

/// The first index of `needle` in `hay` at or after `from` (UTF-16 units).
fn index_of(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    (from..=hay.len().saturating_sub(needle.len()))
        .find(|&i| i + needle.len() <= hay.len() && hay[i..i + needle.len()] == *needle)
}

fn last_index_of(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let start = from.min(hay.len() - needle.len());
    (0..=start)
        .rev()
        .find(|&i| hay[i..i + needle.len()] == *needle)
}

/// `parseInt(text, radix)` as JavaScript reads it: the longest prefix of digits.
fn parse_int(text: &str, radix: f64) -> f64 {
    let s = text.trim_start_matches(is_js_space);
    let (neg, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut radix = i64::from(super::to_int32(radix));
    let mut s = s;
    if (radix == 0 || radix == 16)
        && let Some(rest) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
    {
        s = rest;
        radix = 16;
    }
    if radix == 0 {
        radix = 10;
    }
    if !(2..=36).contains(&radix) {
        return f64::NAN;
    }
    let digits: Vec<u32> = s.chars().map_while(|c| c.to_digit(radix as u32)).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    let n = if radix == 10 {
        // Decimal digits read as one literal round like JavaScript's (exactly, once).
        s[..digits.len()].parse::<f64>().unwrap_or(f64::NAN)
    } else {
        digits
            .iter()
            .fold(0.0, |acc, d| acc * radix as f64 + f64::from(*d))
    };
    if neg { -n } else { n }
}

/// `parseFloat(text)`: the longest prefix that is a decimal literal, or Infinity.
fn parse_float(text: &str) -> f64 {
    let s = text.trim_start_matches(is_js_space);
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    if s[i..].starts_with("Infinity") {
        return if b.first() == Some(&b'-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let digits_from = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut any = i > digits_from;
    if i < b.len() && b[i] == b'.' {
        let j = i + 1;
        let mut k = j;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > j || any {
            any |= k > j;
            i = k;
        }
    }
    if !any {
        return f64::NAN;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        let mut k = i + 1;
        if k < b.len() && matches!(b[k], b'+' | b'-') {
            k += 1;
        }
        let e = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > e {
            i = k;
        }
    }
    s[..i].parse::<f64>().unwrap_or(f64::NAN)
}

/// `Number.prototype.toFixed(digits)`: exact decimal rounding, ties away from zero.
fn to_fixed(x: f64, digits: usize) -> String {
    if !x.is_finite() || x.abs() >= 1e21 {
        return js_number_string(x);
    }
    let neg = x < 0.0;
    let a = x.abs();
    // Rust prints the exact value of the double; a tie is a 5 followed only by zeros.
    let exact = format!("{a:.1100}");
    let dot = exact.find('.').unwrap_or(exact.len());
    let rest = exact.get(dot + 1 + digits..).unwrap_or("");
    let tie = rest.starts_with('5') && rest[1..].bytes().all(|b| b == b'0');
    let mut s = if tie {
        // Round the truncated digits up by one unit of the last place.
        let kept = &exact[..dot + 1 + digits];
        let mut chars: Vec<u8> = kept.trim_end_matches('.').bytes().collect();
        let mut i = chars.len();
        loop {
            if i == 0 {
                chars.insert(0, b'1');
                break;
            }
            i -= 1;
            match chars[i] {
                b'.' => continue,
                b'9' => chars[i] = b'0',
                d => {
                    chars[i] = d + 1;
                    break;
                }
            }
        }
        String::from_utf8(chars).unwrap_or_default()
    } else {
        format!("{a:.digits$}")
    };
    if neg {
        // (-0.001).toFixed(2) is "-0.00" in JavaScript too.
        s.insert(0, '-');
    }
    s
}

/// An integer in base `radix` (2 to 36), as `Number.prototype.toString(radix)` prints it.
fn integer_in_radix(n: f64, radix: u32) -> String {
    let neg = n < 0.0;
    let mut m = n.abs();
    let mut digits = Vec::new();
    while m >= 1.0 {
        let d = (m % f64::from(radix)) as u32;
        digits.push(std::char::from_digit(d, radix).unwrap_or('0'));
        m = (m / f64::from(radix)).floor();
    }
    if digits.is_empty() {
        digits.push('0');
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn encode_uri(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_uri(s: &str, reserved: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let byte = u8::from_str_radix(hex, 16).ok()?;
            if byte.is_ascii() && reserved.as_bytes().contains(&byte) {
                out.extend_from_slice(&b[i..i + 3]);
            } else {
                out.push(byte);
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The keys of an object's fields in JavaScript's order: array indexes ascending, then the
/// others as inserted.
fn ordered_keys(fields: &Fields, names: &super::Names) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..fields.len())
        .filter(|&i| is_array_index(fields[i].0.text(names)))
        .collect();
    idx.sort_by_key(|&i| fields[i].0.text(names).parse::<u64>().unwrap_or(0));
    idx.extend((0..fields.len()).filter(|&i| !is_array_index(fields[i].0.text(names))));
    idx
}

fn arr(items: Vec<V>) -> Val {
    Val::Arr(Rc::new(RefCell::new(items)))
}

fn str_val(s: String) -> Val {
    Val::Str(Str::Own(Rc::from(s)))
}

impl Eval<'_> {
    /// A value as JavaScript's `String(x)` gives it; an error for what rdbsh cannot print as
    /// JavaScript would (a term, a function, a Date's local-time text).
    pub(super) fn js_string(&mut self, x: &V, what: &str) -> Option<String> {
        self.js_string_in(x, what, 0)
    }

    fn js_string_in(&mut self, x: &V, what: &str, depth: u32) -> Option<String> {
        let names = self.names;
        if depth > 512 {
            self.error(x.span, format!("`{what}`: the value is cyclic or too deep"));
            return None;
        }
        Some(match &x.v {
            Val::Undef => "undefined".into(),
            Val::Null => "null".into(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => js_number_string(*n),
            Val::Str(s) => s.text(names).to_string(),
            Val::Arr(items) => {
                let items: Vec<V> = items.borrow().clone();
                if !self.charge(items.len(), x.span) {
                    return None;
                }
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !matches!(item.v, Val::Undef | Val::Null) {
                        out.push_str(&self.js_string_in(item, what, depth + 1)?);
                    }
                    if !self.checked_len(out.len(), x.span) {
                        return None;
                    }
                }
                out
            }
            Val::Obj(_) => "[object Object]".into(),
            Val::Buffer(b) => String::from_utf8_lossy(b).into_owned(),
            Val::Poison => return None,
            Val::Term(_) => {
                self.error_help(
                    x.span,
                    format!("`{what}` works on JavaScript values, not on a ReQL term"),
                    format!("use {}", reql_for_function(what)),
                );
                return None;
            }
            Val::Date(ms) if ms.is_nan() => "Invalid Date".into(),
            Val::Date(_) => {
                self.error_help(
                    x.span,
                    "a Date's text depends on the local time zone",
                    "use date.toISOString()",
                );
                return None;
            }
            other => {
                self.error(
                    x.span,
                    format!(
                        "`{what}` cannot turn {} into a string here",
                        type_name(other)
                    ),
                );
                return None;
            }
        })
    }

    /// A number argument (`ToNumber`); a term is an error.
    pub(super) fn js_number(&mut self, x: &V, what: &str) -> Option<f64> {
        match &x.v {
            Val::Poison => None,
            Val::Term(_) => {
                self.error_help(
                    x.span,
                    format!("`{what}` works on JavaScript values, not on a ReQL term"),
                    format!("use {}", reql_for_function(what)),
                );
                None
            }
            Val::Arr(_) | Val::Obj(_) => {
                let s = self.js_string(x, what)?;
                Some(to_number(self.names, &Val::Str(Str::own(&s))).unwrap_or(f64::NAN))
            }
            other => Some(to_number(self.names, other).unwrap_or(f64::NAN)),
        }
    }

    /// Argument `i` as a number, `default` when it is missing or undefined.
    fn num_arg(&mut self, args: &[V], i: usize, default: f64, what: &str) -> Option<f64> {
        match args.get(i) {
            None => Some(default),
            Some(a) if matches!(a.v, Val::Undef) => Some(default),
            Some(a) => self.js_number(a, what),
        }
    }

    fn str_arg(&mut self, args: &[V], i: usize, what: &str) -> Option<String> {
        match args.get(i) {
            None => Some("undefined".into()),
            Some(a) => self.js_string(a, what),
        }
    }

    /// Counts `n` units of library work against the statement's step budget (a library call
    /// on a huge value costs what the loop doing it would).
    fn charge(&mut self, n: usize, span: Span) -> bool {
        self.steps = self.steps.saturating_add(n as u64);
        if self.steps > super::MAX_STEPS {
            return self.halt(span);
        }
        true
    }

    /// A library call's result, counted against the compile budget (JSON.parse's nested
    /// values were counted by their text).
    fn built_result(&mut self, r: Option<Val>, span: Span) -> V {
        match r {
            Some(x) if self.built_value(&x, span) => v(x, span),
            _ => v(Val::Poison, span),
        }
    }

    fn checked_len(&mut self, len: usize, span: Span) -> bool {
        if len > MAX_STRING {
            self.error(
                span,
                format!(
                    "the string would be longer than {} MiB (the compile budget's limit \
                     for one string)",
                    MAX_STRING >> 20
                ),
            );
            return false;
        }
        true
    }

    /// What `for (x of it)` (`keys` false) or `for (k in it)` goes through; `None` after an
    /// error.
    pub(super) fn iteration(&mut self, it: V, keys: bool, span: Span) -> Option<Vec<V>> {
        let names = self.names;
        match (&it.v, keys) {
            (Val::Poison, _) => None,
            (Val::Term(_), _) => {
                self.error_help(
                    it.span,
                    "a JavaScript loop cannot go through a ReQL term",
                    "loop in ReQL instead: .forEach(...), .map(...)",
                );
                None
            }
            (Val::Arr(items), false) => Some(items.borrow().clone()),
            (Val::Str(s), false) => Some(
                s.text(names)
                    .chars()
                    .map(|c| v(str_val(c.to_string()), it.span))
                    .collect(),
            ),
            (Val::Undef | Val::Null, true) => Some(Vec::new()),
            (Val::Obj(_) | Val::Arr(_) | Val::Str(_), true) => {
                match self.object_parts("Object.keys", std::slice::from_ref(&it), span)? {
                    Val::Arr(keys) => Some(keys.borrow().clone()),
                    _ => None,
                }
            }
            (_, true) => Some(Vec::new()),
            (other, false) => {
                self.error(
                    it.span,
                    format!("TypeError: {} is not iterable", type_name(other)),
                );
                None
            }
        }
    }

    /// A call of a library function or namespace (`Native::Lib`).
    pub(super) fn call_lib(&mut self, name: &'static str, args: Vec<V>, span: Span) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        let r = match name {
            "parseInt" | "Number.parseInt" => self.str_arg(&args, 0, name).and_then(|s| {
                let radix = self.num_arg(&args, 1, 0.0, name)?;
                Some(Val::Num(parse_int(&s, radix)))
            }),
            "parseFloat" | "Number.parseFloat" => self
                .str_arg(&args, 0, name)
                .map(|s| Val::Num(parse_float(&s))),
            "Number" => match args.first() {
                None => Some(Val::Num(0.0)),
                Some(a) => self.js_number(a, name).map(Val::Num),
            },
            "String" => match args.first() {
                None => Some(str_val(String::new())),
                Some(a) => self.js_string(a, name).map(str_val),
            },
            "Boolean" => Some(Val::Bool(
                args.first().is_some_and(|a| truthy(self.names, &a.v)),
            )),
            "isNaN" => self
                .num_arg(&args, 0, f64::NAN, name)
                .map(|n| Val::Bool(n.is_nan())),
            "isFinite" => self
                .num_arg(&args, 0, f64::NAN, name)
                .map(|n| Val::Bool(n.is_finite())),
            "Number.isInteger" | "Number.isSafeInteger" | "Number.isFinite" | "Number.isNaN" => {
                Some(Val::Bool(match args.first().map(|a| &a.v) {
                    Some(Val::Num(n)) => match name {
                        "Number.isInteger" => n.is_finite() && n.fract() == 0.0,
                        "Number.isSafeInteger" => {
                            n.is_finite() && n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0
                        }
                        "Number.isFinite" => n.is_finite(),
                        _ => n.is_nan(),
                    },
                    _ => false,
                }))
            }
            "encodeURIComponent" | "encodeURI" => self.str_arg(&args, 0, name).map(|s| {
                let keep = if name == "encodeURI" {
                    "-_.!~*'();/?:@&=+$,#"
                } else {
                    "-_.!~*'()"
                };
                str_val(encode_uri(&s, keep))
            }),
            "decodeURIComponent" | "decodeURI" => {
                let s = self.str_arg(&args, 0, name);
                let reserved = if name == "decodeURI" {
                    ";/?:@&=+$,#"
                } else {
                    ""
                };
                match s.map(|s| decode_uri(&s, reserved)) {
                    Some(Some(d)) => Some(str_val(d)),
                    Some(None) => {
                        self.error(span, "URIError: malformed URI sequence");
                        None
                    }
                    None => None,
                }
            }
            "String.fromCharCode" => {
                let mut units = Vec::with_capacity(args.len());
                for i in 0..args.len() {
                    let n = self.num_arg(&args, i, 0.0, name);
                    units.push(super::to_int32(n.unwrap_or(0.0)) as u16);
                }
                Some(str_val(String::from_utf16_lossy(&units)))
            }
            "Date.parse" => self
                .str_arg(&args, 0, name)
                .map(|s| Val::Num(parse_date(&s, self.clock).unwrap_or(f64::NAN))),
            "JSON.parse" => self.json_parse(&args, span),
            "JSON.stringify" => self.json_stringify(&args, span),
            "Object.keys" | "Object.values" | "Object.entries" => {
                self.object_parts(name, &args, span)
            }
            "Object.assign" => self.object_assign(&args, span),
            "Object.fromEntries" => self.object_from_entries(&args, span),
            "Array.isArray" => Some(Val::Bool(matches!(
                args.first().map(|a| &a.v),
                Some(Val::Arr(_))
            ))),
            "Array.of" => Some(arr(args.clone())),
            // `Array(n)` is n empty slots (read as undefined); `Array(a, b)` is [a, b].
            "Array" => match args.as_slice() {
                [n] if matches!(n.v, Val::Num(_)) => {
                    let Val::Num(n) = n.v else {
                        return v(Val::Poison, span);
                    };
                    if n < 0.0 || n.fract() != 0.0 || n > 1e7 {
                        self.error(span, "RangeError: invalid array length");
                        None
                    } else if !self.charge(n as usize, span) {
                        None
                    } else {
                        Some(arr(vec![v(Val::Undef, span); n as usize]))
                    }
                }
                _ => Some(arr(args.clone())),
            },
            "Array.from" => self.array_from(&args, span),
            _ => {
                self.error(span, format!("`{name}` is not a function"));
                None
            }
        };
        self.built_result(r, span)
    }

    fn json_parse(&mut self, args: &[V], span: Span) -> Option<Val> {
        let text = self.str_arg(args, 0, "JSON.parse")?;
        if !self.charge(text.len() / 8, span) || !self.build(text.len() * 4, span) {
            return None;
        }
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(j) => Some(self.json_value(&j, span)),
            Err(e) => {
                self.error(span, format!("JSON.parse: {e}"));
                None
            }
        }
    }

    fn json_value(&self, j: &serde_json::Value, span: Span) -> Val {
        use serde_json::Value as J;
        match j {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => Val::Num(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Val::Str(Str::own(s)),
            J::Array(items) => arr(items
                .iter()
                .map(|x| v(self.json_value(x, span), span))
                .collect()),
            J::Object(map) => {
                let fields: Fields = map
                    .iter()
                    .map(|(k, x)| (Str::own(k), v(self.json_value(x, span), span)))
                    .collect();
                Val::Obj(Rc::new(RefCell::new(fields)))
            }
        }
    }

    fn json_stringify(&mut self, args: &[V], span: Span) -> Option<Val> {
        let Some(x) = args.first() else {
            return Some(Val::Undef);
        };
        if args
            .get(1)
            .is_some_and(|a| !matches!(a.v, Val::Undef | Val::Null))
        {
            self.error(span, "JSON.stringify with a replacer is not supported");
            return None;
        }
        let indent = match args.get(2).map(|a| &a.v) {
            Some(Val::Num(n)) => " ".repeat(n.clamp(0.0, 10.0) as usize),
            Some(Val::Str(s)) => s.text(self.names).chars().take(10).collect(),
            _ => String::new(),
        };
        let mut out = String::new();
        if self.stringify(x, &indent, "", &mut out, 0)? {
            Some(str_val(out))
        } else {
            Some(Val::Undef)
        }
    }

    /// Writes `x` as JSON text; false when JavaScript would leave it out (undefined, a
    /// function).
    fn stringify(
        &mut self,
        x: &V,
        indent: &str,
        cur: &str,
        out: &mut String,
        depth: u32,
    ) -> Option<bool> {
        if depth > 512 {
            self.error(x.span, "JSON.stringify: the value is cyclic or too deep");
            return None;
        }
        // Copying text costs what a loop copying it would.
        let text_len = match &x.v {
            Val::Str(s) => s.text(self.names).len(),
            _ => 0,
        };
        if !self.checked_len(out.len() + text_len, x.span) || !self.charge(1 + text_len / 8, x.span)
        {
            return None;
        }
        let names = self.names;
        let inner = format!("{cur}{indent}");
        let (open_sep, item_sep, close_sep) = if indent.is_empty() {
            (String::new(), ",".to_string(), String::new())
        } else {
            (
                format!("\n{inner}"),
                format!(",\n{inner}"),
                format!("\n{cur}"),
            )
        };
        match &x.v {
            Val::Undef | Val::Func(_) | Val::Native(_) | Val::Method(..) | Val::R => {
                return Some(false);
            }
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Num(n) if n.is_finite() => out.push_str(&js_number_string(*n)),
            Val::Num(_) => out.push_str("null"),
            Val::Str(s) => write_string(s.text(names), out),
            Val::Date(ms) => match iso_from_ms(*ms) {
                Some(iso) => write_string(&iso, out),
                None => out.push_str("null"),
            },
            Val::Buffer(b) => {
                out.push_str("{\"type\":\"Buffer\",\"data\":[");
                let bytes: Vec<String> = b.iter().map(u8::to_string).collect();
                out.push_str(&bytes.join(","));
                out.push_str("]}");
            }
            Val::Arr(items) => {
                let items: Vec<V> = items.borrow().clone();
                if items.is_empty() {
                    out.push_str("[]");
                    return Some(true);
                }
                out.push('[');
                out.push_str(&open_sep);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&item_sep);
                    }
                    if !self.stringify(item, indent, &inner, out, depth + 1)? {
                        out.push_str("null");
                    }
                }
                out.push_str(&close_sep);
                out.push(']');
            }
            Val::Obj(fields) => {
                let fields: Fields = fields.borrow().clone();
                out.push('{');
                let mut any = false;
                for i in ordered_keys(&fields, names) {
                    let (k, fv) = &fields[i];
                    let mark = out.len();
                    out.push_str(if any { &item_sep } else { &open_sep });
                    write_string(k.text(names), out);
                    out.push(':');
                    if !indent.is_empty() {
                        out.push(' ');
                    }
                    if self.stringify(fv, indent, &inner, out, depth + 1)? {
                        any = true;
                    } else {
                        out.truncate(mark);
                    }
                }
                if any {
                    out.push_str(&close_sep);
                }
                out.push('}');
            }
            Val::Term(_) => {
                self.error_help(
                    x.span,
                    "`JSON.stringify` works on JavaScript values, not on a ReQL term",
                    "use term.toJsonString()",
                );
                return None;
            }
            Val::Poison => return None,
        }
        Some(true)
    }

    fn object_parts(&mut self, name: &str, args: &[V], span: Span) -> Option<Val> {
        let names = self.names;
        let Some(x) = args.first() else {
            self.error(span, format!("`{name}` needs an object"));
            return None;
        };
        let pairs: Vec<(String, V)> = match &x.v {
            Val::Obj(fields) => {
                let fields = fields.borrow();
                ordered_keys(&fields, names)
                    .into_iter()
                    .map(|i| (fields[i].0.text(names).to_string(), fields[i].1.clone()))
                    .collect()
            }
            Val::Arr(items) => items
                .borrow()
                .iter()
                .enumerate()
                .map(|(i, item)| (i.to_string(), item.clone()))
                .collect(),
            Val::Str(s) => s
                .text(names)
                .encode_utf16()
                .enumerate()
                .map(|(i, u)| {
                    (
                        i.to_string(),
                        v(str_val(String::from_utf16_lossy(&[u])), x.span),
                    )
                })
                .collect(),
            Val::Undef | Val::Null => {
                self.error(x.span, format!("`{name}` cannot read {}", type_name(&x.v)));
                return None;
            }
            Val::Term(_) => {
                self.error_help(
                    x.span,
                    format!("`{name}` works on JavaScript values, not on a ReQL term"),
                    format!("use {}", reql_for_function(name)),
                );
                return None;
            }
            _ => Vec::new(),
        };
        let span = x.span;
        let items = pairs
            .into_iter()
            .map(|(k, val)| match name {
                "Object.keys" => v(str_val(k), span),
                "Object.values" => val,
                _ => v(arr(vec![v(str_val(k), span), val]), span),
            })
            .collect();
        Some(arr(items))
    }

    fn object_assign(&mut self, args: &[V], span: Span) -> Option<Val> {
        let names = self.names;
        let Some(Val::Obj(target)) = args.first().map(|a| &a.v) else {
            self.error(span, "Object.assign needs a plain object to assign to");
            return None;
        };
        for src in &args[1..] {
            match &src.v {
                Val::Obj(fields) => {
                    let fields: Fields = fields.borrow().clone();
                    for (k, fv) in fields {
                        self.stored(&fv.v);
                        set_field(&mut target.borrow_mut(), k, fv, names);
                    }
                }
                Val::Undef | Val::Null | Val::Num(_) | Val::Bool(_) => {}
                // Strings and arrays copy their elements under their indexes.
                Val::Str(_) | Val::Arr(_) => {
                    let Some(Val::Arr(entries)) =
                        self.object_parts("Object.entries", std::slice::from_ref(src), span)
                    else {
                        return None;
                    };
                    let entries: Vec<V> = entries.borrow().clone();
                    for pair in entries {
                        let Val::Arr(pair) = &pair.v else { continue };
                        let pair: Vec<V> = pair.borrow().clone();
                        if let [k, fv] = pair.as_slice()
                            && let Val::Str(k) = &k.v
                        {
                            self.stored(&fv.v);
                            set_field(&mut target.borrow_mut(), k.clone(), fv.clone(), names);
                        }
                    }
                }
                other => {
                    self.error(
                        src.span,
                        format!("Object.assign cannot copy from {}", type_name(other)),
                    );
                    return None;
                }
            }
        }
        Some(Val::Obj(target.clone()))
    }

    fn object_from_entries(&mut self, args: &[V], span: Span) -> Option<Val> {
        let names = self.names;
        let Some(Val::Arr(items)) = args.first().map(|a| &a.v) else {
            self.error(
                span,
                "Object.fromEntries needs an array of [key, value] pairs",
            );
            return None;
        };
        let items: Vec<V> = items.borrow().clone();
        let mut fields = Fields::new();
        for item in items {
            let Val::Arr(pair) = &item.v else {
                self.error(item.span, "Object.fromEntries needs [key, value] pairs");
                return None;
            };
            let pair: Vec<V> = pair.borrow().clone();
            let key = match pair.first() {
                Some(k) => self.js_string(k, "Object.fromEntries")?,
                None => "undefined".into(),
            };
            let val = pair.get(1).cloned().unwrap_or(v(Val::Undef, item.span));
            set_field(&mut fields, Str::own(&key), val, names);
        }
        Some(Val::Obj(Rc::new(RefCell::new(fields))))
    }

    fn array_from(&mut self, args: &[V], span: Span) -> Option<Val> {
        let names = self.names;
        let items: Vec<V> = match args.first().map(|a| &a.v) {
            Some(Val::Arr(items)) => items.borrow().clone(),
            // `Array.from({length: n}, (_, i) => ...)`: n times undefined.
            Some(Val::Obj(fields)) => {
                let length = fields
                    .borrow()
                    .iter()
                    .find(|(k, _)| k.text(names) == "length")
                    .map(|(_, x)| x.clone());
                let n = match length {
                    Some(x) => to_integer(self.js_number(&x, "Array.from")?).max(0.0),
                    None => 0.0,
                };
                if n > 1e7 || !self.charge(n as usize, span) {
                    self.error(span, "RangeError: invalid array length");
                    return None;
                }
                vec![v(Val::Undef, span); n as usize]
            }
            Some(Val::Str(s)) => s
                .text(names)
                .chars()
                .map(|c| v(str_val(c.to_string()), span))
                .collect(),
            _ => {
                self.error(span, "Array.from is supported for arrays and strings");
                return None;
            }
        };
        match args.get(1) {
            Some(f) if !matches!(f.v, Val::Undef) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let r =
                        self.call_value(f.clone(), vec![item, v(Val::Num(i as f64), span)], span);
                    if matches!(r.v, Val::Poison) {
                        return None;
                    }
                    out.push(r);
                }
                Some(arr(out))
            }
            _ => Some(arr(items)),
        }
    }

    /// A call of a method bound to a plain value (`Native::Bound`).
    pub(super) fn call_bound(
        &mut self,
        recv: Val,
        name: &'static str,
        args: Vec<V>,
        span: Span,
    ) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        let size = match &recv {
            Val::Str(s) => s.text(self.names).len() / 8,
            Val::Arr(items) => items.borrow().len(),
            _ => 0,
        };
        if !self.charge(size + 1, span) {
            return v(Val::Poison, span);
        }
        let r = match &recv {
            Val::Str(s) => {
                let text = s.text(self.names).to_string();
                self.string_method(&text, name, &args, span)
            }
            Val::Arr(items) => self.array_method(items, name, &args, span),
            Val::Num(n) => self.number_method(*n, name, &args, span),
            Val::Bool(b) => Some(match name {
                "toString" => str_val(b.to_string()),
                _ => Val::Bool(*b),
            }),
            Val::Date(ms) => self.date_method(*ms, name, span),
            _ => None,
        };
        self.built_result(r, span)
    }

    fn string_method(&mut self, s: &str, name: &str, args: &[V], span: Span) -> Option<Val> {
        let call = LibCall::new("String", name, args, span);
        let what = &call.what;
        let u: Vec<u16> = s.encode_utf16().collect();
        let len = u.len();
        Some(match name {
            "toUpperCase" | "toLocaleUpperCase" => str_val(s.to_uppercase()),
            "toLowerCase" | "toLocaleLowerCase" => str_val(s.to_lowercase()),
            "trim" => str_val(s.trim_matches(is_js_space).to_string()),
            "trimStart" | "trimLeft" => str_val(s.trim_start_matches(is_js_space).to_string()),
            "trimEnd" | "trimRight" => str_val(s.trim_end_matches(is_js_space).to_string()),
            "toString" | "valueOf" => str_val(s.to_string()),
            "slice" => {
                let a = relative(self.num_arg(args, 0, 0.0, what)?, len);
                let b = relative(self.num_arg(args, 1, len as f64, what)?, len);
                str_val(units(&u, a, b))
            }
            "substring" => {
                let clamp = |n: f64| {
                    if n.is_nan() {
                        0
                    } else {
                        n.clamp(0.0, len as f64) as usize
                    }
                };
                let a = clamp(self.num_arg(args, 0, 0.0, what)?);
                let b = clamp(self.num_arg(args, 1, len as f64, what)?);
                str_val(units(&u, a.min(b), a.max(b)))
            }
            "substr" => {
                let a = relative(self.num_arg(args, 0, 0.0, what)?, len);
                let n = self.num_arg(args, 1, f64::INFINITY, what)?;
                let n = if n.is_nan() { 0.0 } else { n.max(0.0) };
                let b = (a as f64 + n).min(len as f64) as usize;
                str_val(units(&u, a, b))
            }
            "codePointAt" => {
                let i = to_integer(self.num_arg(args, 0, 0.0, what)?);
                if i < 0.0 || i >= len as f64 {
                    Val::Undef
                } else {
                    let i = i as usize;
                    let c = match char::decode_utf16(u[i..].iter().copied()).next() {
                        Some(Ok(c)) => u32::from(c),
                        _ => u32::from(u[i]),
                    };
                    Val::Num(f64::from(c))
                }
            }
            "charAt" | "charCodeAt" | "at" => self.string_char(&u, &call)?,
            "indexOf" | "lastIndexOf" | "includes" | "startsWith" | "endsWith" => {
                self.string_search(&u, &call)?
            }
            "split" => self.string_split(s, &u, &call)?,
            "replace" | "replaceAll" => return self.string_replace(s, &u, &call),
            "repeat" => {
                let n = to_integer(self.num_arg(args, 0, 0.0, what)?);
                if n < 0.0 || n.is_infinite() {
                    self.error(span, "RangeError: invalid count for repeat");
                    return None;
                }
                let n = if n.is_nan() { 0 } else { n as usize };
                let len = s.len().saturating_mul(n);
                if !self.checked_len(len, span) || !self.charge(len / 8, span) {
                    return None;
                }
                str_val(s.repeat(n))
            }
            "padStart" | "padEnd" => self.string_pad(s, &u, &call)?,
            "concat" => {
                let mut out = s.to_string();
                for i in 0..args.len() {
                    out.push_str(&self.str_arg(args, i, what)?);
                    if !self.checked_len(out.len(), span) {
                        return None;
                    }
                }
                str_val(out)
            }
            _ => return None,
        })
    }

    /// `String.prototype.indexOf`, `lastIndexOf`, `includes`, `startsWith` and `endsWith`.
    fn string_search(&mut self, u: &[u16], call: &LibCall<'_>) -> Option<Val> {
        let (name, args, what) = (call.name, call.args, &call.what);
        let len = u.len();
        Some({
            let needle: Vec<u16> = self.str_arg(args, 0, what)?.encode_utf16().collect();
            match name {
                "indexOf" => {
                    let from = relative(self.num_arg(args, 1, 0.0, what)?.max(0.0), len);
                    Val::Num(index_of(u, &needle, from).map_or(-1.0, |i| i as f64))
                }
                "lastIndexOf" => {
                    let from = self.num_arg(args, 1, f64::INFINITY, what)?;
                    let from = if from.is_nan() {
                        len
                    } else {
                        from.clamp(0.0, len as f64) as usize
                    };
                    Val::Num(last_index_of(u, &needle, from).map_or(-1.0, |i| i as f64))
                }
                "includes" => {
                    let from = relative(self.num_arg(args, 1, 0.0, what)?.max(0.0), len);
                    Val::Bool(index_of(u, &needle, from).is_some())
                }
                "startsWith" => {
                    let at = relative(self.num_arg(args, 1, 0.0, what)?.max(0.0), len);
                    Val::Bool(u[at..].starts_with(&needle))
                }
                _ => {
                    let end = relative(self.num_arg(args, 1, len as f64, what)?.max(0.0), len);
                    Val::Bool(u[..end].ends_with(&needle))
                }
            }
        })
    }

    /// `String.prototype.split`.
    fn string_split(&mut self, s: &str, u: &[u16], call: &LibCall<'_>) -> Option<Val> {
        let (args, span, what) = (call.args, call.span, &call.what);
        let len = u.len();
        Some({
            let limit = match args.get(1).map(|a| &a.v) {
                None | Some(Val::Undef) => u32::MAX as usize,
                _ => to_uint32(self.num_arg(args, 1, 0.0, what)?) as usize,
            };
            let parts: Vec<String> = match args.first().map(|a| &a.v) {
                None | Some(Val::Undef) => vec![s.to_string()],
                Some(_) => {
                    let sep: Vec<u16> = self.str_arg(args, 0, what)?.encode_utf16().collect();
                    if sep.is_empty() {
                        u.iter().map(|c| String::from_utf16_lossy(&[*c])).collect()
                    } else {
                        let mut parts = Vec::new();
                        let mut at = 0;
                        while let Some(i) = index_of(u, &sep, at) {
                            parts.push(units(u, at, i));
                            at = i + sep.len();
                        }
                        parts.push(units(u, at, len));
                        parts
                    }
                }
            };
            if !self.charge(parts.len(), span) {
                return None;
            }
            arr(parts
                .into_iter()
                .take(limit)
                .map(|p| v(str_val(p), span))
                .collect())
        })
    }

    /// `String.prototype.padStart` and `padEnd`.
    fn string_pad(&mut self, s: &str, u: &[u16], call: &LibCall<'_>) -> Option<Val> {
        let (name, args, span, what) = (call.name, call.args, call.span, &call.what);
        let len = u.len();
        Some({
            let target = self.num_arg(args, 0, 0.0, what)?;
            let target = if target.is_nan() {
                0
            } else {
                target.max(0.0) as usize
            };
            let fill: Vec<u16> = match args.get(1).map(|a| &a.v) {
                None | Some(Val::Undef) => vec![u16::from(b' ')],
                _ => self.str_arg(args, 1, what)?.encode_utf16().collect(),
            };
            if target <= len || fill.is_empty() {
                str_val(s.to_string())
            } else {
                if !self.checked_len(target, span) {
                    return None;
                }
                let pad: Vec<u16> = fill.iter().copied().cycle().take(target - len).collect();
                let pad = String::from_utf16_lossy(&pad);
                if name == "padStart" {
                    str_val(pad + s)
                } else {
                    str_val(s.to_string() + &pad)
                }
            }
        })
    }

    /// `String.prototype.charAt`, `charCodeAt` and `at`.
    fn string_char(&mut self, u: &[u16], call: &LibCall<'_>) -> Option<Val> {
        let (name, args, what) = (call.name, call.args, &call.what);
        let len = u.len();
        Some({
            let i = self.num_arg(args, 0, 0.0, what)?;
            let i = if i.is_nan() { 0.0 } else { i.trunc() };
            let i = if name == "at" && i < 0.0 {
                i + len as f64
            } else {
                i
            };
            let unit = (i >= 0.0 && i < len as f64).then(|| u[i as usize]);
            match (name, unit) {
                ("charCodeAt", Some(c)) => Val::Num(f64::from(c)),
                ("charCodeAt", None) => Val::Num(f64::NAN),
                ("at", None) => Val::Undef,
                (_, c) => str_val(
                    c.map(|c| String::from_utf16_lossy(&[c]))
                        .unwrap_or_default(),
                ),
            }
        })
    }

    /// `replace` / `replaceAll` with a string pattern; the replacement is a string (with `$&`,
    /// `$$`, `` $` ``, `$'`) or a function of the match.
    fn string_replace(&mut self, s: &str, u: &[u16], call: &LibCall<'_>) -> Option<Val> {
        let (name, args, span, what) = (call.name, call.args, call.span, &call.what);
        let pattern: Vec<u16> = self.str_arg(args, 0, what)?.encode_utf16().collect();
        let replacement = args.get(1).cloned().unwrap_or(v(Val::Undef, span));
        let mut hits = Vec::new();
        let mut at = 0;
        while let Some(i) = index_of(u, &pattern, at) {
            hits.push(i);
            if name == "replace" {
                break;
            }
            at = i + pattern.len().max(1);
            if at > u.len() {
                break;
            }
        }
        let mut out: Vec<u16> = Vec::with_capacity(u.len());
        let mut last = 0;
        for i in hits {
            out.extend_from_slice(&u[last..i]);
            let matched = &u[i..i + pattern.len()];
            let with: Vec<u16> = match &replacement.v {
                Val::Func(_) | Val::Native(_) | Val::Method(..) => {
                    let call_args = vec![
                        v(str_val(String::from_utf16_lossy(matched)), span),
                        v(Val::Num(i as f64), span),
                        v(str_val(s.to_string()), span),
                    ];
                    let r = self.call_value(replacement.clone(), call_args, span);
                    self.js_string(&r, what)?.encode_utf16().collect()
                }
                _ => {
                    let t: Vec<u16> = self.js_string(&replacement, what)?.encode_utf16().collect();
                    let mut w = Vec::with_capacity(t.len());
                    let mut k = 0;
                    while k < t.len() {
                        if t[k] == u16::from(b'$') && k + 1 < t.len() {
                            match t[k + 1] {
                                c if c == u16::from(b'$') => w.push(c),
                                c if c == u16::from(b'&') => w.extend_from_slice(matched),
                                c if c == u16::from(b'`') => w.extend_from_slice(&u[..i]),
                                c if c == u16::from(b'\'') => {
                                    w.extend_from_slice(&u[i + pattern.len()..]);
                                }
                                _ => {
                                    w.push(t[k]);
                                    k += 1;
                                    continue;
                                }
                            }
                            k += 2;
                        } else {
                            w.push(t[k]);
                            k += 1;
                        }
                    }
                    w
                }
            };
            out.extend_from_slice(&with);
            last = i + pattern.len();
            if !self.checked_len(out.len(), span) {
                return None;
            }
        }
        out.extend_from_slice(&u[last.min(u.len())..]);
        Some(str_val(String::from_utf16_lossy(&out)))
    }

    fn number_method(&mut self, n: f64, name: &str, args: &[V], span: Span) -> Option<Val> {
        let what = format!("Number.prototype.{name}");
        Some(match name {
            "toString" => {
                let radix = self.num_arg(args, 0, 10.0, &what)?;
                if !(2.0..=36.0).contains(&radix) {
                    self.error(
                        span,
                        "RangeError: toString() radix must be between 2 and 36",
                    );
                    return None;
                }
                let radix = radix as u32;
                if radix == 10 || !n.is_finite() {
                    str_val(js_number_string(n))
                } else if n.fract() == 0.0 {
                    str_val(integer_in_radix(n, radix))
                } else {
                    self.error(span, "toString(radix) of a fraction is not supported");
                    return None;
                }
            }
            "toFixed" => {
                let d = self.num_arg(args, 0, 0.0, &what)?;
                if !(0.0..=100.0).contains(&d) {
                    self.error(
                        span,
                        "RangeError: toFixed() digits must be between 0 and 100",
                    );
                    return None;
                }
                str_val(to_fixed(n, d as usize))
            }
            _ => Val::Num(n),
        })
    }

    /// `flat(depth)`: the items of `items`, arrays among them spread `depth` levels deep
    /// (`level`: how deep this call is; past 512 levels an array can only be cyclic).
    fn flatten_into(
        &mut self,
        items: Vec<V>,
        depth: f64,
        out: &mut Vec<V>,
        span: Span,
        level: u32,
    ) -> Option<()> {
        if level > 512 {
            self.error(span, "`flat`: the array is cyclic or too deep");
            return None;
        }
        if !self.charge(items.len(), span) {
            return None;
        }
        for item in items {
            match &item.v {
                Val::Arr(inner) if depth >= 1.0 => {
                    let inner: Vec<V> = inner.borrow().clone();
                    self.flatten_into(inner, depth - 1.0, out, span, level + 1)?;
                }
                _ => out.push(item),
            }
        }
        Some(())
    }

    fn date_method(&mut self, ms: f64, name: &str, span: Span) -> Option<Val> {
        use chrono::{DateTime, Datelike, Timelike, Utc};
        match name {
            "getTime" | "valueOf" => return Some(Val::Num(ms)),
            "toISOString" | "toJSON" => {
                return match iso_from_ms(ms) {
                    Some(iso) => Some(str_val(iso)),
                    None if name == "toJSON" => Some(Val::Null),
                    None => {
                        self.error(span, "RangeError: invalid time value");
                        None
                    }
                };
            }
            _ => {}
        }
        let Some(utc) = (ms.is_finite() && ms.abs() <= 8.64e15)
            .then(|| DateTime::<Utc>::from_timestamp_millis(ms as i64))
            .flatten()
        else {
            return Some(Val::Num(f64::NAN));
        };
        let Some(local) = self.clock.local(utc) else {
            return Some(Val::Num(f64::NAN));
        };
        let n = match name {
            // Whole minutes, as V8 gives them (local mean times of old dates have seconds).
            "getTimezoneOffset" => (-f64::from(local.offset().local_minus_utc()) / 60.0).trunc(),
            "getFullYear" => f64::from(local.year()),
            "getMonth" => f64::from(local.month0()),
            "getDate" => f64::from(local.day()),
            "getDay" => f64::from(local.weekday().num_days_from_sunday()),
            "getHours" => f64::from(local.hour()),
            "getMinutes" => f64::from(local.minute()),
            "getSeconds" => f64::from(local.second()),
            "getMilliseconds" | "getUTCMilliseconds" => ms.rem_euclid(1000.0),
            "getUTCFullYear" => f64::from(utc.year()),
            "getUTCMonth" => f64::from(utc.month0()),
            "getUTCDate" => f64::from(utc.day()),
            "getUTCDay" => f64::from(utc.weekday().num_days_from_sunday()),
            "getUTCHours" => f64::from(utc.hour()),
            "getUTCMinutes" => f64::from(utc.minute()),
            "getUTCSeconds" => f64::from(utc.second()),
            _ => return None,
        };
        Some(Val::Num(n))
    }

    fn array_method(
        &mut self,
        items: &Rc<RefCell<Vec<V>>>,
        name: &str,
        args: &[V],
        span: Span,
    ) -> Option<Val> {
        let call = LibCall::new("Array", name, args, span);
        let what = &call.what;
        let snapshot = || items.borrow().clone();
        Some(match name {
            "concat" => {
                let mut out = snapshot();
                for a in args {
                    match &a.v {
                        Val::Arr(more) => out.extend(more.borrow().iter().cloned()),
                        _ => out.push(a.clone()),
                    }
                }
                arr(out)
            }
            "join" | "toString" => self.array_join(items, &call)?,
            "indexOf" | "lastIndexOf" | "includes" => self.array_search(items, &call)?,
            "slice" => {
                let all = snapshot();
                let a = relative(self.num_arg(args, 0, 0.0, what)?, all.len());
                let b = relative(self.num_arg(args, 1, all.len() as f64, what)?, all.len());
                arr(all.get(a..b.max(a)).map(<[V]>::to_vec).unwrap_or_default())
            }
            "at" => {
                let all = snapshot();
                let i = to_integer(self.num_arg(args, 0, 0.0, what)?);
                let i = if i < 0.0 { i + all.len() as f64 } else { i };
                if i >= 0.0 && (i as usize) < all.len() {
                    all[i as usize].v.clone()
                } else {
                    Val::Undef
                }
            }
            "flat" => {
                let depth = to_integer(self.num_arg(args, 0, 1.0, what)?);
                let mut out = Vec::new();
                self.flatten_into(snapshot(), depth, &mut out, span, 0)?;
                arr(out)
            }
            "fill" => {
                let x = args.first().cloned().unwrap_or(v(Val::Undef, span));
                self.stored(&x.v);
                let len = items.borrow().len();
                let a = relative(self.num_arg(args, 1, 0.0, what)?, len);
                let b = relative(self.num_arg(args, 2, len as f64, what)?, len);
                let mut guard = items.borrow_mut();
                for slot in guard.iter_mut().take(b).skip(a) {
                    *slot = x.clone();
                }
                drop(guard);
                Val::Arr(items.clone())
            }
            "map" | "filter" | "forEach" | "some" | "every" | "find" | "findIndex" => {
                self.array_iterate(items, &call)?
            }
            "reduce" => self.array_reduce(items, &call)?,
            "reverse" => {
                items.borrow_mut().reverse();
                Val::Arr(items.clone())
            }
            "sort" => self.array_sort(items, &call)?,
            "pop" | "shift" => {
                let mut guard = items.borrow_mut();
                let x = if name == "pop" {
                    guard.pop()
                } else if guard.is_empty() {
                    None
                } else {
                    Some(guard.remove(0))
                };
                x.map_or(Val::Undef, |x| x.v)
            }
            "unshift" => {
                for a in args {
                    self.stored(&a.v);
                }
                let mut guard = items.borrow_mut();
                for (i, a) in args.iter().enumerate() {
                    guard.insert(i, a.clone());
                }
                Val::Num(guard.len() as f64)
            }
            _ => return None,
        })
    }

    /// `Array.prototype.join` and `toString`.
    fn array_join(&mut self, items: &Rc<RefCell<Vec<V>>>, call: &LibCall<'_>) -> Option<Val> {
        let (name, args, span, what) = (call.name, call.args, call.span, &call.what);
        let snapshot = || items.borrow().clone();
        Some({
            let sep = match args.first().map(|a| &a.v) {
                Some(Val::Undef) | None => ",".to_string(),
                _ if name == "toString" => ",".to_string(),
                _ => self.str_arg(args, 0, what)?,
            };
            let mut out = String::new();
            for (i, item) in snapshot().iter().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                if !matches!(item.v, Val::Undef | Val::Null) {
                    out.push_str(&self.js_string(item, what)?);
                }
                if !self.checked_len(out.len(), span) {
                    return None;
                }
            }
            str_val(out)
        })
    }

    /// `Array.prototype.indexOf`, `lastIndexOf` and `includes`.
    fn array_search(&mut self, items: &Rc<RefCell<Vec<V>>>, call: &LibCall<'_>) -> Option<Val> {
        let (name, args, what) = (call.name, call.args, &call.what);
        let names = self.names;
        let snapshot = || items.borrow().clone();
        Some({
            let all = snapshot();
            let x = args.first().map_or(Val::Undef, |a| a.v.clone());
            let same = |y: &Val| match (&x, y) {
                (Val::Num(a), Val::Num(b)) if name == "includes" => {
                    a == b || (a.is_nan() && b.is_nan())
                }
                _ => strict_eq(names, &x, y),
            };
            let len = all.len() as f64;
            // fromIndex: from the end when negative; lastIndexOf searches backwards from it.
            let from = match args.get(1).map(|a| &a.v) {
                None | Some(Val::Undef) if name == "lastIndexOf" => len - 1.0,
                None | Some(Val::Undef) => 0.0,
                _ => to_integer(self.num_arg(args, 1, 0.0, what)?),
            };
            let from = if from < 0.0 { len + from } else { from };
            let found = if name == "lastIndexOf" {
                if from < 0.0 {
                    None
                } else {
                    let end = (from.min(len - 1.0) + 1.0) as usize;
                    all[..end].iter().rposition(|y| same(&y.v))
                }
            } else {
                let start = from.clamp(0.0, len) as usize;
                all[start..]
                    .iter()
                    .position(|y| same(&y.v))
                    .map(|i| i + start)
            };
            match name {
                "includes" => Val::Bool(found.is_some()),
                _ => Val::Num(found.map_or(-1.0, |i| i as f64)),
            }
        })
    }

    /// `Array.prototype.map`, `filter`, `forEach`, `some`, `every`, `find` and `findIndex`.
    fn array_iterate(&mut self, items: &Rc<RefCell<Vec<V>>>, call: &LibCall<'_>) -> Option<Val> {
        let (name, args, span) = (call.name, call.args, call.span);
        let names = self.names;
        let snapshot = || items.borrow().clone();
        Some({
            let Some(f) = args.first().cloned() else {
                self.error(span, format!("`{name}` needs a function"));
                return None;
            };
            let this = v(Val::Arr(items.clone()), span);
            let mut out = Vec::new();
            for (i, item) in snapshot().into_iter().enumerate() {
                let call_args = vec![item.clone(), v(Val::Num(i as f64), span), this.clone()];
                let r = self.call_value(f.clone(), call_args, span);
                if matches!(r.v, Val::Poison) {
                    return None;
                }
                let yes = truthy(names, &r.v);
                match name {
                    "map" => out.push(r),
                    "filter" if yes => out.push(item),
                    "some" if yes => return Some(Val::Bool(true)),
                    "every" if !yes => return Some(Val::Bool(false)),
                    "find" if yes => return Some(item.v),
                    "findIndex" if yes => return Some(Val::Num(i as f64)),
                    _ => {}
                }
            }
            match name {
                "map" | "filter" => arr(out),
                "some" => Val::Bool(false),
                "every" => Val::Bool(true),
                "findIndex" => Val::Num(-1.0),
                _ => Val::Undef,
            }
        })
    }

    /// `Array.prototype.reduce`.
    fn array_reduce(&mut self, items: &Rc<RefCell<Vec<V>>>, call: &LibCall<'_>) -> Option<Val> {
        let (args, span) = (call.args, call.span);
        let snapshot = || items.borrow().clone();
        Some({
            let Some(f) = args.first().cloned() else {
                self.error(span, "`reduce` needs a function");
                return None;
            };
            let all = snapshot();
            let mut rest = all.iter().enumerate();
            let mut acc = match args.get(1) {
                Some(init) => init.clone(),
                None => match rest.next() {
                    Some((_, first)) => first.clone(),
                    None => {
                        self.error(
                            span,
                            "TypeError: reduce of an empty array with no initial value",
                        );
                        return None;
                    }
                },
            };
            let this = v(Val::Arr(items.clone()), span);
            for (i, item) in rest {
                let call_args = vec![acc, item.clone(), v(Val::Num(i as f64), span), this.clone()];
                acc = self.call_value(f.clone(), call_args, span);
                if matches!(acc.v, Val::Poison) {
                    return None;
                }
            }
            acc.v
        })
    }

    /// `Array.prototype.sort`.
    fn array_sort(&mut self, items: &Rc<RefCell<Vec<V>>>, call: &LibCall<'_>) -> Option<Val> {
        let (args, span, what) = (call.args, call.span, &call.what);
        let names = self.names;
        let snapshot = || items.borrow().clone();
        Some({
            let mut all = snapshot();
            let cmp = args.first().filter(|a| !matches!(a.v, Val::Undef)).cloned();
            // Undefined sorts last, without calling the comparator (as JavaScript does).
            let undefs = all.iter().filter(|x| matches!(x.v, Val::Undef)).count();
            all.retain(|x| !matches!(x.v, Val::Undef));
            let mut failed = false;
            let mut keys = Vec::new();
            if cmp.is_none() {
                for x in &all {
                    match self.js_string(x, what) {
                        Some(s) => keys.push(s.encode_utf16().collect::<Vec<u16>>()),
                        None => return None,
                    }
                }
            }
            let mut order: Vec<usize> = (0..all.len()).collect();
            order.sort_by(|&a, &b| {
                if failed {
                    return std::cmp::Ordering::Equal;
                }
                match &cmp {
                    None => keys[a].cmp(&keys[b]),
                    Some(f) => {
                        let r =
                            self.call_value(f.clone(), vec![all[a].clone(), all[b].clone()], span);
                        match to_number(names, &r.v) {
                            _ if matches!(r.v, Val::Poison) => {
                                failed = true;
                                std::cmp::Ordering::Equal
                            }
                            Some(n) if n < 0.0 => std::cmp::Ordering::Less,
                            Some(n) if n > 0.0 => std::cmp::Ordering::Greater,
                            _ => std::cmp::Ordering::Equal,
                        }
                    }
                }
            });
            if failed {
                return None;
            }
            let mut sorted: Vec<V> = order.into_iter().map(|i| all[i].clone()).collect();
            sorted.extend(std::iter::repeat_n(v(Val::Undef, span), undefs));
            *items.borrow_mut() = sorted;
            Val::Arr(items.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_reads_the_longest_prefix() {
        assert_eq!(parse_int("42px", f64::NAN), 42.0);
        assert_eq!(parse_int("  -0x1F", f64::NAN), -31.0);
        assert_eq!(parse_int("101", 2.0), 5.0);
        assert!(parse_int("px", f64::NAN).is_nan());
        assert!(parse_int("7", 1.0).is_nan());
        assert_eq!(parse_int("4.9", 0.0), 4.0);
    }

    #[test]
    fn parse_float_reads_the_longest_prefix() {
        assert_eq!(parse_float("3.25kg"), 3.25);
        assert_eq!(parse_float(" .5"), 0.5);
        assert_eq!(parse_float("1e3x"), 1000.0);
        assert_eq!(parse_float("1e"), 1.0);
        assert_eq!(parse_float("-Infinity"), f64::NEG_INFINITY);
        assert!(parse_float("x1").is_nan());
    }

    #[test]
    fn to_fixed_rounds_the_exact_value_with_ties_up() {
        assert_eq!(to_fixed(1.2345, 2), "1.23");
        assert_eq!(to_fixed(2.5, 0), "3");
        assert_eq!(to_fixed(-2.5, 0), "-3");
        assert_eq!(to_fixed(1.005, 2), "1.00"); // 1.005 is 1.00499999... as a double
        assert_eq!(to_fixed(0.125, 2), "0.13");
        assert_eq!(to_fixed(9.995, 2), "9.99");
        assert_eq!(to_fixed(99.5, 0), "100");
        assert_eq!(to_fixed(1e21, 2), "1e+21");
    }

    #[test]
    fn radix_and_uri_helpers() {
        assert_eq!(integer_in_radix(255.0, 16), "ff");
        assert_eq!(integer_in_radix(-5.0, 2), "-101");
        assert_eq!(encode_uri("a b&c/é", "-_.!~*'()"), "a%20b%26c%2F%C3%A9");
        assert_eq!(decode_uri("a%20b%C3%A9", "").as_deref(), Some("a bé"));
        assert_eq!(decode_uri("%E0%A4%A", ""), None);
    }
}
