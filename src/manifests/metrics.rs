//! The objects that deploy bellows as the cluster's metrics server (metrics-server §5.3–5.4).
//!
//! Same set and same hardening as metrics-server's `components.yaml`, renamed for bellows:
//! RBAC for scraping kubelets and watching nodes and pods, the aggregated-reader role, the
//! delegated-auth bindings, a Service and a Deployment running `bellows run --components=metrics`,
//! and the `v1beta1.metrics.k8s.io` `APIService` pointing at that Service.
//!
//! Namespace: `kube-system` by default, where metrics-server lives. bellows replaces it in place
//! (same `APIService`, same aggregated-reader `ClusterRole`), the auth-reader `RoleBinding` has to live in
//! `kube-system` anyway, and `priorityClassName: system-cluster-critical` is limited to
//! `kube-system` by quota on some managed clusters (GKE), so another namespace would need an extra
//! `ResourceQuota` to schedule at all. A different namespace can be chosen through
//! [`ManifestOptions::namespace`]; the Namespace object is then emitted first.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EmptyDirVolumeSource, Namespace, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Service, ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::{
    APIService, APIServiceSpec, ServiceReference,
};

use super::objects::{self, role_ref, rule, value};

/// Name shared by the `ServiceAccount`, `Service` and `Deployment`.
pub const NAME: &str = "bellows";
/// metrics-server's namespace, and bellows' default.
pub const DEFAULT_NAMESPACE: &str = "kube-system";
/// The image repository; the tag is the crate version.
pub const IMAGE_REPOSITORY: &str = "ghcr.io/bellows-dev/bellows";
/// Port the metrics API is served on inside the pod (unprivileged, as metrics-server's manifests).
pub const SECURE_PORT: i32 = 10250;

/// What can vary between generated manifest sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestOptions {
    /// Namespace of the `ServiceAccount`, `Service` and `Deployment`.
    pub namespace: String,
    /// Container image, e.g. `ghcr.io/bellows-dev/bellows:0.1.0`.
    pub image: String,
    /// `--metric-resolution` passed to the container (Go duration text).
    pub metric_resolution: String,
}

impl Default for ManifestOptions {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            image: format!("{IMAGE_REPOSITORY}:{}", env!("CARGO_PKG_VERSION")),
            metric_resolution: "15s".to_owned(),
        }
    }
}

/// `app.kubernetes.io/component` of the metrics objects.
const COMPONENT: &str = "metrics";

fn labels() -> BTreeMap<String, String> {
    objects::labels(COMPONENT)
}

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    objects::meta(COMPONENT, name, namespace)
}

fn service_account_subject(namespace: &str) -> Subject {
    objects::service_account_subject(NAME, namespace)
}

/// Every object, in apply order (namespace, identity, RBAC, `Service`, `Deployment`,
/// `APIService`).
pub fn metrics_manifests(opts: &ManifestOptions) -> Vec<serde_json::Value> {
    let ns = opts.namespace.as_str();
    let mut objects = Vec::new();
    if ns != DEFAULT_NAMESPACE {
        objects.push(value(Namespace { metadata: meta(ns, None), ..Namespace::default() }));
    }
    objects.push(value(ServiceAccount { metadata: meta(NAME, Some(ns)), ..ServiceAccount::default() }));
    objects.push(value(aggregated_reader()));
    objects.push(value(ClusterRole {
        metadata: meta("system:bellows", None),
        rules: Some(vec![
            rule("", &["nodes/metrics"], &["get"]),
            rule("", &["pods", "nodes"], &["get", "list", "watch"]),
        ]),
        ..ClusterRole::default()
    }));
    objects.push(value(RoleBinding {
        metadata: meta("bellows-auth-reader", Some("kube-system")),
        role_ref: role_ref("Role", "extension-apiserver-authentication-reader"),
        subjects: Some(vec![service_account_subject(ns)]),
    }));
    objects.push(value(ClusterRoleBinding {
        metadata: meta("bellows:system:auth-delegator", None),
        role_ref: role_ref("ClusterRole", "system:auth-delegator"),
        subjects: Some(vec![service_account_subject(ns)]),
    }));
    objects.push(value(ClusterRoleBinding {
        metadata: meta("system:bellows", None),
        role_ref: role_ref("ClusterRole", "system:bellows"),
        subjects: Some(vec![service_account_subject(ns)]),
    }));
    objects.push(value(service(ns)));
    objects.push(value(deployment(opts)));
    objects.push(value(api_service(ns)));
    objects
}

