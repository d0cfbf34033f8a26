use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body::Frame;
use http_body_util::BodyExt;
use tower::{Layer, Service, ServiceExt, service_fn};
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, BoxError, RetryStop, SdkError, TransportErrorKind};
use ziggurat_core::metadata::Metadata;
use ziggurat_core::retry::{RetryConfig, RetryStrategy};

use super::*;
use crate::retry::{StandardRetry, TokenBucket};

type Reply = Result<http::Response<Body>, BoxError>;

/// A service answering call `n` (from 1) with `script(n, &request)`; it counts the calls and
/// keeps the `amz-sdk-request` values it saw.
#[derive(Clone)]
struct Scripted {
    calls: Arc<AtomicU32>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn new() -> Self {
        Scripted {
            calls: Arc::default(),
            seen: Arc::default(),
        }
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    fn request_info(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn service<B, F>(
        &self,
        script: F,
    ) -> impl Service<http::Request<B>, Response = http::Response<Body>, Error = BoxError>
    + Clone
    + use<B, F>
    where
        F: Fn(u32) -> Reply + Clone,
    {
        let (calls, seen) = (self.calls.clone(), self.seen.clone());
        service_fn(move |req: http::Request<B>| {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if let (Some(v), Ok(mut seen)) = (req.headers().get("amz-sdk-request"), seen.lock()) {
                seen.push(v.to_str().unwrap_or_default().to_owned());
            }
            let reply = script(n);
            async move { reply }
        })
    }
}

fn status(code: u16, body: &'static str) -> Reply {
    let mut res = http::Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(code)?;
    Ok(res)
}

fn with_header(reply: Reply, name: &'static str, value: &'static str) -> Reply {
    let mut res = reply?;
    res.headers_mut()
        .insert(name, HeaderValue::from_static(value));
    Ok(res)
}

fn attempts<B>(res: &http::Response<B>) -> Option<u32> {
    res.extensions().get::<Metadata>().map(Metadata::attempts)
}

fn retry_stop<B>(res: &http::Response<B>) -> Option<RetryStop> {
    res.extensions()
        .get::<Metadata>()
        .and_then(Metadata::retry_stop)
}

async fn text<B>(res: http::Response<ResponseBody<B>>) -> Result<Bytes, BoxError>
where
    B: http_body::Body,
    B::Error: Into<BoxError>,
{
    Ok(res
        .into_body()
        .collect()
        .await
        .map_err(Into::into)?
        .to_bytes())
}

fn full_backoff() -> StandardRetry {
    StandardRetry::new().with_jitter(|| 1.0)
}

fn sdk_error(e: &BoxError) -> Option<&SdkError> {
    e.downcast_ref::<SdkError>()
}

#[tokio::test(start_paused = true)]
async fn succeeds_after_two_transient_failures() -> Result<(), BoxError> {
    let script = Scripted::new();
    let retry = full_backoff();
    let bucket = retry.token_bucket().clone();
    let svc = RetryLayer::from_strategy(retry).layer(script.service(|n| match n {
        1 => status(500, "boom"),
        2 => status(503, "busy"),
        _ => status(200, "done"),
    }));
    let res = svc.oneshot(http::Request::new(Body::from("{}"))).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(attempts(&res), Some(3));
    assert_eq!(retry_stop(&res), None);
    assert_eq!(script.calls(), 3);
    assert_eq!(
        script.request_info(),
        ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    );
    // Two retries took 5 tokens each; the success gave the latest 5 back.
    assert_eq!(bucket.available(), 495);
    assert_eq!(text(res).await?, "done");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn backoff_in_virtual_time_stays_within_the_standard_bounds() -> Result<(), BoxError> {
    // Full jitter (factor 1): exactly 1 s, then 2 s.
    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(full_backoff()).layer(script.service(|n| {
        if n < 3 {
            status(503, "")
        } else {
            status(200, "")
        }
    }));
    let started = tokio::time::Instant::now();
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!(attempts(&res), Some(3));
    assert_eq!(started.elapsed(), Duration::from_secs(3));

    // Random jitter: never more than the full backoff; a cap bounds every wait.
    for _ in 0..20 {
        let script = Scripted::new();
        let svc = RetryLayer::standard().layer(script.service(|n| {
            if n < 3 {
                status(502, "")
            } else {
                status(200, "")
            }
        }));
        let started = tokio::time::Instant::now();
        svc.oneshot(http::Request::new(Body::empty())).await?;
        assert!(
            started.elapsed() <= Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    let capped = RetryConfig::standard()
        .with_max_attempts(10)
        .with_max_backoff(Duration::from_millis(50));
    let script = Scripted::new();
    let svc = RetryLayer::new(&capped).layer(script.service(|_| status(504, "")));
    let started = tokio::time::Instant::now();
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!((res.status().as_u16(), attempts(&res)), (504, Some(10)));
    assert!(started.elapsed() <= Duration::from_millis(9 * 50));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn throttling_storm_stops_when_the_token_bucket_is_empty() -> Result<(), BoxError> {
    let script = Scripted::new();
    let retry = full_backoff().with_max_backoff(Duration::from_millis(1));
    let bucket = retry.token_bucket().clone();
    let svc = RetryLayer::from_strategy(retry)
        .layer(script.service(|_| {
            with_header(status(400, "{}"), "x-amzn-ErrorType", "ThrottlingException")
        }));
    let mut calls = 0;
    let last = loop {
        calls += 1;
        assert!(calls <= 60, "the bucket never ran out");
        // Every clone shares the one bucket.
        let res = svc
            .clone()
            .oneshot(http::Request::new(Body::from("{}")))
            .await?;
        assert_eq!(res.status(), 400);
        if retry_stop(&res).is_some() {
            break res;
        }
        assert_eq!(attempts(&res), Some(3));
    };
    // 500 tokens, 5 a retry: 100 retries, two per call, then a call that fails fast.
    assert_eq!(calls, 51);
    assert_eq!(retry_stop(&last), Some(RetryStop::QuotaExceeded));
    assert_eq!(attempts(&last), Some(1));
    assert_eq!(bucket.available(), 0);
    assert_eq!(script.calls(), 50 * 3 + 1);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_bare_429_is_retried_as_throttling() -> Result<(), BoxError> {
    let script = Scripted::new();
    let svc = RetryLayer::standard().layer(script.service(|n| {
        if n < 3 {
            status(429, "slow down")
        } else {
            status(200, "")
        }
    }));
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!((res.status().as_u16(), attempts(&res)), (200, Some(3)));

    // Not a retryable code, not a retryable status: one attempt.
    let script = Scripted::new();
    let svc = RetryLayer::standard().layer(script.service(|_| status(404, "")));
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!(
        (res.status().as_u16(), attempts(&res), script.calls()),
        (404, Some(1), 1)
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn adaptive_mode_turns_the_shared_rate_limiter_on_at_the_first_throttle()
-> Result<(), BoxError> {
    let retry = StandardRetry::adaptive().with_jitter(|| 0.0);
    let limiter = retry
        .rate_limiter()
        .cloned()
        .ok_or("adaptive has a limiter")?;
    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(retry).layer(script.service(|n| match n {
        1 => status(
            400,
            r#"{"__type":"com.amazon.coral.availability#ThrottlingException"}"#,
        ),
        _ => status(200, "{}"),
    }));
    assert!(!limiter.is_enabled());
    let res = svc.oneshot(http::Request::new(Body::from("{}"))).await?;
    assert_eq!(attempts(&res), Some(2));
    assert!(limiter.is_enabled());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_non_replayable_body_is_sent_once_and_says_so() -> Result<(), BoxError> {
    let one_shot = || {
        let stream = http_body_util::Full::new(Bytes::from_static(b"streamed"));
        http::Request::new(Body::from_stream(stream))
    };
    let script = Scripted::new();
    let bucket = Arc::new(TokenBucket::default());
    let retry = full_backoff().with_token_bucket(bucket.clone());
    let layer = RetryLayer::from_strategy(retry);
    let svc = layer.layer(script.service(|_| status(503, "busy")));
    let res = svc.oneshot(one_shot()).await?;
    assert_eq!(res.status(), 503);
    assert_eq!(retry_stop(&res), Some(RetryStop::BodyNotRewindable));
    assert_eq!(attempts(&res), Some(1));
    assert_eq!(script.calls(), 1);
    assert_eq!(bucket.available(), 500, "no retry, no tokens");
    assert_eq!(text(res).await?, "busy");

    // A transport error: an error that names the reason, with the original as its source.
    let script = Scripted::new();
    let svc = layer.layer(script.service(|_| {
        Err(Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)) as BoxError)
    }));
    let err = svc
        .oneshot(one_shot())
        .await
        .err()
        .ok_or("the reset is an error")?;
    let sdk = sdk_error(&err).ok_or("an SdkError")?;
    assert_eq!(sdk.retry_stop(), Some(RetryStop::BodyNotRewindable));
    assert_eq!(sdk.transport_kind(), Some(TransportErrorKind::Io));
    assert_eq!(sdk.metadata().attempts(), 1);
    let original = std::error::Error::source(sdk.last_attempt_error().ok_or("the last error")?)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert_eq!(original, Some(std::io::ErrorKind::ConnectionReset));
    assert_eq!(script.calls(), 1);

    // A rewindable stream is replayed.
    let dir = std::env::temp_dir().join(format!("ziggurat-retry-{}", std::process::id()));
    std::fs::write(&dir, b"file body")?;
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    let svc = layer.layer(service_fn(move |req: http::Request<Body>| {
        let kept = kept.clone();
        async move {
            let bytes = req.into_body().collect().await?;
            let n = {
                let mut all = kept.lock().map_err(|_| "poisoned")?;
                all.push(bytes);
                all.len()
            };
            status(if n < 2 { 500 } else { 200 }, "")
        }
    }));
    let res = svc
        .oneshot(http::Request::new(Body::from_file(&dir).await?))
        .await?;
    let _ = std::fs::remove_file(&dir);
    assert_eq!(attempts(&res), Some(2));
    let bodies = bodies.lock().map_err(|_| "poisoned")?.clone();
    assert_eq!(bodies, ["file body", "file body"]);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn plain_clone_bodies_are_replayed() -> Result<(), BoxError> {
    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(full_backoff()).layer(script.service(|n| {
        if n < 2 {
            status(500, "")
        } else {
            status(200, "")
        }
    }));
    let res = svc
        .oneshot(http::Request::new(String::from("text")))
        .await?;
    assert_eq!(attempts(&res), Some(2));
    let svc = RetryLayer::from_strategy(full_backoff()).layer(Scripted::new().service(|n| {
        if n < 2 {
            status(500, "")
        } else {
            status(200, "")
        }
    }));
    let full = http_body_util::Full::new(Bytes::from_static(b"x"));
    let res = svc.oneshot(http::Request::new(full)).await?;
    assert_eq!(attempts(&res), Some(2));
    Ok(())
}

/// A body in several frames, with trailers.
struct Frames {
    frames: VecDeque<Frame<Bytes>>,
}

impl Frames {
    fn new(parts: &[&'static str], trailer: Option<&'static str>) -> Self {
        let mut frames: VecDeque<Frame<Bytes>> = parts
            .iter()
            .map(|p| Frame::data(Bytes::from_static(p.as_bytes())))
            .collect();
        if let Some(t) = trailer {
            let mut map = HeaderMap::new();
            map.insert("x-checksum", HeaderValue::from_static(t));
            frames.push_back(Frame::trailers(map));
        }
        Frames { frames }
    }
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.frames.pop_front().map(Ok))
    }
}

#[tokio::test(start_paused = true)]
async fn the_final_response_body_is_intact_after_it_was_read_to_classify_it() -> Result<(), BoxError>
{
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let inner = service_fn(move |_: http::Request<Body>| {
        let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            let body = match n {
                1 => Frames::new(&[r#"{"__type":"#, r#""SlowDown"}"#], None),
                _ => Frames::new(
                    &[r#"{"__type": "#, r#""ThrottlingException","#, r#""n":2}"#],
                    Some("abc"),
                ),
            };
            let mut res = http::Response::new(body);
            *res.status_mut() = if n == 1 {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            Ok::<_, Infallible>(res)
        }
    });
    let svc = RetryLayer::from_strategy(full_backoff().with_max_attempts(2)).layer(inner);
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!((res.status().as_u16(), attempts(&res)), (400, Some(2)));
    assert!(res.body().was_read());
    let collected = res.into_body().collect().await?;
    assert_eq!(
        collected.trailers().and_then(|t| t.get("x-checksum")),
        Some(&HeaderValue::from_static("abc"))
    );
    assert_eq!(
        collected.to_bytes(),
        r#"{"__type": "ThrottlingException","n":2}"#
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // A body longer than the limit: classified by its status, read only in part, and the
    // caller still reads all of it.
    let long = || {
        let mut res = http::Response::new(Frames::new(&["0123", "4567", "89"], Some("t")));
        *res.status_mut() = StatusCode::BAD_REQUEST;
        Ok::<_, Infallible>(res)
    };
    let svc = RetryLayer::standard()
        .with_error_body_limit(3)
        .layer(service_fn(
            move |_: http::Request<Body>| async move { long() },
        ));
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!(attempts(&res), Some(1));
    let collected = res.into_body().collect().await?;
    assert!(collected.trailers().is_some());
    assert_eq!(collected.to_bytes(), "0123456789");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn transport_errors_are_retried_and_other_errors_returned_as_they_are() -> Result<(), BoxError>
{
    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(full_backoff()).layer(script.service(|n| match n {
        1 => Err(Box::new(SdkError::<ApiError>::transport(
            TransportErrorKind::Connect,
            "refused",
        )) as BoxError),
        2 => Err(Box::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe)) as BoxError),
        _ => status(200, "ok"),
    }));
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!(attempts(&res), Some(3));

    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(full_backoff())
        .layer(script.service(|_| Err("no such host".into())));
    let err = svc
        .oneshot(http::Request::new(Body::empty()))
        .await
        .err()
        .ok_or("an error")?;
    assert_eq!(err.to_string(), "no such host");
    assert!(sdk_error(&err).is_none(), "the inner error, untouched");
    assert_eq!(script.calls(), 1);

    // Retries run out: the last error, with the attempts made.
    let script = Scripted::new();
    let svc = RetryLayer::from_strategy(full_backoff()).layer(script.service(|_| {
        Err(Box::new(SdkError::<ApiError>::transport(
            TransportErrorKind::Io,
            "reset",
        )) as BoxError)
    }));
    let err = svc
        .oneshot(http::Request::new(Body::empty()))
        .await
        .err()
        .ok_or("an error")?;
    let sdk = sdk_error(&err).ok_or("an SdkError")?;
    assert_eq!((sdk.retry_stop(), sdk.metadata().attempts()), (None, 3));
    Ok(())
}

/// A service that must be made ready before every call, like tower's `Buffer`: a clone starts
/// not ready.
struct Strict {
    ready: bool,
    calls: Arc<AtomicU32>,
}

impl Clone for Strict {
    fn clone(&self) -> Self {
        Strict {
            ready: false,
            calls: self.calls.clone(),
        }
    }
}

impl Service<http::Request<Body>> for Strict {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = std::future::Ready<Reply>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<Body>) -> Self::Future {
        if !std::mem::take(&mut self.ready) {
            return std::future::ready(Err("called without poll_ready".into()));
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(if n < 2 {
            status(503, "")
        } else {
            status(200, "")
        })
    }
}

#[tokio::test(start_paused = true)]
async fn every_attempt_readies_its_service_first() -> Result<(), BoxError> {
    let calls = Arc::new(AtomicU32::new(0));
    let mut svc = RetryLayer::from_strategy(full_backoff()).layer(Strict {
        ready: false,
        calls: calls.clone(),
    });
    let res = svc
        .ready()
        .await?
        .call(http::Request::new(Body::empty()))
        .await?;
    assert_eq!((res.status().as_u16(), attempts(&res)), (200, Some(3)));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn request_info_can_be_left_out_and_a_strategy_of_one_attempt_never_retries()
-> Result<(), BoxError> {
    let script = Scripted::new();
    let svc = RetryLayer::new(&RetryConfig::disabled())
        .without_request_info()
        .layer(script.service(|_| status(500, "")));
    let res = svc.oneshot(http::Request::new(Body::empty())).await?;
    assert_eq!((res.status().as_u16(), attempts(&res)), (500, Some(1)));
    assert!(script.request_info().is_empty());
    assert_eq!(RetryLayer::default().strategy().max_attempts(), 3);
    Ok(())
}

#[test]
fn the_service_and_its_future_are_send_for_send_parts() {
    fn is_send<T: Send>(_: &T) {}
    let inner = service_fn(|_: http::Request<Body>| async { status(200, "") });
    let mut svc = RetryLayer::standard().layer(inner);
    is_send(&svc);
    let call = svc.call(http::Request::new(Body::empty()));
    is_send(&call);
}
