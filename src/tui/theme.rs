//! Colours: the syntect theme that highlights queries, and the UI palette derived from it.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};
use syntect::highlighting::{Theme, ThemeSet};

/// Stand-in syntax theme until the render layer supplies `themes/*.tmTheme`: syntect's bundled
/// `base16-ocean.dark` (an empty theme if that is ever missing).
pub fn default_syntax_theme() -> Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME
        .get_or_init(|| {
            let mut set = ThemeSet::load_defaults();
            set.themes.remove("base16-ocean.dark").unwrap_or_default()
        })
        .clone()
}

/// UI colours, taken from a syntax theme so panes and text agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub fg: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub selection: Color,
    pub bracket: Color,
    pub error: Color,
    pub ok: Color,
    pub warn: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            fg: Color::Reset,
            dim: Color::DarkGray,
            accent: Color::Cyan,
            border: Color::DarkGray,
            selection: Color::Rgb(0x4f, 0x5b, 0x66),
            bracket: Color::Rgb(0x65, 0x73, 0x7e),
            error: Color::Red,
            ok: Color::Green,
            warn: Color::Yellow,
        }
    }
}

impl Palette {
    /// The palette following `theme`'s foreground, selection and accent colours.
    pub fn from_theme(theme: &Theme) -> Palette {
        let rgb = |c: syntect::highlighting::Color| Color::Rgb(c.r, c.g, c.b);
        let s = &theme.settings;
        let base = Palette::default();
        Palette {
            fg: s.foreground.map_or(base.fg, rgb),
            dim: s.gutter_foreground.map_or(base.dim, rgb),
            accent: s.accent.or(s.caret).map_or(base.accent, rgb),
            border: s.gutter_foreground.map_or(base.border, rgb),
            selection: s.selection.map_or(base.selection, rgb),
            bracket: s
                .bracket_contents_foreground
                .or(s.line_highlight)
                .map_or(base.bracket, rgb),
            ..base
        }
    }

    /// A pane's frame: accented and thick when focused.
    pub fn pane_block(&self, title: &'static str, focused: bool) -> Block<'static> {
        let block = Block::bordered().title(title);
        if focused {
            block
                .border_type(BorderType::Thick)
                .border_style(Style::default().fg(self.accent))
                .title_style(
                    Style::default()
                        .fg(self.accent)
                        .add_modifier(Modifier::BOLD),
                )
        } else {
            block.border_style(Style::default().fg(self.border))
        }
    }
}
