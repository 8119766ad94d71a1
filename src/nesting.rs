//! JSON values of any depth: a RethinkDB server stores and returns documents nested 100,000
//! levels deep, deeper than any thread's stack allows plain recursion over.
//!
//! - [`parse`] reads such text into a [`Value`] without recursion (serde_json stops at 128).
//! - [`dispose`] drops one without recursion (`Value`'s own `Drop` recurses); [`Doc`] does so
//!   when it goes out of scope.
//! - [`grow`] wraps each level of a recursion of ours over values, so it moves onto a fresh
//!   heap-allocated stack segment when the current one runs low; [`clone`] and [`to_string`]
//!   are such recursions (serde_json's `Clone` and `Serialize` are not).

use std::ops::{Deref, DerefMut};

use serde::de::Error as _;
use serde_json::{Map, Value};

/// Stack a recursive step may use before [`grow`] switches segments (debug frames are large).
const RED_ZONE: usize = 256 * 1024;
/// Size of each extra stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, on a new stack segment when this one is nearly used up: call it at each level
/// of a recursion over data of unbounded depth.
pub fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Parses JSON text of any nesting depth into a value.
///
/// serde_json's parser (fast, but limited to 128 levels) goes first; only text it refuses
/// is read again by an iterative parser, whose error is then the one reported.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(_) => {
            let mut open = Vec::new();
            let parsed = parse_iterative(text, &mut open);
            for level in open {
                match level {
                    Open::Array(items) => dispose(Value::Array(items)),
                    Open::Object(map, _) => dispose(Value::Object(map)),
                }
            }
            parsed
        }
    }
}

/// A container being read: its elements so far (and an object's pending key).
enum Open {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

/// The iterative parser; what is left in `open` on error is the caller's to dispose.
fn parse_iterative(text: &str, open: &mut Vec<Open>) -> Result<Value, serde_json::Error> {
    let mut r = Reader {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    loop {
        r.ws();
        let mut value = match r.peek() {
            Some(b'[') => {
                r.i += 1;
                r.ws();
                if r.peek() != Some(b']') {
                    open.push(Open::Array(Vec::new()));
                    continue;
                }
                r.i += 1;
                Value::Array(Vec::new())
            }
            Some(b'{') => {
                r.i += 1;
                r.ws();
                if r.peek() != Some(b'}') {
                    let key = r.key()?;
                    open.push(Open::Object(Map::new(), key));
                    continue;
                }
                r.i += 1;
                Value::Object(Map::new())
            }
            Some(b'"') => serde_json::from_str(r.string()?)?,
            Some(_) => r.scalar()?,
            None => return Err(r.error("expected a value")),
        };
        // Attach the value to its container, closing every container it completes.
        loop {
            r.ws();
            match open.last_mut() {
                None if r.i == r.b.len() => return Ok(value),
                None => {
                    dispose(value);
                    return Err(r.error("trailing characters"));
                }
                Some(Open::Array(items)) => {
                    items.push(value);
                    match r.next() {
                        Some(b',') => break,
                        Some(b']') => value = Value::Array(std::mem::take(items)),
                        _ => return Err(r.error("expected `,` or `]`")),
                    }
                }
                Some(Open::Object(map, key)) => {
                    map.insert(std::mem::take(key), value);
                    match r.next() {
                        Some(b',') => {
                            r.ws();
                            *key = r.key()?;
                            break;
                        }
                        Some(b'}') => value = Value::Object(std::mem::take(map)),
                        _ => return Err(r.error("expected `,` or `}`")),
                    }
                }
            }
            open.pop();
        }
    }
}

/// A position in the text being parsed.
struct Reader<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, what: &str) -> serde_json::Error {
        serde_json::Error::custom(format!("{what} at byte {}", self.i))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// The string literal starting here, quotes included; serde_json decodes and checks it.
    fn string(&mut self) -> Result<&'a str, serde_json::Error> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.next() {
                Some(b'"') => break,
                Some(b'\\') => self.i += 1,
                Some(_) => {}
                None => return Err(self.error("unterminated string")),
            }
        }
        self.text
            .get(start..self.i)
            .ok_or_else(|| self.error("unterminated string"))
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<String, serde_json::Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        let key = serde_json::from_str(self.string()?)?;
        self.ws();
        match self.next() {
            Some(b':') => Ok(key),
            _ => Err(self.error("expected `:`")),
        }
    }

    /// A number, `true`, `false` or `null`, checked by serde_json.
    fn scalar(&mut self) -> Result<Value, serde_json::Error> {
        let start = self.i;
        self.i = scalar_end(self.b, start);
        if self.i == start {
            return Err(self.error("expected a value"));
        }
        serde_json::from_str(self.text.get(start..self.i).unwrap_or_default())
    }
}

