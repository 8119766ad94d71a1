//! Progress of a transfer: a bar on a terminal, plain periodic lines on a pipe, or nothing.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a transfer tells about how far it got; every method is cheap to call per batch.
pub trait Progress: Send + Sync {
    /// A table starts; `total` is its estimated row count when known.
    fn start(&self, table: &str, total: Option<u64>);
    /// `done` rows of the table so far.
    fn advance(&self, table: &str, done: u64);
    /// The table is done with `done` rows.
    fn finish(&self, table: &str, done: u64);
    /// A line to show (a bad row, a warning), never hidden behind the bar.
    fn note(&self, line: &str);
}

/// Which [`Progress`] to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressKind {
    /// A redrawn line with rows/s and an ETA (stderr is a terminal).
    Bar,
    /// A plain line every few seconds (stderr is a pipe or a file).
    Lines,
    /// `--quiet`: notes only.
    Quiet,
}

impl ProgressKind {
    /// The reporter for this kind, writing to stderr.
    pub fn reporter(self) -> Box<dyn Progress> {
        match self {
            ProgressKind::Bar => Box::new(Reporter::new(true, Duration::from_millis(200))),
            ProgressKind::Lines => Box::new(Reporter::new(false, Duration::from_secs(5))),
            ProgressKind::Quiet => Box::new(Quiet),
        }
    }
}

/// `--quiet`.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: &str, _: u64) {}
    fn finish(&self, _: &str, _: u64) {}
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

struct State {
    started: Instant,
    last_shown: Instant,
    total: Option<u64>,
}

#[derive(Default)]
struct Tables {
    /// Tables in progress (export runs several at once).
    running: HashMap<String, State>,
    /// A bar is on the current line and must be cleared before a note.
    drawn: bool,
}

/// The bar and the plain lines: they differ in how often and how they draw.
struct Reporter {
    bar: bool,
    every: Duration,
    state: Mutex<Tables>,
}

impl Reporter {
    fn new(bar: bool, every: Duration) -> Reporter {
        Reporter {
            bar,
            every,
            state: Mutex::new(Tables::default()),
        }
    }

    fn draw(&self, state: &State, drawn: &mut bool, table: &str, done: u64, last: bool) {
        let secs = state.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let mut line = format!("{table}: {done} rows, {rate:.0} rows/s");
        if let Some(total) = state.total.filter(|t| *t > 0 && !last) {
            let pct = (done as f64 / total as f64 * 100.0).min(100.0);
            let left = total.saturating_sub(done) as f64 / rate.max(1.0);
            line = format!("{line}, {pct:.0}% of ~{total}, ETA {left:.0}s");
        }
        if last {
            line = format!("{line}, done in {secs:.1}s");
        }
        let mut err = std::io::stderr().lock();
        // Progress output is best effort: a closed stderr must not stop the transfer.
        if self.bar {
            let end = if last { "\n" } else { "" };
            let _ = write!(err, "\r\x1b[2K{line}{end}");
            *drawn = !last;
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }
}

impl Progress for Reporter {
    fn start(&self, table: &str, total: Option<u64>) {
        let now = Instant::now();
        if let Ok(mut tables) = self.state.lock() {
            let state = State {
                started: now,
                last_shown: now,
                total,
            };
            tables.running.insert(table.to_owned(), state);
        }
    }

    fn advance(&self, table: &str, done: u64) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let tables = &mut *guard;
        if let Some(state) = tables.running.get_mut(table)
            && state.last_shown.elapsed() >= self.every
        {
            state.last_shown = Instant::now();
            self.draw(state, &mut tables.drawn, table, done, false);
        }
    }

    fn finish(&self, table: &str, done: u64) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let tables = &mut *guard;
        if let Some(state) = tables.running.remove(table) {
            self.draw(&state, &mut tables.drawn, table, done, true);
        }
    }

    fn note(&self, line: &str) {
        let Ok(mut tables) = self.state.lock() else {
            return;
        };
        let mut err = std::io::stderr().lock();
        if tables.drawn {
            let _ = write!(err, "\r\x1b[2K");
            tables.drawn = false;
        }
        let _ = writeln!(err, "{line}");
    }
}
