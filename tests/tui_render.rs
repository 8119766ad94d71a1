//! Render tests: the main screens drawn on a fixed-size `TestBackend`, snapshotted as text.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::nesting::Doc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rdbsh::config::{Profile, TlsSettings};
use rdbsh::shell::history::History;
use rdbsh::tui::action::{ConnectionState, DbEntry, TableEntry, TlsInfo};
use rdbsh::tui::panes::status::ConnectionInfo;
use rdbsh::tui::screen;
use rdbsh::tui::{Action, App, AppConfig, Effect, Keymap, QueryId};
use serde_json::json;

fn profile() -> Profile {
    Profile {
        name: Some("prod".into()),
        host: "db.example.com".into(),
        db: "shop".into(),
        tls: Some(TlsSettings::default()),
        ..Profile::default()
    }
}

fn app(size: (u16, u16)) -> (App, Instant) {
    let mut cfg = AppConfig::new(
        Keymap::defaults().unwrap(),
        ConnectionInfo::from_profile(&profile()),
    );
    let mut history = History::new(50);
    for q in [
        "r.db('shop').table('orders').count()",
        "r.db('shop').table('users')\n  .filter({admin: true})",
        "r.now()",
    ] {
        history.push(q);
    }
    cfg.history = history;
    let t0 = Instant::now();
    let mut app = App::new(cfg, t0);
    app.update(Action::Resize(size.0, size.1));
    (app, t0)
}

fn connected(app: &mut App) {
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: Some(TlsInfo {
            version: "TLSv1.3".into(),
            verified: true,
        }),
        server: None,
    }));
    app.update(Action::CatalogLoaded(vec![
        DbEntry {
            name: "shop".into(),
            tables: ["users", "orders", "products"]
                .map(|t| TableEntry {
                    name: t.into(),
                    primary_key: "id".into(),
                    indexes: vec!["created_at".into()],
                    ..TableEntry::default()
                })
                .into(),
        },
        DbEntry {
            name: "rethinkdb".into(),
            tables: vec![TableEntry {
                name: "jobs".into(),
                primary_key: "id".into(),
                ..TableEntry::default()
            }],
        },
    ]));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        press(app, code, KeyModifiers::NONE);
    }
}

fn press(app: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
    match app.key_action(KeyEvent::new(code, m)) {
        Some(a) => app.update(a),
        None => vec![],
    }
}

