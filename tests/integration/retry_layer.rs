//! `RetryLayer` on its own, around a plain hyper-util client, against the scripted loopback
//! server: a 503 storm that the token bucket ends, connections reset and closed before the
//! response or in the middle of an error body, and a body that cannot be replayed. Backoff is
//! capped at a few milliseconds and every test is bounded by a timeout.
use crate::fault_server;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use fault_server::{Action, FaultServer};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::{Layer, Service, ServiceExt};
use ziggurat::layers::retry::{ResponseBody, Retry, RetryLayer, StandardRetry};
use ziggurat_core::body::Body;
use ziggurat_core::error::{BoxError, RetryStop, SdkError, TransportErrorKind};
use ziggurat_core::metadata::Metadata;

type Hyper = Client<HttpConnector, Body>;

/// Fails the test instead of hanging it.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(20), f).await {
        Ok(t) => t,
        Err(_) => panic!("the test took longer than 20 s"),
    }
}

fn hyper() -> Hyper {
    Client::builder(TokioExecutor::new()).build_http()
}

/// The standard strategy with the backoff capped at 2 ms.
fn fast() -> StandardRetry {
    StandardRetry::new().with_max_backoff(Duration::from_millis(2))
}

fn with_retries(strategy: StandardRetry) -> Retry<Hyper> {
    RetryLayer::from_strategy(strategy).layer(hyper())
}

fn post(server: &FaultServer, body: Body) -> http::Request<Body> {
    let mut req = http::Request::new(body);
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = match format!("{}/op", server.url()).parse() {
        Ok(uri) => uri,
        Err(e) => panic!("{e}"),
    };
    req
}

async fn send(
    svc: &mut Retry<Hyper>,
    req: http::Request<Body>,
) -> Result<http::Response<ResponseBody<hyper::body::Incoming>>, BoxError> {
    svc.ready().await?.call(req).await
}

fn metadata<B>(res: &http::Response<B>) -> Metadata {
    res.extensions()
        .get::<Metadata>()
        .cloned()
        .unwrap_or_default()
}

const SLOW_DOWN: &str =
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_storm_ends_when_the_token_bucket_is_empty() {
    bounded(async {
        let server = FaultServer::always(Action::respond(
            503,
            &[("content-type", "application/xml")],
            SLOW_DOWN,
        ))
        .await;
        let strategy = fast();
        let bucket = strategy.token_bucket().clone();
        let mut svc = with_retries(strategy);
        let mut calls = 0;
        let last = loop {
            calls += 1;
            assert!(calls <= 60, "the bucket never ran out");
            let res = send(&mut svc, post(&server, Body::from("{}")))
                .await
                .unwrap();
            assert_eq!(res.status(), 503);
            if metadata(&res).retry_stop().is_some() {
                break res;
            }
            assert_eq!(metadata(&res).attempts(), 3);
        };
        // 500 tokens, 5 a retry: 100 retries in 50 calls, then one attempt that fails fast.
        assert_eq!(calls, 51);
        assert_eq!(bucket.available(), 0);
        assert_eq!(server.request_count(), 50 * 3 + 1);
        let meta = metadata(&last);
        assert_eq!(
            (meta.retry_stop(), meta.attempts()),
            (Some(RetryStop::QuotaExceeded), 1)
        );
        // The error body was read to find `SlowDown`, and the caller still gets all of it.
        let body = last.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, SLOW_DOWN);
        let seen = server.requests();
        let info: Vec<_> = seen[..3]
            .iter()
            .map(|r| r.header("amz-sdk-request"))
            .collect();
        assert_eq!(
            info,
            [
                Some("attempt=1; max=3"),
                Some("attempt=2; max=3"),
                Some("attempt=3; max=3")
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_and_a_closed_connection_are_retried() {
    bounded(async {
        let server = FaultServer::start(|n, _| match n {
            0 => Action::Reset,
            1 => Action::Close,
            _ => Action::respond(200, &[], "done"),
        })
        .await;
        let mut svc = with_retries(fast());
        let res = send(&mut svc, post(&server, Body::from("payload")))
            .await
            .unwrap();
        assert_eq!((res.status().as_u16(), metadata(&res).attempts()), (200, 3));
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "done");
        let seen = server.requests();
        assert_eq!(seen.len(), 3);
        assert!(
            seen.iter().all(|r| r.body == b"payload"),
            "every attempt sent the body"
        );
        assert_eq!(server.connections(), 3, "a broken connection is not reused");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_body_cut_off_by_a_reset_is_retried() {
    bounded(async {
        let server = FaultServer::start(|n, _| match n {
            0 => Action::ResetMidBody {
                status: 500,
                declared: 4096,
                sent: 100,
            },
            _ => Action::respond(200, &[], "whole"),
        })
        .await;
        let mut svc = with_retries(fast());
        let res = send(&mut svc, post(&server, Body::empty())).await.unwrap();
        assert_eq!((res.status().as_u16(), metadata(&res).attempts()), (200, 2));
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "whole");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_cannot_be_replayed_is_sent_once() {
    bounded(async {
        let one_shot = || {
            let stream = http_body_util::Full::new(Bytes::from_static(b"streamed once"));
            Body::from_stream(stream)
        };
        // A retryable response: returned as it is, with the reason.
        let server = FaultServer::always(Action::respond(503, &[], "busy")).await;
        let strategy = fast();
        let bucket = strategy.token_bucket().clone();
        let mut svc = with_retries(strategy);
        let res = send(&mut svc, post(&server, one_shot())).await.unwrap();
        let meta = metadata(&res);
        assert_eq!(res.status(), 503);
        assert_eq!(
            (meta.retry_stop(), meta.attempts()),
            (Some(RetryStop::BodyNotRewindable), 1)
        );
        assert_eq!(server.request_count(), 1);
        assert_eq!(server.requests()[0].body, b"streamed once");
        assert_eq!(bucket.available(), 500, "nothing retried, nothing taken");
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "busy");

        // A reset: an error that says why it was not retried, around hyper's error.
        let server = FaultServer::always(Action::Reset).await;
        let err = send(&mut svc, post(&server, one_shot())).await.unwrap_err();
        let sdk = err.downcast_ref::<SdkError>().expect("an SdkError");
        assert_eq!(
            sdk.retry_stop(),
            Some(RetryStop::BodyNotRewindable),
            "{sdk}"
        );
        assert_eq!(sdk.transport_kind(), Some(TransportErrorKind::Io), "{sdk}");
        assert!(sdk.to_string().contains("cannot be rewound"), "{sdk}");
        let last = sdk.last_attempt_error().expect("the attempt's error");
        let hyper_error = std::error::Error::source(last)
            .and_then(|e| e.downcast_ref::<hyper_util::client::legacy::Error>());
        assert!(hyper_error.is_some(), "{last:?}");
        assert_eq!(server.request_count(), 1);
    })
    .await;
}
