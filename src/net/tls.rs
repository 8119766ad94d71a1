//! TLS for the client and the sandbox server (rustls, ring provider, TLS 1.2 and 1.3).
//!
//! Contract used by `net::connect` and `sandbox`:
//! - `client_config(&TlsSettings) -> Result<Arc<rustls::ClientConfig>, TlsError>`
//! - `server_name(&TlsSettings, host) -> Result<ServerName<'static>, TlsError>`
//! - `server_config(cert, key, client_ca) -> Result<Arc<rustls::ServerConfig>, TlsError>`
//! - `PeerInfo::from_connection(&rustls::ClientConnection)` for `rdbsh ping`
//! - `explain(&rustls::Error, &TlsSettings, host) -> String`: what was wrong and the setting that fixes it
//!
//! Certificate checks follow what the official Python driver gets from OpenSSL, so that a
//! `ca_cert` that works there works here: see [`verify`] for the details.

mod explain;
mod peer;
mod verify;

pub use explain::{
    explain, explain_io, explain_plain_on_tls_port, explain_timeout, insecure_warning,
};
pub use peer::{PeerInfo, sha256_fingerprint};
pub use verify::Refusal;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::config::{TlsSettings, Verify};

/// Errors building a TLS configuration: files, keys, pins and names.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid PEM.
    #[error("{} is not a valid PEM file ({detail}): expected -----BEGIN CERTIFICATE----- blocks", path.display())]
    Pem { path: PathBuf, detail: String },
    /// A certificate file holds no certificate.
    #[error("{} holds no certificate: expected a PEM block -----BEGIN CERTIFICATE-----", path.display())]
    NoCertificate { path: PathBuf },
    /// A certificate in a file could not be used.
    #[error("{} holds a certificate rdbsh cannot use ({detail})", path.display())]
    BadCertificate { path: PathBuf, detail: String },
    /// A key file holds no usable private key.
    #[error("{} holds no private key ({detail}): expected an unencrypted PEM key (-----BEGIN PRIVATE KEY-----, RSA or EC); decrypt an encrypted one with `openssl pkey`", path.display())]
    BadKey { path: PathBuf, detail: String },
    /// The key does not belong to the certificate, or the pair is otherwise unusable.
    #[error("the key in {} does not fit the certificate in {} ({detail})", key.display(), cert.display())]
    KeyMismatch {
        cert: PathBuf,
        key: PathBuf,
        detail: String,
    },
    /// Only one of `client_cert` and `client_key` is set.
    #[error(
        "a client certificate needs both client_cert and client_key (--client-cert and --client-key): set the missing one"
    )]
    ClientCertIncomplete,
    /// TLS without `ca_cert`, and the system trust store gave nothing.
    #[error(
        "no trusted certificates in the system store ({detail}): set ca_cert (--ca-cert FILE) to the CA that signed the server's certificate"
    )]
    NoSystemRoots { detail: String },
    /// `verify = "pin"` without anything to pin.
    #[error(
        "verify = \"pin\" needs a pin: set pin to the server certificate's SHA-256 fingerprint or to its PEM file, or set ca_cert to that certificate"
    )]
    PinMissing,
    /// The `pin` value is neither a fingerprint nor a readable certificate.
    #[error(
        "pin {value:?} is neither a SHA-256 fingerprint (64 hex digits, colons allowed) nor a readable certificate file ({detail})"
    )]
    BadPin { value: String, detail: String },
    /// The name to verify is not a DNS name or IP address.
    #[error(
        "{name:?} is not a valid host name or IP address for TLS: set server_name (--tls-server-name) to the name in the server's certificate"
    )]
    BadServerName { name: String },
    /// rustls refused the configuration.
    #[error("cannot build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The crypto provider every config uses: ring, chosen explicitly, never the process default.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// Builds the client configuration for a profile's TLS settings.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = match settings.verify {
        Verify::Full | Verify::Ca => {
            let (roots, listed) = match &settings.ca_cert {
                Some(path) => trust_from_file(path)?,
                None => (system_roots()?, Vec::new()),
            };
            Arc::new(verify::OpenSslCompatVerifier::new(
                Arc::new(roots),
                listed,
                settings.verify == Verify::Full,
                provider.clone(),
            ))
        }
        Verify::Pin => Arc::new(verify::PinVerifier::new(
            pinned(settings)?,
            provider.clone(),
        )),
        Verify::None => Arc::new(verify::NoVerifier::new(provider.clone())),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            builder.with_client_cert_resolver(Arc::new(OneCert(certified_key(cert, key)?)))
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(TlsError::ClientCertIncomplete),
    };
    Ok(Arc::new(config))
}

/// The name the server's certificate is checked against (and sent as SNI): `server_name` or the host.
pub fn server_name(settings: &TlsSettings, host: &str) -> Result<ServerName<'static>, TlsError> {
    let name = settings.server_name.as_deref().unwrap_or(host);
    // An IPv6 literal may arrive bracketed, as in a URL.
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    ServerName::try_from(bare.to_owned()).map_err(|_| TlsError::BadServerName {
        name: name.to_owned(),
    })
}

/// Builds the server configuration (sandbox, tests); `client_ca` makes client certificates mandatory.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let builder =
        ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(VERSIONS)?;
    let builder = match client_ca {
        Some(ca) => {
            let (roots, _) = trust_from_file(ca)?;
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| TlsError::BadCertificate {
                path: ca.to_path_buf(),
                detail: e.to_string(),
            })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_cert_resolver(Arc::new(OneCert(certified_key(cert, key)?)));
    Ok(Arc::new(config))
}

