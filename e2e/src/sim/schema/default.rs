//! Defaulting: fill `default:` values of absent fields, as kube-apiserver does when decoding a
//! custom resource (before validation).
//!
//! A property with a default is set (to a copy of the default) when it is absent, or `null` while
//! the property is not `nullable`; defaulting then recurses into every present value, defaulted
//! ones included. A `null` of a non-nullable property without default is dropped, as upstream's
//! `PruneNonNullableNullsWithoutDefaults` does. Present values are never changed.

use serde_json::Value;

use super::ROOT_RESERVED;

/// Default a whole object (its root `apiVersion`, `kind` and `metadata` are left alone).
pub fn default(obj: &mut Value, schema: &Value) {
    default_node(obj, schema, ROOT_RESERVED);
}

fn default_node(value: &mut Value, schema: &Value, reserved: &[&str]) {
    match value {
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            for (key, prop) in props.into_iter().flatten() {
                if reserved.contains(&key.as_str()) {
                    continue;
                }
                let nullable = prop["nullable"].as_bool() == Some(true);
                let absent_or_null = map.get(key).is_none_or(|v| v.is_null() && !nullable);
                if let Some(d) = prop.get("default").filter(|_| absent_or_null) {
                    map.insert(key.clone(), d.clone());
                } else if map.get(key).is_some_and(Value::is_null) && !nullable {
                    map.remove(key);
                }
            }
            let additional = &schema["additionalProperties"];
            for (key, child) in map.iter_mut() {
                if reserved.contains(&key.as_str()) {
                    continue;
                }
                if let Some(s) = props.and_then(|p| p.get(key)) {
                    default_node(child, s, &[]);
                } else if additional.is_object() {
                    default_node(child, additional, &[]);
                }
            }
        }
        Value::Array(items) if schema["items"].is_object() => {
            for item in items {
                default_node(item, &schema["items"], &[]);
            }
        }
        _ => {}
    }
}
