//! From Kubernetes objects to the calculator's plain snapshots: the thin edge between
//! `k8s-openapi` types and [`super::calc`].
//!
//! Quantities become `i64` milli-units with Go's `MilliValue()` rounding (up). A quantity that does
//! not parse is an error naming the object and field, never a silent zero. Pods missing fields the
//! API server always sets (phase) are taken as upstream's informer would see them: `Pending` for a
//! missing phase.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2 as hpa_v2;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::calc::{
    ConditionStatus, ContainerRequests, MetricIdentifier, MetricSpec, MetricTarget, ObjectReference,
    PodPhase, PodSnapshot, ReadyCondition, ResourceList, ResourceName, TargetType,
};
use crate::quantity::Quantity;

/// A Kubernetes object field the calculator cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// A quantity string does not parse.
    #[error("{field}: invalid quantity {value:?}: {reason}")]
    Quantity {
        /// Where the quantity sits, e.g. `pod web-1 container app requests.cpu`.
        field: String,
        /// The text.
        value: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A metric spec lacks the block its type requires or names an unknown type.
    #[error("spec.metrics[{index}]: {reason}")]
    Metric {
        /// Index in `spec.metrics`.
        index: usize,
        /// What is wrong.
        reason: String,
    },
}

/// `MilliValue()` of a Kubernetes quantity string.
pub fn milli(value: &K8sQuantity, field: impl FnOnce() -> String) -> Result<i64, SnapshotError> {
    Quantity::parse(&value.0).map(Quantity::milli_value).map_err(|err| SnapshotError::Quantity {
        field: field(),
        value: value.0.clone(),
        reason: err.to_string(),
    })
}

/// The cpu/memory entries of a `ResourceList` map, in milli-units.
pub fn resource_list(
    map: Option<&BTreeMap<String, K8sQuantity>>,
    field: &dyn Fn(&str) -> String,
) -> Result<ResourceList, SnapshotError> {
    let mut list = ResourceList::default();
    if let Some(map) = map {
        if let Some(q) = map.get("cpu") {
            list.cpu = Some(milli(q, || field("cpu"))?);
        }
        if let Some(q) = map.get("memory") {
            list.memory = Some(milli(q, || field("memory"))?);
        }
    }
    Ok(list)
}

/// What the calculator reads from one v1 Pod.
pub fn pod_snapshot(pod: &core::Pod) -> Result<PodSnapshot, SnapshotError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.as_ref();
    let phase = match status.and_then(|s| s.phase.as_deref()) {
        Some("Running") => PodPhase::Running,
        Some("Succeeded") => PodPhase::Succeeded,
        Some("Failed") => PodPhase::Failed,
        Some("Unknown") => PodPhase::Unknown,
        _ => PodPhase::Pending,
    };
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|conds| conds.iter().find(|c| c.type_ == "Ready"))
        .map(|c| {
            let status = match c.status.as_str() {
                "True" => ConditionStatus::True,
                "False" => ConditionStatus::False,
                _ => ConditionStatus::Unknown,
            };
            // Upstream reads lastTransitionTime.Time; a condition without it is the zero time.
            let last_transition_time = c.last_transition_time.as_ref().map_or(jiff::Timestamp::MIN, |t| t.0);
            ReadyCondition { status, last_transition_time }
        });
    let spec = pod.spec.as_ref();
    let containers = |list: Option<&Vec<core::Container>>,
                      init: bool|
     -> Result<Vec<ContainerRequests>, SnapshotError> {
        list.into_iter()
            .flatten()
            .map(|c| {
                let field = |r: &str| format!("pod {name} container {} requests.{r}", c.name);
                Ok(ContainerRequests {
                    name: c.name.clone(),
                    requests: resource_list(c.resources.as_ref().and_then(|r| r.requests.as_ref()), &field)?,
                    restartable: init && c.restart_policy.as_deref() == Some("Always"),
                })
            })
            .collect()
    };
    let pod_requests = spec
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .map(|map| resource_list(Some(map), &|r| format!("pod {name} spec.resources.requests.{r}")))
        .transpose()?;
    Ok(PodSnapshot {
        containers: containers(spec.map(|s| &s.containers), false)?,
        init_containers: containers(spec.and_then(|s| s.init_containers.as_ref()), true)?,
        deleting: pod.metadata.deletion_timestamp.is_some(),
        start_time: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        ready,
        phase,
        pod_requests,
        name,
    })
}

