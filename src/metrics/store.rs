//! The two-point metrics store (metrics-server `pkg/storage`, spec §3).
//!
//! Model: per node and per container the store keeps the `last` point and, when valid, the
//! `prev` point before it; usage is computed on read from the pair (CPU rate over the window,
//! memory of `last`). Each scrape cycle replaces the whole state: anything absent from the
//! newest cycle is forgotten at once (no TTL), so a node that fails one scrape needs two good
//! ones to be served again (one for containers that started 10 s … resolution ago).
//!
//! Invariants: a stored previous point is strictly older than its last point (positive window);
//! maps are ordered (nodes by name, pods by namespace then name, containers by name), so every
//! query is deterministic. Readiness is the v0.9 rule: some node and some pod have a previous
//! point.
//!
//! Bellows extra: the store also remembers, for the last cycle, which node scrapes failed and
//! what the decoder dropped, and for a few cycles which objects went away, so that
//! [`Store::why_node`] / [`Store::why_pod`] can say why something is not served.

use std::collections::BTreeMap;
use std::ops::Bound;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::metrics::decode::{Batch, DropReason, DroppedKind};

mod explain;
mod node;
mod pod;
#[cfg(test)]
mod tests;
mod usage;

pub use explain::{Explanation, NoPrev, ObjectRef, Reason, SkippedContainer};
pub use usage::UsageError;

use node::NodeEntry;
use pod::{PodEntry, PodKey};

/// How many cycles (the one it went away in included) an object that went away is remembered
/// for explanations; bounded so that pod churn cannot grow the store without limit.
const GONE_RETENTION_CYCLES: u64 = 10;

/// Usage of one node as the API serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeUsage {
    /// Timestamp of the last point.
    pub timestamp: Timestamp,
    /// Time between the two points.
    pub window: SignedDuration,
    /// CPU rate in nanocores (truncated).
    pub cpu_nanocores: u64,
    /// Working set of the last point, bytes.
    pub memory_bytes: u64,
}

/// Usage of one pod as the API serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUsage {
    /// Timestamp of the container with the earliest timestamp; `None` when every container was
    /// skipped (upstream then serves Go's zero time, i.e. JSON `null`).
    pub timestamp: Option<Timestamp>,
    /// Window of that container (zero when `timestamp` is `None`).
    pub window: SignedDuration,
    /// Containers sorted by name; containers whose usage failed are left out.
    pub containers: Vec<ContainerUsage>,
}

/// Usage of one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUsage {
    /// Container name.
    pub name: String,
    /// CPU rate in nanocores (truncated).
    pub cpu_nanocores: u64,
    /// Working set, bytes.
    pub memory_bytes: u64,
}

/// Outcome of scraping one node in a cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeScrape {
    /// The payload was fetched and decoded.
    Batch(Batch),
    /// Fetching or decoding failed; the message is kept for explanations.
    Failed(String),
}

/// All node results of one scrape cycle, in the order the scraper merged them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScrapeCycle {
    /// (node name, outcome) pairs; for duplicate nodes or pods the first occurrence wins.
    pub results: Vec<(String, NodeScrape)>,
}

impl ScrapeCycle {
    /// An empty cycle (storing it empties the store).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the decoded batch of `node`.
    pub fn push_batch(&mut self, node: impl Into<String>, batch: Batch) {
        self.results.push((node.into(), NodeScrape::Batch(batch)));
    }

    /// Records that scraping `node` failed with `error`.
    pub fn push_failure(&mut self, node: impl Into<String>, error: impl Into<String>) {
        self.results.push((node.into(), NodeScrape::Failed(error.into())));
    }
}

/// An object that was in the store and went away, remembered for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gone {
    node: Option<String>,
    last_seen: Option<Timestamp>,
    cycle: u64,
}

/// What the last cycle reported besides points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CycleRecord {
    failures: BTreeMap<String, String>,
    dropped_nodes: BTreeMap<String, DropReason>,
    dropped_pods: BTreeMap<PodKey, (Option<String>, DropReason)>,
}

