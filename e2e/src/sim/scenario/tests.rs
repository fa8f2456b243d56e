#![allow(clippy::float_cmp, reason = "exact values are the point of these tests")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{READINESS_DELAY_ANNOTATION, Scenario, ScenarioError, WORKLOAD_ANNOTATION, load, parse};
use crate::sim::kubelet::fault::Fault;
use crate::sim::kubelet::load::{Burst, Segment};
use crate::sim::server::fault::ErrorKind;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn parse_text(text: &str) -> Result<Scenario, ScenarioError> {
    parse(text, &scenarios_dir())
}

/// The error message of a scenario that must not parse.
fn error_of(text: &str) -> String {
    parse_text(text).expect_err("scenario must be rejected").to_string()
}

#[test]
fn the_example_scenario_parses_with_every_feature() {
    let s = load(&scenarios_dir().join("example.yaml")).unwrap();
    assert_eq!(
        (s.nodes.count, s.nodes.cpu.as_str(), s.nodes.memory.as_str(), s.nodes.pods),
        (3, "4", "16Gi", 110)
    );
    let web = &s.workloads[0];
    assert_eq!((web.namespace.as_str(), web.name.as_str()), ("default", "web"));
    assert_eq!(web.model.cpu_per_request, 4.0);
    assert_eq!(web.model.base_cpu, 20.0);
    assert_eq!(web.model.base_memory, 64.0 * 1024.0 * 1024.0);
    assert_eq!(web.model.memory_per_request, 1024.0 * 1024.0);
    assert_eq!(web.model.startup_burst, Some(Burst { millicores: 500.0, seconds: 20.0 }));
    assert_eq!(web.model.noise, 0.05);
    let template = &web.deployment["spec"]["template"];
    assert_eq!(template["metadata"]["annotations"][READINESS_DELAY_ANNOTATION], "5s");
    assert_eq!(template["metadata"]["annotations"][WORKLOAD_ANNOTATION], "web");
    assert_eq!(template["spec"]["containers"][0]["resources"]["limits"]["memory"], "512Mi");
    assert_eq!(web.deployment["spec"]["replicas"], 2);
    assert_eq!(web.deployment["spec"]["selector"]["matchLabels"]["app"], "web");
    // step, ramp, sine, csv in file order; the csv came from example-trace.csv.
    assert_eq!(web.curve.segments.len(), 4);
    assert_eq!(
        web.curve.segments[3],
        Segment::Points(vec![(420.0, 40.0), (450.0, 120.0), (480.0, 80.0), (600.0, 20.0)])
    );
    assert_eq!(web.curve.rps_at(30.0), 10.0);
    assert_eq!(web.curve.rps_at(120.0), 55.0);
    assert_eq!(web.curve.rps_at(435.0), 80.0);
    let worker = &s.workloads[1];
    assert_eq!((worker.namespace.as_str(), worker.name.as_str()), ("batch", "worker"));
    assert_eq!(worker.curve.rps_at(31.0), 60.0);
    assert_eq!(s.faults.len(), 4);
    assert_eq!(s.faults[0].fault, Fault::Slow(Duration::from_secs(3)));
    assert_eq!((s.faults[1].fault, s.faults[1].from, s.faults[1].to), (Fault::Down, 120.0, Some(150.0)));
    assert_eq!((s.faults[3].fault, s.faults[3].to), (Fault::Zero, None));
    assert_eq!(s.api_faults.len(), 3);
    let hpa_errors = &s.api_faults[0];
    assert_eq!((hpa_errors.from, hpa_errors.to), (60.0, Some(120.0)));
    assert_eq!(hpa_errors.fault.filter.verbs, ["update"]);
    assert_eq!(hpa_errors.fault.filter.resources, ["horizontalpodautoscalers"]);
    assert_eq!((hpa_errors.fault.error_rate, hpa_errors.fault.error), (0.2, ErrorKind::InternalError));
    assert_eq!(hpa_errors.fault.seed, 7);
    let throttled = &s.api_faults[1].fault;
    assert_eq!((throttled.error, throttled.retry_after), (ErrorKind::TooManyRequests, 2));
    assert_eq!(
        (throttled.latency, throttled.jitter),
        (Duration::from_millis(200), Duration::from_millis(100))
    );
    assert_eq!(throttled.filter.resources, ["deployments/scale"]);
    assert_eq!(s.api_faults[2].fault.drop_watches_every, Some(Duration::from_secs(30)));
    assert_eq!(s.api_faults[2].to, None);
}

#[test]
fn the_demo_scenario_parses() {
    let s = load(&scenarios_dir().join("demo.yaml")).unwrap();
    assert_eq!(s.workloads.len(), 1);
    // 20 rps, a ramp to 170 between 15 s and 35 s, a drop back to 20 at 95 s.
    assert_eq!(s.workloads[0].curve.rps_at(10.0), 20.0);
    assert_eq!(s.workloads[0].curve.rps_at(25.0), 95.0);
    assert_eq!(s.workloads[0].curve.rps_at(60.0), 170.0);
    assert_eq!(s.workloads[0].curve.rps_at(100.0), 20.0);
    assert!(s.faults.is_empty());
}

