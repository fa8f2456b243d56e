//! `pods/<name>/resize` (in-place pod resize, KEP-1287, Kubernetes 1.35): GET returns the pod;
//! PUT or PATCH (any patch type) change only `spec.containers[*].resources` and
//! `spec.containers[*].resizePolicy`, as the resize strategy's `dropNonResizeUpdates` does —
//! everything else in the request is ignored.
//!
//! Validation, as `ValidatePodResize` (422 `Invalid` with field causes): only `cpu` and `memory`
//! may change, requests and limits may not be removed, a request may not exceed its limit,
//! quantities must parse, and the pod's `QoS` class may not change ("Pod QOS Class may not change as
//! a result of resizing"). What the node makes of an accepted resize (`PodResizePending`
//! `Infeasible`/`Deferred`, `PodResizeInProgress`, `allocatedResources`) is the kubelet side, in
//! [`crate::sim::controllers::resize`].

use http::{Method, Response};
use serde_json::{Value, json};

use super::{FieldError, invalid, status_response};
use crate::sim::controllers::keys;
use crate::sim::controllers::quantity::milli_of;
use crate::sim::defaults::qos_class;
use crate::sim::patch::{self, PatchType};
use crate::sim::server::body::{self, Body};
use crate::sim::server::handlers::Target;
use crate::sim::server::{ApiRequest, ApiState};
use crate::sim::status::ApiError;
use crate::sim::store::UpdateScope;

/// The pod `current` with the resize-relevant fields of `wanted` (containers matched by name).
pub fn merge_resize(current: &Value, wanted: &Value) -> Value {
    let mut merged = current.clone();
    let wanted_containers = wanted["spec"]["containers"].as_array().cloned().unwrap_or_default();
    for c in merged["spec"]["containers"].as_array_mut().into_iter().flatten() {
        let Some(w) = wanted_containers.iter().find(|w| w["name"] == c["name"]) else { continue };
        c["resources"] = if w["resources"].is_object() { w["resources"].clone() } else { json!({}) };
        if w["resizePolicy"].is_array() {
            c["resizePolicy"] = w["resizePolicy"].clone();
        }
    }
    merged
}

