//! The connection handshakes as sans-IO state machines, client and server side.
//!
//! V1_0: magic, then NUL-terminated JSON messages carrying SCRAM-SHA-256.
//! V0_4: magic, auth key, JSON magic; the server answers `SUCCESS\0` or `ERROR: ...\n\0`.
//! Feed received bytes to `receive`; write out whatever it returns in `send`.

use serde_json::{Value, json};

use super::scram::{Credential, ScramClient, ScramError, ScramServer};
use super::term_type::{PROTOCOL_JSON, V1_0_PROTOCOL_VERSION, Version};
use crate::config::HandshakeVersion;

/// Longest handshake message accepted before its NUL: garbage must not grow a buffer forever.
pub const MAX_MESSAGE_LEN: usize = 16 * 1024;
/// Longest V0_4 auth key the server accepts.
pub const MAX_AUTH_KEY_LEN: usize = 2048;
/// The V0_4 success answer.
pub const V0_4_SUCCESS: &[u8] = b"SUCCESS\0";
/// The V0_4 answer to a wrong key.
pub const V0_4_BAD_KEY: &[u8] = b"ERROR: Incorrect authorization key.\n\0";
/// The only authentication method of V1_0.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";

/// What can go wrong during a handshake, on either side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// The peer answered with TLS records (it expects TLS).
    #[error("the server answered with TLS: it requires TLS, turn TLS on for this profile")]
    TlsBytes,
    /// The peer answered with something that is not the RethinkDB handshake.
    #[error(
        "the server did not answer with the RethinkDB handshake (is this the driver port, 28015 by default?)"
    )]
    NotRethinkDb,
    /// A handshake message was longer than [`MAX_MESSAGE_LEN`].
    #[error("handshake message from the peer is too long")]
    TooLong,
    /// A handshake message was not the expected JSON.
    #[error("malformed handshake message: {0}")]
    Malformed(String),
    /// The server supports no protocol version this client speaks.
    #[error(
        "the server speaks protocol versions {min}..={max}, rdbsh speaks 0: upgrade rdbsh or the server"
    )]
    VersionRange {
        /// Lowest version the server accepts.
        min: i64,
        /// Highest version the server accepts.
        max: i64,
    },
    /// The peer reported an authentication failure (codes 10–20, or a rejected auth key).
    #[error("{message}")]
    Auth {
        /// RethinkDB's `error_code`, when the server gave one.
        code: Option<i64>,
        /// The server's message (`Wrong password`, `Unknown user`, ...).
        message: String,
    },
    /// The server does not speak the V1_0 handshake (`error_code` 10).
    #[error(
        "the server does not speak this protocol version ({message}); it may be older than \
         RethinkDB 2.3: set `protocol = \"v0_4\"` in the profile"
    )]
    Protocol {
        /// The server's message.
        message: String,
    },
    /// The peer reported another failure.
    #[error("the server refused the handshake: {message}")]
    Refused {
        /// RethinkDB's `error_code`, when the server gave one.
        code: Option<i64>,
        /// The server's message.
        message: String,
    },
    /// A SCRAM step failed on this side.
    #[error(transparent)]
    Scram(#[from] ScramError),
    /// The client asked for a version this server does not speak.
    #[error("unsupported protocol version magic {0:#010x}")]
    UnsupportedVersion(u32),
    /// The handshake is over (done or failed) and got more input.
    #[error("handshake already finished")]
    Finished,
}

impl HandshakeError {
    /// True when the failure is about credentials (exit code 4), not the protocol.
    pub fn is_auth(&self) -> bool {
        match self {
            HandshakeError::Auth { .. } => true,
            HandshakeError::Scram(e) => matches!(
                e,
                ScramError::InvalidServerSignature
                    | ScramError::WrongPassword
                    | ScramError::UnknownUser
                    | ScramError::Server(_)
            ),
            _ => false,
        }
    }
}

/// RethinkDB's `error_code` for an unsupported protocol version.
const UNSUPPORTED_PROTOCOL: i64 = 10;

