//! The TLS matrix on real sockets: rcgen certificates, a tokio-rustls listener per case, and
//! rdbsh's client configuration, with the outcomes the official Python driver has.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod tls;

use rdbsh::config::{TlsSettings, Verify};
use rdbsh::net::tls::{TlsError, client_config, server_config, sha256_fingerprint};
use tls::{Pki, dial, facts_table, serve_pair, serve_plain, with_ca};

fn assert_refused(outcome: Result<rdbsh::net::tls::PeerInfo, String>, words: &[&str], label: &str) {
    match outcome {
        Ok(_) => panic!("{label}: connected, expected a refusal containing {words:?}"),
        Err(text) => {
            eprintln!("{label}: {text}");
            for word in words {
                assert!(text.contains(word), "{label}: {text:?} lacks {word:?}");
            }
        }
    }
}

fn der_of(path: &std::path::Path) -> Vec<u8> {
    rdbsh::net::tls::read_certs(path).expect("cert")[0].to_vec()
}

#[tokio::test]
async fn every_row_of_the_facts_table() {
    let pki = Pki::new();
    for row in facts_table(&pki) {
        let addr = serve_pair(row.server, None).await;
        let outcome = dial(&with_ca(row.ca), row.host, addr).await;
        match row.refusal {
            None => {
                let peer = outcome.unwrap_or_else(|e| panic!("{}: refused: {e}", row.label));
                assert_eq!(
                    peer.sha256_fingerprint,
                    sha256_fingerprint(&der_of(&row.server.cert))
                );
            }
            Some(words) => assert_refused(outcome, words, row.label),
        }
    }
}

#[tokio::test]
async fn an_untrusted_self_signed_certificate_is_named_as_such() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.self_signed, None).await;
    assert_refused(
        dial(&with_ca(&pki.ca), "localhost", addr).await,
        &["unknown issuer", "self-signed", "ca.crt", "--ca-cert"],
        "self-signed, CA file without it",
    );
}

#[tokio::test]
async fn the_openssl_made_self_signed_certificate_connects_as_its_own_ca() {
    let pki = Pki::new();
    let Some(pair) = tls::openssl_self_signed(pki.dir()) else {
        tls::without_openssl("the openssl-made certificate");
        return;
    };
    let addr = serve_pair(&pair, None).await;
    let peer = dial(&with_ca(&pair.cert), "localhost", addr).await;
    assert!(peer.is_ok(), "{peer:?}");
    assert_refused(
        dial(&with_ca(&pair.cert), "127.0.0.1", addr).await,
        &[
            "name mismatch",
            "IP address 127.0.0.1",
            "localhost (common name)",
        ],
        "openssl self-signed by IP",
    );
    assert_refused(
        dial(&with_ca(&pki.ca), "localhost", addr).await,
        &[
            "unknown issuer",
            "self-signed and is not the certificate in ca_cert",
            "--ca-cert",
        ],
        "openssl self-signed, other CA",
    );
}

#[tokio::test]
async fn peer_info_describes_the_session_and_certificate() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.san_leaf, None).await;
    let peer = dial(&with_ca(&pki.ca), "localhost", addr)
        .await
        .expect("connect");
    assert_eq!(peer.tls_version, "TLSv1.3");
    assert!(
        peer.cipher_suite.starts_with("TLS13_"),
        "{}",
        peer.cipher_suite
    );
    assert_eq!(peer.subject, "CN=localhost");
    assert_eq!(peer.issuer, "CN=rdbsh test CA");
    assert_eq!(
        peer.names,
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
    );
    assert!(peer.not_before < peer.not_after);
    assert_eq!(
        peer.sha256_fingerprint,
        sha256_fingerprint(&der_of(&pki.san_leaf.cert))
    );
}

