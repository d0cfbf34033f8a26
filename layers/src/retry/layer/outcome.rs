//! How [`Retry`](super::Retry) turns an attempt's outcome into what a
//! [`RetryStrategy`](ziggurat_core::retry::RetryStrategy) judges.
//!
//! A strategy classifies an [`SdkError`] (with [`classify_error`](super::super::classify_error)
//! and the user's classifier), so the layer describes each outcome as one:
//!
//! - a response with status 400 or more is a service error ([`ApiError`]) whose code is the
//!   `x-amzn-ErrorType` header, else the body's: JSON `__type` / `code` (sanitized, as the
//!   awsJson protocols read it), XML `<Code>` (`<Error>`, `<ErrorResponse><Error>`,
//!   `<Response><Errors><Error>`), else one made from the status (`ServiceUnavailable`);
//!   the `x-amz-retry-after` header is its retry hint. Any other response is a success.
//! - an error of the inner service is taken as it is when it is an [`SdkError`] (ziggurat's
//!   transports); any other error is described by what its source chain holds: hyper's
//!   "connection closed before the message completed" and a canceled request, or an
//!   [`io::Error`](std::io::Error) for a refused, reset, aborted or broken connection, are
//!   transport failures (retried as transient), a timed-out one is a timeout; anything else
//!   is an error the built-in rules do not retry. The caller gets the original error back.
use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use http::HeaderName;
use ziggurat_core::error::{ApiError, BoxError, ErrorKind, SdkError, TransportErrorKind};
use ziggurat_core::hook::OperationOutput;
use ziggurat_core::metadata::Metadata;

use crate::protocol::{aws_json, code_from_status, query, request_id};

static X_AMZN_ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");
static X_AMZ_RETRY_AFTER: HeaderName = HeaderName::from_static("x-amz-retry-after");

/// What the strategy is shown for one attempt.
pub(super) type View = Result<OperationOutput, SdkError>;

/// A success, as the strategy sees it (no allocation: the output is a unit).
pub(super) fn success() -> View {
    Ok(OperationOutput {
        output: Box::new(()),
        metadata: Metadata::default(),
    })
}

/// Whether a response's body has to be read to find its error code.
pub(super) fn needs_body(parts: &http::response::Parts) -> bool {
    parts.status.as_u16() >= 400 && header_code(parts).is_none()
}

fn header_code(parts: &http::response::Parts) -> Option<&str> {
    let value = parts.headers.get(&X_AMZN_ERROR_TYPE)?.to_str().ok()?;
    Some(aws_json::sanitize_error_code(value)).filter(|c| !c.is_empty())
}

/// The view of a response whose body is `body` (empty when it was not read).
pub(super) fn response_view(parts: &http::response::Parts, body: &[u8]) -> View {
    let status = parts.status.as_u16();
    if status < 400 {
        return success();
    }
    let api = match (header_code(parts), body.trim_ascii_start().first()) {
        (Some(code), _) => ApiError::new(code, status).with_request_id(request_id(&parts.headers)),
        // awsJson reads the header first, then `__type` / `code` / `Code`.
        (None, Some(b'{')) => aws_json::parse_error(parts, body),
        // Every XML error document shape, as the query protocols read it.
        (None, Some(b'<')) => query::parse_error(parts, body),
        (None, _) => ApiError::new(code_from_status(parts.status), status)
            .with_request_id(request_id(&parts.headers)),
    };
    let mut error = SdkError::service(api).with_retry_after(retry_after(&parts.headers));
    error.metadata_mut().set_http_status(status);
    Err(error)
}

/// The server's retry hint: `x-amz-retry-after`, in milliseconds.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(&X_AMZ_RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_millis)
}

/// The view of a failed attempt, and the error to give back when it is not an [`SdkError`]
/// (the view is then a description of it). `otherwise` is what an error the chain says
/// nothing about counts as: "not retried" for the inner service's errors, a broken
/// connection for a response body that failed mid-way (as inside a stack).
pub(super) fn failure_view(error: BoxError, otherwise: Otherwise) -> (View, Option<BoxError>) {
    match error.downcast::<SdkError>() {
        Ok(sdk) => (Err(*sdk), None),
        Err(other) => {
            let view = describe(&*other, otherwise);
            (Err(view), Some(other))
        }
    }
}

/// What an error whose source chain says nothing useful counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Otherwise {
    /// An error the built-in rules do not retry.
    NotRetried,
    /// A connection that broke (retried as transient).
    Broken,
}

fn describe(error: &(dyn StdError + 'static), otherwise: Otherwise) -> SdkError {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(found) = describe_one(e) {
            return found;
        }
        cause = next_cause(e);
    }
    match otherwise {
        Otherwise::NotRetried => SdkError::transport(TransportErrorKind::Other, "request failed"),
        Otherwise::Broken => SdkError::transport(TransportErrorKind::Io, "the response broke off"),
    }
}

