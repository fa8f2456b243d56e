//! Decoder for the kubelet `/metrics/resource` endpoint (Prometheus classic text format).
//!
//! Model: one payload from one node becomes one [`Batch`]: at most one node point and, per pod,
//! one point per container. Only five series are read (`node_cpu_usage_seconds_total`,
//! `node_memory_working_set_bytes`, `container_cpu_usage_seconds_total`,
//! `container_memory_working_set_bytes`, `container_start_time_seconds`); every other series,
//! comment, `HELP`/`TYPE` line and blank line is validated for syntax and otherwise skipped.
//!
//! Rules (metrics-server `decode.go`, spec §2.3):
//! - A series matches a name when its text is the name alone or the name immediately followed by
//!   `{`. The series text starts at the first byte of the line, so a sample line with leading
//!   whitespace, or with whitespace between name and `{`, is valid but never matches (as upstream).
//! - `container`, `pod` and `namespace` are found by substring search for `container="` etc. in
//!   the raw label text; the value ends at the next `"` (no unescaping).
//! - Sample timestamp: the series' own millisecond timestamp, else the request time truncated to
//!   milliseconds. CPU: `truncate(value × 1e9)` in `f64`; memory: `truncate(value)`; start time:
//!   `value × 1e9` ns. The start-time line's own timestamp is ignored and does not set the
//!   container timestamp; for cpu/memory the last such line wins (also for duplicate series).
//! - NaN, ±Inf and negative values are treated as missing (bellows choice; Go's float → uint
//!   conversion is platform-defined there).
//! - The node is kept only if a node series was seen and cpu ≠ 0 and memory ≠ 0. A pod is kept
//!   only if every container that appeared in any matched series has cpu ≠ 0 and memory ≠ 0.
//!   Everything dropped is reported in [`Batch::dropped`] with the reason.
//! - Any syntax error (including a negative timestamp, the old kubelet bug of spec §2.2 C) fails
//!   the whole payload with [`DecodeError`], naming the 1-based line.
//!
//! Invariants: never panics on arbitrary bytes; the scan borrows slices of the payload and
//! allocates only per pod/container first seen (index growth) and for kept output objects,
//! never per sample line. Output order: pods and containers as first seen in the payload.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

mod error;
#[cfg(test)]
mod tests;
mod text;

pub use error::DecodeError;
use text::{Charset, Sample, Series, Tags, parse_line};

/// One decoded scrape: what the CLI `bellows metrics scrape` prints and what the store consumes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    /// Node points (zero or one per payload; several after merging batches of a cycle).
    pub nodes: Vec<NodePoint>,
    /// Pod points, each with all its containers.
    pub pods: Vec<PodPoint>,
    /// Nodes and pods present in the payload but dropped as incomplete (bellows extra).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
}

/// Cumulative usage of one node at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePoint {
    /// Node name (the one the payload was fetched for).
    pub name: String,
    /// When the kubelet measured the sample (or the request time when it gave none).
    pub timestamp: Timestamp,
    /// Cumulative CPU time in core-nanoseconds.
    pub cumulative_cpu_nanoseconds: u64,
    /// Working set in bytes.
    pub memory_working_set_bytes: u64,
}

/// All container points of one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodPoint {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Container points, in first-seen order.
    pub containers: Vec<ContainerPoint>,
}

/// Cumulative usage of one container at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPoint {
    /// Container name.
    pub name: String,
    /// Timestamp of the last cpu/memory line of this container.
    pub timestamp: Timestamp,
    /// Container start time; `None` when the kubelet sent no usable start time (Go's zero time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Cumulative CPU time in core-nanoseconds.
    pub cumulative_cpu_nanoseconds: u64,
    /// Working set in bytes.
    pub memory_working_set_bytes: u64,
}

/// An object the decoder saw but did not keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dropped {
    /// Node or pod.
    pub kind: DroppedKind,
    /// Pod namespace; `None` for nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Object name.
    pub name: String,
    /// Why it was dropped.
    pub reason: DropReason,
}

/// Kind of a dropped object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DroppedKind {
    /// A node point.
    Node,
    /// A whole pod.
    Pod,
}

/// Which usage values were unusable (absent, zero, NaN, infinite or negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Missing {
    /// CPU usage only.
    Cpu,
    /// Memory working set only.
    Memory,
    /// Both CPU and memory.
    CpuAndMemory,
}