#[test]
fn json_scenarios_parse_and_empty_ones_get_defaults() {
    let s = parse_text(r#"{"nodes": {"count": 2}, "workloads": [{"name": "a", "baseCpu": "0.1"}]}"#).unwrap();
    assert_eq!((s.nodes.count, s.workloads[0].model.base_cpu), (2, 100.0));
    let empty = parse_text("").unwrap();
    assert_eq!((empty.nodes.count, empty.workloads.len()), (3, 0));
}

#[test]
fn inline_csv_data_and_points_are_accepted() {
    let s = parse_text(
        "workloads: [{name: a}, {name: b}]\nload:\n  a: [{csv: {data: \"t,rps\\n0,10\\n10,30\"}}]\n  b: [{csv: {points: [[0, 1], [1m, 2]]}}]\n",
    )
    .unwrap();
    assert_eq!(s.workloads[0].curve.rps_at(5.0), 20.0);
    // Unset base usage defaults to the idle model, so metrics-server never sees a zero container.
    assert_eq!(
        (s.workloads[0].model.base_cpu, s.workloads[0].model.base_memory),
        (2.0, 16.0 * 1024.0 * 1024.0)
    );
    assert_eq!(s.workloads[1].curve.segments[0], Segment::Points(vec![(0.0, 1.0), (60.0, 2.0)]));
}

#[test]
fn errors_name_the_bad_field() {
    let mut mismatches = Vec::new();
    for (text, want) in [
        (
            "workloads: [{name: a, cpuPerReqest: 3}]",
            "workloads[0].cpuPerReqest: unknown field `cpuPerReqest`, expected one of `name`",
        ),
        (
            "workloads: [{name: a, baseMemory: 12Gb}]",
            "workloads[0].baseMemory: invalid value: string \"12Gb\"",
        ),
        ("workloads: [{name: a, noise: 2}]", "workloads[0].noise: 2 is outside [0, 1]"),
        ("workloads: [{name: a, readinessDelay: soon}]", "workloads[0].readinessDelay: invalid value"),
        ("workloads: [{replicas: 2}]", "workloads[0].name: missing"),
        ("workloads: [{name: a}, {name: a}]", "workloads[1].name: workload default/a is defined twice"),
        (
            "workloads: [{name: a, image: x, deployment: {metadata: {name: a}}}]",
            "workloads[0].image: not allowed",
        ),
        ("workloads: [{name: a}]\nload: {b: [{step: {rps: 1}}]}", "load.b: no workload named \"b\""),
        ("workloads: [{name: a}]\nload: {a: [{steep: {rps: 1}}]}", "load.a[0]: unknown variant `steep`"),
        (
            "workloads: [{name: a}]\nload: {a: [{ramp: {from: 1, to: 2, start: 60, end: 30}}]}",
            "load.a[0].ramp.end: 30s is before start 60s",
        ),
        (
            "workloads: [{name: a}]\nload: {a: [{sine: {base: 1, amplitude: 1, period: 0}}]}",
            "load.a[0].sine.period: must be greater than 0",
        ),
        (
            "workloads: [{name: a}]\nload: {a: [{csv: {points: [[10, 1], [5, 1]]}}]}",
            "load.a[0].csv.points[1]: times must not decrease",
        ),
        (
            "workloads: [{name: a}]\nload: {a: [{csv: {data: \"0,1\\nx\"}}]}",
            "load.a[0].csv: data line 2: expected `seconds,rps`",
        ),
        (
            "workloads: [{name: a}]\nload: {a: [{csv: {file: missing.csv}}]}",
            "load.a[0].csv: missing.csv line 0:",
        ),
        ("faults: [{node: node-9, kind: down}]", "faults[0].node: no node named \"node-9\""),
        ("faults: [{node: node-1, kind: melt}]", "faults[0].kind: unknown variant `melt`"),
        ("faults: [{node: node-1, kind: down, from: 60, to: 30}]", "faults[0].to: 30s is not after from 60s"),
        ("faults: [{node: node-1, kind: zero, delay: 1s}]", "faults[0].delay: only a slow fault has a delay"),
        ("faults: [{kind: down}]", "faults[0].node: missing"),
        ("faults: [{api: {errorRate: 2}}]", "faults[0].api.errorRate: 2 is outside [0, 1]"),
        ("faults: [{api: {error: teapot}}]", "faults[0].api.error: unknown variant `teapot`"),
        ("faults: [{api: {}, node: node-1}]", "faults[0].node: not allowed in an api fault"),
        ("faults: [{api: {dropWatchesEvery: 0}}]", "faults[0].api.dropWatchesEvery: must be greater than 0"),
        ("nodes: {cpu: lots}", "nodes.cpu: invalid value"),
        ("nodes: [1", "scenario is not valid YAML or JSON"),
    ] {
        let message = error_of(text);
        if !message.starts_with(want) {
            mismatches.push(format!("{text:?}: {message:?} does not start with {want:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
