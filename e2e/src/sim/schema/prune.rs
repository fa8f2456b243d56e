//! Pruning: drop object fields the structural schema does not specify, as kube-apiserver does
//! when decoding a custom resource.
//!
//! A field survives when its object schema lists it in `properties`, has an `additionalProperties`
//! schema (or `true`), or sets `x-kubernetes-preserve-unknown-fields`; an
//! `x-kubernetes-embedded-resource` keeps its `apiVersion`, `kind` and `metadata`. Known fields are
//! pruned recursively even inside a preserved subtree, as upstream does.

use serde_json::Value;

use super::{ROOT_RESERVED, preserves};

/// Prune a whole object (its root `apiVersion`, `kind` and `metadata` stay).
pub fn prune(obj: &mut Value, schema: &Value) {
    prune_node(obj, schema, ROOT_RESERVED);
}

fn prune_node(value: &mut Value, schema: &Value, reserved: &[&str]) {
    match value {
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            let additional = &schema["additionalProperties"];
            let keep_unknown = preserves(schema) || additional.as_bool() == Some(true);
            let embedded: &[&str] = if schema["x-kubernetes-embedded-resource"].as_bool() == Some(true) {
                ROOT_RESERVED
            } else {
                &[]
            };
            map.retain(|key, _| {
                reserved.contains(&key.as_str())
                    || embedded.contains(&key.as_str())
                    || keep_unknown
                    || additional.is_object()
                    || props.is_some_and(|p| p.contains_key(key))
            });
            for (key, child) in map.iter_mut() {
                if reserved.contains(&key.as_str()) {
                    continue;
                }
                if let Some(s) = props.and_then(|p| p.get(key)) {
                    prune_node(child, s, &[]);
                } else if additional.is_object() {
                    prune_node(child, additional, &[]);
                }
            }
        }
        Value::Array(items) if schema["items"].is_object() => {
            for item in items {
                prune_node(item, &schema["items"], &[]);
            }
        }
        _ => {}
    }
}
