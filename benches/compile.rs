//! Compile speed: 1 MB of realistic ReQL source (target ≤ 20 ms), and deep nesting stays linear.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group};
use rdbsh::reql::{Env, compile};
use std::hint::black_box;

const STATEMENTS: &[&str] = &[
    "r.table('users').filter({active: true}).orderBy(r.desc('createdAt')).limit(10)",
    "r.db('shop').table('orders').getAll('pending', 'paid', {index: 'status'}).pluck('id', 'total', {customer: ['name', 'email']})",
    "r.table('events').filter(function (e) { return e('kind').eq('click').and(e('ts').during(r.time(2024, 1, 1, 'Z'), r.now())) }).count()",
    "r.table('t').insert([{id: 1, tags: ['a', 'b'], n: 60 * 60 * 24}, {id: 2, tags: [], n: -1.5e3}], {returnChanges: true, conflict: 'replace'})",
    "r.table('scores').group('player').map(r.row('points')).reduce(function (a, b) { return a.add(b) }).ungroup().orderBy(r.desc('reduction'))",
    "r.table('t').update({visits: r.row('visits').default(0).add(1), seen: r.now()}, {durability: 'soft'})",
    "r.expr([1, 2, 3]).map(x => x.mul(2)).do(xs => r.branch(xs.count().gt(2), xs, r.error('too few')))",
    "var t = r.table('logs'); t.between(r.minval, 100, {index: 'level', rightBound: 'closed'}).delete()",
];

fn source(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(STATEMENTS[i % STATEMENTS.len()]);
        s.push_str(";\n");
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let src = source(1 << 20);
    c.bench_function("compile 1 MB", |b| {
        b.iter(|| {
            let mut env = Env::new();
            black_box(compile(black_box(&src), &mut env)).is_ok()
        })
    });
    let deep = format!("r.expr({}1{})", "[".repeat(100_000), "]".repeat(100_000));
    c.bench_function("reject 100k nested brackets", |b| {
        b.iter(|| black_box(compile(black_box(&deep), &mut Env::new())).is_err())
    });
}

criterion_group!(benches, bench);

/// `RDBSH_COMPILE_ONCE=N` compiles the 1 MB source N times and exits, without criterion's
/// timing loop: for instruction counts under `valgrind --tool=callgrind`, stable under load.
fn main() {
    if let Some(n) = std::env::var("RDBSH_COMPILE_ONCE")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        let src = source(1 << 20);
        for _ in 0..n {
            let mut env = Env::new();
            black_box(compile(black_box(&src), &mut env).is_ok());
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
