//! The data source the API reads from, and an in-memory implementation for tests.
//!
//! The router never knows how samples are produced: the two-point store (fed by the scraper) and
//! the node/pod watches (which supply labels and tell whether an object exists) sit behind
//! [`MetricsSource`]. Samples carry already-computed usage (nanocores, bytes), the timestamp of the
//! newest point and the window between the two points, exactly what one API object needs.
//!
//! Invariants the router relies on: `nodes()` and `pods()` return only servable items (both points
//! present, usage computable); ordering is not required (the router sorts).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::selectors::LabelSelector;

/// Usage of one node as served by `nodes` / `nodes/{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSample {
    /// Node name.
    pub name: String,
    /// Node labels (from the node watch), used by label selectors and echoed in `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// Timestamp of the newest point.
    pub timestamp: jiff::Timestamp,
    /// Time between the two points the CPU rate was computed from.
    pub window: Duration,
    /// CPU usage in nanocores.
    pub cpu_nanocores: u64,
    /// Memory working set in bytes.
    pub memory_bytes: u64,
}

/// Usage of one container of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSample {
    /// Container name.
    pub name: String,
    /// CPU usage in nanocores.
    pub cpu_nanocores: u64,
    /// Memory working set in bytes.
    pub memory_bytes: u64,
}

/// Usage of one pod as served by the `pods` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSample {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Pod labels (from the pod metadata watch).
    pub labels: BTreeMap<String, String>,
    /// Timestamp of the container with the earliest timestamp; `None` when every container was
    /// skipped (upstream then serialises the zero time as `null`).
    pub timestamp: Option<jiff::Timestamp>,
    /// Window matching `timestamp` (zero when `timestamp` is `None`).
    pub window: Duration,
    /// Containers in the order they should be served (upstream order is unspecified).
    pub containers: Vec<ContainerSample>,
}

/// Result of looking up a single object, distinguishing the two upstream 404 messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The object exists and has servable metrics.
    Found(T),
    /// The object exists (node known / pod running) but has no servable metrics yet.
    NoMetrics,
    /// The object is unknown to the watch (upstream answers `node "x" not found` /
    /// `pods "x" not found`).
    UnknownObject,
}

/// What the API router needs from the rest of bellows.
pub trait MetricsSource: Send + Sync + 'static {
    /// All servable nodes, in any order.
    fn nodes(&self) -> Vec<NodeSample>;
    /// One node by name.
    fn node(&self, name: &str) -> Lookup<NodeSample>;
    /// All servable pods of `namespace` (all namespaces for `None`), in any order.
    fn pods(&self, namespace: Option<&str>) -> Vec<PodSample>;
    /// Servable pods of `namespace` whose labels `selector` matches, in any order: what one HPA
    /// sync reads. The default filters [`MetricsSource::pods`]; a source with many pods per
    /// namespace should select before it computes usage.
    fn pods_selected(&self, namespace: &str, selector: &LabelSelector) -> Vec<PodSample> {
        self.pods(Some(namespace)).into_iter().filter(|p| selector.matches(&p.labels)).collect()
    }
    /// One pod by namespace and name.
    fn pod(&self, namespace: &str, name: &str) -> Lookup<PodSample>;
    /// Storage readiness: `Err(reason)` (e.g. `no metrics to serve`) fails `/readyz`.
    fn is_ready(&self) -> Result<(), String>;
    /// Informer sync state: `Err(reason)` (e.g. `cache for node informer has not synced`) fails
    /// `/readyz`. Defaults to synced.
    fn informers_synced(&self) -> Result<(), String> {
        Ok(())
    }
    /// Start of the most recent scrape cycle, `None` before the first one.
    fn last_scrape_cycle(&self) -> Option<jiff::Timestamp>;
}

/// In-memory [`MetricsSource`] for tests and fixtures.
///
/// Nodes and pods listed in `known_*` but absent from the samples answer `Lookup::NoMetrics`;
/// everything else unknown answers `Lookup::UnknownObject`.
#[derive(Debug, Clone, Default)]
pub struct StaticSource {
    /// Servable nodes.
    pub nodes: Vec<NodeSample>,
    /// Servable pods.
    pub pods: Vec<PodSample>,
    /// Names of nodes known to the watch without servable metrics.
    pub known_nodes: Vec<String>,
    /// `(namespace, name)` of running pods without servable metrics.
    pub known_pods: Vec<(String, String)>,
    /// Reason returned by `is_ready` (`Some(reason)` = not ready).
    pub not_ready: Option<String>,
    /// Value returned by `informers_synced` (`Some(reason)` = not synced).
    pub unsynced: Option<String>,
    /// Value returned by `last_scrape_cycle`.
    pub last_cycle: Option<jiff::Timestamp>,
}

impl MetricsSource for StaticSource {
    fn nodes(&self) -> Vec<NodeSample> {
        self.nodes.clone()
    }

    fn node(&self, name: &str) -> Lookup<NodeSample> {
        if let Some(node) = self.nodes.iter().find(|n| n.name == name) {
            Lookup::Found(node.clone())
        } else if self.known_nodes.iter().any(|n| n == name) {
            Lookup::NoMetrics
        } else {
            Lookup::UnknownObject
        }
    }

    fn pods(&self, namespace: Option<&str>) -> Vec<PodSample> {
        self.pods.iter().filter(|p| namespace.is_none_or(|ns| p.namespace == ns)).cloned().collect()
    }

    fn pod(&self, namespace: &str, name: &str) -> Lookup<PodSample> {
        if let Some(pod) = self.pods.iter().find(|p| p.namespace == namespace && p.name == name) {
            Lookup::Found(pod.clone())
        } else if self.known_pods.iter().any(|(ns, n)| ns == namespace && n == name) {
            Lookup::NoMetrics
        } else {
            Lookup::UnknownObject
        }
    }

    fn is_ready(&self) -> Result<(), String> {
        self.not_ready.as_ref().map_or(Ok(()), |reason| Err(reason.clone()))
    }

    fn informers_synced(&self) -> Result<(), String> {
        self.unsynced.as_ref().map_or(Ok(()), |reason| Err(reason.clone()))
    }

    fn last_scrape_cycle(&self) -> Option<jiff::Timestamp> {
        self.last_cycle
    }
}
