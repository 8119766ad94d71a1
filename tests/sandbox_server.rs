//! The sandbox server over real sockets (TCP and TLS), driven by rdbsh's own client and, for
//! the protocol corners a well-behaved client never produces, by hand-written frames.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "tls/mod.rs"]
mod tls;

use common::rows::{atom, parse, rows};

use std::collections::BTreeSet;
use std::net::SocketAddr;

use rdbsh::config::{HandshakeVersion, Profile, Secret, TlsSettings};
use rdbsh::net::{self, BatchKind, Client, CursorKind, Kind};
use rdbsh::protocol::{
    ClientHandshake, ErrorType, Frame, FrameDecoder, GlobalOptargs, Response, ResponseNote,
    ResponseType,
};
use rdbsh::sandbox::server::{self, SERVER_VERSION, ServerHandle, ServerOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PASSWORD: &str = "s3cret-sandbox-pw";

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn start(tls: Option<&tls::Pki>) -> ServerHandle {
    let config = tls.map(|pki| {
        rdbsh::net::tls::server_config(&pki.san_leaf.cert, &pki.san_leaf.key, None).unwrap()
    });
    let (_, handle) = server::spawn(ServerOptions {
        listen: loopback(),
        tls: config,
        password: Some(Secret::new(PASSWORD)),
        demo: false,
    })
    .await
    .unwrap();
    handle
}

fn profile(handle: &ServerHandle, tls: Option<&tls::Pki>) -> Profile {
    Profile {
        host: "localhost".into(),
        port: handle.addr().port(),
        secret: Some(Secret::new(PASSWORD)),
        tls: tls.map(|pki| TlsSettings {
            ca_cert: Some(pki.ca.clone()),
            ..TlsSettings::default()
        }),
        ..Profile::default()
    }
}

async fn client(p: &Profile) -> Client {
    let (client, connection) = net::connect(p).await.unwrap();
    tokio::spawn(connection);
    client
}

fn opts(pairs: &[(&str, Value)]) -> GlobalOptargs {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn table(name: &str) -> Value {
    json!([15, [[14, ["test"]], name]])
}

async fn create_table(c: &Client, name: &str) {
    let r = atom(c, json!([60, [[14, ["test"]], name]])).await;
    assert_eq!(r["tables_created"], json!(1), "{r}");
}

#[tokio::test]
async fn v1_0_handshake_over_tcp_and_tls_reports_the_sandbox_version() {
    let pki = tls::Pki::new();
    for tls in [None, Some(&pki)] {
        let handle = start(tls).await;
        let c = client(&profile(&handle, tls)).await;
        assert_eq!(c.info().server_version.as_deref(), Some(SERVER_VERSION));
        assert_eq!(c.info().handshake, HandshakeVersion::V1_0);
        assert_eq!(c.info().tls.is_some(), tls.is_some());
        assert_eq!(atom(&c, json!([24, [1, 2]])).await, json!(3));
    }
}

#[tokio::test]
async fn server_status_names_the_address_the_sandbox_listens_on() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    let rows = rows(&c, json!([15, [[14, ["rethinkdb"]], "server_status"]]))
        .await
        .expect("server_status");
    assert_eq!(rows.len(), 1);
    let network = &rows[0]["network"];
    assert_eq!(network["reql_port"], json!(handle.addr().port()));
    assert_eq!(
        network["canonical_addresses"][0]["host"],
        json!("127.0.0.1")
    );
}

#[tokio::test]
async fn v0_4_auth_key_is_the_admin_password() {
    let handle = start(None).await;
    let mut p = profile(&handle, None);
    p.handshake = HandshakeVersion::V0_4;
    let c = client(&p).await;
    assert_eq!(c.info().handshake, HandshakeVersion::V0_4);
    assert_eq!(atom(&c, json!("hi")).await, json!("hi"));
    p.secret = Some(Secret::new("not-it"));
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Auth, "{err}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_auth_errors() {
    let pki = tls::Pki::new();
    let handle = start(Some(&pki)).await;
    let mut p = profile(&handle, Some(&pki));
    p.secret = Some(Secret::new("wrong"));
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Auth, "{err}");
    assert!(err.to_string().contains("Wrong password"), "{err}");
    let mut p = profile(&handle, Some(&pki));
    p.user = "bob".into();
    let err = net::connect(&p).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Auth, "{err}");
    assert!(err.to_string().contains("Unknown user"), "{err}");
    // The server is still there for the right password.
    let c = client(&profile(&handle, Some(&pki))).await;
    assert_eq!(atom(&c, json!(true)).await, json!(true));
}

