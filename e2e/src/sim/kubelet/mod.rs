//! Simulated kubelets: one HTTPS listener per node on its own loopback address, serving `/healthz`
//! and `/metrics/resource` from the [`load`] model, with scripted and run-time [`fault`]s and OOM
//! kills ([`oom`]).
//!
//! Model: [`Kubelets`] keeps, per running container, a cumulative CPU counter and a working set.
//! [`Kubelets::advance`] moves every counter from the last advance to scenario time `t` by the exact
//! integral of the load model (the set of Ready pods is read from the store at the advance and taken
//! as constant over the interval); a background task advances once a second, and a scrape advances
//! first when the model is older than [`MAX_STALENESS_SECONDS`] (unless another advance is under
//! way: then it reports the last one); samples carry the time of the advance they reflect. On a
//! large cluster both wait longer, so that advancing takes at most [`ADVANCE_SHARE`] of the wall
//! time (a real kubelet's stats are seconds old too). Node counters add a small system base.
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

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

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
/// cluster whose advance takes longer, the bound is the last advance's wall time divided by
/// [`ADVANCE_SHARE`].
pub const MAX_STALENESS_SECONDS: f64 = 0.25;
/// The largest share of wall time the model spends advancing: at 150,000 containers an advance
/// takes a few hundred milliseconds, and advancing on every scrape would starve the sim's server.
pub const ADVANCE_SHARE: f64 = 0.1;
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

/// One running container's counters, kept in its node's list.
#[derive(Debug, Clone)]
struct ContainerState {
    namespace: String,
    pod: String,
    container: String,
    started_unix: f64,
    cpu_seconds: f64,
    memory_bytes: f64,
    last: f64,
    /// The advance that last saw the container running (older ones are dropped).
    seen: u64,
}

impl ContainerState {
    fn is(&self, namespace: &str, pod: &str, container: &str) -> bool {
        self.pod == pod && self.container == container && self.namespace == namespace
    }
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
    /// Running containers per node: a scrape reads only its node's list, and an advance finds a
    /// container among its node's few dozen without allocating a key (at 150,000 containers an
    /// advance once a second must stay cheap).
    nodes: HashMap<String, Vec<ContainerState>>,
    /// Advances so far (stamps [`ContainerState::seen`]).
    generation: u64,
    /// Wall-clock seconds the last advance took; scrapes and ticks tolerate a model that much
    /// older divided by [`ADVANCE_SHARE`] (see [`Kubelets::advance_if_stale`]).
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

