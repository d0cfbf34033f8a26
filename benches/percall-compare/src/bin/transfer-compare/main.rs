//! 1 GiB up and down over loopback HTTP: ziggurat's transfer manager against aws-sdk-s3 driven
//! the same way (same part size, same concurrency, same checksums), against an in-process S3
//! peer that discards uploads and serves a virtual object (`server.rs`).
//!
//! ```sh
//! cd benches/percall-compare && CARGO_BUILD_JOBS=1 nice -n 10 cargo run --release --bin transfer-compare
//! cargo run --release --bin transfer-compare -- --rounds 3 --part-size-mib 8 --concurrency 8 --workers 1  # the defaults
//! cargo run --release --bin transfer-compare -- --no-rss            # skip the peak-RSS children
//! cargo run --release --bin transfer-compare -- --clients ziggurat --directions upload --no-rss
//! ```
//!
//! How it measures:
//!
//! * **Rounds.** A warm-up round, then `--rounds` rounds; each round moves the object once per
//!   client and direction (uploads first, the two clients back to back), the whole order
//!   reversed every other round. Ratios ziggurat / aws-sdk are the median of per-round ratios;
//!   absolute numbers are medians over rounds.
//! * **Upload source**: a sparse 1 GiB file (`set_len`) in `/dev/shm` (tmpfs; else the temp
//!   directory), read by both through `tokio::fs::File`: reading its holes costs no disk I/O
//!   and no page-cache fill, only the copy out of the kernel, the same for both. **Download sink**: a writer that checks and discards.
//! * **Client runtime**: tokio multi-thread with `--workers` workers (1 by default: the
//!   machine has 2 cores and the server needs one; `tokio::fs` also uses its blocking threads,
//!   counted as the client's).
//! * **Client CPU** per GiB: the process's CPU time (`getrusage`) over a transfer minus the
//!   server thread's ([`stats`]); it includes the kernel's loopback work charged to the
//!   client's threads. **Allocations** per GiB on the client threads.
//! * **Peak RSS** of a fresh process (the binary re-executes itself with `--child KIND
//!   DIRECTION ADDR PART_SIZE CONCURRENCY WORKERS FILE`) that builds one client and makes one
//!   transfer against this process's server; compared with `part size × concurrency + 32 MiB`.
//! * **Checks**: every upload's bytes and parts are counted by the server (all of the object
//!   must arrive, and the completion must list every part); every download's bytes are checked
//!   at the start and end of each write and counted.
#[path = "../../harness.rs"]
mod harness;
#[path = "../../sdk.rs"]
mod sdk;
// `stats::quantile` serves percall-compare's latencies only.
#[allow(dead_code)]
#[path = "../../stats.rs"]
mod stats;

mod clients;
mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clients::{Clients, Direction, Kind, Shape};
use server::{OBJECT_LEN, Server};
use stats::median;

#[global_allocator]
static ALLOC: stats::Counting = stats::Counting;

const GIB: f64 = (1u64 << 30) as f64;
const MIB: f64 = (1u64 << 20) as f64;

struct Opts {
    rounds: usize,
    shape: Shape,
    workers: usize,
    rss: bool,
    kinds: Vec<Kind>,
    directions: Vec<Direction>,
}

/// One transfer.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    bytes: u64,
    secs: f64,
    client_cpu_ns: f64,
    server_cpu_ns: f64,
    allocs: u64,
}

impl Sample {
    fn mib_per_s(&self) -> f64 {
        self.bytes as f64 / MIB / self.secs
    }
    fn cpu_s_per_gib(&self) -> f64 {
        self.client_cpu_ns / 1e9 / (self.bytes as f64 / GIB)
    }
    fn server_s_per_gib(&self) -> f64 {
        self.server_cpu_ns / 1e9 / (self.bytes as f64 / GIB)
    }
    fn allocs_per_gib(&self) -> f64 {
        self.allocs as f64 / (self.bytes as f64 / GIB)
    }
}

