use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use tower::util::BoxCloneSyncService;

use super::*;
use crate::body::Body;
use crate::context::Context;
use crate::error::{ErrorKind, SdkError};
use crate::hook::{HttpRequest, HttpResponse, Input, InputHook, OperationOutput, RequestHook};
use crate::retry::{RetryDecision, RetryStrategy};
use crate::time::SharedSleep;

type Log = Arc<Mutex<Vec<String>>>;

struct Named(&'static str, Log);
impl RequestHook for Named {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        self.1.lock().unwrap().push(format!("req:{}", self.0));
        req.headers_mut()
            .append("x-order", HeaderValue::from_static(self.0));
        Ok(())
    }
    fn on_response(&self, _: &mut HttpResponse<'_>) {
        self.1.lock().unwrap().push(format!("res:{}", self.0));
    }
}

struct NamedInput(&'static str, Log);
impl InputHook for NamedInput {
    fn on_input(&self, _: &mut Input, _: &mut Context) -> Result<(), SdkError> {
        self.1.lock().unwrap().push(format!("in:{}", self.0));
        Ok(())
    }
    fn on_output(&self, _: &mut Context, _: &mut Result<OperationOutput, SdkError>) {
        self.1.lock().unwrap().push(format!("out:{}", self.0));
    }
}

fn ser(
    input: &mut (dyn std::any::Any + Send),
    _: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    let s = input
        .downcast_ref::<String>()
        .ok_or_else(|| SdkError::construction("wrong input"))?;
    Ok(http::Request::post("http://test.local/op").body(Body::from(s.clone()))?)
}

fn de(
    parts: http::response::Parts,
    body: ResponseBody,
    _: &mut Context,
) -> Result<crate::hook::Output, SdkError> {
    let ResponseBody::Buffered(b) = body else {
        return Err(SdkError::response("expected a buffered body"));
    };
    if !parts.status.is_success() {
        return Err(SdkError::service(crate::error::ApiError::new(
            String::from_utf8_lossy(&b).into_owned(),
            parts.status.as_u16(),
        )));
    }
    Ok(Box::new(String::from_utf8_lossy(&b).into_owned()))
}

static SPEC: OperationSpec = OperationSpec {
    service: "Test",
    operation: "Echo",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};

/// A transport that echoes the `x-order` headers it received, or answers with the statuses
/// queued in `statuses` (then 200).
fn echo_transport(seen: Arc<AtomicU32>, statuses: Vec<u16>) -> HttpService {
    let statuses = Arc::new(Mutex::new(statuses));
    BoxCloneSyncService::new(tower::service_fn(move |req: http::Request<Body>| {
        let seen = seen.clone();
        let statuses = statuses.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            let order: Vec<_> = req
                .headers()
                .get_all("x-order")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            let status = {
                let mut s = statuses.lock().unwrap();
                if s.is_empty() { 200 } else { s.remove(0) }
            };
            let mut res = http::Response::new(Body::from(order.join(",")));
            *res.status_mut() = StatusCode::from_u16(status).unwrap();
            res.headers_mut()
                .insert("x-amzn-requestid", HeaderValue::from_static("rid-1"));
            Ok::<_, SdkError>(res)
        }
    }))
}

