#![no_main]
// filled in by the handshake work
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
