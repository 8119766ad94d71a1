//! Compiled terms. Evaluation builds them into one flat [`TermStore`] owned by the session
//! (nodes are plain values in vectors, so building one allocates nothing once the vectors have
//! grown), and a query keeps a preorder copy of its term, a [`FlatTerm`], from which the wire
//! JSON and the span tree are built on demand.

use serde_json::{Map, Number, Value};

use super::span::{Span, SpanMap};

/// Deepest compiled term accepted; deeper terms could not be serialized safely.
pub(crate) const MAX_TERM_DEPTH: u32 = 1000;
/// `VAR`: a function parameter.
pub(crate) const TT_VAR: u32 = 10;
/// `IMPLICIT_VAR` (`r.row`): a term containing it is wrapped in a function by `funcWrap`.
pub(crate) const TT_IMPLICIT_VAR: u32 = 13;

/// A term in a [`TermStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermId(u32);

/// A range of the store's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    start: u32,
    len: u32,
}

/// What a stored node is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// A term with this term type; its children are positional arguments, then optargs.
    Op(u32),
    /// An object literal; its children are the fields.
    Obj,
    Null,
    Bool(bool),
    /// An integral number, as JSON keeps one made from an `i64`.
    Int(i64),
    /// An integral number made from a `u64` (variable ids).
    UInt(u64),
    /// Any other number.
    Float(f64),
    Str(Text),
    /// A datum of another shape (the object of a Buffer): an index into `others`; rare.
    Other(u32),
}

/// One stored term node (`Copy`: a copy with another span costs one push).
#[derive(Debug, Clone, Copy)]
struct Node {
    span: Span,
    kind: Kind,
    /// Children: `kids[first..first + len]`; the first `nargs` are positional.
    first: u32,
    len: u32,
    nargs: u32,
    depth: u32,
    /// Contains IMPLICIT_VAR (`r.row`) anywhere below, as the driver's `ivarScan` finds it.
    ivar: bool,
}

/// A child reference: positional children have no key.
#[derive(Debug, Clone, Copy)]
struct Kid {
    id: TermId,
    key: Option<Text>,
}

/// Why a term could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuildError {
    /// Deeper than [`MAX_TERM_DEPTH`].
    TooDeep,
    /// More terms or text than 32-bit indexes reach.
    Full,
}

/// Lengths of a store's vectors at one moment, to give back what was built after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    nodes: usize,
    kids: usize,
    text: usize,
    others: usize,
}

/// The compiled terms of a session. Terms refer to their children by id, so a term bound to
/// a variable and used many times is stored once.
#[derive(Debug, Default)]
pub(crate) struct TermStore {
    nodes: Vec<Node>,
    kids: Vec<Kid>,
    /// Keys and strings, end to end.
    text: String,
    others: Vec<Value>,
    /// Children of the terms under construction, innermost last (see [`TermStore::open`]).
    pending: Vec<Kid>,
}

fn index(n: usize) -> Result<u32, BuildError> {
    u32::try_from(n).map_err(|_| BuildError::Full)
}

