//! Shared helpers for the sim's integration tests: start a sim, and a small HTTPS client that
//! verifies the sim CA and presents a client certificate (or none).

#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]

pub mod external_metrics;
pub mod hpa;
pub mod kubectl;
pub mod stack;

use std::sync::Arc;
use std::time::Duration;

use bellows_e2e::sim::pki::IssuedCert;
use bellows_e2e::sim::{Sim, SimConfig, SimHandle};
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Start a sim with `nodes` nodes and fast bookmarks.
pub async fn start_sim(nodes: usize) -> SimHandle {
    start_sim_with(SimConfig { nodes, bookmark_interval: Duration::from_millis(200), ..SimConfig::default() })
        .await
}

/// Start a sim with `nodes` nodes, fast bookmarks and no controllers: objects are only stored,
/// so API-mechanics tests see exactly what they wrote (no controller writes in between).
pub async fn start_bare_sim(nodes: usize) -> SimHandle {
    let controllers = bellows_e2e::sim::controllers::ControllerSettings {
        enabled: false,
        ..bellows_e2e::sim::controllers::ControllerSettings::default()
    };
    start_sim_with(SimConfig {
        nodes,
        bookmark_interval: Duration::from_millis(200),
        controllers,
        ..SimConfig::default()
    })
    .await
}

/// Start a sim with a given config.
pub async fn start_sim_with(config: SimConfig) -> SimHandle {
    Sim::start(config).await.expect("sim starts")
}

/// A minimal HTTPS client for the sim.
#[derive(Clone)]
pub struct Client {
    addr: String,
    tls: TlsConnector,
}

/// A response with its body parsed as JSON (Null when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Client {
    fn build(sim: &SimHandle, cert: Option<&IssuedCert>) -> Self {
        let addr = sim.api_url().trim_start_matches("https://").to_owned();
        Self::build_for(addr, sim.ca_der().clone(), cert)
    }

    fn build_for(addr: String, root: CertificateDer<'static>, cert: Option<&IssuedCert>) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(root).expect("a valid trust anchor");
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots);
        let config = match cert {
            Some(c) => {
                builder.with_client_auth_cert(vec![c.cert_der.clone()], c.private_key()).expect("client cert")
            }
            None => builder.with_no_client_auth(),
        };
        Self { addr, tls: TlsConnector::from(Arc::new(config)) }
    }

    /// A client for another HTTPS server on loopback (`addr` = `127.0.0.1:<port>`, e.g. bellows'
    /// own port) that trusts `root` (e.g. bellows' self-signed serving certificate) and presents
    /// `cert` (or none).
    pub fn to_server(addr: &str, root: CertificateDer<'static>, cert: Option<&IssuedCert>) -> Self {
        Self::build_for(addr.to_owned(), root, cert)
    }

    /// A client presenting the admin certificate.
    pub fn admin(sim: &SimHandle) -> Self {
        Self::build(sim, Some(sim.admin_cert()))
    }

    /// A client presenting `cert` (see `SimHandle::issue_client_cert`).
    pub fn with_cert(sim: &SimHandle, cert: &IssuedCert) -> Self {
        Self::build(sim, Some(cert))
    }

    /// A client presenting no certificate.
    pub fn anonymous(sim: &SimHandle) -> Self {
        Self::build(sim, None)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> hyper::Response<Incoming> {
        let tcp = TcpStream::connect(&self.addr).await.expect("connect to the sim");
        let name = ServerName::try_from("127.0.0.1").expect("server name");
        let tls = self.tls.connect(name, tcp).await.expect("TLS handshake with the sim");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.expect("HTTP handshake");
        tokio::spawn(conn);
        let mut req = Request::builder().method(method).uri(path).header("host", &self.addr);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body))).expect("request");
        sender.send_request(req).await.expect("response")
    }

    /// One request; the body is JSON-encoded unless it is a string (sent as is).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        accept: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        if let Some(a) = accept {
            headers.push(("accept", a));
        }
        let bytes = match body {
            Some(Value::String(s)) => s.clone().into_bytes(),
            Some(v) => serde_json::to_vec(v).expect("json"),
            None => Vec::new(),
        };
        let response = self.send(method, path, &headers, bytes).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, content_type, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    /// A GET whose body is returned as text (e.g. Prometheus `/metrics`, health probes):
    /// `(status, body)`.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.send(Method::GET, path, &[], Vec::new()).await;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some("application/json"), None, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some("application/json"), None, Some(body)).await
    }

    pub async fn patch(&self, path: &str, content_type: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, path, Some(content_type), None, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None, None, None).await
    }

    /// Open a watch (or any streamed GET).
    pub async fn watch(&self, path: &str) -> WatchStream {
        self.watch_with_headers(path, &[]).await
    }

    /// Open a watch with an `Accept` header.
    pub async fn watch_with_accept(&self, path: &str, accept: &str) -> WatchStream {
        self.watch_with_headers(path, &[("accept", accept)]).await
    }

    async fn watch_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> WatchStream {
        let response = self.send(Method::GET, path, headers, Vec::new()).await;
        assert_eq!(response.status().as_u16(), 200, "watch {path}");
        WatchStream { body: response.into_body(), buffer: Vec::new() }
    }
}

/// Reads newline-delimited watch events.
pub struct WatchStream {
    body: Incoming,
    buffer: Vec<u8>,
}

impl WatchStream {
    /// The next event, or `None` when the stream ends or nothing arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(pos) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=pos).collect();
                return serde_json::from_slice(&line).ok();
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame()).await.ok()??.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }

    /// The next event, waiting up to 5 seconds; panics if none comes.
    pub async fn next(&mut self) -> Value {
        self.next_within(Duration::from_secs(5)).await.expect("a watch event within 5s")
    }
}

/// Builder for a Deployment fixture.
pub fn deployment(name: &str, replicas: i64) -> Value {
    serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

/// Builder for a `ConfigMap` fixture.
pub fn configmap(name: &str, labels: &Value) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}
