//! SCRAM-SHA-256 (RFC 5802 / RFC 7677) as explicit client and server state machines.
//!
//! Nonces are passed in, so exchanges are reproducible in tests; [`random_nonce`] makes real ones.

use std::fmt;
use std::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::{digest, hmac, pbkdf2, rand};

/// The iteration count RethinkDB uses for new passwords.
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// More iterations than this from a server is refused: it would stall the client.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// The gs2 header the drivers send: no channel binding, no authzid.
const GS2_HEADER: &str = "n,,";
/// base64 of the gs2 header, the `c=` of the client-final message.
const CHANNEL_BINDING: &str = "biws";

/// What goes wrong in a SCRAM exchange; [`ScramError::code`] is RethinkDB's `error_code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    /// A message does not have the SCRAM shape.
    #[error("invalid SCRAM message: {0}")]
    Malformed(&'static str),
    /// The client sent mandatory extensions.
    #[error("SCRAM extensions are not supported")]
    Extensions,
    /// The client asked for channel binding.
    #[error("SCRAM channel binding is not supported")]
    ChannelBinding,
    /// The user name is not validly escaped.
    #[error("invalid user name encoding")]
    UserName,
    /// The server's nonce does not extend the client's.
    #[error("invalid nonce from server")]
    InvalidNonce,
    /// The server could not prove it knows the password.
    #[error("invalid server signature: the server does not know this user's password")]
    InvalidServerSignature,
    /// The server asked for an absurd iteration count.
    #[error("server asked for {0} PBKDF2 iterations")]
    Iterations(u64),
    /// The client proof did not match (server side). The text is RethinkDB's, sent on the wire.
    #[error("Wrong password")]
    WrongPassword,
    /// No such user (server side, reported at the final step).
    #[error("Unknown user")]
    UnknownUser,
    /// A message arrived in the wrong state.
    #[error("unexpected SCRAM message in this state")]
    State,
    /// The server reported an error in its final message (`e=...`).
    #[error("server rejected authentication: {0}")]
    Server(String),
}

impl ScramError {
    /// RethinkDB's handshake `error_code` for this failure (10–20 are authentication errors).
    pub fn code(&self) -> u32 {
        match self {
            ScramError::Malformed(_) => 10,
            ScramError::Extensions => 11,
            ScramError::WrongPassword => 12,
            ScramError::ChannelBinding => 15,
            ScramError::UnknownUser => 17,
            ScramError::UserName => 18,
            _ => 20,
        }
    }
}

/// Escapes a user name for `n=`: `=` → `=3D`, `,` → `=2C`.
pub fn escape_username(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

/// Reverses [`escape_username`]; any other `=` sequence is an error.
pub fn unescape_username(escaped: &str) -> Result<String, ScramError> {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("=3D") {
            out.push('=');
        } else if tail.starts_with("=2C") {
            out.push(',');
        } else {
            return Err(ScramError::UserName);
        }
        rest = &tail[3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A fresh client or server nonce: base64 of 18 random bytes, as the drivers make it.
pub fn random_nonce() -> Result<String, ring::error::Unspecified> {
    let bytes: [u8; 18] = rand::generate(&rand::SystemRandom::new())?.expose();
    Ok(B64.encode(bytes))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn salted_password(password: &[u8], salt: &[u8], iterations: NonZeroU32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        password,
        &mut out,
    );
    out
}

/// Whether two secrets are equal, compared in constant time by ring: both are signed with a
/// fresh random HMAC key and `hmac::verify` compares the tags. Fails closed when the system
/// has no randomness.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let Ok(key) = hmac::Key::generate(hmac::HMAC_SHA256, &rand::SystemRandom::new()) else {
        return false;
    };
    hmac::verify(&key, a, hmac::sign(&key, b).as_ref()).is_ok()
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = x ^ y;
    }
    out
}

