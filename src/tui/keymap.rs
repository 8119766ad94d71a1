//! Every key binding in one table: defaults embedded from `keymap.toml`, the config file's
//! `[keys]` table merged command by command; the help overlay and the status-bar hints are
//! generated from it.

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Pane;

/// The embedded default bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("keymap.toml");

/// Something a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Run,
    RunAll,
    Cancel,
    Quit,
    FocusNext,
    FocusPrev,
    Help,
    Suspend,
    ExternalEditor,
    HistoryPrev,
    HistoryNext,
    HistorySearch,
    Complete,
    Copy,
    ToggleView,
    ToggleLive,
    ToggleProfile,
    ToggleLang,
    CopyAsJs,
    CopyAsPython,
    Close,
    Open,
    Filter,
    Count,
    InsertSkeleton,
    UseDatabase,
    RefreshBrowser,
    DropTable,
    Reconfigure,
    Rebalance,
    WaitTable,
    Expand,
    ViewValue,
    ToggleWrap,
    NextTab,
    PrevTab,
    CloseTab,
    PauseFeed,
    FeedOrder,
    Export,
    SystemViews,
    KillJob,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

/// Where a command applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Browser,
    Results,
    /// Browser and results.
    List,
    /// The system views (jobs, current issues, server status), while one is shown.
    System,
    /// The profile panel beside the rows (help heading only: the results' keys act there).
    ProfilePanel,
}

impl Scope {
    /// Heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Browser => "Browser",
            Scope::Results => "Results",
            Scope::List => "Lists",
            Scope::System => "System views",
            Scope::ProfilePanel => "Profile panel (Tab from the rows)",
        }
    }

    fn applies_to(self, pane: Pane) -> bool {
        match self {
            Scope::Global => true,
            Scope::Browser => pane == Pane::Browser,
            Scope::Results => pane == Pane::Results,
            Scope::List => matches!(pane, Pane::Browser | Pane::Results),
            // Only while a system view is shown; see `Keymap::system_command`.
            Scope::System | Scope::ProfilePanel => false,
        }
    }

    fn overlaps(self, other: Scope) -> bool {
        [Pane::Browser, Pane::Editor, Pane::Results]
            .into_iter()
            .any(|p| self.applies_to(p) && other.applies_to(p))
    }
}

