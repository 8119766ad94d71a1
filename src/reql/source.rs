//! A wire term written back as source code, in JavaScript or Python, that the official driver
//! of that language compiles to the same term: method chains, `r.row` where the driver wraps
//! it, lambdas / arrow functions, optargs as keywords or as an object.

use serde_json::{Map, Value};

use super::Lang;
use super::methods::{self, Optargs, Wrap};
use super::python;
use super::term::is_comparison;
use crate::protocol::TermType;

/// The term as source code in `lang`, or why it cannot be written so that the driver builds
/// the same term.
pub fn to_source(term: &Value, lang: Lang) -> Result<String, String> {
    let w = Writer { lang };
    w.value(term, Pos::Top)
}

/// Where a value is written: what the driver does to it there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// A whole statement.
    Top,
    /// An argument the driver does not wrap.
    Arg,
    /// An argument the driver passes through `func_wrap`: `r.row` stays bare there.
    Wrapped,
    /// The receiver of a method call (a datum needs `r.expr`).
    Receiver,
    /// An operand of a comparison (Python: `&`/`|` must not be infix there).
    Compared,
}

struct Writer {
    lang: Lang,
}

/// A term's type, positional arguments and optargs.
type Parts<'a> = (TermType, &'a [Value], Option<&'a Map<String, Value>>);

/// A term's parts: type, positional arguments, optargs.
fn parts(term: &Value) -> Option<Parts<'_>> {
    let arr = term.as_array()?;
    let tt = TermType::from_i64(arr.first()?.as_i64()?)?;
    let args = arr.get(1)?.as_array()?;
    let opts = arr.get(2).and_then(Value::as_object);
    Some((tt, args.as_slice(), opts))
}

/// True when IMPLICIT_VAR occurs anywhere in `term`.
fn has_ivar(term: &Value) -> bool {
    match term {
        Value::Array(_) => match parts(term) {
            Some((TermType::ImplicitVar, _, _)) => true,
            Some((_, args, opts)) => {
                args.iter().any(has_ivar) || opts.is_some_and(|o| o.values().any(has_ivar))
            }
            None => false,
        },
        Value::Object(o) => o.values().any(has_ivar),
        _ => false,
    }
}

/// The body of a FUNC the driver made from a bare `r.row` value: one parameter, unused, and
/// an `r.row` in the body.
fn row_wrapper(term: &Value) -> Option<&Value> {
    let (TermType::Func, [params, body], _) = parts(term)? else {
        return None;
    };
    let (TermType::MakeArray, [id], _) = parts(params)? else {
        return None;
    };
    (has_ivar(body) && !uses_var(body, id)).then_some(body)
}

fn uses_var(term: &Value, id: &Value) -> bool {
    match term {
        Value::Array(_) => match parts(term) {
            Some((TermType::Var, [v], _)) => v == id,
            Some((_, args, opts)) => {
                args.iter().any(|a| uses_var(a, id))
                    || opts.is_some_and(|o| o.values().any(|a| uses_var(a, id)))
            }
            None => false,
        },
        Value::Object(o) => o.values().any(|a| uses_var(a, id)),
        _ => false,
    }
}

impl Writer {
    fn py(&self) -> bool {
        self.lang == Lang::Python
    }

