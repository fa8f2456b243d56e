//! `ReplicaSet` controller: keeps `spec.replicas` active pods per `ReplicaSet`, after
//! `pkg/controller/replicaset`.
//!
//! Model: a `ReplicaSet`'s pods are the pods whose controller ownerReference names its uid;
//! *active* pods are those neither terminating nor finished. Missing pods are created from the
//! template as `<rs>-<5 chars>` (at most 500 per pass, upstream's burst); surplus pods are
//! deleted gracefully in upstream's preference order ([`deletion_order`]). `status` counts
//! active pods, ready pods (`availableReplicas` = ready: `minReadySeconds` is not modelled) and
//! records `observedGeneration`. Events: `SuccessfulCreate` / `SuccessfulDelete`.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::deletion;
use super::events::{self, Note, Source};
use super::pods::{
    condition, controller_ref, controller_uid, is_active, is_ready, is_terminating, name_ns, uid,
};
use super::{Ctx, keys};
use crate::sim::store::UpdateScope;

/// Annotation lowering a pod's deletion preference (`int32`, lower deleted first).
pub const DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";
const BURST: usize = 500;
const SOURCE: Source<'static> = Source::controller("replicaset-controller");

/// Reconcile every `ReplicaSet` once.
pub fn reconcile(ctx: &Ctx<'_>) {
    let mut by_owner: HashMap<&str, Vec<&Value>> = HashMap::new();
    for pod in ctx.informer.values(&keys::pods()) {
        if let Some(owner) = controller_uid(pod) {
            by_owner.entry(owner).or_default().push(pod);
        }
    }
    for rs in ctx.informer.values(&keys::replicasets()) {
        if is_terminating(rs) {
            continue;
        }
        let pods = by_owner.get(uid(rs)).map_or(&[][..], Vec::as_slice);
        reconcile_one(ctx, rs, pods);
    }
}

fn reconcile_one(ctx: &Ctx<'_>, rs: &Value, pods: &[&Value]) {
    let (_, ns) = name_ns(rs);
    let desired = usize::try_from(rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0)).unwrap_or(0);
    let mut active: Vec<&Value> = pods.iter().copied().filter(|p| is_active(p)).collect();
    if active.len() < desired {
        for _ in 0..(desired - active.len()).min(BURST) {
            let pod = pod_from_template(rs);
            if let Ok(created) = ctx.cluster.create(&keys::pods(), pod, false) {
                let msg = format!("Created pod: {}", name_ns(&created).0);
                events::record(
                    ctx.cluster,
                    rs,
                    "apps/v1",
                    "ReplicaSet",
                    SOURCE,
                    Note::normal("SuccessfulCreate", &msg),
                    ctx.now,
                );
            }
        }
    } else if active.len() > desired {
        let ranks = colocation_ranks(&active);
        active.sort_by(|a, b| deletion_order(a, b, &ranks));
        for pod in &active[..active.len() - desired] {
            let (name, _) = name_ns(pod);
            if deletion::delete_pod(ctx.cluster, ns, name, None, false, ctx.now).is_ok() {
                let msg = format!("Deleted pod: {name}");
                events::record(
                    ctx.cluster,
                    rs,
                    "apps/v1",
                    "ReplicaSet",
                    SOURCE,
                    Note::normal("SuccessfulDelete", &msg),
                    ctx.now,
                );
            }
        }
    }
    let counted: Vec<&Value> = pods.iter().copied().filter(|p| is_active(p)).collect();
    let ready = counted.iter().filter(|p| is_ready(p)).count();
    let mut status = json!({"replicas": counted.len(), "fullyLabeledReplicas": counted.len(),
        "readyReplicas": ready, "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"]});
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "replicas" || k == "observedGeneration" || v.as_i64() != Some(0));
    }
    if rs["status"] != status {
        let mut obj = rs.clone();
        obj["status"] = status;
        ctx.write(&keys::replicasets(), obj, UpdateScope::Status);
    }
}

