//! State tests: drive `App` with actions and keys, assert state and the effects returned.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::nesting::Doc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rdbsh::shell::history::History;
use rdbsh::tui::action::{ConnectionState, DbEntry, SyntaxError, TableEntry};
use rdbsh::tui::app::Overlay;
use rdbsh::tui::panes::results::{TabState, ViewMode};
use rdbsh::tui::panes::status::ConnectionInfo;
use rdbsh::tui::{Action, App, AppConfig, Effect, Keymap, Pane, QueryId};
use serde_json::json;

fn config() -> AppConfig {
    let info = ConnectionInfo::from_profile(&rdbsh::config::Profile::default());
    AppConfig::new(Keymap::defaults().unwrap(), info)
}

fn app_with(config: AppConfig) -> (App, Instant) {
    let t0 = Instant::now();
    let mut app = App::new(config, t0);
    app.update(Action::Resize(80, 24));
    (app, t0)
}

fn app() -> (App, Instant) {
    app_with(config())
}

fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, m)
}

fn press(app: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
    match app.key_action(key(code, m)) {
        Some(action) => app.update(action),
        None => Vec::new(),
    }
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        fx.extend(press(app, code, KeyModifiers::NONE));
    }
    fx
}

fn started(fx: &[Effect]) -> Vec<(QueryId, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::StartQuery { id, text, .. } => Some((*id, text.clone())),
            _ => None,
        })
        .collect()
}

fn run_one(app: &mut App, text: &str) -> QueryId {
    let fx = app.update(Action::RunQuery {
        text: text.into(),
        offset: 0,
    });
    started(&fx)[0].0
}

#[test]
fn run_key_runs_the_statement_under_the_cursor_and_records_history() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1);\nr.table('users')");
    let fx = press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(
        started(&fx)
            .iter()
            .map(|s| s.1.as_str())
            .collect::<Vec<_>>(),
        ["r.table('users')"]
    );
    assert!(fx.contains(&Effect::AppendHistory("r.table('users')".into())));
    assert_eq!(app.history().iter().last(), Some("r.table('users')"));
    // Up to the first line, Alt-Enter runs that one.
    press(&mut app, KeyCode::Up, KeyModifiers::NONE);
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    assert_eq!(started(&fx)[0].1, "r.expr(1)");
    assert_eq!(app.results().tabs().len(), 2);
}

#[test]
fn run_all_runs_each_statement() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1)\n\nr.expr(2); r.expr(3)");
    let fx = press(&mut app, KeyCode::F(6), KeyModifiers::NONE);
    let texts: Vec<_> = started(&fx).into_iter().map(|s| s.1).collect();
    assert_eq!(texts, ["r.expr(1)", "r.expr(2)", "r.expr(3)"]);
}

#[test]
fn enter_keeps_indentation_and_indents_after_an_opening_bracket() {
    let (mut app, _) = app();
    type_text(&mut app, "r.table('t').filter({\nname: 'a'\n}");
    assert_eq!(app.editor().text(), "r.table('t').filter({\n  name: 'a'\n}");
    let (mut app, _) = self::app();
    type_text(&mut app, "r.expr([])");
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    type_text(&mut app, "\n1");
    assert_eq!(app.editor().text(), "r.expr([\n  1\n])");
}

#[test]
fn batches_fill_the_tab_and_fetch_more_only_near_the_end() {
    let (mut app, t0) = app();
    let id = run_one(&mut app, "r.table('big')");
    app.update(Action::QueryStarted { id, feed: false });
    let rows: Vec<_> = (0..100).map(|i| Doc(json!({"id": i}))).collect();
    let fx = app.update(Action::BatchArrived {
        id,
        rows,
        more: true,
    });
    // 100 rows is far more than two screens: nothing fetched yet.
    assert!(!fx.contains(&Effect::FetchMore(id)));
    let tab = app.results().current().unwrap();
    assert_eq!(tab.len(), 100);
    assert!(tab.header(t0).starts_with("100 rows · more available"));

    app.update(Action::FocusNext); // editor → results
    assert_eq!(app.focus(), Pane::Results);
    let mut fetches = 0;
    for _ in 0..99 {
        let fx = press(&mut app, KeyCode::Down, KeyModifiers::NONE);
        fetches += fx.iter().filter(|e| **e == Effect::FetchMore(id)).count();
    }
    // Exactly one CONTINUE while the batch is outstanding.
    assert_eq!(fetches, 1);
    let fx = app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"id": 100}))],
        more: true,
    });
    // Still near the end after the small batch: asks again.
    assert!(fx.contains(&Effect::FetchMore(id)));
    app.update(Action::BatchArrived {
        id,
        rows: vec![],
        more: false,
    });
    let fx = app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(12),
        profile: None,
    });
    assert!(fx.is_empty());
    assert_eq!(
        app.results().current().unwrap().header(t0),
        "101 rows · 12 ms · tree"
    );
    assert_eq!(app.status().last_timing, Some(Duration::from_millis(12)));
}

#[test]
fn a_first_batch_shorter_than_the_screen_fetches_the_next_at_once() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t')");
    let fx = app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!(1)), Doc(json!(2))],
        more: true,
    });
    assert_eq!(fx, [Effect::FetchMore(id)]);
}

#[test]
fn retained_rows_are_capped_with_a_note() {
    let mut cfg = config();
    cfg.row_cap = 5;
    let (mut app, t0) = app_with(cfg);
    let id = run_one(&mut app, "r.range(8)");
    app.update(Action::BatchArrived {
        id,
        rows: (0..8).map(|i| Doc(json!(i))).collect(),
        more: false,
    });
    let tab = app.results().current().unwrap();
    assert_eq!(tab.len(), 5);
    assert_eq!(tab.dropped(), 3);
    assert_eq!(tab.row(0), Some(&json!(3)));
    assert!(tab.header(t0).contains("3 older discarded"));
}

#[test]
fn ctrl_c_stops_the_running_query_and_the_tab_says_stopped() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t').changes()");
    app.update(Action::QueryStarted { id, feed: true });
    let fx = press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(fx, [Effect::Stop(id)]);
    // A second Ctrl-C does not send STOP twice.
    assert!(press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL).is_empty());
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(900),
        profile: None,
    });
    assert!(matches!(
        app.results().current().unwrap().state(),
        TabState::Stopped { .. }
    ));
    assert!(press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL).is_empty());
}

