//! State tests with the real backend: `App` driven by the actions `SessionBackend` sends back
//! from an in-process sandbox server (a real socket). Every wait is bounded.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use rdbsh::config::Profile;
use rdbsh::render::Theme;
use rdbsh::sandbox::server::{self, ServerHandle};
use rdbsh::shell::Session;
use rdbsh::tui::action::ConnectionState;
use rdbsh::tui::keymap::Command;
use rdbsh::tui::panes::browser::{CatalogState, Count};
use rdbsh::tui::panes::results::{ResultTab, TabState, approx_size};
use rdbsh::tui::panes::status::ConnectionInfo;
use rdbsh::tui::{
    ACTIONS_PER_TURN, Action, App, AppConfig, Backend, Effect, Keymap, Pane, QueryId,
    SessionBackend, app::Overlay, apply_backend_actions, screen,
};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Generous: CI is a loaded 2-core machine; a passing run never waits this long.
const WAIT: Duration = Duration::from_secs(30);

struct Harness {
    app: App,
    backend: SessionBackend,
    tx: UnboundedSender<Action>,
    rx: UnboundedReceiver<Action>,
    profile: Profile,
    /// Every connection state reported, in order.
    states: Vec<ConnectionState>,
    _server: Option<ServerHandle>,
}

impl Harness {
    async fn start(read_only: bool, size: (u16, u16)) -> Harness {
        Harness::start_with(read_only, size, |_| {}).await
    }

    async fn start_with(
        read_only: bool,
        size: (u16, u16),
        configure: impl FnOnce(&mut AppConfig),
    ) -> Harness {
        let (mut profile, server) = server::start_in_process().await.expect("sandbox");
        profile.read_only = read_only;
        Harness::on(profile, Some(server), size, configure)
    }

    /// A harness on the server `profile` points at.
    fn on(
        profile: Profile,
        server: Option<ServerHandle>,
        size: (u16, u16),
        configure: impl FnOnce(&mut AppConfig),
    ) -> Harness {
        let info = ConnectionInfo::from_profile(&profile);
        let mut config = AppConfig::new(Keymap::defaults().expect("keymap"), info);
        config.theme = Theme::dark();
        configure(&mut config);
        let mut app = App::new(config, Instant::now());
        app.update(Action::Resize(size.0, size.1));
        let backend = SessionBackend::new(Session::new(profile.clone()));
        let (tx, rx) = unbounded_channel();
        let mut h = Harness {
            app,
            backend,
            tx,
            rx,
            profile,
            states: Vec::new(),
            _server: server,
        };
        let init = h.app.init();
        h.perform(init);
        h
    }

    fn perform(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.backend.handle(e, &self.tx);
        }
    }

    fn apply(&mut self, action: Action) {
        if let Action::ConnectionStateChanged(state) = &action {
            self.states.push(state.clone());
        }
        let fx = self.app.update(action);
        self.perform(fx);
    }

    /// Applies the backend's actions until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(&self.app) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(action)) => self.apply(action),
                Ok(None) => panic!("the backend channel closed while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; status: {:?}; tabs: {:?}",
                    self.app.status().message,
                    self.app
                        .results()
                        .current()
                        .map(|t| (&t.query, t.state(), t.len()))
                ),
            }
        }
    }

    fn run(&mut self, text: &str) -> QueryId {
        self.apply(Action::RunQuery {
            text: text.to_owned(),
            offset: 0,
        });
        self.app.results().current().expect("a result tab").id
    }

    fn tab(&self, id: QueryId) -> &rdbsh::tui::panes::results::ResultTab {
        self.app
            .results()
            .tabs()
            .iter()
            .find(|t| t.id == id)
            .expect("the query's tab")
    }
}

fn finished(state: &TabState) -> bool {
    !matches!(state, TabState::Pending | TabState::Open)
}

