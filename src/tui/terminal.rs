//! Entering and leaving the full-screen terminal, restoring it on panic, suspending (Ctrl-Z),
//! handing it to `$EDITOR`, and OSC 52 clipboard writes.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::crossterm::{cursor, execute};

/// The terminal type the TUI draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

static ENHANCED_KEYS: AtomicBool = AtomicBool::new(false);
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread that entered the TUI: only its panic takes the TUI down.
static OWNER: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Raw mode, alternate screen, bracketed paste and (where the terminal has it) unambiguous
/// key codes so that Ctrl-Enter is told apart from Enter.
pub fn enter() -> io::Result<Term> {
    install_panic_hook();
    if let Ok(mut owner) = OWNER.lock() {
        *owner = Some(std::thread::current().id());
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    if supports_keyboard_enhancement().unwrap_or(false) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )?;
        ENHANCED_KEYS.store(true, Ordering::SeqCst);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    terminal.clear()?;
    Ok(terminal)
}

/// Gives the terminal back as it was; safe to call more than once.
pub fn leave() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let mut out = io::stdout();
    if ENHANCED_KEYS.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let screen = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let raw = disable_raw_mode();
    screen.and(raw)
}

/// Restores the terminal before the previous panic hook prints, so the message is readable:
/// only for a panic of the TUI's own thread. Other threads' panics are caught and survived
/// (the sandbox's evaluators, tokio tasks), and the TUI must stay on screen for them.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if is_owner(std::thread::current().id()) {
                let _ = leave();
            }
            previous(info);
        }));
    });
}

/// Whether `thread` is the one that entered the TUI.
fn is_owner(thread: ThreadId) -> bool {
    // A poisoned lock means a panic while holding it: restore rather than leave raw mode on.
    OWNER.lock().map_or(true, |owner| *owner == Some(thread))
}

/// Restores the terminal when dropped (early returns and errors included).
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        let _ = leave();
    }
}

/// Ctrl-Z: leave the screen, stop the process as the shell expects, come back on `fg`.
pub fn suspend() -> io::Result<Term> {
    leave()?;
    #[cfg(unix)]
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Execution continues here after SIGCONT.
    enter()
}

/// Writes `text` to the clipboard through the terminal (crossterm's OSC 52; works over ssh).
pub fn copy_osc52(text: &str) -> io::Result<()> {
    copy_osc52_to(&mut io::stdout(), text)
}

/// The OSC 52 sequence that puts `text` on the clipboard, written to `out`.
pub fn copy_osc52_to(out: &mut impl io::Write, text: &str) -> io::Result<()> {
    crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_keys_write_the_text_as_osc_52() {
        use base64::Engine;
        let mut out = Vec::new();
        copy_osc52_to(&mut out, "r.expr('é')").unwrap();
        let out = String::from_utf8(out).unwrap();
        let encoded = out
            .strip_prefix("\x1b]52;c;")
            .and_then(|rest| rest.strip_suffix("\x1b\\").or(rest.strip_suffix('\x07')))
            .unwrap_or_else(|| panic!("not an OSC 52 sequence: {out:?}"));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, "r.expr('é')".as_bytes());
    }

    #[test]
    fn only_the_tuis_own_thread_restores_the_terminal_on_panic() {
        *OWNER.lock().unwrap() = Some(std::thread::current().id());
        assert!(is_owner(std::thread::current().id()));
        let other = std::thread::spawn(|| is_owner(std::thread::current().id()))
            .join()
            .unwrap();
        assert!(
            !other,
            "a panic elsewhere (an evaluator thread) must leave the TUI on screen"
        );
    }
}
