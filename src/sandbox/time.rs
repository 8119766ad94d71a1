//! Time terms on the TIME pseudo-type (`epoch_time` + `timezone` "+HH:MM").

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use serde_json::{Value, json};

use super::datum::{self, as_int, as_num, as_str, from_f64};
use super::error::{RResult, ReqlError};
use super::eval::{Call, Ctx, Env, Opts, Val};
use crate::protocol::TermType as T;

/// A TIME pseudo-type for epoch seconds in UTC.
pub fn epoch_to_time(secs: f64) -> Value {
    json!({"$reql_type$": "TIME", "epoch_time": from_f64(round_ms(secs)), "timezone": "+00:00"})
}

fn round_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// A calendar date checked as the server checks `r.time`'s fields, in its words.
fn civil_date(y: i64, mo: i64, d: i64) -> RResult<NaiveDate> {
    let logic = |m: &str| ReqlError::logic(format!("Error in time logic: {m}"));
    if !(1400..=9999).contains(&y) {
        return Err(logic("Year is out of valid range: 1400..9999."));
    }
    if !(1..=12).contains(&mo) {
        return Err(logic("Month number is out of range 1..12."));
    }
    NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)
        .ok_or_else(|| logic("Day of month is not valid for year."))
}

fn make_time(secs: f64, tz: &str) -> Value {
    json!({"$reql_type$": "TIME", "epoch_time": from_f64(round_ms(secs)), "timezone": tz})
}

/// Shifts a time by seconds, keeping its timezone.
pub fn shift(t: &Value, secs: f64) -> Value {
    let (e, tz) = parts(t).unwrap_or((0.0, "+00:00".into()));
    make_time(e + secs, &tz)
}

fn parts(t: &Value) -> Option<(f64, String)> {
    if datum::pseudo_type(t) != Some("TIME") {
        return None;
    }
    let e = t.get("epoch_time")?.as_f64()?;
    let tz = t
        .get("timezone")
        .and_then(Value::as_str)
        .unwrap_or("+00:00")
        .to_string();
    Some((e, tz))
}

fn as_time(v: &Value) -> RResult<(f64, String)> {
    parts(v).ok_or_else(|| datum::expected("PTYPE<TIME>", v))
}

/// Parses a timezone ("Z", "+HH", "+HHMM", "+HH:MM") into seconds east and canonical text.
pub fn parse_tz(s: &str) -> RResult<(i32, String)> {
    let bad = || ReqlError::logic(format!("Timezone `{s}` does not start with `-` or `+`."));
    if s == "Z" {
        return Ok((0, "+00:00".into()));
    }
    let sign = match s.chars().next() {
        Some('+') => 1,
        Some('-') => -1,
        _ => return Err(bad()),
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    let invalid = || ReqlError::logic(format!("`{s}` is not a valid time offset."));
    if !digits.chars().all(|c| c.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4) {
        return Err(invalid());
    }
    let h: i32 = digits[..2].parse().map_err(|_| invalid())?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().map_err(|_| invalid())?
    } else {
        0
    };
    if h == 24 {
        // The server takes offsets up to +24:59; this time library stops below 24 hours.
        return Err(ReqlError::unsupported(
            "time zone offsets of 24 hours or more",
        ));
    }
    if h > 24 {
        return Err(ReqlError::logic(format!("Hours out of range in `{s}`.")));
    }
    if m > 59 {
        return Err(ReqlError::logic(format!("Minutes out of range in `{s}`.")));
    }
    if sign < 0 && h == 0 && m == 0 {
        // ISO 8601 has no negative zero offset.
        return Err(invalid());
    }
    let off = sign * (h * 3600 + m * 60);
    let text = if off == 0 {
        "+00:00".to_string()
    } else {
        format!("{}{:02}:{:02}", if sign > 0 { '+' } else { '-' }, h, m)
    };
    Ok((off, text))
}

