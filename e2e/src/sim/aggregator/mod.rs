//! The aggregation layer, as kube-aggregator does it: an `apiregistration.k8s.io/v1` `APIService`
//! with `spec.service` makes `/apis/<group>/<version>/…` a proxy to that Service's endpoint
//! ([`proxy`]), lists the group in `/apis` and serves `/apis/<group>` locally; a prober keeps the
//! `APIService`'s `Available` condition current ([`probe`]); [`frontproxy`] holds the front-proxy
//! PKI and publishes `kube-system/extension-apiserver-authentication`.
//!
//! Endpoint resolution (the sim has no pod network): the Service `spec.service.namespace/name`
//! must exist and have a port equal to `spec.service.port` (default 443); its `Endpoints` object
//! (same name) gives the address: the first `subsets[].addresses[].ip` with the port whose name
//! matches the Service port's name (or the only port). The address must be on 127.0.0.0/8.
//! Authentication and authorization happen before proxying, as upstream.

pub mod frontproxy;
pub mod probe;
pub mod proxy;

use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use serde_json::{Value, json};

use super::cluster::Cluster;
use super::store::ResourceKey;

/// Name of the `ConfigMap` (in kube-system) telling extension servers how to authenticate callers.
pub const AUTH_CONFIGMAP: &str = "extension-apiserver-authentication";

/// An `APIService` backed by a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// The `APIService`'s name (`<version>.<group>`).
    pub api_service: String,
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Service namespace.
    pub namespace: String,
    /// Service name.
    pub service: String,
    /// Service port.
    pub port: i64,
    /// `spec.caBundle`, decoded (PEM), if any.
    pub ca_bundle: Option<Vec<u8>>,
    /// `spec.insecureSkipTLSVerify`.
    pub insecure: bool,
}

impl Backend {
    /// The TLS server name the backend must present: `<service>.<namespace>.svc`.
    pub fn server_name(&self) -> String {
        format!("{}.{}.svc", self.service, self.namespace)
    }

    fn from_api_service(obj: &Value) -> Option<Self> {
        let spec = &obj["spec"];
        let svc = spec["service"].as_object()?;
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
        let ca_bundle = spec["caBundle"]
            .as_str()
            .filter(|b| !b.is_empty())
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
        Some(Self {
            api_service: s(obj["metadata"].get("name")),
            group: s(spec.get("group")),
            version: s(spec.get("version")),
            namespace: s(svc.get("namespace")),
            service: s(svc.get("name")),
            port: svc.get("port").and_then(Value::as_i64).unwrap_or(443),
            ca_bundle,
            insecure: spec["insecureSkipTLSVerify"].as_bool() == Some(true),
        })
    }
}

/// Why a backend has no address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The Service does not exist.
    #[error("service/{name} in \"{namespace}\" is not present")]
    ServiceNotFound {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// The Service has no port equal to the `APIService`'s port.
    #[error("service/{name} in \"{namespace}\" is not listening on port {port}")]
    PortNotFound {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Port.
        port: i64,
    },
    /// No Endpoints address (with that port name) exists.
    #[error(
        "endpoints for service/{name} in \"{namespace}\" have no addresses with port name \"{port_name}\""
    )]
    MissingEndpoints {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The Service port's name.
        port_name: String,
    },
    /// The endpoint is not on loopback (the sim connects to 127.0.0.0/8 only).
    #[error("endpoint {0} of the service is not on 127.0.0.0/8; bellows-sim only connects to loopback")]
    NotLoopback(String),
}

impl ResolveError {
    /// The `APIService` condition reason for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::ServiceNotFound { .. } => "ServiceNotFound",
            Self::PortNotFound { .. } => "ServicePortError",
            Self::MissingEndpoints { .. } | Self::NotLoopback(_) => "MissingEndpoints",
        }
    }
}

/// All `APIServices`.
pub fn api_services(cluster: &Cluster) -> Vec<Value> {
    cluster.list(&ResourceKey::new("apiregistration.k8s.io", "apiservices"), None).0
}

