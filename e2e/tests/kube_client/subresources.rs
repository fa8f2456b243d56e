//! Subresources through kube-rs: `scale` (autoscaling/v1 Scale) on Deployments, `status` on
//! HPAs, pod `resize` and `eviction` with a `PodDisruptionBudget`, and a dynamic
//! `Api<DynamicObject>` (with its `scale` and `status`) on a CRD installed at run time.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, EvictParams, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use kube::core::response::StatusSummary;
use kube::discovery::{Discovery, Scope};
use serde_json::{Value, json};

use super::common::{start_bare_sim, start_sim};
use super::{api_error, eventually, kube_client, kube_config, typed};

/// A one-container Deployment `name` with `replicas`, labelled and selected by `app=<name>`.
fn deployment(name: &str, replicas: i32) -> Deployment {
    typed(json!({"metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}))
}

/// An autoscaling/v2 HPA on Deployment `web`, 1–5 replicas at 50 % CPU.
fn hpa() -> HorizontalPodAutoscaler {
    typed(json!({"metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 50}}}]}}))
}

fn replicas(d: &Deployment) -> Option<i32> {
    d.spec.as_ref().and_then(|s| s.replicas)
}

#[tokio::test]
async fn deployment_scale_reads_patches_and_replaces_spec_replicas() {
    let sim = start_bare_sim(0).await;
    let deploys: Api<Deployment> = Api::default_namespaced(kube_client(&sim).await);
    deploys.create(&PostParams::default(), &deployment("web", 2)).await.expect("create");

    let scale = deploys.get_scale("web").await.expect("get scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(2));
    assert_eq!(scale.status.as_ref().and_then(|s| s.selector.as_deref()), Some("app=web"));
    assert_eq!(scale.metadata.name.as_deref(), Some("web"));

    let patched = deploys
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 5}})))
        .await
        .expect("patch scale");
    assert_eq!(patched.spec.as_ref().and_then(|s| s.replicas), Some(5));
    assert_eq!(replicas(&deploys.get("web").await.expect("get")), Some(5));

    let mut desired = patched.clone();
    desired.spec.as_mut().expect("scale spec").replicas = Some(1);
    let replaced =
        deploys.replace_scale("web", &PostParams::default(), &desired).await.expect("replace scale");
    assert_eq!(replaced.spec.and_then(|s| s.replicas), Some(1));
    assert_eq!(replicas(&deploys.get("web").await.expect("get")), Some(1));

    // `patched` now carries a stale resourceVersion.
    let status = api_error(deploys.replace_scale("web", &PostParams::default(), &patched).await);
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
}

#[tokio::test]
async fn hpa_status_writes_change_only_status_and_spec_writes_only_spec() {
    let sim = start_bare_sim(0).await;
    let hpas: Api<HorizontalPodAutoscaler> = Api::default_namespaced(kube_client(&sim).await);
    hpas.create(&PostParams::default(), &hpa()).await.expect("create");

    let patched = hpas
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"maxReplicas": 50},
                "status": {"currentReplicas": 2, "desiredReplicas": 3}})),
        )
        .await
        .expect("patch status");
    let status = patched.status.clone().expect("status");
    assert_eq!((status.current_replicas, status.desired_replicas), (Some(2), 3));
    assert_eq!(patched.spec.as_ref().map(|s| s.max_replicas), Some(5), "the status patch left spec alone");

    let mut status_write = patched.clone();
    status_write.spec.as_mut().expect("spec").max_replicas = 9;
    status_write.status.as_mut().expect("status").desired_replicas = 4;
    let replaced =
        hpas.replace_status("web", &PostParams::default(), &status_write).await.expect("replace status");
    assert_eq!(replaced.status.as_ref().map(|s| s.desired_replicas), Some(4));
    assert_eq!(replaced.spec.as_ref().map(|s| s.max_replicas), Some(5));

    let mut spec_write = replaced.clone();
    spec_write.spec.as_mut().expect("spec").max_replicas = 7;
    spec_write.status.as_mut().expect("status").desired_replicas = 1;
    let updated = hpas.replace("web", &PostParams::default(), &spec_write).await.expect("replace");
    assert_eq!(updated.spec.as_ref().map(|s| s.max_replicas), Some(7));
    assert_eq!(
        updated.status.as_ref().map(|s| s.desired_replicas),
        Some(4),
        "the spec write left status alone"
    );
    let read = hpas.get_status("web").await.expect("get status");
    assert_eq!(
        (read.spec.map(|s| s.max_replicas), read.status.map(|s| s.desired_replicas)),
        (Some(7), Some(4))
    );
}

