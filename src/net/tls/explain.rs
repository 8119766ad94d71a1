//! Turning TLS failures into a sentence: what was wrong, and the setting or flag that fixes it.

use std::time::Duration;

use chrono::DateTime;
use rustls::pki_types::{ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, Error};

use super::verify::Refusal;
use crate::config::TlsSettings;

const FIX_CA: &str = "set ca_cert (--ca-cert FILE) to the CA certificate that signed it \
     (or to the server's own certificate when that one is self-signed), \
     or pin it with verify = \"pin\" (--tls-verify pin)";
const FIX_NAME: &str = "connect by a name the certificate lists (--host), \
     set server_name (--tls-server-name NAME) to one of them, \
     or check the chain only with verify = \"ca\" (--tls-verify ca)";
const FIX_CLIENT_CERT: &str = "set client_cert and client_key (--client-cert FILE --client-key FILE) \
     to a certificate signed by the CA the server trusts (its --driver-tls-ca)";

/// What went wrong in a TLS handshake with `host`, and what to change; for the user, one line.
pub fn explain(err: &Error, settings: &TlsSettings, host: &str) -> String {
    match err {
        Error::InvalidCertificate(cert_err) => explain_certificate(cert_err, settings),
        Error::InvalidMessage(_)
        | Error::InappropriateMessage { .. }
        | Error::InappropriateHandshakeMessage { .. }
        | Error::PeerSentOversizedRecord => not_tls(host),
        Error::AlertReceived(alert) => explain_alert(*alert, settings),
        Error::NoCertificatesPresented => {
            "the server presented no certificate: check that the port is RethinkDB's driver port with TLS enabled"
                .to_owned()
        }
        Error::PeerIncompatible(detail) => format!(
            "the server and rdbsh share no TLS version, cipher suite or signature scheme ({detail:?}): \
             rdbsh speaks TLS 1.2 and 1.3; check the server's --tls-min-protocol and --tls-ciphers"
        ),
        Error::PeerMisbehaved(detail) => {
            format!("the server broke the TLS protocol ({detail:?}): check that {host} is a RethinkDB server")
        }
        other => format!("tls handshake with {host} failed: {other}"),
    }
}

/// Like [`explain`] for the I/O error a tokio-rustls stream returns (handshake or first read).
pub fn explain_io(err: &std::io::Error, settings: &TlsSettings, host: &str) -> String {
    if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
        return explain(inner, settings, host);
    }
    match err.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => format!(
            "{host} closed the connection during the TLS handshake: the port may not speak TLS \
             (if the server runs without TLS, remove tls and ca_cert from the profile and drop --tls/--ca-cert), \
             or the server refused this client (it may require a client certificate: {FIX_CLIENT_CERT})"
        ),
        _ => format!("tls connection to {host} failed: {err}"),
    }
}

/// For a plain (non-TLS) connection that the server closed before answering the handshake.
pub fn explain_plain_on_tls_port(host: &str, port: u16) -> String {
    format!(
        "{host}:{port} closed the connection without answering the handshake: the port probably \
         requires TLS; set ca_cert (--ca-cert FILE) to the server's CA, or tls = true (--tls) for \
         a certificate from a public CA"
    )
}

/// For a connect or handshake that did not finish within the profile's timeout.
pub fn explain_timeout(host: &str, port: u16, timeout: Duration, tls: bool) -> String {
    let secs = timeout.as_secs_f64();
    if tls {
        format!(
            "no TLS answer from {host}:{port} within {secs} s: check host and port, that the server \
             has TLS enabled on its driver port, and firewalls; raise timeout (--timeout SECS) for a slow link"
        )
    } else {
        format!(
            "no answer from {host}:{port} within {secs} s: check host and port (the driver port is 28015 by default) \
             and firewalls; if the port requires TLS, set ca_cert (--ca-cert FILE); raise timeout (--timeout SECS) for a slow link"
        )
    }
}

/// The warning printed on every connect with `verify = "none"`.
pub fn insecure_warning(host: &str) -> String {
    format!(
        "warning: TLS certificate verification is off (verify = \"none\"): the server at {host} is not \
         authenticated and anyone on the path can read and change this session; set ca_cert \
         (--ca-cert FILE) or pin the certificate with verify = \"pin\""
    )
}

fn not_tls(host: &str) -> String {
    format!(
        "{host} did not answer in TLS on this port: the server may not have TLS enabled; if so, remove \
         tls and ca_cert from the profile (and drop --tls/--ca-cert), otherwise check the port \
         (RethinkDB's driver port is 28015 by default)"
    )
}