#[tokio::test]
async fn catalog_and_connection_state_come_from_the_server() {
    let mut h = Harness::start(false, (80, 24)).await;
    h.until("the catalog", |a| {
        *a.browser().state() == CatalogState::Loaded
    })
    .await;
    let demo = h
        .app
        .browser()
        .catalog()
        .iter()
        .find(|d| d.name == "demo")
        .expect("the demo database");
    let mut tables: Vec<&str> = demo.tables.iter().map(|t| t.name.as_str()).collect();
    tables.sort_unstable();
    assert_eq!(tables, ["events", "orders", "users"]);
    // Per table: primary key, indexes, shards, replicas and readiness from the system tables.
    let users = demo
        .tables
        .iter()
        .find(|t| t.name == "users")
        .expect("the users table");
    assert_eq!(users.primary_key, "id");
    let mut indexes: Vec<&str> = users.indexes.iter().map(String::as_str).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, ["age", "city", "tags"]);
    assert_eq!(
        (users.shards, users.replicas, users.ready),
        (Some(1), Some(1), Some(true))
    );
    h.until("the connected state", |a| {
        matches!(
            a.status().connection,
            ConnectionState::Connected { tls: None, .. }
        )
    })
    .await;

    // Completion of table names uses the catalog the backend loaded.
    let text = "r.db('demo').table('us";
    h.backend.handle(
        Effect::Complete {
            revision: 7,
            text: text.into(),
            cursor: text.len(),
        },
        &h.tx.clone(),
    );
    let answer = tokio::time::timeout(WAIT, async {
        loop {
            match h.rx.recv().await {
                Some(a @ Action::CompletionsArrived { .. }) => break Some(a),
                Some(other) => {
                    h.app.update(other);
                }
                None => break None,
            }
        }
    })
    .await
    .expect("completions");
    match answer {
        Some(Action::CompletionsArrived {
            revision, items, ..
        }) => {
            assert_eq!(revision, 7);
            assert!(items.iter().any(|c| c.label.contains("users")), "{items:?}");
        }
        other => panic!("expected completions, got {other:?}"),
    }

    h.backend.handle(
        Effect::CountTable {
            db: "demo".into(),
            table: "users".into(),
        },
        &h.tx.clone(),
    );
    h.until("the count", |a| {
        a.browser().count("demo", "users") == Some(Count::Done(24))
    })
    .await;
}

