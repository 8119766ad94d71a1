//! Tokens of the Python that ReQL uses: names, numbers, strings (with their prefixes and
//! triple quotes), operators, and the newlines that end a statement outside brackets.

use super::super::diagnostic::Diagnostic;
use super::super::span::Span;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An identifier or keyword.
    Name(String),
    /// An integer literal (Python ints are unbounded; these fit 128 bits).
    Int(i128),
    /// A float literal.
    Float(f64),
    /// A string literal, escapes resolved (adjacent literals are joined by the parser).
    Str(String),
    /// A bytes literal.
    Bytes(Vec<u8>),
    /// An operator or punctuation.
    Op(&'static str),
    /// The end of a logical line (or `;`).
    End,
}

/// Operators, longest first so that the first prefix match is the right one.
const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "+", "-", "*", "/", "%", "&", "|", "^", "~",
    "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=", "@",
];

/// The tokens of `src` with their spans, or the errors found.
pub fn lex(src: &str) -> Result<Vec<(Tok, Span)>, Vec<Diagnostic>> {
    let mut lx = Lexer {
        src,
        at: 0,
        out: Vec::new(),
        depth: Vec::new(),
        errors: Vec::new(),
    };
    lx.run();
    if let Some(&(open, at)) = lx.depth.last() {
        lx.errors.push(
            Diagnostic::new(Span::new(at, at + 1), format!("unclosed `{open}`"))
                .with_help("close the bracket"),
        );
    }
    if lx.errors.is_empty() {
        Ok(lx.out)
    } else {
        Err(lx.errors)
    }
}

/// True when `src` ends inside a bracket, a triple-quoted string or after a backslash: the
/// REPL then reads another line.
pub fn is_complete(src: &str) -> bool {
    if src
        .trim_end_matches([' ', '\t', '\n', '\r'])
        .ends_with('\\')
    {
        return false;
    }
    match lex(src) {
        Ok(_) => true,
        Err(errs) => !errs
            .iter()
            .any(|d| d.message.starts_with("unclosed") || d.message.contains("triple")),
    }
}

