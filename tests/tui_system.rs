//! The TUI's system views (`jobs`, `current_issues`, `server_status`): state driven by an
//! injected clock, render snapshots, and the real backend against an in-process sandbox.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rdbsh::config::Profile;
use rdbsh::net;
use rdbsh::protocol::{ErrorType, GlobalOptargs};
use rdbsh::sandbox::server::{self, ServerHandle};
use rdbsh::shell::Session;
use rdbsh::tui::action::{ConnectionState, DbEntry, SystemView, TableEntry};
use rdbsh::tui::app::Overlay;
use rdbsh::tui::panes::results::TabState;
use rdbsh::tui::panes::status::ConnectionInfo;
use rdbsh::tui::panes::system::Loaded;
use rdbsh::tui::{Action, App, AppConfig, Backend, Effect, Keymap, Pane, QueryId, SessionBackend};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

fn config(read_only: bool) -> AppConfig {
    let profile = Profile {
        name: Some("prod".into()),
        read_only,
        ..Profile::default()
    };
    let mut c = AppConfig::new(
        Keymap::defaults().unwrap(),
        ConnectionInfo::from_profile(&profile),
    );
    c.system_refresh = Duration::from_secs(2);
    c
}

fn app_with(config: AppConfig, size: (u16, u16)) -> (App, Instant) {
    let t0 = Instant::now();
    let mut app = App::new(config, t0);
    app.update(Action::Resize(size.0, size.1));
    (app, t0)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let m = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    match app.key_action(KeyEvent::new(code, m)) {
        Some(a) => app.update(a),
        None => Vec::new(),
    }
}

fn loads(fx: &[Effect]) -> Vec<SystemView> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadSystem(v) => Some(*v),
            _ => None,
        })
        .collect()
}

fn started(fx: &[Effect]) -> Vec<(QueryId, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::StartQuery { id, text, .. } => Some((*id, text.clone())),
            _ => None,
        })
        .collect()
}

fn job(uuid: &str, secs: f64, port: u16, query: &str) -> Value {
    json!({
        "duration_sec": secs,
        "id": ["query", uuid],
        "info": {"client_address": "127.0.0.1", "client_port": port, "query": query, "user": "admin"},
        "servers": ["rdbsh_sandbox"],
        "type": "query"
    })
}

fn two_jobs() -> Vec<Value> {
    vec![
        job(
            "11111111-1111-4111-8111-111111111111",
            0.002,
            50001,
            r#"r.db("rethinkdb").table("jobs")"#,
        ),
        job(
            "22222222-2222-4222-8222-222222222222",
            754.25,
            50002,
            r#"r.db("demo").table("orders").changes()"#,
        ),
    ]
}

fn catalog() -> Vec<DbEntry> {
    let table = |name: &str| TableEntry {
        name: name.into(),
        primary_key: "id".into(),
        ..TableEntry::default()
    };
    vec![
        DbEntry {
            name: "demo".into(),
            tables: vec![table("orders"), table("users")],
        },
        DbEntry {
            name: "rethinkdb".into(),
            tables: ["current_issues", "jobs", "server_status"]
                .map(table)
                .into(),
        },
    ]
}

#[test]
fn a_view_refreshes_on_the_interval_only_while_shown() {
    let (mut app, t0) = app_with(config(false), (100, 30));
    assert_eq!(
        loads(&app.update(Action::Tick(t0 + Duration::from_secs(5)))),
        []
    );

    // F3 shows the jobs view and loads it at once.
    let t1 = t0 + Duration::from_secs(10);
    app.update(Action::Tick(t1));
    assert_eq!(loads(&press(&mut app, KeyCode::F(3))), [SystemView::Jobs]);
    assert_eq!(app.system().shown(), Some(SystemView::Jobs));
    // Not due yet; then due but the answer is still outstanding: no second load piles up.
    assert_eq!(
        loads(&app.update(Action::Tick(t1 + Duration::from_secs(1)))),
        []
    );
    assert_eq!(
        loads(&app.update(Action::Tick(t1 + Duration::from_secs(3)))),
        []
    );
    app.update(Action::SystemLoaded {
        view: SystemView::Jobs,
        result: Ok(two_jobs()),
    });
    assert_eq!(
        loads(&app.update(Action::Tick(t1 + Duration::from_secs(3)))),
        [SystemView::Jobs]
    );
    app.update(Action::SystemLoaded {
        view: SystemView::Jobs,
        result: Ok(two_jobs()),
    });
    assert_eq!(
        loads(&app.update(Action::Tick(t1 + Duration::from_millis(4_900)))),
        []
    );
    assert_eq!(
        loads(&app.update(Action::Tick(t1 + Duration::from_secs(5)))),
        [SystemView::Jobs]
    );

    // The next view (F3 again, or `]`) loads its own table; a late answer for jobs is dropped.
    assert_eq!(
        loads(&press(&mut app, KeyCode::F(3))),
        [SystemView::CurrentIssues]
    );
    app.update(Action::SystemLoaded {
        view: SystemView::Jobs,
        result: Ok(two_jobs()),
    });
    assert_eq!(app.system().loaded, Loaded::Nothing);
    app.update(Action::SystemLoaded {
        view: SystemView::CurrentIssues,
        result: Ok(vec![]),
    });
    assert_eq!(
        loads(&press(&mut app, KeyCode::Char(']'))),
        [SystemView::ServerStatus]
    );
    app.update(Action::SystemLoaded {
        view: SystemView::ServerStatus,
        result: Ok(vec![]),
    });

    // Esc hides it: no more loads, however long the clock runs.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.system().shown(), None);
    for s in [20, 60, 600] {
        assert_eq!(
            loads(&app.update(Action::Tick(t1 + Duration::from_secs(s)))),
            []
        );
    }
}

