//! The `hpa plan` input document (`docs/cli.md`), decoded with field paths in errors.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use serde::{Deserialize, Deserializer};

use crate::hpa::behavior::History;
use crate::quantity::Quantity;

/// The whole input document.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanInput {
    /// The instant of the decision.
    pub now: Timestamp,
    /// The `autoscaling/v2` HPA (spec; of the status only the `ScaledToZero` condition is read).
    pub hpa: HorizontalPodAutoscaler,
    /// The target's scale.
    pub scale: ScaleInput,
    /// v1 Pods (filtered by `scale.selector`).
    #[serde(default)]
    pub pods: Vec<Pod>,
    /// `metrics.k8s.io/v1beta1` `PodMetrics` items.
    #[serde(default)]
    pub pod_metrics: Vec<PodMetricsInput>,
    /// Pods metrics: metric name → pod name → value.
    #[serde(default)]
    pub pods_metrics: BTreeMap<String, BTreeMap<String, Quantity>>,
    /// Object metrics: metric name → value.
    #[serde(default)]
    pub object_metrics: BTreeMap<String, Quantity>,
    /// External metrics: metric name → values.
    #[serde(default)]
    pub external_metrics: BTreeMap<String, Vec<Quantity>>,
    /// Remembered recommendations and scale events; absent means first sight.
    #[serde(default)]
    pub history: Option<History>,
    /// Controller flags; omitted fields take upstream defaults.
    #[serde(default)]
    pub config: PlanConfig,
}

/// The target's `/scale` as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScaleInput {
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.replicas` (defaults to `replicas`).
    #[serde(default)]
    pub status_replicas: Option<i32>,
    /// `status.selector`.
    #[serde(default)]
    pub selector: Option<String>,
}

/// Object metadata of a `PodMetrics` item (only what is used).
#[derive(Debug, Clone, Deserialize)]
pub struct PodMetricsMeta {
    /// Pod name.
    pub name: String,
}

/// One container of a `PodMetrics` item.
#[derive(Debug, Clone, Deserialize)]
pub struct PodMetricsContainer {
    /// Container name.
    pub name: String,
    /// Usage by resource name.
    #[serde(default)]
    pub usage: BTreeMap<String, K8sQuantity>,
}

/// A `metrics.k8s.io/v1beta1` `PodMetrics` item as `kubectl get --raw` returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct PodMetricsInput {
    /// Metadata (name).
    pub metadata: PodMetricsMeta,
    /// Sample time.
    pub timestamp: Timestamp,
    /// Sample window, a Go duration (`15s`).
    pub window: String,
    /// Per-container usage.
    #[serde(default)]
    pub containers: Vec<PodMetricsContainer>,
}

/// kube-controller-manager flags that shape a decision.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PlanConfig {
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5m).
    #[serde(deserialize_with = "go_duration")]
    pub cpu_initialization_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30s).
    #[serde(deserialize_with = "go_duration")]
    pub initial_readiness_delay: SignedDuration,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (5m).
    #[serde(deserialize_with = "go_duration")]
    pub downscale_stabilization: SignedDuration,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            tolerance: 0.1,
            cpu_initialization_period: SignedDuration::from_mins(5),
            initial_readiness_delay: SignedDuration::from_secs(30),
            downscale_stabilization: SignedDuration::from_mins(5),
        }
    }
}

/// A Go duration string (`30s`, `5m`, `1h30m`).
fn go_duration<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
    let text = String::deserialize(d)?;
    let duration = crate::goduration::parse(&text).map_err(serde::de::Error::custom)?;
    SignedDuration::try_from(duration).map_err(serde::de::Error::custom)
}
