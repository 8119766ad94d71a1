//! The connection layer: TLS, connect, the connection task, client handles and cursors.

pub mod tls;
