//! Tokens of the JavaScript subset ReQL is written in. Brackets are matched here, so an
//! unclosed bracket is reported at its opening and a stray one where it stands.

use super::diagnostic::Diagnostic;
use super::span::Span;

/// What a token is. Tokens own nothing (escaped strings are kept in [`Lexed::escaped`]), so
/// freeing a long token vector needs no look at each token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tok<'a> {
    /// Identifier or keyword (borrowed from the source).
    Ident(&'a str),
    /// Numeric literal, already converted to a double as JavaScript does.
    Num(f64),
    /// String literal (quotes or backticks).
    Str(StrLit<'a>),
    /// Punctuation or operator.
    Punct(&'static str),
}

/// Where the value of a string literal is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StrLit<'a> {
    /// A literal without escapes: the text between its quotes.
    Raw(&'a str),
    /// A literal with escapes (or non-ASCII text): its value, escapes resolved, is
    /// `Lexed::escaped[i]`.
    Escaped(usize),
}

/// A token with its span; `nl_before` tells whether a line break precedes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token<'a> {
    /// The token.
    pub tok: Tok<'a>,
    /// Where it is.
    pub span: Span,
    /// A newline (or a comment containing one) separates it from the previous token.
    pub nl_before: bool,
}

impl Token<'_> {
    /// True for this punctuation.
    pub fn is(&self, p: &str) -> bool {
        matches!(&self.tok, Tok::Punct(q) if *q == p)
    }

    /// True for this identifier or keyword.
    pub fn is_ident(&self, name: &str) -> bool {
        matches!(&self.tok, Tok::Ident(n) if *n == name)
    }
}

/// The result of lexing: tokens, errors, and what is left open at the end of the text.
#[derive(Debug, Default)]
pub struct Lexed<'a> {
    /// All tokens, in order.
    pub tokens: Vec<Token<'a>>,
    /// Values of the string literals that are not plain slices of the source ([`StrLit::Escaped`]).
    pub escaped: Vec<String>,
    /// Lexical errors (bad escapes, unterminated strings, unmatched brackets...).
    pub errors: Vec<Diagnostic>,
    /// Brackets still open at the end of the text.
    pub unclosed: Vec<Span>,
    /// A string, template or comment runs to the end of the text.
    pub unterminated: bool,
}

/// The punctuation of one byte that starts no longer one (brackets and separators), by
/// byte; empty for any other byte.
static SINGLE_PUNCT: [&str; 128] = {
    let mut t = [""; 128];
    t[b'(' as usize] = "(";
    t[b')' as usize] = ")";
    t[b'[' as usize] = "[";
    t[b']' as usize] = "]";
    t[b'{' as usize] = "{";
    t[b'}' as usize] = "}";
    t[b',' as usize] = ",";
    t[b';' as usize] = ";";
    t[b':' as usize] = ":";
    t
};

/// The longest punctuation at the start of `rest`, decided by its first bytes.
fn punct_at(rest: &[u8]) -> Option<&'static str> {
    let b = |i: usize| rest.get(i).copied().unwrap_or(0);
    let (c1, c2, c3) = (b(1), b(2), b(3));
    Some(match b(0) {
        b'(' => "(",
        b')' => ")",
        b'[' => "[",
        b']' => "]",
        b'{' => "{",
        b'}' => "}",
        b',' => ",",
        b';' => ";",
        b':' => ":",
        b'~' => "~",
        b'@' => "@",
        b'#' => "#",
        b'.' if c1 == b'.' && c2 == b'.' => "...",
        b'.' => ".",
        // `a?.5:1` is a conditional, not optional chaining.
        b'?' if c1 == b'.' && !c2.is_ascii_digit() => "?.",
        b'?' if c1 == b'?' => "??",
        b'?' => "?",
        b'=' => match (c1, c2) {
            (b'=', b'=') => "===",
            (b'=', _) => "==",
            (b'>', _) => "=>",
            _ => "=",
        },
        b'!' => match (c1, c2) {
            (b'=', b'=') => "!==",
            (b'=', _) => "!=",
            _ => "!",
        },
        b'<' => match (c1, c2) {
            (b'<', b'=') => "<<=",
            (b'<', _) => "<<",
            (b'=', _) => "<=",
            _ => "<",
        },
        b'>' => match (c1, c2, c3) {
            (b'>', b'>', b'=') => ">>>=",
            (b'>', b'>', _) => ">>>",
            (b'>', b'=', _) => ">>=",
            (b'>', _, _) => ">>",
            (b'=', _, _) => ">=",
            _ => ">",
        },
        b'&' => match c1 {
            b'&' => "&&",
            b'=' => "&=",
            _ => "&",
        },
        b'|' => match c1 {
            b'|' => "||",
            b'=' => "|=",
            _ => "|",
        },
        b'^' if c1 == b'=' => "^=",
        b'^' => "^",
        b'+' => match c1 {
            b'+' => "++",
            b'=' => "+=",
            _ => "+",
        },
        b'-' => match c1 {
            b'-' => "--",
            b'=' => "-=",
            _ => "-",
        },
        b'*' => match (c1, c2) {
            (b'*', b'=') => "**=",
            (b'*', _) => "**",
            (b'=', _) => "*=",
            _ => "*",
        },
        b'/' if c1 == b'=' => "/=",
        b'/' => "/",
        b'%' if c1 == b'=' => "%=",
        b'%' => "%",
        _ => return None,
    })
}

