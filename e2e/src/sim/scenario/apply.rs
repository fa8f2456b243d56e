//! Creating a scenario's objects in a cluster through the same code path as API writes: node
//! capacity on the seeded `node-1`…`node-N`, missing namespaces, and one Deployment per workload
//! (the controllers turn them into `ReplicaSets` and Pods).

use serde_json::json;

use super::Scenario;
use crate::sim::cluster::Cluster;
use crate::sim::nodes;
use crate::sim::status::ApiError;
use crate::sim::store::{ResourceKey, UpdateScope};

/// Give the existing nodes the scenario's capacity and create its namespaces and Deployments.
pub fn apply(cluster: &Cluster, scenario: &Scenario) -> Result<(), ApiError> {
    let node_key = ResourceKey::new("", "nodes");
    let spec = &scenario.nodes;
    let resources = json!({"cpu": spec.cpu, "memory": spec.memory, "pods": spec.pods.to_string(), "ephemeral-storage": "100Gi"});
    for i in 1..=spec.count {
        let Some(mut node) = cluster.get(&node_key, "", &format!("node-{i}")) else { continue };
        node["status"]["capacity"] = resources.clone();
        node["status"]["allocatable"] = resources.clone();
        cluster.update(&node_key, node, UpdateScope::Whole, false)?;
    }
    let namespaces = ResourceKey::new("", "namespaces");
    let deployments = ResourceKey::new("apps", "deployments");
    for workload in &scenario.workloads {
        if cluster.get(&namespaces, "", &workload.namespace).is_none() {
            cluster.create(&namespaces, nodes::namespace(&workload.namespace), false)?;
        }
        cluster.create(&deployments, workload.deployment.clone(), false)?;
    }
    Ok(())
}
