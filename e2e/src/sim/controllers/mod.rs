//! Controllers of the simulated cluster: Deployment → `ReplicaSet` → Pods, `StatefulSets`, the
//! scheduler, the kubelets' pod status (start, readiness, in-place resize), graceful deletion,
//! garbage collection and `PodDisruptionBudget` status.
//!
//! Model: one controller-manager task ([`run`]) watches the store like any client: an
//! [`informer::Informer`] keeps local copies of pods, nodes, `ReplicaSets`, Deployments,
//! `StatefulSets` and PDBs from the store's watch log, and every controller makes a full,
//! level-triggered pass over them. A pass runs after every change of the store (debounced by a
//! few milliseconds) and when a timer a controller asked for is due (readiness delays, grace
//! periods, resize actuation); controllers write through [`Cluster`] like API clients, with the
//! resourceVersion they read (a conflict is simply retried on the next pass). The informer is
//! re-synced between controllers, so each one sees the writes of those before it.
//!
//! Invariants: controllers never hold the cluster lock across an `.await`; the task stops when
//! the sim's shutdown signal flips. All time comes from `Ctx::now`, so the pure parts are
//! testable without a clock.

pub mod deletion;
pub mod deployment;
pub mod events;
pub mod hash;
pub mod informer;
pub mod lifecycle;
pub mod pdb;
pub mod pods;
pub mod quantity;
pub mod replicaset;
pub mod resize;
pub mod scheduler;
pub mod statefulset;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::watch;

use self::informer::Informer;
use super::cluster::Cluster;
use super::store::UpdateScope;

pub use self::lifecycle::{RestartError, record_container_restart};

/// Tunables of the controllers (part of [`super::SimConfig`]).
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// Run the controllers at all (off: objects are only stored, as before controllers existed).
    pub enabled: bool,
    /// Upper bound of a pod's simulated termination: a pod deleted with grace period `g` is
    /// removed after `min(g, max_grace)`.
    pub max_grace: Duration,
    /// How long an accepted in-place resize stays `PodResizeInProgress` before it is actuated.
    pub resize_delay: Duration,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        Self { enabled: true, max_grace: Duration::from_secs(1), resize_delay: Duration::from_millis(200) }
    }
}

/// Store keys of the resources the controllers work on.
pub mod keys {
    use crate::sim::store::ResourceKey;

    /// `pods`.
    pub fn pods() -> ResourceKey {
        ResourceKey::new("", "pods")
    }
    /// `nodes`.
    pub fn nodes() -> ResourceKey {
        ResourceKey::new("", "nodes")
    }
    /// `replicasets.apps`.
    pub fn replicasets() -> ResourceKey {
        ResourceKey::new("apps", "replicasets")
    }
    /// `deployments.apps`.
    pub fn deployments() -> ResourceKey {
        ResourceKey::new("apps", "deployments")
    }
    /// `statefulsets.apps`.
    pub fn statefulsets() -> ResourceKey {
        ResourceKey::new("apps", "statefulsets")
    }
    /// `poddisruptionbudgets.policy`.
    pub fn pdbs() -> ResourceKey {
        ResourceKey::new("policy", "poddisruptionbudgets")
    }
}

/// What a controller pass works with.
pub struct Ctx<'a> {
    /// Where writes go.
    pub cluster: &'a Cluster,
    /// Local copies of the inputs.
    pub informer: &'a Informer,
    /// The time of this pass.
    pub now: Timestamp,
    /// Tunables.
    pub settings: &'a ControllerSettings,
}

impl Ctx<'_> {
    /// Write `obj` (carrying the resourceVersion it was read at); false on any failure (a
    /// conflict is retried by the next pass, which a concurrent write always triggers).
    pub fn write(&self, key: &super::store::ResourceKey, obj: Value, scope: UpdateScope) -> bool {
        match self.cluster.update(key, obj, scope, false) {
            Ok(_) => true,
            Err(e) => {
                tracing::debug!(resource = %key.qualified(), error = %e, "controller write failed");
                false
            }
        }
    }
}

/// `t + d`, saturating at the end of time.
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    let nanos = t.as_nanosecond().saturating_add(i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
    Timestamp::from_nanosecond(nanos).unwrap_or(Timestamp::MAX)
}

/// An `IntOrString` (`3` or `"25%"`) scaled against `total`, as `intstr.GetScaledValueFromIntOrPercent`
/// (percentages round up or down; unparsable values count 0).
pub fn int_or_percent(value: &Value, total: i64, round_up: bool) -> i64 {
    if let Some(n) = value.as_i64() {
        return n;
    }
    let Some(text) = value.as_str() else { return 0 };
    match text.strip_suffix('%') {
        Some(p) => {
            let pct: i64 = p.parse().unwrap_or(0);
            let scaled = total * pct;
            if round_up { (scaled + 99).div_euclid(100) } else { scaled.div_euclid(100) }
        }
        None => text.parse().unwrap_or(0),
    }
}