impl Missing {
    /// `None` when both values are usable.
    fn of(cpu: u64, memory: u64) -> Option<Self> {
        match (cpu == 0, memory == 0) {
            (false, false) => None,
            (true, false) => Some(Self::Cpu),
            (false, true) => Some(Self::Memory),
            (true, true) => Some(Self::CpuAndMemory),
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu usage",
            Self::Memory => "memory working set",
            Self::CpuAndMemory => "cpu usage and memory working set",
        })
    }
}

/// Why the decoder dropped an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DropReason {
    /// The node series were absent, zero or invalid.
    NodeIncomplete {
        /// What was unusable.
        missing: Missing,
    },
    /// One container of the pod had unusable series, so the whole pod was dropped.
    ContainerIncomplete {
        /// The first incomplete container (payload order).
        container: String,
        /// What was unusable.
        missing: Missing,
    },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeIncomplete { missing } => {
                write!(f, "node {missing} missing, zero or invalid in the kubelet payload")
            }
            Self::ContainerIncomplete { container, missing } => write!(
                f,
                "container {container:?} has its {missing} missing, zero or invalid in the kubelet payload"
            ),
        }
    }
}

/// Decodes one kubelet payload fetched for `node`; `request_time` (read just before sending the
/// request) stamps samples that carry no timestamp of their own.
pub fn decode(payload: &[u8], node: &str, request_time: Timestamp) -> Result<Batch, DecodeError> {
    let default_ts = truncate_to_millis(request_time);
    let mut acc = Accumulator::with_capacity(TYPICAL_PODS);
    let charset = Charset::of(payload);
    let mut last_stamp: Option<(i64, Timestamp)> = None;
    for (index, line) in lines(payload).enumerate() {
        let number = index + 1;
        let Some(sample) = parse_line(line, number, charset)? else {
            continue;
        };
        let ts = match (sample.series, sample.millis) {
            (Series::Other, _) => continue,
            // The start-time line's own timestamp is ignored, as upstream.
            (Series::ContainerStart, _) | (_, None) => default_ts,
            // Kubelets stamp many lines alike: convert each run of equal stamps once.
            (_, Some(ms)) => match last_stamp {
                Some((last, ts)) if last == ms => ts,
                _ => {
                    let ts = Timestamp::from_millisecond(ms)
                        .map_err(|_| DecodeError::TimestampOutOfRange { line: number, millis: ms })?;
                    last_stamp = Some((ms, ts));
                    ts
                }
            },
        };
        acc.apply(&sample, ts, number)?;
    }
    Ok(acc.finish(node))
}

/// The newest own timestamp of the samples [`decode`] reads (node and container CPU and memory;
/// start-time lines' timestamps are ignored, as in `decode`), `None` when none carries one.
///
/// Offline replays use it as the payload's scrape time: a live kubelet stamps every sample a
/// little before the request returns, so the newest stamp is the closest known instant.
pub fn newest_timestamp(payload: &[u8]) -> Result<Option<Timestamp>, DecodeError> {
    let mut newest = None;
    let charset = Charset::of(payload);
    for (index, line) in lines(payload).enumerate() {
        let number = index + 1;
        let Some(sample) = parse_line(line, number, charset)? else {
            continue;
        };
        match (sample.series, sample.millis) {
            (Series::Other | Series::ContainerStart, _) | (_, None) => {}
            (_, Some(ms)) => {
                let ts = Timestamp::from_millisecond(ms)
                    .map_err(|_| DecodeError::TimestampOutOfRange { line: number, millis: ms })?;
                newest = newest.max(Some(ts));
            }
        }
    }
    Ok(newest)
}

/// The payload's lines, split at `\n` (as `split` would, with `memchr` finding the ends).
fn lines(payload: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(payload);
    std::iter::from_fn(move || {
        let text = rest?;
        if let Some(end) = memchr::memchr(b'\n', text) {
            rest = Some(&text[end + 1..]);
            Some(&text[..end])
        } else {
            rest = None;
            Some(text)
        }
    })
}

