//! The kubelet runtime on a virtual clock: counters, readiness split, restarts and OOM kills.

#![allow(clippy::float_cmp, reason = "exact values are the point of these tests")]

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};

use super::load::{LoadCurve, LoadModel};
use super::{Clock, Endpoint, Kubelets, WorkloadLoad};
use crate::sim::cluster::Cluster;
use crate::sim::nodes;
use crate::sim::store::{ResourceKey, UpdateScope};

/// 2026-01-01T00:00:00Z: scenario time 0 in these tests.
const T0: f64 = 1_767_225_600.0;
const MI: f64 = 1024.0 * 1024.0;

fn cluster_with_node() -> Arc<Cluster> {
    let cluster = Arc::new(Cluster::new(100));
    cluster.create(&ResourceKey::new("", "namespaces"), nodes::namespace("default"), false).unwrap();
    cluster.create(&ResourceKey::new("", "nodes"), nodes::node(1, "v1.35.0"), false).unwrap();
    cluster
}

fn kubelets(cluster: &Arc<Cluster>) -> Kubelets {
    let k = Kubelets::new(Arc::clone(cluster), Clock::starting_at(T0));
    k.register(Endpoint { node: "node-1".into(), addr: SocketAddr::from(([127, 0, 0, 1], 1)) });
    k
}

/// A Running pod of workload `web` on node-1 with one container started at `started`.
fn pod(name: &str, ready: bool, started: &str, memory_limit: Option<&str>) -> Value {
    let limits = memory_limit.map_or_else(|| json!({}), |m| json!({"memory": m}));
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "annotations": {"sim.bellows.dev/workload": "web"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "x", "resources": {"limits": limits}}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [{"name": "app", "restartCount": 0, "state": {"running": {"startedAt": started}}}],
        },
    })
}

fn create(cluster: &Cluster, obj: Value) {
    cluster.create(&ResourceKey::new("", "pods"), obj, false).unwrap();
}

fn web(model: LoadModel, rps: f64) -> WorkloadLoad {
    WorkloadLoad { model, curve: LoadCurve::constant(rps) }
}

fn container_cpu(k: &Kubelets, pod: &str) -> f64 {
    k.sample("node-1", 0).containers.iter().find(|c| c.pod == pod).map_or(f64::NAN, |c| c.cpu_seconds)
}

#[test]
fn counters_integrate_the_load_split_over_ready_pods() {
    let cluster = cluster_with_node();
    create(&cluster, pod("web-a", true, "2026-01-01T00:00:00Z", None));
    create(&cluster, pod("web-b", true, "2026-01-01T00:00:00Z", None));
    create(&cluster, pod("web-c", false, "2026-01-01T00:00:00Z", None));
    let k = kubelets(&cluster);
    let model = LoadModel {
        base_cpu: 100.0,
        cpu_per_request: 10.0,
        base_memory: 10.0 * MI,
        memory_per_request: MI,
        ..LoadModel::default()
    };
    k.set_workload("default", "web", web(model, 40.0));
    k.advance(10.0);
    // Ready pods: 100m + 10m × 20 rps = 300m for 10 s = 3 core-seconds; unready: 100m → 1.
    assert!((container_cpu(&k, "web-a") - 3.0).abs() < 1e-9);
    assert!((container_cpu(&k, "web-c") - 1.0).abs() < 1e-9);
    let sample = k.sample("node-1", 0);
    let a = sample.containers.iter().find(|c| c.pod == "web-a").unwrap();
    assert_eq!(a.memory_bytes, 30.0 * MI);
    assert_eq!(a.start_time_seconds, T0);
    // Node: 3 + 3 + 1 from pods + 0.1 core × 10 s of system CPU; memory: pods + system base.
    assert!((sample.cpu_seconds - 8.0).abs() < 1e-9);
    assert_eq!(sample.memory_bytes, (30.0 + 30.0 + 10.0) * MI + super::SYSTEM_MEMORY_BYTES);
}

#[test]
fn counters_are_monotonic_and_advancing_backwards_is_a_no_op() {
    let cluster = cluster_with_node();
    create(&cluster, pod("web-a", true, "2026-01-01T00:00:00Z", None));
    let k = kubelets(&cluster);
    let model = LoadModel { base_cpu: 50.0, cpu_per_request: 5.0, noise: 0.5, ..LoadModel::default() };
    k.set_workload(
        "default",
        "web",
        WorkloadLoad {
            model,
            curve: LoadCurve {
                segments: vec![super::load::Segment::Sine {
                    base: 20.0,
                    amplitude: 20.0,
                    period: 7.0,
                    start: 0.0,
                }],
            },
        },
    );
    let mut previous = 0.0;
    for step in 1..=60 {
        k.advance(f64::from(step) * 0.37);
        let now = container_cpu(&k, "web-a");
        assert!(now >= previous, "{now} < {previous} at step {step}");
        previous = now;
    }
    k.advance(1.0);
    assert_eq!(container_cpu(&k, "web-a"), previous);
}

