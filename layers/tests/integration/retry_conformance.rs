//! Every case of the cross-SDK retry conformance data (`conformance/retry/smithy-kotlin-sep-cases`):
//! the classic standard mode, the 2026 standard behaviour (single calls, long polling, several
//! calls, concurrent calls) and the adaptive mode's CUBIC and end-to-end rate cases.
//!
//! The standard cases run through a real stack (serializer, `Retry`, `RequestInfo`,
//! deserializer) over a scripted transport, in tokio's paused virtual time. A recording sleep
//! checks each retry's delay and the bucket level at that moment; the call's result, the
//! number of requests sent and the final bucket level check the rest.
//!
//! The data is found through `ZIGGURAT_CONFORMANCE`, else `../shared/conformance` next to the
//! workspace; without it the tests print `SKIPPED` and pass.
use crate::fixture::de;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::OperationOutput;
use ziggurat_core::retry::RetryBehavior;
use ziggurat_core::stack::{Middleware, OperationSpec, Position, Stack, ids};
use ziggurat_core::time::{SharedSleep, Sleep, SleepFuture};
use ziggurat_core::transport::{Rule, TestTransport};
use ziggurat_layers::retry::{
    ClientRateLimiter, CubicCalculator, REQUEST_INFO, SetRequestInfo, StandardRetry, TokenBucket,
};

// ---------------------------------------------------------------------------------------------
// Finding the data.

fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ZIGGURAT_CONFORMANCE") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()?
            .join("../shared/conformance"),
    };
    let dir = dir.join("retry/smithy-kotlin-sep-cases");
    dir.is_dir().then_some(dir)
}

fn load(file: &str) -> Option<serde_json::Map<String, Value>> {
    let Some(dir) = conformance_dir() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: retry conformance data not found (set ZIGGURAT_CONFORMANCE)"
        );
        return None;
    };
    let text = std::fs::read_to_string(dir.join(file)).expect("read conformance file");
    let v: Value = serde_json::from_str(&text).expect("conformance JSON");
    Some(v["cases"].as_object().expect("cases").clone())
}

// ---------------------------------------------------------------------------------------------
// A stack with a scripted service: the status is the response's, the error code travels in the
// body.

fn ser(
    _: &mut (dyn std::any::Any + Send),
    ctx: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    let path = format!("/{}", ctx.get::<Lane>().map_or(0, |l| l.0));
    Ok(http::Request::post(format!("https://svc.test{path}")).body(Body::from("{}"))?)
}

static PLAIN: OperationSpec = OperationSpec {
    service: "Svc",
    operation: "Op",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

static LONG_POLL: OperationSpec = OperationSpec {
    service: "SQS",
    operation: "ReceiveMessage",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

/// Which concurrent call ("thread") a request belongs to: its path.
#[derive(Clone, Copy)]
struct Lane(usize);

/// Records every sleep with the bucket level at that moment, then sleeps in virtual time.
#[derive(Clone)]
struct RecordingSleep {
    bucket: Arc<TokenBucket>,
    log: Arc<Mutex<Vec<(Duration, u32)>>>,
}

impl fmt::Debug for RecordingSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordingSleep")
    }
}

impl Sleep for RecordingSleep {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.log.lock().unwrap().push((d, self.bucket.available()));
        Box::pin(tokio::time::sleep(d))
    }
}

