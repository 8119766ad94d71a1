//! Query history shared by the TUI and the REPL: one entry per run, multi-line entries kept
//! whole, capped, consecutive duplicates folded, secrets redacted before anything is kept.
//!
//! The file is JSON lines: each line is one JSON string, so newlines inside an entry
//! round-trip and a damaged line costs only that entry.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many entries are kept when the caller does not say.
pub const DEFAULT_CAP: usize = 1000;

pub use super::redact::{REDACTED, Redactor};

/// Failure to read or write the history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "cannot read history file {path}: {source}; this session's history will not be saved \
         (check the file's permissions or remove it)"
    )]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write history file {path}: {source}; check that its directory is writable")]
    Write { path: PathBuf, source: io::Error },
}

/// The history a front end starts with, and where it saves: when the file exists but cannot
/// be read, the session starts empty and saves nowhere, so the file is never overwritten.
pub fn open_for_session(
    path: Option<PathBuf>,
    redactor: Redactor,
) -> (History, Option<PathBuf>, Option<HistoryError>) {
    let empty = History::new(DEFAULT_CAP).with_redactor(redactor);
    match path {
        Some(path) => match empty.clone().read_counting(&path) {
            Ok((history, lines)) => {
                // Appends grow the file past the cap; cut it back now and then (a session
                // appending during these few milliseconds may lose that one entry).
                if lines > 2 * history.cap
                    && let Err(e) = history.save(&path)
                {
                    return (history, None, Some(e));
                }
                (history, Some(path), None)
            }
            Err(e) => (empty, None, Some(e)),
        },
        None => (empty, None, None),
    }
}

/// Adds one entry at the end of the history file (creating it and its directory, mode 0600).
/// Appending, never rewriting, is what lets two sessions write at once without losing each
/// other's entries: each line goes out in one `write` on a file opened with `O_APPEND`.
pub fn append(path: &Path, entry: &str) -> Result<(), HistoryError> {
    let write_err = |source| HistoryError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(write_err)?;
    }
    // Serialising a `str` cannot fail.
    let mut line = serde_json::to_string(entry).unwrap_or_default();
    line.push('\n');
    let mut options = fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut file| file.write_all(line.as_bytes()))
        .map_err(write_err)
}

/// The in-memory history, oldest entry first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    entries: VecDeque<String>,
    cap: usize,
    redactor: Redactor,
}

impl Default for History {
    fn default() -> Self {
        History::new(DEFAULT_CAP)
    }
}

impl History {
    /// An empty history keeping at most `cap` entries (at least one).
    pub fn new(cap: usize) -> Self {
        History {
            entries: VecDeque::new(),
            cap: cap.max(1),
            redactor: Redactor::default(),
        }
    }

    /// The same history, deciding what is secret with `redactor`.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Reads the history file; a missing file is an empty history, unreadable lines are skipped.
    pub fn load(path: &Path, cap: usize) -> Result<Self, HistoryError> {
        History::new(cap).read(path)
    }

    /// Adds the entries of the history file to this history (see [`History::load`]).
    pub fn read(self, path: &Path) -> Result<Self, HistoryError> {
        self.read_counting(path).map(|(history, _)| history)
    }

