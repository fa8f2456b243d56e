//! Deployment controller: Deployment → `ReplicaSets`, after `pkg/controller/deployment`.
//!
//! Model, per Deployment (level-triggered, one step per pass):
//! - the *new* `ReplicaSet` is the owned one whose `pod-template-hash` label equals the hash of the
//!   current template; it is created as `<deployment>-<hash>` with the hash in its labels, selector
//!   and template, a controller ownerReference and `deployment.kubernetes.io/revision` one above
//!   the highest old revision (a rollback re-numbers the matching old `ReplicaSet`);
//! - `Recreate`: old `ReplicaSets` go to 0, and once their pods are gone the new one is scaled up;
//! - `RollingUpdate`: the new `ReplicaSet` grows while the sum of all `ReplicaSets`' replicas stays
//!   within `replicas + maxSurge`, old ones shrink while available pods stay at least
//!   `replicas - maxUnavailable` (unhealthy old replicas first), as `rolloutRolling` does;
//!   without old replicas the new `ReplicaSet` is simply scaled to `spec.replicas`;
//! - old `ReplicaSets` at 0 beyond `revisionHistoryLimit` are deleted;
//! - `status` is computed from the `ReplicaSets`' statuses with the `Available`/`Progressing`
//!   conditions and `ScalingReplicaSet` events as upstream words them.
//!
//! Not modelled: `paused` beyond freezing scaling, proportional scaling of several `ReplicaSets`
//! during a rollout, `minReadySeconds`, progress deadlines, hash collisions.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, Note, Source};
use super::hash::template_hash;
use super::pods::{controller_ref, controller_uid, is_terminating, name_ns, uid};
use super::{Ctx, int_or_percent, keys};
use crate::sim::store::{UpdateScope, format_time};

const HASH_LABEL: &str = "pod-template-hash";
const REVISION: &str = "deployment.kubernetes.io/revision";
const SOURCE: Source<'static> = Source::controller("deployment-controller");

fn replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

fn status_int(obj: &Value, field: &str) -> i64 {
    obj["status"][field].as_i64().unwrap_or(0)
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION].as_str().and_then(|r| r.parse().ok()).unwrap_or(0)
}

/// `maxSurge` and `maxUnavailable` resolved against `replicas` (surge rounds up, unavailable
/// down; both 0 means unavailable 1), as `deploymentutil.ResolveFenceposts` does.
pub fn fenceposts(deploy: &Value) -> (i64, i64) {
    let rolling = &deploy["spec"]["strategy"]["rollingUpdate"];
    let desired = replicas(deploy);
    let default = json!("25%");
    let surge_v = if rolling["maxSurge"].is_null() { &default } else { &rolling["maxSurge"] };
    let unavailable_v =
        if rolling["maxUnavailable"].is_null() { &default } else { &rolling["maxUnavailable"] };
    let surge = int_or_percent(surge_v, desired, true);
    let unavailable = int_or_percent(unavailable_v, desired, false);
    if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
}

/// Reconcile every Deployment once.
pub fn reconcile(ctx: &Ctx<'_>) {
    let deployments: Vec<&Value> = ctx.informer.values(&keys::deployments()).collect();
    for deploy in deployments {
        if !is_terminating(deploy) {
            reconcile_one(ctx, deploy);
        }
    }
}

fn owned_replicasets<'a>(ctx: &'a Ctx<'_>, deploy: &Value) -> Vec<&'a Value> {
    let (_, ns) = name_ns(deploy);
    let mut owned: Vec<&Value> = ctx
        .informer
        .values(&keys::replicasets())
        .filter(|rs| name_ns(rs).1 == ns && controller_uid(rs) == Some(uid(deploy)))
        .collect();
    // Oldest first, as the scale-down order wants.
    owned.sort_by(|a, b| {
        let t = |o: &Value| o["metadata"]["creationTimestamp"].as_str().unwrap_or_default().to_owned();
        t(a).cmp(&t(b)).then_with(|| name_ns(a).0.cmp(name_ns(b).0))
    });
    owned
}

fn reconcile_one(ctx: &Ctx<'_>, deploy: &Value) {
    let template = &deploy["spec"]["template"];
    let hash = template_hash(template);
    let all = owned_replicasets(ctx, deploy);
    let (new, old): (Vec<&Value>, Vec<&Value>) =
        all.iter().partition(|rs| rs["metadata"]["labels"][HASH_LABEL].as_str() == Some(hash.as_str()));
    let new = new.first().copied();
    let paused = deploy["spec"]["paused"].as_bool() == Some(true);
    if !paused {
        match new {
            None => {
                create_new_replicaset(ctx, deploy, &hash, &old);
                return;
            }
            Some(new_rs) => {
                let max_old = old.iter().map(|rs| revision(rs)).max().unwrap_or(0);
                if revision(new_rs) <= max_old {
                    let mut updated = new_rs.clone();
                    updated["metadata"]["annotations"][REVISION] = json!((max_old + 1).to_string());
                    ctx.write(&keys::replicasets(), updated, UpdateScope::Main);
                    return;
                }
                if deploy["spec"]["strategy"]["type"] == "Recreate" {
                    recreate(ctx, deploy, new_rs, &old);
                } else {
                    rolling(ctx, deploy, new_rs, &old);
                }
                cleanup(ctx, deploy, &old);
            }
        }
    }
    sync_status(ctx, deploy, new, &all);
}

