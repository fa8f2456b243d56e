//! The review APIs, answered and never stored, like kube-apiserver's virtual resources:
//! `authentication.k8s.io/v1` `TokenReview`, `authorization.k8s.io/v1` `SubjectAccessReview`,
//! `LocalSubjectAccessReview` and `SelfSubjectAccessReview` (JSON, or Kubernetes protobuf for the
//! latter as `kubectl auth can-i` sends it), and the `serviceaccounts/<name>/token` subresource
//! (`TokenRequest`).

use http::{Method, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::protobuf;
use super::{Attributes, UserInfo, rbac, token};
use crate::sim::server::body::{self, Body};
use crate::sim::server::handlers::Target;
use crate::sim::server::{ApiRequest, ApiState};
use crate::sim::status::ApiError;
use crate::sim::store::format_time;

/// Answer a review or token request; `None` if the target is not one of them.
pub fn handle(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Option<Result<Response<Body>, ApiError>> {
    let key = &target.key;
    let kind = match (key.group.as_str(), key.resource.as_str(), target.path.subresource.as_deref()) {
        ("", "serviceaccounts", Some("token")) => Review::Token,
        ("authentication.k8s.io", "tokenreviews", None) => Review::Authentication,
        ("authorization.k8s.io", "subjectaccessreviews", None) => Review::Subject,
        ("authorization.k8s.io", "localsubjectaccessreviews", None) => Review::Local,
        ("authorization.k8s.io", "selfsubjectaccessreviews", None) => Review::SelfSubject,
        _ => return None,
    };
    if req.method != Method::POST || (kind != Review::Token && target.path.name.is_some()) {
        return Some(Err(ApiError::method_not_allowed(req.method.as_str(), &key.qualified())));
    }
    Some(answer(state, req, target, kind))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Review {
    Token,
    Authentication,
    Subject,
    Local,
    SelfSubject,
}

fn parse(req: &ApiRequest, kind: Review) -> Result<Value, ApiError> {
    let media = req.content_type.split(';').next().unwrap_or_default().trim();
    if media == protobuf::MEDIA_TYPE {
        let decoded = if kind == Review::Token {
            protobuf::decode_token_request(&req.body)
        } else {
            protobuf::decode_self_subject_access_review(&req.body)
        };
        return decoded.map_err(|e| ApiError::bad_request(e.to_string()));
    }
    if !media.is_empty() && media != "application/json" {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf (got {media})"
            ),
        ));
    }
    let v: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("the body of the request was in an unknown format - couldn't get version/kind; json parse error: {e}")))?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(ApiError::bad_request("the body of the request must be a JSON object"))
    }
}

