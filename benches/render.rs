//! Rendering speed: ndjson passthrough, coloured pretty output, one screen of a huge result.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::io;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rdbsh::render::{
    Format, Kind, LineIndex, RenderOptions, Renderer, Theme, pretty_line_count,
    pretty_line_count_raw, pretty_window,
};
use serde_json::Value;
use serde_json::value::RawValue;

/// A row shaped like a typical document: ids, strings, numbers, a nested object, an array, a time.
fn row(i: usize) -> Box<RawValue> {
    let text = format!(
        r#"{{"id":"{i:08x}-7c1e-4b8a-9f2d-3e5a6b7c8d9e","name":"user {i}","age":{},"score":{},"active":{},"tags":["a","b{}"],"address":{{"city":"Zürich","zip":"{:04}"}},"created":{{"$reql_type$":"TIME","epoch_time":{},"timezone":"+01:00"}}}}"#,
        i % 90,
        i as f64 * 0.37,
        i.is_multiple_of(2),
        i % 7,
        i % 10000,
        1_700_000_000 + i
    );
    RawValue::from_string(text).unwrap()
}

fn rows(n: usize) -> Vec<Box<RawValue>> {
    (0..n).map(row).collect()
}

/// Renders `rows` in server-sized batches into a sink, as batch mode does into stdout.
fn render_all(options: RenderOptions, rows: &[Box<RawValue>]) {
    let mut r = Renderer::new(options);
    let mut out = io::sink();
    r.begin(&mut out, Kind::Sequence).unwrap();
    for batch in rows.chunks(1000) {
        r.rows(&mut out, batch).unwrap();
    }
    r.end(&mut out).unwrap();
    black_box(r.rows_rendered());
}

fn ndjson_passthrough(c: &mut Criterion) {
    let data = rows(100_000);
    let bytes: usize = data.iter().map(|r| r.get().len() + 1).sum();
    let mut g = c.benchmark_group("ndjson");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("passthrough 100k rows", |b| {
        b.iter(|| render_all(RenderOptions::new(Format::Ndjson), &data))
    });
    g.finish();
}

fn pretty_coloured(c: &mut Criterion) {
    let data = rows(10_000);
    let options = RenderOptions {
        styles: Theme::dark().styles(),
        ..RenderOptions::new(Format::Pretty)
    };
    let mut g = c.benchmark_group("pretty");
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("coloured 10k rows", |b| {
        b.iter(|| render_all(options, &data))
    });
    g.finish();
}

fn line_counting(c: &mut Criterion) {
    // Plain rows (no pseudo-types) so the raw counter does not fall back.
    let data: Vec<Box<RawValue>> = (0..10_000)
        .map(|i| {
            RawValue::from_string(format!(
                r#"{{"id":{i},"name":"user {i}","tags":["a","b"],"address":{{"city":"Zürich","zip":"8001"}}}}"#
            ))
            .unwrap()
        })
        .collect();
    let mut g = c.benchmark_group("line count");
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("raw 10k rows", |b| {
        b.iter(|| {
            data.iter()
                .map(|r| pretty_line_count_raw(r.get()).unwrap_or(0))
                .sum::<usize>()
        })
    });
    g.bench_function("parsed 10k rows", |b| {
        b.iter(|| {
            data.iter()
                .map(|r| pretty_line_count(&serde_json::from_str::<Value>(r.get()).unwrap()))
                .sum::<usize>()
        })
    });
    g.finish();
}

fn one_screen_of_a_million(c: &mut Criterion) {
    // The TUI keeps raw rows and a line index built as batches arrive; a frame styles only
    // the rows under the window.
    let data = rows(1_000_000);
    let mut index = LineIndex::new();
    for r in &data {
        let lines = pretty_line_count_raw(r.get()).unwrap_or_else(|| {
            let v: Value = serde_json::from_str(r.get()).unwrap();
            pretty_line_count(&v)
        });
        index.push(lines);
    }
    let styles = Theme::dark().styles();
    let middle = index.total_lines() / 2 + 3;
    c.bench_function("window/50 styled lines of 1M rows", |b| {
        b.iter(|| {
            let mut line = black_box(middle);
            let mut styled = Vec::with_capacity(50);
            while styled.len() < 50 {
                let Some((row, offset)) = index.locate(line) else {
                    break;
                };
                let v: Value = serde_json::from_str(data[row].get()).unwrap();
                let want = 50 - styled.len();
                for l in pretty_window(&v, offset, want) {
                    line += 1;
                    styled.push(
                        l.spans
                            .into_iter()
                            .map(|s| (styles.get(s.scope), s.text))
                            .collect::<Vec<_>>(),
                    );
                }
            }
            black_box(styled)
        })
    });
}

criterion_group!(
    benches,
    ndjson_passthrough,
    pretty_coloured,
    line_counting,
    one_screen_of_a_million
);
criterion_main!(benches);
