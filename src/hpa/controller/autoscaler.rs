//! The one internal view of an HPA or an `AutoscalingPolicy`: what reconcile needs to know about
//! either, so that both run through exactly the same code.
//!
//! Conversion applies the API defaults reconcile relies on: an empty metric list is CPU at 80 %
//! utilization, and a policy's duration strings become per-policy calculator settings. A policy
//! that fails `policy::validate` keeps its errors in [`Autoscaler::spec_error`]; reconcile reports
//! them in a condition instead of acting.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use k8s_openapi::api::autoscaling::v2;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};

use super::clients::{AutoscalerKind, EventObject, ObjectKey, TargetRef};
use super::history::{self, HISTORY_ANNOTATION, StoredHistory};
use super::status::AutoscalerStatus;
use crate::policy::{AutoscalingPolicy, LastDecision};

/// The annotation that opts an HPA in under `--hpa-scope=annotated`.
pub const MANAGED_ANNOTATION: &str = "autoscaling.bellows.dev/managed";

/// HPA or policy, as reconcile sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaler {
    /// Kind, namespace, name.
    pub key: ObjectKey,
    /// `metadata.uid`.
    pub uid: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `metadata.managedFields`.
    pub managed_fields: Vec<ManagedFieldsEntry>,
    /// `scaleTargetRef` / `targetRef`.
    pub target: TargetRef,
    /// `minReplicas` (`None` → 1).
    pub min_replicas: Option<i32>,
    /// `maxReplicas`.
    pub max_replicas: i32,
    /// Metric specs after defaulting (never empty).
    pub metrics: Vec<v2::MetricSpec>,
    /// `behavior`.
    pub behavior: Option<v2::HorizontalPodAutoscalerBehavior>,
    /// Per-policy CPU initialization period (HPAs use the flag).
    pub cpu_initialization_period: Option<SignedDuration>,
    /// Per-policy initial readiness delay (HPAs use the flag).
    pub initial_readiness_delay: Option<SignedDuration>,
    /// Validation failure of the spec, if any (policies).
    pub spec_error: Option<String>,
    /// The status as last written.
    pub status: AutoscalerStatus,
    /// The persisted history.
    pub stored_history: StoredHistory,
    /// Policies: the status as read, carried over for the fields only policies have.
    pub policy_status: Option<crate::policy::AutoscalingPolicyStatus>,
}

impl Autoscaler {
    /// The event's object.
    pub fn event_object(&self) -> EventObject {
        EventObject {
            key: self.key.clone(),
            uid: self.uid.clone(),
            resource_version: self.resource_version.clone(),
        }
    }

    /// The last decision shown by a policy.
    pub fn last_decision(&self) -> Option<&LastDecision> {
        self.policy_status.as_ref().and_then(|s| s.last_decision.as_ref())
    }

    /// `<Kind>/<namespace>/<name>` of the target, as upstream quotes it.
    pub fn reference(&self) -> String {
        format!("{}/{}/{}", self.target.kind, self.key.namespace, self.target.name)
    }
}

fn key(kind: AutoscalerKind, meta: &ObjectMeta) -> ObjectKey {
    ObjectKey {
        kind,
        namespace: meta.namespace.clone().unwrap_or_else(|| "default".to_owned()),
        name: meta.name.clone().unwrap_or_default(),
    }
}

fn target(r: &v2::CrossVersionObjectReference) -> TargetRef {
    TargetRef {
        api_version: r.api_version.clone().unwrap_or_default(),
        kind: r.kind.clone(),
        name: r.name.clone(),
    }
}

/// CPU at 80 % utilization: the API default for an HPA without metrics.
fn default_metrics() -> Vec<v2::MetricSpec> {
    vec![v2::MetricSpec {
        type_: "Resource".to_owned(),
        resource: Some(v2::ResourceMetricSource {
            name: "cpu".to_owned(),
            target: v2::MetricTarget {
                type_: "Utilization".to_owned(),
                average_utilization: Some(crate::policy::types::DEFAULT_CPU_UTILIZATION),
                ..v2::MetricTarget::default()
            },
        }),
        ..v2::MetricSpec::default()
    }]
}

/// The view of an HPA.
pub fn from_hpa(hpa: &v2::HorizontalPodAutoscaler) -> Autoscaler {
    let meta = &hpa.metadata;
    let spec = hpa.spec.clone().unwrap_or_default();
    let annotations = meta.annotations.clone().unwrap_or_default();
    let metrics = spec.metrics.clone().filter(|m| !m.is_empty()).unwrap_or_else(default_metrics);
    Autoscaler {
        key: key(AutoscalerKind::Hpa, meta),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        generation: meta.generation,
        stored_history: history::from_annotation(annotations.get(HISTORY_ANNOTATION).map(String::as_str)),
        annotations,
        managed_fields: meta.managed_fields.clone().unwrap_or_default(),
        target: target(&spec.scale_target_ref),
        min_replicas: spec.min_replicas,
        max_replicas: spec.max_replicas,
        metrics,
        behavior: spec.behavior,
        cpu_initialization_period: None,
        initial_readiness_delay: None,
        spec_error: None,
        status: AutoscalerStatus::from_hpa(hpa.status.as_ref()),
        policy_status: None,
    }
}

fn duration(text: &str) -> Result<SignedDuration, String> {
    crate::goduration::parse(text)
        .map_err(|e| e.to_string())
        .and_then(|d| SignedDuration::try_from(d).map_err(|e| e.to_string()))
}

/// The view of a policy; `None` when it has no horizontal part (nothing to reconcile here).
pub fn from_policy(policy: &AutoscalingPolicy) -> Option<Autoscaler> {
    let meta = &policy.metadata;
    let horizontal = policy.spec.horizontal.as_ref()?;
    let mut errors: Vec<String> = match crate::policy::validate(&policy.spec) {
        Ok(()) => Vec::new(),
        Err(errs) => errs.iter().map(ToString::to_string).collect(),
    };
    let mut period = |text: &str| match duration(text) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let cpu_initialization_period = period(&horizontal.cpu_initialization_period);
    let initial_readiness_delay = period(&horizontal.initial_readiness_delay);
    let status = policy.status.clone().unwrap_or_default();
    Some(Autoscaler {
        key: key(AutoscalerKind::Policy, meta),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        generation: meta.generation,
        annotations: meta.annotations.clone().unwrap_or_default(),
        managed_fields: Vec::new(),
        target: target(&policy.spec.target_ref),
        min_replicas: Some(horizontal.min_replicas),
        max_replicas: horizontal.max_replicas,
        metrics: horizontal.effective_metrics(),
        behavior: horizontal.behavior.clone(),
        cpu_initialization_period,
        initial_readiness_delay,
        spec_error: (!errors.is_empty()).then(|| errors.join("; ")),
        status: AutoscalerStatus::from_policy(&status),
        stored_history: history::from_policy(status.history.as_ref()),
        policy_status: Some(status),
    })
}
