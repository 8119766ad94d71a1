//! Tokens of the JavaScript subset ReQL is written in. Brackets are matched here, so an
//! unclosed bracket is reported at its opening and a stray one where it stands.
//!
//! A [`Token`] is 16 bytes: its offsets, its [`Kind`] and one word. Names and plain strings
//! are read back from the source, numbers and strings with escapes from side vectors of
//! [`Lexed`]; [`Lexed::tok`] decodes a token into a [`Tok`] where the value is needed.

use super::diagnostic::Diagnostic;
use super::span::Span;

/// A decoded token: what [`Lexed::tok`] makes of a [`Token`].
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

/// Declares [`Kind`], the text of each punctuation, and [`p!`], which names a punctuation
/// kind by its text.
macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident $(= $text:tt)?,)*) => {
        /// What a token is: a literal, a name, or one punctuation or operator. One byte, so
        /// the parser tells tokens apart without decoding them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Kind {
            $($(#[$doc])* $name,)*
        }

        /// The text of each kind, by its number (empty for literals and names).
        static KIND_TEXT: [&str; [$(Kind::$name,)*].len()] = [$(kinds!(@text $($text)?),)*];

        /// The [`Kind`] of a punctuation or operator, by its text: `p!(",")` is
        /// `Kind::Comma`. Usable in patterns.
        macro_rules! p {
            $($(($text) => { $crate::reql::lexer::Kind::$name };)?)*
        }
    };
    (@text $text:tt) => { $text };
    (@text) => { "" };
}

kinds! {
    /// Identifier or keyword: the text of its span.
    Ident,
    /// Number; [`Token::aux`] indexes [`Lexed::nums`].
    Num,
    /// Whole number below 2^32, the most common: [`Token::aux`] is its value.
    Int,
    /// String literal without escapes: its value is the text between its quotes.
    Str,
    /// String literal with escapes or non-ASCII text: [`Token::aux`] indexes
    /// [`Lexed::escaped`].
    EscapedStr,
    // What ends an operand (see `Kind::ends_operand`), together.
    Comma = ",",
    CloseParen = ")",
    CloseBracket = "]",
    CloseBrace = "}",
    Semicolon = ";",
    Colon = ":",
    OpenParen = "(",
    OpenBracket = "[",
    OpenBrace = "{",
    Dot = ".",
    QuestionDot = "?.",
    Ellipsis = "...",
    Arrow = "=>",
    Question = "?",
    Tilde = "~",
    At = "@",
    Hash = "#",
    Bang = "!",
    PlusPlus = "++",
    MinusMinus = "--",
    // Binary operators (see `Kind::is_binary`), together.
    QuestionQuestion = "??",
    OrOr = "||",
    AndAnd = "&&",
    Or = "|",
    Caret = "^",
    And = "&",
    EqEq = "==",
    NotEq = "!=",
    EqEqEq = "===",
    NotEqEq = "!==",
    Less = "<",
    Greater = ">",
    LessEq = "<=",
    GreaterEq = ">=",
    Shl = "<<",
    Shr = ">>",
    UShr = ">>>",
    Plus = "+",
    Minus = "-",
    Star = "*",
    Slash = "/",
    Percent = "%",
    StarStar = "**",
    // Assignment operators (see `Kind::is_assign`), together.
    Assign = "=",
    PlusAssign = "+=",
    MinusAssign = "-=",
    StarAssign = "*=",
    SlashAssign = "/=",
    PercentAssign = "%=",
    StarStarAssign = "**=",
    ShlAssign = "<<=",
    ShrAssign = ">>=",
    UShrAssign = ">>>=",
    AndAssign = "&=",
    OrAssign = "|=",
    CaretAssign = "^=",
}

pub(crate) use p;

impl Kind {
    /// The text of a punctuation or operator (empty for literals and names).
    pub fn text(self) -> &'static str {
        KIND_TEXT.get(self as usize).copied().unwrap_or("")
    }

    /// True for punctuation and operators.
    pub fn is_punct(self) -> bool {
        self as u8 >= Kind::Comma as u8
    }

    /// True for what ends an operand: nothing after it can continue the expression (no
    /// operator, call, member access or assignment starts with it).
    pub fn ends_operand(self) -> bool {
        (Kind::Comma as u8..=Kind::Colon as u8).contains(&(self as u8))
    }

    /// True for the binary operators written with punctuation (not `in`, `instanceof`).
    pub fn is_binary(self) -> bool {
        (Kind::QuestionQuestion as u8..=Kind::StarStar as u8).contains(&(self as u8))
    }

    /// True for `=` and the compound assignments.
    pub fn is_assign(self) -> bool {
        self as u8 >= Kind::Assign as u8
    }
}

/// A token: where it is, what it is, and a word whose meaning depends on the kind (see
/// [`Kind`]). Offsets are `u32`: [`lex`] refuses longer texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// What it is.
    pub kind: Kind,
    /// A newline (or a comment containing one) separates it from the previous token.
    pub nl_before: bool,
    /// The value of an [`Kind::Int`], the index of the value of a [`Kind::Num`] or a
    /// [`Kind::EscapedStr`]; 0 otherwise.
    pub aux: u32,
}

const _: () = assert!(std::mem::size_of::<Token>() == 16);

impl Token {
    /// True for this kind (a punctuation is named with [`p!`]).
    #[inline(always)]
    pub fn is(&self, kind: Kind) -> bool {
        self.kind == kind
    }