fn is_id_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_id_char(c: char) -> bool {
    is_id_start(c) || c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric())
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\u{a0}' | '\u{feff}')
        || (!c.is_ascii() && c.is_whitespace() && !is_newline(c))
}

fn is_newline(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// What a byte starts, for the dispatch of the main loop; anything unusual (non-ASCII text,
/// `/`, control characters, a backslash) takes the general path.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Other,
    Space,
    Newline,
    Open,
    Close,
    Separator,
    Ident,
    Digit,
    Quote,
    Dot,
    Punct,
}

const fn class_table() -> [Class; 256] {
    let mut t = [Class::Other; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = match c {
            b' ' | b'\t' => Class::Space,
            b'\n' | b'\r' => Class::Newline,
            b'(' | b'[' | b'{' => Class::Open,
            b')' | b']' | b'}' => Class::Close,
            b',' | b';' | b':' => Class::Separator,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => Class::Ident,
            b'0'..=b'9' => Class::Digit,
            b'"' | b'\'' | b'`' => Class::Quote,
            b'.' => Class::Dot,
            b'~' | b'@' | b'#' | b'?' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b'^' | b'+'
            | b'-' | b'*' | b'%' => Class::Punct,
            _ => Class::Other,
        };
        b += 1;
    }
    t
}

static CLASS: [Class; 256] = class_table();

/// Bytes that continue an ASCII identifier.
static IDENT_CONTINUE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
        b += 1;
    }
    t
};

/// Bytes that end the plain run of a string literal, one bit per quote: the quote itself,
/// and for all three a backslash, a line break, `$` or non-ASCII text.
static STRING_STOP: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'\\' | b'\n' | b'\r' | b'$' | 0x80..=0xff => 0b111,
            b'\'' => 0b001,
            b'"' => 0b010,
            b'`' => 0b100,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// The bit of [`STRING_STOP`] for strings delimited by `quote`.
fn stop_mask(quote: u8) -> u8 {
    match quote {
        b'\'' => 0b001,
        b'"' => 0b010,
        _ => 0b100,
    }
}

/// The end of the plain run of a string literal delimited by `quote` that starts at `i`.
#[inline]
fn plain_run_end(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    let mask = stop_mask(quote);
    while let Some(&b) = bytes.get(i) {
        if STRING_STOP[usize::from(b)] & mask != 0 {
            break;
        }
        i += 1;
    }
    i
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Lexed<'a>,
    /// Brackets open so far, matched as tokens come (one pass over the text).
    open: Vec<(u8, Span)>,
    /// Bracket mismatches, reported after the other lexical errors.
    bracket_errors: Vec<Diagnostic>,
}

