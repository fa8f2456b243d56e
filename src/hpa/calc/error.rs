//! The calculator's single error enum.
//!
//! Messages are the upstream texts (they end up verbatim in HPA conditions and events, e.g.
//! `the HPA was unable to compute the replica count: <message>`). Wrapping variants embed the
//! inner message in their own text, as Go's `fmt.Errorf("...: %v", err)` does, so `Display`
//! alone yields the full upstream string; the inner error is therefore not also exposed as a
//! `source()` (that would print it twice in error-chain reports).

use thiserror::Error;

use super::pods::ResourceName;

/// Why a replica proposal could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalcError {
    /// The resource metrics API call failed or returned nothing.
    #[error("unable to get metrics for resource {resource}: {reason}")]
    ResourceMetricsUnavailable {
        /// Resource asked for.
        resource: ResourceName,
        /// The metrics client's error text.
        reason: String,
    },
    /// The custom metrics API call for a Pods metric failed or returned nothing.
    #[error("unable to get metric {metric}: {reason}")]
    PodsMetricUnavailable {
        /// Metric name.
        metric: String,
        /// The metrics client's error text.
        reason: String,
    },
    /// The custom metrics API call for an Object metric failed.
    #[error("unable to get metric {metric} on {kind} {object}: {reason}")]
    ObjectMetricUnavailable {
        /// Metric name.
        metric: String,
        /// Kind of the described object.
        kind: String,
        /// `<namespace>/<name>` of the described object.
        object: String,
        /// The metrics client's error text.
        reason: String,
    },
    /// The external metrics API call failed or returned nothing.
    #[error("unable to get external metric {namespace}/{metric}/{selector}: {reason}")]
    ExternalMetricUnavailable {
        /// Namespace of the HPA.
        namespace: String,
        /// Metric name.
        metric: String,
        /// The metric selector as Go's `%+v` renders it.
        selector: String,
        /// The metrics client's error text.
        reason: String,
    },
    /// The scale selector listed no pods.
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    /// Object/External Value targets need the ready-pod count, and no pods were listed.
    #[error("unable to calculate ready pods: no pods returned by selector while calculating replica count")]
    NoPodsForReadyCount,
    /// Every sample belonged to an ignored or unready pod (or there were none).
    #[error("did not receive metrics for targeted pods (pods might be unready)")]
    NoMetricsForTargetedPods,
    /// The request sum over the pods that have samples is zero (metrics and pods disjoint).
    #[error("no metrics returned matched known pods")]
    NoMetricsMatchedKnownPods,
    /// A selected container has no request for the resource.
    #[error("missing request for {resource} in container {container} of Pod {pod}")]
    MissingRequest {
        /// Resource without a request.
        resource: ResourceName,
        /// Container lacking it.
        container: String,
        /// Pod name.
        pod: String,
    },
    /// Pod-level requests are in use and lack the resource.
    #[error("missing pod-level request for {resource} in Pod {pod}")]
    MissingPodLevelRequest {
        /// Resource without a request.
        resource: ResourceName,
        /// Pod name.
        pod: String,
    },
    /// A `ContainerResource` metric names a container the pod spec does not have.
    #[error("container {container} not found in Pod {pod}")]
    ContainerNotFound {
        /// Container named by the metric.
        container: String,
        /// Pod name.
        pod: String,
    },
    /// Resource or `ContainerResource` target with neither averageValue nor averageUtilization.
    #[error(
        "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set"
    )]
    InvalidResourceTarget,
    /// Object target that is neither `Value` with a value nor `AverageValue` with an averageValue.
    #[error("invalid object metric source: neither a value target nor an average value target was set")]
    InvalidObjectTarget,
    /// External target with neither averageValue nor value.
    #[error("invalid external metric source: neither a value target nor an average value target was set")]
    InvalidExternalTarget,
    /// Pods target without averageValue (API validation requires it).
    #[error("invalid pods metric source: an average value target is required")]
    InvalidPodsTarget,
    /// A target that API validation would have rejected (must be greater than zero).
    #[error("invalid {field} {value} for metric {metric}: must be greater than 0")]
    NonPositiveTarget {
        /// Metric the target belongs to.
        metric: String,
        /// `averageUtilization`, `averageValue` or `value`.
        field: &'static str,
        /// The rejected value (milli-units, or percent for utilization).
        value: i64,
    },
    /// The samples handed in are not the shape the metric type needs.
    #[error("{metric} needs {expected} samples, got {got}")]
    SamplesMismatch {
        /// Metric name.
        metric: String,
        /// Shape the metric type needs.
        expected: &'static str,
        /// Shape received.
        got: &'static str,
    },
    /// Wrapper added by `computeStatusForResourceMetricGeneric` for Utilization targets.
    #[error("failed to get {resource} utilization: {inner}")]
    Utilization {
        /// Resource name.
        resource: ResourceName,
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeStatusForResourceMetricGeneric` for `AverageValue` targets.
    #[error("failed to get {resource} usage: {inner}")]
    Usage {
        /// Resource name.
        resource: ResourceName,
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeReplicasForMetric` for Resource metrics.
    #[error("failed to get {resource} resource metric value: {inner}")]
    ResourceMetric {
        /// Resource name.
        resource: ResourceName,
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeReplicasForMetric` for `ContainerResource` metrics.
    #[error("failed to get {container} container metric value: {inner}")]
    ContainerMetric {
        /// Container name.
        container: String,
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeReplicasForMetric` for Pods metrics.
    #[error("failed to get pods metric value: {inner}")]
    PodsMetric {
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeReplicasForMetric` for Object metrics.
    #[error("failed to get object metric value: {inner}")]
    ObjectMetric {
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Wrapper added by `computeReplicasForMetric` for External metrics.
    #[error("failed to get {metric} external metric value: {inner}")]
    ExternalMetric {
        /// Metric name.
        metric: String,
        /// Underlying failure.
        inner: Box<CalcError>,
    },
    /// Summary of `computeReplicasForMetrics` when at least one metric failed.
    #[error("invalid metrics ({invalid} invalid out of {total}), first error is: {first}")]
    InvalidMetrics {
        /// Number of failing metrics.
        invalid: usize,
        /// Number of metric specs.
        total: usize,
        /// The first failure, in spec order.
        first: Box<CalcError>,
    },
}

impl CalcError {
    /// Wraps `self` in a boxed wrapper variant built by `wrap`.
    pub(crate) fn boxed(self) -> Box<CalcError> {
        Box::new(self)
    }

    /// The error without `computeReplicasForMetric`'s per-type wrapper (`failed to get cpu
    /// resource metric value: …`). Upstream builds the `ScalingActive=False` condition and records
    /// the per-metric Warning event (`getUnableComputeReplicaCountCondition`) one level down, in
    /// `computeStatusFor*Metric`, before that wrapper is added; only `FailedComputeMetricsReplicas`
    /// (`invalid metrics …, first error is: …`) carries it.
    pub fn without_metric_wrapper(&self) -> &CalcError {
        match self {
            Self::ResourceMetric { inner, .. }
            | Self::ContainerMetric { inner, .. }
            | Self::PodsMetric { inner }
            | Self::ObjectMetric { inner }
            | Self::ExternalMetric { inner, .. } => inner,
            other => other,
        }
    }
}
