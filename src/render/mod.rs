//! Rendering, pure: rows in, text or styled tokens out; no I/O beyond the writer handed in.
//!
//! - [`Renderer`] streams results in a [`Format`] into any `std::io::Write`.
//! - [`pretty_lines`] / [`pretty_window`] / [`LineIndex`] give the TUI styled lines for only
//!   the rows on screen; [`TreeNode`] is the tree view's model; [`table`] has the cells.
//! - [`Theme`] holds a syntect theme, the resolved token [`Styles`] and a UI [`Palette`];
//!   [`highlight_js`] colours query text.
//! - Numbers print as JavaScript prints them ([`js_number`]); pseudo-types readably ([`pseudo`]).

pub mod duration;
pub mod highlight;
pub mod json;
pub mod number;
pub mod pseudo;
pub mod renderer;
pub mod style;
pub mod table;
pub mod tree;

use std::fmt;
use std::str::FromStr;

pub use duration::{duration_text, secs_text};
pub use highlight::{
    highlight, highlight_ansi, highlight_js, highlight_js_ansi, preload as preload_syntaxes,
};
pub use json::{
    Line, LineIndex, Span, compact, pretty_line_count, pretty_line_count_raw, pretty_lines,
    pretty_window, write_compact, write_pretty, write_pretty_painted,
};
pub use number::{js_number, write_js_number};
pub use renderer::{Kind, RenderOptions, Renderer};
pub use style::{
    ANSI_RESET, BUILTIN_THEMES, Painter, Palette, Rgb, Scope, Style, Styles, Theme, ThemeError,
    color_allowed,
};
pub use table::{ColumnSet, TableWriter};
pub use tree::{TreeKey, TreeNode, VisibleNode};

/// Output formats, named as on the command line (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Indented, coloured, pseudo-types readable.
    #[default]
    Pretty,
    /// One JSON document per result.
    Json,
    /// One compact JSON row per line.
    Ndjson,
    /// Columns from the rows' keys.
    Table,
    /// Strings unquoted, other values as compact JSON, one per line.
    Raw,
}

impl Format {
    /// Every format, in the order the help lists them.
    pub const ALL: [Format; 5] = [
        Format::Pretty,
        Format::Json,
        Format::Ndjson,
        Format::Table,
        Format::Raw,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pretty => "pretty",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Table => "table",
            Format::Raw => "raw",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: use pretty, json, ndjson, table or raw")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Why rendering stopped.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The writer failed; a closed pipe shows up here as `BrokenPipe`.
    #[error("cannot write output: {0}")]
    Io(#[source] std::io::Error),
    /// A row was not valid JSON (the server or a caller sent something malformed).
    #[error("cannot render a row that is not valid json: {0}")]
    Json(#[from] serde_json::Error),
}

impl RenderError {
    /// True when the reader went away (`| head`): the caller should stop quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, RenderError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("NDJSON".parse::<Format>(), Ok(Format::Ndjson));
        assert_eq!(
            "yaml".parse::<Format>().unwrap_err().to_string(),
            "unknown format `yaml`: use pretty, json, ndjson, table or raw"
        );
    }
}
