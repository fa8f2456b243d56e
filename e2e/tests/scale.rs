//! Scale smoke test (ignored by default; run with `cargo test -p bellows-e2e --release --test scale
//! -- --ignored --nocapture`): 1000 nodes × 30 pods in the store, then list them over HTTPS.

mod common;

use std::time::Instant;

use common::{Client, start_sim};
use http::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "scale smoke test, a few seconds in release mode"]
async fn thousand_nodes_with_thirty_pods_each_list_over_https() {
    let nodes = 1000;
    let start = Instant::now();
    let sim = start_sim(nodes).await;
    for n in 1..=nodes {
        for i in 0..30 {
            let pod = json!({"metadata": {"name": format!("p-{n}-{i}"), "namespace": "default", "labels": {"node": format!("node-{n}")}},
                "spec": {"nodeName": format!("node-{n}"), "containers": [{"name": "app", "image": "nginx:1.27",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
                "status": {"phase": "Running", "podIP": "10.0.0.1"}});
            sim.create("", "pods", pod).expect("pod");
        }
    }
    println!("seeded {} pods on {nodes} nodes in {:?}", nodes * 30, start.elapsed());
    let c = Client::admin(&sim);
    let t = Instant::now();
    let list = c.get("/api/v1/pods").await;
    println!("list all pods (JSON): {:?}", t.elapsed());
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(nodes * 30));
    let t = Instant::now();
    let page = c.get("/api/v1/pods?limit=500").await;
    println!("list first page of 500: {:?}", t.elapsed());
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(500));
    let t = Instant::now();
    let table = c
        .call(
            Method::GET,
            "/api/v1/pods?limit=500",
            None,
            Some("application/json;as=Table;v=v1;g=meta.k8s.io"),
            None,
        )
        .await;
    println!("Table page of 500: {:?}", t.elapsed());
    assert_eq!(table.body["rows"].as_array().map(Vec::len), Some(500));
    let t = Instant::now();
    let selected = c.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-7").await;
    println!("field-selected list: {:?}", t.elapsed());
    assert_eq!(selected.body["items"].as_array().map(Vec::len), Some(30));
}