fn local(e: f64, tz: &str) -> RResult<DateTime<FixedOffset>> {
    let (off, _) = parse_tz(tz)?;
    // The server's calendar (boost) covers the years 1400 to 9999 only.
    let year = DateTime::<Utc>::from_timestamp(e.floor() as i64, 0).map(|d| d.year());
    if !year.is_some_and(|y| (1400..=9999).contains(&y)) {
        return Err(ReqlError::logic(
            "Error in time logic: Year is out of valid range: 1400..9999.",
        ));
    }
    let fo = FixedOffset::east_opt(off).ok_or_else(|| ReqlError::logic("invalid offset"))?;
    let secs = e.floor();
    let nanos = ((e - secs) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    let utc = DateTime::<Utc>::from_timestamp(secs as i64, nanos)
        .ok_or_else(|| ReqlError::logic("Time out of range."))?;
    Ok(utc.with_timezone(&fo))
}

/// ISO 8601 text of a time, as `toISO8601` prints it (milliseconds, offset).
pub fn to_iso(e: f64, tz: &str) -> RResult<String> {
    let dt = local(e, tz)?;
    // Fractional seconds appear only when non-zero, cut to milliseconds.
    let micros = (dt.nanosecond() + 500) / 1000;
    let frac = if micros == 0 {
        String::new()
    } else {
        format!(".{:03}", micros / 1000)
    };
    Ok(format!(
        "{}{frac}{}",
        dt.format("%Y-%m-%dT%H:%M:%S"),
        parse_tz(tz)?.1
    ))
}

/// Reads an ISO 8601 string as the server (boost) does: calendar (`2020-05-06`, `20200506`)
/// or ordinal (`2020-127`) dates, an optional `T` time whose fields may overflow into the
/// next unit (`24:00`, `25:00`), then `Z` or an offset.
fn parse_iso(s: &str, default_tz: Option<&str>) -> RResult<Value> {
    let mut r = IsoReader { s, pos: 0 };
    let day = r.date()?;
    let mut secs = 0.0;
    if r.eat('T') {
        secs = r.time()?;
    }
    let zone = match r.rest() {
        "" => match default_tz {
            Some(d) => d.to_string(),
            None => {
                return Err(ReqlError::logic(
                    "ISO 8601 string has no time zone, and no default time zone was provided.",
                ));
            }
        },
        z => z.to_string(),
    };
    let (off, tz) = parse_tz(&zone)?;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Ok(make_time(
        midnight.timestamp() as f64 + secs - off as f64,
        &tz,
    ))
}

struct IsoReader<'a> {
    s: &'a str,
    pos: usize,
}

impl IsoReader<'_> {
    fn invalid(&self) -> ReqlError {
        ReqlError::logic(format!("Invalid date string `{}`.", self.s))
    }

    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.rest().starts_with(c);
        if hit {
            self.pos += c.len_utf8();
        }
        hit
    }

    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> RResult<i64> {
        let mut v = 0;
        for _ in 0..n {
            match self.rest().chars().next() {
                Some(c) if c.is_ascii_digit() => {
                    v = v * 10 + i64::from(c as u8 - b'0');
                    self.pos += 1;
                }
                Some(c) => {
                    return Err(ReqlError::logic(format!(
                        "Invalid date string `{}` (got `{c}` but expected a digit).",
                        self.s
                    )));
                }
                None => return Err(self.invalid()),
            }
        }
        Ok(v)
    }

    fn run_of_digits(&self) -> usize {
        self.rest().chars().take_while(char::is_ascii_digit).count()
    }

    fn date(&mut self) -> RResult<NaiveDate> {
        let year = self.digits(4)?;
        let dashed = self.eat('-');
        if self.rest().starts_with('W') {
            return Err(ReqlError::logic(
                "Due to limitations in the boost time library we use for parsing, we cannot support ISO week dates right now.  Sorry about that!  Please use years, calendar dates, or ordinal dates instead.",
            ));
        }
        // Three digits after the year make an ordinal date (day of the year).
        if self.run_of_digits() == 3 {
            let day = self.digits(3)?;
            let jan1 = NaiveDate::from_ymd_opt(year as i32, 1, 1).ok_or_else(|| self.invalid())?;
            // Days past the year's end run into the next year, as boost counts them.
            return jan1
                .checked_add_days(chrono::Days::new((day.max(1) - 1) as u64))
                .ok_or_else(|| self.invalid());
        }
        let month = self.digits(2)?;
        if dashed && !self.eat('-') {
            return Err(self.invalid());
        }
        let day = self.digits(2)?;
        NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).ok_or_else(|| self.invalid())
    }

    /// Seconds since midnight of `HH[:MM[:SS[.fff]]]` or `HH[MM[SS[.fff]]]`.
    fn time(&mut self) -> RResult<f64> {
        let h = self.digits(2)?;
        let colons = self.eat(':');
        let mut secs = (h * 3600) as f64;
        if colons || self.run_of_digits() >= 2 {
            secs += (self.digits(2)? * 60) as f64;
            if (colons && self.eat(':')) || (!colons && self.run_of_digits() >= 2) {
                secs += self.digits(2)? as f64;
                if self.eat('.') || self.eat(',') {
                    let n = self.run_of_digits();
                    let frac = self.rest()[..n].to_string();
                    self.pos += n;
                    secs += format!("0.{frac}").parse::<f64>().unwrap_or(0.0);
                }
            }
        }
        Ok(secs)
    }
}

