//! Resource views: a resource served by one API group but stored as another's objects, converted
//! on every read and write, as kube-apiserver serves several API groups from one storage.
//!
//! One view is `events.k8s.io/v1` `events`, a view of core/v1 `events` (upstream both
//! are the same `events` storage, converted through the internal `core.Event`; see
//! `kubernetes/pkg/apis/events/v1/conversion.go`). Objects are stored in the core/v1 shape, so a
//! write through either API is visible through both, with one resourceVersion sequence, one watch
//! log and one field-selector vocabulary.
//!
//! The other is a version view: `autoscaling/v1` `HorizontalPodAutoscalers` over the stored
//! `autoscaling/v2` objects (same group and resource, see [`hpa`] and [`View::for_version`]).
//!
//! Invariants: [`events_v1_to_core`] and [`core_to_events_v1`] are inverses on every field either
//! shape has (they only rename top-level keys; the shared keys pass through unchanged); field
//! selectors are always matched against the stored (core) shape, so a view maps its field labels
//! to core paths ([`View::field_path`]).

pub mod hpa;

use serde_json::Value;

use crate::sim::resources::ResourceInfo;
use crate::sim::store::ResourceKey;

/// Top-level fields that only differ in name: (core/v1, events.k8s.io/v1).
///
/// The remaining fields are the same in both shapes: `metadata`, `eventTime`, `series`,
/// `related`, `action`, `reason`, `type`, `reportingInstance`.
pub const EVENT_RENAMES: &[(&str, &str)] = &[
    ("message", "note"),
    ("involvedObject", "regarding"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

/// The parts of an `ObjectReference` a core Event's `involvedObject.*` field selectors may name.
const REFERENCE_FIELDS: &[&str] =
    &["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];

/// A served shape of another resource's stored objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `events.k8s.io/v1` Events over core/v1 `events`.
    EventsV1,
    /// `autoscaling/v1` `HorizontalPodAutoscalers` over the stored `autoscaling/v2` ones.
    HpaV1,
}

impl View {
    /// Where the objects are stored.
    pub fn storage(self) -> ResourceKey {
        match self {
            Self::EventsV1 => ResourceKey::new("", "events"),
            Self::HpaV1 => ResourceKey::new("autoscaling", "horizontalpodautoscalers"),
        }
    }

    /// `apiVersion` of the objects in this view's shape.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::EventsV1 => "events.k8s.io/v1",
            Self::HpaV1 => "autoscaling/v1",
        }
    }

    /// A stored object in this view's shape, `apiVersion` included (what in-process readers of
    /// the view's key get).
    pub fn present(self, stored: Value) -> Value {
        let mut obj = self.from_storage(stored);
        if let Some(map) = obj.as_object_mut() {
            map.insert("apiVersion".into(), Value::from(self.api_version()));
        }
        obj
    }

    /// An object in this view's shape ready for storage, `apiVersion` included.
    pub fn store(self, viewed: Value) -> Value {
        let mut obj = self.to_storage(viewed);
        if let Some(map) = obj.as_object_mut() {
            map.insert("apiVersion".into(), Value::from(self.storage_api_version()));
        }
        obj
    }

    /// `apiVersion` of the stored objects.
    pub fn storage_api_version(self) -> &'static str {
        match self {
            Self::EventsV1 => "v1",
            Self::HpaV1 => "autoscaling/v2",
        }
    }

    /// A stored object in this view's shape (`apiVersion`/`kind` are left to the caller).
    pub fn from_storage(self, stored: Value) -> Value {
        match self {
            Self::EventsV1 => core_to_events_v1(stored),
            Self::HpaV1 => hpa::v2_to_v1(stored),
        }
    }

    /// An object in this view's shape converted for storage.
    pub fn to_storage(self, viewed: Value) -> Value {
        match self {
            Self::EventsV1 => events_v1_to_core(viewed),
            Self::HpaV1 => hpa::v1_to_v2(viewed),
        }
    }

    /// The stored-object path a field label of this view selects on, like upstream's
    /// `AddFieldLabelConversionsForEvent`; `None` for labels the view does not support.
    pub fn field_path(self, label: &str) -> Option<String> {
        match self {
            Self::EventsV1 => {
                if let Some(part) = label.strip_prefix("regarding.") {
                    return REFERENCE_FIELDS.contains(&part).then(|| format!("involvedObject.{part}"));
                }
                match label {
                    "reportingController" => Some("reportingComponent".into()),
                    "reason" | "type" | "metadata.name" | "metadata.namespace" => Some(label.into()),
                    "source" => Some("source.component".into()),
                    _ => None,
                }
            }
            Self::HpaV1 => crate::sim::selector::SUPPORTED_FIELDS.contains(&label).then(|| label.to_owned()),
        }
    }

    /// The view serving `version` of `info` when that version is not the stored one: the
    /// resource's own [`ResourceInfo::view`], else `autoscaling/v1` HPAs ([`View::HpaV1`]).
    pub fn for_version(info: &ResourceInfo, version: &str) -> Option<Self> {
        info.view.or_else(|| {
            (info.group == "autoscaling" && info.plural == "horizontalpodautoscalers" && version == "v1")
                .then_some(Self::HpaV1)
        })
    }
}