fn create_new_replicaset(ctx: &Ctx<'_>, deploy: &Value, hash: &str, old: &[&Value]) {
    let (name, ns) = name_ns(deploy);
    let desired = replicas(deploy);
    let old_total: i64 = old.iter().map(|rs| replicas(rs)).sum();
    let initial = if old_total == 0 {
        desired
    } else if deploy["spec"]["strategy"]["type"] == "Recreate" {
        0
    } else {
        let (surge, _) = fenceposts(deploy);
        (desired + surge - old_total).clamp(0, desired)
    };
    let mut template = deploy["spec"]["template"].clone();
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = deploy["spec"]["selector"].clone();
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let mut labels = deploy["spec"]["template"]["metadata"]["labels"].clone();
    labels[HASH_LABEL] = json!(hash);
    let next_revision = old.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
    let (surge, _) = fenceposts(deploy);
    let rs_name = format!("{name}-{hash}");
    let rs = json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": rs_name, "namespace": ns, "labels": labels,
            "annotations": {REVISION: next_revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                "deployment.kubernetes.io/max-replicas": (desired + surge).to_string()},
            "ownerReferences": [controller_ref(deploy, "apps/v1", "Deployment")]},
        "spec": {"replicas": initial, "selector": selector, "template": template,
                 "minReadySeconds": deploy["spec"]["minReadySeconds"].as_i64().unwrap_or(0)},
    });
    if ctx.cluster.create(&keys::replicasets(), rs, false).is_ok() && initial > 0 {
        let msg = format!("Scaled up replica set {rs_name} from 0 to {initial}");
        events::record(
            ctx.cluster,
            deploy,
            "apps/v1",
            "Deployment",
            SOURCE,
            Note::normal("ScalingReplicaSet", &msg),
            ctx.now,
        );
    }
}

/// Scale `rs` to `to`, with the annotations and event upstream writes.
fn scale(ctx: &Ctx<'_>, deploy: &Value, rs: &Value, to: i64) {
    let from = replicas(rs);
    if from == to {
        return;
    }
    let desired = replicas(deploy);
    let (surge, _) = fenceposts(deploy);
    let mut updated = rs.clone();
    updated["spec"]["replicas"] = json!(to);
    let annotations = &mut updated["metadata"]["annotations"];
    annotations["deployment.kubernetes.io/desired-replicas"] = json!(desired.to_string());
    annotations["deployment.kubernetes.io/max-replicas"] = json!((desired + surge).to_string());
    if ctx.write(&keys::replicasets(), updated, UpdateScope::Main) {
        let direction = if to > from { "up" } else { "down" };
        let msg = format!("Scaled {direction} replica set {} from {from} to {to}", name_ns(rs).0);
        events::record(
            ctx.cluster,
            deploy,
            "apps/v1",
            "Deployment",
            SOURCE,
            Note::normal("ScalingReplicaSet", &msg),
            ctx.now,
        );
    }
}

fn recreate(ctx: &Ctx<'_>, deploy: &Value, new: &Value, old: &[&Value]) {
    let mut waiting = false;
    for rs in old {
        if replicas(rs) > 0 {
            scale(ctx, deploy, rs, 0);
            waiting = true;
        }
        waiting |= status_int(rs, "replicas") > 0;
    }
    if !waiting {
        scale(ctx, deploy, new, replicas(deploy));
    }
}

fn rolling(ctx: &Ctx<'_>, deploy: &Value, new: &Value, old: &[&Value]) {
    let desired = replicas(deploy);
    let old_active: Vec<&Value> = old.iter().copied().filter(|rs| replicas(rs) > 0).collect();
    if old_active.is_empty() {
        scale(ctx, deploy, new, desired);
        return;
    }
    let (surge, max_unavailable) = fenceposts(deploy);
    let total: i64 = replicas(new) + old_active.iter().map(|rs| replicas(rs)).sum::<i64>();
    // reconcileNewReplicaSet
    let new_target = if replicas(new) > desired {
        desired
    } else if total >= desired + surge {
        replicas(new)
    } else {
        replicas(new) + (desired + surge - total).min(desired - replicas(new))
    };
    scale(ctx, deploy, new, new_target);
    // reconcileOldReplicaSets
    let min_available = desired - max_unavailable;
    let new_unavailable = (replicas(new) - status_int(new, "availableReplicas")).max(0);
    let mut budget = total - min_available - new_unavailable;
    if budget <= 0 {
        return;
    }
    let mut targets: Vec<i64> = old_active.iter().map(|rs| replicas(rs)).collect();
    for (i, rs) in old_active.iter().enumerate() {
        let unhealthy = (targets[i] - status_int(rs, "availableReplicas")).max(0);
        let cut = unhealthy.min(budget);
        targets[i] -= cut;
        budget -= cut;
    }
    let available: i64 = status_int(new, "availableReplicas")
        + old_active.iter().map(|rs| status_int(rs, "availableReplicas")).sum::<i64>();
    let mut healthy_budget = (available - min_available).max(0);
    for target in &mut targets {
        let cut = (*target).min(healthy_budget);
        *target -= cut;
        healthy_budget -= cut;
    }
    for (rs, target) in old_active.iter().zip(targets) {
        scale(ctx, deploy, rs, target);
    }
}

