//! Structural schemas of custom resources: pruning, defaulting and validation against a CRD
//! version's `schema.openAPIV3Schema`, as kube-apiserver (apiextensions-apiserver) does on every
//! write of a custom resource.
//!
//! Model: the schema is the raw JSON of the CRD (no compilation step); [`admit`] runs the three
//! passes in upstream order — prune unknown fields ([`prune`]), fill defaults ([`default`]),
//! validate ([`validate`]) — and returns kube-apiserver's field errors ([`FieldError`]), which
//! [`invalid`] turns into the 422 `Invalid` `Status` with `details.causes`.
//!
//! Invariants: `apiVersion`, `kind` and `metadata` at the root are never pruned, defaulted or
//! validated here; the passes never panic on malformed schemas (unknown keywords are ignored).

pub mod default;
pub mod prune;
pub mod validate;

use serde_json::{Value, json};

use super::status::ApiError;

/// Root keys the schema never touches (kube-apiserver validates them separately).
pub const ROOT_RESERVED: &[&str] = &["apiVersion", "kind", "metadata"];

/// One field error, as `k8s.io/apimachinery/pkg/util/validation/field.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `spec.replicas` or `spec.items[0].name`.
    pub field: String,
    /// The cause type, e.g. `FieldValueInvalid`.
    pub reason: &'static str,
    /// The error body without the field, e.g. `Required value`.
    pub body: String,
}

impl FieldError {
    /// `Required value`.
    pub fn required(field: &str) -> Self {
        Self { field: field.to_owned(), reason: "FieldValueRequired", body: "Required value".into() }
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Self {
        let body = format!("Invalid value: {}: {detail}", render(value));
        Self { field: field.to_owned(), reason: "FieldValueInvalid", body }
    }

    /// `Invalid value: "<type>": <detail>` (the value is the JSON type name, as upstream).
    pub fn type_invalid(field: &str, actual_type: &str, detail: &str) -> Self {
        let body = format!("Invalid value: {}: {detail}", quote(actual_type));
        Self { field: field.to_owned(), reason: "FieldValueTypeInvalid", body }
    }

    /// `Unsupported value: <value>: supported values: "a", "b"`.
    pub fn not_supported(field: &str, value: &Value, allowed: &[Value]) -> Self {
        let allowed: Vec<String> = allowed
            .iter()
            .map(|v| match v {
                Value::String(s) => quote(s),
                other => quote(&other.to_string()),
            })
            .collect();
        let body = format!("Unsupported value: {}: supported values: {}", render(value), allowed.join(", "));
        Self { field: field.to_owned(), reason: "FieldValueNotSupported", body }
    }

    /// `Too long: may not be more than <max> bytes` (upstream `TooLongMaxLength`).
    pub fn too_long(field: &str, max: u64) -> Self {
        let body = format!("Too long: may not be more than {max} bytes");
        Self { field: field.to_owned(), reason: "FieldValueTooLong", body }
    }

    /// `Too many: <actual>: must have at most <max> items`.
    pub fn too_many(field: &str, actual: usize, max: u64) -> Self {
        let body = format!("Too many: {actual}: must have at most {max} items");
        Self { field: field.to_owned(), reason: "FieldValueTooMany", body }
    }

    /// `<field>: <body>`, one element of the aggregated message.
    pub fn message(&self) -> String {
        format!("{}: {}", self.field, self.body)
    }
}

/// Go's `%q` of a string (JSON quoting is the same for everything the sim produces).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A float as Go's `%v` prints it (`1` not `1.0`).
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{n:.0}") } else { format!("{n}") }
}

/// A bad value as `field.Error` prints it: strings quoted, numbers and booleans bare, `null`,
/// anything else as JSON.
pub fn render(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), number_text),
        other => other.to_string(),
    }
}

/// The `openAPIV3Schema` of the CRD version named `version`, or of its first version when no
/// version matches.
pub fn version_schema<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    let versions = crd["spec"]["versions"].as_array()?;
    let chosen =
        versions.iter().find(|v| v["name"].as_str() == Some(version)).or_else(|| versions.first())?;
    chosen["schema"]["openAPIV3Schema"].as_object().map(|_| &chosen["schema"]["openAPIV3Schema"])
}

/// Prune, default and validate a whole custom resource in place.
///
/// # Errors
/// The field errors validation found (the object is pruned and defaulted regardless).
pub fn admit(obj: &mut Value, schema: &Value) -> Result<(), Vec<FieldError>> {
    prepare(obj, schema);
    let errors = validate::validate(obj, schema);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The decoding half of [`admit`]: prune unknown fields, then fill defaults.
pub fn prepare(obj: &mut Value, schema: &Value) {
    prune::prune(obj, schema);
    default::default(obj, schema);
}

/// kube-apiserver's `NewInvalid`: 422 with the aggregated message (no brackets for one error,
/// duplicates dropped) and one `details.causes` entry per error.
pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> ApiError {
    let mut messages: Vec<String> = Vec::new();
    for e in errors {
        let m = e.message();
        if !messages.contains(&m) {
            messages.push(m);
        }
    }
    let qualified = if group.is_empty() { kind.to_owned() } else { format!("{kind}.{group}") };
    let aggregate = match messages.as_slice() {
        [] => String::new(),
        [one] => format!(": {one}"),
        many => format!(": [{}]", many.join(", ")),
    };
    let causes: Vec<Value> =
        errors.iter().map(|e| json!({"reason": e.reason, "message": e.body, "field": e.field})).collect();
    let mut details = json!({"name": name, "kind": kind, "causes": causes});
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    let mut err = ApiError::invalid(format!("{qualified} {} is invalid{aggregate}", quote(name)));
    err.details = Some(Box::new(details));
    err
}

/// Child path of a property.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Whether a schema preserves unknown fields.
pub(crate) fn preserves(schema: &Value) -> bool {
    schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true)
}

#[cfg(test)]
mod tests;
