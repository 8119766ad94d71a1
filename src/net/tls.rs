//! TLS for the client and the sandbox server (rustls, ring provider).
//!
//! Contract used by `net::connect` and `sandbox` (bodies filled in by the TLS work):
//! - `client_config(&TlsSettings) -> Result<Arc<rustls::ClientConfig>, TlsError>`
//! - `server_name(&TlsSettings, host) -> Result<ServerName<'static>, TlsError>`
//! - `server_config(cert, key, client_ca) -> Result<Arc<rustls::ServerConfig>, TlsError>`
//! - `PeerInfo::from_connection(&rustls::ClientConnection)` for `rdbsh ping`
//! - `explain(&rustls::Error, &TlsSettings, host) -> String`: what was wrong and the setting that fixes it
//!
//! PLACEHOLDER written on the `net` branch only so that `net::connect` compiles and can be
//! tested before the TLS branch lands: the TLS work owns this file and replaces it whole.
//! It implements only the two client functions of the contract, without the verify modes.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::config::TlsSettings;

/// PLACEHOLDER: TLS set-up errors (the TLS work defines the real type).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// PLACEHOLDER: a client config trusting `ca_cert` (or the system roots), full verification only.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    match &settings.ca_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| TlsError(format!("cannot read {}: {e}", path.display())))?;
            for cert in certs {
                let cert =
                    cert.map_err(|e| TlsError(format!("bad PEM in {}: {e}", path.display())))?;
                roots.add(cert).map_err(|e| TlsError(e.to_string()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    Ok(Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// PLACEHOLDER: the name to verify, `server_name` or the host dialled.
pub fn server_name(settings: &TlsSettings, host: &str) -> Result<ServerName<'static>, TlsError> {
    let name = settings.server_name.as_deref().unwrap_or(host);
    ServerName::try_from(name.to_owned())
        .map_err(|e| TlsError(format!("invalid server name {name:?}: {e}")))
}

/// PLACEHOLDER: what was wrong (the TLS work adds the setting that fixes it).
pub fn explain(err: &rustls::Error, _settings: &TlsSettings, host: &str) -> String {
    format!("TLS handshake with {host} failed: {err}")
}
