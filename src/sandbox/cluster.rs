//! The sandbox as a one-server cluster: `wait`, `reconfigure` and `rebalance` on tables and
//! databases, answered in the shape RethinkDB 2.4.4 gives for a cluster of one server, and
//! the `table_config` / `table_status` documents they report. Shards are all on this server
//! and always ready; more replicas than one server can hold are refused as the server does.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::admin::SYSTEM_DB;
use super::datum::{self, as_int, as_str};
use super::error::{RResult, ReqlError};
use super::eval::{Ctx, Env, Opts, Val, val_type};
use super::store::{Table, read};
use crate::protocol::TermType as T;

/// The tag every server has.
const DEFAULT_TAG: &str = "default";
/// The server's limit on shards per table.
const MAX_SHARDS: i64 = 64;
/// The readiness states `wait_for` may name.
const READINESS: [&str; 4] = [
    "ready_for_outdated_reads",
    "ready_for_reads",
    "ready_for_writes",
    "all_replicas_ready",
];

/// What a cluster term works on: one table or every table of a database.
enum Target {
    Table(Arc<Table>),
    Db(Vec<Arc<Table>>),
}

impl Ctx {
    /// `table.wait()`, `db.wait()`, `reconfigure(...)` and `rebalance()`.
    pub fn eval_cluster(
        &self,
        tt: T,
        args: &[Value],
        opts: Opts<'_>,
        env: &Env,
    ) -> RResult<Option<Val>> {
        let target = self.cluster_target(args, env, tt)?;
        let v = match tt {
            T::Wait => self.wait_tables(&target, opts, env)?,
            T::Reconfigure => self.reconfigure(&target, opts, env)?,
            _ => rebalance(self, &target),
        };
        Ok(Some(Val::Datum(v)))
    }

