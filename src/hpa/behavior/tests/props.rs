//! Properties: bounds, stabilization never releases a scale-down early, rate-limited scale-up
//! never exceeds the policy bound, bounded history, no panics on extreme inputs.

use jiff::SignedDuration;
use proptest::prelude::*;

use super::super::{
    Behavior, DecisionPath, History, NormalizeConfig, NormalizeInput, Proposal, Recommendation, ScaleEvent,
    ScalingPolicy, ScalingRules, SelectPolicy, ZeroState, normalize,
};
use super::{ago, now};

fn select() -> impl Strategy<Value = SelectPolicy> {
    prop_oneof![Just(SelectPolicy::Max), Just(SelectPolicy::Min), Just(SelectPolicy::Disabled)]
}

fn policy() -> impl Strategy<Value = ScalingPolicy> {
    (any::<bool>(), 1..=200i32, 1..=1800i32).prop_map(|(pods, value, period)| {
        if pods { ScalingPolicy::pods(value, period) } else { ScalingPolicy::percent(value, period) }
    })
}

fn scaling_rules() -> impl Strategy<Value = Option<ScalingRules>> {
    proptest::option::of(
        (
            proptest::option::of(0..=3600i32),
            proptest::option::of(select()),
            proptest::option::of(proptest::collection::vec(policy(), 1..4)),
        )
            .prop_map(|(w, s, p)| ScalingRules {
                stabilization_window_seconds: w,
                select_policy: s,
                policies: p,
                tolerance: None,
            }),
    )
}

fn behavior() -> impl Strategy<Value = Option<Behavior>> {
    proptest::option::of(
        (scaling_rules(), scaling_rules()).prop_map(|(up, down)| Behavior { scale_up: up, scale_down: down }),
    )
}

fn history() -> impl Strategy<Value = History> {
    let recs = proptest::collection::vec((0..500i32, 0..4000i64), 0..20).prop_map(|v| {
        v.into_iter().map(|(r, s)| Recommendation { timestamp: ago(s), replicas: r }).collect()
    });
    let events = || {
        proptest::collection::vec((1..100i32, 0..2000i64, any::<bool>()), 0..10).prop_map(|v| {
            v.into_iter()
                .map(|(c, s, o)| ScaleEvent { timestamp: ago(s), replica_change: c, outdated: o })
                .collect::<Vec<_>>()
        })
    };
    (recs, events(), events()).prop_map(|(recommendations, scale_up_events, scale_down_events)| History {
        recommendations,
        scale_up_events,
        scale_down_events,
    })
}

/// Valid bounds `0 <= min <= max, max >= 1` with a current count anywhere around them.
fn bounds() -> impl Strategy<Value = (i32, i32, i32)> {
    (0..50i32, 0..300i32, 0..400i32).prop_map(|(min, extra, current)| (min, (min + extra).max(1), current))
}

