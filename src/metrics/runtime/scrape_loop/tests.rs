//! The scrape loop on tokio's paused clock with an in-memory kubelet client.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Node, NodeAddress, NodeStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::watcher::Event;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::metrics::runtime::shared::{StoreReader, store_channel};

const RESOLUTION: Duration = Duration::from_secs(15);

/// One fetch as the fake kubelet saw it, in seconds since the test started.
#[derive(Debug, Clone, PartialEq)]
struct Fetch {
    node: String,
    start: f64,
    end: Option<f64>,
}

/// Kubelets that answer after `delay` with a payload whose CPU counter grows 1.5 s per fetch
/// (every value 0 for the nodes in `zero`).
struct FakeKubelets {
    base: Instant,
    delay: Mutex<BTreeMap<String, Duration>>,
    zero: Mutex<Vec<String>>,
    fetches: Mutex<Vec<Fetch>>,
    counter: AtomicU64,
    clock: Clock,
}

impl FakeKubelets {
    fn new(base: Instant, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            base,
            delay: Mutex::new(BTreeMap::new()),
            zero: Mutex::new(Vec::new()),
            fetches: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
            clock,
        })
    }

    fn slow(&self, node: &str, delay: Duration) {
        self.delay.lock().unwrap().insert(node.to_owned(), delay);
    }

    fn report_zero(&self, node: &str) {
        self.zero.lock().unwrap().push(node.to_owned());
    }

    fn fetches(&self) -> Vec<Fetch> {
        self.fetches.lock().unwrap().clone()
    }

    fn starts(&self) -> Vec<f64> {
        self.fetches().iter().map(|f| f.start).collect()
    }
}

impl KubeletClient for FakeKubelets {
    async fn fetch(&self, target: &Target) -> Result<Payload, FetchError> {
        let index = {
            let mut fetches = self.fetches.lock().unwrap();
            let start = self.base.elapsed().as_secs_f64();
            fetches.push(Fetch { node: target.node.clone(), start, end: None });
            fetches.len() - 1
        };
        let request_time = (self.clock)();
        let delay = self.delay.lock().unwrap().get(&target.node).copied().unwrap_or_default();
        tokio::time::sleep(delay).await;
        self.fetches.lock().unwrap()[index].end = Some(self.base.elapsed().as_secs_f64());
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let zero = self.zero.lock().unwrap().contains(&target.node);
        let (cpu, memory) = if zero { (0.0, 0) } else { (1.5 * n as f64, 1) };
        let body = format!(
            "node_cpu_usage_seconds_total {cpu}\n\
             node_memory_working_set_bytes {}\n\
             container_cpu_usage_seconds_total{{container=\"app\",namespace=\"default\",pod=\"web\"}} {cpu}\n\
             container_memory_working_set_bytes{{container=\"app\",namespace=\"default\",pod=\"web\"}} {}\n",
            memory * 1_000_000,
            memory * 5000,
        );
        Ok(Payload { body: body.into_bytes(), request_time })
    }
}

/// Records what the loop reports.
#[derive(Default)]
struct Recorder {
    cycles: Mutex<Vec<CycleReport>>,
    nodes: Mutex<Vec<(String, Option<Duration>, bool)>>,
    incomplete: Mutex<Vec<(String, String)>>,
    points: Mutex<Vec<(usize, usize)>>,
}

impl ScrapeObserver for Recorder {
    fn observe_cycle(&self, report: &CycleReport) {
        self.cycles.lock().unwrap().push(report.clone());
    }
    fn observe_node(&self, node: &NodeObservation<'_>) {
        self.nodes.lock().unwrap().push((node.node.to_owned(), node.duration, node.success));
        if let Some(reason) = node.incomplete {
            self.incomplete.lock().unwrap().push((node.node.to_owned(), reason.to_string()));
        }
    }
    fn set_points(&self, nodes: usize, containers: usize) {
        self.points.lock().unwrap().push((nodes, containers));
    }
}

fn node(name: &str, address: Option<&str>, labels: &[(&str, &str)]) -> Node {
    Node {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            ..ObjectMeta::default()
        },
        status: Some(NodeStatus {
            addresses: address.map(|a| vec![NodeAddress { type_: "InternalIP".into(), address: a.into() }]),
            ..NodeStatus::default()
        }),
        ..Node::default()
    }
}

/// A loop over `nodes` (already synced), its fake kubelets, store reader and recorder.
struct Fixture {
    scrape: ScrapeLoop<FakeKubelets>,
    kubelets: Arc<FakeKubelets>,
    reader: StoreReader,
    recorder: Arc<Recorder>,
    base: Instant,
}

fn start_time() -> Timestamp {
    Timestamp::from_second(1_700_000_000).unwrap()
}

