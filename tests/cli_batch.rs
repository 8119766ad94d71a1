//! Batch mode end to end: the real binary against a real sandbox server process.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use common::peer::{PASSWORD_VAR, Peer, PeerKind};
use common::{rdbsh_bin, rdbsh_on, stdout_of};
use serde_json::Value;

/// A config file with one profile `name` for this peer, plus `extra` lines.
fn profile_file(dir: &std::path::Path, peer: &Peer, name: &str, extra: &str) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.{name}]\nhost = \"127.0.0.1\"\nport = {}\npassword_env = \"{PASSWORD_VAR}\"\n{extra}\n",
            peer.port
        ),
    )
    .expect("write config");
    config
}

fn seeded(kind: PeerKind) -> Peer {
    common::with_people(
        kind,
        "[{id: 1, name: 'Ada', langs: ['en', 'fr']}, {id: 2, name: 'Bo', age: 30}, {id: 3, name: 'Cy'}]",
    )
}

const ORDERED: &str = "r.db('test').table('people').orderBy('id')";

fn ndjson_is_the_default_for_pipes_one_row_per_line(kind: PeerKind) {
    let sb = seeded(kind);
    let out = stdout_of(rdbsh_on(&sb).args(["-e", ORDERED]));
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is json"))
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["name"], "Ada");
    assert_eq!(rows[2]["id"], 3);
    // Numbers as JavaScript prints them.
    assert!(out.contains("\"age\":30"), "{out}");
    assert!(!out.contains("30.0"), "{out}");
}
peer_tests!(ndjson_is_the_default_for_pipes_one_row_per_line);

fn json_is_one_document_per_statement(kind: PeerKind) {
    let sb = seeded(kind);
    let out = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "json",
        "-e",
        ORDERED,
        "-e",
        "r.db('test').table('people').count()",
    ]));
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .map(|v| v.expect("json document"))
        .collect();
    assert_eq!(docs.len(), 2, "{out}");
    assert_eq!(docs[0].as_array().map(Vec::len), Some(3));
    assert_eq!(docs[1], 3);
}
peer_tests!(json_is_one_document_per_statement);

fn pretty_table_and_raw(kind: PeerKind) {
    let sb = seeded(kind);
    let pretty = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "pretty",
        "-e",
        "r.db('test').table('people').get(1)",
    ]));
    assert!(pretty.contains("  \"name\": \"Ada\""), "{pretty}");
    assert!(!pretty.contains('\x1b'), "no colour on a pipe: {pretty:?}");

    let table = stdout_of(rdbsh_on(&sb).args(["--format", "table", "-e", ORDERED]));
    let header = table.lines().next().unwrap_or_default();
    for col in ["id", "name", "langs", "age"] {
        assert!(header.contains(col), "column {col} in {table}");
    }
    assert!(
        table.contains("[\"en\",\"fr\"]"),
        "nested values compact: {table}"
    );

    let raw = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "raw",
        "-e",
        "r.db('test').table('people').orderBy('id')('name')",
    ]));
    assert_eq!(raw, "Ada\nBo\nCy\n");
}
peer_tests!(pretty_table_and_raw);

fn statements_split_on_lines_chains_and_semicolons_with_bindings(kind: PeerKind) {
    let sb = seeded(kind);
    let script = "// a report\nvar people = r.db('test').table('people')\n\npeople\n  .filter(r.row('id').gt(1))\n  .count()\npeople.get(1)('name'); people.get(3)('name')\n";
    let out = stdout_of(rdbsh_on(&sb).write_stdin(script));
    assert_eq!(out, "2\n\"Ada\"\n\"Cy\"\n");
}
peer_tests!(statements_split_on_lines_chains_and_semicolons_with_bindings);

fn meta_commands_in_a_file(kind: PeerKind) {
    let sb = seeded(kind);
    let script =
        ".use test\nr.table('people').count()\n.format raw\nr.table('people').get(2)('name')\n";
    let out = stdout_of(rdbsh_on(&sb).args(["-f", "-"]).write_stdin(script));
    assert_eq!(out, "3\nBo\n");
}
peer_tests!(meta_commands_in_a_file);