fn cleanup(ctx: &Ctx<'_>, deploy: &Value, old: &[&Value]) {
    let limit = deploy["spec"]["revisionHistoryLimit"].as_i64().unwrap_or(10).max(0);
    let idle: Vec<&&Value> =
        old.iter().filter(|rs| replicas(rs) == 0 && status_int(rs, "replicas") == 0).collect();
    let excess = idle.len().saturating_sub(usize::try_from(limit).unwrap_or(usize::MAX));
    for rs in idle.into_iter().take(excess) {
        let (name, ns) = name_ns(rs);
        let _ = ctx.cluster.delete(&keys::replicasets(), ns, name, false);
    }
}

/// Set a Deployment condition (with `lastUpdateTime`), keeping times when nothing changes.
fn set_condition(status: &mut Value, kind: &str, value: &str, reason: &str, message: &str, now: Timestamp) {
    let time = format_time(now);
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(list) = status["conditions"].as_array_mut() else { return };
    let previous = list.iter().position(|c| c["type"] == kind);
    let mut cond = json!({"type": kind, "status": value, "lastUpdateTime": time, "lastTransitionTime": time,
                          "reason": reason, "message": message});
    if let Some(i) = previous {
        let p = &list[i];
        if p["status"] == value {
            cond["lastTransitionTime"] = p["lastTransitionTime"].clone();
            if p["reason"] == reason && p["message"] == message {
                cond["lastUpdateTime"] = p["lastUpdateTime"].clone();
            }
        }
        list[i] = cond;
    } else {
        list.push(cond);
    }
}

fn sync_status(ctx: &Ctx<'_>, deploy: &Value, new: Option<&Value>, all: &[&Value]) {
    let desired = replicas(deploy);
    let sum = |field: &str| all.iter().map(|rs| status_int(rs, field)).sum::<i64>();
    let spec_total: i64 = all.iter().map(|rs| replicas(rs)).sum();
    let available = sum("availableReplicas");
    let updated = new.map_or(0, |rs| status_int(rs, "replicas"));
    let mut status = deploy["status"].clone();
    if !status.is_object() {
        status = json!({});
    }
    status["observedGeneration"] = deploy["metadata"]["generation"].clone();
    status["replicas"] = json!(sum("replicas"));
    status["updatedReplicas"] = json!(updated);
    status["readyReplicas"] = json!(sum("readyReplicas"));
    status["availableReplicas"] = json!(available);
    status["unavailableReplicas"] = json!((spec_total - available).max(0));
    if let Some(map) = status.as_object_mut() {
        // Zero counts are omitted on the wire (omitempty), as kubectl and clients expect.
        map.retain(|k, v| k == "conditions" || k == "observedGeneration" || v.as_i64() != Some(0));
    }
    let (_, max_unavailable) = fenceposts(deploy);
    if available >= desired - max_unavailable {
        set_condition(
            &mut status,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            ctx.now,
        );
    } else {
        set_condition(
            &mut status,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            ctx.now,
        );
    }
    if let Some(rs) = new {
        let rs_name = name_ns(rs).0;
        let complete = updated == desired && available == desired && sum("replicas") == desired;
        if complete {
            let msg = format!("ReplicaSet \"{rs_name}\" has successfully progressed.");
            set_condition(&mut status, "Progressing", "True", "NewReplicaSetAvailable", &msg, ctx.now);
        } else {
            let msg = format!("ReplicaSet \"{rs_name}\" is progressing.");
            set_condition(&mut status, "Progressing", "True", "ReplicaSetUpdated", &msg, ctx.now);
        }
    }
    if status != deploy["status"] {
        let mut obj = deploy.clone();
        obj["status"] = status;
        ctx.write(&keys::deployments(), obj, UpdateScope::Status);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::fenceposts;

    fn deploy(
        replicas: i64,
        surge: &serde_json::Value,
        unavailable: &serde_json::Value,
    ) -> serde_json::Value {
        json!({"spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}})
    }

    // After kubernetes pkg/controller/deployment/util TestResolveFenceposts.
    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        let table = [
            (10, json!("25%"), json!("25%"), (3, 2)),
            (1, json!("25%"), json!("25%"), (1, 0)),
            (4, json!(0), json!(0), (0, 1)),
            (5, json!(2), json!("0%"), (2, 0)),
            (10, json!("0%"), json!("0%"), (0, 1)),
        ];
        for (replicas, surge, unavailable, want) in table {
            assert_eq!(
                fenceposts(&deploy(replicas, &surge, &unavailable)),
                want,
                "{replicas} {surge} {unavailable}"
            );
        }
    }
}
