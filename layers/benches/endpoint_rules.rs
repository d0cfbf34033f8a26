//! The endpoint rules engine on real rule sets: the time to parse the S3 and DynamoDB rule
//! sets, and the time of one resolution for typical parameters (regional DynamoDB, a
//! virtual-hosted S3 bucket, an S3 access point ARN, FIPS + dual-stack), and of the
//! `"ResolveEndpoint"` hook's lookup of an S3 call's endpoint, cache warm and cold.
//!
//! `cargo bench -p ziggurat-layers --bench endpoint_rules`. The rule sets are read from
//! `$ZIGGURAT_CONFORMANCE/endpoint-rules` (else `../shared/conformance` next to the
//! workspace); without them it prints `SKIPPED`.
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ziggurat_core::context::{Context, Region};
use ziggurat_core::schema::{EndpointParam, EndpointParamValue, OperationSchema, prelude};
use ziggurat_layers::endpoint::resolver::RuleSetResolver;
use ziggurat_layers::endpoint::rules::{Params, Partitions, RuleSet};
use ziggurat_layers::endpoint::{CACHE_ENTRIES, OperationEndpointParams, RuleSetEndpoint};

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System`, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn data() -> Option<PathBuf> {
    let dir = match std::env::var_os("ZIGGURAT_CONFORMANCE") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()?
            .join("../shared/conformance"),
    };
    let dir = dir.join("endpoint-rules/botocore");
    dir.is_dir().then_some(dir)
}

/// This thread's time on a CPU so far (Linux's `/proc/thread-self/schedstat`), if known.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ns))
}

/// The CPU time per call of `f` (wall time where CPU time is unknown), the best of 10
/// rounds of about a tenth of `budget`: on a shared, oversubscribed machine wall time counts
/// the time spent waiting for a CPU, which moves with the load.
fn best_time(budget: Duration, mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..10 {
        let (wall, cpu) = (Instant::now(), cpu_time());
        let mut n = 0u32;
        while wall.elapsed() < budget / 10 {
            for _ in 0..100 {
                f();
            }
            n += 100;
        }
        let spent = match (cpu, cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => wall.elapsed(),
        };
        best = best.min(spent / n.max(1));
    }
    best
}

/// Runs `f` for about `budget`, returns the mean time per call.
fn time(budget: Duration, mut f: impl FnMut()) -> Duration {
    for _ in 0..10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    start.elapsed() / n.max(1)
}

fn main() {
    let Some(dir) = data() else {
        println!(
            "SKIPPED: endpoint rules bench: no endpoint-rules data (set ZIGGURAT_CONFORMANCE)"
        );
        return;
    };
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let partitions = Partitions::from_json(&read(dir.join("partitions.json"))).expect("partitions");
    let budget = Duration::from_millis(500);
    for service in ["s3", "dynamodb"] {
        let json = read(dir.join(service).join("endpoint-rule-set-1.json"));
        let parse = time(budget, || {
            black_box(RuleSet::from_json(black_box(&json)).expect("rule set"));
        });
        println!("{service}: parse {} bytes: {parse:?}", json.len());
    }
    let s3 = RuleSet::from_json(&read(dir.join("s3/endpoint-rule-set-1.json"))).expect("s3");
    let ddb =
        RuleSet::from_json(&read(dir.join("dynamodb/endpoint-rule-set-1.json"))).expect("ddb");
    let cases: [(&str, &RuleSet, Params); 4] = [
        (
            "dynamodb us-east-1",
            &ddb,
            Params::new().set("Region", "us-east-1"),
        ),
        (
            "s3 virtual-hosted bucket",
            &s3,
            Params::new()
                .set("Region", "us-west-2")
                .set("Bucket", "my-bucket"),
        ),
        (
            "s3 access point arn",
            &s3,
            Params::new().set("Region", "us-west-2").set(
                "Bucket",
                "arn:aws:s3:us-west-2:123456789012:accesspoint:myendpoint",
            ),
        ),
        (
            "s3 fips + dual-stack",
            &s3,
            Params::new()
                .set("Region", "us-east-1")
                .set("Bucket", "my-bucket")
                .set("UseFIPS", true)
                .set("UseDualStack", true),
        ),
    ];
    for (name, rules, params) in &cases {
        let url = rules
            .resolve(params, &partitions)
            .map(|e| e.url)
            .unwrap_or_else(|e| e.to_string());
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        black_box(rules.resolve(black_box(params), &partitions).ok());
        let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        let t = time(budget, || {
            black_box(rules.resolve(black_box(params), &partitions).ok());
        });
        println!("resolve {name} ({url}): {t:?}, {allocations} allocations");
    }
    hook(&s3, &partitions, budget);
}

/// The schema of an S3 `GetObject` as far as endpoints go: `Bucket` and `Key` from the input.
static GET_OBJECT: OperationSchema = OperationSchema {
    name: "GetObject",
    method: "GET",
    uri: "/{Bucket}/{Key+}",
    success_status: None,
    input: &prelude::UNIT,
    output: &prelude::UNIT,
    result_wrapper: None,
    errors: &[],
    host_prefix: None,
    flags: 0,
    endpoint_params: &[
        EndpointParam {
            name: "Bucket",
            value: EndpointParamValue::Member("Bucket"),
        },
        EndpointParam {
            name: "Key",
            value: EndpointParamValue::Member("Key"),
        },
    ],
};

/// The `"ResolveEndpoint"` hook of generated clients: the endpoint of an S3 call with a bucket,
/// from the per-client cache (warm) and from the rule set (cold: a bucket not seen before).
fn hook(s3: &RuleSet, partitions: &Partitions, budget: Duration) {
    let rules: &'static RuleSet = Box::leak(Box::new(s3.clone()));
    let partitions: &'static Partitions = Box::leak(Box::new(partitions.clone()));
    let hook = RuleSetEndpoint::new(RuleSetResolver::new(rules, partitions), "s3");
    let ctx = |bucket: String| {
        let mut ctx = Context::new("S3", "GetObject");
        ctx.set_region(Some(Region::from_static("us-west-2")));
        ctx.set_endpoint_params(OperationEndpointParams(vec![
            ("Bucket", bucket.into()),
            ("Key", "photos/cat.jpg".into()),
        ]));
        ctx
    };
    let warm = ctx("my-bucket".to_owned());
    let resolve = |c: &Context| black_box(hook.endpoint_for(Some(c), Some(&GET_OBJECT)).ok());
    resolve(&warm);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    resolve(&warm);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let t = best_time(budget, || {
        resolve(&warm);
    });
    println!(
        "hook, S3 bucket, cache warm: {t:?} (CPU time, best of 10 rounds), {allocations} allocations"
    );
    let lock = std::sync::RwLock::new(1u8);
    let shared = std::sync::Arc::new(1u8);
    let t = best_time(budget, || {
        black_box(
            *lock
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        black_box(shared.clone());
    });
    println!("for scale: one uncontended read lock and one Arc clone: {t:?}");
    let cold: Vec<Context> = (0..4 * CACHE_ENTRIES)
        .map(|i| ctx(format!("bucket-{i:05}")))
        .collect();
    let mut i = 0;
    let t = best_time(budget, || {
        i = (i + 1) % cold.len();
        if let Some(c) = cold.get(i) {
            resolve(c);
        }
    });
    println!("hook, S3 bucket, cache cold: {t:?}");
}
