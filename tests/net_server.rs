//! A scripted RethinkDB-protocol server for the net tests and the connect benchmark, built on
//! the server side of `rdbsh::protocol` (handshake state machine, frame decoder, response
//! builders). Included by `tests/net_session.rs` and `benches/connect.rs` with `#[path]`.
//!
//! Terms it understands (anything else is a RUNTIME_ERROR saying so):
//! - a datum (string, number, bool, null): echoed as an atom (with profile data under `profile: true`);
//! - `[173, [N]]` (RANGE): the rows 0..N, three per batch, paged with CONTINUE;
//! - `[152, []]` (CHANGES): a feed of `{"n": i}` rows, one per CONTINUE, never ending;
//! - `[12, ["msg"]]` (ERROR): a RUNTIME_ERROR of type USER with backtrace `[0]`;
//! - `{"wait": "gate", "echo": V}`: answers V once a query `{"open": "gate"}` arrived;
//! - `{"open": "gate"}`: opens the gate, answers `true`;
//! - `{"optargs": true}`: answers the global optargs it received;
//! - `{"kill": true}`: drops the connection without answering;
//! - `{"garbage": true}`: writes bytes that are not a frame.
#![allow(dead_code)]
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use rdbsh::protocol::{
    Credential, ErrorType, Frame, FrameDecoder, QueryType, Response, ResponseNote, ResponseType,
    ServerHandshake, ServerQuery, Token, to_row,
};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};

/// The admin password (also the V0_4 auth key).
pub const ADMIN_PASSWORD: &str = "adminpw-3f9";
/// A second user.
pub const ALICE_PASSWORD: &str = "wonder-land-7";
/// The benchmark's user (4096 PBKDF2 iterations, as RethinkDB stores passwords).
pub const BENCH_PASSWORD: &str = "bench-pw";

/// What the server noticed, for assertions.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A connection authenticated as this user.
    Authenticated(String),
    /// A STOP arrived for this token.
    Stop(u64),
    /// A CONTINUE arrived for this token.
    Continue(u64),
}

/// How the listener behaves before the handshake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// The scripted RethinkDB server.
    Normal,
    /// Answers the magic with HTTP text.
    Garbage,
    /// Answers with a TLS alert record, as a TLS port would.
    TlsAlert,
    /// Closes as soon as it accepted.
    Close,
}

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub events: mpsc::UnboundedReceiver<Event>,
}

#[derive(Default)]
struct Gates {
    open: Mutex<Vec<String>>,
    notify: Notify,
}

/// Stored credentials, derived once as a real server stores them. Tests use few PBKDF2
/// iterations to stay fast; `bench` has RethinkDB's 4096 so the benchmark costs what it should.
fn users(user: &str) -> Option<Credential> {
    static USERS: OnceLock<Vec<(&'static str, Credential)>> = OnceLock::new();
    let users = USERS.get_or_init(|| {
        vec![
            (
                "admin",
                Credential::from_password(ADMIN_PASSWORD, b"admin-salt", 64),
            ),
            (
                "alice",
                Credential::from_password(ALICE_PASSWORD, b"alice-salt", 64),
            ),
            (
                "bench",
                Credential::from_password(BENCH_PASSWORD, b"bench-salt", 4096),
            ),
        ]
    });
    users
        .iter()
        .find(|(u, _)| *u == user)
        .map(|(_, c)| c.clone())
}

/// Starts a server on an ephemeral loopback port.
pub async fn start(mode: Mode) -> TestServer {
    start_with(mode, None).await
}

/// A CA and a server certificate for `localhost` / `127.0.0.1` signed by it.
pub struct TestPki {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server's rustls config.
    pub server_config: Arc<rustls::ServerConfig>,
}

/// Makes a fresh CA and server certificate with rcgen.
pub fn pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "rdbsh test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let server_config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
        .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(server_config),
    }
}

/// Starts a server that speaks TLS with `config` before the RethinkDB handshake.
pub async fn start_tls(config: Arc<rustls::ServerConfig>) -> TestServer {
    start_with(Mode::Normal, Some(tokio_rustls::TlsAcceptor::from(config))).await
}

/// Serves one already-open stream (e.g. one end of `tokio::io::duplex`) in a task.
pub fn serve_stream<S: AsyncRead + AsyncWrite + Send + Unpin + 'static>(
    stream: S,
) -> mpsc::UnboundedReceiver<Event> {
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(serve(stream, Mode::Normal, tx, Arc::default()));
    events
}

