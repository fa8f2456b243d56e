//! `pods`, `namespaces/{ns}/pods`, `namespaces/{ns}/pods/{name}` (ports `pkg/api/pod_test.go`).

use super::fixtures::{app, app_at, get, item_names, pod, pods_source};
use crate::metrics::api::StaticSource;

const API: &str = "/apis/metrics.k8s.io/v1beta1";

/// `createTestPods` of upstream `pod_test.go` with one container each.
fn upstream_test_pods() -> StaticSource {
    pods_source(vec![
        pod("other", "pod1").label("app", "web").container("metric1", 10_000_001, 5 * 1024 * 1024).build(),
        pod("testValue", "pod2")
            .label("app", "db")
            .container("metric2", 20_000_001, 15 * 1024 * 1024)
            .build(),
        pod("other", "pod3").label("app", "web").container("metric3", 20_000_001, 25 * 1024 * 1024).build(),
    ])
}

fn namespaces_and_names(body: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(body).expect("json body");
    value["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["metadata"]["namespace"].as_str().unwrap_or(""),
                i["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn pod_get_matches_the_kubernetes_docs_example() {
    let source = pods_source(vec![
        pod("kube-system", "kube-scheduler-minikube")
            .container("kube-scheduler", 9_559_630, 22_244 * 1024)
            .build(),
    ]);
    let reply = get(
        app_at(source, "2022-01-27T19:25:00Z"),
        &format!("{API}/namespaces/kube-system/pods/kube-scheduler-minikube"),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"kube-scheduler-minikube","#,
            r#""namespace":"kube-system","creationTimestamp":"2022-01-27T19:25:00Z"},"timestamp":"2022-01-27T19:24:31Z","#,
            r#""window":"30s","containers":[{"name":"kube-scheduler","usage":{"cpu":"9559630n","memory":"22244Ki"}}]}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn pod_list_is_sorted_by_namespace_then_name() {
    // TestPodList_NoError
    let reply = get(app(upstream_test_pods()), &format!("{API}/pods")).await;
    assert_eq!(namespaces_and_names(&reply.body), ["other/pod1", "other/pod3", "testValue/pod2"]);
}

#[tokio::test]
async fn empty_pod_list_has_an_empty_items_array() {
    // TestPodList_EmptyResponse
    let reply = get(app(StaticSource::default()), &format!("{API}/pods")).await;
    assert_eq!(
        reply.body,
        "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},\"items\":[]}\n"
    );
}

#[tokio::test]
async fn pod_lists_filter_by_namespace_labels_and_fields() {
    let cases: &[(&str, &[&str])] = &[
        // TestPodList_WithFieldSelectors
        ("/pods?fieldSelector=metadata.namespace%3DtestValue", &["testValue/pod2"]),
        ("/pods?fieldSelector=metadata.namespace!%3Dother", &["testValue/pod2"]),
        ("/pods?fieldSelector=metadata.name%3Dpod3,metadata.namespace%3Dother", &["other/pod3"]),
        ("/namespaces/other/pods", &["other/pod1", "other/pod3"]),
        ("/namespaces/nowhere/pods", &[]),
        // The HPA lists one namespace with the target's selector.
        ("/namespaces/other/pods?labelSelector=app%3Dweb", &["other/pod1", "other/pod3"]),
        ("/namespaces/testValue/pods?labelSelector=app+in+(web)", &[]),
        ("/pods?labelSelector=app%3Ddb", &["testValue/pod2"]),
        ("/namespaces/other/pods?fieldSelector=metadata.name%3Dpod1", &["other/pod1"]),
    ];
    for (path, expected) in cases {
        let reply = get(app(upstream_test_pods()), &format!("{API}{path}")).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(namespaces_and_names(&reply.body), *expected, "{path}");
    }
}

#[tokio::test]
async fn pod_with_every_container_skipped_has_null_timestamp_and_zero_window() {
    let source = pods_source(vec![pod("ns", "empty").no_timestamp().build()]);
    let reply = get(app(source), &format!("{API}/namespaces/ns/pods/empty")).await;
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"empty","namespace":"ns","#,
            r#""creationTimestamp":"2022-01-27T18:48:43Z"},"timestamp":null,"window":"0s","containers":[]}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn pod_labels_and_containers_keep_their_order() {
    let source = pods_source(vec![
        pod("ns", "p").label("app", "web").container("b", 1, 1).container("a", 12_000, 1_620_000_000).build(),
    ]);
    let reply = get(app(source), &format!("{API}/namespaces/ns/pods")).await;
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[{"kind":"PodMetrics","#,
            r#""apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"p","namespace":"ns","#,
            r#""creationTimestamp":"2022-01-27T18:48:43Z","labels":{"app":"web"}},"timestamp":"2022-01-27T19:24:31Z","#,
            r#""window":"30s","containers":[{"name":"b","usage":{"cpu":"1n","memory":"1"}},"#,
            r#"{"name":"a","usage":{"cpu":"12u","memory":"1620000000"}}]}]}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn pod_not_running_is_reported_like_the_pod_lister() {
    let reply = get(app(upstream_test_pods()), &format!("{API}/namespaces/other/pods/ghost")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"ghost\" not found","#,
            r#""reason":"NotFound","details":{"name":"ghost","kind":"pods"},"code":404}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn running_pod_without_metrics_is_a_podmetrics_not_found() {
    let source =
        StaticSource { known_pods: vec![("other".to_owned(), "young".to_owned())], ..upstream_test_pods() };
    let reply = get(app(source), &format!("{API}/namespaces/other/pods/young")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"podmetrics.metrics.k8s.io \"other/young\" not found","reason":"NotFound","#,
            r#""details":{"name":"other/young","group":"metrics.k8s.io","kind":"podmetrics"},"code":404}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn pod_in_another_namespace_is_not_found() {
    let reply = get(app(upstream_test_pods()), &format!("{API}/namespaces/testValue/pods/pod1")).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn watching_pods_is_method_not_allowed() {
    let reply = get(app(upstream_test_pods()), &format!("{API}/namespaces/other/pods?watch=1")).await;
    assert_eq!(reply.status, 405);
    let status: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(status["message"], "watch is not supported on resources of kind \"pods.metrics.k8s.io\"");
    assert_eq!(status["details"]["kind"], "pods");
}

#[tokio::test]
async fn kubectl_top_pods_all_namespaces_lists_every_pod() {
    let reply = get(app(upstream_test_pods()), &format!("{API}/pods")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(item_names(&reply.body), ["pod1", "pod3", "pod2"]);
}
