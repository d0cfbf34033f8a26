//! The orchestrator's retry loop with small custom strategies, in virtual time: attempt
//! timeouts (with and without a tower layer after `Retry`), pre-attempt waits, bodies that
//! cannot be rewound, the retry-after hint, and cancellation while sending or sleeping.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use http::StatusCode;
use tower::util::BoxCloneSyncService;
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::{ApiError, ErrorKind, RetryStop, SdkError};
use ziggurat_core::hook::{OperationOutput, Output};
use ziggurat_core::retry::{
    NoRetry, RetryDecision, RetryState, RetryStrategy, TimeoutConfig, TimeoutError, TimeoutScope,
};
use ziggurat_core::stack::{
    CompiledStack, HttpService, Middleware, OperationSpec, Position, ResponseBody, Stack, ids,
};
use ziggurat_core::time::SharedSleep;

fn ser(
    _: &mut (dyn std::any::Any + Send),
    _: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    Ok(http::Request::post("http://test.local/op").body(Body::from("payload"))?)
}

fn ser_stream(
    _: &mut (dyn std::any::Any + Send),
    _: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    let chunks = futures_util::stream::iter(vec![Ok::<_, ziggurat_core::error::BoxError>(
        http_body::Frame::data(bytes::Bytes::from_static(b"streamed")),
    )]);
    Ok(http::Request::put("http://test.local/upload")
        .body(Body::from_stream(http_body_util::StreamBody::new(chunks)))?)
}

fn de(parts: http::response::Parts, _: ResponseBody, _: &mut Context) -> Result<Output, SdkError> {
    if parts.status.is_success() {
        Ok(Box::new(()))
    } else {
        Err(SdkError::service(ApiError::new(
            "ServerError",
            parts.status.as_u16(),
        )))
    }
}

