//! Neutral styles, the token scopes the renderers emit, and themes loaded from `.tmTheme` files.

use std::io::Cursor;
use std::str::FromStr;

use syntect::highlighting::{
    Color, FontStyle, Highlighter, Style as SynStyle, Theme as SynTheme, ThemeSet,
};
use syntect::parsing::Scope as SynScope;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl From<Color> for Rgb {
    fn from(c: Color) -> Self {
        Rgb(c.r, c.g, c.b)
    }
}

/// A terminal-neutral text style: the front ends convert it (ANSI here, ratatui in the TUI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Style {
    /// Foreground colour; `None` keeps the surrounding colour.
    pub fg: Option<Rgb>,
    /// Bold text.
    pub bold: bool,
    /// Italic text.
    pub italic: bool,
    /// Underlined text.
    pub underline: bool,
}

/// The escape sequence that ends any style written by [`Style::write_ansi`].
pub const ANSI_RESET: &str = "\x1b[0m";

impl Style {
    /// True when the style changes nothing, so no escape codes are needed.
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }

    /// Appends the SGR escape (truecolor) that starts this style; nothing for a plain style.
    pub fn write_ansi(&self, out: &mut String) {
        if self.is_plain() {
            return;
        }
        out.push_str("\x1b[");
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(';');
            }
            first = false;
        };
        if self.bold {
            sep(out);
            out.push('1');
        }
        if self.italic {
            sep(out);
            out.push('3');
        }
        if self.underline {
            sep(out);
            out.push('4');
        }
        if let Some(Rgb(r, g, b)) = self.fg {
            sep(out);
            // Hand-rolled digits: this runs for every token of coloured output.
            out.push_str("38;2;");
            push_u8(out, r);
            out.push(';');
            push_u8(out, g);
            out.push(';');
            push_u8(out, b);
        }
        out.push('m');
    }

    /// Appends `text` wrapped in this style's escapes (and a reset), or bare when plain.
    pub fn paint(&self, text: &str, out: &mut String) {
        if self.is_plain() || text.is_empty() {
            out.push_str(text);
        } else {
            self.write_ansi(out);
            out.push_str(text);
            out.push_str(ANSI_RESET);
        }
    }

    /// Converts a syntect style; the theme's default foreground becomes `None`.
    pub(crate) fn from_syntect_style(s: SynStyle, default_fg: Color) -> Style {
        Style {
            // The theme's default foreground is left to the surface (terminal or TUI palette).
            fg: (s.foreground != default_fg).then(|| s.foreground.into()),
            bold: s.font_style.contains(FontStyle::BOLD),
            italic: s.font_style.contains(FontStyle::ITALIC),
            underline: s.font_style.contains(FontStyle::UNDERLINE),
        }
    }
}

fn push_u8(out: &mut String, v: u8) {
    if v >= 100 {
        out.push(char::from(b'0' + v / 100));
    }
    if v >= 10 {
        out.push(char::from(b'0' + (v / 10) % 10));
    }
    out.push(char::from(b'0' + v % 10));
}

/// What a rendered token is; each maps to a TextMate scope stack that the theme styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Indentation and spaces.
    Plain,
    /// An object key.
    Key,
    /// A string value.
    String,
    /// A number.
    Number,
    /// `true`, `false`, `null`.
    Constant,
    /// Braces, brackets, commas and colons.
    Punctuation,
    /// A readable pseudo-type: a time, binary, geometry.
    Pseudo,
    /// A table header cell.
    Header,
    /// Table rules and truncation marks.
    Muted,
}

impl Scope {
    /// Every scope, in [`Scope::index`] order.
    pub const ALL: [Scope; 9] = [
        Scope::Plain,
        Scope::Key,
        Scope::String,
        Scope::Number,
        Scope::Constant,
        Scope::Punctuation,
        Scope::Pseudo,
        Scope::Header,
        Scope::Muted,
    ];

