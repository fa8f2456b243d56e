//! The kubelet's status reporting for bound pods ("pod lifecycle"): start, readiness, restarts.
//!
//! Model: a pod bound to a node and not yet started (no `status.startTime`) is started in one
//! status write: phase `Running`, `startTime`, `hostIP`/`hostIPs` (the node's `InternalIP`),
//! `podIP`/`podIPs` (from the node's `podCIDR`, else 10.244.0.0/16), one `containerStatuses` entry
//! per container (running since now, `restartCount` 0, image/imageID/containerID,
//! `allocatedResources` = requests, `resources` = requests and limits) and the conditions
//! `PodReadyToStartContainers`, `Initialized`, `Ready`, `ContainersReady`, `PodScheduled`. A
//! container is ready once it has run for the pod's readiness delay (annotation
//! `sim.bellows.dev/readiness-delay`, default 0; its start time has second precision, so readiness
//! can come up to a second early); the pod is `Ready` when all containers are. `Started`
//! events name each container. Pods created with `containerStatuses` already set are left alone.
//! Restarts (OOM kills from the kubelet simulation) go through
//! [`record_container_restart`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, Note, Source};
use super::pods::{is_terminating, readiness_delay, set_condition, uid};
use super::{Ctx, add, keys};
use crate::sim::cluster::Cluster;
use crate::sim::status::ApiError;
use crate::sim::store::{UpdateScope, format_time};

/// Pods started per pass at most, so that a burst (thousands of pods created at once) is
/// spread over several passes and other controllers and API writes interleave.
const MAX_STARTS_PER_PASS: usize = 1000;

/// Hands out pod IPs per node.
#[derive(Debug, Default)]
pub struct Lifecycle {
    next_host: HashMap<String, u32>,
    global: u32,
}

fn hex64(seed: &str) -> String {
    // Eight FNV-1a rounds with different salts: a stable, realistic-looking 64-hex-digit digest.
    let mut out = String::with_capacity(64);
    for salt in 0..8u8 {
        let h = format!("{salt}{seed}")
            .bytes()
            .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        let _ = write!(out, "{h:08x}");
    }
    out
}

/// `image` without its tag or digest, with docker.io's defaults.
fn repository(image: &str) -> String {
    let base = image.split('@').next().unwrap_or(image);
    let base = match base.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => base,
    };
    match base.matches('/').count() {
        0 => format!("docker.io/library/{base}"),
        1 if !base.split('/').next().unwrap_or_default().contains(['.', ':']) => format!("docker.io/{base}"),
        _ => base.to_owned(),
    }
}

/// The `resources` of a container spec restricted to cpu/memory requests and limits.
pub fn cpu_memory(resources: &Value) -> Value {
    let mut out = json!({});
    for part in ["requests", "limits"] {
        for name in ["cpu", "memory"] {
            let v = &resources[part][name];
            if !v.is_null() {
                out[part][name] = v.clone();
            }
        }
    }
    out
}

/// Requests as the kubelet allocates them: the spec's requests, defaulting to limits.
pub fn allocated_of(resources: &Value) -> Value {
    let mut out = json!({});
    for name in ["cpu", "memory"] {
        let v = if resources["requests"][name].is_null() {
            &resources["limits"][name]
        } else {
            &resources["requests"][name]
        };
        if !v.is_null() {
            out[name] = v.clone();
        }
    }
    out
}

/// A fresh running container status.
pub fn container_status(
    pod: &Value,
    container: &Value,
    ready: bool,
    restarts: i64,
    started: Timestamp,
) -> Value {
    let name = container["name"].as_str().unwrap_or_default();
    let image = container["image"].as_str().unwrap_or_default();
    let seed = format!("{}/{name}/{restarts}", uid(pod));
    json!({
        "name": name, "image": image,
        "imageID": format!("{}@sha256:{}", repository(image), hex64(image)),
        "containerID": format!("containerd://{}", hex64(&seed)),
        "ready": ready, "started": true, "restartCount": restarts,
        "state": {"running": {"startedAt": format_time(started)}}, "lastState": {},
        "allocatedResources": allocated_of(&container["resources"]),
        "resources": cpu_memory(&container["resources"]),
    })
}

