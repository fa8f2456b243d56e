//! Go numeric semantics, made explicit.
//!
//! Upstream converts floats with `int32(math.Ceil(x))`, whose result outside the `int32` range
//! (or for NaN) is implementation-defined in Go, and sums `int64` values with silent wrapping.
//! Here every conversion clamps explicitly and sums are computed exactly (in `i128`) and then
//! clamped, which agrees with Go bit for bit wherever Go does not overflow.

use jiff::{SignedDuration, Timestamp};

/// `int32(math.Ceil(x))` with explicit clamping: values at or above `i32::MAX` give `i32::MAX`
/// (upstream's own clamp in the object/external paths), values at or below `i32::MIN` give
/// `i32::MIN`, and NaN (only reachable with invalid targets) gives 0.
pub fn ceil_to_i32(x: f64) -> i32 {
    let c = x.ceil();
    if c.is_nan() {
        0
    } else if c >= f64::from(i32::MAX) {
        i32::MAX
    } else if c <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        // In range and integral after the checks above, so the conversion is exact.
        c as i32
    }
}

/// Clamps an exact `i128` intermediate into `i64`.
pub fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Clamps an exact `i128` intermediate into `i32`.
pub fn clamp_i32(v: i128) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// Upstream `getPerPodUsage`: the reported average for per-pod Object/External targets.
/// `MaxInt64` when the usage is (as a float) at least `MaxInt64`, 0 when there are no replicas
/// (instead of dividing by zero), else `ceil(usage / replicas)`.
pub fn per_pod_usage(usage: i64, status_replicas: i32) -> i64 {
    if usage as f64 >= i64::MAX as f64 {
        return i64::MAX;
    }
    if status_replicas == 0 {
        return 0;
    }
    let avg = (usage as f64 / f64::from(status_replicas)).ceil();
    // |usage| < 2^63 and |replicas| >= 1, so the quotient is in range; `as` saturates anyway.
    avg as i64
}

/// Sum used by `GetExternalMetricReplicas`: caps at `MaxInt64` on positive overflow.
/// Negative overflow (which upstream would wrap) saturates at `MinInt64`.
pub fn external_value_sum(values: &[i64]) -> i64 {
    let mut usage: i64 = 0;
    for &v in values {
        if v > 0 && usage > i64::MAX - v {
            return i64::MAX;
        }
        usage = usage.saturating_add(v);
    }
    usage
}

/// Sum used by `GetExternalPerPodMetricReplicas`, which differs from [`external_value_sum`]:
/// upstream adds with wrapping and treats any negative running sum as an overflow, returning
/// `MaxInt64`. That also turns a genuinely negative metric into `MaxInt64`; kept for fidelity.
pub fn external_per_pod_sum(values: &[i64]) -> i64 {
    let mut usage: i64 = 0;
    for &v in values {
        usage = usage.wrapping_add(v);
        if usage < 0 {
            return i64::MAX;
        }
    }
    usage
}

/// `t + d` saturating at the ends of the representable range instead of failing.
pub fn add_saturating(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
}
