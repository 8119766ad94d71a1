//! The official Python driver (pip `rethinkdb` 2.4.10) judges the sandbox over TLS and SCRAM.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "tls/mod.rs"]
mod tls;

#[path = "judges/harness.rs"]
mod harness;

use std::process::{Command, Stdio};

fn python_driver_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import rethinkdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_python_driver_accepts_every_answer() {
    if !python_driver_installed() {
        harness::missing(
            "the Python driver (python3 with the `rethinkdb` package)",
            "run `python3 -m pip install rethinkdb==2.4.10.post1`",
        );
        return;
    }
    harness::judge("python3", "judge.py", &[]);
}
