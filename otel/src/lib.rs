//! OpenTelemetry for ziggurat clients.
//!
//! **Metrics** go through ziggurat's small meter abstraction
//! ([`ziggurat_core::metrics`]); [`OtelMeterProvider`] puts any OpenTelemetry
//! [`MeterProvider`](opentelemetry::metrics::MeterProvider) behind it, so a client's AWS SDK
//! instruments (`client.call.duration`, `client.call.attempts`, `client.call.errors`, the
//! attempt, serialization, endpoint, identity, signing and HTTP durations) become OpenTelemetry
//! instruments: histograms of `f64` with the unit and description of their
//! [`InstrumentSpec`], counters of `u64`, and the measurement's attributes (`rpc.service`,
//! `rpc.method`, `exception.type` on errors) as [`KeyValue`]s. Durations (unit `s`) get
//! bucket boundaries for seconds ([`SECONDS_BOUNDARIES`]). A client creates its instruments
//! once, when it is built, and only records to them per call.
//!
//! ```
//! use std::sync::Arc;
//! use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::metrics::{Attributes, instruments};
//! use ziggurat_otel::OtelMeterProvider;
//!
//! // Any OpenTelemetry meter provider: here the SDK's, exporting to memory (in a program,
//! // opentelemetry-otlp's exporter, or opentelemetry-stdout's).
//! let exporter = InMemoryMetricExporter::default();
//! let otel = SdkMeterProvider::builder()
//!     .with_reader(PeriodicReader::builder(exporter.clone()).build())
//!     .build();
//!
//! // Every client built from this configuration records its calls there.
//! let config = SdkConfig::builder()
//!     .meter_provider(Arc::new(OtelMeterProvider::new(otel.clone())))
//!     .build();
//!
//! // What a client does, when it is built and after a call:
//! let meter = config.meter_provider().expect("set above").meter("ziggurat");
//! let duration = meter.histogram(&instruments::CALL_DURATION);
//! let attributes = Attributes::call("DynamoDB", "GetItem");
//! duration.record(0.012, &attributes);
//!
//! otel.force_flush()?;
//! let exported = exporter.get_finished_metrics()?;
//! let metric = exported
//!     .iter()
//!     .flat_map(|r| r.scope_metrics())
//!     .flat_map(|s| s.metrics())
//!     .find(|m| m.name() == "client.call.duration")
//!     .expect("exported");
//! assert_eq!(metric.unit(), "s");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Traces need nothing from this crate.** Every call emits [`tracing`] spans (target
//! `ziggurat`): an INFO span per operation and DEBUG spans below it (serialization, endpoint
//! resolution, each attempt with identity, signing, the HTTP exchange and deserialization).
//! [`tracing-opentelemetry`]'s layer turns them into OpenTelemetry spans, with their parent
//! links, and reads the fields the operation span sets for it:
//!
//! - `otel.name` is the span's name: `DynamoDB.GetItem`, `S3.PutObject`, as the AWS SDKs
//!   name their spans (the `tracing` name of the span itself is `operation`);
//! - `otel.kind = "client"` makes it a span of kind `SpanKind::Client`;
//! - `otel.status_code = "ERROR"` and `otel.status_description`, recorded when the call
//!   fails, set its `Status` to an error with the error's message; `error.type` says why
//!   (the error code, such as `NoSuchKey`, or the kind of failure, such as `timeout`);
//! - the other fields are attributes, named by the OpenTelemetry conventions for AWS SDK
//!   calls: `rpc.system = "aws-api"`, `rpc.service`, `rpc.method`, `cloud.region`,
//!   `aws.request_id` and `aws.extended_request_id`; the HTTP span has
//!   `http.request.method`, `http.response.status_code` and the body sizes.
//!
//! ```
//! use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//! // `set_global_default` in a program; here, for this thread only.
//! let subscriber = tracing_subscriber::registry()
//!     .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("ziggurat")));
//! tracing::subscriber::with_default(subscriber, || {
//!     // A span like the one a failed call emits.
//!     let span = tracing::info_span!(
//!         "operation",
//!         otel.name = "S3.GetObject",
//!         otel.kind = "client",
//!         otel.status_code = tracing::field::Empty,
//!     );
//!     span.record("otel.status_code", "ERROR");
//! });
//! provider.force_flush()?;
//! let spans = exporter.get_finished_spans()?;
//! assert_eq!(spans[0].name, "S3.GetObject");
//! assert_eq!(spans[0].span_kind, SpanKind::Client);
//! assert!(matches!(spans[0].status, Status::Error { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! tracing-opentelemetry also adds, by default, the target, the source location (`code.*`),
//! the thread (`thread.*`) and the time spent busy and idle (`busy_ns`, `idle_ns`) to every
//! span; `.with_target(false)`, `.with_location(false)`, `.with_threads(false)` and
//! `.with_tracked_inactivity(false)` on the layer leave only ziggurat's attributes. Keep only the operation spans with a filter on the layer
//! (`tracing_subscriber::filter::Targets::new().with_target("ziggurat", Level::INFO)`), or
//! all of them with `Level::DEBUG`. This crate has no `tracing_layer(tracer)` helper: it would
//! be `tracing_opentelemetry::layer().with_tracer(tracer)` under another name, and would tie
//! this crate to tracing-opentelemetry's release line as well as OpenTelemetry's.
//!
//! # Versions
//!
//! OpenTelemetry's Rust crates are 0.x, and each minor release changes their types, so an
//! adapter works with one minor line only. This crate's version follows that line: ziggurat-otel
//! 0.33.x adapts opentelemetry 0.33.x, and a new opentelemetry minor gets a new ziggurat-otel
//! minor (0.34.0 for opentelemetry 0.34), not a cargo feature per OpenTelemetry version.
//! Choose the ziggurat-otel whose minor matches the opentelemetry your program uses. The
//! other ziggurat crates do not depend on OpenTelemetry at all.
//!
//! [`tracing`]: https://docs.rs/tracing
//! [`tracing-opentelemetry`]: https://docs.rs/tracing-opentelemetry
#![warn(missing_docs)]

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use opentelemetry::{InstrumentationScope, KeyValue};
use ziggurat_core::metrics::{
    Attributes, Histogram, InstrumentSpec, Meter, MeterProvider, MonotonicCounter, UpDownCounter,
};

