//! `GET /why/nodes/{node}` and `GET /why/namespaces/{namespace}/pods/{pod}`: why an object is,
//! or is not, served (bellows extra; what `bellows metrics why --server` asks).
//!
//! Model: the answer is the store's [`Explanation`] (`{"object", "served", "reason", "message"}`)
//! as JSON with a trailing newline, always `200 OK` for a well-formed path, also when the object
//! is unknown (that is an answer: "never seen in a scrape"). Only GET/HEAD; other methods get the
//! same 405 Status as the metrics API. These are non-resource paths: the delegated auth layer in
//! front of the whole app authorizes them with a `SubjectAccessReview` on the path, like
//! `/metrics`; they are not in the default always-allow list, so anonymous callers get 403.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::status::ApiError;
use crate::metrics::store::Explanation;

/// Path prefix of the explanation endpoints.
pub const WHY_PREFIX: &str = "/why";

/// Where explanations come from (the store in a running bellows, a replayed store offline).
pub trait ExplainSource: Send + Sync + 'static {
    /// Why node `name` is or is not served.
    fn why_node(&self, name: &str) -> Explanation;
    /// Why pod `namespace/name` is or is not served.
    fn why_pod(&self, namespace: &str, name: &str) -> Explanation;
}

impl ExplainSource for crate::metrics::store::Store {
    fn why_node(&self, name: &str) -> Explanation {
        Self::why_node(self, name)
    }

    fn why_pod(&self, namespace: &str, name: &str) -> Explanation {
        Self::why_pod(self, namespace, name)
    }
}

/// The path of the explanation of node `name` (what the CLI requests).
pub fn node_path(name: &str) -> String {
    format!("{WHY_PREFIX}/nodes/{name}")
}

/// The path of the explanation of pod `namespace/name` (what the CLI requests).
pub fn pod_path(namespace: &str, name: &str) -> String {
    format!("{WHY_PREFIX}/namespaces/{namespace}/pods/{name}")
}

/// Routes of the explanation endpoints, to merge into the app behind the auth layer.
pub fn why_router(source: Arc<dyn ExplainSource>) -> Router {
    let not_allowed = || async { ApiError::MethodNotAllowed };
    Router::new()
        .route(&format!("{WHY_PREFIX}/nodes/{{name}}"), get(why_node).fallback(not_allowed))
        .route(
            &format!("{WHY_PREFIX}/namespaces/{{namespace}}/pods/{{name}}"),
            get(why_pod).fallback(not_allowed),
        )
        .with_state(source)
}

async fn why_node(State(source): State<Arc<dyn ExplainSource>>, Path(name): Path<String>) -> Response {
    respond(&source.why_node(&name))
}

async fn why_pod(
    State(source): State<Arc<dyn ExplainSource>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    respond(&source.why_pod(&namespace, &name))
}

fn respond(explanation: &Explanation) -> Response {
    match serde_json::to_vec(explanation) {
        Ok(mut body) => {
            body.push(b'\n');
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Err(err) => {
            tracing::error!(%err, "failed to serialise an explanation");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
