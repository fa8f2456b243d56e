//! `StatefulSet` controller (simple): ordinal pods `<name>-0` … `<name>-(n-1)`.
//!
//! Model: pods are named by ordinal, carry the template's labels plus
//! `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
//! `controller-revision-hash`, with `hostname` = pod name and `subdomain` = `serviceName`.
//! `OrderedReady` (default): the lowest missing ordinal is created only when every lower one is
//! Running and Ready, and surplus pods are deleted one at a time from the highest ordinal;
//! `Parallel`: all at once. A terminating pod is replaced (same name) once it is gone. Template
//! changes are not rolled out to existing pods; no PVCs. Events: `SuccessfulCreate` /
//! `SuccessfulDelete` with upstream's wording.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::deletion;
use super::events::{self, Note, Source};
use super::hash::template_hash;
use super::pods::{controller_ref, controller_uid, is_active, is_ready, is_terminating, name_ns, uid};
use super::{Ctx, keys};
use crate::sim::store::UpdateScope;

const SOURCE: Source<'static> = Source::controller("statefulset-controller");

fn ordinal(set_name: &str, pod_name: &str) -> Option<i64> {
    pod_name.strip_prefix(set_name)?.strip_prefix('-')?.parse().ok()
}

/// Reconcile every `StatefulSet` once.
pub fn reconcile(ctx: &Ctx<'_>) {
    for set in ctx.informer.values(&keys::statefulsets()) {
        if !is_terminating(set) {
            reconcile_one(ctx, set);
        }
    }
}

fn reconcile_one(ctx: &Ctx<'_>, set: &Value) {
    let (name, ns) = name_ns(set);
    let desired = set["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let parallel = set["spec"]["podManagementPolicy"] == "Parallel";
    let revision = format!("{name}-{}", template_hash(&set["spec"]["template"]));
    let pods: BTreeMap<i64, &Value> = ctx
        .informer
        .values(&keys::pods())
        .filter(|p| name_ns(p).1 == ns && controller_uid(p) == Some(uid(set)))
        .filter_map(|p| ordinal(name, name_ns(p).0).map(|o| (o, p)))
        .collect();
    for i in 0..desired {
        match pods.get(&i) {
            Some(p) if parallel || (is_active(p) && p["status"]["phase"] == "Running" && is_ready(p)) => {}
            Some(_) => break,
            None => {
                create(ctx, set, i, &revision);
                if !parallel {
                    break;
                }
            }
        }
    }
    let condemned: Vec<(&i64, &&Value)> =
        pods.iter().rev().filter(|(o, p)| **o >= desired && !is_terminating(p)).collect();
    let busy = pods.iter().any(|(o, p)| *o >= desired && is_terminating(p));
    for (_, pod) in condemned.into_iter().take(if parallel { usize::MAX } else { usize::from(!busy) }) {
        let (pod_name, _) = name_ns(pod);
        if deletion::delete_pod(ctx.cluster, ns, pod_name, None, false, ctx.now).is_ok() {
            let msg = format!("delete Pod {pod_name} in StatefulSet {name} successful");
            events::record(
                ctx.cluster,
                set,
                "apps/v1",
                "StatefulSet",
                SOURCE,
                Note::normal("SuccessfulDelete", &msg),
                ctx.now,
            );
        }
    }
    let active: Vec<&&Value> = pods.values().filter(|p| is_active(p)).collect();
    let ready = active.iter().filter(|p| is_ready(p)).count();
    let mut status = json!({"replicas": active.len(), "readyReplicas": ready, "currentReplicas": active.len(),
        "updatedReplicas": active.len(), "availableReplicas": ready, "currentRevision": revision,
        "updateRevision": revision, "collisionCount": 0, "observedGeneration": set["metadata"]["generation"]});
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| {
            matches!(
                k.as_str(),
                "replicas"
                    | "availableReplicas"
                    | "collisionCount"
                    | "observedGeneration"
                    | "currentRevision"
                    | "updateRevision"
            ) || v.as_i64() != Some(0)
        });
    }
    if set["status"] != status {
        let mut obj = set.clone();
        obj["status"] = status;
        ctx.write(&keys::statefulsets(), obj, UpdateScope::Status);
    }
}

fn create(ctx: &Ctx<'_>, set: &Value, index: i64, revision: &str) {
    let (name, ns) = name_ns(set);
    let pod_name = format!("{name}-{index}");
    let template = &set["spec"]["template"];
    let mut labels = template["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    labels["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
    labels["apps.kubernetes.io/pod-index"] = json!(index.to_string());
    labels["controller-revision-hash"] = json!(revision);
    let mut meta = json!({"name": pod_name, "namespace": ns, "labels": labels,
        "ownerReferences": [controller_ref(set, "apps/v1", "StatefulSet")]});
    if template["metadata"]["annotations"].is_object() {
        meta["annotations"] = template["metadata"]["annotations"].clone();
    }
    let mut spec = template["spec"].clone();
    spec["hostname"] = json!(pod_name);
    if let Some(service) = set["spec"]["serviceName"].as_str().filter(|s| !s.is_empty()) {
        spec["subdomain"] = json!(service);
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
    if ctx.cluster.create(&keys::pods(), pod, false).is_ok() {
        let msg = format!("create Pod {pod_name} in StatefulSet {name} successful");
        events::record(
            ctx.cluster,
            set,
            "apps/v1",
            "StatefulSet",
            SOURCE,
            Note::normal("SuccessfulCreate", &msg),
            ctx.now,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_come_from_the_name_suffix() {
        assert_eq!(ordinal("web", "web-0"), Some(0));
        assert_eq!(ordinal("web", "web-12"), Some(12));
        assert_eq!(ordinal("web", "web-x"), None);
        assert_eq!(ordinal("web", "webby-1"), None);
    }
}