fn keys_of(v: &Value) -> Vec<String> {
    v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// Field errors of resizing `old` into `new` (see the module documentation).
pub fn validate(old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let old_containers = old["spec"]["containers"].as_array().map_or(&[][..], Vec::as_slice);
    for (i, c) in new["spec"]["containers"].as_array().into_iter().flatten().enumerate() {
        let Some(o) = old_containers.iter().find(|o| o["name"] == c["name"]) else { continue };
        for part in ["requests", "limits"] {
            let path = format!("spec.containers[{i}].resources.{part}");
            let (before, after) = (&o["resources"][part], &c["resources"][part]);
            let mut names = keys_of(before);
            names.extend(keys_of(after));
            names.sort();
            names.dedup();
            for name in names {
                let (b, a) = (&before[name.as_str()], &after[name.as_str()]);
                if name != "cpu" && name != "memory" {
                    if b != a {
                        errors.push(FieldError {
                            reason: "FieldValueForbidden",
                            field: format!("{path}[{name}]"),
                            message: "Forbidden: only cpu and memory resources are mutable".into(),
                        });
                    }
                } else if !b.is_null() && a.is_null() {
                    errors.push(FieldError {
                        reason: "FieldValueForbidden",
                        field: format!("{path}[{name}]"),
                        message: format!("Forbidden: resource {part} cannot be removed"),
                    });
                } else if milli_of(a).is_err() {
                    errors.push(FieldError {
                        reason: "FieldValueInvalid",
                        field: format!("{path}[{name}]"),
                        message: format!("Invalid value: {a}: must be a valid quantity"),
                    });
                }
            }
        }
        for name in ["cpu", "memory"] {
            let (req, lim) = (&c["resources"]["requests"][name], &c["resources"]["limits"][name]);
            if let (Ok(r), Ok(l)) = (milli_of(req), milli_of(lim))
                && !req.is_null()
                && !lim.is_null()
                && r > l
            {
                errors.push(FieldError {
                    reason: "FieldValueInvalid",
                    field: format!("spec.containers[{i}].resources.requests"),
                    message: format!(
                        "Invalid value: {}: must be less than or equal to {name} limit of {}",
                        req,
                        lim.as_str().unwrap_or_default()
                    ),
                });
            }
        }
    }
    let old_qos =
        old["status"]["qosClass"].as_str().map_or_else(|| qos_class(&old["spec"]).to_owned(), str::to_owned);
    if errors.is_empty() && qos_class(&new["spec"]) != old_qos {
        errors.push(FieldError {
            reason: "FieldValueInvalid",
            field: "spec".into(),
            message: format!(
                "Invalid value: \"{old_qos}\": Pod QOS Class may not change as a result of resizing"
            ),
        });
    }
    errors
}

/// Serve the resize subresource.
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let (ns, name) = (target.namespace(), target.name());
    let not_found =
        || ApiError::new(404, "NotFound", format!("pods \"{name}\" not found")).about(&keys::pods(), name);
    for _ in 0..5 {
        let current = state.cluster.get(&keys::pods(), ns, name).ok_or_else(not_found)?;
        let wanted = match req.method {
            Method::GET => return Ok(body::json(200, &target.present(current))),
            Method::PUT => serde_json::from_slice::<Value>(&req.body).map_err(|e| {
                ApiError::bad_request(format!("the body of the request was in an unknown format: {e}"))
            })?,
            Method::PATCH => {
                let kind = PatchType::from_content_type(&req.content_type)?;
                let p = patch::parse_body(kind, &req.body)?;
                patch::apply(kind, &target.present(current.clone()), &p)?
            }
            _ => return Err(ApiError::method_not_allowed(req.method.as_str(), "pods/resize")),
        };
        let mut merged = merge_resize(&current, &wanted);
        let errors = validate(&current, &merged);
        if !errors.is_empty() {
            return Ok(status_response(&invalid("Pod", name, &errors)));
        }
        let explicit_rv = wanted["metadata"]["resourceVersion"].as_str().filter(|s| !s.is_empty());
        if let Some(rv) = explicit_rv {
            merged["metadata"]["resourceVersion"] = json!(rv);
        }
        let dry_run = req.query.non_empty("dryRun").is_some();
        match state.cluster.update(&keys::pods(), merged, UpdateScope::Main, dry_run) {
            Ok(updated) => return Ok(body::json(200, &target.present(updated))),
            Err(e) if e.reason == "Conflict" && explicit_rv.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::new(
        409,
        "Conflict",
        format!("Operation cannot be fulfilled on pods \"{name}\": too many concurrent writers"),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{merge_resize, validate};

    fn pod(resources: &Value, qos: &str) -> Value {
        json!({"metadata": {"name": "p", "labels": {"a": "b"}},
               "spec": {"containers": [{"name": "app", "image": "x", "resources": resources}]},
               "status": {"qosClass": qos}})
    }

    // Cases after kubernetes test/e2e/common/node/pod_resize doPodResizeErrorTests (by value).
    #[test]
    fn a_best_effort_pod_cannot_gain_requests() {
        let old = pod(&json!({}), "BestEffort");
        let new = merge_resize(&old, &pod(&json!({"requests": {"memory": "40Mi"}}), "BestEffort"));
        let errors = validate(&old, &new);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "Invalid value: \"BestEffort\": Pod QOS Class may not change as a result of resizing"
        );
    }

    #[test]
    fn limits_cannot_be_removed_and_requests_stay_below_limits() {
        let old = pod(
            &json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}),
            "Burstable",
        );
        let removed = merge_resize(
            &old,
            &pod(&json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m"}}), ""),
        );
        assert_eq!(validate(&old, &removed)[0].message, "Forbidden: resource limits cannot be removed");
        let above = merge_resize(
            &old,
            &pod(
                &json!({"requests": {"cpu": "500m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}),
                "",
            ),
        );
        assert_eq!(
            validate(&old, &above)[0].message,
            "Invalid value: \"500m\": must be less than or equal to cpu limit of 200m"
        );
    }

    #[test]
    fn only_resources_are_taken_from_the_request() {
        let old = pod(&json!({"requests": {"cpu": "100m"}}), "Burstable");
        let mut wanted = pod(&json!({"requests": {"cpu": "300m"}}), "Burstable");
        wanted["metadata"]["labels"] = json!({"changed": "yes"});
        wanted["spec"]["containers"][0]["image"] = json!("other");
        let merged = merge_resize(&old, &wanted);
        assert_eq!(merged["spec"]["containers"][0]["resources"]["requests"]["cpu"], "300m");
        assert_eq!(merged["spec"]["containers"][0]["image"], "x");
        assert_eq!(merged["metadata"]["labels"], json!({"a": "b"}));
        assert!(validate(&old, &merged).is_empty());
    }

    #[test]
    fn other_resources_are_immutable() {
        let old = pod(&json!({"requests": {"cpu": "100m", "ephemeral-storage": "1Gi"}}), "Burstable");
        let new =
            merge_resize(&old, &pod(&json!({"requests": {"cpu": "100m", "ephemeral-storage": "2Gi"}}), ""));
        let errors = validate(&old, &new);
        assert_eq!(errors[0].field, "spec.containers[0].resources.requests[ephemeral-storage]");
    }
}
