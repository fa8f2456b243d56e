//! Admission webhooks against a tiny TLS webhook server: mutation by `JSONPatch`, denial with the
//! webhook's message, `failurePolicy` Fail vs Ignore, `timeoutSeconds`, selectors and UPDATE.

mod auth_support;
mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_support::AuthClient;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::pki::Pki;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const CMS: &str = "/api/v1/namespaces/default/configmaps";
const MUTATING: &str = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
const VALIDATING: &str = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";

/// A webhook server on 127.0.0.1 answering `/mutate` (adds an annotation), `/deny` (refuses
/// objects named `bad`) and `/slow` (answers after 3 s); it records every review it gets.
struct Hook {
    port: u16,
    ca_pem: String,
    reviews: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Hook {
    async fn start() -> Self {
        let pki = Pki::generate().unwrap();
        let serving = pki.issue_server(&["127.0.0.1"]).unwrap();
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![serving.cert_der.clone()], serving.private_key())
                .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reviews = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&reviews);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let Ok(tls) = acceptor.accept(tcp).await else { continue };
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let seen = Arc::clone(&seen);
                        async move { Ok::<_, Infallible>(answer(&seen, req).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self { port, ca_pem: pki.ca_pem().to_owned(), reviews }
    }

    fn reviews(&self, path: &str) -> Vec<Value> {
        self.reviews.lock().unwrap().iter().filter(|(p, _)| p == path).map(|(_, r)| r.clone()).collect()
    }

    /// A webhook entry calling `path`, for configmaps on `operations`.
    fn webhook(&self, name: &str, path: &str, operations: &[&str]) -> Value {
        webhook_at(name, &format!("https://127.0.0.1:{}{path}", self.port), &self.ca_pem, operations)
    }
}

fn webhook_at(name: &str, url: &str, ca_pem: &str, operations: &[&str]) -> Value {
    json!({"name": name, "clientConfig": {"url": url, "caBundle": STANDARD.encode(ca_pem)},
           "rules": [{"operations": operations, "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]}],
           "sideEffects": "None", "admissionReviewVersions": ["v1"], "timeoutSeconds": 5})
}

async fn answer(seen: &Mutex<Vec<(String, Value)>>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let bytes = req.into_body().collect().await.map(http_body_util::Collected::to_bytes).unwrap_or_default();
    let review: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    seen.lock().unwrap().push((path.clone(), review.clone()));
    let uid = review["request"]["uid"].clone();
    let name = review["request"]["object"]["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    let response = match path.as_str() {
        "/mutate" => {
            let patch =
                json!([{"op": "add", "path": "/metadata/annotations", "value": {"webhook": "mutated"}}]);
            json!({"uid": uid, "allowed": true, "patchType": "JSONPatch", "patch": STANDARD.encode(patch.to_string())})
        }
        "/deny" if name == "bad" => {
            json!({"uid": uid, "allowed": false, "status": {"code": 403, "message": "no configmaps named bad"}})
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json!({"uid": uid, "allowed": true})
        }
        _ => json!({"uid": uid, "allowed": true}),
    };
    let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response});
    Response::new(Full::new(Bytes::from(body.to_string())))
}

async fn configure(sim: &SimHandle, path: &str, name: &str, webhooks: Value) {
    let kind =
        if path == MUTATING { "MutatingWebhookConfiguration" } else { "ValidatingWebhookConfiguration" };
    let config = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
                        "metadata": {"name": name}, "webhooks": webhooks});
    let reply = AuthClient::admin(sim).post(path, &config).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

fn configmap(name: &str, labels: &Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}

#[tokio::test]
async fn a_mutating_webhook_patch_is_applied_to_the_created_object() {
    let sim = common::start_sim(0).await;
    let hook = Hook::start().await;
    configure(
        &sim,
        MUTATING,
        "annotate",
        json!([hook.webhook("annotate.example.com", "/mutate", &["CREATE"])]),
    )
    .await;
    let created = AuthClient::admin(&sim).post(CMS, &configmap("cfg", &json!({}))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["metadata"]["annotations"]["webhook"], "mutated");
    let stored = sim.get("", "configmaps", "default", "cfg").unwrap();
    assert_eq!(stored["metadata"]["annotations"]["webhook"], "mutated");
    let review = &hook.reviews("/mutate")[0]["request"];
    assert_eq!(review["operation"], "CREATE");
    assert_eq!(review["namespace"], "default");
    assert_eq!(review["resource"], json!({"group": "", "version": "v1", "resource": "configmaps"}));
    assert_eq!(review["userInfo"]["username"], "admin");
    assert_eq!(review["object"]["metadata"]["name"], "cfg");
}

