//! Parity with the official Python driver: for each certificate set-up, rdbsh (default
//! `verify = "full"` with `ca_cert`) and Python's `ssl` (configured as the driver configures it,
//! tests/tls_parity.py) connect to the same listener and must both accept or both refuse,
//! for the same kind of reason.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tls::{Pair, Pki, dial, facts_table, serve_pair, with_ca};

/// What Python said: `Ok(version)` or `Err(reason)`.
async fn python(ca: &Path, host: &str, addr: SocketAddr) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls_parity.py");
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(ca)
        .arg(host)
        .arg(addr.port().to_string())
        .output()
        .await
        .expect("python3 must be installed for the parity test");
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    match output.status.code() {
        Some(0) => Ok(stdout),
        Some(1) => Err(stdout),
        other => panic!(
            "tls_parity.py failed ({other:?}): {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The kind of refusal, from OpenSSL's words and from rdbsh's.
fn python_kind(reason: &str) -> &'static str {
    if reason.contains("mismatch") {
        "name"
    } else if reason.contains("expired") {
        "expired"
    } else if reason.contains("issuer")
        || reason.contains("self-signed")
        || reason.contains("self signed")
    {
        "issuer"
    } else {
        "other"
    }
}

fn rdbsh_kind(text: &str) -> &'static str {
    if text.starts_with("name mismatch") {
        "name"
    } else if text.contains("has expired") {
        "expired"
    } else if text.starts_with("unknown issuer") {
        "issuer"
    } else {
        "other"
    }
}

struct Case {
    label: String,
    server: Pair,
    ca: PathBuf,
    host: &'static str,
}

fn cases(pki: &Pki) -> Vec<Case> {
    let mut cases: Vec<Case> = facts_table(pki)
        .into_iter()
        .map(|row| Case {
            label: row.label.to_owned(),
            server: row.server.clone(),
            ca: row.ca.to_path_buf(),
            host: row.host,
        })
        .collect();
    let mut add = |label: &str, server: &Pair, ca: &Path, host: &'static str| {
        cases.push(Case {
            label: label.to_owned(),
            server: server.clone(),
            ca: ca.to_path_buf(),
            host,
        });
    };
    add(
        "SAN leaf, CA, wrong DNS name",
        &pki.san_leaf,
        &pki.ca,
        "db.example.com",
    );
    add(
        "self-signed, CA file without it",
        &pki.self_signed,
        &pki.ca,
        "localhost",
    );
    add(
        "expired leaf, CA, 127.0.0.1",
        &pki.expired_leaf,
        &pki.ca,
        "127.0.0.1",
    );
    add(
        "wildcard CN, one label",
        &pki.wildcard_cn_leaf,
        &pki.ca,
        "db.example.com",
    );
    add(
        "wildcard CN, two labels",
        &pki.wildcard_cn_leaf,
        &pki.ca,
        "a.db.example.com",
    );
    add(
        "wildcard CN, bare domain",
        &pki.wildcard_cn_leaf,
        &pki.ca,
        "example.com",
    );
    add(
        "wildcard SAN, one label",
        &pki.wildcard_san_leaf,
        &pki.ca,
        "db.example.com",
    );
    add(
        "wildcard SAN, bare domain",
        &pki.wildcard_san_leaf,
        &pki.ca,
        "example.com",
    );
    add(
        "IP-only SAN, CN localhost, by name",
        &pki.ip_san_leaf,
        &pki.ca,
        "localhost",
    );
    add("IP-only SAN, by IP", &pki.ip_san_leaf, &pki.ca, "127.0.0.1");
    add(
        "DNS SAN otherhost, CN localhost, by localhost",
        &pki.other_san_leaf,
        &pki.ca,
        "localhost",
    );
    add(
        "DNS SAN otherhost, by otherhost",
        &pki.other_san_leaf,
        &pki.ca,
        "otherhost",
    );
    add(
        "CN-only leaf, case differs",
        &pki.cn_leaf,
        &pki.ca,
        "LOCALHOST",
    );
    let own = |pair: &Pair| pair.cert.clone();
    for (label, pair, ca, host) in [
        (
            "self-signed CA with SAN, itself, localhost",
            &pki.self_signed_san,
            own(&pki.self_signed_san),
            "localhost",
        ),
        (
            "self-signed CA with SAN, itself, 127.0.0.1",
            &pki.self_signed_san,
            own(&pki.self_signed_san),
            "127.0.0.1",
        ),
        (
            "self-signed leaf, itself, localhost",
            &pki.self_signed_leaf,
            own(&pki.self_signed_leaf),
            "localhost",
        ),
        (
            "self-signed leaf, itself, 127.0.0.1",
            &pki.self_signed_leaf,
            own(&pki.self_signed_leaf),
            "127.0.0.1",
        ),
        (
            "self-signed leaf, another self-signed",
            &pki.self_signed_leaf,
            own(&pki.self_signed),
            "localhost",
        ),
    ] {
        add(label, pair, &ca, host);
    }
    cases
}

