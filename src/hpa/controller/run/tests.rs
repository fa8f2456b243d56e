//! The watch driver: which watch events put keys in the work queue, and when.

use std::sync::Arc;

use futures::channel::mpsc;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher::{self, Event};
use tokio::time::Instant;

use super::drive;
use crate::hpa::controller::clients::{AutoscalerKind, ObjectKey};
use crate::hpa::controller::memory::Cluster;
use crate::hpa::controller::queue::SharedQueue;
use crate::hpa::controller::{Config, Context};

type Sender = mpsc::UnboundedSender<Result<Event<HorizontalPodAutoscaler>, watcher::Error>>;

fn hpa(name: &str) -> HorizontalPodAutoscaler {
    HorizontalPodAutoscaler {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("bench".to_owned()),
            generation: Some(1),
            ..ObjectMeta::default()
        },
        ..HorizontalPodAutoscaler::default()
    }
}

/// The reflector and the driver of `run`, fed by the returned sender.
fn driven() -> (Sender, Store<HorizontalPodAutoscaler>, Arc<SharedQueue<ObjectKey>>) {
    let (store, writer) = reflector::store::<HorizontalPodAutoscaler>();
    let (tx, rx) = mpsc::unbounded();
    let queue = Arc::new(SharedQueue::default());
    let ctx = Arc::new(Context::new(Cluster::default().clients(), Config::default()));
    tokio::spawn(drive(AutoscalerKind::Hpa, reflector::reflector(writer, rx), Arc::clone(&queue), ctx));
    (tx, store, queue)
}

/// Lets the driver task take every event sent so far.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

/// The keys a worker would be handed now, each checked against the store as a worker reads it.
fn handed_out(queue: &SharedQueue<ObjectKey>, store: &Store<HorizontalPodAutoscaler>) -> Vec<String> {
    let mut names = Vec::new();
    let mut q = queue.lock();
    while let Some(key) = q.pop(Instant::now()) {
        let object = ObjectRef::<HorizontalPodAutoscaler>::new(&key.name).within(&key.namespace);
        assert!(
            store.get(&object).is_some(),
            "{key} was handed to a worker before the store held it (the worker drops it as deleted)"
        );
        q.done(&key);
        names.push(key.name);
    }
    names
}

#[tokio::test]
async fn the_keys_of_a_paged_list_are_queued_only_once_the_store_holds_the_whole_list() {
    let (tx, store, queue) = driven();
    // The first page of a list; the second is still being fetched.
    tx.unbounded_send(Ok(Event::Init)).unwrap();
    for name in ["w-0", "w-1", "w-10"] {
        tx.unbounded_send(Ok(Event::InitApply(hpa(name)))).unwrap();
    }
    settle().await;
    assert_eq!(handed_out(&queue, &store), Vec::<String>::new());
    tx.unbounded_send(Ok(Event::InitApply(hpa("w-9")))).unwrap();
    tx.unbounded_send(Ok(Event::InitDone)).unwrap();
    settle().await;
    assert_eq!(handed_out(&queue, &store), ["w-0", "w-1", "w-10", "w-9"]);
}

#[tokio::test]
async fn the_keys_of_a_list_that_failed_half_way_are_queued_after_the_retried_list() {
    let (tx, store, queue) = driven();
    tx.unbounded_send(Ok(Event::Init)).unwrap();
    tx.unbounded_send(Ok(Event::InitApply(hpa("w-0")))).unwrap();
    // The second page failed; the watcher lists again from the start.
    tx.unbounded_send(Ok(Event::Init)).unwrap();
    tx.unbounded_send(Ok(Event::InitApply(hpa("w-0")))).unwrap();
    tx.unbounded_send(Ok(Event::InitApply(hpa("w-1")))).unwrap();
    tx.unbounded_send(Ok(Event::InitDone)).unwrap();
    settle().await;
    let mut names = handed_out(&queue, &store);
    names.sort();
    assert_eq!(names, ["w-0", "w-1"]);
}

#[tokio::test]
async fn objects_created_after_the_list_are_queued_at_once_and_status_updates_are_not() {
    let (tx, store, queue) = driven();
    tx.unbounded_send(Ok(Event::Init)).unwrap();
    tx.unbounded_send(Ok(Event::InitDone)).unwrap();
    tx.unbounded_send(Ok(Event::Apply(hpa("w-0")))).unwrap();
    settle().await;
    assert_eq!(handed_out(&queue, &store), ["w-0"]);
    // Our own status write: same generation, waits for the resync.
    tx.unbounded_send(Ok(Event::Apply(hpa("w-0")))).unwrap();
    settle().await;
    assert_eq!(handed_out(&queue, &store), Vec::<String>::new());
}
