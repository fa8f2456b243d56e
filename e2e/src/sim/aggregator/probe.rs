//! The `APIService` availability controller: every [`INTERVAL`] each `APIService` gets an
//! `Available` condition. Local ones (no `spec.service`) are always available (`Local`);
//! Service-backed ones are probed with `GET /apis/<group>/<version>` as `system:kube-aggregator`
//! (group `system:masters`) through the proxy: a 2xx answer within [`PROBE_TIMEOUT`] is
//! `Passed`, otherwise `ServiceNotFound`/`ServicePortError`/`MissingEndpoints` from endpoint
//! resolution or `FailedDiscoveryCheck`. The condition (and its `lastTransitionTime`) is only
//! written when its status, reason or message changes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::Empty;
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::proxy::{self, ProxyError};
use super::{Backend, api_services};
use crate::sim::auth::UserInfo;
use crate::sim::cluster::Cluster;
use crate::sim::store::{ResourceKey, UpdateScope, format_time};

/// How often `APIServices` are probed.
pub const INTERVAL: Duration = Duration::from_millis(500);
/// How long one probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one probe: (status, reason, message).
pub type Outcome = (bool, &'static str, String);

/// Probe one `APIService`.
pub async fn check(cluster: &Cluster, api_service: &Value) -> Outcome {
    if !api_service["spec"]["service"].is_object() {
        return (true, "Local", "Local APIServices are always available".to_owned());
    }
    let Some(backend) = Backend::from_api_service(api_service) else {
        return (false, "ServiceNotFound", "the APIService names no service".to_owned());
    };
    let path = format!("/apis/{}/{}", backend.group, backend.version);
    let url = format!("https://{}:{}{path}", backend.server_name(), backend.port);
    let aggregator = UserInfo::new("system:kube-aggregator", &["system:masters"]);
    let host = format!("{}:{}", backend.server_name(), backend.port);
    let mut builder = Request::builder().uri(&path);
    if let Some(h) = builder.headers_mut() {
        *h = proxy::backend_headers(&http::HeaderMap::new(), &aggregator, &host);
    }
    let Ok(request) = builder.body(Empty::<Bytes>::new()) else {
        return (false, "FailedDiscoveryCheck", format!("invalid probe path {path}"));
    };
    let failed = |why: String| {
        (false, "FailedDiscoveryCheck", format!("failing or missing response from {url}: {why}"))
    };
    match tokio::time::timeout(PROBE_TIMEOUT, proxy::send(cluster, &backend, request)).await {
        Err(_) => failed(format!("timed out after {PROBE_TIMEOUT:?}")),
        Ok(Err(ProxyError::Resolve(e))) => (false, e.reason(), e.to_string()),
        Ok(Err(e)) => failed(e.to_string()),
        Ok(Ok(response)) if response.status().is_success() => {
            (true, "Passed", "all checks passed".to_owned())
        }
        Ok(Ok(response)) => failed(format!("bad status from {url}: {}", response.status().as_u16())),
    }
}

/// Write the `Available` condition of `api_service` if it changed.
pub fn record(cluster: &Cluster, api_service: &Value, outcome: &Outcome, now: Timestamp) {
    let (available, reason, message) = outcome;
    let status = if *available { "True" } else { "False" };
    let current = api_service["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Available");
    if let Some(c) = current
        && c["status"] == status
        && c["reason"] == *reason
        && c["message"] == message.as_str()
    {
        return;
    }
    let transition = match current {
        Some(c) if c["status"] == status => c["lastTransitionTime"].clone(),
        _ => json!(format_time(now)),
    };
    let mut updated = api_service.clone();
    updated["status"] = json!({"conditions": [{"type": "Available", "status": status,
        "lastTransitionTime": transition, "reason": reason, "message": message}]});
    let key = ResourceKey::new("apiregistration.k8s.io", "apiservices");
    // A conflict means someone else wrote meanwhile; the next round retries.
    let _ = cluster.update(&key, updated, UpdateScope::Status, false);
}

/// Probe every `APIService` once.
pub async fn probe_all(cluster: &Cluster) {
    for api_service in api_services(cluster) {
        let outcome = check(cluster, &api_service).await;
        record(cluster, &api_service, &outcome, Timestamp::now());
    }
}

/// Probe every [`INTERVAL`] until `shutdown` becomes true.
pub async fn run(cluster: Arc<Cluster>, mut shutdown: watch::Receiver<bool>) {
    loop {
        probe_all(&cluster).await;
        tokio::select! {
            () = tokio::time::sleep(INTERVAL) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
