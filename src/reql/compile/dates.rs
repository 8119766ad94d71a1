//! JavaScript's dates: building them from parts, reading them from text as V8 does, and
//! printing them as `toISOString` does. Local time is the session's time zone ([`Clock`]),
//! the user's for the front ends, as for the driver running on the user's machine.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::reql::Clock;

/// `new Date(y, m, d, h, min, s, ms)` (local time: `local` given) or `Date.UTC(...)`
/// (`local` none): fields past the
/// given ones take their defaults, years 0..=99 mean 1900..=1999, months and the rest may
/// overflow into the next unit, as in JavaScript.
pub(super) fn date_from_parts(n: &[f64], local: Option<&Clock>) -> Option<f64> {
    use chrono::NaiveDate;
    if n.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let get = |i: usize, d: f64| n.get(i).map_or(d, |x| x.trunc());
    let year = get(0, 1970.0);
    let year = if (0.0..=99.0).contains(&year) {
        year + 1900.0
    } else {
        year
    };
    let base = NaiveDate::from_ymd_opt(year as i32, 1, 1)?.and_hms_opt(0, 0, 0)?;
    let months = get(1, 0.0) as i64;
    let base = if months >= 0 {
        base.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))?
    } else {
        base.checked_sub_months(chrono::Months::new(u32::try_from(-months).ok()?))?
    };
    // The wall-clock time the parts name (days and hours may overflow into the next ones),
    // then its instant: in UTC, or in the local time zone at that very time.
    let offset_ms = (get(2, 1.0) - 1.0) * 86_400_000.0
        + get(3, 0.0) * 3_600_000.0
        + get(4, 0.0) * 60_000.0
        + get(5, 0.0) * 1000.0
        + get(6, 0.0);
    if offset_ms.abs() > 1e17 {
        return None;
    }
    let wall = base.checked_add_signed(chrono::TimeDelta::try_milliseconds(offset_ms as i64)?)?;
    let ms = match local {
        None => wall.and_utc().timestamp_millis() as f64,
        Some(clock) => clock.local_ms(wall)?,
    };
    time_clip(ms)
}

/// JavaScript's TimeClip: a time value is whole milliseconds within ±8.64e15.
pub(super) fn time_clip(ms: f64) -> Option<f64> {
    (ms.is_finite() && ms.abs() <= 8.64e15).then(|| ms.trunc() + 0.0)
}

/// `Date.prototype.toISOString`: years outside 0..=9999 get a sign and six digits.
pub(super) fn iso_from_ms(ms: f64) -> Option<String> {
    let ms = time_clip(ms)?;
    let t: DateTime<Utc> = DateTime::from_timestamp_millis(ms as i64)?;
    let year = t.year();
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!(
            "{}{:06}",
            if year < 0 { '-' } else { '+' },
            year.unsigned_abs()
        )
    };
    Some(format!("{year}{}", t.format("-%m-%dT%H:%M:%S%.3fZ")))
}

/// `Date.parse(text)` / `new Date(text)`: the ECMAScript date-time format, then the other
/// forms V8 reads (RFC 2822, what `Date.prototype.toString` prints, month names, slashes).
pub(super) fn parse_date(s: &str, clock: &Clock) -> Option<f64> {
    match parse_iso(s, clock) {
        Some(ms) => time_clip(ms?),
        None => legacy(s.trim(), clock).and_then(time_clip),
    }
}

/// Reads `n` ASCII digits at `*i`.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let d = b.get(*i..*i + n)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    Some(d.iter().fold(0, |acc, c| acc * 10 + i64::from(c - b'0')))
}

