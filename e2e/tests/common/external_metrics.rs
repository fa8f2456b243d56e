//! A tiny `external.metrics.k8s.io/v1beta1` server for end-to-end tests, registered in the sim as
//! an aggregated `APIService` so bellows reads it exactly as it reads a real adapter (KEDA,
//! prometheus-adapter): through the API server's `/apis/external.metrics.k8s.io/…` path.
//!
//! It serves HTTPS on 127.0.0.1 (a certificate from a throw-away CA; the `APIService` sets
//! `insecureSkipTLSVerify`, as the sim's other aggregated APIs do), answers discovery, and
//! `GET /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}` with an
//! `ExternalMetricValueList` of one item whose value the test sets at run time with
//! [`ExternalMetrics::set`]; an unknown metric gets an empty list (bellows then reports "no metrics
//! returned from external metrics API"). The server stops when the handle is dropped.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};

use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::pki::Pki;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Name of the Service (and Endpoints) in `kube-system` the `APIService` points at.
const SERVICE: &str = "external-metrics-test";
const PREFIX: &str = "/apis/external.metrics.k8s.io/v1beta1";

type Values = Arc<Mutex<BTreeMap<String, String>>>;

/// The running server; dropping it stops the server.
pub struct ExternalMetrics {
    values: Values,
    requests: Arc<Mutex<Vec<String>>>,
    port: u16,
    task: JoinHandle<()>,
}

impl Drop for ExternalMetrics {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ExternalMetrics {
    /// Start serving on a free 127.0.0.1 port and register `v1beta1.external.metrics.k8s.io`
    /// (Service, Endpoints, `APIService`) in `sim`.
    pub async fn start(sim: &SimHandle) -> Self {
        let pki = Pki::generate().expect("test CA");
        let name = format!("{SERVICE}.kube-system.svc");
        let cert = pki.issue_server(&[&name, "127.0.0.1"]).expect("serving certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert_der.clone()], cert.private_key())
            .expect("serving certificate accepted");
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let values: Values = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let task =
            tokio::spawn(serve(listener, TlsAcceptor::from(Arc::new(tls)), values.clone(), requests.clone()));
        for (group, resource, object) in api_service_objects(port) {
            sim.create(group, resource, object).expect("registering the external metrics APIService");
        }
        Self { values, requests, port, task }
    }

    /// Serve `value` (a quantity, e.g. `"30"` or `"1500m"`) for `metric` from now on.
    pub fn set(&self, metric: &str, value: &str) {
        self.values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(metric.to_lowercase(), value.to_owned());
    }

    /// Paths (with query) of the metric requests served so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Service, Endpoints and `APIService` for a backend on `127.0.0.1:port`.
fn api_service_objects(port: u16) -> [(&'static str, &'static str, Value); 3] {
    [
        (
            "",
            "services",
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": SERVICE, "namespace": "kube-system"},
                "spec": {"ports": [{"name": "https", "port": 443, "targetPort": port}]}}),
        ),
        (
            "",
            "endpoints",
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": SERVICE, "namespace": "kube-system"},
                "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": port}]}]}),
        ),
        (
            "apiregistration.k8s.io",
            "apiservices",
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": {"name": "v1beta1.external.metrics.k8s.io"},
                "spec": {"service": {"name": SERVICE, "namespace": "kube-system", "port": 443},
                         "group": "external.metrics.k8s.io", "version": "v1beta1",
                         "insecureSkipTLSVerify": true, "groupPriorityMinimum": 100, "versionPriority": 100}}),
        ),
    ]
}

async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    values: Values,
    requests: Arc<Mutex<Vec<String>>>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let (acceptor, values, requests) = (acceptor.clone(), values.clone(), requests.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else { return };
            let service = service_fn(move |req: Request<Incoming>| {
                let reply = respond(&req, &values, &requests);
                async move { Ok::<_, Infallible>(reply) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        });
    }
}

fn json_reply(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn respond(
    req: &Request<Incoming>,
    values: &Values,
    requests: &Arc<Mutex<Vec<String>>>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if path == PREFIX {
        return json_reply(
            200,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "external.metrics.k8s.io/v1beta1",
                    "resources": [{"name": "*", "singularName": "", "namespaced": true,
                                   "kind": "ExternalMetricValueList", "verbs": ["get"]}]}),
        );
    }
    let rest = path.strip_prefix(PREFIX).and_then(|r| r.strip_prefix("/namespaces/"));
    let Some((_namespace, metric)) = rest.and_then(|r| r.split_once('/')) else {
        return json_reply(
            404,
            &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}),
        );
    };
    let with_query = req.uri().path_and_query().map_or(path, |pq| pq.as_str()).to_owned();
    requests.lock().unwrap_or_else(PoisonError::into_inner).push(with_query);
    let value = values.lock().unwrap_or_else(PoisonError::into_inner).get(metric).cloned();
    let items: Vec<Value> = value
        .into_iter()
        .map(|v| {
            json!({"metricName": metric, "metricLabels": {},
                   "timestamp": jiff::Timestamp::now().to_string(), "value": v})
        })
        .collect();
    json_reply(
        200,
        &json!({"kind": "ExternalMetricValueList", "apiVersion": "external.metrics.k8s.io/v1beta1",
                            "metadata": {}, "items": items}),
    )
}
