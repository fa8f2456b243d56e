//! Scheduler: binds Pending pods without `spec.nodeName` to a node with room, after the default
//! scheduler's filters and a least-allocated score.
//!
//! Model: a node fits a pod when it is `Ready`, not `spec.unschedulable`, matches the pod's
//! `nodeSelector`, has fewer pods than `allocatable.pods`, and the pod's cpu/memory requests plus
//! what the node's unfinished pods already request ([`super::pods::charged_requests`]) stay within
//! `allocatable` (quantities compared exactly). Among fitting nodes the one with the most free
//! cpu and memory (fractions summed) wins, ties by name. Pods are scheduled oldest first; each
//! binding is charged before the next pod is placed. A pod that fits nowhere keeps
//! `PodScheduled=False` reason `Unschedulable` and gets one `FailedScheduling` event per
//! distinct message (`0/3 nodes are available: 3 Insufficient cpu.`). Only pods for
//! `default-scheduler` are handled. Not modelled: affinity, taints/tolerations beyond not-ready
//! nodes, topology spread, preemption, priorities.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::events::{self, Note, Source};
use super::pods::{Requests, charged_requests, name_ns, set_condition, spec_requests, uid};
use super::quantity::milli_of;
use super::{Ctx, keys};
use crate::sim::store::UpdateScope;

const SOURCE: Source<'static> = Source::controller("default-scheduler");

/// What a node has and what is already asked of it.
#[derive(Debug, Clone, Default)]
pub struct NodeRoom {
    /// Node name.
    pub name: String,
    /// `status.allocatable` cpu/memory.
    pub allocatable: Requests,
    /// `status.allocatable.pods`.
    pub max_pods: i128,
    /// Requests of the node's unfinished pods.
    pub used: Requests,
    /// Number of unfinished pods on the node.
    pub pods: i128,
    /// `Ready` and schedulable.
    pub ready: bool,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
    /// Node labels.
    pub labels: Value,
}

impl NodeRoom {
    /// The room of `node` (no pods charged yet).
    pub fn of(node: &Value) -> Self {
        let alloc = &node["status"]["allocatable"];
        let ready = node["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        Self {
            name: name_ns(node).0.to_owned(),
            allocatable: Requests::from_map(alloc),
            max_pods: milli_of(&alloc["pods"]).map_or(110, |m| m / 1000),
            used: Requests::default(),
            pods: 0,
            ready,
            unschedulable: node["spec"]["unschedulable"].as_bool() == Some(true),
            labels: node["metadata"]["labels"].clone(),
        }
    }

    /// Why the pod does not fit, if it does not (upstream's reason strings, possibly several).
    pub fn misfit(&self, pod: &Value, req: Requests) -> Vec<&'static str> {
        if !self.ready {
            return vec!["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"];
        }
        if self.unschedulable {
            return vec!["node(s) were unschedulable"];
        }
        let selector_ok = pod["spec"]["nodeSelector"]
            .as_object()
            .is_none_or(|sel| sel.iter().all(|(k, v)| self.labels[k.as_str()] == *v));
        if !selector_ok {
            return vec!["node(s) didn't match Pod's node affinity/selector"];
        }
        let mut reasons = Vec::new();
        if self.pods + 1 > self.max_pods {
            reasons.push("Too many pods");
        }
        if self.used.cpu + req.cpu > self.allocatable.cpu {
            reasons.push("Insufficient cpu");
        }
        if self.used.memory + req.memory > self.allocatable.memory {
            reasons.push("Insufficient memory");
        }
        reasons
    }

    fn free_score(&self, req: Requests) -> f64 {
        let frac = |used: i128, alloc: i128| if alloc <= 0 { 0.0 } else { 1.0 - used as f64 / alloc as f64 };
        frac(self.used.cpu + req.cpu, self.allocatable.cpu)
            + frac(self.used.memory + req.memory, self.allocatable.memory)
    }
}

/// The `FailedScheduling` message for `counts` (reason → nodes) over `total` nodes.
pub fn unschedulable_message(total: usize, counts: &BTreeMap<&str, usize>) -> String {
    if total == 0 {
        return "no nodes available to schedule pods".to_owned();
    }
    let parts: Vec<String> = counts.iter().map(|(reason, n)| format!("{n} {reason}")).collect();
    format!("0/{total} nodes are available: {}.", parts.join(", "))
}

fn is_unfinished(pod: &Value) -> bool {
    !matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
}

/// The room of every node with its pods charged.
pub fn node_rooms(ctx: &Ctx<'_>) -> BTreeMap<String, NodeRoom> {
    let mut rooms: BTreeMap<String, NodeRoom> =
        ctx.informer.values(&keys::nodes()).map(|n| (name_ns(n).0.to_owned(), NodeRoom::of(n))).collect();
    for pod in ctx.informer.values(&keys::pods()) {
        let Some(node) = pod["spec"]["nodeName"].as_str() else { continue };
        if let Some(room) = rooms.get_mut(node)
            && is_unfinished(pod)
        {
            room.used = room.used.plus(charged_requests(pod));
            room.pods += 1;
        }
    }
    rooms
}

/// Schedules pending pods; remembers which failure was already reported per pod.
#[derive(Debug, Default)]
pub struct Scheduler {
    reported: HashMap<String, String>,
}