    /// Where it is.
    #[inline(always)]
    pub fn span(&self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// The most bytes [`lex`] takes: token offsets are `u32`.
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// The result of lexing: tokens, errors, and what is left open at the end of the text.
#[derive(Debug, Default)]
pub struct Lexed<'a> {
    /// The text lexed; names and plain strings are read from it.
    pub src: &'a str,
    /// All tokens, in order.
    pub tokens: Vec<Token>,
    /// Values of the string literals with escapes ([`Kind::EscapedStr`]).
    pub escaped: Vec<String>,
    /// Values of the numbers that are not small whole numbers ([`Kind::Num`]).
    pub nums: Vec<f64>,
    /// Lexical errors (bad escapes, unterminated strings, unmatched brackets...).
    pub errors: Vec<Diagnostic>,
    /// Brackets still open at the end of the text.
    pub unclosed: Vec<Span>,
    /// A string, template or comment runs to the end of the text.
    pub unterminated: bool,
}

impl<'a> Lexed<'a> {
    /// The token decoded: its name, value or punctuation.
    #[inline]
    pub fn tok(&self, t: &Token) -> Tok<'a> {
        match t.kind {
            Kind::Ident => Tok::Ident(self.text(t)),
            Kind::Num | Kind::Int => Tok::Num(self.num(t)),
            Kind::Str | Kind::EscapedStr => Tok::Str(self.str_lit(t)),
            kind => Tok::Punct(kind.text()),
        }
    }

    /// The source text of the token (for an identifier, its name).
    #[inline(always)]
    pub fn text(&self, t: &Token) -> &'a str {
        self.src
            .get(t.start as usize..t.end as usize)
            .unwrap_or_default()
    }

    /// The value of a number token (NaN for other tokens).
    #[inline]
    pub fn num(&self, t: &Token) -> f64 {
        match t.kind {
            Kind::Int => f64::from(t.aux),
            Kind::Num => self.nums.get(t.aux as usize).copied().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }

    /// Where the value of a string token is (empty for other tokens).
    #[inline]
    pub fn str_lit(&self, t: &Token) -> StrLit<'a> {
        match t.kind {
            Kind::EscapedStr => StrLit::Escaped(t.aux as usize),
            Kind::Str => StrLit::Raw(
                self.src
                    .get(t.start as usize + 1..(t.end as usize).saturating_sub(1))
                    .unwrap_or_default(),
            ),
            _ => StrLit::Raw(""),
        }
    }
}

/// The longest punctuation at the start of `rest`, decided by its first bytes.
fn punct_at(rest: &[u8]) -> Option<Kind> {
    let b = |i: usize| rest.get(i).copied().unwrap_or(0);
    let (c1, c2, c3) = (b(1), b(2), b(3));
    Some(match b(0) {
        b'(' => p!("("),
        b')' => p!(")"),
        b'[' => p!("["),
        b']' => p!("]"),
        b'{' => p!("{"),
        b'}' => p!("}"),
        b',' => p!(","),
        b';' => p!(";"),
        b':' => p!(":"),
        b'~' => p!("~"),
        b'@' => p!("@"),
        b'#' => p!("#"),
        b'.' if c1 == b'.' && c2 == b'.' => p!("..."),
        b'.' => p!("."),
        // `a?.5:1` is a conditional, not optional chaining.
        b'?' if c1 == b'.' && !c2.is_ascii_digit() => p!("?."),
        b'?' if c1 == b'?' => p!("??"),
        b'?' => p!("?"),
        b'=' => match (c1, c2) {
            (b'=', b'=') => p!("==="),
            (b'=', _) => p!("=="),
            (b'>', _) => p!("=>"),
            _ => p!("="),
        },
        b'!' => match (c1, c2) {
            (b'=', b'=') => p!("!=="),
            (b'=', _) => p!("!="),
            _ => p!("!"),
        },
        b'<' => match (c1, c2) {
            (b'<', b'=') => p!("<<="),
            (b'<', _) => p!("<<"),
            (b'=', _) => p!("<="),
            _ => p!("<"),
        },
        b'>' => match (c1, c2, c3) {
            (b'>', b'>', b'=') => p!(">>>="),
            (b'>', b'>', _) => p!(">>>"),
            (b'>', b'=', _) => p!(">>="),
            (b'>', _, _) => p!(">>"),
            (b'=', _, _) => p!(">="),
            _ => p!(">"),
        },
        b'&' => doubled_or_assign(b'&', c1, [p!("&"), p!("&&"), p!("&=")]),
        b'|' => doubled_or_assign(b'|', c1, [p!("|"), p!("||"), p!("|=")]),
        b'^' if c1 == b'=' => p!("^="),
        b'^' => p!("^"),
        b'+' => doubled_or_assign(b'+', c1, [p!("+"), p!("++"), p!("+=")]),
        b'-' => doubled_or_assign(b'-', c1, [p!("-"), p!("--"), p!("-=")]),
        b'*' => match (c1, c2) {
            (b'*', b'=') => p!("**="),
            (b'*', _) => p!("**"),
            (b'=', _) => p!("*="),
            _ => p!("*"),
        },
        b'/' if c1 == b'=' => p!("/="),
        b'/' => p!("/"),
        b'%' if c1 == b'=' => p!("%="),
        b'%' => p!("%"),
        _ => return None,
    })
}

