//! The `AutoscalingPolicy` custom resource (`autoscaling.bellows.dev/v1alpha1`, short name `asp`).
//!
//! One namespaced object per workload says how bellows scales it. Today it has a `targetRef` and a
//! `horizontal` part in the autoscaling/v2 HPA shapes (metrics, behavior with per-direction
//! tolerance, `minReplicas: 0` allowed, CPU initialization period and readiness delay per policy);
//! a `vertical` part and a coordination rule will be added as further optional fields, so existing
//! objects stay valid.
//!
//! - [`types`]: the spec and status types, with the CRD attributes (printer columns, short name,
//!   category `bellows`, status subresource).
//! - [`validate()`]: autoscaling/v2 validation of a spec, returning every [`FieldError`] with its
//!   field path. The CRD schema enforces only the simple bounds (and `maxReplicas >= minReplicas`
//!   through a CEL rule), so the controller runs this before acting and reports failures in a
//!   condition.
//! - [`crds_yaml()`]: the committed `crds/` YAML, deterministic.
//!
//! The CRD joins category `bellows` (`kubectl get bellows`) but not `all`: like upstream CRDs (VPA,
//! KEDA), a policy is configuration, and `kubectl delete all` must not remove it.

pub mod crd;
pub mod types;
pub mod validate;

#[cfg(test)]
mod tests;

pub use crd::{CrdError, crds, crds_yaml};
pub use types::{
    AutoscalingPolicy, AutoscalingPolicySpec, AutoscalingPolicyStatus, HorizontalSpec, LastDecision,
    ScaleEvent, ScalingHistory, TimestampedRecommendation,
};
pub use validate::{FieldError, FieldErrorKind, validate};
