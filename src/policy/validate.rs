//! Validation of an `AutoscalingPolicy` spec, mirroring autoscaling/v2 HPA validation.
//!
//! Upstream source: kubernetes `pkg/apis/autoscaling/validation/validation.go`
//! (`validateHorizontalPodAutoscalerSpec`, `validateMetricSpec`, `validateMetricTarget`,
//! `validateScalingRules`, `validateScalingPolicy`). Field paths, error kinds and messages follow it so
//! that users see what `kubectl apply` of an HPA would tell them. Differences, all deliberate:
//!
//! - `minReplicas: 0` is always allowed (the HPA needs the `HPAScaleToZero` gate), still only with at
//!   least one Object or External metric.
//! - A metric target's `type` must suit its source (`Utilization` only for `Resource` and
//!   `ContainerResource`, `Value` only for `Object` and `External`, `Pods` only `AverageValue`) and the field
//!   that type names must be set. Upstream accepts e.g. `type: Utilization` with only `averageValue`
//!   and silently scales on the value.
//! - Quantities must parse (the CRD schema cannot check them the way the apiserver checks HPA
//!   quantities), and the two durations must be Go durations.
//!
//! Validation collects every error instead of stopping at the first, as upstream does.

use std::fmt;

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior,
    MetricIdentifier, MetricSpec, MetricTarget,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;

use super::types::{AutoscalingPolicySpec, HorizontalSpec};
use crate::goduration::parse as parse_duration;
use crate::quantity::Quantity;

/// Largest allowed scaling policy period, in seconds (upstream `MaxPeriodSeconds`).
pub const MAX_PERIOD_SECONDS: i32 = 1800;
/// Largest allowed stabilization window, in seconds (upstream `MaxStabilizationWindowSeconds`).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;

/// The kind of a validation failure, as apimachinery's `field.ErrorType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// A required field is missing (`Required value`).
    Required,
    /// A field has a bad value (`Invalid value`).
    Invalid,
    /// A field is set where it must not be (`Forbidden`).
    Forbidden,
    /// A field holds a value outside a fixed set (`Unsupported value`).
    NotSupported,
}

/// One validation failure: which field, what kind, the bad value when there is one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `spec.horizontal.metrics[0].resource.target.averageUtilization`.
    pub path: String,
    /// What kind of failure it is.
    pub kind: FieldErrorKind,
    /// The offending value as the user wrote it, for `Invalid` and `NotSupported`.
    pub value: Option<String>,
    /// The problem, in upstream's words where upstream has words for it.
    pub message: String,
}

impl fmt::Display for FieldError {
    /// Formats like apimachinery's `field.Error.Error()`, e.g.
    /// `spec.horizontal.maxReplicas: Invalid value: 0: must be greater than 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::Forbidden => "Forbidden",
            FieldErrorKind::NotSupported => "Unsupported value",
        };
        write!(f, "{}: {kind}", self.path)?;
        if let Some(value) = &self.value {
            write!(f, ": {value}")?;
        }
        if self.message.is_empty() { Ok(()) } else { write!(f, ": {}", self.message) }
    }
}

impl std::error::Error for FieldError {}

/// Checks a spec the way the apiserver checks an autoscaling/v2 HPA spec; returns every problem.
pub fn validate(spec: &AutoscalingPolicySpec) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::default();
    let spec_path = Path::root("spec");
    validate_object_reference(&spec.target_ref, &spec_path.child("targetRef"), &mut errors);
    match &spec.horizontal {
        Some(horizontal) => validate_horizontal(horizontal, &spec_path.child("horizontal"), &mut errors),
        None => errors.required(&spec_path.child("horizontal"), "must specify how to scale the target"),
    }
    if errors.0.is_empty() { Ok(()) } else { Err(errors.0) }
}

/// A field path under construction (`spec.horizontal.metrics[0]`).
#[derive(Clone)]
struct Path(String);

impl Path {
    fn root(name: &str) -> Self {
        Self(name.to_owned())
    }

    fn child(&self, name: &str) -> Self {
        Self(format!("{}.{name}", self.0))
    }

    fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }
}

/// The errors found so far, with one constructor per apimachinery error type.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: &Path, kind: FieldErrorKind, value: Option<String>, message: &str) {
        self.0.push(FieldError { path: path.0.clone(), kind, value, message: message.to_owned() });
    }

    fn required(&mut self, path: &Path, message: &str) {
        self.push(path, FieldErrorKind::Required, None, message);
    }

    fn invalid(&mut self, path: &Path, value: impl fmt::Display, message: &str) {
        self.push(path, FieldErrorKind::Invalid, Some(value.to_string()), message);
    }

    fn forbidden(&mut self, path: &Path, message: &str) {
        self.push(path, FieldErrorKind::Forbidden, None, message);
    }

    fn not_supported(&mut self, path: &Path, value: &str, supported: &[&str]) {
        let list = supported.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
        self.push(
            path,
            FieldErrorKind::NotSupported,
            Some(format!("{value:?}")),
            &format!("supported values: {list}"),
        );
    }
}