/// The sparse source file of uploads, removed (with its directory) when dropped.
struct SourceFile {
    dir: PathBuf,
    path: PathBuf,
}

impl SourceFile {
    fn create() -> SourceFile {
        // tmpfs reads a hole from the zero page; ext4 zero-fills a page-cache page for each
        // (2.6 s of system time per GiB on the first read here, and again when the cache is
        // reclaimed), which would be the file system's cost, not the client's.
        let shm = Path::new("/dev/shm");
        let parent = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = parent.join(format!("transfer-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the temp directory");
        let path = dir.join("1GiB.bin");
        let file = std::fs::File::create(&path).expect("create the source file");
        file.set_len(OBJECT_LEN).expect("size the source file");
        SourceFile { dir, path }
    }
}

impl Drop for SourceFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One transfer, measured; checks with the server that an upload arrived whole.
fn run_one(
    rt: &tokio::runtime::Runtime,
    clients: &Clients,
    server: Option<&Server>,
    kind: Kind,
    direction: Direction,
    file: &Path,
) -> Sample {
    let server_cpu = || server.map_or(0, Server::cpu_ns);
    let seen0 = server.map(Server::seen);
    let (a0, c0, s0) = (stats::allocations(), stats::process_cpu_ns(), server_cpu());
    let t0 = Instant::now();
    let bytes = rt
        .block_on(clients.run(kind, direction, file))
        .unwrap_or_else(|e| panic!("{} {}: {e}", kind.name(), direction.name()));
    let secs = t0.elapsed().as_secs_f64();
    let (a1, c1, s1) = (stats::allocations(), stats::process_cpu_ns(), server_cpu());
    assert_eq!(
        bytes,
        OBJECT_LEN,
        "{} {}: bytes moved",
        kind.name(),
        direction.name()
    );
    if let (Some(server), Some(before), Direction::Upload) = (server, seen0, direction) {
        check_upload(kind, before, server.seen());
    }
    let server_cpu_ns = (s1 - s0) as f64;
    Sample {
        bytes,
        secs,
        client_cpu_ns: (c1 - c0) as f64 - server_cpu_ns,
        server_cpu_ns,
        allocs: a1 - a0,
    }
}

/// That one upload brought the whole object, in parts that its one completion listed.
fn check_upload(kind: Kind, before: server::Seen, after: server::Seen) {
    let parts = after.parts - before.parts;
    assert_eq!(
        after.uploaded - before.uploaded,
        OBJECT_LEN,
        "{}: bytes the server received",
        kind.name()
    );
    assert_eq!(
        after.completions - before.completions,
        1,
        "{}: completions",
        kind.name()
    );
    assert_eq!(
        after.completed_parts - before.completed_parts,
        parts,
        "{}: parts listed",
        kind.name()
    );
    assert_eq!(after.aborts, before.aborts, "{}: aborts", kind.name());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child(&args[2..]);
    }
    let mut opts = Opts {
        rounds: 3,
        shape: Shape {
            part_size: 8 << 20,
            concurrency: 8,
        },
        workers: 1,
        rss: true,
        kinds: Kind::ALL.to_vec(),
        directions: Direction::ALL.to_vec(),
    };
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|&v| v >= 1)
                .unwrap_or_else(|| panic!("{name} needs a whole number from 1"))
        };
        match a.as_str() {
            "--rounds" => opts.rounds = value("--rounds") as usize,
            "--part-size-mib" => opts.shape.part_size = value("--part-size-mib") << 20,
            "--concurrency" => opts.shape.concurrency = value("--concurrency") as usize,
            "--workers" => opts.workers = value("--workers") as usize,
            "--no-rss" => opts.rss = false,
            "--clients" => opts.kinds = harness::list(it.next(), "--clients", Kind::parse),
            "--directions" => {
                opts.directions = harness::list(it.next(), "--directions", Direction::parse)
            }
            other => panic!(
                "unknown argument {other}; usage: transfer-compare [--rounds N] \
                 [--part-size-mib N] [--concurrency N] [--workers N] [--no-rss] \
                 [--clients ziggurat,aws-sdk] [--directions upload,download]"
            ),
        }
    }
    parent(&opts);
}

