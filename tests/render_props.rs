//! Properties over generated values: numbers round-trip, layouts agree, tables fit.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use rdbsh::render::json::minify_into;
use rdbsh::render::table::{display_width, truncate};
use rdbsh::render::{
    Format, Kind, RenderOptions, Renderer, Styles, js_number, pretty_line_count,
    pretty_line_count_raw, pretty_lines, pretty_window, write_pretty,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e30f64..1e30).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[a-z\\n\"\\\\ é日]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn render(options: RenderOptions, rows: &[Value]) -> String {
    let raws: Vec<Box<RawValue>> = rows
        .iter()
        .map(|v| RawValue::from_string(v.to_string()).unwrap())
        .collect();
    let mut r = Renderer::new(options);
    let mut out = Vec::new();
    r.begin(&mut out, Kind::Sequence).unwrap();
    r.rows(&mut out, &raws).unwrap();
    r.end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #[test]
    fn js_numbers_round_trip(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let s = js_number(f);
        prop_assert_eq!(s.parse::<f64>().unwrap(), f);
        prop_assert!(!s.ends_with(".0"), "{}", s);
    }

    #[test]
    fn minify_undoes_pretty_printing(v in json_value()) {
        let mut out = String::new();
        minify_into(&serde_json::to_string_pretty(&v).unwrap(), &mut out);
        prop_assert_eq!(out, v.to_string());
    }

    #[test]
    fn pretty_text_lines_and_windows_agree(v in json_value(), start in 0usize..20, len in 0usize..20) {
        let mut text = String::new();
        write_pretty(&v, &Styles::plain(), &mut text);
        let lines = pretty_lines(&v);
        let joined: Vec<String> = lines.iter().map(|l| l.text()).collect();
        prop_assert_eq!(joined.join("\n"), text.clone());
        prop_assert_eq!(pretty_line_count(&v), lines.len());
        prop_assert_eq!(pretty_line_count_raw(&v.to_string()), Some(lines.len()));
        prop_assert_eq!(pretty_line_count_raw(&serde_json::to_string_pretty(&v).unwrap()), Some(lines.len()));
        let end = (start + len).min(lines.len());
        let window = pretty_window(&v, start, len);
        prop_assert_eq!(window.as_slice(), &lines[start.min(end)..end]);
        // Pretty text of plain JSON is JSON with the same shape.
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(pretty_line_count(&back), lines.len());
    }

    #[test]
    fn ndjson_and_json_carry_rows_unchanged(rows in prop::collection::vec(json_value(), 0..8)) {
        // Compared as text: the rows must come out byte for byte as they went in.
        let texts: Vec<String> = rows.iter().map(Value::to_string).collect();
        let nd = render(RenderOptions::new(Format::Ndjson), &rows);
        let lines: Vec<&str> = nd.lines().collect();
        prop_assert_eq!(&lines, &texts);
        let doc = render(RenderOptions::new(Format::Json), &rows);
        let expected = if rows.is_empty() { "[]\n".to_owned() } else { format!("[\n{}\n]\n", texts.join(",\n")) };
        prop_assert_eq!(doc, expected);
    }

    #[test]
    fn tables_fit_the_width(rows in prop::collection::vec(json_value(), 1..8), width in 12usize..120) {
        let out = render(RenderOptions { max_width: Some(width), ..RenderOptions::new(Format::Table) }, &rows);
        for line in out.lines() {
            prop_assert!(display_width(line) <= width, "{} > {}: {:?}", display_width(line), width, line);
        }
    }

    #[test]
    fn truncation_respects_width(s in "\\PC{0,30}", width in 0usize..20) {
        let (text, cut, used) = truncate(&s, width);
        prop_assert!(used <= width.max(display_width(&s).min(width)));
        // At width 0 not even the ellipsis fits.
        prop_assert_eq!(display_width(text) + usize::from(cut && width > 0), used);
        prop_assert!(s.starts_with(text));
    }
}
