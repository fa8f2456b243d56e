//! Graceful `DELETE` of a pod: `gracePeriodSeconds` from the query or the `DeleteOptions` body,
//! `dryRun` from either, then [`crate::sim::controllers::deletion::delete_pod`]. The answer is
//! the pod (with `deletionTimestamp` while it terminates), as kube-apiserver answers for pods.

use http::Response;
use jiff::Timestamp;
use serde_json::Value;

use crate::sim::controllers::deletion;
use crate::sim::server::body::{self, Body};
use crate::sim::server::handlers::Target;
use crate::sim::server::{ApiRequest, ApiState};
use crate::sim::status::ApiError;

/// `DeleteOptions` that matter for pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteOptions {
    /// `gracePeriodSeconds`.
    pub grace: Option<i64>,
    /// `dryRun: [All]`.
    pub dry_run: bool,
}

/// Read `DeleteOptions` from the query and an optional JSON body.
pub fn options(req: &ApiRequest, body: &Value) -> Result<DeleteOptions, ApiError> {
    let grace = match req.query.non_empty("gracePeriodSeconds") {
        Some(g) => Some(g.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!("gracePeriodSeconds: invalid value {g:?}: must be an integer"))
        })?),
        None => body["gracePeriodSeconds"].as_i64(),
    };
    let dry_run =
        req.query.non_empty("dryRun").is_some() || body["dryRun"].as_array().is_some_and(|d| !d.is_empty());
    Ok(DeleteOptions { grace, dry_run })
}

/// `DELETE /api/v1/namespaces/<ns>/pods/<name>`.
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let body: Value = if req.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&req.body).map_err(|e| {
            ApiError::bad_request(format!("the body of the request was in an unknown format: {e}"))
        })?
    };
    let opts = options(req, &body)?;
    let pod = deletion::delete_pod(
        &state.cluster,
        target.namespace(),
        target.name(),
        opts.grace,
        opts.dry_run,
        Timestamp::now(),
    )?;
    Ok(body::json(200, &target.present(pod)))
}