/// One of the operators `x`, `xx` and `x=` of a character `x` that has all three (`&`, `|`,
/// `+`, `-`), by the byte `next` after it.
#[inline(always)]
fn doubled_or_assign(x: u8, next: u8, [single, doubled, assign]: [Kind; 3]) -> Kind {
    if next == x {
        doubled
    } else if next == b'=' {
        assign
    } else {
        single
    }
}

fn is_id_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_id_char(c: char) -> bool {
    is_id_start(c) || c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric())
}

/// What to do about a character that text copied from a web page or a word processor
/// brings in: typographic quotes, invisible spaces.
fn pasted_char_help(c: char) -> Option<&'static str> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => {
            Some("this is a typographic quote; write strings with ' or \"")
        }
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => {
            Some("this is a typographic quote; write strings with \" or '")
        }
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{00ad}' => {
            Some("an invisible character, often copied along from a web page: delete it")
        }
        _ => None,
    }
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
#[derive(Clone, Copy)]
enum Class {
    Space,
    Newline,
    OpenParen,
    OpenBracket,
    OpenBrace,
    CloseParen,
    CloseBracket,
    CloseBrace,
    Comma,
    Semicolon,
    Colon,
    Ident,
    Digit,
    Quote,
    Dot,
    Punct,
    Other,
}

/// The class of every byte.
static CLASS: [Class; 256] = {
    let mut t = [Class::Other; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b' ' | b'\t' => Class::Space,
            b'\n' | b'\r' => Class::Newline,
            b'(' => Class::OpenParen,
            b'[' => Class::OpenBracket,
            b'{' => Class::OpenBrace,
            b')' => Class::CloseParen,
            b']' => Class::CloseBracket,
            b'}' => Class::CloseBrace,
            b',' => Class::Comma,
            b';' => Class::Semicolon,
            b':' => Class::Colon,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => Class::Ident,
            b'0'..=b'9' => Class::Digit,
            b'"' | b'\'' | b'`' => Class::Quote,
            b'.' => Class::Dot,
            // Not `/`: it may start a comment.
            b'~' | b'@' | b'#' | b'?' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b'^' | b'+'
            | b'-' | b'*' | b'%' => Class::Punct,
            _ => Class::Other,
        };
        b += 1;
    }
    t
};

/// [`IDENT`] bit: the byte continues an ASCII identifier.
const CONTINUE: u8 = 1;
/// [`IDENT`] bit: the byte starts an identifier.
const START: u8 = 2;
/// [`IDENT`] bit: the byte may continue an identifier, but only the general reader knows
/// (non-ASCII text, a backslash).
const SLOW: u8 = 4;

/// What each byte is to an identifier.
static IDENT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            CONTINUE | START
        } else if c.is_ascii_digit() {
            CONTINUE
        } else if c >= 0x80 || c == b'\\' {
            SLOW
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The end of the ASCII identifier characters from `i` on.
#[inline(always)]
fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    // A fixed window lets the scan go without a bounds check per byte. Names are short: one
    // window, then byte by byte (a loop of windows, as for strings, measured slower here).
    if let Some(w) = bytes.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        match w
            .iter()
            .position(|&c| IDENT[usize::from(c)] & CONTINUE == 0)
        {
            Some(n) => return i + n,
            None => i += 16,
        }
    }
    while let Some(&c) = bytes.get(i) {
        if IDENT[usize::from(c)] & CONTINUE == 0 {
            break;
        }
        i += 1;
    }
    i
}

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
#[inline(always)]
fn plain_run_end(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    let mask = stop_mask(quote);
    // A fixed window lets the scan go without a bounds check per byte.
    while let Some(w) = bytes.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        match w
            .iter()
            .position(|&b| STRING_STOP[usize::from(b)] & mask != 0)
        {
            Some(n) => return i + n,
            None => i += 16,
        }
    }
    while let Some(&b) = bytes.get(i) {
        if STRING_STOP[usize::from(b)] & mask != 0 {
            break;
        }
        i += 1;
    }
    i
}

/// What one step of the general path found.
enum Step {
    /// A token of this kind and [`Token::aux`].
    Token(Kind, u32),
    /// A line break, or a comment containing one.
    Newline,
    /// White space, a comment, or an error.
    Nothing,
}

/// The value and end of the whole number at `start` when it is short and plain: 1 to 15
/// digits (exact in a double), no leading zero, and nothing after it that continues it.
/// The value is built while scanning: these are the most common numbers.
#[inline(always)]
fn short_int(bytes: &[u8], start: usize) -> Option<(u64, usize)> {
    let mut i = start;
    let mut n: u64 = 0;
    while let Some(&d) = bytes.get(i) {
        let v = d.wrapping_sub(b'0');
        if v > 9 {
            break;
        }
        n = n.wrapping_mul(10).wrapping_add(u64::from(v));
        i += 1;
    }
    let len = i - start;
    let plain = (1..=15).contains(&len)
        && (len == 1 || bytes[start] != b'0')
        && bytes
            .get(i)
            .is_none_or(|&b| NUMBER_TAIL[usize::from(b)] == 0);
    plain.then_some((n, i))
}