fn validate_horizontal(horizontal: &HorizontalSpec, path: &Path, errors: &mut Errors) {
    if horizontal.min_replicas < 0 {
        errors.invalid(
            &path.child("minReplicas"),
            horizontal.min_replicas,
            "must be greater than or equal to 0",
        );
    }
    if horizontal.max_replicas < 1 {
        errors.invalid(&path.child("maxReplicas"), horizontal.max_replicas, "must be greater than 0");
    }
    if horizontal.max_replicas < horizontal.min_replicas {
        errors.invalid(
            &path.child("maxReplicas"),
            horizontal.max_replicas,
            "must be greater than or equal to `minReplicas`",
        );
    }
    validate_metrics(&horizontal.metrics, horizontal.min_replicas, &path.child("metrics"), errors);
    if let Some(behavior) = &horizontal.behavior {
        validate_behavior(behavior, &path.child("behavior"), errors);
    }
    for (name, value) in [
        ("cpuInitializationPeriod", &horizontal.cpu_initialization_period),
        ("initialReadinessDelay", &horizontal.initial_readiness_delay),
    ] {
        if let Err(error) = parse_duration(value) {
            errors.invalid(&path.child(name), format!("{value:?}"), &error.to_string());
        }
    }
}

/// Upstream `ValidateCrossVersionObjectReference`.
fn validate_object_reference(reference: &CrossVersionObjectReference, path: &Path, errors: &mut Errors) {
    for (name, value) in [("kind", &reference.kind), ("name", &reference.name)] {
        if value.is_empty() {
            errors.required(&path.child(name), "");
        } else {
            for message in path_segment_problems(value) {
                errors.invalid(&path.child(name), format!("{value:?}"), &message);
            }
        }
    }
}

