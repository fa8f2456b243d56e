//! The built-in resources of the simulated cluster and their Table printers.
//!
//! Each entry mirrors kube-apiserver 1.35 discovery (group, version, kind, short names, `all`
//! category, subresources) and the columns of its Go table printer
//! (`pkg/printers/internalversion/printers.go`), computed from the JSON object. Columns the sim
//! cannot fill meaningfully print what kubectl prints for an empty value (`<none>`).

use serde_json::{Value, json};

use super::resources::{PrinterColumn, ResourceInfo};
use super::selector::label_selector_string;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn or_none(v: &str) -> Value {
    json!(if v.is_empty() { "<none>" } else { v })
}

fn arr(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn col(name: &str, f: fn(&Value) -> Value) -> PrinterColumn {
    PrinterColumn::builtin(name, "string", 0, f)
}

fn icol(name: &str, f: fn(&Value) -> Value) -> PrinterColumn {
    PrinterColumn::builtin(name, "integer", 0, f)
}

fn wide(name: &str, f: fn(&Value) -> Value) -> PrinterColumn {
    PrinterColumn::builtin(name, "string", 1, f)
}

fn pod_ready(p: &Value) -> Value {
    let total = arr(&p["spec"]["containers"]).count();
    let ready = arr(&p["status"]["containerStatuses"]).filter(|c| c["ready"].as_bool() == Some(true)).count();
    json!(format!("{ready}/{total}"))
}

fn pod_status(p: &Value) -> Value {
    if p["metadata"]["deletionTimestamp"].is_string() {
        return json!("Terminating");
    }
    for c in arr(&p["status"]["containerStatuses"]) {
        let reason = s(&c["state"]["waiting"]["reason"]);
        if !reason.is_empty() {
            return json!(reason);
        }
    }
    let reason = s(&p["status"]["reason"]);
    if !reason.is_empty() {
        return json!(reason);
    }
    let phase = s(&p["status"]["phase"]);
    json!(if phase.is_empty() { "Pending" } else { phase })
}

fn pod_restarts(p: &Value) -> Value {
    json!(arr(&p["status"]["containerStatuses"]).map(|c| int(&c["restartCount"])).sum::<i64>())
}

fn node_status(n: &Value) -> Value {
    let ready = arr(&n["status"]["conditions"]).find(|c| c["type"] == "Ready");
    let mut status = match ready.map(|c| s(&c["status"])) {
        Some("True") => "Ready".to_owned(),
        Some("False") => "NotReady".to_owned(),
        _ => "Unknown".to_owned(),
    };
    if n["spec"]["unschedulable"].as_bool() == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    json!(status)
}

fn node_roles(n: &Value) -> Value {
    let mut roles: Vec<&str> = n["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort_unstable();
    or_none(&roles.join(","))
}

fn node_address(n: &Value, kind: &str) -> Value {
    or_none(arr(&n["status"]["addresses"]).find(|a| a["type"] == kind).map_or("", |a| s(&a["address"])))
}

fn containers(o: &Value) -> Value {
    let names: Vec<&str> = arr(&o["spec"]["template"]["spec"]["containers"]).map(|c| s(&c["name"])).collect();
    json!(names.join(","))
}

fn images(o: &Value) -> Value {
    let names: Vec<&str> =
        arr(&o["spec"]["template"]["spec"]["containers"]).map(|c| s(&c["image"])).collect();
    json!(names.join(","))
}

fn selector(o: &Value) -> Value {
    or_none(&label_selector_string(&o["spec"]["selector"]))
}

fn service_ports(svc: &Value) -> Value {
    let ports: Vec<String> = arr(&svc["spec"]["ports"])
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(np) => format!("{}:{np}/{proto}", int(&p["port"])),
                None => format!("{}/{proto}", int(&p["port"])),
            }
        })
        .collect();
    or_none(&ports.join(","))
}

fn map_selector(svc: &Value) -> Value {
    let mut pairs: Vec<String> = svc["spec"]["selector"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", s(v)))
        .collect();
    pairs.sort();
    or_none(&pairs.join(","))
}

fn data_count(o: &Value) -> Value {
    let n = |k: &str| o[k].as_object().map_or(0, serde_json::Map::len);
    json!(n("data") + n("binaryData"))
}

/// An HPA in the v2 shape whichever version it is served at (the columns read v2 fields).
fn hpa_v2(h: &Value) -> std::borrow::Cow<'_, Value> {
    if h["apiVersion"] == "autoscaling/v1" {
        std::borrow::Cow::Owned(super::views::hpa::v1_to_v2(h.clone()))
    } else {
        std::borrow::Cow::Borrowed(h)
    }
}

fn hpa_reference(h: &Value) -> Value {
    let r = &h["spec"]["scaleTargetRef"];
    json!(format!("{}/{}", s(&r["kind"]), s(&r["name"])))
}