#[test]
fn several_queries_run_and_each_stops_on_its_own() {
    let (mut app, _) = app();
    let a = run_one(&mut app, "r.table('a').changes()");
    let b = run_one(&mut app, "r.table('b').changes()");
    assert_ne!(a, b);
    assert_eq!(app.update(Action::CancelQuery(a)), [Effect::Stop(a)]);
    assert!(app.results().tabs()[1].is_running() && !app.results().tabs()[1].is_stopping());
}

#[test]
fn quit_asks_while_a_query_runs() {
    let (mut app, _) = app();
    assert_eq!(
        press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL),
        [Effect::Quit]
    );

    let (mut app, _) = self::app();
    let id = run_one(&mut app, "r.table('t').changes()");
    assert!(press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL).is_empty());
    assert_eq!(app.overlay(), Some(&Overlay::ConfirmQuit));
    // Any other key says no.
    assert!(press(&mut app, KeyCode::Char('n'), KeyModifiers::NONE).is_empty());
    assert_eq!(app.overlay(), None);
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    let fx = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(fx, [Effect::Stop(id), Effect::Quit]);
}

#[test]
fn sigterm_stops_queries_and_quits_without_asking() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t').changes()");
    assert_eq!(
        app.update(Action::Terminate),
        [Effect::Stop(id), Effect::Quit]
    );
}

#[test]
fn feeds_pause_hold_and_resume_in_order() {
    let (mut app, t0) = app();
    let id = run_one(&mut app, "r.table('t').changes()");
    app.update(Action::QueryStarted { id, feed: true });
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!(1))],
        more: true,
    });
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Char('p'), KeyModifiers::NONE);
    for i in 2..=4 {
        let fx = app.update(Action::BatchArrived {
            id,
            rows: vec![Doc(json!(i))],
            more: true,
        });
        // The backend continues feeds on its own.
        assert!(fx.is_empty());
    }
    let tab = app.results().current().unwrap();
    assert_eq!(tab.len(), 1);
    assert!(tab.header(t0).contains("paused, 3 held"));
    press(&mut app, KeyCode::Char('p'), KeyModifiers::NONE);
    let tab = app.results().current().unwrap();
    let rows: Vec<_> = (0..tab.len())
        .map(|i| tab.row(i).cloned().unwrap())
        .collect();
    assert_eq!(rows, [json!(1), json!(2), json!(3), json!(4)]);
    // Newest first shows the same rows reversed.
    press(&mut app, KeyCode::Char('o'), KeyModifiers::NONE);
    let tab = app.results().current().unwrap();
    assert_eq!(tab.row(0), Some(&json!(4)));
}

#[test]
fn syntax_check_is_debounced_and_stale_answers_are_ignored() {
    let (mut app, t0) = app();
    type_text(&mut app, "r.expr(");
    assert!(
        app.update(Action::Tick(t0 + Duration::from_millis(100)))
            .is_empty()
    );
    let fx = app.update(Action::Tick(t0 + Duration::from_millis(400)));
    let revision = app.editor().revision();
    assert_eq!(
        fx,
        [Effect::CheckSyntax {
            revision,
            text: "r.expr(".into()
        }]
    );
    // Once per change.
    assert!(
        app.update(Action::Tick(t0 + Duration::from_millis(900)))
            .is_empty()
    );
    let error = SyntaxError {
        span: (6, 7),
        message: "unclosed ( opened here".into(),
    };
    app.update(Action::SyntaxChecked {
        revision: revision - 1,
        error: Some(error.clone()),
    });
    assert_eq!(app.editor().error(), None);
    app.update(Action::SyntaxChecked {
        revision,
        error: Some(error.clone()),
    });
    assert_eq!(app.editor().error(), Some(&error));
    assert!(
        app.status()
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("unclosed")
    );
    type_text(&mut app, "1)");
    let fx = app.update(Action::Tick(t0 + Duration::from_secs(5)));
    let revision = app.editor().revision();
    assert!(matches!(&fx[..], [Effect::CheckSyntax { text, .. }] if text == "r.expr(1)"));
    app.update(Action::SyntaxChecked {
        revision,
        error: None,
    });
    assert_eq!(app.editor().error(), None);
    assert_eq!(app.status().message, None);
}

#[test]
fn a_server_error_span_underlines_the_statement_in_the_editor() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1);\nr.table('nope').count()");
    let fx = press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    let (id, _) = started(&fx)[0].clone();
    app.update(Action::QueryFailed {
        id,
        message: "Table `test.nope` does not exist.".into(),
        span: Some((0, 15)),
    });
    let err = app.editor().run_error().unwrap();
    assert_eq!(
        &app.editor().text()[err.span.0..err.span.1],
        "r.table('nope')"
    );
    assert!(matches!(
        app.results().current().unwrap().state(),
        TabState::Failed { .. }
    ));
    // The syntax check that follows the typing finds nothing: the underline and the message stay.
    let revision = app.editor().revision();
    app.update(Action::SyntaxChecked {
        revision,
        error: None,
    });
    assert!(app.editor().run_error().is_some());
    assert!(app.status().message.is_some());
    // An edit ends it.
    type_text(&mut app, " ");
    assert_eq!(app.editor().run_error(), None);
}

fn catalog() -> Vec<DbEntry> {
    let t = |name: &str| TableEntry {
        name: name.into(),
        primary_key: "id".into(),
        ..TableEntry::default()
    };
    vec![DbEntry {
        name: "test".into(),
        tables: vec![t("users"), t("orders")],
    }]
}

#[test]
fn browser_opens_counts_and_inserts_tables() {
    let (mut app, _) = app();
    assert_eq!(app.init(), [Effect::LoadCatalog]);
    app.update(Action::CatalogLoaded(catalog()));
    app.update(Action::FocusPrev); // editor → browser
    assert_eq!(app.focus(), Pane::Browser);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE); // orders
    press(&mut app, KeyCode::Down, KeyModifiers::NONE); // users
    let fx = press(&mut app, KeyCode::Char('c'), KeyModifiers::NONE);
    assert_eq!(
        fx,
        [Effect::CountTable {
            db: "test".into(),
            table: "users".into()
        }]
    );
    app.update(Action::CountLoaded {
        db: "test".into(),
        table: "users".into(),
        count: 42,
    });
    assert!(
        app.browser()
            .visible()
            .iter()
            .any(|n| n.label == "users (42)")
    );
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(started(&fx)[0].1, "r.db('test').table('users')");
    assert_eq!(app.focus(), Pane::Results);
    app.update(Action::FocusNext); // results → browser
    press(&mut app, KeyCode::Char('i'), KeyModifiers::NONE);
    assert_eq!(app.focus(), Pane::Editor);
    // The opened table's query went into the editor; the skeleton goes on a line of its own.
    assert_eq!(
        app.editor().text(),
        "r.db('test').table('users')\n\nr.db('test').table('users').insert({id: ''})"
    );
}

