//! The kubelet side of in-place pod resize (KEP-1287, Kubernetes 1.35), for running pods.
//!
//! Model: desired = `spec.containers[*].resources`, allocated =
//! `status.containerStatuses[*].allocatedResources`, actual = `status.containerStatuses[*].resources`.
//! - desired requests ≠ allocated: the pod's node decides ([`decide`]): more than the node's
//!   allocatable → `PodResizePending` reason `Infeasible`; fits the node but not next to the other
//!   pods → `PodResizePending` reason `Deferred` (re-evaluated every pass); else accepted:
//!   allocated := desired requests, `PodResizeInProgress` set, and containers whose changed
//!   resource has `resizePolicy` `RestartContainer` restart (`restartCount` + 1);
//! - desired ≠ actual (after acceptance, or a limits-only change): after the `resize_delay`
//!   knob actual := desired and `PodResizeInProgress` is removed.
//!
//! Every such status write records `status.observedGeneration` and the conditions'
//! `observedGeneration` (the pod's `metadata.generation` the kubelet acted on).
//!
//! The whole pod is resized at once (resizes are atomic per pod upstream). Messages follow the
//! kubelet's: `Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000` and
//! `Node didn't have enough resource: cpu, requested: 3000, used: 2000, capacity: 4000` (cpu in
//! millicores, memory in bytes).

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::lifecycle::{allocated_of, cpu_memory, restart_status, set_ready_conditions};
use super::pods::{
    Requests, charged_requests, condition, is_terminating, readiness_delay, remove_condition, set_condition,
    spec_requests, uid,
};
use super::quantity::{milli_of, units_from_milli};
use super::scheduler::{NodeRoom, node_rooms};
use super::{Ctx, add, keys};
use crate::sim::store::UpdateScope;

/// What the node says to a resize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Exceeds the node's allocatable: not retried.
    Infeasible(String),
    /// Fits the node, not next to its other pods now: retried.
    Deferred(String),
    /// Admitted.
    Accept,
}

/// Decide a resize of `pod` to `desired` on a node with `room` (whose `used` includes the pod).
pub fn decide(pod: &Value, desired: Requests, room: &NodeRoom) -> Decision {
    let others = {
        let own = charged_requests(pod);
        Requests { cpu: room.used.cpu - own.cpu, memory: room.used.memory - own.memory }
    };
    let dims = [
        ("cpu", desired.cpu, others.cpu, room.allocatable.cpu),
        (
            "memory",
            units_from_milli(desired.memory),
            units_from_milli(others.memory),
            units_from_milli(room.allocatable.memory),
        ),
    ];
    for (name, want, _, cap) in dims {
        if want > cap {
            return Decision::Infeasible(format!(
                "Node didn't have enough capacity: {name}, requested: {want}, capacity: {cap}"
            ));
        }
    }
    for (name, want, used, cap) in dims {
        if want + used > cap {
            return Decision::Deferred(format!(
                "Node didn't have enough resource: {name}, requested: {want}, used: {used}, capacity: {cap}"
            ));
        }
    }
    Decision::Accept
}

/// Whether two quantities are equal: the same JSON (the common case, no parsing) or the same
/// value (`"1"` and `"1000m"`).
fn same_quantity(a: &Value, b: &Value) -> bool {
    a == b || milli_of(a).ok() == milli_of(b).ok()
}

/// Whether two `resources` values ask the same cpu/memory requests and limits (compared as quantities).
pub fn same_resources(a: &Value, b: &Value) -> bool {
    ["requests", "limits"]
        .iter()
        .all(|part| ["cpu", "memory"].iter().all(|name| same_quantity(&a[part][name], &b[part][name])))
}

fn same_allocation(spec_resources: &Value, allocated: &Value) -> bool {
    ["cpu", "memory"].iter().all(|name| {
        let request = &spec_resources["requests"][*name];
        let wanted = if request.is_null() { &spec_resources["limits"][*name] } else { request };
        same_quantity(wanted, &allocated[*name])
    })
}

