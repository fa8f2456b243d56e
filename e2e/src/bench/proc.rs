//! Reading a process's CPU time and resident memory from `/proc`, and the machine's load.
//!
//! CPU time is `utime + stime` of `/proc/<pid>/stat` (all threads), in clock ticks of
//! [`CLOCK_TICKS_PER_SECOND`] (Linux reports `USER_HZ` = 100 there on every mainstream
//! configuration); resident memory is `VmRSS` of `/proc/<pid>/status`. Parsing is pure
//! ([`parse_stat_cpu_ticks`], [`parse_status_rss_kib`]) so it is tested without a process.

use std::path::PathBuf;

/// Clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`).
pub const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Failures reading `/proc`.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The file could not be read (the process may have exited).
    #[error("reading {path}: {source}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file did not have the expected shape.
    #[error("unexpected contents of {0}")]
    Parse(PathBuf),
}

/// Which process: this one or a child by pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pid {
    /// `/proc/self`.
    Current,
    /// `/proc/<pid>`.
    Other(u32),
}

impl Pid {
    fn file(self, name: &str) -> PathBuf {
        match self {
            Self::Current => PathBuf::from("/proc/self").join(name),
            Self::Other(pid) => PathBuf::from(format!("/proc/{pid}")).join(name),
        }
    }
}

fn read(path: PathBuf) -> Result<(String, PathBuf), ProcError> {
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((text, path)),
        Err(source) => Err(ProcError::Read { path, source }),
    }
}

/// `utime + stime` in ticks from the text of `/proc/<pid>/stat` (fields 14 and 15; the command
/// name in parentheses may contain spaces, so fields are counted after the last `)`).
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After `)`: field 3 (state) is index 0, so field 14 (utime) is index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` in KiB from the text of `/proc/<pid>/status`.
pub fn parse_status_rss_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// CPU seconds (user + system) the process has used so far.
pub fn cpu_seconds(pid: Pid) -> Result<f64, ProcError> {
    let (text, path) = read(pid.file("stat"))?;
    let ticks = parse_stat_cpu_ticks(&text).ok_or(ProcError::Parse(path))?;
    Ok(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}

/// Resident memory in MiB.
pub fn rss_mib(pid: Pid) -> Result<f64, ProcError> {
    let (text, path) = read(pid.file("status"))?;
    let kib = parse_status_rss_kib(&text).ok_or(ProcError::Parse(path))?;
    Ok(kib as f64 / 1024.0)
}

/// The soft limit on open files of this process (`/proc/self/limits`), if readable.
pub fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files").split_whitespace().next()?.parse().ok()
}

/// `/proc/loadavg` (first three fields), or `"unknown"`.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".to_owned(), |t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// Number of CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_utime_plus_stime_even_with_spaces_in_the_command_name() {
        let stat = "4242 (tokio runtime) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 9 0";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(1801));
    }

    #[test]
    fn rss_is_read_from_the_vmrss_line() {
        let status = "Name:\tbellows\nVmPeak:\t  900000 kB\nVmRSS:\t   51200 kB\nThreads:\t5\n";
        assert_eq!(parse_status_rss_kib(status), Some(51200));
    }

    #[test]
    fn a_truncated_stat_line_is_not_a_number() {
        assert_eq!(parse_stat_cpu_ticks("1 (x) S 1 2"), None);
    }
}
