//! The store-backed source: objects applied to the indexes, cycles published to the store.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::{PartialObjectMeta, PartialObjectMetaExt as _};
use kube::runtime::watcher::Event;

use super::*;
use crate::metrics::decode::{Batch, ContainerPoint, NodePoint, PodPoint};
use crate::metrics::runtime::shared::{StoreWriter, store_channel};
use crate::metrics::store::ScrapeCycle;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn node(name: &str, pairs: &[(&str, &str)]) -> Node {
    Node {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(labels(pairs)),
            ..ObjectMeta::default()
        },
        ..Node::default()
    }
}

fn pod(namespace: &str, name: &str, pairs: &[(&str, &str)]) -> PartialObjectMeta<Pod> {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(namespace.into()),
        labels: Some(labels(pairs)),
        ..ObjectMeta::default()
    }
    .into_response_partial()
}

fn t0() -> Timestamp {
    Timestamp::from_second(1_700_000_000).unwrap()
}

/// One kubelet's batch at `t0 + at_secs`: the node and `pods` (namespace, name), one container
/// each, CPU counters at `cpu_secs` core-seconds.
fn batch(node: &str, pods: &[(&str, &str)], at_secs: i64, cpu_secs: u64) -> Batch {
    let timestamp = t0() + SignedDuration::from_secs(at_secs);
    Batch {
        nodes: vec![NodePoint {
            name: node.into(),
            timestamp,
            cumulative_cpu_nanoseconds: cpu_secs * 1_000_000_000,
            memory_working_set_bytes: 2_000_000,
        }],
        pods: pods
            .iter()
            .map(|(ns, name)| PodPoint {
                namespace: (*ns).into(),
                name: (*name).into(),
                containers: vec![ContainerPoint {
                    name: "app".into(),
                    timestamp,
                    start_time: None,
                    cumulative_cpu_nanoseconds: cpu_secs * 500_000_000,
                    memory_working_set_bytes: 4096,
                }],
            })
            .collect(),
        dropped: Vec::new(),
    }
}

/// Publishes two cycles 15 s apart: every listed node and pod becomes servable.
fn two_cycles(writer: &StoreWriter, nodes: &[(&str, &[(&str, &str)])]) {
    for (at, cpu) in [(0, 10), (15, 13)] {
        let mut cycle = ScrapeCycle::new();
        for (name, pods) in nodes {
            cycle.push_batch(*name, batch(name, pods, at, cpu));
        }
        writer.publish(&cycle);
    }
}

struct Fixture {
    source: StoreSource,
    writer: StoreWriter,
    nodes: SharedIndex<Node>,
    pods: SharedIndex<PartialObjectMeta<Pod>>,
}

fn fixture() -> Fixture {
    let (writer, reader) = store_channel(Duration::from_secs(15));
    let nodes = SharedIndex::new();
    let pods = SharedIndex::new();
    let source = StoreSource::new(reader, nodes.clone(), pods.clone());
    Fixture { source, writer, nodes, pods }
}

#[test]
fn a_known_node_with_two_points_is_found_with_its_index_labels() {
    let f = fixture();
    f.nodes.write().apply(node("n1", &[("zone", "a")]));
    two_cycles(&f.writer, &[("n1", &[])]);
    let Lookup::Found(sample) = f.source.node("n1") else { panic!("n1 is served") };
    assert_eq!(sample.name, "n1");
    assert_eq!(sample.labels, labels(&[("zone", "a")]));
    assert_eq!(sample.timestamp, t0() + SignedDuration::from_secs(15));
    assert_eq!(sample.window, Duration::from_secs(15));
    // 3 core-seconds over 15 s.
    assert_eq!(sample.cpu_nanocores, 200_000_000);
    assert_eq!(sample.memory_bytes, 2_000_000);
    assert_eq!(f.source.nodes(), vec![sample]);
}

#[test]
fn a_node_unknown_to_the_index_is_not_found_even_with_metrics() {
    let f = fixture();
    two_cycles(&f.writer, &[("ghost", &[])]);
    assert_eq!(f.source.node("ghost"), Lookup::UnknownObject);
    assert!(f.source.nodes().is_empty());
}

#[test]
fn a_known_node_without_servable_metrics_has_no_metrics() {
    let f = fixture();
    f.nodes.write().apply(node("n1", &[]));
    assert_eq!(f.source.node("n1"), Lookup::NoMetrics);
    let mut cycle = ScrapeCycle::new();
    cycle.push_batch("n1", batch("n1", &[], 0, 10));
    f.writer.publish(&cycle);
    assert_eq!(f.source.node("n1"), Lookup::NoMetrics, "one point is not servable");
}

