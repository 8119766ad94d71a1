//! Server certificate verifiers: OpenSSL-compatible (full / ca), pinned, and none.
//!
//! The official Python driver verifies with OpenSSL (`load_verify_locations(ca_certs)`,
//! `check_hostname`). Two of OpenSSL's habits differ from webpki and matter for RethinkDB:
//! - a self-signed certificate in the CA file is a trust anchor, and a server presenting that
//!   very certificate is accepted even when it says CA:TRUE (RethinkDB's documented
//!   `openssl req -new -x509` recipe); webpki refuses it with `CaUsedAsEndEntity`. A certificate
//!   in the CA file that is not self-signed (a CA-signed leaf) is not a chain on its own, and
//!   OpenSSL refuses it ("unable to get local issuer certificate"); so do we.
//! - host names: subjectAltName DNS entries when there are any, otherwise the subject common
//!   name; an IP address only ever matches an IP subjectAltName.
//! - OpenSSL accepts version 1 server certificates (what `openssl x509 -req` writes without an
//!   extension file) and CA:TRUE server certificates; webpki refuses both. For those, a
//!   certificate issued directly by a trusted CA is checked here (issuer, signature, validity,
//!   purpose); longer chains of such certificates stay refused.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore};
use rustls::{SignatureScheme, client::verify_server_cert_signed_by_trust_anchor};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Version;

use super::peer;

/// The handshake-signature half of a [`ServerCertVerifier`], the same for every verifier here:
/// each checks signatures with its `provider` (see [`handshake_signature`]).
macro_rules! handshake_signatures {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            handshake_signature(&self.provider, message, cert, dss, false)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            handshake_signature(&self.provider, message, cert, dss, true)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    };
}

/// Chain (and, in full mode, host name) checks with OpenSSL's outcomes.
#[derive(Debug)]
pub(super) struct OpenSslCompatVerifier {
    roots: Arc<RootCertStore>,
    /// The certificates of the CA file: a self-signed one is accepted as the server's own.
    listed: Vec<CertificateDer<'static>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl OpenSslCompatVerifier {
    pub(super) fn new(
        roots: Arc<RootCertStore>,
        listed: Vec<CertificateDer<'static>>,
        check_name: bool,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        OpenSslCompatVerifier {
            roots,
            listed,
            check_name,
            provider,
        }
    }
}

impl OpenSslCompatVerifier {
    /// Replaces a generic chain refusal with the precise reason when there is one.
    fn name_the_refusal(&self, err: Error, listed: bool, end_entity: &CertificateDer<'_>) -> Error {
        let unknown_issuer = matches!(
            &err,
            Error::InvalidCertificate(CertificateError::UnknownIssuer)
        );
        if listed && unknown_issuer {
            // The CA file holds the server's own (CA-signed) certificate, not its CA.
            other_error(Refusal::LeafGivenAsCa)
        } else if !listed && is_self_signed(end_entity, &self.provider) {
            // webpki calls an untrusted self-signed CA certificate `CaUsedAsEndEntity`;
            // the real problem is that the CA file does not hold it.
            other_error(Refusal::UntrustedSelfSigned)
        } else {
            err
        }
    }
}

impl ServerCertVerifier for OpenSslCompatVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let listed = self
            .listed
            .iter()
            .any(|trusted| trusted.as_ref() == end_entity.as_ref());
        if listed && is_self_signed(end_entity, &self.provider) {
            check_validity_and_purpose(end_entity, now)?;
        } else {
            let chain = ParsedCertificate::try_from(end_entity).and_then(|parsed| {
                verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &self.roots,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                )
            });
            let refusal = match chain {
                Ok(()) => None,
                Err(_) if outside_webpki(end_entity) => {
                    directly_issued(end_entity, &self.roots, now, &self.provider).err()
                }
                Err(err) => Some(err),
            };
            if let Some(err) = refusal {
                return Err(self.name_the_refusal(err, listed, end_entity));
            }
        }
        if self.check_name {
            check_name(end_entity, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures!();
}

fn other_error(err: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(err))))
}

