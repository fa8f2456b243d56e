//! The kubelets' HTTPS servers: one listener per node, a serving certificate for the node's IP
//! signed by the cluster CA, client certificates optional at the TLS layer (so that clients without
//! one get a proper 401), HTTP/1.1 and HTTP/2.
//!
//! Routes: `/healthz` → `ok`; `/metrics/resource` → the Prometheus payload; anything else → 404
//! `404 page not found`. Every route needs authentication and `nodes/<subresource>` authorization
//! ([`super::access`]), as on a real kubelet's port 10250.
//!
//! Faults are applied here: `down` closes the listener and cuts open connections (the port is
//! re-bound when the fault ends), `slow` sleeps before answering, `garbage` and `zero` change the
//! metrics body. A node's server re-checks faults when one is set at run time and, if the node has
//! scripted faults, every 100 ms.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::endpoint::{Endpoint, next_prefix, node_ip, publish_endpoint};
use super::fault::Fault;
use super::{Kubelets, access, format};
use crate::sim::certinfo::{self, CertIdentity};
use crate::sim::pki::{Pki, PkiError};
use crate::sim::server::body::Body;
use crate::sim::server::{TlsSetupError, tls_config};

/// How often the model advances in the background (for OOM kills between scrapes).
pub const TICK: Duration = Duration::from_secs(1);
/// How often a node with scripted faults re-checks them.
pub const FAULT_POLL: Duration = Duration::from_millis(100);

