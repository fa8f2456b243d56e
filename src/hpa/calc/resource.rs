//! Resource and `ContainerResource` metrics with a Utilization target (`GetResourceReplicas`).
//!
//! Utilization is the summed usage of the counted pods over their summed requests, in percent,
//! truncated. Requests come from every listed pod ([`calculate_requests`]); a missing pod
//! re-added on a scale-down is valued at `request * max(100, target) / 100` (1.33+), so a target
//! above 100% does not turn the missing pod into a reason to scale up.

use std::collections::BTreeMap;

use super::CalcContext;
use super::error::CalcError;
use super::numeric::clamp_i64;
use super::outcome::ReplicaProposal;
use super::pods::{PodGroups, ResourceName, calculate_requests, group_pods};
use super::ratio::resource_utilization_ratio;
use super::rebalance::{FirstPass, decide};
use super::samples::PerPodSamples;

/// Which resource, which container (`ContainerResource`) and the count to compare against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceQuery<'a> {
    /// Resource name.
    pub resource: ResourceName,
    /// Container for `ContainerResource` metrics, `None` for whole pods.
    pub container: Option<&'a str>,
    /// Current (spec) replicas.
    pub current_replicas: i32,
}

/// Samples of pods that count: everything except ignored and unready pods (superfluous samples
/// of unknown pods stay, as upstream).
pub(super) fn counted_values(samples: &PerPodSamples, groups: &PodGroups) -> BTreeMap<String, i64> {
    samples
        .pods
        .iter()
        .filter(|(name, _)| !groups.ignored.contains_key(*name) && !groups.unready.contains_key(*name))
        .map(|(name, s)| (name.clone(), s.value))
        .collect()
}

/// Upstream `GetResourceReplicas` after the fetch: proposal for a utilization target in percent.
pub fn resource_utilization_replicas(
    ctx: &CalcContext<'_>,
    query: &ResourceQuery<'_>,
    target_utilization: i32,
    samples: &PerPodSamples,
) -> Result<ReplicaProposal, CalcError> {
    if ctx.pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(ctx.pods, &samples.pods, Some(query.resource), ctx.config, ctx.now);
    let values = counted_values(samples, &groups);
    if values.is_empty() {
        return Err(CalcError::NoMetricsForTargetedPods);
    }
    let requests =
        calculate_requests(ctx.pods, query.container, query.resource, ctx.config.pod_level_resources)?;
    let first = resource_utilization_ratio(&values, &requests, target_utilization)?;

    let fallback = i128::from(target_utilization.max(100));
    let missing_value = |pod: &str| {
        let request = requests.get(pod).copied().unwrap_or(0);
        clamp_i64(i128::from(request) * fallback / 100)
    };
    let ratio_of = |v: &BTreeMap<String, i64>| {
        resource_utilization_ratio(v, &requests, target_utilization).map(|r| r.ratio)
    };
    let pass =
        FirstPass { current: query.current_replicas, tolerances: ctx.config.tolerances, ratio: first.ratio };
    let decision = decide(&pass, &groups, values, missing_value, ratio_of)?;

    let mut p = ReplicaProposal::new(decision.replicas, query.current_replicas, first.ratio);
    p.utilization = Some(first.utilization);
    p.average_value = Some(first.raw_average);
    p.record_groups(&groups);
    p.rebalanced = decision.rebalanced_ratio.is_some();
    p.rebalanced_usage_ratio = decision.rebalanced_ratio;
    p.hold = decision.hold;
    p.timestamp = samples.timestamp;
    let scope = query.container.map_or_else(String::new, |c| format!(" of container {c}"));
    p.reason = format!(
        "{res}{scope} utilization {u}% of request vs target {t}% (ratio {r:.3}) over {n} ready pods{pods}{decision}",
        res = query.resource,
        u = first.utilization,
        t = target_utilization,
        r = first.ratio,
        n = groups.ready_count,
        pods = p.pod_summary(),
        decision = p.decision_summary(),
    );
    Ok(p)
}