/// Classifies a `{"success":false,...}` answer: codes 11–20 are authentication errors.
fn failure(v: &Value) -> HandshakeError {
    let message = v
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("handshake failed without a message")
        .to_owned();
    let code = v.get("error_code").and_then(Value::as_i64);
    match code {
        // RethinkDB's code for a protocol version it does not speak, though it is in the
        // authentication range: the password is not the fix.
        Some(UNSUPPORTED_PROTOCOL) => HandshakeError::Protocol { message },
        Some(10..=20) => HandshakeError::Auth { code, message },
        _ => HandshakeError::Refused { code, message },
    }
}

/// Splits NUL-terminated messages off the front of a buffer.
#[derive(Debug, Default)]
struct NulReader {
    buf: Vec<u8>,
}

impl NulReader {
    /// The next complete message without its NUL, or `None` when more bytes are needed.
    fn next(&mut self) -> Result<Option<Vec<u8>>, HandshakeError> {
        match self.buf.iter().position(|b| *b == 0) {
            Some(i) if i > MAX_MESSAGE_LEN => Err(HandshakeError::TooLong),
            Some(i) => {
                let msg = self.buf[..i].to_vec();
                self.buf.drain(..=i);
                Ok(Some(msg))
            }
            None if self.buf.len() > MAX_MESSAGE_LEN => Err(HandshakeError::TooLong),
            None => Ok(None),
        }
    }
}

/// Checks a server message looks like handshake JSON before waiting for its NUL.
fn check_json_start(buf: &[u8]) -> Result<(), HandshakeError> {
    match buf.first() {
        None | Some(b'{') => Ok(()),
        Some(0x14..=0x17) => Err(HandshakeError::TlsBytes),
        Some(_) => Err(HandshakeError::NotRethinkDb),
    }
}

fn parse_json(msg: &[u8]) -> Result<Value, HandshakeError> {
    match serde_json::from_slice::<Value>(msg) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(HandshakeError::Malformed("expected a JSON object".into())),
        Err(e) => Err(HandshakeError::Malformed(e.to_string())),
    }
}

fn nul_json(v: &Value) -> Vec<u8> {
    let mut out = v.to_string().into_bytes();
    out.push(0);
    out
}

/// What a finished client handshake learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeInfo {
    /// Which handshake was spoken.
    pub version: HandshakeVersion,
    /// `server_version` from V1_0 (V0_4 does not say).
    pub server_version: Option<String>,
}

/// Output of one `receive` call.
#[derive(Debug)]
pub struct Progress<T> {
    /// Bytes to write to the peer now.
    pub send: Vec<u8>,
    /// Set once the handshake has finished successfully.
    pub done: Option<T>,
}

impl<T> Default for Progress<T> {
    fn default() -> Self {
        Progress {
            send: Vec::new(),
            done: None,
        }
    }
}

#[derive(Debug)]
enum ClientState {
    V1Version,
    V1ServerFirst,
    V1ServerFinal,
    V04Answer,
    Done,
    Failed,
}

/// The client side of either handshake.
pub struct ClientHandshake {
    scram: Option<ScramClient>,
    start: Vec<u8>,
    reader: NulReader,
    state: ClientState,
    server_version: Option<String>,
}

