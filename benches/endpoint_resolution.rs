//! Endpoint resolution per call: with the client's cache warm (the same parameters again: the
//! target is at most 100 ns) and cold (S3 with a bucket the cache has not seen: the rule set
//! evaluated, the endpoint prepared and stored), through the `"ResolveEndpoint"` hook of the
//! generated clients on their real rule sets. Also the whole hook on a request (resolution,
//! the URL applied, the bucket moved into the host), and heap allocations per call.
//!
//! `cargo bench --bench endpoint_resolution`
mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use ziggurat::body::Body;
use ziggurat::context::{Context, Region};
use ziggurat::hook::HttpRequest;
use ziggurat::layers::endpoint::{OperationEndpointParams, RuleSetEndpoint, S3Bucket};
use ziggurat::operation::Operation;
use ziggurat::schema::OperationSchema;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

/// Distinct buckets for the cold case: more than the cache keeps, so every call misses.
const COLD_BUCKETS: usize = 4 * ziggurat::layers::endpoint::CACHE_ENTRIES;

fn s3_hook() -> RuleSetEndpoint {
    let rules = ziggurat::s3::ENDPOINT_RULES
        .resolver()
        .expect("S3's rule set");
    RuleSetEndpoint::new(rules, "s3")
}

fn dynamodb_hook() -> RuleSetEndpoint {
    let rules = ziggurat::dynamodb::ENDPOINT_RULES
        .resolver()
        .expect("DynamoDB's rule set");
    RuleSetEndpoint::new(rules, "dynamodb")
}

fn get_object() -> Option<&'static OperationSchema> {
    ziggurat::s3::GetObject::spec().schema
}

fn get_item() -> Option<&'static OperationSchema> {
    ziggurat::dynamodb::GetItem::spec().schema
}

/// The context of an S3 `GetObject` of `bucket` in us-west-2, as the serializer leaves it.
fn s3_ctx(bucket: &str) -> Context {
    let mut ctx = Context::new("S3", "GetObject");
    ctx.set_region(Some(Region::from_static("us-west-2")));
    ctx.set_endpoint_params(OperationEndpointParams(vec![
        ("Bucket", bucket.into()),
        ("Key", "photos/2024/cat.jpg".into()),
    ]));
    ctx.insert(S3Bucket(bucket.to_owned()));
    ctx
}

fn dynamodb_ctx() -> Context {
    let mut ctx = Context::new("DynamoDB", "GetItem");
    ctx.set_region(Some(Region::from_static("us-east-1")));
    ctx.set_endpoint_params(OperationEndpointParams(vec![(
        "ResourceArn",
        "users".into(),
    )]));
    ctx
}

/// Resolves once, as a call does.
fn resolve(hook: &RuleSetEndpoint, ctx: &Context, op: Option<&'static OperationSchema>) {
    let endpoint = hook.endpoint_for(Some(ctx), op).expect("resolves");
    black_box(endpoint);
}

/// The hook on a fresh request: what the stack's `"ResolveEndpoint"` entry costs.
fn hook_on_request(hook: &RuleSetEndpoint, ctx: &mut Context, path: &'static str) {
    // `hook.on_request` inside a stack, where the context names the operation.
    let (mut parts, ()) = http::Request::get(path)
        .body(())
        .expect("static request")
        .into_parts();
    let mut body = Body::empty();
    hook.resolve(
        &mut HttpRequest::new(&mut parts, &mut body, Some(ctx)),
        get_object(),
    )
    .expect("resolves");
    black_box(parts.uri);
}

/// What the hook makes of the benchmarked request: the virtual host of the bucket.
fn check_hook(hook: &RuleSetEndpoint) {
    let (mut parts, ()) = http::Request::get("/my-bucket/photos/2024/cat.jpg")
        .body(())
        .expect("static request")
        .into_parts();
    let mut body = Body::empty();
    let mut ctx = s3_ctx("my-bucket");
    hook.resolve(
        &mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)),
        get_object(),
    )
    .expect("resolves");
    assert_eq!(
        parts.uri,
        "https://my-bucket.s3.us-west-2.amazonaws.com/photos/2024/cat.jpg"
    );
}

