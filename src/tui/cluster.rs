//! The cluster as the browser's `cluster` node shows it: the servers (which one rdbsh is on),
//! each table's shards with their primary and replicas and each replica's state, and how many
//! current issues the cluster reports. Read from `rethinkdb.server_status`, `table_status`,
//! `current_issues` and the backfill jobs in one query ([`CLUSTER_QUERY`]) and parsed here,
//! purely, by [`Cluster::from_value`].

use std::time::Duration;

use serde_json::Value;

/// The one query the cluster picture is read with: the server's clock (for uptimes), the
/// servers, the tables' status, the current issues and the running backfills.
pub const CLUSTER_QUERY: &str = "r.expr({now: r.now(), \
    servers: r.db('rethinkdb').table('server_status').coerceTo('array'), \
    tables: r.db('rethinkdb').table('table_status').coerceTo('array'), \
    issues: r.db('rethinkdb').table('current_issues').coerceTo('array'), \
    backfills: r.db('rethinkdb').table('jobs').filter({type: 'backfill'}).coerceTo('array')})";

/// What the cluster looks like at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// Connected servers in name order, then the disconnected ones.
    pub servers: Vec<Server>,
    /// Tables by database and name.
    pub tables: Vec<TableStatus>,
    /// Rows of `rethinkdb.current_issues`.
    pub issues: usize,
}

/// One server of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub name: String,
    /// `host:port` for clients (empty when disconnected: the cluster no longer says).
    pub address: String,
    pub connected: bool,
    /// Time since the server process started.
    pub uptime: Option<Duration>,
    /// The server rdbsh's connection is on.
    pub here: bool,
}

/// A table's placement and health.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStatus {
    pub db: String,
    pub name: String,
    pub readiness: Readiness,
    pub shards: Vec<Shard>,
}

/// How available a table is, from its `status` flags (best first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Readiness {
    /// `all_replicas_ready`.
    Ready,
    /// Writes work, some replica is not ready.
    Writes,
    /// Reads work, writes do not.
    Reads,
    /// Only `read_mode: 'outdated'` reads work.
    OutdatedReads,
    /// Nothing works.
    Unavailable,
}

impl Readiness {
    /// The words for it.
    pub fn label(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::Writes => "ready for writes, replicas not all ready",
            Readiness::Reads => "reads only",
            Readiness::OutdatedReads => "outdated reads only",
            Readiness::Unavailable => "unavailable",
        }
    }
}

/// One shard of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// The primary replica's server (none while there is no primary).
    pub primary: Option<String>,
    pub replicas: Vec<Replica>,
}

/// A replica of a shard on one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub server: String,
    pub state: ReplicaState,
}

/// A replica's state in `table_status`.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplicaState {
    Ready,
    /// Copying data; the backfill job's progress (0 to 1) when one is running.
    Backfilling(Option<f64>),
    Transitioning,
    Disconnected,
    /// Any other state the server names (`waiting_for_primary`, `waiting_for_quorum`, ...).
    Other(String),
}

impl ReplicaState {
    fn parse(state: &str) -> ReplicaState {
        match state {
            "ready" => ReplicaState::Ready,
            "backfilling" => ReplicaState::Backfilling(None),
            "transitioning" => ReplicaState::Transitioning,
            "disconnected" => ReplicaState::Disconnected,
            other => ReplicaState::Other(other.to_owned()),
        }
    }

    /// `ready`, `backfilling 45%`, `transitioning`, ...
    pub fn label(&self) -> String {
        match self {
            ReplicaState::Ready => "ready".to_owned(),
            ReplicaState::Backfilling(Some(p)) => format!("backfilling {:.0}%", p * 100.0),
            ReplicaState::Backfilling(None) => "backfilling".to_owned(),
            ReplicaState::Transitioning => "transitioning".to_owned(),
            ReplicaState::Disconnected => "disconnected".to_owned(),
            ReplicaState::Other(s) => s.replace('_', " "),
        }
    }
}