#[test]
fn browser_filter_types_and_escape_clears() {
    let (mut app, _) = app();
    app.update(Action::CatalogLoaded(catalog()));
    app.update(Action::FocusPrev);
    press(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
    // While filtering, letters that are commands elsewhere type into the filter.
    type_text(&mut app, "ord");
    assert_eq!(app.browser().filter(), "ord");
    assert_eq!(
        app.browser().selected_table(),
        Some(("test".into(), "orders".into()))
    );
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.browser().filter(), "");
    assert!(!app.browser().filtering());
}

#[test]
fn history_walk_and_search() {
    let mut cfg = config();
    let mut history = History::new(10);
    history.push("r.expr(1)");
    history.push("r.table('users')\n  .count()");
    cfg.history = history;
    let (mut app, _) = app_with(cfg);
    type_text(&mut app, "draft");
    press(&mut app, KeyCode::Up, KeyModifiers::ALT);
    assert_eq!(app.editor().text(), "r.table('users')\n  .count()");
    press(&mut app, KeyCode::Up, KeyModifiers::ALT);
    assert_eq!(app.editor().text(), "r.expr(1)");
    press(&mut app, KeyCode::Down, KeyModifiers::ALT);
    press(&mut app, KeyCode::Down, KeyModifiers::ALT);
    assert_eq!(app.editor().text(), "draft");

    press(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert!(matches!(app.overlay(), Some(Overlay::HistorySearch { .. })));
    type_text(&mut app, "EXPR");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.overlay(), None);
    assert_eq!(app.editor().text(), "r.expr(1)");
}

#[test]
fn help_opens_from_f1_and_question_mark_outside_the_editor() {
    let (mut app, _) = app();
    type_text(&mut app, "?");
    assert_eq!(app.editor().text(), "?");
    assert_eq!(app.overlay(), None);
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert!(matches!(app.overlay(), Some(Overlay::Help { .. })));
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.overlay(), None);
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(matches!(app.overlay(), Some(Overlay::Help { .. })));
}

#[test]
fn copy_puts_the_selected_row_on_the_clipboard() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t')");
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"id": 1})), Doc(json!({"id": 2}))],
        more: false,
    });
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    let fx = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(fx, [Effect::CopyToClipboard("{\n  \"id\": 2\n}".into())]);
}

#[test]
fn view_toggle_cycles_tree_table_raw() {
    let (mut app, _) = app();
    run_one(&mut app, "r.expr(1)");
    let views: Vec<_> = (0..3)
        .map(|_| {
            press(&mut app, KeyCode::F(2), KeyModifiers::NONE);
            app.results().current().unwrap().view()
        })
        .collect();
    assert_eq!(views, [ViewMode::Table, ViewMode::Raw, ViewMode::Tree]);
}

#[test]
fn live_toggle_reruns_the_query_as_a_changefeed_and_back() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t')");
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(3),
        profile: None,
    });
    let fx = press(&mut app, KeyCode::F(8), KeyModifiers::NONE);
    assert_eq!(started(&fx)[0].1, "r.table('t').changes()");
    let live = started(&fx)[0].0;
    // Toggling again stops the feed and runs the plain query.
    let fx = press(&mut app, KeyCode::F(8), KeyModifiers::NONE);
    assert_eq!(fx[0], Effect::Stop(live));
    assert_eq!(started(&fx)[0].1, "r.table('t')");
}

#[test]
fn profile_toggle_applies_to_the_next_run() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    let fx = app.update(Action::RunQuery {
        text: "r.expr(1)".into(),
        offset: 0,
    });
    assert!(
        matches!(&fx[..], [Effect::AppendHistory(_), Effect::StartQuery { options, .. }] if options.profile)
    );
}

#[test]
fn key_releases_are_dropped_and_tab_cycles_focus() {
    let (mut app, _) = app();
    let mut release = key(KeyCode::Char('x'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert_eq!(app.key_action(release), None);
    let order: Vec<_> = (0..3)
        .map(|_| {
            press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
            app.focus()
        })
        .collect();
    assert_eq!(order, [Pane::Results, Pane::Browser, Pane::Editor]);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.focus(), Pane::Browser);
}

#[test]
fn ctrl_z_and_ctrl_e_are_effects_for_the_runtime() {
    let (mut app, _) = app();
    type_text(&mut app, "r.now()");
    assert_eq!(
        press(&mut app, KeyCode::Char('z'), KeyModifiers::CONTROL),
        [Effect::Suspend]
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL),
        [Effect::OpenExternalEditor("r.now()".into())]
    );
    app.update(Action::ExternalEditorClosed(Ok("r.expr(2)\n".into())));
    assert_eq!(app.editor().text(), "r.expr(2)");
    app.update(Action::ExternalEditorClosed(Err("cannot start vi".into())));
    assert_eq!(app.editor().text(), "r.expr(2)");
    assert!(app.status().message.as_ref().unwrap().1.contains("vi"));
}

#[test]
fn a_query_that_saw_the_drop_does_not_hide_a_reconnection_under_way() {
    let (mut app, _) = app();
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: None,
    }));
    // The watcher is already reconnecting when the feed's failure arrives: still reconnecting,
    // and the reason is on the message line.
    app.update(Action::ConnectionStateChanged(
        ConnectionState::Reconnecting { attempt: 1 },
    ));
    app.update(Action::ConnectionDropped {
        reason: "the connection closed; reconnecting".into(),
    });
    assert_eq!(app.status().segments(false, false)[0], "reconnecting (1)");
    let message = &app.status().message.as_ref().unwrap().1;
    assert!(message.contains("the connection closed"), "{message}");
    // Seen first by a query, the drop shows as `lost` until the watcher speaks.
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: None,
    }));
    app.update(Action::ConnectionDropped {
        reason: "reset by peer".into(),
    });
    assert_eq!(app.status().segments(false, false)[0], "lost");
}

