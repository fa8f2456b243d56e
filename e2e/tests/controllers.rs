//! Controllers and pod subresources end to end: Deployments, `ReplicaSets`, the scheduler, pod
//! lifecycle, graceful deletion, garbage collection, `pods/resize`, `pods/eviction` and restarts,
//! through the HTTPS API (and in-process reads to watch convergence).

mod common;

use std::time::{Duration, Instant};

use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::controllers::record_container_restart;
use bellows_e2e::sim::store::ResourceKey;
use common::{Client, deployment, start_sim};
use jiff::Timestamp;
use serde_json::{Value, json};

const DEPLOYS: &str = "/apis/apps/v1/namespaces/default/deployments";
const PODS: &str = "/api/v1/namespaces/default/pods";

/// Poll `check` every 20 ms for up to 10 s.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn list(sim: &SimHandle, group: &str, resource: &str) -> Vec<Value> {
    sim.cluster().list(&ResourceKey::new(group, resource), Some("default")).0
}

/// Pods labelled `app=<app>` that are not terminating.
fn live_pods(sim: &SimHandle, app: &str) -> Vec<Value> {
    list(sim, "", "pods")
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["app"] == app && p["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

fn running_ready(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
        && pod["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// Wait until `app` has exactly `n` live pods, all Running and Ready.
async fn wait_ready(sim: &SimHandle, app: &str, n: usize) -> Vec<Value> {
    eventually(&format!("{n} ready pods of {app}"), || {
        let pods = live_pods(sim, app);
        (pods.len() == n && pods.iter().all(running_ready)).then_some(pods)
    })
    .await
}

fn with_requests(mut deploy: Value, cpu: &str, memory: &str) -> Value {
    deploy["spec"]["template"]["spec"]["containers"][0]["resources"] =
        json!({"requests": {"cpu": cpu, "memory": memory}});
    deploy
}

fn events_with_reason(sim: &SimHandle, reason: &str) -> Vec<Value> {
    list(sim, "", "events").into_iter().filter(|e| e["reason"] == reason).collect()
}

#[tokio::test]
async fn a_deployment_of_three_creates_a_replicaset_and_three_running_ready_pods() {
    let sim = start_sim(3).await;
    let c = Client::admin(&sim);
    assert_eq!(c.post(DEPLOYS, &deployment("web", 3)).await.status, 201);
    let pods = wait_ready(&sim, "web", 3).await;
    let rs = list(&sim, "apps", "replicasets");
    assert_eq!(rs.len(), 1);
    let hash = rs[0]["metadata"]["labels"]["pod-template-hash"].as_str().unwrap().to_owned();
    assert_eq!(rs[0]["metadata"]["name"], format!("web-{hash}"));
    assert_eq!(rs[0]["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(rs[0]["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
    for pod in &pods {
        assert!(pod["metadata"]["name"].as_str().unwrap().starts_with(&format!("web-{hash}-")));
        assert!(pod["spec"]["nodeName"].as_str().unwrap().starts_with("node-"));
        assert!(pod["status"]["podIP"].as_str().unwrap().starts_with("10.244."));
        let node = sim.get("", "nodes", "", pod["spec"]["nodeName"].as_str().unwrap()).unwrap();
        assert_eq!(pod["status"]["hostIP"], node["status"]["addresses"][0]["address"]);
        let cs = &pod["status"]["containerStatuses"][0];
        assert_eq!((cs["ready"].as_bool(), cs["restartCount"].as_i64()), (Some(true), Some(0)));
        assert!(cs["state"]["running"]["startedAt"].is_string());
        assert!(cs["containerID"].as_str().unwrap().starts_with("containerd://"));
        assert_eq!(pod["status"]["qosClass"], "BestEffort");
    }
    let deploy = eventually("deployment status", || {
        let d = sim.get("apps", "deployments", "default", "web")?;
        (d["status"]["availableReplicas"] == 3).then_some(d)
    })
    .await;
    assert_eq!(deploy["status"]["readyReplicas"], 3);
    assert_eq!(deploy["status"]["updatedReplicas"], 3);
    assert_eq!(deploy["status"]["observedGeneration"], 1);
    let available =
        deploy["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Available").unwrap();
    assert_eq!(
        (available["status"].as_str(), available["reason"].as_str()),
        (Some("True"), Some("MinimumReplicasAvailable"))
    );
    assert!(
        events_with_reason(&sim, "ScalingReplicaSet")
            .iter()
            .any(|e| e["message"] == format!("Scaled up replica set web-{hash} from 0 to 3"))
    );
    assert_eq!(events_with_reason(&sim, "SuccessfulCreate").len(), 3);
    assert_eq!(events_with_reason(&sim, "Scheduled").len(), 3);
    assert_eq!(events_with_reason(&sim, "Started").len(), 3);
}

#[tokio::test]
async fn scaling_through_the_scale_subresource_converges() {
    let sim = start_sim(3).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 3)).await;
    wait_ready(&sim, "web", 3).await;
    let scale = |n: i64| {
        json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
                                "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": n}})
    };
    assert_eq!(c.put(&format!("{DEPLOYS}/web/scale"), &scale(5)).await.status, 200);
    wait_ready(&sim, "web", 5).await;
    assert_eq!(
        c.patch(
            &format!("{DEPLOYS}/web/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 2}})
        )
        .await
        .status,
        200
    );
    wait_ready(&sim, "web", 2).await;
    let rs = eventually("replicaset status of 2", || {
        let rs = list(&sim, "apps", "replicasets").pop()?;
        (rs["status"]["replicas"] == 2 && rs["status"]["readyReplicas"] == 2).then_some(rs)
    })
    .await;
    assert_eq!(rs["spec"]["replicas"], 2);
    eventually("all pods beyond two removed", || (list(&sim, "", "pods").len() == 2).then_some(())).await;
    let status = c.get(&format!("{DEPLOYS}/web/scale")).await.body;
    assert_eq!(status["status"]["replicas"], 2);
    assert!(!events_with_reason(&sim, "SuccessfulDelete").is_empty());
}

#[tokio::test]
async fn a_template_change_rolls_out_a_new_replicaset() {
    let sim = start_sim(3).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 3)).await;
    let old = wait_ready(&sim, "web", 3).await;
    let old_hash = old[0]["metadata"]["labels"]["pod-template-hash"].as_str().unwrap().to_owned();
    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}});
    assert_eq!(
        c.patch(&format!("{DEPLOYS}/web"), "application/strategic-merge-patch+json", &patch).await.status,
        200
    );
    let pods = eventually("rollout to the new template", || {
        let pods = live_pods(&sim, "web");
        let done = pods.len() == 3
            && pods.iter().all(running_ready)
            && pods.iter().all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28");
        done.then_some(pods)
    })
    .await;
    assert_ne!(pods[0]["metadata"]["labels"]["pod-template-hash"], old_hash.as_str());
    let rs = list(&sim, "apps", "replicasets");
    assert_eq!(rs.len(), 2);
    let new_rs =
        rs.iter().find(|r| r["metadata"]["labels"]["pod-template-hash"] != old_hash.as_str()).unwrap();
    assert_eq!(new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    let old_rs =
        rs.iter().find(|r| r["metadata"]["labels"]["pod-template-hash"] == old_hash.as_str()).unwrap();
    eventually("old replicaset at zero", || {
        let r = sim.get("apps", "replicasets", "default", old_rs["metadata"]["name"].as_str()?)?;
        (r["spec"]["replicas"] == 0).then_some(())
    })
    .await;
    eventually("deployment complete", || {
        let d = sim.get("apps", "deployments", "default", "web")?;
        let p = d["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == "Progressing")?.clone();
        (p["reason"] == "NewReplicaSetAvailable" && d["status"]["updatedReplicas"] == 3).then_some(())
    })
    .await;
}

#[tokio::test]
async fn pods_that_fit_nowhere_stay_pending_as_unschedulable() {
    let sim = start_sim(3).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &with_requests(deployment("huge", 1), "5", "1Gi")).await;
    let pod = eventually("an unschedulable pod", || {
        let pod = live_pods(&sim, "huge").pop()?;
        let cond =
            pod["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == "PodScheduled")?.clone();
        (cond["status"] == "False").then_some((pod, cond))
    })
    .await;
    assert_eq!(pod.0["status"]["phase"], "Pending");
    assert!(pod.0["spec"]["nodeName"].is_null());
    assert_eq!(pod.1["reason"], "Unschedulable");
    assert_eq!(pod.1["message"], "0/3 nodes are available: 3 Insufficient cpu.");
    let failed =
        eventually("a FailedScheduling event", || events_with_reason(&sim, "FailedScheduling").pop()).await;
    assert_eq!(
        (failed["type"].as_str(), failed["message"].as_str()),
        (Some("Warning"), Some("0/3 nodes are available: 3 Insufficient cpu."))
    );
    // Requests fill nodes exactly: 3 nodes × 4 cpus hold six 2-cpu pods, the seventh waits.
    c.post(DEPLOYS, &with_requests(deployment("big", 7), "2", "1Gi")).await;
    eventually("six of seven scheduled", || {
        let pods = live_pods(&sim, "big");
        let bound = pods.iter().filter(|p| p["spec"]["nodeName"].is_string()).count();
        (pods.len() == 7 && bound == 6).then_some(())
    })
    .await;
}

#[tokio::test]
async fn deleting_a_pod_is_graceful_and_then_it_is_removed() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                     "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
    assert_eq!(c.post(PODS, &pod).await.status, 201);
    eventually("solo running", || sim.get("", "pods", "default", "solo").filter(running_ready)).await;
    let deleted = c.delete(&format!("{PODS}/solo")).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["kind"], "Pod");
    assert!(deleted.body["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(deleted.body["metadata"]["deletionGracePeriodSeconds"], 30);
    let still = c.get(&format!("{PODS}/solo")).await;
    assert_eq!(still.status, 200, "the pod stays while it terminates");
    eventually("solo removed", || sim.get("", "pods", "default", "solo").is_none().then_some(())).await;
    assert!(events_with_reason(&sim, "Killing").iter().any(|e| e["message"] == "Stopping container app"));
    // Grace 0 removes at once.
    c.post(PODS, &pod).await;
    eventually("solo running again", || sim.get("", "pods", "default", "solo").filter(running_ready)).await;
    assert_eq!(c.delete(&format!("{PODS}/solo?gracePeriodSeconds=0")).await.status, 200);
    assert!(sim.get("", "pods", "default", "solo").is_none());
}

#[tokio::test]
async fn deleting_a_deployment_collects_its_replicasets_and_pods() {
    let sim = start_sim(2).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 2)).await;
    wait_ready(&sim, "web", 2).await;
    assert_eq!(c.delete(&format!("{DEPLOYS}/web")).await.status, 200);
    eventually("replicasets and pods gone", || {
        (list(&sim, "apps", "replicasets").is_empty() && list(&sim, "", "pods").is_empty()).then_some(())
    })
    .await;
}

