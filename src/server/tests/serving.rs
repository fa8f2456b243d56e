//! The accept loop and certificate reload over real TLS on 127.0.0.1.

use tokio::io::AsyncWriteExt;

use super::fixtures::{Serving, TestServer, client_config, echo_app, fetch, scratch_dir, t0};
use super::pki::Ca;
use crate::metrics::api::auth::AuthenticationConfig;
use crate::server::certs::CertError;
use crate::server::tls::{CertReloader, ReloadOutcome};

#[tokio::test]
async fn reload_swaps_the_served_certificate() {
    let serving = Serving::new();
    let dir = scratch_dir("reload");
    let (cert_path, key_path) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert_path, &serving.cert_pem).expect("cert");
    std::fs::write(&key_path, &serving.key_pem).expect("key");
    let tls = serving.tls();
    let mut reloader = CertReloader::new(cert_path.clone(), key_path.clone(), tls.resolver.clone());
    let server = TestServer::start(tls, echo_app()).await;
    let client = client_config(&serving.ca.der(), None, &[]);

    let before = fetch(server.addr, client.clone(), None, &[]).await.expect("first handshake");
    assert_eq!(reloader.poll(t0()), ReloadOutcome::Unchanged);

    let (new_cert, new_key) = serving.ca.server_pem(None);
    std::fs::write(&cert_path, &new_cert).expect("cert");
    std::fs::write(&key_path, &new_key).expect("key");
    assert_eq!(reloader.poll(t0()), ReloadOutcome::Reloaded);

    let after = fetch(server.addr, client, Some("/healthz"), &[]).await.expect("second request");
    assert_ne!(before.server_cert, after.server_cert);
    let expected = rustls_pki_types::pem::PemObject::from_pem_slice(new_cert.as_bytes()).expect("pem");
    assert_eq!(after.server_cert, expected);
    assert_eq!((after.status, after.body.as_str()), (200, "ok"));
    server.stop().await;
}

#[tokio::test]
async fn bad_reload_keeps_the_old_certificate_and_is_reported_once() {
    let serving = Serving::new();
    let dir = scratch_dir("bad-reload");
    let (cert_path, key_path) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert_path, &serving.cert_pem).expect("cert");
    std::fs::write(&key_path, &serving.key_pem).expect("key");
    let tls = serving.tls();
    let mut reloader = CertReloader::new(cert_path.clone(), key_path.clone(), tls.resolver.clone());
    let server = TestServer::start(tls, echo_app()).await;
    let client = client_config(&serving.ca.der(), None, &[]);
    let before = fetch(server.addr, client.clone(), None, &[]).await.expect("handshake");

    let (expired, expired_key) = serving.ca.server_pem(Some(((2020, 1, 1), (2021, 1, 1))));
    std::fs::write(&cert_path, &expired).expect("cert");
    std::fs::write(&key_path, &expired_key).expect("key");
    assert!(matches!(reloader.poll(t0()), ReloadOutcome::Rejected(CertError::OutsideValidity { .. })));
    assert_eq!(reloader.poll(t0()), ReloadOutcome::Unchanged, "the same bad files are not re-reported");

    let after = fetch(server.addr, client, None, &[]).await.expect("handshake");
    assert_eq!(before.server_cert, after.server_cert);
    server.stop().await;
}

#[tokio::test]
async fn failed_handshakes_do_not_stop_the_accept_loop() {
    let serving = Serving::new();
    let server = TestServer::start(serving.tls(), echo_app()).await;
    let mut garbage = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").await.expect("write");
    drop(garbage);
    let untrusting = client_config(&Ca::new("other").der(), None, &[]);
    assert!(fetch(server.addr, untrusting, None, &[]).await.is_err(), "client refuses an unknown server CA");

    let reply = fetch(server.addr, client_config(&serving.ca.der(), None, &[]), Some("/healthz"), &[])
        .await
        .expect("still serving");
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    server.stop().await;
}

#[tokio::test]
async fn http2_is_negotiated_with_alpn() {
    let serving = Serving::new();
    let server = TestServer::start(serving.tls(), echo_app()).await;
    let h2 = fetch(server.addr, client_config(&serving.ca.der(), None, &[b"h2", b"http/1.1"]), None, &[])
        .await
        .expect("handshake");
    assert_eq!(h2.alpn.as_deref(), Some(&b"h2"[..]));
    let h1 = fetch(server.addr, client_config(&serving.ca.der(), None, &[b"http/1.1"]), None, &[])
        .await
        .expect("handshake");
    assert_eq!(h1.alpn.as_deref(), Some(&b"http/1.1"[..]));
    server.stop().await;
}

#[tokio::test]
async fn client_certificate_from_an_unknown_ca_is_refused() {
    let serving = Serving::new();
    let client_ca = Ca::new("client-ca");
    let tls = serving.tls();
    let config = AuthenticationConfig { client_ca_pem: Some(client_ca.pem()), request_header: None };
    tls.set_client_cas(&config).expect("bundles");
    let server = TestServer::start(tls, echo_app()).await;
    let stranger = Ca::new("stranger").client("mallory", &[]);
    let result =
        fetch(server.addr, client_config(&serving.ca.der(), Some(stranger), &[]), Some("/healthz"), &[])
            .await;
    assert!(result.is_err(), "{result:?}");
    let trusted = client_ca.client("alice", &[]);
    let reply =
        fetch(server.addr, client_config(&serving.ca.der(), Some(trusted), &[]), Some("/healthz"), &[])
            .await
            .expect("trusted client");
    assert_eq!(reply.status, 200);
    server.stop().await;
}

#[test]
fn bad_client_ca_bundle_is_an_error_naming_the_bundle() {
    use crate::server::tls::{ClientCaBundles, TlsError};
    let error = ClientCaBundles::from_pem(None, Some("not a certificate")).expect_err("no CA");
    assert_eq!(error, TlsError::EmptyBundle { bundle: "requestheader-client-ca-file" });
    assert_eq!(error.to_string(), "requestheader-client-ca-file: no usable CA certificate in the bundle");
    let ok = ClientCaBundles::from_pem(Some(&Ca::new("ca").pem()), Some("  "));
    assert!(ok.is_ok(), "a blank bundle disables that bundle");
}
