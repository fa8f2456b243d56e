//! The pure HPA behavior engine: everything kube-controller-manager does between "the metrics
//! propose N replicas" and "scale the target to M" (`normalizeDesiredReplicas`,
//! `normalizeDesiredReplicasWithBehaviors`, the `>max`/`<min`/zero-replica branches of
//! `reconcileAutoscaler`, and `storeScaleEvent`), reproducing upstream v1.33–v1.35 semantics.
//!
//! Model:
//! * Input is plain data ([`NormalizeInput`]): current replicas (the scale's `spec.replicas`),
//!   `minReplicas`/`maxReplicas`, the optional `spec.behavior` ([`Behavior`]), the metric proposal
//!   and the controller flags ([`NormalizeConfig`]). `now` is a parameter; nothing reads a clock.
//! * Per-HPA memory is a serialisable [`History`]. `None` means first sight: it is seeded with the
//!   current count (`recordInitialRecommendation`), which blocks scale-down for one window.
//! * Output is a [`Decision`] carrying every intermediate value (proposal, stabilized value, rate
//!   bound and the policy that set it, desired replicas), the conditions upstream would set, the
//!   rescale flag and reason, and a readable explanation.
//!
//! Invariants (see the proptests): with `0 <= min <= max` the metric paths return a value in
//! `[min, max]`; the behavior path never moves against the proposal; nothing panics on any input
//! (arithmetic is done in `i64`/`f64` and clamped explicitly); [`History::prune`] keeps the history
//! bounded. Time comparisons are strict as in Go, so entries exactly one window old are outside
//! the behavior windows and the event periods (but inside the legacy window, see [`stabilize`]).

mod conditions;
mod history;
mod legacy;
mod policies;
mod spec;
mod stabilize;

#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use conditions::{
    Condition, ConditionStatus, ConditionType, LimitReason, REASON_ABOVE_MAX, REASON_ALL_BELOW,
    REASON_BELOW_MIN, above_target_reason, failed_rescale_message, successful_rescale_message,
};
pub use history::{History, Recommendation, ScaleEvent, replicas_change_per_period};
pub use legacy::{
    Limited, SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM, UPSTREAM_TEST_SCALE_UP_LIMIT_FACTOR,
    convert_with_rules, legacy_scale_up_limit,
};
pub use policies::{
    PolicyLimit, RateConversion, RateLimit, convert_with_behavior_rate, scale_down_limit, scale_up_limit,
};
pub use spec::{
    Behavior, Direction, EffectiveBehavior, EffectiveRules, MAX_POLICY_PERIOD_SECONDS,
    MAX_STABILIZATION_WINDOW_SECONDS, PolicyType, ScalingPolicy, ScalingRules, SelectPolicy,
};
pub use stabilize::{StabilizationReason, Stabilized, stabilize_legacy, stabilize_with_behavior};

/// Invalid behavior or replica bounds (the API-validation rules the engine depends on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BehaviorError {
    /// `stabilizationWindowSeconds` outside `[0, 3600]`.
    #[error("behavior.{direction}.stabilizationWindowSeconds: {seconds} is outside [0, 3600]")]
    StabilizationWindowOutOfRange {
        /// Direction of the rules.
        direction: Direction,
        /// The bad value.
        seconds: i32,
    },
    /// An explicit empty `policies` list.
    #[error("behavior.{direction}.policies: must specify at least one Policy")]
    NoPolicies {
        /// Direction of the rules.
        direction: Direction,
    },
    /// A policy `value` that is not positive.
    #[error("behavior.{direction}.policies[{index}].value: {value} must be greater than 0")]
    PolicyValueNotPositive {
        /// Direction of the rules.
        direction: Direction,
        /// Policy index.
        index: usize,
        /// The bad value.
        value: i32,
    },
    /// A policy `periodSeconds` outside `(0, 1800]`.
    #[error("behavior.{direction}.policies[{index}].periodSeconds: {seconds} is outside (0, 1800]")]
    PolicyPeriodOutOfRange {
        /// Direction of the rules.
        direction: Direction,
        /// Policy index.
        index: usize,
        /// The bad value.
        seconds: i32,
    },
    /// `minReplicas` below zero.
    #[error("minReplicas: {min} must not be negative")]
    NegativeMinReplicas {
        /// The bad value.
        min: i32,
    },
    /// `maxReplicas` below `minReplicas` (or below 1).
    #[error("maxReplicas: {max} must be at least 1 and not less than minReplicas {min}")]
    MaxBelowMin {
        /// `minReplicas`.
        min: i32,
        /// The bad `maxReplicas`.
        max: i32,
    },
}

