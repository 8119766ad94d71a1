//! Python syntax end to end: `--lang python`, the `lang` profile key and `.lang` in a file,
//! against a real sandbox server process; `rdbsh compile --lang/--to` without one.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use assert_cmd::Command;
use common::peer::{PASSWORD_VAR, Peer, PeerKind};
use common::{rdbsh_bin, rdbsh_on, stdout_of};

fn python_statements_run_as_the_driver_would(kind: PeerKind) {
    let sb = Peer::start(kind);
    let script = "import rethinkdb as r  # pasted from the application\n\
        r.db('test').table_create('people').run(conn)\n\
        people = r.db('test').table('people')\n\
        people.insert([{'id': i, 'age': 20 + i * 10, 'banned': i == 2} for i in range(1, 4)]).run(conn)\n\
        people.filter(lambda p: (p['age'] > 30) & ~p['banned']) \\\n    .count()\n\
        (people.order_by(index=r.desc('id'))\n    .limit(1)['id'])\n\
        .lang js\n\
        r.db('test').table('people').get(1)('age')\n";
    let out = stdout_of(
        rdbsh_on(&sb)
            .args(["--lang", "py", "--format", "raw"])
            .write_stdin(script),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[2..], ["1", "3", "30"], "{out}");
}
peer_tests!(python_statements_run_as_the_driver_would);

fn the_profile_key_reads_python_and_the_guard_still_holds(kind: PeerKind) {
    let sb = Peer::start(kind);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.py]\nhost = \"127.0.0.1\"\nport = {}\npassword_env = \"{PASSWORD_VAR}\"\nlang = \"python\"\nread_only = true\n",
            sb.port
        ),
    )
    .expect("write config");
    let run = |q: &str| {
        Command::new(rdbsh_bin())
            .envs(sb.envs())
            .arg("--config")
            .arg(&config)
            .args(["-p", "py", "-e", q])
            .output()
            .expect("run")
    };
    let ok = run("r.expr([1, 2, 3]).map(lambda x: x * 2)");
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "2\n4\n6");
    let refused = run("r.db('test').table_create('x')");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("read-only"));
    let trap = run("r.expr(1) < r.expr(2) < r.expr(3)");
    assert_eq!(trap.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&trap.stderr).contains("(a < b) & (b < c)"));
}
peer_tests!(the_profile_key_reads_python_and_the_guard_still_holds);

#[test]
fn compile_reads_and_writes_either_syntax() {
    let compile = |args: &[&str]| {
        let out = Command::new(rdbsh_bin())
            .arg("compile")
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    };
    assert_eq!(
        compile(&[
            "--lang",
            "python",
            "-e",
            "r.table('t').get_all(1, index='k')"
        ]),
        r#"[78,[[15,["t"]],1],{"index":"k"}]"#
    );
    assert_eq!(
        compile(&[
            "--to",
            "python",
            "-e",
            "r.table('t').getAll(1, {index: 'k'})"
        ]),
        "r.table('t').get_all(1, index='k')"
    );
    assert_eq!(
        compile(&[
            "--lang",
            "py",
            "--to",
            "js",
            "-e",
            "r.table('t').get_all(1, index='k')"
        ]),
        r#"r.table("t").getAll(1, {index: "k"})"#
    );
}
