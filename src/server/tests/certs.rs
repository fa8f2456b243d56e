//! Loading, validating and generating serving certificates.

use super::fixtures::{scratch_dir, t0};
use super::pki::Ca;
use crate::server::certs::{
    CertError, certificate_facts, ensure_self_signed, load_serving_files, parse_serving_pem,
    self_signed_paths,
};

fn ts(text: &str) -> jiff::Timestamp {
    text.parse().expect("timestamp")
}

fn write_pair(dir: &std::path::Path, cert: &str, key: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert_path, key_path) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert_path, cert).expect("write cert");
    std::fs::write(&key_path, key).expect("write key");
    (cert_path, key_path)
}

#[test]
fn self_signed_certificate_is_generated_into_the_cert_dir_and_reused() {
    let dir = scratch_dir("self-signed");
    let extra = vec!["metrics-server.kube-system.svc".to_owned()];
    let (first, cert_path, key_path) = ensure_self_signed(&dir, &extra, t0()).expect("generated");
    assert_eq!((cert_path.clone(), key_path.clone()), self_signed_paths(&dir));
    assert_eq!(cert_path.file_name().and_then(|n| n.to_str()), Some("apiserver.crt"));
    assert_eq!(key_path.file_name().and_then(|n| n.to_str()), Some("apiserver.key"));
    let written = std::fs::read(&cert_path).expect("cert file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is readable by its owner only");
    }

    let (second, _, _) = ensure_self_signed(&dir, &extra, t0()).expect("reused");
    assert_eq!(std::fs::read(&cert_path).expect("cert file"), written, "files are reused, not rewritten");
    assert_eq!(first.cert, second.cert);

    let facts = certificate_facts(&first.cert[0]).expect("facts");
    assert_eq!(facts.common_name, format!("localhost@{}", t0().as_second()));
    assert_eq!(facts.not_before, ts("2026-12-01T00:00:00Z"));
    assert_eq!(facts.not_after, ts("2027-12-01T00:00:00Z"));
    let (_, parsed) = x509_parser::parse_x509_certificate(&first.cert[0]).expect("x509");
    let sans: Vec<String> = parsed
        .subject_alternative_name()
        .expect("SAN extension")
        .expect("SANs present")
        .value
        .general_names
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        sans,
        ["DNSName(localhost)", "IPAddress(7f:00:00:01)", "DNSName(metrics-server.kube-system.svc)"]
    );
}

#[test]
fn expired_self_signed_files_are_regenerated() {
    let dir = scratch_dir("self-signed-expired");
    let (old, cert_path, _) = ensure_self_signed(&dir, &[], ts("2024-01-01T00:00:00Z")).expect("generated");
    let (new, _, _) = ensure_self_signed(&dir, &[], t0()).expect("regenerated");
    assert_ne!(old.cert, new.cert);
    let facts = certificate_facts(&new.cert[0]).expect("facts");
    assert_eq!(facts.not_after, ts("2027-12-01T00:00:00Z"));
    assert!(!std::fs::read(&cert_path).expect("cert").is_empty());
}

#[test]
fn valid_certificate_files_load_with_their_chain() {
    let dir = scratch_dir("valid-files");
    let (cert, key) = Ca::new("ca").server_pem(None);
    let (cert_path, key_path) = write_pair(&dir, &cert, &key);
    let loaded = load_serving_files(&cert_path, &key_path, t0()).expect("loads");
    assert_eq!(loaded.cert.len(), 1);
    assert_eq!(certificate_facts(&loaded.cert[0]).expect("facts").common_name, "bellows-test");
}

#[test]
fn expired_certificate_file_is_refused_naming_the_file_and_window() {
    let dir = scratch_dir("expired");
    let (cert, key) = Ca::new("ca").server_pem(Some(((2020, 1, 1), (2021, 1, 1))));
    let (cert_path, key_path) = write_pair(&dir, &cert, &key);
    let error = load_serving_files(&cert_path, &key_path, t0()).expect_err("expired");
    assert_eq!(
        error,
        CertError::OutsideValidity {
            path: cert_path.clone(),
            now: t0(),
            not_before: ts("2020-01-01T00:00:00Z"),
            not_after: ts("2021-01-01T00:00:00Z"),
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "certificate {} is not valid at 2026-12-01T00:00:00Z: it is valid from 2020-01-01T00:00:00Z until \
             2021-01-01T00:00:00Z",
            cert_path.display()
        )
    );
}

#[test]
fn not_yet_valid_certificate_file_is_refused() {
    let dir = scratch_dir("future");
    let (cert, key) = Ca::new("ca").server_pem(Some(((2030, 1, 1), (2031, 1, 1))));
    let (cert_path, key_path) = write_pair(&dir, &cert, &key);
    let error = load_serving_files(&cert_path, &key_path, t0()).expect_err("not yet valid");
    assert!(
        matches!(error, CertError::OutsideValidity { not_before, .. } if not_before == ts("2030-01-01T00:00:00Z"))
    );
}

#[test]
fn key_of_another_certificate_is_refused() {
    let ca = Ca::new("ca");
    let (cert, _) = ca.server_pem(None);
    let (_, other_key) = ca.server_pem(None);
    let error =
        parse_serving_pem(cert.as_bytes(), "a.crt".as_ref(), other_key.as_bytes(), "a.key".as_ref(), t0())
            .expect_err("mismatch");
    assert!(
        matches!(&error, CertError::KeyMismatch { key_path, .. } if key_path.as_os_str() == "a.key"),
        "{error}"
    );
}

#[test]
fn missing_and_malformed_files_are_errors_naming_the_file() {
    let dir = scratch_dir("malformed");
    let missing =
        load_serving_files(&dir.join("nope.crt"), &dir.join("nope.key"), t0()).expect_err("missing");
    assert!(matches!(&missing, CertError::Read { path, .. } if path.ends_with("nope.crt")));

    let (_, key) = Ca::new("ca").server_pem(None);
    let (cert_path, key_path) = write_pair(&dir, "not a certificate", &key);
    let error = load_serving_files(&cert_path, &key_path, t0()).expect_err("no PEM");
    assert_eq!(
        error.to_string(),
        format!("{} contains no valid PEM certificate: no CERTIFICATE block found", cert_path.display())
    );

    let (cert, _) = Ca::new("ca").server_pem(None);
    let (cert_path, key_path) = write_pair(&dir, &cert, "no key here");
    let error = load_serving_files(&cert_path, &key_path, t0()).expect_err("no key");
    assert!(matches!(&error, CertError::KeyPem { path, .. } if path == &key_path), "{error}");
}
