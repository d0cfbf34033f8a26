//! The standard and adaptive strategies in a stack, in virtual time: headers per attempt,
//! quota errors, unlimited attempts, backoff caps, extra codes and user classifiers, timeout
//! costs, the 2026 DynamoDB defaults, the adaptive rate limiter, and per-attempt timings.
//! (The debug events are checked in `retry_events.rs`, a binary of their own.)
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fixture::{SPEC, de, ser};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::{ErrorKind, SdkError};
use ziggurat_core::hook::OperationOutput;
use ziggurat_core::retry::{RetryAction, RetryBehavior, RetryKind, RetryStrategy};
use ziggurat_core::stack::{CompiledStack, Middleware, OperationSpec, Position, Stack, ids};
use ziggurat_core::time::{SharedSleep, Sleep, SleepFuture};
use ziggurat_core::transport::{Rule, TestTransport};
use ziggurat_layers::invocation_id::SetInvocationId;
use ziggurat_layers::retry::{REQUEST_INFO, SetRequestInfo, StandardRetry, TokenBucket};

static DYNAMODB: OperationSpec = OperationSpec {
    service: "DynamoDB",
    operation: "GetItem",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

#[derive(Clone, Default)]
struct Sleeps(Arc<Mutex<Vec<Duration>>>);

impl fmt::Debug for Sleeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeps")
    }
}

impl Sleep for Sleeps {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.lock().unwrap().push(d);
        Box::pin(tokio::time::sleep(d))
    }
}

