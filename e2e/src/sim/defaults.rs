//! Create-time defaulting for the built-in types, after kube-apiserver's defaulters (the fields
//! kubectl output and controllers look at), plus Service cluster IP allocation.
//!
//! Only fields that are absent are filled; nothing a client set is changed. Pods get
//! `status.phase: Pending` and a `status.qosClass` computed like `pkg/apis/core/helper/qos`
//! (`Guaranteed` when every container has equal cpu and memory requests and limits, `BestEffort` when
//! no container has any, `Burstable` otherwise; requests default to limits, and a container's
//! missing requests are filled from its limits, as `SetDefaults_Pod` does).

use serde_json::{Map, Value, json};

use super::store::ResourceKey;

fn set_default(obj: &mut Value, key: &str, value: Value) {
    if let Some(map) = obj.as_object_mut() {
        map.entry(key.to_owned()).or_insert(value);
    }
}

fn ensure_object<'a>(obj: &'a mut Value, key: &str) -> &'a mut Value {
    if !obj[key].is_object() {
        obj[key] = json!({});
    }
    &mut obj[key]
}

/// The cluster IP for allocation number `n` (0-based) in 10.96.0.0/12, skipping `10.96.0.0` and
/// the `kubernetes` Service's `10.96.0.1`.
pub fn cluster_ip(n: u32) -> String {
    let host = n + 2;
    format!("10.{}.{}.{}", 96 + (host >> 16) % 16, (host >> 8) & 0xff, host & 0xff)
}

/// Fill defaults into a new object of `res`; `next_ip` allocates a Service cluster IP.
pub fn on_create(res: &ResourceKey, obj: &mut Value, next_ip: &mut dyn FnMut() -> String) {
    match (res.group.as_str(), res.resource.as_str()) {
        ("", "services") => service(obj, next_ip),
        ("", "pods") => pod(obj),
        ("apps", "deployments") => {
            let spec = ensure_object(obj, "spec");
            set_default(spec, "replicas", json!(1));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "progressDeadlineSeconds", json!(600));
            set_default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
        }
        ("apps", "replicasets" | "statefulsets") => {
            set_default(ensure_object(obj, "spec"), "replicas", json!(1));
        }
        _ => {}
    }
}

fn service(obj: &mut Value, next_ip: &mut dyn FnMut() -> String) {
    let spec = ensure_object(obj, "spec");
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    if spec["type"] != "ExternalName" {
        if spec["clusterIP"].as_str().is_none_or(str::is_empty) {
            spec["clusterIP"] = json!(next_ip());
        }
        let ip = spec["clusterIP"].clone();
        set_default(spec, "clusterIPs", json!([ip]));
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
    }
    for port in spec["ports"].as_array_mut().into_iter().flatten() {
        set_default(port, "protocol", json!("TCP"));
        let number = port["port"].clone();
        set_default(port, "targetPort", number);
    }
}

fn image_pull_policy(image: &str) -> &'static str {
    let tag = image.rsplit('/').next().unwrap_or(image).split_once(':').map(|(_, t)| t);
    if image.contains('@') || tag.is_some_and(|t| t != "latest") { "IfNotPresent" } else { "Always" }
}

fn pod(obj: &mut Value) {
    let spec = ensure_object(obj, "spec");
    for (key, value) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("serviceAccountName", json!("default")),
        ("securityContext", json!({})),
        ("enableServiceLinks", json!(true)),
    ] {
        set_default(spec, key, value);
    }
    for c in spec["containers"].as_array_mut().into_iter().flatten() {
        let policy = image_pull_policy(c["image"].as_str().unwrap_or_default());
        set_default(c, "imagePullPolicy", json!(policy));
        set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
        set_default(c, "terminationMessagePolicy", json!("File"));
        set_default(c, "resources", json!({}));
        requests_from_limits(&mut c["resources"]);
    }
    for c in spec["initContainers"].as_array_mut().into_iter().flatten() {
        requests_from_limits(&mut c["resources"]);
    }
    let qos = qos_class(&obj["spec"]);
    let status = ensure_object(obj, "status");
    set_default(status, "phase", json!("Pending"));
    set_default(status, "qosClass", json!(qos));
}

