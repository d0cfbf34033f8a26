//! The built-in retry classification shared by every mode: which errors are retried, and as
//! what kind.
//!
//! | rule | kind |
//! |---|---|
//! | a [throttling code](THROTTLING_ERROR_CODES) (`Throttling`, `SlowDown`, ...) | [`RetryKind::Throttling`] |
//! | a [transient code](TRANSIENT_ERROR_CODES) (`RequestTimeout`, `RequestTimeoutException`) | [`RetryKind::Transient`] |
//! | HTTP [500, 502, 503, 504](TRANSIENT_STATUS_CODES) | [`RetryKind::Transient`] |
//! | an error document in a 2xx response (S3's "200 with an error body") | [`RetryKind::Transient`] |
//! | connection refused, reset, closed before the response, incomplete message | [`RetryKind::Transient`] |
//! | a connect, read or attempt timeout | [`RetryKind::Timeout`] |
//! | anything else (construction, TLS, unparseable response, other 4xx) | not retried |
//!
//! ```
//! use ziggurat_core::error::{ApiError, SdkError, TransportErrorKind};
//! use ziggurat_core::retry::RetryKind;
//! use ziggurat_layers::retry::classify_error;
//!
//! let slow_down = SdkError::service(ApiError::new("SlowDown", 503));
//! assert_eq!(classify_error(&slow_down), Some(RetryKind::Throttling));
//! let reset = SdkError::transport(TransportErrorKind::Io, "connection reset");
//! assert_eq!(classify_error(&reset), Some(RetryKind::Transient));
//! let missing = SdkError::service(ApiError::new("NoSuchKey", 404));
//! assert_eq!(classify_error(&missing), None);
//! ```
use ziggurat_core::error::{ErrorKind, SdkError, TransportErrorKind};
use ziggurat_core::retry::RetryKind;

/// Error codes that mean "slow down", retried as [`RetryKind::Throttling`].
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes retried as [`RetryKind::Transient`].
pub const TRANSIENT_ERROR_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

/// HTTP statuses retried as [`RetryKind::Transient`] (429 is retried only through its code).
pub const TRANSIENT_STATUS_CODES: &[u16] = &[500, 502, 503, 504];

/// The built-in classification of an attempt's error; `None` when it is not retried.
pub fn classify_error(error: &SdkError) -> Option<RetryKind> {
    match error.kind() {
        ErrorKind::Timeout => Some(RetryKind::Timeout),
        ErrorKind::Transport => match error.transport_kind() {
            Some(TransportErrorKind::Connect | TransportErrorKind::Io) => {
                Some(RetryKind::Transient)
            }
            _ => None,
        },
        ErrorKind::Service => {
            let api = error.as_service_error()?;
            let code = api.code();
            if THROTTLING_ERROR_CODES.contains(&code) {
                Some(RetryKind::Throttling)
            } else if crate::sign::clock_skew::is_clock_skew_error(code)
                && server_clock_is_off(error)
            {
                // The signer has corrected its clock from this response's `Date`: another
                // attempt is signed with the server's time. A refused signature with the clocks
                // in step (a wrong secret) is not retried.
                Some(RetryKind::Transient)
            } else if TRANSIENT_ERROR_CODES.contains(&code)
                || TRANSIENT_STATUS_CODES.contains(&api.status())
                // An error document in a success response: S3 failed after sending 200.
                || (200..300).contains(&api.status())
            {
                Some(RetryKind::Transient)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether the failed response's `Date` is more than four minutes from local time.
fn server_clock_is_off(error: &SdkError) -> bool {
    let Some(server) = error.metadata().server_time() else {
        return false;
    };
    let now = std::time::SystemTime::now();
    let gap = server
        .duration_since(now)
        .or_else(|_| now.duration_since(server))
        .unwrap_or_default();
    gap > std::time::Duration::from_secs(4 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::error::ApiError;

    #[test]
    fn clock_skew_errors_are_retried_only_when_the_server_clock_is_off() {
        use std::time::{Duration, SystemTime};
        let refused = |server: Option<SystemTime>| {
            let mut e = SdkError::service(ApiError::new("RequestTimeTooSkewed", 403));
            if let Some(t) = server {
                e.metadata_mut().set_server_time(t);
            }
            classify_error(&e)
        };
        let now = SystemTime::now();
        assert_eq!(
            refused(Some(now + Duration::from_secs(20 * 60))),
            Some(RetryKind::Transient)
        );
        assert_eq!(
            refused(Some(now - Duration::from_secs(20 * 60))),
            Some(RetryKind::Transient)
        );
        assert_eq!(refused(Some(now + Duration::from_secs(30))), None);
        assert_eq!(refused(None), None);
        let mut wrong_secret = SdkError::service(ApiError::new("SignatureDoesNotMatch", 403));
        wrong_secret.metadata_mut().set_server_time(now);
        assert_eq!(classify_error(&wrong_secret), None);
    }

    #[test]
    fn every_listed_code_and_status() {
        for code in THROTTLING_ERROR_CODES {
            let e = SdkError::service(ApiError::new(*code, 400));
            assert_eq!(classify_error(&e), Some(RetryKind::Throttling), "{code}");
        }
        for code in TRANSIENT_ERROR_CODES {
            let e = SdkError::service(ApiError::new(*code, 400));
            assert_eq!(classify_error(&e), Some(RetryKind::Transient), "{code}");
        }
        for status in [500, 502, 503, 504, 200] {
            let e = SdkError::service(ApiError::new("InternalError", status));
            assert_eq!(classify_error(&e), Some(RetryKind::Transient), "{status}");
        }
        for status in [400, 403, 404, 429, 501, 505] {
            let e = SdkError::service(ApiError::new("Other", status));
            assert_eq!(classify_error(&e), None, "{status}");
        }
    }

    #[test]
    fn transport_timeouts_and_the_rest() {
        let t = |k| SdkError::transport(k, "x");
        assert_eq!(
            classify_error(&t(TransportErrorKind::Connect)),
            Some(RetryKind::Transient)
        );
        assert_eq!(classify_error(&t(TransportErrorKind::Tls)), None);
        assert_eq!(classify_error(&t(TransportErrorKind::Other)), None);
        assert_eq!(
            classify_error(&SdkError::timeout("slow")),
            Some(RetryKind::Timeout)
        );
        assert_eq!(classify_error(&SdkError::construction("bad")), None);
        assert_eq!(classify_error(&SdkError::response("garbled")), None);
    }
}
