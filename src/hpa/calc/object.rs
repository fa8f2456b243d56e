//! Object metrics (`GetObjectMetricReplicas`, `GetObjectPerPodMetricReplicas`) and the
//! usage-ratio helpers they share with External metrics.
//!
//! Value targets scale the count of Running+Ready pods by `usage / target`; from zero replicas
//! they return `ceil(usage / target)` without tolerance (scale from zero). `AverageValue` targets
//! compare `usage / (target * statusReplicas)` with the tolerance and propose
//! `ceil(usage / target)`, independent of pods.

use jiff::Timestamp;

use super::CalcContext;
use super::error::CalcError;
use super::numeric::{ceil_to_i32, per_pod_usage};
use super::outcome::{Hold, ReplicaProposal};
use super::pods::ready_pods_count;
use super::tolerance::Tolerances;

/// Upstream `getUsageRatioReplicaCount` for Value targets; `value` is the total usage.
pub(super) fn value_target_replicas(
    ctx: &CalcContext<'_>,
    current_replicas: i32,
    value: i64,
    target: i64,
) -> Result<ReplicaProposal, CalcError> {
    let ratio = value as f64 / target as f64;
    let mut p = ReplicaProposal::new(current_replicas, current_replicas, ratio);
    p.value = Some(value);
    if current_replicas == 0 {
        // Scale from zero: no pods to count and no tolerance.
        p.replicas = ceil_to_i32(ratio);
        p.reason = format!("value {value}m vs target {target}m (ratio {ratio:.3}) from zero replicas");
    } else if ctx.config.tolerances.is_within(ratio) {
        p.hold = Some(Hold::WithinTolerance);
        p.reason = format!("value {value}m vs target {target}m (ratio {ratio:.3})");
    } else {
        let ready = ready_pods_count(ctx.pods)?;
        p.ready_pods = Some(ready);
        // ceil_to_i32 clamps at MaxInt32 exactly like upstream's explicit overflow check.
        p.replicas = ceil_to_i32(ratio * ready as f64);
        p.reason = format!("value {value}m vs target {target}m (ratio {ratio:.3}) over {ready} ready pods");
    }
    p.reason.push_str(&p.decision_summary());
    Ok(p)
}

/// The per-pod decision shared by Object and External `AverageValue` targets. The ratio divides
/// by `statusReplicas`; at zero it is infinite or NaN and never within tolerance.
pub(super) fn per_pod_target_replicas(
    tolerances: Tolerances,
    status_replicas: i32,
    usage: i64,
    target_per_pod: i64,
    timestamp: Option<Timestamp>,
) -> ReplicaProposal {
    let ratio = usage as f64 / (target_per_pod as f64 * f64::from(status_replicas));
    let mut p = ReplicaProposal::new(status_replicas, status_replicas, ratio);
    if tolerances.is_within(ratio) {
        p.hold = Some(Hold::WithinTolerance);
    } else {
        p.replicas = ceil_to_i32(usage as f64 / target_per_pod as f64);
    }
    let average = per_pod_usage(usage, status_replicas);
    p.average_value = Some(average);
    p.value = Some(usage);
    p.timestamp = timestamp;
    p.reason = format!(
        "total {usage}m over {status_replicas} replicas is {average}m per pod vs target {target_per_pod}m (ratio {ratio:.3}){}",
        p.decision_summary()
    );
    p
}

/// Object metric with a Value target. Upstream discards the metric's timestamp here.
pub fn object_value_replicas(
    ctx: &CalcContext<'_>,
    current_replicas: i32,
    target: i64,
    value: i64,
) -> Result<ReplicaProposal, CalcError> {
    value_target_replicas(ctx, current_replicas, value, target)
}

/// Object metric with an `AverageValue` target, against `statusReplicas`.
pub fn object_per_pod_replicas(
    tolerances: Tolerances,
    status_replicas: i32,
    target_per_pod: i64,
    value: i64,
    timestamp: Timestamp,
) -> ReplicaProposal {
    per_pod_target_replicas(tolerances, status_replicas, value, target_per_pod, Some(timestamp))
}
