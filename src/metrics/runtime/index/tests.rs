//! The watch-fed indexes, filled by applying events as kube-runtime's watcher emits them.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ContainerImage, Node, NodeStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
use kube::core::{PartialObjectMeta, PartialObjectMetaExt as _};
use kube::runtime::watcher::{self, Event};
use tokio_util::sync::CancellationToken;

use super::*;

/// A node with labels: `node("n1", &[("role", "worker")])`.
fn node(name: &str, labels: &[(&str, &str)]) -> Node {
    Node {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            ..ObjectMeta::default()
        },
        ..Node::default()
    }
}

/// Pod metadata as the metadata-only watch delivers it.
fn pod(namespace: &str, name: &str, labels: &[(&str, &str)]) -> PartialObjectMeta<Pod> {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        labels: Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        ..ObjectMeta::default()
    }
    .into_response_partial()
}

fn names(index: &NodeIndex) -> Vec<String> {
    index.iter().map(|(k, _)| k.clone()).collect()
}

fn listed(index: &mut NodeIndex, nodes: Vec<Node>) {
    index.apply_event(Event::Init);
    for n in nodes {
        index.apply_event(Event::InitApply(n));
    }
    index.apply_event(Event::InitDone);
}

#[test]
fn an_index_is_unsynced_until_the_first_list_completes() {
    let mut index = NodeIndex::new();
    assert!(!index.is_synced());
    index.apply_event(Event::Init);
    index.apply_event(Event::InitApply(node("n1", &[])));
    assert!(!index.is_synced());
    assert!(index.is_empty(), "a half-done list is not visible");
    index.apply_event(Event::InitDone);
    assert!(index.is_synced());
    assert_eq!(names(&index), ["n1"]);
}

#[test]
fn applies_and_deletes_change_single_objects() {
    let mut index = NodeIndex::new();
    listed(&mut index, vec![node("b", &[]), node("a", &[])]);
    index.apply_event(Event::Apply(node("c", &[("x", "1")])));
    index.apply_event(Event::Apply(node("a", &[("x", "2")])));
    index.apply_event(Event::Delete(node("b", &[])));
    assert_eq!(names(&index), ["a", "c"]);
    let a = index.get(&"a".to_owned()).expect("a is indexed");
    assert_eq!(a.metadata.labels.as_ref().and_then(|l| l.get("x")).map(String::as_str), Some("2"));
    assert_eq!(index.delete(&"c".to_owned()).map(|n| n.metadata.name), Some(Some("c".to_owned())));
    assert_eq!(index.len(), 1);
}

#[test]
fn a_relist_replaces_the_content_atomically_and_stays_synced() {
    let mut index = NodeIndex::new();
    listed(&mut index, vec![node("old", &[])]);
    index.apply_event(Event::Init);
    index.apply_event(Event::InitApply(node("new", &[])));
    assert_eq!(names(&index), ["old"], "readers see the previous list until the new one is complete");
    assert!(index.is_synced());
    index.apply_event(Event::InitDone);
    assert_eq!(names(&index), ["new"]);
}

#[test]
fn reset_replaces_everything_and_marks_synced() {
    let mut index = NodeIndex::new();
    index.apply(node("gone", &[]));
    index.reset(vec![node("n2", &[]), node("n1", &[])]);
    assert!(index.is_synced());
    assert_eq!(names(&index), ["n1", "n2"]);
}

#[test]
fn objects_without_a_name_are_ignored() {
    let mut index = NodeIndex::new();
    index.apply(Node::default());
    index.apply_event(Event::Delete(Node::default()));
    assert!(index.is_empty());
}

#[test]
fn nodes_are_kept_without_managed_fields_and_images() {
    let mut n = node("n1", &[]);
    n.metadata.managed_fields = Some(vec![ManagedFieldsEntry::default()]);
    n.status = Some(NodeStatus { images: Some(vec![ContainerImage::default()]), ..NodeStatus::default() });
    let mut index = NodeIndex::new();
    index.apply(n);
    let kept = index.get(&"n1".to_owned()).expect("indexed");
    assert_eq!(kept.metadata.managed_fields, None);
    assert_eq!(kept.status.as_ref().and_then(|s| s.images.clone()), None);
}

#[test]
fn pods_are_keyed_by_namespace_and_name_and_keep_their_labels() {
    let mut index = PodIndex::new();
    index.apply(pod("ns2", "a", &[("app", "web")]));
    index.apply(pod("ns1", "b", &[]));
    let keys: Vec<_> = index.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys, [("ns1".to_owned(), "b".to_owned()), ("ns2".to_owned(), "a".to_owned())]);
    let labels = BTreeMap::from([("app".to_owned(), "web".to_owned())]);
    assert_eq!(index.get(&("ns2".to_owned(), "a".to_owned())), Some(&PodMeta { labels }));
    index.apply_event(Event::Delete(pod("ns2", "a", &[])));
    assert!(!index.contains(&("ns2".to_owned(), "a".to_owned())));
}

#[tokio::test]
async fn a_shared_index_signals_the_first_sync() {
    let shared = SharedIndex::<Node>::new();
    assert!(!shared.is_synced());
    let waiter = {
        let shared = shared.clone();
        tokio::spawn(async move { shared.wait_synced().await })
    };
    shared.apply_event(Event::Init);
    shared.apply_event(Event::InitApply(node("n1", &[])));
    assert!(!shared.is_synced());
    shared.apply_event(Event::InitDone);
    tokio::time::timeout(Duration::from_secs(1), waiter).await.expect("woken").expect("no panic");
    assert!(shared.is_synced());
    assert_eq!(shared.read().len(), 1);
}

#[tokio::test]
async fn drive_applies_events_and_survives_watch_errors() {
    let shared = SharedIndex::<Node>::new();
    let events: Vec<Result<Event<Node>, watcher::Error>> = vec![
        Err(watcher::Error::NoResourceVersion),
        Ok(Event::Init),
        Ok(Event::InitApply(node("n1", &[]))),
        Ok(Event::InitDone),
        Err(watcher::Error::NoResourceVersion),
        Ok(Event::Apply(node("n2", &[]))),
    ];
    drive(futures::stream::iter(events), shared.clone(), "nodes", CancellationToken::new()).await;
    assert!(shared.is_synced());
    assert_eq!(names(&shared.read()), ["n1", "n2"]);
}

#[tokio::test]
async fn drive_stops_when_cancelled() {
    let shared = SharedIndex::<Node>::new();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(drive(futures::stream::pending(), shared, "nodes", cancel.clone()));
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(1), task).await.expect("stopped").expect("no panic");
}
