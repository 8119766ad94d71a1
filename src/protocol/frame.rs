//! Query and response frames: `u64` token, `u32` length (both little-endian), then JSON.

use std::fmt;

/// The largest frame body the server accepts: 128 MiB − 1.
pub const MAX_FRAME_LEN: usize = 128 * 1024 * 1024 - 1;

/// Bytes of a frame header (token + length).
pub const HEADER_LEN: usize = 12;

/// Identifies a query on a connection; CONTINUE and STOP reuse the START token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub u64);

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What can be wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length field exceeds the limit: usually not a RethinkDB peer, or a corrupted stream.
    #[error(
        "frame of {len} bytes exceeds the {max} byte limit: the peer is not speaking the RethinkDB protocol"
    )]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error("connection closed in the middle of a frame ({have} of {need} bytes)")]
    Truncated {
        /// Bytes received.
        have: usize,
        /// Bytes the frame needed.
        need: usize,
    },
}

/// Appends one frame (header and body) to `buf`.
pub fn encode_frame(token: Token, body: &[u8], buf: &mut Vec<u8>) -> Result<(), FrameError> {
    if body.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge {
            len: body.len(),
            max: MAX_FRAME_LEN,
        });
    }
    buf.reserve(HEADER_LEN + body.len());
    buf.extend_from_slice(&token.0.to_le_bytes());
    // Cannot truncate: checked against MAX_FRAME_LEN above.
    buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
    buf.extend_from_slice(body);
    Ok(())
}

