//! The process exit codes, one list for every front end and subcommand.

/// Process exit codes; the only place they are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded.
    Ok,
    /// A query failed (compile error or server error).
    QueryFailed,
    /// Usage or config error.
    Usage,
    /// Connection or TLS failure.
    Connection,
    /// Authentication failure.
    Auth,
    /// Interrupted by the user (Ctrl-C).
    Interrupted,
}

impl Exit {
    /// The process exit code (the README's table of exit codes).
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::QueryFailed => 1,
            Exit::Usage => 2,
            Exit::Connection => 3,
            Exit::Auth => 4,
            Exit::Interrupted => 130,
        }
    }
}

impl From<&crate::net::Error> for Exit {
    fn from(e: &crate::net::Error) -> Exit {
        e.exit()
    }
}