fn run_typed(app: &mut App) -> QueryId {
    let fx = press(app, KeyCode::F(5), KeyModifiers::NONE);
    fx.iter()
        .find_map(|e| match e {
            Effect::StartQuery { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap()
}

fn users() -> Vec<Doc> {
    (1..=30)
        .map(|i| {
            Doc(json!({
                "id": i,
                "name": format!("user{i}"),
                "email": format!("user{i}@example.com"),
                "roles": ["reader"],
                "address": {"city": "Lyon", "zip": "69001"}
            }))
        })
        .collect()
}

fn screen(app: &App, size: (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    terminal.draw(|f| screen::draw(app, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn start_screen_80x24() {
    let (mut app, _) = app((80, 24));
    app.init();
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn results_tree_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(
        &mut app,
        "r.db('shop').table('users')\n.filter({admin: true})",
    );
    let id = run_typed(&mut app);
    app.update(Action::QueryStarted { id, feed: false });
    app.update(Action::BatchArrived {
        id,
        rows: users(),
        more: true,
    });
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn results_table_120x40() {
    let (mut app, _) = app((120, 40));
    connected(&mut app);
    type_text(&mut app, "r.db('shop').table('users')");
    let id = run_typed(&mut app);
    app.update(Action::BatchArrived {
        id,
        rows: users(),
        more: false,
    });
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(12),
        profile: None,
    });
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::F(2), KeyModifiers::NONE);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&app, (120, 40)));
}

#[test]
fn running_query_with_spinner_and_raw_feed_120x40() {
    let (mut app, t0) = app((120, 40));
    connected(&mut app);
    type_text(&mut app, "r.db('shop').table('orders').count()");
    let a = run_typed(&mut app);
    app.update(Action::QueryFinished {
        id: a,
        elapsed: Duration::from_millis(4),
        profile: None,
    });
    app.update(Action::RunQuery {
        text: "r.db('shop').table('orders').changes()".into(),
        offset: usize::MAX,
    });
    let feed = QueryId(2);
    app.update(Action::QueryStarted {
        id: feed,
        feed: true,
    });
    app.update(Action::BatchArrived {
        id: feed,
        rows: (1..=3)
            .map(|i| Doc(json!({"new_val": {"id": i, "total": i * 10}, "old_val": null})))
            .collect(),
        more: true,
    });
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Char('v'), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('v'), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('p'), KeyModifiers::NONE);
    app.update(Action::BatchArrived {
        id: feed,
        rows: vec![Doc(json!({"new_val": {"id": 4}, "old_val": null}))],
        more: true,
    });
    app.update(Action::Tick(t0 + Duration::from_millis(1250)));
    insta::assert_snapshot!(screen(&app, (120, 40)));
}

#[test]
fn failed_query_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.table('nope').count()");
    let id = run_typed(&mut app);
    app.update(Action::QueryFailed {
        id,
        message: "Table `shop.nope` does not exist.".into(),
        span: Some((0, 15)),
    });
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn server_messages_indented_with_tabs_keep_their_indentation() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.table('users').get(1)('nope')");
    let id = run_typed(&mut app);
    app.update(Action::QueryFailed {
        id,
        message: "ReqlNonExistenceError: No attribute `nope` in object:\n{\n\t\"id\":\t1\n}".into(),
        span: None,
    });
    let shown = screen(&app, (80, 24));
    assert!(shown.contains(r#"    "id":    1"#), "{shown}");
}

#[test]
fn a_long_server_message_wraps_so_its_end_is_readable() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.table('nope').count()");
    let id = run_typed(&mut app);
    let name = "x".repeat(120);
    app.update(Action::QueryFailed {
        id,
        message: format!("ReqlOpFailedError: Table `demo.nope_{name}` does not exist."),
        span: None,
    });
    let shown = screen(&app, (80, 24));
    assert!(shown.contains("does not exist."), "{shown}");
}

#[test]
fn a_failed_catalog_load_is_readable_in_the_narrow_browser() {
    let (mut app, _) = app((100, 24));
    app.update(Action::CatalogFailed(
        "authentication failed for user `admin` on localhost:29015: Wrong password; \
         check the password or auth key of this profile"
            .into(),
    ));
    let shown = screen(&app, (100, 24));
    assert!(shown.contains("auth key of"), "{shown}");
}

#[test]
fn help_overlay_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn quit_confirmation_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.db('shop').table('users').changes()");
    run_typed(&mut app);
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn history_search_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    press(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    type_text(&mut app, "shop");
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn browser_filter_and_narrow_screen() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    press(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
    type_text(&mut app, "o");
    insta::assert_snapshot!("browser_filter_80x24", screen(&app, (80, 24)));
    // Below 60 columns the browser gives its room to the editor and results.
    app.update(Action::Resize(50, 16));
    insta::assert_snapshot!("narrow_50x16", screen(&app, (50, 16)));
}

#[test]
fn a_failing_sub_term_is_underlined_in_the_editor() {
    use ratatui::style::Modifier;
    let (mut app, _) = app((80, 24));
    type_text(&mut app, "r.table('nope').count()");
    let id = run_typed(&mut app);
    app.update(Action::QueryFailed {
        id,
        message: "Table `shop.nope` does not exist.".into(),
        span: Some((0, 15)),
    });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| screen::draw(&app, f)).unwrap();
    let buffer = terminal.backend().buffer();
    // Row 1 of the editor; text starts after the border (x 19), the gutter " 1 " (3 cells).
    let x0 = 19 + 1 + 3;
    let underlined: String = (x0..x0 + 24)
        .filter(|&x| buffer[(x, 1)].modifier.contains(Modifier::UNDERLINED))
        .map(|x| buffer[(x, 1)].symbol().to_owned())
        .collect();
    assert_eq!(underlined, "r.table('nope')");
}

#[test]
fn tiny_and_odd_sizes_draw_without_panicking() {
    for size in [(1, 1), (10, 3), (20, 5), (59, 10), (60, 8), (300, 100)] {
        let (mut app, _) = app(size);
        connected(&mut app);
        type_text(&mut app, "r.expr([1, 2])\n");
        let id = run_typed(&mut app);
        app.update(Action::BatchArrived {
            id,
            rows: users(),
            more: true,
        });
        for k in [
            KeyCode::Tab,
            KeyCode::Down,
            KeyCode::F(2),
            KeyCode::PageDown,
            KeyCode::F(1),
        ] {
            press(&mut app, k, KeyModifiers::NONE);
            screen(&app, size);
        }
    }
}

#[test]
fn completion_popup_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.db('shop').");
    let revision = app.editor().revision();
    app.update(Action::CompletionsArrived {
        revision,
        replace: (13, 13),
        items: [
            "table",
            "tableCreate",
            "tableDrop",
            "tableList",
            "config",
            "info",
        ]
        .map(|l| rdbsh::tui::action::Completion {
            label: l.into(),
            signature: Some(format!("{l}(…)")),
            help: Some(format!("{l}: one line of help")),
        })
        .into(),
    });
    type_text(&mut app, "ta");
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn the_completion_popup_sits_under_the_word_after_wide_characters() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    let prefix = "r.db('日本語').";
    type_text(&mut app, prefix);
    let revision = app.editor().revision();
    app.update(Action::CompletionsArrived {
        revision,
        replace: (prefix.len(), prefix.len()),
        items: vec![rdbsh::tui::action::Completion {
            label: "tableList".into(),
            signature: None,
            help: None,
        }],
    });
    let shown = screen(&app, (80, 24));
    let lines: Vec<&str> = shown.lines().collect();
    let query_row = lines
        .iter()
        .position(|l| l.contains(prefix))
        .expect("query line");
    // Cells, not chars: each of 日本語 takes two.
    let cells = |l: &str, byte: usize| {
        l[..byte]
            .chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum::<usize>()
    };
    let line = lines[query_row];
    let word_cell = cells(line, line.find(prefix).expect("prefix")) + 15;
    let item = lines[query_row + 1..]
        .iter()
        .find_map(|l| l.find("tableList").map(|i| cells(l, i)))
        .expect("the popup lists tableList");
    // The popup's border sits in the cell before its items, under the end of the prefix.
    assert_eq!(item - 1, word_cell, "{shown}");
}

#[test]
fn drop_table_confirmation_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('D'), KeyModifiers::SHIFT);
    type_text(&mut app, "ord");
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn destructive_query_confirmation_80x24() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.db('shop').table('users').delete()");
    let fx = press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert!(fx.iter().all(|e| !matches!(e, Effect::StartQuery { .. })));
    insta::assert_snapshot!(screen(&app, (80, 24)));
}

