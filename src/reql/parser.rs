//! Parser for the JavaScript subset: collects every error with a sentence saying what was
//! expected, and stops descending past a fixed depth instead of overflowing the stack.

use std::hash::Hasher;
use std::sync::Arc;

use super::ast::{Expr, ExprKind, FuncBody, FuncDef, Name, Names, Prop, Stmt, StmtKind};
use super::diagnostic::Diagnostic;
use super::lexer::{Kind, Lexed, StrLit, Tok, Token, p};
use super::prec::{self, BinOp, UnaryOp};
use super::span::Span;

mod destructure;
pub use destructure::is_hidden;

/// Deepest nesting of expressions (brackets, call arguments, operators) accepted.
pub const MAX_DEPTH: usize = 128;

/// Most chained links (`.name`, `(...)`, `[...]`) along one path of an expression. Chains are
/// parsed in a loop, but evaluating them recurses once per link, so they get a budget of
/// their own instead of counting as nesting; compiled terms cannot be deeper anyway.
pub const MAX_CHAIN: usize = 512;

/// Parses a whole program with its names in `names`; returns the statements and all syntax
/// errors.
pub fn parse_program(
    lexed: &Lexed<'_>,
    src_len: usize,
    names: &mut Names,
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut p = Statements::new(lexed, src_len, names);
    let stmts: Vec<Stmt> = p.by_ref().collect();
    (stmts, p.into_errors())
}

/// Parses top-level statements one at a time, so a long file need not be held as one tree.
pub struct Statements<'t, 'n> {
    p: Parser<'t, 'n>,
}

impl<'t, 'n> Statements<'t, 'n> {
    /// A statement parser over the tokens of a text `src_len` bytes long, whose names go to
    /// `names` (a session's: the names it already holds keep their meaning).
    pub fn new(lexed: &'t Lexed<'t>, src_len: usize, names: &'n mut Names) -> Self {
        Statements {
            p: Parser {
                lexed,
                toks: &lexed.tokens,
                escaped: &lexed.escaped,
                pos: 0,
                errors: Vec::new(),
                depth: 0,
                links: 0,
                nl_sensitive: true,
                fatal: false,
                src_len,
                blocks: 0,
                hidden_vars: 0,
                names,
                recent: Box::new([EMPTY_SLOT; RECENT_NAMES]),
                exprs: vec![err_expr(Span::default())],
                props: vec![Prop {
                    key: Name::default(),
                    key_span: Span::default(),
                    value: err_expr(Span::default()),
                }],
            },
        }
    }

    /// The names of the statements parsed so far.
    pub fn names(&self) -> &Names {
        self.p.names
    }

    /// Syntax errors found so far.
    pub fn errors(&self) -> &[Diagnostic] {
        &self.p.errors
    }

    /// All syntax errors.
    pub fn into_errors(self) -> Vec<Diagnostic> {
        self.p.errors
    }
}

impl Iterator for Statements<'_, '_> {
    type Item = Stmt;

    fn next(&mut self) -> Option<Stmt> {
        let p = &mut self.p;
        if p.pos >= p.toks.len() || p.fatal {
            return None;
        }
        Some(p.statement_in_list())
    }
}

/// The nesting limits the parser keeps to (its stack is bounded).
#[derive(Clone, Copy)]
enum Limit {
    /// Nested expressions and blocks: [`MAX_DEPTH`].
    Depth,
    /// Links of a method chain: [`MAX_CHAIN`].
    Chain,
}

impl Limit {
    fn max(self) -> usize {
        match self {
            Limit::Depth => MAX_DEPTH,
            Limit::Chain => MAX_CHAIN,
        }
    }
}

struct Parser<'t, 'n> {
    /// The tokens with the text and values they are decoded with.
    lexed: &'t Lexed<'t>,
    toks: &'t [Token],
    /// Values of the string literals with escapes ([`StrLit::Escaped`]).
    escaped: &'t [String],
    pos: usize,
    errors: Vec<Diagnostic>,
    depth: usize,
    /// Chain links on the current path (see [`MAX_CHAIN`]).
    links: usize,
    nl_sensitive: bool,
    fatal: bool,
    src_len: usize,
    /// Function bodies and blocks being parsed.
    blocks: usize,
    /// Hidden variables made for destructuring so far (see [`destructure::is_hidden`]).
    hidden_vars: u32,
    /// Identifiers and string literals: the same text is one [`Name`]. A lookup compares
    /// with the stored copies rather than with slices of the source: it reads a small, hot
    /// table, not the place far back in the text where the name first appeared.
    names: &'n mut Names,
    /// The names interned last with their [`head_word`], by a cheap hash of their text: most
    /// lookups end here without hashing the whole name or probing `names`.
    recent: Box<[RecentName; RECENT_NAMES]>,
    /// Arguments and array items being parsed, innermost list last: a finished list is moved
    /// into a vector of exactly its length instead of growing one push at a time. Index 0
    /// holds a placeholder, so a list never starts at 0, where `split_off` would hand over
    /// the whole buffer.
    exprs: Vec<Expr>,
    /// Object properties being parsed, likewise (with a placeholder at 0 too).
    props: Vec<Prop>,
}

/// Slots of [`Parser::recent`] (a power of two), in pairs: a name may sit in either slot of
/// its pair, so two names with the same hash do not evict each other.
const RECENT_NAMES: usize = 1024;

/// A slot of [`Parser::recent`]: the [`head_word`] and length of a name (all of it up to
/// eight bytes), and the name.
#[derive(Clone, Copy)]
struct RecentName {
    head: u64,
    len: u32,
    name: Name,
}

/// An unused slot: no name is `u32::MAX` bytes long.
const EMPTY_SLOT: RecentName = RecentName {
    head: 0,
    len: u32::MAX,
    name: Name::ZERO,
};

/// The first eight bytes of a name (zero after its end) as one word: with the length, all of
/// a short name, so comparing two short names needs no byte loop.
fn head_word(b: &[u8]) -> u64 {
    let n = b.len();
    if let Some(word) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*word);
    }
    // Shorter names are read in two overlapping parts (their common bytes are or-ed in at
    // the same place twice): a few loads instead of a loop over the bytes.
    if let (Some(lo), Some(hi)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*lo))
            | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4));
    }
    match (b.first(), b.get(n / 2), b.last()) {
        (Some(&first), Some(&mid), Some(&last)) => {
            u64::from(first) | u64::from(mid) << (8 * (n / 2)) | u64::from(last) << (8 * (n - 1))
        }
        _ => 0,
    }
}

/// First slot of the pair of a name in [`Parser::recent`]: a hash of its head word and its
/// length, enough to tell apart the few hundred names a query uses (a collision only costs a
/// lookup in `names`).
fn recent_slot(head: u64, len: usize) -> usize {
    let key = head ^ (len as u64).rotate_right(8);
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize & (RECENT_NAMES - 2)
}

