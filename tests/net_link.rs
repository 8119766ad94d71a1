//! The link over real sockets, against a scripted server built on `protocol`'s server side.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "net_server.rs"]
mod net_server;

use std::time::Duration;

use net_server::{ADMIN_PASSWORD, ALICE_PASSWORD, Event, Mode, TestServer};
use rdbsh::config::{HandshakeVersion, Profile, Secret};
use rdbsh::net::{self, BatchKind, CursorKind, Kind, Link};
use rdbsh::protocol::{ErrorType, Frame, GlobalOptargs, ResponseNote, ResponseType};
use serde_json::{Value, json};

/// Guards against hangs only; no assertion depends on timing.
const PATIENCE: Duration = Duration::from_secs(20);

fn profile(server: &TestServer, user: &str, secret: Option<&str>) -> Profile {
    Profile {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        user: user.into(),
        secret: secret.map(Secret::new),
        timeout: Duration::from_secs(10),
        ..Profile::default()
    }
}

fn no_optargs() -> GlobalOptargs {
    GlobalOptargs::new()
}

fn rows(batch: &net::Batch) -> Vec<Value> {
    batch
        .rows
        .iter()
        .map(|r| serde_json::from_str(r.get()).unwrap())
        .collect()
}

async fn next_event(server: &mut TestServer, want: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let e = server.events.recv().await.expect("server alive");
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .expect("the server saw the event")
}

async fn connect(p: &Profile) -> net::Client {
    let (client, connection) = net::connect(p).await.unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn v1_0_handshake_then_server_info() {
    let mut server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "alice", Some(ALICE_PASSWORD))).await;
    assert_eq!(
        next_event(&mut server, |_| true).await,
        Event::Authenticated("alice".into())
    );
    let info = client.info();
    assert_eq!(info.handshake, HandshakeVersion::V1_0);
    assert_eq!(info.server_version.as_deref(), Some("2.4.4-rdbsh-test"));
    assert!(info.tls.is_none());
    let si = client.server_info().await.unwrap();
    assert_eq!(si.name.as_deref(), Some("test_server"));
    assert!(!si.proxy);
    client.noreply_wait().await.unwrap();
}

#[tokio::test]
async fn v0_4_handshake_with_auth_key() {
    let mut server = net_server::start(Mode::Normal).await;
    let mut p = profile(&server, "admin", Some(ADMIN_PASSWORD));
    p.handshake = HandshakeVersion::V0_4;
    let client = connect(&p).await;
    assert_eq!(
        next_event(&mut server, |_| true).await,
        Event::Authenticated("admin".into())
    );
    assert_eq!(client.info().handshake, HandshakeVersion::V0_4);
    assert_eq!(client.info().server_version, None);
    let mut cursor = client.run_value(&json!("hello"), &no_optargs()).unwrap();
    let batch = cursor.next_batch().await.unwrap().unwrap();
    assert_eq!(
        (batch.kind, rows(&batch)),
        (BatchKind::Atom, vec![json!("hello")])
    );
}

async fn auth_failure(p: Profile, user: &str, secret: &str) {
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Auth, "{err}");
    assert_eq!(err.exit_code(), 4);
    let text = format!("{err} {err:?}");
    assert!(text.contains(&format!("`{user}`")), "{text}");
    assert!(!text.contains(secret), "{text}");
}