fn on_error_stop_and_continue(kind: PeerKind) {
    let sb = seeded(kind);
    let script = "r.expr(1)\nr.db('test').table('nope').count()\nr.expr(2)\n";
    let stop = rdbsh_on(&sb).write_stdin(script).output().expect("run");
    assert_eq!(stop.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&stop.stdout), "1\n");

    let go_on = rdbsh_on(&sb)
        .args(["--on-error", "continue"])
        .write_stdin(script)
        .output()
        .expect("run");
    assert_eq!(go_on.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&go_on.stdout), "1\n2\n");
}
peer_tests!(on_error_stop_and_continue);

fn runtime_error_has_type_location_and_carets(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.reql");
    std::fs::write(&file, "r.expr(1)\nr.db('test').table('nope').count()\n").expect("write");
    let out = rdbsh_on(&sb).arg("-f").arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ReqlOpFailedError"), "{err}");
    assert!(err.contains("Table `test.nope` does not exist."), "{err}");
    assert!(err.contains("report.reql:2:1"), "{err}");
    assert!(
        err.contains("2 | r.db('test').table('nope').count()"),
        "{err}"
    );
    assert!(err.contains("  | ^^^^"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
}
peer_tests!(runtime_error_has_type_location_and_carets);

fn compile_error_has_carets_and_runs_nothing(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .write_stdin("r.db('test').table('people').fitler({id: 1})\n")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown method `fitler`"), "{err}");
    assert!(err.contains("did you mean `filter`"), "{err}");
    assert!(err.contains("<stdin>:1:30"), "{err}");
    assert!(out.stdout.is_empty());
}
peer_tests!(compile_error_has_carets_and_runs_nothing);

fn a_hundred_thousand_rows_stream(kind: PeerKind) {
    let sb = Peer::start(kind);
    let out = stdout_of(
        rdbsh_on(&sb).args(["-e", "r.range(100000).map(function (i) { return {i: i}; })"]),
    );
    let mut n = 0u64;
    for (k, line) in out.lines().enumerate() {
        assert_eq!(line, format!("{{\"i\":{k}}}"));
        n += 1;
    }
    assert_eq!(n, 100_000);
}
peer_tests!(a_hundred_thousand_rows_stream);

fn a_closed_pipe_ends_quietly(kind: PeerKind) {
    let sb = Peer::start(kind);
    let mut child = StdCommand::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .envs(sb.envs())
        .args(sb.conn_args())
        .args(["-e", "r.range(1000000)"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout); // like `| head -c 64`
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "quiet on a closed pipe: {err}");
}
peer_tests!(a_closed_pipe_ends_quietly);

fn limit_stops_a_changefeed(kind: PeerKind) {
    let sb = seeded(kind);
    let out = stdout_of(rdbsh_on(&sb).args([
        "--limit",
        "2",
        "-e",
        "r.db('test').table('people').changes({includeInitial: true})",
    ]));
    assert_eq!(out.lines().count(), 2, "{out}");
    for line in out.lines() {
        let change: Value = serde_json::from_str(line).expect("json");
        assert!(change.get("new_val").is_some(), "{line}");
    }
}
peer_tests!(limit_stops_a_changefeed);

fn limit_cuts_an_array_result_like_a_sequence(kind: PeerKind) {
    let sb = seeded(kind);
    // orderBy without an index answers with one array (an atom), not a stream.
    let out = stdout_of(rdbsh_on(&sb).args(["--limit", "2", "-e", ORDERED]));
    let ids: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["id"].clone())
        .collect();
    assert_eq!(ids, [1, 2], "{out}");
    let out = stdout_of(rdbsh_on(&sb).args(["--format", "json", "--limit", "2", "-e", ORDERED]));
    let rows: Value = serde_json::from_str(&out).expect("one json document");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{out}");
    // A limit above the length changes nothing, and non-array atoms are untouched.
    let out = stdout_of(rdbsh_on(&sb).args(["--limit", "9", "-e", ORDERED]));
    assert_eq!(out.lines().count(), 3, "{out}");
    let out = stdout_of(rdbsh_on(&sb).args(["--limit", "1", "-e", "r.expr({a: [1, 2, 3]})"]));
    assert_eq!(out.trim(), r#"{"a":[1,2,3]}"#);
}
peer_tests!(limit_cuts_an_array_result_like_a_sequence);

fn meta_command_reports_go_to_stderr_and_leave_stdout_to_results(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .args(["-f", "-"])
        .write_stdin(format!(".ping\n.help\n{ORDERED}\n"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        serde_json::from_str::<Value>(line).expect("stdout holds only ndjson rows");
    }
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".use"), "help on stderr: {stderr}");
    assert!(
        stderr.contains("version") && stderr.contains("SCRAM-SHA-256"),
        "ping on stderr: {stderr}"
    );
}
peer_tests!(meta_command_reports_go_to_stderr_and_leave_stdout_to_results);

fn status_meta_command_prints_what_rdbsh_status_prints(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .args(["-f", "-"])
        .write_stdin(format!(".status\n{ORDERED}\n"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "only the rows on stdout: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = stdout_of(rdbsh_on(&sb).arg("status"));
    // The same picture; the servers' lines may differ by the uptime, read a moment apart.
    let tables = |text: &str| text.split_once("tables (").map(|(_, t)| t.to_owned());
    assert!(tables(&status).is_some(), "{status}");
    assert_eq!(tables(&stderr), tables(&status), "{stderr}");
    assert!(stderr.contains("test.people"), "{stderr}");
    assert!(
        stderr.starts_with("connected to ") && stderr.contains("servers (1):\n *"),
        "the server marked as the one connected to: {stderr}"
    );
}
peer_tests!(status_meta_command_prints_what_rdbsh_status_prints);

fn timing_goes_to_stderr(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .args(["--timing", "-e", ORDERED])
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 rows · ") && err.contains(" ms"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
}
peer_tests!(timing_goes_to_stderr);

fn read_only_profile_refuses_writes_before_sending(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = profile_file(dir.path(), &sb, "safe", "read_only = true");
    let mut cmd = Command::new(rdbsh_bin());
    let out = cmd
        .envs(sb.envs())
        .args(["--config"])
        .arg(&config)
        .args(["-p", "safe", "-e", "r.db('test').table('people').delete()"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`delete`") && err.contains("read-only"),
        "{err}"
    );
    let count = stdout_of(rdbsh_on(&sb).args(["-e", "r.db('test').table('people').count()"]));
    assert_eq!(count, "3\n", "nothing was deleted");
}
peer_tests!(read_only_profile_refuses_writes_before_sending);

#[test]
fn a_missing_query_file_is_a_usage_error() {
    let missing = Command::new(rdbsh_bin())
        .args(["-f", "/nonexistent/fix.reql"])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/fix.reql"));
}

fn exit_codes_for_connection_and_auth(kind: PeerKind) {
    let sb = Peer::start(kind);
    let wrong = rdbsh_on(&sb)
        .env(PASSWORD_VAR, "not-the-password")
        .args(["-e", "r.expr(1)"])
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(4));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("admin"), "names the user: {err}");
    assert!(
        !err.contains("not-the-password") && !err.contains(common::peer::PASSWORD),
        "{err}"
    );

    let right = stdout_of(rdbsh_on(&sb).args(["-e", "r.expr(1)"]));
    assert_eq!(right, "1\n");

    let port = sb.port;
    drop(sb);
    let refused = Command::new(rdbsh_bin())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "-e",
            "r.expr(1)",
        ])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(3));
}
peer_tests!(exit_codes_for_connection_and_auth);

