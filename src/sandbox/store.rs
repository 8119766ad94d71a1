//! The in-memory store: databases, tables ordered by primary key, index definitions,
//! and the change channel of each table.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use serde_json::Value;
use tokio::sync::Notify;

use super::datum::Key;

/// The server's default `changefeed_queue_size`: changes a feed holds for a slow reader.
pub const DEFAULT_FEED_QUEUE: usize = 100_000;

/// Reads a lock, recovering the data if a writer panicked.
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

/// Writes a lock, recovering the data if a writer panicked.
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

/// One write to a document, as seen by changefeeds.
#[derive(Debug, Clone)]
pub struct Change {
    /// The document before the write (None when inserted).
    pub old: Option<Arc<Value>>,
    /// The document after the write (None when deleted).
    pub new: Option<Arc<Value>>,
}

/// The changes waiting for one feed's reader, bounded by its `changefeed_queue_size`.
#[derive(Debug)]
pub struct Subscription {
    limit: usize,
    state: Mutex<Queued>,
    ready: Notify,
}

#[derive(Debug, Default)]
struct Queued {
    changes: VecDeque<Change>,
    /// Changes thrown away since the reader last looked (the queue overflowed).
    skipped: usize,
}

/// What a feed finds in its queue.
#[derive(Debug)]
pub enum Queue {
    /// The next change.
    Change(Change),
    /// The queue overflowed and this many changes were dropped.
    Skipped(usize),
    /// Nothing yet.
    Empty,
}

impl Subscription {
    fn push(&self, change: Change) {
        let mut q = lock(&self.state);
        // As the server does: a queue that would outgrow its limit is emptied and counted,
        // and the reader is told how many changes it missed.
        if q.changes.len() >= self.limit {
            q.skipped += q.changes.len() + 1;
            q.changes.clear();
        } else {
            q.changes.push_back(change);
        }
        drop(q);
        self.ready.notify_one();
    }

    /// Takes the next change, or the number skipped first, without waiting.
    pub fn take(&self) -> Queue {
        let mut q = lock(&self.state);
        if q.skipped > 0 {
            return Queue::Skipped(std::mem::take(&mut q.skipped));
        }
        match q.changes.pop_front() {
            Some(c) => Queue::Change(c),
            None => Queue::Empty,
        }
    }