#[tokio::test]
async fn wrong_password_unknown_user_and_wrong_key_are_auth_errors() {
    let server = net_server::start(Mode::Normal).await;
    let wrong = "not-the-password-91";
    auth_failure(profile(&server, "alice", Some(wrong)), "alice", wrong).await;
    let err = net::connect(&profile(&server, "alice", Some(wrong)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Wrong password"), "{err}");

    auth_failure(profile(&server, "mallory", Some(wrong)), "mallory", wrong).await;
    let err = net::connect(&profile(&server, "mallory", Some(wrong)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Unknown user"), "{err}");

    let mut p = profile(&server, "admin", Some(wrong));
    p.handshake = HandshakeVersion::V0_4;
    auth_failure(p.clone(), "admin", wrong).await;
    let err = net::connect(&p).await.unwrap_err();
    assert!(
        err.to_string().contains("Incorrect authorization key"),
        "{err}"
    );
}

#[tokio::test]
async fn many_concurrent_queries_with_out_of_order_answers() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;

    // The first query is held by the server until the last one opens its gate, so the
    // answers necessarily come back in the reverse order of the questions.
    let mut held = client
        .run_value(&json!({"wait": "g1", "echo": "first"}), &no_optargs())
        .unwrap();
    let mut echoes = Vec::new();
    for i in 0..50 {
        echoes.push((
            i,
            client.clone().run_value(&json!(i), &no_optargs()).unwrap(),
        ));
    }
    let tasks: Vec<_> = echoes
        .into_iter()
        .map(|(i, mut c)| {
            tokio::spawn(async move {
                let b = c.next_batch().await.unwrap().unwrap();
                assert_eq!(rows(&b), vec![json!(i)]);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut opener = client
        .run_value(&json!({"open": "g1"}), &no_optargs())
        .unwrap();
    let opened = tokio::time::timeout(PATIENCE, opener.next_batch())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(rows(&opened), vec![json!(true)]);
    let b = tokio::time::timeout(PATIENCE, held.next_batch())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(rows(&b), vec![json!("first")]);
    assert_eq!(held.kind(), Some(CursorKind::Atom));
}

#[tokio::test]
async fn continue_pages_a_sequence() {
    let mut server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut cursor = client.run_value(&json!([173, [8]]), &no_optargs()).unwrap();
    let mut batches = Vec::new();
    while let Some(b) = cursor.next_batch().await.unwrap() {
        batches.push((b.kind, rows(&b)));
    }
    assert_eq!(
        batches,
        vec![
            (BatchKind::Partial, vec![json!(0), json!(1), json!(2)]),
            (BatchKind::Partial, vec![json!(3), json!(4), json!(5)]),
            (BatchKind::Last, vec![json!(6), json!(7)]),
        ]
    );
    assert_eq!(cursor.kind(), Some(CursorKind::Sequence));
    let token = cursor.token().0;
    assert_eq!(
        next_event(&mut server, |e| matches!(e, Event::Continue(_))).await,
        Event::Continue(token)
    );
    // Every row collected in one go as well.
    let mut again = client.run_value(&json!([173, [7]]), &no_optargs()).unwrap();
    assert_eq!(again.collect_rows().await.unwrap().len(), 7);
}

#[tokio::test]
async fn feed_is_stopped_by_close_and_by_drop() {
    let mut server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;

    let mut feed = client.run_value(&json!([152, []]), &no_optargs()).unwrap();
    for i in 0..3 {
        let b = feed.next_batch().await.unwrap().unwrap();
        assert_eq!(
            (b.kind, rows(&b)),
            (BatchKind::Partial, vec![json!({"n": i})])
        );
    }
    assert_eq!(
        feed.kind(),
        Some(CursorKind::Feed(ResponseNote::SequenceFeed))
    );
    assert!(feed.is_feed());
    let token = feed.token().0;
    feed.close().await.unwrap();
    assert_eq!(
        next_event(&mut server, |e| matches!(e, Event::Stop(_))).await,
        Event::Stop(token)
    );

    let mut dropped = client.run_value(&json!([152, []]), &no_optargs()).unwrap();
    dropped.next_batch().await.unwrap().unwrap();
    let token = dropped.token().0;
    drop(dropped);
    assert_eq!(
        next_event(&mut server, |e| matches!(e, Event::Stop(_))).await,
        Event::Stop(token)
    );

    // Cancelling from another task ends the reader's stream.
    let mut feed = client.run_value(&json!([152, []]), &no_optargs()).unwrap();
    let stopper = feed.stop_handle();
    feed.next_batch().await.unwrap().unwrap();
    stopper.stop().unwrap();
    let mut ended = false;
    for _ in 0..100 {
        if feed.next_batch().await.unwrap().is_none() {
            ended = true;
            break;
        }
    }
    assert!(ended);
    assert_eq!(
        next_event(&mut server, |e| matches!(e, Event::Stop(_))).await,
        Event::Stop(feed.token().0)
    );

    // The connection still serves queries afterwards.
    assert_eq!(
        client.server_info().await.unwrap().name.as_deref(),
        Some("test_server")
    );
}

#[tokio::test]
async fn profile_data_is_exposed() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut optargs = GlobalOptargs::new();
    optargs.insert("profile".into(), json!(true));
    let mut cursor = client.run_value(&json!(5), &optargs).unwrap();
    assert_eq!(
        rows(&cursor.next_batch().await.unwrap().unwrap()),
        vec![json!(5)]
    );
    let profile: Value = serde_json::from_str(cursor.profile().unwrap().get()).unwrap();
    assert_eq!(profile, json!([{"description": "Evaluating datum."}]));
    let mut plain = client.run_value(&json!(5), &no_optargs()).unwrap();
    plain.next_batch().await.unwrap();
    assert!(plain.profile().is_none());
}

#[tokio::test]
async fn noreply_queries_return_at_once() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut optargs = GlobalOptargs::new();
    optargs.insert("noreply".into(), json!(true));
    let mut cursor = client.run_value(&json!(5), &optargs).unwrap();
    assert!(cursor.next_batch().await.unwrap().is_none());
    client.noreply_wait().await.unwrap();
}

#[tokio::test]
async fn server_errors_are_data() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut cursor = client
        .run_value(&json!([12, ["boom"]]), &no_optargs())
        .unwrap();
    let err = cursor.next_batch().await.unwrap_err();
    assert_eq!(err.kind(), Kind::Server);
    assert_eq!(err.exit_code(), 1);
    let se = err.server_error().unwrap();
    assert_eq!(se.response_type, ResponseType::RuntimeError);
    assert_eq!(se.error_type, Some(ErrorType::User));
    assert_eq!(se.message, "boom");
    assert_eq!(se.backtrace, vec![Frame::Pos(0)]);
    assert!(cursor.next_batch().await.unwrap().is_none());
}

#[tokio::test]
async fn link_adds_the_profile_db_and_keeps_one_connection() {
    let mut server = net_server::start(Mode::Normal).await;
    let mut p = profile(&server, "admin", Some(ADMIN_PASSWORD));
    p.db = "blog".into();
    let link = Link::connect(p).await.unwrap();
    for _ in 0..3 {
        let mut c = link
            .run_value(&json!({"optargs": true}), &no_optargs())
            .await
            .unwrap();
        let b = c.next_batch().await.unwrap().unwrap();
        assert_eq!(rows(&b), vec![json!({"db": [14, ["blog"]]})]);
    }
    let mut own = GlobalOptargs::new();
    own.insert("db".into(), json!([14, ["other"]]));
    let mut c = link
        .run_value(&json!({"optargs": true}), &own)
        .await
        .unwrap();
    assert_eq!(
        rows(&c.next_batch().await.unwrap().unwrap()),
        vec![json!({"db": [14, ["other"]]})]
    );
    assert_eq!(
        next_event(&mut server, |_| true).await,
        Event::Authenticated("admin".into())
    );
    // Only one connection was made: the next event is not a second authentication.
    link.server_info().await.unwrap();
    assert!(server.events.try_recv().is_err());
}

#[tokio::test]
async fn dropped_connection_interrupts_in_flight_queries_and_reconnects() {
    let mut server = net_server::start(Mode::Normal).await;
    let link = Link::connect(profile(&server, "admin", Some(ADMIN_PASSWORD)))
        .await
        .unwrap();
    next_event(&mut server, |e| matches!(e, Event::Authenticated(_))).await;

    let mut waiting = link
        .run_value(&json!({"wait": "never", "echo": 1}), &no_optargs())
        .await
        .unwrap();
    let mut killer = link
        .run_value(&json!({"kill": true}), &no_optargs())
        .await
        .unwrap();
    for cursor in [&mut waiting, &mut killer] {
        let err = tokio::time::timeout(PATIENCE, cursor.next_batch())
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), Kind::Interrupted, "{err}");
        assert!(err.to_string().contains("not retried"), "{err}");
        assert_eq!(err.exit_code(), 3);
    }
    let first = link.current().await;
    assert!(first.is_none(), "the dead connection is not handed out");

    // The next query opens a new connection; nothing was replayed on it.
    let mut c = link
        .run_value(&json!("again"), &no_optargs())
        .await
        .unwrap();
    assert_eq!(
        rows(&c.next_batch().await.unwrap().unwrap()),
        vec![json!("again")]
    );
    assert_eq!(
        next_event(&mut server, |e| matches!(e, Event::Authenticated(_))).await,
        Event::Authenticated("admin".into())
    );
}

#[tokio::test]
async fn a_stale_client_reports_closed() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut killer = client
        .run_value(&json!({"kill": true}), &no_optargs())
        .unwrap();
    assert_eq!(
        killer.next_batch().await.unwrap_err().kind(),
        Kind::Interrupted
    );
    assert!(client.is_closed());
    let err = client.run_value(&json!(1), &no_optargs()).unwrap_err();
    assert_eq!(err.kind(), Kind::Closed);
}

#[tokio::test]
async fn garbage_after_the_handshake_is_a_clean_protocol_error() {
    let server = net_server::start(Mode::Normal).await;
    let client = connect(&profile(&server, "admin", Some(ADMIN_PASSWORD))).await;
    let mut waiting = client
        .run_value(&json!({"wait": "never", "echo": 1}), &no_optargs())
        .unwrap();
    let mut garbage = client
        .run_value(&json!({"garbage": true}), &no_optargs())
        .unwrap();
    for cursor in [&mut waiting, &mut garbage] {
        let err = tokio::time::timeout(PATIENCE, cursor.next_batch())
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), Kind::Protocol, "{err}");
        assert!(
            err.to_string()
                .contains("not speaking the RethinkDB protocol"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn handshake_failures_say_what_is_wrong() {
    let garbage = net_server::start(Mode::Garbage).await;
    let err = net::connect(&profile(&garbage, "admin", None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Handshake, "{err}");
    assert!(
        err.to_string()
            .contains("did not answer with the RethinkDB handshake"),
        "{err}"
    );

    let tls = net_server::start(Mode::TlsAlert).await;
    let err = net::connect(&profile(&tls, "admin", None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Tls, "{err}");
    assert!(err.to_string().contains("requires TLS"), "{err}");

    let close = net_server::start(Mode::Close).await;
    let err = net::connect(&profile(&close, "admin", None))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("may require TLS"), "{err}");
}

#[tokio::test]
async fn connection_refused_is_an_io_error_naming_the_target() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let p = Profile {
        host: "127.0.0.1".into(),
        port,
        ..Profile::default()
    };
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Io, "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[tokio::test]
async fn tls_to_a_plain_port_is_explained() {
    let server = net_server::start(Mode::Normal).await;
    let mut p = profile(&server, "admin", Some(ADMIN_PASSWORD));
    p.tls = Some(rdbsh::config::TlsSettings::default());
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Tls, "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("did not answer with TLS"), "{err}");
}

#[tokio::test]
async fn timeout_is_reported() {
    // A listener that accepts but never answers the handshake.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut keep = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            keep.push(s);
        }
    });
    let p = Profile {
        host: "127.0.0.1".into(),
        port,
        timeout: Duration::from_millis(200),
        ..Profile::default()
    };
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Timeout, "{err}");
    assert!(
        err.to_string()
            .contains("did not answer with the RethinkDB handshake within 0.2s"),
        "{err}"
    );
}

