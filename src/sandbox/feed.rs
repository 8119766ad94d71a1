//! Changefeeds: table, single-document and `orderBy({index}).limit(n)` feeds.

use std::collections::VecDeque;
use std::sync::Arc;

use super::datum;
use super::error::{RResult, ReqlError};
use super::eval::{Ctx, FeedSpec, Val};
use super::store::{Change, Queue, Subscription, Table};
use crate::protocol::TermType as T;
use serde_json::{Value, json};

/// Response note: `table.changes()`.
pub const SEQUENCE_FEED: u64 = 1;
/// Response note: `get(k).changes()`.
pub const ATOM_FEED: u64 = 2;
/// Response note: `orderBy({index}).limit(n).changes()`.
pub const ORDER_BY_LIMIT_FEED: u64 = 3;
/// Response note: the stream contains `{state: ...}` rows.
pub const INCLUDES_STATES: u64 = 5;

enum Kind {
    Table,
    Point(Value),
    Top {
        index: String,
        desc: bool,
        limit: usize,
        current: Vec<Value>,
    },
}

/// One row-wise step between a table and `changes()` (filter, map, pluck...).
#[derive(Debug, Clone)]
pub struct ChainOp {
    tt: T,
    rest: Vec<Value>,
    opts: Option<serde_json::Map<String, Value>>,
}

/// Splits `table.filter(..).map(..)...` into the table term and its row-wise steps
/// (innermost first); None when the term is not such a chain.
pub fn split_chain(term: &Value) -> Option<(Value, Vec<ChainOp>)> {
    let mut ops = Vec::new();
    let mut cur = term;
    loop {
        let (tt, args, opts) = super::eval::parts(cur)?;
        match tt {
            T::Table => break,
            T::Map if args.len() == 2 => {}
            T::Filter | T::Pluck | T::Without | T::Merge | T::WithFields | T::HasFields
                if !args.is_empty() => {}
            _ => return None,
        }
        ops.push(ChainOp {
            tt,
            rest: args[1..].to_vec(),
            opts: opts.cloned(),
        });
        cur = &args[0];
    }
    ops.reverse();
    Some((cur.clone(), ops))
}

/// Options of `changes()`.
#[derive(Debug, Clone, Copy)]
pub struct FeedOptions {
    /// `changefeed_queue_size`: changes held for a slow reader before they are skipped.
    pub queue_size: usize,
    /// `squash`: changes to one document waiting together are sent as one.
    pub squash: bool,
    /// `include_initial`.
    pub include_initial: bool,
    /// `include_states`.
    pub include_states: bool,
    /// `include_types`.
    pub include_types: bool,
}

/// An open changefeed: initial rows, then changes as they happen.
pub struct Feed {
    /// Response notes for this feed (send them with every batch).
    pub notes: Vec<u64>,
    queue: Arc<Subscription>,
    table: Arc<Table>,
    kind: Kind,
    ctx: Ctx,
    opts: FeedOptions,
    pending: VecDeque<Value>,
    chain: Vec<ChainOp>,
}

impl Feed {
    /// Opens a feed on a table seen through row-wise steps (`table.filter(f).changes()`).
    pub fn open_chain(
        ctx: &Ctx,
        table: Val,
        chain: Vec<ChainOp>,
        opts: FeedOptions,
    ) -> RResult<Feed> {
        if !matches!(table, Val::Table(_)) {
            return Err(ReqlError::unsupported("CHANGES on this kind of sequence"));
        }
        let mut feed = Feed::open_inner(ctx, table, opts, chain)?;
        // Initial rows go through the steps too.
        let queued: Vec<Value> = feed.pending.drain(..).collect();
        for row in queued {
            match row.get("new_val") {
                Some(doc) if row.get("state").is_none() => {
                    if let Some(v) = feed.through(Some(doc.clone()))? {
                        let r = feed.row(None, Some(v), "initial");
                        feed.pending.push_back(r);
                    }
                }
                _ => feed.pending.push_back(row),
            }
        }
        Ok(feed)
    }

    /// A document after the row-wise steps (None when a filter drops it).
    fn through(&self, doc: Option<Value>) -> RResult<Option<Value>> {
        let Some(doc) = doc else { return Ok(None) };
        if self.chain.is_empty() {
            return Ok(Some(doc));
        }
        let mut term = json!([T::Datum, [[doc]]]);
        for op in &self.chain {
            let mut args = vec![term];
            args.extend(op.rest.iter().cloned());
            term = match &op.opts {
                Some(o) => json!([op.tt, args, o]),
                None => json!([op.tt, args]),
            };
        }
        match self.ctx.datum(&term, &None)? {
            Value::Array(mut a) if !a.is_empty() => Ok(Some(a.swap_remove(0))),
            _ => Ok(None),
        }
    }