/// The controllers' state across passes.
#[derive(Debug)]
struct Manager {
    settings: ControllerSettings,
    informer: Informer,
    terminator: deletion::Terminator,
    scheduler: scheduler::Scheduler,
    lifecycle: lifecycle::Lifecycle,
    resizer: resize::Resizer,
}

impl Manager {
    fn new(settings: ControllerSettings) -> Self {
        let informer = Informer::new(&[
            keys::pods(),
            keys::nodes(),
            keys::replicasets(),
            keys::deployments(),
            keys::statefulsets(),
            keys::pdbs(),
        ]);
        Self {
            settings,
            informer,
            terminator: deletion::Terminator::default(),
            scheduler: scheduler::Scheduler::default(),
            lifecycle: lifecycle::Lifecycle::default(),
            resizer: resize::Resizer::default(),
        }
    }

    /// One pass of every controller; returns the earliest time one of them wants to run again.
    fn pass(&mut self, cluster: &Cluster, now: Timestamp) -> Option<Timestamp> {
        let Self { settings, informer, terminator, scheduler, lifecycle, resizer } = self;
        deletion::collect_garbage(&synced(cluster, informer, settings, now));
        let deleting = terminator.reconcile(&synced(cluster, informer, settings, now));
        deployment::reconcile(&synced(cluster, informer, settings, now));
        replicaset::reconcile(&synced(cluster, informer, settings, now));
        statefulset::reconcile(&synced(cluster, informer, settings, now));
        scheduler.reconcile(&synced(cluster, informer, settings, now));
        let readiness = lifecycle.reconcile(&synced(cluster, informer, settings, now));
        let resizing = resizer.reconcile(&synced(cluster, informer, settings, now));
        pdb::reconcile(&synced(cluster, informer, settings, now));
        [deleting, readiness, resizing].into_iter().flatten().min()
    }
}

/// A pass context after catching the informer up with the store.
fn synced<'a>(
    cluster: &'a Cluster,
    informer: &'a mut Informer,
    settings: &'a ControllerSettings,
    now: Timestamp,
) -> Ctx<'a> {
    informer.sync(cluster);
    Ctx { cluster, informer, now, settings }
}

/// Longest sleep between two passes.
const SAFETY_NET: Duration = Duration::from_secs(5);

/// Run the controllers until `shutdown` becomes true (or its sender is dropped).
pub async fn run(cluster: Arc<Cluster>, settings: ControllerSettings, mut shutdown: watch::Receiver<bool>) {
    if !settings.enabled {
        return;
    }
    let mut manager = Manager::new(settings);
    let mut changes = cluster.subscribe();
    loop {
        if *shutdown.borrow() {
            break;
        }
        changes.borrow_and_update();
        let now = Timestamp::now();
        // A pass over a large cluster is CPU work: run it off the async workers so the API
        // server keeps answering meanwhile.
        let shared = Arc::clone(&cluster);
        let Ok((returned, next)) = tokio::task::spawn_blocking(move || {
            let next = manager.pass(&shared, now);
            (manager, next)
        })
        .await
        else {
            break;
        };
        manager = returned;
        // Wake for the earliest timer, and every few seconds as a safety net (changes wake the
        // loop anyway; a full pass over a large cluster is not free).
        // A timer already due (negative duration) means: run again at once.
        let wait = next
            .map_or(SAFETY_NET, |t| {
                Duration::try_from(t.duration_since(Timestamp::now())).unwrap_or(Duration::ZERO)
            })
            .min(SAFETY_NET);
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    break;
                }
                // Debounce bursts of writes (a kubectl apply, a controller's own writes).
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            () = tokio::time::sleep(wait) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jiff::Timestamp;
    use serde_json::json;

    use super::{add, int_or_percent};

    #[test]
    fn int_or_percent_scales_percentages_with_rounding() {
        assert_eq!(int_or_percent(&json!(3), 10, true), 3);
        assert_eq!(int_or_percent(&json!("25%"), 10, true), 3);
        assert_eq!(int_or_percent(&json!("25%"), 10, false), 2);
        assert_eq!(int_or_percent(&json!("5"), 10, false), 5);
        assert_eq!(int_or_percent(&json!(null), 10, false), 0);
    }

    #[test]
    fn adding_durations_saturates() {
        let t = Timestamp::from_second(10).unwrap();
        assert_eq!(add(t, Duration::from_secs(5)), Timestamp::from_second(15).unwrap());
        assert_eq!(add(Timestamp::MAX, Duration::from_secs(5)), Timestamp::MAX);
    }
}
