//! Responses `{"t","r","e","b","p","n"}`: the client-side parse (rows kept as raw JSON) and the
//! server-side builders.

use std::fmt;
use std::ops::Range;

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
    /// The error a response of this type carries, its message read from the first row (a
    /// JSON string, or kept as written when it is not one).
    fn of(
        response_type: ResponseType,
        error_type: Option<ErrorType>,
        backtrace: &[Frame],
        first_row: Option<&str>,
    ) -> Option<ServerError> {
        if !response_type.is_error() {
            return None;
        }
        let message = match first_row {
            Some(r) => match serde_json::from_str::<Value>(r) {
                Ok(Value::String(s)) => s,
                _ => r.to_owned(),
            },
            None => String::from("the server reported an error without a message"),
        };
        Some(ServerError {
            response_type,
            error_type,
            message,
            backtrace: backtrace.to_vec(),
        })
    }

    /// The driver class name, as the JS driver reports it (`ReqlQueryLogicError`, ...).
    pub fn class_name(&self) -> &'static str {
        match (self.response_type, self.error_type) {
            (ResponseType::ClientError, _) => "ReqlClientError",
            (ResponseType::CompileError, _) => "ReqlCompileError",
            (_, Some(e)) => e.js_class(),
            _ => "ReqlRuntimeError",
        }
    }

    /// The backtrace as wire JSON frames (argument indexes and optarg keys), the form
    /// `reql::Query::span_of` maps back to source text.
    pub fn backtrace_json(&self) -> Vec<serde_json::Value> {
        self.backtrace
            .iter()
            .map(|f| match f {
                Frame::Pos(i) => serde_json::Value::from(*i),
                Frame::Opt(k) => serde_json::Value::from(k.as_str()),
            })
            .collect()
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
    /// Parses a response body, checking every row is valid JSON.
    pub fn parse(body: &[u8]) -> Result<Response, ResponseError> {
        RawResponse::parse(body.to_vec())?.into_response()
    }

    /// The error carried by this response, if it is one.
    pub fn server_error(&self) -> Option<ServerError> {
        let first = self.rows.first().map(|r| r.get());
        ServerError::of(self.response_type, self.error_type, &self.backtrace, first)
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

/// A response as the client reads it: the body kept whole, rows as byte ranges into it.
///
/// Rows are located by a structural scan (strings, escapes, bracket nesting), not validated
/// as JSON, so passing them through costs no per-row allocation; [`RawResponse::into_response`]
/// validates each row when a [`Response`] is wanted.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The `t` field.
    pub response_type: ResponseType,
    /// The `e` field (RUNTIME_ERROR only).
    pub error_type: Option<ErrorType>,
    /// The `b` field (errors only).
    pub backtrace: Vec<Frame>,
    /// The `n` field; unknown notes are dropped.
    pub notes: Vec<ResponseNote>,
    body: String,
    rows: Vec<Range<usize>>,
    profile: Option<Range<usize>>,
    line_breaks: bool,
}

impl RawResponse {
    /// Parses a response body, taking ownership of it.
    pub fn parse(body: Vec<u8>) -> Result<RawResponse, ResponseError> {
        let body = String::from_utf8(body)
            .map_err(|_| ResponseError::Json("invalid UTF-8 in the response".into()))?;
        let b = body.as_bytes();
        let mut s = Scanner {
            b,
            i: 0,
            line_breaks: false,
        };
        s.ws();
        s.expect(b'{', "expected a JSON object")?;
        let mut t = None;
        let mut rows = Vec::new();
        let mut error_type = None;
        let mut backtrace = Vec::new();
        let mut profile = None;
        let mut notes = Vec::new();
        s.ws();
        if s.peek() == Some(b'}') {
            s.i += 1;
        } else {
            loop {
                s.ws();
                let key = s.string()?;
                s.ws();
                s.expect(b':', "expected `:` after a key")?;
                s.ws();
                match b.get(key.start + 1..key.end - 1).unwrap_or_default() {
                    b"r" => {
                        rows.clear();
                        s.array_items(&mut rows)?;
                    }
                    key => {
                        let start = s.i;
                        s.value()?;
                        let text = body.get(start..s.i).unwrap_or_default();
                        match key {
                            b"t" => t = Some(json::<i64>(text)?),
                            b"e" => error_type = json::<Option<i64>>(text)?,
                            b"b" => backtrace = parse_backtrace(json(text)?)?,
                            b"p" => profile = (text != "null").then_some(start..s.i),
                            b"n" => notes = json::<Option<Vec<i64>>>(text)?.unwrap_or_default(),
                            _ => {}
                        }
                    }
                }
                s.ws();
                match s.next() {
                    Some(b',') => {}
                    Some(b'}') => break,
                    _ => return Err(s.error("expected `,` or `}` in the response object")),
                }
            }
        }
        s.ws();
        if s.i != b.len() {
            return Err(s.error("trailing characters after the response object"));
        }
        let Some(t) = t else {
            return Err(ResponseError::Json("missing field `t`".into()));
        };
        let response_type = ResponseType::from_i64(t).ok_or(ResponseError::UnknownType(t))?;
        // An atom is its one value: without it there is no result to show, and printing
        // nothing would pass for success.
        if response_type == ResponseType::SuccessAtom && rows.len() != 1 {
            return Err(ResponseError::Json(format!(
                "SUCCESS_ATOM with {} values in `r` (it must hold exactly one)",
                rows.len()
            )));
        }
        Ok(RawResponse {
            response_type,
            error_type: error_type.and_then(ErrorType::from_i64),
            backtrace,
            notes: notes
                .into_iter()
                .filter_map(ResponseNote::from_i64)
                .collect(),
            line_breaks: s.line_breaks,
            body,
            rows,
            profile,
        })
    }

    /// How many rows the `r` field holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when `r` is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i` as the server wrote it.
    pub fn row(&self, i: usize) -> Option<&str> {
        self.rows.get(i).and_then(|r| self.body.get(r.clone()))
    }

    /// Every row as the server wrote it, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        // Ranges come from the scan of this very body, on ASCII structural bytes, so they are
        // always in bounds and on character boundaries; `""` only guards the impossible.
        self.rows
            .iter()
            .map(|r| self.body.get(r.clone()).unwrap_or_default())
    }

    /// Keeps only the first `n` rows.
    pub fn truncate(&mut self, n: usize) {
        self.rows.truncate(n);
    }

    /// True when some row spans lines (raw line breaks between tokens), so a one-line output
    /// format must minify it; the server never sends such rows, so the scan notes it once per body.
    pub fn has_line_breaks(&self) -> bool {
        self.line_breaks
    }

    /// The rows as lines, taken out of the body: when the rows are one byte apart (a compact
    /// array, as servers write it) and hold no line break, each separator becomes a newline and
    /// the bytes to write are `bytes[range]`, with no copy; the response is left empty. `None`
    /// (and the response untouched) otherwise.
    pub fn take_lines(&mut self) -> Option<(Vec<u8>, Range<usize>)> {
        let (Some(first), Some(last)) = (self.rows.first(), self.rows.last()) else {
            return Some((Vec::new(), 0..0));
        };
        let tight = self.rows.windows(2).all(|w| match w {
            [a, b] => b.start == a.end + 1,
            _ => false,
        });
        // The byte after the last row is `]` or whitespace: it becomes the final newline.
        if !tight || self.line_breaks || last.end >= self.body.len() {
            return None;
        }
        let range = first.start..last.end + 1;
        let mut bytes = std::mem::take(&mut self.body).into_bytes();
        for r in self.rows.drain(..) {
            if let Some(b) = bytes.get_mut(r.end) {
                *b = b'\n';
            }
        }
        self.profile = None;
        Some((bytes, range))
    }

    /// The `p` field as raw JSON, when the query ran with `profile: true`.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_ref().and_then(|r| self.body.get(r.clone()))
    }

    /// True when no more responses follow for this token (everything but SUCCESS_PARTIAL).
    pub fn is_final(&self) -> bool {
        self.response_type != ResponseType::SuccessPartial
    }

    /// The first changefeed note, if this response belongs to a feed.
    pub fn feed(&self) -> Option<ResponseNote> {
        self.notes.iter().copied().find(|n| n.is_feed())
    }

    /// The error carried by this response, if it is one.
    pub fn server_error(&self) -> Option<ServerError> {
        ServerError::of(
            self.response_type,
            self.error_type,
            &self.backtrace,
            self.row(0),
        )
    }

    /// Validates every row as JSON and turns this into a [`Response`].
    pub fn into_response(self) -> Result<Response, ResponseError> {
        let to_raw = |text: &str| {
            RawValue::from_string(text.to_owned()).map_err(|e| ResponseError::Json(e.to_string()))
        };
        let rows = self.rows().map(to_raw).collect::<Result<Vec<_>, _>>()?;
        let profile = self.profile().map(to_raw).transpose()?;
        Ok(Response {
            response_type: self.response_type,
            rows,
            error_type: self.error_type,
            backtrace: self.backtrace,
            profile,
            notes: self.notes,
        })
    }
}