/// A Burstable single-container pod `name` with cpu requests/limits, Running on `node-1`.
async fn running_pod(
    sim: &SimHandle,
    c: &Client,
    name: &str,
    cpu: &str,
    limit: &str,
    policy: Option<&str>,
) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
            "resources": {"requests": {"cpu": cpu, "memory": "128Mi"}, "limits": {"cpu": limit, "memory": "256Mi"}}}]}});
    if let Some(p) = policy {
        pod["spec"]["containers"][0]["resizePolicy"] = json!([{"resourceName": "cpu", "restartPolicy": p}]);
    }
    assert_eq!(c.post(PODS, &pod).await.status, 201);
    eventually("pod running", || sim.get("", "pods", "default", name).filter(running_ready)).await
}

fn resize_patch(cpu: &str, limit: &str) -> Value {
    json!({"spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": cpu}, "limits": {"cpu": limit}}}]}})
}

#[tokio::test]
async fn a_resize_that_fits_is_applied() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    let pod = running_pod(&sim, &c, "r", "500m", "1", None).await;
    assert_eq!(
        pod["status"]["containerStatuses"][0]["allocatedResources"],
        json!({"cpu": "500m", "memory": "128Mi"})
    );
    let reply = c
        .patch(&format!("{PODS}/r/resize"), "application/strategic-merge-patch+json", &resize_patch("1", "2"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["spec"]["containers"][0]["resources"]["requests"]["cpu"], "1");
    let done = eventually("resize actuated", || {
        let p = sim.get("", "pods", "default", "r")?;
        let cs = &p["status"]["containerStatuses"][0];
        let actuated = cs["allocatedResources"]["cpu"] == "1" && cs["resources"]["limits"]["cpu"] == "2";
        let in_progress =
            p["status"]["conditions"].as_array()?.iter().any(|c| c["type"] == "PodResizeInProgress");
        (actuated && !in_progress).then_some(p)
    })
    .await;
    assert_eq!(done["status"]["containerStatuses"][0]["restartCount"], 0);
    assert_eq!(done["status"]["observedGeneration"], done["metadata"]["generation"]);
    assert_eq!(done["status"]["qosClass"], "Burstable");
}

