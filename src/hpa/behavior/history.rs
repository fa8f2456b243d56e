//! Per-HPA decision history: the recommendations log used by stabilization and the scale events
//! used by the behavior rate limits, with upstream's slot-reuse rules.
//!
//! Upstream keeps three maps keyed by `namespace/name` (`recommendations`, `scaleUpEvents`,
//! `scaleDownEvents`); bellows keeps one [`History`] per HPA and persists it as JSON, so every
//! type here round-trips through serde (timestamps as RFC 3339).
//!
//! Invariants and bounds:
//! * Upstream never trims: a new entry reuses the *last* expired slot or is appended. The
//!   functions that implement that reuse ([`History::store_scale_event`], the stabilizers) do
//!   exactly that, so tests see upstream's list shapes.
//! * [`History::prune`] then drops entries that no valid spec can ever read again: recommendations
//!   strictly older than `max(3600 s, legacy window)` (API validation caps windows at 3600 s) and
//!   events strictly older than 1800 s (the cap on `periodSeconds`). As a last resort each list is
//!   capped at [`History::MAX_ENTRIES`], dropping the oldest entries; that only matters when a
//!   caller decides more than once a second for an hour.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::spec::{
    Behavior, Direction, MAX_POLICY_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS, ScalingRules,
};

/// One timestamped recommendation (`timestampedRecommendation`): the unstabilized desired count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// When it was recorded.
    pub timestamp: Timestamp,
    /// Recommended replicas.
    pub replicas: i32,
}

/// One scale event (`timestampedScaleEvent`): the size of a successful rescale in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleEvent {
    /// When the rescale happened.
    pub timestamp: Timestamp,
    /// Replicas added (up events) or removed (down events); positive.
    pub replica_change: i32,
    /// Older than the direction's longest policy period when last checked: the slot may be reused.
    /// Rate limits do not read this flag (upstream does not either).
    #[serde(default)]
    pub outdated: bool,
}

/// The history of one HPA.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// Recent unstabilized recommendations.
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// Recent scale-up events (recorded only when the HPA has a behavior).
    #[serde(default)]
    pub scale_up_events: Vec<ScaleEvent>,
    /// Recent scale-down events (recorded only when the HPA has a behavior).
    #[serde(default)]
    pub scale_down_events: Vec<ScaleEvent>,
}

impl History {
    /// Hard cap on each list, enforced by [`History::prune`].
    pub const MAX_ENTRIES: usize = 4096;

    /// `recordInitialRecommendation`: the history of an HPA seen for the first time, seeded with
    /// the current replica count. This is why nothing scales down during the first stabilization
    /// window after a controller start (`TestScaleDownStabilizeInitialSize`).
    pub fn first_sight(current_replicas: i32, now: Timestamp) -> Self {
        Self {
            recommendations: vec![Recommendation { timestamp: now, replicas: current_replicas }],
            ..Self::default()
        }
    }

    /// `storeScaleEvent`: after a successful rescale from `prev` to `new` replicas, record the
    /// change in the direction's event list. A no-op without behavior (legacy HPAs never read
    /// events). Events older than the direction's longest policy period are marked outdated, and
    /// the new event overwrites the last outdated slot or is appended.
    pub fn store_scale_event(&mut self, behavior: Option<&Behavior>, prev: i32, new: i32, now: Timestamp) {
        let Some(behavior) = behavior else { return };
        let (direction, change) = if new > prev {
            (Direction::Up, i64::from(new) - i64::from(prev))
        } else {
            (Direction::Down, i64::from(prev) - i64::from(new))
        };
        let rules = match direction {
            Direction::Up => ScalingRules::generate_scale_up(behavior.scale_up.as_ref()),
            Direction::Down => ScalingRules::generate_scale_down(behavior.scale_down.as_ref()),
        };
        let events = match direction {
            Direction::Up => &mut self.scale_up_events,
            Direction::Down => &mut self.scale_down_events,
        };
        mark_outdated(events, rules.longest_policy_period(), now);
        let event =
            ScaleEvent { timestamp: now, replica_change: super::spec::clamp_i32(change), outdated: false };
        match events.iter().rposition(|e| e.outdated) {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }

    /// Drop entries no valid spec can read any more and enforce [`History::MAX_ENTRIES`]
    /// (see the module docs). `legacy_window` is the downscale-stabilization flag, which may be
    /// longer than the API's 3600 s cap.
    pub fn prune(&mut self, now: Timestamp, legacy_window: SignedDuration) {
        let rec_horizon =
            legacy_window.max(SignedDuration::from_secs(i64::from(MAX_STABILIZATION_WINDOW_SECONDS)));
        let rec_cutoff = cutoff(now, rec_horizon);
        self.recommendations.retain(|r| r.timestamp >= rec_cutoff);
        let ev_cutoff = cutoff(now, SignedDuration::from_secs(i64::from(MAX_POLICY_PERIOD_SECONDS)));
        self.scale_up_events.retain(|e| e.timestamp >= ev_cutoff);
        self.scale_down_events.retain(|e| e.timestamp >= ev_cutoff);
        cap_oldest(&mut self.recommendations, |r| r.timestamp);
        cap_oldest(&mut self.scale_up_events, |e| e.timestamp);
        cap_oldest(&mut self.scale_down_events, |e| e.timestamp);
    }
}

/// Keep the newest [`History::MAX_ENTRIES`] entries, preserving the order of the survivors.
fn cap_oldest<T>(items: &mut Vec<T>, ts: impl Fn(&T) -> Timestamp) {
    let excess = items.len().saturating_sub(History::MAX_ENTRIES);
    if excess == 0 {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| ts(&items[i]));
    let mut dropped = vec![false; items.len()];
    for &i in &order[..excess] {
        dropped[i] = true;
    }
    let mut index = 0;
    items.retain(|_| {
        let keep = !dropped[index];
        index += 1;
        keep
    });
}

/// `markScaleEventsOutdated`: flag events strictly older than `now - longest_period_seconds`.
fn mark_outdated(events: &mut [ScaleEvent], longest_period_seconds: i32, now: Timestamp) {
    let cut = cutoff(now, SignedDuration::from_secs(i64::from(longest_period_seconds)));
    for e in events.iter_mut().filter(|e| e.timestamp < cut) {
        e.outdated = true;
    }
}

/// `getReplicasChangePerPeriod`: the sum of changes of events strictly newer than
/// `now - period_seconds` (an event exactly `period_seconds` old no longer counts). Summed in
/// `i64` so adversarial histories cannot overflow.
pub fn replicas_change_per_period(period_seconds: i32, events: &[ScaleEvent], now: Timestamp) -> i64 {
    let cut = cutoff(now, SignedDuration::from_secs(i64::from(period_seconds)));
    events.iter().filter(|e| e.timestamp > cut).map(|e| i64::from(e.replica_change)).sum()
}

/// `now - window`, saturating at the earliest representable instant.
pub(crate) fn cutoff(now: Timestamp, window: SignedDuration) -> Timestamp {
    now.saturating_sub(window).unwrap_or(Timestamp::MIN)
}

/// `now - seconds`, saturating.
pub(crate) fn cutoff_secs(now: Timestamp, seconds: i32) -> Timestamp {
    cutoff(now, SignedDuration::from_secs(i64::from(seconds)))
}
