//! The HTTP transport: the service at the bottom of the Deserialize step that sends a request
//! and returns the response.
//!
//! Everything above the transport works on `http::Request<Body>` and `http::Response<Body>`, so
//! the transport is simply a tower service of that shape, boxed once into the stack's
//! [`HttpService`](crate::stack::HttpService). [`HttpClient`] is the handle a
//! client keeps on it. Two transports come with the crate:
//!
//! - [`HyperTransport`], the default ([`HttpClient::default`]): hyper 1 over a connection
//!   pool, rustls with the `ring` provider and the webpki roots, HTTP/2 negotiated by ALPN on
//!   `https://`, `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` and `AWS_CA_BUNDLE` honoured, and a
//!   connect timeout (3.1 s) and read timeout (60 s) on by default, because a client that can
//!   hang forever on a dead connection is a bug waiting for production;
//! - [`TestTransport`], a mock that answers from [`Rule`]s or a replay script, records what it
//!   was sent, and has no network code, so a test cannot reach AWS by accident.
//!
//! # How this differs from the AWS SDK for Rust
//!
//! smithy-rs has its own transport traits (`HttpClient`, which hands out an `HttpConnector`
//! per set of connector settings) and its own request and body types, so a tower service
//! cannot be a transport there without an adapter. Here any
//! `Service<http::Request<Body>, Response = http::Response<Body>, Error = SdkError>` is a
//! transport ([`HttpClient::from_service`]), and tower-http's client layers wrap it directly.
//! Timeouts are settings of the transport rather than per-operation connector settings, and
//! the read timeout starts once the request has been *sent*, like Go's
//! `ResponseHeaderTimeout`: smithy-rs's read timeout wraps the whole call to the connector,
//! so a slow upload counts against it. The mocks are one type with three modes (rules,
//! replay, a fixed answer for benchmarks) instead of several clients
//! (`StaticReplayClient`, `infallible_client_fn`, `capture_request`).
//!
//! # Example
//!
//! ```
//! use tower::ServiceExt;
//! use ziggurat_core::body::Body;
//! use ziggurat_core::error::TransportErrorKind;
//! use ziggurat_core::transport::{HttpClient, Rule, TestTransport};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ziggurat_core::error::BoxError> {
//! let transport = TestTransport::new()
//!     .rule(Rule::get("/health").respond(200, &[("content-type", "text/plain")], "ok"));
//! let client: HttpClient = transport.clone().into_http_client();
//!
//! let req = http::Request::get("https://service.test/health").body(Body::empty())?;
//! let res = client.clone().oneshot(req).await?;
//! assert_eq!(res.into_body().collect().await?, "ok");
//!
//! // Nothing matches: an error, never a real request.
//! let req = http::Request::get("https://service.test/other").body(Body::empty())?;
//! let err = client.oneshot(req).await.unwrap_err();
//! assert_eq!(err.transport_kind(), Some(TransportErrorKind::Other));
//! assert_eq!(transport.requests().len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! The real transport is configured with a builder:
//!
//! ```no_run
//! use std::time::Duration;
//! use ziggurat_core::transport::HyperTransport;
//!
//! let client = HyperTransport::builder()
//!     .connect_timeout(Duration::from_secs(1))
//!     .read_timeout(Duration::from_secs(30))
//!     .ca_bundle("/etc/pki/corporate-ca.pem")
//!     .build()?;
//! # Ok::<(), ziggurat_core::transport::TransportBuildError>(())
//! ```

mod connector;
mod error;
mod future;
mod http_client;
mod hyper_transport;
mod proxy;
mod test_transport;
mod tls;
mod usage;

pub use error::TransportBuildError;
pub use future::ResponseFuture;
pub use http_client::HttpClient;
pub use hyper_transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_READ_TIMEOUT, HyperTransport,
    HyperTransportBuilder,
};
pub use proxy::ProxyConfig;
pub use usage::ConnectionUsage;

/// In a request's extensions, asks the transport how long the request waited for a
/// connection, to be answered with [`ConnectionWait`] in the response's extensions. The
/// orchestrator asks when a call records its timings (a meter provider, `zig --timing`); the
/// hyper transport answers, other transports may.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeasureConnection;

/// In a response's extensions: how long its request waited for a connection, from being
/// handed to the transport until a connection was ready for it (a pooled one at once; a new
/// one after connecting, the proxy tunnel and the TLS handshake). The Go SDK's
/// `client.http.connections.acquire_duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionWait(pub std::time::Duration);
pub use test_transport::{Rule, TestResponseFuture, TestTransport, When};
