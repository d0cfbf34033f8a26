//! Clock-skew correction: sign with the server's idea of the time once it says ours is off.
//!
//! AWS refuses a signature whose `x-amz-date` is more than 15 minutes from its own clock
//! (`RequestTimeTooSkewed`, `InvalidSignatureException: Signature expired`, ...). A machine
//! whose clock drifted would then fail every call. Like the AWS SDKs, the [`SigV4`](super::SigV4)
//! hook keeps a [`ClockSkew`]: when a response is a clock-skew error and its `Date` header is
//! more than 4 minutes from local time (as corrected so far), the offset becomes
//! `server time − local time`, and every later signature (the retry of the same call included)
//! uses local time plus that offset. The offset is shared by every clone of the hook, so one
//! client's calls all benefit.
//!
//! The error code is read when the hook can see it; where only the raw response is visible
//! (a standalone [`SigV4Layer`](super::SigV4Layer), or [`RecordClockSkew`] placed below the
//! deserializer) a 400, 401 or 403 with a far-off `Date` counts as a clock-skew error.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use ziggurat_layers::sign::clock_skew::ClockSkew;
//!
//! let skew = ClockSkew::new();
//! let local = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let server = local + Duration::from_secs(20 * 60);
//! assert!(skew.observe(403, Some("RequestTimeTooSkewed"), server, local));
//! assert_eq!(skew.apply(local), server);
//! // Not a clock-skew error: nothing changes.
//! assert!(!skew.observe(404, Some("NoSuchKey"), local, local));
//! ```
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, HttpResponse, RequestHook};

/// The stack id for [`RecordClockSkew`] in the Deserialize step, below
/// `OperationDeserializer`.
pub const RECORD_CLOCK_SKEW: &str = "RecordClockSkew";

/// How far the server's `Date` must be from local time before it is trusted over it.
pub const SKEW_THRESHOLD: Duration = Duration::from_secs(4 * 60);

/// The error codes that mean "your clock is off" (the list of the AWS SDKs).
pub const CLOCK_SKEW_ERROR_CODES: &[&str] = &[
    "RequestTimeTooSkewed",
    "RequestExpired",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "RequestInTheFuture",
];

/// Whether `code` is a clock-skew error code.
pub fn is_clock_skew_error(code: &str) -> bool {
    CLOCK_SKEW_ERROR_CODES.contains(&code)
}

/// A shared offset between the server's clock and the local one, in milliseconds.
///
/// Cloning shares the offset.
#[derive(Clone, Default)]
pub struct ClockSkew(Arc<AtomicI64>);

impl ClockSkew {
    /// No offset yet.
    pub fn new() -> Self {
        ClockSkew::default()
    }

    /// The offset (server minus local) in milliseconds; 0 until a skew was observed.
    pub fn offset_millis(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Sets the offset (server minus local) in milliseconds.
    pub fn set_offset_millis(&self, millis: i64) {
        self.0.store(millis, Ordering::Relaxed);
    }

    /// `local` corrected by the offset.
    pub fn apply(&self, local: SystemTime) -> SystemTime {
        shift(local, self.offset_millis())
    }

    /// Looks at one response: `status`, its error `code` when known, and the server time from
    /// its `Date` header, received at `local` time. When it is a clock-skew error (by code, or
    /// without a code by a 400, 401 or 403 status) and the server time is more than
    /// [`SKEW_THRESHOLD`] from the corrected local time, the offset is reset to
    /// `server − local`. Returns whether the offset changed.
    pub fn observe(
        &self,
        status: u16,
        code: Option<&str>,
        server: SystemTime,
        local: SystemTime,
    ) -> bool {
        let skew_error = match code {
            Some(code) => is_clock_skew_error(code),
            None => matches!(status, 400 | 401 | 403),
        };
        if !skew_error {
            return false;
        }
        let corrected = self.apply(local);
        let off_by = millis_between(corrected, server).unsigned_abs();
        if u128::from(off_by) <= SKEW_THRESHOLD.as_millis() {
            return false;
        }
        let offset = millis_between(local, server);
        tracing::debug!(
            offset_ms = offset,
            "server clock differs from local clock; signing with corrected time"
        );
        self.set_offset_millis(offset);
        true
    }

    /// Like [`observe`](Self::observe), reading the server time from the `Date` header.
    pub fn observe_headers(
        &self,
        status: u16,
        code: Option<&str>,
        headers: &HeaderMap,
        local: SystemTime,
    ) -> bool {
        match server_date(headers) {
            Some(server) => self.observe(status, code, server, local),
            None => false,
        }
    }
}

impl fmt::Debug for ClockSkew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClockSkew")
            .field(&Duration::from_millis(self.offset_millis().unsigned_abs()))
            .finish()
    }
}

