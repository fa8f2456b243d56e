//! Pure parts of delegated authentication and authorization (spec §5).
//!
//! Model, as the generic apiserver's delegating authenticator/authorizer:
//! 1. [`config`] reads `kube-system/extension-apiserver-authentication` into an
//!    [`AuthenticationConfig`];
//! 2. [`requestheader`] decides the user of a front-proxied request from the (already TLS-verified)
//!    peer certificate facts and the `X-Remote-*` headers;
//! 3. [`attributes`] turns a request into authorization attributes, answers what needs no API call
//!    (always-allowed paths, `system:masters`) and renders 401/403 Status bodies;
//! 4. [`sar`] builds `SubjectAccessReview` bodies and reads their answers;
//! 5. [`cache`] keeps authn/authz decisions for a TTL (10 s by default) with `now` passed in.
//!
//! Certificate chain verification, `TokenReview`/`SubjectAccessReview` calls and header stripping
//! on the live request are edges built on these functions.

pub mod attributes;
pub mod cache;
pub mod config;
pub mod requestheader;
pub mod sar;

use std::collections::BTreeMap;

pub use attributes::{Decision, RequestAttributes, RequestTarget};
pub use cache::AuthCache;
pub use config::{AuthenticationConfig, RequestHeaderConfig};
pub use requestheader::{PeerCertificate, authenticate_request_header, strip_auth_headers};

/// Failures of the pure auth steps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A configmap key that must hold a JSON array of strings does not.
    #[error("error reading {key} from configmap: {value:?} is not a JSON array of strings: {reason}")]
    InvalidStringList {
        /// Configmap key.
        key: &'static str,
        /// The raw value.
        value: String,
        /// Parser message.
        reason: String,
    },
    /// The front-proxy client certificate does not chain to the requestheader CA.
    #[error("x509: certificate signed by unknown authority")]
    UntrustedProxyCertificate,
    /// The front-proxy certificate's common name is not in `requestheader-allowed-names`.
    #[error("x509: subject with cn={0} is not in the allowed list")]
    CommonNameNotAllowed(String),
    /// A `SubjectAccessReview` response body that cannot be read.
    #[error("invalid SubjectAccessReview response: {0}")]
    InvalidReviewResponse(String),
}

/// An authenticated user (`user.Info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserInfo {
    /// User name.
    pub name: String,
    /// User UID (from `X-Remote-Uid`, may be empty).
    pub uid: String,
    /// Groups in header order.
    pub groups: Vec<String>,
    /// Extra attributes, keys lowercased and unescaped.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The user unauthenticated requests get (`system:anonymous`, group `system:unauthenticated`).
    pub fn anonymous() -> Self {
        Self {
            name: "system:anonymous".to_owned(),
            groups: vec!["system:unauthenticated".to_owned()],
            ..Self::default()
        }
    }
}
