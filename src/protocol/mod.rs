#![warn(missing_docs)]
//! The RethinkDB wire protocol, sans-IO: both the client and the server side.
//!
//! Nothing here touches a socket: callers feed bytes in and write the bytes that come out.
//! `net` drives the client side over tokio; the sandbox server and the tests drive the
//! server side.

pub mod frame;
pub mod handshake;
pub mod query;
pub mod response;
pub mod scram;
pub mod term_type;

pub use frame::{FrameDecoder, FrameError, MAX_FRAME_LEN, Token, encode_frame};
pub use handshake::{
    Authenticated, ClientHandshake, CredentialStore, HandshakeError, HandshakeInfo, Progress,
    ServerHandshake,
};
pub use query::{GlobalOptargs, Query, QueryError, RUN_OPTARGS, ServerQuery, db_optarg};
pub use response::{Frame, Response, ResponseError, Row, ServerError, to_row};
pub use scram::{Credential, ScramClient, ScramError, ScramServer};
pub use term_type::{ErrorType, QueryType, ResponseNote, ResponseType, TermType, Version};

/// The system database of every RethinkDB 2.x server.
pub const SYSTEM_DB: &str = "rethinkdb";

/// The tables of the system database (not listed in `table_config`).
pub const SYSTEM_TABLES: [&str; 12] = [
    "cluster_config",
    "current_issues",
    "db_config",
    "jobs",
    "logs",
    "permissions",
    "server_config",
    "server_status",
    "stats",
    "table_config",
    "table_status",
    "users",
];
