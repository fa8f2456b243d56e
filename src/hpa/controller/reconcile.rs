//! One reconcile of one autoscaler: upstream `reconcileAutoscaler` with the I/O done through
//! [`super::clients`] and every decision taken by [`crate::hpa::sync::sync`].
//!
//! Order (upstream's): gates that stop before any read (leadership, `--hpa-scope`, a competing
//! writer, an invalid policy spec) → `GET /scale` (`FailedGetScale`) → history (memory, else the
//! persisted copy, else upstream's seed) → selector (`AmbiguousSelector` across HPAs and policies)
//! → pods and samples → `sync()` → `/scale` write with one conflict retry (`FailedRescale`, and the
//! scale event is not recorded) → events → status and history writes when they changed.

use jiff::Timestamp;

use super::Context;
use super::autoscaler::Autoscaler;
use super::clients::{AutoscalerKind, ClientError, Scale};
use super::fetch::{self, PodSelector};
use super::history::{self, HISTORY_ANNOTATION, StoredHistory};
use super::ownership::{self, Competition};
use super::status::{self, AutoscalerStatus, StatusCondition};
use crate::hpa::behavior::{self, Condition, ConditionType, DecisionPath, History, NormalizeConfig};
use crate::hpa::calc::{MetricSamples, MetricSpec, PodSnapshot};
use crate::hpa::snapshot;
use crate::hpa::sync::{Event, ScaleSnapshot, SyncInput, sync};
use crate::policy::LastDecision;

/// Why a reconcile ended in error (the key is requeued after one sync period all the same).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// `GET /scale` failed.
    #[error("failed to query scale subresource for {reference}: {source}")]
    GetScale {
        /// `<Kind>/<namespace>/<name>` of the target.
        reference: String,
        /// The client error.
        source: ClientError,
    },
    /// No replica count could be computed (the upstream reconcile error text).
    #[error("{0}")]
    ComputeMetrics(String),
    /// The `/scale` write failed.
    #[error("failed to rescale {reference}: {source}")]
    Rescale {
        /// `<Kind>/<namespace>/<name>` of the target.
        reference: String,
        /// The client error.
        source: ClientError,
    },
    /// The status (or history annotation) write failed.
    #[error("failed to update status of {object}: {source}")]
    WriteStatus {
        /// The autoscaler.
        object: String,
        /// The client error.
        source: ClientError,
    },
    /// The policy spec is invalid.
    #[error("invalid spec of {object}: {message}")]
    InvalidSpec {
        /// The autoscaler.
        object: String,
        /// The validation errors.
        message: String,
    },
}

/// What one reconcile did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Nothing done: not the leader.
    pub not_leader: bool,
    /// Nothing done: the HPA is outside `--hpa-scope`.
    pub out_of_scope: bool,
    /// Stood back: another controller writes this HPA's status.
    pub competing: bool,
    /// `(from, to)` when `/scale` was written.
    pub rescaled: Option<(i32, i32)>,
    /// Whether the status was written.
    pub status_written: bool,
    /// Whether the history was persisted.
    pub history_written: bool,
}

/// What a reconcile has decided to write, finished by [`finish`].
struct Draft<'a> {
    ctx: &'a Context,
    a: &'a Autoscaler,
    now: Timestamp,
    conditions: Vec<StatusCondition>,
    events: Vec<Event>,
    status: AutoscalerStatus,
    history: Option<History>,
    last_decision: Option<LastDecision>,
}

impl Draft<'_> {
    fn condition(&mut self, c: StatusCondition) {
        match self.conditions.iter_mut().find(|e| e.type_ == c.type_) {
            Some(existing) => *existing = c,
            None => self.conditions.push(c),
        }
    }

    fn warn(&mut self, reason: &str, message: impl Into<String>) {
        self.events.push(Event { event_type: "Warning", reason: reason.to_owned(), message: message.into() });
    }
}

