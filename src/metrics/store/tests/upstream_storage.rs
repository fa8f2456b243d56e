//! Upstream `storage_test.go` "In-memory storage" (older API): fixture values kept, windows
//! and usage from the current rules.

use super::*;

// ---- storage_test.go "In-memory storage" (older API; fixture values kept, window from our rules) ----

/// `prevBatch` at now−10 s and `batch` at now (containers have no start time).
pub(super) fn storage_fixture(offset_secs: i64, base: u64) -> Batch {
    let t = |ms: i64| at_ms(offset_secs * 1000 + ms);
    let c = |name: &str, ms: i64, cpu: u64, mem: u64| container(name, None, t(ms), cpu, mem);
    Batch {
        nodes: vec![
            node("node1", t(100), base + 10, 120),
            node("node2", t(200), base + 110, 220),
            node("node3", t(300), base + 210, 320),
        ],
        pods: vec![
            pod(
                "ns1",
                "pod1",
                vec![c("container1", 400, base + 310, 420), c("container2", 500, base + 410, 520)],
            ),
            pod("ns1", "pod2", vec![c("container1", 600, base + 510, 620)]),
            pod(
                "ns2",
                "pod1",
                vec![c("container1", 700, base + 610, 720), c("container2", 800, base + 710, 820)],
            ),
        ],
        dropped: vec![],
    }
}

pub(super) fn storage_after_two_batches() -> Store {
    let mut s = store60();
    s.store(&storage_fixture(-10, 0));
    s.store(&storage_fixture(0, 100));
    s
}

#[test]
fn storage_serves_every_node_and_pod_of_the_batch() {
    // Upstream "should receive batches of metrics" and "should properly calculate metrics".
    let s = storage_after_two_batches();
    assert_eq!(
        s.nodes().map(|(n, u)| (n.to_owned(), u.cpu_nanocores)).collect::<Vec<_>>(),
        vec![("node1".to_owned(), 10), ("node2".to_owned(), 10), ("node3".to_owned(), 10)]
    );
    assert_eq!(s.pods().count(), 3);
    assert_eq!((s.node_points(), s.container_points()), (3, 5));
    assert!(s.is_ready());
}

#[test]
fn storage_pod_has_all_containers_and_earliest_timestamp() {
    // Upstream "should retrieve metrics for all containers in a pod, with overall latest scrape time".
    let s = storage_after_two_batches();
    let usage = s.pod_usage("ns1", "pod1").expect("served");
    assert_eq!((usage.timestamp, usage.window), (Some(at_ms(400)), secs(10)));
    assert_eq!(
        usage.containers,
        vec![
            ContainerUsage { name: "container1".into(), cpu_nanocores: 10, memory_bytes: 420 },
            ContainerUsage { name: "container2".into(), cpu_nanocores: 10, memory_bytes: 520 },
        ]
    );
    // "should return nil metrics for missing pods / nodes".
    assert_eq!(s.pod_usage("ns42", "pod2"), None);
    assert_eq!(s.node_usage("node2"), Some(node_usage(at_ms(200), secs(10), 10, 220)));
    assert_eq!(s.node_usage("node42"), None);
}

#[test]
fn duplicate_nodes_and_pods_keep_the_first() {
    // Upstream "should not error out if duplicate nodes/pods were received, with a partial store".
    let mut s = store60();
    s.store(&storage_fixture(-10, 0));
    let mut batch = storage_fixture(0, 100);
    batch.nodes.push(node("node1", at(0), 999_999, 1));
    batch.pods.push(pod("ns1", "pod1", vec![container("container1", None, at(0), 999_999, 1)]));
    s.store(&batch);
    assert_eq!(s.node_usage("node1").map(|u| u.cpu_nanocores), Some(10));
    assert_eq!(s.pod_usage("ns1", "pod1").map(|u| u.containers[0].cpu_nanocores), Some(10));
}
