//! [`HttpClient`]: the handle a client holds on its transport.
use std::any::Any;
use std::fmt;
use std::task::{Context, Poll};

use tower::util::BoxCloneSyncService;
use tower_service::Service;

use super::error::TransportBuildError;
use super::hyper_transport::HyperTransport;
use crate::body::Body;
use crate::error::SdkError;
use crate::stack::HttpService;

/// A cheap-to-clone handle on a transport: any
/// `Service<http::Request<Body>, Response = http::Response<Body>, Error = SdkError>`, boxed
/// once into the stack's [`HttpService`].
///
/// [`HttpClient::default`] is the [`HyperTransport`] with its defaults; tests use a
/// [`TestTransport`](super::TestTransport); anything else (a tower-http stack over another
/// client, a recording proxy) goes through [`HttpClient::from_service`].
///
/// `HttpClient` is itself a `Service`, so it can be called directly:
///
/// ```
/// use tower::ServiceExt;
/// use ziggurat_core::body::Body;
/// use ziggurat_core::transport::{HttpClient, TestTransport};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ziggurat_core::error::BoxError> {
/// let client: HttpClient = TestTransport::always(200, "hello").into_http_client();
/// let request = http::Request::get("https://example.com/").body(Body::empty())?;
/// let response = client.oneshot(request).await?;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.into_body().collect().await?, "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    service: HttpService,
    name: &'static str,
}

impl HttpClient {
    /// Wraps any transport service. An [`HttpService`] or another `HttpClient` is taken as it
    /// is, without boxing it again.
    pub fn from_service<S>(service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = SdkError>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        let name = std::any::type_name::<S>();
        let mut any: Box<dyn Any> = Box::new(service);
        if let Some(client) = any.downcast_mut::<HttpClient>() {
            return client.clone();
        }
        let service = match any.downcast::<HttpService>() {
            Ok(boxed) => *boxed,
            Err(any) => match any.downcast::<S>() {
                Ok(service) => BoxCloneSyncService::new(*service),
                // `any` was built from an `S` just above.
                Err(_) => unreachable!("the box holds an S"),
            },
        };
        HttpClient { service, name }
    }

    /// The transport as the stack's service type, borrowed.
    pub fn as_service(&self) -> &HttpService {
        &self.service
    }

    /// The transport as the stack's service type.
    pub fn into_service(self) -> HttpService {
        self.service
    }
}

impl Default for HttpClient {
    /// The [`HyperTransport`] with its defaults, reading proxies and `AWS_CA_BUNDLE` from the
    /// environment. If that configuration is unusable (say `AWS_CA_BUNDLE` names a missing
    /// file), every call fails with a construction error that says why, rather than
    /// panicking here; use [`HyperTransport::builder`] to see the error at build time.
    fn default() -> Self {
        match HyperTransport::builder().build() {
            Ok(client) => client,
            Err(error) => {
                tracing::warn!(%error, "the default HTTP transport could not be built");
                HttpClient::from_service(Unavailable(error))
            }
        }
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HttpClient").field(&self.name).finish()
    }
}

impl Service<http::Request<Body>> for HttpClient {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = <HttpService as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SdkError>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        self.service.call(req)
    }
}

/// The transport of a default client whose configuration could not be built.
#[derive(Clone)]
struct Unavailable(TransportBuildError);

impl Service<http::Request<Body>> for Unavailable {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = std::future::Ready<Result<http::Response<Body>, SdkError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
        std::future::ready(Err(SdkError::construction(self.0.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TestTransport;

    #[test]
    fn wrapping_a_client_or_a_boxed_service_does_not_box_again() {
        let client = TestTransport::always(204, "").into_http_client();
        let again = HttpClient::from_service(client.clone());
        assert_eq!(format!("{again:?}"), format!("{client:?}"));
        let from_boxed = HttpClient::from_service(client.clone().into_service());
        assert!(format!("{from_boxed:?}").starts_with("HttpClient("));
    }

    #[test]
    fn debug_names_the_transport() {
        let client = TestTransport::new().into_http_client();
        assert!(
            format!("{client:?}").contains("TestTransport"),
            "{client:?}"
        );
    }

    #[tokio::test]
    async fn unavailable_transport_reports_the_build_error_on_each_call() {
        use tower::ServiceExt;
        let err = TransportBuildError::new("could not read the CA bundle /x");
        let client = HttpClient::from_service(Unavailable(err));
        for _ in 0..2 {
            let req = http::Request::new(Body::empty());
            let e = client.clone().oneshot(req).await.unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Construction);
            assert!(e.to_string().contains("CA bundle /x"), "{e}");
        }
    }
}