    /// [`History::read`], and how many lines the file had.
    fn read_counting(self, path: &Path) -> Result<(Self, usize), HistoryError> {
        let mut history = self;
        let mut lines = 0;
        // Bytes, not a string: one line that is not UTF-8 (a crash mid-write, another tool)
        // costs that entry, not the whole history (which the next save would overwrite).
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((history, 0)),
            Err(source) => {
                return Err(HistoryError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        for line in bytes.split(|&b| b == b'\n') {
            lines += 1;
            if let Ok(entry) = serde_json::from_slice::<String>(line) {
                // Entries from an older file go through `push` again, so a file written before
                // a redaction rule existed is cleaned on the next save.
                history.push(&entry);
            }
        }
        Ok((history, lines))
    }

    /// Writes the whole history to `path` (creating its directory), replacing the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), HistoryError> {
        let write_err = |source| HistoryError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(write_err)?;
        }
        let mut body = String::new();
        for entry in &self.entries {
            // Serialising a `str` cannot fail.
            if let Ok(line) = serde_json::to_string(entry) {
                body.push_str(&line);
                body.push('\n');
            }
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let result = write_private(&tmp, body.as_bytes()).and_then(|()| fs::rename(&tmp, path));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(write_err)
    }

    /// Adds one run; returns false when nothing was added (blank, or same as the newest entry).
    pub fn push(&mut self, entry: &str) -> bool {
        // A statement that does not compile and may hold a secret is not kept at all.
        let Some(entry) = self.redactor.entry(entry.trim_end()) else {
            return false;
        };
        let entry = entry.trim_start_matches(['\n', '\r']);
        if entry.trim().is_empty() {
            return false;
        }
        if self.entries.back().is_some_and(|last| last == entry) {
            return false;
        }
        self.entries.push_back(entry.to_owned());
        while self.entries.len() > self.cap {
            self.entries.pop_front();
        }
        true
    }

    /// The newest entry.
    pub fn last(&self) -> Option<&str> {
        self.entries.back().map(String::as_str)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `index` (0 is the oldest).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(String::as_str)
    }

    /// All entries, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.entries.iter().map(String::as_str)
    }

