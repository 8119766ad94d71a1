//! RethinkDB pseudo-types (`$reql_type$` objects) shown readably.

use base64::Engine as _;
use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde_json::{Map, Value};

use super::number::write_js_number;
use crate::nesting::{self, Doc};

/// Bytes of a BINARY value shown as hex before eliding the rest.
const BINARY_PREVIEW: usize = 8;

/// A recognised pseudo-type in readable form.
#[derive(Debug, Clone, PartialEq)]
pub enum Pseudo<'a> {
    /// TIME, BINARY or GEOMETRY as one line of text, e.g. `2026-11-27T10:00:00.000+01:00`.
    Text(String),
    /// GROUPED_DATA as its `(group, reduction)` pairs.
    Grouped(Vec<(&'a Value, &'a Value)>),
}

/// Recognises a pseudo-type; `None` for plain objects and for malformed pseudo-types,
/// which are then shown as the objects they are.
pub fn classify(map: &Map<String, Value>) -> Option<Pseudo<'_>> {
    let kind = map.get("$reql_type$")?.as_str()?;
    match kind {
        "TIME" => time(map).map(Pseudo::Text),
        "BINARY" => binary(map).map(Pseudo::Text),
        "GEOMETRY" => geometry(map).map(Pseudo::Text),
        "GROUPED_DATA" => grouped(map).map(Pseudo::Grouped),
        _ => None,
    }
}

/// TIME as ISO 8601 in its own time zone with millisecond precision.
fn time(map: &Map<String, Value>) -> Option<String> {
    let epoch = map.get("epoch_time")?.as_f64()?;
    let offset = match map.get("timezone") {
        Some(Value::String(tz)) => parse_offset(tz)?,
        None => FixedOffset::east_opt(0)?,
        Some(_) => return None,
    };
    // Rounding, not truncating: epoch_time is a double and 0.123 may be stored as 0.12299...
    let millis = (epoch * 1000.0).round();
    if !millis.is_finite() || millis.abs() > 8.64e15 {
        return None;
    }
    let local = DateTime::from_timestamp_millis(millis as i64)?.with_timezone(&offset);
    // Written by hand rather than with strftime: times are common and this is 10x faster.
    let mut out = String::with_capacity(29);
    let year = local.year();
    if !(0..=9999).contains(&year) {
        out.push(if year < 0 { '-' } else { '+' });
        push_padded(&mut out, year.unsigned_abs(), 6);
    } else {
        push_padded(&mut out, year.unsigned_abs(), 4);
    }
    for (sep, v) in [
        ('-', local.month()),
        ('-', local.day()),
        ('T', local.hour()),
        (':', local.minute()),
        (':', local.second()),
    ] {
        out.push(sep);
        push_padded(&mut out, v, 2);
    }
    out.push('.');
    push_padded(&mut out, local.timestamp_subsec_millis(), 3);
    let secs = offset.local_minus_utc();
    out.push(if secs < 0 { '-' } else { '+' });
    let secs = secs.unsigned_abs();
    push_padded(&mut out, secs / 3600, 2);
    out.push(':');
    push_padded(&mut out, secs % 3600 / 60, 2);
    Some(out)
}

fn push_padded(out: &mut String, v: u32, width: usize) {
    let digits = v.to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Parses `Z`, `±HH:MM`, `±HHMM` or `±HH`.
fn parse_offset(tz: &str) -> Option<FixedOffset> {
    if tz == "Z" || tz == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if m >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// BINARY as `<binary N bytes: 01 02 …>`.
fn binary(map: &Map<String, Value>) -> Option<String> {
    let data = map.get("data")?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    let mut out = format!(
        "<binary {} byte{}",
        bytes.len(),
        if bytes.len() == 1 { "" } else { "s" }
    );
    if !bytes.is_empty() {
        out.push(':');
        for b in bytes.iter().take(BINARY_PREVIEW) {
            out.push_str(&format!(" {b:02x}"));
        }
        if bytes.len() > BINARY_PREVIEW {
            out.push_str(" …");
        }
    }
    out.push('>');
    Some(out)
}

/// GEOMETRY as `Point(-122.4, 37.7)`, `LineString((x, y), …)`, `Polygon(((x, y), …), …)`.
fn geometry(map: &Map<String, Value>) -> Option<String> {
    let kind = map.get("type")?.as_str()?;
    let coords = map.get("coordinates")?;
    let mut out = String::from(kind);
    match kind {
        "Point" => write_position(&mut out, coords)?,
        "LineString" | "MultiPoint" => {
            out.push('(');
            write_positions(&mut out, coords)?;
            out.push(')');
        }
        "Polygon" | "MultiLineString" => {
            out.push('(');
            let rings = coords.as_array()?;
            for (i, ring) in rings.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('(');
                write_positions(&mut out, ring)?;
                out.push(')');
            }
            out.push(')');
        }
        _ => return None,
    }
    Some(out)
}

fn write_positions(out: &mut String, list: &Value) -> Option<()> {
    for (i, p) in list.as_array()?.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_position(out, p)?;
    }
    Some(())
}