/// The two-point store. Not synchronised: wrap it in a lock at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    resolution: SignedDuration,
    nodes: BTreeMap<String, NodeEntry>,
    pods: BTreeMap<PodKey, PodEntry>,
    record: CycleRecord,
    gone_nodes: BTreeMap<String, Gone>,
    gone_pods: BTreeMap<PodKey, Gone>,
    cycle: u64,
}

impl Store {
    /// An empty store for scrapes every `resolution` (`--metric-resolution`).
    pub fn new(resolution: SignedDuration) -> Self {
        Self {
            resolution,
            nodes: BTreeMap::new(),
            pods: BTreeMap::new(),
            record: CycleRecord::default(),
            gone_nodes: BTreeMap::new(),
            gone_pods: BTreeMap::new(),
            cycle: 0,
        }
    }

    /// The scrape resolution the fresh-container rule uses.
    pub fn resolution(&self) -> SignedDuration {
        self.resolution
    }

    /// Stores one whole cycle given as a single (merged) batch; pods are not tied to nodes.
    pub fn store(&mut self, batch: &Batch) {
        self.apply(&[(None, batch)], BTreeMap::new());
    }

    /// Stores one whole cycle made of per-node results (batches and failures).
    pub fn store_cycle(&mut self, cycle: &ScrapeCycle) {
        let mut batches = Vec::with_capacity(cycle.results.len());
        let mut failures = BTreeMap::new();
        for (node, outcome) in &cycle.results {
            match outcome {
                NodeScrape::Batch(batch) => batches.push((Some(node.as_str()), batch)),
                NodeScrape::Failed(error) => {
                    failures.entry(node.clone()).or_insert_with(|| error.clone());
                }
            }
        }
        self.apply(&batches, failures);
    }

    fn apply(&mut self, batches: &[(Option<&str>, &Batch)], failures: BTreeMap<String, String>) {
        self.cycle += 1;
        let nodes = node::store(&self.nodes, batches.iter().flat_map(|(_, b)| &b.nodes));
        let pods = pod::store(
            &self.pods,
            batches.iter().flat_map(|&(node, b)| b.pods.iter().map(move |p| (node, p))),
            self.resolution,
        );
        let mut record = CycleRecord { failures, ..CycleRecord::default() };
        for &(node, batch) in batches {
            for d in &batch.dropped {
                match (d.kind, &d.namespace) {
                    (DroppedKind::Node, _) => {
                        record.dropped_nodes.entry(d.name.clone()).or_insert_with(|| d.reason.clone());
                    }
                    (DroppedKind::Pod, Some(ns)) => {
                        let key = (ns.clone(), d.name.clone());
                        let node = node.map(str::to_owned);
                        record.dropped_pods.entry(key).or_insert_with(|| (node, d.reason.clone()));
                    }
                    (DroppedKind::Pod, None) => {}
                }
            }
        }
        self.remember_gone(&nodes, &pods);
        self.nodes = nodes;
        self.pods = pods;
        self.record = record;
    }

    /// Records objects that disappeared this cycle and forgets old records.
    fn remember_gone(&mut self, nodes: &BTreeMap<String, NodeEntry>, pods: &BTreeMap<PodKey, PodEntry>) {
        let cycle = self.cycle;
        for (name, entry) in &self.nodes {
            if !nodes.contains_key(name) {
                let gone = Gone { node: None, last_seen: Some(node::last_seen(entry)), cycle };
                self.gone_nodes.insert(name.clone(), gone);
            }
        }
        for (key, entry) in &self.pods {
            if !pods.contains_key(key) {
                let gone = Gone { node: entry.node.clone(), last_seen: entry.last_seen(), cycle };
                self.gone_pods.insert(key.clone(), gone);
            }
        }
        let keep = |g: &Gone| g.cycle + GONE_RETENTION_CYCLES > cycle;
        self.gone_nodes.retain(|name, g| keep(g) && !nodes.contains_key(name));
        self.gone_pods.retain(|key, g| keep(g) && !pods.contains_key(key));
    }

