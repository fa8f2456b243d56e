//! API-server faults: errors, added latency and dropped watches, scripted over scenario time or
//! set at run time (the API side of the kubelet faults in [`crate::sim::kubelet::fault`]).
//!
//! Model: an [`ApiFault`] applies to the requests its [`ApiFilter`] matches (verb, API group,
//! resource or `resource/subresource`, like an RBAC rule). The `n`-th matching request of a fault
//! (counted from 0 since the fault became active) gets an error when a seeded hash of `(seed, n)`
//! falls below `error_rate`, and `latency` plus a seeded fraction of `jitter` of delay. So a
//! sequential client sees the same faults on every run with the same seed. Watches matching a
//! fault with `drop_watches_every` are closed at `from + k × period` (k ≥ 1) inside its window.
//!
//! Errors are what kube-apiserver answers in those cases:
//! - [`ErrorKind::InternalError`]: 500 `InternalError`, `Internal error occurred: …` with one
//!   cause (what a failing storage call gives, `apierrors.NewInternalError`);
//! - [`ErrorKind::TooManyRequests`]: 429 `TooManyRequests`, `Too many requests, please try again
//!   later.`, `details.retryAfterSeconds` and a `Retry-After` header (API Priority and Fairness
//!   or max-in-flight rejecting a request);
//! - [`ErrorKind::ServiceUnavailable`]: 503 `ServiceUnavailable` with `Retry-After` (an apiserver
//!   that cannot serve yet, e.g. its storage is not ready).
//!
//! Everything here is pure: the run-time state (counters, clock) is in [`super::faults`].

use std::time::Duration;

use serde_json::{Value, json};

/// Which requests a fault applies to; an empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiFilter {
    /// Request verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`).
    pub verbs: Vec<String>,
    /// `resource` (the main resource only) or `resource/subresource`, e.g.
    /// `horizontalpodautoscalers`, `deployments/scale`; `*` matches everything.
    pub resources: Vec<String>,
    /// API groups (`""` is core). Internal requests (see [`RequestFacts::internal`]) are only
    /// faulted when their group is named here: an empty list never touches them.
    pub groups: Vec<String>,
}

/// The attributes of one resource request a filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFacts<'a> {
    /// Verb, as RBAC sees it.
    pub verb: &'a str,
    /// API group.
    pub group: &'a str,
    /// Plural resource.
    pub resource: &'a str,
    /// Subresource, `""` for the main resource.
    pub subresource: &'a str,
    /// Part of the cluster's plumbing rather than an ordinary resource: proxied by the
    /// aggregation layer to an `APIService` backend, or an authentication/authorization review
    /// (`tokenreviews`, `subjectaccessreviews`, … that aggregated servers call back with).
    pub internal: bool,
}

impl ApiFilter {
    /// Whether the filter selects this request.
    pub fn matches(&self, r: &RequestFacts<'_>) -> bool {
        let verb_ok = self.verbs.is_empty() || self.verbs.iter().any(|v| v == r.verb);
        let group_ok =
            if self.groups.is_empty() { !r.internal } else { self.groups.iter().any(|g| g == r.group) };
        let resource_ok = self.resources.is_empty()
            || self.resources.iter().any(|want| match want.split_once('/') {
                _ if want == "*" => true,
                Some((res, sub)) => res == r.resource && sub == r.subresource,
                None => want == r.resource && r.subresource.is_empty(),
            });
        verb_ok && group_ok && resource_ok
    }
}

/// The error a faulty request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// 500 `InternalError`.
    #[default]
    InternalError,
    /// 429 `TooManyRequests` with `Retry-After`.
    TooManyRequests,
    /// 503 `ServiceUnavailable` with `Retry-After`.
    ServiceUnavailable,
}

/// One API fault.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFault {
    /// The requests it applies to.
    pub filter: ApiFilter,
    /// Fraction of matching requests answered with `error`, in [0, 1].
    pub error_rate: f64,
    /// The error they get.
    pub error: ErrorKind,
    /// `Retry-After` seconds of 429 and 503 answers.
    pub retry_after: u32,
    /// Delay added to every matching request (before it is served, or before the error).
    pub latency: Duration,
    /// Up to this much more delay, a seeded fraction per request.
    pub jitter: Duration,
    /// Close matching watches every this long (from the start of the fault's window).
    pub drop_watches_every: Option<Duration>,
    /// Seed of the error and jitter sequence.
    pub seed: u64,
}

