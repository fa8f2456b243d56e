//! Plain mirrors of the autoscaling/v2 `HorizontalPodAutoscalerBehavior` and `HPAScalingRules`
//! types, the API server's defaulting (`pkg/apis/autoscaling/v2/defaults.go`) and the API
//! validation rules the engine relies on.
//!
//! Two shapes exist on purpose:
//! * [`Behavior`] / [`ScalingRules`] are the *spec* shapes: every field optional, serde camelCase,
//!   so an HPA's `spec.behavior` JSON deserialises into them unchanged.
//! * [`EffectiveBehavior`] / [`EffectiveRules`] are what the engine computes with: every field
//!   present. They are produced by [`EffectiveBehavior::resolve`], which applies the API defaulting
//!   and then the controller's `maybeInitScaleDownStabilizationWindow` (scale-down window from the
//!   `--horizontal-pod-autoscaler-downscale-stabilization` flag when the spec leaves it unset).

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::BehaviorError;
use crate::quantity::Quantity;

/// Upper bound of `stabilizationWindowSeconds` accepted by API validation (one hour).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Upper bound of a policy's `periodSeconds` accepted by API validation (30 minutes).
pub const MAX_POLICY_PERIOD_SECONDS: i32 = 1800;

/// Kind of a scaling policy: an absolute pod count or a percentage of the period-start replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    /// `Pods`: change by at most `value` pods per period.
    Pods,
    /// `Percent`: change by at most `value` percent of the replicas at the start of the period.
    Percent,
}

/// How several policies of one direction combine (`selectPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SelectPolicy {
    /// `Max`: the policy allowing the biggest change wins (the API default).
    #[default]
    Max,
    /// `Min`: the policy allowing the smallest change wins.
    Min,
    /// `Disabled`: no change at all in this direction.
    Disabled,
}

/// One `HPAScalingPolicy`: `{type, value, periodSeconds}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicy {
    /// `type`: `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub kind: PolicyType,
    /// `value`: pods or percent per period (validation: `> 0`).
    pub value: i32,
    /// `periodSeconds`: length of the look-back period (validation: `(0, 1800]`).
    pub period_seconds: i32,
}

impl ScalingPolicy {
    /// A `Pods` policy.
    pub fn pods(value: i32, period_seconds: i32) -> Self {
        Self { kind: PolicyType::Pods, value, period_seconds }
    }

    /// A `Percent` policy.
    pub fn percent(value: i32, period_seconds: i32) -> Self {
        Self { kind: PolicyType::Percent, value, period_seconds }
    }
}

impl std::fmt::Display for ScalingPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            PolicyType::Pods => write!(f, "{} pods per {}s", self.value, self.period_seconds),
            PolicyType::Percent => write!(f, "{}% per {}s", self.value, self.period_seconds),
        }
    }
}
/// `HPAScalingRules` as written in the spec: every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds` (validation: `[0, 3600]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// `selectPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<SelectPolicy>,
    /// `policies`; `None` (absent) is replaced by the defaults, an explicit list is kept as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<ScalingPolicy>>,
    /// `tolerance` (per-direction tolerance, KEP-4951); used by the replica calculator only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

impl ScalingRules {
    /// The API default for `scaleUp`: window 0, `Max`, `[Pods 4/15s, Percent 100/15s]`.
    pub fn default_scale_up() -> Self {
        Self {
            stabilization_window_seconds: Some(0),
            select_policy: Some(SelectPolicy::Max),
            policies: Some(vec![ScalingPolicy::pods(4, 15), ScalingPolicy::percent(100, 15)]),
            tolerance: None,
        }
    }

    /// The API default for `scaleDown`: window left unset (the controller fills it from its
    /// downscale-stabilization flag), `Max`, `[Percent 100/15s]`.
    pub fn default_scale_down() -> Self {
        Self {
            stabilization_window_seconds: None,
            select_policy: Some(SelectPolicy::Max),
            policies: Some(vec![ScalingPolicy::percent(100, 15)]),
            tolerance: None,
        }
    }

    /// `GenerateHPAScaleUpRules`: the defaults with every field `partial` sets copied over.
    pub fn generate_scale_up(partial: Option<&ScalingRules>) -> Self {
        Self::default_scale_up().overlaid_with(partial)
    }

    /// `GenerateHPAScaleDownRules`: the defaults with every field `partial` sets copied over.
    pub fn generate_scale_down(partial: Option<&ScalingRules>) -> Self {
        Self::default_scale_down().overlaid_with(partial)
    }

    /// `copyHPAScalingRules`: copy every non-`None` field of `from` over `self`.
    fn overlaid_with(mut self, from: Option<&ScalingRules>) -> Self {
        let Some(from) = from else { return self };
        if from.select_policy.is_some() {
            self.select_policy = from.select_policy;
        }
        if from.stabilization_window_seconds.is_some() {
            self.stabilization_window_seconds = from.stabilization_window_seconds;
        }
        if from.policies.is_some() {
            self.policies.clone_from(&from.policies);
        }
        if from.tolerance.is_some() {
            self.tolerance.clone_from(&from.tolerance);
        }
        self
    }

