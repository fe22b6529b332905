//! Timestamps as the vault format writes them: RFC 3339 in UTC with as few
//! of 0, 3, 6 or 9 fractional digits as represent the value exactly.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    Utc::now()
}

/// `2026-12-04T15:09:38.123Z`: the form stored in the vault and the audit log.
pub fn format_z(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `2026-12-04T15:09:38.123+00:00`: the form the audit chain signs.
pub fn format_offset(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

pub fn parse(text: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// serde adapter: `#[serde(with = "crate::time::rfc3339")]`.
pub mod rfc3339 {
    use super::*;

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_z(ts))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fractional_digits_are_as_few_as_exact() {
        let base = Utc.with_ymd_and_hms(2026, 12, 4, 15, 9, 38).unwrap();
        let with_nanos = |n| base + chrono::Duration::nanoseconds(n);
        assert_eq!(format_z(&base), "2026-12-04T15:09:38Z");
        assert_eq!(
            format_z(&with_nanos(123_000_000)),
            "2026-12-04T15:09:38.123Z"
        );
        assert_eq!(
            format_z(&with_nanos(123_456_000)),
            "2026-12-04T15:09:38.123456Z"
        );
        assert_eq!(
            format_z(&with_nanos(123_456_789)),
            "2026-12-04T15:09:38.123456789Z"
        );
        assert_eq!(
            format_offset(&with_nanos(120_000_000)),
            "2026-12-04T15:09:38.120+00:00"
        );
        assert_eq!(
            parse("2026-12-04T15:09:38.123456789Z"),
            Some(with_nanos(123_456_789))
        );
    }
}