/// Go's `timestamp.FromTime` keeps whole milliseconds (floor), and the decoder multiplies back.
fn truncate_to_millis(t: Timestamp) -> Timestamp {
    let ms = t.as_nanosecond().div_euclid(1_000_000);
    // In range: flooring towards the epoch's past never leaves the range by more than 1 ms,
    // and jiff's minimum is a whole second.
    Timestamp::from_nanosecond(ms * 1_000_000).unwrap_or(t)
}

/// Usable values are finite and non-negative; anything else counts as missing.
fn usable(value: f64) -> Option<f64> {
    (value.is_finite() && value >= 0.0).then_some(value)
}

fn cpu_nanoseconds(value: f64) -> u64 {
    usable(value).map_or(0, |v| (v * 1e9) as u64)
}

fn memory_bytes(value: f64) -> u64 {
    usable(value).map_or(0, |v| v as u64)
}

fn start_time(value: f64) -> Option<Timestamp> {
    let nanos = usable(value)? * 1e9;
    // Beyond Go's int64 nanoseconds (year 2262) the upstream conversion is undefined: missing.
    if nanos >= i64::MAX as f64 {
        return None;
    }
    Timestamp::from_nanosecond(i128::from(nanos as i64)).ok()
}

/// Node values as scanned.
#[derive(Default)]
struct NodeAcc {
    timestamp: Option<Timestamp>,
    cpu: u64,
    memory: u64,
}

/// Container values as scanned; borrows its name from the payload (valid UTF-8, checked by the
/// scan).
struct ContainerAcc<'a> {
    name: &'a [u8],
    /// The pod's next container in `Accumulator::containers`.
    next: Option<usize>,
    timestamp: Option<Timestamp>,
    start: Option<Timestamp>,
    cpu: u64,
    memory: u64,
}

/// A pod's containers are a chain through `Accumulator::containers` (one flat vector for the
/// payload instead of one per pod), in first-seen order.
struct PodAcc<'a> {
    namespace: &'a [u8],
    name: &'a [u8],
    /// First and last container, `None` until the first is added.
    chain: Option<(usize, usize)>,
}

#[derive(Default)]
struct Accumulator<'a> {
    node: NodeAcc,
    pods: Vec<PodAcc<'a>>,
    containers: Vec<ContainerAcc<'a>>,
    index: foldhash::HashMap<(&'a [u8], &'a [u8]), usize>,
    /// The pod after the last one looked up: kubelets list each series' pods in the same order,
    /// so this is nearly always the next pod and spares the hash lookup.
    next_guess: usize,
}

/// Room made up front for a node's pods (110 is the kubelet's default `maxPods`; most run fewer).
const TYPICAL_PODS: usize = 32;

impl<'a> Accumulator<'a> {
    fn with_capacity(pods: usize) -> Self {
        Self {
            pods: Vec::with_capacity(pods),
            containers: Vec::with_capacity(2 * pods),
            index: foldhash::HashMap::with_capacity_and_hasher(pods, foldhash::fast::RandomState::default()),
            ..Self::default()
        }
    }

    fn apply(&mut self, sample: &Sample<'a>, ts: Timestamp, number: usize) -> Result<(), DecodeError> {
        match sample.series {
            Series::Other => {}
            Series::NodeCpu => {
                self.node.cpu = cpu_nanoseconds(sample.value);
                self.node.timestamp = Some(ts);
            }
            Series::NodeMemory => {
                self.node.memory = memory_bytes(sample.value);
                self.node.timestamp = Some(ts);
            }
            Series::ContainerCpu | Series::ContainerMemory | Series::ContainerStart => {
                let container = self.container(sample.series, sample.tags, number)?;
                match sample.series {
                    Series::ContainerCpu => {
                        container.cpu = cpu_nanoseconds(sample.value);
                        container.timestamp = Some(ts);
                    }
                    Series::ContainerMemory => {
                        container.memory = memory_bytes(sample.value);
                        container.timestamp = Some(ts);
                    }
                    _ => container.start = start_time(sample.value),
                }
            }
        }
        Ok(())
    }