fn json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, ResponseError> {
    serde_json::from_str(text).map_err(|e| ResponseError::Json(e.to_string()))
}

fn parse_backtrace(frames: Option<Vec<Value>>) -> Result<Vec<Frame>, ResponseError> {
    frames
        .unwrap_or_default()
        .into_iter()
        .map(|f| match f {
            Value::Number(n) => n.as_u64().map(Frame::Pos).ok_or(ResponseError::Backtrace),
            Value::String(s) => Ok(Frame::Opt(s)),
            _ => Err(ResponseError::Backtrace),
        })
        .collect()
}

/// Bytes that end a run of plain string content: quote, backslash, control characters.
const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// High bits marking exactly the zero bytes of `x`.
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOWS) + LOWS) | x | LOWS)
}

/// Nonzero when some byte of `w` is below `n` (`n` ≤ 0x80); a cheap test before exact ones.
fn lt_mask(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// The containers open at a point of the scan: whether each is an object, one bit per depth.
///
/// Any depth is accepted (servers store and return documents nested 100,000 deep): the first
/// 128 levels live in a register, deeper ones spill to the heap.
#[derive(Default)]
struct OpenBrackets {
    low: u128,
    high: Vec<u64>,
    depth: usize,
}

impl OpenBrackets {
    #[inline]
    fn push(&mut self, object: bool) {
        if self.depth < 128 {
            let bit = 1u128 << self.depth;
            self.low = if object {
                self.low | bit
            } else {
                self.low & !bit
            };
        } else {
            self.push_high(object);
        }
        self.depth += 1;
    }

    #[cold]
    fn push_high(&mut self, object: bool) {
        let d = self.depth - 128;
        let (word, bit) = (d / 64, 1u64 << (d % 64));
        if self.high.len() <= word {
            self.high.push(0);
        }
        if let Some(w) = self.high.get_mut(word) {
            *w = if object { *w | bit } else { *w & !bit };
        }
    }

    /// Closes the innermost container; false when none is open or it is of the other kind.
    #[inline]
    fn pop(&mut self, object: bool) -> bool {
        let Some(d) = self.depth.checked_sub(1) else {
            return false;
        };
        self.depth = d;
        let was_object = if d < 128 {
            self.low >> d & 1 == 1
        } else {
            let d = d - 128;
            self.high
                .get(d / 64)
                .is_some_and(|w| w >> (d % 64) & 1 == 1)
        };
        was_object == object
    }
}

/// A cursor over a body that finds where values start and end without building them.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// A raw line break was seen inside a container.
    line_breaks: bool,
}

