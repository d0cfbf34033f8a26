//! OpenTelemetry end to end: real S3 calls against s3s-fs in process, their `tracing` spans
//! exported through tracing-opentelemetry and their metrics through
//! `ziggurat::otel::OtelMeterProvider`; first to the SDK's in-memory exporters (span names,
//! kinds, attributes, parent links, error status; metric names, units, attributes), then over
//! OTLP/HTTP (protobuf) to the loopback receiver `scripts/test.sh` starts
//! (`scripts/otlp_receiver.py`, at `$ZIGGURAT_OTLP_URL`), which decodes what it gets with
//! the reference protobuf definitions and gives it back as JSON.
use crate::support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::Value as Json;
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use ziggurat::otel::OtelMeterProvider;
use ziggurat::prelude::*;

/// Creates a bucket, puts and gets an object, and gets one that does not exist, with spans
/// going to `tracer` (ziggurat's, DEBUG and up) and metrics to `meter`.
async fn calls(tracer: &SdkTracerProvider, meter: &SdkMeterProvider) {
    let server = S3Server::start().await.unwrap();
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .meter_provider(Arc::new(OtelMeterProvider::new(meter.clone())))
        .build();
    let subscriber = tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(tracer.tracer("ziggurat-tests"))
            .with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("ziggurat", tracing::Level::DEBUG),
            ),
    );
    // For this thread only: the tests run on a current-thread runtime.
    let _guard = crate::set_scoped_subscriber(subscriber);
    let s3 = ziggurat::s3::Client::new(&config);
    s3.create_bucket().bucket("otel").send().await.unwrap();
    s3.put_object()
        .bucket("otel")
        .key("k")
        .body(Body::from("hello"))
        .send()
        .await
        .unwrap();
    s3.get_object()
        .bucket("otel")
        .key("k")
        .send()
        .await
        .unwrap();
    let missing = s3.get_object().bucket("otel").key("missing").send().await;
    assert!(missing.is_err());
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attribute(attributes, key).map(|v| v.as_str().into_owned())
}

fn one<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

fn in_memory() -> (
    SdkTracerProvider,
    InMemorySpanExporter,
    SdkMeterProvider,
    InMemoryMetricExporter,
) {
    let spans = InMemorySpanExporter::default();
    let tracer = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let metrics = InMemoryMetricExporter::default();
    let meter = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    (tracer, spans, meter, metrics)
}

