//! The default transport: hyper 1 with a connection pool, rustls with the `ring` provider,
//! HTTP/1.1 and HTTP/2, proxies and extra CAs from the environment.
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::PROXY_AUTHORIZATION;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector, capture_connection};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::oneshot;
use tower_service::Service;

use super::HttpClient;
use super::connector::{ConnectTimeout, ProxyConnector};
use super::error::TransportBuildError;
use super::future::{ConnectionProbe, ResponseFuture, SendBody};
use super::proxy::ProxyConfig;
use super::tls::{self, CaSource};
use crate::body::Body;
use crate::error::SdkError;

/// Default of [`HyperTransportBuilder::connect_timeout`]: 3.1 s, the AWS SDK for Rust's value
/// (just over the classic 3 s TCP SYN retransmission interval).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Default of [`HyperTransportBuilder::read_timeout`]: 60 s, botocore's value. Long enough for
/// any AWS call that answers promptly (SQS long polls are at most 20 s); raise it or turn it
/// off for calls that wait on purpose, like a synchronous Lambda `Invoke` of a long function.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Default of [`HyperTransportBuilder::pool_idle_timeout`]: 90 s, hyper's and Go's value.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

type Connector = ConnectTimeout<HttpsConnector<ProxyConnector>>;

/// The hyper transport: sends a request over a pooled HTTP/1.1 or HTTP/2 connection and
/// returns the response head as soon as it arrives, with a body that streams from the
/// connection.
///
/// Cloning is cheap and shares the connection pool. Build one with
/// [`HyperTransport::builder`]; most code wants the [`HttpClient`] that
/// [`HyperTransportBuilder::build`] returns, or [`HttpClient::default`].
///
/// Requests must have an absolute URI (`https://host/path`): the endpoint is resolved in the
/// Serialize step, and a relative URI here is a [construction](crate::error::ErrorKind::Construction)
/// error. Failures map to [`SdkError`] kinds a retry classifier can use:
///
/// | failure | kind |
/// |---|---|
/// | refused, DNS, unreachable, proxy refused the tunnel | transport, [`Connect`](crate::error::TransportErrorKind::Connect) |
/// | connect step longer than `connect_timeout` | [timeout](crate::error::ErrorKind::Timeout) |
/// | TLS handshake or certificate | transport, [`Tls`](crate::error::TransportErrorKind::Tls) |
/// | reset, closed, incomplete message (also while reading the body) | transport, [`Io`](crate::error::TransportErrorKind::Io) |
/// | no response head within `read_timeout` of sending | [timeout](crate::error::ErrorKind::Timeout) |
/// | unparseable response | [response](crate::error::ErrorKind::Response) |
///
/// An error while reading the response body arrives as the body's `BoxError`; it is an
/// [`SdkError`] and can be downcast to one.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<Connector, SendBody>,
    read_timeout: Option<Duration>,
    proxies: Option<Arc<Matcher>>,
}

impl HyperTransport {
    /// A builder with the defaults listed on [`HyperTransportBuilder`].
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::new()
    }
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("read_timeout", &self.read_timeout)
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl Service<http::Request<Body>> for HyperTransport {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), SdkError>> {
        // hyper-util's client is always ready: it checks a connection out of the pool, or
        // opens one, inside the call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: http::Request<Body>) -> ResponseFuture {
        let authority = match check_uri(req.uri()) {
            Ok(authority) => authority,
            Err(e) => return ResponseFuture::failed(e),
        };
        if req.uri().scheme_str() == Some("http") {
            self.add_proxy_authorization(&mut req);
        }
        let (sent_tx, read_timeout) = match self.read_timeout {
            Some(limit) => {
                let (tx, rx) = oneshot::channel();
                (Some(tx), Some((limit, rx)))
            }
            None => (None, None),
        };
        let mut req = req.map(|body| SendBody::new(body, sent_tx));
        let measure = req.extensions().get::<super::MeasureConnection>().is_some();
        let usage = req.extensions().get::<super::ConnectionUsage>().cloned();
        let probe = (measure || usage.is_some())
            .then(|| ConnectionProbe::new(capture_connection(&mut req), usage));
        ResponseFuture::waiting(self.client.request(req), authority, read_timeout, probe)
    }
}

impl HyperTransport {
    /// Requests to an `http://` target through a forward proxy carry the proxy's credentials
    /// (a CONNECT tunnel carries them itself).
    fn add_proxy_authorization(&self, req: &mut http::Request<Body>) {
        let Some(proxies) = &self.proxies else {
            return;
        };
        if req.headers().contains_key(PROXY_AUTHORIZATION) {
            return;
        }
        if let Some(auth) = proxies
            .intercept(req.uri())
            .and_then(|i| i.basic_auth().cloned())
        {
            req.headers_mut().insert(PROXY_AUTHORIZATION, auth);
        }
    }
}