/// The Service-backed `APIService` serving `group/version`, if any.
pub fn backend_for(cluster: &Cluster, group: &str, version: &str) -> Option<Backend> {
    api_services(cluster)
        .iter()
        .filter_map(Backend::from_api_service)
        .find(|b| b.group == group && b.version == version)
}

/// Every Service-backed `APIService`.
pub fn backends(cluster: &Cluster) -> Vec<Backend> {
    api_services(cluster).iter().filter_map(Backend::from_api_service).collect()
}

/// The loopback address of a backend's Service endpoint.
pub fn resolve(cluster: &Cluster, backend: &Backend) -> Result<SocketAddr, ResolveError> {
    let (namespace, name) = (backend.namespace.clone(), backend.service.clone());
    let svc = cluster
        .get(&ResourceKey::new("", "services"), &namespace, &name)
        .ok_or_else(|| ResolveError::ServiceNotFound { namespace: namespace.clone(), name: name.clone() })?;
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let svc_port = ports.iter().find(|p| p["port"].as_i64() == Some(backend.port)).ok_or_else(|| {
        ResolveError::PortNotFound { namespace: namespace.clone(), name: name.clone(), port: backend.port }
    })?;
    let port_name = svc_port["name"].as_str().unwrap_or_default().to_owned();
    let missing = || ResolveError::MissingEndpoints {
        namespace: namespace.clone(),
        name: name.clone(),
        port_name: port_name.clone(),
    };
    let endpoints = cluster.get(&ResourceKey::new("", "endpoints"), &namespace, &name).ok_or_else(missing)?;
    for subset in endpoints["subsets"].as_array().into_iter().flatten() {
        let ports = subset["ports"].as_array().cloned().unwrap_or_default();
        let port = ports
            .iter()
            .find(|p| p["name"].as_str().unwrap_or_default() == port_name)
            .or_else(|| (ports.len() == 1).then(|| &ports[0]))
            .and_then(|p| p["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok());
        let ip = subset["addresses"][0]["ip"].as_str();
        if let (Some(port), Some(ip)) = (port, ip) {
            let addr: IpAddr = ip.parse().map_err(|_| ResolveError::NotLoopback(ip.to_owned()))?;
            if !addr.is_loopback() || !addr.is_ipv4() {
                return Err(ResolveError::NotLoopback(ip.to_owned()));
            }
            return Ok(SocketAddr::new(addr, port));
        }
    }
    Err(missing())
}

/// What the aggregator does with a request path.
#[derive(Debug, Clone, PartialEq)]
pub enum Intercept {
    /// `/apis/<group>` of an aggregated group: this `APIGroup` document.
    Group(Value),
    /// `/apis/<group>/<version>[/…]` of an aggregated group version: proxy to the backend.
    Proxy(Backend),
}

/// Whether the aggregator handles `path` (before the local handlers).
pub fn intercept(cluster: &Cluster, path: &str) -> Option<Intercept> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        ["apis", group] => {
            let mut doc = group_json(group, &backends(cluster))?;
            doc["kind"] = json!("APIGroup");
            doc["apiVersion"] = json!("v1");
            Some(Intercept::Group(doc))
        }
        ["apis", group, version, ..] => backend_for(cluster, group, version).map(Intercept::Proxy),
        _ => None,
    }
}

fn group_json(group: &str, backends: &[Backend]) -> Option<Value> {
    let versions: Vec<Value> = backends
        .iter()
        .filter(|b| b.group == group)
        .map(|b| json!({"groupVersion": format!("{group}/{}", b.version), "version": b.version}))
        .collect();
    let preferred = versions.first()?.clone();
    Some(json!({"name": group, "versions": versions, "preferredVersion": preferred}))
}

/// `/apis` with the aggregated groups that no local resource serves appended.
pub fn extend_group_list(cluster: &Cluster, mut list: Value) -> Value {
    let backends = backends(cluster);
    let mut groups: Vec<String> = backends.iter().map(|b| b.group.clone()).collect();
    groups.dedup();
    if let Some(items) = list["groups"].as_array_mut() {
        for group in groups {
            if items.iter().any(|g| g["name"] == group.as_str()) {
                continue;
            }
            if let Some(doc) = group_json(&group, &backends) {
                items.push(doc);
            }
        }
    }
    list
}