    fn value(&self, term: &Value, pos: Pos) -> Result<String, String> {
        // Terms nest up to a thousand levels: grow the stack rather than overflow it.
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.value_inner(term, pos))
    }

    fn value_inner(&self, term: &Value, pos: Pos) -> Result<String, String> {
        if pos == Pos::Wrapped
            && let Some(body) = row_wrapper(term)
        {
            return self.value(body, Pos::Arg);
        }
        match term {
            Value::Array(_) => self.term(term, pos),
            Value::Object(o) => {
                let lit = self.object(o)?;
                Ok(if matches!(pos, Pos::Top | Pos::Receiver) {
                    format!("r.expr({lit})")
                } else {
                    lit
                })
            }
            datum => {
                let lit = self.datum(datum)?;
                Ok(if matches!(pos, Pos::Top | Pos::Receiver) {
                    format!("r.expr({lit})")
                } else {
                    lit
                })
            }
        }
    }

    fn datum(&self, d: &Value) -> Result<String, String> {
        Ok(match d {
            Value::Null if self.py() => "None".into(),
            Value::Bool(true) if self.py() => "True".into(),
            Value::Bool(false) if self.py() => "False".into(),
            Value::Number(n) if self.py() => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i.to_string(),
                (_, Some(u), _) => u.to_string(),
                (_, _, Some(f)) => python::float_repr(f),
                _ => return Err("a number the driver cannot send".into()),
            },
            Value::String(s) if self.py() => quoted(s),
            other => other.to_string(),
        })
    }

    fn object(&self, o: &Map<String, Value>) -> Result<String, String> {
        let mut fields = Vec::with_capacity(o.len());
        for (k, v) in o {
            let key = if self.py() {
                quoted(k)
            } else {
                Value::String(k.clone()).to_string()
            };
            fields.push(format!("{key}: {}", self.value(v, Pos::Arg)?));
        }
        Ok(format!("{{{}}}", fields.join(", ")))
    }

    fn term(&self, term: &Value, pos: Pos) -> Result<String, String> {
        let Some((tt, args, opts)) = parts(term) else {
            return Err(format!("not a term: {term}"));
        };
        match (tt, args) {
            (TermType::MakeArray, items) => {
                let items = items
                    .iter()
                    .map(|i| self.value(i, Pos::Arg))
                    .collect::<Result<Vec<_>, _>>()?;
                let lit = format!("[{}]", items.join(", "));
                return Ok(if matches!(pos, Pos::Top | Pos::Receiver) {
                    format!("r.expr({lit})")
                } else {
                    lit
                });
            }
            (TermType::Var, [id]) => return Ok(format!("var_{id}")),
            (TermType::ImplicitVar, []) => return Ok("r.row".into()),
            (TermType::Func, [params, body]) => return self.func(params, body),
            (TermType::Funcall, [f, rest @ ..]) => return self.funcall(f, rest),
            (TermType::Binary, [x]) if opts.is_none() => {
                // Both drivers take a query there; a bare string or list would be refused.
                return Ok(format!("r.binary({})", self.value(x, Pos::Receiver)?));
            }
            (TermType::Bracket, [x, key]) if opts.is_none() => {
                let (x, key) = (self.value(x, Pos::Receiver)?, self.value(key, Pos::Arg)?);
                return Ok(if self.py() {
                    format!("{x}[{key}]")
                } else {
                    format!("{x}({key})")
                });
            }
            _ => {}
        }
        if self.py() {
            if let Some(op) = self.py_operator(tt, args, opts, pos)? {
                return Ok(op);
            }
            return self.py_call(tt, args, opts);
        }
        self.js_call(tt, args, opts)
    }

    fn func(&self, params: &Value, body: &Value) -> Result<String, String> {
        let Some((TermType::MakeArray, ids, _)) = parts(params) else {
            return Err("a function whose parameters are not a list".into());
        };
        let names: Vec<String> = ids.iter().map(|i| format!("var_{i}")).collect();
        let body = self.value(body, Pos::Arg)?;
        Ok(if self.py() {
            let sep = if names.is_empty() { "" } else { " " };
            format!("(lambda{sep}{}: {body})", names.join(", "))
        } else {
            // Parentheses keep an object literal body from reading as a block.
            format!("(({}) => ({body}))", names.join(", "))
        })
    }

    fn funcall(&self, f: &Value, args: &[Value]) -> Result<String, String> {
        let f = self.value(f, Pos::Wrapped)?;
        if let [one] = args {
            return Ok(format!("{}.do({f})", self.value(one, Pos::Receiver)?));
        }
        let mut all = args
            .iter()
            .map(|a| self.value(a, Pos::Arg))
            .collect::<Result<Vec<_>, _>>()?;
        all.push(f);
        Ok(format!("r.do({})", all.join(", ")))
    }

    /// `(a > b)`, `(a & b)`, `~a`: the operators the Python driver overloads, where the
    /// left operand is a query (a plain value there would be reflected or folded).
    fn py_operator(
        &self,
        tt: TermType,
        args: &[Value],
        opts: Option<&Map<String, Value>>,
        pos: Pos,
    ) -> Result<Option<String>, String> {
        if opts.is_some() || !args.first().is_some_and(Value::is_array) || is_datum_array(&args[0])
        {
            return Ok(None);
        }
        if tt == TermType::Not && args.len() == 1 {
            return Ok(Some(format!("~{}", self.value(&args[0], Pos::Receiver)?)));
        }
        let sym = match tt {
            TermType::Eq => "==",
            TermType::Ne => "!=",
            TermType::Lt => "<",
            TermType::Le => "<=",
            TermType::Gt => ">",
            TermType::Ge => ">=",
            TermType::Add => "+",
            TermType::Sub => "-",
            TermType::Mul => "*",
            TermType::Div => "/",
            TermType::Mod => "%",
            TermType::And if pos != Pos::Compared => "&",
            TermType::Or if pos != Pos::Compared => "|",
            _ => return Ok(None),
        };
        let [a, b] = args else {
            return Ok(None);
        };
        let inner = if is_comparison(tt) {
            Pos::Compared
        } else {
            Pos::Arg
        };
        let a = self.value(
            a,
            if inner == Pos::Compared {
                Pos::Compared
            } else {
                Pos::Receiver
            },
        )?;
        Ok(Some(format!("({a} {sym} {})", self.value(b, inner)?)))
    }

    fn py_call(
        &self,
        tt: TermType,
        args: &[Value],
        opts: Option<&Map<String, Value>>,
    ) -> Result<String, String> {
        let receiver_tt = args.first().and_then(parts).map(|p| p.0);
        let r_fn = python::r_name(tt);
        let method = args
            .first()
            .filter(|a| !is_plain_datum(a) || r_fn.is_none())
            .and_then(|_| python::method_name(tt, receiver_tt));
        let (prefix, name, rest) = match method {
            Some(name) => (
                format!("{}.", self.value(&args[0], Pos::Receiver)?),
                name,
                &args[1..],
            ),
            None => match r_fn {
                Some(name) => ("r.".to_string(), name, args),
                None => {
                    return Err(format!(
                        "no Python method or r function builds term type {}",
                        tt.as_i64()
                    ));
                }
            },
        };
        if rest.is_empty() && opts.is_none() && python::is_r_constant(name) {
            return Ok(format!("r.{name}"));
        }
        let wrap = python::wrapped_args(name, method.is_none(), rest.len());
        let mut out = Vec::with_capacity(rest.len());
        for (i, a) in rest.iter().enumerate() {
            let pos = if wrap(i, a) {
                Pos::Wrapped
            } else if is_comparison(tt) {
                Pos::Compared
            } else {
                Pos::Arg
            };
            out.push(self.value(a, pos)?);
        }
        for (k, v) in opts.into_iter().flatten() {
            if !is_identifier(k) {
                return Err(format!("the optarg `{k}` is not a Python keyword name"));
            }
            let pos = if python::keywords_wrapped(name, method.is_none()) {
                Pos::Wrapped
            } else {
                Pos::Arg
            };
            out.push(format!("{k}={}", self.value(v, pos)?));
        }
        Ok(format!("{prefix}{name}({})", out.join(", ")))
    }

    fn js_call(
        &self,
        tt: TermType,
        args: &[Value],
        opts: Option<&Map<String, Value>>,
    ) -> Result<String, String> {
        let find = |list: &'static [methods::Method]| {
            list.iter().find(|m| m.tt == tt && m.tt != TermType::Datum)
        };
        let as_method = if args.is_empty() {
            None
        } else {
            find(methods::term_methods())
        };
        let (prefix, m, rest) = match (as_method, find(methods::r_functions())) {
            (Some(m), _) if !is_plain_datum(&args[0]) || find(methods::r_functions()).is_none() => {
                (
                    format!("{}.", self.value(&args[0], Pos::Receiver)?),
                    m,
                    &args[1..],
                )
            }
            (_, Some(m)) => ("r.".to_string(), m, args),
            (Some(m), None) => (
                format!("{}.", self.value(&args[0], Pos::Receiver)?),
                m,
                &args[1..],
            ),
            (None, None) => {
                return Err(format!(
                    "no JavaScript method or r function builds term type {}",
                    tt.as_i64()
                ));
            }
        };
        if m.arity == methods::Arity::Constant {
            return Ok(format!("r.{}", m.name));
        }
        let n = rest.len();
        js_arity(m, n)?;
        let mut out = Vec::with_capacity(n + 1);
        for (i, a) in rest.iter().enumerate() {
            let wrapped = match m.wrap {
                Wrap::All | Wrap::Do => true,
                Wrap::Last => i + 1 == n,
                Wrap::AllExceptOrdering => {
                    !matches!(parts(a), Some((TermType::Asc | TermType::Desc, _, _)))
                }
                Wrap::Arg(k) => usize::from(k) == i,
                Wrap::None => false,
            };
            let mut s = self.value(a, if wrapped { Pos::Wrapped } else { Pos::Arg })?;
            // A trailing object literal could be read as the options: make it data.
            if i + 1 == n && m.optargs != Optargs::None && a.is_object() {
                s = format!("r.expr({s})");
            }
            out.push(s);
        }
        if let Some(opts) = opts {
            if m.optargs == Optargs::None {
                return Err(format!(
                    "the JavaScript driver takes no options for `{}`",
                    m.name
                ));
            }
            let fields = opts
                .iter()
                .map(|(k, v)| Ok(format!("{}: {}", camel(k), self.value(v, Pos::Arg)?)))
                .collect::<Result<Vec<_>, String>>()?;
            out.push(format!("{{{}}}", fields.join(", ")));
        }
        Ok(format!("{prefix}{}({})", m.name, out.join(", ")))
    }
}

