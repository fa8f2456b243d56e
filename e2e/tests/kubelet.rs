//! The simulated kubelets over real HTTPS: authentication and authorization like a kubelet, the
//! `/metrics/resource` payload, faults (run-time and scripted) and OOM kills.

#![allow(clippy::float_cmp, reason = "exact values are the point of these tests")]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bellows_e2e::sim::kubelet::fault::Fault;
use bellows_e2e::sim::pki::IssuedCert;
use bellows_e2e::sim::scenario;
use bellows_e2e::sim::{SimConfig, SimHandle};
use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use rustls::RootCertStore;
use rustls_pki_types::ServerName;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// How a test client proves who it is to a kubelet.
enum Credentials<'a> {
    None,
    Cert(&'a IssuedCert),
    Bearer(&'a str),
}

/// One GET to a kubelet; `Err` carries the connection error (e.g. refused).
async fn kubelet_get(
    sim: &SimHandle,
    addr: SocketAddr,
    path: &str,
    creds: &Credentials<'_>,
) -> Result<(u16, String), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(sim.ca_der().clone()).map_err(|e| e.to_string())?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let config = match creds {
        Credentials::Cert(c) => builder
            .with_client_auth_cert(vec![c.cert_der.clone()], c.private_key())
            .map_err(|e| e.to_string())?,
        Credentials::None | Credentials::Bearer(_) => builder.with_no_client_auth(),
    };
    let tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    // The serving certificate must carry the node IP: verify against it, as metrics-server does.
    let name = ServerName::IpAddress(addr.ip().into());
    let tls =
        TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| format!("tls: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = Request::get(path).header("host", addr.to_string());
    if let Credentials::Bearer(token) = creds {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let req = req.body(Empty::<Bytes>::new()).map_err(|e| e.to_string())?;
    let response = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

async fn start(nodes: usize) -> SimHandle {
    common::start_sim_with(SimConfig { nodes, ..SimConfig::default() }).await
}

/// A strict Prometheus text check: every line is `# HELP`/`# TYPE` or `name{labels} value [ts]`.
fn strict_samples(text: &str) -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, rest) = match line.find('}') {
            Some(i) => (&line[..=i], &line[i + 1..]),
            None => line.split_at(line.find(' ').ok_or_else(|| format!("bad line {line:?}"))?),
        };
        let name = series.split('{').next().unwrap_or_default();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad metric name in {line:?}"));
        }
        let fields: Vec<&str> = rest.trim_start_matches(' ').split(' ').collect();
        if !rest.starts_with(' ') || fields.is_empty() || fields.len() > 2 {
            return Err(format!("bad value part in {line:?}"));
        }
        let value = fields[0].parse::<f64>().map_err(|e| format!("{line:?}: {e}"))?;
        if let Some(ts) = fields.get(1) {
            ts.parse::<i64>().map_err(|e| format!("{line:?}: {e}"))?;
        }
        out.push((series.to_owned(), value));
    }
    Ok(out)
}

/// A Running pod on `node` started now, with an optional memory limit.
fn running_pod(name: &str, node: &str, memory_limit: Option<&str>) -> Value {
    let limits = memory_limit.map_or_else(|| json!({}), |m| json!({"memory": m}));
    let now = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "x", "resources": {"limits": limits}}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "app", "restartCount": 0, "ready": true, "state": {"running": {"startedAt": now}}}]},
    })
}

#[tokio::test]
async fn each_node_has_its_own_kubelet_published_on_the_node_object() {
    let sim = start(2).await;
    let one = sim.kubelet_endpoint("node-1").unwrap();
    let two = sim.kubelet_endpoint("node-2").unwrap();
    assert_ne!(one.ip(), two.ip());
    assert!(one.ip().is_loopback() && one.port() != 0);
    let node = sim.get("", "nodes", "", "node-1").unwrap();
    assert_eq!(
        node["status"]["addresses"][0],
        json!({"type": "InternalIP", "address": one.ip().to_string()})
    );
    assert_eq!(node["status"]["addresses"][1]["type"], "Hostname");
    assert_eq!(node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], one.port());
    let other = start(1).await;
    assert_ne!(other.kubelet_endpoint("node-1").unwrap().ip(), one.ip());
}