/// Each command: its name in `keymap.toml`, where it applies, its line in the help and its
/// word or two in the status-bar hints; in help order.
#[rustfmt::skip]
const COMMANDS: [(Command, &str, Scope, &str, &str); 50] = {
    use Scope::*;
    [
        (Command::Run, "run", Global, "run the selection or the statement at the cursor", "run"),
        (Command::RunAll, "run_all", Global, "run every statement in the editor", "run all"),
        (Command::Cancel, "cancel", Global, "stop the running query (STOP)", "stop"),
        (Command::Quit, "quit", Global, "quit (asks when a query is running)", "quit"),
        (Command::FocusNext, "focus_next", Global, "focus the next pane", "pane"),
        (Command::FocusPrev, "focus_prev", Global, "focus the previous pane", "pane"),
        (Command::Help, "help", Global, "show or hide this help", "help"),
        (Command::Suspend, "suspend", Global, "suspend to the shell (fg resumes)", "suspend"),
        (Command::ExternalEditor, "external_editor", Global, "edit the query in $EDITOR", "$EDITOR"),
        (Command::HistoryPrev, "history_prev", Global, "previous query from history", "older"),
        (Command::HistoryNext, "history_next", Global, "next query from history", "newer"),
        (Command::HistorySearch, "history_search", Global, "search the history", "history"),
        (Command::Complete, "complete", Global, "complete the name at the cursor (also after a dot)", "complete"),
        (Command::Copy, "copy", Global, "copy the selected row (OSC 52)", "copy"),
        (Command::ToggleView, "toggle_view", Global, "results view: tree, table, raw", "view"),
        (Command::ToggleLive, "toggle_live", Global, "run queries as changefeeds (live)", "live"),
        (Command::ToggleProfile, "toggle_profile", Global, "run queries with profile: true", "profile"),
        (Command::ToggleLang, "toggle_lang", Global, "read queries as JavaScript or as Python", "lang"),
        (Command::CopyAsJs, "copy_as_js", Global, "copy the query as JavaScript (OSC 52)", "as js"),
        (Command::CopyAsPython, "copy_as_python", Global, "copy the query as Python (OSC 52)", "as py"),
        (Command::Close, "close", Global, "close the popup or clear the message", "close"),
        (Command::Open, "open", Browser, "open the table (or expand the database)", "open"),
        (Command::Filter, "filter", Browser, "filter by name as you type", "filter"),
        (Command::Count, "count", Browser, "count the table's documents", "count"),
        (Command::InsertSkeleton, "insert_skeleton", Browser, "put an insert on the table (its primary key named) on a new editor line", "insert"),
        (Command::UseDatabase, "use_database", Browser, "make the selected database the default (as .use DB)", "use db"),
        (Command::RefreshBrowser, "refresh_browser", Browser, "reload databases and tables", "refresh"),
        (Command::DropTable, "drop_table", Browser, "drop the table (asks for its name to be typed)", "drop"),
        (Command::Reconfigure, "reconfigure", Browser, "reconfigure the table: shards and replicas, its dry run shown before asking", "reconfigure"),
        (Command::Rebalance, "rebalance", Browser, "rebalance the table's shards (asks first)", "rebalance"),
        (Command::WaitTable, "wait_table", Browser, "wait for the table to be ready (replica states in the cluster node)", "wait"),
        (Command::Expand, "expand", Results, "expand or collapse the selected row", "expand"),
        (Command::ViewValue, "view_value", Results, "the selected value whole, pretty-printed, in a scrollable viewer", "view"),
        (Command::ToggleWrap, "toggle_wrap", Results, "raw view: wrap long rows, or scroll them sideways", "wrap"),
        (Command::NextTab, "next_tab", Results, "next result tab", "tab"),
        (Command::PrevTab, "prev_tab", Results, "previous result tab", "tab"),
        (Command::CloseTab, "close_tab", Results, "close the result tab (stops its query)", "close tab"),
        (Command::PauseFeed, "pause_feed", Results, "pause or resume a changefeed", "pause"),
        (Command::FeedOrder, "feed_order", Results, "changefeed: newest first or tail", "order"),
        (Command::Export, "export", Results, "export the result to a file: .json, .ndjson or .csv by its name", "export"),
        (Command::SystemViews, "system_views", Global, "system views: jobs, current issues, server status (again: next view)", "system"),
        (Command::KillJob, "kill_job", System, "kill the selected job (asks first)", "kill"),
        (Command::Up, "up", List, "move up", "up"),
        (Command::Down, "down", List, "move down", "down"),
        (Command::Left, "left", List, "collapse / scroll left", "left"),
        (Command::Right, "right", List, "expand / scroll right", "right"),
        (Command::PageUp, "page_up", List, "page up", "page up"),
        (Command::PageDown, "page_down", List, "page down", "page down"),
        (Command::Top, "top", List, "first row", "top"),
        (Command::Bottom, "bottom", List, "last row", "bottom"),
    ]
};

impl Command {
    /// Every command, in help order.
    pub const ALL: [Command; 50] = {
        let mut all = [Command::Run; 50];
        let mut i = 0;
        while i < COMMANDS.len() {
            all[i] = COMMANDS[i].0;
            i += 1;
        }
        all
    };

