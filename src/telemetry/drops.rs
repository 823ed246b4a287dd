//! Lines the log writer drops when its queue is full: counted (`log_lines_dropped_total` on
//! `/metrics`, from the writer's own counter) and reported in one `warn` line once stdout
//! takes lines again.
//!
//! A thread looks once a second. It reports when lines were dropped since its last report,
//! none in the last second (the burst is over), and stdout is not stuck in one write: a
//! report written into a queue that a stalled pipe keeps full would only be dropped in turn.
//! If the report is dropped all the same, it is counted and the next report includes it.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tracing_appender::non_blocking::ErrorCounter;

/// The message of the report line.
const REPORT: &str = "log lines dropped: stdout did not take them as fast as they came";

/// Writes begun and finished on the log sink: a write begun and none finished for a whole
/// second means the sink is stuck (a pipe nobody reads).
#[derive(Debug, Default)]
pub struct SinkProgress {
    begun: AtomicU64,
    finished: AtomicU64,
}

impl SinkProgress {
    /// Writes finished so far, and whether one is under way.
    fn now(&self) -> (u64, bool) {
        let finished = self.finished.load(Ordering::Acquire);
        (finished, self.begun.load(Ordering::Acquire) != finished)
    }
}

/// The log sink (stdout), with its writes counted in a [`SinkProgress`].
pub struct Watched<W> {
    inner: W,
    progress: Arc<SinkProgress>,
}

impl<W> Watched<W> {
    pub fn new(inner: W) -> Self {
        Watched {
            inner,
            progress: Arc::default(),
        }
    }

    pub fn progress(&self) -> Arc<SinkProgress> {
        self.progress.clone()
    }

    fn counted<T>(&mut self, write: impl FnOnce(&mut W) -> T) -> T {
        self.progress.begun.fetch_add(1, Ordering::AcqRel);
        let result = write(&mut self.inner);
        self.progress.finished.fetch_add(1, Ordering::AcqRel);
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.counted(|inner| inner.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.counted(|inner| inner.flush())
    }
}

/// Starts the thread that reports what `dropped` counts, watching the sink's `progress`.
pub fn report(dropped: ErrorCounter, progress: Arc<SinkProgress>) {
    std::thread::Builder::new()
        .name("cobrowse-proxy-log-drops".to_owned())
        .spawn(move || {
            let mut report = DropReport::default();
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let (finished, busy) = progress.now();
                if let Some(lines) = report.tick(dropped.dropped_lines(), finished, busy) {
                    tracing::warn!(dropped_lines = lines, "{REPORT}");
                }
            }
        })
        .expect("the thread that reports dropped log lines starts");
}

/// What the reporting thread remembers from one look to the next.
#[derive(Debug, Default)]
struct DropReport {
    /// The drop count up to the last report.
    reported: usize,
    /// The drop count and the sink's finished writes at the last look.
    dropped: usize,
    finished: u64,
}

impl DropReport {
    /// One look: the writer's drop count so far, the sink's finished writes and whether one
    /// is under way. The number of lines to report, if it is time.
    fn tick(&mut self, dropped: usize, finished: u64, busy: bool) -> Option<usize> {
        let burst_over = dropped == self.dropped;
        let stuck = busy && finished == self.finished;
        self.dropped = dropped;
        self.finished = finished;
        if dropped > self.reported && burst_over && !stuck {
            let lines = dropped - self.reported;
            self.reported = dropped;
            Some(lines)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_reported_until_lines_stop_being_dropped() {
        let mut report = DropReport::default();
        assert_eq!(report.tick(0, 10, false), None);
        assert_eq!(report.tick(300, 20, true), None);
        assert_eq!(report.tick(900, 30, false), None);
        assert_eq!(report.tick(900, 40, false), Some(900));
        assert_eq!(report.tick(900, 50, false), None, "reported once");
        assert_eq!(report.tick(905, 60, false), None);
        assert_eq!(report.tick(905, 60, false), Some(5), "only the new ones");
    }

    #[test]
    fn a_stuck_sink_is_waited_for() {
        let mut report = DropReport::default();
        assert_eq!(report.tick(100, 7, true), None);
        assert_eq!(
            report.tick(100, 7, true),
            None,
            "one write for a whole second"
        );
        assert_eq!(report.tick(100, 7, true), None);
        assert_eq!(report.tick(100, 8, true), Some(100), "the sink moves again");
    }

    #[test]
    fn a_dropped_report_is_counted_in_the_next() {
        let mut report = DropReport::default();
        assert_eq!(report.tick(50, 1, false), None);
        assert_eq!(report.tick(50, 2, false), Some(50));
        assert_eq!(report.tick(51, 3, false), None);
        assert_eq!(report.tick(51, 4, false), Some(1));
    }

    #[test]
    fn the_sink_progress_counts_writes_and_flushes() {
        let mut sink = Watched::new(Vec::new());
        let progress = sink.progress();
        sink.write_all(b"line\n").unwrap();
        sink.flush().unwrap();
        assert_eq!(progress.now(), (2, false));
        assert_eq!(sink.inner, b"line\n");
    }
}