    /// Finds or creates the container named by the tags (allocates only when new).
    fn container(
        &mut self,
        series: Series,
        tags: Tags<'a>,
        number: usize,
    ) -> Result<&mut ContainerAcc<'a>, DecodeError> {
        let missing = |label: &'static str| DecodeError::MissingLabel {
            line: number,
            metric: series.metric_name(),
            label,
        };
        let container = tags.container.ok_or_else(|| missing("container"))?;
        let pod = tags.pod.ok_or_else(|| missing("pod"))?;
        let namespace = tags.namespace.ok_or_else(|| missing("namespace"))?;
        let slot = self.pod_slot(namespace, pod);
        let mut at = self.pods[slot].chain.map(|(first, _)| first);
        while let Some(index) = at {
            if self.containers[index].name == container {
                return Ok(&mut self.containers[index]);
            }
            at = self.containers[index].next;
        }
        let index = self.containers.len();
        self.containers.push(ContainerAcc {
            name: container,
            next: None,
            timestamp: None,
            start: None,
            cpu: 0,
            memory: 0,
        });
        let pod = &mut self.pods[slot];
        pod.chain = Some(match pod.chain {
            None => (index, index),
            Some((first, last)) => {
                self.containers[last].next = Some(index);
                (first, index)
            }
        });
        Ok(&mut self.containers[index])
    }

    /// Index of the pod in `pods`, added when first seen.
    fn pod_slot(&mut self, namespace: &'a [u8], name: &'a [u8]) -> usize {
        // Two containers of a pod are adjacent, so the last pod is checked as well as the next.
        for guess in [self.next_guess, self.next_guess.wrapping_sub(1), 0] {
            if let Some(pod) = self.pods.get(guess)
                && pod.name == name
                && pod.namespace == namespace
            {
                self.next_guess = guess + 1;
                return guess;
            }
        }
        let next = self.pods.len();
        let slot = *self.index.entry((namespace, name)).or_insert(next);
        if slot == next {
            self.pods.push(PodAcc { namespace, name, chain: None });
        }
        self.next_guess = slot + 1;
        slot
    }

    fn finish(self, node: &str) -> Batch {
        let mut batch = Batch::default();
        match (self.node.timestamp, Missing::of(self.node.cpu, self.node.memory)) {
            (Some(timestamp), None) => batch.nodes.push(NodePoint {
                name: node.to_owned(),
                timestamp,
                cumulative_cpu_nanoseconds: self.node.cpu,
                memory_working_set_bytes: self.node.memory,
            }),
            (_, missing) => batch.dropped.push(Dropped {
                kind: DroppedKind::Node,
                namespace: None,
                name: node.to_owned(),
                reason: DropReason::NodeIncomplete { missing: missing.unwrap_or(Missing::CpuAndMemory) },
            }),
        }
        batch.pods.reserve(self.pods.len());
        for pod in &self.pods {
            match keep_pod(pod, &self.containers) {
                Ok(point) => batch.pods.push(point),
                Err(reason) => batch.dropped.push(Dropped {
                    kind: DroppedKind::Pod,
                    namespace: Some(owned(pod.namespace)),
                    name: owned(pod.name),
                    reason,
                }),
            }
        }
        batch
    }
}

/// The pod point, or why the whole pod is dropped (first incomplete container wins).
fn keep_pod(pod: &PodAcc<'_>, all: &[ContainerAcc<'_>]) -> Result<PodPoint, DropReason> {
    let chain =
        std::iter::successors(pod.chain.map(|(first, _)| &all[first]), |c| c.next.map(|next| &all[next]));
    let mut containers = Vec::with_capacity(2);
    for c in chain {
        let incomplete = |missing| DropReason::ContainerIncomplete { container: owned(c.name), missing };
        if let Some(missing) = Missing::of(c.cpu, c.memory) {
            return Err(incomplete(missing));
        }
        // Unreachable in practice: a non-zero cpu implies a cpu line, which sets the timestamp.
        let timestamp = c.timestamp.ok_or_else(|| incomplete(Missing::CpuAndMemory))?;
        containers.push(ContainerPoint {
            name: owned(c.name),
            timestamp,
            start_time: c.start,
            cumulative_cpu_nanoseconds: c.cpu,
            memory_working_set_bytes: c.memory,
        });
    }
    Ok(PodPoint { namespace: owned(pod.namespace), name: owned(pod.name), containers })
}

/// A label value for the output. The scan has checked it is UTF-8, so nothing is ever replaced.
fn owned(value: &[u8]) -> String {
    String::from_utf8(value.to_vec())
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}