/// Where a JSON number, `true`, `false` or `null` starting at `start` ends: the first byte
/// that cannot be part of one (the token itself is checked by whoever parses it).
pub fn scalar_end(b: &[u8], start: usize) -> usize {
    let len = b
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
        .count();
    start + len
}

/// The bytes of JSON text that lie outside strings, with their offsets; a string shows up
/// as its opening quote only (its contents, escapes and closing quote are skipped).
pub fn structural(json: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    json.iter().enumerate().filter_map(move |(i, &b)| {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            return None;
        }
        in_string = b == b'"';
        Some((i, b))
    })
}

/// True for arrays and objects.
fn is_container(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Object(_))
}

/// Drops a value of any depth without recursion: containers are emptied one by one.
pub fn dispose(value: Value) {
    if !is_container(&value) {
        return;
    }
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        // Each container is dropped once its nested containers have moved to the stack.
        match v {
            Value::Array(items) => stack.extend(items.into_iter().filter(is_container)),
            Value::Object(map) => {
                stack.extend(map.into_iter().map(|(_, v)| v).filter(is_container))
            }
            _ => {}
        }
    }
}

/// A deep copy of a value of any depth.
pub fn clone(value: &Value) -> Value {
    grow(|| match value {
        Value::Array(items) => Value::Array(items.iter().map(clone).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), clone(v))).collect())
        }
        scalar => scalar.clone(),
    })
}

/// How deeply arrays and objects nest in a value (0 for a scalar), without recursion.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        stack.extend(children.filter(|c| is_container(c)).map(|c| (c, d + 1)));
    }
    deepest
}

/// Appends compact JSON, byte for byte what `serde_json::to_writer` writes, at any depth.
pub fn write_json(value: &Value, out: &mut Vec<u8>) {
    grow(|| match value {
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(k, out);
                out.push(b':');
                write_json(v, out);
            }
            out.push(b'}');
        }
        scalar => write_scalar(scalar, out),
    })
}

/// A string or scalar through serde_json, which cannot fail on these into a `Vec`.
fn write_scalar<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// Compact JSON text of a value of any depth (see [`write_json`]).
pub fn to_string(value: &Value) -> String {
    let mut out = Vec::new();
    write_json(value, &mut out);
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

/// Equality of values of any depth (serde_json's `PartialEq` recurses without bound).
pub fn eq(a: &Value, b: &Value) -> bool {
    grow(|| match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| eq(p, q)))
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (p, q) => p == q,
    })
}

/// A value that drops without recursion (see [`dispose`]), for values that may be deep.
#[derive(Debug, Default)]
pub struct Doc(pub Value);

impl std::fmt::Display for Doc {
    /// Compact JSON, as `Value`'s own `Display` writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_string(&self.0))
    }
}

impl PartialEq for Doc {
    fn eq(&self, other: &Doc) -> bool {
        eq(&self.0, &other.0)
    }
}

impl Doc {
    /// Parses text of any depth (see [`parse`]).
    pub fn parse(text: &str) -> Result<Doc, serde_json::Error> {
        parse(text).map(Doc)
    }

