//! Graceful pod deletion and the garbage collector.
//!
//! Graceful deletion ([`delete_pod`]), as kube-apiserver's pod strategy does it: a pod bound to a
//! node gets `metadata.deletionTimestamp = now + grace` and `deletionGracePeriodSeconds = grace`
//! (grace from `DeleteOptions`, else `spec.terminationGracePeriodSeconds`, else 30) and stays until
//! its kubelet confirms; a pod never scheduled, already finished, or deleted with grace 0 is
//! removed at once. A second delete may only shorten the grace period.
//!
//! The "kubelet confirms" part is [`Terminator`]: a terminating pod is removed for good
//! `min(grace, max_grace)` after the sim first saw it terminating (`max_grace` is a
//! [`super::ControllerSettings`] knob, 1 s by default, so tests stay fast), with a `Killing` event
//! per container.
//!
//! Garbage collection ([`collect_garbage`]): background propagation only. An object of a cached
//! resource whose `ownerReferences` all name owners that no longer exist (by uid) is deleted
//! (pods gracefully).

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, Note, Source};
use super::pods::{is_terminating, name_ns, uid};
use super::{Ctx, add, keys};
use crate::sim::cluster::Cluster;
use crate::sim::resources::ResourceTable;
use crate::sim::status::ApiError;
use crate::sim::store::{ResourceKey, UpdateScope, format_time};

/// Default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Delete a pod gracefully (see the module documentation); returns the pod as the API answers a
/// DELETE: with `deletionTimestamp` while it terminates, its last state when removed at once.
pub fn delete_pod(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    grace: Option<i64>,
    dry_run: bool,
    now: Timestamp,
) -> Result<Value, ApiError> {
    let key = keys::pods();
    for _ in 0..5 {
        let Some(pod) = cluster.get(&key, namespace, name) else {
            let msg = format!("pods \"{name}\" not found");
            return Err(ApiError::new(404, "NotFound", msg).about(&key, name));
        };
        let grace = grace
            .or_else(|| pod["spec"]["terminationGracePeriodSeconds"].as_i64())
            .unwrap_or(DEFAULT_GRACE_SECONDS)
            .max(0);
        let unbound = pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty);
        let finished = matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
        if grace == 0 || unbound || finished {
            return cluster.delete(&key, namespace, name, dry_run);
        }
        let current = pod["metadata"]["deletionGracePeriodSeconds"].as_i64();
        if current.is_some_and(|c| c <= grace) {
            return Ok(pod);
        }
        let mut updated = pod.clone();
        let deadline = add(now, Duration::from_secs(grace.unsigned_abs()));
        updated["metadata"]["deletionTimestamp"] = json!(format_time(deadline));
        updated["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        match cluster.update(&key, updated, UpdateScope::Main, dry_run) {
            Err(e) if e.reason == "Conflict" => {}
            other => return other,
        }
    }
    Err(ApiError::new(
        409,
        "Conflict",
        format!("Operation cannot be fulfilled on pods \"{name}\": too many concurrent writers"),
    ))
}

/// Removes terminating pods once their (capped) grace period has passed.
#[derive(Debug, Default)]
pub struct Terminator {
    /// Pod uid → when it is removed.
    deadlines: HashMap<String, Timestamp>,
}

impl Terminator {
    /// One pass; returns the earliest pending deadline.
    pub fn reconcile(&mut self, ctx: &Ctx<'_>) -> Option<Timestamp> {
        let pods = ctx.informer.objects(&keys::pods());
        let mut seen = Vec::new();
        let mut next: Option<Timestamp> = None;
        for pod in pods.values().filter(|p| is_terminating(p)) {
            let id = uid(pod).to_owned();
            let grace = pod["metadata"]["deletionGracePeriodSeconds"].as_i64().unwrap_or(0).max(0);
            let capped = Duration::from_secs(grace.unsigned_abs()).min(ctx.settings.max_grace);
            let deadline = *self.deadlines.entry(id.clone()).or_insert_with(|| {
                kill_event(ctx, pod);
                add(ctx.now, capped)
            });
            // A shortened grace period moves the deadline forward.
            let deadline = deadline.min(add(ctx.now, capped));
            self.deadlines.insert(id.clone(), deadline);
            if deadline <= ctx.now {
                let (name, ns) = name_ns(pod);
                let _ = ctx.cluster.delete(&keys::pods(), ns, name, false);
            } else {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
                seen.push(id);
            }
        }
        self.deadlines.retain(|id, _| seen.contains(id));
        next
    }
}

fn kill_event(ctx: &Ctx<'_>, pod: &Value) {
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let msg = format!("Stopping container {}", c["name"].as_str().unwrap_or_default());
        events::record(
            ctx.cluster,
            pod,
            "v1",
            "Pod",
            Source::kubelet(node),
            Note::normal("Killing", &msg),
            ctx.now,
        );
    }
}

/// The resources whose objects the garbage collector checks for vanished owners.
fn dependents() -> [ResourceKey; 4] {
    [keys::pods(), keys::replicasets(), keys::statefulsets(), keys::deployments()]
}

/// Whether the owner an ownerReference names still exists with that uid.
fn owner_exists(ctx: &Ctx<'_>, table: &ResourceTable, namespace: &str, reference: &Value) -> bool {
    let api_version = reference["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = reference["kind"].as_str().unwrap_or_default();
    let name = reference["name"].as_str().unwrap_or_default();
    let want = reference["uid"].as_str().unwrap_or_default();
    let Some(info) = table.find_kind(group, kind) else {
        // An owner of a kind the sim does not serve cannot be checked; keep the dependent.
        return true;
    };
    let key = ResourceKey::new(&info.group, &info.plural);
    let ns = if info.namespaced { namespace } else { "" };
    let cached = ctx.informer.get(&key, ns, name).is_some_and(|o| uid(o) == want);
    // The cache may lag behind the store; only the store can say an owner is gone.
    cached || ctx.cluster.get(&key, ns, name).is_some_and(|o| uid(&o) == want)
}

/// Delete objects whose owners are all gone.
pub fn collect_garbage(ctx: &Ctx<'_>) {
    let table = ctx.cluster.table();
    for key in dependents() {
        for obj in ctx.informer.objects(&key).values() {
            let Some(refs) = obj["metadata"]["ownerReferences"].as_array().filter(|r| !r.is_empty()) else {
                continue;
            };
            let (name, ns) = name_ns(obj);
            if refs.iter().any(|r| owner_exists(ctx, &table, ns, r)) {
                continue;
            }
            if key == keys::pods() {
                if !is_terminating(obj) {
                    let _ = delete_pod(ctx.cluster, ns, name, None, false, ctx.now);
                }
            } else {
                let _ = ctx.cluster.delete(&key, ns, name, false);
            }
        }
    }
}
