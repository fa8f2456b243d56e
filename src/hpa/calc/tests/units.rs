//! Unit checks of the numeric helpers, tolerance, the resource-metrics adapter and serde shapes.

use jiff::SignedDuration;

use super::fixtures::{Scenario, now, zero_time};
use crate::hpa::calc::numeric::{ceil_to_i32, external_per_pod_sum, external_value_sum};
use crate::hpa::calc::{
    ContainerUsage, MetricSamples, MetricSpec, MetricTarget, PodUsage, ResourceList, ResourceName,
    Tolerances, resource_samples,
};

#[test]
fn inclusive_tolerance_keeps_ratio_one_point_one_but_legacy_form_does_not() {
    let t = Tolerances::default();
    assert!(t.is_within(1.1));
    assert!(t.is_within(0.9));
    assert!(!t.is_within(1.1_f64.next_up()));
    assert!(!Tolerances::legacy_is_within(0.1, 1.1));
    assert!(Tolerances::legacy_is_within(0.1, 0.9));
}

#[test]
fn per_direction_tolerances_only_apply_with_the_feature_gate() {
    assert_eq!(Tolerances::for_hpa(0.1, false, Some(0.5), Some(0.01)), Tolerances::uniform(0.1));
    assert_eq!(
        Tolerances::for_hpa(0.1, true, Some(0.5), None),
        Tolerances { scale_down: 0.5, scale_up: 0.1 }
    );
    assert_eq!(Tolerances { scale_down: 0.1, scale_up: 0.05 }.to_string(), "[down:10.0%, up:5.0%]");
}

#[test]
fn ceil_to_i32_clamps_instead_of_wrapping() {
    assert_eq!(ceil_to_i32(2.000_001), 3);
    assert_eq!(ceil_to_i32(-2.5), -2);
    assert_eq!(ceil_to_i32(1e300), i32::MAX);
    assert_eq!(ceil_to_i32(f64::INFINITY), i32::MAX);
    assert_eq!(ceil_to_i32(-1e300), i32::MIN);
    assert_eq!(ceil_to_i32(f64::NAN), 0);
}

#[test]
fn external_sums_follow_their_two_upstream_overflow_rules() {
    assert_eq!(external_value_sum(&[i64::MAX, 1]), i64::MAX);
    assert_eq!(external_value_sum(&[5, -3]), 2);
    assert_eq!(external_per_pod_sum(&[i64::MAX, 1]), i64::MAX);
    // Upstream treats any negative running sum as overflow in the per-pod path.
    assert_eq!(external_per_pod_sum(&[-5]), i64::MAX);
}

fn usage(name: &str, containers: &[(&str, Option<i64>)]) -> PodUsage {
    PodUsage {
        name: name.to_owned(),
        timestamp: now(),
        window: SignedDuration::from_secs(30),
        containers: containers
            .iter()
            .map(|(n, cpu)| ContainerUsage {
                name: (*n).to_owned(),
                usage: ResourceList { cpu: *cpu, memory: None },
            })
            .collect(),
    }
}

#[test]
fn resource_samples_sum_containers_and_drop_pods_with_gaps() {
    let items = [
        usage("full", &[("a", Some(100)), ("b", Some(50))]),
        usage("gap", &[("a", Some(100)), ("b", None)]),
        usage("empty", &[]),
    ];
    let MetricSamples::PerPod(whole) = resource_samples(&items, ResourceName::Cpu, None) else {
        panic!("per-pod")
    };
    assert_eq!(whole.pods.keys().collect::<Vec<_>>(), ["full"]);
    assert_eq!(whole.pods["full"].value, 150);
    assert_eq!(whole.pods["full"].window, SignedDuration::from_secs(30));
    assert_eq!(whole.timestamp, Some(now()));
    let MetricSamples::PerPod(one) = resource_samples(&items, ResourceName::Cpu, Some("b")) else {
        panic!("per-pod")
    };
    assert_eq!(one.pods.keys().collect::<Vec<_>>(), ["full"]);
    assert_eq!(one.pods["full"].value, 50);
    assert_eq!(
        resource_samples(&[], ResourceName::Memory, None),
        MetricSamples::Unavailable { reason: "no metrics returned from resource metrics API".into() }
    );
}

#[test]
fn metric_specs_use_the_autoscaling_v2_json_shape() {
    let json = r#"[
        {"type": "Resource", "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
        {"type": "ContainerResource", "name": "memory", "container": "app",
         "target": {"type": "AverageValue", "averageValue": 5000}},
        {"type": "Object", "describedObject": {"kind": "Ingress", "name": "main"},
         "metric": {"name": "rps"}, "target": {"type": "Value", "value": 10000}}
    ]"#;
    let specs: Vec<MetricSpec> = serde_json::from_str(json).unwrap();
    assert_eq!(
        specs[0],
        MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(80) }
    );
    assert_eq!(
        specs[1],
        MetricSpec::ContainerResource {
            name: ResourceName::Memory,
            container: "app".into(),
            target: MetricTarget::average_value(5000)
        }
    );
    assert_eq!(specs[2].type_name(), "Object");
}

#[test]
fn proposals_serialise_in_camel_case_with_every_number() {
    let scenario = Scenario::new(3).cpu(3, 1000).levels(&[300, 500, 700]);
    let spec = MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(30) };
    let result = scenario.run(&spec, &scenario.resource_samples(), None).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["metric"], "cpu resource utilization (percentage of request)");
    assert_eq!(json["proposal"]["replicas"], 5);
    assert_eq!(json["proposal"]["currentReplicas"], 3);
    assert_eq!(json["proposal"]["utilization"], 50);
    assert_eq!(json["proposal"]["averageValue"], 1000);
    assert_eq!(json["proposal"]["readyPods"], 3);
    assert_eq!(json["proposal"]["rebalanced"], false);
    assert_eq!(json["proposal"]["timestamp"], zero_time().to_string());
    assert_eq!(
        json["proposal"]["reason"],
        "cpu utilization 50% of request vs target 30% (ratio 1.667) over 3 ready pods; proposing 5 replicas (current 3)"
    );
}

#[test]
fn rebalancing_is_reported_with_the_recomputed_ratio() {
    // Same vector as TestReplicaCalcResourceScale/scale up: unready pod scales less.
    let scenario = Scenario::new(3)
        .readiness(&[super::fixtures::F, super::fixtures::T, super::fixtures::T])
        .cpu(3, 1000)
        .levels(&[300, 500, 700]);
    let spec = MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(30) };
    let p = scenario.run(&spec, &scenario.resource_samples(), None).unwrap().proposal;
    assert!(p.rebalanced);
    assert_eq!(p.usage_ratio, 2.0);
    assert_eq!(p.rebalanced_usage_ratio, Some(40.0 / 30.0));
    assert_eq!(p.skipped_pods.len(), 1);
    assert_eq!(p.hold, None);
    assert_eq!(p.replicas, 4);
}