// By hand: `start` holds the V0_4 auth key, which must never reach a log.
impl std::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("state", &self.state)
            .field("server_version", &self.server_version)
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// V1_0 with SCRAM-SHA-256 for `user` (an empty password when there is none).
    pub fn v1_0(user: &str, password: &str, nonce: &str) -> ClientHandshake {
        let mut scram = ScramClient::new(user, password, nonce);
        let mut start = Version::V1_0.magic().to_le_bytes().to_vec();
        start.extend(nul_json(&json!({
            "protocol_version": V1_0_PROTOCOL_VERSION,
            "authentication_method": SCRAM_SHA_256,
            "authentication": scram.client_first(),
        })));
        ClientHandshake {
            scram: Some(scram),
            start,
            reader: NulReader::default(),
            state: ClientState::V1Version,
            server_version: None,
        }
    }

    /// V0_4 sending `auth_key` (may be empty).
    pub fn v0_4(auth_key: &str) -> ClientHandshake {
        let mut start = Version::V0_4.magic().to_le_bytes().to_vec();
        // Keys longer than u32 are refused by the server anyway; saturate instead of wrapping.
        start.extend(
            u32::try_from(auth_key.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        start.extend(auth_key.as_bytes());
        start.extend(PROTOCOL_JSON.to_le_bytes());
        ClientHandshake {
            scram: None,
            start,
            reader: NulReader::default(),
            state: ClientState::V04Answer,
            server_version: None,
        }
    }

    /// The bytes to write first (magic and, for V1_0, the client-first message).
    pub fn start(&self) -> &[u8] {
        &self.start
    }

    /// Bytes received after the handshake finished (the start of the first response, if any).
    pub fn leftover(&self) -> &[u8] {
        &self.reader.buf
    }

    /// Takes received bytes; returns what to send and, at the end, what was learned.
    pub fn receive(&mut self, input: &[u8]) -> Result<Progress<HandshakeInfo>, HandshakeError> {
        if matches!(self.state, ClientState::Done | ClientState::Failed) {
            return Err(HandshakeError::Finished);
        }
        self.reader.buf.extend_from_slice(input);
        let result = self.advance();
        if result.is_err() {
            self.state = ClientState::Failed;
        }
        result
    }

    fn advance(&mut self) -> Result<Progress<HandshakeInfo>, HandshakeError> {
        let mut progress = Progress::default();
        loop {
            match self.state {
                ClientState::V04Answer => {
                    let buf = &self.reader.buf;
                    let n = buf.len().min(7);
                    if buf[..n] != b"SUCCESS"[..n]
                        && buf[..buf.len().min(6)] != b"ERROR:"[..buf.len().min(6)]
                    {
                        return Err(match buf.first() {
                            Some(0x14..=0x17) => HandshakeError::TlsBytes,
                            _ => HandshakeError::NotRethinkDb,
                        });
                    }
                    let Some(msg) = self.reader.next()? else {
                        return Ok(progress);
                    };
                    if msg == b"SUCCESS" {
                        self.state = ClientState::Done;
                        progress.done = Some(HandshakeInfo {
                            version: HandshakeVersion::V0_4,
                            server_version: None,
                        });
                        return Ok(progress);
                    }
                    let text = String::from_utf8_lossy(&msg);
                    let message = text
                        .trim_start_matches("ERROR:")
                        .trim()
                        .trim_end_matches('.')
                        .to_owned();
                    return Err(if message.contains("authorization key") {
                        HandshakeError::Auth {
                            code: None,
                            message,
                        }
                    } else {
                        HandshakeError::Refused {
                            code: None,
                            message,
                        }
                    });
                }
                ClientState::V1Version
                | ClientState::V1ServerFirst
                | ClientState::V1ServerFinal => {
                    check_json_start(&self.reader.buf)?;
                    let Some(msg) = self.reader.next()? else {
                        return Ok(progress);
                    };
                    let v = parse_json(&msg)?;
                    if v.get("success") != Some(&Value::Bool(true)) {
                        return Err(failure(&v));
                    }
                    self.step_v1(&v, &mut progress)?;
                    if progress.done.is_some() {
                        return Ok(progress);
                    }
                }
                ClientState::Done | ClientState::Failed => return Err(HandshakeError::Finished),
            }
        }
    }

    fn step_v1(
        &mut self,
        v: &Value,
        progress: &mut Progress<HandshakeInfo>,
    ) -> Result<(), HandshakeError> {
        let scram = self.scram.as_mut().ok_or(HandshakeError::Finished)?;
        let authentication = || {
            v.get("authentication")
                .and_then(Value::as_str)
                .ok_or_else(|| HandshakeError::Malformed("missing `authentication`".into()))
        };
        match self.state {
            ClientState::V1Version => {
                let min = v.get("min_protocol_version").and_then(Value::as_i64);
                let max = v.get("max_protocol_version").and_then(Value::as_i64);
                let (Some(min), Some(max)) = (min, max) else {
                    return Err(HandshakeError::Malformed(
                        "missing protocol version range".into(),
                    ));
                };
                if !(min..=max).contains(&V1_0_PROTOCOL_VERSION) {
                    return Err(HandshakeError::VersionRange { min, max });
                }
                self.server_version = v
                    .get("server_version")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.state = ClientState::V1ServerFirst;
            }
            ClientState::V1ServerFirst => {
                let fin = scram.handle_server_first(authentication()?)?;
                progress
                    .send
                    .extend(nul_json(&json!({ "authentication": fin })));
                self.state = ClientState::V1ServerFinal;
            }
            ClientState::V1ServerFinal => {
                scram.handle_server_final(authentication()?)?;
                self.state = ClientState::Done;
                progress.done = Some(HandshakeInfo {
                    version: HandshakeVersion::V1_0,
                    server_version: self.server_version.clone(),
                });
            }
            _ => return Err(HandshakeError::Finished),
        }
        Ok(())
    }
}

/// Looks up a user's stored credential, for the server side.
pub trait CredentialStore {
    /// The credential of `user`, `None` when there is no such user.
    fn credential(&self, user: &str) -> Option<Credential>;
}

impl<F: Fn(&str) -> Option<Credential>> CredentialStore for F {
    fn credential(&self, user: &str) -> Option<Credential> {
        self(user)
    }
}

/// Who got in, as the server side saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The user (`admin` for V0_4).
    pub user: String,
    /// Which handshake the client spoke.
    pub version: HandshakeVersion,
}

