//! Builders for samples, a fixed clock and a `oneshot` request helper.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::metrics::api::{ContainerSample, NodeSample, PodSample, RouterConfig, StaticSource, router};

/// The request time every router test runs at.
pub const NOW: &str = "2022-01-27T18:48:43Z";

pub fn ts(text: &str) -> jiff::Timestamp {
    text.parse().expect("valid timestamp literal")
}

/// Node sample builder with a 30 s window ending 10 s before [`NOW`].
pub struct NodeBuilder(NodeSample);

pub fn node(name: &str) -> NodeBuilder {
    NodeBuilder(NodeSample {
        name: name.to_owned(),
        labels: BTreeMap::new(),
        timestamp: ts("2022-01-27T18:48:33Z"),
        window: Duration::from_secs(30),
        cpu_nanocores: 487_558_164,
        memory_bytes: 732_212 * 1024,
    })
}

impl NodeBuilder {
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.0.labels.insert(key.to_owned(), value.to_owned());
        self
    }
    pub fn usage(mut self, cpu_nanocores: u64, memory_bytes: u64) -> Self {
        self.0.cpu_nanocores = cpu_nanocores;
        self.0.memory_bytes = memory_bytes;
        self
    }
    pub fn window(mut self, window: Duration) -> Self {
        self.0.window = window;
        self
    }
    pub fn build(self) -> NodeSample {
        self.0
    }
}

/// Pod sample builder; containers are added with [`PodBuilder::container`].
pub struct PodBuilder(PodSample);

pub fn pod(namespace: &str, name: &str) -> PodBuilder {
    PodBuilder(PodSample {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        labels: BTreeMap::new(),
        timestamp: Some(ts("2022-01-27T19:24:31Z")),
        window: Duration::from_secs(30),
        containers: Vec::new(),
    })
}

impl PodBuilder {
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.0.labels.insert(key.to_owned(), value.to_owned());
        self
    }
    pub fn container(mut self, name: &str, cpu_nanocores: u64, memory_bytes: u64) -> Self {
        self.0.containers.push(ContainerSample { name: name.to_owned(), cpu_nanocores, memory_bytes });
        self
    }
    pub fn window(mut self, window: Duration) -> Self {
        self.0.window = window;
        self
    }
    pub fn no_timestamp(mut self) -> Self {
        self.0.timestamp = None;
        self.0.window = Duration::ZERO;
        self
    }
    pub fn build(self) -> PodSample {
        self.0
    }
}

pub fn nodes_source(nodes: Vec<NodeSample>) -> StaticSource {
    StaticSource { nodes, ..StaticSource::default() }
}

pub fn pods_source(pods: Vec<PodSample>) -> StaticSource {
    StaticSource { pods, ..StaticSource::default() }
}

/// Router over `source` at [`NOW`] with a 15 s resolution.
pub fn app(source: StaticSource) -> Router {
    app_with(source, RouterConfig { resolution: Duration::from_secs(15), ..RouterConfig::default() })
}

pub fn app_with(source: StaticSource, config: RouterConfig) -> Router {
    let now = ts(NOW);
    router(Arc::new(source), Arc::new(move || now), config)
}

/// What a request got back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

pub async fn send(app: Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response =
        app.oneshot(request.body(Body::empty()).expect("valid request")).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, content_type, body: String::from_utf8(bytes.to_vec()).expect("utf-8 body") }
}

pub async fn get(app: Router, uri: &str) -> Reply {
    send(app, "GET", uri, &[]).await
}

pub async fn get_accept(app: Router, uri: &str, accept: &str) -> Reply {
    send(app, "GET", uri, &[("accept", accept)]).await
}

/// Names of the items of a JSON list body, in order.
pub fn item_names(body: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(body).expect("json body");
    value["items"]
        .as_array()
        .expect("items array")
        .iter()
        .map(|item| item["metadata"]["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Router over `source` with the clock fixed at `now`.
pub fn app_at(source: StaticSource, now: &str) -> Router {
    let now = ts(now);
    router(
        Arc::new(source),
        Arc::new(move || now),
        RouterConfig { resolution: Duration::from_secs(15), ..RouterConfig::default() },
    )
}
