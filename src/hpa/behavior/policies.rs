//! Behavior rate limits (`convertDesiredReplicasWithBehaviorRate` and the two limit calculators).
//!
//! For each policy the replicas at the start of its period are reconstructed from the event
//! history: `start = current - added + deleted`, where `added`/`deleted` sum the up/down events
//! strictly newer than `now - periodSeconds` (both directions count for both limits; the
//! `outdated` flag is not consulted). Then:
//!
//! | direction | `Pods` | `Percent` |
//! |---|---|---|
//! | up | `start + value` | `int32(ceil(start * (1 + value/100)))` |
//! | down | `start - value` | `int32(start * (1 - value/100))` (truncation toward zero) |
//!
//! `selectPolicy: Max` picks the biggest allowed change (max limit up, min limit down), `Min` the
//! smallest, `Disabled` pins the limit to `current`. A limit beyond `current` in the wrong
//! direction is clamped to `current` (recent events used up the budget), then `maxReplicas` /
//! `minReplicas` apply. All intermediate arithmetic is `i64`/`f64`, clamped to `i32` explicitly.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::conditions::LimitReason;
use super::history::{History, replicas_change_per_period};
use super::spec::{
    Direction, EffectiveBehavior, EffectiveRules, PolicyType, ScalingPolicy, SelectPolicy, clamp_f64_to_i32,
    clamp_i32,
};

/// The limit one policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyLimit {
    /// The policy.
    pub policy: ScalingPolicy,
    /// Replicas at the start of the policy's period.
    pub period_start_replicas: i32,
    /// Replica bound this policy allows.
    pub limit: i32,
}

/// The combined rate limit of one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Direction.
    pub direction: Direction,
    /// Combined limit before clamping to `current` (upstream's return value). Without policies it
    /// is `i32::MIN` (up) / `i32::MAX` (down), as upstream's initial values.
    pub limit: i32,
    /// Every policy's own limit, in spec order (empty when `selectPolicy` is `Disabled`).
    pub per_policy: Vec<PolicyLimit>,
    /// Index into `per_policy` of the first policy that produced `limit`.
    pub selected: Option<usize>,
}

impl RateLimit {
    /// The policy that produced the limit, if any.
    pub fn selected_policy(&self) -> Option<PolicyLimit> {
        self.selected.and_then(|i| self.per_policy.get(i).copied())
    }
}

/// `calculateScaleUpLimitWithScalingRules`.
pub fn scale_up_limit(current: i32, history: &History, rules: &EffectiveRules, now: Timestamp) -> RateLimit {
    compute(Direction::Up, current, history, rules, now)
}

/// `calculateScaleDownLimitWithBehaviors`.
pub fn scale_down_limit(
    current: i32,
    history: &History,
    rules: &EffectiveRules,
    now: Timestamp,
) -> RateLimit {
    compute(Direction::Down, current, history, rules, now)
}

fn compute(
    direction: Direction,
    current: i32,
    history: &History,
    rules: &EffectiveRules,
    now: Timestamp,
) -> RateLimit {
    if rules.select_policy == SelectPolicy::Disabled {
        return RateLimit { direction, limit: current, per_policy: Vec::new(), selected: None };
    }
    // Up + Max and Down + Min take the largest bound; the other two the smallest.
    let take_largest = matches!(
        (direction, rules.select_policy),
        (Direction::Up, SelectPolicy::Max) | (Direction::Down, SelectPolicy::Min)
    );
    let mut limit = if take_largest { i32::MIN } else { i32::MAX };
    let mut selected = None;
    let mut per_policy = Vec::with_capacity(rules.policies.len());
    for (index, policy) in rules.policies.iter().enumerate() {
        let added = replicas_change_per_period(policy.period_seconds, &history.scale_up_events, now);
        let deleted = replicas_change_per_period(policy.period_seconds, &history.scale_down_events, now);
        let start = i64::from(current) - added + deleted;
        let value = i64::from(policy.value);
        let proposed = match (direction, policy.kind) {
            (Direction::Up, PolicyType::Pods) => clamp_i32(start + value),
            (Direction::Down, PolicyType::Pods) => clamp_i32(start - value),
            (Direction::Up, PolicyType::Percent) => {
                clamp_f64_to_i32((start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil())
            }
            (Direction::Down, PolicyType::Percent) => {
                clamp_f64_to_i32((start as f64 * (1.0 - f64::from(policy.value) / 100.0)).trunc())
            }
        };
        let better = if take_largest { proposed > limit } else { proposed < limit };
        if better || selected.is_none() && proposed == limit {
            limit = proposed;
            selected = Some(index);
        }
        per_policy.push(PolicyLimit {
            policy: *policy,
            period_start_replicas: clamp_i32(start),
            limit: proposed,
        });
    }
    RateLimit { direction, limit, per_policy, selected }
}

/// Outcome of the behavior rate/range step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateConversion {
    /// Resulting replicas.
    pub replicas: i32,
    /// `ScalingLimited` reason.
    pub reason: LimitReason,
    /// The rate limit consulted (scale-up or scale-down only; `None` when `desired == current`).
    pub rate_limit: Option<RateLimit>,
    /// The rate bound after clamping to `current` (what `ScaleUpLimit`/`ScaleDownLimit` applies).
    pub rate_bound: Option<i32>,
}

/// `convertDesiredReplicasWithBehaviorRate`: apply the rate limit of the direction `desired`
/// moves in, then `maxReplicas`/`minReplicas` (only on the side the value moves towards).
pub fn convert_with_behavior_rate(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    history: &History,
    behavior: &EffectiveBehavior,
    now: Timestamp,
) -> RateConversion {
    let within = |rate_limit, rate_bound| RateConversion {
        replicas: desired,
        reason: LimitReason::DesiredWithinRange,
        rate_limit,
        rate_bound,
    };
    match desired.cmp(&current) {
        Ordering::Greater => {
            let rl = scale_up_limit(current, history, &behavior.scale_up, now);
            let bound = rl.limit.max(current);
            let (max_allowed, reason) = if max > bound {
                (bound, LimitReason::ScaleUpLimit)
            } else {
                (max, LimitReason::TooManyReplicas)
            };
            if desired > max_allowed {
                return RateConversion {
                    replicas: max_allowed,
                    reason,
                    rate_limit: Some(rl),
                    rate_bound: Some(bound),
                };
            }
            within(Some(rl), Some(bound))
        }
        Ordering::Less => {
            let rl = scale_down_limit(current, history, &behavior.scale_down, now);
            let bound = rl.limit.min(current);
            let (min_allowed, reason) = if min < bound {
                (bound, LimitReason::ScaleDownLimit)
            } else {
                (min, LimitReason::TooFewReplicas)
            };
            if desired < min_allowed {
                return RateConversion {
                    replicas: min_allowed,
                    reason,
                    rate_limit: Some(rl),
                    rate_bound: Some(bound),
                };
            }
            within(Some(rl), Some(bound))
        }
        Ordering::Equal => within(None, None),
    }
}
