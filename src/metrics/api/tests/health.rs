//! `/healthz`, `/livez`, `/readyz` in the generic apiserver text format.

use std::time::Duration;

use super::fixtures::{NOW, app, get, ts};
use crate::metrics::api::StaticSource;
use crate::metrics::api::health::collection_timely;

fn not_ready() -> StaticSource {
    StaticSource { not_ready: Some("no metrics to serve".to_owned()), ..StaticSource::default() }
}

fn last_cycle_at(at: &str) -> StaticSource {
    StaticSource { last_cycle: Some(ts(at)), ..StaticSource::default() }
}

#[tokio::test]
async fn healthy_probes_answer_ok() {
    for path in ["/healthz", "/livez", "/readyz"] {
        let reply = get(app(StaticSource::default()), path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.content_type, "text/plain; charset=utf-8");
        assert_eq!(reply.body, "ok", "{path}");
    }
}

#[tokio::test]
async fn verbose_readyz_lists_every_check() {
    let reply = get(app(StaticSource::default()), "/readyz?verbose").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        "[+]ping ok\n[+]log ok\n[+]metric-storage-ready ok\n[+]metric-informer-sync ok\nreadyz check passed\n"
    );
}

#[tokio::test]
async fn readyz_fails_verbosely_without_metrics_to_serve() {
    let reply = get(app(not_ready()), "/readyz").await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.body,
        "[+]ping ok\n[+]log ok\n[-]metric-storage-ready failed: reason withheld\n[+]metric-informer-sync ok\nreadyz check failed\n"
    );
}

#[tokio::test]
async fn single_check_path_shows_the_reason() {
    let failing = get(app(not_ready()), "/readyz/metric-storage-ready").await;
    assert_eq!(failing.status, 500);
    assert_eq!(failing.body, "internal server error: no metrics to serve\n");
    let passing = get(app(not_ready()), "/readyz/ping").await;
    assert_eq!((passing.status.as_u16(), passing.body.as_str()), (200, "ok"));
    let unknown = get(app(not_ready()), "/readyz/no-such-check").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn excluded_checks_are_reported_and_unknown_exclusions_warned() {
    let reply = get(app(not_ready()), "/readyz?verbose&exclude=metric-storage-ready&exclude=bogus").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        concat!(
            "[+]ping ok\n[+]log ok\n[+]metric-storage-ready excluded: ok\n[+]metric-informer-sync ok\n",
            "warn: some health checks cannot be excluded: no matches for \"bogus\"\nreadyz check passed\n"
        )
    );
}

#[tokio::test]
async fn unsynced_informers_fail_readiness() {
    let source = StaticSource {
        unsynced: Some("cache for node informer has not synced".to_owned()),
        ..StaticSource::default()
    };
    let reply = get(app(source), "/readyz/metric-informer-sync").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "internal server error: cache for node informer has not synced\n");
}

#[tokio::test]
async fn livez_fails_when_the_scrape_loop_stalls() {
    // Resolution 15 s: the limit is 22.5 s since the last cycle started (NOW = 18:48:43).
    let fresh = get(app(last_cycle_at("2022-01-27T18:48:21Z")), "/livez?verbose").await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.body, "[+]ping ok\n[+]log ok\n[+]metric-collection-timely ok\nlivez check passed\n");
    let stale = get(app(last_cycle_at("2022-01-27T18:48:20Z")), "/livez").await;
    assert_eq!(stale.status, 500);
    assert_eq!(
        stale.body,
        "[+]ping ok\n[+]log ok\n[-]metric-collection-timely failed: reason withheld\nlivez check failed\n"
    );
    let healthz = get(app(last_cycle_at("2022-01-27T18:48:20Z")), "/healthz?verbose").await;
    assert_eq!(healthz.body, "[+]ping ok\n[+]log ok\nhealthz check passed\n");
}

#[test]
fn collection_is_timely_up_to_one_and_a_half_resolutions() {
    let resolution = Duration::from_mins(1);
    let now = ts(NOW);
    let cases: &[(Option<&str>, bool)] = &[
        (None, true),
        (Some("2022-01-27T18:48:43Z"), true),
        (Some("2022-01-27T18:47:13Z"), true),
        (Some("2022-01-27T18:47:12Z"), false),
        // A cycle "in the future" (clock skew) is not a stall.
        (Some("2022-01-27T18:50:00Z"), true),
    ];
    for (last, timely) in cases {
        let result = collection_timely(last.map(ts), now, resolution);
        assert_eq!(result.is_ok(), *timely, "{last:?}");
    }
    assert_eq!(
        collection_timely(Some(ts("2022-01-27T18:00:00Z")), now, resolution),
        Err("metric collection didn't finish on time".to_owned())
    );
}
