//! The axum router serving `metrics.k8s.io/v1beta1`, discovery and health probes.
//!
//! Handlers are thin: parse query and `Accept`, ask the [`MetricsSource`], build the typed objects
//! with `now` as `creationTimestamp`, render JSON (with Go's trailing newline) or a Table. GET (and
//! HEAD) only; other methods on API paths get a 405 Status, unknown paths the apiserver's plain
//! `404 page not found`. No authentication here: the auth layer wraps this router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Serialize;

use super::discovery;
use super::health::{self, Probe};
use super::negotiate::{Representation, negotiate};
use super::query::{first, parse_go_bool, parse_query};
use super::source::{Lookup, MetricsSource};
use super::status::ApiError;
use super::table::{IncludeObject, Table, TableVersion, node_table, pod_table};
use super::types::{NodeMetrics, NodeMetricsList, PodMetrics, PodMetricsList};
use crate::selectors::{FieldSelector, LabelSelector};

/// Clock handed to the router (the only source of `now`).
pub type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// Router settings that come from the command line.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// `--metric-resolution`; liveness fails after 1.5 × this without a new scrape cycle.
    pub resolution: Duration,
    /// `--node-selector`, `ANDed` into node **list** requests (not node get).
    pub node_selector: LabelSelector,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self { resolution: Duration::from_mins(1), node_selector: LabelSelector::default() }
    }
}

#[derive(Clone)]
struct AppState {
    source: Arc<dyn MetricsSource>,
    now: Clock,
    config: Arc<RouterConfig>,
}

const API: &str = "/apis/metrics.k8s.io/v1beta1";

/// Builds the router serving the metrics API, discovery and `/healthz` `/livez` `/readyz`.
pub fn router(source: Arc<dyn MetricsSource>, now: Clock, config: RouterConfig) -> Router {
    let state = AppState { source, now, config: Arc::new(config) };
    Router::new()
        .route("/apis", api_get(get(|| async { discovery_response(discovery::API_GROUP_LIST) })))
        .route("/apis/metrics.k8s.io", api_get(get(|| async { discovery_response(discovery::API_GROUP) })))
        .route(API, api_get(get(|| async { discovery_response(discovery::API_RESOURCE_LIST) })))
        .route(&format!("{API}/nodes"), api_get(get(list_nodes)))
        .route(&format!("{API}/nodes/{{name}}"), api_get(get(get_node)))
        .route(&format!("{API}/pods"), api_get(get(list_all_pods)))
        .route(&format!("{API}/namespaces/{{namespace}}/pods"), api_get(get(list_namespaced_pods)))
        .route(&format!("{API}/namespaces/{{namespace}}/pods/{{name}}"), api_get(get(get_pod)))
        .route("/healthz", get(probe_healthz))
        .route("/livez", get(probe_livez))
        .route("/readyz", get(probe_readyz))
        .route("/{probe}/{check}", get(probe_single))
        .fallback(not_found)
        .with_state(state)
}

fn api_get<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>) -> MethodRouter<S> {
    route.fallback(|| async { ApiError::MethodNotAllowed })
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 page not found\n")
        .into_response()
}

fn discovery_response(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], format!("{body}\n")).into_response()
}

/// Query parameters of get/list requests (`limit`, `continue`, `resourceVersion*` are accepted
/// and ignored, as upstream; `watch` only matters on collections, gets ignore it like the
/// apiserver's get handler).
struct Params {
    label: LabelSelector,
    field: FieldSelector,
    include: IncludeObject,
    representation: Representation,
}

fn params(headers: &HeaderMap, raw: Option<&str>, list_of: Option<&'static str>) -> Result<Params, ApiError> {
    let pairs = parse_query(raw);
    if let (Some(resource), Some(watch)) = (list_of, first(&pairs, "watch")) {
        let watch = parse_go_bool(watch).ok_or_else(|| {
            ApiError::BadRequest(format!("strconv.ParseBool: parsing {watch:?}: invalid syntax"))
        })?;
        if watch {
            return Err(ApiError::WatchNotSupported { resource });
        }
    }
    let bad = |e: crate::selectors::SelectorError| ApiError::BadRequest(e.to_string());
    let label = LabelSelector::parse(first(&pairs, "labelSelector").unwrap_or("")).map_err(bad)?;
    let field = FieldSelector::parse(first(&pairs, "fieldSelector").unwrap_or("")).map_err(bad)?;
    let include = first(&pairs, "includeObject").map_or(Some(IncludeObject::default()), IncludeObject::parse);
    let include = include.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "includeObject: unsupported value {:?}",
            first(&pairs, "includeObject").unwrap_or("")
        ))
    })?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let representation = negotiate(accept).ok_or(ApiError::NotAcceptable)?;
    Ok(Params { label, field, include, representation })
}