fn output_has_no_escapes_with_no_color(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .env("NO_COLOR", "1")
        .args([
            "--format",
            "pretty",
            "-e",
            ORDERED,
            "-e",
            "r.expr(1).add('a')",
        ])
        .output()
        .expect("run");
    assert!(!out.stdout.contains(&0x1b));
    assert!(!out.stderr.contains(&0x1b));
}
peer_tests!(output_has_no_escapes_with_no_color);

fn read_only_refuses_every_write_family(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = profile_file(dir.path(), &sb, "ro", "read_only = true");
    let t = "r.db('test').table('people')";
    let writes = [
        ("insert", format!("{t}.insert({{id: 9}})")),
        ("update", format!("{t}.get(1).update({{a: 1}})")),
        ("replace", format!("{t}.get(1).replace({{id: 1}})")),
        ("delete", format!("{t}.filter({{id: 2}}).delete()")),
        ("dbCreate", "r.dbCreate('x')".into()),
        ("dbDrop", "r.dbDrop('test')".into()),
        ("tableCreate", "r.db('test').tableCreate('x')".into()),
        ("tableDrop", "r.db('test').tableDrop('people')".into()),
        ("indexCreate", format!("{t}.indexCreate('name')")),
        ("indexDrop", format!("{t}.indexDrop('name')")),
        ("indexRename", format!("{t}.indexRename('a', 'b')")),
        (
            "reconfigure",
            format!("{t}.reconfigure({{shards: 2, replicas: 1}})"),
        ),
        ("rebalance", format!("{t}.rebalance()")),
        ("grant", "r.grant('bob', {read: true})".into()),
        ("sync", format!("{t}.sync()")),
        ("setWriteHook", format!("{t}.setWriteHook(null)")),
        (
            "forEach",
            format!("r.range(3).forEach(function (i) {{ return {t}.get(i).delete(); }})"),
        ),
        (
            "rethinkdb.users",
            "r.db('rethinkdb').table('users').insert({id: 'bob', password: 'pw'})".into(),
        ),
        // A write nested inside a read is still a write.
        (
            "delete",
            format!("r.expr([1]).map(function (x) {{ return {t}.get(x).delete(); }})"),
        ),
    ];
    for (name, query) in &writes {
        let out = Command::new(rdbsh_bin())
            .envs(sb.envs())
            .arg("--config")
            .arg(&config)
            .args(["-p", "ro", "-e", query])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{query}: {err}");
        assert!(
            err.contains(&format!("`{name}`")) || err.contains(name),
            "{query} refused naming {name}: {err}"
        );
        assert!(err.contains("read-only"), "{err}");
    }
    let state = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "json",
        "-e",
        "r.dbList()",
        "-e",
        "r.db('test').table('people').count()",
        "-e",
        "r.db('test').table('people').get(1)",
    ]));
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&state)
        .into_iter::<Value>()
        .map(|v| v.expect("json"))
        .collect();
    assert_eq!(
        docs[0],
        serde_json::json!(["rethinkdb", "test"]),
        "no database created or dropped"
    );
    assert_eq!(docs[1], 3, "nothing inserted or deleted");
    assert_eq!(docs[2]["name"], "Ada", "nothing replaced");
}
peer_tests!(read_only_refuses_every_write_family);