#[test]
fn a_restart_resets_the_container_counter_but_not_the_node_counter() {
    let cluster = cluster_with_node();
    create(&cluster, pod("web-a", true, "2026-01-01T00:00:00Z", None));
    let k = kubelets(&cluster);
    k.set_workload("default", "web", web(LoadModel { base_cpu: 1000.0, ..LoadModel::default() }, 0.0));
    k.advance(20.0);
    let node_before = k.sample("node-1", 0).cpu_seconds;
    let pods = ResourceKey::new("", "pods");
    let mut obj = cluster.get(&pods, "default", "web-a").unwrap();
    obj["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] = json!("2026-01-01T00:00:15Z");
    cluster.update(&pods, obj, UpdateScope::Status, false).unwrap();
    k.advance(25.0);
    // Restarted at 15 s: 10 s of 1 core since then.
    assert!((container_cpu(&k, "web-a") - 10.0).abs() < 1e-9);
    assert!(k.sample("node-1", 0).cpu_seconds > node_before);
}

#[test]
fn memory_over_the_limit_is_oom_killed_with_a_restart_and_a_node_event() {
    let cluster = cluster_with_node();
    create(&cluster, pod("web-a", true, "2026-01-01T00:00:00Z", Some("64Mi")));
    let k = kubelets(&cluster);
    let model = LoadModel { base_memory: 32.0 * MI, memory_per_request: MI, ..LoadModel::default() };
    k.set_workload("default", "web", web(model.clone(), 10.0));
    k.advance(5.0);
    let pods = ResourceKey::new("", "pods");
    assert_eq!(
        cluster.get(&pods, "default", "web-a").unwrap()["status"]["containerStatuses"][0]["restartCount"],
        0
    );
    k.set_workload("default", "web", web(model, 40.0));
    k.advance(6.0);
    let status = cluster.get(&pods, "default", "web-a").unwrap()["status"]["containerStatuses"][0].clone();
    assert_eq!(status["restartCount"], 1);
    assert_eq!(status["lastState"]["terminated"]["reason"], "OOMKilled");
    assert_eq!(status["state"]["running"]["startedAt"], "2026-01-01T00:00:06Z");
    let (events, _) = cluster.list(&ResourceKey::new("", "events"), Some("default"));
    let oom: Vec<&Value> = events.iter().filter(|e| e["reason"] == "OOMKilling").collect();
    assert_eq!(oom.len(), 1);
    assert_eq!(oom[0]["involvedObject"]["name"], "node-1");
    // Back-off: still over the limit 5 s later, but no second kill until 10 s after the first.
    k.advance(11.0);
    assert_eq!(
        cluster.get(&pods, "default", "web-a").unwrap()["status"]["containerStatuses"][0]["restartCount"],
        1
    );
    k.advance(16.5);
    assert_eq!(
        cluster.get(&pods, "default", "web-a").unwrap()["status"]["containerStatuses"][0]["restartCount"],
        2
    );
}

#[test]
fn pods_that_are_not_running_on_a_kubelet_node_are_not_reported() {
    let cluster = cluster_with_node();
    let mut pending = pod("web-p", false, "2026-01-01T00:00:00Z", None);
    pending["status"]["phase"] = json!("Pending");
    create(&cluster, pending);
    let mut elsewhere = pod("web-e", true, "2026-01-01T00:00:00Z", None);
    elsewhere["spec"]["nodeName"] = json!("node-9");
    create(&cluster, elsewhere);
    let k = kubelets(&cluster);
    k.advance(3.0);
    assert!(k.sample("node-1", 0).containers.is_empty());
}

#[test]
fn a_scrape_during_another_advance_reports_the_last_one_instead_of_waiting() {
    let cluster = cluster_with_node();
    create(&cluster, pod("web-a", true, "2026-01-01T00:00:00Z", None));
    let k = kubelets(&cluster);
    k.set_workload("default", "web", web(LoadModel { base_cpu: 100.0, ..LoadModel::default() }, 0.0));
    k.advance(10.0);
    let before = container_cpu(&k, "web-a");
    assert!(before > 0.0);
    {
        // Another thread's advance is under way: the model is stale but not advanced again here.
        let _advancing = k.advancing.lock().unwrap();
        k.advance_if_stale(20.0, 0.0);
        assert_eq!(container_cpu(&k, "web-a"), before);
    }
    k.advance_if_stale(20.0, 0.0);
    assert!(container_cpu(&k, "web-a") > before, "advanced once the other advance is done");
}