fn fixture(nodes: Vec<Node>, synced: bool) -> Fixture {
    let base = Instant::now();
    let clock: Clock =
        Arc::new(move || start_time() + SignedDuration::try_from(base.elapsed()).expect("small"));
    let kubelets = FakeKubelets::new(base, Arc::clone(&clock));
    let index = SharedIndex::<Node>::new();
    if synced {
        index.write().reset(nodes);
        index.apply_event(Event::InitDone);
    } else {
        for n in nodes {
            index.write().apply(n);
        }
    }
    let (writer, reader) = store_channel(RESOLUTION);
    let recorder = Arc::new(Recorder::default());
    let target =
        TargetConfig { preferred_address_types: vec![AddressType::InternalIp], ..TargetConfig::default() };
    let scrape = ScrapeLoop {
        client: Arc::clone(&kubelets),
        nodes: index,
        node_selector: LabelSelector::default(),
        target,
        cycle: CycleConfig {
            resolution: RESOLUTION,
            request_timeout: Duration::from_secs(10),
            max_concurrency: 8,
            stagger: false,
        },
        store: writer,
        observer: Arc::clone(&recorder) as Arc<dyn ScrapeObserver>,
        clock,
    };
    Fixture { scrape, kubelets, reader, recorder, base }
}

use crate::metrics::target::AddressType;

/// Lets spawned tasks run at the current (paused) instant.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

async fn advance(d: Duration) {
    tokio::time::advance(d).await;
    settle().await;
}

#[tokio::test(start_paused = true)]
async fn the_first_tick_is_immediate_and_then_one_every_resolution() {
    let f = fixture(vec![node("n1", Some("10.0.0.1"), &[])], true);
    let kubelets = Arc::clone(&f.kubelets);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(f.scrape.run(cancel.clone()));
    settle().await;
    assert_eq!(kubelets.starts(), [0.0]);
    advance(Duration::from_secs(14)).await;
    assert_eq!(kubelets.starts(), [0.0]);
    advance(Duration::from_secs(1)).await;
    assert_eq!(kubelets.starts(), [0.0, 15.0]);
    advance(Duration::from_secs(15)).await;
    assert_eq!(kubelets.starts(), [0.0, 15.0, 30.0]);
    cancel.cancel();
    task.await.expect("no panic");
}

#[tokio::test(start_paused = true)]
async fn two_ticks_make_a_node_and_a_pod_servable() {
    let f = fixture(vec![node("n1", Some("10.0.0.1"), &[])], true);
    let (first, store) = f.scrape.tick().await;
    assert_eq!((first.node_count, first.pod_count), (1, 1));
    assert!(!store.is_ready(), "one point is not enough");
    advance(RESOLUTION).await;
    let (_, store) = f.scrape.tick().await;
    assert!(store.is_ready());
    let usage = store.node_usage("n1").expect("served");
    assert_eq!(usage.window, SignedDuration::from_secs(15));
    // 1.5 core-seconds more over 15 s: 0.1 core.
    assert_eq!(usage.cpu_nanocores, 100_000_000);
    assert_eq!(usage.memory_bytes, 1_000_000);
    assert_eq!(f.reader.snapshot().node_usage("n1"), Some(usage), "published to readers");
    assert_eq!(*f.recorder.points.lock().unwrap(), [(0, 0), (1, 1)]);
}

