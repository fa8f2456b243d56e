//! Summaries of measured samples: percentiles of latencies and the min/mean/max of cycle times.

use std::time::Duration;

use serde_json::{Value, json};

/// The `p`-th percentile (0–100) of `samples` by the nearest-rank method, in milliseconds.
pub fn percentile_ms(samples: &[Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<Duration> = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    ms(sorted[index])
}

/// A duration in milliseconds, rounded to microseconds.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// `{n, p50_ms, p99_ms, max_ms}` of latency samples.
pub fn latency_summary(samples: &[Duration]) -> Value {
    json!({
        "n": samples.len(),
        "p50_ms": percentile_ms(samples, 50.0),
        "p99_ms": percentile_ms(samples, 99.0),
        "max_ms": percentile_ms(samples, 100.0),
    })
}

/// `{n, min_s, mean_s, max_s}` of durations in seconds.
pub fn duration_summary(samples: &[Duration]) -> Value {
    let secs: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
    let n = secs.len();
    let mean = if n == 0 { 0.0 } else { secs.iter().sum::<f64>() / n as f64 };
    json!({
        "n": n,
        "min_s": round3(if n == 0 { 0.0 } else { secs.iter().copied().fold(f64::INFINITY, f64::min) }),
        "mean_s": round3(mean),
        "max_s": round3(secs.iter().copied().fold(0.0, f64::max)),
    })
}

/// Round to three decimals.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_of_one_to_one_hundred_milliseconds() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert!((percentile_ms(&samples, 50.0) - 50.0).abs() < 1e-9);
        assert!((percentile_ms(&samples, 99.0) - 99.0).abs() < 1e-9);
        assert!((percentile_ms(&samples, 100.0) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn cycle_summary_has_min_mean_and_max() {
        let s = duration_summary(&[Duration::from_secs(1), Duration::from_secs(3)]);
        assert_eq!(s, json!({"n": 2, "min_s": 1.0, "mean_s": 2.0, "max_s": 3.0}));
    }

    #[test]
    fn no_samples_summarise_as_zero() {
        assert_eq!(duration_summary(&[]), json!({"n": 0, "min_s": 0.0, "mean_s": 0.0, "max_s": 0.0}));
        assert!(percentile_ms(&[], 99.0).abs() < 1e-9);
    }
}
