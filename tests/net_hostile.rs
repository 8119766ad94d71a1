//! Stuck and hostile servers on real sockets: every wait is bounded, and what went wrong is
//! said. Each server here is a tiny listener in the test that misbehaves one way.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use assert_cmd::Command;
use common::rdbsh_bin;
use rdbsh::protocol::{Credential, ServerHandshake, Token, encode_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server behaves once a client has connected.
#[derive(Clone, Copy)]
enum Hostile {
    /// Completes the handshake, then reads and never answers.
    QuietAfterHandshake,
    /// Completes the handshake, then answers every query with this body.
    Answers(&'static str),
    /// Asks for 10,000,000 PBKDF2 iterations, then waits.
    ManyIterations,
    /// Refuses the handshake with RethinkDB's "unsupported protocol version" (code 10).
    OldProtocol,
}

/// Starts the listener on a thread of its own (its own runtime), so that it answers whatever
/// the client's runtime does.
fn serve(how: Hostile) -> SocketAddr {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let addr = std_listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(misbehave(stream, how));
            }
        });
    });
    addr
}

async fn misbehave(mut stream: TcpStream, how: Hostile) {
    match how {
        Hostile::ManyIterations => many_iterations(&mut stream).await,
        Hostile::OldProtocol => {
            let _ = read_some(&mut stream).await;
            let refusal = b"{\"success\":false,\"error\":\"Received an unsupported protocol version.\",\"error_code\":10}\0";
            let _ = stream.write_all(refusal).await;
        }
        Hostile::QuietAfterHandshake => {
            handshake(&mut stream).await;
            while read_some(&mut stream).await.is_some() {}
        }
        Hostile::Answers(body) => {
            handshake(&mut stream).await;
            while let Some(bytes) = read_some(&mut stream).await {
                // Queries from rdbsh arrive one frame per write: answer under its token.
                if bytes.len() < 12 {
                    continue;
                }
                let token = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
                let mut frame = Vec::new();
                encode_frame(Token(token), body.as_bytes(), &mut frame).expect("frame");
                let _ = stream.write_all(&frame).await;
            }
        }
    }
    // Keep the socket open: a closed one would end the client's wait for another reason.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

async fn read_some(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 64 * 1024];
    match stream.read(&mut buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(buf[..n].to_vec()),
    }
}

/// The real server side of the V1_0 handshake, for `admin` with the empty password.
async fn handshake(stream: &mut TcpStream) {
    let mut hs = ServerHandshake::new("2.4.4", "hostileservernonce");
    let users = |user: &str| (user == "admin").then(|| Credential::from_password("", b"salt", 1));
    while let Some(bytes) = read_some(stream).await {
        let Ok(progress) = hs.receive(&bytes, &users) else {
            return;
        };
        let _ = stream.write_all(&progress.send).await;
        if progress.done.is_some() {
            return;
        }
    }
}

/// Greets as V1_0 does, then answers the client's first SCRAM message with 10,000,000
/// iterations and goes quiet.
async fn many_iterations(stream: &mut TcpStream) {
    let mut got = read_some(stream).await.unwrap_or_default();
    let hello = b"{\"success\":true,\"min_protocol_version\":0,\"max_protocol_version\":0,\"server_version\":\"2.4.4\"}\0";
    let _ = stream.write_all(hello).await;
    // The magic number, then the client's first message up to its NUL.
    while !got.iter().skip(4).any(|b| *b == 0) {
        match read_some(stream).await {
            Some(more) => got.extend(more),
            None => return,
        }
    }
    let text = String::from_utf8_lossy(&got[4..]).to_string();
    let first: serde_json::Value =
        serde_json::from_str(text.trim_end_matches('\0')).expect("client first is JSON");
    let auth = first["authentication"].as_str().expect("authentication");
    let nonce = auth.rsplit("r=").next().expect("nonce");
    let answer = format!(
        "{{\"success\":true,\"authentication\":\"r={nonce}server,s=c2FsdA==,i=10000000\"}}\0"
    );
    let _ = stream.write_all(answer.as_bytes()).await;
}

