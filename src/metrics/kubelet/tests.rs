//! The kubelet client against a real HTTPS server on 127.0.0.1 with certificates made by rcgen.

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::*;

/// A CA and a serving certificate for 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

fn pki(server_ip: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![server_ip.to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_chain: vec![leaf.der().clone()],
        server_key: PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    }
}

/// Serves `body` on `/metrics/resource` to requests bearing `Bearer secret`, 401 otherwise.
async fn kubelet(pki: &Pki, body: &'static str) -> SocketAddr {
    let tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| async move {
                    let authorised = req.headers().get("authorization").is_some_and(|v| v == "Bearer secret");
                    let response = match (authorised, req.uri().path()) {
                        (false, _) => {
                            http::Response::builder().status(401).body(Full::<Bytes>::from("Unauthorized"))
                        }
                        (true, "/metrics/resource") => {
                            http::Response::builder().body(Full::<Bytes>::from(body))
                        }
                        (true, _) => http::Response::builder()
                            .status(404)
                            .body(Full::<Bytes>::from("404 page not found")),
                    };
                    Ok::<_, std::convert::Infallible>(response.unwrap())
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

fn target_at(addr: SocketAddr, path: &str) -> Target {
    Target { node: "n1".into(), url: format!("https://{addr}{path}"), host: addr.ip().to_string() }
}

fn config(ca_pem: Option<&str>, token: &str) -> KubeletClientConfig {
    KubeletClientConfig {
        ca_pem: ca_pem.map(|p| p.as_bytes().to_vec()),
        token: Some(TokenSource::Static(token.into())),
        ..KubeletClientConfig::default()
    }
}

const BODY: &str = "node_cpu_usage_seconds_total 1 1700000000000\n";

#[tokio::test]
async fn fetches_the_payload_over_verified_tls_with_the_bearer_token() {
    let pki = pki("127.0.0.1");
    let addr = kubelet(&pki, BODY).await;
    let client = HttpKubeletClient::new(&config(Some(&pki.ca_pem), "secret")).unwrap();
    let before = Timestamp::now();
    let payload = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap();
    assert_eq!(payload.body, BODY.as_bytes());
    assert!(payload.request_time >= before);
}

#[tokio::test]
async fn a_wrong_token_is_upstreams_status_error() {
    let pki = pki("127.0.0.1");
    let addr = kubelet(&pki, BODY).await;
    let client = HttpKubeletClient::new(&config(Some(&pki.ca_pem), "wrong")).unwrap();
    let err = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap_err();
    assert_eq!(err.to_string(), "request failed, status: \"401 Unauthorized\"");
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_with_the_cause() {
    let pki_kubelet = pki("127.0.0.1");
    let other = pki("127.0.0.1");
    let addr = kubelet(&pki_kubelet, BODY).await;
    let client = HttpKubeletClient::new(&config(Some(&other.ca_pem), "secret")).unwrap();
    let err = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap_err().to_string();
    assert!(err.starts_with("unable to fetch metrics from node n1: "), "{err}");
    assert!(err.contains("invalid peer certificate"), "{err}");
}

#[tokio::test]
async fn a_certificate_for_another_address_is_refused() {
    let pki = pki("127.0.0.2");
    let addr = kubelet(&pki, BODY).await;
    let client = HttpKubeletClient::new(&config(Some(&pki.ca_pem), "secret")).unwrap();
    let err = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap_err().to_string();
    assert!(err.contains("certificate not valid for name \"127.0.0.1\""), "{err}");
}

#[tokio::test]
async fn insecure_tls_accepts_an_unknown_certificate() {
    let pki = pki("127.0.0.2");
    let addr = kubelet(&pki, BODY).await;
    let cfg = KubeletClientConfig { insecure_skip_tls_verify: true, ..config(None, "secret") };
    let client = HttpKubeletClient::new(&cfg).unwrap();
    assert_eq!(client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap().body, BODY.as_bytes());
}

#[tokio::test]
async fn an_oversized_body_is_an_error_not_an_allocation() {
    let pki = pki("127.0.0.1");
    let addr = kubelet(&pki, BODY).await;
    let cfg = KubeletClientConfig { max_body_bytes: Some(8), ..config(Some(&pki.ca_pem), "secret") };
    let client = HttpKubeletClient::new(&cfg).unwrap();
    let err = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap_err();
    assert!(matches!(err, FetchError::Body { .. }), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_naming_the_node() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let pki = pki("127.0.0.1");
    let client = HttpKubeletClient::new(&config(Some(&pki.ca_pem), "secret")).unwrap();
    let err = client.fetch(&target_at(addr, "/metrics/resource")).await.unwrap_err().to_string();
    assert!(err.starts_with("unable to fetch metrics from node n1: "), "{err}");
}

#[test]
fn a_missing_trust_anchor_is_refused_at_construction() {
    let err = HttpKubeletClient::new(&KubeletClientConfig::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no CA to verify kubelet certificates: give a CA bundle or enable insecure TLS"
    );
    let cfg = KubeletClientConfig { ca_pem: Some(b"not pem".to_vec()), ..KubeletClientConfig::default() };
    assert!(matches!(HttpKubeletClient::new(&cfg), Err(KubeletClientError::Ca(_))));
}

#[test]
fn a_token_file_is_read_and_trimmed() {
    let dir = std::env::temp_dir().join(format!("bellows-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token");
    std::fs::write(&path, "abc\n").unwrap();
    let token = CachedToken { source: TokenSource::File(path.clone()), cached: Mutex::new(None) };
    assert_eq!(token.get().unwrap(), "abc");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(token.get().unwrap(), "abc", "cached within the refresh interval");
    let missing = CachedToken { source: TokenSource::File(path), cached: Mutex::new(None) };
    assert!(missing.get().unwrap_err().starts_with("reading token file "));
    let _ = std::fs::remove_dir_all(&dir);
}