#[tokio::test]
async fn a_resize_with_restart_container_policy_restarts_the_container() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    running_pod(&sim, &c, "rr", "500m", "1", Some("RestartContainer")).await;
    let reply = c
        .patch(
            &format!("{PODS}/rr/resize"),
            "application/strategic-merge-patch+json",
            &resize_patch("750m", "1"),
        )
        .await;
    assert_eq!(reply.status, 200);
    eventually("container restarted for the resize", || {
        let p = sim.get("", "pods", "default", "rr")?;
        (p["status"]["containerStatuses"][0]["restartCount"] == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_resize_beyond_the_node_is_infeasible_and_one_beyond_free_room_is_deferred() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    running_pod(&sim, &c, "a", "1", "1", None).await;
    running_pod(&sim, &c, "b", "2", "2", None).await;
    let path = format!("{PODS}/a/resize");
    assert_eq!(
        c.patch(&path, "application/strategic-merge-patch+json", &resize_patch("5", "5")).await.status,
        200
    );
    let cond = eventually("PodResizePending Infeasible", || {
        let p = sim.get("", "pods", "default", "a")?;
        p["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == "PodResizePending").cloned()
    })
    .await;
    assert_eq!(cond["reason"], "Infeasible");
    assert_eq!(
        cond["observedGeneration"],
        sim.get("", "pods", "default", "a").unwrap()["metadata"]["generation"]
    );
    assert_eq!(cond["message"], "Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000");
    assert_eq!(
        sim.get("", "pods", "default", "a").unwrap()["status"]["containerStatuses"][0]["allocatedResources"]
            ["cpu"],
        "1"
    );
    assert_eq!(
        c.patch(&path, "application/strategic-merge-patch+json", &resize_patch("3", "3")).await.status,
        200
    );
    let cond = eventually("PodResizePending Deferred", || {
        let p = sim.get("", "pods", "default", "a")?;
        p["status"]["conditions"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == "PodResizePending" && c["reason"] == "Deferred")
            .cloned()
    })
    .await;
    assert_eq!(
        cond["message"],
        "Node didn't have enough resource: cpu, requested: 3000, used: 2000, capacity: 4000"
    );
    // Freeing room lets the deferred resize through.
    c.delete(&format!("{PODS}/b?gracePeriodSeconds=0")).await;
    eventually("deferred resize applied", || {
        let p = sim.get("", "pods", "default", "a")?;
        (p["status"]["containerStatuses"][0]["allocatedResources"]["cpu"] == "3").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_resize_that_changes_the_qos_class_is_invalid() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    running_pod(&sim, &c, "q", "500m", "1", None).await;
    // Requests equal to limits for cpu and memory would make the pod Guaranteed.
    let patch = json!({"spec": {"containers": [{"name": "app", "resources": {
        "requests": {"cpu": "1", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}}}]}});
    let reply = c.patch(&format!("{PODS}/q/resize"), "application/strategic-merge-patch+json", &patch).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["reason"], "Invalid");
    assert_eq!(
        reply.body["message"],
        "Pod \"q\" is invalid: spec: Invalid value: \"Burstable\": Pod QOS Class may not change as a result of resizing"
    );
    assert_eq!(reply.body["details"]["causes"][0]["field"], "spec");
    let pod = sim.get("", "pods", "default", "q").unwrap();
    assert_eq!(pod["spec"]["containers"][0]["resources"]["requests"]["cpu"], "500m");
}

fn eviction(name: &str) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}})
}

