//! Label and field selectors, parsed from their query-string forms and matched against objects.
//!
//! Label selector grammar (as `k8s.io/apimachinery/pkg/labels`): comma-separated requirements,
//! each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`,
//! `key>n`, `key<n`. All requirements must hold (AND); an empty selector matches everything.
//! `!=` and `notin` also match objects without the label, as upstream does.
//!
//! Field selectors support `=`, `==` and `!=` on the fields kube-apiserver indexes for the types the
//! sim serves: `metadata.name`, `metadata.namespace`, `spec.nodeName`, `status.phase`, plus the
//! per-resource labels a caller maps to object paths ([`FieldSelector::parse_mapped`], e.g. Event
//! `involvedObject.*`). A missing field compares as the empty string; numbers compare as text.

use serde_json::Value;

/// Selector parse failures (HTTP 400 `BadRequest`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A label requirement that does not parse.
    #[error("unable to parse requirement: {0:?}")]
    BadLabelRequirement(String),
    /// A set (`in`/`notin`) without parentheses.
    #[error("unable to parse requirement: {0:?}: expected a parenthesised list of values")]
    BadSet(String),
    /// A field requirement without an operator.
    #[error("invalid selector: '{0}'; can't understand '{0}'")]
    BadFieldRequirement(String),
    /// A field the sim does not index.
    #[error("field label not supported: {0}")]
    UnsupportedField(String),
}

/// One label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelOp {
    Exists,
    DoesNotExist,
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    GreaterThan(i64),
    LessThan(i64),
}

/// A parsed label selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<(String, LabelOp)>,
}

/// Split on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

fn parse_set(req: &str, rest: &str) -> Result<Vec<String>, SelectorError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| SelectorError::BadSet(req.to_owned()))?;
    Ok(inner.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn parse_requirement(req: &str) -> Result<(String, LabelOp), SelectorError> {
    let bad = || SelectorError::BadLabelRequirement(req.to_owned());
    if let Some(key) = req.strip_prefix('!') {
        let key = key.trim();
        return if valid_key(key) { Ok((key.to_owned(), LabelOp::DoesNotExist)) } else { Err(bad()) };
    }
    for (word, is_in) in [(" notin ", false), (" in ", true)] {
        if let Some(pos) = req.find(word) {
            let key = req[..pos].trim();
            let values = parse_set(req, &req[pos + word.len()..])?;
            if !valid_key(key) {
                return Err(bad());
            }
            let op = if is_in { LabelOp::In(values) } else { LabelOp::NotIn(values) };
            return Ok((key.to_owned(), op));
        }
    }
    for (sym, build) in
        [("!=", LabelOp::NotEquals as fn(String) -> LabelOp), ("==", LabelOp::Equals), ("=", LabelOp::Equals)]
    {
        if let Some((key, value)) = req.split_once(sym) {
            let key = key.trim();
            return if valid_key(key) {
                Ok((key.to_owned(), build(value.trim().to_owned())))
            } else {
                Err(bad())
            };
        }
    }
    for (sym, gt) in [(">", true), ("<", false)] {
        if let Some((key, value)) = req.split_once(sym) {
            let n: i64 = value.trim().parse().map_err(|_| bad())?;
            let op = if gt { LabelOp::GreaterThan(n) } else { LabelOp::LessThan(n) };
            return Ok((key.trim().to_owned(), op));
        }
    }
    if valid_key(req) { Ok((req.to_owned(), LabelOp::Exists)) } else { Err(bad()) }
}

impl LabelSelector {
    /// Parse the `labelSelector` query-string form.
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let requirements = split_top_level(s).into_iter().map(parse_requirement).collect::<Result<_, _>>()?;
        Ok(Self { requirements })
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = &obj["metadata"]["labels"];
        self.requirements.iter().all(|(key, op)| {
            let value = labels.get(key).and_then(Value::as_str);
            match op {
                LabelOp::Exists => value.is_some(),
                LabelOp::DoesNotExist => value.is_none(),
                LabelOp::Equals(v) => value == Some(v.as_str()),
                LabelOp::NotEquals(v) => value != Some(v.as_str()),
                LabelOp::In(vs) => value.is_some_and(|x| vs.iter().any(|v| v == x)),
                LabelOp::NotIn(vs) => value.is_none_or(|x| vs.iter().all(|v| v != x)),
                LabelOp::GreaterThan(n) => value.and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x > *n),
                LabelOp::LessThan(n) => value.and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x < *n),
            }
        })
    }
}

