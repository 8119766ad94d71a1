//! Completion candidates shared by the TUI editor and the REPL.
//!
//! `complete(text, cursor, catalog, bindings)` looks at the text before `cursor` (a byte
//! offset) and returns what may be written there and which byte range it replaces: methods
//! after `.` (only those valid on the receiver where that is known), `r.` functions, optarg
//! names inside a method's `{...}`, database, table and index names inside `r.db('`,
//! `.table('`, `{index: '`, and names bound earlier.
//!
//! The text is read with a small forward scan (strings, comments, brackets) and a backward
//! walk over the call chain before a `.`; no full parse, so half-written input works.

mod help;
mod types;

use std::collections::HashMap;

use super::catalog::{DbEntry, SYSTEM_DB};
use crate::reql::methods::{self, Method};
use types::Ty;

pub use help::method_help;

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What the popup shows and what is inserted.
    pub label: String,
    /// A one-line signature, e.g. `filter(predicate, {default})`.
    pub signature: String,
    /// One line of help.
    pub help: String,
}

/// The candidates and the byte range of `text` they replace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completions {
    /// Start and end (byte offsets) of the word being completed.
    pub replace: (usize, usize),
    /// Best first.
    pub items: Vec<Candidate>,
}

/// Candidates for the text before `cursor`; table names without a database in the chain come
/// from every user database.
pub fn complete(
    text: &str,
    cursor: usize,
    catalog: &[DbEntry],
    bindings: &[String],
) -> Completions {
    complete_in(text, cursor, catalog, bindings, None)
}

/// Like [`complete`], with the session's current database (`.use DB`) for `r.table('`.
pub fn complete_in(
    text: &str,
    cursor: usize,
    catalog: &[DbEntry],
    bindings: &[String],
    current_db: Option<&str>,
) -> Completions {
    let mut cursor = cursor.min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let prefix = &text[..cursor];
    if let Some((start, names)) = super::meta::complete_name(prefix) {
        let items = names
            .into_iter()
            .map(|(name, help)| Candidate {
                label: name.to_owned(),
                signature: format!(".{name}"),
                help: help.to_owned(),
            })
            .collect();
        return Completions {
            replace: (start, cursor),
            items,
        };
    }
    let scan = Scan::new(prefix);
    let ctx = Ctx {
        src: prefix,
        scan: &scan,
        catalog,
        current_db,
    };
    match scan.string {
        _ if scan.comment => Completions {
            replace: (cursor, cursor),
            items: Vec::new(),
        },
        Some(start) => ctx.in_string(start),
        None => ctx.in_code(bindings),
    }
}

/// The method whose name ends at `cursor` or whose argument list the cursor is in, for a hint:
/// its signature and help. `None` outside a call.
pub fn signature_at(text: &str, cursor: usize) -> Option<Candidate> {
    let mut cursor = cursor.min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let prefix = &text[..cursor];
    let scan = Scan::new(prefix);
    let open = scan.open.iter().rev().find(|&&(b, _)| b == b'(')?.1;
    let (name, name_start) = ident_before(prefix, open)?;
    let method = lookup(prefix, name_start, name)?;
    Some(method_candidate(method))
}

/// What the forward scan found: brackets still open at the end, matched pairs, and an
/// unterminated string.
struct Scan {
    /// Open brackets at the end: the byte and its offset, innermost last.
    open: Vec<(u8, usize)>,
    /// Closing bracket offset → opening bracket offset.
    pairs: HashMap<usize, usize>,
    /// Offset of the quote of a string still open at the end.
    string: Option<usize>,
    /// The end is inside a comment.
    comment: bool,
}

/// Where the string literal opening with the quote at `b[start]` ends: the index of its
/// closing quote and true, or where it stops unclosed and false (at or past the end, or, with
/// `line_ends`, at a line break ending a `'` or `"` string). Backslashes escape.
pub fn string_end(b: &[u8], start: usize, line_ends: bool) -> (usize, bool) {
    let q = b.get(start).copied().unwrap_or(b'"');
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return (i, true),
            b'\n' if line_ends && q != b'`' => break,
            _ => i += 1,
        }
    }
    (i, false)
}

