//! Responses `{"t","r","e","b","p","n"}`: the client-side parse (rows kept as raw JSON) and the
//! server-side builders.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::frame::{FrameError, Token, encode_frame};
use super::term_type::{ErrorType, ResponseNote, ResponseType};

/// One row (or the atom) exactly as the server sent it, so output needs no re-serialization.
pub type Row = Box<RawValue>;

/// One step of a backtrace, from the root term down to the failing sub-term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Frame {
    /// Index into the term's positional arguments.
    Pos(u64),
    /// Key of an optional argument (or of an object literal).
    Opt(String),
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Pos(i) => write!(f, "{i}"),
            Frame::Opt(k) => write!(f, "{k:?}"),
        }
    }
}

/// What is wrong with a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// Not JSON, or not the response object.
    #[error("malformed response from the server: {0}")]
    Json(String),
    /// A `t` this client does not know.
    #[error("unknown response type {0} from the server")]
    UnknownType(i64),
    /// A backtrace frame that is neither a number nor a string.
    #[error("malformed backtrace in the server's response")]
    Backtrace,
}

/// A server error as data: response type, error type, message and backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// CLIENT_ERROR, COMPILE_ERROR or RUNTIME_ERROR.
    pub response_type: ResponseType,
    /// For RUNTIME_ERROR, the kind of failure.
    pub error_type: Option<ErrorType>,
    /// The server's message.
    pub message: String,
    /// Where in the term it failed.
    pub backtrace: Vec<Frame>,
}

impl ServerError {
    /// The driver class name, as the JS driver reports it (`ReqlQueryLogicError`, ...).
    pub fn class_name(&self) -> &'static str {
        match (self.response_type, self.error_type) {
            (ResponseType::ClientError, _) => "ReqlClientError",
            (ResponseType::CompileError, _) => "ReqlCompileError",
            (_, Some(e)) => e.js_class(),
            _ => "ReqlRuntimeError",
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class_name(), self.message)
    }
}

/// A response, on either side of the wire.
#[derive(Debug, Clone)]
pub struct Response {
    /// The `t` field.
    pub response_type: ResponseType,
    /// The `r` field: rows, the atom, or the error message.
    pub rows: Vec<Row>,
    /// The `e` field (RUNTIME_ERROR only).
    pub error_type: Option<ErrorType>,
    /// The `b` field (errors only).
    pub backtrace: Vec<Frame>,
    /// The `p` field, when the query ran with `profile: true`.
    pub profile: Option<Row>,
    /// The `n` field; unknown notes are dropped.
    pub notes: Vec<ResponseNote>,
}

#[derive(Deserialize)]
struct WireIn {
    t: i64,
    #[serde(default)]
    r: Vec<Box<RawValue>>,
    #[serde(default)]
    e: Option<i64>,
    #[serde(default)]
    b: Option<Vec<Value>>,
    #[serde(default)]
    p: Option<Box<RawValue>>,
    #[serde(default)]
    n: Option<Vec<i64>>,
}

#[derive(Serialize)]
struct WireOut<'a> {
    t: i64,
    r: &'a [Box<RawValue>],
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<Vec<i64>>,
}

/// Serializes a value into a row; `null` in the impossible case that serde_json fails.
pub fn to_row(value: &Value) -> Row {
    // The default raw value is `null`.
    serde_json::value::to_raw_value(value).unwrap_or_default()
}

