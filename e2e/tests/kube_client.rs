//! kube-rs client tests against bellows-sim: the same kube 5 / k8s-openapi 0.29 client bellows
//! uses, built from the sim's kubeconfig (real TLS, sim CA, admin client certificate), must not
//! tell the sim from a cluster for what bellows needs.
//!
//! This file covers typed CRUD, paging, conflicts and every patch type; `kube_client/watch.rs`
//! the watcher, reflector, bookmarks and 410 handling; `kube_client/subresources.rs` scale,
//! status, resize, eviction and a dynamic API on a CRD.

mod common;
#[path = "kube_client/subresources.rs"]
mod subresources;
#[path = "kube_client/watch.rs"]
mod watch;

use std::collections::BTreeSet;
use std::future::Future;
use std::time::{Duration, Instant};

use bellows_e2e::sim::SimHandle;
use common::start_bare_sim;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The kube `Config` a user's program builds from the sim's kubeconfig.
pub async fn kube_config(sim: &SimHandle) -> kube::Config {
    let kubeconfig = Kubeconfig::from_yaml(sim.kubeconfig_yaml()).expect("the sim's kubeconfig parses");
    kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kube accepts the sim's kubeconfig")
}

/// A kube `Client` built the way a user's program builds one: from the sim's kubeconfig.
pub async fn kube_client(sim: &SimHandle) -> kube::Client {
    kube::Client::try_from(kube_config(sim).await).expect("kube builds a client")
}

/// Poll the async `check` every 20 ms for up to 10 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A typed object from a JSON fixture.
pub fn typed<K: DeserializeOwned>(value: Value) -> K {
    serde_json::from_value(value).expect("fixture matches the k8s-openapi type")
}

/// The `kube::Error::Api` status of a failed call.
pub fn api_error<T: std::fmt::Debug>(result: kube::Result<T>) -> Box<kube::core::Status> {
    match result {
        Err(kube::Error::Api(status)) => status,
        other => panic!("expected an API error status, got {other:?}"),
    }
}

/// A `ConfigMap` named `name` labelled `tier=<tier>`.
pub fn configmap(name: &str, tier: &str) -> ConfigMap {
    typed(json!({"metadata": {"name": name, "labels": {"tier": tier}}, "data": {"k": "v"}}))
}

/// A Deployment `name` with containers `app` and `sidecar`.
fn two_container_deployment(name: &str) -> Deployment {
    typed(json!({"metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                {"name": "app", "image": "nginx:1.27"},
                {"name": "sidecar", "image": "busybox:1.36"}]}}}}))
}

fn names<K: kube::Resource>(items: &[K]) -> Vec<String> {
    items.iter().map(|o| o.meta().name.clone().unwrap_or_default()).collect()
}