fn write_position(out: &mut String, p: &Value) -> Option<()> {
    let p = p.as_array()?;
    if p.len() < 2 {
        return None;
    }
    out.push('(');
    for (i, c) in p.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_js_number(out, c.as_f64()?);
    }
    out.push(')');
    Some(())
}

fn grouped(map: &Map<String, Value>) -> Option<Vec<(&Value, &Value)>> {
    map.get("data")?
        .as_array()?
        .iter()
        .map(|pair| match pair.as_array()?.as_slice() {
            [group, reduction] => Some((group, reduction)),
            _ => None,
        })
        .collect()
}

/// GROUPED_DATA as the array of `{group, reduction}` objects that the drivers return
/// (reductions may be documents of any depth, hence a [`Doc`]).
pub fn grouped_as_objects(pairs: &[(&Value, &Value)]) -> Doc {
    Doc(Value::Array(
        pairs
            .iter()
            .map(|(g, r)| {
                let mut m = Map::new();
                m.insert("group".to_owned(), nesting::clone(g));
                m.insert("reduction".to_owned(), nesting::clone(r));
                Value::Object(m)
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: Value) -> Option<String> {
        match classify(v.as_object()?)? {
            Pseudo::Text(t) => Some(t),
            Pseudo::Grouped(_) => None,
        }
    }

    #[test]
    fn times_in_their_zone_with_milliseconds() {
        let t = json!({"$reql_type$":"TIME","epoch_time":1795770000.123,"timezone":"+01:00"});
        assert_eq!(text(t).unwrap(), "2026-11-27T10:00:00.123+01:00");
        let utc = json!({"$reql_type$":"TIME","epoch_time":0,"timezone":"+00:00"});
        assert_eq!(text(utc).unwrap(), "1970-01-01T00:00:00.000+00:00");
        let west = json!({"$reql_type$":"TIME","epoch_time":1.5,"timezone":"-07:30"});
        assert_eq!(text(west).unwrap(), "1969-12-31T16:30:01.500-07:30");
        let z = json!({"$reql_type$":"TIME","epoch_time":-1,"timezone":"Z"});
        assert_eq!(text(z).unwrap(), "1969-12-31T23:59:59.000+00:00");
        let bad = json!({"$reql_type$":"TIME","epoch_time":1,"timezone":"Europe/Paris"});
        assert_eq!(text(bad), None);
        let old = json!({"$reql_type$":"TIME","epoch_time":-62198755200.0,"timezone":"+00:00"});
        assert_eq!(text(old).unwrap(), "-000001-01-01T00:00:00.000+00:00");
        let huge = json!({"$reql_type$":"TIME","epoch_time":1e300,"timezone":"Z"});
        assert_eq!(text(huge), None);
    }

    #[test]
    fn binary_size_and_preview() {
        let b = json!({"$reql_type$":"BINARY","data":"AQL/"});
        assert_eq!(text(b).unwrap(), "<binary 3 bytes: 01 02 ff>");
        let long = json!({"$reql_type$":"BINARY","data":"AAECAwQFBgcICQ=="});
        assert_eq!(
            text(long).unwrap(),
            "<binary 10 bytes: 00 01 02 03 04 05 06 07 …>"
        );
        assert_eq!(
            text(json!({"$reql_type$":"BINARY","data":""})).unwrap(),
            "<binary 0 bytes>"
        );
        assert_eq!(text(json!({"$reql_type$":"BINARY","data":"!!"})), None);
    }

    #[test]
    fn geometry_forms() {
        let p = json!({"$reql_type$":"GEOMETRY","type":"Point","coordinates":[-122.4,37.7]});
        assert_eq!(text(p).unwrap(), "Point(-122.4, 37.7)");
        let l = json!({"$reql_type$":"GEOMETRY","type":"LineString","coordinates":[[0,0],[1,1.5]]});
        assert_eq!(text(l).unwrap(), "LineString((0, 0), (1, 1.5))");
        let poly = json!({"$reql_type$":"GEOMETRY","type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]});
        assert_eq!(
            text(poly).unwrap(),
            "Polygon(((0, 0), (1, 0), (1, 1), (0, 0)))"
        );
    }

    #[test]
    fn grouped_pairs_and_unknown_types() {
        let g = json!({"$reql_type$":"GROUPED_DATA","data":[["a",1],["b",2]]});
        let Some(Pseudo::Grouped(pairs)) = classify(g.as_object().unwrap()) else {
            panic!("not grouped");
        };
        assert_eq!(
            *grouped_as_objects(&pairs),
            json!([{"group":"a","reduction":1},{"group":"b","reduction":2}])
        );
        assert_eq!(
            classify(json!({"$reql_type$":"WHAT"}).as_object().unwrap()),
            None
        );
        assert_eq!(classify(json!({"a":1}).as_object().unwrap()), None);
    }
}
