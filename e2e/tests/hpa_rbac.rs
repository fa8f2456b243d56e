//! The committed HPA manifests' RBAC is enough, and only what is needed: bellows' HPA controller
//! runs as the `bellows-hpa` service account with exactly the rules of `manifests/hpa/`, elects a
//! leader through its Lease role, reads metrics through the aggregator, scales a Deployment,
//! writes status, history and events — and is refused what the manifests do not grant.
//!
//! One bellows (admin credentials) serves `metrics.k8s.io`; a second one runs only the HPA
//! controller with a service-account token, the way the two manifest sets deploy them.

mod auth_support;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use auth_support::AuthClient;
use base64::Engine as _;
use bellows_e2e::sim::SimHandle;
use common::stack::{Stack, StackOptions, bellows_binary};
use serde_json::{Value, json};

const NAMESPACE: &str = "kube-system";

/// The committed `manifests/hpa/bellows-hpa.yaml`, one JSON value per document.
fn hpa_manifests() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/hpa/bellows-hpa.yaml");
    let text = std::fs::read_to_string(&path).expect("manifests/hpa is committed");
    text.split("\n---\n").skip(1).map(|doc| serde_saphyr::from_str(doc).expect("valid YAML")).collect()
}

/// `(group, plural)` of the kinds the manifests use.
fn resource_of(object: &Value) -> (&'static str, &'static str) {
    match object["kind"].as_str().unwrap() {
        "ServiceAccount" => ("", "serviceaccounts"),
        "ClusterRole" => ("rbac.authorization.k8s.io", "clusterroles"),
        "ClusterRoleBinding" => ("rbac.authorization.k8s.io", "clusterrolebindings"),
        "Role" => ("rbac.authorization.k8s.io", "roles"),
        "RoleBinding" => ("rbac.authorization.k8s.io", "rolebindings"),
        "Deployment" => ("apps", "deployments"),
        other => panic!("unexpected kind {other} in manifests/hpa"),
    }
}

/// A kubeconfig for `token` against the sim, verifying the sim's CA.
fn token_kubeconfig(sim: &SimHandle, token: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(sim.ca_pem());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: bellows-hpa\n  user:\n    token: {token}\ncontexts:\n- name: sim\n  context:\n    cluster: sim\n    user: bellows-hpa\ncurrent-context: sim\n",
        sim.api_url()
    )
}

/// The controller-only bellows; killed on drop.
struct Controller {
    child: Child,
    log: PathBuf,
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Controller {
    fn start(dir: &Path, kubeconfig: &Path, health_port: u16) -> Self {
        let log = dir.join("bellows-hpa.log");
        let child = std::process::Command::new(bellows_binary())
            .args(["run", "--kubeconfig"])
            .arg(kubeconfig)
            .args([
                "--components=hpa",
                "--horizontal-pod-autoscaler-sync-period=2s",
                "--leader-elect",
                "--leader-elect-namespace=kube-system",
                &format!("--health-probe-bind-address=127.0.0.1:{health_port}"),
            ])
            .env("POD_NAME", "bellows-hpa-0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("bellows starts");
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// `GET path` on the plain-HTTP health port: the status line and body, or `None` when nothing
/// answers yet.
fn health(port: u16, path: &str) -> Option<(String, String)> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_owned(), body.to_owned()))
}

fn cpu_hpa(name: &str, utilization: i64) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                     "target": {"type": "Utilization", "averageUtilization": utilization}}}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hpa_controller_scales_with_exactly_the_rbac_of_its_manifests() {
    let mut stack = Stack::start(StackOptions::new("hpa-rbac").with_args(["--components=metrics"])).await;
    for object in hpa_manifests().into_iter().filter(|o| o["kind"] != "Deployment") {
        let (group, resource) = resource_of(&object);
        stack.sim.create(group, resource, object).expect("applying manifests/hpa");
    }
    let admin = AuthClient::admin(&stack.sim);
    let reply = admin
        .post(
            &format!("/api/v1/namespaces/{NAMESPACE}/serviceaccounts/bellows-hpa/token"),
            &json!({"spec": {"expirationSeconds": 3600}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let token = reply.body["status"]["token"].as_str().unwrap().to_owned();
    let kubeconfig = stack.dir.join("bellows-hpa.kubeconfig");
    std::fs::write(&kubeconfig, token_kubeconfig(&stack.sim, &token)).unwrap();

    // RBAC is enforced for this identity: what the manifests do not grant is refused.
    let robot = AuthClient::token(&stack.sim, &token);
    let refused = robot.get("/apis/apps/v1/namespaces/default/deployments").await;
    assert_eq!(refused.status, 403, "{}", refused.text);

    let health_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let controller = Controller::start(&stack.dir, &kubeconfig, health_port);
    // Ready once the HPA and pod watches have listed, which needs the RBAC of the manifests.
    let ready = stack
        .wait_for("the controller's /readyz", Duration::from_secs(30), |_| {
            health(health_port, "/readyz?verbose").filter(|(status, _)| status.ends_with("200 OK"))
        })
        .await;
    assert!(ready.1.contains("[+]hpa-informer-sync ok"), "{}", ready.1);
    assert_eq!(health(health_port, "/livez").map(|(_, body)| body), Some("ok".to_owned()));
    stack.sim.create("autoscaling", "horizontalpodautoscalers", cpu_hpa("web", 30)).unwrap();
    let replicas = |s: &Stack| {
        s.sim.get("apps", "deployments", "default", "web").and_then(|d| d["spec"]["replicas"].as_i64())
    };
    // 2 pods at 60% of their request vs a 30% target → ceil(2 × 60/30) = 4 (as bellows_on_sim).
    let scaled = stack
        .wait_for("the first scale-up", Duration::from_secs(90), |s| replicas(s).filter(|r| *r > 2))
        .await;
    assert_eq!(scaled, 4, "controller log:\n{}", controller.log());

    let hpa = stack.sim.get("autoscaling", "horizontalpodautoscalers", "default", "web").unwrap();
    assert_eq!(hpa["status"]["desiredReplicas"], 4, "status patched");
    assert!(
        hpa["metadata"]["annotations"]["autoscaling.bellows.dev/history"].is_string(),
        "history annotation patched: {hpa}"
    );
    let lease =
        stack.sim.get("coordination.k8s.io", "leases", NAMESPACE, "bellows-hpa").expect("Lease created");
    assert_eq!(lease["spec"]["holderIdentity"], "bellows-hpa-0");
    let (events, _) = stack
        .sim
        .cluster()
        .list(&bellows_e2e::sim::store::ResourceKey::new("events.k8s.io", "events"), Some("default"));
    assert!(
        events.iter().any(|e| e["reason"] == "SuccessfulRescale" && e["reportingController"].is_string()),
        "{events:?}"
    );
    let log = controller.log();
    assert!(!log.to_lowercase().contains("forbidden"), "a call was refused:\n{log}");
}
