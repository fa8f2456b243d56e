//! rustls configuration with swappable state: the serving certificate and the client CA bundles.
//!
//! Model: both change while the server runs (certificate files are rotated, the CA bundles come
//! from the `extension-apiserver-authentication` configmap), so each lives behind an
//! [`ArcSwap`]: handshakes read the current value lock-free, updates replace it atomically and never
//! affect connections already established.
//!
//! Client authentication is *offered*, never required: a client without a certificate gets a TLS
//! session and authentication is decided per request. A presented certificate must chain to the
//! client-ca bundle or the requestheader (front-proxy) bundle; which one is decided again per
//! connection by [`ClientCertAuthority::classify`], verifying the chain against each bundle
//! separately, so the auth layer can tell a front proxy from a plain client-certificate user.
//!
//! [`CertReloader`] polls the certificate files; a change that fails to load keeps the old key.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use jiff::Timestamp;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};
use tokio_util::sync::CancellationToken;

use super::certs::{CertError, parse_serving_pem};
use crate::metrics::api::Clock;
use crate::metrics::api::auth::AuthenticationConfig;

/// Failures of building TLS state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// A CA bundle holds malformed PEM.
    #[error("{bundle}: invalid PEM: {reason}")]
    BundlePem {
        /// `client-ca-file` or `requestheader-client-ca-file`.
        bundle: &'static str,
        /// Parser message.
        reason: String,
    },
    /// A CA bundle holds no usable CA certificate.
    #[error("{bundle}: no usable CA certificate in the bundle")]
    EmptyBundle {
        /// `client-ca-file` or `requestheader-client-ca-file`.
        bundle: &'static str,
    },
    /// rustls refused to build a verifier for a bundle.
    #[error("{bundle}: cannot build a certificate verifier: {reason}")]
    Verifier {
        /// `client-ca-file` or `requestheader-client-ca-file`.
        bundle: &'static str,
        /// rustls' message.
        reason: String,
    },
    /// rustls refused the protocol versions of the ring provider.
    #[error("building the TLS server configuration: {0}")]
    ServerConfig(String),
}

/// Resolves every handshake to the current serving certificate.
#[derive(Debug)]
pub struct ServingCertResolver {
    current: ArcSwap<CertifiedKey>,
}

impl ServingCertResolver {
    /// Resolver serving `initial`.
    pub fn new(initial: Arc<CertifiedKey>) -> Self {
        Self { current: ArcSwap::new(initial) }
    }

    /// Serves `key` from the next handshake on.
    pub fn swap(&self, key: Arc<CertifiedKey>) {
        self.current.store(key);
    }

    /// The certificate currently served.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }
}

impl ResolvesServerCert for ServingCertResolver {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// Which bundles a client chain verified against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainTrust {
    /// Chains to the `client-ca-file` bundle.
    pub client_ca: bool,
    /// Chains to the `requestheader-client-ca-file` bundle.
    pub request_header: bool,
}

/// The two client CA bundles as verifiers (either may be absent).
#[derive(Debug, Default, Clone)]
pub struct ClientCaBundles {
    client_ca: Option<Arc<dyn ClientCertVerifier>>,
    request_header: Option<Arc<dyn ClientCertVerifier>>,
}

fn bundle_verifier(bundle: &'static str, pem: &str) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BundlePem { bundle, reason: e.to_string() })?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::EmptyBundle { bundle });
    }
    WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .map_err(|e| TlsError::Verifier { bundle, reason: e.to_string() })
}

impl ClientCaBundles {
    /// Verifiers for the given PEM bundles; `None` or blank disables that bundle.
    pub fn from_pem(client_ca: Option<&str>, request_header_ca: Option<&str>) -> Result<Self, TlsError> {
        let build = |bundle, pem: Option<&str>| {
            pem.filter(|p| !p.trim().is_empty()).map(|p| bundle_verifier(bundle, p)).transpose()
        };
        Ok(Self {
            client_ca: build("client-ca-file", client_ca)?,
            request_header: build("requestheader-client-ca-file", request_header_ca)?,
        })
    }

    /// The bundles named by the authentication configmap.
    pub fn from_config(config: &AuthenticationConfig) -> Result<Self, TlsError> {
        Self::from_pem(
            config.client_ca_pem.as_deref(),
            config.request_header.as_ref().map(|r| r.client_ca_pem.as_str()),
        )
    }

    fn verifiers(&self) -> impl Iterator<Item = &Arc<dyn ClientCertVerifier>> {
        self.client_ca.iter().chain(self.request_header.iter())
    }
}