    /// Opens a feed on what a value follows; the initial rows are queued first.
    pub fn open(ctx: &Ctx, target: Val, opts: FeedOptions) -> RResult<Feed> {
        Feed::open_inner(ctx, target, opts, Vec::new())
    }

    fn open_inner(ctx: &Ctx, target: Val, opts: FeedOptions, chain: Vec<ChainOp>) -> RResult<Feed> {
        let (table, kind, note) = match target {
            Val::Single(t, key, _) => (t, Kind::Point(key), ATOM_FEED),
            other => match ctx.feed_spec(&other) {
                Some(FeedSpec::Table(t)) => (t, Kind::Table, SEQUENCE_FEED),
                Some(FeedSpec::OrderByLimit {
                    table,
                    index,
                    desc,
                    limit,
                }) => (
                    table,
                    Kind::Top {
                        index,
                        desc,
                        limit,
                        current: Vec::new(),
                    },
                    ORDER_BY_LIMIT_FEED,
                ),
                _ => return Err(ReqlError::unsupported("CHANGES on this kind of sequence")),
            },
        };
        if table.db == super::admin::SYSTEM_DB {
            return Err(ReqlError::unsupported("CHANGES on system tables"));
        }
        // Subscribe before reading the initial state so no write falls in between.
        let queue = table.subscribe(opts.queue_size);
        let mut notes = vec![note];
        if opts.include_states {
            notes.push(INCLUDES_STATES);
        }
        let mut feed = Feed {
            notes,
            queue,
            table,
            kind,
            ctx: ctx.clone(),
            opts,
            pending: VecDeque::new(),
            chain,
        };
        // The server announces `initializing` only when there are initial rows to send.
        if opts.include_states && opts.include_initial {
            let row = feed.state_row("initializing");
            feed.pending.push_back(row);
        }
        let initial: Vec<Value> = match &mut feed.kind {
            Kind::Table => {
                if opts.include_initial {
                    feed.table
                        .snapshot()
                        .iter()
                        .map(|d| (**d).clone())
                        .collect()
                } else {
                    Vec::new()
                }
            }
            Kind::Point(key) => {
                if opts.include_initial {
                    vec![
                        feed.table
                            .get(key)
                            .map(|d| (*d).clone())
                            .unwrap_or(Value::Null),
                    ]
                } else {
                    Vec::new()
                }
            }
            Kind::Top { .. } => {
                let top = feed.top()?;
                if let Kind::Top { current, .. } = &mut feed.kind {
                    *current = top.clone();
                }
                if opts.include_initial {
                    top
                } else {
                    Vec::new()
                }
            }
        };
        for d in initial {
            let row = feed.row(None, Some(d), "initial");
            feed.pending.push_back(row);
        }
        if opts.include_states {
            let row = feed.state_row("ready");
            feed.pending.push_back(row);
        }
        Ok(feed)
    }

    fn top(&self) -> RResult<Vec<Value>> {
        let Kind::Top {
            index, desc, limit, ..
        } = &self.kind
        else {
            return Ok(Vec::new());
        };
        let mut entries = self.ctx.index_entries(&self.table, index)?;
        let pk = self.table.primary_key.clone();
        entries.sort_by(|a, b| {
            let c = datum::cmp(&a.0, &b.0).then_with(|| {
                datum::cmp(
                    a.1.get(&pk).unwrap_or(&Value::Null),
                    b.1.get(&pk).unwrap_or(&Value::Null),
                )
            });
            if *desc { c.reverse() } else { c }
        });
        Ok(entries
            .into_iter()
            .take(*limit)
            .map(|(_, d)| (*d).clone())
            .collect())
    }

    fn state_row(&self, state: &str) -> Value {
        if self.opts.include_types {
            json!({"state": state, "type": "state"})
        } else {
            json!({"state": state})
        }
    }

    fn row(&self, old: Option<Value>, new: Option<Value>, ty: &str) -> Value {
        let mut m = serde_json::Map::new();
        if ty != "initial" {
            m.insert("old_val".into(), old.unwrap_or(Value::Null));
        }
        m.insert("new_val".into(), new.unwrap_or(Value::Null));
        if self.opts.include_types {
            m.insert("type".into(), json!(ty));
        }
        Value::Object(m)
    }

    /// Rows ready now without waiting (initial rows and states).
    pub fn ready_rows(&mut self) -> Vec<Value> {
        self.pending.drain(..).map(datum::canonical).collect()
    }

