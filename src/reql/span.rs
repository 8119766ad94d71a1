//! Byte ranges in the source text and the map from wire-term positions back to them.

use serde_json::Value;

/// A byte range `start..end` in the source text given to [`super::compile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The text of this span in `src` (empty when out of range).
    pub fn text(self, src: &str) -> &str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// For every node of a compiled term, the source span it came from; mirrors the wire term
/// (positional arguments in wire order, optargs or object-literal keys by name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpanMap {
    /// Span of this node.
    pub span: Span,
    /// Children for the positional arguments `term[1][n]`.
    pub args: Vec<SpanMap>,
    /// Children for optargs `term[2][key]`, or the keys of an object literal.
    pub optargs: Vec<(String, SpanMap)>,
}

impl SpanMap {
    /// A leaf node.
    pub fn leaf(span: Span) -> Self {
        SpanMap {
            span,
            args: Vec::new(),
            optargs: Vec::new(),
        }
    }

    /// The span of the deepest node a backtrace reaches: numbers index positional arguments,
    /// strings name optargs or object keys; a frame that leads nowhere stops the walk.
    pub fn resolve(&self, frames: &[Value]) -> Span {
        let mut node = self;
        for frame in frames {
            let next = match Frame::of(frame) {
                Some(Frame::Pos(i)) => node.args.get(i),
                Some(Frame::Opt(k)) => node
                    .optargs
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, m)| m),
                None => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span
    }
}

/// One frame of a server backtrace, decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Frame<'a> {
    /// A positional argument, by index.
    Pos(usize),
    /// An optarg or object-literal key, by name.
    Opt(&'a str),
}

impl<'a> Frame<'a> {
    /// A number is a position, a string a key; drivers also accept frames written as
    /// `{"type": 1|2, "pos": n, "opt": k}`. Anything else leads nowhere.
    pub(crate) fn of(v: &'a Value) -> Option<Self> {
        let pos = |n: &serde_json::Number| {
            n.as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .map(Frame::Pos)
        };
        match v {
            Value::Number(n) => pos(n),
            Value::String(k) => Some(Frame::Opt(k)),
            Value::Object(o) => match (o.get("pos"), o.get("opt")) {
                (Some(Value::Number(n)), _) => pos(n),
                (_, Some(Value::String(k))) => Some(Frame::Opt(k)),
                _ => None,
            },
            _ => None,
        }
    }
}
