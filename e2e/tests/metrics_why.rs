//! `bellows metrics why` against the real `bellows run` on bellows-sim: the `/why/…` endpoint
//! behind the delegated auth layer, reached with the credentials of a kubeconfig.
//!
//! Scenario `e2e/scenarios/e2e-steady.yaml` (two nodes, Deployment `web` with two pods);
//! bellows scrapes every 10 s, so a pod is served after its second scrape.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::stack::{Stack, StackOptions, bellows_binary};
use serde_json::Value;

/// `bellows metrics why TARGET --server https://127.0.0.1:PORT --kubeconfig KC
/// --insecure-skip-tls-verify [extra]`.
fn why(stack: &Stack, kubeconfig: &Path, target: &str, extra: &[&str]) -> Output {
    Command::new(bellows_binary())
        .args(["metrics", "why", target, "--server", &format!("https://127.0.0.1:{}", stack.port)])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--insecure-skip-tls-verify")
        .args(extra)
        .env_remove("KUBECONFIG")
        .output()
        .expect("bellows runs")
}

/// Name of a pod of Deployment `web`, once the sim has created one.
async fn a_web_pod(stack: &Stack) -> String {
    let client = common::Client::admin(&stack.sim);
    let start = Instant::now();
    loop {
        let reply = client.get("/api/v1/namespaces/default/pods").await;
        if let Some(name) = reply.body["items"][0]["metadata"]["name"].as_str() {
            return name.to_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no pod after 30 s: {:?}", reply.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why_asks_the_running_bellows_and_answers_served_unknown_and_forbidden() {
    let mut stack = Stack::start(StackOptions::new("why")).await;
    let kubeconfig = stack.dir.join("kubeconfig");
    let pod = a_web_pod(&stack).await;
    let target = format!("default/{pod}");

    // Served once bellows has two scrapes of the pod's node.
    let doc: Value = stack
        .wait_for("the pod to be served according to `metrics why`", Duration::from_secs(60), |s| {
            let out = why(s, &kubeconfig, &target, &["-o", "json"]);
            let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
            (out.status.success() && doc["served"] == true).then_some(doc)
        })
        .await;
    assert_eq!(doc["object"], serde_json::json!({"kind": "pod", "namespace": "default", "name": pod}));
    assert_eq!(doc["reason"]["type"], "served");
    let message = doc["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("pod default/{pod}: served: metrics from 20")), "{message}");
    // The window is the time between two scrapes (~10 s, whole milliseconds: 9.999s is possible).
    let window: f64 = message
        .rsplit_once(", window ")
        .and_then(|(_, w)| w.strip_suffix('s'))
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no window in {message}"));
    assert!((9.0..=11.5).contains(&window), "{message}");

    // The human answer is the message on one line.
    let out = why(&stack, &kubeconfig, &target, &[]);
    assert_eq!(out.status.code(), Some(0));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with(&format!("pod default/{pod}: served: metrics from ")), "{line}");
    assert_eq!(line.lines().count(), 1, "{line}");

    // A node the sim does not have: an answer, exit 0.
    let out = why(&stack, &kubeconfig, "no-such-node", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "node no-such-node: not found: the cluster lists no node of that name\n"
    );

    // An identity without RBAC for the path: SubjectAccessReview says no, the CLI exits 1.
    let nobody = stack.sim.issue_client_cert("nobody", &[]).unwrap();
    let nobody_kubeconfig = stack.dir.join("nobody.kubeconfig");
    let yaml = bellows_e2e::sim::kubeconfig::render(
        stack.sim.api_url(),
        stack.sim.ca_pem(),
        &nobody.cert_pem,
        &nobody.key_pem,
    );
    std::fs::write(&nobody_kubeconfig, yaml).unwrap();
    let out = why(&stack, &nobody_kubeconfig, "no-such-node", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "bellows: bellows at https://127.0.0.1:{} answered 403: forbidden: User \"nobody\" cannot get path \
             \"/why/nodes/no-such-node\"",
            stack.port
        )),
        "{err}"
    );
}