    /// The name used in `keymap.toml` and the config file.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// Where the command applies.
    pub fn scope(self) -> Scope {
        self.info().1
    }

    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        self.info().2
    }

    /// A word or two for the status-bar hints.
    pub fn hint(self) -> &'static str {
        self.info().3
    }

    fn info(self) -> (&'static str, Scope, &'static str, &'static str) {
        COMMANDS.iter().find(|row| row.0 == self).map_or(
            ("", Scope::Global, "", ""),
            |&(_, name, scope, what, hint)| (name, scope, what, hint),
        )
    }

    /// The command called `name` in the keymap file.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One key with its modifiers, normalised so that a parsed binding equals the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event: shift is part of a character (`G`) and of BackTab.
    pub fn from_event(event: &KeyEvent) -> Key {
        Key::normalised(event.code, event.modifiers)
    }

    fn normalised(code: KeyCode, modifiers: KeyModifiers) -> Key {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Key { code, modifiers }
    }

    /// Parses `ctrl-enter`, `alt-up`, `shift-tab`, `f5`, `?`, `G`.
    pub fn parse(spec: &str) -> Result<Key, KeymapError> {
        let bad = || KeymapError::BadKey(spec.to_owned());
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = spec.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, flag) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break;
            }
            modifiers |= flag;
            rest = &rest[prefix.len()..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            f if f.len() > 1 && f.starts_with('f') => {
                let n: u8 = f[1..].parse().map_err(|_| bad())?;
                if !(1..=24).contains(&n) {
                    return Err(bad());
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        let c = if modifiers.contains(KeyModifiers::SHIFT) {
                            c.to_ascii_uppercase()
                        } else if modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                            // Terminals report ctrl-r as a lower-case r.
                            c.to_ascii_lowercase()
                        } else {
                            c
                        };
                        KeyCode::Char(c)
                    }
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Key::normalised(code, modifiers))
    }

    /// True for keys that type or edit text (no ctrl or alt, not a function key, Esc or Tab).
    pub fn is_typing(self) -> bool {
        if self
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        !matches!(
            self.code,
            KeyCode::F(_) | KeyCode::Esc | KeyCode::Tab | KeyCode::BackTab
        )
    }

    /// Short label for hints: `^R`, `F5`, `M-Up`.
    pub fn short_label(self) -> String {
        let mut s = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            s.push('^');
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            s.push_str("M-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            s.push_str("S-");
        }
        match self.code {
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) && c != ' ' => {
                s.push(c.to_ascii_uppercase())
            }
            code => s.push_str(&code_label(code)),
        }
        s
    }
}

fn code_label(code: KeyCode) -> String {
    match code {
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    }
}

impl fmt::Display for Key {
    /// Long label for the help overlay: `Ctrl-Enter`, `Alt-Up`, `?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        let ctrl_char = self.modifiers.contains(KeyModifiers::CONTROL);
        match self.code {
            KeyCode::Char(c) if ctrl_char && c != ' ' => write!(f, "{}", c.to_ascii_uppercase()),
            code => f.write_str(&code_label(code)),
        }
    }
}

/// A bad `[keys]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "unknown key {0:?} in [keys]; use names like ctrl-r, alt-enter, f5, pageup or one character"
    )]
    BadKey(String),
    #[error("unknown command {0:?} in [keys]; see the help overlay (F1) for command names")]
    UnknownCommand(String),
    #[error(
        "[keys] {0} must be a key or a list of keys, like \"ctrl-r\" or [\"f5\", \"alt-enter\"]"
    )]
    BadValue(String),
    #[error("the built-in keymap is damaged: {0}")]
    Defaults(String),
}

/// The bindings: for each command, its keys in preference order (the first is shown in hints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Command, Vec<Key>)>,
}

