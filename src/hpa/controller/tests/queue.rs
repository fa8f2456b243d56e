//! The work queue's client-go semantics.

use std::time::Duration;

use tokio::time::Instant;

use crate::hpa::controller::queue::{SharedQueue, WorkQueue};

#[test]
fn a_key_added_twice_is_queued_once() {
    let now = Instant::now();
    let mut q = WorkQueue::default();
    q.add("a");
    q.add("a");
    q.add("b");
    assert_eq!(q.pop(now), Some("a"));
    assert_eq!(q.pop(now), Some("b"));
    assert_eq!(q.pop(now), None);
}

#[test]
fn a_key_added_while_processing_is_handed_out_again_after_done() {
    let now = Instant::now();
    let mut q = WorkQueue::default();
    q.add("a");
    assert_eq!(q.pop(now), Some("a"));
    q.add("a");
    assert_eq!(q.pop(now), None, "never two workers on one key");
    q.done(&"a");
    assert_eq!(q.pop(now), Some("a"));
}

#[test]
fn delayed_keys_become_ready_at_their_due_time_and_an_immediate_add_wins() {
    let now = Instant::now();
    let mut q = WorkQueue::default();
    q.add_after("a", now + Duration::from_secs(15));
    q.add_after("a", now + Duration::from_secs(10));
    q.add_after("b", now + Duration::from_secs(15));
    assert_eq!(q.next_due(), Some(now + Duration::from_secs(10)));
    assert_eq!(q.pop(now), None);
    assert_eq!(q.pop(now + Duration::from_secs(10)), Some("a"));
    q.add("b");
    assert_eq!(q.pop(now), Some("b"));
    assert!(q.is_empty());
}

#[test]
fn forgetting_a_key_drops_its_pending_adds() {
    let now = Instant::now();
    let mut q = WorkQueue::default();
    q.add("a");
    q.add_after("b", now);
    q.forget(&"a");
    q.forget(&"b");
    assert_eq!(q.pop(now + Duration::from_secs(1)), None);
}

#[tokio::test(start_paused = true)]
async fn shared_queue_wakes_a_waiting_worker_when_a_delayed_key_is_due() {
    let q = std::sync::Arc::new(SharedQueue::default());
    q.add_after("a", Duration::from_secs(15));
    let start = Instant::now();
    assert_eq!(q.next().await, Some("a"));
    assert!(start.elapsed() >= Duration::from_secs(15));
    q.shut_down();
    assert_eq!(q.next().await, None);
}