/// The JavaScript driver's own arity check, which would refuse the written call.
fn js_arity(m: &methods::Method, n: usize) -> Result<(), String> {
    let allowed = match m.arity {
        methods::Arity::Exactly(k) | methods::Arity::Positional(k) => n == usize::from(k),
        methods::Arity::Between(lo, hi) => (usize::from(lo)..=usize::from(hi)).contains(&n),
        methods::Arity::AtLeast(lo) => n >= usize::from(lo),
        _ => true,
    };
    if allowed {
        return Ok(());
    }
    Err(format!(
        "the JavaScript driver refuses `{}` with {n} arguments ({})",
        m.name,
        m.signature()
    ))
}

/// A number, string, boolean or null: written as an argument of an `r` function where one
/// exists (`r.add(1, x)`); arrays and objects read better as `r.expr([...]).map(...)`.
fn is_plain_datum(v: &Value) -> bool {
    !v.is_array() && !v.is_object()
}

fn is_datum_array(v: &Value) -> bool {
    matches!(parts(v), Some((TermType::MakeArray, _, _)))
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !python::parser::is_keyword(k)
        && !matches!(k, "lambda" | "None" | "True" | "False")
}

/// `return_changes` → `returnChanges` (the JavaScript driver turns it back).
fn camel(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut upper = false;
    for c in k.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if upper {
        out.push('_');
    }
    out
}