impl Scan {
    /// The offset of the innermost bracket `c` still open at the end that opens before `at`.
    fn open_before(&self, c: u8, at: usize) -> Option<usize> {
        self.open
            .iter()
            .rev()
            .find(|&&(o, start)| o == c && start < at)
            .map(|&(_, start)| start)
    }

    fn new(src: &str) -> Scan {
        let b = src.as_bytes();
        let mut open: Vec<(u8, usize)> = Vec::new();
        let mut pairs = HashMap::new();
        let mut string = None;
        let mut comment = false;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\'' | b'"' | b'`' => {
                    let (end, closed) = string_end(b, i, true);
                    if !closed && end >= b.len() {
                        string = Some(i);
                    }
                    i = end;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    comment = i >= b.len();
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                        i += 1;
                    }
                    comment = i >= b.len();
                    i += 1;
                }
                c @ (b'(' | b'[' | b'{') => open.push((c, i)),
                c @ (b')' | b']' | b'}') => {
                    let want = match c {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if let Some(pos) = open.iter().rposition(|&(o, _)| o == want) {
                        pairs.insert(i, open[pos].1);
                        open.truncate(pos);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Scan {
            open,
            pairs,
            string,
            comment,
        }
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Offset of the last non-whitespace byte before `end`, if any.
fn last_significant(src: &str, end: usize) -> Option<usize> {
    src.as_bytes()[..end]
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
}

/// The identifier that ends (after optional whitespace) just before `end`, and its start.
fn ident_before(src: &str, end: usize) -> Option<(&str, usize)> {
    let stop = last_significant(src, end)? + 1;
    let b = src.as_bytes();
    let mut start = stop;
    while start > 0 && is_ident(b[start - 1]) {
        start -= 1;
    }
    (start < stop && !b[start].is_ascii_digit()).then(|| (&src[start..stop], start))
}

/// One call of a chain: its name and the text of its arguments.
#[derive(Debug)]
struct Call<'a> {
    name: &'a str,
    args: &'a str,
}

/// What a chain starts with.
#[derive(Debug, PartialEq, Eq)]
enum Root<'a> {
    /// `r`.
    R,
    /// Another identifier (a binding).
    Ident(&'a str),
    /// A literal or an expression we do not follow.
    Other,
}

/// The receiver of a `.`: the chain of calls before it (nearest first) and its root.
struct Chain<'a> {
    calls: Vec<Call<'a>>,
    root: Root<'a>,
}

/// Walks the chain that ends just before `end` (the offset of a `.`) backwards.
fn chain_before<'a>(src: &'a str, scan: &Scan, end: usize) -> Chain<'a> {
    let b = src.as_bytes();
    let mut calls = Vec::new();
    let mut end = end;
    loop {
        let Some(last) = last_significant(src, end) else {
            return Chain {
                calls,
                root: Root::Other,
            };
        };
        let (name, name_start, args) = if b[last] == b')' {
            let Some(&open) = scan.pairs.get(&last) else {
                return Chain {
                    calls,
                    root: Root::Other,
                };
            };
            match ident_before(src, open) {
                Some((name, start)) => (name, start, &src[open + 1..last]),
                None => {
                    return Chain {
                        calls,
                        root: Root::Other,
                    };
                }
            }
        } else if is_ident(b[last]) {
            match ident_before(src, last + 1) {
                Some((name, start)) => (name, start, ""),
                None => {
                    return Chain {
                        calls,
                        root: Root::Other,
                    };
                }
            }
        } else {
            return Chain {
                calls,
                root: Root::Other,
            };
        };
        match last_significant(src, name_start) {
            Some(dot) if b[dot] == b'.' => {
                calls.push(Call { name, args });
                end = dot;
            }
            _ if args.is_empty() && b[last] != b')' => {
                let root = if name == "r" {
                    Root::R
                } else {
                    Root::Ident(name)
                };
                return Chain { calls, root };
            }
            // A plain function call such as `f(x)`.
            _ => {
                return Chain {
                    calls,
                    root: Root::Other,
                };
            }
        }
    }
}