/// The ECMAScript date-time string format: `YYYY[-MM[-DD]][THH:mm[:ss[.sss]][Z|±HH:mm]]`,
/// years also as `±YYYYYY`. `None`: not this format; `Some(None)`: this format but no date.
/// A date alone is UTC, a date and time without an offset local time.
fn parse_iso(s: &str, clock: &Clock) -> Option<Option<f64>> {
    let b = s.as_bytes();
    let mut i = 0;
    let year = match b.first()? {
        b'+' | b'-' => {
            i = 1;
            let y = digits(b, &mut i, 6)?;
            if b[0] == b'-' {
                if y == 0 {
                    return Some(None);
                }
                -y
            } else {
                y
            }
        }
        _ => digits(b, &mut i, 4)?,
    };
    let mut month = 1;
    let mut day = 1;
    if b.get(i) == Some(&b'-') {
        i += 1;
        month = digits(b, &mut i, 2)?;
        if b.get(i) == Some(&b'-') {
            i += 1;
            day = digits(b, &mut i, 2)?;
        }
    }
    let mut time = None;
    let mut offset_min: Option<i64> = None;
    if matches!(b.get(i), Some(b'T' | b't')) {
        i += 1;
        let h = digits(b, &mut i, 2)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        let m = digits(b, &mut i, 2)?;
        let mut sec = 0;
        let mut milli = 0;
        if b.get(i) == Some(&b':') {
            i += 1;
            sec = digits(b, &mut i, 2)?;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                // Milliseconds: the first three digits, the rest dropped.
                let frac = &s[start..i];
                milli = format!("{frac:0<3}")[..3].parse::<i64>().ok()?;
            }
        }
        time = Some((h, m, sec, milli));
        match b.get(i) {
            Some(b'Z' | b'z') => {
                i += 1;
                offset_min = Some(0);
            }
            Some(&c @ (b'+' | b'-')) => {
                i += 1;
                let oh = digits(b, &mut i, 2)?;
                if b.get(i) == Some(&b':') {
                    i += 1;
                }
                let om = digits(b, &mut i, 2)?;
                let o = oh * 60 + om;
                offset_min = Some(if c == b'-' { -o } else { o });
            }
            _ => {}
        }
    }
    if i != b.len() {
        return None;
    }
    let Some(date) = i32::try_from(year).ok().and_then(|y| {
        NaiveDate::from_ymd_opt(y, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
    }) else {
        return Some(None);
    };
    let Some((h, m, sec, milli)) = time else {
        return Some(Some(
            date.and_time(NaiveTime::MIN).and_utc().timestamp_millis() as f64,
        ));
    };
    // 24:00 is the end of the day.
    let (wall, extra) = if h == 24 && m == 0 && sec == 0 && milli == 0 {
        (date.and_time(NaiveTime::MIN), 86_400_000.0)
    } else {
        let Some(t) = NaiveTime::from_hms_milli_opt(
            u32::try_from(h).ok()?,
            u32::try_from(m).ok()?,
            u32::try_from(sec).ok()?,
            u32::try_from(milli).ok()?,
        ) else {
            return Some(None);
        };
        (date.and_time(t), 0.0)
    };
    let ms = match offset_min {
        Some(o) => wall.and_utc().timestamp_millis() as f64 - (o * 60_000) as f64,
        None => match clock.local_ms(wall) {
            Some(ms) => ms,
            None => return Some(None),
        },
    };
    Some(Some(ms + extra))
}