impl Scanner<'_> {
    fn error(&self, what: &str) -> ResponseError {
        ResponseError::Json(format!("{what} at byte {}", self.i))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), ResponseError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// A string starting here; returns its range, quotes included.
    fn string(&mut self) -> Result<Range<usize>, ResponseError> {
        let start = self.i;
        self.expect(b'"', "expected a string")?;
        self.string_rest()?;
        Ok(start..self.i)
    }

    /// The rest of a string whose opening quote is consumed.
    fn string_rest(&mut self) -> Result<(), ResponseError> {
        let b = self.b;
        let mut i = self.i;
        loop {
            let rest = b.get(i..).unwrap_or_default();
            let Some(k) = rest.iter().position(|&c| STRING_STOP[c as usize]) else {
                self.i = b.len();
                return Err(self.error("unterminated string"));
            };
            i += k + 1;
            match rest.get(k) {
                Some(b'"') => break,
                // An escape takes the next byte whatever it is (`\"`, `\\`); the rest of a
                // `\uXXXX` is plain.
                Some(b'\\') => i += 1,
                _ => {
                    self.i = i - 1;
                    return Err(self.error("control character in a string"));
                }
            }
        }
        self.i = i;
        Ok(())
    }

    /// Skips one value of any kind starting here.
    fn value(&mut self) -> Result<(), ResponseError> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                self.string_rest()
            }
            Some(b'{' | b'[') => self.container(),
            _ => self.scalar(),
        }
    }

    /// A number, `true`, `false` or `null`: everything up to the next delimiter.
    fn scalar(&mut self) -> Result<(), ResponseError> {
        let start = self.i;
        self.i = crate::nesting::scalar_end(self.b, start);
        if self.i == start {
            return Err(self.error("expected a JSON value"));
        }
        Ok(())
    }

    /// An object or array starting here, with every nested bracket matched.
    ///
    /// Eight bytes at a time: a word's quotes, backslashes and brackets are found at once as
    /// bit masks and only those bytes are looked at, in order.
    fn container(&mut self) -> Result<(), ResponseError> {
        let b = self.b;
        let mut open = OpenBrackets::default();
        let mut in_string = false;
        // A backslash ended the previous word: this word's first byte is escaped.
        let mut escaped_first = false;
        let mut base = self.i;
        while let Some(chunk) = b.get(base..).filter(|c| !c.is_empty()) {
            let w = match chunk.first_chunk::<8>() {
                Some(c) => u64::from_le_bytes(*c),
                None => {
                    // The tail, padded with spaces (never structural).
                    let mut word = [b' '; 8];
                    for (d, s) in word.iter_mut().zip(chunk) {
                        *d = *s;
                    }
                    u64::from_le_bytes(word)
                }
            };
            // Bracket candidates in one test: `| 0x20` maps `[` `]` onto `{` `}` (0x7b, 0x7d),
            // and ignoring bits 1 and 2 also lets in `y` `Y` `_` DEL, which valid JSON has only
            // inside strings (masked out below); any that shows up is skipped by value.
            let folded = w | (ONES * 0x20);
            let quotes = zero_bytes(w ^ (ONES * u64::from(b'"')));
            let brackets = zero_bytes((folded ^ (ONES * u64::from(b'{'))) & (ONES * 0xf9));
            // One cheap test for the rare words with a backslash or a control byte.
            let unusual = lt_mask(w, 0x20) | lt_mask(w ^ (ONES * u64::from(b'\\')), 1);
            if unusual == 0 && !escaped_first {
                // No escapes: quotes alternate, so a prefix XOR of the quote marks says which
                // bytes are inside strings (the opening quote counts as inside, the closing
                // one not), and only the brackets outside them need a look.
                let mut inside = quotes;
                inside ^= inside << 8;
                inside ^= inside << 16;
                inside ^= inside << 32;
                if in_string {
                    inside ^= HIGHS;
                }
                in_string = inside >> 63 == 1;
                let mut m = brackets & !inside;
                while m != 0 {
                    let k = (m.trailing_zeros() / 8) as usize;
                    m &= m - 1;
                    let c = (w >> (k * 8)) as u8;
                    if c == b'{' || c == b'[' {
                        open.push(c == b'{');
                    } else if c == b'}' || c == b']' {
                        self.i = base + k;
                        if !open.pop(c == b'}') {
                            return Err(self.error("unbalanced or mismatched bracket"));
                        }
                        if open.depth == 0 {
                            self.i += 1;
                            return Ok(());
                        }
                    }
                }
                base += 8;
                continue;
            }
            if zero_bytes(w ^ (ONES * 0x0a)) | zero_bytes(w ^ (ONES * 0x0d)) != 0 {
                self.line_breaks = true;
            }
            let backslashes = zero_bytes(w ^ (ONES * u64::from(b'\\')));
            let mut m = quotes | backslashes | brackets;
            if escaped_first {
                m &= !0x80;
                escaped_first = false;
            }
            while m != 0 {
                let k = (m.trailing_zeros() / 8) as usize;
                m &= m - 1;
                let c = (w >> (k * 8)) as u8;
                if in_string {
                    match c {
                        b'"' => in_string = false,
                        b'\\' if k == 7 => escaped_first = true,
                        b'\\' => m &= !(0x80u64 << ((k + 1) * 8)),
                        _ => {}
                    }
                    continue;
                }
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => open.push(c == b'{'),
                    b'}' | b']' => {
                        self.i = base + k;
                        if !open.pop(c == b'}') {
                            return Err(self.error("unbalanced or mismatched bracket"));
                        }
                        if open.depth == 0 {
                            self.i += 1;
                            return Ok(());
                        }
                    }
                    b'\\' => {
                        self.i = base + k;
                        return Err(self.error("backslash outside a string"));
                    }
                    _ => {}
                }
            }
            base += 8;
        }
        self.i = b.len();
        Err(self.error("unterminated object or array"))
    }

    /// The elements of an array starting here, as ranges.
    fn array_items(&mut self, out: &mut Vec<Range<usize>>) -> Result<(), ResponseError> {
        self.expect(b'[', "expected `r` to be an array")?;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            let start = self.i;
            self.value()?;
            out.push(start..self.i);
            self.ws();
            match self.next() {
                Some(b',') => {}
                Some(b']') => return Ok(()),
                _ => return Err(self.error("expected `,` or `]` in `r`")),
            }
        }
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

    #[test]
    fn raw_rows_are_slices_of_the_body() {
        let body = r#" { "n" : [] , "r" : [ {"a":"x\"]}","b":[1,{"c":null}]} , "\\" ,-1.5e3, true,[] ,"é[" ] , "t":3 } "#;
        let r = RawResponse::parse(body.as_bytes().to_vec()).unwrap();
        assert_eq!(r.response_type, ResponseType::SuccessPartial);
        assert_eq!(
            r.rows().collect::<Vec<_>>(),
            vec![
                r#"{"a":"x\"]}","b":[1,{"c":null}]}"#,
                r#""\\""#,
                "-1.5e3",
                "true",
                "[]",
                r#""é[""#
            ]
        );
        assert!(!r.has_line_breaks());
        assert_eq!(r.row(6), None);
        let spread =
            RawResponse::parse(b"{\"t\":1,\"r\":[{\"a\":\r\n [1,\n2]}]}".to_vec()).unwrap();
        assert!(spread.has_line_breaks());
        let tabs =
            RawResponse::parse(b"{\"t\":2,\"r\":[{\"a\":\t[\"]\"],\"bb\":\"\\\\\"},2]}".to_vec())
                .unwrap();
        assert_eq!(
            tabs.rows().collect::<Vec<_>>(),
            vec!["{\"a\":\t[\"]\"],\"bb\":\"\\\\\"}", "2"]
        );
        assert!(!tabs.has_line_breaks());
        // Bytes that share the bracket test (`y`, `Y`, `_`, DEL) change nothing.
        let lookalikes = RawResponse::parse(
            b"{\"t\":2,\"r\":[{\"y_Y\x7f\":[\"yY_\"]},{\"a\\\\y_\":1}]}".to_vec(),
        )
        .unwrap();
        assert_eq!(lookalikes.len(), 2);
        let full = r.into_response().unwrap();
        assert_eq!(full.rows.len(), 6);
    }

    #[test]
    fn raw_parse_rejects_malformed_bodies_cleanly() {
        let bad: &[&[u8]] = &[
            b"",
            b"{",
            br#"{"t":3,"r":[1,2"#,
            br#"{"t":3,"r":[{"a":1]]}"#,
            br#"{"t":3,"r":["abc]}"#,
            br#"{"t":3,"r":[1}"#,
            br#"{"t":3,"r":{}}"#,
            br#"{"r":[]}"#,
            // An atom without its value.
            br#"{"t":1}"#,
            br#"{"t":1,"r":[]}"#,
            br#"{"t":1,"r":[1,2]}"#,
            br#"{"t":3,"r":[]} x"#,
            br#"{"t":3,"r":[,]}"#,
            br#"{"t":3,"r":["a\"#,
            b"{\"t\":3,\"r\":[\"\xff\"]}",
            b"{\"t\":3,\"r\":[\"a\nb\"]}",
        ];
        for body in bad {
            assert!(
                RawResponse::parse(body.to_vec()).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(body)
            );
        }
        // Structurally sound but not JSON: the strict parse still refuses it.
        assert!(Response::parse(br#"{"t":1,"r":[tru]}"#).is_err());
    }

    #[test]
    fn rows_of_any_depth_are_found_and_bad_deep_brackets_refused() {
        use crate::nesting::{deep_array_text, deep_object_text};
        for depth in [129, 1_000, 10_000, 100_000] {
            for row in [deep_array_text(depth), deep_object_text(depth)] {
                let body = format!(r#"{{"t":2,"r":[1,{row},{{"b":[2]}}],"n":[]}}"#);
                let raw = RawResponse::parse(body.into_bytes()).unwrap();
                assert_eq!(raw.rows().collect::<Vec<_>>(), ["1", &row, r#"{"b":[2]}"#]);
                let full = raw.into_response().unwrap();
                assert_eq!(full.rows[1].get(), row);
            }
        }
        // Mixed kinds past the register's 128 levels still have to match.
        let mixed: String = (0..300)
            .map(|i| if i % 3 == 0 { "{\"k\":" } else { "[" })
            .collect();
        let closing: String = (0..300)
            .rev()
            .map(|i| if i % 3 == 0 { "}" } else { "]" })
            .collect();
        let good = format!(r#"{{"t":1,"r":[{mixed}0{closing}]}}"#);
        assert!(RawResponse::parse(good.into_bytes()).is_ok());
        let swapped = closing.replacen("]}", "}]", 1);
        let bad = format!(r#"{{"t":1,"r":[{mixed}0{swapped}]}}"#);
        assert!(RawResponse::parse(bad.into_bytes()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn raw_parse_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = RawResponse::parse(body);
        }

        #[test]
        fn raw_rows_match_serde(rows in proptest::collection::vec(json_value(), 0..6)) {
            let body = serde_json::to_vec(&json!({"t": 2, "r": rows, "n": []})).unwrap();
            let raw = RawResponse::parse(body).unwrap();
            let got: Vec<Value> = raw.rows().map(|r| serde_json::from_str(r).unwrap()).collect();
            proptest::prop_assert_eq!(got, rows);
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            r#"[\\"\[\]{}a]{0,8}"#.prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map(r#"[a-z\\"{]{0,3}"#, inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
