//! Kubelet credentials from the cluster config and the flags, with an in-memory filesystem.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::*;

/// Files the fake filesystem holds.
fn files() -> BTreeMap<PathBuf, Vec<u8>> {
    [
        ("/sa/ca.crt", "CLUSTER CA"),
        ("/etc/kubelet-ca.pem", "KUBELET CA"),
        ("/etc/client.pem", "FLAG CERT"),
        ("/etc/client-key.pem", "FLAG KEY"),
        ("/home/kubeconfig-cert.pem", "KUBECONFIG CERT"),
        ("/home/kubeconfig-key.pem", "KUBECONFIG KEY"),
    ]
    .into_iter()
    .map(|(p, c)| (PathBuf::from(p), c.as_bytes().to_vec()))
    .collect()
}

fn build(config: &MetricsConfig, cluster: &kube::Config) -> Result<KubeletClientConfig, KubeletConfigError> {
    let fs = files();
    let read = move |p: &Path| fs.get(p).cloned().ok_or_else(|| io::Error::from(io::ErrorKind::NotFound));
    kubelet_client_config(config, cluster, &read)
}

/// The in-cluster config: CA file and service account token file.
fn in_cluster() -> kube::Config {
    let mut c = kube::Config::new("https://10.96.0.1:443".parse().unwrap());
    c.root_cert_file = Some(PathBuf::from("/sa/ca.crt"));
    c.auth_info.token_file = Some("/sa/token".to_owned());
    c
}

fn text(bytes: Option<&Vec<u8>>) -> Option<&str> {
    bytes.map(|b| std::str::from_utf8(b).unwrap())
}

// kubernetes-sigs/metrics-server cmd/metrics-server/app/options/kubelet_client_test.go TestConfig,
// row by row, with bellows' config shape.

#[test]
fn default_configuration_uses_the_cluster_ca_and_token() {
    let k = build(&MetricsConfig::default(), &in_cluster()).unwrap();
    assert_eq!(text(k.ca_pem.as_ref()), Some("CLUSTER CA"));
    assert!(!k.insecure_skip_tls_verify);
    assert_eq!(k.token, Some(TokenSource::File(PathBuf::from("/sa/token"))));
    assert!(k.client_identity_pem.is_none());
}

#[test]
fn insecure_kubelet_tls_removes_the_ca_and_sets_insecure() {
    let config = MetricsConfig { kubelet_insecure_tls: true, ..MetricsConfig::default() };
    let k = build(&config, &in_cluster()).unwrap();
    assert_eq!(k.ca_pem, None);
    assert!(k.insecure_skip_tls_verify);
    assert_eq!(k.token, Some(TokenSource::File(PathBuf::from("/sa/token"))), "credentials are kept");
}

#[test]
fn the_kubelet_ca_file_overrides_the_cluster_ca() {
    let config = MetricsConfig {
        kubelet_certificate_authority: Some(PathBuf::from("/etc/kubelet-ca.pem")),
        ..MetricsConfig::default()
    };
    assert_eq!(text(build(&config, &in_cluster()).unwrap().ca_pem.as_ref()), Some("KUBELET CA"));
}

#[test]
fn completely_insecure_drops_every_credential() {
    let mut cluster = in_cluster();
    cluster.auth_info.client_certificate = Some("/home/kubeconfig-cert.pem".into());
    cluster.auth_info.client_key = Some("/home/kubeconfig-key.pem".into());
    let config = MetricsConfig { deprecated_kubelet_completely_insecure: true, ..MetricsConfig::default() };
    let k = build(&config, &cluster).unwrap();
    assert_eq!(k.ca_pem, None);
    assert_eq!(k.token, None);
    assert!(k.client_identity_pem.is_none());
}

