//! Seed objects of a fresh simulated cluster: the standard namespaces and `node-1`…`node-N`.
//!
//! Node `i` (1-based) gets `InternalIP` `127.0.1.<i>` for i ≤ 254 (then `127.0.<2 + (i-1)/254>.<…>`),
//! so every simulated kubelet can later listen on its own loopback address.

use serde_json::{Value, json};

/// The namespaces every cluster starts with.
pub const STANDARD_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// A Namespace object.
pub fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}})
}

/// The loopback address of node `index` (1-based).
pub fn node_address(index: usize) -> String {
    let i = index.max(1) - 1;
    format!("127.0.{}.{}", 1 + i / 254, 1 + i % 254)
}

/// Node `index` (1-based): 4 CPUs, 16Gi memory, 110 pods, Ready, kubelet on port 10250.
pub fn node(index: usize, kubelet_version: &str) -> Value {
    let name = format!("node-{index}");
    let resources = json!({"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"});
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}},
        "spec": {"podCIDR": format!("10.244.{index}.0/24")},
        "status": {
            "capacity": resources, "allocatable": resources,
            "addresses": [{"type": "InternalIP", "address": node_address(index)}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
                {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
            "nodeInfo": {"kubeletVersion": kubelet_version, "kubeProxyVersion": kubelet_version,
                "osImage": "bellows-sim", "kernelVersion": "sim", "containerRuntimeVersion": "sim://1.0",
                "operatingSystem": "linux", "architecture": "amd64",
                "machineID": format!("{index:032x}"), "systemUUID": format!("{index:032x}"), "bootID": format!("{index:032x}")},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{node, node_address};

    #[test]
    fn nodes_get_distinct_loopback_addresses() {
        assert_eq!(node_address(1), "127.0.1.1");
        assert_eq!(node_address(254), "127.0.1.254");
        assert_eq!(node_address(255), "127.0.2.1");
    }

    #[test]
    fn a_node_is_ready_with_capacity_and_kubelet_port() {
        let n = node(3, "v1.35.0");
        assert_eq!(n["metadata"]["name"], "node-3");
        assert_eq!(n["status"]["allocatable"]["cpu"], "4");
        assert_eq!(n["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], 10250);
        assert_eq!(n["status"]["addresses"][0]["address"], "127.0.1.3");
        assert_eq!(n["status"]["conditions"][3]["type"], "Ready");
    }
}
