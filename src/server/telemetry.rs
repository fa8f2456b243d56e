//! bellows' own `/metrics` (spec §4.10): the metrics-server families plus request metrics and a
//! per-node failure counter, in `OpenMetrics` text via `prometheus-client`.
//!
//! Families (names, types, labels and buckets as metrics-server; HELP texts carry `[ALPHA]`):
//! - `metrics_server_kubelet_request_duration_seconds{node}` histogram, default buckets;
//! - `metrics_server_kubelet_request_total{success}` counter;
//! - `metrics_server_kubelet_last_request_time_seconds{node}` gauge (unix seconds);
//! - `metrics_server_manager_tick_duration_seconds` histogram, [`tick_buckets`] of the resolution;
//! - `metrics_server_storage_points{type}` gauge, `type` = `node` | `container`;
//! - `metrics_server_api_metric_freshness_seconds` histogram, buckets 1 × 1.364^k (k < 20);
//! - `apiserver_request_total{verb,resource,code}` counter and
//!   `apiserver_request_duration_seconds{verb,resource}` histogram (apiserver buckets);
//! - bellows extras: `bellows_kubelet_scrape_failures_total{node,reason}` with the bounded
//!   [`FailureReason`] values (`incomplete` counts a node skipped because its payload reported
//!   zero or missing usage, a request metrics-server counts as a success),
//!   `bellows_scrape_cycle_nodes` and `bellows_scrape_cycle_pods`.
//!
//! Invariant: every label value is bounded (node names aside, as upstream): request labels come
//! from fixed sets, never from raw paths or methods. Time is always passed in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::metrics::api::auth::{RequestAttributes, RequestTarget};

/// Content type of the `/metrics` response.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Prometheus' default histogram buckets (`prometheus.DefBuckets`).
pub const DEFAULT_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// `apiserver_request_duration_seconds` buckets of the generic apiserver.
pub const REQUEST_DURATION_BUCKETS: [f64; 23] = [
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0,
    20.0, 30.0, 45.0, 60.0,
];

/// Tick-duration buckets for `resolution` (`utils.BucketsForScrapeDuration`): the defaults, plus
/// `10 + (R−10)/2`, `R`, `1.5R`, `2R` when R > 10 s.
pub fn tick_buckets(resolution: Duration) -> Vec<f64> {
    let mut buckets = DEFAULT_BUCKETS.to_vec();
    let r = resolution.as_secs_f64();
    if r > 10.0 {
        buckets.extend([10.0 + (r - 10.0) / 2.0, r, 1.5 * r, 2.0 * r]);
    }
    buckets
}

/// Why scraping one node failed (bounded label values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// No usable address or target for the node.
    NoTarget,
    /// Connecting or TLS failed.
    Connect,
    /// The kubelet answered with a non-200 status.
    HttpStatus,
    /// The body could not be read.
    Body,
    /// The payload could not be decoded.
    Decode,
    /// The per-request timeout elapsed.
    Timeout,
    /// The scrape did not finish within the cycle.
    Deadline,
    /// The payload decoded but the node's own usage was zero, missing or invalid, so the node
    /// was skipped (the request itself succeeded; see [`NodeOutcome::Incomplete`]).
    Incomplete,
}

impl FailureReason {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoTarget => "no_target",
            Self::Connect => "connect",
            Self::HttpStatus => "http_status",
            Self::Body => "body",
            Self::Decode => "decode",
            Self::Timeout => "timeout",
            Self::Deadline => "deadline",
            Self::Incomplete => "incomplete",
        }
    }

    /// Classifies a failure message produced by the scraper (`metrics::scraper`); messages it
    /// does not produce count as [`Self::NoTarget`], the only remaining source. Never returns
    /// [`Self::Incomplete`], which is not a failure message but a decoded payload.
    pub fn classify(message: &str) -> Self {
        const PREFIXES: [(&str, FailureReason); 6] = [
            ("timeout to access kubelet", FailureReason::Timeout),
            ("failed parsing metrics", FailureReason::Decode),
            ("request failed, status", FailureReason::HttpStatus),
            ("unable to fetch metrics from node", FailureReason::Connect),
            ("reading response body", FailureReason::Body),
            ("scrape did not finish", FailureReason::Deadline),
        ];
        PREFIXES.iter().find(|(prefix, _)| message.starts_with(prefix)).map_or(Self::NoTarget, |(_, r)| *r)
    }
}

