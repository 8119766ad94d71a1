//! Wire text exactly as the JavaScript driver writes it: `JSON.stringify` of the term, with
//! numbers printed the ECMAScript way (`1e+21`, `1.5e-7`, `-0` as `0`).

use std::fmt::Write as _;

use serde_json::Value;

/// Compact JSON text of `v` as JavaScript's `JSON.stringify` prints it.
pub fn to_wire_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, &mut out);
    out
}

fn write_value(v: &Value, out: &mut String) {
    // An explicit stack keeps deep terms from exhausting the call stack.
    enum Step<'a> {
        Value(&'a Value),
        Raw(&'static str),
        Key(&'a str),
    }
    let mut stack = vec![Step::Value(v)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Raw(s) => out.push_str(s),
            Step::Key(k) => {
                write_string(k, out);
                out.push(':');
            }
            Step::Value(v) => match v {
                Value::Null => out.push_str("null"),
                Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Value::Number(n) => write_number(n, out),
                Value::String(s) => write_string(s, out),
                Value::Array(items) => {
                    out.push('[');
                    stack.push(Step::Raw("]"));
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push(Step::Value(item));
                        if i > 0 {
                            stack.push(Step::Raw(","));
                        }
                    }
                }
                Value::Object(map) => {
                    out.push('{');
                    stack.push(Step::Raw("}"));
                    let entries: Vec<(&String, &Value)> = map.iter().collect();
                    for (i, (k, val)) in entries.into_iter().enumerate().rev() {
                        stack.push(Step::Value(val));
                        stack.push(Step::Key(k));
                        if i > 0 {
                            stack.push(Step::Raw(","));
                        }
                    }
                }
            },
        }
    }
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        if f == 0.0 {
            out.push('0');
        } else if f.is_finite() {
            out.push_str(ryu_js::Buffer::new().format(f));
        } else {
            out.push_str("null");
        }
    }
}

/// A string as JSON text, escaped as JavaScript's `JSON.stringify` escapes it.
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_like_javascript() {
        assert_eq!(
            to_wire_json(&json!([
                1,
                1.5,
                1e21,
                1e-7,
                -0.0,
                123456789012345680000.0,
                0.1
            ])),
            "[1,1.5,1e+21,1e-7,0,123456789012345680000,0.1]"
        );
    }

    #[test]
    fn strings_like_json_stringify() {
        assert_eq!(
            to_wire_json(&json!("a\"b\\c\n\u{1}\u{7f}é\u{2028}")),
            "\"a\\\"b\\\\c\\n\\u0001\u{7f}é\u{2028}\""
        );
    }

    #[test]
    fn terms_compact_and_in_order() {
        assert_eq!(
            to_wire_json(&json!([1, [39, [[15, ["t"]], {"a": 1, "b": [2, []]}]], {}])),
            r#"[1,[39,[[15,["t"]],{"a":1,"b":[2,[]]}]],{}]"#
        );
    }
}
