//! The transport's errors: [`TransportBuildError`] for a configuration that cannot work, and
//! the mapping of hyper's errors into [`SdkError`] kinds that a retry classifier can use.
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::uri::Authority;

use crate::error::{BoxError, SdkError, TransportErrorKind};

/// Why [`HyperTransportBuilder::build`](super::HyperTransportBuilder::build) could not build a
/// transport: an unreadable or invalid CA bundle, an unusable proxy URI, or a TLS configuration
/// rustls rejects.
///
/// It is cheap to clone, so a client that failed to build can report the same error on every
/// call (see [`HttpClient::default`](super::HttpClient)).
///
/// ```
/// use ziggurat_core::transport::HyperTransport;
///
/// let err = HyperTransport::builder()
///     .ca_bundle("/definitely/not/here.pem")
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().starts_with("could not read the CA bundle /definitely/not/here.pem"));
/// ```
#[derive(Clone)]
pub struct TransportBuildError {
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl TransportBuildError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        TransportBuildError {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        TransportBuildError {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl fmt::Display for TransportBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TransportBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuildError")
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl StdError for TransportBuildError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The source of a transport [`SdkError`]: says what failed and where, with the innermost
/// cause in the message (hyper's own messages, like `client error (Connect)`, say too little),
/// and the full chain in `source()`.
pub(crate) struct TransportError {
    context: String,
    source: BoxError,
}

impl TransportError {
    pub(crate) fn new(context: String, source: BoxError) -> Self {
        TransportError { context, source }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, root_cause(&*self.source))
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("context", &self.context)
            .field("source", &self.source)
            .finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The whole connect step (TCP, proxy tunnel, TLS handshake) took longer than the connect
/// timeout.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut(pub(crate) Duration);

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the connect step (TCP, proxy, TLS) took longer than {:?}",
            self.0
        )
    }
}

impl StdError for ConnectTimedOut {}

/// No response head arrived within the read timeout after the request was sent.
#[derive(Debug)]
pub(crate) struct ReadTimedOut {
    pub(crate) authority: Authority,
    pub(crate) after: Duration,
}

impl fmt::Display for ReadTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no response from {} within {:?} after the request was sent",
            self.authority, self.after
        )
    }
}

impl StdError for ReadTimedOut {}

/// A proxy URI the transport cannot use, reported when a request would go through it.
#[derive(Debug)]
pub(crate) struct UnsupportedProxy(pub(crate) String);

impl fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "proxy {} is not supported: only http:// proxies are (CONNECT is used for https targets)",
            self.0
        )
    }
}

impl StdError for UnsupportedProxy {}

/// The next error in a chain. `io::Error::source` skips the error it wraps (it returns the
/// wrapped error's source), so an `io::Error` is opened with `get_ref` instead.
fn next_cause<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if let Some(inner) = io.get_ref() {
            return Some(inner);
        }
        return None;
    }
    err.source()
}

/// The first error of type `T` in the chain that starts at `err`, `err` included.
pub(crate) fn find_cause<'a, T: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cur = next_cause(e);
    }
    None
}

/// The innermost error of a chain: usually the one that says what actually happened
/// (`Connection refused (os error 111)`, `invalid peer certificate: UnknownIssuer`).
fn root_cause<'a>(err: &'a (dyn StdError + 'static)) -> &'a (dyn StdError + 'static) {
    let mut cur = err;
    while let Some(next) = next_cause(cur) {
        cur = next;
    }
    cur
}

/// Maps an error of hyper-util's client into the [`SdkError`] kind a retry classifier needs.
pub(crate) fn map_client_error(
    err: hyper_util::client::legacy::Error,
    authority: &Authority,
) -> SdkError {
    let root: &(dyn StdError + 'static) = &err;
    if find_cause::<ConnectTimedOut>(root).is_some() {
        let context = format!("could not connect to {authority}");
        return SdkError::timeout(TransportError::new(context, Box::new(err)));
    }
    if find_cause::<rustls::Error>(root).is_some() {
        let context = format!("TLS handshake with {authority} failed");
        return SdkError::transport(
            TransportErrorKind::Tls,
            TransportError::new(context, Box::new(err)),
        );
    }
    if err.is_connect() {
        let context = format!("could not connect to {authority}");
        return SdkError::transport(
            TransportErrorKind::Connect,
            TransportError::new(context, Box::new(err)),
        );
    }
    let Some(hyper_err) = find_cause::<hyper::Error>(root) else {
        let context = format!("request to {authority} failed");
        return SdkError::transport(
            TransportErrorKind::Other,
            TransportError::new(context, Box::new(err)),
        );
    };
    if hyper_err.is_timeout() {
        let context = format!("request to {authority} timed out");
        SdkError::timeout(TransportError::new(context, Box::new(err)))
    } else if hyper_err.is_parse() {
        let context = format!("{authority} sent an invalid HTTP response");
        SdkError::response(TransportError::new(context, Box::new(err)))
    } else if hyper_err.is_user() {
        // The request body failed while it was being sent (a file that shrank, a stream that
        // returned an error): nothing the connection did.
        let context = format!("sending the request body to {authority} failed");
        SdkError::transport(
            TransportErrorKind::Other,
            TransportError::new(context, Box::new(err)),
        )
    } else {
        let context = format!("connection to {authority} failed");
        SdkError::transport(
            TransportErrorKind::Io,
            TransportError::new(context, Box::new(err)),
        )
    }
}

/// Maps an error while reading a response body. It travels inside the body's `BoxError`, so a
/// caller can `downcast::<SdkError>()` it.
pub(crate) fn map_body_error(err: hyper::Error, authority: &Authority) -> BoxError {
    let sdk: SdkError = if err.is_timeout() {
        let context = format!("reading the response body from {authority} timed out");
        SdkError::timeout(TransportError::new(context, Box::new(err)))
    } else if err.is_parse() {
        let context = format!("{authority} sent an invalid response body");
        SdkError::response(TransportError::new(context, Box::new(err)))
    } else {
        let context = format!("reading the response body from {authority} failed");
        SdkError::transport(
            TransportErrorKind::Io,
            TransportError::new(context, Box::new(err)),
        )
    };
    Box::new(sdk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_cause_looks_inside_nested_io_errors() {
        let tls = rustls::Error::General("bad cert".into());
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let outer = std::io::Error::other(inner);
        let err: &(dyn StdError + 'static) = &outer;
        assert!(find_cause::<rustls::Error>(err).is_some());
        assert_eq!(root_cause(err).to_string(), "unexpected error: bad cert");
    }

    #[test]
    fn transport_error_names_context_and_innermost_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = TransportError::new("could not connect to a:1".into(), Box::new(io));
        assert_eq!(e.to_string(), "could not connect to a:1: refused");
        assert!(e.source().is_some());
    }
}
