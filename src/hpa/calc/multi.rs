//! Metric-type dispatch (`computeReplicasForMetric`) and the multi-metric combinator
//! (`computeReplicasForMetrics`).
//!
//! Dispatch reads the target fields in upstream's order, passes spec replicas as "current"
//! except for per-pod Object/External targets (status replicas), and wraps failures in the
//! per-type upstream message. The combinator takes the largest valid proposal; if any metric
//! failed it may scale up or stay, never down, and if all failed it cannot scale at all
//! (upstream's `-1`, here `replicas: None`).

use jiff::Timestamp;
use serde::{Serialize, Serializer};

use super::CalcContext;
use super::error::CalcError;
use super::external::{external_per_pod_replicas, external_value_replicas};
use super::object::{object_per_pod_replicas, object_value_replicas};
use super::outcome::ReplicaProposal;
use super::plain::{PlainQuery, plain_metric_replicas};
use super::pods::ResourceName;
use super::resource::{ResourceQuery, resource_utilization_replicas};
use super::samples::{MetricSamples, PerPodSamples};
use super::spec::{MetricIdentifier, MetricSpec, MetricTarget, ObjectReference, TargetType};

/// The scale target's replica counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replicas {
    /// `scale.spec.replicas`: "current" for most metrics and the no-scale-down comparison.
    pub spec: i32,
    /// `scale.status.replicas`: "current" for per-pod Object/External targets.
    pub status: i32,
}

/// A successful per-metric calculation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricProposal {
    /// The name upstream uses in reasons, e.g. `cpu resource utilization (percentage of request)`.
    pub metric: String,
    /// The proposal and its numbers.
    pub proposal: ReplicaProposal,
}

/// A failed per-metric calculation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFailure {
    /// Condition/event reason, e.g. `FailedGetResourceMetric`.
    pub reason: &'static str,
    /// The wrapped upstream error.
    pub error: CalcError,
}

/// Upstream `computeReplicasForMetric`.
pub fn compute_replicas_for_metric(
    ctx: &CalcContext<'_>,
    replicas: Replicas,
    spec: &MetricSpec,
    samples: &MetricSamples,
) -> Result<MetricProposal, MetricFailure> {
    let result = match spec {
        MetricSpec::Resource { name, target } => {
            resource_metric(ctx, replicas.spec, *name, None, target, samples)
                .map_err(|e| CalcError::ResourceMetric { resource: *name, inner: e.boxed() })
        }
        MetricSpec::ContainerResource { name, container, target } => {
            resource_metric(ctx, replicas.spec, *name, Some(container), target, samples)
                .map_err(|e| CalcError::ContainerMetric { container: container.clone(), inner: e.boxed() })
        }
        MetricSpec::Pods { metric, target } => pods_metric(ctx, replicas.spec, metric, target, samples)
            .map_err(|e| CalcError::PodsMetric { inner: e.boxed() }),
        MetricSpec::Object { described_object, metric, target } => {
            object_metric(ctx, replicas, described_object, metric, target, samples)
                .map_err(|e| CalcError::ObjectMetric { inner: e.boxed() })
        }
        MetricSpec::External { metric, target } => external_metric(ctx, replicas, metric, target, samples)
            .map_err(|e| CalcError::ExternalMetric { metric: metric.name.clone(), inner: e.boxed() }),
    };
    result.map_err(|error| MetricFailure { reason: spec.failure_reason(), error })
}

/// Rejects targets that API validation would have refused (all must be greater than zero).
fn positive(metric: &str, field: &'static str, value: i64) -> Result<i64, CalcError> {
    if value > 0 {
        Ok(value)
    } else {
        Err(CalcError::NonPositiveTarget { metric: metric.to_owned(), field, value })
    }
}

/// The per-pod samples, or the fetch failure mapped by `unavailable`.
fn per_pod<'s>(
    samples: &'s MetricSamples,
    metric: &str,
    unavailable: impl FnOnce(String) -> CalcError,
) -> Result<&'s PerPodSamples, CalcError> {
    match samples {
        MetricSamples::PerPod(s) => Ok(s),
        MetricSamples::Unavailable { reason } => Err(unavailable(reason.clone())),
        other => Err(CalcError::SamplesMismatch {
            metric: metric.to_owned(),
            expected: "per-pod",
            got: other.shape(),
        }),
    }
}