/// Reconciles `a` at `now`.
pub async fn reconcile(ctx: &Context, a: &Autoscaler, now: Timestamp) -> Result<Outcome, ReconcileError> {
    if !ctx.is_leader() {
        // The next leader persists history; on takeover this replica restores it.
        ctx.state().histories.remove(&a.key);
        return Ok(Outcome { not_leader: true, ..Outcome::default() });
    }
    if a.key.kind == AutoscalerKind::Hpa && !ctx.config.scope.admits(&a.annotations) {
        ctx.forget(&a.key);
        return Ok(Outcome { out_of_scope: true, ..Outcome::default() });
    }
    let mut draft = Draft {
        ctx,
        a,
        now,
        conditions: Vec::new(),
        events: Vec::new(),
        status: AutoscalerStatus { observed_generation: a.generation, ..a.status.clone() },
        history: None,
        last_decision: a.last_decision().cloned(),
    };

    if a.key.kind == AutoscalerKind::Hpa {
        let quiet = ctx.config.sync_period.saturating_mul(2);
        let observed = ownership::foreign_status_write(&a.managed_fields);
        let competition = ctx.state().competing.check(&a.key, observed, now, quiet);
        if let Competition::Competing { write, first } = competition {
            let message = ownership::competing_message(&write.manager, quiet);
            draft.condition(StatusCondition::new(
                "AbleToScale",
                false,
                "CompetingController",
                message.clone(),
            ));
            if first {
                draft.warn("CompetingController", message);
            }
            // What we remember would be stale when we resume: start again from the persisted copy.
            ctx.state().histories.remove(&a.key);
            let mut outcome = finish(draft, false).await?;
            outcome.competing = true;
            return Ok(outcome);
        }
    }

    if let Some(message) = &a.spec_error {
        let text = format!("the AutoscalingPolicy spec is invalid: {message}");
        draft.condition(StatusCondition::new("ScalingActive", false, "InvalidSpec", text.clone()));
        draft.warn("InvalidSpec", text);
        finish(draft, false).await?;
        return Err(ReconcileError::InvalidSpec { object: a.key.to_string(), message: message.clone() });
    }

    let scale = match ctx.clients.scale.get_scale(&a.key.namespace, &a.target).await {
        Ok(scale) => scale,
        Err(err) => {
            draft.warn("FailedGetScale", err.to_string());
            draft.condition(StatusCondition::new(
                "AbleToScale",
                false,
                "FailedGetScale",
                format!("the HPA controller was unable to get the target's current scale: {err}"),
            ));
            finish(draft, false).await?;
            return Err(ReconcileError::GetScale { reference: a.reference(), source: err });
        }
    };

    draft.history = restore_history(&mut draft);
    let before = draft.history.clone();
    compute_and_scale(draft, &scale, before.as_ref()).await
}

/// The remembered history, else the persisted one (first sight after a restart or takeover).
fn restore_history(draft: &mut Draft<'_>) -> Option<History> {
    if let Some(h) = draft.ctx.state().histories.get(&draft.a.key) {
        return Some(h.clone());
    }
    match &draft.a.stored_history {
        StoredHistory::Present(h) => Some(h.clone()),
        StoredHistory::Absent => None,
        StoredHistory::Corrupt(why) => {
            tracing::warn!(object = %draft.a.key, "{why}; seeding the history as upstream does");
            draft.warn("FailedRestoreHistory", format!("{why}; starting from the current replica count"));
            None
        }
    }
}

/// A metric step that failed before `sync()`: upstream's `-1` from `computeReplicasForMetrics`.
async fn fail_compute(
    mut draft: Draft<'_>,
    scale: &Scale,
    reason: &str,
    condition_message: String,
    error: String,
) -> Result<Outcome, ReconcileError> {
    draft.condition(StatusCondition::from_decision(&Condition::succeeded_get_scale()));
    draft.condition(StatusCondition::new("ScalingActive", false, reason, condition_message));
    draft.warn(reason, error.clone());
    draft.warn("FailedComputeMetricsReplicas", error.clone());
    draft.history.get_or_insert_with(|| History::first_sight(scale.spec_replicas, draft.now));
    draft.status.current_replicas = Some(scale.spec_replicas);
    draft.status.current_metrics = Vec::new();
    let reference = draft.a.reference();
    finish(draft, false).await?;
    Err(ReconcileError::ComputeMetrics(format!(
        "failed to compute desired number of replicas based on listed metrics for {reference}: {error}"
    )))
}