/// A single-quoted string literal for `s`, read alike by Python and JavaScript.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0xd800..0xe000).contains(&(c as u32)) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The JavaScript query `text` with `.changes()` added, or removed when it is the outermost
/// term (the text of its receiver is kept).
pub fn changes_toggled(text: &str) -> Result<String, Vec<super::Diagnostic>> {
    let compiled = super::compile_query(text)?;
    let outer = compiled.term().get(0).and_then(Value::as_i64);
    if outer == Some(TermType::Changes.as_i64())
        && let Some(receiver) = compiled.spans().args.first()
        && let Some(base) = text.get(receiver.span.start..receiver.span.end)
    {
        return Ok(base.to_owned());
    }
    Ok(format!("{text}.changes()"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_are_added_then_removed() {
        let on = changes_toggled("r.table('t').filter({a: 1})");
        assert_eq!(on.as_deref(), Ok("r.table('t').filter({a: 1}).changes()"));
        let off = changes_toggled("r.table('t').filter({a: 1}).changes()");
        assert_eq!(off.as_deref(), Ok("r.table('t').filter({a: 1})"));
        assert!(changes_toggled("r.table(").is_err());
    }

    #[test]
    fn quoted_strings_read_alike_in_both_languages() {
        assert_eq!(quoted("it's\\n\t"), r"'it\'s\\n\t'");
    }

    /// The Python and JavaScript texts of the term `t` are `python` and `js`.
    #[track_caller]
    fn assert_sources(t: &Value, python: &str, js: &str) {
        assert_eq!(to_source(t, Lang::Python).as_deref(), Ok(python));
        assert_eq!(to_source(t, Lang::Js).as_deref(), Ok(js));
    }

    #[test]
    fn python_and_javascript_of_a_filter() {
        let t = json!([
            39,
            [
                [15, ["users"]],
                [69, [[2, [1]], [21, [[170, [[10, [1]], "age"]], 30]]]]
            ]
        ]);
        assert_sources(
            &t,
            "r.table('users').filter((lambda var_1: (var_1['age'] > 30)))",
            "r.table(\"users\").filter(((var_1) => (var_1(\"age\").gt(30))))",
        );
    }

    #[test]
    fn row_stays_bare_where_the_driver_wraps_it() {
        let t = json!([
            39,
            [
                [15, ["t"]],
                [69, [[2, [0]], [17, [[170, [[13, []], "a"]], 1]]]]
            ]
        ]);
        assert_sources(
            &t,
            "r.table('t').filter((r.row['a'] == 1))",
            "r.table(\"t\").filter(r.row(\"a\").eq(1))",
        );
    }
}
