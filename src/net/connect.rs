//! Opening a connection: TCP, optional TLS, then the V1_0 or V0_4 handshake.

use std::io;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::client::{Client, ConnectionInfo, TlsInfo};
use super::connection::{AsyncStream, Connection};
use super::error::{Error, Kind};
use super::tls;
use crate::config::{Address, HandshakeVersion, HostOrder, Profile, TlsSettings};
use crate::protocol::{ClientHandshake, HandshakeError, HandshakeInfo, scram};

/// Connects as the profile says; spawn the returned [`Connection`] (`tokio::spawn`).
///
/// The profile's hosts are tried in its `host_order`, each within `profile.timeout` (TCP, TLS
/// and handshake); the first that answers wins. When none does, the error lists every host's
/// failure.
pub async fn connect(profile: &Profile) -> Result<(Client, Connection), Error> {
    let addresses = ordered(profile);
    connect_any(profile, &addresses)
        .await
        .map(|(client, connection, _)| (client, connection))
}

/// The profile's addresses in its `host_order` (shuffled anew on each call for `random`).
pub(crate) fn ordered(profile: &Profile) -> Vec<Address> {
    let mut addresses = profile.addresses();
    if profile.host_order == HostOrder::Random {
        // Fisher-Yates with xorshift, seeded from the system's randomness (via a v4 UUID).
        let mut state = (uuid::Uuid::new_v4().as_u128() as u64) | 1;
        for i in (1..addresses.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
            addresses.swap(i, j);
        }
    }
    addresses
}

/// Tries `addresses` in order; the client, its connection task and the index of the address
/// that answered. A refused login ends the tries: every server of a cluster shares its users.
pub(crate) async fn connect_any(
    profile: &Profile,
    addresses: &[Address],
) -> Result<(Client, Connection, usize), Error> {
    let mut failures = Vec::new();
    for (i, address) in addresses.iter().enumerate() {
        match connect_to(profile, address).await {
            Ok((client, connection)) => return Ok((client, connection, i)),
            Err(e) if e.kind() == Kind::Auth => return Err(e),
            Err(e) => failures.push(e),
        }
    }
    Err(Error::unreachable(failures))
}

/// Connects to one address with the profile's credentials, TLS settings and timeout.
pub async fn connect_to(
    profile: &Profile,
    address: &Address,
) -> Result<(Client, Connection), Error> {
    let target = address.to_string();
    // How far it got when time ran out decides what to say: a listener that accepts and then
    // stays silent is not a RethinkDB driver port, whatever the timeout; a server that
    // answered but did not finish (10,000,000 SCRAM iterations) is slow, not wrong.
    let stage = AtomicU8::new(STAGE_CONNECTING);
    let attempt = connect_inner(profile, address, &target, &stage);
    match tokio::time::timeout(profile.timeout, attempt).await {
        Ok(result) => result,
        Err(_) if stage.load(Ordering::Relaxed) == STAGE_ANSWERED => Err(Error::timeout(format!(
            "timed out after {} in the handshake with {target}: the server answered but the login did not finish (a very high SCRAM iteration count?); raise --timeout",
            seconds(profile.timeout)
        ))),
        Err(_) if stage.load(Ordering::Relaxed) == STAGE_HANDSHAKING => {
            Err(Error::timeout(format!(
                "{target} accepted the connection but did not answer with the RethinkDB handshake within {} (is this the driver port, 28015 by default?)",
                seconds(profile.timeout)
            )))
        }
        Err(_) => Err(Error::timeout(format!(
            "timed out after {} connecting to {target}: check the host and port, or raise --timeout",
            seconds(profile.timeout)
        ))),
    }
}

/// How far a connect got: TCP (and TLS) under way, handshake sent, server answered.
const STAGE_CONNECTING: u8 = 0;
const STAGE_HANDSHAKING: u8 = 1;
const STAGE_ANSWERED: u8 = 2;

fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

