//! Metric specs mirroring `autoscaling/v2` `MetricSpec`, with quantities already in milli-units.
//!
//! The per-type source is flattened into the variant (`{"type": "Resource", "name": "cpu",
//! "target": {...}}` instead of v2's nested `"resource": {...}`); the controller converts the
//! API object at the edge, turning each `Quantity` into `MilliValue()`.
//!
//! Selectors of Pods/Object/External metrics are only quoted in names and messages, so they are
//! carried as the text upstream prints (Go's `%+v` of the `*LabelSelector`, `<nil>` when absent).

use serde::{Deserialize, Serialize};

use super::pods::ResourceName;

/// `MetricTarget.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetType {
    /// Percent of request (Resource, `ContainerResource`).
    Utilization,
    /// Total value (Object, External).
    Value,
    /// Per-pod average (all types).
    AverageValue,
}

/// `MetricTarget`; which field is read depends on the metric type, exactly as upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTarget {
    /// Declared target type.
    #[serde(rename = "type")]
    pub target_type: TargetType,
    /// `value` in milli-units.
    #[serde(default)]
    pub value: Option<i64>,
    /// `averageValue` in milli-units.
    #[serde(default)]
    pub average_value: Option<i64>,
    /// `averageUtilization` in percent.
    #[serde(default)]
    pub average_utilization: Option<i32>,
}

impl MetricTarget {
    /// A `Utilization` target of `percent`.
    pub const fn utilization(percent: i32) -> Self {
        Self {
            target_type: TargetType::Utilization,
            value: None,
            average_value: None,
            average_utilization: Some(percent),
        }
    }

    /// A `Value` target of `milli` milli-units.
    pub const fn value(milli: i64) -> Self {
        Self {
            target_type: TargetType::Value,
            value: Some(milli),
            average_value: None,
            average_utilization: None,
        }
    }

    /// An `AverageValue` target of `milli` milli-units.
    pub const fn average_value(milli: i64) -> Self {
        Self {
            target_type: TargetType::AverageValue,
            value: None,
            average_value: Some(milli),
            average_utilization: None,
        }
    }
}

/// `MetricIdentifier`: name plus the selector as upstream prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricIdentifier {
    /// Metric name.
    pub name: String,
    /// The label selector rendered as Go's `%+v` would; `None` prints as `<nil>`.
    #[serde(default)]
    pub selector: Option<String>,
}

impl MetricIdentifier {
    /// A metric without a selector.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), selector: None }
    }

    /// The selector as the metrics client quotes it in fetch errors (`<nil>` when absent).
    pub fn selector_text(&self) -> &str {
        self.selector.as_deref().unwrap_or("<nil>")
    }

    /// The selector as metric names quote it: `%+v` of a `*LabelSelector`, whose generated
    /// `String()` prints `nil` for a nil pointer.
    pub fn name_selector_text(&self) -> &str {
        self.selector.as_deref().unwrap_or("nil")
    }
}

/// `CrossVersionObjectReference` of an Object metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// Kind, e.g. `Ingress`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// API version, e.g. `networking.k8s.io/v1`.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// One entry of `spec.metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum MetricSpec {
    /// Resource usage of whole pods.
    Resource {
        /// Resource name.
        name: ResourceName,
        /// Target (`AverageValue` is read first, then averageUtilization).
        target: MetricTarget,
    },
    /// Resource usage of one container in each pod.
    ContainerResource {
        /// Resource name.
        name: ResourceName,
        /// Container name.
        container: String,
        /// Target (`AverageValue` is read first, then averageUtilization).
        target: MetricTarget,
    },
    /// A custom metric per pod (`custom.metrics.k8s.io`).
    Pods {
        /// Metric identity.
        metric: MetricIdentifier,
        /// Target (averageValue).
        target: MetricTarget,
    },
    /// A custom metric of one object (`custom.metrics.k8s.io`).
    Object {
        /// The object the metric describes.
        described_object: ObjectReference,
        /// Metric identity.
        metric: MetricIdentifier,
        /// Target (`Value` with value, or `AverageValue` with averageValue).
        target: MetricTarget,
    },
    /// A metric from outside the cluster (`external.metrics.k8s.io`).
    External {
        /// Metric identity.
        metric: MetricIdentifier,
        /// Target (averageValue is read first, then value).
        target: MetricTarget,
    },
}

impl MetricSpec {
    /// The `spec.type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Resource { .. } => "Resource",
            Self::ContainerResource { .. } => "ContainerResource",
            Self::Pods { .. } => "Pods",
            Self::Object { .. } => "Object",
            Self::External { .. } => "External",
        }
    }

    /// The condition/event reason upstream uses when this metric fails.
    pub fn failure_reason(&self) -> &'static str {
        match self {
            Self::Resource { .. } => "FailedGetResourceMetric",
            Self::ContainerResource { .. } => "FailedGetContainerResourceMetric",
            Self::Pods { .. } => "FailedGetPodsMetric",
            Self::Object { .. } => "FailedGetObjectMetric",
            Self::External { .. } => "FailedGetExternalMetric",
        }
    }
}
