//! `autoscaling/v1` `HorizontalPodAutoscalers` as a view of the stored `autoscaling/v2` objects,
//! after upstream `kubernetes/pkg/apis/autoscaling/v1/conversion.go`.
//!
//! Model: v1 only has a CPU utilization target (`spec.targetCPUUtilizationPercentage`) and the
//! current CPU utilization (`status.currentCPUUtilizationPercentage`). Everything else a v2 object
//! holds travels in four round-trip annotations on the v1 object, in the upstream encodings:
//! - [`METRICS_ANNOTATION`] holds the spec metrics other than a CPU `Utilization` resource metric, as a
//!   JSON list in the v1 `MetricSpec` shape (`targetAverageUtilization`, `metricName`, …);
//! - [`CURRENT_METRICS_ANNOTATION`] holds every `status.currentMetrics` entry in the v1 `MetricStatus`
//!   shape (CPU included, to keep its raw value);
//! - [`BEHAVIOR_ANNOTATION`] holds `spec.behavior` with Go field names (`ScaleUp`, `Policies`, …),
//!   because upstream marshals its internal type there;
//! - [`CONDITIONS_ANNOTATION`] holds `status.conditions`.
//!
//! Invariants: annotations on the v2 object with these names are never stored (v1 → v2 drops
//! them, v2 → v1 replaces them); v2 → v1 → v2 is the identity except that, as upstream, a CPU
//! `Utilization` metric moves after the other metrics; malformed annotations are ignored, as
//! upstream does; a v1 object without any metric gets the 80 % CPU default.

use serde_json::{Map, Value, json};

/// Spec metrics v1 cannot express (upstream `autoscaling.MetricSpecsAnnotation`).
pub const METRICS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// Status metrics (upstream `autoscaling.MetricStatusesAnnotation`).
pub const CURRENT_METRICS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// Status conditions (upstream `autoscaling.HorizontalPodAutoscalerConditionsAnnotation`).
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// Scaling behavior (upstream `autoscaling.BehaviorSpecsAnnotation`).
pub const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";

const ROUND_TRIP: [&str; 4] =
    [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/// The CPU target v1 applies when an object names no metric (upstream `DefaultCPUUtilization`).
pub const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// Copies `from[key]` to `to[as_key]` when it is present and not null.
fn put(to: &mut Map<String, Value>, as_key: &str, from: &Value, key: &str) {
    if let Some(v) = from.get(key).filter(|v| !v.is_null()) {
        to.insert(as_key.to_owned(), v.clone());
    }
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// Whether `m` (a v2 metric spec or status) is about the `cpu` resource.
fn is_cpu_resource(m: &Value) -> bool {
    m["type"] == "Resource" && m["resource"]["name"] == "cpu"
}

/// `metadata.annotations` without the round-trip annotations (upstream
/// `DropRoundTripHorizontalPodAutoscalerAnnotations`); `None` when nothing is left.
fn drop_round_trip(annotations: &Value) -> Option<Map<String, Value>> {
    let mut map = annotations.as_object()?.clone();
    for key in ROUND_TRIP {
        map.remove(key);
    }
    (!map.is_empty()).then_some(map)
}

/// Which half of a metric is converted: the spec's `target` or the status's `current`. The v1
/// shapes of the two differ only in that prefix (`targetAverageValue` ↔ `currentAverageValue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Spec,
    Status,
}

impl Half {
    /// The v2 field holding the numbers, and the v1 prefix of their keys.
    fn key(self) -> &'static str {
        match self {
            Self::Spec => "target",
            Self::Status => "current",
        }
    }
}