/// Why rdbsh refused the server's certificate where rustls's own reason would mislead, carried
/// inside a rustls error (`CertificateError::Other`) for `explain` to name the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The CA file holds the server's own CA-signed certificate instead of the CA that signed it.
    LeafGivenAsCa,
    /// The server presented a self-signed certificate that is not in the trusted set.
    UntrustedSelfSigned,
    /// The server's certificate is not the pinned one.
    PinMismatch {
        /// The pinned SHA-256 fingerprint, colon-separated hex.
        expected: String,
        /// The presented certificate's SHA-256 fingerprint.
        presented: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::LeafGivenAsCa => f.write_str(
                "the CA file holds the server's own certificate, not the CA that signed it",
            ),
            Refusal::UntrustedSelfSigned => {
                f.write_str("the server's certificate is self-signed and not trusted")
            }
            Refusal::PinMismatch {
                expected,
                presented,
            } => write!(
                f,
                "the server's certificate (sha256 {presented}) is not the pinned one (sha256 {expected})"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// The server's certificate must have a given SHA-256 digest; handshake signatures still checked.
///
/// Names and validity dates are not checked: pinning that exact certificate is the trust decision.
#[derive(Debug)]
pub(super) struct PinVerifier {
    digest: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl PinVerifier {
    pub(super) fn new(digest: [u8; 32], provider: Arc<CryptoProvider>) -> Self {
        PinVerifier { digest, provider }
    }
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let presented = peer::sha256(end_entity);
        if presented == self.digest {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(other_error(Refusal::PinMismatch {
                expected: peer::hex_colons(&self.digest),
                presented: peer::hex_colons(&presented),
            }))
        }
    }

    handshake_signatures!();
}

/// Accepts any certificate (`verify = "none"`); the handshake signature is still checked.
#[derive(Debug)]
pub(super) struct NoVerifier {
    provider: Arc<CryptoProvider>,
}

impl NoVerifier {
    pub(super) fn new(provider: Arc<CryptoProvider>) -> Self {
        NoVerifier { provider }
    }
}

impl ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures!();
}

/// Checks a handshake signature with the certificate's key, as rustls does, and also for the
/// version 1 certificates webpki will not parse.
fn handshake_signature(
    provider: &CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
) -> Result<HandshakeSignatureValid, Error> {
    let supported = &provider.signature_verification_algorithms;
    let checked = if tls13 {
        verify_tls13_signature(message, cert, dss, supported)
    } else {
        verify_tls12_signature(message, cert, dss, supported)
    };
    match checked {
        Err(_) if outside_webpki(cert) => {
            // TLS 1.3 forbids PKCS#1 v1.5 and SHA-1 handshake signatures.
            let legacy = matches!(
                dss.scheme,
                SignatureScheme::RSA_PKCS1_SHA1
                    | SignatureScheme::RSA_PKCS1_SHA256
                    | SignatureScheme::RSA_PKCS1_SHA384
                    | SignatureScheme::RSA_PKCS1_SHA512
                    | SignatureScheme::ECDSA_SHA1_Legacy
            );
            if tls13 && legacy {
                return Err(Error::PeerMisbehaved(
                    rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
                ));
            }
            let parsed = parse(cert)?;
            let key_info = expect(0x30, parsed.tbs_certificate.subject_pki.raw)
                .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
            let key_alg = expect(0x30, key_info.contents)
                .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
            let key = expect(0x03, key_alg.rest)
                .and_then(|bits| bit_string(bits.contents))
                .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
            let algs = supported
                .mapping
                .iter()
                .find(|(scheme, _)| *scheme == dss.scheme)
                .map(|(_, algs)| *algs)
                .unwrap_or_default();
            let verified = algs
                .iter()
                .filter(|alg| alg.public_key_alg_id().as_ref() == key_alg.contents)
                .any(|alg| alg.verify_signature(key, message, dss.signature()).is_ok());
            if verified {
                Ok(HandshakeSignatureValid::assertion())
            } else {
                Err(Error::InvalidCertificate(CertificateError::BadSignature))
            }
        }
        other => other,
    }
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, Error> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))
}

