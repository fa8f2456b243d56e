//! Persisted decision history: what makes a restart or a leader change invisible to scaling.
//!
//! Upstream keeps recommendations and scale events in memory only, so a restarted controller seeds
//! the current replica count and forgets recent scale events (it may then exceed a rate limit).
//! bellows writes the pruned [`History`] with every status write: as JSON in the HPA annotation
//! [`HISTORY_ANNOTATION`], and in `status.history` of a policy. On first sight the persisted copy is
//! restored; a corrupt one is reported (event `FailedRestoreHistory`) and upstream's seed is used.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::hpa::behavior::History;
use crate::hpa::behavior::{Recommendation, ScaleEvent};
use crate::policy::{ScalingHistory, TimestampedRecommendation};

/// The HPA annotation holding the JSON history.
pub const HISTORY_ANNOTATION: &str = "autoscaling.bellows.dev/history";

/// What an object carries about its history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StoredHistory {
    /// Nothing persisted (new object, or written by an older controller).
    #[default]
    Absent,
    /// A parseable history.
    Present(History),
    /// The persisted text could not be read; the message names why.
    Corrupt(String),
}

/// Reads the HPA annotation value.
pub fn from_annotation(value: Option<&str>) -> StoredHistory {
    match value {
        None => StoredHistory::Absent,
        Some(text) => match serde_json::from_str::<History>(text) {
            Ok(history) => StoredHistory::Present(history),
            Err(err) => StoredHistory::Corrupt(format!(
                "annotation {HISTORY_ANNOTATION} is not a valid history: {err}"
            )),
        },
    }
}

/// The annotation value for `history` (compact JSON, timestamps RFC 3339).
pub fn to_annotation(history: &History) -> String {
    // Serialising plain structs with string keys cannot fail.
    serde_json::to_string(history).unwrap_or_default()
}

/// Reads a policy's `status.history`.
pub fn from_policy(history: Option<&ScalingHistory>) -> StoredHistory {
    let Some(h) = history else { return StoredHistory::Absent };
    let event = |e: &crate::policy::ScaleEvent| ScaleEvent {
        timestamp: e.timestamp.0,
        replica_change: e.replica_change,
        outdated: false,
    };
    StoredHistory::Present(History {
        recommendations: h
            .recommendations
            .iter()
            .map(|r| Recommendation { timestamp: r.timestamp.0, replicas: r.replicas })
            .collect(),
        scale_up_events: h.scale_up_events.iter().map(event).collect(),
        scale_down_events: h.scale_down_events.iter().map(event).collect(),
    })
}

/// A policy's `status.history` for `history`. The `outdated` marks are not kept: they are
/// recomputed before any slot is reused.
pub fn to_policy(history: &History) -> ScalingHistory {
    let event = |e: &ScaleEvent| crate::policy::ScaleEvent {
        timestamp: Time(e.timestamp),
        replica_change: e.replica_change,
    };
    ScalingHistory {
        recommendations: history
            .recommendations
            .iter()
            .map(|r| TimestampedRecommendation { timestamp: Time(r.timestamp), replicas: r.replicas })
            .collect(),
        scale_up_events: history.scale_up_events.iter().map(event).collect(),
        scale_down_events: history.scale_down_events.iter().map(event).collect(),
    }
}

/// After a failed `/scale` write: the history keeps this sync's recommendation (upstream records
/// it before writing) but not the scale event `sync` recorded for the write that did not happen.
pub fn undo_scale_event(after: &mut History, before: Option<&History>, now: Timestamp) {
    if let Some(b) = before {
        after.scale_up_events.clone_from(&b.scale_up_events);
        after.scale_down_events.clone_from(&b.scale_down_events);
    } else {
        after.scale_up_events.retain(|e| e.timestamp != now);
        after.scale_down_events.retain(|e| e.timestamp != now);
    }
}
