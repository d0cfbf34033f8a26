//! The AWS SDK metrics through an in-memory meter provider: the Go SDK's instrument names and
//! units, with `rpc.service` and `rpc.method`, per call and per attempt; errors counted with
//! their type; and no metrics entry at all in a client without a provider.
use std::sync::{Arc, Mutex};

use ziggurat::dynamodb::Client;
use ziggurat::prelude::*;
use ziggurat_core::metrics::{
    Attributes, Histogram, InstrumentSpec, Meter, MeterProvider, MonotonicCounter,
};
use ziggurat_core::transport::{Rule, TestTransport};

/// One measurement: instrument, unit, value, attributes.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    name: &'static str,
    unit: &'static str,
    value: f64,
    attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
struct InMemory(Arc<Mutex<Vec<Point>>>);

struct Instrument(&'static InstrumentSpec, InMemory);

impl Instrument {
    fn push(&self, value: f64, attributes: &Attributes<'_>) {
        self.1.0.lock().unwrap().push(Point {
            name: self.0.name,
            unit: self.0.unit,
            value,
            attributes: attributes
                .pairs()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        });
    }
}

impl Histogram for Instrument {
    fn record(&self, value: f64, attributes: &Attributes<'_>) {
        self.push(value, attributes);
    }
}

impl MonotonicCounter for Instrument {
    fn add(&self, value: u64, attributes: &Attributes<'_>) {
        self.push(value as f64, attributes);
    }
}

impl Meter for InMemory {
    fn histogram(&self, spec: &'static InstrumentSpec) -> Arc<dyn Histogram> {
        Arc::new(Instrument(spec, self.clone()))
    }
    fn counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn MonotonicCounter> {
        Arc::new(Instrument(spec, self.clone()))
    }
}

impl MeterProvider for InMemory {
    fn meter(&self, scope: &'static str) -> Arc<dyn Meter> {
        assert_eq!(scope, "ziggurat");
        Arc::new(self.clone())
    }
}

fn client(transport: &TestTransport, meter: Option<&InMemory>) -> Client {
    let mut config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .http_client(transport.clone().into_http_client());
    if let Some(m) = meter {
        config = config.meter_provider(Arc::new(m.clone()));
    }
    Client::new(&config.build())
}

fn json(status: u16, body: &'static str) -> Rule {
    Rule::any().respond(
        status,
        &[("content-type", "application/x-amz-json-1.0")],
        body,
    )
}

fn points(m: &InMemory, name: &str) -> Vec<Point> {
    m.0.lock()
        .unwrap()
        .iter()
        .filter(|p| p.name == name)
        .cloned()
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_instrument_is_recorded_per_call_and_per_attempt() {
    let meter = InMemory::default();
    let transport = TestTransport::new()
        .rule(json(400, r#"{"__type":"ThrottlingException","message":"slow"}"#).times(1))
        .rule(json(200, r#"{"Item":{"pk":{"S":"1"}}}"#));
    let ddb = client(&transport, Some(&meter));
    assert!(
        ddb.stack()
            .unwrap()
            .describe()
            .to_string()
            .contains("Metrics")
    );
    ddb.get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap();

    let attrs = vec![
        ("rpc.service".to_owned(), "DynamoDB".to_owned()),
        ("rpc.method".to_owned(), "GetItem".to_owned()),
    ];
    for (name, unit, count) in [
        ("client.call.duration", "s", 1),
        ("client.call.attempts", "{attempt}", 1),
        ("client.call.serialization_duration", "s", 1),
        ("client.call.resolve_endpoint_duration", "s", 1),
        ("client.call.attempt_duration", "s", 2),
        ("client.call.auth.resolve_identity_duration", "s", 2),
        ("client.call.auth.signing_duration", "s", 2),
        ("client.http.do_request_duration", "s", 2),
        ("client.http.time_to_first_byte", "s", 2),
        ("client.call.deserialization_duration", "s", 2),
    ] {
        let found = points(&meter, name);
        assert_eq!(found.len(), count, "{name}: {found:?}");
        for p in &found {
            assert_eq!(p.unit, unit, "{name}");
            assert_eq!(p.attributes, attrs, "{name}");
            assert!(p.value >= 0.0, "{name}");
        }
    }
    assert_eq!(points(&meter, "client.call.attempts")[0].value, 2.0);
    assert!(points(&meter, "client.call.errors").is_empty());
    // The test transport does not report connection waits.
    assert!(points(&meter, "client.http.connections.acquire_duration").is_empty());
    // The call took at least its retry's backoff (virtual time).
    let total = points(&meter, "client.call.duration")[0].value;
    let attempts: f64 = points(&meter, "client.call.attempt_duration")
        .iter()
        .map(|p| p.value)
        .sum();
    assert!(total >= attempts, "{total} < {attempts}");
}

#[tokio::test]
async fn a_failed_call_counts_one_error_with_its_type() {
    let meter = InMemory::default();
    let transport = TestTransport::new().rule(json(
        400,
        r#"{"__type":"AccessDeniedException","message":"no"}"#,
    ));
    let ddb = client(&transport, Some(&meter));
    assert!(
        ddb.get_item()
            .table_name("t")
            .key("pk", "1")
            .send()
            .await
            .is_err()
    );
    let errors = points(&meter, "client.call.errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].unit, "{error}");
    assert_eq!(errors[0].value, 1.0);
    assert!(
        errors[0].attributes.contains(&(
            "exception.type".to_owned(),
            "AccessDeniedException".to_owned()
        )),
        "{errors:?}"
    );
}

#[tokio::test]
async fn a_client_without_a_provider_has_no_metrics_entry() {
    let transport = TestTransport::new().rule(json(200, "{}"));
    let ddb = client(&transport, None);
    assert!(
        !ddb.stack()
            .unwrap()
            .describe()
            .to_string()
            .contains("Metrics")
    );
}

/// Over real HTTP the transport reports each attempt's wait for a connection (a new one, or a
/// pooled one): one
/// `client.http.connections.acquire_duration` per attempt, never longer than the round trip
/// it is part of. A transport that does not report it (the test transport above) records none.
#[tokio::test]
async fn the_connection_wait_is_recorded_over_real_http() {
    use crate::fault_server::{Action, FaultServer};
    let server = FaultServer::always(Action::respond(
        200,
        &[("content-type", "application/x-amz-json-1.0")],
        "{}",
    ))
    .await;
    let meter = InMemory::default();
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .endpoint_url(server.url())
        .meter_provider(Arc::new(meter.clone()))
        .build();
    let client = Client::new(&config);
    for _ in 0..2 {
        client.list_tables().send().await.unwrap();
    }
    let waits = points(&meter, "client.http.connections.acquire_duration");
    let round_trips = points(&meter, "client.http.do_request_duration");
    assert_eq!((waits.len(), round_trips.len()), (2, 2), "{waits:?}");
    for (wait, round_trip) in waits.iter().zip(&round_trips) {
        assert_eq!(wait.unit, "s");
        assert!(
            wait.value >= 0.0 && wait.value <= round_trip.value,
            "{wait:?} {round_trip:?}"
        );
        assert!(
            wait.attributes
                .contains(&("rpc.method".to_owned(), "ListTables".to_owned()))
        );
    }
}
