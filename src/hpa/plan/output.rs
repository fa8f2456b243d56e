//! The `hpa plan` output document: the contract of `docs/cli.md` plus the full explanation.

use serde::Serialize;

use crate::hpa::behavior::{Condition, History};
use crate::hpa::calc::{MetricSamples, MetricSpec};
use crate::hpa::sync::{Event, SyncDecision};
use crate::quantity::{Format, Quantity};

/// One metric's line in the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanMetric {
    /// `Resource`, `ContainerResource`, `Pods`, `Object` or `External`.
    #[serde(rename = "type")]
    pub metric_type: &'static str,
    /// The resource or metric name.
    pub name: String,
    /// Replicas this metric asks for; absent when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<i32>,
    /// Current utilization in percent of request (Utilization targets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization: Option<i32>,
    /// Current value (average per pod, or total for Value targets), as a quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The usage ratio (current / target) the proposal was computed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_ratio: Option<f64>,
    /// Pods left out of the calculation, with why (`name (reason)`).
    pub ignored_pods: Vec<String>,
    /// Pods without a sample.
    pub missing_pods: Vec<String>,
    /// Why this metric gave no proposal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The calculator's own explanation.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub explanation: String,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutput {
    /// Replicas after this sync.
    pub desired_replicas: i32,
    /// The scale's `spec.replicas` before it.
    pub current_replicas: i32,
    /// Per-metric results in spec order.
    pub metrics: Vec<PlanMetric>,
    /// HPA status conditions after the sync.
    pub conditions: Vec<Condition>,
    /// Whether the sync writes `/scale`.
    pub rescale: bool,
    /// Why: the rescale reason, the error, or why nothing changes.
    pub reason: String,
    /// Events the controller would emit.
    pub events: Vec<Event>,
    /// The reconcile error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Each step of normalization in words.
    pub explanation: Vec<String>,
    /// The history after this sync: feed it to the next plan to chain decisions.
    pub history: Option<History>,
}

fn metric_name(spec: &MetricSpec) -> String {
    match spec {
        MetricSpec::Resource { name, .. } | MetricSpec::ContainerResource { name, .. } => name.to_string(),
        MetricSpec::Pods { metric, .. }
        | MetricSpec::Object { metric, .. }
        | MetricSpec::External { metric, .. } => metric.name.clone(),
    }
}

impl PlanOutput {
    /// Assembles the output from the metrics fed in and the sync's decision.
    pub fn new(
        metrics: &[(MetricSpec, MetricSamples)],
        decided: &SyncDecision,
        history: Option<History>,
    ) -> Self {
        let outcomes = decided.metrics.as_ref().map(|m| m.metrics.as_slice()).unwrap_or_default();
        let lines = metrics
            .iter()
            .enumerate()
            .map(|(i, (spec, _))| {
                let outcome = outcomes.get(i);
                let result = outcome.and_then(|o| o.result.as_ref()).map(|r| &r.proposal);
                PlanMetric {
                    metric_type: spec.type_name(),
                    name: metric_name(spec),
                    proposal: result.map(|p| p.replicas),
                    utilization: result.and_then(|p| p.utilization),
                    value: result
                        .and_then(|p| p.average_value.or(p.value))
                        .map(|milli| Quantity::new_milli(milli, Format::DecimalSI).to_string()),
                    usage_ratio: result.map(|p| p.usage_ratio).filter(|r| r.is_finite()),
                    ignored_pods: result
                        .map(|p| {
                            p.skipped_pods
                                .iter()
                                .map(|s| format!("{} ({})", s.name, format!("{:?}", s.reason).to_lowercase()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    missing_pods: result.map(|p| p.missing_pods.clone()).unwrap_or_default(),
                    error: outcome.and_then(|o| o.error.clone()),
                    explanation: result.map(|p| p.reason.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let d = &decided.decision;
        let reason = if d.rescale {
            d.rescale_reason.clone()
        } else if let Some(err) = &decided.error {
            err.clone()
        } else {
            d.explanation.last().cloned().unwrap_or_default()
        };
        Self {
            desired_replicas: d.desired_replicas,
            current_replicas: d.current_replicas,
            metrics: lines,
            conditions: decided.conditions.clone(),
            rescale: d.rescale,
            reason,
            events: decided.events.clone(),
            error: decided.error.clone(),
            explanation: d.explanation.clone(),
            history,
        }
    }
}
