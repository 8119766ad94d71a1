//! `rdbsh repl` in a pseudo-terminal against a sandbox server process.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::peer::{PASSWORD_VAR, Peer, PeerKind};
use rexpect::session::{PtySession, spawn_command};

/// Every expectation gives up after this long (a hang fails the test, it does not stall it).
const TIMEOUT_MS: u64 = 8000;

const UP: &str = "\x1b[A";

/// `rdbsh repl` on a peer in a PTY of 120x40, with its data and config under `home`.
fn repl(peer: &Peer, home: &Path, no_color: bool) -> PtySession {
    let mut p = spawn_repl(home, no_color, &peer.conn_args().join(" "), &peer.envs());
    p.exp_string("127.0.0.1:test> ").expect("first prompt");
    p
}

/// `rdbsh repl ARGS` in a PTY of 120x40 with `home` as HOME and XDG directories.
fn spawn_repl(home: &Path, no_color: bool, args: &str, envs: &[(&str, &str)]) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "stty cols 120 rows 40; exec '{}' repl {args}",
            common::rdbsh_bin(),
        ))
        .env("TERM", "xterm")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .env_remove("RDBSH_CONFIG")
        .env_remove("VISUAL")
        .env_remove("EDITOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn rdbsh repl")
}

/// Sends keys without a line end (rexpect buffers them until flushed).
fn type_keys(p: &mut PtySession, keys: &str) {
    p.send(keys).expect("send keys");
    p.flush().expect("flush keys");
}

fn demo(kind: PeerKind) -> Peer {
    Peer::start_demo(kind)
}

/// Waits for `prompt`, then presses Ctrl-D. Between prompts the terminal is in cooked mode,
/// where the line discipline turns a typed ^D into a NUL that rustyline ignores; so the
/// key goes only to a prompt that is on screen.
fn quit(mut p: PtySession, prompt: &str) {
    p.exp_string(prompt).expect("the prompt before ctrl-d");
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("the repl exits on ctrl-d");
}

