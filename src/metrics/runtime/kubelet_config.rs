//! Kubelet TLS and credentials: the API server's client config, adjusted by the kubelet flags.
//!
//! metrics-server starts from the same rest config it uses for the API server (in-cluster: the
//! service account token file and the cluster CA) and then applies the flags
//! (`KubeletClientOptions.Config`, §1.5):
//! - `--deprecated-kubelet-completely-insecure`: plain HTTP, no credentials at all (so nothing
//!   leaks to an unauthenticated endpoint);
//! - `--kubelet-insecure-tls`: no CA, certificates not verified;
//! - `--kubelet-certificate-authority`: replaces the cluster CA;
//! - `--kubelet-client-certificate` / `--kubelet-client-key`: replace the kubeconfig's identity.
//!
//! Files are read through the `read` parameter so the mapping is tested without a filesystem.
//! Kubeconfig CA and identity data (`*-data`, base64) are decoded here; exec and auth-provider
//! plugins give tokens for the API server only and are not forwarded to kubelets.

use std::io;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret as _;

use super::config::MetricsConfig;
use crate::metrics::kubelet::{KubeletClientConfig, TokenSource};

#[cfg(test)]
mod tests;

/// Why the kubelet credentials could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum KubeletConfigError {
    /// A CA, certificate or key file could not be read.
    #[error("reading {what} {}: {source}", path.display())]
    Read {
        /// Which file it is (e.g. `--kubelet-certificate-authority`).
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A kubeconfig `*-data` field is not valid base64.
    #[error("kubeconfig {field} is not valid base64")]
    Base64 {
        /// The kubeconfig field.
        field: &'static str,
    },
    /// Neither a CA nor `--kubelet-insecure-tls` is available to trust kubelets.
    #[error(
        "no CA to verify kubelet serving certificates: the cluster config has none; \
         pass --kubelet-certificate-authority or --kubelet-insecure-tls"
    )]
    NoTrust,
}

/// Builds the kubelet client settings from the flags and the API server's client config.
pub fn kubelet_client_config(
    config: &MetricsConfig,
    cluster: &kube::Config,
    read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
) -> Result<KubeletClientConfig, KubeletConfigError> {
    let load = |what: &'static str, path: &Path| {
        read(path).map_err(|source| KubeletConfigError::Read { what, path: path.to_owned(), source })
    };
    if config.deprecated_kubelet_completely_insecure {
        // Plain HTTP: the TLS settings are never used, but the client needs a trust mode to build.
        return Ok(KubeletClientConfig { insecure_skip_tls_verify: true, ..KubeletClientConfig::default() });
    }
    let ca_pem = if config.kubelet_insecure_tls {
        None
    } else if let Some(path) = &config.kubelet_certificate_authority {
        Some(load("--kubelet-certificate-authority", path)?)
    } else if let Some(path) = &cluster.root_cert_file {
        Some(load("cluster CA file", path)?)
    } else {
        cluster
            .root_cert
            .as_ref()
            .map(|ders| ders.iter().map(|der| der_to_pem(der)).collect::<String>().into_bytes())
    };
    if ca_pem.is_none() && !config.kubelet_insecure_tls {
        return Err(KubeletConfigError::NoTrust);
    }
    let auth = &cluster.auth_info;
    let token = if let Some(file) = &auth.token_file {
        Some(TokenSource::File(PathBuf::from(file)))
    } else {
        auth.token.as_ref().map(|t| TokenSource::Static(t.expose_secret().to_owned()))
    };
    let client_identity_pem =
        if let (Some(cert), Some(key)) = (&config.kubelet_client_certificate, &config.kubelet_client_key) {
            Some((load("--kubelet-client-certificate", cert)?, load("--kubelet-client-key", key)?))
        } else {
            let cert = match (&auth.client_certificate_data, &auth.client_certificate) {
                (Some(data), _) => Some(decode_base64("client-certificate-data", data)?),
                (None, Some(path)) => Some(load("kubeconfig client-certificate", Path::new(path))?),
                (None, None) => None,
            };
            let key = match (&auth.client_key_data, &auth.client_key) {
                (Some(data), _) => Some(decode_base64("client-key-data", data.expose_secret())?),
                (None, Some(path)) => Some(load("kubeconfig client-key", Path::new(path))?),
                (None, None) => None,
            };
            cert.zip(key)
        };
    Ok(KubeletClientConfig {
        ca_pem,
        insecure_skip_tls_verify: config.kubelet_insecure_tls,
        client_identity_pem,
        token,
        max_body_bytes: None,
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// PEM text of one DER certificate (kube keeps kubeconfig CAs as DER).
pub fn der_to_pem(der: &[u8]) -> String {
    let encoded = encode_base64(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// Standard base64 with padding.
fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64, padding optional, whitespace ignored (kubeconfig data fields).
fn decode_base64(field: &'static str, text: &str) -> Result<Vec<u8>, KubeletConfigError> {
    let bad = || KubeletConfigError::Base64 { field };
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0_u32;
    let mut bits = 0_u32;
    let mut padding = false;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            padding = true;
            continue;
        }
        if padding {
            return Err(bad());
        }
        let value = ALPHABET.iter().position(|&a| a == c).ok_or_else(bad)?;
        acc = (acc << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}
