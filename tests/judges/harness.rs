//! Runs a judge script (an official driver) against `rdbsh sandbox` over TLS with a password.
//!
//! The sandbox is the real binary (`rdbsh sandbox --listen 127.0.0.1:0 --tls-cert ... --tls-key
//! ... --password-env ...`): the judges check the command line path as well as the server.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

use crate::tls::Pki;

const PASSWORD_VAR: &str = "RDBSH_JUDGE_PASSWORD";
const PASSWORD: &str = "judge-pw-7Qx!2";

/// True when CI requires the judges (`RDBSH_REQUIRE_JUDGES=1`): a missing driver then fails.
pub fn required() -> bool {
    std::env::var("RDBSH_REQUIRE_JUDGES").is_ok_and(|v| v == "1")
}

/// Reports a missing driver: a failure when required, otherwise a notice and a skip.
pub fn missing(what: &str, install: &str) {
    if required() {
        panic!("{what} is not installed and RDBSH_REQUIRE_JUDGES=1: {install}");
    }
    eprintln!("notice: {what} is not installed, judge skipped ({install})");
}

/// The path of a script in tests/judges/.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("judges")
        .join(name)
}

/// A `rdbsh sandbox` child process, killed if the test ends early.
struct SandboxProcess {
    child: Child,
    stderr: BufReader<ChildStderr>,
    port: u16,
}

impl SandboxProcess {
    fn start(pki: &Pki) -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rdbsh"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--no-demo"])
            .arg("--tls-cert")
            .arg(&pki.san_leaf.cert)
            .arg("--tls-key")
            .arg(&pki.san_leaf.key)
            .args(["--password-env", PASSWORD_VAR])
            .env(PASSWORD_VAR, PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rdbsh sandbox starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut line = String::new();
        stderr
            .read_line(&mut line)
            .expect("rdbsh sandbox prints its address");
        let addr = line
            .strip_prefix("rdbsh sandbox listening on ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected start-up line from rdbsh sandbox: {line:?}"));
        assert!(
            line.contains("(TLS, SCRAM user admin"),
            "start-up line: {line}"
        );
        let port = addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        SandboxProcess {
            child,
            stderr,
            port,
        }
    }

    /// SIGTERM, then checks that the server stopped cleanly with exit 0.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("rdbsh sandbox exits");
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest);
        assert!(exit.success(), "rdbsh sandbox exited with {exit}: {rest}");
        assert!(rest.contains("rdbsh sandbox stopped"), "stderr: {rest}");
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // Only when the test failed before terminate(): do not leave the server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts the sandbox, runs `program script PORT CAFILE PASSWORD`, and fails the test with the
/// script's output unless it exits 0.
pub fn judge(program: &str, script_name: &str, envs: &[(&str, &str)]) {
    let pki = Pki::new();
    let sandbox = SandboxProcess::start(&pki);
    let output = Command::new(program)
        .arg(script(script_name))
        .arg(sandbox.port.to_string())
        .arg(&pki.ca)
        .arg(PASSWORD)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script_name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}\n{stderr}");
    sandbox.terminate();
}
