//! Custom resources are pruned, defaulted and validated against their CRD's structural schema:
//! bellows' own `AutoscalingPolicy` CRD as the realistic case, a small `Widget` CRD for the other
//! rules (enum, int-or-string, preserved fields, status and scale subresources), and the real
//! kubectl showing the `is invalid` message.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use bellows_e2e::sim::SimConfig;
use serde_json::{Value, json};

use common::kubectl::find_kubectl;
use common::{Client, Reply, start_bare_sim};

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const POLICIES: &str = "/apis/autoscaling.bellows.dev/v1alpha1/namespaces/default/autoscalingpolicies";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

fn crd_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crds/autoscalingpolicies.autoscaling.bellows.dev.yaml")
}

/// bellows' `AutoscalingPolicy` CRD as JSON.
fn policy_crd() -> Value {
    let text = std::fs::read_to_string(crd_file()).expect("CRD file");
    serde_saphyr::from_str(&text).expect("CRD parses")
}

/// An `AutoscalingPolicy` with this spec.
fn policy(name: &str, spec: Value) -> Value {
    let mut o = json!({"apiVersion": "autoscaling.bellows.dev/v1alpha1", "kind": "AutoscalingPolicy",
                       "metadata": {"name": name}});
    o["spec"] = spec;
    o
}

/// A Widget CRD: `spec.size` 0..=10 (the scale path), `spec.mode` enum, `spec.quantity`
/// int-or-string, `spec.extra` preserved, `status.phase` string, both subresources.
fn widget_crd() -> Value {
    let spec = json!({"type": "object", "required": ["size"], "properties": {
        "size": {"type": "integer", "minimum": 0, "maximum": 10},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "quantity": {"x-kubernetes-int-or-string": true},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}});
    let status = json!({"type": "object", "properties": {"phase": {"type": "string"}}});
    let schema = json!({"type": "object", "properties": {"spec": spec, "status": status}});
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": schema},
                "subresources": {"status": {},
                    "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}}}]}})
}

fn widget(name: &str, spec: Value) -> Value {
    let mut o = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}});
    o["spec"] = spec;
    o
}

/// `(field, reason, message)` of each cause, sorted.
fn causes(reply: &Reply) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = reply.body["details"]["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("field"), s("reason"), s("message"))
        })
        .collect();
    out.sort();
    out
}

fn cause(field: &str, reason: &str, message: &str) -> (String, String, String) {
    (field.to_owned(), reason.to_owned(), message.to_owned())
}

#[tokio::test]
async fn autoscaling_policy_gets_its_defaults_and_loses_unknown_fields() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(CRDS, &policy_crd()).await.status, 201);
    let spec = json!({"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                      "horizontal": {"maxReplicas": 5}, "typo": true});
    let created = c.post(POLICIES, &policy("web", spec)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let h = &created.body["spec"]["horizontal"];
    assert_eq!((h["minReplicas"].as_i64(), h["maxReplicas"].as_i64()), (Some(1), Some(5)));
    assert_eq!(h["cpuInitializationPeriod"], "5m");
    assert_eq!(h["initialReadinessDelay"], "30s");
    assert!(created.body["spec"].get("typo").is_none());
    assert_eq!(c.get(&format!("{POLICIES}/web")).await.body["spec"]["horizontal"]["minReplicas"], 1);
}

#[tokio::test]
async fn autoscaling_policy_out_of_range_or_incomplete_is_422_with_causes() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(CRDS, &policy_crd()).await.status, 201);
    let spec =
        json!({"horizontal": {"minReplicas": -1, "maxReplicas": 0, "cpuInitializationPeriod": "soon"}});
    let reply = c.post(POLICIES, &policy("bad", spec)).await;
    assert_eq!((reply.status, reply.body["reason"].as_str()), (422, Some("Invalid")));
    assert_eq!(reply.body["details"]["kind"], "AutoscalingPolicy");
    assert_eq!(reply.body["details"]["group"], "autoscaling.bellows.dev");
    let got = causes(&reply);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[3], cause("spec.targetRef", "FieldValueRequired", "Required value"));
    assert_eq!(
        got[1],
        cause(
            "spec.horizontal.maxReplicas",
            "FieldValueInvalid",
            "Invalid value: 0: spec.horizontal.maxReplicas in body should be greater than or equal to 1"
        )
    );
    assert_eq!(
        got[2],
        cause(
            "spec.horizontal.minReplicas",
            "FieldValueInvalid",
            "Invalid value: -1: spec.horizontal.minReplicas in body should be greater than or equal to 0"
        )
    );
    assert!(got[0].2.starts_with(
        r#"Invalid value: "soon": spec.horizontal.cpuInitializationPeriod in body should match"#
    ));
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(r#"AutoscalingPolicy.autoscaling.bellows.dev "bad" is invalid: ["#),
        "{message}"
    );
    assert!(message.contains("spec.targetRef: Required value"), "{message}");
    assert_eq!(c.get(&format!("{POLICIES}/bad")).await.status, 404);
}

