//! Compile errors with a span, a message and an optional hint (the front ends draw them with
//! carets: `shell::carets`).

use super::span::Span;

/// One compile error: where, what, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The offending source range (byte offsets into the compiled text).
    pub span: Span,
    /// What is wrong, lower case, no trailing period.
    pub message: String,
    /// What to write instead, when there is a suggestion.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error without a hint.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Line (1-based) and column (1-based, in characters) of the span start in `source`.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        let start = floor_char(source, self.span.start);
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, source[line_start..start].chars().count() + 1)
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// The char boundary at or before `i` (or the end of `s`).
pub fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "r.expr(1)\nr.table('é').fitler(1)";
        let at = src.find("fitler").unwrap_or(0);
        assert_eq!(
            Diagnostic::new(Span::new(at, at + 6), "x").line_col(src),
            (2, 14)
        );
        assert_eq!(Diagnostic::new(Span::new(0, 1), "x").line_col(src), (1, 1));
    }
}
