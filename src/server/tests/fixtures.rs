//! Shared fixtures: scratch directories, a settable clock, an echo app, a TLS server on
//! 127.0.0.1 and a minimal HTTP/1.1-over-TLS client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use rustls::ClientConfig;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::pki::{Ca, Identity};
use crate::metrics::api::Clock;
use crate::metrics::api::auth::UserInfo;
use crate::server::certs::parse_serving_pem;
use crate::server::serve::serve;
use crate::server::tls::{TlsError, TlsSetup};

/// 2026-12-01T00:00:00Z, the tests' "now".
pub fn t0() -> jiff::Timestamp {
    "2026-12-01T00:00:00Z".parse().expect("timestamp")
}

/// A fresh, empty directory unique to this process and `name`, removed when dropped.
pub fn scratch_dir(name: &str) -> ScratchDir {
    let dir = std::env::temp_dir().join(format!("bellows-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    ScratchDir(dir)
}

/// A temporary directory that is removed with its contents on drop.
pub struct ScratchDir(PathBuf);

impl std::ops::Deref for ScratchDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct FakeClock(Arc<Mutex<jiff::Timestamp>>);

impl FakeClock {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(t0())))
    }

    pub fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Arc::new(move || *now.lock().expect("clock"))
    }

    pub fn advance_secs(&self, seconds: i64) {
        let mut now = self.0.lock().expect("clock");
        *now = now.checked_add(jiff::SignedDuration::from_secs(seconds)).expect("in range");
    }
}

/// `GET /whoami` and the API paths answer `name groups extra leaked=<bool>`, where `leaked`
/// says whether any identity header reached the handler.
pub fn echo_app() -> Router {
    async fn whoami(user: Option<Extension<UserInfo>>, headers: HeaderMap) -> String {
        let leaked = ["x-remote-user", "x-remote-group", "x-remote-extra-scopes", "authorization"]
            .iter()
            .any(|h| headers.contains_key(*h));
        match user {
            Some(Extension(u)) => format!("{} {:?} {:?} leaked={leaked}", u.name, u.groups, u.extra),
            None => format!("- leaked={leaked}"),
        }
    }
    Router::new()
        .route("/whoami", get(whoami))
        .route("/healthz", get(|| async { "ok" }))
        .route("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods", get(whoami))
}

/// A serving CA and its `localhost` certificate.
pub struct Serving {
    pub ca: Ca,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Serving {
    pub fn new() -> Self {
        let ca = Ca::new("serving-ca");
        let (cert_pem, key_pem) = ca.server_pem(None);
        Self { ca, cert_pem, key_pem }
    }

    pub fn tls(&self) -> TlsSetup {
        let key = parse_serving_pem(
            self.cert_pem.as_bytes(),
            "tls.crt".as_ref(),
            self.key_pem.as_bytes(),
            "tls.key".as_ref(),
            t0(),
        )
        .expect("serving key");
        TlsSetup::new(key)
    }
}

/// A server running on an ephemeral 127.0.0.1 port.
pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<Result<(), TlsError>>,
}

impl TestServer {
    pub async fn start(tls: TlsSetup, app: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(serve(listener, tls, app, shutdown.clone()));
        Self { addr, shutdown, handle }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.handle.await.expect("serve task").expect("serve result");
    }
}

/// A client trusting `ca`, optionally presenting `identity`, offering `alpn`.
pub fn client_config(
    ca: &CertificateDer<'static>,
    identity: Option<Identity>,
    alpn: &[&[u8]],
) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).expect("root");
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => builder.with_client_auth_cert(id.chain, id.key).expect("client auth"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// What one request returned.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub server_cert: CertificateDer<'static>,
    pub alpn: Option<Vec<u8>>,
}

/// Sends one HTTP/1.1 GET over TLS (or just handshakes when `path` is `None`).
pub async fn fetch(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    path: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Reply, String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await.map_err(|e| format!("handshake: {e}"))?;
    let (_, session) = tls.get_ref();
    let server_cert = session.peer_certificates().and_then(|c| c.first()).cloned().ok_or("no server cert")?;
    let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
    let Some(path) = path else {
        return Ok(Reply { status: 0, body: String::new(), server_cert, alpn });
    };
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request = format!("{request}{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    tls.write_all(request.as_bytes()).await.map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(format!("read: {e}")),
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no header end in {text:?}"))?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("no status")?;
    Ok(Reply { status, body: body.to_owned(), server_cert, alpn })
}