/// False for a name that is surely no keyword: every keyword `primary` looks for is two to
/// eight lower-case letters.
fn may_be_keyword(name: &str) -> bool {
    (2..=8).contains(&name.len()) && name.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Methods that end a pasted program's query: `.run(...)` and the promise, cursor and
/// stream methods written after it (including Bluebird's, which the driver returns).
pub(crate) fn is_program_tail(name: &str) -> bool {
    name == "run" || is_after_run(name)
}

/// The promise, cursor and stream methods pasted after `.run(...)`.
pub(crate) fn is_after_run(name: &str) -> bool {
    matches!(
        name,
        "then"
            | "catch"
            | "finally"
            | "error"
            | "tap"
            | "spread"
            | "asCallback"
            | "nodeify"
            | "done"
            | "toArray"
            | "each"
            | "eachAsync"
            | "next"
            | "toStream"
            | "on"
            | "pipe"
    )
}

/// True for a token that ends an operand: nothing after it can continue the expression
/// (no operator, call, member access or assignment starts with it).
fn ends_operand(t: Option<&Token>) -> bool {
    t.is_none_or(|t| t.kind.ends_operand())
}

/// A light hash for names (identifiers, strings, method names), eight bytes per step in the
/// manner of FxHash: names are short, and the default SipHash costs more than the lookups and
/// the allocations the interning saves. Not resistant to crafted collisions: the tables it
/// serves hold only names from the user's own source and the fixed method tables.
#[derive(Default)]
pub(crate) struct NameHasher(u64);

impl NameHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        // The multiply mixes upwards: bring the well-mixed high bits to where the table
        // takes its bucket index.
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(w);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            // The same little-endian word as copying the bytes into a zeroed buffer, but built
            // in a register: the copy and reload stalled on store forwarding.
            let word = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
            self.add(word);
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
}

/// Parameters of a function literal.
#[derive(Default)]
struct ParamList {
    params: Vec<(Name, Span)>,
    arity: usize,
    defaults: Vec<(usize, Expr)>,
    rest: Option<usize>,
    /// Destructured parameters: the hidden name each stands under, and its pattern.
    patterns: Vec<(Name, destructure::Pattern)>,
}

/// `obj.name` spanning `span`.
fn member(obj: Expr, name: Name, name_span: Span, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Member {
            obj: Box::new(obj),
            name,
            name_span,
        },
        span,
    }
}

fn err_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span,
    }
}

fn describe(t: Option<Tok<'_>>) -> String {
    match t {
        None => "the end of the input".into(),
        Some(Tok::Ident(n)) => format!("`{n}`"),
        Some(Tok::Num(_)) => "a number".into(),
        Some(Tok::Str(_)) => "a string".into(),
        Some(Tok::Punct(p)) => format!("`{p}`"),
    }
}

