//! The PATCH content types kube-apiserver accepts, applied to JSON objects.
//!
//! - `application/merge-patch+json`: RFC 7386 (`json-patch` crate);
//! - `application/json-patch+json`: RFC 6902 (`json-patch` crate);
//! - `application/strategic-merge-patch+json`: a merge patch in which lists with a known merge key
//!   (containers, env, volumes, … by `name`; conditions by `type`; ports by `containerPort` or
//!   `port`; volumeMounts by `mountPath`) are merged element by element instead of replaced, with
//!   `$patch: delete|replace` directives; kubectl's `$setElementOrder/…`, `$retainKeys` and
//!   `$deleteFromPrimitiveList/…` directives are ignored (order and retention are not modelled);
//! - `application/apply-patch+yaml`: server-side apply, approximated as a strategic merge of the
//!   applied configuration (YAML or JSON) plus a `managedFields` entry for the field manager.

use serde_json::{Map, Value, json};

/// The patch types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 6902 JSON patch.
    Json,
    /// RFC 7386 JSON merge patch.
    Merge,
    /// Kubernetes strategic merge patch.
    Strategic,
    /// Server-side apply.
    Apply,
}

/// Patch failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A Content-Type that is not a patch type (HTTP 415).
    #[error(
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {0:?})"
    )]
    UnsupportedMediaType(String),
    /// The body does not parse as the declared type (HTTP 400).
    #[error("error decoding patch: {0}")]
    Malformed(String),
    /// A JSON patch operation failed (HTTP 422).
    #[error("the server rejected our request due to an error in our request: {0}")]
    JsonPatchFailed(String),
    /// A strategic or merge patch that is not a JSON object (HTTP 400).
    #[error("error decoding patch: the patch must be a JSON object")]
    NotAnObject,
}

impl PatchType {
    /// The patch type of a Content-Type header value.
    pub fn from_content_type(content_type: &str) -> Result<Self, PatchError> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/json-patch+json" => Ok(Self::Json),
            "application/merge-patch+json" => Ok(Self::Merge),
            "application/strategic-merge-patch+json" => Ok(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(Self::Apply),
            other => Err(PatchError::UnsupportedMediaType(other.to_owned())),
        }
    }
}

/// Parse a patch body: JSON for every type, YAML too for apply patches.
pub fn parse_body(kind: PatchType, body: &[u8]) -> Result<Value, PatchError> {
    if kind == PatchType::Apply {
        let text = std::str::from_utf8(body).map_err(|e| PatchError::Malformed(e.to_string()))?;
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return Ok(v);
        }
        return serde_saphyr::from_str::<Value>(text).map_err(|e| PatchError::Malformed(e.to_string()));
    }
    serde_json::from_slice(body).map_err(|e| PatchError::Malformed(e.to_string()))
}

/// Apply a parsed patch to `target` (not used for apply patches' create path).
pub fn apply(kind: PatchType, target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let mut out = target.clone();
    match kind {
        PatchType::Json => {
            let ops: json_patch::Patch =
                serde_json::from_value(patch.clone()).map_err(|e| PatchError::Malformed(e.to_string()))?;
            json_patch::patch(&mut out, &ops).map_err(|e| PatchError::JsonPatchFailed(e.to_string()))?;
        }
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(PatchError::NotAnObject);
            }
            json_patch::merge(&mut out, patch);
        }
        PatchType::Strategic | PatchType::Apply => {
            if !patch.is_object() {
                return Err(PatchError::NotAnObject);
            }
            strategic_merge(&mut out, patch);
        }
    }
    Ok(out)
}

/// The merge key of a list field, or `None` when such lists are replaced.
fn merge_key(field: &str, elements: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "ports" => {
            let has = |k: &str| elements.iter().any(|e| e.get(k).is_some());
            if has("containerPort") {
                Some("containerPort")
            } else if has("port") {
                Some("port")
            } else {
                None
            }
        }
        _ => None,
    }
}

fn is_directive(key: &str) -> bool {
    key.starts_with("$setElementOrder/")
        || key.starts_with("$deleteFromPrimitiveList/")
        || key == "$retainKeys"
}

/// Strategic-merge `patch` into `target`.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Some(patch_map) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch_map.clone();
        replaced.remove("$patch");
        *target = Value::Object(replaced);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(target_map) = target.as_object_mut() else { return };
    for (key, value) in patch_map {
        if is_directive(key) || key == "$patch" {
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(_) => {
                let slot = target_map.entry(key.clone()).or_insert(Value::Null);
                strategic_merge(slot, value);
            }
            Value::Array(items) => {
                if let (Some(merge_key), Some(Value::Array(existing))) =
                    (merge_key(key, items), target_map.get_mut(key))
                {
                    merge_list(existing, items, merge_key);
                } else {
                    let cleaned: Vec<Value> =
                        items.iter().filter(|i| i.get("$patch").is_none()).cloned().collect();
                    target_map.insert(key.clone(), Value::Array(cleaned));
                }
            }
            scalar => {
                target_map.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let id = item.get(key);
        let position = id.and_then(|id| existing.iter().position(|e| e.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                existing.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut existing[i], item),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, item);
                existing.push(fresh);
            }
        }
    }
}

/// The `fieldsV1` set of an applied configuration: every object key as `f:<key>`, lists as leaves.
pub fn fields_v1(applied: &Value) -> Value {
    fn walk(v: &Value) -> Value {
        match v.as_object() {
            Some(map) => Value::Object(map.iter().map(|(k, v)| (format!("f:{k}"), walk(v))).collect()),
            None => json!({}),
        }
    }
    let mut set = walk(applied);
    if let Some(map) = set.as_object_mut() {
        map.remove("f:apiVersion");
        map.remove("f:kind");
        if let Some(meta) = map.get_mut("f:metadata").and_then(Value::as_object_mut) {
            meta.remove("f:name");
            meta.remove("f:namespace");
        }
    }
    set
}

/// Record `manager`'s apply in `obj.metadata.managedFields`, replacing its previous Apply entry.
pub fn record_apply(obj: &mut Value, applied: &Value, manager: &str, api_version: &str, time: &str) {
    let entry = json!({
        "manager": manager, "operation": "Apply", "apiVersion": api_version, "time": time,
        "fieldsType": "FieldsV1", "fieldsV1": fields_v1(applied),
    });
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let list = meta.entry("managedFields").or_insert_with(|| json!([]));
    if let Some(entries) = list.as_array_mut() {
        entries.retain(|e| !(e["manager"] == manager && e["operation"] == "Apply"));
        entries.push(entry);
    }
}

#[cfg(test)]
mod tests;