#[tokio::test]
async fn typed_create_get_and_label_selected_paging_collect_every_object_once() {
    let sim = start_bare_sim(0).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    for i in 0..7 {
        cms.create(&PostParams::default(), &configmap(&format!("a-{i}"), "a")).await.expect("create a");
    }
    for i in 0..3 {
        cms.create(&PostParams::default(), &configmap(&format!("b-{i}"), "b")).await.expect("create b");
    }
    let got = cms.get("a-3").await.expect("get");
    assert_eq!(got.data.as_ref().and_then(|d| d.get("k")).map(String::as_str), Some("v"));
    assert_eq!(got.metadata.namespace.as_deref(), Some("default"));
    assert!(got.metadata.uid.is_some() && got.metadata.creation_timestamp.is_some());

    let mut seen = Vec::new();
    let mut params = ListParams::default().labels("tier=a").limit(3);
    let mut pages = 0;
    loop {
        let page = cms.list(&params).await.expect("list page");
        pages += 1;
        assert!(page.items.len() <= 3, "page of {}", page.items.len());
        seen.extend(names(&page.items));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(unique, (0..7).map(|i| format!("a-{i}")).collect::<BTreeSet<_>>());
}

#[tokio::test]
async fn replace_with_a_stale_resource_version_is_a_409_conflict() {
    let sim = start_bare_sim(0).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    let created = cms.create(&PostParams::default(), &configmap("c", "a")).await.expect("create");
    let mut fresh = created.clone();
    fresh.data = Some([("k".to_owned(), "v2".to_owned())].into());
    let replaced = cms.replace("c", &PostParams::default(), &fresh).await.expect("replace");
    assert_ne!(replaced.metadata.resource_version, created.metadata.resource_version);

    let mut stale = created;
    stale.data = Some([("k".to_owned(), "v3".to_owned())].into());
    let status = api_error(cms.replace("c", &PostParams::default(), &stale).await);
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    assert!(status.message.contains("the object has been modified"), "{}", status.message);
    let now = cms.get("c").await.expect("get");
    assert_eq!(now.data.unwrap()["k"], "v2");

    let exists = api_error(cms.create(&PostParams::default(), &configmap("c", "a")).await);
    assert_eq!((exists.code, exists.reason.as_str()), (409, "AlreadyExists"));
    let missing = api_error(cms.get("nope").await);
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
}

#[tokio::test]
async fn merge_json_and_strategic_patches_change_only_what_they_name() {
    let sim = start_bare_sim(0).await;
    let deploys: Api<Deployment> = Api::default_namespaced(kube_client(&sim).await);
    deploys.create(&PostParams::default(), &two_container_deployment("web")).await.expect("create");
    let pp = PatchParams::default();

    let merged = deploys
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"metadata": {"labels": {"team": "x"}}, "spec": {"replicas": 3}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(merged.spec.as_ref().unwrap().replicas, Some(3));
    let labels = merged.metadata.labels.clone().unwrap();
    assert_eq!((labels["app"].as_str(), labels["team"].as_str()), ("web", "x"));

    let ops: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "json"}}]))
    .expect("json patch");
    let jsoned = deploys.patch("web", &pp, &Patch::<()>::Json(ops)).await.expect("json patch");
    assert_eq!(jsoned.spec.as_ref().unwrap().replicas, Some(4));
    assert_eq!(jsoned.metadata.annotations.unwrap()["note"], "json");

    let failed: json_patch::Patch =
        serde_json::from_value(json!([{"op": "test", "path": "/spec/replicas", "value": 99}]))
            .expect("patch");
    let status = api_error(deploys.patch("web", &pp, &Patch::<()>::Json(failed)).await);
    assert_eq!(status.code, 422, "{status:?}");

    let strategic = deploys
        .patch(
            "web",
            &pp,
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "sidecar", "image": "busybox:1.37"}]}}}})),
        )
        .await
        .expect("strategic patch");
    let containers = strategic.spec.unwrap().template.spec.unwrap().containers;
    let images: Vec<_> =
        containers.iter().map(|c| (c.name.as_str(), c.image.as_deref().unwrap_or(""))).collect();
    assert_eq!(images, [("app", "nginx:1.27"), ("sidecar", "busybox:1.37")]);
}

#[tokio::test]
async fn server_side_apply_with_force_records_the_field_manager() {
    let sim = start_bare_sim(0).await;
    let deploys: Api<Deployment> = Api::default_namespaced(kube_client(&sim).await);
    let applied_config = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "labels": {"app": "api"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}});
    let pp = PatchParams::apply("kube-client-test").force();
    let created = deploys.patch("api", &pp, &Patch::Apply(&applied_config)).await.expect("apply creates");
    assert_eq!(created.spec.as_ref().unwrap().replicas, Some(2));
    let managed = created.metadata.managed_fields.clone().unwrap_or_default();
    let entry =
        managed.iter().find(|m| m.manager.as_deref() == Some("kube-client-test")).expect("manager entry");
    assert_eq!(entry.operation.as_deref(), Some("Apply"));
    assert_eq!(entry.fields_type.as_deref(), Some("FieldsV1"));
    assert_eq!(entry.api_version.as_deref(), Some("apps/v1"));

    let mut again = applied_config;
    again["spec"]["replicas"] = json!(5);
    let updated = deploys.patch("api", &pp, &Patch::Apply(&again)).await.expect("apply updates");
    assert_eq!(updated.spec.unwrap().replicas, Some(5));
    let managers: Vec<_> =
        updated.metadata.managed_fields.unwrap_or_default().into_iter().filter_map(|m| m.manager).collect();
    assert_eq!(managers.iter().filter(|m| *m == "kube-client-test").count(), 1, "{managers:?}");
}

#[tokio::test]
async fn delete_and_delete_collection_remove_exactly_the_selected_objects() {
    let sim = start_bare_sim(0).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    for (name, tier) in [("x-1", "x"), ("x-2", "x"), ("y-1", "y"), ("y-2", "y")] {
        cms.create(&PostParams::default(), &configmap(name, tier)).await.expect("create");
    }
    let deleted = cms.delete("y-2", &DeleteParams::default()).await.expect("delete");
    let status = deleted.right().expect("a ConfigMap delete returns a Status");
    assert_eq!(status.status, Some(kube::core::response::StatusSummary::Success));
    let removed = cms
        .delete_collection(&DeleteParams::default(), &ListParams::default().labels("tier=x"))
        .await
        .expect("deletecollection");
    let list = removed.left().expect("deletecollection returns the deleted list");
    assert_eq!(names(&list.items), ["x-1", "x-2"]);
    let left = cms.list(&ListParams::default()).await.expect("list");
    let left: Vec<_> = names(&left.items).into_iter().filter(|n| n != "kube-root-ca.crt").collect();
    assert_eq!(left, ["y-1"]);
}
