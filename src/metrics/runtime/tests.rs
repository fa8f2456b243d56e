//! `MetricsRuntime::start` against an API server that is not there: it must keep retrying, report
//! unsynced caches, and stop cleanly when cancelled.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::metrics::scraper::{FetchError, Payload};
use crate::metrics::target::Target;

/// A kubelet client that is never reached (no node is ever listed).
struct Unreachable;

impl KubeletClient for Unreachable {
    async fn fetch(&self, target: &Target) -> Result<Payload, FetchError> {
        Err(FetchError::Connect { node: target.node.clone(), reason: "unreachable".into() })
    }
}

fn client_for_a_closed_port() -> kube::Client {
    let config = kube::Config::new("http://127.0.0.1:9".parse().expect("a URL"));
    kube::Client::try_from(config).expect("a client builds without connecting")
}

#[tokio::test]
async fn an_unreachable_api_server_delays_sync_but_never_stops_the_runtime() {
    let cancel = CancellationToken::new();
    let handle = MetricsRuntime::start(
        client_for_a_closed_port(),
        &MetricsConfig::default(),
        Unreachable,
        Arc::new(NoopObserver),
        cancel.clone(),
    )
    .expect("starts");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let source = handle.source();
    assert_eq!(source.informers_synced(), Err("cache for node informer has not synced".to_owned()));
    assert_eq!(source.is_ready(), Err("no metrics to serve".to_owned()));
    assert_eq!(source.last_scrape_cycle(), None, "no tick before the node cache is synced");
    assert_eq!(handle.router_config().resolution, Duration::from_secs(15));
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle.join()).await.expect("tasks stop when cancelled");
}

#[tokio::test]
async fn an_invalid_config_is_refused_before_anything_starts() {
    let config = MetricsConfig { metric_resolution: Duration::from_secs(5), ..MetricsConfig::default() };
    let err = MetricsRuntime::start(
        client_for_a_closed_port(),
        &config,
        Unreachable,
        Arc::new(NoopObserver),
        CancellationToken::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid metrics configuration: --metric-resolution must be at least 10s, got 5s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_published_from_a_multi_thread_worker_reaches_readers() {
    let (writer, reader) = store_channel(Duration::from_secs(15));
    let mut cycle = crate::metrics::store::ScrapeCycle::new();
    cycle.push_failure("n1", "connection refused");
    // On a worker thread the copy runs in `block_in_place`, which is only allowed there.
    let published = tokio::spawn(async move { writer.publish_in_place(&cycle) }).await.expect("no panic");
    assert!(Arc::ptr_eq(&published, &reader.snapshot()));
    let why = reader.snapshot().why_node("n1");
    assert!(why.message.contains("connection refused"), "{}", why.message);
}