    /// Waits until a change may have arrived (cancel-safe: the queue keeps it).
    pub async fn wait(&self) {
        self.ready.notified().await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A secondary index definition: the function is kept as a wire term and evaluated.
#[derive(Debug, Clone)]
pub struct IndexDef {
    /// The index function, a FUNC wire term of one parameter.
    pub function: Value,
    /// Multi index: each element of an array value is a key.
    pub multi: bool,
    /// Geospatial index (declared only; the sandbox has no geo terms).
    pub geo: bool,
}

/// Documents and indexes of a table.
#[derive(Debug, Default)]
pub struct TableData {
    /// Documents by primary key, in RethinkDB's order.
    pub docs: BTreeMap<Key, Arc<Value>>,
    /// Secondary indexes by name.
    pub indexes: BTreeMap<String, IndexDef>,
}

/// A table of a database.
#[derive(Debug)]
pub struct Table {
    /// Table UUID.
    pub id: String,
    /// Database name.
    pub db: String,
    /// Database UUID.
    pub db_id: String,
    /// Table name.
    pub name: String,
    /// Primary key field.
    pub primary_key: String,
    /// Documents and indexes.
    pub data: RwLock<TableData>,
    /// How many shards `reconfigure` last asked for (all on this one server).
    pub shards: std::sync::atomic::AtomicUsize,
    /// The open feeds' queues (a dropped feed's entry is pruned on the next write).
    feeds: Mutex<Vec<Weak<Subscription>>>,
}

impl Table {
    fn new(db: &str, db_id: &str, name: &str, primary_key: &str) -> Self {
        Table {
            id: uuid::Uuid::new_v4().to_string(),
            db: db.to_string(),
            db_id: db_id.to_string(),
            name: name.to_string(),
            primary_key: primary_key.to_string(),
            data: RwLock::new(TableData::default()),
            shards: std::sync::atomic::AtomicUsize::new(1),
            feeds: Mutex::default(),
        }
    }

    /// A table that belongs to no store (the snapshots of system tables).
    pub fn detached(db: &str, name: &str, primary_key: &str) -> Self {
        Table::new(db, "", name, primary_key)
    }

    /// `db.table` as used in messages.
    pub fn display(&self) -> String {
        format!("{}.{}", self.db, self.name)
    }

    /// The document with this primary key.
    pub fn get(&self, key: &Value) -> Option<Arc<Value>> {
        read(&self.data).docs.get(&Key(key.clone())).cloned()
    }

    /// Up to `n` documents after `after` (from the start when None), without copying the table.
    pub fn page(&self, after: Option<&Key>, n: usize) -> Vec<(Key, Arc<Value>)> {
        let data = read(&self.data);
        let lower = match after {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Unbounded,
        };
        data.docs
            .range((lower, Bound::Unbounded))
            .take(n)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        read(&self.data).docs.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Snapshot of all document handles (no deep copy).
    pub fn snapshot(&self) -> Vec<Arc<Value>> {
        read(&self.data).docs.values().cloned().collect()
    }

    /// Publishes a change to the table's feeds.
    pub fn notify(&self, old: Option<Arc<Value>>, new: Option<Arc<Value>>) {
        let mut feeds = lock(&self.feeds);
        feeds.retain(|f| f.strong_count() > 0);
        for f in feeds.iter().filter_map(Weak::upgrade) {
            f.push(Change {
                old: old.clone(),
                new: new.clone(),
            });
        }
    }

    /// Opens a queue of this table's changes holding at most `limit` for a slow reader.
    pub fn subscribe(&self, limit: usize) -> Arc<Subscription> {
        let sub = Arc::new(Subscription {
            limit,
            state: Mutex::default(),
            ready: Notify::new(),
        });
        lock(&self.feeds).push(Arc::downgrade(&sub));
        sub
    }
}

/// A database.
#[derive(Debug)]
pub struct Db {
    /// Database UUID.
    pub id: String,
    /// Tables by name.
    pub tables: BTreeMap<String, Arc<Table>>,
}

/// All databases of a sandbox.
#[derive(Debug)]
pub struct Store {
    dbs: RwLock<BTreeMap<String, Db>>,
    /// Name of this sandbox server.
    pub server_name: String,
    /// UUID of this sandbox server.
    pub server_id: String,
    /// When the store was created (epoch seconds).
    pub started: f64,
    /// The driver address the server listens on (set once it is bound), for `server_status`.
    reql_addr: std::sync::OnceLock<std::net::SocketAddr>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// A fresh store holding the empty `test` database.
    pub fn new() -> Self {
        let store = Store {
            dbs: RwLock::new(BTreeMap::new()),
            server_name: "rdbsh_sandbox".to_string(),
            server_id: uuid::Uuid::new_v4().to_string(),
            started: chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
            reql_addr: std::sync::OnceLock::new(),
        };
        store.db_create("test");
        store
    }

    /// Records the driver address the server listens on (the first one set stays).
    pub fn set_reql_addr(&self, addr: std::net::SocketAddr) {
        let _ = self.reql_addr.set(addr);
    }

    /// The driver address the server listens on, once bound.
    pub fn reql_addr(&self) -> Option<std::net::SocketAddr> {
        self.reql_addr.get().copied()
    }

    /// Names of the databases, sorted.
    pub fn db_names(&self) -> Vec<String> {
        read(&self.dbs).keys().cloned().collect()
    }

    /// UUID of a database.
    pub fn db_id(&self, db: &str) -> Option<String> {
        read(&self.dbs).get(db).map(|d| d.id.clone())
    }

    /// Creates a database; false when it exists.
    pub fn db_create(&self, name: &str) -> bool {
        let mut dbs = write(&self.dbs);
        if dbs.contains_key(name) {
            return false;
        }
        dbs.insert(
            name.to_string(),
            Db {
                id: uuid::Uuid::new_v4().to_string(),
                tables: BTreeMap::new(),
            },
        );
        true
    }

    /// Drops a database and returns its id and tables.
    pub fn db_drop(&self, name: &str) -> Option<Db> {
        write(&self.dbs).remove(name)
    }

    /// The tables of a database, sorted by name.
    pub fn tables(&self, db: &str) -> Option<Vec<Arc<Table>>> {
        read(&self.dbs)
            .get(db)
            .map(|d| d.tables.values().cloned().collect())
    }

    /// All tables of all databases.
    pub fn all_tables(&self) -> Vec<Arc<Table>> {
        read(&self.dbs)
            .values()
            .flat_map(|d| d.tables.values().cloned())
            .collect()
    }

    /// A table by database and name.
    pub fn table(&self, db: &str, name: &str) -> Option<Arc<Table>> {
        read(&self.dbs).get(db)?.tables.get(name).cloned()
    }

    /// Creates a table; Err(true) when the db is missing, Err(false) when the table exists.
    pub fn table_create(
        &self,
        db: &str,
        name: &str,
        primary_key: &str,
    ) -> Result<Arc<Table>, bool> {
        let mut dbs = write(&self.dbs);
        let d = dbs.get_mut(db).ok_or(true)?;
        if d.tables.contains_key(name) {
            return Err(false);
        }
        let t = Arc::new(Table::new(db, &d.id, name, primary_key));
        d.tables.insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// Drops a table.
    pub fn table_drop(&self, db: &str, name: &str) -> Option<Arc<Table>> {
        write(&self.dbs).get_mut(db)?.tables.remove(name)
    }
}
