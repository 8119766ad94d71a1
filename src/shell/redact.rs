//! Secrets kept out of history, found by what a statement means rather than how it is
//! written: object keys after evaluation (`{['pass' + 'word']: …}`, `"pass\u0077ord"`,
//! `r.object(k, v)`), values of any type, names bound with `var`, at any depth.
//!
//! An entry is compiled on its own in a session where unknown names are opaque terms; each
//! value under a secret-looking key is a secret, and every literal of the entry inside such a
//! value, or whose value is part of a secret, is replaced by [`REDACTED`]. A statement that
//! does not compile is kept only when no secret-looking name appears in it at all.

use crate::reql::lexer::{self, Kind, Lexed, StrLit, Token};
use crate::reql::{self, Env, Span, SpanMap, Statement};
use crate::shell::statement::{Item, items};
use serde_json::{Map, Value};

/// What replaces a secret value in a history entry.
pub const REDACTED: &str = "<redacted>";

/// Key patterns whose values are secrets when `[history] redact` does not say otherwise.
/// Matched against keys and bound names lower-cased with everything but letters and digits
/// removed (`api_key`, `apiKey` and `API-KEY` are all `apikey`); `*` matches any run.
pub const DEFAULT_PATTERNS: &[&str] = &[
    "*password*",
    "*passwd*",
    "*passphrase*",
    "pass",
    "*pwd*",
    "pw",
    "*secret*",
    "*token*",
    "*apikey*",
    "*authkey*",
    "*privatekey*",
    "*credential*",
];

/// A `[history] redact` pattern that cannot match a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "history redact pattern {0:?} names nothing: write letters or digits, with `*` for any run \
     (e.g. \"*password*\")"
)]
pub struct PatternError(pub String);

/// Decides which keys are secret and redacts history entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redactor {
    /// Normalised patterns (see [`DEFAULT_PATTERNS`]).
    patterns: Vec<String>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            patterns: DEFAULT_PATTERNS.iter().map(|p| normalise(p)).collect(),
        }
    }
}

/// Lower case, letters, digits and `*` only: the form keys and patterns are compared in.
fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric() || *c == '*')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What the compiled entry says is secret: source ranges whose literals all go, and values
/// whose literals go wherever they are written.
#[derive(Debug, Default)]
struct Found {
    regions: Vec<Span>,
    strings: Vec<String>,
    numbers: Vec<f64>,
}

impl Found {
    fn is_empty(&self) -> bool {
        self.regions.is_empty() && self.strings.is_empty() && self.numbers.is_empty()
    }
}

/// The parts of a wire term: its type, arguments and optargs.
type TermParts<'a> = (u64, &'a [Value], Option<&'a Map<String, Value>>);

/// `[type, [args], {optargs}]`: the parts of a wire term (every JSON array in one is a term).
fn term_parts(items: &[Value]) -> Option<TermParts<'_>> {
    let kind = items.first()?.as_u64()?;
    let args = items.get(1)?.as_array()?;
    Some((kind, args, items.get(2).and_then(Value::as_object)))
}

/// `OBJECT`, whose arguments are key, value pairs.
const OBJECT: u64 = 143;