/// A limit without a request makes the request equal to the limit (`SetDefaults_Pod`).
fn requests_from_limits(resources: &mut Value) {
    let Some(limits) = resources["limits"].as_object().cloned() else { return };
    if !resources["requests"].is_object() {
        resources["requests"] = json!({});
    }
    for (name, limit) in limits {
        set_default(&mut resources["requests"], &name, limit);
    }
}

/// The quality-of-service class of a pod spec.
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .flat_map(|k| spec[*k].as_array().into_iter().flatten())
        .collect();
    let empty = Map::new();
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let requests = c["resources"]["requests"].as_object().unwrap_or(&empty);
        let limits = c["resources"]["limits"].as_object().unwrap_or(&empty);
        for resource in ["cpu", "memory"] {
            let limit = limits.get(resource);
            let request = requests.get(resource).or(limit);
            any |= request.is_some() || limit.is_some();
            guaranteed &= limit.is_some() && request == limit;
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{cluster_ip, image_pull_policy, on_create, qos_class};
    use crate::sim::store::ResourceKey;

    fn resources(requests: &Value, limits: &Value) -> Value {
        json!({"containers": [{"name": "a", "resources": {"requests": requests, "limits": limits}}]})
    }

    // Cases after kubernetes pkg/apis/core/helper/qos TestComputePodQOS.
    #[test]
    fn qos_class_follows_requests_and_limits() {
        let table = [
            (json!({}), json!({}), "BestEffort"),
            (json!({"cpu": "1", "memory": "1Gi"}), json!({"cpu": "1", "memory": "1Gi"}), "Guaranteed"),
            (json!({}), json!({"cpu": "1", "memory": "1Gi"}), "Guaranteed"),
            (json!({"cpu": "500m"}), json!({"cpu": "1", "memory": "1Gi"}), "Burstable"),
            (json!({"cpu": "1"}), json!({}), "Burstable"),
        ];
        for (requests, limits, want) in table {
            assert_eq!(qos_class(&resources(&requests, &limits)), want, "{requests} {limits}");
        }
    }

    #[test]
    fn services_get_a_cluster_ip_and_port_defaults() {
        let mut svc = json!({"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}});
        let mut n = 0;
        on_create(&ResourceKey::new("", "services"), &mut svc, &mut || {
            n += 1;
            cluster_ip(n - 1)
        });
        assert_eq!(svc["spec"]["clusterIP"], "10.96.0.2");
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["spec"]["ports"][0], json!({"port": 80, "protocol": "TCP", "targetPort": 80}));
        assert_eq!(cluster_ip(254), "10.96.1.0");
    }

    #[test]
    fn headless_services_keep_cluster_ip_none() {
        let mut svc = json!({"metadata": {"name": "db"}, "spec": {"clusterIP": "None"}});
        on_create(&ResourceKey::new("", "services"), &mut svc, &mut || "unused".into());
        assert_eq!(svc["spec"]["clusterIP"], "None");
    }

    #[test]
    fn pods_start_pending_with_container_defaults() {
        let mut pod =
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}});
        on_create(&ResourceKey::new("", "pods"), &mut pod, &mut String::new);
        assert_eq!(pod["status"], json!({"phase": "Pending", "qosClass": "BestEffort"}));
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(pod["spec"]["restartPolicy"], "Always");
        assert_eq!(image_pull_policy("registry:5000/app:1.2"), "IfNotPresent");
        assert_eq!(image_pull_policy("registry:5000/app"), "Always");
    }

    #[test]
    fn limits_without_requests_become_requests() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x:1",
            "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        on_create(&ResourceKey::new("", "pods"), &mut pod, &mut String::new);
        assert_eq!(
            pod["spec"]["containers"][0]["resources"]["requests"],
            json!({"cpu": "100m", "memory": "1Gi"})
        );
        assert_eq!(pod["status"]["qosClass"], "Burstable");
    }

    #[test]
    fn deployments_default_replicas_and_strategy() {
        let mut d = json!({"metadata": {"name": "d"}, "spec": {}});
        on_create(&ResourceKey::new("apps", "deployments"), &mut d, &mut String::new);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    }
}