    /// Indexes of entries containing `needle` (case-insensitive), newest first, each text once.
    pub fn search(&self, needle: &str) -> Vec<usize> {
        let needle = needle.to_lowercase();
        let mut seen = std::collections::HashSet::new();
        let mut hits = Vec::new();
        for (i, entry) in self.entries.iter().enumerate().rev() {
            if entry.to_lowercase().contains(&needle) && seen.insert(entry.as_str()) {
                hits.push(i);
            }
        }
        hits
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // History may hold queries over private data: only the owner reads it.
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Command-line style flags whose next word is a secret (`.connect --auth-key KEY`).
const SECRET_FLAGS: &[&str] = &["--password", "--auth-key", "--authkey", "--auth_key"];

/// Replaces secrets in a query or command with [`REDACTED`]: string values of secret-named
/// object keys (`password: '…'`, `"authKey": "…"`), the value after `--password` /
/// `--auth-key`, and the password of a `scheme://user:password@host` URL.
/// By the text alone, with the default key patterns: [`Redactor::entry`] also reads what
/// the entry means.
pub fn redact(entry: &str) -> String {
    redact_text(entry, &Redactor::default())
}

/// [`redact`] with the key patterns of `redactor`.
pub(crate) fn redact_text(entry: &str, redactor: &Redactor) -> String {
    let entry = redact_object_values(entry, redactor);
    let entry = redact_flags(&entry);
    redact_url_passwords(&entry)
}

/// Byte index just past the string literal opening at `start` (a quote char), or the end.
fn string_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_spaces(s: &str, mut i: usize) -> usize {
    let bytes = s.as_bytes();
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn redact_object_values(s: &str, redactor: &Redactor) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    // One entry per open `(`: true when it opens `r.object(...)`, whose arguments are
    // key, value pairs (`r.object('password', 'hunter2')`).
    let mut calls: Vec<bool> = Vec::new();
    // The identifier that ended last and where, to recognise `object(`.
    let mut last_ident: (&str, usize) = ("", 0);
    while i < bytes.len() {
        let c = bytes[i];
        let quoted = c == b'\'' || c == b'"' || c == b'`';
        let (key, key_end) = if quoted {
            let end = string_end(s, i);
            let inner = s.get(i + 1..end.saturating_sub(1).max(i + 1)).unwrap_or("");
            (inner, end)
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let mut end = i;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b'$')
            {
                end += 1;
            }
            last_ident = (&s[i..end], end);
            (&s[i..end], end)
        } else {
            match c {
                b'(' => calls.push(last_ident.0 == "object" && skip_spaces(s, last_ident.1) == i),
                b')' => {
                    calls.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        };
        let colon = skip_spaces(s, key_end);
        let in_object_call = quoted && calls.last() == Some(&true);
        let separator = if in_object_call { b',' } else { b':' };
        // `password = '...'` binds or assigns a secret too (not `==`, not `=>`).
        let assigned = !quoted
            && bytes.get(colon) == Some(&b'=')
            && !matches!(bytes.get(colon + 1), Some(b'=' | b'>'));
        if redactor.is_secret_key(key) && (bytes.get(colon) == Some(&separator) || assigned) {
            let value = skip_spaces(s, colon + 1);
            // Every string in the value, so that a computed one (`r.expr('…')`, `'a' + 'b'`)
            // is caught as well as a literal.
            let value_end = expression_end(s, value);
            out.push_str(&s[copied..value]);
            redact_strings(&s[value..value_end], &mut out);
            copied = value_end;
            i = value_end;
            continue;
        }
        i = key_end;
    }
    out.push_str(&s[copied..]);
    out
}

/// Byte index where the expression starting at `start` ends: the first `,` `;` or closing
/// bracket outside its own brackets and strings, or the end.
fn expression_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => {
                i = string_end(s, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' | b',' | b';' if depth == 0 => return i,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Copies `value` to `out` with the text of every string literal in it replaced by
/// [`REDACTED`].
fn redact_strings(value: &str, out: &mut String) {
    let bytes = value.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'\'' || q == b'"' || q == b'`' {
            let end = string_end(value, i);
            out.push_str(&value[copied..i]);
            let quote = q as char;
            out.push(quote);
            out.push_str(REDACTED);
            out.push(quote);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&value[copied..]);
}

fn redact_flags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    'outer: while !rest.is_empty() {
        for flag in SECRET_FLAGS {
            let Some(pos) = rest.find(flag) else { continue };
            let after = pos + flag.len();
            let boundary_before = pos == 0 || rest.as_bytes()[pos - 1].is_ascii_whitespace();
            let next = rest.as_bytes().get(after).copied();
            if !boundary_before || !matches!(next, Some(b'=' | b' ' | b'\t')) {
                continue;
            }
            let value_start = skip_spaces(rest, after + usize::from(next == Some(b'=')));
            let value_end = rest[value_start..]
                .find(char::is_whitespace)
                .map_or(rest.len(), |n| value_start + n);
            if value_end == value_start {
                continue;
            }
            out.push_str(&rest[..value_start]);
            out.push_str(REDACTED);
            rest = &rest[value_end..];
            continue 'outer;
        }
        out.push_str(rest);
        break;
    }
    out
}

fn redact_url_passwords(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("://") {
        let auth_start = pos + 3;
        let tail = &rest[auth_start..];
        let authority_len = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"' || c == '`')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_len];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&rest[..auth_start + colon + 1]);
                out.push_str(REDACTED);
                rest = &rest[auth_start + at..];
            }
            _ => {
                out.push_str(&rest[..auth_start]);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The history file shared with the TUI: `$XDG_DATA_HOME/rdbsh/history`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "rdbsh").map(|d| d.data_dir().join("history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_entries_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/history");
        let mut h = History::new(10);
        h.push("r.db('test')\n  .table('users')\n  .count()");
        h.push("r.expr(\"tab\\there\")");
        h.save(&path).unwrap();
        let back = History::load(&path, 10).unwrap();
        assert_eq!(back, h);
        assert_eq!(
            back.get(0),
            Some("r.db('test')\n  .table('users')\n  .count()")
        );
    }

    #[test]
    fn an_unreadable_file_is_never_the_place_a_session_saves_to() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be cannot be read, even by root.
        let blocked = dir.path().join("history");
        fs::create_dir(&blocked).unwrap();
        let (history, save_to, error) = open_for_session(Some(blocked), Redactor::default());
        assert!(history.is_empty());
        assert_eq!(save_to, None);
        assert!(error.is_some_and(|e| e.to_string().contains("will not be saved")));

        let readable = dir.path().join("h");
        fs::write(&readable, "\"r.now()\"\n").unwrap();
        let (history, save_to, error) =
            open_for_session(Some(readable.clone()), Redactor::default());
        assert_eq!(history.len(), 1);
        assert_eq!(save_to, Some(readable));
        assert!(error.is_none());
    }

    /// Two sessions at once: each appends its own entries, and neither loses the other's.
    #[test]
    fn two_sessions_appending_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/history");
        let (mut one, at_one, _) = open_for_session(Some(path.clone()), Redactor::default());
        let (mut two, at_two, _) = open_for_session(Some(path.clone()), Redactor::default());
        assert_eq!(
            (at_one.as_deref(), at_two.as_deref()),
            (Some(&*path), Some(&*path))
        );
        for (first, entry) in [
            (true, "r.expr('one 1')"),
            (false, "r.expr('two 1')"),
            (true, "r.expr('one 2')"),
            (false, "r.expr('two\n2')"),
        ] {
            let history = if first { &mut one } else { &mut two };
            assert!(history.push(entry));
            append(&path, history.last().unwrap()).unwrap();
        }
        let both = History::load(&path, 10).unwrap();
        assert_eq!(
            both.iter().collect::<Vec<_>>(),
            [
                "r.expr('one 1')",
                "r.expr('two 1')",
                "r.expr('one 2')",
                "r.expr('two\n2')"
            ]
        );
    }

    #[test]
    fn an_appended_file_is_cut_back_to_the_cap_when_a_session_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        for i in 0..(2 * DEFAULT_CAP + 5) {
            append(&path, &format!("r.expr({i})")).unwrap();
        }
        let (history, _, error) = open_for_session(Some(path.clone()), Redactor::default());
        assert!(error.is_none());
        assert_eq!(history.len(), DEFAULT_CAP);
        let lines = fs::read_to_string(&path).unwrap().lines().count();
        assert_eq!(lines, DEFAULT_CAP);
    }

