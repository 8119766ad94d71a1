//! Compiled terms. Evaluation builds them into one flat [`TermStore`] owned by the session
//! (nodes are plain values in vectors, so building one allocates nothing once the vectors have
//! grown). Each query keeps a copy of its statement's part of the store, a [`FlatTerm`] in a
//! [`FlatChunk`] shared by the queries of one compilation, from which the wire JSON and the
//! span tree are built on demand.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use serde_json::{Map, Number, Value};

use super::span::{Frame, Span, SpanMap};
use crate::protocol::TermType;

/// Deepest compiled term accepted; deeper terms could not be serialized safely.
pub(crate) const MAX_TERM_DEPTH: u32 = 1000;

/// `EQ`, `NE`, `LT`, `LE`, `GT` or `GE`: the comparisons, which both drivers print as operators.
pub(crate) fn is_comparison(tt: TermType) -> bool {
    use TermType::{Eq, Ge, Gt, Le, Lt, Ne};
    matches!(tt, Eq | Ne | Lt | Le | Gt | Ge)
}

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
    Op(TermType),
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

/// A node's source span in 32-bit offsets (a source longer than that is refused by the
/// lexer), so that a node is 40 bytes instead of 56: the flat copy of every query is written
/// node by node, so its size is memory traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct NodeSpan {
    start: u32,
    end: u32,
}

impl NodeSpan {
    #[inline]
    fn of(span: Span) -> Self {
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        NodeSpan {
            start: at(span.start),
            end: at(span.end),
        }
    }

