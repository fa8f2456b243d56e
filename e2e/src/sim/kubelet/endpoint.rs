//! Kubelet addresses: every set of kubelets takes a prefix `127.<a>` unique within the process (for
//! the first 250 sims), node `i` listens on `127.<a>.<b>.<c>`, and the Node object is pointed at
//! the real address and port.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

use crate::sim::cluster::Cluster;
use crate::sim::store::{ResourceKey, UpdateScope};

static NEXT_PREFIX: AtomicU32 = AtomicU32::new(0);

/// The second octet for a new set of kubelets: distinct for the first 250 sims of a process, and
/// offset by the process id so parallel test processes tend to differ too.
pub fn next_prefix() -> u8 {
    let n = NEXT_PREFIX.fetch_add(1, Ordering::Relaxed);
    (2 + (std::process::id().wrapping_mul(31).wrapping_add(n)) % 250) as u8
}

/// Loopback address of node `index` (0-based) under `prefix`.
pub fn node_ip(prefix: u8, index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, prefix, (index / 254 % 256) as u8, (1 + index % 254) as u8)
}

/// One node's kubelet endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Node name.
    pub node: String,
    /// Listen address (real port).
    pub addr: SocketAddr,
}

/// Point the Node object at its kubelet: `InternalIP` and `daemonEndpoints.kubeletEndpoint.Port`.
pub fn publish_endpoint(cluster: &Cluster, endpoint: &Endpoint) {
    let nodes = ResourceKey::new("", "nodes");
    let Some(mut node) = cluster.get(&nodes, "", &endpoint.node) else { return };
    let ip = endpoint.addr.ip().to_string();
    let mut addresses: Vec<Value> = node["status"]["addresses"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a["type"] != "InternalIP")
        .collect();
    addresses.insert(0, json!({"type": "InternalIP", "address": ip}));
    node["status"]["addresses"] = json!(addresses);
    node["status"]["daemonEndpoints"] = json!({"kubeletEndpoint": {"Port": endpoint.addr.port()}});
    if let Err(e) = cluster.update(&nodes, node, UpdateScope::Status, false) {
        tracing::warn!(node = %endpoint.node, error = %e, "publishing the kubelet endpoint failed");
    }
}
