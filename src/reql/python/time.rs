//! Python's `datetime` values as the driver sends them: an aware `datetime` becomes
//! `r.iso8601(dt.isoformat())`; a naive one or a `date` is refused, as the driver refuses it.

use super::super::span::Span;
use super::eval::{V, Val};

/// A `datetime.datetime` or `datetime.date` value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PyTime {
    /// `isoformat()` of the value.
    pub iso: String,
    /// Its UTC offset in seconds, when it has a `tzinfo`.
    pub offset: Option<i64>,
}

type Built = Result<Val, String>;

/// `datetime.<name>` (a class of the module), or why rdbsh does not evaluate it.
pub(crate) fn module_attr(name: &str) -> Option<Val> {
    let builtin = match name {
        "datetime" => "datetime.datetime",
        "date" => "datetime.date",
        "timezone" => "datetime.timezone",
        "timedelta" => "datetime.timedelta",
        _ => return None,
    };
    Some(Val::Builtin(builtin))
}

/// `datetime.timezone.utc`, and refusals for the clock readers.
pub(crate) fn class_attr(class: &str, name: &str) -> Result<Val, String> {
    match (class, name) {
        ("datetime.timezone", "utc") => Ok(Val::Tz(0)),
        ("datetime.datetime" | "datetime.date", "now" | "utcnow" | "today") => Err(
            "the shell's clock is not the application's; use r.now() for the server's time".into(),
        ),
        _ => Err(format!("rdbsh does not evaluate {class}.{name}")),
    }
}

fn int_arg(
    args: &[V],
    kw: &[(String, Span, V)],
    i: usize,
    name: &str,
    default: i64,
) -> Result<i64, String> {
    let given = kw
        .iter()
        .find(|(k, _, _)| k == name)
        .map(|(_, _, x)| &x.v)
        .or_else(|| args.get(i).map(|a| &a.v));
    match given {
        None => Ok(default),
        Some(Val::Int(n)) => i64::try_from(*n).map_err(|_| format!("{name} out of range")),
        Some(Val::Bool(b)) => Ok(i64::from(*b)),
        Some(_) => Err(format!("{name} must be an integer")),
    }
}

fn num_kw(kw: &[(String, Span, V)], name: &str) -> Result<f64, String> {
    match kw.iter().find(|(k, _, _)| k == name).map(|(_, _, x)| &x.v) {
        None => Ok(0.0),
        Some(Val::Int(n)) => Ok(*n as f64),
        Some(Val::Float(f)) => Ok(*f),
        Some(_) => Err(format!("{name} must be a number")),
    }
}

/// Calls one of the module's classes.
pub(crate) fn construct(class: &str, args: &[V], kw: &[(String, Span, V)]) -> Built {
    match class {
        "datetime.timedelta" => {
            let units = [
                ("weeks", 604_800.0),
                ("days", 86_400.0),
                ("hours", 3_600.0),
                ("minutes", 60.0),
                ("seconds", 1.0),
                ("milliseconds", 0.001),
                ("microseconds", 0.000_001),
            ];
            let mut total = 0.0;
            for (i, (unit, scale)) in units.iter().enumerate() {
                // Positional order is days, seconds, microseconds.
                let positional = match i {
                    1 => args.first(),
                    4 => args.get(1),
                    6 => args.get(2),
                    _ => None,
                };
                let value = match positional.map(|a| &a.v) {
                    Some(Val::Int(n)) => *n as f64,
                    Some(Val::Float(f)) => *f,
                    _ => num_kw(kw, unit)?,
                };
                total += value * scale;
            }
            Ok(Val::Delta(total))
        }
        "datetime.timezone" => match args.first().map(|a| &a.v) {
            Some(Val::Delta(s)) if s.abs() < 86_400.0 => Ok(Val::Tz(s.round() as i64)),
            _ => Err("datetime.timezone takes a timedelta of less than a day".into()),
        },
        "datetime.date" => {
            let (y, m, d) = (
                int_arg(args, kw, 0, "year", 1)?,
                int_arg(args, kw, 1, "month", 1)?,
                int_arg(args, kw, 2, "day", 1)?,
            );
            check_date(y, m, d)?;
            Ok(Val::Time(Box::new(PyTime {
                iso: format!("{y:04}-{m:02}-{d:02}"),
                offset: None,
            })))
        }
        _ => datetime(args, kw),
    }
}

fn check_date(y: i64, m: i64, d: i64) -> Result<(), String> {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let ok = (1..=9999).contains(&y)
        && (1..=12).contains(&m)
        && usize::try_from(m - 1)
            .ok()
            .and_then(|i| days.get(i))
            .is_some_and(|n| (1..=*n).contains(&d));
    if ok {
        Ok(())
    } else {
        Err("the date is out of range".into())
    }
}

fn datetime(args: &[V], kw: &[(String, Span, V)]) -> Built {
    let names = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
    ];
    let mut f = [0i64; 7];
    for (i, name) in names.iter().enumerate() {
        f[i] = int_arg(args, kw, i, name, if i < 3 { 1 } else { 0 })?;
    }
    check_date(f[0], f[1], f[2])?;
    if f[3] > 23 || f[4] > 59 || f[5] > 59 || f[6] > 999_999 || f[3..].iter().any(|x| *x < 0) {
        return Err("the time of day is out of range".into());
    }
    let tz = kw
        .iter()
        .find(|(k, _, _)| k == "tzinfo")
        .map(|(_, _, x)| &x.v)
        .or_else(|| args.get(7).map(|a| &a.v));
    let offset = match tz {
        None | Some(Val::None) => None,
        Some(Val::Tz(s)) => Some(*s),
        Some(_) => return Err("tzinfo must be a datetime.timezone".into()),
    };
    let mut iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        f[0], f[1], f[2], f[3], f[4], f[5]
    );
    if f[6] != 0 {
        iso.push_str(&format!(".{:06}", f[6]));
    }
    if let Some(s) = offset {
        let sign = if s < 0 { '-' } else { '+' };
        let a = s.abs();
        iso.push_str(&format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60));
        if a % 60 != 0 {
            iso.push_str(&format!(":{:02}", a % 60));
        }
    }
    Ok(Val::Time(Box::new(PyTime { iso, offset })))
}