enum ServerState {
    Magic,
    V04KeyLen,
    V04Key(usize),
    V04Protocol(String),
    V1ClientFirst,
    V1ClientFinal,
    Done,
    Failed,
}

/// The server side of both handshakes (used by the sandbox and the tests).
///
/// On an error, the bytes already returned in `send` by earlier calls stay valid; the error's
/// answer to the client is in [`ServerHandshake::failure_message`]: write it, then close.
pub struct ServerHandshake {
    server_version: String,
    scram: ScramServer,
    buf: Vec<u8>,
    state: ServerState,
    /// The client chose V0_4, so failures are answered in its `ERROR: ...` form.
    legacy: bool,
}

// By hand: the state may hold a received auth key.
impl std::fmt::Debug for ServerHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandshake")
            .field("server_version", &self.server_version)
            .field("legacy", &self.legacy)
            .finish_non_exhaustive()
    }
}

impl ServerHandshake {
    /// A server announcing `server_version`, appending `server_nonce` in SCRAM.
    pub fn new(server_version: &str, server_nonce: &str) -> ServerHandshake {
        ServerHandshake {
            server_version: server_version.to_owned(),
            scram: ScramServer::new(server_nonce),
            buf: Vec::new(),
            state: ServerState::Magic,
            legacy: false,
        }
    }

    /// Bytes received after the handshake finished (the first query frames, if pipelined).
    pub fn leftover(&self) -> &[u8] {
        &self.buf
    }

    /// What to send the client after `err`, before closing (the form depends on the version).
    pub fn failure_message(&self, err: &HandshakeError) -> Vec<u8> {
        server_failure_message(err, self.legacy)
    }

    /// Takes received bytes; returns what to send and, at the end, who authenticated.
    pub fn receive(
        &mut self,
        input: &[u8],
        users: &dyn CredentialStore,
    ) -> Result<Progress<Authenticated>, HandshakeError> {
        if matches!(self.state, ServerState::Done | ServerState::Failed) {
            return Err(HandshakeError::Finished);
        }
        self.buf.extend_from_slice(input);
        let mut progress = Progress::default();
        match self.advance(users, &mut progress) {
            Ok(()) => Ok(progress),
            Err(e) => {
                self.state = ServerState::Failed;
                Err(e)
            }
        }
    }

    fn take_u32(&mut self) -> Option<u32> {
        let bytes: [u8; 4] = self.buf.get(..4)?.try_into().ok()?;
        self.buf.drain(..4);
        Some(u32::from_le_bytes(bytes))
    }

    fn take_message(&mut self) -> Result<Option<Value>, HandshakeError> {
        let Some(i) = self.buf.iter().position(|b| *b == 0) else {
            if self.buf.len() > MAX_MESSAGE_LEN {
                return Err(HandshakeError::TooLong);
            }
            return Ok(None);
        };
        if i > MAX_MESSAGE_LEN {
            return Err(HandshakeError::TooLong);
        }
        let msg: Vec<u8> = self.buf.drain(..=i).take(i).collect();
        parse_json(&msg).map(Some)
    }

