//! Generic verb handlers, driven by the resource table: get, list, create, update, patch, delete,
//! deletecollection, and the `status` subresource. Watch lives in [`super::watch`], `scale` in
//! [`super::scale`].
//!
//! Objects are stored with the preferred version's `apiVersion`; responses carry the version of
//! the request URL. A Table is returned instead of an object or list when `Accept` asks for
//! `as=Table`, `PartialObjectMetadata`(`List`) when it asks for that.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::body::{self, Body};
use super::present::{ListBody, Presented};
use super::route::ResourcePath;
use super::{ApiRequest, ApiState};
use crate::sim::cluster::{ListPage, object_id};
use crate::sim::patch::{self, PatchType};
use crate::sim::resources::ResourceInfo;
use crate::sim::selector::{FieldSelector, LabelSelector};
use crate::sim::status::{self, ApiError};
use crate::sim::store::{ResourceKey, UpdateScope, format_time};
use crate::sim::table::{self, IncludeObject};
use crate::sim::views;

/// Everything a handler needs about the addressed resource.
pub struct Target<'a> {
    /// The resource's table entry.
    pub info: &'a ResourceInfo,
    /// The store key.
    pub key: ResourceKey,
    /// The parsed path.
    pub path: &'a ResourcePath,
}

impl Target<'_> {
    /// `apiVersion` for responses.
    pub fn api_version(&self) -> String {
        self.info.api_version(&self.path.version)
    }

    /// Namespace from the path, `""` for cluster-scoped or all-namespaces requests.
    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or_default()
    }

    /// Object name from the path.
    pub fn name(&self) -> &str {
        self.path.name.as_deref().unwrap_or_default()
    }

    /// An object as served at this URL's version (converted from storage for a view).
    pub fn present(&self, obj: Value) -> Value {
        let mut obj = match self.view() {
            Some(view) => view.from_storage(obj),
            None => obj,
        };
        if let Some(map) = obj.as_object_mut() {
            map.insert("apiVersion".into(), json!(self.api_version()));
            map.insert("kind".into(), json!(self.info.kind));
        }
        obj
    }

    /// The view this URL's version is served through, if any (see [`views::View::for_version`]).
    pub fn view(&self) -> Option<views::View> {
        views::View::for_version(self.info, &self.path.version)
    }

    fn not_found(&self) -> ApiError {
        let message = format!("{} \"{}\" not found", self.key.qualified(), self.name());
        ApiError::new(404, "NotFound", message).about(&self.key, self.name())
    }
}

/// `dryRun=All`: validate and answer, store nothing.
fn dry_run(req: &ApiRequest) -> bool {
    req.query.non_empty("dryRun").is_some()
}

/// Whether the client asked for metadata only (`as=PartialObjectMetadata` or
/// `as=PartialObjectMetadataList`, first `Accept` alternative), as metadata informers do.
pub fn wants_metadata(req: &ApiRequest) -> bool {
    req.accept.split(',').next().is_some_and(|first| first.contains("as=PartialObjectMetadata"))
}

/// An object reduced to `PartialObjectMetadata`.
pub fn partial(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
}

/// Whether the client asked for `Table` output (first `Accept` alternative).
pub fn wants_table(req: &ApiRequest) -> bool {
    req.accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

/// Reject bodies the sim cannot decode (Kubernetes protobuf, CBOR) with 415, as a server without
/// that codec would.
fn check_media_type(req: &ApiRequest) -> Result<(), ApiError> {
    let media = req.content_type.split(';').next().unwrap_or_default().trim();
    if media.is_empty() || media == "application/json" {
        return Ok(());
    }
    Err(ApiError::new(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: application/json (got {media})"
        ),
    ))
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the body of the request was in an unknown format - couldn't get version/kind; json parse error: {e}"))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request("the body of the request must be a JSON object"))
    }
}

/// Dispatch one request on a resource path (everything but watch and scale).
pub fn handle(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let p = target.path;
    let sub = p.subresource.as_deref();
    let verb_error = || ApiError::method_not_allowed(req.method.as_str(), &target.key.qualified());
    if let Some(s) = sub
        && !(s == "status" && target.info.status)
    {
        return Err(ApiError::no_route());
    }
    match (&req.method, p.name.as_deref()) {
        (&Method::GET, None) => list(state, req, target),
        (&Method::GET, Some(_)) => get(state, req, target),
        (&Method::POST, None) if sub.is_none() => create(state, req, target),
        (&Method::PUT, Some(_)) => update(state, req, target, sub.is_some()),
        (&Method::PATCH, Some(_)) => patch_object(state, req, target, sub.is_some()),
        (&Method::DELETE, Some(_)) if sub.is_none() => delete(state, req, target),
        (&Method::DELETE, None) => delete_collection(state, req, target),
        _ => Err(verb_error()),
    }
}