/// What a server stores for a user: salt, iterations, StoredKey and ServerKey (never the password).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    salt: Vec<u8>,
    iterations: NonZeroU32,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// Derives the stored credential from a password (iterations 0 counts as 1).
    pub fn from_password(password: &str, salt: &[u8], iterations: u32) -> Credential {
        let iterations = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        let salted = salted_password(password.as_bytes(), salt, iterations);
        Credential {
            salt: salt.to_vec(),
            iterations,
            stored_key: sha256(&hmac_sha256(&salted, b"Client Key")),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// A credential with a fresh random 16-byte salt and the default iteration count.
    pub fn generate(password: &str) -> Result<Credential, ring::error::Unspecified> {
        let salt: [u8; 16] = rand::generate(&rand::SystemRandom::new())?.expose();
        Ok(Credential::from_password(
            password,
            &salt,
            DEFAULT_ITERATIONS,
        ))
    }

    /// Checks a plain password against the credential (the V0_4 auth key check).
    pub fn verify_password(&self, password: &str) -> bool {
        let salted = salted_password(password.as_bytes(), &self.salt, self.iterations);
        same_secret(
            &sha256(&hmac_sha256(&salted, b"Client Key")),
            &self.stored_key,
        )
    }

    /// The salt.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// The PBKDF2 iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations.get()
    }
}

/// Splits `k=v,k=v` into attributes, in order.
fn attributes(msg: &str) -> Result<Vec<(char, &str)>, ScramError> {
    msg.split(',')
        .map(|part| {
            let mut chars = part.chars();
            match (chars.next(), chars.next()) {
                (Some(k), Some('=')) if k.is_ascii_alphabetic() => Ok((k, &part[2..])),
                _ => Err(ScramError::Malformed("expected key=value attributes")),
            }
        })
        .collect()
}

fn decode_b64(s: &str, what: &'static str) -> Result<Vec<u8>, ScramError> {
    B64.decode(s).map_err(|_| ScramError::Malformed(what))
}

enum ClientState {
    Initial,
    SentFirst,
    /// What the server must sign to prove it knows the password.
    SentFinal {
        server_key: hmac::Key,
        auth_message: String,
    },
    Done,
    Failed,
}

/// The client side: first message, then the answer to the server-first, then the final check.
pub struct ScramClient {
    password: Vec<u8>,
    nonce: String,
    client_first_bare: String,
    state: ClientState,
}

