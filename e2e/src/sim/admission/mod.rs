//! Dynamic admission: `MutatingWebhookConfiguration`s, then `ValidatingWebhookConfiguration`s,
//! called for CREATE (`POST` on a collection) and UPDATE (`PUT` on an object or subresource)
//! before the request reaches the verb handlers, as kube-apiserver's admission chain does.
//!
//! Model: configurations in name order, webhooks in list order. A webhook is called when one of
//! its `rules` matches (operations, apiGroups, apiVersions, resources incl. `*`, `*/*`,
//! `<resource>/*`, `*/<sub>`, scope), its `namespaceSelector` matches the namespace's labels (the
//! object's own for Namespaces; always for other cluster-scoped objects) and its
//! `objectSelector` the object's labels. The request is an `admission.k8s.io/v1`
//! `AdmissionReview`; a `JSONPatch` answer from a mutating webhook is applied before the next
//! webhook; a denial ends the request with the webhook's status (at least 400) and upstream's
//! `admission webhook "<name>" denied the request: <message>`. A webhook that cannot be called
//! (or times out after `timeoutSeconds`, default 10) fails the request with 500 `InternalError`
//! under `failurePolicy: Fail` (the default) and is skipped under `Ignore`. Dry-run requests only
//! call webhooks with `sideEffects` `None`/`NoneOnDryRun` and are refused otherwise.
//! Webhook configurations themselves, reviews and token requests are never sent to webhooks.

pub mod call;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use serde_json::{Value, json};

use super::resources::ResourceInfo;
use super::selector::{LabelSelector, label_selector_string};
use super::server::route::{ResourcePath, Route};
use super::server::{ApiRequest, ApiState};
use super::status::ApiError;
use super::store::ResourceKey;

const GROUP: &str = "admissionregistration.k8s.io";

static REVIEW_COUNTER: AtomicU64 = AtomicU64::new(1);

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

fn listed(v: &Value, want: &str) -> bool {
    strings(v).any(|s| s == "*" || s == want)
}

/// What is being admitted.
struct Subject<'a> {
    operation: &'static str,
    info: &'a ResourceInfo,
    path: &'a ResourcePath,
    namespace: String,
    object: Value,
    old_object: Value,
}

impl Subject<'_> {
    fn subresource(&self) -> &str {
        self.path.subresource.as_deref().unwrap_or_default()
    }
}

/// Whether a rule's `resources` entry covers `resource`/`sub`.
fn resource_matches(entry: &str, resource: &str, sub: &str) -> bool {
    match entry.split_once('/') {
        None => entry == "*" && sub.is_empty() || entry == resource && sub.is_empty(),
        Some((r, s)) => (r == "*" || r == resource) && (s == "*" && !sub.is_empty() || s == sub),
    }
}

fn rule_matches(rule: &Value, s: &Subject<'_>) -> bool {
    let scope = rule["scope"].as_str().unwrap_or("*");
    let scope_ok = match scope {
        "Cluster" => !s.info.namespaced,
        "Namespaced" => s.info.namespaced,
        _ => true,
    };
    scope_ok
        && listed(&rule["operations"], s.operation)
        && listed(&rule["apiGroups"], &s.info.group)
        && listed(&rule["apiVersions"], &s.path.version)
        && strings(&rule["resources"]).any(|r| resource_matches(r, &s.info.plural, s.subresource()))
}

fn selector_matches(selector: &Value, labelled: &Value) -> bool {
    if !selector.is_object() {
        return true;
    }
    LabelSelector::parse(&label_selector_string(selector)).is_ok_and(|sel| sel.matches(labelled))
}

fn webhook_applies(state: &ApiState, webhook: &Value, s: &Subject<'_>) -> bool {
    if !webhook["rules"].as_array().into_iter().flatten().any(|r| rule_matches(r, s)) {
        return false;
    }
    let namespace_ok = if s.info.group.is_empty() && s.info.plural == "namespaces" {
        selector_matches(&webhook["namespaceSelector"], &s.object)
    } else if s.info.namespaced {
        let ns =
            state.cluster.get(&ResourceKey::new("", "namespaces"), "", &s.namespace).unwrap_or(Value::Null);
        selector_matches(&webhook["namespaceSelector"], &ns)
    } else {
        true
    };
    let object_ok = selector_matches(&webhook["objectSelector"], &s.object)
        || (!s.old_object.is_null() && selector_matches(&webhook["objectSelector"], &s.old_object));
    namespace_ok && object_ok
}

fn review(req: &ApiRequest, s: &Subject<'_>, uid: &str, dry_run: bool) -> Value {
    let gvk = json!({"group": s.info.group, "version": s.path.version, "kind": s.info.kind});
    let gvr = json!({"group": s.info.group, "version": s.path.version, "resource": s.info.plural});
    let mut request = json!({
        "uid": uid, "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "name": s.object["metadata"]["name"].as_str().or(s.path.name.as_deref()).unwrap_or_default(),
        "operation": s.operation, "userInfo": req.auth.to_json(), "object": s.object,
        "oldObject": s.old_object, "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": if s.operation == "CREATE" { "CreateOptions" } else { "UpdateOptions" }},
    });
    if !s.namespace.is_empty() {
        request["namespace"] = json!(s.namespace);
    }
    if !s.subresource().is_empty() {
        request["subResource"] = json!(s.subresource());
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

fn denial(webhook: &str, status: &Value) -> ApiError {
    let code =
        status["code"].as_u64().and_then(|c| u16::try_from(c).ok()).filter(|c| *c >= 400).unwrap_or(400);
    let by = format!("admission webhook \"{webhook}\" denied the request");
    let message = match (status["message"].as_str(), status["reason"].as_str()) {
        (Some(m), _) if !m.is_empty() => format!("{by}: {m}"),
        (_, Some(r)) if !r.is_empty() => format!("{by}: {r}"),
        _ => format!("{by} without explanation"),
    };
    let reason = match code {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Invalid",
        429 => "TooManyRequests",
        400 => "BadRequest",
        _ => "",
    };
    ApiError::new(code, reason, message)
}

fn internal(webhook: &str, why: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        500,
        "InternalError",
        format!("Internal error occurred: failed calling webhook \"{webhook}\": {why}"),
    )
}

