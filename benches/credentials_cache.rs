//! What fresh credentials cost a call: `provide_credentials` on the provider that
//! `ConfigLoader` builds (the default chain behind a `CredentialsCache`), once the cache holds
//! credentials, against static credentials (the floor: an `Arc` clone). Prints nanoseconds and
//! heap allocations per call; the target is at most 50 ns and no allocation.
//!
//! `cargo bench --bench credentials_cache`
mod common;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use ziggurat::aws_config::{ConfigLoader, Env, Fs};
use ziggurat::credentials::{Credentials, ProvideCredentials};

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const GROUP: &str = "credentials_cache";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A provider loaded from a profile of static keys: the chain, cached.
fn loaded(rt: &tokio::runtime::Runtime) -> ziggurat::credentials::SharedCredentialsProvider {
    let env = Env::from_pairs([
        ("HOME", "/home/bench"),
        ("AWS_PROFILE", "bench"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let fs = Fs::from_pairs([(
        "/home/bench/.aws/credentials",
        "[bench]\naws_access_key_id = AKIDBENCH\naws_secret_access_key = secret\n",
    )]);
    let config = rt
        .block_on(ConfigLoader::new().env(env).fs(fs).load())
        .expect("load");
    let provider = config.credentials().expect("credentials").clone();
    rt.block_on(provider.provide_credentials())
        .expect("first fetch");
    provider
}

fn bench(c: &mut Criterion) {
    let rt = rt();
    let cached = loaded(&rt);
    let fixed = Credentials::new("AKID", "secret", None);
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("loaded_chain_cached", |b| {
        b.iter(|| rt.block_on(black_box(&cached).provide_credentials()))
    });
    group.bench_function("static", |b| {
        b.iter(|| rt.block_on(black_box(&fixed).provide_credentials()))
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let rt = rt();
    let cached = loaded(&rt);
    let fixed = Credentials::new("AKID", "secret", None);
    // Polled directly (no `block_on`), to see the provider's own cost.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut per_call = |p: &dyn ProvideCredentials| {
        let n = 1_000_000u32;
        let before = common::allocations();
        let start = Instant::now();
        for _ in 0..n {
            let mut fut = p.provide_credentials();
            let ready = std::pin::Pin::new(&mut fut).poll(&mut cx);
            black_box(ready.is_ready());
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        (ns, (common::allocations() - before) as f64 / f64::from(n))
    };
    use std::future::Future as _;
    let (cached_ns, cached_allocs) = per_call(&cached);
    let (static_ns, static_allocs) = per_call(&fixed);
    println!();
    println!("credentials per call, polled directly (1,000,000 calls):");
    println!("  loaded chain, cached: {cached_ns:.1} ns, {cached_allocs:.2} allocations");
    println!("  static credentials:   {static_ns:.1} ns, {static_allocs:.2} allocations");
    println!(
        "  cache's added cost:   {:.1} ns (target: at most 50 ns, no allocation)",
        cached_ns - static_ns
    );
}