/// The first argument when it is a string literal.
fn first_string(args: &str) -> Option<&str> {
    let a = args.trim_start();
    let q = a.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let rest = &a[1..];
    rest.find(q).map(|end| &rest[..end])
}

impl<'a> Chain<'a> {
    /// The method table entry for a call named `name` on this receiver.
    fn method(&self, name: &str) -> Option<&'static Method> {
        if self.calls.is_empty() && self.root == Root::R {
            methods::r_function(name)
        } else {
            methods::term_method(name)
        }
    }

    /// The database and table this chain reads, when a `table('...')` call names it.
    fn table(&self) -> Option<(Option<&'a str>, &'a str)> {
        let at = self.calls.iter().position(|c| c.name == "table")?;
        let table = first_string(self.calls[at].args)?;
        let db = self
            .calls
            .get(at + 1)
            .filter(|c| c.name == "db")
            .and_then(|c| first_string(c.args));
        Some((db, table))
    }

    /// The database named by a `db('...')` call that ends the chain.
    fn db(&self) -> Option<&'a str> {
        self.calls
            .first()
            .filter(|c| c.name == "db")
            .and_then(|c| first_string(c.args))
    }
}

/// The method whose name starts at `name_start` (after a `.`), looked up on its receiver.
fn lookup(src: &str, name_start: usize, name: &str) -> Option<&'static Method> {
    let scan = Scan::new(&src[..name_start]);
    let dot = last_significant(src, name_start).filter(|&d| src.as_bytes()[d] == b'.')?;
    chain_before(src, &scan, dot).method(name)
}

/// The ReQL type of the chain's value: followed from `r.FUNCTION(...)` through each call;
/// `Any` from a binding or an expression the scan does not follow.
fn chain_type(chain: &Chain<'_>) -> Ty {
    let mut calls = chain.calls.iter().rev();
    let mut ty = match (&chain.root, calls.next()) {
        (Root::R, Some(first)) => types::of_r_function(first.name, first.args),
        _ => return Ty::Any,
    };
    for call in calls {
        ty = types::of_method(ty, call.name);
    }
    ty
}

fn method_candidate(m: &Method) -> Candidate {
    Candidate {
        label: m.name.to_owned(),
        signature: m.signature(),
        help: method_help(m.name).to_owned(),
    }
}

/// Keeps the labels that start with `word` (exact case first, then any case), alphabetical
/// within each group.
fn rank(word: &str, items: Vec<Candidate>) -> Vec<Candidate> {
    rank_by(word, items, |_| 0)
}

/// As [`rank`], with `order` (lower first) before the alphabet within each group.
fn rank_by(word: &str, mut items: Vec<Candidate>, order: fn(&str) -> usize) -> Vec<Candidate> {
    let lower = word.to_lowercase();
    items.retain(|c| c.label.to_lowercase().starts_with(&lower));
    items.sort_by(|a, b| {
        let key = |c: &Candidate| {
            (
                !c.label.starts_with(word),
                order(&c.label),
                c.label.to_lowercase(),
            )
        };
        key(a).cmp(&key(b))
    });
    items.dedup_by(|a, b| a.label == b.label);
    items
}

struct Ctx<'a> {
    src: &'a str,
    scan: &'a Scan,
    catalog: &'a [DbEntry],
    current_db: Option<&'a str>,
}