fn aggregated_reader() -> ClusterRole {
    let mut metadata = meta("system:aggregated-metrics-reader", None);
    let aggregate = ["admin", "edit", "view"]
        .map(|role| (format!("rbac.authorization.k8s.io/aggregate-to-{role}"), "true".to_owned()));
    metadata.labels.get_or_insert_with(BTreeMap::new).extend(aggregate);
    ClusterRole {
        metadata,
        rules: Some(vec![rule("metrics.k8s.io", &["pods", "nodes"], &["get", "list", "watch"])]),
        ..ClusterRole::default()
    }
}

fn service(namespace: &str) -> Service {
    Service {
        metadata: meta(NAME, Some(namespace)),
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                name: Some("https".to_owned()),
                port: 443,
                protocol: Some("TCP".to_owned()),
                target_port: Some(IntOrString::String("https".to_owned())),
                app_protocol: Some("https".to_owned()),
                ..ServicePort::default()
            }]),
            selector: Some(labels()),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn https_probe(path: &str, initial_delay_seconds: Option<i32>) -> Probe {
    objects::http_get_probe(path, "https", "HTTPS", initial_delay_seconds)
}

fn container(opts: &ManifestOptions) -> Container {
    Container {
        name: NAME.to_owned(),
        image: Some(opts.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            "run".to_owned(),
            "--components=metrics".to_owned(),
            "--cert-dir=/tmp".to_owned(),
            format!("--secure-port={SECURE_PORT}"),
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname".to_owned(),
            "--kubelet-use-node-status-port".to_owned(),
            format!("--metric-resolution={}", opts.metric_resolution),
        ]),
        ports: Some(vec![ContainerPort {
            name: Some("https".to_owned()),
            container_port: SECURE_PORT,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(https_probe("/livez", None)),
        readiness_probe: Some(https_probe("/readyz", Some(20))),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), Quantity("100m".to_owned())),
                ("memory".to_owned(), Quantity("200Mi".to_owned())),
            ])),
            ..ResourceRequirements::default()
        }),
        security_context: Some(objects::hardened_security_context()),
        volume_mounts: Some(vec![VolumeMount {
            name: "tmp-dir".to_owned(),
            mount_path: "/tmp".to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}

fn deployment(opts: &ManifestOptions) -> Deployment {
    Deployment {
        metadata: meta(NAME, Some(&opts.namespace)),
        spec: Some(DeploymentSpec {
            selector: LabelSelector { match_labels: Some(labels()), ..LabelSelector::default() },
            strategy: Some(DeploymentStrategy {
                rolling_update: Some(RollingUpdateDeployment {
                    max_unavailable: Some(IntOrString::Int(0)),
                    ..RollingUpdateDeployment::default()
                }),
                ..DeploymentStrategy::default()
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(labels()), ..ObjectMeta::default() }),
                spec: Some(PodSpec {
                    containers: vec![container(opts)],
                    node_selector: Some(BTreeMap::from([(
                        "kubernetes.io/os".to_owned(),
                        "linux".to_owned(),
                    )])),
                    priority_class_name: Some("system-cluster-critical".to_owned()),
                    service_account_name: Some(NAME.to_owned()),
                    volumes: Some(vec![Volume {
                        name: "tmp-dir".to_owned(),
                        empty_dir: Some(EmptyDirVolumeSource::default()),
                        ..Volume::default()
                    }]),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

fn api_service(namespace: &str) -> APIService {
    APIService {
        metadata: meta("v1beta1.metrics.k8s.io", None),
        spec: Some(APIServiceSpec {
            group: Some("metrics.k8s.io".to_owned()),
            group_priority_minimum: 100,
            insecure_skip_tls_verify: Some(true),
            service: Some(ServiceReference {
                name: Some(NAME.to_owned()),
                namespace: Some(namespace.to_owned()),
                ..ServiceReference::default()
            }),
            version: Some("v1beta1".to_owned()),
            version_priority: 100,
            ..APIServiceSpec::default()
        }),
        ..APIService::default()
    }
}