/// A swappable client-certificate verifier over [`ClientCaBundles`].
#[derive(Debug)]
pub struct ClientCertAuthority {
    bundles: ArcSwap<ClientCaBundles>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl Default for ClientCertAuthority {
    fn default() -> Self {
        Self::new(ClientCaBundles::default())
    }
}

impl ClientCertAuthority {
    /// Authority trusting `bundles`.
    pub fn new(bundles: ClientCaBundles) -> Self {
        Self {
            bundles: ArcSwap::from_pointee(bundles),
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }

    /// Trusts `bundles` from the next handshake on.
    pub fn set_bundles(&self, bundles: ClientCaBundles) {
        self.bundles.store(Arc::new(bundles));
    }

    /// Verifies `chain` (leaf first) against each bundle separately.
    pub fn classify(&self, chain: &[CertificateDer<'_>], now: UnixTime) -> ChainTrust {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return ChainTrust::default();
        };
        let bundles = self.bundles.load();
        let verifies = |v: &Option<Arc<dyn ClientCertVerifier>>| {
            v.as_ref().is_some_and(|v| v.verify_client_cert(leaf, intermediates, now).is_ok())
        };
        ChainTrust {
            client_ca: verifies(&bundles.client_ca),
            request_header: verifies(&bundles.request_header),
        }
    }
}

impl ClientCertVerifier for ClientCertAuthority {
    fn offer_client_auth(&self) -> bool {
        self.bundles.load().verifiers().next().is_some()
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // The hints would borrow from a bundle that may be swapped away; an empty list tells
        // clients any of their certificates may be acceptable, which is what Go clients expect.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let bundles = self.bundles.load();
        let mut last = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        for verifier in bundles.verifiers() {
            match verifier.verify_client_cert(end_entity, intermediates, now) {
                Ok(ok) => return Ok(ok),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The swappable TLS state of one server.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// Serving certificate.
    pub resolver: Arc<ServingCertResolver>,
    /// Client certificate trust.
    pub client_auth: Arc<ClientCertAuthority>,
}

impl TlsSetup {
    /// Serves `initial` and trusts no client certificates until [`Self::set_client_cas`].
    pub fn new(initial: Arc<CertifiedKey>) -> Self {
        Self {
            resolver: Arc::new(ServingCertResolver::new(initial)),
            client_auth: Arc::new(ClientCertAuthority::default()),
        }
    }

    /// Trusts the CA bundles of `config` from the next handshake on. On error the old bundles stay.
    pub fn set_client_cas(&self, config: &AuthenticationConfig) -> Result<(), TlsError> {
        self.client_auth.set_bundles(ClientCaBundles::from_config(config)?);
        Ok(())
    }

    /// A rustls server config (ring, TLS 1.2 + 1.3, ALPN `h2` and `http/1.1`) reading this state.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::ServerConfig(e.to_string()))?
            .with_client_cert_verifier(self.client_auth.clone())
            .with_cert_resolver(self.resolver.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// What one poll of the certificate files did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The files are byte-for-byte what was last seen.
    Unchanged,
    /// New files loaded and now served.
    Reloaded,
    /// New files failed to load; the previous certificate stays.
    Rejected(CertError),
}

/// Polls `--tls-cert-file`/`--tls-private-key-file` and swaps the served key on change.
///
/// Comparing contents rather than mtimes catches rewrites within the filesystem's timestamp
/// granularity and ignores touches; the files are small.
#[derive(Debug)]
pub struct CertReloader {
    cert_path: PathBuf,
    key_path: PathBuf,
    resolver: Arc<ServingCertResolver>,
    last_seen: Option<(Vec<u8>, Vec<u8>)>,
}

impl CertReloader {
    /// Reloader for the files the resolver's current key was loaded from.
    pub fn new(cert_path: PathBuf, key_path: PathBuf, resolver: Arc<ServingCertResolver>) -> Self {
        let last_seen = std::fs::read(&cert_path).ok().zip(std::fs::read(&key_path).ok());
        Self { cert_path, key_path, resolver, last_seen }
    }

    /// Checks the files once; a read failure is a rejection (the old certificate stays).
    pub fn poll(&mut self, now: Timestamp) -> ReloadOutcome {
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| CertError::Read { path: path.clone(), reason: e.to_string() })
        };
        let contents = match read(&self.cert_path).and_then(|c| Ok((c, read(&self.key_path)?))) {
            Ok(contents) => contents,
            Err(e) => return ReloadOutcome::Rejected(e),
        };
        if self.last_seen.as_ref() == Some(&contents) {
            return ReloadOutcome::Unchanged;
        }
        let loaded = parse_serving_pem(&contents.0, &self.cert_path, &contents.1, &self.key_path, now);
        // Remember rejected contents too, so a bad file is reported once, not on every poll.
        self.last_seen = Some(contents);
        match loaded {
            Ok(key) => {
                self.resolver.swap(key);
                ReloadOutcome::Reloaded
            }
            Err(e) => ReloadOutcome::Rejected(e),
        }
    }

    /// Polls every `interval` until `shutdown`, logging reloads and rejections.
    pub async fn run(mut self, interval: Duration, now: Clock, shutdown: CancellationToken) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            match self.poll(now()) {
                ReloadOutcome::Unchanged => {}
                ReloadOutcome::Reloaded => {
                    tracing::info!(cert = %self.cert_path.display(), "reloaded the serving certificate");
                }
                ReloadOutcome::Rejected(error) => {
                    tracing::error!(%error, "keeping the previous serving certificate");
                }
            }
        }
    }
}