/// An incremental frame decoder: feed it bytes as they arrive, take whole frames out.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`; compacted lazily so draining stays linear.
    pos: usize,
    max: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder with the protocol's 128 MiB − 1 limit.
    pub fn new() -> Self {
        FrameDecoder::with_limit(MAX_FRAME_LEN)
    }

    /// A decoder with a smaller limit (never above the protocol's).
    pub fn with_limit(max: usize) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            pos: 0,
            max: max.min(MAX_FRAME_LEN),
        }
    }

    /// Appends received bytes.
    pub fn extend(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The buffer, with room for at least `n` more bytes, for reading straight into it; only
    /// append to it (as `AsyncReadExt::read_buf` does).
    pub fn read_space(&mut self, n: usize) -> &mut Vec<u8> {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.reserve(n);
        &mut self.buf
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The next whole frame, `Ok(None)` when more bytes are needed.
    ///
    /// An oversized length is reported as soon as the header arrives, without waiting for the body.
    pub fn next_frame(&mut self) -> Result<Option<(Token, Vec<u8>)>, FrameError> {
        let Some((token, len)) = self.header()? else {
            return Ok(None);
        };
        let start = self.pos + HEADER_LEN;
        let frame = self
            .buf
            .get(start..start + len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        self.pos = start + len;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        Ok(Some((token, frame)))
    }

    /// [`FrameDecoder::next_frame`] for JSON bodies: when the frame is all the buffer holds
    /// (the usual case for a big batch), the buffer itself is handed over, its header bytes
    /// turned into spaces (whitespace before JSON is harmless), instead of copying the body.
    pub fn next_json_frame(&mut self) -> Result<Option<(Token, Vec<u8>)>, FrameError> {
        let Some((token, len)) = self.header()? else {
            return Ok(None);
        };
        if self.pos != 0 || HEADER_LEN + len != self.buf.len() {
            return self.next_frame();
        }
        let mut frame = std::mem::take(&mut self.buf);
        if let Some(header) = frame.get_mut(..HEADER_LEN) {
            header.fill(b' ');
        }
        Ok(Some((token, frame)))
    }

    /// Token and body length of the next frame, if all of it has arrived.
    fn header(&self) -> Result<Option<(Token, usize)>, FrameError> {
        // `get`: a caller of `read_space` may have shortened the buffer.
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some((header, body)) = rest.split_first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let (token, len) = header.split_at(8);
        let mut t = [0u8; 8];
        t.copy_from_slice(token);
        let mut l = [0u8; 4];
        l.copy_from_slice(len);
        let len = u32::from_le_bytes(l) as usize;
        if len > self.max {
            return Err(FrameError::TooLarge { len, max: self.max });
        }
        if body.len() < len {
            return Ok(None);
        }
        Ok(Some((Token(u64::from_le_bytes(t)), len)))
    }

    /// Call at end of stream: an error if a partial frame is left over.
    pub fn finish(&self) -> Result<(), FrameError> {
        let have = self.buffered();
        if have == 0 {
            return Ok(());
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let need = match rest.get(8..12) {
            Some(l) => {
                let mut b = [0u8; 4];
                b.copy_from_slice(l);
                HEADER_LEN + u32::from_le_bytes(b) as usize
            }
            None => HEADER_LEN,
        };
        Err(FrameError::Truncated { have, need })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_token_length_and_body_little_endian() {
        let mut buf = Vec::new();
        encode_frame(Token(0x0102), b"[2]", &mut buf).unwrap();
        assert_eq!(buf, [2, 1, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'[', b'2', b']']);
    }

    #[test]
    fn decodes_frames_split_anywhere() {
        let mut wire = Vec::new();
        encode_frame(Token(1), b"{\"t\":1,\"r\":[1]}", &mut wire).unwrap();
        encode_frame(Token(u64::MAX), b"", &mut wire).unwrap();
        encode_frame(Token(7), b"[3]", &mut wire).unwrap();
        for split in 0..wire.len() {
            let mut d = FrameDecoder::new();
            let mut got = Vec::new();
            for chunk in [&wire[..split], &wire[split..]] {
                d.extend(chunk);
                while let Some(f) = d.next_frame().unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(
                got,
                vec![
                    (Token(1), b"{\"t\":1,\"r\":[1]}".to_vec()),
                    (Token(u64::MAX), vec![]),
                    (Token(7), b"[3]".to_vec())
                ]
            );
            d.finish().unwrap();
        }
    }

    #[test]
    fn json_frames_hand_over_the_buffer_or_copy() {
        let mut d = FrameDecoder::new();
        let mut wire = Vec::new();
        encode_frame(Token(9), b"{\"t\":1}", &mut wire).unwrap();
        encode_frame(Token(10), b"[1]", &mut wire).unwrap();
        d.extend(&wire);
        // Not alone in the buffer, or not at its start: copied as is.
        assert_eq!(
            d.next_json_frame().unwrap(),
            Some((Token(9), b"{\"t\":1}".to_vec()))
        );
        assert_eq!(
            d.next_json_frame().unwrap(),
            Some((Token(10), b"[1]".to_vec()))
        );
        // Alone in the buffer: handed over with the header blanked.
        d.extend(&wire[..HEADER_LEN + 7]);
        assert_eq!(
            d.next_json_frame().unwrap(),
            Some((Token(9), b"            {\"t\":1}".to_vec()))
        );
        assert_eq!(d.next_json_frame().unwrap(), None);
        d.finish().unwrap();
    }

    #[test]
    fn oversize_is_an_error_before_the_body_arrives() {
        let mut d = FrameDecoder::new();
        let mut header = 5u64.to_le_bytes().to_vec();
        header.extend_from_slice(&(MAX_FRAME_LEN as u32 + 1).to_le_bytes());
        d.extend(&header);
        assert_eq!(
            d.next_frame(),
            Err(FrameError::TooLarge {
                len: MAX_FRAME_LEN + 1,
                max: MAX_FRAME_LEN
            })
        );
    }

    #[test]
    fn exactly_the_limit_is_accepted_by_the_header_check() {
        let mut d = FrameDecoder::new();
        let mut header = 5u64.to_le_bytes().to_vec();
        header.extend_from_slice(&(MAX_FRAME_LEN as u32).to_le_bytes());
        d.extend(&header);
        assert_eq!(d.next_frame(), Ok(None));
    }

    #[test]
    fn truncated_stream_is_reported_at_finish() {
        let mut d = FrameDecoder::new();
        let mut wire = Vec::new();
        encode_frame(Token(1), b"[1,2,3]", &mut wire).unwrap();
        d.extend(&wire[..14]);
        assert_eq!(d.next_frame(), Ok(None));
        assert_eq!(
            d.finish(),
            Err(FrameError::Truncated { have: 14, need: 19 })
        );
    }

    proptest! {
        #[test]
        fn decoder_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
            let mut d = FrameDecoder::with_limit(1 << 16);
            for c in &chunks {
                d.extend(c);
                while let Ok(Some(_)) = d.next_frame() {}
            }
            let _ = d.finish();
        }

        #[test]
        fn round_trips_any_frames(frames in proptest::collection::vec((any::<u64>(), proptest::collection::vec(any::<u8>(), 0..100)), 0..8), cut in any::<prop::sample::Index>()) {
            let mut wire = Vec::new();
            for (t, b) in &frames {
                encode_frame(Token(*t), b, &mut wire).unwrap();
            }
            let split = if wire.is_empty() { 0 } else { cut.index(wire.len()) };
            let mut d = FrameDecoder::new();
            let mut got = Vec::new();
            for chunk in [&wire[..split], &wire[split..]] {
                d.extend(chunk);
                while let Some((t, b)) = d.next_frame().unwrap() {
                    got.push((t.0, b));
                }
            }
            prop_assert_eq!(got, frames);
        }
    }
}
