//! One error type for every operation: [`SdkError`].
//!
//! An operation can fail in five different ways, and callers need to tell them apart without
//! parsing strings:
//!
//! | kind | meaning | example |
//! |---|---|---|
//! | [`ErrorKind::Construction`] | the request could not be built; nothing was sent | missing region, no credentials, invalid input |
//! | [`ErrorKind::Timeout`] | a time limit ran out | connect timeout, attempt timeout |
//! | [`ErrorKind::Transport`] | the connection failed | refused, reset, TLS |
//! | [`ErrorKind::Response`] | a response arrived but could not be understood | truncated XML |
//! | [`ErrorKind::Service`] | the service answered with an error | `NoSuchKey`, `ThrottlingException` |
//!
//! Like the Go SDK's `OperationError`, its `Display` names the service and the operation.
//! Service errors are [`ApiError`]s in the stack; typed operations convert them into
//! per-operation error enums with [`SdkError::map_service_error`].
//!
//! ```
//! use ziggurat_core::error::{ApiError, ErrorKind, Fault, SdkError};
//!
//! let api = ApiError::new("NoSuchKey", 404)
//!     .with_message("The specified key does not exist.")
//!     .with_fault(Fault::Client);
//! let err = SdkError::service(api).with_operation("S3", "GetObject");
//! assert_eq!(err.kind(), ErrorKind::Service);
//! assert_eq!(err.code(), Some("NoSuchKey"));
//! assert_eq!(
//!     err.to_string(),
//!     "operation error S3: GetObject, service error NoSuchKey: The specified key does not exist. (status 404)"
//! );
//! ```
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::metadata::Metadata;

/// A boxed, thread-safe error.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// What kind of failure an [`SdkError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built; nothing was sent.
    Construction,
    /// A time limit ran out.
    Timeout,
    /// The connection failed (connect, I/O, TLS).
    Transport,
    /// A response arrived but could not be understood.
    Response,
    /// The service answered with an error.
    Service,
    /// An interceptor failed ([`InterceptorError`](crate::interceptor::InterceptorError)).
    Interceptor,
}

/// How a transport failure happened, for retry classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (refused, DNS, unreachable).
    Connect,
    /// The connection broke while the request or the response was in flight.
    Io,
    /// The TLS handshake failed.
    Tls,
    /// Anything else.
    Other,
}

/// Who caused a service error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fault {
    /// The caller (HTTP 4xx).
    Client,
    /// The service (HTTP 5xx).
    Server,
    /// Not known.
    #[default]
    Unknown,
}

impl Fault {
    /// The fault implied by an HTTP status.
    pub fn from_status(status: u16) -> Fault {
        match status {
            400..=499 => Fault::Client,
            500..=599 => Fault::Server,
            _ => Fault::Unknown,
        }
    }
}

/// Why the retry loop stopped although the last error was retryable and attempts were left.
///
/// The error it returns then is a distinct [`SdkError`] that says why
/// ([`SdkError::retry_stop`]) and keeps the last attempt's error as its `source()` and in
/// [`SdkError::last_attempt_error`]; [`SdkError::kind`], [`SdkError::code`] and
/// [`SdkError::as_service_error`] still answer for that last error, so matching on a code keeps
/// working.
///
/// ```
/// use ziggurat_core::error::{ApiError, ErrorKind, RetryStop, SdkError};
///
/// let last: SdkError = SdkError::service(ApiError::new("SlowDown", 503));
/// let err = SdkError::retry_stopped(RetryStop::QuotaExceeded, last).with_operation("S3", "PutObject");
/// assert!(err.is_retry_quota_exceeded());
/// assert_eq!(err.kind(), ErrorKind::Service);
/// assert_eq!(err.code(), Some("SlowDown"));
/// assert_eq!(
///     err.to_string(),
///     "operation error S3: PutObject, retry quota exceeded, not retrying: service error SlowDown (status 503)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryStop {
    /// The client's retry quota (its token bucket) is empty: the call fails fast instead of
    /// adding load to a service that is already failing.
    QuotaExceeded,
    /// The error was retryable, but the request body is a stream that cannot be rewound, so
    /// the request was sent once.
    BodyNotRewindable,
}

