//! Kubelet and API-server faults end to end (issue 5): the real `bellows run` on bellows-sim with
//! `e2e/scenarios/e2e-faults.yaml` (three nodes, two pods on each), metrics read through the sim's
//! aggregator as users read them, bellows' own `/metrics` and its log checked for the node and the
//! reason.
//!
//! Timing model: `--metric-resolution=10s`, `--kubelet-request-timeout=5s`; a tick scrapes every
//! node; a node or pod is served only while the store holds two points of it (so from the second
//! good scrape on), and a failed scrape removes it at once. Every wait is a poll with a deadline of
//! whole resolutions plus [`SLACK`] for a loaded machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::kubelet::fault::Fault;
use bellows_e2e::sim::store::ResourceKey;
use common::Client;
use common::stack::{Stack, StackOptions};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::Value;

/// `--metric-resolution` of the stack.
const RESOLUTION: Duration = Duration::from_secs(10);
/// Head room on top of whole resolutions (start-up, a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(5);
/// Every pod's CPU in the scenario: 10m + 1m × 120 rps / 6 pods = 30m, in nanocores.
const POD_CPU_NANOCORES: u64 = 30_000_000;

const NODES: &str = "/apis/metrics.k8s.io/v1beta1/nodes";
const PODS: &str = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods";

/// What the aggregator serves: node metrics by node name, pod metrics by pod name.
#[derive(Debug, Clone, Default)]
struct Served {
    nodes: BTreeMap<String, Value>,
    pods: BTreeMap<String, Value>,
}

impl Served {
    fn node_names(&self) -> BTreeSet<String> {
        self.nodes.keys().cloned().collect()
    }

    fn pod_names(&self) -> BTreeSet<String> {
        self.pods.keys().cloned().collect()
    }
}

fn by_name(list: &Value) -> Option<BTreeMap<String, Value>> {
    list["items"]
        .as_array()?
        .iter()
        .map(|item| Some((item["metadata"]["name"].as_str()?.to_owned(), item.clone())))
        .collect()
}

/// Both lists through the aggregator, as the admin; `None` unless both answer 200.
async fn served(api: &Client) -> Option<Served> {
    let nodes = api.get(NODES).await;
    let pods = api.get(PODS).await;
    if nodes.status != 200 || pods.status != 200 {
        return None;
    }
    Some(Served { nodes: by_name(&nodes.body)?, pods: by_name(&pods.body)? })
}

/// Running pods of the scenario by node, from the sim's pod objects.
fn placement(sim: &SimHandle) -> BTreeMap<String, BTreeSet<String>> {
    let (pods, _) = sim.cluster().list(&ResourceKey::new("", "pods"), Some("default"));
    let mut by_node: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pod in pods.iter().filter(|p| p["status"]["phase"] == "Running") {
        if let (Some(node), Some(name)) = (pod["spec"]["nodeName"].as_str(), pod["metadata"]["name"].as_str())
        {
            by_node.entry(node.to_owned()).or_default().insert(name.to_owned());
        }
    }
    by_node
}

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The pods placed on `nodes`.
fn pods_on(placement: &BTreeMap<String, BTreeSet<String>>, nodes: &[&str]) -> BTreeSet<String> {
    nodes.iter().filter_map(|n| placement.get(*n)).flatten().cloned().collect()
}

/// Whether exactly `nodes` and their pods are served.
fn serves_exactly(served: &Served, placement: &BTreeMap<String, BTreeSet<String>>, nodes: &[&str]) -> bool {
    served.node_names() == names(nodes) && served.pod_names() == pods_on(placement, nodes)
}

/// [`Stack::poll`] every 250 ms: the value and how long it took.
async fn until<T>(
    stack: &mut Stack,
    what: &str,
    limit: Duration,
    check: impl AsyncFnMut(&Stack) -> Option<T>,
) -> (T, Duration) {
    stack.poll(what, limit, Duration::from_millis(250), check).await
}

