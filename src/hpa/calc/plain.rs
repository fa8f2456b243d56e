//! Plain averages: Resource/`ContainerResource` with an `AverageValue` target (`GetRawResourceReplicas`)
//! and Pods metrics (`GetMetricReplicas`), both through `calcPlainMetricReplicas`.
//!
//! The usage is the truncated average of the counted samples. Requests play no part. CPU
//! readiness windows apply when the resource is CPU (so raw CPU targets still ignore
//! initialising pods); Pods metrics pass no resource and only the pending/deleted/terminal rules
//! apply. A missing pod re-added on a scale-down is valued at exactly the target.

use std::collections::BTreeMap;

use super::CalcContext;
use super::error::CalcError;
use super::outcome::ReplicaProposal;
use super::pods::{ResourceName, group_pods};
use super::ratio::metric_usage_ratio;
use super::rebalance::{FirstPass, decide};
use super::resource::counted_values;
use super::samples::PerPodSamples;

/// Target and context of a plain-average calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainQuery {
    /// Target average in milli-units.
    pub target_usage: i64,
    /// The resource for Resource metrics (drives the CPU readiness rules), `None` for Pods metrics.
    pub resource: Option<ResourceName>,
    /// Current (spec) replicas.
    pub current_replicas: i32,
}

/// Upstream `calcPlainMetricReplicas`.
pub fn plain_metric_replicas(
    ctx: &CalcContext<'_>,
    query: &PlainQuery,
    samples: &PerPodSamples,
) -> Result<ReplicaProposal, CalcError> {
    if ctx.pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(ctx.pods, &samples.pods, query.resource, ctx.config, ctx.now);
    let values = counted_values(samples, &groups);
    if values.is_empty() {
        return Err(CalcError::NoMetricsForTargetedPods);
    }
    let (ratio, usage) = metric_usage_ratio(&values, query.target_usage);
    let target = query.target_usage;
    let ratio_of = |v: &BTreeMap<String, i64>| Ok(metric_usage_ratio(v, target).0);
    let pass = FirstPass { current: query.current_replicas, tolerances: ctx.config.tolerances, ratio };
    let decision = decide(&pass, &groups, values, |_| target, ratio_of)?;

    let mut p = ReplicaProposal::new(decision.replicas, query.current_replicas, ratio);
    p.average_value = Some(usage);
    p.record_groups(&groups);
    p.rebalanced = decision.rebalanced_ratio.is_some();
    p.rebalanced_usage_ratio = decision.rebalanced_ratio;
    p.hold = decision.hold;
    p.timestamp = samples.timestamp;
    p.reason = format!(
        "average {usage}m vs target {target}m (ratio {ratio:.3}) over {n} ready pods{pods}{decision}",
        n = groups.ready_count,
        pods = p.pod_summary(),
        decision = p.decision_summary(),
    );
    Ok(p)
}
