//! The connection layer: TLS, connect, the connection task, client handles and cursors.
//!
//! `connect` returns a [`Client`] (cheap clone) and a [`Connection`] task to spawn; many
//! queries run at once on one connection, answers are routed by token. [`Link`] keeps one
//! connection per profile and reconnects on next use after a drop.

mod client;
mod connect;
mod connection;
mod cursor;
mod error;
mod link;
pub mod tls;

pub use client::{Client, ConnectionInfo, ServerInfo, TlsInfo};
pub use connect::{connect, connect_stream, connect_to};
pub use connection::{AsyncStream, Connection};
pub use cursor::{Batch, BatchKind, Cursor, CursorKind, RawBatch, StopHandle};
pub use error::{Error, Kind};
pub use link::{Endpoint, Link, driver_addresses};