/// A ziggurat [`MeterProvider`] over an OpenTelemetry
/// [`MeterProvider`](opentelemetry::metrics::MeterProvider): give it to
/// `SdkConfig::builder().meter_provider(..)`, or make it the process default with
/// [`ziggurat_core::metrics::set_default_provider`].
///
/// ```
/// use std::sync::Arc;
/// use ziggurat_otel::OtelMeterProvider;
///
/// let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
/// let config = ziggurat_core::config::SdkConfig::builder()
///     .meter_provider(Arc::new(OtelMeterProvider::new(provider)))
///     .build();
/// assert!(config.meter_provider().is_some());
/// ```
#[derive(Clone)]
pub struct OtelMeterProvider {
    source: Source,
}

#[derive(Clone)]
enum Source {
    Provider(Arc<dyn opentelemetry::metrics::MeterProvider + Send + Sync>),
    Global,
}

impl OtelMeterProvider {
    /// Records to `provider` (an `SdkMeterProvider`, or any other implementation).
    pub fn new<P>(provider: P) -> Self
    where
        P: opentelemetry::metrics::MeterProvider + Send + Sync + 'static,
    {
        Self {
            source: Source::Provider(Arc::new(provider)),
        }
    }

    /// Records to OpenTelemetry's global provider ([`opentelemetry::global::meter_provider`]),
    /// as it is when each client is built: a client built before
    /// [`opentelemetry::global::set_meter_provider`] keeps the no-op provider.
    pub fn global() -> Self {
        Self {
            source: Source::Global,
        }
    }
}

