//! `groupPods`, `calculateRequests` and `getPerPodUsage` vectors, ported by value from upstream
//! `TestGroupPods`, `TestCalculateRequests`, `TestCalculatePodRequestsFromContainers_NonExistentContainer`
//! and `TestGetPerPodUsage`.

use std::collections::BTreeMap;

use jiff::SignedDuration;

use super::fixtures::{F, FAIL, PEND, SUCC, T, ago, now, pod, sample, test_config, zero_time};
use crate::hpa::calc::numeric::per_pod_usage;
use crate::hpa::calc::pods::{calculate_requests, group_pods, ready_pods_count};
use crate::hpa::calc::{CalcError, PodMetricSample, PodSnapshot, ResourceName, SkipReason};

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

/// Go's `PodMetric{Value: 1}`: zero timestamp, zero window.
fn bare() -> PodMetricSample {
    sample(1, zero_time(), SignedDuration::ZERO)
}

struct GroupCase {
    upstream: &'static str,
    pods: Vec<PodSnapshot>,
    metrics: Vec<(&'static str, PodMetricSample)>,
    resource: ResourceName,
    ready: usize,
    unready: &'static [&'static str],
    missing: &'static [&'static str],
    ignored: &'static [&'static str],
}

#[test]
fn group_pods_vectors_match_upstream() {
    let cpu = ResourceName::Cpu;
    let cases = [
        // TestGroupPods/void
        GroupCase {
            upstream: "void",
            pods: vec![],
            metrics: vec![],
            resource: cpu,
            ready: 0,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/count in a ready pod - memory
        GroupCase {
            upstream: "count in a ready pod - memory",
            pods: vec![pod("bentham").no_start_time().no_ready_condition().build()],
            metrics: vec![("bentham", sample(1, now(), SignedDuration::from_mins(1)))],
            resource: ResourceName::Memory,
            ready: 1,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/unready a pod without ready condition - CPU
        GroupCase {
            upstream: "unready a pod without ready condition - CPU",
            pods: vec![pod("lucretius").started(now()).no_ready_condition().build()],
            metrics: vec![("lucretius", bare())],
            resource: cpu,
            ready: 0,
            unready: &["lucretius"],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/count in a ready pod with fresh metrics during initialization period - CPU
        GroupCase {
            upstream: "count in a ready pod with fresh metrics during initialization period - CPU",
            pods: vec![pod("bentham").started(ago(secs(60))).ready_condition(T, ago(secs(30))).build()],
            metrics: vec![("bentham", sample(1, now(), secs(30)))],
            resource: cpu,
            ready: 1,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/unready a ready pod without fresh metrics during initialization period - CPU
        GroupCase {
            upstream: "unready a ready pod without fresh metrics during initialization period - CPU",
            pods: vec![pod("bentham").started(ago(secs(60))).ready_condition(T, ago(secs(30))).build()],
            metrics: vec![("bentham", sample(1, now(), secs(60)))],
            resource: cpu,
            ready: 0,
            unready: &["bentham"],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/unready an unready pod during initialization period - CPU
        GroupCase {
            upstream: "unready an unready pod during initialization period - CPU",
            pods: vec![pod("lucretius").started(ago(secs(600))).ready_condition(F, ago(secs(594))).build()],
            metrics: vec![("lucretius", bare())],
            resource: cpu,
            ready: 0,
            unready: &["lucretius"],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/count in a ready pod without fresh metrics after initialization period - CPU
        GroupCase {
            upstream: "count in a ready pod without fresh metrics after initialization period - CPU",
            pods: vec![pod("bentham").started(ago(secs(180))).ready_condition(T, ago(secs(180))).build()],
            metrics: vec![("bentham", sample(1, ago(secs(120)), secs(60)))],
            resource: cpu,
            ready: 1,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/count in an unready pod that was ready after initialization period - CPU
        GroupCase {
            upstream: "count in an unready pod that was ready after initialization period - CPU",
            pods: vec![pod("lucretius").started(ago(secs(600))).ready_condition(F, ago(secs(540))).build()],
            metrics: vec![("lucretius", bare())],
            resource: cpu,
            ready: 1,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/unready pod that has never been ready after initialization period - CPU
        // (LTT exactly start + readiness delay: strict After, so the pod counts)
        GroupCase {
            upstream: "unready pod that has never been ready after initialization period - CPU",
            pods: vec![pod("lucretius").started(ago(secs(600))).ready_condition(F, ago(secs(590))).build()],
            metrics: vec![("lucretius", bare())],
            resource: cpu,
            ready: 1,
            unready: &[],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/a missing pod
        GroupCase {
            upstream: "a missing pod",
            pods: vec![pod("epicurus").started(ago(secs(180))).no_ready_condition().build()],
            metrics: vec![],
            resource: cpu,
            ready: 0,
            unready: &[],
            missing: &["epicurus"],
            ignored: &[],
        },
        // TestGroupPods/several pods
        GroupCase {
            upstream: "several pods",
            pods: vec![
                pod("lucretius").started(now()).no_ready_condition().build(),
                pod("niccolo").started(ago(secs(180))).ready_condition(T, ago(secs(180))).build(),
                pod("epicurus").started(ago(secs(180))).no_ready_condition().build(),
            ],
            metrics: vec![("lucretius", bare()), ("niccolo", bare())],
            resource: cpu,
            ready: 1,
            unready: &["lucretius"],
            missing: &["epicurus"],
            ignored: &[],
        },
        // TestGroupPods/pending pods are unreadied
        GroupCase {
            upstream: "pending pods are unreadied",
            pods: vec![pod("unscheduled").phase(PEND).no_start_time().no_ready_condition().build()],
            metrics: vec![],
            resource: cpu,
            ready: 0,
            unready: &["unscheduled"],
            missing: &[],
            ignored: &[],
        },
        // TestGroupPods/ignore pods with deletion timestamps
        GroupCase {
            upstream: "ignore pods with deletion timestamps",
            pods: vec![pod("deleted").phase(PEND).deleting().build()],
            metrics: vec![("deleted", bare())],
            resource: cpu,
            ready: 0,
            unready: &[],
            missing: &[],
            ignored: &["deleted"],
        },
        // TestGroupPods/ignore pods in a failed state
        GroupCase {
            upstream: "ignore pods in a failed state",
            pods: vec![pod("failed").phase(FAIL).build()],
            metrics: vec![("failed", bare())],
            resource: cpu,
            ready: 0,
            unready: &[],
            missing: &[],
            ignored: &["failed"],
        },
        // TestGroupPods/ignore pods in a succeeded state
        GroupCase {
            upstream: "ignore pods in a succeeded state",
            pods: vec![pod("succeeded").phase(SUCC).build()],
            metrics: vec![("succeeded", bare())],
            resource: cpu,
            ready: 0,
            unready: &[],
            missing: &[],
            ignored: &["succeeded"],
        },
    ];
    let config = test_config(None);
    for c in cases {
        let metrics: BTreeMap<String, PodMetricSample> =
            c.metrics.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect();
        let groups = group_pods(&c.pods, &metrics, Some(c.resource), &config, now());
        let names = |m: &BTreeMap<String, SkipReason>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(groups.ready_count, c.ready, "{}", c.upstream);
        assert_eq!(names(&groups.unready), c.unready, "{}", c.upstream);
        assert_eq!(groups.missing.iter().cloned().collect::<Vec<_>>(), c.missing, "{}", c.upstream);
        assert_eq!(names(&groups.ignored), c.ignored, "{}", c.upstream);
    }
}

#[test]
fn skipped_pods_carry_the_reason_they_were_left_out() {
    let pods = [
        pod("deleted").deleting().build(),
        pod("failed").phase(FAIL).build(),
        pod("done").phase(SUCC).build(),
        pod("pending").phase(PEND).build(),
        pod("never-ready").ready_condition(F, zero_time()).build(),
        pod("warming").started(now()).build(),
    ];
    let metrics =
        pods.iter().map(|p| (p.name.clone(), sample(1, zero_time(), SignedDuration::from_mins(1)))).collect();
    let groups = group_pods(&pods, &metrics, Some(ResourceName::Cpu), &test_config(None), now());
    let ignored: Vec<_> = groups.ignored.into_iter().collect();
    let unready: Vec<_> = groups.unready.into_iter().collect();
    assert_eq!(
        ignored,
        [
            ("deleted".to_owned(), SkipReason::Deleted),
            ("done".to_owned(), SkipReason::Succeeded),
            ("failed".to_owned(), SkipReason::Failed)
        ]
    );
    assert_eq!(
        unready,
        [
            ("never-ready".to_owned(), SkipReason::Unready),
            ("pending".to_owned(), SkipReason::Pending),
            ("warming".to_owned(), SkipReason::Initializing)
        ]
    );
}

#[test]
fn readiness_windows_apply_to_cpu_only() {
    let pods =
        [pod("warming").started(now()).build(), pod("never-ready").ready_condition(F, zero_time()).build()];
    let metrics =
        pods.iter().map(|p| (p.name.clone(), sample(1, zero_time(), SignedDuration::from_mins(1)))).collect();
    let config = test_config(None);
    assert_eq!(group_pods(&pods, &metrics, Some(ResourceName::Memory), &config, now()).ready_count, 2);
    assert_eq!(group_pods(&pods, &metrics, None, &config, now()).ready_count, 2);
    assert_eq!(group_pods(&pods, &metrics, Some(ResourceName::Cpu), &config, now()).ready_count, 0);
}

struct RequestCase {
    upstream: &'static str,
    pod: PodSnapshot,
    container: Option<&'static str>,
    pod_level_resources: bool,
    expect: Result<i64, CalcError>,
}

#[test]
fn calculate_requests_vectors_match_upstream() {
    let two = || pod("test-pod").container("container1", Some(100)).container("container2", Some(50));
    let missing_first = || pod("test-pod").container("container1", None).container("container2", Some(50));
    let cases = [
        // TestCalculateRequests/Sum container requests if pod-level feature is disabled
        RequestCase {
            upstream: "sum container requests if pod-level feature is disabled",
            pod: two().pod_cpu_request(800).build(),
            container: None,
            pod_level_resources: false,
            expect: Ok(150),
        },
        // TestCalculateRequests/Pod-level resources are enabled, but not set: fallback to sum container requests
        RequestCase {
            upstream: "pod-level enabled but not set",
            pod: two().build(),
            container: None,
            pod_level_resources: true,
            expect: Ok(150),
        },
        // TestCalculateRequests/Pod-level resources override container requests when feature enabled and pod resources specified
        RequestCase {
            upstream: "pod-level resources override container requests",
            pod: two().pod_cpu_request(800).build(),
            container: None,
            pod_level_resources: true,
            expect: Ok(800),
        },
        // TestCalculateRequests/Fail if at least one of the containers is missing requests and pod-level feature/requests are not set
        RequestCase {
            upstream: "fail if a container is missing requests",
            pod: missing_first().build(),
            container: None,
            pod_level_resources: false,
            expect: Err(CalcError::MissingRequest {
                resource: ResourceName::Cpu,
                container: "container1".into(),
                pod: "test-pod".into(),
            }),
        },
        // TestCalculateRequests/Pod-level resources override missing container requests when feature enabled and pod resources specified
        RequestCase {
            upstream: "pod-level resources override missing container requests",
            pod: missing_first().pod_cpu_request(800).build(),
            container: None,
            pod_level_resources: true,
            expect: Ok(800),
        },
        // TestCalculateRequests/Container: if a container name is specified, calculate requests only for that container
        RequestCase {
            upstream: "named container only",
            pod: two().build(),
            container: Some("container1"),
            pod_level_resources: false,
            expect: Ok(100),
        },
        // TestCalculateRequests/Container: ... only for that container and ignore pod-level requests
        RequestCase {
            upstream: "named container ignores pod-level requests",
            pod: two().pod_cpu_request(800).build(),
            container: Some("container1"),
            pod_level_resources: true,
            expect: Ok(100),
        },
        // TestCalculateRequests/pod with restartable init containers
        RequestCase {
            upstream: "pod with restartable init containers",
            pod: pod("test-pod")
                .container("container1", Some(100))
                .init_container("init-container1", Some(20), false)
                .init_container("restartable-container1", Some(50), true)
                .build(),
            container: None,
            pod_level_resources: false,
            expect: Ok(150),
        },
        // TestCalculatePodRequestsFromContainers_NonExistentContainer
        RequestCase {
            upstream: "non-existent container",
            pod: pod("test-pod").container("container1", Some(100)).build(),
            container: Some("non-existent-container"),
            pod_level_resources: false,
            expect: Err(CalcError::ContainerNotFound {
                container: "non-existent-container".into(),
                pod: "test-pod".into(),
            }),
        },
    ];
    for c in cases {
        let got = calculate_requests(
            std::slice::from_ref(&c.pod),
            c.container,
            ResourceName::Cpu,
            c.pod_level_resources,
        );
        let expect = c.expect.map(|v| BTreeMap::from([("test-pod".to_owned(), v)]));
        assert_eq!(got, expect, "{}", c.upstream);
    }
    // TestCalculateRequests/void
    assert_eq!(calculate_requests(&[], None, ResourceName::Cpu, true), Ok(BTreeMap::new()));
}

#[test]
fn missing_request_message_names_resource_container_and_pod() {
    let pods = [pod("web-0").container("app", Some(100)).container("daprd", None).build()];
    let err = calculate_requests(&pods, None, ResourceName::Cpu, true).unwrap_err();
    assert_eq!(err.to_string(), "missing request for cpu in container daprd of Pod web-0");
    let err = calculate_requests(&pods, Some("sidecar"), ResourceName::Cpu, true).unwrap_err();
    assert_eq!(err.to_string(), "container sidecar not found in Pod web-0");
}

#[test]
fn pod_level_request_without_the_resource_falls_back_to_containers_or_fails() {
    let mut with_containers = pod("p").container("app", Some(300)).pod_cpu_request(800).build();
    with_containers.pod_requests = Some(crate::hpa::calc::ResourceList { cpu: None, memory: Some(1) });
    assert_eq!(
        calculate_requests(std::slice::from_ref(&with_containers), None, ResourceName::Cpu, true),
        Ok(BTreeMap::from([("p".to_owned(), 300)]))
    );
    with_containers.containers[0].requests.cpu = None;
    assert_eq!(
        calculate_requests(&[with_containers], None, ResourceName::Cpu, true).unwrap_err().to_string(),
        "missing pod-level request for cpu in Pod p"
    );
}

#[test]
fn get_per_pod_usage_vectors_match_upstream() {
    // TestGetPerPodUsage: zero replicas, ceiling division, overflow.
    assert_eq!(per_pod_usage(20000, 0), 0);
    assert_eq!(per_pod_usage(1000, 3), 334);
    assert_eq!(per_pod_usage(i64::MAX, 1), i64::MAX);
}

#[test]
fn ready_pod_count_needs_running_and_ready_and_counts_terminating_pods() {
    let pods = [
        pod("a").build(),
        pod("b").deleting().build(),
        pod("c").readiness(F).build(),
        pod("d").phase(PEND).build(),
        pod("e").no_ready_condition().build(),
    ];
    assert_eq!(ready_pods_count(&pods), Ok(2));
    assert_eq!(ready_pods_count(&[]), Err(CalcError::NoPodsForReadyCount));
}

#[test]
fn a_pod_exactly_at_the_end_of_the_cpu_initialization_period_counts_as_ready() {
    // Strict After: start + 2m == now is no longer initialising, so a fresh-but-short sample is
    // trusted; one nanosecond later the start falls inside the period and the sample is not.
    let start = ago(SignedDuration::from_mins(2));
    let metrics = BTreeMap::from([("p".to_owned(), sample(1, start + secs(30), secs(60)))]);
    let config = test_config(None);
    let at_boundary = [pod("p").started(start).ready_condition(T, start).build()];
    assert_eq!(group_pods(&at_boundary, &metrics, Some(ResourceName::Cpu), &config, now()).ready_count, 1);
    let inside = start + SignedDuration::from_nanos(1);
    let inside_period = [pod("p").started(inside).ready_condition(T, start).build()];
    let groups = group_pods(&inside_period, &metrics, Some(ResourceName::Cpu), &config, now());
    assert_eq!(groups.unready.get("p"), Some(&SkipReason::Initializing));
}