impl Redactor {
    /// Patterns as written in `[history] redact` (they replace the defaults).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Redactor, PatternError> {
        let mut out = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let normal = normalise(pattern.as_ref());
            if normal.chars().all(|c| c == '*') {
                return Err(PatternError(pattern.as_ref().to_owned()));
            }
            out.push(normal);
        }
        Ok(Redactor { patterns: out })
    }

    /// Whether values under this key (or bound to this name) are secrets.
    pub fn is_secret_key(&self, key: &str) -> bool {
        let key = normalise(key);
        !key.is_empty() && self.patterns.iter().any(|p| glob(p, &key))
    }

    /// Whether some secret-looking name appears anywhere in `text`, escapes resolved and
    /// string pieces joined (`'pass' + 'word'`): used for what cannot be compiled.
    pub fn may_hold_secret(&self, text: &str) -> bool {
        let lexed = lexer::lex(text);
        let mut strings = String::new();
        for t in &lexed.tokens {
            if let Some(s) = string_value(&lexed, t) {
                strings.push_str(s);
            }
        }
        [normalise(text), normalise(&strings)].iter().any(|t| {
            self.patterns.iter().any(|p| {
                glob(p, t)
                    || p.split('*')
                        .any(|part| !part.is_empty() && t.contains(part))
            })
        })
    }

    /// The entry as history keeps it, or `None` when it must not be kept (a statement that
    /// does not compile and may hold a secret).
    pub fn entry(&self, text: &str) -> Option<String> {
        let found = self.meaning(text)?;
        let redacted = if found.is_empty() {
            text.to_owned()
        } else {
            self.replace_literals(text, &found)
        };
        Some(super::history::redact_text(&redacted, self))
    }

    /// Compiles each statement of `text` and gathers its secrets.
    fn meaning(&self, text: &str) -> Option<Found> {
        let mut env = Env::with_opaque_names();
        let mut found = Found::default();
        for item in items(text) {
            let Item::Code(span) = item else { continue };
            let code = span.text(text);
            match reql::compile(code, &mut env) {
                Ok(statements) => {
                    for s in statements {
                        self.statement(&s, span.start, &mut env, &mut found);
                    }
                }
                Err(_) if self.may_hold_secret(code) => return None,
                Err(_) => {}
            }
        }
        Some(found)
    }

    fn statement(&self, s: &Statement, base: usize, env: &mut Env, found: &mut Found) {
        match s {
            Statement::Query(q) => {
                self.walk(&q.term(), Some(&q.spans()), base, found);
                self.object(&q.global_optargs, None, base, found);
            }
            Statement::Binding(b) => {
                if b.names.iter().any(|n| self.is_secret_key(n)) {
                    found
                        .regions
                        .push(Span::new(b.span.start + base, b.span.end + base));
                }
                // The bound value, read back as a term: a secret inside it (`var c =
                // {password: …}`) is found by its value, as spans point into this probe.
                for name in &b.names {
                    let probe = format!("r.expr({name})");
                    if let Ok(mut compiled) = reql::compile(&probe, env)
                        && let Some(Statement::Query(q)) = compiled.pop()
                    {
                        self.walk(&q.term(), None, base, found);
                    }
                }
            }
        }
    }

    /// Looks for secret keys in a wire term, with its span map when it comes from the entry.
    fn walk(&self, term: &Value, spans: Option<&SpanMap>, base: usize, found: &mut Found) {
        match term {
            Value::Array(items) => {
                let Some((kind, args, optargs)) = term_parts(items) else {
                    return;
                };
                let arg_span = |i: usize| spans.and_then(|m| m.args.get(i));
                if kind == OBJECT {
                    for (i, pair) in args.chunks(2).enumerate() {
                        if let [Value::String(key), value] = pair
                            && self.is_secret_key(key)
                        {
                            take(value, arg_span(2 * i + 1), base, found);
                        }
                    }
                }
                for (i, arg) in args.iter().enumerate() {
                    self.walk(arg, arg_span(i), base, found);
                }
                if let Some(optargs) = optargs {
                    self.object(optargs, spans, base, found);
                }
            }
            Value::Object(fields) => self.object(fields, spans, base, found),
            _ => {}
        }
    }

    fn object(
        &self,
        fields: &Map<String, Value>,
        spans: Option<&SpanMap>,
        base: usize,
        found: &mut Found,
    ) {
        for (key, value) in fields {
            let span = spans.and_then(|m| m.optargs.iter().find(|(k, _)| k == key).map(|(_, s)| s));
            if self.is_secret_key(key) {
                take(value, span, base, found);
            } else {
                self.walk(value, span, base, found);
            }
        }
    }

    /// The entry with every secret literal replaced.
    fn replace_literals(&self, text: &str, found: &Found) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for item in items(text) {
            let Item::Code(span) = item else { continue };
            let lexed = lexer::lex(span.text(text));
            for t in &lexed.tokens {
                let (start, end) = (t.start as usize + span.start, t.end as usize + span.start);
                if start < copied || !is_secret_literal(&lexed, t, start, end, found) {
                    continue;
                }
                let literal = &text[start..end];
                out.push_str(&text[copied..start]);
                out.push_str(&redacted_literal(literal, t.kind));
                copied = end;
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// Records a secret value: its source range (when known) and its scalars.
fn take(value: &Value, span: Option<&SpanMap>, base: usize, found: &mut Found) {
    if let Some(map) = span {
        found
            .regions
            .push(Span::new(map.span.start + base, map.span.end + base));
    }
    scalars(value, found);
}

fn scalars(value: &Value, found: &mut Found) {
    match value {
        Value::String(s) if !s.is_empty() => found.strings.push(s.clone()),
        Value::Number(n) => found.numbers.extend(n.as_f64()),
        Value::Array(items) => {
            if let Some((_, args, optargs)) = term_parts(items) {
                args.iter().for_each(|a| scalars(a, found));
                optargs
                    .into_iter()
                    .flat_map(Map::values)
                    .for_each(|v| scalars(v, found));
            }
        }
        Value::Object(fields) => fields.values().for_each(|v| scalars(v, found)),
        _ => {}
    }
}

fn string_value<'a>(lexed: &'a Lexed<'_>, t: &Token) -> Option<&'a str> {
    match t.kind {
        Kind::Str | Kind::EscapedStr => Some(match lexed.str_lit(t) {
            StrLit::Raw(s) => s,
            StrLit::Escaped(i) => lexed.escaped.get(i).map_or("", String::as_str),
        }),
        _ => None,
    }
}

/// Outside a secret's range, a literal this short goes only when it is a whole secret: as a
/// piece of one it tells little, and `'t'` in `r.table('t')` is a piece of most secrets.
const PIECE: usize = 4;

/// A literal token goes when it lies in a secret's range, or when its value is a secret or a
/// piece of one: `var p = 'hunt'; … {password: p + 'er2'}` finds `'hunt'` by value.
fn is_secret_literal(
    lexed: &Lexed<'_>,
    t: &Token,
    start: usize,
    end: usize,
    found: &Found,
) -> bool {
    let inside = found
        .regions
        .iter()
        .any(|r| r.start <= start && end <= r.end);
    match t.kind {
        Kind::Str | Kind::EscapedStr => {
            let value = string_value(lexed, t).unwrap_or("");
            !value.is_empty()
                && (inside
                    || found
                        .strings
                        .iter()
                        .any(|s| s == value || (value.len() >= PIECE && s.contains(value))))
        }
        Kind::Num | Kind::Int => {
            let n = lexed.num(t);
            let written = lexed.text(t);
            inside
                || found.numbers.contains(&n)
                || found
                    .strings
                    .iter()
                    .any(|s| s == written || (written.len() >= PIECE && s.contains(written)))
        }
        _ => false,
    }
}

/// The literal with its text replaced, quotes (or a template's delimiters) kept; a number
/// becomes a redacted string so that the entry still compiles.
fn redacted_literal(literal: &str, kind: Kind) -> String {
    if matches!(kind, Kind::Num | Kind::Int) {
        return format!("'{REDACTED}'");
    }
    let delimiter = |c: char| matches!(c, '\'' | '"' | '`' | '$' | '{' | '}');
    let inner = literal.trim_start_matches(delimiter);
    let head = &literal[..literal.len() - inner.len()];
    let tail_len = inner.len() - inner.trim_end_matches(delimiter).len();
    let tail = &inner[inner.len() - tail_len..];
    format!("{head}{REDACTED}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(entry: &str) -> Option<String> {
        Redactor::default().entry(entry)
    }

    #[test]
    fn patterns_ignore_case_and_separators() {
        let r = Redactor::default();
        for key in [
            "password",
            "PASSWORD",
            "apiKey",
            "api_key",
            "API-KEY",
            "pwd",
            "pw",
            "pass",
            "password_hash",
            "secret_key",
            "clientSecret",
            "authKey",
            "private_key",
            "token",
            "refresh_token",
        ] {
            assert!(r.is_secret_key(key), "{key}");
        }
        for key in ["name", "passage", "id", "compass", "pwm_level", "user"] {
            assert!(!r.is_secret_key(key), "{key}");
        }
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b", "ab c"));
        assert!(glob("*x*", "x"));
    }

    #[test]
    fn configured_patterns_replace_the_defaults_and_must_name_something() {
        let r = Redactor::new(&["ssn", "*card_number*"]).unwrap();
        assert!(r.is_secret_key("SSN"));
        assert!(r.is_secret_key("creditCardNumber"));
        assert!(!r.is_secret_key("password"));
        assert!(Redactor::new(&["**"]).is_err());
        assert!(Redactor::new(&["-_"]).is_err());
    }

    #[test]
    fn numbers_become_redacted_strings_and_templates_keep_delimiters() {
        assert_eq!(redacted_literal("123", Kind::Int), "'<redacted>'");
        assert_eq!(redacted_literal("'abc'", Kind::Str), "'<redacted>'");
        assert_eq!(redacted_literal("`a${", Kind::Str), "`<redacted>${");
        assert_eq!(redacted_literal("}b`", Kind::Str), "}<redacted>`");
    }

    /// The twelve forms the hardening probe found stored in clear (issue 16).
    #[test]
    fn the_leaking_forms_of_the_probe_are_redacted() {
        let users = "r.db('rethinkdb').table('users')";
        let cases = [
            format!("{users}.insert({{id: 'a', ['password']: 'S3cr3tValue'}})"),
            format!("{users}.insert({{id: 'a', \"pass\\u0077ord\": 'S3cr3tValue'}})"),
            format!("{users}.insert(r.object('id', 'a', 'pass'+'word', 'S3cr3tValue'))"),
            format!("{users}.get('a').update({{password: 123456789}})"),
            "r.table('svc').insert({apiKey: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({api_key: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({pwd: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({password_hash: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({secret_key: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({clientSecret: 'S3cr3tValue'})".to_owned(),
            "r.table('svc').insert({name: 'x', auth: {user: 'u', pw: 'S3cr3tValue'}})".to_owned(),
            "var pw = 'S3cr3tValue'".to_owned(),
        ];
        for case in &cases {
            let kept = redact(case).unwrap_or_else(|| panic!("dropped: {case}"));
            assert!(!kept.contains("S3cr3t"), "{case} -> {kept}");
            assert!(!kept.contains("123456789"), "{case} -> {kept}");
            assert!(kept.contains(REDACTED), "{case} -> {kept}");
        }
    }

    #[test]
    fn secrets_are_found_through_bindings_and_computed_values() {
        for case in [
            "var c = {token: 'S3cr3tValue'}; r.table('t').insert(c)",
            "var k = 'S3cr3t'; r.table('t').insert({password: k + 'Value'})",
            "r.table('t').insert({password: ['S3cr3t', 'Value'].join('')})",
            "r.table('t').insert({password: `S3cr3t${'Value'}`})",
            "r.http('https://h', {auth: {type: 'basic', user: 'u', pass: 'S3cr3tValue'}})",
            "r.table('t').insert({password: unboundName, other: {secret: 'S3cr3tValue'}})",
        ] {
            let kept = redact(case).unwrap_or_else(|| panic!("dropped: {case}"));
            assert!(
                !kept.contains("S3cr3t") && !kept.contains("Value'"),
                "{case} -> {kept}"
            );
        }
        // Names and values of other keys are untouched.
        let kept = redact("r.table('t').insert({name: 'bob', password: 'S3cr3tValue'})");
        assert_eq!(
            kept.as_deref(),
            Some("r.table('t').insert({name: 'bob', password: '<redacted>'})")
        );
    }

    #[test]
    fn a_statement_that_does_not_compile_is_kept_only_without_secret_names() {
        assert_eq!(redact("r.table('t').insert({password: 'S3cr3t'}"), None);
        assert_eq!(
            redact("r.table('t').insert({'pass' + 'word': 'S3cr3t'"),
            None
        );
        assert_eq!(redact("r.table('t').insert({\"\\u0070wd\": 1) oops"), None);
        assert_eq!(
            redact("r.table('t').filter({name: 'bob'}))").as_deref(),
            Some("r.table('t').filter({name: 'bob'}))")
        );
    }

    #[test]
    fn ordinary_entries_and_meta_commands_are_untouched_or_text_redacted() {
        for q in [
            "r.table('users').filter({name: 'password'})",
            "r.table('t').pluck('token', 'password')",
            "var n = 1; r.expr(n).add(2)",
            ".use test",
        ] {
            assert_eq!(redact(q).as_deref(), Some(q));
        }
        assert_eq!(
            redact(".connect --password=p4ss").as_deref(),
            Some(".connect --password=<redacted>")
        );
    }

    #[test]
    fn redacted_entries_are_kept_as_they_are_when_read_again() {
        let once = redact("r.table('u').insert({password: 123456789, n: 1})").unwrap();
        assert_eq!(once, "r.table('u').insert({password: '<redacted>', n: 1})");
        assert_eq!(redact(&once).as_deref(), Some(once.as_str()));
    }
}