#[tokio::test]
async fn tls_1_2_works_including_the_self_signed_and_version_1_certificates() {
    let pki = Pki::new();
    let mut setups = vec![
        (pki.san_leaf.clone(), pki.ca.clone()),
        (pki.self_signed.clone(), pki.self_signed.cert.clone()),
    ];
    match tls::openssl_v1_leaf(pki.dir()) {
        Some((ca, pair)) => setups.push((pair, ca)),
        None => tls::without_openssl("the version 1 certificate over TLS 1.2"),
    }
    for (pair, ca) in setups {
        let addr = tls::serve_tls12(&pair).await;
        let peer = dial(&with_ca(&ca), "localhost", addr).await;
        assert_eq!(
            peer.map(|p| p.tls_version),
            Ok("TLSv1.2".to_owned()),
            "{}",
            pair.cert.display()
        );
        // Pin and none check handshake signatures the same way.
        let pinned = TlsSettings {
            verify: Verify::Pin,
            pin: Some(sha256_fingerprint(&der_of(&pair.cert))),
            ..TlsSettings::default()
        };
        assert!(dial(&pinned, "localhost", addr).await.is_ok());
    }
}

#[tokio::test]
async fn wrong_host_is_refused_with_the_names_and_the_fix() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.san_leaf, None).await;
    let settings = TlsSettings {
        server_name: Some("db.example.com".into()),
        ..with_ca(&pki.ca)
    };
    assert_refused(
        dial(&settings, "127.0.0.1", addr).await,
        &[
            "name mismatch",
            "db.example.com",
            "localhost, 127.0.0.1",
            "--tls-server-name",
            "verify = \"ca\"",
        ],
        "wrong host",
    );
    // server_name overrides the host dialled, in both directions.
    let settings = TlsSettings {
        server_name: Some("localhost".into()),
        ..with_ca(&pki.ca)
    };
    let cn_addr = serve_pair(&pki.cn_leaf, None).await;
    assert!(dial(&settings, "127.0.0.1", cn_addr).await.is_ok());
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_name() {
    let pki = Pki::new();
    let ca_only = TlsSettings {
        verify: Verify::Ca,
        server_name: Some("db.example.com".into()),
        ..with_ca(&pki.ca)
    };
    let addr = serve_pair(&pki.san_leaf, None).await;
    assert!(dial(&ca_only, "localhost", addr).await.is_ok());
    let cn_addr = serve_pair(&pki.cn_leaf, None).await;
    assert!(dial(&ca_only, "127.0.0.1", cn_addr).await.is_ok());
    let self_addr = serve_pair(&pki.self_signed, None).await;
    let self_ca = TlsSettings {
        verify: Verify::Ca,
        ..with_ca(&pki.self_signed.cert)
    };
    assert!(dial(&self_ca, "127.0.0.1", self_addr).await.is_ok());
    // The chain still counts.
    let wrong = TlsSettings {
        verify: Verify::Ca,
        ..with_ca(&pki.wrong_ca)
    };
    assert_refused(
        dial(&wrong, "localhost", addr).await,
        &["unknown issuer"],
        "ca mode, wrong CA",
    );
    let expired = serve_pair(&pki.expired_leaf, None).await;
    let ca_mode = TlsSettings {
        verify: Verify::Ca,
        ..with_ca(&pki.ca)
    };
    assert_refused(
        dial(&ca_mode, "localhost", expired).await,
        &["has expired"],
        "ca mode, expired",
    );
}