#[test]
fn feed_changes_as_coloured_diffs_100x30() {
    let (mut app, _) = app((100, 30));
    connected(&mut app);
    app.update(Action::RunQuery {
        text: "r.db('shop').table('orders').changes({includeInitial: true, includeStates: true})"
            .into(),
        offset: usize::MAX,
    });
    let feed = QueryId(1);
    app.update(Action::QueryStarted {
        id: feed,
        feed: true,
    });
    app.update(Action::BatchArrived {
        id: feed,
        rows: vec![
            Doc(json!({"state": "initializing"})),
            Doc(json!({"new_val": {"id": 1, "total": 10}})),
            Doc(json!({"state": "ready"})),
            Doc(json!({"new_val": {"id": 2, "total": 20}, "old_val": null})),
            Doc(json!({"new_val": {"id": 1, "total": 15, "note": "gift"}, "old_val": {"id": 1, "total": 10}})),
            Doc(json!({"new_val": {"id": 3}, "old_val": {"id": 3, "note": "x"}})),
            Doc(json!({"new_val": null, "old_val": {"id": 2, "total": 20}})),
        ],
        more: true,
    });
    let text = screen(&app, (100, 30));
    insta::assert_snapshot!(text);

    // Colours: the old value in the palette's error colour, the new one in its ok colour.
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| screen::draw(&app, f)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let row = (0..30)
        .find(|&y| {
            let line: String = (0..100).map(|x| buffer[(x, y)].symbol()).collect();
            line.contains("total: 10 → 15")
        })
        .expect("the changed field on screen");
    let line: String = (0..100).map(|x| buffer[(x, row)].symbol()).collect();
    let at = |needle: &str| line[..line.find(needle).unwrap()].chars().count() as u16;
    assert_eq!(buffer[(at("10 →"), row)].fg, app.palette().error);
    assert_eq!(buffer[(at("15,"), row)].fg, app.palette().ok);
    assert_eq!(buffer[(at("+note"), row)].fg, app.palette().ok);
}