/// The transport sends only absolute `http`/`https` URIs; anything else is a construction
/// error that names the URI and the likely cause.
fn check_uri(uri: &http::Uri) -> Result<http::uri::Authority, SdkError> {
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(authority)) => Ok(authority.clone()),
        (Some(scheme @ ("http" | "https")), None) => Err(SdkError::construction(format!(
            "request URI `{uri}` has the {scheme} scheme but no host"
        ))),
        (Some(scheme), _) => Err(SdkError::construction(format!(
            "request URI `{uri}` has the unsupported scheme `{scheme}`: the transport speaks http and https"
        ))),
        (None, _) => Err(SdkError::construction(format!(
            "request URI `{uri}` is not absolute: the transport needs a scheme and a host \
             (like https://s3.us-east-1.amazonaws.com{}); was the endpoint resolved?",
            uri.path_and_query().map_or("/", |p| p.as_str())
        ))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Versions {
    /// HTTP/1.1 for `http://`; ALPN `h2, http/1.1` for `https://`.
    Auto,
    /// HTTP/1.1 everywhere.
    Http1Only,
    /// HTTP/2 everywhere: prior knowledge (h2c) for `http://`, ALPN `h2` for `https://`.
    Http2Only,
}

/// Configures a [`HyperTransport`].
///
/// | setting | default |
/// |---|---|
/// | [`connect_timeout`](Self::connect_timeout) | [3.1 s](DEFAULT_CONNECT_TIMEOUT), covering TCP, proxy tunnel and TLS |
/// | [`read_timeout`](Self::read_timeout) | [60 s](DEFAULT_READ_TIMEOUT) from the end of sending to the response head |
/// | [`pool_idle_timeout`](Self::pool_idle_timeout) | [90 s](DEFAULT_POOL_IDLE_TIMEOUT) |
/// | [`pool_max_idle_per_host`](Self::pool_max_idle_per_host) | unlimited |
/// | HTTP versions | `https://`: ALPN offers `h2` and `http/1.1`; `http://`: HTTP/1.1 |
/// | [`proxy`](Self::proxy) | [`ProxyConfig::from_env`], read by `build()` |
/// | [`ca_bundle`](Self::ca_bundle) | the file named by `AWS_CA_BUNDLE`, read by `build()`, added to the webpki roots |
/// | TCP | `TCP_NODELAY` on; keep-alive probes after the pool idle timeout |
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::transport::{HyperTransport, ProxyConfig};
///
/// let client = HyperTransport::builder()
///     .connect_timeout(Duration::from_secs(1))
///     .read_timeout(Duration::from_secs(20))
///     .pool_max_idle_per_host(16)
///     .proxy(ProxyConfig::new()) // ignore HTTP_PROXY and friends
///     .build()?;
/// # Ok::<(), ziggurat_core::transport::TransportBuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    versions: Versions,
    proxy: Option<ProxyConfig>,
    ca_bundles: Vec<CaSource>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder::new()
    }
}

impl HyperTransportBuilder {
    /// A builder with the defaults in the table above.
    pub fn new() -> Self {
        HyperTransportBuilder {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
            versions: Versions::Auto,
            proxy: None,
            ca_bundles: Vec::new(),
        }
    }