impl fmt::Display for RetryStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RetryStop::QuotaExceeded => "retry quota exceeded, not retrying",
            RetryStop::BodyNotRewindable => {
                "not retried because the request body is a stream that cannot be rewound"
            }
        })
    }
}

/// Accessors that every service error offers.
pub trait ProvideErrorMetadata {
    /// The error code (`NoSuchKey`, `ResourceNotFoundException`).
    fn code(&self) -> Option<&str>;
    /// The message the service sent.
    fn message(&self) -> Option<&str>;
    /// The request id of the failed request.
    fn request_id(&self) -> Option<&str>;
}

/// An error answered by the service.
#[derive(Debug, Clone, Default)]
pub struct ApiError {
    code: String,
    message: Option<String>,
    fault: Fault,
    status: u16,
    request_id: Option<String>,
    host_id: Option<String>,
    /// The error's modeled structure, read by the operation's deserializer when the operation
    /// declares the code; taken by the operation's typed error.
    modeled: Option<ModeledError>,
}

/// A modeled error structure, shared between clones of its [`ApiError`].
#[derive(Clone)]
struct ModeledError(std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl fmt::Debug for ModeledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModeledError")
    }
}

/// Two errors are equal when what they say is equal; the modeled structure they carry is read
/// from the same response, so it is not compared.
impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.fault == other.fault
            && self.status == other.status
            && self.request_id == other.request_id
            && self.host_id == other.host_id
    }
}
impl Eq for ApiError {}

impl ApiError {
    /// An error with a code and an HTTP status; the fault follows from the status.
    pub fn new(code: impl Into<String>, status: u16) -> Self {
        ApiError {
            code: code.into(),
            message: None,
            fault: Fault::from_status(status),
            status,
            request_id: None,
            host_id: None,
            modeled: None,
        }
    }
    /// Attaches the error's modeled structure (read by the operation's deserializer).
    pub fn with_modeled(mut self, modeled: Box<dyn std::any::Any + Send + Sync>) -> Self {
        self.modeled = Some(ModeledError(std::sync::Arc::from(modeled)));
        self
    }
    /// The modeled structure, if it is a `T`.
    pub fn modeled<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.modeled.as_ref()?.0.downcast_ref::<T>()
    }
    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
    /// Sets the fault.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }
    /// Sets the request id.
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }
    /// Sets S3's host id (`x-amz-id-2`).
    pub fn with_host_id(mut self, id: Option<String>) -> Self {
        self.host_id = id;
        self
    }
    /// The error code.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Who caused the error.
    pub fn fault(&self) -> Fault {
        self.fault
    }
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// S3's host id (`x-amz-id-2`).
    pub fn host_id(&self) -> Option<&str> {
        self.host_id.as_deref()
    }
}

impl ProvideErrorMetadata for ApiError {
    fn code(&self) -> Option<&str> {
        Some(&self.code)
    }
    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        write!(f, " (status {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if let Some(id) = &self.host_id {
            write!(f, ", host id {id}")?;
        }
        f.write_str(")")
    }
}

impl StdError for ApiError {}

/// The error of every operation. `E` is the service error: [`ApiError`] inside the stack, a
/// per-operation enum for typed calls.
pub struct SdkError<E = ApiError> {
    inner: Box<Inner<E>>,
}

struct Inner<E> {
    kind: Repr<E>,
    service: Option<&'static str>,
    operation: Option<&'static str>,
    metadata: Metadata,
    retry_after: Option<Duration>,
}

enum Repr<E> {
    Construction(BoxError),
    Timeout(BoxError),
    Transport(TransportErrorKind, BoxError),
    Response(BoxError),
    Service(E),
    Interceptor(Box<crate::interceptor::InterceptorError>),
    RetryStopped(RetryStop, SdkError<E>),
}

impl<E> SdkError<E> {
    fn from_repr(kind: Repr<E>) -> Self {
        SdkError {
            inner: Box::new(Inner {
                kind,
                service: None,
                operation: None,
                metadata: Metadata::default(),
                retry_after: None,
            }),
        }
    }