/// Controller flags that shape normalization.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalizeConfig {
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (default 5 m): the legacy window and
    /// the default scale-down window of behaviors that leave it unset.
    pub downscale_stabilization: SignedDuration,
    /// Legacy `scaleUpLimitFactor` (production 2; upstream tests 8).
    pub scale_up_limit_factor: f64,
    /// Legacy `scaleUpLimitMinimum` (4).
    pub scale_up_limit_minimum: f64,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        Self {
            downscale_stabilization: SignedDuration::from_mins(5),
            scale_up_limit_factor: SCALE_UP_LIMIT_FACTOR,
            scale_up_limit_minimum: SCALE_UP_LIMIT_MINIMUM,
        }
    }
}

impl NormalizeConfig {
    /// The configuration upstream's `horizontal_test.go` runs with (scale-up factor 8).
    pub fn upstream_test() -> Self {
        Self { scale_up_limit_factor: UPSTREAM_TEST_SCALE_UP_LIMIT_FACTOR, ..Self::default() }
    }
}

/// The metric step's result: the max over valid metric proposals and the metric that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// Proposed replicas (upstream never passes `-1` here; negative values count as 0).
    pub replicas: i32,
    /// Reason name of the metric that proposed it (see [`MetricKind::reason_name`]).
    pub metric: String,
}

/// Everything normalization needs for one HPA sync.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizeInput {
    /// The target's scale `spec.replicas`.
    pub current_replicas: i32,
    /// `spec.minReplicas` (`None` → 1, the API default).
    pub min_replicas: Option<i32>,
    /// `spec.maxReplicas`.
    pub max_replicas: i32,
    /// `spec.behavior` as written (`None` → legacy path).
    pub behavior: Option<Behavior>,
    /// Metric result; `None` when the metrics could not be computed (upstream's `-1`): nothing
    /// changes. Ignored by the branches that do not consult metrics (see [`Gate`]).
    pub proposal: Option<Proposal>,
    /// Controller flags.
    pub config: NormalizeConfig,
    /// What the v1.36 scale-to-zero rule reads besides the bounds.
    pub zero: ZeroState,
}

impl NormalizeInput {
    /// Effective `minReplicas`.
    pub fn min(&self) -> i32 {
        self.min_replicas.unwrap_or(1)
    }

    /// Check the replica bounds and the behavior as API validation would.
    pub fn validate(&self) -> Result<(), BehaviorError> {
        let min = self.min();
        if min < 0 {
            return Err(BehaviorError::NegativeMinReplicas { min });
        }
        if self.max_replicas < min || self.max_replicas < 1 {
            return Err(BehaviorError::MaxBelowMin { min, max: self.max_replicas });
        }
        self.behavior.as_ref().map_or(Ok(()), Behavior::validate)
    }
}

/// What the v1.36 scale-to-zero rule (KEP-2021, kubernetes/kubernetes PR #135118, gate
/// `HPAScaleToZero` taken as on) reads besides the replica bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZeroState {
    /// The object's `ScaledToZero` condition is `True`: the autoscaler itself scaled the target to
    /// zero (a target at zero without it was scaled to zero by hand).
    pub scaled_to_zero: bool,
    /// The spec has at least one Object or External metric (the only metrics that can be read
    /// while no pod runs).
    pub has_object_or_external: bool,
}

impl ZeroState {
    /// Upstream's `shouldComputeMetricsForZeroReplicas`: at zero replicas, metrics are computed
    /// only when the autoscaler scaled to zero itself and either `minReplicas` was raised since or
    /// an Object/External metric can bring it back.
    pub fn computes_at_zero(self, min: i32) -> bool {
        self.scaled_to_zero && (min != 0 || self.has_object_or_external)
    }
}

