//! HTTP-level tests of the sim's API server with a real HTTPS client (CA-verified, admin cert).

mod common;

use std::time::Duration;

use bellows_e2e::sim::SimConfig;
use common::{Client, configmap, deployment, start_bare_sim, start_sim_with};
use http::Method;
use serde_json::{Value, json};

const CMS: &str = "/api/v1/namespaces/default/configmaps";
const DEPLOYS: &str = "/apis/apps/v1/namespaces/default/deployments";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn requests_without_a_client_certificate_get_401() {
    let sim = start_bare_sim(0).await;
    let reply = Client::anonymous(&sim).get("/api/v1/namespaces").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["kind"], "Status");
    assert_eq!(reply.body["reason"], "Unauthorized");
    let version = Client::anonymous(&sim).get("/version").await;
    assert_eq!((version.status, version.body["gitVersion"].as_str()), (200, Some("v1.35.0")));
}

#[tokio::test]
async fn discovery_lists_groups_and_resources_with_subresources() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let api = c.get("/api").await;
    assert_eq!(
        (api.body["kind"].as_str(), api.body["versions"][0].as_str()),
        (Some("APIVersions"), Some("v1"))
    );
    let apis = c.get("/apis").await;
    let groups: Vec<&str> =
        apis.body["groups"].as_array().unwrap().iter().filter_map(|g| g["name"].as_str()).collect();
    for g in [
        "apps",
        "autoscaling",
        "policy",
        "apiextensions.k8s.io",
        "rbac.authorization.k8s.io",
        "coordination.k8s.io",
    ] {
        assert!(groups.contains(&g), "{g} in {groups:?}");
    }
    let apps = c.get("/apis/apps/v1").await;
    let resources: Vec<&str> =
        apps.body["resources"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(
        resources.contains(&"deployments/scale") && resources.contains(&"deployments/status"),
        "{resources:?}"
    );
    assert_eq!(c.get("/apis/nope.example.com/v1").await.status, 404);
}

#[tokio::test]
async fn create_get_update_delete_round_trip_with_upstream_errors() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let created = c.post(CMS, &configmap("cfg", &json!({"app": "x"}))).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["metadata"]["namespace"], "default");
    let rv = created.body["metadata"]["resourceVersion"].as_str().unwrap().to_owned();

    let again = c.post(CMS, &configmap("cfg", &json!({}))).await;
    assert_eq!((again.status, again.body["reason"].as_str()), (409, Some("AlreadyExists")));
    assert_eq!(again.body["message"], "configmaps \"cfg\" already exists");

    let mut update = created.body.clone();
    update["data"]["k"] = json!("v2");
    let updated = c.put(&format!("{CMS}/cfg"), &update).await;
    assert_eq!((updated.status, updated.body["data"]["k"].as_str()), (200, Some("v2")));
    assert_ne!(updated.body["metadata"]["resourceVersion"].as_str(), Some(rv.as_str()));

    let stale = c.put(&format!("{CMS}/cfg"), &update).await;
    assert_eq!((stale.status, stale.body["reason"].as_str()), (409, Some("Conflict")));
    assert_eq!(
        stale.body["message"],
        "Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again"
    );

    let deleted = c.delete(&format!("{CMS}/cfg")).await;
    assert_eq!((deleted.status, deleted.body["status"].as_str()), (200, Some("Success")));
    let gone = c.get(&format!("{CMS}/cfg")).await;
    assert_eq!((gone.status, gone.body["message"].as_str()), (404, Some("configmaps \"cfg\" not found")));
    assert_eq!(gone.body["details"], json!({"name": "cfg", "kind": "configmaps"}));
}

