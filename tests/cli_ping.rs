//! `rdbsh ping` end to end: a TLS sandbox process, rdbsh verifying it with the CA file.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod tls;

use assert_cmd::Command;
use common::{SandboxProcess, rdbsh_bin};

#[test]
fn ping_reports_server_tls_certificate_and_round_trip() {
    let pki = tls::Pki::new();
    let cert = pki.san_leaf.cert.to_string_lossy().to_string();
    let key = pki.san_leaf.key.to_string_lossy().to_string();
    let sb = SandboxProcess::start(
        &[
            "--no-demo",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--password-env",
            "SB_PW",
        ],
        &[("SB_PW", "ping-secret")],
    );
    let out = Command::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .env("PW", "ping-secret")
        .args([
            "ping",
            "--host",
            "localhost",
            "--port",
            &sb.port.to_string(),
            "--password-env",
            "PW",
        ])
        .arg("--ca-cert")
        .arg(&pki.ca)
        .output()
        .expect("run rdbsh ping");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "rdbsh-sandbox",
        "V1_0, SCRAM-SHA-256",
        "TLSv1.3",
        "subject",
        "issuer",
        "localhost",
        "sha256",
        "round trip",
    ] {
        assert!(stdout.contains(needle), "`{needle}` in:\n{stdout}");
    }
    assert!(!stdout.contains("ping-secret"));

    // The same server refused when the CA is not given: the system roots do not know it.
    let refused = Command::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .args([
            "ping",
            "--tls",
            "--host",
            "localhost",
            "--port",
            &sb.port.to_string(),
        ])
        .output()
        .expect("run rdbsh ping");
    assert_eq!(refused.status.code(), Some(3));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("ca_cert") || err.contains("--ca-cert"),
        "says how to fix it: {err}"
    );
}

#[test]
fn verify_none_is_said_on_every_connect_of_ping_and_batch() {
    let pki = tls::Pki::new();
    let cert = pki.san_leaf.cert.to_string_lossy().to_string();
    let key = pki.san_leaf.key.to_string_lossy().to_string();
    let sb = SandboxProcess::start(&["--no-demo", "--tls-cert", &cert, "--tls-key", &key], &[]);
    let port = sb.port.to_string();
    let conn = [
        "--host",
        "localhost",
        "--port",
        port.as_str(),
        "--tls-verify",
        "none",
    ];
    let ping: Vec<&str> = std::iter::once("ping").chain(conn).collect();
    let batch: Vec<&str> = conn.into_iter().chain(["-e", "r.expr(1)"]).collect();
    for args in [ping, batch] {
        let out = Command::new(rdbsh_bin())
            .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
            .args(&args)
            .output()
            .expect("run rdbsh");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("verification is off (verify = \"none\")"),
            "{args:?} warns: {err}"
        );
    }
}
