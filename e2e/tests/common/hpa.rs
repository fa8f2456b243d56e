//! HPA fixtures and read-backs for end-to-end tests of bellows' HPA controller on bellows-sim: an
//! `autoscaling/v2` object builder, the scale target's replica count, status conditions and the
//! events bellows wrote (`events.k8s.io/v1`, the API bellows' recorder uses).

use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::store::ResourceKey;
use serde_json::{Value, json};

/// An `autoscaling/v2` `HorizontalPodAutoscaler` in namespace `default` on a Deployment, with one
/// CPU Utilization metric; build with [`HpaBuilder::new`] and the `with_*` methods.
#[derive(Debug, Clone)]
pub struct HpaBuilder {
    name: String,
    target: String,
    min: i64,
    max: i64,
    cpu_utilization: i64,
    scale_down_window: Option<u64>,
    managed_fields: Option<Value>,
}

impl HpaBuilder {
    /// HPA `name` on Deployment `target`: min 2, max 10, CPU at 30 % of requests, no `behavior`.
    pub fn new(name: &str, target: &str) -> Self {
        Self {
            name: name.to_owned(),
            target: target.to_owned(),
            min: 2,
            max: 10,
            cpu_utilization: 30,
            scale_down_window: None,
            managed_fields: None,
        }
    }

    /// `minReplicas` and `maxReplicas`.
    pub fn with_range(mut self, min: i64, max: i64) -> Self {
        self.min = min;
        self.max = max;
        self
    }

    /// The CPU `averageUtilization` target, in percent of requests.
    pub fn with_cpu_utilization(mut self, percent: i64) -> Self {
        self.cpu_utilization = percent;
        self
    }

    /// `behavior.scaleDown.stabilizationWindowSeconds` (other behavior fields default).
    pub fn with_scale_down_window(mut self, seconds: u64) -> Self {
        self.scale_down_window = Some(seconds);
        self
    }

    /// `metadata.managedFields` as stored (tests that simulate another status writer).
    pub fn with_managed_fields(mut self, entries: Value) -> Self {
        self.managed_fields = Some(entries);
        self
    }

    /// The object.
    pub fn build(&self) -> Value {
        let mut hpa = json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": self.name, "namespace": "default"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.target},
                "minReplicas": self.min, "maxReplicas": self.max,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": self.cpu_utilization}}}],
            },
        });
        if let Some(window) = self.scale_down_window {
            hpa["spec"]["behavior"] = json!({"scaleDown": {"stabilizationWindowSeconds": window}});
        }
        if let Some(fields) = &self.managed_fields {
            hpa["metadata"]["managedFields"] = fields.clone();
        }
        hpa
    }

    /// Creates the object in the sim.
    pub fn create(&self, sim: &SimHandle) -> Value {
        sim.create("autoscaling", "horizontalpodautoscalers", self.build()).expect("creating the HPA")
    }
}

/// `spec.replicas` of Deployment `default/name`.
pub fn replicas(sim: &SimHandle, name: &str) -> Option<i64> {
    sim.get("apps", "deployments", "default", name).and_then(|d| d["spec"]["replicas"].as_i64())
}

/// HPA `default/name` as stored.
pub fn hpa(sim: &SimHandle, name: &str) -> Option<Value> {
    sim.get("autoscaling", "horizontalpodautoscalers", "default", name)
}

/// One status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `True` / `False`.
    pub status: String,
    /// `reason`.
    pub reason: String,
    /// `message`.
    pub message: String,
}

/// The condition of type `kind` in the HPA's status.
pub fn condition(hpa: &Value, kind: &str) -> Option<Condition> {
    let c = hpa["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == kind)?;
    Some(Condition {
        status: c["status"].as_str()?.to_owned(),
        reason: c["reason"].as_str()?.to_owned(),
        message: c["message"].as_str()?.to_owned(),
    })
}

/// One `events.k8s.io/v1` Event about an HPA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaEvent {
    /// `Normal` / `Warning`.
    pub kind: String,
    /// `reason`.
    pub reason: String,
    /// `note`.
    pub note: String,
}

/// The `events.k8s.io/v1` Events in `default` regarding HPA `name`, in store order (repeats are
/// aggregated into one Event with a `series` by bellows' recorder).
pub fn events(sim: &SimHandle, name: &str) -> Vec<HpaEvent> {
    let (list, _) = sim.cluster().list(&ResourceKey::new("events.k8s.io", "events"), Some("default"));
    list.iter()
        .filter(|e| e["regarding"]["kind"] == "HorizontalPodAutoscaler" && e["regarding"]["name"] == name)
        .map(|e| HpaEvent {
            kind: e["type"].as_str().unwrap_or_default().to_owned(),
            reason: e["reason"].as_str().unwrap_or_default().to_owned(),
            note: e["note"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The notes of the events with `reason` about HPA `name`.
pub fn notes(sim: &SimHandle, name: &str, reason: &str) -> Vec<String> {
    events(sim, name).into_iter().filter(|e| e.reason == reason).map(|e| e.note).collect()
}
