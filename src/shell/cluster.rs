//! The cluster picture: servers, tables with their shards and replicas, and the current
//! issues, read with one query on the system tables and turned into plain types.
//!
//! [`CLUSTER_QUERY`] is the text to run (the TUI runs it like the catalog query),
//! [`Cluster::from_value`] reads its answer without any I/O, and [`load`] does both on a
//! link; [`status`] adds the server that answered. `rdbsh status` and `.status` print
//! [`Status::text`] (`rdbsh status --format json`: [`Status::to_json`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::{net, reql};

/// One query that reads the whole picture: `server_status`, `table_config`, `table_status`,
/// `current_issues`, the backfill jobs (for their progress) and the server's clock (for
/// uptimes that do not depend on the local clock).
pub const CLUSTER_QUERY: &str = "r.expr({\
servers: r.db('rethinkdb').table('server_status').coerceTo('array'), \
config: r.db('rethinkdb').table('table_config').coerceTo('array'), \
status: r.db('rethinkdb').table('table_status').coerceTo('array'), \
issues: r.db('rethinkdb').table('current_issues').coerceTo('array'), \
backfills: r.db('rethinkdb').table('jobs').filter({type: 'backfill'}).coerceTo('array'), \
now: r.now()})";

/// The whole cluster as one server sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// Connected servers (from `server_status`) first, sorted by name, then the servers that
    /// tables name but that are not connected.
    pub servers: Vec<Server>,
    /// Every table, sorted by database and name.
    pub tables: Vec<Table>,
    /// `current_issues`, critical ones first.
    pub issues: Vec<Issue>,
}

/// One server of the cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Server {
    pub name: String,
    /// Server id (a UUID); unknown for a server that is not connected.
    pub id: Option<String>,
    /// In `server_status`, i.e. connected to the server that answered.
    pub connected: bool,
    /// Where drivers reach it: each canonical address's host with the driver port.
    pub driver_addresses: Vec<(String, u16)>,
    /// Since the process started, by the answering server's clock.
    pub uptime: Option<Duration>,
    /// `process.version`.
    pub version: Option<String>,
}

impl Server {
    /// `host:port` of the first driver address (IPv6 in brackets), when known.
    pub fn address(&self) -> Option<String> {
        self.driver_addresses
            .first()
            .map(|(host, port)| crate::config::host_port(host, *port))
    }
}

/// One table: where its shards live and whether it is ready.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub db: String,
    pub name: String,
    pub primary_key: String,
    /// Shards in order, from `table_config` joined with `table_status`.
    pub shards: Vec<Shard>,
    pub readiness: Readiness,
    /// The server that leads the table's Raft cluster.
    pub raft_leader: Option<String>,
}

impl Table {
    /// `db.name`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.db, self.name)
    }
}

/// One shard of a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shard {
    /// The configured primary (`table_config`).
    pub primary: Option<String>,
    /// The servers acting as primary now (`table_status`); empty while none is.
    pub acting_primaries: Vec<String>,
    /// Every replica with its state, the configured ones in configured order.
    pub replicas: Vec<Replica>,
}

/// A replica of a shard on one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub server: String,
    pub state: ReplicaState,
    /// Configured as a non-voting replica.
    pub nonvoting: bool,
}

/// A replica's state in `table_status`.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplicaState {
    Ready,
    /// Copying data; `progress` (0 to 1) from the backfill job, when one is listed.
    Backfilling {
        progress: Option<f64>,
    },
    Transitioning,
    WaitingForPrimary,
    WaitingForQuorum,
    Disconnected,
    /// A state this version of rdbsh does not know, as the server wrote it.
    Other(String),
}

impl ReplicaState {
    fn parse(text: &str) -> ReplicaState {
        match text {
            "ready" => ReplicaState::Ready,
            "backfilling" => ReplicaState::Backfilling { progress: None },
            "transitioning" => ReplicaState::Transitioning,
            "waiting_for_primary" => ReplicaState::WaitingForPrimary,
            "waiting_for_quorum" => ReplicaState::WaitingForQuorum,
            "disconnected" => ReplicaState::Disconnected,
            other => ReplicaState::Other(other.to_owned()),
        }
    }