fn get(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let obj = state
        .cluster
        .get(&target.key, target.namespace(), target.name())
        .ok_or_else(|| target.not_found())?;
    if wants_table(req) {
        let include = IncludeObject::parse(req.query.get("includeObject"));
        let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
        let obj = target.present(obj);
        let t = table::render(target.info, &target.api_version(), &[obj], Timestamp::now(), include, &meta);
        return Ok(body::json(200, &t));
    }
    if wants_metadata(req) {
        return Ok(body::json(200, &partial(&obj)));
    }
    Ok(body::json(200, &target.present(obj)))
}

/// Objects of the target matching the request's namespace and selectors, and the revision.
pub fn select(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Result<(Vec<Arc<Value>>, u64), ApiError> {
    Ok(select_page(state, req, target, None, None)?.into_parts())
}

/// A page of [`select`]: objects after `after`, at most `limit`.
fn select_page(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
    after: Option<(&str, &str)>,
    limit: Option<usize>,
) -> Result<ListPage, ApiError> {
    let labels = LabelSelector::parse(req.query.get("labelSelector").unwrap_or_default())?;
    let fields = field_selector(req, target)?;
    let filter = |o: &Value| labels.matches(o) && fields.matches(o);
    Ok(state.cluster.list_page(&target.key, target.path.namespace.as_deref(), &filter, after, limit))
}

/// The request's field selector, with the labels of the target's resource.
pub fn field_selector(req: &ApiRequest, target: &Target<'_>) -> Result<FieldSelector, ApiError> {
    let text = req.query.get("fieldSelector").unwrap_or_default();
    Ok(FieldSelector::parse_mapped(text, &|label| views::field_path(target.info, label))?)
}

/// The continue token (unpadded URL-safe base64 of JSON, like upstream): the revision of the
/// first page and the id of the last object returned.
fn encode_continue(revision: u64, last: &Value) -> String {
    URL_SAFE_NO_PAD
        .encode(json!({"v": "meta.k8s.io/v1", "rv": revision, "start": object_id(last)}).to_string())
}

fn decode_continue(token: &str) -> Result<(u64, [String; 2]), ApiError> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {token:?}"));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let start: [String; 2] = serde_json::from_value(v["start"].clone()).map_err(|_| bad())?;
    Ok((v["rv"].as_u64().ok_or_else(bad)?, start))
}

fn list(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let token = req.query.non_empty("continue").map(decode_continue).transpose()?;
    let after = token.as_ref().map(|(_, [ns, name])| (ns.as_str(), name.as_str()));
    let limit = req.query.non_empty("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0);
    let page = select_page(state, req, target, after, limit)?;
    // A continued list reports the revision of its first page, as upstream does.
    let revision = token.as_ref().map_or(page.revision, |(rv, _)| *rv);
    let mut meta = json!({"resourceVersion": revision.to_string()});
    if page.remaining > 0
        && let Some(last) = page.items.last()
    {
        meta["continue"] = json!(encode_continue(revision, last));
        meta["remainingItemCount"] = json!(page.remaining);
    }
    let objects = page.items;
    if wants_table(req) {
        let include = IncludeObject::parse(req.query.get("includeObject"));
        let objects: Vec<Value> =
            objects.into_iter().map(|o| target.present(Arc::unwrap_or_clone(o))).collect();
        let t = table::render(target.info, &target.api_version(), &objects, Timestamp::now(), include, &meta);
        return Ok(body::json(200, &t));
    }
    if wants_metadata(req) {
        let items: Vec<Value> = objects.iter().map(|o| partial(o)).collect();
        let list = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items});
        return Ok(body::json(200, &list));
    }
    // A view converts (copies); otherwise the stored objects are serialised as they are shared.
    let objects: Vec<Arc<Value>> = match target.view() {
        Some(_) => objects.into_iter().map(|o| Arc::new(target.present(Arc::unwrap_or_clone(o)))).collect(),
        None => objects,
    };
    let api_version = target.api_version();
    let list = ListBody {
        api_version: &api_version,
        items: objects
            .iter()
            .map(|obj| Presented { obj, api_version: &api_version, kind: &target.info.kind })
            .collect(),
        kind: format!("{}List", target.info.kind),
        metadata: &meta,
    };
    Ok(body::json(200, &list))
}

/// Fill namespace (from the path), apiVersion and kind of an incoming object.
fn admit(target: &Target<'_>, mut obj: Value) -> Result<Value, ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request("the object must be a JSON object"));
    }
    let meta = obj.get_mut("metadata").filter(|m| m.is_object());
    let Some(meta) = meta else {
        if obj.get("metadata").is_none() {
            obj["metadata"] = json!({});
            return admit(target, obj);
        }
        return Err(ApiError::bad_request("metadata must be an object"));
    };
    if target.info.namespaced {
        let path_ns = target.namespace();
        match meta["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != path_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => meta["namespace"] = json!(path_ns),
        }
    } else if let Some(m) = meta.as_object_mut() {
        m.remove("namespace");
    }
    let stored_version = target.info.api_version(target.info.preferred_version());
    if let Some(kind) = obj["kind"].as_str().filter(|k| !k.is_empty())
        && kind != target.info.kind
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            obj["apiVersion"].as_str().unwrap_or_default(),
            target.api_version()
        )));
    }
    if let Some(view) = target.view() {
        let mut stored = view.to_storage(obj);
        stored["apiVersion"] = json!(view.storage_api_version());
        return Ok(stored);
    }
    obj["apiVersion"] = json!(stored_version);
    obj["kind"] = json!(target.info.kind);
    Ok(obj)
}

