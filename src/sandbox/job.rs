//! The queries running on the sandbox, as `rethinkdb.jobs` lists them, and their interruption
//! when their row is deleted.
//!
//! The server registers every START before it is evaluated and keeps it registered until its
//! last response (a stream waiting for CONTINUE and an open changefeed are running queries, as
//! on RethinkDB). Deleting a job's row signals the query's task, which answers its client with
//! the error RethinkDB 2.4 sends (`Query terminated by the `rethinkdb.jobs` table.`, a runtime
//! OP_INDETERMINATE error) and ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::sync::watch;
use uuid::Uuid;

use super::error::{ErrorType, ReqlError};

/// The message a client reads when its query was killed through `rethinkdb.jobs`.
pub const TERMINATED_MESSAGE: &str = "Query terminated by the `rethinkdb.jobs` table.";

/// The error a killed query's client receives (RUNTIME_ERROR, OP_INDETERMINATE, no backtrace).
pub fn terminated() -> ReqlError {
    ReqlError::runtime(ErrorType::OpIndeterminate, TERMINATED_MESSAGE)
}

/// Tells a query's evaluation to stop: set when nobody can use its answer any more (its
/// connection closed, its job was deleted, or a STOP came before its first answer). The
/// evaluator looks at it before every term and at every row of a range, and unwinds with
/// [`terminated`]; without it, an abandoned `r.range(1e9).forEach(...)` went on writing.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Asks the evaluation to stop.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once asked to stop.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The error to unwind with once asked to stop.
    pub fn check(&self) -> Result<(), ReqlError> {
        if self.is_set() {
            Err(terminated())
        } else {
            Ok(())
        }
    }

    /// A guard that sets it when dropped: held by the task that answers the query, so an
    /// evaluation outliving its task (its connection closed) stops too.
    pub fn on_drop(&self) -> SetOnDrop {
        SetOnDrop(self.clone())
    }
}

/// Sets its [`Interrupt`] when dropped (see [`Interrupt::on_drop`]).
#[derive(Debug)]
pub struct SetOnDrop(Interrupt);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// One running query.
struct Entry {
    client: SocketAddr,
    query: String,
    user: String,
    started: Instant,
    interrupt: watch::Sender<bool>,
}

/// Every running query of one sandbox, by job id.
#[derive(Default)]
pub struct Jobs {
    entries: Mutex<HashMap<Uuid, Entry>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("running", &self.lock().len())
            .finish()
    }
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, Entry>> {
        // Every critical section is one insert, remove or read: a poisoned map is consistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a query from `client` run by `user`; it is listed until the handle is
    /// finished or dropped.
    pub fn register(self: &Arc<Self>, client: SocketAddr, term: &Value, user: &str) -> JobHandle {
        let id = Uuid::new_v4();
        let (interrupt, interrupted) = watch::channel(false);
        self.lock().insert(
            id,
            Entry {
                client,
                query: super::printer::javascript(term),
                user: user.to_owned(),
                started: Instant::now(),
                interrupt,
            },
        );
        JobHandle {
            jobs: Arc::clone(self),
            id,
            interrupted,
        }
    }

    /// The `rethinkdb.jobs` rows of the running queries, on server `server`.
    pub fn rows(&self, server: &str) -> Vec<Value> {
        let now = Instant::now();
        self.lock()
            .iter()
            .map(|(id, e)| {
                json!({
                    "duration_sec": now.saturating_duration_since(e.started).as_secs_f64(),
                    "id": ["query", id.to_string()],
                    "info": {
                        "client_address": e.client.ip().to_string(),
                        "client_port": e.client.port(),
                        "query": e.query,
                        "user": e.user,
                    },
                    "servers": [server],
                    "type": "query"
                })
            })
            .collect()
    }

    /// Interrupts the job whose primary key is `key` (`["query", uuid]`); false when there is
    /// no such running query (then nothing happens, as on the server).
    pub fn interrupt(&self, key: &Value) -> bool {
        let Some(id) = job_id(key) else {
            return false;
        };
        // An interrupted query is no longer listed, even before its task has answered.
        match self.lock().remove(&id) {
            Some(entry) => {
                entry.interrupt.send_replace(true);
                true
            }
            None => false,
        }
    }

    /// How many queries are running.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no query is running.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The uuid of a query job's primary key `["query", "<uuid>"]`.
fn job_id(key: &Value) -> Option<Uuid> {
    match key.as_array().map(Vec::as_slice) {
        Some([Value::String(kind), Value::String(id)]) if kind == "query" => {
            Uuid::parse_str(id).ok()
        }
        _ => None,
    }
}

/// A registered query; dropping it takes the query off the jobs table.
#[derive(Debug)]
pub struct JobHandle {
    jobs: Arc<Jobs>,
    id: Uuid,
    interrupted: watch::Receiver<bool>,
}

impl JobHandle {
    /// The job's primary key, `["query", "<uuid>"]`.
    pub fn key(&self) -> Value {
        json!(["query", self.id.to_string()])
    }

    /// True once the job's row was deleted.
    pub fn is_interrupted(&self) -> bool {
        *self.interrupted.borrow()
    }

    /// Resolves when the job's row is deleted (never, if it is not). Cancel-safe.
    pub async fn interrupted(&mut self) {
        if self.interrupted.wait_for(|i| *i).await.is_err() {
            // The sender lives in the registry until the job is removed; without it nothing
            // can interrupt this query any more.
            std::future::pending::<()>().await;
        }
    }

    /// Takes the query off the jobs table (its last response is about to be sent).
    pub fn finish(&self) {
        self.jobs.lock().remove(&self.id);
    }
}

impl Drop for JobHandle {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::TermType as T;

    fn addr() -> SocketAddr {
        "127.0.0.1:40000".parse().unwrap()
    }

    #[test]
    fn a_job_is_listed_until_its_handle_goes() {
        let jobs = Arc::new(Jobs::default());
        let term = json!([T::Changes, [[T::Table, [[T::Db, ["demo"]], "users"]]]]);
        let job = jobs.register(addr(), &term, "admin");
        let rows = jobs.rows("sandbox");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["id"], job.key());
        assert_eq!(rows[0]["type"], "query");
        assert_eq!(rows[0]["servers"], json!(["sandbox"]));
        assert_eq!(
            rows[0]["info"],
            json!({"client_address": "127.0.0.1", "client_port": 40000,
                   "query": "r.db(\"demo\").table(\"users\").changes()", "user": "admin"})
        );
        drop(job);
        assert!(jobs.is_empty());
    }

    #[tokio::test]
    async fn deleting_a_row_interrupts_its_query_and_unknown_keys_do_nothing() {
        let jobs = Arc::new(Jobs::default());
        let mut job = jobs.register(addr(), &json!([T::Datum, []]), "admin");
        assert!(!jobs.interrupt(&json!(["query", Uuid::new_v4().to_string()])));
        assert!(!jobs.interrupt(&json!("nonsense")));
        assert!(!job.is_interrupted());
        assert!(jobs.interrupt(&job.key()));
        job.interrupted().await;
        assert!(job.is_interrupted());
        assert!(jobs.is_empty());
        // A second delete finds nothing.
        assert!(!jobs.interrupt(&job.key()));
    }
}