/// Upstream `IsValidPathSegmentName`: the value must be usable as one segment of a URL path.
fn path_segment_problems(value: &str) -> Vec<String> {
    if value == "." || value == ".." {
        return vec![format!("may not be '{value}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| value.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

fn validate_metrics(metrics: &[MetricSpec], min_replicas: i32, path: &Path, errors: &mut Errors) {
    for (i, metric) in metrics.iter().enumerate() {
        validate_metric_spec(metric, &path.index(i), errors);
    }
    let scales_from_zero = metrics.iter().any(|m| m.type_ == "Object" || m.type_ == "External");
    if min_replicas == 0 && !scales_from_zero {
        errors.forbidden(
            path,
            "must specify at least one Object or External metric to support scaling to zero replicas",
        );
    }
}

const METRIC_SOURCE_TYPES: [&str; 5] = ["ContainerResource", "External", "Object", "Pods", "Resource"];

/// Upstream `validateMetricSpec`: `type` names exactly one populated source field.
fn validate_metric_spec(metric: &MetricSpec, path: &Path, errors: &mut Errors) {
    if metric.type_.is_empty() {
        errors.required(&path.child("type"), "must specify a metric source type");
    }
    // Upstream validates only the first populated source, in this order.
    let present: Vec<&str> = [
        ("object", metric.object.is_some()),
        ("external", metric.external.is_some()),
        ("pods", metric.pods.is_some()),
        ("resource", metric.resource.is_some()),
        ("containerResource", metric.container_resource.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    match present.first().copied() {
        Some("object") => {
            if let Some(source) = &metric.object {
                let source_path = path.child("object");
                validate_object_reference(
                    &source.described_object,
                    &source_path.child("describedObject"),
                    errors,
                );
                validate_metric_identifier(&source.metric, &source_path.child("metric"), errors);
                validate_sourced_target(&source.target, Source::Object, &source_path.child("target"), errors);
            }
        }
        Some("external") => {
            if let Some(source) = &metric.external {
                let source_path = path.child("external");
                validate_metric_identifier(&source.metric, &source_path.child("metric"), errors);
                validate_sourced_target(
                    &source.target,
                    Source::External,
                    &source_path.child("target"),
                    errors,
                );
            }
        }
        Some("pods") => {
            if let Some(source) = &metric.pods {
                let source_path = path.child("pods");
                validate_metric_identifier(&source.metric, &source_path.child("metric"), errors);
                validate_sourced_target(&source.target, Source::Pods, &source_path.child("target"), errors);
            }
        }
        Some("resource") => {
            if let Some(source) = &metric.resource {
                let source_path = path.child("resource");
                if source.name.is_empty() {
                    errors.required(&source_path.child("name"), "must specify a resource name");
                }
                validate_sourced_target(
                    &source.target,
                    Source::Resource,
                    &source_path.child("target"),
                    errors,
                );
            }
        }
        Some("containerResource") => {
            if let Some(source) = &metric.container_resource {
                let source_path = path.child("containerResource");
                if source.name.is_empty() {
                    errors.required(&source_path.child("name"), "must specify a resource name");
                }
                if source.container.is_empty() {
                    errors.required(&source_path.child("container"), "must specify a container");
                } else if let Some(message) = dns1123_label_problem(&source.container) {
                    errors.invalid(
                        &source_path.child("container"),
                        format!("{:?}", source.container),
                        &message,
                    );
                }
                let target_path = source_path.child("target");
                validate_sourced_target(&source.target, Source::ContainerResource, &target_path, errors);
            }
        }
        _ => {}
    }
    let expected = match metric.type_.as_str() {
        "Object" => Some("object"),
        "Pods" => Some("pods"),
        "Resource" => Some("resource"),
        "External" => Some("external"),
        "ContainerResource" => Some("containerResource"),
        _ => None,
    };
    match expected {
        Some(field) if !present.contains(&field) => {
            errors.required(&path.child(field), "must populate information for the given metric source");
        }
        Some(_) => {}
        None => errors.not_supported(&path.child("type"), &metric.type_, &METRIC_SOURCE_TYPES),
    }
    if present.len() != 1 {
        for field in present.iter().filter(|field| Some(**field) != expected) {
            errors.forbidden(&path.child(field), "must populate the given metric source only");
        }
    }
}

/// Upstream `validateMetricIdentifier`.
fn validate_metric_identifier(id: &MetricIdentifier, path: &Path, errors: &mut Errors) {
    if id.name.is_empty() {
        errors.required(&path.child("name"), "must specify a metric name");
    } else {
        for message in path_segment_problems(&id.name) {
            errors.invalid(&path.child("name"), format!("{:?}", id.name), &message);
        }
    }
}

/// The metric source a target belongs to; it decides which target fields are required.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Object,
    External,
    Pods,
    Resource,
    ContainerResource,
}

impl Source {
    fn target_types(self) -> &'static [&'static str] {
        match self {
            Self::Object | Self::External => &["AverageValue", "Value"],
            Self::Pods => &["AverageValue"],
            Self::Resource | Self::ContainerResource => &["AverageValue", "Utilization"],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Object => "Object",
            Self::External => "External",
            Self::Pods => "Pods",
            Self::Resource => "Resource",
            Self::ContainerResource => "ContainerResource",
        }
    }
}

/// Upstream `validateMetricTarget` plus the per-source rules of `validate*Source`, then bellows' own
/// check that the target type suits the source and names a populated field.
fn validate_sourced_target(target: &MetricTarget, source: Source, path: &Path, errors: &mut Errors) {
    let before = errors.0.len();
    validate_metric_target(target, path, errors);
    let (value, average_value, utilization) =
        (target.value.is_some(), target.average_value.is_some(), target.average_utilization.is_some());
    match source {
        Source::Object => {
            if !value && !average_value {
                errors
                    .required(&path.child("averageValue"), "must set either a target value or averageValue");
            }
        }
        Source::External => {
            if !value && !average_value {
                errors.required(
                    &path.child("averageValue"),
                    "must set either a target value for metric or a per-pod target",
                );
            }
            if value && average_value {
                errors.forbidden(
                    &path.child("value"),
                    "may not set both a target value for metric and a per-pod target",
                );
            }
        }
        Source::Pods => {
            if !average_value {
                errors.required(&path.child("averageValue"), "must specify a positive target averageValue");
            }
        }
        Source::Resource | Source::ContainerResource => {
            if !utilization && !average_value {
                errors.required(
                    &path.child("averageUtilization"),
                    "must set either a target raw value or a target utilization",
                );
            }
            if utilization && average_value {
                errors.forbidden(
                    &path.child("averageValue"),
                    "may not set both a target raw value and a target utilization",
                );
            }
        }
    }
    // The type/source match adds nothing useful on top of an upstream error about the same target.
    if errors.0.len() != before || !["Utilization", "Value", "AverageValue"].contains(&target.type_.as_str())
    {
        return;
    }
    if !source.target_types().contains(&target.type_.as_str()) {
        let supported = source.target_types().iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ");
        let message = format!("must be one of {supported} for a {} metric", source.name());
        errors.invalid(&path.child("type"), format!("{:?}", target.type_), &message);
        return;
    }
    let (field, set) = match target.type_.as_str() {
        "Utilization" => ("averageUtilization", utilization),
        "Value" => ("value", value),
        _ => ("averageValue", average_value),
    };
    if !set {
        errors.required(&path.child(field), &format!("must be set when the target type is {}", target.type_));
    }
}

/// Upstream `validateMetricTarget`.
fn validate_metric_target(target: &MetricTarget, path: &Path, errors: &mut Errors) {
    if target.type_.is_empty() {
        errors.required(&path.child("type"), "must specify a metric target type");
    }
    if !["Utilization", "Value", "AverageValue"].contains(&target.type_.as_str()) {
        errors.invalid(
            &path.child("type"),
            format!("{:?}", target.type_),
            "must be either Utilization, Value, or AverageValue",
        );
    }
    for (name, quantity) in [("value", &target.value), ("averageValue", &target.average_value)] {
        if let Some(quantity) = quantity {
            check_quantity(quantity, &path.child(name), |sign| sign == 1, "must be positive", errors);
        }
    }
    if let Some(utilization) = target.average_utilization
        && utilization < 1
    {
        errors.invalid(&path.child("averageUtilization"), utilization, "must be greater than 0");
    }
}

/// Parses `quantity` and reports it unless `accept(sign)` holds.
fn check_quantity(
    quantity: &ApiQuantity,
    path: &Path,
    accept: impl Fn(i32) -> bool,
    message: &str,
    errors: &mut Errors,
) {
    match Quantity::parse(&quantity.0) {
        Ok(parsed) if accept(parsed.sign()) => {}
        Ok(_) => errors.invalid(path, &quantity.0, message),
        Err(error) => errors.invalid(path, format!("{:?}", quantity.0), &error.to_string()),
    }
}

/// Upstream `validateBehavior`.
fn validate_behavior(behavior: &HorizontalPodAutoscalerBehavior, path: &Path, errors: &mut Errors) {
    for (name, rules) in [("scaleUp", &behavior.scale_up), ("scaleDown", &behavior.scale_down)] {
        if let Some(rules) = rules {
            validate_scaling_rules(rules, &path.child(name), errors);
        }
    }
}

/// Upstream `validateScalingRules` (with the v1.33 `tolerance` rule).
fn validate_scaling_rules(rules: &HPAScalingRules, path: &Path, errors: &mut Errors) {
    if let Some(window) = rules.stabilization_window_seconds {
        let window_path = path.child("stabilizationWindowSeconds");
        if window < 0 {
            errors.invalid(&window_path, window, "must be greater than or equal to zero");
        }
        if window > MAX_STABILIZATION_WINDOW_SECONDS {
            let message = format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}");
            errors.invalid(&window_path, window, &message);
        }
    }
    if let Some(select) = &rules.select_policy
        && !["Disabled", "Max", "Min"].contains(&select.as_str())
    {
        errors.not_supported(&path.child("selectPolicy"), select, &["Disabled", "Max", "Min"]);
    }
    // `None` takes the default policies; an explicit empty list replaces them with nothing.
    if let Some(policies) = &rules.policies {
        let policies_path = path.child("policies");
        if policies.is_empty() {
            errors.required(&policies_path, "must specify at least one Policy");
        }
        for (i, policy) in policies.iter().enumerate() {
            validate_scaling_policy(policy, &policies_path.index(i), errors);
        }
    }
    if let Some(tolerance) = &rules.tolerance {
        let message = "must be greater than or equal to zero";
        check_quantity(tolerance, &path.child("tolerance"), |sign| sign >= 0, message, errors);
    }
}

/// Upstream `validateScalingPolicy`.
fn validate_scaling_policy(policy: &HPAScalingPolicy, path: &Path, errors: &mut Errors) {
    if policy.type_ != "Pods" && policy.type_ != "Percent" {
        errors.not_supported(&path.child("type"), &policy.type_, &["Percent", "Pods"]);
    }
    if policy.value <= 0 {
        errors.invalid(&path.child("value"), policy.value, "must be greater than zero");
    }
    if policy.period_seconds <= 0 {
        errors.invalid(&path.child("periodSeconds"), policy.period_seconds, "must be greater than zero");
    }
    if policy.period_seconds > MAX_PERIOD_SECONDS {
        let message = format!("must be less than or equal to {MAX_PERIOD_SECONDS}");
        errors.invalid(&path.child("periodSeconds"), policy.period_seconds, &message);
    }
}

/// Upstream `ValidateDNS1123Label` for container names, with its messages.
fn dns1123_label_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some("must be no more than 63 characters".to_owned());
    }
    let bytes = value.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let valid = bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.iter().all(|b| alnum(b) || *b == b'-');
    (!valid).then(|| {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must \
         start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for \
         validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            .to_owned()
    })
}
