//! One HPA sync as a pure function: upstream `reconcileAutoscaler` minus the I/O.
//!
//! Given what the controller read (the target's scale, the pods its selector lists, the samples of
//! every metric, the remembered history) and `now`, [`sync`] returns what upstream would do: the
//! per-metric proposals, the normalized decision, the status conditions in upstream order, the
//! events, and the reconcile error text when metrics could not be computed. The controller then
//! performs at most one `/scale` write and one status write; `bellows hpa plan` prints the same
//! result. Both therefore share every number.
//!
//! Order of events and conditions follows upstream: `AbleToScale=SucceededGetScale`, then
//! `ScalingActive` from the metrics, then `AbleToScale`/`ScalingLimited` from normalization; a
//! selector problem or a total metric failure returns before normalization (`desiredReplicas` keeps
//! its previous value, nothing is recorded but the first-sight seed).
//!
//! Zero replicas follow v1.36 with the `HPAScaleToZero` gate on (KEP-2021, PR #135118): a target
//! at zero is scaled only when the object's `ScaledToZero` condition is `True` (the autoscaler put
//! it there) and either an Object/External metric can bring it back or `minReplicas` was raised
//! since; otherwise it is `ScalingDisabled`, as the ≤ v1.35 implicit maintenance mode is for
//! `minReplicas > 0`. Every successful rescale sets `ScaledToZero` (`True` only for the
//! autoscaler's own scale to zero); the caller merges it into the object's conditions, so it keeps
//! its place and carries over on syncs that do not rescale.

use jiff::Timestamp;
use serde::Serialize;

use super::behavior::{
    self, Behavior, Condition, Decision, History, NormalizeConfig, NormalizeInput, Proposal, ZeroState,
};
use super::calc::{
    CalcConfig, CalcContext, MetricSamples, MetricSpec, MetricsDecision, PodSnapshot, Replicas,
};

/// A Kubernetes Event the sync would emit (component `horizontal-pod-autoscaler`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// Upstream reason, e.g. `SuccessfulRescale`.
    pub reason: String,
    /// Upstream message.
    pub message: String,
}

impl Event {
    fn warning(reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self { event_type: "Warning", reason: reason.into(), message: message.into() }
    }
}

/// The target's scale subresource as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleSnapshot {
    /// `spec.replicas` (upstream's "current replicas").
    pub spec_replicas: i32,
    /// `status.replicas` (used by per-pod Object/External targets).
    pub status_replicas: i32,
    /// `status.selector`; `None` or empty means the scale has no selector.
    pub selector: Option<String>,
}

/// Everything one sync reads.
#[derive(Debug, Clone)]
pub struct SyncInput<'a> {
    /// `<Kind>/<namespace>/<name>` of the scale target, quoted in the reconcile error.
    pub reference: String,
    /// HPA namespace.
    pub namespace: &'a str,
    /// `spec.minReplicas`.
    pub min_replicas: Option<i32>,
    /// `spec.maxReplicas`.
    pub max_replicas: i32,
    /// `spec.behavior`.
    pub behavior: Option<Behavior>,
    /// The scale as read.
    pub scale: ScaleSnapshot,
    /// Pods the scale's selector lists (the caller filters).
    pub pods: &'a [PodSnapshot],
    /// Each metric spec with the samples fetched for it, in spec order.
    pub metrics: &'a [(MetricSpec, MetricSamples)],
    /// Calculator flags.
    pub calc: CalcConfig,
    /// Normalization flags.
    pub normalize: NormalizeConfig,
    /// The evaluation instant.
    pub now: Timestamp,
    /// The object's `ScaledToZero` condition is currently `True`.
    pub scaled_to_zero: bool,
}

/// What one sync decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncDecision {
    /// The metric calculation, when metrics were consulted.
    pub metrics: Option<MetricsDecision>,
    /// The normalization (also present when metrics were skipped or failed).
    pub decision: Decision,
    /// Status conditions in upstream order, as they stand after a successful scale write.
    pub conditions: Vec<Condition>,
    /// Events the sync emits, in order.
    pub events: Vec<Event>,
    /// The reconcile error (`failed to compute desired number of replicas …`), if any. With a
    /// partial metric failure the sync still scales and reports the error.
    pub error: Option<String>,
}

/// Why the scale's selector cannot be used (upstream `validateAndParseSelector`): the event reason,
/// the error text (also the event message) and the `InvalidSelector` condition message.
fn selector_problem(selector: Option<&str>) -> Option<(&'static str, String, String)> {
    match selector.map(str::trim) {
        None | Some("") => Some((
            "SelectorRequired",
            "selector is required".to_owned(),
            "the HPA target's scale is missing a selector".to_owned(),
        )),
        Some(text) => crate::selectors::LabelSelector::parse(text).err().map(|err| {
            let message =
                format!("couldn't convert selector into a corresponding internal selector object: {err}");
            ("InvalidSelector", message.clone(), message)
        }),
    }
}