fn running_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[tokio::test]
async fn a_pod_resize_through_patch_resize_is_allocated_and_a_qos_change_is_invalid() {
    let sim = start_sim(1).await;
    let pods: Api<Pod> = Api::default_namespaced(kube_client(&sim).await);
    let pod: Pod = typed(json!({"metadata": {"name": "r"}, "spec": {"containers": [{"name": "app",
        "image": "nginx:1.27", "resources": {"requests": {"cpu": "500m", "memory": "128Mi"},
                                             "limits": {"cpu": "1", "memory": "256Mi"}}}]}}));
    pods.create(&PostParams::default(), &pod).await.expect("create pod");
    eventually("pod running", || async { pods.get("r").await.ok().filter(running_ready) }).await;

    let resize = json!({"spec": {"containers": [{"name": "app",
        "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}}]}});
    let resized = pods
        .patch_resize("r", &PatchParams::default(), &Patch::Strategic(resize))
        .await
        .expect("patch resize");
    let resources = resized.spec.unwrap().containers[0].resources.clone().unwrap();
    assert_eq!(resources.requests.unwrap()["cpu"], Quantity("1".into()));
    assert_eq!(resources.limits.unwrap()["memory"], Quantity("256Mi".into()), "untouched fields are kept");
    let actuated = eventually("resize actuated", || async {
        let pod = pods.get("r").await.ok()?;
        let cs = pod.status.as_ref()?.container_statuses.as_ref()?.first()?.clone();
        let allocated = cs.allocated_resources.as_ref()?.get("cpu")? == &Quantity("1".into());
        let limit = cs.resources.as_ref()?.limits.as_ref()?.get("cpu")? == &Quantity("2".into());
        (allocated && limit).then_some(cs)
    })
    .await;
    assert_eq!(actuated.restart_count, 0);
    let read = pods.get_resize("r").await.expect("get resize");
    assert_eq!(read.status.and_then(|s| s.qos_class).as_deref(), Some("Burstable"));

    let guaranteed = json!({"spec": {"containers": [{"name": "app", "resources": {
        "requests": {"cpu": "2", "memory": "256Mi"}, "limits": {"cpu": "2", "memory": "256Mi"}}}]}});
    let status =
        api_error(pods.patch_resize("r", &PatchParams::default(), &Patch::Strategic(guaranteed)).await);
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert!(
        status.message.contains("Pod QOS Class may not change as a result of resizing"),
        "{}",
        status.message
    );
}

async fn ready_pod_names(pods: &Api<Pod>, app: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} ready pods of {app}"), || async {
        let list = pods.list(&ListParams::default().labels(&format!("app={app}"))).await.ok()?;
        let live: Vec<_> = list.items.iter().filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
        (live.len() == n && live.iter().all(|p| running_ready(p)))
            .then(|| live.iter().filter_map(|p| p.metadata.name.clone()).collect())
    })
    .await
}

#[tokio::test]
async fn eviction_is_refused_with_429_while_the_budget_is_exhausted_and_deletes_the_pod_after() {
    let sim = start_sim(3).await;
    // kube 5 retries 429 answers by default (15 times, exponential backoff from 5 ms: about
    // 5 minutes), and a refused eviction is a 429 without `Retry-After`, as from kube-apiserver
    // (`NewTooManyRequests(…, 0)`); a caller that wants the refusal at once turns retries off.
    let mut config = kube_config(&sim).await;
    config.default_retry = false;
    let client = kube::Client::try_from(config).expect("client");
    let deploys: Api<Deployment> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let pdbs: Api<PodDisruptionBudget> = Api::default_namespaced(client);
    deploys.create(&PostParams::default(), &deployment("web", 2)).await.expect("create deployment");
    let names = ready_pod_names(&pods, "web", 2).await;
    let pdb: PodDisruptionBudget = typed(json!({"metadata": {"name": "web"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}}));
    pdbs.create(&PostParams::default(), &pdb).await.expect("create pdb");
    eventually("pdb status", || async {
        let s = pdbs.get_status("web").await.ok()?.status?;
        (s.current_healthy == 2 && s.desired_healthy == 2 && s.disruptions_allowed == 0).then_some(())
    })
    .await;

    let victim = &names[0];
    let refused = api_error(pods.evict(victim, &EvictParams::default()).await);
    assert_eq!((refused.code, refused.reason.as_str()), (429, "TooManyRequests"));
    assert_eq!(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    let cause = refused.details.as_ref().and_then(|d| d.causes.first()).expect("a cause");
    assert_eq!(cause.reason, "DisruptionBudget");
    assert_eq!(cause.message, "The disruption budget web needs 2 healthy pods and has 2 currently");
    assert!(pods.get(victim).await.expect("still there").metadata.deletion_timestamp.is_none());

    deploys
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 3}})))
        .await
        .expect("scale up");
    ready_pod_names(&pods, "web", 3).await;
    let allowed = pods.evict(victim, &EvictParams::default()).await.expect("eviction allowed");
    assert_eq!(allowed.status, Some(StatusSummary::Success));
    let gone = pods.get_opt(victim).await.expect("get");
    assert!(gone.is_none_or(|p| p.metadata.deletion_timestamp.is_some()), "the evicted pod terminates");
}

