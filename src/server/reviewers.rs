//! The two API calls of delegated auth: `TokenReview` (authentication) and
//! `SubjectAccessReview` (authorization), as async traits with in-memory and `kube::Client`
//! implementations.
//!
//! Model: a reviewer answers one question and never caches (the auth layer caches for 10 s).
//! A reviewer error means "no answer" — the caller turns it into a 500, never into an allow. The
//! kube implementations bound each call by a timeout (10 s upstream).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec};
use k8s_openapi::api::authorization::v1 as authz;
use kube::api::{Api, PostParams};

use crate::metrics::api::auth::sar::{SubjectAccessReview, parse_review_response};
use crate::metrics::api::auth::{AuthError, Decision, UserInfo};

/// Default timeout of one review call (upstream delegated client: 10 s).
pub const DEFAULT_REVIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// Failures of a review call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The `TokenReview` POST failed.
    #[error("TokenReview request failed: {0}")]
    TokenReviewRequest(String),
    /// The `TokenReview` POST did not answer in time.
    #[error("TokenReview request timed out after {0:?}")]
    TokenReviewTimeout(Duration),
    /// Our review body does not convert to the API type.
    #[error("cannot encode SubjectAccessReview: {0}")]
    AccessReviewEncode(String),
    /// The `SubjectAccessReview` POST failed.
    #[error("SubjectAccessReview request failed: {0}")]
    AccessReviewRequest(String),
    /// The `SubjectAccessReview` POST did not answer in time.
    #[error("SubjectAccessReview request timed out after {0:?}")]
    AccessReviewTimeout(Duration),
    /// The `SubjectAccessReview` answer cannot be read.
    #[error(transparent)]
    AccessReviewResponse(#[from] AuthError),
    /// An in-memory reviewer was told to fail.
    #[error("{0}")]
    Injected(String),
}

/// What a `TokenReview` said about a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenReviewOutcome {
    /// The token belongs to this user.
    Authenticated(UserInfo),
    /// The token is not valid (with the reviewer's error text, possibly empty).
    Rejected(String),
}

/// Answers `TokenReview`s.
pub trait TokenReviewer: Send + Sync + 'static {
    /// Reviews `token`.
    fn review_token(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<TokenReviewOutcome, ReviewError>> + Send;
}

/// Answers `SubjectAccessReview`s.
pub trait AccessReviewer: Send + Sync + 'static {
    /// Reviews `review` (built by `sar::build_review`).
    fn review_access(
        &self,
        review: &SubjectAccessReview,
    ) -> impl Future<Output = Result<Decision, ReviewError>> + Send;
}

// === in-memory ===

/// Token reviewer over a fixed token → user table; counts calls.
#[derive(Debug, Default)]
pub struct StaticTokenReviewer {
    users: HashMap<String, UserInfo>,
    failure: Option<String>,
    calls: AtomicUsize,
}

impl StaticTokenReviewer {
    /// Reviewer knowing `users` (token → user); other tokens are rejected.
    pub fn new(users: impl IntoIterator<Item = (String, UserInfo)>) -> Self {
        Self { users: users.into_iter().collect(), failure: None, calls: AtomicUsize::new(0) }
    }

    /// Reviewer whose every call fails with `message`.
    pub fn failing(message: impl Into<String>) -> Self {
        Self { failure: Some(message.into()), ..Self::default() }
    }

    /// Number of reviews asked so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TokenReviewer for StaticTokenReviewer {
    async fn review_token(&self, token: &str) -> Result<TokenReviewOutcome, ReviewError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(message) = &self.failure {
            return Err(ReviewError::Injected(message.clone()));
        }
        Ok(match self.users.get(token) {
            Some(user) => TokenReviewOutcome::Authenticated(user.clone()),
            None => TokenReviewOutcome::Rejected(String::new()),
        })
    }
}

type AccessRule = dyn Fn(&SubjectAccessReview) -> Result<Decision, ReviewError> + Send + Sync;

/// Access reviewer deciding with a function; counts calls.
pub struct FnAccessReviewer {
    rule: Box<AccessRule>,
    calls: AtomicUsize,
}

impl std::fmt::Debug for FnAccessReviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnAccessReviewer").field("calls", &self.calls).finish_non_exhaustive()
    }
}

