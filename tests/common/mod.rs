//! Test support: a real `rdbsh sandbox` server in its own process, on a free loopback port.
#![allow(dead_code)]

pub mod peer;
pub mod rows;
pub mod term;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The path of the rdbsh binary under test.
pub fn rdbsh_bin() -> &'static str {
    env!("CARGO_BIN_EXE_rdbsh")
}

/// A sandbox server process; killed on drop.
pub struct SandboxProcess {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its port.
    pub port: u16,
}

impl SandboxProcess {
    /// Starts `rdbsh sandbox --listen 127.0.0.1:0 ARGS...` and waits for its address.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> SandboxProcess {
        SandboxProcess::start_on("127.0.0.1:0", args, envs)
    }

    /// Starts `rdbsh sandbox --listen LISTEN ARGS...` (a given port: a server restarted where
    /// clients expect it) and waits for its address.
    pub fn start_on(listen: &str, args: &[&str], envs: &[(&str, &str)]) -> SandboxProcess {
        let mut cmd = Command::new(rdbsh_bin());
        cmd.args(["sandbox", "--listen", listen])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start rdbsh sandbox");
        let stderr = child.stderr.take().expect("sandbox stderr");
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                other => {
                    let _ = child.kill();
                    panic!("sandbox exited before listening: {other:?}");
                }
            };
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let port = addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the sandbox address");
        SandboxProcess { child, addr, port }
    }

    /// Connection flags for the rdbsh client.
    pub fn conn_args(&self) -> Vec<String> {
        vec![
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            self.port.to_string(),
        ]
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// rdbsh connected to `peer`, with no config file or profile taken from the environment.
pub fn rdbsh_on(peer: &peer::Peer) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(rdbsh_bin());
    cmd.env_remove("RDBSH_CONFIG")
        .env_remove("RDBSH_PROFILE")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .envs(peer.envs())
        .args(peer.conn_args());
    cmd
}

/// Runs rdbsh; its stdout, after checking that it succeeded.
pub fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().expect("run rdbsh");
    assert!(
        out.status.success(),
        "rdbsh failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Whether python3 with the official driver (`rethinkdb`) is installed.
pub fn python_driver_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import rethinkdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A peer of `kind` whose `test.people` table holds `documents` (a JavaScript array literal).
pub fn with_people(kind: peer::PeerKind, documents: &str) -> peer::Peer {
    let peer = peer::Peer::start(kind);
    stdout_of(rdbsh_on(&peer).args([
        "-e",
        "r.db('test').tableCreate('people')",
        "-e",
        &format!("r.db('test').table('people').insert({documents})"),
    ]));
    peer
}
