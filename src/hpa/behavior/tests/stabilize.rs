//! Stabilization: legacy rolling max and the behavior up/down windows, including the slot reuse
//! and the exact-boundary cases.

use jiff::SignedDuration;

use super::super::{Recommendation, StabilizationReason, stabilize_legacy, stabilize_with_behavior};
use super::{now, rec};

struct LegacyRow {
    name: &'static str,
    recs: Vec<Recommendation>,
    proposal: i32,
    want: i32,
    log_len: usize,
}

#[test]
fn legacy_stabilization_takes_the_highest_recent_recommendation() {
    // TestNormalizeDesiredReplicas (window 5 m), all rows; times in seconds ago.
    let rows = [
        LegacyRow { name: "empty log", recs: vec![], proposal: 5, want: 5, log_len: 1 },
        LegacyRow {
            name: "stabilize",
            recs: vec![rec(4, 120), rec(5, 60)],
            proposal: 3,
            want: 5,
            log_len: 3,
        },
        LegacyRow {
            name: "no stabilize",
            recs: vec![rec(1, 120), rec(2, 60)],
            proposal: 3,
            want: 3,
            log_len: 3,
        },
        LegacyRow {
            name: "no stabilize - old recommendations",
            recs: vec![rec(10, 600), rec(9, 540)],
            proposal: 3,
            want: 3,
            log_len: 2,
        },
        LegacyRow {
            name: "stabilize - old recommendations",
            recs: vec![rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)],
            proposal: 3,
            want: 5,
            log_len: 4,
        },
    ];
    for mut row in rows {
        let got = stabilize_legacy(&mut row.recs, row.proposal, SignedDuration::from_mins(5), now());
        assert_eq!(got.replicas, row.want, "{}", row.name);
        assert_eq!(row.recs.len(), row.log_len, "{}", row.name);
        let want_reason = if row.want == row.proposal {
            StabilizationReason::ReadyForNewScale
        } else {
            StabilizationReason::ScaleDownStabilized
        };
        assert_eq!(got.reason, want_reason, "{}", row.name);
    }
}

#[test]
fn legacy_stabilization_reuses_the_last_expired_slot() {
    // TestNormalizeDesiredReplicas "stabilize - old recommendations": the entry at -9 m (last
    // expired) is overwritten with {3, now}; the one at -10 m stays.
    let mut recs = vec![rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)];
    stabilize_legacy(&mut recs, 3, SignedDuration::from_mins(5), now());
    let values: Vec<i32> = recs.iter().map(|r| r.replicas).collect();
    assert_eq!(values, [10, 4, 5, 3]);
    assert_eq!(recs[3].timestamp, now());
}

#[test]
fn legacy_window_keeps_a_recommendation_exactly_one_window_old() {
    // Own: Go's `Before(cutoff)` is false at the cutoff, so the entry still counts.
    let mut recs = vec![rec(9, 300)];
    let got = stabilize_legacy(&mut recs, 2, SignedDuration::from_mins(5), now());
    assert_eq!(got.replicas, 9);
    assert_eq!(recs.len(), 2);
    // One second older is expired and its slot is reused.
    let mut recs = vec![rec(9, 301)];
    let got = stabilize_legacy(&mut recs, 2, SignedDuration::from_mins(5), now());
    assert_eq!(got.replicas, 2);
    assert_eq!(recs, vec![Recommendation { timestamp: now(), replicas: 2 }]);
}

struct BehaviorRow {
    name: &'static str,
    recs: Vec<Recommendation>,
    current: i32,
    proposal: i32,
    up_window: i32,
    down_window: i32,
    want: i32,
    stored: Option<Vec<i32>>,
}