#[tokio::test(flavor = "current_thread")]
async fn operation_spans_are_client_spans_with_aws_attributes_and_attempt_children() {
    let (tracer, exporter, meter, _) = in_memory();
    calls(&tracer, &meter).await;
    tracer.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();

    let put = one(&spans, "S3.PutObject");
    assert_eq!(put.span_kind, SpanKind::Client);
    assert_eq!(put.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert_eq!(put.status, Status::Unset);
    for (key, value) in [
        ("rpc.system", "aws-api"),
        ("rpc.service", "S3"),
        ("rpc.method", "PutObject"),
        ("cloud.region", "us-east-1"),
    ] {
        assert_eq!(
            text(&put.attributes, key).as_deref(),
            Some(value),
            "{key}: {put:?}"
        );
    }
    // The server's ids (`ZIG…`, and `host-ZIG…=` for the extended one).
    let request_id = text(&put.attributes, "aws.request_id").unwrap_or_default();
    assert!(request_id.starts_with("ZIG"), "{put:?}");
    let host_id = text(&put.attributes, "aws.extended_request_id").unwrap_or_default();
    assert!(host_id.starts_with("host-ZIG"), "{put:?}");
    assert!(attribute(&put.attributes, "error.type").is_none());

    // Children share the operation's trace: attempt under the operation, http under the
    // attempt; the inner spans are internal.
    let trace = put.span_context.trace_id();
    let children: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace && s.name != "S3.PutObject")
        .collect();
    let attempt = children
        .iter()
        .find(|s| s.name == "attempt")
        .expect("an attempt span");
    assert_eq!(attempt.parent_span_id, put.span_context.span_id());
    assert_eq!(attempt.span_kind, SpanKind::Internal);
    assert_eq!(
        attribute(&attempt.attributes, "attempt"),
        Some(&Value::I64(1))
    );
    for name in ["serialize", "resolve_endpoint"] {
        let s = children.iter().find(|s| s.name == name).expect(name);
        assert_eq!(s.parent_span_id, put.span_context.span_id(), "{name}");
    }
    for name in ["identity", "sign", "http", "deserialize"] {
        let s = children.iter().find(|s| s.name == name).expect(name);
        assert_eq!(s.parent_span_id, attempt.span_context.span_id(), "{name}");
    }
    let http = children.iter().find(|s| s.name == "http").unwrap();
    assert_eq!(
        text(&http.attributes, "http.request.method").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        attribute(&http.attributes, "http.response.status_code"),
        Some(&Value::I64(200))
    );

    // Two GetObject calls, each its own trace; the failed one is an error, with its code.
    let gets: Vec<&SpanData> = spans.iter().filter(|s| s.name == "S3.GetObject").collect();
    assert_eq!(gets.len(), 2);
    assert_ne!(
        gets[0].span_context.trace_id(),
        gets[1].span_context.trace_id()
    );
    let failed: Vec<&&SpanData> = gets
        .iter()
        .filter(|s| matches!(s.status, Status::Error { .. }))
        .collect();
    assert_eq!(failed.len(), 1, "{gets:?}");
    let Status::Error { description } = &failed[0].status else {
        unreachable!()
    };
    assert!(description.contains("NoSuchKey"), "{description}");
    assert_eq!(
        text(&failed[0].attributes, "error.type").as_deref(),
        Some("NoSuchKey")
    );
    assert_eq!(failed[0].span_kind, SpanKind::Client);
    assert!(
        text(&failed[0].attributes, "aws.request_id").is_some(),
        "{failed:?}"
    );
}

/// A data point, flattened: its attributes and its value (a histogram's count).
#[derive(Debug)]
struct Point {
    attributes: BTreeMap<String, String>,
    value: f64,
}