#[tokio::test]
async fn a_validating_webhook_denial_is_returned_with_its_message() {
    let sim = common::start_sim(0).await;
    let hook = Hook::start().await;
    configure(&sim, VALIDATING, "deny", json!([hook.webhook("deny.example.com", "/deny", &["*"])])).await;
    let admin = AuthClient::admin(&sim);
    let denied = admin.post(CMS, &configmap("bad", &json!({}))).await;
    assert_eq!((denied.status, denied.body["reason"].as_str()), (403, Some("Forbidden")));
    assert_eq!(
        denied.body["message"],
        "admission webhook \"deny.example.com\" denied the request: no configmaps named bad"
    );
    assert!(sim.get("", "configmaps", "default", "bad").is_none());
    assert_eq!(admin.post(CMS, &configmap("good", &json!({}))).await.status, 201);
}

#[tokio::test]
async fn an_unreachable_webhook_fails_the_request_unless_its_policy_is_ignore() {
    let sim = common::start_sim(0).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/validate", closed.local_addr().unwrap().port());
    drop(closed);
    let ca = Pki::generate().unwrap();
    let mut failing = webhook_at("fail.example.com", &url, ca.ca_pem(), &["CREATE"]);
    failing["objectSelector"] = json!({"matchLabels": {"policy": "fail"}});
    let mut ignoring = webhook_at("ignore.example.com", &url, ca.ca_pem(), &["CREATE"]);
    ignoring["failurePolicy"] = json!("Ignore");
    ignoring["objectSelector"] = json!({"matchLabels": {"policy": "ignore"}});
    configure(&sim, VALIDATING, "down", json!([failing, ignoring])).await;
    let admin = AuthClient::admin(&sim);
    let failed = admin.post(CMS, &configmap("a", &json!({"policy": "fail"}))).await;
    assert_eq!((failed.status, failed.body["reason"].as_str()), (500, Some("InternalError")));
    let message = failed.body["message"].as_str().unwrap();
    assert!(message.starts_with("Internal error occurred: failed calling webhook \"fail.example.com\": failed to call webhook: Post \"https://127.0.0.1:"), "{message}");
    assert_eq!(admin.post(CMS, &configmap("b", &json!({"policy": "ignore"}))).await.status, 201);
    assert_eq!(admin.post(CMS, &configmap("c", &json!({}))).await.status, 201, "no selector matches");
}

#[tokio::test]
async fn a_slow_webhook_times_out_after_timeout_seconds() {
    let sim = common::start_sim(0).await;
    let hook = Hook::start().await;
    let mut slow = hook.webhook("slow.example.com", "/slow", &["CREATE"]);
    slow["timeoutSeconds"] = json!(1);
    configure(&sim, VALIDATING, "slow", json!([slow])).await;
    let started = Instant::now();
    let reply = AuthClient::admin(&sim).post(CMS, &configmap("x", &json!({}))).await;
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(reply.status, 500);
    assert!(reply.body["message"].as_str().unwrap().ends_with("context deadline exceeded"), "{}", reply.text);
}

#[tokio::test]
async fn update_rules_see_the_old_object_and_namespace_selectors_apply() {
    let sim = common::start_sim(0).await;
    let hook = Hook::start().await;
    let mut update_only = hook.webhook("update.example.com", "/allow", &["UPDATE"]);
    update_only["namespaceSelector"] = json!({"matchLabels": {"kubernetes.io/metadata.name": "default"}});
    configure(&sim, VALIDATING, "updates", json!([update_only])).await;
    let admin = AuthClient::admin(&sim);
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other", "labels": {"kubernetes.io/metadata.name": "other"}}});
    assert_eq!(admin.post("/api/v1/namespaces", &ns).await.status, 201);
    let labelled = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "labels": {"kubernetes.io/metadata.name": "default"}}});
    let current = sim.get("", "namespaces", "", "default").unwrap();
    let mut relabelled = labelled.clone();
    relabelled["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
    assert_eq!(
        admin
            .raw(
                http::Method::PUT,
                "/api/v1/namespaces/default",
                "application/json",
                relabelled.to_string().into_bytes()
            )
            .await
            .status,
        200
    );
    let created = admin.post(CMS, &configmap("cfg", &json!({}))).await;
    assert_eq!(created.status, 201);
    assert!(hook.reviews("/allow").is_empty(), "CREATE is not in the rules");
    let mut changed = created.body.clone();
    changed["data"]["k"] = json!("v2");
    let updated = admin
        .raw(http::Method::PUT, &format!("{CMS}/cfg"), "application/json", changed.to_string().into_bytes())
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let reviews = hook.reviews("/allow");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["request"]["operation"], "UPDATE");
    assert_eq!(reviews[0]["request"]["oldObject"]["data"]["k"], "v");
    assert_eq!(reviews[0]["request"]["object"]["data"]["k"], "v2");
    let other = admin.post("/api/v1/namespaces/other/configmaps", &configmap("o", &json!({}))).await;
    let mut other_changed = other.body.clone();
    other_changed["data"]["k"] = json!("v3");
    admin
        .raw(
            http::Method::PUT,
            "/api/v1/namespaces/other/configmaps/o",
            "application/json",
            other_changed.to_string().into_bytes(),
        )
        .await;
    assert_eq!(hook.reviews("/allow").len(), 1, "namespace other does not match the selector");
}