#[tokio::test]
async fn the_admin_certificate_scrapes_a_strictly_formatted_payload() {
    let sim = start(1).await;
    sim.create("", "pods", running_pod("idle", "node-1", None)).unwrap();
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    let admin = Credentials::Cert(sim.admin_cert());
    let (status, body) = kubelet_get(&sim, addr, "/healthz", &admin).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = kubelet_get(&sim, addr, "/metrics/resource", &admin).await.unwrap();
    assert_eq!(status, 200);
    let samples = strict_samples(&body).unwrap();
    let value = |series: &str| samples.iter().find(|s| s.0 == series).map(|s| s.1);
    assert!(value("node_cpu_usage_seconds_total").unwrap() > 0.0);
    assert!(value("node_memory_working_set_bytes").unwrap() >= 512.0 * 1024.0 * 1024.0);
    let pod = r#"{container="app",namespace="default",pod="idle"}"#;
    assert!(value(&format!("container_cpu_usage_seconds_total{pod}")).unwrap() > 0.0);
    assert_eq!(value(&format!("container_memory_working_set_bytes{pod}")), Some(16.0 * 1024.0 * 1024.0));
    assert_eq!(value("resource_scrape_error"), Some(0.0));
    let (status, _) = kubelet_get(&sim, addr, "/stats/summary", &admin).await.unwrap();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn requests_without_credentials_get_401() {
    let sim = start(1).await;
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    let (status, body) = kubelet_get(&sim, addr, "/metrics/resource", &Credentials::None).await.unwrap();
    assert_eq!((status, body.as_str()), (401, "Unauthorized"));
}

#[tokio::test]
async fn a_user_without_rbac_gets_403_until_a_binding_allows_nodes_metrics() {
    let sim = start(1).await;
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    let alice = sim.issue_client_cert("alice", &["devs"]).unwrap();
    let (status, body) =
        kubelet_get(&sim, addr, "/metrics/resource", &Credentials::Cert(&alice)).await.unwrap();
    assert_eq!(status, 403);
    assert_eq!(body, "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[metrics])");
    allow_node_metrics(
        &sim,
        "alice-metrics",
        &json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}),
    );
    let (status, _) = kubelet_get(&sim, addr, "/metrics/resource", &Credentials::Cert(&alice)).await.unwrap();
    assert_eq!(status, 200);
    // nodes/metrics does not cover other kubelet paths (authorized as nodes/proxy).
    let (status, body) = kubelet_get(&sim, addr, "/healthz", &Credentials::Cert(&alice)).await.unwrap();
    assert_eq!(
        (status, body.as_str()),
        (403, "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[proxy])")
    );
}