impl Ctx<'_> {
    fn done(&self, start: usize, word: &str, items: Vec<Candidate>) -> Completions {
        Completions {
            replace: (start, self.src.len()),
            items: rank(word, items),
        }
    }

    /// Inside a string: names of databases, tables or indexes, by the call the string is in.
    fn in_string(&self, quote: usize) -> Completions {
        let start = quote + 1;
        let word = &self.src[start..];
        let empty = Completions {
            replace: (start, self.src.len()),
            items: Vec::new(),
        };
        let b = self.src.as_bytes();
        let Some(before) = last_significant(self.src, quote) else {
            return empty;
        };
        let items = match b[before] {
            b'(' => {
                let Some((name, name_start)) = ident_before(self.src, before) else {
                    return empty;
                };
                let Some(dot) = last_significant(self.src, name_start).filter(|&d| b[d] == b'.')
                else {
                    return empty;
                };
                let chain = chain_before(self.src, self.scan, dot);
                match name {
                    "db" | "dbDrop" if chain.calls.is_empty() && chain.root == Root::R => {
                        self.databases()
                    }
                    "table" | "tableDrop" => {
                        let db = chain.db().or(self.current_db);
                        self.tables(db)
                    }
                    "indexDrop" | "indexStatus" | "indexWait" | "indexRename" => {
                        self.indexes(chain.table(), false)
                    }
                    _ => return empty,
                }
            }
            b':' => {
                let Some(("index", key_start)) = ident_before(self.src, before) else {
                    return empty;
                };
                let Some(table) = self.call_table_around(key_start) else {
                    return empty;
                };
                self.indexes(Some(table), true)
            }
            _ => return empty,
        };
        self.done(start, word, items)
    }

    /// The table a `{index: ...}` object's call works on: for `x.getAll(..., {index: `, the
    /// table of `x`; for `eqJoin(f, r.table('t'), {index:` the table in the arguments.
    fn call_table_around(&self, key_start: usize) -> Option<(Option<&str>, &str)> {
        let brace = self.scan.open_before(b'{', key_start)?;
        let paren = self.scan.open_before(b'(', brace)?;
        let (name, name_start) = ident_before(self.src, paren)?;
        let dot =
            last_significant(self.src, name_start).filter(|&d| self.src.as_bytes()[d] == b'.')?;
        if name == "eqJoin" {
            // The index is one of the right-hand table, the argument before the object.
            let args = &self.src[paren + 1..brace];
            let comma = last_significant(args, args.len()).filter(|&c| args.as_bytes()[c] == b',');
            if let Some(comma) = comma {
                let scan = Scan::new(args);
                if let Some(table) = chain_before(args, &scan, comma).table() {
                    return Some(table);
                }
            }
        }
        let chain = chain_before(self.src, self.scan, dot);
        chain.table()
    }

    fn databases(&self) -> Vec<Candidate> {
        self.catalog
            .iter()
            .map(|d| Candidate {
                label: d.name.clone(),
                signature: "database".to_owned(),
                help: format!("{} tables", d.tables.len()),
            })
            .collect()
    }

    fn tables(&self, db: Option<&str>) -> Vec<Candidate> {
        self.catalog
            .iter()
            .filter(|d| match db {
                Some(name) => d.name == name,
                None => d.name != SYSTEM_DB,
            })
            .flat_map(|d| {
                d.tables.iter().map(|t| Candidate {
                    label: t.name.clone(),
                    signature: format!("table {}.{}", d.name, t.name),
                    help: format!(
                        "primary key {}, {} secondary indexes",
                        t.primary_key,
                        t.indexes.len()
                    ),
                })
            })
            .collect()
    }

    fn indexes(&self, table: Option<(Option<&str>, &str)>, with_primary: bool) -> Vec<Candidate> {
        let Some((db, table)) = table else {
            return Vec::new();
        };
        let db = db.or(self.current_db);
        let mut out = Vec::new();
        for d in self.catalog {
            if db.is_some_and(|db| db != d.name) {
                continue;
            }
            for t in d.tables.iter().filter(|t| t.name == table) {
                out.extend(t.indexes.iter().map(|i| Candidate {
                    label: i.clone(),
                    signature: format!("index of {}.{}", d.name, t.name),
                    help: "secondary index".to_owned(),
                }));
                if with_primary {
                    out.push(Candidate {
                        label: t.primary_key.clone(),
                        signature: format!("primary key of {}.{}", d.name, t.name),
                        help: "primary index".to_owned(),
                    });
                }
            }
        }
        out
    }

    /// Outside strings: methods after `.`, optargs in a call's `{...}`, else bindings.
    fn in_code(&self, bindings: &[String]) -> Completions {
        let b = self.src.as_bytes();
        let mut start = self.src.len();
        while start > 0 && is_ident(b[start - 1]) {
            start -= 1;
        }
        let word = &self.src[start..];
        if word.bytes().next().is_some_and(|c| c.is_ascii_digit()) {
            return Completions {
                replace: (start, start + word.len()),
                items: Vec::new(),
            };
        }
        let before = last_significant(self.src, start);
        if let Some(dot) = before.filter(|&d| b[d] == b'.') {
            if dot > 0 && b[dot - 1] == b'.' {
                return self.done(start, word, Vec::new());
            }
            let chain = chain_before(self.src, self.scan, dot);
            if chain.calls.is_empty() && chain.root == Root::R {
                let items = methods::r_functions()
                    .iter()
                    .map(method_candidate)
                    .collect();
                return self.done(start, word, items);
            }
            // Methods valid on the receiver's type, the most used first.
            let ty = chain_type(&chain);
            let items = methods::term_methods()
                .iter()
                .filter(|m| types::applies(m.name, ty))
                .map(method_candidate)
                .collect();
            return Completions {
                replace: (start, self.src.len()),
                items: rank_by(word, items, types::frequency_rank),
            };
        }
        if let Some(items) = before.and_then(|p| self.optargs(p)) {
            return self.done(start, word, items);
        }
        if word.is_empty() {
            return self.done(start, word, Vec::new());
        }
        let mut items: Vec<Candidate> = bindings
            .iter()
            .map(|name| Candidate {
                label: name.clone(),
                signature: name.clone(),
                help: "bound earlier in this session".to_owned(),
            })
            .collect();
        items.push(Candidate {
            label: "r".to_owned(),
            signature: "r".to_owned(),
            help: "the ReQL namespace".to_owned(),
        });
        self.done(start, word, items)
    }

    /// Optarg names when the word is a key of an object literal passed to a method call.
    fn optargs(&self, before: usize) -> Option<Vec<Candidate>> {
        let b = self.src.as_bytes();
        if !matches!(b[before], b'{' | b',') {
            return None;
        }
        let &(kind, brace) = self.scan.open.last()?;
        if kind != b'{' {
            return None;
        }
        let outer = last_significant(self.src, brace)?;
        if !matches!(b[outer], b'(' | b',') {
            return None;
        }
        let &(paren_kind, paren) = self.scan.open.iter().rev().nth(1)?;
        if paren_kind != b'(' {
            return None;
        }
        let (name, name_start) = ident_before(self.src, paren)?;
        let method = lookup(self.src, name_start, name)?;
        if !takes_optargs_at(method, arg_index(&self.src[paren + 1..brace])) {
            return None;
        }
        let written = &self.src[brace + 1..];
        let signature = method.signature();
        Some(
            method
                .optarg_names
                .iter()
                .filter(|o| !has_key(written, o))
                .map(|o| Candidate {
                    label: (*o).to_owned(),
                    signature: signature.clone(),
                    help: format!("option of {}", method.name),
                })
                .collect(),
        )
    }
}