#[test]
fn connection_state_reaches_the_status_bar() {
    let (mut app, _) = app();
    app.update(Action::ConnectionStateChanged(ConnectionState::Lost {
        reason: "reset by peer".into(),
    }));
    assert!(
        app.status()
            .segments(false, false)
            .contains(&"lost".to_owned())
    );
    assert!(
        app.status()
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("reset by peer")
    );
    // Then reconnecting, attempt by attempt, and connected again: said once on the message
    // line.
    app.update(Action::ConnectionStateChanged(
        ConnectionState::Reconnecting { attempt: 2 },
    ));
    assert_eq!(app.status().segments(false, false)[0], "reconnecting (2)");
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: None,
    }));
    assert_eq!(app.status().segments(false, false)[0], "connected");
    assert!(
        app.status()
            .message
            .as_ref()
            .unwrap()
            .1
            .starts_with("reconnected to ")
    );
    app.update(Action::Command(rdbsh::tui::keymap::Command::Close));
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: None,
    }));
    assert_eq!(app.status().message, None);
}

#[test]
fn a_selection_is_run_and_copied_instead_of_the_statement() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1).add(2)");
    press(&mut app, KeyCode::Home, KeyModifiers::NONE);
    for _ in 0..9 {
        press(&mut app, KeyCode::Right, KeyModifiers::SHIFT);
    }
    let fx = press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(started(&fx)[0].1, "r.expr(1)");
    let fx = press(&mut app, KeyCode::Char('y'), KeyModifiers::CONTROL);
    assert_eq!(fx, [Effect::CopyToClipboard("r.expr(1)".into())]);
}

/// A profile of the shape RethinkDB sends: nested sub-tasks, a parallel group with one branch
/// per shard, a sampled task.
fn nested_profile() -> serde_json::Value {
    json!([{"description": "Evaluating count.", "duration(ms)": 0.9, "sub_tasks": [
        {"description": "Evaluating table.", "duration(ms)": 0.1, "sub_tasks": [
            {"description": "Evaluating datum.", "duration(ms)": 0.001, "sub_tasks": []}
        ]},
        {"description": "Perform count.", "duration(ms)": 0.7, "sub_tasks": [
            {"parallel_tasks": [
                [{"description": "Perform read on shard.", "mean_duration(ms)": 0.3, "n_samples": 2}],
                [{"description": "Perform read on shard.", "duration(ms)": 0.3, "sub_tasks": []}]
            ]}
        ]}
    ]}])
}

#[test]
fn the_profile_sits_beside_the_rows_and_tab_reaches_its_collapsible_tree() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    let id = run_one(&mut app, "r.table('t').count()");
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!(3))],
        more: false,
    });
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(2),
        profile: Some(Doc(nested_profile())),
    });
    assert!(app.profile_shown());
    let tree = |app: &App| {
        app.results()
            .current()
            .unwrap()
            .profile_tree()
            .cloned()
            .unwrap()
    };
    assert_eq!(tree(&app).nodes().len(), 9);
    assert_eq!(tree(&app).shard_reads(), 2);
    assert_eq!(tree(&app).total_ms(), Some(0.9));

    // The view key cycles the rows' views only; the profile stays on screen beside them.
    let views: Vec<_> = (0..3)
        .map(|_| {
            press(&mut app, KeyCode::F(2), KeyModifiers::NONE);
            app.results().current().unwrap().view()
        })
        .collect();
    assert_eq!(views, [ViewMode::Table, ViewMode::Raw, ViewMode::Tree]);

    // Tab: editor → rows → profile → browser; Shift-Tab comes back to the profile.
    let focus = |app: &App| {
        (
            app.focus(),
            app.results().current().unwrap().profile_focused(),
        )
    };
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(focus(&app), (Pane::Results, false));
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(focus(&app), (Pane::Results, true));
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(focus(&app), (Pane::Browser, false));
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(focus(&app), (Pane::Results, true));

    // In the profile, Enter collapses the selected task and opens it again; Left and Right
    // close and open; the rows keep their selection.
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(tree(&app).selected(), 1);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(tree(&app).is_collapsed(1));
    assert_eq!(tree(&app).visible().len(), 8);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(tree(&app).visible().len(), 9);
    press(&mut app, KeyCode::Home, KeyModifiers::NONE);
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    assert_eq!(tree(&app).visible(), [0]);
    press(&mut app, KeyCode::Right, KeyModifiers::NONE);
    assert_eq!(tree(&app).visible().len(), 9);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    assert_eq!(tree(&app).selected(), 8);
    assert_eq!(app.results().current().unwrap().selected(), 0);

    // Too small a screen for both: the profile is not shown and the keys go to the rows.
    app.update(Action::Resize(40, 10));
    assert!(!app.profile_shown());
    assert!(!app.results().current().unwrap().profile_focused());
}

#[test]
fn help_scrolling_stops_at_the_end() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    for _ in 0..50 {
        press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    }
    let Some(Overlay::Help { scroll: bottom }) = app.overlay().cloned() else {
        panic!("help closed")
    };
    let lines = rdbsh::tui::screen::help_lines(&app, rdbsh::tui::screen::help_width(80)).len();
    assert_eq!(bottom, lines - 20);
    press(&mut app, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(app.overlay(), Some(&Overlay::Help { scroll: bottom - 1 }));
}

#[test]
fn the_browser_reloads_after_ddl_from_the_editor() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.db('test').tableCreate('events')");
    let fx = app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(80),
        profile: None,
    });
    assert_eq!(fx, [Effect::LoadCatalog]);
}

#[test]
fn a_tick_never_cancels_a_pending_redraw() {
    let (mut app, t0) = app();
    app.take_dirty();
    app.update(Action::Resize(100, 30));
    app.update(Action::Tick(t0 + Duration::from_millis(100)));
    assert!(app.is_dirty());
    // Nothing moving: a tick alone asks for no frame.
    app.take_dirty();
    app.update(Action::Tick(t0 + Duration::from_millis(200)));
    assert!(!app.is_dirty());
    // A spinner moves on every tick.
    run_one(&mut app, "r.table('t')");
    app.take_dirty();
    app.update(Action::Tick(t0 + Duration::from_millis(300)));
    assert!(app.is_dirty());
}

fn candidates() -> Vec<rdbsh::tui::action::Completion> {
    ["table", "tableCreate", "tableDrop", "now"]
        .map(|l| rdbsh::tui::action::Completion {
            label: l.into(),
            signature: Some(format!("{l}(…)")),
            help: Some(format!("help for {l}")),
        })
        .into()
}

