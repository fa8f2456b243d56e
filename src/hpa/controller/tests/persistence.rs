//! History persistence: annotation round trip, corrupt annotations, restarts.

use super::*;
use crate::hpa::behavior::{History, Recommendation};
use crate::hpa::controller::history::StoredHistory;

#[tokio::test]
async fn the_history_annotation_round_trips_to_the_in_memory_history() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let a = hpa().scale_up_limit(4, 60).view();
    let outcome = run(&ctx, &a, at(0)).await.unwrap();
    assert!(outcome.history_written);
    let w = c.world();
    let (_, patch) = w.annotations.last().unwrap();
    let text = patch[HISTORY_ANNOTATION].as_deref().unwrap();
    let StoredHistory::Present(restored) = history::from_annotation(Some(text)) else {
        panic!("unparsable: {text}")
    };
    assert_eq!(Some(restored.clone()), ctx.history(&a.key));
    assert_eq!(
        restored.recommendations,
        vec![
            Recommendation { timestamp: at(0), replicas: 3 },
            Recommendation { timestamp: at(0), replicas: 5 }
        ]
    );
    assert_eq!(restored.scale_up_events.len(), 1);
    assert_eq!(restored.scale_up_events[0].replica_change, 2);
}

#[tokio::test]
async fn a_corrupt_history_annotation_is_reported_and_seeded_as_upstream() {
    let c = cluster(3);
    set_usage(&c, 500, at(0));
    let ctx = context(&c);
    let a = hpa().annotation(HISTORY_ANNOTATION, "{not json").view();
    run(&ctx, &a, at(0)).await.unwrap();
    let w = c.world();
    let (_, event) = &w.events[0];
    assert_eq!((event.event_type, event.reason.as_str()), ("Warning", "FailedRestoreHistory"));
    assert!(event.message.starts_with("annotation autoscaling.bellows.dev/history is not a valid history"));
    drop(w);
    let history = ctx.history(&a.key).unwrap();
    assert_eq!(history.recommendations[0], Recommendation { timestamp: at(0), replicas: 3 });
}

/// Load drops at 60 s; the controller restarts at 120 s, in the middle of the 5 min window.
#[tokio::test]
async fn a_restarted_controller_keeps_stabilizing_from_the_persisted_history() {
    let c = cluster(5);
    set_usage(&c, 500, at(0));
    let mut a = hpa().view();
    let first = context(&c);
    run(&first, &a, at(0)).await.unwrap();
    apply_writes(&mut a, &c);
    set_usage(&c, 200, at(60));
    assert_eq!(run(&first, &a, at(60)).await.unwrap().rescaled, None);
    apply_writes(&mut a, &c);

    let restarted = context(&c);
    set_usage(&c, 200, at(120));
    assert_eq!(run(&restarted, &a, at(120)).await.unwrap().rescaled, None, "no early scale-down");
    apply_writes(&mut a, &c);
    // 5 min after the last high recommendation the window holds only low ones: scale down now,
    // not 5 min after the restart as a seeded history would.
    set_usage(&c, 200, at(301));
    assert_eq!(run(&restarted, &a, at(301)).await.unwrap().rescaled, Some((5, 2)));
}

#[tokio::test]
async fn a_restarted_controller_does_not_exceed_the_scale_up_rate_limit() {
    let c = cluster(3);
    set_usage(&c, 900, at(0));
    let mut a = hpa().scale_up_limit(1, 60).view();
    let first = context(&c);
    assert_eq!(run(&first, &a, at(0)).await.unwrap().rescaled, Some((3, 4)));
    apply_writes(&mut a, &c);

    let restarted = context(&c);
    {
        let mut w = c.world();
        w.pods.push(pod("web-3", 3600, 3600));
    }
    set_usage(&c, 900, at(15));
    assert_eq!(run(&restarted, &a, at(15)).await.unwrap().rescaled, None, "1 pod per 60 s already used");
    apply_writes(&mut a, &c);
    set_usage(&c, 900, at(61));
    assert_eq!(run(&restarted, &a, at(61)).await.unwrap().rescaled, Some((4, 5)));
}

#[tokio::test]
async fn a_follower_drops_its_memory_and_restores_the_leaders_history_on_takeover() {
    let c = cluster(3);
    set_usage(&c, 500, at(0));
    let ctx = context(&c);
    let mut a = hpa().view();
    run(&ctx, &a, at(0)).await.unwrap();
    apply_writes(&mut a, &c);
    ctx.leader_flag().store(false, std::sync::atomic::Ordering::SeqCst);
    run(&ctx, &a, at(15)).await.unwrap();
    assert_eq!(ctx.history(&a.key), None);
    // Another leader wrote a history meanwhile.
    let theirs = History {
        recommendations: vec![Recommendation { timestamp: at(20), replicas: 3 }],
        ..History::default()
    };
    a.stored_history = StoredHistory::Present(theirs);
    ctx.leader_flag().store(true, std::sync::atomic::Ordering::SeqCst);
    run(&ctx, &a, at(30)).await.unwrap();
    let history = ctx.history(&a.key).unwrap();
    assert_eq!(history.recommendations[0], Recommendation { timestamp: at(20), replicas: 3 });
}