impl Ctx {
    /// Subtraction with a time on the left: time - number or time - time.
    pub fn time_sub(&self, first: Value, args: &[Value], env: &Env) -> RResult<Value> {
        let (e, tz) = as_time(&first)?;
        let b = self.darg(args, 1, env)?;
        if let Some((e2, _)) = parts(&b) {
            return Ok(from_f64(round_ms(e - e2)));
        }
        let secs = as_num(&b).map_err(|e| e.at(json!(1)))?;
        Ok(make_time(e - secs, &tz))
    }

    /// Time terms; None when `tt` is not one of them.
    pub fn eval_time(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, opts, env) = call.parts();
        let v = match tt {
            T::Now => self.now.clone(),
            T::EpochTime => epoch_to_time(self.targ(args, 0, env, as_num)?),
            T::Iso8601 => {
                let s = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
                let dtz = self.opt(opts, "default_timezone", env)?;
                // The server blames the string for anything wrong in it.
                parse_iso(&s, dtz.as_ref().and_then(Value::as_str)).map_err(|e| e.at(json!(0)))?
            }
            T::Time => {
                let n = args.len();
                if !(4..=7).contains(&n) {
                    return Err(ReqlError::compile(format!(
                        "Expected between 4 and 7 arguments but found {n}."
                    )));
                }
                if n != 4 && n != 7 {
                    return Err(ReqlError::logic(format!(
                        "Got {n} arguments to TIME (expected 4 or 7)."
                    )));
                }
                let y = self.targ(args, 0, env, as_int)?;
                let mo = self.targ(args, 1, env, as_int)?;
                let dd = self.targ(args, 2, env, as_int)?;
                let (h, mi, s) = if n == 7 {
                    (
                        self.targ(args, 3, env, as_int)?,
                        self.targ(args, 4, env, as_int)?,
                        self.targ(args, 5, env, as_num)?,
                    )
                } else {
                    (0, 0, 0.0)
                };
                let tzs = self.targ(args, n - 1, env, |v| as_str(v).map(str::to_string))?;
                let (off, tz) = parse_tz(&tzs)?;
                let date = civil_date(y, mo, dd)?;
                // Hours and minutes are a duration added to midnight (24:00 is the next day).
                let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
                let e = midnight.and_utc().timestamp() as f64 + (h * 3600 + mi * 60) as f64 + s
                    - off as f64;
                make_time(e, &tz)
            }
            T::ToIso8601
            | T::ToEpochTime
            | T::InTimezone
            | T::During
            | T::Date
            | T::TimeOfDay
            | T::Timezone
            | T::Year
            | T::Month
            | T::Day
            | T::DayOfWeek
            | T::DayOfYear
            | T::Hours
            | T::Minutes
            | T::Seconds => self.time_part(tt, args, opts, env)?,
            _ => return Ok(None),
        };
        let _ = FixedOffset::east_opt(0).map(|o| o.timestamp_opt(0, 0));
        Ok(Some(Val::Datum(v)))
    }

    /// The terms that read a time: its parts, ISO 8601 text, epoch time, zone, `during`.
    fn time_part(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Value> {
        let t = self.darg(args, 0, env)?;
        let (e, tz) = as_time(&t).map_err(|x| x.at(json!(0)))?;
        Ok(match tt {
            T::ToIso8601 => Value::String(to_iso(e, &tz)?),
            T::ToEpochTime => from_f64(e),
            T::InTimezone => {
                let z = self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?;
                make_time(e, &parse_tz(&z)?.1)
            }
            T::During => {
                let bound = |i: usize| -> RResult<f64> {
                    let b = self.darg(args, i, env)?;
                    if datum::contains_bound(&b) {
                        let which = if datum::pseudo_type(&b) == Some("MINVAL") {
                            "minval"
                        } else {
                            "maxval"
                        };
                        let m = format!("Cannot convert `r.{which}` to JSON.");
                        return Err(ReqlError::logic(m).at(json!(i)));
                    }
                    as_time(&b).map(|t| t.0).map_err(|x| x.at(json!(i)))
                };
                let (s, en) = (bound(1)?, bound(2)?);
                let lo = self.bound_is(opts, "left_bound", env, "open")?;
                let rc = self.bound_is(opts, "right_bound", env, "closed")?;
                let ok_l = if lo { e > s } else { e >= s };
                let ok_r = if rc { e <= en } else { e < en };
                Value::Bool(ok_l && ok_r)
            }
            T::Timezone => Value::String(parse_tz(&tz)?.1),
            _ => {
                let dt = local(e, &tz)?;
                match tt {
                    T::Date => {
                        let midnight = dt.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
                        let off = dt.offset().local_minus_utc() as f64;
                        make_time(midnight.and_utc().timestamp() as f64 - off, &tz)
                    }
                    T::TimeOfDay => from_f64(round_ms(
                        dt.num_seconds_from_midnight() as f64 + dt.nanosecond() as f64 / 1e9,
                    )),
                    T::Year => json!(dt.year()),
                    T::Month => json!(dt.month()),
                    T::Day => json!(dt.day()),
                    T::DayOfWeek => json!(dt.weekday().number_from_monday()),
                    T::DayOfYear => json!(dt.ordinal()),
                    T::Hours => json!(dt.hour()),
                    T::Minutes => json!(dt.minute()),
                    _ => from_f64(round_ms(dt.second() as f64 + dt.nanosecond() as f64 / 1e9)),
                }
            }
        })
    }
}

