//! The HPA controller: `autoscaling/v2` `HorizontalPodAutoscaler`s and `AutoscalingPolicy` objects on
//! a real API server, one pure [`crate::hpa::sync::sync`] per object per sync period.
//!
//! # Model
//!
//! Watches feed caches (HPAs, policies, pods) and a [`queue::WorkQueue`]; bounded workers take keys
//! and run [`reconcile::reconcile`] on the [`autoscaler::Autoscaler`] view of the cached object:
//! read `/scale` → selector checks (missing, invalid, ambiguous across HPAs *and* policies) → pods
//! from the cache → samples per metric → `sync()` → at most one `/scale` write (one retry after a
//! conflict) → events → one status write when the status changed → the history persisted beside it.
//! Every key is re-queued one sync period after each reconcile, success or error, as upstream's
//! fixed-interval rate limiter does.
//!
//! # Invariants
//!
//! - All I/O goes through the traits of [`clients`]; tests run the same code on [`memory`].
//! - Only the leader writes ([`leader`]); a non-leader drops its in-memory histories so that on
//!   takeover it restores the ones the previous leader persisted ([`history`]).
//! - An HPA whose status another controller writes is left alone ([`ownership`]).
//! - `now` is read once per reconcile, by the caller, and passed down.

pub mod autoscaler;
pub mod clients;
mod explain;
mod fetch;
pub mod history;
pub mod kubeio;
pub mod leader;
#[cfg(test)]
mod memory;
pub mod ownership;
pub mod queue;
pub mod reconcile;
mod run;
pub mod status;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::SignedDuration;

use self::clients::{
    CustomMetrics, EventRecorder, ExternalMetrics, ObjectKey, PodLister, ResourceMetrics, ScaleClient,
    StatusWriter,
};
use self::ownership::{CompetingWriters, SelectorIndex};
use crate::hpa::behavior::History;

pub use self::autoscaler::{Autoscaler, MANAGED_ANNOTATION};
pub use self::reconcile::{Outcome, ReconcileError, reconcile};
pub use self::run::{RunError, run, run_reporting};

/// Which HPAs bellows reconciles (`--hpa-scope`). Policies are always reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HpaScope {
    /// Every HPA.
    #[default]
    All,
    /// HPAs annotated `autoscaling.bellows.dev/managed: "true"`.
    Annotated,
    /// No HPA (policies only).
    None,
}

impl HpaScope {
    /// Whether an HPA with these annotations is in scope.
    pub fn admits(self, annotations: &std::collections::BTreeMap<String, String>) -> bool {
        match self {
            Self::All => true,
            Self::Annotated => annotations.get(MANAGED_ANNOTATION).is_some_and(|v| v == "true"),
            Self::None => false,
        }
    }
}

fn go_duration(text: &str) -> Result<Duration, String> {
    crate::goduration::parse(text).map_err(|e| e.to_string())
}

/// The controller's flags, named as kube-controller-manager's; flattened into `bellows run`.
#[derive(Debug, Clone, clap::Args)]
pub struct ControllerArgs {
    /// How often every autoscaler is reconciled.
    #[arg(long = "horizontal-pod-autoscaler-sync-period", default_value = "15s", value_parser = go_duration)]
    pub sync_period: Duration,
    /// Minimum relative change of the usage ratio that causes scaling (per-HPA
    /// `behavior.*.tolerance` overrides it).
    #[arg(long = "horizontal-pod-autoscaler-tolerance", default_value_t = 0.1)]
    pub tolerance: f64,
    /// Scale-down stabilization window of HPAs without `behavior`, and the default of those with.
    #[arg(long = "horizontal-pod-autoscaler-downscale-stabilization", default_value = "5m", value_parser = go_duration)]
    pub downscale_stabilization: Duration,
    /// How long after a pod starts its CPU samples are treated as initializing.
    #[arg(long = "horizontal-pod-autoscaler-cpu-initialization-period", default_value = "5m", value_parser = go_duration)]
    pub cpu_initialization_period: Duration,
    /// How long after a pod starts a readiness change counts as initial.
    #[arg(long = "horizontal-pod-autoscaler-initial-readiness-delay", default_value = "30s", value_parser = go_duration)]
    pub initial_readiness_delay: Duration,
    /// Autoscalers reconciled concurrently.
    #[arg(long = "concurrent-horizontal-pod-autoscaler-syncs", default_value_t = 5)]
    pub concurrent_syncs: usize,
    /// Which HPAs to reconcile: all, annotated (`autoscaling.bellows.dev/managed: "true"`), none.
    #[arg(long = "hpa-scope", value_enum, default_value_t = HpaScope::All)]
    pub hpa_scope: HpaScope,
    /// Take the Lease `bellows-hpa` before writing; only the holder writes.
    #[arg(long = "leader-elect", default_value_t = false)]
    pub leader_elect: bool,
    /// Namespace of the Lease (default: the pod's namespace, else `default`).
    #[arg(long = "leader-elect-namespace", env = "POD_NAMESPACE")]
    pub leader_elect_namespace: Option<String>,
}