#[tokio::test]
async fn link_over_tls_records_what_was_negotiated() {
    let pki = net_server::pki();
    let mut server = net_server::start_tls(pki.server_config).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let mut p = profile(&server, "alice", Some(ALICE_PASSWORD));
    p.host = "localhost".into();
    p.tls = Some(rdbsh::config::TlsSettings {
        ca_cert: Some(ca),
        ..Default::default()
    });
    let client = connect(&p).await;
    assert_eq!(
        next_event(&mut server, |_| true).await,
        Event::Authenticated("alice".into())
    );
    let tls = client.info().tls.clone().expect("TLS info");
    assert!(tls.protocol_version.starts_with("TLSv1_"), "{tls:?}");
    assert!(!tls.cipher_suite.is_empty());
    assert_eq!(tls.peer_certificates.len(), 2);
    let peer = tls.peer.expect("certificate details");
    assert!(peer.subject.contains("localhost"), "{peer:?}");
    assert!(peer.names.contains(&"127.0.0.1".to_string()), "{peer:?}");
    let mut feed = client.run_value(&json!([173, [5]]), &no_optargs()).unwrap();
    assert_eq!(feed.collect_rows().await.unwrap().len(), 5);

    // Plain TCP to the TLS port: the server cannot parse the magic as TLS and hangs up.
    let mut plain = profile(&server, "alice", Some(ALICE_PASSWORD));
    plain.tls = None;
    let err = net::connect(&plain).await.unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("TLS"), "{err}");
}