#[tokio::test(start_paused = true)]
async fn a_slow_cycle_ends_before_the_next_tick_starts() {
    let f = fixture(vec![node("fast", Some("10.0.0.1"), &[]), node("slow", Some("10.0.0.2"), &[])], true);
    // The request timeout is above the resolution here, so the cycle deadline cuts the request.
    let mut scrape = f.scrape;
    scrape.cycle.request_timeout = Duration::from_secs(60);
    f.kubelets.slow("slow", Duration::from_secs(40));
    let kubelets = Arc::clone(&f.kubelets);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(scrape.run(cancel.clone()));
    settle().await;
    for _ in 0..50 {
        advance(Duration::from_secs(1)).await;
    }
    cancel.cancel();
    task.await.expect("no panic");
    let slow: Vec<f64> = kubelets.fetches().iter().filter(|f| f.node == "slow").map(|f| f.start).collect();
    assert_eq!(slow, [0.0, 15.0, 30.0, 45.0], "one request per tick, never two at once");
    assert!(kubelets.fetches().iter().filter(|f| f.node == "slow").all(|f| f.end.is_none()));
    let cycles = f.recorder.cycles.lock().unwrap().clone();
    assert_eq!(cycles.len(), 3);
    for c in &cycles {
        assert_eq!(c.duration, RESOLUTION);
        assert_eq!(
            c.failures,
            [("slow".to_owned(), "scrape did not finish within the metric resolution (15s)".to_owned())]
        );
    }
    let nodes = f.recorder.nodes.lock().unwrap().clone();
    assert_eq!(nodes[0], ("fast".to_owned(), Some(Duration::ZERO), true));
    assert_eq!(nodes[1], ("slow".to_owned(), Some(RESOLUTION), false), "timed even when cut off");
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_the_loop_and_aborts_a_running_cycle() {
    let f = fixture(vec![node("n1", Some("10.0.0.1"), &[])], true);
    f.kubelets.slow("n1", Duration::from_secs(5));
    let kubelets = Arc::clone(&f.kubelets);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(f.scrape.run(cancel.clone()));
    settle().await;
    advance(Duration::from_secs(2)).await;
    cancel.cancel();
    settle().await;
    assert!(task.is_finished(), "the loop returns without waiting for the kubelet");
    advance(Duration::from_secs(60)).await;
    assert_eq!(kubelets.starts(), [0.0]);
    assert!(f.recorder.cycles.lock().unwrap().is_empty(), "nothing is published from an aborted cycle");
    assert_eq!(f.reader.last_tick(), Some(start_time()));
}

#[tokio::test(start_paused = true)]
async fn the_loop_waits_for_the_node_cache_before_the_first_tick() {
    let f = fixture(vec![node("n1", Some("10.0.0.1"), &[])], false);
    let nodes = f.scrape.nodes.clone();
    let kubelets = Arc::clone(&f.kubelets);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(f.scrape.run(cancel.clone()));
    advance(Duration::from_secs(40)).await;
    assert!(kubelets.starts().is_empty());
    assert_eq!(f.reader.last_tick(), None, "liveness passes while waiting");
    nodes.apply_event(Event::InitDone);
    settle().await;
    assert_eq!(kubelets.starts(), [40.0]);
    cancel.cancel();
    task.await.expect("no panic");
    let _ = f.base;
}

#[tokio::test(start_paused = true)]
async fn targets_follow_the_node_selector_and_unreachable_nodes_fail_with_the_reason() {
    let mut f = fixture(
        vec![
            node("a", Some("10.0.0.1"), &[("pool", "x")]),
            node("b", None, &[("pool", "x")]),
            node("c", Some("10.0.0.3"), &[("pool", "y")]),
        ],
        true,
    );
    f.scrape.node_selector = LabelSelector::parse("pool=x").unwrap();
    let targets = f.scrape.targets();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].1.as_ref().map(|t| t.url.as_str()), Ok("https://10.0.0.1:10250/metrics/resource"));
    assert_eq!(targets[1], ("b".to_owned(), Err("no address matched types [InternalIP]".to_owned())));
    let (report, store) = f.scrape.tick().await;
    assert_eq!(report.failures, [("b".to_owned(), "no address matched types [InternalIP]".to_owned())]);
    assert_eq!(f.kubelets.fetches().iter().map(|f| f.node.as_str()).collect::<Vec<_>>(), ["a"]);
    let nodes = f.recorder.nodes.lock().unwrap().clone();
    assert_eq!(nodes, [("a".to_owned(), Some(Duration::ZERO), true), ("b".to_owned(), None, false)]);
    let why = store.why_node("b").to_string();
    assert!(why.contains("no address matched types [InternalIP]"), "{why}");
}

#[tokio::test(start_paused = true)]
async fn the_tick_start_is_recorded_before_the_scrape() {
    let f = fixture(vec![node("n1", Some("10.0.0.1"), &[])], true);
    f.kubelets.slow("n1", Duration::from_secs(3));
    advance(Duration::from_secs(7)).await;
    let reader = f.reader.clone();
    let tick = tokio::spawn(async move { f.scrape.tick().await });
    settle().await;
    assert_eq!(reader.last_tick(), Some(start_time() + SignedDuration::from_secs(7)));
    advance(Duration::from_secs(3)).await;
    let (report, _) = tick.await.expect("no panic");
    assert_eq!(report.start, start_time() + SignedDuration::from_secs(7));
    assert_eq!(report.duration, Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_zero_payload_is_a_successful_request_that_skips_the_node_with_the_reason() {
    let f = fixture(vec![node("good", Some("10.0.0.1"), &[]), node("zero", Some("10.0.0.2"), &[])], true);
    f.kubelets.report_zero("zero");
    let (report, store) = f.scrape.tick().await;
    assert_eq!((report.node_count, report.pod_count), (1, 1), "only the good node has points");
    assert!(report.failures.is_empty(), "the request itself succeeded: {:?}", report.failures);
    let nodes = f.recorder.nodes.lock().unwrap().clone();
    assert_eq!(
        nodes,
        [("good".to_owned(), Some(Duration::ZERO), true), ("zero".to_owned(), Some(Duration::ZERO), true)]
    );
    assert_eq!(
        *f.recorder.incomplete.lock().unwrap(),
        [(
            "zero".to_owned(),
            "node cpu usage and memory working set missing, zero or invalid in the kubelet payload"
                .to_owned()
        )]
    );
    let why = store.why_node("zero").to_string();
    assert!(why.contains("dropped by the decoder"), "{why}");
}
