//! Behavior rate limits: `TestScalingWithRules` (every row), the limit calculators and own rows
//! for `selectPolicy` Min/Disabled and period boundaries.

use jiff::SignedDuration;

use super::super::{
    Behavior, EffectiveBehavior, EffectiveRules, History, LimitReason, ScaleEvent, ScalingPolicy,
    ScalingRules, SelectPolicy, convert_with_behavior_rate, scale_down_limit, scale_up_limit,
};
use super::{ev, hist, now, rules, uniform};

struct Row {
    name: &'static str,
    up_events: Vec<ScaleEvent>,
    down_events: Vec<ScaleEvent>,
    min: i32,
    max: i32,
    up: Option<ScalingRules>,
    down: Option<ScalingRules>,
    current: i32,
    desired: i32,
    want: i32,
    reason: LimitReason,
}

fn row(name: &'static str, current: i32, desired: i32, min: i32, max: i32) -> Row {
    Row {
        name,
        up_events: vec![],
        down_events: vec![],
        min,
        max,
        up: None,
        down: None,
        current,
        desired,
        want: desired,
        reason: LimitReason::DesiredWithinRange,
    }
}

impl Row {
    fn up(mut self, r: ScalingRules) -> Self {
        self.up = Some(r);
        self
    }
    fn down(mut self, r: ScalingRules) -> Self {
        self.down = Some(r);
        self
    }
    fn up_events(mut self, e: Vec<ScaleEvent>) -> Self {
        self.up_events = e;
        self
    }
    fn down_events(mut self, e: Vec<ScaleEvent>) -> Self {
        self.down_events = e;
        self
    }
    fn want(mut self, want: i32, reason: LimitReason) -> Self {
        self.want = want;
        self.reason = reason;
        self
    }
}

fn check(rows: Vec<Row>) {
    for r in rows {
        let behavior = Behavior { scale_up: r.up, scale_down: r.down };
        let eff = EffectiveBehavior::resolve(&behavior, SignedDuration::from_mins(5));
        let history = hist(vec![], r.up_events, r.down_events);
        let got = convert_with_behavior_rate(r.current, r.desired, r.min, r.max, &history, &eff, now());
        assert_eq!((got.replicas, got.reason), (r.want, r.reason), "{}", r.name);
    }
}

