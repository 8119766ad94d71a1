//! Statement boundaries for batch files and the REPL's continuation prompt.

use super::diagnostic::Diagnostic;
use super::lexer::{Tok, Token, lex, p};
use super::span::Span;

fn ends_expression(t: Tok<'_>) -> bool {
    match t {
        Tok::Num(_) | Tok::Str(_) => true,
        Tok::Ident(n) => !matches!(
            n,
            "var"
                | "let"
                | "const"
                | "return"
                | "new"
                | "typeof"
                | "void"
                | "delete"
                | "in"
                | "instanceof"
                | "function"
                | "else"
        ),
        Tok::Punct(p) => matches!(p, ")" | "]" | "}" | "++" | "--"),
    }
}

/// True for a token that continues the expression of the line before, as JavaScript reads
/// it: `.` (a chain written one call per line), or a binary, conditional or assignment
/// operator (`- 1`, `|| 10`, `? a`, `: b`), which no statement starts with.
fn continues_line(t: &Token) -> bool {
    t.is(p!("."))
        || t.is(p!("?."))
        || t.is(p!("?"))
        || t.is(p!(":"))
        || t.kind.is_binary()
        || t.kind.is_assign()
}

/// Splits a source text into statements: at top-level `;`, and at line breaks that end a
/// complete expression unless the next line continues it (see [`continues_line`]). Comments
/// and blank lines are skipped; brackets and strings may span lines.
pub fn split_statements(src: &str) -> Vec<Span> {
    let lx = lex(src);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut prev: Option<&Token> = None;
    for t in &lx.tokens {
        if depth == 0
            && let (Some(s), Some(p)) = (start, prev)
            && t.nl_before
            && !continues_line(t)
            && ends_expression(lx.tok(p))
        {
            out.push(Span::new(s, p.span().end));
            start = None;
        }
        if depth == 0 && t.is(p!(";")) {
            if let (Some(s), Some(p)) = (start, prev) {
                out.push(Span::new(s, p.span().end));
            }
            start = None;
            prev = Some(t);
            continue;
        }
        if start.is_none() {
            start = Some(t.span().start);
        }
        match t.kind {
            p!("(") | p!("[") | p!("{") => depth += 1,
            p!(")") | p!("]") | p!("}") => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = Some(t);
    }
    let end = match (start, prev) {
        (Some(s), Some(p)) => {
            out.push(Span::new(s, p.span().end));
            p.span().end
        }
        (_, p) => p.map_or(0, |p| p.span().end),
    };
    // A comment or string left open at the end is no token: the text from the last
    // statement on is one more, so that compiling it reports the mistake.
    if lx.unterminated {
        let rest = &src[end..];
        let lead = rest.len() - rest.trim_start().len();
        match out.last_mut() {
            Some(last) if last.end == end && start.is_some() => last.end = src.len(),
            _ => out.push(Span::new(end + lead, src.len())),
        }
    }
    out
}

/// Elements (array items, object fields, arguments) one compile may read: each costs about
/// 300 bytes on its way through tokens, syntax tree, values and terms, so a 1,000,000-item
/// literal took 310 MB. Counted by commas before anything is lexed.
pub const MAX_ELEMENTS: usize = 200_000;

/// The commas of `src` outside string literals: about its number of elements, found in one
/// pass without lexing (commas in comments count too).
pub fn element_count(src: &str) -> usize {
    let bytes = src.as_bytes();
    let (mut count, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b',' => count += 1,
            quote @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    count
}

/// The refusal of a text with more than [`MAX_ELEMENTS`] elements, made before it is lexed.
pub fn too_many_elements(src: &str) -> Option<Diagnostic> {
    let count = element_count(src);
    (count > MAX_ELEMENTS).then(|| {
        let end = src.find('\n').unwrap_or(src.len());
        Diagnostic::new(
            Span::new(0, end),
            format!(
                "the statement has {count} elements, more than the {MAX_ELEMENTS} one statement may have"
            ),
        )
        .with_help("split the data into several statements (an insert of fewer documents each)")
    })
}

/// False while the text needs more lines: a bracket, string or comment is open, or the text
/// ends with `.`, `,` or an operator.
pub fn is_complete(src: &str) -> bool {
    let lx = lex(src);
    if lx.unterminated || !lx.unclosed.is_empty() {
        return false;
    }
    match lx.tokens.last() {
        None => true,
        Some(t) => match lx.tok(t) {
            Tok::Punct(p) => matches!(p, ")" | "]" | "}" | ";" | "++" | "--"),
            tok => ends_expression(tok),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(src: &str) -> Vec<&str> {
        split_statements(src)
            .into_iter()
            .map(|s| s.text(src))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_and_complete_lines() {
        assert_eq!(parts("r.expr(1); r.expr(2)"), ["r.expr(1)", "r.expr(2)"]);
        assert_eq!(parts("r.expr(1)\nr.expr(2)\n"), ["r.expr(1)", "r.expr(2)"]);
        assert_eq!(
            parts("r.table('a')\n  .filter({b: 1})\n  // note\n  .count()"),
            ["r.table('a')\n  .filter({b: 1})\n  // note\n  .count()"]
        );
        assert_eq!(
            parts("r.expr([1,\n2])\n\n// c\nr.now()"),
            ["r.expr([1,\n2])", "r.now()"]
        );
        assert_eq!(
            parts("var x = 60 *\n 60\nr.expr(x)"),
            ["var x = 60 *\n 60", "r.expr(x)"]
        );
        assert_eq!(parts("r.expr('a;b');;"), ["r.expr('a;b')"]);
        // A line starting with an operator continues the one before, as in JavaScript.
        assert_eq!(
            parts("var n = 5\n  - 1\nr.expr(n)"),
            ["var n = 5\n  - 1", "r.expr(n)"]
        );
        assert_eq!(
            parts("var c = a\n  ? 1\n  : 2\nvar d = x\n  || 3"),
            ["var c = a\n  ? 1\n  : 2", "var d = x\n  || 3"]
        );
        // A line starting with a bracket starts a statement (rdbsh reads lines as statements).
        assert_eq!(
            parts("r.expr(1)\n(r.expr(2))"),
            ["r.expr(1)", "(r.expr(2))"]
        );
        assert!(parts("  // only a comment\n").is_empty());
    }

    #[test]
    fn completeness_for_the_repl() {
        assert!(is_complete("r.table('a')"));
        assert!(is_complete(""));
        assert!(!is_complete("r.table('a')."));
        assert!(!is_complete("r.table('a').filter("));
        assert!(!is_complete("r.expr('abc"));
        assert!(!is_complete("r.expr(1) /* comment"));
        assert!(!is_complete("r.expr(1).add(2) +"));
        assert!(!is_complete("r.expr([1,"));
        assert!(is_complete("r.expr(1);"));
    }
}
