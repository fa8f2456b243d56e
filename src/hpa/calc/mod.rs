//! Pure HPA replica calculator: the per-metric proposals of kube-controller-manager's
//! `ReplicaCalculator` and the multi-metric combinator of `computeReplicasForMetrics`.
//!
//! # Model
//!
//! The controller fetches; the calculator decides. Callers hand in plain snapshots (pods with their
//! readiness and requests, metric samples already fetched from `metrics.k8s.io`,
//! `custom.metrics.k8s.io` or `external.metrics.k8s.io`, the current replica counts and `now`), and
//! get back a [`ReplicaProposal`] that carries every intermediate number upstream computes: usage
//! ratio, utilization, raw average, ready/unready/missing/ignored pods, whether a tolerance check
//! held the count and whether missing or unready pods were re-added ("rebalancing").
//!
//! Target semantics are Kubernetes 1.35: per-direction [`Tolerances`] with the inclusive `isWithin`
//! test, missing pods on a utilization scale-down valued at `request * max(100, target) / 100`,
//! terminal pods (`Failed` or `Succeeded`) ignored, restartable init containers and pod-level
//! requests in the request sum, and the overflow clamps of the external and object paths.
//!
//! # Invariants
//!
//! * No I/O, no clock reads: `now` is a parameter ([`CalcContext::now`]).
//! * All metric values are `i64` milli-units (`Quantity.MilliValue()`), replicas are `i32`.
//! * Integer arithmetic happens before the float ratio, exactly as in Go (truncating division);
//!   sums that Go would wrap on `int64` overflow are computed exactly in `i128` and clamped
//!   instead (see [`numeric`]), and every float→`i32` conversion is an explicit clamp.
//! * No function panics on any input: bad input is a [`CalcError`] naming it.
//!
//! Files: [`pods`] (grouping, readiness windows, requests), [`samples`] (fetched metric shapes),
//! [`ratio`] (utilization and usage ratios), [`tolerance`], [`resource`] (Utilization targets),
//! [`plain`] (`AverageValue` of resources and Pods metrics), [`object`] and [`external`], [`spec`]
//! (autoscaling/v2 metric specs), [`multi`] (dispatch and combination), [`outcome`] (results).

pub mod error;
pub mod external;
pub mod multi;
pub mod numeric;
pub mod object;
pub mod outcome;
pub mod plain;
pub mod pods;
pub mod ratio;
mod rebalance;
pub mod resource;
pub mod samples;
pub mod spec;
pub mod tolerance;

#[cfg(test)]
mod tests;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use error::CalcError;
pub use multi::{
    MetricFailure, MetricOutcome, MetricProposal, MetricsDecision, Replicas, compute_replicas_for_metric,
    compute_replicas_for_metrics,
};
pub use outcome::{Hold, ReplicaProposal, SkipReason, SkippedPod};
pub use pods::{
    ConditionStatus, ContainerRequests, PodPhase, PodSnapshot, ReadyCondition, ResourceList, ResourceName,
};
pub use samples::{
    ContainerUsage, MetricSamples, PerPodSamples, PodMetricSample, PodUsage, resource_samples,
};
pub use spec::{MetricIdentifier, MetricSpec, MetricTarget, ObjectReference, TargetType};
pub use tolerance::Tolerances;

/// Controller flags that shape the calculation (kube-controller-manager defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CalcConfig {
    /// Per-direction tolerance (`--horizontal-pod-autoscaler-tolerance`, or the HPA's
    /// `behavior.*.tolerance` when `HPAConfigurableTolerance` is on).
    pub tolerances: Tolerances,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (default 5m).
    pub cpu_initialization_period: SignedDuration,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (default 30s).
    pub delay_of_initial_readiness_status: SignedDuration,
    /// Feature gate `PodLevelResources` (beta, on by default since 1.34): pod-level requests
    /// replace the per-container sum when no container is named.
    pub pod_level_resources: bool,
}

impl Default for CalcConfig {
    fn default() -> Self {
        Self {
            tolerances: Tolerances::default(),
            cpu_initialization_period: SignedDuration::from_mins(5),
            delay_of_initial_readiness_status: SignedDuration::from_secs(30),
            pod_level_resources: true,
        }
    }
}

/// What every calculator needs besides the metric itself: the pods the scale selector lists,
/// the flags, the namespace (only used in error texts) and the evaluation instant.
#[derive(Debug, Clone, Copy)]
pub struct CalcContext<'a> {
    /// All pods matching the scale target's selector, whatever their state.
    pub pods: &'a [PodSnapshot],
    /// Controller flags.
    pub config: &'a CalcConfig,
    /// Namespace of the HPA, quoted in object and external error messages.
    pub namespace: &'a str,
    /// The instant upstream would read with `time.Now()`.
    pub now: Timestamp,
}
