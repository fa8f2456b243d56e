//! The status an autoscaler shows, built from one sync, and the rules for writing it.
//!
//! HPAs and policies carry the same status fields in two shapes (autoscaling/v2 conditions vs metav1
//! `Condition`); [`AutoscalerStatus`] is the common form, converted at the edges. Rules, as upstream:
//! - conditions are merged into the previous list (`setConditionInList`): a type keeps its place,
//!   `reason`/`message` are overwritten, `lastTransitionTime` changes only when `status` flips;
//!   types not set by this sync are carried over;
//! - `currentMetrics` holds pre-rebalance values in spec order; a failed metric is an empty entry
//!   (kubectl prints `<unknown>`);
//! - the write is skipped when the new status equals the old one ([`needs_write`]).

use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition as MetaCondition, Time};

use crate::hpa::behavior::{Condition, ConditionStatus, ConditionType};
use crate::hpa::calc::MetricsDecision;
use crate::quantity::{Format, Quantity};

/// One status condition in either shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCondition {
    /// `type`.
    pub type_: String,
    /// `True` / `False` / `Unknown`.
    pub status: String,
    /// `reason`.
    pub reason: String,
    /// `message`.
    pub message: String,
    /// `lastTransitionTime`; `None` for a condition not merged yet.
    pub last_transition_time: Option<Timestamp>,
}

impl StatusCondition {
    /// A condition to merge (its transition time is decided by [`merge_conditions`]).
    pub fn new(type_: &str, status: bool, reason: &str, message: impl Into<String>) -> Self {
        Self {
            type_: type_.to_owned(),
            status: if status { "True" } else { "False" }.to_owned(),
            reason: reason.to_owned(),
            message: message.into(),
            last_transition_time: None,
        }
    }

    /// The sync's condition in status form.
    pub fn from_decision(c: &Condition) -> Self {
        Self::new(c.kind.as_str(), c.status == ConditionStatus::True, &c.reason, c.message.clone())
    }
}

/// Whether `conditions` hold `ScaledToZero=True` (upstream `getScaledToZeroConditionStatus`: the
/// first condition of that type decides).
pub fn scaled_to_zero(conditions: &[StatusCondition]) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == ConditionType::ScaledToZero.as_str())
        .is_some_and(|c| c.status == "True")
}

/// The status fields bellows writes, common to HPAs and policies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AutoscalerStatus {
    /// `currentReplicas` (the scale's `spec.replicas`).
    pub current_replicas: Option<i32>,
    /// `desiredReplicas`.
    pub desired_replicas: i32,
    /// `currentMetrics` in spec order.
    pub current_metrics: Vec<v2::MetricStatus>,
    /// `conditions`.
    pub conditions: Vec<StatusCondition>,
    /// `lastScaleTime`.
    pub last_scale_time: Option<Timestamp>,
    /// `observedGeneration`.
    pub observed_generation: Option<i64>,
}

impl AutoscalerStatus {
    /// From an HPA's status.
    pub fn from_hpa(status: Option<&v2::HorizontalPodAutoscalerStatus>) -> Self {
        let Some(s) = status else { return Self::default() };
        Self {
            current_replicas: s.current_replicas,
            desired_replicas: s.desired_replicas,
            current_metrics: s.current_metrics.clone().unwrap_or_default(),
            conditions: s
                .conditions
                .iter()
                .flatten()
                .map(|c| StatusCondition {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone().unwrap_or_default(),
                    message: c.message.clone().unwrap_or_default(),
                    last_transition_time: c.last_transition_time.as_ref().map(|t| t.0),
                })
                .collect(),
            last_scale_time: s.last_scale_time.as_ref().map(|t| t.0),
            observed_generation: s.observed_generation,
        }
    }

    /// As an HPA status.
    pub fn to_hpa(&self) -> v2::HorizontalPodAutoscalerStatus {
        v2::HorizontalPodAutoscalerStatus {
            current_replicas: self.current_replicas,
            desired_replicas: self.desired_replicas,
            current_metrics: Some(self.current_metrics.clone()).filter(|m| !m.is_empty()),
            conditions: Some(
                self.conditions
                    .iter()
                    .map(|c| v2::HorizontalPodAutoscalerCondition {
                        type_: c.type_.clone(),
                        status: c.status.clone(),
                        reason: Some(c.reason.clone()),
                        message: Some(c.message.clone()),
                        last_transition_time: c.last_transition_time.map(Time),
                    })
                    .collect(),
            )
            .filter(|c: &Vec<_>| !c.is_empty()),
            last_scale_time: self.last_scale_time.map(Time),
            observed_generation: self.observed_generation,
        }
    }

