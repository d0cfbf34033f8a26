//! The layer alone, on a `service_fn`, with a small capture subscriber.
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::BodyExt;
use tower::{Layer, ServiceExt, service_fn};
use tracing::field::{Field, Visit};
use ziggurat_core::body::Body;

use super::*;

/// Records the message of every `ziggurat::wire` event.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

struct Message<'a>(&'a mut String);
impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        }
    }
}

impl tracing::Subscriber for Lines {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == TARGET {
            let mut text = String::new();
            event.record(&mut Message(&mut text));
            self.0.lock().unwrap().push(text);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

impl Lines {
    fn all(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

fn echo_service() -> impl tower::Service<
    http::Request<Body>,
    Response = http::Response<LoggedBody<Body>>,
    Error = std::convert::Infallible,
> {
    let big = "x".repeat(100);
    WireLogLayer::new(LogMode::REQUEST_WITH_BODY | LogMode::RESPONSE_WITH_BODY)
        .with_body_cap(40)
        .layer(service_fn(move |_req: http::Request<Body>| {
            let body = format!("{{\"secretless\":true,\"pad\":\"{big}\"}}");
            async move {
                Ok::<_, std::convert::Infallible>(
                    http::Response::builder()
                        .header("x-amz-request-id", "R1")
                        .body(Body::from_bytes(body))
                        .unwrap(),
                )
            }
        }))
}

/// `subscriber` as this thread's default, safe with tests on other threads: with a single
/// dispatcher registered, tracing-core caches a callsite's interest from the default of the
/// thread that reaches it first (none, on another test's thread); a second dispatcher kept for
/// the process makes it ask every registered one.
fn scoped(
    subscriber: impl tracing::Subscriber + Send + Sync + 'static,
) -> tracing::subscriber::DefaultGuard {
    static KEEP: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEP.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    guard
}

#[tokio::test(flavor = "current_thread")]
async fn a_standalone_layer_logs_requests_and_responses_redacted_and_capped() {
    let lines = Lines::default();
    let _guard = scoped(lines.clone());
    let req = http::Request::put("http://127.0.0.1:9/b/k?X-Amz-Signature=abcdef&x-id=PutObject")
        .header("authorization", "Bearer tok3n")
        .header("x-amz-server-side-encryption-customer-key", "c2VjcmV0")
        .body(Body::from_bytes("request body"))
        .unwrap();
    let res = echo_service().oneshot(req).await.unwrap();
    // Nothing of the body is logged before it is read.
    assert!(!lines.all().contains("response body"), "{}", lines.all());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 128);
    let all = lines.all();
    for expected in [
        "PUT /b/k?X-Amz-Signature=** redacted **&x-id=PutObject HTTP/1.1",
        "host: 127.0.0.1:9",
        "authorization: Bearer ** redacted **",
        "x-amz-server-side-encryption-customer-key: ** redacted **",
        "request body",
        "HTTP/1.1 200 OK\nx-amz-request-id: R1",
        "response body:\n{\"secretless\":true,\"pad\":\"xxxxxxxxxxxxxx… (88 more bytes)",
    ] {
        assert!(all.contains(expected), "{expected:?} not in:\n{all}");
    }
    for secret in ["abcdef", "tok3n", "c2VjcmV0"] {
        assert!(!all.contains(secret), "{secret} in:\n{all}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn streamed_request_bodies_and_sensitive_ones_are_not_logged() {
    let lines = Lines::default();
    let _guard = scoped(lines.clone());
    let stream = http_body_util::Full::new(Bytes::from_static(b"streamed secret"));
    let req = http::Request::post("http://127.0.0.1:9/")
        .body(Body::from_stream(stream))
        .unwrap();
    let res = echo_service().oneshot(req).await.unwrap();
    drop(res);
    let all = lines.all();
    assert!(
        all.contains("<streamed body of 15 bytes, not logged>"),
        "{all}"
    );
    assert!(all.contains("response body, not read to the end"), "{all}");
    assert!(!all.contains("streamed secret"), "{all}");

    let mut req = http::Request::post("http://127.0.0.1:9/")
        .body(Body::from_bytes("{\"Password\":\"hunter2\"}"))
        .unwrap();
    req.extensions_mut().insert(WireTag {
        service: "Svc",
        operation: "Login",
        attempt: 1,
        sensitive_input: true,
        sensitive_output: true,
        streaming_output: false,
    });
    let res = echo_service().oneshot(req).await.unwrap();
    let _ = res.into_body().collect().await.unwrap();
    let all = lines.all();
    assert!(all.contains("request (Svc.Login, attempt 1)"), "{all}");
    assert!(
        all.contains("<22 bytes, withheld: the input has sensitive members>"),
        "{all}"
    );
    assert!(
        all.contains("<128 bytes, withheld: the output has sensitive members>"),
        "{all}"
    );
    assert!(
        !all.contains("hunter2") && !all.contains("secretless"),
        "{all}"
    );
}