fn answer(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
    kind: Review,
) -> Result<Response<Body>, ApiError> {
    let mut review = parse(req, kind)?;
    let cluster = &state.cluster;
    match kind {
        Review::Token => return token_request(state, &review, target),
        Review::Authentication => {
            let token = review["spec"]["token"].as_str().unwrap_or_default();
            let wanted: Vec<String> = strings(&review["spec"]["audiences"]);
            review["status"] = token_review_status(cluster, token, &wanted);
        }
        Review::Subject | Review::Local | Review::SelfSubject => {
            let spec = &review["spec"];
            let user = match kind {
                Review::SelfSubject => req.auth.clone(),
                _ => user_from_spec(spec),
            };
            if kind != Review::SelfSubject && user.username.is_empty() && user.groups.is_empty() {
                return Err(ApiError::invalid(format!(
                    "{}.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified",
                    target.info.kind
                )));
            }
            let mut attrs = attributes_from_spec(spec)
                .ok_or_else(|| ApiError::invalid("spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"))?;
            if kind == Review::Local
                && let Attributes::Resource { namespace, .. } = &mut attrs
            {
                let path_ns = target.namespace();
                if namespace != path_ns {
                    return Err(ApiError::bad_request(format!(
                        "spec.resourceAttributes.namespace must match namespace: {path_ns}"
                    )));
                }
            }
            let decision = rbac::decide(cluster, &user, &attrs);
            let mut status = json!({"allowed": decision.allowed});
            if !decision.reason.is_empty() {
                status["reason"] = json!(decision.reason);
            }
            review["status"] = status;
        }
    }
    review["apiVersion"] = json!(target.api_version());
    review["kind"] = json!(target.info.kind);
    if !review["metadata"].is_object() {
        review["metadata"] = json!({});
    }
    review["metadata"]["creationTimestamp"] = Value::Null;
    if kind == Review::Local {
        review["metadata"]["namespace"] = json!(target.namespace());
    }
    Ok(body::json(201, &review))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// `TokenReview.status` for `token`, checking `wanted` audiences (the API server's when empty).
pub fn token_review_status(cluster: &crate::sim::cluster::Cluster, token: &str, wanted: &[String]) -> Value {
    let unauthenticated = |error: &str| json!({"authenticated": false, "user": {}, "error": error});
    let Some((user, token_audiences)) = token::authenticate(cluster, token, Timestamp::now()) else {
        return unauthenticated("[invalid bearer token, service account token could not be validated]");
    };
    let wanted: Vec<String> =
        if wanted.is_empty() { vec![token::API_AUDIENCE.to_owned()] } else { wanted.to_vec() };
    let matched: Vec<String> = wanted.iter().filter(|a| token_audiences.contains(a)).cloned().collect();
    if matched.is_empty() {
        return unauthenticated("[invalid bearer token, token audiences don't match]");
    }
    json!({"authenticated": true, "user": user.to_json(), "audiences": matched})
}

fn user_from_spec(spec: &Value) -> UserInfo {
    let extra =
        spec["extra"].as_object().into_iter().flatten().map(|(k, v)| (k.clone(), strings(v))).collect();
    UserInfo {
        username: spec["user"].as_str().unwrap_or_default().to_owned(),
        uid: spec["uid"].as_str().unwrap_or_default().to_owned(),
        groups: strings(&spec["groups"]),
        extra,
    }
}

/// The attributes of a `SubjectAccessReview` spec (`resourceAttributes` or
/// `nonResourceAttributes`).
pub fn attributes_from_spec(spec: &Value) -> Option<Attributes> {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let r = &spec["resourceAttributes"];
    let n = &spec["nonResourceAttributes"];
    match (r.is_object(), n.is_object()) {
        (true, false) => Some(Attributes::Resource {
            verb: s(r, "verb"),
            group: s(r, "group"),
            version: s(r, "version"),
            resource: s(r, "resource"),
            subresource: s(r, "subresource"),
            namespace: s(r, "namespace"),
            name: s(r, "name"),
        }),
        (false, true) => Some(Attributes::non_resource(&s(n, "verb"), &s(n, "path"))),
        _ => None,
    }
}

fn token_request(state: &ApiState, request: &Value, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let name = target.name();
    let namespace = target.namespace();
    let spec = &request["spec"];
    let seconds = spec["expirationSeconds"].as_i64().unwrap_or(token::DEFAULT_EXPIRATION_SECONDS);
    let invalid = |why: &str| {
        ApiError::invalid(format!(
            "TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: {why}"
        ))
    };
    if seconds < 600 {
        return Err(invalid("may not specify a duration less than 10 minutes"));
    }
    if seconds > 1 << 32 {
        return Err(invalid("may not specify a duration larger than 2^32 seconds"));
    }
    let audiences = strings(&spec["audiences"]);
    let now = Timestamp::now();
    let issued =
        token::issue_service_account_token(&state.cluster, namespace, name, &audiences, seconds, now)?;
    let audiences = if audiences.is_empty() { vec![token::API_AUDIENCE.to_owned()] } else { audiences };
    let mut spec = spec.clone();
    if !spec.is_object() {
        spec = json!({});
    }
    spec["audiences"] = json!(audiences);
    spec["expirationSeconds"] = json!(seconds);
    let reply = json!({
        "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": format_time(now)},
        "spec": spec,
        "status": {"token": issued.token, "expirationTimestamp": issued.expiration_timestamp},
    });
    Ok(body::json(201, &reply))
}
