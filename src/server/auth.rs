//! Delegated authentication and authorization as an axum middleware (spec §5.1–5.2).
//!
//! Per request, in the generic apiserver's order:
//! 1. always-allowed paths (`/healthz`, `/readyz`, `/livez` by default) pass untouched;
//! 2. authentication is a union, first success wins: front proxy (requestheader certificate +
//!    `X-Remote-*` headers), client certificate from the client-ca bundle (user = CN, groups = O),
//!    `Authorization: Bearer` via [`TokenReviewer`]. If none succeeds, any error (untrusted or
//!    disallowed proxy certificate, certificate outside the client-ca, invalid token) gives 401,
//!    as `unionauth.NewFailOnError` does; with no error the request is anonymous (`system:anonymous`)
//!    when anonymous auth is enabled, else 401. Authenticated users get `system:authenticated`.
//! 3. `X-Remote-*` and `Authorization` headers are always removed before the handler runs, so a
//!    handler never sees a client-supplied identity;
//! 4. authorization: [`authorize_locally`] (`system:masters`), else [`AccessReviewer`];
//!    a denial is a 403 Status worded like `responsewriters.Forbidden`.
//!
//! Token and access decisions are cached for 10 s with `now` from the injected clock. A reviewer
//! error is a 500 Status and is not cached: we never allow by default.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::reviewers::{AccessReviewer, ReviewError, TokenReviewOutcome, TokenReviewer};
use super::serve::PeerIdentity;
use crate::metrics::api::Clock;
use crate::metrics::api::auth::attributes::{
    authorize_locally, default_always_allow_paths, forbidden_status, unauthorized_status,
};
use crate::metrics::api::auth::cache::{DEFAULT_CAPACITY, DEFAULT_TTL};
use crate::metrics::api::auth::sar::build_review;
use crate::metrics::api::auth::{
    AuthCache, AuthenticationConfig, Decision, PeerCertificate, RequestAttributes, RequestHeaderConfig,
    UserInfo, authenticate_request_header, strip_auth_headers,
};
use crate::metrics::api::status::Status;

/// The group every authenticated (non-anonymous) user gets.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";

/// Command-line settings of the auth layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// `--authorization-always-allow-paths` (exact paths, `*` suffix = prefix).
    pub always_allow_paths: Vec<String>,
    /// Whether unauthenticated requests proceed as `system:anonymous` (upstream default: yes).
    pub anonymous: bool,
    /// TTL of cached token and access decisions.
    pub cache_ttl: Duration,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self { always_allow_paths: default_always_allow_paths(), anonymous: true, cache_ttl: DEFAULT_TTL }
    }
}

/// Why a request was not let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// 401.
    Unauthorized,
    /// 403 with the Status body.
    Forbidden(Status),
    /// 500: a reviewer gave no answer.
    Internal(String),
}