fn restart_policy<'a>(container: &'a Value, resource: &str) -> &'a str {
    container["resizePolicy"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["resourceName"] == resource)
        .and_then(|p| p["restartPolicy"].as_str())
        .unwrap_or("NotRequired")
}

/// Tracks accepted resizes until they are actuated.
#[derive(Debug, Default)]
pub struct Resizer {
    accepted: HashMap<String, Timestamp>,
}

impl Resizer {
    /// One pass; returns when the next accepted resize is actuated.
    pub fn reconcile(&mut self, ctx: &Ctx<'_>) -> Option<Timestamp> {
        let mut rooms: Option<std::collections::BTreeMap<String, NodeRoom>> = None;
        let mut next: Option<Timestamp> = None;
        let mut live = Vec::new();
        for pod in ctx.informer.values(&keys::pods()) {
            if pod["status"]["startTime"].is_null()
                || is_terminating(pod)
                || pod["status"]["phase"] != "Running"
            {
                continue;
            }
            let containers = pod["spec"]["containers"].as_array().map_or(&[][..], Vec::as_slice);
            let statuses = pod["status"]["containerStatuses"].as_array().map_or(&[][..], Vec::as_slice);
            let status_of = |name: &Value| statuses.iter().find(|s| s["name"] == *name);
            let requests_changed = containers.iter().any(|c| {
                status_of(&c["name"]).is_some_and(|s| {
                    s["allocatedResources"].is_object()
                        && !same_allocation(&c["resources"], &s["allocatedResources"])
                })
            });
            let actual_changed = containers.iter().any(|c| {
                status_of(&c["name"]).is_some_and(|s| {
                    s["resources"].is_object() && !same_resources(&c["resources"], &s["resources"])
                })
            });
            let id = uid(pod).to_owned();
            if requests_changed {
                let rooms = rooms.get_or_insert_with(|| node_rooms(ctx));
                let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
                let Some(room) = rooms.get(node) else { continue };
                match decide(pod, spec_requests(pod), room) {
                    Decision::Infeasible(msg) => pending(ctx, pod, "Infeasible", &msg),
                    Decision::Deferred(msg) => pending(ctx, pod, "Deferred", &msg),
                    Decision::Accept => {
                        if accept(ctx, pod) {
                            self.accepted.insert(id.clone(), ctx.now);
                            live.push(id);
                            next =
                                Some(next.map_or(add(ctx.now, ctx.settings.resize_delay), |n: Timestamp| {
                                    n.min(add(ctx.now, ctx.settings.resize_delay))
                                }));
                        }
                    }
                }
            } else if actual_changed {
                let since = *self.accepted.entry(id.clone()).or_insert(ctx.now);
                live.push(id);
                let due = add(since, ctx.settings.resize_delay);
                if due <= ctx.now {
                    actuate(ctx, pod);
                } else {
                    if condition(pod, "PodResizeInProgress").is_none() {
                        let mut obj = pod.clone();
                        remove_condition(&mut obj["status"], "PodResizePending");
                        set_condition(&mut obj["status"], "PodResizeInProgress", "True", None, None, ctx.now);
                        write_observed(ctx, obj);
                    }
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            } else if condition(pod, "PodResizePending").is_some()
                || condition(pod, "PodResizeInProgress").is_some()
            {
                let mut obj = pod.clone();
                remove_condition(&mut obj["status"], "PodResizePending");
                remove_condition(&mut obj["status"], "PodResizeInProgress");
                write_observed(ctx, obj);
            }
        }
        self.accepted.retain(|id, _| live.contains(id));
        next
    }
}

/// Write a pod status as the kubelet does since 1.34: `status.observedGeneration` and the
/// resize conditions' `observedGeneration` name the generation the kubelet acted on.
fn write_observed(ctx: &Ctx<'_>, mut obj: Value) -> bool {
    let generation = obj["metadata"]["generation"].clone();
    obj["status"]["observedGeneration"] = generation.clone();
    for c in obj["status"]["conditions"].as_array_mut().into_iter().flatten() {
        if c["type"] == "PodResizePending" || c["type"] == "PodResizeInProgress" {
            c["observedGeneration"] = generation.clone();
        }
    }
    ctx.write(&keys::pods(), obj, UpdateScope::Status)
}

fn pending(ctx: &Ctx<'_>, pod: &Value, reason: &str, message: &str) {
    let current = condition(pod, "PodResizePending");
    let generation = &pod["metadata"]["generation"];
    if current.is_some_and(|c| {
        c["reason"] == reason && c["message"] == message && c["observedGeneration"] == *generation
    }) {
        return;
    }
    let mut obj = pod.clone();
    set_condition(&mut obj["status"], "PodResizePending", "True", Some(reason), Some(message), ctx.now);
    write_observed(ctx, obj);
}

fn accept(ctx: &Ctx<'_>, pod: &Value) -> bool {
    let mut obj = pod.clone();
    let delay = readiness_delay(pod);
    let containers = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    for cs in obj["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
        let Some(c) = containers.iter().find(|c| c["name"] == cs["name"]) else { continue };
        let restart = ["cpu", "memory"].iter().any(|r| {
            let changed = ["requests", "limits"].iter().any(|part| {
                milli_of(&c["resources"][part][*r]).ok() != milli_of(&cs["resources"][part][*r]).ok()
            });
            changed && restart_policy(c, r) == "RestartContainer"
        });
        cs["allocatedResources"] = allocated_of(&c["resources"]);
        if restart {
            restart_status(cs, pod, "Error", 137, ctx.now, delay);
        }
    }
    remove_condition(&mut obj["status"], "PodResizePending");
    set_condition(&mut obj["status"], "PodResizeInProgress", "True", None, None, ctx.now);
    set_ready_conditions(&mut obj["status"], ctx.now);
    write_observed(ctx, obj)
}

fn actuate(ctx: &Ctx<'_>, pod: &Value) {
    let mut obj = pod.clone();
    let containers = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    for cs in obj["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
        if let Some(c) = containers.iter().find(|c| c["name"] == cs["name"]) {
            cs["resources"] = cpu_memory(&c["resources"]);
        }
    }
    remove_condition(&mut obj["status"], "PodResizeInProgress");
    write_observed(ctx, obj);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Decision, decide, same_resources};
    use crate::sim::controllers::pods::Requests;
    use crate::sim::controllers::scheduler::NodeRoom;

