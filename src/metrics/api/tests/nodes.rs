//! `nodes` and `nodes/{name}`: shapes, ordering, selectors, errors (ports `pkg/api/node_test.go`).

use std::time::Duration;

use super::fixtures::{app, app_with, get, get_accept, item_names, node, nodes_source};
use crate::metrics::api::{RouterConfig, StaticSource};
use crate::selectors::LabelSelector;

const NODES: &str = "/apis/metrics.k8s.io/v1beta1/nodes";

/// `createTestNodes` of upstream `node_test.go`, given out of order.
fn upstream_test_nodes() -> StaticSource {
    nodes_source(vec![
        node("node3").label("labelKey", "otherValue").build(),
        node("node1").label("labelKey", "labelValue").build(),
        node("node2").label("otherKey", "labelValue").build(),
    ])
}

#[tokio::test]
async fn node_get_matches_the_kubernetes_docs_example() {
    let reply = get(app(nodes_source(vec![node("minikube").build()])), &format!("{NODES}/minikube")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"NodeMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"minikube","#,
            r#""creationTimestamp":"2022-01-27T18:48:43Z"},"timestamp":"2022-01-27T18:48:33Z","window":"30s","#,
            r#""usage":{"cpu":"487558164n","memory":"732212Ki"}}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn node_labels_follow_creation_timestamp_in_metadata() {
    let source = nodes_source(vec![
        node("n1").label("zone", "a").label("arch", "arm64").usage(7_990_556, 3_145_728).build(),
    ]);
    let reply = get(app(source), NODES).await;
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[{"kind":"NodeMetrics","#,
            r#""apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"n1","creationTimestamp":"2022-01-27T18:48:43Z","#,
            r#""labels":{"arch":"arm64","zone":"a"}},"timestamp":"2022-01-27T18:48:33Z","window":"30s","#,
            r#""usage":{"cpu":"7990556n","memory":"3Mi"}}]}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn node_list_is_sorted_by_name() {
    // TestNodeList_NoError
    let reply = get(app(upstream_test_nodes()), NODES).await;
    assert_eq!(item_names(&reply.body), ["node1", "node2", "node3"]);
}

#[tokio::test]
async fn empty_node_list_has_an_empty_items_array() {
    // TestNodeList_EmptyResponse
    let reply = get(app(StaticSource::default()), NODES).await;
    assert_eq!(
        reply.body,
        "{\"kind\":\"NodeMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},\"items\":[]}\n"
    );
}

#[tokio::test]
async fn node_list_filters_by_label_and_field_selectors() {
    let cases: &[(&str, &[&str])] = &[
        // TestNodeList_WithLabelSelectors
        ("labelSelector=labelKey%3DlabelValue", &["node1"]),
        // TestNodeList_WithLabelAndFieldSelectors (name instead of the namespace nodes lack)
        ("labelSelector=labelKey%3DotherValue&fieldSelector=metadata.name!%3Dnode1", &["node3"]),
        ("labelSelector=labelKey", &["node1", "node3"]),
        ("labelSelector=!labelKey", &["node2"]),
        ("labelSelector=labelKey+in+(labelValue,otherValue)", &["node1", "node3"]),
        ("labelSelector=labelKey+notin+(labelValue)", &["node2", "node3"]),
        ("labelSelector=labelKey!%3DlabelValue", &["node2", "node3"]),
        ("fieldSelector=metadata.name%3D%3Dnode2", &["node2"]),
        // Nodes have no namespace field: it reads as "".
        ("fieldSelector=metadata.namespace%3D", &["node1", "node2", "node3"]),
        ("fieldSelector=metadata.namespace%3Dother", &[]),
        // Accepted and ignored, as upstream.
        (
            "limit=1&continue=abc&resourceVersion=0&resourceVersionMatch=NotOlderThan",
            &["node1", "node2", "node3"],
        ),
    ];
    for (query, expected) in cases {
        let reply = get(app(upstream_test_nodes()), &format!("{NODES}?{query}")).await;
        assert_eq!(reply.status, 200, "{query}");
        assert_eq!(item_names(&reply.body), *expected, "{query}");
    }
}

#[tokio::test]
async fn node_selector_flag_limits_lists_but_not_gets() {
    let config = RouterConfig {
        resolution: Duration::from_secs(15),
        node_selector: LabelSelector::parse("labelKey").expect("valid selector"),
    };
    let list = get(app_with(upstream_test_nodes(), config.clone()), NODES).await;
    assert_eq!(item_names(&list.body), ["node1", "node3"]);
    let single = get(app_with(upstream_test_nodes(), config), &format!("{NODES}/node2")).await;
    assert_eq!(single.status, 200);
}

#[tokio::test]
async fn unknown_node_is_reported_like_the_node_lister() {
    let reply = get(app(upstream_test_nodes()), &format!("{NODES}/ghost")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"node \"ghost\" not found","#,
            r#""reason":"NotFound","details":{"name":"ghost","kind":"node"},"code":404}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn known_node_without_metrics_is_a_nodemetrics_not_found() {
    let source = StaticSource { known_nodes: vec!["cold".to_owned()], ..upstream_test_nodes() };
    let reply = get(app(source), &format!("{NODES}/cold")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"nodemetrics.metrics.k8s.io \"cold\" not found","reason":"NotFound","#,
            r#""details":{"name":"cold","group":"metrics.k8s.io","kind":"nodemetrics"},"code":404}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn watching_nodes_is_method_not_allowed() {
    let reply = get(app(upstream_test_nodes()), &format!("{NODES}?watch=true")).await;
    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"watch is not supported on resources of kind \"nodes.metrics.k8s.io\"","#,
            r#""reason":"MethodNotAllowed","details":{"group":"metrics.k8s.io","kind":"nodes"},"code":405}"#,
            "\n"
        )
    );
    let not_watching = get(app(upstream_test_nodes()), &format!("{NODES}?watch=false")).await;
    assert_eq!(not_watching.status, 200);
}

#[tokio::test]
async fn unknown_field_selector_is_a_bad_request() {
    let reply = get(app(upstream_test_nodes()), &format!("{NODES}?fieldSelector=spec.nodeName%3Dx")).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"\"spec.nodeName\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"","#,
            r#""reason":"BadRequest","code":400}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn malformed_label_selector_is_a_bad_request() {
    let reply = get(app(upstream_test_nodes()), &format!("{NODES}?labelSelector=x%3D%3Da%3D%3Db")).await;
    assert_eq!(reply.status, 400);
    let status: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(status["reason"], "BadRequest");
    assert_eq!(
        status["message"],
        "unable to parse requirement: found '==', expected: ',' in label selector \"x==a==b\""
    );
}

#[tokio::test]
async fn kubectl_top_nodes_request_gets_json() {
    let reply = get_accept(
        app(upstream_test_nodes()),
        &format!("{NODES}?labelSelector=labelKey"),
        "application/json",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(item_names(&reply.body), ["node1", "node3"]);
}

#[tokio::test]
async fn protobuf_first_clients_fall_back_to_json() {
    let accept = "application/vnd.kubernetes.protobuf, */*";
    let reply = get_accept(app(upstream_test_nodes()), NODES, accept).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
}

#[tokio::test]
async fn protobuf_only_clients_are_not_acceptable() {
    let reply = get_accept(app(upstream_test_nodes()), NODES, "application/vnd.kubernetes.protobuf").await;
    assert_eq!(reply.status, 406);
    let status: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(status["reason"], "NotAcceptable");
    assert_eq!(status["message"], "only the following media types are accepted: application/json");
}

#[tokio::test]
async fn watch_flag_on_a_single_node_is_ignored_like_the_get_handler() {
    let reply = get(app(upstream_test_nodes()), &format!("{NODES}/node1?watch=true")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(item_names(&format!("{{\"items\":[{}]}}", reply.body.trim_end())), ["node1"]);
}
