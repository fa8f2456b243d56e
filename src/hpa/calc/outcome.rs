//! Results: a [`ReplicaProposal`] per metric, with every intermediate number upstream computes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::pods::PodGroups;

/// Why a listed pod did not count towards the usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// `deletionTimestamp` set (ignored).
    Deleted,
    /// Phase `Failed` (ignored).
    Failed,
    /// Phase `Succeeded` (ignored).
    Succeeded,
    /// Phase `Pending` (unready).
    Pending,
    /// CPU only: not ready, no Ready condition or no start time (unready).
    Unready,
    /// CPU only: within the initialization period and the sample predates one full window
    /// after the last readiness transition (unready).
    Initializing,
}

impl SkipReason {
    /// Whether upstream puts the pod in its `ignoredPods` set (as opposed to `unreadyPods`).
    pub fn is_ignored(self) -> bool {
        matches!(self, Self::Deleted | Self::Failed | Self::Succeeded)
    }
}

/// A pod left out of the usage, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedPod {
    /// Pod name.
    pub name: String,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why a calculator returned the current replica count instead of a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Hold {
    /// The usage ratio is within tolerance.
    WithinTolerance,
    /// After re-adding missing/unready pods the ratio is within tolerance.
    WithinToleranceAfterRebalance,
    /// Re-adding missing/unready pods would reverse the scale direction.
    DirectionChangedAfterRebalance,
    /// The rebalanced count would move against the direction the ratio asks for.
    DirectionGuard,
}

/// The outcome of one per-metric calculator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaProposal {
    /// Proposed replica count.
    pub replicas: i32,
    /// The replica count the calculator compared against (spec replicas, or status replicas for
    /// per-pod Object/External targets).
    pub current_replicas: i32,
    /// Usage ratio before rebalancing (usage / target); non-finite ratios serialise as `null`.
    pub usage_ratio: f64,
    /// Utilization in percent of the request (Utilization targets only), truncated as upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<i32>,
    /// Average value in milli-units: raw per-pod average for Resource/Pods metrics, or the
    /// per-pod usage reported for `AverageValue` Object/External targets. Pre-rebalance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<i64>,
    /// Total value in milli-units (Value Object/External targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// Pods counted as ready: `groupPods`' ready count, or the Running+Ready count that Value
    /// Object/External targets multiply by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_pods: Option<i64>,
    /// Pods left out of the usage, with reasons (unready and ignored sets together).
    #[serde(default)]
    pub skipped_pods: Vec<SkippedPod>,
    /// Pods without a sample.
    #[serde(default)]
    pub missing_pods: Vec<String>,
    /// Whether missing and/or unready pods were re-added and the ratio recomputed.
    #[serde(default)]
    pub rebalanced: bool,
    /// The recomputed ratio after rebalancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalanced_usage_ratio: Option<f64>,
    /// Why the count was held at `current_replicas`, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// Timestamp upstream reports for the metric (`None` where upstream returns a zero time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Human-readable explanation of the numbers.
    pub reason: String,
}

impl ReplicaProposal {
    /// A proposal with only the essentials set; calculators fill in the rest.
    pub(crate) fn new(replicas: i32, current_replicas: i32, usage_ratio: f64) -> Self {
        Self {
            replicas,
            current_replicas,
            usage_ratio,
            utilization: None,
            average_value: None,
            value: None,
            ready_pods: None,
            skipped_pods: Vec::new(),
            missing_pods: Vec::new(),
            rebalanced: false,
            rebalanced_usage_ratio: None,
            hold: None,
            timestamp: None,
            reason: String::new(),
        }
    }
}

impl ReplicaProposal {
    /// Records the pod grouping: ready count, skipped pods (ignored first, then unready) and
    /// missing pods.
    pub(crate) fn record_groups(&mut self, groups: &PodGroups) {
        self.ready_pods = Some(i64::try_from(groups.ready_count).unwrap_or(i64::MAX));
        self.skipped_pods = groups
            .ignored
            .iter()
            .chain(groups.unready.iter())
            .map(|(name, &reason)| SkippedPod { name: name.clone(), reason })
            .collect();
        self.missing_pods = groups.missing.iter().cloned().collect();
    }

    /// A short description of the pods left out and re-added, for the reasons.
    pub(crate) fn pod_summary(&self) -> String {
        let mut parts = Vec::new();
        let ignored = self.skipped_pods.iter().filter(|p| p.reason.is_ignored()).count();
        let unready = self.skipped_pods.len() - ignored;
        if ignored > 0 {
            parts.push(format!("{ignored} ignored (deleted or terminal)"));
        }
        if unready > 0 {
            parts.push(format!("{unready} unready"));
        }
        if !self.missing_pods.is_empty() {
            parts.push(format!("{} without metrics", self.missing_pods.len()));
        }
        if parts.is_empty() { String::new() } else { format!("; {}", parts.join(", ")) }
    }

    /// Describes how the count was reached, appended to the metric-specific prefix.
    pub(crate) fn decision_summary(&self) -> String {
        let rebalance = match self.rebalanced_usage_ratio {
            Some(r) => format!("; rebalanced ratio {r:.3} after re-adding pods"),
            None => String::new(),
        };
        let outcome = match self.hold {
            Some(Hold::WithinTolerance) => "within tolerance, keeping".to_owned(),
            Some(Hold::WithinToleranceAfterRebalance) => {
                "within tolerance after rebalancing, keeping".to_owned()
            }
            Some(Hold::DirectionChangedAfterRebalance) => {
                "rebalancing would reverse the scale direction, keeping".to_owned()
            }
            Some(Hold::DirectionGuard) => "the rebalanced count moves against the ratio, keeping".to_owned(),
            None => "proposing".to_owned(),
        };
        format!("{rebalance}; {outcome} {} replicas (current {})", self.replicas, self.current_replicas)
    }
}