#[test]
fn a_dot_asks_for_completions_and_the_popup_filters_and_inserts() {
    let (mut app, _) = app();
    let fx = type_text(&mut app, "r.");
    let revision = app.editor().revision();
    assert_eq!(
        fx,
        [Effect::Complete {
            revision,
            text: "r.".into(),
            cursor: 2
        }]
    );
    app.update(Action::CompletionsArrived {
        revision,
        replace: (2, 2),
        items: candidates(),
    });
    type_text(&mut app, "TA");
    let labels: Vec<_> = app
        .editor()
        .visible_completions()
        .iter()
        .map(|c| c.label.clone())
        .collect();
    assert_eq!(labels, ["table", "tableCreate", "tableDrop"]);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    // Enter takes the candidate instead of breaking the line.
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.editor().text(), "r.tableCreate");
    assert!(app.editor().completion().is_none());
}

#[test]
fn the_popup_closes_when_the_word_ends_or_on_escape_and_stale_answers_are_dropped() {
    let (mut app, _) = app();
    type_text(&mut app, "r.");
    let revision = app.editor().revision();
    let open = |app: &mut App| {
        app.update(Action::CompletionsArrived {
            revision,
            replace: (2, 2),
            items: candidates(),
        })
    };
    open(&mut app);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.editor().completion().is_none());
    // A late answer does not bring back a popup closed with Esc.
    open(&mut app);
    assert!(app.editor().completion().is_none());
    // Esc went to the popup, not to the keymap's close: typing asks again.
    type_text(&mut app, "n");
    app.update(Action::CompletionsArrived {
        revision: app.editor().revision(),
        replace: (2, 2),
        items: candidates(),
    });
    assert!(app.editor().completion().is_some());
    type_text(&mut app, "ow(");
    assert!(app.editor().completion().is_none());
    // The cursor has left the word: an answer for it is ignored.
    open(&mut app);
    assert!(app.editor().completion().is_none());
    // Ctrl-Space asks too, from anywhere.
    app.update(Action::FocusNext);
    let fx = press(&mut app, KeyCode::Char(' '), KeyModifiers::CONTROL);
    assert!(matches!(&fx[..], [Effect::Complete { cursor: 6, .. }]));
    assert_eq!(app.focus(), Pane::Editor);
}

#[test]
fn running_closes_the_popup_so_enter_then_breaks_the_line() {
    let (mut app, _) = app();
    type_text(&mut app, "r.");
    let revision = app.editor().revision();
    app.update(Action::CompletionsArrived {
        revision,
        replace: (2, 2),
        items: candidates(),
    });
    assert!(app.editor().completion().is_some());
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert!(app.editor().completion().is_none());
    // An answer asked for before the run comes too late.
    app.update(Action::CompletionsArrived {
        revision,
        replace: (2, 2),
        items: candidates(),
    });
    assert!(app.editor().completion().is_none());
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.editor().text(), "r.\n");
}

#[test]
fn dropping_a_table_needs_its_name_typed() {
    let (mut app, _) = app();
    app.update(Action::CatalogLoaded(catalog()));
    app.update(Action::FocusPrev);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE); // users
    press(&mut app, KeyCode::Char('D'), KeyModifiers::SHIFT);
    assert!(matches!(app.overlay(), Some(Overlay::ConfirmDrop { .. })));
    type_text(&mut app, "user");
    // Not the full name: Enter does nothing.
    assert!(press(&mut app, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    type_text(&mut app, "s");
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let (id, text) = started(&fx)[0].clone();
    assert_eq!(text, "r.db('test').tableDrop('users')");
    assert_eq!(app.overlay(), None);
    let fx = app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(30),
        profile: None,
    });
    assert_eq!(fx, [Effect::LoadCatalog]);
    // Esc cancels without running anything.
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    press(&mut app, KeyCode::Char('D'), KeyModifiers::SHIFT);
    assert!(press(&mut app, KeyCode::Esc, KeyModifiers::NONE).is_empty());
    assert_eq!(app.overlay(), None);
}

#[test]
fn a_destructive_query_waits_for_a_yes() {
    let (mut app, _) = app();
    let fx = app.update(Action::RunQuery {
        text: "r.db('demo').table('users').delete()".into(),
        offset: 0,
    });
    assert!(fx.iter().all(|e| !matches!(e, Effect::StartQuery { .. })));
    assert!(matches!(app.overlay(), Some(Overlay::ConfirmWrite { .. })));
    // Any key but y declines.
    let no = app.key_action(key(KeyCode::Char('n'), KeyModifiers::NONE));
    assert_eq!(no, Some(Action::Confirm(false)));
    let fx = app.update(Action::Confirm(false));
    assert!(fx.is_empty() && app.overlay().is_none());

    app.update(Action::RunQuery {
        text: "r.db('demo').table('users').delete()".into(),
        offset: 0,
    });
    let yes = app.key_action(key(KeyCode::Char('y'), KeyModifiers::NONE));
    let fx = app.update(yes.unwrap());
    assert!(matches!(
        fx.as_slice(),
        [.., Effect::StartQuery { text, .. }] if text == "r.db('demo').table('users').delete()"
    ));
    // A filtered delete runs at once.
    let fx = app.update(Action::RunQuery {
        text: "r.table('users').filter({a: 1}).delete()".into(),
        offset: 0,
    });
    assert!(fx.iter().any(|e| matches!(e, Effect::StartQuery { .. })));
}

#[test]
fn quitting_goes_ahead_when_the_last_running_query_ends_under_the_question() {
    let (mut app, _) = app();
    app.update(Action::RunQuery {
        text: "r.table('users').count()".into(),
        offset: 0,
    });
    let id = app.results().current().unwrap().id;
    app.update(Action::Quit);
    assert_eq!(app.overlay(), Some(&Overlay::ConfirmQuit));
    let fx = app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(3),
        profile: None,
    });
    assert!(fx.contains(&Effect::Quit), "{fx:?}");
    assert!(app.overlay().is_none() && app.is_quitting());
}

