//! API errors as Kubernetes `Status` objects (`kind: Status, apiVersion: v1, status: Failure`).
//!
//! Every failure the HTTP layer returns goes through [`ApiError`], which carries the HTTP code,
//! the machine-readable `reason` and the upstream-worded `message`, plus the `details` kube-apiserver
//! fills in (name, group, kind as the plural resource).

use serde_json::{Value, json};

use super::patch::PatchError;
use super::selector::SelectorError;
use super::store::{ResourceKey, StoreError};

/// An API failure, rendered as a `Status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// `Status.reason`, e.g. `NotFound`.
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// Object name for `details.name`, if any.
    pub name: Option<String>,
    /// Resource for `details.group` / `details.kind`, if any.
    pub resource: Option<Box<ResourceKey>>,
    /// Complete `details` (with `causes`), replacing the ones built from `name`/`resource`.
    pub details: Option<Box<Value>>,
}

impl ApiError {
    /// An error without details.
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self { code, reason, message: message.into(), name: None, resource: None, details: None }
    }

    /// Builder: the object the error is about.
    #[must_use]
    pub fn about(mut self, resource: &ResourceKey, name: &str) -> Self {
        self.resource = Some(Box::new(resource.clone()));
        self.name = Some(name.to_owned()).filter(|n| !n.is_empty());
        self
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 404 `NotFound` for a URL that names no resource.
    pub fn no_route() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource")
    }

    /// 405 `MethodNotAllowed`.
    pub fn method_not_allowed(verb: &str, resource: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({verb} {resource})"),
        )
    }

    /// 401 `Unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 422 `Invalid`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message)
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut details = serde_json::Map::new();
        if let Some(name) = &self.name {
            details.insert("name".into(), json!(name));
        }
        if let Some(res) = &self.resource {
            if !res.group.is_empty() {
                details.insert("group".into(), json!(res.group));
            }
            details.insert("kind".into(), json!(res.resource));
        }
        let mut status = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = Value::clone(d);
        } else if !details.is_empty() {
            status["details"] = Value::Object(details);
        }
        status
    }

    /// A store failure about `name` of `resource`.
    pub fn from_store(err: &StoreError, resource: &ResourceKey, name: &str) -> Self {
        let (code, reason) = match err {
            StoreError::AlreadyExists { .. } => (409, "AlreadyExists"),
            StoreError::NotFound { .. } => (404, "NotFound"),
            StoreError::Conflict { .. } => (409, "Conflict"),
            StoreError::MissingName { .. } => (422, "Invalid"),
            StoreError::NotAnObject { .. } => (400, "BadRequest"),
            StoreError::Expired { .. } => (410, "Expired"),
        };
        Self::new(code, reason, err.to_string()).about(resource, name)
    }
}

impl From<PatchError> for ApiError {
    fn from(err: PatchError) -> Self {
        let (code, reason) = match err {
            PatchError::UnsupportedMediaType(_) => (415, "UnsupportedMediaType"),
            PatchError::Malformed(_) | PatchError::NotAnObject => (400, "BadRequest"),
            PatchError::JsonPatchFailed(_) => (422, "Invalid"),
        };
        Self::new(code, reason, err.to_string())
    }
}

impl From<SelectorError> for ApiError {
    fn from(err: SelectorError) -> Self {
        Self::bad_request(err.to_string())
    }
}

/// A `Status` with `status: Success` (what deletes of most resources return).
pub fn success(resource: &ResourceKey, name: &str, uid: &Value) -> Value {
    let mut details = json!({"name": name, "kind": resource.resource, "uid": uid});
    if !resource.group.is_empty() {
        details["group"] = json!(resource.group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ApiError;
    use crate::sim::store::{ResourceKey, StoreError};

    #[test]
    fn not_found_renders_as_an_upstream_status() {
        let res = ResourceKey::new("apps", "deployments");
        let err = StoreError::NotFound { resource: res.qualified(), name: "web".into() };
        let status = ApiError::from_store(&err, &res, "web").to_status();
        assert_eq!(
            status,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "deployments.apps \"web\" not found", "reason": "NotFound",
                   "details": {"name": "web", "group": "apps", "kind": "deployments"}, "code": 404})
        );
    }
}