/// Which branch of `reconcileAutoscaler` applies, decided before any metric is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Gate {
    /// `current == 0` and the autoscaler did not scale to zero itself (see
    /// [`ZeroState::computes_at_zero`]): implicit maintenance mode, nothing happens.
    ScalingDisabled,
    /// `current > maxReplicas`: scale to `maxReplicas` without metrics, stabilization or limits.
    AboveMaxReplicas,
    /// `current < minReplicas`: scale to `minReplicas` likewise.
    BelowMinReplicas,
    /// Compute metrics and normalize.
    ComputeMetrics,
}

/// The branch for these bounds, with v1.36 zero semantics: at `current == 0` metrics are computed
/// only when [`ZeroState::computes_at_zero`] holds (then even below `minReplicas`: the result is
/// raised to `minReplicas` after normalization); otherwise scaling is disabled, whatever
/// `minReplicas` is. Up to v1.35 `current == 0 && minReplicas == 0` always computed metrics.
pub fn gate(current: i32, min: i32, max: i32, zero: ZeroState) -> Gate {
    if current == 0 {
        if zero.computes_at_zero(min) { Gate::ComputeMetrics } else { Gate::ScalingDisabled }
    } else if current > max {
        Gate::AboveMaxReplicas
    } else if current < min {
        Gate::BelowMinReplicas
    } else {
        Gate::ComputeMetrics
    }
}

/// How the decision was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DecisionPath {
    /// See [`Gate::ScalingDisabled`].
    ScalingDisabled,
    /// See [`Gate::AboveMaxReplicas`].
    AboveMaxReplicas,
    /// See [`Gate::BelowMinReplicas`].
    BelowMinReplicas,
    /// The metrics could not be computed; nothing changes.
    MetricsUnavailable,
    /// `normalizeDesiredReplicas` (no behavior).
    Legacy,
    /// `normalizeDesiredReplicasWithBehaviors`.
    Behavior,
}

/// The outcome of one normalization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Branch taken.
    pub path: DecisionPath,
    /// Current replicas.
    pub current_replicas: i32,
    /// Effective `minReplicas`.
    pub min_replicas: i32,
    /// `maxReplicas`.
    pub max_replicas: i32,
    /// The metric proposal (after `max(0, ·)`), when metrics were consulted.
    pub proposal: Option<i32>,
    /// The stabilized recommendation.
    pub stabilized_replicas: Option<i32>,
    /// Behavior path: the rate limit consulted, with every policy's bound.
    pub rate_limit: Option<RateLimit>,
    /// Behavior path: the rate bound after clamping to current.
    pub rate_bound: Option<i32>,
    /// Legacy path: the scale-up cap `max(factor*current, minimum)`.
    pub legacy_scale_up_limit: Option<i32>,
    /// The policy that limited the result (only when `ScaleUpLimit`/`ScaleDownLimit` applied).
    pub limiting_policy: Option<PolicyLimit>,
    /// Replicas to run: the new size when `rescale`, otherwise `current_replicas`.
    pub desired_replicas: i32,
    /// Whether the scale must be updated.
    pub rescale: bool,
    /// Reason for the `SuccessfulRescale` event (upstream's `rescaleReason`; may be empty when
    /// only stabilization moved the count).
    pub rescale_reason: String,
    /// `AbleToScale` from stabilization (replaced by `SucceededRescale` once the update succeeds).
    pub able_to_scale: Option<Condition>,
    /// `ScalingActive`, only set here for `ScalingDisabled` (`ValidMetricFound` is the calculator's).
    pub scaling_active: Option<Condition>,
    /// `ScalingLimited` from the range/rate step.
    pub scaling_limited: Option<Condition>,
    /// Human-readable steps, in order.
    pub explanation: Vec<String>,
}