async fn compute_and_scale(
    mut draft: Draft<'_>,
    scale: &Scale,
    before: Option<&History>,
) -> Result<Outcome, ReconcileError> {
    let (ctx, a, now) = (draft.ctx, draft.a, draft.now);
    let namespace = a.key.namespace.as_str();

    let behavior = match a.behavior.as_ref().map(snapshot::behavior).transpose() {
        Ok(b) => b,
        Err(err) => {
            let message = format!("invalid behavior: {err}");
            return fail_compute(draft, scale, "InvalidSpec", message.clone(), message).await;
        }
    };
    let specs = match a.metrics.iter().enumerate().map(|(i, m)| snapshot::metric_spec(m, i)).collect() {
        Ok(specs) => specs,
        Err(err) => {
            let err = err.to_string();
            let message = format!("the HPA was unable to compute the replica count: {err}");
            return fail_compute(draft, scale, "InvalidMetricSourceType", message, err).await;
        }
    };
    let specs: Vec<MetricSpec> = specs;
    let scaled_to_zero = status::scaled_to_zero(&a.status.conditions);
    let zero = behavior::ZeroState {
        scaled_to_zero,
        has_object_or_external: specs
            .iter()
            .any(|s| matches!(s, MetricSpec::Object { .. } | MetricSpec::External { .. })),
    };
    let min = a.min_replicas.unwrap_or(1);
    let gate = behavior::gate(scale.spec_replicas, min, a.max_replicas, zero);
    let computes = gate == behavior::Gate::ComputeMetrics;

    let selector_text = scale.selector.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let parsed = selector_text.and_then(|s| crate::selectors::LabelSelector::parse(s).ok());
    let mut pods = Vec::new();
    match (&parsed, selector_text) {
        (Some(selector), Some(text)) => {
            let listed = ctx.clients.pods.list(namespace, selector);
            let selecting = {
                let mut state = ctx.state();
                state.selectors.set(&a.key, selector.clone());
                state.selectors.selecting(&a.key, &listed)
            };
            if computes && selecting.len() > 1 {
                let message = ownership::ambiguous_message(text, &selecting);
                return fail_compute(draft, scale, "AmbiguousSelector", message.clone(), message).await;
            }
            pods = listed;
        }
        _ => ctx.state().selectors.remove(&a.key),
    }

    let snapshots: Vec<PodSnapshot> = pods
        .iter()
        .filter_map(|p| {
            snapshot::pod_snapshot(p)
                .map_err(|err| tracing::warn!(object = %a.key, "pod left out: {err}"))
                .ok()
        })
        .collect();
    let samples = match (&parsed, selector_text) {
        (Some(selector), Some(text)) if computes => {
            fetch::samples(ctx, namespace, &PodSelector { parsed: selector, text }, &a.metrics, &specs).await
        }
        _ => specs
            .iter()
            .map(|_| MetricSamples::Unavailable { reason: "metrics not read".to_owned() })
            .collect(),
    };
    let metrics: Vec<(MetricSpec, MetricSamples)> = specs.iter().cloned().zip(samples).collect();

    let input = SyncInput {
        reference: a.reference(),
        namespace,
        min_replicas: a.min_replicas,
        max_replicas: a.max_replicas,
        behavior: behavior.clone(),
        scale: ScaleSnapshot {
            spec_replicas: scale.spec_replicas,
            status_replicas: scale.status_replicas,
            selector: scale.selector.clone(),
        },
        pods: &snapshots,
        metrics: &metrics,
        calc: snapshot::calc_config(
            ctx.config.tolerance,
            behavior.as_ref(),
            a.cpu_initialization_period.unwrap_or(ctx.config.cpu_initialization_period),
            a.initial_readiness_delay.unwrap_or(ctx.config.initial_readiness_delay),
        ),
        normalize: NormalizeConfig {
            downscale_stabilization: ctx.config.downscale_stabilization,
            ..NormalizeConfig::default()
        },
        now,
        scaled_to_zero,
    };
    let decided = sync(&input, &mut draft.history);
    for c in &decided.conditions {
        draft.condition(StatusCondition::from_decision(c));
    }
    draft.events.extend(decided.events.iter().cloned());
    let d = &decided.decision;
    let mut desired = d.desired_replicas;
    if d.path == DecisionPath::MetricsUnavailable {
        desired = a.status.desired_replicas;
    }
    let mut error = decided.error.clone().map(ReconcileError::ComputeMetrics);
    let mut rescaled = None;
    if d.rescale {
        match write_scale(ctx, a, scale, d.desired_replicas).await {
            Ok(()) => {
                rescaled = Some((scale.spec_replicas, d.desired_replicas));
                draft.status.last_scale_time = Some(now);
            }
            Err(err) => {
                let text = err.to_string();
                let failed = behavior::failed_rescale_message(d.desired_replicas, &d.rescale_reason, &text);
                draft.events.retain(|e| e.reason != "SuccessfulRescale");
                // Upstream sets ScaledToZero only after a successful write.
                draft.conditions.retain(|c| c.type_ != ConditionType::ScaledToZero.as_str());
                draft.warn("FailedRescale", failed);
                draft.condition(StatusCondition::from_decision(&Condition::failed_update_scale(&text)));
                desired = a.status.desired_replicas;
                if let Some(h) = draft.history.as_mut() {
                    history::undo_scale_event(h, before, now);
                }
                error = Some(ReconcileError::Rescale { reference: a.reference(), source: err });
            }
        }
    }
    draft.status.current_replicas = Some(scale.spec_replicas);
    draft.status.desired_replicas = desired;
    draft.status.current_metrics = status::metric_statuses(&a.metrics, decided.metrics.as_ref());
    if a.key.kind == AutoscalerKind::Policy {
        let to = if rescaled.is_some() { d.desired_replicas } else { desired };
        let reason = super::explain::decision_reason(&specs, &decided, scale.spec_replicas, to);
        let unchanged = draft
            .last_decision
            .as_ref()
            .is_some_and(|l| l.from == scale.spec_replicas && l.to == to && l.reason == reason);
        if !unchanged {
            draft.last_decision = Some(LastDecision {
                time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now),
                from: scale.spec_replicas,
                to,
                reason,
            });
        }
    }
    let mut outcome = finish(draft, true).await?;
    outcome.rescaled = rescaled;
    match error {
        Some(err) => Err(err),
        None => Ok(outcome),
    }
}

