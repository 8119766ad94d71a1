//! Response frames written straight into the output buffer, and the batching of streams.
//!
//! Rows are serialized one by one into the frame (`serde_json::to_writer`), never collected
//! as strings first, and a stream is pulled only as far as the current batch needs.

use std::collections::VecDeque;
use std::io::Write;

use serde_json::{Map, Value};

use crate::protocol::MAX_FRAME_LEN;
use crate::protocol::frame::HEADER_LEN;
use crate::sandbox::{ErrorKind, ReqlError, RowStream};

/// SUCCESS_ATOM.
pub const SUCCESS_ATOM: u8 = 1;
/// SUCCESS_SEQUENCE.
pub const SUCCESS_SEQUENCE: u8 = 2;
/// SUCCESS_PARTIAL.
pub const SUCCESS_PARTIAL: u8 = 3;
/// WAIT_COMPLETE.
pub const WAIT_COMPLETE: u8 = 4;
/// SERVER_INFO.
pub const SERVER_INFO: u8 = 5;
/// CLIENT_ERROR.
pub const CLIENT_ERROR: u64 = 16;
/// RUNTIME_ERROR's RESOURCE_LIMIT error type.
const RESOURCE_LIMIT: u64 = 2_000_000;

/// The server's default batch size in bytes.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 1024 * 1024;
/// The server shrinks the first batch by this factor so that the first rows arrive quickly.
pub const DEFAULT_FIRST_BATCH_SCALEDOWN: usize = 4;

/// How big a batch may grow, from the global optargs of the START.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// `max_batch_rows` (unbounded by default, as on the server).
    pub max_rows: usize,
    /// `max_batch_bytes` (1 MiB by default).
    pub max_bytes: usize,
    /// `first_batch_scaledown_factor` (4 by default).
    pub first_scaledown: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_rows: usize::MAX,
            max_bytes: DEFAULT_MAX_BATCH_BYTES,
            first_scaledown: DEFAULT_FIRST_BATCH_SCALEDOWN,
        }
    }
}

impl BatchLimits {
    /// Reads the batch optargs; values that are not positive numbers keep the default.
    pub fn from_optargs(optargs: &Map<String, Value>) -> BatchLimits {
        let number = |key: &str| {
            optargs
                .get(key)
                .and_then(Value::as_f64)
                .filter(|n| *n >= 1.0)
                // Saturating float-to-int conversion: huge values mean "no limit".
                .map(|n| n as usize)
        };
        let d = BatchLimits::default();
        BatchLimits {
            max_rows: number("max_batch_rows").unwrap_or(d.max_rows),
            max_bytes: number("max_batch_bytes").unwrap_or(d.max_bytes),
            first_scaledown: number("first_batch_scaledown_factor").unwrap_or(d.first_scaledown),
        }
    }

    /// The byte budget of a batch (the first one is smaller).
    pub fn bytes(&self, first: bool) -> usize {
        if first {
            (self.max_bytes / self.first_scaledown.max(1)).max(1)
        } else {
            self.max_bytes
        }
    }
}

/// Starts a frame: header placeholder, `{"t":T,"r":[`. Returns where the frame starts.
fn open(buf: &mut Vec<u8>, token: u64, t: u8) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&token.to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.extend_from_slice(b"{\"t\":");
    buf.extend_from_slice(t.to_string().as_bytes());
    buf.extend_from_slice(b",\"r\":[");
    start
}