impl Decision {
    /// The conditions of this decision in upstream order (`AbleToScale`, `ScalingActive`, `ScalingLimited`).
    pub fn conditions(&self) -> Vec<Condition> {
        [&self.able_to_scale, &self.scaling_active, &self.scaling_limited]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The `SuccessfulRescale` event message, when the decision rescales.
    pub fn rescale_event_message(&self) -> Option<String> {
        self.rescale.then(|| successful_rescale_message(self.desired_replicas, &self.rescale_reason))
    }
}

/// One normalization step: seed the history on first sight, pick the branch, stabilize, apply
/// rate limits and bounds, and prune the history. `history` is updated in place exactly as
/// upstream updates its per-HPA maps (the recommendation is recorded; scale events are recorded
/// separately by [`record_rescale`] once the scale update succeeded).
pub fn normalize(input: &NormalizeInput, history: &mut Option<History>, now: Timestamp) -> Decision {
    let current = input.current_replicas;
    let history = history.get_or_insert_with(|| History::first_sight(current, now));
    let min = input.min();
    let max = input.max_replicas;
    let mut d = Decision {
        path: DecisionPath::MetricsUnavailable,
        current_replicas: current,
        min_replicas: min,
        max_replicas: max,
        proposal: None,
        stabilized_replicas: None,
        rate_limit: None,
        rate_bound: None,
        legacy_scale_up_limit: None,
        limiting_policy: None,
        desired_replicas: current,
        rescale: false,
        rescale_reason: String::new(),
        able_to_scale: None,
        scaling_active: None,
        scaling_limited: None,
        explanation: Vec::new(),
    };
    match gate(current, min, max, input.zero) {
        Gate::ScalingDisabled => {
            d.path = DecisionPath::ScalingDisabled;
            d.desired_replicas = 0;
            d.scaling_active = Some(Condition::scaling_disabled());
            d.explanation.push(if input.zero.scaled_to_zero {
                format!(
                    "target has 0 replicas and minReplicas is {min} with no Object or External metric: scaling is disabled"
                )
            } else {
                format!(
                    "target has 0 replicas without the ScaledToZero condition (scaled to zero by hand), minReplicas {min}: scaling is disabled (maintenance mode)"
                )
            });
        }
        Gate::AboveMaxReplicas => {
            d.path = DecisionPath::AboveMaxReplicas;
            set_rescale(&mut d, max, REASON_ABOVE_MAX);
            d.explanation.push(format!(
                "current {current} is above maxReplicas {max}: scale to {max} without consulting metrics"
            ));
        }
        Gate::BelowMinReplicas => {
            d.path = DecisionPath::BelowMinReplicas;
            set_rescale(&mut d, min, REASON_BELOW_MIN);
            d.explanation.push(format!(
                "current {current} is below minReplicas {min}: scale to {min} without consulting metrics"
            ));
        }
        Gate::ComputeMetrics => match &input.proposal {
            None => {
                d.explanation.push(format!("metrics could not be computed: keep {current} replicas"));
            }
            Some(p) => {
                if current == 0 {
                    d.explanation.push(
                        "target has 0 replicas and the ScaledToZero condition is True: metrics decide whether to scale back from zero"
                            .to_owned(),
                    );
                }
                normalize_proposal(input, p, history, now, &mut d);
                raise_from_zero_to_min(&mut d, input.zero);
            }
        },
    }
    history.prune(now, input.config.downscale_stabilization);
    d
}

/// v1.36: a target the autoscaler scaled to zero whose `minReplicas` was raised since comes back
/// to at least `minReplicas` (the behavior path does not apply `minReplicas` on scale-up).
fn raise_from_zero_to_min(d: &mut Decision, zero: ZeroState) {
    let min = d.min_replicas;
    if d.current_replicas == 0 && min != 0 && zero.scaled_to_zero && d.desired_replicas < min {
        d.desired_replicas = min;
        d.rescale = true;
        if d.rescale_reason.is_empty() {
            REASON_BELOW_MIN.clone_into(&mut d.rescale_reason);
        }
        d.explanation.push(format!("scaling back from zero: raised to minReplicas {min}"));
    }
}

fn set_rescale(d: &mut Decision, desired: i32, reason: &str) {
    d.desired_replicas = desired;
    d.rescale = desired != d.current_replicas;
    reason.clone_into(&mut d.rescale_reason);
}

fn normalize_proposal(
    input: &NormalizeInput,
    p: &Proposal,
    history: &mut History,
    now: Timestamp,
    d: &mut Decision,
) {
    let (current, min, max) = (d.current_replicas, d.min_replicas, d.max_replicas);
    let proposal = p.replicas.max(0);
    d.proposal = Some(proposal);
    let reason = match proposal.cmp(&current) {
        Ordering::Greater => above_target_reason(&p.metric),
        Ordering::Less => REASON_ALL_BELOW.to_owned(),
        Ordering::Equal => String::new(),
    };
    d.explanation.push(if p.metric.is_empty() {
        format!("metrics propose {proposal} replicas (current {current})")
    } else {
        format!("metrics propose {proposal} replicas from {} (current {current})", p.metric)
    });
    let cfg = &input.config;
    let (stabilized, limited) = if let Some(behavior) = &input.behavior {
        d.path = DecisionPath::Behavior;
        let eff = EffectiveBehavior::resolve(behavior, cfg.downscale_stabilization);
        let (up_w, down_w) =
            (eff.scale_up.stabilization_window_seconds, eff.scale_down.stabilization_window_seconds);
        let s = stabilize_with_behavior(&mut history.recommendations, current, proposal, up_w, down_w, now);
        d.explanation.push(format!(
            "stabilization (scaleUp window {up_w}s: lowest recent, scaleDown window {down_w}s: highest recent) gives {}",
            s.replicas
        ));
        let conv = convert_with_behavior_rate(current, s.replicas, min, max, history, &eff, now);
        explain_rate(d, &conv);
        d.rate_bound = conv.rate_bound;
        d.rate_limit = conv.rate_limit;
        (s, Limited { replicas: conv.replicas, reason: conv.reason })
    } else {
        d.path = DecisionPath::Legacy;
        let window = cfg.downscale_stabilization;
        let s = stabilize_legacy(&mut history.recommendations, proposal, window, now);
        d.explanation.push(format!(
            "stabilization (highest recommendation within the last {}s) gives {}",
            window.as_secs(),
            s.replicas
        ));
        let cap = legacy_scale_up_limit(current, cfg.scale_up_limit_factor, cfg.scale_up_limit_minimum);
        d.legacy_scale_up_limit = Some(cap);
        let l = convert_with_rules(
            current,
            s.replicas,
            min,
            max,
            cfg.scale_up_limit_factor,
            cfg.scale_up_limit_minimum,
        );
        if l.reason == LimitReason::ScaleUpLimit {
            d.explanation.push(format!(
                "scale-up limited to max({} x {current}, {}) = {cap}",
                cfg.scale_up_limit_factor, cfg.scale_up_limit_minimum
            ));
        }
        (s, l)
    };
    d.stabilized_replicas = Some(stabilized.replicas);
    d.able_to_scale = Some(Condition::stabilization(stabilized.reason));
    let was_limited = limited.replicas != stabilized.replicas;
    d.scaling_limited = Some(Condition::scaling_limited(limited.reason, was_limited));
    match limited.reason {
        LimitReason::TooFewReplicas if was_limited => {
            d.explanation.push(format!("raised to minReplicas {min}"));
        }
        LimitReason::TooManyReplicas if was_limited => {
            d.explanation.push(format!("lowered to maxReplicas {max}"));
        }
        LimitReason::ScaleUpLimit | LimitReason::ScaleDownLimit if was_limited => {
            d.limiting_policy = d.rate_limit.as_ref().and_then(RateLimit::selected_policy);
        }
        _ => {}
    }
    d.rescale_reason = reason;
    d.rescale = limited.replicas != current;
    d.desired_replicas = if d.rescale { limited.replicas } else { current };
    d.explanation.push(if d.rescale {
        format!("scale from {current} to {}", limited.replicas)
    } else {
        format!("keep {current} replicas")
    });
}

fn explain_rate(d: &mut Decision, conv: &RateConversion) {
    let (Some(rl), Some(bound)) = (&conv.rate_limit, conv.rate_bound) else {
        return;
    };
    let verb = match rl.direction {
        Direction::Up => "scale-up",
        Direction::Down => "scale-down",
    };
    let detail = match rl.selected_policy() {
        Some(p) => format!(
            "policy {} from {} replicas at the start of its period allows {}",
            p.policy, p.period_start_replicas, p.limit
        ),
        None if rl.per_policy.is_empty() => {
            "selectPolicy Disabled (or no policies) allows no change".to_owned()
        }
        None => "no policy applies".to_owned(),
    };
    d.explanation.push(format!("{verb} rate limit: {detail}; bound {bound}"));
}

/// After a successful scale update from `prev` to `new`: record the scale event (behavior HPAs
/// only, `storeScaleEvent`). Call it for every successful rescale, including the
/// `>max`/`<min` branches.
pub fn record_rescale(
    history: &mut History,
    behavior: Option<&Behavior>,
    prev: i32,
    new: i32,
    now: Timestamp,
) {
    history.store_scale_event(behavior, prev, new, now);
}
