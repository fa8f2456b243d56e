//! Scrape-time choice, resolution validation and a replay through the real store.

use super::*;

const A: &[u8] = include_bytes!("../../../../tests/fixtures/kubelet/worker-1-a.txt");
const B: &[u8] = include_bytes!("../../../../tests/fixtures/kubelet/worker-1-b.txt");

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

#[test]
fn scrape_time_is_the_newest_stamp_and_gaps_are_one_resolution_apart() {
    let stamps = [None, Some(ts("2026-01-01T00:01:00Z")), None, None];
    assert_eq!(
        scrape_times(&stamps, secs(15)),
        [
            ts("2026-01-01T00:00:45Z"),
            ts("2026-01-01T00:01:00Z"),
            ts("2026-01-01T00:01:15Z"),
            ts("2026-01-01T00:01:30Z")
        ]
    );
}

#[test]
fn without_any_stamp_scrape_times_count_from_the_unix_epoch() {
    assert_eq!(
        scrape_times(&[None, None], secs(20)),
        [ts("1970-01-01T00:00:00Z"), ts("1970-01-01T00:00:20Z")]
    );
}

#[test]
fn resolution_below_ten_seconds_is_refused_like_metric_resolution() {
    let err = store_resolution(Duration::from_secs(9)).unwrap_err();
    assert_eq!(err.to_string(), "--resolution must be at least 10s (as --metric-resolution), got 9s");
    assert_eq!(store_resolution(Duration::from_secs(10)).unwrap(), secs(10));
}

#[test]
fn two_payloads_serve_the_node_and_the_steady_pod_but_not_the_restarted_one() {
    let replay = replay("worker-1", secs(15), &[A.to_vec(), B.to_vec()]);
    assert_eq!(replay.scrape_times, [ts("2021-10-03T09:36:52.125Z"), ts("2021-10-03T09:37:07.125Z")]);
    let node = replay.store.node_usage("worker-1").expect("node served");
    assert_eq!(node.cpu_nanocores, 79_989_334);
    assert_eq!(node.window, SignedDuration::from_millis(15_002));
    let out = served(&replay.store, replay.now());
    assert_eq!(out.nodes.items.len(), 1);
    assert_eq!(out.nodes.items[0].window, "15.002s");
    let pods: Vec<_> = out.pods.items.iter().map(|p| p.metadata.name.as_str()).collect();
    assert_eq!(pods, ["web-1"]);
    assert!(replay.store.why_pod("default", "crashy").message.contains("container main restarted"));
}

#[test]
fn an_undecodable_payload_is_a_failed_scrape_of_the_node() {
    let replay = replay("worker-1", secs(15), &[A.to_vec(), b"node_cpu_usage_seconds_total x\n".to_vec()]);
    assert_eq!(replay.scrape_times[1], ts("2021-10-03T09:37:07.125Z"));
    assert_eq!(
        replay.store.why_node("worker-1").message,
        "node worker-1: not served: scrape of node worker-1 failed: failed parsing metrics: \
         line 1: invalid sample value \"x\""
    );
}