impl Keymap {
    /// The embedded defaults.
    pub fn defaults() -> Result<Keymap, KeymapError> {
        let table: toml::Table =
            toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError::Defaults(e.to_string()))?;
        let keys = match table.get("keys") {
            Some(toml::Value::Table(keys)) => keys.clone(),
            _ => return Err(KeymapError::Defaults("no [keys] table".into())),
        };
        let mut keymap = Keymap {
            bindings: Command::ALL.iter().map(|&c| (c, Vec::new())).collect(),
        };
        for (name, value) in &keys {
            let command = Command::from_name(name)
                .ok_or_else(|| KeymapError::Defaults(format!("unknown command {name}")))?;
            let parsed = parse_keys(name, value)?;
            keymap.set(command, parsed);
        }
        Ok(keymap)
    }

    /// The defaults with the config file's `[keys]` table merged in, command by command.
    pub fn with_overrides(user: &toml::Table) -> Result<Keymap, KeymapError> {
        let mut keymap = Keymap::defaults()?;
        keymap.merge(user)?;
        Ok(keymap)
    }

    /// Merges a `[keys]` table: each command named there gets exactly the keys given, and those
    /// keys are taken away from other commands where both would apply.
    pub fn merge(&mut self, user: &toml::Table) -> Result<(), KeymapError> {
        // Validate everything first so that a bad table changes nothing.
        let mut parsed = Vec::new();
        for (name, value) in user {
            let command = Command::from_name(name)
                .ok_or_else(|| KeymapError::UnknownCommand(name.clone()))?;
            parsed.push((command, parse_keys(name, value)?));
        }
        for (command, keys) in parsed {
            for key in &keys {
                for (other, other_keys) in &mut self.bindings {
                    if *other != command && other.scope().overlaps(command.scope()) {
                        other_keys.retain(|k| k != key);
                    }
                }
            }
            self.set(command, keys);
        }
        Ok(())
    }

    fn set(&mut self, command: Command, keys: Vec<Key>) {
        if let Some((_, slot)) = self.bindings.iter_mut().find(|(c, _)| *c == command) {
            *slot = keys;
        }
    }

    /// The keys bound to `command`.
    pub fn keys(&self, command: Command) -> &[Key] {
        self.bindings
            .iter()
            .find(|(c, _)| *c == command)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// The command `event` triggers in `pane`; `typing` when the focus is a text input, where
    /// keys that type (see [`Key::is_typing`]) are left to the input.
    pub fn command(&self, event: &KeyEvent, pane: Pane, typing: bool) -> Option<Command> {
        let key = Key::from_event(event);
        if typing && key.is_typing() {
            return None;
        }
        // Pane commands before global ones, so a pane can give a key its own meaning.
        let mut found = None;
        for (command, keys) in &self.bindings {
            if command.scope().applies_to(pane) && keys.contains(&key) {
                if command.scope() != Scope::Global {
                    return Some(*command);
                }
                found.get_or_insert(*command);
            }
        }
        found
    }

    /// The command `event` triggers while a system view is shown: the view's own commands
    /// first, then those of a list (moving) and the global ones.
    pub fn system_command(&self, event: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(event);
        self.bindings
            .iter()
            .find(|(c, keys)| c.scope() == Scope::System && keys.contains(&key))
            .map(|(c, _)| *c)
            .or_else(|| self.command(event, Pane::Results, false))
    }

    /// The help overlay's content: per scope, each command with its keys (unbound ones too).
    pub fn help(&self) -> Vec<(Scope, Vec<(String, &'static str)>)> {
        let mut sections: Vec<(Scope, Vec<(String, &'static str)>)> = Vec::new();
        for scope in [
            Scope::Global,
            Scope::Browser,
            Scope::Results,
            Scope::List,
            Scope::System,
        ] {
            let rows = self
                .bindings
                .iter()
                .filter(|(c, _)| c.scope() == scope)
                .map(|(c, keys)| {
                    let label = if keys.is_empty() {
                        "(unbound)".to_owned()
                    } else {
                        keys.iter()
                            .map(Key::to_string)
                            .collect::<Vec<_>>()
                            .join(" / ")
                    };
                    (label, c.description())
                })
                .collect();
            sections.push((scope, rows));
        }
        // The profile panel has no commands of its own: the results' keys act on it.
        let panel = [
            (vec![Command::Up, Command::Down], "move"),
            (vec![Command::Expand], "collapse or expand the task"),
            (vec![Command::Left, Command::Right], "close / open the task"),
        ]
        .into_iter()
        .map(|(commands, what)| {
            let keys: Vec<String> = commands
                .iter()
                .flat_map(|c| self.keys(*c).iter().map(Key::to_string))
                .collect();
            (keys.join(" / "), what)
        })
        .collect();
        sections.push((Scope::ProfilePanel, panel));
        sections
    }

    /// Status-bar hints for `pane`: the first key of each command worth showing there.
    pub fn hints(&self, pane: Pane) -> Vec<(String, &'static str)> {
        let commands: &[Command] = match pane {
            Pane::Editor => &[
                Command::Run,
                Command::HistorySearch,
                Command::ExternalEditor,
                Command::FocusNext,
                Command::Help,
                Command::Quit,
            ],
            Pane::Results => &[
                Command::ToggleView,
                Command::Copy,
                Command::Expand,
                Command::Cancel,
                Command::Help,
                Command::Quit,
            ],
            Pane::Browser => &[
                Command::Open,
                Command::Filter,
                Command::Count,
                Command::InsertSkeleton,
                Command::Help,
                Command::Quit,
            ],
        };
        commands
            .iter()
            .filter_map(|&c| {
                // A hint is only useful with a key that works in this pane.
                let typing = pane == Pane::Editor;
                let key = self.keys(c).iter().find(|k| !(typing && k.is_typing()))?;
                Some((key.short_label(), c.hint()))
            })
            .collect()
    }
}

fn parse_keys(name: &str, value: &toml::Value) -> Result<Vec<Key>, KeymapError> {
    match value {
        toml::Value::String(s) => Ok(vec![Key::parse(s)?]),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => Key::parse(s),
                _ => Err(KeymapError::BadValue(name.to_owned())),
            })
            .collect(),
        _ => Err(KeymapError::BadValue(name.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn parses_key_specs() {
        let k = |s| Key::parse(s).unwrap();
        assert_eq!(
            k("ctrl-enter"),
            Key {
                code: KeyCode::Enter,
                modifiers: KeyModifiers::CONTROL
            }
        );
        assert_eq!(
            k("Ctrl-R"),
            Key {
                code: KeyCode::Char('r'),
                modifiers: KeyModifiers::CONTROL
            }
        );
        assert_eq!(
            k("shift-tab"),
            Key {
                code: KeyCode::BackTab,
                modifiers: KeyModifiers::NONE
            }
        );
        assert_eq!(k("shift-g"), k("G"));
        assert_eq!(k("f12").code, KeyCode::F(12));
        assert_eq!(k("?").code, KeyCode::Char('?'));
        assert_eq!(k("-").code, KeyCode::Char('-'));
        assert!(Key::parse("ctrl-banana").is_err());
        assert!(Key::parse("f99").is_err());
    }

    #[test]
    fn help_tells_the_profile_panel_keys_from_the_results_bindings() {
        let km = Keymap::defaults().unwrap();
        let help = km.help();
        let (scope, rows) = help.last().unwrap();
        assert_eq!(*scope, Scope::ProfilePanel);
        assert_eq!(rows[0], ("Up / k / Down / j".to_owned(), "move"));
        assert_eq!(rows[1].0, "Enter / Space");
        // A rebinding shows there too.
        let user: toml::Table = toml::from_str("expand = \"e\"").unwrap();
        let km = Keymap::with_overrides(&user).unwrap();
        assert_eq!(km.help().last().unwrap().1[1].0, "e");
    }

    #[test]
    fn labels_name_every_key() {
        let k = |s| Key::parse(s).unwrap();
        assert_eq!(k("ctrl-space").to_string(), "Ctrl-Space");
        assert_eq!(k("ctrl-space").short_label(), "^Space");
        assert_eq!(k("ctrl-r").to_string(), "Ctrl-R");
        assert_eq!(k("ctrl-r").short_label(), "^R");
        assert_eq!(k("alt-up").to_string(), "Alt-Up");
        assert_eq!(k("?").to_string(), "?");
    }

    #[test]
    fn every_command_has_a_default_name_and_keymap_parses() {
        let km = Keymap::defaults().unwrap();
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(c));
            assert!(!km.keys(c).is_empty(), "{} has no default key", c.name());
        }
    }

    #[test]
    fn shift_and_backtab_events_match_their_bindings() {
        let km = Keymap::defaults().unwrap();
        let backtab = key(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            km.command(&backtab, Pane::Editor, true),
            Some(Command::FocusPrev)
        );
        let big_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            km.command(&big_g, Pane::Results, false),
            Some(Command::Bottom)
        );
    }
}