    /// The request could not be built (bad input, missing region, no credentials).
    pub fn construction(source: impl Into<BoxError>) -> Self {
        Self::from_repr(Repr::Construction(source.into()))
    }
    /// A time limit ran out.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::from_repr(Repr::Timeout(source.into()))
    }
    /// The connection failed.
    pub fn transport(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self::from_repr(Repr::Transport(kind, source.into()))
    }
    /// A response could not be understood.
    pub fn response(source: impl Into<BoxError>) -> Self {
        Self::from_repr(Repr::Response(source.into()))
    }
    /// The service answered with an error.
    pub fn service(err: E) -> Self {
        Self::from_repr(Repr::Service(err))
    }
    /// One or more interceptors failed.
    pub fn interceptor(err: crate::interceptor::InterceptorError) -> Self {
        Self::from_repr(Repr::Interceptor(Box::new(err)))
    }
    /// The interceptor error, or the error itself when it is another kind.
    pub(crate) fn into_interceptor_error(
        self,
    ) -> Result<(crate::interceptor::InterceptorError, Metadata), Self> {
        let inner = *self.inner;
        match inner.kind {
            Repr::Interceptor(e) => Ok((*e, inner.metadata)),
            kind => Err(SdkError {
                inner: Box::new(Inner { kind, ..inner }),
            }),
        }
    }
    /// The interceptors' failures, when that is what ended the call.
    pub fn as_interceptor_error(&self) -> Option<&crate::interceptor::InterceptorError> {
        match &self.inner.kind {
            Repr::Interceptor(e) => Some(e),
            Repr::RetryStopped(_, last) => last.as_interceptor_error(),
            _ => None,
        }
    }

    /// The retry loop stopped early for `reason`: a distinct error that keeps `last` (the last
    /// attempt's error) as its source. The metadata (request id, attempts) and the operation
    /// names move to the new error.
    pub fn retry_stopped(reason: RetryStop, mut last: SdkError<E>) -> Self {
        let metadata = std::mem::take(&mut last.inner.metadata);
        let (service, operation) = (last.inner.service.take(), last.inner.operation.take());
        let mut err = Self::from_repr(Repr::RetryStopped(reason, last));
        err.inner.metadata = metadata;
        err.inner.service = service;
        err.inner.operation = operation;
        err
    }

    /// Names the service and operation, for `Display`.
    pub fn with_operation(mut self, service: &'static str, operation: &'static str) -> Self {
        self.inner.service = Some(service);
        self.inner.operation = Some(operation);
        self
    }
    /// Attaches metadata (request id, attempts, timings).
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.inner.metadata = metadata;
        self
    }

    /// Sets the server's hint of when to retry (the `x-amz-retry-after` header).
    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.inner.retry_after = after;
        self
    }

    /// What kind of failure this is. For an error that stopped the retry loop early
    /// ([`retry_stop`](SdkError::retry_stop)), the kind of the last attempt's error.
    pub fn kind(&self) -> ErrorKind {
        match &self.inner.kind {
            Repr::Construction(_) => ErrorKind::Construction,
            Repr::Timeout(_) => ErrorKind::Timeout,
            Repr::Transport(..) => ErrorKind::Transport,
            Repr::Response(_) => ErrorKind::Response,
            Repr::Interceptor(_) => ErrorKind::Interceptor,
            Repr::Service(_) => ErrorKind::Service,
            Repr::RetryStopped(_, last) => last.kind(),
        }
    }
    /// How the transport failed, for transport errors.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match &self.inner.kind {
            Repr::Transport(k, _) => Some(*k),
            Repr::RetryStopped(_, last) => last.transport_kind(),
            _ => None,
        }
    }
    /// Why the retry loop stopped early, when it did: the retry quota was empty, or the body
    /// could not be rewound. The last attempt's error is then
    /// [`last_attempt_error`](SdkError::last_attempt_error).
    pub fn retry_stop(&self) -> Option<RetryStop> {
        match &self.inner.kind {
            Repr::RetryStopped(reason, _) => Some(*reason),
            _ => None,
        }
    }
    /// Whether retrying stopped because the client's retry quota was empty.
    pub fn is_retry_quota_exceeded(&self) -> bool {
        self.retry_stop() == Some(RetryStop::QuotaExceeded)
    }
    /// The last attempt's error, when the retry loop stopped early
    /// ([`retry_stop`](SdkError::retry_stop)).
    pub fn last_attempt_error(&self) -> Option<&SdkError<E>> {
        match &self.inner.kind {
            Repr::RetryStopped(_, last) => Some(last),
            _ => None,
        }
    }
    /// The server's hint of when to retry (`x-amz-retry-after`, in milliseconds on the wire),
    /// when the failed response carried one.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.inner.kind {
            Repr::RetryStopped(_, last) => last.retry_after(),
            _ => self.inner.retry_after,
        }
    }
    /// Whether a time limit ran out.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }
    /// The service error, if the service answered with one (for an error that stopped the
    /// retry loop early, the last attempt's).
    pub fn as_service_error(&self) -> Option<&E> {
        match &self.inner.kind {
            Repr::Service(e) => Some(e),
            Repr::RetryStopped(_, last) => last.as_service_error(),
            _ => None,
        }
    }
    /// The service error, if the service answered with one (for an error that stopped the
    /// retry loop early, the last attempt's).
    pub fn into_service_error(self) -> Option<E> {
        match self.inner.kind {
            Repr::Service(e) => Some(e),
            Repr::RetryStopped(_, last) => last.into_service_error(),
            _ => None,
        }
    }
    /// The service name, once the error has left the stack.
    pub fn service_name(&self) -> Option<&'static str> {
        self.inner.service
    }
    /// The operation name, once the error has left the stack.
    pub fn operation_name(&self) -> Option<&'static str> {
        self.inner.operation
    }
    /// Request id, attempts and timings of the failed operation.
    pub fn metadata(&self) -> &Metadata {
        &self.inner.metadata
    }
    /// Mutable access to the metadata.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.inner.metadata
    }

    /// Converts the service error, keeping everything else.
    pub fn map_service_error<F, E2>(self, f: F) -> SdkError<E2>
    where
        F: FnOnce(E) -> E2,
    {
        let Inner {
            kind,
            service,
            operation,
            metadata,
            retry_after,
        } = *self.inner;
        let kind = match kind {
            Repr::Construction(e) => Repr::Construction(e),
            Repr::Timeout(e) => Repr::Timeout(e),
            Repr::Transport(k, e) => Repr::Transport(k, e),
            Repr::Response(e) => Repr::Response(e),
            Repr::Interceptor(e) => Repr::Interceptor(e),
            Repr::Service(e) => Repr::Service(f(e)),
            Repr::RetryStopped(reason, last) => {
                Repr::RetryStopped(reason, last.map_service_error(f))
            }
        };
        SdkError {
            inner: Box::new(Inner {
                kind,
                service,
                operation,
                metadata,
                retry_after,
            }),
        }
    }
}

