//! Error reports: compile and server errors shown with the statement and carets under the
//! failing part, `file:line:col` when the source is a file.

use crate::protocol::ServerError;
use crate::reql::{Diagnostic, Query, Span};

/// Where a source text came from, for `--> file:line:col`.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The whole text the statement is part of.
    pub text: &'a str,
    /// A file name, when there is one.
    pub file: Option<&'a str>,
    /// Lines of the file before `text` (a file is read in chunks).
    pub line_offset: usize,
}

impl<'a> Source<'a> {
    /// A whole text, maybe from a file.
    pub fn new(text: &'a str, file: Option<&'a str>) -> Self {
        Source {
            text,
            file,
            line_offset: 0,
        }
    }

    fn render(&self, diagnostic: &Diagnostic, styled: bool) -> String {
        super::carets::render(
            diagnostic,
            self.text,
            self.file.map(|f| (f, self.line_offset)),
            styled,
        )
    }
}

fn shifted(span: Span, by: usize) -> Span {
    Span::new(span.start + by, span.end + by)
}

/// The compile errors of the statement that starts at byte `at` of the source.
pub fn compile_errors(
    source: Source<'_>,
    at: usize,
    diagnostics: &[Diagnostic],
    styled: bool,
) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.span = shifted(d.span, at);
            source.render(&d, styled)
        })
        .collect()
}

/// A server error for the query compiled from the statement at byte `at`: its class and
/// message, and carets under the sub-term its backtrace points at.
pub fn server_error(
    source: Source<'_>,
    at: usize,
    query: &Query,
    error: &ServerError,
    styled: bool,
) -> String {
    let span = query.span_of(&error.backtrace_json());
    let d = Diagnostic::new(
        shifted(span, at),
        format!("{}: {}", error.class_name(), error.message),
    );
    source.render(&d, styled)
}

/// A one-line error (connection failures, refusals, meta-command mistakes).
pub fn plain(message: &str, styled: bool) -> String {
    if styled {
        format!("\x1b[1;31merror\x1b[0m\x1b[1m: {message}\x1b[0m\n")
    } else {
        format!("error: {message}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorType, Frame, ResponseType};
    use crate::reql::compile_query;

    #[test]
    fn server_error_carets_under_the_failing_sub_term() {
        let text = "r.expr(1)\nr.db('test').table('nope').count()\n";
        let at = text.find("r.db").unwrap_or(0);
        let stmt = &text[at..text.len() - 1];
        let query = compile_query(stmt).unwrap_or_else(|e| panic!("{e:?}"));
        let error = ServerError {
            response_type: ResponseType::RuntimeError,
            error_type: Some(ErrorType::OpFailed),
            message: "Table `test.nope` does not exist.".into(),
            backtrace: vec![Frame::Pos(0)],
        };
        let out = server_error(
            Source::new(text, Some("fix.reql")),
            at,
            &query,
            &error,
            false,
        );
        assert!(
            out.contains("ReqlOpFailedError: Table `test.nope` does not exist."),
            "{out}"
        );
        assert!(out.contains("--> fix.reql:2:1"), "{out}");
        assert!(
            out.contains(
                "2 | r.db('test').table('nope').count()\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            ),
            "{out}"
        );
    }
}