    /// Position in [`Scope::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The TextMate scope stack, outermost first; the last entry is the most specific.
    pub fn stack(self) -> &'static [&'static str] {
        match self {
            Scope::Plain => &["source.json"],
            // The property-name scope is innermost so themes that colour it beat plain `string`.
            Scope::Key => &[
                "source.json",
                "meta.mapping.key.json",
                "string.quoted.double.json",
                "support.type.property-name.json",
            ],
            Scope::String => &["source.json", "string.quoted.double.json"],
            Scope::Number => &["source.json", "constant.numeric.json"],
            Scope::Constant => &["source.json", "constant.language.json"],
            Scope::Punctuation => &["source.json", "punctuation.separator.json"],
            Scope::Pseudo => &["source.json", "constant.other.reql"],
            Scope::Header => &["source.json", "markup.heading.reql"],
            Scope::Muted => &["source.json", "comment.other.reql"],
        }
    }

    /// The most specific scope name, e.g. `constant.numeric.json`.
    pub fn name(self) -> &'static str {
        let stack = self.stack();
        stack[stack.len() - 1]
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::dark()
    }
}

/// One style per [`Scope`], resolved once from a theme so rendering never matches selectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Styles([Style; Scope::ALL.len()]);

impl Styles {
    /// No styling at all (`--no-color`, `NO_COLOR`).
    pub fn plain() -> Styles {
        Styles::default()
    }

    /// The style for a token scope.
    pub fn get(&self, scope: Scope) -> Style {
        self.0[scope.index()]
    }

    /// True when every scope is plain, so output carries no escapes.
    pub fn is_plain(&self) -> bool {
        self.0.iter().all(Style::is_plain)
    }
}

/// [`Styles`] turned into escape sequences once, for writing many tokens quickly.
#[derive(Debug, Clone, Default)]
pub struct Painter {
    prefixes: [String; Scope::ALL.len()],
}

impl Painter {
    /// Pre-renders the escape of every scope's style.
    pub fn new(styles: &Styles) -> Painter {
        let mut painter = Painter::default();
        for scope in Scope::ALL {
            styles
                .get(scope)
                .write_ansi(&mut painter.prefixes[scope.index()]);
        }
        painter
    }

    /// Appends `text` styled as `scope` (bare when that style is plain).
    pub fn paint(&self, scope: Scope, text: &str, out: &mut String) {
        let prefix = &self.prefixes[scope.index()];
        if prefix.is_empty() || text.is_empty() {
            out.push_str(text);
        } else {
            out.push_str(prefix);
            out.push_str(text);
            out.push_str(ANSI_RESET);
        }
    }
}

/// The colours the TUI draws its chrome with, derived from the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Pane background.
    pub background: Rgb,
    /// Default text.
    pub foreground: Rgb,
    /// Selected line or cell background.
    pub selection: Rgb,
    /// Focus, titles, the active pane border.
    pub accent: Rgb,
    /// Error messages and underlines.
    pub error: Rgb,
    /// Warnings.
    pub warning: Rgb,
    /// Hints, borders, secondary text.
    pub muted: Rgb,
}

/// Names of the themes built into the binary.
pub const BUILTIN_THEMES: [&str; 2] = ["rdbsh-dark", "rdbsh-light"];

const DARK_TMTHEME: &[u8] = include_bytes!("../../themes/rdbsh-dark.tmTheme");
const LIGHT_TMTHEME: &[u8] = include_bytes!("../../themes/rdbsh-light.tmTheme");

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// No built-in theme has this name.
    #[error(
        "unknown theme `{0}`: use rdbsh-dark, rdbsh-light, a syntect default theme name or a path to a .tmTheme file"
    )]
    Unknown(String),
    /// The file could not be read.
    #[error("cannot read theme file {path}: {source}")]
    Io {
        /// The path given.
        path: String,
        /// The read error.
        source: std::io::Error,
    },
    /// The content is not a valid `.tmTheme` plist.
    #[error("theme `{name}` is not a valid .tmTheme file: {source}")]
    Invalid {
        /// The theme name or path.
        name: String,
        /// What syntect reported.
        source: syntect::LoadingError,
    },
}

/// A syntax theme plus everything derived from it: token styles and the UI palette.
#[derive(Debug, Clone)]
pub struct Theme {
    name: String,
    syntect: SynTheme,
    styles: Styles,
    palette: Palette,
}

impl Theme {
    /// The default dark theme.
    pub fn dark() -> Theme {
        Theme::builtin("rdbsh-dark")
            .unwrap_or_else(|| Theme::from_syntect("fallback", SynTheme::default()))
    }

    /// The default light theme.
    pub fn light() -> Theme {
        Theme::builtin("rdbsh-light")
            .unwrap_or_else(|| Theme::from_syntect("fallback", SynTheme::default()))
    }

