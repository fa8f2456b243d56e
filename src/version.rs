//! What this binary is: its version, the git commit it was built from and the Kubernetes API version
//! whose types (k8s-openapi) it was compiled against.
//!
//! The Kubernetes version is read from k8s-openapi's own version macros, so it cannot drift from the
//! feature enabled in `Cargo.toml`.

use serde::Serialize;

k8s_openapi::k8s_if_1_33! { const KUBERNETES_API: &str = "1.33"; }
k8s_openapi::k8s_if_1_34! { const KUBERNETES_API: &str = "1.34"; }
k8s_openapi::k8s_if_1_35! { const KUBERNETES_API: &str = "1.35"; }
k8s_openapi::k8s_if_1_36! { const KUBERNETES_API: &str = "1.36"; }
k8s_openapi::k8s_if_1_37! { const KUBERNETES_API: &str = "1.37"; }

/// Build information printed by `bellows version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// The crate version, e.g. `0.1.0`.
    pub version: &'static str,
    /// Short git commit hash of the build, or `unknown` outside a git checkout.
    pub git_commit: &'static str,
    /// Kubernetes API version of the compiled-in types, e.g. `1.35`.
    pub kubernetes_api: &'static str,
}

impl VersionInfo {
    /// The build information of this binary.
    pub const fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION"),
            git_commit: env!("BELLOWS_GIT_COMMIT"),
            kubernetes_api: KUBERNETES_API,
        }
    }
}

impl std::fmt::Display for VersionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bellows {} (commit {}, Kubernetes API {})",
            self.version, self.git_commit, self.kubernetes_api
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_api_version_is_the_enabled_k8s_openapi_feature() {
        assert_eq!(VersionInfo::current().kubernetes_api, "1.35");
    }

    #[test]
    fn text_form_names_version_commit_and_kubernetes_api() {
        let info = VersionInfo { version: "1.2.3", git_commit: "abcdef123456", kubernetes_api: "1.35" };
        assert_eq!(info.to_string(), "bellows 1.2.3 (commit abcdef123456, Kubernetes API 1.35)");
    }

    #[test]
    fn json_form_uses_camel_case_keys() {
        let info = VersionInfo { version: "1.2.3", git_commit: "abc", kubernetes_api: "1.35" };
        let json = serde_json::to_value(info).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"version": "1.2.3", "gitCommit": "abc", "kubernetesApi": "1.35"})
        );
    }
}