/// Waits until all three nodes and all six pods are served; returns the placement.
async fn all_served(stack: &mut Stack, api: &Client) -> BTreeMap<String, BTreeSet<String>> {
    let (placement, _) = until(stack, "all nodes and pods served", Duration::from_secs(60), async |s| {
        let placement = placement(&s.sim);
        let on_each =
            ["node-1", "node-2", "node-3"].iter().all(|n| placement.get(*n).map(BTreeSet::len) == Some(2));
        let served = served(api).await?;
        (on_each && serves_exactly(&served, &placement, &["node-1", "node-2", "node-3"])).then_some(placement)
    })
    .await;
    placement
}

/// A client for bellows' own port that trusts its self-signed certificate and presents the sim's
/// admin certificate (`/metrics` is not an always-allow path: bellows authenticates the
/// certificate against the sim CA and asks the sim with a `SubjectAccessReview`).
async fn bellows_client(stack: &mut Stack) -> Client {
    let cert_file = stack.dir.join("certs").join("apiserver.crt");
    let (root, _) = until(stack, "bellows' serving certificate", Duration::from_secs(30), async |_| {
        CertificateDer::from_pem_file(&cert_file).ok()
    })
    .await;
    Client::to_server(&format!("127.0.0.1:{}", stack.port), root, Some(stack.sim.admin_cert()))
}

/// bellows' `/metrics` text, if it answers 200.
async fn telemetry(bellows: &Client) -> Option<String> {
    let (status, text) = bellows.get_text("/metrics").await;
    (status == 200).then_some(text)
}

/// The value of sample `name{labels…}` in Prometheus/OpenMetrics text: every given label must
/// match, others may be present.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
        let pairs: Vec<&str> = rest.trim_end_matches('}').split(',').collect();
        let matches =
            metric == name && labels.iter().all(|(k, v)| pairs.contains(&format!("{k}=\"{v}\"").as_str()));
        if matches { value.parse().ok() } else { None }
    })
}

/// Every `bellows_kubelet_scrape_failures_total` series as `(node, reason) → count`.
fn failures(text: &str) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("bellows_kubelet_scrape_failures_total{")) {
        let label = |key: &str| {
            let at = line.find(&format!("{key}=\""))? + key.len() + 2;
            Some(line[at..].split('"').next()?.to_owned())
        };
        if let (Some(node), Some(reason), Some(value)) =
            (label("node"), label("reason"), line.rsplit(' ').next().and_then(|v| v.parse().ok()))
        {
            out.insert((node, reason), value);
        }
    }
    out
}

