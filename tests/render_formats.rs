//! Every output format on one fixed set of rows, through the streaming renderer.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use rdbsh::render::{Format, Kind, RenderOptions, Renderer, Styles};
use serde_json::Value;
use serde_json::value::RawValue;

/// Rows as the server sends them: compact JSON, keys in server order.
const ROWS: &[&str] = &[
    r#"{"id":1,"name":"Ann","age":31.0,"tags":["a","b"],"address":{"city":"Zürich","zip":"8001"}}"#,
    r#"{"id":2,"name":"Bob \"the\" builder\n","score":1e21,"ratio":0.1,"neg":-0.0,"big":12345678901234567890,"tiny":1.5e-7}"#,
    r#"{"id":3,"at":{"$reql_type$":"TIME","epoch_time":1795770000,"timezone":"+01:00"},"blob":{"$reql_type$":"BINARY","data":"AQL/"},"loc":{"$reql_type$":"GEOMETRY","type":"Point","coordinates":[-122.4,37.7]}}"#,
    r#""plain string ✓ 日本""#,
    r#"42"#,
    r#"[1,[2,{"x":null}]]"#,
];

const GROUPED: &str = r#"{"$reql_type$":"GROUPED_DATA","data":[["red",3],[["x",1],{"n":2}]]}"#;

fn raw(rows: &[&str]) -> Vec<Box<RawValue>> {
    rows.iter()
        .map(|r| RawValue::from_string((*r).to_owned()).unwrap())
        .collect()
}

fn render(options: RenderOptions, kind: Kind, batches: &[&[&str]]) -> String {
    let mut r = Renderer::new(options);
    let mut out = Vec::new();
    r.begin(&mut out, kind).unwrap();
    for batch in batches {
        r.rows(&mut out, &raw(batch)).unwrap();
    }
    r.end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn plain(format: Format) -> RenderOptions {
    RenderOptions::new(format)
}

#[test]
fn ndjson_passes_rows_through_byte_for_byte() {
    let out = render(
        plain(Format::Ndjson),
        Kind::Sequence,
        &[&ROWS[..2], &ROWS[2..]],
    );
    let expected: String = ROWS.iter().map(|r| format!("{r}\n")).collect();
    assert_eq!(out, expected);
}

#[test]
fn ndjson_minifies_rows_with_line_breaks_losslessly() {
    let out = render(
        plain(Format::Ndjson),
        Kind::Sequence,
        &[&["{\n  \"a\": \"x y\\n\",\n  \"b\": [1, 2]\n}"]],
    );
    assert_eq!(out, "{\"a\":\"x y\\n\",\"b\":[1,2]}\n");
}

#[test]
fn ndjson_atoms_one_line_and_atom_arrays_expand() {
    assert_eq!(
        render(plain(Format::Ndjson), Kind::Atom, &[&[ROWS[2]]]),
        format!("{}\n", ROWS[2])
    );
    assert_eq!(
        render(plain(Format::Ndjson), Kind::Atom, &[&[GROUPED]]),
        format!("{GROUPED}\n")
    );
    assert_eq!(
        render(
            plain(Format::Ndjson),
            Kind::Atom,
            &[&[r#"[1,"two",{"three":3}]"#]]
        ),
        "1\n\"two\"\n{\"three\":3}\n"
    );
}

#[test]
fn json_is_one_document_per_result() {
    let out = render(
        plain(Format::Json),
        Kind::Sequence,
        &[&ROWS[..3], &ROWS[3..]],
    );
    assert_eq!(out, format!("[\n{}\n]\n", ROWS.join(",\n")));
    let parsed: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed.len(), ROWS.len());
    assert_eq!(render(plain(Format::Json), Kind::Sequence, &[]), "[]\n");
    assert_eq!(
        render(plain(Format::Json), Kind::Atom, &[&[GROUPED]]),
        format!("{GROUPED}\n")
    );
}

#[test]
fn json_streams_each_batch_as_it_arrives() {
    let mut r = Renderer::new(plain(Format::Json));
    let mut out = Vec::new();
    r.begin(&mut out, Kind::Sequence).unwrap();
    assert_eq!(out, b"[");
    r.rows(&mut out, &raw(&ROWS[..1])).unwrap();
    assert_eq!(String::from_utf8_lossy(&out), format!("[\n{}", ROWS[0]));
    r.rows(&mut out, &raw(&ROWS[4..5])).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        format!("[\n{},\n42", ROWS[0])
    );
    r.end(&mut out).unwrap();
    assert!(out.ends_with(b"\n]\n"));
    assert_eq!(r.rows_rendered(), 2);
}

#[test]
fn raw_unquotes_strings_only() {
    let out = render(plain(Format::Raw), Kind::Sequence, &[ROWS]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], ROWS[0]);
    assert_eq!(lines[3], "plain string ✓ 日本");
    assert_eq!(lines[4], "42");
    assert_eq!(lines[5], ROWS[5]);
    assert_eq!(
        render(plain(Format::Raw), Kind::Atom, &[&[r#"["a\tb","c"]"#]]),
        "a\tb\nc\n"
    );
}

const PRETTY: &str = r#"{
  "id": 1,
  "name": "Ann",
  "age": 31,
  "tags": [
    "a",
    "b"
  ],
  "address": {
    "city": "Zürich",
    "zip": "8001"
  }
}
{
  "id": 2,
  "name": "Bob \"the\" builder\n",
  "score": 1e+21,
  "ratio": 0.1,
  "neg": 0,
  "big": 12345678901234567000,
  "tiny": 1.5e-7
}
{
  "id": 3,
  "at": 2026-11-27T10:00:00.000+01:00,
  "blob": <binary 3 bytes: 01 02 ff>,
  "loc": Point(-122.4, 37.7)
}
"plain string ✓ 日本"
42
[
  1,
  [
    2,
    {
      "x": null
    }
  ]
]
"#;

#[test]
fn pretty_indents_with_js_numbers_and_readable_pseudo_types() {
    assert_eq!(
        render(plain(Format::Pretty), Kind::Sequence, &[ROWS]),
        PRETTY
    );
}

#[test]
fn pretty_grouped_data_as_group_reduction_pairs() {
    let out = render(plain(Format::Pretty), Kind::Atom, &[&[GROUPED]]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"group": "red", "reduction": 3},
            {"group": ["x", 1], "reduction": {"n": 2}}
        ])
    );
}

