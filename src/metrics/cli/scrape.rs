//! `bellows metrics scrape` (one payload, decoded): thin glue between files/URLs and the pure
//! decoder.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::metrics::decode::{Batch, DecodeError, decode};
use crate::metrics::kubelet::{HttpKubeletClient, KubeletClientConfig, KubeletClientError, TokenSource};
use crate::metrics::scraper::{FetchError, KubeletClient as _};
use crate::metrics::target::Target;

/// How to reach a kubelet given by URL (the kubelet client flags, spelled as kubectl spells them).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KubeletAccess {
    /// PEM bundle of the CA that signed the kubelet's serving certificate.
    #[arg(long, value_name = "FILE")]
    pub certificate_authority: Option<PathBuf>,
    /// Do not verify the kubelet's serving certificate.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Client certificate (PEM) to present.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_certificate: Option<PathBuf>,
    /// Client key (PEM) matching `--client-certificate`.
    #[arg(long, value_name = "FILE", requires = "client_certificate")]
    pub client_key: Option<PathBuf>,
    /// Bearer token.
    #[arg(long, conflicts_with = "token_file")]
    pub token: Option<String>,
    /// File holding the bearer token (a service account token).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// Why `metrics scrape` failed.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeCommandError {
    /// A local file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The kubelet client could not be built.
    #[error(transparent)]
    Client(#[from] KubeletClientError),
    /// Fetching from the kubelet failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The payload is not a valid `/metrics/resource` document.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

fn read(path: &Path) -> Result<Vec<u8>, ScrapeCommandError> {
    std::fs::read(path).map_err(|source| ScrapeCommandError::Read { path: path.to_owned(), source })
}

/// `bellows metrics scrape`: fetch `source` (an `http(s)://` URL) or read it (a file, `-` for
/// stdin) and decode it as node `node` (default: the URL's host, or the file stem).
pub async fn scrape(
    source: &str,
    node: Option<&str>,
    access: &KubeletAccess,
) -> Result<Batch, ScrapeCommandError> {
    if let Some(rest) = source.strip_prefix("https://").or_else(|| source.strip_prefix("http://")) {
        let host = rest.split(['/', ':']).next().unwrap_or(rest).trim_matches(['[', ']']).to_owned();
        let node = node.map_or_else(|| host.clone(), str::to_owned);
        let config = KubeletClientConfig {
            ca_pem: access.certificate_authority.as_deref().map(read).transpose()?,
            insecure_skip_tls_verify: access.insecure_skip_tls_verify,
            client_identity_pem: match (&access.client_certificate, &access.client_key) {
                (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
                _ => None,
            },
            token: access
                .token
                .clone()
                .map(TokenSource::Static)
                .or_else(|| access.token_file.clone().map(TokenSource::File)),
            max_body_bytes: None,
        };
        let client = HttpKubeletClient::new(&config)?;
        let payload = client.fetch(&Target { node: node.clone(), url: source.to_owned(), host }).await?;
        return Ok(decode(&payload.body, &node, payload.request_time)?);
    }
    let (bytes, stem) = if source == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|source| ScrapeCommandError::Read { path: PathBuf::from("-"), source })?;
        (buf, "node".to_owned())
    } else {
        let path = Path::new(source);
        let stem = path.file_stem().map_or_else(|| "node".to_owned(), |s| s.to_string_lossy().into_owned());
        (read(path)?, stem)
    };
    let node = node.map_or(stem, str::to_owned);
    // A file has no request time; samples without their own timestamp get the time of reading.
    Ok(decode(&bytes, &node, Timestamp::now())?)
}
