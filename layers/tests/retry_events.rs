//! Each retry is a `tracing` event at debug level with the attempt, the reason and the delay.
//!
//! A test binary of its own: tracing caches, per call site, whether any subscriber is
//! interested, and a thread-local subscriber set while other test threads first hit the same
//! call site can miss events.
#[path = "integration/fixture.rs"]
mod fixture;

use std::fmt;
use std::sync::{Arc, Mutex};

use fixture::SPEC;
use ziggurat_core::context::Context;
use ziggurat_core::stack::{Middleware, Position, Stack, ids};
use ziggurat_core::time::SharedSleep;
use ziggurat_core::transport::{Rule, TestTransport};
use ziggurat_layers::retry::StandardRetry;

/// A minimal subscriber that records events and their fields.
#[derive(Default, Clone)]
struct Events(Arc<Mutex<Vec<(tracing::Level, String)>>>);

struct Fields<'a>(&'a mut String);
impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = String::new();
        event.record(&mut Fields(&mut text));
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), text));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn each_retry_is_a_debug_event_with_attempt_reason_and_delay() {
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let transport = TestTransport::new()
            .rule(Rule::any().times(1).respond(503, &[], "SlowDown"))
            .rule(Rule::any().respond(200, &[], ""));
        let mut s = Stack::new();
        s.serialize_mut()
            .add(
                ids::OPERATION_SERIALIZER,
                Middleware::operation_serializer(),
                Position::After,
            )
            .unwrap();
        s.finalize_mut()
            .add(
                ids::RETRY,
                Middleware::retry(
                    StandardRetry::new().with_jitter(|| 1.0),
                    SharedSleep::default(),
                ),
                Position::After,
            )
            .unwrap();
        s.deserialize_mut()
            .add(
                ids::OPERATION_DESERIALIZER,
                Middleware::operation_deserializer(),
                Position::After,
            )
            .unwrap();
        let c = s
            .compile(transport.into_http_client().into_service())
            .unwrap();
        c.invoke(&SPEC, Box::new(()), Context::new("Svc", "Op"))
            .await
            .unwrap();
    });
    let events = events.0.lock().unwrap();
    let retries: Vec<_> = events
        .iter()
        .filter(|(_, text)| text.contains("message=retrying"))
        .collect();
    assert_eq!(retries.len(), 1, "{events:?}");
    let (level, text) = retries[0];
    assert_eq!(*level, tracing::Level::DEBUG);
    for part in [
        "attempt=1",
        "max_attempts=3",
        "delay_ms=1000",
        "reason=service error SlowDown (status 503)",
        "operation=\"Op\"",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
}