#[tokio::test]
async fn connect_stream_runs_over_an_in_memory_pipe() {
    let (near, far) = tokio::io::duplex(64 * 1024);
    let mut events = net_server::serve_stream(far);
    let p = Profile {
        user: "alice".into(),
        secret: Some(Secret::new(ALICE_PASSWORD)),
        ..Profile::default()
    };
    let (client, connection) = net::connect_stream(near, &p).await.unwrap();
    tokio::spawn(connection);
    assert_eq!(
        events.recv().await,
        Some(Event::Authenticated("alice".into()))
    );
    let mut c = client.run_value(&json!([173, [4]]), &no_optargs()).unwrap();
    assert_eq!(c.collect_rows().await.unwrap().len(), 4);
    assert!(client.info().peer_addr.is_none());
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn cluster_profile(ports: &[u16]) -> Profile {
    Profile {
        hosts: ports
            .iter()
            .map(|p| rdbsh::config::Address::new("127.0.0.1", *p))
            .collect(),
        user: "admin".into(),
        secret: Some(Secret::new(ADMIN_PASSWORD)),
        timeout: Duration::from_secs(10),
        ..Profile::default()
    }
}

#[tokio::test]
async fn hosts_are_tried_in_order_and_a_lost_server_fails_over_to_the_next() {
    let down = free_port();
    let mut a = net_server::start(Mode::Normal).await;
    let mut b = net_server::start(Mode::Normal).await;
    let (pa, pb) = (a.addr.port(), b.addr.port());
    let link = Link::connect(cluster_profile(&[down, pa, pb]))
        .await
        .unwrap();
    next_event(&mut a, |e| matches!(e, Event::Authenticated(_))).await;
    assert_eq!(link.endpoint().map(|e| e.address.port), Some(pa));
    let named = link.identify().await.unwrap();
    assert_eq!(named.server.as_deref(), Some("test_server"));
    assert_eq!(named.to_string(), format!("test_server (127.0.0.1:{pa})"));

    // The connection to `a` drops with a query in flight: it fails, and is not replayed.
    let mut killer = link
        .run_value(&json!({"kill": true}), &no_optargs())
        .await
        .unwrap();
    let err = killer.next_batch().await.unwrap_err();
    assert_eq!(err.kind(), Kind::Interrupted, "{err}");

    // The next query runs on the host after `a`.
    let mut c = link.run_value(&json!("on b"), &no_optargs()).await.unwrap();
    assert_eq!(
        rows(&c.next_batch().await.unwrap().unwrap()),
        vec![json!("on b")]
    );
    next_event(&mut b, |e| matches!(e, Event::Authenticated(_))).await;
    let endpoint = link.endpoint().unwrap();
    assert_eq!(endpoint.address.port, pb);
    assert_eq!(endpoint.server, None, "a new server's name is asked anew");
}

#[tokio::test]
async fn when_no_host_answers_every_failure_is_listed() {
    let (one, two) = (free_port(), free_port());
    let err = Link::connect(cluster_profile(&[one, two]))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("none of the 2 hosts answered"), "{text}");
    for port in [one, two] {
        assert!(
            text.contains(&format!("127.0.0.1:{port}: connection refused")),
            "{text}"
        );
    }
    assert!(text.contains("is RethinkDB running"), "{text}");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(err.kind(), Kind::Io);
}