fn when(time: UnixTime) -> String {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .map_or_else(
            || format!("{} s after 1970", time.as_secs()),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

fn trusted_source(settings: &TlsSettings) -> String {
    match &settings.ca_cert {
        Some(path) => format!("the CA in ca_cert ({})", path.display()),
        None => "any CA this system trusts".to_owned(),
    }
}

fn explain_certificate(err: &CertificateError, settings: &TlsSettings) -> String {
    match err {
        CertificateError::UnknownIssuer => format!(
            "unknown issuer: the server's certificate is not signed by {}; {FIX_CA}",
            trusted_source(settings)
        ),
        CertificateError::Expired => {
            "the server's certificate has expired: renew it on the server; until then verify = \"pin\" (--tls-verify pin) accepts that exact certificate"
                .to_owned()
        }
        CertificateError::ExpiredContext { time, not_after } => format!(
            "the server's certificate has expired (valid until {}, now {}): renew it on the server; \
             until then verify = \"pin\" (--tls-verify pin) accepts that exact certificate",
            when(*not_after),
            when(*time)
        ),
        CertificateError::NotValidYet => {
            "the server's certificate is not valid yet: check the clocks of this machine and of the server"
                .to_owned()
        }
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "the server's certificate is not valid yet (valid from {}, now {}): check the clocks of this machine and of the server",
            when(*not_before),
            when(*time)
        ),
        CertificateError::NotValidForName => {
            format!("name mismatch: the server's certificate is not valid for this host; {FIX_NAME}")
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => explain_name(expected, presented, settings),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for TLS servers (its extended key usage lacks serverAuth): \
             reissue it with serverAuth, or pin it with verify = \"pin\" (--tls-verify pin)"
                .to_owned()
        }
        CertificateError::BadSignature => format!(
            "a signature in the server's certificate chain does not verify: the chain is broken or forged; \
             check that ca_cert is the right CA; {FIX_CA}"
        ),
        CertificateError::BadEncoding => {
            "the server's certificate is malformed and cannot be read: reissue it".to_owned()
        }
        CertificateError::Other(other) => {
            if let Some(refusal) = other.0.downcast_ref::<Refusal>() {
                return explain_refusal(refusal, settings);
            }
            let text = other.to_string();
            if text.contains("UnsupportedCertVersion") {
                return "the server's certificate chain holds a version 1 certificate that is not issued directly by \
                        the CA in ca_cert, which rdbsh cannot check: reissue it as version 3 (openssl x509 -req with \
                        -extfile and a subjectAltName), or pin it with verify = \"pin\" (--tls-verify pin)"
                    .to_owned();
            }
            if text.contains("CaUsedAsEndEntity") {
                return "the server's certificate is a CA certificate (CA:TRUE) issued by another CA, which TLS \
                        does not allow for a server: reissue it as a server certificate, or pin it with \
                        verify = \"pin\" (--tls-verify pin)"
                    .to_owned();
            }
            format!("the server's certificate was refused ({text}); {FIX_CA}")
        }
        other => format!("the server's certificate was refused ({other}); {FIX_CA}"),
    }
}

/// What to do about a refusal of rdbsh's own verifiers.
fn explain_refusal(refusal: &Refusal, settings: &TlsSettings) -> String {
    match refusal {
        Refusal::PinMismatch { presented, .. } => format!(
            "pin mismatch: {refusal}; if the server's certificate changed on purpose, set pin to sha256:{presented}"
        ),
        Refusal::LeafGivenAsCa => {
            let file = settings
                .ca_cert
                .as_ref()
                .map_or_else(String::new, |p| format!(" ({})", p.display()));
            format!(
                "unknown issuer: ca_cert{file} holds the server's own certificate, which is signed by a CA; \
                 set ca_cert (--ca-cert FILE) to that CA's certificate instead, or pin the server's certificate \
                 with verify = \"pin\" (--tls-verify pin)"
            )
        }
        Refusal::UntrustedSelfSigned => match &settings.ca_cert {
            Some(path) => format!(
                "unknown issuer: the server's certificate is self-signed and is not the certificate in ca_cert ({}); \
                 set ca_cert (--ca-cert FILE) to the server's own certificate file, or pin it with verify = \"pin\" (--tls-verify pin)",
                path.display()
            ),
            None => "unknown issuer: the server's certificate is self-signed, so no system CA vouches for it; \
                     set ca_cert (--ca-cert FILE) to the server's own certificate file, or pin it with verify = \"pin\" (--tls-verify pin)"
                .to_owned(),
        },
    }
}

fn explain_name(expected: &ServerName<'_>, presented: &[String], settings: &TlsSettings) -> String {
    let names = if presented.is_empty() {
        "no names at all".to_owned()
    } else {
        presented.join(", ")
    };
    let checked = match &settings.server_name {
        Some(name) => format!(" (server_name = {name:?})"),
        None => String::new(),
    };
    match expected {
        ServerName::IpAddress(ip) => format!(
            "name mismatch: the server's certificate is not valid for the IP address {}{checked} (it names {names}); \
             an IP address must be listed as an IP subjectAltName, a common name only counts for DNS names: {FIX_NAME}",
            std::net::IpAddr::from(*ip)
        ),
        other => format!(
            "name mismatch: the server's certificate is not valid for {}{checked} (it names {names}); {FIX_NAME}",
            other.to_str()
        ),
    }
}

fn explain_alert(alert: AlertDescription, settings: &TlsSettings) -> String {
    let have_client_cert = settings.client_cert.is_some();
    match alert {
        AlertDescription::CertificateRequired if !have_client_cert => {
            format!("the server requires a client certificate: {FIX_CLIENT_CERT}")
        }
        AlertDescription::CertificateRequired
        | AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateUnknown
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateRevoked
        | AlertDescription::AccessDenied
            if have_client_cert =>
        {
            format!(
                "the server refused our client certificate ({alert:?}): check that client_cert is signed by \
                 the CA the server trusts (its --driver-tls-ca), is still valid, and that client_key belongs to it"
            )
        }
        AlertDescription::HandshakeFailure
        | AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateUnknown
        | AlertDescription::AccessDenied => format!(
            "the server refused the TLS handshake ({alert:?}): it may require a client certificate ({FIX_CLIENT_CERT}), \
             or a TLS version or cipher rdbsh does not offer (rdbsh speaks TLS 1.2 and 1.3)"
        ),
        AlertDescription::ProtocolVersion | AlertDescription::InsufficientSecurity => format!(
            "the server refused the TLS version or ciphers ({alert:?}): rdbsh speaks TLS 1.2 and 1.3; \
             check the server's --tls-min-protocol and --tls-ciphers"
        ),
        other => format!("the server ended the TLS handshake with the alert {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::InvalidMessage;

    fn settings() -> TlsSettings {
        TlsSettings {
            ca_cert: Some("/etc/rdb/ca.pem".into()),
            ..TlsSettings::default()
        }
    }

    /// What `explain` says about `e` with [`settings`] for host `db1`.
    fn explained(e: Error) -> String {
        explain(&e, &settings(), "db1")
    }

    #[test]
    fn tls_to_a_plain_port_says_so() {
        let text = explained(Error::InvalidMessage(InvalidMessage::InvalidContentType));
        assert!(text.contains("did not answer in TLS"), "{text}");
        assert!(text.contains("remove tls and ca_cert"), "{text}");
    }

    #[test]
    fn unknown_issuer_names_the_ca_file_and_the_fix() {
        let text = explained(Error::InvalidCertificate(CertificateError::UnknownIssuer));
        assert!(text.starts_with("unknown issuer"), "{text}");
        assert!(text.contains("/etc/rdb/ca.pem"), "{text}");
        assert!(text.contains("--ca-cert"), "{text}");
        let system = explain(
            &Error::InvalidCertificate(CertificateError::UnknownIssuer),
            &TlsSettings::default(),
            "db1",
        );
        assert!(system.contains("this system trusts"), "{system}");
    }

    #[test]
    fn missing_client_certificate_is_named() {
        let text = explained(Error::AlertReceived(AlertDescription::CertificateRequired));
        assert!(text.contains("requires a client certificate"), "{text}");
        assert!(text.contains("--client-cert"), "{text}");
    }

    #[test]
    fn io_errors_unwrap_the_rustls_error() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert!(explain_io(&io, &settings(), "db1").starts_with("unknown issuer"));
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert!(explain_io(&eof, &settings(), "db1").contains("closed the connection"));
    }

    #[test]
    fn warnings_and_hints_name_the_fix() {
        assert!(insecure_warning("db1").contains("verify = \"none\""));
        assert!(explain_plain_on_tls_port("db1", 28015).contains("--ca-cert"));
        assert!(explain_timeout("db1", 28015, Duration::from_secs(20), true).contains("--timeout"));
    }
}
