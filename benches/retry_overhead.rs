//! The cost of the retry loop on success: a DynamoDB `GetItem` through the full default stack
//! (standard retry: token bucket, `amz-sdk-request` header) over a transport that answers at
//! once, against the same client with the `Retry` entry swapped for `NoRetry`, and against
//! one without the `RequestInfo` header hook as well. Prints time and heap allocations per
//! call, and the differences.
//!
//! `cargo bench --bench retry_overhead`
//!
//! On a busy machine wall-clock differences of 100 ns drown in noise; instruction counts do
//! not. `RETRY_OVERHEAD_VARIANT=<case> RETRY_OVERHEAD_CALLS=<n>` makes the binary run only `n`
//! warm calls of one case (`standard_retry`, `no_retry`, `no_retry_no_request_info`) and
//! exit, for `perf`; `RETRY_OVERHEAD_VARIANT=interleaved RETRY_OVERHEAD_CALLS=<pairs>` runs
//! only the steady measurements (best of interleaved rounds; median difference over
//! back-to-back pairs of blocks, the figure checked against the target), in seconds.
mod common;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::dynamodb::{Client, Config};
use ziggurat::stack::{Middleware, ids};
use ziggurat::transport::{HttpClient, TestTransport};

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const RESPONSE: &str = r#"{"Item":{"pk":{"S":"user#1"},"name":{"S":"Ada"},"visits":{"N":"42"}}}"#;

fn transport() -> HttpClient {
    let res = http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "BENCHREQUESTID")
        .body(Bytes::from_static(RESPONSE.as_bytes()))
        .expect("static response");
    TestTransport::always_response(res).into_http_client()
}

#[derive(Clone, Copy)]
enum Variant {
    Standard,
    NoRetry,
    NoRetryNoHeader,
}

fn client(variant: Variant) -> Client {
    let sdk = common::offline_sdk_config()
        .http_client(transport())
        .build();
    let conf = Config::new(&sdk).stack(move |stack| {
        if !matches!(variant, Variant::Standard) {
            stack
                .finalize_mut()
                .swap(ids::RETRY, Middleware::no_retry())?;
        }
        if matches!(variant, Variant::NoRetryNoHeader) {
            stack
                .finalize_mut()
                .remove(ziggurat::layers::retry::REQUEST_INFO)?;
        }
        Ok(())
    });
    let client = Client::from_conf(conf);
    assert!(client.stack().is_some(), "the stack compiles");
    client
}

async fn get_item(client: &Client) {
    let out = client
        .get_item()
        .table_name("users")
        .key("pk", AttributeValue::S("user#1".into()))
        .send()
        .await
        .expect("get item");
    black_box(out);
}

const CASES: [(&str, Variant); 3] = [
    ("standard_retry", Variant::Standard),
    ("no_retry", Variant::NoRetry),
    ("no_retry_no_request_info", Variant::NoRetryNoHeader),
];

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("retry_overhead");
    for (name, variant) in CASES {
        let client = client(variant);
        g.bench_function(name, |b| b.to_async(&rt).iter(|| get_item(&client)));
    }
    g.finish();
}

criterion_group!(benches, bench);

fn allocations_per_op(rt: &tokio::runtime::Runtime, n: u64, client: &Client) -> f64 {
    rt.block_on(async {
        get_item(client).await; // warm caches (signing key, header table)
        let before = common::allocations();
        for _ in 0..n {
            get_item(client).await;
        }
        (common::allocations() - before) as f64 / n as f64
    })
}

/// `RETRY_OVERHEAD_VARIANT` / `RETRY_OVERHEAD_CALLS`: run one case only (for `perf`), or
/// (`interleaved`) only the steady measurements, without criterion.
fn fixed_run() -> bool {
    let (Ok(name), Ok(calls)) = (
        std::env::var("RETRY_OVERHEAD_VARIANT"),
        std::env::var("RETRY_OVERHEAD_CALLS"),
    ) else {
        return false;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    if name == "interleaved" {
        steady_measurements(&rt, calls.parse().unwrap_or(400));
        return true;
    }
    let Some((_, variant)) = CASES.iter().find(|(n, _)| *n == name) else {
        eprintln!("unknown RETRY_OVERHEAD_VARIANT {name}");
        return true;
    };
    let calls: u64 = calls.parse().unwrap_or(0);
    let client = client(*variant);
    rt.block_on(async {
        for _ in 0..calls {
            get_item(&client).await;
        }
    });
    true
}

/// The measurements that hold still on a shared machine: the best of interleaved rounds, and
/// the median difference over `pairs` back-to-back pairs of blocks (the figure the target is
/// checked against).
fn steady_measurements(rt: &tokio::runtime::Runtime, pairs: usize) {
    let clients: Vec<Client> = CASES.iter().map(|(_, v)| client(*v)).collect();
    let best =
        common::interleaved_min_ns(rt, &clients, 60, 2000, async |c: &Client| get_item(c).await);
    println!("\nbest of 60 interleaved rounds of 2000 calls:");
    for (i, (name, _)) in CASES.iter().enumerate() {
        println!("  {name:<26} {:>8.0} ns", best[i]);
    }
    let call = async |c: &Client| get_item(c).await;
    let (Some(standard), Some(no_retry), Some(bare)) =
        (clients.first(), clients.get(1), clients.get(2))
    else {
        return;
    };
    let entry = common::paired_difference_ns(rt, standard, no_retry, pairs, 500, call);
    let with_header = common::paired_difference_ns(rt, standard, bare, pairs, 500, call);
    println!("median difference over {pairs} back-to-back pairs of 500 calls:");
    println!("  retry entry (standard vs no retry):          {entry:+.0} ns (target ≤ 150 ns)");
    println!("  retry entry + amz-sdk-request header hook:   {with_header:+.0} ns");
}

fn main() {
    if fixed_run() {
        return;
    }
    benches();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let allocs: Vec<f64> = CASES
        .iter()
        .map(|(_, v)| allocations_per_op(&rt, 2000, &client(*v)))
        .collect();
    let ns: Vec<Option<f64>> = CASES
        .iter()
        .map(|(name, _)| common::median_ns("retry_overhead", name))
        .collect();
    println!("\ncriterion medians (DynamoDB GetItem, full stack, success at the first attempt):");
    for (i, (name, _)) in CASES.iter().enumerate() {
        let time = ns[i].map_or("n/a".to_owned(), |t| format!("{t:.0} ns"));
        println!(
            "  {name:<26} {time:>10}, {:.1} allocations per call",
            allocs[i]
        );
    }
    if let (Some(s), Some(n), Some(h)) = (ns[0], ns[1], ns[2]) {
        println!(
            "  retry entry (standard vs no retry):          {:+.0} ns, {:+.1} allocations (target ≤ 150 ns, 0)",
            s - n,
            allocs[0] - allocs[1]
        );
        println!(
            "  retry entry + amz-sdk-request header hook:   {:+.0} ns, {:+.1} allocations",
            s - h,
            allocs[0] - allocs[2]
        );
    }
    steady_measurements(&rt, 1000);
}
