use jiff::Timestamp;
use serde_json::{Value, json};

use super::{EventType, ResourceKey, Store, StoreError, UpdateScope};

fn pods() -> ResourceKey {
    ResourceKey::new("", "pods")
}

fn t0() -> Timestamp {
    Timestamp::from_second(1_700_000_000).expect("valid timestamp")
}

/// Builder for a minimal pod fixture.
fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
           "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_write_takes_the_next_global_resource_version() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let cm = store.create(&ResourceKey::new("", "configmaps"), pod("c"), t0()).unwrap();
    let b = store.create(&pods(), pod("b"), t0()).unwrap();
    assert_eq!((rv(&a), rv(&cm), rv(&b)), ("1".into(), "2".into(), "3".into()));
    let deleted = store.delete(&pods(), "default", "a").unwrap();
    assert_eq!(rv(&deleted), "4");
    assert_eq!(store.revision(), 4);
}

#[test]
fn create_sets_uid_creation_timestamp_and_generation() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    assert_eq!(a["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(a["metadata"]["generation"], 1);
    assert_eq!(a["metadata"]["uid"], "5e1f0000-0000-4000-8000-000000000001");
}

#[test]
fn creating_an_existing_name_is_already_exists() {
    let mut store = Store::default();
    store.create(&pods(), pod("a"), t0()).unwrap();
    let err = store.create(&pods(), pod("a"), t0()).unwrap_err();
    assert_eq!(err.to_string(), "pods \"a\" already exists");
}

#[test]
fn generate_name_appends_a_five_character_suffix() {
    let mut store = Store::default();
    let obj = json!({"metadata": {"generateName": "web-", "namespace": "default"}});
    let a = store.create(&pods(), obj, t0()).unwrap();
    let name = a["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
}

#[test]
fn object_without_name_or_generate_name_is_rejected() {
    let mut store = Store::default();
    let err = store.create(&pods(), json!({"metadata": {}}), t0()).unwrap_err();
    assert!(matches!(err, StoreError::MissingName { .. }));
}

#[test]
fn update_with_a_stale_resource_version_is_a_conflict() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let mut first = a.clone();
    first["spec"]["nodeName"] = json!("node-1");
    store.update(&pods(), first, UpdateScope::Whole).unwrap();
    let mut stale = a;
    stale["spec"]["nodeName"] = json!("node-2");
    let err = store.update(&pods(), stale, UpdateScope::Whole).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Operation cannot be fulfilled on pods \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );
}

#[test]
fn update_without_resource_version_is_unconditional() {
    let mut store = Store::default();
    store.create(&pods(), pod("a"), t0()).unwrap();
    let mut obj = pod("a");
    obj["spec"]["nodeName"] = json!("node-1");
    let new = store.update(&pods(), obj, UpdateScope::Whole).unwrap();
    assert_eq!(new["spec"]["nodeName"], "node-1");
    assert_eq!(rv(&new), "2");
}

#[test]
fn spec_changes_bump_generation_and_status_changes_do_not() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let mut status = a.clone();
    status["status"] = json!({"phase": "Running"});
    let after_status = store.update(&pods(), status, UpdateScope::Status).unwrap();
    assert_eq!(after_status["metadata"]["generation"], 1);
    let mut spec = after_status.clone();
    spec["spec"]["nodeName"] = json!("node-1");
    let after_spec = store.update(&pods(), spec, UpdateScope::Main).unwrap();
    assert_eq!(after_spec["metadata"]["generation"], 2);
    assert_eq!(after_spec["status"]["phase"], "Running");
}

#[test]
fn main_scope_keeps_the_stored_status_and_status_scope_keeps_the_stored_spec() {
    let mut store = Store::default();
    let mut obj = pod("a");
    obj["status"] = json!({"phase": "Pending"});
    let a = store.create(&pods(), obj, t0()).unwrap();
    let mut both = a.clone();
    both["status"]["phase"] = json!("Failed");
    both["spec"]["nodeName"] = json!("node-9");
    let main = store.update(&pods(), both.clone(), UpdateScope::Main).unwrap();
    assert_eq!(
        (main["status"]["phase"].as_str(), main["spec"]["nodeName"].as_str()),
        (Some("Pending"), Some("node-9"))
    );
    both["metadata"]["resourceVersion"] = main["metadata"]["resourceVersion"].clone();
    both["spec"]["nodeName"] = json!("node-7");
    let status = store.update(&pods(), both, UpdateScope::Status).unwrap();
    assert_eq!(
        (status["status"]["phase"].as_str(), status["spec"]["nodeName"].as_str()),
        (Some("Failed"), Some("node-9"))
    );
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let same = store.update(&pods(), a.clone(), UpdateScope::Whole).unwrap();
    assert_eq!(same, a);
    assert_eq!(store.revision(), 1);
    assert_eq!(store.events_since(&pods(), 1).unwrap().len(), 0);
}

#[test]
fn uid_and_creation_timestamp_cannot_be_changed_by_update() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let mut obj = a.clone();
    obj["metadata"]["uid"] = json!("other");
    obj["metadata"]["creationTimestamp"] = json!("2000-01-01T00:00:00Z");
    obj["metadata"]["labels"] = json!({"x": "y"});
    let new = store.update(&pods(), obj, UpdateScope::Whole).unwrap();
    assert_eq!(new["metadata"]["uid"], a["metadata"]["uid"]);
    assert_eq!(new["metadata"]["creationTimestamp"], a["metadata"]["creationTimestamp"]);
    assert_eq!(new["metadata"]["labels"]["x"], "y");
}

