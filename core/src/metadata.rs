//! Values that travel *up* the stack: request ids, attempts and timings.
//!
//! Every operation output and every [`SdkError`](crate::error::SdkError) carries a [`Metadata`],
//! so a caller can log the request id of a failed call as easily as that of a successful one.
//!
//! ```
//! use ziggurat_core::metadata::Metadata;
//!
//! let mut meta = Metadata::default();
//! meta.set_request_id("req-1");
//! assert_eq!(meta.request_id(), Some("req-1"));
//! assert_eq!(meta.attempts(), 0);
//! ```
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::RetryStop;

/// What the response side of an operation reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    request_id: Option<String>,
    extended_request_id: Option<String>,
    attempts: u32,
    // 0 when unset (no HTTP status is 0): with `retry_stop`, it fits beside `attempts` and
    // the struct stays 80 bytes.
    http_status: u16,
    server_time: Option<SystemTime>,
    timings: Option<Box<Timings>>,
    retry_stop: Option<RetryStop>,
}

impl Metadata {
    /// The service's request id (`x-amzn-RequestId`, `x-amz-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Sets the request id.
    pub fn set_request_id(&mut self, id: impl Into<String>) {
        self.request_id = Some(id.into());
    }
    /// The extended request id (S3's host id, `x-amz-id-2`).
    pub fn extended_request_id(&self) -> Option<&str> {
        self.extended_request_id.as_deref()
    }
    /// Sets the extended request id.
    pub fn set_extended_request_id(&mut self, id: impl Into<String>) {
        self.extended_request_id = Some(id.into());
    }
    /// How many attempts the operation made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Sets the attempt count.
    pub fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }
    /// The HTTP status of the last response, when one was received.
    pub fn http_status(&self) -> Option<u16> {
        Some(self.http_status).filter(|s| *s != 0)
    }
    /// Sets the HTTP status.
    pub fn set_http_status(&mut self, status: u16) {
        self.http_status = status;
    }
    /// The server's clock, from the `Date` header of the last response (clock-skew
    /// correction compares it with local time).
    pub fn server_time(&self) -> Option<SystemTime> {
        self.server_time
    }
    /// Sets the server's time.
    pub fn set_server_time(&mut self, time: SystemTime) {
        self.server_time = Some(time);
    }
    /// The timing breakdown, when the `Timing` middleware is in the stack.
    pub fn timings(&self) -> Option<&Timings> {
        self.timings.as_deref()
    }
    /// Sets the timing breakdown.
    pub fn set_timings(&mut self, timings: Timings) {
        self.timings = Some(Box::new(timings));
    }
    /// Why a retry loop returned a retryable result without retrying it (the request body
    /// could not be replayed, or the retry quota was empty). Set by
    /// `ziggurat_layers::retry::RetryLayer` on the final response it returns; inside a stack
    /// the same reason is the error's [`retry_stop`](crate::error::SdkError::retry_stop).
    pub fn retry_stop(&self) -> Option<RetryStop> {
        self.retry_stop
    }
    /// Sets why retrying stopped early.
    pub fn set_retry_stop(&mut self, reason: RetryStop) {
        self.retry_stop = Some(reason);
    }
    /// Fills every field of `self` that is unset from `other`.
    pub fn merge_missing(&mut self, other: Metadata) {
        if self.request_id.is_none() {
            self.request_id = other.request_id;
        }
        if self.extended_request_id.is_none() {
            self.extended_request_id = other.extended_request_id;
        }
        if self.attempts == 0 {
            self.attempts = other.attempts;
        }
        if self.http_status == 0 {
            self.http_status = other.http_status;
        }
        if self.server_time.is_none() {
            self.server_time = other.server_time;
        }
        if self.timings.is_none() {
            self.timings = other.timings;
        }
        if self.retry_stop.is_none() {
            self.retry_stop = other.retry_stop;
        }
    }
}

/// Outputs that carry the [`Metadata`] of the call that produced them.
pub trait HasMetadata {
    /// Request id, attempts, timings.
    fn response_metadata(&self) -> &Metadata;
    /// Sets the metadata (done by the client after deserialization).
    fn set_response_metadata(&mut self, metadata: Metadata);
}