fn input(
    current: i32,
    min: i32,
    max: i32,
    behavior: Option<Behavior>,
    proposal: i32,
    factor: f64,
) -> NormalizeInput {
    NormalizeInput {
        current_replicas: current,
        min_replicas: Some(min),
        max_replicas: max,
        behavior,
        proposal: Some(Proposal { replicas: proposal, metric: "m".to_owned() }),
        config: NormalizeConfig { scale_up_limit_factor: factor, ..NormalizeConfig::default() },
        zero: ZeroState::default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn desired_stays_within_min_and_max(
        (min, max, current) in bounds(),
        proposal in 0..2000i32,
        behavior in behavior(),
        history in proptest::option::of(history()),
        factor in prop_oneof![Just(2.0), Just(8.0)],
    ) {
        // Precondition: not the maintenance-mode branch, which keeps 0 replicas below min.
        prop_assume!(!(current == 0 && min != 0));
        let mut h = history;
        let d = normalize(&input(current, min, max, behavior, proposal, factor), &mut h, now());
        prop_assert!(d.desired_replicas >= min && d.desired_replicas <= max, "{d:?}");
    }

    #[test]
    fn no_scale_down_while_a_recent_recommendation_is_at_least_current(
        (min, max, current) in bounds(),
        proposal in 0..2000i32,
        age in 0..300i64,
        behavior in behavior(),
    ) {
        prop_assume!(current >= min && current <= max && current > 0);
        // A recommendation of `current` younger than the (default 300 s) scale-down window: the
        // legacy window always is 300 s; give the behavior an explicit 300 s scale-down window.
        let behavior = behavior.map(|mut b| {
            let mut down = b.scale_down.unwrap_or_default();
            down.stabilization_window_seconds = Some(300);
            b.scale_down = Some(down);
            b
        });
        let mut h = Some(History {
            recommendations: vec![Recommendation { timestamp: ago(age), replicas: current }],
            ..History::default()
        });
        let d = normalize(&input(current, min, max, behavior, proposal, 2.0), &mut h, now());
        prop_assert!(d.desired_replicas >= current, "{d:?}");
    }

    #[test]
    fn rate_limited_scale_up_never_exceeds_the_best_policy(
        current in 1..500i32,
        proposal in 0..5000i32,
        policies in proptest::collection::vec(policy(), 1..4),
    ) {
        let up = ScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: Some(SelectPolicy::Max),
            policies: Some(policies.clone()),
            tolerance: None,
        };
        let behavior = Some(Behavior { scale_up: Some(up), scale_down: None });
        let mut h = Some(History::default());
        let d = normalize(&input(current, 1, i32::MAX, behavior, proposal, 2.0), &mut h, now());
        prop_assert_eq!(d.path, DecisionPath::Behavior);
        let best = policies
            .iter()
            .map(|p| match p.kind {
                super::super::PolicyType::Pods => i64::from(current) + i64::from(p.value),
                super::super::PolicyType::Percent => {
                    (f64::from(current) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i64
                }
            })
            .max()
            .unwrap_or(i64::from(current));
        prop_assert!(i64::from(d.desired_replicas) <= best.max(i64::from(current)), "{d:?}");
    }

    #[test]
    fn history_stays_bounded_over_many_syncs(
        steps in proptest::collection::vec((0..120i64, 0..300i32, any::<bool>()), 1..200),
        behavior in behavior(),
    ) {
        let mut h: Option<History> = None;
        let mut t = now();
        let mut current = 5;
        for (dt, proposal, rescale_ok) in steps {
            t += SignedDuration::from_secs(dt);
            let mut i = input(current, 1, 300, behavior.clone(), proposal, 2.0);
            i.config.downscale_stabilization = SignedDuration::from_mins(5);
            let d = normalize(&i, &mut h, t);
            if d.rescale && rescale_ok {
                let hist = h.get_or_insert_with(History::default);
                hist.store_scale_event(behavior.as_ref(), current, d.desired_replicas, t);
                current = d.desired_replicas;
            }
            let hist = h.as_ref().expect("seeded by normalize");
            let horizon = t - SignedDuration::from_secs(3600);
            prop_assert!(hist.recommendations.len() <= History::MAX_ENTRIES);
            prop_assert!(hist.recommendations.iter().all(|r| r.timestamp >= horizon));
        }
    }

    #[test]
    fn extreme_inputs_never_panic(
        current in any::<i32>(),
        min in any::<i32>(),
        max in any::<i32>(),
        proposal in any::<i32>(),
        behavior in behavior(),
        window in any::<i32>(),
    ) {
        let behavior = behavior.map(|mut b| {
            if let Some(r) = b.scale_up.as_mut() { r.stabilization_window_seconds = Some(window); }
            b
        });
        let mut h = Some(History {
            scale_up_events: vec![ScaleEvent { timestamp: ago(1), replica_change: i32::MAX, outdated: false }],
            scale_down_events: vec![ScaleEvent { timestamp: ago(2), replica_change: i32::MAX, outdated: false }],
            ..History::default()
        });
        let d = normalize(&input(current, min, max, behavior.clone(), proposal, 8.0), &mut h, now());
        if let Some(hist) = h.as_mut() {
            hist.store_scale_event(behavior.as_ref(), current, d.desired_replicas, now());
        }
    }
}