#[tokio::test]
async fn bad_requests_get_400_404_405_and_415() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let malformed =
        c.call(Method::POST, CMS, Some("application/json"), None, Some(&json!("{not json"))).await;
    assert_eq!((malformed.status, malformed.body["reason"].as_str()), (400, Some("BadRequest")));
    assert_eq!(c.get("/api/v1/namespaces/default/widgets").await.status, 404);
    let post_named = c.post(&format!("{CMS}/x"), &configmap("x", &json!({}))).await;
    assert_eq!((post_named.status, post_named.body["reason"].as_str()), (405, Some("MethodNotAllowed")));
    c.post(CMS, &configmap("x", &json!({}))).await;
    let bad_patch = c.patch(&format!("{CMS}/x"), "text/plain", &json!({})).await;
    assert_eq!((bad_patch.status, bad_patch.body["reason"].as_str()), (415, Some("UnsupportedMediaType")));
    let no_ns = c.post("/api/v1/namespaces/nowhere/configmaps", &configmap("x", &json!({}))).await;
    assert_eq!(
        (no_ns.status, no_ns.body["message"].as_str()),
        (404, Some("namespaces \"nowhere\" not found"))
    );
}

#[tokio::test]
async fn list_pages_with_limit_and_continue() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    for name in ["a", "b", "c", "d", "e"] {
        assert_eq!(c.post(CMS, &configmap(name, &json!({}))).await.status, 201);
    }
    let first = c.get(&format!("{CMS}?limit=2")).await;
    assert_eq!(names(&first.body), vec!["a", "b"]);
    assert_eq!(first.body["metadata"]["remainingItemCount"], 3);
    let token = first.body["metadata"]["continue"].as_str().unwrap().to_owned();
    let second = c.get(&format!("{CMS}?limit=2&continue={token}")).await;
    assert_eq!(names(&second.body), vec!["c", "d"]);
    let token = second.body["metadata"]["continue"].as_str().unwrap().to_owned();
    let last = c.get(&format!("{CMS}?limit=2&continue={token}")).await;
    assert_eq!(names(&last.body), vec!["e"]);
    assert!(last.body["metadata"].get("continue").is_none());
    assert_eq!(first.body["kind"], "ConfigMapList");
}

#[tokio::test]
async fn label_and_field_selectors_filter_lists() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("web", &json!({"app": "web", "tier": "front"}))).await;
    c.post(CMS, &configmap("db", &json!({"app": "db"}))).await;
    c.post(CMS, &configmap("plain", &json!({}))).await;
    let by = |q: &'static str| {
        let c = c.clone();
        async move { names(&c.get(&format!("{CMS}?{q}")).await.body) }
    };
    assert_eq!(by("labelSelector=app%3Dweb").await, vec!["web"]);
    assert_eq!(by("labelSelector=app%20in%20(web,db)").await, vec!["db", "web"]);
    assert_eq!(by("labelSelector=!app").await, vec!["plain"]);
    assert_eq!(by("labelSelector=app!%3Dweb").await, vec!["db", "plain"]);
    assert_eq!(by("fieldSelector=metadata.name%3Ddb").await, vec!["db"]);
    let bad = c.get(&format!("{CMS}?fieldSelector=spec.foo%3Dx")).await;
    assert_eq!(
        (bad.status, bad.body["message"].as_str()),
        (400, Some("field label not supported: spec.foo"))
    );
}

#[tokio::test]
async fn all_namespaces_list_spans_namespaces() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("a", &json!({}))).await;
    c.post("/api/v1/namespaces/kube-system/configmaps", &configmap("b", &json!({}))).await;
    let mut all = names(&c.get("/api/v1/configmaps").await.body);
    // The sim seeds kube-system/extension-apiserver-authentication, as kube-apiserver does.
    all.retain(|n| n != "extension-apiserver-authentication");
    assert_eq!(all, vec!["a", "b"]);
}

