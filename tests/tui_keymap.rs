//! Keymap: defaults, the config file's `[keys]` merged command by command, help and hints.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rdbsh::tui::Pane;
use rdbsh::tui::keymap::{Command, Key, Keymap, KeymapError, Scope};

fn keys(toml_text: &str) -> toml::Table {
    let doc: toml::Table = toml::from_str(toml_text).unwrap();
    match doc.get("keys") {
        Some(toml::Value::Table(t)) => t.clone(),
        _ => panic!("no [keys]"),
    }
}

fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, m)
}

#[test]
fn run_has_the_three_default_keys() {
    let km = Keymap::defaults().unwrap();
    for event in [
        ev(KeyCode::Enter, KeyModifiers::CONTROL),
        ev(KeyCode::F(5), KeyModifiers::NONE),
        ev(KeyCode::Enter, KeyModifiers::ALT),
    ] {
        assert_eq!(km.command(&event, Pane::Editor, true), Some(Command::Run));
    }
    // Plain Enter types a newline in the editor.
    assert_eq!(
        km.command(&ev(KeyCode::Enter, KeyModifiers::NONE), Pane::Editor, true),
        None
    );
}

#[test]
fn single_letter_keys_type_in_the_editor_and_act_elsewhere() {
    let km = Keymap::defaults().unwrap();
    let q = ev(KeyCode::Char('?'), KeyModifiers::NONE);
    let y = ev(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(km.command(&q, Pane::Editor, true), None);
    assert_eq!(km.command(&q, Pane::Results, false), Some(Command::Help));
    assert_eq!(km.command(&y, Pane::Editor, true), None);
    assert_eq!(km.command(&y, Pane::Results, false), Some(Command::Copy));
    let ctrl_y = ev(KeyCode::Char('y'), KeyModifiers::CONTROL);
    assert_eq!(km.command(&ctrl_y, Pane::Editor, true), Some(Command::Copy));
}

#[test]
fn pane_keys_apply_only_in_their_pane() {
    let km = Keymap::defaults().unwrap();
    let enter = ev(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        km.command(&enter, Pane::Browser, false),
        Some(Command::Open)
    );
    assert_eq!(
        km.command(&enter, Pane::Results, false),
        Some(Command::Expand)
    );
    let c = ev(KeyCode::Char('c'), KeyModifiers::NONE);
    assert_eq!(km.command(&c, Pane::Results, false), None);
}

#[test]
fn user_keys_replace_a_command_and_take_the_key_from_others() {
    let km = Keymap::with_overrides(&keys(
        "[keys]\nrun = \"f9\"\nhistory_search = [\"ctrl-e\"]\n",
    ))
    .unwrap();
    assert_eq!(km.keys(Command::Run), [Key::parse("f9").unwrap()]);
    let f5 = ev(KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(km.command(&f5, Pane::Editor, true), None);
    let ctrl_e = ev(KeyCode::Char('e'), KeyModifiers::CONTROL);
    assert_eq!(
        km.command(&ctrl_e, Pane::Editor, true),
        Some(Command::HistorySearch)
    );
    // external_editor lost ctrl-e; other commands are untouched.
    assert!(km.keys(Command::ExternalEditor).is_empty());
    assert_eq!(
        km.keys(Command::Quit),
        Keymap::defaults().unwrap().keys(Command::Quit)
    );
}

#[test]
fn a_key_moved_within_one_pane_leaves_other_panes_alone() {
    // `enter` for results' expand stays when the browser's count takes it.
    let km = Keymap::with_overrides(&keys("[keys]\ncount = \"enter\"\n")).unwrap();
    let enter = ev(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        km.command(&enter, Pane::Browser, false),
        Some(Command::Count)
    );
    assert_eq!(
        km.command(&enter, Pane::Results, false),
        Some(Command::Expand)
    );
}

#[test]
fn bad_tables_are_errors_that_change_nothing() {
    let err = Keymap::with_overrides(&keys("[keys]\nrunn = \"f9\"\n")).unwrap_err();
    assert_eq!(err, KeymapError::UnknownCommand("runn".into()));
    assert!(err.to_string().contains("F1"));
    let err = Keymap::with_overrides(&keys("[keys]\nrun = \"ctrl-nope\"\n")).unwrap_err();
    assert_eq!(err, KeymapError::BadKey("ctrl-nope".into()));
    let err = Keymap::with_overrides(&keys("[keys]\nrun = 5\n")).unwrap_err();
    assert!(matches!(err, KeymapError::BadValue(_)));

    let mut km = Keymap::defaults().unwrap();
    let before = km.clone();
    assert!(km.merge(&keys("[keys]\nrun = \"f9\"\nquit = 1\n")).is_err());
    assert_eq!(km, before);
}

#[test]
fn help_lists_every_command_with_its_keys() {
    let km = Keymap::with_overrides(&keys("[keys]\nrun = [\"f9\", \"ctrl-enter\"]\n")).unwrap();
    let help = km.help();
    // Every command once, plus the profile panel's section, which repeats results keys.
    let rows: Vec<_> = help
        .iter()
        .filter(|(scope, _)| *scope != Scope::ProfilePanel)
        .flat_map(|(_, rows)| rows)
        .collect();
    assert_eq!(rows.len(), Command::ALL.len());
    let run = rows
        .iter()
        .find(|(_, what)| *what == Command::Run.description())
        .unwrap();
    assert_eq!(run.0, "F9 / Ctrl-Enter");
}

#[test]
fn hints_follow_the_keymap() {
    let km = Keymap::defaults().unwrap();
    let hints = km.hints(Pane::Editor);
    assert_eq!(hints[0], ("F5".to_owned(), "run"));
    // In the editor a hint never shows a key that would type.
    assert!(hints.iter().all(|(k, _)| k != "?"));
    let km = Keymap::with_overrides(&keys("[keys]\nrun = \"f9\"\n")).unwrap();
    assert_eq!(km.hints(Pane::Editor)[0], ("F9".to_owned(), "run"));
    let results = km.hints(Pane::Results);
    assert!(
        results.contains(&("y".to_owned(), "copy")) || results.contains(&("^Y".to_owned(), "copy"))
    );
}