fn create(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    if target.info.namespaced && target.path.namespace.is_none() {
        return Err(ApiError::method_not_allowed("POST", &target.key.qualified()));
    }
    check_media_type(req)?;
    let obj = admit(target, parse_json(&req.body)?)?;
    let created = state.cluster.create(&target.key, obj, dry_run(req))?;
    Ok(body::json(201, &target.present(created)))
}

fn scope(target: &Target<'_>, status_subresource: bool) -> UpdateScope {
    match (status_subresource, target.info.status) {
        (true, _) => UpdateScope::Status,
        (false, true) => UpdateScope::Main,
        (false, false) => UpdateScope::Whole,
    }
}

fn update(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
    status_sub: bool,
) -> Result<Response<Body>, ApiError> {
    check_media_type(req)?;
    let obj = admit(target, parse_json(&req.body)?)?;
    let body_name = obj["metadata"]["name"].as_str().unwrap_or_default();
    if body_name != target.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            target.name()
        )));
    }
    let updated = state.cluster.update(&target.key, obj, scope(target, status_sub), dry_run(req))?;
    Ok(body::json(200, &target.present(updated)))
}

/// Apply a patch to the stored object, retrying on conflicts with concurrent writers, as
/// kube-apiserver does for patches without a resourceVersion precondition.
fn patch_object(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
    status_sub: bool,
) -> Result<Response<Body>, ApiError> {
    let kind = PatchType::from_content_type(&req.content_type)?;
    let patch_body = patch::parse_body(kind, &req.body)?;
    let manager = req.query.non_empty("fieldManager");
    if kind == PatchType::Apply && manager.is_none() {
        return Err(ApiError::bad_request(
            "PATCH, PUT or POST of apply requests requires a fieldManager query parameter",
        ));
    }
    let now = format_time(Timestamp::now());
    for _ in 0..5 {
        let Some(current) = state.cluster.get(&target.key, target.namespace(), target.name()) else {
            if kind == PatchType::Apply && !status_sub {
                let mut obj = admit(target, patch_body.clone())?;
                obj["metadata"]["name"] = json!(target.name());
                patch::record_apply(
                    &mut obj,
                    &patch_body,
                    manager.unwrap_or_default(),
                    &target.api_version(),
                    &now,
                );
                let created = state.cluster.create(&target.key, obj, dry_run(req))?;
                return Ok(body::json(201, &target.present(created)));
            }
            return Err(target.not_found());
        };
        let mut patched = patch::apply(kind, &target.present(current), &patch_body)?;
        if kind == PatchType::Apply {
            patch::record_apply(
                &mut patched,
                &patch_body,
                manager.unwrap_or_default(),
                &target.api_version(),
                &now,
            );
        }
        let explicit_rv = patch_body["metadata"]["resourceVersion"].is_string();
        let obj = admit(target, patched)?;
        match state.cluster.update(&target.key, obj, scope(target, status_sub), dry_run(req)) {
            Ok(updated) => return Ok(body::json(200, &target.present(updated))),
            Err(e) if e.reason == "Conflict" && !explicit_rv => {}
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::new(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} \"{}\": too many concurrent writers",
            target.key.qualified(),
            target.name()
        ),
    ))
}

fn delete(state: &ApiState, req: &ApiRequest, target: &Target<'_>) -> Result<Response<Body>, ApiError> {
    let deleted = state.cluster.delete(&target.key, target.namespace(), target.name(), dry_run(req))?;
    // Pods (graceful deletion upstream) return the object; other resources a Success status.
    if target.key.group.is_empty() && target.key.resource == "pods" {
        return Ok(body::json(200, &target.present(deleted)));
    }
    Ok(body::json(200, &status::success(&target.key, target.name(), &deleted["metadata"]["uid"])))
}

fn delete_collection(
    state: &ApiState,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Result<Response<Body>, ApiError> {
    let (objects, _) = select(state, req, target)?;
    let mut deleted = Vec::new();
    for obj in objects {
        let m = &obj["metadata"];
        let (ns, name) =
            (m["namespace"].as_str().unwrap_or_default(), m["name"].as_str().unwrap_or_default());
        match state.cluster.delete(&target.key, ns, name, dry_run(req)) {
            Ok(d) => deleted.push(target.present(d)),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let list = json!({"kind": format!("{}List", target.info.kind), "apiVersion": target.api_version(),
                      "metadata": {"resourceVersion": state.cluster.revision().to_string()}, "items": deleted});
    Ok(body::json(200, &list))
}
