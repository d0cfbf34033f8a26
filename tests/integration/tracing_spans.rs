//! The spans a call emits through `tracing`, caught by a capture layer: one INFO span per
//! operation with the AWS SDK attributes, DEBUG children for serialization, endpoint
//! resolution, each attempt (identity, signing, the HTTP exchange, deserialization), and the
//! retry decision as an event on the attempt it follows.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use ziggurat::dynamodb::Client;
use ziggurat::prelude::*;
use ziggurat_core::transport::{Rule, TestTransport};

#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

/// An event: the span it happened in, and its message.
type EventRecord = (Option<&'static str>, String);

#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// The index of a span in `spans`, kept in the span's extensions.
struct Index(usize);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name());
        let mut spans = self.spans.lock().unwrap();
        spans.push(SpanRecord {
            name: attrs.metadata().name(),
            parent,
            fields,
        });
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Index(spans.len() - 1));
        }
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let ext = span.extensions();
        let Some(Index(i)) = ext.get::<Index>() else {
            return;
        };
        if let Some(rec) = self.spans.lock().unwrap().get_mut(*i) {
            values.record(&mut Fields(&mut rec.fields));
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = ctx.event_span(event).map(|s| s.name());
        let message = fields.remove("message").unwrap_or_default();
        self.events.lock().unwrap().push((parent, message));
    }
}

fn client(transport: &TestTransport) -> Client {
    Client::new(
        &SdkConfig::builder()
            .region(Region::from_static("eu-west-1"))
            .credentials(Credentials::new("AKID", "secret", None))
            .http_client(transport.clone().into_http_client())
            .build(),
    )
}

fn ok() -> Rule {
    Rule::any().respond(
        200,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amzn-requestid", "REQ-1"),
        ],
        r#"{"Item":{"pk":{"S":"1"}}}"#,
    )
}

async fn traced(transport: TestTransport) -> (Capture, Result<(), String>) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = crate::set_scoped_subscriber(subscriber);
    let ddb = client(&transport);
    let result = ddb
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    (capture, result)
}

fn spans(c: &Capture, name: &str) -> Vec<SpanRecord> {
    c.spans
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.name == name)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_is_one_operation_span_with_attempt_children() {
    let (capture, result) = traced(TestTransport::new().rule(ok())).await;
    result.unwrap();
    let op = spans(&capture, "operation");
    assert_eq!(op.len(), 1);
    let f = &op[0].fields;
    for (k, v) in [
        ("otel.name", "DynamoDB.GetItem"),
        ("otel.kind", "client"),
        ("rpc.system", "aws-api"),
        ("rpc.service", "DynamoDB"),
        ("rpc.method", "GetItem"),
        ("cloud.region", "eu-west-1"),
        ("aws.request_id", "REQ-1"),
    ] {
        assert_eq!(f.get(k).map(String::as_str), Some(v), "{k}: {f:?}");
    }
    assert!(!f.contains_key("error.type"), "{f:?}");
    for (child, parent) in [
        ("serialize", "operation"),
        ("resolve_endpoint", "operation"),
        ("attempt", "operation"),
        ("identity", "attempt"),
        ("sign", "attempt"),
        ("http", "attempt"),
        ("deserialize", "attempt"),
    ] {
        let found = spans(&capture, child);
        assert_eq!(found.len(), 1, "{child}");
        assert_eq!(found[0].parent, Some(parent), "{child}");
    }
    let http = &spans(&capture, "http")[0].fields;
    assert_eq!(
        http.get("http.request.method").map(String::as_str),
        Some("POST")
    );
    assert_eq!(
        http.get("http.response.status_code").map(String::as_str),
        Some("200")
    );
    assert_eq!(
        http.get("http.response.body.size").map(String::as_str),
        Some("25")
    );
    assert!(http.contains_key("http.request.body.size"), "{http:?}");
    assert_eq!(
        spans(&capture, "attempt")[0]
            .fields
            .get("attempt")
            .map(String::as_str),
        Some("1")
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_retry_is_an_event_on_the_attempt_and_a_failure_marks_the_operation() {
    let throttled = Rule::any().times(1).respond(
        400,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ThrottlingException","message":"slow down"}"#,
    );
    let (capture, result) = traced(TestTransport::new().rule(throttled).rule(ok())).await;
    result.unwrap();
    assert_eq!(spans(&capture, "attempt").len(), 2);
    let events = capture.events.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|(parent, msg)| *parent == Some("attempt") && msg == "retrying"),
        "{events:?}"
    );

    let denied = Rule::any().respond(
        400,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amzn-requestid", "REQ-2"),
        ],
        r#"{"__type":"AccessDeniedException","message":"no"}"#,
    );
    let (capture, result) = traced(TestTransport::new().rule(denied)).await;
    assert!(result.is_err());
    let f = &spans(&capture, "operation")[0].fields;
    assert_eq!(
        f.get("error.type").map(String::as_str),
        Some("AccessDeniedException"),
        "{f:?}"
    );
    assert_eq!(f.get("otel.status_code").map(String::as_str), Some("ERROR"));
    assert!(
        f.get("otel.status_description")
            .is_some_and(|d| d.contains("AccessDeniedException")),
        "{f:?}"
    );
    assert_eq!(f.get("aws.request_id").map(String::as_str), Some("REQ-2"));
}

