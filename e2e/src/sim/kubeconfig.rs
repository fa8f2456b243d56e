//! The kubeconfig the sim writes: one cluster (server URL + CA), user `admin` (client certificate
//! and key inline), context `bellows-sim`, made current.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The context (and cluster) name in the kubeconfig.
pub const CONTEXT: &str = "bellows-sim";

/// Kubeconfig YAML for `server` with inline CA and admin credentials (all PEM).
pub fn render(server: &str, ca_pem: &str, client_cert_pem: &str, client_key_pem: &str) -> String {
    let b64 = |s: &str| STANDARD.encode(s.as_bytes());
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: admin
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: admin
    namespace: default
current-context: {CONTEXT}
preferences: {{}}
",
        ca = b64(ca_pem),
        cert = b64(client_cert_pem),
        key = b64(client_key_pem),
    )
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn kubeconfig_names_cluster_user_and_current_context() {
        let yaml = render("https://127.0.0.1:6443", "CA", "CERT", "KEY");
        let doc: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(doc["current-context"], "bellows-sim");
        assert_eq!(doc["clusters"][0]["cluster"]["server"], "https://127.0.0.1:6443");
        assert_eq!(doc["clusters"][0]["cluster"]["certificate-authority-data"], "Q0E=");
        assert_eq!(doc["users"][0]["name"], "admin");
        assert_eq!(doc["users"][0]["user"]["client-key-data"], "S0VZ");
        assert_eq!(doc["contexts"][0]["context"]["user"], "admin");
    }
}
