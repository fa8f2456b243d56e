use std::collections::BTreeMap;
use std::sync::Mutex;

use super::*;
use crate::metrics::store::NodeScrape;

/// A node payload in the current kubelet format with one pod of one container.
fn payload(node_cpu_seconds: u64, ts_ms: u64) -> Vec<u8> {
    format!(
        "# TYPE node_cpu_usage_seconds_total counter\n\
         node_cpu_usage_seconds_total {node_cpu_seconds} {ts_ms}\n\
         node_memory_working_set_bytes 1000 {ts_ms}\n\
         container_cpu_usage_seconds_total{{container=\"app\",namespace=\"default\",pod=\"web\"}} 2 {ts_ms}\n\
         container_memory_working_set_bytes{{container=\"app\",namespace=\"default\",pod=\"web\"}} 4096 {ts_ms}\n"
    )
    .into_bytes()
}

/// How the fake kubelet of one node answers.
#[derive(Clone)]
enum Answer {
    Body(Vec<u8>),
    Error(FetchError),
    /// Answers with the body after the delay.
    Slow(Duration, Vec<u8>),
}

/// An in-memory kubelet fleet that records which URLs were asked.
#[derive(Default)]
struct Fleet {
    answers: BTreeMap<String, Answer>,
    asked: Mutex<Vec<String>>,
}

impl Fleet {
    fn with(mut self, node: &str, answer: Answer) -> Self {
        self.answers.insert(node.to_owned(), answer);
        self
    }
}

impl KubeletClient for Fleet {
    async fn fetch(&self, target: &Target) -> Result<Payload, FetchError> {
        self.asked.lock().unwrap().push(target.url.clone());
        let request_time: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        match self.answers.get(&target.node).cloned() {
            Some(Answer::Body(body)) => Ok(Payload { body, request_time }),
            Some(Answer::Error(err)) => Err(err),
            Some(Answer::Slow(delay, body)) => {
                tokio::time::sleep(delay).await;
                Ok(Payload { body, request_time })
            }
            None => Err(FetchError::Connect { node: target.node.clone(), reason: "no route".into() }),
        }
    }
}

fn target(node: &str) -> NodeTarget {
    let t = Target {
        node: node.to_owned(),
        url: format!("https://{node}:10250/metrics/resource"),
        host: node.to_owned(),
    };
    (node.to_owned(), Ok(t))
}

fn config() -> CycleConfig {
    CycleConfig { stagger: false, ..CycleConfig::default() }
}

fn outcome<'c>(cycle: &'c ScrapeCycle, node: &str) -> &'c NodeScrape {
    &cycle.results.iter().find(|(n, _)| n == node).expect("node in cycle").1
}

#[tokio::test(start_paused = true)]
async fn every_node_is_scraped_and_decoded_in_the_given_order() {
    let fleet = Fleet::default()
        .with("n1", Answer::Body(payload(10, 1_700_000_000_000)))
        .with("n2", Answer::Body(payload(20, 1_700_000_000_000)));
    let cycle = scrape_cycle(Arc::new(fleet), vec![target("n1"), target("n2")], config()).await;
    let names: Vec<&str> = cycle.results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["n1", "n2"]);
    let NodeScrape::Batch(batch) = outcome(&cycle, "n2") else { panic!("n2 failed") };
    assert_eq!(batch.nodes[0].cumulative_cpu_nanoseconds, 20_000_000_000);
    assert_eq!(batch.pods[0].containers[0].memory_working_set_bytes, 4096);
}

#[tokio::test(start_paused = true)]
async fn one_failing_kubelet_only_loses_its_own_node() {
    let fleet = Fleet::default()
        .with("ok", Answer::Body(payload(10, 1_700_000_000_000)))
        .with("down", Answer::Error(FetchError::Status { status: "403 Forbidden".into() }));
    let cycle = scrape_cycle(Arc::new(fleet), vec![target("ok"), target("down")], config()).await;
    assert!(matches!(outcome(&cycle, "ok"), NodeScrape::Batch(_)));
    assert_eq!(
        outcome(&cycle, "down"),
        &NodeScrape::Failed("request failed, status: \"403 Forbidden\"".into())
    );
}

