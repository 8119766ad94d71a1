//! TLS for the client and the sandbox server (rustls, ring provider).
//!
//! Contract used by `net::connect` and `sandbox` (bodies filled in by the TLS work):
//! - `client_config(&TlsSettings) -> Result<Arc<rustls::ClientConfig>, TlsError>`
//! - `server_name(&TlsSettings, host) -> Result<ServerName<'static>, TlsError>`
//! - `server_config(cert, key, client_ca) -> Result<Arc<rustls::ServerConfig>, TlsError>`
//! - `PeerInfo::from_connection(&rustls::ClientConnection)` for `rdbsh ping`
//! - `explain(&rustls::Error, &TlsSettings, host) -> String`: what was wrong and the setting that fixes it
