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
    // Splitting lexes the region; one too large to compile is not lexed at all, but handed
    // whole to the compiler, which refuses it with its size.
    if crate::reql::program::too_many_elements(region).is_some() {
        out.push(Item::Code(Span::new(base, base + region.len())));
        return;
    }
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

/// Below this many bytes a source is read whole: one chunk, cut exactly as before.
const CHUNK: usize = 64 * 1024;

/// Part of a source text holding whole statements and meta-command lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The text, whole lines.
    pub text: String,
    /// Lines of the source before it (for `file:line:col`).
    pub line_offset: usize,
}

/// A file or stdin read as a stream of [`Chunk`]s of about [`CHUNK`] bytes, so memory follows
/// the longest statement rather than the file. A chunk ends only where [`items`] would cut the
/// whole text too: after a complete text, before a line that begins a statement (a name at
/// the start of the line) or is a meta-command.
pub struct Chunks<R> {
    reader: R,
    /// A line read but not yet part of a chunk.
    carry: String,
    lines: usize,
    /// The syntax whose statements the cuts respect (`.lang` changes it between chunks).
    lang: Lang,
}

impl<R: std::io::BufRead> Chunks<R> {
    /// Chunks of `reader`'s text (which must be UTF-8).
    pub fn new(reader: R) -> Self {
        Chunks {
            reader,
            carry: String::new(),
            lines: 0,
            lang: Lang::Js,
        }
    }

    /// Cuts later chunks where statements of `lang` end.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// The next chunk, `None` at the end.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        let mut text = std::mem::take(&mut self.carry);
        // `text[..complete]` ends where the whole text would be cut; only what follows is
        // checked again, and after a failed check (a long statement) not before it has
        // doubled, so reading stays linear.
        let (mut complete, mut retry_at) = (0, 0);
        loop {
            // Lines are read straight into the chunk: a statement of one huge line is held once.
            let start = text.len();
            if self.reader.read_line(&mut text)? == 0 {
                return Ok((!text.is_empty()).then(|| self.chunk(text)));
            }
            let cut_here = start >= retry_at
                && text[..start].ends_with('\n')
                && begins_statement(&text[start..]);
            if cut_here {
                if complete_in(&text[complete..start], self.lang) {
                    if start >= CHUNK {
                        self.carry = text.split_off(start);
                        return Ok(Some(self.chunk(text)));
                    }
                    (complete, retry_at) = (start, 0);
                } else {
                    retry_at = complete + 2 * (start - complete);
                }
            }
        }
    }

    /// [`Chunks::next_chunk`] with its error as the message to show; `name` is the input's.
    pub fn next_readable(&mut self, name: Option<&str>) -> Result<Option<Chunk>, String> {
        self.next_chunk().map_err(|e| {
            let name = name.unwrap_or("the query");
            format!("cannot read {name}: {e}; queries must be UTF-8 text")
        })
    }

    fn chunk(&mut self, text: String) -> Chunk {
        let line_offset = self.lines;
        self.lines += text.bytes().filter(|&b| b == b'\n').count();
        Chunk { text, line_offset }
    }
}

/// A line that cannot continue the statement above it: a name at its very start (a line
/// starting with `.`, an operator, a bracket or a space may continue one), or a meta-command.
fn begins_statement(line: &str) -> bool {
    line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        || (line.starts_with('.') && meta::parse(line).is_some())
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

    /// Cut into chunks, a long text gives the items the whole text gives, line numbers kept.
    #[test]
    fn chunks_cut_where_the_whole_text_is_cut() {
        let mut src = String::new();
        let mut n = 0;
        while src.len() < 5 * CHUNK {
            n += 1;
            src.push_str(&format!("r.expr({n})\n"));
            if n % 97 == 0 {
                src.push_str(".use demo\nr.table('t')\n  .filter({a: 1})\n.count()\n");
            }
            if n % 501 == 0 {
                // A statement longer than a chunk, its lines beginning with names.
                src.push_str("r.expr({\n");
                for i in 0..(CHUNK / 8) {
                    src.push_str(&format!("k{i}: {i},\n"));
                }
                src.push_str("})\n");
            }
        }
        let whole = texts(&src);
        let mut chunks = Chunks::new(src.as_bytes());
        let (mut cut, mut count, mut lines) = (Vec::new(), 0, 0);
        while let Some(chunk) = chunks.next_chunk().unwrap() {
            assert_eq!(chunk.line_offset, lines);
            lines += chunk.text.matches('\n').count();
            cut.extend(texts(&chunk.text));
            count += 1;
            // At most twice a chunk and the longest statement (checks wait for doubling).
            let longest = CHUNK / 8 * 14;
            assert!(
                chunk.text.len() < 2 * (CHUNK + longest),
                "{}",
                chunk.text.len()
            );
        }
        assert!(count >= 3, "{count} chunks");
        assert_eq!(cut, whole);
        assert_eq!(lines, src.matches('\n').count());
    }

    #[test]
    fn a_short_text_is_one_chunk() {
        let src = "r.expr(1)\nr.expr(2)";
        let mut chunks = Chunks::new(src.as_bytes());
        assert_eq!(
            chunks.next_chunk().unwrap(),
            Some(Chunk {
                text: src.to_owned(),
                line_offset: 0
            })
        );
        assert_eq!(chunks.next_chunk().unwrap(), None);
    }

    #[test]
    fn line_numbers() {
        let src = "a\nb\nc";
        assert_eq!(line_of(src, 0), 1);
        assert_eq!(line_of(src, 2), 2);
        assert_eq!(line_of(src, 4), 3);
    }
}