#[test]
fn profile_tree_focused_with_a_task_collapsed_120x40() {
    let (mut app, _) = app((120, 40));
    connected(&mut app);
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    type_text(
        &mut app,
        "r.db('shop').table('users').filter({admin: true})",
    );
    let id = run_typed(&mut app);
    app.update(Action::BatchArrived {
        id,
        rows: users().into_iter().take(5).collect(),
        more: false,
    });
    // RethinkDB's shape: nested sub-tasks, one parallel branch per shard, a sampled task.
    let profile = json!([{"description": "Evaluating filter.", "duration(ms)": 1.25, "sub_tasks": [
        {"description": "Evaluating table.", "duration(ms)": 0.1, "sub_tasks": [
            {"description": "Evaluating db.", "duration(ms)": 0.02, "sub_tasks": [
                {"description": "Evaluating datum.", "duration(ms)": 0.001, "sub_tasks": []}
            ]},
            {"description": "Evaluating datum.", "duration(ms)": 0.001, "sub_tasks": []}
        ]},
        {"description": "Evaluating func.", "duration(ms)": 0.004, "sub_tasks": []},
        {"description": "Perform read.", "duration(ms)": 1.1, "sub_tasks": [
            {"parallel_tasks": [
                [{"description": "Perform read on shard.", "duration(ms)": 0.6, "sub_tasks": [
                    {"description": "Do range scan on primary index.", "duration(ms)": 0.5, "sub_tasks": []}
                ]}],
                [{"description": "Perform read on shard.", "mean_duration(ms)": 0.45, "n_samples": 3}]
            ]}
        ]}
    ]}]);
    app.update(Action::QueryFinished {
        id,
        elapsed: Duration::from_millis(2),
        profile: Some(Doc(profile)),
    });
    // Tab twice: the rows, then the profile; the second task (the table) collapsed.
    app.update(Action::FocusNext);
    app.update(Action::FocusNext);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&app, (120, 40)));
}

