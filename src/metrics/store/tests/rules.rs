//! Spec §3 rules not covered by upstream tests, and store properties.

use proptest::prelude::*;

use super::upstream_storage::storage_after_two_batches;
use super::*;

// ---- spec §3 rules not covered upstream ----

#[test]
fn empty_cycle_forgets_everything() {
    // Spec §3.6: no TTL, the store mirrors the latest scrape (newer upstream than storage_test).
    let mut s = storage_after_two_batches();
    s.store(&Batch::default());
    assert_eq!((s.nodes().count(), s.pods().count(), s.is_ready()), (0, 0, false));
}

#[test]
fn node_absent_from_one_scrape_needs_two_more() {
    let mut s = store60();
    s.store(&nodes(vec![node("n1", at(0), CORE_SECOND, 1), node("n2", at(0), CORE_SECOND, 1)]));
    s.store(&nodes(vec![node("n1", at(15), 2 * CORE_SECOND, 1), node("n2", at(15), 2 * CORE_SECOND, 1)]));
    s.store(&nodes(vec![node("n1", at(30), 3 * CORE_SECOND, 1)]));
    assert_eq!(s.node_usage("n2"), None);
    s.store(&nodes(vec![node("n1", at(45), 4 * CORE_SECOND, 1), node("n2", at(45), 4 * CORE_SECOND, 1)]));
    assert_eq!(s.node_usage("n2"), None);
    s.store(&nodes(vec![node("n1", at(60), 5 * CORE_SECOND, 1), node("n2", at(60), 5 * CORE_SECOND, 1)]));
    assert_eq!(s.node_usage("n2"), Some(node_usage(at(60), secs(15), 66_666_666, 1)));
}

