//! Helpers for the auth and aggregator tests: an HTTPS client to the sim with an optional client
//! certificate, an optional bearer token and arbitrary extra headers.

#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]

use std::sync::Arc;

use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::pki::IssuedCert;
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls_pki_types::ServerName;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A response: status and JSON body (Null if not JSON), plus the raw text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

/// A client with fixed credentials and headers.
#[derive(Clone)]
pub struct AuthClient {
    addr: String,
    tls: TlsConnector,
    headers: Vec<(String, String)>,
}

impl AuthClient {
    fn build(sim: &SimHandle, cert: Option<&IssuedCert>) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(sim.ca_der().clone()).expect("CA");
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots);
        let config = match cert {
            Some(c) => {
                builder.with_client_auth_cert(vec![c.cert_der.clone()], c.private_key()).expect("cert")
            }
            None => builder.with_no_client_auth(),
        };
        let addr = sim.api_url().trim_start_matches("https://").to_owned();
        Self { addr, tls: TlsConnector::from(Arc::new(config)), headers: Vec::new() }
    }

    /// The admin certificate (`system:masters`).
    pub fn admin(sim: &SimHandle) -> Self {
        Self::build(sim, Some(sim.admin_cert()))
    }

    /// A client certificate for `user` in `groups`.
    pub fn cert(sim: &SimHandle, user: &str, groups: &[&str]) -> Self {
        let cert = sim.issue_client_cert(user, groups).expect("client cert");
        Self::build(sim, Some(&cert))
    }

    /// A bearer token and no certificate.
    pub fn token(sim: &SimHandle, token: &str) -> Self {
        Self::build(sim, None).with_header("authorization", &format!("Bearer {token}"))
    }

    /// One more header on every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A request with a raw body and content type.
    pub async fn raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let response = self.open(method, path, content_type, body).await;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A request whose response body is left to the caller (streams).
    pub async fn open(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> hyper::Response<hyper::body::Incoming> {
        let tcp = TcpStream::connect(&self.addr).await.expect("connect");
        let tls = self.tls.connect(ServerName::try_from("127.0.0.1").expect("name"), tcp).await.expect("TLS");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.expect("HTTP");
        tokio::spawn(conn);
        let mut req = Request::builder().method(method).uri(path).header("host", &self.addr);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if !content_type.is_empty() {
            req = req.header("content-type", content_type);
        }
        sender.send_request(req.body(Full::new(Bytes::from(body))).expect("request")).await.expect("response")
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.raw(Method::GET, path, "", Vec::new()).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.raw(Method::POST, path, "application/json", serde_json::to_vec(body).expect("json")).await
    }
}

/// Builder: a `ServiceAccount`.
pub fn service_account(name: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})
}

/// Builder: a (Cluster)`RoleBinding` of `role_kind/role` to one subject.
pub fn binding(kind: &str, name: &str, role_kind: &str, role: &str, subject: &Value) -> Value {
    serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [subject]})
}