/// The stored-object path a field label of `info` selects on: the view's own labels for a view,
/// the Event labels plus the generic ones for core Events, the generic
/// [`SUPPORTED_FIELDS`](crate::sim::selector::SUPPORTED_FIELDS) otherwise.
pub fn field_path(info: &ResourceInfo, label: &str) -> Option<String> {
    if let Some(view) = info.view {
        return view.field_path(label);
    }
    let generic = || crate::sim::selector::SUPPORTED_FIELDS.contains(&label).then(|| label.to_owned());
    if info.group.is_empty() && info.plural == "events" {
        return core_event_field_path(label).or_else(generic);
    }
    generic()
}

/// The stored-object path of a core/v1 Event field label (upstream `EventToSelectableFields`):
/// `involvedObject.*`, `reason`, `reportingComponent`, `source` (the source component), `type`.
pub fn core_event_field_path(label: &str) -> Option<String> {
    if let Some(part) = label.strip_prefix("involvedObject.") {
        return REFERENCE_FIELDS.contains(&part).then(|| label.to_owned());
    }
    match label {
        "reason" | "reportingComponent" | "type" => Some(label.into()),
        "source" => Some("source.component".into()),
        _ => None,
    }
}

fn rename(mut obj: Value, pairs: impl Iterator<Item = (&'static str, &'static str)>) -> Value {
    if let Some(map) = obj.as_object_mut() {
        for (from, to) in pairs {
            if let Some(v) = map.remove(from) {
                map.insert(to.to_owned(), v);
            }
        }
    }
    obj
}

/// A core/v1 Event in the `events.k8s.io/v1` shape (upstream `Convert_core_Event_To_v1_Event`).
pub fn core_to_events_v1(core: Value) -> Value {
    rename(core, EVENT_RENAMES.iter().copied())
}

