//! The connector chain under hyper-util's pooled client:
//!
//! ```text
//! ConnectTimeout            one deadline for the whole connect step
//!  └ HttpsConnector          hyper-rustls: TLS + ALPN for https://, plain for http://
//!     └ ProxyConnector       direct TCP, or TCP to the proxy, or a CONNECT tunnel through it
//!        └ HttpConnector     hyper-util: DNS, happy eyeballs, TCP_NODELAY
//! ```
//!
//! The proxy step sits under TLS so that an `https://` target is tunnelled and TLS stays end
//! to end, and it marks a plain connection to a proxy as proxied so that the client writes
//! absolute-form request URIs on it.
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use super::error::{ConnectTimedOut, UnsupportedProxy};
use super::usage::ConnectionState;
use crate::error::BoxError;

type BoxConnecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// A TCP connection, direct or to a proxy.
pub(crate) struct ProxiedStream {
    io: TokioIo<TcpStream>,
    /// A plain connection to a forward proxy: requests on it use absolute-form URIs.
    forward_proxy: bool,
    /// Idle or acquired, for `client.http.connections.usage`; closed when this drops.
    state: ConnectionState,
}

impl ProxiedStream {
    fn new(io: TokioIo<TcpStream>, forward_proxy: bool) -> Self {
        ProxiedStream {
            io,
            forward_proxy,
            state: ConnectionState::default(),
        }
    }
}

impl Connection for ProxiedStream {
    fn connected(&self) -> Connected {
        self.io
            .connected()
            .proxy(self.forward_proxy)
            .extra(self.state.clone())
    }
}

impl Drop for ProxiedStream {
    fn drop(&mut self) {
        self.state.close();
    }
}

impl Read for ProxiedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for ProxiedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

/// Connects directly, or through the proxy the matcher picks for the target.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    proxies: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, proxies: Option<Arc<Matcher>>) -> Self {
        ProxyConnector { http, proxies }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = ProxiedStream;
    type Error = BoxError;
    type Future = BoxConnecting<ProxiedStream>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let intercept = self.proxies.as_ref().and_then(|m| m.intercept(&dst));
        let Some(proxy) = intercept else {
            let connecting = self.http.call(dst);
            return Box::pin(async move {
                let io = connecting.await?;
                Ok(ProxiedStream::new(io, false))
            });
        };
        let proxy_uri = proxy.uri().clone();
        if proxy_uri.scheme_str() != Some("http") {
            // Validated when the transport was built; kept as an error, never a bypass.
            let err = UnsupportedProxy(proxy_uri.to_string());
            return Box::pin(async move { Err(err.into()) });
        }
        if dst.scheme_str() == Some("https") {
            let mut tunnel = Tunnel::new(proxy_uri, self.http.clone());
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            Box::pin(async move {
                let io = tunnel.call(dst).await?;
                Ok(ProxiedStream::new(io, false))
            })
        } else {
            let connecting = self.http.call(proxy_uri);
            Box::pin(async move {
                let io = connecting.await?;
                Ok(ProxiedStream::new(io, true))
            })
        }
    }
}

/// One deadline for the whole connect step: TCP (every address happy eyeballs tries), the
/// proxy tunnel and the TLS handshake. A connection that is half open after the deadline is
/// dropped.
#[derive(Clone)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    timeout: Option<Duration>,
}

impl<C> ConnectTimeout<C> {
    pub(crate) fn new(inner: C, timeout: Option<Duration>) -> Self {
        ConnectTimeout { inner, timeout }
    }
}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxConnecting<C::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        let timeout = self.timeout;
        Box::pin(async move {
            match timeout {
                None => connecting.await.map_err(Into::into),
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(ConnectTimedOut(limit).into()),
                },
            }
        })
    }
}
