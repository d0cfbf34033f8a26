//! One bounded HTTP exchange, shared by the IMDS client and the container provider: the whole
//! attempt (connect, head, body) is bounded by a timeout whatever the [`HttpClient`] does, and
//! the body by a size limit, because both talk to endpoints that may be absent or hostile.
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use tower::ServiceExt;
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::transport::{HttpClient, HyperTransport, ProxyConfig, TransportBuildError};

/// The response of one attempt, its body read whole.
pub(crate) struct Response {
    pub(crate) status: http::StatusCode,
    pub(crate) body: Bytes,
}

/// Why one attempt failed without a response.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The attempt did not finish in time.
    Timeout(Duration),
    /// The transport failed (connection refused, reset, ...).
    Transport(SdkError),
    /// The body was larger than allowed, or broke off.
    Body(String),
}

impl Failure {
    /// Whether another attempt might succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        !matches!(self, Failure::Body(_))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout(d) => write!(f, "no response within {d:?}"),
            Failure::Transport(e) => write!(f, "the request failed: {e}"),
            Failure::Body(e) => write!(f, "the response body could not be read: {e}"),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Failure::Transport(e) => Some(e),
            _ => None,
        }
    }
}

/// The wait after failed attempt `attempt` (from 1): 100 ms, 200 ms, 400 ms, ... up to 3.2 s.
pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(50u64.saturating_mul(1 << attempt.clamp(1, 6)))
}

/// Sends `request` and reads the response, all within `timeout`, reading at most `max_body`
/// bytes of body.
pub(crate) async fn send(
    client: &HttpClient,
    request: http::Request<Body>,
    timeout: Duration,
    max_body: usize,
) -> Result<Response, Failure> {
    let exchange = async {
        let response = client
            .clone()
            .oneshot(request)
            .await
            .map_err(Failure::Transport)?;
        let status = response.status();
        let body = Limited::new(response.into_body(), max_body)
            .collect()
            .await
            .map_err(|e| Failure::Body(e.to_string()))?
            .to_bytes();
        Ok(Response { status, body })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Timeout(timeout)),
    }
}

/// The transport of a provider: the one it was given, or a default built for link-local
/// endpoints (short timeouts, never through a proxy). Building the default can fail (an
/// unreadable `AWS_CA_BUNDLE`); the error is then reported by each fetch.
#[derive(Clone, Debug)]
pub(crate) enum Transport {
    Ready(HttpClient),
    Broken(TransportBuildError),
}

impl Transport {
    pub(crate) fn default_with(connect: Duration, read: Duration) -> Self {
        match HyperTransport::builder()
            .connect_timeout(connect)
            .read_timeout(read)
            .proxy(ProxyConfig::new())
            .build()
        {
            Ok(client) => Transport::Ready(client),
            Err(e) => Transport::Broken(e),
        }
    }

    pub(crate) fn client(&self) -> Result<&HttpClient, &TransportBuildError> {
        match self {
            Transport::Ready(c) => Ok(c),
            Transport::Broken(e) => Err(e),
        }
    }
}
