//! Telemetry, offline: an S3 server runs inside this program (s3s + s3s-fs), and a client's
//! calls to it are exported with OpenTelemetry's stdout exporters.
//!
//! - Traces: the client's `tracing` spans reach OpenTelemetry through tracing-opentelemetry;
//!   each call is a span of kind client named `S3.PutObject`, with `rpc.*`, `cloud.region`
//!   and `aws.request_id`, and a failed call has an error status and `error.type`.
//! - Metrics: `ziggurat::otel::OtelMeterProvider` puts an OpenTelemetry meter provider behind
//!   the client's, so the AWS SDK instruments are printed when the provider shuts down
//!   (here `client.call.duration`, `client.call.attempts` and `client.call.errors`; a view
//!   drops the rest).
//!
//! `cargo run --example telemetry --features otel` (the test command runs it too).
#[path = "../tests/integration/support/s3_server.rs"]
mod s3_server;

use std::sync::Arc;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{
    Aggregation, Instrument, PeriodicReader, SdkMeterProvider, Stream,
};
use opentelemetry_sdk::trace::SdkTracerProvider;
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use ziggurat::error::BoxError;
use ziggurat::otel::OtelMeterProvider;
use ziggurat::prelude::*;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let server = S3Server::start().await?;

    // Traces: ziggurat's operation spans (target `ziggurat`, INFO), printed as they end.
    // `Level::DEBUG` adds each call's serialization, endpoint and attempt spans (identity,
    // signing, the HTTP exchange, deserialization) below them.
    let resource = Resource::builder()
        .with_service_name("telemetry-example")
        .build();
    let tracer_provider = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(tracer_provider.tracer("telemetry-example"))
        // Only ziggurat's attributes: no target, source location, thread or busy/idle times.
        .with_target(false)
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("ziggurat", tracing::Level::INFO),
        );
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(otel_layer))?;

    // Metrics: an OpenTelemetry meter provider behind the client's. The view keeps the three
    // per-call instruments and drops the per-step durations, to keep the output short.
    let per_call = |i: &Instrument| match i.name() {
        "client.call.duration" | "client.call.attempts" | "client.call.errors" => None,
        _ => Stream::builder()
            .with_aggregation(Aggregation::Drop)
            .build()
            .ok(),
    };
    let meter_provider = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_view(per_call)
        .with_reader(
            PeriodicReader::builder(opentelemetry_stdout::MetricExporter::default()).build(),
        )
        .build();
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .meter_provider(Arc::new(OtelMeterProvider::new(meter_provider.clone())))
        .build();

    let s3 = ziggurat::s3::Client::new(&config);
    s3.create_bucket().bucket("telemetry").send().await?;
    s3.put_object()
        .bucket("telemetry")
        .key("hello.txt")
        .body(Body::from("hello, telemetry"))
        .send()
        .await?;
    // A failed call: its span has an error status, and `client.call.errors` counts it.
    let missing = s3
        .get_object()
        .bucket("telemetry")
        .key("missing")
        .send()
        .await;
    let Err(error) = missing else {
        return Err("a missing key was found".into());
    };
    println!("expected failure: {error}");

    // Flush and stop both: the metrics are printed now.
    tracer_provider.shutdown()?;
    meter_provider.shutdown()?;
    Ok(())
}