    #[inline]
    fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// One stored term node (`Copy`: a copy with another span costs one push).
#[derive(Debug, Clone, Copy)]
struct Node {
    span: NodeSpan,
    kind: Kind,
    /// Children: `kids[first..first + len]`; the first `nargs` are positional.
    first: u32,
    len: u32,
    nargs: u32,
    /// At most [`MAX_TERM_DEPTH`] + 1.
    depth: u16,
    /// Contains IMPLICIT_VAR (`r.row`) anywhere below, as the driver's `ivarScan` finds it.
    ivar: bool,
}

// A node is 40 bytes on 64-bit targets (see NodeSpan).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node>() == 40);

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
    /// The last node pushed that refers to text, children or another datum it did not add
    /// itself (a copy by [`TermStore::used_at`], a leaf of a given string): nodes built
    /// after it need no check for references older than a mark when copied out (see
    /// [`TermStore::flatten`]).
    borrower: Option<usize>,
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
        if self.borrower.is_some_and(|b| b >= mark.nodes) {
            // The older nodes are before any later mark: none needs looking at again.
            self.borrower = None;
        }
    }

    fn node(&self, id: TermId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    /// What the term is.
    pub(crate) fn kind(&self, id: TermId) -> Kind {
        self.node(id).map_or(Kind::Null, |n| n.kind)
    }

    /// Its term type, if it is an operation.
    pub(crate) fn tt(&self, id: TermId) -> Option<TermType> {
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
        self.node(id).map_or(Span::default(), |n| n.span.span())
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
        if matches!(kind, Kind::Str(_) | Kind::Other(_)) {
            self.borrower = Some(self.nodes.len());
        }
        self.own_leaf(kind, span)
    }

    /// A leaf whose string or other datum, if any, was added for it.
    #[inline]
    fn own_leaf(&mut self, kind: Kind, span: Span) -> Result<TermId, BuildError> {
        self.push(Node {
            span: NodeSpan::of(span),
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
        self.own_leaf(Kind::Str(t), span)
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
        self.own_leaf(kind, span)
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
        self.own_leaf(kind, span)
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
            Kind::Op(TermType::Var | TermType::ImplicitVar) => n.nargs == n.len,
            Kind::Op(_) | Kind::Obj => false,
            _ => true,
        };
        let span = NodeSpan::of(span);
        if !copy || n.span == span {
            return Ok(id);
        }
        let mut n = *n;
        n.span = span;
        if n.len > 0 || matches!(n.kind, Kind::Str(_) | Kind::Other(_)) {
            self.borrower = Some(self.nodes.len());
        }
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
        let (mut depth, mut ivar) = (0u16, kind == Kind::Op(TermType::ImplicitVar));
        // The children are copied while their depth and `r.row` are looked up: one pass.
        kids.extend(collected.iter().map(|k| {
            if let Some(n) = nodes.get(k.id.0 as usize) {
                depth = depth.max(n.depth);
                ivar |= n.ivar;
            }
            *k
        }));
        let depth = depth + 1;
        let built = if u32::from(depth) > MAX_TERM_DEPTH {
            kids.truncate(first);
            Err(BuildError::TooDeep)
        } else {
            nodes.push(Node {
                span: NodeSpan::of(span),
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
        tt: TermType,
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
                op_value(tt, args, opts)
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

    /// Copies a term into `chunk`, which gathers the flat copies of the queries of one
    /// compilation; where it is there. `since` is the store as it was before the statement
    /// that built the term. What was built since then is copied as it is, in bulk, and read
    /// with its ids and text ranges offset; only when that part refers to older nodes or
    /// text (terms bound by earlier statements) is it rebuilt with those appended. Either
    /// way the copy holds no reference into the store.
    pub(crate) fn flatten(&self, id: TermId, since: Mark, chunk: &mut FlatChunk) -> FlatRef {
        if self.node(id).is_none() {
            return FlatRef {
                root: u32::MAX,
                delta: Bases32::default(),
            };
        }
        let base = Bases {
            nodes: since.nodes.min(self.nodes.len()),
            kids: since.kids.min(self.kids.len()),
            text: since.text.min(self.text.len()),
            others: since.others.min(self.others.len()),
        };
        let recent_nodes = self.nodes.get(base.nodes..).unwrap_or(&[]);
        let recent_kids = self.kids.get(base.kids..).unwrap_or(&[]);
        let recent_text = self.text.get(base.text..);
        let (Some(recent_text), Some(recent_others)) =
            (recent_text, self.others.get(base.others..))
        else {
            return self.rebuild(id, base, chunk);
        };
        let text_ok = |t: Text| t.start as usize >= base.text;
        // Keys are added with their child (by `keyed`), and a node built by `close` has
        // children added for it, so only children's ids, and the nodes up to the last one
        // that borrows, need a look. Plain `&` rather than `&&`: flat loops without early
        // exits.
        let borrowers = match self.borrower {
            Some(b) if b >= base.nodes => self.nodes.get(base.nodes..=b).unwrap_or(recent_nodes),
            _ => &[],
        };
        let self_contained = id.0 as usize >= base.nodes
            && recent_kids
                .iter()
                .fold(true, |ok, k| ok & (k.id.0 as usize >= base.nodes))
            && borrowers.iter().fold(true, |ok, n| {
                let kind_ok = match n.kind {
                    Kind::Str(t) => text_ok(t),
                    Kind::Other(i) => i as usize >= base.others,
                    _ => true,
                };
                ok & kind_ok & ((n.len == 0) | (n.first as usize >= base.kids))
            });
        if !self_contained {
            return self.rebuild(id, base, chunk);
        }
        // Store index `i` is at `i - delta` in the chunk (modulo 2^32).
        let delta = |store: usize, flat: usize| (store as u32).wrapping_sub(flat as u32);
        let r = FlatRef {
            root: id.0,
            delta: Bases32 {
                nodes: delta(base.nodes, chunk.nodes.len()),
                kids: delta(base.kids, chunk.kids.len()),
                text: delta(base.text, chunk.text.len()),
                others: delta(base.others, chunk.others.len()),
            },
        };
        chunk.nodes.extend_from_slice(recent_nodes);
        chunk.kids.extend_from_slice(recent_kids);
        chunk.text.push_str(recent_text);
        chunk.others.extend_from_slice(recent_others);
        r
    }

    /// Copies `id` into `chunk` rebuilt: the nodes built since the mark keep their order
    /// and older nodes are appended as they are reached, every index rebased to the chunk.
    #[cold]
    fn rebuild(&self, id: TermId, base: Bases, chunk: &mut FlatChunk) -> FlatRef {
        let recent_nodes = self.nodes.get(base.nodes..).unwrap_or(&[]);
        let recent_kids = self.kids.get(base.kids..).unwrap_or(&[]);
        let recent_text = self.text.get(base.text..).unwrap_or("");
        let mut copy = Copier {
            store: self,
            nb: base.nodes,
            tb: self.text.len() - recent_text.len(),
            n0: chunk.nodes.len(),
            t0: chunk.text.len(),
            recent: recent_nodes.len(),
            old: Vec::new(),
            old_ids: HashMap::default(),
            chunk,
        };
        copy.chunk.text.push_str(recent_text);
        // The children first: nodes built since the mark find theirs at the same offsets.
        let k0 = copy.chunk.kids.len();
        for k in recent_kids {
            let kid = copy.kid(*k);
            copy.chunk.kids.push(kid);
        }
        for n in recent_nodes {
            let mut f = copy.node(n);
            match (n.first as usize).checked_sub(base.kids) {
                // Within the chunk's children, themselves within u32 range.
                Some(first) => f.first = (k0 + first) as u32,
                // A copy of an older node made since the mark (a variable used with another
                // span) still refers to children in the older part of the store.
                None => f.first = copy.kids(n),
            }
            copy.chunk.nodes.push(f);
        }
        let root = copy.id(id);
        // Older nodes, in the order they were reached; their children may reach more.
        let mut i = 0;
        while let Some(&old) = copy.old.get(i) {
            i += 1;
            let Some(n) = self.nodes.get(old as usize) else {
                copy.chunk.nodes.push(Node {
                    span: NodeSpan::default(),
                    kind: Kind::Null,
                    first: 0,
                    len: 0,
                    nargs: 0,
                    depth: 1,
                    ivar: false,
                });
                continue;
            };
            let mut f = copy.node(n);
            f.first = copy.kids(n);
            copy.chunk.nodes.push(f);
        }
        FlatRef {
            root,
            delta: Bases32::default(),
        }
    }
}

/// Where a statement's part of each of a store's vectors begins.
#[derive(Debug, Clone, Copy)]
struct Bases {
    nodes: usize,
    kids: usize,
    text: usize,
    others: usize,
}

/// How a query's indexes map into its [`FlatChunk`]: index `i` of a vector is at
/// `i - delta` (modulo 2^32).
#[derive(Debug, Clone, Copy, Default)]
struct Bases32 {
    nodes: u32,
    kids: u32,
    text: u32,
    others: u32,
}

/// Rebuilds a statement's part of a [`TermStore`] into a [`FlatChunk`] when it refers to
/// older nodes or text: those are appended, and every index is rebased to the chunk.
struct Copier<'a> {
    store: &'a TermStore,
    /// Nodes from here on were built since the mark.
    nb: usize,
    /// Text from here on was added since the mark; it is copied to the chunk at `t0`.
    tb: usize,
    /// Where the nodes built since the mark start in the chunk.
    n0: usize,
    t0: usize,
    /// How many nodes were built since the mark.
    recent: usize,
    /// Older nodes reached, in the order of their chunk ids (after the recent ones).
    old: Vec<u32>,
    /// Chunk ids of the older nodes reached.
    old_ids: HashMap<u32, u32, BuildHasherDefault<IdHasher>>,
    chunk: &'a mut FlatChunk,
}

/// Older nodes a [`Copier`] finds in a list before it indexes them.
const FEW_OLD: usize = 32;

/// Hashes node ids for [`Copier`]: they are trusted small integers, so one multiplication
/// spreads them well enough, where the default hasher would cost many times more.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Copier<'_> {
    /// The chunk id of a stored node.
    fn id(&mut self, id: TermId) -> u32 {
        if let Some(rebased) = (id.0 as usize).checked_sub(self.nb) {
            return u32::try_from(self.n0 + rebased).unwrap_or(u32::MAX);
        }
        let first_old = self.n0 + self.recent;
        let next = u32::try_from(first_old + self.old.len()).unwrap_or(u32::MAX);
        // Few older nodes are usually reached: a look along the list beats hashing until
        // it grows.
        if self.old.len() < FEW_OLD {
            if let Some(i) = self.old.iter().position(|o| *o == id.0) {
                return u32::try_from(first_old + i).unwrap_or(u32::MAX);
            }
            self.old.push(id.0);
            return next;
        }
        if self.old_ids.is_empty() {
            for (i, o) in self.old.iter().enumerate() {
                let at = u32::try_from(first_old + i).unwrap_or(u32::MAX);
                self.old_ids.insert(*o, at);
            }
        }
        let old = &mut self.old;
        *self.old_ids.entry(id.0).or_insert_with(|| {
            old.push(id.0);
            next
        })
    }

    /// The range in the chunk's text of a range of the store's text.
    fn text(&mut self, t: Text) -> Text {
        let start = match (t.start as usize).checked_sub(self.tb) {
            Some(rebased) => self.t0 + rebased,
            None => {
                let start = self.chunk.text.len();
                self.chunk.text.push_str(self.store.text_of(t));
                start
            }
        };
        // Out of range (past 4 GiB of text) reads as empty rather than failing.
        Text {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: t.len,
        }
    }

    fn kid(&mut self, k: Kid) -> Kid {
        Kid {
            id: TermId(self.id(k.id)),
            key: k.key.map(|t| self.text(t)),
        }
    }

    /// The chunk node of a stored one, without its children's place.
    fn node(&mut self, n: &Node) -> Node {
        let kind = match n.kind {
            Kind::Str(t) => Kind::Str(self.text(t)),
            Kind::Other(i) => {
                let v = self
                    .store
                    .others
                    .get(i as usize)
                    .cloned()
                    .unwrap_or(Value::Null);
                self.chunk.others.push(v);
                Kind::Other(u32::try_from(self.chunk.others.len() - 1).unwrap_or(u32::MAX))
            }
            k => k,
        };
        Node { kind, ..*n }
    }

    /// Appends copies of the children of `n` to the chunk; where they start.
    fn kids(&mut self, n: &Node) -> u32 {
        let first = u32::try_from(self.chunk.kids.len()).unwrap_or(u32::MAX);
        for k in self.store.kids_of(n) {
            let kid = self.kid(*k);
            self.chunk.kids.push(kid);
        }
        first
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

/// The flat copies of the terms of the queries of one compilation, end to end, shared by
/// them (see [`TermStore::flatten`]). Nodes refer to their children by id, so a term used
/// twice is stored once; each node's children are its positional arguments, then its
/// optargs or object fields (with their keys).
#[derive(Debug, Default)]
pub(crate) struct FlatChunk {
    nodes: Vec<Node>,
    kids: Vec<Kid>,
    /// Keys and strings, end to end; nodes refer to ranges of it.
    text: String,
    /// Datums of other shapes (the object of a Buffer); usually none.
    others: Vec<Value>,
}

impl FlatChunk {
    /// An empty chunk with room for the terms of a source of `len` bytes as they usually
    /// come (a node every 7 bytes or so), so that filling it rarely moves it.
    pub(crate) fn for_source(len: usize) -> Self {
        FlatChunk {
            nodes: Vec::with_capacity(len / 6),
            kids: Vec::with_capacity(len / 6),
            text: String::with_capacity(len / 4),
            others: Vec::new(),
        }
    }

    /// Frees the room reserved beyond what the queries took (see [`FlatChunk::for_source`]).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.kids.shrink_to_fit();
        self.text.shrink_to_fit();
    }
}

/// Where one term is in a [`FlatChunk`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlatRef {
    root: u32,
    delta: Bases32,
}

/// A compiled term: its place in a shared [`FlatChunk`]. The wire JSON and the span tree
/// are built from it on demand.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatTerm {
    chunk: Option<Arc<FlatChunk>>,
    root: u32,
    delta: Bases32,
}

impl FlatTerm {
    /// The term at `at` in `chunk`.
    pub(crate) fn new(chunk: &Arc<FlatChunk>, at: FlatRef) -> Self {
        FlatTerm {
            chunk: Some(Arc::clone(chunk)),
            root: at.root,
            delta: at.delta,
        }
    }

    fn text_at(&self, t: Text) -> &str {
        let Some(chunk) = &self.chunk else {
            return "";
        };
        let start = t.start.wrapping_sub(self.delta.text) as usize;
        chunk.text.get(start..start + t.len as usize).unwrap_or("")
    }

    fn key(&self, k: &Kid) -> &str {
        k.key.map_or("", |t| self.text_at(t))
    }

    fn node(&self, id: u32) -> Option<&Node> {
        let chunk = self.chunk.as_deref()?;
        chunk.nodes.get(id.wrapping_sub(self.delta.nodes) as usize)
    }

    /// The children of a node.
    fn kids_of(&self, n: &Node) -> &[Kid] {
        let Some(chunk) = &self.chunk else {
            return &[];
        };
        if n.len == 0 {
            return &[];
        }
        let first = n.first.wrapping_sub(self.delta.kids) as usize;
        chunk.kids.get(first..first + n.len as usize).unwrap_or(&[])
    }

    fn other(&self, o: u32) -> Value {
        self.chunk
            .as_deref()
            .and_then(|c| c.others.get(o.wrapping_sub(self.delta.others) as usize))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Positional children of a node (the first ones); the rest are keyed.
    fn nargs(n: &Node) -> usize {
        match n.kind {
            Kind::Op(_) => n.nargs as usize,
            _ => 0,
        }
    }

    /// The wire JSON.
    pub(crate) fn to_json(&self) -> Value {
        self.json_at(self.root)
    }

    fn json_at(&self, i: u32) -> Value {
        let Some(node) = self.node(i) else {
            return Value::Null;
        };
        match node.kind {
            Kind::Op(tt) => {
                let nargs = Self::nargs(node);
                let mut args = Vec::with_capacity(nargs);
                let mut opts = Map::new();
                for (n, k) in self.kids_of(node).iter().enumerate() {
                    if n < nargs {
                        args.push(self.json_at(k.id.0));
                    } else {
                        opts.insert(self.key(k).to_string(), self.json_at(k.id.0));
                    }
                }
                op_value(tt, args, opts)
            }
            Kind::Obj => Value::Object(
                self.kids_of(node)
                    .iter()
                    .map(|k| (self.key(k).to_string(), self.json_at(k.id.0)))
                    .collect(),
            ),
            Kind::Str(t) => Value::String(self.text_at(t).to_string()),
            Kind::Other(o) => self.other(o),
            leaf => leaf_value(leaf),
        }
    }

    /// The span tree mirroring the wire JSON.
    pub(crate) fn span_map(&self) -> SpanMap {
        self.map_at(self.root)
    }

    fn map_at(&self, i: u32) -> SpanMap {
        let Some(node) = self.node(i) else {
            return SpanMap::default();
        };
        let nargs = Self::nargs(node);
        let mut map = SpanMap::leaf(node.span.span());
        for (n, k) in self.kids_of(node).iter().enumerate() {
            if n < nargs {
                map.args.push(self.map_at(k.id.0));
            } else {
                map.optargs
                    .push((self.key(k).to_string(), self.map_at(k.id.0)));
            }
        }
        map
    }

    /// The span of the node a backtrace reaches (see [`SpanMap::resolve`]), without building
    /// the span tree.
    pub(crate) fn resolve(&self, frames: &[Value]) -> Span {
        let Some(mut node) = self.node(self.root) else {
            return Span::default();
        };
        for frame in frames {
            let kids = self.kids_of(node);
            let nargs = Self::nargs(node);
            let next = match Frame::of(frame) {
                Some(Frame::Pos(i)) if i < nargs => kids.get(i),
                Some(Frame::Opt(k)) => kids
                    .get(nargs..)
                    .and_then(|keyed| keyed.iter().find(|c| self.key(c) == k)),
                _ => None,
            };
            match next.and_then(|c| self.node(c.id.0)) {
                Some(c) => node = c,
                None => break,
            }
        }
        node.span.span()
    }
}

/// The wire array `[tt, args]` or `[tt, args, opts]` (optargs left out when empty).
fn op_value(tt: TermType, args: Vec<Value>, opts: Map<String, Value>) -> Value {
    let mut out = Vec::with_capacity(3);
    out.push(Value::from(tt.as_i64()));
    out.push(Value::Array(args));
    if !opts.is_empty() {
        out.push(Value::Object(opts));
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::reql::{Env, Query, Statement, compile, compile_query};

    /// The queries `src` compiles to in `env`.
    fn queries(src: &str, env: &mut Env) -> Vec<Query> {
        let stmts = compile(src, env).unwrap_or_default();
        stmts
            .into_iter()
            .filter_map(|s| match s {
                Statement::Query(q) => Some(q),
                Statement::Binding(_) => None,
            })
            .collect()
    }

    #[test]
    fn bound_terms_used_twice_and_across_statements_are_copied_whole() {
        let src = "var t = r.table('x').filter({a: 'q'}, {default: 'd'}); t.union(t)";
        let qs = queries(src, &mut Env::new());
        let inline = "r.table('x').filter({a: 'q'}, {default: 'd'})\
                      .union(r.table('x').filter({a: 'q'}, {default: 'd'}))";
        let want = compile_query(inline).map(|q| q.term()).ok();
        assert_eq!(qs.len(), 1);
        assert_eq!(Some(qs[0].term()), want);
        // Both uses point back at the binding's text.
        let filter = src.find("r.table").unwrap_or(0);
        assert_eq!(qs[0].span_of(&[json!(0)]).start, filter);
        assert_eq!(qs[0].span_of(&[json!(1)]).start, filter);
        assert_eq!(
            &src[qs[0].span_of(&[json!(1), json!("default")]).start..][..3],
            "'d'"
        );

        // Bound in an earlier compilation of the same session, then the store grows on.
        let mut env = Env::new();
        queries("var s = r.expr({k: 'v'}); var u = s.merge(s)", &mut env);
        let later = queries("r.expr([u, u]).add(r.expr('w')); u", &mut env);
        let u = json!([35, [{"k": "v"}, {"k": "v"}]]);
        assert_eq!(later.len(), 2);
        assert_eq!(later[0].term(), json!([24, [[2, [u, u]], "w"]]));
        assert_eq!(later[1].term(), u);
        // Each query's copy stands alone: the session's later work does not change it.
        queries("var s = r.expr('other'); r.expr(s)", &mut env);
        assert_eq!(later[1].term(), u);
    }

    #[test]
    fn a_term_shared_at_every_level_is_copied_once() {
        // 2^40 leaves as a tree; the copy keeps the sharing, so compiling stays quick.
        let mut src = String::from("var a0 = r.expr('x');");
        for i in 1..=40 {
            src.push_str(&format!(" var a{i} = r.expr([a{}, a{}]);", i - 1, i - 1));
        }
        src.push_str(" a40.count()");
        let qs = queries(&src, &mut Env::new());
        assert_eq!(qs.len(), 1);
        let deep: Vec<_> = std::iter::once(json!(0))
            .chain(std::iter::repeat_n(json!(1), 40))
            .collect();
        let leaf = qs[0].span_of(&deep);
        // A datum takes the span of the place it is used.
        assert_eq!(&src[leaf.start..leaf.end], "a0");
    }
}
