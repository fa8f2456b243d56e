//! The HTTPS kubelet client: GET `/metrics/resource` the way metrics-server does.
//!
//! - TLS with rustls on `ring`: kubelet serving certificates are verified against the configured
//!   CA (`--kubelet-certificate-authority`, else the cluster CA) with the chosen node address as
//!   server name; `--kubelet-insecure-tls` skips verification of the chain and the name (the
//!   handshake signatures are still checked).
//! - Authentication: a client certificate (`--kubelet-client-certificate/-key`) and/or a bearer
//!   token (the service account token, re-read from its file at most once a minute since kubelet
//!   tokens rotate).
//! - Connections are pooled and reused across cycles; non-200 answers are errors with upstream's
//!   wording; the body is read completely but capped (default 64 MiB; upstream has no cap) so a
//!   misbehaving kubelet cannot exhaust memory.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jiff::Timestamp;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::scraper::{FetchError, KubeletClient, Payload};
use super::target::Target;

/// Default cap on a kubelet response body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// How long a token read from a file is reused before the file is read again.
const TOKEN_REFRESH: Duration = Duration::from_mins(1);

/// Where the bearer token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A fixed token.
    Static(String),
    /// A token file (the projected service account token), re-read periodically.
    File(PathBuf),
}

/// How to reach kubelets.
#[derive(Debug, Clone, Default)]
pub struct KubeletClientConfig {
    /// PEM bundle of CAs that sign kubelet serving certificates.
    pub ca_pem: Option<Vec<u8>>,
    /// `--kubelet-insecure-tls`.
    pub insecure_skip_tls_verify: bool,
    /// PEM client certificate chain and private key.
    pub client_identity_pem: Option<(Vec<u8>, Vec<u8>)>,
    /// Bearer token for `Authorization`.
    pub token: Option<TokenSource>,
    /// Response body cap; `None` means [`DEFAULT_MAX_BODY_BYTES`].
    pub max_body_bytes: Option<usize>,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum KubeletClientError {
    /// The CA bundle holds no usable certificate.
    #[error("kubelet CA bundle: {0}")]
    Ca(String),
    /// The client certificate or key does not parse or does not match.
    #[error("kubelet client certificate: {0}")]
    ClientIdentity(String),
    /// Neither a CA nor insecure mode was given.
    #[error("no CA to verify kubelet certificates: give a CA bundle or enable insecure TLS")]
    NoTrust,
}

/// A pooled HTTPS client for kubelets.
#[derive(Clone)]
pub struct HttpKubeletClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    token: Option<Arc<CachedToken>>,
    max_body_bytes: usize,
}

impl std::fmt::Debug for HttpKubeletClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpKubeletClient")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct CachedToken {
    source: TokenSource,
    cached: Mutex<Option<(Instant, String)>>,
}

impl CachedToken {
    fn get(&self) -> Result<String, String> {
        match &self.source {
            TokenSource::Static(token) => Ok(token.clone()),
            TokenSource::File(path) => {
                let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((at, token)) = cached.as_ref()
                    && at.elapsed() < TOKEN_REFRESH
                {
                    return Ok(token.clone());
                }
                let token = std::fs::read_to_string(path)
                    .map_err(|e| format!("reading token file {}: {e}", path.display()))?
                    .trim()
                    .to_owned();
                *cached = Some((Instant::now(), token.clone()));
                Ok(token)
            }
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl HttpKubeletClient {
    /// Builds the client; fails on unusable certificates, never later at request time.
    pub fn new(config: &KubeletClientConfig) -> Result<Self, KubeletClientError> {
        let provider = provider();
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| KubeletClientError::Ca(e.to_string()))?;
        let builder = if config.insecure_skip_tls_verify {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(SkipVerify(
                provider.signature_verification_algorithms,
            )))
        } else {
            let pem = config.ca_pem.as_deref().ok_or(KubeletClientError::NoTrust)?;
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| KubeletClientError::Ca(e.to_string()))?;
                roots.add(cert).map_err(|e| KubeletClientError::Ca(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(KubeletClientError::Ca("no certificate found in PEM data".into()));
            }
            builder.with_root_certificates(roots)
        };
        let tls = match &config.client_identity_pem {
            None => builder.with_no_client_auth(),
            Some((cert_pem, key_pem)) => {
                let chain = CertificateDer::pem_slice_iter(cert_pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| KubeletClientError::ClientIdentity(e.to_string()))?;
                if chain.is_empty() {
                    return Err(KubeletClientError::ClientIdentity(
                        "no certificate found in PEM data".into(),
                    ));
                }
                let key = PrivateKeyDer::from_pem_slice(key_pem)
                    .map_err(|e| KubeletClientError::ClientIdentity(format!("private key: {e}")))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| KubeletClientError::ClientIdentity(e.to_string()))?
            }
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        // As metrics-server's Go client: no Nagle delay on the request's small writes.
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client =
            Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(connector);
        Ok(Self {
            client,
            token: config
                .token
                .clone()
                .map(|source| Arc::new(CachedToken { source, cached: Mutex::new(None) })),
            max_body_bytes: config.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        })
    }
}

impl KubeletClient for HttpKubeletClient {
    async fn fetch(&self, target: &Target) -> Result<Payload, FetchError> {
        let connect = |reason: String| FetchError::Connect { node: target.node.clone(), reason };
        let mut request = http::Request::get(&target.url);
        if let Some(token) = &self.token {
            request = request
                .header(http::header::AUTHORIZATION, format!("Bearer {}", token.get().map_err(connect)?));
        }
        let request = request.body(Empty::new()).map_err(|e| connect(e.to_string()))?;
        let request_time = Timestamp::now();
        let response = self.client.request(request).await.map_err(|e| connect(error_chain(&e)))?;
        let status = response.status();
        if status != http::StatusCode::OK {
            let text = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or(""));
            return Err(FetchError::Status { status: text.trim_end().to_owned() });
        }
        let body = Limited::new(response.into_body(), self.max_body_bytes)
            .collect()
            .await
            .map_err(|e| FetchError::Body { reason: e.to_string() })?
            .to_bytes();
        Ok(Payload { body: body.to_vec(), request_time })
    }
}

/// Error text with its sources: hyper's top-level message alone ("client error (Connect)") hides
/// the cause a user needs (certificate unknown, connection refused).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `--kubelet-insecure-tls`: accept any certificate and name, but still check handshake signatures.
#[derive(Debug)]
struct SkipVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests;