    /// Advance to `now` if the model is older than `floor` seconds, or than the last advance's
    /// cost divided by [`ADVANCE_SHARE`] on a cluster large enough for that to be longer.
    ///
    /// Once the model has been advanced, an advance already running on another thread is not
    /// waited for: the caller reports the previous one, as a kubelet whose stats are being
    /// refreshed does, so scrapes arriving during a long advance do not queue behind it.
    pub fn advance_if_stale(&self, now: f64, floor: f64) {
        let _one_at_a_time = match self.advancing.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) if self.lock().generation > 0 => return,
            Err(TryLockError::WouldBlock) => self.advancing.lock().unwrap_or_else(PoisonError::into_inner),
        };
        let (last, cost, never) = {
            let state = self.lock();
            (state.last, state.advance_cost, state.generation == 0)
        };
        if never || now - last > floor.max(cost / ADVANCE_SHARE) {
            self.advance_serialised(now);
        }
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
        let mut ready_pods: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
        for r in running.iter().filter(|r| r.ready) {
            ready_pods.entry(r.workload).or_default().insert(r.pod);
        }
        let idle = WorkloadLoad { model: IDLE_MODEL, curve: LoadCurve::default() };
        let mut kills = Vec::new();
        {
            let mut state = self.lock();
            let dt = t - state.last;
            if dt <= 0.0 {
                return;
            }
            state.generation += 1;
            let State { workloads, nodes: tracked, backoff: backoffs, node_cpu, generation, .. } =
                &mut *state;
            let loads: HashMap<(&str, &str), &WorkloadLoad> =
                workloads.iter().map(|((ns, name), load)| ((ns.as_str(), name.as_str()), load)).collect();
            let mut node_increments: HashMap<&str, f64> = HashMap::new();
            for r in &running {
                let load = loads.get(&r.workload).copied().unwrap_or(&idle);
                // Back-off entries exist only after OOM kills; most advances never build a key.
                let backoff = if backoffs.is_empty() {
                    Backoff::default()
                } else {
                    let key = (r.namespace.to_owned(), r.pod.to_owned(), r.container.to_owned());
                    backoffs.get(&key).copied().unwrap_or_default()
                };
                let started = self.clock.scenario(r.started_unix);
                let fresh = || ContainerState {
                    namespace: r.namespace.to_owned(),
                    pod: r.pod.to_owned(),
                    container: r.container.to_owned(),
                    started_unix: r.started_unix,
                    cpu_seconds: 0.0,
                    memory_bytes: 0.0,
                    last: started.max(backoff.reset_at).min(t),
                    seen: *generation,
                };
                if !tracked.contains_key(r.node) {
                    tracked.insert(r.node.to_owned(), Vec::new());
                }
                let list = tracked.get_mut(r.node).expect("inserted above");
                let i = if let Some(i) = list.iter().position(|c| c.is(r.namespace, r.pod, r.container)) {
                    i
                } else {
                    list.push(fresh());
                    list.len() - 1
                };
                let entry = &mut list[i];
                if (entry.started_unix - r.started_unix).abs() > 1e-6 {
                    *entry = fresh();
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
                entry.seen = *generation;
                entry.memory_bytes = ctx.memory_bytes(t);
                *node_increments.entry(r.node).or_default() += increment;
                if let Some(limit) = r.memory_limit
                    && entry.memory_bytes > limit
                    && t >= backoff.quiet_until
                {
                    kills.push((r.node, (r.namespace, r.pod, r.container), entry.memory_bytes, limit));
                }
            }
            for list in tracked.values_mut() {
                list.retain(|c| c.seen == *generation);
            }
            for (node, increment) in node_increments {
                *node_cpu.entry(node.to_owned()).or_default() += increment;
            }
            for e in &endpoints {
                *node_cpu.entry(e.node.clone()).or_default() += SYSTEM_CPU_MILLICORES / 1000.0 * dt;
            }
            for (node, (ns, pod, container), _, _) in &kills {
                if let Some(list) = tracked.get_mut(*node) {
                    list.retain(|c| !c.is(ns, pod, container));
                }
                let key = ((*ns).to_owned(), (*pod).to_owned(), (*container).to_owned());
                let b = backoffs.entry(key).or_default();
                b.kills += 1;
                b.reset_at = t;
                b.quiet_until = t + (OOM_BACKOFF_SECONDS * 2f64.powi(b.kills as i32 - 1)).min(300.0);
            }
            state.last = t;
        }
        for (node, (ns, pod, container), memory, limit) in kills {
            let at = Timestamp::from_nanosecond((self.clock.unix(t) * 1e9) as i128)
                .unwrap_or_else(|_| Timestamp::now());
            if let Err(e) = oom::kill(&self.cluster, node, (ns, pod, container), (memory, limit), at) {
                tracing::warn!(%ns, %pod, %container, error = %e, "recording an OOM kill failed");
            }
        }
    }

    /// Wall-clock seconds the last advance of the model took.
    pub fn last_advance_seconds(&self) -> f64 {
        self.lock().advance_cost
    }

    /// `node`'s current sample, stamped with the time of the advance it reflects (advancing first
    /// if the model is older than [`MAX_STALENESS_SECONDS`], see [`Kubelets::advance_if_stale`]).
    pub fn scrape(&self, node: &str) -> NodeSample {
        self.advance_if_stale(self.clock.now(), MAX_STALENESS_SECONDS);
        let last = self.lock().last;
        self.sample(node, (self.clock.unix(last) * 1000.0).round() as i64)
    }

    /// `node`'s counters as of the last advance, stamped `timestamp_ms`.
    pub fn sample(&self, node: &str, timestamp_ms: i64) -> NodeSample {
        let state = self.lock();
        let tracked = state.nodes.get(node).map_or(&[][..], Vec::as_slice);
        let containers: Vec<ContainerSample> = tracked
            .iter()
            .map(|c| ContainerSample {
                namespace: c.namespace.clone(),
                pod: c.pod.clone(),
                container: c.container.clone(),
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