#[tokio::test]
async fn empty_password_when_none_is_set() {
    let (_, handle) = server::spawn(ServerOptions {
        listen: loopback(),
        demo: true,
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let p = Profile {
        port: handle.addr().port(),
        ..Profile::default()
    };
    let c = client(&p).await;
    let dbs = atom(&c, json!([59, []])).await;
    assert!(dbs.as_array().unwrap().contains(&json!("demo")), "{dbs}");
}

#[tokio::test]
async fn a_10000_row_cursor_pages_to_the_end() {
    let pki = tls::Pki::new();
    let handle = start(Some(&pki)).await;
    let c = client(&profile(&handle, Some(&pki))).await;
    create_table(&c, "big").await;
    let docs: Vec<Value> = (0..10_000)
        .map(|i| json!({"id": i, "name": format!("doc {i}"), "even": i % 2 == 0}))
        .collect();
    let r = atom(&c, json!([56, [table("big"), [2, docs]]])).await;
    assert_eq!(r["inserted"], json!(10_000));

    // Default batching: by size, so several batches, the last one SUCCESS_SEQUENCE.
    let mut cursor = c.run_value(&table("big"), &GlobalOptargs::new()).unwrap();
    let mut ids = BTreeSet::new();
    let mut kinds = Vec::new();
    while let Some(batch) = cursor.next_batch().await.unwrap() {
        kinds.push(batch.kind);
        for row in &batch.rows {
            assert!(ids.insert(parse(row)["id"].as_i64().unwrap()));
        }
    }
    assert_eq!(ids.len(), 10_000);
    assert_eq!(
        ids.iter().copied().collect::<Vec<_>>(),
        (0..10_000).collect::<Vec<_>>()
    );
    assert!(kinds.len() > 1, "one batch only: {kinds:?}");
    assert_eq!(kinds.last(), Some(&BatchKind::Last));
    assert!(
        kinds[..kinds.len() - 1]
            .iter()
            .all(|k| *k == BatchKind::Partial)
    );
    assert_eq!(cursor.kind(), Some(CursorKind::Sequence));

    // max_batch_rows is honoured exactly.
    let mut cursor = c
        .run_value(&table("big"), &opts(&[("max_batch_rows", json!(1000))]))
        .unwrap();
    let mut sizes = Vec::new();
    while let Some(batch) = cursor.next_batch().await.unwrap() {
        sizes.push(batch.rows.len());
    }
    assert_eq!(sizes, vec![1000; 10]);
}

#[tokio::test]
async fn stop_ends_a_stream_and_the_connection_goes_on() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    let mut cursor = c
        .run_value(
            &json!([173, [1_000_000]]),
            &opts(&[("max_batch_rows", json!(10))]),
        )
        .unwrap();
    let first = cursor.next_batch().await.unwrap().unwrap();
    assert_eq!(first.kind, BatchKind::Partial);
    assert_eq!(first.rows.len(), 10);
    cursor.close().await.unwrap();
    assert_eq!(atom(&c, json!([24, [2, 2]])).await, json!(4));
}

#[tokio::test]
async fn queries_on_one_connection_run_concurrently() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    create_table(&c, "t").await;
    // A feed waiting for changes (its CONTINUE is pending on the server) does not hold up
    // the queries behind it on the same connection.
    let mut feed = c
        .run_value(&json!([152, [table("t")]]), &GlobalOptargs::new())
        .unwrap();
    let first = feed.next_batch().await.unwrap().unwrap();
    assert!(first.rows.is_empty());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let c = c.clone();
        tasks.spawn(async move { (i, atom(&c, json!([24, [i, 1000]])).await) });
    }
    let mut seen = BTreeSet::new();
    while let Some(r) = tasks.join_next().await {
        let (i, v) = r.unwrap();
        assert_eq!(v, json!(i + 1000));
        seen.insert(i);
    }
    assert_eq!(seen.len(), 20);
    feed.close().await.unwrap();
}

