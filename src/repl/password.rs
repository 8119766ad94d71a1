//! A password read from the terminal without echo, for a profile that has no secret when the
//! server asks for one (the REPL's first connect, and before the TUI starts).

use std::io::{self, Read, Write};

/// Reads one line from the controlling terminal with echo off; `None` when the user gave up
/// (Ctrl-C, Ctrl-D on an empty line, Esc). Bytes are read one at a time from `/dev/tty`, so
/// nothing typed after the Enter is taken from the line editor that reads next.
pub fn read_password(prompt: &str) -> io::Result<Option<String>> {
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    tty.write_all(prompt.as_bytes())?;
    tty.flush()?;
    ratatui::crossterm::terminal::enable_raw_mode()?;
    let read = read_line(&mut tty);
    let restored = ratatui::crossterm::terminal::disable_raw_mode();
    tty.write_all(b"\r\n")?;
    restored?;
    read
}

/// The bytes up to Enter, with Backspace applied.
fn read_line(tty: &mut impl Read) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if tty.read(&mut byte)? == 0 {
            return Ok(None);
        }
        match byte[0] {
            b'\r' | b'\n' => break,
            // Ctrl-C, Esc, and Ctrl-D on an empty line give up.
            0x03 | 0x1b => return Ok(None),
            0x04 if line.is_empty() => return Ok(None),
            0x7f | 0x08 => {
                // One character back, whatever its UTF-8 length.
                while let Some(b) = line.pop() {
                    if b & 0xc0 != 0x80 {
                        break;
                    }
                }
            }
            b => line.push(b),
        }
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backspace_enter_and_giving_up() {
        let read = |bytes: &[u8]| read_line(&mut &bytes[..]).unwrap();
        assert_eq!(read(b"secret\r"), Some("secret".to_owned()));
        assert_eq!(read(b"sea\x7fcr\x08ret\n"), Some("secret".to_owned()));
        assert_eq!(read("pä\x7f\r".as_bytes()), Some("p".to_owned()));
        assert_eq!(read(b"abc\x03"), None);
        assert_eq!(read(b"\x04"), None);
        assert_eq!(read(b"abc"), None);
    }
}