    /// Every row available without waiting: queued rows and changes already received
    /// (lets a server fill a batch after `next` returned one row).
    pub fn drain_ready(&mut self) -> RResult<Vec<Value>> {
        while self.take_one()? {}
        Ok(self.ready_rows())
    }

    /// Waits for the next row of the feed.
    pub async fn next(&mut self) -> RResult<Value> {
        loop {
            if let Some(v) = self.pending.pop_front() {
                return Ok(datum::canonical(v));
            }
            if !self.take_one()? {
                self.queue.wait().await;
            }
        }
    }

    /// Moves what the queue holds next into `pending`; false when it held nothing.
    fn take_one(&mut self) -> RResult<bool> {
        if self.opts.squash {
            return self.take_squashed();
        }
        match self.queue.take() {
            Queue::Change(c) => self.apply(c)?,
            Queue::Skipped(n) => self.pending.push_back(json!({
                "error": format!("Changefeed cache over array size limit, skipped {n} elements.")
            })),
            Queue::Empty => return Ok(false),
        }
        Ok(true)
    }

    /// Everything waiting, with the changes to each document merged into one (from its
    /// first old value to its last new value), in the order the documents first changed.
    fn take_squashed(&mut self) -> RResult<bool> {
        let mut merged: Vec<(Value, Change)> = Vec::new();
        let pk = self.table.primary_key.clone();
        let key = |c: &Change| {
            let doc = c.new.as_deref().or(c.old.as_deref());
            doc.and_then(|d| d.get(&pk)).cloned().unwrap_or(Value::Null)
        };
        let mut any = false;
        loop {
            match self.queue.take() {
                Queue::Change(c) => {
                    any = true;
                    let k = key(&c);
                    match merged.iter_mut().find(|(m, _)| datum::eq(m, &k)) {
                        Some((_, m)) => m.new = c.new,
                        None => merged.push((k, c)),
                    }
                }
                Queue::Skipped(n) => {
                    any = true;
                    merged.clear();
                    self.pending.push_back(json!({
                        "error": format!("Changefeed cache over array size limit, skipped {n} elements.")
                    }));
                }
                Queue::Empty => break,
            }
        }
        for (_, c) in merged {
            // A document made and removed while waiting did not change at all.
            if c.old.is_some() || c.new.is_some() {
                self.apply(c)?;
            }
        }
        Ok(any)
    }

    fn apply(&mut self, c: Change) -> RResult<()> {
        let old = c.old.as_deref().cloned();
        let new = c.new.as_deref().cloned();
        let ty = match (&old, &new) {
            (None, Some(_)) => "add",
            (Some(_), None) => "remove",
            _ => "change",
        };
        match &self.kind {
            Kind::Table => {
                let (old, new) = (self.through(old)?, self.through(new)?);
                let ty = match (&old, &new) {
                    (None, None) => return Ok(()),
                    (None, Some(_)) => "add",
                    (Some(_), None) => "remove",
                    _ => ty,
                };
                if let (Some(o), Some(n)) = (&old, &new)
                    && datum::eq(o, n)
                {
                    return Ok(());
                }
                let r = self.row(old, new, ty);
                self.pending.push_back(r);
            }
            Kind::Point(key) => {
                let pk = &self.table.primary_key;
                let doc = old.as_ref().or(new.as_ref());
                if doc
                    .and_then(|d| d.get(pk))
                    .is_some_and(|k| datum::eq(k, key))
                {
                    let r = self.row(old, new, "change");
                    self.pending.push_back(r);
                }
            }
            Kind::Top { current, .. } => {
                let before = current.clone();
                let after = self.top()?;
                let pk = self.table.primary_key.clone();
                let id = |d: &Value| d.get(&pk).cloned().unwrap_or(Value::Null);
                let removed: Vec<Value> = before
                    .iter()
                    .filter(|b| !after.iter().any(|a| datum::eq(&id(a), &id(b))))
                    .cloned()
                    .collect();
                let added: Vec<Value> = after
                    .iter()
                    .filter(|a| !before.iter().any(|b| datum::eq(&id(a), &id(b))))
                    .cloned()
                    .collect();
                let mut rows = Vec::new();
                for b in &before {
                    if let Some(a) = after.iter().find(|a| datum::eq(&id(a), &id(b)))
                        && !datum::eq(a, b)
                    {
                        rows.push(self.row(Some(b.clone()), Some(a.clone()), "change"));
                    }
                }
                let n = removed.len().max(added.len());
                for i in 0..n {
                    rows.push(self.row(removed.get(i).cloned(), added.get(i).cloned(), "change"));
                }
                if let Kind::Top { current, .. } = &mut self.kind {
                    *current = after;
                }
                self.pending.extend(rows);
            }
        }
        Ok(())
    }
}