impl TermStore {
    /// Number of stored nodes.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The current lengths, for [`TermStore::truncate`].
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            nodes: self.nodes.len(),
            kids: self.kids.len(),
            text: self.text.len(),
            others: self.others.len(),
        }
    }

    /// Forgets every term built since `mark` (their ids must no longer be in use).
    pub(crate) fn truncate(&mut self, mark: Mark) {
        self.nodes.truncate(mark.nodes);
        self.kids.truncate(mark.kids);
        self.text.truncate(mark.text);
        self.others.truncate(mark.others);
        self.pending.clear();
    }

    fn node(&self, id: TermId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    /// What the term is.
    pub(crate) fn kind(&self, id: TermId) -> Kind {
        self.node(id).map_or(Kind::Null, |n| n.kind)
    }

    /// Its term type, if it is an operation.
    pub(crate) fn tt(&self, id: TermId) -> Option<u32> {
        match self.kind(id) {
            Kind::Op(tt) => Some(tt),
            _ => None,
        }
    }

    /// Whether it contains `r.row`.
    pub(crate) fn ivar(&self, id: TermId) -> bool {
        self.node(id).is_some_and(|n| n.ivar)
    }

    /// Its source span.
    pub(crate) fn span(&self, id: TermId) -> Span {
        self.node(id).map_or(Span::default(), |n| n.span)
    }

    fn text_of(&self, t: Text) -> &str {
        let start = t.start as usize;
        self.text.get(start..start + t.len as usize).unwrap_or("")
    }

    #[inline]
    fn push_text(&mut self, s: &str) -> Result<Text, BuildError> {
        let start = index(self.text.len())?;
        let len = index(s.len())?;
        index(self.text.len() + s.len())?;
        self.text.push_str(s);
        Ok(Text { start, len })
    }

    #[inline]
    fn push(&mut self, node: Node) -> Result<TermId, BuildError> {
        let id = TermId(index(self.nodes.len())?);
        self.nodes.push(node);
        Ok(id)
    }

    /// A leaf (a datum: not an operation or an object) with its span.
    #[inline]
    pub(crate) fn leaf(&mut self, kind: Kind, span: Span) -> Result<TermId, BuildError> {
        self.push(Node {
            span,
            kind,
            first: 0,
            len: 0,
            nargs: 0,
            depth: 1,
            ivar: false,
        })
    }

    /// A string leaf.
    #[inline]
    pub(crate) fn string(&mut self, s: &str, span: Span) -> Result<TermId, BuildError> {
        let t = self.push_text(s)?;
        self.leaf(Kind::Str(t), span)
    }

    /// A number leaf, written as `JSON.stringify` would: integral values as integers.
    #[inline]
    pub(crate) fn number(&mut self, n: f64, span: Span) -> Result<TermId, BuildError> {
        let kind = if n.fract() == 0.0 && n.abs() < 9.2e18 {
            // Integral and in i64 range, so the conversion is exact; -0 becomes 0 as in
            // JavaScript.
            Kind::Int(n as i64)
        } else {
            Kind::Float(n)
        };
        self.leaf(kind, span)
    }

    /// Any JSON datum as a leaf.
    pub(crate) fn datum(&mut self, value: Value, span: Span) -> Result<TermId, BuildError> {
        let kind = match value {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Kind::UInt(u),
                (_, Some(i), _) => Kind::Int(i),
                (_, _, Some(f)) => Kind::Float(f),
                _ => Kind::Null,
            },
            Value::String(s) => return self.string(&s, span),
            other => {
                let at = index(self.others.len())?;
                self.others.push(other);
                Kind::Other(at)
            }
        };
        self.leaf(kind, span)
    }

    /// The term as used at `span`: variables (VAR, IMPLICIT_VAR) and datums take the span of
    /// the place they are used, so they are copied with it (children shared); other terms are
    /// shared as they are.
    #[inline]
    pub(crate) fn used_at(&mut self, id: TermId, span: Span) -> Result<TermId, BuildError> {
        let Some(n) = self.node(id) else {
            return Ok(id);
        };
        let copy = match n.kind {
            Kind::Op(TT_VAR | TT_IMPLICIT_VAR) => n.nargs == n.len,
            Kind::Op(_) | Kind::Obj => false,
            _ => true,
        };
        if !copy || n.span == span {
            return Ok(id);
        }
        let mut n = *n;
        n.span = span;
        self.push(n)
    }

    /// Starts collecting the children of a term: returns where they begin. Terms built for
    /// the children in between take their own children above it and give the room back, so
    /// the collection is a stack; it ends with [`TermStore::close`] or [`TermStore::discard`].
    pub(crate) fn open(&self) -> usize {
        self.pending.len()
    }

    /// Children collected since `open`.
    pub(crate) fn collected(&self, open: usize) -> usize {
        self.pending.len().saturating_sub(open)
    }

    /// Adds a positional child.
    pub(crate) fn arg(&mut self, id: TermId) {
        self.pending.push(Kid { id, key: None });
    }

    /// Adds a keyed child (optarg or object field).
    pub(crate) fn keyed(&mut self, key: &str, id: TermId) -> Result<(), BuildError> {
        let key = self.push_text(key)?;
        self.pending.push(Kid { id, key: Some(key) });
        Ok(())
    }

    /// Drops the children collected since `open`.
    pub(crate) fn discard(&mut self, open: usize) {
        self.pending.truncate(open);
    }

    /// Puts the keyed children collected since `open` whose key passes `first` ahead of the
    /// others, ordered by `rank` (a stable sort).
    pub(crate) fn hoist_keys(
        &mut self,
        open: usize,
        first: impl Fn(&str) -> bool,
        rank: impl Fn(&str) -> u64,
    ) {
        let Some(kids) = self.pending.get(open..) else {
            return;
        };
        let key = |k: &Kid| k.key.map_or("", |t| self.text_of(t));
        if !kids.iter().any(|k| first(key(k))) {
            return;
        }
        let (mut front, rest): (Vec<Kid>, Vec<Kid>) = kids.iter().partition(|k| first(key(k)));
        front.sort_by_key(|k| rank(key(k)));
        front.extend(rest);
        self.pending.truncate(open);
        self.pending.extend(front);
    }

    /// The term `kind` over the children collected since `open`, the first `nargs` of them
    /// positional.
    pub(crate) fn close(
        &mut self,
        open: usize,
        kind: Kind,
        nargs: usize,
        span: Span,
    ) -> Result<TermId, BuildError> {
        let Self {
            nodes,
            kids,
            pending,
            ..
        } = self;
        let open = open.min(pending.len());
        let collected = &pending[open..];
        let (first, id) = (kids.len(), nodes.len());
        let len = collected.len();
        if first + len > u32::MAX as usize || id >= u32::MAX as usize {
            pending.truncate(open);
            return Err(BuildError::Full);
        }
        let (mut depth, mut ivar) = (0u32, kind == Kind::Op(TT_IMPLICIT_VAR));
        // The children are copied while their depth and `r.row` are looked up: one pass.
        kids.extend(collected.iter().map(|k| {
            if let Some(n) = nodes.get(k.id.0 as usize) {
                depth = depth.max(n.depth);
                ivar |= n.ivar;
            }
            *k
        }));
        let depth = depth + 1;
        let built = if depth > MAX_TERM_DEPTH {
            kids.truncate(first);
            Err(BuildError::TooDeep)
        } else {
            nodes.push(Node {
                span,
                kind,
                // In range: checked above.
                first: first as u32,
                len: len as u32,
                nargs: nargs.min(len) as u32,
                depth,
                ivar,
            });
            Ok(TermId(id as u32))
        };
        pending.truncate(open);
        built
    }

    /// The operation `tt` over positional `args`.
    pub(crate) fn op(
        &mut self,
        tt: u32,
        args: &[TermId],
        span: Span,
    ) -> Result<TermId, BuildError> {
        let open = self.open();
        for a in args {
            self.arg(*a);
        }
        self.close(open, Kind::Op(tt), args.len(), span)
    }

    fn kids_of(&self, n: &Node) -> &[Kid] {
        let first = n.first as usize;
        self.kids.get(first..first + n.len as usize).unwrap_or(&[])
    }

    fn leaf_json(&self, kind: Kind) -> Value {
        match kind {
            Kind::Str(t) => Value::String(self.text_of(t).to_string()),
            Kind::Other(i) => self.others.get(i as usize).cloned().unwrap_or(Value::Null),
            leaf => leaf_value(leaf),
        }
    }

    /// The wire JSON of a term.
    pub(crate) fn to_json(&self, id: TermId) -> Value {
        let Some(n) = self.node(id) else {
            return Value::Null;
        };
        match n.kind {
            Kind::Op(tt) => {
                let kids = self.kids_of(n);
                let mut args = Vec::with_capacity(n.nargs as usize);
                let mut opts = Map::new();
                for k in kids {
                    match k.key {
                        None => args.push(self.to_json(k.id)),
                        Some(t) => {
                            opts.insert(self.text_of(t).to_string(), self.to_json(k.id));
                        }
                    }
                }
                let mut out = Vec::with_capacity(3);
                out.push(Value::from(tt));
                out.push(Value::Array(args));
                if !opts.is_empty() {
                    out.push(Value::Object(opts));
                }
                Value::Array(out)
            }
            Kind::Obj => Value::Object(
                self.kids_of(n)
                    .iter()
                    .map(|k| {
                        let key = k.key.map_or("", |t| self.text_of(t));
                        (key.to_string(), self.to_json(k.id))
                    })
                    .collect(),
            ),
            leaf => self.leaf_json(leaf),
        }
    }

    /// A term as a [`FlatTerm`]. `nodes` and `text` are scratch space kept across statements
    /// (left empty), so the flat copy is allocated once, at its final size. `since` is the
    /// store as it was before the statement that built the term: the text added since then
    /// is taken in one piece (unless it is large), and only older strings one by one.
    pub(crate) fn flatten(
        &self,
        id: TermId,
        since: Mark,
        nodes: &mut Vec<FlatNode>,
        text: &mut String,
    ) -> FlatTerm {
        let base = match self.text.get(since.text..) {
            Some(recent) if recent.len() <= BULK_TEXT => {
                text.push_str(recent);
                since.text
            }
            _ => usize::MAX,
        };
        let mut flat = Flattener {
            store: self,
            base,
            nodes,
            text,
            others: Vec::new(),
        };
        flat.node(id, None);
        let others = flat.others.into_boxed_slice();
        // Sized exactly up front: collecting the drain would grow its vector step by step.
        let mut exact = Vec::with_capacity(nodes.len());
        exact.append(nodes);
        let term = FlatTerm {
            nodes: exact.into_boxed_slice(),
            text: Box::from(text.as_str()),
            others,
        };
        text.clear();
        term
    }
}