/// Upstream `computeStatusForResourceMetricGeneric`.
fn resource_metric(
    ctx: &CalcContext<'_>,
    current: i32,
    resource: ResourceName,
    container: Option<&str>,
    target: &MetricTarget,
    samples: &MetricSamples,
) -> Result<MetricProposal, CalcError> {
    let label = resource.to_string();
    let unavailable = |reason| CalcError::ResourceMetricsUnavailable { resource, reason };
    if let Some(average) = target.average_value {
        let wrap = |e: CalcError| CalcError::Usage { resource, inner: e.boxed() };
        let target_usage = positive(&label, "averageValue", average).map_err(wrap)?;
        let per_pod = per_pod(samples, &label, unavailable).map_err(wrap)?;
        let query = PlainQuery { target_usage, resource: Some(resource), current_replicas: current };
        let proposal = plain_metric_replicas(ctx, &query, per_pod).map_err(wrap)?;
        return Ok(MetricProposal { metric: format!("{resource} resource"), proposal });
    }
    let Some(utilization) = target.average_utilization else {
        return Err(CalcError::InvalidResourceTarget);
    };
    let wrap = |e: CalcError| CalcError::Utilization { resource, inner: e.boxed() };
    let target_utilization = positive(&label, "averageUtilization", i64::from(utilization)).map_err(wrap)?;
    let per_pod = per_pod(samples, &label, unavailable).map_err(wrap)?;
    let query = ResourceQuery { resource, container, current_replicas: current };
    let target_utilization = i32::try_from(target_utilization).unwrap_or(i32::MAX);
    let proposal = resource_utilization_replicas(ctx, &query, target_utilization, per_pod).map_err(wrap)?;
    let kind = if container.is_some() { "container resource" } else { "resource" };
    Ok(MetricProposal { metric: format!("{resource} {kind} utilization (percentage of request)"), proposal })
}

/// Upstream `computeStatusForPodsMetric` + `GetMetricReplicas`.
fn pods_metric(
    ctx: &CalcContext<'_>,
    current: i32,
    metric: &MetricIdentifier,
    target: &MetricTarget,
    samples: &MetricSamples,
) -> Result<MetricProposal, CalcError> {
    let average = target.average_value.ok_or(CalcError::InvalidPodsTarget)?;
    let target_usage = positive(&metric.name, "averageValue", average)?;
    let unavailable = |reason| CalcError::PodsMetricUnavailable { metric: metric.name.clone(), reason };
    let per_pod = per_pod(samples, &metric.name, unavailable)?;
    if per_pod.pods.is_empty() {
        return Err(CalcError::PodsMetricUnavailable {
            metric: metric.name.clone(),
            reason: "no metrics returned from custom metrics API".to_owned(),
        });
    }
    let query = PlainQuery { target_usage, resource: None, current_replicas: current };
    let proposal = plain_metric_replicas(ctx, &query, per_pod)?;
    Ok(MetricProposal { metric: format!("pods metric {}", metric.name), proposal })
}

/// Upstream `computeStatusForObjectMetric`.
fn object_metric(
    ctx: &CalcContext<'_>,
    replicas: Replicas,
    object: &ObjectReference,
    metric: &MetricIdentifier,
    target: &MetricTarget,
    samples: &MetricSamples,
) -> Result<MetricProposal, CalcError> {
    let value_target = target.value.filter(|_| target.target_type == TargetType::Value);
    let average_target = target.average_value.filter(|_| target.target_type == TargetType::AverageValue);
    if value_target.is_none() && average_target.is_none() {
        return Err(CalcError::InvalidObjectTarget);
    }
    let (value, timestamp) = match samples {
        MetricSamples::Object { value, timestamp } => (*value, *timestamp),
        MetricSamples::Unavailable { reason } => {
            return Err(CalcError::ObjectMetricUnavailable {
                metric: metric.name.clone(),
                kind: object.kind.clone(),
                object: format!("{}/{}", ctx.namespace, object.name),
                reason: reason.clone(),
            });
        }
        other => {
            return Err(CalcError::SamplesMismatch {
                metric: metric.name.clone(),
                expected: "object",
                got: other.shape(),
            });
        }
    };
    if let Some(target_value) = value_target {
        let target_value = positive(&metric.name, "value", target_value)?;
        let proposal = object_value_replicas(ctx, replicas.spec, target_value, value)?;
        return Ok(MetricProposal { metric: format!("{} metric {}", object.kind, metric.name), proposal });
    }
    let target_average = positive(&metric.name, "averageValue", average_target.unwrap_or_default())?;
    let proposal =
        object_per_pod_replicas(ctx.config.tolerances, replicas.status, target_average, value, timestamp);
    // Upstream names per-pod object metrics "external metric ..." too.
    Ok(MetricProposal {
        metric: format!("external metric {}({})", metric.name, metric.name_selector_text()),
        proposal,
    })
}

/// Upstream `computeStatusForExternalMetric`.
fn external_metric(
    ctx: &CalcContext<'_>,
    replicas: Replicas,
    metric: &MetricIdentifier,
    target: &MetricTarget,
    samples: &MetricSamples,
) -> Result<MetricProposal, CalcError> {
    if target.average_value.is_none() && target.value.is_none() {
        return Err(CalcError::InvalidExternalTarget);
    }
    let unavailable = |reason: &str| CalcError::ExternalMetricUnavailable {
        namespace: ctx.namespace.to_owned(),
        metric: metric.name.clone(),
        selector: metric.selector_text().to_owned(),
        reason: reason.to_owned(),
    };
    let (values, timestamp) = match samples {
        MetricSamples::External { values, .. } if values.is_empty() => {
            return Err(unavailable("no metrics returned from external metrics API"));
        }
        MetricSamples::External { values, timestamp } => (values.as_slice(), *timestamp),
        MetricSamples::Unavailable { reason } => return Err(unavailable(reason)),
        other => {
            return Err(CalcError::SamplesMismatch {
                metric: metric.name.clone(),
                expected: "external",
                got: other.shape(),
            });
        }
    };
    let name = format!("external metric {}({})", metric.name, metric.name_selector_text());
    if let Some(average) = target.average_value {
        let target_average = positive(&metric.name, "averageValue", average)?;
        let proposal = external_per_pod_replicas(
            ctx.config.tolerances,
            replicas.status,
            target_average,
            values,
            timestamp,
        );
        return Ok(MetricProposal { metric: name, proposal });
    }
    let target_value = positive(&metric.name, "value", target.value.unwrap_or_default())?;
    let proposal = external_value_replicas(ctx, replicas.spec, target_value, values)?;
    Ok(MetricProposal { metric: name, proposal })
}