#[tokio::test]
async fn a_changefeed_sees_a_write_from_another_connection_until_stop() {
    let pki = tls::Pki::new();
    let handle = start(Some(&pki)).await;
    let p = profile(&handle, Some(&pki));
    let reader = client(&p).await;
    let writer = client(&p).await;
    create_table(&writer, "feed").await;
    let mut feed = reader
        .run_value(&json!([152, [table("feed")]]), &GlobalOptargs::new())
        .unwrap();
    let first = feed.next_batch().await.unwrap().unwrap();
    assert_eq!(first.kind, BatchKind::Partial);
    assert_eq!(
        feed.kind(),
        Some(CursorKind::Feed(ResponseNote::SequenceFeed))
    );
    let r = atom(&writer, json!([56, [table("feed"), {"id": 1, "v": "x"}]])).await;
    assert_eq!(r["inserted"], json!(1));
    let batch = loop {
        let b = feed.next_batch().await.unwrap().unwrap();
        if !b.rows.is_empty() {
            break b;
        }
    };
    assert_eq!(batch.kind, BatchKind::Partial);
    assert_eq!(
        parse(&batch.rows[0]),
        json!({"new_val": {"id": 1, "v": "x"}, "old_val": null})
    );
    feed.close().await.unwrap();
    assert_eq!(atom(&reader, json!([43, [table("feed")]])).await, json!(1));
}

#[tokio::test]
async fn runtime_errors_carry_type_and_backtrace() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    // r.expr(1).add(r.expr({a: 1})('b'))
    let err = rows(&c, json!([24, [1, [170, [{"a": 1}, "b"]]]]))
        .await
        .unwrap_err();
    let e = err.server_error().expect("a server error");
    assert_eq!(e.response_type, ResponseType::RuntimeError);
    assert_eq!(e.error_type, Some(ErrorType::NonExistence));
    assert!(e.message.starts_with("No attribute `b`"), "{}", e.message);
    assert_eq!(e.backtrace, vec![Frame::Pos(1)]);
    // r.error('boom') is a USER error.
    let err = rows(&c, json!([12, ["boom"]])).await.unwrap_err();
    let e = err.server_error().unwrap();
    assert_eq!(e.error_type, Some(ErrorType::User));
    assert_eq!(e.message, "boom");
    // The connection survives errors.
    assert_eq!(atom(&c, json!(7)).await, json!(7));
}

#[tokio::test]
async fn noreply_wait_waits_for_noreply_writes() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    create_table(&c, "nr").await;
    for i in 0..50 {
        let mut cursor = c
            .run_value(
                &json!([56, [table("nr"), {"id": i}]]),
                &opts(&[("noreply", json!(true))]),
            )
            .unwrap();
        assert!(cursor.next_batch().await.unwrap().is_none());
    }
    c.noreply_wait().await.unwrap();
    assert_eq!(atom(&c, json!([43, [table("nr")]])).await, json!(50));
    // noreply writes on one connection apply in the order they were sent, even when an
    // earlier one takes longer to evaluate (n = range(100000).count() - 100000 + i).
    for i in 0..50 {
        let value = if i % 2 == 0 {
            json!([24, [[25, [[43, [[173, [100_000]]]], 100_000]], i]])
        } else {
            json!(i)
        };
        let update = json!([53, [[16, [table("nr"), 1]], {"n": value}]]);
        c.run_value(&update, &opts(&[("noreply", json!(true))]))
            .unwrap();
    }
    c.noreply_wait().await.unwrap();
    assert_eq!(
        atom(&c, json!([170, [[16, [table("nr"), 1]], "n"]])).await,
        json!(49)
    );
}

#[tokio::test]
async fn server_info_and_profile() {
    let handle = start(None).await;
    let c = client(&profile(&handle, None)).await;
    let info = c.server_info().await.unwrap();
    assert!(!info.id.is_empty());
    assert_eq!(info.name.as_deref(), Some("rdbsh_sandbox"));
    assert!(!info.proxy);
    let mut cursor = c
        .run_value(&json!([24, [1, 1]]), &opts(&[("profile", json!(true))]))
        .unwrap();
    let rows = cursor.collect_rows().await.unwrap();
    assert_eq!(parse(&rows[0]), json!(2));
    let profile = parse(cursor.profile().expect("a profile"));
    assert!(profile.is_array(), "{profile}");
}

