//! `PodDisruptionBudgets`: the budget arithmetic of `pkg/controller/disruption` (shared with the
//! eviction subresource) and a controller that keeps PDB `status` current.
//!
//! Model: the PDB's pods are the pods of its namespace matching `spec.selector` (an empty selector
//! matches every pod, a missing one none); healthy pods are active and `Ready`.
//! - `minAvailable` as an integer: `expectedPods` = number of matching pods, `desiredHealthy` =
//!   `minAvailable`;
//! - otherwise `expectedPods` is the sum of the scales (`spec.replicas`) of the pods' distinct
//!   controllers (a pod without one counts 1), and `desiredHealthy` is `minAvailable` percent of it
//!   (rounded up), or `expectedPods - maxUnavailable` (int or percent, rounded up);
//! - `disruptionsAllowed = max(currentHealthy - desiredHealthy, 0)`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::pods::{is_active, is_ready, name_ns};
use super::{Ctx, int_or_percent, keys};
use crate::sim::selector::{LabelSelector, label_selector_string};
use crate::sim::store::UpdateScope;

/// The numbers of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `status.expectedPods`.
    pub expected: i64,
    /// `status.desiredHealthy`.
    pub desired_healthy: i64,
    /// `status.currentHealthy`.
    pub current_healthy: i64,
    /// `status.disruptionsAllowed`.
    pub disruptions_allowed: i64,
}

/// Whether `pod` is selected by `pdb` (same namespace, selector matches).
pub fn selects(pdb: &Value, pod: &Value) -> bool {
    if name_ns(pdb).1 != name_ns(pod).1 {
        return false;
    }
    let selector = &pdb["spec"]["selector"];
    if selector.is_null() {
        return false;
    }
    LabelSelector::parse(&label_selector_string(selector)).is_ok_and(|s| s.matches(pod))
}

/// The budget of `pdb` over `pods` (all pods of its namespace); `scale_of(ownerRef)` gives a
/// controller's `spec.replicas`.
pub fn compute(pdb: &Value, pods: &[&Value], scale_of: &dyn Fn(&Value) -> Option<i64>) -> Budget {
    let matching: Vec<&Value> = pods.iter().copied().filter(|p| selects(pdb, p)).collect();
    let current_healthy = matching.iter().filter(|p| is_active(p) && is_ready(p)).count() as i64;
    let spec = &pdb["spec"];
    let min_available = &spec["minAvailable"];
    let (expected, desired_healthy) = if min_available.is_i64() && spec["maxUnavailable"].is_null() {
        (matching.len() as i64, min_available.as_i64().unwrap_or(0))
    } else {
        let mut controllers: BTreeMap<String, i64> = BTreeMap::new();
        let mut orphans = 0;
        for pod in &matching {
            let reference = pod["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["controller"].as_bool() == Some(true));
            match reference {
                Some(r) => {
                    let id = r["uid"].as_str().unwrap_or_default().to_owned();
                    let scale = scale_of(r).unwrap_or(1);
                    controllers.insert(id, scale);
                }
                None => orphans += 1,
            }
        }
        let expected = controllers.values().sum::<i64>() + orphans;
        let desired = if min_available.is_null() {
            expected - int_or_percent(&spec["maxUnavailable"], expected, true)
        } else {
            int_or_percent(min_available, expected, true)
        };
        (expected, desired.max(0))
    };
    let disruptions_allowed = (current_healthy - desired_healthy).max(0);
    Budget { expected, desired_healthy, current_healthy, disruptions_allowed }
}

/// The scale of the controller an ownerReference names, looked up through `get(key, name)`.
pub fn scale_lookup<'a>(
    namespace: &'a str,
    get: &'a dyn Fn(&crate::sim::store::ResourceKey, &str, &str) -> Option<Value>,
) -> impl Fn(&Value) -> Option<i64> + 'a {
    move |reference: &Value| {
        let key = match reference["kind"].as_str()? {
            "ReplicaSet" => keys::replicasets(),
            "StatefulSet" => keys::statefulsets(),
            "Deployment" => keys::deployments(),
            _ => return None,
        };
        let owner = get(&key, namespace, reference["name"].as_str()?)?;
        Some(owner["spec"]["replicas"].as_i64().unwrap_or(1))
    }
}

