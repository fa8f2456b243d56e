//! `metrics.k8s.io/v1beta1` object shapes, serialised byte-for-byte like metrics-server.
//!
//! Field order follows the Go structs (`kind`, `apiVersion`, `metadata`, `timestamp`, `window`,
//! `usage` | `containers`); `metadata` follows `ObjectMeta` order (`name`, `namespace`,
//! `creationTimestamp`, `labels`), omitting empty optional fields like Go's `omitempty`. Times are
//! RFC 3339 UTC with second precision (Go `metav1.Time` truncates the fraction); the zero time is
//! `null`. `usage` is a Go map, hence keys sorted: `cpu`, `memory`.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::source::{ContainerSample, NodeSample, PodSample};
use crate::goduration;
use crate::quantity::Quantity;

/// API group served.
pub const GROUP: &str = "metrics.k8s.io";
/// API version served.
pub const VERSION: &str = "v1beta1";
/// `apiVersion` of every served object.
pub const GROUP_VERSION: &str = "metrics.k8s.io/v1beta1";

#[allow(clippy::ref_option, reason = "serde `serialize_with` passes `&Option<T>`")]
/// Serialises an optional timestamp like Go `metav1.Time`: whole seconds, `Z`, `null` for zero.
fn serialize_time<S: Serializer>(time: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => s.collect_str(&format_time(*t)),
        None => s.serialize_none(),
    }
}

/// Formats `t` as Go's `time.RFC3339` in UTC (fraction truncated).
pub fn format_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `ObjectMeta` subset metrics-server fills.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name.
    pub name: String,
    /// Namespace (pods only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Always the request time (upstream sets `now`).
    #[serde(serialize_with = "serialize_time")]
    pub creation_timestamp: Option<jiff::Timestamp>,
    /// Labels of the underlying node or pod.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `ListMeta` as metrics-server returns it: always empty (`{}`), no continue token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListMeta {}

/// CPU and memory usage (`v1.ResourceList`).
///
/// The raw numbers are kept next to the quantities so the Table can sum pod containers without
/// quantity arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Usage {
    /// CPU in canonical decimal SI form (e.g. `7990556n`).
    pub cpu: Quantity,
    /// Memory in canonical binary SI form (e.g. `14064Ki`).
    pub memory: Quantity,
    #[serde(skip)]
    cpu_nanocores: u64,
    #[serde(skip)]
    memory_bytes: u64,
}

impl Usage {
    /// Usage from raw nanocores and bytes.
    pub fn new(cpu_nanocores: u64, memory_bytes: u64) -> Self {
        Self {
            cpu: Quantity::from_nanocores(cpu_nanocores),
            memory: Quantity::from_bytes(memory_bytes),
            cpu_nanocores,
            memory_bytes,
        }
    }

    /// CPU in nanocores.
    pub fn cpu_nanocores(&self) -> u64 {
        self.cpu_nanocores
    }

    /// Memory in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes
    }
}

/// One `NodeMetrics` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetrics {
    /// Always `NodeMetrics`.
    pub kind: &'static str,
    /// Always `metrics.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Object metadata.
    pub metadata: ObjectMeta,
    /// Time of the newest point.
    #[serde(serialize_with = "serialize_time")]
    pub timestamp: Option<jiff::Timestamp>,
    /// Go duration string of the window.
    pub window: String,
    /// Usage over the window.
    pub usage: Usage,
}

impl NodeMetrics {
    /// Builds the API object for `sample`, stamping `creationTimestamp` with `now`.
    pub fn from_sample(sample: &NodeSample, now: jiff::Timestamp) -> Self {
        Self {
            kind: "NodeMetrics",
            api_version: GROUP_VERSION,
            metadata: ObjectMeta {
                name: sample.name.clone(),
                namespace: None,
                creation_timestamp: Some(now),
                labels: sample.labels.clone(),
            },
            timestamp: Some(sample.timestamp),
            window: goduration::format(sample.window),
            usage: Usage::new(sample.cpu_nanocores, sample.memory_bytes),
        }
    }
}

/// One container of a `PodMetrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerMetrics {
    /// Container name.
    pub name: String,
    /// Usage over the pod's window.
    pub usage: Usage,
}

impl From<&ContainerSample> for ContainerMetrics {
    fn from(c: &ContainerSample) -> Self {
        Self { name: c.name.clone(), usage: Usage::new(c.cpu_nanocores, c.memory_bytes) }
    }
}

/// One `PodMetrics` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetrics {
    /// Always `PodMetrics`.
    pub kind: &'static str,
    /// Always `metrics.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Object metadata.
    pub metadata: ObjectMeta,
    /// Time of the container with the earliest timestamp (`null` with no containers).
    #[serde(serialize_with = "serialize_time")]
    pub timestamp: Option<jiff::Timestamp>,
    /// Go duration string of the window.
    pub window: String,
    /// Per-container usage (`[]` when every container was skipped).
    pub containers: Vec<ContainerMetrics>,
}

impl PodMetrics {
    /// Builds the API object for `sample`, stamping `creationTimestamp` with `now`.
    pub fn from_sample(sample: &PodSample, now: jiff::Timestamp) -> Self {
        Self {
            kind: "PodMetrics",
            api_version: GROUP_VERSION,
            metadata: ObjectMeta {
                name: sample.name.clone(),
                namespace: Some(sample.namespace.clone()),
                creation_timestamp: Some(now),
                labels: sample.labels.clone(),
            },
            timestamp: sample.timestamp,
            window: goduration::format(sample.window),
            containers: sample.containers.iter().map(ContainerMetrics::from).collect(),
        }
    }
}

/// `NodeMetricsList`, items sorted by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetricsList {
    /// Always `NodeMetricsList`.
    pub kind: &'static str,
    /// Always `metrics.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Always `{}`.
    pub metadata: ListMeta,
    /// The nodes.
    pub items: Vec<NodeMetrics>,
}

impl NodeMetricsList {
    /// Wraps `items`, sorting them by name as upstream does.
    pub fn new(mut items: Vec<NodeMetrics>) -> Self {
        items.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        Self { kind: "NodeMetricsList", api_version: GROUP_VERSION, metadata: ListMeta {}, items }
    }
}

/// `PodMetricsList`, items sorted by (namespace, name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetricsList {
    /// Always `PodMetricsList`.
    pub kind: &'static str,
    /// Always `metrics.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Always `{}`.
    pub metadata: ListMeta,
    /// The pods.
    pub items: Vec<PodMetrics>,
}

impl PodMetricsList {
    /// Wraps `items`, sorting them by namespace then name as upstream does.
    pub fn new(mut items: Vec<PodMetrics>) -> Self {
        items.sort_by(|a, b| {
            (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
        });
        Self { kind: "PodMetricsList", api_version: GROUP_VERSION, metadata: ListMeta {}, items }
    }
}