    /// The table or database argument; the system database is refused as on the server.
    fn cluster_target(&self, args: &[Value], env: &Env, tt: T) -> RResult<Target> {
        let special = |db: &str| {
            if db != SYSTEM_DB {
                return Ok(());
            }
            let why = match tt {
                T::Wait => {
                    "the system tables in it are always available and don't need to be waited on"
                }
                T::Reconfigure => "you can't configure the tables in it",
                _ => "you can't rebalance the tables in it",
            };
            Err(ReqlError::op_failed(format!(
                "Database `{SYSTEM_DB}` is special; {why}."
            )))
        };
        match self.arg(args, 0, env)? {
            Val::Table(t) => {
                special(&t.db)?;
                Ok(Target::Table(t))
            }
            Val::Db(db) => {
                special(&db)?;
                self.check_db(&db).map_err(|e| e.at(json!(0)))?;
                let mut tables = self.store.tables(&db).unwrap_or_default();
                tables.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Target::Db(tables))
            }
            Val::Datum(d) => Err(ReqlError::logic(format!(
                "Expected type TABLE but found DATUM:\n{}",
                datum::print(&d)
            ))
            .at(json!(0))),
            other => Err(ReqlError::logic(format!(
                "Expected type TABLE but found {}.",
                val_type(&other)
            ))
            .at(json!(0))),
        }
    }

    /// `{ready: n}` at once (every table of the sandbox is always ready), after checking
    /// `wait_for` and `timeout`; a timeout of 0 fails as soon as there is a table to wait on.
    fn wait_tables(&self, target: &Target, opts: Opts<'_>, env: &Env) -> RResult<Value> {
        if let Some(w) = self.opt(opts, "wait_for", env)? {
            let w = as_str(&w).map_err(|e| e.at(json!("wait_for")))?;
            if !READINESS.contains(&w) {
                return Err(ReqlError::logic(format!(
                    "Unknown table readiness state: '{w}', must be one of 'ready_for_outdated_reads', 'ready_for_reads', 'ready_for_writes', or 'all_replicas_ready'"
                ))
                .at(json!("wait_for")));
            }
        }
        let timeout = match self.opt(opts, "timeout", env)? {
            Some(t) => Some(as_int(&t).map_err(|e| e.at(json!("timeout")))?),
            None => None,
        };
        let ready = match target {
            Target::Table(_) => 1,
            Target::Db(tables) => tables.len(),
        };
        if ready > 0 && timeout.is_some_and(|t| t <= 0) {
            return Err(ReqlError::op_failed("Timed out while waiting for tables."));
        }
        Ok(json!({ "ready": ready }))
    }

    /// `reconfigure({shards, replicas, primary_replica_tag, nonvoting_replica_tags, dry_run,
    /// emergency_repair})`: the config changes, applied unless `dry_run`.
    fn reconfigure(&self, target: &Target, opts: Opts<'_>, env: &Env) -> RResult<Value> {
        if let Some(repair) = self.opt(opts, "emergency_repair", env)? {
            if !matches!(
                repair.as_str(),
                Some("unsafe_rollback" | "unsafe_rollback_or_erase")
            ) {
                return Err(ReqlError::logic(
                    "`emergency_repair` should be \"unsafe_rollback\" or \"unsafe_rollback_or_erase\"",
                )
                .at(json!("emergency_repair")));
            }
            return Err(ReqlError::op_failed(
                "This table doesn't need to be repaired.",
            ));
        }
        let shards = self.shards_option(opts, env)?;
        self.replicas_option(opts, env)?;
        if shards > MAX_SHARDS {
            return Err(ReqlError::op_failed(format!(
                "Maximum number of shards is {MAX_SHARDS}."
            )));
        }
        let dry_run = self
            .opt(opts, "dry_run", env)?
            .is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false)));
        let shards = usize::try_from(shards).unwrap_or(1);
        let mut config_changes = Vec::new();
        let mut status_changes = Vec::new();
        for t in target.tables() {
            let old_config = self.table_config(t);
            let old_status = self.table_status(t);
            if dry_run {
                config_changes.push(json!({
                    "new_val": with_shards(&old_config, shards, &self.config_shard()),
                    "old_val": old_config,
                }));
                continue;
            }
            t.shards.store(shards, Ordering::Relaxed);
            config_changes.push(json!({"new_val": self.table_config(t), "old_val": old_config}));
            status_changes.push(json!({"new_val": self.table_status(t), "old_val": old_status}));
        }
        if config_changes.is_empty() {
            return Ok(json!({}));
        }
        Ok(if dry_run {
            json!({"config_changes": config_changes, "reconfigured": 0})
        } else {
            json!({
                "config_changes": config_changes,
                "reconfigured": status_changes.len(),
                "status_changes": status_changes,
            })
        })
    }

    /// `shards`: required, an integer of at least one.
    fn shards_option(&self, opts: Opts<'_>, env: &Env) -> RResult<i64> {
        let Some(v) = self.opt(opts, "shards", env)? else {
            return Err(ReqlError::logic("Missing required argument `shards`."));
        };
        let n = as_int(&v).map_err(|e| e.at(json!("shards")))?;
        if n < 1 {
            return Err(
                ReqlError::logic("Every table must have at least one shard.").at(json!("shards")),
            );
        }
        Ok(n)
    }

    /// `replicas` (a number, or replicas per server tag with `primary_replica_tag`) and
    /// `nonvoting_replica_tags`, checked against the one server and its one tag.
    fn replicas_option(&self, opts: Opts<'_>, env: &Env) -> RResult<()> {
        let Some(v) = self.opt(opts, "replicas", env)? else {
            return Err(ReqlError::logic("Missing required argument `replicas`."));
        };
        let nonvoting = self.opt(opts, "nonvoting_replica_tags", env)?.is_some();
        let at_replicas = |e: ReqlError| e.at(json!("replicas"));
        let per_tag: Vec<(String, i64)> = match &v {
            Value::Number(_) => {
                if nonvoting {
                    return Err(at_replicas(ReqlError::logic(
                        "`replicas` must be an OBJECT if `nonvoting_replica_tags` is specified.",
                    )));
                }
                vec![(DEFAULT_TAG.to_owned(), as_int(&v).map_err(at_replicas)?)]
            }
            Value::Object(m) if datum::pseudo_type(&v).is_none() => {
                let Some(primary) = self.opt(opts, "primary_replica_tag", env)? else {
                    return Err(at_replicas(ReqlError::logic(
                        "`primary_replica_tag` must be specified when `replicas` is an OBJECT.",
                    )));
                };
                let primary = as_str(&primary)
                    .map_err(|e| e.at(json!("primary_replica_tag")))?
                    .to_owned();
                let mut per_tag = Vec::new();
                for (tag, n) in m {
                    per_tag.push((tag.clone(), as_int(n).map_err(at_replicas)?));
                }
                if !m.contains_key(&primary) {
                    return Err(ReqlError::op_failed(format!(
                        "Can't use server tag `{primary}` for primary replicas because you specified no replicas in server tag `{primary}`."
                    )));
                }
                per_tag
            }
            other => {
                return Err(at_replicas(ReqlError::logic(format!(
                    "Expected type OBJECT or NUMBER but found {}:\n{}",
                    datum::type_name(other),
                    datum::print(other)
                ))));
            }
        };
        if per_tag.iter().map(|(_, n)| n).sum::<i64>() < 1 {
            return Err(ReqlError::op_failed(
                "You must set `replicas` to at least one. `replicas` includes the primary replica; if there are zero replicas, there is nowhere to put the data.",
            ));
        }
        for (tag, n) in per_tag {
            if tag != DEFAULT_TAG {
                return Err(ReqlError::op_failed(format!(
                    "Could not find any servers with server tag `{tag}`."
                )));
            }
            if n > 1 {
                return Err(ReqlError::op_failed(format!(
                    "Can't put {n} replicas on servers with the tag `{tag}` because there are only 1 servers with the tag `{tag}`. It's impossible to have more replicas of the data than there are servers."
                )));
            }
        }
        Ok(())
    }

    /// The `table_config` document of a table.
    pub fn table_config(&self, t: &Table) -> Value {
        let idx: Vec<String> = read(&t.data).indexes.keys().cloned().collect();
        let shards = vec![self.config_shard(); t.shards.load(Ordering::Relaxed).max(1)];
        json!({
            "db": t.db, "durability": "hard", "id": t.id, "indexes": idx, "name": t.name,
            "primary_key": t.primary_key, "shards": shards,
            "write_acks": "majority", "write_hook": null
        })
    }

    /// The `table_status` document of a table: every shard ready on this server.
    pub fn table_status(&self, t: &Table) -> Value {
        let s = &self.store.server_name;
        let shard = json!({"primary_replicas": [s], "replicas": [{"server": s, "state": "ready"}]});
        let shards = vec![shard; t.shards.load(Ordering::Relaxed).max(1)];
        json!({
            "db": t.db, "id": t.id, "name": t.name, "raft_leader": s, "shards": shards,
            "status": {"all_replicas_ready": true, "ready_for_outdated_reads": true, "ready_for_reads": true, "ready_for_writes": true}
        })
    }

    /// One shard of a `table_config`: this server as its only, primary replica.
    fn config_shard(&self) -> Value {
        let s = &self.store.server_name;
        json!({"nonvoting_replicas": [], "primary_replica": s, "replicas": [s]})
    }
}

impl Target {
    fn tables(&self) -> &[Arc<Table>] {
        match self {
            Target::Table(t) => std::slice::from_ref(t),
            Target::Db(tables) => tables,
        }
    }
}

/// A config document with `n` copies of `shard` as its shards.
fn with_shards(config: &Value, n: usize, shard: &Value) -> Value {
    let mut c = config.clone();
    if let Some(o) = c.as_object_mut() {
        o.insert("shards".into(), Value::Array(vec![shard.clone(); n]));
    }
    c
}

/// `rebalance()`: the server counts the tables that hold documents (their split points are
/// recomputed); each table's status is reported unchanged (all on this server).
fn rebalance(ctx: &Ctx, target: &Target) -> Value {
    let tables = target.tables();
    if tables.is_empty() {
        return json!({});
    }
    let rebalanced = tables.iter().filter(|t| !t.is_empty()).count();
    let status_changes: Vec<Value> = tables
        .iter()
        .map(|t| {
            let s = ctx.table_status(t);
            json!({"new_val": s, "old_val": s})
        })
        .collect();
    json!({"rebalanced": rebalanced, "status_changes": status_changes})
}