    fn room(used_cpu: i128) -> NodeRoom {
        let node = json!({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}});
        let mut room = NodeRoom::of(&node);
        room.used = Requests { cpu: used_cpu, memory: 0 };
        room
    }

    fn pod_with_cpu(cpu: &str) -> serde_json::Value {
        json!({"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": cpu}}}]}})
    }

    #[test]
    fn more_than_the_node_has_is_infeasible() {
        let pod = pod_with_cpu("1");
        assert_eq!(
            decide(&pod, Requests { cpu: 5000, memory: 0 }, &room(1000)),
            Decision::Infeasible(
                "Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000".into()
            )
        );
    }

    #[test]
    fn more_than_is_free_now_is_deferred() {
        let pod = pod_with_cpu("1");
        // Others use 2 cpus (3 used including this pod's 1).
        assert_eq!(
            decide(&pod, Requests { cpu: 3000, memory: 0 }, &room(3000)),
            Decision::Deferred(
                "Node didn't have enough resource: cpu, requested: 3000, used: 2000, capacity: 4000".into()
            )
        );
        assert_eq!(decide(&pod, Requests { cpu: 2000, memory: 0 }, &room(3000)), Decision::Accept);
    }

    #[test]
    fn resources_compare_as_quantities() {
        assert!(same_resources(&json!({"requests": {"cpu": "1"}}), &json!({"requests": {"cpu": "1000m"}})));
        assert!(!same_resources(&json!({"limits": {"memory": "1Gi"}}), &json!({})));
    }
}