    /// Longest `periodSeconds` over the policies (0 without policies), as `getLongestPolicyPeriod`.
    pub fn longest_policy_period(&self) -> i32 {
        self.policies.iter().flatten().map(|p| p.period_seconds).fold(0, i32::max)
    }
}

/// `HorizontalPodAutoscalerBehavior` as written in the spec.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Behavior {
    /// `scaleUp` rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<ScalingRules>,
    /// `scaleDown` rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<ScalingRules>,
}

impl Behavior {
    /// `SetDefaults_HorizontalPodAutoscalerBehavior`: both directions filled with the API defaults,
    /// keeping every field the spec sets. Only the scale-down window may stay `None`.
    #[must_use]
    pub fn with_defaults(&self) -> Behavior {
        Behavior {
            scale_up: Some(ScalingRules::generate_scale_up(self.scale_up.as_ref())),
            scale_down: Some(ScalingRules::generate_scale_down(self.scale_down.as_ref())),
        }
    }

    /// The autoscaling/v2 validation rules for behavior (§8.4 of the spec), checked after
    /// defaulting so that absent fields are not reported.
    pub fn validate(&self) -> Result<(), BehaviorError> {
        let defaulted = self.with_defaults();
        for (direction, rules) in
            [(Direction::Up, &defaulted.scale_up), (Direction::Down, &defaulted.scale_down)]
        {
            let Some(rules) = rules else { continue };
            if let Some(w) = rules.stabilization_window_seconds
                && !(0..=MAX_STABILIZATION_WINDOW_SECONDS).contains(&w)
            {
                return Err(BehaviorError::StabilizationWindowOutOfRange { direction, seconds: w });
            }
            let policies = rules.policies.as_deref().unwrap_or_default();
            if policies.is_empty() {
                return Err(BehaviorError::NoPolicies { direction });
            }
            for (index, p) in policies.iter().enumerate() {
                if p.value <= 0 {
                    return Err(BehaviorError::PolicyValueNotPositive { direction, index, value: p.value });
                }
                if p.period_seconds <= 0 || p.period_seconds > MAX_POLICY_PERIOD_SECONDS {
                    return Err(BehaviorError::PolicyPeriodOutOfRange {
                        direction,
                        index,
                        seconds: p.period_seconds,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Scaling direction, used in errors, explanations and bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Adding replicas.
    Up,
    /// Removing replicas.
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "scaleUp",
            Direction::Down => "scaleDown",
        })
    }
}

/// Fully resolved rules of one direction: what the engine computes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveRules {
    /// Stabilization window in seconds.
    pub stabilization_window_seconds: i32,
    /// Policy combination.
    pub select_policy: SelectPolicy,
    /// Policies in spec order (may be empty only for unvalidated input; then nothing moves).
    pub policies: Vec<ScalingPolicy>,
}

/// Fully resolved behavior (both directions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveBehavior {
    /// Scale-up rules.
    pub scale_up: EffectiveRules,
    /// Scale-down rules.
    pub scale_down: EffectiveRules,
}

impl EffectiveBehavior {
    /// API defaulting followed by `maybeInitScaleDownStabilizationWindow`: an unset scale-down
    /// window becomes `int32(downscale_stabilization.Seconds())` (truncated, clamped to `i32`).
    pub fn resolve(behavior: &Behavior, downscale_stabilization: SignedDuration) -> Self {
        let d = behavior.with_defaults();
        let up = d.scale_up.unwrap_or_else(ScalingRules::default_scale_up);
        let down = d.scale_down.unwrap_or_else(ScalingRules::default_scale_down);
        let flag_window = clamp_i32(downscale_stabilization.as_secs());
        Self {
            scale_up: EffectiveRules {
                stabilization_window_seconds: up.stabilization_window_seconds.unwrap_or(0),
                select_policy: up.select_policy.unwrap_or_default(),
                policies: up.policies.unwrap_or_default(),
            },
            scale_down: EffectiveRules {
                stabilization_window_seconds: down.stabilization_window_seconds.unwrap_or(flag_window),
                select_policy: down.select_policy.unwrap_or_default(),
                policies: down.policies.unwrap_or_default(),
            },
        }
    }

    /// The rules of one direction.
    pub fn rules(&self, direction: Direction) -> &EffectiveRules {
        match direction {
            Direction::Up => &self.scale_up,
            Direction::Down => &self.scale_down,
        }
    }
}

/// Explicit `i64 → i32` clamp: Go's out-of-range conversions are implementation-defined, so the
/// port never relies on them (nor on Rust's `as` saturation silently).
pub(crate) fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// Explicit `f64 → i32` clamp for the results of `ceil`/truncation (never NaN for finite inputs;
/// NaN maps to 0 rather than relying on a cast).
pub(crate) fn clamp_f64_to_i32(v: f64) -> i32 {
    if v.is_nan() {
        0
    } else if v >= f64::from(i32::MAX) {
        i32::MAX
    } else if v <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        v as i32
    }
}
