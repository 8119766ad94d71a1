//! The differential test: `tests/judges/differential.py` runs its queries through the official
//! Python driver on RethinkDB 2.4.4 and on the sandbox, and compares every answer (values,
//! error types, messages and backtraces). The sandbox must give no wrong answer, and at least
//! 95 % of the queries must be identical (the rest being terms it refuses as unsupported).
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};

use common::peer::{PASSWORD, Peer, PeerKind, judges_required, real_server_available};

/// The counts of the script's summary line.
#[derive(Debug)]
struct Summary {
    queries: u64,
    identical: u64,
    unsupported: u64,
    wrong: u64,
}

fn summary(output: &str) -> Option<Summary> {
    let line = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("differential: "))?;
    // "N queries, I identical, U unsupported, W wrong"
    let n: Vec<u64> = line
        .split(", ")
        .filter_map(|part| part.split_whitespace().next()?.parse().ok())
        .collect();
    match n.as_slice() {
        [queries, identical, unsupported, wrong] => Some(Summary {
            queries: *queries,
            identical: *identical,
            unsupported: *unsupported,
            wrong: *wrong,
        }),
        _ => None,
    }
}

#[test]
fn the_sandbox_answers_as_the_real_server_does() {
    if !common::python_driver_installed() {
        assert!(
            !judges_required(),
            "the Python driver is not installed and RDBSH_REQUIRE_JUDGES=1: \
             run `python3 -m pip install rethinkdb==2.4.10.post1`"
        );
        eprintln!(
            "notice: differential test skipped: python3 with the `rethinkdb` package is missing"
        );
        return;
    }
    if !real_server_available() {
        return;
    }
    let real = Peer::start(PeerKind::Real);
    let sandbox = Peer::start(PeerKind::Sandbox);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/judges/differential.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(real.port.to_string())
        .arg(sandbox.port.to_string())
        .arg(PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The run's report is part of the test's output (cargo shows it on failure, or with
    // --nocapture).
    println!("{stdout}");
    let Some(s) = summary(&stdout) else {
        panic!(
            "differential.py gave no summary (exit {}):\n{stdout}\n{stderr}",
            output.status
        );
    };
    assert!(output.status.success(), "differential.py failed: {stderr}");
    assert!(s.queries >= 600, "only {} queries ran: {s:?}", s.queries);
    assert_eq!(s.wrong, 0, "the sandbox gave wrong answers:\n{stdout}");
    assert!(
        s.identical * 100 >= s.queries * 95,
        "fewer than 95 % identical answers: {s:?}"
    );
    assert_eq!(s.queries, s.identical + s.unsupported + s.wrong, "{s:?}");
}