/// bellows' log without terminal colour codes.
fn plain_log(stack: &Stack) -> String {
    let log = stack.log();
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequence: ESC [ parameters final-byte.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The first log line containing every one of `parts`.
fn log_line(stack: &Stack, parts: &[&str]) -> Option<String> {
    plain_log(stack).lines().find(|line| parts.iter().all(|p| line.contains(p))).map(str::to_owned)
}

fn nanocores(quantity: &Value) -> Option<u64> {
    quantity.as_str()?.strip_suffix('n')?.parse().ok()
}

/// Every pod still reports the load model's 30m (within the kubelet's millisecond stamps).
fn assert_pods_at_model_cpu(served: &Served) {
    for (name, pod) in &served.pods {
        let cpu = nanocores(&pod["containers"][0]["usage"]["cpu"]);
        let within = cpu.is_some_and(|n| n.abs_diff(POD_CPU_NANOCORES) <= POD_CPU_NANOCORES / 1000);
        assert!(within, "pod {name}: {pod}");
    }
}

/// Stack on the three-node fault scenario.
async fn fault_stack(name: &str) -> Stack {
    Stack::start(StackOptions::new(name).with_scenario("e2e-faults.yaml")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubelet_down_removes_only_its_node_and_pods_until_two_good_scrapes() {
    let mut stack = fault_stack("fault-down").await;
    let api = Client::admin(&stack.sim);
    let placement = all_served(&mut stack, &api).await;
    let bellows = bellows_client(&mut stack).await;

    stack.sim.kubelet_fault("node-2", Fault::Down);
    let limit = 2 * RESOLUTION + SLACK;
    let (during, _) = until(&mut stack, "node-2 and its pods to disappear", limit, async |_| {
        served(&api).await.filter(|s| serves_exactly(s, &placement, &["node-1", "node-3"]))
    })
    .await;
    assert_pods_at_model_cpu(&during);
    // The cycle without node-2 is also the one the telemetry reports (set right after publishing).
    let (text, _) = until(&mut stack, "a cycle of two nodes in /metrics", RESOLUTION + SLACK, async |_| {
        telemetry(&bellows).await.filter(|t| sample(t, "bellows_scrape_cycle_nodes", &[]) == Some(2.0))
    })
    .await;
    let failed = failures(&text);
    assert!(failed.get(&("node-2".into(), "connect".into())).is_some_and(|n| *n >= 1.0), "{failed:?}");
    assert!(failed.keys().all(|(node, _)| node == "node-2"), "only node-2 failed: {failed:?}");
    let line =
        log_line(&stack, &["Failed to scrape node", "node-2", "unable to fetch metrics from node node-2"]);
    assert!(line.is_some(), "no log line for node-2 in:\n{}", plain_log(&stack));

    stack.sim.clear_kubelet_fault("node-2");
    // First good scrape: three node points in the cycle, but one point of node-2 is not servable.
    let (text, _) = until(&mut stack, "the first good scrape of node-2", RESOLUTION + SLACK, async |_| {
        telemetry(&bellows).await.filter(|t| sample(t, "bellows_scrape_cycle_nodes", &[]) == Some(3.0))
    })
    .await;
    let first_good = Instant::now();
    assert_eq!(sample(&text, "bellows_scrape_cycle_pods", &[]), Some(6.0), "{text}");
    let after_one = served(&api).await.expect("the metrics API answers");
    assert!(
        serves_exactly(&after_one, &placement, &["node-1", "node-3"]),
        "node-2 must not be served after one good scrape: {after_one:?}"
    );
    // The next tick (one resolution later) gives the second point: served again.
    let (after_two, _) = until(&mut stack, "node-2 served again", RESOLUTION + SLACK, async |_| {
        served(&api).await.filter(|s| serves_exactly(s, &placement, &["node-1", "node-2", "node-3"]))
    })
    .await;
    let waited = first_good.elapsed();
    assert!(waited < RESOLUTION + SLACK, "served {waited:?} after the first good scrape");
    assert_pods_at_model_cpu(&after_two);
    let window = after_two.nodes["node-2"]["window"].as_str().unwrap_or_default().to_owned();
    let seconds: f64 = window.trim_end_matches('s').parse().unwrap_or(0.0);
    assert!((9.0..=11.0).contains(&seconds), "node-2's window spans the two good scrapes: {window}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_zero_payloads_skip_only_their_node_with_a_log_line_and_a_counter() {
    let mut stack = fault_stack("fault-payload").await;
    let api = Client::admin(&stack.sim);
    let placement = all_served(&mut stack, &api).await;
    let bellows = bellows_client(&mut stack).await;

    stack.sim.kubelet_fault("node-2", Fault::Garbage);
    stack.sim.kubelet_fault("node-3", Fault::Zero);
    let limit = 2 * RESOLUTION + SLACK;
    let (during, _) = until(&mut stack, "node-2 and node-3 to disappear", limit, async |_| {
        served(&api).await.filter(|s| serves_exactly(s, &placement, &["node-1"]))
    })
    .await;
    assert_pods_at_model_cpu(&during);
    let (failed, _) = until(&mut stack, "both failures counted", RESOLUTION + SLACK, async |_| {
        let failed = failures(&telemetry(&bellows).await?);
        let decode = failed.get(&("node-2".into(), "decode".into())).is_some_and(|n| *n >= 1.0);
        let incomplete = failed.get(&("node-3".into(), "incomplete".into())).is_some_and(|n| *n >= 1.0);
        (decode && incomplete).then_some(failed)
    })
    .await;
    assert!(failed.keys().all(|(node, _)| node != "node-1"), "node-1 never failed: {failed:?}");
    assert_eq!(failed.len(), 2, "one reason per faulty node: {failed:?}");
    let garbage = log_line(&stack, &["node-2", "failed parsing metrics"]);
    assert!(garbage.is_some(), "no log line for node-2's garbage in:\n{}", plain_log(&stack));
    let zero = log_line(
        &stack,
        &["node-3", "node cpu usage and memory working set missing, zero or invalid in the kubelet payload"],
    );
    assert!(zero.is_some(), "no log line for node-3's zero payload in:\n{}", plain_log(&stack));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_kubelet_times_out_alone_and_the_others_are_scraped_every_cycle() {
    let mut stack = fault_stack("fault-slow").await;
    let api = Client::admin(&stack.sim);
    let placement = all_served(&mut stack, &api).await;
    let bellows = bellows_client(&mut stack).await;

    // Slower than the request timeout (5 s) and than a whole resolution.
    stack.sim.kubelet_fault("node-2", Fault::Slow(Duration::from_secs(20)));
    let limit = 2 * RESOLUTION + SLACK;
    until(&mut stack, "node-2 and its pods to disappear", limit, async |_| {
        served(&api).await.filter(|s| serves_exactly(s, &placement, &["node-1", "node-3"]))
    })
    .await;
    let text = telemetry(&bellows).await.expect("/metrics");
    let ticks_before =
        sample(&text, "metrics_server_manager_tick_duration_seconds_count", &[]).unwrap_or(0.0);
    // node-1 is scraped on every tick: its served timestamp moves by one resolution each time.
    let mut stamps: Vec<jiff::Timestamp> = Vec::new();
    until(&mut stack, "three fresh node-1 timestamps", 3 * RESOLUTION + SLACK, async |_| {
        let s = served(&api).await?;
        assert!(!s.nodes.contains_key("node-2"), "a timed-out node is not served: {s:?}");
        let stamp: jiff::Timestamp = s.nodes.get("node-1")?["timestamp"].as_str()?.parse().ok()?;
        if stamps.last() != Some(&stamp) {
            stamps.push(stamp);
        }
        (stamps.len() >= 3).then_some(())
    })
    .await;
    for pair in stamps.windows(2) {
        let step = pair[1].duration_since(pair[0]).as_secs_f64();
        assert!((8.5..=11.5).contains(&step), "node-1 scraped every resolution: {stamps:?}");
    }
    let text = telemetry(&bellows).await.expect("/metrics");
    let failed = failures(&text);
    assert!(failed.get(&("node-2".into(), "timeout".into())).is_some_and(|n| *n >= 2.0), "{failed:?}");
    assert!(failed.keys().all(|(node, reason)| node == "node-2" && reason == "timeout"), "{failed:?}");
    // Ticks since: each waited for the 5 s timeout and still ended within the resolution.
    let count = sample(&text, "metrics_server_manager_tick_duration_seconds_count", &[]).unwrap_or(0.0);
    let within_5s = sample(&text, "metrics_server_manager_tick_duration_seconds_bucket", &[("le", "5.0")]);
    let within_10s = sample(&text, "metrics_server_manager_tick_duration_seconds_bucket", &[("le", "10.0")]);
    assert!(count - ticks_before >= 2.0, "{text}");
    assert_eq!(within_10s, Some(count), "every tick ends within the resolution: {text}");
    assert!(count - within_5s.unwrap_or(count) >= 2.0, "ticks waited for the timeout: {text}");
    let line = log_line(&stack, &["Failed to scrape node", "node-2", "timeout to access kubelet after 5s"]);
    assert!(line.is_some(), "no timeout line for node-2 in:\n{}", plain_log(&stack));
}

/// Forwards every connection to `127.0.0.1:<port>` to `target` until dropped.
struct Forwarder(tokio::task::JoinHandle<()>);

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn forward(port: u16, target: SocketAddr) -> Forwarder {
    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the chosen port is still free");
    Forwarder(tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut inbound, _)) = listener.accept().await {
            connections.spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
            while connections.try_join_next().is_some() {}
        }
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_server_at_start_is_retried_until_it_answers() {
    let mut stack =
        Stack::start(StackOptions::new("fault-api").with_scenario("e2e-faults.yaml").without_bellows()).await;
    let api = Client::admin(&stack.sim);
    let real: SocketAddr = stack.sim.api_url().trim_start_matches("https://").parse().expect("sim address");
    // A loopback port nothing listens on (the sim's serving certificate is for 127.0.0.1, any port).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kubeconfig = stack.dir.join("kubeconfig-unreachable");
    let text = std::fs::read_to_string(stack.dir.join("kubeconfig")).unwrap();
    let unreachable = format!("https://127.0.0.1:{port}");
    assert!(text.contains(stack.sim.api_url()), "{text}");
    std::fs::write(&kubeconfig, text.replace(stack.sim.api_url(), &unreachable)).unwrap();
    stack.start_bellows(&kubeconfig);

    // bellows stays up, says what fails and where, and keeps retrying.
    let address = format!("127.0.0.1:{port}");
    let (line, _) =
        until(&mut stack, "a clear error naming the API server", Duration::from_secs(20), async |s| {
            log_line(s, &["Cannot reach the Kubernetes API server", &address])
        })
        .await;
    assert!(line.contains("ERROR") && line.contains("Connection refused"), "{line}");
    let (attempts, _) = until(&mut stack, "three attempts", Duration::from_secs(20), async |s| {
        let log = plain_log(s);
        let attempts = log.lines().filter(|l| l.contains("Cannot reach the Kubernetes API server")).count();
        (attempts >= 3).then_some(attempts)
    })
    .await;
    assert!(attempts >= 3, "retried with backoff (0 s, 1 s, 3 s …)");
    for resource in ["resource=\"nodes\"", "resource=\"pods\""] {
        let watch = log_line(&stack, &["Failed to list or watch", resource, "Connection refused"]);
        assert!(watch.is_some(), "the {resource} watch retries with the cause:\n{}", plain_log(&stack));
    }
    let cert_file = stack.dir.join("certs").join("apiserver.crt");
    let (root, _) = until(&mut stack, "bellows' serving certificate", Duration::from_secs(10), async |_| {
        CertificateDer::from_pem_file(&cert_file).ok()
    })
    .await;
    let probe = Client::to_server(&format!("127.0.0.1:{}", stack.port), root, None);
    // Not ready (caches not synced), but alive: a restart would not help.
    let (ready, _) = until(&mut stack, "bellows answering /readyz", Duration::from_secs(10), async |s| {
        std::net::TcpStream::connect(("127.0.0.1", s.port)).ok()?;
        Some(probe.get_text("/readyz").await)
    })
    .await;
    assert_eq!(ready.0, 500, "{}", ready.1);
    assert!(ready.1.contains("readyz check failed"), "{}", ready.1);
    assert_eq!(probe.get_text("/livez").await, (200, "ok".to_owned()));
    assert!(served(&api).await.is_none_or(|s| s.nodes.is_empty()), "nothing to serve yet");

    // The API server becomes reachable at that address: bellows syncs and serves.
    let _forwarder = forward(port, real).await;
    let started = Instant::now();
    // The next watch retry (bellows' watch back-off: at most 10 s, `run::backoff::MAX_DELAY`), the
    // sync, then two scrapes one resolution apart; the authentication config map is re-read with
    // the same kind of back-off.
    let limit = 4 * RESOLUTION + 3 * SLACK;
    let (placement, _) = until(&mut stack, "metrics once the API answers", limit, async |s| {
        let placement = placement(&s.sim);
        served(&api).await.filter(|v| serves_exactly(v, &placement, &["node-1", "node-2", "node-3"]))?;
        Some(placement)
    })
    .await;
    assert_eq!(pods_on(&placement, &["node-1", "node-2", "node-3"]).len(), 6);
    let (ready, _) = until(&mut stack, "/readyz ok", Duration::from_secs(10), async |_| {
        Some(probe.get_text("/readyz").await).filter(|r| r.0 == 200)
    })
    .await;
    assert_eq!(ready.1, "ok");
    let recovered = log_line(&stack, &["Watch recovered"]);
    assert!(recovered.is_some(), "{}", plain_log(&stack));
    eprintln!("served {:?} after the API server became reachable", started.elapsed());
}
