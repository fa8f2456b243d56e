use serde_json::{Value, json};

use super::{PatchError, PatchType, apply, fields_v1, parse_body, record_apply};

/// Builder for a deployment fixture with the given containers (name, image).
fn deployment(containers: &[(&str, &str)]) -> Value {
    let containers: Vec<Value> = containers.iter().map(|(n, i)| json!({"name": n, "image": i})).collect();
    json!({"metadata": {"name": "web", "labels": {"app": "web"}},
           "spec": {"replicas": 1, "template": {"spec": {"containers": containers}}}})
}

fn images(obj: &Value) -> Vec<(String, String)> {
    obj["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["image"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[test]
fn content_types_map_to_patch_types() {
    let table = [
        ("application/json-patch+json", PatchType::Json),
        ("application/merge-patch+json", PatchType::Merge),
        ("application/strategic-merge-patch+json; charset=utf-8", PatchType::Strategic),
        ("application/apply-patch+yaml", PatchType::Apply),
    ];
    for (ct, want) in table {
        assert_eq!(PatchType::from_content_type(ct).unwrap(), want, "{ct}");
    }
    assert!(matches!(PatchType::from_content_type("text/plain"), Err(PatchError::UnsupportedMediaType(_))));
}

#[test]
fn merge_patch_replaces_lists_and_deletes_nulls() {
    let d = deployment(&[("a", "x:1"), ("b", "y:1")]);
    let patch = json!({"metadata": {"labels": {"app": null, "tier": "web"}},
                       "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x:2"}]}}}});
    let out = apply(PatchType::Merge, &d, &patch).unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"tier": "web"}));
    assert_eq!(images(&out), vec![("a".into(), "x:2".into())]);
}

#[test]
fn json_patch_applies_rfc6902_operations() {
    let d = deployment(&[("a", "x:1")]);
    let patch = json!([{"op": "replace", "path": "/spec/replicas", "value": 4},
                       {"op": "add", "path": "/metadata/labels/tier", "value": "web"}]);
    let out = apply(PatchType::Json, &d, &patch).unwrap();
    assert_eq!(
        (out["spec"]["replicas"].as_i64(), out["metadata"]["labels"]["tier"].as_str()),
        (Some(4), Some("web"))
    );
}

#[test]
fn failing_json_patch_test_operation_is_an_error() {
    let d = deployment(&[("a", "x:1")]);
    let patch = json!([{"op": "test", "path": "/spec/replicas", "value": 9}]);
    assert!(matches!(apply(PatchType::Json, &d, &patch), Err(PatchError::JsonPatchFailed(_))));
}

// Behaviour after k8s.io/apimachinery strategicpatch TestStrategicMergePatch "merge lists of maps by key".
#[test]
fn strategic_merge_merges_containers_by_name() {
    let d = deployment(&[("a", "x:1"), ("b", "y:1")]);
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "b", "image": "y:2"}, {"name": "c", "image": "z:1"}]}}}});
    let out = apply(PatchType::Strategic, &d, &patch).unwrap();
    assert_eq!(
        images(&out),
        vec![("a".into(), "x:1".into()), ("b".into(), "y:2".into()), ("c".into(), "z:1".into())]
    );
}

#[test]
fn strategic_merge_honours_delete_and_replace_directives() {
    let d = deployment(&[("a", "x:1"), ("b", "y:1")]);
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}},
                       "metadata": {"labels": {"$patch": "replace", "only": "this"}}});
    let out = apply(PatchType::Strategic, &d, &patch).unwrap();
    assert_eq!(images(&out), vec![("b".into(), "y:1".into())]);
    assert_eq!(out["metadata"]["labels"], json!({"only": "this"}));
}

#[test]
fn strategic_merge_merges_conditions_by_type_and_ports_by_container_port() {
    let pod = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]},
                     "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]}});
    let patch = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 443}]}]},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let out = apply(PatchType::Strategic, &pod, &patch).unwrap();
    assert_eq!(out["status"]["conditions"][0], json!({"type": "Ready", "status": "True"}));
    assert_eq!(out["status"]["conditions"][1]["type"], "Initialized");
    assert_eq!(out["spec"]["containers"][0]["ports"].as_array().unwrap().len(), 2);
}

#[test]
fn strategic_merge_ignores_kubectl_set_element_order_directives() {
    let d = deployment(&[("a", "x:1")]);
    let patch = json!({"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "a"}],
                       "containers": [{"name": "a", "image": "x:3"}]}}}});
    let out = apply(PatchType::Strategic, &d, &patch).unwrap();
    assert_eq!(images(&out), vec![("a".into(), "x:3".into())]);
    assert!(out["spec"]["template"]["spec"].get("$setElementOrder/containers").is_none());
}

#[test]
fn apply_patch_bodies_may_be_yaml() {
    let body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n";
    let v = parse_body(PatchType::Apply, body).unwrap();
    assert_eq!(v["data"]["k"], "v");
    assert!(matches!(parse_body(PatchType::Merge, b"{nope"), Err(PatchError::Malformed(_))));
}

#[test]
fn apply_records_one_managed_fields_entry_per_manager() {
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "b"}},
                         "data": {"k": "v"}});
    assert_eq!(fields_v1(&applied), json!({"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:a": {}}}}));
    let mut obj = applied.clone();
    record_apply(&mut obj, &applied, "kubectl", "v1", "2026-01-01T00:00:00Z");
    record_apply(&mut obj, &applied, "kubectl", "v1", "2026-01-01T00:00:01Z");
    let entries = obj["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["time"], "2026-01-01T00:00:01Z");
}
