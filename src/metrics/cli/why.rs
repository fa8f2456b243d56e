//! `bellows metrics why TARGET`: why a node or pod is, or is not, served — asked of a running
//! bellows (`GET /why/…` on its metrics server) or answered offline from replayed payloads.
//!
//! The answer is always the store's [`Explanation`]; this module only parses the target, reaches
//! the server with the credentials of a kubeconfig (the same loading as `bellows run`, with
//! `--server` and the TLS flags overriding the cluster entry) and maps transport and HTTP
//! failures to errors naming the server.

use std::path::PathBuf;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

use crate::logging::error_chain;
use crate::metrics::api::why::{ExplainSource, node_path, pod_path};
use crate::metrics::store::Explanation;

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhyTarget {
    /// A node.
    Node(String),
    /// A pod.
    Pod {
        /// Namespace.
        namespace: String,
        /// Pod name.
        name: String,
    },
}

/// Why `metrics why` could not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum WhyError {
    /// The target is neither `NODE` nor `NAMESPACE/POD` with valid names.
    #[error("invalid target {target:?}: {reason} (expected NODE or NAMESPACE/POD)")]
    Target {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `--server` is not an `https://HOST:PORT` URL.
    #[error("invalid --server {server:?}: {reason}")]
    Server {
        /// The value given.
        server: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The kubeconfig could not be read or used.
    #[error("loading credentials: {0}")]
    Credentials(String),
    /// `--certificate-authority` could not be read or holds no certificate.
    #[error("cannot use --certificate-authority {}: {reason}", .path.display())]
    CertificateAuthority {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The server could not be reached (connection, TLS).
    #[error("cannot reach bellows at {server}: {reason}")]
    Unreachable {
        /// The server URL.
        server: String,
        /// The transport's complaint, with its causes.
        reason: String,
    },
    /// The server refused or failed the request.
    #[error("bellows at {server} answered {code}: {message}")]
    Refused {
        /// The server URL.
        server: String,
        /// HTTP status code (401, 403, 404, 500, …).
        code: u16,
        /// The Status message.
        message: String,
    },
    /// The answer is not an explanation document.
    #[error("bellows at {server} sent an answer that is not an explanation: {reason}")]
    BadAnswer {
        /// The server URL.
        server: String,
        /// The parse error.
        reason: String,
    },
}

impl WhyTarget {
    /// Parses `NODE` or `NAMESPACE/POD`; names must be DNS-1123 subdomains (namespaces labels).
    pub fn parse(text: &str) -> Result<Self, WhyError> {
        let bad = |reason| WhyError::Target { target: text.to_owned(), reason };
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [node] => {
                check_subdomain(node).map_err(bad)?;
                Ok(Self::Node((*node).to_owned()))
            }
            [namespace, name] => {
                check_subdomain(namespace).map_err(bad)?;
                if namespace.contains('.') {
                    return Err(bad("a namespace cannot contain '.'"));
                }
                check_subdomain(name).map_err(bad)?;
                Ok(Self::Pod { namespace: (*namespace).to_owned(), name: (*name).to_owned() })
            }
            _ => Err(bad("more than one '/'")),
        }
    }

    /// The request path of this target's explanation.
    pub fn path(&self) -> String {
        match self {
            Self::Node(name) => node_path(name),
            Self::Pod { namespace, name } => pod_path(namespace, name),
        }
    }

    /// The explanation from `source`.
    pub fn explain(&self, source: &dyn ExplainSource) -> Explanation {
        match self {
            Self::Node(name) => source.why_node(name),
            Self::Pod { namespace, name } => source.why_pod(namespace, name),
        }
    }
}

/// DNS-1123 subdomain: 1–253 of `[a-z0-9.-]`, starting and ending alphanumeric.
fn check_subdomain(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty name");
    }
    if name.len() > 253 {
        return Err("name longer than 253 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Err("names may contain only lowercase letters, digits, '-' and '.'");
    }
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge_ok(name.bytes().next()) || !edge_ok(name.bytes().last()) {
        return Err("names must start and end with a letter or digit");
    }
    Ok(())
}

/// How to reach a running bellows.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServerAccess {
    /// URL of a running bellows' metrics server, `https://HOST:PORT`.
    #[arg(long, value_name = "URL", conflicts_with_all = ["files", "node"])]
    pub server: Option<String>,
    /// Kubeconfig whose current context supplies the credentials (client certificate or bearer
    /// token) and, unless overridden, the CA (default: $KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "node"])]
    pub kubeconfig: Option<PathBuf>,
    /// PEM bundle of the CA that signed bellows' serving certificate.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "node", "insecure_skip_tls_verify"])]
    pub certificate_authority: Option<PathBuf>,
    /// Do not verify bellows' serving certificate.
    #[arg(long, conflicts_with_all = ["files", "node"])]
    pub insecure_skip_tls_verify: bool,
}