/// Most text a statement may have added that [`TermStore::flatten`] copies in one piece.
const BULK_TEXT: usize = 1 << 16;

/// A preorder walk writing a [`FlatTerm`].
struct Flattener<'a> {
    store: &'a TermStore,
    /// Store text from here on is at the start of `text`; `usize::MAX` when none is.
    base: usize,
    nodes: &'a mut Vec<FlatNode>,
    text: &'a mut String,
    others: Vec<Value>,
}

impl Flattener<'_> {
    /// The range in the flat text of a range of the store's text.
    fn text(&mut self, t: Text) -> Text {
        let start = t.start as usize;
        if start >= self.base {
            return Text {
                // Within the store's text, itself within u32 range.
                start: (start - self.base) as u32,
                len: t.len,
            };
        }
        let (start, len) = push_text(self.text, self.store.text_of(t));
        // Out of range (past 4 GiB of text) reads as empty rather than failing.
        Text {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(0),
        }
    }

    fn node(&mut self, id: TermId, key: Option<Text>) {
        let store = self.store;
        let Some(n) = store.node(id) else {
            return;
        };
        let at = self.nodes.len();
        let key = match key {
            Some(k) => self.text(k),
            None => Text { start: 0, len: 0 },
        };
        let kind = match n.kind {
            Kind::Str(t) => Kind::Str(self.text(t)),
            Kind::Other(i) => {
                let v = store.others.get(i as usize).cloned().unwrap_or(Value::Null);
                self.others.push(v);
                Kind::Other(u32::try_from(self.others.len() - 1).unwrap_or(u32::MAX))
            }
            k => k,
        };
        self.nodes.push(FlatNode {
            span: n.span,
            next: at + 1,
            nargs: if matches!(kind, Kind::Op(_)) {
                n.nargs as usize
            } else {
                0
            },
            key,
            kind,
        });
        if n.len == 0 {
            return;
        }
        for k in store.kids_of(n) {
            self.node(k.id, k.key);
        }
        let end = self.nodes.len();
        if let Some(node) = self.nodes.get_mut(at) {
            node.next = end;
        }
    }
}