/// Settings reconcile reads, from [`ControllerArgs`] or built directly in tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// `--horizontal-pod-autoscaler-sync-period`.
    pub sync_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-tolerance`.
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`.
    pub downscale_stabilization: SignedDuration,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay: SignedDuration,
    /// `--concurrent-horizontal-pod-autoscaler-syncs`.
    pub concurrent_syncs: usize,
    /// `--hpa-scope`.
    pub scope: HpaScope,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            sync_period: SignedDuration::from_secs(15),
            tolerance: 0.1,
            downscale_stabilization: SignedDuration::from_mins(5),
            cpu_initialization_period: SignedDuration::from_mins(5),
            initial_readiness_delay: SignedDuration::from_secs(30),
            concurrent_syncs: 5,
            scope: HpaScope::All,
        }
    }
}

/// A `std` duration as a jiff one, saturating (flag values are small).
fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

impl From<&ControllerArgs> for Config {
    fn from(a: &ControllerArgs) -> Self {
        Self {
            sync_period: signed(a.sync_period),
            tolerance: a.tolerance,
            downscale_stabilization: signed(a.downscale_stabilization),
            cpu_initialization_period: signed(a.cpu_initialization_period),
            initial_readiness_delay: signed(a.initial_readiness_delay),
            concurrent_syncs: a.concurrent_syncs.max(1),
            scope: a.hpa_scope,
        }
    }
}

/// Every I/O port the controller uses.
#[derive(Clone)]
pub struct Clients {
    /// `/scale` of any kind.
    pub scale: Arc<dyn ScaleClient>,
    /// Pods from the cache.
    pub pods: Arc<dyn PodLister>,
    /// Resource metrics (in-process store or `metrics.k8s.io`).
    pub resource_metrics: Arc<dyn ResourceMetrics>,
    /// `custom.metrics.k8s.io`.
    pub custom_metrics: Arc<dyn CustomMetrics>,
    /// `external.metrics.k8s.io`.
    pub external_metrics: Arc<dyn ExternalMetrics>,
    /// Status and annotation writes.
    pub status: Arc<dyn StatusWriter>,
    /// Events.
    pub events: Arc<dyn EventRecorder>,
}

/// Memory that outlives one reconcile.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Decision history per autoscaler (upstream's three maps in one).
    pub histories: HashMap<ObjectKey, History>,
    /// Scale selectors, for `AmbiguousSelector`.
    pub selectors: SelectorIndex,
    /// Foreign status writers.
    pub competing: CompetingWriters,
}

/// Shared by every worker.
pub struct Context {
    /// I/O ports.
    pub clients: Clients,
    /// Settings.
    pub config: Config,
    leader: Arc<AtomicBool>,
    state: Mutex<State>,
}

impl Context {
    /// A context over `clients`; it starts as leader (call [`Context::leader_flag`] and clear it
    /// to run as a follower until elected).
    pub fn new(clients: Clients, config: Config) -> Self {
        Self { clients, config, leader: Arc::new(AtomicBool::new(true)), state: Mutex::default() }
    }

    /// The flag leader election sets; only while it is `true` does the controller write.
    pub fn leader_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.leader)
    }

    /// Whether this replica may write.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A worker that panicked mid-update leaves plain maps behind; they stay usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets everything about a deleted or out-of-scope autoscaler (upstream deletes its
    /// recommendations and events when the HPA is gone).
    pub fn forget(&self, key: &ObjectKey) {
        let mut state = self.state();
        state.histories.remove(key);
        state.selectors.remove(key);
        state.competing.remove(key);
    }

    /// The in-memory history of `key` (tests and diagnostics).
    pub fn history(&self, key: &ObjectKey) -> Option<History> {
        self.state().histories.get(key).cloned()
    }
}
