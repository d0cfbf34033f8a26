//! Whole calls over real loopback HTTP, the way users' traffic looks: raw hyper-util (the
//! baseline), ziggurat, and aws-sdk-dynamodb / aws-sdk-s3, each driving DynamoDB `GetItem`
//! (a 10-attribute item back), `PutItem` (a 1 KiB item) and S3 `GetObject` (1 MiB, streamed) at
//! concurrency 1 and 32 against an in-process hyper server on its own thread and runtime.
//!
//! ```sh
//! cd benches/percall-compare && CARGO_BUILD_JOBS=1 nice -n 10 cargo run --release
//! cargo run --release -- --rounds 15 --secs 0.3 --rss-secs 0.5  # the defaults
//! cargo run --release -- --no-rss                              # skip the peak-RSS children
//! # a subset, e.g. to profile one client with `perf record`:
//! cargo run --release -- --clients ziggurat --workloads GetItem --concurrency 1 --no-rss
//! ```
//!
//! How it measures (see README.md for the reasons):
//!
//! * **Rounds.** A warm-up round, then `--rounds` rounds; each round runs every cell (client ×
//!   workload × concurrency) for `--secs` seconds, the three clients of one workload and
//!   concurrency back to back, the whole order reversed every other round. Ratios against raw
//!   hyper are the median of the per-round ratios; absolute numbers are medians over rounds.
//! * **Concurrency.** 1 or 32 tasks, each calling in a loop until the cell's deadline, on a
//!   tokio multi-thread runtime with **one** worker: the machine has 2 cores and the server
//!   needs one, so a second client worker would only compete with the server for a core and
//!   measure the scheduler; with one worker the client's cost per call shows as throughput.
//! * **Latency** of every call (p50, p99), **CPU per call** on the client only, **heap
//!   allocations per call** on the client threads only ([`stats`] says how both are separated
//!   from the server's), and **peak RSS** of a fresh process: the binary re-executes itself
//!   (`--child KIND WORKLOAD CONCURRENCY ADDR SECS REQUESTS`) with just one client, which calls
//!   this process's server for `--rss-secs` seconds and reports its `VmHWM`.
mod clients;
mod harness;
mod payload;
mod sdk;
mod server;
mod stats;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clients::{Clients, Kind, RawRequest, Workload};
use server::{Captured, Server};
use stats::median;

#[global_allocator]
static ALLOC: stats::Counting = stats::Counting;

const CONCURRENCY: [usize; 2] = [1, 32];

struct Opts {
    rounds: usize,
    secs: f64,
    rss_secs: f64,
    rss: bool,
    kinds: Vec<Kind>,
    workloads: Vec<Workload>,
    concurrency: Vec<usize>,
}

/// One cell of one round.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    calls: u64,
    secs: f64,
    client_cpu_ns: f64,
    server_cpu_ns: f64,
    allocs: u64,
    p50_ns: u64,
    p99_ns: u64,
}

impl Sample {
    fn rps(&self) -> f64 {
        self.calls as f64 / self.secs
    }
    fn cpu_us_per_call(&self) -> f64 {
        self.client_cpu_ns / self.calls as f64 / 1e3
    }
    fn server_us_per_call(&self) -> f64 {
        self.server_cpu_ns / self.calls as f64 / 1e3
    }
    fn server_busy(&self) -> f64 {
        self.server_cpu_ns / (self.secs * 1e9)
    }
    fn allocs_per_call(&self) -> f64 {
        self.allocs as f64 / self.calls as f64
    }
}

