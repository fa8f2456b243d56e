//! A policy's `lastDecision.reason` in plain words, from one sync's numbers:
//! `3 → 5: cpu 92% of 60% target over 3 ready pods; 1 pod ignored (initializing)`.
//!
//! The text names the metric that decided (the largest proposal), its current value against its
//! target, the pods it was computed over and the pods left out, then anything normalization changed
//! (stabilization, rate limits, replica bounds), and where zero replicas are involved (scaled to
//! zero, back from zero, staying at zero until a metric asks for pods).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::hpa::behavior::DecisionPath;
use crate::hpa::calc::{MetricSpec, MetricTarget, SkipReason, TargetType};
use crate::hpa::sync::SyncDecision;
use crate::quantity::{Format, Quantity};

fn quantity(milli: i64) -> String {
    Quantity::new_milli(milli, Format::DecimalSI).to_string()
}

fn metric_name(spec: &MetricSpec) -> String {
    match spec {
        MetricSpec::Resource { name, .. } => name.to_string(),
        MetricSpec::ContainerResource { name, container, .. } => format!("{name} of container {container}"),
        MetricSpec::Pods { metric, .. }
        | MetricSpec::Object { metric, .. }
        | MetricSpec::External { metric, .. } => metric.name.clone(),
    }
}

fn target_text(target: &MetricTarget) -> String {
    match target.target_type {
        TargetType::Utilization => format!("{}% target", target.average_utilization.unwrap_or_default()),
        TargetType::AverageValue => {
            format!("{} per-pod target", quantity(target.average_value.unwrap_or_default()))
        }
        TargetType::Value => format!("{} target", quantity(target.value.unwrap_or_default())),
    }
}

fn target_of(spec: &MetricSpec) -> &MetricTarget {
    match spec {
        MetricSpec::Resource { target, .. }
        | MetricSpec::ContainerResource { target, .. }
        | MetricSpec::Pods { target, .. }
        | MetricSpec::Object { target, .. }
        | MetricSpec::External { target, .. } => target,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn skip_word(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Deleted => "deleted",
        SkipReason::Failed => "failed",
        SkipReason::Succeeded => "succeeded",
        SkipReason::Pending => "pending",
        SkipReason::Unready => "unready",
        SkipReason::Initializing => "initializing",
    }
}

/// The reason text for a decision taken from `from` to `to` replicas.
pub fn decision_reason(specs: &[MetricSpec], decided: &SyncDecision, from: i32, to: i32) -> String {
    let d = &decided.decision;
    let head = format!("{from} → {to}");
    match d.path {
        DecisionPath::ScalingDisabled => {
            return format!("{head}: scaling is disabled since the target has zero replicas");
        }
        DecisionPath::AboveMaxReplicas | DecisionPath::BelowMinReplicas => {
            return format!("{head}: {}", d.rescale_reason);
        }
        DecisionPath::MetricsUnavailable => {
            let why = decided.error.clone().unwrap_or_else(|| "metrics unavailable".to_owned());
            return format!("{head}: no decision, {why}");
        }
        DecisionPath::Legacy | DecisionPath::Behavior => {}
    }
    let Some(metrics) = &decided.metrics else { return head };
    let winner = metrics.metrics.iter().enumerate().find_map(|(i, o)| {
        let r = o.result.as_ref()?;
        (Some(&r.metric) == metrics.metric.as_ref()).then_some((i, r))
    });
    let Some((index, result)) = winner else { return head };
    let Some(spec) = specs.get(index) else { return head };
    let p = &result.proposal;
    let current = match (p.utilization, p.average_value, p.value) {
        (Some(u), _, _) => format!("{u}%"),
        // A per-pod target read at zero replicas: no per-pod average exists, show the total.
        (None, Some(_), Some(v)) if from == 0 => format!("{} total", quantity(v)),
        (None, Some(v), _) | (None, None, Some(v)) => quantity(v),
        (None, None, None) => "?".to_owned(),
    };
    let mut text = format!("{head}: {} {current} of {}", metric_name(spec), target_text(target_of(spec)));
    if let Some(ready) = p.ready_pods {
        let _ = write!(text, " over {ready} ready {}", if ready == 1 { "pod" } else { "pods" });
    }
    let mut skipped: BTreeMap<&'static str, usize> = BTreeMap::new();
    for s in &p.skipped_pods {
        *skipped.entry(skip_word(s.reason)).or_default() += 1;
    }
    for (why, n) in skipped {
        let _ = write!(text, "; {} ignored ({why})", plural(n, "pod"));
    }
    if !p.missing_pods.is_empty() {
        let _ = write!(text, "; {} without metrics", plural(p.missing_pods.len(), "pod"));
    }
    if d.proposal.is_some_and(|proposal| proposal != to)
        && let Some(step) = d.explanation.last()
    {
        let _ = write!(text, "; {step}");
    }
    text.push_str(zero_suffix(from, to));
    text
}

/// What the decision means for a target at or going to zero replicas.
fn zero_suffix(from: i32, to: i32) -> &'static str {
    match (from, to) {
        (0, 0) => "; stays at zero",
        (0, _) => "; back from zero",
        (_, 0) => "; scaled to zero",
        _ => "",
    }
}
