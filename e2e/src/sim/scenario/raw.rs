//! The scenario file exactly as written (serde shapes with camelCase keys and no unknown fields);
//! [`super::parse`] validates it and resolves it into a [`super::Scenario`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::values::{Bytes, Millicores, QuantityText, Seconds};

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawScenario {
    #[serde(default)]
    pub nodes: RawNodes,
    #[serde(default)]
    pub workloads: Vec<RawWorkload>,
    #[serde(default)]
    pub load: BTreeMap<String, Vec<RawSegment>>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawNodes {
    pub count: Option<usize>,
    pub cpu: Option<QuantityText>,
    pub memory: Option<QuantityText>,
    pub pods: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawResources {
    pub cpu: Option<QuantityText>,
    pub memory: Option<QuantityText>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawBurst {
    pub millicores: Millicores,
    pub duration: Seconds,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawWorkload {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub deployment: Option<Value>,
    pub replicas: Option<u32>,
    pub image: Option<String>,
    pub requests: Option<RawResources>,
    pub limits: Option<RawResources>,
    pub readiness_delay: Option<Seconds>,
    pub cpu_per_request: Option<f64>,
    pub base_cpu: Option<Millicores>,
    pub base_memory: Option<Bytes>,
    pub memory_per_request: Option<Bytes>,
    pub startup_cpu_burst: Option<RawBurst>,
    pub noise: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) enum RawSegment {
    Step {
        #[serde(default)]
        at: Seconds,
        rps: f64,
    },
    Ramp {
        from: f64,
        to: f64,
        start: Seconds,
        end: Seconds,
    },
    Sine {
        base: f64,
        amplitude: f64,
        period: Seconds,
        #[serde(default)]
        start: Seconds,
    },
    Csv {
        file: Option<String>,
        data: Option<String>,
        points: Option<Vec<(Seconds, f64)>>,
    },
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(super) enum RawFaultKind {
    Down,
    Slow,
    Garbage,
    Zero,
}

/// A `faults:` entry: a kubelet fault (`node` + `kind`) or an API fault (`api`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawFault {
    pub node: Option<String>,
    pub kind: Option<RawFaultKind>,
    pub api: Option<RawApiFault>,
    #[serde(default)]
    pub from: Seconds,
    pub to: Option<Seconds>,
    pub delay: Option<Seconds>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(super) enum RawApiError {
    InternalError,
    TooManyRequests,
    ServiceUnavailable,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawApiFault {
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub error_rate: Option<f64>,
    pub error: Option<RawApiError>,
    pub retry_after: Option<Seconds>,
    pub latency: Option<Seconds>,
    pub jitter: Option<Seconds>,
    pub drop_watches_every: Option<Seconds>,
    #[serde(default)]
    pub seed: u64,
}
