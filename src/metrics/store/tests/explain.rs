//! Explanations: every reason `why_node` / `why_pod` can give, its message and JSON shape.

use super::*;
use crate::metrics::decode::{DropReason, Dropped, DroppedKind, Missing};

fn reason_of_node(s: &Store, name: &str) -> Reason {
    s.why_node(name).reason
}

fn reason_of_pod(s: &Store, ns: &str, name: &str) -> Reason {
    s.why_pod(ns, name).reason
}

/// Cycle with node `n1` reporting pod `ns/p` (container `c`, long-running) at `t`.
fn cycle_n1(t: i64, cpu: u64) -> ScrapeCycle {
    let mut cycle = ScrapeCycle::new();
    cycle.push_batch(
        "n1",
        Batch {
            nodes: vec![node("n1", at(t), cpu, 1)],
            pods: vec![pod("ns", "p", vec![container("c", Some(origin()), at(t), cpu, 1)])],
            dropped: vec![],
        },
    );
    cycle
}

#[test]
fn unknown_objects_were_never_seen() {
    let s = store60();
    let why = s.why_node("n9");
    assert_eq!((why.served, &why.reason), (false, &Reason::NeverSeen));
    assert_eq!(why.to_string(), "node n9: not served: never seen in a scrape");
    assert_eq!(s.why_pod("ns", "p").to_string(), "pod ns/p: not served: never seen in a scrape");
}

#[test]
fn first_point_waits_for_the_next_scrape() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    let expected = Reason::WaitingForSecondPoint { container: None, since: at(100), expected: at(160) };
    assert_eq!(reason_of_node(&s, "n1"), expected);
    assert_eq!(
        s.why_node("n1").to_string(),
        "node n1: not served yet: only one point so far at 2026-01-01T00:01:40Z; served after the next scrape, \
         expected around 2026-01-01T00:02:40Z"
    );
    assert_eq!(
        reason_of_pod(&s, "ns", "p"),
        Reason::WaitingForSecondPoint { container: Some("c".into()), since: at(100), expected: at(160) }
    );
}

#[test]
fn served_objects_report_timestamp_and_window() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    s.store_cycle(&cycle_n1(115, 2 * CORE_SECOND));
    let why = s.why_node("n1");
    assert!(why.served);
    assert_eq!(why.reason, Reason::Served { timestamp: Some(at(115)), window: secs(15), skipped: vec![] });
    assert_eq!(why.to_string(), "node n1: served: metrics from 2026-01-01T00:01:55Z, window 15s");
    assert!(s.why_pod("ns", "p").served);
}

#[test]
fn failed_scrape_explains_the_node_and_its_pods() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    let mut failed = ScrapeCycle::new();
    failed.push_failure("n1", "context deadline exceeded");
    s.store_cycle(&failed);
    let expected = Reason::ScrapeFailed { node: "n1".into(), error: "context deadline exceeded".into() };
    assert_eq!(reason_of_node(&s, "n1"), expected);
    assert_eq!(reason_of_pod(&s, "ns", "p"), expected);
    assert_eq!(
        s.why_pod("ns", "p").to_string(),
        "pod ns/p: not served: scrape of node n1 failed: context deadline exceeded"
    );
}

#[test]
fn objects_missing_from_a_good_scrape_are_not_in_last_scrape() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    let mut next = ScrapeCycle::new();
    next.push_batch("n1", Batch { nodes: vec![node("n1", at(115), 2 * CORE_SECOND, 1)], ..Batch::default() });
    s.store_cycle(&next);
    assert_eq!(
        reason_of_pod(&s, "ns", "p"),
        Reason::NotInLastScrape { node: Some("n1".into()), last_seen: Some(at(100)) }
    );
    assert_eq!(
        s.why_pod("ns", "p").to_string(),
        "pod ns/p: not served: not in the last scrape of node n1 (last seen 2026-01-01T00:01:40Z)"
    );
    s.store(&Batch::default());
    assert_eq!(reason_of_node(&s, "n1"), Reason::NotInLastScrape { node: None, last_seen: Some(at(115)) });
}

#[test]
fn gone_objects_are_forgotten_after_ten_cycles() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    // Gone in the first empty cycle, remembered for ten cycles including that one.
    for _ in 0..10 {
        s.store(&Batch::default());
    }
    assert!(matches!(reason_of_node(&s, "n1"), Reason::NotInLastScrape { .. }));
    s.store(&Batch::default());
    assert_eq!(reason_of_node(&s, "n1"), Reason::NeverSeen);
    assert_eq!(reason_of_pod(&s, "ns", "p"), Reason::NeverSeen);
}