/// Whether the method reads an object at argument `index` as its optargs (the driver's rule).
fn takes_optargs_at(method: &Method, index: usize) -> bool {
    use crate::reql::methods::Optargs;
    match method.optargs {
        Optargs::Aropt(n) => index == usize::from(n),
        Optargs::GetAll => index >= 1,
        Optargs::MinMax | Optargs::Reconfigure => index == 0,
        Optargs::Slice | Optargs::IndexCreate => index == 1 || index == 2,
        Optargs::Trailing | Optargs::None => true,
    }
}

/// How many arguments come before the end of `args` (top-level commas).
fn arg_index(args: &str) -> usize {
    let mut depth = 0usize;
    let mut commas = 0;
    let mut quote = None;
    let mut escaped = false;
    for c in args.bytes() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => commas += 1,
                _ => {}
            },
        }
    }
    commas
}

/// True when `object` (the text after `{`) already has the key `key`.
fn has_key(object: &str, key: &str) -> bool {
    object.match_indices(key).any(|(at, _)| {
        let before_ok = object[..at]
            .bytes()
            .next_back()
            .is_none_or(|c| !is_ident(c));
        let after = object[at + key.len()..].trim_start();
        before_ok && after.starts_with(':')
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn meta_command_names_complete_at_a_statement_start() {
        let got = super::complete(".sta", 4, &[], &[]);
        assert_eq!(got.replace, (1, 4));
        let labels: Vec<&str> = got.items.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["status"]);
        assert_eq!(got.items[0].signature, ".status");
        // After a chain's dot it is a method again.
        let got = super::complete("r.table('t')\n.co", 17, &[], &[]);
        assert!(got.items.iter().any(|c| c.label == "count"), "{got:?}");
    }

    use super::*;
    use crate::shell::catalog::TableEntry;

    fn catalog() -> Vec<DbEntry> {
        let table = |name: &str, indexes: &[&str]| TableEntry {
            name: name.into(),
            primary_key: "id".into(),
            indexes: indexes.iter().map(|i| (*i).to_string()).collect(),
            ..TableEntry::default()
        };
        vec![
            DbEntry {
                name: "demo".into(),
                tables: vec![
                    table("users", &["email", "age"]),
                    table("orders", &["user"]),
                ],
            },
            DbEntry {
                name: "test".into(),
                tables: vec![table("events", &["when"]), table("usage", &[])],
            },
        ]
    }

    /// Labels offered at the end of `text`.
    fn at_end(text: &str) -> Vec<String> {
        labels(text, None)
    }

    fn labels(text: &str, db: Option<&str>) -> Vec<String> {
        complete_in(
            text,
            text.len(),
            &catalog(),
            &["users".into(), "n".into()],
            db,
        )
        .items
        .into_iter()
        .map(|c| c.label)
        .collect()
    }

    #[test]
    fn r_functions_after_r_dot() {
        assert_eq!(at_end("r.tableL"), ["tableList"]);
        assert!(at_end("r.").contains(&"dbCreate".to_string()));
        assert!(!at_end("r.").contains(&"pluck".to_string()));
    }

    #[test]
    fn term_methods_after_a_table() {
        assert_eq!(at_end("r.table('users').filt"), ["filter"]);
        assert!(at_end("r.table('users').").contains(&"getAll".to_string()));
        assert!(!at_end("r.table('users').").contains(&"tableCreate".to_string()));
    }

    #[test]
    fn database_methods_after_r_db() {
        let after_db = at_end("r.db('demo').");
        assert!(
            after_db.contains(&"tableCreate".to_string()),
            "{after_db:?}"
        );
        assert!(!after_db.contains(&"filter".to_string()));
    }

    #[test]
    fn table_only_methods_not_offered_after_other_calls() {
        let after = at_end("r.table('users').filter({a: 1}).");
        assert!(after.contains(&"pluck".to_string()));
        assert!(!after.contains(&"getAll".to_string()));
        assert!(at_end("users.g").contains(&"getAll".to_string()));
    }

    #[test]
    fn methods_are_filtered_by_the_receiver_type_and_ranked_by_use() {
        let after_table = at_end("r.table('users').");
        for absent in ["hours", "uuid", "table", "append", "tableCreate"] {
            assert!(!after_table.contains(&absent.to_string()), "{absent}");
        }
        assert_eq!(after_table.first().map(String::as_str), Some("filter"));
        let after_now = at_end("r.now().");
        assert!(after_now.contains(&"hours".to_string()));
        assert!(!after_now.contains(&"filter".to_string()));
        assert!(after_now.len() < 60, "{}", after_now.len());
        let after_get = at_end("r.table('users').get(1).");
        assert!(after_get.contains(&"update".to_string()));
        assert!(!after_get.contains(&"getAll".to_string()));
        let after_string = at_end("r.expr('a').");
        assert!(after_string.contains(&"upcase".to_string()));
        assert!(!after_string.contains(&"hours".to_string()));
        let after_count = at_end("r.table('users').count().");
        assert!(after_count.contains(&"add".to_string()));
        assert!(!after_count.contains(&"pluck".to_string()));
        assert_eq!(at_end("r.table('users').filter({a: 1}).up"), ["update"]);
    }

    #[test]
    fn method_chains_across_lines() {
        assert_eq!(at_end("r.table('users')\n  .orderB"), ["orderBy"]);
    }

    #[test]
    fn database_names_inside_r_db() {
        assert_eq!(at_end("r.db('"), ["demo", "test"]);
        assert_eq!(at_end("r.db(\"de"), ["demo"]);
    }

    #[test]
    fn table_names_of_the_named_database() {
        assert_eq!(at_end("r.db('demo').table('us"), ["users"]);
        assert_eq!(at_end("r.db('test').table('us"), ["usage"]);
    }

    #[test]
    fn table_names_of_the_current_database() {
        assert_eq!(labels("r.table('", Some("test")), ["events", "usage"]);
        assert_eq!(at_end("r.table('us"), ["usage", "users"]);
    }

    #[test]
    fn index_names_inside_index_optarg() {
        assert_eq!(
            at_end("r.db('demo').table('users').getAll('a', {index: '"),
            ["age", "email", "id"]
        );
        assert_eq!(
            at_end("r.db('demo').table('users').orderBy({index: 'em"),
            ["email"]
        );
        assert_eq!(at_end("r.db('demo').table('orders').indexDrop('"), ["user"]);
        assert_eq!(
            at_end(
                "r.db('demo').table('users').eqJoin('id', r.db('demo').table('orders'), {index: '"
            ),
            ["id", "user"]
        );
    }

    #[test]
    fn optarg_names_inside_a_call_object() {
        assert_eq!(
            at_end("r.table('users').insert({a: 1}, {ret"),
            ["returnChanges"]
        );
        assert_eq!(
            at_end("r.table('users').changes({includeI"),
            ["includeInitial"]
        );
        assert_eq!(at_end("r.tableCreate('x', {primaryK"), ["primaryKey"]);
        let left = at_end("r.table('users').insert({a: 1}, {durability: 'soft', ");
        assert!(
            !left.contains(&"durability".to_string()) && left.contains(&"conflict".to_string())
        );
    }

    #[test]
    fn data_object_keys_are_not_optargs() {
        assert!(at_end("r.table('users').insert({").is_empty());
        assert_eq!(at_end("r.table('users').getAll(1, 2, {i"), ["index"]);
        assert_eq!(at_end("r.expr({a: 1}).merge({ret"), Vec::<String>::new());
    }

    #[test]
    fn bindings_and_r_at_the_start() {
        assert_eq!(at_end("us"), ["users"]);
        assert_eq!(at_end("var x = r"), ["r"]);
        assert!(at_end("").is_empty());
    }

    #[test]
    fn replace_range_is_the_word_before_the_cursor() {
        let text = "r.table('users').filt(x)";
        let got = complete(text, 21, &catalog(), &[]);
        assert_eq!(got.replace, (17, 21));
        let got = complete("r.db('de", 8, &catalog(), &[]);
        assert_eq!(got.replace, (6, 8));
    }

    #[test]
    fn candidates_carry_a_signature_and_help() {
        let got = complete("r.table('users').filter", 23, &catalog(), &[]);
        assert_eq!(got.items[0].signature, "filter(predicate, {opts}?)");
        assert!(got.items[0].help.contains("predicate"));
    }

    #[test]
    fn nothing_inside_strings_of_other_calls_or_comments() {
        assert!(at_end("r.expr('us").is_empty());
        assert!(at_end("r.expr(1) // r.ta").is_empty());
        assert!(at_end("r.expr(1) /* r.ta").is_empty());
    }

    #[test]
    fn signature_of_the_enclosing_call() {
        let sig = signature_at("r.table('users').filter(", 24).map(|c| c.signature);
        assert_eq!(sig.as_deref(), Some("filter(predicate, {opts}?)"));
        assert!(signature_at("r.expr(1) + 2", 13).is_none());
    }
}