/// Where a v1 field lives in the v2 shape, inside the metric source (e.g. `pods`).
#[derive(Debug, Clone, Copy)]
enum At {
    /// Directly in the source (`name`, `container`, `describedObject`).
    Source(&'static str),
    /// In the source's `metric` identifier (`name`, `selector`).
    Metric(&'static str),
    /// In the source's `target` or `current` ([`Half::key`]).
    Number(&'static str),
}

/// The v2 source key of a metric type and its v1 ↔ v2 field mapping (upstream `conversion.go`);
/// `None` for a type v1 does not know, which is passed through unchanged.
fn mapping(kind: &str, half: Half) -> Option<(&'static str, Vec<(String, At)>)> {
    let p = half.key();
    let n = |suffix: &str| format!("{p}{suffix}");
    Some(match kind {
        "Resource" | "ContainerResource" => (
            if kind == "Resource" { "resource" } else { "containerResource" },
            vec![
                ("name".into(), At::Source("name")),
                ("container".into(), At::Source("container")),
                (n("AverageUtilization"), At::Number("averageUtilization")),
                (n("AverageValue"), At::Number("averageValue")),
            ],
        ),
        "Pods" => (
            "pods",
            vec![
                ("metricName".into(), At::Metric("name")),
                ("selector".into(), At::Metric("selector")),
                (n("AverageValue"), At::Number("averageValue")),
            ],
        ),
        "Object" => (
            "object",
            vec![
                ("target".into(), At::Source("describedObject")),
                ("metricName".into(), At::Metric("name")),
                ("selector".into(), At::Metric("selector")),
                (n("Value"), At::Number("value")),
                // Upstream names the object average the same in spec and status.
                ("averageValue".into(), At::Number("averageValue")),
            ],
        ),
        "External" => (
            "external",
            vec![
                ("metricName".into(), At::Metric("name")),
                ("metricSelector".into(), At::Metric("selector")),
                (n("Value"), At::Number("value")),
                (n("AverageValue"), At::Number("averageValue")),
            ],
        ),
        _ => return None,
    })
}

/// A v2 `MetricSpec` or `MetricStatus` in the v1 (`v2beta1`-like) shape.
fn metric_to_v1(m: &Value, half: Half) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let Some((source, fields)) = mapping(kind, half) else { return m.clone() };
    let src = &m[source];
    let mut out = Map::new();
    for (v1, at) in &fields {
        match *at {
            At::Source(k) => put(&mut out, v1, src, k),
            At::Metric(k) => put(&mut out, v1, &src["metric"], k),
            At::Number(k) => put(&mut out, v1, &src[half.key()], k),
        }
    }
    json!({"type": kind, source: out})
}

/// A v1 `MetricSpec` or `MetricStatus` in the v2 shape (the upstream
/// `Convert_v1_*MetricSource_To_autoscaling_*` and `*MetricStatus*` functions).
fn metric_to_v2(m: &Value, half: Half) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let Some((source, fields)) = mapping(kind, half) else { return m.clone() };
    let src = &m[source];
    let (mut body, mut metric, mut numbers) = (Map::new(), Map::new(), Map::new());
    for (v1, at) in &fields {
        match *at {
            At::Source(k) => put(&mut body, k, src, v1),
            At::Metric(k) => put(&mut metric, k, src, v1),
            At::Number(k) => put(&mut numbers, k, src, v1),
        }
    }
    if half == Half::Spec {
        // The target type v1 leaves implicit, from which number is set.
        let has = |key: &str| !src[key].is_null();
        let kind = match kind {
            "Resource" | "ContainerResource" if has("targetAverageUtilization") => "Utilization",
            "Object" if !has("averageValue") => "Value",
            "External" if has("targetValue") => "Value",
            _ => "AverageValue",
        };
        numbers.insert("type".into(), json!(kind));
    }
    if !metric.is_empty() {
        body.insert("metric".into(), Value::Object(metric));
    }
    body.insert(half.key().into(), Value::Object(numbers));
    json!({"type": kind, source: body})
}

/// Object keys with their first letter changed by `f`, recursively (the behavior annotation
/// uses Go field names; Go's decoder matches them case-insensitively).
fn recase(v: &Value, f: fn(char) -> char) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = chars.next().map_or_else(String::new, |c| f(c).to_string() + chars.as_str());
                    (key, recase(v, f))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| recase(i, f)).collect()),
        other => other.clone(),
    }
}

/// An annotation holding `value` as JSON text.
fn encode(value: &Value) -> Value {
    Value::String(value.to_string())
}

/// An annotation's JSON text decoded, `None` when absent or malformed (upstream ignores those).
fn decode(annotations: &Value, key: &str) -> Option<Value> {
    serde_json::from_str(annotations[key].as_str()?).ok()
}