/// Keep every PDB's `status` current.
pub fn reconcile(ctx: &Ctx<'_>) {
    let pdbs = ctx.informer.objects(&keys::pdbs());
    if pdbs.is_empty() {
        return;
    }
    let all_pods: Vec<&Value> = ctx.informer.values(&keys::pods()).collect();
    let get =
        |key: &crate::sim::store::ResourceKey, ns: &str, name: &str| ctx.informer.get(key, ns, name).cloned();
    for pdb in pdbs.values().map(|o| &**o) {
        let ns = name_ns(pdb).1;
        let pods: Vec<&Value> = all_pods.iter().copied().filter(|p| name_ns(p).1 == ns).collect();
        let budget = compute(pdb, &pods, &scale_lookup(ns, &get));
        let mut status = pdb["status"].clone();
        if !status.is_object() {
            status = json!({});
        }
        status["observedGeneration"] = pdb["metadata"]["generation"].clone();
        status["expectedPods"] = json!(budget.expected);
        status["desiredHealthy"] = json!(budget.desired_healthy);
        status["currentHealthy"] = json!(budget.current_healthy);
        status["disruptionsAllowed"] = json!(budget.disruptions_allowed);
        let (value, reason) = if budget.disruptions_allowed > 0 {
            ("True", "SufficientPods")
        } else {
            ("False", "InsufficientPods")
        };
        let previous = pdb["status"]["conditions"]
            .as_array()
            .and_then(|l| l.iter().find(|c| c["type"] == "DisruptionAllowed"));
        let time = match previous {
            Some(p) if p["status"] == value => p["lastTransitionTime"].clone(),
            _ => json!(crate::sim::store::format_time(ctx.now)),
        };
        status["conditions"] = json!([{"type": "DisruptionAllowed", "status": value, "reason": reason, "message": "",
            "observedGeneration": pdb["metadata"]["generation"], "lastTransitionTime": time}]);
        if status != pdb["status"] {
            let mut obj = pdb.clone();
            obj["status"] = status;
            ctx.write(&keys::pdbs(), obj, UpdateScope::Status);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{Budget, compute};

    fn pod(name: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "namespace": "default", "labels": {"app": "web"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-1", "uid": "rs", "controller": true}]},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
    }

    fn pdb(spec: &Value) -> Value {
        let mut spec = spec.clone();
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        json!({"metadata": {"name": "b", "namespace": "default"}, "spec": spec})
    }

    // After kubernetes pkg/controller/disruption TestNoSelector/TestUnavailable/TestIntegerMaxUnavailable
    // (the arithmetic, by value).
    #[test]
    fn budgets_follow_min_available_and_max_unavailable() {
        let pods = [pod("a", true), pod("b", true), pod("c", false)];
        let refs: Vec<&Value> = pods.iter().collect();
        let scale = |_: &Value| Some(3);
        let table = [
            (
                json!({"minAvailable": 2}),
                Budget { expected: 3, desired_healthy: 2, current_healthy: 2, disruptions_allowed: 0 },
            ),
            (
                json!({"minAvailable": 1}),
                Budget { expected: 3, desired_healthy: 1, current_healthy: 2, disruptions_allowed: 1 },
            ),
            (
                json!({"minAvailable": "50%"}),
                Budget { expected: 3, desired_healthy: 2, current_healthy: 2, disruptions_allowed: 0 },
            ),
            (
                json!({"maxUnavailable": 1}),
                Budget { expected: 3, desired_healthy: 2, current_healthy: 2, disruptions_allowed: 0 },
            ),
            (
                json!({"maxUnavailable": "34%"}),
                Budget { expected: 3, desired_healthy: 1, current_healthy: 2, disruptions_allowed: 1 },
            ),
        ];
        for (spec, want) in table {
            assert_eq!(compute(&pdb(&spec), &refs, &scale), want, "{spec}");
        }
    }

    #[test]
    fn a_missing_selector_selects_nothing() {
        let p = pod("a", true);
        let budget = json!({"metadata": {"name": "b", "namespace": "default"}, "spec": {"minAvailable": 0}});
        assert_eq!(compute(&budget, &[&p], &|_| None).current_healthy, 0);
    }
}
