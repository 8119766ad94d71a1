//! Compiled terms. Evaluation builds them into one flat [`TermStore`] owned by the session
//! (nodes are plain values in vectors, so building one allocates nothing once the vectors have
//! grown), and a query keeps a preorder copy of its term, a [`FlatTerm`], from which the wire
//! JSON and the span tree are built on demand.

use serde_json::{Map, Number, Value};

use super::span::{Span, SpanMap};

/// Deepest compiled term accepted; deeper terms could not be serialized safely.
pub(crate) const MAX_TERM_DEPTH: u32 = 1000;
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

    /// Whether all its children are positional (no optargs, not an object with fields).
    pub(crate) fn positional_only(&self, id: TermId) -> bool {
        self.node(id).is_some_and(|n| n.nargs == n.len)
    }

    fn text_of(&self, t: Text) -> &str {
        let start = t.start as usize;
        self.text.get(start..start + t.len as usize).unwrap_or("")
    }

    fn push_text(&mut self, s: &str) -> Result<Text, BuildError> {
        let start = index(self.text.len())?;
        let len = index(s.len())?;
        index(self.text.len() + s.len())?;
        self.text.push_str(s);
        Ok(Text { start, len })
    }

    fn push(&mut self, node: Node) -> Result<TermId, BuildError> {
        let id = TermId(index(self.nodes.len())?);
        self.nodes.push(node);
        Ok(id)
    }

    /// A leaf (a datum: not an operation or an object) with its span.
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
    pub(crate) fn string(&mut self, s: &str, span: Span) -> Result<TermId, BuildError> {
        let t = self.push_text(s)?;
        self.leaf(Kind::Str(t), span)
    }

    /// A number leaf, written as `JSON.stringify` would: integral values as integers.
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

    /// A copy of the term with another span (children shared).
    pub(crate) fn respan(&mut self, id: TermId, span: Span) -> Result<TermId, BuildError> {
        match self.node(id) {
            Some(n) if n.span == span => Ok(id),
            Some(n) => {
                let mut n = *n;
                n.span = span;
                self.push(n)
            }
            None => Ok(id),
        }
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
        let built = self.close_inner(open, kind, nargs, span);
        self.pending.truncate(open);
        built
    }

    fn close_inner(
        &mut self,
        open: usize,
        kind: Kind,
        nargs: usize,
        span: Span,
    ) -> Result<TermId, BuildError> {
        let kids = self.pending.get(open..).unwrap_or(&[]);
        let (mut depth, mut ivar) = (0u32, kind == Kind::Op(TT_IMPLICIT_VAR));
        for k in kids {
            if let Some(n) = self.nodes.get(k.id.0 as usize) {
                depth = depth.max(n.depth);
                ivar |= n.ivar;
            }
        }
        let depth = depth + 1;
        if depth > MAX_TERM_DEPTH {
            return Err(BuildError::TooDeep);
        }
        let first = index(self.kids.len())?;
        let len = index(kids.len())?;
        index(self.kids.len() + kids.len())?;
        let nargs = index(nargs.min(kids.len()))?;
        self.kids.extend_from_slice(kids);
        self.push(Node {
            span,
            kind,
            first,
            len,
            nargs,
            depth,
            ivar,
        })
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
            Kind::Op(_) | Kind::Obj | Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Int(i) => Value::from(i),
            Kind::UInt(u) => Value::from(u),
            Kind::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Kind::Str(t) => Value::String(self.text_of(t).to_string()),
            Kind::Other(i) => self.others.get(i as usize).cloned().unwrap_or(Value::Null),
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
    /// (left empty), so the flat copy is allocated once, at its final size.
    pub(crate) fn flatten(
        &self,
        id: TermId,
        nodes: &mut Vec<FlatNode>,
        text: &mut String,
    ) -> FlatTerm {
        self.flatten_into(id, "", nodes, text);
        // Sized exactly up front: collecting the drain would grow its vector step by step.
        let mut exact = Vec::with_capacity(nodes.len());
        exact.append(nodes);
        let flat = FlatTerm {
            nodes: exact.into_boxed_slice(),
            text: Box::from(text.as_str()),
        };
        text.clear();
        flat
    }

    fn flatten_into(&self, id: TermId, key: &str, nodes: &mut Vec<FlatNode>, text: &mut String) {
        let Some(n) = self.node(id) else {
            return;
        };
        let at = nodes.len();
        let key = push_text(text, key);
        let what = match n.kind {
            Kind::Op(tt) => What::Op(tt),
            Kind::Obj => What::Obj,
            Kind::Null => What::Null,
            Kind::Bool(b) => What::Bool(b),
            Kind::Int(i) => What::Num(Number::from(i)),
            Kind::UInt(u) => What::Num(Number::from(u)),
            Kind::Float(f) => Number::from_f64(f).map_or(What::Null, What::Num),
            Kind::Str(t) => What::Str(push_text(text, self.text_of(t))),
            Kind::Other(i) => What::Other(Box::new(
                self.others.get(i as usize).cloned().unwrap_or(Value::Null),
            )),
        };
        nodes.push(FlatNode {
            span: n.span,
            next: at + 1,
            nargs: if matches!(n.kind, Kind::Op(_)) {
                n.nargs as usize
            } else {
                0
            },
            key,
            what,
        });
        for k in self.kids_of(n) {
            let key = k.key.map_or("", |t| self.text_of(t));
            self.flatten_into(k.id, key, nodes, text);
        }
        let end = nodes.len();
        if let Some(node) = nodes.get_mut(at) {
            node.next = end;
        }
    }
}

/// Appends `s` to `text`; its range there.
fn push_text(text: &mut String, s: &str) -> (usize, usize) {
    let start = text.len();
    text.push_str(s);
    (start, s.len())
}

/// A compiled term in preorder, in two allocations: each node's children are its positional
/// arguments, then its optargs or object fields (with their keys). The wire JSON and the span
/// tree are built from it on demand.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatTerm {
    nodes: Box<[FlatNode]>,
    /// Keys and strings, end to end; nodes refer to ranges of it.
    text: Box<str>,
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
    key: (usize, usize),
    what: What,
}

/// What a [`FlatNode`] is; strings are ranges of the term's text.
#[derive(Debug, Clone)]
enum What {
    Op(u32),
    Obj,
    Str((usize, usize)),
    Null,
    Bool(bool),
    Num(Number),
    /// A datum of another shape (the object of a Buffer); rare.
    Other(Box<Value>),
}

impl FlatTerm {
    fn text_at(&self, (start, len): (usize, usize)) -> &str {
        self.text.get(start..start + len).unwrap_or("")
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
        match &node.what {
            What::Op(tt) => {
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
                out.push(Value::from(*tt));
                out.push(Value::Array(args));
                if !opts.is_empty() {
                    out.push(Value::Object(opts));
                }
                Value::Array(out)
            }
            What::Obj => Value::Object(
                self.children(i)
                    .map(|c| (self.key(c).to_string(), self.json_at(c)))
                    .collect(),
            ),
            What::Str(range) => Value::String(self.text_at(*range).to_string()),
            What::Null => Value::Null,
            What::Bool(b) => Value::Bool(*b),
            What::Num(n) => Value::Number(n.clone()),
            What::Other(v) => (**v).clone(),
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
