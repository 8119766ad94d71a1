#![no_main]
// filled in by the compile work
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
