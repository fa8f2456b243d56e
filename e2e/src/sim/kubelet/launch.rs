//! Wiring the kubelets and the scenario into [`Sim::start`](crate::sim::Sim::start), and the
//! [`SimHandle`] methods tests use to reach them.
//!
//! At start: the scenario (if any) decides the node count, gets applied to the seeded cluster
//! (node capacity, namespaces, Deployments), its workloads' load models and its fault windows are
//! registered, then one kubelet per node starts listening (unless `SimConfig::kubelets` is off).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;

use super::fault::Fault;
use super::load::LoadCurve;
use super::{Clock, Kubelets, WorkloadLoad, server};
use crate::sim::cluster::Cluster;
use crate::sim::pki::Pki;
use crate::sim::{SimConfig, SimError, SimHandle, scenario};

impl SimConfig {
    /// How many nodes the sim creates: the scenario's count if there is a scenario, else `nodes`.
    pub fn node_count(&self) -> usize {
        self.scenario.as_ref().map_or(self.nodes, |s| s.nodes.count)
    }
}

/// Apply the scenario and start the kubelets of a freshly seeded cluster.
pub async fn launch(
    cluster: &Arc<Cluster>,
    pki: &Pki,
    config: &SimConfig,
    shutdown: &watch::Receiver<bool>,
) -> Result<Arc<Kubelets>, SimError> {
    let kubelets = Arc::new(Kubelets::new(Arc::clone(cluster), Clock::start()));
    if let Some(s) = &config.scenario {
        scenario::apply(cluster, s).map_err(SimError::Seed)?;
        for w in &s.workloads {
            kubelets.set_workload(
                &w.namespace,
                &w.name,
                WorkloadLoad { model: w.model.clone(), curve: w.curve.clone() },
            );
        }
        kubelets.add_scripted_faults(s.faults.clone());
    }
    if config.kubelets {
        let nodes: Vec<String> = (1..=config.node_count()).map(|i| format!("node-{i}")).collect();
        server::start(&kubelets, pki, &nodes, shutdown).await?;
    }
    Ok(kubelets)
}

impl SimHandle {
    /// The kubelets (load model, counters, faults, endpoints).
    pub fn kubelets(&self) -> &Arc<Kubelets> {
        &self.kubelets
    }

    /// Make `node`'s kubelet misbehave until [`SimHandle::clear_kubelet_fault`].
    pub fn kubelet_fault(&self, node: &str, fault: Fault) {
        self.kubelets.set_fault(node, Some(fault));
    }

    /// End a run-time fault on `node` (scripted faults apply again).
    pub fn clear_kubelet_fault(&self, node: &str) {
        self.kubelets.set_fault(node, None);
    }

    /// `node`'s kubelet address (`127.x.y.z:port`), if it has a kubelet.
    pub fn kubelet_endpoint(&self, node: &str) -> Option<SocketAddr> {
        self.kubelets.endpoint(node)
    }

    /// Replace the request-rate curve of workload `namespace/name` (a Deployment name; scenario
    /// time, so `LoadCurve::constant(rps)` means that rate from now on).
    pub fn set_load(&self, namespace: &str, name: &str, curve: LoadCurve) {
        self.kubelets.set_load_curve(namespace, name, curve);
    }
}