#[test]
fn a_write_nothing_bounds_asks_and_the_count_joins_the_question() {
    let (mut app, _) = app();
    let text = "r.db('demo').table('users').orderBy({index: 'id'}).limit(5).delete()";
    let fx = app.update(Action::RunQuery {
        text: text.into(),
        offset: 0,
    });
    assert_eq!(fx, [Effect::CountDocuments { text: text.into() }]);
    app.update(Action::DocumentsCounted {
        text: text.into(),
        documents: Some(5),
    });
    let Some(Overlay::ConfirmWrite { what, .. }) = app.overlay() else {
        panic!("asks: {:?}", app.overlay());
    };
    assert_eq!(
        what,
        "deletes documents from table `users` with no get, getAll or filter to bound them (5 documents)"
    );
    app.update(Action::Confirm(false));
    for text in [
        "r.table('users').filter(true).delete()",
        "r.table('users').between(r.minval, r.maxval).update({a: 1})",
    ] {
        app.update(Action::RunQuery {
            text: text.into(),
            offset: 0,
        });
        assert!(
            matches!(app.overlay(), Some(Overlay::ConfirmWrite { .. })),
            "{text}"
        );
        app.update(Action::Confirm(false));
    }
}

/// While `$EDITOR` is open the backend's actions are still applied as they arrive (a busy
/// feed lands in its capped tab), not left to pile up in the channel until the editor closes.
#[tokio::test]
async fn the_backend_is_drained_while_the_editor_is_open() {
    let (mut app, _) = app();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (closed, editor) = tokio::sync::oneshot::channel::<&str>();
    // On this test's single thread the feeder runs only when the loop waits, as a feed
    // arrives while the user types in the editor.
    let feeder = tokio::spawn(async move {
        for i in 0..5000 {
            tx.send(Action::Failed(format!("change {i}"))).unwrap();
            if i % 100 == 99 {
                tokio::task::yield_now().await;
            }
        }
        closed.send("edited").unwrap();
        tx
    });
    let (edited, _effects) = rdbsh::tui::while_editing(&mut app, &mut rx, editor).await;
    assert_eq!(edited, Ok("edited"));
    assert!(
        rx.len() <= 100,
        "{} actions waited for the editor",
        rx.len()
    );
    assert!(
        app.status()
            .message
            .as_ref()
            .is_some_and(|m| format!("{m:?}").contains("change 4")),
        "{:?}",
        app.status().message
    );
    drop(feeder.await.unwrap());
}

#[test]
fn the_lang_key_switches_to_python_and_copy_as_writes_either_syntax() {
    let (mut app, _) = app();
    type_text(&mut app, "r.table('t').orderBy('a')");
    let fx = press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
    assert_eq!(
        fx,
        [Effect::CopyToClipboard(
            "r.table(\"t\").orderBy(\"a\")".into()
        )]
    );
    let fx = press(&mut app, KeyCode::Char('p'), KeyModifiers::ALT);
    assert_eq!(
        fx,
        [Effect::CopyToClipboard("r.table('t').order_by('a')".into())]
    );
    let fx = press(&mut app, KeyCode::F(4), KeyModifiers::NONE);
    assert_eq!(fx, [Effect::SetLang(rdbsh::reql::Lang::Python)]);
    assert!(
        app.status()
            .segments(false, false)
            .contains(&"PY".to_string())
    );
    // The JavaScript in the editor does not compile as Python: copy-as says so.
    let fx = press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
    assert!(fx.is_empty());
    let fx = press(&mut app, KeyCode::F(4), KeyModifiers::NONE);
    assert_eq!(fx, [Effect::SetLang(rdbsh::reql::Lang::Js)]);
    assert!(
        !app.status()
            .segments(false, false)
            .contains(&"PY".to_string())
    );
}

fn finish(app: &mut App, id: QueryId, rows: usize) {
    app.update(Action::BatchArrived {
        id,
        rows: (0..rows).map(|i| Doc(json!(i))).collect(),
        more: false,
    });
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(1),
        profile: None,
    });
}

#[test]
fn re_running_a_statement_reuses_its_finished_tab() {
    let (mut app, _) = app();
    let a = run_one(&mut app, "r.expr(1)");
    finish(&mut app, a, 1);
    let b = run_one(&mut app, "r.expr(2)");
    finish(&mut app, b, 1);
    let again = run_one(&mut app, "r.expr(1)");
    assert_eq!(app.results().tabs().len(), 2, "the first tab was reused");
    assert_eq!(app.results().active(), 0);
    assert_eq!(app.results().current().map(|t| t.id), Some(again));
    // A running statement is not replaced: its second run gets a tab of its own.
    let feed = run_one(&mut app, "r.table('t').changes()");
    app.update(Action::QueryStarted {
        id: feed,
        feed: true,
    });
    run_one(&mut app, "r.table('t').changes()");
    assert_eq!(app.results().tabs().len(), 4);
}

#[test]
fn tabs_and_their_rows_are_capped_oldest_finished_first() {
    let mut config = config();
    config.row_cap = 100;
    let (mut app, _) = app_with(config);
    let running = run_one(&mut app, "r.table('t').changes()");
    app.update(Action::QueryStarted {
        id: running,
        feed: true,
    });
    for i in 0..20 {
        let id = run_one(&mut app, &format!("r.expr({i})"));
        finish(&mut app, id, 1);
    }
    let tabs = app.results().tabs();
    assert_eq!(tabs.len(), rdbsh::tui::panes::results::MAX_TABS);
    assert_eq!(tabs[0].id, running, "a running query's tab stays");
    assert_eq!(tabs.last().map(|t| t.query.as_str()), Some("r.expr(19)"));
    // Rows: three tabs' worth in all; the shown tab keeps its rows, older ones give way.
    for i in 0..4 {
        let id = run_one(&mut app, &format!("r.range({i})"));
        finish(&mut app, id, 100);
    }
    assert!(
        app.results().total_rows() <= 300,
        "{}",
        app.results().total_rows()
    );
    assert_eq!(app.results().current().map(|t| t.len()), Some(100));
}

#[test]
fn the_first_alt_up_shows_the_query_before_the_one_in_the_editor() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1)");
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    app.update(Action::ExternalEditorClosed(Ok("r.expr(2)".to_owned())));
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    // The editor holds r.expr(2), the newest entry: Alt-Up goes one further back.
    press(&mut app, KeyCode::Up, KeyModifiers::ALT);
    assert_eq!(app.editor().text(), "r.expr(1)");
    press(&mut app, KeyCode::Down, KeyModifiers::ALT);
    assert_eq!(app.editor().text(), "r.expr(2)");
}

