//! The scrape loop: one cycle every `--metric-resolution` (metrics-server §1.3).
//!
//! Timing: the loop waits until the node index has synced (upstream blocks startup on its
//! informers), scrapes at once, then on a ticker every resolution. Ticks never overlap: a tick
//! runs to completion (the cycle is bounded by the resolution) before the next is awaited, and a
//! tick that comes due while one runs is skipped, not queued (Go's ticker drops them too).
//!
//! Each tick: record its start (for `/livez`), build the targets from the node index (nodes
//! matching `--node-selector`; a node without a usable address is a failed scrape with the
//! reason), run [`scrape_cycle`], publish the cycle into the store, log `Scrape finished`, warn
//! for every failed node and every node whose payload the decoder dropped as incomplete (a kubelet
//! reporting zeros is skipped just like one that is down), and tell the [`ScrapeObserver`] (the
//! server's telemetry plugs in there).
//!
//! Cancellation stops the loop between ticks and aborts a running cycle; nothing is published
//! from an aborted cycle.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Node;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::index::SharedIndex;
use super::shared::StoreWriter;
use crate::metrics::api::Clock;
use crate::metrics::api::selectors::LabelSelector;
use crate::metrics::decode::{Batch, DropReason, DroppedKind};
use crate::metrics::scraper::{CycleConfig, FetchError, KubeletClient, NodeTarget, Payload, scrape_cycle};
use crate::metrics::store::{NodeScrape, ScrapeCycle, Store};
use crate::metrics::target::{Target, TargetConfig, target_for};

#[cfg(test)]
mod tests;

/// What one tick did, for logs and telemetry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleReport {
    /// Wall-clock start of the tick.
    pub start: Timestamp,
    /// How long the tick took (`metrics_server_manager_tick_duration_seconds`).
    pub duration: Duration,
    /// Node points in the cycle (upstream's `nodeCount`).
    pub node_count: usize,
    /// Pod points in the cycle (upstream's `podCount`).
    pub pod_count: usize,
    /// Nodes whose scrape failed, with the reason, sorted by node.
    pub failures: Vec<(String, String)>,
}

/// One node's scrape, for per-node telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeObservation<'a> {
    /// Node name.
    pub node: &'a str,
    /// Time spent in the kubelet request (`metrics_server_kubelet_request_duration_seconds`);
    /// `None` when no request was sent (no address).
    pub duration: Option<Duration>,
    /// Whether the node contributed points (`metrics_server_kubelet_request_total{success}`).
    pub success: bool,
    /// The failure message when the node did not contribute points.
    pub failure: Option<&'a str>,
    /// Why the decoder dropped the node's own point from a fetched payload (usage zero, missing
    /// or invalid): the request succeeded but the node is skipped this cycle.
    pub incomplete: Option<&'a DropReason>,
    /// When the tick observed it (`metrics_server_kubelet_last_request_time_seconds`).
    pub at: Timestamp,
}

/// Receives the loop's telemetry. Every method defaults to doing nothing.
pub trait ScrapeObserver: Send + Sync + 'static {
    /// Called once per completed tick.
    fn observe_cycle(&self, report: &CycleReport) {
        let _ = report;
    }
    /// Called once per node of a completed tick.
    fn observe_node(&self, node: &NodeObservation<'_>) {
        let _ = node;
    }
    /// Called after each tick with `metrics_server_storage_points` (nodes, containers).
    fn set_points(&self, nodes: usize, containers: usize) {
        let _ = (nodes, containers);
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl ScrapeObserver for NoopObserver {}

/// Everything the loop needs.
pub struct ScrapeLoop<K: KubeletClient> {
    /// Fetches kubelet payloads.
    pub client: Arc<K>,
    /// The node index (scrape targets).
    pub nodes: SharedIndex<Node>,
    /// `--node-selector`.
    pub node_selector: LabelSelector,
    /// Target selection flags.
    pub target: TargetConfig,
    /// Timing and concurrency; `resolution` is also the tick period.
    pub cycle: CycleConfig,
    /// Where cycles are published.
    pub store: StoreWriter,
    /// Telemetry sink.
    pub observer: Arc<dyn ScrapeObserver>,
    /// Wall clock (tick starts, request times of the report).
    pub clock: Clock,
}

impl<K: KubeletClient> std::fmt::Debug for ScrapeLoop<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeLoop")
            .field("node_selector", &self.node_selector)
            .field("target", &self.target)
            .field("cycle", &self.cycle)
            .finish_non_exhaustive()
    }
}

