//! Simulated kubelets: one HTTPS listener per node on its own loopback address, serving `/healthz`
//! and `/metrics/resource` from the [`load`] model, with scripted and run-time [`fault`]s and OOM
//! kills ([`oom`]).
//!
//! Model: [`Kubelets`] keeps, per running container, a cumulative CPU counter and a working set.
//! [`Kubelets::advance`] moves every counter from the last advance to scenario time `t` by the exact
//! integral of the load model (the set of Ready pods is read from the store at the advance and taken
//! as constant over the interval); a background task advances once a second, and a scrape advances
//! first when the model is older than [`MAX_STALENESS_SECONDS`]; samples carry the time of the
//! advance they reflect. Node counters add a small system base.
//!
//! Invariants: per container start, the CPU counter never decreases; a restart (new
//! `state.running.startedAt`, or an OOM kill) starts a fresh counter at 0; node counters never
//! decrease. Only Running pods bound to a node are reported; pods without a known workload use
//! [`IDLE_MODEL`].
//!
//! Addresses: every [`Kubelets`] instance takes a prefix `127.<a>` unique within the process (for
//! the first 250 sims) and node `i` listens on `127.<a>.<b>.<c>`, port 0; the Node object's
//! `InternalIP` and `daemonEndpoints.kubeletEndpoint.Port` are updated to the real address.

pub mod access;
pub mod clock;
pub mod endpoint;
pub mod fault;
pub mod format;
pub mod launch;
pub mod load;
pub mod oom;
mod pods;
pub mod server;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use tokio::sync::watch;

pub use self::clock::Clock;
pub use self::endpoint::{Endpoint, node_ip};
use self::fault::{Fault, FaultWindow};
use self::format::{ContainerSample, NodeSample};
use self::load::{ContainerLoad, LoadCurve, LoadModel};
use self::pods::running_containers;
use super::cluster::Cluster;
use super::store::ResourceKey;

/// Model of containers that belong to no known workload: a little idle CPU and memory.
pub const IDLE_MODEL: LoadModel = LoadModel {
    cpu_per_request: 0.0,
    base_cpu: 2.0,
    base_memory: 16.0 * 1024.0 * 1024.0,
    memory_per_request: 0.0,
    startup_burst: None,
    noise: 0.0,
};
/// CPU the node itself uses besides its pods, millicores.
pub const SYSTEM_CPU_MILLICORES: f64 = 100.0;
/// Memory the node itself uses besides its pods, bytes.
pub const SYSTEM_MEMORY_BYTES: f64 = 512.0 * 1024.0 * 1024.0;
/// A scrape advances the model first when the last advance is older than this; otherwise it
/// reports the last advance (stamped with its time), so a burst of scrapes costs one advance. On a
/// cluster whose advance takes longer, the bound is twice the last advance's wall time.
pub const MAX_STALENESS_SECONDS: f64 = 0.25;
/// After an OOM kill, no further kill of the same container for this long (doubling per kill,
/// capped at 5 minutes), like the kubelet's crash-loop back-off.
pub const OOM_BACKOFF_SECONDS: f64 = 10.0;

/// A workload's load as the kubelets see it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadLoad {
    /// Resource model.
    pub model: LoadModel,
    /// Requests per second over time.
    pub curve: LoadCurve,
}

