//! The `process_*` metrics every Prometheus client library exposes (memory, CPU, file
//! descriptors, start time), so the dashboards and alerts operators already have work here.
//!
//! Read from `/proc/self` when Prometheus scrapes, never kept up to date: a scrape every few
//! seconds costs a few small file reads, and the calls nothing. Where `/proc` is missing (not
//! Linux), or a file cannot be read, the metrics it gives are left out rather than made up.

use std::sync::OnceLock;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

#[derive(Debug)]
pub struct ProcessCollector;

/// What `/proc/self/stat` says, in the units Prometheus expects.
struct Stat {
    cpu_seconds: f64,
    virtual_bytes: i64,
    resident_bytes: i64,
    /// Clock ticks from boot to the process's start.
    start_ticks: u64,
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(stat) = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|text| parse_stat(&text))
        {
            let cpu = ConstCounter::new(stat.cpu_seconds);
            cpu.encode(encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds.",
                None,
                cpu.metric_type(),
            )?)?;
            gauge(
                &mut encoder,
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                stat.resident_bytes,
            )?;
            gauge(
                &mut encoder,
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                stat.virtual_bytes,
            )?;
            if let Some(start) = start_time_seconds(stat.start_ticks) {
                gauge(
                    &mut encoder,
                    "process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    start,
                )?;
            }
        }
        if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
            gauge(
                &mut encoder,
                "process_open_fds",
                "Number of open file descriptors.",
                entries.count() as i64,
            )?;
        }
        if let Some(max) = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| max_open_files(&text))
        {
            gauge(
                &mut encoder,
                "process_max_fds",
                "Maximum number of open file descriptors.",
                max,
            )?;
        }
        Ok(())
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

/// `/proc/self/stat`: the command name is in parentheses and may hold spaces or parentheses
/// itself, so the fields are counted from the last `)`. Field numbers are `proc(5)`'s.
fn parse_stat(text: &str) -> Option<Stat> {
    let (_, after_name) = text.rsplit_once(')')?;
    // after_name starts at field 3 (state).
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| -> Option<u64> { fields.get(number - 3)?.parse().ok() };
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    Some(Stat {
        cpu_seconds: (field(14)? + field(15)?) as f64 / ticks,
        start_ticks: field(22)?,
        virtual_bytes: i64::try_from(field(23)?).ok()?,
        resident_bytes: i64::try_from(field(24)? * rustix::param::page_size() as u64).ok()?,
    })
}

/// The process's start as a Unix time: boot time (`btime` in `/proc/stat`) plus the ticks
/// from boot to the start. It never changes, so it is worked out once.
fn start_time_seconds(start_ticks: u64) -> Option<i64> {
    static START: OnceLock<Option<i64>> = OnceLock::new();
    *START.get_or_init(|| {
        let boot: i64 = std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|line| line.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        let since_boot = start_ticks / rustix::param::clock_ticks_per_second();
        Some(boot + i64::try_from(since_boot).ok()?)
    })
}

/// The soft limit on open files from `/proc/self/limits`; `None` when unlimited.
fn max_open_files(text: &str) -> Option<i64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_a_command_name_with_spaces_and_parentheses() {
        // proc(5): pid (comm) state ppid ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24)
        let mut fields = vec!["0"; 52];
        fields[13] = "250"; // utime
        fields[14] = "150"; // stime
        fields[21] = "12345"; // starttime
        fields[22] = "104857600"; // vsize
        fields[23] = "2560"; // rss, pages
        let text = format!("42 (a (weird) name) S {}", fields[3..].join(" "));
        let stat = parse_stat(&text).unwrap();
        let ticks = rustix::param::clock_ticks_per_second() as f64;
        assert_eq!(stat.cpu_seconds, 400.0 / ticks);
        assert_eq!(stat.start_ticks, 12345);
        assert_eq!(stat.virtual_bytes, 104_857_600);
        assert_eq!(
            stat.resident_bytes,
            2560 * rustix::param::page_size() as i64
        );
    }

    #[test]
    fn the_soft_open_file_limit_is_read_and_unlimited_is_left_out() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(max_open_files(limits), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files     \n";
        assert_eq!(max_open_files(unlimited), None);
    }
}