    /// One of [`BUILTIN_THEMES`], or `None`.
    pub fn builtin(name: &str) -> Option<Theme> {
        let bytes = match name {
            "rdbsh-dark" => DARK_TMTHEME,
            "rdbsh-light" => LIGHT_TMTHEME,
            _ => return None,
        };
        Theme::from_tmtheme(name, bytes).ok()
    }

    /// A theme by name: ours first, then syntect's bundled defaults (e.g. `base16-ocean.dark`).
    pub fn by_name(name: &str) -> Result<Theme, ThemeError> {
        if let Some(theme) = Theme::builtin(name) {
            return Ok(theme);
        }
        let mut defaults = ThemeSet::load_defaults();
        match defaults.themes.remove(name) {
            Some(t) => Ok(Theme::from_syntect(name, t)),
            None => Err(ThemeError::Unknown(name.to_owned())),
        }
    }

    /// Parses `.tmTheme` (plist XML) content.
    pub fn from_tmtheme(name: &str, bytes: &[u8]) -> Result<Theme, ThemeError> {
        let theme = ThemeSet::load_from_reader(&mut Cursor::new(bytes)).map_err(|source| {
            ThemeError::Invalid {
                name: name.to_owned(),
                source,
            }
        })?;
        Ok(Theme::from_syntect(name, theme))
    }

    /// True when a `[ui] theme` setting names a `.tmTheme` file rather than a theme: the
    /// front end reads the file and hands its content to [`Theme::from_tmtheme`] (render reads
    /// no files).
    pub fn names_a_file(name_or_path: &str) -> bool {
        name_or_path.contains(std::path::MAIN_SEPARATOR)
            || name_or_path.contains('/')
            || name_or_path.ends_with(".tmTheme")
    }

    /// Wraps an already loaded syntect theme.
    pub fn from_syntect(name: &str, syntect: SynTheme) -> Theme {
        let highlighter = Highlighter::new(&syntect);
        let default_fg = syntect.settings.foreground.unwrap_or(Color::WHITE);
        let mut styles = Styles::default();
        for scope in Scope::ALL {
            let stack = parse_stack(scope.stack());
            let style = highlighter.style_for_stack(&stack);
            styles.0[scope.index()] = Style::from_syntect_style(style, default_fg);
        }
        let palette = derive_palette(&syntect, &highlighter);
        Theme {
            name: name.to_owned(),
            syntect,
            styles,
            palette,
        }
    }

    /// The theme's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The underlying syntect theme (for highlighting source text).
    pub fn syntect(&self) -> &SynTheme {
        &self.syntect
    }

    /// Token styles, resolved once.
    pub fn styles(&self) -> Styles {
        self.styles
    }

    /// The UI palette.
    pub fn palette(&self) -> Palette {
        self.palette
    }

    /// The style of one of our token scopes.
    pub fn style_for(&self, scope: Scope) -> Style {
        self.styles.get(scope)
    }

    /// The style for any space-separated TextMate scope stack, e.g. `source.js string.quoted`.
    pub fn style_for_scopes(&self, scopes: &str) -> Style {
        let stack: Vec<SynScope> = scopes
            .split_whitespace()
            .filter_map(|s| SynScope::from_str(s).ok())
            .collect();
        let default_fg = self.syntect.settings.foreground.unwrap_or(Color::WHITE);
        Style::from_syntect_style(
            Highlighter::new(&self.syntect).style_for_stack(&stack),
            default_fg,
        )
    }
}

fn parse_stack(names: &[&str]) -> Vec<SynScope> {
    names
        .iter()
        .filter_map(|s| SynScope::from_str(s).ok())
        .collect()
}