/// How scraping one node went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeOutcome {
    /// A batch was decoded.
    Success,
    /// The scrape failed.
    Failure(FailureReason),
    /// The request succeeded (counted as such, like metrics-server) but the node's own point
    /// was dropped as incomplete: counted as a failure with reason `incomplete`.
    Incomplete,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NodeLabels {
    node: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SuccessLabels {
    success: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    node: String,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    verb: &'static str,
    resource: &'static str,
    code: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    verb: &'static str,
    resource: &'static str,
}

fn default_histogram() -> Histogram {
    Histogram::new(DEFAULT_BUCKETS)
}

fn request_histogram() -> Histogram {
    Histogram::new(REQUEST_DURATION_BUCKETS)
}

/// The registry and handles of every family.
pub struct Telemetry {
    registry: Registry,
    kubelet_duration: Family<NodeLabels, Histogram, fn() -> Histogram>,
    kubelet_requests: Family<SuccessLabels, Counter>,
    kubelet_last_request: Family<NodeLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    tick_duration: Histogram,
    storage_points: Family<TypeLabels, Gauge>,
    freshness: Histogram,
    requests: Family<RequestLabels, Counter>,
    request_duration: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    failures: Family<FailureLabels, Counter>,
    cycle_nodes: Gauge,
    cycle_pods: Gauge,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry").finish_non_exhaustive()
    }
}

impl Telemetry {
    /// Registers every family; `resolution` (`--metric-resolution`) shapes the tick buckets.
    pub fn new(resolution: Duration) -> Self {
        let mut registry = Registry::default();
        let kubelet_duration = Family::new_with_constructor(default_histogram as fn() -> Histogram);
        let kubelet_requests = Family::default();
        let kubelet_last_request = Family::default();
        let tick_duration = Histogram::new(tick_buckets(resolution));
        let storage_points = Family::default();
        let freshness = Histogram::new(exponential_buckets(1.0, 1.364, 20));
        let requests = Family::default();
        let request_duration = Family::new_with_constructor(request_histogram as fn() -> Histogram);
        let failures = Family::default();
        let cycle_nodes = Gauge::default();
        let cycle_pods = Gauge::default();
        // prometheus-client appends the final "." of every HELP text itself.
        registry.register(
            "metrics_server_kubelet_request_duration_seconds",
            "[ALPHA] Duration of requests to Kubelet API in seconds",
            kubelet_duration.clone(),
        );
        registry.register(
            "metrics_server_kubelet_request",
            "[ALPHA] Number of requests sent to Kubelet API",
            kubelet_requests.clone(),
        );
        registry.register(
            "metrics_server_kubelet_last_request_time_seconds",
            "[ALPHA] Time of last request performed to Kubelet API since unix epoch in seconds",
            kubelet_last_request.clone(),
        );
        registry.register(
            "metrics_server_manager_tick_duration_seconds",
            "[ALPHA] The total time spent collecting and storing metrics in seconds",
            tick_duration.clone(),
        );
        registry.register(
            "metrics_server_storage_points",
            "[ALPHA] Number of metrics points stored",
            storage_points.clone(),
        );
        registry.register(
            "metrics_server_api_metric_freshness_seconds",
            "[ALPHA] Freshness of metrics exported",
            freshness.clone(),
        );
        registry.register(
            "apiserver_request",
            "[STABLE] Counter of apiserver requests broken out for each verb, resource and HTTP response code",
            requests.clone(),
        );
        registry.register(
            "apiserver_request_duration_seconds",
            "[STABLE] Response latency distribution in seconds for each verb and resource",
            request_duration.clone(),
        );
        registry.register(
            "bellows_kubelet_scrape_failures",
            "Failed kubelet scrapes by node and reason",
            failures.clone(),
        );
        registry.register(
            "bellows_scrape_cycle_nodes",
            "Nodes in the last scrape cycle",
            cycle_nodes.clone(),
        );
        registry.register("bellows_scrape_cycle_pods", "Pods in the last scrape cycle", cycle_pods.clone());
        Self {
            registry,
            kubelet_duration,
            kubelet_requests,
            kubelet_last_request,
            tick_duration,
            storage_points,
            freshness,
            requests,
            request_duration,
            failures,
            cycle_nodes,
            cycle_pods,
        }
    }

    /// Records one finished scrape cycle (tick) and how many nodes and pods it covered.
    pub fn observe_cycle(&self, duration: Duration, nodes: usize, pods: usize) {
        self.tick_duration.observe(duration.as_secs_f64());
        self.cycle_nodes.set(i64::try_from(nodes).unwrap_or(i64::MAX));
        self.cycle_pods.set(i64::try_from(pods).unwrap_or(i64::MAX));
    }