/// A new pod for `rs` from its template.
pub fn pod_from_template(rs: &Value) -> Value {
    let (name, ns) = name_ns(rs);
    let template = &rs["spec"]["template"];
    let mut meta = json!({"generateName": format!("{name}-"), "namespace": ns,
        "ownerReferences": [controller_ref(rs, "apps/v1", "ReplicaSet")]});
    for field in ["labels", "annotations"] {
        if template["metadata"][field].is_object() {
            meta[field] = template["metadata"][field].clone();
        }
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"].clone()})
}

/// How many of `pods` share each pod's node (pods doubled up on a node go first).
fn colocation_ranks<'a>(pods: &[&'a Value]) -> HashMap<&'a str, usize> {
    let mut per_node: HashMap<&str, usize> = HashMap::new();
    for p in pods {
        if let Some(node) = p["spec"]["nodeName"].as_str() {
            *per_node.entry(node).or_default() += 1;
        }
    }
    pods.iter()
        .map(|p| (uid(p), p["spec"]["nodeName"].as_str().and_then(|n| per_node.get(n).copied()).unwrap_or(0)))
        .collect()
}

fn phase_rank(pod: &Value) -> u8 {
    match pod["status"]["phase"].as_str() {
        Some("Pending") | None => 0,
        Some("Running") => 2,
        _ => 1,
    }
}

fn deletion_cost(pod: &Value) -> i64 {
    pod["metadata"]["annotations"][DELETION_COST].as_str().and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn restarts(pod: &Value) -> i64 {
    pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .max()
        .unwrap_or(0)
}

/// Upstream's `ActivePodsWithRanks` order: pods that sort first are deleted first. Unassigned
/// before assigned; Pending before Unknown before Running; not ready before ready; lower
/// `pod-deletion-cost` first; more pods of the set on the same node first; ready for a shorter
/// time first; more restarts first; newer first.
fn deletion_order(a: &Value, b: &Value, ranks: &HashMap<&str, usize>) -> Ordering {
    let assigned = |p: &Value| p["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty());
    let ready_since = |p: &Value| {
        condition(p, "Ready").and_then(|c| c["lastTransitionTime"].as_str()).unwrap_or_default().to_owned()
    };
    let created = |p: &Value| p["metadata"]["creationTimestamp"].as_str().unwrap_or_default().to_owned();
    let rank = |p: &Value| ranks.get(uid(p)).copied().unwrap_or(0);
    assigned(a)
        .cmp(&assigned(b))
        .then_with(|| phase_rank(a).cmp(&phase_rank(b)))
        .then_with(|| is_ready(a).cmp(&is_ready(b)))
        .then_with(|| deletion_cost(a).cmp(&deletion_cost(b)))
        .then_with(|| rank(b).cmp(&rank(a)))
        .then_with(|| {
            if is_ready(a) && is_ready(b) { ready_since(b).cmp(&ready_since(a)) } else { Ordering::Equal }
        })
        .then_with(|| restarts(b).cmp(&restarts(a)))
        .then_with(|| created(b).cmp(&created(a)))
        .then_with(|| name_ns(b).0.cmp(name_ns(a).0))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::{Value, json};

    use super::deletion_order;

    fn pod(name: &str, node: &str, phase: &str, ready: bool, created: &str) -> Value {
        json!({"metadata": {"name": name, "uid": name, "creationTimestamp": created},
               "spec": {"nodeName": node},
               "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
    }

    fn order(mut pods: Vec<Value>) -> Vec<String> {
        let ranks = HashMap::new();
        pods.sort_by(|a, b| deletion_order(a, b, &ranks));
        pods.iter().map(|p| p["metadata"]["name"].as_str().unwrap().to_owned()).collect()
    }

    // After kubernetes pkg/controller/controller_utils_test TestSortingActivePods (subset).
    #[test]
    fn unscheduled_then_pending_then_unready_then_newest_go_first() {
        let pods = vec![
            pod("running-ready-old", "n1", "Running", true, "2024-01-01T00:00:00Z"),
            pod("running-ready-new", "n1", "Running", true, "2024-01-02T00:00:00Z"),
            pod("running-unready", "n1", "Running", false, "2024-01-01T00:00:00Z"),
            pod("pending", "n1", "Pending", false, "2024-01-01T00:00:00Z"),
            pod("unscheduled", "", "Pending", false, "2024-01-01T00:00:00Z"),
        ];
        assert_eq!(
            order(pods),
            ["unscheduled", "pending", "running-unready", "running-ready-new", "running-ready-old"]
        );
    }

    #[test]
    fn lower_deletion_cost_goes_first() {
        let mut cheap = pod("cheap", "n1", "Running", true, "2024-01-01T00:00:00Z");
        cheap["metadata"]["annotations"] = json!({"controller.kubernetes.io/pod-deletion-cost": "-10"});
        let dear = pod("dear", "n1", "Running", true, "2024-01-02T00:00:00Z");
        assert_eq!(order(vec![dear, cheap]), ["cheap", "dear"]);
    }
}
