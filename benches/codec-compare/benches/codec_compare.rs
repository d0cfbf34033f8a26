//! DynamoDB's awsJson codec, ziggurat's against aws-sdk-dynamodb's, in one run: a `PutItem`
//! input of 20 mixed attributes serialized, a `Query` output of 100 items × 10 attributes
//! deserialized. See `src/lib.rs` for exactly what each side does. After criterion's own
//! report, prints the medians, the ratios ours / aws-sdk-dynamodb (the target is at most 0.5,
//! ours at least 2× faster) and heap allocations per operation.
//!
//! `cd benches/codec-compare && cargo bench`
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codec_compare as cc;
use criterion::{Criterion, criterion_group};

/// Counts heap allocations.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GROUP: &str = "codec";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Everything the benches and the allocation counts share.
struct Fixture {
    rt: tokio::runtime::Runtime,
    put_schema: &'static ziggurat::schema::OperationSchema,
    put_input: ziggurat::dynamodb::operation::put_item::PutItemInput,
    ours_item: std::collections::HashMap<String, ziggurat::dynamodb::types::AttributeValue>,
    ours_item_min: std::collections::HashMap<String, ziggurat::dynamodb::types::AttributeValue>,
    aws_item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    aws_item_min: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    query_body: Bytes,
    ours_put_client: ziggurat::dynamodb::Client,
    aws_put_client: aws_sdk_dynamodb::Client,
    ours_query_client: ziggurat::dynamodb::Client,
    aws_query_client: aws_sdk_dynamodb::Client,
    ours_empty_client: ziggurat::dynamodb::Client,
    aws_empty_client: aws_sdk_dynamodb::Client,
    timer: cc::PhaseTimer,
    aws_timed_put_client: aws_sdk_dynamodb::Client,
    aws_timed_query_client: aws_sdk_dynamodb::Client,
}

