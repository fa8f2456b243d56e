//! Table output (ports `pkg/api/table_test.go` and the `ConvertToTable` cases of node/pod tests).

use std::time::Duration;

use super::fixtures::{NOW, app, get_accept, node, nodes_source, pod, pods_source, ts};
use crate::metrics::api::StaticSource;
use crate::metrics::api::table::{IncludeObject, Table, TableVersion, node_table, pod_table};
use crate::metrics::api::types::{NodeMetrics, PodMetrics};

const KUBECTL_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const MI: u64 = 1024 * 1024;

fn cells(table: &Table) -> Vec<Vec<String>> {
    table.rows.iter().flatten().map(|r| r.cells.clone()).collect()
}

fn column_names(table: &Table) -> Vec<String> {
    table.column_definitions.iter().flatten().map(|c| c.name.clone()).collect()
}

#[test]
fn node_table_rows_follow_upstream_cells() {
    // TestNodeList_ConvertToTable: windows 1000, 2000, 3000 ns.
    let nodes: Vec<NodeMetrics> = [
        node("node1").usage(10_000_000, 0).window(Duration::from_micros(1)).build(),
        node("node2").usage(0, 5 * MI).window(Duration::from_micros(2)).build(),
        node("node3").usage(1_000_000_000, 0).window(Duration::from_micros(3)).build(),
    ]
    .iter()
    .map(|n| NodeMetrics::from_sample(n, ts(NOW)))
    .collect();
    let table = node_table(&nodes, TableVersion::V1, IncludeObject::Metadata);
    assert_eq!(column_names(&table), ["Name", "cpu", "memory", "Window"]);
    assert_eq!(
        cells(&table),
        [["node1", "10m", "0", "1µs"], ["node2", "0", "5Mi", "2µs"], ["node3", "1", "0", "3µs"]]
    );
}

#[test]
fn pod_table_sums_usage_over_containers() {
    // TestPodList_ConvertToTable: pod1 has cpu in one container and memory in the other.
    let pods: Vec<PodMetrics> = [
        pod("ns", "pod1")
            .container("metric1", 10_000_000, 0)
            .container("metric1-b", 0, 5 * MI)
            .window(Duration::from_micros(1)),
        pod("ns", "pod2").container("metric2", 20_000_000, 15 * MI).window(Duration::from_micros(2)),
        pod("ns", "pod3").container("metric3", 20_000_000, 25 * MI).window(Duration::from_micros(3)),
    ]
    .into_iter()
    .map(|p| PodMetrics::from_sample(&p.build(), ts(NOW)))
    .collect();
    let table = pod_table(&pods, TableVersion::V1, IncludeObject::Metadata);
    assert_eq!(column_names(&table), ["Name", "cpu", "memory", "Window"]);
    assert_eq!(
        cells(&table),
        [["pod1", "10m", "5Mi", "1µs"], ["pod2", "20m", "15Mi", "2µs"], ["pod3", "20m", "25Mi", "3µs"]]
    );
}

#[test]
fn pods_without_containers_before_the_first_full_pod_have_no_usage_cells() {
    let pods: Vec<PodMetrics> = [
        pod("ns", "empty").no_timestamp(),
        pod("ns", "full").container("c", 1_500_000_000, 3 * MI),
        pod("ns", "empty-again").no_timestamp(),
    ]
    .into_iter()
    .map(|p| PodMetrics::from_sample(&p.build(), ts(NOW)))
    .collect();
    let table = pod_table(&pods, TableVersion::V1, IncludeObject::Metadata);
    assert_eq!(column_names(&table), ["Name", "cpu", "memory", "Window"]);
    let expected: Vec<Vec<&str>> =
        vec![vec!["empty", "0s"], vec!["full", "1500m", "3Mi", "30s"], vec!["empty-again", "0", "0", "0s"]];
    assert_eq!(cells(&table), expected);
}

#[tokio::test]
async fn kubectl_get_nodes_receives_a_v1_table_with_partial_metadata() {
    let source = nodes_source(vec![node("n1").label("zone", "a").usage(7_990_556, 14_064 * 1024).build()]);
    let reply = get_accept(app(source), "/apis/metrics.k8s.io/v1beta1/nodes", KUBECTL_ACCEPT).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json;as=Table;v=v1;g=meta.k8s.io");
    assert_eq!(
        reply.body,
        concat!(
            r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{},"columnDefinitions":["#,
            r#"{"name":"Name","type":"string","format":"name","description":"Name of the resource","priority":0},"#,
            r#"{"name":"cpu","type":"string","format":"quantity","description":"","priority":0},"#,
            r#"{"name":"memory","type":"string","format":"quantity","description":"","priority":0},"#,
            r#"{"name":"Window","type":"string","format":"duration","description":"","priority":0}],"#,
            r#""rows":[{"cells":["n1","7990556n","14064Ki","30s"],"object":{"kind":"PartialObjectMetadata","#,
            r#""apiVersion":"meta.k8s.io/v1","metadata":{"name":"n1","creationTimestamp":"2022-01-27T18:48:43Z","#,
            r#""labels":{"zone":"a"}}}}]}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn empty_table_has_null_columns_and_rows() {
    let reply =
        get_accept(app(StaticSource::default()), "/apis/metrics.k8s.io/v1beta1/pods", KUBECTL_ACCEPT).await;
    assert_eq!(
        reply.body,
        "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{},\"columnDefinitions\":null,\"rows\":null}\n"
    );
}

#[tokio::test]
async fn v1beta1_table_and_include_object_variants() {
    let source = pods_source(vec![pod("ns", "p").container("c", 5, 2048).build()]);
    let accept = "application/json;as=Table;v=v1beta1;g=meta.k8s.io";
    let uri = "/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods/p";
    let beta = get_accept(app(source.clone()), uri, accept).await;
    let value: serde_json::Value = serde_json::from_str(&beta.body).expect("json");
    assert_eq!(beta.content_type, "application/json;as=Table;v=v1beta1;g=meta.k8s.io");
    assert_eq!(value["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(value["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(value["rows"][0]["cells"], serde_json::json!(["p", "5n", "2Ki", "30s"]));

    let none = get_accept(app(source.clone()), &format!("{uri}?includeObject=None"), accept).await;
    let value: serde_json::Value = serde_json::from_str(&none.body).expect("json");
    assert_eq!(value["rows"][0]["object"], serde_json::Value::Null);

    let full = get_accept(app(source), &format!("{uri}?includeObject=Object"), accept).await;
    let value: serde_json::Value = serde_json::from_str(&full.body).expect("json");
    assert_eq!(value["rows"][0]["object"]["kind"], "PodMetrics");
    assert_eq!(value["rows"][0]["object"]["containers"][0]["usage"]["memory"], "2Ki");
}