/// Drops everything of a Pod that [`pod_snapshot`] and pod selection do not read, so the
/// controller's pod cache holds a few hundred bytes per pod instead of the whole object (env,
/// volumes, images, container statuses, annotations, managed fields). Kept: name, namespace,
/// uid, resourceVersion, labels, deletionTimestamp, container and init-container names, requests
/// and restart policies, pod-level requests, node name, phase, the Ready condition, start time.
/// Invariant: `pod_snapshot(slim(p)) == pod_snapshot(p)` for every pod.
pub fn slim_pod(pod: &mut core::Pod) {
    let meta = &mut pod.metadata;
    meta.annotations = None;
    meta.managed_fields = None;
    meta.owner_references = None;
    meta.finalizers = None;
    let requests_only = |r: Option<core::ResourceRequirements>| {
        r.map(|r| core::ResourceRequirements {
            requests: r.requests,
            ..core::ResourceRequirements::default()
        })
    };
    let slim_container = |c: core::Container| core::Container {
        name: c.name,
        resources: requests_only(c.resources),
        restart_policy: c.restart_policy,
        ..core::Container::default()
    };
    if let Some(spec) = pod.spec.take() {
        pod.spec = Some(core::PodSpec {
            containers: spec.containers.into_iter().map(slim_container).collect(),
            init_containers: spec.init_containers.map(|list| list.into_iter().map(slim_container).collect()),
            resources: requests_only(spec.resources),
            node_name: spec.node_name,
            ..core::PodSpec::default()
        });
    }
    if let Some(status) = pod.status.take() {
        pod.status = Some(core::PodStatus {
            phase: status.phase,
            start_time: status.start_time,
            conditions: status
                .conditions
                .map(|list| list.into_iter().filter(|c| c.type_ == "Ready").collect()),
            ..core::PodStatus::default()
        });
    }
}

/// Go's `%+v` of a `*LabelSelector`, as upstream quotes selectors in metric errors: the
/// gogo-protobuf `String()` (labels sorted, `MatchLabels` always a map literal, requirement values
/// as `%v` of a slice).
pub fn selector_text(selector: Option<&LabelSelector>) -> Option<String> {
    use std::fmt::Write as _;
    let selector = selector?;
    let mut text = String::from("&LabelSelector{MatchLabels:map[string]string{");
    for (k, v) in selector.match_labels.iter().flatten() {
        let _ = write!(text, "{k}: {v},");
    }
    text.push_str("},MatchExpressions:[]LabelSelectorRequirement{");
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default().join(" ");
        let _ = write!(
            text,
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{values}],}},",
            e.key, e.operator
        );
    }
    text.push_str("},}");
    Some(text)
}

fn resource_name(name: &str, index: usize) -> Result<ResourceName, SnapshotError> {
    match name {
        "cpu" => Ok(ResourceName::Cpu),
        "memory" => Ok(ResourceName::Memory),
        other => Err(SnapshotError::Metric {
            index,
            reason: format!(
                "resource {other:?} is not served by the resource metrics API (only cpu and memory)"
            ),
        }),
    }
}

fn target(t: &hpa_v2::MetricTarget, index: usize) -> Result<MetricTarget, SnapshotError> {
    let target_type = match t.type_.as_str() {
        "Utilization" => TargetType::Utilization,
        "Value" => TargetType::Value,
        "AverageValue" => TargetType::AverageValue,
        other => {
            return Err(SnapshotError::Metric { index, reason: format!("unknown target type {other:?}") });
        }
    };
    let q = |q: Option<&K8sQuantity>, f: &str| {
        q.map(|q| milli(q, || format!("spec.metrics[{index}].target.{f}"))).transpose()
    };
    Ok(MetricTarget {
        target_type,
        value: q(t.value.as_ref(), "value")?,
        average_value: q(t.average_value.as_ref(), "averageValue")?,
        average_utilization: t.average_utilization,
    })
}

fn identifier(m: &hpa_v2::MetricIdentifier) -> MetricIdentifier {
    MetricIdentifier { name: m.name.clone(), selector: selector_text(m.selector.as_ref()) }
}

/// One autoscaling/v2 `MetricSpec` as the calculator sees it.
pub fn metric_spec(spec: &hpa_v2::MetricSpec, index: usize) -> Result<MetricSpec, SnapshotError> {
    let missing = |block: &str| SnapshotError::Metric {
        index,
        reason: format!("type {} requires the `{block}` field", spec.type_),
    };
    Ok(match spec.type_.as_str() {
        "Resource" => {
            let r = spec.resource.as_ref().ok_or_else(|| missing("resource"))?;
            MetricSpec::Resource { name: resource_name(&r.name, index)?, target: target(&r.target, index)? }
        }
        "ContainerResource" => {
            let r = spec.container_resource.as_ref().ok_or_else(|| missing("containerResource"))?;
            MetricSpec::ContainerResource {
                name: resource_name(&r.name, index)?,
                container: r.container.clone(),
                target: target(&r.target, index)?,
            }
        }
        "Pods" => {
            let p = spec.pods.as_ref().ok_or_else(|| missing("pods"))?;
            MetricSpec::Pods { metric: identifier(&p.metric), target: target(&p.target, index)? }
        }
        "Object" => {
            let o = spec.object.as_ref().ok_or_else(|| missing("object"))?;
            MetricSpec::Object {
                described_object: ObjectReference {
                    kind: o.described_object.kind.clone(),
                    name: o.described_object.name.clone(),
                    api_version: o.described_object.api_version.clone(),
                },
                metric: identifier(&o.metric),
                target: target(&o.target, index)?,
            }
        }
        "External" => {
            let e = spec.external.as_ref().ok_or_else(|| missing("external"))?;
            MetricSpec::External { metric: identifier(&e.metric), target: target(&e.target, index)? }
        }
        other => {
            return Err(SnapshotError::Metric { index, reason: format!("unknown metric type {other:?}") });
        }
    })
}

