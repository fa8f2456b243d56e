//! Scale-event bookkeeping (`TestStoreScaleEvents`, every row, both directions), the per-period
//! sums, pruning bounds and JSON persistence.

use jiff::SignedDuration;

use super::super::{Behavior, History, Recommendation, ScaleEvent, ScalingRules, replicas_change_per_period};
use super::{ago, ev, hist, now, rec, rules};

struct Row {
    name: &'static str,
    prev: Vec<ScaleEvent>,
    rules: Option<ScalingRules>,
    /// `(replicaChange, outdated)` of the stored events afterwards.
    after: Vec<(i32, bool)>,
    change_in_60s: i64,
}

#[test]
fn store_scale_events_matches_upstream_in_both_directions() {
    // TestStoreScaleEvents, all rows; replicaChange 5 from 10 replicas (up: 10 → 15, down: 10 → 5).
    let rows = [
        Row {
            name: "empty entries with default behavior",
            prev: vec![],
            rules: None,
            after: vec![],
            change_in_60s: 0,
        },
        Row {
            name: "empty entries with two-policy-behavior",
            prev: vec![],
            rules: Some(rules(10, 60, 100, 60, 0)),
            after: vec![(5, false)],
            change_in_60s: 0,
        },
        Row {
            name: "one outdated entry to be kept untouched without behavior",
            prev: vec![ev(7, 61)],
            rules: None,
            after: vec![(7, false)],
            change_in_60s: 0,
        },
        Row {
            name: "one outdated entry to be replaced with behavior",
            prev: vec![ev(7, 61)],
            rules: Some(rules(10, 60, 100, 60, 0)),
            after: vec![(5, false)],
            change_in_60s: 0,
        },
        Row {
            name: "one actual entry to be not touched with behavior",
            prev: vec![ev(7, 58)],
            rules: Some(rules(10, 60, 100, 60, 0)),
            after: vec![(7, false), (5, false)],
            change_in_60s: 7,
        },
        Row {
            name: "two entries, one of them to be replaced",
            prev: vec![ev(7, 61), ev(6, 59)],
            rules: Some(rules(10, 60, 0, 0, 0)),
            after: vec![(5, false), (6, false)],
            change_in_60s: 6,
        },
        Row {
            name: "replace one entry, use policies with different periods",
            prev: vec![ev(8, 29), ev(6, 59), ev(7, 61), ev(9, 61)],
            rules: Some(rules(10, 60, 100, 30, 0)),
            after: vec![(8, false), (6, false), (7, true), (5, false)],
            change_in_60s: 14,
        },
        Row {
            name: "two entries, both actual",
            prev: vec![ev(7, 58), ev(6, 59)],
            rules: Some(rules(10, 120, 100, 30, 0)),
            after: vec![(7, false), (6, false), (5, false)],
            change_in_60s: 13,
        },
    ];
    for row in rows {
        let shape =
            |events: &[ScaleEvent]| events.iter().map(|e| (e.replica_change, e.outdated)).collect::<Vec<_>>();

        assert_eq!(replicas_change_per_period(60, &row.prev, now()), row.change_in_60s, "{}", row.name);

        let up_behavior = row.rules.clone().map(|r| Behavior { scale_up: Some(r), scale_down: None });
        let mut up = hist(vec![], row.prev.clone(), vec![]);
        up.store_scale_event(up_behavior.as_ref(), 10, 15, now());
        assert_eq!(shape(&up.scale_up_events), row.after, "up: {}", row.name);
        assert!(up.scale_down_events.is_empty(), "up: {}", row.name);

        let down_behavior = row.rules.clone().map(|r| Behavior { scale_up: None, scale_down: Some(r) });
        let mut down = hist(vec![], vec![], row.prev.clone());
        down.store_scale_event(down_behavior.as_ref(), 10, 5, now());
        assert_eq!(shape(&down.scale_down_events), row.after, "down: {}", row.name);
        assert!(down.scale_up_events.is_empty(), "down: {}", row.name);
    }
}

