#![no_main]
//! Frame decoder and body parsers on arbitrary bytes: must return errors, never panic.

use rdbsh::protocol::{FrameDecoder, Response, ServerQuery};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The first byte picks where the stream is cut, so partial frames are exercised too.
    let (cut, bytes) = match data.split_first() {
        Some((c, rest)) => (usize::from(*c), rest),
        None => (0, data),
    };
    let cut = cut.min(bytes.len());
    let mut decoder = FrameDecoder::with_limit(1 << 20);
    for chunk in [&bytes[..cut], &bytes[cut..]] {
        decoder.extend(chunk);
        loop {
            match decoder.next_frame() {
                Ok(Some((_, body))) => {
                    if let Ok(response) = Response::parse(&body) {
                        let _ = response.server_error();
                        let _ = Response::parse(&response.body());
                    }
                    let _ = ServerQuery::parse(&body);
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
    let _ = decoder.finish();
});
