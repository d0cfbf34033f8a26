//! [`DateTime`]: a timestamp, with the three wire formats of the AWS protocols.
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// A point in time as services send it: ISO 8601 in XML bodies, an HTTP date in headers, epoch
/// seconds in JSON. Shown (and serialized) as RFC 3339.
///
/// ```
/// use ziggurat_core::schema::DateTime;
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

/// The Unix epoch: what a required timestamp holds before it is set.
impl Default for DateTime {
    fn default() -> Self {
        DateTime(OffsetDateTime::UNIX_EPOCH)
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

impl DateTime {
    /// From whole seconds since the Unix epoch, if in range.
    pub fn from_secs(secs: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(secs).ok().map(DateTime)
    }
    /// From seconds and nanoseconds since the Unix epoch, if in range.
    pub fn from_secs_and_nanos(secs: i64, nanos: u32) -> Option<Self> {
        let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        OffsetDateTime::from_unix_timestamp_nanos(total)
            .ok()
            .map(DateTime)
    }
    /// The nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.0.nanosecond()
    }
    /// Fractional seconds since the Unix epoch.
    pub fn as_secs_f64(&self) -> f64 {
        self.0.unix_timestamp() as f64 + f64::from(self.0.nanosecond()) / 1e9
    }
    /// Parses epoch seconds (`1515531081`, `1515531081.123`).
    pub fn parse_epoch_seconds(s: &str) -> Option<Self> {
        let s = s.trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<f64>().ok().and_then(DateTime::from_epoch_seconds);
        }
        let secs: i64 = whole.parse().ok()?;
        let mut nanos: u32 = 0;
        for (i, b) in frac
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(9)
            .enumerate()
        {
            let _ = i;
            nanos = nanos * 10 + u32::from(b - b'0');
        }
        if secs < 0 && nanos > 0 {
            return Self::from_secs_and_nanos(secs - 1, 1_000_000_000 - nanos);
        }
        Self::from_secs_and_nanos(secs, nanos)
    }
    /// Parses any of the three formats, leniently (as smithy clients do): RFC 3339 with any
    /// offset, an HTTP date, or epoch seconds.
    pub fn parse_lenient(s: &str) -> Option<Self> {
        Self::parse_rfc3339(s)
            .or_else(|| Self::parse_http_date(s))
            .or_else(|| Self::parse_epoch_seconds(s))
    }
    /// RFC 3339 in UTC, with the fraction of a second only when there is one, in as few digits
    /// as it needs (`2018-01-09T20:51:21Z`, `2018-01-09T20:51:21.123Z`).
    pub fn fmt_date_time(&self) -> String {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        push_fraction(&mut out, t.nanosecond());
        out.push('Z');
        out
    }
    /// An HTTP date (`Tue, 09 Jan 2018 20:51:21 GMT`); the fraction of a second is dropped.
    pub fn fmt_http_date(&self) -> String {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let day = DAYS
            .get(usize::from(t.weekday().number_days_from_monday()))
            .unwrap_or(&"Mon");
        let month = MONTHS
            .get(usize::from(u8::from(t.month())).saturating_sub(1))
            .unwrap_or(&"Jan");
        format!(
            "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            t.day(),
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
    /// The timestamp as text in `format`.
    pub fn fmt_as(&self, format: super::TimestampFormat) -> String {
        match format {
            super::TimestampFormat::DateTime => self.fmt_date_time(),
            super::TimestampFormat::HttpDate => self.fmt_http_date(),
            super::TimestampFormat::EpochSeconds => self.fmt_epoch_seconds(),
        }
    }
    /// Epoch seconds, with the fraction only when there is one (`1515531081.123`).
    pub fn fmt_epoch_seconds(&self) -> String {
        let secs = self.0.unix_timestamp();
        let nanos = self.0.nanosecond();
        let mut out = secs.to_string();
        push_fraction(&mut out, nanos);
        out
    }
}

fn push_fraction(out: &mut String, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let digits = format!("{nanos:09}");
    out.push('.');
    out.push_str(digits.trim_end_matches('0'));
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
        let back = DateTime::parse_epoch_seconds("1515531081.123").unwrap();
        assert_eq!(back.epoch_seconds(), 1515531081);
        assert_eq!(back.fmt_epoch_seconds(), "1515531081.123");
        assert_eq!(back.fmt_date_time(), "2018-01-09T20:51:21.123Z");
        assert_eq!(back.fmt_http_date(), "Tue, 09 Jan 2018 20:51:21 GMT");
    }
}