/// The number `r.monday`...`r.sunday` (1 to 7) and `r.january`...`r.december` (1 to 12)
/// stand for; None for any other term.
pub fn calendar_number(tt: T) -> Option<usize> {
    // ql2.proto lists them together, Monday to December (TermType's order).
    if !(T::Monday..=T::December).contains(&tt) {
        return None;
    }
    const DAYS: [T; 7] = [
        T::Monday,
        T::Tuesday,
        T::Wednesday,
        T::Thursday,
        T::Friday,
        T::Saturday,
        T::Sunday,
    ];
    const MONTHS: [T; 12] = [
        T::January,
        T::February,
        T::March,
        T::April,
        T::May,
        T::June,
        T::July,
        T::August,
        T::September,
        T::October,
        T::November,
        T::December,
    ];
    let at = |list: &[T]| list.iter().position(|t| *t == tt).map(|i| i + 1);
    at(&DAYS).or_else(|| at(&MONTHS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let t = parse_iso("1986-11-03T08:30:00-07:00", None).unwrap();
        assert_eq!(t["epoch_time"], json!(531415800));
        assert_eq!(
            to_iso(531415800.0, "-07:00").unwrap(),
            "1986-11-03T08:30:00-07:00"
        );
        assert_eq!(
            to_iso(531415800.25, "Z").unwrap(),
            "1986-11-03T15:30:00.250+00:00"
        );
    }
}
