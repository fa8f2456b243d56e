//! The `AutoscalingPolicy` resource (`autoscaling.bellows.dev/v1alpha1`): spec and status types.
//!
//! The horizontal part reuses the `autoscaling/v2` shapes from k8s-openapi (`MetricSpec`,
//! `HorizontalPodAutoscalerBehavior`, `MetricStatus`, `CrossVersionObjectReference`, metav1
//! `Condition`), so an HPA's `spec.metrics` and `spec.behavior` can be pasted in unchanged. Their
//! schemars output is structural once kube's generator inlines it (checked by the tests in
//! `tests/crd.rs`).
//!
//! Room to grow without breaking: every part of the spec (`horizontal` today, `vertical` and a
//! coordination rule later) is an optional field of its own struct, so a later part is a new optional
//! field and old objects stay valid. Durations are kept as the user's strings (`5m`, `30s`) so that a
//! bad value reaches `validate` and becomes a `FieldError` instead of failing deserialisation of
//! the whole watch list.

use std::time::Duration;

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscalerBehavior, MetricSpec, MetricStatus, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::goduration::{DurationError, parse as parse_duration};

/// Default for `spec.horizontal.minReplicas`, as the HPA defaults it.
pub const DEFAULT_MIN_REPLICAS: i32 = 1;
/// Default for `spec.horizontal.cpuInitializationPeriod` (kube-controller-manager's flag default).
pub const DEFAULT_CPU_INITIALIZATION_PERIOD: &str = "5m";
/// Default for `spec.horizontal.initialReadinessDelay` (kube-controller-manager's flag default).
pub const DEFAULT_INITIAL_READINESS_DELAY: &str = "30s";
/// CPU utilization target used when `spec.horizontal.metrics` is empty (upstream
/// `autoscaling.DefaultCPUUtilization`).
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// What Go's `time.ParseDuration` accepts, less negative values: a bare `0`, or numbers (`5`, `1.5`,
/// `5.`, `.5`) each followed by a unit (`90s`, `5m`, `1h30m`); `parse_duration` accepts the same set.
const DURATION_PATTERN: &str = r"^\+?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";

/// Desired autoscaling of one workload: which target, and how to scale it horizontally.
// The printer columns below repeat `type_ = ...`, which clippy mistakes for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "autoscaling.bellows.dev",
    version = "v1alpha1",
    kind = "AutoscalingPolicy",
    plural = "autoscalingpolicies",
    singular = "autoscalingpolicy",
    namespaced,
    shortname = "asp",
    category = "bellows",
    status = "AutoscalingPolicyStatus",
    derive = "PartialEq",
    doc = "AutoscalingPolicy scales one workload: horizontally with HPA v2 metrics and behavior \
           (minReplicas 0 allowed), with every decision explained in its status.",
    printcolumn(
        name = "Target",
        type_ = "string",
        description = "Kind/name of the scale target, as the controller last resolved it",
        json_path = ".status.target"
    ),
    printcolumn(
        name = "Min",
        type_ = "integer",
        description = "Lower replica limit",
        json_path = ".spec.horizontal.minReplicas"
    ),
    printcolumn(
        name = "Max",
        type_ = "integer",
        description = "Upper replica limit",
        json_path = ".spec.horizontal.maxReplicas"
    ),
    printcolumn(
        name = "Current",
        type_ = "integer",
        description = "Replicas the target had at the last decision",
        json_path = ".status.currentReplicas"
    ),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        description = "Replicas the last decision asked for",
        json_path = ".status.desiredReplicas"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        description = "Why the last decision was taken, in plain words",
        json_path = ".status.lastDecision.reason"
    ),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct AutoscalingPolicySpec {
    /// The workload to scale: any object with a `scale` subresource (`Deployment`, `StatefulSet`,
    /// `ReplicaSet`, or a custom resource), named like an HPA's `scaleTargetRef`.
    pub target_ref: CrossVersionObjectReference,
    /// Horizontal scaling: replica limits, metrics and behavior in the autoscaling/v2 shapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal: Option<HorizontalSpec>,
}

/// Horizontal scaling of the target, as an autoscaling/v2 `HorizontalPodAutoscaler` would do it.
///
/// Tolerance is set per direction with the autoscaling/v2 field `behavior.scaleUp.tolerance` and
/// `behavior.scaleDown.tolerance` (a quantity such as `0.05`); unset directions use the controller's
/// `--tolerance` (0.1). There is deliberately no second place to set it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.maxReplicas >= self.minReplicas",
        "message": "must be greater than or equal to `minReplicas`",
        "fieldPath": ".maxReplicas",
        "reason": "FieldValueInvalid",
    },
]))]
pub struct HorizontalSpec {
    /// Lower limit for the number of replicas. 0 allows scaling to zero and back; it needs at
    /// least one Object or External metric, since no pod is left to measure. Defaults to 1.
    #[serde(default = "default_min_replicas")]
    #[schemars(range(min = 0))]
    pub min_replicas: i32,
    /// Upper limit for the number of replicas; at least 1 and at least `minReplicas`.
    #[schemars(range(min = 1))]
    pub max_replicas: i32,
    /// The metrics used to compute the desired replica count (autoscaling/v2 `MetricSpec`). The
    /// largest proposal wins. Empty means CPU at 80% average utilization, as for an HPA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    /// Scaling behavior per direction (autoscaling/v2 `HorizontalPodAutoscalerBehavior`):
    /// stabilization windows, rate-limiting policies and per-direction `tolerance`. Unset fields take
    /// the HPA defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
    /// How long after a pod starts its CPU samples are treated with suspicion (a Go duration such
    /// as `5m`): unready pods, and samples taken before the pod became ready, are ignored within it.
    #[serde(default = "default_cpu_initialization_period")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub cpu_initialization_period: String,
    /// How long after a pod starts a readiness transition still counts as initial (a Go duration
    /// such as `30s`): an unready pod within it is treated as not yet started.
    #[serde(default = "default_initial_readiness_delay")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub initial_readiness_delay: String,
}