    /// The server's word for the state (`ready`, `backfilling`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            ReplicaState::Ready => "ready",
            ReplicaState::Backfilling { .. } => "backfilling",
            ReplicaState::Transitioning => "transitioning",
            ReplicaState::WaitingForPrimary => "waiting_for_primary",
            ReplicaState::WaitingForQuorum => "waiting_for_quorum",
            ReplicaState::Disconnected => "disconnected",
            ReplicaState::Other(s) => s,
        }
    }

    /// The state for people: `backfilling 42%` when the progress is known.
    pub fn label(&self) -> String {
        match self {
            ReplicaState::Backfilling {
                progress: Some(p), ..
            } => format!("backfilling {:.0}%", p * 100.0),
            other => other.as_str().replace('_', " "),
        }
    }

    pub fn is_ready(&self) -> bool {
        *self == ReplicaState::Ready
    }
}

/// A table's `status` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness {
    pub all_replicas_ready: bool,
    pub ready_for_writes: bool,
    pub ready_for_reads: bool,
    pub ready_for_outdated_reads: bool,
}

impl Readiness {
    /// The best of the four, as a word: `ready`, `ready for writes`, `ready for reads`,
    /// `outdated reads only` or `unavailable`.
    pub fn label(&self) -> &'static str {
        if self.all_replicas_ready {
            "ready"
        } else if self.ready_for_writes {
            "ready for writes"
        } else if self.ready_for_reads {
            "ready for reads"
        } else if self.ready_for_outdated_reads {
            "outdated reads only"
        } else {
            "unavailable"
        }
    }
}

/// One row of `current_issues`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// `type`, e.g. `table_availability`, `server_disconnected`.
    pub kind: String,
    pub critical: bool,
    pub description: String,
}

/// The answer to [`CLUSTER_QUERY`] did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected answer about the cluster: {0}; is this a RethinkDB 2.1+ server?")]
pub struct ShapeError(String);

/// Why [`load`] found no picture.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    /// The query failed: on the server, or because no server answered.
    #[error(transparent)]
    Net(#[from] net::Error),
    /// The server answered with something else than the system tables' rows.
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

impl LoadError {
    /// The process exit status: the connection's, or 1 for an answer of the wrong shape.
    pub fn exit(&self) -> crate::exit::Exit {
        match self {
            LoadError::Net(e) => e.exit(),
            LoadError::Shape(_) => crate::exit::Exit::QueryFailed,
        }
    }
}

/// Runs [`CLUSTER_QUERY`] on the link and reads its answer.
pub async fn load(link: &net::Link) -> Result<Cluster, LoadError> {
    let query = reql::compile_query(CLUSTER_QUERY)
        .map_err(|_| ShapeError("the cluster query does not compile (a bug in rdbsh)".into()))?;
    let mut optargs = Map::new();
    optargs.insert("db".into(), json!([14, ["rethinkdb"]]));
    let mut cursor = link.run_value(&query.term(), &optargs).await?;
    let rows = cursor.collect_rows().await?;
    let first = rows.first().ok_or_else(|| ShapeError("no answer".into()))?;
    let value: Value = serde_json::from_str(first.get())
        .map_err(|e| ShapeError(format!("the answer is not JSON ({e})")))?;
    Ok(Cluster::from_value(&value)?)
}

/// The picture with the place the link is on: what `rdbsh status` and `.status` print.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub cluster: Cluster,
    /// The server that answered, when it said its name within [`IDENTIFY_WAIT`].
    pub here: Option<net::Endpoint>,
}

/// How long [`status`] waits for the server's name after the picture.
pub const IDENTIFY_WAIT: Duration = Duration::from_secs(2);

/// [`load`], then which server answered (its name needs one more round trip, given up after
/// [`IDENTIFY_WAIT`]: the picture is shown without its mark then).
pub async fn status(link: &net::Link) -> Result<Status, LoadError> {
    let cluster = load(link).await?;
    let here = tokio::time::timeout(IDENTIFY_WAIT, link.identify())
        .await
        .ok()
        .and_then(Result::ok);
    Ok(Status { cluster, here })
}