impl Scheduler {
    /// One scheduling pass.
    pub fn reconcile(&mut self, ctx: &Ctx<'_>) {
        let mut pending: Vec<&Value> = ctx
            .informer
            .values(&keys::pods())
            .filter(|p| p["spec"]["nodeName"].as_str().is_none_or(str::is_empty))
            .filter(|p| !super::pods::is_terminating(p) && is_unfinished(p))
            .filter(|p| p["spec"]["schedulerName"].as_str().is_none_or(|s| s == "default-scheduler"))
            .collect();
        if !self.reported.is_empty() {
            let live: HashSet<&str> = ctx.informer.values(&keys::pods()).map(uid).collect();
            self.reported.retain(|id, _| live.contains(id.as_str()));
        }
        if pending.is_empty() {
            return;
        }
        pending.sort_by_key(|p| {
            (
                p["metadata"]["creationTimestamp"].as_str().unwrap_or_default().to_owned(),
                name_ns(p).0.to_owned(),
            )
        });
        let mut rooms = node_rooms(ctx);
        for pod in pending {
            let req = spec_requests(pod);
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            let mut best: Option<(&String, f64)> = None;
            for (name, room) in &rooms {
                let reasons = room.misfit(pod, req);
                if reasons.is_empty() {
                    let score = room.free_score(req);
                    if best.is_none_or(|(_, s)| score > s) {
                        best = Some((name, score));
                    }
                }
                for r in reasons {
                    *counts.entry(r).or_default() += 1;
                }
            }
            match best.map(|(n, _)| n.clone()) {
                Some(node) => {
                    if bind(ctx, pod, &node)
                        && let Some(room) = rooms.get_mut(&node)
                    {
                        room.used = room.used.plus(req);
                        room.pods += 1;
                    }
                }
                None => self.unschedulable(ctx, pod, &unschedulable_message(rooms.len(), &counts)),
            }
        }
    }

    fn unschedulable(&mut self, ctx: &Ctx<'_>, pod: &Value, message: &str) {
        if self.reported.get(uid(pod)).is_some_and(|m| m == message) {
            return;
        }
        let mut obj = pod.clone();
        set_condition(
            &mut obj["status"],
            "PodScheduled",
            "False",
            Some("Unschedulable"),
            Some(message),
            ctx.now,
        );
        if ctx.write(&keys::pods(), obj, UpdateScope::Status) {
            self.reported.insert(uid(pod).to_owned(), message.to_owned());
            events::record(
                ctx.cluster,
                pod,
                "v1",
                "Pod",
                SOURCE,
                Note::warning("FailedScheduling", message),
                ctx.now,
            );
        }
    }
}

fn bind(ctx: &Ctx<'_>, pod: &Value, node: &str) -> bool {
    let mut obj = pod.clone();
    obj["spec"]["nodeName"] = Value::from(node);
    set_condition(&mut obj["status"], "PodScheduled", "True", None, None, ctx.now);
    let ok = ctx.write(&keys::pods(), obj, UpdateScope::Whole);
    if ok {
        let (name, ns) = name_ns(pod);
        let msg = format!("Successfully assigned {ns}/{name} to {node}");
        events::record(ctx.cluster, pod, "v1", "Pod", SOURCE, Note::normal("Scheduled", &msg), ctx.now);
    }
    ok
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::{NodeRoom, unschedulable_message};
    use crate::sim::controllers::pods::Requests;

    fn node(cpu: &str, memory: &str) -> serde_json::Value {
        json!({"metadata": {"name": "n", "labels": {"zone": "a"}}, "spec": {},
               "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "2"},
                          "conditions": [{"type": "Ready", "status": "True"}]}})
    }

    #[test]
    fn a_pod_that_asks_too_much_cpu_is_told_insufficient_cpu() {
        let room = NodeRoom::of(&node("4", "16Gi"));
        let pod = json!({"spec": {}});
        assert!(room.misfit(&pod, Requests { cpu: 4000, memory: 0 }).is_empty());
        assert_eq!(room.misfit(&pod, Requests { cpu: 4001, memory: 0 }), ["Insufficient cpu"]);
        let huge = Requests { cpu: 5000, memory: 17 * 1024 * 1024 * 1024 * 1000 };
        assert_eq!(room.misfit(&pod, huge), ["Insufficient cpu", "Insufficient memory"]);
    }

    #[test]
    fn node_selectors_and_pod_counts_are_filters() {
        let mut room = NodeRoom::of(&node("4", "16Gi"));
        let pod = json!({"spec": {"nodeSelector": {"zone": "b"}}});
        assert_eq!(
            room.misfit(&pod, Requests::default()),
            ["node(s) didn't match Pod's node affinity/selector"]
        );
        room.pods = 2;
        assert_eq!(room.misfit(&json!({"spec": {}}), Requests::default()), ["Too many pods"]);
    }

    #[test]
    fn the_failure_message_counts_nodes_per_reason() {
        let counts = BTreeMap::from([("Insufficient cpu", 3)]);
        assert_eq!(unschedulable_message(3, &counts), "0/3 nodes are available: 3 Insufficient cpu.");
        let counts = BTreeMap::from([("Insufficient cpu", 2), ("Insufficient memory", 1)]);
        assert_eq!(
            unschedulable_message(3, &counts),
            "0/3 nodes are available: 2 Insufficient cpu, 1 Insufficient memory."
        );
        assert_eq!(unschedulable_message(0, &BTreeMap::new()), "no nodes available to schedule pods");
    }
}