/// Upstream's order: a condition set later replaces one of the same type in place.
fn set_condition(conditions: &mut Vec<Condition>, condition: Condition) {
    match conditions.iter_mut().find(|c| c.kind == condition.kind) {
        Some(existing) => *existing = condition,
        None => conditions.push(condition),
    }
}

/// One sync. `history` is updated in place (first-sight seed, recommendation, scale event of the
/// rescale this decision asks for — the caller undoes nothing if its write fails: upstream records
/// the event only after a successful write, so callers that fail to write must keep the
/// pre-sync history).
pub fn sync(input: &SyncInput<'_>, history: &mut Option<History>) -> SyncDecision {
    let mut conditions = vec![Condition::succeeded_get_scale()];
    let mut events = Vec::new();
    let mut error = None;
    let current = input.scale.spec_replicas;
    let min = input.min_replicas.unwrap_or(1);
    let zero = ZeroState {
        scaled_to_zero: input.scaled_to_zero,
        has_object_or_external: has_object_or_external(input.metrics),
    };
    let gate = behavior::gate(current, min, input.max_replicas, zero);

    let mut metrics = None;
    let proposal = if gate == behavior::Gate::ComputeMetrics {
        if let Some((reason, err, condition)) = selector_problem(input.scale.selector.as_deref()) {
            events.push(Event::warning(reason, err.clone()));
            set_condition(&mut conditions, Condition::invalid_selector(condition));
            events.push(Event::warning("FailedComputeMetricsReplicas", err.clone()));
            error = Some(format!(
                "failed to compute desired number of replicas based on listed metrics for {}: {err}",
                input.reference
            ));
            None
        } else {
            let ctx = CalcContext {
                pods: input.pods,
                config: &input.calc,
                namespace: input.namespace,
                now: input.now,
            };
            let replicas = Replicas { spec: current, status: input.scale.status_replicas };
            let decided = super::calc::compute_replicas_for_metrics(&ctx, replicas, input.metrics);
            for outcome in &decided.metrics {
                if let (Some(reason), Some(message)) = (outcome.failure_reason, &outcome.condition_error) {
                    events.push(Event::warning(reason, message.clone()));
                }
            }
            let proposal = match (decided.replicas, &decided.error) {
                (Some(replicas), err) => {
                    let metric = decided.metric.clone().unwrap_or_default();
                    set_condition(&mut conditions, Condition::valid_metric_found(&metric));
                    if let Some(err) = err {
                        error = Some(err.to_string());
                    }
                    Some(Proposal { replicas, metric })
                }
                (None, Some(err)) => {
                    let reason = decided.failure_reason.unwrap_or("FailedGetResourceMetric");
                    let first = first_error_text(&decided);
                    set_condition(&mut conditions, Condition::unable_to_compute(reason, &first));
                    events.push(Event::warning("FailedComputeMetricsReplicas", err.to_string()));
                    error = Some(format!(
                        "failed to compute desired number of replicas based on listed metrics for {}: {err}",
                        input.reference
                    ));
                    None
                }
                (None, None) => None,
            };
            metrics = Some(decided);
            proposal
        }
    } else {
        None
    };

    let normalize_input = NormalizeInput {
        current_replicas: current,
        min_replicas: input.min_replicas,
        max_replicas: input.max_replicas,
        behavior: input.behavior.clone(),
        proposal,
        config: input.normalize,
        zero,
    };
    let decision = behavior::normalize(&normalize_input, history, input.now);
    for condition in decision.conditions() {
        set_condition(&mut conditions, condition);
    }
    if decision.rescale {
        set_condition(&mut conditions, Condition::succeeded_rescale(decision.desired_replicas));
        set_condition(
            &mut conditions,
            Condition::after_rescale(current, decision.desired_replicas, min, zero.has_object_or_external),
        );
        if let Some(message) = decision.rescale_event_message() {
            events.push(Event { event_type: "Normal", reason: "SuccessfulRescale".into(), message });
        }
        if let Some(history) = history.as_mut() {
            behavior::record_rescale(
                history,
                input.behavior.as_ref(),
                current,
                decision.desired_replicas,
                input.now,
            );
        }
    }
    SyncDecision { metrics, decision, conditions, events, error }
}

/// Whether any metric is Object or External (upstream `hasObjectOrExternalMetrics`).
pub fn has_object_or_external(metrics: &[(MetricSpec, MetricSamples)]) -> bool {
    metrics.iter().any(|(spec, _)| matches!(spec, MetricSpec::Object { .. } | MetricSpec::External { .. }))
}

/// The first failing metric's own error as upstream's per-metric condition quotes it: without the
/// `invalid metrics (…)` prefix and without `computeReplicasForMetric`'s per-type wrapper.
fn first_error_text(decided: &MetricsDecision) -> String {
    decided.metrics.iter().find_map(|m| m.condition_error.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