#[test]
fn pods_are_served_when_running_and_filtered_by_namespace() {
    let f = fixture();
    f.pods.write().apply(pod("default", "web", &[("app", "web")]));
    f.pods.write().apply(pod("kube-system", "dns", &[]));
    two_cycles(&f.writer, &[("n1", &[("default", "web"), ("kube-system", "dns"), ("default", "done")])]);
    let Lookup::Found(web) = f.source.pod("default", "web") else { panic!("web is served") };
    assert_eq!(web.labels, labels(&[("app", "web")]));
    assert_eq!(web.timestamp, Some(t0() + SignedDuration::from_secs(15)));
    assert_eq!(web.window, Duration::from_secs(15));
    assert_eq!(web.containers.len(), 1);
    assert_eq!(web.containers[0].name, "app");
    // 1.5 core-seconds over 15 s.
    assert_eq!(web.containers[0].cpu_nanocores, 100_000_000);
    assert_eq!(web.containers[0].memory_bytes, 4096);
    let names = |pods: Vec<PodSample>| {
        pods.into_iter().map(|p| format!("{}/{}", p.namespace, p.name)).collect::<Vec<_>>()
    };
    assert_eq!(names(f.source.pods(Some("default"))), ["default/web"]);
    assert_eq!(names(f.source.pods(None)), ["default/web", "kube-system/dns"]);
    assert_eq!(f.source.pod("default", "done"), Lookup::UnknownObject, "not running: not in the index");
}

#[test]
fn selected_pods_are_the_served_pods_of_the_namespace_whose_labels_match() {
    let f = fixture();
    f.pods.write().apply(pod("default", "web-1", &[("app", "web")]));
    f.pods.write().apply(pod("default", "web-2", &[("app", "web")]));
    f.pods.write().apply(pod("default", "db", &[("app", "db")]));
    f.pods.write().apply(pod("default", "web-new", &[("app", "web")]));
    f.pods.write().apply(pod("other", "web", &[("app", "web")]));
    f.pods.write().apply(pod("other-2", "web", &[("app", "web")]));
    let scraped = [("default", "web-1"), ("default", "web-2"), ("default", "db"), ("other", "web")];
    two_cycles(&f.writer, &[("n1", &scraped[..]), ("n2", &[("other-2", "web")][..])]);
    let selector = crate::selectors::LabelSelector::parse("app=web").unwrap();
    let selected = f.source.pods_selected("default", &selector);
    let names: Vec<&str> = selected.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-1", "web-2"], "web-new has no metrics yet, db does not match");
    let filtered: Vec<PodSample> =
        f.source.pods(Some("default")).into_iter().filter(|p| selector.matches(&p.labels)).collect();
    assert_eq!(selected, filtered, "the same samples as filtering the namespace's list");
    assert_eq!(f.source.pods_selected("other", &selector).len(), 1);
    assert!(f.source.pods_selected("nobody", &selector).is_empty());
}

#[test]
fn a_running_pod_without_metrics_has_no_metrics() {
    let f = fixture();
    f.pods.write().apply(pod("default", "new", &[]));
    two_cycles(&f.writer, &[("n1", &[])]);
    assert_eq!(f.source.pod("default", "new"), Lookup::NoMetrics);
    assert_eq!(f.source.pod("default", "other"), Lookup::UnknownObject);
}

#[test]
fn readiness_needs_a_servable_node_and_pod() {
    let f = fixture();
    assert_eq!(f.source.is_ready(), Err("no metrics to serve".to_owned()));
    two_cycles(&f.writer, &[("n1", &[])]);
    assert_eq!(f.source.is_ready(), Err("no metrics to serve".to_owned()), "nodes alone are not enough");
    two_cycles(&f.writer, &[("n1", &[("default", "web")])]);
    assert_eq!(f.source.is_ready(), Ok(()));
}

#[test]
fn informer_sync_reports_the_node_cache_first_then_the_pod_cache() {
    let f = fixture();
    assert_eq!(f.source.informers_synced(), Err("cache for node informer has not synced".to_owned()));
    f.nodes.apply_event(Event::InitDone);
    assert_eq!(f.source.informers_synced(), Err("cache for pod informer has not synced".to_owned()));
    f.pods.apply_event(Event::InitDone);
    assert_eq!(f.source.informers_synced(), Ok(()));
}

#[test]
fn the_last_scrape_cycle_is_the_last_tick_start() {
    let f = fixture();
    assert_eq!(f.source.last_scrape_cycle(), None);
    f.writer.record_tick(t0());
    assert_eq!(f.source.last_scrape_cycle(), Some(t0()));
}

#[test]
fn explanations_say_not_found_for_objects_the_synced_watches_do_not_list() {
    let f = fixture();
    two_cycles(&f.writer, &[("n1", &[("default", "web")]), ("deleted", &[])]);
    // Before the caches sync, the store's view stands.
    assert!(f.source.why_node("deleted").served);
    f.nodes.write().apply(node("n1", &[]));
    f.nodes.apply_event(Event::InitDone);
    f.pods.apply_event(Event::InitDone);
    assert!(f.source.why_node("n1").served);
    assert_eq!(
        f.source.why_node("deleted").message,
        "node deleted: not found: the cluster lists no node of that name"
    );
    assert_eq!(f.source.why_node("ghost").reason, crate::metrics::store::Reason::NotListed);
    assert_eq!(
        f.source.why_pod("default", "web").message,
        "pod default/web: not found: the cluster lists no Running pod of that name"
    );
    f.pods.write().apply(pod("default", "web", &[]));
    assert!(f.source.why_pod("default", "web").served);
}