/// A hand-driven V1_0 connection for the protocol corners.
struct Raw {
    stream: TcpStream,
    decoder: FrameDecoder,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut hs = ClientHandshake::v1_0("admin", PASSWORD, "cNonceForTheRawTestsxyz0");
        stream.write_all(hs.start()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "server closed during the handshake");
            let p = hs.receive(&buf[..n]).unwrap();
            stream.write_all(&p.send).await.unwrap();
            if p.done.is_some() {
                break;
            }
        }
        let mut decoder = FrameDecoder::new();
        decoder.extend(hs.leftover());
        Raw { stream, decoder }
    }

    async fn send(&mut self, token: u64, body: &str) {
        let mut frame = Vec::new();
        rdbsh::protocol::encode_frame(rdbsh::protocol::Token(token), body.as_bytes(), &mut frame)
            .unwrap();
        self.stream.write_all(&frame).await.unwrap();
    }

    /// The next response, or `None` when the server closed the connection.
    /// Reads `n` answers, each an empty SUCCESS_SEQUENCE for `token`.
    async fn empty_sequences(&mut self, token: u64, n: usize) {
        for _ in 0..n {
            let (t, r) = self.recv().await.unwrap();
            assert_eq!((t, r.response_type), (token, ResponseType::SuccessSequence));
            assert!(r.rows.is_empty());
        }
    }

    async fn recv(&mut self) -> Option<(u64, Response)> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if let Some((token, body)) = self.decoder.next_frame().unwrap() {
                return Some((token.0, Response::parse(&body).unwrap()));
            }
            let n = self.stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.decoder.extend(&buf[..n]);
        }
    }
}

fn message(r: &Response) -> String {
    r.server_error().map(|e| e.message).unwrap_or_default()
}

#[tokio::test]
async fn protocol_corners_answer_like_the_server() {
    let handle = start(None).await;
    let mut raw = Raw::connect(handle.addr()).await;
    raw.send(1, r#"[1,[60,[[14,["test"]],"t"]]]"#).await;
    assert_eq!(
        raw.recv().await.unwrap().1.response_type,
        ResponseType::SuccessAtom
    );

    // A feed on token 5; a second START with the same token is a duplicate.
    raw.send(5, r#"[1,[152,[[15,[[14,["test"]],"t"]]]],{}]"#)
        .await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (5, ResponseType::SuccessPartial));
    assert_eq!(r.notes, vec![ResponseNote::SequenceFeed]);
    raw.send(5, "[1,1]").await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (5, ResponseType::ClientError));
    assert_eq!(message(&r), "ERROR: duplicate token 5");

    // CONTINUE stays pending on the feed; STOP answers it and itself with empty sequences.
    raw.send(5, "[2]").await;
    raw.send(5, "[3]").await;
    raw.empty_sequences(5, 2).await;
    // A STOP while the START is still evaluating (r.range(1e9).count(), minutes of work)
    // interrupts it: the START and the STOP are both answered with empty sequences, as the
    // server's query cache does for a STOP'ed query.
    raw.send(11, "[1,[43,[[173,[1000000000]]]]]").await;
    raw.send(11, "[3]").await;
    raw.empty_sequences(11, 2).await;
    // The token is free again; an unknown token's CONTINUE is a client error.
    raw.send(6, "[2]").await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (6, ResponseType::ClientError));
    assert_eq!(message(&r), "Token 6 not in stream cache.");

    // A body that is not JSON: CLIENT_ERROR, and the connection stays usable.
    raw.send(7, "this is not json").await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (7, ResponseType::ClientError));
    raw.send(8, "[1,42]").await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (8, ResponseType::SuccessAtom));
    assert_eq!(r.rows[0].get(), "42");

    // Unknown global optargs are a compile error.
    raw.send(9, r#"[1,1,{"nope":1}]"#).await;
    let (_, r) = raw.recv().await.unwrap();
    assert_eq!(r.response_type, ResponseType::CompileError);

    // An impossible frame length: CLIENT_ERROR, then the server hangs up.
    let mut header = 10u64.to_le_bytes().to_vec();
    header.extend_from_slice(&u32::MAX.to_le_bytes());
    raw.stream.write_all(&header).await.unwrap();
    let (_, r) = raw.recv().await.unwrap();
    assert_eq!(r.response_type, ResponseType::ClientError);
    assert!(message(&r).starts_with("Query size (4294967295) greater than maximum"));
    assert!(raw.recv().await.is_none());
}

