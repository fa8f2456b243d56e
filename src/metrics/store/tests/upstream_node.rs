//! Upstream `node_test.go`, `ready_test.go` and `types_test.go` (`Test_resourceUsage`), by value.

use super::*;
use crate::metrics::store::usage::{Point, usage};

// ---- node_test.go "Node storage" ----

#[test]
fn provides_node_metrics_from_stored_batches() {
    // Nodes carry no start time in bellows (the decoder never sets one), so the upstream
    // variant "when StartTime is zero" is this same test.
    let mut s = store60();
    s.store(&nodes(vec![node("node1", at(10), 10 * CORE_SECOND, 2 * MIB)]));
    assert!(!s.is_ready());
    assert_eq!(s.node_usage("node1"), None);
    s.store(&nodes(vec![node("node1", at(20), 20 * CORE_SECOND, 3 * MIB)]));
    // v0.9 readiness also needs a pod (ready_test.go), unlike this older upstream test.
    assert!(!s.is_ready());
    assert_eq!(s.node_usage("node1"), Some(node_usage(at(20), secs(10), CORE_SECOND, 3 * MIB)));
    assert_eq!(s.node_usage("node2"), None);
    s.store(&Batch::default());
    assert_eq!(s.node_usage("node1"), None);
}

#[test]
fn repeated_node_point_is_not_served() {
    let mut s = store60();
    let batch = nodes(vec![node("node1", at(10), 10 * CORE_SECOND, 2 * MIB)]);
    s.store(&batch);
    s.store(&batch);
    assert_eq!(s.node_usage("node1"), None);
    assert!(!s.is_ready());
}

#[test]
fn node_point_count_only_counts_nodes_with_a_previous_point() {
    // Upstream "exposes correct node metrics".
    let mut s = store60();
    assert_eq!((s.node_points(), s.container_points()), (0, 0));
    s.store(&nodes(vec![node("node1", at(10), 10 * CORE_SECOND, 2 * MIB)]));
    assert_eq!((s.node_points(), s.container_points()), (0, 0));
    s.store(&nodes(vec![node("node1", at(20), 21 * CORE_SECOND, 3 * MIB)]));
    assert_eq!((s.node_points(), s.container_points()), (1, 0));
}

#[test]
fn node_restart_shows_as_cpu_decrease_and_is_skipped() {
    // Upstream "should detect node restart and skip metric".
    let mut s = store60();
    s.store(&nodes(vec![node("node1", at(10), 10 * CORE_SECOND, 2 * MIB)]));
    s.store(&nodes(vec![node("node1", at(20), 5 * CORE_SECOND, 3 * MIB)]));
    assert_eq!(s.node_usage("node1"), None);
}

#[test]
fn node_cpu_decrease_is_not_served() {
    // Upstream "should return empty node metrics if decreased data point reported".
    let mut s = store60();
    s.store(&nodes(vec![node("node1", at(15), 50 * CORE_SECOND, 3 * MIB)]));
    s.store(&nodes(vec![node("node1", at(25), 10 * CORE_SECOND, 5 * MIB)]));
    assert_eq!(s.node_usage("node1"), None);
    assert_eq!(s.nodes().count(), 0);
}

#[test]
fn node_point_older_than_previous_drops_the_pair() {
    // Upstream "should handle metrics older than prev".
    let mut s = store60();
    s.store(&nodes(vec![node("node1", at(15), 10 * CORE_SECOND, 3 * MIB)]));
    s.store(&nodes(vec![node("node1", at(35), 50 * CORE_SECOND, 5 * MIB)]));
    s.store(&nodes(vec![node("node1", at(5), 6 * CORE_SECOND, 2 * MIB)]));
    assert_eq!(s.node_usage("node1"), None);
}

#[test]
fn node_point_between_previous_and_last_keeps_the_previous() {
    // Upstream "should handle metrics prev.ts < newNode.ts < last.ts".
    let mut s = store60();
    s.store(&nodes(vec![node("node1", at(15), 10 * CORE_SECOND, MIB)]));
    s.store(&nodes(vec![node("node1", at(35), 50 * CORE_SECOND, 4 * MIB)]));
    s.store(&nodes(vec![node("node1", at(25), 35 * CORE_SECOND, 2 * MIB)]));
    assert_eq!(s.node_usage("node1"), Some(node_usage(at(25), secs(10), 2_500_000_000, 2 * MIB)));
}

// ---- ready_test.go "Storage readiness" (v0.9: nodes AND pods) ----

#[test]
fn readiness_needs_both_node_and_pod_points() {
    let start = Some(origin());
    let n = |t, cpu, mem| node("node1", at(t), cpu * CORE_SECOND, mem * MIB);
    let c = |t, cpu, mem| {
        pod("ns1", "pod1", vec![container("container1", start, at(t), cpu * CORE_SECOND, mem * MIB)])
    };

    let mut only_nodes = store60();
    only_nodes.store(&nodes(vec![n(10, 10, 2)]));
    assert!(!only_nodes.is_ready());
    only_nodes.store(&nodes(vec![n(20, 20, 3)]));
    assert!(!only_nodes.is_ready());

    let mut only_pods = store60();
    only_pods.store(&pods(vec![c(120, 1, 4)]));
    assert!(!only_pods.is_ready());
    only_pods.store(&pods(vec![c(125, 6, 5)]));
    assert!(!only_pods.is_ready());

    let mut both = store60();
    both.store(&Batch { nodes: vec![n(10, 10, 2)], pods: vec![c(120, 1, 4)], dropped: vec![] });
    assert!(!both.is_ready());
    both.store(&Batch { nodes: vec![n(20, 20, 3)], pods: vec![c(125, 6, 5)], dropped: vec![] });
    assert!(both.is_ready());
}

// ---- types_test.go Test_resourceUsage ----

fn point(start: Timestamp, ts: Timestamp, cpu: u64, memory: u64) -> Point {
    Point { start: Some(start), timestamp: ts, cpu, memory }
}

#[test]
fn resource_usage_table() {
    let start = origin();
    let ms = |n| at_ms(n);
    let ok = usage(&point(start, ms(20), 500, 600), &point(start, ms(10), 300, 400)).expect("usage");
    assert_eq!(
        (ok.timestamp, ok.window, ok.cpu_nanocores, ok.memory_bytes),
        (ms(20), SignedDuration::from_millis(10), 20_000, 600)
    );
    assert_eq!(
        usage(&point(start, ms(20), 500, 600), &point(ms(20), ms(10), 300, 400)),
        Err(UsageError::StartTimeDecrease { previous: Some(ms(20)), last: Some(start) })
    );
    assert_eq!(
        usage(&point(start, ms(20), 100, 600), &point(start, ms(10), 300, 400)),
        Err(UsageError::CpuDecrease { previous: 300, last: 100 })
    );
}

#[test]
fn cpu_rate_is_computed_in_float_like_upstream() {
    // Exact integer math would give 30 nanocores; Go's float64 path gives 29.
    let start = origin();
    let last = point(start, at_ms(1100), 33, 1);
    let prev = point(start, at_ms(0), 0, 1);
    assert_eq!(usage(&last, &prev).expect("usage").cpu_nanocores, 29);
}

#[test]
fn missing_start_time_after_a_known_one_is_a_start_time_decrease() {
    // Go's zero time sorts before any start time.
    let prev = point(origin(), at(10), 1, 1);
    let last = Point { start: None, ..point(origin(), at(20), 2, 1) };
    assert_eq!(
        usage(&last, &prev),
        Err(UsageError::StartTimeDecrease { previous: Some(origin()), last: None })
    );
}