#[test]
fn keys_go_to_the_view_while_it_is_shown() {
    let (mut app, _) = app_with(config(false), (100, 30));
    press(&mut app, KeyCode::F(3));
    assert_eq!(app.focus(), Pane::Editor);
    // Typing does not reach the editor underneath, and F5 runs nothing.
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.editor().text(), "");
    assert_eq!(started(&press(&mut app, KeyCode::F(5))), []);
    app.update(Action::Paste("pasted".into()));
    assert_eq!(app.editor().text(), "");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.editor().text(), "x");
}

#[test]
fn kill_asks_then_sends_the_delete_and_reloads_when_it_is_done() {
    let (mut app, _) = app_with(config(false), (100, 30));
    press(&mut app, KeyCode::F(3));
    app.update(Action::SystemLoaded {
        view: SystemView::Jobs,
        result: Ok(two_jobs()),
    });
    // Longest-running first: the feed is selected.
    let selected = app.system().selected_job().expect("a selected job").clone();
    assert_eq!(selected.what, r#"r.db("demo").table("orders").changes()"#);

    // K asks; n leaves the job alone.
    assert_eq!(started(&press(&mut app, KeyCode::Char('K'))), []);
    let Some(Overlay::ConfirmWrite { text, what, .. }) = app.overlay().cloned() else {
        panic!("no confirmation: {:?}", app.overlay());
    };
    let kill = r#"r.db('rethinkdb').table('jobs').get(["query","22222222-2222-4222-8222-222222222222"]).delete()"#;
    assert_eq!(text, kill);
    assert!(what.contains("127.0.0.1:50002"), "{what}");
    assert_eq!(started(&press(&mut app, KeyCode::Char('n'))), []);
    assert_eq!(app.overlay(), None);

    // Down then Delete (the other key) on the jobs query, y sends its delete.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Delete);
    let fx = press(&mut app, KeyCode::Char('y'));
    let sent = started(&fx);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].1,
        r#"r.db('rethinkdb').table('jobs').get(["query","11111111-1111-4111-8111-111111111111"]).delete()"#
    );
    // The view stays; when the delete is done the jobs are read again at once.
    assert_eq!(app.system().shown(), Some(SystemView::Jobs));
    let fx = app.update(Action::QueryFinished {
        id: sent[0].0,
        elapsed: Duration::from_millis(1),
        profile: None,
    });
    assert_eq!(loads(&fx), [SystemView::Jobs]);
}

#[test]
fn a_read_only_profile_refuses_the_kill_without_asking() {
    let (mut app, _) = app_with(config(true), (100, 30));
    press(&mut app, KeyCode::F(3));
    app.update(Action::SystemLoaded {
        view: SystemView::Jobs,
        result: Ok(two_jobs()),
    });
    let fx = press(&mut app, KeyCode::Char('K'));
    assert_eq!(started(&fx), []);
    assert_eq!(app.overlay(), None);
    let (_, message) = app.status().message.clone().expect("a refusal");
    assert!(
        message.starts_with(
            "refused: `delete` writes to the system table `rethinkdb.jobs`, and profile `prod` is read-only"
        ),
        "{message}"
    );
}