/// A namespaced `Widget` CRD in `example.com/v1` with `status` and `scale` (`.spec.size`).
fn widget_crd() -> CustomResourceDefinition {
    typed(json!({"metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size",
                    "statusReplicasPath": ".status.size", "labelSelectorPath": ".status.selector"}}}]}}))
}

#[tokio::test]
async fn a_dynamic_api_on_a_crd_found_by_discovery_serves_objects_status_and_scale() {
    let sim = start_bare_sim(0).await;
    let client = kube_client(&sim).await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &widget_crd()).await.expect("create CRD");

    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let discovery = Discovery::new(client.clone()).filter(&["example.com"]).run().await.expect("discovery");
    let (ar, caps) = discovery.resolve_gvk(&gvk).expect("discovery finds the Widget kind");
    assert_eq!(ar, ApiResource::from_gvk(&gvk));
    assert_eq!(caps.scope, Scope::Namespaced);
    let mut subresources: Vec<_> = caps.subresources.iter().map(|(r, _)| r.plural.clone()).collect();
    subresources.sort();
    assert_eq!(subresources, ["scale", "status"]);

    let widgets: Api<DynamicObject> = Api::default_namespaced_with(client, &ar);
    let w = DynamicObject::new("w1", &ar).data(json!({"spec": {"size": 3}}));
    let created = widgets.create(&PostParams::default(), &w).await.expect("create widget");
    assert_eq!(created.types.as_ref().map(|t| t.kind.as_str()), Some("Widget"));
    assert_eq!(created.data["spec"]["size"], 3);
    let listed = widgets.list(&ListParams::default()).await.expect("list");
    assert_eq!(listed.items.len(), 1);

    let merged = widgets
        .patch("w1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"colour": "red"}})))
        .await
        .expect("merge patch");
    assert_eq!(merged.data["spec"], json!({"size": 3, "colour": "red"}));
    let with_status = widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 100}, "status": {"size": 2, "selector": "app=w1"}})),
        )
        .await
        .expect("patch status");
    assert_eq!(
        (with_status.data["spec"]["size"].clone(), with_status.data["status"]["size"].clone()),
        (json!(3), json!(2))
    );

    let scale = widgets.get_scale("w1").await.expect("get scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(scale.status.as_ref().map(|s| s.replicas), Some(2));
    assert_eq!(scale.status.as_ref().and_then(|s| s.selector.as_deref()), Some("app=w1"));
    widgets
        .patch_scale("w1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 8}})))
        .await
        .expect("patch scale");
    let read: Value = widgets.get("w1").await.expect("get").data;
    assert_eq!(read["spec"]["size"], 8);

    crds.delete("widgets.example.com", &DeleteParams::default()).await.expect("delete CRD");
    let status = api_error(widgets.list(&ListParams::default()).await);
    assert_eq!(status.code, 404);
}