/// Splits `src` into tokens; never fails, errors are collected.
pub fn lex(src: &str) -> Lexed<'_> {
    let mut out = Lexed::default();
    // Dense ReQL has about one token per three bytes; reserving more than that avoids
    // regrowing (and copying) a large vector, and pages never touched cost nothing.
    out.tokens.reserve(src.len() / 2 + 8);
    let mut lx = Lexer {
        src,
        pos: 0,
        out,
        open: Vec::new(),
        bracket_errors: Vec::new(),
    };
    lx.run();
    lx.finish_brackets();
    lx.out
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        // ASCII fast path: most ReQL text is ASCII.
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b < 0x80 => Some(char::from(b)),
            Some(_) => self.src.get(self.pos..).and_then(|r| r.chars().next()),
            None => None,
        }
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&mut self, start: usize, end: usize, msg: impl Into<String>) -> &mut Diagnostic {
        self.out
            .errors
            .push(Diagnostic::new(Span::new(start, end), msg));
        let n = self.out.errors.len() - 1;
        &mut self.out.errors[n]
    }

    fn run(&mut self) {
        let src = self.src;
        let bytes = src.as_bytes();
        // The tokens and the position live in locals so the hot loop keeps them in registers;
        // the slower paths below read and write `self.pos`.
        let mut tokens = std::mem::take(&mut self.out.tokens);
        let mut pos = 0;
        let mut nl = false;
        // A query file may start with `#!/usr/bin/env ...`.
        if src.starts_with("#!") {
            pos = src.find('\n').unwrap_or(src.len());
        }
        while let Some(&b) = bytes.get(pos) {
            let start = pos;
            let tok = match CLASS[usize::from(b)] {
                Class::Space => {
                    pos += 1;
                    continue;
                }
                Class::Newline => {
                    nl = true;
                    pos += 1;
                    continue;
                }
                Class::Open => {
                    pos += 1;
                    self.open.push((b, Span::new(start, pos)));
                    Tok::Punct(SINGLE_PUNCT[usize::from(b & 0x7f)])
                }
                Class::Close => {
                    pos += 1;
                    self.close(b, Span::new(start, pos));
                    Tok::Punct(SINGLE_PUNCT[usize::from(b & 0x7f)])
                }
                Class::Separator => {
                    pos += 1;
                    Tok::Punct(SINGLE_PUNCT[usize::from(b & 0x7f)])
                }
                Class::Ident => {
                    pos += 1;
                    while let Some(&c) = bytes.get(pos) {
                        if !IDENT_CONTINUE[usize::from(c)] {
                            break;
                        }
                        pos += 1;
                    }
                    // Only a non-ASCII letter or a backslash can continue an identifier
                    // from here; `ident` takes the rest of such an identifier.
                    match bytes.get(pos) {
                        Some(&c) if c >= 0x80 || c == b'\\' => {
                            self.pos = start;
                            let tok = self.ident();
                            pos = self.pos;
                            tok
                        }
                        _ => Tok::Ident(src.get(start..pos).unwrap_or_default()),
                    }
                }
                Class::Digit => {
                    self.pos = start;
                    let tok = match self.plain_integer() {
                        Some(n) => Tok::Num(n),
                        None => self.number(),
                    };
                    pos = self.pos;
                    tok
                }
                Class::Quote => {
                    let body = pos + 1;
                    let end = plain_run_end(bytes, body, b);
                    if bytes.get(end) == Some(&b) {
                        // A string of plain ASCII without escapes is borrowed from the source.
                        pos = end + 1;
                        Tok::Str(StrLit::Raw(src.get(body..end).unwrap_or_default()))
                    } else {
                        self.pos = start;
                        let tok = self.string(char::from(b));
                        pos = self.pos;
                        tok
                    }
                }
                Class::Dot => match (bytes.get(pos + 1), bytes.get(pos + 2)) {
                    (Some(d), _) if d.is_ascii_digit() => {
                        self.pos = start;
                        let tok = self.number();
                        pos = self.pos;
                        tok
                    }
                    (Some(b'.'), Some(b'.')) => {
                        pos += 3;
                        Tok::Punct("...")
                    }
                    _ => {
                        pos += 1;
                        Tok::Punct(".")
                    }
                },
                Class::Punct => match punct_at(&bytes[pos..]) {
                    Some(p) => {
                        pos += p.len();
                        Tok::Punct(p)
                    }
                    None => {
                        self.pos = start;
                        let tok = self.general(&mut nl);
                        pos = self.pos;
                        match tok {
                            Some(tok) => tok,
                            None => continue,
                        }
                    }
                },
                Class::Other => {
                    self.pos = start;
                    let tok = self.general(&mut nl);
                    pos = self.pos;
                    match tok {
                        Some(tok) => tok,
                        None => continue,
                    }
                }
            };
            tokens.push(Token {
                tok,
                span: Span::new(start, pos),
                nl_before: nl,
            });
            nl = false;
        }
        self.pos = pos;
        self.out.tokens = tokens;
    }

    /// One step of the general path at `self.pos`: white space, a comment, or a token of
    /// any kind (`None` when no token was made, for spaces, comments and errors).
    #[cold]
    #[inline(never)]
    fn general(&mut self, nl: &mut bool) -> Option<Tok<'a>> {
        let start = self.pos;
        let c = self.peek()?;
        if is_newline(c) {
            *nl = true;
            self.bump();
        } else if is_space(c) {
            self.bump();
        } else if c == '/' && self.peek2() == Some('/') {
            while let Some(c) = self.peek() {
                if is_newline(c) {
                    break;
                }
                self.bump();
            }
        } else if c == '/' && self.peek2() == Some('*') {
            match self.src[self.pos + 2..].find("*/") {
                Some(i) => {
                    let end = self.pos + 2 + i + 2;
                    if self.src[self.pos..end].chars().any(is_newline) {
                        *nl = true;
                    }
                    self.pos = end;
                }
                None => {
                    self.err(start, start + 2, "unterminated comment").help =
                        Some("close it with `*/`".into());
                    self.out.unterminated = true;
                    self.pos = self.src.len();
                }
            }
        } else {
            return if c.is_ascii_digit()
                || (c == '.' && self.peek2().is_some_and(|d| d.is_ascii_digit()))
            {
                Some(self.number())
            } else if c == '"' || c == '\'' || c == '`' {
                Some(self.string(c))
            } else if is_id_start(c) || c == '\\' {
                Some(self.ident())
            } else if let Some(p) = punct_at(&self.src.as_bytes()[self.pos..]) {
                self.pos += p.len();
                Some(Tok::Punct(p))
            } else {
                self.bump();
                self.err(start, self.pos, format!("unexpected character `{c}`"));
                None
            };
        }
        None
    }

    fn ident(&mut self) -> Tok<'a> {
        let start = self.pos;
        let rest = self.src.as_bytes().get(self.pos..).unwrap_or_default();
        let ascii = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
            .unwrap_or(rest.len());
        self.pos += ascii;
        // Only a non-ASCII letter or a backslash can continue an identifier from here; the
        // slower loop below takes the rest of such an identifier, ASCII included.
        if self.peek().is_none_or(|c| c.is_ascii() && c != '\\') {
            return Tok::Ident(&self.src[start..self.pos]);
        }
        while let Some(c) = self.peek() {
            if is_id_char(c) {
                self.bump();
            } else if c == '\\' {
                self.bump();
                self.err(start, self.pos, "escapes in identifiers are not supported");
            } else {
                break;
            }
        }
        Tok::Ident(&self.src[start..self.pos])
    }

    fn digits(&mut self, radix: u32) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_digit(radix) {
                s.push(c);
            } else if c != '_' {
                break;
            }
            self.bump();
        }
        s
    }

    fn number(&mut self) -> Tok<'a> {
        let start = self.pos;
        if let Some(n) = self.plain_integer() {
            return Tok::Num(n);
        }
        let rest = &self.src[self.pos..];
        let radix = match rest.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("0x") => 16,
            Some("0o") => 8,
            Some("0b") => 2,
            _ => 10,
        };
        let value = if radix != 10 {
            self.pos += 2;
            let ds = self.digits(radix);
            if ds.is_empty() {
                self.err(start, self.pos, "missing digits after the radix prefix");
            }
            ds.chars().fold(0.0f64, |acc, d| {
                acc * f64::from(radix) + f64::from(d.to_digit(radix).unwrap_or(0))
            })
        } else {
            let int = self.digits(10);
            // Sloppy-mode JavaScript reads `017` as octal, `019` as decimal.
            let legacy_octal =
                int.len() > 1 && int.starts_with('0') && int.chars().all(|c| c.is_digit(8));
            if legacy_octal && self.peek() != Some('.') {
                int.chars().fold(0.0f64, |acc, d| {
                    acc * 8.0 + f64::from(d.to_digit(8).unwrap_or(0))
                })
            } else {
                let mut text = int;
                if self.peek() == Some('.') {
                    self.bump();
                    text.push('.');
                    text.push_str(&self.digits(10));
                }
                if matches!(self.peek(), Some('e' | 'E')) {
                    let save = self.pos;
                    self.bump();
                    let mut exp = String::from("e");
                    if let Some(sign @ ('+' | '-')) = self.peek() {
                        exp.push(sign);
                        self.bump();
                    }
                    let ds = self.digits(10);
                    if ds.is_empty() {
                        self.pos = save;
                        self.bump();
                        self.err(start, self.pos, "missing exponent digits");
                    } else {
                        exp.push_str(&ds);
                        text.push_str(&exp);
                    }
                }
                if text.starts_with('.') {
                    text.insert(0, '0');
                }
                if text.ends_with('.') {
                    text.push('0');
                }
                text.parse::<f64>().unwrap_or(f64::NAN)
            }
        };
        if self.peek() == Some('n') {
            self.bump();
            self.err(start, self.pos, "BigInt literals are not supported")
                .help = Some("ReQL numbers are doubles: drop the `n`".into());
        } else if self.peek().is_some_and(is_id_start) {
            let s = self.pos;
            self.ident();
            self.err(
                s,
                self.pos,
                "an identifier cannot start immediately after a number",
            );
        }
        Tok::Num(value)
    }

    fn hex_escape(&mut self, n: usize, esc_start: usize) -> Option<u32> {
        let s = self.src.get(self.pos..self.pos + n)?;
        if s.chars().all(|c| c.is_ascii_hexdigit()) {
            self.pos += n;
            u32::from_str_radix(s, 16).ok()
        } else {
            self.err(esc_start, self.pos, "invalid escape sequence")
                .help = Some(format!("write exactly {n} hexadecimal digits"));
            None
        }
    }

    /// A decimal integer of up to 15 digits with nothing special after it (exact in a
    /// double), read without building its text; `None` leaves the position unchanged.
    fn plain_integer(&mut self) -> Option<f64> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let mut end = start;
        let mut n: u64 = 0;
        while let Some(&b) = bytes.get(end) {
            if !b.is_ascii_digit() {
                break;
            }
            n = n * 10 + u64::from(b - b'0');
            end += 1;
            if end - start > 15 {
                return None;
            }
        }
        let len = end - start;
        if len == 0 || (len > 1 && bytes[start] == b'0') {
            return None;
        }
        match bytes.get(end) {
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b'\\') => {
                return None;
            }
            Some(&b) if b >= 0x80 => return None,
            _ => {}
        }
        self.pos = end;
        Some(n as f64)
    }

    fn string(&mut self, quote: char) -> Tok<'a> {
        let start = self.pos;
        self.bump();
        // Fast path: a string of plain ASCII without escapes is borrowed from the source.
        {
            let i = plain_run_end(self.src.as_bytes(), self.pos, quote as u8);
            if self.src.as_bytes().get(i) == Some(&(quote as u8)) {
                let body = &self.src[self.pos..i];
                self.pos = i + 1;
                return Tok::Str(StrLit::Raw(body));
            }
        }
        let mut s = String::new();
        let mut pending_high: Option<(u32, usize)> = None;
        loop {
            // Copy a run of plain ASCII characters at once.
            if pending_high.is_none() {
                let run_start = self.pos;
                self.pos = plain_run_end(self.src.as_bytes(), self.pos, quote as u8);
                s.push_str(&self.src[run_start..self.pos]);
            }
            let Some(c) = self.peek() else {
                self.err(start, start + 1, "unterminated string").help =
                    Some(format!("close it with {quote}"));
                self.out.unterminated = true;
                break;
            };
            if c != '\\'
                && let Some((_, at)) = pending_high.take()
            {
                self.err(
                    at,
                    at + 6,
                    "lone surrogate in a string escape is not supported",
                );
            }
            if c == quote {
                self.bump();
                break;
            }
            if is_newline(c) && quote != '`' && c != '\u{2028}' && c != '\u{2029}' {
                self.err(start, self.pos, "unterminated string").help = Some(format!(
                    "close it with {quote} before the end of the line, or write \\n"
                ));
                break;
            }
            if quote == '`' && c == '$' && self.peek2() == Some('{') {
                let p = self.pos;
                self.err(
                    p,
                    p + 2,
                    "template substitutions `${...}` are not supported",
                )
                .help = Some("build the string with .add(...) or write it out".into());
            }
            self.bump();
            if c != '\\' {
                s.push(c);
                continue;
            }
            let esc_start = self.pos - 1;
            let Some(e) = self.bump() else { continue };
            let code: Option<u32> = match e {
                'n' => Some(10),
                't' => Some(9),
                'r' => Some(13),
                'b' => Some(8),
                'f' => Some(12),
                'v' => Some(11),
                '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => Some(0),
                '0'..='7' => {
                    // Legacy octal escape (sloppy mode): up to three digits, value < 256.
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|d| d.to_digit(8)) {
                            Some(d) if v * 8 + d < 256 => {
                                v = v * 8 + d;
                                self.bump();
                            }
                            _ => break,
                        }
                    }
                    Some(v)
                }
                'x' => self.hex_escape(2, esc_start),
                'u' => {
                    if self.peek() == Some('{') {
                        let close = self.src[self.pos..].find('}');
                        match close.map(|i| &self.src[self.pos + 1..self.pos + i]) {
                            Some(h)
                                if !h.is_empty()
                                    && h.len() <= 6
                                    && h.chars().all(|c| c.is_ascii_hexdigit()) =>
                            {
                                let v = u32::from_str_radix(h, 16).ok();
                                self.pos += h.len() + 2;
                                v
                            }
                            _ => {
                                self.err(esc_start, self.pos, "invalid unicode escape").help =
                                    Some("write \\u{1F600} or \\uXXXX".into());
                                None
                            }
                        }
                    } else {
                        self.hex_escape(4, esc_start)
                    }
                }
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.bump();
                    }
                    None
                }
                '\n' | '\u{2028}' | '\u{2029}' => None,
                other => {
                    s.push(other);
                    None
                }
            };
            let Some(code) = code else { continue };
            if (0xD800..0xDC00).contains(&code) {
                if let Some((_, at)) = pending_high.replace((code, esc_start)) {
                    self.err(
                        at,
                        at + 6,
                        "lone surrogate in a string escape is not supported",
                    );
                }
                continue;
            }
            if (0xDC00..0xE000).contains(&code) {
                match pending_high.take() {
                    Some((hi, _)) => {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (code - 0xDC00);
                        s.extend(char::from_u32(c));
                    }
                    None => {
                        self.err(
                            esc_start,
                            self.pos,
                            "lone surrogate in a string escape is not supported",
                        );
                    }
                }
                continue;
            }
            if let Some((_, at)) = pending_high.take() {
                self.err(
                    at,
                    at + 6,
                    "lone surrogate in a string escape is not supported",
                );
            }
            match char::from_u32(code) {
                Some(ch) => s.push(ch),
                None => {
                    self.err(esc_start, self.pos, "escape is not a valid character");
                }
            }
        }
        self.out.escaped.push(s);
        Tok::Str(StrLit::Escaped(self.out.escaped.len() - 1))
    }

    /// Matches the closing bracket `b` with the innermost open one.
    #[inline]
    fn close(&mut self, b: u8, span: Span) {
        let want = match b {
            b')' => b'(',
            b']' => b'[',
            _ => b'{',
        };
        match self.open.last() {
            Some(&(open, _)) if open == want => {
                self.open.pop();
            }
            _ => self.mismatch(b, span),
        }
    }

    /// Reports the closing bracket `b` that does not match the innermost open one.
    #[cold]
    fn mismatch(&mut self, b: u8, span: Span) {
        let p = char::from(b);
        match self.open.pop() {
            Some((open, open_span)) => {
                let open = char::from(open);
                let close = closer(open);
                let (line, col) = Diagnostic::new(open_span, "").line_col(self.src);
                self.bracket_errors.push(
                    Diagnostic::new(span, format!("`{p}` does not match the unclosed `{open}`"))
                        .with_help(format!(
                            "close the `{open}` of line {line}, column {col} with `{close}` first"
                        )),
                );
            }
            None => self.bracket_errors.push(
                Diagnostic::new(span, format!("unexpected `{p}`: no bracket is open here"))
                    .with_help("remove it or add the opening bracket"),
            ),
        }
    }

    fn finish_brackets(&mut self) {
        self.out.errors.append(&mut self.bracket_errors);
        for (open, span) in std::mem::take(&mut self.open) {
            let open = char::from(open);
            self.out.unclosed.push(span);
            self.out.errors.push(
                Diagnostic::new(span, format!("unclosed `{open}`"))
                    .with_help(format!("add the matching `{}`", closer(open))),
            );
        }
    }
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        let l = lex(s);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        l.tokens.into_iter().map(|t| t.tok).collect()
    }

    fn string_value(l: &Lexed<'_>, lit: StrLit<'_>) -> String {
        match lit {
            StrLit::Raw(v) => v.to_string(),
            StrLit::Escaped(i) => l.escaped[i].clone(),
        }
    }

    fn num(s: &str) -> f64 {
        match toks(s).as_slice() {
            [Tok::Num(n)] => *n,
            other => panic!("{other:?}"),
        }
    }

    fn string(s: &str) -> String {
        let l = lex(s);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        match l.tokens.as_slice() {
            [
                Token {
                    tok: Tok::Str(v), ..
                },
            ] => string_value(&l, *v),
            other => panic!("{other:?}"),
        }
    }

    fn lex_err(s: &str) -> String {
        lex(s)
            .errors
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default()
    }

    #[test]
    fn numbers() {
        assert_eq!(num("1"), 1.0);
        assert_eq!(num("1.5e3"), 1500.0);
        assert_eq!(num(".5"), 0.5);
        assert_eq!(num("5."), 5.0);
        assert_eq!(num("1E-7"), 1e-7);
        assert_eq!(num("0xff"), 255.0);
        assert_eq!(num("0b101"), 5.0);
        assert_eq!(num("0o17"), 15.0);
        assert_eq!(num("017"), 15.0);
        assert_eq!(num("019"), 19.0);
        assert_eq!(num("1_000"), 1000.0);
        assert_eq!(num("9007199254740993"), 9007199254740992.0);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(string(r#""a\nb""#), "a\nb");
        assert_eq!(string(r"'\x41\u0042\u{43}'"), "ABC");
        assert_eq!(string(r"'\uD83D\uDE00'"), "😀");
        assert_eq!(string(r"'\0\b\f\v\t\r'"), "\0\u{8}\u{c}\u{b}\t\r");
        assert_eq!(string(r"'\q\'\\'"), "q'\\");
        assert_eq!(string(r"'\101'"), "A");
        assert_eq!(string("`multi\nline`"), "multi\nline");
        assert_eq!(string("'a\\\nb'"), "ab");
    }

    #[test]
    fn lexical_errors() {
        assert_eq!(lex_err("'abc"), "unterminated string");
        assert_eq!(lex_err("'ab\ncd'"), "unterminated string");
        assert_eq!(lex_err("/* x"), "unterminated comment");
        assert_eq!(
            lex_err("`a${b}`"),
            "template substitutions `${...}` are not supported"
        );
        assert_eq!(
            lex_err(r"'\uD800'"),
            "lone surrogate in a string escape is not supported"
        );
        assert_eq!(lex_err("r.expr(1"), "unclosed `(`");
        assert_eq!(lex_err("f(])"), "`]` does not match the unclosed `(`");
        assert_eq!(lex_err("1)"), "unexpected `)`: no bracket is open here");
        assert_eq!(lex_err("12n"), "BigInt literals are not supported");
    }

    #[test]
    fn unclosed_bracket_is_reported_at_its_opening() {
        let l = lex("r.table('a').filter(function (x) { return x");
        assert_eq!(l.unclosed.len(), 2);
        assert_eq!(l.errors[0].span, Span::new(19, 20));
        assert_eq!(l.errors[1].span, Span::new(33, 34));
    }

    #[test]
    fn shebang_line_is_skipped() {
        assert_eq!(toks("#!/usr/bin/env rdbsh\n1"), [Tok::Num(1.0)]);
    }

    #[test]
    fn comments_and_newlines() {
        let l = lex("a // c\n/* x\n */ b");
        assert_eq!(l.tokens.len(), 2);
        assert!(l.tokens[1].nl_before);
    }
}
