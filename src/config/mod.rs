//! Profiles: the config file, URLs, CONN flags and secret sources, resolved into a [`Profile`].

mod secret;

pub use secret::Secret;

use std::path::PathBuf;
use std::time::Duration;

/// Default RethinkDB driver port.
pub const DEFAULT_PORT: u16 = 28015;
/// Default connect timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Which handshake to speak: V1_0 (SCRAM-SHA-256, RethinkDB 2.3+) or V0_4 (auth key, 2.0–2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakeVersion {
    #[default]
    V1_0,
    V0_4,
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verify {
    /// Chain to a trusted root and host name (the default).
    #[default]
    Full,
    /// Chain only; any name.
    Ca,
    /// The server's certificate must equal a pinned certificate or SHA-256 fingerprint.
    Pin,
    /// No verification at all (explicit, warned about on every connect).
    None,
}

/// TLS settings of a profile; present means TLS is on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// PEM file with the trusted CA certificate(s); system roots when absent.
    pub ca_cert: Option<PathBuf>,
    /// Name to verify (and send as SNI) instead of the host dialled.
    pub server_name: Option<String>,
    pub verify: Verify,
    /// For `Verify::Pin`: a SHA-256 fingerprint (hex, colons optional, optional `sha256:` prefix)
    /// or the path of a PEM certificate. When absent, `ca_cert` is the pinned certificate.
    pub pin: Option<String>,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS.
    pub client_key: Option<PathBuf>,
}

/// A fully resolved connection target: what `net::connect` needs, secrets already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Profile name, when it came from the config file.
    pub name: Option<String>,
    pub host: String,
    pub port: u16,
    /// Default database (sent as the `db` global optarg).
    pub db: String,
    /// User name; with an auth key over V1_0 this is `admin`.
    pub user: String,
    /// Password (V1_0) or auth key (V0_4); `None` means the empty password.
    pub secret: Option<Secret>,
    pub handshake: HandshakeVersion,
    /// TLS on when `Some`.
    pub tls: Option<TlsSettings>,
    pub timeout: Duration,
    /// Refuse writes before sending them.
    pub read_only: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: None,
            host: "localhost".into(),
            port: DEFAULT_PORT,
            db: "test".into(),
            user: "admin".into(),
            secret: None,
            handshake: HandshakeVersion::V1_0,
            tls: None,
            timeout: DEFAULT_TIMEOUT,
            read_only: false,
        }
    }
}
