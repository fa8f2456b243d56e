//! Recording core/v1 Events the way controllers and kubelets do (`record.EventRecorder`): one new
//! Event per action, named `<object>.<hex nanos>`, in the object's namespace (`default` for
//! cluster-scoped objects), with `count: 1` and first/last timestamps. Failures to record are
//! ignored, as upstream recorders drop events they cannot write.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::sim::cluster::Cluster;
use crate::sim::store::{ResourceKey, format_time};

/// Keeps event names unique when two events for one object share a timestamp.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Who reports an event.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// `source.component`, e.g. `deployment-controller`, `kubelet`.
    pub component: &'a str,
    /// `source.host` (kubelet events name their node).
    pub host: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// A controller (no host).
    pub const fn controller(component: &'a str) -> Self {
        Self { component, host: None }
    }

    /// The kubelet of `node`.
    pub const fn kubelet(node: &'a str) -> Self {
        Self { component: "kubelet", host: Some(node) }
    }
}

/// What an event is about and says.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    /// `Normal` or `Warning`.
    pub kind: &'a str,
    /// Machine-readable reason, e.g. `SuccessfulCreate`.
    pub reason: &'a str,
    /// Human-readable message.
    pub message: &'a str,
}

impl<'a> Note<'a> {
    /// A `Normal` event.
    pub const fn normal(reason: &'a str, message: &'a str) -> Self {
        Self { kind: "Normal", reason, message }
    }

    /// A `Warning` event.
    pub const fn warning(reason: &'a str, message: &'a str) -> Self {
        Self { kind: "Warning", reason, message }
    }
}

/// The Event object for `note` about `object` (of `api_version`/`kind`).
pub fn event(
    object: &Value,
    api_version: &str,
    kind: &str,
    source: Source<'_>,
    note: Note<'_>,
    now: Timestamp,
) -> Value {
    let meta = &object["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    let namespace = meta["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or("default");
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let nanos = now.as_nanosecond().unsigned_abs() + u128::from(sequence);
    let time = format_time(now);
    let mut involved = json!({"apiVersion": api_version, "kind": kind, "name": name,
        "uid": meta["uid"], "resourceVersion": meta["resourceVersion"]});
    if let Some(ns) = meta["namespace"].as_str().filter(|n| !n.is_empty()) {
        involved["namespace"] = json!(ns);
    }
    let mut src = json!({"component": source.component});
    if let Some(host) = source.host {
        src["host"] = json!(host);
    }
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{nanos:x}"), "namespace": namespace},
        "involvedObject": involved,
        "reason": note.reason, "message": note.message, "type": note.kind,
        "source": src, "firstTimestamp": time, "lastTimestamp": time, "count": 1,
        "reportingComponent": source.component, "reportingInstance": source.host.unwrap_or_default(),
    })
}

/// Record `note` about `object`; errors are ignored (see the module documentation).
pub fn record(
    cluster: &Cluster,
    object: &Value,
    api_version: &str,
    kind: &str,
    source: Source<'_>,
    note: Note<'_>,
    now: Timestamp,
) {
    let ev = event(object, api_version, kind, source, note, now);
    let _ = cluster.create(&ResourceKey::new("", "events"), ev, false);
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::{Note, Source, event};

    #[test]
    fn an_event_names_its_object_reason_and_source() {
        let pod =
            json!({"metadata": {"name": "web-1", "namespace": "prod", "uid": "u1", "resourceVersion": "7"}});
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let ev = event(
            &pod,
            "v1",
            "Pod",
            Source::kubelet("node-1"),
            Note::normal("Started", "Started container app"),
            now,
        );
        assert_eq!(ev["metadata"]["namespace"], "prod");
        assert!(ev["metadata"]["name"].as_str().unwrap().starts_with("web-1."));
        assert_eq!(
            ev["involvedObject"],
            json!({"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "prod", "uid": "u1", "resourceVersion": "7"})
        );
        assert_eq!(ev["source"], json!({"component": "kubelet", "host": "node-1"}));
        assert_eq!(
            (ev["reason"].as_str(), ev["type"].as_str(), ev["count"].as_i64()),
            (Some("Started"), Some("Normal"), Some(1))
        );
        assert_eq!(ev["firstTimestamp"], "2023-11-14T22:13:20Z");
    }
}
