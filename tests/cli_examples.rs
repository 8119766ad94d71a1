//! The example scripts in examples/queries run, in order, against a sandbox server process.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;
use common::{SandboxProcess, rdbsh_bin};
use serde_json::{Value, json};

fn run_script(sb: &SandboxProcess, name: &str) -> Vec<Value> {
    let path = format!(
        "{}/examples/queries/{name}.reql",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .args(sb.conn_args())
        .args(["-f", &path])
        .output()
        .expect("run rdbsh");
    assert!(
        out.status.success(),
        "{name}.reql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect()
}

#[test]
fn seed_report_cleanup() {
    let sb = SandboxProcess::start(&["--no-demo"], &[]);

    let seed = run_script(&sb, "seed");
    assert_eq!(seed[0]["dbs_created"], 1);
    assert_eq!(seed.last().map(|w| &w["inserted"]), Some(&json!(30)));

    let report = run_script(&sb, "report");
    assert_eq!(
        &report[..3],
        &[
            json!({"customer": "grace", "orders": 10, "revenue": 315}),
            json!({"customer": "ada", "orders": 10, "revenue": 295}),
            json!({"customer": "edsger", "orders": 10, "revenue": 285}),
        ]
    );
    assert_eq!(
        &report[3..6],
        &[
            json!({"id": 1, "total": 5}),
            json!({"id": 13, "total": 39}),
            json!({"id": 25, "total": 23}),
        ]
    );
    assert_eq!(
        report[6],
        json!({"city": "London", "id": "ada", "orders": 10})
    );

    let cleanup = run_script(&sb, "cleanup");
    assert_eq!(cleanup[0]["deleted"], 12);
    assert_eq!(cleanup[1], 18);
    assert_eq!(cleanup[2]["dbs_dropped"], 1);
}