impl Fixture {
    fn new() -> Self {
        let attrs = cc::put_item_attributes();
        let min = cc::put_item_minimal();
        let query_body = cc::query_body(100);
        let empty = cc::query_body(0);
        let put_response = Bytes::from_static(b"{}");
        let timer = cc::PhaseTimer::default();
        Fixture {
            aws_timed_put_client: cc::aws_timed_client(put_response.clone(), &timer),
            aws_timed_query_client: cc::aws_timed_client(query_body.clone(), &timer),
            timer,
            rt: runtime(),
            put_schema: cc::ours_schema("PutItem"),
            put_input: cc::ours_put_input(&attrs),
            ours_item: cc::ours_item(&attrs),
            ours_item_min: cc::ours_item(&min),
            aws_item: cc::aws_item(&attrs),
            aws_item_min: cc::aws_item(&min),
            ours_put_client: cc::ours_client(put_response.clone()),
            aws_put_client: cc::aws_client(put_response),
            ours_query_client: cc::ours_client(query_body.clone()),
            aws_query_client: cc::aws_client(query_body.clone()),
            ours_empty_client: cc::ours_client(empty.clone()),
            aws_empty_client: cc::aws_client(empty),
            query_body,
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut f = Fixture::new();
    let mut group = c.benchmark_group(GROUP);

    // PutItem, 20 attributes.
    let schema = f.put_schema;
    let input = &mut f.put_input;
    group.bench_function("put_item/ziggurat-codec", |b| {
        b.iter(|| black_box(cc::ours_serialize(schema, black_box(&mut *input))))
    });
    let f = &f;
    group.bench_function("put_item/aws-codec", |b| {
        b.iter_custom(|iters| {
            f.timer.take();
            for _ in 0..iters {
                f.rt.block_on(cc::aws_put(&f.aws_timed_put_client, &f.aws_item));
            }
            f.timer.take().0
        })
    });
    group.bench_function("put_item/ziggurat-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::ours_put(&f.ours_put_client, &f.ours_item))
    });
    group.bench_function("put_item/aws-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::aws_put(&f.aws_put_client, &f.aws_item))
    });
    group.bench_function("put_item_min/ziggurat-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::ours_put(&f.ours_put_client, &f.ours_item_min))
    });
    group.bench_function("put_item_min/aws-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::aws_put(&f.aws_put_client, &f.aws_item_min))
    });

    // Query, 100 items × 10 attributes.
    group.bench_function("query/ziggurat-codec", |b| {
        // The output's drop (about 3,600 frees) is left out of the time, as on the aws side,
        // whose interval ends before the output is dropped. Each output is dropped before the
        // next parse, as in a real program (and as on the aws side): criterion's
        // `iter_with_large_drop` would keep a whole sample's outputs alive, hundreds of MB,
        // and time page faults and allocator consolidation instead of the codec.
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let output = cc::ours_deserialize(black_box(&f.query_body));
                total += start.elapsed();
                drop(black_box(output));
            }
            total
        })
    });
    group.bench_function("query/aws-codec", |b| {
        b.iter_custom(|iters| {
            f.timer.take();
            for _ in 0..iters {
                black_box(f.rt.block_on(cc::aws_query(&f.aws_timed_query_client)));
            }
            f.timer.take().1
        })
    });
    group.bench_function("query/ziggurat-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::ours_query(&f.ours_query_client))
    });
    group.bench_function("query/aws-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::aws_query(&f.aws_query_client))
    });
    group.bench_function("query_empty/ziggurat-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::ours_query(&f.ours_empty_client))
    });
    group.bench_function("query_empty/aws-call", |b| {
        b.to_async(&f.rt)
            .iter(|| cc::aws_query(&f.aws_empty_client))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sample_size(100);
    targets = bench
}

/// Criterion's median for `codec/<id>` from this run, in nanoseconds.
fn median_ns(id: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    // Criterion names the folder after the id, with `/` replaced by `_`.
    let path = target
        .join("criterion")
        .join(GROUP)
        .join(id.replace('/', "_"));
    let text = std::fs::read_to_string(path.join("new").join("estimates.json")).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates.get("median")?.get("point_estimate")?.as_f64()
}

/// Heap allocations of one run of `op`.
fn allocations(mut op: impl FnMut()) -> u64 {
    op();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..100 {
        op();
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) / 100
}

fn us(ns: Option<f64>) -> String {
    ns.map_or_else(|| "-".into(), |ns| format!("{:.2} µs", ns / 1000.0))
}

fn ratio(ours: Option<f64>, aws: Option<f64>) -> String {
    match (ours, aws) {
        (Some(o), Some(a)) if a > 0.0 => format!("{:.2}x", o / a),
        _ => "-".into(),
    }
}

fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

fn main() {
    cc::check();
    benches();
    Criterion::default().configure_from_args().final_summary();

    let mut f = Fixture::new();
    let m = |id: &str| median_ns(id);

    let schema = f.put_schema;
    let put_codec_allocs = allocations(|| {
        black_box(cc::ours_serialize(schema, &mut f.put_input));
    });
    let f = &f;
    let query_codec_allocs = allocations(|| {
        black_box(cc::ours_deserialize(&f.query_body));
    });
    let allocs_call =
        |ours: &dyn Fn() -> u64, aws: &dyn Fn() -> u64| format!("{}/{}", ours(), aws());
    let put_allocs = allocs_call(
        &|| {
            allocations(|| {
                f.rt.block_on(cc::ours_put(&f.ours_put_client, &f.ours_item))
            })
        },
        &|| allocations(|| f.rt.block_on(cc::aws_put(&f.aws_put_client, &f.aws_item))),
    );
    let query_allocs = allocs_call(
        &|| {
            allocations(|| {
                black_box(f.rt.block_on(cc::ours_query(&f.ours_query_client)));
            })
        },
        &|| {
            allocations(|| {
                black_box(f.rt.block_on(cc::aws_query(&f.aws_query_client)));
            })
        },
    );

    let put_ours = m("put_item/ziggurat-call");
    let put_aws = m("put_item/aws-call");
    let put_min_ours = m("put_item_min/ziggurat-call");
    let put_min_aws = m("put_item_min/aws-call");
    let q_ours = m("query/ziggurat-call");
    let q_aws = m("query/aws-call");
    let q_empty_ours = m("query_empty/ziggurat-call");
    let q_empty_aws = m("query_empty/aws-call");
    let put_codec = m("put_item/ziggurat-codec");
    let q_codec = m("query/ziggurat-codec");

    let put_aws_codec = m("put_item/aws-codec");
    let q_aws_codec = m("query/aws-codec");

    println!();
    println!(
        "{:<40} {:>12} {:>12} {:>8} {:>12}",
        "median", "ziggurat", "aws-sdk", "ratio", "allocs z/a"
    );
    let row = |name: &str, o: Option<f64>, a: Option<f64>, allocs: &str| {
        println!(
            "{:<40} {:>12} {:>12} {:>8} {:>12}",
            name,
            us(o),
            us(a),
            ratio(o, a),
            allocs
        )
    };
    row(
        "PutItem 20 attrs: codec (serialize)",
        put_codec,
        put_aws_codec,
        &format!("{put_codec_allocs}/-"),
    );
    row(
        "Query 100×10: codec (deserialize)",
        q_codec,
        q_aws_codec,
        &format!("{query_codec_allocs}/-"),
    );
    row(
        "PutItem 20 attrs, whole call",
        put_ours,
        put_aws,
        &put_allocs,
    );
    row("PutItem 1 attr, whole call", put_min_ours, put_min_aws, "");
    row(
        "PutItem: 19 attrs' share (20 − 1)",
        diff(put_ours, put_min_ours),
        diff(put_aws, put_min_aws),
        "",
    );
    row("Query 100×10, whole call", q_ours, q_aws, &query_allocs);
    row("Query 0 items, whole call", q_empty_ours, q_empty_aws, "");
    row(
        "Query: 100 items' share (100 − 0)",
        diff(q_ours, q_empty_ours),
        diff(q_aws, q_empty_aws),
        "",
    );
    println!(
        "ratio = ziggurat / aws-sdk-dynamodb (target: at most 0.50, ours at least 2x faster).\n\
         codec: ours through serialize_request / json::from_slice; aws-sdk-dynamodb's timed \
         inside a call between its orchestrator's serialization (deserialization) interceptor \
         hooks. share: the difference between the large and the minimal payload through each \
         whole client (includes cloning the item into the builder and hashing the body)."
    );

    // The codec rows again, measured the way a loaded machine cannot skew: both sides in
    // the same round, the order reversed every other round, the median of the rounds' ratios.
    let rounds = 31;
    let mut put_ratios = Vec::with_capacity(rounds);
    let mut query_ratios = Vec::with_capacity(rounds);
    let schema = f.put_schema;
    let mut put_input = cc::ours_put_input(&cc::put_item_attributes());
    for round in 0..rounds {
        let mut ours_put = || {
            let mut total = Duration::ZERO;
            for _ in 0..200 {
                let start = Instant::now();
                let request = cc::ours_serialize(schema, black_box(&mut put_input));
                total += start.elapsed();
                drop(black_box(request));
            }
            total
        };
        let aws_put = || {
            f.timer.take();
            for _ in 0..200 {
                f.rt.block_on(cc::aws_put(&f.aws_timed_put_client, &f.aws_item));
            }
            f.timer.take().0
        };
        let ours_query = || {
            let mut total = Duration::ZERO;
            for _ in 0..20 {
                let start = Instant::now();
                let output = cc::ours_deserialize(black_box(&f.query_body));
                total += start.elapsed();
                drop(black_box(output));
            }
            total
        };
        let aws_query = || {
            f.timer.take();
            for _ in 0..20 {
                black_box(f.rt.block_on(cc::aws_query(&f.aws_timed_query_client)));
            }
            f.timer.take().1
        };
        let (o, a, qo, qa) = if round % 2 == 0 {
            let o = ours_put();
            let a = aws_put();
            let qo = ours_query();
            (o, a, qo, aws_query())
        } else {
            let a = aws_put();
            let o = ours_put();
            let qa = aws_query();
            (o, a, ours_query(), qa)
        };
        put_ratios.push(o.as_secs_f64() / a.as_secs_f64());
        query_ratios.push(qo.as_secs_f64() / qa.as_secs_f64());
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    println!();
    println!(
        "interleaved rounds ({rounds}), median of per-round ratios ziggurat / aws-sdk-dynamodb:"
    );
    println!(
        "  PutItem 20 attrs, codec (serialize):    {:.2}x",
        median(put_ratios)
    );
    println!(
        "  Query 100×10, codec (deserialize):      {:.2}x",
        median(query_ratios)
    );
}
