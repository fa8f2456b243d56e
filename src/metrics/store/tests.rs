//! Store tests: shared builders here; upstream `node_test.go`, `ready_test.go`, `types_test.go`
//! (`Test_resourceUsage`) in `upstream_node.rs`, `pod_test.go` in `upstream_pod.rs`,
//! `storage_test.go` in `upstream_storage.rs` (all ported by value), spec §3 rules and properties
//! in `rules.rs`, explanations in `explain.rs`.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::metrics::decode::{Batch, ContainerPoint, NodePoint, PodPoint};

mod explain;
mod rules;
mod upstream_node;
mod upstream_pod;
mod upstream_storage;

const CORE_SECOND: u64 = 1_000_000_000;
const MIB: u64 = 1024 * 1024;

/// Fixed origin standing in for upstream's `time.Now()`.
fn origin() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("origin")
}

/// `origin + secs`.
fn at(secs: i64) -> Timestamp {
    at_ms(secs * 1000)
}

/// `origin + ms`.
fn at_ms(ms: i64) -> Timestamp {
    origin().checked_add(SignedDuration::from_millis(ms)).expect("in range")
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

fn node(name: &str, ts: Timestamp, cpu: u64, memory: u64) -> NodePoint {
    NodePoint {
        name: name.into(),
        timestamp: ts,
        cumulative_cpu_nanoseconds: cpu,
        memory_working_set_bytes: memory,
    }
}

fn container(name: &str, start: Option<Timestamp>, ts: Timestamp, cpu: u64, memory: u64) -> ContainerPoint {
    ContainerPoint {
        name: name.into(),
        timestamp: ts,
        start_time: start,
        cumulative_cpu_nanoseconds: cpu,
        memory_working_set_bytes: memory,
    }
}

fn pod(namespace: &str, name: &str, containers: Vec<ContainerPoint>) -> PodPoint {
    PodPoint { namespace: namespace.into(), name: name.into(), containers }
}

fn nodes(points: Vec<NodePoint>) -> Batch {
    Batch { nodes: points, ..Batch::default() }
}

fn pods(points: Vec<PodPoint>) -> Batch {
    Batch { pods: points, ..Batch::default() }
}

/// One pod `ns1/pod1` with the given containers (upstream `podMetricsBatch(podMetrics(...))`).
fn pod1(containers: Vec<ContainerPoint>) -> Batch {
    pods(vec![pod("ns1", "pod1", containers)])
}

fn store60() -> Store {
    Store::new(secs(60))
}

fn node_usage(ts: Timestamp, window: SignedDuration, cpu: u64, memory: u64) -> NodeUsage {
    NodeUsage { timestamp: ts, window, cpu_nanocores: cpu, memory_bytes: memory }
}

fn one_container(ts: Timestamp, window: SignedDuration, name: &str, cpu: u64, memory: u64) -> PodUsage {
    PodUsage {
        timestamp: Some(ts),
        window,
        containers: vec![ContainerUsage { name: name.into(), cpu_nanocores: cpu, memory_bytes: memory }],
    }
}