impl Sleeps {
    fn taken(&self) -> Vec<Duration> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn stack(retry: impl RetryStrategy, sleeps: &Sleeps, transport: &TestTransport) -> CompiledStack {
    let mut s = Stack::new();
    s.serialize_mut()
        .add(
            ids::OPERATION_SERIALIZER,
            Middleware::operation_serializer(),
            Position::After,
        )
        .unwrap();
    s.build_mut()
        .add(
            ids::INVOCATION_ID,
            Middleware::request_hook(SetInvocationId),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(
            ids::RETRY,
            Middleware::retry(retry, SharedSleep::new(sleeps.clone())),
            Position::After,
        )
        .unwrap()
        .add(
            REQUEST_INFO,
            Middleware::request_hook(SetRequestInfo),
            Position::After,
        )
        .unwrap();
    s.deserialize_mut()
        .add(
            ids::OPERATION_DESERIALIZER,
            Middleware::operation_deserializer(),
            Position::After,
        )
        .unwrap();
    s.compile(transport.clone().into_http_client().into_service())
        .unwrap()
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

fn fail(status: u16, code: &'static str) -> Rule {
    Rule::any().times(1).respond(status, &[], code)
}

fn secs(s: &[f64]) -> Vec<Duration> {
    s.iter().map(|s| Duration::from_secs_f64(*s)).collect()
}

#[tokio::test(start_paused = true)]
async fn every_attempt_has_the_same_invocation_id_and_its_own_request_info() {
    let transport = TestTransport::new()
        .rule(fail(503, "ServiceUnavailable").times(2))
        .rule(Rule::any().respond(200, &[], ""));
    let sleeps = Sleeps::default();
    let c = stack(StandardRetry::new(), &sleeps, &transport);
    let out = call(&c, &SPEC).await.unwrap();
    assert_eq!(out.metadata.attempts(), 3);
    let sent = transport.requests();
    assert_eq!(sent.len(), 3);
    let ids: Vec<_> = sent
        .iter()
        .map(|r| r.headers()["amz-sdk-invocation-id"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let info: Vec<_> = sent
        .iter()
        .map(|r| r.headers()["amz-sdk-request"].clone())
        .collect();
    assert_eq!(
        info,
        ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    );
    // Jittered: rand[0,1) x 1 s, then x 2 s.
    let delays = sleeps.taken();
    assert!(
        delays[0] < Duration::from_secs(1) && delays[1] < Duration::from_secs(2),
        "{delays:?}"
    );

    // The next call gets a new id.
    call(&c, &SPEC).await.unwrap();
    let next = &transport.requests()[3];
    assert_ne!(next.headers()["amz-sdk-invocation-id"], ids[0]);
    assert_eq!(next.headers()["amz-sdk-request"], "attempt=1; max=3");
}

#[tokio::test(start_paused = true)]
async fn an_empty_bucket_fails_fast_with_the_last_error_as_source() {
    let transport = TestTransport::new().rule(Rule::any().respond(503, &[], "ServiceUnavailable"));
    let sleeps = Sleeps::default();
    let retry = StandardRetry::new().with_token_bucket(Arc::new(TokenBucket::new(4)));
    let c = stack(retry, &sleeps, &transport);
    let err = call(&c, &SPEC).await.unwrap_err();
    assert!(err.is_retry_quota_exceeded(), "{err}");
    assert_eq!(err.metadata().attempts(), 1);
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.code(), Some("ServiceUnavailable"));
    assert_eq!(
        err.to_string(),
        "operation error Svc: Op, retry quota exceeded, not retrying: service error ServiceUnavailable (status 503)"
    );
    let source = std::error::Error::source(&err).unwrap();
    assert_eq!(
        source.to_string(),
        "service error ServiceUnavailable (status 503)"
    );
    assert!(sleeps.taken().is_empty(), "no backoff before failing fast");
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn unlimited_attempts_stop_only_at_the_quota() {
    let transport = TestTransport::new().rule(Rule::any().respond(500, &[], "InternalError"));
    let sleeps = Sleeps::default();
    let retry = StandardRetry::new()
        .with_max_attempts(0)
        .with_token_bucket(Arc::new(TokenBucket::new(20)))
        .with_jitter(|| 1.0);
    let c = stack(retry, &sleeps, &transport);
    let err = call(&c, &SPEC).await.unwrap_err();
    assert!(err.is_retry_quota_exceeded());
    assert_eq!(err.metadata().attempts(), 5); // 4 retries of 5 tokens
    assert_eq!(sleeps.taken(), secs(&[1.0, 2.0, 4.0, 8.0]));
    let info: Vec<_> = transport
        .requests()
        .iter()
        .map(|r| r.headers()["amz-sdk-request"].clone())
        .collect();
    assert_eq!(info[0], "attempt=1");
    assert_eq!(info[4], "attempt=5");
}

#[tokio::test(start_paused = true)]
async fn max_backoff_caps_the_delay_before_jitter() {
    let transport = TestTransport::new().rule(Rule::any().respond(502, &[], "BadGateway"));
    let sleeps = Sleeps::default();
    let retry = StandardRetry::new()
        .with_max_attempts(6)
        .with_max_backoff(Duration::from_secs(3))
        .with_jitter(|| 0.5);
    let c = stack(retry, &sleeps, &transport);
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(err.metadata().attempts(), 6);
    assert_eq!(sleeps.taken(), secs(&[0.5, 1.0, 1.5, 1.5, 1.5]));
}

#[tokio::test(start_paused = true)]
async fn extra_codes_and_a_user_classifier_change_what_is_retried() {
    let retry = || {
        StandardRetry::new()
            .with_jitter(|| 1.0)
            .with_retryable_codes(["TableBusy"])
            .with_throttling_codes(["CoolDown"])
            .with_classifier(|_: &Context, e: &SdkError| match e.code() {
                Some("Custom") => RetryAction::Retry(RetryKind::Timeout),
                Some("InternalError") => RetryAction::DoNotRetry,
                _ => RetryAction::NoOpinion,
            })
    };
    for (status, code, retried) in [
        (400, "TableBusy", true),
        (400, "CoolDown", true),
        (400, "Custom", true),
        (500, "InternalError", false),
        (400, "ValidationException", false),
        (503, "ServiceUnavailable", true),
    ] {
        let transport = TestTransport::new()
            .rule(fail(status, code))
            .rule(Rule::any().respond(200, &[], ""));
        let sleeps = Sleeps::default();
        let r = retry();
        let bucket = r.token_bucket().clone();
        let c = stack(r, &sleeps, &transport);
        let result = call(&c, &SPEC).await;
        assert_eq!(result.is_ok(), retried, "{code}");
        assert_eq!(
            transport.requests().len(),
            if retried { 2 } else { 1 },
            "{code}"
        );
        if retried {
            // Taken for the retry, given back by its success.
            assert_eq!(bucket.available(), 500, "{code}");
            assert_eq!(sleeps.taken(), secs(&[1.0]), "{code}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_costs_ten_tokens_and_a_first_try_success_returns_one() {
    let bucket = Arc::new(TokenBucket::new(500));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let level = {
        let (bucket, seen) = (bucket.clone(), seen.clone());
        move |_: &http::Request<Body>| {
            seen.lock().unwrap().push(bucket.available());
            Err(SdkError::timeout("simulated read timeout"))
        }
    };
    let transport = TestTransport::new()
        .rule(Rule::any().times(2).respond_with(level))
        .rule(Rule::any().respond(200, &[], ""));
    let sleeps = Sleeps::default();
    let c = stack(
        StandardRetry::new().with_token_bucket(bucket.clone()),
        &sleeps,
        &transport,
    );
    call(&c, &SPEC).await.unwrap();
    // Attempt 1 saw 500; attempt 2 saw 490 (one timeout retry); the success gives back the
    // latest retry's 10 only.
    assert_eq!(*seen.lock().unwrap(), [500, 490]);
    assert_eq!(bucket.available(), 490);
    call(&c, &SPEC).await.unwrap();
    assert_eq!(bucket.available(), 491);
}

#[tokio::test(start_paused = true)]
async fn dynamodb_gets_four_attempts_and_a_25_ms_base_under_the_2026_rules() {
    let transport = TestTransport::new().rule(Rule::any().respond(500, &[], "InternalServerError"));
    let sleeps = Sleeps::default();
    let retry = StandardRetry::new()
        .with_behavior(RetryBehavior::New2026)
        .with_jitter(|| 1.0);
    let c = stack(retry.clone(), &sleeps, &transport);
    let err = call(&c, &DYNAMODB).await.unwrap_err();
    assert_eq!(err.metadata().attempts(), 4);
    assert_eq!(sleeps.taken(), secs(&[0.025, 0.05, 0.1]));
    assert_eq!(retry.token_bucket().available(), 500 - 3 * 14);
    // Other services keep 3 attempts and the 50 ms base; throttling uses 1 s.
    let err = call(&c, &SPEC).await.unwrap_err();
    assert_eq!(err.metadata().attempts(), 3);
    assert_eq!(sleeps.taken(), secs(&[0.05, 0.1]));
}

#[tokio::test(start_paused = true)]
async fn adaptive_mode_delays_every_call_of_the_client_after_a_throttle() {
    let transport = TestTransport::new()
        .rule(fail(400, "ThrottlingException"))
        .rule(Rule::any().respond(200, &[], ""));
    let sleeps = Sleeps::default();
    let retry = StandardRetry::adaptive().with_jitter(|| 1.0);
    let limiter = retry.rate_limiter().unwrap().clone();
    let c = stack(retry, &sleeps, &transport);
    assert!(!limiter.is_enabled());
    let out = call(&c, &SPEC).await.unwrap();
    assert_eq!(out.metadata.attempts(), 2);
    assert!(limiter.is_enabled());
    // A 1 s backoff, then a wait for a send token: the bucket refills at 0.5/s after the
    // throttle, and held 0.5 tokens after the backoff.
    assert_eq!(sleeps.taken(), secs(&[1.0, 1.0]));
    // A later call of the same client, even a first attempt, waits for a token too.
    let started = tokio::time::Instant::now();
    let out = call(&c, &SPEC).await.unwrap();
    assert_eq!(out.metadata.attempts(), 1);
    let waits = sleeps.taken();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0] > Duration::ZERO);
    assert_eq!(started.elapsed(), waits[0]);
}

#[tokio::test(start_paused = true)]
async fn the_retry_after_hint_is_read_from_failed_responses() {
    let transport = TestTransport::new()
        .rule(Rule::any().times(1).respond(
            503,
            &[("x-amz-retry-after", "250")],
            "ServiceUnavailable",
        ))
        .rule(Rule::any().respond(200, &[], ""));
    let sleeps = Sleeps::default();
    let c = stack(StandardRetry::new(), &sleeps, &transport);
    call(&c, &SPEC).await.unwrap();
    // Classic behaviour: the hint replaces the jittered backoff, capped at the max backoff.
    assert_eq!(sleeps.taken(), secs(&[0.25]));
}

#[tokio::test(start_paused = true)]
async fn timings_have_one_entry_per_attempt() {
    let transport = TestTransport::new()
        .rule(fail(500, "InternalError").times(2))
        .rule(Rule::any().respond(200, &[], ""));
    let mut s = Stack::new();
    s.serialize_mut()
        .add(
            ids::OPERATION_SERIALIZER,
            Middleware::operation_serializer(),
            Position::After,
        )
        .unwrap();
    ziggurat_layers::timing::enable(&mut s).unwrap();
    s.finalize_mut()
        .add(
            ids::RETRY,
            Middleware::retry(StandardRetry::new(), SharedSleep::new(Sleeps::default())),
            Position::After,
        )
        .unwrap();
    s.deserialize_mut()
        .add(
            ids::OPERATION_DESERIALIZER,
            Middleware::operation_deserializer(),
            Position::After,
        )
        .unwrap();
    let c = s
        .compile(transport.into_http_client().into_service())
        .unwrap();
    let out = call(&c, &SPEC).await.unwrap();
    assert_eq!(out.metadata.attempts(), 3);
    assert_eq!(out.metadata.timings().unwrap().attempts.len(), 3);
}
