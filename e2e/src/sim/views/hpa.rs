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

/// A v2 `MetricSpec` in the v1 (`v2beta1`-like) shape.
fn metric_spec_to_v1(m: &Value) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let mut out = Map::new();
    let source = match kind {
        "Resource" | "ContainerResource" => {
            let r = if kind == "Resource" { &m["resource"] } else { &m["containerResource"] };
            put(&mut out, "name", r, "name");
            put(&mut out, "container", r, "container");
            put(&mut out, "targetAverageUtilization", &r["target"], "averageUtilization");
            put(&mut out, "targetAverageValue", &r["target"], "averageValue");
            if kind == "Resource" { "resource" } else { "containerResource" }
        }
        "Pods" => {
            let p = &m["pods"];
            put(&mut out, "metricName", &p["metric"], "name");
            put(&mut out, "selector", &p["metric"], "selector");
            put(&mut out, "targetAverageValue", &p["target"], "averageValue");
            "pods"
        }
        "Object" => {
            let o = &m["object"];
            put(&mut out, "target", o, "describedObject");
            put(&mut out, "metricName", &o["metric"], "name");
            put(&mut out, "selector", &o["metric"], "selector");
            put(&mut out, "targetValue", &o["target"], "value");
            put(&mut out, "averageValue", &o["target"], "averageValue");
            "object"
        }
        "External" => {
            let e = &m["external"];
            put(&mut out, "metricName", &e["metric"], "name");
            put(&mut out, "metricSelector", &e["metric"], "selector");
            put(&mut out, "targetValue", &e["target"], "value");
            put(&mut out, "targetAverageValue", &e["target"], "averageValue");
            "external"
        }
        _ => return m.clone(),
    };
    json!({"type": kind, source: out})
}

/// A v1 `MetricSpec` in the v2 shape (the upstream `Convert_v1_*MetricSource_To_autoscaling_*`).
fn metric_spec_to_v2(m: &Value) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let mut target = Map::new();
    let mut metric = Map::new();
    let (source, mut body) = match kind {
        "Resource" | "ContainerResource" => {
            let key = if kind == "Resource" { "resource" } else { "containerResource" };
            let r = &m[key];
            let utilization = !r["targetAverageUtilization"].is_null();
            target.insert("type".into(), json!(if utilization { "Utilization" } else { "AverageValue" }));
            put(&mut target, "averageUtilization", r, "targetAverageUtilization");
            put(&mut target, "averageValue", r, "targetAverageValue");
            let mut body = Map::new();
            put(&mut body, "name", r, "name");
            put(&mut body, "container", r, "container");
            (key, body)
        }
        "Pods" => {
            let p = &m["pods"];
            target.insert("type".into(), json!("AverageValue"));
            put(&mut target, "averageValue", p, "targetAverageValue");
            put(&mut metric, "name", p, "metricName");
            put(&mut metric, "selector", p, "selector");
            ("pods", Map::new())
        }
        "Object" => {
            let o = &m["object"];
            let average = !o["averageValue"].is_null();
            target.insert("type".into(), json!(if average { "AverageValue" } else { "Value" }));
            put(&mut target, "value", o, "targetValue");
            put(&mut target, "averageValue", o, "averageValue");
            put(&mut metric, "name", o, "metricName");
            put(&mut metric, "selector", o, "selector");
            let mut body = Map::new();
            put(&mut body, "describedObject", o, "target");
            ("object", body)
        }
        "External" => {
            let e = &m["external"];
            let value = !e["targetValue"].is_null();
            target.insert("type".into(), json!(if value { "Value" } else { "AverageValue" }));
            put(&mut target, "value", e, "targetValue");
            put(&mut target, "averageValue", e, "targetAverageValue");
            put(&mut metric, "name", e, "metricName");
            put(&mut metric, "selector", e, "metricSelector");
            ("external", Map::new())
        }
        _ => return m.clone(),
    };
    if !metric.is_empty() {
        body.insert("metric".into(), Value::Object(metric));
    }
    body.insert("target".into(), Value::Object(target));
    json!({"type": kind, source: body})
}