#[tokio::test]
async fn garbage_bytes_get_a_clean_close_and_the_server_survives() {
    let pki = tls::Pki::new();
    for tls in [None, Some(&pki)] {
        let handle = start(tls).await;
        let mut s = TcpStream::connect(handle.addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer).await;
        if tls.is_none() {
            let text = String::from_utf8_lossy(&answer);
            assert!(
                text.starts_with("ERROR: Received an unsupported protocol version"),
                "{text}"
            );
        }
        let mut s = TcpStream::connect(handle.addr()).await.unwrap();
        s.write_all(&[0xff; 5000]).await.unwrap();
        let _ = s.read_to_end(&mut Vec::new()).await;
        let c = client(&profile(&handle, tls)).await;
        assert_eq!(atom(&c, json!("still here")).await, json!("still here"));
    }
}

#[tokio::test]
async fn in_process_sandbox_gives_a_profile_to_connect_with() {
    let (p, handle) = server::start_in_process().await.unwrap();
    assert_eq!(p.host, "127.0.0.1");
    assert!(p.secret.as_ref().is_some_and(|s| !s.expose().is_empty()));
    let c = client(&p).await;
    let tables = atom(&c, json!([62, [[14, ["demo"]]]])).await;
    assert!(!tables.as_array().unwrap().is_empty(), "{tables}");
    handle.shutdown().await;
    assert!(net::connect(&p).await.is_err());
}

/// `rdbsh sandbox` with these arguments (and environment), expected to fail at start-up.
fn sandbox_cli_failure(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdbsh"))
        .arg("sandbox")
        .args(args)
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_port_in_use_is_exit_3() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = sandbox_cli_failure(&["--listen", &addr], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("already in use"), "{err}");
    assert!(err.contains("--listen"), "{err}");
}

#[test]
fn cli_bad_certificate_or_key_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let (code, err) = sandbox_cli_failure(
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            missing,
            "--tls-key",
            missing,
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read"), "{err}");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let junk = junk.to_str().unwrap();
    let (code, err) = sandbox_cli_failure(
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            junk,
            "--tls-key",
            junk,
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn cli_usage_errors_are_exit_2() {
    let (code, err) = sandbox_cli_failure(
        &[
            "--listen",
            "127.0.0.1:0",
            "--password-env",
            "RDBSH_TEST_SURELY_UNSET_VAR",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("RDBSH_TEST_SURELY_UNSET_VAR"), "{err}");
    let (code, err) = sandbox_cli_failure(&["--listen", "not an address"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("IP:PORT"), "{err}");
}

#[tokio::test]
async fn feed_initial_rows_are_paged_and_changes_answer_a_waiting_continue() {
    let handle = start(None).await;
    let writer = client(&profile(&handle, None)).await;
    create_table(&writer, "ini").await;
    let docs: Vec<Value> = (0..5).map(|i| json!({"id": i})).collect();
    atom(&writer, json!([56, [table("ini"), [2, docs]]])).await;

    let mut raw = Raw::connect(handle.addr()).await;
    raw.send(
        3,
        r#"[1,[152,[[15,[[14,["test"]],"ini"]]],{"include_initial":true}],{"max_batch_rows":2}]"#,
    )
    .await;
    let mut initial = Vec::new();
    for expected in [2, 2, 1] {
        let (t, r) = raw.recv().await.unwrap();
        assert_eq!((t, r.response_type), (3, ResponseType::SuccessPartial));
        assert_eq!(r.notes, vec![ResponseNote::SequenceFeed]);
        assert_eq!(r.rows.len(), expected);
        initial.extend(r.rows.iter().map(parse));
        raw.send(3, "[2]").await;
    }
    let ids: BTreeSet<i64> = initial
        .iter()
        .map(|row| row["new_val"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (0..5).collect());
    // The last CONTINUE waits on the server until a change comes.
    atom(&writer, json!([56, [table("ini"), {"id": 9}]])).await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (3, ResponseType::SuccessPartial));
    assert_eq!(
        r.rows.iter().map(parse).collect::<Vec<_>>(),
        vec![json!({"new_val": {"id": 9}, "old_val": null})]
    );
    raw.send(3, "[3]").await;
    let (t, r) = raw.recv().await.unwrap();
    assert_eq!((t, r.response_type), (3, ResponseType::SuccessSequence));
}
