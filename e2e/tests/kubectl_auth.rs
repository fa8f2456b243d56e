//! The real kubectl against the sim's authorization: `--as` impersonation with RBAC, `auth
//! can-i` (protobuf ``SelfSubjectAccessReview``), `create token` and the static-token context.
//! kubectl is found as in `tests/kubectl.rs`; without one each test prints why and passes.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use bellows_e2e::sim::{SimConfig, SimHandle};

fn find_kubectl() -> Option<PathBuf> {
    common::kubectl::find_kubectl().ok()
}

struct Harness {
    _sim: SimHandle,
    kubectl: PathBuf,
    dir: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Harness {
    async fn start() -> Option<Self> {
        let Some(kubectl) = find_kubectl() else {
            eprintln!(
                "skipping kubectl auth test: no kubectl (set KUBECTL or install into <workspace>/.venv/bin)"
            );
            return None;
        };
        let dir = std::env::temp_dir().join(format!(
            "bellows-sim-kubectl-auth-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = SimConfig { kubeconfig_out: Some(dir.join("kubeconfig")), ..SimConfig::default() };
        let sim = common::start_sim_with(config).await;
        Some(Self { _sim: sim, kubectl, dir })
    }

    async fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        let out =
            tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("kubectl runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args).await;
        assert_eq!(code, Some(0), "kubectl {args:?} failed:\n{err}\n{out}");
        out
    }
}

/// A `RoleBinding` of `ClusterRole` `role` to User `user` in `default`.
fn role_binding(name: &str, role: &str, user: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {name}, namespace: default}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}
"
    )
}

impl Harness {
    /// `kubectl apply -f` of a manifest (kubectl's imperative `create` generators send protobuf,
    /// which the sim only decodes for reviews and token requests).
    async fn apply(&self, name: &str, manifest: &str) {
        let path = self.dir.join(name);
        std::fs::write(&path, manifest).expect("write manifest");
        self.ok(&["apply", "-f", &path.to_string_lossy()]).await;
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn kubectl_as_alice_is_forbidden_until_a_role_binding_allows_it() {
    let Some(h) = Harness::start().await else { return };
    let (code, _, err) = h.run(&["get", "pods", "--as", "alice"]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
        ),
        "{err}"
    );
    h.apply("rb.yaml", &role_binding("alice-view", "view", "alice")).await;
    let (code, out, err) = h.run(&["get", "pods", "--as", "alice"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("No resources found in default namespace."), "{out}{err}");
}

#[tokio::test]
async fn kubectl_auth_can_i_answers_yes_and_no() {
    let Some(h) = Harness::start().await else { return };
    assert_eq!(h.ok(&["auth", "can-i", "delete", "nodes"]).await.trim(), "yes");
    let (code, out, _) = h.run(&["auth", "can-i", "list", "pods", "--as", "alice"]).await;
    assert_eq!((code, out.trim()), (Some(1), "no"));
    h.apply("rb.yaml", &role_binding("alice-edit", "edit", "alice")).await;
    assert_eq!(h.ok(&["auth", "can-i", "create", "deployments.apps", "--as", "alice"]).await.trim(), "yes");
    let (code, out, _) =
        h.run(&["auth", "can-i", "list", "pods", "-n", "kube-system", "--as", "alice"]).await;
    assert_eq!((code, out.trim()), (Some(1), "no"));
}

#[tokio::test]
async fn kubectl_create_token_issues_a_working_service_account_token() {
    let Some(h) = Harness::start().await else { return };
    h.apply("sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: robot, namespace: default}\n")
        .await;
    let token = h.ok(&["create", "token", "robot", "--duration=1h"]).await;
    let token = token.trim();
    let (code, _, err) = h.run(&["get", "pods", "--token", token, "--user", "admin-token"]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("User \"system:serviceaccount:default:robot\" cannot list resource \"pods\""),
        "{err}"
    );
    let out = h.ok(&["get", "ns", "--context", "bellows-sim-token", "-o", "name"]).await;
    assert!(out.contains("namespace/kube-system"), "{out}");
}
