//! Colours: the syntect theme that highlights queries, and the UI palette derived from it.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};
use syntect::highlighting::{Theme, ThemeSet};

use crate::render::{Rgb, Scope, Styles};

/// The theme a `[ui] theme` setting names: a built-in or syntect theme by name, or a
/// `.tmTheme` file (read here, its stem the theme's name).
pub fn load_theme(name_or_path: &str) -> Result<crate::render::Theme, crate::render::ThemeError> {
    use crate::render::{Theme as RenderTheme, ThemeError};
    if !RenderTheme::names_a_file(name_or_path) {
        return RenderTheme::by_name(name_or_path);
    }
    let path = std::path::Path::new(name_or_path);
    let bytes = std::fs::read(path).map_err(|source| ThemeError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    RenderTheme::from_tmtheme(&name, &bytes)
}

/// syntect's bundled `base16-ocean.dark` (an empty theme if that is ever missing); the app
/// itself uses [`crate::render::Theme`] (`rdbsh-dark` unless `[ui] theme` says otherwise).
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
    /// Token styles for result rows (keys, strings, numbers...).
    pub tokens: Styles,
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
            tokens: Styles::plain(),
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

    /// The palette of one of render's themes: its UI colours and its token styles.
    pub fn from_render(theme: &crate::render::Theme) -> Palette {
        let rgb = |c: Rgb| Color::Rgb(c.0, c.1, c.2);
        let p = theme.palette();
        let base = Palette::from_theme(theme.syntect());
        Palette {
            fg: rgb(p.foreground),
            dim: rgb(p.muted),
            accent: rgb(p.accent),
            border: rgb(p.muted),
            selection: rgb(p.selection),
            error: rgb(p.error),
            warn: rgb(p.warning),
            tokens: theme.styles(),
            ..base
        }
    }

    /// The ratatui style of one of render's token styles.
    pub fn token(&self, scope: Scope) -> Style {
        let s = self.tokens.get(scope);
        let mut style = Style::default();
        if let Some(c) = s.fg {
            style = style.fg(Color::Rgb(c.0, c.1, c.2));
        }
        if s.bold {
            style = style.add_modifier(Modifier::BOLD);
        }
        if s.italic {
            style = style.add_modifier(Modifier::ITALIC);
        }
        if s.underline {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        style
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