impl Response {
    /// Parses a response body.
    pub fn parse(body: &[u8]) -> Result<Response, ResponseError> {
        // serde would also accept a positional array for the struct; only an object is valid.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ResponseError::Json("expected a JSON object".into()));
        }
        let w: WireIn =
            serde_json::from_slice(body).map_err(|e| ResponseError::Json(e.to_string()))?;
        let response_type = ResponseType::from_i64(w.t).ok_or(ResponseError::UnknownType(w.t))?;
        let backtrace = match w.b {
            None => Vec::new(),
            Some(frames) => frames
                .into_iter()
                .map(|f| match f {
                    Value::Number(n) => n.as_u64().map(Frame::Pos).ok_or(ResponseError::Backtrace),
                    Value::String(s) => Ok(Frame::Opt(s)),
                    _ => Err(ResponseError::Backtrace),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Response {
            response_type,
            rows: w.r,
            error_type: w.e.and_then(ErrorType::from_i64),
            backtrace,
            profile: w.p,
            notes: w
                .n
                .unwrap_or_default()
                .into_iter()
                .filter_map(ResponseNote::from_i64)
                .collect(),
        })
    }

    /// The error carried by this response, if it is one.
    pub fn server_error(&self) -> Option<ServerError> {
        if !self.response_type.is_error() {
            return None;
        }
        let message = match self.rows.first() {
            Some(r) => match serde_json::from_str::<Value>(r.get()) {
                Ok(Value::String(s)) => s,
                _ => r.get().to_owned(),
            },
            None => String::from("the server reported an error without a message"),
        };
        Some(ServerError {
            response_type: self.response_type,
            error_type: self.error_type,
            message,
            backtrace: self.backtrace.clone(),
        })
    }

    /// True when no more responses follow for this token (everything but SUCCESS_PARTIAL).
    pub fn is_final(&self) -> bool {
        self.response_type != ResponseType::SuccessPartial
    }

    /// The first changefeed note, if this response belongs to a feed.
    pub fn feed(&self) -> Option<ResponseNote> {
        self.notes.iter().copied().find(|n| n.is_feed())
    }

    fn new(response_type: ResponseType, rows: Vec<Row>) -> Response {
        Response {
            response_type,
            rows,
            error_type: None,
            backtrace: Vec::new(),
            profile: None,
            notes: Vec::new(),
        }
    }

    /// SUCCESS_ATOM with one value.
    pub fn atom(value: Row) -> Response {
        Response::new(ResponseType::SuccessAtom, vec![value])
    }

    /// SUCCESS_SEQUENCE: the last (or only) batch of a stream.
    pub fn sequence(rows: Vec<Row>) -> Response {
        Response::new(ResponseType::SuccessSequence, rows)
    }

    /// SUCCESS_PARTIAL: a batch with more to come after CONTINUE.
    pub fn partial(rows: Vec<Row>) -> Response {
        Response::new(ResponseType::SuccessPartial, rows)
    }

    /// WAIT_COMPLETE, the answer to NOREPLY_WAIT.
    pub fn wait_complete() -> Response {
        Response::new(ResponseType::WaitComplete, Vec::new())
    }

    /// SERVER_INFO with `{"id","name","proxy"}`.
    pub fn server_info(info: Row) -> Response {
        Response::new(ResponseType::ServerInfo, vec![info])
    }

    /// An error response (CLIENT_ERROR, COMPILE_ERROR or RUNTIME_ERROR).
    pub fn error(
        response_type: ResponseType,
        error_type: Option<ErrorType>,
        message: &str,
        backtrace: Vec<Frame>,
    ) -> Response {
        let mut r = Response::new(response_type, vec![to_row(&Value::from(message))]);
        r.error_type = error_type;
        r.backtrace = backtrace;
        r
    }

    /// Adds response notes.
    pub fn with_notes(mut self, notes: Vec<ResponseNote>) -> Response {
        self.notes = notes;
        self
    }

    /// Adds profile data.
    pub fn with_profile(mut self, profile: Row) -> Response {
        self.profile = Some(profile);
        self
    }

    /// Appends the whole frame (token, length, body) to `buf`, as the server writes it.
    pub fn encode(&self, token: Token, buf: &mut Vec<u8>) -> Result<(), FrameError> {
        encode_frame(token, &self.body(), buf)
    }

    /// The JSON body, as the server writes it.
    pub fn body(&self) -> Vec<u8> {
        let is_error = self.response_type.is_error();
        let out = WireOut {
            t: self.response_type.as_i64(),
            r: &self.rows,
            e: self.error_type.map(ErrorType::as_i64),
            b: is_error.then(|| {
                self.backtrace
                    .iter()
                    .map(|f| match f {
                        Frame::Pos(i) => Value::from(*i),
                        Frame::Opt(k) => Value::from(k.as_str()),
                    })
                    .collect()
            }),
            p: self.profile.as_deref(),
            // The server always writes `n` on streams; the JS driver reads it unconditionally.
            n: (!self.notes.is_empty()
                || matches!(
                    self.response_type,
                    ResponseType::SuccessPartial | ResponseType::SuccessSequence
                ))
            .then(|| self.notes.iter().map(|n| n.as_i64()).collect()),
        };
        // Raw rows are valid JSON by construction, so this cannot fail; fall back to a
        // CLIENT_ERROR body rather than panicking.
        serde_json::to_vec(&out).unwrap_or_else(|_| {
            br#"{"t":16,"r":["internal error: could not serialize the response"]}"#.to_vec()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_rows_raw() {
        let r = Response::parse(br#"{"t":3,"r":[{"b": 1.50,"a":2}, [1 ,2]],"n":[1,99]}"#).unwrap();
        assert_eq!(r.response_type, ResponseType::SuccessPartial);
        assert_eq!(r.rows[0].get(), r#"{"b": 1.50,"a":2}"#);
        assert_eq!(r.rows[1].get(), "[1 ,2]");
        assert_eq!(r.notes, vec![ResponseNote::SequenceFeed]);
        assert_eq!(r.feed(), Some(ResponseNote::SequenceFeed));
        assert!(!r.is_final());
        assert!(r.server_error().is_none());
    }

    #[test]
    fn runtime_error_is_data() {
        let r = Response::parse(
            br#"{"t":18,"e":3000000,"r":["Expected type NUMBER but found STRING."],"b":[0,"index",1]}"#,
        )
        .unwrap();
        let e = r.server_error().unwrap();
        assert_eq!(e.response_type, ResponseType::RuntimeError);
        assert_eq!(e.error_type, Some(ErrorType::QueryLogic));
        assert_eq!(e.message, "Expected type NUMBER but found STRING.");
        assert_eq!(
            e.backtrace,
            vec![Frame::Pos(0), Frame::Opt("index".into()), Frame::Pos(1)]
        );
        assert_eq!(e.class_name(), "ReqlQueryLogicError");
        assert_eq!(
            e.to_string(),
            "ReqlQueryLogicError: Expected type NUMBER but found STRING."
        );
    }

    #[test]
    fn profile_is_kept() {
        let r = Response::parse(br#"{"t":1,"r":[5],"p":[{"description":"x"}]}"#).unwrap();
        assert_eq!(r.profile.unwrap().get(), r#"[{"description":"x"}]"#);
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            Response::parse(b"\x16\x03\x01"),
            Err(ResponseError::Json(_))
        ));
        assert!(matches!(
            Response::parse(b"[1]"),
            Err(ResponseError::Json(_))
        ));
        assert_eq!(
            Response::parse(br#"{"t":99,"r":[]}"#).unwrap_err(),
            ResponseError::UnknownType(99)
        );
        assert_eq!(
            Response::parse(br#"{"t":18,"r":["x"],"b":[{}]}"#).unwrap_err(),
            ResponseError::Backtrace
        );
    }

    #[test]
    fn builders_round_trip() {
        let cases = [
            Response::atom(to_row(&json!({"a": [1, 2]}))),
            Response::partial(vec![to_row(&json!(1)), to_row(&json!("x"))])
                .with_notes(vec![ResponseNote::AtomFeed]),
            Response::sequence(vec![]).with_profile(to_row(&json!([]))),
            Response::wait_complete(),
            Response::server_info(to_row(&json!({"id": "u", "name": "n", "proxy": false}))),
            Response::error(
                ResponseType::RuntimeError,
                Some(ErrorType::NonExistence),
                "No attribute `a`.",
                vec![Frame::Pos(1), Frame::Opt("k".into())],
            ),
        ];
        for r in cases {
            let back = Response::parse(&r.body()).unwrap();
            assert_eq!(back.response_type, r.response_type);
            assert_eq!(
                back.rows.iter().map(|x| x.get()).collect::<Vec<_>>(),
                r.rows.iter().map(|x| x.get()).collect::<Vec<_>>()
            );
            assert_eq!(back.error_type, r.error_type);
            assert_eq!(back.backtrace, r.backtrace);
            assert_eq!(back.notes, r.notes);
            assert_eq!(
                back.profile.map(|p| p.get().to_owned()),
                r.profile.map(|p| p.get().to_owned())
            );
        }
        assert_eq!(
            String::from_utf8(Response::atom(to_row(&json!(1))).body()).unwrap(),
            r#"{"t":1,"r":[1]}"#
        );
        assert_eq!(
            String::from_utf8(Response::partial(vec![to_row(&json!(1))]).body()).unwrap(),
            r#"{"t":3,"r":[1],"n":[]}"#
        );
    }
}