impl<'t> Parser<'t, '_> {
    #[inline(always)]
    fn intern(&mut self, name: &str) -> Name {
        let bytes = name.as_bytes();
        let head = head_word(bytes);
        let slot = recent_slot(head, bytes.len());
        // The slot is masked to the table: the lookups need no bounds check.
        for i in [slot, slot | 1] {
            if let Some(r) = self.recent.get(i & (RECENT_NAMES - 1))
                && r.head == head
                && r.len as usize == bytes.len()
                // Up to eight bytes, the head word and the length are the whole name.
                && (bytes.len() <= 8
                    || self.names.get(r.name).as_bytes().get(8..) == bytes.get(8..))
            {
                return r.name;
            }
        }
        self.intern_slow(name, head, slot)
    }

    #[cold]
    #[inline(never)]
    fn intern_slow(&mut self, text: &str, head: u64, slot: usize) -> Name {
        let name = self.names.intern(text);
        // The newest name takes the first slot of the pair, the one it displaces the second.
        if let Ok(len) = u32::try_from(text.len())
            && len != u32::MAX
            && let Some([first, second]) = self.recent.get_mut(slot..slot + 2)
        {
            *second = std::mem::replace(first, RecentName { head, len, name });
        }
        name
    }

    /// Moves the expressions pushed on [`Parser::exprs`] since `base` into a vector of their own.
    fn take_exprs(&mut self, base: usize) -> Vec<Expr> {
        if base == 0 || base > self.exprs.len() {
            // Not reached: every list starts after the placeholder and ends on top.
            return Vec::new();
        }
        self.exprs.split_off(base)
    }

    /// The value of a string literal, interned like names.
    #[inline(always)]
    fn string_value(&mut self, lit: StrLit<'t>) -> Name {
        match lit {
            StrLit::Raw(text) => self.intern(text),
            StrLit::Escaped(i) => {
                let escaped = self.escaped;
                self.names.intern(escaped.get(i).map_or("", String::as_str))
            }
        }
    }

    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&'t Token> {
        self.toks.get(self.pos + n)
    }

    /// The token decoded (where its text or value is needed).
    fn tok(&self, t: &Token) -> Tok<'t> {
        self.lexed.tok(t)
    }

    /// The source text of a token: for an identifier, its name.
    #[inline(always)]
    fn name(&self, t: &Token) -> &'t str {
        self.lexed.text(t)
    }

    /// True for an identifier token named `name`.
    fn is_name(&self, t: &Token, name: &str) -> bool {
        t.is(Kind::Ident) && self.name(t) == name
    }

    fn at(&self, p: Kind) -> bool {
        self.peek().is_some_and(|t| t.is(p))
    }

    fn at_ident(&self, name: &str) -> bool {
        self.peek().is_some_and(|t| self.is_name(t, name))
    }

    fn eat(&mut self, p: Kind) -> bool {
        if self.at(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn here(&self) -> Span {
        match self.peek() {
            Some(t) => t.span(),
            None => Span::new(self.src_len, self.src_len),
        }
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.end as usize)
    }

    #[cold]
    fn error(&mut self, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.errors.push(Diagnostic::new(span, msg));
        let n = self.errors.len() - 1;
        &mut self.errors[n]
    }

    #[cold]
    #[inline(never)]
    fn expected(&mut self, what: &str) {
        if self.fatal {
            // Parsing stopped at the depth limit: the unclosed brackets around it are no news.
            return;
        }
        let found = describe(self.peek().map(|t| self.tok(t)));
        let span = self.here();
        self.error(span, format!("expected {what}, found {found}"));
    }

    #[inline]
    fn expect(&mut self, p: Kind, what: &str) -> bool {
        if self.eat(p) {
            true
        } else {
            self.expected(what);
            false
        }
    }

    /// True while the next token continues the current expression: at statement level a
    /// line break ends it unless the next line starts with `.` (chains written one per line)
    /// or, as JavaScript reads it, with a binary, conditional or assignment operator
    /// (`- 1`, `|| 10`, `? a`). A line starting with `(`, `[` or a template starts a new
    /// statement.
    fn continues(&self) -> bool {
        match self.peek() {
            None => false,
            Some(t) => {
                !self.nl_sensitive
                    || !t.nl_before
                    || t.is(p!("."))
                    || t.is(p!("?."))
                    || t.is(p!("?"))
                    || t.kind.is_binary()
                    || t.kind.is_assign()
            }
        }
    }

    /// One more level of nesting: false, and parsing stops, past [`MAX_DEPTH`].
    #[inline]
    fn deeper(&mut self) -> bool {
        self.depth += 1;
        self.within(self.depth, Limit::Depth)
    }

    /// One more link of a method chain: false, and parsing stops, past [`MAX_CHAIN`].
    #[inline]
    fn longer_chain(&mut self) -> bool {
        self.links += 1;
        self.within(self.links, Limit::Chain)
    }

    /// True while `level` is within `limit` and parsing goes on.
    #[inline]
    fn within(&mut self, level: usize, limit: Limit) -> bool {
        if level > limit.max() {
            self.stop(limit);
        }
        !self.fatal
    }

    /// Stops parsing (once, with one error) when a nesting limit is over.
    #[cold]
    #[inline(never)]
    fn stop(&mut self, limit: Limit) {
        if !self.fatal {
            let (message, help) = match limit {
                Limit::Depth => (
                    format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
                    "split the query into variables: var a = ...; then use a",
                ),
                Limit::Chain => (
                    format!("method chain nested too deeply (more than {MAX_CHAIN} links)"),
                    "split the chain with variables: var a = ...; a.next(...)",
                ),
            };
            let span = self.here();
            self.error(span, message).help = Some(help.into());
        }
        self.fatal = true;
    }

    fn with_nl<T>(&mut self, sensitive: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.nl_sensitive, sensitive);
        let r = f(self);
        self.nl_sensitive = saved;
        r
    }

    /// A statement of a program or block and what ends it, or after an error the rest of the
    /// broken statement. It always moves on (past one token at least), so lists of statements
    /// end.
    fn statement_in_list(&mut self) -> Stmt {
        let before = self.pos;
        let errs = self.errors.len();
        let s = self.statement();
        if self.errors.len() > errs {
            self.recover();
        } else {
            self.end_statement();
        }
        if self.pos == before {
            self.pos += 1;
        }
        s
    }

    /// After a statement: `;`, a line break, `}` or the end must follow.
    fn end_statement(&mut self) {
        if self.eat(p!(";")) {
            return;
        }
        // A statement that ends with a block (`for (...) {...}`) needs no separator, nor one
        // whose body took its `;` (`if (err) throw err; next()`).
        if self.pos > 0
            && self
                .toks
                .get(self.pos - 1)
                .is_some_and(|t| t.is(p!("}")) || t.is(p!(";")))
        {
            return;
        }
        match self.peek() {
            None => {}
            Some(t) if t.nl_before || t.is(p!("}")) => {}
            Some(_) => {
                self.expected("`;` or a new line after the statement");
                self.recover();
            }
        }
    }

    /// Skips to the end of the broken statement: a `;` or a line break outside brackets.
    fn recover(&mut self) {
        let mut depth = 0usize;
        let start = self.pos;
        while let Some(t) = self.peek() {
            if depth == 0 && self.pos > start && t.nl_before {
                return;
            }
            match t.kind {
                p!("(") | p!("[") | p!("{") => depth += 1,
                // A closer at depth 0 belongs to a bracket opened before the error: skip it,
                // except the `}` that ends the enclosing block.
                p!("}") if depth == 0 && self.blocks > 0 => return,
                p!(")") | p!("]") | p!("}") => depth = depth.saturating_sub(1),
                p!(";") if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn statement(&mut self) -> Stmt {
        let start = self.here();
        // Most statements are expressions starting with a name no keyword can be: the checks
        // for each statement keyword are skipped.
        let plain = match self.peek() {
            Some(t) if t.is(Kind::Ident) => !may_be_keyword(self.name(t)),
            Some(t) => !matches!(t.kind, p!("{") | p!(";")),
            None => true,
        };
        let kind = if plain {
            StmtKind::Expr(self.expression())
        } else if self.at_ident("var") || self.at_ident("let") || self.at_ident("const") {
            self.pos += 1;
            self.var_decls()
        } else if self.at_ident("function") && self.peek_at(1).is_some_and(|t| t.is(Kind::Ident)) {
            let f = self.function();
            match f.kind {
                ExprKind::Func(def) => {
                    let name = match def.name {
                        Some(name) => name,
                        None => self.names.intern(""),
                    };
                    StmtKind::Function(name, def)
                }
                _ => StmtKind::Expr(f),
            }
        } else if self.at_ident("return") {
            self.pos += 1;
            let value = match self.peek() {
                None => None,
                Some(t) if t.nl_before || t.is(p!(";")) || t.is(p!("}")) => None,
                Some(_) => Some(self.expression()),
            };
            StmtKind::Return(value)
        } else if self.at_ident("if") {
            self.pos += 1;
            self.expect(p!("("), "`(` after `if`");
            let test = self.with_nl(false, |p| p.expression());
            self.expect(p!(")"), "`)` to close the condition");
            let then = Box::new(self.sub_statement());
            let other = if self.at_ident("else") {
                self.pos += 1;
                Some(Box::new(self.sub_statement()))
            } else {
                None
            };
            StmtKind::If(test, then, other)
        } else if self.at_ident("for") {
            self.pos += 1;
            self.for_statement()
        } else if self.at_ident("while") {
            self.pos += 1;
            self.expect(p!("("), "`(` after `while`");
            let test = self.with_nl(false, |p| p.expression());
            self.expect(p!(")"), "`)` to close the condition");
            StmtKind::While(test, Box::new(self.sub_statement()))
        } else if self.at_ident("throw") {
            self.pos += 1;
            StmtKind::Throw(self.expression())
        } else if self.at_ident("break") {
            self.pos += 1;
            StmtKind::Break
        } else if self.at_ident("continue") {
            self.pos += 1;
            StmtKind::Continue
        } else if self.at(p!("{")) && self.depth > 0 {
            StmtKind::Block(self.block())
        } else if self.at(p!(";")) {
            StmtKind::Empty
        } else {
            StmtKind::Expr(self.expression())
        };
        Stmt {
            kind,
            span: Span::new(start.start, self.prev_end().max(start.start)),
        }
    }

    fn sub_statement(&mut self) -> Stmt {
        if !self.deeper() {
            return Stmt {
                kind: StmtKind::Empty,
                span: self.here(),
            };
        }
        let s = self.with_nl(true, |p| {
            let s = p.statement();
            p.eat(p!(";"));
            s
        });
        self.depth -= 1;
        s
    }

    fn var_decls(&mut self) -> StmtKind {
        let mut decls = Vec::new();
        loop {
            if self.at_pattern() {
                let pattern = self.pattern();
                let source = if self.expect(p!("="), "`=` and a value to destructure") {
                    self.assign()
                } else {
                    err_expr(self.here())
                };
                self.bindings(pattern, source, &mut decls);
                if !self.eat(p!(",")) {
                    break;
                }
                continue;
            }
            let Some(t) = self.peek().filter(|t| t.is(Kind::Ident)) else {
                self.expected("a variable name");
                break;
            };
            let (name, span) = (self.name(t), t.span());
            self.pos += 1;
            let init = if self.eat(p!("=")) {
                Some(self.assign())
            } else {
                None
            };
            decls.push((self.intern(name), span, init));
            if !self.eat(p!(",")) {
                break;
            }
        }
        StmtKind::Var(decls)
    }

    /// After `for (`: `[var] target of|in`, with the target read and `of`/`in` passed
    /// (`Some(keys)`), or nothing consumed.
    fn for_each_head(&mut self) -> Option<(destructure::Pattern, bool)> {
        let save = self.pos;
        if self.at_ident("var") || self.at_ident("let") || self.at_ident("const") {
            self.pos += 1;
        }
        let after = match self.peek() {
            Some(t) if t.is(Kind::Ident) => Some(self.pos + 1),
            Some(t) if t.is(p!("{")) || t.is(p!("[")) => self.matching(self.pos).map(|c| c + 1),
            _ => None,
        };
        let keys = after
            .and_then(|i| self.toks.get(i))
            .filter(|t| t.is(Kind::Ident))
            .and_then(|t| match self.name(t) {
                "of" => Some(false),
                "in" => Some(true),
                _ => None,
            });
        let Some(keys) = keys else {
            self.pos = save;
            return None;
        };
        let pattern = self.pattern();
        self.pos += 1; // `of` / `in`
        Some((pattern, keys))
    }

    fn for_statement(&mut self) -> StmtKind {
        self.expect(p!("("), "`(` after `for`");
        if let Some((pattern, keys)) = self.for_each_head() {
            let iter = self.with_nl(false, |p| p.expression());
            self.expect(p!(")"), "`)` to close the loop header");
            let body = self.sub_statement();
            let (name, name_span, body) = match pattern {
                destructure::Pattern::Name(name, span) => (name, span, body),
                pattern => {
                    let hidden = self.hidden();
                    let span = body.span;
                    let source = Expr {
                        kind: ExprKind::Ident(hidden),
                        span,
                    };
                    let unpack = self.binding_stmt(pattern, source);
                    let body = Stmt {
                        kind: StmtKind::Block(vec![unpack, body]),
                        span,
                    };
                    (hidden, span, body)
                }
            };
            return StmtKind::ForEach {
                name,
                name_span,
                keys,
                iter,
                body: Box::new(body),
            };
        }
        let (init, test, update) = self.with_nl(false, |p| {
            let init = if p.at(p!(";")) {
                None
            } else if p.at_ident("var") || p.at_ident("let") || p.at_ident("const") {
                let start = p.here();
                p.pos += 1;
                let k = p.var_decls();
                Some(Box::new(Stmt {
                    kind: k,
                    span: start.to(Span::new(p.prev_end(), p.prev_end())),
                }))
            } else {
                let e = p.expression();
                let span = e.span;
                Some(Box::new(Stmt {
                    kind: StmtKind::Expr(e),
                    span,
                }))
            };
            p.expect(p!(";"), "`;` after the loop initializer");
            let test = if p.at(p!(";")) {
                None
            } else {
                Some(p.expression())
            };
            p.expect(p!(";"), "`;` after the loop condition");
            let update = if p.at(p!(")")) {
                None
            } else {
                Some(p.expression())
            };
            (init, test, update)
        });
        self.expect(p!(")"), "`)` to close the loop header");
        let body = Box::new(self.sub_statement());
        StmtKind::For {
            init,
            test,
            update,
            body,
        }
    }

    fn block(&mut self) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        if !self.expect(p!("{"), "`{`") {
            return stmts;
        }
        if !self.deeper() {
            return stmts;
        }
        self.blocks += 1;
        self.with_nl(true, |p| {
            while !p.at(p!("}")) && p.peek().is_some() && !p.fatal {
                stmts.push(p.statement_in_list());
            }
        });
        self.depth -= 1;
        self.blocks -= 1;
        self.expect(p!("}"), "`}` to close the block");
        stmts
    }

    /// Expression, comma operator not supported (JavaScript rarely needs it in ReQL).
    fn expression(&mut self) -> Expr {
        self.assign()
    }

    // Forced only where optimized: unoptimized frames of the inlined code would add up
    // along the recursion and overflow a test thread's stack at the nesting limit.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn assign(&mut self) -> Expr {
        if self.fatal {
            return err_expr(self.here());
        }
        if !self.deeper() {
            return err_expr(self.here());
        }
        let e = match self.lone_operand() {
            Some(e) => e,
            None if self.starts_chain() => {
                // A chain such as `r.table(...)...` or `f(...)`: straight to `postfix`,
                // without the checks for arrow functions and unary operators.
                let first = self.postfix();
                if ends_operand(self.peek()) {
                    first
                } else {
                    self.operators_after(first)
                }
            }
            None => self.assign_inner(),
        };
        self.depth -= 1;
        e
    }

    /// True at a name that is surely no keyword followed by `.` or `(`: no arrow function or
    /// unary operator starts there, so `assign_inner` would go straight to `postfix`.
    #[inline(always)]
    fn starts_chain(&self) -> bool {
        self.peek()
            .is_some_and(|t| t.is(Kind::Ident) && !may_be_keyword(self.name(t)))
            && self
                .peek_at(1)
                .is_some_and(|t| matches!(t.kind, p!(".") | p!("(")))
    }

    /// Most arguments are one literal or name: no operator, call or member access can follow
    /// it, so the climb through every precedence level is skipped (`None` when it cannot be).
    #[inline(always)]
    fn lone_operand(&mut self) -> Option<Expr> {
        let t = self.peek()?;
        if !ends_operand(self.peek_at(1)) {
            return None;
        }
        let span = t.span();
        match t.kind {
            Kind::Num | Kind::Int => {
                self.pos += 1;
                Some(Expr {
                    kind: ExprKind::Num(self.lexed.num(t)),
                    span,
                })
            }
            Kind::Str | Kind::EscapedStr => {
                self.pos += 1;
                let s = self.string_value(self.lexed.str_lit(t));
                Some(Expr {
                    kind: ExprKind::Str(s),
                    span,
                })
            }
            // Names that start no unary operator, `new` or function literal are parsed by
            // `primary` alone, one token.
            Kind::Ident
                if !matches!(
                    self.name(t),
                    "typeof" | "await" | "void" | "delete" | "new" | "function" | "lambda"
                ) =>
            {
                Some(self.primary())
            }
            _ => None,
        }
    }

    fn assign_inner(&mut self) -> Expr {
        // Arrow functions: `x => ...` and `(a, b) => ...`.
        if let Some(t) = self.peek()
            && t.is(Kind::Ident)
            && self.peek_at(1).is_some_and(|t| t.is(p!("=>")))
        {
            let (name, start) = (self.name(t), t.span());
            self.pos += 2;
            let list = ParamList {
                params: vec![(self.intern(name), start)],
                arity: 1,
                ..ParamList::default()
            };
            return self.arrow_body(list, start);
        }
        if self.at(p!("("))
            && let Some(close) = self.matching(self.pos)
            && self.toks.get(close + 1).is_some_and(|t| t.is(p!("=>")))
        {
            let start = self.here();
            self.pos += 1;
            let list = self.params();
            self.expect(p!("=>"), "`=>`");
            return self.arrow_body(list, start);
        }
        let first = self.unary();
        // A lone operand (a name, a literal, a method chain) is most of what is written:
        // nothing after it can continue it, so the operator checks are skipped.
        if ends_operand(self.peek()) {
            return first;
        }
        self.operators_after(first)
    }

    /// The rest of an assignment expression after its first operand, `first`: binary and
    /// conditional operators, then an assignment.
    fn operators_after(&mut self, first: Expr) -> Expr {
        let lhs = self.conditional(first);
        if let Some(t) = self.peek()
            && t.kind.is_assign()
            && self.continues()
        {
            // `None` for `=`; `+=` is `+` then `=`.
            let text = t.kind.text();
            let op = text.strip_suffix('=').and_then(BinOp::from_text);
            self.pos += 1;
            if !matches!(
                lhs.kind,
                ExprKind::Ident(_) | ExprKind::Member { .. } | ExprKind::Index { .. }
            ) {
                self.error(lhs.span, "cannot assign to this expression");
            }
            let value = self.assign();
            let span = lhs.span.to(value.span);
            return Expr {
                kind: ExprKind::Assign {
                    op,
                    target: Box::new(lhs),
                    value: Box::new(value),
                },
                span,
            };
        }
        lhs
    }

    fn matching(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, t) in self.toks.iter().enumerate().skip(open) {
            match t.kind {
                p!("(") | p!("[") | p!("{") => depth += 1,
                p!(")") | p!("]") | p!("}") => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn arrow_body(&mut self, list: ParamList, start: Span) -> Expr {
        let body = if self.at(p!("{")) {
            FuncBody::Block(self.block())
        } else {
            FuncBody::Expr(self.assign())
        };
        self.func_expr(None, list, body, start)
    }

    /// The function of `name`, `list` and `body` (parsed from `start` to here); destructured
    /// parameters are bound at the start of its body.
    fn func_expr(
        &mut self,
        name: Option<Name>,
        mut list: ParamList,
        body: FuncBody,
        start: Span,
    ) -> Expr {
        let body = self.unpack_params(&mut list, body);
        let span = start.to(Span::new(self.prev_end(), self.prev_end()));
        Expr {
            kind: ExprKind::Func(Arc::new(FuncDef {
                name,
                params: list.params,
                arity: list.arity,
                defaults: list.defaults,
                rest: list.rest,
                body,
                span,
            })),
            span,
        }
    }

    /// `body` preceded by the bindings of the destructured parameters of `list`.
    fn unpack_params(&mut self, list: &mut ParamList, body: FuncBody) -> FuncBody {
        if list.patterns.is_empty() {
            return body;
        }
        let mut stmts = Vec::new();
        for (hidden, pattern) in std::mem::take(&mut list.patterns) {
            let span = list
                .params
                .iter()
                .find(|(n, _)| *n == hidden)
                .map_or_else(Span::default, |(_, s)| *s);
            let source = Expr {
                kind: ExprKind::Ident(hidden),
                span,
            };
            stmts.push(self.binding_stmt(pattern, source));
        }
        match body {
            FuncBody::Block(b) => stmts.extend(b),
            FuncBody::Expr(e) => {
                let span = e.span;
                stmts.push(Stmt {
                    kind: StmtKind::Return(Some(e)),
                    span,
                });
            }
        }
        FuncBody::Block(stmts)
    }

    /// Parameters after `(` up to and including `)`.
    fn params(&mut self) -> ParamList {
        let mut list = ParamList::default();
        let mut arity = None;
        self.with_nl(false, |p| {
            while !p.at(p!(")")) {
                let rest = p.eat(p!("..."));
                match p.peek() {
                    Some(t) if t.is(Kind::Ident) => {
                        let (n, span) = (p.name(t), t.span());
                        p.pos += 1;
                        list.params.push((p.intern(n), span));
                    }
                    Some(t) if !rest && (t.is(p!("{")) || t.is(p!("["))) => {
                        let span = t.span();
                        let pattern = p.pattern();
                        let hidden = p.hidden();
                        list.params.push((hidden, span));
                        list.patterns.push((hidden, pattern));
                    }
                    _ => {
                        p.expected("a parameter name");
                        return;
                    }
                }
                let i = list.params.len() - 1;
                if rest {
                    arity.get_or_insert(i);
                    list.rest = Some(i);
                }
                if p.eat(p!("=")) {
                    arity.get_or_insert(i);
                    let default = p.assign();
                    list.defaults.push((i, default));
                }
                if rest || !p.eat(p!(",")) {
                    break;
                }
            }
        });
        self.expect(p!(")"), "`)` to close the parameter list");
        list.arity = arity.unwrap_or(list.params.len());
        list
    }

    fn function(&mut self) -> Expr {
        let start = self.here();
        self.pos += 1; // `function`
        let mut name = None;
        if let Some(t) = self.peek()
            && t.is(Kind::Ident)
        {
            name = Some(self.intern(self.name(t)));
            self.pos += 1;
        }
        if !self.expect(p!("("), "`(` to start the parameter list") {
            return err_expr(start);
        }
        let list = self.params();
        let body = FuncBody::Block(self.block());
        self.func_expr(name, list, body, start)
    }

    /// The conditional expression whose first operand, `first`, is parsed.
    fn conditional(&mut self, first: Expr) -> Expr {
        let test = self.binary(first);
        if self.at(p!("?")) && self.continues() {
            self.pos += 1;
            let then = self.with_nl(false, |p| p.assign());
            self.expect(p!(":"), "`:` in the conditional expression");
            let other = self.assign();
            let span = test.span.to(other.span);
            return Expr {
                kind: ExprKind::Cond {
                    test: Box::new(test),
                    then: Box::new(then),
                    other: Box::new(other),
                },
                span,
            };
        }
        test
    }

    /// The binary operations whose first operand, `first`, is parsed.
    fn binary(&mut self, first: Expr) -> Expr {
        let mut rest = Vec::new();
        let saved = self.depth;
        while self.continues() && !self.fatal {
            let Some(t) = self.peek() else { break };
            let op = match t.kind {
                kind if kind.is_binary() => BinOp::from_text(kind.text()),
                Kind::Ident => match self.name(t) {
                    "instanceof" => Some(BinOp::Instanceof),
                    "in" => Some(BinOp::In),
                    _ => break,
                },
                _ => break,
            };
            let Some(op) = op else { break };
            let op_span = t.span();
            if op == BinOp::Pow {
                // JavaScript refuses `-1 ** 2`: a unary operator right before `**` needs
                // parentheses to say which comes first.
                let lhs = rest.last().map_or(&first, |(_, _, rhs): &(_, _, Expr)| rhs);
                if self.starts_with_unary(lhs.span) {
                    self.error(op_span, "a unary operator right before `**` is ambiguous")
                        .help = Some("add parentheses: (-a) ** b or -(a ** b)".into());
                }
            }
            self.pos += 1;
            if !self.deeper() {
                break;
            }
            let rhs = self.unary();
            if rest.capacity() == 0 {
                // Room for a few operators at once rather than growing from nothing.
                rest = Vec::with_capacity(4);
            }
            rest.push((op, op_span, rhs));
        }
        self.depth = saved;
        if rest.is_empty() {
            first
        } else {
            prec::climb(first, rest)
        }
    }

    /// A unary operation or, most often, a postfix expression: the check for an operator is
    /// inlined in the callers so the common case goes straight to `postfix`.
    // Inlining forced only where optimized (see `assign`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unary(&mut self) -> Expr {
        match self.peek() {
            None => self.unary_op(),
            Some(t) => match t.kind {
                p!("-") | p!("+") | p!("!") | p!("~") | p!("++") | p!("--") => self.unary_op(),
                Kind::Ident if matches!(self.name(t), "typeof" | "await" | "void" | "delete") => {
                    self.unary_op()
                }
                _ => self.postfix(),
            },
        }
    }

    fn unary_op(&mut self) -> Expr {
        let Some(t) = self.peek() else {
            self.expected("an expression");
            return err_expr(self.here());
        };
        // `None` for `++` and `--`: an update, `increment` telling which.
        let (op, increment): (Option<UnaryOp>, bool) = match self.tok(t) {
            Tok::Punct("-") => (Some(UnaryOp::Neg), false),
            Tok::Punct("+") => (Some(UnaryOp::Plus), false),
            Tok::Punct("!") => (Some(UnaryOp::Not), false),
            Tok::Punct("~") => (Some(UnaryOp::BitNot), false),
            Tok::Punct("++") => (None, true),
            Tok::Punct("--") => (None, false),
            Tok::Ident("typeof") => (Some(UnaryOp::Typeof), false),
            // `await r.table('t').run(conn)` pasted from async code: the value is the query.
            Tok::Ident("await") => (Some(UnaryOp::Await), false),
            Tok::Ident("void") => (Some(UnaryOp::Void), false),
            Tok::Ident("delete") => (Some(UnaryOp::Delete), false),
            _ => return self.postfix(),
        };
        let start = t.span();
        self.pos += 1;
        if !self.deeper() {
            return err_expr(start);
        }
        let expr = self.unary();
        self.depth -= 1;
        let span = start.to(expr.span);
        let Some(op) = op else {
            return Expr {
                kind: ExprKind::Update {
                    increment,
                    prefix: true,
                    target: Box::new(expr),
                },
                span,
            };
        };
        if op == UnaryOp::Neg
            && let ExprKind::Num(n) = expr.kind
        {
            return Expr {
                kind: ExprKind::Num(-n),
                span,
            };
        }
        Expr {
            kind: ExprKind::Unary {
                op,
                expr: Box::new(expr),
            },
            span,
        }
    }

    fn args(&mut self, what: &str) -> Vec<Expr> {
        let base = self.exprs.len();
        self.args_onto_stack(what);
        self.take_exprs(base)
    }

    /// Parses call arguments up to the closing `)` onto [`Parser::exprs`].
    // Inlining forced only where optimized (see `assign`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn args_onto_stack(&mut self, what: &str) {
        // As `with_nl(false, ...)`, written out so the loop is inlined in `postfix`.
        let saved = std::mem::replace(&mut self.nl_sensitive, false);
        while !self.fatal {
            // One look at the next token for the end of the list and a spread.
            let spread = match self.peek() {
                None => break,
                Some(t) if t.is(p!(")")) => break,
                Some(t) => t.is(p!("...")),
            };
            let arg = if spread { self.spread() } else { self.assign() };
            self.exprs.push(arg);
            if !self.eat(p!(",")) {
                break;
            }
        }
        self.nl_sensitive = saved;
        self.expect(p!(")"), what);
    }

    /// Whether the expression spanning `span` starts with a unary operator outside
    /// parentheses (`-1`, `typeof x`; a folded `-1` literal included).
    fn starts_with_unary(&self, span: Span) -> bool {
        let Ok(i) = self
            .toks
            .binary_search_by_key(&(span.start as u32), |t| t.start)
        else {
            return false;
        };
        let t = &self.toks[i];
        matches!(t.kind, p!("-") | p!("+") | p!("!") | p!("~"))
            || (t.is(Kind::Ident) && matches!(self.name(t), "typeof" | "void" | "delete" | "await"))
    }

    /// The arguments of `.run(...)` and of the promise and stream methods pasted after it:
    /// program code whose callbacks rdbsh never runs. An argument that does not parse as
    /// rdbsh's JavaScript (TypeScript annotations, `async`, a regex literal...) is skipped up
    /// to the next `,` or `)` at its level and stands as [`ExprKind::Skipped`].
    #[cold]
    #[inline(never)]
    fn lenient_args_onto_stack(&mut self) {
        let saved = std::mem::replace(&mut self.nl_sensitive, false);
        while !self.fatal && !self.at(p!(")")) && self.peek().is_some() {
            let (pos, errors, exprs) = (self.pos, self.errors.len(), self.exprs.len());
            let (depth, links, blocks) = (self.depth, self.links, self.blocks);
            let arg = self.assign();
            if self.errors.len() == errors && (self.at(p!(",")) || self.at(p!(")"))) {
                self.exprs.push(arg);
            } else {
                // Back to the argument's start, then over it to its end.
                self.errors.truncate(errors);
                self.exprs.truncate(exprs);
                (self.depth, self.links, self.blocks) = (depth, links, blocks);
                self.fatal = false;
                self.pos = pos;
                let start = self.here();
                let mut level = 0usize;
                while let Some(t) = self.peek() {
                    match t.kind {
                        p!(",") | p!(")") if level == 0 => break,
                        p!("(") | p!("[") | p!("{") => level += 1,
                        p!(")") | p!("]") | p!("}") => level = level.saturating_sub(1),
                        _ => {}
                    }
                    self.pos += 1;
                }
                let end = self.prev_end().max(start.start);
                self.exprs.push(Expr {
                    kind: ExprKind::Skipped,
                    span: Span::new(start.start, end),
                });
            }
            if !self.eat(p!(",")) {
                break;
            }
        }
        self.nl_sensitive = saved;
        self.expect(p!(")"), "`)` to close the argument list");
    }

    /// `...x` (at the `...`).
    #[cold]
    #[inline(never)]
    fn spread(&mut self) -> Expr {
        let start = self.here();
        self.pos += 1;
        let inner = self.assign();
        let span = start.to(inner.span);
        Expr {
            kind: ExprKind::Spread(Box::new(inner)),
            span,
        }
    }

    fn postfix(&mut self) -> Expr {
        let mut e = if self.at_ident("new") {
            self.new_expr()
        } else {
            self.primary()
        };
        let saved = self.links;
        // Whether this chain has called `.run(...)`: what follows it is program code.
        let mut ran = false;
        // Each link moves `e` into the node that replaces it.
        while !self.fatal {
            let Some(t) = self.peek() else { break };
            // As `continues`, on the token at hand.
            if self.nl_sensitive && t.nl_before && !t.is(p!(".")) && !t.is(p!("?.")) {
                break;
            }
            match t.kind {
                dot @ (p!(".") | p!("?.")) => {
                    self.pos += 1;
                    if dot == p!("?.") {
                        let span = e.span;
                        e = Expr {
                            kind: ExprKind::Optional(Box::new(e)),
                            span,
                        };
                    }
                    let Some(t) = self.peek().filter(|t| t.is(Kind::Ident)) else {
                        if dot == p!("?.") && (self.at(p!("(")) || self.at(p!("["))) {
                            continue;
                        }
                        self.expected("a method name after `.`");
                        break;
                    };
                    let (name, span) = (self.name(t), t.span());
                    self.pos += 1;
                    let span_all = e.span.to(span);
                    let tail = if name == "run" {
                        ran = true;
                        true
                    } else {
                        ran && is_after_run(name)
                    };
                    let name = self.intern(name);
                    // `obj.name(args)` is built at once, the receiver moved straight into the
                    // operand list; the name is a chain link of its own.
                    if self.at(p!("(")) && self.continues() && self.longer_chain() {
                        self.pos += 1;
                        let base = self.exprs.len();
                        self.exprs.push(e);
                        if tail {
                            self.lenient_args_onto_stack();
                        } else {
                            self.args_onto_stack("`)` to close the argument list");
                        }
                        let operands = self.take_exprs(base);
                        let end = self.prev_end();
                        e = Expr {
                            kind: ExprKind::MethodCall {
                                operands,
                                name,
                                name_span: span,
                            },
                            span: span_all.to(Span::new(end, end)),
                        };
                    } else {
                        e = member(e, name, span, span_all);
                    }
                }
                p!("[") => e = self.index_link(e),
                p!("(") => e = self.call_link(e, &mut ran),
                p!("++") | p!("--") if !t.nl_before => {
                    let increment = t.is(p!("++"));
                    self.pos += 1;
                    let span = e.span.to(t.span());
                    e = Expr {
                        kind: ExprKind::Update {
                            increment,
                            prefix: false,
                            target: Box::new(e),
                        },
                        span,
                    };
                }
                _ => break,
            }
            if !self.longer_chain() {
                break;
            }
        }
        self.links = saved;
        e
    }

    /// `new Callee(args)`, at `new`.
    fn new_expr(&mut self) -> Expr {
        let start = self.here();
        self.pos += 1;
        let callee = self.primary();
        let callee = self.members_only(callee);
        let args = if self.at(p!("(")) {
            self.pos += 1;
            self.args("`)` to close the argument list")
        } else {
            Vec::new()
        };
        let span = start.to(Span::new(self.prev_end(), self.prev_end()));
        Expr {
            kind: ExprKind::New {
                callee: Box::new(callee),
                args,
            },
            span,
        }
    }

    /// `e[index]`, at `[`.
    #[inline]
    fn index_link(&mut self, e: Expr) -> Expr {
        self.pos += 1;
        let index = self.with_nl(false, |p| p.expression());
        self.expect(p!("]"), "`]` to close the index");
        let span = e.span.to(Span::new(self.prev_end(), self.prev_end()));
        Expr {
            kind: ExprKind::Index {
                obj: Box::new(e),
                index: Box::new(index),
            },
            span,
        }
    }

    /// `e(args)`, at `(`: a method call when `e` is a member access. `ran` tells whether the
    /// chain has called `.run(...)` (what follows is then program code, read leniently).
    #[inline]
    fn call_link(&mut self, e: Expr, ran: &mut bool) -> Expr {
        self.pos += 1;
        let tail = match &e.kind {
            ExprKind::Member { name, .. } => {
                let name = self.names.get(*name);
                if name == "run" {
                    *ran = true;
                }
                *ran && is_program_tail(name)
            }
            _ => false,
        };
        let args = if tail {
            let base = self.exprs.len();
            self.lenient_args_onto_stack();
            self.take_exprs(base)
        } else {
            self.args("`)` to close the argument list")
        };
        let span = e.span.to(Span::new(self.prev_end(), self.prev_end()));
        let kind = match e.kind {
            ExprKind::Member {
                obj,
                name,
                name_span,
            } => {
                let mut operands = Vec::with_capacity(1 + args.len());
                operands.push(*obj);
                operands.extend(args);
                ExprKind::MethodCall {
                    operands,
                    name,
                    name_span,
                }
            }
            kind => ExprKind::Call {
                callee: Box::new(Expr { kind, span: e.span }),
                args,
            },
        };
        Expr { kind, span }
    }

    /// `new Foo.Bar(...)`: member accesses bind before the call.
    fn members_only(&mut self, mut e: Expr) -> Expr {
        while self.at(p!(".")) {
            self.pos += 1;
            match self.peek() {
                Some(t) if t.is(Kind::Ident) => {
                    let (name, span) = (self.name(t), t.span());
                    self.pos += 1;
                    let span_all = e.span.to(span);
                    let name = self.intern(name);
                    e = member(e, name, span, span_all);
                }
                _ => {
                    self.expected("a name after `.`");
                    break;
                }
            }
        }
        e
    }

    /// A literal, a name, or (out of line) any other primary expression.
    // Inlining forced only where optimized (see `assign`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn primary(&mut self) -> Expr {
        if let Some(t) = self.peek() {
            let span = t.span();
            match t.kind {
                Kind::Num | Kind::Int => {
                    self.pos += 1;
                    return Expr {
                        kind: ExprKind::Num(self.lexed.num(t)),
                        span,
                    };
                }
                Kind::Str | Kind::EscapedStr => {
                    self.pos += 1;
                    let s = self.string_value(self.lexed.str_lit(t));
                    return Expr {
                        kind: ExprKind::Str(s),
                        span,
                    };
                }
                Kind::Ident if !may_be_keyword(self.name(t)) => {
                    self.pos += 1;
                    return Expr {
                        kind: ExprKind::Ident(self.intern(self.name(t))),
                        span,
                    };
                }
                _ => {}
            }
        }
        self.primary_other()
    }

    fn primary_other(&mut self) -> Expr {
        let Some(t) = self.peek() else {
            self.expected("an expression");
            return err_expr(self.here());
        };
        let span = t.span();
        match t.kind {
            Kind::Num | Kind::Int => {
                self.pos += 1;
                Expr {
                    kind: ExprKind::Num(self.lexed.num(t)),
                    span,
                }
            }
            Kind::Str | Kind::EscapedStr => {
                self.pos += 1;
                // Interned like names: the same table and field names recur throughout a file.
                let s = self.string_value(self.lexed.str_lit(t));
                Expr {
                    kind: ExprKind::Str(s),
                    span,
                }
            }
            Kind::Ident => self.word(t, span),
            p!("(") => {
                self.pos += 1;
                let e = self.with_nl(false, |p| p.expression());
                if self.at(p!(",")) {
                    let span = self.here();
                    self.error(span, "the comma operator is not supported").help =
                        Some("write one expression inside the parentheses".into());
                }
                self.expect(p!(")"), "`)` to close the parenthesis");
                let whole = span.to(Span::new(self.prev_end(), self.prev_end()));
                Expr {
                    kind: e.kind,
                    span: whole,
                }
            }
            p!("[") => self.array_literal(span),
            p!("{") => {
                self.pos += 1;
                let props = self.with_nl(false, |p| p.object_props());
                self.expect(p!("}"), "`,` or `}` in the object");
                let whole = span.to(Span::new(self.prev_end(), self.prev_end()));
                Expr {
                    kind: ExprKind::Object(props),
                    span: whole,
                }
            }
            _ => {
                self.expected("an expression");
                err_expr(span)
            }
        }
    }

    /// A word where an expression starts: a literal, `function`, a name, or a keyword that
    /// cannot start one.
    fn word(&mut self, t: &Token, span: Span) -> Expr {
        let name = self.name(t);
        match name {
            "true" | "false" => {
                self.pos += 1;
                Expr {
                    kind: ExprKind::Bool(name == "true"),
                    span,
                }
            }
            "null" => {
                self.pos += 1;
                Expr {
                    kind: ExprKind::Null,
                    span,
                }
            }
            "this" => {
                self.pos += 1;
                Expr {
                    kind: ExprKind::This,
                    span,
                }
            }
            "function" => self.function(),
            "lambda" => {
                self.error(span, "`lambda` is Python syntax").help = Some(
                    "write a JavaScript function: `function (x) { return ... }` or `x => ...`"
                        .into(),
                );
                self.pos += 1;
                // Skip the Python lambda's parameters and body up to the end of the argument.
                self.recover_to_comma();
                err_expr(span)
            }
            "var" | "let" | "const" | "return" | "if" | "else" | "for" | "while" | "break"
            | "continue" | "class" | "import" | "export" | "await" | "async" | "yield"
            | "switch" | "case" | "try" | "catch" | "throw" => {
                let d = self.error(
                    span,
                    format!("expected an expression, found the keyword `{name}`"),
                );
                if matches!(name, "yield" | "async") {
                    d.help = Some(format!(
                        "`{name}` belongs to the program around the query: paste only \
                         the query, rdbsh runs it"
                    ));
                }
                err_expr(span)
            }
            _ => {
                self.pos += 1;
                Expr {
                    kind: ExprKind::Ident(self.intern(name)),
                    span,
                }
            }
        }
    }

    /// An array literal, at `[`.
    fn array_literal(&mut self, span: Span) -> Expr {
        self.pos += 1;
        let base = self.exprs.len();
        self.with_nl(false, |p| {
            while !p.at(p!("]")) && p.peek().is_some() && !p.fatal {
                if p.at(p!(",")) {
                    let span = p.here();
                    p.error(span, "array holes are not supported").help =
                        Some("write null where a value is missing".into());
                    p.pos += 1;
                    continue;
                }
                let item = if p.at(p!("...")) {
                    p.spread()
                } else {
                    p.assign()
                };
                p.exprs.push(item);
                if !p.eat(p!(",")) {
                    break;
                }
            }
        });
        let items = self.take_exprs(base);
        self.expect(p!("]"), "`,` or `]` in the array");
        let whole = span.to(Span::new(self.prev_end(), self.prev_end()));
        Expr {
            kind: ExprKind::Array(items),
            span: whole,
        }
    }

    fn object_props(&mut self) -> Vec<Prop> {
        let base = self.props.len();
        while !self.at(p!("}")) && self.peek().is_some() && !self.fatal {
            self.object_prop();
            if !self.eat(p!(",")) {
                break;
            }
        }
        if base == 0 || base > self.props.len() {
            // Not reached: every list starts after the placeholder and ends on top.
            return Vec::new();
        }
        self.props.split_off(base)
    }

    /// One property of an object literal, pushed on `self.props`; nothing is pushed for a token
    /// that cannot be a key, nor for `__proto__: value` (see below). A property whose value
    /// failed (a missing `:`) is pushed with the error in its place.
    fn object_prop(&mut self) {
        let Some(t) = self.peek() else { return };
        let key_span = t.span();
        let key: Name = match t.kind {
            Kind::Ident => self.intern(self.name(t)),
            Kind::Str | Kind::EscapedStr => self.string_value(self.lexed.str_lit(t)),
            Kind::Num | Kind::Int => self.names.intern(&js_number_string(self.lexed.num(t))),
            p!("...") => {
                // `...x` copies x's own properties; its key is never read.
                let value = self.spread();
                let key = self.names.intern("...");
                self.props.push(Prop {
                    key,
                    key_span,
                    value,
                });
                return;
            }
            p!("[") => return self.computed_prop(key_span),
            _ => {
                self.expected("a property name");
                self.recover_to_comma();
                return;
            }
        };
        self.pos += 1;
        // `__proto__: value` (not shorthand) sets the literal's prototype: no own
        // property, so the driver sends nothing for it.
        let proto = self.names.get(key) == "__proto__" && self.at(p!(":"));
        let value = if self.eat(p!(":")) {
            self.assign()
        } else if self.at(p!(",")) || self.at(p!("}")) {
            // Shorthand `{a}` means `{a: a}`.
            Expr {
                kind: ExprKind::Ident(key),
                span: key_span,
            }
        } else if self.at(p!("(")) {
            self.error(
                key_span,
                "method definitions in object literals are not supported",
            )
            .help = Some("write `key: function (...) { ... }`".into());
            self.recover_to_comma();
            err_expr(key_span)
        } else {
            self.expected("`:` after the property name");
            self.recover_to_comma();
            err_expr(key_span)
        };
        if !proto {
            self.props.push(Prop {
                key,
                key_span,
                value,
            });
        }
    }

    /// `[key]: value`, at its `[`, pushed on `self.props`: the key is computed when the
    /// literal is evaluated.
    fn computed_prop(&mut self, key_span: Span) {
        self.pos += 1;
        let key = self.with_nl(false, |p| p.assign());
        self.expect(p!("]"), "`]` to close the computed key");
        let value = if self.eat(p!(":")) {
            self.assign()
        } else {
            self.expected("`:` after the computed key");
            self.recover_to_comma();
            err_expr(key_span)
        };
        let span = key_span.to(value.span);
        let name = self.names.intern("[]");
        self.props.push(Prop {
            key: name,
            key_span,
            value: Expr {
                kind: ExprKind::Computed {
                    key: Box::new(key),
                    value: Box::new(value),
                },
                span,
            },
        });
    }

    fn recover_to_comma(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.kind {
                p!("(") | p!("[") | p!("{") => depth += 1,
                p!(")") | p!("]") | p!("}") if depth == 0 => return,
                p!(")") | p!("]") | p!("}") => depth -= 1,
                p!(",") if depth == 0 => return,
                _ => {}
            }
            self.pos += 1;
        }
    }
}

/// A number as JavaScript's `String(n)` prints it (used for numeric object keys).
pub fn js_number_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    let mut buf = ryu_js::Buffer::new();
    buf.format(n).to_string()
}
