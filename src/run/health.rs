//! Plain-HTTP health probes for deployments without the metrics API, e.g. the HPA controller
//! alone (`--components=hpa`), which otherwise serves nothing a kubelet could probe.
//!
//! Off unless `--health-probe-bind-address` is given (controller-runtime's flag name), so several
//! bellows processes on one machine never fight over a port. `/healthz`, `/livez`, `/readyz` and
//! `/<probe>/<check>` answer in the generic apiserver's text format, rendered by the same code as
//! the metrics API's probes ([`crate::metrics::api::health`]). The checks:
//! - every probe: `ping`, `log` (the process answers);
//! - `/readyz` only, when the HPA controller runs: `hpa-informer-sync`, true once the HPA and pod
//!   watches have delivered their first full list (the `AutoscalingPolicy` watch is left out: a
//!   cluster without the CRD must still become ready).
//!
//! Liveness is deliberately only "the process answers": a controller that lost its API server
//! must not be restarted in a loop for it; its watches retry and the errors are logged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::metrics::api::health::{CheckResult, Probe, render_root, render_single};
use crate::metrics::api::query::parse_query;

/// Flags of the health endpoint.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HealthArgs {
    /// Serve `/healthz`, `/livez`, `/readyz` over plain HTTP on this address (e.g. `:8081` is
    /// written `0.0.0.0:8081`); off when unset. For `--components=hpa`, which has no HTTPS server.
    #[arg(long = "health-probe-bind-address", value_name = "ADDR:PORT")]
    pub health_probe_bind_address: Option<SocketAddr>,
}

/// What the probes read: readiness flags set by the roles.
#[derive(Debug, Clone, Default)]
pub struct HealthState {
    /// `Some` when the HPA controller runs: whether its watches have synced.
    pub hpa_synced: Option<Arc<AtomicBool>>,
}

/// The checks of `probe`, in output order.
pub fn checks(probe: Probe, state: &HealthState) -> Vec<CheckResult> {
    let mut checks =
        vec![CheckResult { name: "ping", result: Ok(()) }, CheckResult { name: "log", result: Ok(()) }];
    if let (Probe::Readyz, Some(synced)) = (probe, &state.hpa_synced) {
        let result = if synced.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err("the HPA and pod watches have not listed yet".to_owned())
        };
        checks.push(CheckResult { name: "hpa-informer-sync", result });
    }
    checks
}

/// The probe router (no TLS, no authentication: the answers reveal nothing but pass/fail).
pub fn router(state: HealthState) -> Router {
    Router::new()
        .route("/healthz", get(|s, q| async move { root(s, q, Probe::Healthz) }))
        .route("/livez", get(|s, q| async move { root(s, q, Probe::Livez) }))
        .route("/readyz", get(|s, q| async move { root(s, q, Probe::Readyz) }))
        .route("/{probe}/{check}", get(single))
        .with_state(state)
}

/// Serves the probes on `addr` until `cancel`.
pub async fn serve(addr: SocketAddr, state: HealthState, cancel: CancellationToken) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(address = %listener.local_addr()?, "Serving health probes over HTTP");
    axum::serve(listener, router(state)).with_graceful_shutdown(cancel.cancelled_owned()).await
}

fn text(code: StatusCode, body: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        body,
    )
        .into_response()
}

fn root(State(state): State<HealthState>, RawQuery(query): RawQuery, probe: Probe) -> Response {
    let pairs = parse_query(query.as_deref());
    let verbose = pairs.iter().any(|(k, _)| k == "verbose");
    let excluded: Vec<String> = pairs.into_iter().filter(|(k, _)| k == "exclude").map(|(_, v)| v).collect();
    let (code, body) = render_root(probe, &checks(probe, &state), verbose, &excluded);
    text(code, body)
}

async fn single(State(state): State<HealthState>, Path((probe, check)): Path<(String, String)>) -> Response {
    Probe::from_name(&probe)
        .and_then(|probe| render_single(&checks(probe, &state), &check))
        .map_or_else(|| text(StatusCode::NOT_FOUND, "404 page not found\n".to_owned()), |(c, b)| text(c, b))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    async fn get(state: &HealthState, uri: &str) -> (StatusCode, String) {
        let response =
            router(state.clone()).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let code = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (code, String::from_utf8_lossy(&body).into_owned())
    }

    fn hpa_state(synced: bool) -> HealthState {
        HealthState { hpa_synced: Some(Arc::new(AtomicBool::new(synced))) }
    }

    #[tokio::test]
    async fn readyz_fails_until_the_hpa_watches_have_listed() {
        let state = hpa_state(false);
        let (code, body) = get(&state, "/readyz").await;
        assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            "[+]ping ok\n[+]log ok\n[-]hpa-informer-sync failed: reason withheld\nreadyz check failed\n"
        );
        assert_eq!(
            get(&state, "/readyz/hpa-informer-sync").await,
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error: the HPA and pod watches have not listed yet\n".to_owned()
            )
        );
        state.hpa_synced.as_ref().unwrap().store(true, Ordering::Release);
        assert_eq!(get(&state, "/readyz").await, (StatusCode::OK, "ok".to_owned()));
        assert_eq!(
            get(&state, "/readyz?verbose").await.1,
            "[+]ping ok\n[+]log ok\n[+]hpa-informer-sync ok\nreadyz check passed\n"
        );
    }

    #[tokio::test]
    async fn liveness_only_asks_whether_the_process_answers() {
        let state = hpa_state(false);
        assert_eq!(get(&state, "/livez").await, (StatusCode::OK, "ok".to_owned()));
        assert_eq!(get(&state, "/healthz").await, (StatusCode::OK, "ok".to_owned()));
        assert_eq!(get(&state, "/livez/hpa-informer-sync").await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn an_excluded_check_passes_and_unknown_paths_are_404() {
        let state = hpa_state(false);
        let (code, body) = get(&state, "/readyz?exclude=hpa-informer-sync&verbose").await;
        assert_eq!(code, StatusCode::OK);
        assert!(body.contains("[+]hpa-informer-sync excluded: ok\n"), "{body}");
        assert_eq!(get(&state, "/metrics").await.0, StatusCode::NOT_FOUND);
        assert_eq!(get(&state, "/nope/ping").await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn without_the_hpa_controller_readiness_is_the_process_answering() {
        assert_eq!(get(&HealthState::default(), "/readyz").await, (StatusCode::OK, "ok".to_owned()));
    }
}
