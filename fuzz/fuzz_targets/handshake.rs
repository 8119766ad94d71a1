#![no_main]
//! Both handshake sides (V1_0 and V0_4) on arbitrary server/client bytes: errors, never panics.

use rdbsh::protocol::{ClientHandshake, Credential, ServerHandshake, Version};

fn users(user: &str) -> Option<Credential> {
    // One iteration keeps the fuzzer fast; the parsing paths are the same.
    (user == "admin").then(|| Credential::from_password("pw", b"salt", 1))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (mode, bytes) = match data.split_first() {
        Some((m, rest)) => (*m, rest),
        None => return,
    };
    let chunk = usize::from(mode >> 2).max(1);
    match mode & 3 {
        0 | 1 => {
            let mut client = if mode & 1 == 0 {
                ClientHandshake::v1_0("admin", "pw", "nonce")
            } else {
                ClientHandshake::v0_4("pw")
            };
            for part in bytes.chunks(chunk) {
                if client.receive(part).is_err() {
                    break;
                }
            }
        }
        _ => {
            let mut server = ServerHandshake::new("fuzz", "servernonce");
            let magic = if mode & 1 == 0 { Version::V1_0 } else { Version::V0_4 };
            let _ = server.receive(&magic.magic().to_le_bytes(), &users);
            for part in bytes.chunks(chunk) {
                if let Err(e) = server.receive(part, &users) {
                    let _ = server.failure_message(&e);
                    break;
                }
            }
        }
    }
});
