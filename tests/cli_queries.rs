//! Named queries end to end: `.save`/`.run`/`.queries` in a batch file and `rdbsh run`,
//! against both peers.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::peer::{PASSWORD_VAR, Peer, PeerKind};
use common::{rdbsh_bin, rdbsh_on, stdout_of};

fn seeded(kind: PeerKind) -> Peer {
    common::with_people(kind, "[{id: 1, name: 'Ada'}, {id: 2, name: 'Bo'}]")
}

/// rdbsh on `peer` with its named queries kept under `data`.
fn rdbsh_in(peer: &Peer, data: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = rdbsh_on(peer);
    cmd.env("XDG_DATA_HOME", data).env("HOME", data);
    cmd
}

const BY_NAME: &str = "r.db('test').table('people').filter({name: ${name}}).pluck('id')";

fn save_run_and_list_in_a_file(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.js");
    let text = format!(
        "r.db('test').table('people').count()\n.save total\n.save byname {BY_NAME}\n\
         .queries\n.run byname name=Bo\n.run byname name=')).delete(\n.run total\n"
    );
    std::fs::write(&file, text).unwrap();
    let out = rdbsh_in(&sb, dir.path())
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The injection stayed a string: no row matched and nothing was deleted.
    assert_eq!(stdout, "2\n{\"id\":2}\n2\n", "{stderr}");
    assert!(stderr.contains("  byname  r.db('test')"), "{stderr}");
    let saved = std::fs::read_to_string(dir.path().join("rdbsh/queries.toml")).unwrap();
    assert!(saved.contains("total = \"r.db('test').table('people').count()\""));
}
peer_tests!(save_run_and_list_in_a_file);

fn run_subcommand_binds_args_and_names_what_is_missing(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rdbsh")).unwrap();
    let store = format!("byname = \"{BY_NAME}\"\n");
    std::fs::write(dir.path().join("rdbsh/queries.toml"), store).unwrap();
    let out = stdout_of(rdbsh_in(&sb, dir.path()).args(["run", "byname", "--arg", "name=Ada"]));
    assert_eq!(out, "{\"id\":1}\n");
    let out = stdout_of(rdbsh_in(&sb, dir.path()).args(["run", "byname", "--arg", "name=\"Bo\""]));
    assert_eq!(out, "{\"id\":2}\n");
    for (args, what) in [
        (vec!["run", "nosuch"], "no saved query `nosuch`"),
        (vec!["run", "byname"], "needs parameter `name`"),
        (
            vec!["run", "byname", "--arg", "name=A", "--arg", "x=1"],
            "no parameter `x`",
        ),
    ] {
        let out = rdbsh_in(&sb, dir.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(what), "{args:?}: {stderr}");
    }
}
peer_tests!(run_subcommand_binds_args_and_names_what_is_missing);

fn a_profile_queries_file_is_shared(kind: PeerKind) {
    let sb = seeded(kind);
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("team.toml");
    std::fs::write(
        &shared,
        "names = \"r.db('test').table('people').count()\"\n",
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.team]\nhost = \"127.0.0.1\"\nport = {}\npassword_env = \"{PASSWORD_VAR}\"\n\
             queries = \"{}\"\n",
            sb.port,
            shared.display()
        ),
    )
    .unwrap();
    let mut cmd = assert_cmd::Command::new(rdbsh_bin());
    cmd.envs(sb.envs())
        .env("XDG_DATA_HOME", dir.path().join("elsewhere"))
        .arg("--config")
        .arg(&config)
        .args(["-p", "team", "run", "names"]);
    assert_eq!(stdout_of(&mut cmd), "2\n");
    std::fs::write(&shared, "names = oops\n").unwrap();
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("team.toml line 1"), "{stderr}");
}
peer_tests!(a_profile_queries_file_is_shared);