/// The JSON of a leaf that is neither a string nor another datum.
fn leaf_value(kind: Kind) -> Value {
    match kind {
        Kind::Bool(b) => Value::Bool(b),
        Kind::Int(i) => Value::from(i),
        Kind::UInt(u) => Value::from(u),
        Kind::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    }
}

/// Appends `s` to `text`; its range there.
fn push_text(text: &mut String, s: &str) -> (usize, usize) {
    let start = text.len();
    text.push_str(s);
    (start, s.len())
}

/// A compiled term in preorder, in a few allocations: each node's children are its positional
/// arguments, then its optargs or object fields (with their keys). The wire JSON and the span
/// tree are built from it on demand.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatTerm {
    nodes: Box<[FlatNode]>,
    /// Keys and strings, end to end; nodes refer to ranges of it.
    text: Box<str>,
    /// Datums of other shapes (the object of a Buffer); usually none.
    others: Box<[Value]>,
}

/// One node of a [`FlatTerm`].
#[derive(Debug, Clone)]
pub(crate) struct FlatNode {
    span: Span,
    /// Index just past this node's subtree.
    next: usize,
    /// Positional children (the first ones); the rest are keyed.
    nargs: usize,
    /// The key this node has in its parent (empty for positional arguments).
    key: Text,
    /// What it is, as in the store; strings are ranges of the flat term's text, other
    /// datums index its `others`.
    kind: Kind,
}

