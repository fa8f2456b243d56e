//! `bellows metrics …` as a user runs it.

use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubelet");

fn bellows(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bellows")).args(args).output().expect("the bellows binary runs")
}

#[test]
fn scrape_of_a_file_prints_the_decoded_batch_with_exact_integers() {
    // metrics-server decode_test.go "Normal" payload (spec §2.2 A), node named after the file.
    let out = bellows(&["metrics", "scrape", &format!("{FIXTURES}/node1.txt")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let batch: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        batch["nodes"],
        serde_json::json!([{
            "name": "node1", "timestamp": "2021-10-03T09:36:49.72Z",
            "cumulativeCpuNanoseconds": 357_354_910_000_u64, "memoryWorkingSetBytes": 1_616_273_408_u64
        }])
    );
    let container = &batch["pods"][0]["containers"][0];
    assert_eq!(batch["pods"][0]["namespace"], "kube-system");
    assert_eq!(container["cumulativeCpuNanoseconds"], 4_710_169_000_u64);
    assert_eq!(container["memoryWorkingSetBytes"], 12_533_760);
    assert_eq!(container["startTime"], "2021-10-03T09:18:32Z");
}

#[test]
fn scrape_takes_the_node_name_from_the_flag() {
    let out = bellows(&["metrics", "scrape", "--node", "worker-7", &format!("{FIXTURES}/node1.txt")]);
    let batch: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(batch["nodes"][0]["name"], "worker-7");
}

#[test]
fn an_undecodable_payload_exits_non_zero_with_the_reason() {
    let out = bellows(&["metrics", "scrape", &format!("{FIXTURES}/garbage.txt")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("bellows: failed parsing metrics: "), "{err}");
}

#[test]
fn a_missing_file_names_the_path() {
    let out = bellows(&["metrics", "scrape", "/nonexistent/payload.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/payload.txt"));
}

#[test]
fn an_unreachable_kubelet_url_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("https://127.0.0.1:{port}/metrics/resource");
    let out = bellows(&["metrics", "scrape", "--insecure-skip-tls-verify", &url]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("bellows: unable to fetch metrics from node 127.0.0.1: "), "{err}");
}

// ---- metrics replay ----

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// `bellows metrics replay --node worker-1 FILES…` as JSON, asserting success.
fn replay(files: &[&str]) -> serde_json::Value {
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let mut args = vec!["metrics", "replay", "--node", "worker-1"];
    args.extend(paths.iter().map(String::as_str));
    let out = bellows(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("replay prints JSON")
}

#[test]
fn replay_of_two_payloads_serves_the_exact_rates_as_the_api_would() {
    let served = replay(&["worker-1-a.txt", "worker-1-b.txt"]);
    // (358.55491 − 357.35491) core-s over 15.002 s, truncated; 1616273408 B = 1578392Ki.
    assert_eq!(
        served["nodes"],
        serde_json::json!({
            "kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
            "items": [{
                "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": { "name": "worker-1", "creationTimestamp": "2021-10-03T09:37:07Z" },
                "timestamp": "2021-10-03T09:37:04Z", "window": "15.002s",
                "usage": { "cpu": "79989334n", "memory": "1578392Ki" }
            }]
        })
    );
    // web-1: 0.15 core-s over 15 s = 10m; 14401536 B = 14064Ki. crashy restarted: absent.
    assert_eq!(
        served["pods"]["items"],
        serde_json::json!([{
            "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": { "name": "web-1", "namespace": "default", "creationTimestamp": "2021-10-03T09:37:07Z" },
            "timestamp": "2021-10-03T09:37:07Z", "window": "15s",
            "containers": [{ "name": "app", "usage": { "cpu": "10m", "memory": "14064Ki" } }]
        }])
    );
    assert_eq!(served["pods"]["kind"], "PodMetricsList");
}

#[test]
fn replay_of_one_payload_serves_nothing_yet() {
    let served = replay(&["worker-1-a.txt"]);
    assert_eq!(served["nodes"]["items"], serde_json::json!([]));
    assert_eq!(served["pods"]["items"], serde_json::json!([]));
}

#[test]
fn replay_refuses_a_resolution_below_ten_seconds() {
    let out =
        bellows(&["metrics", "replay", "--node", "n", "--resolution", "5s", &fixture("worker-1-a.txt")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "bellows: --resolution must be at least 10s (as --metric-resolution), got 5s\n"
    );
}

// ---- metrics why, offline ----

/// `bellows metrics why TARGET --node worker-1 FILES… [extra]`: (exit code, stdout, stderr).
fn why_offline(target: &str, files: &[&str], extra: &[&str]) -> (Option<i32>, String, String) {
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let mut args = vec!["metrics", "why", target, "--node", "worker-1"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(extra);
    let out = bellows(&args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn why_says_a_restarted_container_keeps_its_pod_out() {
    let (code, out, err) = why_offline("default/crashy", &["worker-1-a.txt", "worker-1-b.txt"], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        "pod default/crashy: not served: container main restarted at 2021-10-03T09:36:58Z; served after the \
         next scrape, expected around 2021-10-03T09:37:22.125Z\n"
    );
}

#[test]
fn why_says_a_served_node_has_metrics_from_its_last_point() {
    let (code, out, _) = why_offline("worker-1", &["worker-1-a.txt", "worker-1-b.txt"], &["-o", "json"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["served"], true);
    assert_eq!(
        doc["message"],
        "node worker-1: served: metrics from 2021-10-03T09:37:04.722Z, window 15.002s"
    );
}

#[test]
fn why_after_one_payload_says_only_one_point_so_far() {
    let (code, out, _) = why_offline("default/web-1", &["worker-1-a.txt"], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "pod default/web-1: not served yet: only one point so far (container app) at 2021-10-03T09:36:52.125Z; \
         served after the next scrape, expected around 2021-10-03T09:37:07.125Z\n"
    );
}

#[test]
fn why_of_an_unknown_pod_is_an_answer_and_exits_zero() {
    let (code, out, _) = why_offline("default/ghost", &["worker-1-a.txt", "worker-1-b.txt"], &["-o", "json"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["served"], false);
    assert_eq!(doc["reason"], serde_json::json!({"type": "neverSeen"}));
}

#[test]
fn why_with_a_bad_target_exits_non_zero_naming_it() {
    let (code, out, err) = why_offline("a/b/c", &["worker-1-a.txt"], &[]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert_eq!(
        err,
        "bellows: invalid target \"a/b/c\": more than one '/' (expected NODE or NAMESPACE/POD)\n"
    );
}

#[test]
fn why_against_an_unreachable_server_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = std::env::temp_dir().join(format!("bellows-why-unreachable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, KUBECONFIG).unwrap();
    let server = format!("https://127.0.0.1:{port}");
    let out = bellows(&[
        "metrics",
        "why",
        "n1",
        "--server",
        &server,
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--insecure-skip-tls-verify",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with(&format!("bellows: cannot reach bellows at {server}: ")), "{err}");
    assert!(err.contains("Connection refused"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, no log noise: {err}");
}

/// A kubeconfig with a bearer token and no CA (the server is never reached).
const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
users:
- name: u
  user:
    token: abc
contexts:
- name: x
  context:
    cluster: c
    user: u
current-context: x
";