async fn connect_inner(
    profile: &Profile,
    address: &Address,
    target: &str,
    stage: &AtomicU8,
) -> Result<(Client, Connection), Error> {
    let tcp = TcpStream::connect((address.host.as_str(), address.port))
        .await
        .map_err(|e| {
            let message = match e.kind() {
                io::ErrorKind::ConnectionRefused => format!(
                    "could not connect to {target}: connection refused (is RethinkDB running and listening there?)"
                ),
                _ => format!("could not connect to {target}: {e}"),
            };
            Error::io(message, e)
        })?;
    tune(&tcp);
    let peer_addr = tcp.peer_addr().ok();
    let mut info = ConnectionInfo {
        host: address.host.clone(),
        port: address.port,
        peer_addr,
        user: profile.user.clone(),
        handshake: profile.handshake,
        server_version: None,
        tls: None,
    };
    match &profile.tls {
        None => {
            stage.store(STAGE_HANDSHAKING, Ordering::Relaxed);
            handshake_and_start(Box::new(tcp), profile, info, target, stage).await
        }
        Some(settings) => {
            let stream = start_tls(tcp, settings, &address.host, target).await?;
            let (_, conn) = stream.get_ref();
            info.tls = Some(TlsInfo {
                protocol_version: conn
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default(),
                cipher_suite: conn
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite()))
                    .unwrap_or_default(),
                peer_certificates: conn
                    .peer_certificates()
                    .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                    .unwrap_or_default(),
                peer: tls::PeerInfo::from_connection(conn),
            });
            stage.store(STAGE_HANDSHAKING, Ordering::Relaxed);
            handshake_and_start(Box::new(stream), profile, info, target, stage).await
        }
    }
}

/// Small query frames must not wait for Nagle; keepalive notices a dead peer under a quiet
/// changefeed (within about two minutes), where nothing else is sent.
fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = socket2::SockRef::from(tcp).set_tcp_keepalive(&keepalive);
}

async fn start_tls(
    tcp: TcpStream,
    settings: &TlsSettings,
    host: &str,
    target: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Error> {
    let config = tls::client_config(settings)
        .map_err(|e| Error::tls(format!("TLS set-up failed: {e}"), Some(Box::new(e))))?;
    let name = tls::server_name(settings, host)
        .map_err(|e| Error::tls(format!("TLS set-up failed: {e}"), Some(Box::new(e))))?;
    let connector = tokio_rustls::TlsConnector::from(config);
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| tls_failure(e, settings, host, target))
}

fn tls_failure(e: io::Error, settings: &TlsSettings, host: &str, target: &str) -> Error {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match rustls_error {
        // The peer's bytes are not TLS records: a plain RethinkDB port answers the ClientHello
        // with nothing TLS can parse.
        Some(rustls::Error::InvalidMessage(_)) => Error::tls(
            format!(
                "{target} did not answer with TLS: the server may not have TLS enabled on this port; turn TLS off for this profile or use the TLS port"
            ),
            Some(Box::new(e)),
        ),
        Some(err) => Error::tls(tls::explain(&err, settings, host), Some(Box::new(e))),
        None if e.kind() == io::ErrorKind::UnexpectedEof => Error::tls(
            format!(
                "{target} closed the connection during the TLS handshake: the server may not have TLS enabled on this port, or it requires a client certificate"
            ),
            Some(Box::new(e)),
        ),
        None => Error::tls(
            format!("TLS handshake with {target} failed: {e}"),
            Some(Box::new(e)),
        ),
    }
}

/// Runs the client handshake over any stream, then hands the stream to a [`Connection`].
///
/// `connect` uses it after TCP/TLS; an in-process server (e.g. over `tokio::io::duplex`)
/// can use it directly.
pub async fn connect_stream<S: AsyncStream + 'static>(
    stream: S,
    profile: &Profile,
) -> Result<(Client, Connection), Error> {
    let info = ConnectionInfo {
        host: profile.host.clone(),
        port: profile.port,
        peer_addr: None,
        user: profile.user.clone(),
        handshake: profile.handshake,
        server_version: None,
        tls: None,
    };
    let target = format!("{}:{}", profile.host, profile.port);
    let stage = AtomicU8::new(STAGE_HANDSHAKING);
    handshake_and_start(Box::new(stream), profile, info, &target, &stage).await
}

async fn handshake_and_start(
    mut stream: Box<dyn AsyncStream>,
    profile: &Profile,
    mut info: ConnectionInfo,
    target: &str,
    stage: &AtomicU8,
) -> Result<(Client, Connection), Error> {
    let secret = profile.secret.as_ref().map(|s| s.expose()).unwrap_or("");
    let hs = match profile.handshake {
        HandshakeVersion::V1_0 => {
            let nonce = scram::random_nonce()
                .map_err(|_| Error::handshake("could not make a random nonce for SCRAM"))?;
            ClientHandshake::v1_0(&profile.user, secret, &nonce)
        }
        HandshakeVersion::V0_4 => {
            info.user = "admin".into();
            ClientHandshake::v0_4(secret)
        }
    };
    let (hs_info, leftover) = drive_handshake(
        &mut stream,
        hs,
        &info.user,
        profile.tls.is_some(),
        target,
        stage,
    )
    .await?;
    info.server_version = hs_info.server_version;
    let (tx, rx) = mpsc::unbounded_channel();
    Ok((Client::new(tx, info), Connection::new(stream, leftover, rx)))
}