fn flat(
    attributes: impl Iterator<Item = impl std::borrow::Borrow<KeyValue>>,
) -> BTreeMap<String, String> {
    attributes
        .map(|kv| {
            let kv = kv.borrow();
            (kv.key.to_string(), kv.value.to_string())
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn call_metrics_have_the_go_sdk_names_units_and_rpc_attributes() {
    let (tracer, _, meter, exporter) = in_memory();
    calls(&tracer, &meter).await;
    meter.force_flush().unwrap();
    let exported = exporter.get_finished_metrics().unwrap();
    let scope = exported
        .last()
        .expect("one export")
        .scope_metrics()
        .find(|s| s.scope().name() == "ziggurat")
        .expect("the ziggurat scope");
    let mut metrics: BTreeMap<String, (String, Vec<Point>)> = BTreeMap::new();
    for m in scope.metrics() {
        let points = match m.data() {
            AggregatedMetrics::F64(MetricData::Histogram(h)) => h
                .data_points()
                .map(|p| Point {
                    attributes: flat(p.attributes()),
                    value: p.count() as f64,
                })
                .collect(),
            AggregatedMetrics::U64(MetricData::Sum(s)) => {
                assert!(s.is_monotonic(), "{}", m.name());
                s.data_points()
                    .map(|p| Point {
                        attributes: flat(p.attributes()),
                        value: p.value() as f64,
                    })
                    .collect()
            }
            AggregatedMetrics::I64(MetricData::Sum(s)) => {
                assert!(!s.is_monotonic(), "{}", m.name());
                s.data_points()
                    .map(|p| Point {
                        attributes: flat(p.attributes()),
                        value: p.value() as f64,
                    })
                    .collect()
            }
            other => panic!("{}: unexpected {other:?}", m.name()),
        };
        metrics.insert(m.name().to_owned(), (m.unit().to_owned(), points));
    }

    let of = |name: &str, method: &str| -> f64 {
        let (_, points) = metrics.get(name).unwrap_or_else(|| panic!("{name}"));
        points
            .iter()
            .filter(|p| {
                p.attributes.get("rpc.service").map(String::as_str) == Some("S3")
                    && p.attributes.get("rpc.method").map(String::as_str) == Some(method)
            })
            .map(|p| p.value)
            .sum()
    };
    for (name, unit) in [
        ("client.call.duration", "s"),
        ("client.call.attempt_duration", "s"),
        ("client.call.serialization_duration", "s"),
        ("client.call.deserialization_duration", "s"),
        ("client.call.resolve_endpoint_duration", "s"),
        ("client.call.auth.resolve_identity_duration", "s"),
        ("client.call.auth.signing_duration", "s"),
        ("client.http.do_request_duration", "s"),
        ("client.http.time_to_first_byte", "s"),
        ("client.call.attempts", "{attempt}"),
    ] {
        assert_eq!(
            metrics.get(name).map(|m| m.0.as_str()),
            Some(unit),
            "{name}"
        );
        assert_eq!(of(name, "PutObject"), 1.0, "{name}");
        assert_eq!(of(name, "CreateBucket"), 1.0, "{name}");
    }
    // The pool after the calls: its connection idle, none acquired; counted per service.
    let (unit, usage) = &metrics["client.http.connections.usage"];
    assert_eq!(unit, "{connection}");
    let state = |s: &str| -> f64 {
        usage
            .iter()
            .filter(|p| p.attributes.get("state").map(String::as_str) == Some(s))
            .inspect(|p| {
                assert_eq!(
                    p.attributes.get("rpc.service").map(String::as_str),
                    Some("S3")
                )
            })
            .map(|p| p.value)
            .sum()
    };
    assert_eq!(state("acquired"), 0.0, "{usage:?}");
    assert!(state("idle") >= 1.0, "{usage:?}");
    // Two GetObject calls, one attempt each (NoSuchKey is not retried).
    assert_eq!(of("client.call.duration", "GetObject"), 2.0);
    assert_eq!(of("client.call.attempts", "GetObject"), 2.0);
    let (unit, errors) = &metrics["client.call.errors"];
    assert_eq!(unit, "{error}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].value, 1.0);
    assert_eq!(
        errors[0]
            .attributes
            .get("exception.type")
            .map(String::as_str),
        Some("NoSuchKey")
    );
    assert_eq!(
        errors[0].attributes.get("rpc.method").map(String::as_str),
        Some("GetObject")
    );
}

/// An HTTP/1.1 client for the loopback OTLP receiver, over a blocking `std` socket: the
/// exporters call it from their own threads, where no async runtime runs, and it needs
/// neither reqwest nor TLS.
#[derive(Debug, Clone, Copy)]
struct LoopbackHttp;

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for LoopbackHttp {
    async fn send_bytes(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        exchange(request)
    }
}

fn exchange(
    request: http::Request<bytes::Bytes>,
) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
    let authority = request
        .uri()
        .authority()
        .ok_or("the URL has no host")?
        .to_string();
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method(),
        request.body().len()
    );
    for (name, value) in request.headers() {
        if !matches!(name.as_str(), "host" | "connection" | "content-length") {
            head.push_str(&format!("{name}: {}\r\n", value.to_str()?));
        }
    }
    head.push_str("\r\n");
    let mut stream = std::net::TcpStream::connect(&authority)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of the response head")?;
    let head = std::str::from_utf8(&raw[..split])?;
    let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
    Ok(http::Response::builder()
        .status(status)
        .body(bytes::Bytes::copy_from_slice(&raw[split + 4..]))?)
}

#[tokio::test(flavor = "current_thread")]
async fn spans_and_metrics_reach_an_otlp_receiver_over_http() {
    let test = "otel::spans_and_metrics_reach_an_otlp_receiver_over_http";
    let Some(url) = support::peers::peer_url("ZIGGURAT_OTLP_URL", test) else {
        return;
    };
    // This run's service name: the receiver keeps everything it was sent.
    let service = support::peers::unique("ziggurat-otlp");
    let resource = Resource::builder()
        .with_service_name(service.clone())
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(LoopbackHttp)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{url}/v1/traces"))
        .build()
        .unwrap();
    let tracer = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_batch_exporter(spans)
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_http_client(LoopbackHttp)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{url}/v1/metrics"))
        .build()
        .unwrap();
    let meter = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_reader(PeriodicReader::builder(metrics).build())
        .build();

    calls(&tracer, &meter).await;
    tracer.force_flush().unwrap();
    meter.force_flush().unwrap();

    let received = exchange(
        http::Request::get(format!("{url}/received?service={service}"))
            .body(bytes::Bytes::new())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(received.status(), 200);
    let received: Json = serde_json::from_slice(received.body()).unwrap();
    let spans = received["spans"].as_array().expect("spans");
    let named = |name: &str| -> Vec<&Json> { spans.iter().filter(|s| s["name"] == name).collect() };

    let put = named("S3.PutObject");
    assert_eq!(put.len(), 1, "{received}");
    let put = put[0];
    assert_eq!(put["kind"], "SPAN_KIND_CLIENT");
    assert_eq!(put["parentSpanId"], "");
    assert_eq!(put["scope"], "ziggurat-tests");
    for (key, value) in [
        ("rpc.system", "aws-api"),
        ("rpc.service", "S3"),
        ("rpc.method", "PutObject"),
        ("cloud.region", "us-east-1"),
    ] {
        assert_eq!(put["attributes"][key], value, "{key}: {put}");
    }
    assert!(
        put["attributes"]["aws.request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ZIG")),
        "{put}"
    );
    let attempt = spans
        .iter()
        .find(|s| s["name"] == "attempt" && s["traceId"] == put["traceId"])
        .expect("the PutObject attempt");
    assert_eq!(attempt["parentSpanId"], put["spanId"]);
    assert_eq!(attempt["kind"], "SPAN_KIND_INTERNAL");
    assert_eq!(attempt["attributes"]["attempt"], 1);
    let http = spans
        .iter()
        .find(|s| s["name"] == "http" && s["traceId"] == put["traceId"])
        .expect("the PutObject http span");
    assert_eq!(http["parentSpanId"], attempt["spanId"]);
    assert_eq!(http["attributes"]["http.response.status_code"], 200);

    let failed: Vec<&Json> = named("S3.GetObject")
        .into_iter()
        .filter(|s| s["status"]["code"] == "STATUS_CODE_ERROR")
        .collect();
    assert_eq!(failed.len(), 1, "{received}");
    assert_eq!(failed[0]["attributes"]["error.type"], "NoSuchKey");
    assert!(
        failed[0]["status"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("NoSuchKey")),
        "{}",
        failed[0]
    );

    let metrics = received["metrics"].as_array().expect("metrics");
    let metric = |name: &str| -> &Json {
        metrics
            .iter()
            .find(|m| m["name"] == name && m["scope"] == "ziggurat")
            .unwrap_or_else(|| panic!("{name}: {received}"))
    };
    let duration = metric("client.call.duration");
    assert_eq!(duration["unit"], "s");
    assert_eq!(duration["type"], "histogram");
    let put_point = duration["points"]
        .as_array()
        .and_then(|p| {
            p.iter()
                .find(|p| p["attributes"]["rpc.method"] == "PutObject")
        })
        .expect("a PutObject point");
    assert_eq!(put_point["attributes"]["rpc.service"], "S3");
    assert_eq!(put_point["count"], 1);
    let errors = metric("client.call.errors");
    assert_eq!(errors["unit"], "{error}");
    assert_eq!(errors["type"], "sum");
    assert_eq!(
        errors["points"][0]["attributes"]["exception.type"],
        "NoSuchKey"
    );
    assert_eq!(errors["points"][0]["value"], 1);
    assert_eq!(metric("client.call.attempts")["unit"], "{attempt}");
    let usage = metric("client.http.connections.usage");
    assert_eq!(
        (&usage["unit"], &usage["type"]),
        (&Json::from("{connection}"), &Json::from("sum"))
    );
    let idle = usage["points"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["attributes"]["state"] == "idle"))
        .expect("an idle point");
    assert_eq!(idle["attributes"]["rpc.service"], "S3");
    assert!(idle["value"].as_i64().is_some_and(|v| v >= 1), "{idle}");
}
