//! The aggregation layer against a tiny TLS extension server: the proxied request carries the
//! front-proxy client certificate (verified by the server against the CA the sim publishes) and
//! the caller's identity in `X-Remote-*` headers; unauthenticated or unauthorized requests never
//! reach it; the `APIService` `Available` condition follows the server; watches stream through.

mod auth_support;
mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_support::AuthClient;
use base64::Engine as _;
use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::certinfo;
use bellows_e2e::sim::pki::Pki;
use bellows_e2e::sim::server::body::ChannelBody;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_rustls::TlsAcceptor;

/// What the extension server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    client_cn: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// A tiny metrics.k8s.io server on 127.0.0.1 with a serving certificate for
/// `metrics-server.kube-system.svc` from its own CA, requiring client certificates from the
/// front-proxy CA.
struct Extension {
    port: u16,
    ca_pem: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    release: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Extension {
    async fn start(sim: &SimHandle) -> Self {
        let pki = Pki::generate().unwrap();
        let serving = pki.issue_server(&["metrics-server.kube-system.svc"]).unwrap();
        let cm = sim.get("", "configmaps", "kube-system", "extension-apiserver-authentication").unwrap();
        let front_proxy_ca = cm["data"]["requestheader-client-ca-file"].as_str().unwrap();
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(front_proxy_ca.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![serving.cert_der.clone()], serving.private_key())
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let release = Arc::new(Notify::new());
        let (seen2, release2) = (Arc::clone(&seen), Arc::clone(&release));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let Ok(tls) = acceptor.accept(tcp).await else { continue };
                let cn = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| certinfo::identity(c.as_ref()))
                    .map(|id| id.user)
                    .unwrap_or_default();
                let (seen, release) = (Arc::clone(&seen2), Arc::clone(&release2));
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let (seen, release, cn) = (Arc::clone(&seen), Arc::clone(&release), cn.clone());
                        async move { Ok::<_, Infallible>(respond(&seen, &release, cn, &req)) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self { port, ca_pem: pki.ca_pem().to_owned(), seen, release, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

type BoxBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn respond(
    seen: &Mutex<Vec<Seen>>,
    release: &Arc<Notify>,
    client_cn: String,
    req: &Request<Incoming>,
) -> Response<BoxBody> {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let path = req.uri().path().to_owned();
    seen.lock().unwrap().push(Seen { path: path.clone(), client_cn, headers });
    if req.uri().query().is_some_and(|q| q.contains("watch=true")) {
        let (tx, rx) = mpsc::channel::<Bytes>(4);
        let release = Arc::clone(release);
        tokio::spawn(async move {
            let _ = tx.send(Bytes::from_static(b"{\"type\":\"ADDED\"}\n")).await;
            release.notified().await;
            let _ = tx.send(Bytes::from_static(b"{\"type\":\"MODIFIED\"}\n")).await;
        });
        return Response::new(ChannelBody::new(rx).boxed());
    }
    let body = if path == "/apis/metrics.k8s.io/v1beta1" {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1",
               "resources": [{"name": "nodes", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]}]})
    } else {
        json!({"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "items": []})
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())).boxed());
    response.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    response
}

/// Service + Endpoints (127.0.0.1:`port`) + `APIService` `v1beta1.metrics.k8s.io` with `ca_pem`.
async fn register(sim: &SimHandle, port: u16, ca_pem: &str) {
    let admin = AuthClient::admin(sim);
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics-server"},
        "spec": {"ports": [{"name": "https", "port": 443, "targetPort": "https"}]}});
    assert_eq!(admin.post("/api/v1/namespaces/kube-system/services", &svc).await.status, 201);
    let ep = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "metrics-server"},
        "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": port}]}]});
    assert_eq!(admin.post("/api/v1/namespaces/kube-system/endpoints", &ep).await.status, 201);
    register_api_service(sim, ca_pem).await;
}

async fn register_api_service(sim: &SimHandle, ca_pem: &str) {
    let api_service = json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100, "versionPriority": 100,
                 "service": {"namespace": "kube-system", "name": "metrics-server", "port": 443},
                 "caBundle": base64::engine::general_purpose::STANDARD.encode(ca_pem)}});
    let reply =
        AuthClient::admin(sim).post("/apis/apiregistration.k8s.io/v1/apiservices", &api_service).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

/// The `Available` condition once it has `status`, waiting up to 5 s.
async fn available(sim: &SimHandle, status: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let svc = sim.get("apiregistration.k8s.io", "apiservices", "", "v1beta1.metrics.k8s.io").unwrap();
        last = svc["status"]["conditions"][0].clone();
        if last["type"] == "Available" && last["status"] == status {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Available never became {status}: {last}");
}

#[tokio::test]
async fn proxied_requests_carry_the_front_proxy_certificate_and_the_callers_identity() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    register(&sim, ext.port, &ext.ca_pem).await;
    let as_alice = AuthClient::admin(&sim)
        .with_header("impersonate-user", "alice")
        .with_header("impersonate-group", "devs")
        .with_header("impersonate-group", "system:masters")
        .with_header("impersonate-extra-acme.com%2Fscopes", "view")
        .with_header("x-remote-user", "mallory");
    let reply = as_alice.get("/apis/metrics.k8s.io/v1beta1/nodes?limit=5").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["kind"], "NodeMetricsList");
    let seen = ext.seen();
    let request = seen.iter().find(|s| s.path == "/apis/metrics.k8s.io/v1beta1/nodes").expect("proxied");
    assert_eq!(request.client_cn, "front-proxy-client");
    assert_eq!(request.all("x-remote-user"), ["alice"]);
    assert_eq!(request.all("x-remote-group"), ["devs", "system:masters", "system:authenticated"]);
    assert_eq!(request.all("x-remote-extra-acme.com%2fscopes"), ["view"]);
    assert!(request.all("impersonate-user").is_empty() && request.all("authorization").is_empty());
}

