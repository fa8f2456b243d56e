//! Builders for policies, metrics and targets, so each test states only what it is about.

use k8s_openapi::api::autoscaling::v2::{
    ContainerResourceMetricSource, CrossVersionObjectReference, ExternalMetricSource, HPAScalingPolicy,
    HPAScalingRules, HorizontalPodAutoscalerBehavior, MetricIdentifier, MetricSpec, MetricTarget,
    ObjectMetricSource, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::policy::{AutoscalingPolicySpec, HorizontalSpec};

/// A valid policy for Deployment `web`: 1..10 replicas on CPU at 60%.
pub fn policy() -> PolicyBuilder {
    PolicyBuilder {
        spec: AutoscalingPolicySpec {
            target_ref: reference("Deployment", "web"),
            horizontal: Some(HorizontalSpec {
                min_replicas: 1,
                max_replicas: 10,
                metrics: vec![resource_metric("cpu", utilization(60))],
                behavior: None,
                cpu_initialization_period: "5m".to_owned(),
                initial_readiness_delay: "30s".to_owned(),
            }),
        },
    }
}

/// Builds an [`AutoscalingPolicySpec`] step by step.
pub struct PolicyBuilder {
    spec: AutoscalingPolicySpec,
}

impl PolicyBuilder {
    pub fn target(mut self, kind: &str, name: &str) -> Self {
        self.spec.target_ref = reference(kind, name);
        self
    }

    pub fn without_horizontal(mut self) -> Self {
        self.spec.horizontal = None;
        self
    }

    pub fn replicas(self, min: i32, max: i32) -> Self {
        self.horizontal(|h| {
            h.min_replicas = min;
            h.max_replicas = max;
        })
    }

    /// Replaces the metrics.
    pub fn metrics(self, metrics: Vec<MetricSpec>) -> Self {
        self.horizontal(|h| h.metrics = metrics)
    }

    pub fn behavior(self, behavior: HorizontalPodAutoscalerBehavior) -> Self {
        self.horizontal(|h| h.behavior = Some(behavior))
    }

    pub fn scale_up(self, rules: HPAScalingRules) -> Self {
        self.behavior(HorizontalPodAutoscalerBehavior { scale_up: Some(rules), scale_down: None })
    }

    pub fn cpu_initialization_period(self, period: &str) -> Self {
        self.horizontal(|h| h.cpu_initialization_period = period.to_owned())
    }

    pub fn initial_readiness_delay(self, delay: &str) -> Self {
        self.horizontal(|h| h.initial_readiness_delay = delay.to_owned())
    }

    fn horizontal(mut self, change: impl FnOnce(&mut HorizontalSpec)) -> Self {
        if let Some(horizontal) = self.spec.horizontal.as_mut() {
            change(horizontal);
        }
        self
    }

    pub fn build(self) -> AutoscalingPolicySpec {
        self.spec
    }
}

pub fn reference(kind: &str, name: &str) -> CrossVersionObjectReference {
    CrossVersionObjectReference {
        api_version: Some("apps/v1".to_owned()),
        kind: kind.to_owned(),
        name: name.to_owned(),
    }
}

pub fn utilization(percent: i32) -> MetricTarget {
    MetricTarget {
        type_: "Utilization".to_owned(),
        average_utilization: Some(percent),
        ..MetricTarget::default()
    }
}

pub fn average_value(quantity: &str) -> MetricTarget {
    MetricTarget {
        type_: "AverageValue".to_owned(),
        average_value: Some(Quantity(quantity.to_owned())),
        ..MetricTarget::default()
    }
}

pub fn value(quantity: &str) -> MetricTarget {
    MetricTarget {
        type_: "Value".to_owned(),
        value: Some(Quantity(quantity.to_owned())),
        ..MetricTarget::default()
    }
}

fn metric_id(name: &str) -> MetricIdentifier {
    MetricIdentifier { name: name.to_owned(), selector: None }
}

pub fn resource_metric(resource: &str, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        type_: "Resource".to_owned(),
        resource: Some(ResourceMetricSource { name: resource.to_owned(), target }),
        ..MetricSpec::default()
    }
}

pub fn container_metric(resource: &str, container: &str, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        type_: "ContainerResource".to_owned(),
        container_resource: Some(ContainerResourceMetricSource {
            name: resource.to_owned(),
            container: container.to_owned(),
            target,
        }),
        ..MetricSpec::default()
    }
}

pub fn pods_metric(name: &str, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        type_: "Pods".to_owned(),
        pods: Some(PodsMetricSource { metric: metric_id(name), target }),
        ..MetricSpec::default()
    }
}

pub fn object_metric(name: &str, described: CrossVersionObjectReference, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        type_: "Object".to_owned(),
        object: Some(ObjectMetricSource { described_object: described, metric: metric_id(name), target }),
        ..MetricSpec::default()
    }
}

pub fn external_metric(name: &str, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        type_: "External".to_owned(),
        external: Some(ExternalMetricSource { metric: metric_id(name), target }),
        ..MetricSpec::default()
    }
}

pub fn scaling_policy(kind: &str, value: i32, period_seconds: i32) -> HPAScalingPolicy {
    HPAScalingPolicy { type_: kind.to_owned(), value, period_seconds }
}

/// Scaling rules with one valid policy (4 pods per 15 s) and nothing else set.
pub fn rules() -> HPAScalingRules {
    HPAScalingRules { policies: Some(vec![scaling_policy("Pods", 4, 15)]), ..HPAScalingRules::default() }
}