#[tokio::test]
async fn watch_streams_added_modified_deleted_from_a_resource_version() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let list = c.get(CMS).await;
    let rv = list.body["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let mut watch = c.watch(&format!("{CMS}?watch=1&resourceVersion={rv}")).await;
    let created = c.post(CMS, &configmap("w", &json!({}))).await;
    let mut changed = created.body.clone();
    changed["data"]["k"] = json!("changed");
    c.put(&format!("{CMS}/w"), &changed).await;
    c.delete(&format!("{CMS}/w")).await;
    let kinds: Vec<String> = [watch.next().await, watch.next().await, watch.next().await]
        .iter()
        .map(|e| {
            format!("{} {}", e["type"].as_str().unwrap(), e["object"]["metadata"]["name"].as_str().unwrap())
        })
        .collect();
    assert_eq!(kinds, vec!["ADDED w", "MODIFIED w", "DELETED w"]);
}

#[tokio::test]
async fn watch_without_resource_version_starts_with_current_objects() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("old", &json!({}))).await;
    let mut watch = c.watch(&format!("{CMS}?watch=true")).await;
    let first = watch.next().await;
    assert_eq!(
        (first["type"].as_str(), first["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("old"))
    );
    assert_eq!(first["object"]["kind"], "ConfigMap");
}

#[tokio::test]
async fn watch_sends_bookmarks_when_allowed() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let rv = c.get(CMS).await.body["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let mut watch = c.watch(&format!("{CMS}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}")).await;
    let bookmark = watch.next().await;
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(bookmark["object"]["kind"], "ConfigMap");
    assert_eq!(bookmark["object"]["metadata"]["resourceVersion"].as_str(), Some(rv.as_str()));
}

#[tokio::test]
async fn watch_from_a_compacted_version_gets_a_410_error_event() {
    let config = SimConfig { watch_log_capacity: 2, ..SimConfig::default() };
    let sim = start_sim_with(config).await;
    let c = Client::admin(&sim);
    for name in ["a", "b", "c", "d"] {
        c.post(CMS, &configmap(name, &json!({}))).await;
    }
    let mut watch = c.watch(&format!("{CMS}?watch=1&resourceVersion=1")).await;
    let event = watch.next().await;
    assert_eq!(event["type"], "ERROR");
    assert_eq!(
        (event["object"]["code"].as_u64(), event["object"]["reason"].as_str()),
        (Some(410), Some("Expired"))
    );
    assert!(event["object"]["message"].as_str().unwrap().starts_with("too old resource version: 1 ("));
    assert!(watch.next_within(Duration::from_secs(2)).await.is_none(), "the stream ends after the error");
}

#[tokio::test]
async fn watch_ends_after_timeout_seconds() {
    let sim = start_bare_sim(0).await;
    let mut watch =
        Client::admin(&sim).watch(&format!("{CMS}?watch=1&resourceVersion=1&timeoutSeconds=1")).await;
    let start = std::time::Instant::now();
    assert!(watch.next_within(Duration::from_secs(4)).await.is_none());
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn patch_types_merge_json_strategic_and_apply() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 1)).await;
    let path = format!("{DEPLOYS}/web");

    let merged = c
        .patch(&path, "application/merge-patch+json", &json!({"metadata": {"labels": {"tier": "front"}}}))
        .await;
    assert_eq!((merged.status, merged.body["metadata"]["labels"]["tier"].as_str()), (200, Some("front")));

    let ops = json!([{"op": "replace", "path": "/spec/replicas", "value": 4}]);
    let jsonp = c.patch(&path, "application/json-patch+json", &ops).await;
    assert_eq!(jsonp.body["spec"]["replicas"], 4);

    let side =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}});
    let strategic = c.patch(&path, "application/strategic-merge-patch+json", &side).await;
    let containers: Vec<&str> = strategic.body["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(containers, vec!["app", "side"]);

    let yaml = json!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 6\n");
    let applied = c
        .call(
            Method::PATCH,
            &format!("{path}?fieldManager=tester"),
            Some("application/apply-patch+yaml"),
            None,
            Some(&yaml),
        )
        .await;
    assert_eq!((applied.status, applied.body["spec"]["replicas"].as_i64()), (200, Some(6)));
    let managers: Vec<&str> = applied.body["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, vec!["tester"]);

    let cm_yaml = json!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  a: b\n");
    let created = c
        .call(
            Method::PATCH,
            &format!("{CMS}/fresh?fieldManager=tester"),
            Some("application/apply-patch+yaml"),
            None,
            Some(&cm_yaml),
        )
        .await;
    assert_eq!((created.status, created.body["data"]["a"].as_str()), (201, Some("b")));
    let no_manager = c
        .call(
            Method::PATCH,
            &format!("{CMS}/fresh"),
            Some("application/apply-patch+yaml"),
            None,
            Some(&cm_yaml),
        )
        .await;
    assert_eq!(no_manager.status, 400);
}

#[tokio::test]
async fn a_patch_with_a_stale_resource_version_conflicts() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("x", &json!({}))).await;
    let reply = c
        .patch(
            &format!("{CMS}/x"),
            "application/merge-patch+json",
            &json!({"metadata": {"resourceVersion": "1"}, "data": {"k": "z"}}),
        )
        .await;
    assert_eq!((reply.status, reply.body["reason"].as_str()), (409, Some("Conflict")));
}