/// An `events.k8s.io/v1` Event in the core/v1 shape (upstream `Convert_v1_Event_To_core_Event`).
pub fn events_v1_to_core(event: Value) -> Value {
    rename(event, EVENT_RENAMES.iter().map(|(core, events)| (*events, *core)))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{View, core_event_field_path, core_to_events_v1, events_v1_to_core};

    fn reference() -> Value {
        json!({"kind": "HorizontalPodAutoscaler", "namespace": "default", "name": "web",
               "uid": "u-1", "apiVersion": "autoscaling/v2"})
    }

    /// Every field of an events.k8s.io/v1 Event, set.
    fn full_events_v1() -> Value {
        json!({
            "metadata": {"name": "web.1", "namespace": "default"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "series": {"count": 3, "lastObservedTime": "2026-01-01T00:01:00.000000Z"},
            "reportingController": "bellows",
            "reportingInstance": "bellows-0",
            "action": "Scale",
            "reason": "SuccessfulRescale",
            "regarding": reference(),
            "related": {"kind": "Deployment", "name": "web"},
            "note": "New size: 4",
            "type": "Normal",
            "deprecatedSource": {"component": "bellows", "host": "node-1"},
            "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z",
            "deprecatedLastTimestamp": "2026-01-01T00:01:00Z",
            "deprecatedCount": 3,
        })
    }

    // After kubernetes pkg/apis/events/v1 Test_convert_v1_Event_To_core_Event, extended to every field.
    #[test]
    fn an_events_v1_event_maps_every_field_to_its_core_name() {
        let core = events_v1_to_core(full_events_v1());
        assert_eq!(core["message"], "New size: 4");
        assert_eq!(core["involvedObject"], reference());
        assert_eq!(core["source"], json!({"component": "bellows", "host": "node-1"}));
        assert_eq!(core["firstTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(core["lastTimestamp"], "2026-01-01T00:01:00Z");
        assert_eq!(core["count"], 3);
        assert_eq!(core["reportingComponent"], "bellows");
        assert_eq!(core["reportingInstance"], "bellows-0");
        assert_eq!(core["related"], json!({"kind": "Deployment", "name": "web"}));
        assert_eq!(core["series"]["count"], 3);
        assert_eq!(core["eventTime"], "2026-01-01T00:00:00.000000Z");
        assert_eq!(
            (core["action"].as_str(), core["reason"].as_str()),
            (Some("Scale"), Some("SuccessfulRescale"))
        );
        assert_eq!(core["type"], "Normal");
        for gone in ["note", "regarding", "deprecatedSource", "deprecatedCount", "reportingController"] {
            assert!(core.get(gone).is_none(), "{gone} left in {core}");
        }
    }

    // After kubernetes pkg/apis/events/v1 Test_convert_core_Event_To_v1_Event.
    #[test]
    fn a_core_event_maps_to_the_events_v1_names() {
        let core = json!({"metadata": {"name": "foo", "namespace": "default"},
                          "involvedObject": {"namespace": "default", "name": "foo", "kind": "Pod"},
                          "source": {"component": "controller-manager", "host": "master1"},
                          "message": "convert core event to v1 event"});
        assert_eq!(
            core_to_events_v1(core),
            json!({"metadata": {"name": "foo", "namespace": "default"},
                   "regarding": {"namespace": "default", "name": "foo", "kind": "Pod"},
                   "deprecatedSource": {"component": "controller-manager", "host": "master1"},
                   "note": "convert core event to v1 event"})
        );
    }

    #[test]
    fn conversion_round_trips_both_ways() {
        let event = full_events_v1();
        assert_eq!(core_to_events_v1(events_v1_to_core(event.clone())), event);
        let core = events_v1_to_core(event);
        assert_eq!(events_v1_to_core(core_to_events_v1(core.clone())), core);
    }

    #[test]
    fn field_labels_map_to_stored_core_paths() {
        let view = View::EventsV1;
        assert_eq!(view.field_path("regarding.name").as_deref(), Some("involvedObject.name"));
        assert_eq!(view.field_path("regarding.uid").as_deref(), Some("involvedObject.uid"));
        assert_eq!(view.field_path("reportingController").as_deref(), Some("reportingComponent"));
        assert_eq!(view.field_path("metadata.name").as_deref(), Some("metadata.name"));
        assert_eq!(view.field_path("involvedObject.name"), None);
        assert_eq!(view.field_path("note"), None);
        assert_eq!(core_event_field_path("involvedObject.kind").as_deref(), Some("involvedObject.kind"));
        assert_eq!(core_event_field_path("source").as_deref(), Some("source.component"));
        assert_eq!(core_event_field_path("regarding.name"), None);
    }
}
