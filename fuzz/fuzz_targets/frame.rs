#![no_main]
// filled in by the frame work
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