fn unix(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Server certificates webpki refuses whatever their issuer and OpenSSL accepts from a trust
/// anchor: version 1 (what `openssl x509 -req` writes without an extension file) and CA:TRUE.
/// Decided from the certificate itself, so no wording of webpki's refusal matters.
fn outside_webpki(der: &[u8]) -> bool {
    let Ok(cert) = parse(der) else {
        return false;
    };
    let ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    cert.version() != X509Version::V3 || ca
}

/// OpenSSL's check of a server certificate issued directly by a trust anchor: issuer name,
/// signature by the anchor's key, validity period and purpose. Longer chains are left to webpki.
fn directly_issued(
    der: &CertificateDer<'_>,
    roots: &RootCertStore,
    now: UnixTime,
    provider: &CryptoProvider,
) -> Result<(), Error> {
    let cert = parse(der)?;
    let issuer = cert.issuer().as_raw();
    let issuer = expect(0x30, issuer).map_or(issuer, |name| name.contents);
    let signed_by_anchor = roots.roots.iter().any(|anchor| {
        anchor.subject.as_ref() == issuer
            && signature_verifies(der, anchor.subject_public_key_info.as_ref(), provider)
                == Some(true)
    });
    if !signed_by_anchor {
        return Err(CertificateError::UnknownIssuer.into());
    }
    check_validity_and_purpose(der, now)
}

/// Checks OpenSSL makes on a trusted certificate presented as-is: validity period and purpose.
fn check_validity_and_purpose(der: &CertificateDer<'_>, now: UnixTime) -> Result<(), Error> {
    let cert = parse(der)?;
    let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now_secs < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: unix(not_before),
        }
        .into());
    }
    if now_secs > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: unix(not_after),
        }
        .into());
    }
    // An extended key usage that leaves out TLS servers forbids this use, as in OpenSSL.
    if let Ok(Some(eku)) = cert.extended_key_usage()
        && !eku.value.any
        && !eku.value.server_auth
    {
        return Err(CertificateError::InvalidPurpose.into());
    }
    Ok(())
}

/// The names a certificate presents: SAN DNS and IP entries, and its common names when no DNS SAN.
fn presented_names(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<IpAddr>, Vec<String>) {
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(n) => dns.push((*n).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        ips.push(ip);
                    }
                }
                _ => {}
            }
        }
    }
    let common_names = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
        .collect();
    (dns, ips, common_names)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Host name check with OpenSSL's rules (SAN first, common name only without DNS SANs, never for IPs).
fn check_name(der: &CertificateDer<'_>, server_name: &ServerName<'_>) -> Result<(), Error> {
    let cert = parse(der)?;
    let (dns, ips, common_names) = presented_names(&cert);
    let matched = match server_name {
        ServerName::IpAddress(ip) => {
            let wanted = IpAddr::from(*ip);
            ips.contains(&wanted)
        }
        ServerName::DnsName(name) if !dns.is_empty() => {
            // webpki knows SAN matching (wildcards, IDNA); use it.
            ParsedCertificate::try_from(der)
                .and_then(|parsed| rustls::client::verify_server_name(&parsed, server_name))
                .is_ok()
                || dns.iter().any(|p| dns_name_matches(p, name.as_ref()))
        }
        ServerName::DnsName(name) => common_names
            .iter()
            .any(|p| dns_name_matches(p, name.as_ref())),
        _ => false,
    };
    if matched {
        return Ok(());
    }
    let mut presented: Vec<String> = dns.clone();
    presented.extend(ips.iter().map(ToString::to_string));
    if dns.is_empty() {
        presented.extend(common_names.iter().map(|cn| format!("{cn} (common name)")));
    }
    Err(CertificateError::NotValidForNameContext {
        expected: server_name.to_owned(),
        presented,
    }
    .into())
}

