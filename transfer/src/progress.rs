//! [`Progress`]: what a transfer has done so far, reported to a callback after every part.
use std::sync::Arc;

/// A snapshot of a transfer's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes transferred (parts completed).
    pub bytes_done: u64,
    /// The size of the transfer, when known (a stream of unknown length has none until it ends).
    pub bytes_total: Option<u64>,
    /// Parts completed.
    pub parts_done: u64,
    /// The number of parts, when known.
    pub parts_total: Option<u64>,
}

/// A progress callback: called from the transfer's task, after each part; keep it short.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Adds up parts as they complete and reports each new total.
pub(crate) struct Tracker {
    now: Progress,
    report: Option<ProgressFn>,
}

impl Tracker {
    pub(crate) fn new(
        report: Option<ProgressFn>,
        bytes_total: Option<u64>,
        parts_total: Option<u64>,
    ) -> Self {
        let tracker = Tracker {
            now: Progress {
                bytes_done: 0,
                bytes_total,
                parts_done: 0,
                parts_total,
            },
            report,
        };
        tracker.emit();
        tracker
    }

    /// Sets the totals once a stream of unknown length has ended (reported if they are new).
    pub(crate) fn totals(&mut self, bytes_total: u64, parts_total: u64) {
        let new = (Some(bytes_total), Some(parts_total));
        if (self.now.bytes_total, self.now.parts_total) != new {
            (self.now.bytes_total, self.now.parts_total) = new;
            self.emit();
        }
    }

    pub(crate) fn part_done(&mut self, bytes: u64) {
        self.now.bytes_done += bytes;
        self.now.parts_done += 1;
        self.emit();
    }

    fn emit(&self) {
        if let Some(report) = &self.report {
            report(self.now);
        }
    }
}