fn parent(opts: &Opts) {
    let server = Server::start();
    let endpoint = format!("http://{}", server.addr);
    let rt = harness::client_runtime(opts.workers);
    let clients = {
        let _guard = rt.enter();
        Clients::new(&endpoint, &Kind::ALL, opts.shape)
    };
    let source = SourceFile::create();
    let shape = opts.shape;
    println!(
        "transfer-compare: {} rounds after a warm-up round, {} MiB object, {} MiB parts, \
         concurrency {}; client: tokio multi-thread runtime, {} worker(s); server: hyper \
         http1, 1 thread; upload source {}; load average {}",
        opts.rounds,
        OBJECT_LEN >> 20,
        shape.part_size >> 20,
        shape.concurrency,
        opts.workers,
        source.path.display(),
        harness::load_average()
    );

    let mut cells = Vec::new();
    for &d in &opts.directions {
        for &k in &opts.kinds {
            cells.push((k, d));
        }
    }
    let mut samples: HashMap<(Kind, Direction), Vec<Sample>> = HashMap::new();
    harness::interleaved(opts.rounds, &cells, |round, (k, d)| {
        if round == 0 && d == Direction::Upload {
            server.capture_next_part();
        }
        let s = run_one(&rt, &clients, Some(&server), k, d, &source.path);
        if round == 0 && d == Direction::Upload {
            print_part_request(k, server.take_part());
        }
        if round > 0 {
            samples.entry((k, d)).or_default().push(s);
        }
    });

    let mut rss: HashMap<(Kind, Direction), (u64, u64)> = HashMap::new();
    if opts.rss {
        for &(k, d) in &cells {
            let before = server.seen();
            rss.insert((k, d), rss_child(k, d, &server, opts, &source.path));
            if d == Direction::Upload {
                check_upload(k, before, server.seen());
            }
        }
    }
    report(opts, &cells, &samples, &rss);
}

/// The headers that say how a client sent its parts: signing, checksum, framing.
fn print_part_request(kind: Kind, part: Option<server::PartRequest>) {
    let Some(part) = part else {
        println!("  {}: no UploadPart captured", kind.name());
        return;
    };
    let shown: Vec<String> = part
        .headers
        .iter()
        .filter(|(name, _)| {
            let n = name.as_str();
            n == "x-amz-content-sha256"
                || n == "content-encoding"
                || n == "content-length"
                || n == "x-amz-trailer"
                || n == "x-amz-decoded-content-length"
                || n.starts_with("x-amz-checksum-")
                || n == "x-amz-sdk-checksum-algorithm"
                || n == "expect"
        })
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or("(not ASCII)")))
        .collect();
    println!("  {} UploadPart: {}", kind.name(), shown.join("; "));
}

fn ratio(
    samples: &HashMap<(Kind, Direction), Vec<Sample>>,
    direction: Direction,
    metric: fn(&Sample) -> f64,
) -> String {
    let (Some(zig), Some(aws)) = (
        samples.get(&(Kind::Ziggurat, direction)),
        samples.get(&(Kind::AwsSdk, direction)),
    ) else {
        return "-".to_owned();
    };
    let r: Vec<f64> = zig
        .iter()
        .zip(aws)
        .map(|(a, b)| metric(a) / metric(b))
        .collect();
    let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.2} ({lo:.2}–{hi:.2})", median(&r))
}