fn an_unknown_user_is_told_to_check_the_user_name_and_exits_4(kind: PeerKind) {
    let sb = Peer::start(kind);
    let out = rdbsh_on(&sb)
        .args(["--user", "nobody", "-e", "r.expr(1)"])
        .output()
        .expect("run rdbsh");
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Unknown user"), "{err}");
    assert!(err.contains("check the user name"), "{err}");
}
peer_tests!(an_unknown_user_is_told_to_check_the_user_name_and_exits_4);

#[test]
fn compile_errors_on_a_terminal_honour_no_color() {
    for (no_color, coloured) in [("1", false), ("", true)] {
        let mut cmd = StdCommand::new("sh");
        cmd.arg("-c")
            .arg(format!("exec '{}' compile -e 'r.expr('", rdbsh_bin()))
            .env("TERM", "xterm")
            .env("NO_COLOR", no_color);
        let mut p = rexpect::session::spawn_command(cmd, Some(8000)).expect("spawn in a pty");
        let out = p.exp_eof().expect("rdbsh compile ends");
        assert!(out.contains("unclosed"), "{out:?}");
        assert_eq!(
            out.contains('\x1b'),
            coloured,
            "NO_COLOR={no_color:?}: {out:?}"
        );
    }
}

fn a_password_command_does_not_eat_the_queries_piped_on_stdin(kind: PeerKind) {
    let sb = Peer::start(kind);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.x]\nhost = \"127.0.0.1\"\nport = {}\n\
             password_command = \"cat > /dev/null; printf %s \\\"${PASSWORD_VAR}\\\"\"\n",
            sb.port
        ),
    )
    .unwrap();
    let out = Command::new(rdbsh_bin())
        .env_remove("RDBSH_PROFILE")
        .envs(sb.envs())
        .arg("--config")
        .arg(&config)
        .args(["-p", "x"])
        .write_stdin("r.expr(41).add(1)\n")
        .output()
        .expect("run rdbsh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "42\n", "{}", String::from_utf8_lossy(&out.stderr));
}
peer_tests!(a_password_command_does_not_eat_the_queries_piped_on_stdin);