async fn start_with(mode: Mode, tls: Option<tokio_rustls::TlsAcceptor>) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, events) = mpsc::unbounded_channel();
    let gates = Arc::new(Gates::default());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let gates = gates.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                match tls {
                    None => {
                        let _ = serve(stream, mode, tx, gates).await;
                    }
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = serve(stream, mode, tx, gates).await;
                        }
                    }
                }
            });
        }
    });
    TestServer { addr, events }
}

async fn serve<S: AsyncRead + AsyncWrite + Send + Unpin + 'static>(
    mut stream: S,
    mode: Mode,
    events: mpsc::UnboundedSender<Event>,
    gates: Arc<Gates>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    match mode {
        Mode::Close => return Ok(()),
        Mode::Garbage => {
            let _ = stream.read(&mut buf).await?;
            stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                .await?;
            return Ok(());
        }
        Mode::TlsAlert => {
            let _ = stream.read(&mut buf).await?;
            stream
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])
                .await?;
            return Ok(());
        }
        Mode::Normal => {}
    }
    let nonce = rdbsh::protocol::scram::random_nonce().unwrap();
    let mut hs = ServerHandshake::new("2.4.4-rdbsh-test", &nonce);
    let leftover = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        match hs.receive(&buf[..n], &users) {
            Ok(p) => {
                stream.write_all(&p.send).await?;
                stream.flush().await?;
                if let Some(who) = p.done {
                    let _ = events.send(Event::Authenticated(who.user));
                    break hs.leftover().to_vec();
                }
            }
            Err(e) => {
                stream.write_all(&hs.failure_message(&e)).await?;
                stream.flush().await?;
                return Ok(());
            }
        }
    };

    let (mut reader, mut writer) = tokio::io::split(stream);
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Option<Vec<u8>>>();
    // One writer; `None` means drop the connection now.
    let writer_task = tokio::spawn(async move {
        while let Some(Some(bytes)) = out_rx.recv().await {
            if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
                break;
            }
        }
        // A kill (or a dead peer): FIN now, even though the read half lives on.
        let _ = writer.shutdown().await;
    });
    let streams: Arc<Mutex<HashMap<u64, Stream>>> = Arc::default();
    let mut decoder = FrameDecoder::new();
    decoder.extend(&leftover);
    loop {
        while let Some((token, body)) = decoder.next_frame().unwrap() {
            handle(token, &body, &out_tx, &streams, &events, &gates);
        }
        let n = reader.read(&mut buf).await?;
        if n == 0 || out_tx.is_closed() || writer_task.is_finished() {
            return Ok(());
        }
        decoder.extend(&buf[..n]);
    }
}

enum Stream {
    Range { next: u64, end: u64 },
    Feed { next: u64 },
}

fn send(out: &mpsc::UnboundedSender<Option<Vec<u8>>>, token: Token, response: Response) {
    let mut frame = Vec::new();
    response.encode(token, &mut frame).unwrap();
    let _ = out.send(Some(frame));
}

fn next_batch(stream: &mut Stream) -> (Response, bool) {
    match stream {
        Stream::Range { next, end } => {
            let stop = (*next + 3).min(*end);
            let rows = (*next..stop).map(|i| to_row(&json!(i))).collect();
            *next = stop;
            if stop == *end {
                (Response::sequence(rows), true)
            } else {
                (Response::partial(rows), false)
            }
        }
        Stream::Feed { next } => {
            let row = to_row(&json!({ "n": *next }));
            *next += 1;
            (
                Response::partial(vec![row]).with_notes(vec![ResponseNote::SequenceFeed]),
                false,
            )
        }
    }
}