#[tokio::test]
async fn a_refused_login_is_not_tried_on_the_other_hosts() {
    let a = net_server::start(Mode::Normal).await;
    let b = net_server::start(Mode::Normal).await;
    let mut p = cluster_profile(&[a.addr.port(), b.addr.port()]);
    p.secret = Some(Secret::new("wrong"));
    let err = Link::connect(p).await.unwrap_err();
    assert_eq!(err.exit_code(), 4, "{err}");
    // The first host's own answer, not a list of every host's.
    let text = err.to_string();
    assert!(text.starts_with("authentication failed"), "{text}");
    assert!(text.contains(&a.addr.port().to_string()), "{text}");
}

#[tokio::test]
async fn tls_checks_each_hosts_own_name_unless_server_name_is_set() {
    let pki = net_server::pki();
    let server = net_server::start_tls(pki.server_config).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let port = server.addr.port();
    // 127.0.0.2 is not in the certificate (nor listened on); localhost is.
    let mut p = cluster_profile(&[]);
    p.hosts = vec![
        rdbsh::config::Address::new("127.0.0.2", port),
        rdbsh::config::Address::new("localhost", port),
    ];
    p.tls = Some(rdbsh::config::TlsSettings {
        ca_cert: Some(ca),
        ..Default::default()
    });
    let link = Link::connect(p.clone()).await.unwrap();
    assert_eq!(link.endpoint().unwrap().address.host, "localhost");

    // `server_name` is the name checked on every host.
    if let Some(tls) = p.tls.as_mut() {
        tls.server_name = Some("db.internal".into());
    }
    p.hosts.remove(0);
    let err = Link::connect(p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Tls, "{err}");
    assert!(err.to_string().contains("db.internal"), "{err}");
}