fn base_stack() -> Stack {
    let mut s = Stack::new();
    s.serialize_mut()
        .add(
            ids::OPERATION_SERIALIZER,
            Middleware::operation_serializer(),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(ids::RETRY, Middleware::no_retry(), Position::After)
        .unwrap();
    s.deserialize_mut()
        .add(
            ids::OPERATION_DESERIALIZER,
            Middleware::operation_deserializer(),
            Position::After,
        )
        .unwrap();
    s
}

async fn call(stack: &CompiledStack) -> Result<OperationOutput, SdkError> {
    stack
        .invoke(
            &SPEC,
            Box::new("hi".to_owned()),
            Context::new("Test", "Echo"),
        )
        .await
}

fn output(o: OperationOutput) -> String {
    *o.output.downcast::<String>().unwrap()
}

#[test]
fn add_insert_swap_remove_keep_order_and_reject_bad_ids() {
    let log = Log::default();
    let mut s = base_stack();
    let b = s.build_mut();
    b.add(
        "B",
        Middleware::request_hook(Named("B", log.clone())),
        Position::After,
    )
    .unwrap();
    b.add(
        "A",
        Middleware::request_hook(Named("A", log.clone())),
        Position::Before,
    )
    .unwrap();
    b.add(
        "D",
        Middleware::request_hook(Named("D", log.clone())),
        Position::After,
    )
    .unwrap();
    b.insert(
        "C",
        Middleware::request_hook(Named("C", log.clone())),
        "D",
        Position::Before,
    )
    .unwrap();
    assert_eq!(b.list(), ["A", "B", "C", "D"]);

    assert_eq!(
        b.add(
            "A",
            Middleware::request_hook(Named("A", log.clone())),
            Position::After
        )
        .unwrap_err(),
        StackError::DuplicateId {
            step: StepName::Build,
            id: "A".into()
        }
    );
    assert_eq!(
        b.insert(
            "E",
            Middleware::request_hook(Named("E", log.clone())),
            "Nope",
            Position::After
        )
        .unwrap_err(),
        StackError::UnknownId {
            step: StepName::Build,
            id: "Nope".into()
        }
    );
    assert!(matches!(
        b.remove("Nope"),
        Err(StackError::UnknownId { .. })
    ));
    assert!(matches!(
        b.swap("Nope", Middleware::request_hook(Named("X", log.clone()))),
        Err(StackError::UnknownId { .. })
    ));
    b.remove("B").unwrap();
    b.swap("C", Middleware::request_hook(Named("C2", log.clone())))
        .unwrap();
    assert_eq!(b.list(), ["A", "C", "D"]);
    assert!(b.get("C").is_some() && b.get("B").is_none());
    assert_eq!(s.find("C"), Some(StepName::Build));
    assert_eq!(s.find(ids::RETRY), Some(StepName::Finalize));
}

#[test]
fn kinds_are_checked_per_step() {
    let mut s = base_stack();
    let err = s
        .initialize_mut()
        .add(
            "Req",
            Middleware::request_hook(|_: &mut HttpRequest<'_>| Ok(())),
            Position::After,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        StackError::NotAllowed {
            step: StepName::Initialize,
            ..
        }
    ));
    assert!(err.to_string().contains("Initialize"));
    assert!(
        s.build_mut()
            .add("R", Middleware::no_retry(), Position::After)
            .is_err()
    );
    // Position inside a step is checked when compiling.
    s.serialize_mut()
        .add(
            "Early",
            Middleware::request_hook(|_: &mut HttpRequest<'_>| Ok(())),
            Position::Before,
        )
        .unwrap();
    let transport = echo_transport(Arc::default(), vec![]);
    assert!(matches!(
        s.compile(transport.clone()),
        Err(StackError::NotAllowed {
            step: StepName::Serialize,
            ..
        })
    ));
    let mut s = base_stack();
    s.serialize_mut().remove(ids::OPERATION_SERIALIZER).unwrap();
    assert!(matches!(
        s.compile(transport),
        Err(StackError::UnknownId { .. })
    ));
}

#[test]
fn describe_lists_every_step_and_id_in_order() {
    let mut s = base_stack();
    s.build_mut()
        .add(
            "UserAgent",
            Middleware::request_hook(|_: &mut HttpRequest<'_>| Ok(())),
            Position::After,
        )
        .unwrap();
    assert_eq!(
        s.describe(),
        "Initialize stack step\n\
         Serialize stack step\n    OperationSerializer\n\
         Build stack step\n    UserAgent\n\
         Finalize stack step\n    Retry\n\
         Deserialize stack step\n    OperationDeserializer"
    );
}

#[tokio::test]
async fn hooks_run_in_stack_order_and_unwind_in_reverse() {
    let log = Log::default();
    let mut s = base_stack();
    s.initialize_mut()
        .add(
            "I",
            Middleware::input_hook(NamedInput("I", log.clone())),
            Position::After,
        )
        .unwrap();
    s.build_mut()
        .add(
            "B",
            Middleware::request_hook(Named("B", log.clone())),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(
            "F",
            Middleware::request_hook(Named("F", log.clone())),
            Position::After,
        )
        .unwrap();
    s.deserialize_mut()
        .add(
            "Raw",
            Middleware::request_hook(Named("Raw", log.clone())),
            Position::After,
        )
        .unwrap();
    let seen = Arc::new(AtomicU32::new(0));
    let compiled = s.compile(echo_transport(seen.clone(), vec![])).unwrap();
    let out = call(&compiled).await.unwrap();
    assert_eq!(out.metadata.request_id(), Some("rid-1"));
    assert_eq!(out.metadata.attempts(), 1);
    assert_eq!(output(out), "B,F,Raw");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "in:I", "req:B", "req:F", "req:Raw", "res:Raw", "res:F", "res:B", "out:I"
        ]
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_hook_stops_before_anything_is_sent() {
    let mut s = base_stack();
    s.build_mut()
        .add(
            "Validate",
            Middleware::request_hook(|_: &mut HttpRequest<'_>| -> Result<(), SdkError> {
                Err(SdkError::construction("bucket name is empty"))
            }),
            Position::After,
        )
        .unwrap();
    let seen = Arc::new(AtomicU32::new(0));
    let compiled = s.compile(echo_transport(seen.clone(), vec![])).unwrap();
    let err = call(&compiled).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction);
    assert_eq!(
        err.to_string(),
        "operation error Test: Echo, failed to construct request: bucket name is empty"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn tower_layers_in_upper_steps_see_the_request_and_keep_the_context() {
    let log = Log::default();
    let mut s = base_stack();
    s.build_mut()
        .add(
            "B",
            Middleware::request_hook(Named("B", log.clone())),
            Position::After,
        )
        .unwrap();
    s.build_mut()
        .add(
            "Tower",
            Middleware::layer(tower::util::MapRequestLayer::new(
                |mut r: http::Request<Body>| {
                    r.headers_mut()
                        .append("x-order", HeaderValue::from_static("Tower"));
                    r
                },
            )),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(
            "NeedsContext",
            Middleware::request_hook(|r: &mut HttpRequest<'_>| -> Result<(), SdkError> {
                let op = r.context().map(|c| c.operation()).unwrap_or("none");
                r.headers_mut()
                    .append("x-order", HeaderValue::from_static(op));
                Ok(())
            }),
            Position::After,
        )
        .unwrap();
    let compiled = s.compile(echo_transport(Arc::default(), vec![])).unwrap();
    assert!(compiled.stack().describe().contains("Tower (tower layer)"));
    let out = call(&compiled).await.unwrap();
    assert_eq!(output(out), "B,Tower,Echo");
    assert_eq!(*log.lock().unwrap(), ["req:B", "res:B"]);
}

#[tokio::test]
async fn http_layers_wrap_the_transport() {
    let mut s = base_stack();
    s.deserialize_mut()
        .add(
            "SetHeader",
            Middleware::http_layer(tower::util::MapRequestLayer::new(
                |mut r: http::Request<Body>| {
                    r.headers_mut()
                        .append("x-order", HeaderValue::from_static("http"));
                    r
                },
            )),
            Position::After,
        )
        .unwrap();
    let compiled = s.compile(echo_transport(Arc::default(), vec![])).unwrap();
    assert_eq!(output(call(&compiled).await.unwrap()), "http");
}

#[derive(Debug)]
struct RetryOn5xx(u32);
impl RetryStrategy for RetryOn5xx {
    fn max_attempts(&self) -> u32 {
        self.0
    }
    fn decide(&self, _: &Context, r: &Result<OperationOutput, SdkError>) -> RetryDecision {
        match r {
            Err(e) if e.as_service_error().is_some_and(|a| a.status() >= 500) => {
                RetryDecision::RetryAfter(Duration::from_millis(10))
            }
            _ => RetryDecision::Stop,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn retry_loop_reruns_the_entries_after_retry_on_a_fresh_copy() {
    let log = Log::default();
    let mut s = base_stack();
    s.finalize_mut()
        .swap(
            ids::RETRY,
            Middleware::retry(RetryOn5xx(3), SharedSleep::default()),
        )
        .unwrap();
    s.build_mut()
        .add(
            "Once",
            Middleware::request_hook(Named("Once", log.clone())),
            Position::After,
        )
        .unwrap();
    s.finalize_mut()
        .add(
            "Each",
            Middleware::request_hook(Named("Each", log.clone())),
            Position::After,
        )
        .unwrap();
    let seen = Arc::new(AtomicU32::new(0));
    let compiled = s
        .compile(echo_transport(seen.clone(), vec![503, 500]))
        .unwrap();
    let out = call(&compiled).await.unwrap();
    assert_eq!(out.metadata.attempts(), 3);
    // Each attempt starts from the request as it was before the loop: one `Each` header.
    assert_eq!(output(out), "Once,Each");
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    // When every attempt fails, the last error comes back with the attempt count.
    let compiled = s
        .compile(echo_transport(Arc::default(), vec![503, 503, 503, 503]))
        .unwrap();
    let err = call(&compiled).await.unwrap_err();
    assert_eq!(err.metadata().attempts(), 3);
    assert_eq!(err.metadata().request_id(), Some("rid-1"));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_cannot_be_rewound_is_sent_once() {
    fn ser_stream(
        _: &mut (dyn std::any::Any + Send),
        _: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let stream = http_body_util::StreamBody::new(futures_util::stream::iter(vec![Ok::<
            _,
            crate::error::BoxError,
        >(
            http_body::Frame::data(bytes::Bytes::from_static(b"x")),
        )]));
        Ok(http::Request::post("http://test.local/").body(Body::from_stream(stream))?)
    }
    static STREAM_SPEC: OperationSpec = OperationSpec {
        service: "Test",
        operation: "Stream",
        serialize: ser_stream,
        deserialize: de,
        streaming_output: false,
        schema: None,
    };
    let mut s = base_stack();
    s.finalize_mut()
        .swap(
            ids::RETRY,
            Middleware::retry(RetryOn5xx(3), SharedSleep::default()),
        )
        .unwrap();
    let seen = Arc::new(AtomicU32::new(0));
    let compiled = s.compile(echo_transport(seen.clone(), vec![503])).unwrap();
    let err = compiled
        .invoke(&STREAM_SPEC, Box::new(()), Context::new("Test", "Stream"))
        .await
        .unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(err.metadata().attempts(), 1);
}

#[tokio::test]
async fn derived_stack_changes_one_call_only() {
    let compiled = base_stack()
        .compile(echo_transport(Arc::default(), vec![]))
        .unwrap();
    let derived = compiled
        .derive(|s| {
            s.build_mut()
                .add(
                    "PerCall",
                    Middleware::request_hook(|r: &mut HttpRequest<'_>| -> Result<(), SdkError> {
                        r.headers_mut()
                            .append("x-order", HeaderValue::from_static("per-call"));
                        Ok(())
                    }),
                    Position::After,
                )
                .map(|_| ())
        })
        .unwrap();
    assert_eq!(output(call(&derived).await.unwrap()), "per-call");
    assert_eq!(output(call(&compiled).await.unwrap()), "");
}

#[test]
fn a_recycled_header_map_of_the_same_shape_is_overwritten_in_place() {
    use super::orchestrator::overwrite_same_shape;
    let map = |pairs: &[(&'static str, &'static str)]| {
        let mut m = http::HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, HeaderValue::from_static(v));
        }
        m
    };
    let source = map(&[
        ("content-type", "a"),
        ("x-amz-target", "t"),
        ("x-multi", "1"),
        ("x-multi", "2"),
    ]);
    let mut copy = map(&[
        ("content-type", "old"),
        ("x-amz-target", "old"),
        ("x-multi", "o1"),
        ("x-multi", "o2"),
    ]);
    assert_eq!(overwrite_same_shape(&mut copy, &source), Some(false));
    assert_eq!(copy, source);
    let collected: Vec<_> = copy.get_all("x-multi").iter().collect();
    assert_eq!(collected, ["1", "2"]);

    // Other names, or another count, are refused (the caller then rebuilds the map).
    let mut other = map(&[
        ("content-type", "old"),
        ("x-other", "old"),
        ("x-multi", "o1"),
        ("x-multi", "o2"),
    ]);
    assert_eq!(overwrite_same_shape(&mut other, &source), None);
    let mut shorter = map(&[("content-type", "old")]);
    assert_eq!(overwrite_same_shape(&mut shorter, &source), None);

    // A value viewing the same bytes is kept as it is; the same bytes with another
    // sensitivity, or equal text in another buffer, are copied.
    let shared = HeaderValue::from_static("same");
    let mut secret = shared.clone();
    secret.set_sensitive(true);
    let mut source = http::HeaderMap::new();
    source.append("a", shared.clone());
    source.append("b", secret.clone());
    source.append("c", HeaderValue::from_str("fresh").unwrap());
    let mut copy = http::HeaderMap::new();
    copy.append("a", shared.clone());
    copy.append("b", shared.clone());
    copy.append("c", HeaderValue::from_str("fresh").unwrap());
    assert_eq!(overwrite_same_shape(&mut copy, &source), Some(true));
    assert_eq!(copy, source);
    assert!(copy["b"].is_sensitive());
    assert_eq!(copy["a"].as_bytes().as_ptr(), shared.as_bytes().as_ptr());
    assert_eq!(
        copy["c"].as_bytes().as_ptr(),
        source["c"].as_bytes().as_ptr()
    );
}

/// The future of a call is boxed once per call and everything it holds is copied into the
/// box, so it must stay small: the request and response heads live in the boxed state, never
/// in the future. 1 KiB is also where glibc's allocator leaves its fast per-thread caches.
#[test]
fn the_call_future_stays_small() {
    let seen = Arc::new(AtomicU32::new(0));
    let stack = base_stack()
        .compile(echo_transport(seen, vec![200]))
        .unwrap();
    let call = stack.invoke(
        &SPEC,
        Box::new("hi".to_owned()),
        Context::new("Test", "Echo"),
    );
    let size = std::mem::size_of_val(&call);
    // 456 bytes before spans and interceptors' response hooks; 536 with them (their spans,
    // failures and the attempt's marks live in the boxed state, the traced paths are boxed
    // only when a subscriber records spans). The stack benches show no cost from the growth.
    assert!(size <= 544, "the call future takes {size} bytes");
}

/// A hook that says it has no response side is skipped on the way back up; the others, and
/// plain closures on the way down, run as before.
#[tokio::test]
async fn hooks_without_a_response_side_are_skipped_on_the_way_back() {
    struct RequestOnly(Log);
    impl RequestHook for RequestOnly {
        fn on_request(&self, _: &mut HttpRequest<'_>) -> Result<(), SdkError> {
            self.0.lock().unwrap().push("req:quiet".into());
            Ok(())
        }
        fn on_response(&self, _: &mut HttpResponse<'_>) {
            self.0.lock().unwrap().push("res:quiet".into());
        }
        fn has_response_side(&self) -> bool {
            false
        }
    }
    let log = Log::default();
    let mut s = base_stack();
    let b = s.build_mut();
    b.add(
        "B",
        Middleware::request_hook(Named("B", log.clone())),
        Position::After,
    )
    .unwrap();
    b.add(
        "Quiet",
        Middleware::request_hook(RequestOnly(log.clone())),
        Position::After,
    )
    .unwrap();
    let closure_log = log.clone();
    b.add(
        "Closure",
        Middleware::request_hook(move |_: &mut HttpRequest<'_>| -> Result<(), SdkError> {
            closure_log.lock().unwrap().push("req:closure".into());
            Ok(())
        }),
        Position::After,
    )
    .unwrap();
    let compiled = s
        .compile(echo_transport(Arc::new(AtomicU32::new(0)), vec![]))
        .unwrap();
    call(&compiled).await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["req:B", "req:quiet", "req:closure", "res:B"]
    );
}
