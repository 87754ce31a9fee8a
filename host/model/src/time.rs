//! Timestamps as Superset serialises them. Stored as UTC epoch microseconds so SQLite and
//! PostgreSQL order and compare them the same way.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(Utc::now().timestamp_micros())
    }

    fn datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }

    /// Marshmallow's naive datetime: `2026-11-28T01:59:16.251705`.
    pub fn iso(self) -> String {
        self.datetime().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    }

    /// `changed_on_utc`: `2026-11-28T01:59:16.251705+0000`.
    pub fn utc(self) -> String {
        self.datetime()
            .format("%Y-%m-%dT%H:%M:%S%.6f+0000")
            .to_string()
    }

    /// `changed_on_dttm`: epoch milliseconds as a float.
    pub fn epoch_millis(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// `last_modified_time`: epoch seconds as a float.
    pub fn epoch_seconds(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// Python humanize's `naturaltime`, which Superset uses for `*_delta_humanized`.
    pub fn humanize(self, now: Timestamp) -> String {
        let delta = (now.0 - self.0) / 1_000_000;
        let (seconds, suffix) = if delta >= 0 {
            (delta, "ago")
        } else {
            (-delta, "from now")
        };
        let phrase = match seconds {
            0 => return "now".to_string(),
            1 => "a second".to_string(),
            2..=59 => format!("{seconds} seconds"),
            60..=119 => "a minute".to_string(),
            120..=3599 => format!("{} minutes", seconds / 60),
            3600..=7199 => "an hour".to_string(),
            7200..=86_399 => format!("{} hours", seconds / 3600),
            86_400..=172_799 => "a day".to_string(),
            _ => {
                let days = seconds / 86_400;
                match days {
                    2..=29 => format!("{days} days"),
                    30..=59 => "a month".to_string(),
                    60..=364 => format!("{} months", days / 30),
                    365..=729 => "a year".to_string(),
                    _ => format!("{} years", days / 365),
                }
            }
        };
        format!("{phrase} {suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_superset() {
        let t = Timestamp(1_795_831_172_379_364);
        assert_eq!(t.iso(), "2026-11-28T01:59:32.379364");
        assert_eq!(t.utc(), "2026-11-28T01:59:32.379364+0000");
        assert_eq!(t.epoch_millis(), 1_795_831_172_379.364);
    }

    #[test]
    fn humanizes_like_python_humanize() {
        let now = Timestamp(1_000_000_000_000);
        let ago = |s: i64| Timestamp(now.0 - s * 1_000_000).humanize(now);
        assert_eq!(ago(0), "now");
        assert_eq!(ago(1), "a second ago");
        assert_eq!(ago(51), "51 seconds ago");
        assert_eq!(ago(90), "a minute ago");
        assert_eq!(ago(600), "10 minutes ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(86_400 * 3), "3 days ago");
    }
}