impl FnAccessReviewer {
    /// Reviewer applying `rule`.
    pub fn new(
        rule: impl Fn(&SubjectAccessReview) -> Result<Decision, ReviewError> + Send + Sync + 'static,
    ) -> Self {
        Self { rule: Box::new(rule), calls: AtomicUsize::new(0) }
    }

    /// Reviewer allowing everything.
    pub fn allow_all() -> Self {
        Self::new(|_| Ok(Decision::Allow))
    }

    /// Reviewer denying everything with `reason`.
    pub fn deny_all(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(move |_| Ok(Decision::Deny(reason.clone())))
    }

    /// Number of reviews asked so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl AccessReviewer for FnAccessReviewer {
    async fn review_access(&self, review: &SubjectAccessReview) -> Result<Decision, ReviewError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        (self.rule)(review)
    }
}

// === kube ===

/// `TokenReview` via `POST /apis/authentication.k8s.io/v1/tokenreviews`.
#[derive(Clone)]
pub struct KubeTokenReviewer {
    api: Api<TokenReview>,
    audiences: Vec<String>,
    timeout: Duration,
}

impl std::fmt::Debug for KubeTokenReviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeTokenReviewer").field("audiences", &self.audiences).finish_non_exhaustive()
    }
}

impl KubeTokenReviewer {
    /// Reviewer using `client`; `audiences` may be empty (the apiserver's audiences apply).
    pub fn new(client: kube::Client, audiences: Vec<String>) -> Self {
        Self { api: Api::all(client), audiences, timeout: DEFAULT_REVIEW_TIMEOUT }
    }
}

fn user_from_api(user: k8s_openapi::api::authentication::v1::UserInfo) -> UserInfo {
    UserInfo {
        name: user.username.unwrap_or_default(),
        uid: user.uid.unwrap_or_default(),
        groups: user.groups.unwrap_or_default(),
        extra: user.extra.unwrap_or_default(),
    }
}

impl TokenReviewer for KubeTokenReviewer {
    async fn review_token(&self, token: &str) -> Result<TokenReviewOutcome, ReviewError> {
        let review = TokenReview {
            spec: TokenReviewSpec {
                token: Some(token.to_owned()),
                audiences: (!self.audiences.is_empty()).then(|| self.audiences.clone()),
            },
            ..TokenReview::default()
        };
        let answer = tokio::time::timeout(self.timeout, self.api.create(&PostParams::default(), &review))
            .await
            .map_err(|_| ReviewError::TokenReviewTimeout(self.timeout))?
            .map_err(|e| ReviewError::TokenReviewRequest(e.to_string()))?;
        let status = answer.status.unwrap_or_default();
        Ok(match (status.authenticated, status.user) {
            (Some(true), Some(user)) => TokenReviewOutcome::Authenticated(user_from_api(user)),
            _ => TokenReviewOutcome::Rejected(status.error.unwrap_or_default()),
        })
    }
}

/// `SubjectAccessReview` via `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`.
#[derive(Clone)]
pub struct KubeAccessReviewer {
    api: Api<authz::SubjectAccessReview>,
    timeout: Duration,
}

impl std::fmt::Debug for KubeAccessReviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeAccessReviewer").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl KubeAccessReviewer {
    /// Reviewer using `client`.
    pub fn new(client: kube::Client) -> Self {
        Self { api: Api::all(client), timeout: DEFAULT_REVIEW_TIMEOUT }
    }
}

impl AccessReviewer for KubeAccessReviewer {
    async fn review_access(&self, review: &SubjectAccessReview) -> Result<Decision, ReviewError> {
        // Our body is the wire format; going through JSON keeps one definition of it.
        let body: authz::SubjectAccessReview = serde_json::to_value(review)
            .and_then(serde_json::from_value)
            .map_err(|e| ReviewError::AccessReviewEncode(e.to_string()))?;
        let answer = tokio::time::timeout(self.timeout, self.api.create(&PostParams::default(), &body))
            .await
            .map_err(|_| ReviewError::AccessReviewTimeout(self.timeout))?
            .map_err(|e| ReviewError::AccessReviewRequest(e.to_string()))?;
        let bytes =
            serde_json::to_vec(&answer).map_err(|e| ReviewError::AccessReviewRequest(e.to_string()))?;
        Ok(parse_review_response(&bytes)?)
    }
}