impl<E: ProvideErrorMetadata> SdkError<E> {
    /// What kind of error this is, as telemetry names it (`error.type`, `exception.type`):
    /// the service's error code, or the kind of failure (`Timeout`, `TransportError`, ...).
    pub fn error_type(&self) -> &str {
        match self.kind() {
            ErrorKind::Service => self.code().unwrap_or("ServiceError"),
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Transport => "TransportError",
            ErrorKind::Construction => "ConstructionError",
            ErrorKind::Interceptor => "InterceptorError",
            ErrorKind::Response => "ResponseError",
        }
    }
    /// The service error code, if the service answered with an error.
    pub fn code(&self) -> Option<&str> {
        self.as_service_error().and_then(|e| e.code())
    }
    /// The service error message.
    pub fn message(&self) -> Option<&str> {
        self.as_service_error().and_then(|e| e.message())
    }
    /// The request id, from the service error or the response metadata.
    pub fn request_id(&self) -> Option<&str> {
        self.as_service_error()
            .and_then(|e| e.request_id())
            .or_else(|| self.inner.metadata.request_id())
    }
}

impl<E: fmt::Display> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(s), Some(o)) = (self.inner.service, self.inner.operation) {
            write!(f, "operation error {s}: {o}, ")?;
        }
        match &self.inner.kind {
            Repr::Construction(e) => write!(f, "failed to construct request: {e}"),
            Repr::Timeout(e) => write!(f, "timed out: {e}"),
            Repr::Transport(k, e) => {
                let what = match k {
                    TransportErrorKind::Connect => "connect error",
                    TransportErrorKind::Io => "i/o error",
                    TransportErrorKind::Tls => "tls error",
                    TransportErrorKind::Other => "transport error",
                };
                write!(f, "{what}: {e}")
            }
            Repr::Response(e) => write!(f, "could not read the response: {e}"),
            Repr::Interceptor(e) => write!(f, "{e}"),
            Repr::Service(e) => write!(f, "service error {e}"),
            Repr::RetryStopped(reason, last) => write!(f, "{reason}: {last}"),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SdkError");
        d.field("service", &self.inner.service)
            .field("operation", &self.inner.operation);
        match &self.inner.kind {
            Repr::Construction(e) => d.field("construction", e),
            Repr::Timeout(e) => d.field("timeout", e),
            Repr::Transport(k, e) => d.field("transport", &(k, e)),
            Repr::Response(e) => d.field("response", e),
            Repr::Interceptor(e) => d.field("interceptor", e),
            Repr::Service(e) => d.field("service_error", e),
            Repr::RetryStopped(reason, last) => d.field("retry_stopped", &(reason, last)),
        };
        d.field("metadata", &self.inner.metadata).finish()
    }
}

