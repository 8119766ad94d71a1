#![no_main]
//! Compiling arbitrary text never panics, and the statement splitter and the completeness
//! check agree to return without panicking too.

use rdbsh::reql::{Env, compile, is_complete, split_statements};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let mut env = Env::new();
    if let Ok(stmts) = compile(src, &mut env) {
        for s in stmts {
            if let rdbsh::reql::Statement::Query(q) = s {
                let _ = q.span_of(&[]);
                let _ = q.start_message(&Default::default());
                let _ = rdbsh::reql::writes(&q.term());
            }
        }
    } else if let Err(diags) = compile(src, &mut Env::new()) {
        for d in diags {
            let _ = rdbsh::shell::carets::render(&d, src, Some(("fuzz", 0)), true);
        }
    }
    for span in split_statements(src) {
        let _ = span.text(src);
    }
    let _ = is_complete(src);
});