#[test]
fn stored_event_carries_now_and_the_absolute_change() {
    let mut h = History::default();
    h.store_scale_event(Some(&Behavior::default()), 10, 3, now());
    assert_eq!(
        h.scale_down_events,
        vec![ScaleEvent { timestamp: now(), replica_change: 7, outdated: false }]
    );
}

#[test]
fn event_exactly_one_longest_period_old_is_not_outdated() {
    // Own: `Before(cutoff)` is false at the cutoff (default scale-up period 15 s).
    let mut h = hist(vec![], vec![ev(2, 15), ev(3, 16)], vec![]);
    h.store_scale_event(Some(&Behavior::default()), 1, 2, now());
    let flags: Vec<(i32, bool)> = h.scale_up_events.iter().map(|e| (e.replica_change, e.outdated)).collect();
    assert_eq!(flags, [(2, false), (1, false)]);
}

#[test]
fn event_exactly_one_period_old_no_longer_counts() {
    // Own: `After(cutoff)` is false at the cutoff.
    let events = [ev(4, 60), ev(2, 59)];
    assert_eq!(replicas_change_per_period(60, &events, now()), 2);
    assert_eq!(replicas_change_per_period(61, &events, now()), 6);
}

#[test]
fn first_sight_seeds_the_current_count() {
    let h = History::first_sight(5, now());
    assert_eq!(h.recommendations, vec![Recommendation { timestamp: now(), replicas: 5 }]);
    assert!(h.scale_up_events.is_empty() && h.scale_down_events.is_empty());
}

#[test]
fn prune_drops_only_what_no_valid_spec_can_read() {
    // Own: recommendations older than max(3600 s, legacy window), events older than 1800 s.
    let mut h = hist(
        vec![rec(1, 3601), rec(2, 3600), rec(3, 10)],
        vec![ev(1, 1801), ev(2, 1800)],
        vec![ev(3, 5000), ev(4, 1)],
    );
    h.prune(now(), SignedDuration::from_mins(5));
    let recs: Vec<i32> = h.recommendations.iter().map(|r| r.replicas).collect();
    assert_eq!(recs, [2, 3]);
    assert_eq!(h.scale_up_events.iter().map(|e| e.replica_change).collect::<Vec<_>>(), [2]);
    assert_eq!(h.scale_down_events.iter().map(|e| e.replica_change).collect::<Vec<_>>(), [4]);

    // A legacy window longer than an hour keeps older recommendations.
    let mut h = hist(vec![rec(1, 7000), rec(2, 7300)], vec![], vec![]);
    h.prune(now(), SignedDuration::from_hours(2));
    assert_eq!(h.recommendations.len(), 1);
}

#[test]
fn prune_caps_each_list_keeping_the_newest() {
    let many = History::MAX_ENTRIES + 10;
    let mut h = hist((0..many).map(|i| rec(i as i32, (many - i) as i64 % 3000)).collect(), vec![], vec![]);
    h.prune(now(), SignedDuration::from_mins(5));
    assert_eq!(h.recommendations.len(), History::MAX_ENTRIES);
    let oldest_kept = h.recommendations.iter().map(|r| r.timestamp).min().expect("non-empty");
    let dropped_newest = ago(3000 - 10);
    assert!(oldest_kept >= dropped_newest);
}

#[test]
fn history_round_trips_through_json() {
    let h = hist(vec![rec(4, 30)], vec![ev(2, 10)], vec![ScaleEvent { outdated: true, ..ev(1, 100) }]);
    let json = serde_json::to_string(&h).expect("serialisable");
    assert!(json.contains(
        r#""scaleUpEvents":[{"timestamp":"2025-12-31T23:59:50Z","replicaChange":2,"outdated":false}]"#
    ));
    let back: History = serde_json::from_str(&json).expect("deserialisable");
    assert_eq!(back, h);
    // The design's input shape: `outdated` optional, lists optional.
    let minimal: History =
        serde_json::from_str(r#"{"recommendations":[{"timestamp":"2026-01-01T00:00:00Z","replicas":4}]}"#)
            .expect("minimal history");
    assert_eq!(minimal.recommendations, vec![Recommendation { timestamp: now(), replicas: 4 }]);
    assert!(minimal.scale_down_events.is_empty());
}