#[tokio::test]
async fn pin_by_fingerprint_file_or_ca_cert() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.san_leaf, None).await;
    let fingerprint = sha256_fingerprint(&der_of(&pki.san_leaf.cert));
    let pinned = |pin: Option<String>, ca: Option<&std::path::Path>| TlsSettings {
        verify: Verify::Pin,
        pin,
        ca_cert: ca.map(std::path::Path::to_path_buf),
        // A pin ignores names: dial by a name the certificate does not have.
        server_name: Some("db.example.com".into()),
        ..TlsSettings::default()
    };
    for pin in [
        fingerprint.clone(),
        format!("sha256:{fingerprint}"),
        fingerprint.replace(':', "").to_lowercase(),
        pki.san_leaf.cert.display().to_string(),
    ] {
        let outcome = dial(&pinned(Some(pin.clone()), None), "localhost", addr).await;
        assert!(outcome.is_ok(), "pin {pin}: {outcome:?}");
    }
    assert!(
        dial(&pinned(None, Some(&pki.san_leaf.cert)), "localhost", addr)
            .await
            .is_ok()
    );

    let other = sha256_fingerprint(&der_of(&pki.cn_leaf.cert));
    assert_refused(
        dial(&pinned(Some(other.clone()), None), "localhost", addr).await,
        &["pin mismatch", &fingerprint, &other],
        "wrong pin",
    );
    // The CA's certificate is not the server's: pinning it refuses.
    assert_refused(
        dial(&pinned(None, Some(&pki.ca)), "localhost", addr).await,
        &["pin mismatch"],
        "CA as pin",
    );
    assert!(matches!(
        client_config(&pinned(Some("nonsense".into()), None)),
        Err(TlsError::BadPin { .. })
    ));
}

#[tokio::test]
async fn verify_none_accepts_anything() {
    let pki = Pki::new();
    let none = TlsSettings {
        verify: Verify::None,
        ..TlsSettings::default()
    };
    for pair in [
        &pki.expired_leaf,
        &pki.self_signed,
        &pki.cn_leaf,
        &pki.stranger_client,
    ] {
        let addr = serve_pair(pair, None).await;
        let outcome = dial(&none, "127.0.0.1", addr).await;
        assert!(outcome.is_ok(), "{}: {outcome:?}", pair.cert.display());
    }
}

#[tokio::test]
async fn client_certificate_required_by_the_server() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.san_leaf, Some(&pki.ca)).await;
    let with_client = TlsSettings {
        client_cert: Some(pki.client.cert.clone()),
        client_key: Some(pki.client.key.clone()),
        ..with_ca(&pki.ca)
    };
    assert!(dial(&with_client, "localhost", addr).await.is_ok());
    assert_refused(
        dial(&with_ca(&pki.ca), "localhost", addr).await,
        &[
            "requires a client certificate",
            "client_cert",
            "--client-cert",
        ],
        "no client certificate",
    );
    let stranger = TlsSettings {
        client_cert: Some(pki.stranger_client.cert.clone()),
        client_key: Some(pki.stranger_client.key.clone()),
        ..with_ca(&pki.ca)
    };
    assert_refused(
        dial(&stranger, "localhost", addr).await,
        &["refused our client certificate", "client_cert"],
        "client certificate from another CA",
    );
}

#[tokio::test]
async fn tls_to_a_plain_port_says_the_server_has_no_tls() {
    let pki = Pki::new();
    let addr = serve_plain().await;
    assert_refused(
        dial(&with_ca(&pki.ca), "localhost", addr).await,
        &["did not answer in TLS", "remove tls and ca_cert"],
        "plain port",
    );
}

#[test]
fn bad_files_are_named() {
    let pki = Pki::new();
    let missing = pki.dir().join("missing.pem");
    let err = client_config(&with_ca(&missing))
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("missing.pem") && e.starts_with("cannot read")));

    let key_as_ca = client_config(&with_ca(&pki.san_leaf.key)).err();
    assert!(
        matches!(&key_as_ca, Some(TlsError::NoCertificate { path }) if path == &pki.san_leaf.key),
        "{key_as_ca:?}"
    );

    let garbage = pki.dir().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let err = client_config(&with_ca(&garbage)).err();
    assert!(matches!(err, Some(TlsError::Pem { .. })), "{err:?}");

    let cert_as_key = server_config(&pki.san_leaf.cert, &pki.san_leaf.cert, None).err();
    assert!(
        matches!(&cert_as_key, Some(TlsError::BadKey { path, .. }) if path == &pki.san_leaf.cert),
        "{cert_as_key:?}"
    );
    let wrong_key = server_config(&pki.san_leaf.cert, &pki.cn_leaf.key, None).err();
    assert!(
        matches!(wrong_key, Some(TlsError::KeyMismatch { .. })),
        "{wrong_key:?}"
    );
}