fn derive_palette(theme: &SynTheme, highlighter: &Highlighter<'_>) -> Palette {
    let settings = &theme.settings;
    let foreground: Rgb = settings.foreground.map_or(Rgb(0xd0, 0xd0, 0xd0), Rgb::from);
    let background: Rgb = settings.background.map_or(Rgb(0x1c, 0x1c, 0x1c), Rgb::from);
    let default_fg = settings.foreground.unwrap_or(Color::WHITE);
    // A colour for a scope, or `None` when the theme leaves it at the default foreground.
    let scoped = |name: &str| -> Option<Rgb> {
        let style = highlighter.style_for_stack(&parse_stack(&[name]));
        (style.foreground != default_fg).then(|| style.foreground.into())
    };
    Palette {
        background,
        foreground,
        selection: settings
            .selection
            .or(settings.line_highlight)
            .map_or(Rgb(0x44, 0x44, 0x44), Rgb::from),
        accent: settings
            .accent
            .map(Rgb::from)
            .or_else(|| scoped("support.type.property-name.json"))
            .or_else(|| scoped("keyword"))
            .unwrap_or(Rgb(0x5f, 0xaf, 0xff)),
        error: scoped("invalid").unwrap_or(Rgb(0xe0, 0x40, 0x40)),
        warning: scoped("markup.changed")
            .or_else(|| scoped("invalid.deprecated"))
            .unwrap_or(Rgb(0xd0, 0xa0, 0x30)),
        muted: settings
            .gutter_foreground
            .map(Rgb::from)
            .or_else(|| scoped("comment"))
            .unwrap_or(Rgb(0x80, 0x80, 0x80)),
    }
}

/// Whether output may carry colour: not with `--no-color`, nor when `NO_COLOR` is set non-empty.
pub fn color_allowed(no_color_flag: bool, no_color_env: Option<&std::ffi::OsStr>) -> bool {
    !no_color_flag && no_color_env.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load_and_colour_json_tokens_apart() {
        for name in BUILTIN_THEMES {
            let theme = Theme::builtin(name).unwrap();
            let key = theme.style_for(Scope::Key);
            let string = theme.style_for(Scope::String);
            let number = theme.style_for(Scope::Number);
            assert!(
                key.fg.is_some() && string.fg.is_some() && number.fg.is_some(),
                "{name}"
            );
            assert_ne!(key.fg, string.fg, "{name}: keys and strings share a colour");
            assert_ne!(string.fg, number.fg, "{name}");
            assert!(theme.style_for(Scope::Header).bold, "{name}");
            assert_ne!(theme.palette().background, theme.palette().foreground);
        }
    }

    #[test]
    fn palette_comes_from_the_theme_file() {
        let p = Theme::dark().palette();
        assert_eq!(p.background, Rgb(0x1b, 0x1f, 0x27));
        assert_eq!(p.foreground, Rgb(0xd5, 0xd9, 0xe0));
        assert_eq!(p.selection, Rgb(0x2f, 0x3a, 0x4d));
        assert_eq!(p.accent, Rgb(0x5f, 0xb3, 0xd9));
        assert_eq!(p.error, Rgb(0xff, 0x5f, 0x5f));
        assert_eq!(p.warning, Rgb(0xe6, 0xb4, 0x50));
        assert_eq!(p.muted, Rgb(0x5c, 0x64, 0x78));
        let light = Theme::light().palette();
        assert_eq!(light.background, Rgb(0xfb, 0xfb, 0xf8));
        assert_eq!(light.error, Rgb(0xc6, 0x28, 0x28));
    }

    #[test]
    fn ansi_escapes_are_truecolor_and_reset() {
        let s = Style {
            fg: Some(Rgb(1, 2, 3)),
            bold: true,
            ..Style::default()
        };
        let mut out = String::new();
        s.paint("x", &mut out);
        assert_eq!(out, "\x1b[1;38;2;1;2;3mx\x1b[0m");
        let mut plain = String::new();
        Style::default().paint("x", &mut plain);
        assert_eq!(plain, "x");
    }

    #[test]
    fn no_color_rules() {
        assert!(color_allowed(false, None));
        assert!(!color_allowed(true, None));
        assert!(!color_allowed(false, Some(std::ffi::OsStr::new("1"))));
        assert!(color_allowed(false, Some(std::ffi::OsStr::new(""))));
    }

    #[test]
    fn themes_load_by_name_and_from_tmtheme_content() {
        assert!(Theme::by_name("base16-ocean.dark").is_ok());
        assert!(matches!(
            Theme::by_name("nope"),
            Err(ThemeError::Unknown(_))
        ));
        let light = include_bytes!("../../themes/rdbsh-light.tmTheme");
        let theme = Theme::from_tmtheme("mine", light).unwrap();
        assert_eq!(theme.name(), "mine");
        assert!(Theme::names_a_file("~/themes/mine.tmTheme"));
        assert!(Theme::names_a_file("mine.tmTheme"));
        assert!(!Theme::names_a_file("base16-ocean.dark"));
        assert!(matches!(
            Theme::from_tmtheme("junk", b"not a plist"),
            Err(ThemeError::Invalid { .. })
        ));
    }
}
