//! Connect + V1_0 SCRAM-SHA-256 (4096 iterations) + one SERVER_INFO round trip on loopback,
//! against the in-process test server built on `protocol`'s server side: plain TCP, TLS (rcgen
//! CA, verify = full) and, for comparison, the V0_4 auth key and a round trip alone.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/net_server.rs"]
mod net_server;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rdbsh::config::{HandshakeVersion, Profile, Secret, TlsSettings};

fn bench_connect(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(net_server::start(net_server::Mode::Normal));
    let v1 = Profile {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        user: "bench".into(),
        secret: Some(Secret::new(net_server::BENCH_PASSWORD)),
        timeout: Duration::from_secs(10),
        ..Profile::default()
    };
    let v04 = Profile {
        user: "admin".into(),
        secret: Some(Secret::new(net_server::ADMIN_PASSWORD)),
        handshake: HandshakeVersion::V0_4,
        ..v1.clone()
    };

    let pki = net_server::pki();
    let tls_server = rt.block_on(net_server::start_tls(pki.server_config.clone()));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let tls = Profile {
        host: "localhost".into(),
        port: tls_server.addr.port(),
        tls: Some(TlsSettings {
            ca_cert: Some(ca),
            ..TlsSettings::default()
        }),
        ..v1.clone()
    };

    let mut group = c.benchmark_group("connect");
    for (name, profile) in [
        ("tcp_scram_server_info", &v1),
        ("tls_scram_server_info", &tls),
        ("tcp_v0_4_server_info", &v04),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let (client, connection) = rdbsh::net::connect(profile).await.unwrap();
                    let task = tokio::spawn(connection);
                    client.server_info().await.unwrap();
                    drop(client);
                    let _ = task.await;
                })
            })
        });
    }
    group.finish();

    // One round trip on an open connection, for comparison.
    let (client, connection) = rt.block_on(rdbsh::net::connect(&v1)).unwrap();
    rt.spawn(connection);
    c.bench_function("server_info_round_trip", |b| {
        b.iter(|| rt.block_on(client.server_info()).unwrap())
    });
}

criterion_group!(benches, bench_connect);
criterion_main!(benches);
