//! Upstream `pod_test.go` "Pod storage", by value.

use super::*;

// ---- pod_test.go "Pod storage" ----

#[test]
fn provides_pod_metrics_from_stored_batches() {
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("container1", start, at(120), CORE_SECOND, 4 * MIB)]));
    assert!(!s.is_ready());
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    s.store(&pod1(vec![container("container1", start, at(125), 6 * CORE_SECOND, 5 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(one_container(at(125), secs(5), "container1", CORE_SECOND, 5 * MIB))
    );
    assert_eq!(s.pod_usage("ns1", "pod2"), None);
    s.store(&Batch::default());
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn pod_without_start_times_is_served_after_two_points() {
    // Upstream "provides pod metrics from stored batches when StartTime is zero".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", None, at(120), CORE_SECOND, 4 * MIB)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    s.store(&pod1(vec![container("container1", None, at(125), 6 * CORE_SECOND, 5 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(one_container(at(125), secs(5), "container1", CORE_SECOND, 5 * MIB))
    );
}

#[test]
fn pod_timestamp_and_window_come_from_the_earliest_container() {
    // Upstream "returns timestamp of earliest container of pod".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![
        container("container1", start, at(110), CORE_SECOND, 4 * MIB),
        container("container2", start, at(115), 2 * CORE_SECOND, 5 * MIB),
    ]));
    s.store(&pod1(vec![
        container("container1", start, at(120), 6 * CORE_SECOND, 6 * MIB),
        container("container2", start, at(125), 7 * CORE_SECOND, 7 * MIB),
    ]));
    let usage = s.pod_usage("ns1", "pod1").expect("served");
    assert_eq!((usage.timestamp, usage.window), (Some(at(120)), secs(10)));
    assert_eq!(
        usage.containers,
        vec![
            ContainerUsage { name: "container1".into(), cpu_nanocores: 500_000_000, memory_bytes: 6 * MIB },
            ContainerUsage { name: "container2".into(), cpu_nanocores: 500_000_000, memory_bytes: 7 * MIB },
        ]
    );
}

#[test]
fn repeated_pod_point_is_not_served() {
    let mut s = store60();
    let batch = pod1(vec![container("container1", Some(origin()), at(110), CORE_SECOND, 4 * MIB)]);
    s.store(&batch);
    s.store(&batch);
    assert!(!s.is_ready());
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn container_point_count_only_counts_containers_with_a_previous_point() {
    // Upstream "exposes correct pod metrics".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![
        container("container1", start, at(110), CORE_SECOND, 4 * MIB),
        container("container2", start, at(115), 2 * CORE_SECOND, 5 * MIB),
    ]));
    assert_eq!((s.node_points(), s.container_points()), (0, 0));
    s.store(&pod1(vec![
        container("container1", start, at(120), 6 * CORE_SECOND, 6 * MIB),
        container("container2", start, at(125), 7 * CORE_SECOND, 7 * MIB),
    ]));
    assert_eq!((s.node_points(), s.container_points()), (0, 2));
}

#[test]
fn restarted_container_is_served_from_its_start_time_when_fresh() {
    // Upstream "should detect container restart and return results based on window from start time".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", Some(origin()), at(10), CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![container("container1", Some(at(15)), at(25), 5 * CORE_SECOND, 5 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(one_container(at(25), secs(10), "container1", 500_000_000, 5 * MIB))
    );
}

#[test]
fn container_cpu_decrease_serves_the_pod_without_that_container() {
    // Upstream "should return pod empty metrics if decreased data point reported".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("container1", start, at(110), 20 * CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![container("container1", start, at(120), 10 * CORE_SECOND, 4 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(PodUsage { timestamp: None, window: SignedDuration::ZERO, containers: vec![] })
    );
}

#[test]
fn container_point_older_than_previous_drops_the_pair() {
    // Upstream "should handle pod metrics older than prev".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("container1", start, at(1115), 20 * CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![container("container1", start, at(1125), 40 * CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![container("container1", start, at(115), 10 * CORE_SECOND, 4 * MIB)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn container_point_between_previous_and_last_keeps_the_previous() {
    // Upstream "should handle pod metrics prev.ts < newNode.ts < last.ts".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("container1", start, at(115), 10 * CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![container("container1", start, at(125), 50 * CORE_SECOND, 5 * MIB)]));
    s.store(&pod1(vec![container("container1", start, at(120), 35 * CORE_SECOND, 5 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(one_container(at(120), secs(5), "container1", 5 * CORE_SECOND, 5 * MIB))
    );
}

#[test]
fn long_running_container_needs_two_points() {
    // Upstream "should not use start time to return metric in one cycle for long running container".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", Some(origin()), at(120), CORE_SECOND, 4 * MIB)]));
    assert!(!s.is_ready());
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn fresh_container_is_served_after_one_point() {
    // Upstream "should use start time to return metric in one cycle for fresh new container".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", Some(origin()), at(10), 10 * CORE_SECOND, 4 * MIB)]));
    assert_eq!(
        s.pod_usage("ns1", "pod1"),
        Some(one_container(at(10), secs(10), "container1", CORE_SECOND, 4 * MIB))
    );
    assert_eq!(s.container_points(), 1);
}

#[test]
fn container_started_after_its_sample_is_not_fresh() {
    // Upstream "...fresh new container's start time after timestamp".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", Some(origin()), at(-10), 10 * CORE_SECOND, 4 * MIB)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn container_younger_than_ten_seconds_is_not_fresh() {
    // Upstream "...time duration less than 10s between start time and timestamp".
    let mut s = store60();
    s.store(&pod1(vec![container("container1", Some(origin()), at(9), 10 * CORE_SECOND, 4 * MIB)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
}

#[test]
fn pod_with_a_new_container_is_not_served() {
    // Upstream "should get empty metrics if not all containers data points of one pod reported at the first cycle".
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("container1", start, at(110), CORE_SECOND, 4 * MIB)]));
    s.store(&pod1(vec![
        container("container1", start, at(120), 6 * CORE_SECOND, 6 * MIB),
        container("container2", start, at(120), 8 * CORE_SECOND, 5 * MIB),
    ]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    assert_eq!(s.pods().count(), 0);
}