static SPEC: OperationSpec = OperationSpec {
    service: "Test",
    operation: "Op",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

static STREAM_SPEC: OperationSpec = OperationSpec {
    service: "Test",
    operation: "Upload",
    serialize: ser_stream,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

/// Retries any error (up to `max` attempts) after `backoff`, and waits `wait` before every
/// attempt.
#[derive(Debug)]
struct Retries {
    max: u32,
    backoff: Duration,
    wait: Duration,
}

impl RetryStrategy for Retries {
    fn max_attempts(&self) -> u32 {
        self.max
    }
    fn before_attempt(&self, _: &Context, _: &mut RetryState) -> Duration {
        self.wait
    }
    fn decide(&self, _: &Context, r: &Result<OperationOutput, SdkError>) -> RetryDecision {
        match r {
            Err(_) => RetryDecision::RetryAfter(self.backoff),
            Ok(_) => RetryDecision::Stop,
        }
    }
}

fn retries(max: u32, backoff_ms: u64) -> Retries {
    Retries {
        max,
        backoff: Duration::from_millis(backoff_ms),
        wait: Duration::ZERO,
    }
}

/// A transport whose n-th call (from 0) waits `delays[n]` (the last one repeats), then
/// answers `statuses[n]` (200 when past the end), with a retry hint on failures.
fn transport(seen: Arc<AtomicU32>, delays: Vec<u64>, statuses: Vec<u16>) -> HttpService {
    BoxCloneSyncService::new(tower::service_fn(move |_req: http::Request<Body>| {
        let n = seen.fetch_add(1, Ordering::SeqCst) as usize;
        let delay = delays.get(n).or(delays.last()).copied().unwrap_or(0);
        let status = statuses.get(n).copied().unwrap_or(200);
        async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let mut res = http::Response::new(Body::empty());
            *res.status_mut() = StatusCode::from_u16(status).unwrap();
            if status >= 300 {
                res.headers_mut()
                    .insert("x-amz-retry-after", http::HeaderValue::from_static("250"));
            }
            Ok::<_, SdkError>(res)
        }
    }))
}

fn stack(retry: Middleware, layer_after_retry: bool) -> Stack {
    let mut s = Stack::new();
    s.serialize_mut()
        .add(
            ids::OPERATION_SERIALIZER,
            Middleware::operation_serializer(),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(ids::RETRY, retry, Position::After)
        .unwrap();
    if layer_after_retry {
        s.finalize_mut()
            .add(
                "PassThrough",
                Middleware::layer(tower::util::MapRequestLayer::new(
                    |r: http::Request<Body>| r,
                )),
                Position::After,
            )
            .unwrap();
    }
    s.deserialize_mut()
        .add(
            ids::OPERATION_DESERIALIZER,
            Middleware::operation_deserializer(),
            Position::After,
        )
        .unwrap();
    s
}

async fn call(
    c: &CompiledStack,
    spec: &'static OperationSpec,
) -> Result<OperationOutput, SdkError> {
    c.invoke(
        spec,
        Box::new(()),
        Context::new(spec.service, spec.operation),
    )
    .await
}

fn timed(strategy: Retries, limit_ms: u64) -> Middleware {
    Middleware::retry_with_timeout(
        strategy,
        SharedSleep::default(),
        Some(Duration::from_millis(limit_ms)),
    )
}

#[tokio::test(start_paused = true)]
async fn an_attempt_slower_than_its_timeout_is_cut_off_and_retried() {
    for layer in [false, true] {
        let seen = Arc::new(AtomicU32::new(0));
        let c = stack(timed(retries(3, 500), 1000), layer)
            .compile(transport(seen.clone(), vec![10_000, 10], vec![]))
            .unwrap();
        let start = tokio::time::Instant::now();
        let out = call(&c, &SPEC).await.unwrap();
        assert_eq!(out.metadata.attempts(), 2, "layer: {layer}");
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        // 1 s until the first attempt timed out, 0.5 s backoff, 10 ms for the second.
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(1510),
            "layer: {layer}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_times_out_the_error_says_so() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(timed(retries(2, 5_000), 200), false)
        .compile(transport(seen, vec![60_000], vec![]))
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.metadata().attempts(), 2);
    let source = std::error::Error::source(&err).unwrap();
    let timeout = source.downcast_ref::<TimeoutError>().unwrap();
    assert_eq!(timeout.scope(), TimeoutScope::Attempt);
    assert_eq!(
        err.to_string(),
        "operation error Test: Op, timed out: the attempt took longer than its timeout of 200ms"
    );
    // The backoff (5 s) does not count against the attempt timeout.
    assert_eq!(start.elapsed(), Duration::from_millis(5_400));
}

#[tokio::test(start_paused = true)]
async fn the_pre_attempt_wait_comes_before_every_attempt() {
    let seen = Arc::new(AtomicU32::new(0));
    let strategy = Retries {
        max: 3,
        backoff: Duration::from_millis(100),
        wait: Duration::from_millis(40),
    };
    let c = stack(Middleware::retry(strategy, SharedSleep::default()), false)
        .compile(transport(seen, vec![0], vec![503, 503]))
        .unwrap();
    let start = tokio::time::Instant::now();
    call(&c, &SPEC).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(3 * 40 + 2 * 100));
}

#[tokio::test(start_paused = true)]
async fn a_body_that_cannot_be_rewound_is_sent_once_and_the_error_says_why() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(
        Middleware::retry(retries(3, 10), SharedSleep::default()),
        false,
    )
    .compile(transport(seen.clone(), vec![0], vec![503]))
    .unwrap();
    let err = call(&c, &STREAM_SPEC).await.unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(err.retry_stop(), Some(RetryStop::BodyNotRewindable));
    assert_eq!(err.metadata().attempts(), 1);
    assert_eq!(err.as_service_error().map(|e| e.status()), Some(503));
    assert_eq!(
        err.to_string(),
        "operation error Test: Upload, not retried because the request body is a stream that \
         cannot be rewound: service error ServerError (status 503)"
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "service error ServerError (status 503)"
    );

    // With a single attempt allowed there is nothing to say: the plain error comes back.
    let c = stack(Middleware::retry(NoRetry, SharedSleep::default()), false)
        .compile(transport(Arc::default(), vec![0], vec![503]))
        .unwrap();
    let err = call(&c, &STREAM_SPEC).await.unwrap_err();
    assert_eq!(err.retry_stop(), None);
}

#[tokio::test(start_paused = true)]
async fn the_retry_after_header_rides_on_the_error() {
    let c = stack(Middleware::no_retry(), false)
        .compile(transport(Arc::default(), vec![0], vec![503]))
        .unwrap();
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_millis(250)));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_while_it_sleeps_stops_further_attempts() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(
        Middleware::retry(retries(5, 10_000), SharedSleep::default()),
        false,
    )
    .compile(transport(seen.clone(), vec![0], vec![503, 503, 503, 503]))
    .unwrap();
    let task = tokio::spawn(async move { call(&c, &SPEC).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_secs(1)).await; // in the first backoff
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_while_it_sends_drops_the_transport_future_at_once() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let never: HttpService =
        BoxCloneSyncService::new(tower::service_fn(move |_req: http::Request<Body>| {
            let guard = SetOnDrop(flag.clone());
            async move {
                let _guard = guard;
                std::future::pending::<Result<http::Response<Body>, SdkError>>().await
            }
        }));
    let c = stack(
        Middleware::retry(retries(3, 10), SharedSleep::default()),
        false,
    )
    .compile(never)
    .unwrap();
    let fut = call(&c, &SPEC);
    let outcome = tokio::time::timeout(Duration::from_secs(1), fut).await;
    assert!(outcome.is_err());
    assert!(dropped.load(Ordering::SeqCst));
}

