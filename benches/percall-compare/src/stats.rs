//! What is counted: heap allocations (client threads only), CPU time (the process, and the
//! server thread apart), peak RSS; and the small statistics the report needs.
//!
//! **CPU.** The client's CPU time of a cell is the process's CPU time (`getrusage(RUSAGE_SELF)`,
//! user + system) over the cell, minus the server thread's over the same interval. The server
//! thread's clock is read from the measuring thread, not from the server thread itself:
//! `pthread_getcpuclockid` names the server thread's CPU-time clock, and `clock_gettime` on it
//! returns that thread's exact runtime (the kernel adds the slice in progress even while it runs
//! on another core), so both clocks are read at the same instant with no message to the server
//! (which would cost server CPU and move its sample in time). Both samples are taken when every
//! call of the cell has completed and the client's worker and the server are parked, so the
//! process total is current too (`getrusage` sums only the finished slices of threads running on
//! other cores). The server runs on one current-thread runtime on one thread, which never
//! exits: that one clock is all of the server's CPU. What the client's CPU includes: its worker
//! thread, the measuring thread's `block_on` (the same for every client), and the kernel's
//! loopback TCP work charged to the client's threads: on loopback the sender's system call also
//! delivers the segment to the receiving socket, so the client pays for delivering its requests
//! and the server for delivering the responses, equally for every client.
//!
//! **Allocations.** A counting global allocator counts `alloc` and `realloc` calls, except on
//! threads marked as server threads (a `const` thread-local flag, which never allocates and has
//! no destructor, so the allocator may read it). The count of a cell includes the driver's own:
//! one task per concurrent caller, and the vector of their join handles (≈ concurrency + 2 per
//! cell, below 0.1 per call). It allocates from the system allocator, or from mimalloc when
//! built with `--features mimalloc`.
#[cfg(not(feature = "mimalloc"))]
use std::alloc::System as Inner;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "mimalloc")]
use mimalloc::MiMalloc as Inner;

/// The counting allocator, over the system allocator (or mimalloc with `--features mimalloc`).
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static SERVER_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Stops counting this thread's allocations (the server's threads call it first).
pub fn mark_server_thread() {
    SERVER_THREAD.with(|s| s.set(true));
}

#[inline]
fn count() {
    if !SERVER_THREAD.try_with(Cell::get).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { Inner.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { Inner.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Inner.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { Inner.realloc(ptr, layout, new_size) }
    }
}

/// Client-side allocations so far.
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// The process's CPU time (user + system, every thread, live and exited), in ns.
pub fn process_cpu_ns() -> u64 {
    // SAFETY: `getrusage` writes a `rusage` we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF)");
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    (us(ru.ru_utime) + us(ru.ru_stime)) * 1_000
}

/// The CPU-time clock of the calling thread, readable from any thread of the process.
pub fn this_thread_cpu_clock() -> libc::clockid_t {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `pthread_self` is the calling thread, alive; the clock id is written to `clock`.
    let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
    assert_eq!(rc, 0, "pthread_getcpuclockid");
    clock
}

/// The time of a CPU-time clock, in ns.
pub fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is ours to write.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The process's peak resident set (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// The `q` quantile (0..=1) of sorted values, nearest rank.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