/// Ends the rows, adds `p` and `n`, closes the object and fills in the length.
///
/// A body over the protocol limit is replaced by the server's RESOURCE_LIMIT error.
fn close(buf: &mut Vec<u8>, start: usize, profile: Option<&Value>, notes: Option<&[u64]>) {
    buf.push(b']');
    if let Some(p) = profile {
        buf.extend_from_slice(b",\"p\":");
        write_value(buf, p);
    }
    if let Some(notes) = notes {
        buf.extend_from_slice(b",\"n\":[");
        for (i, n) in notes.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(n.to_string().as_bytes());
        }
        buf.push(b']');
    }
    buf.push(b'}');
    let len = buf.len() - start - HEADER_LEN;
    if len > MAX_FRAME_LEN {
        let token = token_at(buf, start);
        buf.truncate(start);
        runtime_error_code(
            buf,
            token,
            RESOURCE_LIMIT,
            &format!("Response size ({len}) greater than maximum ({MAX_FRAME_LEN})."),
            &[],
        );
        return;
    }
    // Cannot truncate: checked against MAX_FRAME_LEN above.
    buf[start + 8..start + HEADER_LEN].copy_from_slice(&(len as u32).to_le_bytes());
}

fn token_at(buf: &[u8], start: usize) -> u64 {
    let mut t = [0u8; 8];
    t.copy_from_slice(&buf[start..start + 8]);
    u64::from_le_bytes(t)
}

fn write_value(buf: &mut Vec<u8>, v: &Value) {
    // Documents nest deeper than serde_json's recursive writer can go on a worker's stack.
    crate::nesting::write_json(v, buf);
}

/// SUCCESS_ATOM with one value.
pub fn atom(buf: &mut Vec<u8>, token: u64, value: &Value, profile: Option<&Value>) {
    let start = open(buf, token, SUCCESS_ATOM);
    write_value(buf, value);
    close(buf, start, profile, None);
}

/// A frame with no rows: SUCCESS_SEQUENCE `[]` (with notes) or WAIT_COMPLETE.
pub fn empty(buf: &mut Vec<u8>, token: u64, t: u8) {
    let start = open(buf, token, t);
    let notes: Option<&[u64]> = (t == SUCCESS_SEQUENCE || t == SUCCESS_PARTIAL).then_some(&[]);
    close(buf, start, None, notes);
}

/// SERVER_INFO with the server's `{"id","name","proxy"}`.
pub fn server_info(buf: &mut Vec<u8>, token: u64, info: &Value) {
    let start = open(buf, token, SERVER_INFO);
    write_value(buf, info);
    close(buf, start, None, None);
}

/// CLIENT_ERROR with a message (no error type, empty backtrace, as the server sends it).
pub fn client_error(buf: &mut Vec<u8>, token: u64, message: &str) {
    error_frame(buf, token, CLIENT_ERROR, None, message, &[]);
}

/// The error response for an evaluator error: COMPILE_ERROR or RUNTIME_ERROR with `e`, and `b`.
pub fn reql_error(buf: &mut Vec<u8>, token: u64, err: &ReqlError) {
    let t = err.kind.response_type();
    let e = match err.kind {
        ErrorKind::Runtime(ty) => Some(ty.code()),
        _ => None,
    };
    error_frame(buf, token, t, e, &err.message, &err.backtrace);
}

fn runtime_error_code(buf: &mut Vec<u8>, token: u64, code: u64, message: &str, bt: &[Value]) {
    error_frame(buf, token, 18, Some(code), message, bt);
}