/// The value and end of the decimal literal at `start` when it is simple: no separators,
/// radix prefix or leading zero, a complete exponent, and nothing identifier-like or a
/// second dot after it. `None` leaves the literal to [`Lexer::number`], which reads every
/// form and reports errors; for simple literals both give the same value.
fn simple_decimal(bytes: &[u8], start: usize) -> Option<(f64, usize)> {
    // Short integers first, the most common numbers.
    if let Some((n, end)) = short_int(bytes, start) {
        return Some((n as f64, end));
    }
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let i = digits(start);
    let int_len = i - start;
    if int_len > 1 && bytes[start] == b'0' {
        return None;
    }
    let mut end = i;
    if bytes.get(end) == Some(&b'.') {
        end = digits(end + 1);
        if end == start + 1 {
            // A lone dot: not a number.
            return None;
        }
    } else if int_len == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(end) {
        let mut exp = end + 1;
        if let Some(b'+' | b'-') = bytes.get(exp) {
            exp += 1;
        }
        let exp_end = digits(exp);
        if exp_end == exp {
            return None;
        }
        end = exp_end;
    }
    if let Some(&b) = bytes.get(end)
        && NUMBER_TAIL[usize::from(b)] != 0
    {
        return None;
    }
    let text = std::str::from_utf8(&bytes[start..end]).ok()?;
    Some((text.parse::<f64>().ok()?, end))
}

/// Bytes that must not follow a literal [`simple_decimal`] reads: they continue it or make
/// it an error (identifier characters, a second dot, a backslash, non-ASCII text).
static NUMBER_TAIL: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'.' | b'_' | b'$' | b'\\') {
            t[b] = 1;
        }
        b += 1;
    }
    t
};

/// The state of the main loop ([`Lexer::run`]): the text, the position, the tokens so far
/// and where line breaks fall. Kept apart from [`Lexer`] so that, with the readers inlined
/// into the loop, it lives in registers; the slower readers work on `Lexer::pos` instead (see
/// [`Lexer::slow`]). The vectors are borrowed: a push that grows one takes its address, and
/// the address of a field would keep the whole state in memory.
struct Scan<'a, 'v> {
    /// The text.
    bytes: &'a [u8],
    pos: usize,
    tokens: &'v mut Vec<Token>,
    /// Where a line break precedes a token: the index that token will have. Kept aside so
    /// the loop carries no flag; set on the tokens at the end.
    breaks: &'v mut Vec<usize>,
}

impl Scan<'_, '_> {
    /// A token from `start` to the position.
    #[inline(always)]
    fn push(&mut self, start: usize, kind: Kind, aux: u32) {
        self.push_span(start, self.pos, kind, aux);
    }

    /// A token from `start` to `end`. `lex` refuses texts whose offsets do not fit in `u32`,
    /// so the casts keep every offset.
    #[inline(always)]
    fn push_span(&mut self, start: usize, end: usize, kind: Kind, aux: u32) {
        self.tokens.push(Token {
            start: start as u32,
            end: end as u32,
            kind,
            nl_before: false,
            aux,
        });
    }