/// Runs one cell: `concurrency` tasks calling until `dur` has passed; with `record`, every
/// call's latency.
#[allow(clippy::too_many_arguments)]
fn run_cell(
    rt: &tokio::runtime::Runtime,
    clients: &Arc<Clients>,
    server: Option<&Server>,
    kind: Kind,
    workload: Workload,
    concurrency: usize,
    dur: Duration,
    record: bool,
) -> Sample {
    let cap = if record {
        (dur.as_secs_f64() * 100_000.0 / concurrency as f64) as usize + 1024
    } else {
        0
    };
    // Everything the driver needs is allocated before the first sample, but the tasks and the
    // vector of their handles.
    let bufs: Vec<Vec<u64>> = (0..concurrency).map(|_| Vec::with_capacity(cap)).collect();
    let mut results: Vec<(Vec<u64>, u64)> = Vec::with_capacity(concurrency);
    let server_cpu = || server.map_or(0, Server::cpu_ns);

    let (a0, c0, s0) = (stats::allocations(), stats::process_cpu_ns(), server_cpu());
    let t0 = Instant::now();
    let deadline = t0 + dur;
    rt.block_on(async {
        let handles: Vec<_> = bufs
            .into_iter()
            .map(|mut buf| {
                let clients = clients.clone();
                tokio::spawn(async move {
                    let mut calls = 0u64;
                    while Instant::now() < deadline {
                        let start = Instant::now();
                        clients.call(kind, workload).await;
                        if record {
                            buf.push(start.elapsed().as_nanos() as u64);
                        }
                        calls += 1;
                    }
                    (buf, calls)
                })
            })
            .collect();
        for h in handles {
            results.push(h.await.expect("caller task"));
        }
    });
    let secs = t0.elapsed().as_secs_f64();
    let (a1, c1, s1) = (stats::allocations(), stats::process_cpu_ns(), server_cpu());

    let calls = results.iter().map(|r| r.1).sum();
    let mut lat: Vec<u64> = results.into_iter().flat_map(|r| r.0).collect();
    lat.sort_unstable();
    let server_cpu_ns = (s1 - s0) as f64;
    Sample {
        calls,
        secs,
        client_cpu_ns: (c1 - c0) as f64 - server_cpu_ns,
        server_cpu_ns,
        allocs: a1 - a0,
        p50_ns: stats::quantile(&lat, 0.50),
        p99_ns: stats::quantile(&lat, 0.99),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child(&args[2..]);
    }
    let mut opts = Opts {
        rounds: 15,
        secs: 0.3,
        rss_secs: 0.5,
        rss: true,
        kinds: Kind::ALL.to_vec(),
        workloads: Workload::ALL.to_vec(),
        concurrency: CONCURRENCY.to_vec(),
    };
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> f64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--rounds" => opts.rounds = value("--rounds") as usize,
            "--secs" => opts.secs = value("--secs"),
            "--rss-secs" => opts.rss_secs = value("--rss-secs"),
            "--no-rss" => opts.rss = false,
            "--clients" => opts.kinds = harness::list(it.next(), "--clients", Kind::parse),
            "--workloads" => {
                opts.workloads = harness::list(it.next(), "--workloads", Workload::parse)
            }
            "--concurrency" => {
                opts.concurrency = harness::list(it.next(), "--concurrency", |v| v.parse().ok())
            }
            other => panic!(
                "unknown argument {other}; usage: percall-compare [--rounds N] [--secs S] \
                 [--rss-secs S] [--no-rss] [--clients raw-hyper,ziggurat,aws-sdk] \
                 [--workloads GetItem,PutItem,GetObject] [--concurrency 1,32]"
            ),
        }
    }
    assert!(opts.rounds >= 1, "--rounds must be at least 1");
    parent(&opts);
}

fn header_bytes(c: &Captured) -> usize {
    c.headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + c.method.as_str().len()
        + c.path_and_query.len()
        + 12
}