impl fmt::Debug for OtelMeterProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            Source::Provider(_) => "provider",
            Source::Global => "global",
        };
        f.debug_struct("OtelMeterProvider")
            .field("source", &source)
            .finish()
    }
}

impl MeterProvider for OtelMeterProvider {
    fn meter(&self, scope: &'static str) -> Arc<dyn Meter> {
        let scope = InstrumentationScope::builder(scope).build();
        let meter = match &self.source {
            Source::Provider(p) => p.meter_with_scope(scope),
            Source::Global => opentelemetry::global::meter_provider().meter_with_scope(scope),
        };
        Arc::new(OtelMeter(meter))
    }
}

/// The bucket boundaries of histograms in seconds: the OpenTelemetry conventions' advice for
/// HTTP client durations (`http.client.request.duration`), from 5 ms to 10 s. The SDK's
/// default boundaries (0, 5, 10, 25, ... 10 000) suit milliseconds, and would put every call
/// in one bucket. A view configured on the provider overrides them.
pub const SECONDS_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// An OpenTelemetry meter, as a ziggurat [`Meter`].
struct OtelMeter(opentelemetry::metrics::Meter);

impl Meter for OtelMeter {
    fn histogram(&self, spec: &'static InstrumentSpec) -> Arc<dyn Histogram> {
        let builder = self
            .0
            .f64_histogram(spec.name)
            .with_unit(spec.unit)
            .with_description(spec.description);
        let builder = if spec.unit == "s" {
            builder.with_boundaries(SECONDS_BOUNDARIES.to_vec())
        } else {
            builder
        };
        Arc::new(OtelHistogram(builder.build()))
    }

    fn counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn MonotonicCounter> {
        Arc::new(OtelCounter(
            self.0
                .u64_counter(spec.name)
                .with_unit(spec.unit)
                .with_description(spec.description)
                .build(),
        ))
    }

    fn up_down_counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn UpDownCounter> {
        Arc::new(OtelUpDownCounter(
            self.0
                .i64_up_down_counter(spec.name)
                .with_unit(spec.unit)
                .with_description(spec.description)
                .build(),
        ))
    }
}

struct OtelHistogram(opentelemetry::metrics::Histogram<f64>);

impl Histogram for OtelHistogram {
    fn record(&self, value: f64, attributes: &Attributes<'_>) {
        with_key_values(attributes, |kv| self.0.record(value, kv));
    }
}

struct OtelCounter(opentelemetry::metrics::Counter<u64>);

impl MonotonicCounter for OtelCounter {
    fn add(&self, value: u64, attributes: &Attributes<'_>) {
        with_key_values(attributes, |kv| self.0.add(value, kv));
    }
}

struct OtelUpDownCounter(opentelemetry::metrics::UpDownCounter<i64>);

impl UpDownCounter for OtelUpDownCounter {
    fn add(&self, value: i64, attributes: &Attributes<'_>) {
        with_key_values(attributes, |kv| self.0.add(value, kv));
    }
}