struct Lexer<'a> {
    src: &'a str,
    at: usize,
    out: Vec<(Tok, Span)>,
    /// Open brackets and where they are.
    depth: Vec<(char, usize)>,
    errors: Vec<Diagnostic>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.at..].chars().nth(n)
    }

    fn end_line(&mut self, at: usize) {
        if !matches!(self.out.last(), None | Some((Tok::End, _))) {
            self.out.push((Tok::End, Span::new(at, at)));
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.at;
            match c {
                '\n' => {
                    self.at += 1;
                    if self.depth.is_empty() {
                        self.end_line(start);
                    }
                }
                ';' => {
                    self.at += 1;
                    self.end_line(start);
                }
                ' ' | '\t' | '\r' | '\x0c' => self.at += 1,
                '#' => {
                    let len = self.src[start..]
                        .find('\n')
                        .unwrap_or(self.src.len() - start);
                    self.at += len;
                }
                '\\' => {
                    // A backslash continues the line.
                    self.at += 1;
                    if self.src[self.at..].starts_with("\r\n") {
                        self.at += 2;
                    } else if self.peek() == Some('\n') {
                        self.at += 1;
                    } else if self.peek().is_some() {
                        self.error(start, "a backslash continues a line only at its end");
                    }
                }
                '0'..='9' => self.number(),
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
                c if c == '\'' || c == '"' => self.string(start, ""),
                c if c.is_alphabetic() || c == '_' => self.name_or_prefixed(),
                _ => self.op(start),
            }
        }
        let end = self.src.len();
        self.end_line(end);
    }

    fn error(&mut self, at: usize, msg: &str) {
        let end = (at + 1).min(self.src.len()).max(at);
        self.errors.push(Diagnostic::new(Span::new(at, end), msg));
    }

    fn op(&mut self, start: usize) {
        let rest = &self.src[start..];
        let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
            let c = self.peek().unwrap_or(' ');
            self.error(start, &format!("unexpected character `{c}`"));
            self.at += c.len_utf8();
            return;
        };
        self.at += op.len();
        match *op {
            "(" | "[" | "{" => self.depth.push((op.chars().next().unwrap_or('('), start)),
            ")" | "]" | "}" => {
                let want = match *op {
                    ")" => '(',
                    "]" => '[',
                    _ => '{',
                };
                match self.depth.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        self.errors.push(
                            Diagnostic::new(Span::new(at, at + 1), format!("unclosed `{open}`"))
                                .with_help(format!("`{op}` at byte {start} does not close it")),
                        );
                    }
                    None => self.error(start, &format!("`{op}` closes nothing")),
                }
            }
            _ => {}
        }
        self.out.push((Tok::Op(op), Span::new(start, self.at)));
    }

    fn name_or_prefixed(&mut self) {
        let start = self.at;
        let len = self.src[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.src.len() - start);
        let word = &self.src[start..start + len];
        let quote = self.src[start + len..].starts_with(['\'', '"']);
        let lower = word.to_ascii_lowercase();
        if quote
            && matches!(
                lower.as_str(),
                "r" | "b" | "u" | "rb" | "br" | "f" | "rf" | "fr"
            )
        {
            self.at += len;
            self.string(start, &lower);
            return;
        }
        self.at += len;
        self.out
            .push((Tok::Name(word.to_string()), Span::new(start, self.at)));
    }

    fn number(&mut self) {
        let start = self.at;
        let bytes = self.src.as_bytes();
        let mut end = start;
        let radix = match self.src.get(start..start + 2).map(str::to_ascii_lowercase) {
            Some(p) if p == "0x" => 16,
            Some(p) if p == "0o" => 8,
            Some(p) if p == "0b" => 2,
            _ => 10,
        };
        if radix != 10 {
            end += 2;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            self.at = end;
            let digits: String = self.src[start + 2..end].replace('_', "");
            match i128::from_str_radix(&digits, radix) {
                Ok(n) => self.out.push((Tok::Int(n), Span::new(start, end))),
                Err(_) => self.error(start, "invalid number literal"),
            }
            return;
        }
        let mut float = false;
        while end < bytes.len() {
            let b = bytes[end];
            if b.is_ascii_digit() || b == b'_' {
                end += 1;
            } else if b == b'.' && !float {
                float = true;
                end += 1;
            } else if (b == b'e' || b == b'E')
                && bytes
                    .get(end + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'+' || *n == b'-')
            {
                float = true;
                end += 2;
                while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'_') {
                    end += 1;
                }
                break;
            } else {
                break;
            }
        }
        self.at = end;
        if bytes.get(end).is_some_and(|b| *b == b'j' || *b == b'J') {
            self.at += 1;
            self.error(start, "complex numbers cannot be sent to RethinkDB");
            return;
        }
        let text: String = self.src[start..end].replace('_', "");
        let span = Span::new(start, end);
        if float {
            match text.parse::<f64>() {
                Ok(f) => self.out.push((Tok::Float(f), span)),
                Err(_) => self.error(start, "invalid number literal"),
            }
        } else if text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
            self.error(
                start,
                "leading zeros are not allowed in Python; write 0o for octal",
            );
        } else {
            match text.parse::<i128>() {
                Ok(n) => self.out.push((Tok::Int(n), span)),
                Err(_) => match text.parse::<f64>() {
                    // Past 128 bits: kept as the nearest double, the best JSON can carry here.
                    Ok(f) => self.out.push((Tok::Float(f), span)),
                    Err(_) => self.error(start, "invalid number literal"),
                },
            }
        }
    }

    fn string(&mut self, start: usize, prefix: &str) {
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        if prefix.contains('f') {
            self.error(
                start,
                "f-strings are not supported; build the string with + or r.add",
            );
        }
        let q = self.peek().unwrap_or('"');
        let triple: String = std::iter::repeat_n(q, 3).collect();
        let delim = if self.src[self.at..].starts_with(&triple) {
            triple
        } else {
            q.to_string()
        };
        self.at += delim.len();
        let body_start = self.at;
        let mut out = String::new();
        let mut out_bytes = Vec::new();
        loop {
            let rest = &self.src[self.at..];
            if rest.starts_with(&delim) {
                self.at += delim.len();
                break;
            }
            let Some(c) = rest.chars().next() else {
                let what = if delim.len() == 3 {
                    "unterminated triple-quoted string"
                } else {
                    "unterminated string"
                };
                self.error(start, what);
                return;
            };
            if c == '\n' && delim.len() == 1 {
                self.error(start, "unterminated string");
                return;
            }
            self.at += c.len_utf8();
            if c == '\\' && !raw {
                self.escape(start, bytes, &mut out, &mut out_bytes);
                continue;
            }
            if c == '\\' && raw {
                // A raw string keeps the backslash, and the quote after it does not end it.
                if let Some(n) = self.peek() {
                    push_char(&mut out, &mut out_bytes, '\\');
                    push_char(&mut out, &mut out_bytes, n);
                    self.at += n.len_utf8();
                    continue;
                }
            }
            if bytes && !c.is_ascii() {
                self.error(
                    self.at - c.len_utf8(),
                    "bytes literals hold only ASCII characters",
                );
            }
            push_char(&mut out, &mut out_bytes, c);
        }
        let _ = body_start;
        let span = Span::new(start, self.at);
        if bytes {
            self.out.push((Tok::Bytes(out_bytes), span));
        } else {
            self.out.push((Tok::Str(out), span));
        }
    }

    /// One escape after a backslash (already consumed), into both buffers.
    fn escape(&mut self, start: usize, bytes: bool, out: &mut String, out_bytes: &mut Vec<u8>) {
        let Some(e) = self.peek() else {
            return;
        };
        self.at += e.len_utf8();
        let simple = match e {
            '\n' => Some(None),
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(c) = simple {
            if let Some(c) = c {
                push_char(out, out_bytes, c);
            }
            return;
        }
        let hex = |lx: &mut Self, n: usize| -> Option<u32> {
            let digits = lx.src.get(lx.at..lx.at + n)?;
            let v = u32::from_str_radix(digits, 16).ok()?;
            lx.at += n;
            Some(v)
        };
        let code = match e {
            'x' => hex(self, 2),
            'u' if !bytes => hex(self, 4),
            'U' if !bytes => hex(self, 8),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.at += 1;
                        }
                        None => break,
                    }
                }
                Some(v)
            }
            _ => {
                // Python keeps an unknown escape as written.
                push_char(out, out_bytes, '\\');
                push_char(out, out_bytes, e);
                return;
            }
        };
        match code {
            Some(v) if bytes && v < 256 => {
                out_bytes.push(v as u8);
                out.push(char::from(v as u8));
            }
            Some(v) => match char::from_u32(v) {
                Some(c) => push_char(out, out_bytes, c),
                None => self.error(start, "invalid escape in string literal"),
            },
            None => self.error(start, "invalid escape in string literal"),
        }
    }
}

fn push_char(out: &mut String, out_bytes: &mut Vec<u8>, c: char) {
    out.push(c);
    let mut buf = [0u8; 4];
    out_bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}