    /// A line break before the next token.
    #[inline(always)]
    fn line_break(&mut self) {
        if self.breaks.last() != Some(&self.tokens.len()) {
            self.breaks.push(self.tokens.len());
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Lexed<'a>,
    /// Brackets open so far, matched as tokens come (one pass over the text).
    open: Vec<(u8, Span)>,
    /// Bracket mismatches, reported after the other lexical errors.
    bracket_errors: Vec<Diagnostic>,
    /// [`Lexer::string`] stopped at the `${` of a template substitution.
    template_sub: bool,
}

/// Splits `src` into tokens; never fails, errors are collected. A text longer than
/// [`MAX_SOURCE_LEN`] gets one error and no tokens.
pub fn lex(src: &str) -> Lexed<'_> {
    lex_at_most(src, MAX_SOURCE_LEN)
}

/// [`lex`] for texts of at most `max_len` bytes (at most [`MAX_SOURCE_LEN`]).
fn lex_at_most(src: &str, max_len: usize) -> Lexed<'_> {
    let mut out = Lexed {
        src,
        ..Lexed::default()
    };
    if src.len() > max_len.min(MAX_SOURCE_LEN) {
        out.errors.push(
            Diagnostic::new(
                Span::new(0, 0),
                format!(
                    "the text is too long: {} bytes, at most {max_len} can be compiled at once",
                    src.len()
                ),
            )
            .with_help("split it into smaller files"),
        );
        return out;
    }
    // Dense ReQL has about one token per three bytes; reserving more than that avoids
    // regrowing (and copying) a large vector, and pages never touched cost nothing.
    out.tokens.reserve(src.len() / 2 + 8);
    let mut lx = Lexer {
        src,
        pos: 0,
        out,
        open: Vec::new(),
        bracket_errors: Vec::new(),
        template_sub: false,
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

    /// The main loop: one token a turn, dispatched on the class of its first byte.
    fn run(&mut self) {
        let src = self.src;
        let mut tokens = std::mem::take(&mut self.out.tokens);
        let mut breaks = Vec::new();
        let mut sc = Scan {
            bytes: src.as_bytes(),
            pos: 0,
            tokens: &mut tokens,
            breaks: &mut breaks,
        };
        // A query file may start with `#!/usr/bin/env ...`.
        if src.starts_with("#!") {
            sc.pos = src.find('\n').unwrap_or(src.len());
        }
        // The class table covers every byte, so the match is one jump without range checks.
        // Each reader pushes its own token: a shared push after the match would build every
        // token in memory first.
        while let Some(&b) = sc.bytes.get(sc.pos) {
            let start = sc.pos;
            match CLASS[usize::from(b)] {
                Class::Space => sc.pos += 1,
                Class::Newline => {
                    sc.line_break();
                    sc.pos += 1;
                }
                Class::OpenParen => self.lex_open(&mut sc, start, b'(', p!("(")),
                Class::OpenBracket => self.lex_open(&mut sc, start, b'[', p!("[")),
                Class::OpenBrace => self.lex_open(&mut sc, start, b'{', p!("{")),
                Class::CloseParen => self.lex_close(&mut sc, start, b')', b'(', p!(")")),
                Class::CloseBracket => self.lex_close(&mut sc, start, b']', b'[', p!("]")),
                Class::CloseBrace => self.lex_close_brace(&mut sc, start),
                Class::Comma => self.lex_separator(&mut sc, start, p!(",")),
                Class::Semicolon => self.lex_separator(&mut sc, start, p!(";")),
                Class::Colon => self.lex_separator(&mut sc, start, p!(":")),
                Class::Ident => self.lex_ident(&mut sc, start),
                Class::Digit => self.lex_number(&mut sc, start),
                Class::Quote => self.lex_quote(&mut sc, start, b),
                Class::Dot => self.lex_dot(&mut sc, start),
                Class::Punct => self.lex_punct(&mut sc, start),
                Class::Other => self.lex_other(&mut sc, start),
            }
        }
        self.pos = sc.pos;
        for i in breaks {
            if let Some(t) = tokens.get_mut(i) {
                t.nl_before = true;
            }
        }
        self.out.tokens = tokens;
    }

    // The readers of the main loop, `lex_*`, one per token family. Each takes the token at
    // `start`, pushes it and leaves `sc.pos` after it. They take the scan state by reference
    // and are always inlined into the loop: a call would keep that state in memory.

    /// Runs `read`, a reader of the general path (which works on `self.pos`), from `start`;
    /// the scan goes on where it stopped.
    #[inline(always)]
    fn slow<T>(
        &mut self,
        sc: &mut Scan<'a, '_>,
        start: usize,
        read: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.pos = start;
        let value = read(self);
        sc.pos = self.pos;
        value
    }

    /// An opening bracket `b`, awaiting its match.
    #[inline(always)]
    fn lex_open(&mut self, sc: &mut Scan<'a, '_>, start: usize, b: u8, kind: Kind) {
        sc.pos = start + 1;
        self.open.push((b, Span::new(start, sc.pos)));
        sc.push(start, kind, 0);
    }

    /// A closing bracket `b`, matched with the innermost open one (`want` if it matches).
    #[inline(always)]
    fn lex_close(&mut self, sc: &mut Scan<'a, '_>, start: usize, b: u8, want: u8, kind: Kind) {
        sc.pos = start + 1;
        match self.open.last() {
            Some(&(open, _)) if open == want => {
                self.open.pop();
            }
            _ => self.mismatch(b, Span::new(start, sc.pos)),
        }
        sc.push(start, kind, 0);
    }

    /// A `}`: a closing bracket, or the end of a template substitution.
    #[inline(always)]
    fn lex_close_brace(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        if let Some(&(b'$', _)) = self.open.last() {
            self.lex_template_piece(sc, start);
        } else {
            self.lex_close(sc, start, b'}', b'{', p!("}"));
        }
    }

    /// The `}` that ends a template substitution: `) +`, the next piece of the template,
    /// then either the next `+ (` or the `)` that closes the template.
    #[inline(always)]
    fn lex_template_piece(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        self.open.pop();
        sc.pos = start + 1;
        sc.push(start, p!(")"), 0);
        sc.push(start, p!("+"), 0);
        let (kind, aux) = self.slow(sc, start, |lx| lx.string('`'));
        sc.push(start, kind, aux);
        if self.template_sub {
            self.template_sub = false;
            self.lex_substitution(sc);
        } else {
            sc.push(sc.pos, p!(")"), 0);
        }
    }

    /// At the `${` of a template: `+ (`, and the `}` that ends it is awaited.
    #[inline(always)]
    fn lex_substitution(&mut self, sc: &mut Scan<'a, '_>) {
        let at = sc.pos;
        for kind in [p!("+"), p!("(")] {
            sc.push_span(at, at + 2, kind, 0);
        }
        self.open.push((b'$', Span::new(at, at + 2)));
        sc.pos += 2;
    }

    /// A separator; a space usually follows, and skipping it here saves a turn of the loop.
    #[inline(always)]
    fn lex_separator(&mut self, sc: &mut Scan<'a, '_>, start: usize, kind: Kind) {
        sc.pos = start + 1;
        sc.push(start, kind, 0);
        if sc.bytes.get(sc.pos) == Some(&b' ') {
            sc.pos += 1;
        }
    }

    /// An identifier starting with an ASCII letter, `_` or `$`, and the `(` of a call
    /// after it.
    #[inline(always)]
    fn lex_ident(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        let bytes = sc.bytes;
        sc.pos = ident_end(bytes, start + 1);
        // Only a non-ASCII letter or a backslash can continue an identifier from here;
        // `ident` takes the rest of such an identifier.
        if let Some(&c) = bytes.get(sc.pos)
            && IDENT[usize::from(c)] & SLOW != 0
        {
            self.slow(sc, start, Self::ident);
            sc.push(start, Kind::Ident, 0);
            return;
        }
        sc.push(start, Kind::Ident, 0);
        // A call usually follows: take its bracket without a turn of the loop.
        if bytes.get(sc.pos) == Some(&b'(') {
            let at = sc.pos;
            self.lex_open(sc, at, b'(', p!("("));
        }
    }

    /// A number starting with a digit: short integers, the most common, and simple decimals
    /// are read here, the other forms by [`Lexer::number`].
    #[inline(always)]
    fn lex_number(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        let bytes = sc.bytes;
        let (kind, aux) = if let Some((n, end)) = short_int(bytes, start) {
            sc.pos = end;
            match u32::try_from(n) {
                Ok(small) => (Kind::Int, small),
                Err(_) => self.num_token(n as f64),
            }
        } else if let Some((v, end)) = simple_decimal(bytes, start) {
            sc.pos = end;
            self.num_token(v)
        } else {
            self.slow(sc, start, Self::number)
        };
        sc.push(start, kind, aux);
    }

    /// A string literal delimited by `quote`; a template with a substitution opens it.
    #[inline(always)]
    fn lex_quote(&mut self, sc: &mut Scan<'a, '_>, start: usize, quote: u8) {
        let bytes = sc.bytes;
        let end = plain_run_end(bytes, start + 1, quote);
        if bytes.get(end) == Some(&quote) {
            // A string of plain ASCII without escapes is read from the source.
            sc.pos = end + 1;
            sc.push(start, Kind::Str, 0);
            return;
        }
        let (kind, aux) = self.slow(sc, start, |lx| lx.string(char::from(quote)));
        if self.template_sub {
            // `a${x}b` is lexed as ("a" + (x) + "b"): an opening parenthesis before the
            // first piece, then `+ (` for the substitution.
            self.template_sub = false;
            sc.push_span(start, start, p!("("), 0);
            sc.push(start, kind, aux);
            self.lex_substitution(sc);
        } else {
            sc.push(start, kind, aux);
        }
    }

    /// A dot: a number, a spread, or (most often) a member access.
    #[inline(always)]
    fn lex_dot(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        let bytes = sc.bytes;
        match (bytes.get(start + 1), bytes.get(start + 2)) {
            (Some(d), _) if d.is_ascii_digit() => {
                let (kind, aux) = self.slow(sc, start, Self::number);
                sc.push(start, kind, aux);
            }
            (Some(b'.'), Some(b'.')) => {
                sc.pos = start + 3;
                sc.push(start, p!("..."), 0);
            }
            _ => {
                sc.pos = start + 1;
                sc.push(start, p!("."), 0);
                // A method name usually follows: read it without a turn of the loop.
                if let Some(&c) = bytes.get(sc.pos)
                    && IDENT[usize::from(c)] & START != 0
                {
                    let at = sc.pos;
                    self.lex_ident(sc, at);
                }
            }
        }
    }

    /// An operator or punctuation other than brackets and separators.
    #[inline(always)]
    fn lex_punct(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        match punct_at(&sc.bytes[start..]) {
            Some(kind) => {
                sc.pos = start + kind.text().len();
                sc.push(start, kind, 0);
            }
            None => self.lex_other(sc, start),
        }
    }

    /// Everything unusual (non-ASCII text, slashes, control characters): the general path.
    #[inline(always)]
    fn lex_other(&mut self, sc: &mut Scan<'a, '_>, start: usize) {
        match self.slow(sc, start, Self::general) {
            Step::Token(kind, aux) => sc.push(start, kind, aux),
            Step::Newline => sc.line_break(),
            Step::Nothing => {}
        }
    }

    /// The kind and [`Token::aux`] of a number token of value `v`: a whole number below 2^32
    /// is kept in the token, any other value in [`Lexed::nums`].
    fn num_token(&mut self, v: f64) -> (Kind, u32) {
        let small = v as u32;
        if f64::from(small).to_bits() == v.to_bits() {
            return (Kind::Int, small);
        }
        self.out.nums.push(v);
        (Kind::Num, index(self.out.nums.len() - 1))
    }

    /// One step of the general path at `self.pos`: white space, a comment, or a token of
    /// any kind.
    #[cold]
    #[inline(never)]
    fn general(&mut self) -> Step {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Step::Nothing;
        };
        if is_newline(c) {
            self.bump();
            return Step::Newline;
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
                    let nl = self.src[self.pos..end].chars().any(is_newline);
                    self.pos = end;
                    if nl {
                        return Step::Newline;
                    }
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
                let (kind, aux) = self.number();
                Step::Token(kind, aux)
            } else if c == '"' || c == '\'' || c == '`' {
                let (kind, aux) = self.string(c);
                Step::Token(kind, aux)
            } else if is_id_start(c) || c == '\\' {
                self.ident();
                Step::Token(Kind::Ident, 0)
            } else if let Some(kind) = punct_at(&self.src.as_bytes()[self.pos..]) {
                self.pos += kind.text().len();
                Step::Token(kind, 0)
            } else {
                self.bump();
                let help = pasted_char_help(c);
                let d = self.err(start, self.pos, format!("unexpected character `{c}`"));
                d.help = help.map(Into::into);
                Step::Nothing
            };
        }
        Step::Nothing
    }

    /// Reads an identifier from `self.pos`; its token is its span.
    fn ident(&mut self) {
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
            return;
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

    /// Reads a number from `self.pos`: the kind and [`Token::aux`] of its token.
    fn number(&mut self) -> (Kind, u32) {
        let start = self.pos;
        if let Some((n, end)) = simple_decimal(self.src.as_bytes(), start) {
            self.pos = end;
            return self.num_token(n);
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
        self.num_token(value)
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

    /// Reads a string literal from `self.pos`: the kind and [`Token::aux`] of its token.
    fn string(&mut self, quote: char) -> (Kind, u32) {
        let start = self.pos;
        self.bump();
        // Fast path: a string of plain ASCII without escapes is borrowed from the source.
        {
            let i = plain_run_end(self.src.as_bytes(), self.pos, quote as u8);
            if self.src.as_bytes().get(i) == Some(&(quote as u8)) {
                self.pos = i + 1;
                return (Kind::Str, 0);
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
                self.lone_surrogate(at, at + 6);
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
                self.template_sub = true;
                break;
            }
            self.bump();
            if c != '\\' {
                s.push(c);
                continue;
            }
            let esc_start = self.pos - 1;
            let Some(e) = self.bump() else { continue };
            let code = self.escape(e, esc_start, &mut s);
            let Some(code) = code else { continue };
            self.push_code(code, esc_start, &mut pending_high, &mut s);
        }
        self.out.escaped.push(s);
        (Kind::EscapedStr, index(self.out.escaped.len() - 1))
    }

    /// The character code of the escape `\\e` (read up to `e`, which started at
    /// `esc_start`), reading what follows it; `None` for a line continuation, or when the
    /// escape stands for `e` itself (pushed onto `s`) or is invalid (reported).
    fn escape(&mut self, e: char, esc_start: usize, s: &mut String) -> Option<u32> {
        match e {
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
        }
    }

    /// Pushes the escaped code `code` onto `s`: a high surrogate waits in `pending_high`
    /// for the low one that follows it; a lone one is reported.
    fn push_code(
        &mut self,
        code: u32,
        esc_start: usize,
        pending_high: &mut Option<(u32, usize)>,
        s: &mut String,
    ) {
        if (0xD800..0xDC00).contains(&code) {
            if let Some((_, at)) = pending_high.replace((code, esc_start)) {
                self.lone_surrogate(at, at + 6);
            }
            return;
        }
        if (0xDC00..0xE000).contains(&code) {
            match pending_high.take() {
                Some((hi, _)) => {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (code - 0xDC00);
                    s.extend(char::from_u32(c));
                }
                None => {
                    self.lone_surrogate(esc_start, self.pos);
                }
            }
            return;
        }
        if let Some((_, at)) = pending_high.take() {
            self.lone_surrogate(at, at + 6);
        }
        match char::from_u32(code) {
            Some(ch) => s.push(ch),
            None => {
                self.err(esc_start, self.pos, "escape is not a valid character");
            }
        }
    }

    /// Reports the escape at `start..end` as half of a UTF-16 pair without the other half.
    fn lone_surrogate(&mut self, start: usize, end: usize) {
        self.err(
            start,
            end,
            "lone surrogate in a string escape is not supported",
        );
    }

    /// Reports the closing bracket `b` that does not match the innermost open one.
    #[cold]
    fn mismatch(&mut self, b: u8, span: Span) {
        let p = char::from(b);
        if self.bracket_errors.len() >= MAX_BRACKET_ERRORS {
            // A few are enough to fix the first; one per bracket grows with the text, and
            // each report reads its line.
            self.open.pop();
            return;
        }
        match self.open.pop() {
            Some((open, open_span)) => {
                let close = closer(char::from(open));
                let open = opener(open);
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
        let open = std::mem::take(&mut self.open);
        // The outermost and the innermost are reported: a report per bracket grows with the
        // text (a paste of 100,000 `[`), and those between are no news.
        if let Some(&(first, span)) = open.first() {
            let inside = match open.len() - 1 {
                0 | 1 => String::new(),
                n => format!(" ({} more are open inside it)", n - 1),
            };
            self.out.errors.push(
                Diagnostic::new(span, format!("unclosed `{}`", opener(first))).with_help(format!(
                    "add the matching `{}`{inside}",
                    closer(char::from(first))
                )),
            );
        }
        if let [_, .., (last, span)] = open.as_slice() {
            self.out.errors.push(
                Diagnostic::new(*span, format!("unclosed `{}`", opener(*last)))
                    .with_help(format!("add the matching `{}`", closer(char::from(*last)))),
            );
        }
        self.out.unclosed = open.into_iter().map(|(_, span)| span).collect();
    }
}

/// Stray or mismatched brackets reported per text.
const MAX_BRACKET_ERRORS: usize = 3;

/// An index into a side vector of [`Lexed`] as a [`Token::aux`]. Each entry comes from a
/// token of the text, and `lex` refuses texts with more than `u32::MAX` bytes, so every index
/// fits.
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// How an opening bracket is written (`$` stands for a template's `${`).
fn opener(open: u8) -> &'static str {
    match open {
        b'(' => "(",
        b'[' => "[",
        b'$' => "${",
        _ => "{",
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
        l.tokens.iter().map(|t| l.tok(t)).collect()
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
            [t] if matches!(t.kind, Kind::Str | Kind::EscapedStr) => string_value(&l, l.str_lit(t)),
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
    fn template_substitutions_are_lexed_as_concatenation() {
        let l = lex("`a${x}b${ {c: 1} }`");
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let texts: Vec<String> = l
            .tokens
            .iter()
            .map(|t| match l.tok(t) {
                Tok::Str(lit) => format!("'{}'", string_value(&l, lit)),
                Tok::Ident(n) => n.to_string(),
                Tok::Punct(p) => p.to_string(),
                Tok::Num(n) => n.to_string(),
            })
            .collect();
        assert_eq!(
            texts.join(" "),
            "( 'a' + ( x ) + 'b' + ( { c : 1 } ) + '' )"
        );
    }

    #[test]
    fn lexical_errors() {
        assert_eq!(lex_err("'abc"), "unterminated string");
        assert_eq!(lex_err("'ab\ncd'"), "unterminated string");
        assert_eq!(lex_err("/* x"), "unterminated comment");
        assert_eq!(lex_err("`a${b"), "unclosed `${`");
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
        // The outermost and the innermost, however many are open.
        let many = "[".repeat(1000);
        let l = lex(&many);
        assert_eq!((l.errors.len(), l.unclosed.len()), (2, 1000));
    }

    #[test]
    fn every_punctuation_is_read_as_its_kind() {
        for (i, text) in KIND_TEXT.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let kind = punct_at(text.as_bytes()).expect(text);
            assert_eq!(kind.text(), *text);
            assert_eq!(kind as usize, i);
            assert!(kind.is_punct());
            // The ranges the parser tests stand for these sets.
            assert_eq!(
                kind.is_binary(),
                crate::reql::prec::binary_prec(text).is_some(),
                "{text}"
            );
            let assign = [
                "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=",
            ];
            assert_eq!(kind.is_assign(), assign.contains(text), "{text}");
            assert_eq!(
                kind.ends_operand(),
                [",", ")", "]", "}", ";", ":"].contains(text),
                "{text}"
            );
        }
        assert_eq!(p!("?."), Kind::QuestionDot);
        assert!(p!(":").ends_operand() && !p!("(").ends_operand());
        assert!(p!("**").is_binary() && !p!("**=").is_binary() && !p!("=>").is_binary());
        assert!(p!(">>>=").is_assign() && !p!("==").is_assign());
    }

    #[test]
    fn numbers_small_and_large() {
        let l = lex("0 7 4294967295 4294967296 1.5 1e21");
        let kinds: Vec<Kind> = l.tokens.iter().map(|t| t.kind).collect();
        use Kind::{Int, Num};
        assert_eq!(kinds, [Int, Int, Int, Num, Num, Num]);
        let values: Vec<f64> = l.tokens.iter().map(|t| l.num(t)).collect();
        assert_eq!(values, [0.0, 7.0, 4294967295.0, 4294967296.0, 1.5, 1e21]);
    }

    #[test]
    fn texts_too_long_for_the_offsets_are_refused() {
        let l = lex_at_most("r.expr(1)", 8);
        assert!(l.tokens.is_empty());
        assert_eq!(l.errors.len(), 1);
        assert_eq!(
            l.errors[0].message,
            "the text is too long: 9 bytes, at most 8 can be compiled at once"
        );
        assert_eq!(lex_at_most("r.expr(1)", 9).tokens.len(), 6);
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
    #[test]
    fn line_breaks_mark_only_the_next_token() {
        let l = lex("a\n\n\r\nb c\u{2028}d /* \n */ e // x\n");
        let nl: Vec<bool> = l.tokens.iter().map(|t| t.nl_before).collect();
        assert_eq!(nl, [false, true, false, true, true]);
        // An error between the break and the token keeps the mark on the token.
        let l = lex("a\n\u{1} b");
        assert_eq!(l.tokens.len(), 2);
        assert!(l.tokens[1].nl_before);
    }

    #[test]
    fn identifiers_past_the_scan_window_and_with_unicode() {
        let long = "abcdefghijklmnopqrstuvwxyz_$0123456789";
        assert_eq!(toks(&format!("r.{long}(1)"))[2], Tok::Ident(long));
        assert_eq!(toks("x.caf\u{e9}s")[2], Tok::Ident("caf\u{e9}s"));
        assert_eq!(toks("\u{e9}t\u{e9}.a")[0], Tok::Ident("\u{e9}t\u{e9}"));
        assert_eq!(
            lex_err("ab\\u0041"),
            "escapes in identifiers are not supported"
        );
    }

    #[test]
    fn strings_past_the_scan_window() {
        let body = "0123456789abcdefghijklmnopqrstuvwxyz";
        assert_eq!(string(&format!("'{body}'")), body);
        assert_eq!(
            string(&format!("\"{body}\\n{body}\"")),
            format!("{body}\n{body}")
        );
        assert_eq!(
            string(&format!("'{body}\u{e9}{body}'")),
            format!("{body}\u{e9}{body}")
        );
        assert_eq!(lex_err(&format!("'{body}")), "unterminated string");
    }

    #[test]
    fn number_forms_after_the_fast_path() {
        assert_eq!(
            toks("1.5.toFixed"),
            [Tok::Num(1.5), Tok::Punct("."), Tok::Ident("toFixed")]
        );
        assert_eq!(
            toks("a[0]"),
            [
                Tok::Ident("a"),
                Tok::Punct("["),
                Tok::Num(0.0),
                Tok::Punct("]")
            ]
        );
        assert_eq!(num("123456789012345"), 123456789012345.0);
        assert_eq!(num("1.E2"), 100.0);
        assert_eq!(num("0.5e-1"), 0.05);
        assert_eq!(num("08.5"), 8.5);
        assert_eq!(lex_err("1e"), "missing exponent digits");
        assert_eq!(
            lex_err("3in"),
            "an identifier cannot start immediately after a number"
        );
    }
}
