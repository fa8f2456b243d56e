//! Pure HPA decisions: one whole sync (`hpa::sync`: calculator + behavior + conditions) for an HPA
//! over 30 pods. The goal in the issue is 10,000 HPAs per 15 s sync on one core; the figure here
//! is decisions per second on one core. Numbers go to BENCHMARKS.md.

use std::hint::black_box;

use bellows::hpa::behavior::{History, NormalizeConfig};
use bellows::hpa::calc::{
    CalcConfig, ConditionStatus, ContainerRequests, MetricSamples, MetricSpec, MetricTarget, PerPodSamples,
    PodMetricSample, PodPhase, PodSnapshot, ReadyCondition, ResourceList, ResourceName,
};
use bellows::hpa::sync::{ScaleSnapshot, SyncInput, sync};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};

fn bench_sync(c: &mut Criterion) {
    let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
    let since = now - SignedDuration::from_mins(10);
    let pods: Vec<PodSnapshot> = (0..30)
        .map(|i| PodSnapshot {
            name: format!("web-{i}"),
            phase: PodPhase::Running,
            deleting: false,
            start_time: Some(since),
            ready: Some(ReadyCondition { status: ConditionStatus::True, last_transition_time: since }),
            containers: vec![ContainerRequests {
                name: "app".into(),
                requests: ResourceList { cpu: Some(500), memory: Some(256 << 20) },
                restartable: false,
            }],
            init_containers: vec![],
            pod_requests: None,
        })
        .collect();
    let samples = MetricSamples::PerPod(PerPodSamples {
        pods: pods
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let value = 300 + (i as i64 * 13) % 200;
                (
                    p.name.clone(),
                    PodMetricSample { value, timestamp: now, window: SignedDuration::from_secs(15) },
                )
            })
            .collect(),
        timestamp: Some(now),
    });
    let metrics =
        [(MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(60) }, samples)];
    let input = SyncInput {
        reference: "Deployment/default/web".into(),
        namespace: "default",
        min_replicas: Some(2),
        max_replicas: 100,
        behavior: None,
        scale: ScaleSnapshot { spec_replicas: 30, status_replicas: 30, selector: Some("app=web".into()) },
        pods: &pods,
        metrics: &metrics,
        calc: CalcConfig::default(),
        normalize: NormalizeConfig::default(),
        now,
        scaled_to_zero: false,
    };
    let mut group = c.benchmark_group("hpa_sync_30_pods");
    group.throughput(Throughput::Elements(1));
    group.bench_function("cpu_utilization", |b| {
        b.iter(|| {
            let mut history = Some(History::default());
            black_box(sync(black_box(&input), &mut history))
        });
    });
    group.finish();
}

criterion_group!(benches, bench_sync);
criterion_main!(benches);