#[test]
fn the_browser_opens_the_views_from_the_rethinkdb_database() {
    let (mut app, _) = app_with(config(false), (100, 30));
    app.update(Action::CatalogLoaded(catalog()));
    app.update(Action::FocusPrev);
    assert_eq!(app.focus(), Pane::Browser);
    // demo (open), users, test?, rethinkdb: walk down to the system database and open it.
    let mut guard = 0;
    while app
        .browser()
        .selected_node()
        .is_none_or(|n| n.label != "rethinkdb")
    {
        press(&mut app, KeyCode::Down);
        guard += 1;
        assert!(guard < 20, "no rethinkdb node in the browser");
    }
    press(&mut app, KeyCode::Enter);
    while app
        .browser()
        .selected_node()
        .is_none_or(|n| n.label != "jobs")
    {
        press(&mut app, KeyCode::Down);
        guard += 1;
        assert!(guard < 40, "no jobs table under rethinkdb");
    }
    let fx = press(&mut app, KeyCode::Enter);
    assert_eq!(loads(&fx), [SystemView::Jobs]);
    assert_eq!(started(&fx), [], "no table query for a system view");
}

// ---- render snapshots ----

fn screen(app: &App, size: (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    terminal.draw(|f| rdbsh::tui::screen::draw(app, f)).unwrap();
    terminal.backend().to_string()
}

fn shown(view: SystemView, rows: Vec<Value>) -> App {
    let (mut app, _) = app_with(config(false), (100, 24));
    app.update(Action::ConnectionStateChanged(ConnectionState::Connected {
        tls: None,
        server: None,
    }));
    app.update(Action::CatalogLoaded(catalog()));
    let fx = press(&mut app, KeyCode::F(3));
    assert_eq!(loads(&fx), [SystemView::Jobs]);
    while app.system().shown() != Some(view) {
        press(&mut app, KeyCode::F(3));
    }
    app.update(Action::SystemLoaded {
        view,
        result: Ok(rows),
    });
    app
}

#[test]
fn jobs_view_100x24() {
    let app = shown(SystemView::Jobs, two_jobs());
    insta::assert_snapshot!(screen(&app, (100, 24)));
}

#[test]
fn current_issues_view_empty_100x24() {
    let app = shown(SystemView::CurrentIssues, vec![]);
    insta::assert_snapshot!(screen(&app, (100, 24)));
}

#[test]
fn server_status_view_100x24() {
    let row = json!({
        "id": "24f8fe81-cb28-4540-8f99-7fde8e0cefcb",
        "name": "rdbsh_sandbox",
        "network": {
            "canonical_addresses": [{"host": "127.0.0.1", "port": 29015}],
            "cluster_port": 29015, "connected_to": {}, "hostname": "localhost",
            "http_admin_port": "<no http admin>", "reql_port": 28015
        },
        "process": {
            "argv": ["rdbsh", "sandbox"], "cache_size_mb": 0, "pid": 21411,
            "version": "rethinkdb 2.4.4 (rdbsh sandbox)"
        },
        "uptime_sec": 3725.5
    });
    let app = shown(SystemView::ServerStatus, vec![row]);
    insta::assert_snapshot!(screen(&app, (100, 24)));
}

// ---- the real backend against an in-process sandbox ----

const WAIT: Duration = Duration::from_secs(10);

struct Harness {
    app: App,
    backend: SessionBackend,
    tx: UnboundedSender<Action>,
    rx: UnboundedReceiver<Action>,
    profile: Profile,
    _server: ServerHandle,
}

impl Harness {
    async fn start() -> Harness {
        let (profile, server) = server::start_in_process().await.expect("sandbox");
        let info = ConnectionInfo::from_profile(&profile);
        let mut config = AppConfig::new(Keymap::defaults().expect("keymap"), info);
        config.system_refresh = Duration::from_secs(2);
        let mut app = App::new(config, Instant::now());
        app.update(Action::Resize(100, 30));
        let backend = SessionBackend::new(Session::new(profile.clone()));
        let (tx, rx) = unbounded_channel();
        Harness {
            app,
            backend,
            tx,
            rx,
            profile,
            _server: server,
        }
    }

    fn apply(&mut self, action: Action) {
        for e in self.app.update(action) {
            self.backend.handle(e, &self.tx);
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(&self.app) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(action)) => self.apply(action),
                Ok(None) => panic!("the backend channel closed while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; status: {:?}; view: {:?}",
                    self.app.status().message,
                    self.app.system().loaded
                ),
            }
        }
    }
}

const FEED: &str = r#"r.db("demo").table("users").changes()"#;

