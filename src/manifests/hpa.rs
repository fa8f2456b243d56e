//! The objects that deploy bellows' HPA controller (`bellows run --components=hpa`).
//!
//! RBAC grants exactly what the controller calls, no more (each rule names its caller below):
//! watching HPAs and `AutoscalingPolicies`, patching their status and the HPA history annotation,
//! `get`/`update` on any kind's `/scale` (as kube-controller-manager's
//! `system:controller:horizontal-pod-autoscaler`), listing pods, reading the three metrics APIs,
//! writing `events.k8s.io` events, and the leader-election Lease in its own namespace.
//!
//! Two replicas with `--leader-elect`: only the Lease holder writes, the other takes over within
//! the lease duration. The controller alone has no HTTPS server, so the probes use the plain-HTTP
//! health port (`--health-probe-bind-address`, [`crate::run::health`]): `/readyz` passes once
//! the HPA and pod watches have listed, `/livez` while the process answers.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, ObjectFieldSelector, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::ManifestOptions;
use super::objects::{self, role_ref, rule, value};

/// Name of the `ServiceAccount` and `Deployment`.
pub const NAME: &str = "bellows-hpa";
/// The `ClusterRole` (and its binding).
pub const CLUSTER_ROLE: &str = "system:bellows-hpa";
/// The namespaced `Role` for the leader-election Lease (and its binding).
pub const LEADER_ROLE: &str = "bellows-hpa-leader-election";
/// `app.kubernetes.io/component` of these objects.
const COMPONENT: &str = "hpa";
/// Port of the plain-HTTP health probes.
pub const HEALTH_PORT: i32 = 8081;

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    objects::meta(COMPONENT, name, namespace)
}

/// What the controller calls, one rule per caller.
pub fn cluster_rules() -> Vec<PolicyRule> {
    vec![
        // hpa::controller::run watches; kubeio patches the history annotation.
        rule("autoscaling", &["horizontalpodautoscalers"], &["get", "list", "watch", "patch"]),
        // kubeio::KubeStatus merge-patches status.
        rule("autoscaling", &["horizontalpodautoscalers/status"], &["patch"]),
        rule("autoscaling.bellows.dev", &["autoscalingpolicies"], &["get", "list", "watch"]),
        rule("autoscaling.bellows.dev", &["autoscalingpolicies/status"], &["patch"]),
        // kubeio::KubeScale: GET and PUT of `…/scale` for any kind, CRDs included.
        rule("*", &["*/scale"], &["get", "update"]),
        // The pod reflector that groups pods by the scale's selector.
        rule("", &["pods"], &["list", "watch"]),
        // Resource metrics when the metrics component runs in another process.
        rule("metrics.k8s.io", &["pods"], &["list"]),
        rule("custom.metrics.k8s.io", &["*"], &["get", "list"]),
        rule("external.metrics.k8s.io", &["*"], &["get", "list"]),
        // kube::runtime::events::Recorder creates events and patches their series.
        rule("events.k8s.io", &["events"], &["create", "patch"]),
    ]
}

/// Every object, in apply order.
pub fn hpa_manifests(opts: &ManifestOptions) -> Vec<serde_json::Value> {
    let ns = opts.namespace.as_str();
    let subject = vec![objects::service_account_subject(NAME, ns)];
    vec![
        value(ServiceAccount { metadata: meta(NAME, Some(ns)), ..ServiceAccount::default() }),
        value(ClusterRole {
            metadata: meta(CLUSTER_ROLE, None),
            rules: Some(cluster_rules()),
            ..ClusterRole::default()
        }),
        value(ClusterRoleBinding {
            metadata: meta(CLUSTER_ROLE, None),
            role_ref: role_ref("ClusterRole", CLUSTER_ROLE),
            subjects: Some(subject.clone()),
        }),
        value(Role {
            metadata: meta(LEADER_ROLE, Some(ns)),
            // kube-lease-manager reads, creates and patches the Lease `bellows-hpa`.
            rules: Some(vec![rule("coordination.k8s.io", &["leases"], &["get", "create", "patch"])]),
        }),
        value(RoleBinding {
            metadata: meta(LEADER_ROLE, Some(ns)),
            role_ref: role_ref("Role", LEADER_ROLE),
            subjects: Some(subject),
        }),
        value(deployment(opts)),
    ]
}

fn field_env(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_owned(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

fn http_probe(path: &str) -> Probe {
    objects::http_get_probe(path, "health", "HTTP", None)
}

fn container(opts: &ManifestOptions) -> Container {
    Container {
        name: NAME.to_owned(),
        image: Some(opts.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            "run".to_owned(),
            "--components=hpa".to_owned(),
            "--leader-elect".to_owned(),
            format!("--health-probe-bind-address=0.0.0.0:{HEALTH_PORT}"),
        ]),
        ports: Some(vec![ContainerPort {
            name: Some("health".to_owned()),
            container_port: HEALTH_PORT,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(http_probe("/livez")),
        readiness_probe: Some(http_probe("/readyz")),
        // The Lease holder identity and the Lease namespace.
        env: Some(vec![
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_NAMESPACE", "metadata.namespace"),
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(
                [("cpu", "50m"), ("memory", "64Mi")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), Quantity(v.to_owned())))
                    .collect(),
            ),
            ..ResourceRequirements::default()
        }),
        security_context: Some(objects::hardened_security_context()),
        ..Container::default()
    }
}

fn deployment(opts: &ManifestOptions) -> Deployment {
    Deployment {
        metadata: meta(NAME, Some(&opts.namespace)),
        spec: Some(DeploymentSpec {
            replicas: Some(2),
            selector: LabelSelector {
                match_labels: Some(objects::labels(COMPONENT)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(objects::labels(COMPONENT)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container(opts)],
                    node_selector: Some(
                        [("kubernetes.io/os".to_owned(), "linux".to_owned())].into_iter().collect(),
                    ),
                    priority_class_name: Some("system-cluster-critical".to_owned()),
                    service_account_name: Some(NAME.to_owned()),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}
