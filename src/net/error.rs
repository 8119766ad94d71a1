//! The connection layer's error: opaque, with a [`Kind`], a source chain and server errors as data.

use std::fmt;
use std::sync::Arc;

use crate::exit::Exit;
use crate::protocol::ServerError;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A socket error (connection refused, reset, ...).
    Io,
    /// TLS could not be set up or failed.
    Tls,
    /// Connecting took longer than the profile's timeout.
    Timeout,
    /// The peer does not speak the RethinkDB handshake the way we expect.
    Handshake,
    /// The server refused the credentials.
    Auth,
    /// The server answered the query with an error.
    Server,
    /// The connection is closed; the request was never sent.
    Closed,
    /// The connection dropped while the query was in flight; it was not replayed.
    Interrupted,
    /// The server sent bytes that are not valid protocol frames.
    Protocol,
    /// One response could not be read (a malformed row, say); the connection is fine.
    Response,
}

type Source = Arc<dyn std::error::Error + Send + Sync>;

struct Inner {
    kind: Kind,
    message: String,
    server: Option<ServerError>,
    source: Option<Source>,
}

/// An error from `net`: connect, handshake, a query, or the connection dying under it.
#[derive(Clone)]
pub struct Error(Arc<Inner>);

impl Error {
    fn new(kind: Kind, message: impl Into<String>, source: Option<Source>) -> Error {
        Error(Arc::new(Inner {
            kind,
            message: message.into(),
            server: None,
            source,
        }))
    }

    /// The broad kind.
    pub fn kind(&self) -> Kind {
        self.0.kind
    }

    /// The server's error (type, message, backtrace) when the kind is [`Kind::Server`].
    pub fn server_error(&self) -> Option<&ServerError> {
        self.0.server.as_ref()
    }

    /// How the process exits on this error: query (1), connection/TLS (3) or
    /// authentication (4).
    pub fn exit(&self) -> Exit {
        match self.0.kind {
            // The query failed, not the connection: batch mode may go on.
            Kind::Server | Kind::Response => Exit::QueryFailed,
            Kind::Auth => Exit::Auth,
            _ => Exit::Connection,
        }
    }

    /// The numeric exit code of [`Error::exit`].
    pub fn exit_code(&self) -> u8 {
        self.exit().code()
    }

    pub(crate) fn io(message: impl Into<String>, source: std::io::Error) -> Error {
        Error::new(Kind::Io, message, Some(Arc::new(source)))
    }

    pub(crate) fn tls(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::new(Kind::Tls, message, source.map(Source::from))
    }

    /// A wait that ran past its bound (exit 3).
    pub fn timeout(message: impl Into<String>) -> Error {
        Error::new(Kind::Timeout, message, None)
    }

    /// No host answered: one host's own error, or every host's failure in one message (the
    /// kind they share, else `Io`; exit 3 either way unless a login was refused).
    pub(crate) fn unreachable(mut failures: Vec<Error>) -> Error {
        if failures.len() <= 1 {
            return failures.pop().unwrap_or_else(|| {
                Error::new(
                    Kind::Io,
                    "no host to connect to; set `host` or `hosts`",
                    None,
                )
            });
        }
        let kind = failures[0].kind();
        let kind = if failures.iter().all(|e| e.kind() == kind) {
            kind
        } else {
            Kind::Io
        };
        let each: Vec<String> = failures
            .iter()
            .enumerate()
            .map(|(i, e)| format!("({}) {e}", i + 1))
            .collect();
        Error::new(
            kind,
            format!(
                "none of the {} hosts answered: {}",
                failures.len(),
                each.join("; ")
            ),
            failures.pop().map(|e| Arc::new(e) as Source),
        )
    }

    pub(crate) fn handshake(message: impl Into<String>) -> Error {
        Error::new(Kind::Handshake, message, None)
    }

    pub(crate) fn auth(message: impl Into<String>) -> Error {
        Error::new(Kind::Auth, message, None)
    }

    pub(crate) fn server(err: ServerError) -> Error {
        Error(Arc::new(Inner {
            kind: Kind::Server,
            message: err.to_string(),
            server: Some(err),
            source: None,
        }))
    }

    pub(crate) fn closed() -> Error {
        Error::new(
            Kind::Closed,
            "the connection is closed; the query was not sent, run it again to reconnect",
            None,
        )
    }

    pub(crate) fn interrupted(cause: &Error) -> Error {
        Error::new(
            Kind::Interrupted,
            format!(
                "the connection dropped while the query was running ({cause}); it was not retried because it may have been a write: check its effect, then run it again"
            ),
            Some(Arc::new(cause.clone())),
        )
    }

    pub(crate) fn task_gone() -> Error {
        Error::new(
            Kind::Interrupted,
            "the connection task stopped while the query was running; it was not retried because it may have been a write",
            None,
        )
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Error {
        Error::new(Kind::Protocol, message, None)
    }

    /// A well-delimited response that cannot be read: only its query is lost.
    pub(crate) fn response(message: impl Into<String>) -> Error {
        Error::new(Kind::Response, message, None)
    }

    /// Rewraps a connection-killing protocol error for a query that was in flight.
    pub(crate) fn protocol_in_flight(cause: &Error) -> Error {
        Error::new(
            Kind::Protocol,
            format!("{cause}; the query's outcome is unknown and it was not retried"),
            Some(Arc::new(cause.clone())),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(s) = &self.0.server {
            d.field("server", s);
        }
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorType, ResponseType};

    #[test]
    fn exit_classes() {
        assert_eq!(Error::auth("x").exit_code(), 4);
        assert_eq!(Error::closed().exit_code(), 3);
        assert_eq!(Error::timeout("t").exit_code(), 3);
        assert_eq!(Error::interrupted(&Error::protocol("p")).exit_code(), 3);
        assert_eq!(Error::response("r").exit_code(), 1);
        let s = Error::server(ServerError {
            response_type: ResponseType::RuntimeError,
            error_type: Some(ErrorType::User),
            message: "boom".into(),
            backtrace: vec![],
        });
        assert_eq!(s.exit_code(), 1);
        assert_eq!(s.kind(), Kind::Server);
        assert_eq!(s.to_string(), "ReqlUserError: boom");
        assert_eq!(
            s.server_error().map(|e| e.error_type),
            Some(Some(ErrorType::User))
        );
    }
}
