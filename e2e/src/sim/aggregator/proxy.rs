//! Proxying an aggregated API request to its backend over TLS, as kube-aggregator does:
//! the backend is verified against the `APIService` `caBundle` for the name
//! `<service>.<namespace>.svc` (or not at all with `insecureSkipTLSVerify`), the sim presents the
//! front-proxy client certificate, and the caller's identity travels in `X-Remote-User`,
//! `X-Remote-Group` (one header per group) and `X-Remote-Extra-<key>`; the caller's own
//! `Authorization`, impersonation and `X-Remote-*` headers are dropped. Bodies stream both ways
//! (watches pass through). HTTP/1.1 to the backend.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use http_body::Frame;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls_pki_types::pem::PemObject as _;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::frontproxy::{self, FrontProxy};
use super::{Backend, ResolveError, resolve};
use crate::sim::auth::UserInfo;
use crate::sim::cluster::Cluster;
use crate::sim::server::body::{self, Body};
use crate::sim::status::ApiError;

/// How long connecting (TCP + TLS + HTTP handshake) to a backend may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Failures reaching a backend.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The Service has no usable endpoint.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The front-proxy Secret is missing.
    #[error("the front-proxy client certificate (secret kube-system/{}) is missing", frontproxy::SECRET)]
    NoFrontProxy,
    /// `caBundle` holds no usable certificate.
    #[error("the caBundle of APIService {0} holds no usable certificate")]
    CaBundle(String),
    /// rustls refused the configuration.
    #[error("configuring TLS to the backend: {0}")]
    Tls(#[source] rustls::Error),
    /// The TLS server name is invalid.
    #[error("invalid backend server name {0:?}")]
    ServerName(String),
    /// Connecting failed.
    #[error("error trying to reach service: {0}")]
    Connect(#[source] std::io::Error),
    /// Connecting took too long.
    #[error("error trying to reach service: timed out after {0:?}")]
    Timeout(Duration),
    /// The HTTP exchange failed.
    #[error("error trying to reach service: {0}")]
    Http(#[source] hyper::Error),
}

fn client_config(backend: &Backend, proxy: FrontProxy) -> Result<rustls::ClientConfig, ProxyError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(ProxyError::Tls)?;
    let builder = if backend.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::sim::insecure::SkipVerify::new(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        let pem = backend.ca_bundle.clone().unwrap_or_default();
        for cert in CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok) {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            return Err(ProxyError::CaBundle(backend.api_service.clone()));
        }
        builder.with_root_certificates(roots)
    };
    builder.with_client_auth_cert(proxy.cert, proxy.key).map_err(ProxyError::Tls)
}

/// Percent-encode an extra key for `X-Remote-Extra-<key>` (upstream `url.PathEscape`).
pub fn escape_extra_key(key: &str) -> String {
    key.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The headers sent to the backend: the caller's minus credentials and hop-by-hop headers, plus
/// the `X-Remote-*` identity of `user`.
pub fn backend_headers(incoming: &HeaderMap, user: &UserInfo, host: &str) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in incoming {
        let n = name.as_str();
        let dropped = n == "authorization"
            || n.starts_with("impersonate-")
            || n.starts_with("x-remote-")
            || matches!(
                n,
                "host"
                    | "connection"
                    | "keep-alive"
                    | "proxy-connection"
                    | "transfer-encoding"
                    | "upgrade"
                    | "te"
            );
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    let mut add = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            out.append(n, v);
        }
    };
    add("host", host);
    add("x-remote-user", &user.username);
    for group in &user.groups {
        add("x-remote-group", group);
    }
    for (key, values) in &user.extra {
        for v in values {
            add(&format!("x-remote-extra-{}", escape_extra_key(key)), v);
        }
    }
    out
}

/// Send `req` (origin-form URI, headers already prepared) to `backend`.
pub async fn send<B>(
    cluster: &Cluster,
    backend: &Backend,
    req: Request<B>,
) -> Result<Response<Incoming>, ProxyError>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let addr = resolve(cluster, backend)?;
    let proxy = frontproxy::load(cluster).ok_or(ProxyError::NoFrontProxy)?;
    let config = client_config(backend, proxy)?;
    let name = backend.server_name();
    let server_name = ServerName::try_from(name.clone()).map_err(|_| ProxyError::ServerName(name))?;
    let connect = async {
        let tcp = TcpStream::connect(addr).await.map_err(ProxyError::Connect)?;
        // Go's dialer sets TCP_NODELAY; without it the request's header and body writes wait for
        // a delayed ACK (≈ 40 ms per proxied request).
        let _ = tcp.set_nodelay(true);
        let tls = TlsConnector::from(Arc::new(config))
            .connect(server_name, tcp)
            .await
            .map_err(ProxyError::Connect)?;
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(ProxyError::Http)
    };
    let (mut sender, conn) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| ProxyError::Timeout(CONNECT_TIMEOUT))??;
    tokio::spawn(conn);
    sender.send_request(req).await.map_err(ProxyError::Http)
}

/// A backend response body relayed to the caller; a backend error ends the stream.
struct Relay(Incoming);

impl http_body::Body for Relay {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match Pin::new(&mut self.0).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(_)) | None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Proxy an (already authenticated and authorized) request to `backend`; failures to reach it
/// are 503 `ServiceUnavailable` Statuses, as upstream.
pub async fn forward(
    cluster: &Cluster,
    backend: &Backend,
    user: &UserInfo,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, incoming) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", http::uri::PathAndQuery::as_str);
    let host = format!("{}:{}", backend.server_name(), backend.port);
    let mut builder = Request::builder().method(parts.method.clone()).uri(path);
    if let Some(headers) = builder.headers_mut() {
        *headers = backend_headers(&parts.headers, user, &host);
    }
    let Ok(request) = builder.body(incoming) else {
        return body::error(&ApiError::bad_request(format!("cannot proxy the request path {path:?}")));
    };
    match send(cluster, backend, request).await {
        Ok(response) => {
            let (mut parts, incoming) = response.into_parts();
            for hop in ["connection", "keep-alive", "transfer-encoding", "upgrade"] {
                parts.headers.remove(hop);
            }
            Response::from_parts(parts, Relay(incoming).boxed())
        }
        Err(e) => {
            tracing::debug!(apiservice = %backend.api_service, error = %e, "aggregated API unreachable");
            body::error(&ApiError::new(503, "ServiceUnavailable", e.to_string()))
        }
    }
}
