//! Client handles: cheap clones that send queries to the connection task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustls::pki_types::CertificateDer;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::connection::{Action, ReplyReceiver, Request};
use super::cursor::Cursor;
use super::error::Error;
use super::tls::PeerInfo;
use crate::config::HandshakeVersion;
use crate::protocol::response::RawResponse;
use crate::protocol::{GlobalOptargs, Query, ResponseType, ServerError, Token};

/// What was negotiated by TLS, for the status bar and `rdbsh ping`.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    /// `TLSv1_3`, `TLSv1_2`.
    pub protocol_version: String,
    /// The negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The server's certificate chain, leaf first (DER).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// The leaf certificate described for `rdbsh ping` (subject, issuer, names, expiry, SHA-256).
    pub peer: Option<PeerInfo>,
}

/// What is known about a connection once it is up.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// Host dialled.
    pub host: String,
    /// Port dialled.
    pub port: u16,
    /// Address actually connected to.
    pub peer_addr: Option<SocketAddr>,
    /// User authenticated (`admin` for V0_4).
    pub user: String,
    /// Handshake spoken.
    pub handshake: HandshakeVersion,
    /// `server_version` from the V1_0 handshake.
    pub server_version: Option<String>,
    /// TLS details, when TLS is on.
    pub tls: Option<TlsInfo>,
}

/// The answer to SERVER_INFO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Server id (a UUID).
    pub id: String,
    /// Server name; absent on a proxy.
    pub name: Option<String>,
    /// True when connected to a proxy node.
    pub proxy: bool,
}

#[derive(Debug)]
struct Inner {
    requests: mpsc::UnboundedSender<Request>,
    next_token: AtomicU64,
    info: ConnectionInfo,
}

/// A handle on one connection; clone it freely, queries on clones share the connection.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    pub(crate) fn new(requests: mpsc::UnboundedSender<Request>, info: ConnectionInfo) -> Client {
        // Tokens start at 1, as in the JS driver.
        Client {
            inner: Arc::new(Inner {
                requests,
                next_token: AtomicU64::new(1),
                info,
            }),
        }
    }

    /// What is known about the connection.
    pub fn info(&self) -> &ConnectionInfo {
        &self.inner.info
    }

    /// True once the connection task has ended; the next query would fail with `Closed`.
    pub fn is_closed(&self) -> bool {
        self.inner.requests.is_closed()
    }

    /// Resolves once the connection task has ended (the server went away or the link broke).
    pub async fn closed(&self) {
        self.inner.requests.closed().await;
    }

    fn token(&self) -> Token {
        Token(self.inner.next_token.fetch_add(1, Ordering::Relaxed))
    }

    fn send(&self, token: Token, query: Query<'_>, action: Action) -> Result<(), Error> {
        let mut frame = Vec::new();
        query
            .encode(token, &mut frame)
            .map_err(|e| Error::protocol(format!("query not sent: {e}")))?;
        self.inner
            .requests
            .send(Request {
                token,
                frame,
                action,
            })
            .map_err(|_| Error::closed())
    }

    fn request(&self, query: Query<'_>) -> Result<(Token, ReplyReceiver), Error> {
        let token = self.token();
        let (tx, rx) = mpsc::unbounded_channel();
        self.send(token, query, Action::Register(tx))?;
        Ok((token, rx))
    }

    /// Starts a query; its batches come from the returned cursor (errors show on the first batch).
    ///
    /// With `noreply: true` among the optargs the server never answers: the cursor is empty.
    pub fn run(&self, term: &RawValue, global_optargs: &GlobalOptargs) -> Result<Cursor, Error> {
        let query = Query::Start {
            term,
            global_optargs,
        };
        if global_optargs.get("noreply") == Some(&Value::Bool(true)) {
            self.send(self.token(), query, Action::Write)?;
            return Ok(Cursor::finished(self.clone()));
        }
        let (token, rx) = self.request(query)?;
        Ok(Cursor::new(self.clone(), token, rx))
    }

    /// [`Client::run`] for a term held as a `serde_json::Value`.
    pub fn run_value(&self, term: &Value, global_optargs: &GlobalOptargs) -> Result<Cursor, Error> {
        let raw = serde_json::value::to_raw_value(term)
            .map_err(|e| Error::protocol(format!("query not sent: {e}")))?;
        self.run(&raw, global_optargs)
    }

    async fn single(&self, query: Query<'_>, expect: ResponseType) -> Result<RawResponse, Error> {
        let (_, mut rx) = self.request(query)?;
        let response = rx.recv().await.ok_or_else(Error::task_gone)??;
        if let Some(e) = response.server_error() {
            return Err(Error::server(e));
        }
        if response.response_type != expect {
            return Err(Error::protocol(format!(
                "expected {} from the server, got {}",
                expect.name(),
                response.response_type.name()
            )));
        }
        Ok(response)
    }

    /// Asks the server who it is (one round trip).
    pub async fn server_info(&self) -> Result<ServerInfo, Error> {
        let response = self
            .single(Query::ServerInfo, ResponseType::ServerInfo)
            .await?;
        let info: Value = response
            .row(0)
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or(Value::Null);
        let id = info.get("id").and_then(Value::as_str);
        let Some(id) = id else {
            return Err(Error::protocol("SERVER_INFO answer without an id"));
        };
        Ok(ServerInfo {
            id: id.to_owned(),
            name: info.get("name").and_then(Value::as_str).map(str::to_owned),
            proxy: info.get("proxy").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// Waits until every `noreply` write sent on this connection has been applied.
    pub async fn noreply_wait(&self) -> Result<(), Error> {
        self.single(Query::NoreplyWait, ResponseType::WaitComplete)
            .await
            .map(|_| ())
    }

    /// Sends STOP for a running query; its cursor then sees the end of the stream.
    pub fn stop(&self, token: Token) -> Result<(), Error> {
        self.send(token, Query::Stop, Action::Write)
    }

    pub(crate) fn continue_query(&self, token: Token) -> Result<(), Error> {
        self.send(token, Query::Continue, Action::Write)
    }

    pub(crate) fn abandon(&self, token: Token) {
        // Fire and forget: a closed connection has nothing left to stop.
        let _ = self.send(token, Query::Stop, Action::Abandon);
    }
}

/// Turns a server error response into an [`Error`] (shared by the cursor).
pub(crate) fn server_error(response: &RawResponse) -> Option<Error> {
    response
        .server_error()
        .map(|e: ServerError| Error::server(e))
}