    /// From a policy's status.
    pub fn from_policy(s: &crate::policy::AutoscalingPolicyStatus) -> Self {
        Self {
            current_replicas: s.current_replicas,
            desired_replicas: s.desired_replicas.unwrap_or_default(),
            current_metrics: s.current_metrics.clone(),
            conditions: s
                .conditions
                .iter()
                .map(|c| StatusCondition {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_transition_time: Some(c.last_transition_time.0),
                })
                .collect(),
            last_scale_time: s.last_scale_time.as_ref().map(|t| t.0),
            observed_generation: s.observed_generation,
        }
    }

    /// Writes these fields into a policy status (leaving `target`, `lastDecision`, `history`).
    pub fn apply_to_policy(&self, s: &mut crate::policy::AutoscalingPolicyStatus, now: Timestamp) {
        s.current_replicas = self.current_replicas;
        s.desired_replicas = Some(self.desired_replicas);
        s.current_metrics.clone_from(&self.current_metrics);
        s.conditions = self
            .conditions
            .iter()
            .map(|c| MetaCondition {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                last_transition_time: Time(c.last_transition_time.unwrap_or(now)),
                observed_generation: self.observed_generation,
            })
            .collect();
        s.last_scale_time = self.last_scale_time.map(Time);
        s.observed_generation = self.observed_generation;
    }
}

/// `setConditionInList` for each of `updates`, in order, starting from `old`.
pub fn merge_conditions(
    old: &[StatusCondition],
    updates: &[StatusCondition],
    now: Timestamp,
) -> Vec<StatusCondition> {
    let mut list = old.to_vec();
    for update in updates {
        match list.iter_mut().find(|c| c.type_ == update.type_) {
            Some(existing) => {
                if existing.status != update.status || existing.last_transition_time.is_none() {
                    existing.last_transition_time = Some(now);
                }
                existing.status.clone_from(&update.status);
                existing.reason.clone_from(&update.reason);
                existing.message.clone_from(&update.message);
            }
            None => list.push(StatusCondition { last_transition_time: Some(now), ..update.clone() }),
        }
    }
    list
}

/// Whether `new` differs from `old` (upstream's `Semantic.DeepEqual` check before the write).
pub fn needs_write(old: &AutoscalerStatus, new: &AutoscalerStatus) -> bool {
    old != new
}

fn milli_quantity(milli: i64) -> k8s_openapi::apimachinery::pkg::api::resource::Quantity {
    k8s_openapi::apimachinery::pkg::api::resource::Quantity(
        Quantity::new_milli(milli, Format::DecimalSI).to_string(),
    )
}

/// `currentMetrics`: one entry per spec, with the pre-rebalance values of the successful metrics
/// and an empty entry for failed or not computed ones.
pub fn metric_statuses(specs: &[v2::MetricSpec], decided: Option<&MetricsDecision>) -> Vec<v2::MetricStatus> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let result = decided.and_then(|d| d.metrics.get(i)).and_then(|o| o.result.as_ref());
            let Some(p) = result.map(|r| &r.proposal) else { return v2::MetricStatus::default() };
            let current = v2::MetricValueStatus {
                average_utilization: p.utilization,
                average_value: p.average_value.map(milli_quantity),
                value: p.value.map(milli_quantity),
            };
            let mut status = v2::MetricStatus { type_: spec.type_.clone(), ..v2::MetricStatus::default() };
            if let Some(r) = &spec.resource {
                status.resource = Some(v2::ResourceMetricStatus { name: r.name.clone(), current });
            } else if let Some(r) = &spec.container_resource {
                status.container_resource = Some(v2::ContainerResourceMetricStatus {
                    name: r.name.clone(),
                    container: r.container.clone(),
                    current,
                });
            } else if let Some(m) = &spec.pods {
                status.pods = Some(v2::PodsMetricStatus { metric: m.metric.clone(), current });
            } else if let Some(o) = &spec.object {
                status.object = Some(v2::ObjectMetricStatus {
                    described_object: o.described_object.clone(),
                    metric: o.metric.clone(),
                    current,
                });
            } else if let Some(e) = &spec.external {
                status.external = Some(v2::ExternalMetricStatus { metric: e.metric.clone(), current });
            }
            status
        })
        .collect()
}
