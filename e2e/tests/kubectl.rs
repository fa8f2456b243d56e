//! Acceptance tests with the real `kubectl` binary against the sim.
//!
//! kubectl is looked up as `$KUBECTL`, then `<workspace>/.venv/bin/kubectl`, then `kubectl` on
//! PATH if it is at least 1.30. Without one, each test prints why it is skipped and passes.
//! kubectl always gets `--kubeconfig` (the sim's) and `--cache-dir` in a per-test temp dir, so
//! the user's `~/.kube` is never read or written.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::Duration;

use bellows_e2e::sim::SimConfig;
use serde_json::json;

use common::kubectl::KubectlSim;

/// A sim with `nodes` nodes and kubectl pointed at it.
async fn harness(nodes: usize) -> Option<KubectlSim> {
    KubectlSim::start(SimConfig { nodes, ..SimConfig::default() }).await
}

/// The whitespace-separated cells of each output line.
fn rows(out: &str) -> Vec<Vec<String>> {
    out.lines().map(|l| l.split_whitespace().map(str::to_owned).collect()).collect()
}

const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: \"1\", b: \"2\"}
";

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_gets_nodes_and_namespaces() {
    let Some(h) = harness(3).await else { return };
    let nodes = rows(&h.ok(&["get", "nodes"]).await);
    assert_eq!(nodes[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(nodes.len(), 4);
    assert_eq!(
        (nodes[1][0].as_str(), nodes[1][1].as_str(), nodes[1][4].as_str()),
        ("node-1", "Ready", "v1.35.0")
    );
    let ns = h.ok(&["get", "ns"]).await;
    for name in ["default", "kube-system", "kube-public"] {
        assert!(ns.lines().any(|l| l.starts_with(name) && l.contains("Active")), "{name} in\n{ns}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_from_files_and_prints_printer_columns() {
    let Some(h) = harness(1).await else { return };
    let file = h.write("app.yaml", APP);
    let out = h.ok(&["create", "-f", &file]).await;
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["deployment.apps/web created", "service/web created", "configmap/cfg created"]
    );
    let deploy = rows(&h.ok(&["get", "deploy"]).await);
    assert_eq!(deploy[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    // The controllers may already have started the pods: READY is 0/2 … 2/2.
    assert_eq!(deploy[1][0], "web");
    assert!(deploy[1][1].ends_with("/2"), "{deploy:?}");
    let svc = rows(&h.ok(&["get", "svc", "web"]).await);
    assert_eq!(svc[1][..3], ["web", "ClusterIP", "10.96.0.2"]);
    assert_eq!(svc[1][4], "80/TCP");
    let cm = rows(&h.ok(&["get", "cm", "cfg"]).await);
    assert_eq!(cm[1][..2], ["cfg", "2"]);
    let (code, _, err) = h.run(&["create", "-f", &file]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("deployments.apps \"web\" already exists"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_pods_in_all_namespaces_wide() {
    let Some(h) = harness(1).await else { return };
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "kube-system"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx"}]},
        "status": {"phase": "Running", "podIP": "10.244.1.5",
                   "containerStatuses": [{"name": "app", "ready": true, "restartCount": 2}]}});
    h.sim.create("", "pods", pod).expect("pod created");
    let out = rows(&h.ok(&["get", "pods", "-A", "-o", "wide"]).await);
    assert_eq!(out[0][..7], ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP"]);
    assert_eq!(out[1][..5], ["kube-system", "web-1", "1/1", "Running", "2"]);
    assert_eq!(out[1][6..8], ["10.244.1.5", "node-1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_scales_a_deployment() {
    let Some(h) = harness(1).await else { return };
    h.ok(&["create", "-f", &h.write("app.yaml", APP)]).await;
    assert_eq!(h.ok(&["scale", "deploy/web", "--replicas=5"]).await.trim(), "deployment.apps/web scaled");
    assert_eq!(h.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]).await, "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_patches_with_merge_json_and_strategic_patches() {
    let Some(h) = harness(1).await else { return };
    h.ok(&["create", "-f", &h.write("app.yaml", APP)]).await;
    let merge = h
        .ok(&["patch", "deploy", "web", "--type=merge", "-p", r#"{"metadata":{"labels":{"tier":"front"}}}"#])
        .await;
    assert_eq!(merge.trim(), "deployment.apps/web patched");
    h.ok(&[
        "patch",
        "deploy",
        "web",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
    ])
    .await;
    h.ok(&[
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}"#,
    ])
    .await;
    let got = h
        .ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.labels.tier} {.spec.replicas} {.spec.template.spec.containers[*].name}",
        ])
        .await;
    assert_eq!(got, "front 3 app side");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_deletes_objects() {
    let Some(h) = harness(1).await else { return };
    h.ok(&["create", "-f", &h.write("app.yaml", APP)]).await;
    let out = h.ok(&["delete", "cm", "cfg"]).await;
    assert!(out.starts_with("configmap \"cfg\" deleted"), "{out}");
    let (code, _, err) = h.run(&["get", "cm", "cfg"]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("configmaps \"cfg\" not found"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_api_resources_and_raw_get() {
    let Some(h) = harness(1).await else { return };
    let resources = rows(&h.ok(&["api-resources"]).await);
    let find = |name: &str| resources.iter().find(|r| r[0] == name).cloned().unwrap_or_default();
    assert_eq!(find("pods"), ["pods", "po", "v1", "true", "Pod"]);
    assert_eq!(find("deployments"), ["deployments", "deploy", "apps/v1", "true", "Deployment"]);
    let raw: serde_json::Value =
        serde_json::from_str(&h.ok(&["get", "--raw", "/api/v1/namespaces"]).await).expect("json");
    assert_eq!(raw["kind"], "NamespaceList");
    assert_eq!(raw["items"].as_array().map(Vec::len), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_client_side_and_server_side() {
    let Some(h) = harness(1).await else { return };
    let file = h.write("app.yaml", APP);
    let first = h.ok(&["apply", "-f", &file]).await;
    assert!(first.contains("deployment.apps/web created"), "{first}");
    let again = h.ok(&["apply", "-f", &file]).await;
    assert!(again.contains("deployment.apps/web unchanged"), "{again}");
    let changed = h.write("app2.yaml", &APP.replace("replicas: 2", "replicas: 4"));
    assert!(h.ok(&["apply", "-f", &changed]).await.contains("deployment.apps/web configured"));
    assert_eq!(h.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]).await, "4");
    let ssa = h.ok(&["apply", "--server-side", "-f", &file]).await;
    assert!(ssa.contains("deployment.apps/web serverside-applied"), "{ssa}");
    assert_eq!(h.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]).await, "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_serves_a_crd_and_its_printer_columns() {
    let Some(h) = harness(1).await else { return };
    h.ok(&["apply", "-f", &h.write("crd.yaml", CRD)]).await;
    let widget =
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3, color: blue}\n";
    assert_eq!(
        h.ok(&["apply", "-f", &h.write("w.yaml", widget)]).await.trim(),
        "widget.example.com/w1 created"
    );
    let out = rows(&h.ok(&["get", "widgets"]).await);
    assert_eq!(out, [vec!["NAME", "SIZE", "COLOR"], vec!["w1", "3", "blue"]]);
    assert_eq!(rows(&h.ok(&["get", "wg", "w1"]).await)[1], ["w1", "3", "blue"]);
    let crds = rows(&h.ok(&["get", "crd"]).await);
    assert_eq!(crds[0], ["NAME", "CREATED", "AT"]);
    assert_eq!(crds[1][0], "widgets.example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_watch_streams_changes() {
    let Some(h) = harness(1).await else { return };
    let cm = |name: &str| json!({"metadata": {"name": name, "namespace": "default"}, "data": {"k": "v"}});
    h.sim.create("", "configmaps", cm("first")).expect("create");
    let mut child =
        h.command(&["get", "cm", "-w"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    // Wait for a line: kubectl has listed (and is watching) once `first` is printed.
    let mut next_line = async |seen: &mut Vec<String>| {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.recv()).await.ok().flatten();
        seen.extend(line.clone());
        line
    };
    while let Some(line) = next_line(&mut seen).await {
        if line.starts_with("first ") {
            break;
        }
    }
    h.sim.create("", "configmaps", cm("live")).expect("create");
    while let Some(line) = next_line(&mut seen).await {
        if line.starts_with("live ") {
            break;
        }
    }
    let _ = child.kill();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let text = seen.join("\n");
    let rows = rows(&text);
    assert_eq!(
        rows.first().map(|r| r[..2].to_vec()),
        Some(vec!["NAME".to_owned(), "DATA".to_owned()]),
        "{text}"
    );
    assert!(rows.iter().any(|r| r[..2] == ["live", "1"]), "watch output:\n{text}");
}

/// Poll `kubectl get pods -l <selector>` until `want` pods are listed, all `Running`.
async fn wait_running(h: &KubectlSim, selector: &str, want: usize) -> Vec<Vec<String>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let out = h.ok(&["get", "pods", "-l", selector, "--no-headers"]).await;
        let pods = rows(&out);
        if pods.len() == want && pods.iter().all(|r| r.get(2).map(String::as_str) == Some("Running")) {
            return pods;
        }
        assert!(std::time::Instant::now() < deadline, "pods never became {want} Running:\n{out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_scaled_deployment_runs_its_pods() {
    let Some(h) = harness(2).await else { return };
    h.ok(&["create", "-f", &h.write("app.yaml", APP)]).await;
    wait_running(&h, "app=web", 2).await;
    assert_eq!(h.ok(&["scale", "deploy/web", "--replicas=4"]).await.trim(), "deployment.apps/web scaled");
    let pods = wait_running(&h, "app=web", 4).await;
    assert!(pods.iter().all(|r| r[0].starts_with("web-") && r[1] == "1/1"), "{pods:?}");
    let status = h.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]).await;
    assert!(status.contains("deployment \"web\" successfully rolled out"), "{status}");
    // `kubectl delete pod` waits until the pod is gone after its (simulated) grace period.
    let victim = pods[0][0].clone();
    let deleted = h.ok(&["delete", "pod", &victim]).await;
    assert!(deleted.starts_with(&format!("pod \"{victim}\" deleted")), "{deleted}");
    let pods = wait_running(&h, "app=web", 4).await;
    assert!(pods.iter().all(|r| r[0] != victim), "{pods:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let deploy = rows(&h.ok(&["get", "deploy", "web", "--no-headers"]).await);
        if deploy[0][1..4] == ["4/4", "4", "4"] {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "deployment never 4/4: {deploy:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_resizes_a_pod_in_place() {
    let Some(h) = harness(1).await else { return };
    let pod = "apiVersion: v1
kind: Pod
metadata: {name: r, labels: {app: r}}
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
";
    h.ok(&["create", "-f", &h.write("pod.yaml", pod)]).await;
    wait_running(&h, "app=r", 1).await;
    let patch = r#"{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"400m"},"limits":{"cpu":"800m"}}}]}}"#;
    let out = h.ok(&["patch", "pod", "r", "--subresource=resize", "-p", patch]).await;
    assert_eq!(out.trim(), "pod/r patched");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let alloc = h
            .ok(&["get", "pod", "r", "-o", "jsonpath={.status.containerStatuses[0].allocatedResources.cpu}"])
            .await;
        if alloc == "400m" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "allocatedResources never 400m: {alloc}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An `events.k8s.io/v1` Event about the HPA `name`, as bellows writes them.
fn hpa_event_manifest(name: &str, uid: &str, note: &str) -> String {
    json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": format!("{name}.rescale"), "namespace": "default"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "bellows", "reportingInstance": "bellows-0",
        "action": "Scale", "reason": "SuccessfulRescale", "type": "Normal", "note": note,
        "regarding": {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
                      "namespace": "default", "name": name, "uid": uid},
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_describe_hpa_lists_an_event_written_through_events_k8s_io() {
    let Some(h) = harness(1).await else { return };
    let hpa = h
        .sim
        .create(
            "autoscaling",
            "horizontalpodautoscalers",
            json!({"metadata": {"name": "web", "namespace": "default"},
                   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                            "minReplicas": 1, "maxReplicas": 5}}),
        )
        .expect("hpa created");
    let uid = hpa["metadata"]["uid"].as_str().expect("uid").to_owned();
    let note = "New size: 4; reason: cpu resource utilization (percentage of request) above target";
    let file = h.write("event.json", &hpa_event_manifest("web", &uid, note));
    h.ok(&["create", "-f", &file]).await;
    let out = h.ok(&["describe", "hpa", "web"]).await;
    let events = out.split("Events:").nth(1).unwrap_or_default();
    assert!(events.contains("SuccessfulRescale"), "{out}");
    assert!(events.contains(note), "{out}");
    let core = h.ok(&["get", "events", "--field-selector", "involvedObject.name=web", "-o", "json"]).await;
    let core: serde_json::Value = serde_json::from_str(&core).expect("json");
    assert_eq!(core["items"][0]["message"], note);
    assert_eq!(core["items"][0]["involvedObject"]["uid"], uid.as_str());
}
