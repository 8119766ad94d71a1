//! The server side of `protocol` against the official JavaScript driver (rethinkdb@2.4.2):
//! SCRAM, frames, CONTINUE paging, errors and SERVER_INFO as a real client speaks them.
//! Skipped, with a note, when node or the driver is not installed.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "net_server.rs"]
mod net_server;

use std::path::PathBuf;

use serde_json::{Value, json};

const SCRIPT: &str = r#"
const r = require(process.env.DRIVER);
(async () => {
  const opts = { host: '127.0.0.1', port: +process.env.PORT, user: 'alice', password: process.env.PW };
  const out = {};
  const conn = await r.connect(opts);
  out.echo = await r.expr('hi').run(conn);
  out.range = await (await r.range(8).run(conn)).toArray();
  try { await r.error('boom').run(conn); } catch (e) { out.err = e.name + ': ' + e.msg; }
  const server = await conn.server();
  out.server = server.name;
  await conn.close();
  try { await r.connect({ ...opts, password: 'not-it' }); } catch (e) { out.wrong = e.name + ': ' + e.msg; }
  try { await r.connect({ ...opts, user: 'nobody' }); } catch (e) { out.unknown = e.name + ': ' + e.msg; }
  console.log(JSON.stringify(out));
  // The 2.4.2 driver leaves its connect timer running after a handshake error.
  process.exit(0);
})().catch((e) => { console.error(String(e)); process.exit(1); });
"#;

fn driver() -> Option<PathBuf> {
    let path = std::env::var_os("RETHINKDB_JS_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/oracle-node/node_modules/rethinkdb"));
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok();
    (node && path.join("package.json").exists()).then_some(path)
}

#[tokio::test]
async fn the_js_driver_talks_to_the_protocol_server_side() {
    let Some(driver) = driver() else {
        eprintln!(
            "skipped: node or the rethinkdb JS driver is not installed (set RETHINKDB_JS_DRIVER)"
        );
        return;
    };
    let server = net_server::start(net_server::Mode::Normal).await;
    let output = tokio::process::Command::new("node")
        .arg("-e")
        .arg(SCRIPT)
        .env("DRIVER", driver)
        .env("PORT", server.addr.port().to_string())
        .env("PW", net_server::ALICE_PASSWORD)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        out,
        json!({
            "echo": "hi",
            "range": [0, 1, 2, 3, 4, 5, 6, 7],
            "err": "ReqlUserError: boom",
            "server": "test_server",
            "wrong": "ReqlAuthError: Wrong password",
            "unknown": "ReqlAuthError: Unknown user",
        })
    );
}