impl Rejection {
    /// The Status body of this rejection.
    pub fn status(&self) -> Status {
        match self {
            Self::Unauthorized => unauthorized_status(),
            Self::Forbidden(status) => status.clone(),
            Self::Internal(message) => Status {
                kind: "Status",
                api_version: "v1",
                metadata: crate::metrics::api::types::ListMeta {},
                status: "Failure",
                message: format!("Internal error occurred: {message}"),
                reason: "InternalError",
                details: None,
                code: 500,
            },
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = StatusCode::from_u16(status.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Go's JSON encoder ends every body with a newline.
        let mut body = serde_json::to_vec(&status).unwrap_or_default();
        body.push(b'\n');
        (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

type TokenCache = AuthCache<String, Option<UserInfo>>;
type DecisionCache = AuthCache<(UserInfo, RequestAttributes), Decision>;

/// The auth layer's state: reviewers, the current authentication config, caches and the clock.
pub struct DelegatedAuth<T, A> {
    tokens: T,
    access: A,
    config: ArcSwap<AuthenticationConfig>,
    options: AuthOptions,
    now: Clock,
    token_cache: Mutex<TokenCache>,
    decision_cache: Mutex<DecisionCache>,
}

impl<T, A> std::fmt::Debug for DelegatedAuth<T, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelegatedAuth").field("options", &self.options).finish_non_exhaustive()
    }
}

/// The headers a front proxy would set when no requestheader config says otherwise; they are
/// stripped all the same.
fn default_request_header_config() -> RequestHeaderConfig {
    RequestHeaderConfig {
        username_headers: vec!["X-Remote-User".to_owned()],
        uid_headers: vec!["X-Remote-Uid".to_owned()],
        group_headers: vec!["X-Remote-Group".to_owned()],
        extra_headers_prefix: vec!["X-Remote-Extra-".to_owned()],
        ..RequestHeaderConfig::default()
    }
}

/// `Authorization: Bearer <token>` as the apiserver's bearer-token authenticator reads it.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let mut parts = value.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

fn with_authenticated_group(mut user: UserInfo) -> UserInfo {
    if !user.groups.iter().any(|g| g == AUTHENTICATED_GROUP) {
        user.groups.push(AUTHENTICATED_GROUP.to_owned());
    }
    user
}

fn lock<C>(cache: &Mutex<C>) -> std::sync::MutexGuard<'_, C> {
    // A panic elsewhere cannot leave a TTL map inconsistent; keep serving.
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: TokenReviewer, A: AccessReviewer> DelegatedAuth<T, A> {
    /// Auth layer state with no client CAs configured until [`Self::set_config`].
    pub fn new(tokens: T, access: A, options: AuthOptions, now: Clock) -> Self {
        let ttl = options.cache_ttl;
        Self {
            tokens,
            access,
            config: ArcSwap::from_pointee(AuthenticationConfig::default()),
            options,
            now,
            token_cache: Mutex::new(AuthCache::new(ttl, DEFAULT_CAPACITY)),
            decision_cache: Mutex::new(AuthCache::new(ttl, DEFAULT_CAPACITY)),
        }
    }

    /// Uses `config` (front-proxy headers and allowed names) from the next request on. The CA
    /// bundles themselves are checked by the TLS layer (`TlsSetup::set_client_cas`).
    pub fn set_config(&self, config: AuthenticationConfig) {
        self.config.store(Arc::new(config));
    }

    /// The token reviewer (for inspection in tests and diagnostics).
    pub fn token_reviewer(&self) -> &T {
        &self.tokens
    }

    /// The access reviewer (for inspection in tests and diagnostics).
    pub fn access_reviewer(&self) -> &A {
        &self.access
    }

    /// Decides who sent the request (step 2 of the module docs).
    pub async fn authenticate(
        &self,
        peer: Option<&PeerIdentity>,
        headers: &HeaderMap,
    ) -> Result<UserInfo, Rejection> {
        let config = self.config.load_full();
        let certificate = peer.and_then(|p| p.certificate.as_ref());
        let mut errors: Vec<String> = Vec::new();
        if let (Some(request_header), Some(cert)) = (&config.request_header, certificate) {
            let facts = PeerCertificate {
                common_name: cert.common_name.clone(),
                verified_by_request_header_ca: cert.trust.request_header,
            };
            match authenticate_request_header(request_header, Some(&facts), headers) {
                Ok(Some(user)) => return Ok(with_authenticated_group(user)),
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let (Some(_), Some(cert)) = (&config.client_ca_pem, certificate) {
            if !cert.trust.client_ca {
                errors.push("x509: certificate signed by unknown authority".to_owned());
            } else if !cert.common_name.is_empty() {
                return Ok(with_authenticated_group(UserInfo {
                    name: cert.common_name.clone(),
                    groups: cert.organizations.clone(),
                    ..UserInfo::default()
                }));
            }
        }
        if let Some(token) = bearer_token(headers) {
            match self.review_token(token).await? {
                Some(user) => return Ok(with_authenticated_group(user)),
                None => errors.push("invalid bearer token".to_owned()),
            }
        }
        if !errors.is_empty() {
            tracing::info!(errors = ?errors, "Unable to authenticate the request");
            return Err(Rejection::Unauthorized);
        }
        if self.options.anonymous { Ok(UserInfo::anonymous()) } else { Err(Rejection::Unauthorized) }
    }

    async fn review_token(&self, token: String) -> Result<Option<UserInfo>, Rejection> {
        if let Some(cached) = lock(&self.token_cache).get(&token, (self.now)()) {
            return Ok(cached);
        }
        let outcome = self.tokens.review_token(&token).await.map_err(|e| internal(&e))?;
        let user = match outcome {
            TokenReviewOutcome::Authenticated(user) => Some(user),
            TokenReviewOutcome::Rejected(reason) => {
                tracing::debug!(%reason, "TokenReview rejected a bearer token");
                None
            }
        };
        lock(&self.token_cache).insert(token, user.clone(), (self.now)());
        Ok(user)
    }

    /// Decides whether `user` may do `attributes` (step 4 of the module docs).
    pub async fn authorize(&self, user: &UserInfo, attributes: &RequestAttributes) -> Result<(), Rejection> {
        let decision =
            if let Some(local) = authorize_locally(user, attributes, &self.options.always_allow_paths) {
                local
            } else {
                let key = (user.clone(), attributes.clone());
                let cached = lock(&self.decision_cache).get(&key, (self.now)());
                if let Some(decision) = cached {
                    decision
                } else {
                    let review = build_review(user, attributes);
                    let decision = self.access.review_access(&review).await.map_err(|e| internal(&e))?;
                    lock(&self.decision_cache).insert(key, decision.clone(), (self.now)());
                    decision
                }
            };
        match decision {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(Rejection::Forbidden(forbidden_status(user, attributes, &reason))),
        }
    }

    /// The whole check for one request; on success the headers are cleaned and the user is
    /// returned (`None` for always-allowed paths, which skip authentication).
    pub async fn check(
        &self,
        attributes: &RequestAttributes,
        peer: Option<&PeerIdentity>,
        headers: &mut HeaderMap,
    ) -> Result<Option<UserInfo>, Rejection> {
        let always_allowed =
            authorize_locally(&UserInfo::anonymous(), attributes, &self.options.always_allow_paths).is_some();
        let user = if always_allowed { None } else { Some(self.authenticate(peer, headers).await) };
        self.clean_headers(headers);
        let Some(user) = user.transpose()? else { return Ok(None) };
        self.authorize(&user, attributes).await?;
        Ok(Some(user))
    }

    fn clean_headers(&self, headers: &mut HeaderMap) {
        let config = self.config.load();
        strip_auth_headers(&default_request_header_config(), headers);
        if let Some(request_header) = &config.request_header {
            strip_auth_headers(request_header, headers);
        }
        headers.remove(header::AUTHORIZATION);
    }
}

fn internal(error: &ReviewError) -> Rejection {
    tracing::error!(%error, "delegated auth reviewer failed");
    Rejection::Internal(error.to_string())
}

async fn middleware<T: TokenReviewer, A: AccessReviewer>(
    State(auth): State<Arc<DelegatedAuth<T, A>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let attributes = RequestAttributes::of(&request);
    let peer = request.extensions().get::<PeerIdentity>().cloned();
    match auth.check(&attributes, peer.as_ref(), request.headers_mut()).await {
        Ok(user) => {
            if let Some(user) = user {
                request.extensions_mut().insert(user);
            }
            next.run(request).await
        }
        Err(rejection) => rejection.into_response(),
    }
}

/// Wraps every route of `router` (including its fallback) in the auth layer.
pub fn with_delegated_auth<T: TokenReviewer, A: AccessReviewer>(
    router: Router,
    auth: Arc<DelegatedAuth<T, A>>,
) -> Router {
    router.layer(axum::middleware::from_fn_with_state(auth, middleware::<T, A>))
}