fn node_ip(node: Option<&Value>) -> String {
    node.and_then(|n| n["status"]["addresses"].as_array())
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// Set the pod-level readiness conditions from the container statuses.
pub fn set_ready_conditions(status: &mut Value, now: Timestamp) {
    let unready: Vec<String> = status["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["ready"].as_bool() != Some(true))
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    if unready.is_empty() {
        set_condition(status, "Ready", "True", None, None, now);
        set_condition(status, "ContainersReady", "True", None, None, now);
    } else {
        let msg = format!("containers with unready status: [{}]", unready.join(" "));
        set_condition(status, "Ready", "False", Some("ContainersNotReady"), Some(&msg), now);
        set_condition(status, "ContainersReady", "False", Some("ContainersNotReady"), Some(&msg), now);
    }
}

fn started_at(container_status: &Value) -> Option<Timestamp> {
    container_status["state"]["running"]["startedAt"].as_str()?.parse().ok()
}

impl Lifecycle {
    fn pod_ip(&mut self, node: Option<&Value>) -> String {
        let cidr = node.and_then(|n| n["spec"]["podCIDR"].as_str()).unwrap_or_default();
        if let Some(prefix) = cidr.strip_suffix(".0/24") {
            let n = self.next_host.entry(prefix.to_owned()).or_insert(0);
            *n += 1;
            return format!("{prefix}.{}", 2 + (*n - 1) % 253);
        }
        self.global += 1;
        let host = self.global + 1;
        format!("10.244.{}.{}", (host >> 8) & 0xff, host & 0xff)
    }

    /// One pass over bound pods; returns when the next container becomes ready (or now, when
    /// more pods wait to be started than one pass starts).
    pub fn reconcile(&mut self, ctx: &Ctx<'_>) -> Option<Timestamp> {
        let mut next: Option<Timestamp> = None;
        let mut started = 0;
        for pod in ctx.informer.values(&keys::pods()) {
            let Some(node_name) = pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty()) else {
                continue;
            };
            if is_terminating(pod) || matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
            {
                continue;
            }
            // A pod whose container statuses someone else wrote (a test fixture, an imported
            // object) is not this kubelet's to start.
            if pod["status"]["startTime"].is_null() && pod["status"]["containerStatuses"].is_null() {
                if started == MAX_STARTS_PER_PASS {
                    next = Some(ctx.now);
                    continue;
                }
                started += 1;
                let node = ctx.informer.get(&keys::nodes(), "", node_name);
                self.start(ctx, pod, node, node_name);
            } else if let Some(due) = readiness(ctx, pod) {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        next
    }

    fn start(&mut self, ctx: &Ctx<'_>, pod: &Value, node: Option<&Value>, node_name: &str) {
        let ready = readiness_delay(pod).is_zero();
        let mut obj = pod.clone();
        let status = &mut obj["status"];
        if !status.is_object() {
            *status = json!({});
        }
        let host_ip = node_ip(node);
        let pod_ip = match status["podIP"].as_str() {
            Some(ip) if !ip.is_empty() => ip.to_owned(),
            _ => self.pod_ip(node),
        };
        status["phase"] = json!("Running");
        status["observedGeneration"] = pod["metadata"]["generation"].clone();
        status["startTime"] = json!(format_time(ctx.now));
        status["hostIP"] = json!(host_ip);
        status["hostIPs"] = json!([{"ip": host_ip}]);
        status["podIP"] = json!(pod_ip);
        status["podIPs"] = json!([{"ip": pod_ip}]);
        let containers: Vec<Value> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| container_status(pod, c, ready, 0, ctx.now))
            .collect();
        status["containerStatuses"] = json!(containers);
        set_condition(status, "PodReadyToStartContainers", "True", None, None, ctx.now);
        set_condition(status, "Initialized", "True", None, None, ctx.now);
        set_ready_conditions(status, ctx.now);
        set_condition(status, "PodScheduled", "True", None, None, ctx.now);
        if ctx.write(&keys::pods(), obj, UpdateScope::Status) {
            for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
                let msg = format!("Started container {}", c["name"].as_str().unwrap_or_default());
                events::record(
                    ctx.cluster,
                    pod,
                    "v1",
                    "Pod",
                    Source::kubelet(node_name),
                    Note::normal("Started", &msg),
                    ctx.now,
                );
            }
        }
    }
}

/// Mark containers ready whose delay has passed; returns the next time one will be.
fn readiness(ctx: &Ctx<'_>, pod: &Value) -> Option<Timestamp> {
    let statuses = pod["status"]["containerStatuses"].as_array()?;
    let unready = statuses.iter().filter(|c| c["ready"].as_bool() != Some(true));
    // Most pods are ready: decide on the borrowed pod and clone only to write.
    let delay = readiness_delay(pod);
    let dues: Vec<(String, Timestamp)> =
        unready.filter_map(|c| Some((c["name"].as_str()?.to_owned(), add(started_at(c)?, delay)))).collect();
    let (due_now, later): (Vec<_>, Vec<_>) = dues.into_iter().partition(|(_, due)| *due <= ctx.now);
    if !due_now.is_empty() {
        let mut obj = pod.clone();
        for c in obj["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
            if due_now.iter().any(|(name, _)| c["name"] == name.as_str()) {
                c["ready"] = json!(true);
            }
        }
        set_ready_conditions(&mut obj["status"], ctx.now);
        ctx.write(&keys::pods(), obj, UpdateScope::Status);
    }
    later.into_iter().map(|(_, due)| due).min()
}

/// Failures of [`record_container_restart`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestartError {
    /// No such pod.
    #[error("pod {namespace}/{pod} not found")]
    PodNotFound {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
    },
    /// The pod has no status for that container (it has not started).
    #[error("pod {namespace}/{pod} has no running container {container:?}")]
    ContainerNotFound {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
    },
    /// The status write failed (after retrying conflicts).
    #[error("updating the status of pod {pod}: {source}")]
    Write {
        /// Pod name.
        pod: String,
        /// Cause.
        #[source]
        source: Box<ApiError>,
    },
}