/// `to − from` in milliseconds, saturating.
fn millis_between(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis())
            .map(|m| -m)
            .unwrap_or(i64::MIN),
    }
}

fn shift(t: SystemTime, millis: i64) -> SystemTime {
    let d = Duration::from_millis(millis.unsigned_abs());
    let shifted = if millis >= 0 {
        t.checked_add(d)
    } else {
        t.checked_sub(d)
    };
    shifted.unwrap_or(t)
}

/// The `Date` header of a response (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    parse_http_date(headers.get(http::header::DATE)?.to_str().ok()?)
}

/// Parses an IMF-fixdate (RFC 9110), the only form servers may send.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let b = s.trim().as_bytes();
    if b.len() != 29 || b.get(3) != Some(&b',') || !s.trim().ends_with(" GMT") {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(b.get(range)?).ok()?.parse().ok()
    };
    let day = num(5..7)?;
    let month = match b.get(8..11)? {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = num(12..16)?;
    let (hour, minute, second) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A hook that only records clock skew from raw responses, for the Deserialize step below
/// `OperationDeserializer`, where the response headers are visible. It shares its
/// [`ClockSkew`] with the [`SigV4`](super::SigV4) hook it came from
/// ([`SigV4::clock_skew_hook`](super::SigV4::clock_skew_hook)). It does nothing to requests.
#[derive(Debug, Clone)]
pub struct RecordClockSkew {
    skew: ClockSkew,
    time: ziggurat_core::time::SharedTimeSource,
}

/// [`RecordClockSkew`] as a standalone tower layer.
pub type RecordClockSkewLayer = HookLayer<RecordClockSkew>;

impl RecordClockSkew {
    /// Records into `skew`, comparing with `time`.
    pub fn new(skew: ClockSkew, time: ziggurat_core::time::SharedTimeSource) -> Self {
        RecordClockSkew { skew, time }
    }

    /// The offset it records into.
    pub fn skew(&self) -> &ClockSkew {
        &self.skew
    }
}

impl RequestHook for RecordClockSkew {
    fn on_request(&self, _: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        Ok(())
    }

    fn on_response(&self, res: &mut HttpResponse<'_>) {
        observe_response(&self.skew, &self.time, res);
    }
}

/// Records a response's skew when its status and `Date` header are visible.
pub(crate) fn observe_response(
    skew: &ClockSkew,
    time: &ziggurat_core::time::SharedTimeSource,
    res: &HttpResponse<'_>,
) {
    let Some(status) = res.status() else {
        return;
    };
    if status.as_u16() < 400 {
        return;
    }
    if let Some(headers) = res.headers() {
        skew.observe_headers(status.as_u16(), None, headers, time.now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_imf_fixdate() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(784_111_777));
        let t = parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_440_938_160));
        let t = parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_709_164_800));
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn corrects_only_clock_skew_errors_beyond_the_threshold() {
        let local = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let skew = ClockSkew::new();
        // Small skew: ignored.
        assert!(!skew.observe(
            403,
            Some("RequestTimeTooSkewed"),
            local + Duration::from_secs(200),
            local
        ));
        // Other errors: ignored.
        assert!(!skew.observe(
            403,
            Some("AccessDenied"),
            local + Duration::from_secs(3600),
            local
        ));
        assert!(!skew.observe(500, None, local + Duration::from_secs(3600), local));
        assert_eq!(skew.offset_millis(), 0);
        // Server 20 minutes behind.
        let server = local - Duration::from_secs(1200);
        assert!(skew.observe(400, Some("InvalidSignatureException"), server, local));
        assert_eq!(skew.offset_millis(), -1_200_000);
        assert_eq!(skew.apply(local), server);
        // Already corrected: the same complaint changes nothing.
        assert!(!skew.observe(403, None, server, local));
        // The server's clock was fixed: the offset goes back.
        assert!(skew.observe(403, Some("SignatureDoesNotMatch"), local, local));
        assert_eq!(skew.offset_millis(), 0);
        // Clones share the offset.
        let clone = skew.clone();
        clone.set_offset_millis(5);
        assert_eq!(skew.offset_millis(), 5);
    }
}