    /// Usage of a node, if it is served (both points present and usage computable).
    pub fn node_usage(&self, name: &str) -> Option<NodeUsage> {
        self.nodes.get(name).and_then(|e| node_usage(e).ok())
    }

    /// Usage of a pod, if it is served (every container of its last point has a previous one).
    pub fn pod_usage(&self, namespace: &str, name: &str) -> Option<PodUsage> {
        self.pods.get(&(namespace.to_owned(), name.to_owned())).and_then(|e| pod_usage(e).ok())
    }

    /// All served nodes, sorted by name.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, NodeUsage)> + '_ {
        self.nodes.iter().filter_map(|(name, e)| Some((name.as_str(), node_usage(e).ok()?)))
    }

    /// All served pods as (namespace, name, usage), sorted by namespace then name.
    pub fn pods(&self) -> impl Iterator<Item = (&str, &str, PodUsage)> + '_ {
        self.pods.iter().filter_map(|((ns, name), e)| Some((ns.as_str(), name.as_str(), pod_usage(e).ok()?)))
    }

    /// Served pods of one namespace, sorted by name.
    pub fn pods_in<'s>(&'s self, namespace: &str) -> impl Iterator<Item = (&'s str, PodUsage)> + 's {
        let namespace = namespace.to_owned();
        let from = (namespace.clone(), String::new());
        self.pods
            .range((Bound::Included(from), Bound::Unbounded))
            .take_while(move |((ns, _), _)| *ns == namespace)
            .filter_map(|((_, name), e)| Some((name.as_str(), pod_usage(e).ok()?)))
    }

    /// v0.9 readiness: some node and some pod have a previous point.
    pub fn is_ready(&self) -> bool {
        self.node_points() > 0 && self.pods.values().any(PodEntry::has_prev)
    }

    /// Gauge `metrics_server_storage_points{type="node"}`: nodes with a previous point.
    pub fn node_points(&self) -> usize {
        self.nodes.values().filter(|e| e.prev.is_ok()).count()
    }

    /// Gauge `metrics_server_storage_points{type="container"}`: containers with a previous point.
    pub fn container_points(&self) -> usize {
        self.pods.values().flat_map(|p| p.containers.values()).filter(|c| c.prev.is_ok()).count()
    }

    /// Why a node is or is not served.
    pub fn why_node(&self, name: &str) -> Explanation {
        let object = ObjectRef::Node { name: name.to_owned() };
        let reason = match self.nodes.get(name) {
            Some(entry) => match node_usage(entry) {
                Ok(u) => {
                    Reason::Served { timestamp: Some(u.timestamp), window: u.window, skipped: Vec::new() }
                }
                Err(pending) => self.pending_reason(pending),
            },
            None => self.absent_node(name),
        };
        Explanation::new(object, reason)
    }

    fn absent_node(&self, name: &str) -> Reason {
        if let Some(error) = self.record.failures.get(name) {
            return Reason::ScrapeFailed { node: name.to_owned(), error: error.clone() };
        }
        if let Some(reason) = self.record.dropped_nodes.get(name) {
            return Reason::Incomplete { node: None, reason: reason.clone() };
        }
        match self.gone_nodes.get(name) {
            Some(g) => Reason::NotInLastScrape { node: None, last_seen: g.last_seen },
            None => Reason::NeverSeen,
        }
    }

    /// Why a pod is or is not served.
    pub fn why_pod(&self, namespace: &str, name: &str) -> Explanation {
        let key = (namespace.to_owned(), name.to_owned());
        let reason = match self.pods.get(&key) {
            Some(entry) => match pod_usage(entry) {
                Ok(u) => Reason::Served { timestamp: u.timestamp, window: u.window, skipped: skipped(entry) },
                Err(pending) => self.pending_reason(pending),
            },
            None => self.absent_pod(&key),
        };
        let (namespace, name) = key;
        Explanation::new(ObjectRef::Pod { namespace, name }, reason)
    }

    fn absent_pod(&self, key: &PodKey) -> Reason {
        if let Some((node, reason)) = self.record.dropped_pods.get(key) {
            return Reason::Incomplete { node: node.clone(), reason: reason.clone() };
        }
        let Some(gone) = self.gone_pods.get(key) else {
            return Reason::NeverSeen;
        };
        if let Some(node) = &gone.node
            && let Some(error) = self.record.failures.get(node)
        {
            return Reason::ScrapeFailed { node: node.clone(), error: error.clone() };
        }
        Reason::NotInLastScrape { node: gone.node.clone(), last_seen: gone.last_seen }
    }

    /// Expected time of the next sample after `ts`.
    fn expected_after(&self, ts: Timestamp) -> Timestamp {
        ts.saturating_add(self.resolution).unwrap_or(ts)
    }

    /// Reason for an entry that is stored but not served.
    fn pending_reason(&self, pending: Pending) -> Reason {
        let (container, last, why) = match pending {
            Pending::Usage(error) => return Reason::UsageError { error },
            Pending::NoContainers => return Reason::NoContainers,
            Pending::NoPrev { container, last, why } => (container, last, why),
        };
        let expected = self.expected_after(last);
        match (why, container) {
            (NoPrev::Restarted { start, .. }, Some(container)) => {
                Reason::ContainerRestarted { container, start, expected }
            }
            (NoPrev::NotNewer { stored }, container) => {
                Reason::SampleNotNewer { container, timestamp: last, stored }
            }
            (NoPrev::New | NoPrev::Restarted { .. }, container) => {
                Reason::WaitingForSecondPoint { container, since: last, expected }
            }
        }
    }
}