fn response(step: &Value) -> (u16, Vec<(String, String)>, String) {
    let r = &step["response"];
    let status = r["status_code"].as_u64().expect("status") as u16;
    let headers = r["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let code = r["error_code"].as_str().unwrap_or_default().to_owned();
    (status, headers, code)
}

fn rule(lane: usize, step: &Value) -> Rule {
    let (status, headers, code) = response(step);
    let path = format!("/{lane}");
    Rule::when(move |req| req.uri().path() == path)
        .times(1)
        .respond_with(move |_| {
            let mut res = http::Response::new(Bytes::from(code.clone()));
            *res.status_mut() = http::StatusCode::from_u16(status).expect("status");
            for (k, v) in &headers {
                res.headers_mut().insert(
                    http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                    http::HeaderValue::from_str(v).expect("value"),
                );
            }
            Ok(res)
        })
}

struct Harness {
    compiled: ziggurat_core::stack::CompiledStack,
    transport: TestTransport,
    bucket: Arc<TokenBucket>,
    sleeps: Arc<Mutex<Vec<(Duration, u32)>>>,
    max_attempts: u32,
}

fn harness(given: &Value, behavior: RetryBehavior, lanes: &[&[Value]]) -> Harness {
    let secs = |v: &Value| v.as_f64().map(Duration::from_secs_f64);
    let max_attempts = given["max_attempts"].as_u64().unwrap_or(3) as u32;
    let tokens = given["initial_retry_tokens"].as_u64().unwrap_or(500) as u32;
    let base = given["exponential_base"].as_f64().unwrap_or(1.0);
    assert_eq!(given["exponential_power"].as_f64().unwrap_or(2.0), 2.0);
    let bucket = Arc::new(TokenBucket::new(tokens));
    let mut retry = StandardRetry::new()
        .with_behavior(behavior)
        .with_token_bucket(bucket.clone())
        .with_max_attempts(max_attempts)
        .with_jitter(move || base);
    if let Some(max) = secs(&given["max_backoff_time"]) {
        retry = retry.with_max_backoff(max);
    }
    let sleeps = Arc::default();
    let sleep = SharedSleep::new(RecordingSleep {
        bucket: bucket.clone(),
        log: Arc::clone(&sleeps),
    });
    let mut stack = Stack::new();
    stack
        .serialize_mut()
        .add(
            ids::OPERATION_SERIALIZER,
            Middleware::operation_serializer(),
            Position::After,
        )
        .unwrap();
    stack
        .finalize_mut()
        .add(ids::RETRY, Middleware::retry(retry, sleep), Position::After)
        .unwrap()
        .add(
            REQUEST_INFO,
            Middleware::request_hook(SetRequestInfo),
            Position::After,
        )
        .unwrap();
    stack
        .deserialize_mut()
        .add(
            ids::OPERATION_DESERIALIZER,
            Middleware::operation_deserializer(),
            Position::After,
        )
        .unwrap();
    let mut transport = TestTransport::new();
    for (lane, steps) in lanes.iter().enumerate() {
        for step in steps.iter() {
            transport = transport.rule(rule(lane, step));
        }
    }
    let compiled = stack
        .compile(transport.clone().into_http_client().into_service())
        .unwrap();
    Harness {
        compiled,
        transport,
        bucket,
        sleeps,
        max_attempts,
    }
}

/// Splits a script into calls: a call ends at the first step that is not a retry.
fn calls(steps: &[Value]) -> Vec<&[Value]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, step) in steps.iter().enumerate() {
        if step["expected"]["outcome"] != "retry_request" {
            out.push(&steps[start..=i]);
            start = i + 1;
        }
    }
    assert_eq!(start, steps.len(), "a script must end with a final outcome");
    out
}

fn close(actual: Duration, expected: f64) -> bool {
    (actual.as_secs_f64() - expected).abs() < 1e-6
}

async fn invoke(
    h: &Harness,
    spec: &'static OperationSpec,
    lane: usize,
) -> Result<OperationOutput, SdkError> {
    let mut ctx = Context::new(spec.service, spec.operation);
    ctx.insert(Lane(lane));
    h.compiled.invoke(spec, Box::new(()), ctx).await
}