const TABLE: &str = r#"id  name                 age  tags       address                         score  ratio  neg                   big    tiny  at                             blob                        loc                  value
──  ───────────────────  ───  ─────────  ──────────────────────────────  ─────  ─────  ───  ────────────────────  ──────  ─────────────────────────────  ──────────────────────────  ───────────────────  ───────────────────
 1  Ann                   31  ["a","b"]  {"city":"Zürich","zip":"8001"}
 2  Bob "the" builder\n                                                  1e+21    0.1    0  12345678901234567000  1.5e-7
 3                                                                                                                        2026-11-27T10:00:00.000+01:00  <binary 3 bytes: 01 02 ff>  Point(-122.4, 37.7)
                                                                                                                                                                                                          plain string ✓ 日本
                                                                                                                                                                                                                           42
                                                                                                                                                                                                          [1,[2,{"x":null}]]
"#;

#[test]
fn table_unions_keys_and_puts_other_rows_in_value() {
    let out = render(plain(Format::Table), Kind::Sequence, &[ROWS]);
    assert_eq!(out, TABLE, "\n{out}");
}

#[test]
fn table_shows_empty_objects_as_values_not_blank_lines() {
    let out = render(plain(Format::Table), Kind::Atom, &[&["{}"]]);
    assert_eq!(out, "value\n─────\n{}\n", "\n{out}");
    let out = render(
        plain(Format::Table),
        Kind::Sequence,
        &[&["{\"a\":1}", "{}"]],
    );
    assert!(out.lines().all(|l| !l.trim().is_empty()), "\n{out}");
    assert!(out.contains("{}"), "\n{out}");
}

