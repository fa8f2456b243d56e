//! The HTTPS accept loop (axum `examples/low-level-rustls` shape, hyper-util `auto` for HTTP/1.1
//! and HTTP/2, graceful shutdown).
//!
//! Invariants:
//! - nothing a client does stops the loop: accept errors, slow or failed handshakes and broken
//!   connections are logged and only end that connection;
//! - every request carries a [`PeerIdentity`] extension, established once per connection from the
//!   verified client chain (re-verified against each CA bundle, see
//!   [`ClientCertAuthority::classify`](super::tls::ClientCertAuthority::classify));
//! - on `shutdown` the listener closes at once, in-flight connections get a graceful close and at
//!   most `drain_timeout` to finish.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls_pki_types::{CertificateDer, UnixTime};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::certs::certificate_facts;
use super::tls::{ChainTrust, ClientCertAuthority, TlsError, TlsSetup};

/// The verified client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The chain as presented, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// Leaf subject common name (empty when absent).
    pub common_name: String,
    /// Leaf subject organizations.
    pub organizations: Vec<String>,
    /// Which CA bundles the chain verifies against.
    pub trust: ChainTrust,
}

/// Who is on the other end of the TLS connection (request extension).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerIdentity {
    /// The client certificate, if one was presented and verified.
    pub certificate: Option<ClientCertificate>,
}

impl PeerIdentity {
    /// Identity of a verified `chain` (leaf first); no certificate when `chain` is empty or the
    /// leaf cannot be parsed.
    pub fn from_chain(chain: &[CertificateDer<'_>], authority: &ClientCertAuthority, now: UnixTime) -> Self {
        let Some(leaf) = chain.first() else { return Self::default() };
        let facts = match certificate_facts(leaf) {
            Ok(facts) => facts,
            Err(error) => {
                tracing::warn!(%error, "ignoring an unparsable client certificate");
                return Self::default();
            }
        };
        Self {
            certificate: Some(ClientCertificate {
                chain: chain.iter().map(|c| c.clone().into_owned()).collect(),
                common_name: facts.common_name,
                organizations: facts.organizations,
                trust: authority.classify(chain, now),
            }),
        }
    }
}

/// Timeouts of the accept loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Maximum time for a TLS handshake (the apiserver's default is 10 s).
    pub handshake_timeout: Duration,
    /// Maximum time in-flight connections get after shutdown.
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { handshake_timeout: Duration::from_secs(10), drain_timeout: Duration::from_secs(30) }
    }
}

/// Serves `app` over TLS on `listener` until `shutdown`, then drains connections.
pub async fn serve(
    listener: TcpListener,
    tls: TlsSetup,
    app: Router,
    shutdown: CancellationToken,
) -> Result<(), TlsError> {
    serve_with(listener, tls, app, shutdown, ServeOptions::default()).await
}

/// [`serve`] with explicit timeouts.
pub async fn serve_with(
    listener: TcpListener,
    tls: TlsSetup,
    app: Router,
    shutdown: CancellationToken,
    options: ServeOptions,
) -> Result<(), TlsError> {
    let acceptor = TlsAcceptor::from(tls.server_config()?);
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, remote) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically EMFILE: back off instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Responses are written in pieces (TLS records, chunks): without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK add up to 40 ms to a small response.
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let authority = Arc::clone(&tls.client_auth);
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(options.handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => {
                    tracing::debug!(%remote, %error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "TLS handshake timed out");
                    return;
                }
            };
            let chain = stream.get_ref().1.peer_certificates().unwrap_or_default();
            let peer = PeerIdentity::from_chain(chain, &authority, UnixTime::now());
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(peer.clone());
                app.clone().oneshot(request)
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%remote, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(options.drain_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!(timeout = ?options.drain_timeout, "connections still open after the drain timeout");
    }
    Ok(())
}