fn ser_flaky_rewind(
    _: &mut (dyn std::any::Any + Send),
    _: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    // Opens once; every rewind fails (a file deleted after the first read).
    let opened = Arc::new(AtomicU32::new(0));
    let body = Body::from_rewindable_stream(move || {
        if opened.fetch_add(1, Ordering::SeqCst) > 0 {
            return Err("the source is gone".into());
        }
        let chunks = futures_util::stream::iter(vec![Ok::<_, ziggurat_core::error::BoxError>(
            http_body::Frame::data(bytes::Bytes::from_static(b"data")),
        )]);
        Ok(Body::from_stream(http_body_util::StreamBody::new(chunks)))
    })
    .map_err(SdkError::construction)?;
    Ok(http::Request::put("http://test.local/upload").body(body)?)
}

static FLAKY_REWIND_SPEC: OperationSpec = OperationSpec {
    service: "Test",
    operation: "Upload",
    serialize: ser_flaky_rewind,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

#[tokio::test(start_paused = true)]
async fn a_body_whose_rewind_fails_is_sent_once_and_says_why() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(
        Middleware::retry(retries(3, 10), SharedSleep::default()),
        false,
    )
    .compile(transport(seen.clone(), vec![0], vec![503]))
    .unwrap();
    let err = call(&c, &FLAKY_REWIND_SPEC).await.unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(err.retry_stop(), Some(RetryStop::BodyNotRewindable));
}

/// A transport whose bodies send `first`, then a chunk every `gap` (`chunks` in all), or
/// nothing more at all when `gap` is `None`.
fn trickling(seen: Arc<AtomicU32>, gap: Option<Duration>, chunks: usize) -> HttpService {
    BoxCloneSyncService::new(tower::service_fn(move |_req: http::Request<Body>| {
        seen.fetch_add(1, Ordering::SeqCst);
        let frames = futures_util::stream::unfold(0usize, move |n| async move {
            if n > 0 {
                match gap {
                    Some(gap) if n < chunks => tokio::time::sleep(gap).await,
                    Some(_) => return None,
                    None => std::future::pending::<()>().await,
                }
            }
            let frame = http_body::Frame::data(bytes::Bytes::from_static(b"chunk"));
            Some((Ok::<_, ziggurat_core::error::BoxError>(frame), n + 1))
        });
        let body = Body::from_stream(http_body_util::StreamBody::new(frames));
        async move { Ok::<_, SdkError>(http::Response::new(body)) }
    }))
}

#[tokio::test(start_paused = true)]
async fn a_response_body_that_stalls_times_out_and_is_retried() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(
        Middleware::retry(retries(2, 10), SharedSleep::default()),
        false,
    )
    .compile(trickling(seen.clone(), None, 0))
    .unwrap();
    let start = tokio::time::Instant::now();
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let source = std::error::Error::source(&err).unwrap();
    let timeout = source.downcast_ref::<TimeoutError>().unwrap();
    assert_eq!(timeout.scope(), TimeoutScope::ResponseBody);
    assert_eq!(start.elapsed(), Duration::from_millis(2 * 60_000 + 10));

    // Slow but steady (a chunk every 30 s) is fine.
    let c = stack(Middleware::no_retry(), false)
        .compile(trickling(Arc::default(), Some(Duration::from_secs(30)), 4))
        .unwrap();
    call(&c, &SPEC).await.unwrap();
}

/// Keeps a streamed response body as the output, for the caller to read.
fn de_streaming(
    _: http::response::Parts,
    body: ResponseBody,
    _: &mut Context,
) -> Result<Output, SdkError> {
    match body {
        ResponseBody::Streaming(body) => Ok(Box::new(body)),
        ResponseBody::Buffered(_) => Err(SdkError::response("expected a streamed body")),
    }
}

static DOWNLOAD_SPEC: OperationSpec = OperationSpec {
    service: "Test",
    operation: "Download",
    serialize: ser,
    deserialize: de_streaming,
    streaming_output: true,
    schema: None,
};