#[tokio::test]
async fn run_time_faults_refuse_delay_garble_and_zero() {
    let sim = start(2).await;
    sim.create("", "pods", running_pod("idle", "node-2", None)).unwrap();
    let addr = sim.kubelet_endpoint("node-2").unwrap();
    let admin = Credentials::Cert(sim.admin_cert());

    sim.kubelet_fault("node-2", Fault::Down);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = kubelet_get(&sim, addr, "/healthz", &admin).await.unwrap_err();
    assert!(err.contains("refused"), "{err}");
    // Other nodes are unaffected.
    let (status, _) =
        kubelet_get(&sim, sim.kubelet_endpoint("node-1").unwrap(), "/healthz", &admin).await.unwrap();
    assert_eq!(status, 200);
    sim.clear_kubelet_fault("node-2");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(kubelet_get(&sim, addr, "/healthz", &admin).await.unwrap().0, 200);

    sim.kubelet_fault("node-2", Fault::Garbage);
    let (status, body) = kubelet_get(&sim, addr, "/metrics/resource", &admin).await.unwrap();
    assert_eq!(status, 200);
    assert!(strict_samples(&body).is_err(), "garbage parsed: {body:?}");

    sim.kubelet_fault("node-2", Fault::Zero);
    let (_, body) = kubelet_get(&sim, addr, "/metrics/resource", &admin).await.unwrap();
    let samples = strict_samples(&body).unwrap();
    assert!(samples.iter().any(|s| s.0.starts_with("container_cpu_usage_seconds_total")));
    assert!(samples.iter().filter(|s| !s.0.starts_with("container_start_time_seconds")).all(|s| s.1 == 0.0));

    sim.kubelet_fault("node-2", Fault::Slow(Duration::from_millis(400)));
    let started = Instant::now();
    assert_eq!(kubelet_get(&sim, addr, "/healthz", &admin).await.unwrap().0, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn scripted_faults_follow_the_scenario_clock() {
    let s = scenario::parse(
        "nodes: {count: 1}\nfaults: [{node: node-1, kind: down, from: 0s, to: 1s}]\n",
        Path::new("."),
    )
    .unwrap();
    let sim = common::start_sim_with(SimConfig { scenario: Some(s), ..SimConfig::default() }).await;
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    let admin = Credentials::Cert(sim.admin_cert());
    let err = kubelet_get(&sim, addr, "/healthz", &admin).await.unwrap_err();
    assert!(err.contains("refused"), "{err}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match kubelet_get(&sim, addr, "/healthz", &admin).await {
            Ok((status, _)) => break assert_eq!(status, 200),
            Err(e) if Instant::now() < deadline => {
                assert!(e.contains("refused"), "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("kubelet still down after the window: {e}"),
        }
    }
}

#[tokio::test]
async fn a_scenario_sets_node_capacity_and_creates_annotated_deployments() {
    let text = "nodes: {count: 2, cpu: '8', memory: 32Gi, pods: 50}\nworkloads: [{name: web, namespace: shop, readinessDelay: 3s, requests: {cpu: 100m}}]\n";
    let s = scenario::parse(text, Path::new(".")).unwrap();
    let sim = common::start_sim_with(SimConfig { scenario: Some(s), nodes: 7, ..SimConfig::default() }).await;
    assert!(sim.get("", "nodes", "", "node-3").is_none());
    let node = sim.get("", "nodes", "", "node-2").unwrap();
    assert_eq!(
        node["status"]["allocatable"],
        json!({"cpu": "8", "memory": "32Gi", "pods": "50", "ephemeral-storage": "100Gi"})
    );
    let deploy = sim.get("apps", "deployments", "shop", "web").unwrap();
    let annotations = &deploy["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["sim.bellows.dev/readiness-delay"], "3s");
    assert_eq!(deploy["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"], "100m");
}

#[tokio::test]
async fn a_container_over_its_memory_limit_is_oom_killed() {
    let sim = start(1).await;
    // Idle containers use 16Mi; a 1Mi limit is passed at the first tick.
    sim.create("", "pods", running_pod("hog", "node-1", Some("1Mi"))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        let pod = sim.get("", "pods", "default", "hog").unwrap();
        let status = pod["status"]["containerStatuses"][0].clone();
        if status["restartCount"].as_i64().unwrap_or(0) >= 1 || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["restartCount"], 1);
    assert_eq!(status["lastState"]["terminated"]["reason"], "OOMKilled");
    let (events, _) =
        sim.cluster().list(&bellows_e2e::sim::store::ResourceKey::new("", "events"), Some("default"));
    assert!(events.iter().any(|e| e["reason"] == "OOMKilling" && e["involvedObject"]["name"] == "node-1"));
}

/// A `ClusterRole` allowing `get nodes/metrics` bound to `subject`.
fn allow_node_metrics(sim: &SimHandle, binding: &str, subject: &Value) {
    let rbac = "rbac.authorization.k8s.io";
    if sim.get(rbac, "clusterroles", "", "node-metrics").is_none() {
        sim.create(rbac, "clusterroles", json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "node-metrics"},
            "rules": [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]}]}))
        .unwrap();
    }
    sim.create(rbac, "clusterrolebindings", json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": binding},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "node-metrics"},
        "subjects": [subject.clone()]}))
    .unwrap();
}

