//! Errors of the evaluator, shaped like the server's responses (type, message, backtrace).

use serde_json::Value;

/// RethinkDB's `Response.ErrorType` for runtime errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// INTERNAL (1000000).
    Internal,
    /// RESOURCE_LIMIT (2000000).
    ResourceLimit,
    /// QUERY_LOGIC (3000000).
    QueryLogic,
    /// NON_EXISTENCE (3100000).
    NonExistence,
    /// OP_FAILED (4100000).
    OpFailed,
    /// OP_INDETERMINATE (4200000).
    OpIndeterminate,
    /// USER (5000000), raised by `r.error`.
    User,
    /// PERMISSION_ERROR (6000000).
    Permission,
}

impl ErrorType {
    /// The number sent in the `e` field of a RUNTIME_ERROR response.
    pub fn code(self) -> u64 {
        match self {
            ErrorType::Internal => 1_000_000,
            ErrorType::ResourceLimit => 2_000_000,
            ErrorType::QueryLogic => 3_000_000,
            ErrorType::NonExistence => 3_100_000,
            ErrorType::OpFailed => 4_100_000,
            ErrorType::OpIndeterminate => 4_200_000,
            ErrorType::User => 5_000_000,
            ErrorType::Permission => 6_000_000,
        }
    }
}

/// Which response type an error becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// COMPILE_ERROR (17): the term is malformed (arity, unknown optarg...).
    Compile,
    /// RUNTIME_ERROR (18) with its error type.
    Runtime(ErrorType),
    /// CLIENT_ERROR (16).
    Client,
}

impl ErrorKind {
    /// The response type number (`t`) for this kind.
    pub fn response_type(self) -> u64 {
        match self {
            ErrorKind::Compile => 17,
            ErrorKind::Runtime(_) => 18,
            ErrorKind::Client => 16,
        }
    }
}

/// An error of a query, as the server reports it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ReqlError {
    /// Response type and error type.
    pub kind: ErrorKind,
    /// The message, worded as RethinkDB words it.
    pub message: String,
    /// Path from the root term to the failing sub-term: numbers are positional
    /// argument indexes, strings are optarg keys.
    pub backtrace: Vec<Value>,
    /// Raised where the server reads a stream lazily, at the top of the query: no frames.
    pub unframed: bool,
}

impl ReqlError {
    /// A runtime error of the given type.
    pub fn runtime(t: ErrorType, message: impl Into<String>) -> Self {
        ReqlError {
            kind: ErrorKind::Runtime(t),
            message: message.into(),
            backtrace: Vec::new(),
            unframed: false,
        }
    }
    /// A QUERY_LOGIC runtime error.
    pub fn logic(message: impl Into<String>) -> Self {
        Self::runtime(ErrorType::QueryLogic, message)
    }
    /// A NON_EXISTENCE runtime error.
    pub fn non_existence(message: impl Into<String>) -> Self {
        Self::runtime(ErrorType::NonExistence, message)
    }
    /// An OP_FAILED runtime error.
    pub fn op_failed(message: impl Into<String>) -> Self {
        Self::runtime(ErrorType::OpFailed, message)
    }
    /// A compile error.
    pub fn compile(message: impl Into<String>) -> Self {
        ReqlError {
            kind: ErrorKind::Compile,
            message: message.into(),
            backtrace: Vec::new(),
            unframed: false,
        }
    }
    /// The runtime error for a term the sandbox does not implement.
    pub fn unsupported(name: &str) -> Self {
        Self::runtime(
            ErrorType::QueryLogic,
            format!(
                "the sandbox does not support `{name}`; run this query on a real RethinkDB server"
            ),
        )
    }
    /// Prepends a frame to the backtrace (called while unwinding from the failing term).
    pub fn at(mut self, frame: Value) -> Self {
        if !self.unframed {
            self.backtrace.insert(0, frame);
        }
        self
    }
    /// Marks an error the server reports without a backtrace (see `unframed`).
    pub fn unframed(mut self) -> Self {
        self.unframed = true;
        self
    }
    /// True for NON_EXISTENCE errors, the ones `default` catches.
    pub fn is_non_existence(&self) -> bool {
        self.kind == ErrorKind::Runtime(ErrorType::NonExistence)
    }
}

/// Result of evaluation.
pub type RResult<T> = Result<T, ReqlError>;