#[test]
fn updating_or_deleting_a_missing_object_is_not_found() {
    let mut store = Store::default();
    assert_eq!(
        store.update(&pods(), pod("x"), UpdateScope::Whole).unwrap_err().to_string(),
        "pods \"x\" not found"
    );
    let err = store.delete(&ResourceKey::new("apps", "deployments"), "default", "x").unwrap_err();
    assert_eq!(err.to_string(), "deployments.apps \"x\" not found");
}

#[test]
fn events_since_returns_later_events_in_order() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let mut m = a;
    m["spec"]["nodeName"] = json!("n");
    store.update(&pods(), m, UpdateScope::Whole).unwrap();
    store.delete(&pods(), "default", "a").unwrap();
    let kinds: Vec<(EventType, u64)> =
        store.events_since(&pods(), 1).unwrap().iter().map(|e| (e.kind, e.resource_version)).collect();
    assert_eq!(kinds, vec![(EventType::Modified, 2), (EventType::Deleted, 3)]);
}

#[test]
fn watching_from_before_the_log_is_expired() {
    let mut store = Store::new(2);
    for name in ["a", "b", "c", "d"] {
        store.create(&pods(), pod(name), t0()).unwrap();
    }
    // Events 1 and 2 were dropped: starting after 2 still works, after 1 does not.
    assert_eq!(store.events_since(&pods(), 2).unwrap().len(), 2);
    let err = store.events_since(&pods(), 1).unwrap_err();
    assert_eq!(err, StoreError::Expired { requested: 1, oldest: 2 });
    assert_eq!(err.to_string(), "too old resource version: 1 (2)");
}

#[test]
fn list_filters_by_namespace_and_orders_by_name() {
    let mut store = Store::default();
    for (ns, name) in [("b", "y"), ("a", "z"), ("a", "x")] {
        let mut p = pod(name);
        p["metadata"]["namespace"] = json!(ns);
        store.create(&pods(), p, t0()).unwrap();
    }
    let names = |ns| -> Vec<String> {
        store.list(&pods(), ns).iter().map(|o| o["metadata"]["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(None), vec!["x", "z", "y"]);
    assert_eq!(names(Some("a")), vec!["x", "z"]);
}

#[test]
fn planning_a_write_changes_nothing() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let planned = store.plan_create(&pods(), pod("b"), t0()).unwrap();
    assert_eq!(planned["metadata"]["resourceVersion"], "2");
    let mut changed = a.clone();
    changed["spec"]["nodeName"] = json!("n");
    let super::Planned::Write(update) = store.plan_update(&pods(), changed, UpdateScope::Whole).unwrap()
    else {
        panic!("a spec change is a write");
    };
    assert_eq!(update["metadata"]["generation"], 2);
    assert_eq!(store.plan_delete(&pods(), "default", "a").unwrap()["metadata"]["resourceVersion"], "2");
    assert_eq!(store.revision(), 1);
    assert!(store.get(&pods(), "default", "b").is_none());
    assert_eq!(store.get(&pods(), "default", "a"), Some(&a));
    assert!(store.events_since(&pods(), 1).unwrap().is_empty());
}

#[test]
fn modified_events_carry_the_previous_object() {
    let mut store = Store::default();
    let a = store.create(&pods(), pod("a"), t0()).unwrap();
    let mut m = a.clone();
    m["metadata"]["labels"] = json!({"app": "x"});
    store.update(&pods(), m, UpdateScope::Whole).unwrap();
    let events = store.events_since(&pods(), 0).unwrap();
    assert_eq!(events[0].previous, None);
    assert_eq!(events[1].previous.as_deref(), Some(&a));
}

fn names<'a>(objects: impl Iterator<Item = &'a std::sync::Arc<Value>>) -> Vec<String> {
    objects
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_shared_list_reads_one_namespace_and_continues_after_an_id() {
    let mut store = Store::default();
    for (ns, name) in [("a", "x"), ("a", "y"), ("ab", "x"), ("b", "x"), ("", "z")] {
        let mut obj = pod(name);
        obj["metadata"]["namespace"] = json!(ns);
        store.create(&pods(), obj, t0()).unwrap();
    }
    assert_eq!(names(store.list_shared(&pods(), Some("a"), None)), ["a/x", "a/y"]);
    assert_eq!(names(store.list_shared(&pods(), Some("a"), Some(("a", "x")))), ["a/y"]);
    assert_eq!(names(store.list_shared(&pods(), Some("ab"), Some(("a", "y")))), ["ab/x"]);
    assert_eq!(names(store.list_shared(&pods(), Some("c"), None)), Vec::<String>::new());
    assert_eq!(names(store.list_shared(&pods(), None, Some(("ab", "x")))), ["b/x"]);
    assert_eq!(names(store.list_shared(&pods(), None, None)), ["/z", "a/x", "a/y", "ab/x", "b/x"]);
}

#[test]
fn the_watch_log_shares_the_stored_object() {
    let mut store = Store::default();
    store.create(&pods(), pod("a"), t0()).unwrap();
    let events = store.events_since(&pods(), 0).unwrap();
    let stored = store.list_shared(&pods(), None, None).next().unwrap();
    assert!(std::sync::Arc::ptr_eq(&events[0].object, stored), "one copy per object version");
}