    /// Runs the state machine over the buffered bytes until it needs more or is done.
    fn advance(
        &mut self,
        users: &dyn CredentialStore,
        progress: &mut Progress<Authenticated>,
    ) -> Result<(), HandshakeError> {
        loop {
            let moved = match &self.state {
                ServerState::Magic => self.on_magic(progress)?,
                ServerState::V04KeyLen => self.on_v04_key_len()?,
                ServerState::V04Key(len) => self.on_v04_key(*len),
                ServerState::V04Protocol(key) => {
                    let key = key.clone();
                    self.on_v04_protocol(&key, users, progress)?
                }
                ServerState::V1ClientFirst => self.on_client_first(users, progress)?,
                ServerState::V1ClientFinal => self.on_client_final(progress)?,
                ServerState::Done | ServerState::Failed => return Err(HandshakeError::Finished),
            };
            if !moved || progress.done.is_some() {
                return Ok(());
            }
        }
    }

    /// The client's magic number picks V1_0 (answered at once) or V0_4. Each `on_` step
    /// returns false when it needs more bytes.
    fn on_magic(&mut self, progress: &mut Progress<Authenticated>) -> Result<bool, HandshakeError> {
        let Some(magic) = self.take_u32() else {
            return Ok(false);
        };
        match Version::from_magic(magic) {
            Some(Version::V1_0) => {
                progress.send.extend(nul_json(&json!({
                    "success": true,
                    "min_protocol_version": V1_0_PROTOCOL_VERSION,
                    "max_protocol_version": V1_0_PROTOCOL_VERSION,
                    "server_version": self.server_version,
                })));
                self.state = ServerState::V1ClientFirst;
            }
            Some(Version::V0_4) => {
                self.legacy = true;
                self.state = ServerState::V04KeyLen;
            }
            _ => return Err(HandshakeError::UnsupportedVersion(magic)),
        }
        Ok(true)
    }

    fn on_v04_key_len(&mut self) -> Result<bool, HandshakeError> {
        let Some(len) = self.take_u32() else {
            return Ok(false);
        };
        let len = len as usize;
        if len > MAX_AUTH_KEY_LEN {
            return Err(HandshakeError::Refused {
                code: None,
                message: "Client provided an authorization key that is too long.".into(),
            });
        }
        self.state = ServerState::V04Key(len);
        Ok(true)
    }

    fn on_v04_key(&mut self, len: usize) -> bool {
        if self.buf.len() < len {
            return false;
        }
        let key: Vec<u8> = self.buf.drain(..len).collect();
        self.state = ServerState::V04Protocol(String::from_utf8_lossy(&key).into_owned());
        true
    }

    /// V0_4's protocol number, then the auth key checked as the admin's password.
    fn on_v04_protocol(
        &mut self,
        key: &str,
        users: &dyn CredentialStore,
        progress: &mut Progress<Authenticated>,
    ) -> Result<bool, HandshakeError> {
        let Some(protocol) = self.take_u32() else {
            return Ok(false);
        };
        if protocol != PROTOCOL_JSON {
            return Err(HandshakeError::Refused {
                code: None,
                message: "The PROTOBUF client protocol is no longer supported".into(),
            });
        }
        let ok = users
            .credential("admin")
            .is_some_and(|c| c.verify_password(key));
        if !ok {
            return Err(HandshakeError::Auth {
                code: None,
                message: "Incorrect authorization key".into(),
            });
        }
        progress.send.extend_from_slice(V0_4_SUCCESS);
        self.state = ServerState::Done;
        progress.done = Some(Authenticated {
            user: "admin".into(),
            version: HandshakeVersion::V0_4,
        });
        Ok(true)
    }

