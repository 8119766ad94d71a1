//! Durations as people read them at a glance, the one format every view uses: a query's
//! timing, a running job, a server's uptime.

use std::time::Duration;

/// `12 ms`, `1.2 s`, `4 m 05 s`, `2 h 03 m`, `3 d 04 h`: two units at most.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    let s = d.as_secs();
    match s {
        0 => format!("{ms} ms"),
        // Tenths cut, not rounded: 59.96 s is `59.9 s`, never `60.0 s`.
        1..60 => format!("{s}.{} s", d.subsec_millis() / 100),
        60..3600 => format!("{} m {:02} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {:02} m", s / 3600, (s / 60) % 60),
        _ => format!("{} d {:02} h", s / 86_400, (s / 3600) % 24),
    }
}

/// [`duration_text`] of a number of seconds as the server reports them; `-` when it is not
/// a duration (negative, NaN, too large).
pub fn secs_text(secs: f64) -> String {
    Duration::try_from_secs_f64(secs).map_or_else(|_| "-".to_owned(), duration_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_units_at_most() {
        let ms = |n| duration_text(Duration::from_millis(n));
        assert_eq!(ms(0), "0 ms");
        assert_eq!(ms(12), "12 ms");
        assert_eq!(ms(999), "999 ms");
        assert_eq!(ms(1250), "1.2 s");
        assert_eq!(ms(59_960), "59.9 s");
        let s = |n| duration_text(Duration::from_secs(n));
        assert_eq!(s(123), "2 m 03 s");
        assert_eq!(s(7380), "2 h 03 m");
        assert_eq!(s(3 * 86_400 + 4 * 3600 + 59), "3 d 04 h");
    }

    #[test]
    fn server_seconds() {
        assert_eq!(secs_text(0.04), "40 ms");
        assert_eq!(secs_text(12.34), "12.3 s");
        assert_eq!(secs_text(245.0), "4 m 05 s");
        assert_eq!(secs_text(-1.0), "-");
        assert_eq!(secs_text(f64::NAN), "-");
    }
}
