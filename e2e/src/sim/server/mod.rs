//! The HTTPS API server: TLS (rustls, ring provider) with optional client certificates, HTTP/1.1
//! and HTTP/2 (ALPN), authentication, and routing to the generic handlers.
//!
//! Authentication: a client certificate verified against the cluster CA maps to a user (subject
//! CN) and groups (subject O), as kube-apiserver's x509 authenticator does. The TLS handshake
//! accepts clients without a certificate so that they get a proper 401 `Status` instead of a TLS
//! alert. Health endpoints (`/healthz`, `/livez`, `/readyz`) and `/version` are public, like the
//! `system:public-info-viewer` role makes them upstream. Without a certificate a bearer token is
//! tried; then impersonation headers, RBAC authorization, the aggregation layer (proxied groups)
//! and admission webhooks run, in kube-apiserver's order (see [`crate::sim::auth`],
//! [`crate::sim::aggregator`], [`crate::sim::admission`]).
//!
//! Shutdown: the accept loop stops when the shutdown signal flips; open connections (including
//! watch streams) are aborted.

pub mod body;
pub mod discovery;
pub mod fault;
pub mod faults;
pub mod handlers;
pub mod present;
pub mod query;
pub mod requests;
pub mod route;
pub mod scale;
pub mod watch;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;
use tokio::sync::watch as signal;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use self::body::Body;
use self::handlers::Target;
use self::query::Query;
use self::route::{ResourcePath, Route};
use super::certinfo::{self, CertIdentity};
use super::cluster::Cluster;
use super::pki::IssuedCert;
use super::status::ApiError;

/// Tunables of the HTTP layer.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often watches with `allowWatchBookmarks` get a `BOOKMARK`.
    pub bookmark_interval: Duration,
    /// How long a watch without `timeoutSeconds` lasts.
    pub watch_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self { bookmark_interval: Duration::from_mins(1), watch_timeout: Duration::from_mins(30) }
    }
}

/// State shared by every request.
#[derive(Debug)]
pub struct ApiState {
    /// Objects and resources.
    pub cluster: Arc<Cluster>,
    /// Tunables.
    pub settings: Settings,
    /// `host:port` the server listens on (for `/api`'s `serverAddressByClientCIDRs`).
    pub server_address: String,
    /// Injected errors, latency and watch drops (see [`fault`]).
    pub faults: Arc<faults::ApiFaults>,
}

/// One authenticated request, with its body read.
#[derive(Debug)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Decoded query parameters.
    pub query: Query,
    /// `Accept` header.
    pub accept: String,
    /// `Content-Type` header.
    pub content_type: String,
    /// Request body.
    pub body: Bytes,
    /// Who is asking.
    pub user: CertIdentity,
    /// Who is asking, in full (after bearer tokens and impersonation; see [`crate::sim::auth`]).
    pub auth: crate::sim::auth::UserInfo,
}

/// TLS failures while setting up the server.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The CA certificate was refused as a trust anchor.
    #[error("adding the cluster CA as a client trust anchor: {0}")]
    TrustAnchor(#[source] rustls::Error),
    /// The client verifier could not be built.
    #[error("building the client certificate verifier: {0}")]
    Verifier(#[source] rustls::server::VerifierBuilderError),
    /// The serving certificate or key was refused.
    #[error("configuring the serving certificate: {0}")]
    ServingCert(#[source] rustls::Error),
}

/// The rustls server configuration: serving cert, optional client certs verified against the CA,
/// ALPN `h2` and `http/1.1`.
pub fn tls_config(
    ca: &rustls_pki_types::CertificateDer<'static>,
    serving: &IssuedCert,
) -> Result<rustls::ServerConfig, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca.clone()).map_err(TlsSetupError::TrustAnchor)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .allow_unauthenticated()
        .build()
        .map_err(TlsSetupError::Verifier)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsSetupError::ServingCert)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![serving.cert_der.clone()], serving.private_key())
        .map_err(TlsSetupError::ServingCert)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Accept connections until `shutdown` becomes true.
