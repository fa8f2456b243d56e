//! The HTTPS edge of bellows: serving certificates, the TLS accept loop, delegated
//! authentication/authorization in front of any router, and bellows' own `/metrics`.
//!
//! Model (metrics-server `pkg/server` + the generic apiserver's secure serving):
//! - [`certs`] loads `--tls-cert-file`/`--tls-private-key-file` or creates the self-signed pair in
//!   `--cert-dir`; [`tls`] keeps the served certificate and the client CA bundles swappable
//!   ([`tls::CertReloader`] polls the files, the configmap watch calls [`apply_authentication_config`]);
//! - [`serve`] accepts TLS connections and tags every request with a [`serve::PeerIdentity`];
//! - [`auth`] authenticates (front proxy, client certificate, bearer token, anonymous) and
//!   authorizes (local rules, `SubjectAccessReview`) with the reviewers of [`reviewers`];
//! - [`telemetry`] holds the Prometheus registry and the request-metrics middleware.
//!
//! Wiring order (outermost first): request metrics → auth → app router (`/metrics` merged in).
//! Nothing here decides metrics content; the pure request/header logic lives in
//! `crate::metrics::api::auth`.

pub mod auth;
pub mod certs;
pub mod reviewers;
pub mod serve;
pub mod telemetry;
pub mod tls;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use auth::{AuthOptions, DelegatedAuth, Rejection, with_delegated_auth};
pub use certs::{CertError, ensure_self_signed, load_serving_files};
pub use reviewers::{
    AccessReviewer, FnAccessReviewer, KubeAccessReviewer, KubeTokenReviewer, ReviewError,
    StaticTokenReviewer, TokenReviewOutcome, TokenReviewer,
};
pub use serve::{PeerIdentity, ServeOptions, serve, serve_with};
pub use telemetry::{FailureReason, NodeOutcome, Telemetry, metrics_router, with_request_metrics};
pub use tls::{CertReloader, TlsError, TlsSetup};

use crate::metrics::api::auth::AuthenticationConfig;

/// Applies a (re)read `extension-apiserver-authentication` configmap: the CA bundles to the TLS
/// layer, the header settings to the auth layer. On a bad bundle nothing changes.
pub fn apply_authentication_config<T: TokenReviewer, A: AccessReviewer>(
    tls: &TlsSetup,
    auth: &DelegatedAuth<T, A>,
    config: AuthenticationConfig,
) -> Result<(), TlsError> {
    tls.set_client_cas(&config)?;
    auth.set_config(config);
    Ok(())
}

/// Wraps `app` as the server expects: request metrics outermost, then delegated auth.
pub fn secure_app<T: TokenReviewer, A: AccessReviewer>(
    app: axum::Router,
    auth: Arc<DelegatedAuth<T, A>>,
    telemetry: Arc<Telemetry>,
) -> axum::Router {
    with_request_metrics(with_delegated_auth(app, auth), telemetry)
}
