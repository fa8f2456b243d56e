//! Serving certificates: loading PEM files, checking their validity window, and the self-signed
//! fallback metrics-server writes into `--cert-dir`.
//!
//! Model: a serving certificate is a rustls [`CertifiedKey`] built from a PEM chain (leaf first)
//! and a PEM private key (PKCS#8, PKCS#1 or SEC1) with the ring provider. Invariants:
//! - a key that does not match the leaf is refused (rustls `keys_match`);
//! - a leaf outside its validity window at `now` is refused with an error naming the file and the
//!   window, so an operator sees *which* file expired (the apiserver would serve it and let every
//!   client fail instead);
//! - `now` is always a parameter; file I/O happens only in the `load_*`/`ensure_*` functions.
//!
//! Without `--tls-cert-file`, [`ensure_self_signed`] reuses `apiserver.crt`/`apiserver.key` from
//! the cert dir when both load and are valid now, and otherwise generates a one-year certificate
//! for `localhost`, `127.0.0.1` and the extra SANs (as the apiserver's
//! `MaybeDefaultWithSelfSignedCerts` does).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// File name of the generated self-signed certificate inside `--cert-dir`.
pub const SELF_SIGNED_CERT_FILE: &str = "apiserver.crt";
/// File name of the generated self-signed key inside `--cert-dir`.
pub const SELF_SIGNED_KEY_FILE: &str = "apiserver.key";

/// Failures of loading or generating a serving certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// A certificate or key file cannot be read.
    #[error("reading {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The certificate file holds no `CERTIFICATE` PEM block (or a malformed one).
    #[error("{path} contains no valid PEM certificate: {reason}")]
    CertificatePem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The leaf certificate is not parsable X.509.
    #[error("{path}: the certificate cannot be parsed: {reason}")]
    CertificateDer {
        /// The file.
        path: PathBuf,
        /// Parser message.
        reason: String,
    },
    /// The key file holds no usable private key.
    #[error("{path} contains no valid PEM private key: {reason}")]
    KeyPem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The key is of an unsupported type or does not belong to the certificate.
    #[error("private key {key_path} cannot be used with certificate {cert_path}: {reason}")]
    KeyMismatch {
        /// The certificate file.
        cert_path: PathBuf,
        /// The key file.
        key_path: PathBuf,
        /// rustls' complaint.
        reason: String,
    },
    /// The leaf certificate is expired or not yet valid.
    #[error("certificate {path} is not valid at {now}: it is valid from {not_before} until {not_after}")]
    OutsideValidity {
        /// The file.
        path: PathBuf,
        /// The time of the check.
        now: Timestamp,
        /// Start of the validity window.
        not_before: Timestamp,
        /// End of the validity window.
        not_after: Timestamp,
    },
    /// rcgen failed to build the self-signed certificate.
    #[error("generating a self-signed certificate for {sans:?}: {reason}")]
    Generate {
        /// Requested subject alternative names.
        sans: Vec<String>,
        /// rcgen's message.
        reason: String,
    },
    /// The cert dir cannot be created.
    #[error("creating certificate directory {path}: {reason}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A generated file cannot be written.
    #[error("writing {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
}

/// What the server needs to know about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// First subject common name (empty when absent).
    pub common_name: String,
    /// Subject organizations, in order (Kubernetes groups for client certificates).
    pub organizations: Vec<String>,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
}