/// Failures starting the kubelets.
#[derive(Debug, thiserror::Error)]
pub enum KubeletError {
    /// A serving certificate could not be made.
    #[error("kubelet serving certificate for {node}: {source}")]
    Cert {
        /// Node.
        node: String,
        /// Cause.
        #[source]
        source: PkiError,
    },
    /// TLS could not be configured.
    #[error("kubelet TLS for {node}: {source}")]
    Tls {
        /// Node.
        node: String,
        /// Cause.
        #[source]
        source: TlsSetupError,
    },
    /// The listener could not be bound.
    #[error("binding the kubelet of {node} on {addr}: {source}")]
    Bind {
        /// Node.
        node: String,
        /// Address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Bind a kubelet for each of `nodes`, publish the addresses on the Node objects and spawn the
/// servers plus the background ticker; all stop when `shutdown` becomes true.
pub async fn start(
    kubelets: &Arc<Kubelets>,
    pki: &Pki,
    nodes: &[String],
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, KubeletError> {
    let prefix = next_prefix();
    let mut tasks = Vec::with_capacity(nodes.len() + 1);
    for (index, node) in nodes.iter().enumerate() {
        let ip = node_ip(prefix, index);
        let serving = pki
            .issue_server(&[&ip.to_string(), node])
            .map_err(|source| KubeletError::Cert { node: node.clone(), source })?;
        let tls = tls_config(pki.ca_der(), &serving)
            .map_err(|source| KubeletError::Tls { node: node.clone(), source })?;
        let want = SocketAddr::from((ip, 0));
        let listener = TcpListener::bind(want).await.map_err(|source| KubeletError::Bind {
            node: node.clone(),
            addr: want,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| KubeletError::Bind {
            node: node.clone(),
            addr: want,
            source,
        })?;
        let endpoint = Endpoint { node: node.clone(), addr };
        publish_endpoint(kubelets.cluster(), &endpoint);
        kubelets.register(endpoint);
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        // A node that starts down must refuse connections from the very start.
        let listener = (kubelets.fault(node) != Some(Fault::Down)).then_some(listener);
        let server = NodeServer { kubelets: Arc::clone(kubelets), node: node.clone(), addr, acceptor };
        tasks.push(tokio::spawn(server.run(listener, shutdown.clone())));
    }
    tasks.push(tokio::spawn(tick(Arc::clone(kubelets), shutdown.clone())));
    Ok(tasks)
}

async fn tick(kubelets: Arc<Kubelets>, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let k = Arc::clone(&kubelets);
                // Listing all pods is blocking work; keep it off the async workers' hot path.
                let _ = tokio::task::spawn_blocking(move || {
                    k.advance_if_stale(k.clock().now(), TICK.as_secs_f64() * 0.9);
                })
                .await;
            }
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { return },
        }
    }
}

struct NodeServer {
    kubelets: Arc<Kubelets>,
    node: String,
    addr: SocketAddr,
    acceptor: TlsAcceptor,
}

async fn accept(listener: Option<&TcpListener>) -> std::io::Result<tokio::net::TcpStream> {
    match listener {
        Some(l) => l.accept().await.map(|(tcp, _)| {
            // As the kubelet (Go sets TCP_NODELAY by default).
            let _ = tcp.set_nodelay(true);
            tcp
        }),
        None => std::future::pending().await,
    }
}

impl NodeServer {
    async fn run(self, mut listener: Option<TcpListener>, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut connections = JoinSet::new();
        let mut faults = this.kubelets.subscribe_faults();
        loop {
            let down = this.kubelets.fault(&this.node) == Some(Fault::Down);
            if down && listener.is_some() {
                listener = None;
                connections.abort_all();
            } else if !down && listener.is_none() {
                listener = TcpListener::bind(this.addr).await.ok();
            }
            let poll = this.kubelets.has_scripted_faults(&this.node) || (!down && listener.is_none());
            tokio::select! {
                accepted = accept(listener.as_ref()) => {
                    if let Ok(tcp) = accepted {
                        let this = Arc::clone(&this);
                        connections.spawn(async move { this.connection(tcp).await });
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = tokio::time::sleep(FAULT_POLL), if poll => {}
                _ = faults.changed() => {}
                changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            }
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }

    async fn connection(self: Arc<Self>, tcp: tokio::net::TcpStream) {
        let Ok(tls) = self.acceptor.accept(tcp).await else { return };
        let identity = certinfo::peer_identity(&tls);
        let service = service_fn(move |req| {
            let this = Arc::clone(&self);
            let identity = identity.clone();
            async move { Ok::<_, Infallible>(this.handle(identity.as_ref(), &req).await) }
        });
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        let _ = builder.serve_connection(TokioIo::new(tls), service).await;
    }

    async fn handle(&self, identity: Option<&CertIdentity>, req: &Request<Incoming>) -> Response<Body> {
        let fault = self.kubelets.fault(&self.node);
        if let Some(Fault::Slow(delay)) = fault {
            tokio::time::sleep(delay).await;
        }
        let cluster = self.kubelets.cluster();
        let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(who) = access::authenticate(cluster, identity, authorization) else {
            return text(StatusCode::UNAUTHORIZED, "Unauthorized", "text/plain; charset=utf-8");
        };
        let path = req.uri().path();
        let (verb, subresource) = (access::verb(req.method()), access::subresource(path));
        if !access::authorize(cluster, &who, verb, &self.node, subresource) {
            let message = access::forbidden_message(&who, verb, subresource);
            return text(StatusCode::FORBIDDEN, message, "text/plain; charset=utf-8");
        }
        match path {
            "/healthz" => text(StatusCode::OK, "ok", "text/plain; charset=utf-8"),
            "/metrics/resource" => {
                if fault == Some(Fault::Garbage) {
                    return text(StatusCode::OK, format::garbage(), "text/plain; charset=utf-8");
                }
                let kubelets = Arc::clone(&self.kubelets);
                let node = self.node.clone();
                let Ok(sample) = tokio::task::spawn_blocking(move || kubelets.scrape(&node)).await else {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "scrape failed",
                        "text/plain; charset=utf-8",
                    );
                };
                let sample = if fault == Some(Fault::Zero) { sample.zeroed() } else { sample };
                text(StatusCode::OK, format::render(&sample), format::CONTENT_TYPE)
            }
            _ => text(StatusCode::NOT_FOUND, "404 page not found\n", "text/plain; charset=utf-8"),
        }
    }
}

fn text(code: StatusCode, body: impl Into<Bytes>, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = code;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}
