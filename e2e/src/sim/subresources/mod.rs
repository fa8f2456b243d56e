//! Pod subresources and verbs beyond the generic handlers: `pods/resize` (in-place resize,
//! KEP-1287), `pods/eviction` (policy/v1 Eviction respecting `PodDisruptionBudgets`) and graceful
//! `DELETE` of pods. (`pods/status` is served by the generic status handlers.)
//!
//! Each entry point has the shape of the generic handlers (`state`, request, [`Target`]) so the
//! server routes to it with a one-line match arm; failures that carry field causes are rendered
//! as full `Status` objects here, others go through [`ApiError`].

pub mod delete;
pub mod eviction;
pub mod resize;

use http::Response;
use serde_json::{Value, json};

use super::server::body::{self, Body};
use super::server::handlers::Target;
use super::server::{ApiRequest, ApiState};
use super::status::ApiError;

/// Whether `target` is the core `pods` resource.
pub fn is_pods(target: &Target<'_>) -> bool {
    target.key.group.is_empty() && target.key.resource == "pods"
}

/// Serve `pods/<name>/resize` or `pods/<name>/eviction`.
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    match target.path.subresource.as_deref() {
        Some("resize") if is_pods(target) => resize::handle(state, req, target),
        Some("eviction") if is_pods(target) => eviction::handle(state, req, target),
        _ => Err(ApiError::no_route()),
    }
}

/// The discovery entries of the pod subresources served here.
pub fn discovery_entries() -> Vec<Value> {
    vec![
        json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy",
               "version": "v1", "kind": "Eviction", "verbs": ["create"]}),
        json!({"name": "pods/resize", "singularName": "", "namespaced": true, "kind": "Pod",
               "verbs": ["get", "patch", "update"]}),
    ]
}

/// One field error of a 422 `Invalid` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// `FieldValueInvalid`, `FieldValueForbidden`, ...
    pub reason: &'static str,
    /// The field path, e.g. `spec.containers[0].resources.requests`.
    pub field: String,
    /// The detail, e.g. `Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing`.
    pub message: String,
}

/// A 422 `Invalid` Status for `kind` `name` with field causes, worded like kube-apiserver.
pub fn invalid(kind: &str, name: &str, errors: &[FieldError]) -> Value {
    let parts: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
    let summary = if parts.len() == 1 { parts[0].clone() } else { format!("[{}]", parts.join(", ")) };
    let causes: Vec<Value> =
        errors.iter().map(|e| json!({"reason": e.reason, "message": e.message, "field": e.field})).collect();
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": format!("{kind} \"{name}\" is invalid: {summary}"), "reason": "Invalid",
           "details": {"name": name, "kind": kind, "causes": causes}, "code": 422})
}

/// Respond with a Status value (its `code` is the HTTP status).
pub fn status_response(status: &Value) -> Response<Body> {
    let code = status["code"].as_u64().and_then(|c| u16::try_from(c).ok()).unwrap_or(500);
    body::json(code, status)
}

#[cfg(test)]
mod tests {
    use super::{FieldError, invalid};

    #[test]
    fn an_invalid_status_lists_its_causes() {
        let err = FieldError {
            reason: "FieldValueInvalid",
            field: "spec".into(),
            message: "Invalid value: \"Burstable\": Pod QOS Class may not change as a result of resizing"
                .into(),
        };
        let status = invalid("Pod", "web", &[err]);
        assert_eq!(
            status["message"],
            "Pod \"web\" is invalid: spec: Invalid value: \"Burstable\": Pod QOS Class may not change as a result of resizing"
        );
        assert_eq!(status["details"]["causes"][0]["field"], "spec");
        assert_eq!(status["code"], 422);
    }
}