impl Default for ApiFault {
    fn default() -> Self {
        Self {
            filter: ApiFilter::default(),
            error_rate: 0.0,
            error: ErrorKind::InternalError,
            retry_after: 1,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            drop_watches_every: None,
            seed: 0,
        }
    }
}

/// A fault active from `from` until `to` (scenario seconds; no end = forever).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFaultWindow {
    /// The fault.
    pub fault: ApiFault,
    /// Start, scenario seconds.
    pub from: f64,
    /// End (exclusive), scenario seconds.
    pub to: Option<f64>,
}

impl ApiFaultWindow {
    /// Whether the window covers scenario time `t`.
    pub fn covers(&self, t: f64) -> bool {
        t >= self.from && self.to.is_none_or(|to| t < to)
    }

    /// The first scheduled watch drop of this window strictly after `t`, if any.
    pub fn next_drop_after(&self, t: f64) -> Option<f64> {
        let period = self.fault.drop_watches_every?.as_secs_f64();
        if period <= 0.0 {
            return None;
        }
        let k = (((t - self.from) / period).floor() + 1.0).max(1.0);
        let at = self.from + k * period;
        self.to.is_none_or(|to| at < to).then_some(at)
    }
}

/// What happens to one request: a delay, then maybe an error instead of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Injection {
    /// Added delay.
    pub delay: Duration,
    /// The error to answer with, if any, and its `Retry-After` seconds.
    pub error: Option<(ErrorKind, u32)>,
}

impl Injection {
    /// Both injections: delays add up, the first error wins.
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        Self { delay: self.delay + other.delay, error: self.error.or(other.error) }
    }
}

