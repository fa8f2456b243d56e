//! Tests of the behavior engine. Upstream vectors from kubernetes/kubernetes
//! `pkg/controller/podautoscaler/horizontal_test.go` (the version with
//! `TestNormalizeDesiredReplicasWithBehavior` "do not scale up when prenormalized rec goes down",
//! read at commit 003e86297d18) and `pkg/apis/autoscaling/v2/defaults_test.go` are ported by value;
//! each row cites its upstream test. Rows marked "own" are computed by hand from the spec.
//!
//! Upstream builds timestamps from `time.Now()` and relies on the few microseconds between
//! fixture creation and the call; here `now` is fixed, so "N seconds ago" is exact.

mod defaults;
mod history;
mod legacy;
mod normalize;
mod props;
mod rate;
mod stabilize;
mod text;

use jiff::{SignedDuration, Timestamp};

use super::{
    Behavior, Decision, History, NormalizeConfig, NormalizeInput, Proposal, Recommendation, ScaleEvent,
    ScalingPolicy, ScalingRules, SelectPolicy, ZeroState, normalize,
};

/// The fixed "now" of every test: 2026-01-01T00:00:00Z.
pub(super) fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("valid fixture timestamp")
}

/// `now - secs`.
pub(super) fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

/// A recommendation `secs` seconds old.
pub(super) fn rec(replicas: i32, secs: i64) -> Recommendation {
    Recommendation { timestamp: ago(secs), replicas }
}

/// A scale event `secs` seconds old.
pub(super) fn ev(replica_change: i32, secs: i64) -> ScaleEvent {
    ScaleEvent { timestamp: ago(secs), replica_change, outdated: false }
}

/// Upstream `generateScalingRules(pods, podsPeriod, percent, percentPeriod, window)`: `Max`
/// select, a Pods policy when `pods != 0`, then a Percent policy when `percent != 0`.
pub(super) fn rules(
    pods: i32,
    pods_period: i32,
    percent: i32,
    percent_period: i32,
    window: i32,
) -> ScalingRules {
    let mut policies = Vec::new();
    if pods != 0 {
        policies.push(ScalingPolicy::pods(pods, pods_period));
    }
    if percent != 0 {
        policies.push(ScalingPolicy::percent(percent, percent_period));
    }
    ScalingRules {
        stabilization_window_seconds: Some(window),
        select_policy: Some(SelectPolicy::Max),
        policies: Some(policies),
        tolerance: None,
    }
}

/// Upstream `generateEventsUniformDistribution(events, period)`: event `i` sits in the middle of
/// segment `i` counted from the start of the period, the seconds truncated as Go's
/// `time.Duration(float)` conversion does. `[1, 5, 9]` over 120 s lands at -100 s, -60 s, -20 s.
pub(super) fn uniform(changes: &[i32], period: i64) -> Vec<ScaleEvent> {
    let n = changes.len() as f64;
    let segment = period as f64 / n;
    changes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let boundary = (period as f64 - segment * (i as f64 + 1.0) + segment / 2.0) as i64;
            ev(c, boundary)
        })
        .collect()
}

/// A history from its three lists.
pub(super) fn hist(recs: Vec<Recommendation>, up: Vec<ScaleEvent>, down: Vec<ScaleEvent>) -> History {
    History { recommendations: recs, scale_up_events: up, scale_down_events: down }
}

/// Builder for whole-normalization cases (`reconcileAutoscaler` from the proposal on).
pub(super) struct Case {
    input: NormalizeInput,
    history: Option<History>,
}

/// A case with `current` replicas and bounds `[min, max]`, upstream's test config (factor 8),
/// no behavior, no proposal and no history (first sight).
pub(super) fn case(current: i32, min: i32, max: i32) -> Case {
    Case {
        input: NormalizeInput {
            current_replicas: current,
            min_replicas: Some(min),
            max_replicas: max,
            behavior: None,
            proposal: None,
            config: NormalizeConfig::upstream_test(),
            zero: ZeroState::default(),
        },
        history: None,
    }
}

impl Case {
    /// Metrics propose `replicas` (reason name `cpu resource utilization (percentage of request)`).
    pub(super) fn proposal(mut self, replicas: i32) -> Self {
        self.input.proposal = Some(Proposal {
            replicas,
            metric: "cpu resource utilization (percentage of request)".to_owned(),
        });
        self
    }

    /// Set `spec.behavior`.
    pub(super) fn behavior(mut self, up: Option<ScalingRules>, down: Option<ScalingRules>) -> Self {
        self.input.behavior = Some(Behavior { scale_up: up, scale_down: down });
        self
    }

    /// Use the production legacy factor 2.
    pub(super) fn production(mut self) -> Self {
        self.input.config = NormalizeConfig::default();
        self
    }

    /// Start from this history instead of first sight.
    pub(super) fn history(mut self, history: History) -> Self {
        self.history = Some(history);
        self
    }

    /// Normalize at [`now`].
    pub(super) fn run(self) -> (Decision, History) {
        let mut history = self.history;
        let decision = normalize(&self.input, &mut history, now());
        (decision, history.unwrap_or_default())
    }
}

/// `(status, reason)` of a condition, for compact assertions.
pub(super) fn cond(c: Option<&super::Condition>) -> Option<(super::ConditionStatus, &str)> {
    c.map(|c| (c.status, c.reason.as_str()))
}