#[tokio::test]
async fn scale_subresource_reads_and_writes_replicas() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 2)).await;
    let path = format!("{DEPLOYS}/web/scale");
    let scale = c.get(&path).await;
    assert_eq!(scale.body["kind"], "Scale");
    assert_eq!(scale.body["apiVersion"], "autoscaling/v1");
    assert_eq!(scale.body["spec"]["replicas"], 2);
    assert_eq!(scale.body["status"], json!({"replicas": 0, "selector": "app=web"}));

    let patched = c.patch(&path, "application/merge-patch+json", &json!({"spec": {"replicas": 5}})).await;
    assert_eq!(patched.body["spec"]["replicas"], 5);
    assert_eq!(c.get(&format!("{DEPLOYS}/web")).await.body["spec"]["replicas"], 5);

    let mut stale = scale.body.clone();
    stale["spec"]["replicas"] = json!(7);
    let conflict = c.put(&path, &stale).await;
    assert_eq!((conflict.status, conflict.body["reason"].as_str()), (409, Some("Conflict")));
    let mut fresh = patched.body.clone();
    fresh["spec"]["replicas"] = json!(7);
    assert_eq!(c.put(&path, &fresh).await.body["spec"]["replicas"], 7);
    assert_eq!(c.get("/api/v1/namespaces/default/configmaps/x/scale").await.status, 404);
}