impl Cluster {
    /// The picture from [`CLUSTER_QUERY`]'s answer; `port` is the port rdbsh is connected to
    /// (the server listening on it for clients is marked as the one rdbsh is on).
    pub fn from_value(value: &Value, port: u16) -> Result<Cluster, String> {
        let list = |key: &str| -> Result<&Vec<Value>, String> {
            value.get(key).and_then(Value::as_array).ok_or_else(|| {
                format!("the cluster answer has no `{key}` list; is this RethinkDB 2.3 or later?")
            })
        };
        let now = epoch(value.get("now"));
        let mut servers: Vec<Server> = list("servers")?
            .iter()
            .map(|s| server(s, now, port))
            .collect();
        servers.sort_by(|a, b| a.name.cmp(&b.name));
        let backfills = list("backfills")?;
        let mut tables: Vec<TableStatus> = list("tables")?
            .iter()
            .map(|t| table(t, backfills))
            .collect();
        tables.sort_by(|a, b| (&a.db, &a.name).cmp(&(&b.db, &b.name)));
        let issues = list("issues")?;
        // Servers the cluster knows but cannot reach: named by the issues and by replicas.
        let mut gone: Vec<String> = issues
            .iter()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("server_disconnected"))
            .filter_map(|i| text(i.pointer("/info/disconnected_server")))
            .collect();
        gone.extend(tables.iter().flat_map(|t| {
            t.shards
                .iter()
                .flat_map(|s| s.replicas.iter().map(|r| r.server.clone()))
        }));
        gone.sort();
        gone.dedup();
        for name in gone {
            if !servers.iter().any(|s| s.name == name) {
                servers.push(Server {
                    name,
                    address: String::new(),
                    connected: false,
                    uptime: None,
                    here: false,
                });
            }
        }
        Ok(Cluster {
            servers,
            tables,
            issues: issues.len(),
        })
    }

    /// The status of table `db.name`.
    pub fn table(&self, db: &str, name: &str) -> Option<&TableStatus> {
        self.tables.iter().find(|t| t.db == db && t.name == name)
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

/// Seconds since the epoch of a time pseudo-type.
fn epoch(v: Option<&Value>) -> Option<f64> {
    v?.get("epoch_time")?.as_f64()
}

fn server(s: &Value, now: Option<f64>, port: u16) -> Server {
    let reql_port = s.pointer("/network/reql_port").and_then(Value::as_u64);
    let host = s
        .pointer("/network/canonical_addresses/0/host")
        .and_then(Value::as_str)
        .or_else(|| s.pointer("/network/hostname").and_then(Value::as_str))
        .unwrap_or("?");
    let address = match reql_port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let uptime = match (now, epoch(s.pointer("/process/time_started"))) {
        (Some(now), Some(started)) if now >= started => {
            Some(Duration::from_secs_f64(now - started))
        }
        _ => None,
    };
    Server {
        name: text(s.get("name")).unwrap_or_default(),
        address,
        connected: true,
        uptime,
        here: reql_port == Some(u64::from(port)),
    }
}

fn table(t: &Value, backfills: &[Value]) -> TableStatus {
    let db = text(t.get("db")).unwrap_or_default();
    let name = text(t.get("name")).unwrap_or_default();
    let flag = |key: &str| {
        t.pointer(&format!("/status/{key}"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let readiness = if flag("all_replicas_ready") {
        Readiness::Ready
    } else if flag("ready_for_writes") {
        Readiness::Writes
    } else if flag("ready_for_reads") {
        Readiness::Reads
    } else if flag("ready_for_outdated_reads") {
        Readiness::OutdatedReads
    } else {
        Readiness::Unavailable
    };
    // The progress of a backfill into `server` for this table, from the jobs.
    let progress = |server: &str| {
        backfills
            .iter()
            .filter(|j| {
                j.pointer("/info/db").and_then(Value::as_str) == Some(db.as_str())
                    && j.pointer("/info/table").and_then(Value::as_str) == Some(name.as_str())
                    && j.pointer("/info/destination_server")
                        .and_then(Value::as_str)
                        == Some(server)
            })
            .find_map(|j| j.pointer("/info/progress").and_then(Value::as_f64))
    };
    let shards = t
        .get("shards")
        .and_then(Value::as_array)
        .map(|shards| {
            shards
                .iter()
                .map(|s| Shard {
                    primary: text(s.pointer("/primary_replicas/0")),
                    replicas: s
                        .get("replicas")
                        .and_then(Value::as_array)
                        .map(|rs| {
                            rs.iter()
                                .map(|r| {
                                    let server = text(r.get("server")).unwrap_or_default();
                                    let state = match r.get("state").and_then(Value::as_str) {
                                        Some("backfilling") => {
                                            ReplicaState::Backfilling(progress(&server))
                                        }
                                        Some(state) => ReplicaState::parse(state),
                                        None => ReplicaState::Other("unknown".into()),
                                    };
                                    Replica { server, state }
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    TableStatus {
        db,
        name,
        readiness,
        shards,
    }
}

/// `3 d 4 h`, `2 h 05 m`, `4 m 10 s`, `12 s`.
pub fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} m {:02} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {:02} m", s / 3600, (s / 60) % 60),
        _ => format!("{} d {} h", s / 86_400, (s / 3600) % 24),
    }
}

/// What a `reconfigure({dryRun: true})` answer would do, one line per shard:
/// `shard 1: primary db1, replicas db1 db2`.
pub fn reconfigure_preview(answer: &Value) -> Vec<String> {
    let Some(shards) = answer
        .pointer("/config_changes/0/new_val/shards")
        .and_then(Value::as_array)
    else {
        return vec!["(the dry run described no change)".to_owned()];
    };
    shards
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let primary = s
                .get("primary_replica")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let replicas: Vec<&str> = s
                .get("replicas")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "shard {}: primary {primary}, replicas {}",
                i + 1,
                replicas.join(" ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn time(t: f64) -> Value {
        json!({"$reql_type$": "TIME", "epoch_time": t, "timezone": "+00:00"})
    }

    fn answer() -> Value {
        json!({
            "now": time(10_000.0),
            "servers": [
                {"name": "db2", "network": {"reql_port": 28016, "hostname": "h2",
                    "canonical_addresses": [{"host": "10.0.0.2", "port": 29016}]},
                 "process": {"time_started": time(2_800.0)}},
                {"name": "db1", "network": {"reql_port": 28015, "hostname": "h1",
                    "canonical_addresses": [{"host": "10.0.0.1", "port": 29015}]},
                 "process": {"time_started": time(9_990.0)}}
            ],
            "tables": [{
                "db": "app", "name": "users",
                "status": {"all_replicas_ready": false, "ready_for_writes": true,
                    "ready_for_reads": true, "ready_for_outdated_reads": true},
                "shards": [
                    {"primary_replicas": ["db1"], "replicas": [
                        {"server": "db1", "state": "ready"},
                        {"server": "db2", "state": "backfilling"}]},
                    {"primary_replicas": [], "replicas": [
                        {"server": "db3", "state": "disconnected"},
                        {"server": "db1", "state": "waiting_for_primary"}]}
                ]
            }],
            "issues": [{"type": "server_disconnected",
                "info": {"disconnected_server": "db3", "reporting_servers": ["db1"]}}],
            "backfills": [{"type": "backfill", "info": {"db": "app", "table": "users",
                "destination_server": "db2", "source_server": "db1", "progress": 0.45}}]
        })
    }

    #[test]
    fn the_picture_names_servers_shards_replicas_and_their_states() {
        let c = Cluster::from_value(&answer(), 28015).unwrap();
        let names: Vec<(&str, &str, bool, bool)> = c
            .servers
            .iter()
            .map(|s| (s.name.as_str(), s.address.as_str(), s.connected, s.here))
            .collect();
        assert_eq!(
            names,
            [
                ("db1", "10.0.0.1:28015", true, true),
                ("db2", "10.0.0.2:28016", true, false),
                ("db3", "", false, false)
            ]
        );
        assert_eq!(c.servers[0].uptime, Some(Duration::from_secs(10)));
        assert_eq!(uptime(c.servers[1].uptime.unwrap()), "2 h 00 m");
        assert_eq!(c.issues, 1);
        let users = c.table("app", "users").unwrap();
        assert_eq!(users.readiness, Readiness::Writes);
        assert_eq!(users.shards[0].primary.as_deref(), Some("db1"));
        let states: Vec<Vec<String>> = users
            .shards
            .iter()
            .map(|s| {
                s.replicas
                    .iter()
                    .map(|r| format!("{} {}", r.server, r.state.label()))
                    .collect()
            })
            .collect();
        assert_eq!(
            states,
            [
                vec!["db1 ready", "db2 backfilling 45%"],
                vec!["db3 disconnected", "db1 waiting for primary"]
            ]
        );
        assert_eq!(users.shards[1].primary, None);
    }

    #[test]
    fn an_answer_without_the_lists_is_an_error_naming_what_is_missing() {
        let e = Cluster::from_value(&json!({"now": time(1.0)}), 1).unwrap_err();
        assert!(e.contains("`servers`"), "{e}");
    }

    #[test]
    fn the_dry_run_reads_as_one_line_per_shard() {
        let dry = json!({"reconfigured": 0, "config_changes": [{"old_val": {}, "new_val": {
        "shards": [
            {"primary_replica": "db1", "replicas": ["db1", "db2"], "nonvoting_replicas": []},
            {"primary_replica": "db2", "replicas": ["db2", "db3"], "nonvoting_replicas": []}
        ]}}]});
        assert_eq!(
            reconfigure_preview(&dry),
            [
                "shard 1: primary db1, replicas db1 db2",
                "shard 2: primary db2, replicas db2 db3"
            ]
        );
    }
}