#[tokio::test]
async fn system_roots_do_not_trust_a_private_ca() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.san_leaf, None).await;
    match dial(&TlsSettings::default(), "localhost", addr).await {
        Ok(_) => panic!("a private CA was trusted through the system store"),
        Err(text) => assert!(
            text.contains("not signed by any CA this system trusts")
                || text.contains("no trusted certificates in the system store"),
            "{text}"
        ),
    }
}

#[tokio::test]
async fn a_bundle_with_the_leaf_and_its_ca_connects() {
    let pki = Pki::new();
    let bundle = pki.dir().join("bundle.pem");
    let text = [&pki.san_leaf.cert, &pki.ca]
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect::<String>();
    std::fs::write(&bundle, text).expect("write");
    let addr = serve_pair(&pki.san_leaf, None).await;
    let outcome = dial(&with_ca(&bundle), "localhost", addr).await;
    assert!(outcome.is_ok(), "{outcome:?}");
}

#[tokio::test]
async fn openssl_version_1_server_certificate_connects_like_openssl() {
    let pki = Pki::new();
    let Some((ca, pair)) = tls::openssl_v1_leaf(pki.dir()) else {
        tls::without_openssl("the version 1 certificate");
        return;
    };
    let addr = serve_pair(&pair, None).await;
    let outcome = dial(&with_ca(&ca), "localhost", addr).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_refused(
        dial(&with_ca(&ca), "127.0.0.1", addr).await,
        &["name mismatch", "IP address 127.0.0.1"],
        "v1 leaf by IP",
    );
    assert_refused(
        dial(&with_ca(&pki.ca), "localhost", addr).await,
        &["unknown issuer", "not signed by the CA in ca_cert"],
        "v1 leaf, other CA",
    );
    assert_refused(
        dial(&with_ca(&pair.cert), "localhost", addr).await,
        &["unknown issuer", "holds the server's own certificate"],
        "v1 leaf as its own CA file",
    );
}

#[tokio::test]
async fn a_ca_flagged_server_certificate_signed_by_the_ca_connects_like_openssl() {
    let pki = Pki::new();
    let addr = serve_pair(&pki.ca_flag_leaf, None).await;
    let outcome = dial(&with_ca(&pki.ca), "localhost", addr).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_refused(
        dial(&with_ca(&pki.wrong_ca), "localhost", addr).await,
        &["unknown issuer"],
        "CA:TRUE leaf, other CA",
    );
}

/// The facts table end to end: the rdbsh binary against each peer serving each certificate.
/// The real server is the judge of what a TLS set-up does; the sandbox must agree with it.
fn facts_table_against_a_server(kind: common::peer::PeerKind) {
    use common::peer::{Peer, PeerOptions};
    let pki = Pki::new();
    for row in facts_table(&pki) {
        let peer = Peer::start_with(kind, PeerOptions::tls(&row.server.cert, &row.server.key));
        let out = std::process::Command::new(common::rdbsh_bin())
            .env_remove("RDBSH_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
            .envs(peer.envs())
            .args(["--host", row.host, "--port", &peer.port.to_string()])
            .args(["--password-env", common::peer::PASSWORD_VAR])
            .arg("--ca-cert")
            .arg(row.ca)
            .args(["-e", "r.expr(1)"])
            .output()
            .expect("run rdbsh");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match row.refusal {
            None => {
                assert_eq!(out.status.code(), Some(0), "{}: {stderr}", row.label);
                assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n", "{}", row.label);
            }
            Some(words) => {
                assert_eq!(out.status.code(), Some(3), "{}: {stderr}", row.label);
                for word in words {
                    assert!(
                        stderr.contains(word),
                        "{}: {stderr:?} lacks {word:?}",
                        row.label
                    );
                }
            }
        }
    }
}
peer_tests!(facts_table_against_a_server);
