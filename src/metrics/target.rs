//! Which URL to scrape for a node: metrics-server's kubelet target selection, as a pure function.
//!
//! Address: the first `status.addresses` entry of the first type in `--kubelet-preferred-address-types`
//! that the node has (no fallback to another type after a failed scrape). Port: `--kubelet-port`,
//! or the node's `status.daemonEndpoints.kubeletEndpoint.Port` when `--kubelet-use-node-status-port`
//! is set and that port is non-zero. Path: `/metrics/resource`, or the node's
//! `metrics.k8s.io/resource-metrics-path` annotation. Scheme: `https` (`http` only in the deprecated
//! completely-insecure mode). IPv6 hosts are bracketed.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::Node;

/// The per-node annotation that overrides the scrape path (metrics-server v0.7+).
pub const RESOURCE_METRICS_PATH_ANNOTATION: &str = "metrics.k8s.io/resource-metrics-path";
/// The kubelet's resource metrics endpoint.
pub const DEFAULT_PATH: &str = "/metrics/resource";
/// The kubelet's default secure port.
pub const DEFAULT_KUBELET_PORT: u16 = 10250;

/// A `NodeAddressType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressType {
    /// `Hostname`.
    Hostname,
    /// `InternalDNS`.
    InternalDns,
    /// `InternalIP`.
    InternalIp,
    /// `ExternalDNS`.
    ExternalDns,
    /// `ExternalIP`.
    ExternalIp,
}

impl AddressType {
    /// metrics-server's binary default order.
    pub const DEFAULT_ORDER: [Self; 5] =
        [Self::Hostname, Self::InternalDns, Self::InternalIp, Self::ExternalDns, Self::ExternalIp];

    /// The API spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hostname => "Hostname",
            Self::InternalDns => "InternalDNS",
            Self::InternalIp => "InternalIP",
            Self::ExternalDns => "ExternalDNS",
            Self::ExternalIp => "ExternalIP",
        }
    }
}

impl fmt::Display for AddressType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AddressType {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::DEFAULT_ORDER
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| TargetError::UnknownAddressType(s.to_owned()))
    }
}

/// Why no scrape URL could be built for a node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The node has no address of any preferred type (upstream's message, Go slice formatting).
    #[error("no address matched types [{}]", .0.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(" "))]
    NoAddress(Vec<AddressType>),
    /// A `--kubelet-preferred-address-types` entry is not a node address type.
    #[error(
        "unknown node address type {0:?} (expected Hostname, InternalDNS, InternalIP, ExternalDNS or ExternalIP)"
    )]
    UnknownAddressType(String),
    /// The node object has no name.
    #[error("node without metadata.name")]
    Unnamed,
}

/// The flags that shape target selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetConfig {
    /// `--kubelet-preferred-address-types`.
    pub preferred_address_types: Vec<AddressType>,
    /// `--kubelet-port`.
    pub port: u16,
    /// `--kubelet-use-node-status-port`.
    pub use_node_status_port: bool,
    /// `--deprecated-kubelet-completely-insecure`: plain HTTP.
    pub insecure_http: bool,
}

impl Default for TargetConfig {
    fn default() -> Self {
        Self {
            preferred_address_types: AddressType::DEFAULT_ORDER.to_vec(),
            port: DEFAULT_KUBELET_PORT,
            use_node_status_port: false,
            insecure_http: false,
        }
    }
}

/// Where to scrape one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Node name.
    pub node: String,
    /// Full URL, e.g. `https://10.0.0.4:10250/metrics/resource`.
    pub url: String,
    /// The address chosen (also the TLS server name to verify).
    pub host: String,
}

/// Parses a comma-separated `--kubelet-preferred-address-types` value.
pub fn parse_address_types(text: &str) -> Result<Vec<AddressType>, TargetError> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect()
}