fn lists_feed(app: &App) -> bool {
    app.system().jobs().iter().any(|j| j.what == FEED)
}

#[tokio::test]
async fn the_jobs_view_lists_another_connections_feed_and_kill_ends_it() {
    let mut h = Harness::start().await;
    // Another client's feed on the same sandbox.
    let (other, connection) = net::connect(&h.profile).await.expect("second client");
    tokio::spawn(connection);
    let term = json!([152, [[15, [[14, ["demo"]], "users"]]]]);
    let mut feed = other
        .run_value(&term, &GlobalOptargs::new())
        .expect("the feed starts");
    feed.next_batch().await.expect("first batch");

    h.apply(Action::Command(rdbsh::tui::keymap::Command::SystemViews));
    h.until("the jobs view with the feed", lists_feed).await;
    let index = h
        .app
        .system()
        .jobs()
        .iter()
        .position(|j| j.what == FEED)
        .expect("the feed's job");
    h.apply(Action::Command(rdbsh::tui::keymap::Command::Top));
    for _ in 0..index {
        h.apply(Action::Command(rdbsh::tui::keymap::Command::Down));
    }
    let job = h.app.system().selected_job().expect("selected").clone();
    assert_eq!(job.what, FEED);
    assert!(job.client.starts_with("127.0.0.1:"), "{}", job.client);

    h.apply(Action::Command(rdbsh::tui::keymap::Command::KillJob));
    assert!(matches!(
        h.app.overlay(),
        Some(Overlay::ConfirmWrite { .. })
    ));
    h.apply(Action::Confirm(true));
    let kill = h.app.results().current().expect("the kill's tab").id;
    h.until("the kill to finish", |a| {
        a.results()
            .tabs()
            .iter()
            .any(|t| t.id == kill && matches!(t.state(), TabState::Done { .. }))
    })
    .await;
    let tab = h
        .app
        .results()
        .tabs()
        .iter()
        .find(|t| t.id == kill)
        .unwrap();
    assert_eq!(tab.row(0).map(|r| r["deleted"].clone()), Some(json!(1)));

    // The other client's feed ends with the server's error.
    let err = loop {
        match tokio::time::timeout(WAIT, feed.next_batch()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => panic!("the feed ended without the interruption error"),
            Ok(Err(e)) => break e,
            Err(_) => panic!("the killed feed never ended"),
        }
    };
    let e = err.server_error().expect("a server error");
    assert_eq!(e.error_type, Some(ErrorType::OpIndeterminate));
    assert_eq!(e.message, "Query terminated by the `rethinkdb.jobs` table.");

    // The view was read again when the kill finished: the feed is gone from it.
    h.until("the jobs view without the feed", |a| {
        matches!(a.system().loaded, Loaded::Rows(_)) && !a.system().loading() && !lists_feed(a)
    })
    .await;
}

#[test]
fn the_help_lists_the_system_view_keys() {
    let (app, _) = app_with(config(false), (100, 30));
    let text: Vec<String> = rdbsh::tui::screen::help_lines(&app, 200)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = text.join("\n");
    assert!(text.contains("System views"), "{text}");
    assert!(text.contains("F3"), "{text}");
    assert!(
        text.contains("kill the selected job (asks first)"),
        "{text}"
    );
    assert!(text.contains("K / Del"), "{text}");
}

#[tokio::test]
async fn a_read_only_session_refuses_the_kill_query_itself() {
    let (mut profile, _server) = server::start_in_process().await.expect("sandbox");
    profile.read_only = true;
    let info = ConnectionInfo::from_profile(&profile);
    let (mut app, _) = app_with(AppConfig::new(Keymap::defaults().unwrap(), info), (100, 30));
    let mut backend = SessionBackend::new(Session::new(profile));
    let (tx, mut rx) = unbounded_channel();
    // Typed by hand rather than through the view: the backend's guard refuses it as well.
    let text = r#"r.db('rethinkdb').table('jobs').get(["query","11111111-1111-4111-8111-111111111111"]).delete()"#;
    for e in app.update(Action::RunQuery {
        text: text.into(),
        offset: 0,
    }) {
        backend.handle(e, &tx);
    }
    let failed = loop {
        match tokio::time::timeout(WAIT, rx.recv()).await {
            Ok(Some(Action::QueryFailed { message, .. })) => break message,
            Ok(Some(_)) => continue,
            other => panic!("no refusal: {other:?}"),
        }
    };
    assert!(
        failed.starts_with("refused: `delete` writes to the system table `rethinkdb.jobs`"),
        "{failed}"
    );
}
