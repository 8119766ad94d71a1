//! Query text highlighted as JavaScript with syntect's bundled syntaxes and our theme.

use std::sync::OnceLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::Color;
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::style::{Style, Theme};
use crate::reql::Lang;

/// Loaded once: building the syntax set takes tens of milliseconds.
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn syntax(set: &SyntaxSet, lang: Lang) -> &SyntaxReference {
    let (name, ext) = match lang {
        Lang::Js => ("JavaScript", "js"),
        Lang::Python => ("Python", "py"),
    };
    set.find_syntax_by_name(name)
        .or_else(|| set.find_syntax_by_extension(ext))
        .unwrap_or_else(|| set.find_syntax_plain_text())
}

/// Loads the syntaxes now (e.g. on a background thread at startup) so the first keystroke is quick.
pub fn preload() {
    let _ = syntax_set();
}

/// `src` split into lines (without their line endings) of styled spans borrowed from `src`.
///
/// Lines are highlighted in order so that state (an open template string or comment) carries
/// across them. Should syntect fail on a line, that line and the rest come back unstyled.
pub fn highlight_js<'a>(src: &'a str, theme: &Theme) -> Vec<Vec<(Style, &'a str)>> {
    highlight(src, theme, Lang::Js)
}

/// [`highlight_js`] for query text in `lang`.
pub fn highlight<'a>(src: &'a str, theme: &Theme, lang: Lang) -> Vec<Vec<(Style, &'a str)>> {
    let set = syntax_set();
    let syn_theme = theme.syntect();
    let default_fg = syn_theme.settings.foreground.unwrap_or(Color::WHITE);
    let mut hl = HighlightLines::new(syntax(set, lang), syn_theme);
    let mut failed = false;
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(src) {
        let content = line.trim_end_matches(['\n', '\r']);
        let ranges = if failed {
            None
        } else {
            hl.highlight_line(line, set).ok()
        };
        let Some(ranges) = ranges else {
            failed = true;
            lines.push(if content.is_empty() {
                Vec::new()
            } else {
                vec![(Style::default(), content)]
            });
            continue;
        };
        let mut spans = Vec::with_capacity(ranges.len());
        let mut at = 0;
        for (style, piece) in ranges {
            // Spans borrow from `line`; clip them at the end of the content (the newline).
            let start = at;
            at += piece.len();
            let end = at.min(content.len());
            if start >= end {
                continue;
            }
            let text = &content[start..end];
            spans.push((Style::from_syntect_style(style, default_fg), text));
        }
        lines.push(spans);
    }
    lines
}

/// `src` highlighted with ANSI escapes (for a line editor or echoing a statement); line
/// breaks kept.
pub fn highlight_js_ansi(src: &str, theme: &Theme) -> String {
    highlight_ansi(src, theme, Lang::Js)
}

/// [`highlight_js_ansi`] for query text in `lang`.
pub fn highlight_ansi(src: &str, theme: &Theme, lang: Lang) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    for (i, line) in highlight(src, theme, lang).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (style, text) in line {
            style.paint(text, &mut out);
        }
    }
    if src.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::style::Scope;

    #[test]
    fn javascript_tokens_take_theme_colours() {
        let theme = Theme::dark();
        let lines = highlight_js("r.table('users')\n  .count() // n", &theme);
        assert_eq!(lines.len(), 2);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|(_, t)| *t).collect())
            .collect();
        assert_eq!(text, ["r.table('users')", "  .count() // n"]);
        let string = lines[0]
            .iter()
            .find(|(_, t)| t.contains("users"))
            .unwrap()
            .0;
        assert_eq!(string.fg, theme.style_for(Scope::String).fg);
        let comment = lines[1]
            .iter()
            .find(|(_, t)| t.starts_with("//"))
            .unwrap()
            .0;
        assert!(comment.italic, "comments are italic in rdbsh-dark");
    }

    #[test]
    fn ansi_form_keeps_the_text_and_line_breaks() {
        let theme = Theme::dark();
        let src = "r.expr('a')\n.count()\n";
        let out = highlight_js_ansi(src, &theme);
        assert!(out.contains("\x1b["));
        let mut stripped = String::new();
        let mut chars = out.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|&c| c == 'm');
            } else {
                stripped.push(c);
            }
        }
        assert_eq!(stripped, src);
    }

    #[test]
    fn empty_and_trailing_newline() {
        let theme = Theme::light();
        assert!(highlight_js("", &theme).is_empty());
        let lines = highlight_js("1\n", &theme);
        assert_eq!(lines.len(), 1);
    }
}
