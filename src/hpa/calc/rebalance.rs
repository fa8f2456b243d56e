//! The decision shared by `GetResourceReplicas` and `calcPlainMetricReplicas`.
//!
//! Without unready pods on a scale-up and without missing pods, the proposal is simply
//! `ceil(ratio * readyCount)` (or the current count within tolerance). Otherwise missing pods are
//! re-added at a conservative value (the caller's fallback on a scale-down, 0 on a scale-up, not
//! at all when the ratio is exactly 1), unready pods at 0 on a scale-up, and the ratio is
//! recomputed; the count is held if the new ratio is within tolerance, reverses direction, or
//! the new count would move against the ratio.

use std::collections::BTreeMap;

use super::error::CalcError;
use super::numeric::ceil_to_i32;
use super::outcome::Hold;
use super::pods::PodGroups;
use super::tolerance::Tolerances;

/// The first-pass numbers the decision starts from.
pub(super) struct FirstPass {
    /// Replicas to hold at.
    pub current: i32,
    /// Tolerances in force.
    pub tolerances: Tolerances,
    /// Usage ratio over the ready pods.
    pub ratio: f64,
}

/// The decision and the rebalancing facts behind it.
pub(super) struct Decision {
    pub replicas: i32,
    pub hold: Option<Hold>,
    pub rebalanced_ratio: Option<f64>,
}

/// Decides the proposal. `values` holds the samples of ready pods; `missing_on_scale_down`
/// values a missing pod on a scale-down; `ratio_of` recomputes the usage ratio.
pub(super) fn decide(
    first: &FirstPass,
    groups: &PodGroups,
    mut values: BTreeMap<String, i64>,
    missing_on_scale_down: impl Fn(&str) -> i64,
    ratio_of: impl Fn(&BTreeMap<String, i64>) -> Result<f64, CalcError>,
) -> Result<Decision, CalcError> {
    let ratio = first.ratio;
    let hold = |h| Decision { replicas: first.current, hold: Some(h), rebalanced_ratio: None };
    let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && groups.missing.is_empty() {
        if first.tolerances.is_within(ratio) {
            return Ok(hold(Hold::WithinTolerance));
        }
        // Upstream multiplies by the ready count here, not the current count, and applies no
        // direction guard (during a surge this can propose more pods on a slight scale-down).
        let replicas = ceil_to_i32(ratio * groups.ready_count as f64);
        return Ok(Decision { replicas, hold: None, rebalanced_ratio: None });
    }
    if ratio < 1.0 {
        for pod in &groups.missing {
            values.insert(pod.clone(), missing_on_scale_down(pod));
        }
    } else if ratio > 1.0 {
        for pod in &groups.missing {
            values.insert(pod.clone(), 0);
        }
    }
    if scale_up_with_unready {
        for pod in groups.unready.keys() {
            values.insert(pod.clone(), 0);
        }
    }
    let new_ratio = ratio_of(&values)?;
    let rebalanced =
        |h: Option<Hold>, replicas| Decision { replicas, hold: h, rebalanced_ratio: Some(new_ratio) };
    if first.tolerances.is_within(new_ratio) {
        return Ok(rebalanced(Some(Hold::WithinToleranceAfterRebalance), first.current));
    }
    if (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return Ok(rebalanced(Some(Hold::DirectionChangedAfterRebalance), first.current));
    }
    // `values.len()` includes the re-added pods (and any superfluous samples), as upstream.
    let replicas = ceil_to_i32(new_ratio * values.len() as f64);
    if (new_ratio < 1.0 && replicas > first.current) || (new_ratio > 1.0 && replicas < first.current) {
        return Ok(rebalanced(Some(Hold::DirectionGuard), first.current));
    }
    Ok(rebalanced(None, replicas))
}