#[test]
fn scaling_with_rules_without_history() {
    use LimitReason::{DesiredWithinRange, ScaleDownLimit, ScaleUpLimit, TooFewReplicas, TooManyReplicas};
    // TestScalingWithRules, rows without events.
    check(vec![
        row("prenormalized desired replicas within range", 5, 7, 3, 8).want(7, DesiredWithinRange),
        row("prenormalized desired replicas < minReplicas", 3, 1, 2, 8).want(2, TooFewReplicas),
        row("prenormalized desired replicas within range when minReplicas is 0", 1, 0, 0, 10)
            .want(0, DesiredWithinRange),
        row("maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10)
            .want(10, TooManyReplicas),
        row("desired replica count is more than the maximum replica count", 100, 1000, 100, 150)
            .want(150, TooManyReplicas),
        row(
            "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
            3,
            1000,
            1,
            2000,
        )
        .up(rules(0, 0, 1, 60, 0))
        .want(4, ScaleUpLimit),
        // Skipped upstream by its `testThis` flag; the expected value still holds.
        row(
            "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
            1000,
            3,
            3,
            2000,
        )
        .down(rules(20, 60, 0, 0, 0))
        .want(980, ScaleDownLimit),
        row("scaleUp with default behavior", 10, 50, 1, 1000).want(20, ScaleUpLimit),
        row("scaleUp with pods policy larger than percent policy", 10, 500, 1, 1000)
            .up(rules(100, 60, 100, 60, 0))
            .want(110, ScaleUpLimit),
        row("scaleUp with percent policy larger than pods policy", 10, 500, 1, 1000)
            .up(rules(2, 60, 100, 60, 0))
            .want(20, ScaleUpLimit),
        row("scaleUp with spec MaxReplicas limitation with large pod policy", 10, 50, 1, 1000)
            .up(rules(100, 60, 0, 0, 0))
            .want(50, DesiredWithinRange),
        row("scaleUp with spec MaxReplicas limitation with large percent policy", 10, 50, 1, 1000)
            .up(rules(10000, 60, 0, 0, 0))
            .want(50, DesiredWithinRange),
        row("scaleUp with pod policy limitation", 10, 50, 1, 1000)
            .up(rules(30, 60, 0, 0, 0))
            .want(40, ScaleUpLimit),
        row("scaleUp with percent policy limitation", 10, 50, 1, 1000)
            .up(rules(0, 0, 200, 60, 0))
            .want(30, ScaleUpLimit),
        row("scaleDown with percent policy larger than pod policy", 100, 2, 1, 1000)
            .down(rules(20, 60, 1, 60, 300))
            .want(80, ScaleDownLimit),
        row("scaleDown with pod policy larger than percent policy", 100, 2, 1, 1000)
            .down(rules(2, 60, 1, 60, 300))
            .want(98, ScaleDownLimit),
        row("scaleDown with spec MinReplicas=nil limitation with large pod policy", 10, 0, 1, 1000)
            .down(rules(100, 60, 0, 0, 300))
            .want(1, TooFewReplicas),
        row("scaleDown with spec MinReplicas limitation with large pod policy", 10, 0, 1, 1000)
            .down(rules(100, 60, 0, 0, 300))
            .want(1, TooFewReplicas),
        row("scaleDown with spec MinReplicas limitation with large percent policy", 10, 2, 5, 1000)
            .down(rules(0, 0, 100, 60, 300))
            .want(5, TooFewReplicas),
        row("scaleDown with pod policy limitation", 10, 2, 1, 1000)
            .down(rules(5, 60, 0, 0, 300))
            .want(5, ScaleDownLimit),
        row("scaleDown with percent policy limitation", 10, 5, 1, 1000)
            .down(rules(0, 0, 50, 60, 300))
            .want(5, DesiredWithinRange),
    ]);
}

#[test]
fn scaling_with_rules_reconstructs_period_start_from_events() {
    use LimitReason::{DesiredWithinRange, ScaleDownLimit, ScaleUpLimit, TooFewReplicas, TooManyReplicas};
    let e159 = || uniform(&[1, 5, 9], 120);
    let e_outdated = || uniform(&[8, 12, 9, 11], 120);
    // TestScalingWithRules, rows with events (generateEventsUniformDistribution).
    check(vec![
        row("scaleUp with spec MaxReplicas limitation with large pod policy and events", 100, 500, 1, 200)
            .up_events(e159())
            .up(rules(300, 60, 0, 0, 0))
            .want(200, TooManyReplicas),
        row("scaleUp with spec MaxReplicas limitation with large percent policy and events", 100, 500, 1, 200)
            .up_events(e159())
            .up(rules(0, 0, 10000, 60, 0))
            .want(200, TooManyReplicas),
        row("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", 100, 500, 1, 1000)
            .up_events(e159())
            .up(rules(5, 120, 0, 0, 0))
            .want(100, ScaleUpLimit),
        row("scaleUp with pod policy and previous scale up events", 100, 500, 1, 1000)
            .up_events(e159())
            .up(rules(150, 120, 0, 0, 0))
            .want(235, ScaleUpLimit),
        row("scaleUp with percent policy and previous scale up events", 100, 500, 1, 1000)
            .up_events(e159())
            .up(rules(0, 0, 200, 120, 0))
            .want(255, ScaleUpLimit),
        row("scaleUp with percent policy and previous scale up and down events", 6, 24, 1, 1000)
            .up_events(uniform(&[4], 120))
            .down_events(uniform(&[2], 120))
            .up(rules(0, 0, 300, 300, 0))
            .want(16, ScaleUpLimit),
        row("scaleDown with default policy and previous events", 10, 5, 1, 1000)
            .down_events(e159())
            .want(5, DesiredWithinRange),
        row("scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", 100, 0, 1, 1000)
            .down_events(e159())
            .down(rules(115, 120, 0, 0, 300))
            .want(1, TooFewReplicas),
        row("scaleDown with spec MinReplicas limitation with large pod policy and previous events", 100, 0, 5, 1000)
            .down_events(e159())
            .down(rules(130, 120, 0, 0, 300))
            .want(5, TooFewReplicas),
        row("scaleDown with spec MinReplicas limitation with large percent policy and previous events", 100, 2, 5, 1000)
            .down_events(e159())
            .down(rules(0, 0, 100, 120, 300))
            .want(5, TooFewReplicas),
        row("scaleDown with pod policy limitation and previous events", 100, 2, 1, 1000)
            .down_events(e159())
            .down(rules(5, 120, 0, 0, 300))
            .want(100, ScaleDownLimit),
        row("scaleDown with percent policy limitation and previous events", 100, 0, 1, 1000)
            .down_events(uniform(&[2, 4, 6], 120))
            .down(rules(0, 0, 50, 120, 300))
            .want(56, ScaleDownLimit),
        row("scaleDown with percent policy and previous scale up and down events", 10, 1, 1, 1000)
            .up_events(uniform(&[2], 120))
            .down_events(uniform(&[4], 120))
            .down(rules(0, 0, 50, 180, 0))
            .want(6, ScaleDownLimit),
        row("scaleDown with previous events preventing further scale down", 100, 0, 1, 1000)
            .down_events(uniform(&[10, 10, 10], 120))
            .down(rules(0, 0, 10, 120, 300))
            .want(100, ScaleDownLimit),
        row("scaleDown with with previous events still allowing more scale down", 10, 5, 1, 1000)
            .down_events(uniform(&[10, 10, 10], 120))
            .down(rules(0, 0, 1000, 120, 300))
            .want(5, DesiredWithinRange),
        row("check 'outdated' flag for events for one behavior for up", 100, 200, 1, 1000)
            .up_events(e_outdated())
            .up(rules(1000, 60, 0, 0, 0))
            .want(200, DesiredWithinRange),
        row("check that events were not marked 'outdated' for two different policies in the behavior for up", 100, 200, 1, 1000)
            .up_events(e_outdated())
            .up(rules(1000, 120, 100, 60, 0))
            .want(200, DesiredWithinRange),
        row("check that events were marked 'outdated' for two different policies in the behavior for up", 100, 200, 1, 1000)
            .up_events(e_outdated())
            .up(rules(1000, 30, 100, 60, 0))
            .want(200, DesiredWithinRange),
        row("check 'outdated' flag for events for one behavior for down", 100, 5, 1, 1000)
            .down_events(e_outdated())
            .down(rules(1000, 60, 0, 0, 300))
            .want(5, DesiredWithinRange),
        row("check that events were not marked 'outdated' for two different policies in the behavior for down", 100, 5, 1, 1000)
            .down_events(e_outdated())
            .down(rules(1000, 120, 100, 60, 300))
            .want(5, DesiredWithinRange),
        row("check that events were marked 'outdated' for two different policies in the behavior for down", 100, 5, 1, 1000)
            .down_events(e_outdated())
            .down(rules(1000, 30, 100, 60, 300))
            .want(5, DesiredWithinRange),
    ]);
}

fn min_select(policies: Vec<ScalingPolicy>, select: SelectPolicy) -> EffectiveRules {
    EffectiveRules { stabilization_window_seconds: 300, select_policy: select, policies }
}

#[test]
fn min_select_policy_takes_the_smallest_scale_up() {
    // TestCalculateScaleUpLimitWithScalingRules: current 1, Min of {Pods 2/60 → 3, Percent 50/60 → 2}.
    let r = min_select(vec![ScalingPolicy::pods(2, 60), ScalingPolicy::percent(50, 60)], SelectPolicy::Min);
    let got = scale_up_limit(1, &History::default(), &r, now());
    assert_eq!(got.limit, 2);
    assert_eq!(got.selected_policy().map(|p| p.policy), Some(ScalingPolicy::percent(50, 60)));
}

#[test]
fn min_select_policy_takes_the_smallest_scale_down() {
    // TestCalculateScaleDownLimitWithBehaviors: current 5, Min of {Pods 2 → 3, Percent 50 → int32(2.5) = 2}.
    let r = min_select(vec![ScalingPolicy::pods(2, 60), ScalingPolicy::percent(50, 60)], SelectPolicy::Min);
    let got = scale_down_limit(5, &History::default(), &r, now());
    assert_eq!(got.limit, 3);
    assert_eq!(got.selected_policy().map(|p| p.policy), Some(ScalingPolicy::pods(2, 60)));
}

#[test]
fn max_select_policy_reports_every_policy_bound() {
    // Own: default scale-up from 3 replicas: Pods 4 → 7, Percent 100 → 6; Max picks 7.
    let eff = EffectiveBehavior::resolve(&Behavior::default(), SignedDuration::from_mins(5));
    let got = scale_up_limit(3, &History::default(), &eff.scale_up, now());
    let bounds: Vec<i32> = got.per_policy.iter().map(|p| p.limit).collect();
    assert_eq!(bounds, [7, 6]);
    assert_eq!(got.limit, 7);
    assert_eq!(got.selected, Some(0));
}

#[test]
fn disabled_select_policy_blocks_the_direction() {
    use LimitReason::{ScaleDownLimit, ScaleUpLimit};
    // Own rows: selectPolicy Disabled pins the limit to current.
    let disabled = ScalingRules { select_policy: Some(SelectPolicy::Disabled), ..ScalingRules::default() };
    check(vec![
        row("scale up disabled", 5, 9, 1, 10).up(disabled.clone()).want(5, ScaleUpLimit),
        row("scale down disabled", 5, 1, 1, 10).down(disabled.clone()).want(5, ScaleDownLimit),
        row("disabled up still allows down", 5, 3, 1, 10)
            .up(disabled)
            .want(3, LimitReason::DesiredWithinRange),
    ]);
}

#[test]
fn percent_scale_down_truncates_toward_zero() {
    use LimitReason::ScaleDownLimit;
    // Own, from the docs example: 80 replicas, Percent 10/60s → int32(72.0) = 72; from 72 with the
    // 8 removed still inside the period: start 80 → 72 again (no further drop); with the event
    // 60 s old (outside, strict After) start 72 → int32(64.8) = 64.
    check(vec![
        row("80 minus 10 percent", 80, 1, 1, 100).down(rules(0, 0, 10, 60, 0)).want(72, ScaleDownLimit),
        row("event inside the period", 72, 1, 1, 100)
            .down(rules(0, 0, 10, 60, 0))
            .down_events(vec![ev(8, 59)])
            .want(72, ScaleDownLimit),
        row("event exactly one period old", 72, 1, 1, 100)
            .down(rules(0, 0, 10, 60, 0))
            .down_events(vec![ev(8, 60)])
            .want(64, ScaleDownLimit),
    ]);
}

#[test]
fn percent_scale_up_rounds_up() {
    use LimitReason::ScaleUpLimit;
    // Own: ceil(3 * 1.1) = 4 so a small percentage still adds a pod; from 0, Pods 4 allows 4.
    check(vec![
        row("10 percent of 3", 3, 10, 1, 100).up(rules(0, 0, 10, 60, 0)).want(4, ScaleUpLimit),
        row("default behavior from zero", 0, 10, 0, 100).want(4, ScaleUpLimit),
    ]);
}

#[test]
fn huge_event_history_does_not_overflow() {
    // Own: adversarial persisted events cannot wrap the period-start arithmetic.
    let history = hist(vec![], vec![ev(i32::MAX, 1), ev(i32::MAX, 2)], vec![ev(i32::MAX, 3)]);
    let eff = EffectiveBehavior::resolve(&Behavior::default(), SignedDuration::from_mins(5));
    let up = convert_with_behavior_rate(10, 20, 1, 100, &history, &eff, now());
    assert_eq!((up.replicas, up.reason), (10, LimitReason::ScaleUpLimit));
    let down = convert_with_behavior_rate(i32::MAX, 1, 1, i32::MAX, &history, &eff, now());
    assert_eq!(down.replicas, 1);
}