fn parent(opts: &Opts) {
    let server = Server::start();
    let rt = harness::client_runtime(1);
    let guard = rt.enter();
    let mut clients = Clients::new(server.addr, &Kind::ALL);

    // Capture what each client sends; raw hyper replays ziggurat's requests.
    let mut captured: HashMap<(Kind, Workload), Captured> = HashMap::new();
    let capture = |clients: &Clients, kind, w, captured: &mut HashMap<_, _>| {
        server.capture_next();
        rt.block_on(clients.call(kind, w));
        captured.insert((kind, w), server.take_captured());
    };
    for kind in [Kind::Ziggurat, Kind::AwsSdk] {
        for w in Workload::ALL {
            capture(&clients, kind, w, &mut captured);
        }
    }
    let raw_requests: Vec<RawRequest> = Workload::ALL
        .iter()
        .map(|&w| RawRequest::from_captured(&captured[&(Kind::Ziggurat, w)], server.addr))
        .collect();
    let raw_json = RawRequest::encode_all(&raw_requests);
    clients.set_raw_requests(raw_requests);
    for w in Workload::ALL {
        capture(&clients, Kind::Raw, w, &mut captured);
    }
    let put_len = captured[&(Kind::Ziggurat, Workload::PutItem)].body.len();
    assert!(
        (900..=1300).contains(&put_len),
        "the PutItem body should be about 1 KiB, not {put_len} bytes"
    );
    let clients = Arc::new(clients);
    drop(guard);

    println!(
        "percall-compare: {} rounds of {:.2} s per cell after a warm-up round; client: tokio \
         multi-thread runtime, 1 worker; server: hyper http1, 1 thread",
        opts.rounds, opts.secs
    );
    println!("\nrequests as the server received them (request line + header bytes, body bytes):");
    for w in Workload::ALL {
        let cols: Vec<String> = Kind::ALL
            .iter()
            .map(|&k| {
                let c = &captured[&(k, w)];
                format!("{} {} + {}", k.name(), header_bytes(c), c.body.len())
            })
            .collect();
        println!("  {:<9}  {}", w.name(), cols.join("   "));
    }

    // Cells in round order: the three clients of one workload and concurrency back to back.
    let mut cells = Vec::new();
    for &w in &opts.workloads {
        for &c in &opts.concurrency {
            for &k in &opts.kinds {
                cells.push((k, w, c));
            }
        }
    }
    let dur = Duration::from_secs_f64(opts.secs);
    let mut samples: HashMap<(Kind, Workload, usize), Vec<Sample>> = HashMap::new();
    harness::interleaved(opts.rounds, &cells, |round, (k, w, c)| {
        let s = run_cell(&rt, &clients, Some(&server), k, w, c, dur, true);
        if round > 0 {
            samples.entry((k, w, c)).or_default().push(s);
        }
    });

    let mut rss: HashMap<(Kind, Workload, usize), (u64, u64)> = HashMap::new();
    if opts.rss {
        for &(k, w, c) in &cells {
            rss.insert(
                (k, w, c),
                rss_child(k, w, c, &server, opts.rss_secs, &raw_json),
            );
        }
    }

    report(&cells, &samples, &rss);
}

/// The per-round ratio `metric(kind) / metric(raw)`, its median over rounds.
fn ratio(
    samples: &HashMap<(Kind, Workload, usize), Vec<Sample>>,
    key: (Kind, Workload, usize),
    metric: impl Fn(&Sample) -> f64,
) -> f64 {
    let Some(raw) = samples.get(&(Kind::Raw, key.1, key.2)) else {
        return f64::NAN;
    };
    let ours = &samples[&key];
    let r: Vec<f64> = ours
        .iter()
        .zip(raw)
        .map(|(a, b)| metric(a) / metric(b))
        .collect();
    median(&r)
}

