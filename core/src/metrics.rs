//! A small meter abstraction: what a client needs to emit the AWS SDK's metrics, and nothing
//! more, so that any metrics library fits behind it (`ziggurat-otel` puts OpenTelemetry
//! there).
//!
//! A client with a [`MeterProvider`] (from its `SdkConfig`, or the process default set with
//! [`set_default_provider`]) creates its instruments once, when it is built, and records to
//! them after every call: the instruments of the AWS SDK for Go v2, with its names and units
//! ([`instruments`]), and the `rpc.service` and `rpc.method` attributes. A client without one
//! does no metric work at all: no entry in its stack, no clock read.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use ziggurat_core::metrics::{Attributes, Histogram, InstrumentSpec, Meter, MeterProvider, MonotonicCounter};
//!
//! /// Prints every measurement.
//! #[derive(Debug)]
//! struct Print;
//! struct Line(&'static str);
//! impl Histogram for Line {
//!     fn record(&self, value: f64, attributes: &Attributes<'_>) {
//!         println!("{} {value} {:?}", self.0, attributes);
//!     }
//! }
//! impl MonotonicCounter for Line {
//!     fn add(&self, value: u64, attributes: &Attributes<'_>) {
//!         println!("{} +{value} {:?}", self.0, attributes);
//!     }
//! }
//! impl Meter for Print {
//!     fn histogram(&self, spec: &'static InstrumentSpec) -> Arc<dyn Histogram> {
//!         Arc::new(Line(spec.name))
//!     }
//!     fn counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn MonotonicCounter> {
//!         Arc::new(Line(spec.name))
//!     }
//! }
//! impl MeterProvider for Print {
//!     fn meter(&self, _scope: &'static str) -> Arc<dyn Meter> {
//!         Arc::new(Print)
//!     }
//! }
//! let config = ziggurat_core::config::SdkConfig::builder().meter_provider(Arc::new(Print)).build();
//! assert!(config.meter_provider().is_some());
//! ```
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

/// A metric's name, unit and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstrumentSpec {
    /// The name (`client.call.duration`).
    pub name: &'static str,
    /// The unit, in UCUM (`s`, `{attempt}`).
    pub unit: &'static str,
    /// What it measures.
    pub description: &'static str,
}

/// The attributes of one measurement.
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    /// `rpc.service`: the service id (`DynamoDB`). Static text, so that a meter can keep it
    /// without copying it per measurement.
    pub rpc_service: &'static str,
    /// `rpc.method`: the operation (`GetItem`), static text as well. Empty on
    /// `client.http.connections.usage`, which counts connections, not calls; [`pairs`](Self::pairs)
    /// leaves an empty method out.
    pub rpc_method: &'static str,
    /// `exception.type`, on `client.call.errors`: the error code or kind.
    pub error_type: Option<&'a str>,
    /// `state`, on `client.http.connections.usage`: `idle` or `acquired`.
    pub connection_state: Option<&'static str>,
}

impl Attributes<'_> {
    /// The attributes of a measurement of one call: `rpc.service` and `rpc.method`.
    pub const fn call(rpc_service: &'static str, rpc_method: &'static str) -> Self {
        Attributes {
            rpc_service,
            rpc_method,
            error_type: None,
            connection_state: None,
        }
    }

    /// The attributes as key-value pairs, as metrics libraries take them.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            Some(("rpc.service", self.rpc_service)),
            (!self.rpc_method.is_empty()).then_some(("rpc.method", self.rpc_method)),
            self.error_type.map(|e| ("exception.type", e)),
            self.connection_state.map(|s| ("state", s)),
        ]
        .into_iter()
        .flatten()
    }
}