fn error_frame(
    buf: &mut Vec<u8>,
    token: u64,
    t: u64,
    e: Option<u64>,
    message: &str,
    backtrace: &[Value],
) {
    let start = buf.len();
    buf.extend_from_slice(&token.to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    // The server writes `t`, then `e` (runtime errors only), `r`, `b`.
    let _ = write!(buf, "{{\"t\":{t},");
    if let Some(e) = e {
        let _ = write!(buf, "\"e\":{e},");
    }
    buf.extend_from_slice(b"\"r\":[");
    write_value(buf, &Value::from(message));
    buf.extend_from_slice(b"],\"b\":");
    write_value(buf, &Value::Array(backtrace.to_vec()));
    buf.push(b'}');
    let len = buf.len() - start - HEADER_LEN;
    // An error message is never near the frame limit; saturate rather than wrap if it were.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    buf[start + 8..start + HEADER_LEN].copy_from_slice(&len.to_le_bytes());
}

/// Writes up to the limits of rows from `rows` as one SUCCESS_PARTIAL frame of a feed.
pub fn feed_batch(
    buf: &mut Vec<u8>,
    token: u64,
    rows: &mut VecDeque<Value>,
    limits: &BatchLimits,
    first: bool,
    notes: &[u64],
    profile: Option<&Value>,
) {
    let start = open(buf, token, SUCCESS_PARTIAL);
    let body = buf.len();
    let budget = limits.bytes(first);
    let mut n = 0;
    while n < limits.max_rows && (n == 0 || buf.len() - body < budget) {
        let Some(row) = rows.pop_front() else { break };
        if n > 0 {
            buf.push(b',');
        }
        write_value(buf, &row);
        crate::nesting::dispose(row);
        n += 1;
    }
    close(buf, start, profile, Some(notes));
}

/// Pulls a stream batch by batch; remembers an error met while looking ahead.
pub struct Pager {
    stream: RowStream,
    /// One row pulled ahead to learn whether the stream has ended.
    ahead: Option<Value>,
    /// An error met while looking ahead: reported at the next batch, as the server would.
    failed: Option<ReqlError>,
    done: bool,
    first: bool,
}

impl Pager {
    /// A pager over a stream that has not been read yet.
    pub fn new(stream: RowStream) -> Pager {
        Pager {
            stream,
            ahead: None,
            failed: None,
            done: false,
            first: true,
        }
    }

    fn pull(&mut self) -> Result<Option<Value>, ReqlError> {
        if let Some(v) = self.ahead.take() {
            return Ok(Some(v));
        }
        if self.done {
            return Ok(None);
        }
        // One row at a time: an error is reported exactly where the server would meet it.
        let (mut rows, done) = self.stream.next_batch(1)?;
        self.done = done;
        Ok(rows.pop())
    }

    /// Writes the next batch as a frame; `Ok(true)` when it is the last (SUCCESS_SEQUENCE).
    ///
    /// On an error nothing is written; the caller answers with the error.
    pub fn next_frame(
        &mut self,
        buf: &mut Vec<u8>,
        token: u64,
        limits: &BatchLimits,
        profile: Option<&Value>,
    ) -> Result<bool, ReqlError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let start = open(buf, token, SUCCESS_PARTIAL);
        let body = buf.len();
        let budget = limits.bytes(self.first);
        self.first = false;
        let mut n = 0;
        while n < limits.max_rows && (n == 0 || buf.len() - body < budget) {
            let row = match self.pull() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => {
                    buf.truncate(start);
                    return Err(e);
                }
            };
            if n > 0 {
                buf.push(b',');
            }
            write_value(buf, &row);
            // Rows may nest 100,000 deep: no recursive drop on a worker's stack.
            crate::nesting::dispose(row);
            n += 1;
        }
        // Look one row ahead so that the last batch is SUCCESS_SEQUENCE, not an empty one after.
        if self.ahead.is_none() && !self.done {
            match self.pull() {
                Ok(next) => self.ahead = next,
                Err(e) => self.failed = Some(e),
            }
        }
        let last = self.ahead.is_none() && self.done && self.failed.is_none();
        if last {
            // The type digit sits right after `{"t":`.
            buf[start + HEADER_LEN + 5] = b'0' + SUCCESS_SEQUENCE;
        }
        close(buf, start, profile, Some(&[]));
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{FrameDecoder, Response, ResponseType, TermType as T};
    use crate::sandbox::Sandbox;
    use serde_json::json;

    fn parse(buf: &[u8]) -> Vec<Response> {
        let mut d = FrameDecoder::new();
        d.extend(buf);
        let mut out = Vec::new();
        while let Some((_, body)) = d.next_frame().unwrap() {
            out.push(Response::parse(&body).unwrap());
        }
        out
    }

    fn stream(n: u64) -> RowStream {
        let sandbox = Sandbox::new();
        match sandbox
            .start(&json!([T::Range, [n]]), &Map::new())
            .unwrap()
            .outcome
        {
            crate::sandbox::Outcome::Sequence(s) => s,
            _ => panic!("range is a stream"),
        }
    }

    #[test]
    fn pages_by_rows_and_ends_without_an_empty_batch() {
        let mut pager = Pager::new(stream(7));
        let limits = BatchLimits {
            max_rows: 3,
            ..BatchLimits::default()
        };
        let mut buf = Vec::new();
        let mut lasts = Vec::new();
        for _ in 0..3 {
            lasts.push(pager.next_frame(&mut buf, 9, &limits, None).unwrap());
        }
        assert_eq!(lasts, [false, false, true]);
        let rs = parse(&buf);
        let types: Vec<_> = rs.iter().map(|r| r.response_type).collect();
        assert_eq!(
            types,
            [
                ResponseType::SuccessPartial,
                ResponseType::SuccessPartial,
                ResponseType::SuccessSequence
            ]
        );
        let rows: Vec<String> = rs
            .iter()
            .flat_map(|r| r.rows.iter().map(|x| x.get().to_owned()))
            .collect();
        assert_eq!(rows, ["0", "1", "2", "3", "4", "5", "6"]);
    }

    #[test]
    fn exact_multiple_ends_on_the_last_full_batch() {
        let mut pager = Pager::new(stream(6));
        let limits = BatchLimits {
            max_rows: 3,
            ..BatchLimits::default()
        };
        let mut buf = Vec::new();
        assert!(!pager.next_frame(&mut buf, 1, &limits, None).unwrap());
        assert!(pager.next_frame(&mut buf, 1, &limits, None).unwrap());
    }

    #[test]
    fn byte_budget_bounds_a_batch_and_the_first_is_smaller() {
        let mut pager = Pager::new(stream(100_000));
        let limits = BatchLimits {
            max_bytes: 4000,
            ..BatchLimits::default()
        };
        let mut buf = Vec::new();
        pager.next_frame(&mut buf, 1, &limits, None).unwrap();
        let first = buf.len();
        assert!(first < 1100, "first batch {first} bytes");
        pager.next_frame(&mut buf, 1, &limits, None).unwrap();
        let second = buf.len() - first;
        assert!(
            (4000..4200).contains(&second),
            "second batch {second} bytes"
        );
    }

    #[test]
    fn errors_and_atoms_have_the_server_shape() {
        let mut buf = Vec::new();
        let err = ReqlError::non_existence("No attribute `x`.").at(json!(1));
        reql_error(&mut buf, 3, &err);
        let body = &buf[HEADER_LEN..];
        assert_eq!(
            std::str::from_utf8(body).unwrap(),
            r#"{"t":18,"e":3100000,"r":["No attribute `x`."],"b":[1]}"#
        );
        buf.clear();
        atom(&mut buf, 3, &json!({"a": 1}), Some(&json!([])));
        assert_eq!(
            std::str::from_utf8(&buf[HEADER_LEN..]).unwrap(),
            r#"{"t":1,"r":[{"a":1}],"p":[]}"#
        );
        buf.clear();
        empty(&mut buf, 3, SUCCESS_SEQUENCE);
        assert_eq!(
            std::str::from_utf8(&buf[HEADER_LEN..]).unwrap(),
            r#"{"t":2,"r":[],"n":[]}"#
        );
    }

    #[test]
    fn limits_come_from_optargs() {
        let mut m = Map::new();
        m.insert("max_batch_rows".into(), json!(3));
        m.insert("max_batch_bytes".into(), json!("x"));
        let l = BatchLimits::from_optargs(&m);
        assert_eq!(l.max_rows, 3);
        assert_eq!(l.max_bytes, DEFAULT_MAX_BATCH_BYTES);
    }
}