/// DNS name match as OpenSSL does it for Python: case-insensitive, `*` only as a whole leftmost label.
pub(super) fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    if pattern == host {
        return true;
    }
    let Some(rest) = pattern.strip_prefix("*.") else {
        return false;
    };
    // `*.com` is too broad, and a second `*` is never a wildcard.
    if !rest.contains('.') || rest.contains('*') {
        return false;
    }
    match host.split_once('.') {
        Some((first, host_rest)) => !first.is_empty() && host_rest == rest,
        None => false,
    }
}

/// One DER element: its tag, its contents, its whole encoding, and what follows it.
#[derive(Debug, PartialEq, Eq)]
struct Tlv<'a> {
    tag: u8,
    contents: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(count)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    let whole = input.get(..input.len() - rest.len())?;
    Some(Tlv {
        tag,
        contents,
        whole,
        rest,
    })
}

/// The element at the start of `input` when it has the expected tag.
fn expect(tag: u8, input: &[u8]) -> Option<Tlv<'_>> {
    tlv(input).filter(|t| t.tag == tag)
}

/// The bits of a BIT STRING with no unused bits.
fn bit_string(contents: &[u8]) -> Option<&[u8]> {
    match contents.split_first()? {
        (0, bits) => Some(bits),
        _ => None,
    }
}

/// True when the certificate names itself as issuer and its signature verifies with its own key.
pub(super) fn is_self_signed(der: &CertificateDer<'_>, provider: &CryptoProvider) -> bool {
    let Ok(cert) = parse(der) else {
        return false;
    };
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let Some(key_info) = expect(0x30, cert.tbs_certificate.subject_pki.raw) else {
        return false;
    };
    signature_verifies(der, key_info.contents, provider).unwrap_or(false)
}

