//! Facts about pods and owners that several controllers share: activity, readiness, controller
//! owner, resource requests (exact, via [`super::quantity`]), conditions, durations.
//!
//! Requests follow the scheduler's rules: a container's request defaults to its limit; a pod
//! needs the sum over its containers or the largest init container, whichever is larger; a pod
//! being resized counts with the larger of desired and allocated requests unless its resize is
//! `Infeasible`.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::quantity::milli_of;
use crate::sim::store::format_time;

/// Annotation that delays readiness of a pod's containers after they start (`"10s"`).
pub const READINESS_DELAY_ANNOTATION: &str = "sim.bellows.dev/readiness-delay";

/// Name and namespace of an object.
pub fn name_ns(obj: &Value) -> (&str, &str) {
    let m = &obj["metadata"];
    (m["name"].as_str().unwrap_or_default(), m["namespace"].as_str().unwrap_or_default())
}

/// `metadata.uid`.
pub fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or_default()
}

/// The uid of the controlling owner (`ownerReferences[].controller == true`).
pub fn controller_uid(obj: &Value) -> Option<&str> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true))
        .and_then(|r| r["uid"].as_str())
}

/// An owner reference with `controller: true` to `owner` (of `api_version`/`kind`).
pub fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn is_terminating(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

/// Not terminating and not finished (what controllers count as a replica).
pub fn is_active(pod: &Value) -> bool {
    !is_terminating(pod) && !matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
}

/// The status of condition `kind` (`"True"`, `"False"`, …), if present.
pub fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == kind)
}

/// Whether the pod's `Ready` condition is `True`.
pub fn is_ready(pod: &Value) -> bool {
    condition(pod, "Ready").is_some_and(|c| c["status"] == "True")
}

/// Set condition `kind` in `status.conditions`, keeping `lastTransitionTime` when the status does
/// not change. `None` reason/message remove those fields.
pub fn set_condition(
    status: &mut Value,
    kind: &str,
    value: &str,
    reason: Option<&str>,
    message: Option<&str>,
    now: Timestamp,
) {
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(list) = status["conditions"].as_array_mut() else { return };
    let previous = list.iter().position(|c| c["type"] == kind);
    let mut cond = json!({"type": kind, "status": value, "lastProbeTime": null,
                          "lastTransitionTime": format_time(now)});
    if let Some(i) = previous
        && list[i]["status"] == value
    {
        cond["lastTransitionTime"] = list[i]["lastTransitionTime"].clone();
    }
    if let Some(r) = reason {
        cond["reason"] = json!(r);
    }
    if let Some(m) = message {
        cond["message"] = json!(m);
    }
    match previous {
        Some(i) => list[i] = cond,
        None => list.push(cond),
    }
}

/// Remove condition `kind` from `status.conditions`.
pub fn remove_condition(status: &mut Value, kind: &str) {
    if let Some(list) = status["conditions"].as_array_mut() {
        list.retain(|c| c["type"] != kind);
    }
}

/// CPU (millicores) and memory (milli-bytes) requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// Millicores.
    pub cpu: i128,
    /// Thousandths of a byte (exact for every quantity).
    pub memory: i128,
}

impl Requests {
    /// Component-wise sum.
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self { cpu: self.cpu + other.cpu, memory: self.memory + other.memory }
    }

    /// Component-wise maximum.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        Self { cpu: self.cpu.max(other.cpu), memory: self.memory.max(other.memory) }
    }

    /// From a `{cpu, memory}` map of quantities (unparsable values count as 0).
    pub fn from_map(map: &Value) -> Self {
        Self {
            cpu: milli_of(&map["cpu"]).unwrap_or(0).max(0),
            memory: milli_of(&map["memory"]).unwrap_or(0).max(0),
        }
    }
}

/// The requests of one container spec (a missing request defaults to the limit).
pub fn container_requests(container: &Value) -> Requests {
    let r = &container["resources"];
    let pick = |name: &str| {
        let req = &r["requests"][name];
        if req.is_null() { r["limits"][name].clone() } else { req.clone() }
    };
    Requests::from_map(&json!({"cpu": pick("cpu"), "memory": pick("memory")}))
}

/// What the pod asks of its node, per the spec only.
pub fn spec_requests(pod: &Value) -> Requests {
    let spec = &pod["spec"];
    let sum = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(container_requests)
        .fold(Requests::default(), Requests::plus);
    spec["initContainers"].as_array().into_iter().flatten().map(container_requests).fold(sum, Requests::max)
}

/// What the kubelet has allocated to the pod (`containerStatuses[].allocatedResources`), if it
/// reports any.
pub fn allocated_requests(pod: &Value) -> Option<Requests> {
    let statuses = pod["status"]["containerStatuses"].as_array()?;
    let mut any = false;
    let mut total = Requests::default();
    for s in statuses {
        if s["allocatedResources"].is_object() {
            any = true;
            total = total.plus(Requests::from_map(&s["allocatedResources"]));
        }
    }
    any.then_some(total)
}

/// What the scheduler charges the pod's node with (see the module documentation).
pub fn charged_requests(pod: &Value) -> Requests {
    let spec = spec_requests(pod);
    let Some(allocated) = allocated_requests(pod) else { return spec };
    let infeasible = condition(pod, "PodResizePending").is_some_and(|c| c["reason"] == "Infeasible");
    if infeasible { allocated } else { spec.max(allocated) }
}

/// Parse a Go-style duration (`"10s"`, `"1m30s"`, `"250ms"`, `"0"`); `None` if malformed.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += Duration::try_from_secs_f64(number * seconds).ok()?;
    }
    Some(total)
}

/// The pod's readiness delay (annotation [`READINESS_DELAY_ANNOTATION`], default 0).
pub fn readiness_delay(pod: &Value) -> Duration {
    pod["metadata"]["annotations"][READINESS_DELAY_ANNOTATION]
        .as_str()
        .and_then(parse_duration)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::{Requests, charged_requests, parse_duration, spec_requests};

    fn pod(containers: &serde_json::Value) -> serde_json::Value {
        json!({"metadata": {"name": "p"}, "spec": {"containers": containers}})
    }

    #[test]
    fn requests_sum_containers_and_default_to_limits() {
        let p = pod(&json!([
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
            {"name": "b", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},
        ]));
        assert_eq!(spec_requests(&p), Requests { cpu: 1250, memory: (64 + 1024) * 1024 * 1024 * 1000 });
    }

    #[test]
    fn a_pending_resize_charges_the_larger_of_spec_and_allocated() {
        let mut p = pod(&json!([{"name": "a", "resources": {"requests": {"cpu": "2"}}}]));
        p["status"] = json!({"containerStatuses": [{"name": "a", "allocatedResources": {"cpu": "1"}}]});
        assert_eq!(charged_requests(&p).cpu, 2000);
        p["status"]["conditions"] =
            json!([{"type": "PodResizePending", "status": "True", "reason": "Infeasible"}]);
        assert_eq!(charged_requests(&p).cpu, 1000);
    }

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("ten"), None);
        assert_eq!(parse_duration(""), None);
    }
}