/// A fresh request alone: the baseline `hook_on_request` includes.
fn request_only(path: &'static str) {
    let (parts, ()) = http::Request::get(path)
        .body(())
        .expect("static request")
        .into_parts();
    black_box(parts.uri);
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("endpoint");
    let s3 = s3_hook();
    let ctx = s3_ctx("my-bucket");
    resolve(&s3, &ctx, get_object());
    g.bench_function("warm_s3_bucket", |b| {
        b.iter(|| resolve(&s3, &ctx, get_object()))
    });
    let ddb = dynamodb_hook();
    let dctx = dynamodb_ctx();
    resolve(&ddb, &dctx, get_item());
    g.bench_function("warm_dynamodb", |b| {
        b.iter(|| resolve(&ddb, &dctx, get_item()))
    });

    let cold = s3_hook();
    let contexts: Vec<Context> = (0..COLD_BUCKETS)
        .map(|i| s3_ctx(&format!("bucket-{i:05}")))
        .collect();
    let mut next = 0usize;
    g.bench_function("cold_s3_bucket", |b| {
        b.iter(|| {
            next = (next + 1) % contexts.len();
            if let Some(ctx) = contexts.get(next) {
                resolve(&cold, ctx, get_object());
            }
        })
    });

    let mut hctx = s3_ctx("my-bucket");
    g.bench_function("hook_s3_bucket", |b| {
        b.iter(|| hook_on_request(&s3, &mut hctx, "/my-bucket/photos/2024/cat.jpg"))
    });
    g.bench_function("request_only", |b| {
        b.iter(|| request_only("/my-bucket/photos/2024/cat.jpg"))
    });
    g.finish();
}

criterion_group!(benches, bench);

/// Heap allocations of `f`, per call, over `n` calls.
fn allocations_per_call(n: u64, mut f: impl FnMut()) -> f64 {
    let before = common::allocations();
    for _ in 0..n {
        f();
    }
    (common::allocations() - before) as f64 / n as f64
}

fn main() {
    let s3 = s3_hook();
    check_hook(&s3);
    let ctx = s3_ctx("my-bucket");
    resolve(&s3, &ctx, get_object());
    let warm = allocations_per_call(1000, || resolve(&s3, &ctx, get_object()));
    let cold_hook = s3_hook();
    let contexts: Vec<Context> = (0..COLD_BUCKETS)
        .map(|i| s3_ctx(&format!("bucket-{i:05}")))
        .collect();
    let mut i = 0;
    let cold = allocations_per_call(1000, || {
        i += 1;
        if let Some(ctx) = contexts.get(i) {
            resolve(&cold_hook, ctx, get_object());
        }
    });
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    for id in [
        "warm_s3_bucket",
        "warm_dynamodb",
        "cold_s3_bucket",
        "hook_s3_bucket",
        "request_only",
    ] {
        if let Some(ns) = common::median_ns("endpoint", id) {
            println!("{id:<16} {ns:>9.0} ns per call (criterion median)");
        }
    }
    println!("allocations per call: warm {warm:.1}, cold S3 with a bucket {cold:.1}");
    // CPU time, best of 10 rounds: steady where wall time moves with the machine's load.
    let mut hctx = s3_ctx("my-bucket");
    let mut j = 0;
    let cpu = [
        (
            "warm_s3_bucket",
            common::best_cpu_ns(10, || resolve(&s3, &ctx, get_object())),
        ),
        (
            "cold_s3_bucket",
            common::best_cpu_ns(10, || {
                j = (j + 1) % contexts.len();
                if let Some(ctx) = contexts.get(j) {
                    resolve(&cold_hook, ctx, get_object());
                }
            }),
        ),
        (
            "hook_s3_bucket",
            common::best_cpu_ns(10, || {
                hook_on_request(&s3, &mut hctx, "/my-bucket/photos/2024/cat.jpg")
            }),
        ),
        (
            "request_only",
            common::best_cpu_ns(10, || request_only("/my-bucket/photos/2024/cat.jpg")),
        ),
    ];
    for (id, ns) in cpu {
        if let Some(ns) = ns {
            println!("{id:<16} {ns:>9.0} ns CPU per call (best of 10 rounds)");
        }
    }
    if let Some(ns) = common::median_ns("endpoint", "warm_s3_bucket") {
        println!("warm S3 resolution: {ns:.0} ns (target <= 100 ns)");
    }
}
