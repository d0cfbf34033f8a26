//! The cost of telemetry per call: a DynamoDB `GetItem` through the full default stack over a
//! transport that answers at once, with nothing listening (the baseline), with a `tracing`
//! subscriber recording every span and field ziggurat emits (DEBUG), with spans exported
//! through `tracing-opentelemetry` to an OpenTelemetry tracer (an exporter that drops them),
//! and with the AWS SDK metrics recorded to an OpenTelemetry `MeterProvider` (a reader that
//! exports once an hour, so never during the run). Prints time and allocations per call, and
//! each case's difference from the baseline.
//!
//! `cargo bench --bench telemetry_overhead --features otel`
//!
//! The differences are medians over back-to-back pairs of blocks, so drift and noise from
//! the rest of the machine land on both sides. Subscribers are attached to each call's future
//! (`WithSubscriber`), so the baseline's calls really run with none.
mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::testing::trace::NoopSpanExporter;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Dispatch;
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use ziggurat::dynamodb::Client;
use ziggurat::otel::OtelMeterProvider;
use ziggurat::transport::TestTransport;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const RESPONSE: &str = r#"{"Item":{"pk":{"S":"user#1"},"name":{"S":"Ada"},"visits":{"N":"42"}}}"#;

/// Visits every field of every span and event, as a formatting subscriber would, without
/// the formatting: the cost of the instrumentation itself.
struct Visit;

struct Count(usize);

impl tracing::field::Visit for Count {
    fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        std::hint::black_box(value);
        self.0 += 1;
    }
}

impl<S: tracing::Subscriber> Layer<S> for Visit {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: LayerContext<'_, S>) {
        let mut count = Count(0);
        attrs.record(&mut count);
        std::hint::black_box(count.0);
    }
    fn on_record(&self, _: &Id, values: &Record<'_>, _: LayerContext<'_, S>) {
        let mut count = Count(0);
        values.record(&mut count);
        std::hint::black_box(count.0);
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
        let mut count = Count(0);
        event.record(&mut count);
        std::hint::black_box(count.0);
    }
}

/// One case: a client, and the subscriber its calls run with.
struct Case {
    client: Client,
    dispatch: Option<Dispatch>,
}

fn sdk_config() -> ziggurat::config::SdkConfigBuilder {
    let res = http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "BENCHREQUESTID")
        .body(Bytes::from_static(RESPONSE.as_bytes()))
        .expect("static response");
    common::offline_sdk_config().http_client(TestTransport::always_response(res).into_http_client())
}

fn debug_ziggurat() -> tracing_subscriber::filter::Targets {
    tracing_subscriber::filter::Targets::new().with_target("ziggurat", tracing::Level::DEBUG)
}

fn cases() -> Vec<Case> {
    let plain = || Client::new(&sdk_config().build());
    let tracer = SdkTracerProvider::builder()
        .with_simple_exporter(NoopSpanExporter::new())
        .build();
    let otel_traces = tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(tracer.tracer("telemetry-overhead"))
            .with_filter(debug_ziggurat()),
    );
    let meter = SdkMeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(InMemoryMetricExporter::default())
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    vec![
        Case {
            client: plain(),
            dispatch: None,
        },
        Case {
            client: plain(),
            dispatch: Some(Dispatch::new(
                tracing_subscriber::registry().with(Visit.with_filter(debug_ziggurat())),
            )),
        },
        Case {
            client: plain(),
            dispatch: Some(Dispatch::new(otel_traces)),
        },
        Case {
            client: Client::new(
                &sdk_config()
                    .meter_provider(Arc::new(OtelMeterProvider::new(meter)))
                    .build(),
            ),
            dispatch: None,
        },
    ]
}

const NAMES: [&str; 4] = [
    "nothing listening",
    "spans recorded (DEBUG)",
    "spans to OpenTelemetry",
    "metrics to OpenTelemetry",
];

async fn get_item(case: &Case) {
    let call = async {
        let out = case
            .client
            .get_item()
            .table_name("users")
            .key("pk", "user#1")
            .send()
            .await
            .expect("get_item");
        std::hint::black_box(out);
    };
    match &case.dispatch {
        Some(dispatch) => call.with_subscriber(dispatch.clone()).await,
        None => call.await,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let cases = cases();
    let call = async |c: &Case| get_item(c).await;
    common::print_allocations_per_call(&rt, &NAMES, &cases, call);
    let best = common::interleaved_min_ns(&rt, &cases, 30, 1000, call);
    println!("best of 30 interleaved rounds of 1000 calls:");
    for (name, ns) in NAMES.iter().zip(&best) {
        println!("  {name:<26} {ns:>8.0} ns");
    }
    let Some((baseline, rest)) = cases.split_first() else {
        return;
    };
    println!(
        "median difference from \"{}\" over 41 back-to-back pairs of 300 calls:",
        NAMES[0]
    );
    for (name, case) in NAMES.iter().skip(1).zip(rest) {
        let extra = common::paired_difference_ns(&rt, case, baseline, 41, 300, call);
        println!("  {name:<26} {extra:>+8.0} ns");
    }
}