/// Runs one call of a case and checks each step.
async fn check_call(name: &str, h: &Harness, spec: &'static OperationSpec, steps: &[Value]) {
    let sent_before = h.transport.requests().len();
    let slept_before = h.sleeps.lock().unwrap().len();
    let result = invoke(h, spec, 0).await;
    let sleeps: Vec<_> = h.sleeps.lock().unwrap()[slept_before..].to_vec();
    assert_eq!(
        h.transport.requests().len() - sent_before,
        steps.len(),
        "{name}: requests sent"
    );
    let mut sleeps = sleeps.into_iter();
    for (i, step) in steps.iter().enumerate() {
        let expected = &step["expected"];
        let outcome = expected["outcome"].as_str().unwrap();
        let quota = expected["retry_quota"].as_u64().map(|q| q as u32);
        let delay = expected["delay"].as_f64();
        let what = format!("{name}, step {}: {outcome}", i + 1);
        match outcome {
            "retry_request" => {
                let (slept, level) = sleeps
                    .next()
                    .unwrap_or_else(|| panic!("{what}: no backoff"));
                if let Some(d) = delay {
                    assert!(close(slept, d), "{what}: delay {slept:?}, expected {d} s");
                }
                if let Some(q) = quota {
                    assert_eq!(level, q, "{what}: quota");
                }
            }
            final_outcome => {
                match final_outcome {
                    "success" => {
                        let out = result.as_ref().unwrap_or_else(|e| panic!("{what}: {e}"));
                        assert_eq!(out.metadata.attempts() as usize, steps.len(), "{what}");
                    }
                    "max_attempts_exceeded" => {
                        let e = result.as_ref().expect_err(&what);
                        assert_eq!(e.retry_stop(), None, "{what}: {e}");
                        assert_eq!(e.metadata().attempts(), h.max_attempts, "{what}");
                    }
                    "retry_quota_exceeded" => {
                        let e = result.as_ref().expect_err(&what);
                        assert!(e.is_retry_quota_exceeded(), "{what}: {e}");
                        assert!(e.last_attempt_error().is_some(), "{what}");
                        // Long-polling operations back off before failing.
                        if let Some(d) = delay {
                            let (slept, _) = sleeps
                                .next()
                                .unwrap_or_else(|| panic!("{what}: no backoff"));
                            assert!(close(slept, d), "{what}: delay {slept:?}, expected {d} s");
                        }
                    }
                    "fail_request" => {
                        let e = result.as_ref().expect_err(&what);
                        assert_eq!(e.retry_stop(), None, "{what}: {e}");
                        assert_eq!(e.metadata().attempts() as usize, steps.len(), "{what}");
                    }
                    other => panic!("{what}: unknown outcome {other}"),
                }
                if let Some(q) = quota {
                    assert_eq!(h.bucket.available(), q, "{what}: quota");
                }
            }
        }
    }
    assert!(
        sleeps.next().is_none(),
        "{name}: a backoff that was not expected (success and failures must not delay)"
    );
}

async fn run_standard_file(file: &str, behavior: RetryBehavior) -> usize {
    let Some(cases) = load(file) else {
        return 0;
    };
    for (name, case) in &cases {
        let steps = case["responses"].as_array().expect("responses");
        let spec = if case["given"]["long_polling"] == true {
            &LONG_POLL
        } else {
            &PLAIN
        };
        let h = harness(&case["given"], behavior, &[steps]);
        for call in calls(steps) {
            check_call(name, &h, spec, call).await;
        }
    }
    cases.len()
}

#[tokio::test(start_paused = true)]
async fn standard_retry_2_0_cases() {
    let n = run_standard_file(
        "standard-retry-2.0--standardRetryIntegrationTestCases.json",
        RetryBehavior::Classic,
    )
    .await;
    assert!(n == 0 || n == 6, "{n} cases");
}

#[tokio::test(start_paused = true)]
async fn new_standard_retry_2026_cases() {
    let n = run_standard_file(
        "standard-retry-new-2026--newStandardRetryIntegrationTestCases.json",
        RetryBehavior::New2026,
    )
    .await;
    assert!(n == 0 || n == 12, "{n} cases");
}

#[tokio::test(start_paused = true)]
async fn new_standard_retry_2026_long_polling_cases() {
    let n = run_standard_file(
        "standard-retry-new-2026--newStandardRetryLongPollingTestCases.json",
        RetryBehavior::New2026,
    )
    .await;
    assert!(n == 0 || n == 5, "{n} cases");
}

#[tokio::test(start_paused = true)]
async fn new_standard_retry_2026_multi_invocation_cases() {
    let n = run_standard_file(
        "standard-retry-new-2026--newStandardRetryMultiInvocationTestCases.json",
        RetryBehavior::New2026,
    )
    .await;
    assert!(n == 0 || n == 1, "{n} cases");
}