impl<E> StdError for SdkError<E>
where
    E: StdError + 'static,
{
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.inner.kind {
            Repr::Construction(e) | Repr::Timeout(e) | Repr::Response(e) => Some(e.as_ref()),
            Repr::Interceptor(e) => Some(e.as_ref()),
            Repr::Transport(_, e) => Some(e.as_ref()),
            Repr::Service(e) => Some(e),
            Repr::RetryStopped(_, last) => Some(last),
        }
    }
}

impl From<http::Error> for SdkError {
    /// A request that could not be assembled (an invalid header value or URI from the input)
    /// is a construction error.
    fn from(e: http::Error) -> Self {
        SdkError::construction(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_operation_and_kind() {
        let e: SdkError =
            SdkError::construction("no region is configured").with_operation("DynamoDB", "GetItem");
        assert_eq!(
            e.to_string(),
            "operation error DynamoDB: GetItem, failed to construct request: no region is configured"
        );
        assert_eq!(e.kind(), ErrorKind::Construction);
        assert!(e.as_service_error().is_none());
    }

    #[test]
    fn service_error_maps_to_typed_error() {
        #[derive(Debug, PartialEq)]
        enum Typed {
            NotFound,
            Other(String),
        }
        let api = ApiError::new("NoSuchKey", 404).with_request_id(Some("r1".into()));
        let e: SdkError = SdkError::service(api);
        assert_eq!(e.request_id(), Some("r1"));
        let typed = e.map_service_error(|a| {
            if a.code() == "NoSuchKey" {
                Typed::NotFound
            } else {
                Typed::Other(a.code().to_owned())
            }
        });
        assert_eq!(typed.into_service_error(), Some(Typed::NotFound));
    }

    #[test]
    fn source_chain_reaches_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e: SdkError = SdkError::transport(TransportErrorKind::Io, io);
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::Io));
        assert_eq!(e.source().unwrap().to_string(), "reset by peer");
    }

    #[test]
    fn retry_stopped_keeps_the_last_error_and_maps_it() {
        let last: SdkError = SdkError::service(ApiError::new("Throttling", 400))
            .with_retry_after(Some(Duration::from_millis(5)));
        let mut meta = Metadata::default();
        meta.set_attempts(2);
        let err = SdkError::retry_stopped(RetryStop::QuotaExceeded, last.with_metadata(meta));
        assert_eq!(err.metadata().attempts(), 2);
        assert_eq!(err.retry_after(), Some(Duration::from_millis(5)));
        assert_eq!(
            err.source().unwrap().to_string(),
            "service error Throttling (status 400)"
        );
        let typed = err.map_service_error(|a| a.code().len());
        assert_eq!(typed.retry_stop(), Some(RetryStop::QuotaExceeded));
        assert_eq!(typed.as_service_error(), Some(&10));
        let body: SdkError = SdkError::retry_stopped(
            RetryStop::BodyNotRewindable,
            SdkError::transport(TransportErrorKind::Io, "reset"),
        );
        assert_eq!(body.transport_kind(), Some(TransportErrorKind::Io));
        assert!(
            body.to_string()
                .contains("cannot be rewound: i/o error: reset")
        );
    }

    #[test]
    fn fault_follows_status() {
        assert_eq!(ApiError::new("X", 503).fault(), Fault::Server);
        assert_eq!(ApiError::new("X", 404).fault(), Fault::Client);
        assert_eq!(ApiError::new("X", 200).fault(), Fault::Unknown);
    }
}