/// A histogram: durations, sizes.
pub trait Histogram: Send + Sync {
    /// Records one value.
    fn record(&self, value: f64, attributes: &Attributes<'_>);
}

/// A counter that only goes up.
pub trait MonotonicCounter: Send + Sync {
    /// Adds `value`.
    fn add(&self, value: u64, attributes: &Attributes<'_>);
}

/// A counter that goes up and down: connections in a state.
pub trait UpDownCounter: Send + Sync {
    /// Adds `value`, which may be negative.
    fn add(&self, value: i64, attributes: &Attributes<'_>);
}

/// Creates instruments.
pub trait Meter: Send + Sync {
    /// A histogram.
    fn histogram(&self, spec: &'static InstrumentSpec) -> Arc<dyn Histogram>;
    /// A monotonic counter.
    fn counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn MonotonicCounter>;
    /// An up-down counter. By default one that records nothing, so that a meter written
    /// before this instrument existed keeps working (without `client.http.connections.usage`).
    fn up_down_counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn UpDownCounter> {
        let _ = spec;
        Arc::new(NoUpDownCounter)
    }
}

/// The up-down counter of a meter that has none: records nothing.
struct NoUpDownCounter;

impl UpDownCounter for NoUpDownCounter {
    fn add(&self, _: i64, _: &Attributes<'_>) {}
}

/// Hands out meters, one per instrumentation scope.
pub trait MeterProvider: Send + Sync + fmt::Debug {
    /// The meter of `scope` (`ziggurat`).
    fn meter(&self, scope: &'static str) -> Arc<dyn Meter>;
}

/// A shareable meter provider.
pub type SharedMeterProvider = Arc<dyn MeterProvider>;

fn default_slot() -> &'static RwLock<Option<SharedMeterProvider>> {
    static DEFAULT: OnceLock<RwLock<Option<SharedMeterProvider>>> = OnceLock::new();
    DEFAULT.get_or_init(|| RwLock::new(None))
}

/// Sets the provider of clients whose configuration has none (clients built afterwards).
pub fn set_default_provider(provider: Option<SharedMeterProvider>) {
    let mut slot = default_slot()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = provider;
}

/// The process default provider, if one is set.
pub fn default_provider() -> Option<SharedMeterProvider> {
    default_slot()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The AWS SDK instruments, with the Go SDK's names and units.
pub mod instruments {
    use super::InstrumentSpec;

    const fn spec(
        name: &'static str,
        unit: &'static str,
        description: &'static str,
    ) -> InstrumentSpec {
        InstrumentSpec {
            name,
            unit,
            description,
        }
    }

    /// The whole call, every attempt and backoff included.
    pub static CALL_DURATION: InstrumentSpec = spec(
        "client.call.duration",
        "s",
        "Overall call duration (including retries and time to send or receive request and response body)",
    );
    /// Attempts per call.
    pub static CALL_ATTEMPTS: InstrumentSpec = spec(
        "client.call.attempts",
        "{attempt}",
        "The number of attempts for an individual operation",
    );
    /// Calls that failed.
    pub static CALL_ERRORS: InstrumentSpec = spec(
        "client.call.errors",
        "{error}",
        "The number of errors for an operation",
    );
    /// One attempt.
    pub static ATTEMPT_DURATION: InstrumentSpec = spec(
        "client.call.attempt_duration",
        "s",
        "The time it takes to connect to the service, send the request, and get back HTTP status code and headers (including time queued waiting to be sent)",
    );
    /// Serializing the input.
    pub static SERIALIZATION_DURATION: InstrumentSpec = spec(
        "client.call.serialization_duration",
        "s",
        "The time it takes to serialize a message body",
    );
    /// Deserializing the response.
    pub static DESERIALIZATION_DURATION: InstrumentSpec = spec(
        "client.call.deserialization_duration",
        "s",
        "The time it takes to deserialize a message body",
    );
    /// Resolving the endpoint.
    pub static RESOLVE_ENDPOINT_DURATION: InstrumentSpec = spec(
        "client.call.resolve_endpoint_duration",
        "s",
        "The time it takes to resolve an endpoint (endpoint resolver, not DNS) for the request",
    );
    /// Resolving the identity.
    pub static RESOLVE_IDENTITY_DURATION: InstrumentSpec = spec(
        "client.call.auth.resolve_identity_duration",
        "s",
        "The time it takes to acquire an identity (AWS credentials, bearer token, etc) from an Identity Provider",
    );
    /// Signing.
    pub static SIGNING_DURATION: InstrumentSpec = spec(
        "client.call.auth.signing_duration",
        "s",
        "The time it takes to sign a request",
    );
    /// Sending the request and receiving the response head.
    pub static DO_REQUEST_DURATION: InstrumentSpec = spec(
        "client.http.do_request_duration",
        "s",
        "Time spent doing an HTTP round trip",
    );
    /// To the response's first byte (its head).
    pub static TIME_TO_FIRST_BYTE: InstrumentSpec = spec(
        "client.http.time_to_first_byte",
        "s",
        "Time from sending the request to receiving the first byte of the response",
    );
    /// Waiting for a connection (from the pool, or a new one).
    pub static CONNECTION_ACQUIRE_DURATION: InstrumentSpec = spec(
        "client.http.connections.acquire_duration",
        "s",
        "The time it takes a request to acquire a connection",
    );
    /// Connections by state (`state` = `idle` or `acquired`): an up-down counter.
    pub static CONNECTIONS_USAGE: InstrumentSpec = spec(
        "client.http.connections.usage",
        "{connection}",
        "Current state of connections pool",
    );
}
