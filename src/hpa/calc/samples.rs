//! Metric samples as the controller fetched them, one [`MetricSamples`] per metric spec.
//!
//! Per-pod samples (Resource, `ContainerResource` and Pods metrics) are keyed by pod name, as
//! upstream's `PodMetricsInfo`. A failed fetch is passed in as [`MetricSamples::Unavailable`]
//! with the metrics client's error text; the calculator wraps it in the upstream message.
//! [`resource_samples`] reproduces the resource metrics client (`GetResourceMetric`) so callers
//! can hand over `metrics.k8s.io` `PodMetrics` items unchanged.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::pods::{ResourceList, ResourceName};

/// One pod's sample: value in milli-units, sample time and the window it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetricSample {
    /// Value in milli-units.
    pub value: i64,
    /// When the sample was taken.
    pub timestamp: Timestamp,
    /// The window the sample covers (custom metrics default to 1 minute).
    #[serde(default = "default_window")]
    pub window: SignedDuration,
}

/// Upstream's default window for custom metrics without `windowSeconds`.
fn default_window() -> SignedDuration {
    SignedDuration::from_mins(1)
}

/// Per-pod samples with the timestamp upstream reports for the batch (that of the first item).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerPodSamples {
    /// Samples keyed by pod name.
    pub pods: BTreeMap<String, PodMetricSample>,
    /// Timestamp of the batch (`items[0].timestamp`); `None` for an empty batch.
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
}

/// What the controller fetched for one metric spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MetricSamples {
    /// Resource, `ContainerResource` or Pods metrics: one sample per pod.
    PerPod(PerPodSamples),
    /// Object metric: the single value of the described object.
    Object {
        /// Value in milli-units.
        value: i64,
        /// Sample time.
        timestamp: Timestamp,
    },
    /// External metric: every value the external metrics API returned for the selector.
    External {
        /// Values in milli-units.
        values: Vec<i64>,
        /// Timestamp of the first item.
        timestamp: Timestamp,
    },
    /// The fetch failed; `reason` is the metrics client's error text (for example
    /// `no metrics returned from resource metrics API`).
    Unavailable {
        /// Client error text.
        reason: String,
    },
}

impl MetricSamples {
    /// Short name of the shape, used in mismatch errors.
    pub fn shape(&self) -> &'static str {
        match self {
            Self::PerPod(_) => "per-pod",
            Self::Object { .. } => "object",
            Self::External { .. } => "external",
            Self::Unavailable { .. } => "unavailable",
        }
    }
}

/// One container of a `metrics.k8s.io` `PodMetrics` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUsage {
    /// Container name.
    pub name: String,
    /// Usage in milli-units.
    #[serde(default)]
    pub usage: ResourceList,
}

/// A `metrics.k8s.io` `PodMetrics` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUsage {
    /// Pod name.
    pub name: String,
    /// Sample time.
    pub timestamp: Timestamp,
    /// Window the sample covers.
    pub window: SignedDuration,
    /// Per-container usage.
    #[serde(default)]
    pub containers: Vec<ContainerUsage>,
}

/// The upstream resource metrics client (`GetResourceMetric`): an empty list is an error; without
/// a container, a pod's value is the sum over its containers and the pod is dropped if it has no
/// containers or any container lacks the resource; with a container, the pod's value is that
/// container's usage and the pod is dropped if the container or its usage is absent.
pub fn resource_samples(
    items: &[PodUsage],
    resource: ResourceName,
    container: Option<&str>,
) -> MetricSamples {
    let Some(first) = items.first() else {
        return MetricSamples::Unavailable {
            reason: "no metrics returned from resource metrics API".to_owned(),
        };
    };
    let mut pods = BTreeMap::new();
    for item in items {
        let value = match container {
            Some(name) => item.containers.iter().find(|c| c.name == name).and_then(|c| c.usage.get(resource)),
            None if item.containers.is_empty() => None,
            None => item
                .containers
                .iter()
                .map(|c| c.usage.get(resource))
                .try_fold(0_i64, |sum, v| v.map(|v| sum.saturating_add(v))),
        };
        if let Some(value) = value {
            pods.insert(
                item.name.clone(),
                PodMetricSample { value, timestamp: item.timestamp, window: item.window },
            );
        }
    }
    MetricSamples::PerPod(PerPodSamples { pods, timestamp: Some(first.timestamp) })
}
