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

/// What the response side of an operation reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    request_id: Option<String>,
    extended_request_id: Option<String>,
    attempts: u32,
    http_status: Option<u16>,
    server_time: Option<SystemTime>,
    timings: Option<Box<Timings>>,
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
        self.http_status
    }
    /// Sets the HTTP status.
    pub fn set_http_status(&mut self, status: u16) {
        self.http_status = Some(status);
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
        if self.http_status.is_none() {
            self.http_status = other.http_status;
        }
        if self.server_time.is_none() {
            self.server_time = other.server_time;
        }
        if self.timings.is_none() {
            self.timings = other.timings;
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
    /// The whole attempt, from its first entry to its result.
    pub total: Duration,
    /// Resolving the identity (credentials) to sign with.
    pub identity: Duration,
    /// Signing the request.
    pub signing: Duration,
    /// From handing the request to the transport to having the response head.
    pub wire: Duration,
    /// Reading and parsing the response.
    pub deserialization: Duration,
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