#[test]
fn decoder_drops_are_explained_with_the_incomplete_container() {
    let mut s = store60();
    let mut cycle = ScrapeCycle::new();
    let reason = DropReason::ContainerIncomplete { container: "sidecar".into(), missing: Missing::Memory };
    let node_reason = DropReason::NodeIncomplete { missing: Missing::Cpu };
    cycle.push_batch(
        "n1",
        Batch {
            nodes: vec![],
            pods: vec![],
            dropped: vec![
                Dropped {
                    kind: DroppedKind::Node,
                    namespace: None,
                    name: "n1".into(),
                    reason: node_reason.clone(),
                },
                Dropped {
                    kind: DroppedKind::Pod,
                    namespace: Some("ns".into()),
                    name: "p".into(),
                    reason: reason.clone(),
                },
            ],
        },
    );
    s.store_cycle(&cycle);
    assert_eq!(reason_of_pod(&s, "ns", "p"), Reason::Incomplete { node: Some("n1".into()), reason });
    assert_eq!(
        s.why_pod("ns", "p").to_string(),
        "pod ns/p: not served: dropped by the decoder (node n1): container \"sidecar\" has its memory working set \
         missing, zero or invalid in the kubelet payload"
    );
    assert_eq!(reason_of_node(&s, "n1"), Reason::Incomplete { node: None, reason: node_reason });
    assert_eq!(
        s.why_node("n1").to_string(),
        "node n1: not served: dropped by the decoder: node cpu usage missing, zero or invalid in the kubelet payload"
    );
}

#[test]
fn restarted_container_is_explained() {
    let mut s = Store::new(secs(15));
    s.store(&pod1(vec![container("c", Some(origin()), at(100), 5 * CORE_SECOND, 1)]));
    s.store(&pod1(vec![container("c", Some(at(101)), at(130), CORE_SECOND, 1)]));
    assert_eq!(
        reason_of_pod(&s, "ns1", "pod1"),
        Reason::ContainerRestarted { container: "c".into(), start: Some(at(101)), expected: at(145) }
    );
    assert_eq!(
        s.why_pod("ns1", "pod1").to_string(),
        "pod ns1/pod1: not served: container c restarted at 2026-01-01T00:01:41Z; served after the next scrape, \
         expected around 2026-01-01T00:02:25Z"
    );
}

#[test]
fn stale_sample_is_explained() {
    let mut s = store60();
    s.store(&nodes(vec![node("n1", at(100), CORE_SECOND, 1)]));
    s.store(&nodes(vec![node("n1", at(100), CORE_SECOND, 1)]));
    assert_eq!(
        reason_of_node(&s, "n1"),
        Reason::SampleNotNewer { container: None, timestamp: at(100), stored: at(100) }
    );
}

#[test]
fn cpu_decrease_is_explained_for_nodes_and_listed_for_pods() {
    let mut s = store60();
    let start = Some(origin());
    s.store(&Batch {
        nodes: vec![node("n1", at(100), 50, 1)],
        pods: vec![pod("ns1", "pod1", vec![container("c", start, at(100), 50, 1)])],
        dropped: vec![],
    });
    s.store(&Batch {
        nodes: vec![node("n1", at(110), 10, 1)],
        pods: vec![pod("ns1", "pod1", vec![container("c", start, at(110), 10, 1)])],
        dropped: vec![],
    });
    let error = UsageError::CpuDecrease { previous: 50, last: 10 };
    assert_eq!(reason_of_node(&s, "n1"), Reason::UsageError { error });
    assert_eq!(
        s.why_node("n1").to_string(),
        "node n1: not served: unexpected decrease in cumulative CPU usage value (previous 50 ns, last 10 ns)"
    );
    let why = s.why_pod("ns1", "pod1");
    assert!(why.served);
    assert_eq!(
        why.reason,
        Reason::Served {
            timestamp: None,
            window: SignedDuration::ZERO,
            skipped: vec![SkippedContainer { name: "c".into(), error }]
        }
    );
    assert_eq!(
        why.to_string(),
        "pod ns1/pod1: served with no containers; container c skipped: unexpected decrease in cumulative CPU usage \
         value (previous 50 ns, last 10 ns)"
    );
}

#[test]
fn explanation_serialises_for_the_cli() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    let json = serde_json::to_value(s.why_pod("ns", "p")).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({
            "object": {"kind": "pod", "namespace": "ns", "name": "p"},
            "served": false,
            "reason": {"type": "waitingForSecondPoint", "container": "c",
                       "since": "2026-01-01T00:01:40Z", "expected": "2026-01-01T00:02:40Z"},
            "message": "pod ns/p: not served yet: only one point so far (container c) at 2026-01-01T00:01:40Z; \
                        served after the next scrape, expected around 2026-01-01T00:02:40Z"
        })
    );
}

#[test]
fn listing_turns_served_and_never_seen_into_not_listed_but_keeps_other_reasons() {
    let mut s = store60();
    s.store_cycle(&cycle_n1(100, CORE_SECOND));
    s.store_cycle(&cycle_n1(115, 2 * CORE_SECOND));
    assert!(s.why_node("n1").with_listing(true).served);
    let unlisted = s.why_node("n1").with_listing(false);
    assert_eq!((unlisted.served, &unlisted.reason), (false, &Reason::NotListed));
    assert_eq!(unlisted.to_string(), "node n1: not found: the cluster lists no node of that name");
    assert_eq!(s.why_node("n9").with_listing(false).reason, Reason::NotListed);
    let mut failed = ScrapeCycle::new();
    failed.push_failure("n1", "connection refused");
    s.store_cycle(&failed);
    assert!(matches!(s.why_node("n1").with_listing(false).reason, Reason::ScrapeFailed { .. }));
}