/// An autoscaling/v2 `behavior` as the behavior engine's spec, validated as the API would.
/// Shared by `bellows hpa plan` and the controller.
pub fn behavior(spec: &hpa_v2::HorizontalPodAutoscalerBehavior) -> Result<super::behavior::Behavior, String> {
    let behavior = serde_json::to_value(spec)
        .and_then(serde_json::from_value::<super::behavior::Behavior>)
        .map_err(|e| e.to_string())?;
    behavior.validate().map_err(|e| e.to_string())?;
    Ok(behavior)
}

/// The calculator settings of one HPA: the tolerance flag overridden per direction by
/// `behavior.*.tolerance` (`HPAConfigurableTolerance`, on since 1.35) and the readiness windows.
pub fn calc_config(
    tolerance: f64,
    behavior: Option<&super::behavior::Behavior>,
    cpu_initialization_period: jiff::SignedDuration,
    initial_readiness_delay: jiff::SignedDuration,
) -> super::calc::CalcConfig {
    let per_direction = |r: Option<&super::behavior::ScalingRules>| {
        r.and_then(|r| r.tolerance).map(Quantity::as_approximate_f64)
    };
    let down = behavior.and_then(|b| per_direction(b.scale_down.as_ref()));
    let up = behavior.and_then(|b| per_direction(b.scale_up.as_ref()));
    super::calc::CalcConfig {
        tolerances: super::calc::Tolerances::for_hpa(tolerance, true, down, up),
        cpu_initialization_period,
        delay_of_initial_readiness_status: initial_readiness_delay,
        pod_level_resources: true,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    use super::*;

    #[test]
    fn label_selector_renders_like_the_go_generated_string() {
        let sel = LabelSelector {
            match_labels: Some(BTreeMap::from([("b".into(), "2".into()), ("a".into(), "1".into())])),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: Some(vec!["web".into(), "api".into()]),
            }]),
        };
        assert_eq!(
            selector_text(Some(&sel)).unwrap(),
            "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[web api],},},}"
        );
        assert_eq!(
            selector_text(Some(&LabelSelector::default())).unwrap(),
            "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}"
        );
        assert_eq!(selector_text(None), None);
    }

    fn container(name: &str, extra: &serde_json::Value) -> serde_json::Value {
        let mut c = serde_json::json!({"name": name, "image": "registry.example/web:1.2.3",
            "env": [{"name": "MODE", "value": "production"}],
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1"}}});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        c
    }

    fn rich_pod() -> core::Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "resourceVersion": "42",
                "labels": {"app": "web"}, "annotations": {"note": "x".repeat(500)},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d", "uid": "r"}],
                "managedFields": [{"manager": "kubelet", "operation": "Update"}]},
            "spec": {"nodeName": "node-1", "volumes": [{"name": "data", "emptyDir": {}}],
                "containers": [container("web", &serde_json::json!({})), container("log", &serde_json::json!({}))],
                "initContainers": [container("proxy", &serde_json::json!({"restartPolicy": "Always"}))],
                "resources": {"requests": {"cpu": "1"}}},
            "status": {"phase": "Running", "startTime": "2026-12-01T00:00:00Z", "podIP": "10.0.0.7",
                "conditions": [
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-12-01T00:00:00Z"},
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2026-12-01T00:00:30Z"}],
                "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "i", "imageID": "d"}]}
        }))
        .expect("a valid pod")
    }

    #[test]
    fn a_slim_pod_snapshots_exactly_like_the_full_pod() {
        let full = rich_pod();
        let mut slim = full.clone();
        slim_pod(&mut slim);
        assert_eq!(format!("{:?}", pod_snapshot(&slim)), format!("{:?}", pod_snapshot(&full)));
        assert!(pod_snapshot(&slim).is_ok());
    }

    #[test]
    fn a_slim_pod_keeps_identity_and_labels_and_drops_the_rest() {
        let full = rich_pod();
        let mut slim = full.clone();
        slim_pod(&mut slim);
        let text = serde_json::to_string(&slim).unwrap();
        for gone in
            ["production", "registry.example", "emptyDir", "podIP", "PodScheduled", "kubelet", "xxxxx"]
        {
            assert!(!text.contains(gone), "{gone} kept in {text}");
        }
        assert_eq!(slim.metadata.labels, full.metadata.labels);
        assert_eq!(slim.metadata.uid.as_deref(), Some("u-1"));
        assert_eq!(slim.metadata.resource_version.as_deref(), Some("42"));
        assert_eq!(slim.spec.as_ref().and_then(|s| s.node_name.as_deref()), Some("node-1"));
        assert!(text.len() * 2 < serde_json::to_string(&full).unwrap().len(), "{text}");
    }
}