fn json_response<T: Serialize>(content_type: &'static str, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(mut body) => {
            body.push(b'\n');
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Err(err) => {
            tracing::error!(%err, "failed to serialise response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn respond<T: Serialize>(
    p: &Params,
    object: &T,
    table: impl FnOnce(TableVersion, IncludeObject) -> Table,
) -> Response {
    match p.representation {
        Representation::Json => json_response(p.representation.content_type(), object),
        Representation::Table(version) => {
            json_response(p.representation.content_type(), &table(version, p.include))
        }
    }
}

async fn list_nodes(State(s): State<AppState>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = match params(&headers, q.as_deref(), Some("nodes")) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let selector = p.label.clone().and(&s.config.node_selector);
    let now = (s.now)();
    let items = s
        .source
        .nodes()
        .iter()
        .filter(|n| selector.matches(&n.labels) && p.field.matches(&n.name, None))
        .map(|n| NodeMetrics::from_sample(n, now))
        .collect();
    let list = NodeMetricsList::new(items);
    respond(&p, &list, |v, include| node_table(&list.items, v, include))
}

async fn get_node(
    State(s): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = match params(&headers, q.as_deref(), None) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match s.source.node(&name) {
        Lookup::Found(sample) => {
            let node = NodeMetrics::from_sample(&sample, (s.now)());
            respond(&p, &node, |v, include| node_table(std::slice::from_ref(&node), v, include))
        }
        Lookup::NoMetrics => ApiError::NodeMetricsNotFound(name).into_response(),
        Lookup::UnknownObject => ApiError::NodeNotFound(name).into_response(),
    }
}

fn list_pods(s: &AppState, headers: &HeaderMap, q: Option<&str>, namespace: Option<&str>) -> Response {
    let p = match params(headers, q, Some("pods")) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let now = (s.now)();
    let items = s
        .source
        .pods(namespace)
        .iter()
        .filter(|pod| p.label.matches(&pod.labels) && p.field.matches(&pod.name, Some(&pod.namespace)))
        .map(|pod| PodMetrics::from_sample(pod, now))
        .collect();
    let list = PodMetricsList::new(items);
    respond(&p, &list, |v, include| pod_table(&list.items, v, include))
}

async fn list_all_pods(State(s): State<AppState>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    list_pods(&s, &headers, q.as_deref(), None)
}

async fn list_namespaced_pods(
    State(s): State<AppState>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list_pods(&s, &headers, q.as_deref(), Some(&namespace))
}

async fn get_pod(
    State(s): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = match params(&headers, q.as_deref(), None) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match s.source.pod(&namespace, &name) {
        Lookup::Found(sample) => {
            let pod = PodMetrics::from_sample(&sample, (s.now)());
            respond(&p, &pod, |v, include| pod_table(std::slice::from_ref(&pod), v, include))
        }
        Lookup::NoMetrics => ApiError::PodMetricsNotFound { namespace, name }.into_response(),
        Lookup::UnknownObject => ApiError::PodNotFound(name).into_response(),
    }
}

fn text(code: StatusCode, body: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        body,
    )
        .into_response()
}

fn probe_root(s: &AppState, probe: Probe, q: Option<&str>) -> Response {
    let pairs = parse_query(q);
    let verbose = pairs.iter().any(|(k, _)| k == "verbose");
    let excluded: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "exclude").map(|(_, v)| v.clone()).collect();
    let checks = health::run_checks(probe, s.source.as_ref(), (s.now)(), s.config.resolution);
    let (code, body) = health::render_root(probe, &checks, verbose, &excluded);
    text(code, body)
}

async fn probe_healthz(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    probe_root(&s, Probe::Healthz, q.as_deref())
}

async fn probe_livez(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    probe_root(&s, Probe::Livez, q.as_deref())
}

async fn probe_readyz(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    probe_root(&s, Probe::Readyz, q.as_deref())
}

async fn probe_single(State(s): State<AppState>, Path((probe, check)): Path<(String, String)>) -> Response {
    let Some(probe) = Probe::from_name(&probe) else {
        return not_found().await;
    };
    let checks = health::run_checks(probe, s.source.as_ref(), (s.now)(), s.config.resolution);
    match health::render_single(&checks, &check) {
        Some((code, body)) => text(code, body),
        None => not_found().await,
    }
}
