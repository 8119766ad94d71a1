//! Named queries: `.save NAME`, `.run NAME [k=v ...]`, `.queries` and `rdbsh run NAME`.
//!
//! The store is a TOML file of `name = "query text"` lines, by default
//! `$XDG_DATA_HOME/rdbsh/queries.toml`. A parameter is written `${k}` in the saved text and
//! is bound as a ReQL value, never spliced as text: each `${k}` becomes a generated variable
//! name and a `var` binding of the value, written as a JSON literal, goes first, so a value
//! can never change the query's structure.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::reql::Lang;

/// The default store, next to the history file.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "rdbsh").map(|d| d.data_dir().join("queries.toml"))
}

/// The saved queries of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    /// Name to query text, sorted by name.
    pub queries: BTreeMap<String, String>,
}

impl Store {
    /// Reads the store; a missing file is an empty store, a bad one an error naming the
    /// file and line.
    pub fn load(path: &Path) -> Result<Store, String> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
            Err(e) => return Err(format!("cannot read queries file {}: {e}", path.display())),
        };
        Store::parse(&text).map_err(|(line, why)| {
            format!(
                "queries file {} line {line}: {why}; fix the line or remove the file",
                path.display()
            )
        })
    }

    /// Parses the text of a store: `Err((line, why))`.
    pub fn parse(text: &str) -> Result<Store, (usize, String)> {
        match toml::from_str::<BTreeMap<String, String>>(text) {
            Ok(queries) => Ok(Store { queries }),
            Err(e) => {
                let at = e.span().map_or(0, |s| s.start);
                let line = text[..at.min(text.len())].matches('\n').count() + 1;
                Err((line, e.message().trim().to_lowercase()))
            }
        }
    }

    /// Writes the store atomically: a temporary file in the same directory, then a rename.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let fail = |e: &dyn std::fmt::Display| {
            format!(
                "cannot write queries file {}: {e}; check that its directory is writable",
                path.display()
            )
        };
        let text = toml::to_string(&self.queries).map_err(|e| fail(&e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
        tmp.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
        tmp.persist(path).map_err(|e| fail(&e.error))?;
        Ok(())
    }

    /// `.queries`: one line per query, its name and its text on one line.
    pub fn listing(&self) -> String {
        if self.queries.is_empty() {
            return "no saved queries: run one, then .save NAME\n".into();
        }
        let width = self.queries.keys().map(String::len).max().unwrap_or(0);
        let mut out = String::new();
        for (name, text) in &self.queries {
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push_str(&format!("  {name:<width$}  {one_line}\n"));
        }
        out
    }
}

/// The store file, or an error saying how to get one.
fn need(path: Option<&Path>) -> Result<&Path, String> {
    path.ok_or_else(|| {
        "no place for named queries: set `queries = \"FILE\"` in the profile or HOME".into()
    })
}

/// `.save NAME`: saves `text` under `name`; the message to print.
pub fn save(path: Option<&Path>, name: &str, text: &str) -> Result<String, String> {
    let path = need(path)?;
    if text.trim().is_empty() {
        return Err("no statement to save yet: run one, then .save NAME".into());
    }
    let mut store = Store::load(path)?;
    let replaced = store
        .queries
        .insert(name.to_owned(), text.trim().to_owned())
        .is_some();
    store.save(path)?;
    let verb = if replaced { "replaced" } else { "saved" };
    Ok(format!("{verb} query `{name}` in {}", path.display()))
}

/// `.run NAME k=v ...`: the text to run, with the parameters bound.
pub fn resolve(
    path: Option<&Path>,
    name: &str,
    args: &[(String, String)],
    lang: Lang,
) -> Result<String, String> {
    let path = need(path)?;
    let store = Store::load(path)?;
    let Some(text) = store.queries.get(name) else {
        let known = store.queries.keys().cloned().collect::<Vec<_>>();
        return Err(format!(
            "no saved query `{name}` in {}; saved: {} (.queries lists them)",
            path.display(),
            list(&known)
        ));
    };
    bind(name, text, args, lang)
}

/// `.queries`: the listing, or why the file cannot be read.
pub fn listing(path: Option<&Path>) -> Result<String, String> {
    Ok(Store::load(need(path)?)?.listing())
}