impl Status {
    fn name(&self) -> Option<&str> {
        self.here.as_ref().and_then(|e| e.server.as_deref())
    }

    /// `connected to s2 (127.0.0.1:28016)`, then [`Cluster::text`] with that server marked.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(here) = &self.here {
            let _ = writeln!(out, "connected to {here}");
        }
        out.push_str(&self.cluster.text(self.name()));
        out
    }

    /// [`Cluster::to_json`] with `connected_to`, the address that answered.
    pub fn to_json(&self) -> Value {
        let mut value = self.cluster.to_json(self.name());
        if let Some(here) = &self.here {
            value["connected_to"] = json!(here.address.to_string());
        }
        value
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn flag(v: &Value, pointer: &str) -> bool {
    v.pointer(pointer).and_then(Value::as_bool).unwrap_or(false)
}

/// Seconds since the epoch of a `TIME` pseudo-type.
fn epoch(v: Option<&Value>) -> Option<f64> {
    v?.get("epoch_time")?.as_f64()
}

impl Cluster {
    /// Reads the answer to [`CLUSTER_QUERY`]; pure.
    pub fn from_value(value: &Value) -> Result<Cluster, ShapeError> {
        let list = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| ShapeError(format!("no {key} array")))
        };
        let now = epoch(value.get("now"));
        let mut servers: Vec<Server> = list("servers")?
            .iter()
            .filter_map(|row| server(row, now))
            .collect();
        servers.sort_by(|a, b| a.name.cmp(&b.name));
        let status = list("status")?;
        let backfills = value
            .get("backfills")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut tables: Vec<Table> = list("config")?
            .iter()
            .filter_map(|config| {
                let (db, name) = (text(config, "db")?, text(config, "name")?);
                let status = status.iter().find(|s| {
                    text(s, "db").as_deref() == Some(&db)
                        && text(s, "name").as_deref() == Some(&name)
                });
                Some(table(db, name, config, status, backfills))
            })
            .collect();
        tables.sort_by(|a, b| (&a.db, &a.name).cmp(&(&b.db, &b.name)));
        // Servers the tables name that did not answer in server_status are disconnected.
        let named: BTreeSet<&str> = tables
            .iter()
            .flat_map(|t| &t.shards)
            .flat_map(|s| &s.replicas)
            .map(|r| r.server.as_str())
            .collect();
        let missing: Vec<Server> = named
            .into_iter()
            .filter(|n| !servers.iter().any(|s| s.name == *n))
            .map(|n| Server {
                name: n.to_owned(),
                ..Server::default()
            })
            .collect();
        servers.extend(missing);
        let mut issues: Vec<Issue> = list("issues")?
            .iter()
            .map(|i| Issue {
                kind: text(i, "type").unwrap_or_default(),
                critical: i.get("critical").and_then(Value::as_bool).unwrap_or(false),
                description: text(i, "description").unwrap_or_default(),
            })
            .collect();
        issues.sort_by_key(|i| std::cmp::Reverse(i.critical));
        Ok(Cluster {
            servers,
            tables,
            issues,
        })
    }

    /// True when every table has all its replicas ready (`rdbsh status` exits 0).
    pub fn all_ready(&self) -> bool {
        self.tables.iter().all(|t| t.readiness.all_replicas_ready)
    }

    /// The server named `name`.
    pub fn server(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The picture as text for people and scripts: servers, then tables with each shard's
    /// replicas, then issues. `here` names the server rdbsh is connected to (marked `*`).
    pub fn text(&self, here: Option<&str>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "servers ({}):", self.servers.len());
        for s in &self.servers {
            let mark = if Some(s.name.as_str()) == here {
                "*"
            } else {
                " "
            };
            let state = if s.connected {
                "connected"
            } else {
                "disconnected"
            };
            let address = s.address().unwrap_or_else(|| "-".into());
            let uptime = s
                .uptime
                .map(|u| format!("  up {}", crate::render::duration_text(u)));
            let _ = writeln!(
                out,
                " {mark}{:<12} {:<22} {state}{}",
                s.name,
                address,
                uptime.unwrap_or_default()
            );
        }
        let _ = writeln!(out, "tables ({}):", self.tables.len());
        for t in &self.tables {
            let _ = writeln!(
                out,
                "  {}  {}  ({} shard{})",
                t.qualified_name(),
                t.readiness.label(),
                t.shards.len(),
                if t.shards.len() == 1 { "" } else { "s" }
            );
            for (i, shard) in t.shards.iter().enumerate() {
                let replicas: Vec<String> = shard.replicas.iter().map(replica_text).collect();
                let primary = match shard.acting_primaries.first().or(shard.primary.as_ref()) {
                    Some(p) if !shard.acting_primaries.is_empty() => p.clone(),
                    Some(p) => format!("{p} (not acting)"),
                    None => "-".into(),
                };
                let _ = writeln!(
                    out,
                    "    shard {}: primary {primary}; replicas {}",
                    i + 1,
                    replicas.join(", ")
                );
            }
        }
        let _ = writeln!(out, "issues ({}):", self.issues.len());
        for i in &self.issues {
            let level = if i.critical { "critical" } else { "warning" };
            let _ = writeln!(out, "  {level} {}: {}", i.kind, i.description);
        }
        out
    }

    /// The picture as JSON for scripts (`rdbsh status --format json`).
    pub fn to_json(&self, here: Option<&str>) -> Value {
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| {
                json!({
                    "name": s.name, "id": s.id, "connected": s.connected,
                    "address": s.address(), "uptime_secs": s.uptime.map(|u| u.as_secs_f64()),
                    "version": s.version, "here": Some(s.name.as_str()) == here,
                })
            })
            .collect();
        let tables: Vec<Value> = self.tables.iter().map(table_json).collect();
        let issues: Vec<Value> = self
            .issues
            .iter()
            .map(|i| json!({"type": i.kind, "critical": i.critical, "description": i.description}))
            .collect();
        json!({
            "all_ready": self.all_ready(),
            "servers": servers,
            "tables": tables,
            "issues": issues,
        })
    }
}