#[test]
fn fresh_rule_overrides_a_real_previous_point() {
    // Spec §3.3.2: inside the 10 s…R band the synthetic point wins even with a real prev.
    let mut s = store60();
    s.store(&pod1(vec![container("c", Some(origin()), at(15), 3 * CORE_SECOND, 1)]));
    s.store(&pod1(vec![container("c", Some(origin()), at(30), 6 * CORE_SECOND, 1)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), Some(one_container(at(30), secs(30), "c", 200_000_000, 1)));
}

#[test]
fn fresh_rule_excludes_the_resolution_itself() {
    let mut s = Store::new(secs(15));
    s.store(&pod1(vec![container("c", Some(origin()), at(15), 3 * CORE_SECOND, 1)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    s.store(&pod1(vec![container("c", Some(origin()), at(14), 3 * CORE_SECOND, 1)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), Some(one_container(at(14), secs(14), "c", 214_285_714, 1)));
}

#[test]
fn restart_after_the_last_sample_drops_the_previous_point() {
    let mut s = Store::new(secs(15));
    s.store(&pod1(vec![container("c", Some(origin()), at(100), 50 * CORE_SECOND, 1)]));
    s.store(&pod1(vec![container("c", Some(origin()), at(110), 60 * CORE_SECOND, 1)]));
    assert!(s.pod_usage("ns1", "pod1").is_some());
    s.store(&pod1(vec![container("c", Some(at(112)), at(140), CORE_SECOND, 1)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    s.store(&pod1(vec![container("c", Some(at(112)), at(155), 4 * CORE_SECOND, 1)]));
    assert_eq!(s.pod_usage("ns1", "pod1"), Some(one_container(at(155), secs(15), "c", 200_000_000, 1)));
}

#[test]
fn container_missing_its_previous_point_keeps_none_unlike_upstream_zero_point() {
    // Upstream quirk (spec §3.3.3): C had no prev but the pod did → a year-1 zero point.
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("a", start, at(100), CORE_SECOND, 1)]));
    s.store(&pod1(vec![
        container("a", start, at(110), 2 * CORE_SECOND, 1),
        container("b", start, at(110), CORE_SECOND, 1),
    ]));
    s.store(&pod1(vec![
        container("a", start, at(110), 2 * CORE_SECOND, 1),
        container("b", start, at(110), CORE_SECOND, 1),
    ]));
    assert_eq!(s.pod_usage("ns1", "pod1"), None);
    assert_eq!(s.container_points(), 1);
}

#[test]
fn equal_container_timestamps_take_the_first_by_name() {
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("b", start, at(100), 0, 1), container("a", start, at(95), 0, 1)]));
    s.store(&pod1(vec![
        container("b", start, at(110), CORE_SECOND, 1),
        container("a", start, at(110), CORE_SECOND, 1),
    ]));
    let usage = s.pod_usage("ns1", "pod1").expect("served");
    assert_eq!((usage.timestamp, usage.window), (Some(at(110)), secs(15)));
    assert_eq!(usage.containers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
}

#[test]
fn duplicate_container_names_keep_the_first() {
    let mut s = store60();
    let start = Some(origin());
    s.store(&pod1(vec![container("c", start, at(100), CORE_SECOND, 1)]));
    s.store(&pod1(vec![
        container("c", start, at(110), 2 * CORE_SECOND, 7),
        container("c", start, at(110), 9, 9),
    ]));
    assert_eq!(s.pod_usage("ns1", "pod1"), Some(one_container(at(110), secs(10), "c", 100_000_000, 7)));
}

#[test]
fn pods_are_listed_by_namespace_then_name() {
    let mut s = store60();
    let start = Some(origin());
    let fresh = |ns: &str, name: &str| pod(ns, name, vec![container("c", start, at(20), CORE_SECOND, 1)]);
    s.store(&pods(vec![fresh("b", "x"), fresh("ab", "y"), fresh("a", "z"), fresh("a", "b")]));
    let all: Vec<_> = s.pods().map(|(ns, name, _)| format!("{ns}/{name}")).collect();
    assert_eq!(all, vec!["a/b", "a/z", "ab/y", "b/x"]);
    let in_a: Vec<_> = s.pods_in("a").map(|(name, _)| name.to_owned()).collect();
    assert_eq!(in_a, vec!["b", "z"]);
    assert_eq!(s.pods_in("c").count(), 0);
}

#[test]
fn cycle_of_node_batches_is_merged_first_wins() {
    let mut s = store60();
    let start = Some(origin());
    let mut cycle = ScrapeCycle::new();
    let b1 = Batch {
        nodes: vec![node("n1", at(20), CORE_SECOND, 1)],
        pods: vec![pod("ns", "p", vec![container("c", start, at(20), CORE_SECOND, 5)])],
        dropped: vec![],
    };
    let b2 = Batch {
        nodes: vec![node("n2", at(20), CORE_SECOND, 1)],
        pods: vec![pod("ns", "p", vec![container("c", start, at(20), 2 * CORE_SECOND, 6)])],
        dropped: vec![],
    };
    cycle.push_batch("n1", b1);
    cycle.push_batch("n2", b2);
    cycle.push_failure("n3", "connection refused");
    s.store_cycle(&cycle);
    assert_eq!(s.pod_usage("ns", "p"), Some(one_container(at(20), secs(20), "c", 50_000_000, 5)));
}

// ---- properties ----

fn arb_batch() -> impl Strategy<Value = Batch> {
    let node = (0..3_u8, 0..200_i64, 0..50_u64, 1..5_u64)
        .prop_map(|(n, t, cpu, mem)| node(&format!("n{n}"), at(t), cpu * CORE_SECOND / 3, mem));
    let c = (0..3_u8, prop::option::of(0..200_i64), 0..200_i64, 0..50_u64, 1..5_u64).prop_map(
        |(n, start, t, cpu, mem)| {
            container(&format!("c{n}"), start.map(at), at(t), cpu * CORE_SECOND / 7, mem)
        },
    );
    let p = (0..3_u8, prop::collection::vec(c, 0..3)).prop_map(|(n, cs)| pod("ns", &format!("p{n}"), cs));
    (prop::collection::vec(node, 0..4), prop::collection::vec(p, 0..4)).prop_map(|(nodes, pods)| Batch {
        nodes,
        pods,
        dropped: vec![],
    })
}

proptest! {
    #[test]
    fn served_usage_always_has_a_positive_window(batches in prop::collection::vec(arb_batch(), 1..6), r in 10..120_i64) {
        let mut s = Store::new(secs(r));
        for b in &batches {
            s.store(b);
            for (_, u) in s.nodes() {
                prop_assert!(u.window.is_positive());
            }
            for (ns, name, u) in s.pods() {
                prop_assert!(u.timestamp.is_none() || u.window.is_positive());
                prop_assert!(s.why_pod(ns, name).served);
            }
            prop_assert!(s.container_points() <= b.pods.iter().map(|p| p.containers.len()).sum::<usize>());
            prop_assert_eq!(s.is_ready(), s.node_points() > 0 && s.container_points() > 0);
        }
    }
}
