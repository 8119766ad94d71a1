//! A [`Diagnostic`] drawn under its source line with carets, as rustc draws errors (the
//! `annotate-snippets` crate): `error: message`, `--> file:line:col`, the line, the carets,
//! and the hint.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::reql::Diagnostic;
use crate::reql::diagnostic::floor_char;

/// Characters of a line before the span past which the line is cut, so that an error in a
/// 100 MB literal costs no more than one in a short line (the renderer lays out what it is
/// given).
const LONG_BEFORE: usize = 4096;
/// Characters kept before the span when the line is cut there.
const CONTEXT: usize = 40;
/// Characters kept after the span's start (the renderer cuts what is wider than a terminal).
const AFTER: usize = 512;

/// `d` as text: `origin` names the file and the lines before `source` in it; `styled` adds
/// ANSI colours.
pub fn render(d: &Diagnostic, source: &str, origin: Option<(&str, usize)>, styled: bool) -> String {
    let start = floor_char(source, d.span.start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let (line, col) = d.line_col(source);
    let shown_line = line + origin.map_or(0, |(_, lines_before)| lines_before);
    // The part of the line handed to the renderer: all of it up to a long way after the
    // span's start, and only the end of a very long stretch before it.
    let to = source[start..line_end]
        .char_indices()
        .nth(AFTER)
        .map_or(line_end, |(i, _)| start + i);
    let before = &source[line_start..start];
    let cut = before.len() > LONG_BEFORE && before.chars().count() > LONG_BEFORE;
    let (text, shift) = if cut {
        let keep = before
            .char_indices()
            .rev()
            .nth(CONTEXT - 1)
            .map_or(line_start, |(i, _)| line_start + i);
        (format!("…{}", &source[keep..to]), keep - '…'.len_utf8())
    } else {
        (source[line_start..to].to_owned(), line_start)
    };
    let end = floor_char(source, d.span.end.clamp(start, to));
    let mut snippet = Snippet::source(&text)
        .line_start(shown_line)
        .annotation(AnnotationKind::Primary.span(start - shift..end - shift));
    if let (Some((file, _)), false) = (origin, cut) {
        snippet = snippet.path(file);
    }
    let mut group = Level::ERROR.primary_title(&d.message).element(snippet);
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help));
    }
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&[group]);
    if let (Some((file, _)), true) = (origin, cut) {
        // The renderer would count the column from the cut: the location is written here.
        let at = out.find('\n').map_or(out.len(), |i| i + 1);
        out.insert_str(at, &format!(" --> {file}:{shown_line}:{col}\n"));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reql::Span;

    #[test]
    fn renders_carets_under_the_span() {
        let src = "r.expr(1)\nr.table('a').fitler(1)";
        let d = Diagnostic::new(Span::new(23, 29), "unknown method `fitler`")
            .with_help("did you mean `filter`?");
        let text = render(&d, src, Some(("q.reql", 0)), false);
        assert_eq!(
            text,
            "error: unknown method `fitler`\n --> q.reql:2:14\n  |\n2 | r.table('a').fitler(1)\n  |              ^^^^^^\n  |\n  = help: did you mean `filter`?\n"
        );
        assert!(render(&d, src, None, true).contains("\x1b["));
    }

    #[test]
    fn carets_count_terminal_cells_for_wide_characters_and_tabs() {
        let src = "r.expr({a: '日本語'}).fitler(1)";
        let at = src.find("fitler").unwrap();
        let d = Diagnostic::new(Span::new(at, at + 6), "unknown method `fitler`");
        let text = render(&d, src, None, false);
        let lines: Vec<&str> = text.lines().collect();
        // `日本語` takes six cells, so the carets sit three cells further than its characters.
        let caret_col = lines[3].find('^').unwrap();
        let word_col = lines[2].find("fitler").unwrap();
        let prefix_cells = lines[2][..word_col].chars().count() + 3;
        assert_eq!(caret_col, prefix_cells, "{text}");
        assert_eq!(lines[3].matches('^').count(), 6);

        let src = "\tr.tabel('t')";
        let d = Diagnostic::new(Span::new(3, 8), "unknown method `tabel`");
        let text = render(&d, src, None, false);
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
        let text = render(&d, &src, Some(("q.reql", 0)), false);
        assert!(text.len() < 1_000, "{} bytes", text.len());
        assert!(
            text.contains(&format!(" --> q.reql:1:{}\n", at + 1)),
            "{text}"
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[3].ends_with("fitler(1)"), "{text}");
        let caret = lines[4].find('^').unwrap();
        assert_eq!(
            lines[3][..lines[3].find("fitler").unwrap()].chars().count(),
            lines[4][..caret].chars().count(),
            "{text}"
        );
        // A span longer than the window gets carets up to the cut, not beyond.
        let d = Diagnostic::new(Span::new(0, src.len()), "too deep");
        let text = render(&d, &src, None, false);
        assert!(text.len() < 1_000, "{} bytes", text.len());
    }

    #[test]
    fn odd_spans_and_sources_still_draw() {
        let cases: [(&str, usize, usize); 6] = [
            ("", 0, 0),
            ("r.expr(", 7, 7),
            ("a\r\nr.tabel(1)\r\n", 5, 10),
            ("x\u{7}y\u{1b}[31mz", 1, 6),
            ("r.expr(1)\n", 10, 10),
            ("é", 1, 2),
        ];
        for (src, start, end) in cases {
            let d = Diagnostic::new(Span::new(start, end), "m").with_help("h");
            let text = render(&d, src, Some(("f", 0)), false);
            assert!(text.starts_with("error: m\n"), "{src:?}: {text}");
            assert!(text.contains("= help: h"), "{src:?}: {text}");
        }
    }

    #[test]
    fn line_offset_shifts_the_reported_line() {
        let d = Diagnostic::new(Span::new(0, 1), "x");
        assert!(render(&d, "a", Some(("f", 9)), false).contains("f:10:1"));
    }
}
