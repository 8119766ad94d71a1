//! The rustyline helper: completion from `shell::completion`, JavaScript highlighting, and a
//! hint with the signature of the call being written.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use rustyline::completion::{Candidate, Completer};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::net;
use crate::render::{Theme, highlight_ansi};
use crate::reql::Lang;
use crate::shell::catalog::DbEntry;
use crate::shell::completion::{self, Completions};

/// State the editor reads while a line is typed.
pub(super) struct ReplHelper {
    /// `None` until the first load answers.
    catalog: Arc<Mutex<Option<Vec<DbEntry>>>>,
    /// To load the catalog at the first completion when the background load is not done.
    loader: Option<(tokio::runtime::Handle, net::Link)>,
    /// Highlighting and hints are on when there is a theme (colour allowed).
    theme: Option<Theme>,
    /// The earlier lines of a statement still open (`... ` prompt), for context.
    pub pending: String,
    /// The current database, for table names.
    pub db: String,
    /// Names bound earlier in the session.
    pub bindings: Vec<String>,
    /// The syntax being typed: highlighting and completion follow it.
    pub lang: Lang,
    /// The named queries' file, for the names after `.run `.
    pub queries_path: Option<std::path::PathBuf>,
}

impl ReplHelper {
    pub(super) fn new(
        catalog: Arc<Mutex<Option<Vec<DbEntry>>>>,
        theme: Option<Theme>,
    ) -> ReplHelper {
        ReplHelper {
            catalog,
            loader: None,
            theme,
            pending: String::new(),
            db: String::new(),
            bindings: Vec::new(),
            lang: Lang::Js,
            queries_path: None,
        }
    }

    /// Where to load the catalog from when a completion needs it first.
    pub(super) fn set_loader(&mut self, handle: tokio::runtime::Handle, session: net::Link) {
        self.loader = Some((handle, session));
    }

    /// The catalog; with `wait`, loaded now (waiting at most three seconds) if it never was.
    fn catalog(&self, wait: bool) -> Vec<DbEntry> {
        if let Ok(slot) = self.catalog.lock()
            && let Some(catalog) = slot.as_ref()
        {
            return catalog.clone();
        }
        let Some((handle, session)) = self.loader.as_ref().filter(|_| wait) else {
            return Vec::new();
        };
        let wait = std::time::Duration::from_secs(3);
        let loaded = handle
            .block_on(async {
                tokio::time::timeout(wait, crate::shell::catalog::load(session)).await
            })
            .ok()
            .and_then(Result::ok);
        match loaded {
            Some(entries) => {
                if let Ok(mut slot) = self.catalog.lock() {
                    *slot = Some(entries.clone());
                }
                entries
            }
            None => Vec::new(),
        }
    }

    /// Completions for `line` at `pos`, with the open statement's earlier lines as context;
    /// the range is relative to `line`.
    pub(super) fn complete_line(&self, line: &str, pos: usize, wait: bool) -> Completions {
        if self.pending.is_empty()
            && let Some(got) = query_names(line, pos, self.queries_path.as_deref())
        {
            return got;
        }
        // A meta-command's name is completed alike in both languages (by `complete_in`).
        let meta = self.pending.is_empty()
            && line
                .get(..pos)
                .and_then(crate::shell::meta::complete_name)
                .is_some();
        if self.lang == Lang::Python && !meta {
            return python_names(line, pos, &self.bindings);
        }
        let full = format!("{}{line}", self.pending);
        let catalog = self.catalog(wait);
        let mut got = completion::complete_in(
            &full,
            self.pending.len() + pos,
            &catalog,
            &self.bindings,
            Some(&self.db),
        );
        let base = self.pending.len();
        if got.replace.0 < base {
            return Completions::default();
        }
        got.replace = (got.replace.0 - base, got.replace.1 - base);
        got
    }
}

/// After `.run `, the names of the saved queries.
fn query_names(line: &str, pos: usize, path: Option<&std::path::Path>) -> Option<Completions> {
    let before = line.get(..pos)?;
    let word = before.trim_start().strip_prefix(".run ")?.trim_start();
    if word.contains(char::is_whitespace) {
        return None;
    }
    let items = plain_candidates(crate::shell::queries::names(path), word);
    Some(Completions {
        replace: (pos - word.len(), pos),
        items,
    })
}

/// The names starting with `word`, as candidates without signatures or help.
fn plain_candidates(names: Vec<String>, word: &str) -> Vec<completion::Candidate> {
    names
        .into_iter()
        .filter(|n| n.starts_with(word))
        .map(|n| completion::Candidate {
            signature: n.clone(),
            help: String::new(),
            label: n,
        })
        .collect()
}