/// A stored `autoscaling/v2` HPA in the `autoscaling/v1` shape (upstream
/// `Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler`); `apiVersion`
/// and `kind` are left to the caller.
pub fn v2_to_v1(v2: Value) -> Value {
    let Value::Object(mut obj) = v2 else { return v2 };
    let spec = obj.remove("spec").unwrap_or(Value::Null);
    let status = obj.remove("status").unwrap_or(Value::Null);
    let mut annotations = drop_round_trip(&obj["metadata"]["annotations"]).unwrap_or_default();

    let mut v1_spec = Map::new();
    for key in ["scaleTargetRef", "minReplicas", "maxReplicas"] {
        put(&mut v1_spec, key, &spec, key);
    }
    let metrics = list(&spec["metrics"]);
    if let Some(cpu) = metrics.iter().find(|m| is_cpu_resource(m)) {
        put(&mut v1_spec, "targetCPUUtilizationPercentage", &cpu["resource"]["target"], "averageUtilization");
    }
    let others: Vec<Value> = metrics
        .iter()
        .filter(|m| !is_cpu_resource(m) || m["resource"]["target"]["averageUtilization"].is_null())
        .map(|m| metric_to_v1(m, Half::Spec))
        .collect();
    if !others.is_empty() {
        annotations.insert(METRICS_ANNOTATION.into(), encode(&Value::Array(others)));
    }
    if let Some(behavior) = spec.get("behavior").filter(|b| !b.is_null()) {
        annotations.insert(BEHAVIOR_ANNOTATION.into(), encode(&recase(behavior, |c| c.to_ascii_uppercase())));
    }
    if !spec.is_null() {
        obj.insert("spec".into(), Value::Object(v1_spec));
    }

    if !status.is_null() {
        let mut v1_status = Map::new();
        for key in ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"] {
            put(&mut v1_status, key, &status, key);
        }
        let current = list(&status["currentMetrics"]);
        for cpu in current.iter().filter(|m| is_cpu_resource(m)) {
            put(
                &mut v1_status,
                "currentCPUUtilizationPercentage",
                &cpu["resource"]["current"],
                "averageUtilization",
            );
        }
        if !current.is_empty() {
            let v1: Vec<Value> = current.iter().map(|m| metric_to_v1(m, Half::Status)).collect();
            annotations.insert(CURRENT_METRICS_ANNOTATION.into(), encode(&Value::Array(v1)));
        }
        let conditions = list(&status["conditions"]);
        if !conditions.is_empty() {
            annotations.insert(CONDITIONS_ANNOTATION.into(), encode(&Value::Array(conditions.to_vec())));
        }
        obj.insert("status".into(), Value::Object(v1_status));
    }
    set_annotations(&mut obj, annotations);
    Value::Object(obj)
}

/// An `autoscaling/v1` HPA in the stored `autoscaling/v2` shape (upstream
/// `Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler`); `apiVersion`
/// and `kind` are left to the caller.
pub fn v1_to_v2(v1: Value) -> Value {
    let Value::Object(mut obj) = v1 else { return v1 };
    let spec = obj.remove("spec").unwrap_or(Value::Null);
    let status = obj.remove("status").unwrap_or(Value::Null);
    let annotations = obj.get("metadata").map_or(Value::Null, |m| m["annotations"].clone());

    let mut v2_spec = Map::new();
    for key in ["scaleTargetRef", "minReplicas", "maxReplicas"] {
        put(&mut v2_spec, key, &spec, key);
    }
    let mut metrics: Vec<Value> = decode(&annotations, METRICS_ANNOTATION)
        .map(|m| list(&m).iter().map(|m| metric_to_v2(m, Half::Spec)).collect())
        .unwrap_or_default();
    let cpu_target = spec["targetCPUUtilizationPercentage"].as_i64();
    if let Some(percent) = cpu_target.or_else(|| metrics.is_empty().then_some(DEFAULT_CPU_UTILIZATION)) {
        metrics.push(json!({"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": percent}}}));
    }
    v2_spec.insert("metrics".into(), Value::Array(metrics));
    if let Some(behavior) = decode(&annotations, BEHAVIOR_ANNOTATION)
        .filter(|b| b.as_object().is_some_and(|m| m.values().any(|v| !v.is_null())))
    {
        v2_spec.insert("behavior".into(), recase(&behavior, |c| c.to_ascii_lowercase()));
    }
    obj.insert("spec".into(), Value::Object(v2_spec));

    if !status.is_null() {
        let mut v2_status = Map::new();
        for key in ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"] {
            put(&mut v2_status, key, &status, key);
        }
        let current = match decode(&annotations, CURRENT_METRICS_ANNOTATION) {
            Some(m) => list(&m).iter().map(|m| metric_to_v2(m, Half::Status)).collect(),
            None => status["currentCPUUtilizationPercentage"].as_i64().map_or_else(Vec::new, |c| {
                vec![json!({"type": "Resource",
                            "resource": {"name": "cpu", "current": {"averageUtilization": c}}})]
            }),
        };
        if !current.is_empty() {
            v2_status.insert("currentMetrics".into(), Value::Array(current));
        }
        if let Some(conditions) = decode(&annotations, CONDITIONS_ANNOTATION).filter(Value::is_array) {
            v2_status.insert("conditions".into(), conditions);
        }
        obj.insert("status".into(), Value::Object(v2_status));
    }
    let kept = drop_round_trip(&annotations).unwrap_or_default();
    set_annotations(&mut obj, kept);
    Value::Object(obj)
}

/// Sets `metadata.annotations` to `annotations`, removing the key when there are none.
fn set_annotations(obj: &mut Map<String, Value>, annotations: Map<String, Value>) {
    let Some(Value::Object(meta)) = obj.get_mut("metadata") else {
        if !annotations.is_empty() {
            obj.insert("metadata".into(), json!({"annotations": annotations}));
        }
        return;
    };
    if annotations.is_empty() {
        meta.remove("annotations");
    } else {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
}

#[cfg(test)]
mod tests;
