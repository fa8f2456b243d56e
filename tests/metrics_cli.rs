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