impl fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramClient")
            .field("bare", &self.client_first_bare)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// A client for `user` with `password`, using `nonce` as its client nonce.
    pub fn new(user: &str, password: &str, nonce: &str) -> ScramClient {
        ScramClient {
            password: password.as_bytes().to_vec(),
            nonce: nonce.to_owned(),
            client_first_bare: format!("n={},r={}", escape_username(user), nonce),
            state: ClientState::Initial,
        }
    }

    /// The client-first message, `n,,n=<user>,r=<nonce>`.
    pub fn client_first(&mut self) -> String {
        self.state = ClientState::SentFirst;
        format!("{GS2_HEADER}{}", self.client_first_bare)
    }

    /// Takes the server-first message and returns the client-final message.
    pub fn handle_server_first(&mut self, server_first: &str) -> Result<String, ScramError> {
        let result = self.server_first_inner(server_first);
        if result.is_err() {
            self.state = ClientState::Failed;
        }
        result
    }

    fn server_first_inner(&mut self, server_first: &str) -> Result<String, ScramError> {
        if !matches!(self.state, ClientState::SentFirst) {
            return Err(ScramError::State);
        }
        let attrs = attributes(server_first)?;
        let (nonce, salt, iterations) = match attrs.as_slice() {
            [('m', _), ..] => return Err(ScramError::Extensions),
            [('r', r), ('s', s), ('i', i), ..] => (*r, *s, *i),
            _ => {
                return Err(ScramError::Malformed(
                    "expected r=, s= and i= from the server",
                ));
            }
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(ScramError::InvalidNonce);
        }
        let salt = decode_b64(salt, "salt is not base64")?;
        let iterations: u64 = iterations
            .parse()
            .map_err(|_| ScramError::Malformed("iteration count"))?;
        let iters = u32::try_from(iterations)
            .ok()
            .filter(|i| *i <= MAX_ITERATIONS)
            .and_then(NonZeroU32::new)
            .ok_or(ScramError::Iterations(iterations))?;

        let salted = salted_password(&self.password, &salt, iters);
        let client_key = hmac_sha256(&salted, b"Client Key");
        let stored_key = sha256(&client_key);
        let without_proof = format!("c={CHANNEL_BINDING},r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac_sha256(&stored_key, auth_message.as_bytes());
        let proof = xor(&client_key, &client_signature);
        let server_key = hmac_sha256(&salted, b"Server Key");
        let server_key = hmac::Key::new(hmac::HMAC_SHA256, &server_key);
        self.state = ClientState::SentFinal {
            server_key,
            auth_message,
        };
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server-final message `v=<signature>`.
    pub fn handle_server_final(&mut self, server_final: &str) -> Result<(), ScramError> {
        if !matches!(self.state, ClientState::SentFinal { .. }) {
            return Err(ScramError::State);
        }
        let ClientState::SentFinal {
            server_key,
            auth_message,
        } = std::mem::replace(&mut self.state, ClientState::Failed)
        else {
            return Err(ScramError::State);
        };
        let attrs = attributes(server_final)?;
        match attrs.first() {
            Some(('e', e)) => Err(ScramError::Server((*e).to_owned())),
            Some(('v', v)) => {
                let got = decode_b64(v, "server signature is not base64")?;
                if hmac::verify(&server_key, auth_message.as_bytes(), &got).is_err() {
                    return Err(ScramError::InvalidServerSignature);
                }
                self.state = ClientState::Done;
                Ok(())
            }
            _ => Err(ScramError::Malformed("expected v= from the server")),
        }
    }

    /// True once the server's signature has been verified.
    pub fn is_done(&self) -> bool {
        matches!(self.state, ClientState::Done)
    }
}

enum ServerState {
    Initial,
    SentFirst {
        user: String,
        /// `None` for an unknown user: a fake credential was used and the final step fails.
        known: bool,
        credential: Credential,
        auth_prefix: String,
        nonce: String,
    },
    Done {
        user: String,
    },
    Failed,
}

/// The server side: answers the client-first, then checks the client proof.
pub struct ScramServer {
    server_nonce: String,
    state: ServerState,
}

impl fmt::Debug for ScramServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramServer").finish_non_exhaustive()
    }
}

impl ScramServer {
    /// A server that appends `server_nonce` to the client's nonce.
    pub fn new(server_nonce: &str) -> ScramServer {
        ScramServer {
            server_nonce: server_nonce.to_owned(),
            state: ServerState::Initial,
        }
    }

