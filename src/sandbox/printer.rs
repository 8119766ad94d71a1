//! Wire terms printed back as JavaScript ReQL, for the `query` field of `rethinkdb.jobs`.
//!
//! Follows the shape of the server's own rendering: method chains where the first argument is
//! the receiver (`r.db("d").table("t").changes()`), `r.name(...)` for the terms the server
//! prints as functions (`r.eq(a, b)`, `r.db("d")`), camelCase names from ql2.proto,
//! `function(var1) { return ...; }` for functions and `r.row` for the implicit variable. The
//! server breaks long queries over lines; this prints one line.

use serde_json::{Map, Value};

use super::eval::{Opts, parts, raw_parts, term_type};
use crate::protocol::TermType as T;

/// Deeper terms print as `...`, as the server cuts them.
const MAX_DEPTH: usize = 15;

/// The term as one line of JavaScript.
pub fn javascript(term: &Value) -> String {
    let mut out = String::new();
    Printer { depth: 0 }.term(term, false, &mut out);
    out
}

struct Printer {
    depth: usize,
}

/// `ORDER_BY` → `orderBy`, `DB` → `db`.
fn js_name(upper: &str) -> String {
    let mut out = String::new();
    let mut capital = false;
    for c in upper.chars() {
        if c == '_' {
            capital = true;
        } else if capital {
            out.push(c.to_ascii_uppercase());
            capital = false;
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Terms printed as `r.name(args)` even when they have arguments (as the server prints them).
fn prefix_only(tt: T) -> bool {
    super::time::calendar_number(tt).is_some()
        || matches!(
            tt,
            T::Javascript
                | T::Error
                | T::Db
                | T::Eq
                | T::Ne
                | T::Lt
                | T::Le
                | T::Gt
                | T::Ge
                | T::Not
                | T::Add
                | T::Sub
                | T::Mul
                | T::Div
                | T::Mod
                | T::DbCreate
                | T::DbDrop
                | T::DbList
                | T::Branch
                | T::Or
                | T::And
                | T::Asc
                | T::Desc
                | T::Json
                | T::Iso8601
                | T::EpochTime
                | T::Now
                | T::Time
                | T::Literal
                | T::Object
                | T::Random
                | T::Http
                | T::Args
                | T::Geojson
                | T::Point
                | T::Line
                | T::Polygon
                | T::Circle
                | T::Uuid
                | T::Range
                | T::Minval
                | T::Maxval
                | T::BitAnd
                | T::BitOr
                | T::BitXor
                | T::BitNot
                | T::BitSal
                | T::BitSar
        )
}

/// Terms printed without parentheses when they have no arguments (`r.minval`, `r.monday`).
fn bare(tt: T) -> bool {
    super::time::calendar_number(tt).is_some() || matches!(tt, T::Minval | T::Maxval)
}

impl Printer {
    fn term(&mut self, t: &Value, inside: bool, out: &mut String) {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            out.push_str("...");
        } else {
            self.term_inner(t, inside, out);
        }
        self.depth -= 1;
    }

    /// `inside`: an argument of another term, where a plain datum needs no `r.expr`.
    fn term_inner(&mut self, t: &Value, inside: bool, out: &mut String) {
        match t {
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push_str(": ");
                    self.term(v, true, out);
                }
                out.push('}');
            }
            Value::Array(_) => match raw_parts(t) {
                Some((n, args, opts)) => match term_type(n) {
                    Some(tt) => self.compound(tt, args, opts, inside, out),
                    // A type number ql2.proto does not know: printed as a method `termN`.
                    None => self.call(
                        &format!("term{n}"),
                        !args.is_empty(),
                        false,
                        args,
                        opts,
                        out,
                    ),
                },
                None => out.push_str("..."),
            },
            datum => {
                if inside {
                    out.push_str(&datum.to_string());
                } else {
                    out.push_str("r.expr(");
                    out.push_str(&datum.to_string());
                    out.push(')');
                }
            }
        }
    }

    fn compound(&mut self, tt: T, args: &[Value], opts: Opts<'_>, inside: bool, out: &mut String) {
        match tt {
            T::MakeArray => {
                if !inside {
                    out.push_str("r.expr(");
                }
                out.push('[');
                self.list(args, out);
                out.push(']');
                if !inside {
                    out.push(')');
                }
            }
            T::ImplicitVar => out.push_str("r.row"),
            T::Var => match args.first().and_then(Value::as_i64) {
                Some(n) if n < 0 => out.push_str(&format!("_var{}", -n)),
                Some(n) => out.push_str(&format!("var{n}")),
                None => out.push_str("..."),
            },
            T::Func => {
                out.push_str("function(");
                let params: Vec<String> = match args.first() {
                    Some(p) => match parts(p) {
                        Some((T::MakeArray, ids, _)) => ids.iter().map(Value::to_string).collect(),
                        _ => p
                            .as_array()
                            .map(|a| a.iter().map(Value::to_string).collect())
                            .unwrap_or_default(),
                    },
                    None => Vec::new(),
                };
                let names: Vec<String> = params.iter().map(|p| format!("var{p}")).collect();
                out.push_str(&names.join(", "));
                out.push_str(") { return ");
                if let Some(body) = args.get(1) {
                    self.term(body, false, out);
                }
                out.push_str("; }");
            }
            // BRACKET: `x("field")`
            T::Bracket if args.len() == 2 => {
                self.term(&args[0], false, out);
                out.push('(');
                self.term(&args[1], true, out);
                out.push(')');
            }
            // FUNCALL: `x.do(f)` with one argument, `r.do(args..., f)` otherwise
            T::Funcall if args.len() == 2 => {
                self.term(&args[1], false, out);
                out.push_str(".do(");
                self.term(&args[0], true, out);
                out.push(')');
            }
            T::Funcall => {
                out.push_str("r.do(");
                let (f, rest) = args
                    .split_first()
                    .map_or((None, args), |(f, r)| (Some(f), r));
                self.list(rest, out);
                if let Some(f) = f {
                    if !rest.is_empty() {
                        out.push_str(", ");
                    }
                    self.term(f, true, out);
                }
                out.push(')');
            }
            _ => {
                let name = match tt {
                    T::Javascript => "js".to_owned(),
                    _ => js_name(tt.name()),
                };
                // `r.table("t")` with no database is a function, `db.table("t")` a method.
                let chained =
                    !(prefix_only(tt) || args.is_empty() || (tt == T::Table && args.len() == 1));
                self.call(&name, chained, bare(tt), args, opts, out);
            }
        }
    }

    /// `receiver.name(rest..., {opts})` when chained, else `r.name(args..., {opts})`, or
    /// `r.name` alone for a bare term without arguments.
    fn call(
        &mut self,
        name: &str,
        chained: bool,
        bare: bool,
        args: &[Value],
        opts: Opts<'_>,
        out: &mut String,
    ) {
        if chained {
            self.term(&args[0], false, out);
            out.push('.');
            out.push_str(name);
            out.push('(');
            self.list(&args[1..], out);
        } else {
            out.push_str("r.");
            out.push_str(name);
            if args.is_empty() && opts.is_none() && bare {
                return;
            }
            out.push('(');
            self.list(args, out);
        }
        if let Some(opts) = opts.filter(|o| !o.is_empty()) {
            if !out.ends_with('(') {
                out.push_str(", ");
            }
            self.optargs(opts, out);
        }
        out.push(')');
    }

    fn list(&mut self, items: &[Value], out: &mut String) {
        for (i, a) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.term(a, true, out);
        }
    }

    fn optargs(&mut self, opts: &Map<String, Value>, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in opts.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&Value::String(js_name(&k.to_ascii_uppercase())).to_string());
            out.push_str(": ");
            self.term(v, true, out);
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_functions_and_optargs_print_as_javascript() {
        let feed = json!([T::Changes, [[T::Table, [[T::Db, ["demo"]], "users"]]], {"include_initial": true}]);
        assert_eq!(
            javascript(&feed),
            r#"r.db("demo").table("users").changes({"includeInitial": true})"#
        );
        assert_eq!(javascript(&json!([T::Table, ["t"]])), r#"r.table("t")"#);
        let filter = json!([
            T::Filter,
            [
                [T::Table, ["t"]],
                [
                    T::Func,
                    [
                        [T::MakeArray, [1]],
                        [T::Gt, [[T::Bracket, [[T::Var, [1]], "a"]], 1]]
                    ]
                ]
            ]
        ]);
        assert_eq!(
            javascript(&filter),
            r#"r.table("t").filter(function(var1) { return r.gt(var1("a"), 1); })"#
        );
        assert_eq!(
            javascript(&json!([T::MakeArray, [1, "a"]])),
            r#"r.expr([1, "a"])"#
        );
        assert_eq!(javascript(&json!("x")), r#"r.expr("x")"#);
        assert_eq!(javascript(&json!([T::Minval, []])), "r.minval");
        assert_eq!(javascript(&json!([T::Now, []])), "r.now()");
        assert_eq!(javascript(&json!([T::DbList, []])), "r.dbList()");
        assert_eq!(
            javascript(&json!([T::Insert, [[T::Table, ["t"]], {"a": [T::MakeArray, [1, 2]]}]])),
            r#"r.table("t").insert({"a": [1, 2]})"#
        );
    }

    #[test]
    fn deep_terms_are_cut() {
        let mut t = json!(1);
        for _ in 0..40 {
            t = json!([T::Add, [t, 1]]);
        }
        assert!(javascript(&t).contains("..."));
    }

    #[test]
    fn unknown_term_numbers_print_as_methods() {
        let unknown = json!([999, [[T::Table, ["t"]], 1]]);
        assert_eq!(javascript(&unknown), r#"r.table("t").term999(1)"#);
    }
}
