//! OOM kills: a container whose working set passes its memory limit is killed and restarted.
//!
//! The restart itself (restartCount, `lastState.terminated` with reason `OOMKilled` and exit code
//! 137, a new `state.running.startedAt`, the pod's own event) is recorded by the pod lifecycle
//! controller's [`record_container_restart`]; the kubelets add the node's `Warning` `OOMKilling`
//! Event from `kernel-monitor`, as node-problem-detector reports it.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use serde_json::json;

use crate::sim::cluster::Cluster;
use crate::sim::controllers::lifecycle::{RestartError, record_container_restart};
use crate::sim::status::ApiError;
use crate::sim::store::{ResourceKey, format_time};

/// The restart reason of an OOM kill.
pub const OOM_KILLED: &str = "OOMKilled";

static EVENT_SEQ: AtomicU64 = AtomicU64::new(1);

/// Failures recording an OOM kill.
#[derive(Debug, thiserror::Error)]
pub enum OomError {
    /// The container restart could not be recorded on the pod.
    #[error("recording the OOM restart: {0}")]
    Restart(#[from] RestartError),
    /// The node event could not be stored.
    #[error("recording the OOMKilling event: {0}")]
    Event(#[from] ApiError),
}

/// Kill `container` for using `memory` bytes over its `limit`: restart it and emit the node event.
pub fn kill(
    cluster: &Cluster,
    node: &str,
    (namespace, pod, container): (&str, &str, &str),
    (memory, limit): (f64, f64),
    at: Timestamp,
) -> Result<(), OomError> {
    record_container_restart(cluster, namespace, pod, container, OOM_KILLED, at)?;
    let seq = EVENT_SEQ.fetch_add(1, Ordering::Relaxed);
    let time = format_time(at);
    let message = format!(
        "Memory cgroup out of memory: Killed process {} ({container}) of pod {namespace}/{pod}, anon-rss:{}kB, limit:{}kB",
        1000 + seq,
        (memory / 1024.0) as u64,
        (limit / 1024.0) as u64
    );
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{node}.oom{seq:x}{}", at.as_millisecond()), "namespace": "default"},
        "involvedObject": {"apiVersion": "v1", "kind": "Node", "name": node, "uid": node},
        "reason": "OOMKilling", "message": message, "type": "Warning", "count": 1,
        "source": {"component": "kernel-monitor", "host": node},
        "reportingComponent": "kernel-monitor", "reportingInstance": node,
        "firstTimestamp": time, "lastTimestamp": time,
    });
    cluster.create(&ResourceKey::new("", "events"), event, false)?;
    Ok(())
}