#[tokio::test]
async fn unauthenticated_and_unauthorized_requests_are_never_proxied() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    register(&sim, ext.port, &ext.ca_pem).await;
    available(&sim, "True").await;
    let before = ext.seen().len();
    let anonymous = AuthClient::token(&sim, "not-a-token").get("/apis/metrics.k8s.io/v1beta1/nodes").await;
    assert_eq!(anonymous.status, 401);
    let bob = AuthClient::cert(&sim, "bob", &[]).get("/apis/metrics.k8s.io/v1beta1/nodes").await;
    assert_eq!(bob.status, 403);
    assert_eq!(
        bob.body["message"],
        "nodes.metrics.k8s.io is forbidden: User \"bob\" cannot list resource \"nodes\" in API group \"metrics.k8s.io\" at the cluster scope"
    );
    let proxied_after = ext.seen().iter().skip(before).filter(|s| s.path.ends_with("/nodes")).count();
    assert_eq!(proxied_after, 0);
}

#[tokio::test]
async fn aggregated_groups_appear_in_discovery() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    register(&sim, ext.port, &ext.ca_pem).await;
    let admin = AuthClient::admin(&sim);
    let apis = admin.get("/apis").await;
    let group =
        apis.body["groups"].as_array().unwrap().iter().find(|g| g["name"] == "metrics.k8s.io").cloned();
    assert_eq!(group.unwrap()["preferredVersion"]["groupVersion"], "metrics.k8s.io/v1beta1");
    let doc = admin.get("/apis/metrics.k8s.io").await;
    assert_eq!((doc.status, doc.body["kind"].as_str()), (200, Some("APIGroup")));
    let resources = admin.get("/apis/metrics.k8s.io/v1beta1").await;
    assert_eq!(resources.body["resources"][0]["kind"], "NodeMetrics");
}

#[tokio::test]
async fn the_available_condition_follows_the_service_and_its_server() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    register_api_service(&sim, &ext.ca_pem).await;
    let missing = available(&sim, "False").await;
    assert_eq!(missing["reason"], "ServiceNotFound");
    assert_eq!(missing["message"], "service/metrics-server in \"kube-system\" is not present");
    let admin = AuthClient::admin(&sim);
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics-server"},
        "spec": {"ports": [{"name": "https", "port": 443}]}});
    admin.post("/api/v1/namespaces/kube-system/services", &svc).await;
    let ep = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "metrics-server"},
        "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": ext.port}]}]});
    admin.post("/api/v1/namespaces/kube-system/endpoints", &ep).await;
    let up = available(&sim, "True").await;
    assert_eq!((up["reason"].as_str(), up["message"].as_str()), (Some("Passed"), Some("all checks passed")));
    ext.task.abort();
    let _ = ext.task.await;
    let down = available(&sim, "False").await;
    assert_eq!(down["reason"], "FailedDiscoveryCheck");
    assert!(
        down["message"].as_str().unwrap().starts_with("failing or missing response from https://"),
        "{down}"
    );
    let unreachable = admin.get("/apis/metrics.k8s.io/v1beta1/nodes").await;
    assert_eq!((unreachable.status, unreachable.body["reason"].as_str()), (503, Some("ServiceUnavailable")));
}

#[tokio::test]
async fn a_wrong_ca_bundle_fails_the_discovery_check() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    let other = Pki::generate().unwrap();
    register(&sim, ext.port, other.ca_pem()).await;
    let failed = available(&sim, "False").await;
    assert_eq!(failed["reason"], "FailedDiscoveryCheck");
}

#[tokio::test]
async fn watches_stream_through_the_proxy() {
    let sim = common::start_sim(0).await;
    let ext = Extension::start(&sim).await;
    register(&sim, ext.port, &ext.ca_pem).await;
    let response = AuthClient::admin(&sim)
        .open(http::Method::GET, "/apis/metrics.k8s.io/v1beta1/nodes?watch=true", "", Vec::new())
        .await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let first =
        tokio::time::timeout(Duration::from_secs(5), body.frame()).await.expect("first event in time");
    let first = first.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"{\"type\":\"ADDED\"}\n");
    ext.release.notify_one();
    let second = tokio::time::timeout(Duration::from_secs(5), body.frame()).await.expect("second event");
    assert_eq!(&second.unwrap().unwrap().into_data().unwrap()[..], b"{\"type\":\"MODIFIED\"}\n");
}
