//! The legacy range and rate step (`convertDesiredReplicasWithRules`), used when the HPA has no
//! `spec.behavior`: a fixed scale-up cap of `max(factor * current, minimum)` (production factor 2,
//! minimum 4; upstream's *test* build sets the factor to 8) and the `[minReplicas, maxReplicas]`
//! range. There is no scale-down rate limit on this path.

use serde::{Deserialize, Serialize};

use super::conditions::LimitReason;
use super::spec::clamp_f64_to_i32;

/// Production `scaleUpLimitFactor`.
pub const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
/// Factor upstream's `horizontal_test.go` sets in `init()`; controller-level vectors assume it.
pub const UPSTREAM_TEST_SCALE_UP_LIMIT_FACTOR: f64 = 8.0;
/// `scaleUpLimitMinimum`.
pub const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;

/// Outcome of a range/rate step of either path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limited {
    /// Resulting replicas.
    pub replicas: i32,
    /// `ScalingLimited` reason.
    pub reason: LimitReason,
}

/// `calculateScaleUpLimit`: `int32(max(factor * current, minimum))`, clamped explicitly.
pub fn legacy_scale_up_limit(current: i32, factor: f64, minimum: f64) -> i32 {
    clamp_f64_to_i32((factor * f64::from(current)).max(minimum))
}

/// `convertDesiredReplicasWithRules`: `min` wins over everything (checked first), then the lower
/// of `maxReplicas` and the scale-up cap; the reason names which bound applied.
pub fn convert_with_rules(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    factor: f64,
    minimum: f64,
) -> Limited {
    let scale_up_limit = legacy_scale_up_limit(current, factor, minimum);
    let (max_allowed, max_reason) = if max > scale_up_limit {
        (scale_up_limit, LimitReason::ScaleUpLimit)
    } else {
        (max, LimitReason::TooManyReplicas)
    };
    if desired < min {
        Limited { replicas: min, reason: LimitReason::TooFewReplicas }
    } else if desired > max_allowed {
        Limited { replicas: max_allowed, reason: max_reason }
    } else {
        Limited { replicas: desired, reason: LimitReason::DesiredWithinRange }
    }
}
