//! TUI frame times on a `TestBackend`: a huge retained result (only the visible window is
//! styled) and a busy changefeed while typing.
//!
//! Budgets (issue 5): a full frame with 1,000,000 rows retained in ≤ 2 ms; with a feed
//! delivering 10,000 changes per second, each 16 ms frame (its share of changes applied, one
//! key typed, the frame drawn) in ≤ 16 ms.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rdbsh::nesting::Doc;
use rdbsh::tui::keymap::Command;
use rdbsh::tui::panes::status::ConnectionInfo;
use rdbsh::tui::{Action, App, AppConfig, Keymap, Pane, QueryId, screen};
use serde_json::{Value, json};

const RETAINED: usize = 1_000_000;
/// Changes per frame at 10,000 per second and 60 frames per second.
const CHANGES_PER_FRAME: usize = 10_000 / 60 + 1;

fn row(i: usize) -> Value {
    json!({
        "id": format!("{i:08x}-7c1e-4b8a"),
        "name": format!("user {i}"),
        "age": i % 90,
        "active": i.is_multiple_of(2),
        "address": {"city": "Zürich", "zip": format!("{:04}", i % 10000)},
    })
}

fn change(i: usize) -> Value {
    json!({"old_val": {"id": i, "n": i}, "new_val": {"id": i, "n": i + 1, "at": "now"}})
}

fn app(cap: usize) -> App {
    let keymap = Keymap::defaults().unwrap_or_else(|e| panic!("{e}"));
    let mut config = AppConfig::new(keymap, ConnectionInfo::default());
    config.row_cap = cap;
    let mut app = App::new(config, Instant::now());
    app.update(Action::Resize(120, 40));
    app
}

fn focus(app: &mut App, pane: Pane) {
    while app.focus() != pane {
        app.update(Action::FocusNext);
    }
}

fn started(app: &mut App, text: &str, feed: bool) -> QueryId {
    app.update(Action::RunQuery {
        text: text.to_owned(),
        offset: 0,
    });
    let id = app.results().current().map_or(QueryId(1), |t| t.id);
    app.update(Action::QueryStarted { id, feed });
    id
}

fn huge_result(c: &mut Criterion) {
    let mut app = app(RETAINED);
    let id = started(&mut app, "r.table('users')", false);
    for start in (0..RETAINED).step_by(10_000) {
        let rows = (start..start + 10_000).map(|i| Doc(row(i))).collect();
        app.update(Action::BatchArrived {
            id,
            rows,
            more: true,
        });
    }
    assert_eq!(app.results().current().map(|t| t.len()), Some(RETAINED));
    focus(&mut app, Pane::Results);
    // Half-way down, one row opened in the tree view.
    while app
        .results()
        .current()
        .is_some_and(|t| t.selected() < RETAINED / 2)
    {
        app.update(Action::Command(Command::PageDown));
    }
    app.update(Action::Command(Command::Expand));
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("tui_frame");
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("1M rows retained, tree view", |b| {
        b.iter(|| {
            term.draw(|f| screen::draw(black_box(&app), f))
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });
    app.update(Action::Command(Command::ToggleView));
    group.bench_function("1M rows retained, table view", |b| {
        b.iter(|| {
            term.draw(|f| screen::draw(black_box(&app), f))
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });
    group.finish();
}

fn busy_feed(c: &mut Criterion) {
    let mut app = app(100_000);
    let id = started(&mut app, "r.table('events').changes()", true);
    // Start at the cap, so every frame also drops the oldest changes.
    for start in (0..100_000).step_by(10_000) {
        let rows = (start..start + 10_000).map(|i| Doc(change(i))).collect();
        app.update(Action::BatchArrived {
            id,
            rows,
            more: true,
        });
    }
    focus(&mut app, Pane::Editor);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap_or_else(|e| panic!("{e}"));
    let mut n = 100_000;
    let mut frames: u64 = 0;
    let mut group = c.benchmark_group("tui_feed");
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("frame with 10k changes/s while typing", |b| {
        b.iter(|| {
            // The changes one 16 ms frame receives, in batches as the server sends them.
            for chunk in 0..4 {
                let rows = (0..CHANGES_PER_FRAME / 4 + 1)
                    .map(|k| Doc(change(n + chunk * 100 + k)))
                    .collect();
                app.update(Action::BatchArrived {
                    id,
                    rows,
                    more: true,
                });
            }
            n += CHANGES_PER_FRAME;
            // Typing a query of everyday length: a key, and every 60 keys back to the start.
            frames += 1;
            let code = if frames.is_multiple_of(60) {
                app.update(Action::ExternalEditorClosed(Ok(String::new())));
                KeyCode::Char('r')
            } else {
                KeyCode::Char('a')
            };
            app.update(Action::Input(KeyEvent::new(code, KeyModifiers::NONE)));
            term.draw(|f| screen::draw(black_box(&app), f))
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });
    // A pasted one-liner of 2,000 characters being edited at its end: past
    // MAX_HIGHLIGHTED_LINE it is drawn plain, so a key stays cheap.
    let long: String = (0..1000)
        .map(|i| if i % 2 == 0 { "a" } else { " " })
        .collect();
    app.update(Action::ExternalEditorClosed(Ok(format!("{long}{long}"))));
    group.bench_function("key typed at the end of a 2,000-character line", |b| {
        b.iter(|| {
            app.update(Action::Input(KeyEvent::new(
                KeyCode::Char('a'),
                KeyModifiers::NONE,
            )));
            app.update(Action::Input(KeyEvent::new(
                KeyCode::Backspace,
                KeyModifiers::NONE,
            )));
            term.draw(|f| screen::draw(black_box(&app), f))
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });
    group.finish();
}

criterion_group!(benches, huge_result, busy_feed);
criterion_main!(benches);
