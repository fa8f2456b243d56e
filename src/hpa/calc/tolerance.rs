//! Scale tolerance (`Tolerances` and `isWithin`, Kubernetes 1.33+).
//!
//! A usage ratio `r` is "within tolerance" when `1 - scaleDown <= r <= 1 + scaleUp`, inclusive on
//! both ends. The pre-1.33 form `|1 - r| <= tolerance` differs at the float boundary: the ratio
//! `1.1` is within the new test (`1.1 <= 1.1`) but outside the old one
//! (`|1 - 1.1| = 0.10000000000000009`); [`Tolerances::legacy_is_within`] keeps the old form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Per-direction tolerances as fractions (0.1 = 10%).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerances {
    /// Allowed relative drop of the usage ratio below 1 before scaling down.
    pub scale_down: f64,
    /// Allowed relative rise of the usage ratio above 1 before scaling up.
    pub scale_up: f64,
}

impl Tolerances {
    /// kube-controller-manager's `--horizontal-pod-autoscaler-tolerance` default.
    pub const DEFAULT: f64 = 0.1;

    /// The same tolerance in both directions.
    pub const fn uniform(tolerance: f64) -> Self {
        Self { scale_down: tolerance, scale_up: tolerance }
    }

    /// Upstream `tolerancesForHpa`: the flag value in both directions, overridden per direction by
    /// the HPA's `behavior.scaleDown.tolerance` / `behavior.scaleUp.tolerance` when the
    /// `HPAConfigurableTolerance` gate is on.
    pub fn for_hpa(flag: f64, gate_enabled: bool, scale_down: Option<f64>, scale_up: Option<f64>) -> Self {
        let mut t = Self::uniform(flag);
        if gate_enabled {
            if let Some(down) = scale_down {
                t.scale_down = down;
            }
            if let Some(up) = scale_up {
                t.scale_up = up;
            }
        }
        t
    }

    /// Upstream `isWithin`: inclusive on both ends.
    pub fn is_within(self, usage_ratio: f64) -> bool {
        (1.0 - self.scale_down) <= usage_ratio && usage_ratio <= (1.0 + self.scale_up)
    }

    /// The pre-1.33 test `|1 - r| <= tolerance`, for comparing against older controllers.
    pub fn legacy_is_within(tolerance: f64, usage_ratio: f64) -> bool {
        (1.0 - usage_ratio).abs() <= tolerance
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Self::uniform(Self::DEFAULT)
    }
}

impl fmt::Display for Tolerances {
    /// Upstream's log form, e.g. `[down:10.0%, up:10.0%]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[down:{:.1}%, up:{:.1}%]", self.scale_down * 100.0, self.scale_up * 100.0)
    }
}
