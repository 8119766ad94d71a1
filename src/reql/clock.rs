//! The clock and the local time zone a compile reads (`Date.now()`, `new Date()`, local
//! times): passed in through [`Env`](super::Env), so that a compile is a pure function of its
//! input. Front ends use [`Clock::system`]; tests pass a fixed instant and zone.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};

/// Milliseconds since the Unix epoch, now.
type NowFn = dyn Fn() -> i64 + Send + Sync;
/// The local time zone's offset from UTC, in seconds, at an instant (milliseconds since the
/// Unix epoch).
type OffsetFn = dyn Fn(i64) -> i32 + Send + Sync;

/// A clock and a local time zone.
#[derive(Clone)]
pub struct Clock {
    now: Arc<NowFn>,
    offset: Arc<OffsetFn>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// A clock reading `now` (milliseconds since the epoch) in the zone whose offset from UTC
    /// at an instant is `offset` (seconds east of UTC).
    pub fn new(
        now: impl Fn() -> i64 + Send + Sync + 'static,
        offset: impl Fn(i64) -> i32 + Send + Sync + 'static,
    ) -> Clock {
        Clock {
            now: Arc::new(now),
            offset: Arc::new(offset),
        }
    }

    /// The machine's clock and time zone (`TZ`), as the driver running on it reads them.
    pub fn system() -> Clock {
        Clock::new(
            || Utc::now().timestamp_millis(),
            |ms| {
                use chrono::{Offset, TimeZone};
                DateTime::from_timestamp_millis(ms).map_or(0, |t| {
                    chrono::Local
                        .offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
            },
        )
    }

    /// A clock stopped at `now_ms` in a zone `offset_s` seconds east of UTC all year.
    pub fn fixed(now_ms: i64, offset_s: i32) -> Clock {
        Clock::new(move || now_ms, move |_| offset_s)
    }

    /// Milliseconds since the epoch, now.
    pub(crate) fn now_ms(&self) -> f64 {
        (self.now)() as f64
    }

    /// The instant `utc` in local time.
    pub(crate) fn local(&self, utc: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt((self.offset)(utc.timestamp_millis()))?;
        Some(utc.with_timezone(&offset))
    }

    /// The instant of a local wall-clock time, as JavaScript reads it: of two (when clocks
    /// went back) the earlier; in a gap (when clocks went forward) the time read with the
    /// offset before the gap. Offsets are probed a day either side: zones change them at
    /// most once in two days.
    pub(crate) fn local_ms(&self, wall: NaiveDateTime) -> Option<f64> {
        let day = TimeDelta::try_days(1)?;
        let as_utc = |w: NaiveDateTime| w.and_utc().timestamp_millis();
        let before = (self.offset)(as_utc(wall.checked_sub_signed(day)?));
        let after = (self.offset)(as_utc(wall.checked_add_signed(day)?));
        let instant = |offset: i32| as_utc(wall) - i64::from(offset) * 1000;
        let fits = |offset: i32| (self.offset)(instant(offset)) == offset;
        let ms = match (fits(before), fits(after)) {
            (true, true) => instant(before).min(instant(after)),
            (false, true) => instant(after),
            (true, false) | (false, false) => instant(before),
        };
        Some(ms as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A zone one hour east of UTC that moves to two hours from `switch` (ms) on.
    fn spring(switch: i64) -> Clock {
        Clock::new(|| 0, move |ms| if ms < switch { 3600 } else { 7200 })
    }

    fn wall(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 3, 31)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .unwrap()
    }

    #[test]
    fn local_times_around_a_change_read_as_javascript_does() {
        // Clocks go from 02:00 to 03:00 local (01:00 UTC).
        let switch = wall(1, 0).and_utc().timestamp_millis();
        let c = spring(switch);
        let utc = |w: NaiveDateTime| w.and_utc().timestamp_millis() as f64;
        assert_eq!(c.local_ms(wall(1, 30)), Some(utc(wall(0, 30))));
        assert_eq!(c.local_ms(wall(4, 0)), Some(utc(wall(2, 0))));
        // In the gap: the offset before it.
        assert_eq!(c.local_ms(wall(2, 30)), Some(utc(wall(1, 30))));
        // Going back (02:00 local UTC+2 becomes 01:00 UTC+1): the earlier of the two.
        let back = Clock::new(|| 0, move |ms| if ms < switch { 7200 } else { 3600 });
        assert_eq!(back.local_ms(wall(2, 30)), Some(utc(wall(0, 30))));
    }

    #[test]
    fn a_fixed_clock_is_fixed() {
        let c = Clock::fixed(1_700_000_000_000, 19_800);
        assert_eq!(c.now_ms(), 1_700_000_000_000.0);
        let t = DateTime::from_timestamp_millis(0).unwrap();
        assert_eq!(
            c.local(t).map(|l| l.to_rfc3339()).as_deref(),
            Some("1970-01-01T05:30:00+05:30")
        );
    }
}