#[test]
fn sandbox_flag_takes_db_and_warns_about_connection_flags_it_ignores() {
    let out = Command::new(rdbsh_bin())
        .env_remove("RDBSH_CONFIG")
        .env_remove("RDBSH_PROFILE")
        .args(["--sandbox", "--host", "db.example.com", "--db", "test"])
        .args([
            "-e",
            "r.tableList()",
            "-e",
            "r.db('demo').table('users').count()",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ignores --host"), "{stderr}");
    // `--db test` applies: its table list is empty; the demo data is still there.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].parse::<u64>().is_ok_and(|n| n > 0), "{stdout}");
}

fn a_repl_fed_from_a_pipe_exits_with_its_first_failure(kind: PeerKind) {
    let sb = seeded(kind);
    let out = rdbsh_on(&sb)
        .arg("repl")
        .env("HOME", "/nonexistent-rdbsh-test")
        .env("XDG_DATA_HOME", "/nonexistent-rdbsh-test")
        .write_stdin("r.expr(1)\nr.db('test').table('nope').count()\nr.expr(2)\n")
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains('2'), "later statements still run: {stdout}");
    let out = rdbsh_on(&sb)
        .arg("repl")
        .env("HOME", "/nonexistent-rdbsh-test")
        .env("XDG_DATA_HOME", "/nonexistent-rdbsh-test")
        .write_stdin("r.expr(1)\n")
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
peer_tests!(a_repl_fed_from_a_pipe_exits_with_its_first_failure);

/// The legacy V0_4 handshake: the auth key is the admin password on a 2.3+ server; a wrong
/// key is an authentication failure (exit 4) that names neither key.
fn v0_4_auth_key_handshake(kind: PeerKind) {
    let sb = Peer::start(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.legacy]\nhost = \"127.0.0.1\"\nport = {}\nprotocol = \"v0_4\"\n\
             auth_key_env = \"RDBSH_TEST_KEY\"\n",
            sb.port
        ),
    )
    .expect("write config");
    let run = |key: &str| {
        Command::new(rdbsh_bin())
            .env_remove("RDBSH_PROFILE")
            .env("RDBSH_TEST_KEY", key)
            .arg("--config")
            .arg(&config)
            .args(["-p", "legacy", "-e", "r.expr(20).add(22)"])
            .output()
            .expect("run rdbsh")
    };
    let right = run(common::peer::PASSWORD);
    assert_eq!(
        String::from_utf8_lossy(&right.stdout),
        "42\n",
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    let wrong = run("not-the-key");
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(4), "{err}");
    assert!(err.to_lowercase().contains("auth"), "{err}");
    assert!(
        !err.contains("not-the-key") && !err.contains(common::peer::PASSWORD),
        "{err}"
    );
}
peer_tests!(v0_4_auth_key_handshake);

fn a_table_into_a_pipe_cuts_no_value_and_prints_one_header(kind: PeerKind) {
    let sb = Peer::start(kind);
    let out = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "table",
        "-e",
        "r.range(2000).map(function(i){return {id:i}})",
    ]));
    assert!(!out.contains('…'), "no value is cut:\n{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2002, "one header, one rule, 2000 rows");
    assert_eq!(lines[0], "  id");
    assert_eq!(lines[1002], "1000");
    assert_eq!(lines[2001], "1999");
    // A key first seen late is a column from the start, not a header mid-stream.
    let out = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "table",
        "-e",
        "r.range(300).map(function(i){return r.branch(i.eq(299), {id:i, late:true}, {id:i})})",
    ]));
    assert_eq!(out.lines().filter(|l| l.contains("id")).count(), 1, "{out}");
    assert!(out.ends_with("299  true\n"), "{out}");
}
peer_tests!(a_table_into_a_pipe_cuts_no_value_and_prints_one_header);

fn max_width_is_the_only_thing_that_cuts_table_values(kind: PeerKind) {
    let sb = Peer::start(kind);
    let out = stdout_of(rdbsh_on(&sb).args([
        "--format",
        "table",
        "--max-width",
        "12",
        "-e",
        "r.expr([{id: 1, text: 'a sentence longer than twelve'}])",
    ]));
    for line in out.lines() {
        assert!(line.chars().count() <= 12, "{line:?} in\n{out}");
    }
    assert!(out.contains('…'), "{out}");
}
peer_tests!(max_width_is_the_only_thing_that_cuts_table_values);

