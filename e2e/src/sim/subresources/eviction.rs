//! `POST pods/<name>/eviction` (policy/v1 or v1beta1 `Eviction`), after kube-apiserver's
//! eviction REST: a terminating pod is a no-op success; a pod that is not running (Pending,
//! Succeeded, Failed) is deleted without checking budgets; otherwise the `PodDisruptionBudgets`
//! selecting the pod decide: none → delete; more than one → 500; one → its budget is computed
//! from the current pods ([`pdb::compute`]) and the eviction is refused with 429
//! `TooManyRequests` ("Cannot evict pod as it would violate the pod's disruption budget.") when
//! no disruption is allowed, unless the pod is itself unready and the budget is met
//! (`unhealthyPodEvictionPolicy: IfHealthyBudget`). Deletion is graceful (`DeleteOptions` in the
//! Eviction honoured) and the answer is 201 with a `Success` Status.
//!
//! Approximation: budgets are computed at request time instead of being decremented in the PDB's
//! status, so two evictions racing each other may both pass.

use http::{Method, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::delete::options;
use super::status_response;
use crate::sim::controllers::pdb::{self, scale_lookup};
use crate::sim::controllers::pods::{is_ready, is_terminating};
use crate::sim::controllers::{deletion, keys};
use crate::sim::server::body::{self, Body};
use crate::sim::server::handlers::Target;
use crate::sim::server::{ApiRequest, ApiState};
use crate::sim::status::ApiError;

/// The message of a refused eviction.
pub const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
}

/// Serve the eviction subresource.
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    if req.method != Method::POST {
        return Err(ApiError::method_not_allowed(req.method.as_str(), "pods/eviction"));
    }
    let eviction: Value = serde_json::from_slice(&req.body).map_err(|e| {
        ApiError::bad_request(format!("the body of the request was in an unknown format: {e}"))
    })?;
    let body_name = eviction["metadata"]["name"].as_str().unwrap_or_default();
    if !body_name.is_empty() && body_name != target.name() {
        return Err(ApiError::bad_request("name in URL does not match name in Eviction object"));
    }
    let opts = options(req, &eviction["deleteOptions"])?;
    let (ns, name) = (target.namespace(), target.name());
    let cluster = &state.cluster;
    let pod = cluster.get(&keys::pods(), ns, name).ok_or_else(|| {
        ApiError::new(404, "NotFound", format!("pods \"{name}\" not found")).about(&keys::pods(), name)
    })?;
    if is_terminating(&pod) {
        return Ok(body::json(201, &success()));
    }
    let evict = || -> Result<Response<Body>, ApiError> {
        deletion::delete_pod(cluster, ns, name, opts.grace, opts.dry_run, Timestamp::now())?;
        Ok(body::json(201, &success()))
    };
    if pod["status"]["phase"] != "Running" {
        return evict();
    }
    let (pdbs, _) = cluster.list(&keys::pdbs(), Some(ns));
    let matching: Vec<&Value> = pdbs.iter().filter(|b| pdb::selects(b, &pod)).collect();
    let budget_obj = match matching.as_slice() {
        [] => return evict(),
        [one] => *one,
        _ => {
            return Err(ApiError::new(
                500,
                "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ));
        }
    };
    let (pods, _) = cluster.list(&keys::pods(), Some(ns));
    let refs: Vec<&Value> = pods.iter().collect();
    let get = |key: &crate::sim::store::ResourceKey, ns: &str, name: &str| cluster.get(key, ns, name);
    let budget = pdb::compute(budget_obj, &refs, &scale_lookup(ns, &get));
    let unhealthy_allowed = !is_ready(&pod) && budget.current_healthy >= budget.desired_healthy;
    if unhealthy_allowed || budget.disruptions_allowed > 0 {
        return evict();
    }
    let pdb_name = budget_obj["metadata"]["name"].as_str().unwrap_or_default();
    let cause = format!(
        "The disruption budget {pdb_name} needs {} healthy pods and has {} currently",
        budget.desired_healthy, budget.current_healthy
    );
    Ok(status_response(&json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": VIOLATION,
        "reason": "TooManyRequests", "details": {"causes": [{"reason": "DisruptionBudget", "message": cause}]},
        "code": 429})))
}