/// Where the time of one operation went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timings {
    /// The whole operation, all attempts and backoff included.
    pub operation: Duration,
    /// Turning the input into an HTTP request.
    pub serialization: Duration,
    /// Resolving the endpoint.
    pub endpoint: Duration,
    /// One entry per attempt.
    pub attempts: Vec<AttemptTimings>,
}

/// Where the time of one attempt went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptTimings {
    /// When the attempt started, from the start of the operation (the gap after the previous
    /// attempt is its backoff).
    pub started: Duration,
    /// The whole attempt, from its first entry to its result.
    pub total: Duration,
    /// Resolving the identity (credentials) to sign with.
    pub identity: Duration,
    /// Signing the request.
    pub signing: Duration,
    /// From handing the request to the transport to having the response head.
    pub wire: Duration,
    /// Of [`wire`](Self::wire), the wait for a connection: a pooled one at once, a new one
    /// after connecting and the TLS handshake. `None` when the transport does not report it
    /// (see [`MeasureConnection`](crate::transport::MeasureConnection)).
    pub connection: Option<Duration>,
    /// Reading and parsing the response.
    pub deserialization: Duration,
}

impl Timings {
    /// The timings as a text waterfall, one line per stage, each with its start, its
    /// duration and a bar placed on the operation's time line (see [`Waterfall`]).
    pub fn waterfall(&self) -> Waterfall<'_> {
        Waterfall(self)
    }
}

/// [`Timings`] drawn as a text waterfall: where a slow call spent its time at a glance.
///
/// ```text
/// operation                  0.000 ms   400.000 ms |########################################|
///   serialization            0.000 ms     0.200 ms |#                                       |
///   endpoint                 0.200 ms     0.100 ms |#                                       |
///   attempt 1                0.300 ms    99.700 ms |##########                              |
///     identity               0.300 ms     0.000 ms |#                                       |
///     signing                0.300 ms     0.100 ms |#                                       |
///     wire (first byte)      0.400 ms    99.000 ms |##########                              |
///     body + parse          99.400 ms     0.500 ms |          #                             |
///   backoff                100.000 ms   200.000 ms |          ####################          |
///   attempt 2              300.000 ms   100.000 ms |                              ##########|
///     identity             300.000 ms     0.000 ms |                              #         |
///     signing              300.000 ms     0.100 ms |                              #         |
///     wire (first byte)    300.100 ms    99.600 ms |                              ##########|
///     body + parse         399.700 ms     0.300 ms |                                       #|
/// ```
///
/// An attempt's stages are drawn one after the other from its start (the time between them
/// went to other middleware); the gap between attempts is the retry backoff.
#[derive(Debug, Clone, Copy)]
pub struct Waterfall<'a>(&'a Timings);

impl fmt::Display for Waterfall<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WIDTH: usize = 40;
        let t = self.0;
        let total = t.operation.as_secs_f64().max(f64::MIN_POSITIVE);
        let line = |f: &mut fmt::Formatter<'_>, label: &str, start: Duration, len: Duration| {
            let at = ((start.as_secs_f64() / total) * WIDTH as f64).round() as usize;
            let at = at.min(WIDTH - 1);
            let width = (((len.as_secs_f64() / total) * WIDTH as f64).round() as usize)
                .clamp(1, WIDTH - at);
            let bar: String = (0..WIDTH)
                .map(|i| if i >= at && i < at + width { '#' } else { ' ' })
                .collect();
            writeln!(
                f,
                "{label:<22} {:>9.3} ms {:>9.3} ms |{bar}|",
                start.as_secs_f64() * 1e3,
                len.as_secs_f64() * 1e3
            )
        };
        line(f, "operation", Duration::ZERO, t.operation)?;
        line(f, "  serialization", Duration::ZERO, t.serialization)?;
        line(f, "  endpoint", t.serialization, t.endpoint)?;
        let mut previous_end: Option<Duration> = None;
        for (i, a) in t.attempts.iter().enumerate() {
            if let Some(end) = previous_end
                && a.started > end
            {
                line(f, "  backoff", end, a.started - end)?;
            }
            line(f, &format!("  attempt {}", i + 1), a.started, a.total)?;
            let mut at = a.started;
            if let Some(wait) = a.connection {
                // Part of the wire time: drawn where the wire time starts.
                line(
                    f,
                    "    connection",
                    a.started + a.identity + a.signing,
                    wait,
                )?;
            }
            for (label, len) in [
                ("    identity", a.identity),
                ("    signing", a.signing),
                ("    wire (first byte)", a.wire),
                ("    body + parse", a.deserialization),
            ] {
                line(f, label, at, len)?;
                at += len;
            }
            previous_end = Some(a.started + a.total);
        }
        Ok(())
    }
}