#[tokio::test]
async fn rows_come_one_batch_per_request_and_stop_ends_the_query() {
    let mut h = Harness::start(false, (80, 24)).await;
    // 120 events in batches of 5: the pane asks for what it shows, not for everything.
    let id =
        h.run("r.db('demo').table('events').orderBy({index: 'id'}).run(conn, {maxBatchRows: 5})");
    h.until("the first batches", |a| {
        a.results()
            .current()
            .is_some_and(|t| t.len() >= 5 && t.has_more() && !t.is_waiting())
    })
    .await;
    let shown = h.tab(id).len();
    assert!(shown < 120, "all rows were read: {shown}");
    assert_eq!(shown % 5, 0);
    assert_eq!(
        h.tab(id).row(0).and_then(|r| r["id"].as_str()),
        Some("evt-00001")
    );

    h.apply(Action::FetchMore(id));
    h.until("one more batch", |a| {
        a.results().current().is_some_and(|t| !t.is_waiting())
    })
    .await;
    assert_eq!(h.tab(id).len(), shown + 5);

    h.apply(Action::CancelQuery(id));
    h.until("the stop", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert!(matches!(h.tab(id).state(), TabState::Stopped { .. }));

    // The session stays: the next query runs on it.
    let next = h.run("r.db('demo').table('users').count()");
    h.until("the next query", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(next).row(0), Some(&serde_json::json!(24)));
}

#[tokio::test]
async fn errors_carry_spans_and_read_only_refuses_writes() {
    let mut h = Harness::start(true, (80, 24)).await;
    // A compile error, located in the text.
    h.app.update(Action::ExternalEditorClosed(Ok(
        "r.table('users').fliter({a: 1})".to_owned(),
    )));
    let id = h.run("r.table('users').fliter({a: 1})");
    h.until("the compile error", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert!(matches!(h.tab(id).state(), TabState::Failed { .. }));
    let err = h
        .app
        .editor()
        .run_error()
        .expect("an underlined span")
        .clone();
    assert_eq!(err.span, (17, 23), "{}", err.message);

    // A runtime error from the server, its backtrace mapped back to the failing sub-term
    // (the body of map's function: RethinkDB blames `r.expr(1).add('a')` as a whole).
    let text = "r.expr([1]).map(x => x.add('a'))";
    h.app
        .update(Action::ExternalEditorClosed(Ok(text.to_owned())));
    let id = h.run(text);
    h.until("the runtime error", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    match h.tab(id).state() {
        TabState::Failed { message } => {
            assert!(message.contains("ReqlQueryLogicError"), "{message}")
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // The span is inside the text and not the whole of it.
    let span = h.app.editor().run_error().expect("an underlined span").span;
    assert!(span.1 <= text.len() && span.0 > 0, "{span:?}");

    // Read-only: refused before sending, naming the write.
    let id = h.run("r.db('demo').table('users').insert({name: 'x'})");
    h.until("the refusal", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    match h.tab(id).state() {
        TabState::Failed { message } => {
            assert!(
                message.contains("`insert`") && message.contains("read-only"),
                "{message}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Nothing was written.
    let id = h.run("r.db('demo').table('users').count()");
    h.until("the count", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(id).row(0), Some(&serde_json::json!(24)));
}

#[tokio::test]
async fn a_feed_delivers_changes_made_by_another_client_until_stopped() {
    let mut h = Harness::start(false, (80, 24)).await;
    let id = h.run("r.db('demo').table('events').changes()");
    h.until("the feed to start", |a| {
        a.results().current().is_some_and(|t| t.feed().is_some())
    })
    .await;
    // A second client writes.
    let other = Session::new(h.profile.clone());
    let mut writer = SessionBackend::new(other);
    let (wtx, mut wrx) = unbounded_channel();
    writer.handle(
        Effect::StartQuery {
            id: QueryId(999),
            text: "r.db('demo').table('events').insert({id: 'evt-new', kind: 'test'})".into(),
            options: Default::default(),
        },
        &wtx,
    );
    let written = tokio::time::timeout(WAIT, async {
        while let Some(a) = wrx.recv().await {
            if matches!(a, Action::QueryFinished { .. } | Action::QueryFailed { .. }) {
                return a;
            }
        }
        panic!("the writer's channel closed")
    })
    .await
    .expect("the insert");
    assert!(
        matches!(written, Action::QueryFinished { .. }),
        "{written:?}"
    );

    h.until("the change", |a| {
        a.results().current().is_some_and(|t| t.len() == 1)
    })
    .await;
    let change = h.tab(id).row(0).expect("a change").clone();
    assert_eq!(change["new_val"]["id"], "evt-new");
    assert!(change["old_val"].is_null());

    h.apply(Action::CancelQuery(id));
    h.until("the feed to stop", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert!(matches!(h.tab(id).state(), TabState::Stopped { .. }));

    // The screen draws the change (styled rows through render).
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut term = ratatui::Terminal::new(backend).expect("terminal");
    term.draw(|f| screen::draw(&h.app, f)).expect("draw");
    let text: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("evt-new"), "{text}");
}

#[tokio::test]
async fn profiling_brings_the_servers_profile() {
    let mut h = Harness::start(false, (80, 24)).await;
    h.apply(Action::Command(rdbsh::tui::keymap::Command::ToggleProfile));
    assert!(h.app.profiling());
    let id = h.run("r.db('demo').table('users').filter({active: true}).count()");
    h.until("the query", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    let profile = h.tab(id).profile().cloned().expect("a profile");
    assert!(profile.is_array(), "{profile}");
    // The rows still come as without profiling (18 of the 24 demo users are active).
    assert_eq!(h.tab(id).row(0), Some(&serde_json::json!(18)));

    // The profile shows beside (here: under) the rows as a tree with its durations.
    assert!(h.app.profile_shown());
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut term = ratatui::Terminal::new(backend).expect("terminal");
    term.draw(|f| screen::draw(&h.app, f)).expect("draw");
    let text = term.backend().to_string();
    let line = text
        .lines()
        .find(|l| l.contains("Evaluating count"))
        .unwrap_or_else(|| panic!("no profile task on screen:\n{text}"));
    assert!(line.contains(" ms"), "{line}");
}

#[tokio::test]
async fn two_feeds_on_the_one_connection_stop_independently() {
    let mut h = Harness::start(false, (80, 24)).await;
    let users = h.run("r.db('demo').table('users').changes()");
    let orders = h.run("r.db('demo').table('orders').changes()");
    h.until("both feeds to start", |a| {
        a.results()
            .tabs()
            .iter()
            .filter(|t| t.feed().is_some())
            .count()
            == 2
    })
    .await;
    h.apply(Action::CancelQuery(users));
    h.until("the users feed to stop", |a| {
        a.results()
            .tabs()
            .iter()
            .any(|t| t.id == users && matches!(t.state(), TabState::Stopped { .. }))
    })
    .await;
    assert!(h.tab(orders).is_running());

    // The orders feed still delivers, on the same session.
    let write = h.run("r.db('demo').table('orders').get('ord-0001').update({status: 'lost'})");
    h.until("the write and its change", |a| {
        let done = a
            .results()
            .tabs()
            .iter()
            .any(|t| t.id == write && finished(t.state()));
        let changed = a
            .results()
            .tabs()
            .iter()
            .any(|t| t.id == orders && t.len() == 1);
        done && changed
    })
    .await;
    let change = h.tab(orders).row(0).expect("a change").clone();
    assert_eq!(change["old_val"]["status"], "pending");
    assert_eq!(change["new_val"]["status"], "lost");
    assert_eq!(h.tab(users).len(), 0);

    h.apply(Action::CancelQuery(orders));
    h.until("the orders feed to stop", |a| {
        a.results().tabs().iter().all(|t| finished(t.state()))
    })
    .await;
}

/// Changes received by a feed tab: retained, discarded because of the cap, and held.
fn received(tab: &ResultTab) -> u64 {
    tab.len() as u64 + tab.dropped() + tab.held() as u64
}

/// The `n` of each retained change, in order.
fn ns(tab: &ResultTab) -> Vec<u64> {
    (0..tab.len())
        .map(|i| {
            tab.row(i)
                .and_then(|c| c["new_val"]["n"].as_u64())
                .expect("a change with new_val.n")
        })
        .collect()
}

/// Runs `text` on its own connection (a second client) and returns its result.
async fn write(net: &rdbsh::net::Link, text: &str) -> Value {
    let term = rdbsh::reql::compile_query(text).expect("compiles").term();
    let mut cursor = net
        .run_value(&term, &serde_json::Map::new())
        .await
        .expect("the write runs");
    let batch = cursor.next_batch().await.expect("its result");
    let row = batch
        .and_then(|b| b.rows.into_iter().next())
        .expect("a row");
    serde_json::from_str(row.get()).expect("json")
}

#[tokio::test]
async fn ten_thousand_changes_keep_the_cap_and_keys_get_their_turn() {
    const CAP: usize = 1000;
    const CHUNK: u64 = 1000;
    let mut h = Harness::start_with(false, (100, 30), |c| c.row_cap = CAP).await;
    // Small batches, as a busy server sends them: many backend actions per burst of writes.
    let id = h.run("r.db('demo').table('events').changes().run(conn, {maxBatchRows: 10})");
    h.until("the feed to start", |a| {
        a.results().current().is_some_and(|t| t.feed().is_some())
    })
    .await;
    h.apply(Action::FocusNext);
    assert_eq!(h.app.focus(), Pane::Results);
    let writer = rdbsh::net::Link::new(h.profile.clone());
    let insert = |k: u64| {
        format!(
            "r.db('demo').table('events').insert(r.range({}, {}).map(function(x) {{ return {{n: x}}; }}))",
            k * CHUNK,
            (k + 1) * CHUNK
        )
    };
    let press = |h: &mut Harness, c: char| {
        let key =
            ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(c));
        let action = h.app.key_action(key).expect("an action");
        assert_eq!(action, Action::Command(Command::PauseFeed));
        h.apply(action);
    };

    for k in 0..4 {
        assert_eq!(write(&writer, &insert(k)).await["inserted"], json!(CHUNK));
        h.until("the chunk's changes", |a| {
            a.results()
                .current()
                .is_some_and(|t| received(t) == (k + 1) * CHUNK)
        })
        .await;
    }
    let tab = h.tab(id);
    assert_eq!((tab.len(), tab.dropped()), (CAP, 4 * CHUNK - CAP as u64));

    // The next thousand changes pile up unapplied, more than one turn of the loop's worth.
    assert_eq!(write(&writer, &insert(4)).await["inserted"], json!(CHUNK));
    let deadline = tokio::time::Instant::now() + WAIT;
    while h.rx.len() <= ACTIONS_PER_TURN {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backend did not queue the changes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // One turn applies at most ACTIONS_PER_TURN of them and leaves the rest queued, so a key
    // pressed now is handled before the flood is drained: the pause key pauses mid-stream.
    let before = received(h.tab(id));
    let fx = apply_backend_actions(&mut h.app, &mut h.rx, ACTIONS_PER_TURN);
    h.perform(fx);
    let after = received(h.tab(id));
    assert!(after > before, "the turn applied nothing");
    assert!(
        after - before <= (ACTIONS_PER_TURN * 10) as u64,
        "one turn applied {} changes",
        after - before
    );
    assert!(!h.rx.is_empty(), "the flood was drained in one turn");
    assert!(after < 5 * CHUNK);
    press(&mut h, 'p');
    let shown_at_pause = ns(h.tab(id));

    // Paused: the rest is held (and counted), the retained changes do not move.
    h.until("the rest of the chunk, held", |a| {
        a.results()
            .current()
            .is_some_and(|t| received(t) == 5 * CHUNK)
    })
    .await;
    let tab = h.tab(id);
    let held = tab.held();
    assert_eq!(held as u64, 5 * CHUNK - after);
    assert_eq!(ns(tab), shown_at_pause);
    assert!(
        tab.header(Instant::now())
            .contains(&format!("paused, {held} held")),
        "{}",
        tab.header(Instant::now())
    );

    // Resumed: the held changes follow in order.
    press(&mut h, 'p');
    let tab = h.tab(id);
    assert_eq!(tab.held(), 0);
    let expected: Vec<u64> = (5 * CHUNK - CAP as u64..5 * CHUNK).collect();
    assert_eq!(ns(tab), expected);

    for k in 5..10 {
        assert_eq!(write(&writer, &insert(k)).await["inserted"], json!(CHUNK));
        h.until("the chunk's changes", |a| {
            a.results()
                .current()
                .is_some_and(|t| received(t) == (k + 1) * CHUNK)
        })
        .await;
    }
    // 10,000 changes: the newest CAP retained in order, the rest discarded and counted, and
    // the memory they take bounded by the cap.
    let tab = h.tab(id);
    assert_eq!(tab.len(), CAP);
    assert_eq!(tab.dropped(), 10 * CHUNK - CAP as u64);
    let expected: Vec<u64> = (10 * CHUNK - CAP as u64..10 * CHUNK).collect();
    assert_eq!(ns(tab), expected);
    let retained: usize = (0..tab.len())
        .filter_map(|i| tab.row(i))
        .map(approx_size)
        .sum();
    assert_eq!(tab.retained_bytes(), retained);
    assert!(
        tab.retained_bytes() <= CAP * 200,
        "{}",
        tab.retained_bytes()
    );
    let header = tab.header(Instant::now());
    assert!(header.contains("1000 changes"), "{header}");
    assert!(header.contains("9000 older discarded"), "{header}");

    h.apply(Action::CancelQuery(id));
    h.until("the feed to stop", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
}

/// Every duration in a profile set to `ms`, so a snapshot does not depend on the clock.
fn fix_durations(v: &mut Value, ms: f64) {
    match v {
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                if k.ends_with("duration(ms)") {
                    *item = json!(ms);
                } else {
                    fix_durations(item, ms);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fix_durations(i, ms)),
        _ => {}
    }
}

/// A profiled query run on the sandbox and drawn; the clock-dependent figures (durations, the
/// elapsed time, the server's port) fixed.
async fn profiled_screen(size: (u16, u16)) -> String {
    let mut h = Harness::start_with(false, size, |c| c.info.port = 28015).await;
    h.until("the catalog", |a| {
        *a.browser().state() == CatalogState::Loaded
    })
    .await;
    // The cluster's one read after the catalog, so the browser's first line is settled.
    h.until("the cluster", |a| a.browser().cluster().is_some())
        .await;
    h.apply(Action::Command(Command::ToggleProfile));
    let id = h.run("r.db('demo').table('users').orderBy('id').limit(4).pluck('id', 'name')");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let action = tokio::time::timeout_at(deadline, h.rx.recv())
            .await
            .expect("the query to finish")
            .expect("the backend channel");
        match action {
            Action::QueryFinished {
                id: done,
                mut profile,
                ..
            } if done == id => {
                let p = profile.as_mut().expect("the server's profile");
                assert!(p.to_string().contains("duration(ms)"), "{p}");
                fix_durations(p, 0.25);
                h.apply(Action::QueryFinished {
                    id,
                    elapsed: Duration::from_millis(3),
                    profile,
                });
                break;
            }
            other => h.apply(other),
        }
    }
    h.apply(Action::Command(Command::Close));
    let backend = ratatui::backend::TestBackend::new(size.0, size.1);
    let mut term = ratatui::Terminal::new(backend).expect("terminal");
    term.draw(|f| screen::draw(&h.app, f)).expect("draw");
    term.backend().to_string()
}

#[tokio::test]
async fn profile_beside_the_rows_120x40() {
    let text = profiled_screen((120, 40)).await;
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn profile_under_the_rows_80x24() {
    let text = profiled_screen((80, 24)).await;
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn the_status_bar_follows_a_lost_connection_until_the_server_is_back() {
    let server = common::SandboxProcess::start(&[], &[]);
    let port = server.port;
    let profile = Profile {
        host: "127.0.0.1".into(),
        port,
        ..Profile::default()
    };
    let mut h = Harness::on(profile, None, (100, 30), |_| {});
    // Nothing in flight when the server goes: the catalog has loaded.
    h.until("the connection and the catalog", |a| {
        matches!(a.status().connection, ConnectionState::Connected { .. })
            && *a.browser().state() == CatalogState::Loaded
    })
    .await;
    let seen = h.states.len();

    // The server goes away: lost, then reconnecting with attempts counted.
    drop(server);
    h.until("reconnecting", |a| {
        matches!(a.status().connection, ConnectionState::Reconnecting { .. })
    })
    .await;
    let draw = |app: &App| {
        let backend = ratatui::backend::TestBackend::new(100, 30);
        let mut term = ratatui::Terminal::new(backend).expect("terminal");
        term.draw(|f| screen::draw(app, f)).expect("draw");
        term.backend().to_string()
    };
    let text = draw(&h.app);
    assert!(text.contains("reconnecting (1)"), "{text}");
    assert!(text.contains("connection lost"), "{text}");

    // Back on the same port: connected again, and queries run on the new connection.
    let _server = common::SandboxProcess::start_on(&format!("127.0.0.1:{port}"), &[], &[]);
    h.until("the connection to come back", |a| {
        matches!(a.status().connection, ConnectionState::Connected { .. })
    })
    .await;
    let kinds: Vec<&str> = h.states[seen..]
        .iter()
        .map(|s| match s {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected { .. } => "connected",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            ConnectionState::Lost { .. } => "lost",
        })
        .collect();
    let mut order = kinds.clone();
    order.dedup();
    assert_eq!(order, ["lost", "reconnecting", "connected"], "{kinds:?}");
    let text = draw(&h.app);
    assert!(text.contains("reconnected"), "{text}");

    let id = h.run("r.db('demo').table('users').count()");
    h.until("a query after the reconnection", |a| {
        a.results()
            .tabs()
            .iter()
            .any(|t| t.id == id && finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(id).row(0), Some(&json!(24)));
}

#[tokio::test]
async fn query_timeout_stops_a_feed_and_fails_the_statement() {
    let (mut profile, server) = server::start_in_process().await.expect("sandbox");
    profile.query_timeout = Some(Duration::from_millis(300));
    let mut h = Harness::on(profile, Some(server), (80, 24), |_| {});
    let id = h.run("r.db('demo').table('users').changes()");
    h.until("the query timeout", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    match h.tab(id).state() {
        TabState::Failed { message } => {
            assert!(message.contains("query timeout (0.3s)"), "{message}");
            assert!(message.contains("--query-timeout"), "{message}");
        }
        other => panic!("expected the timeout, got {other:?}"),
    }
    // The session stays for the next statement.
    let id = h.run("r.expr(1)");
    h.until("the next query", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert!(
        matches!(h.tab(id).state(), TabState::Done { .. }),
        "{:?}",
        h.tab(id).state()
    );
}

#[tokio::test]
async fn named_queries_save_and_run_from_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("team.toml");
    let (mut profile, server) = server::start_in_process().await.expect("sandbox");
    profile.queries = Some(file.clone());
    let mut h = Harness::on(profile, Some(server), (100, 30), |_| {});
    h.apply(Action::RunQuery {
        text: ".save twice r.expr(${n}).mul(2)".into(),
        offset: 0,
    });
    h.until("saved", |a| {
        format!("{:?}", a.status().message).contains("saved query `twice`")
    })
    .await;
    assert!(std::fs::read_to_string(&file).unwrap().contains("twice"));
    h.apply(Action::RunQuery {
        text: ".run twice n=21".into(),
        offset: 0,
    });
    h.until("the bound query's result", |a| {
        a.results()
            .current()
            .is_some_and(|t| finished(t.state()) && t.row(0) == Some(&json!(42)))
    })
    .await;
    h.apply(Action::RunQuery {
        text: ".run twice".into(),
        offset: 0,
    });
    h.until("the missing parameter", |a| {
        format!("{:?}", a.status().message).contains("needs parameter `n`")
    })
    .await;
}

#[tokio::test]
async fn status_meta_command_shows_the_cluster_text() {
    let mut h = Harness::start(false, (100, 30)).await;
    h.apply(Action::RunQuery {
        text: ".status".into(),
        offset: 0,
    });
    h.until(
        "the status text",
        |a| matches!(a.overlay(), Some(Overlay::Value { what, .. }) if what == "cluster status"),
    )
    .await;
    let Some(Overlay::Value { lines, .. }) = h.app.overlay() else {
        unreachable!("waited for it")
    };
    assert!(lines[0].starts_with("connected to "), "{lines:?}");
    assert!(lines.iter().any(|l| l == "servers (1):"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with(" *")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("issues (")), "{lines:?}");
}

#[tokio::test]
async fn the_sandbox_answers_the_cluster_node_as_a_one_server_cluster() {
    use rdbsh::tui::cluster::ReplicaState;
    let mut h = Harness::start(false, (100, 30)).await;
    h.until("the catalog", |a| {
        *a.browser().state() == CatalogState::Loaded
    })
    .await;
    // The one read after the catalog loads.
    h.until("the cluster", |a| a.browser().cluster().is_some())
        .await;
    let picture = h.app.browser().cluster().expect("a picture").clone();
    let cluster = &picture.cluster;
    assert_eq!(cluster.servers.len(), 1, "{cluster:?}");
    let server = &cluster.servers[0];
    assert!(server.connected, "{server:?}");
    assert_eq!(picture.here.as_deref(), Some(server.name.as_str()));
    assert!(server.uptime.is_some(), "{server:?}");
    assert!(cluster.issues.is_empty());
    let users = cluster
        .tables
        .iter()
        .find(|t| t.db == "demo" && t.name == "users")
        .expect("demo.users");
    assert!(users.readiness.all_replicas_ready);
    assert_eq!(users.shards.len(), 1);
    assert_eq!(
        users.shards[0].primary.as_deref(),
        Some(server.name.as_str())
    );
    assert_eq!(users.shards[0].replicas[0].state, ReplicaState::Ready);
}

#[tokio::test]
async fn the_export_key_writes_the_rows_or_the_whole_query_into_a_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut h = Harness::start(false, (100, 30)).await;
    let id = h.run("r.db('demo').table('users').orderBy('id').pluck('id').limit(3)");
    h.until("the rows", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(id).len(), 3);
    // The rows shown, as CSV.
    let csv = dir.path().join("users.csv");
    h.apply(Action::Command(Command::FocusNext));
    h.apply(Action::Command(Command::Export));
    h.apply(Action::Paste(csv.display().to_string()));
    let enter = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Enter,
        ratatui::crossterm::event::KeyModifiers::NONE,
    );
    h.apply(Action::Input(enter));
    h.until("the export", |a| {
        a.status()
            .message
            .as_ref()
            .is_some_and(|m| m.1.starts_with("exported"))
    })
    .await;
    let text = std::fs::read_to_string(&csv).expect("the csv file");
    assert_eq!(text.lines().count(), 4, "{text}");
    assert_eq!(text.lines().next(), Some("id"));
    // The whole result of a query streamed again, as NDJSON; no partial file left.
    let nd = dir.path().join("all.ndjson");
    h.perform(vec![Effect::ExportQuery {
        text: "r.db('demo').table('orders')".into(),
        export: rdbsh::shell::export::Export::parse(&[nd.to_str().expect("utf-8")])
            .expect("an export"),
    }]);
    h.until("the second export", |a| {
        a.status()
            .message
            .as_ref()
            .is_some_and(|m| m.1.contains("all.ndjson"))
    })
    .await;
    let (_, message) = h.app.status().message.clone().expect("a message");
    assert!(message.starts_with("exported 60 rows"), "{message}");
    let text = std::fs::read_to_string(&nd).expect("the ndjson file");
    assert_eq!(text.lines().count(), 60);
    assert!(!dir.path().join("all.ndjson.partial").exists());
    // A file that cannot be written: said, nothing left behind.
    let bad = dir.path().join("missing").join("x.json");
    h.perform(vec![Effect::ExportQuery {
        text: "r.db('demo').table('orders')".into(),
        export: rdbsh::shell::export::Export::parse(&[bad.to_str().expect("utf-8")])
            .expect("an export"),
    }]);
    h.until("the failed export", |a| {
        a.status()
            .message
            .as_ref()
            .is_some_and(|m| m.1.starts_with("not exported"))
    })
    .await;
}

/// `.connect NAME`: the connection is made in the background, then the queries that follow
/// go to the other server, on a session of their own.
#[tokio::test]
async fn dot_connect_moves_the_queries_to_another_server() {
    let (other, _other_server) = server::start_in_process().await.expect("a second sandbox");
    let other_link = rdbsh::net::Link::new(other.clone());
    write(&other_link, "r.db('demo').tableCreate('only_on_the_other')").await;
    let mut h = Harness::start(false, (100, 30)).await;
    let backend = std::mem::replace(
        &mut h.backend,
        SessionBackend::new(Session::new(h.profile.clone())),
    );
    h.backend = backend.with_connector(Box::new(move |name| match name {
        "other" => Ok(other.clone()),
        _ => Err(format!("no profile {name}")),
    }));
    let tables = "r.db('demo').tableList().contains('only_on_the_other')";
    let before = h.run(tables);
    h.until("the query on the first server", |a| {
        a.results().current().is_some_and(|t| finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(before).row(0), Some(&json!(false)));

    h.apply(Action::RunQuery {
        text: ".connect other".into(),
        offset: 0,
    });
    h.until("the new connection", |a| {
        a.status()
            .message
            .as_ref()
            .is_some_and(|(_, m)| m.starts_with("connected to"))
    })
    .await;
    let after = h.run(tables);
    h.until("the query on the other server", |a| {
        a.results()
            .current()
            .is_some_and(|t| t.id == after && finished(t.state()))
    })
    .await;
    assert_eq!(h.tab(after).row(0), Some(&json!(true)));
}
