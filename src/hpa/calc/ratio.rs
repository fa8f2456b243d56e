//! Usage-ratio helpers (`metrics/utilization.go`).
//!
//! Integer first, float last: utilization is `int32(sum(usage) * 100 / sum(request))` and the
//! average is `sum / n`, both truncating toward zero, before the ratio is taken as `f64`.
//! Sums are exact (`i128`) and clamped afterwards, so no input can overflow or panic.

use std::collections::BTreeMap;

use super::error::CalcError;
use super::numeric::{clamp_i32, clamp_i64};

/// Result of [`resource_utilization_ratio`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtilizationRatio {
    /// `utilization / target`.
    pub ratio: f64,
    /// Percent of request, truncated.
    pub utilization: i32,
    /// Truncated average of the counted values (milli-units).
    pub raw_average: i64,
}

/// Upstream `GetResourceUtilizationRatio`. Values of pods without a request entry are
/// "superfluous" and skipped; an all-zero request sum is [`CalcError::NoMetricsMatchedKnownPods`].
pub fn resource_utilization_ratio(
    values: &BTreeMap<String, i64>,
    requests: &BTreeMap<String, i64>,
    target_utilization: i32,
) -> Result<UtilizationRatio, CalcError> {
    let (mut usage, mut request, mut n) = (0_i128, 0_i128, 0_i128);
    for (pod, &value) in values {
        let Some(&req) = requests.get(pod) else { continue };
        usage += i128::from(value);
        request += i128::from(req);
        n += 1;
    }
    if request == 0 || n == 0 {
        return Err(CalcError::NoMetricsMatchedKnownPods);
    }
    let utilization = clamp_i32(usage * 100 / request);
    Ok(UtilizationRatio {
        ratio: f64::from(utilization) / f64::from(target_utilization),
        utilization,
        raw_average: clamp_i64(usage / n),
    })
}

/// Upstream `GetMetricUsageRatio`: `(avg / target, avg)` with `avg = sum / n` truncated.
/// Callers never pass an empty map; an empty one yields an average of 0.
pub fn metric_usage_ratio(values: &BTreeMap<String, i64>, target_usage: i64) -> (f64, i64) {
    let sum: i128 = values.values().map(|&v| i128::from(v)).sum();
    let n = i128::try_from(values.len()).unwrap_or(i128::MAX).max(1);
    let average = clamp_i64(sum / n);
    (average as f64 / target_usage as f64, average)
}
