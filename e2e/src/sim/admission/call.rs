//! Calling one admission webhook: resolve `clientConfig` (`url` on loopback, or `service` through
//! the aggregator's Endpoints resolution), POST the `AdmissionReview` over TLS verified against
//! `clientConfig.caBundle`, and read the reply within the webhook's timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::sim::aggregator::{self, Backend, ResolveError};
use crate::sim::cluster::Cluster;

/// Why a webhook could not be called (the `failurePolicy` decides what that means).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// `clientConfig` has neither a usable `url` nor a `service`.
    #[error("invalid webhook clientConfig: {0}")]
    ClientConfig(String),
    /// The service has no endpoint.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The URL's host is not on 127.0.0.0/8.
    #[error("webhook URL host {0} is not on 127.0.0.0/8; bellows-sim only connects to loopback")]
    NotLoopback(String),
    /// TLS setup failed.
    #[error("configuring TLS: {0}")]
    Tls(#[source] rustls::Error),
    /// Connecting or the exchange failed.
    #[error("failed to call webhook: Post \"{url}\": {why}")]
    Post {
        /// URL.
        url: String,
        /// What went wrong.
        why: String,
    },
    /// No answer within the timeout.
    #[error("failed to call webhook: Post \"{url}\": context deadline exceeded")]
    Timeout {
        /// URL.
        url: String,
    },
    /// The answer is not an `AdmissionReview`.
    #[error("received invalid webhook response: {0}")]
    BadResponse(String),
}

/// Where a webhook lives.
struct Endpoint {
    addr: SocketAddr,
    server_name: String,
    path: String,
    url: String,
}

fn endpoint(cluster: &Cluster, client_config: &Value) -> Result<Endpoint, CallError> {
    if let Some(url) = client_config["url"].as_str() {
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| CallError::ClientConfig(format!("url {url:?} is not https")))?;
        let (authority, path) =
            rest.split_once('/').map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
        let (host, port) = authority.rsplit_once(':').map_or((authority, "443"), |(h, p)| (h, p));
        let port: u16 = port.parse().map_err(|_| CallError::ClientConfig(format!("bad port in {url:?}")))?;
        let ip = if host == "localhost" { "127.0.0.1" } else { host };
        let ip: std::net::IpAddr = ip.parse().map_err(|_| CallError::NotLoopback(host.to_owned()))?;
        if !ip.is_loopback() || !ip.is_ipv4() {
            return Err(CallError::NotLoopback(host.to_owned()));
        }
        return Ok(Endpoint {
            addr: SocketAddr::new(ip, port),
            server_name: host.to_owned(),
            path,
            url: url.to_owned(),
        });
    }
    let svc = &client_config["service"];
    let (Some(namespace), Some(name)) = (svc["namespace"].as_str(), svc["name"].as_str()) else {
        return Err(CallError::ClientConfig("neither url nor service is set".into()));
    };
    let backend = Backend {
        api_service: String::new(),
        group: String::new(),
        version: String::new(),
        namespace: namespace.to_owned(),
        service: name.to_owned(),
        port: svc["port"].as_i64().unwrap_or(443),
        ca_bundle: None,
        insecure: false,
    };
    let addr = aggregator::resolve(cluster, &backend)?;
    let path = svc["path"].as_str().unwrap_or("/").to_owned();
    let server_name = backend.server_name();
    let url = format!("https://{server_name}:{}{path}", backend.port);
    Ok(Endpoint { addr, server_name, path, url })
}

fn tls(client_config: &Value) -> Result<rustls::ClientConfig, CallError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    let pem = client_config["caBundle"].as_str().and_then(|b| STANDARD.decode(b).ok()).unwrap_or_default();
    for cert in CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok) {
        let _ = roots.add(cert);
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(CallError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// POST `review` to the webhook of `client_config` and return the parsed reply.
pub async fn call(
    cluster: &Cluster,
    client_config: &Value,
    review: &Value,
    timeout: Duration,
) -> Result<Value, CallError> {
    let ep = endpoint(cluster, client_config)?;
    let config = tls(client_config)?;
    let url = ep.url.clone();
    let post = |why: String| CallError::Post { url: url.clone(), why };
    let exchange = async {
        let name = ServerName::try_from(ep.server_name.clone()).map_err(|e| post(e.to_string()))?;
        let tcp =
            TcpStream::connect(ep.addr).await.map_err(|e| post(format!("dial tcp {}: {e}", ep.addr)))?;
        let _ = tcp.set_nodelay(true);
        let stream = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| post(format!("tls: {e}")))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| post(e.to_string()))?;
        tokio::spawn(conn);
        let request = Request::post(ep.path.as_str())
            .header("host", ep.server_name.as_str())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(review.to_string())))
            .map_err(|e| post(e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| post(e.to_string()))?;
        let status = response.status();
        let bytes = response.into_body().collect().await.map_err(|e| post(e.to_string()))?.to_bytes();
        if !status.is_success() {
            return Err(CallError::BadResponse(format!("status {}", status.as_u16())));
        }
        serde_json::from_slice::<Value>(&bytes).map_err(|e| CallError::BadResponse(e.to_string()))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| CallError::Timeout { url: ep.url.clone() })?
}
