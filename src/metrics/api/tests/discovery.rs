//! Discovery documents, byte-equal to spec §4.2.

use super::fixtures::{app, get, send};
use crate::metrics::api::StaticSource;

const RESOURCE_LIST: &str = r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":[{"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},{"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}"#;
const GROUP: &str = r#"{"kind":"APIGroup","apiVersion":"v1","name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}"#;
const GROUP_LIST: &str = r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}]}"#;

#[tokio::test]
async fn resource_list_is_byte_equal_to_metrics_server() {
    let reply = get(app(StaticSource::default()), "/apis/metrics.k8s.io/v1beta1").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(reply.body, format!("{RESOURCE_LIST}\n"));
}

#[tokio::test]
async fn api_group_is_byte_equal_to_metrics_server() {
    let reply = get(app(StaticSource::default()), "/apis/metrics.k8s.io").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, format!("{GROUP}\n"));
}

#[tokio::test]
async fn api_group_list_holds_only_the_metrics_group() {
    let reply = get(app(StaticSource::default()), "/apis").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, format!("{GROUP_LIST}\n"));
}

#[tokio::test]
async fn aggregator_availability_check_gets_200_even_with_an_empty_store() {
    let headers = [("x-remote-user", "system:kube-aggregator"), ("x-remote-group", "system:masters")];
    let reply = send(app(StaticSource::default()), "GET", "/apis/metrics.k8s.io/v1beta1", &headers).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn unknown_paths_get_the_plain_apiserver_404() {
    let reply = get(app(StaticSource::default()), "/apis/custom.metrics.k8s.io/v1beta1/x/y/z").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert_eq!(reply.body, "404 page not found\n");
}

#[tokio::test]
async fn writes_on_api_paths_are_method_not_allowed() {
    let reply = send(app(StaticSource::default()), "POST", "/apis/metrics.k8s.io/v1beta1/nodes", &[]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"the server does not allow this method on the requested resource","#,
            r#""reason":"MethodNotAllowed","code":405}"#,
            "\n"
        )
    );
}