fn rdbsh(addr: SocketAddr) -> Command {
    let mut cmd = Command::new(rdbsh_bin());
    cmd.env_remove("RDBSH_CONFIG")
        .env_remove("RDBSH_PROFILE")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .args(["--host", "127.0.0.1", "--port", &addr.port().to_string()])
        // A bound on the test itself, never an assertion on speed.
        .timeout(Duration::from_secs(120));
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run rdbsh");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ping_is_bounded_by_the_timeout_when_the_server_goes_quiet() {
    let addr = serve(Hostile::QuietAfterHandshake);
    let (code, _, err) = run(rdbsh(addr).args(["--timeout", "1", "ping"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("did not answer the ping within 1s"), "{err}");
}

#[test]
fn query_timeout_stops_a_query_the_server_never_answers() {
    let addr = serve(Hostile::QuietAfterHandshake);
    let (code, _, err) = run(rdbsh(addr).args(["--query-timeout", "1", "-e", "r.expr(1)"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("query timeout (1s)"), "{err}");
}

#[test]
fn query_timeout_from_the_profile() {
    let addr = serve(Hostile::QuietAfterHandshake);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let text = format!(
        "[profiles.quiet]\nhost = \"127.0.0.1\"\nport = {}\nquery_timeout = 1\n",
        addr.port()
    );
    std::fs::write(&config, text).expect("config");
    let mut cmd = Command::new(rdbsh_bin());
    cmd.env_remove("RDBSH_PROFILE")
        .env("RDBSH_CONFIG", &config)
        .args(["-p", "quiet", "-e", "r.expr(1)"])
        .timeout(Duration::from_secs(120));
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("query timeout (1s)"), "{err}");
}

#[test]
fn a_success_atom_without_its_value_is_a_malformed_response() {
    let addr = serve(Hostile::Answers("{\"t\":1}"));
    let (code, out, err) = run(rdbsh(addr).args(["-e", "r.expr(1)"]));
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("malformed response"), "{err}");
}

#[test]
fn scram_iterations_are_bounded_by_the_connect_timeout() {
    let addr = serve(Hostile::ManyIterations);
    let (code, _, err) = run(rdbsh(addr).args(["--timeout", "1", "ping"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("timed out after 1s"), "{err}");
}

#[test]
fn handshake_code_10_is_an_unsupported_protocol_version() {
    let addr = serve(Hostile::OldProtocol);
    let (code, _, err) = run(rdbsh(addr).args(["--timeout", "5", "ping"]));
    assert_ne!(code, 4, "not an authentication failure: {err}");
    assert!(err.contains("protocol = \"v0_4\""), "{err}");
    assert!(!err.contains("password"), "{err}");
}

#[test]
fn query_timeout_stops_a_changefeed_on_the_sandbox() {
    let mut cmd = Command::new(rdbsh_bin());
    cmd.env_remove("RDBSH_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .args(["--sandbox", "--query-timeout", "1", "-e"])
        .arg("r.db('demo').table('users').changes()")
        .timeout(Duration::from_secs(120));
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("query timeout (1s)"), "{err}");
}

/// A statement the peer runs long: a script spinning on the real server (`r.js`'s own
/// timeout raised past the test's), a changefeed on the sandbox (which has no `r.js`).
fn query_timeout_stops_a_long_query(kind: common::peer::PeerKind) {
    use common::peer::{Peer, PeerKind};
    let peer = match kind {
        PeerKind::Real => Peer::start(kind),
        PeerKind::Sandbox => Peer::start_demo(kind),
    };
    let long = match kind {
        PeerKind::Real => "r.js('while(true){}', {timeout: 600})",
        PeerKind::Sandbox => "r.db('demo').table('users').changes()",
    };
    let mut cmd = Command::new(rdbsh_bin());
    cmd.env_remove("RDBSH_CONFIG")
        .env_remove("RDBSH_PROFILE")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .envs(peer.envs())
        .args(peer.conn_args())
        .args(["--query-timeout", "1", "-e", long, "-e", "r.expr(1)"])
        .timeout(Duration::from_secs(120));
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("query timeout (1s)"), "{err}");
}
peer_tests!(query_timeout_stops_a_long_query);
