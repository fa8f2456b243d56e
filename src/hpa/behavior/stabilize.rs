//! Stabilization: smoothing the metric proposal with the recent recommendations.
//!
//! Two different algorithms, kept apart as upstream keeps them (§9.6 of the spec):
//! * [`stabilize_legacy`] (`stabilizeRecommendation`, HPAs without behavior): rolling **max**
//!   over the downscale-stabilization window. It can lift the result above the current count.
//! * [`stabilize_with_behavior`] (`stabilizeRecommendationWithBehaviors`): the current count is
//!   clamped into `[min over the scale-up window, max over the scale-down window]` (both windows
//!   include the new proposal), so the result never moves against the proposal.
//!
//! Both record the new (unstabilized) proposal with timestamp `now`, overwriting the *last*
//! expired entry or appending. Boundaries follow Go's strict `Before`/`After`: the legacy window
//! keeps an entry exactly `window` old (it is not `Before` the cutoff); the behavior windows
//! ignore it (it is not `After` the cutoff) and do not treat it as expired either.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::history::{Recommendation, cutoff, cutoff_secs};

/// The `AbleToScale` reason produced by stabilization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StabilizationReason {
    /// The stabilized value equals the proposal.
    ReadyForNewScale,
    /// A lower recent recommendation held a scale-up back.
    ScaleUpStabilized,
    /// A higher recent recommendation held a scale-down back.
    ScaleDownStabilized,
}

impl StabilizationReason {
    /// The upstream condition reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadyForNewScale => "ReadyForNewScale",
            Self::ScaleUpStabilized => "ScaleUpStabilized",
            Self::ScaleDownStabilized => "ScaleDownStabilized",
        }
    }

    /// The upstream condition message.
    pub fn message(self) -> &'static str {
        match self {
            Self::ReadyForNewScale => "recommended size matches current size",
            Self::ScaleUpStabilized => {
                "recent recommendations were lower than current one, applying the lowest recent recommendation"
            }
            Self::ScaleDownStabilized => {
                "recent recommendations were higher than current one, applying the highest recent recommendation"
            }
        }
    }
}

/// Result of a stabilization step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stabilized {
    /// The stabilized recommendation.
    pub replicas: i32,
    /// `AbleToScale` reason: `ReadyForNewScale` when `replicas` equals the proposal.
    pub reason: StabilizationReason,
}

/// `stabilizeRecommendation` (legacy path): the max of `proposal` and every recommendation not
/// strictly older than `now - window`; then records `{proposal, now}`.
pub fn stabilize_legacy(
    recommendations: &mut Vec<Recommendation>,
    proposal: i32,
    window: SignedDuration,
    now: Timestamp,
) -> Stabilized {
    let cut = cutoff(now, window);
    let mut max = proposal;
    let mut old_index = None;
    for (i, r) in recommendations.iter().enumerate() {
        if r.timestamp < cut {
            old_index = Some(i);
        } else if r.replicas > max {
            max = r.replicas;
        }
    }
    record(recommendations, old_index, proposal, now);
    let reason = if max == proposal {
        StabilizationReason::ReadyForNewScale
    } else {
        StabilizationReason::ScaleDownStabilized
    };
    Stabilized { replicas: max, reason }
}

/// `stabilizeRecommendationWithBehaviors`: clamp `current` into
/// `[min(proposal, recs newer than now-up), max(proposal, recs newer than now-down)]`, then record
/// `{proposal, now}` over the last entry expired for both windows (or append).
pub fn stabilize_with_behavior(
    recommendations: &mut Vec<Recommendation>,
    current: i32,
    proposal: i32,
    up_window_seconds: i32,
    down_window_seconds: i32,
    now: Timestamp,
) -> Stabilized {
    let up_cut = cutoff_secs(now, up_window_seconds);
    let down_cut = cutoff_secs(now, down_window_seconds);
    let mut up = proposal;
    let mut down = proposal;
    let mut old_index = None;
    for (i, r) in recommendations.iter().enumerate() {
        if r.timestamp > up_cut {
            up = up.min(r.replicas);
        }
        if r.timestamp > down_cut {
            down = down.max(r.replicas);
        }
        if r.timestamp < up_cut && r.timestamp < down_cut {
            old_index = Some(i);
        }
    }
    let mut replicas = current;
    if replicas < up {
        replicas = up;
    }
    if replicas > down {
        replicas = down;
    }
    record(recommendations, old_index, proposal, now);
    let reason = if replicas == proposal {
        StabilizationReason::ReadyForNewScale
    } else if proposal >= current {
        StabilizationReason::ScaleUpStabilized
    } else {
        StabilizationReason::ScaleDownStabilized
    };
    Stabilized { replicas, reason }
}

fn record(
    recommendations: &mut Vec<Recommendation>,
    old_index: Option<usize>,
    proposal: i32,
    now: Timestamp,
) {
    let fresh = Recommendation { timestamp: now, replicas: proposal };
    match old_index {
        Some(i) => recommendations[i] = fresh,
        None => recommendations.push(fresh),
    }
}