async fn compare(case: &Case) -> String {
    let addr = serve_pair(&case.server, None).await;
    let ours = dial(&with_ca(&case.ca), case.host, addr).await;
    let theirs = python(&case.ca, case.host, addr).await;
    let line = format!(
        "{}: rdbsh {:?} / python {:?}",
        case.label,
        ours.as_ref().map(|_| "connected"),
        theirs
    );
    match (&ours, &theirs) {
        (Ok(_), Ok(_)) => {}
        (Err(text), Err(reason)) => assert_eq!(
            rdbsh_kind(text),
            python_kind(reason),
            "{}: different reasons: rdbsh {text:?}, python {reason:?}",
            case.label
        ),
        _ => panic!(
            "{}: rdbsh and python disagree: rdbsh {ours:?}, python {theirs:?}",
            case.label
        ),
    }
    line
}

#[tokio::test]
async fn rdbsh_and_python_agree_on_every_setup() {
    let pki = Pki::new();
    for case in cases(&pki) {
        eprintln!("{}", compare(&case).await);
    }
}

#[tokio::test]
async fn rdbsh_and_python_agree_on_the_openssl_made_certificate() {
    let pki = Pki::new();
    let Some(pair) = tls::openssl_self_signed(pki.dir()) else {
        tls::without_openssl("the openssl-made certificate");
        return;
    };
    for (ca, host) in [
        (pair.cert.clone(), "localhost"),
        (pair.cert.clone(), "127.0.0.1"),
        (pki.ca.clone(), "localhost"),
    ] {
        let case = Case {
            label: format!("openssl self-signed, {}, {host}", ca.display()),
            server: pair.clone(),
            ca,
            host,
        };
        eprintln!("{}", compare(&case).await);
    }
}

#[tokio::test]
async fn rdbsh_and_python_agree_on_an_openssl_version_1_server_certificate() {
    let pki = Pki::new();
    let Some((ca, pair)) = tls::openssl_v1_leaf(pki.dir()) else {
        tls::without_openssl("the version 1 certificate");
        return;
    };
    for (ca, host) in [
        (ca.clone(), "localhost"),
        (ca.clone(), "127.0.0.1"),
        (pki.ca.clone(), "localhost"),
        (pair.cert.clone(), "localhost"),
    ] {
        let case = Case {
            label: format!("openssl v1 leaf, {}, {host}", ca.display()),
            server: pair.clone(),
            ca,
            host,
        };
        eprintln!("{}", compare(&case).await);
    }
}

#[tokio::test]
async fn the_facts_table_matches_python() {
    // The table records what the driver did against a real server; Python here must agree,
    // which checks that the generated certificates reproduce the documented set-ups.
    let pki = Pki::new();
    for row in facts_table(&pki) {
        let addr = serve_pair(row.server, None).await;
        let theirs = python(row.ca, row.host, addr).await;
        assert_eq!(
            theirs.is_ok(),
            row.refusal.is_none(),
            "{}: python {theirs:?}",
            row.label
        );
    }
}