/// `PUT /scale`, re-reading and retrying once on a conflict (upstream `RetryOnConflict`).
async fn write_scale(ctx: &Context, a: &Autoscaler, scale: &Scale, replicas: i32) -> Result<(), ClientError> {
    let ns = a.key.namespace.as_str();
    match ctx.clients.scale.update_scale(ns, &a.target, scale, replicas).await {
        Err(err) if err.is_conflict() => {
            let fresh = ctx.clients.scale.get_scale(ns, &a.target).await?;
            ctx.clients.scale.update_scale(ns, &a.target, &fresh, replicas).await.map(drop)
        }
        other => other.map(drop),
    }
}

/// Records events, keeps the history in memory, and writes status and history when they changed.
/// `keep_history` is false on paths that stop before the history is consulted.
async fn finish(draft: Draft<'_>, keep_history: bool) -> Result<Outcome, ReconcileError> {
    let Draft { ctx, a, now, conditions, events, mut status, history, last_decision } = draft;
    let object = a.event_object();
    for event in &events {
        ctx.clients.events.record(&object, event).await;
    }
    status.conditions = status::merge_conditions(&a.status.conditions, &conditions, now);
    if let Some(h) = &history {
        ctx.state().histories.insert(a.key.clone(), h.clone());
    }
    let history = if keep_history { history } else { None };
    let mut outcome = Outcome::default();
    let write_err = |source| ReconcileError::WriteStatus { object: a.key.to_string(), source };
    let (ns, name) = (a.key.namespace.as_str(), a.key.name.as_str());
    match a.key.kind {
        AutoscalerKind::Hpa => {
            if status::needs_write(&a.status, &status) {
                ctx.clients.status.write_hpa_status(ns, name, &status.to_hpa()).await.map_err(write_err)?;
                outcome.status_written = true;
            }
            if let Some(h) = &history {
                let text = history::to_annotation(h);
                if a.annotations.get(HISTORY_ANNOTATION) != Some(&text) {
                    let patch =
                        std::collections::BTreeMap::from([(HISTORY_ANNOTATION.to_owned(), Some(text))]);
                    ctx.clients.status.patch_hpa_annotations(ns, name, &patch).await.map_err(write_err)?;
                    outcome.history_written = true;
                }
            }
        }
        AutoscalerKind::Policy => {
            let old = a.policy_status.clone().unwrap_or_default();
            let mut new = old.clone();
            status.apply_to_policy(&mut new, now);
            new.target = Some(format!("{}/{}", a.target.kind, a.target.name));
            new.last_decision = last_decision;
            if let Some(h) = &history {
                new.history = Some(history::to_policy(h));
                outcome.history_written = new.history != old.history;
            }
            if new != old {
                ctx.clients.status.write_policy_status(ns, name, &new).await.map_err(write_err)?;
                outcome.status_written = true;
            }
        }
    }
    Ok(outcome)
}