#[test]
fn the_editing_keys_the_help_lists_work_in_the_editor() {
    let (mut app, _) = app();
    type_text(&mut app, "r.expr(1) word");
    press(&mut app, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert_eq!(app.editor().text(), "r.expr(1) ");
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(app.editor().text(), "r.expr(1) word", "ctrl-u undoes");
    press(&mut app, KeyCode::Char('a'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Char('k'), KeyModifiers::CONTROL);
    assert_eq!(app.editor().text(), "", "ctrl-k deletes to the line end");
}

#[test]
fn named_queries_run_from_the_editor_through_the_runtime() {
    use rdbsh::shell::Meta;
    let (mut app, _) = app();
    run_one(&mut app, "r.expr(41).add(1)");
    let fx = app.update(Action::RunQuery {
        text: ".save answer".into(),
        offset: 0,
    });
    assert!(started(&fx).is_empty());
    assert!(fx.contains(&Effect::NamedQuery {
        command: Meta::Save("answer".into(), None),
        last: "r.expr(41).add(1)".into(),
    }));
    let fx = app.update(Action::RunQuery {
        text: ".run twice n=21".into(),
        offset: 0,
    });
    let run = Meta::Run("twice".into(), vec![("n".into(), "21".into())]);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::NamedQuery { command, .. } if *command == run))
    );
    // The runtime answers with the bound text, which runs as any statement does.
    let bound = "var __rdbsh_param_n = 21;\nr.expr(__rdbsh_param_n).mul(2)";
    let fx = app.update(Action::NamedQueryBound(bound.into()));
    assert_eq!(started(&fx).len(), 1, "{fx:?}");
    assert_eq!(started(&fx)[0].1, bound);
    let help: Vec<String> = rdbsh::tui::screen::help_lines(&app, 200)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let help = help.join("\n");
    assert!(
        help.contains(".run NAME [k=v ...]") && help.contains(".queries"),
        "{help}"
    );
    app.update(Action::NamedQueryInfo(
        "saved queries: answer, twice".into(),
    ));
    let shown = app.status().message.as_ref().map(|m| format!("{m:?}"));
    assert!(shown.unwrap_or_default().contains("answer, twice"));
}

#[test]
fn a_feed_cut_by_a_lost_connection_is_reopened_on_the_server_reached_again() {
    let (mut app, t0) = app();
    let feed = "r.table('events').changes()";
    let id = run_one(&mut app, feed);
    app.update(Action::QueryStarted { id, feed: true });
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"old_val": null, "new_val": {"id": 1}}))],
        more: true,
    });
    // A query that is no feed fails the same way and is not run again.
    let plain = run_one(&mut app, "r.table('events').count()");
    app.update(Action::ConnectionStateChanged(ConnectionState::Lost {
        reason: "the server closed the connection".into(),
    }));
    for failed in [id, plain] {
        app.update(Action::QueryFailed {
            id: failed,
            message: "connection closed".into(),
            span: None,
        });
    }
    app.update(Action::ConnectionStateChanged(
        ConnectionState::Reconnecting { attempt: 1 },
    ));
    assert_eq!(app.status().segments(false, false)[0], "reconnecting (1)");
    let fx = app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: Some("db2:28015".into()),
    }));
    let again = started(&fx);
    assert_eq!(again.len(), 1, "{fx:?}");
    assert_eq!(again[0].1, feed);
    assert_ne!(again[0].0, id);
    assert_eq!(
        app.status().segments(false, false)[0],
        "connected db2:28015"
    );
    // The same tab, its change kept, then the marker line; the new query's rows follow.
    let tab = app
        .results()
        .tabs()
        .iter()
        .find(|t| t.id == again[0].0)
        .unwrap();
    assert_eq!(tab.len(), 2);
    let marker = tab.row(1).unwrap();
    assert_eq!(
        rdbsh::tui::panes::results::marker_text(marker),
        Some("feed re-opened on db2:28015 — changes between may be missing")
    );
    assert!(tab.is_running() && tab.feed().is_some());
    // Reconnected once more without a loss in between: nothing is re-opened twice.
    let fx = app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: Some("db2:28015".into()),
    }));
    assert!(started(&fx).is_empty());

    // A restarted server refuses the feed while its table is not ready: the tab keeps
    // waiting and the feed is sent again after a pause, until the server takes it.
    app.update(Action::QueryFailed {
        id: again[0].0,
        message: "ReqlOpFailedError: primary replica not available".into(),
        span: None,
    });
    let tab = |app: &App| {
        app.results()
            .tabs()
            .iter()
            .find(|t| t.query == feed)
            .cloned()
    };
    assert!(tab(&app).unwrap().is_running());
    assert!(started(&app.update(Action::Tick(t0 + Duration::from_millis(100)))).is_empty());
    let retried = started(&app.update(Action::Tick(t0 + Duration::from_secs(1))));
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].1, feed);
    app.update(Action::QueryStarted {
        id: retried[0].0,
        feed: true,
    });
    // Taken: a later failure is shown as usual.
    app.update(Action::QueryFailed {
        id: retried[0].0,
        message: "ReqlOpFailedError: gone".into(),
        span: None,
    });
    assert!(matches!(
        tab(&app).unwrap().state(),
        TabState::Failed { .. }
    ));
    assert_eq!(tab(&app).unwrap().len(), 2);
}

/// An app with the test catalog loaded (`orders` with 2 shards × 3 replicas) and the browser
/// focused on `test.orders`.
fn on_orders(read_only: bool) -> App {
    let mut config = config();
    config.info.read_only = read_only;
    let (mut app, _) = app_with(config);
    let mut dbs = catalog();
    dbs[0].tables[1].shards = Some(2);
    dbs[0].tables[1].replicas = Some(3);
    app.update(Action::CatalogLoaded(dbs));
    app.update(Action::FocusPrev);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(
        app.browser().selected_table(),
        Some(("test".into(), "orders".into()))
    );
    app
}