#[tokio::test]
async fn eviction_respects_the_disruption_budget() {
    let sim = start_sim(3).await;
    let c = Client::admin(&sim);
    c.post(DEPLOYS, &deployment("web", 2)).await;
    let pods = wait_ready(&sim, "web", 2).await;
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                     "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}});
    assert_eq!(c.post("/apis/policy/v1/namespaces/default/poddisruptionbudgets", &pdb).await.status, 201);
    eventually("pdb status", || {
        let p = sim.get("policy", "poddisruptionbudgets", "default", "web")?;
        (p["status"]["currentHealthy"] == 2
            && p["status"]["desiredHealthy"] == 2
            && p["status"]["disruptionsAllowed"] == 0)
            .then_some(())
    })
    .await;
    let victim = pods[0]["metadata"]["name"].as_str().unwrap().to_owned();
    let refused = c.post(&format!("{PODS}/{victim}/eviction"), &eviction(&victim)).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.body["reason"], "TooManyRequests");
    assert_eq!(refused.body["message"], "Cannot evict pod as it would violate the pod's disruption budget.");
    assert_eq!(
        refused.body["details"]["causes"][0]["message"],
        "The disruption budget web needs 2 healthy pods and has 2 currently"
    );
    c.patch(
        &format!("{DEPLOYS}/web/scale"),
        "application/merge-patch+json",
        &json!({"spec": {"replicas": 3}}),
    )
    .await;
    wait_ready(&sim, "web", 3).await;
    let allowed = c.post(&format!("{PODS}/{victim}/eviction"), &eviction(&victim)).await;
    assert_eq!(allowed.status, 201, "{}", allowed.body);
    assert_eq!(allowed.body["status"], "Success");
    let pod = sim.get("", "pods", "default", &victim);
    assert!(pod.is_none_or(|p| p["metadata"]["deletionTimestamp"].is_string()));
}