/// The fields a field selector may name.
pub const SUPPORTED_FIELDS: &[&str] =
    &["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"];

/// A parsed field selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parse the `fieldSelector` query-string form with the [`SUPPORTED_FIELDS`].
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        Self::parse_mapped(s, &|label| SUPPORTED_FIELDS.contains(&label).then(|| label.to_owned()))
    }

    /// Parse the `fieldSelector` query-string form; `path_of(label)` gives the object path a
    /// field label selects on (`None`: not supported), as upstream's per-type field label
    /// conversions do (e.g. `regarding.name` of `events.k8s.io` is the stored `involvedObject.name`).
    pub fn parse_mapped(s: &str, path_of: &dyn Fn(&str) -> Option<String>) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for req in split_top_level(s) {
            let (field, equal, value) = if let Some((f, v)) = req.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = req.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = req.split_once('=') {
                (f, true, v)
            } else {
                return Err(SelectorError::BadFieldRequirement(req.to_owned()));
            };
            let field = field.trim();
            let path = path_of(field).ok_or_else(|| SelectorError::UnsupportedField(field.to_owned()))?;
            requirements.push((path, equal, value.trim().to_owned()));
        }
        Ok(Self { requirements })
    }

    /// Whether an object satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        self.requirements.iter().all(|(field, equal, want)| {
            let got = match field.split('.').fold(obj, |v, k| &v[k]) {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (got == *want) == *equal
        })
    }
}

/// Render a `metav1.LabelSelector` object (`matchLabels` + `matchExpressions`) in the string form
/// the `scale` subresource reports in `status.selector`.
pub fn label_selector_string(selector: &Value) -> String {
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect())
        .unwrap_or_default();
    for expr in selector["matchExpressions"].as_array().into_iter().flatten() {
        let key = expr["key"].as_str().unwrap_or_default();
        let mut values: Vec<&str> =
            expr["values"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        values.sort_unstable();
        let part = match expr["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            _ => continue,
        };
        parts.push(part);
    }
    parts.sort();
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{FieldSelector, LabelSelector, SelectorError, label_selector_string};

    fn labelled(labels: &Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "default", "labels": labels},
               "spec": {"nodeName": "node-1"}, "status": {"phase": "Running"}})
    }

    // Cases after k8s.io/apimachinery/pkg/labels TestSelectorMatches / TestSetIsSubset.
    #[test]
    fn label_selectors_match_like_upstream() {
        let obj = labelled(&json!({"app": "web", "tier": "front", "n": "5"}));
        let table = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("app in (web,db)", true),
            ("app in (db)", false),
            ("app notin (db, cache)", true),
            ("missing notin (x)", true),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
            ("app in (web),tier notin (back)", true),
            ("n>4", true),
            ("n<5", false),
        ];
        for (selector, want) in table {
            let parsed = LabelSelector::parse(selector).unwrap();
            assert_eq!(parsed.matches(&obj), want, "selector {selector:?}");
        }
    }

    #[test]
    fn malformed_label_selectors_are_errors() {
        assert!(matches!(LabelSelector::parse("app in web"), Err(SelectorError::BadSet(_))));
        assert!(matches!(LabelSelector::parse("a b"), Err(SelectorError::BadLabelRequirement(_))));
    }

    #[test]
    fn field_selectors_match_supported_fields() {
        let obj = labelled(&json!({}));
        let table = [
            ("metadata.name=p", true),
            ("metadata.name==q", false),
            ("metadata.namespace!=kube-system", true),
            ("spec.nodeName=node-1,status.phase=Running", true),
            ("status.phase!=Running", false),
        ];
        for (selector, want) in table {
            assert_eq!(FieldSelector::parse(selector).unwrap().matches(&obj), want, "selector {selector:?}");
        }
    }

    #[test]
    fn unknown_fields_are_rejected_with_the_upstream_message() {
        let err = FieldSelector::parse("spec.foo=bar").unwrap_err();
        assert_eq!(err.to_string(), "field label not supported: spec.foo");
    }

    #[test]
    fn label_selector_objects_render_as_strings() {
        let sel = json!({"matchLabels": {"app": "web"},
                         "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]});
        assert_eq!(label_selector_string(&sel), "app=web,tier in (a,b)");
    }
}
