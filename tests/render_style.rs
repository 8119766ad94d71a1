//! Colours come from the theme's scopes; no colour means no escapes; styled lines for the TUI.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::render::{
    Format, Kind, LineIndex, RenderOptions, Renderer, Scope, Style, Styles, Theme, TreeKey,
    TreeNode, highlight_js, pretty_line_count, pretty_window,
};
use serde_json::Value;
use serde_json::value::RawValue;

const ROW: &str = r#"{"id":1,"name":"Ann","ok":true,"at":{"$reql_type$":"TIME","epoch_time":1795770000,"timezone":"+01:00"}}"#;

fn render(format: Format, styles: Styles, row: &str) -> String {
    let mut r = Renderer::new(RenderOptions {
        styles,
        ..RenderOptions::new(format)
    });
    let mut out = Vec::new();
    r.begin(&mut out, Kind::Sequence).unwrap();
    r.row(&mut out, &RawValue::from_string(row.to_owned()).unwrap())
        .unwrap();
    r.end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn painted(style: Style, text: &str) -> String {
    let mut s = String::new();
    style.paint(text, &mut s);
    s
}

#[test]
fn pretty_colours_keys_strings_numbers_and_pseudo_types_from_the_theme() {
    for theme in [Theme::dark(), Theme::light()] {
        let out = render(Format::Pretty, theme.styles(), ROW);
        let key = theme.style_for(Scope::Key);
        assert!(key.fg.is_some());
        assert!(
            out.contains(&painted(key, "\"id\"")),
            "{}: {out:?}",
            theme.name()
        );
        assert!(out.contains(&painted(theme.style_for(Scope::String), "\"Ann\"")));
        assert!(out.contains(&painted(theme.style_for(Scope::Number), "1")));
        assert!(out.contains(&painted(theme.style_for(Scope::Constant), "true")));
        assert!(out.contains(&painted(
            theme.style_for(Scope::Pseudo),
            "2026-11-27T10:00:00.000+01:00"
        )));
        // Escapes are truecolor SGR sequences.
        assert!(out.contains("\x1b[38;2;"));
        // Stripped of escapes it is the plain rendering.
        assert_eq!(
            strip_ansi(&out),
            render(Format::Pretty, Styles::plain(), ROW)
        );
    }
    assert_ne!(
        Theme::dark().style_for(Scope::Key),
        Theme::light().style_for(Scope::Key)
    );
}

#[test]
fn table_headers_are_styled_and_plain_tables_have_no_escapes() {
    let theme = Theme::dark();
    let out = render(Format::Table, theme.styles(), ROW);
    assert!(out.starts_with(&painted(theme.style_for(Scope::Header), "id")));
    assert!(theme.style_for(Scope::Header).bold);
    let plain = render(Format::Table, Styles::plain(), ROW);
    assert!(!plain.contains('\x1b'));
    assert_eq!(strip_ansi(&out), plain);
}

#[test]
fn formats_for_machines_never_carry_escapes_even_with_a_theme() {
    let styles = Theme::dark().styles();
    for format in [Format::Json, Format::Ndjson, Format::Raw] {
        let out = render(format, styles, ROW);
        assert!(!out.contains('\x1b'), "{format}");
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_window_of_a_large_result_is_styled_from_the_rows_on_screen() {
    let rows: Vec<Value> = (0..1000)
        .map(|i| serde_json::json!({"id": i, "tags": ["a", "b"]}))
        .collect();
    let mut index = LineIndex::new();
    for r in &rows {
        index.push(pretty_line_count(r));
    }
    assert_eq!(index.total_lines(), 1000 * 7);
    // Lines 7000-7 .. : the last row; a window that starts inside row 500.
    let (row, offset) = index.locate(500 * 7 + 1).unwrap();
    assert_eq!((row, offset), (500, 1));
    let lines = pretty_window(&rows[row], offset, 2);
    let text: Vec<String> = lines.iter().map(|l| l.text()).collect();
    assert_eq!(text, ["  \"id\": 500,", "  \"tags\": ["]);
    let scopes: Vec<Scope> = lines[0].spans.iter().map(|s| s.scope).collect();
    assert_eq!(
        scopes,
        [
            Scope::Plain,
            Scope::Key,
            Scope::Punctuation,
            Scope::Plain,
            Scope::Number,
            Scope::Punctuation
        ]
    );
}

#[test]
fn query_text_is_highlighted_as_javascript() {
    let theme = Theme::dark();
    let lines = highlight_js("r.db('app').table(\"users\").filter({age: 30})", &theme);
    assert_eq!(lines.len(), 1);
    let joined: String = lines[0].iter().map(|(_, t)| *t).collect();
    assert_eq!(joined, "r.db('app').table(\"users\").filter({age: 30})");
    let style_of = |needle: &str| lines[0].iter().find(|(_, t)| t.contains(needle)).unwrap().0;
    assert_eq!(style_of("app").fg, theme.style_for(Scope::String).fg);
    assert_eq!(style_of("30").fg, theme.style_for(Scope::Number).fg);
}

#[test]
fn tree_model_of_a_row() {
    let v: Value = serde_json::from_str(ROW).unwrap();
    let t = TreeNode::from_value(&v);
    assert_eq!(t.summary, "{4 keys}");
    let keys: Vec<String> = t
        .children
        .iter()
        .map(|c| c.key.as_ref().unwrap().label())
        .collect();
    assert_eq!(keys, ["id", "name", "ok", "at"]);
    let at = t.find(&[TreeKey::Key("at".into())]).unwrap();
    assert_eq!(at.summary, "2026-11-27T10:00:00.000+01:00");
    assert_eq!(at.scope, Scope::Pseudo);
}
