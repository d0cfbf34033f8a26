//! Every integration test of the root package, in one binary: one link instead of one per file
//! keeps a fresh test build's disk use and time down. Each module is one area; the servers the
//! tests start live in `support` (s3s-fs, peer URLs) and `fault_server` (scripted faults).

mod fault_server;
mod support;

mod aws_chunked;
mod bad_responses;
mod checksums;
mod clock_skew;
mod dynamodb;
mod dynamodb_item;
mod dynamodb_more;
mod endpoints;
mod event_stream;
mod faults;
mod generated_requests;
mod interceptors;
mod lambda;
mod metrics;
mod operation_layer;
#[cfg(feature = "otel")]
mod otel;
mod paginators;
mod presign;
mod retry_layer;
mod s3;
mod s3_express;
mod s3_moto;
mod sns_sts;
mod sqs;
mod tower_layers;
mod tracing_spans;
mod transfer;
mod waiters;
mod wire_log;

/// Makes `subscriber` this thread's default while the guard lives, as
/// `tracing::subscriber::set_default` does, but safe with tests running on other threads.
///
/// With a single dispatcher registered, tracing-core decides a new callsite's interest with
/// the default dispatcher *of the thread that first reaches it*: a test on another thread,
/// with no subscriber, caches ziggurat's span callsites as never enabled, and this thread's
/// subscriber then misses those spans. A second dispatcher kept for the whole process makes
/// tracing-core ask every registered dispatcher instead.
pub(crate) fn set_scoped_subscriber(
    subscriber: impl tracing::Subscriber + Send + Sync + 'static,
) -> tracing::subscriber::DefaultGuard {
    static KEEP: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEP.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let guard = tracing::subscriber::set_default(subscriber);
    // Callsites registered before this subscriber existed are asked again.
    tracing::callsite::rebuild_interest_cache();
    guard
}