fn table_json(t: &Table) -> Value {
    let shards: Vec<Value> = t
        .shards
        .iter()
        .map(|s| {
            let replicas: Vec<Value> = s
                .replicas
                .iter()
                .map(|r| {
                    let progress = match r.state {
                        ReplicaState::Backfilling { progress } => progress,
                        _ => None,
                    };
                    json!({"server": r.server, "state": r.state.as_str(), "nonvoting": r.nonvoting, "progress": progress})
                })
                .collect();
            json!({"primary": s.primary, "acting_primaries": s.acting_primaries, "replicas": replicas})
        })
        .collect();
    let r = &t.readiness;
    json!({
        "db": t.db, "name": t.name, "primary_key": t.primary_key, "raft_leader": t.raft_leader,
        "status": r.label(),
        "all_replicas_ready": r.all_replicas_ready, "ready_for_writes": r.ready_for_writes,
        "ready_for_reads": r.ready_for_reads, "ready_for_outdated_reads": r.ready_for_outdated_reads,
        "shards": shards,
    })
}

fn replica_text(r: &Replica) -> String {
    let nonvoting = if r.nonvoting { " nonvoting" } else { "" };
    format!("{} {}{nonvoting}", r.server, r.state.label())
}

fn server(row: &Value, now: Option<f64>) -> Option<Server> {
    let started = epoch(row.pointer("/process/time_started"));
    let uptime = match (now, started) {
        (Some(now), Some(started)) if now >= started => {
            Duration::try_from_secs_f64(now - started).ok()
        }
        _ => None,
    };
    Some(Server {
        name: text(row, "name")?,
        id: text(row, "id"),
        connected: true,
        driver_addresses: net::driver_addresses(row),
        uptime,
        version: row
            .pointer("/process/version")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn table(
    db: String,
    name: String,
    config: &Value,
    status: Option<&Value>,
    backfills: &[Value],
) -> Table {
    let configured = config.get("shards").and_then(Value::as_array);
    let live = status
        .and_then(|s| s.get("shards"))
        .and_then(Value::as_array);
    let count = configured.map_or(0, Vec::len).max(live.map_or(0, Vec::len));
    let shards = (0..count)
        .map(|i| {
            let config = configured.and_then(|c| c.get(i));
            let live = live.and_then(|l| l.get(i));
            shard(&db, &name, config, live, backfills)
        })
        .collect();
    let readiness = status.map_or(Readiness::default(), |s| Readiness {
        all_replicas_ready: flag(s, "/status/all_replicas_ready"),
        ready_for_writes: flag(s, "/status/ready_for_writes"),
        ready_for_reads: flag(s, "/status/ready_for_reads"),
        ready_for_outdated_reads: flag(s, "/status/ready_for_outdated_reads"),
    });
    Table {
        primary_key: text(config, "primary_key").unwrap_or_else(|| "id".into()),
        raft_leader: status.and_then(|s| text(s, "raft_leader")),
        db,
        name,
        shards,
        readiness,
    }
}

fn shard(
    db: &str,
    table: &str,
    config: Option<&Value>,
    live: Option<&Value>,
    backfills: &[Value],
) -> Shard {
    let nonvoting = strings(config.and_then(|c| c.get("nonvoting_replicas")));
    let states: Vec<(String, String)> = live
        .and_then(|l| l.get("replicas"))
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .filter_map(|r| Some((text(r, "server")?, text(r, "state")?)))
                .collect()
        })
        .unwrap_or_default();
    let mut names = strings(config.and_then(|c| c.get("replicas")));
    for (server, _) in &states {
        if !names.contains(server) {
            names.push(server.clone());
        }
    }
    let replicas = names
        .into_iter()
        .map(|server| {
            let state = states
                .iter()
                .find(|(s, _)| *s == server)
                .map_or(ReplicaState::Disconnected, |(_, st)| {
                    ReplicaState::parse(st)
                });
            let state = match state {
                ReplicaState::Backfilling { .. } => ReplicaState::Backfilling {
                    progress: backfill_progress(backfills, db, table, &server),
                },
                other => other,
            };
            Replica {
                nonvoting: nonvoting.contains(&server),
                server,
                state,
            }
        })
        .collect();
    Shard {
        primary: config.and_then(|c| text(c, "primary_replica")),
        acting_primaries: strings(live.and_then(|l| l.get("primary_replicas"))),
        replicas,
    }
}

/// The progress (0 to 1) of a backfill into `server` for the table, from the `jobs` rows.
fn backfill_progress(jobs: &[Value], db: &str, table: &str, server: &str) -> Option<f64> {
    jobs.iter()
        .filter(|j| {
            j.pointer("/info/db").and_then(Value::as_str) == Some(db)
                && j.pointer("/info/table").and_then(Value::as_str) == Some(table)
                && j.pointer("/info/destination_server")
                    .and_then(Value::as_str)
                    == Some(server)
        })
        .filter_map(|j| j.pointer("/info/progress").and_then(Value::as_f64))
        .reduce(f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(epoch: f64) -> Value {
        json!({"$reql_type$": "TIME", "epoch_time": epoch, "timezone": "+00:00"})
    }

    /// The rows a real 2.4 cluster of s1, s2 gave with s3 gone (trimmed).
    fn degraded() -> Value {
        let server = |name: &str, port: u16, started: f64| {
            json!({
                "id": format!("id-{name}"), "name": name,
                "network": {"canonical_addresses": [{"host": "127.0.0.1", "port": port + 100}, {"host": "::1", "port": port + 100}],
                    "reql_port": port},
                "process": {"time_started": time(started), "version": "rethinkdb 2.4.4"}
            })
        };
        json!({
            "now": time(1000.0),
            "servers": [server("s2", 28016, 900.0), server("s1", 28015, 10.0)],
            "config": [{"db": "app", "name": "t", "primary_key": "id", "shards": [
                {"primary_replica": "s1", "replicas": ["s1", "s2"], "nonvoting_replicas": []},
                {"primary_replica": "s3", "replicas": ["s2", "s3"], "nonvoting_replicas": ["s2"]}]}],
            "status": [{"db": "app", "name": "t", "raft_leader": "s2", "shards": [
                {"primary_replicas": ["s1"], "replicas": [{"server": "s1", "state": "ready"}, {"server": "s2", "state": "backfilling"}]},
                {"primary_replicas": [], "replicas": [{"server": "s2", "state": "waiting_for_primary"}, {"server": "s3", "state": "disconnected"}]}],
                "status": {"all_replicas_ready": false, "ready_for_outdated_reads": true, "ready_for_reads": false, "ready_for_writes": false}}],
            "issues": [{"type": "table_availability", "critical": true, "description": "Table `app.t` is available for outdated reads"}],
            "backfills": [{"type": "backfill", "info": {"db": "app", "table": "t", "destination_server": "s2", "source_server": "s1", "progress": 0.25}}]
        })
    }

    #[test]
    fn servers_tables_and_issues_are_read() {
        let c = Cluster::from_value(&degraded()).unwrap();
        let names: Vec<(&str, bool)> = c
            .servers
            .iter()
            .map(|s| (s.name.as_str(), s.connected))
            .collect();
        assert_eq!(names, [("s1", true), ("s2", true), ("s3", false)]);
        assert_eq!(c.servers[0].address().as_deref(), Some("127.0.0.1:28015"));
        assert_eq!(
            c.servers[0].driver_addresses,
            [("127.0.0.1".into(), 28015), ("::1".into(), 28015)]
        );
        assert_eq!(c.servers[1].uptime, Some(Duration::from_secs(100)));
        assert_eq!(c.servers[2].address(), None);
        let t = &c.tables[0];
        assert_eq!(t.qualified_name(), "app.t");
        assert_eq!(t.readiness.label(), "outdated reads only");
        assert!(!c.all_ready());
        assert_eq!(t.shards[0].replicas[1].state.label(), "backfilling 25%");
        assert_eq!(t.shards[1].primary.as_deref(), Some("s3"));
        assert!(t.shards[1].acting_primaries.is_empty());
        assert!(t.shards[1].replicas[0].nonvoting);
        assert_eq!(t.shards[1].replicas[1].state, ReplicaState::Disconnected);
        assert!(c.issues[0].critical);
    }

    #[test]
    fn text_and_json_name_every_placement() {
        let c = Cluster::from_value(&degraded()).unwrap();
        let text = c.text(Some("s1"));
        assert!(text.contains(" *s1 "), "{text}");
        assert!(
            text.contains("s3") && text.contains("disconnected"),
            "{text}"
        );
        assert!(
            text.contains("shard 2: primary s3 (not acting); replicas s2 waiting for primary nonvoting, s3 disconnected"),
            "{text}"
        );
        assert!(text.contains("critical table_availability"), "{text}");
        let j = c.to_json(Some("s1"));
        assert_eq!(j["all_ready"], false);
        assert_eq!(j["servers"][0]["here"], true);
        assert_eq!(j["tables"][0]["shards"][0]["replicas"][1]["progress"], 0.25);
        assert_eq!(j["tables"][0]["status"], "outdated reads only");
    }

    #[test]
    fn a_healthy_one_server_cluster_is_ready() {
        let c = Cluster::from_value(&json!({
            "servers": [{"name": "solo", "network": {"canonical_addresses": [{"host": "::1"}], "reql_port": 28015}}],
            "config": [{"db": "d", "name": "t", "shards": [{"primary_replica": "solo", "replicas": ["solo"]}]}],
            "status": [{"db": "d", "name": "t", "shards": [{"primary_replicas": ["solo"], "replicas": [{"server": "solo", "state": "ready"}]}],
                "status": {"all_replicas_ready": true, "ready_for_writes": true, "ready_for_reads": true, "ready_for_outdated_reads": true}}],
            "issues": []
        }))
        .unwrap();
        assert!(c.all_ready());
        assert_eq!(c.servers.len(), 1);
        assert_eq!(c.servers[0].address().as_deref(), Some("[::1]:28015"));
        assert_eq!(c.servers[0].uptime, None);
        assert!(Cluster::from_value(&json!({"servers": 1})).is_err());
    }
}
