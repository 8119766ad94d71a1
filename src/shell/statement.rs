//! A source text (a file, stdin, `-e`, the editor) cut into statements and meta-command lines.

use super::meta::{self, Meta};
use crate::reql::{Lang, Span, is_complete, split_statements};

/// One piece of a source text, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A ReQL statement (query or binding) at this byte range of the source.
    Code(Span),
    /// A meta-command line (or what is wrong with it) at this byte range.
    Meta(Span, Result<Meta, String>),
}

impl Item {
    /// Where the item is in the source.
    pub fn span(&self) -> Span {
        match self {
            Item::Code(span) | Item::Meta(span, _) => *span,
        }
    }
}

/// Cuts `src` into statements (the compiler's rules: top-level `;`, and line breaks that end a
/// complete expression unless the next line starts with `.`) and meta-command lines. A line
/// such as `.use app` is a meta-command only where no statement is left open above it.
pub fn items(src: &str) -> Vec<Item> {
    items_in(src, Lang::Js)
}

/// [`items`] for statements in `lang`; a `.lang` line switches the rules for the lines after
/// it, as it switches the compiler.
pub fn items_in(src: &str, mut lang: Lang) -> Vec<Item> {
    let mut out = Vec::new();
    let mut region_start = 0;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let Some(parsed) = meta::parse(line) else {
            continue;
        };
        let region = &src[region_start..line_start];
        if !complete_in(region, lang) {
            continue;
        }
        push_code(&mut out, region, region_start, lang);
        if let Ok(Meta::Lang(next)) = &parsed {
            lang = *next;
        }
        let text = line.trim_end();
        let lead = text.len() - text.trim_start().len();
        out.push(Item::Meta(
            Span::new(line_start + lead, line_start + text.len()),
            parsed,
        ));
        region_start = offset;
    }
    push_code(&mut out, &src[region_start..], region_start, lang);
    out
}

fn complete_in(src: &str, lang: Lang) -> bool {
    match lang {
        Lang::Js => is_complete(src),
        Lang::Python => crate::reql::python::is_complete(src),
    }
}

fn push_code(out: &mut Vec<Item>, region: &str, base: usize, lang: Lang) {
    let spans = match lang {
        Lang::Js => split_statements(region),
        Lang::Python => crate::reql::python::split_statements(region),
    };
    out.extend(
        spans
            .into_iter()
            .map(|s| Item::Code(Span::new(base + s.start, base + s.end))),
    );
}

/// 1-based line number of byte offset `at` in `src`.
pub fn line_of(src: &str, at: usize) -> usize {
    src.as_bytes()[..at.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        items(src)
            .iter()
            .map(|i| match i {
                Item::Code(s) => s.text(src).to_string(),
                Item::Meta(s, _) => format!("META {}", s.text(src)),
            })
            .collect()
    }

    #[test]
    fn one_query_per_line_and_chains_across_lines() {
        let src = "r.expr(1)\n// a comment\n\nr.table('t')\n  .filter({a: 1})\n  .count()\nr.expr(2); r.expr(3)\n";
        assert_eq!(
            texts(src),
            [
                "r.expr(1)",
                "r.table('t')\n  .filter({a: 1})\n  .count()",
                "r.expr(2)",
                "r.expr(3)"
            ]
        );
    }

    #[test]
    fn meta_lines_between_statements() {
        let src = ".use demo\nr.table('users').count()\n.format table\nr.table('users')\n";
        assert_eq!(
            texts(src),
            [
                "META .use demo",
                "r.table('users').count()",
                "META .format table",
                "r.table('users')"
            ]
        );
    }

    #[test]
    fn a_meta_looking_line_inside_an_open_statement_is_code() {
        let src = "r.expr([\n.use\n])\n";
        assert_eq!(texts(src).len(), 1);
    }

    #[test]
    fn line_numbers() {
        let src = "a\nb\nc";
        assert_eq!(line_of(src, 0), 1);
        assert_eq!(line_of(src, 2), 2);
        assert_eq!(line_of(src, 4), 3);
    }
}
