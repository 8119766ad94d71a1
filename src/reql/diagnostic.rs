//! Compile errors with a span, a message and an optional hint, rendered with carets.

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

    /// The error as text: `error: msg`, then `--> file:line:col` (when `origin` names a file;
    /// its number is added to the line), the source line and carets under the span, and the
    /// hint. `styled` adds ANSI colours.
    pub fn render(&self, source: &str, origin: Option<(&str, usize)>, styled: bool) -> String {
        let (red, blue, bold, reset, cyan) = if styled {
            (
                "\x1b[1;31m",
                "\x1b[1;34m",
                "\x1b[1m",
                "\x1b[0m",
                "\x1b[1;36m",
            )
        } else {
            ("", "", "", "", "")
        };
        let (line, col) = self.line_col(source);
        let mut out = format!("{red}error{reset}{bold}: {}{reset}\n", self.message);
        let shown_line = line + origin.map_or(0, |(_, offset)| offset);
        if let Some((file, _)) = origin {
            out.push_str(&format!("  {blue}-->{reset} {file}:{shown_line}:{col}\n"));
        }
        let start = floor_char(source, self.span.start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = &source[line_start..line_end];
        let end = floor_char(source, self.span.end.clamp(start, line_end));
        let pad = source[line_start..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect::<String>();
        let width = source[start..end].chars().count().max(1);
        let num = shown_line.to_string();
        let gutter = " ".repeat(num.len());
        out.push_str(&format!("{blue}{gutter} |{reset}\n"));
        out.push_str(&format!("{blue}{num} |{reset} {text}\n"));
        out.push_str(&format!(
            "{blue}{gutter} |{reset} {pad}{red}{}{reset}\n",
            "^".repeat(width)
        ));
        if let Some(help) = &self.help {
            out.push_str(&format!("{gutter} {cyan}= help{reset}: {help}\n"));
        }
        out
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

/// The largest char boundary not after `i` (and not past the end).
fn floor_char(s: &str, i: usize) -> usize {
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
    fn renders_carets_under_the_span() {
        let src = "r.expr(1)\nr.table('a').fitler(1)";
        let d = Diagnostic::new(Span::new(23, 29), "unknown method `fitler`")
            .with_help("did you mean `filter`?");
        let text = d.render(src, Some(("q.reql", 0)), false);
        assert_eq!(
            text,
            "error: unknown method `fitler`\n  --> q.reql:2:14\n  |\n2 | r.table('a').fitler(1)\n  |              ^^^^^^\n  = help: did you mean `filter`?\n"
        );
        assert!(d.render(src, None, true).contains("\x1b[1;31m"));
    }

    #[test]
    fn line_offset_shifts_the_reported_line() {
        let d = Diagnostic::new(Span::new(0, 1), "x");
        assert!(d.render("a", Some(("f", 9)), false).contains("f:10:1"));
    }
}