/// Picks the scrape target of `node` (metrics-server `resourceClient.collectNode` + address resolver).
pub fn target_for(node: &Node, config: &TargetConfig) -> Result<Target, TargetError> {
    let name = node.metadata.name.clone().ok_or(TargetError::Unnamed)?;
    let status = node.status.as_ref();
    let addresses = status.and_then(|s| s.addresses.as_deref()).unwrap_or_default();
    let host = config
        .preferred_address_types
        .iter()
        .find_map(|t| addresses.iter().find(|a| a.type_ == t.as_str()))
        .map(|a| a.address.clone())
        .ok_or_else(|| TargetError::NoAddress(config.preferred_address_types.clone()))?;
    let status_port = status
        .and_then(|s| s.daemon_endpoints.as_ref())
        .and_then(|d| d.kubelet_endpoint.as_ref())
        .map_or(0, |e| e.port);
    let port = match u16::try_from(status_port) {
        Ok(p) if config.use_node_status_port && p != 0 => p,
        _ => config.port,
    };
    let path = node
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(RESOURCE_METRICS_PATH_ANNOTATION))
        .map_or(DEFAULT_PATH, String::as_str);
    let scheme = if config.insecure_http { "http" } else { "https" };
    let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    Ok(Target { node: name, url: format!("{scheme}://{authority}{path}"), host })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::{DaemonEndpoint, NodeAddress, NodeDaemonEndpoints, NodeStatus};

    use super::*;

    /// A node builder: `node("n1").address("InternalIP", "10.0.0.1")`.
    struct NodeBuilder(Node);

    fn node(name: &str) -> NodeBuilder {
        let mut n = Node::default();
        n.metadata.name = Some(name.to_owned());
        n.status = Some(NodeStatus::default());
        NodeBuilder(n)
    }

    impl NodeBuilder {
        fn status(&mut self) -> &mut NodeStatus {
            self.0.status.get_or_insert_with(NodeStatus::default)
        }

        fn address(mut self, type_: &str, address: &str) -> Self {
            let addr = NodeAddress { type_: type_.to_owned(), address: address.to_owned() };
            self.status().addresses.get_or_insert_with(Vec::new).push(addr);
            self
        }

        fn status_port(mut self, port: i32) -> Self {
            self.status().daemon_endpoints =
                Some(NodeDaemonEndpoints { kubelet_endpoint: Some(DaemonEndpoint { port }) });
            self
        }

        fn annotation(mut self, key: &str, value: &str) -> Self {
            self.0.metadata.annotations.get_or_insert_with(BTreeMap::new).insert(key.into(), value.into());
            self
        }

        fn build(self) -> Node {
            self.0
        }
    }

    fn config(types: &str) -> TargetConfig {
        TargetConfig {
            preferred_address_types: parse_address_types(types).unwrap(),
            ..TargetConfig::default()
        }
    }

    #[test]
    fn the_first_preferred_type_the_node_has_wins() {
        let n = node("n1").address("ExternalIP", "1.2.3.4").address("InternalIP", "10.0.0.1").build();
        let t = target_for(&n, &config("InternalIP,ExternalIP,Hostname")).unwrap();
        assert_eq!(t.url, "https://10.0.0.1:10250/metrics/resource");
        assert_eq!(t.host, "10.0.0.1");
        assert_eq!(t.node, "n1");
    }

    #[test]
    fn the_first_address_of_a_type_is_taken() {
        let n = node("n1").address("InternalIP", "10.0.0.1").address("InternalIP", "10.0.0.2").build();
        assert_eq!(target_for(&n, &config("InternalIP")).unwrap().host, "10.0.0.1");
    }

    #[test]
    fn default_order_prefers_hostname() {
        let n = node("n1").address("InternalIP", "10.0.0.1").address("Hostname", "n1.local").build();
        let t = target_for(&n, &TargetConfig::default()).unwrap();
        assert_eq!(t.url, "https://n1.local:10250/metrics/resource");
    }

    #[test]
    fn no_matching_address_is_upstreams_error() {
        let n = node("n1").address("ExternalIP", "1.2.3.4").build();
        let err = target_for(&n, &config("Hostname,InternalDNS,InternalIP")).unwrap_err();
        assert_eq!(err.to_string(), "no address matched types [Hostname InternalDNS InternalIP]");
    }

    #[test]
    fn node_status_port_is_used_only_when_asked_and_non_zero() {
        let n = node("n1").address("InternalIP", "10.0.0.1").status_port(10255).build();
        assert!(target_for(&n, &config("InternalIP")).unwrap().url.contains(":10250/"));
        let mut c = config("InternalIP");
        c.use_node_status_port = true;
        assert!(target_for(&n, &c).unwrap().url.contains(":10255/"));
        let zero = node("n1").address("InternalIP", "10.0.0.1").status_port(0).build();
        assert!(target_for(&zero, &c).unwrap().url.contains(":10250/"));
    }

    #[test]
    fn the_path_annotation_overrides_the_path() {
        let n = node("n1")
            .address("InternalIP", "10.0.0.1")
            .annotation(RESOURCE_METRICS_PATH_ANNOTATION, "/metrics/resource/v2")
            .build();
        assert_eq!(
            target_for(&n, &config("InternalIP")).unwrap().url,
            "https://10.0.0.1:10250/metrics/resource/v2"
        );
    }

    #[test]
    fn ipv6_hosts_are_bracketed_and_insecure_mode_uses_http() {
        let n = node("n1").address("InternalIP", "fd00::1").build();
        let mut c = config("InternalIP");
        c.insecure_http = true;
        assert_eq!(target_for(&n, &c).unwrap().url, "http://[fd00::1]:10250/metrics/resource");
    }

    #[test]
    fn unknown_address_types_are_rejected_by_name() {
        let err = parse_address_types("InternalIP,Internal").unwrap_err();
        assert!(err.to_string().starts_with("unknown node address type \"Internal\""), "{err}");
    }

    #[test]
    fn a_node_without_status_has_no_address() {
        let mut n = Node::default();
        n.metadata.name = Some("bare".into());
        assert!(matches!(target_for(&n, &TargetConfig::default()), Err(TargetError::NoAddress(_))));
    }
}