    #[test]
    fn missing_file_is_empty_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            History::load(&dir.path().join("none"), 5)
                .unwrap()
                .is_empty()
        );
        let path = dir.path().join("h");
        fs::write(&path, "\"a\"\nnot json\n{\"x\":1}\n\"b\"\n").unwrap();
        let h = History::load(&path, 5).unwrap();
        assert_eq!(h.iter().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        let mut h = History::default();
        h.push("r.now()");
        h.save(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }

    #[test]
    fn cap_drops_the_oldest() {
        let mut h = History::new(3);
        for q in ["1", "2", "3", "4", "5"] {
            h.push(q);
        }
        assert_eq!(h.iter().collect::<Vec<_>>(), ["3", "4", "5"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        h.save(&path).unwrap();
        assert_eq!(
            History::load(&path, 2).unwrap().iter().collect::<Vec<_>>(),
            ["4", "5"]
        );
    }

    #[test]
    fn consecutive_duplicates_and_blanks_are_not_added() {
        let mut h = History::default();
        assert!(h.push("r.now()"));
        assert!(!h.push("r.now()  \n"));
        assert!(!h.push("   \n "));
        assert!(h.push("1"));
        assert!(h.push("r.now()"));
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn search_is_newest_first_case_insensitive_and_unique() {
        let mut h = History::default();
        for q in [
            "r.table('Users')",
            "r.now()",
            "r.table('users').count()",
            "r.table('Users')",
        ] {
            h.push(q);
        }
        let hits: Vec<_> = h
            .search("USERS")
            .iter()
            .map(|&i| h.get(i).unwrap())
            .collect();
        assert_eq!(hits, ["r.table('Users')", "r.table('users').count()"]);
        assert!(h.search("nothing").is_empty());
    }

    #[test]
    fn users_table_passwords_are_redacted() {
        assert_eq!(
            redact("r.db('rethinkdb').table('users').insert({id: 'bob', password: 'hunter2'})"),
            "r.db('rethinkdb').table('users').insert({id: 'bob', password: '<redacted>'})"
        );
        assert_eq!(
            redact(
                r#"r.db("rethinkdb").table("users").get("bob").update({"password": "s3\"cr'et"})"#
            ),
            r#"r.db("rethinkdb").table("users").get("bob").update({"password": "<redacted>"})"#
        );
        // A password that is not a string (false removes it) carries no secret.
        assert_eq!(
            redact("r.db('rethinkdb').table('users').get('bob').update({password: false})"),
            "r.db('rethinkdb').table('users').get('bob').update({password: false})"
        );
    }

    #[test]
    fn computed_and_bound_passwords_are_redacted() {
        assert_eq!(
            redact(
                "r.db('rethinkdb').table('users').insert({id: 'dan', password: r.expr('hunter5')})"
            ),
            "r.db('rethinkdb').table('users').insert({id: 'dan', password: r.expr('<redacted>')})"
        );
        assert_eq!(
            redact(r#"r.table('users').get('dan').update({password: 'hun' + "ter6", n: 'kept'})"#),
            r#"r.table('users').get('dan').update({password: '<redacted>' + "<redacted>", n: 'kept'})"#
        );
        assert_eq!(
            redact(
                "var password = `hunter7`; r.db('rethinkdb').table('users').get('x').update({password: password})"
            ),
            "var password = `<redacted>`; r.db('rethinkdb').table('users').get('x').update({password: password})"
        );
        assert_eq!(
            redact("authKey = r.expr(['k', 'ey']).join('')"),
            "authKey = r.expr(['<redacted>', '<redacted>']).join('<redacted>')"
        );
        // Comparisons and parameters named like secrets are not values.
        for q in [
            "r.expr(password == 'x')",
            "r.expr([1]).map(token => token.add(1))",
        ] {
            assert_eq!(redact(q), q);
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_costs_only_that_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        fs::write(
            &path,
            b"\"r.expr(1)\"\n\"bad \xff\xfe\"\n\xff\n\"r.expr(2)\"\r\n",
        )
        .unwrap();
        let h = History::load(&path, 10).unwrap();
        assert_eq!(h.iter().collect::<Vec<_>>(), ["r.expr(1)", "r.expr(2)"]);
    }

    #[test]
    fn http_auth_and_r_object_passwords_are_redacted() {
        assert_eq!(
            redact(
                "r.http('https://api.example.com', {auth: {type: 'basic', user: 'u', pass: 'hunter3'}})"
            ),
            "r.http('https://api.example.com', {auth: {type: 'basic', user: 'u', pass: '<redacted>'}})"
        );
        assert_eq!(
            redact(
                "r.db('rethinkdb').table('users').insert(r.object('id', 'carol', 'password', 'hunter4'))"
            ),
            "r.db('rethinkdb').table('users').insert(r.object('id', 'carol', 'password', '<redacted>'))"
        );
        // Outside r.object a secret-named string followed by a comma is just a field name.
        assert_eq!(
            redact("r.table('users').pluck('password', 'name')"),
            "r.table('users').pluck('password', 'name')"
        );
    }

    #[test]
    fn auth_keys_of_connect_commands_are_redacted() {
        assert_eq!(
            redact(".connect db.example.com --auth-key s3cret --db test"),
            ".connect db.example.com --auth-key <redacted> --db test"
        );
        assert_eq!(
            redact(".connect --password=p4ss"),
            ".connect --password=<redacted>"
        );
        assert_eq!(
            redact(".connect rethinkdb://admin:p4ss@db:28015/test"),
            ".connect rethinkdb://admin:<redacted>@db:28015/test"
        );
        assert_eq!(
            redact("r.connect({host: 'h', authKey: 'k3y'})"),
            "r.connect({host: 'h', authKey: '<redacted>'})"
        );
    }

    #[test]
    fn ordinary_queries_are_untouched() {
        for q in [
            "r.table('users').filter({name: 'password'})",
            "r.expr('password: x')",
            "r.http('https://example.com/a:b')",
            "r.table('t').pluck('token')",
        ] {
            assert_eq!(redact(q), q);
        }
    }

    #[test]
    fn pushed_entries_never_hold_secrets() {
        let mut h = History::default();
        h.push("r.db('rethinkdb').table('users').insert({id: 'x', password: 'topsecret'})");
        assert!(!h.get(0).unwrap().contains("topsecret"));
    }
}