#[tokio::test]
async fn a_recorded_restart_bumps_the_count_and_keeps_the_last_state() {
    let sim = start_sim(1).await;
    let c = Client::admin(&sim);
    let before = running_pod(&sim, &c, "oom", "100m", "200m", None).await;
    let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let pod = record_container_restart(sim.cluster(), "default", "oom", "app", "OOMKilled", at).unwrap();
    let cs = &pod["status"]["containerStatuses"][0];
    assert_eq!(cs["restartCount"], 1);
    assert_eq!(cs["lastState"]["terminated"]["reason"], "OOMKilled");
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 137);
    assert_eq!(cs["lastState"]["terminated"]["finishedAt"], "2030-01-01T00:00:00Z");
    assert_eq!(
        cs["lastState"]["terminated"]["startedAt"],
        before["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    );
    assert_eq!(cs["state"]["running"]["startedAt"], "2030-01-01T00:00:00Z");
    assert_ne!(cs["containerID"], before["status"]["containerStatuses"][0]["containerID"]);
    assert!(events_with_reason(&sim, "OOMKilled").iter().any(|e| e["type"] == "Warning"));
    let missing = record_container_restart(sim.cluster(), "default", "oom", "nope", "OOMKilled", at);
    assert!(missing.is_err());
}

#[tokio::test]
async fn a_statefulset_creates_ordinal_pods_in_order() {
    let sim = start_sim(2).await;
    let c = Client::admin(&sim);
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:17"}]}}}});
    assert_eq!(c.post("/apis/apps/v1/namespaces/default/statefulsets", &sts).await.status, 201);
    let pods = wait_ready(&sim, "db", 3).await;
    let mut names: Vec<&str> = pods.iter().map(|p| p["metadata"]["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["db-0", "db-1", "db-2"]);
    assert_eq!(pods[0]["spec"]["subdomain"], "db");
    c.patch(
        "/apis/apps/v1/namespaces/default/statefulsets/db/scale",
        "application/merge-patch+json",
        &json!({"spec": {"replicas": 1}}),
    )
    .await;
    let pods = wait_ready(&sim, "db", 1).await;
    assert_eq!(pods[0]["metadata"]["name"], "db-0");
}

#[tokio::test]
async fn discovery_lists_the_pod_subresources() {
    let sim = start_sim(0).await;
    let c = Client::admin(&sim);
    let list = c.get("/api/v1").await.body;
    let names: Vec<&str> =
        list["resources"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(names.contains(&"pods/eviction") && names.contains(&"pods/resize"), "{names:?}");
}

#[tokio::test]
async fn controllers_can_be_switched_off() {
    use bellows_e2e::sim::SimConfig;
    use bellows_e2e::sim::controllers::ControllerSettings;
    let controllers = ControllerSettings { enabled: false, ..ControllerSettings::default() };
    let sim = common::start_sim_with(SimConfig { nodes: 1, controllers, ..SimConfig::default() }).await;
    let mut deploy = deployment("web", 1);
    deploy["metadata"]["namespace"] = json!("default");
    sim.create("apps", "deployments", deploy).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(list(&sim, "apps", "replicasets").is_empty());
}
