//! Resource and `ContainerResource` Utilization vectors, ported by value from upstream
//! `TestReplicaCalcResourceScale`, `TestReplicaCalcResourceTolerance` (classic:
//! `TestReplicaCalcConfigurableTolerance`, `TestReplicaCalcTolerance`),
//! `TestReplicaCalcResourceMissingMetrics` (classic: `TestReplicaCalcMissingMetrics*`,
//! `TestReplicaCalcSuperfluousMetrics`, `TestReplicaCalcEmptyMetrics`, ...) and
//! `TestReplicaCalcComputedToleranceAlgImplementation`.

mod missing;
mod scale;

use super::fixtures::{Scenario, zero_time};
use crate::hpa::calc::{MetricSpec, MetricTarget, ResourceName, Tolerances};

/// Upstream `numContainersPerPod`: raw values of whole pods are sums over two containers.
pub(super) const C: i64 = 2;

pub(super) enum Expect {
    Ok { replicas: i32, utilization: i32, raw: i64 },
    Err(&'static str),
}

pub(super) fn ok(replicas: i32, utilization: i32, raw: i64) -> Expect {
    Expect::Ok { replicas, utilization, raw }
}

pub(super) struct Case {
    upstream: &'static str,
    scenario: Scenario,
    target: i32,
    tolerances: Option<Tolerances>,
    expect: Expect,
}

pub(super) fn case(upstream: &'static str, scenario: Scenario, target: i32, expect: Expect) -> Case {
    Case { upstream, scenario, target, tolerances: None, expect }
}

pub(super) fn with_tolerances(mut c: Case, scale_down: f64, scale_up: f64) -> Case {
    c.tolerances = Some(Tolerances { scale_down, scale_up });
    c
}

pub(super) fn s(current: i32) -> Scenario {
    Scenario::new(current)
}

pub(super) fn run_table(cases: &[Case]) {
    for c in cases {
        let spec = match c.scenario.container {
            Some(container) => MetricSpec::ContainerResource {
                name: ResourceName::Cpu,
                container: container.to_owned(),
                target: MetricTarget::utilization(c.target),
            },
            None => {
                MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(c.target) }
            }
        };
        let got = c.scenario.run(&spec, &c.scenario.resource_samples(), c.tolerances);
        match (&c.expect, got) {
            (Expect::Ok { replicas, utilization, raw }, Ok(result)) => {
                let p = &result.proposal;
                assert_eq!(
                    (p.replicas, p.utilization, p.average_value, p.timestamp),
                    (*replicas, Some(*utilization), Some(*raw), Some(zero_time())),
                    "{}",
                    c.upstream
                );
            }
            (Expect::Err(text), Err(failure)) => {
                let message = failure.error.to_string();
                assert!(message.contains(text), "{}: {message}", c.upstream);
            }
            (_, other) => panic!("{}: unexpected {other:?}", c.upstream),
        }
    }
}
