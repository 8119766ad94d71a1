//! Documents nested 100,000 levels deep, which RethinkDB 2.4.4 stores and returns, read back
//! through batch mode in every format, against the sandbox and the real server.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::peer::{Peer, PeerKind};
use common::{rdbsh_on, stdout_of};
use rdbsh::nesting::{self, deep_array_text};

const DEPTH: usize = 100_000;
const FORMATS: [&str; 5] = ["pretty", "json", "ndjson", "table", "raw"];

/// Checks the three rows `{id: 0}`, the deep one, `{id: 2}` as `format` prints them.
fn check_rows(format: &str, out: &str, deep_line: &str) {
    assert!(
        out.contains('0') && out.contains('2'),
        "{format}: {out:.300}"
    );
    // Outputs are megabytes: compare without printing them.
    match format {
        "ndjson" | "raw" => {
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines.len(), 3, "{format}");
            assert!(
                lines[1] == deep_line,
                "{format}: the deep row differs: {:.200}",
                lines[1]
            );
        }
        "json" => {
            let all = nesting::Doc::parse(out).expect("one json document");
            assert_eq!(
                nesting::depth(&all),
                DEPTH + 2 - usize::from(deep_line.starts_with('['))
            );
        }
        // Two lines per level: every level is shown.
        "pretty" => assert!(out.lines().count() > 2 * DEPTH, "{format}"),
        _ => assert!(out.contains("[[[[") || out.contains("{\"a\":{"), "{format}"),
    }
}

/// A sequence whose middle row is 100,000 levels deep, made by `r.json` on the server.
fn deep_rows_print_in_every_format(kind: PeerKind) {
    let peer = Peer::start(kind);
    let deep = deep_array_text(DEPTH);
    // Longer than one command-line argument may be: the query goes in on stdin.
    let query = format!(
        "r.range(3).map(function(i) {{ return r.branch(i.eq(1), r.json('{deep}'), {{id: i}}) }})\n"
    );
    for format in FORMATS {
        let out = stdout_of(
            rdbsh_on(&peer)
                .args(["--format", format])
                .write_stdin(query.clone()),
        );
        check_rows(format, &out, &deep);
    }
    // The atom alone, in every format.
    let atom = format!("r.json('{deep}')\n");
    for format in FORMATS {
        let out = stdout_of(
            rdbsh_on(&peer)
                .args(["--format", format])
                .write_stdin(atom.clone()),
        );
        assert!(out.len() >= 2 * DEPTH, "{format}: {} bytes", out.len());
    }
}
peer_tests!(deep_rows_print_in_every_format);

/// A table holding a 100,000-deep document, read back with `-e` in every format.
fn deep_documents_are_stored_and_read_back(kind: PeerKind) {
    let peer = Peer::start(kind);
    // Keys in the order the server sorts them, so the row reads back byte for byte.
    let deep = format!(r#"{{"a":{},"id":1}}"#, deep_array_text(DEPTH));
    stdout_of(rdbsh_on(&peer).args([
        "-e",
        "r.db('test').tableCreate('deep')",
        "-e",
        "r.db('test').table('deep').insert([{id: 0}, {id: 2}])",
    ]));
    let insert = format!("r.db('test').table('deep').insert(r.json('{deep}'))\n");
    if kind == PeerKind::Sandbox {
        // The sandbox evaluates documents recursively and keeps them at most 100 levels deep:
        // it says so (a write error: exit 1) rather than storing what it could not compare.
        let out = rdbsh_on(&peer)
            .write_stdin(insert)
            .output()
            .expect("run rdbsh");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("Nesting depth limit exceeded"), "{err}");
        return;
    }
    let result = stdout_of(rdbsh_on(&peer).write_stdin(insert));
    assert!(result.contains("\"inserted\":1"), "{result}");
    for format in FORMATS {
        let out = stdout_of(rdbsh_on(&peer).args([
            "--format",
            format,
            "-e",
            "r.db('test').table('deep').orderBy('id')",
        ]));
        check_rows(format, &out, &deep);
    }
}
peer_tests!(deep_documents_are_stored_and_read_back);