#[tokio::test]
async fn status_subresource_changes_only_status_and_main_resource_only_spec() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let created = c.post(DEPLOYS, &deployment("web", 2)).await.body;
    let mut obj = created.clone();
    obj["status"] = json!({"replicas": 2, "readyReplicas": 1});
    obj["spec"]["replicas"] = json!(9);
    let after = c.put(&format!("{DEPLOYS}/web/status"), &obj).await.body;
    assert_eq!(
        (after["status"]["readyReplicas"].as_i64(), after["spec"]["replicas"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(after["metadata"]["generation"], 1);
    let patched = c
        .patch(
            &format!("{DEPLOYS}/web"),
            "application/merge-patch+json",
            &json!({"status": {"readyReplicas": 0}, "spec": {"replicas": 3}}),
        )
        .await
        .body;
    assert_eq!(
        (patched["status"]["readyReplicas"].as_i64(), patched["spec"]["replicas"].as_i64()),
        (Some(1), Some(3))
    );
    assert_eq!(patched["metadata"]["generation"], 2);
}

#[tokio::test]
async fn table_output_has_printer_columns_and_partial_metadata() {
    let sim = start_bare_sim(2).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 3)).await;
    let table = c.call(Method::GET, DEPLOYS, None, Some(TABLE), None).await.body;
    assert_eq!(table["kind"], "Table");
    let columns: Vec<&str> =
        table["columnDefinitions"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(columns[..5], ["Name", "Ready", "Up-to-date", "Available", "Age"]);
    assert_eq!(
        table["rows"][0]["cells"].as_array().unwrap()[..4],
        [json!("web"), json!("0/3"), json!(0), json!(0)]
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let nodes = c.call(Method::GET, "/api/v1/nodes?includeObject=Object", None, Some(TABLE), None).await.body;
    assert_eq!(
        nodes["rows"][1]["cells"].as_array().unwrap()[..3],
        [json!("node-2"), json!("Ready"), json!("<none>")]
    );
    assert_eq!(nodes["rows"][1]["object"]["kind"], "Node");
}

#[tokio::test]
async fn crds_created_through_the_api_serve_their_resource_with_printer_columns() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}});
    let created = c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crd).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["status"]["conditions"][1]["type"], "Established");
    let widgets = "/apis/example.com/v1/namespaces/default/widgets";
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}});
    assert_eq!(c.post(widgets, &w).await.status, 201);
    let table = c.call(Method::GET, widgets, None, Some(TABLE), None).await.body;
    assert_eq!(table["columnDefinitions"][1]["name"], "Size");
    assert_eq!(table["rows"][0]["cells"], json!(["w1", 3]));
    let scale = c
        .patch(
            &format!("{widgets}/w1/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 8}}),
        )
        .await;
    assert_eq!(scale.body["spec"]["replicas"], 8);
    assert_eq!(c.get(&format!("{widgets}/w1")).await.body["spec"]["size"], 8);
    assert!(
        c.get("/apis/example.com/v1").await.body["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "widgets/scale")
    );

    assert_eq!(
        c.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").await.status,
        200
    );
    assert_eq!(c.get(widgets).await.status, 404);
}

#[tokio::test]
async fn in_process_writes_are_visible_over_http() {
    let sim = start_bare_sim(0).await;
    sim.create(
        "",
        "configmaps",
        json!({"metadata": {"name": "inproc", "namespace": "default"}, "data": {"a": "1"}}),
    )
    .unwrap();
    let reply = Client::admin(&sim).get(&format!("{CMS}/inproc")).await;
    assert_eq!(
        (reply.body["data"]["a"].as_str(), reply.body["apiVersion"].as_str()),
        (Some("1"), Some("v1"))
    );
    assert!(sim.get("", "namespaces", "", "kube-system").is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_non_loopback_listen_address_is_refused() {
    let config = SimConfig { listen: "0.0.0.0:0".parse().unwrap(), ..SimConfig::default() };
    let err = bellows_e2e::sim::Sim::start(config).await.unwrap_err();
    assert_eq!(err.to_string(), "refusing to listen on 0.0.0.0:0: bellows-sim only listens on 127.0.0.0/8");
}

#[tokio::test]
async fn dry_run_writes_answer_without_storing() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let created = c.post(&format!("{CMS}?dryRun=All"), &configmap("dry", &json!({}))).await;
    assert_eq!((created.status, created.body["metadata"]["name"].as_str()), (201, Some("dry")));
    assert_eq!(c.get(&format!("{CMS}/dry")).await.status, 404);
    c.post(CMS, &configmap("real", &json!({}))).await;
    let patched = c
        .patch(
            &format!("{CMS}/real?dryRun=All"),
            "application/merge-patch+json",
            &json!({"data": {"k": "dry"}}),
        )
        .await;
    assert_eq!(patched.body["data"]["k"], "dry");
    assert_eq!(c.get(&format!("{CMS}/real")).await.body["data"]["k"], "v");
    assert_eq!(c.delete(&format!("{CMS}/real?dryRun=All")).await.status, 200);
    assert_eq!(c.get(&format!("{CMS}/real")).await.status, 200);
}

#[tokio::test]
async fn watch_with_a_selector_reports_objects_entering_and_leaving_it() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    let created = c.post(CMS, &configmap("m", &json!({"app": "other"}))).await.body;
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let mut watch = c.watch(&format!("{CMS}?watch=1&labelSelector=app%3Dweb&resourceVersion={rv}")).await;
    let p = format!("{CMS}/m");
    c.patch(&p, "application/merge-patch+json", &json!({"metadata": {"labels": {"app": "web"}}})).await;
    c.patch(&p, "application/merge-patch+json", &json!({"data": {"k": "2"}})).await;
    c.patch(&p, "application/merge-patch+json", &json!({"metadata": {"labels": {"app": "db"}}})).await;
    let kinds: Vec<String> = [watch.next().await, watch.next().await, watch.next().await]
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, vec!["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn table_watch_events_carry_one_row_tables() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("t", &json!({}))).await;
    let mut watch = c.watch_with_accept(&format!("{CMS}?watch=1"), TABLE).await;
    let event = watch.next().await;
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["kind"], "Table");
    assert_eq!(event["object"]["columnDefinitions"][1]["name"], "Data");
    assert_eq!(event["object"]["rows"][0]["cells"].as_array().unwrap()[..2], [json!("t"), json!(1)]);
}

#[tokio::test]
async fn all_namespaces_pages_follow_namespace_then_name_order() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    for ns in ["a", "a-x"] {
        c.post("/api/v1/namespaces", &json!({"metadata": {"name": ns}})).await;
        for name in ["m", "b"] {
            assert_eq!(
                c.post(&format!("/api/v1/namespaces/{ns}/configmaps"), &configmap(name, &json!({})))
                    .await
                    .status,
                201
            );
        }
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/configmaps?limit=1".to_owned();
    loop {
        let page = c.get(&path).await.body;
        for item in page["items"].as_array().unwrap() {
            seen.push(format!(
                "{}/{}",
                item["metadata"]["namespace"].as_str().unwrap(),
                item["metadata"]["name"].as_str().unwrap()
            ));
        }
        match page["metadata"]["continue"].as_str() {
            Some(token) => path = format!("/api/v1/configmaps?limit=1&continue={token}"),
            None => break,
        }
    }
    // The sim seeds kube-system/extension-apiserver-authentication, as kube-apiserver does.
    seen.retain(|id| !id.starts_with("kube-system/"));
    assert_eq!(seen, vec!["a/b", "a/m", "a-x/b", "a-x/m"]);
}

#[tokio::test]
async fn patches_that_make_the_object_not_an_object_are_rejected() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("x", &json!({}))).await;
    let ops = json!([{"op": "replace", "path": "", "value": [1, 2]}]);
    let reply = c.patch(&format!("{CMS}/x"), "application/json-patch+json", &ops).await;
    assert_eq!((reply.status, reply.body["reason"].as_str()), (400, Some("BadRequest")));
    assert!(sim.create("", "configmaps", json!([1])).is_err());
    assert_eq!(c.get(&format!("{CMS}/x")).await.status, 200);
}

#[tokio::test]
async fn metadata_only_clients_get_partial_object_metadata() {
    let sim = start_bare_sim(0).await;
    let c = Client::admin(&sim);
    c.post(CMS, &configmap("meta", &json!({"app": "x"}))).await;
    let accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    let list = c.call(Method::GET, CMS, None, Some(accept), None).await.body;
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(list["items"][0]["metadata"]["labels"]["app"], "x");
    assert!(list["items"][0].get("data").is_none());
    let one = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    let got = c.call(Method::GET, &format!("{CMS}/meta"), None, Some(one), None).await.body;
    assert_eq!(
        (got["kind"].as_str(), got["metadata"]["name"].as_str()),
        (Some("PartialObjectMetadata"), Some("meta"))
    );
    let mut watch = c.watch_with_accept(&format!("{CMS}?watch=1"), one).await;
    assert_eq!(watch.next().await["object"]["kind"], "PartialObjectMetadata");
}
