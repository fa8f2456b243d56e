//! The benchmark clusters: N nodes × P running pods seeded straight into the store, and the HPA
//! benchmark's scenario (one Deployment per HPA).
//!
//! Seeded pods are created already Running and Ready (start time, container status, Ready
//! condition), so the sim's controllers have nothing to do for them and the kubelets report them
//! at once with the idle load model. Pods are numbered node-major and grouped [`PODS_PER_NAMESPACE`]
//! to a namespace (`bench-0`, `bench-1`, …), which gives the 100-pod namespaces the API latency
//! goal is stated for.

use std::fmt::Write as _;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::sim::cluster::Cluster;
use crate::sim::nodes as sim_nodes;
use crate::sim::status::ApiError;
use crate::sim::store::ResourceKey;

/// Pods per benchmark namespace.
pub const PODS_PER_NAMESPACE: usize = 100;

/// The namespace of the pod with global index `index` (0-based).
pub fn namespace_of(index: usize) -> String {
    format!("bench-{}", index / PODS_PER_NAMESPACE)
}

/// A Running, Ready pod `name` in `namespace` bound to `node`, started at `started`.
pub fn running_pod(namespace: &str, name: &str, node: &str, ip: &str, started: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "bench"}},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
        "status": {"phase": "Running", "podIP": ip, "hostIP": ip, "startTime": started,
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": started}],
            "containerStatuses": [{"name": "app", "ready": true, "started": true, "restartCount": 0,
                "image": "registry.k8s.io/pause:3.10", "imageID": "", "containerID": format!("containerd://{name}"),
                "state": {"running": {"startedAt": started}}}]}
    })
}

/// Create the namespaces and `nodes × per_node` running pods (nodes `node-1`…); returns the number
/// of namespaces.
pub fn seed_pods(
    cluster: &Cluster,
    nodes: usize,
    per_node: usize,
    now: Timestamp,
) -> Result<usize, ApiError> {
    let total = nodes * per_node;
    let namespaces = total.div_ceil(PODS_PER_NAMESPACE);
    let ns_key = ResourceKey::new("", "namespaces");
    for k in 0..namespaces {
        cluster.create(&ns_key, sim_nodes::namespace(&format!("bench-{k}")), false)?;
    }
    let started = now.to_string();
    let pods = ResourceKey::new("", "pods");
    for n in 1..=nodes {
        let node = format!("node-{n}");
        for i in 0..per_node {
            let index = (n - 1) * per_node + i;
            let ip = format!("10.{}.{}.{}", (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff);
            let name = format!("p-{n}-{i}");
            cluster.create(&pods, running_pod(&namespace_of(index), &name, &node, &ip, &started), false)?;
        }
    }
    Ok(namespaces)
}

/// Namespace of the HPA benchmark's Deployments and HPAs.
pub const HPA_NAMESPACE: &str = "bench";

/// The HPA benchmark's scenario (YAML): `nodes` nodes and `hpas` Deployments `w-0`… of
/// `replicas` pods at a steady ≈ 50 % of their 100m CPU request (±10 % noise, inside the HPA's
/// tolerance, so nothing scales and every sync is a steady-state sync).
pub fn hpa_scenario(nodes: usize, hpas: usize, replicas: usize) -> String {
    let mut yaml = format!("nodes: {{count: {nodes}, cpu: \"64\", memory: 256Gi, pods: 250}}\nworkloads:\n");
    for i in 0..hpas {
        let _ = writeln!(
            yaml,
            "  - {{name: w-{i}, namespace: {HPA_NAMESPACE}, replicas: {replicas}, \
             requests: {{cpu: 100m, memory: 64Mi}}, readinessDelay: 0s, baseCpu: 50m, \
             baseMemory: 32Mi, noise: 0.1}}"
        );
    }
    yaml
}

/// An `autoscaling/v2` HPA on Deployment `name` at 50 % CPU, 1…10 replicas.
pub fn hpa(name: &str) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": HPA_NAMESPACE},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 1, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 50}}}]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_hold_one_hundred_pods_each() {
        assert_eq!(namespace_of(0), "bench-0");
        assert_eq!(namespace_of(99), "bench-0");
        assert_eq!(namespace_of(100), "bench-1");
        assert_eq!(namespace_of(149_999), "bench-1499");
    }

    #[test]
    fn seeded_pods_are_running_and_bound() {
        let cluster = Cluster::new(16);
        let namespaces = seed_pods(&cluster, 4, 30, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(namespaces, 2);
        let (pods, _) = cluster.list(&ResourceKey::new("", "pods"), None);
        assert_eq!(pods.len(), 120);
        let pod = pods.iter().find(|p| p["metadata"]["name"] == "p-4-29").unwrap();
        assert_eq!(pod["metadata"]["namespace"], "bench-1");
        assert_eq!(pod["spec"]["nodeName"], "node-4");
        assert_eq!(pod["status"]["phase"], "Running");
    }

    #[test]
    fn the_hpa_scenario_parses_with_one_workload_per_hpa() {
        let scenario =
            crate::sim::scenario::parse(&hpa_scenario(5, 12, 2), std::path::Path::new(".")).unwrap();
        assert_eq!(scenario.nodes.count, 5);
        assert_eq!(scenario.workloads.len(), 12);
        assert_eq!(scenario.workloads[11].name, "w-11");
    }
}
