//! What the kubelets read from the store: the running containers of pods bound to their nodes, with
//! the workload each pod belongs to, its readiness, start times and limits.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use crate::sim::scenario::WORKLOAD_ANNOTATION;
use crate::sim::scenario::values::parse_quantity;

/// A running container as read from the store.
pub(super) struct Running<'a> {
    pub(super) namespace: &'a str,
    pub(super) pod: &'a str,
    pub(super) container: &'a str,
    pub(super) node: &'a str,
    pub(super) workload: (&'a str, &'a str),
    pub(super) ready: bool,
    pub(super) started_unix: f64,
    pub(super) memory_limit: Option<f64>,
    pub(super) cpu_limit: Option<f64>,
}

/// A quantity given as a string or a plain number.
fn quantity(value: &Value) -> Option<f64> {
    value.as_str().map_or_else(|| value.as_f64(), parse_quantity)
}

fn pod_workload(pod: &Value) -> (&str, &str) {
    let meta = &pod["metadata"];
    let namespace = meta["namespace"].as_str().unwrap_or_default();
    if let Some(name) = meta["annotations"][WORKLOAD_ANNOTATION].as_str() {
        return (namespace, name);
    }
    // Pods of a Deployment are owned by `<deployment>-<template-hash>` ReplicaSets.
    let owner = meta["ownerReferences"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["kind"] == "ReplicaSet"))
        .and_then(|r| r["name"].as_str())
        .and_then(|rs| rs.rsplit_once('-'))
        .map_or_else(|| meta["name"].as_str().unwrap_or_default(), |(d, _)| d);
    (namespace, owner)
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// The running containers of Running pods bound to one of `nodes`.
pub(super) fn running_containers<'a>(pods: &'a [Arc<Value>], nodes: &HashSet<&str>) -> Vec<Running<'a>> {
    let mut out = Vec::new();
    for pod in pods.iter().map(|p| &**p) {
        let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
        if pod["status"]["phase"] != "Running" || !nodes.contains(node) {
            continue;
        }
        let workload = pod_workload(pod);
        let ready = is_ready(pod);
        let statuses = pod["status"]["containerStatuses"].as_array();
        for container in pod["spec"]["containers"].as_array().into_iter().flatten() {
            let name = container["name"].as_str().unwrap_or_default();
            let started = statuses
                .and_then(|s| s.iter().find(|c| c["name"] == name))
                .and_then(|c| c["state"]["running"]["startedAt"].as_str())
                .and_then(|t| t.parse::<Timestamp>().ok());
            let Some(started) = started else { continue };
            out.push(Running {
                namespace: pod["metadata"]["namespace"].as_str().unwrap_or_default(),
                pod: pod["metadata"]["name"].as_str().unwrap_or_default(),
                container: name,
                node,
                workload,
                ready,
                started_unix: started.as_nanosecond() as f64 / 1e9,
                memory_limit: quantity(&container["resources"]["limits"]["memory"]),
                cpu_limit: quantity(&container["resources"]["limits"]["cpu"]).map(|cores| cores * 1000.0),
            });
        }
    }
    out
}
