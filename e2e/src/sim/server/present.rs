//! Serialising stored objects as the served version of their resource without copying them.
//!
//! The store shares its objects (`Arc<Value>`); a response only has to set `apiVersion` and `kind`
//! to the version the URL names. [`Presented`] does that while serialising, so a list of 150,000
//! pods writes its JSON straight from the stored objects instead of deep-copying each one first.
//!
//! Invariant: the bytes are exactly those of the copying path (clone, insert `apiVersion` and
//! `kind`, serialise): top-level keys in the `Value` map's sorted order, the two keys replaced or
//! added in their sorted places.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// `obj` with `apiVersion` and `kind` replaced, serialised without a copy.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The stored object.
    pub obj: &'a Value,
    /// `apiVersion` to serve (`group/version` or `v1`).
    pub api_version: &'a str,
    /// `kind` to serve.
    pub kind: &'a str,
}

enum Entry<'a> {
    Text(&'a str),
    Json(&'a Value),
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(s) => serializer.serialize_str(s),
            Self::Json(v) => v.serialize(serializer),
        }
    }
}

impl Serialize for Presented<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(map) = self.obj.as_object() else {
            return self.obj.serialize(serializer);
        };
        let mut entries: Vec<(&str, Entry<'_>)> = map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "apiVersion" | "kind"))
            .map(|(k, v)| (k.as_str(), Entry::Json(v)))
            .collect();
        entries.push(("apiVersion", Entry::Text(self.api_version)));
        entries.push(("kind", Entry::Text(self.kind)));
        // The order a `Value` map iterates in (sorted keys), which the copying path produced.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = serializer.serialize_map(Some(entries.len()))?;
        for (k, v) in &entries {
            out.serialize_entry(k, v)?;
        }
        out.end()
    }
}

/// A `…List` response body over presented items, keys in sorted order like a `Value` map.
#[derive(Debug, serde::Serialize)]
pub struct ListBody<'a> {
    /// `apiVersion` of the list.
    #[serde(rename = "apiVersion")]
    pub api_version: &'a str,
    /// The items.
    pub items: Vec<Presented<'a>>,
    /// `<Kind>List`.
    pub kind: String,
    /// List metadata (`resourceVersion`, `continue`, `remainingItemCount`).
    pub metadata: &'a Value,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ListBody, Presented};

    fn copied(obj: &serde_json::Value, api_version: &str, kind: &str) -> String {
        let mut obj = obj.clone();
        obj["apiVersion"] = json!(api_version);
        obj["kind"] = json!(kind);
        serde_json::to_string(&obj).unwrap()
    }

    #[test]
    fn a_presented_object_serialises_to_the_same_bytes_as_the_copied_one() {
        let objects = [
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}, "spec": {"x": [1, 2]}}),
            json!({"metadata": {"name": "no-type-meta"}, "status": {}}),
            json!({"a": 1, "apiVersion": "v1", "b": 2, "kindly": 3, "kind": "Pod", "z": null}),
            json!({}),
        ];
        for obj in &objects {
            let presented = Presented { obj, api_version: "autoscaling/v1", kind: "HorizontalPodAutoscaler" };
            assert_eq!(
                serde_json::to_string(&presented).unwrap(),
                copied(obj, "autoscaling/v1", "HorizontalPodAutoscaler")
            );
        }
    }

    #[test]
    fn a_list_body_serialises_like_the_json_macro_list() {
        let items = [json!({"metadata": {"name": "a"}}), json!({"metadata": {"name": "b"}})];
        let metadata = json!({"resourceVersion": "7"});
        let body = ListBody {
            api_version: "v1",
            items: items.iter().map(|obj| Presented { obj, api_version: "v1", kind: "Pod" }).collect(),
            kind: "PodList".to_owned(),
            metadata: &metadata,
        };
        let presented: Vec<serde_json::Value> =
            items.iter().map(|o| serde_json::from_str(&copied(o, "v1", "Pod")).unwrap()).collect();
        let expected =
            json!({"kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": presented});
        assert_eq!(serde_json::to_string(&body).unwrap(), serde_json::to_string(&expected).unwrap());
    }
}