#[test]
fn a_window_feed_shows_a_move_as_a_removal_and_an_addition_and_no_change_as_raw_json() {
    let (mut app, _) = app((100, 24));
    connected(&mut app);
    type_text(
        &mut app,
        "r.db('shop').table('users').orderBy({index: 'id'}).limit(3).changes()",
    );
    let id = run_typed(&mut app);
    app.update(Action::QueryStarted { id, feed: true });
    app.update(Action::BatchArrived {
        id,
        rows: vec![
            Doc(json!({"old_val": {"id": 15, "n": 1}, "new_val": {"id": 2, "n": 1}})),
            Doc(json!({"old_val": {"id": 2, "n": 1}, "new_val": {"id": 2, "n": 4}})),
        ],
        more: true,
    });
    let text = screen(&app, (100, 24));
    assert!(!text.contains("old_val"), "no raw change:\n{text}");
    assert!(text.contains(r#"- {"id":15,"n":1}"#), "{text}");
    assert!(text.contains(r#"+ {"id":2,"n":1}"#), "{text}");
    assert!(text.contains("~ id 2 n: 1 → 4"), "{text}");
    assert!(!text.contains("id: 15 → 2"), "{text}");
}

#[test]
fn the_tab_bar_scrolls_to_keep_the_shown_tab_visible() {
    let (mut app, _) = app((80, 24));
    // Running queries are never closed, so all of them stay as tabs.
    for i in 0..40 {
        app.update(Action::RunQuery {
            text: format!("r.table('t{i}').changes()"),
            offset: 0,
        });
    }
    let shown = app.results().current().map(|t| t.id.0);
    assert_eq!(shown, Some(40));
    let text = screen(&app, (80, 24));
    assert!(
        text.contains(" 40● "),
        "the shown tab is on the bar:\n{text}"
    );
    assert!(
        text.contains("‹ "),
        "tabs cut on the left are marked:\n{text}"
    );
}

#[test]
fn help_fits_the_screen_and_lists_the_editing_keys() {
    for columns in [60u16, 100, 200] {
        let (app, _) = app((columns, 30));
        let width = screen::help_width(columns);
        let lines = screen::help_lines(&app, width);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        for line in &text {
            assert!(
                unicode_width::UnicodeWidthStr::width(line.as_str()) <= width,
                "{line:?} is wider than {width}"
            );
        }
        let all = text.join("\n");
        for wanted in ["select text", "move by word", "undo"] {
            assert!(
                all.contains(wanted),
                "{wanted} missing at {columns}:\n{all}"
            );
        }
    }
}

#[test]
fn a_single_value_has_no_expand_arrow() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.expr(42)");
    let id = run_typed(&mut app);
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!(42))],
        more: false,
    });
    let text = screen(&app, (80, 24));
    assert!(!text.contains("▾ 42"), "{text}");
    assert!(!text.contains("▸ 42"), "{text}");
    assert!(text.contains("  42"), "{text}");
}

#[test]
fn w_wraps_long_rows_in_the_raw_view() {
    let (mut app, _) = app((80, 24));
    connected(&mut app);
    type_text(&mut app, "r.expr(1)");
    let id = run_typed(&mut app);
    let long = format!("{}END-MARK", "a".repeat(150));
    app.update(Action::BatchArrived {
        id,
        rows: vec![Doc(json!({"text": long}))],
        more: false,
    });
    app.update(Action::FocusNext);
    assert!(!screen(&app, (80, 24)).contains("END-MARK"));
    press(&mut app, KeyCode::Char('w'), KeyModifiers::NONE);
    let text = screen(&app, (80, 24));
    assert!(text.contains("· raw"), "{text}");
    assert!(text.contains("END-MARK"), "{text}");
}

#[test]
fn any_tmtheme_file_loads_from_a_path_through_the_front_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.tmTheme");
    std::fs::write(
        &path,
        include_str!("../themes/rdbsh-dark.tmTheme").replace("#6CB6FF", "#010203"),
    )
    .unwrap();
    let theme = rdbsh::tui::theme::load_theme(path.to_str().unwrap()).unwrap();
    assert_eq!(theme.name(), "mine");
    assert_eq!(
        theme.style_for(rdbsh::render::Scope::Key).fg,
        Some(rdbsh::render::Rgb(1, 2, 3))
    );
    let palette = theme.palette();
    assert_eq!(palette.background, rdbsh::render::Rgb(0x1b, 0x1f, 0x27));
    assert!(rdbsh::tui::theme::load_theme("/no/such/theme.tmTheme").is_err());
}