/// One metric's result inside a [`MetricsDecision`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricOutcome {
    /// `spec.type` of the metric.
    #[serde(rename = "type")]
    pub metric_type: &'static str,
    /// The successful calculation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<MetricProposal>,
    /// The failure message, if the metric failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The failure's condition/event reason, if the metric failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<&'static str>,
    /// The failure as upstream's condition message and per-metric Warning event quote it: `error`
    /// without `computeReplicasForMetric`'s wrapper ([`CalcError::without_metric_wrapper`]).
    #[serde(skip)]
    pub condition_error: Option<String>,
}

/// Upstream `computeReplicasForMetrics` result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsDecision {
    /// Largest valid proposal; `None` when upstream returns `-1` (cannot scale).
    pub replicas: Option<i32>,
    /// Name of the metric that produced `replicas` (for `<metric> above target` reasons).
    pub metric: Option<String>,
    /// Timestamp of that metric.
    pub timestamp: Option<Timestamp>,
    /// Per-metric results in spec order.
    pub metrics: Vec<MetricOutcome>,
    /// Number of failed metrics.
    pub invalid_count: usize,
    /// `invalid metrics (n invalid out of m), first error is: ...` when any metric failed. With
    /// `replicas: Some(_)` the controller still scales but reports this error.
    #[serde(serialize_with = "serialize_error")]
    pub error: Option<CalcError>,
    /// Condition reason of the first failure (`ScalingActive=False`) when `replicas` is `None`.
    pub failure_reason: Option<&'static str>,
}

/// Errors serialise as their upstream message.
#[allow(clippy::ref_option, reason = "serde's serialize_with passes &Option<T>")]
fn serialize_error<S: Serializer>(error: &Option<CalcError>, serializer: S) -> Result<S::Ok, S::Error> {
    match error {
        Some(e) => serializer.collect_str(e),
        None => serializer.serialize_none(),
    }
}

/// Upstream `computeReplicasForMetrics` (after selector validation, which the caller does).
/// With no metrics at all upstream also returns `-1` without an error; so does this.
pub fn compute_replicas_for_metrics(
    ctx: &CalcContext<'_>,
    replicas: Replicas,
    metrics: &[(MetricSpec, MetricSamples)],
) -> MetricsDecision {
    let mut best: i32 = 0;
    let mut best_metric: Option<String> = None;
    let mut best_timestamp: Option<Timestamp> = None;
    let mut first_failure: Option<MetricFailure> = None;
    let mut invalid_count = 0;
    let mut outcomes = Vec::with_capacity(metrics.len());
    for (spec, samples) in metrics {
        match compute_replicas_for_metric(ctx, replicas, spec, samples) {
            Ok(result) => {
                // `best == 0` lets any proposal replace the initial zero, as upstream.
                if best == 0 || result.proposal.replicas > best {
                    best = result.proposal.replicas;
                    best_metric = Some(result.metric.clone());
                    best_timestamp = result.proposal.timestamp;
                }
                outcomes.push(MetricOutcome {
                    metric_type: spec.type_name(),
                    result: Some(result),
                    error: None,
                    failure_reason: None,
                    condition_error: None,
                });
            }
            Err(failure) => {
                outcomes.push(MetricOutcome {
                    metric_type: spec.type_name(),
                    result: None,
                    error: Some(failure.error.to_string()),
                    failure_reason: Some(failure.reason),
                    condition_error: Some(failure.error.without_metric_wrapper().to_string()),
                });
                if invalid_count == 0 {
                    first_failure = Some(failure);
                }
                invalid_count += 1;
            }
        }
    }
    let failure_reason = first_failure.as_ref().map(|f| f.reason);
    let error = first_failure.map(|f| CalcError::InvalidMetrics {
        invalid: invalid_count,
        total: metrics.len(),
        first: f.error.boxed(),
    });
    let cannot_scale = invalid_count >= metrics.len() || (invalid_count > 0 && best < replicas.spec);
    if cannot_scale {
        return MetricsDecision {
            replicas: None,
            metric: None,
            timestamp: None,
            metrics: outcomes,
            invalid_count,
            error,
            failure_reason,
        };
    }
    MetricsDecision {
        replicas: Some(best),
        metric: best_metric,
        timestamp: best_timestamp,
        metrics: outcomes,
        invalid_count,
        error,
        failure_reason: None,
    }
}
