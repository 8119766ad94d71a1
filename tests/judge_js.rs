//! The official JavaScript driver (npm `rethinkdb` 2.4.2) judges the sandbox over TLS and SCRAM.
//!
//! The driver's directory comes from `RDBSH_JS_DRIVER` (as `.ci/run` sets it), or else from
//! `RETHINKDB_JS_DRIVER`.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "tls/mod.rs"]
mod tls;

#[path = "judges/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn js_driver() -> Option<PathBuf> {
    let dir = ["RDBSH_JS_DRIVER", "RETHINKDB_JS_DRIVER"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find(|d| d.join("package.json").is_file())?;
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    node.then_some(dir)
}

#[test]
fn the_javascript_driver_accepts_every_answer() {
    let Some(driver) = js_driver() else {
        harness::missing(
            "the JavaScript driver (node and npm `rethinkdb@2.4.2`, its directory in RDBSH_JS_DRIVER)",
            "run `npm install --prefix DIR rethinkdb@2.4.2` and set RDBSH_JS_DRIVER=DIR/node_modules/rethinkdb",
        );
        return;
    };
    let driver = driver.to_string_lossy().into_owned();
    harness::judge("node", "judge.js", &[("RDBSH_JS_DRIVER", driver.as_str())]);
}
