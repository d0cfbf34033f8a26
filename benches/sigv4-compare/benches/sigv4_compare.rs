//! ziggurat's SigV4 signer side by side with `aws-sigv4`, in one run: a DynamoDB `PutItem`
//! with a 1 KiB JSON body and the SDK's header set, an S3 `GetObject` of a key that needs
//! encoding, and a presigned S3 `GetObject` URL. See `src/lib.rs` for exactly what each side
//! does. After criterion's own report, prints the medians, the ratio ours / aws-sigv4 (the
//! target is at most 0.4) and heap allocations per signature.
//!
//! `cd benches/sigv4-compare && cargo bench`
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use sigv4_compare::{Scenario, Signers, mismatches};

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

const GROUP: &str = "sigv4";

fn bench(c: &mut Criterion) {
    let signers = Signers::new();
    let mut group = c.benchmark_group(GROUP);
    for scenario in Scenario::all() {
        group.bench_function(format!("{}/ziggurat", scenario.name), |b| {
            b.iter(|| black_box(signers.ours(black_box(&scenario))))
        });
        group.bench_function(format!("{}/aws-sigv4", scenario.name), |b| {
            b.iter(|| black_box(signers.aws(black_box(&scenario))))
        });
    }
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

/// Criterion's median for `sigv4/<id>` from this run, in nanoseconds.
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

/// Heap allocations of one signature.
fn allocations(sign: impl Fn() -> String) -> u64 {
    black_box(sign());
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..100 {
        black_box(sign());
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) / 100
}

fn main() {
    let mismatches = mismatches();
    assert!(
        mismatches.is_empty(),
        "the signers disagree: {mismatches:?}"
    );
    benches();
    Criterion::default().configure_from_args().final_summary();

    let signers = Signers::new();
    println!();
    println!(
        "{:<28} {:>12} {:>12} {:>8} {:>10}",
        "median per signature", "ziggurat", "aws-sigv4", "ratio", "allocs"
    );
    for scenario in Scenario::all() {
        let ours = median_ns(&format!("{}/ziggurat", scenario.name));
        let aws = median_ns(&format!("{}/aws-sigv4", scenario.name));
        let allocs = format!(
            "{}/{}",
            allocations(|| signers.ours(&scenario)),
            allocations(|| signers.aws(&scenario))
        );
        match (ours, aws) {
            (Some(ours), Some(aws)) => println!(
                "{:<28} {:>9.2} µs {:>9.2} µs {:>7.2}x {:>10}",
                scenario.name,
                ours / 1000.0,
                aws / 1000.0,
                ours / aws,
                allocs
            ),
            _ => println!(
                "{:<28} (no criterion estimates: run without a filter) {allocs}",
                scenario.name
            ),
        }
    }
    println!("ratio = ziggurat / aws-sigv4 (target: at most 0.40); allocs = ziggurat/aws-sigv4");
}