    /// Takes the client-first message, looks the user up, returns the server-first message.
    ///
    /// An unknown user gets a fake salt here and fails at the final step, as RethinkDB does.
    pub fn handle_client_first(
        &mut self,
        client_first: &str,
        lookup: impl FnOnce(&str) -> Option<Credential>,
    ) -> Result<String, ScramError> {
        if !matches!(self.state, ServerState::Initial) {
            return Err(ScramError::State);
        }
        self.state = ServerState::Failed;
        let bare = match client_first.strip_prefix(GS2_HEADER) {
            Some(bare) => bare,
            None if client_first.starts_with("p=") => return Err(ScramError::ChannelBinding),
            None if client_first.starts_with("y,,") => client_first.get(3..).unwrap_or(""),
            None => return Err(ScramError::Malformed("unsupported gs2 header")),
        };
        let attrs = attributes(bare)?;
        let (user, nonce) = match attrs.as_slice() {
            [('m', _), ..] => return Err(ScramError::Extensions),
            [('n', n), ('r', r), ..] => (unescape_username(n)?, *r),
            _ => return Err(ScramError::Malformed("expected n= and r= from the client")),
        };
        if nonce.is_empty() {
            return Err(ScramError::Malformed("empty client nonce"));
        }
        let (known, credential) = match lookup(&user) {
            Some(c) => (true, c),
            None => {
                let fake =
                    sha256(format!("rdbsh fake salt\0{user}\0{}", self.server_nonce).as_bytes());
                (
                    false,
                    Credential::from_password("", &fake[..16], DEFAULT_ITERATIONS),
                )
            }
        };
        let nonce = format!("{nonce}{}", self.server_nonce);
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&credential.salt),
            credential.iterations
        );
        self.state = ServerState::SentFirst {
            user,
            known,
            credential,
            auth_prefix: format!("{bare},{server_first}"),
            nonce,
        };
        Ok(server_first)
    }

    /// Takes the client-final message, checks the proof, returns the server-final `v=...`.
    pub fn handle_client_final(&mut self, client_final: &str) -> Result<String, ScramError> {
        let ServerState::SentFirst {
            user,
            known,
            credential,
            auth_prefix,
            nonce,
        } = std::mem::replace(&mut self.state, ServerState::Failed)
        else {
            return Err(ScramError::State);
        };
        let Some((without_proof, proof)) = client_final.rsplit_once(",p=") else {
            return Err(ScramError::Malformed("expected p= from the client"));
        };
        let attrs = attributes(without_proof)?;
        match attrs.as_slice() {
            [('c', c), ('r', r), ..] => {
                if *c != CHANNEL_BINDING {
                    return Err(ScramError::ChannelBinding);
                }
                if *r != nonce {
                    return Err(ScramError::Malformed("nonce does not match"));
                }
            }
            _ => return Err(ScramError::Malformed("expected c= and r= from the client")),
        }
        let proof = decode_b64(proof, "client proof is not base64")?;
        if !known {
            return Err(ScramError::UnknownUser);
        }
        let auth_message = format!("{auth_prefix},{without_proof}");
        let client_signature = hmac_sha256(&credential.stored_key, auth_message.as_bytes());
        let Ok(proof) = <[u8; 32]>::try_from(proof.as_slice()) else {
            return Err(ScramError::WrongPassword);
        };
        let client_key = xor(&proof, &client_signature);
        if !same_secret(&sha256(&client_key), &credential.stored_key) {
            return Err(ScramError::WrongPassword);
        }
        let server_signature = hmac_sha256(&credential.server_key, auth_message.as_bytes());
        self.state = ServerState::Done { user };
        Ok(format!("v={}", B64.encode(server_signature)))
    }

    /// The authenticated user, once the exchange succeeded.
    pub fn user(&self) -> Option<&str> {
        match &self.state {
            ServerState::Done { user } => Some(user),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // RFC 7677, section 3.
    const CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_FIRST: &str =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc_credential() -> Credential {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        Credential::from_password("pencil", &salt, 4096)
    }

    #[test]
    fn client_matches_rfc_7677() {
        let mut c = ScramClient::new("user", "pencil", CLIENT_NONCE);
        assert_eq!(c.client_first(), CLIENT_FIRST);
        assert_eq!(c.handle_server_first(SERVER_FIRST).unwrap(), CLIENT_FINAL);
        c.handle_server_final(SERVER_FINAL).unwrap();
        assert!(c.is_done());
    }

    #[test]
    fn server_matches_rfc_7677() {
        let mut s = ScramServer::new(SERVER_NONCE);
        let first = s.handle_client_first(CLIENT_FIRST, |u| (u == "user").then(rfc_credential));
        assert_eq!(first.unwrap(), SERVER_FIRST);
        assert_eq!(s.handle_client_final(CLIENT_FINAL).unwrap(), SERVER_FINAL);
        assert_eq!(s.user(), Some("user"));
    }

    fn exchange(user: &str, password: &str, stored: Option<Credential>) -> Result<(), ScramError> {
        let mut c = ScramClient::new(user, password, "clientnonce");
        let mut s = ScramServer::new("servernonce");
        let first = s.handle_client_first(&c.client_first(), |_| stored)?;
        let fin = c.handle_server_first(&first)?;
        let last = s.handle_client_final(&fin)?;
        c.handle_server_final(&last)
    }

    #[test]
    fn in_memory_exchange() {
        let cred = Credential::from_password("s3cret", b"salty", 16);
        assert_eq!(exchange("a=b,c", "s3cret", Some(cred.clone())), Ok(()));
        assert_eq!(
            exchange("a", "wrong", Some(cred)),
            Err(ScramError::WrongPassword)
        );
        assert_eq!(exchange("nobody", "x", None), Err(ScramError::UnknownUser));
        assert_eq!(ScramError::WrongPassword.code(), 12);
        assert_eq!(ScramError::UnknownUser.code(), 17);
    }

    #[test]
    fn unknown_user_gets_a_plausible_salt() {
        let mut s = ScramServer::new("sn");
        let first = s.handle_client_first("n,,n=ghost,r=abc", |_| None).unwrap();
        assert!(first.starts_with("r=abcsn,s="));
        assert!(first.ends_with(",i=4096"));
    }

    #[test]
    fn client_rejects_a_nonce_that_does_not_extend_its_own() {
        let mut c = ScramClient::new("user", "pencil", CLIENT_NONCE);
        c.client_first();
        let bad = SERVER_FIRST.replace("r=rOpr", "r=XOpr");
        assert_eq!(c.handle_server_first(&bad), Err(ScramError::InvalidNonce));
        let mut c = ScramClient::new("user", "pencil", CLIENT_NONCE);
        c.client_first();
        let same = format!("r={CLIENT_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        assert_eq!(c.handle_server_first(&same), Err(ScramError::InvalidNonce));
    }

    #[test]
    fn client_rejects_a_bad_server_signature() {
        let mut c = ScramClient::new("user", "pencil", CLIENT_NONCE);
        c.client_first();
        c.handle_server_first(SERVER_FIRST).unwrap();
        let bad = "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        assert_eq!(
            c.handle_server_final(bad),
            Err(ScramError::InvalidServerSignature)
        );
        assert!(!c.is_done());
    }

    #[test]
    fn client_refuses_absurd_iterations() {
        let mut c = ScramClient::new("user", "pencil", "n");
        c.client_first();
        assert_eq!(
            c.handle_server_first("r=nx,s=AAAA,i=0"),
            Err(ScramError::Iterations(0))
        );
        let mut c = ScramClient::new("user", "pencil", "n");
        c.client_first();
        assert_eq!(
            c.handle_server_first("r=nx,s=AAAA,i=99999999999"),
            Err(ScramError::Iterations(99_999_999_999))
        );
    }

    #[test]
    fn user_names_are_escaped() {
        assert_eq!(escape_username("a=b,c"), "a=3Db=2Cc");
        assert_eq!(unescape_username("a=3Db=2Cc").unwrap(), "a=b,c");
        assert_eq!(unescape_username("a=4"), Err(ScramError::UserName));
        let mut c = ScramClient::new("x,y", "p", "n");
        assert_eq!(c.client_first(), "n,,n=x=2Cy,r=n");
    }

    #[test]
    fn server_rejects_extensions_and_channel_binding() {
        let mut s = ScramServer::new("s");
        assert_eq!(
            s.handle_client_first("p=tls-unique,,n=a,r=b", |_| None),
            Err(ScramError::ChannelBinding)
        );
        let mut s = ScramServer::new("s");
        assert_eq!(
            s.handle_client_first("n,,m=x,n=a,r=b", |_| None),
            Err(ScramError::Extensions)
        );
    }

    #[test]
    fn v0_4_key_check() {
        let cred = Credential::from_password("key", b"salt", 2);
        assert!(cred.verify_password("key"));
        assert!(!cred.verify_password("kex"));
        assert!(!format!("{cred:?}").contains("stored"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(a in ".{0,80}", b in ".{0,80}") {
            let mut c = ScramClient::new("u", "p", "n");
            c.client_first();
            let _ = c.handle_server_first(&a);
            let _ = c.handle_server_final(&b);
            let mut s = ScramServer::new("s");
            let _ = s.handle_client_first(&a, |_| Some(Credential::from_password("p", b"s", 1)));
            let _ = s.handle_client_final(&b);
        }
    }
}
