//! The RBAC objects kube-apiserver creates at start (`bootstrappolicy`), reduced to what the sim's
//! users need: `cluster-admin` (bound to `system:masters`), `system:discovery`,
//! `system:basic-user` and `system:public-info-viewer` (bound to `system:authenticated`), the
//! aggregated `admin`/`edit`/`view` roles with their `system:aggregate-to-*` parts,
//! `system:auth-delegator`, and the kube-system Role `extension-apiserver-authentication-reader`.
//!
//! Every object carries the label `kubernetes.io/bootstrapping: rbac-defaults` as upstream.
//! The aggregate-to-* rule lists are abbreviated to the resources the sim serves.

use serde_json::{Value, json};

use super::rbac::GROUP;
use crate::sim::cluster::Cluster;
use crate::sim::status::ApiError;
use crate::sim::store::ResourceKey;

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn urls(paths: &[&str], verbs: &[&str]) -> Value {
    json!({"nonResourceURLs": paths, "verbs": verbs})
}

fn meta(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut l = serde_json::Map::new();
    l.insert("kubernetes.io/bootstrapping".into(), json!("rbac-defaults"));
    for (k, v) in labels {
        l.insert((*k).into(), json!(v));
    }
    json!({"name": name, "labels": l, "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}})
}

fn cluster_role(name: &str, labels: &[(&str, &str)], rules: &[Value]) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(name, labels), "rules": rules})
}

fn aggregated(name: &str, labels: &[(&str, &str)], selector_label: &str) -> Value {
    let mut role = cluster_role(name, labels, &[]);
    role["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {selector_label: "true"}}]});
    role
}

fn binding(name: &str, role: &str, group: &str) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta(name, &[]),
           "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
           "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": group}]})
}

const AGG: &str = "rbac.authorization.k8s.io/aggregate-to-";

/// Resources `view` reads (abbreviated upstream list).
fn viewable() -> Vec<Value> {
    vec![
        rule(
            &[""],
            &[
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "pods",
                "pods/log",
                "pods/status",
                "replicationcontrollers",
                "services",
                "services/status",
                "serviceaccounts",
                "events",
                "namespaces",
                "namespaces/status",
                "limitranges",
                "resourcequotas",
                "bindings",
            ],
            READ,
        ),
        rule(
            &["apps"],
            &[
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
                "daemonsets",
                "controllerrevisions",
            ],
            READ,
        ),
        rule(&["autoscaling"], &["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ),
        rule(&["batch"], &["jobs", "cronjobs"], READ),
        rule(&["policy"], &["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
        rule(&["discovery.k8s.io"], &["endpointslices"], READ),
        rule(&["events.k8s.io"], &["events"], READ),
    ]
}

fn editable() -> Vec<Value> {
    vec![
        rule(
            &[""],
            &["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"],
            READ,
        ),
        rule(&[""], &["serviceaccounts"], &["impersonate"]),
        rule(
            &[""],
            &[
                "pods",
                "pods/eviction",
                "pods/resize",
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ],
            WRITE,
        ),
        rule(&[""], &["serviceaccounts/token"], &["create"]),
        rule(
            &["apps"],
            &[
                "deployments",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
            ],
            WRITE,
        ),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
        rule(&["batch"], &["jobs", "cronjobs"], WRITE),
        rule(&["policy"], &["poddisruptionbudgets"], WRITE),
        rule(&["discovery.k8s.io"], &["endpointslices"], WRITE),
        rule(
            &["coordination.k8s.io"],
            &["leases"],
            &["get", "list", "watch", "create", "delete", "deletecollection", "patch", "update"],
        ),
    ]
}

/// The bootstrap `ClusterRoles`, `ClusterRoleBindings` and Roles.
pub fn objects() -> Vec<(ResourceKey, Value)> {
    let cr = ResourceKey::new(GROUP, "clusterroles");
    let crb = ResourceKey::new(GROUP, "clusterrolebindings");
    let discovery_urls = [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
    ];
    let public_urls = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
    let to = |target: &str| format!("{AGG}{target}");
    let (to_admin, to_edit, to_view) = (to("admin"), to("edit"), to("view"));
    let mut out = vec![
        (
            cr.clone(),
            cluster_role("cluster-admin", &[], &[rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])]),
        ),
        (cr.clone(), cluster_role("system:discovery", &[], &[urls(&discovery_urls, &["get"])])),
        (cr.clone(), cluster_role("system:public-info-viewer", &[], &[urls(&public_urls, &["get"])])),
        (
            cr.clone(),
            cluster_role(
                "system:basic-user",
                &[],
                &[
                    rule(
                        &["authorization.k8s.io"],
                        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                        &["create"],
                    ),
                    rule(&["authentication.k8s.io"], &["selfsubjectreviews"], &["create"]),
                ],
            ),
        ),
        (
            cr.clone(),
            cluster_role(
                "system:auth-delegator",
                &[],
                &[
                    rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                    rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
                ],
            ),
        ),
        (cr.clone(), aggregated("admin", &[], &to_admin)),
        (cr.clone(), aggregated("edit", &[(&to_admin, "true")], &to_edit)),
        (cr.clone(), aggregated("view", &[(&to_edit, "true")], &to_view)),
        (cr.clone(), cluster_role("system:aggregate-to-view", &[(&to_view, "true")], &viewable())),
        (cr.clone(), cluster_role("system:aggregate-to-edit", &[(&to_edit, "true")], &editable())),
        (
            cr.clone(),
            cluster_role(
                "system:aggregate-to-admin",
                &[(&to_admin, "true")],
                &[
                    rule(&["authorization.k8s.io"], &["localsubjectaccessreviews"], &["create"]),
                    rule(
                        &[GROUP],
                        &["rolebindings", "roles"],
                        &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    ),
                ],
            ),
        ),
        (crb.clone(), binding("cluster-admin", "cluster-admin", super::MASTERS)),
        (crb.clone(), binding("system:discovery", "system:discovery", super::AUTHENTICATED)),
        (crb.clone(), binding("system:basic-user", "system:basic-user", super::AUTHENTICATED)),
        (crb, binding("system:public-info-viewer", "system:public-info-viewer", super::AUTHENTICATED)),
    ];
    let mut reader = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": meta("extension-apiserver-authentication-reader", &[]),
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["extension-apiserver-authentication"], "verbs": READ}]});
    reader["metadata"]["namespace"] = json!("kube-system");
    out.push((ResourceKey::new(GROUP, "roles"), reader));
    out
}

/// Create the signing key and the bootstrap RBAC objects (those that already exist are kept).
pub fn seed(cluster: &Cluster) -> Result<(), ApiError> {
    super::token::ensure_signing_key(cluster)?;
    for (key, obj) in objects() {
        match cluster.create(&key, obj, false) {
            Ok(_) => {}
            Err(e) if e.reason == "AlreadyExists" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
