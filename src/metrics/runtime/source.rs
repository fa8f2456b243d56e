//! The store-backed [`MetricsSource`]: what the API router reads in a running bellows.
//!
//! Joins three views, as metrics-server's REST storages do: the indexes say whether an object
//! exists and carry its labels, the store says whether it has servable usage. Hence:
//! - lists: objects present in both (a pod the kubelet still reports but the watch no longer
//!   lists as running is not served, and neither is a node deleted from the cluster);
//! - gets: `UnknownObject` when the index does not know the object (upstream's `not found`),
//!   `NoMetrics` when it does but the store serves nothing for it;
//! - readiness from the store (`no metrics to serve`) and sync from the indexes (upstream's
//!   `metric-informer-sync` messages), liveness from the loop's last tick start.
//!
//! Each call reads one store snapshot, so a list is consistent even while a cycle is published.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::core::PartialObjectMeta;

use super::index::SharedIndex;
use super::shared::StoreReader;
use crate::metrics::api::why::ExplainSource;
use crate::metrics::api::{ContainerSample, Lookup, MetricsSource, NodeSample, PodSample};
use crate::metrics::store::{Explanation, NodeUsage, PodUsage};
use crate::selectors::LabelSelector;

#[cfg(test)]
mod tests;

/// Storage readiness failure, upstream's wording.
pub const NOT_READY: &str = "no metrics to serve";
/// Node index not yet synced, upstream's wording.
pub const NODES_NOT_SYNCED: &str = "cache for node informer has not synced";
/// Pod index not yet synced, upstream's wording.
pub const PODS_NOT_SYNCED: &str = "cache for pod informer has not synced";

/// [`MetricsSource`] over the published store and the node and pod indexes.
#[derive(Debug, Clone)]
pub struct StoreSource {
    store: StoreReader,
    nodes: SharedIndex<Node>,
    pods: SharedIndex<PartialObjectMeta<Pod>>,
}

impl StoreSource {
    /// A source reading `store`, with object existence and labels from `nodes` and `pods`.
    pub fn new(
        store: StoreReader,
        nodes: SharedIndex<Node>,
        pods: SharedIndex<PartialObjectMeta<Pod>>,
    ) -> Self {
        Self { store, nodes, pods }
    }
}

/// The API sample of a node the store serves (shared with the offline replay).
pub(crate) fn node_sample(name: &str, labels: BTreeMap<String, String>, usage: NodeUsage) -> NodeSample {
    NodeSample {
        name: name.to_owned(),
        labels,
        timestamp: usage.timestamp,
        window: usage.window.unsigned_abs(),
        cpu_nanocores: usage.cpu_nanocores,
        memory_bytes: usage.memory_bytes,
    }
}

/// The API sample of a pod the store serves (shared with the offline replay).
pub(crate) fn pod_sample(
    namespace: &str,
    name: &str,
    labels: BTreeMap<String, String>,
    usage: PodUsage,
) -> PodSample {
    PodSample {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        labels,
        timestamp: usage.timestamp,
        window: usage.window.unsigned_abs(),
        containers: usage
            .containers
            .into_iter()
            .map(|c| ContainerSample {
                name: c.name,
                cpu_nanocores: c.cpu_nanocores,
                memory_bytes: c.memory_bytes,
            })
            .collect(),
    }
}

fn node_labels(node: &Node) -> BTreeMap<String, String> {
    node.metadata.labels.clone().unwrap_or_default()
}

impl MetricsSource for StoreSource {
    fn nodes(&self) -> Vec<NodeSample> {
        let store = self.store.snapshot();
        let nodes = self.nodes.read();
        store
            .nodes()
            .filter_map(|(name, usage)| {
                let node = nodes.get(&name.to_owned())?;
                Some(node_sample(name, node_labels(node), usage))
            })
            .collect()
    }

    fn node(&self, name: &str) -> Lookup<NodeSample> {
        let labels = match self.nodes.read().get(&name.to_owned()) {
            Some(node) => node_labels(node),
            None => return Lookup::UnknownObject,
        };
        match self.store.snapshot().node_usage(name) {
            Some(usage) => Lookup::Found(node_sample(name, labels, usage)),
            None => Lookup::NoMetrics,
        }
    }

    fn pods(&self, namespace: Option<&str>) -> Vec<PodSample> {
        let store = self.store.snapshot();
        let pods = self.pods.read();
        let sample = |ns: &str, name: &str, usage: PodUsage| {
            let meta = pods.get(&(ns.to_owned(), name.to_owned()))?;
            Some(pod_sample(ns, name, meta.labels.clone(), usage))
        };
        match namespace {
            Some(ns) => store.pods_in(ns).filter_map(|(name, usage)| sample(ns, name, usage)).collect(),
            None => store.pods().filter_map(|(ns, name, usage)| sample(ns, name, usage)).collect(),
        }
    }

    fn pods_selected(&self, namespace: &str, selector: &LabelSelector) -> Vec<PodSample> {
        // Usage only for the selected pods: an HPA selects a few pods of a namespace that may
        // hold thousands, and it reads them every sync.
        let store = self.store.snapshot();
        let pods = self.pods.read();
        pods.in_namespace(namespace)
            .filter(|(_, meta)| selector.matches(&meta.labels))
            .filter_map(|(name, meta)| {
                let usage = store.pod_usage(namespace, name)?;
                Some(pod_sample(namespace, name, meta.labels.clone(), usage))
            })
            .collect()
    }

    fn pod(&self, namespace: &str, name: &str) -> Lookup<PodSample> {
        let labels = match self.pods.read().get(&(namespace.to_owned(), name.to_owned())) {
            Some(meta) => meta.labels.clone(),
            None => return Lookup::UnknownObject,
        };
        match self.store.snapshot().pod_usage(namespace, name) {
            Some(usage) => Lookup::Found(pod_sample(namespace, name, labels, usage)),
            None => Lookup::NoMetrics,
        }
    }

    fn is_ready(&self) -> Result<(), String> {
        if self.store.snapshot().is_ready() { Ok(()) } else { Err(NOT_READY.to_owned()) }
    }

    fn informers_synced(&self) -> Result<(), String> {
        if !self.nodes.is_synced() {
            Err(NODES_NOT_SYNCED.to_owned())
        } else if !self.pods.is_synced() {
            Err(PODS_NOT_SYNCED.to_owned())
        } else {
            Ok(())
        }
    }

    fn last_scrape_cycle(&self) -> Option<jiff::Timestamp> {
        self.store.last_tick()
    }
}

/// Explanations of the store, corrected by the watches once they have synced: what the cluster
/// does not list is answered "not found" by the API, whatever the store holds.
impl ExplainSource for StoreSource {
    fn why_node(&self, name: &str) -> Explanation {
        let why = self.store.snapshot().why_node(name);
        if !self.nodes.is_synced() {
            return why;
        }
        why.with_listing(self.nodes.read().get(&name.to_owned()).is_some())
    }

    fn why_pod(&self, namespace: &str, name: &str) -> Explanation {
        let why = self.store.snapshot().why_pod(namespace, name);
        if !self.pods.is_synced() {
            return why;
        }
        why.with_listing(self.pods.read().get(&(namespace.to_owned(), name.to_owned())).is_some())
    }
}