#[tokio::test]
async fn autoscaling_policy_status_writes_are_validated() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(CRDS, &policy_crd()).await.status, 201);
    let spec = json!({"targetRef": {"kind": "Deployment", "name": "web"}, "horizontal": {"maxReplicas": 3}});
    assert_eq!(c.post(POLICIES, &policy("web", spec)).await.status, 201);
    let status_url = format!("{POLICIES}/web/status");
    let merge = "application/merge-patch+json";
    let bad = c.patch(&status_url, merge, &json!({"status": {"currentReplicas": "two"}})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.body["message"],
        r#"AutoscalingPolicy.autoscaling.bellows.dev "web" is invalid: status.currentReplicas: Invalid value: "string": status.currentReplicas in body must be of type integer: "string""#
    );
    let good = c
        .patch(&status_url, merge, &json!({"status": {"currentReplicas": 2, "target": "Deployment/web"}}))
        .await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(good.body["status"]["currentReplicas"], 2);
}

#[tokio::test]
async fn widget_rules_prune_default_and_reject_with_upstream_messages() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(CRDS, &widget_crd()).await.status, 201);
    let ok = widget("w1", json!({"size": 3, "quantity": "100m", "extra": {"free": {"form": 1}}, "junk": 1}));
    let created = c.post(WIDGETS, &ok).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.body["spec"],
        json!({"size": 3, "mode": "a", "quantity": "100m", "extra": {"free": {"form": 1}}})
    );

    let bad = c.post(WIDGETS, &widget("w2", json!({"size": -1, "mode": "x"}))).await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.body["message"],
        r#"Widget.example.com "w2" is invalid: [spec.mode: Unsupported value: "x": supported values: "a", "b", spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0]"#
    );
    assert_eq!(causes(&bad)[0].1, "FieldValueNotSupported");

    let mut replaced = created.body.clone();
    replaced["spec"]["size"] = json!("big");
    let put = c.put(&format!("{WIDGETS}/w1"), &replaced).await;
    assert_eq!(put.status, 422);
    assert_eq!(
        causes(&put),
        [cause(
            "spec.size",
            "FieldValueTypeInvalid",
            r#"Invalid value: "string": spec.size in body must be of type integer: "string""#
        )]
    );
}

#[tokio::test]
async fn widget_scale_and_status_writes_keep_the_object_valid() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(CRDS, &widget_crd()).await.status, 201);
    assert_eq!(c.post(WIDGETS, &widget("w1", json!({"size": 3}))).await.status, 201);
    let merge = "application/merge-patch+json";
    let scale = c.patch(&format!("{WIDGETS}/w1/scale"), merge, &json!({"spec": {"replicas": 20}})).await;
    assert_eq!(scale.status, 422);
    assert_eq!(
        scale.body["message"],
        r#"Widget.example.com "w1" is invalid: spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10"#
    );
    let scale = c.patch(&format!("{WIDGETS}/w1/scale"), merge, &json!({"spec": {"replicas": 7}})).await;
    assert_eq!(scale.body["spec"]["replicas"], 7);

    let status = c.patch(&format!("{WIDGETS}/w1/status"), merge, &json!({"status": {"phase": 1}})).await;
    assert_eq!(status.status, 422);
    assert_eq!(causes(&status)[0].0, "status.phase");
    let status = c
        .patch(&format!("{WIDGETS}/w1/status"), merge, &json!({"status": {"phase": "Ready", "noise": 1}}))
        .await;
    assert_eq!(status.status, 200);
    assert_eq!(status.body["status"], json!({"phase": "Ready"}));
    assert_eq!(status.body["spec"]["size"], 7);
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn kubectl_apply_of_an_invalid_policy_prints_is_invalid() {
    let kubectl = match find_kubectl() {
        Ok(k) => k,
        Err(why) => {
            eprintln!("skipping kubectl acceptance test: {why}");
            return;
        }
    };
    let dir = TempDir(std::env::temp_dir().join(format!("bellows-crd-schema-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    let config = SimConfig { kubeconfig_out: Some(dir.0.join("kubeconfig")), ..SimConfig::default() };
    let _sim = common::start_sim_with(config).await;
    let manifest = dir.0.join("bad.yaml");
    let bad = policy(
        "bad",
        json!({"targetRef": {"kind": "Deployment", "name": "web"},
                                   "horizontal": {"minReplicas": -1, "maxReplicas": 3}}),
    );
    std::fs::write(&manifest, bad.to_string()).expect("write manifest");
    let run = |file: PathBuf| {
        let mut cmd = Command::new(&kubectl);
        cmd.arg("--kubeconfig").arg(dir.0.join("kubeconfig")).arg("--cache-dir").arg(dir.0.join("cache"));
        cmd.arg("apply").arg("-f").arg(file).env_remove("KUBECONFIG").stdin(Stdio::null());
        async move {
            let out =
                tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("kubectl runs");
            (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    let (ok, err) = run(crd_file()).await;
    assert!(ok, "CRD apply failed: {err}");
    let (ok, err) = run(manifest).await;
    eprintln!("kubectl apply said: {err}");
    assert!(!ok);
    assert!(err.contains(r#"AutoscalingPolicy "bad" is invalid"#), "{err}");
    assert!(
        err.contains("spec.horizontal.minReplicas: Invalid value: -1: spec.horizontal.minReplicas in body should be greater than or equal to 0"),
        "{err}"
    );
}