fn a_limit_or_max_width_of_zero_is_a_usage_error(kind: PeerKind) {
    let sb = Peer::start(kind);
    for flag in ["--limit", "--max-width"] {
        let out = rdbsh_on(&sb)
            .args([flag, "0", "-e", "r.range(3)"])
            .output()
            .expect("run rdbsh");
        assert_eq!(out.status.code(), Some(2), "{flag} 0");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("at least 1"), "{flag}: {err}");
    }
}
peer_tests!(a_limit_or_max_width_of_zero_is_a_usage_error);

fn a_write_that_reports_errors_fails_the_run_even_when_going_on(kind: PeerKind) {
    let sb = seeded(kind);
    let dup = "r.db('test').table('people').insert({id: 1, name: 'again'})";
    let out = rdbsh_on(&sb)
        .args(["-e", dup, "-e", "r.expr('after')"])
        .output()
        .expect("run rdbsh");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("\"errors\":1"),
        "the result is printed: {stdout}"
    );
    assert!(
        !stdout.contains("after"),
        "stops at the failed write: {stdout}"
    );
    assert!(
        stderr.contains("1 error") && stderr.contains("Duplicate primary key"),
        "{stderr}"
    );

    let out = rdbsh_on(&sb)
        .args(["--on-error", "continue", "-e", dup, "-e", "r.expr('after')"])
        .output()
        .expect("run rdbsh");
    assert_eq!(out.status.code(), Some(1), "still counted");
    assert!(String::from_utf8_lossy(&out.stdout).contains("after"));

    // A read that returns such a document is not a write error.
    let read = stdout_of(rdbsh_on(&sb).args(["-e", "r.expr({errors: 1, first_error: 'x'})"]));
    assert!(read.contains("first_error"), "{read}");
}
peer_tests!(a_write_that_reports_errors_fails_the_run_even_when_going_on);

fn r_expr_null_runs_and_prints_null_while_a_bare_null_is_refused(kind: PeerKind) {
    let sb = Peer::start(kind);
    assert_eq!(
        stdout_of(rdbsh_on(&sb).args(["-e", "r.expr(null)"])),
        "null\n"
    );
    let out = rdbsh_on(&sb)
        .args(["-e", "null"])
        .output()
        .expect("run rdbsh");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("r.expr(null)"));
}
peer_tests!(r_expr_null_runs_and_prints_null_while_a_bare_null_is_refused);

#[test]
fn a_listener_that_never_answers_the_handshake_is_named_as_such() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let out = Command::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .env_remove("RDBSH_CONFIG")
        .args(["--host", "127.0.0.1", "--port", &port, "--timeout", "1"])
        .args(["-e", "r.expr(1)"])
        .output()
        .expect("run rdbsh");
    drop(listener);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did not answer with the RethinkDB handshake"),
        "{err}"
    );
}

#[test]
fn a_missing_ca_cert_file_is_a_configuration_error() {
    let out = Command::new(rdbsh_bin())
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .env_remove("RDBSH_CONFIG")
        .args(["--host", "127.0.0.1", "--port", "1"])
        .args([
            "--ca-cert",
            "/nonexistent-rdbsh-test/ca.pem",
            "-e",
            "r.expr(1)",
        ])
        .output()
        .expect("run rdbsh");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("/nonexistent-rdbsh-test/ca.pem"), "{err}");
}

/// Statements are read from stdin as a stream: the first results are printed while the pipe
/// is still open (the whole input used to be read first, so memory grew with its size).
#[test]
fn stdin_is_run_as_a_stream_of_statements() {
    use std::io::{BufRead, Write};
    let mut child = StdCommand::new(rdbsh_bin())
        .args(["--sandbox", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rdbsh");
    let mut stdin = child.stdin.take().expect("stdin");
    // More than one chunk of statements, then one more, with the pipe left open.
    let mut text = String::from("r.expr('first')\n");
    while text.len() < 100 * 1024 {
        text.push_str("var a = 1\n");
    }
    text.push_str("r.expr('second')\n");
    stdin.write_all(text.as_bytes()).expect("write statements");
    stdin.flush().expect("flush");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // A hang guard, not a timing assertion: a passing run answers at once.
    let first = rx.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(
        first.as_deref(),
        Ok("\"first\""),
        "the first result before the end of input"
    );
    drop(stdin);
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(rest, ["\"second\""]);
    assert!(child.wait().expect("exit").success());
}