/// The names saved in the store, for completion (none when it cannot be read).
pub fn names(path: Option<&Path>) -> Vec<String> {
    path.and_then(|p| Store::load(p).ok())
        .map(|s| s.queries.into_keys().collect())
        .unwrap_or_default()
}

/// Checks a query name: letters, digits, `_` and `-`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad query name `{name}`: use letters, digits, _ and -"
        ))
    }
}

/// Splits `k=v` arguments.
pub fn parse_args<S: AsRef<str>>(args: &[S]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|arg| {
            let arg = arg.as_ref();
            let (k, v) = arg
                .split_once('=')
                .ok_or_else(|| format!("bad parameter `{arg}`: write it as NAME=VALUE"))?;
            if !is_param_name(k) {
                return Err(format!(
                    "bad parameter name `{k}`: use letters, digits and _"
                ));
            }
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect()
}

fn is_param_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The value of `v`: a JSON literal (number, string in double quotes, true, false, null,
/// array, object), a string in single quotes, else the plain string.
pub fn value_of(v: &str) -> serde_json::Value {
    if let Ok(value) = serde_json::from_str(v) {
        return value;
    }
    let quoted = v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'');
    let text = if quoted { &v[1..v.len() - 1] } else { v };
    serde_json::Value::String(text.to_owned())
}

/// The names of the `${k}` parameters of `text`, in order of first use.
pub fn params(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        match after.find('}') {
            Some(end) if is_param_name(&after[..end]) => {
                let name = after[..end].to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

/// The prefix of the variable a parameter is bound to.
const VAR_PREFIX: &str = "__rdbsh_param_";

/// A variable `.run` made for a parameter (kept out of completion).
pub fn is_generated(name: &str) -> bool {
    name.starts_with(VAR_PREFIX)
}

/// The text to run for `name`'s saved `text` with `args`, in `lang`: the values bound first
/// (`var` in JavaScript, an assignment in Python), each `${k}` replaced by its variable. A
/// missing or unknown parameter is an error naming it.
pub fn bind(
    name: &str,
    text: &str,
    args: &[(String, String)],
    lang: Lang,
) -> Result<String, String> {
    let wanted = params(text);
    if let Some((k, _)) = args.iter().find(|(k, _)| !wanted.contains(k)) {
        return Err(format!(
            "query `{name}` has no parameter `{k}`; its parameters: {}",
            list(&wanted)
        ));
    }
    let mut bound = String::new();
    let mut body = text.to_owned();
    for k in &wanted {
        let Some((_, v)) = args.iter().rev().find(|(a, _)| a == k) else {
            return Err(format!(
                "query `{name}` needs parameter `{k}`: add {k}=VALUE"
            ));
        };
        let literal =
            literal(&value_of(v), lang).map_err(|e| format!("cannot bind parameter `{k}`: {e}"))?;
        bound.push_str(&match lang {
            Lang::Js => format!("var {VAR_PREFIX}{k} = {literal};\n"),
            Lang::Python => format!("{VAR_PREFIX}{k} = {literal}\n"),
        });
        body = body.replace(&format!("${{{k}}}"), &format!("{VAR_PREFIX}{k}"));
    }
    Ok(bound + &body)
}

/// `value` as a literal of `lang`: JSON is one for JavaScript; Python spells the constants
/// `True`, `False` and `None` (a JSON string is a valid Python string literal).
fn literal(value: &serde_json::Value, lang: Lang) -> Result<String, serde_json::Error> {
    use serde_json::Value;
    if lang == Lang::Js {
        return serde_json::to_string(value);
    }
    Ok(match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(_) | Value::String(_) => serde_json::to_string(value)?,
        Value::Array(items) => {
            let items: Result<Vec<_>, _> = items.iter().map(|v| literal(v, lang)).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Object(map) => {
            let mut fields = Vec::new();
            for (k, v) in map {
                let key = serde_json::to_string(k)?;
                fields.push(format!("{key}: {}", literal(v, lang)?));
            }
            format!("{{{}}}", fields.join(", "))
        }
    })
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::reql::{Statement, compile, compile_query};

    fn term_of(text: &str) -> serde_json::Value {
        let mut env = crate::reql::Env::with_lang(crate::reql::Lang::Js);
        let stmts = compile(text, &mut env).map_err(|e| e[0].message.clone());
        let stmts = stmts.unwrap();
        let query = stmts.into_iter().find_map(|s| match s {
            Statement::Query(q) => Some(q),
            Statement::Binding(_) => None,
        });
        query.unwrap().term()
    }

    #[test]
    fn values_are_json_literals_or_plain_strings() {
        assert_eq!(value_of("42"), serde_json::json!(42));
        assert_eq!(value_of("\"a b\""), serde_json::json!("a b"));
        assert_eq!(value_of("'a b'"), serde_json::json!("a b"));
        assert_eq!(value_of("true"), serde_json::json!(true));
        assert_eq!(value_of("null"), serde_json::json!(null));
        assert_eq!(value_of("alice"), serde_json::json!("alice"));
    }

    #[test]
    fn parameters_are_bound_as_values() {
        let text = "r.table('users').filter({age: ${age}, name: ${name}})";
        let args = parse_args(&["age=30", "name=alice"]).unwrap();
        let bound = term_of(&bind("q", text, &args, Lang::Js).unwrap());
        let plain = compile_query("r.table('users').filter({age: 30, name: 'alice'})")
            .unwrap()
            .term();
        assert_eq!(bound, plain);
    }

    #[test]
    fn a_value_cannot_change_the_query() {
        let text = "r.table('users').get(${id})";
        for evil in [
            "')).delete(",
            "\")).delete(",
            "1).delete(",
            "x\"; r.db('a').delete",
        ] {
            let args = vec![("id".to_owned(), evil.to_owned())];
            let bound = term_of(&bind("q", text, &args, Lang::Js).unwrap());
            let want = compile_query("r.table('users').get('PLACEHOLDER')")
                .unwrap()
                .term();
            let want = serde_json::to_string(&want).unwrap().replace(
                "PLACEHOLDER",
                &evil.replace('\\', "\\\\").replace('"', "\\\""),
            );
            assert_eq!(serde_json::to_string(&bound).unwrap(), want, "{evil}");
        }
    }

    #[test]
    fn python_binds_python_literals() {
        let text = "r.expr(${v})";
        let value = r#"{"a": [true, null, 1.5, "q\"')).delete("]}"#;
        let args = vec![("v".to_owned(), value.to_owned())];
        let bound = bind("q", text, &args, Lang::Python).unwrap();
        let mut env = crate::reql::Env::with_lang(Lang::Python);
        let stmts = compile(&bound, &mut env).map_err(|e| e[0].message.clone());
        let term = stmts.unwrap().into_iter().find_map(|s| match s {
            Statement::Query(q) => Some(q.term()),
            Statement::Binding(_) => None,
        });
        let want = compile_query(&format!("r.expr({value})")).unwrap().term();
        assert_eq!(term, Some(want));
    }

    #[test]
    fn missing_and_unknown_parameters_are_named() {
        let text = "r.expr(${a}).add(${b})";
        let err = bind("sum", text, &parse_args(&["a=1"]).unwrap(), Lang::Js).unwrap_err();
        assert!(err.contains("`b`") && err.contains("b=VALUE"), "{err}");
        let err = bind(
            "sum",
            text,
            &parse_args(&["a=1", "b=2", "c=3"]).unwrap(),
            Lang::Js,
        )
        .unwrap_err();
        assert!(err.contains("`c`"), "{err}");
        assert!(parse_args(&["novalue"]).unwrap_err().contains("NAME=VALUE"));
    }

    #[test]
    fn the_store_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("queries.toml");
        assert_eq!(Store::load(&path).unwrap(), Store::default());
        let mut store = Store::default();
        store
            .queries
            .insert("old".into(), "r.table('t')\n  .filter({a: ${a}})".into());
        store.queries.insert("n".into(), "r.expr(\"x'\")".into());
        store.save(&path).unwrap();
        assert_eq!(Store::load(&path).unwrap(), store);
        assert!(
            store
                .listing()
                .contains("old  r.table('t') .filter({a: ${a}})")
        );
    }

    #[test]
    fn a_bad_file_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queries.toml");
        fs::write(&path, "a = \"r.expr(1)\"\nb = oops\n").unwrap();
        let err = Store::load(&path).unwrap_err();
        assert!(err.contains("queries.toml line 2"), "{err}");
    }
}
