//! Builders shared by the manifest sets: metadata with bellows' labels, RBAC rules and
//! references, and the hardened container security context every bellows pod runs with.
//!
//! Each component labels its objects `app.kubernetes.io/name: bellows` plus its own
//! `app.kubernetes.io/component`, so the two label pairs also select that component's pods and
//! the metrics and hpa Deployments never select each other's pods.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Capabilities, HTTPGetAction, Probe, SeccompProfile, SecurityContext};
use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

/// `app.kubernetes.io/name` of every object.
pub const APP: &str = "bellows";

/// Labels on every object of `component`; they also select its pods.
pub fn labels(component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/component".to_owned(), component.to_owned()),
        ("app.kubernetes.io/name".to_owned(), APP.to_owned()),
    ])
}

/// Metadata of an object of `component`.
pub fn meta(component: &str, name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        labels: Some(labels(component)),
        ..ObjectMeta::default()
    }
}

/// Owned copies of `items`.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// An RBAC rule over one API group.
pub fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(strings(&[group])),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..PolicyRule::default()
    }
}

/// The `ServiceAccount` `name` in `namespace`, as a binding subject.
pub fn service_account_subject(name: &str, namespace: &str) -> Subject {
    Subject {
        kind: "ServiceAccount".to_owned(),
        name: name.to_owned(),
        namespace: Some(namespace.to_owned()),
        ..Subject::default()
    }
}

/// A reference to a `Role` or `ClusterRole`.
pub fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: "rbac.authorization.k8s.io".to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
    }
}

/// metrics-server's container hardening: non-root, read-only root filesystem, no capabilities,
/// no privilege escalation, the runtime's default seccomp profile.
pub fn hardened_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities { drop: Some(strings(&["ALL"])), ..Capabilities::default() }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(1000),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

/// An HTTP(S) `GET path` probe on the named container port `port` with `scheme` (`HTTP` or
/// `HTTPS`), every 10 s, failing after 3 misses (the kubelet's defaults, written out).
pub fn http_get_probe(path: &str, port: &str, scheme: &str, initial_delay_seconds: Option<i32>) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String(port.to_owned()),
            scheme: Some(scheme.to_owned()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds,
        period_seconds: Some(10),
        failure_threshold: Some(3),
        ..Probe::default()
    }
}

/// `object` as JSON.
pub fn value(object: impl Serialize) -> serde_json::Value {
    // k8s-openapi types serialise to plain JSON objects; a failure is impossible by construction.
    serde_json::to_value(object).unwrap_or(serde_json::Value::Null)
}