    /// V1_0's first message: protocol version, method, and the SCRAM client-first.
    fn on_client_first(
        &mut self,
        users: &dyn CredentialStore,
        progress: &mut Progress<Authenticated>,
    ) -> Result<bool, HandshakeError> {
        let Some(v) = self.take_message()? else {
            return Ok(false);
        };
        if v.get("protocol_version").and_then(Value::as_i64) != Some(V1_0_PROTOCOL_VERSION) {
            return Err(HandshakeError::Refused {
                code: Some(2),
                message: "Unsupported `protocol_version`.".into(),
            });
        }
        if v.get("authentication_method").and_then(Value::as_str) != Some(SCRAM_SHA_256) {
            return Err(HandshakeError::Refused {
                code: Some(4),
                message: "Unsupported `authentication_method`.".into(),
            });
        }
        let first = self
            .scram
            .handle_client_first(authentication(&v)?, |u| users.credential(u))?;
        progress
            .send
            .extend(nul_json(&json!({"success": true, "authentication": first})));
        self.state = ServerState::V1ClientFinal;
        Ok(true)
    }

    /// V1_0's final message: the SCRAM proof, answered with the server signature.
    fn on_client_final(
        &mut self,
        progress: &mut Progress<Authenticated>,
    ) -> Result<bool, HandshakeError> {
        let Some(v) = self.take_message()? else {
            return Ok(false);
        };
        let fin = self.scram.handle_client_final(authentication(&v)?)?;
        progress
            .send
            .extend(nul_json(&json!({"success": true, "authentication": fin})));
        let user = self.scram.user().unwrap_or_default().to_owned();
        self.state = ServerState::Done;
        progress.done = Some(Authenticated {
            user,
            version: HandshakeVersion::V1_0,
        });
        Ok(true)
    }
}

/// The `authentication` field of a V1_0 client message.
fn authentication(v: &Value) -> Result<&str, HandshakeError> {
    v.get("authentication")
        .and_then(Value::as_str)
        .ok_or_else(|| HandshakeError::Malformed("missing `authentication`".into()))
}