#[tokio::test(start_paused = true)]
async fn new_standard_retry_2026_multi_threaded_cases() {
    let Some(cases) = load("standard-retry-new-2026--newStandardRetryMultiThreadedTestCases.json")
    else {
        return;
    };
    assert_eq!(cases.len(), 1);
    for (name, case) in &cases {
        let threads: Vec<Vec<Value>> = case["threads"]
            .as_array()
            .expect("threads")
            .iter()
            .map(|t| t.as_array().expect("steps").clone())
            .collect();
        let lanes: Vec<&[Value]> = threads.iter().map(Vec::as_slice).collect();
        let h = Arc::new(harness(&case["given"], RetryBehavior::New2026, &lanes));
        let mut tasks = Vec::new();
        for (lane, steps) in threads.iter().enumerate() {
            let h = h.clone();
            let n = steps.len();
            let last = steps[n - 1]["expected"]["outcome"]
                .as_str()
                .unwrap()
                .to_owned();
            tasks.push(tokio::spawn(async move {
                let res = invoke(&h, &PLAIN, lane).await;
                (
                    res.is_ok(),
                    last,
                    res.map(|o| o.metadata.attempts()).ok(),
                    n,
                )
            }));
        }
        for t in tasks {
            let (ok, last, attempts, n) = t.await.unwrap();
            assert_eq!(ok, last == "success", "{name}");
            assert_eq!(attempts, Some(n as u32), "{name}");
        }
        let expected = case["expected_final_quota"].as_u64().unwrap() as u32;
        assert_eq!(h.bucket.available(), expected, "{name}: final quota");
    }
}

// ---------------------------------------------------------------------------------------------
// Adaptive mode.

fn near(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-5 * expected.abs().max(1.0)
}

#[test]
fn adaptive_cubic_cases() {
    let Some(cases) = load("adaptive-retry--adaptiveRetryCubicTestCases.json") else {
        return;
    };
    assert_eq!(cases.len(), 2);
    for (name, case) in &cases {
        let given = &case["given"];
        let mut cubic = CubicCalculator::new(
            given["last_max_rate"].as_f64().unwrap(),
            given["last_throttle_time"].as_f64().unwrap(),
        );
        // The rate in force before each step is the one the previous step calculated.
        let mut rate = given["last_max_rate"].as_f64().unwrap();
        for (i, step) in case["cases"].as_array().unwrap().iter().enumerate() {
            let t = step["timestamp"].as_f64().unwrap();
            rate = match step["response"].as_str().unwrap() {
                "success" => cubic.success(t),
                "throttle" => cubic.throttle(rate, t),
                other => panic!("{name}: unknown response {other}"),
            };
            let expected = step["calculated_rate"].as_f64().unwrap();
            assert!(
                near(rate, expected),
                "{name}, step {}: {rate} != {expected}",
                i + 1
            );
        }
    }
}

#[test]
fn adaptive_end_to_end_cases() {
    let Some(cases) = load("adaptive-retry--adaptiveRetryE2eTestCases.json") else {
        return;
    };
    assert_eq!(cases.len(), 1);
    for (name, case) in &cases {
        let limiter = ClientRateLimiter::with_clock(|| 0.0);
        for (i, step) in case["cases"].as_array().unwrap().iter().enumerate() {
            let t = step["timestamp"].as_f64().unwrap();
            let throttled = step["response"] == "throttle";
            let update = limiter.on_response_at(throttled, t);
            let measured = step["measured_tx_rate"].as_f64().unwrap();
            let fill = step["new_token_bucket_rate"].as_f64().unwrap();
            assert!(
                near(update.measured_rate, measured),
                "{name}, step {}: measured {} != {measured}",
                i + 1,
                update.measured_rate
            );
            assert!(
                near(update.fill_rate, fill),
                "{name}, step {}: fill rate {} != {fill}",
                i + 1,
                update.fill_rate
            );
        }
        assert!(limiter.is_enabled());
    }
}