impl<K: KubeletClient> ScrapeLoop<K> {
    /// Runs until `cancel` fires.
    pub async fn run(self, cancel: CancellationToken) {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            () = self.nodes.wait_synced() => {}
        }
        let mut ticker = tokio::time::interval(self.cycle.resolution);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut ready = None;
        loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                _ = ticker.tick() => {}
            }
            let store = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                (_, store) = self.tick() => store,
            };
            ready = Some(log_readiness(ready, &store));
        }
        tracing::info!("Scrape loop stopped");
    }

    /// Runs one tick: targets, scrape, publish, log, observe. Returns the report and the store.
    pub async fn tick(&self) -> (CycleReport, Arc<Store>) {
        let started = Instant::now();
        let start = (self.clock)();
        self.store.record_tick(start);
        let targets = self.targets();
        let timings = Arc::new(Mutex::new(BTreeMap::new()));
        let client = Arc::new(TimedClient { inner: Arc::clone(&self.client), timings: Arc::clone(&timings) });
        let cycle = scrape_cycle(client, targets, self.cycle).await;
        let store = self.store.publish_in_place(&cycle);
        let report = report(start, started.elapsed(), &cycle);
        tracing::debug!(
            duration = ?report.duration,
            nodeCount = report.node_count,
            podCount = report.pod_count,
            "Scrape finished"
        );
        for (node, error) in &report.failures {
            tracing::warn!(node = %node, error = %error, "Failed to scrape node");
        }
        for (node, outcome) in &cycle.results {
            if let NodeScrape::Batch(batch) = outcome {
                log_dropped(node, batch);
            }
        }
        let at = (self.clock)();
        let now = Instant::now();
        let timings = std::mem::take(&mut *timings.lock().unwrap_or_else(PoisonError::into_inner));
        for (node, outcome) in &cycle.results {
            self.observer.observe_node(&NodeObservation {
                node,
                duration: timings.get(node).map(|t| t.elapsed(now)),
                success: matches!(outcome, NodeScrape::Batch(_)),
                failure: match outcome {
                    NodeScrape::Failed(error) => Some(error.as_str()),
                    NodeScrape::Batch(_) => None,
                },
                incomplete: match outcome {
                    NodeScrape::Batch(batch) => dropped_node(batch),
                    NodeScrape::Failed(_) => None,
                },
                at,
            });
        }
        self.observer.observe_cycle(&report);
        self.observer.set_points(store.node_points(), store.container_points());
        (report, store)
    }

    /// The scrape list: selected nodes from the index, in name order.
    pub fn targets(&self) -> Vec<NodeTarget> {
        let nodes = self.nodes.read();
        nodes
            .iter()
            .filter(|(_, node)| self.node_selector.matches(node.metadata.labels.as_ref().unwrap_or(&EMPTY)))
            .map(|(name, node)| (name.clone(), target_for(node, &self.target).map_err(|e| e.to_string())))
            .collect()
    }
}

static EMPTY: BTreeMap<String, String> = BTreeMap::new();

fn report(start: Timestamp, duration: Duration, cycle: &ScrapeCycle) -> CycleReport {
    let mut node_count = 0;
    let mut pod_count = 0;
    let mut failures = Vec::new();
    for (node, outcome) in &cycle.results {
        match outcome {
            NodeScrape::Batch(batch) => {
                node_count += batch.nodes.len();
                pod_count += batch.pods.len();
            }
            NodeScrape::Failed(error) => failures.push((node.clone(), error.clone())),
        }
    }
    failures.sort();
    CycleReport { start, duration, node_count, pod_count, failures }
}

/// Why the decoder dropped the node's own point from `batch`, if it did.
fn dropped_node(batch: &Batch) -> Option<&DropReason> {
    batch.dropped.iter().find(|d| d.kind == DroppedKind::Node).map(|d| &d.reason)
}

/// Logs what the decoder dropped from one node's payload (upstream logs both at V(1), which
/// hides a kubelet that reports zeros): a warning when the node's own point is gone, since the
/// node is then skipped like a failed scrape, and a debug line per dropped pod.
fn log_dropped(node: &str, batch: &Batch) {
    if let Some(reason) = dropped_node(batch) {
        let pods = batch.dropped.iter().filter(|d| d.kind == DroppedKind::Pod).count();
        tracing::warn!(node, reason = %reason, droppedPods = pods, "Failed getting complete node metric, node skipped");
    }
    for pod in batch.dropped.iter().filter(|d| d.kind == DroppedKind::Pod) {
        let namespace = pod.namespace.as_deref().unwrap_or_default();
        tracing::debug!(node, pod = %format_args!("{namespace}/{}", pod.name), reason = %pod.reason, "Failed getting complete Pod metric");
    }
}

/// Logs readiness changes with upstream's messages; returns the new readiness.
fn log_readiness(previous: Option<bool>, store: &Store) -> bool {
    let ready = store.is_ready();
    if previous != Some(ready) {
        if ready {
            tracing::info!("Metric storage is ready");
        } else if store.node_points() == 0 {
            tracing::info!(
                "Metric storage is not ready, node metrics are missing, this may indicate a kubelet issue"
            );
        } else {
            tracing::info!(
                "Metric storage is not ready, pod metrics are missing, this may indicate a container-runtime or kubelet issue"
            );
        }
    }
    ready
}

/// A request's timing: running since, or finished after.
#[derive(Debug, Clone, Copy)]
enum Timing {
    Started(Instant),
    Done(Duration),
}

impl Timing {
    /// The request's duration; one still running when the cycle deadline dropped it counts
    /// until `now`.
    fn elapsed(self, now: Instant) -> Duration {
        match self {
            Self::Started(start) => now.saturating_duration_since(start),
            Self::Done(d) => d,
        }
    }
}

/// Wraps the kubelet client to time each request.
struct TimedClient<K> {
    inner: Arc<K>,
    timings: Arc<Mutex<BTreeMap<String, Timing>>>,
}

impl<K: KubeletClient> KubeletClient for TimedClient<K> {
    async fn fetch(&self, target: &Target) -> Result<Payload, FetchError> {
        let start = Instant::now();
        let record =
            |t| self.timings.lock().unwrap_or_else(PoisonError::into_inner).insert(target.node.clone(), t);
        record(Timing::Started(start));
        let result = self.inner.fetch(target).await;
        record(Timing::Done(start.elapsed()));
        result
    }
}