    /// Records one node scrape that started at `started` and took `duration`.
    pub fn observe_node(
        &self,
        node: &str,
        started: jiff::Timestamp,
        duration: Duration,
        outcome: NodeOutcome,
    ) {
        let labels = NodeLabels { node: node.to_owned() };
        self.kubelet_duration.get_or_create(&labels).observe(duration.as_secs_f64());
        let unix = started.as_nanosecond() as f64 / 1e9;
        self.kubelet_last_request.get_or_create(&labels).set(unix);
        let (success, failure) = match outcome {
            NodeOutcome::Success => ("true", None),
            NodeOutcome::Incomplete => ("true", Some(FailureReason::Incomplete)),
            NodeOutcome::Failure(reason) => ("false", Some(reason)),
        };
        self.kubelet_requests.get_or_create(&SuccessLabels { success }).inc();
        if let Some(reason) = failure {
            self.failures.get_or_create(&FailureLabels { node: labels.node, reason: reason.as_str() }).inc();
        }
    }

    /// Forgets the per-node series of a node that left the cluster.
    pub fn forget_node(&self, node: &str) {
        let labels = NodeLabels { node: node.to_owned() };
        self.kubelet_duration.remove(&labels);
        self.kubelet_last_request.remove(&labels);
    }

    /// Sets the servable point counts of the store.
    pub fn set_points(&self, node: usize, container: usize) {
        self.storage_points
            .get_or_create(&TypeLabels { r#type: "node" })
            .set(i64::try_from(node).unwrap_or(i64::MAX));
        self.storage_points
            .get_or_create(&TypeLabels { r#type: "container" })
            .set(i64::try_from(container).unwrap_or(i64::MAX));
    }

    /// Records the age of one returned metric (now − its timestamp).
    pub fn observe_freshness(&self, age: Duration) {
        self.freshness.observe(age.as_secs_f64());
    }

    /// Records one served request.
    pub fn observe_request(&self, attributes: &RequestAttributes, code: u16, duration: Duration) {
        let (verb, resource) = request_labels(attributes);
        self.requests.get_or_create(&RequestLabels { verb, resource, code }).inc();
        self.request_duration
            .get_or_create(&LatencyLabels { verb, resource })
            .observe(duration.as_secs_f64());
    }

    /// The `OpenMetrics` text of every family.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Bounded `verb` and `resource` labels: upper-case apiserver verbs, `resource` only for the two
/// resources served (anything else is `""`), so arbitrary paths never become label values.
fn request_labels(attributes: &RequestAttributes) -> (&'static str, &'static str) {
    let verb = match attributes.verb.as_str() {
        "get" => "GET",
        "list" => "LIST",
        "watch" => "WATCH",
        "head" => "HEAD",
        "post" | "create" => "POST",
        "put" | "update" => "PUT",
        "patch" => "PATCH",
        "delete" => "DELETE",
        "options" => "OPTIONS",
        _ => "other",
    };
    let resource = match &attributes.target {
        RequestTarget::Resource { resource, .. } if resource == "nodes" => "nodes",
        RequestTarget::Resource { resource, .. } if resource == "pods" => "pods",
        _ => "",
    };
    (verb, resource)
}

/// `GET /metrics`.
pub async fn metrics_handler(State(telemetry): State<Arc<Telemetry>>) -> Response {
    match telemetry.render() {
        Ok(text) => ([(header::CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering /metrics failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "rendering metrics failed\n").into_response()
        }
    }
}

/// A router serving `/metrics` (merge it into the app before wrapping auth around it).
pub fn metrics_router(telemetry: Arc<Telemetry>) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics_handler)).with_state(telemetry)
}

/// Middleware counting requests by verb, resource and code, and timing them.
pub async fn track_requests(
    State(telemetry): State<Arc<Telemetry>>,
    request: Request,
    next: Next,
) -> Response {
    let attributes = RequestAttributes::of(&request);
    let started = Instant::now();
    let response = next.run(request).await;
    telemetry.observe_request(&attributes, response.status().as_u16(), started.elapsed());
    response
}

/// Wraps `router` in [`track_requests`]; apply it outermost so rejected requests count too.
pub fn with_request_metrics(router: axum::Router, telemetry: Arc<Telemetry>) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(telemetry, track_requests))
}
