//! Properties: tolerance holds the count, proposals are monotone in usage and never negative
//! for non-negative inputs, and no input (however extreme) panics.

use proptest::prelude::*;

use super::fixtures::{Scenario, zero_time};
use crate::hpa::calc::{
    MetricIdentifier, MetricSamples, MetricSpec, MetricTarget, ObjectReference, ResourceName, TargetType,
};

fn cpu(target: i32) -> MetricSpec {
    MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(target) }
}

fn qps(target: i64) -> MetricSpec {
    MetricSpec::Pods { metric: MetricIdentifier::named("qps"), target: MetricTarget::average_value(target) }
}

/// Replicas proposed for `n` ready pods each using `level` per container against a CPU target.
fn cpu_proposal(n: usize, request: i64, level: i64, target: i32) -> i32 {
    let s = Scenario::new(i32::try_from(n).unwrap()).cpu(n, request).levels(&vec![level; n]);
    s.run(&cpu(target), &s.resource_samples(), None).unwrap().proposal.replicas
}

proptest! {
    #[test]
    fn usage_within_tolerance_keeps_the_current_count(
        current in 1_i32..50,
        target in 1_000_i64..1_000_000,
        factors in prop::collection::vec(0.95_f64..1.05, 1..20),
    ) {
        let levels: Vec<i64> = factors.iter().map(|f| (target as f64 * f) as i64).collect();
        let s = Scenario::new(current);
        let p = s.run(&qps(target), &Scenario::custom_samples(&levels), None).unwrap().proposal;
        // Pods beyond the samples are missing; the count is still held.
        prop_assert_eq!(p.replicas, current);
    }

    #[test]
    fn proposals_are_monotone_in_usage(
        n in 1_usize..15,
        request in 100_i64..4_000,
        target in 10_i32..300,
        low in 0_i64..10_000,
        extra in 0_i64..10_000,
    ) {
        let a = cpu_proposal(n, request, low, target);
        let b = cpu_proposal(n, request, low + extra, target);
        prop_assert!(a <= b, "usage {} → {}, usage {} → {}", low, a, low + extra, b);
    }

    #[test]
    fn proposals_are_never_negative(
        current in 0_i32..30,
        levels in prop::collection::vec(0_i64..i64::MAX / 64, 0..12),
        request in 1_i64..1_000_000,
        target in 1_i32..1_000,
        value_target in 1_i64..i64::MAX,
    ) {
        let s = Scenario::new(current).cpu(usize::try_from(current).unwrap(), request).levels(&levels);
        if let Ok(r) = s.run(&cpu(target), &s.resource_samples(), None) {
            prop_assert!(r.proposal.replicas >= 0);
        }
        if let Ok(r) = s.run(&qps(value_target), &Scenario::custom_samples(&levels), None) {
            prop_assert!(r.proposal.replicas >= 0);
        }
        let external = MetricSamples::External { values: levels.clone(), timestamp: zero_time() };
        for target in [MetricTarget::value(value_target), MetricTarget::average_value(value_target)] {
            let spec = MetricSpec::External { metric: MetricIdentifier::named("e"), target };
            if let Ok(r) = s.run(&spec, &external, None) {
                prop_assert!(r.proposal.replicas >= 0);
            }
        }
    }

    #[test]
    fn extreme_inputs_never_panic(
        current in any::<i32>(),
        levels in prop::collection::vec(any::<i64>(), 0..8),
        requests in prop::collection::vec(any::<i64>(), 0..8),
        utilization in any::<i32>(),
        value in any::<i64>(),
        tolerance in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1.0_f64..3.0],
    ) {
        let count = usize::try_from(current.clamp(0, 8)).unwrap();
        let s = Scenario::new(current.clamp(0, 8)).requests(&requests).levels(&levels);
        let tolerances = Some(crate::hpa::calc::Tolerances::uniform(tolerance));
        let object = ObjectReference { kind: "K".into(), name: "o".into(), api_version: None };
        let targets = [
            MetricTarget::utilization(utilization),
            MetricTarget::value(value),
            MetricTarget::average_value(value),
            MetricTarget { target_type: TargetType::Value, value: None, average_value: None, average_utilization: None },
        ];
        for target in targets {
            let specs = [
                MetricSpec::Resource { name: ResourceName::Cpu, target },
                MetricSpec::ContainerResource { name: ResourceName::Memory, container: "container1".into(), target },
                MetricSpec::Pods { metric: MetricIdentifier::named("m"), target },
                MetricSpec::Object { described_object: object.clone(), metric: MetricIdentifier::named("m"), target },
                MetricSpec::External { metric: MetricIdentifier::named("m"), target },
            ];
            let samples = [
                s.resource_samples(),
                Scenario::custom_samples(&levels),
                MetricSamples::Object { value, timestamp: zero_time() },
                MetricSamples::External { values: levels.clone(), timestamp: zero_time() },
            ];
            for spec in &specs {
                for sample in &samples {
                    // Any outcome is fine; reaching the end without a panic is the property.
                    let _ = s.run(spec, sample, tolerances);
                }
            }
        }
        prop_assert!(count <= 8);
    }
}