fn handle(
    token: Token,
    body: &[u8],
    out: &mpsc::UnboundedSender<Option<Vec<u8>>>,
    streams: &Arc<Mutex<HashMap<u64, Stream>>>,
    events: &mpsc::UnboundedSender<Event>,
    gates: &Arc<Gates>,
) {
    let query = match ServerQuery::parse(body) {
        Ok(q) => q,
        Err(e) => {
            send(
                out,
                token,
                Response::error(ResponseType::ClientError, None, &e.to_string(), vec![]),
            );
            return;
        }
    };
    match query.query_type {
        QueryType::ServerInfo => send(
            out,
            token,
            Response::server_info(to_row(
                &json!({"id": "8f5c3a40-0000-4000-8000-000000000001", "name": "test_server", "proxy": false}),
            )),
        ),
        QueryType::NoreplyWait => send(out, token, Response::wait_complete()),
        QueryType::Stop => {
            let _ = events.send(Event::Stop(token.0));
            streams.lock().unwrap().remove(&token.0);
            send(out, token, Response::sequence(vec![]));
        }
        QueryType::Continue => {
            let _ = events.send(Event::Continue(token.0));
            let mut map = streams.lock().unwrap();
            match map.get_mut(&token.0) {
                Some(stream) => {
                    let (response, done) = next_batch(stream);
                    if done {
                        map.remove(&token.0);
                    }
                    send(out, token, response);
                }
                None => send(
                    out,
                    token,
                    Response::error(
                        ResponseType::ClientError,
                        None,
                        &format!("Token {} not in stream cache.", token.0),
                        vec![],
                    ),
                ),
            }
        }
        QueryType::Start => {
            let term = query.term.unwrap_or(Value::Null);
            start_query(
                token,
                term,
                query.global_optargs,
                out.clone(),
                streams.clone(),
                gates.clone(),
            );
        }
    }
}

fn start_query(
    token: Token,
    term: Value,
    optargs: serde_json::Map<String, Value>,
    out: mpsc::UnboundedSender<Option<Vec<u8>>>,
    streams: Arc<Mutex<HashMap<u64, Stream>>>,
    gates: Arc<Gates>,
) {
    let code = term.get(0).and_then(Value::as_i64);
    let arg0 = term.get(1).and_then(|a| a.get(0)).cloned();
    match (&term, code) {
        (Value::Array(_), Some(173)) => {
            let end = arg0.and_then(|v| v.as_u64()).unwrap_or(0);
            let mut stream = Stream::Range { next: 0, end };
            let (response, done) = next_batch(&mut stream);
            if !done {
                streams.lock().unwrap().insert(token.0, stream);
            }
            send(&out, token, response);
        }
        (Value::Array(_), Some(152)) => {
            let mut stream = Stream::Feed { next: 0 };
            let (response, _) = next_batch(&mut stream);
            streams.lock().unwrap().insert(token.0, stream);
            send(&out, token, response);
        }
        (Value::Array(_), Some(12)) => {
            let msg = arg0
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            send(
                &out,
                token,
                Response::error(
                    ResponseType::RuntimeError,
                    Some(ErrorType::User),
                    &msg,
                    vec![Frame::Pos(0)],
                ),
            );
        }
        (Value::Object(o), _) if o.contains_key("wait") => {
            let gate = o["wait"].as_str().unwrap_or_default().to_owned();
            let echo = o.get("echo").cloned().unwrap_or(Value::Null);
            tokio::spawn(async move {
                loop {
                    let notified = gates.notify.notified();
                    if gates.open.lock().unwrap().contains(&gate) {
                        break;
                    }
                    notified.await;
                }
                send(&out, token, Response::atom(to_row(&echo)));
            });
        }
        (Value::Object(o), _) if o.contains_key("open") => {
            let gate = o["open"].as_str().unwrap_or_default().to_owned();
            gates.open.lock().unwrap().push(gate);
            gates.notify.notify_waiters();
            send(&out, token, Response::atom(to_row(&json!(true))));
        }
        (Value::Object(o), _) if o.contains_key("optargs") => {
            send(&out, token, Response::atom(to_row(&Value::Object(optargs))));
        }
        (Value::Object(o), _) if o.contains_key("kill") => {
            let _ = out.send(None);
        }
        (Value::Object(o), _) if o.contains_key("garbage") => {
            let _ = out.send(Some(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()));
        }
        (Value::Array(_) | Value::Object(_), _) => send(
            &out,
            token,
            Response::error(
                ResponseType::RuntimeError,
                Some(ErrorType::QueryLogic),
                "the test server does not implement this term",
                vec![],
            ),
        ),
        (datum, _) => {
            let mut response = Response::atom(to_row(datum));
            if optargs.get("profile") == Some(&Value::Bool(true)) {
                response =
                    response.with_profile(to_row(&json!([{"description": "Evaluating datum."}])));
            }
            send(&out, token, response)
        }
    }
}