/// Reads a streamed output to its end: the chunks that arrived, and the error it ended with.
async fn read_download(c: &CompiledStack) -> (usize, Option<ziggurat_core::error::BoxError>) {
    use http_body_util::BodyExt;
    let out = call(c, &DOWNLOAD_SPEC).await.unwrap();
    let mut body = *out.output.downcast::<Body>().unwrap();
    let mut chunks = 0;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(_) => chunks += 1,
            Err(e) => return (chunks, Some(e)),
        }
    }
    (chunks, None)
}

#[tokio::test(start_paused = true)]
async fn a_streamed_body_that_stalls_ends_with_a_timeout_for_its_reader() {
    let seen = Arc::new(AtomicU32::new(0));
    let c = stack(Middleware::no_retry(), false)
        .compile(trickling(seen.clone(), None, 0))
        .unwrap();
    let start = tokio::time::Instant::now();
    let (chunks, err) = tokio::time::timeout(Duration::from_secs(3600), read_download(&c))
        .await
        .expect("the reader is not left waiting");
    assert_eq!(chunks, 1, "the first chunk arrived before the stall");
    let err = err.expect("the stall ends the body with an error");
    let sdk = err.downcast_ref::<SdkError>().unwrap();
    assert_eq!(sdk.kind(), ErrorKind::Timeout);
    let timeout = std::error::Error::source(sdk)
        .unwrap()
        .downcast_ref::<TimeoutError>()
        .unwrap();
    assert_eq!(timeout.scope(), TimeoutScope::ResponseBody);
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    // The call was made once: a body already handed to the caller is not retried.
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // Slow but steady (a chunk every 30 s) streams to its end.
    let c = stack(Middleware::no_retry(), false)
        .compile(trickling(Arc::default(), Some(Duration::from_secs(30)), 4))
        .unwrap();
    let (chunks, err) = read_download(&c).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(chunks, 4);
}

/// A stack with no retries and these limits on the retry entry.
fn limited(timeouts: TimeoutConfig, transport: HttpService) -> CompiledStack {
    stack(
        Middleware::retry_with_timeouts(NoRetry, SharedSleep::default(), timeouts),
        false,
    )
    .compile(transport)
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_response_body_idle_limit_is_configurable() {
    let five = TimeoutConfig::new().with_response_body_idle_timeout(Duration::from_secs(5));

    // Streamed to the caller: the read fails after 5 s of silence.
    let c = limited(five, trickling(Arc::default(), None, 0));
    let start = tokio::time::Instant::now();
    let (chunks, err) = read_download(&c).await;
    assert_eq!(chunks, 1);
    let err = err.expect("the stall ends the body");
    let sdk = err.downcast_ref::<SdkError>().unwrap();
    let timeout = std::error::Error::source(sdk)
        .and_then(|e| e.downcast_ref::<TimeoutError>())
        .unwrap();
    assert_eq!(timeout.limit(), Duration::from_secs(5));
    assert_eq!(start.elapsed(), Duration::from_secs(5));

    // Read whole: the attempt fails after 5 s of silence.
    let c = limited(five, trickling(Arc::default(), None, 0));
    let start = tokio::time::Instant::now();
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(5));

    // A limit above the gaps lets a body with 90 s pauses through, read whole or streamed.
    let patient = TimeoutConfig::new().with_response_body_idle_timeout(Duration::from_secs(120));
    let c = limited(
        patient,
        trickling(Arc::default(), Some(Duration::from_secs(90)), 3),
    );
    call(&c, &SPEC).await.unwrap();
    let c = limited(
        patient,
        trickling(Arc::default(), Some(Duration::from_secs(90)), 3),
    );
    let (chunks, err) = read_download(&c).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(chunks, 3);

    // No limit: a stalled body waits as long as its reader does.
    let c = limited(
        TimeoutConfig::new().with_response_body_idle_timeout(None),
        trickling(Arc::default(), None, 0),
    );
    let waited = tokio::time::timeout(Duration::from_secs(3600), read_download(&c)).await;
    assert!(waited.is_err(), "with no limit the body never times out");
}

#[tokio::test(start_paused = true)]
async fn a_slow_reader_of_a_streamed_body_is_not_timed_out() {
    use http_body_util::BodyExt;
    // Every chunk is ready at once; the reader waits far longer than the limit between reads.
    let c = stack(Middleware::no_retry(), false)
        .compile(trickling(Arc::default(), Some(Duration::ZERO), 3))
        .unwrap();
    let out = call(&c, &DOWNLOAD_SPEC).await.unwrap();
    let mut body = *out.output.downcast::<Body>().unwrap();
    let mut chunks = 0;
    while let Some(frame) = body.frame().await {
        frame.unwrap();
        chunks += 1;
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
    assert_eq!(chunks, 3);
}