#[test]
fn behavior_stabilization_clamps_current_between_the_window_extremes() {
    // TestNormalizeDesiredReplicasWithBehavior, all rows. Windows left unset there are 0 (the
    // test passes pointers to zero-valued fields), so they are 0 here too.
    let rows = [
        BehaviorRow {
            name: "empty recommendations for scaling down",
            recs: vec![],
            current: 100,
            proposal: 5,
            up_window: 0,
            down_window: 0,
            want: 5,
            stored: Some(vec![5]),
        },
        BehaviorRow {
            name: "simple scale down stabilization",
            recs: vec![rec(4, 120), rec(5, 60)],
            current: 100,
            proposal: 3,
            up_window: 0,
            down_window: 180,
            want: 5,
            stored: Some(vec![4, 5, 3]),
        },
        BehaviorRow {
            name: "simple scale up stabilization",
            recs: vec![rec(4, 120), rec(5, 60)],
            current: 1,
            proposal: 7,
            up_window: 300,
            down_window: 0,
            want: 4,
            stored: Some(vec![4, 5, 7]),
        },
        BehaviorRow {
            name: "no scale down stabilization",
            recs: vec![rec(1, 120), rec(2, 60)],
            current: 100,
            proposal: 3,
            up_window: 300,
            down_window: 0,
            want: 3,
            stored: Some(vec![1, 2, 3]),
        },
        BehaviorRow {
            name: "no scale up stabilization",
            recs: vec![rec(4, 120), rec(5, 60)],
            current: 1,
            proposal: 3,
            up_window: 0,
            down_window: 300,
            want: 3,
            stored: Some(vec![4, 5, 3]),
        },
        BehaviorRow {
            name: "no scale down stabilization, reuse recommendation element",
            recs: vec![rec(10, 600), rec(9, 540)],
            current: 100,
            proposal: 3,
            up_window: 0,
            down_window: 0,
            want: 3,
            stored: Some(vec![10, 3]),
        },
        BehaviorRow {
            name: "no scale up stabilization, reuse recommendation element",
            recs: vec![rec(10, 600), rec(9, 540)],
            current: 1,
            proposal: 100,
            up_window: 0,
            down_window: 0,
            want: 100,
            stored: Some(vec![10, 100]),
        },
        BehaviorRow {
            name: "scale down stabilization, reuse one of obsolete recommendation element",
            recs: vec![rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)],
            current: 100,
            proposal: 3,
            up_window: 0,
            down_window: 180,
            want: 5,
            stored: Some(vec![10, 4, 5, 3]),
        },
        BehaviorRow {
            name: "scale up stabilization, reuse one of obsolete recommendation element",
            recs: vec![rec(10, 6000), rec(6, 60), rec(5, 120), rec(9, 180)],
            current: 1,
            proposal: 100,
            up_window: 300,
            down_window: 0,
            want: 5,
            stored: Some(vec![100, 6, 5, 9]),
        },
        BehaviorRow {
            name: "scale up and down stabilization, do not scale up when prenormalized rec goes down",
            recs: vec![rec(2, 6000), rec(3, 180)],
            current: 2,
            proposal: 1,
            up_window: 300,
            down_window: 300,
            want: 2,
            stored: None,
        },
        BehaviorRow {
            name: "scale up and down stabilization, do not scale down when prenormalized rec goes up",
            recs: vec![rec(2, 6000), rec(1, 180)],
            current: 2,
            proposal: 3,
            up_window: 300,
            down_window: 300,
            want: 2,
            stored: None,
        },
    ];
    for mut row in rows {
        let got = stabilize_with_behavior(
            &mut row.recs,
            row.current,
            row.proposal,
            row.up_window,
            row.down_window,
            now(),
        );
        assert_eq!(got.replicas, row.want, "{}", row.name);
        if let Some(stored) = row.stored {
            let values: Vec<i32> = row.recs.iter().map(|r| r.replicas).collect();
            assert_eq!(values, stored, "{}", row.name);
        }
    }
}

#[test]
fn behavior_stabilization_reports_the_direction_it_held_back() {
    // TestNormalizeDesiredReplicasWithBehavior "simple scale up stabilization" and "simple scale
    // down stabilization": reasons as set by normalizeDesiredReplicasWithBehaviors.
    let mut recs = vec![rec(4, 120), rec(5, 60)];
    let up = stabilize_with_behavior(&mut recs, 1, 7, 300, 0, now());
    assert_eq!(up.reason, StabilizationReason::ScaleUpStabilized);
    let mut recs = vec![rec(4, 120), rec(5, 60)];
    let down = stabilize_with_behavior(&mut recs, 100, 3, 0, 180, now());
    assert_eq!(down.reason, StabilizationReason::ScaleDownStabilized);
    let mut recs = vec![];
    let free = stabilize_with_behavior(&mut recs, 100, 5, 0, 300, now());
    assert_eq!(free.reason, StabilizationReason::ReadyForNewScale);
}

#[test]
fn behavior_window_ignores_a_recommendation_exactly_one_window_old() {
    // Own: `After(cutoff)` is false at the cutoff, so a 300 s old 9 does not hold a scale-down
    // with a 300 s window; 299 s old does.
    let mut recs = vec![rec(9, 300)];
    assert_eq!(stabilize_with_behavior(&mut recs, 10, 2, 0, 300, now()).replicas, 2);
    let mut recs = vec![rec(9, 299)];
    assert_eq!(stabilize_with_behavior(&mut recs, 10, 2, 0, 300, now()).replicas, 9);
}

#[test]
fn behavior_boundary_entry_is_neither_counted_nor_reused() {
    // Own: at exactly the cutoff the entry is not `Before` it either, so it is not expired and
    // the new recommendation is appended.
    let mut recs = vec![rec(9, 300)];
    stabilize_with_behavior(&mut recs, 10, 2, 300, 300, now());
    assert_eq!(recs.len(), 2);
    let mut recs = vec![rec(9, 301)];
    stabilize_with_behavior(&mut recs, 10, 2, 300, 300, now());
    assert_eq!(recs, vec![Recommendation { timestamp: now(), replicas: 2 }]);
}

#[test]
fn behavior_stabilization_never_moves_against_the_proposal() {
    // Own, spec §6.2: a recent high recommendation cannot lift a scale-down above current.
    let mut recs = vec![rec(50, 10)];
    let got = stabilize_with_behavior(&mut recs, 4, 3, 0, 300, now());
    assert_eq!(got.replicas, 4);
}