/// With `trace_resource_names` on, the operation span names what the call is about as the AWS
/// SDK conventions do (`aws.dynamodb.table_names`, `aws.s3.bucket`, `aws.s3.key`); off (the
/// default), none of them is recorded.
#[tokio::test(flavor = "current_thread")]
async fn resource_names_are_on_the_operation_span_only_when_asked_for() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = crate::set_scoped_subscriber(subscriber);
    let transport = TestTransport::new().rule(ok());
    let sdk = |names: bool| {
        SdkConfig::builder()
            .region(Region::from_static("eu-west-1"))
            .credentials(Credentials::new("AKID", "secret", None))
            .http_client(transport.clone().into_http_client())
            .trace_resource_names(names)
            .build()
    };
    for names in [false, true] {
        let ddb = Client::new(&sdk(names));
        ddb.get_item()
            .table_name("users")
            .key("pk", "1")
            .send()
            .await
            .unwrap();
        ddb.batch_get_item()
            .request_items(
                "orders",
                ziggurat::dynamodb::types::KeysAndAttributes {
                    keys: vec![
                        [(
                            "pk".to_owned(),
                            ziggurat::dynamodb::types::AttributeValue::S("1".into()),
                        )]
                        .into(),
                    ],
                    ..Default::default()
                },
            )
            .send()
            .await
            .unwrap();
        let s3 = ziggurat::s3::Client::from_conf(
            ziggurat::s3::Config::new(&sdk(names)).force_path_style(true),
        );
        // The answer is not S3's: only the request side matters here.
        let _ = s3
            .get_object()
            .bucket("photos")
            .key("2024/cat.jpg")
            .send()
            .await;
    }
    let ops = spans(&capture, "operation");
    assert_eq!(ops.len(), 6, "{ops:#?}");
    let field = |i: usize, name: &str| ops[i].fields.get(name).cloned();
    for i in 0..3 {
        for name in ["aws.dynamodb.table_names", "aws.s3.bucket", "aws.s3.key"] {
            assert_eq!(field(i, name), None, "{name} recorded without the opt-in");
        }
    }
    assert_eq!(
        field(3, "aws.dynamodb.table_names").as_deref(),
        Some("users")
    );
    assert_eq!(
        field(4, "aws.dynamodb.table_names").as_deref(),
        Some("orders")
    );
    assert_eq!(field(5, "aws.s3.bucket").as_deref(), Some("photos"));
    assert_eq!(field(5, "aws.s3.key").as_deref(), Some("2024/cat.jpg"));
    assert_eq!(field(5, "aws.dynamodb.table_names"), None);
}
