#![no_main]
//! `RawResponse::parse`, the client's hot-path row scanner, on arbitrary bodies: errors, never
//! panics; the rows it finds are exact slices that a full JSON parser agrees with.

use rdbsh::nesting;
use rdbsh::protocol::response::RawResponse;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // Odd modes nest the input as one row 100 to 1,120 levels deep, past the scanner's
    // 128-level register, so the spilled bracket stack is exercised too.
    let body = if mode & 1 == 1 {
        let depth = 100 + usize::from(mode) * 4;
        let mut b = br#"{"t":2,"r":["#.to_vec();
        b.extend(std::iter::repeat_n(b'[', depth));
        b.extend_from_slice(rest);
        b.extend(std::iter::repeat_n(b']', depth));
        b.extend_from_slice(b"]}");
        b
    } else {
        rest.to_vec()
    };
    let whole = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| nesting::Doc::parse(text).ok());
    let Ok(mut raw) = RawResponse::parse(body) else {
        // A valid response object must never be refused: its rows are plain JSON.
        if let Some(v) = &whole
            && v.get("t").and_then(|t| t.as_i64()).is_some_and(|t| (1..=5).contains(&t))
            && v.get("r").is_some_and(|r| r.is_array())
            && v.as_object().is_some_and(|m| m.keys().all(|k| k == "t" || k == "r"))
        {
            panic!("a valid response was refused");
        }
        return;
    };
    for row in raw.rows() {
        // A row is one value with nothing around it.
        assert_eq!(row.trim(), row);
        // What parses writes back as compact JSON, at any depth.
        if let Ok(v) = nesting::Doc::parse(row) {
            assert!(!nesting::to_string(&v).is_empty());
        }
    }
    drop(whole);
    let count = raw.len();
    let _ = raw.clone().into_response();
    if let Some((bytes, range)) = raw.take_lines() {
        let lines = bytes.get(range).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        assert_eq!(lines, count);
    }
});
