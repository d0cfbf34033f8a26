//! Records the AWS SDK's metrics for every call of a client with a meter provider.
//!
//! The [`Metrics`] entry (Initialize, first; id [`METRICS`]) is in a client's stack only when
//! its configuration (or the process) has a
//! [`MeterProvider`](ziggurat_core::metrics::MeterProvider). It turns on the timing marks the
//! orchestrator, the endpoint resolver and the signer already record for
//! [`Timing`](crate::timing), and after each call records them to instruments created once,
//! when the client was built: the call's duration, attempts and errors; per attempt its
//! duration, identity resolution, signing, the HTTP round trip (request sent to response
//! head, also recorded as time to first byte) and deserialization; and the call's
//! serialization and endpoint resolution. Every measurement carries `rpc.service` and
//! `rpc.method`; errors also `exception.type` (the error code, or the kind of failure).
//!
//! The connection wait (`client.http.connections.acquire_duration`) is recorded when the
//! transport reports it (ziggurat's hyper transport does, see
//! [`MeasureConnection`](ziggurat_core::transport::MeasureConnection)), and so is
//! `client.http.connections.usage`: the transport counts its connections as they move
//! between `idle` and `acquired` (the `state` attribute) in an up-down counter with
//! `rpc.service` and no `rpc.method`, since a connection serves every operation (see
//! [`ConnectionUsage`]).
//!
//! ```
//! use std::sync::Arc;
//! use ziggurat_core::metrics::{Attributes, Histogram, InstrumentSpec, Meter, MonotonicCounter};
//! use ziggurat_layers::metrics::Metrics;
//!
//! struct Nothing;
//! impl Histogram for Nothing { fn record(&self, _: f64, _: &Attributes<'_>) {} }
//! impl MonotonicCounter for Nothing { fn add(&self, _: u64, _: &Attributes<'_>) {} }
//! struct NoMeter;
//! impl Meter for NoMeter {
//!     fn histogram(&self, _: &'static InstrumentSpec) -> Arc<dyn Histogram> { Arc::new(Nothing) }
//!     fn counter(&self, _: &'static InstrumentSpec) -> Arc<dyn MonotonicCounter> { Arc::new(Nothing) }
//! }
//! let entry = ziggurat_core::stack::Middleware::input_hook(Metrics::new(&NoMeter));
//! # let _ = entry;
//! ```
use std::sync::Arc;

use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{Input, InputHook, OperationOutput};
use ziggurat_core::metadata::Timings;
use ziggurat_core::metrics::{
    Attributes, Histogram, Meter, MonotonicCounter, UpDownCounter, instruments as i,
};
use ziggurat_core::transport::ConnectionUsage;

/// The id of the [`Metrics`] entry.
pub const METRICS: &str = "Metrics";

/// The instrumentation scope of the client's meter.
pub const SCOPE: &str = "ziggurat";

/// The stack entry: the instruments, created once per client.
pub struct Metrics {
    call_duration: Arc<dyn Histogram>,
    call_attempts: Arc<dyn MonotonicCounter>,
    call_errors: Arc<dyn MonotonicCounter>,
    attempt_duration: Arc<dyn Histogram>,
    serialization: Arc<dyn Histogram>,
    deserialization: Arc<dyn Histogram>,
    endpoint: Arc<dyn Histogram>,
    identity: Arc<dyn Histogram>,
    signing: Arc<dyn Histogram>,
    do_request: Arc<dyn Histogram>,
    first_byte: Arc<dyn Histogram>,
    connection: Arc<dyn Histogram>,
    connection_usage: Arc<dyn UpDownCounter>,
    /// The counter with the client's service, made at its first call.
    usage: std::sync::OnceLock<ConnectionUsage>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// The entry, with its instruments from `meter`.
    pub fn new(meter: &dyn Meter) -> Self {
        Metrics {
            call_duration: meter.histogram(&i::CALL_DURATION),
            call_attempts: meter.counter(&i::CALL_ATTEMPTS),
            call_errors: meter.counter(&i::CALL_ERRORS),
            attempt_duration: meter.histogram(&i::ATTEMPT_DURATION),
            serialization: meter.histogram(&i::SERIALIZATION_DURATION),
            deserialization: meter.histogram(&i::DESERIALIZATION_DURATION),
            endpoint: meter.histogram(&i::RESOLVE_ENDPOINT_DURATION),
            identity: meter.histogram(&i::RESOLVE_IDENTITY_DURATION),
            signing: meter.histogram(&i::SIGNING_DURATION),
            do_request: meter.histogram(&i::DO_REQUEST_DURATION),
            first_byte: meter.histogram(&i::TIME_TO_FIRST_BYTE),
            connection: meter.histogram(&i::CONNECTION_ACQUIRE_DURATION),
            connection_usage: meter.up_down_counter(&i::CONNECTIONS_USAGE),
            usage: std::sync::OnceLock::new(),
        }
    }

    fn record(&self, t: &Timings, attempts: u32, attrs: &Attributes<'_>) {
        self.call_duration.record(t.operation.as_secs_f64(), attrs);
        self.call_attempts.add(u64::from(attempts), attrs);
        self.serialization
            .record(t.serialization.as_secs_f64(), attrs);
        self.endpoint.record(t.endpoint.as_secs_f64(), attrs);
        for a in &t.attempts {
            self.attempt_duration.record(a.total.as_secs_f64(), attrs);
            self.identity.record(a.identity.as_secs_f64(), attrs);
            self.signing.record(a.signing.as_secs_f64(), attrs);
            self.do_request.record(a.wire.as_secs_f64(), attrs);
            self.first_byte.record(a.wire.as_secs_f64(), attrs);
            if let Some(wait) = a.connection {
                self.connection.record(wait.as_secs_f64(), attrs);
            }
            self.deserialization
                .record(a.deserialization.as_secs_f64(), attrs);
        }
    }
}

impl InputHook for Metrics {
    fn on_input(&self, _: &mut Input, ctx: &mut Context) -> Result<(), SdkError> {
        ctx.enable_timing();
        let service = ctx.service();
        if let Some(marks) = ctx.timing_mut()
            && marks.connection_usage.is_none()
        {
            let usage = self
                .usage
                .get_or_init(|| ConnectionUsage::new(self.connection_usage.clone(), service));
            marks.connection_usage = Some(usage.clone());
        }
        Ok(())
    }

    fn on_output(&self, ctx: &mut Context, result: &mut Result<OperationOutput, SdkError>) {
        let metadata = match &*result {
            Ok(out) => &out.metadata,
            Err(e) => e.metadata(),
        };
        // The marks, or (when a `Timing` entry took them first) the timings it wrote.
        let timings = match ctx.timing() {
            Some(marks) => Timings {
                operation: marks.start.map(|s| s.elapsed()).unwrap_or_default(),
                serialization: marks.serialization,
                endpoint: marks.endpoint,
                attempts: marks.attempts.clone(),
            },
            None => metadata.timings().cloned().unwrap_or_default(),
        };
        let attrs = Attributes::call(ctx.service(), ctx.operation());
        self.record(&timings, metadata.attempts().max(1), &attrs);
        if let Err(e) = &*result {
            let kind = e.error_type();
            self.call_errors.add(
                1,
                &Attributes {
                    error_type: Some(kind),
                    ..attrs
                },
            );
        }
    }
}
