//! `/metrics` families, buckets and the request-metrics middleware.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use super::fixtures::{FakeClock, echo_app, t0};
use crate::server::reviewers::{FnAccessReviewer, StaticTokenReviewer};
use crate::server::telemetry::{
    FailureReason, NodeOutcome, OPENMETRICS_CONTENT_TYPE, Telemetry, tick_buckets,
};
use crate::server::{AuthOptions, DelegatedAuth, metrics_router, secure_app};

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn tick_buckets_add_resolution_multiples_above_ten_seconds() {
    // metrics-server `BucketsForScrapeDuration`, spec §4.10: R = 15 s adds 12.5, 15, 22.5, 30.
    let defaults = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
    let mut expected = defaults.to_vec();
    expected.extend([12.5, 15.0, 22.5, 30.0]);
    assert_eq!(tick_buckets(Duration::from_secs(15)), expected);
    assert_eq!(tick_buckets(Duration::from_secs(10)), defaults.to_vec());
    let mut minute = defaults.to_vec();
    minute.extend([35.0, 60.0, 90.0, 120.0]);
    assert_eq!(tick_buckets(Duration::from_secs(60)), minute);
}

#[test]
fn scraper_failure_messages_map_to_bounded_reasons() {
    let cases = [
        ("timeout to access kubelet after 10s", FailureReason::Timeout, "timeout"),
        ("failed parsing metrics: bad line", FailureReason::Decode, "decode"),
        ("request failed, status: \"403 Forbidden\"", FailureReason::HttpStatus, "http_status"),
        ("unable to fetch metrics from node n1: refused", FailureReason::Connect, "connect"),
        ("reading response body: reset", FailureReason::Body, "body"),
        ("scrape did not finish within the metric resolution (15s)", FailureReason::Deadline, "deadline"),
        ("node n1 has no internal IP", FailureReason::NoTarget, "no_target"),
    ];
    for (message, reason, label) in cases {
        assert_eq!(FailureReason::classify(message), reason, "{message}");
        assert_eq!(reason.as_str(), label);
    }
}

#[test]
fn an_incomplete_payload_counts_a_successful_request_and_an_incomplete_failure() {
    let telemetry = Telemetry::new(Duration::from_secs(15));
    telemetry.observe_node("node-3", t0(), Duration::from_millis(20), NodeOutcome::Incomplete);
    telemetry.observe_node("node-3", t0(), Duration::from_millis(20), NodeOutcome::Incomplete);
    let text = telemetry.render().expect("render");
    let lines = lines(&text);
    for line in [
        r#"metrics_server_kubelet_request_total{success="true"} 2"#,
        r#"bellows_kubelet_scrape_failures_total{node="node-3",reason="incomplete"} 2"#,
    ] {
        assert!(lines.contains(&line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains(r#"success="false""#), "{text}");
    assert_eq!(FailureReason::Incomplete.as_str(), "incomplete");
}

#[test]
fn metrics_render_the_metrics_server_families() {
    let telemetry = Telemetry::new(Duration::from_secs(15));
    telemetry.observe_node("node-1", t0(), Duration::from_millis(200), NodeOutcome::Success);
    telemetry.observe_node(
        "node-2",
        t0(),
        Duration::from_secs(3),
        NodeOutcome::Failure(FailureReason::Timeout),
    );
    telemetry.set_points(2, 7);
    telemetry.observe_cycle(Duration::from_secs(12), 2, 3);
    telemetry.observe_freshness(Duration::from_secs(2));
    let text = telemetry.render().expect("render");
    let lines = lines(&text);
    let expected = [
        "# HELP metrics_server_kubelet_request_duration_seconds [ALPHA] Duration of requests to Kubelet API in seconds.",
        "# TYPE metrics_server_kubelet_request_duration_seconds histogram",
        r#"metrics_server_kubelet_request_duration_seconds_bucket{le="0.25",node="node-1"} 1"#,
        r#"metrics_server_kubelet_request_duration_seconds_count{node="node-1"} 1"#,
        "# HELP metrics_server_kubelet_request [ALPHA] Number of requests sent to Kubelet API.",
        "# TYPE metrics_server_kubelet_request counter",
        r#"metrics_server_kubelet_request_total{success="true"} 1"#,
        r#"metrics_server_kubelet_request_total{success="false"} 1"#,
        r#"metrics_server_kubelet_last_request_time_seconds{node="node-1"} 1796083200.0"#,
        "# TYPE metrics_server_manager_tick_duration_seconds histogram",
        r#"metrics_server_manager_tick_duration_seconds_bucket{le="10.0"} 0"#,
        r#"metrics_server_manager_tick_duration_seconds_bucket{le="12.5"} 1"#,
        "metrics_server_manager_tick_duration_seconds_sum 12.0",
        "# HELP metrics_server_storage_points [ALPHA] Number of metrics points stored.",
        r#"metrics_server_storage_points{type="node"} 2"#,
        r#"metrics_server_storage_points{type="container"} 7"#,
        r#"metrics_server_api_metric_freshness_seconds_bucket{le="2.5377165440000009"} 1"#,
        r#"bellows_kubelet_scrape_failures_total{node="node-2",reason="timeout"} 1"#,
        "bellows_scrape_cycle_nodes 2",
        "bellows_scrape_cycle_pods 3",
        "# EOF",
    ];
    for line in expected {
        assert!(lines.contains(&line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn request_metrics_count_rejected_and_served_requests() {
    let telemetry = Arc::new(Telemetry::new(Duration::from_secs(60)));
    let clock = FakeClock::new();
    let options = AuthOptions {
        anonymous: false,
        always_allow_paths: vec!["/healthz".to_owned(), "/metrics".to_owned()],
        ..AuthOptions::default()
    };
    let auth = Arc::new(DelegatedAuth::new(
        StaticTokenReviewer::default(),
        FnAccessReviewer::allow_all(),
        options,
        clock.clock(),
    ));
    let app = secure_app(echo_app().merge(metrics_router(telemetry.clone())), auth, telemetry.clone());
    let send = |path: &'static str| {
        let app = app.clone();
        async move {
            app.oneshot(Request::builder().uri(path).body(Body::empty()).expect("request")).await.expect("ok")
        }
    };
    assert_eq!(send("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").await.status().as_u16(), 401);
    assert_eq!(send("/healthz").await.status().as_u16(), 200);
    let metrics = send("/metrics").await;
    assert_eq!(metrics.headers()["content-type"], OPENMETRICS_CONTENT_TYPE);
    let body = axum::body::to_bytes(metrics.into_body(), usize::MAX).await.expect("body");
    let text = String::from_utf8_lossy(&body);
    let lines = lines(&text);
    for line in [
        r#"apiserver_request_total{verb="LIST",resource="pods",code="401"} 1"#,
        r#"apiserver_request_total{verb="GET",resource="",code="200"} 1"#,
        r#"apiserver_request_duration_seconds_count{verb="LIST",resource="pods"} 1"#,
    ] {
        assert!(lines.contains(&line), "missing {line:?} in\n{text}");
    }
}