fn describe_one(e: &(dyn StdError + 'static)) -> Option<SdkError> {
    if let Some(sdk) = e.downcast_ref::<SdkError>() {
        // Nested inside another error: the same kind, without the details.
        return Some(match (sdk.kind(), sdk.transport_kind()) {
            (ErrorKind::Timeout, _) => SdkError::timeout("timed out"),
            (_, Some(kind)) => SdkError::transport(kind, "transport error"),
            _ => SdkError::response("request failed"),
        });
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>() {
        if h.is_timeout() {
            return Some(SdkError::timeout("hyper timed out"));
        }
        if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
            return Some(SdkError::transport(
                TransportErrorKind::Io,
                "connection closed before the response",
            ));
        }
        if h.is_parse() {
            return Some(SdkError::response("invalid HTTP response"));
        }
        // Otherwise its source (an I/O error) says more.
        return None;
    }
    let io = e.downcast_ref::<io::Error>()?;
    match io.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::NotConnected => Some(
            SdkError::transport(TransportErrorKind::Connect, "connection refused"),
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => Some(SdkError::transport(
            TransportErrorKind::Io,
            "connection broken",
        )),
        io::ErrorKind::TimedOut => Some(SdkError::timeout("i/o timed out")),
        _ => None,
    }
}

/// The next error of a chain. `io::Error::source` skips the error it wraps, so an
/// `io::Error` is opened with `get_ref`.
fn next_cause<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        return io.get_ref().map(|inner| inner as &(dyn StdError + 'static));
    }
    e.source()
}

/// The error a stopped retry loop returns for an attempt that failed with `original`, an
/// error the strategy saw as `view`: `original` inside an [`SdkError`] of the view's kind.
pub(super) fn rebuild(view: &SdkError, original: BoxError) -> SdkError {
    match (view.kind(), view.transport_kind()) {
        (ErrorKind::Timeout, _) => SdkError::timeout(original),
        (_, Some(kind)) => SdkError::transport(kind, original),
        (ErrorKind::Response, _) => SdkError::response(original),
        _ => SdkError::transport(TransportErrorKind::Other, original),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::retry::RetryKind;

    use crate::retry::classify_error;

    fn parts(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        match b.body(()) {
            Ok(r) => r.into_parts().0,
            Err(e) => panic!("{e}"),
        }
    }

    fn code(view: &View) -> Option<&str> {
        view.as_ref().err().and_then(SdkError::code)
    }

    #[test]
    fn error_codes_come_from_the_header_then_json_then_xml_then_the_status() {
        let p = parts(
            400,
            &[("x-amzn-ErrorType", "aws.proto#ThrottlingException:http://x")],
        );
        assert!(!needs_body(&p));
        assert_eq!(code(&response_view(&p, b"")), Some("ThrottlingException"));
        let p = parts(400, &[]);
        assert!(needs_body(&p));
        let json = br#" {"__type":"com.amazon.coral#TooManyRequestsException","message":"x"}"#;
        assert_eq!(
            code(&response_view(&p, json)),
            Some("TooManyRequestsException")
        );
        assert_eq!(
            code(&response_view(&p, br#"{"code":"SlowDown"}"#)),
            Some("SlowDown")
        );
        let s3 = b"<?xml version=\"1.0\"?><Error><Code>SlowDown</Code></Error>";
        assert_eq!(code(&response_view(&parts(503, &[]), s3)), Some("SlowDown"));
        let query = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code></Error></ErrorResponse>";
        assert_eq!(code(&response_view(&p, query)), Some("Throttling"));
        let ec2 = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>";
        assert_eq!(code(&response_view(&p, ec2)), Some("RequestLimitExceeded"));
        assert_eq!(
            code(&response_view(&parts(503, &[]), b"oops")),
            Some("ServiceUnavailable")
        );
        assert!(response_view(&parts(404, &[]), b"").is_err());
        assert!(response_view(&parts(304, &[]), b"").is_ok());
        assert!(!needs_body(&parts(200, &[])));
    }

    #[test]
    fn the_retry_hint_and_the_status_travel_with_the_view() {
        let p = parts(503, &[("x-amz-retry-after", "1500")]);
        let Err(e) = response_view(&p, b"") else {
            panic!("a 503 is an error");
        };
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        assert_eq!(e.metadata().http_status(), Some(503));
        assert_eq!(classify_error(&e), Some(RetryKind::Transient));
    }

    #[test]
    fn source_chains_are_described_by_their_causes() {
        let kind = |e: BoxError, otherwise| {
            let (view, original) = failure_view(e, otherwise);
            let e = view.err();
            (e.as_ref().and_then(classify_error), original.is_some())
        };
        let reset: BoxError = Box::new(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(
            kind(reset, Otherwise::NotRetried),
            (Some(RetryKind::Transient), true)
        );
        let wrapped: BoxError = Box::new(io::Error::other(io::Error::from(
            io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(
            kind(wrapped, Otherwise::NotRetried),
            (Some(RetryKind::Transient), true)
        );
        let slow: BoxError = Box::new(io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(
            kind(slow, Otherwise::NotRetried),
            (Some(RetryKind::Timeout), true)
        );
        let odd: BoxError = "something else".into();
        assert_eq!(kind(odd, Otherwise::NotRetried), (None, true));
        let odd: BoxError = "mid-body".into();
        assert_eq!(
            kind(odd, Otherwise::Broken),
            (Some(RetryKind::Transient), true)
        );
        let sdk: BoxError = Box::new(SdkError::<ApiError>::transport(
            TransportErrorKind::Connect,
            "refused",
        ));
        assert_eq!(
            kind(sdk, Otherwise::NotRetried),
            (Some(RetryKind::Transient), false)
        );
        let tls: BoxError = Box::new(SdkError::<ApiError>::transport(
            TransportErrorKind::Tls,
            "bad cert",
        ));
        assert_eq!(kind(tls, Otherwise::NotRetried), (None, false));
    }

    #[test]
    fn a_rebuilt_error_keeps_the_original_as_its_source() {
        let original: BoxError = Box::new(io::Error::from(io::ErrorKind::ConnectionReset));
        let view = SdkError::transport(TransportErrorKind::Io, "connection broken");
        let e = rebuild(&view, original);
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::Io));
        let source = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(
            source.map(io::Error::kind),
            Some(io::ErrorKind::ConnectionReset)
        );
    }
}
