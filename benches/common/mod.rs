//! Shared by the benchmarks: a counting allocator and a summary that reads criterion's results.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts heap allocations.
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations so far.
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// The median time (ns) criterion measured for `group/id` in this run, from its estimates file.
pub fn median_ns(group: &str, id: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(id)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("median")?.get("point_estimate")?.as_f64()
}

/// ns per call of each case: the best of `rounds` interleaved rounds of `n` calls each. On a
/// shared machine the minimum is far steadier than medians taken per case, minutes apart, and
/// interleaving exposes every case to the same conditions.
pub fn interleaved_min_ns<C>(
    rt: &tokio::runtime::Runtime,
    cases: &[C],
    rounds: usize,
    n: u32,
    call: impl AsyncFn(&C),
) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; cases.len()];
    rt.block_on(async {
        for _ in 0..rounds {
            for (i, case) in cases.iter().enumerate() {
                let start = std::time::Instant::now();
                for _ in 0..n {
                    call(case).await;
                }
                let per_call = start.elapsed().as_nanos() as f64 / f64::from(n);
                best[i] = best[i].min(per_call);
            }
        }
    });
    best
}

/// The extra ns per call of case `a` over case `b`, as the median over `pairs` back-to-back
/// pairs of blocks of `n` calls each (`a` then `b`, then `b` then `a`, alternating). A paired
/// design: both blocks of a pair run under the same conditions, so drift and noise from the
/// rest of the machine cancel out instead of landing on one side.
pub fn paired_difference_ns<C>(
    rt: &tokio::runtime::Runtime,
    a: &C,
    b: &C,
    pairs: usize,
    n: u32,
    call: impl AsyncFn(&C),
) -> f64 {
    let mut differences = Vec::with_capacity(pairs);
    rt.block_on(async {
        let block = async |case: &C| {
            let start = std::time::Instant::now();
            for _ in 0..n {
                call(case).await;
            }
            start.elapsed().as_nanos() as f64 / f64::from(n)
        };
        for pair in 0..pairs {
            let (ta, tb) = if pair % 2 == 0 {
                let ta = block(a).await;
                (ta, block(b).await)
            } else {
                let tb = block(b).await;
                (block(a).await, tb)
            };
            differences.push(ta - tb);
        }
    });
    differences.sort_by(f64::total_cmp);
    differences
        .get(differences.len() / 2)
        .copied()
        .unwrap_or(f64::NAN)
}

/// This thread's time on a CPU so far, in ns (Linux's `/proc/thread-self/schedstat`).
pub fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CPU ns per call of `f`: the best of `rounds` rounds of about 100 ms each. On an
/// oversubscribed machine wall time also counts the time spent waiting for a CPU; CPU time
/// does not. (The kernel updates a thread's CPU time at scheduler ticks, so a round must last
/// many ticks.) `None` where the thread's CPU time cannot be read.
pub fn best_cpu_ns(rounds: usize, mut f: impl FnMut()) -> Option<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let (wall, start) = (std::time::Instant::now(), thread_cpu_ns()?);
        let mut n = 0u64;
        while wall.elapsed() < std::time::Duration::from_millis(100) {
            for _ in 0..100 {
                f();
            }
            n += 100;
        }
        let spent = thread_cpu_ns()?.saturating_sub(start);
        best = best.min(spent as f64 / n.max(1) as f64);
    }
    Some(best)
}

/// Prints each case's heap allocations per call (after one warm-up call), averaged over 1,000
/// calls on `rt`.
pub fn print_allocations_per_call<C>(
    rt: &tokio::runtime::Runtime,
    names: &[&str],
    cases: &[C],
    call: impl AsyncFn(&C),
) {
    println!("allocations per call:");
    for (name, case) in names.iter().zip(cases) {
        let allocs = rt.block_on(async {
            call(case).await;
            let before = allocations();
            for _ in 0..1000 {
                call(case).await;
            }
            (allocations() - before) as f64 / 1000.0
        });
        println!("  {name:<26} {allocs:>6.1}");
    }
}

/// A configuration for offline benches: a region, fixed credentials and a fixed clock (so
/// the signer's derived key is cached), to which a bench adds its transport.
pub fn offline_sdk_config() -> ziggurat::config::SdkConfigBuilder {
    use std::time::{Duration, UNIX_EPOCH};
    use ziggurat::time::{SharedTimeSource, StaticTimeSource};
    ziggurat::config::SdkConfig::builder()
        .region(ziggurat::context::Region::from_static("us-east-1"))
        .credentials(ziggurat::credentials::Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .time_source(SharedTimeSource::new(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )))
}
