//! The generated HPA controller deployment: least-privilege RBAC, leader election wiring, and no
//! drift from the committed YAML.

use serde_json::{Value, json};

use super::tests::find;
use super::*;

/// The committed file; `bellows manifests hpa > manifests/hpa/bellows-hpa.yaml` updates it.
const COMMITTED: &str = include_str!("../../manifests/hpa/bellows-hpa.yaml");

fn objects() -> Vec<Value> {
    hpa_manifests(&ManifestOptions::default())
}

#[test]
fn committed_hpa_yaml_matches_the_generator() {
    let generated = manifests_yaml(Component::Hpa).expect("the manifests render");
    assert!(
        generated == COMMITTED,
        "manifests/hpa is stale: regenerate it with `bellows manifests hpa > manifests/hpa/bellows-hpa.yaml`"
    );
}

#[test]
fn the_hpa_set_is_identity_then_rbac_then_the_deployment() {
    let kinds: Vec<String> = objects()
        .iter()
        .map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount/bellows-hpa",
            "ClusterRole/system:bellows-hpa",
            "ClusterRoleBinding/system:bellows-hpa",
            "Role/bellows-hpa-leader-election",
            "RoleBinding/bellows-hpa-leader-election",
            "Deployment/bellows-hpa",
        ]
    );
}

#[test]
fn the_cluster_role_grants_only_what_the_controller_calls() {
    let objects = objects();
    let rules = &find(&objects, "ClusterRole", "system:bellows-hpa")["rules"];
    assert_eq!(
        *rules,
        json!([
            {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["get", "list", "watch", "patch"]},
            {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers/status"], "verbs": ["patch"]},
            {"apiGroups": ["autoscaling.bellows.dev"], "resources": ["autoscalingpolicies"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["autoscaling.bellows.dev"], "resources": ["autoscalingpolicies/status"], "verbs": ["patch"]},
            {"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["get", "update"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]},
            {"apiGroups": ["metrics.k8s.io"], "resources": ["pods"], "verbs": ["list"]},
            {"apiGroups": ["custom.metrics.k8s.io"], "resources": ["*"], "verbs": ["get", "list"]},
            {"apiGroups": ["external.metrics.k8s.io"], "resources": ["*"], "verbs": ["get", "list"]},
            {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]}
        ])
    );
    let nothing_cluster_wide_writes_workloads = rules
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["verbs"].as_array().unwrap().iter().all(|v| v != "delete" && v != "*"));
    assert!(nothing_cluster_wide_writes_workloads);
    let subject = json!([{"kind": "ServiceAccount", "name": "bellows-hpa", "namespace": "kube-system"}]);
    let binding = find(&objects, "ClusterRoleBinding", "system:bellows-hpa");
    assert_eq!(binding["roleRef"]["name"], "system:bellows-hpa");
    assert_eq!(binding["subjects"], subject);
}

#[test]
fn the_lease_role_is_namespaced_next_to_the_controller() {
    let objects = objects();
    let role = find(&objects, "Role", "bellows-hpa-leader-election");
    assert_eq!(role["metadata"]["namespace"], "kube-system");
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "patch"]}])
    );
    let binding = find(&objects, "RoleBinding", "bellows-hpa-leader-election");
    assert_eq!(
        binding["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bellows-hpa-leader-election"})
    );
}

#[test]
fn two_hardened_replicas_elect_a_leader_named_after_their_pod() {
    let objects = objects();
    let spec = &find(&objects, "Deployment", "bellows-hpa")["spec"];
    assert_eq!(spec["replicas"], 2);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "bellows-hpa");
    let c = &pod["containers"][0];
    assert_eq!(
        c["args"],
        json!(["run", "--components=hpa", "--leader-elect", "--health-probe-bind-address=0.0.0.0:8081"])
    );
    assert_eq!(c["ports"], json!([{"containerPort": 8081, "name": "health", "protocol": "TCP"}]));
    for (probe, path) in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")] {
        assert_eq!(
            c[probe],
            json!({"failureThreshold": 3, "httpGet": {"path": path, "port": "health", "scheme": "HTTP"}, "periodSeconds": 10})
        );
    }
    assert_eq!(
        c["env"],
        json!([
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
        ])
    );
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["capabilities"], json!({"drop": ["ALL"]}));
    assert_eq!(c["resources"], json!({"requests": {"cpu": "50m", "memory": "64Mi"}}));
}

#[test]
fn the_hpa_pods_are_not_selected_by_the_metrics_service() {
    let hpa = objects();
    let metrics = metrics_manifests(&ManifestOptions::default());
    let hpa_labels = &find(&hpa, "Deployment", "bellows-hpa")["spec"]["template"]["metadata"]["labels"];
    let service_selector = find(&metrics, "Service", "bellows")["spec"]["selector"].as_object().unwrap();
    let selected = service_selector.iter().all(|(k, v)| &hpa_labels[k] == v);
    assert!(!selected, "{hpa_labels} would receive metrics API traffic");
}