    /// The value, which the caller must now drop with care.
    pub fn into_inner(mut self) -> Value {
        std::mem::take(&mut self.0)
    }
}

impl From<Value> for Doc {
    fn from(value: Value) -> Doc {
        Doc(value)
    }
}

impl Clone for Doc {
    fn clone(&self) -> Doc {
        Doc(clone(&self.0))
    }
}

impl Deref for Doc {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0
    }
}

impl DerefMut for Doc {
    fn deref_mut(&mut self) -> &mut Value {
        &mut self.0
    }
}

impl Drop for Doc {
    fn drop(&mut self) {
        dispose(std::mem::take(&mut self.0));
    }
}

/// `[[…[1]…]]` nested `depth` levels, for tests of deep values.
pub fn deep_array_text(depth: usize) -> String {
    let mut s = String::with_capacity(2 * depth + 1);
    s.extend(std::iter::repeat_n('[', depth));
    s.push('1');
    s.extend(std::iter::repeat_n(']', depth));
    s
}

/// `{"a":{"a":…{"a":1}…}}` nested `depth` levels, for tests of deep values.
pub fn deep_object_text(depth: usize) -> String {
    let mut s = String::with_capacity(6 * depth + 1);
    for _ in 0..depth {
        s.push_str(r#"{"a":"#);
    }
    s.push('1');
    s.extend(std::iter::repeat_n('}', depth));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structural_bytes_skip_strings_and_their_escapes() {
        let text = br#"{"a\"[": [1, "]\\"], "b": "x"}"#;
        let outside: String = structural(text).map(|(_, b)| b as char).collect();
        assert_eq!(outside, r#"{": [1, "], ": "}"#);
        let offsets: Vec<usize> = structural(text).map(|(i, _)| i).take(3).collect();
        assert_eq!(offsets, vec![0, 1, 7]);
    }
    use serde_json::json;

    /// Runs `f` on a thread with a tokio worker's 2 MiB stack.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .unwrap();
        assert!(handle.join().is_ok());
    }

    #[test]
    fn deep_values_parse_clone_write_and_drop_on_a_small_stack() {
        on_small_stack(|| {
            for depth in [1_000, 10_000, 100_000] {
                for text in [deep_array_text(depth), deep_object_text(depth)] {
                    let v = Doc::parse(&text).unwrap();
                    assert_eq!(super::depth(&v), depth);
                    assert_eq!(to_string(&v), text);
                    let copy = v.clone();
                    assert_eq!(super::depth(&copy), depth);
                }
            }
        });
    }

    #[test]
    fn matches_serde_json_on_shallow_text() {
        let texts = [
            r#"{"b": [1, 2.5e3, -0, "x\"\u00e9\ud83d\ude00"], "a": {"c": null, "d": true}, "b2": false}"#,
            r#"{"k": 1, "k": 2}"#,
            "  [ ]  ",
            "\"s\"",
            "123456789012345678901234567890",
        ];
        for text in texts {
            let ours = parse_iterative(text, &mut Vec::new()).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(to_string(&ours), serde_json::to_string(&theirs).unwrap());
        }
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        let deep = deep_array_text(200);
        let bad = [
            "",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "[tru]",
            "[01]",
            "[\"\\x\"]",
            "[\"a\nb\"]",
            "[1]]",
            "[\"\\ud800\"]",
            &deep[1..],
            &deep[..deep.len() - 1],
        ];
        for text in bad {
            assert!(parse(text).is_err(), "accepted {text:?}");
        }
        // What is left open on error is disposed of, however deep.
        on_small_stack(|| {
            let mut text = deep_array_text(100_000);
            text.push(',');
            assert!(parse(&text).is_err());
        });
    }

    #[test]
    fn doc_derefs_and_gives_its_value_back() {
        let d = Doc::from(json!({"a": [1]}));
        assert_eq!(d["a"][0], 1);
        assert_eq!(d.into_inner(), json!({"a": [1]}));
    }
}
