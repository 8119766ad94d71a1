//! The cluster as the browser's `cluster` node shows it: the picture of
//! [`shell::cluster`](crate::shell::cluster) (read by the backend with
//! [`shell::cluster::status`](crate::shell::cluster::status)) and the name of the server rdbsh
//! is on, and the reconfiguration's dry run as lines for its confirmation.

use serde_json::Value;

pub use crate::shell::cluster::{
    Cluster, Issue, Readiness, Replica, ReplicaState, Server, Shard, Table,
};

/// The cluster at one moment, and where rdbsh is in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Picture {
    pub cluster: Cluster,
    /// The name of the server rdbsh's connection is on, when known.
    pub here: Option<String>,
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
