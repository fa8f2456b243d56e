//! Validation of a (pruned, defaulted) custom resource against its structural schema, with
//! kube-openapi's messages and apiextensions-apiserver's mapping to field errors.
//!
//! Per node, in kube-openapi's order: `nullable`/`type` (or `x-kubernetes-int-or-string`), string
//! limits (`maxLength`, `minLength`, `pattern`), number limits (`minimum`, `maximum`, exclusive
//! variants), array limits (`maxItems`, `minItems`) and `items`, `enum`, then object `required`,
//! `properties` and `additionalProperties`. A type mismatch stops the checks of that node.
//! Not checked: `format`, `uniqueItems`, `multipleOf`, `minProperties`/`maxProperties`,
//! `allOf`/`anyOf`/`oneOf`/`not`, list types and CEL `x-kubernetes-validations`.

use serde_json::Value;

use super::{FieldError, ROOT_RESERVED, child, number_text};

/// All field errors of a whole object (root `apiVersion`, `kind` and `metadata` are skipped).
pub fn validate(obj: &Value, schema: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    node(obj, schema, "", ROOT_RESERVED, &mut errors);
    errors
}

/// The JSON type name kube-openapi reports for a value (`number` for any float, even `3.0`).
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a value of JSON type `actual` satisfies `wanted` (an integral float is an integer,
/// an integer is a number).
fn type_matches(wanted: &str, actual: &str, value: &Value) -> bool {
    wanted == actual
        || (wanted == "number" && actual == "integer")
        || (wanted == "integer" && actual == "number" && value.as_f64().is_some_and(|f| f.fract() == 0.0))
}

fn type_error(path: &str, wanted: &str, actual: &str) -> FieldError {
    FieldError::type_invalid(path, actual, &format!("{path} in body must be of type {wanted}: \"{actual}\""))
}

/// Check the type; false when the node's other checks must be skipped.
fn check_type(value: &Value, schema: &Value, path: &str, errors: &mut Vec<FieldError>) -> bool {
    let actual = type_name(value);
    if value.is_null() {
        if schema["nullable"].as_bool() == Some(true) {
            return false;
        }
        if let Some(wanted) = schema["type"].as_str() {
            errors.push(type_error(path, wanted, actual));
        }
        return false;
    }
    if schema["x-kubernetes-int-or-string"].as_bool() == Some(true) {
        if !matches!(actual, "integer" | "string") {
            errors.push(type_error(path, "integer", actual));
            errors.push(type_error(path, "string", actual));
            return false;
        }
        return true;
    }
    match schema["type"].as_str() {
        Some(wanted) if !type_matches(wanted, actual, value) => {
            errors.push(type_error(path, wanted, actual));
            false
        }
        _ => true,
    }
}

fn node(value: &Value, schema: &Value, path: &str, reserved: &[&str], errors: &mut Vec<FieldError>) {
    if !check_type(value, schema, path, errors) {
        return;
    }
    match value {
        Value::String(s) => string_limits(s, value, schema, path, errors),
        Value::Number(n) => {
            if let Some(n) = n.as_f64() {
                number_limits(n, value, schema, path, errors);
            }
        }
        Value::Array(items) => {
            let len = items.len();
            if let Some(max) = schema["maxItems"].as_u64().filter(|m| len as u64 > *m) {
                errors.push(FieldError::too_many(path, len, max));
            }
            if let Some(min) = schema["minItems"].as_u64().filter(|m| (len as u64) < *m) {
                let detail = format!("{path} in body should have at least {min} items");
                errors.push(FieldError::invalid(path, &Value::from(len), &detail));
            }
            if schema["items"].is_object() {
                for (i, item) in items.iter().enumerate() {
                    node(item, &schema["items"], &format!("{path}[{i}]"), &[], errors);
                }
            }
        }
        _ => {}
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.iter().any(|a| same(a, value))
    {
        errors.push(FieldError::not_supported(path, value, allowed));
    }
    if let Value::Object(map) = value {
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(name) && !reserved.contains(&name) {
                errors.push(FieldError::required(&child(path, name)));
            }
        }
        let props = schema["properties"].as_object();
        let additional = &schema["additionalProperties"];
        for (key, v) in map {
            if reserved.contains(&key.as_str()) {
                continue;
            }
            if let Some(s) = props.and_then(|p| p.get(key)) {
                node(v, s, &child(path, key), &[], errors);
            } else if additional.is_object() {
                node(v, additional, &child(path, key), &[], errors);
            }
        }
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn string_limits(s: &str, value: &Value, schema: &Value, path: &str, errors: &mut Vec<FieldError>) {
    // kube-openapi counts runes, not bytes.
    let len = s.chars().count() as u64;
    if let Some(max) = schema["maxLength"].as_u64().filter(|m| len > *m) {
        errors.push(FieldError::too_long(path, max));
    }
    if let Some(min) = schema["minLength"].as_u64().filter(|m| len < *m) {
        let detail = format!("{path} in body should be at least {min} chars long");
        errors.push(FieldError::invalid(path, value, &detail));
    }
    if let Some(pattern) = schema["pattern"].as_str()
        && let Ok(re) = regex::Regex::new(pattern)
        && !re.is_match(s)
    {
        let detail = format!("{path} in body should match '{pattern}'");
        errors.push(FieldError::invalid(path, value, &detail));
    }
}

fn number_limits(n: f64, value: &Value, schema: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(min) = schema["minimum"].as_f64() {
        let exclusive = schema["exclusiveMinimum"].as_bool() == Some(true);
        if n < min || (exclusive && n <= min) {
            let op = if exclusive { "greater than" } else { "greater than or equal to" };
            let detail = format!("{path} in body should be {op} {}", number_text(min));
            errors.push(FieldError::invalid(path, value, &detail));
        }
    }
    if let Some(max) = schema["maximum"].as_f64() {
        let exclusive = schema["exclusiveMaximum"].as_bool() == Some(true);
        if n > max || (exclusive && n >= max) {
            let op = if exclusive { "less than" } else { "less than or equal to" };
            let detail = format!("{path} in body should be {op} {}", number_text(max));
            errors.push(FieldError::invalid(path, value, &detail));
        }
    }
}
