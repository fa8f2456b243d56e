//! The `bellows` binary as a user runs it: exit codes, stdout/stderr split, help text.

use std::process::{Command, Output};

fn bellows(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("BELLOWS_LOG_LEVEL")
        .env_remove("BELLOWS_LOG_FORMAT")
        .output()
        .expect("the bellows binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

#[test]
fn version_prints_crate_version_commit_and_kubernetes_api() {
    let out = bellows(&["version"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let expected_prefix = format!("bellows {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected_prefix), "{text}");
    assert!(text.trim_end().ends_with(", Kubernetes API 1.35)"), "{text}");
}

#[test]
fn version_as_json_is_one_parseable_object() {
    let out = bellows(&["version", "--output", "json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["kubernetesApi"], "1.35");
    assert!(json["gitCommit"].as_str().is_some_and(|c| !c.is_empty()));
}

#[test]
fn help_lists_the_commands_that_exist() {
    let out = bellows(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for command in ["crds", "hpa", "manifests", "metrics", "run", "version"] {
        assert!(text.contains(command), "{command} missing from\n{text}");
    }
}

#[test]
fn unknown_command_fails_with_usage_on_stderr() {
    let out = bellows(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn invalid_log_level_is_a_clear_error_not_a_panic() {
    let out = bellows(&["--log-level", "bellows=loud", "version"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid log filter \"bellows=loud\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn crds_prints_exactly_the_committed_crd_files() {
    let out = bellows(&["crds"]);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crds/autoscalingpolicies.autoscaling.bellows.dev.yaml"
    ))
    .unwrap();
    assert_eq!(stdout(&out), committed);
}

#[test]
fn manifests_prints_exactly_the_committed_manifest_files() {
    let out = bellows(&["manifests"]);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/manifests/metrics/bellows-metrics.yaml"
    ))
    .unwrap();
    assert_eq!(stdout(&out), committed);
}

#[test]
fn run_refuses_roles_that_do_not_exist_yet_before_touching_a_cluster() {
    let out = bellows(&["run", "--components", "metrics,vpa-updater", "--kubeconfig", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not implemented yet (available: metrics, hpa)"), "{err}");
}

#[test]
fn run_with_a_missing_kubeconfig_names_the_file() {
    let out = bellows(&["run", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reading kubeconfig /nonexistent/kubeconfig"), "{err}");
}