/// Why an entry present in the store is not served; mapped to a [`Reason`] by the store,
/// which knows the resolution.
enum Pending {
    /// The node (container `None`) or a container lacks a previous point.
    NoPrev { container: Option<String>, last: Timestamp, why: NoPrev },
    /// Node usage failed.
    Usage(UsageError),
    /// A pod point with no containers (only possible from a hand-made batch).
    NoContainers,
}

fn node_usage(entry: &NodeEntry) -> Result<NodeUsage, Pending> {
    let prev =
        entry.prev.map_err(|why| Pending::NoPrev { container: None, last: entry.last.timestamp, why })?;
    let u = usage::usage(&entry.last, &prev).map_err(Pending::Usage)?;
    Ok(NodeUsage {
        timestamp: u.timestamp,
        window: u.window,
        cpu_nanocores: u.cpu_nanocores,
        memory_bytes: u.memory_bytes,
    })
}

/// Pod usage: every container needs a previous point; containers whose usage fails are left
/// out; timestamp and window come from the container with the strictly earliest timestamp
/// (ties: first by name).
fn pod_usage(entry: &PodEntry) -> Result<PodUsage, Pending> {
    if entry.containers.is_empty() {
        return Err(Pending::NoContainers);
    }
    let mut pairs = Vec::with_capacity(entry.containers.len());
    for (name, c) in entry.containers.iter() {
        match c.prev {
            Ok(prev) => pairs.push((name, c.last, prev)),
            Err(why) => {
                return Err(Pending::NoPrev { container: Some(name.clone()), last: c.last.timestamp, why });
            }
        }
    }
    let mut out = PodUsage { timestamp: None, window: SignedDuration::ZERO, containers: Vec::new() };
    for (name, last, prev) in pairs {
        let Ok(u) = usage::usage(&last, &prev) else {
            continue;
        };
        if out.timestamp.is_none_or(|earliest| u.timestamp < earliest) {
            out.timestamp = Some(u.timestamp);
            out.window = u.window;
        }
        out.containers.push(ContainerUsage {
            name: name.clone(),
            cpu_nanocores: u.cpu_nanocores,
            memory_bytes: u.memory_bytes,
        });
    }
    Ok(out)
}

/// Containers of a served pod whose usage failed.
fn skipped(entry: &PodEntry) -> Vec<SkippedContainer> {
    entry
        .containers
        .iter()
        .filter_map(|(name, c)| {
            let prev = c.prev.ok()?;
            let error = usage::usage(&c.last, &prev).err()?;
            Some(SkippedContainer { name: name.clone(), error })
        })
        .collect()
}