/// Call the webhooks of one kind (`mutating` or validating) in order, updating `s.object`.
async fn run_webhooks(
    state: &ApiState,
    req: &ApiRequest,
    s: &mut Subject<'_>,
    mutating: bool,
) -> Result<(), ApiError> {
    let plural = if mutating { "mutatingwebhookconfigurations" } else { "validatingwebhookconfigurations" };
    let (configs, _) = state.cluster.list(&ResourceKey::new(GROUP, plural), None);
    let dry_run = req.query.non_empty("dryRun").is_some();
    for config in &configs {
        for webhook in config["webhooks"].as_array().into_iter().flatten() {
            if !webhook_applies(state, webhook, s) {
                continue;
            }
            let name = webhook["name"].as_str().unwrap_or_default();
            if dry_run && !matches!(webhook["sideEffects"].as_str(), Some("None" | "NoneOnDryRun")) {
                return Err(ApiError::bad_request(format!(
                    "admission webhook \"{name}\" has side effects and does not support dry run"
                )));
            }
            let uid =
                format!("00000000-0000-4000-8000-{:012x}", REVIEW_COUNTER.fetch_add(1, Ordering::Relaxed));
            let timeout = Duration::from_secs(webhook["timeoutSeconds"].as_u64().unwrap_or(10).clamp(1, 30));
            let ignore = webhook["failurePolicy"].as_str() == Some("Ignore");
            let answer =
                call::call(&state.cluster, &webhook["clientConfig"], &review(req, s, &uid, dry_run), timeout)
                    .await;
            let answer = answer.map_err(|e| e.to_string()).and_then(|reply| {
                if reply["response"]["uid"] == uid.as_str() {
                    Ok(reply["response"].clone())
                } else {
                    Err("received invalid webhook response: expected response.uid to match the request"
                        .into())
                }
            });
            let response = match answer {
                Ok(response) => response,
                Err(_) if ignore => continue,
                Err(why) => return Err(internal(name, &why)),
            };
            if response["allowed"].as_bool() != Some(true) {
                return Err(denial(name, &response["status"]));
            }
            if let (true, Some(patch)) = (mutating, response["patch"].as_str()) {
                if response["patchType"].as_str().is_some_and(|t| t != "JSONPatch") {
                    return Err(internal(name, &"unsupported patchType"));
                }
                let bytes = STANDARD
                    .decode(patch)
                    .map_err(|e| internal(name, &format!("patch is not base64: {e}")))?;
                let ops: json_patch::Patch = serde_json::from_slice(&bytes)
                    .map_err(|e| internal(name, &format!("patch is not a JSON patch: {e}")))?;
                let mut patched = s.object.clone();
                json_patch::patch(&mut patched, &ops)
                    .map_err(|e| internal(name, &format!("applying the patch: {e}")))?;
                s.object = patched;
            }
        }
    }
    Ok(())
}

/// Run admission for `req` on `route`; returns the request with the (possibly mutated) body.
/// Requests admission does not apply to pass through unchanged.
pub async fn admit(state: &ApiState, mut req: ApiRequest, route: &Route) -> Result<ApiRequest, ApiError> {
    let Route::Resource(path) = route else { return Ok(req) };
    let operation = match (&req.method, path.name.is_some(), path.subresource.is_some()) {
        (&Method::POST, false, false) => "CREATE",
        (&Method::PUT, true, _) => "UPDATE",
        _ => return Ok(req),
    };
    let skipped_groups = [GROUP, "authentication.k8s.io", "authorization.k8s.io"];
    if skipped_groups.contains(&path.group.as_str()) {
        return Ok(req);
    }
    let any = ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
        .iter()
        .any(|p| !state.cluster.list(&ResourceKey::new(GROUP, p), None).0.is_empty());
    if !any {
        return Ok(req);
    }
    let Some(info) = state.cluster.resource(&path.group, &path.version, &path.plural) else { return Ok(req) };
    let Ok(mut object) = serde_json::from_slice::<Value>(&req.body) else { return Ok(req) };
    if !object.is_object() {
        return Ok(req);
    }
    let namespace = path.namespace.clone().unwrap_or_default();
    if info.namespaced
        && !namespace.is_empty()
        && object["metadata"]["namespace"].as_str().is_none_or(str::is_empty)
    {
        object["metadata"]["namespace"] = json!(namespace);
    }
    let old_object = if operation == "UPDATE" {
        let name = path.name.as_deref().unwrap_or_default();
        state.cluster.get(&info.storage_key(), &namespace, name).map_or(Value::Null, |o| {
            match crate::sim::views::View::for_version(&info, &path.version) {
                Some(view) => view.from_storage(o),
                None => o,
            }
        })
    } else {
        Value::Null
    };
    let mut subject = Subject { operation, info: &info, path, namespace, object, old_object };
    run_webhooks(state, &req, &mut subject, true).await?;
    run_webhooks(state, &req, &mut subject, false).await?;
    req.body = serde_json::to_vec(&subject.object).unwrap_or_default().into();
    Ok(req)
}