/// Python completion: snake_case method and `r` names after a dot, else the names bound in
/// the session and `r`.
fn python_names(line: &str, pos: usize, bindings: &[String]) -> Completions {
    let before = line.get(..pos).unwrap_or(line);
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let word = &before[start..];
    let names: Vec<String> = if before[..start].ends_with('.') {
        crate::reql::python::completion_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        let keywords = open_call(&before[..start])
            .map(crate::reql::python::keyword_names)
            .unwrap_or_default();
        keywords
            .into_iter()
            .chain(bindings.iter().cloned())
            .chain(["r".to_owned()])
            .collect()
    };
    let items = plain_candidates(names, word);
    Completions {
        replace: (start, pos),
        items,
    }
}

/// The name of the method whose call is open at the end of `text` (`x.get_all(1, ` → `get_all`).
fn open_call(text: &str) -> Option<&str> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            '[' | '{' => return None,
            '(' => {
                let head = &text[..i];
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |j| j + 1);
                return Some(&head[start..]).filter(|n| !n.is_empty());
            }
            _ => {}
        }
    }
    None
}

/// A candidate as rustyline lists it: the signature for methods, the name otherwise.
pub(super) struct Pair {
    display: String,
    replacement: String,
}

impl Candidate for Pair {
    fn display(&self) -> &str {
        &self.display
    }

    fn replacement(&self) -> &str {
        &self.replacement
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let got = self.complete_line(line, pos, true);
        let items = got
            .items
            .into_iter()
            .map(|c| Pair {
                display: if c.signature.starts_with(&c.label) {
                    c.signature
                } else {
                    c.label.clone()
                },
                replacement: c.label,
            })
            .collect();
        Ok((got.replace.0, items))
    }
}

/// Shown dimmed after the input: the rest of the only name that fits (Right arrow takes it),
/// or the signature of the call just opened (only a reminder).
pub(super) enum InputHint {
    Rest(String),
    Signature(String),
}

impl Hint for InputHint {
    fn display(&self) -> &str {
        match self {
            InputHint::Rest(s) | InputHint::Signature(s) => s,
        }
    }

    fn completion(&self) -> Option<&str> {
        match self {
            InputHint::Rest(s) => Some(s),
            InputHint::Signature(_) => None,
        }
    }
}

impl Hinter for ReplHelper {
    type Hint = InputHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<InputHint> {
        if self.theme.is_none() || pos < line.len() {
            return None;
        }
        let full = format!("{}{line}", self.pending);
        if line.ends_with('(') {
            return completion::signature_at(&full, full.len())
                .map(|c| InputHint::Signature(format!("  {} — {}", c.signature, c.help)));
        }
        // Never waits for the catalog: a hint must not slow typing down.
        let got = self.complete_line(line, pos, false);
        let word = line.get(got.replace.0..pos).filter(|w| !w.is_empty())?;
        match got.items.as_slice() {
            [only] => only
                .label
                .strip_prefix(word)
                .filter(|rest| !rest.is_empty())
                .map(|rest| InputHint::Rest(rest.to_owned())),
            _ => None,
        }
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        match &self.theme {
            Some(theme) => Cow::Owned(highlight_ansi(line, theme, self.lang)),
            None => Cow::Borrowed(line),
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        match self.theme {
            Some(_) => Cow::Owned(format!("\x1b[2m{hint}\x1b[0m")),
            None => Cow::Borrowed(hint),
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.theme.is_some() && kind != CmdKind::MoveCursor
    }
}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::catalog::TableEntry;

    #[test]
    fn hints_offer_the_rest_of_the_only_fitting_name() {
        let h = ReplHelper::new(Arc::new(Mutex::new(Some(Vec::new()))), Some(Theme::dark()));
        let history = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&history);
        let hint = |line: &str| {
            h.hint(line, line.len(), &ctx)
                .map(|x| x.display().to_owned())
        };
        assert_eq!(hint("r.table('t').orderB").as_deref(), Some("y"));
        assert_eq!(
            hint("r.table('t').get"),
            None,
            "get, getAll, ...: no single fit"
        );
        let sig = hint("r.table('t').filter(").unwrap_or_default();
        assert!(sig.contains("filter(predicate"), "{sig}");
    }

    #[test]
    fn completion_sees_the_earlier_lines_of_the_statement() {
        let catalog = vec![DbEntry {
            name: "demo".into(),
            tables: vec![TableEntry {
                name: "users".into(),
                ..TableEntry::default()
            }],
        }];
        let mut h = ReplHelper::new(Arc::new(Mutex::new(Some(catalog))), None);
        h.db = "demo".into();
        h.pending = "r.db('demo')\n".into();
        let got = h.complete_line("  .table('us", 12, true);
        assert_eq!(got.replace, (10, 12));
        assert_eq!(got.items.first().map(|c| c.label.as_str()), Some("users"));
    }
}