#[tokio::test]
async fn a_service_account_token_is_authenticated_and_authorized_by_rbac() {
    let sim = start(1).await;
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    sim.create(
        "",
        "serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "scraper", "namespace": "kube-system"}}),
    )
    .unwrap();
    let issued = bellows_e2e::sim::auth::token::issue_service_account_token(
        sim.cluster(),
        "kube-system",
        "scraper",
        &[],
        3600,
        Timestamp::now(),
    )
    .unwrap();
    let token = Credentials::Bearer(&issued.token);
    let (status, body) = kubelet_get(&sim, addr, "/metrics/resource", &token).await.unwrap();
    assert_eq!(status, 403);
    assert_eq!(
        body,
        "Forbidden (user=system:serviceaccount:kube-system:scraper, verb=get, resource=nodes, subresource(s)=[metrics])"
    );
    allow_node_metrics(
        &sim,
        "scraper-metrics",
        &json!({"kind": "ServiceAccount", "name": "scraper", "namespace": "kube-system"}),
    );
    assert_eq!(kubelet_get(&sim, addr, "/metrics/resource", &token).await.unwrap().0, 200);
    let (status, body) =
        kubelet_get(&sim, addr, "/metrics/resource", &Credentials::Bearer("not-a-token")).await.unwrap();
    assert_eq!((status, body.as_str()), (401, "Unauthorized"));
}

#[tokio::test]
async fn scenario_workload_pods_are_scraped_with_their_load() {
    let text = "nodes: {count: 1}\nworkloads: [{name: web, replicas: 2, baseCpu: 100, cpuPerRequest: 10, baseMemory: 10Mi, memoryPerRequest: 1Mi}]\nload: {web: [{step: {rps: 40}}]}\n";
    let s = scenario::parse(text, Path::new(".")).unwrap();
    let sim = common::start_sim_with(SimConfig { scenario: Some(s), ..SimConfig::default() }).await;
    let addr = sim.kubelet_endpoint("node-1").unwrap();
    let admin = Credentials::Cert(sim.admin_cert());
    let deadline = Instant::now() + Duration::from_secs(8);
    let memory: Vec<f64> = loop {
        let (_, body) = kubelet_get(&sim, addr, "/metrics/resource", &admin).await.unwrap();
        let samples = strict_samples(&body).unwrap();
        let memory: Vec<f64> = samples
            .iter()
            .filter(|s| s.0.starts_with("container_memory_working_set_bytes{container=\"web\""))
            .map(|s| s.1)
            .collect();
        // Both pods Ready: 40 rps split in two, so 10Mi + 20 × 1Mi each.
        if memory.len() == 2 && memory.iter().all(|m| *m == 30.0 * 1024.0 * 1024.0)
            || Instant::now() > deadline
        {
            break memory;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(memory, [30.0 * 1024.0 * 1024.0; 2]);
}

/// Run `bellows-sim serve --scenario <path>` until it prints its first line, then stop it.
fn serve_scenario(path: &Path) -> (Option<String>, String) {
    use std::io::{BufRead as _, BufReader, Read as _};
    let dir = std::env::temp_dir().join(format!("bellows-sim-kubelets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bellows-sim"))
        .args(["serve", "--kubeconfig-out"])
        .arg(dir.join("kubeconfig"))
        .arg("--scenario")
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    let ready = line.trim().strip_prefix("ready ").map(str::to_owned);
    if ready.is_some() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let _ = std::fs::remove_dir_all(&dir);
    (ready, stderr)
}

#[test]
fn the_binary_serves_the_demo_scenario_and_rejects_a_bad_one_naming_the_field() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (ready, stderr) = serve_scenario(&scenarios.join("demo.yaml"));
    assert!(ready.is_some_and(|url| url.starts_with("https://127.0.0.1:")), "{stderr}");
    let bad = std::env::temp_dir().join(format!("bellows-sim-bad-scenario-{}.yaml", std::process::id()));
    std::fs::write(&bad, "workloads: [{name: web, noise: 3}]\n").unwrap();
    let (ready, stderr) = serve_scenario(&bad);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(ready, None);
    assert!(stderr.contains("workloads[0].noise: 3 is outside [0, 1]"), "{stderr}");
}
