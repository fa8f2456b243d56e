//! Stored points and the usage computed from two of them (upstream `resourceUsage`, spec §3.4).
//!
//! CPU is computed exactly as metrics-server does, in `f64`:
//! `truncate(f64(last.cpu − prev.cpu) / window_seconds)` where `window_seconds` is Go's
//! `Duration.Seconds()` (`f64(whole seconds) + f64(nanos) / 1e9`). Exact integer math would
//! sometimes give one nanocore more: 33 ns over a 1.1 s window is 30 exactly but 29 upstream
//! (`33 / 1.1 = 29.999999999999996`); we match upstream.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One stored sample of a node or a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Point {
    /// Container start time; `None` for nodes and for containers without a start-time series.
    /// `None` orders before every instant, which is exactly Go's zero `time.Time`.
    pub(crate) start: Option<Timestamp>,
    /// When the sample was measured.
    pub(crate) timestamp: Timestamp,
    /// Cumulative CPU in core-nanoseconds.
    pub(crate) cpu: u64,
    /// Working set in bytes.
    pub(crate) memory: u64,
}

/// Why a pair of points gives no usage; the node or container is skipped at query time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UsageError {
    /// The start time went backwards between the two points.
    #[error("unexpected decrease in startTime of node/container (previous {previous:?}, last {last:?})")]
    StartTimeDecrease {
        /// Start time of the previous point.
        previous: Option<Timestamp>,
        /// Start time of the last point.
        last: Option<Timestamp>,
    },
    /// The cumulative CPU counter went backwards (typically an unnoticed restart).
    #[error("unexpected decrease in cumulative CPU usage value (previous {previous} ns, last {last} ns)")]
    CpuDecrease {
        /// Cumulative CPU of the previous point, core-nanoseconds.
        previous: u64,
        /// Cumulative CPU of the last point, core-nanoseconds.
        last: u64,
    },
}

/// Usage derived from a (last, prev) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) timestamp: Timestamp,
    pub(crate) window: SignedDuration,
    pub(crate) cpu_nanocores: u64,
    pub(crate) memory_bytes: u64,
}

/// Go's `Duration.Seconds()`: whole seconds and the nanosecond remainder converted separately.
fn go_seconds(window: SignedDuration) -> f64 {
    window.as_secs() as f64 + f64::from(window.subsec_nanos()) / 1e9
}

/// Usage between `prev` and `last`; the window is positive by construction of the store.
pub(crate) fn usage(last: &Point, prev: &Point) -> Result<Usage, UsageError> {
    if last.start < prev.start {
        return Err(UsageError::StartTimeDecrease { previous: prev.start, last: last.start });
    }
    let Some(delta) = last.cpu.checked_sub(prev.cpu) else {
        return Err(UsageError::CpuDecrease { previous: prev.cpu, last: last.cpu });
    };
    let window = last.timestamp.duration_since(prev.timestamp);
    // Float division never panics: a zero window would give +inf, saturated by `as`.
    let cpu_nanocores = (delta as f64 / go_seconds(window)) as u64;
    Ok(Usage { timestamp: last.timestamp, window, cpu_nanocores, memory_bytes: last.memory })
}