/// Record that `container` of pod `namespace/pod` was killed for `reason` (e.g. `"OOMKilled"`) at
/// `at` and restarted at once: `restartCount` + 1, `lastState.terminated` (`reason`, exit code
/// 137, the previous start and `at`), a new `state.running.startedAt`, a new containerID, readiness
/// reset when the pod has a readiness delay, and a `Warning` event with `reason`. Returns the
/// updated pod.
pub fn record_container_restart(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: &str,
    reason: &str,
    at: Timestamp,
) -> Result<Value, RestartError> {
    let key = keys::pods();
    let mut last_error = None;
    for _ in 0..5 {
        let Some(current) = cluster.get(&key, namespace, pod) else {
            return Err(RestartError::PodNotFound { namespace: namespace.into(), pod: pod.into() });
        };
        let mut obj = current.clone();
        let delay = readiness_delay(&current);
        let statuses = obj["status"]["containerStatuses"].as_array_mut();
        let Some(cs) = statuses.into_iter().flatten().find(|c| c["name"] == container) else {
            return Err(RestartError::ContainerNotFound {
                namespace: namespace.into(),
                pod: pod.into(),
                container: container.into(),
            });
        };
        restart_status(cs, &current, reason, 137, at, delay);
        set_ready_conditions(&mut obj["status"], at);
        match cluster.update(&key, obj, UpdateScope::Status, false) {
            Ok(updated) => {
                let node = current["spec"]["nodeName"].as_str().unwrap_or_default();
                let msg = format!(
                    "Container {container} in pod {namespace}/{pod} was killed ({reason}, exit code 137) and restarted"
                );
                events::record(
                    cluster,
                    &updated,
                    "v1",
                    "Pod",
                    Source::kubelet(node),
                    Note::warning(reason, &msg),
                    at,
                );
                return Ok(updated);
            }
            Err(e) if e.reason == "Conflict" => last_error = Some(e),
            Err(source) => return Err(RestartError::Write { pod: pod.into(), source: Box::new(source) }),
        }
    }
    let source = last_error.unwrap_or_else(|| ApiError::new(409, "Conflict", "too many concurrent writers"));
    Err(RestartError::Write { pod: pod.into(), source: Box::new(source) })
}

/// Turn a running container status into its restarted successor (shared with resize restarts).
pub fn restart_status(
    cs: &mut Value,
    pod: &Value,
    reason: &str,
    exit_code: i64,
    at: Timestamp,
    delay: Duration,
) {
    let restarts = cs["restartCount"].as_i64().unwrap_or(0) + 1;
    let previous_start = cs["state"]["running"]["startedAt"].clone();
    let name = cs["name"].as_str().unwrap_or_default().to_owned();
    cs["lastState"] = json!({"terminated": {"exitCode": exit_code, "reason": reason,
        "startedAt": previous_start, "finishedAt": format_time(at), "containerID": cs["containerID"]}});
    cs["restartCount"] = json!(restarts);
    cs["state"] = json!({"running": {"startedAt": format_time(at)}});
    cs["containerID"] = json!(format!("containerd://{}", hex64(&format!("{}/{name}/{restarts}", uid(pod)))));
    cs["ready"] = json!(delay.is_zero());
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::{container_status, repository, set_ready_conditions};

    #[test]
    fn image_repositories_get_docker_hub_defaults() {
        assert_eq!(repository("nginx:1.27"), "docker.io/library/nginx");
        assert_eq!(repository("bitnami/redis"), "docker.io/bitnami/redis");
        assert_eq!(repository("registry.k8s.io/pause:3.10"), "registry.k8s.io/pause");
        assert_eq!(repository("localhost:5000/app@sha256:abc"), "localhost:5000/app");
    }

    #[test]
    fn a_started_container_reports_its_resources_and_start() {
        let pod = json!({"metadata": {"uid": "u1"}});
        let container = json!({"name": "app", "image": "nginx:1.27",
            "resources": {"requests": {"cpu": "250m"}, "limits": {"cpu": "500m", "memory": "128Mi"}}});
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let cs = container_status(&pod, &container, false, 0, now);
        assert_eq!(cs["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
        assert_eq!(cs["allocatedResources"], json!({"cpu": "250m", "memory": "128Mi"}));
        assert_eq!(
            cs["resources"],
            json!({"requests": {"cpu": "250m"}, "limits": {"cpu": "500m", "memory": "128Mi"}})
        );
        assert!(cs["imageID"].as_str().unwrap().starts_with("docker.io/library/nginx@sha256:"));
        assert_eq!(cs["containerID"].as_str().unwrap().len(), "containerd://".len() + 64);
    }

    #[test]
    fn unready_containers_are_named_in_the_ready_condition() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let mut status =
            json!({"containerStatuses": [{"name": "a", "ready": true}, {"name": "b", "ready": false}]});
        set_ready_conditions(&mut status, now);
        let ready =
            status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Ready").unwrap().clone();
        assert_eq!(ready["status"], "False");
        assert_eq!(ready["message"], "containers with unready status: [b]");
    }
}
