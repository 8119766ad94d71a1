//! End to end: the real binary in a pseudo-terminal on an in-process sandbox (`--sandbox`),
//! its screen read through a terminal emulator. Every wait is bounded.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;
const WAIT: Duration = Duration::from_secs(20);

const F5: &str = "\x1b[15~";
const CTRL_C: &str = "\x03";
const CTRL_Q: &str = "\x11";
const F2: &str = "\x1bOQ";
const F8: &str = "\x1b[19~";
const SHIFT_TAB: &str = "\x1b[Z";
const DOWN: &str = "\x1b[B";

/// A running `rdbsh --sandbox` and the emulated screen it draws on.
struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    data: tempfile::TempDir,
}

impl Tui {
    fn start() -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let data = tempfile::tempdir().expect("temp dir");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_rdbsh"));
        cmd.arg("--sandbox");
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_DATA_HOME", data.path());
        cmd.env("XDG_CONFIG_HOME", data.path());
        cmd.env_remove("RDBSH_CONFIG");
        let child = pty.slave.spawn_command(cmd).expect("spawn rdbsh");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = Arc::new(Mutex::new(pty.master.take_writer().expect("pty writer")));
        let sink = Arc::clone(&parser);
        let answer = Arc::clone(&writer);
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let bytes = &buf[..n];
                        // Answer the terminal queries crossterm makes (keyboard enhancement,
                        // primary device attributes) as a plain xterm would, so start-up does
                        // not wait for its timeout.
                        let Ok(mut p) = sink.lock() else { break };
                        p.process(bytes);
                        let mut reply = Vec::new();
                        if contains(bytes, b"\x1b[6n") {
                            let (row, col) = p.screen().cursor_position();
                            reply.extend(format!("\x1b[{};{}R", row + 1, col + 1).bytes());
                        }
                        if contains(bytes, b"\x1b[c") {
                            reply.extend(b"\x1b[?62;22c");
                        }
                        drop(p);
                        if !reply.is_empty()
                            && let Ok(mut w) = answer.lock()
                        {
                            let _ = w.write_all(&reply);
                            let _ = w.flush();
                        }
                    }
                }
            }
        });
        Tui {
            parser,
            writer: Box::new(SharedWriter(writer)),
            child,
            data,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Types text one key at a time, as a person would (no bracketed paste).
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the screen satisfies `ok`; fails with the screen when it does not in time.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

struct SharedWriter(Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?
            .write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?
            .flush()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn sandbox_session_runs_a_query_stops_a_feed_and_restores_the_terminal() {
    let mut tui = Tui::start();

    // The panes, with the demo tables in the browser.
    let screen = tui.wait_for("the browser to list the demo tables", |s| {
        s.contains("users") && s.contains("orders") && s.contains("events")
    });
    assert!(
        tui.parser
            .lock()
            .expect("parser")
            .screen()
            .alternate_screen()
    );
    assert!(screen.contains("demo"), "{screen}");

    // A query typed and run with F5 shows its rows.
    tui.type_text("r.db('demo').table('orders').orderBy('id').limit(3)");
    tui.send(F5);
    let screen = tui.wait_for("the rows of the query", |s| {
        s.contains("ord-0001") && s.contains("3 rows")
    });
    assert!(screen.contains("ord-0003"), "{screen}");

    // F2 shows the same rows as a table, columns from their keys.
    tui.send(F2);
    let screen = tui.wait_for("the table view", |s| {
        s.contains("placed_at") && s.contains("table")
    });
    if let Some(path) = std::env::var_os("RDBSH_TUI_CAPTURE") {
        std::fs::write(path, &screen).expect("write the capture");
    }
    tui.send(F2);
    tui.send(F2);
    tui.send(F2);

    // The browser opens a table without any ReQL typed, and counts it in the background.
    tui.send(SHIFT_TAB);
    tui.send(DOWN);
    tui.send(DOWN);
    tui.send("c");
    tui.wait_for("the count of orders", |s| s.contains("60"));
    tui.send("\r");
    tui.wait_for("the opened table", |s| {
        s.contains("r.db('demo').table('orders')") && s.contains("rows")
    });
    // F8 turns the shown query live: the same query with `.changes()` runs as a feed.
    tui.send(F8);
    tui.wait_for("the live query", |s| {
        s.contains("0 changes · tail") && s.contains("LIVE")
    });
    tui.send(CTRL_C);
    tui.wait_for("the live query to stop", |s| s.contains("stopped"));
    // Back to the editor (the open moved the focus to the results).
    tui.send(SHIFT_TAB);

    // A changefeed runs until Ctrl-C stops it; the session stays usable.
    tui.send("\r\r");
    tui.type_text("r.db('demo').table('events').changes()");
    tui.send(F5);
    tui.wait_for("the feed to run", |s| {
        s.contains("0 changes") && s.contains("running")
    });
    tui.send(CTRL_C);
    tui.wait_for("the feed to stop", |s| s.contains("stopped"));
    tui.send("\r\r");
    tui.type_text("r.db('demo').table('users').count()");
    tui.send(F5);
    tui.wait_for("a query after the stop", |s| s.contains("24"));

    tui.send(CTRL_Q);
    let status = wait_exit(&mut tui);
    assert!(status.success(), "exit status {status:?}");
    {
        let parser = tui.parser.lock().expect("parser");
        assert!(!parser.screen().alternate_screen(), "alternate screen left");
        assert!(!parser.screen().hide_cursor(), "cursor shown again");
    }

    // Each run went to the history file the REPL shares, one entry per run.
    let history = std::fs::read_to_string(tui.data.path().join("rdbsh").join("history"))
        .expect("the history file under $XDG_DATA_HOME/rdbsh");
    assert!(
        history.contains("r.db('demo').table('orders').orderBy('id').limit(3)"),
        "{history}"
    );
    assert!(
        history.contains("r.db('demo').table('users').count()"),
        "{history}"
    );
}

fn wait_exit(tui: &mut Tui) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(Some(status)) = tui.child.try_wait() {
            // Let the reader thread take in the last bytes written before the exit.
            std::thread::sleep(Duration::from_millis(200));
            return status;
        }
        if Instant::now() > deadline {
            panic!("rdbsh did not exit; the screen:\n{}", tui.screen());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