async fn drive_handshake(
    stream: &mut Box<dyn AsyncStream>,
    mut hs: ClientHandshake,
    user: &str,
    tls: bool,
    target: &str,
    stage: &AtomicU8,
) -> Result<(HandshakeInfo, Vec<u8>), Error> {
    let lost = |e: io::Error| {
        Error::io(
            format!("connection to {target} lost during the handshake: {e}"),
            e,
        )
    };
    stream.write_all(hs.start()).await.map_err(lost)?;
    stream.flush().await.map_err(lost)?;
    let closed = || {
        if tls {
            Error::handshake(format!(
                "{target} closed the connection during the handshake: check that this is a RethinkDB driver port"
            ))
        } else {
            Error::tls(
                format!(
                    "{target} closed the connection during the handshake: the server may require TLS; turn TLS on for this profile (--tls or --ca-cert)"
                ),
                None,
            )
        }
    };
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => return Err(closed()),
            Ok(n) => n,
            // A server that hangs up on bytes it cannot parse often resets instead of closing.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Err(closed()),
            Err(e) => return Err(lost(e)),
        };
        stage.store(STAGE_ANSWERED, Ordering::Relaxed);
        let (back, received) = receive_off_the_runtime(hs, buf[..n].to_vec()).await?;
        hs = back;
        let progress = received.map_err(|e| handshake_error(e, user, target))?;
        if !progress.send.is_empty() {
            stream.write_all(&progress.send).await.map_err(lost)?;
            stream.flush().await.map_err(lost)?;
        }
        if let Some(done) = progress.done {
            return Ok((done, hs.leftover().to_vec()));
        }
    }
}

/// `hs.receive(bytes)` on a thread of its own. The server's first SCRAM message sets the
/// PBKDF2 iterations (up to 10,000,000): derived off the async workers, the connect timeout
/// still ends the wait. Not the blocking pool: the runtime's shutdown would wait for it,
/// holding the exit after the timeout.
async fn receive_off_the_runtime(
    mut hs: ClientHandshake,
    bytes: Vec<u8>,
) -> Result<Received, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("rdbsh-scram".into())
        .spawn(move || {
            let received = hs.receive(&bytes);
            let _ = tx.send((hs, received));
        })
        .map_err(|e| Error::handshake(format!("cannot start the handshake's thread: {e}")))?;
    rx.await
        .map_err(|_| Error::handshake("the handshake's key derivation stopped unexpectedly"))
}

type Received = (
    ClientHandshake,
    Result<crate::protocol::Progress<HandshakeInfo>, HandshakeError>,
);

fn handshake_error(e: HandshakeError, user: &str, target: &str) -> Error {
    if e.is_auth() {
        // RethinkDB says `Unknown user` when the name is wrong: then the password is not the fix.
        let fix = if e.to_string().to_ascii_lowercase().contains("unknown user") {
            "check the user name of this profile (`user`, --user)"
        } else {
            "check the password or auth key of this profile"
        };
        return Error::auth(format!(
            "authentication failed for user `{user}` on {target}: {e}; {fix}"
        ));
    }
    match e {
        HandshakeError::TlsBytes => Error::tls(
            format!(
                "{target} answered with TLS: the server requires TLS; turn TLS on for this profile (--tls or --ca-cert)"
            ),
            None,
        ),
        other => Error::handshake(format!("handshake with {target} failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_host_order_shuffles_and_in_order_keeps_the_order() {
        let mut profile = Profile {
            hosts: (0..4)
                .map(|i| Address::new(format!("h{i}"), 28015))
                .collect(),
            ..Profile::default()
        };
        assert_eq!(ordered(&profile), profile.hosts);
        profile.host_order = HostOrder::Random;
        let mut firsts = std::collections::BTreeSet::new();
        for _ in 0..64 {
            let mut shuffled = ordered(&profile);
            firsts.insert(shuffled[0].host.clone());
            shuffled.sort_by(|a, b| a.host.cmp(&b.host));
            assert_eq!(shuffled, profile.hosts, "a permutation of the hosts");
        }
        // The chance that 64 shuffles all start with the same host is 4^-63.
        assert!(firsts.len() > 1, "{firsts:?}");
    }

    #[tokio::test]
    async fn connections_keep_alive_and_skip_nagle() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        tune(&tcp);
        let sock = socket2::SockRef::from(&tcp);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(60));
        assert!(tcp.nodelay().unwrap());
    }
}
