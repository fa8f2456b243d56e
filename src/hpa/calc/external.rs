//! External metrics (`GetExternalMetricReplicas`, `GetExternalPerPodMetricReplicas`).
//!
//! The usage is the sum of every value the external metrics API returned for the selector. The
//! two upstream functions sum differently on overflow (see [`super::numeric`]); both are kept.

use jiff::Timestamp;

use super::CalcContext;
use super::error::CalcError;
use super::numeric::{external_per_pod_sum, external_value_sum};
use super::object::{per_pod_target_replicas, value_target_replicas};
use super::outcome::ReplicaProposal;
use super::tolerance::Tolerances;

/// External metric with a Value target. Upstream discards the metric's timestamp here.
pub fn external_value_replicas(
    ctx: &CalcContext<'_>,
    current_replicas: i32,
    target: i64,
    values: &[i64],
) -> Result<ReplicaProposal, CalcError> {
    value_target_replicas(ctx, current_replicas, external_value_sum(values), target)
}

/// External metric with an `AverageValue` target, against `statusReplicas`.
pub fn external_per_pod_replicas(
    tolerances: Tolerances,
    status_replicas: i32,
    target_per_pod: i64,
    values: &[i64],
    timestamp: Timestamp,
) -> ReplicaProposal {
    per_pod_target_replicas(
        tolerances,
        status_replicas,
        external_per_pod_sum(values),
        target_per_pod,
        Some(timestamp),
    )
}
