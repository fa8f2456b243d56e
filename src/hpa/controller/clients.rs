//! The controller's I/O boundary: one trait per kind of call, so that reconcile runs unchanged
//! against the in-memory implementations of [`super::memory`] (tests) and the `kube::Client`
//! implementations of [`super::kubeio`].
//!
//! Every async method returns a boxed future so the traits stay object safe (`Arc<dyn …>` in
//! [`super::Context`]). Metric clients answer with the calculator's sample shapes, or with the
//! upstream metrics client's error text (the calculator wraps it into the event/condition message);
//! the scale and status clients answer with a [`ClientError`] that tells a conflict apart, since a
//! conflicting `/scale` write is retried once after a re-read.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerStatus;
use k8s_openapi::api::core::v1::Pod;

use crate::hpa::calc::{PerPodSamples, PodUsage};
use crate::hpa::sync::Event;
use crate::policy::AutoscalingPolicyStatus;
use crate::selectors::LabelSelector;

/// What a client call failed with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The write lost an optimistic-concurrency race (HTTP 409): re-read and retry. Displayed as
    /// the API server's message alone, as Go's `StatusError.Error()`: kube-apiserver's message
    /// already reads `Operation cannot be fulfilled on deployments.apps "web": …`.
    #[error("{message}")]
    Conflict {
        /// What was written, e.g. `deployments.apps "web"`.
        resource: String,
        /// The API server's message.
        message: String,
    },
    /// The object does not exist (HTTP 404). Displayed as the API server's message alone
    /// (`deployments.apps "web" not found`), which upstream's `FailedGetScale` texts quote.
    #[error("{message}")]
    NotFound {
        /// What was read.
        resource: String,
        /// The API server's message.
        message: String,
    },
    /// `scaleTargetRef` does not name a resource with a scale subresource.
    #[error("unable to resolve {api_version} {kind}: {message}")]
    Discovery {
        /// `scaleTargetRef.apiVersion`.
        api_version: String,
        /// `scaleTargetRef.kind`.
        kind: String,
        /// Why.
        message: String,
    },
    /// Any other API failure (transport, authorization, server error).
    #[error("{0}")]
    Api(String),
}

impl ClientError {
    /// Whether the write should be retried after a re-read.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

/// `scaleTargetRef` / `targetRef`: a `CrossVersionObjectReference`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetRef {
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// Object name.
    pub name: String,
}

/// A `/scale` subresource as read (`autoscaling/v1` `Scale`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// `spec.replicas`.
    pub spec_replicas: i32,
    /// `status.replicas`.
    pub status_replicas: i32,
    /// `status.selector` (the string form).
    pub selector: Option<String>,
    /// `metadata.resourceVersion`, sent back on update for optimistic concurrency.
    pub resource_version: Option<String>,
}

/// The `/scale` subresource of any kind, resolved through discovery.
pub trait ScaleClient: Send + Sync {
    /// `GET …/{name}/scale` of the target in `namespace`.
    fn get_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
    ) -> BoxFuture<'a, Result<Scale, ClientError>>;
    /// `PUT …/{name}/scale` with `spec.replicas = replicas` and `scale.resource_version`.
    fn update_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
        scale: &'a Scale,
        replicas: i32,
    ) -> BoxFuture<'a, Result<Scale, ClientError>>;
}

/// Pods of a namespace by label selector, from a watch-fed cache (never a LIST per sync).
pub trait PodLister: Send + Sync {
    /// Every pod of `namespace` whose labels match `selector`, whatever its owner (as upstream).
    fn list(&self, namespace: &str, selector: &LabelSelector) -> Vec<Pod>;
}

/// `metrics.k8s.io` `PodMetrics` of the pods a selector matches.
pub trait ResourceMetrics: Send + Sync {
    /// Items for `selector` in `namespace`; `Err` carries the upstream client text.
    fn pod_metrics<'a>(
        &'a self,
        namespace: &'a str,
        selector: &'a LabelSelector,
        selector_text: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PodUsage>, String>>;
}

/// An Object metric's described object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Object name.
    pub name: String,
}

/// `custom.metrics.k8s.io/v1beta2`: Pods and Object metrics.
pub trait CustomMetrics: Send + Sync {
    /// `GetRawMetric`: the metric of every pod `pod_selector` matches. `metric_selector` is the
    /// metric's label selector in string form (empty for none).
    fn pods_metric<'a>(
        &'a self,
        namespace: &'a str,
        metric: &'a str,
        pod_selector: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<PerPodSamples, String>>;
    /// `GetObjectMetric`: one value (milli-units) and its time.
    fn object_metric<'a>(
        &'a self,
        namespace: &'a str,
        object: &'a DescribedObject,
        metric: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(i64, Timestamp), String>>;
}

/// `external.metrics.k8s.io/v1beta1`.
pub trait ExternalMetrics: Send + Sync {
    /// `GetExternalMetric`: every value (milli-units) for the selector, and the first item's time.
    fn external_metric<'a>(
        &'a self,
        namespace: &'a str,
        metric: &'a str,
        metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<i64>, Timestamp), String>>;
}

/// Which object a status write, annotation patch or event is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// HPA or policy.
    pub kind: AutoscalerKind,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            // Upstream quotes HPAs by `namespace/name` (e.g. in `AmbiguousSelector`).
            AutoscalerKind::Hpa => write!(f, "{}/{}", self.namespace, self.name),
            AutoscalerKind::Policy => write!(f, "AutoscalingPolicy {}/{}", self.namespace, self.name),
        }
    }
}

/// The two kinds of object the controller reconciles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AutoscalerKind {
    /// `autoscaling/v2` `HorizontalPodAutoscaler`.
    Hpa,
    /// `autoscaling.bellows.dev/v1alpha1` `AutoscalingPolicy`.
    Policy,
}

/// Writes of the controller's own objects, with field manager `bellows`.
pub trait StatusWriter: Send + Sync {
    /// Replace the HPA's `status` (merge patch of the status subresource).
    fn write_hpa_status<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        status: &'a HorizontalPodAutoscalerStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>>;
    /// Set (or with `None` remove) HPA annotations (a metadata merge patch).
    fn patch_hpa_annotations<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        annotations: &'a BTreeMap<String, Option<String>>,
    ) -> BoxFuture<'a, Result<(), ClientError>>;
    /// Replace the policy's `status` (merge patch of the status subresource).
    fn write_policy_status<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
        status: &'a AutoscalingPolicyStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>>;
}

/// Kubernetes Events about an autoscaler (reporting component `horizontal-pod-autoscaler`).
pub trait EventRecorder: Send + Sync {
    /// Publish `event` about `object`; identical repeats are aggregated by the implementation.
    fn record<'a>(&'a self, object: &'a EventObject, event: &'a Event) -> BoxFuture<'a, ()>;
}

/// The object an event is about, with what `involvedObject` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventObject {
    /// Kind and name.
    pub key: ObjectKey,
    /// `metadata.uid`.
    pub uid: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
}