fn multi_line_input_waits_with_a_continuation_prompt(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr([1, 2,").unwrap();
    p.exp_string("... ").expect("continuation prompt");
    p.send_line("  3]).sum()").unwrap();
    p.exp_string("6\r\n").expect("the whole statement ran");
    p.exp_string("1 row ").expect("timing line");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(multi_line_input_waits_with_a_continuation_prompt);

fn tab_completes_a_table_name(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    type_keys(&mut p, "r.db('demo').table('us");
    type_keys(&mut p, "\t");
    p.exp_string("users").expect("completed table name");
    type_keys(&mut p, "').count()\r");
    p.exp_string("24\r\n").expect("the completed query ran");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(tab_completes_a_table_name);

fn long_sequences_page_with_it(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(".format ndjson").unwrap();
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("r.range(45)").unwrap();
    p.exp_string("\r\n19\r\n").expect("first page");
    p.exp_string("more available").expect("first page count");
    p.exp_string("Type \"it\" for more").expect("paging prompt");
    p.send_line("it").unwrap();
    p.exp_string("\r\n39\r\n").expect("second page");
    p.exp_string("Type \"it\" for more")
        .expect("paging prompt again");
    p.send_line("").unwrap();
    p.exp_string("\r\n44\r\n")
        .expect("Enter right after the prompt pages too");
    p.exp_string("5 rows ").expect("last page count");
    p.send_line("it").unwrap();
    p.exp_string("no cursor to iterate").expect("nothing left");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(long_sequences_page_with_it);

fn ctrl_c_stops_a_changefeed_and_the_repl_goes_on(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.db('demo').table('users').changes({includeInitial: true})")
        .unwrap();
    p.exp_string("new_val")
        .expect("the feed printed its initial rows");
    p.send_control('c').unwrap();
    p.exp_string("the query was stopped").expect("stopped");
    p.exp_string("127.0.0.1:test> ")
        .expect("back at the prompt");
    p.send_line("r.expr(41).add(1)").unwrap();
    p.exp_string("42\r\n").expect("a query still works");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(ctrl_c_stops_a_changefeed_and_the_repl_goes_on);

fn use_changes_the_default_database_and_the_prompt(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(".use demo").unwrap();
    p.exp_string("127.0.0.1:demo> ")
        .expect("prompt names the db");
    p.send_line("r.table('users').count()").unwrap();
    p.exp_string("24\r\n").expect("table of the new default db");
    p.send_line(".use nosuchdb").unwrap();
    p.exp_string("database `nosuchdb` does not exist")
        .expect("a database the server lacks is warned about");
    // ... and used all the same.
    quit(p, "127.0.0.1:nosuchdb> ");
}
peer_tests!(use_changes_the_default_database_and_the_prompt);

fn history_is_recalled_in_a_new_session(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr('remember ' + 'me')").unwrap();
    p.exp_string("\"remember me\"").expect("ran");
    quit(p, "127.0.0.1:test> ");

    let mut p = repl(&sb, home.path(), true);
    type_keys(&mut p, UP);
    p.exp_string("r.expr('remember ' + 'me')")
        .expect("up arrow shows the previous session's query");
    type_keys(&mut p, "\r");
    p.exp_string("\"remember me\"")
        .expect("recalled query runs");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(history_is_recalled_in_a_new_session);

fn no_color_output_has_no_colour_escapes(kind: PeerKind) {
    let sb = demo(kind);
    let query = "r.db('demo').table('users').limit(2)";
    let transcript = |no_color: bool| {
        let home = tempfile::tempdir().unwrap();
        let mut p = repl(&sb, home.path(), no_color);
        p.send_line(query).unwrap();
        let out = p.exp_string("2 rows ").expect("rows printed");
        quit(p, "127.0.0.1:test> ");
        out
    };
    let coloured = transcript(false);
    assert!(
        coloured.contains("\x1b[38;"),
        "a terminal gets colours by default: {coloured:?}"
    );
    let plain = transcript(true);
    assert!(plain.contains("\"name\""), "{plain:?}");
    assert!(
        !plain.contains("\x1b[3") && !plain.contains("\x1b[38;"),
        "NO_COLOR leaves no colour escapes: {plain:?}"
    );
}
peer_tests!(no_color_output_has_no_colour_escapes);

fn errors_show_carets_under_the_failing_part(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr(1).fitler(1)").unwrap();
    p.exp_string("unknown method `fitler`")
        .expect("compile error");
    p.exp_string("|           ^^^^^^")
        .expect("caret under the method");
    p.exp_string("did you mean `filter`").expect("suggestion");
    p.send_line("r.db('demo').table('nope').count()").unwrap();
    p.exp_string("Table `demo.nope` does not exist")
        .expect("server error");
    p.exp_string("| ^^^^^^^^^^^^^^^^^^^^^^^^^^\r\n")
        .expect("the failing sub-term underlined");
    p.send_line("r.dbCreate('x").unwrap();
    p.exp_string("unterminated string")
        .expect("a string open at the line end is reported, not continued");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(errors_show_carets_under_the_failing_part);

fn ctrl_c_at_the_prompt_clears_the_line(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr([").unwrap();
    p.exp_string("... ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("127.0.0.1:test> ")
        .expect("the open statement is dropped");
    p.send_line("r.expr(5).add(100)").unwrap();
    p.exp_string("105\r\n").expect("a fresh statement runs");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(ctrl_c_at_the_prompt_clears_the_line);

fn read_only_profile_refuses_writes_and_connect_switches_profile(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/rdbsh");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[profiles.ro]\nhost = \"127.0.0.1\"\nport = {port}\nread_only = true\n\
             password_env = \"{PASSWORD_VAR}\"\n\n\
             [profiles.rw]\nhost = \"127.0.0.1\"\nport = {port}\ndb = \"demo\"\n\
             password_env = \"{PASSWORD_VAR}\"\n",
            port = sb.port
        ),
    )
    .unwrap();
    let mut p = spawn_repl(home.path(), true, "-p ro", &sb.envs());
    p.exp_string("ro:test> ").expect("prompt names the profile");
    p.send_line("r.db('demo').table('users').insert({id: 99})")
        .unwrap();
    p.exp_string("refused: `insert` writes")
        .expect("refusal shown");
    p.exp_string("ro:test> ").unwrap();
    p.send_line(".connect rw").unwrap();
    p.exp_string("rw:demo> ")
        .expect("connected with the other profile");
    p.send_line("r.table('users').insert({id: 99})").unwrap();
    p.exp_string("\"inserted\": 1").expect("writes work there");
    quit(p, "rw:demo> ");
}
peer_tests!(read_only_profile_refuses_writes_and_connect_switches_profile);

fn edit_runs_what_the_editor_saved(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let editor = home.path().join("editor.sh");
    // Writes a query into an empty file, else finishes the statement it was given, and
    // leaves a finished one alone (as quitting without saving does).
    std::fs::write(
        &editor,
        "#!/bin/sh\nif grep -q 'count()' \"$1\"; then exit 0; \
         elif [ -s \"$1\" ]; then printf '1, 2, 3]).count()' >> \"$1\"; \
         else echo 'r.expr(6).mul(7)' > \"$1\"; fi\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let args = sb.conn_args().join(" ");
    let editor = editor.display().to_string();
    let mut envs = sb.envs();
    envs.push(("EDITOR", &editor));
    let mut p = spawn_repl(home.path(), true, &args, &envs);
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line(".edit").unwrap();
    p.exp_string("42\r\n").expect("the edited query ran");
    p.send_line(".history").unwrap();
    p.exp_string("r.expr(6).mul(7)")
        .expect("and went into the history");
    p.send_line("r.expr([").unwrap();
    p.exp_string("... ").unwrap();
    p.send_line(".edit").unwrap();
    p.exp_string("\r\n3\r\n")
        .expect(".edit at the continuation prompt edits the open statement");
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line(".edit").unwrap();
    p.exp_string("unchanged; nothing run")
        .expect("an unchanged text does not run again");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(edit_runs_what_the_editor_saved);

fn a_dumb_terminal_gets_the_repl_instead_of_the_tui(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(common::rdbsh_bin());
    cmd.args(sb.conn_args())
        .envs(sb.envs())
        .env("TERM", "dumb")
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("RDBSH_CONFIG");
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn rdbsh");
    p.exp_string("127.0.0.1:test> ").expect("the line prompt");
    p.send_line("r.expr(20).add(3)").unwrap();
    p.exp_string("23\r\n").expect("a query runs");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_dumb_terminal_gets_the_repl_instead_of_the_tui);

#[test]
fn ctrl_c_while_connecting_to_a_silent_server_gives_the_prompt_back() {
    // A real socket that accepts (in the kernel's backlog) and never answers the handshake.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    let args = format!("--host 127.0.0.1 --port {port} --timeout 600");
    let mut p = spawn_repl(home.path(), true, &args, &[]);
    // The first connect, before the first prompt, says it waits; Ctrl-C ends the wait.
    p.exp_string("connecting to 127.0.0.1:test... (Ctrl-C stops waiting)")
        .expect("the first connect says it waits");
    p.send_control('c').unwrap();
    p.exp_string("interrupted; not connected yet")
        .expect("Ctrl-C ends the first connect");
    for line in ["r.expr(1)", ".ping"] {
        p.exp_string("127.0.0.1:test> ").expect("the prompt");
        p.send_line(line).unwrap();
        // The line is read and the connect under way before Ctrl-C is pressed.
        std::thread::sleep(std::time::Duration::from_millis(500));
        p.send_control('c').unwrap();
        p.exp_string("interrupted")
            .expect("Ctrl-C ends the connect instead of waiting for the timeout");
    }
    quit(p, "127.0.0.1:test> ");
}

fn a_destructive_query_asks_first_as_in_the_tui(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.db('demo').table('events').delete()")
        .unwrap();
    p.exp_string("deletes every document of table `events` (120 documents); run it? [y/N] ")
        .expect("asks before deleting a whole table, with the count");
    p.send_line("n").unwrap();
    p.exp_string("not run").expect("no is no");
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("r.db('demo').table('events').count().gt(0)")
        .unwrap();
    p.exp_string("true\r\n").expect("the rows are still there");
    p.send_line("r.db('demo').table('events').delete()")
        .unwrap();
    p.exp_string("[y/N] ").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("\"deleted\"").expect("yes runs it");
    p.send_line("r.db('demo').table('events').filter({kind: 'x'}).delete()")
        .unwrap();
    p.exp_string("\"deleted\"")
        .expect("a filtered delete runs without asking");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_destructive_query_asks_first_as_in_the_tui);

fn a_write_no_get_getall_or_filter_bounds_asks_with_a_count(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    for selection in [
        ".filter(true)",
        ".between(r.minval, r.maxval)",
        ".orderBy({index: 'id'})",
        ".limit(100000)",
    ] {
        p.send_line(&format!("r.db('demo').table('events'){selection}.delete()"))
            .unwrap();
        p.exp_string("documents); run it? [y/N] ")
            .unwrap_or_else(|e| panic!("{selection} asks: {e}"));
        p.send_line("n").unwrap();
        p.exp_string("not run").expect("no is no");
    }
    p.send_line("var events = r.db('demo').table('events')")
        .unwrap();
    p.exp_string("events')").unwrap();
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("events.limit(3).update({seen: true})").unwrap();
    p.exp_string("updates documents in table `events` with no get, getAll or filter to bound them (3 documents); run it? [y/N] ")
        .expect("a bound name is seen through, and the selection counted");
    p.send_line("n").unwrap();
    p.exp_string("not run").expect("no is no");
    p.send_line("events.filter({seen: true}).count()").unwrap();
    p.exp_string("0\r\n").expect("nothing was written");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_write_no_get_getall_or_filter_bounds_asks_with_a_count);

/// `rdbsh -e QUERY` with stdin and stdout on a terminal: batch mode that can be asked.
fn batch_on_a_terminal_asks_too(kind: PeerKind) {
    let sb = demo(kind);
    let mut cmd = Command::new(common::rdbsh_bin());
    cmd.args(sb.conn_args())
        .args(["-e", "r.db('demo').table('events').filter(true).delete()"])
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .env_remove("RDBSH_CONFIG");
    for (k, v) in sb.envs() {
        cmd.env(k, v);
    }
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn rdbsh -e");
    p.exp_string("deletes documents from table `events`")
        .expect("batch on a terminal asks");
    p.exp_string("documents); run it? [y/N] ").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("not run").expect("no is no");
    p.exp_eof().expect("exits");
}
peer_tests!(batch_on_a_terminal_asks_too);

fn a_mistyped_meta_command_is_named_as_such(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(".conect prod").unwrap();
    p.exp_string("unknown command `.conect`; .help lists the commands")
        .expect("says which command is unknown");
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("r.expr(7)").unwrap();
    p.exp_string("7\r\n").expect("the REPL goes on");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_mistyped_meta_command_is_named_as_such);

/// The counter the endless write below moves, read by another client.
fn counter(peer: &Peer) -> Option<i64> {
    let out = Command::new(common::rdbsh_bin())
        .env_remove("RDBSH_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-rdbsh-test")
        .envs(peer.envs())
        .args(peer.conn_args())
        .args(["-e", "r.db('test').table('w').get(0)('n')"])
        .output()
        .expect("run rdbsh");
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// A write running when the server goes away fails and is not replayed once the server is
/// back: the next statement reconnects and runs, and the written counter stays where the
/// server left it (the real server keeps its data across the restart).
fn an_in_flight_write_fails_with_the_server_and_is_not_replayed(kind: PeerKind) {
    let mut sb = Peer::start(kind);
    let setup = Command::new(common::rdbsh_bin())
        .env_remove("RDBSH_CONFIG")
        .envs(sb.envs())
        .args(sb.conn_args())
        .args(["-e", "r.db('test').tableCreate('w')"])
        .args(["-e", "r.db('test').table('w').insert({id: 0, n: -1})"])
        .output()
        .expect("run rdbsh");
    assert!(setup.status.success(), "{setup:?}");
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(
        "r.range(1000000000).forEach(function (i) { \
         return r.db('test').table('w').get(0).update({n: i}) })",
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while counter(&sb).is_none_or(|n| n < 0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the write never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    sb.stop();
    p.exp_string("it was not retried because it may have been a write")
        .expect("the in-flight write is reported failed");
    p.exp_string("127.0.0.1:test> ").expect("the prompt");
    sb.restart();
    if kind == PeerKind::Real {
        // The table is readable again a moment after the server is back.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let left = loop {
            if let Some(n) = counter(&sb) {
                break n;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the table never came back"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        std::thread::sleep(std::time::Duration::from_millis(500));
        p.send_line("r.db('test').table('w').get(0)('n')").unwrap();
        p.exp_string(&format!("\r\n{left}\r\n"))
            .expect("the session reconnects and the write was not replayed");
    } else {
        // The sandbox starts empty: the next statement reconnects and runs.
        p.send_line("r.db('test').tableList().count()").unwrap();
        p.exp_string("\r\n0\r\n").expect("the session reconnects");
    }
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(an_in_flight_write_fails_with_the_server_and_is_not_replayed);

/// A 100,000-deep document stored in the real server read back in the REPL, as NDJSON (the
/// row byte for byte) and as pretty JSON (indentation capped, every level there).
#[test]
fn a_document_nested_100000_deep_reads_back_in_the_repl() {
    if !common::peer::real_server_available() {
        return;
    }
    let sb = Peer::start(PeerKind::Real);
    let deep = format!(
        r#"{{"a":{},"id":1}}"#,
        rdbsh::nesting::deep_array_text(100_000)
    );
    sb.run_terms(&[
        serde_json::json!([60, [[14, ["test"]], "deep"]]),
        serde_json::json!([56, [[15, [[14, ["test"]], "deep"]], [98, [deep.clone()]]]]),
    ]);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(".format ndjson").unwrap();
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("r.db('test').table('deep')").unwrap();
    let tail = &deep[deep.len() - 40..];
    p.exp_string(tail)
        .expect("the whole row, to its last bracket");
    p.exp_string("1 row").expect("the count");
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line(".format pretty").unwrap();
    p.exp_string(".format pretty").unwrap();
    p.exp_string("127.0.0.1:test> ").unwrap();
    p.send_line("r.db('test').table('deep')('id')").unwrap();
    p.exp_string("\r\n1\r\n")
        .expect("a query on the same table");
    quit(p, "127.0.0.1:test> ");
}

/// `[history] redact` replaces the default patterns: its keys' values never reach the history
/// file, whatever their type, while the session still runs the statement as typed.
fn history_redact_patterns_come_from_the_config_file(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/rdbsh");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[history]\nredact = [\"ssn\", \"*card_number*\"]\n",
    )
    .unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr({SSN: 'S3cr3tValue', creditCardNumber: 4111111111111111})('SSN')")
        .unwrap();
    p.exp_string("\"S3cr3tValue\"").expect("ran as typed");
    p.send_line("r.expr({['pass' + 'word']: 'kept'})").unwrap();
    p.exp_string("\"kept\"").expect("ran");
    quit(p, "127.0.0.1:test> ");
    let file = std::fs::read_to_string(home.path().join("data/rdbsh/history")).unwrap();
    assert!(!file.contains("S3cr3t"), "{file}");
    assert!(!file.contains("4111111111111111"), "{file}");
    assert!(file.contains("<redacted>"), "{file}");
    // Not in the configured list, so kept.
    assert!(file.contains("'kept'"), "{file}");
}
peer_tests!(history_redact_patterns_come_from_the_config_file);

/// `--query-timeout` in the REPL: a changefeed is sent STOP when the time is up, the statement
/// fails naming the timeout, and the REPL goes on (the server lists no query left running).
fn query_timeout_stops_a_statement_and_the_repl_goes_on(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let args = format!("{} --query-timeout 1", sb.conn_args().join(" "));
    let mut p = spawn_repl(home.path(), true, &args, &sb.envs());
    p.exp_string("127.0.0.1:test> ").expect("first prompt");
    p.send_line("r.db('demo').table('users').changes()")
        .unwrap();
    p.exp_string("query timeout (1s) and was stopped")
        .expect("the feed is stopped at the timeout");
    p.exp_string("127.0.0.1:test> ").expect("the prompt again");
    p.send_line("r.db('rethinkdb').table('jobs').filter({type: 'query'}).count()")
        .unwrap();
    p.exp_string("\n1\r\n")
        .expect("only this query runs: the feed was stopped");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(query_timeout_stops_a_statement_and_the_repl_goes_on);

fn lines_typed_ahead_in_one_burst_all_run_in_order(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    // One write: the three lines reach the terminal together, as pasted or typed ahead.
    type_keys(&mut p, "r.expr(101)\rr.expr(102)\rr.expr(103)\r");
    p.exp_string("\r\n101\r\n").expect("the first line ran");
    p.exp_string("\r\n102\r\n").expect("the second line ran");
    p.exp_string("\r\n103\r\n").expect("the third line ran");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(lines_typed_ahead_in_one_burst_all_run_in_order);

fn a_failed_connect_keeps_the_working_session(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, then let go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = home.path().join("config/rdbsh");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!("[profiles.down]\nhost = \"127.0.0.1\"\nport = {down_port}\ntimeout = 5\n"),
    )
    .unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line(".connect down").unwrap();
    p.exp_string("cannot connect to `down`")
        .expect("the failed connect is reported");
    p.exp_string("still on 127.0.0.1:test")
        .expect("and says which session is kept");
    p.exp_string("127.0.0.1:test> ")
        .expect("the prompt of the working session");
    p.send_line("r.db('demo').table('users').count()").unwrap();
    p.exp_string("24\r\n")
        .expect("the working session still runs queries");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_failed_connect_keeps_the_working_session);

#[test]
fn a_server_that_is_down_is_reported_before_the_first_prompt() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let home = tempfile::tempdir().unwrap();
    let args = format!("--host 127.0.0.1 --port {port}");
    let mut p = spawn_repl(home.path(), true, &args, &[]);
    p.exp_string("cannot connect to 127.0.0.1:test: ")
        .expect("the failed connect is said before the prompt");
    p.exp_string(".connect NAME switches profile").unwrap();
    quit(p, "127.0.0.1:test> ");
}

fn a_profile_without_a_secret_asks_for_the_password(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let args = format!("--host 127.0.0.1 --port {}", sb.port);
    let mut p = spawn_repl(home.path(), true, &args, &[]);
    p.exp_string("password for admin@127.0.0.1:test: ")
        .expect("a password prompt before the first prompt");
    p.send_line(common::peer::PASSWORD).unwrap();
    p.exp_string("127.0.0.1:test> ").expect("then the prompt");
    p.send_line("r.db('demo').table('users').count()").unwrap();
    p.exp_string("24\r\n")
        .expect("the session logged in with it");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(a_profile_without_a_secret_asks_for_the_password);

fn tab_offers_only_the_methods_of_the_receiver_type(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    // On a string, `up` can only be `upcase` (`update` writes tables).
    type_keys(&mut p, "r.expr('abc').up");
    type_keys(&mut p, "\t");
    p.exp_string("upcase")
        .expect("completed to the string method");
    type_keys(&mut p, "()\r");
    p.exp_string("\"ABC\"").expect("the completed query ran");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(tab_offers_only_the_methods_of_the_receiver_type);

fn vi_edit_mode_from_the_config_file(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/rdbsh");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[repl]\nedit_mode = \"vi\"\n").unwrap();
    let mut p = repl(&sb, home.path(), true);
    type_keys(&mut p, "r.expr(9)");
    type_keys(&mut p, "\x1b");
    // Past the line editor's wait for an escape sequence, so Esc is a key of its own. (In
    // emacs mode the keys below would type `dd` and `i`, and the line would not compile.)
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // Normal mode: `dd` deletes the line, `i` inserts again.
    type_keys(&mut p, "ddi");
    type_keys(&mut p, "r.expr(4)\r");
    p.exp_string("\r\n4\r\n")
        .expect("only the line typed after dd ran");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(vi_edit_mode_from_the_config_file);

#[test]
fn status_prints_the_cluster_and_completes() {
    let sb = demo(PeerKind::Sandbox);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    type_keys(&mut p, ".stat");
    type_keys(&mut p, "\t");
    p.exp_string("us")
        .expect("completed the meta-command's name");
    type_keys(&mut p, "\r");
    p.exp_string("servers (1):").expect("the servers");
    p.exp_string("demo.users  ready")
        .expect("a table's readiness");
    p.exp_string("issues (0):").expect("the issues");
    quit(p, "127.0.0.1:test> ");
}

fn named_queries_save_run_and_complete(kind: PeerKind) {
    let sb = demo(kind);
    let home = tempfile::tempdir().unwrap();
    let mut p = repl(&sb, home.path(), true);
    p.send_line("r.expr(41).add(1)").unwrap();
    p.exp_string("42\r\n").expect("the statement ran");
    p.send_line(".save answer").unwrap();
    p.exp_string("saved query `answer`").expect("saved");
    p.send_line(".save twice r.expr(${n}).mul(2)").unwrap();
    p.exp_string("saved query `twice`")
        .expect("saved with a parameter");
    p.send_line(".queries").unwrap();
    p.exp_string("twice   r.expr(${n}).mul(2)").expect("listed");
    p.send_line(".run twice n=21").unwrap();
    p.exp_string("42\r\n")
        .expect("ran with the parameter bound");
    p.send_line(".run twice").unwrap();
    p.exp_string("needs parameter `n`")
        .expect("the missing parameter named");
    // Completion knows the saved names after `.run `.
    type_keys(&mut p, ".run ans");
    type_keys(&mut p, "\t");
    p.exp_string("wer").expect("completed the saved name");
    type_keys(&mut p, "\r");
    p.exp_string("42\r\n").expect("the completed name ran");
    quit(p, "127.0.0.1:test> ");
}
peer_tests!(named_queries_save_run_and_complete);

/// On a real three-server cluster: the prompt names the server; when it goes away the next
/// statement runs on the next host, with a notice and a new prompt.
#[test]
fn the_repl_fails_over_to_the_next_server_of_the_profile() {
    use common::peer::{PASSWORD, RealCluster};
    let Some(mut cluster) = RealCluster::start(3) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let hosts: Vec<String> = cluster.addrs().iter().map(|a| format!("\"{a}\"")).collect();
    let config = home.path().join("cluster.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.c]\nhosts = [{}]\npassword_env = \"{PASSWORD_VAR}\"\ntimeout = 5\n",
            hosts.join(", ")
        ),
    )
    .unwrap();
    let args = format!("--config '{}' -p c", config.display());
    let mut p = spawn_repl(home.path(), true, &args, &[(PASSWORD_VAR, PASSWORD)]);
    p.exp_string("c@s1:test> ").expect("the prompt names s1");
    p.send_line("r.expr('before')").unwrap();
    p.exp_string("\"before\"\r\n").expect("a query on s1");
    p.exp_string("c@s1:test> ").unwrap();

    cluster.kill("s1");
    p.send_line("r.expr('after')").unwrap();
    // A query sent before rdbsh saw the connection close fails and is not replayed.
    let (_, seen) = p
        .exp_any(vec![
            rexpect::ReadUntil::String("not retried".into()),
            rexpect::ReadUntil::String("rdbsh: now on s2".into()),
        ])
        .expect("a failure or the notice");
    if seen.contains("not retried") {
        p.exp_string("c@s1:test> ").unwrap();
        p.send_line("r.expr('after')").unwrap();
        p.exp_string("rdbsh: now on s2").expect("the notice");
    }
    let notice = format!(
        " (127.0.0.1:{}), was 127.0.0.1:{}",
        cluster.port("s2"),
        cluster.port("s1")
    );
    p.exp_string(&notice)
        .expect("the notice names both addresses");
    p.exp_string("\"after\"\r\n").expect("the query ran on s2");
    quit(p, "c@s2:test> ");
}
