//! `rdbsh ping` and `.ping`: who the server is, how we are connected, and the round trip.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::config::HandshakeVersion;
use crate::net::tls::PeerInfo;
use crate::net::{self, ConnectionInfo, ServerInfo};

/// Everything `ping` found out.
#[derive(Debug, Clone)]
pub struct Ping {
    /// The connection (address, user, handshake, TLS).
    pub connection: ConnectionInfo,
    /// SERVER_INFO's answer.
    pub server: ServerInfo,
    /// The server certificate, when TLS is on.
    pub peer: Option<PeerInfo>,
    /// Connecting (TCP, TLS and handshake), when this ping had to connect.
    pub connect_time: Option<Duration>,
    /// One SERVER_INFO round trip.
    pub round_trip: Duration,
}

/// Connects if needed, then measures one SERVER_INFO round trip.
pub async fn ping(session: &net::Link) -> Result<Ping, net::Error> {
    let connected = session.current().await.is_some();
    let started = Instant::now();
    let client = session.client().await?;
    let connect_time = (!connected).then(|| started.elapsed());
    let sent = Instant::now();
    // A server that accepted the connection may still never answer: `--timeout` bounds
    // the round trip as it bounds the connect.
    let timeout = session.profile().timeout;
    let server = tokio::time::timeout(timeout, client.server_info())
        .await
        .map_err(|_| {
            net::Error::timeout(format!(
                "the server did not answer the ping within {}s: raise --timeout, or check the server",
                timeout.as_secs_f64()
            ))
        })??;
    let round_trip = sent.elapsed();
    let connection = client.info().clone();
    let peer = connection.tls.as_ref().and_then(|tls| tls.peer.clone());
    Ok(Ping {
        connection,
        server,
        peer,
        connect_time,
        round_trip,
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Ping {
    /// The report, one `label  value` line each.
    pub fn report(&self) -> String {
        let c = &self.connection;
        let mut rows: Vec<(&str, String)> = Vec::new();
        let name = self.server.name.as_deref().unwrap_or("(proxy)");
        rows.push(("server", format!("{name} (id {})", self.server.id)));
        if let Some(v) = &c.server_version {
            rows.push(("version", v.clone()));
        }
        let peer_addr = c.peer_addr.map(|a| format!(" ({a})")).unwrap_or_default();
        rows.push(("address", format!("{}:{}{peer_addr}", c.host, c.port)));
        rows.push(("user", c.user.clone()));
        rows.push((
            "protocol",
            match c.handshake {
                HandshakeVersion::V1_0 => "V1_0, SCRAM-SHA-256".to_string(),
                HandshakeVersion::V0_4 => "V0_4, auth key".to_string(),
            },
        ));
        match (&c.tls, &self.peer) {
            (None, _) => rows.push(("tls", "off".into())),
            (Some(tls), None) => rows.push((
                "tls",
                format!("{}, {}", tls.protocol_version, tls.cipher_suite),
            )),
            (Some(_), Some(p)) => {
                rows.push(("tls", format!("{}, {}", p.tls_version, p.cipher_suite)));
                rows.push(("subject", p.subject.clone()));
                rows.push(("issuer", p.issuer.clone()));
                if !p.names.is_empty() {
                    rows.push(("names", p.names.join(", ")));
                }
                let days = (p.not_after - Utc::now()).num_days();
                let left = if days >= 0 {
                    format!("in {days} days")
                } else {
                    format!("EXPIRED {} days ago", -days)
                };
                rows.push((
                    "expires",
                    format!("{} ({left})", p.not_after.format("%Y-%m-%d %H:%M:%S UTC")),
                ));
                rows.push(("sha256", p.sha256_fingerprint.clone()));
            }
        }
        if let Some(t) = self.connect_time {
            rows.push(("connect", ms(t)));
        }
        rows.push(("round trip", ms(self.round_trip)));
        let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (label, value) in rows {
            let _ = writeln!(out, "{label:<width$}  {value}");
        }
        out
    }
}
