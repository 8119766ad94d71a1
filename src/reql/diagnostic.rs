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
        let end = floor_char(source, self.span.end.clamp(start, line_end));
        let excerpt = Excerpt::new(
            &source[line_start..start],
            &source[start..end],
            &source[start..line_end],
        );
        let (text, pad, width) = (excerpt.text, " ".repeat(excerpt.pad), excerpt.carets);
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

/// Characters of a line shown at most; a longer line is cut around the span.
const MAX_SHOWN: usize = 160;
/// Characters shown before the span when a line is cut.
const CONTEXT: usize = 40;

/// The source line as shown under an error: tabs as four spaces, cut to a window around the
/// span when long (`…` marks a cut), with the caret offset and count in terminal cells (wide
/// characters take two).
struct Excerpt {
    text: String,
    pad: usize,
    carets: usize,
}

impl Excerpt {
    /// `before`: the line up to the span; `span`: the span (within the line); `rest`: the
    /// line from the span's start to its end.
    fn new(before: &str, span: &str, rest: &str) -> Excerpt {
        // Counted, not collected: the line may be a 100 MB literal.
        let (before_len, rest_len) = (before.chars().count(), rest.chars().count());
        let span_chars = span.chars().count();
        let total = before_len + rest_len;
        let from = if total <= MAX_SHOWN {
            0
        } else {
            before_len.saturating_sub(CONTEXT)
        };
        let to = total.min(from + MAX_SHOWN);
        let mut text = String::new();
        let mut pad = 0;
        if from > 0 {
            text.push('…');
            pad += 1;
        }
        let shown_before: Vec<char> = before.chars().skip(from).collect();
        let after_len = to.saturating_sub(before_len).min(rest_len);
        let shown_rest: Vec<char> = rest.chars().take(after_len).collect();
        for &c in shown_before.iter().chain(&shown_rest) {
            if c == '\t' {
                text.push_str("    ");
            } else {
                text.push(c);
            }
        }
        pad += shown_before.iter().map(|&c| cells(c)).sum::<usize>();
        let carets = shown_rest
            .iter()
            .take(span_chars)
            .map(|&c| cells(c))
            .sum::<usize>()
            .max(1);
        if to < total {
            text.push('…');
        }
        Excerpt { text, pad, carets }
    }
}

/// Terminal cells a character takes in the excerpt (a tab is expanded to four).
fn cells(c: char) -> usize {
    if c == '\t' {
        4
    } else {
        unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
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
    fn carets_count_terminal_cells_for_wide_characters_and_tabs() {
        let src = "r.expr({a: '日本語'}).fitler(1)";
        let at = src.find("fitler").unwrap();
        let d = Diagnostic::new(Span::new(at, at + 6), "unknown method `fitler`");
        let text = d.render(src, None, false);
        let lines: Vec<&str> = text.lines().collect();
        // `日本語` takes six cells, so the carets sit three cells further than its characters.
        let caret_col = lines[3].find('^').unwrap();
        let word_col = lines[2].find("fitler").unwrap();
        let prefix_cells = lines[2][..word_col].chars().count() + 3;
        assert_eq!(caret_col, prefix_cells, "{text}");
        assert_eq!(lines[3].matches('^').count(), 6);

        let src = "\tr.tabel('t')";
        let d = Diagnostic::new(Span::new(3, 8), "unknown method `tabel`");
        let text = d.render(src, None, false);
        assert!(
            text.contains("1 |     r.tabel('t')\n  |       ^^^^^\n"),
            "{text}"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_span() {
        let src = format!("r.expr([{}]).fitler(1)", "1, ".repeat(100_000));
        let at = src.find("fitler").unwrap();
        let d = Diagnostic::new(Span::new(at, at + 6), "unknown method `fitler`");
        let text = d.render(&src, None, false);
        assert!(text.len() < 1_000, "{} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[2].starts_with("1 | …") && lines[2].ends_with("fitler(1)"),
            "{text}"
        );
        let caret = lines[3].find('^').unwrap();
        assert_eq!(
            lines[2][..lines[2].find("fitler").unwrap()].chars().count(),
            lines[3][..caret].chars().count(),
            "{text}"
        );
        // A span longer than the window gets carets up to the cut, not beyond.
        let d = Diagnostic::new(Span::new(0, src.len()), "too deep");
        let text = d.render(&src, None, false);
        assert!(text.len() < 1_000, "{} bytes", text.len());
    }

    #[test]
    fn line_offset_shifts_the_reported_line() {
        let d = Diagnostic::new(Span::new(0, 1), "x");
        assert!(d.render("a", Some(("f", 9)), false).contains("f:10:1"));
    }
}