#[test]
fn client_certificate_flags_override_the_kubeconfig_identity() {
    let mut cluster = in_cluster();
    cluster.auth_info.client_certificate = Some("/home/kubeconfig-cert.pem".into());
    cluster.auth_info.client_key = Some("/home/kubeconfig-key.pem".into());
    let k = build(&MetricsConfig::default(), &cluster).unwrap();
    let (cert, key) = k.client_identity_pem.unwrap();
    assert_eq!((cert.as_slice(), key.as_slice()), (&b"KUBECONFIG CERT"[..], &b"KUBECONFIG KEY"[..]));
    let config = MetricsConfig {
        kubelet_client_certificate: Some(PathBuf::from("/etc/client.pem")),
        kubelet_client_key: Some(PathBuf::from("/etc/client-key.pem")),
        ..MetricsConfig::default()
    };
    let (cert, key) = build(&config, &cluster).unwrap().client_identity_pem.unwrap();
    assert_eq!((cert.as_slice(), key.as_slice()), (&b"FLAG CERT"[..], &b"FLAG KEY"[..]));
}

#[test]
fn kubeconfig_data_fields_and_der_cas_are_decoded() {
    let mut cluster = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
    cluster.root_cert = Some(vec![b"foobar".to_vec()]);
    cluster.auth_info.client_certificate_data = Some("Q0VSVA==".to_owned());
    cluster.auth_info.client_key_data = Some("S0VZ".to_owned().into());
    cluster.auth_info.token = Some("static-token".to_owned().into());
    let k = build(&MetricsConfig::default(), &cluster).unwrap();
    assert_eq!(
        text(k.ca_pem.as_ref()),
        Some("-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n")
    );
    let (cert, key) = k.client_identity_pem.unwrap();
    assert_eq!((cert.as_slice(), key.as_slice()), (&b"CERT"[..], &b"KEY"[..]));
    assert_eq!(k.token, Some(TokenSource::Static("static-token".to_owned())));
}

#[test]
fn without_a_ca_kubelets_cannot_be_trusted() {
    let cluster = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
    let err = build(&MetricsConfig::default(), &cluster).unwrap_err();
    assert!(matches!(err, KubeletConfigError::NoTrust), "{err}");
    let insecure = MetricsConfig { kubelet_insecure_tls: true, ..MetricsConfig::default() };
    assert!(build(&insecure, &cluster).is_ok());
}

#[test]
fn an_unreadable_file_is_named_with_its_flag() {
    let config = MetricsConfig {
        kubelet_certificate_authority: Some(PathBuf::from("/nope.pem")),
        ..MetricsConfig::default()
    };
    let err = build(&config, &in_cluster()).unwrap_err();
    assert!(err.to_string().starts_with("reading --kubelet-certificate-authority /nope.pem: "), "{err}");
}

#[test]
fn invalid_base64_names_the_kubeconfig_field() {
    let mut cluster = in_cluster();
    cluster.auth_info.client_certificate_data = Some("not*base64".to_owned());
    cluster.auth_info.client_key_data = Some("S0VZ".to_owned().into());
    let err = build(&MetricsConfig::default(), &cluster).unwrap_err();
    assert_eq!(err.to_string(), "kubeconfig client-certificate-data is not valid base64");
}

#[test]
fn base64_matches_the_rfc_4648_vectors_both_ways() {
    // RFC 4648 §10 test vectors.
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        assert_eq!(encode_base64(plain.as_bytes()), encoded, "encode {plain:?}");
        assert_eq!(decode_base64("x", encoded).unwrap(), plain.as_bytes(), "decode {encoded:?}");
    }
    assert_eq!(decode_base64("x", "Zm9v\nYmFy").unwrap(), b"foobar", "line breaks are ignored");
    assert!(decode_base64("x", "Zg==Zg").is_err(), "data after padding");
}

#[test]
fn long_der_certificates_are_wrapped_at_64_columns() {
    let pem = der_to_pem(&[0_u8; 60]);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines[2], "AAAAAAAAAAAAAAAA");
}