impl HorizontalSpec {
    /// The metrics to evaluate: `metrics`, or CPU at 80% average utilization when it is empty, as
    /// autoscaling/v2 defaulting fills an HPA.
    pub fn effective_metrics(&self) -> Vec<MetricSpec> {
        if !self.metrics.is_empty() {
            return self.metrics.clone();
        }
        vec![MetricSpec {
            type_: "Resource".to_owned(),
            resource: Some(ResourceMetricSource {
                name: "cpu".to_owned(),
                target: MetricTarget {
                    type_: "Utilization".to_owned(),
                    average_utilization: Some(DEFAULT_CPU_UTILIZATION),
                    ..MetricTarget::default()
                },
            }),
            ..MetricSpec::default()
        }]
    }

    /// `cpuInitializationPeriod` as a [`Duration`].
    pub fn cpu_initialization_period(&self) -> Result<Duration, DurationError> {
        parse_duration(&self.cpu_initialization_period)
    }

    /// `initialReadinessDelay` as a [`Duration`].
    pub fn initial_readiness_delay(&self) -> Result<Duration, DurationError> {
        parse_duration(&self.initial_readiness_delay)
    }
}

/// Joins the hard-wrapped lines of our doc comments into paragraphs so that `kubectl explain`
/// shows prose. It touches only the description of a bellows type and of its direct properties,
/// which are ours; the inlined k8s-openapi descriptions stay as upstream wrote them.
fn unwrap_doc_lines(schema: &mut schemars::Schema) {
    fn unwrap(description: &mut Value) {
        if let Value::String(text) = description {
            let paragraphs: Vec<String> =
                text.split("\n\n").map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" ")).collect();
            *text = paragraphs.join("\n\n");
        }
    }
    if let Some(description) = schema.get_mut("description") {
        unwrap(description);
    }
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            if let Some(description) = property.get_mut("description") {
                unwrap(description);
            }
        }
    }
}

fn default_min_replicas() -> i32 {
    DEFAULT_MIN_REPLICAS
}

fn default_cpu_initialization_period() -> String {
    DEFAULT_CPU_INITIALIZATION_PERIOD.to_owned()
}

fn default_initial_readiness_delay() -> String {
    DEFAULT_INITIAL_READINESS_DELAY.to_owned()
}

/// What the controller observed and decided, written through the status subresource.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct AutoscalingPolicyStatus {
    /// Standard conditions (`AbleToScale`, `ScalingActive`, `ScalingLimited`, …), one per type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    /// The scale target as `Kind/name`, written by the controller for the TARGET printer column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Replicas the target had at the last decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_replicas: Option<i32>,
    /// Replicas the last decision asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_replicas: Option<i32>,
    /// The last value read for each metric (autoscaling/v2 `MetricStatus`), in `spec` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub current_metrics: Vec<MetricStatus>,
    /// When the controller last changed the target's replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<Time>,
    /// The `metadata.generation` of the spec the status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The last scaling decision and its reasons in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_decision: Option<LastDecision>,
    /// Recent recommendations and scale events, persisted so that a restarted controller neither
    /// scales down before the stabilization window has passed nor exceeds the rate limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<ScalingHistory>,
}

/// One scaling decision, explained.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct LastDecision {
    /// When the decision was taken.
    pub time: Time,
    /// Replicas before the decision.
    pub from: i32,
    /// Replicas the decision asked for.
    pub to: i32,
    /// Why, in plain words, e.g. `3 → 5: cpu 92% of 60% target over 3 ready pods; 1 pod ignored
    /// (initializing)`.
    pub reason: String,
}

/// The controller's memory of recent recommendations and scale events (the HPA keeps these in
/// memory; bellows persists them so restarts do not change decisions).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct ScalingHistory {
    /// Replica recommendations inside the stabilization windows, oldest first.
    #[serde(default)]
    pub recommendations: Vec<TimestampedRecommendation>,
    /// Scale-up events inside the longest scale-up policy period, oldest first.
    #[serde(default)]
    pub scale_up_events: Vec<ScaleEvent>,
    /// Scale-down events inside the longest scale-down policy period, oldest first.
    #[serde(default)]
    pub scale_down_events: Vec<ScaleEvent>,
}

/// A replica recommendation and when it was made.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct TimestampedRecommendation {
    /// When the recommendation was made.
    pub timestamp: Time,
    /// The recommended replica count.
    pub replicas: i32,
}

/// A change of the target's replica count, kept for the behavior rate limits.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = unwrap_doc_lines)]
pub struct ScaleEvent {
    /// When the target was scaled.
    pub timestamp: Time,
    /// By how many replicas (always positive; the direction is the list it is in).
    pub replica_change: i32,
}
