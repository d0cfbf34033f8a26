//! What both benchmarks run the same way: the loopback server's thread, the client runtime,
//! interleaved rounds, the fresh child process that measures peak RSS, and the argument and
//! load-average helpers.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// A running loopback server: where it listens, and its thread's CPU-time clock.
pub struct ServerThread {
    pub addr: SocketAddr,
    cpu_clock: libc::clockid_t,
}

impl ServerThread {
    /// The server thread's CPU time so far, in ns.
    pub fn cpu_ns(&self) -> u64 {
        crate::stats::clock_ns(self.cpu_clock)
    }
}

/// Starts hyper's HTTP/1.1 server on 127.0.0.1 on its own thread and current-thread runtime,
/// marked as the server thread (see [`crate::stats`]), answering every request with `handle`.
/// Returns when it listens.
pub fn serve<H, F, B>(handle: H) -> ServerThread
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("loopback-server".into())
        .spawn(move || {
            crate::stats::mark_server_thread();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind the loopback server");
                let addr = listener.local_addr().expect("server address");
                tx.send((addr, crate::stats::this_thread_cpu_clock()))
                    .expect("send the server address");
                loop {
                    let sock = match listener.accept().await {
                        Ok((sock, _)) => sock,
                        Err(e) => {
                            eprintln!("accept: {e}");
                            continue;
                        }
                    };
                    let _ = sock.set_nodelay(true);
                    let handle = handle.clone();
                    tokio::spawn(async move {
                        if let Err(e) = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(sock), service_fn(handle))
                            .await
                        {
                            eprintln!("server connection: {e}");
                        }
                    });
                }
            });
        })
        .expect("spawn the server thread");
    let (addr, cpu_clock) = rx.recv().expect("server address");
    ServerThread { addr, cpu_clock }
}

/// The client's runtime: tokio multi-thread with `workers` workers.
pub fn client_runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .thread_name("client-worker")
        .enable_all()
        .build()
        .expect("client runtime")
}

/// A warm-up round (0), then rounds `1..=rounds`, each running `run(round, cell)` for every
/// cell, in order in even rounds and reversed in odd ones; logs each round's time and load.
pub fn interleaved<C: Copy>(rounds: usize, cells: &[C], mut run: impl FnMut(usize, C)) {
    for round in 0..=rounds {
        let started = Instant::now();
        if round % 2 == 1 {
            cells.iter().rev().for_each(|&c| run(round, c));
        } else {
            cells.iter().for_each(|&c| run(round, c));
        }
        eprintln!(
            "{} {round}/{rounds} done in {:.1} s (load average {})",
            if round == 0 { "warm-up" } else { "round" },
            started.elapsed().as_secs_f64(),
            load_average()
        );
    }
}

/// Re-executes this binary as `--child ARGS…` and returns the `peak_rss_kib=` and
/// `base_rss_kib=` it prints (its peak RSS, and its RSS before the client was built, in KiB).
pub fn rss_child<I, S>(what: &str, args: I) -> (u64, u64)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let exe = std::env::current_exe().expect("current executable");
    let out = std::process::Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .expect("run the peak-RSS child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "peak-RSS child {what} failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|t| t.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in the child's output: {stdout}"))
    };
    (field("peak_rss_kib="), field("base_rss_kib="))
}

/// A comma-separated list argument, each item parsed by `parse`.
pub fn list<T>(value: Option<&String>, name: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    let value = value.unwrap_or_else(|| panic!("{name} needs a comma-separated list"));
    value
        .split(',')
        .map(|v| parse(v).unwrap_or_else(|| panic!("{name}: unknown `{v}`")))
        .collect()
}

/// The 1-minute load average, as `/proc/loadavg` says it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