/// Reads subject and validity from a DER certificate; `Err` carries the parser's message.
pub fn certificate_facts(der: &[u8]) -> Result<CertificateFacts, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    let subject = cert.subject();
    let text = |attr: &x509_parser::x509::AttributeTypeAndValue<'_>| {
        attr.as_str().map(str::to_owned).unwrap_or_default()
    };
    let common_name = subject.iter_common_name().next().map(text).unwrap_or_default();
    let organizations = subject.iter_organization().map(text).collect();
    let time = |t: &x509_parser::time::ASN1Time| {
        Timestamp::from_second(t.timestamp()).map_err(|e| format!("validity out of range: {e}"))
    };
    let validity = cert.validity();
    Ok(CertificateFacts {
        common_name,
        organizations,
        not_before: time(&validity.not_before)?,
        not_after: time(&validity.not_after)?,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, CertError> {
    std::fs::read(path).map_err(|e| CertError::Read { path: path.to_owned(), reason: e.to_string() })
}

/// Builds a serving key from PEM bytes; the paths only name the inputs in errors.
pub fn parse_serving_pem(
    cert_pem: &[u8],
    cert_path: &Path,
    key_pem: &[u8],
    key_path: &Path,
    now: Timestamp,
) -> Result<Arc<CertifiedKey>, CertError> {
    let pem_error = |reason: String| CertError::CertificatePem { path: cert_path.to_owned(), reason };
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(e.to_string()))?;
    let Some(leaf) = chain.first() else {
        return Err(pem_error("no CERTIFICATE block found".to_owned()));
    };
    let facts = certificate_facts(leaf)
        .map_err(|reason| CertError::CertificateDer { path: cert_path.to_owned(), reason })?;
    check_validity(&facts, cert_path, now)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| CertError::KeyPem { path: key_path.to_owned(), reason: e.to_string() })?;
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(chain, key, &provider).map_err(|e| CertError::KeyMismatch {
        cert_path: cert_path.to_owned(),
        key_path: key_path.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Arc::new(certified))
}

/// Refuses a certificate outside `[not_before, not_after]` at `now`.
pub fn check_validity(facts: &CertificateFacts, path: &Path, now: Timestamp) -> Result<(), CertError> {
    if now < facts.not_before || now > facts.not_after {
        return Err(CertError::OutsideValidity {
            path: path.to_owned(),
            now,
            not_before: facts.not_before,
            not_after: facts.not_after,
        });
    }
    Ok(())
}

/// Reads and checks `--tls-cert-file`/`--tls-private-key-file`.
pub fn load_serving_files(
    cert_path: &Path,
    key_path: &Path,
    now: Timestamp,
) -> Result<Arc<CertifiedKey>, CertError> {
    let cert_pem = read(cert_path)?;
    let key_pem = read(key_path)?;
    parse_serving_pem(&cert_pem, cert_path, &key_pem, key_path, now)
}

/// Paths of the self-signed pair inside `cert_dir`.
pub fn self_signed_paths(cert_dir: &Path) -> (PathBuf, PathBuf) {
    (cert_dir.join(SELF_SIGNED_CERT_FILE), cert_dir.join(SELF_SIGNED_KEY_FILE))
}

/// PEM certificate and key of a fresh self-signed certificate for `localhost`, `127.0.0.1` and
/// `extra_sans`, valid from the start of `now`'s UTC day for one year.
pub fn generate_self_signed(extra_sans: &[String], now: Timestamp) -> Result<(String, String), CertError> {
    let mut sans = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    for san in extra_sans {
        if !sans.contains(san) {
            sans.push(san.clone());
        }
    }
    let generate_error = |e: rcgen::Error| CertError::Generate { sans: sans.clone(), reason: e.to_string() };
    let mut params = rcgen::CertificateParams::new(sans.clone()).map_err(generate_error)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, format!("localhost@{}", now.as_second()));
    // rcgen takes `time` dates; day precision avoids a direct `time` dependency and backdating to
    // the start of the day tolerates small clock skew between us and our clients.
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (year, month, day) = (i32::from(date.year()), date.month() as u8, date.day() as u8);
    params.not_before = rcgen::date_time_ymd(year, month, day);
    params.not_after = rcgen::date_time_ymd(year + 1, month, day.min(28));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().map_err(generate_error)?;
    let cert = params.self_signed(&key).map_err(generate_error)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The self-signed pair in `cert_dir`: reused when both files load and are valid at `now`,
/// otherwise (re)generated and written. Returns the loaded key and the two paths.
pub fn ensure_self_signed(
    cert_dir: &Path,
    extra_sans: &[String],
    now: Timestamp,
) -> Result<(Arc<CertifiedKey>, PathBuf, PathBuf), CertError> {
    let (cert_path, key_path) = self_signed_paths(cert_dir);
    match load_serving_files(&cert_path, &key_path, now) {
        Ok(key) => return Ok((key, cert_path, key_path)),
        Err(CertError::Read { .. }) => {}
        Err(e) => tracing::warn!(error = %e, "regenerating the self-signed serving certificate"),
    }
    let (cert_pem, key_pem) = generate_self_signed(extra_sans, now)?;
    std::fs::create_dir_all(cert_dir)
        .map_err(|e| CertError::CreateDir { path: cert_dir.to_owned(), reason: e.to_string() })?;
    write_file(&key_path, &key_pem, 0o600)?;
    write_file(&cert_path, &cert_pem, 0o644)?;
    let key = parse_serving_pem(cert_pem.as_bytes(), &cert_path, key_pem.as_bytes(), &key_path, now)?;
    Ok((key, cert_path, key_path))
}

/// Writes `text` to `path`, created with `mode` on Unix (the private key must not be world-readable).
fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), CertError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| CertError::Write { path: path.to_owned(), reason: e.to_string() })
}
