//! The `scale` subresource (`autoscaling/v1` `Scale`) for resources whose table entry has a
//! [`ScaleSpec`]: apps/v1 workloads and CRDs declaring it.
//!
//! `spec.replicas` maps to the resource's `specReplicasPath`, `status.replicas` to its
//! `statusReplicasPath`, and `status.selector` is the selector at `labelSelectorPath` as a string
//! (a `LabelSelector` object is rendered in selector syntax). Writes change only the replicas of
//! the main object; a resourceVersion in the written Scale must match the object's.

use http::{Method, Response};
use serde_json::{Value, json};

use super::body::{self, Body};
use super::handlers::Target;
use super::{ApiRequest, ApiState};
use crate::sim::patch::{self, PatchType};
use crate::sim::resources::ScaleSpec;
use crate::sim::selector::label_selector_string;
use crate::sim::status::ApiError;
use crate::sim::store::UpdateScope;
use crate::sim::table::json_path;

/// Set the value at a simple dotted path (`.spec.replicas`), creating objects on the way.
fn set_path(obj: &mut Value, path: &str, value: Value) {
    let keys: Vec<&str> = path.split('.').filter(|k| !k.is_empty()).collect();
    let Some((last, parents)) = keys.split_last() else { return };
    let mut cur = obj;
    for k in parents {
        if !cur[*k].is_object() {
            cur[*k] = json!({});
        }
        cur = &mut cur[*k];
    }
    cur[*last] = value;
}

/// The Scale view of an object.
pub fn scale_of(obj: &Value, spec: &ScaleSpec) -> Value {
    let m = &obj["metadata"];
    let replicas = |path: &str| json_path(obj, path).and_then(|v| v.as_i64()).unwrap_or(0);
    let mut status = json!({"replicas": replicas(&spec.status_replicas_path)});
    if let Some(sel) = spec.label_selector_path.as_deref().and_then(|p| json_path(obj, p)) {
        let text = match &sel {
            Value::String(s) => s.clone(),
            other => label_selector_string(other),
        };
        status["selector"] = json!(text);
    }
    let mut meta = json!({"name": m["name"], "uid": m["uid"], "resourceVersion": m["resourceVersion"],
                          "creationTimestamp": m["creationTimestamp"]});
    if let Some(ns) = m["namespace"].as_str() {
        meta["namespace"] = json!(ns);
    }
    let spec_replicas = json_path(obj, &spec.spec_replicas_path).and_then(|v| v.as_i64());
    // apps/v1 defaults replicas to 1 when unset.
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
           "spec": {"replicas": spec_replicas.unwrap_or(1)}, "status": status})
}

/// Bound on the retries of a scale write that keeps losing races (upstream retries without bound).
const GUARANTEED_UPDATE_ATTEMPTS: usize = 100;

/// GET / PUT / PATCH on `<resource>/<name>/scale`.
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let Some(spec) = target.info.scale.as_ref() else {
        return Err(ApiError::no_route());
    };
    let not_found = || {
        let msg = format!("{} \"{}\" not found", target.key.qualified(), target.name());
        ApiError::new(404, "NotFound", msg).about(&target.key, target.name())
    };
    // kube-apiserver's GuaranteedUpdate retries a write without a resourceVersion precondition until
    // it lands; controllers updating the object's status in between must not make a scale fail.
    for _ in 0..GUARANTEED_UPDATE_ATTEMPTS {
        let obj = state.cluster.get(&target.key, target.namespace(), target.name()).ok_or_else(not_found)?;
        let current = scale_of(&obj, spec);
        let wanted = match req.method {
            Method::GET => return Ok(body::json(200, &current)),
            Method::PUT => serde_json::from_slice::<Value>(&req.body).map_err(|e| {
                ApiError::bad_request(format!("the body of the request was in an unknown format: {e}"))
            })?,
            Method::PATCH => {
                let kind = PatchType::from_content_type(&req.content_type)?;
                let p = patch::parse_body(kind, &req.body)?;
                patch::apply(kind, &current, &p)?
            }
            _ => {
                return Err(ApiError::method_not_allowed(
                    req.method.as_str(),
                    &format!("{}/scale", target.key.qualified()),
                ));
            }
        };
        let Some(replicas) = wanted["spec"]["replicas"].as_i64() else {
            return Err(ApiError::invalid(format!(
                "Scale.autoscaling \"{}\" is invalid: spec.replicas: Required value",
                target.name()
            )));
        };
        if replicas < 0 {
            return Err(ApiError::invalid(format!(
                "Scale.autoscaling \"{}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0",
                target.name()
            )));
        }
        let explicit_rv = wanted["metadata"]["resourceVersion"].as_str().filter(|s| !s.is_empty());
        let mut new = obj.clone();
        set_path(&mut new, &spec.spec_replicas_path, json!(replicas));
        if let Some(rv) = explicit_rv {
            new["metadata"]["resourceVersion"] = json!(rv);
        }
        let scope = if target.info.status { UpdateScope::Main } else { UpdateScope::Whole };
        match state.cluster.update(&target.key, new, scope, req.query.non_empty("dryRun").is_some()) {
            Ok(updated) => return Ok(body::json(200, &scale_of(&updated, spec))),
            Err(e) if e.reason == "Conflict" && explicit_rv.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::new(409, "Conflict", "too many concurrent writers"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::scale_of;
    use crate::sim::resources::ScaleSpec;

    #[test]
    fn deployment_scale_reports_replicas_and_selector_string() {
        let deploy = json!({"metadata": {"name": "web", "namespace": "default", "resourceVersion": "5"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 2}});
        let scale = scale_of(&deploy, &ScaleSpec::workload());
        assert_eq!(scale["spec"]["replicas"], 3);
        assert_eq!(scale["status"], json!({"replicas": 2, "selector": "app=web"}));
        assert_eq!(scale["metadata"]["resourceVersion"], "5");
    }
}
