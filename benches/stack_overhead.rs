//! The cost of the full default stack, signing included, over a transport that answers at once:
//! a DynamoDB `GetItem` through the client, against the same request handed straight to the
//! transport. Prints time and heap allocations per operation, and the difference.
//!
//! `cargo bench --bench stack_overhead` (`STACK_OVERHEAD_STEADY=1` skips criterion and prints
//! only the allocation counts and the steady measurements: the best of interleaved rounds,
//! and the median difference over back-to-back pairs, the figure checked against the target).
mod common;

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use tower::ServiceExt;
use ziggurat::body::Body;
use ziggurat::config::SdkConfig;
use ziggurat::context::Region;
use ziggurat::credentials::Credentials;
use ziggurat::dynamodb::Client;
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::time::{SharedTimeSource, StaticTimeSource};
use ziggurat::transport::{HttpClient, TestTransport};

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const RESPONSE: &str = r#"{"Item":{"pk":{"S":"user#1"},"name":{"S":"Ada"},"visits":{"N":"42"}}}"#;

fn transport() -> HttpClient {
    let res = http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "BENCHREQUESTID")
        .header("x-amz-crc32", "12345")
        .body(Bytes::from_static(RESPONSE.as_bytes()))
        .expect("static response");
    TestTransport::always_response(res).into_http_client()
}

fn client() -> Client {
    client_with(ziggurat::retry::RetryConfig::standard())
}

/// The default stack with retries off: the stack as issue 2 measured it, before the retry loop
/// had a strategy (the `retry_overhead` bench measures the difference).
fn client_without_retries() -> Client {
    client_with(ziggurat::retry::RetryConfig::disabled())
}

fn client_with(retry: ziggurat::retry::RetryConfig) -> Client {
    let config = SdkConfig::builder()
        .retry_config(retry)
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .time_source(SharedTimeSource::new(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )))
        .http_client(transport())
        .build();
    Client::new(&config)
}

async fn through_stack(client: &Client) {
    let out = client
        .get_item()
        .table_name("users")
        .key("pk", AttributeValue::S("user#1".into()))
        .send()
        .await
        .expect("get item");
    black_box(out);
}

fn raw_request() -> http::Request<Body> {
    http::Request::post("https://dynamodb.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.GetItem")
        .header("content-length", "47")
        .body(Body::from(
            r#"{"TableName":"users","Key":{"pk":{"S":"user#1"}}}"#,
        ))
        .expect("static request")
}

async fn straight_to_transport(t: &HttpClient) {
    let res = t.clone().oneshot(raw_request()).await.expect("transport");
    let body = res.into_body().collect().await.expect("body");
    black_box(body);
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let client = client();
    let no_retry = client_without_retries();
    let t = transport();
    let mut g = c.benchmark_group("stack_overhead");
    g.bench_function("full_stack_get_item", |b| {
        b.to_async(&rt).iter(|| through_stack(&client))
    });
    g.bench_function("full_stack_no_retry", |b| {
        b.to_async(&rt).iter(|| through_stack(&no_retry))
    });
    g.bench_function("transport_only", |b| {
        b.to_async(&rt).iter(|| straight_to_transport(&t))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn allocations_per_op(rt: &tokio::runtime::Runtime, n: u64, f: impl AsyncFnMut()) -> f64 {
    let mut f = f;
    rt.block_on(async {
        f().await; // warm caches (signing key, pools)
        let before = common::allocations();
        for _ in 0..n {
            f().await;
        }
        (common::allocations() - before) as f64 / n as f64
    })
}

fn main() {
    // `STACK_OVERHEAD_STEADY=1`: only the allocation counts and the steady measurements.
    if std::env::var_os("STACK_OVERHEAD_STEADY").is_none() {
        benches();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let client = client();
    let t = transport();
    let no_retry = client_without_retries();
    let stack = allocations_per_op(&rt, 2000, async || through_stack(&client).await);
    let stack_nr = allocations_per_op(&rt, 2000, async || through_stack(&no_retry).await);
    let raw = allocations_per_op(&rt, 2000, async || straight_to_transport(&t).await);
    let median = |id: &str| common::median_ns("stack_overhead", id);
    println!("\nstack_overhead summary (DynamoDB GetItem, signing included):");
    let criterion_ran = std::env::var_os("STACK_OVERHEAD_STEADY").is_none();
    if let (true, Some(s), Some(nr), Some(r)) = (
        criterion_ran,
        median("full_stack_get_item"),
        median("full_stack_no_retry"),
        median("transport_only"),
    ) {
        println!("  time:        transport only {:.2} µs", r / 1e3);
        println!(
            "               full stack, standard retry: {:.2} µs, overhead {:.2} µs (target ≤ 3 µs)",
            s / 1e3,
            (s - r) / 1e3
        );
        println!(
            "               full stack, retries off:    {:.2} µs, overhead {:.2} µs",
            nr / 1e3,
            (nr - r) / 1e3
        );
    }
    println!(
        "  allocations: transport only {raw:.1}; overhead {:.1} with standard retry, {:.1} with retries off (target ≤ 40)",
        stack - raw,
        stack_nr - raw
    );

    // The same three, interleaved, best of 60 rounds (steadier on a shared machine).
    #[derive(Clone, Copy)]
    enum Case {
        Standard,
        NoRetry,
        Transport,
    }
    let cases = [Case::Standard, Case::NoRetry, Case::Transport];
    let call = async |case: &Case| match case {
        Case::Standard => through_stack(&client).await,
        Case::NoRetry => through_stack(&no_retry).await,
        Case::Transport => straight_to_transport(&t).await,
    };
    let best = common::interleaved_min_ns(&rt, &cases, 60, 2000, call);
    if let [s, nr, r] = best[..] {
        println!("  best of 60 interleaved rounds of 2000 calls:");
        println!(
            "               transport only {:.2} µs; overhead {:.2} µs with standard retry, {:.2} µs with retries off",
            r / 1e3,
            (s - r) / 1e3,
            (nr - r) / 1e3
        );
    }
    // The figure checked against the target: the median difference over back-to-back pairs.
    let pairs = 1000;
    let standard =
        common::paired_difference_ns(&rt, &Case::Standard, &Case::Transport, pairs, 500, call);
    let off = common::paired_difference_ns(&rt, &Case::NoRetry, &Case::Transport, pairs, 500, call);
    println!("  median difference over {pairs} back-to-back pairs of 500 calls:");
    println!(
        "               overhead {:.2} µs with standard retry (target ≤ 3 µs), {:.2} µs with retries off",
        standard / 1e3,
        off / 1e3
    );
}