#[test]
fn raw_shows_grouped_data_as_a_line_per_group_and_ndjson_keeps_it_lossless() {
    let grouped = r#"{"$reql_type$":"GROUPED_DATA","data":[["a",1],[["x",2],{"n":3}]]}"#;
    let out = render(plain(Format::Raw), Kind::Atom, &[&[grouped]]);
    assert_eq!(
        out,
        "{\"group\":\"a\",\"reduction\":1}\n{\"group\":[\"x\",2],\"reduction\":{\"n\":3}}\n"
    );
    let out = render(plain(Format::Ndjson), Kind::Atom, &[&[grouped]]);
    assert_eq!(out, format!("{grouped}\n"));
}

#[test]
fn table_fits_the_maximum_width() {
    let options = RenderOptions {
        max_width: Some(60),
        ..plain(Format::Table)
    };
    let out = render(options, Kind::Sequence, &[ROWS]);
    for line in out.lines() {
        assert!(
            rdbsh::render::table::display_width(line) <= 60,
            "too wide: {line:?}"
        );
    }
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("id  name"), "{header}");
    assert!(
        header.ends_with("…"),
        "hidden columns are announced: {header}"
    );
    assert!(out.contains(" 1  Ann        31"), "{out}");
}

#[test]
fn table_expands_atom_arrays_and_grouped_data() {
    assert_eq!(
        render(plain(Format::Table), Kind::Atom, &[&[GROUPED]]),
        "group    reduction\n───────  ─────────\nred              3\n[\"x\",1]  {\"n\":2}\n"
    );
    assert_eq!(
        render(
            plain(Format::Table),
            Kind::Atom,
            &[&[r#"[{"a":1},{"a":2}]"#]]
        ),
        "a\n─\n1\n2\n"
    );
    assert_eq!(
        render(plain(Format::Table), Kind::Atom, &[&[r#"{"a":1}"#]]),
        "a\n─\n1\n"
    );
}

#[test]
fn table_feed_prints_each_batch_without_waiting_for_a_sample() {
    let mut r = Renderer::new(plain(Format::Table));
    let mut out = Vec::new();
    r.begin(&mut out, Kind::Feed).unwrap();
    r.rows(&mut out, &raw(&[r#"{"new_val":1}"#])).unwrap();
    assert_eq!(String::from_utf8_lossy(&out), "new_val\n───────\n      1\n");
    r.rows(&mut out, &raw(&[r#"{"new_val":2}"#])).unwrap();
    assert!(String::from_utf8_lossy(&out).ends_with("      2\n"));
}

#[test]
fn table_sequence_streams_after_the_sample() {
    let options = RenderOptions {
        table_sample_rows: Some(2),
        ..plain(Format::Table)
    };
    let mut r = Renderer::new(options);
    let mut out = Vec::new();
    r.begin(&mut out, Kind::Sequence).unwrap();
    r.rows(&mut out, &raw(&[r#"{"a":1}"#])).unwrap();
    assert!(out.is_empty(), "sampling");
    r.rows(&mut out, &raw(&[r#"{"a":2}"#, r#"{"a":3}"#]))
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out), "a\n─\n1\n2\n3\n");
}

struct ClosedPipe;

impl Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_closed_pipe_is_reported_as_such() {
    let mut r = Renderer::new(plain(Format::Ndjson));
    r.begin(&mut ClosedPipe, Kind::Sequence).unwrap();
    let err = r.rows(&mut ClosedPipe, &raw(ROWS)).unwrap_err();
    assert!(err.is_broken_pipe());
}

#[test]
fn no_color_output_has_no_escapes() {
    for format in rdbsh::render::Format::ALL {
        let options = RenderOptions {
            styles: Styles::plain(),
            ..plain(format)
        };
        let out = render(options, Kind::Sequence, &[ROWS]);
        assert!(!out.contains('\x1b'), "{format}: {out}");
    }
}