impl FlatTerm {
    fn text_at(&self, t: Text) -> &str {
        let start = t.start as usize;
        self.text.get(start..start + t.len as usize).unwrap_or("")
    }

    fn key(&self, i: usize) -> &str {
        self.nodes.get(i).map_or("", |n| self.text_at(n.key))
    }

    /// Indexes of the children of node `i`.
    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes.get(i).map_or(0, |n| n.next);
        let mut c = i + 1;
        std::iter::from_fn(move || {
            if c >= end {
                return None;
            }
            let this = c;
            c = self.nodes.get(c).map_or(end, |n| n.next);
            Some(this)
        })
    }

    /// The wire JSON.
    pub(crate) fn to_json(&self) -> Value {
        if self.nodes.is_empty() {
            return Value::Null;
        }
        self.json_at(0)
    }

    fn json_at(&self, i: usize) -> Value {
        let node = &self.nodes[i];
        match node.kind {
            Kind::Op(tt) => {
                let mut args = Vec::with_capacity(node.nargs);
                let mut opts = Map::new();
                for (n, c) in self.children(i).enumerate() {
                    if n < node.nargs {
                        args.push(self.json_at(c));
                    } else {
                        opts.insert(self.key(c).to_string(), self.json_at(c));
                    }
                }
                let mut out = Vec::with_capacity(3);
                out.push(Value::from(tt));
                out.push(Value::Array(args));
                if !opts.is_empty() {
                    out.push(Value::Object(opts));
                }
                Value::Array(out)
            }
            Kind::Obj => Value::Object(
                self.children(i)
                    .map(|c| (self.key(c).to_string(), self.json_at(c)))
                    .collect(),
            ),
            Kind::Str(t) => Value::String(self.text_at(t).to_string()),
            Kind::Other(o) => self.others.get(o as usize).cloned().unwrap_or(Value::Null),
            leaf => leaf_value(leaf),
        }
    }

    /// The span tree mirroring the wire JSON.
    pub(crate) fn span_map(&self) -> SpanMap {
        if self.nodes.is_empty() {
            return SpanMap::default();
        }
        self.map_at(0)
    }

    fn map_at(&self, i: usize) -> SpanMap {
        let node = &self.nodes[i];
        let mut map = SpanMap::leaf(node.span);
        for (n, c) in self.children(i).enumerate() {
            if n < node.nargs {
                map.args.push(self.map_at(c));
            } else {
                map.optargs.push((self.key(c).to_string(), self.map_at(c)));
            }
        }
        map
    }

    /// The span of the node a backtrace reaches (see [`SpanMap::resolve`]), without building
    /// the span tree.
    pub(crate) fn resolve(&self, frames: &[Value]) -> Span {
        let Some(mut node) = self.nodes.first().map(|_| 0usize) else {
            return Span::default();
        };
        for frame in frames {
            let pos = match frame {
                Value::Number(n) => n.as_u64().map(Ok),
                Value::String(k) => Some(Err(k.as_str())),
                Value::Object(o) => match (o.get("pos"), o.get("opt")) {
                    (Some(Value::Number(n)), _) => n.as_u64().map(Ok),
                    (_, Some(Value::String(k))) => Some(Err(k.as_str())),
                    _ => None,
                },
                _ => None,
            };
            let this = &self.nodes[node];
            let next = match pos {
                Some(Ok(i)) => usize::try_from(i)
                    .ok()
                    .filter(|i| *i < this.nargs)
                    .and_then(|i| self.children(node).nth(i)),
                Some(Err(k)) => {
                    let skip = this.nargs;
                    self.children(node).skip(skip).find(|c| self.key(*c) == k)
                }
                None => None,
            };
            match next {
                Some(c) => node = c,
                None => break,
            }
        }
        self.nodes[node].span
    }
}