pub async fn serve(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    state: Arc<ApiState>,
    mut shutdown: signal::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                // As kube-apiserver (Go sets TCP_NODELAY by default): no Nagle delay on small writes.
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = Arc::clone(&state);
                connections.spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let identity = certinfo::peer_identity(&tls);
                    let service = service_fn(move |req| {
                        let state = Arc::clone(&state);
                        let identity = identity.clone();
                        async move { Ok::<_, Infallible>(handle(state, identity, req).await) }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

fn header_str(req: &Request<Incoming>, name: header::HeaderName) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn handle(
    state: Arc<ApiState>,
    identity: Option<CertIdentity>,
    req: Request<Incoming>,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let table = state.cluster.table();
    let route = route::parse(&path, &|g, v, p| table.find(g, v, p).is_some_and(|r| r.namespaced));
    match route {
        Route::Healthz => return body::text(200, "ok"),
        Route::Version => return body::json(200, &discovery::version()),
        _ => {}
    }
    let authenticated =
        crate::sim::auth::request::authenticate(&state.cluster, identity.as_ref(), req.headers());
    let auth = match authenticated {
        Ok(auth) => auth,
        Err(e) => return body::error(&e),
    };
    let attrs = crate::sim::auth::request::request_attributes(req.method(), &path, req.uri().query());
    state.cluster.requests().record(&attrs);
    if let Err(e) = crate::sim::auth::request::authorize_request(&state.cluster, &auth, &attrs) {
        return body::error(&e);
    }
    let intercept = crate::sim::aggregator::intercept(&state.cluster, &path);
    let proxied = matches!(intercept, Some(crate::sim::aggregator::Intercept::Proxy(_)));
    if let Some(reply) = inject_faults(&state, &attrs, proxied).await {
        return reply;
    }
    match intercept {
        Some(crate::sim::aggregator::Intercept::Group(doc)) => return body::json(200, &doc),
        Some(crate::sim::aggregator::Intercept::Proxy(backend)) => {
            return crate::sim::aggregator::proxy::forward(&state.cluster, &backend, &auth, req).await;
        }
        None => {}
    }
    let user = CertIdentity { user: auth.username.clone(), groups: auth.groups.clone() };
    let query = Query::parse(req.uri().query());
    let accept = header_str(&req, header::ACCEPT);
    let content_type = header_str(&req, header::CONTENT_TYPE);
    let method = req.method().clone();
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return body::error(&ApiError::bad_request(format!("reading the request body: {e}"))),
    };
    let req = ApiRequest { method, query, accept, content_type, body, user, auth };
    let req = match crate::sim::admission::admit(&state, req, &route).await {
        Ok(req) => req,
        Err(e) => return body::error(&e),
    };
    tracing::debug!(method = %req.method, %path, user = %req.user.user, "request");
    let result = match route {
        Route::Api => Ok(body::json(200, &discovery::api_versions(&state.server_address))),
        Route::Apis => Ok(body::json(
            200,
            &crate::sim::aggregator::extend_group_list(&state.cluster, discovery::api_group_list(&table)),
        )),
        Route::ApiGroup(group) => {
            discovery::api_group(&table, &group).map(|d| body::json(200, &d)).ok_or_else(ApiError::no_route)
        }
        Route::GroupVersion { group, version } => discovery::resource_list(&table, &group, &version)
            .map(|d| body::json(200, &d))
            .ok_or_else(ApiError::no_route),
        Route::OpenApiV3Index => {
            Ok(body::json(200, &discovery::openapi_index(&table, &discovery::table_hash(&table))))
        }
        Route::OpenApiV3 { group, version } => discovery::openapi_group_version(&table, &group, &version)
            .map(|d| body::json(200, &d))
            .ok_or_else(ApiError::no_route),
        Route::Resource(path) => resource(&state, &req, &path),
        Route::OpenApiV2 | Route::NotFound | Route::Healthz | Route::Version => Err(ApiError::no_route()),
    };
    result.unwrap_or_else(|e| body::error(&e))
}

/// Groups of the authentication and authorization reviews (see [`fault::RequestFacts::internal`]).
const REVIEW_GROUPS: &[&str] = &["authentication.k8s.io", "authorization.k8s.io"];

/// Delay a resource request and maybe answer it with an error, as the active API faults say.
async fn inject_faults(
    state: &ApiState,
    attrs: &crate::sim::auth::Attributes,
    proxied: bool,
) -> Option<Response<Body>> {
    let crate::sim::auth::Attributes::Resource { verb, group, resource, subresource, .. } = attrs else {
        return None;
    };
    let facts = fault::RequestFacts {
        verb,
        group,
        resource,
        subresource,
        internal: proxied || REVIEW_GROUPS.contains(&group.as_str()),
    };
    let injection = state.faults.inject(&facts);
    if !injection.delay.is_zero() {
        tokio::time::sleep(injection.delay).await;
    }
    let (kind, retry_after) = injection.error?;
    let (code, status, retry) = fault::error_response(kind, retry_after);
    let mut response = body::json(code, &status);
    if let Some(seconds) = retry {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    Some(response)
}

fn resource(
    state: &Arc<ApiState>,
    req: &ApiRequest,
    path: &ResourcePath,
) -> Result<Response<Body>, ApiError> {
    let info =
        state.cluster.resource(&path.group, &path.version, &path.plural).ok_or_else(ApiError::no_route)?;
    let target = Target { key: info.storage_key(), info: &info, path };
    if let Some(reply) = crate::sim::auth::reviews::handle(state, req, &target) {
        return reply;
    }
    match path.subresource.as_deref() {
        Some("scale") => scale::handle(state, req, &target),
        Some("resize" | "eviction") => crate::sim::subresources::handle(state, req, &target),
        None if req.method == Method::DELETE
            && path.name.is_some()
            && crate::sim::subresources::is_pods(&target) =>
        {
            crate::sim::subresources::delete::handle(state, req, &target)
        }
        None if req.method == Method::GET && path.name.is_none() && req.query.flag("watch") => {
            watch::start(state, req, &target)
        }
        _ => handlers::handle(state, req, &target),
    }
}