/// A running bellows' answer: the explanation document as received (printed as is with
/// `-o json`, so a newer server's extra fields survive) and its one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The JSON document.
    pub document: serde_json::Value,
    /// Its `message`.
    pub message: String,
}

impl Answer {
    /// Reads an explanation document (`{"object", "served", "reason", "message"}`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let document: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !document["served"].is_boolean() {
            return Err("no boolean \"served\"".to_owned());
        }
        let message = document["message"].as_str().ok_or("no string \"message\"")?.to_owned();
        Ok(Self { document, message })
    }
}

/// Asks the bellows at `access.server` why `target` is or is not served.
pub async fn ask(target: &WhyTarget, access: &ServerAccess) -> Result<Answer, WhyError> {
    let server = access.server.clone().unwrap_or_default();
    let config = client_config(&server, access).await?;
    let client = kube::Client::try_from(config)
        .map_err(|e| WhyError::Unreachable { server: server.clone(), reason: error_chain(&e) })?;
    let request = http::Request::get(target.path())
        .body(Vec::new())
        .map_err(|e| WhyError::Server { server: server.clone(), reason: e.to_string() })?;
    let text = client.request_text(request).await.map_err(|e| match e {
        kube::Error::Api(status) => {
            WhyError::Refused { server: server.clone(), code: status.code, message: status.message }
        }
        other => WhyError::Unreachable { server: server.clone(), reason: error_chain(&other) },
    })?;
    Answer::parse(&text).map_err(|reason| WhyError::BadAnswer { server, reason })
}

/// The kube client configuration: the kubeconfig's credentials, `server` as the cluster URL,
/// and the TLS flags.
async fn client_config(server: &str, access: &ServerAccess) -> Result<kube::Config, WhyError> {
    let bad = |reason: &str| WhyError::Server { server: server.to_owned(), reason: reason.to_owned() };
    let uri: http::Uri = server.parse().map_err(|_| bad("not a URL"))?;
    if uri.scheme_str() != Some("https") || uri.host().is_none() {
        return Err(bad("expected https://HOST:PORT"));
    }
    let mut config = match &access.kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path).map_err(|e| {
                WhyError::Credentials(format!("reading {}: {}", path.display(), error_chain(&e)))
            })?;
            kube::Config::from_custom_kubeconfig(file, &kube::config::KubeConfigOptions::default())
                .await
                .map_err(|e| WhyError::Credentials(format!("{}: {}", path.display(), error_chain(&e))))?
        }
        None => kube::Config::infer().await.map_err(|e| WhyError::Credentials(error_chain(&e)))?,
    };
    config.cluster_url = uri;
    // The kubeconfig's server name belongs to the API server, not to bellows.
    config.tls_server_name = None;
    config.proxy_url = None;
    config.read_timeout = Some(std::time::Duration::from_secs(30));
    if let Some(path) = &access.certificate_authority {
        let ca_error = |reason: String| WhyError::CertificateAuthority { path: path.clone(), reason };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        let ders = CertificateDer::pem_slice_iter(&pem)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ca_error(e.to_string()))?;
        if ders.is_empty() {
            return Err(ca_error("no PEM certificate in it".to_owned()));
        }
        config.root_cert = Some(ders);
        config.root_cert_file = None;
    }
    if access.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
        config.root_cert = None;
        config.root_cert_file = None;
    }
    Ok(config)
}

#[cfg(test)]
mod tests;