fn hpa_targets(h: &Value) -> Value {
    let h = &*hpa_v2(h);
    let targets: Vec<String> = arr(&h["spec"]["metrics"])
        .map(|m| {
            let resource = &m["resource"];
            let target = &resource["target"];
            let current = arr(&h["status"]["currentMetrics"])
                .find(|c| c["resource"]["name"] == resource["name"])
                .map(|c| &c["resource"]["current"]);
            match target["averageUtilization"].as_i64() {
                Some(t) => {
                    let cur = current
                        .and_then(|c| c["averageUtilization"].as_i64())
                        .map_or_else(|| "<unknown>".to_owned(), |c| format!("{c}%"));
                    format!("{}: {cur}/{t}%", s(&resource["name"]))
                }
                None => "<unknown>/<unknown>".to_owned(),
            }
        })
        .collect();
    or_none(&targets.join(", "))
}

fn rbac_role(b: &Value) -> Value {
    json!(format!("{}/{}", s(&b["roleRef"]["kind"]), s(&b["roleRef"]["name"])))
}

fn created_at(o: &Value) -> Value {
    o["metadata"]["creationTimestamp"].clone()
}

/// Every built-in resource, in discovery order.
pub fn builtins() -> Vec<ResourceInfo> {
    let age = PrinterColumn::age;
    let created = || vec![PrinterColumn::builtin("Created At", "date", 0, created_at)];
    vec![
        ResourceInfo::new("", "v1", "Namespace", "namespaces", false)
            .short(&["ns"])
            .with_status()
            .columns(vec![col("Status", |n| n["status"]["phase"].clone()), age()]),
        ResourceInfo::new("", "v1", "Node", "nodes", false).short(&["no"]).with_status().columns(vec![
            col("Status", node_status),
            col("Roles", node_roles),
            age(),
            col("Version", |n| n["status"]["nodeInfo"]["kubeletVersion"].clone()),
            wide("Internal-IP", |n| node_address(n, "InternalIP")),
            wide("External-IP", |n| node_address(n, "ExternalIP")),
            wide("OS-Image", |n| or_none(s(&n["status"]["nodeInfo"]["osImage"]))),
            wide("Kernel-Version", |n| or_none(s(&n["status"]["nodeInfo"]["kernelVersion"]))),
            wide("Container-Runtime", |n| or_none(s(&n["status"]["nodeInfo"]["containerRuntimeVersion"]))),
        ]),
        ResourceInfo::new("", "v1", "Pod", "pods", true).short(&["po"]).in_all().with_status().columns(vec![
            col("Ready", pod_ready),
            col("Status", pod_status),
            icol("Restarts", pod_restarts),
            age(),
            wide("IP", |p| or_none(s(&p["status"]["podIP"]))),
            wide("Node", |p| or_none(s(&p["spec"]["nodeName"]))),
            wide("Nominated Node", |p| or_none(s(&p["status"]["nominatedNodeName"]))),
            wide("Readiness Gates", |_| json!("<none>")),
        ]),
        ResourceInfo::new("", "v1", "Service", "services", true)
            .short(&["svc"])
            .in_all()
            .with_status()
            .columns(vec![
                col("Type", |v| json!(v["spec"]["type"].as_str().unwrap_or("ClusterIP"))),
                col("Cluster-IP", |v| or_none(s(&v["spec"]["clusterIP"]))),
                col("External-IP", |_| json!("<none>")),
                col("Port(s)", service_ports),
                age(),
                wide("Selector", map_selector),
            ]),
        ResourceInfo::new("", "v1", "Endpoints", "endpoints", true).short(&["ep"]).columns(vec![
            col("Endpoints", |e| {
                let ips: Vec<&str> =
                    arr(&e["subsets"]).flat_map(|ss| arr(&ss["addresses"])).map(|a| s(&a["ip"])).collect();
                or_none(&ips.join(","))
            }),
            age(),
        ]),
        ResourceInfo::new("", "v1", "ConfigMap", "configmaps", true)
            .short(&["cm"])
            .columns(vec![icol("Data", data_count), age()]),
        ResourceInfo::new("", "v1", "Secret", "secrets", true).columns(vec![
            col("Type", |v| v["type"].clone()),
            icol("Data", data_count),
            age(),
        ]),
        ResourceInfo::new("", "v1", "ServiceAccount", "serviceaccounts", true)
            .short(&["sa"])
            .columns(vec![icol("Secrets", |v| json!(arr(&v["secrets"]).count())), age()]),
        ResourceInfo::new("", "v1", "Event", "events", true).short(&["ev"]).columns(vec![
            col("Last Seen", |e| e["lastTimestamp"].clone()),
            col("Type", |e| e["type"].clone()),
            col("Reason", |e| e["reason"].clone()),
            col("Object", |e| {
                let o = &e["involvedObject"];
                json!(format!("{}/{}", s(&o["kind"]).to_lowercase(), s(&o["name"])))
            }),
            col("Message", |e| e["message"].clone()),
        ]),
        ResourceInfo::new("coordination.k8s.io", "v1", "Lease", "leases", true)
            .columns(vec![col("Holder", |l| or_none(s(&l["spec"]["holderIdentity"]))), age()]),
        ResourceInfo::new("apps", "v1", "Deployment", "deployments", true)
            .short(&["deploy"])
            .in_all()
            .with_status()
            .with_scale()
            .columns(vec![
                col("Ready", |d| {
                    json!(format!(
                        "{}/{}",
                        int(&d["status"]["readyReplicas"]),
                        d["spec"]["replicas"].as_i64().unwrap_or(1)
                    ))
                }),
                icol("Up-to-date", |d| json!(int(&d["status"]["updatedReplicas"]))),
                icol("Available", |d| json!(int(&d["status"]["availableReplicas"]))),
                age(),
                wide("Containers", containers),
                wide("Images", images),
                wide("Selector", selector),
            ]),
        ResourceInfo::new("apps", "v1", "ReplicaSet", "replicasets", true)
            .short(&["rs"])
            .in_all()
            .with_status()
            .with_scale()
            .columns(vec![
                icol("Desired", |r| json!(r["spec"]["replicas"].as_i64().unwrap_or(1))),
                icol("Current", |r| json!(int(&r["status"]["replicas"]))),
                icol("Ready", |r| json!(int(&r["status"]["readyReplicas"]))),
                age(),
                wide("Containers", containers),
                wide("Images", images),
                wide("Selector", selector),
            ]),
        ResourceInfo::new("apps", "v1", "StatefulSet", "statefulsets", true)
            .short(&["sts"])
            .in_all()
            .with_status()
            .with_scale()
            .columns(vec![
                col("Ready", |d| {
                    json!(format!(
                        "{}/{}",
                        int(&d["status"]["readyReplicas"]),
                        d["spec"]["replicas"].as_i64().unwrap_or(1)
                    ))
                }),
                age(),
                wide("Containers", containers),
                wide("Images", images),
            ]),
        // v1 is a view of the stored v2 objects (see crate::sim::views::hpa).
        ResourceInfo::new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true)
            .also_versions(&["v1"])
            .short(&["hpa"])
            .in_all()
            .with_status()
            .columns(vec![
                col("Reference", hpa_reference),
                col("Targets", hpa_targets),
                icol("MinPods", |h| json!(h["spec"]["minReplicas"].as_i64().unwrap_or(1))),
                icol("MaxPods", |h| json!(int(&h["spec"]["maxReplicas"]))),
                icol("Replicas", |h| json!(int(&h["status"]["currentReplicas"]))),
                age(),
            ]),
        ResourceInfo::new("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true)
            .short(&["pdb"])
            .with_status()
            .columns(vec![
                col("Min Available", |p| or_na(&p["spec"]["minAvailable"])),
                col("Max Unavailable", |p| or_na(&p["spec"]["maxUnavailable"])),
                icol("Allowed Disruptions", |p| json!(int(&p["status"]["disruptionsAllowed"]))),
                age(),
            ]),
        ResourceInfo::new(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
        )
        .short(&["crd", "crds"])
        .with_status()
        .columns(created()),
        ResourceInfo::new("apiregistration.k8s.io", "v1", "APIService", "apiservices", false)
            .with_status()
            .columns(vec![
                col("Service", |a| {
                    let svc = &a["spec"]["service"];
                    json!(if svc.is_object() {
                        format!("{}/{}", s(&svc["namespace"]), s(&svc["name"]))
                    } else {
                        "Local".into()
                    })
                }),
                col("Available", |a| {
                    let c = arr(&a["status"]["conditions"]).find(|c| c["type"] == "Available");
                    json!(c.map_or("Unknown", |c| s(&c["status"])))
                }),
                age(),
            ]),
        ResourceInfo::new(
            "admissionregistration.k8s.io",
            "v1",
            "MutatingWebhookConfiguration",
            "mutatingwebhookconfigurations",
            false,
        )
        .columns(vec![icol("Webhooks", |w| json!(arr(&w["webhooks"]).count())), age()]),
        ResourceInfo::new(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingWebhookConfiguration",
            "validatingwebhookconfigurations",
            false,
        )
        .columns(vec![icol("Webhooks", |w| json!(arr(&w["webhooks"]).count())), age()]),
        ResourceInfo::new("rbac.authorization.k8s.io", "v1", "Role", "roles", true).columns(created()),
        ResourceInfo::new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true)
            .columns(vec![col("Role", rbac_role), age()]),
        ResourceInfo::new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false)
            .columns(created()),
        ResourceInfo::new(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            false,
        )
        .columns(vec![col("Role", rbac_role), age()]),
        // One storage with core/v1 events, as upstream (see crate::sim::views).
        ResourceInfo::new("events.k8s.io", "v1", "Event", "events", true)
            .short(&["ev"])
            .view_of(crate::sim::views::View::EventsV1)
            .columns(vec![
                col("Last Seen", |e| e["deprecatedLastTimestamp"].clone()),
                col("Type", |e| e["type"].clone()),
                col("Reason", |e| e["reason"].clone()),
                col("Object", |e| {
                    let o = &e["regarding"];
                    json!(format!("{}/{}", s(&o["kind"]).to_lowercase(), s(&o["name"])))
                }),
                col("Message", |e| e["note"].clone()),
            ]),
    ]
}

fn or_na(v: &Value) -> Value {
    match v {
        Value::Null => json!("N/A"),
        Value::String(x) => json!(x),
        other => json!(other.to_string()),
    }
}