    /// The longest the whole connect step may take: DNS, TCP (every address tried), the proxy
    /// tunnel and the TLS handshake. `None` waits as long as the operating system does.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// The longest to wait for the response head once the request, body included, has been
    /// sent. Time spent connecting or uploading does not count, and neither does reading the
    /// response body (bound that with an attempt timeout). This is Go's
    /// `ResponseHeaderTimeout`; a timeout around the whole call would fail a large upload on a
    /// slow link while it is still sending. `None` waits forever.
    pub fn read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.read_timeout = timeout.into();
        self
    }

    /// How long an unused connection stays in the pool. `None` keeps it until the server
    /// closes it.
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = timeout.into();
        self
    }

    /// The most idle connections kept per host; `0` turns pooling off.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Speak only HTTP/1.1: over `https://` no ALPN is offered, so the server speaks
    /// HTTP/1.1. Undoes [`http2_prior_knowledge`](Self::http2_prior_knowledge).
    pub fn http1_only(mut self) -> Self {
        self.versions = Versions::Http1Only;
        self
    }

    /// Speak only HTTP/2: over `http://` without negotiation ("prior knowledge", h2c), over
    /// `https://` offering only `h2` in ALPN. For servers known to speak HTTP/2; a server that
    /// does not fails the request. Undoes [`http1_only`](Self::http1_only).
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.versions = Versions::Http2Only;
        self
    }

    /// Which requests go through a proxy. Without this, `build()` reads `HTTP_PROXY`,
    /// `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`; `ProxyConfig::new()` turns proxies off.
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Trusts the certificate authorities of a PEM file, in addition to the webpki roots.
    /// Replaces `AWS_CA_BUNDLE`; can be called more than once. The file is read by `build()`.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundles.push(CaSource::File(path.into()));
        self
    }

    /// Like [`ca_bundle`](Self::ca_bundle), from PEM bytes in memory.
    pub fn ca_bundle_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.ca_bundles.push(CaSource::Pem(Arc::from(pem.as_ref())));
        self
    }

    /// Builds the transport and wraps it in an [`HttpClient`].
    ///
    /// Fails when a CA bundle cannot be read or holds no valid certificate, or a proxy URI is
    /// not an `http://` URI. Does not need a Tokio runtime; calls do.
    pub fn build(self) -> Result<HttpClient, TransportBuildError> {
        self.build_transport().map(HttpClient::from_service)
    }

    /// Builds the transport as its concrete type, for code that wraps it in layers itself.
    pub fn build_transport(self) -> Result<HyperTransport, TransportBuildError> {
        self.build_with_env(&|name| std::env::var(name).ok())
    }

    pub(crate) fn build_with_env(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HyperTransport, TransportBuildError> {
        let ca_bundles = if self.ca_bundles.is_empty() {
            env("AWS_CA_BUNDLE")
                .filter(|p| !p.trim().is_empty())
                .map(|p| vec![CaSource::File(PathBuf::from(p))])
                .unwrap_or_default()
        } else {
            self.ca_bundles
        };
        let tls = tls::client_config(&ca_bundles)?;
        let proxy = self
            .proxy
            .unwrap_or_else(|| ProxyConfig::from_env_with(|name| env(name)));
        let proxies = proxy.matcher()?.map(Arc::new);

        let mut http = HttpConnector::new();
        http.enforce_http(false); // the https connector above checks schemes
        http.set_nodelay(true);
        http.set_keepalive(self.pool_idle_timeout);
        let tcp = ProxyConnector::new(http, proxies.clone());

        let schemes = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let https = match self.versions {
            Versions::Auto => schemes.enable_http1().enable_http2().wrap_connector(tcp),
            Versions::Http1Only => schemes.enable_http1().wrap_connector(tcp),
            Versions::Http2Only => schemes.enable_http2().wrap_connector(tcp),
        };
        let connector = ConnectTimeout::new(https, self.connect_timeout);

        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .http2_only(self.versions == Versions::Http2Only);
        Ok(HyperTransport {
            client: builder.build(connector),
            read_timeout: self.read_timeout,
            proxies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn relative_uri_is_a_construction_error() {
        let err = check_uri(&"/bucket/key".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Construction);
        assert!(err.to_string().contains("is not absolute"), "{err}");
        let err = check_uri(&"ftp://host/x".parse().unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("unsupported scheme `ftp`"),
            "{err}"
        );
    }

    #[test]
    fn aws_ca_bundle_is_read_through_the_environment() {
        let env = |name: &str| (name == "AWS_CA_BUNDLE").then(|| "/no/such/bundle.pem".to_owned());
        let err = HyperTransport::builder()
            .proxy(ProxyConfig::new())
            .build_with_env(&env)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("could not read the CA bundle /no/such/bundle.pem"),
            "{err}"
        );
        // An explicit bundle replaces the variable.
        let pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        let err = HyperTransport::builder()
            .ca_bundle_pem(pem)
            .build_with_env(&env)
            .unwrap_err();
        assert!(err.to_string().contains("in-memory CA bundle"), "{err}");
    }

    #[test]
    fn proxy_variables_are_read_through_the_environment() {
        let env = |name: &str| (name == "HTTPS_PROXY").then(|| "socks5://proxy:1080".to_owned());
        let err = HyperTransport::builder().build_with_env(&env).unwrap_err();
        assert!(
            err.to_string().contains("HTTPS_PROXY uses the socks5://"),
            "{err}"
        );
    }

    #[test]
    fn builds_without_a_runtime() {
        let transport = HyperTransport::builder()
            .proxy(ProxyConfig::new())
            .build_with_env(&|_| None)
            .unwrap();
        assert!(format!("{transport:?}").starts_with("HyperTransport"));
    }
}