impl fmt::Display for Timings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operation {:?} (serialization {:?}",
            self.operation, self.serialization
        )?;
        for (i, a) in self.attempts.iter().enumerate() {
            write!(
                f,
                "; attempt {}: signing {:?}, wire {:?}, deserialization {:?}",
                i + 1,
                a.signing,
                a.wire,
                a.deserialization
            )?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod waterfall_tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_connection_wait_is_drawn_at_the_start_of_the_wire_time() {
        let t = Timings {
            operation: ms(100),
            attempts: vec![AttemptTimings {
                total: ms(100),
                signing: ms(10),
                wire: ms(80),
                connection: Some(ms(40)),
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = t.waterfall().to_string();
        let line = text
            .lines()
            .find(|l| l.starts_with("    connection"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("10.000 ms    40.000 ms"), "{line}");
        let bar = line.split('|').nth(1).unwrap_or_default();
        assert_eq!(
            bar,
            format!("{}{}{}", " ".repeat(4), "#".repeat(16), " ".repeat(20))
        );
        let without = Timings {
            attempts: vec![AttemptTimings::default()],
            ..t.clone()
        };
        assert!(!without.waterfall().to_string().contains("connection"));
    }

    #[test]
    fn the_waterfall_places_attempts_and_backoff_on_the_operation_time_line() {
        let t = Timings {
            operation: ms(400),
            serialization: ms(0),
            endpoint: ms(0),
            attempts: vec![
                AttemptTimings {
                    started: ms(0),
                    total: ms(100),
                    wire: ms(100),
                    ..Default::default()
                },
                AttemptTimings {
                    started: ms(300),
                    total: ms(100),
                    wire: ms(100),
                    ..Default::default()
                },
            ],
        };
        let text = t.waterfall().to_string();
        let bar = |label: &str| {
            let line = text
                .lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("{label}: {text}"));
            line.split('|').nth(1).unwrap_or_default().to_owned()
        };
        // 40 columns for 400 ms: 10 ms a column.
        assert_eq!(bar("operation"), "#".repeat(40));
        assert_eq!(
            bar("  attempt 1"),
            format!("{}{}", "#".repeat(10), " ".repeat(30))
        );
        assert_eq!(
            bar("  backoff"),
            format!("{}{}{}", " ".repeat(10), "#".repeat(20), " ".repeat(10))
        );
        assert_eq!(
            bar("  attempt 2"),
            format!("{}{}", " ".repeat(30), "#".repeat(10))
        );
        let backoff = text
            .lines()
            .find(|l| l.starts_with("  backoff"))
            .unwrap_or_default();
        assert!(
            backoff.contains(" 100.000 ms ") && backoff.contains(" 200.000 ms "),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + 2 + 5 + 1 + 5);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_stop_fits_without_growing_the_metadata() {
        assert!(std::mem::size_of::<Metadata>() <= 80);
        let mut m = Metadata::default();
        assert_eq!((m.http_status(), m.retry_stop()), (None, None));
        m.set_http_status(503);
        m.set_retry_stop(RetryStop::QuotaExceeded);
        let mut merged = Metadata::default();
        merged.merge_missing(m);
        assert_eq!(
            (merged.http_status(), merged.retry_stop()),
            (Some(503), Some(RetryStop::QuotaExceeded))
        );
    }
}
