//! A small HTTPS client for the benchmark: one kept-alive HTTP/1.1 connection, a client
//! certificate, and either the sim's CA or no server verification (bellows' self-signed serving
//! certificate, as the aggregator's `insecureSkipTLSVerify`). Each call returns the status, the
//! body and how long the exchange took (request sent to body fully read).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Failures of a benchmark request.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// TLS could not be configured with the given certificate.
    #[error("configuring TLS: {0}")]
    Tls(#[source] rustls::Error),
    /// Connecting or the TLS handshake failed.
    #[error("connecting to {addr}: {source}")]
    Connect {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP exchange failed.
    #[error("HTTP exchange with {addr}: {source}")]
    Http {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: hyper::Error,
    },
    /// The request could not be built (bad header value).
    #[error("building the request for {0}")]
    Request(String),
    /// No answer in time.
    #[error("no answer from {addr} for {path} within {limit:?}")]
    Timeout {
        /// Address.
        addr: SocketAddr,
        /// Path.
        path: String,
        /// Limit.
        limit: Duration,
    },
}

/// How a [`Client`] checks the server.
#[derive(Debug, Clone)]
pub enum ServerTrust {
    /// Verify against this CA (the sim's API server).
    Ca(CertificateDer<'static>),
    /// Accept any certificate but check handshake signatures (bellows' self-signed serving cert).
    Skip,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
    /// Request sent to body read.
    pub elapsed: Duration,
}

/// A client bound to one server address, reconnecting when its connection closes.
pub struct Client {
    addr: SocketAddr,
    tls: TlsConnector,
    sender: Option<SendRequest<Full<Bytes>>>,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `addr` presenting `cert` and `key`.
    pub fn new(
        addr: SocketAddr,
        trust: ServerTrust,
        cert: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(ClientError::Tls)?;
        let builder = match trust {
            ServerTrust::Ca(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca).map_err(ClientError::Tls)?;
                builder.with_root_certificates(roots)
            }
            ServerTrust::Skip => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(crate::sim::insecure::SkipVerify::new(provider))),
        };
        let config = builder.with_client_auth_cert(cert, key).map_err(ClientError::Tls)?;
        Ok(Self { addr, tls: TlsConnector::from(Arc::new(config)), sender: None, timeout })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let addr = self.addr;
        let connect = |source| ClientError::Connect { addr, source };
        let tcp = TcpStream::connect(addr).await.map_err(connect)?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::IpAddress(addr.ip().into());
        let tls = self.tls.connect(name, tcp).await.map_err(connect)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|source| ClientError::Http { addr, source })?;
        tokio::spawn(conn);
        Ok(sender)
    }

    /// `GET path` with extra `headers`, on the kept-alive connection (opened if needed; the
    /// connection set-up is not part of [`Answer::elapsed`]).
    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Result<Answer, ClientError> {
        let addr = self.addr;
        let usable = self.sender.as_ref().is_some_and(|s| !s.is_closed());
        if !usable {
            self.sender = Some(self.connect().await?);
        }
        let Some(sender) = self.sender.as_mut() else { return Err(ClientError::Request(path.to_owned())) };
        let mut req = Request::get(path).header("host", addr.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::new())).map_err(|_| ClientError::Request(path.to_owned()))?;
        let start = Instant::now();
        let exchange = async {
            sender.ready().await?;
            let response = sender.send_request(req).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ClientError::Timeout { addr, path: path.to_owned(), limit: self.timeout })?
            .map_err(|source| ClientError::Http { addr, source })?;
        Ok(Answer { status, body, elapsed: start.elapsed() })
    }
}