#[tokio::test(start_paused = true)]
async fn garbage_payload_is_a_decode_failure_for_that_node() {
    let fleet = Fleet::default().with("bad", Answer::Body(b"node_cpu_usage_seconds_total{ 1 2 3\n".to_vec()));
    let cycle = scrape_cycle(Arc::new(fleet), vec![target("bad")], config()).await;
    let NodeScrape::Failed(reason) = outcome(&cycle, "bad") else { panic!("garbage decoded") };
    assert!(reason.starts_with("failed parsing metrics: "), "{reason}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_kubelet_times_out_without_delaying_the_others() {
    let fleet = Fleet::default()
        .with("fast", Answer::Body(payload(10, 1_700_000_000_000)))
        .with("slow", Answer::Slow(Duration::from_mins(1), payload(10, 1_700_000_000_000)));
    let start = tokio::time::Instant::now();
    let cycle = scrape_cycle(Arc::new(fleet), vec![target("fast"), target("slow")], config()).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10), "bounded by the request timeout");
    assert!(matches!(outcome(&cycle, "fast"), NodeScrape::Batch(_)));
    assert_eq!(outcome(&cycle, "slow"), &NodeScrape::Failed("timeout to access kubelet after 10s".into()));
}

#[tokio::test(start_paused = true)]
async fn the_cycle_ends_at_the_resolution_even_if_requests_queue_behind_the_concurrency_bound() {
    let slow = || Answer::Slow(Duration::from_secs(9), payload(10, 1_700_000_000_000));
    let fleet = Fleet::default().with("a", slow()).with("b", slow()).with("c", slow());
    let cfg = CycleConfig { max_concurrency: 1, ..config() };
    let start = tokio::time::Instant::now();
    let cycle = scrape_cycle(Arc::new(fleet), vec![target("a"), target("b"), target("c")], cfg).await;
    assert_eq!(start.elapsed(), Duration::from_secs(15));
    assert!(matches!(outcome(&cycle, "a"), NodeScrape::Batch(_)));
    let NodeScrape::Failed(reason) = outcome(&cycle, "b") else { panic!("b finished past the deadline") };
    assert_eq!(reason, "scrape did not finish within the metric resolution (15s)");
}

#[tokio::test(start_paused = true)]
async fn a_node_without_a_target_is_recorded_with_its_reason_and_not_fetched() {
    let fleet = Arc::new(Fleet::default());
    let nodes = vec![("n1".to_owned(), Err("no address matched types [InternalIP]".to_owned()))];
    let cycle = scrape_cycle(Arc::clone(&fleet), nodes, config()).await;
    assert_eq!(outcome(&cycle, "n1"), &NodeScrape::Failed("no address matched types [InternalIP]".into()));
    assert!(fleet.asked.lock().unwrap().is_empty());
}

#[test]
fn stagger_stays_below_eight_ms_per_node_and_two_seconds_and_spreads_over_the_window() {
    assert_eq!(stagger_delay("n1", 0), Duration::ZERO);
    let mut widest = Duration::ZERO;
    for i in 0..200 {
        let name = format!("node-{i}");
        assert!(stagger_delay(&name, 10) < Duration::from_millis(80));
        let delay = stagger_delay(&name, 100_000);
        assert!(delay < Duration::from_secs(2), "{delay:?}");
        widest = widest.max(delay);
        assert_eq!(stagger_delay(&name, 10), stagger_delay(&name, 10), "stable per node");
    }
    assert!(widest > Duration::from_millis(1800), "200 nodes use the whole window: {widest:?}");
}

#[tokio::test(start_paused = true)]
async fn staggered_requests_all_start_within_the_stagger_bound() {
    let mut fleet = Fleet::default();
    let mut nodes = Vec::new();
    for i in 0..50 {
        let name = format!("node-{i}");
        fleet = fleet.with(&name, Answer::Body(payload(10, 1_700_000_000_000)));
        nodes.push(target(&name));
    }
    let start = tokio::time::Instant::now();
    let cycle = scrape_cycle(Arc::new(fleet), nodes, CycleConfig::default()).await;
    assert!(start.elapsed() < Duration::from_millis(400), "{:?}", start.elapsed());
    assert!(cycle.results.iter().all(|(_, r)| matches!(r, NodeScrape::Batch(_))));
}
