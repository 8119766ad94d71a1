//! What `rdbsh ping` shows about a TLS session and the server's certificate.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rustls::ClientConnection;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// The negotiated TLS session and the server's end-entity certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Protocol version, e.g. `TLSv1.3`.
    pub tls_version: String,
    /// Negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The certificate's subject, e.g. `CN=localhost`.
    pub subject: String,
    /// The certificate's issuer.
    pub issuer: String,
    /// subjectAltName DNS names and IP addresses, in certificate order.
    pub names: Vec<String>,
    /// Start of the validity period.
    pub not_before: DateTime<Utc>,
    /// End of the validity period.
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the DER certificate, colon-separated upper-case hex (usable as a `pin`).
    pub sha256_fingerprint: String,
}

impl PeerInfo {
    /// Reads a finished client connection; `None` before the handshake or without a certificate.
    pub fn from_connection(conn: &ClientConnection) -> Option<PeerInfo> {
        let version = conn.protocol_version()?;
        let suite = conn.negotiated_cipher_suite()?;
        let cert = conn.peer_certificates()?.first()?;
        let tls_version = match version {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
            other => format!("{other:?}"),
        };
        let cipher_suite = suite
            .suite()
            .as_str()
            .map_or_else(|| format!("{:?}", suite.suite()), str::to_owned);
        PeerInfo::from_certificate(cert.as_ref(), tls_version, cipher_suite)
    }

    /// Describes a DER certificate, with the version and suite given by the caller.
    pub fn from_certificate(
        der: &[u8],
        tls_version: String,
        cipher_suite: String,
    ) -> Option<PeerInfo> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let mut names = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(n) => names.push((*n).to_owned()),
                    GeneralName::IPAddress(bytes) => match bytes.len() {
                        4 => {
                            if let Ok(octets) = <[u8; 4]>::try_from(*bytes) {
                                names.push(IpAddr::from(octets).to_string());
                            }
                        }
                        16 => {
                            if let Ok(octets) = <[u8; 16]>::try_from(*bytes) {
                                names.push(IpAddr::from(octets).to_string());
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        let time = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0);
        Some(PeerInfo {
            tls_version,
            cipher_suite,
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            names,
            not_before: time(cert.validity().not_before.timestamp())?,
            not_after: time(cert.validity().not_after.timestamp())?,
            sha256_fingerprint: sha256_fingerprint(der),
        })
    }
}

/// SHA-256 of a DER certificate as colon-separated upper-case hex (`AB:CD:...`).
pub fn sha256_fingerprint(der: &[u8]) -> String {
    hex_colons(&sha256(der))
}

pub(super) fn sha256(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

pub(super) fn hex_colons(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_format() {
        let fp = sha256_fingerprint(b"abc");
        assert!(fp.starts_with("BA:78:16:BF:8F:01:CF:EA"));
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert_eq!(super::super::parse_fingerprint(&fp), Some(sha256(b"abc")));
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert_eq!(
            PeerInfo::from_certificate(b"nope", "TLSv1.3".into(), "x".into()),
            None
        );
    }
}