fn report(
    opts: &Opts,
    cells: &[(Kind, Direction)],
    samples: &HashMap<(Kind, Direction), Vec<Sample>>,
    rss: &HashMap<(Kind, Direction), (u64, u64)>,
) {
    let bound_mib = (opts.shape.part_size * opts.shape.concurrency as u64 / (1 << 20)) + 32;
    println!(
        "\nmedians over rounds; zig/aws = median of per-round ratios ziggurat / aws-sdk \
         (lowest–highest round in brackets; MiB/s: higher is better; CPU: lower is better); RSS bound = part size × concurrency \
         + 32 MiB = {bound_mib} MiB\n"
    );
    println!(
        "| direction | client | MiB/s | zig/aws | client CPU s/GiB | zig/aws | allocs/GiB | server CPU s/GiB | peak RSS MiB | within bound |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for &(k, d) in cells {
        let s = &samples[&(k, d)];
        let m = |f: fn(&Sample) -> f64| median(&s.iter().map(f).collect::<Vec<_>>());
        let zig_only = |f: fn(&Sample) -> f64| {
            if k == Kind::Ziggurat {
                ratio(samples, d, f)
            } else {
                String::new()
            }
        };
        let (peak, within) = rss.get(&(k, d)).map_or(("-".to_owned(), "-"), |(peak, _)| {
            let mib = *peak as f64 / 1024.0;
            (
                format!("{mib:.1}"),
                if mib <= bound_mib as f64 { "yes" } else { "no" },
            )
        });
        println!(
            "| {} | {} | {:.0} | {} | {:.3} | {} | {:.0} | {:.3} | {} | {} |",
            d.name(),
            k.name(),
            m(Sample::mib_per_s),
            zig_only(Sample::mib_per_s),
            m(Sample::cpu_s_per_gib),
            zig_only(Sample::cpu_s_per_gib),
            m(Sample::allocs_per_gib),
            m(Sample::server_s_per_gib),
            peak,
            within,
        );
    }
    if let Some(base) = rss.values().map(|&(_, base)| base).min() {
        println!(
            "\npeak RSS: VmHWM of a fresh process making one transfer with one client; {:.1} MiB \
             of it is the process before the client is built (runtime started).",
            base as f64 / 1024.0
        );
    }
}

/// Peak RSS (KiB) of a fresh process making one transfer, and its RSS before the client was
/// built.
fn rss_child(
    kind: Kind,
    direction: Direction,
    server: &Server,
    opts: &Opts,
    file: &Path,
) -> (u64, u64) {
    harness::rss_child(
        &format!("{} {}", kind.name(), direction.name()),
        [
            kind.name().into(),
            direction.name().into(),
            server.addr.to_string().into(),
            opts.shape.part_size.to_string().into(),
            opts.shape.concurrency.to_string().into(),
            opts.workers.to_string().into(),
            file.as_os_str().to_owned(),
        ] as [std::ffi::OsString; 7],
    )
}

/// `--child KIND DIRECTION ADDR PART_SIZE CONCURRENCY WORKERS FILE`: one transfer against the
/// parent's server; prints its peak RSS.
fn child(args: &[String]) {
    let [kind, direction, addr, part_size, concurrency, workers, file] = args else {
        panic!("--child KIND DIRECTION ADDR PART_SIZE CONCURRENCY WORKERS FILE");
    };
    let kind = Kind::parse(kind).expect("client kind");
    let direction = Direction::parse(direction).expect("direction");
    let shape = Shape {
        part_size: part_size.parse().expect("part size"),
        concurrency: concurrency.parse().expect("concurrency"),
    };
    let rt = harness::client_runtime(workers.parse().expect("workers"));
    let base = stats::peak_rss_kib();
    let clients = {
        let _guard = rt.enter();
        Clients::new(&format!("http://{addr}"), &[kind], shape)
    };
    let s = run_one(&rt, &clients, None, kind, direction, Path::new(file));
    println!(
        "peak_rss_kib={} base_rss_kib={base} bytes={}",
        stats::peak_rss_kib(),
        s.bytes
    );
}