/// The forms beyond ISO 8601 that V8 reads. A weekday name in front is ignored (V8 does not
/// check it); years below 100 mean 2000..=2049 and 1950..=1999.
fn legacy(s: &str, clock: &Clock) -> Option<f64> {
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut text = s;
    if let Some(word) = text.get(..3)
        && WEEKDAYS.contains(&word.to_ascii_lowercase().as_str())
    {
        let rest = text
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .trim_start_matches(',')
            .trim_start();
        if !rest.is_empty() {
            text = rest;
        }
    }
    // What Date's toString prints: "Mar 07 2015 10:00:00 GMT+0100 (Central European Time)".
    let text = match text.find(" (") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => text,
    };
    let two_digit = |d: NaiveDate| match d.year() {
        y @ 0..=49 => d.with_year(y + 2000),
        y @ 50..=99 => d.with_year(y + 1900),
        _ => Some(d),
    };
    let zoned = DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_str(text, "%b %d %Y %H:%M:%S GMT%z"));
    if let Ok(t) = zoned {
        let wall = two_digit(t.date_naive())?.and_time(t.time());
        let offset_ms = f64::from(t.offset().local_minus_utc()) * 1000.0;
        return Some(wall.and_utc().timestamp_millis() as f64 - offset_ms);
    }
    // Month first where a number leads (03/07/15 is March 7); a year leads only when the
    // month-first reading fails (2015/03/07).
    const DATES: [&str; 8] = [
        "%B %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
        "%d %B, %Y",
        "%m/%d/%Y",
        "%Y/%m/%d",
        "%m-%d-%Y",
        "%Y-%m-%d",
    ];
    const TIMES: [&str; 5] = ["", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p"];
    for date in DATES {
        for time in TIMES {
            let fmt = format!("{date}{time}");
            let wall = if time.is_empty() {
                NaiveDate::parse_from_str(text, &fmt)
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            } else {
                NaiveDateTime::parse_from_str(text, &fmt).ok()
            };
            if let Some(wall) = wall {
                let d = two_digit(wall.date())?;
                return clock.local_ms(d.and_time(wall.time()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<String> {
        parse_date(s, &Clock::fixed(0, 0)).and_then(iso_from_ms)
    }

    #[test]
    fn local_times_are_read_in_the_sessions_zone() {
        let paris_winter = Clock::fixed(0, 3600);
        let read = |s: &str| parse_date(s, &paris_winter).and_then(iso_from_ms);
        assert_eq!(
            read("2015-03-07T10:00").as_deref(),
            Some("2015-03-07T09:00:00.000Z")
        );
        assert_eq!(
            read("March 7, 2015 10:30:00").as_deref(),
            Some("2015-03-07T09:30:00.000Z")
        );
        // A date alone is UTC whatever the zone.
        assert_eq!(
            read("2015-03-07").as_deref(),
            Some("2015-03-07T00:00:00.000Z")
        );
        let parts = date_from_parts(&[2024.0, 0.0, 1.0], Some(&paris_winter));
        assert_eq!(
            parts.and_then(iso_from_ms).as_deref(),
            Some("2023-12-31T23:00:00.000Z")
        );
    }

    #[test]
    fn iso_forms_read_as_javascript_reads_them() {
        assert_eq!(utc("2015").as_deref(), Some("2015-01-01T00:00:00.000Z"));
        assert_eq!(utc("2015-03").as_deref(), Some("2015-03-01T00:00:00.000Z"));
        assert_eq!(
            utc("2015-03-07T10:00Z").as_deref(),
            Some("2015-03-07T10:00:00.000Z")
        );
        assert_eq!(
            utc("2015-03-07T10:00:00.123456+01:00").as_deref(),
            Some("2015-03-07T09:00:00.123Z")
        );
        assert_eq!(
            utc("2015-03-07T24:00:00Z").as_deref(),
            Some("2015-03-08T00:00:00.000Z")
        );
        assert_eq!(
            utc("+002015-03-07").as_deref(),
            Some("2015-03-07T00:00:00.000Z")
        );
        assert_eq!(
            utc("-000001-01-01").as_deref(),
            Some("-000001-01-01T00:00:00.000Z")
        );
        assert_eq!(utc("2015-02-30"), None);
        assert_eq!(utc("-000000-01-01"), None);
    }

    #[test]
    fn other_forms_as_v8() {
        assert_eq!(
            utc("Sat, 07 Mar 2015 10:00:00 GMT").as_deref(),
            Some("2015-03-07T10:00:00.000Z")
        );
        // V8 ignores a weekday that does not match.
        assert_eq!(
            utc("Thu, 07 Mar 2015 10:00:00 +0100").as_deref(),
            Some("2015-03-07T09:00:00.000Z")
        );
        assert_eq!(
            utc("Sat Mar 07 2015 10:00:00 GMT+0100 (Central European Standard Time)").as_deref(),
            Some("2015-03-07T09:00:00.000Z")
        );
    }

    #[test]
    fn iso_output_signs_years_outside_four_digits() {
        assert_eq!(
            iso_from_ms(253_402_300_800_000.0).as_deref(),
            Some("+010000-01-01T00:00:00.000Z")
        );
        assert_eq!(
            iso_from_ms(-62_198_755_200_000.0).as_deref(),
            Some("-000001-01-01T00:00:00.000Z")
        );
        assert_eq!(iso_from_ms(8.64e15 + 1.0), None);
    }
}