/// A deterministic value in [0, 1) from `(seed, n, salt)` (splitmix64).
pub fn unit(seed: u64, n: u64, salt: u64) -> f64 {
    let mut h = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    // 53 random bits → [0, 1).
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// What `fault` does to its `n`-th matching request (counted from 0).
pub fn decide(fault: &ApiFault, n: u64) -> Injection {
    let error = (unit(fault.seed, n, 1) < fault.error_rate).then_some((fault.error, fault.retry_after));
    let delay = fault.latency + fault.jitter.mul_f64(unit(fault.seed, n, 2));
    Injection { delay, error }
}

/// The HTTP code, `Status` body and `Retry-After` header (if any) of an injected error.
pub fn error_response(kind: ErrorKind, retry_after: u32) -> (u16, Value, Option<u32>) {
    let status = |code: u16, reason: &str, message: &str, details: Value| {
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "details": details, "code": code})
    };
    match kind {
        ErrorKind::InternalError => {
            let cause = "injected fault (bellows-sim API error rate)";
            let details = json!({"causes": [{"message": cause}]});
            (500, status(500, "InternalError", &format!("Internal error occurred: {cause}"), details), None)
        }
        ErrorKind::TooManyRequests => {
            let message = "Too many requests, please try again later.";
            let details = json!({"retryAfterSeconds": retry_after});
            (429, status(429, "TooManyRequests", message, details), Some(retry_after))
        }
        ErrorKind::ServiceUnavailable => {
            let message = "the server is currently unable to handle the request";
            let details = json!({"retryAfterSeconds": retry_after});
            (503, status(503, "ServiceUnavailable", message, details), Some(retry_after))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ApiFault, ApiFaultWindow, ApiFilter, ErrorKind, RequestFacts, decide, error_response};

    fn req<'a>(verb: &'a str, group: &'a str, resource: &'a str, subresource: &'a str) -> RequestFacts<'a> {
        RequestFacts { verb, group, resource, subresource, internal: false }
    }

    fn filter(verbs: &[&str], resources: &[&str]) -> ApiFilter {
        ApiFilter {
            verbs: verbs.iter().map(|s| (*s).to_owned()).collect(),
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn filters_select_by_verb_and_resource_like_rbac_rules() {
        let hpa_updates = filter(&["update"], &["horizontalpodautoscalers"]);
        assert!(hpa_updates.matches(&req("update", "autoscaling", "horizontalpodautoscalers", "")));
        assert!(!hpa_updates.matches(&req("update", "autoscaling", "horizontalpodautoscalers", "status")));
        assert!(!hpa_updates.matches(&req("get", "autoscaling", "horizontalpodautoscalers", "")));
        let scale_patches = filter(&["patch"], &["deployments/scale"]);
        assert!(scale_patches.matches(&req("patch", "apps", "deployments", "scale")));
        assert!(!scale_patches.matches(&req("patch", "apps", "deployments", "")));
        assert!(filter(&[], &[]).matches(&req("watch", "", "pods", "")));
        assert!(filter(&[], &["*"]).matches(&req("get", "apps", "deployments", "scale")));
    }

    #[test]
    fn internal_requests_are_only_faulted_when_their_group_is_named() {
        let metrics = RequestFacts { internal: true, ..req("list", "metrics.k8s.io", "pods", "") };
        assert!(!filter(&[], &[]).matches(&metrics));
        let named = ApiFilter { groups: vec!["metrics.k8s.io".into()], ..ApiFilter::default() };
        assert!(named.matches(&metrics));
        assert!(!named.matches(&req("list", "", "pods", "")));
    }

    #[test]
    fn the_same_seed_gives_the_same_errors_and_delays() {
        let fault =
            ApiFault { error_rate: 0.3, jitter: Duration::from_millis(100), seed: 42, ..ApiFault::default() };
        let run = || (0..200).map(|n| decide(&fault, n)).collect::<Vec<_>>();
        assert_eq!(run(), run());
        let other = ApiFault { seed: 43, ..fault.clone() };
        assert_ne!(run(), (0..200).map(|n| decide(&other, n)).collect::<Vec<_>>());
    }

    #[test]
    fn the_error_fraction_follows_the_rate() {
        for rate in [0.0, 0.1, 0.5, 1.0] {
            let fault = ApiFault { error_rate: rate, seed: 7, ..ApiFault::default() };
            let errors = (0..10_000).filter(|n| decide(&fault, *n).error.is_some()).count();
            let fraction = errors as f64 / 10_000.0;
            assert!((fraction - rate).abs() < 0.02, "rate {rate}: {fraction}");
        }
    }

    #[test]
    fn delays_are_latency_plus_at_most_the_jitter() {
        let fault = ApiFault {
            latency: Duration::from_millis(200),
            jitter: Duration::from_millis(50),
            ..ApiFault::default()
        };
        for n in 0..100 {
            let d = decide(&fault, n).delay;
            assert!(d >= Duration::from_millis(200) && d < Duration::from_millis(250), "{d:?}");
        }
        assert_eq!(decide(&ApiFault::default(), 0).delay, Duration::ZERO);
    }

    #[test]
    fn watch_drops_repeat_every_period_inside_the_window() {
        let window = ApiFaultWindow {
            fault: ApiFault { drop_watches_every: Some(Duration::from_secs(10)), ..ApiFault::default() },
            from: 5.0,
            to: Some(40.0),
        };
        assert_eq!(window.next_drop_after(0.0), Some(15.0));
        assert_eq!(window.next_drop_after(15.0), Some(25.0));
        assert_eq!(window.next_drop_after(34.9), Some(35.0));
        assert_eq!(window.next_drop_after(35.0), None);
        let no_drops = ApiFaultWindow { fault: ApiFault::default(), from: 0.0, to: None };
        assert_eq!(no_drops.next_drop_after(1.0), None);
    }

    #[test]
    fn injected_errors_are_upstream_statuses() {
        let (code, status, retry) = error_response(ErrorKind::TooManyRequests, 2);
        assert_eq!((code, retry), (429, Some(2)));
        assert_eq!(status["reason"], "TooManyRequests");
        assert_eq!(status["message"], "Too many requests, please try again later.");
        assert_eq!(status["details"]["retryAfterSeconds"], 2);
        let (code, status, retry) = error_response(ErrorKind::InternalError, 1);
        assert_eq!((code, retry, status["reason"].as_str()), (500, None, Some("InternalError")));
        let (code, _, retry) = error_response(ErrorKind::ServiceUnavailable, 3);
        assert_eq!((code, retry), (503, Some(3)));
    }
}