#[derive(Debug, Clone)]
struct ContainerState {
    node: String,
    started_unix: f64,
    cpu_seconds: f64,
    memory_bytes: f64,
    last: f64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Backoff {
    kills: u32,
    quiet_until: f64,
    reset_at: f64,
}

#[derive(Debug, Default)]
struct State {
    workloads: HashMap<(String, String), WorkloadLoad>,
    scripted: Vec<FaultWindow>,
    overrides: HashMap<String, Fault>,
    containers: HashMap<(String, String, String), ContainerState>,
    /// The keys of `containers` per node, rebuilt at each advance, so a scrape reads only its
    /// node's containers (a scrape per node must not cost the whole cluster's containers).
    by_node: HashMap<String, Vec<(String, String, String)>>,
    /// Wall-clock seconds the last advance took; scrapes tolerate a model twice that old, so
    /// advancing a large cluster cannot take more than about half the sim's time.
    advance_cost: f64,
    backoff: HashMap<(String, String, String), Backoff>,
    node_cpu: HashMap<String, f64>,
    last: f64,
}

/// The kubelets of one sim.
#[derive(Debug)]
pub struct Kubelets {
    cluster: Arc<Cluster>,
    clock: Clock,
    endpoints: Mutex<Vec<Endpoint>>,
    state: Mutex<State>,
    /// Serialises advances, so concurrent scrapes of a stale model list the pods only once.
    advancing: Mutex<()>,
    faults_changed: watch::Sender<u64>,
}

impl Kubelets {
    /// Kubelets for `cluster` (not yet listening; see [`server::start`]).
    pub fn new(cluster: Arc<Cluster>, clock: Clock) -> Self {
        Self {
            cluster,
            clock,
            endpoints: Mutex::new(Vec::new()),
            state: Mutex::new(State::default()),
            advancing: Mutex::new(()),
            faults_changed: watch::channel(0).0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sim clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The cluster the kubelets report on.
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// Every node's kubelet address.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.endpoints.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The kubelet address of `node`.
    pub fn endpoint(&self, node: &str) -> Option<SocketAddr> {
        self.endpoints().into_iter().find(|e| e.node == node).map(|e| e.addr)
    }

    fn register(&self, endpoint: Endpoint) {
        self.endpoints.lock().unwrap_or_else(PoisonError::into_inner).push(endpoint);
    }

    /// Set (or replace) the load of workload `namespace/name`; its pods are found by the
    /// `sim.bellows.dev/workload` annotation or by their `ReplicaSet` owner `<name>-<hash>`.
    pub fn set_workload(&self, namespace: &str, name: &str, load: WorkloadLoad) {
        self.lock().workloads.insert((namespace.to_owned(), name.to_owned()), load);
    }

    /// Replace only the request-rate curve of a workload (the idle model if it had none).
    pub fn set_load_curve(&self, namespace: &str, name: &str, curve: LoadCurve) {
        let mut state = self.lock();
        let entry = state
            .workloads
            .entry((namespace.to_owned(), name.to_owned()))
            .or_insert_with(|| WorkloadLoad { model: IDLE_MODEL, curve: LoadCurve::default() });
        entry.curve = curve;
    }

    /// Add scripted fault windows.
    pub fn add_scripted_faults(&self, windows: Vec<FaultWindow>) {
        self.lock().scripted.extend(windows);
        self.faults_changed.send_modify(|n| *n += 1);
    }

    /// Set a run-time fault on `node` (`None` clears it; scripted faults apply again).
    pub fn set_fault(&self, node: &str, fault: Option<Fault>) {
        {
            let mut state = self.lock();
            match fault {
                Some(f) => state.overrides.insert(node.to_owned(), f),
                None => state.overrides.remove(node),
            };
        }
        self.faults_changed.send_modify(|n| *n += 1);
    }

    /// The fault in effect on `node` now.
    pub fn fault(&self, node: &str) -> Option<Fault> {
        let t = self.clock.now();
        let state = self.lock();
        state.overrides.get(node).copied().or_else(|| fault::scripted(&state.scripted, node, t))
    }

    /// Whether `node` has scripted faults (its server then re-checks faults periodically).
    pub fn has_scripted_faults(&self, node: &str) -> bool {
        self.lock().scripted.iter().any(|w| w.node == node)
    }

    /// A receiver that changes whenever faults are set.
    pub fn subscribe_faults(&self) -> watch::Receiver<u64> {
        self.faults_changed.subscribe()
    }

    /// Move every counter to scenario time `t` (no-op if `t` is not after the last advance), then
    /// OOM-kill containers over their memory limit.
    pub fn advance(&self, t: f64) {
        let _one_at_a_time = self.advancing.lock().unwrap_or_else(PoisonError::into_inner);
        self.advance_serialised(t);
    }

    fn advance_serialised(&self, t: f64) {
        let started_at = std::time::Instant::now();
        self.advance_model(t);
        self.lock().advance_cost = started_at.elapsed().as_secs_f64();
    }

    fn advance_model(&self, t: f64) {
        let (pods, _) = self.cluster.list_shared(&ResourceKey::new("", "pods"), None);
        let endpoints = self.endpoints();
        let nodes: HashSet<&str> = endpoints.iter().map(|e| e.node.as_str()).collect();
        let running = running_containers(&pods, &nodes);
        let mut ready_pods: HashMap<&(String, String), HashSet<&str>> = HashMap::new();
        for r in running.iter().filter(|r| r.ready) {
            ready_pods.entry(&r.workload).or_default().insert(r.pod);
        }
        let mut kills = Vec::new();
        {
            let mut state = self.lock();
            let dt = t - state.last;
            if dt <= 0.0 {
                return;
            }
            let mut node_increments: BTreeMap<&str, f64> = BTreeMap::new();
            let mut seen = HashSet::new();
            for r in &running {
                let key = (r.namespace.to_owned(), r.pod.to_owned(), r.container.to_owned());
                let load = state.workloads.get(&r.workload).cloned();
                let load = load.unwrap_or(WorkloadLoad { model: IDLE_MODEL, curve: LoadCurve::default() });
                let backoff = state.backoff.get(&key).copied().unwrap_or_default();
                let started = self.clock.scenario(r.started_unix);
                let fresh = ContainerState {
                    node: r.node.to_owned(),
                    started_unix: r.started_unix,
                    cpu_seconds: 0.0,
                    memory_bytes: 0.0,
                    last: started.max(backoff.reset_at).min(t),
                };
                let entry = state.containers.entry(key.clone()).or_insert_with(|| fresh.clone());
                if (entry.started_unix - r.started_unix).abs() > 1e-6 {
                    *entry = fresh;
                }
                let ctx = ContainerLoad {
                    model: &load.model,
                    curve: &load.curve,
                    pod: r.pod,
                    ready: r.ready,
                    ready_pods: ready_pods.get(&r.workload).map_or(0, HashSet::len),
                    started,
                    cpu_limit: r.cpu_limit,
                };
                let increment = ctx.cpu_core_seconds(entry.last, t);
                entry.cpu_seconds += increment;
                entry.last = t;
                entry.memory_bytes = ctx.memory_bytes(t);
                *node_increments.entry(r.node).or_default() += increment;
                if let Some(limit) = r.memory_limit
                    && entry.memory_bytes > limit
                    && t >= backoff.quiet_until
                {
                    kills.push((r.node, key.clone(), entry.memory_bytes, limit));
                }
                seen.insert(key);
            }
            state.containers.retain(|k, _| seen.contains(k));
            for (node, increment) in node_increments {
                *state.node_cpu.entry(node.to_owned()).or_default() += increment;
            }
            for e in &endpoints {
                *state.node_cpu.entry(e.node.clone()).or_default() += SYSTEM_CPU_MILLICORES / 1000.0 * dt;
            }
            for (_, key, _, _) in &kills {
                state.containers.remove(key);
                let b = state.backoff.entry(key.clone()).or_default();
                b.kills += 1;
                b.reset_at = t;
                b.quiet_until = t + (OOM_BACKOFF_SECONDS * 2f64.powi(b.kills as i32 - 1)).min(300.0);
            }
            let mut by_node: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
            for (key, c) in &state.containers {
                by_node.entry(c.node.clone()).or_default().push(key.clone());
            }
            state.by_node = by_node;
            state.last = t;
        }
        for (node, (ns, pod, container), memory, limit) in kills {
            let at = Timestamp::from_nanosecond((self.clock.unix(t) * 1e9) as i128)
                .unwrap_or_else(|_| Timestamp::now());
            if let Err(e) = oom::kill(&self.cluster, node, (&ns, &pod, &container), (memory, limit), at) {
                tracing::warn!(%ns, %pod, %container, error = %e, "recording an OOM kill failed");
            }
        }
    }

    /// `node`'s current sample, stamped with the time of the advance it reflects (advancing first
    /// if the model is older than [`MAX_STALENESS_SECONDS`]).
    pub fn scrape(&self, node: &str) -> NodeSample {
        {
            let _one_at_a_time = self.advancing.lock().unwrap_or_else(PoisonError::into_inner);
            let now = self.clock.now();
            let (last, cost) = {
                let state = self.lock();
                (state.last, state.advance_cost)
            };
            if now - last > MAX_STALENESS_SECONDS.max(2.0 * cost) {
                self.advance_serialised(now);
            }
        }
        let last = self.lock().last;
        self.sample(node, (self.clock.unix(last) * 1000.0).round() as i64)
    }

    /// `node`'s counters as of the last advance, stamped `timestamp_ms`.
    pub fn sample(&self, node: &str, timestamp_ms: i64) -> NodeSample {
        let state = self.lock();
        let keys = state.by_node.get(node).map_or(&[][..], Vec::as_slice);
        let containers: Vec<ContainerSample> = keys
            .iter()
            .filter_map(|key| state.containers.get(key).map(|c| (key, c)))
            .map(|((namespace, pod, container), c)| ContainerSample {
                namespace: namespace.clone(),
                pod: pod.clone(),
                container: container.clone(),
                cpu_seconds: c.cpu_seconds,
                memory_bytes: c.memory_bytes,
                start_time_seconds: c.started_unix,
            })
            .collect();
        let memory = SYSTEM_MEMORY_BYTES + containers.iter().map(|c| c.memory_bytes).sum::<f64>();
        let cpu = state.node_cpu.get(node).copied().unwrap_or(0.0);
        NodeSample { cpu_seconds: cpu, memory_bytes: memory, timestamp_ms, containers }
    }
}

#[cfg(test)]
mod tests;