/// A v2 `MetricStatus` in the v1 shape.
fn metric_status_to_v1(m: &Value) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let mut out = Map::new();
    let source = match kind {
        "Resource" | "ContainerResource" => {
            let r = if kind == "Resource" { &m["resource"] } else { &m["containerResource"] };
            put(&mut out, "name", r, "name");
            put(&mut out, "container", r, "container");
            put(&mut out, "currentAverageUtilization", &r["current"], "averageUtilization");
            put(&mut out, "currentAverageValue", &r["current"], "averageValue");
            if kind == "Resource" { "resource" } else { "containerResource" }
        }
        "Pods" => {
            let p = &m["pods"];
            put(&mut out, "metricName", &p["metric"], "name");
            put(&mut out, "selector", &p["metric"], "selector");
            put(&mut out, "currentAverageValue", &p["current"], "averageValue");
            "pods"
        }
        "Object" => {
            let o = &m["object"];
            put(&mut out, "target", o, "describedObject");
            put(&mut out, "metricName", &o["metric"], "name");
            put(&mut out, "selector", &o["metric"], "selector");
            put(&mut out, "currentValue", &o["current"], "value");
            put(&mut out, "averageValue", &o["current"], "averageValue");
            "object"
        }
        "External" => {
            let e = &m["external"];
            put(&mut out, "metricName", &e["metric"], "name");
            put(&mut out, "metricSelector", &e["metric"], "selector");
            put(&mut out, "currentValue", &e["current"], "value");
            put(&mut out, "currentAverageValue", &e["current"], "averageValue");
            "external"
        }
        _ => return m.clone(),
    };
    json!({"type": kind, source: out})
}

/// A v1 `MetricStatus` in the v2 shape.
fn metric_status_to_v2(m: &Value) -> Value {
    let kind = m["type"].as_str().unwrap_or_default();
    let mut current = Map::new();
    let mut metric = Map::new();
    let mut body = Map::new();
    let source = match kind {
        "Resource" | "ContainerResource" => {
            let key = if kind == "Resource" { "resource" } else { "containerResource" };
            let r = &m[key];
            put(&mut body, "name", r, "name");
            put(&mut body, "container", r, "container");
            put(&mut current, "averageUtilization", r, "currentAverageUtilization");
            put(&mut current, "averageValue", r, "currentAverageValue");
            key
        }
        "Pods" => {
            let p = &m["pods"];
            put(&mut metric, "name", p, "metricName");
            put(&mut metric, "selector", p, "selector");
            put(&mut current, "averageValue", p, "currentAverageValue");
            "pods"
        }
        "Object" => {
            let o = &m["object"];
            put(&mut body, "describedObject", o, "target");
            put(&mut metric, "name", o, "metricName");
            put(&mut metric, "selector", o, "selector");
            put(&mut current, "value", o, "currentValue");
            put(&mut current, "averageValue", o, "averageValue");
            "object"
        }
        "External" => {
            let e = &m["external"];
            put(&mut metric, "name", e, "metricName");
            put(&mut metric, "selector", e, "metricSelector");
            put(&mut current, "value", e, "currentValue");
            put(&mut current, "averageValue", e, "currentAverageValue");
            "external"
        }
        _ => return m.clone(),
    };
    if !metric.is_empty() {
        body.insert("metric".into(), Value::Object(metric));
    }
    body.insert("current".into(), Value::Object(current));
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
        .map(metric_spec_to_v1)
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
            let v1: Vec<Value> = current.iter().map(metric_status_to_v1).collect();
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
        .map(|m| list(&m).iter().map(metric_spec_to_v2).collect())
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
            Some(m) => list(&m).iter().map(metric_status_to_v2).collect(),
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
