use serde_json::{Value, json};

use super::{CellSource, ResourceError, ResourceTable};

/// Builder for a CRD fixture (`widgets.example.com`).
fn crd(scope: &str) -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": scope,
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"]},
            "versions": [
                {"name": "v1", "served": true, "storage": true,
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}},
                 "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]},
                {"name": "v1beta1", "served": true, "storage": false},
                {"name": "v1alpha1", "served": false, "storage": false}]}})
}

#[test]
fn builtins_cover_the_resources_kubectl_needs() {
    let table = ResourceTable::with_builtins();
    for (group, version, plural) in [
        ("", "v1", "pods"),
        ("", "v1", "nodes"),
        ("apps", "v1", "deployments"),
        ("autoscaling", "v2", "horizontalpodautoscalers"),
        ("policy", "v1", "poddisruptionbudgets"),
        ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
        ("events.k8s.io", "v1", "events"),
    ] {
        assert!(table.find(group, version, plural).is_some(), "{group}/{version}/{plural}");
    }
    let deploy = table.find("apps", "v1", "deployments").unwrap();
    assert_eq!(
        (deploy.short_names.clone(), deploy.categories.clone()),
        (vec!["deploy".into()], vec!["all".into()])
    );
    assert!(deploy.scale.is_some() && deploy.status);
    assert!(!table.find("", "v1", "nodes").unwrap().namespaced);
}

#[test]
fn groups_list_non_core_groups_with_preferred_version_first() {
    let table = ResourceTable::with_builtins();
    let groups = table.groups();
    assert_eq!(groups[0], ("coordination.k8s.io".into(), vec!["v1".into()]));
    assert!(groups.iter().all(|(g, _)| !g.is_empty()));
}

#[test]
fn a_crd_registers_served_versions_names_scope_subresources_and_columns() {
    let mut table = ResourceTable::with_builtins();
    let info = table.register_crd(&crd("Namespaced")).unwrap();
    assert_eq!(info.versions, vec!["v1".to_owned(), "v1beta1".to_owned()]);
    assert!(info.namespaced && info.status && info.from_crd);
    assert_eq!(info.scale.as_ref().unwrap().spec_replicas_path, ".spec.size");
    assert_eq!(info.columns[0].name, "Size");
    assert!(matches!(&info.columns[0].source, CellSource::JsonPath(p) if p == ".spec.size"));
    assert!(table.find("example.com", "v1beta1", "widgets").is_some());
    assert!(table.find("example.com", "v1alpha1", "widgets").is_none());
    assert!(table.groups().iter().any(|(g, v)| g == "example.com" && v[0] == "v1"));
}

#[test]
fn cluster_scoped_crd_without_columns_gets_an_age_column() {
    let mut def = crd("Cluster");
    def["spec"]["versions"][0].as_object_mut().unwrap().remove("additionalPrinterColumns");
    let info = ResourceTable::default().register_crd(&def).unwrap();
    assert!(!info.namespaced);
    assert_eq!(info.columns.len(), 1);
    assert!(matches!(info.columns[0].source, CellSource::Age));
}

#[test]
fn crd_name_must_be_plural_dot_group() {
    let mut def = crd("Namespaced");
    def["metadata"]["name"] = json!("gadgets.example.com");
    let err = ResourceTable::default().register_crd(&def).unwrap_err();
    assert!(matches!(err, ResourceError::CrdNameMismatch { .. }));
}

#[test]
fn a_crd_cannot_shadow_a_builtin_resource() {
    let mut def = crd("Namespaced");
    def["metadata"]["name"] = json!("deployments.apps");
    def["spec"]["group"] = json!("apps");
    def["spec"]["names"]["plural"] = json!("deployments");
    let err = ResourceTable::with_builtins().register_crd(&def).unwrap_err();
    assert!(matches!(err, ResourceError::CrdShadowsBuiltin { .. }));
}

#[test]
fn unregistering_removes_the_resource() {
    let mut table = ResourceTable::default();
    table.register_crd(&crd("Namespaced")).unwrap();
    assert!(table.unregister("example.com", "widgets").is_some());
    assert!(table.find("example.com", "v1", "widgets").is_none());
}