fn report(
    cells: &[(Kind, Workload, usize)],
    samples: &HashMap<(Kind, Workload, usize), Vec<Sample>>,
    rss: &HashMap<(Kind, Workload, usize), (u64, u64)>,
) {
    println!(
        "\nmedians over rounds; ×raw = median of per-round ratios to raw hyper (req/s: higher \
         is better; the rest: lower is better)\n"
    );
    println!(
        "| workload | conc | client | req/s | ×raw | p50 µs | ×raw | p99 µs | ×raw | client CPU µs/call | ×raw | allocs/call | server CPU µs/call | server busy | peak RSS MiB |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &key in cells {
        let (k, w, c) = key;
        let s = &samples[&key];
        let m = |f: &dyn Fn(&Sample) -> f64| median(&s.iter().map(f).collect::<Vec<_>>());
        let x = |f: fn(&Sample) -> f64| {
            if k == Kind::Raw {
                "1".to_owned()
            } else {
                let r = ratio(samples, key, f);
                if r.is_nan() {
                    "-".to_owned()
                } else {
                    format!("{r:.2}")
                }
            }
        };
        let rss = rss.get(&key).map_or("-".to_owned(), |(peak, _)| {
            format!("{:.1}", *peak as f64 / 1024.0)
        });
        println!(
            "| {} | {} | {} | {:.0} | {} | {:.1} | {} | {:.1} | {} | {:.2} | {} | {:.1} | {:.2} | {:.0} % | {} |",
            w.name(),
            c,
            k.name(),
            m(&Sample::rps),
            x(Sample::rps),
            m(&|s| s.p50_ns as f64 / 1e3),
            x(|s| s.p50_ns as f64),
            m(&|s| s.p99_ns as f64 / 1e3),
            x(|s| s.p99_ns as f64),
            m(&Sample::cpu_us_per_call),
            x(Sample::cpu_us_per_call),
            m(&Sample::allocs_per_call),
            m(&Sample::server_us_per_call),
            m(&Sample::server_busy) * 100.0,
            rss,
        );
    }
    if let Some(base) = rss.values().map(|&(_, base)| base).min() {
        println!(
            "\npeak RSS: VmHWM of a fresh process running one client and workload for the \
             given time; {:.1} MiB of it is the process before any client is built (runtime \
             started).",
            base as f64 / 1024.0
        );
    }
}

/// Peak RSS (KiB) of a fresh process that runs one client and workload, and its RSS before the
/// client was built.
fn rss_child(
    kind: Kind,
    workload: Workload,
    concurrency: usize,
    server: &Server,
    secs: f64,
    raw_json: &str,
) -> (u64, u64) {
    harness::rss_child(
        &format!("{} {} {concurrency}", kind.name(), workload.name()),
        [
            kind.name().to_owned(),
            workload.name().to_owned(),
            concurrency.to_string(),
            server.addr.to_string(),
            secs.to_string(),
            raw_json.to_owned(),
        ],
    )
}

/// `--child KIND WORKLOAD CONCURRENCY ADDR SECS REQUESTS`: one client and workload against the
/// parent's server; prints its peak RSS.
fn child(args: &[String]) {
    let [kind, workload, concurrency, addr, secs, requests] = args else {
        panic!("--child KIND WORKLOAD CONCURRENCY ADDR SECS REQUESTS");
    };
    let kind = Kind::parse(kind).expect("client kind");
    let workload = Workload::parse(workload).expect("workload");
    let concurrency: usize = concurrency.parse().expect("concurrency");
    let addr = addr.parse().expect("server address");
    let dur = Duration::from_secs_f64(secs.parse().expect("seconds"));
    let rt = harness::client_runtime(1);
    let base = stats::peak_rss_kib();
    let clients = {
        let _guard = rt.enter();
        let mut clients = Clients::new(addr, &[kind]);
        if kind == Kind::Raw {
            clients.set_raw_requests(RawRequest::decode_all(requests));
        }
        Arc::new(clients)
    };
    let s = run_cell(&rt, &clients, None, kind, workload, concurrency, dur, false);
    assert!(s.calls > 0, "the child made no call");
    println!(
        "peak_rss_kib={} base_rss_kib={base} calls={}",
        stats::peak_rss_kib(),
        s.calls
    );
}
