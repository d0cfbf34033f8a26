//! The AWS SDK metrics through an in-memory meter provider: the Go SDK's instrument names and
//! units, with `rpc.service` and `rpc.method`, per call and per attempt; errors counted with
//! their type; and no metrics entry at all in a client without a provider.
use std::sync::{Arc, Mutex};

use ziggurat::dynamodb::Client;
use ziggurat::prelude::*;
use ziggurat_core::metrics::{
    Attributes, Histogram, InstrumentSpec, Meter, MeterProvider, MonotonicCounter, UpDownCounter,
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

impl UpDownCounter for Instrument {
    fn add(&self, value: i64, attributes: &Attributes<'_>) {
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
    fn up_down_counter(&self, spec: &'static InstrumentSpec) -> Arc<dyn UpDownCounter> {
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
    // The test transport does not report connection waits or counts.
    assert!(points(&meter, "client.http.connections.acquire_duration").is_empty());
    assert!(points(&meter, "client.http.connections.usage").is_empty());
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

/// `client.http.connections.usage` over real HTTP: the counts of `state=acquired` and
/// `state=idle` follow the connections. A server that answers only once four requests have
/// arrived makes four calls hold four connections at once (on this single-threaded runtime a
/// request counts its connection as acquired before its bytes are even written); after the
/// calls all four are idle, and when the server closes them the idle count goes back to zero.
/// Nothing here depends on timing or on the pool reusing a connection. Every measurement has
/// `rpc.service` and `state`, and no `rpc.method`.
#[tokio::test]
async fn connection_usage_follows_the_pool_over_real_http() {
    const CALLS: usize = 4;
    let server = HoldingServer::start(CALLS).await;
    let meter = InMemory::default();
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .endpoint_url(format!("http://{}", server.addr))
        .meter_provider(Arc::new(meter.clone()))
        .build();
    let client = Client::new(&config);
    let calls = (0..CALLS).map(|_| client.list_tables().send());
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }

    let usage = points(&meter, "client.http.connections.usage");
    for p in &usage {
        assert_eq!(p.unit, "{connection}");
        assert_eq!(
            p.attributes[0],
            ("rpc.service".to_owned(), "DynamoDB".to_owned())
        );
        assert_eq!(p.attributes[1].0, "state", "{p:?}");
        assert_eq!(p.attributes.len(), 2, "{p:?}");
    }
    let (mut acquired, mut most_acquired) = (0.0, 0.0);
    for p in usage.iter().filter(|p| p.attributes[1].1 == "acquired") {
        acquired += p.value;
        most_acquired = f64::max(most_acquired, acquired);
    }
    assert_eq!(most_acquired, CALLS as f64, "{usage:?}");
    assert_eq!(usage_sums(&meter), (CALLS as f64, 0.0), "idle, acquired");

    // Another call: its connection (a pooled one, or a new one if the pool had not taken the
    // others back yet, which a busy machine can make happen) moves to acquired and back. A
    // connection hyper opened but no metered request used is not counted, so the idle count
    // lies between the four and every connection the server saw.
    client.list_tables().send().await.unwrap();
    let (idle, acquired) = usage_sums(&meter);
    assert_eq!(acquired, 0.0);
    assert!(
        (CALLS as f64..=server.connections() as f64).contains(&idle),
        "{idle} idle of {} connections",
        server.connections()
    );

    // The server closes every connection: the pool drops them, and the idle count follows.
    server.close_all();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while usage_sums(&meter) != (0.0, 0.0) {
        assert!(
            std::time::Instant::now() < deadline,
            "idle connections still counted 20 s after the server closed them: {:?}",
            usage_sums(&meter)
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The sums of `client.http.connections.usage`: (idle, acquired).
fn usage_sums(meter: &InMemory) -> (f64, f64) {
    let usage = points(meter, "client.http.connections.usage");
    let sum = |state: &str| -> f64 {
        usage
            .iter()
            .filter(|p| p.attributes.iter().any(|(k, v)| k == "state" && v == state))
            .map(|p| p.value)
            .sum()
    };
    (sum("idle"), sum("acquired"))
}

/// An HTTP/1.1 server on 127.0.0.1 that holds every request until `hold` of them have
/// arrived, then answers them all (`{}` with keep-alive), and keeps its connections open until
/// [`close_all`](Self::close_all).
struct HoldingServer {
    addr: std::net::SocketAddr,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    close: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl HoldingServer {
    async fn start(hold: usize) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(tokio::sync::Notify::new());
        let arrived = Arc::new(tokio::sync::Semaphore::new(0));
        let (count, closing) = (connections.clone(), close.clone());
        let task = tokio::spawn(async move {
            let mut served = tokio::task::JoinSet::new();
            loop {
                let (mut stream, _) = tokio::select! {
                    accepted = listener.accept() => accepted.unwrap(),
                    () = closing.notified() => break,
                };
                count.fetch_add(1, Ordering::SeqCst);
                let arrived = arrived.clone();
                served.spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let mut first = true;
                    loop {
                        // One request: its head, then its body by content-length.
                        let (head_end, length) = loop {
                            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                                let length = head
                                    .lines()
                                    .find_map(|l| l.strip_prefix("content-length:"))
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                                    .unwrap_or(0);
                                break (end + 4, length);
                            }
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        while buf.len() < head_end + length {
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf.drain(..head_end + length);
                        if first {
                            // Wait until `hold` requests are here, then let them all through.
                            arrived.add_permits(1);
                            let all = arrived.acquire_many(hold as u32).await.unwrap();
                            all.forget();
                            arrived.add_permits(hold);
                            first = false;
                        }
                        let response = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 2\r\n\r\n{}";
                        if stream.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
            // Dropping the set closes every connection.
            served.abort_all();
        });
        HoldingServer {
            addr,
            connections,
            close,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn close_all(&self) {
        self.close.notify_one();
    }
}

impl Drop for HoldingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
