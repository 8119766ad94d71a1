//! rdbsh on a real three-server RethinkDB cluster: several hosts per profile, failover when
//! the server rdbsh is on goes away, and `rdbsh status` on a degraded cluster.
//! Skipped with a notice without the real server; a failure under `RDBSH_REQUIRE_JUDGES=1`.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::peer::RealCluster;
use serde_json::json;

/// `app.t` with 3 shards × 2 replicas, filled and ready.
fn sharded_table(cluster: &RealCluster) {
    let db = json!([14, ["app"]]);
    let table = json!([15, [db, "t"]]);
    let docs: Vec<serde_json::Value> = (0..30).map(|i| json!({"id": i})).collect();
    let docs = serde_json::to_string(&docs).expect("JSON");
    cluster.run_terms_on(
        "s1",
        &[
            json!([57, ["app"]]),
            json!([60, [db, "t"], {"shards": 3, "replicas": 2}]),
            json!([177, [table]]),
            json!([56, [table, [98, [docs]]]]),
        ],
    );
}

#[test]
fn a_table_is_sharded_and_replicated_across_the_cluster() {
    let Some(cluster) = RealCluster::start(3) else {
        return;
    };
    sharded_table(&cluster);
    let status = cluster.run_terms_on("s2", &[json!([15, [[14, ["rethinkdb"]], "table_status"]])]);
    let row = &status[0][0];
    let shards = row["shards"].as_array().expect("shards");
    assert_eq!(shards.len(), 3, "{row}");
    for shard in shards {
        assert_eq!(shard["replicas"].as_array().map(Vec::len), Some(2), "{row}");
    }
    assert_eq!(row["status"]["all_replicas_ready"], true, "{row}");
}