#[test]
fn reconfigure_asks_shards_and_replicas_shows_the_dry_run_then_asks_y_or_n() {
    let mut app = on_orders(false);
    press(&mut app, KeyCode::Char('R'), KeyModifiers::NONE);
    let Some(Overlay::Prompt { typed, .. }) = app.overlay() else {
        panic!("no prompt: {:?}", app.overlay());
    };
    // The table's current shape to start from.
    assert_eq!(typed, "2 3");
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    }
    // Not two numbers: said, nothing run.
    type_text(&mut app, "x");
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(fx.is_empty() && app.overlay().is_none());
    assert!(
        app.status()
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("two numbers")
    );

    press(&mut app, KeyCode::Char('R'), KeyModifiers::NONE);
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    }
    type_text(&mut app, "4 2");
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        fx,
        [Effect::DryRunReconfigure {
            db: "test".into(),
            table: "orders".into(),
            shards: 4,
            replicas: 2
        }]
    );
    app.update(Action::ReconfigurePreview {
        db: "test".into(),
        table: "orders".into(),
        shards: 4,
        replicas: 2,
        result: Ok(vec!["shard 1: primary db1, replicas db1 db2".into()]),
    });
    let Some(Overlay::ConfirmWrite {
        text,
        what,
        preview,
        ..
    }) = app.overlay().cloned()
    else {
        panic!("no confirmation: {:?}", app.overlay());
    };
    assert_eq!(
        text,
        "r.db('test').table('orders').reconfigure({shards: 4, replicas: 2})"
    );
    assert!(what.contains("4 shards × 2 replicas"), "{what}");
    assert_eq!(preview, ["shard 1: primary db1, replicas db1 db2"]);
    let fx = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(started(&fx)[0].1, text);

    // A failed dry run asks nothing.
    app.update(Action::ReconfigurePreview {
        db: "test".into(),
        table: "orders".into(),
        shards: 4,
        replicas: 2,
        result: Err("Table `test.orders` does not exist".into()),
    });
    assert!(app.overlay().is_none());
    assert!(
        app.status()
            .message
            .as_ref()
            .unwrap()
            .1
            .contains("dry run of the reconfiguration failed")
    );
}

#[test]
fn rebalance_asks_first_and_wait_runs_with_the_cluster_node_open() {
    let mut app = on_orders(false);
    press(&mut app, KeyCode::Char('B'), KeyModifiers::NONE);
    let Some(Overlay::ConfirmWrite { text, .. }) = app.overlay().cloned() else {
        panic!("no confirmation: {:?}", app.overlay());
    };
    assert_eq!(text, "r.db('test').table('orders').rebalance()");
    assert!(started(&press(&mut app, KeyCode::Char('n'), KeyModifiers::NONE)).is_empty());

    // The one read after the catalog is still out: wait's read comes once it is answered.
    app.update(Action::ClusterLoaded(Ok(Default::default())));
    let fx = press(&mut app, KeyCode::Char('W'), KeyModifiers::NONE);
    assert_eq!(started(&fx)[0].1, "r.db('test').table('orders').wait()");
    assert!(fx.contains(&Effect::LoadCluster), "{fx:?}");
    assert!(app.browser().cluster_shown());
    // The lines the cluster node opened above leave the selection on the table.
    assert_eq!(
        app.browser().selected_node().map(|n| n.label),
        Some("orders".into())
    );
}

#[test]
fn a_read_only_profile_refuses_reconfigure_and_rebalance_before_asking() {
    let mut app = on_orders(true);
    for key in ['R', 'B'] {
        let fx = press(&mut app, KeyCode::Char(key), KeyModifiers::NONE);
        assert!(fx.is_empty() && app.overlay().is_none(), "{key}: {fx:?}");
        let (_, message) = app.status().message.clone().unwrap();
        assert!(
            message.contains("read-only") || message.contains("read_only"),
            "{message}"
        );
    }
}

#[test]
fn current_issues_show_in_the_status_bar_when_there_are_some() {
    let (mut app, _) = app();
    let fx = app.update(Action::CatalogLoaded(catalog()));
    // One read after the catalog, for the count; none while the node stays closed.
    assert_eq!(fx, [Effect::LoadCluster]);
    let issues = |n: usize| rdbsh::tui::cluster::Picture {
        cluster: rdbsh::tui::cluster::Cluster {
            issues: vec![
                rdbsh::tui::cluster::Issue {
                    kind: "table_availability".into(),
                    critical: true,
                    description: "a table is not ready".into(),
                };
                n
            ],
            ..Default::default()
        },
        here: None,
    };
    app.update(Action::ClusterLoaded(Ok(issues(2))));
    assert!(
        app.status()
            .segments(false, false)
            .contains(&"2 ISSUES".to_owned())
    );
    app.update(Action::ClusterLoaded(Ok(issues(0))));
    assert!(
        !app.status()
            .segments(false, false)
            .iter()
            .any(|s| s.contains("ISSUE"))
    );
    let fx = app.update(Action::Tick(Instant::now() + Duration::from_secs(60)));
    assert!(!fx.contains(&Effect::LoadCluster), "{fx:?}");
}

#[test]
fn the_export_key_writes_the_rows_shown_or_streams_the_query_again() {
    let (mut app, _) = app();
    let id = run_one(&mut app, "r.table('t')");
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"id": 1})), Doc(json!({"id": 2}))],
        more: false,
    });
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(3),
        profile: None,
    });
    app.update(Action::FocusNext);
    assert_eq!(app.focus(), Pane::Results);
    press(&mut app, KeyCode::Char('S'), KeyModifiers::NONE);
    assert!(matches!(app.overlay(), Some(Overlay::Prompt { .. })));
    type_text(&mut app, "out.csv");
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let [Effect::ExportRows { rows, export }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(export.path, std::path::PathBuf::from("out.csv"));
    assert_eq!(export.format, rdbsh::transfer::format::FileFormat::Csv);
    app.update(Action::Exported(Ok("exported 2 rows to out.csv".into())));
    assert_eq!(
        app.status().message.as_ref().unwrap().1,
        "exported 2 rows to out.csv"
    );

    // More rows on the server: the query runs again into the file, whole.
    let id = run_one(&mut app, "r.table('big')");
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"id": 1}))],
        more: true,
    });
    press(&mut app, KeyCode::Char('S'), KeyModifiers::NONE);
    type_text(&mut app, "big.ndjson");
    let fx = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let [Effect::ExportQuery { text, export }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(text, "r.table('big')");
    assert_eq!(export.format, rdbsh::transfer::format::FileFormat::Ndjson);
    // Esc cancels the question.
    press(&mut app, KeyCode::Char('S'), KeyModifiers::NONE);
    assert!(press(&mut app, KeyCode::Esc, KeyModifiers::NONE).is_empty());
    assert!(app.overlay().is_none());
}