/// Whether the certificate's signature verifies with a key, given as the contents of a
/// SubjectPublicKeyInfo (without its SEQUENCE header, as trust anchors store it).
fn signature_verifies(der: &[u8], key_info: &[u8], provider: &CryptoProvider) -> Option<bool> {
    const SEQUENCE: u8 = 0x30;
    const BIT_STRING: u8 = 0x03;
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    let certificate = expect(SEQUENCE, der)?;
    let tbs = expect(SEQUENCE, certificate.contents)?;
    let signature_alg = expect(SEQUENCE, tbs.rest)?;
    let signature = bit_string(expect(BIT_STRING, signature_alg.rest)?.contents)?;
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
    let key_alg = expect(SEQUENCE, key_info)?;
    let key = bit_string(expect(BIT_STRING, key_alg.rest)?.contents)?;
    let verified = provider
        .signature_verification_algorithms
        .all
        .iter()
        .filter(|alg| {
            alg.public_key_alg_id().as_ref() == key_alg.contents
                && alg.signature_alg_id().as_ref() == signature_alg.contents
        })
        .any(|alg| alg.verify_signature(key, tbs.whole, signature).is_ok());
    Some(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_openssl() {
        assert!(dns_name_matches("localhost", "LOCALHOST"));
        assert!(dns_name_matches("db.example.com.", "db.example.com"));
        assert!(dns_name_matches("*.example.com", "db.example.com"));
        assert!(!dns_name_matches("*.example.com", "a.db.example.com"));
        assert!(!dns_name_matches("*.example.com", "example.com"));
        assert!(!dns_name_matches("*.com", "example.com"));
        assert!(!dns_name_matches("d*.example.com", "db.example.com"));
        assert!(!dns_name_matches("", "localhost"));
        assert!(!dns_name_matches("localhost", "otherhost"));
    }

    #[test]
    fn version_1_and_ca_certificates_are_told_by_their_contents() {
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert!(!outside_webpki(leaf.der()));
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        assert!(outside_webpki(ca.der()));
        // The version field is `[0] EXPLICIT INTEGER` in the TBS; without it a certificate
        // is version 1. Rewriting the leaf's `v3` to `v1` is enough for the parser.
        let v1 = leaf.der().to_vec();
        let at = v1
            .windows(5)
            .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
            .unwrap();
        let mut v1 = v1;
        v1[at + 4] = 0x00;
        assert!(outside_webpki(&v1));
        assert!(!outside_webpki(b"not a certificate"));
    }

    #[test]
    fn der_reader_rejects_truncation() {
        assert_eq!(tlv(&[0x30]), None);
        assert_eq!(tlv(&[0x30, 0x05, 1, 2]), None);
        assert_eq!(tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        let input = [0x02, 0x01, 0x07, 0xff];
        assert_eq!(
            tlv(&input),
            Some(Tlv {
                tag: 2,
                contents: &[7],
                whole: &[2, 1, 7],
                rest: &[0xff],
            })
        );
        assert_eq!(expect(0x30, &input), None);
        let long = [&[0x04u8, 0x81, 0x80][..], &[0u8; 0x80]].concat();
        assert_eq!(tlv(&long).map(|t| t.contents.len()), Some(0x80));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let provider = rustls::crypto::ring::default_provider();
            let der = CertificateDer::from(bytes.clone());
            let _ = tlv(&bytes);
            let _ = is_self_signed(&der, &provider);
            let _ = signature_verifies(&bytes, &bytes, &provider);
            let name = ServerName::try_from("localhost").map_err(|_| proptest::test_runner::TestCaseError::fail("name"))?;
            proptest::prop_assert!(check_name(&der, &name).is_err() || bytes.len() > 16);
            let _ = check_validity_and_purpose(&der, UnixTime::now());
            let _ = super::super::PeerInfo::from_certificate(&bytes, String::new(), String::new());
        }
    }

    fn sample_certificate() -> &'static [u8] {
        static CERT: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        CERT.get_or_init(|| {
            let key = rcgen::KeyPair::generate().expect("key");
            let params =
                rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
            params.self_signed(&key).expect("cert").der().to_vec()
        })
    }

    #[test]
    fn a_real_certificate_is_self_signed_and_named() {
        let der = CertificateDer::from(sample_certificate().to_vec());
        let provider = rustls::crypto::ring::default_provider();
        assert!(is_self_signed(&der, &provider));
        let name = ServerName::try_from("localhost").expect("name");
        assert!(check_name(&der, &name).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn a_corrupted_certificate_never_panics(at in 0usize..4096, value in proptest::prelude::any::<u8>()) {
            let mut bytes = sample_certificate().to_vec();
            let at = at % bytes.len();
            bytes[at] = value;
            let der = CertificateDer::from(bytes.clone());
            let provider = rustls::crypto::ring::default_provider();
            let self_signed = is_self_signed(&der, &provider);
            // Any change to the signed part or the signature breaks the self-signature.
            proptest::prop_assert!(!self_signed || bytes == sample_certificate());
            let name = ServerName::try_from("localhost").map_err(|_| proptest::test_runner::TestCaseError::fail("name"))?;
            let _ = check_name(&der, &name);
            let _ = check_validity_and_purpose(&der, UnixTime::now());
            let _ = super::super::PeerInfo::from_certificate(&bytes, String::new(), String::new());
        }
    }

    #[test]
    fn garbage_is_not_self_signed() {
        let provider = rustls::crypto::ring::default_provider();
        assert!(!is_self_signed(
            &CertificateDer::from(vec![0x30, 0x00]),
            &provider
        ));
        assert!(!is_self_signed(
            &CertificateDer::from(Vec::new()),
            &provider
        ));
    }
}
