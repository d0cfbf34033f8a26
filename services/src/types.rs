//! Shared value types of service inputs and outputs.
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// A point in time as services send it: ISO 8601 in XML bodies, an HTTP date in headers, epoch
/// seconds in JSON. Shown (and serialized) as RFC 3339.
///
/// ```
/// use ziggurat_services::types::DateTime;
///
/// let a = DateTime::parse_rfc3339("2009-10-12T17:50:30.000Z").unwrap();
/// let b = DateTime::parse_http_date("Mon, 12 Oct 2009 17:50:30 GMT").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "2009-10-12T17:50:30Z");
/// assert_eq!(DateTime::from_epoch_seconds(1255369830.0), Some(a));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(OffsetDateTime);

impl DateTime {
    /// Parses an RFC 3339 / ISO 8601 timestamp.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s.trim(), &Rfc3339).ok().map(DateTime)
    }
    /// Parses an HTTP date (`Mon, 12 Oct 2009 17:50:30 GMT`).
    pub fn parse_http_date(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s.trim(), &Rfc2822).ok().map(DateTime)
    }
    /// From (fractional) seconds since the Unix epoch.
    pub fn from_epoch_seconds(secs: f64) -> Option<Self> {
        if !secs.is_finite() {
            return None;
        }
        let nanos = (secs * 1e9).round();
        if nanos.abs() > 2.5e20 {
            return None;
        }
        OffsetDateTime::from_unix_timestamp_nanos(nanos as i128)
            .ok()
            .map(DateTime)
    }
    /// Seconds since the Unix epoch.
    pub fn epoch_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }
    /// As a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        let nanos = self.0.unix_timestamp_nanos();
        if nanos >= 0 {
            UNIX_EPOCH + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        } else {
            UNIX_EPOCH - Duration::from_nanos(u64::try_from(-nanos).unwrap_or(u64::MAX))
        }
    }
}

impl From<SystemTime> for DateTime {
    fn from(t: SystemTime) -> Self {
        let nanos = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        DateTime(
            OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp (RFC 3339, HTTP date or epoch seconds)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DateTime, E> {
                DateTime::from_epoch_seconds(v).ok_or_else(|| E::custom("timestamp out of range"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
                DateTime::parse_rfc3339(v)
                    .or_else(|| DateTime::parse_http_date(v))
                    .or_else(|| v.parse::<f64>().ok().and_then(DateTime::from_epoch_seconds))
                    .ok_or_else(|| E::custom(format!("invalid timestamp `{v}`")))
            }
            // XML deserializers present an element's text as a one-entry map (`$text`).
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<DateTime, A::Error> {
                let mut found = None;
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    if key == "$text" || key == "$value" {
                        found = Some(value);
                    }
                }
                let text = found.ok_or_else(|| de::Error::custom("empty timestamp element"))?;
                self.visit_str(&text)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_style_round_trips() {
        let t = DateTime::parse_rfc3339("1985-04-12T23:20:50.52Z").unwrap();
        assert_eq!(t.to_string(), "1985-04-12T23:20:50.52Z");
        assert!(DateTime::parse_rfc3339("not a date").is_none());
        assert!(DateTime::from_epoch_seconds(f64::NAN).is_none());
        assert!(DateTime::from_epoch_seconds(1e30).is_none());
        let back: DateTime = serde_json::from_str("1515531081.123").unwrap();
        assert_eq!(back.epoch_seconds(), 1515531081);
    }
}
