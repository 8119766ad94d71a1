//! Rows nested 1,000 to 100,000 levels deep (a real server stores and returns them) render in
//! every format and view, on a thread with a tokio worker's 2 MiB stack.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::nesting::{self, Doc, deep_array_text, deep_object_text};
use rdbsh::render::{
    Format, Kind, RenderOptions, Renderer, TreeNode, pretty_line_count, pretty_window,
};
use serde_json::json;

const DEPTHS: [usize; 3] = [1_000, 10_000, 100_000];

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap();
    assert!(handle.join().is_ok(), "the thread overflowed or panicked");
}

fn render(format: Format, kind: Kind, rows: &[&str]) -> String {
    let mut out = Vec::new();
    let mut r = Renderer::new(RenderOptions::new(format));
    r.begin(&mut out, kind).unwrap();
    r.raw_rows(&mut out, rows.iter().copied(), true).unwrap();
    r.end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A document holding a deep value under `d`, as a table would store it.
fn doc(depth: usize) -> String {
    format!(r#"{{"id":1,"d":{}}}"#, deep_object_text(depth))
}

#[test]
fn every_format_renders_deep_rows_between_shallow_ones() {
    on_small_stack(|| {
        for depth in DEPTHS {
            let deep = doc(depth);
            let rows = [r#"{"id":0}"#, deep.as_str(), r#"{"id":2}"#];
            for format in Format::ALL {
                let text = render(format, Kind::Sequence, &rows);
                assert!(text.contains('0') && text.contains('2'), "{format}");
                match format {
                    Format::Ndjson | Format::Raw => {
                        assert_eq!(text.lines().nth(1), Some(deep.as_str()), "{format}")
                    }
                    Format::Json => {
                        let all: serde_json::Value = nesting::parse(&text).unwrap();
                        assert_eq!(nesting::depth(&all), depth + 2);
                        nesting::dispose(all);
                    }
                    // Indentation stops growing, so the output stays linear in the depth.
                    Format::Pretty => {
                        assert_eq!(text.matches("\"a\": ").count(), depth);
                        assert!(text.len() < 300 * depth, "{} bytes", text.len());
                    }
                    // The nested value is one compact cell, cut to the terminal.
                    Format::Table => assert!(text.contains("{\"a\":{\"a\":"), "{text:.300}"),
                }
            }
            // An atom that is itself deep, in every format.
            let atom = deep_array_text(depth);
            for format in Format::ALL {
                assert!(!render(format, Kind::Atom, &[&atom]).is_empty());
            }
        }
    });
}

#[test]
fn a_bad_row_keeps_the_rows_before_it() {
    let mut out = Vec::new();
    let mut r = Renderer::new(RenderOptions::new(Format::Pretty));
    r.begin(&mut out, Kind::Sequence).unwrap();
    let rows = [r#"{"id":0}"#, r#"{"id":1}"#, "{tru}", r#"{"id":3}"#];
    assert!(r.raw_rows(&mut out, rows, true).is_err());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("\"id\": 0") && text.contains("\"id\": 1"),
        "{text}"
    );
    assert!(!text.contains("\"id\": 3"), "{text}");
}

#[test]
fn tree_and_pretty_windows_of_deep_rows() {
    on_small_stack(|| {
        for depth in DEPTHS {
            let value = Doc::parse(&doc(depth)).unwrap();
            // Two lines per level, plus the outer braces, `id` and the innermost value.
            let lines = pretty_line_count(&value);
            assert_eq!(lines, 2 * depth + 4);
            let window = pretty_window(&value, lines / 2, 3);
            assert_eq!(window.len(), 3);
            // The tree expands to a fixed depth; below it one leaf shows the data compactly.
            let tree = TreeNode::from_value(&value);
            let mut node = &tree;
            let mut levels = 0;
            while let Some(last) = node.children.last() {
                node = last;
                levels += 1;
            }
            assert_eq!(levels, rdbsh::render::tree::MAX_TREE_DEPTH);
            assert!(
                node.summary.starts_with("{\"a\":{\"a\":"),
                "{}",
                node.summary
            );
            let visible = tree.visible(&|_| true);
            assert_eq!(visible.len(), levels + 2);
        }
    });
}

#[test]
fn grouped_data_with_deep_reductions() {
    on_small_stack(|| {
        let deep = deep_array_text(10_000);
        let grouped = format!(r#"{{"$reql_type$":"GROUPED_DATA","data":[["g",{deep}]]}}"#);
        for format in Format::ALL {
            let text = render(format, Kind::Atom, &[&grouped]);
            assert!(text.contains("\"g\"") || text.contains('g'), "{format}");
        }
        let v = Doc(json!({"group": 1}));
        assert_eq!(v.to_string(), r#"{"group":1}"#);
    });
}
