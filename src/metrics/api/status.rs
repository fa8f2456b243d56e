//! API errors and their `meta/v1` `Status` bodies, worded exactly like the generic apiserver.
//!
//! Every failure the router can produce is one [`ApiError`] variant; [`ApiError::status`] renders
//! the Status object (`kind`, `apiVersion`, `metadata`, `status`, `message`, `reason`, `details`,
//! `code`, Go field order, empty fields omitted) and [`ApiError::code`] the HTTP code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::types::GROUP;

/// Failures of a metrics API request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Node unknown to the node watch.
    #[error("node \"{0}\" not found")]
    NodeNotFound(String),
    /// Node known but without servable metrics.
    #[error("nodemetrics.metrics.k8s.io \"{0}\" not found")]
    NodeMetricsNotFound(String),
    /// Pod not running / unknown to the pod watch (`name` only, like the upstream lister).
    #[error("pods \"{0}\" not found")]
    PodNotFound(String),
    /// Pod running but without servable metrics (`namespace/name`).
    #[error("podmetrics.metrics.k8s.io \"{namespace}/{name}\" not found")]
    PodMetricsNotFound {
        /// Pod namespace.
        namespace: String,
        /// Pod name.
        name: String,
    },
    /// Unparsable or unsupported query parameter (label/field selector, watch flag...).
    #[error("{0}")]
    BadRequest(String),
    /// `watch` requested on a resource (`resource` is `nodes` or `pods`).
    #[error("watch is not supported on resources of kind \"{resource}.metrics.k8s.io\"")]
    WatchNotSupported {
        /// Plural resource name.
        resource: &'static str,
    },
    /// HTTP method other than GET/HEAD on an API path.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// No acceptable representation for the `Accept` header.
    #[error("only the following media types are accepted: application/json")]
    NotAcceptable,
}

/// `StatusDetails` (Go field order: name, group, kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusDetails {
    /// Object name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// API group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Kind (upstream puts the resource name here).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

/// `meta/v1` `Status` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Always `Status`.
    pub kind: &'static str,
    /// Always `v1`.
    pub api_version: &'static str,
    /// Always `{}`.
    pub metadata: super::types::ListMeta,
    /// Always `Failure`.
    pub status: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Machine-readable reason (`NotFound`, `BadRequest`, ...).
    pub reason: &'static str,
    /// Details, omitted when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// HTTP status code.
    pub code: u16,
}

fn details(name: &str, group: &str, kind: &str) -> StatusDetails {
    StatusDetails { name: name.to_owned(), group: group.to_owned(), kind: kind.to_owned() }
}

impl ApiError {
    /// HTTP status code of this error.
    pub fn code(&self) -> StatusCode {
        match self {
            Self::NodeNotFound(_)
            | Self::NodeMetricsNotFound(_)
            | Self::PodNotFound(_)
            | Self::PodMetricsNotFound { .. } => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::WatchNotSupported { .. } | Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        }
    }

    /// The `Status` body upstream returns for this error.
    pub fn status(&self) -> Status {
        let (reason, details) = match self {
            Self::NodeNotFound(name) => ("NotFound", Some(details(name, "", "node"))),
            Self::NodeMetricsNotFound(name) => ("NotFound", Some(details(name, GROUP, "nodemetrics"))),
            Self::PodNotFound(name) => ("NotFound", Some(details(name, "", "pods"))),
            Self::PodMetricsNotFound { namespace, name } => {
                ("NotFound", Some(details(&format!("{namespace}/{name}"), GROUP, "podmetrics")))
            }
            Self::BadRequest(_) => ("BadRequest", None),
            Self::WatchNotSupported { resource } => ("MethodNotAllowed", Some(details("", GROUP, resource))),
            Self::MethodNotAllowed => ("MethodNotAllowed", None),
            Self::NotAcceptable => ("NotAcceptable", None),
        };
        Status {
            kind: "Status",
            api_version: "v1",
            metadata: super::types::ListMeta {},
            status: "Failure",
            message: self.to_string(),
            reason,
            details,
            code: self.code().as_u16(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Go's JSON encoder terminates every body with a newline.
        let mut body = serde_json::to_vec(&self.status()).unwrap_or_default();
        body.push(b'\n');
        (self.code(), [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}