/// A certificate chain and its key, always the one offered.
#[derive(Debug)]
struct OneCert(Arc<CertifiedKey>);

impl rustls::server::ResolvesServerCert for OneCert {
    fn resolve(&self, _hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

impl rustls::client::ResolvesClientCert for OneCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Loads a certificate chain and its private key and checks that they belong together.
///
/// rustls's own loader parses the certificate with webpki, which refuses version 1
/// certificates (`openssl x509 -req` without extensions); OpenSSL serves and sends them, so
/// the key check here compares public keys with x509-parser instead.
fn certified_key(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain = read_certs(cert)?;
    let private = read_key(key)?;
    let signing_key = provider()
        .key_provider
        .load_private_key(private)
        .map_err(|e| TlsError::BadKey {
            path: key.to_path_buf(),
            detail: e.to_string(),
        })?;
    let (_, parsed) =
        X509Certificate::from_der(chain[0].as_ref()).map_err(|e| TlsError::BadCertificate {
            path: cert.to_path_buf(),
            detail: e.to_string(),
        })?;
    if let Some(public) = signing_key.public_key()
        && public.as_ref() != parsed.tbs_certificate.subject_pki.raw
    {
        return Err(TlsError::KeyMismatch {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            detail: "the key's public half is not the certificate's".to_owned(),
        });
    }
    Ok(Arc::new(CertifiedKey::new(chain, signing_key)))
}

fn read_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every certificate of a PEM file, in order; at least one.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read_file(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read_file(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::BadKey {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// Trust anchors from a CA file, and the file's certificates as they are.
fn trust_from_file(path: &Path) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), TlsError> {
    let certs = read_certs(path)?;
    let mut roots = RootCertStore::empty();
    for cert in &certs {
        roots
            .add(cert.clone())
            .map_err(|e| TlsError::BadCertificate {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
    }
    Ok((roots, certs))
}

fn system_roots() -> Result<RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let detail = if found.errors.is_empty() {
            "the store is empty".to_owned()
        } else {
            found
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(TlsError::NoSystemRoots { detail });
    }
    Ok(roots)
}

/// The SHA-256 digest the server's certificate must have in pin mode.
fn pinned(settings: &TlsSettings) -> Result<[u8; 32], TlsError> {
    match (&settings.pin, &settings.ca_cert) {
        (Some(value), _) => {
            if let Some(digest) = parse_fingerprint(value) {
                return Ok(digest);
            }
            let path = Path::new(value);
            let certs = read_certs(path).map_err(|e| TlsError::BadPin {
                value: value.clone(),
                detail: e.to_string(),
            })?;
            Ok(peer::sha256(&certs[0]))
        }
        (None, Some(path)) => Ok(peer::sha256(&read_certs(path)?[0])),
        (None, None) => Err(TlsError::PinMissing),
    }
}

/// Parses `sha256:AB:CD:...`, `AB:CD:...` or plain hex (any case) into a digest.
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let text = text
        .strip_prefix("sha256:")
        .or_else(|| text.strip_prefix("SHA256:"))
        .or_else(|| text.strip_prefix("sha256/"))
        .unwrap_or(text);
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_in_every_common_spelling() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let colons = hex
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        let expected = parse_fingerprint(hex);
        assert!(expected.is_some());
        assert_eq!(parse_fingerprint(&colons), expected);
        assert_eq!(parse_fingerprint(&format!("sha256:{colons}")), expected);
        assert_eq!(parse_fingerprint("abcd"), None);
        assert_eq!(parse_fingerprint(&hex.replace('0', "g")), None);
        assert_eq!(parse_fingerprint("/etc/ssl/server.pem"), None);
    }

    #[test]
    fn server_name_prefers_the_override_and_accepts_ips() {
        let mut settings = TlsSettings::default();
        assert!(matches!(
            server_name(&settings, "127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name(&settings, "[::1]"),
            Ok(ServerName::IpAddress(_))
        ));
        settings.server_name = Some("db.internal".into());
        let name = server_name(&settings, "10.0.0.1").map(|n| n.to_str().into_owned());
        assert_eq!(name.ok().as_deref(), Some("db.internal"));
        settings.server_name = Some("bad name!".into());
        let err = server_name(&settings, "x")
            .map(|_| ())
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("--tls-server-name")));
    }

    #[test]
    fn half_a_client_certificate_is_an_error() {
        let settings = TlsSettings {
            verify: Verify::None,
            client_cert: Some("/nonexistent/cert.pem".into()),
            ..TlsSettings::default()
        };
        assert!(matches!(
            client_config(&settings),
            Err(TlsError::ClientCertIncomplete)
        ));
    }

    /// The message of `client_config`'s error for `settings`, if any.
    fn config_error(settings: &TlsSettings) -> Option<String> {
        client_config(settings)
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn missing_files_are_named() {
        let settings = TlsSettings {
            ca_cert: Some("/nonexistent/ca.pem".into()),
            ..TlsSettings::default()
        };
        let err = config_error(&settings);
        assert!(err.is_some_and(|e| e.contains("/nonexistent/ca.pem")));
    }

    #[test]
    fn pin_without_anything_to_pin_is_an_error() {
        let settings = TlsSettings {
            verify: Verify::Pin,
            ..TlsSettings::default()
        };
        assert!(matches!(
            client_config(&settings),
            Err(TlsError::PinMissing)
        ));
    }
}
