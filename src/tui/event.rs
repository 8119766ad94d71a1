//! One stream of events: terminal input (key releases dropped), clock ticks, render ticks and
//! termination signals, merged by a task so the loop awaits a single source.

use std::time::{Duration, Instant};

use futures_core::Stream;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEvent, KeyEventKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Something that happened outside the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// Clock tick (spinners, debounce).
    Tick(Instant),
    /// Time to draw, if anything changed.
    Render,
    /// SIGTERM, SIGHUP or SIGINT (Ctrl-C itself is a key in raw mode).
    Terminate,
    /// The terminal input failed; the loop ends.
    Error(String),
}

/// The merged event stream; dropping it stops reading the terminal.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    task: JoinHandle<()>,
}

impl Events {
    /// Starts reading the terminal, ticking every `tick` and asking to render every `frame`.
    pub fn start(tick: Duration, frame: Duration) -> Events {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(pump(tx, tick, frame));
        Events { rx, task }
    }

    /// The next event; `None` once the stream has ended.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        // Aborting drops the crossterm reader, so $EDITOR or the shell gets stdin back.
        self.task.abort();
    }
}

async fn next_term_event(stream: &mut EventStream) -> Option<std::io::Result<TermEvent>> {
    let mut pinned = std::pin::Pin::new(stream);
    std::future::poll_fn(|cx| pinned.as_mut().poll_next(cx)).await
}

async fn pump(tx: mpsc::UnboundedSender<Event>, tick: Duration, frame: Duration) {
    let mut input = EventStream::new();
    let mut ticks = tokio::time::interval(tick);
    let mut frames = tokio::time::interval(frame);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = Terminate::new();
    loop {
        let event = tokio::select! {
            _ = ticks.tick() => Event::Tick(Instant::now()),
            _ = frames.tick() => Event::Render,
            _ = terminate.recv() => Event::Terminate,
            ev = next_term_event(&mut input) => match ev {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => Event::Key(key),
                Some(Ok(TermEvent::Paste(text))) => Event::Paste(text),
                Some(Ok(TermEvent::Resize(w, h))) => Event::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => Event::Error(format!("cannot read the terminal: {e}")),
                None => Event::Error("the terminal input closed".to_owned()),
            },
        };
        let last = matches!(event, Event::Error(_));
        if tx.send(event).is_err() || last {
            return;
        }
    }
}

/// SIGTERM, SIGHUP and SIGINT as one future (never ready where signals are not available).
struct Terminate {
    #[cfg(unix)]
    signals: Vec<tokio::signal::unix::Signal>,
}

impl Terminate {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = [
                SignalKind::terminate(),
                SignalKind::hangup(),
                SignalKind::interrupt(),
            ]
            .into_iter()
            .filter_map(|kind| signal(kind).ok())
            .collect();
            Terminate { signals }
        }
        #[cfg(not(unix))]
        Terminate {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if !self.signals.is_empty() {
            let signals = &mut self.signals;
            std::future::poll_fn(|cx| {
                for s in signals.iter_mut() {
                    if s.poll_recv(cx).is_ready() {
                        return std::task::Poll::Ready(());
                    }
                }
                std::task::Poll::Pending
            })
            .await;
            return;
        }
        std::future::pending::<()>().await
    }
}