/// The answer a server writes for `err` before closing: V0_4 `ERROR: ...\n\0` or V1_0 JSON.
pub fn server_failure_message(err: &HandshakeError, v0_4: bool) -> Vec<u8> {
    let (code, message) = match err {
        HandshakeError::Auth { code, message } | HandshakeError::Refused { code, message } => {
            (code.unwrap_or(20), message.clone())
        }
        HandshakeError::Scram(e) => (i64::from(e.code()), e.to_string()),
        HandshakeError::UnsupportedVersion(_) => {
            return b"ERROR: Received an unsupported protocol version. This port is for RethinkDB queries. Does your client driver version not match the server?\n\0".to_vec();
        }
        HandshakeError::TooLong | HandshakeError::Malformed(_) => (9, err.to_string()),
        other => (20, other.to_string()),
    };
    if v0_4 {
        let mut msg = if matches!(err, HandshakeError::Auth { .. }) {
            V0_4_BAD_KEY.to_vec()
        } else {
            format!("ERROR: {message}\n\0").into_bytes()
        };
        if msg.last() != Some(&0) {
            msg.push(0);
        }
        return msg;
    }
    nul_json(&json!({"success": false, "error": message, "error_code": code}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn users(user: &str) -> Option<Credential> {
        match user {
            "admin" => Some(Credential::from_password("adminpw", b"adminsalt", 8)),
            "alice" => Some(Credential::from_password("wonder", b"alicesalt", 8)),
            _ => None,
        }
    }

    /// Runs both sides against each other, byte by byte when `drip` is set.
    fn run(
        mut client: ClientHandshake,
        drip: bool,
    ) -> (
        Result<HandshakeInfo, HandshakeError>,
        Result<Authenticated, HandshakeError>,
    ) {
        let mut server = ServerHandshake::new("2.4.4~rdbsh", "SERVERNONCE");
        let mut to_server = client.start().to_vec();
        let mut to_client = Vec::new();
        let (mut c_done, mut s_done) = (None, None);
        for _ in 0..100 {
            if s_done.is_none() && !to_server.is_empty() {
                let chunks: Vec<Vec<u8>> = if drip {
                    to_server.iter().map(|b| vec![*b]).collect()
                } else {
                    vec![std::mem::take(&mut to_server)]
                };
                to_server.clear();
                for c in chunks {
                    if s_done.is_some() {
                        break;
                    }
                    match server.receive(&c, &users) {
                        Ok(p) => {
                            to_client.extend(p.send);
                            if let Some(a) = p.done {
                                s_done = Some(Ok(a));
                            }
                        }
                        Err(e) => {
                            to_client.extend(server.failure_message(&e));
                            s_done = Some(Err(e));
                        }
                    }
                }
            }
            if c_done.is_none() && !to_client.is_empty() {
                match client.receive(&std::mem::take(&mut to_client)) {
                    Ok(p) => {
                        to_server.extend(p.send);
                        if let Some(i) = p.done {
                            c_done = Some(Ok(i));
                        }
                    }
                    Err(e) => c_done = Some(Err(e)),
                }
            }
            if c_done.is_some() && s_done.is_some() {
                break;
            }
        }
        (
            c_done.expect("client finished"),
            s_done.expect("server finished"),
        )
    }

    #[test]
    fn v1_0_succeeds_both_ways() {
        for drip in [false, true] {
            let (c, s) = run(
                ClientHandshake::v1_0("alice", "wonder", "CLIENTNONCE"),
                drip,
            );
            let info = c.unwrap();
            assert_eq!(info.version, HandshakeVersion::V1_0);
            assert_eq!(info.server_version.as_deref(), Some("2.4.4~rdbsh"));
            assert_eq!(
                s.unwrap(),
                Authenticated {
                    user: "alice".into(),
                    version: HandshakeVersion::V1_0
                }
            );
        }
    }

    #[test]
    fn client_first_message_is_what_the_drivers_send() {
        let c = ClientHandshake::v1_0("admin", "", "abc");
        assert_eq!(&c.start()[..4], &[0xc3, 0xbd, 0xc2, 0x34]);
        assert_eq!(
            std::str::from_utf8(&c.start()[4..]).unwrap(),
            "{\"protocol_version\":0,\"authentication_method\":\"SCRAM-SHA-256\",\"authentication\":\"n,,n=admin,r=abc\"}\0"
        );
        let c = ClientHandshake::v0_4("key");
        assert_eq!(
            c.start(),
            [
                0x20, 0x2d, 0x0c, 0x40, 3, 0, 0, 0, b'k', b'e', b'y', 0xc7, 0x70, 0x69, 0x7e
            ]
        );
    }

    #[test]
    fn wrong_password_is_code_12() {
        let (c, s) = run(ClientHandshake::v1_0("alice", "nope", "CN"), false);
        assert_eq!(
            c.unwrap_err(),
            HandshakeError::Auth {
                code: Some(12),
                message: "Wrong password".into()
            }
        );
        assert_eq!(
            s.unwrap_err(),
            HandshakeError::Scram(ScramError::WrongPassword)
        );
    }

    #[test]
    fn unknown_user_is_code_17_at_the_final_step() {
        let (c, _) = run(ClientHandshake::v1_0("mallory", "x", "CN"), false);
        let e = c.unwrap_err();
        assert!(e.is_auth());
        assert_eq!(
            e,
            HandshakeError::Auth {
                code: Some(17),
                message: "Unknown user".into()
            }
        );
    }

    #[test]
    fn v0_4_key() {
        for drip in [false, true] {
            let (c, s) = run(ClientHandshake::v0_4("adminpw"), drip);
            assert_eq!(c.unwrap().version, HandshakeVersion::V0_4);
            assert_eq!(s.unwrap().user, "admin");
        }
        let (c, s) = run(ClientHandshake::v0_4("wrong"), false);
        let e = c.unwrap_err();
        assert!(e.is_auth());
        assert_eq!(e.to_string(), "Incorrect authorization key");
        assert!(s.is_err());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = ClientHandshake::v0_4("topsecretkey");
        let d = ClientHandshake::v1_0("u", "topsecretpw", "n");
        assert!(!format!("{c:?} {d:?}").contains("topsecret"));
        let mut s = ServerHandshake::new("v", "n");
        let mut bytes = Version::V0_4.magic().to_le_bytes().to_vec();
        bytes.extend([12, 0, 0, 0]);
        bytes.extend(b"topsecretkey");
        s.receive(&bytes, &users).unwrap();
        assert!(!format!("{s:?}").contains("topsecret"));
        assert!(!format!("{:?}", s.receive(&[1, 2, 3, 4], &users)).contains("topsecret"));
    }

    #[test]
    fn server_failure_messages_match_the_server() {
        let e = HandshakeError::Auth {
            code: None,
            message: "Incorrect authorization key".into(),
        };
        assert_eq!(server_failure_message(&e, true), V0_4_BAD_KEY);
        let e = HandshakeError::Scram(ScramError::WrongPassword);
        assert_eq!(
            server_failure_message(&e, false),
            b"{\"success\":false,\"error\":\"Wrong password\",\"error_code\":12}\0"
        );
    }

    #[test]
    fn client_spots_tls_and_garbage_early() {
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        assert_eq!(
            c.receive(&[0x15, 0x03, 0x03]).unwrap_err(),
            HandshakeError::TlsBytes
        );
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        assert_eq!(
            c.receive(b"HTTP/1.1 400").unwrap_err(),
            HandshakeError::NotRethinkDb
        );
        let mut c = ClientHandshake::v0_4("k");
        assert_eq!(
            c.receive(b"HTTP/1.1 400").unwrap_err(),
            HandshakeError::NotRethinkDb
        );
        let mut c = ClientHandshake::v0_4("k");
        assert!(c.receive(b"SUCC").unwrap().done.is_none());
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        assert_eq!(
            c.receive(&[b'{'; MAX_MESSAGE_LEN + 2]).unwrap_err(),
            HandshakeError::TooLong
        );
    }

    #[test]
    fn client_checks_the_version_range() {
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        let e = c
            .receive(b"{\"success\":true,\"min_protocol_version\":1,\"max_protocol_version\":2}\0")
            .unwrap_err();
        assert_eq!(e, HandshakeError::VersionRange { min: 1, max: 2 });
    }

    #[test]
    fn protocol_errors_are_not_auth_errors() {
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        let e = c
            .receive(b"{\"success\":false,\"error\":\"Unsupported `protocol_version`.\",\"error_code\":2}\0")
            .unwrap_err();
        assert!(!e.is_auth());
        assert!(matches!(e, HandshakeError::Refused { code: Some(2), .. }));
        // Code 10 is in the authentication range but says the version is unsupported.
        let mut c = ClientHandshake::v1_0("admin", "", "n");
        let e = c
            .receive(b"{\"success\":false,\"error\":\"Unsupported protocol version.\",\"error_code\":10}\0")
            .unwrap_err();
        assert!(!e.is_auth());
        let text = e.to_string();
        assert!(
            text.contains("protocol = \"v0_4\"") && !text.contains("password"),
            "{text}"
        );
    }

    proptest! {
        #[test]
        fn client_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), v04 in any::<bool>()) {
            let mut c = if v04 { ClientHandshake::v0_4("k") } else { ClientHandshake::v1_0("u", "p", "n") };
            for chunk in bytes.chunks(7) {
                if c.receive(chunk).is_err() {
                    break;
                }
            }
        }

        #[test]
        fn server_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), v04 in any::<bool>()) {
            let mut s = ServerHandshake::new("v", "s");
            let magic = if v04 { Version::V0_4 } else { Version::V1_0 };
            let _ = s.receive(&magic.magic().to_le_bytes(), &users);
            for chunk in bytes.chunks(5) {
                if let Err(e) = s.receive(chunk, &users) {
                    let _ = s.failure_message(&e);
                    break;
                }
            }
        }

        #[test]
        fn client_parses_json_shaped_noise(msgs in proptest::collection::vec("\\{\"success\":(true|false)(,\"[a-z_]{1,22}\":(\"[a-z=,0-9]{0,20}\"|[0-9]{1,3}))*\\}", 1..4)) {
            let mut c = ClientHandshake::v1_0("u", "p", "n");
            for m in msgs {
                let mut b = m.into_bytes();
                b.push(0);
                if c.receive(&b).is_err() {
                    break;
                }
            }
        }
    }
}