/// Calls `f` with the attributes as OpenTelemetry key-values, on the stack.
fn with_key_values(attributes: &Attributes<'_>, f: impl FnOnce(&[KeyValue])) {
    let value = |v: &str| Cow::<'static, str>::Owned(v.to_owned());
    // Static text is kept as it is: no copy per measurement.
    let service = KeyValue::new("rpc.service", attributes.rpc_service);
    if let Some(state) = attributes.connection_state {
        // Connection counts: not of one operation.
        return f(&[service, KeyValue::new("state", state)]);
    }
    let method = KeyValue::new("rpc.method", attributes.rpc_method);
    match attributes.error_type {
        None => f(&[service, method]),
        Some(e) => f(&[service, method, KeyValue::new("exception.type", value(e))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
    use ziggurat_core::metrics::instruments;

    fn sdk() -> (SdkMeterProvider, InMemoryMetricExporter) {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        (provider, exporter)
    }

    fn attributes(kv: impl Iterator<Item = impl std::borrow::Borrow<KeyValue>>) -> Vec<String> {
        let mut out: Vec<_> = kv
            .map(|kv| format!("{}={}", kv.borrow().key, kv.borrow().value))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn histograms_and_counters_keep_name_unit_description_and_attributes() {
        let (provider, exporter) = sdk();
        let meter = OtelMeterProvider::new(provider.clone()).meter("ziggurat");
        let ok = Attributes::call("S3", "GetObject");
        let failed = Attributes {
            error_type: Some("NoSuchKey"),
            ..ok
        };
        let duration = meter.histogram(&instruments::CALL_DURATION);
        duration.record(0.5, &ok);
        duration.record(1.5, &ok);
        meter.counter(&instruments::CALL_ERRORS).add(1, &failed);
        let usage = meter.up_down_counter(&instruments::CONNECTIONS_USAGE);
        let acquired = Attributes {
            connection_state: Some("acquired"),
            ..Attributes::call("S3", "")
        };
        usage.add(2, &acquired);
        usage.add(-1, &acquired);
        provider.force_flush().unwrap();

        let exported = exporter.get_finished_metrics().unwrap();
        let scope = exported
            .last()
            .unwrap()
            .scope_metrics()
            .find(|s| s.scope().name() == "ziggurat")
            .unwrap();
        let mut seen = 0;
        for metric in scope.metrics() {
            match (metric.name(), metric.data()) {
                ("client.call.duration", AggregatedMetrics::F64(MetricData::Histogram(h))) => {
                    assert_eq!(metric.unit(), "s");
                    assert_eq!(metric.description(), instruments::CALL_DURATION.description);
                    let p = h.data_points().next().unwrap();
                    assert_eq!((p.count(), p.sum()), (2, 2.0));
                    assert_eq!(p.bounds().collect::<Vec<_>>(), SECONDS_BOUNDARIES);
                    assert_eq!(
                        attributes(p.attributes()),
                        ["rpc.method=GetObject", "rpc.service=S3"]
                    );
                }
                ("client.call.errors", AggregatedMetrics::U64(MetricData::Sum(s))) => {
                    assert_eq!(metric.unit(), "{error}");
                    assert!(s.is_monotonic());
                    let p = s.data_points().next().unwrap();
                    assert_eq!(p.value(), 1);
                    assert_eq!(
                        attributes(p.attributes()),
                        [
                            "exception.type=NoSuchKey",
                            "rpc.method=GetObject",
                            "rpc.service=S3"
                        ]
                    );
                }
                ("client.http.connections.usage", AggregatedMetrics::I64(MetricData::Sum(s))) => {
                    assert_eq!(metric.unit(), "{connection}");
                    assert!(!s.is_monotonic());
                    let p = s.data_points().next().unwrap();
                    assert_eq!(p.value(), 1);
                    assert_eq!(
                        attributes(p.attributes()),
                        ["rpc.service=S3", "state=acquired"]
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
            seen += 1;
        }
        assert_eq!(seen, 3);
    }

    #[test]
    fn the_global_provider_is_read_when_a_meter_is_made() {
        let (provider, exporter) = sdk();
        let ours = OtelMeterProvider::global();
        opentelemetry::global::set_meter_provider(provider.clone());
        let attributes = Attributes::call("DynamoDB", "GetItem");
        ours.meter("ziggurat")
            .counter(&instruments::CALL_ATTEMPTS)
            .add(2, &attributes);
        provider.force_flush().unwrap();
        let names: Vec<String> = exporter
            .get_finished_metrics()
            .unwrap()
            .iter()
            .flat_map(|r| r.scope_metrics())
            .flat_map(|s| s.metrics())
            .map(|m| m.name().to_owned())
            .collect();
        assert!(
            names.iter().any(|n| n == "client.call.attempts"),
            "{names:?}"
        );
        assert!(format!("{ours:?}").contains("global"));
    }
}
